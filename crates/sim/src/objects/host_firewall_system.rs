//! `HostFirewallSystem`: referenced by every host's `configManager`; it exists but serves
//! no properties or methods yet.

use crate::fault::Fault;

use super::entry::{Ids, ManagedType};

/// The `HostFirewallSystem` type.
pub const TYPE: ManagedType = ManagedType {
    name: "HostFirewallSystem",
    ids: Ids::PerHost {
        esx: "firewallSystem",
        vcenter_prefix: "firewallSystem-",
    },
    properties: &[],
    property: |_, _, path| Err(Fault::invalid_property(path)),
    methods: &[],
};
