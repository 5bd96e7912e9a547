//! The power state machine of a VM: power on (which a file-backed serial port interrupts
//! with a question), off, suspend, reset, the guest operations, and `AnswerVM`.

use crate::fault::Fault;
use crate::inventory::{InvResult, PowerOnOutcome, World};
use crate::object::CallCx;
use crate::value::{MoRef, Value};

use super::super::common::fault_of;
use super::super::entry::{Call, Reply};
use super::{ensure_no_question, spec, vm_task};

/// `PowerOnVM_Task`: the task stays running while a question waits for `AnswerVM`.
pub(super) fn power_on(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, method, .. } = *call;
    let id = this.value.clone();
    let fe = |e| fault_of(e, this);
    ensure_no_question(w, this)?;
    let s = spec(
        w.vm(&id).map_err(fe)?,
        this,
        method,
        "VirtualMachine.powerOn",
        false,
    );
    let t = cx.tasks.create(s, cx.user);
    match w.power_on(&id) {
        Ok(PowerOnOutcome::Started) => cx.tasks.succeed(&t, None),
        Ok(PowerOnOutcome::Question) => {
            // Stays running until AnswerVM.
            if let Ok(vm) = w.vm_mut(&id) {
                vm.pending_task = Some(t.value.clone());
            }
        }
        Err(e) => cx.tasks.fail(&t, fault_of(e, this)),
    }
    Ok(Some(Value::MoRef(t)))
}

/// `AnswerVM`: answers the pending question and finishes (or fails) the task it blocked.
pub(super) fn answer_vm(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let id = this.value.clone();
    let fe = |e| fault_of(e, this);
    let qid = args.req_text("questionId")?.to_string();
    let choice = args.req_text("answerChoice")?.to_string();
    let went_on = w.answer_question(&id, &qid, &choice).map_err(fe)?;
    let pending = w.vm_mut(&id).ok().and_then(|vm| vm.pending_task.take());
    if let Some(t) = pending {
        let t = MoRef::new("Task", t);
        if went_on {
            cx.tasks.succeed(&t, None);
        } else {
            cx.tasks.fail(
                &t,
                Fault::new(
                    "GenericVmConfigFault",
                    "The operation was cancelled by the user answering the question.",
                )
                .with("reason", Value::str("msg.serial.file.open")),
            );
        }
    }
    Ok(None)
}

/// `PowerOffVM_Task`.
pub(super) fn power_off(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    transition(w, cx, call, "VirtualMachine.powerOff", World::power_off)
}

/// `SuspendVM_Task`.
pub(super) fn suspend(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    transition(w, cx, call, "VirtualMachine.suspend", World::suspend)
}

/// `ResetVM_Task`.
pub(super) fn reset(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    transition(w, cx, call, "VirtualMachine.reset", World::reset)
}

/// `ShutdownGuest` (needs running tools).
pub(super) fn shutdown_guest(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    guest_operation(w, call, World::shutdown_guest)
}

/// `RebootGuest` (needs running tools).
pub(super) fn reboot_guest(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    guest_operation(w, call, World::reboot_guest)
}

/// `StandbyGuest`: the VM suspends.
pub(super) fn standby_guest(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    guest_operation(w, call, World::suspend)
}

/// A power transition of the world (`op`) as a task described by `desc`, refused while a
/// question waits.
fn transition(
    w: &mut World,
    cx: &mut CallCx<'_>,
    call: &Call<'_>,
    desc: &str,
    op: fn(&mut World, &str) -> InvResult<()>,
) -> Reply {
    let this = call.this;
    ensure_no_question(w, this)?;
    vm_task(w, cx, call, desc, |w| {
        op(w, &this.value)
            .map(|_| None)
            .map_err(|e| fault_of(e, this))
    })
}

/// A guest operation (no task), refused while a question waits.
fn guest_operation(
    w: &mut World,
    call: &Call<'_>,
    op: fn(&mut World, &str) -> InvResult<()>,
) -> Reply {
    ensure_no_question(w, call.this)?;
    op(w, &call.this.value).map_err(|e| fault_of(e, call.this))?;
    Ok(None)
}

#[cfg(test)]
mod tests {
    use crate::objects::testing::{fault_type, text, TestWorld};
    use crate::task::TaskState;

    #[test]
    fn the_power_state_machine() {
        let mut t = TestWorld::esx();
        let tiny = t.vm("tiny");
        let state =
            |t: &TestWorld| text(&t.get("VirtualMachine", &tiny, "runtime.powerState")).to_string();
        t.run("VirtualMachine", &tiny, "PowerOnVM_Task", "")
            .unwrap();
        assert_eq!(state(&t), "poweredOn");
        assert_eq!(
            fault_type(t.run("VirtualMachine", &tiny, "PowerOnVM_Task", "")),
            "InvalidPowerState"
        );
        t.run("VirtualMachine", &tiny, "SuspendVM_Task", "")
            .unwrap();
        assert_eq!(state(&t), "suspended");
        t.run("VirtualMachine", &tiny, "PowerOnVM_Task", "")
            .unwrap();
        t.run("VirtualMachine", &tiny, "ResetVM_Task", "").unwrap();
        t.run("VirtualMachine", &tiny, "PowerOffVM_Task", "")
            .unwrap();
        assert_eq!(state(&t), "poweredOff");
        assert_eq!(
            fault_type(t.run("VirtualMachine", &tiny, "PowerOffVM_Task", "")),
            "InvalidPowerState"
        );
        assert_eq!(
            fault_type(t.call("VirtualMachine", &tiny, "ShutdownGuest", "")),
            "InvalidPowerState"
        );
        let web01 = t.vm("web01");
        t.call("VirtualMachine", &web01, "ShutdownGuest", "")
            .unwrap();
        assert_eq!(
            text(&t.get("VirtualMachine", &web01, "runtime.powerState")),
            "poweredOff"
        );
    }

    #[test]
    fn a_question_blocks_power_on_until_answered() {
        let mut t = TestWorld::esx();
        let vm = t.vm("serial-test");
        let task = t
            .call("VirtualMachine", &vm, "PowerOnVM_Task", "")
            .unwrap()
            .unwrap();
        assert_eq!(t.task_state(&task), TaskState::Running);
        let q = t.get("VirtualMachine", &vm, "runtime.question");
        let id = q.path("id").and_then(|v| v.as_str()).unwrap().to_string();
        // Nothing else runs while the question waits.
        assert_eq!(
            fault_type(t.call("VirtualMachine", &vm, "PowerOffVM_Task", "")),
            "InvalidState"
        );
        let bad = format!("<questionId>{id}</questionId><answerChoice>7</answerChoice>");
        assert_eq!(
            fault_type(t.call("VirtualMachine", &vm, "AnswerVM", &bad)),
            "InvalidArgument"
        );
        let answer = format!("<questionId>{id}</questionId><answerChoice>0</answerChoice>");
        t.call("VirtualMachine", &vm, "AnswerVM", &answer).unwrap();
        assert_eq!(t.task_state(&task), TaskState::Success);
        assert_eq!(
            text(&t.get("VirtualMachine", &vm, "runtime.powerState")),
            "poweredOn"
        );
        assert_eq!(t.read("VirtualMachine", &vm, "runtime.question"), Ok(None));
    }
}
