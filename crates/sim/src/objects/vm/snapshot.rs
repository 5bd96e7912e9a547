//! The snapshot methods of a VM: create, revert to the current snapshot, remove all. (Each
//! snapshot is a managed object of its own: `super::super::vm_snapshot`.)

use crate::fault::Fault;
use crate::inventory::World;
use crate::object::CallCx;
use crate::value::Value;

use super::super::common::fault_of;
use super::super::entry::{Call, Reply};
use super::{ensure_no_question, vm_task};

/// `CreateSnapshot_Task` / `CreateSnapshotEx_Task`: the new snapshot becomes the current one.
pub(super) fn create_snapshot(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let id = this.value.clone();
    let fe = |e| fault_of(e, this);
    ensure_no_question(w, this)?;
    let name = args.req_text("name")?.to_string();
    let desc = args.text_of("description").unwrap_or("").to_string();
    let memory = args.bool_of("memory")?.unwrap_or(false);
    let quiesce = args.bool_of("quiesce")?.unwrap_or(false);
    vm_task(w, cx, call, "VirtualMachine.createSnapshot", |w| {
        let s = w
            .create_snapshot(&id, &name, &desc, memory, quiesce)
            .map_err(fe)?;
        Ok(Some(Value::moref("VirtualMachineSnapshot", s)))
    })
}

/// `RevertToCurrentSnapshot_Task`.
pub(super) fn revert_to_current(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let this = call.this;
    let id = this.value.clone();
    let fe = |e| fault_of(e, this);
    ensure_no_question(w, this)?;
    let cur = w.vm(&id).map_err(fe)?.current_snapshot.clone();
    vm_task(w, cx, call, "VirtualMachine.revertToCurrentSnapshot", |w| {
        let cur = cur.ok_or_else(|| {
            Fault::new("NotFound", "The virtual machine has no current snapshot.")
        })?;
        w.revert_snapshot(&cur).map(|_| None).map_err(fe)
    })
}

/// `RemoveAllSnapshots_Task`.
pub(super) fn remove_all(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let this = call.this;
    let id = this.value.clone();
    let fe = |e| fault_of(e, this);
    vm_task(w, cx, call, "VirtualMachine.removeAllSnapshots", |w| {
        let roots: Vec<String> = w
            .vm(&id)
            .map_err(fe)?
            .snapshots
            .iter()
            .map(|s| s.moid.clone())
            .collect();
        for r in roots {
            w.remove_snapshot(&r, true).map_err(fe)?;
        }
        Ok(None)
    })
}

#[cfg(test)]
mod tests {
    use crate::objects::testing::{fault_type, refs, TestWorld};
    use crate::value::Value;

    #[test]
    fn create_revert_and_remove_all() {
        let mut t = TestWorld::esx();
        let tiny = t.vm("tiny");
        assert_eq!(t.read("VirtualMachine", &tiny, "snapshot"), Ok(None));
        assert_eq!(
            fault_type(t.run("VirtualMachine", &tiny, "RevertToCurrentSnapshot_Task", "")),
            "NotFound"
        );
        let snap = t.run_value(
            "VirtualMachine",
            &tiny,
            "CreateSnapshot_Task",
            "<name>before</name><memory>false</memory><quiesce>false</quiesce>",
        );
        assert_eq!(
            t.get("VirtualMachine", &tiny, "snapshot.currentSnapshot"),
            snap
        );
        assert_eq!(
            refs(&t.get("VirtualMachine", &tiny, "rootSnapshot")).len(),
            1
        );
        t.run("VirtualMachine", &tiny, "RevertToCurrentSnapshot_Task", "")
            .unwrap();
        t.run("VirtualMachine", &tiny, "RemoveAllSnapshots_Task", "")
            .unwrap();
        assert_eq!(t.read("VirtualMachine", &tiny, "snapshot"), Ok(None));
        assert_eq!(
            t.get("VirtualMachine", &tiny, "rootSnapshot"),
            Value::morefs([])
        );
        assert_eq!(
            fault_type(t.call("VirtualMachine", &tiny, "CreateSnapshot_Task", "")),
            "InvalidRequest"
        );
    }
}
