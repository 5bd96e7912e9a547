//! World-model tests: persistence, the generator, the power state machine, snapshot trees,
//! register/unregister with real .vmx files and virtual disk files.

use std::collections::HashSet;
use std::path::PathBuf;

use esxvirt_sim::inventory::{
    all_snapshots, Device, GenerateParams, InvError, PortBacking, PowerOnOutcome, PowerState, World,
};

/// A fresh directory under the target dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let n = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let p = std::env::temp_dir().join(format!("esxsim-inv-{tag}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&p).expect("temp dir");
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn vm_id(w: &World, name: &str) -> String {
    w.vm_by_name(name).map(|v| v.moid.clone()).expect(name)
}

#[test]
fn inv_default_esx_has_real_files() {
    let t = TempDir::new("files");
    let w = World::default_esx(&t.0.join("ds")).unwrap();
    assert_eq!(w.about.api_type, "HostAgent");
    assert_eq!(w.vms.len(), 5);
    assert_eq!(w.datastores.len(), 2);
    for vm in w.vms.values() {
        let p = w.resolve(&vm.vmx_path).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(
            text.contains(&format!("displayName = \"{}\"", vm.config.name)),
            "{text}"
        );
        // The file parses back to the same configuration.
        let cfg = w.read_vmx(&vm.vmx_path).unwrap();
        assert_eq!(cfg, vm.config, "{}", vm.config.name);
        for d in &vm.config.devices {
            if let Device::Disk {
                file, capacity_kb, ..
            } = d
            {
                assert_eq!(w.disk_info(file).unwrap().capacity_kb, *capacity_kb);
            }
        }
    }
    let ds = w.datastore_by_name("datastore1").unwrap();
    assert!(w.datastore_free(ds) < ds.capacity);
}

#[test]
fn inv_save_load_round_trip() {
    let t = TempDir::new("persist");
    let files = t.0.join("ds");
    let mut w = World::default_esx(&files).unwrap();
    let id = vm_id(&w, "tiny");
    w.power_on(&id).unwrap();
    w.create_snapshot(&id, "s1", "first", false, false).unwrap();
    let state = t.0.join("state.json");
    w.save(&state).unwrap();
    let back = World::load(&state, &files).unwrap();
    assert_eq!(back, w);
    assert_eq!(back.vm(&id).unwrap().power_state, PowerState::PoweredOn);
    // A state file alone rebuilds missing directories and files.
    let other = t.0.join("other");
    let rebuilt = World::load(&state, &other).unwrap();
    let vm = rebuilt.vm(&id).unwrap();
    assert!(rebuilt.resolve(&vm.vmx_path).unwrap().exists());
    assert_eq!(
        World::files_dir_for_state(&state),
        t.0.join("state.json.files")
    );
}

#[test]
fn inv_vcenter_default_shape() {
    let t = TempDir::new("vc");
    let w = World::default_vcenter(&t.0).unwrap();
    assert_eq!(w.about.api_type, "VirtualCenter");
    assert_eq!(w.hosts.len(), 4);
    assert_eq!(w.computes.values().filter(|c| c.is_cluster).count(), 1);
    assert_eq!(w.computes.values().filter(|c| !c.is_cluster).count(), 1);
    assert!(w.vms.keys().all(|k| k.starts_with("vm-")));
    assert_eq!(
        w.datacenters.values().next().map(|d| d.name.as_str()),
        Some("dc1")
    );
}

