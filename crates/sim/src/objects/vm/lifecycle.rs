//! The rest of a VM's life: unregister, destroy, rename, templates, migration between hosts
//! (vCenter only), screenshots and console tickets.

use crate::fault::Fault;
use crate::inventory::{PowerState, ServerKind, World};
use crate::object::CallCx;
use crate::value::{MoRef, Value};

use super::super::common::fault_of;
use super::super::entry::{Call, Reply};
use super::{ensure_no_question, vm_task};

/// `UnregisterVM`: forgets the VM and keeps its files.
pub(super) fn unregister(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, .. } = *call;
    let id = this.value.clone();
    let fe = |e| fault_of(e, this);
    w.unregister_vm(&id).map_err(fe)?;
    Ok(None)
}

/// `Destroy_Task`: unregisters the VM and deletes its files.
pub(super) fn destroy(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let this = call.this;
    let id = this.value.clone();
    let fe = |e| fault_of(e, this);
    vm_task(w, cx, call, "VirtualMachine.destroy", |w| {
        w.destroy_vm(&id).map(|_| None).map_err(fe)
    })
}

/// `Rename_Task`, refused when the folder has a VM of that name.
pub(super) fn rename(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let id = this.value.clone();
    let fe = |e| fault_of(e, this);
    let new_name = args.req_text("newName")?.to_string();
    vm_task(w, cx, call, "VirtualMachine.rename", |w| {
        let folder = w.vm(&id).map_err(fe)?.folder.clone();
        if w.vms
            .values()
            .any(|v| v.folder == folder && v.config.name == new_name && v.moid != id)
        {
            return Err(Fault::duplicate_name(&new_name, this));
        }
        w.vm_mut(&id).map_err(fe)?.config.name = new_name.clone();
        w.write_vmx(&id).map_err(fe)?;
        Ok(None)
    })
}

/// `CreateScreenshot_Task`: a PNG in the VM's directory (the VM must run).
pub(super) fn create_screenshot(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let this = call.this;
    let id = this.value.clone();
    let fe = |e| fault_of(e, this);
    vm_task(w, cx, call, "VirtualMachine.createScreenshot", |w| {
        let n = w.alloc_id();
        let vm = w.vm(&id).map_err(fe)?;
        if vm.power_state != PowerState::PoweredOn {
            return Err(Fault::invalid_power_state(
                Some("poweredOn"),
                vm.power_state.as_str(),
            ));
        }
        let dir = vm
            .vmx_path
            .rsplit_once('/')
            .map(|(d, _)| d.to_string())
            .unwrap_or_default();
        let path = format!(
            "{dir}/{}-{n}.png",
            esxvirt_util::escape_datastore_item(&vm.config.name)
        );
        let png = crate::files::screen_png(vm);
        let real = w.resolve(&path).map_err(fe)?;
        std::fs::write(real, png).map_err(|e| Fault::system_error(e.to_string()))?;
        Ok(Some(Value::any(Value::str(path))))
    })
}

/// `MigrateVM_Task` to another host or pool.
pub(super) fn migrate(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let id = this.value.clone();
    ensure_no_question(w, this)?;
    let host = args.moref_of("host")?;
    let pool = args.moref_of("pool")?;
    let state = args.text_of("state").map(|s| s.to_string());
    vm_task(w, cx, call, "VirtualMachine.migrate", |w| {
        migrate_to(w, &id, host, pool, state)
    })
}

