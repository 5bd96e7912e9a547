//! `StoragePod` (a datastore cluster, a kind of folder): its datastores, their summed
//! capacity, its Storage DRS settings, and moving datastores in, renaming and destroying
//! it (its datastores go back to its folder).

use crate::inventory::World;
use crate::value::Value;

use super::common::{destroy_task, entity_or_invalid, rename_task, split_path, walk};
use super::entry::{Ids, ManagedType, Reply};

/// The `StoragePod` type.
pub const TYPE: ManagedType = ManagedType {
    name: "StoragePod",
    ids: Ids::Records(|w, id| w.storage_pods.contains_key(id)),
    properties: &[
        "name",
        "parent",
        "childEntity",
        "childType",
        "summary",
        "podStorageDrsEntry",
        "overallStatus",
    ],
    property,
    methods: &[
        (
            "MoveIntoFolder_Task",
            super::folder::containers::move_into_folder,
        ),
        ("Rename_Task", rename_task),
        ("Destroy_Task", destroy_task),
    ],
};

fn property(w: &World, id: &str, path: &str) -> Reply {
    let (head, rest) = split_path(path);
    let pod = &w.storage_pods[id];
    let top = match head {
        "childEntity" => Some(w.mos(pod.children.iter())),
        "childType" => Some(Value::strings(["Datastore"])),
        "summary" => {
            let ds: Vec<_> = pod
                .children
                .iter()
                .filter_map(|d| w.datastores.get(d))
                .collect();
            Some(
                Value::obj("StoragePodSummary")
                    .with("name", Value::str(&pod.name))
                    .with("capacity", Value::long(ds.iter().map(|d| d.capacity).sum()))
                    .with(
                        "freeSpace",
                        Value::long(ds.iter().map(|d| w.datastore_free(d)).sum()),
                    ),
            )
        }
        "podStorageDrsEntry" => Some(
            Value::obj("PodStorageDrsEntry")
                .with(
                    "storageDrsConfig",
                    Value::obj("StorageDrsConfigInfo")
                        .with(
                            "podConfig",
                            Value::obj("StorageDrsPodConfigInfo")
                                .with("enabled", Value::bool(pod.drs_enabled))
                                .with("ioLoadBalanceEnabled", Value::bool(false))
                                .with("defaultVmBehavior", Value::str(&pod.drs_behavior))
                                .with("loadBalanceInterval", Value::int(480))
                                .with("defaultIntraVmAffinity", Value::bool(true)),
                        )
                        .with(
                            "vmConfig",
                            Value::array("StorageDrsVmConfigInfo", Vec::new()),
                        ),
                )
                .with(
                    "recommendation",
                    Value::array("ClusterRecommendation", Vec::new()),
                )
                .with("drsFault", Value::array("ClusterDrsFaults", Vec::new()))
                .with(
                    "actionHistory",
                    Value::array("ClusterActionHistory", Vec::new()),
                ),
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
    fn datastores_move_in_and_back_out() {
        let mut t = TestWorld::vcenter();
        let dc = t.w.datacenters.keys().next().unwrap().clone();
        let dsf = t.w.datacenters[&dc].datastore_folder.clone();
        let made = t
            .call("Folder", &dsf, "CreateStoragePod", "<name>pod</name>")
            .unwrap()
            .unwrap();
        let pod = made.as_moref().unwrap().value.clone();
        let ds = t.datastore("nfs-iso");
        t.run(
            "StoragePod",
            &pod,
            "MoveIntoFolder_Task",
            &format!("<list type=\"Datastore\">{ds}</list>"),
        )
        .unwrap();
        assert_eq!(
            refs(&t.get("StoragePod", &pod, "childEntity")),
            [format!("Datastore:{ds}")]
        );
        assert!(!refs(&t.get("Folder", &dsf, "childEntity")).contains(&format!("Datastore:{ds}")));
        assert_eq!(
            t.get("Datastore", &ds, "parent"),
            Value::moref("StoragePod", pod.clone())
        );
        let cap = t.w.datastores[&ds].capacity;
        assert_eq!(
            t.get("StoragePod", &pod, "summary.capacity"),
            Value::long(cap)
        );
        // A VM cannot go into a pod.
        let vm = t.w.vms.keys().next().unwrap().clone();
        assert_eq!(
            fault_type(t.run(
                "StoragePod",
                &pod,
                "MoveIntoFolder_Task",
                &format!("<list type=\"VirtualMachine\">{vm}</list>")
            )),
            "NotSupported"
        );
        t.run("StoragePod", &pod, "Destroy_Task", "").unwrap();
        assert!(refs(&t.get("Folder", &dsf, "childEntity")).contains(&format!("Datastore:{ds}")));
    }
}
