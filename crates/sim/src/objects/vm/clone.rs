//! `CloneVM_Task`: a new VM (or template) from a VM's configuration, or from one of its
//! snapshots, with copies of its disks in a directory of its own on the destination
//! datastore, fresh UUIDs and MAC addresses, then the clone spec's own configuration
//! changes; optionally powered on.

use crate::fault::Fault;
use crate::inventory::{vmx, Device, PowerState, World};
use crate::object::CallCx;
use crate::soap::Element;
use crate::value::Value;

use super::super::common::fault_of;
use super::super::entry::{Call, Reply};
use super::config_spec::{apply_config_spec, fresh_mac};
use super::{ensure_no_question, vm_task};

/// `CloneVM_Task(folder, name, spec)`.
pub(super) fn clone_vm(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    ensure_no_question(w, this)?;
    let folder = args.req_moref("folder")?;
    let name = args.req_text("name")?.to_string();
    let spec = args.req_child("spec")?.clone();
    if !w.folders.contains_key(&folder.value) {
        return Err(Fault::not_found(&folder));
    }
    let src = this.value.clone();
    vm_task(w, cx, call, "VirtualMachine.clone", |w| {
        let id = clone_into(w, &src, &folder.value, &name, &spec)?;
        Ok(Some(Value::moref("VirtualMachine", id)))
    })
}

