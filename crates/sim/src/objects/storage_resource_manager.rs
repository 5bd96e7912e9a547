//! `StorageResourceManager` (vCenter): Storage DRS settings of a storage pod and initial
//! placement of a new VM's files in one (the pod's datastore with the most free space).

use crate::fault::Fault;
use crate::inventory::World;
use crate::object::CallCx;
use crate::value::Value;

use super::common::{describe, run_task};
use super::entry::{Call, Ids, ManagedType, Reply};

/// The `StorageResourceManager` type.
pub const TYPE: ManagedType = ManagedType {
    name: "StorageResourceManager",
    ids: Ids::Service("storageResourceManager"),
    properties: &[],
    property: |_, _, path| Err(Fault::invalid_property(path)),
    methods: &[
        ("ConfigureStorageDrsForPod_Task", configure),
        ("RecommendDatastores", recommend),
    ],
};

/// `ConfigureStorageDrsForPod_Task(pod, spec)`: switches Storage DRS and sets its default
/// automation level.
fn configure(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, method, args } = *call;
    let pod = args.req_moref("pod")?;
    if !w.storage_pods.contains_key(&pod.value) {
        return Err(Fault::not_found(&pod));
    }
    let config = args
        .child("spec")
        .and_then(|s| s.child("podConfigSpec"))
        .cloned();
    let entity = Some((pod.clone(), w.name_of(&pod.value).unwrap_or_default()));
    run_task(
        cx,
        this,
        method,
        &describe(this, "configureStorageDrsForPod"),
        entity,
        || {
            let Some(c) = config else {
                return Ok(None);
            };
            let enabled = c.bool_of("enabled")?;
            let behavior = c.text_of("defaultVmBehavior").map(str::to_string);
            if let Some(b) = &behavior {
                if b != "automated" && b != "manual" {
                    return Err(Fault::invalid_argument("podConfigSpec.defaultVmBehavior"));
                }
            }
            if let Some(p) = w.storage_pods.get_mut(&pod.value) {
                if let Some(e) = enabled {
                    p.drs_enabled = e;
                }
                if let Some(b) = behavior {
                    p.drs_behavior = b;
                }
            }
            Ok(None)
        },
    )
}

/// `RecommendDatastores(storageSpec)`: for a placement in `podSelectionSpec.storagePod`,
/// one recommendation naming the pod's datastore with the most free space (none for an
/// empty pod).
fn recommend(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let spec = call.args.req_child("storageSpec")?;
    let pod = spec
        .child("podSelectionSpec")
        .and_then(|p| p.moref_of("storagePod").ok().flatten())
        .ok_or_else(|| Fault::missing_argument("storageSpec.podSelectionSpec.storagePod"))?;
    let p = w
        .storage_pods
        .get(&pod.value)
        .ok_or_else(|| Fault::not_found(&pod))?;
    let best = p
        .children
        .iter()
        .filter_map(|d| w.datastores.get(d))
        .max_by_key(|d| w.datastore_free(d));
    let recs = best
        .map(|d| {
            let used = |free: i64| 100 - free.saturating_mul(100) / d.capacity.max(1);
            vec![Value::obj("ClusterRecommendation")
                .with("key", Value::str("1"))
                .with("type", Value::str("V1"))
                .with("time", Value::DateTime(crate::value::now_datetime()))
                .with("rating", Value::int(1))
                .with("reason", Value::str("storagePlacement"))
                .with(
                    "reasonText",
                    Value::str("Satisfy storage initial placement requests"),
                )
                .with("target", Value::moref("StoragePod", pod.value.clone()))
                .with(
                    "action",
                    Value::array(
                        "ClusterAction",
                        vec![Value::obj("StoragePlacementAction")
                            .with("type", Value::str("StoragePlacementV1"))
                            .with(
                                "relocateSpec",
                                Value::obj("VirtualMachineRelocateSpec")
                                    .with("datastore", Value::moref("Datastore", d.moid.clone())),
                            )
                            .with("destination", Value::moref("Datastore", d.moid.clone()))
                            .with(
                                "spaceUtilBefore",
                                Value::Float(used(w.datastore_free(d)) as f32),
                            )
                            .with(
                                "spaceUtilAfter",
                                Value::Float(used(w.datastore_free(d)) as f32),
                            )],
                    ),
                )]
        })
        .unwrap_or_default();
    Ok(Some(Value::obj("StoragePlacementResult").with(
        "recommendations",
        Value::array("ClusterRecommendation", recs),
    )))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, TestWorld};
    use crate::value::Value;

    #[test]
    fn settings_and_placement() {
        let mut t = TestWorld::vcenter();
        let dc = t.w.datacenters.keys().next().unwrap().clone();
        let dsf = t.w.datacenters[&dc].datastore_folder.clone();
        let pod = t.w.create_storage_pod(&dsf, "pod").unwrap();
        let m = ("StorageResourceManager", "StorageResourceManager");
        let ask = format!(
            "<storageSpec><podSelectionSpec><storagePod type=\"StoragePod\">{pod}</storagePod></podSelectionSpec><type>create</type></storageSpec>"
        );
        let none = t
            .call(m.0, m.1, "RecommendDatastores", &ask)
            .unwrap()
            .unwrap();
        assert!(none
            .path("recommendations")
            .is_none_or(|r| r.as_array().unwrap().is_empty()));
        let ds = t.datastore("nfs-iso");
        t.w.move_entity(&ds, &pod).unwrap();
        let one = t
            .call(m.0, m.1, "RecommendDatastores", &ask)
            .unwrap()
            .unwrap();
        let recs = one.path("recommendations").unwrap().as_array().unwrap();
        assert_eq!(
            recs[0].path("action").unwrap().as_array().unwrap()[0].path("destination"),
            Some(&Value::moref("Datastore", ds))
        );
        t.run(
            m.0,
            m.1,
            "ConfigureStorageDrsForPod_Task",
            &format!("<pod type=\"StoragePod\">{pod}</pod><spec><podConfigSpec><enabled>true</enabled><defaultVmBehavior>manual</defaultVmBehavior></podConfigSpec></spec><modify>true</modify>"),
        )
        .unwrap();
        assert_eq!(
            t.get(
                "StoragePod",
                &pod,
                "podStorageDrsEntry.storageDrsConfig.podConfig.defaultVmBehavior"
            ),
            Value::str("manual")
        );
        assert_eq!(
            fault_type(t.run(
                m.0,
                m.1,
                "ConfigureStorageDrsForPod_Task",
                &format!("<pod type=\"StoragePod\">{pod}</pod><spec><podConfigSpec><defaultVmBehavior>wild</defaultVmBehavior></podConfigSpec></spec><modify>true</modify>")
            )),
            "InvalidArgument"
        );
    }
}
