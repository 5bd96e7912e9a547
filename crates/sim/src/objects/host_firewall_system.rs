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

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, TestWorld};

    #[test]
    fn exists_without_properties() {
        let mut t = TestWorld::esx();
        t.assert_read_faults(
            "HostFirewallSystem",
            &[
                ("firewallSystem", "firewallInfo", "InvalidProperty"),
                ("firewall", "firewallInfo", "ManagedObjectNotFound"),
            ],
        );
        assert_eq!(
            fault_type(t.call(
                "HostFirewallSystem",
                "firewallSystem",
                "RefreshFirewall",
                ""
            )),
            "MethodNotFound"
        );
    }
}
