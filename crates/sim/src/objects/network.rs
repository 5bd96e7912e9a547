//! `Network`: a port group's network in a datacenter, with the hosts that have the port
//! group and the VMs whose NICs use it.

use crate::inventory::World;
use crate::value::Value;

use super::common::{entity_or_invalid, split_path, walk};
use super::entry::{Ids, ManagedType, Reply};

/// The `Network` type.
pub const TYPE: ManagedType = ManagedType {
    name: "Network",
    ids: Ids::Records(|w, id| w.networks.get(id).is_some_and(|n| n.dvs.is_none())),
    properties: &["name", "parent", "host", "vm", "summary", "overallStatus"],
    property,
    methods: &[],
};

fn property(w: &World, id: &str, path: &str) -> Reply {
    let (head, rest) = split_path(path);
    let top = match head {
        "host" => {
            let n = &w.networks[id];
            let ids: Vec<String> = w
                .hosts
                .values()
                .filter(|h| {
                    h.datacenter == n.datacenter && h.portgroups.iter().any(|p| p.name == n.name)
                })
                .map(|h| h.moid.clone())
                .collect();
            Some(w.mos(ids.iter()))
        }
        "vm" => {
            let ids: Vec<String> = w
                .vms
                .values()
                .filter(|v| w.vm_networks(v).iter().any(|x| x == id))
                .map(|v| v.moid.clone())
                .collect();
            Some(w.mos(ids.iter()))
        }
        "summary" => Some(
            Value::obj("NetworkSummary")
                .with("network", Value::moref("Network", id.to_string()))
                .with("name", Value::str(&w.networks[id].name))
                .with("accessible", Value::bool(true)),
        ),
        h => entity_or_invalid(w, id, h, path)?,
    };
    walk(top, rest)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, refs, TestWorld};
    use crate::value::Value;

    #[test]
    fn hosts_and_vms_of_a_port_group() {
        let t = TestWorld::esx();
        let id = "HaNetwork-VM Network";
        assert_eq!(refs(&t.get("Network", id, "host")), ["HostSystem:ha-host"]);
        let web01 = format!("VirtualMachine:{}", t.vm("web01"));
        assert!(refs(&t.get("Network", id, "vm")).contains(&web01));
        assert_eq!(
            t.get("Network", id, "summary.name"),
            Value::str("VM Network")
        );
        assert_eq!(
            fault_type(t.read("Network", "HaNetwork-nowhere", "name")),
            "ManagedObjectNotFound"
        );
    }
}