#[test]
fn inv_generator_10000_unique() {
    let t = TempDir::new("gen");
    let w = World::generate(
        GenerateParams {
            vcenter: true,
            hosts: 10,
            vms_per_host: 1000,
            seed: 7,
        },
        &t.0,
    )
    .unwrap();
    assert_eq!(w.vms.len(), 10_000);
    assert_eq!(w.hosts.len(), 10);
    let names: HashSet<&str> = w.vms.values().map(|v| v.config.name.as_str()).collect();
    let uuids: HashSet<&str> = w.vms.values().map(|v| v.config.uuid.as_str()).collect();
    let iuuids: HashSet<&str> = w
        .vms
        .values()
        .map(|v| v.config.instance_uuid.as_str())
        .collect();
    let macs: HashSet<String> = w
        .vms
        .values()
        .flat_map(|v| v.config.devices.iter())
        .filter_map(|d| match d {
            Device::Nic { mac, .. } => Some(mac.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(names.len(), 10_000);
    assert_eq!(uuids.len(), 10_000);
    assert_eq!(iuuids.len(), 10_000);
    assert_eq!(macs.len(), 10_000);
    // Every VM's files exist and VMs spread evenly over the hosts.
    let some = w.vm_by_name("vm-09999").unwrap();
    assert!(w.resolve(&some.vmx_path).unwrap().exists());
    for h in w.hosts.keys() {
        assert_eq!(w.vms_on_host(h).count(), 1000);
    }
}

#[test]
fn inv_power_state_machine() {
    let t = TempDir::new("power");
    let mut w = World::default_esx(&t.0).unwrap();
    let id = vm_id(&w, "tiny");
    let invalid = |r: Result<(), InvError>, cur: PowerState| match r {
        Err(InvError::InvalidPowerState { current, .. }) => assert_eq!(current, cur),
        other => panic!("expected InvalidPowerState, got {other:?}"),
    };
    invalid(w.power_off(&id), PowerState::PoweredOff);
    invalid(w.suspend(&id), PowerState::PoweredOff);
    invalid(w.reset(&id), PowerState::PoweredOff);
    invalid(w.shutdown_guest(&id), PowerState::PoweredOff);
    assert_eq!(w.power_on(&id).unwrap(), PowerOnOutcome::Started);
    assert!(matches!(
        w.power_on(&id),
        Err(InvError::InvalidPowerState { .. })
    ));
    assert!(w.vm(&id).unwrap().boot_time.is_some());
    w.suspend(&id).unwrap();
    invalid(w.suspend(&id), PowerState::Suspended);
    // Resume is a power-on.
    assert_eq!(w.power_on(&id).unwrap(), PowerOnOutcome::Started);
    w.reset(&id).unwrap();
    w.shutdown_guest(&id).unwrap();
    assert_eq!(w.vm(&id).unwrap().power_state, PowerState::PoweredOff);
    // Unregistering a running VM is refused.
    w.power_on(&id).unwrap();
    assert!(matches!(
        w.unregister_vm(&id),
        Err(InvError::InvalidPowerState { .. })
    ));
}

#[test]
fn inv_serial_file_asks_question() {
    let t = TempDir::new("question");
    let mut w = World::default_esx(&t.0).unwrap();
    let id = vm_id(&w, "serial-test");
    assert!(w.vm(&id).unwrap().config.devices.iter().any(|d| matches!(
        d,
        Device::Serial {
            backing: PortBacking::File { .. },
            ..
        }
    )));
    assert_eq!(w.power_on(&id).unwrap(), PowerOnOutcome::Question);
    let q = w.vm(&id).unwrap().question.clone().unwrap();
    assert_eq!(w.vm(&id).unwrap().power_state, PowerState::PoweredOff);
    assert!(q.text.contains("serial"));
    // Other operations wait for the answer.
    assert!(matches!(w.power_on(&id), Err(InvError::InvalidState(_))));
    assert!(w.answer_question(&id, &q.id, "9").is_err());
    // Cancel abandons the power-on; the default answer (Append) goes ahead.
    assert!(!w.answer_question(&id, &q.id, "2").unwrap());
    assert_eq!(w.vm(&id).unwrap().power_state, PowerState::PoweredOff);
    assert_eq!(w.power_on(&id).unwrap(), PowerOnOutcome::Question);
    let q = w.vm(&id).unwrap().question.clone().unwrap();
    let default = q.choices[q.default_index as usize].0.clone();
    assert!(w.answer_question(&id, &q.id, &default).unwrap());
    assert_eq!(w.vm(&id).unwrap().power_state, PowerState::PoweredOn);
    assert!(w.vm(&id).unwrap().question.is_none());
}

#[test]
fn inv_snapshot_tree_operations() {
    let t = TempDir::new("snap");
    let mut w = World::default_esx(&t.0).unwrap();
    let id = vm_id(&w, "web01");
    let mem0 = w.vm(&id).unwrap().config.memory_mb;
    let a = w.create_snapshot(&id, "a", "", true, false).unwrap();
    w.vm_mut(&id).unwrap().config.memory_mb = mem0 * 2;
    let b = w.create_snapshot(&id, "b", "", false, false).unwrap();
    let c = w.create_snapshot(&id, "c", "", false, false).unwrap();
    // a -> b -> c, current c; revert to a restores config and power state.
    assert_eq!(
        w.vm(&id).unwrap().current_snapshot.as_deref(),
        Some(c.as_str())
    );
    w.revert_snapshot(&a).unwrap();
    let vm = w.vm(&id).unwrap();
    assert_eq!(vm.config.memory_mb, mem0);
    assert_eq!(vm.power_state, PowerState::PoweredOn);
    // The .vmx follows the revert.
    assert!(std::fs::read_to_string(w.resolve(&vm.vmx_path).unwrap())
        .unwrap()
        .contains(&format!("memsize = \"{mem0}\"")));
    // A new snapshot after the revert branches under a.
    let d = w.create_snapshot(&id, "d", "", false, false).unwrap();
    let vm = w.vm(&id).unwrap();
    assert_eq!(vm.snapshots.len(), 1);
    assert_eq!(vm.snapshots[0].children.len(), 2);
    // Removing b alone re-parents c under a; removing a with children empties the tree.
    w.remove_snapshot(&b, false).unwrap();
    let vm = w.vm(&id).unwrap();
    let names: Vec<&str> = vm.snapshots[0]
        .children
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, vec!["d", "c"]);
    assert_eq!(all_snapshots(&vm.snapshots).len(), 3);
    w.remove_snapshot(&d, false).unwrap();
    assert_eq!(
        w.vm(&id).unwrap().current_snapshot.as_deref(),
        Some(a.as_str())
    );
    w.remove_snapshot(&a, true).unwrap();
    let vm = w.vm(&id).unwrap();
    assert!(vm.snapshots.is_empty());
    assert!(vm.current_snapshot.is_none());
    assert!(w.find_snapshot(&c).is_none());
}

#[test]
fn inv_register_unregister_real_vmx() {
    let t = TempDir::new("register");
    let mut w = World::default_esx(&t.0).unwrap();
    let folder = w.datacenters.values().next().unwrap().vm_folder.clone();
    let id = vm_id(&w, "tiny");
    let vmx_path = w.vm(&id).unwrap().vmx_path.clone();
    // Registered already: AlreadyExists.
    assert!(matches!(
        w.register_vm(&folder, &vmx_path, None, None, None),
        Err(InvError::AlreadyExists(_))
    ));
    let old = w.unregister_vm(&id).unwrap();
    // Files stay after unregister.
    assert!(w.resolve(&vmx_path).unwrap().exists());
    let new_id = w.register_vm(&folder, &vmx_path, None, None, None).unwrap();
    assert_ne!(new_id, id);
    assert_eq!(w.vm(&new_id).unwrap().config, old.config);
    // A copy of the .vmx under the same name: DuplicateName.
    std::fs::create_dir_all(w.resolve("[datastore1] copy").unwrap()).unwrap();
    std::fs::copy(
        w.resolve(&vmx_path).unwrap(),
        w.resolve("[datastore1] copy/copy.vmx").unwrap(),
    )
    .unwrap();
    assert!(matches!(
        w.register_vm(&folder, "[datastore1] copy/copy.vmx", None, None, None),
        Err(InvError::DuplicateName(_))
    ));
    // Under another name it registers.
    let c = w
        .register_vm(
            &folder,
            "[datastore1] copy/copy.vmx",
            Some("copy"),
            None,
            None,
        )
        .unwrap();
    assert_eq!(w.vm(&c).unwrap().config.name, "copy");
    // A hand-written minimal .vmx gets UUIDs generated and written back.
    let p = w.resolve("[datastore1] hand/hand.vmx").unwrap();
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, "config.version = \"8\"\nvirtualHW.version = \"13\"\ndisplayName = \"hand\"\nmemsize = \"64\"\nguestOS = \"other\"\n").unwrap();
    let h = w
        .register_vm(&folder, "[datastore1] hand/hand.vmx", None, None, None)
        .unwrap();
    assert_eq!(w.vm(&h).unwrap().config.memory_mb, 64);
    assert!(std::fs::read_to_string(&p).unwrap().contains("uuid.bios"));
    // Garbage is refused with a clear error and registers nothing.
    std::fs::write(&p, "this is not a vmx \"\n").unwrap();
    w.unregister_vm(&h).unwrap();
    let before = w.vms.len();
    assert!(matches!(
        w.register_vm(&folder, "[datastore1] hand/hand.vmx", None, None, None),
        Err(InvError::InvalidVmx { .. })
    ));
    assert_eq!(w.vms.len(), before);
    // Destroy deletes the directory.
    w.destroy_vm(&c).unwrap();
    assert!(!w.resolve("[datastore1] copy").unwrap().exists());
}

#[test]
fn inv_virtual_disk_files() {
    let t = TempDir::new("disk");
    let w = World::default_esx(&t.0).unwrap();
    w.make_directory("[datastore1] vols", false).unwrap();
    assert!(matches!(
        w.make_directory("[datastore1] vols", false),
        Err(InvError::FileAlreadyExists(_))
    ));
    w.create_virtual_disk("[datastore1] vols/a.vmdk", 1024 * 1024, true, "lsiLogic")
        .unwrap();
    assert!(matches!(
        w.create_virtual_disk("[datastore1] vols/a.vmdk", 1024, true, "lsiLogic"),
        Err(InvError::FileAlreadyExists(_))
    ));
    let a = w.disk_info("[datastore1] vols/a.vmdk").unwrap();
    assert_eq!(a.capacity_kb, 1024 * 1024);
    assert!(a.thin);
    let flat = w.resolve("[datastore1] vols/a-flat.vmdk").unwrap();
    assert_eq!(std::fs::metadata(&flat).unwrap().len(), 1024 * 1024 * 1024);
    w.copy_virtual_disk(
        "[datastore1] vols/a.vmdk",
        "[datastore1] vols/b.vmdk",
        false,
    )
    .unwrap();
    let b = w.disk_info("[datastore1] vols/b.vmdk").unwrap();
    assert_eq!(b.capacity_kb, a.capacity_kb);
    assert_ne!(b.uuid, a.uuid);
    // The browser lists descriptors, not extents.
    let found = w
        .search_datastore("[datastore1] vols", &["*.vmdk".into()], false)
        .unwrap();
    let names: Vec<&str> = found[0].files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, vec!["a.vmdk", "b.vmdk"]);
    assert_eq!(found[0].folder_path, "[datastore1] vols");
    w.zero_fill_virtual_disk("[datastore1] vols/b.vmdk")
        .unwrap();
    assert!(!w.disk_info("[datastore1] vols/b.vmdk").unwrap().thin);
    w.delete_virtual_disk("[datastore1] vols/a.vmdk").unwrap();
    assert!(!flat.exists());
    assert!(matches!(
        w.delete_virtual_disk("[datastore1] vols/a.vmdk"),
        Err(InvError::FileNotFound(_))
    ));
    // Paths cannot leave the datastore.
    assert!(w.resolve("[datastore1] ../escape").is_err());
    assert!(w.resolve("[nosuch] x").is_err());
}

