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
    let h = TYPE.host(w, id)?;
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

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, refs, TestWorld};
    use crate::value::Value;

    #[test]
    fn datastores_of_the_host() {
        let mut t = TestWorld::vcenter();
        let h = t.host("esx-04.example.com");
        let id = format!("datastoreSystem-{h}");
        let ds = refs(&t.get("HostDatastoreSystem", &id, "datastore"));
        let local = format!("Datastore:{}", t.datastore("local-esx04"));
        assert!(ds.contains(&local), "{ds:?}");
        assert_eq!(
            t.get(
                "HostDatastoreSystem",
                &id,
                "capabilities.nfsMountCreationSupported"
            ),
            Value::bool(true)
        );
        assert_eq!(
            t.call("HostDatastoreSystem", &id, "RefreshDatastore", ""),
            Ok(None)
        );
        assert_eq!(
            fault_type(t.read(
                "HostDatastoreSystem",
                "datastoreSystem-host-999",
                "datastore"
            )),
            "ManagedObjectNotFound"
        );
    }
}