fn clone_into(
    w: &mut World,
    src: &str,
    folder: &str,
    name: &str,
    spec: &Element,
) -> Result<String, Fault> {
    let this = w.mo(src);
    let fe = |e| fault_of(e, &this);
    let vm = w.vm(src).map_err(fe)?.clone();
    let location = spec.child("location");
    let moref = |field: &str| -> Result<Option<String>, Fault> {
        Ok(location
            .map(|l| l.moref_of(field))
            .transpose()?
            .flatten()
            .map(|m| m.value))
    };
    let template = spec.bool_of("template")?.unwrap_or(false);
    let mut host = moref("host")?;
    let pool = match moref("pool")? {
        Some(p) => p,
        None => match &host {
            Some(h) => w
                .host_root_pool(h)
                .ok_or_else(|| Fault::invalid_argument("host"))?,
            // A template keeps no pool; its clone goes to its host's root pool.
            None if vm.template => w
                .host_root_pool(&vm.host)
                .ok_or_else(|| Fault::invalid_argument("location.pool"))?,
            None => vm.resource_pool.clone(),
        },
    };
    if !w.pools.contains_key(&pool) {
        return Err(Fault::invalid_argument("location.pool"));
    }
    // Staying on the pool of the source's host keeps the host.
    if host.is_none() && w.host_root_pool(&vm.host).as_deref() == Some(pool.as_str()) {
        host = Some(vm.host.clone());
    }
    let src_ds = vmx::split_datastore_path(&vm.vmx_path)
        .map(|(d, _)| d.to_string())
        .unwrap_or_default();
    let ds = match moref("datastore")? {
        Some(d) => w
            .datastores
            .get(&d)
            .map(|d| d.name.clone())
            .ok_or_else(|| Fault::invalid_argument("location.datastore"))?,
        None => src_ds,
    };
    let mut cfg = match spec.text_of("snapshot") {
        Some(s) => match w.find_snapshot(s) {
            Some((owner, snap)) if owner == src => snap.config.clone(),
            _ => return Err(Fault::invalid_argument("snapshot")),
        },
        None => vm.config.clone(),
    };
    cfg.name = name.to_string();
    cfg.uuid = String::new();
    cfg.instance_uuid = String::new();
    let vmx_path = w.new_vm_path(&format!("[{ds}]"), name).map_err(fe)?;
    let dir = vmx_path
        .rsplit_once('/')
        .map(|(d, _)| d.to_string())
        .unwrap_or_default();
    // Each disk gets a copy in the new directory, named after the clone.
    let base = esxvirt_util::escape_datastore_item(name);
    let mut copies: Vec<(String, String)> = Vec::new();
    for d in cfg.devices.iter_mut() {
        match d {
            Device::Disk { file, .. } => {
                let n = copies.len();
                let to = if n == 0 {
                    format!("{dir}/{base}.vmdk")
                } else {
                    format!("{dir}/{base}_{n}.vmdk")
                };
                copies.push((file.clone(), to.clone()));
                *file = to;
            }
            Device::Nic {
                mac, address_type, ..
            } if address_type != "static" => {
                *mac = fresh_mac();
            }
            _ => {}
        }
    }
    if let Some(c) = spec.child("config") {
        apply_config_spec(w, &mut cfg, c, PowerState::PoweredOff, &dir)?;
        cfg.name = name.to_string();
    }
    for dc in location
        .into_iter()
        .flat_map(|l| l.children_named("deviceChange"))
    {
        let wrapped = Element {
            name: "spec".into(),
            children: vec![dc.clone()],
            ..Element::default()
        };
        apply_config_spec(w, &mut cfg, &wrapped, PowerState::PoweredOff, &dir)?;
    }
    w.make_vm_directory(&vmx_path).map_err(fe)?;
    let made = (|| {
        for (from, to) in &copies {
            w.copy_virtual_disk(from, to, false)?;
        }
        w.add_new_vm(folder, &pool, host.as_deref(), &vmx_path, cfg)
    })();
    let id = match made {
        Ok(id) => id,
        Err(e) => {
            w.remove_vm_directory(&vmx_path);
            return Err(fe(e));
        }
    };
    if let Ok(v) = w.vm_mut(&id) {
        v.template = template;
        v.tools_installed = vm.tools_installed;
    }
    if spec.bool_of("powerOn")?.unwrap_or(false) && !template {
        w.power_on(&id).map_err(fe)?;
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use crate::objects::testing::{fault_type, text, TestWorld};
    use crate::value::Value;

    #[test]
    fn clones_copy_disks_and_take_their_own_identity() {
        let mut t = TestWorld::esx();
        let db = t.vm("db01");
        let made = t
            .run(
                "VirtualMachine",
                &db,
                "CloneVM_Task",
                "<folder type=\"Folder\">ha-folder-vm</folder><name>db02</name>\
                 <spec><location/><template>false</template><powerOn>false</powerOn>\
                 <config><memoryMB>1024</memoryMB><annotation>copy</annotation></config></spec>",
            )
            .unwrap()
            .unwrap();
        let id = made.as_moref().unwrap().value.clone();
        let (a, b) = (&t.w.vms[&db], &t.w.vms[&id]);
        assert_ne!(a.config.uuid, b.config.uuid);
        assert_eq!(b.vmx_path, "[datastore1] db02/db02.vmx");
        assert_eq!(b.config.memory_mb, 1024);
        assert_eq!(
            text(&t.get("VirtualMachine", &id, "config.annotation")),
            "copy"
        );
        let disks = crate::inventory::vm_disks(b);
        assert_eq!(disks.len(), 2);
        assert_eq!(disks[0].0, "[datastore1] db02/db02.vmdk");
        assert!(t.w.resolve(&disks[1].0).unwrap().exists());
        // Static MACs stay, generated ones are new.
        let macs = |v: &crate::inventory::Vm| -> Vec<String> {
            v.config
                .devices
                .iter()
                .filter_map(|d| match d {
                    crate::inventory::Device::Nic { mac, .. } => Some(mac.clone()),
                    _ => None,
                })
                .collect()
        };
        let (ma, mb) = (macs(&t.w.vms[&db]), macs(&t.w.vms[&id]));
        assert_ne!(ma[0], mb[0]);
        assert_eq!(ma[1], mb[1]);
        // Into a folder that is not there, or from a snapshot the VM does not have.
        assert_eq!(
            fault_type(t.call(
                "VirtualMachine",
                &db,
                "CloneVM_Task",
                "<folder type=\"Folder\">nowhere</folder><name>x</name><spec/>"
            )),
            "ManagedObjectNotFound"
        );
        assert_eq!(
            fault_type(t.run(
                "VirtualMachine",
                &db,
                "CloneVM_Task",
                "<folder type=\"Folder\">ha-folder-vm</folder><name>x</name><spec><snapshot type=\"VirtualMachineSnapshot\">nosuch</snapshot></spec>"
            )),
            "InvalidArgument"
        );
        assert_eq!(
            t.get("VirtualMachine", &id, "runtime.powerState"),
            Value::enumv("VirtualMachinePowerState", "poweredOff")
        );
    }
}