#[test]
fn inv_minimal_inventory_file() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/INVENTORY.md")).unwrap();
    let start = doc.find("```json\n").expect("json block") + 8;
    let end = start + doc[start..].find("```").expect("end of json block");
    let t = TempDir::new("minimal");
    let mut w = World::from_json(&doc[start..end], &t.0).unwrap();
    let vm = w.vm("1").unwrap().clone();
    assert_eq!(vm.folder, "ha-folder-vm");
    assert_eq!(vm.resource_pool, "ha-root-pool");
    assert!(
        !vm.guest.nics.is_empty(),
        "a running VM reports its addresses"
    );
    // Its files were written from the model.
    assert_eq!(w.read_vmx(&vm.vmx_path).unwrap(), vm.config);
    assert_eq!(
        w.disk_info("[datastore1] vm1/vm1.vmdk")
            .unwrap()
            .capacity_kb,
        8_388_608
    );
    w.power_off("1").unwrap();
    // And it round-trips through the state format.
    let back = World::from_json(&w.to_json(), &t.0).unwrap();
    assert_eq!(back, w);
}

#[test]
fn inv_question_survives_reload_with_its_task() {
    let t = TempDir::new("reload");
    let files = t.0.join("ds");
    let mut w = World::default_esx(&files).unwrap();
    let id = vm_id(&w, "serial-test");
    assert_eq!(w.power_on(&id).unwrap(), PowerOnOutcome::Question);
    w.vm_mut(&id).unwrap().pending_task = Some("haTask-gone".into());
    let state = t.0.join("state.json");
    w.save(&state).unwrap();
    let mut back = World::load(&state, &files).unwrap();
    // The old process's task is gone; the question is not.
    assert!(back.vm(&id).unwrap().pending_task.is_none());
    assert!(back.vm(&id).unwrap().question.is_some());
    let mut tasks = esxvirt_sim::task::Tasks::new("haTask-");
    back.restore_pending_tasks(&mut tasks, "root");
    let task = back
        .vm(&id)
        .unwrap()
        .pending_task
        .clone()
        .expect("task restored");
    let rec = tasks
        .get(&esxvirt_sim::value::MoRef::new("Task", task))
        .expect("task exists");
    assert_eq!(rec.state, esxvirt_sim::task::TaskState::Running);
    assert!(!rec.spec.cancelable);
    // VMs without a question get no task.
    assert_eq!(tasks.all().len(), 1);
}