/// `RelocateVM_Task`: to the host, pool, folder and datastore `spec` names (those it
/// leaves out stay).
pub(super) fn relocate(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let id = this.value.clone();
    ensure_no_question(w, this)?;
    let spec = args.req_child("spec")?;
    let host = spec.moref_of("host")?;
    let pool = spec.moref_of("pool")?;
    let folder = spec.moref_of("folder")?;
    let datastore = spec.moref_of("datastore")?;
    vm_task(w, cx, call, "VirtualMachine.relocate", |w| {
        let fe = |e| fault_of(e, this);
        if let Some(d) = &datastore {
            let name = w
                .datastores
                .get(&d.value)
                .map(|d| d.name.clone())
                .ok_or_else(|| Fault::not_found(d))?;
            w.move_vm_files(&id, &name).map_err(fe)?;
        }
        if host.is_some() || pool.is_some() {
            migrate_to(w, &id, host, pool, None)?;
        }
        if let Some(f) = &folder {
            if w.vms.get(&id).map(|v| &v.folder) != Some(&f.value) {
                w.move_entity(&id, &f.value).map_err(fe)?;
            }
        }
        Ok(None)
    })
}

/// `UpgradeVM_Task`: to hardware `version` (default: the newest); a powered-off VM only,
/// never downwards (`AlreadyUpgraded`).
pub(super) fn upgrade(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let id = this.value.clone();
    ensure_no_question(w, this)?;
    let version = args
        .text_of("version")
        .unwrap_or(NEWEST_VERSION)
        .to_string();
    vm_task(w, cx, call, "VirtualMachine.upgradeVirtualHardware", |w| {
        let fe = |e| fault_of(e, this);
        let number = |v: &str| v.strip_prefix("vmx-").and_then(|n| n.parse::<u32>().ok());
        let vm = w.vm(&id).map_err(fe)?;
        if vm.power_state != PowerState::PoweredOff {
            return Err(Fault::invalid_power_state(
                Some("poweredOff"),
                vm.power_state.as_str(),
            ));
        }
        let (Some(to), Some(from)) = (number(&version), number(&vm.config.version)) else {
            return Err(Fault::invalid_argument("version"));
        };
        if to > number(NEWEST_VERSION).unwrap_or(19) {
            return Err(Fault::not_supported(format!(
                "The hardware version {version} is not supported."
            )));
        }
        if to <= from {
            return Err(Fault::new(
                "AlreadyUpgraded",
                "Virtual machine compatibility is already up-to-date.",
            ));
        }
        w.vm_mut(&id).map_err(fe)?.config.version = format!("vmx-{to:02}");
        w.write_vmx(&id).map_err(fe)?;
        Ok(None)
    })
}

/// The newest hardware version the simulated hosts run.
const NEWEST_VERSION: &str = "vmx-19";

/// `MarkAsTemplate` (a powered-off VM only).
pub(super) fn mark_as_template(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, .. } = *call;
    let id = this.value.clone();
    let fe = |e| fault_of(e, this);
    let vm = w.vm_mut(&id).map_err(fe)?;
    if vm.template {
        return Err(Fault::not_supported(
            "The virtual machine is a template already.",
        ));
    }
    if vm.power_state != PowerState::PoweredOff {
        return Err(Fault::invalid_power_state(
            Some("poweredOff"),
            vm.power_state.as_str(),
        ));
    }
    vm.template = true;
    Ok(None)
}

/// `MarkAsVirtualMachine`.
pub(super) fn mark_as_virtual_machine(
    w: &mut World,
    _cx: &mut CallCx<'_>,
    call: &Call<'_>,
) -> Reply {
    let Call { this, args, .. } = *call;
    let id = this.value.clone();
    let fe = |e| fault_of(e, this);
    let pool = args.moref_of("pool")?;
    let host = args.moref_of("host")?;
    if !w.vm(&id).map_err(fe)?.template {
        return Err(Fault::invalid_state(
            "The virtual machine is not a template.",
        ));
    }
    // A vCenter places the VM in a pool (of the host given, if one is).
    let pool = match (pool, w.kind) {
        (Some(p), _) => {
            if !w.pools.contains_key(&p.value) {
                return Err(Fault::not_found(&p));
            }
            Some(p.value)
        }
        (None, ServerKind::Vcenter) => return Err(Fault::missing_argument("pool")),
        (None, ServerKind::Esx) => None,
    };
    if let Some(h) = &host {
        let owner = pool
            .as_ref()
            .and_then(|p| w.pools.get(p))
            .map(|p| p.owner.clone());
        if w.hosts.get(&h.value).map(|r| &r.parent) != owner.as_ref() {
            return Err(Fault::invalid_argument("host"));
        }
    }
    let vm = w.vm_mut(&id).map_err(fe)?;
    vm.template = false;
    if let Some(p) = pool {
        vm.resource_pool = p;
    }
    if let Some(h) = host {
        vm.host = h.value;
    }
    Ok(None)
}

