//! `Datacenter`: its four folders and the datastores and networks it holds.

use crate::fault::Fault;
use crate::inventory::World;
use crate::value::Value;

use super::common::{entity_or_invalid, split_path, walk};
use super::entry::{Ids, ManagedType};

/// The `Datacenter` type.
pub const TYPE: ManagedType = ManagedType {
    name: "Datacenter",
    ids: Ids::Records(|w, id| w.datacenters.contains_key(id)),
    properties: &[
        "name",
        "parent",
        "vmFolder",
        "hostFolder",
        "datastoreFolder",
        "networkFolder",
        "datastore",
        "network",
        "overallStatus",
    ],
    property,
    methods: &[],
};

fn property(w: &World, id: &str, path: &str) -> Result<Option<Value>, Fault> {
    let (head, rest) = split_path(path);
    let top = match head {
        h @ ("vmFolder" | "hostFolder" | "datastoreFolder" | "networkFolder") => {
            let dc = &w.datacenters[id];
            let f = match h {
                "vmFolder" => &dc.vm_folder,
                "hostFolder" => &dc.host_folder,
                "datastoreFolder" => &dc.datastore_folder,
                _ => &dc.network_folder,
            };
            Some(Value::moref("Folder", f.clone()))
        }
        "datastore" => {
            let ids: Vec<String> = w
                .datastores
                .values()
                .filter(|d| d.datacenter == id)
                .map(|d| d.moid.clone())
                .collect();
            Some(w.mos(ids.iter()))
        }
        "network" => {
            let ids: Vec<String> = w
                .networks
                .values()
                .filter(|n| n.datacenter == id)
                .map(|n| n.moid.clone())
                .collect();
            Some(w.mos(ids.iter()))
        }
        "configuration" => None,
        h => entity_or_invalid(w, id, h, path)?,
    };
    walk(top, rest)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, refs, TestWorld};
    use crate::value::Value;

    #[test]
    fn folders_datastores_and_networks() {
        let mut t = TestWorld::esx();
        assert_eq!(
            t.get("Datacenter", "ha-datacenter", "vmFolder"),
            Value::moref("Folder", "ha-folder-vm")
        );
        assert_eq!(
            t.get("Datacenter", "ha-datacenter", "name"),
            Value::str("ha-datacenter")
        );
        let ds = refs(&t.get("Datacenter", "ha-datacenter", "datastore"));
        assert_eq!(ds.len(), 2, "{ds:?}");
        let nets = refs(&t.get("Datacenter", "ha-datacenter", "network"));
        assert!(
            nets.contains(&"Network:HaNetwork-VM Network".to_string()),
            "{nets:?}"
        );
        assert_eq!(
            fault_type(t.read("Datacenter", "ha-datacenter", "vmFolderx")),
            "InvalidProperty"
        );
        assert_eq!(
            fault_type(t.read("Datacenter", "nowhere", "name")),
            "ManagedObjectNotFound"
        );
        assert_eq!(
            fault_type(t.call("Datacenter", "ha-datacenter", "Destroy_Task", "")),
            "MethodNotFound"
        );
    }
}