#[test]
fn inv_thick_disks_take_datastore_space() {
    let t = TempDir::new("space");
    let w = World::default_esx(&t.0).unwrap();
    let free = |w: &World| w.datastore_free(w.datastore_by_name("datastore1").unwrap());
    let before = free(&w);
    w.make_directory("[datastore1] space", false).unwrap();
    w.create_virtual_disk(
        "[datastore1] space/thin.vmdk",
        4 * 1024 * 1024,
        true,
        "lsilogic",
    )
    .unwrap();
    assert!(
        before - free(&w) < 1024 * 1024,
        "a thin disk takes (almost) nothing"
    );
    w.create_virtual_disk(
        "[datastore1] space/thick.vmdk",
        4 * 1024 * 1024,
        false,
        "lsilogic",
    )
    .unwrap();
    let used = before - free(&w);
    assert!(used >= 4 << 30, "a thick disk takes its capacity: {used}");
    w.delete_virtual_disk("[datastore1] space/thick.vmdk")
        .unwrap();
    assert!(before - free(&w) < 1024 * 1024);
}

#[test]
fn inv_odd_hand_written_values_do_not_panic() {
    // Short or non-ASCII identifiers in a hand-written inventory are served, not fatal.
    use esxvirt_sim::object::Inventory;
    use esxvirt_sim::value::MoRef;
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/INVENTORY.md")).unwrap();
    let start = doc.find("```json\n").expect("json block") + 8;
    let end = start + doc[start..].find("```").expect("end of json block");
    let json = doc[start..end].replace("564d0000-1111-2222-3333-444455556666", "é");
    let t = TempDir::new("odd");
    let w = World::from_json(&json, &t.0).unwrap();
    let vm = MoRef::new("VirtualMachine", "1");
    for path in [
        "config",
        "summary",
        "runtime",
        "guest",
        "layoutEx",
        "datastore",
        "network",
    ] {
        w.property(&vm, path).unwrap();
    }
    let host = MoRef::new("HostSystem", "ha-host");
    for path in ["config", "summary", "hardware", "capability"] {
        w.property(&host, path).unwrap();
    }
    assert!(w.property(&vm, "nosuch").is_err());
    assert!(w
        .property(&MoRef::new("VirtualMachine", "404"), "name")
        .is_err());
}