/// `AcquireTicket` / `AcquireMksTicket`: a fresh ticket for the console.
pub(super) fn acquire_ticket(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, .. } = *call;
    let id = this.value.clone();
    let fe = |e| fault_of(e, this);
    Ok(Some(
        Value::obj("VirtualMachineTicket")
            .with("ticket", Value::str(crate::inventory::random_uuid()))
            .with("cfgFile", Value::str(&w.vm(&id).map_err(fe)?.vmx_path)),
    ))
}

fn migrate_to(
    w: &mut World,
    id: &str,
    host: Option<MoRef>,
    pool: Option<MoRef>,
    state: Option<String>,
) -> Reply {
    if w.kind != ServerKind::Vcenter {
        return Err(Fault::not_supported(
            "Migration is only supported by vCenter.",
        ));
    }
    let this = MoRef::new("VirtualMachine", id.to_string());
    let vm = w.vm(id).map_err(|e| fault_of(e, &this))?;
    if let Some(s) = &state {
        if s != vm.power_state.as_str() {
            return Err(Fault::invalid_power_state(Some(s), vm.power_state.as_str()));
        }
    }
    let target_host = match (&host, &pool) {
        (Some(h), _) => {
            if !w.hosts.contains_key(&h.value) {
                return Err(Fault::not_found(h));
            }
            h.value.clone()
        }
        (None, Some(p)) => w.pool_host(&p.value).ok_or_else(|| Fault::not_found(p))?,
        (None, None) => return Err(Fault::missing_argument("host")),
    };
    // The VM's datastores must be mounted on the destination.
    let ds = w.vm_datastores(vm);
    let th = &w.hosts[&target_host];
    if let Some(missing) = ds.iter().find(|d| !th.datastores.contains(d)) {
        return Err(Fault::new(
            "DatastoreNotWritableOnHost",
            format!(
                "The datastore {missing} is not accessible on host {}.",
                th.name
            ),
        )
        .with("datastore", Value::moref("Datastore", missing.clone()))
        .with("host", Value::moref("HostSystem", target_host.clone())));
    }
    let new_pool = match pool {
        Some(p) => p.value,
        None => w.host_root_pool(&target_host).unwrap_or_default(),
    };
    let vm = w.vm_mut(id).map_err(|e| fault_of(e, &this))?;
    vm.host = target_host;
    vm.resource_pool = new_pool;
    Ok(None)
}

#[cfg(test)]
mod tests {
    use crate::objects::testing::{fault_type, text, TestWorld};
    use crate::value::Value;

    #[test]
    fn rename_templates_and_destroy() {
        let mut t = TestWorld::esx();
        let tiny = t.vm("tiny");
        t.run(
            "VirtualMachine",
            &tiny,
            "Rename_Task",
            "<newName>small</newName>",
        )
        .unwrap();
        assert_eq!(t.get("VirtualMachine", &tiny, "name"), Value::str("small"));
        assert_eq!(
            fault_type(t.run(
                "VirtualMachine",
                &tiny,
                "Rename_Task",
                "<newName>web01</newName>"
            )),
            "DuplicateName"
        );
        let web01 = t.vm("web01");
        assert_eq!(
            fault_type(t.call("VirtualMachine", &web01, "MarkAsTemplate", "")),
            "InvalidPowerState"
        );
        t.call("VirtualMachine", &tiny, "MarkAsTemplate", "")
            .unwrap();
        assert_eq!(
            t.get("VirtualMachine", &tiny, "config.template"),
            Value::bool(true)
        );
        t.call("VirtualMachine", &tiny, "MarkAsVirtualMachine", "")
            .unwrap();
        let dir = t.w.resolve("[datastore1] tiny").unwrap();
        t.run("VirtualMachine", &tiny, "Destroy_Task", "").unwrap();
        assert!(!t.w.vms.contains_key(&tiny));
        assert!(!dir.join("tiny.vmx").exists());
        assert_eq!(
            fault_type(t.call("VirtualMachine", &tiny, "Destroy_Task", "")),
            "ManagedObjectNotFound"
        );
    }

