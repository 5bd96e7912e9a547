//! `VirtualMachine`: its properties (config, runtime, summary, guest, snapshot, layout ...)
//! and its methods: the power state machine and questions ([`power`]), reconfiguration
//! ([`reconfigure`]), snapshots ([`snapshot`]) and registration, migration, templates and
//! screenshots ([`lifecycle`]). Device values live in [`devices`], the property reader in
//! [`properties`].

mod clone;
pub(crate) mod config_spec;
mod devices;
mod lifecycle;
mod power;
mod properties;
mod reconfigure;
mod snapshot;

pub use properties::config_info;

use crate::fault::Fault;
use crate::inventory::{Vm, World};
use crate::object::CallCx;
use crate::task::TaskSpec;
use crate::value::{MoRef, Value};

use super::common::fault_of;
use super::entry::{Call, Ids, ManagedType, Reply};

/// The `VirtualMachine` type.
pub const TYPE: ManagedType = ManagedType {
    name: "VirtualMachine",
    ids: Ids::Records(|w, id| w.vms.contains_key(id)),
    properties: properties::PROPERTY_NAMES,
    property: properties::property,
    methods: &[
        ("PowerOnVM_Task", power::power_on),
        ("PowerOffVM_Task", power::power_off),
        ("SuspendVM_Task", power::suspend),
        ("ResetVM_Task", power::reset),
        ("ShutdownGuest", power::shutdown_guest),
        ("RebootGuest", power::reboot_guest),
        ("StandbyGuest", power::standby_guest),
        ("AnswerVM", power::answer_vm),
        ("ReconfigVM_Task", reconfigure::reconfig_vm),
        ("CreateSnapshot_Task", snapshot::create_snapshot),
        ("CreateSnapshotEx_Task", snapshot::create_snapshot),
        ("RevertToCurrentSnapshot_Task", snapshot::revert_to_current),
        ("RemoveAllSnapshots_Task", snapshot::remove_all),
        ("UnregisterVM", lifecycle::unregister),
        ("Destroy_Task", lifecycle::destroy),
        ("Rename_Task", lifecycle::rename),
        ("MarkAsTemplate", lifecycle::mark_as_template),
        ("MarkAsVirtualMachine", lifecycle::mark_as_virtual_machine),
        ("MigrateVM_Task", lifecycle::migrate),
        ("RelocateVM_Task", lifecycle::relocate),
        ("UpgradeVM_Task", lifecycle::upgrade),
        ("CloneVM_Task", clone::clone_vm),
        ("CreateScreenshot_Task", lifecycle::create_screenshot),
        ("RefreshStorageInfo", |_, _, _| Ok(None)),
        ("AcquireTicket", lifecycle::acquire_ticket),
        ("AcquireMksTicket", lifecycle::acquire_ticket),
    ],
};

/// The task of a VM method, named after the VM.
pub fn spec(vm: &Vm, this: &MoRef, name: &str, desc: &str, cancelable: bool) -> TaskSpec {
    TaskSpec {
        entity: Some(this.clone()),
        entity_name: Some(vm.config.name.clone()),
        name: name.to_string(),
        description_id: desc.to_string(),
        cancelable,
    }
}

/// Runs an immediate task for a VM method.
pub fn vm_task(
    w: &mut World,
    cx: &mut CallCx<'_>,
    call: &Call<'_>,
    desc: &str,
    op: impl FnOnce(&mut World) -> Reply,
) -> Reply {
    let Call { this, method, .. } = *call;
    let vm = w.vm(&this.value).map_err(|e| fault_of(e, this))?;
    let s = spec(vm, this, method, desc, false);
    let t = cx.tasks.run(s, cx.user, || op(w));
    Ok(Some(Value::MoRef(t)))
}

/// A question blocks every other operation on the VM.
pub fn ensure_no_question(w: &World, this: &MoRef) -> Result<(), Fault> {
    let vm = w.vm(&this.value).map_err(|e| fault_of(e, this))?;
    if vm.question.is_some() {
        return Err(Fault::invalid_state(
            "The operation is not allowed in the current state: the virtual machine has a pending question.",
        ));
    }
    Ok(())
}
