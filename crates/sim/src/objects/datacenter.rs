//! `Datacenter`: its four folders and the datastores and networks it holds; renaming,
//! destroying it with its contents, and powering on several VMs at once.

use crate::fault::Fault;
use crate::inventory::{PowerOnOutcome, PowerState, World};
use crate::object::CallCx;
use crate::value::Value;

use super::common::{
    describe, destroy_task, entity_or_invalid, fault_of, rename_task, run_task, split_path, walk,
};
use super::entry::{Call, Ids, ManagedType, Reply};

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
    methods: &[
        ("Rename_Task", rename_task),
        ("Destroy_Task", destroy_task),
        ("PowerOnMultiVM_Task", power_on_multi),
    ],
};

/// `PowerOnMultiVM_Task` (vCenter): powers on each VM of `vm` in this datacenter; the
/// result (`ClusterPowerOnVmResult`) lists those attempted and, with the fault, those not
/// (a VM already on, or of another datacenter).
fn power_on_multi(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, method, args } = *call;
    if w.kind != crate::inventory::ServerKind::Vcenter {
        return Err(Fault::not_supported(
            "The operation is not supported on the object.",
        ));
    }
    let vms: Vec<_> = args
        .children_named("vm")
        .filter_map(|e| e.as_moref())
        .collect();
    for v in &vms {
        if !w.vms.contains_key(&v.value) {
            return Err(Fault::not_found(v));
        }
    }
    let dc = this.value.clone();
    run_task(
        cx,
        this,
        method,
        &describe(this, "powerOnMultiVm"),
        None,
        || {
            let mut attempted = Vec::new();
            let mut not_attempted = Vec::new();
            for v in &vms {
                let refused = |f: Fault| {
                    Value::obj("ClusterNotAttemptedVmInfo")
                        .with("vm", Value::MoRef(v.clone()))
                        .with("fault", f.to_localized())
                };
                if w.datacenter_of(&v.value).as_deref() != Some(dc.as_str()) {
                    not_attempted.push(refused(Fault::invalid_argument("vm")));
                    continue;
                }
                let state = w.vms[&v.value].power_state;
                if state == PowerState::PoweredOn {
                    not_attempted.push(refused(Fault::invalid_power_state(
                        Some("poweredOff"),
                        state.as_str(),
                    )));
                    continue;
                }
                match w.power_on(&v.value) {
                    Ok(PowerOnOutcome::Started) | Ok(PowerOnOutcome::Question) => attempted.push(
                        Value::obj("ClusterAttemptedVmInfo").with("vm", Value::MoRef(v.clone())),
                    ),
                    Err(e) => not_attempted.push(refused(fault_of(e, v))),
                }
            }
            Ok(Some(
                Value::obj("ClusterPowerOnVmResult")
                    .with(
                        "attempted",
                        Value::array("ClusterAttemptedVmInfo", attempted),
                    )
                    .with(
                        "notAttempted",
                        Value::array("ClusterNotAttemptedVmInfo", not_attempted),
                    ),
            ))
        },
    )
}

fn property(w: &World, id: &str, path: &str) -> Reply {
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
        t.assert_read_faults(
            "Datacenter",
            &[
                ("ha-datacenter", "vmFolderx", "InvalidProperty"),
                ("nowhere", "name", "ManagedObjectNotFound"),
            ],
        );
        // A host agent's datacenter cannot go.
        assert_eq!(
            fault_type(t.run("Datacenter", "ha-datacenter", "Destroy_Task", "")),
            "NotSupported"
        );
    }

    #[test]
    fn power_on_several_then_destroy_a_new_datacenter() {
        let mut t = TestWorld::vcenter();
        let dc = t.w.datacenters.keys().next().unwrap().clone();
        let off: Vec<String> =
            t.w.vms
                .values()
                .filter(|v| v.power_state == crate::inventory::PowerState::PoweredOff)
                .map(|v| v.moid.clone())
                .collect();
        let on =
            t.w.vms
                .values()
                .find(|v| v.power_state == crate::inventory::PowerState::PoweredOn)
                .unwrap()
                .moid
                .clone();
        let args: String = off
            .iter()
            .chain([&on])
            .map(|v| format!("<vm type=\"VirtualMachine\">{v}</vm>"))
            .collect();
        let r = t
            .run("Datacenter", &dc, "PowerOnMultiVM_Task", &args)
            .unwrap()
            .unwrap();
        assert_eq!(
            r.path("attempted").unwrap().as_array().unwrap().len(),
            off.len()
        );
        assert_eq!(r.path("notAttempted").unwrap().as_array().unwrap().len(), 1);
        assert!(t
            .w
            .vms
            .values()
            .all(|v| v.power_state == crate::inventory::PowerState::PoweredOn));
        // A new datacenter comes with its four folders and goes with them.
        let root = t.w.root_folder.clone();
        let made = t
            .call("Folder", &root, "CreateDatacenter", "<name>dc9</name>")
            .unwrap()
            .unwrap();
        let dc9 = made.as_moref().unwrap().value.clone();
        assert_eq!(
            fault_type(t.call("Folder", &root, "CreateDatacenter", "<name>dc9</name>")),
            "DuplicateName"
        );
        let folders = t.w.folders.len();
        t.run("Datacenter", &dc9, "Destroy_Task", "").unwrap();
        assert!(!t.w.datacenters.contains_key(&dc9));
        assert_eq!(t.w.folders.len(), folders - 4);
        // A datacenter with running VMs refuses.
        assert_eq!(
            fault_type(t.run("Datacenter", &dc, "Destroy_Task", "")),
            "InvalidPowerState"
        );
    }
}
