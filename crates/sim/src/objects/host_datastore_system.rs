//! `HostDatastoreSystem`: the datastores a host mounts and what it can create.

use crate::fault::Fault;
use crate::inventory::World;
use crate::value::Value;

use super::common::{split_path, walk};
use super::entry::{Ids, ManagedType};

/// The `HostDatastoreSystem` type.
pub const TYPE: ManagedType = ManagedType {
    name: "HostDatastoreSystem",
    ids: Ids::PerHost {
        esx: "ha-datastoresystem",
        vcenter_prefix: "datastoreSystem-",
    },
    properties: &["datastore", "capabilities"],
    property,
    methods: &[("RefreshDatastore", |_, _, _| Ok(None))],
};

fn property(w: &World, id: &str, path: &str) -> Result<Option<Value>, Fault> {
    let host = TYPE
        .ids
        .host_of(w, id)
        .ok_or_else(|| Fault::not_found(&TYPE.moref(id)))?;
    let h = w
        .host(&host)
        .map_err(|_| Fault::not_found(&TYPE.moref(id)))?;
    let (head, rest) = split_path(path);
    let top = match head {
        "datastore" => Some(w.mos(h.datastores.iter())),
        "capabilities" => Some(
            Value::obj("HostDatastoreSystemCapabilities")
                .with("nfsMountCreationRequired", Value::bool(true))
                .with("nfsMountCreationSupported", Value::bool(true))
                .with("localDatastoreSupported", Value::bool(false))
                .with("vmfsExtentExpansionSupported", Value::bool(true)),
        ),
        _ => return Err(Fault::invalid_property(path)),
    };
    walk(top, rest)
}