    #[test]
    fn screenshots_tickets_and_migration() {
        let mut t = TestWorld::esx();
        let web01 = t.vm("web01");
        let png = t.run_value("VirtualMachine", &web01, "CreateScreenshot_Task", "");
        let path = text(&png).to_string();
        assert!(path.starts_with("[datastore1] web01/web01-"), "{path}");
        assert!(t.w.resolve(&path).unwrap().is_file());
        let tiny = t.vm("tiny");
        assert_eq!(
            fault_type(t.run("VirtualMachine", &tiny, "CreateScreenshot_Task", "")),
            "InvalidPowerState"
        );
        let ticket = t
            .call(
                "VirtualMachine",
                &web01,
                "AcquireTicket",
                "<ticketType>mks</ticketType>",
            )
            .unwrap()
            .unwrap();
        assert_eq!(ticket.as_obj().unwrap().ty, "VirtualMachineTicket");
        let to = "<host type=\"HostSystem\">ha-host</host>";
        assert_eq!(
            fault_type(t.run("VirtualMachine", &web01, "MigrateVM_Task", to)),
            "NotSupported"
        );
    }

    #[test]
    fn a_vcenter_migrates_where_the_datastores_are() {
        let mut t = TestWorld::vcenter();
        let app01 = t.vm("app01");
        let from = t.w.vms[&app01].host.clone();
        let to =
            t.w.hosts
                .values()
                .find(|h| h.moid != from && h.name != "esx-04.example.com")
                .unwrap()
                .moid
                .clone();
        t.run(
            "VirtualMachine",
            &app01,
            "MigrateVM_Task",
            &format!("<host type=\"HostSystem\">{to}</host><priority>defaultPriority</priority>"),
        )
        .unwrap();
        assert_eq!(
            t.get("VirtualMachine", &app01, "runtime.host"),
            Value::moref("HostSystem", to)
        );
        // The standalone host does not mount the cluster's datastore.
        let standalone = t.host("esx-04.example.com");
        let r = t.run(
            "VirtualMachine",
            &app01,
            "MigrateVM_Task",
            &format!("<host type=\"HostSystem\">{standalone}</host>"),
        );
        assert_eq!(fault_type(r), "DatastoreNotWritableOnHost");
        assert_eq!(
            fault_type(t.run("VirtualMachine", &app01, "MigrateVM_Task", "")),
            "InvalidRequest"
        );
    }

    #[test]
    fn hardware_upgrades_only_go_up() {
        let mut t = TestWorld::esx();
        let tiny = t.vm("tiny");
        t.run(
            "VirtualMachine",
            &tiny,
            "UpgradeVM_Task",
            "<version>vmx-13</version>",
        )
        .unwrap();
        assert_eq!(
            t.get("VirtualMachine", &tiny, "config.version"),
            Value::str("vmx-13")
        );
        t.run("VirtualMachine", &tiny, "UpgradeVM_Task", "")
            .unwrap();
        assert_eq!(
            t.get("VirtualMachine", &tiny, "config.version"),
            Value::str("vmx-19")
        );
        assert_eq!(
            fault_type(t.run("VirtualMachine", &tiny, "UpgradeVM_Task", "")),
            "AlreadyUpgraded"
        );
        let web01 = t.vm("web01");
        assert_eq!(
            fault_type(t.run("VirtualMachine", &web01, "UpgradeVM_Task", "")),
            "InvalidPowerState"
        );
    }
}
