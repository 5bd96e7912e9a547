//! The `Folder` methods that add VMs: `CreateVM_Task` (a new VM from a
//! `VirtualMachineConfigSpec`) and `RegisterVM_Task` (a VM from a `.vmx` already on a
//! datastore).

use crate::fault::Fault;
use crate::inventory::{PowerState, VmConfig, World};
use crate::object::CallCx;
use crate::task::TaskSpec;
use crate::value::{MoRef, Value};

use super::super::common::fault_of;
use super::super::entry::{Call, Reply};
use super::super::vm::config_spec::apply_config_spec;

/// `RegisterVM_Task`: registers the VM whose `.vmx` is at `path` in this folder (a vCenter
/// needs a resource pool unless it is a template).
pub(super) fn register_vm(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, method, args } = *call;
    let path = args.req_text("path")?.to_string();
    let name = args.text_of("name").map(|s| s.to_string());
    let as_template = args.bool_of("asTemplate")?.unwrap_or(false);
    let pool = args.moref_of("pool")?;
    let host = args.moref_of("host")?;
    if !as_template && pool.is_none() && w.kind == crate::inventory::ServerKind::Vcenter {
        return Err(Fault::invalid_argument("pool"));
    }
    check_placement(w, pool.as_ref(), host.as_ref())?;
    let folder = this.value.clone();
    let t = cx.tasks.run(
        folder_task(w, this, method, "Folder.registerVm"),
        cx.user,
        || {
            let id = w
                .register_vm(
                    &folder,
                    &path,
                    name.as_deref(),
                    pool.as_ref().map(|p| p.value.as_str()),
                    host.as_ref().map(|h| h.value.as_str()),
                )
                .map_err(|e| fault_of(e, this))?;
            if as_template {
                if let Ok(vm) = w.vm_mut(&id) {
                    vm.template = true;
                }
            }
            Ok(Some(Value::moref("VirtualMachine", id)))
        },
    );
    Ok(Some(Value::MoRef(t)))
}

/// `CreateVM_Task`: a new VM from `config` in this folder and `pool` (on `host`, or one of
/// the pool's hosts): its directory, `.vmx` and new disks on the datastore `config.files`
/// names.
pub(super) fn create_vm(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, method, args } = *call;
    let config = args.req_child("config")?.clone();
    let pool = args.req_moref("pool")?;
    let host = args.moref_of("host")?;
    check_vm_folder(w, this)?;
    check_placement(w, Some(&pool), host.as_ref())?;
    let name = config.text_of("name").unwrap_or("").to_string();
    if name.is_empty() {
        return Err(invalid_vm_config("configSpec.name"));
    }
    let vm_path_name = config
        .child("files")
        .and_then(|f| f.text_of("vmPathName"))
        .unwrap_or("")
        .to_string();
    if vm_path_name.is_empty() {
        return Err(invalid_vm_config("configSpec.files.vmPathName"));
    }
    let folder = this.value.clone();
    let t = cx.tasks.run(
        folder_task(w, this, method, "Folder.createVm"),
        cx.user,
        || {
            let fe = |e| fault_of(e, this);
            let vmx_path = w.new_vm_path(&vm_path_name, &name).map_err(fe)?;
            let dir = vmx_path
                .rsplit_once('/')
                .map(|(d, _)| d.to_string())
                .unwrap_or_default();
            let mut cfg = new_config(&name);
            let work = apply_config_spec(w, &mut cfg, &config, PowerState::PoweredOff, &dir)?;
            w.make_vm_directory(&vmx_path).map_err(fe)?;
            let made = (|| {
                for (f, cap, thin) in &work.create {
                    w.create_virtual_disk(f, *cap, *thin, "lsiLogic")?;
                }
                w.add_new_vm(
                    &folder,
                    &pool.value,
                    host.as_ref().map(|h| h.value.as_str()),
                    &vmx_path,
                    cfg,
                )
            })();
            match made {
                Ok(id) => Ok(Some(Value::moref("VirtualMachine", id))),
                Err(e) => {
                    // Nothing of a VM that was not made stays behind.
                    w.remove_vm_directory(&vmx_path);
                    Err(fe(e))
                }
            }
        },
    );
    Ok(Some(Value::MoRef(t)))
}

/// The configuration a new VM starts from before its spec applies: one vCPU, 32 MB, the
/// newest hardware version the server offers, no devices.
pub(crate) fn new_config(name: &str) -> VmConfig {
    VmConfig {
        name: name.to_string(),
        uuid: String::new(),
        instance_uuid: String::new(),
        guest_os: "other".into(),
        version: "vmx-19".into(),
        memory_mb: 32,
        num_cpu: 1,
        cores_per_socket: 1,
        annotation: String::new(),
        firmware: "bios".into(),
        cpu_alloc: crate::inventory::Allocation::normal(1000),
        mem_alloc: crate::inventory::Allocation::normal(320),
        devices: Vec::new(),
        extra: Vec::new(),
    }
}

/// `InvalidVmConfig` naming the property at fault.
fn invalid_vm_config(property: &str) -> Fault {
    Fault::new(
        "InvalidVmConfig",
        format!("Invalid virtual machine configuration: {property}"),
    )
    .with("property", Value::str(property))
}

/// A folder that may hold VMs, else `NotSupported`.
/// Refuses a `pool` or `host` argument that names nothing.
fn check_placement(w: &World, pool: Option<&MoRef>, host: Option<&MoRef>) -> Result<(), Fault> {
    if let Some(p) = pool.filter(|p| !w.pools.contains_key(&p.value)) {
        return Err(Fault::not_found(p));
    }
    if let Some(h) = host.filter(|h| !w.hosts.contains_key(&h.value)) {
        return Err(Fault::not_found(h));
    }
    Ok(())
}

/// The task of folder method `method` (`this`), described by `description_id`.
fn folder_task(w: &World, this: &MoRef, method: &str, description_id: &str) -> TaskSpec {
    TaskSpec {
        entity: Some(this.clone()),
        entity_name: w.name_of(&this.value),
        name: method.into(),
        description_id: description_id.into(),
        cancelable: false,
    }
}

fn check_vm_folder(w: &World, this: &MoRef) -> Result<(), Fault> {
    let ok = w
        .folders
        .get(&this.value)
        .is_some_and(|f| f.child_type.iter().any(|t| t == "VirtualMachine"));
    if ok {
        Ok(())
    } else {
        Err(Fault::not_supported(
            "The operation is not supported on the object.",
        ))
    }
}
