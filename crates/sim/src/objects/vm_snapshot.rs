//! `VirtualMachineSnapshot`: one snapshot of a VM (its configuration then, its children)
//! and the methods on it: revert, remove (with or without its children), rename.

use crate::fault::Fault;
use crate::inventory::{InvResult, Snapshot, World};
use crate::object::CallCx;
use crate::value::{MoRef, Value};

use super::common::{fault_of, split_path, walk};
use super::entry::{Call, Ids, ManagedType, Reply};
use super::vm::{config_info, ensure_no_question, spec};

/// The `VirtualMachineSnapshot` type.
pub const TYPE: ManagedType = ManagedType {
    name: "VirtualMachineSnapshot",
    ids: Ids::Records(|w, id| w.find_snapshot(id).is_some()),
    properties: &["config", "childSnapshot", "vm"],
    property,
    methods: &[
        ("RevertToSnapshot_Task", revert),
        ("RemoveSnapshot_Task", remove),
        ("RenameSnapshot", rename),
    ],
};

fn property(w: &World, snap: &str, path: &str) -> Reply {
    let (vm_id, node) = w
        .find_snapshot(snap)
        .ok_or_else(|| Fault::not_found(&MoRef::new("VirtualMachineSnapshot", snap)))?;
    let (head, rest) = split_path(path);
    let top = match head {
        "vm" => Some(Value::moref("VirtualMachine", vm_id.clone())),
        "childSnapshot" => {
            Some(Value::morefs(node.children.iter().map(|c| {
                MoRef::new("VirtualMachineSnapshot", c.moid.clone())
            })))
        }
        "config" => {
            let vm = w
                .vm(&vm_id)
                .map_err(|e| fault_of(e, &MoRef::new("VirtualMachine", vm_id.clone())))?;
            let mut copy = vm.clone();
            copy.config = node.config.clone();
            Some(config_info(w, &copy))
        }
        _ => return Err(Fault::invalid_property(path)),
    };
    walk(top, rest)
}

/// `RevertToSnapshot_Task`: the VM takes the snapshot's configuration and power state.
fn revert(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let vm_ref = MoRef::new("VirtualMachine", snapshot_vm(w, call.this)?);
    ensure_no_question(w, &vm_ref)?;
    snapshot_task(w, cx, call, "vm.Snapshot.revert", false, |w, snap| {
        w.revert_snapshot(snap)
    })
}

/// `RemoveSnapshot_Task`, its children too when asked (else they move up).
fn remove(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    snapshot_vm(w, call.this)?;
    let children = call.args.bool_of("removeChildren")?.unwrap_or(false);
    snapshot_task(w, cx, call, "vm.Snapshot.remove", true, |w, snap| {
        w.remove_snapshot(snap, children)
    })
}

/// The id of the VM snapshot `this` belongs to.
fn snapshot_vm(w: &World, this: &MoRef) -> Result<String, Fault> {
    w.find_snapshot(&this.value)
        .map(|(vm_id, _)| vm_id)
        .ok_or_else(|| Fault::not_found(this))
}

/// Runs `op` on the snapshot `call` is on, as a task on its VM described by `desc`.
fn snapshot_task<T>(
    w: &mut World,
    cx: &mut CallCx<'_>,
    call: &Call<'_>,
    desc: &str,
    cancelable: bool,
    op: impl FnOnce(&mut World, &str) -> InvResult<T>,
) -> Reply {
    let Call { this, method, .. } = *call;
    let vm_id = snapshot_vm(w, this)?;
    let vm_ref = MoRef::new("VirtualMachine", vm_id.clone());
    let fe = |e| fault_of(e, this);
    let s = spec(w.vm(&vm_id).map_err(fe)?, &vm_ref, method, desc, cancelable);
    let t = cx
        .tasks
        .run(s, cx.user, || op(w, &this.value).map(|_| None).map_err(fe));
    Ok(Some(Value::MoRef(t)))
}

/// `RenameSnapshot`: a new name and/or description.
fn rename(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let snap = this.value.clone();
    let vm_id = snapshot_vm(w, this)?;
    let fe = |e| fault_of(e, this);
    let name = args.text_of("name").map(|s| s.to_string());
    let desc = args.text_of("description").map(|s| s.to_string());
    let vm = w.vm_mut(&vm_id).map_err(fe)?;
    fn rename(
        list: &mut [Snapshot],
        id: &str,
        name: &Option<String>,
        desc: &Option<String>,
    ) -> bool {
        for s in list.iter_mut() {
            if s.moid == id {
                if let Some(n) = name {
                    s.name = n.clone();
                }
                if let Some(d) = desc {
                    s.description = d.clone();
                }
                return true;
            }
            if rename(&mut s.children, id, name, desc) {
                return true;
            }
        }
        false
    }
    rename(&mut vm.snapshots, &snap, &name, &desc);
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, refs, TestWorld};
    use crate::value::Value;

    fn snapshot(t: &TestWorld, name: &str) -> String {
        let (_, s) =
            t.w.vms
                .values()
                .flat_map(|v| {
                    crate::inventory::all_snapshots(&v.snapshots)
                        .into_iter()
                        .map(move |s| (v, s))
                })
                .find(|(_, s)| s.name == name)
                .expect("snapshot exists");
        s.moid.clone()
    }

    #[test]
    fn tree_rename_revert_and_remove() {
        let mut t = TestWorld::esx();
        let db01 = t.vm("db01");
        let base = snapshot(&t, "base");
        let children = refs(&t.get("VirtualMachineSnapshot", &base, "childSnapshot"));
        assert_eq!(children.len(), 2, "{children:?}");
        assert_eq!(
            t.get("VirtualMachineSnapshot", &base, "vm"),
            Value::moref("VirtualMachine", db01.clone())
        );
        assert!(t
            .get("VirtualMachineSnapshot", &base, "config.hardware.memoryMB")
            .as_i64()
            .is_some());
        t.call(
            "VirtualMachineSnapshot",
            &base,
            "RenameSnapshot",
            "<name>origin</name>",
        )
        .unwrap();
        assert_eq!(snapshot(&t, "origin"), base);
        t.run("VirtualMachineSnapshot", &base, "RevertToSnapshot_Task", "")
            .unwrap();
        assert_eq!(
            t.get("VirtualMachine", &db01, "snapshot.currentSnapshot"),
            Value::moref("VirtualMachineSnapshot", base.clone())
        );
        let patched = snapshot(&t, "patched");
        t.run(
            "VirtualMachineSnapshot",
            &patched,
            "RemoveSnapshot_Task",
            "<removeChildren>true</removeChildren>",
        )
        .unwrap();
        assert_eq!(
            refs(&t.get("VirtualMachineSnapshot", &base, "childSnapshot")).len(),
            1
        );
        assert_eq!(
            fault_type(t.read("VirtualMachineSnapshot", &patched, "vm")),
            "ManagedObjectNotFound"
        );
        assert_eq!(
            fault_type(t.call(
                "VirtualMachineSnapshot",
                &base,
                "RemoveSnapshot_Task",
                "<removeChildren>maybe</removeChildren>"
            )),
            "InvalidArgument"
        );
    }
}
