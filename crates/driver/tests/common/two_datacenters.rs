//! A vCenter inventory with two datacenters, for the vCenter-wide listing tests of the
//! driver and of the CLI (which includes this file with `#[path]`: the testkit cannot depend
//! on the simulator).
#![allow(dead_code)]

use std::path::Path;

use esxvirt_sim::inventory::{AutoStart, AutoStartPowerInfo, Folder, World};

pub fn host_id(w: &World, name: &str) -> String {
    w.hosts
        .values()
        .find(|h| h.name == name)
        .map(|h| h.moid.clone())
        .expect("host")
}

/// The default vCenter (dc1: cluster1 with esx-01..03, standalone esx-04; app01..app08, two
/// per host, the odd ones running) plus a folder `Europe` holding datacenter `dc2` with a
/// standalone host esx-21.example.com running `eu01` and holding a powered-off VM named
/// `app02` like one of dc1. `files` holds the datastores' files. Returns the world and
/// eu01's managed-object id.
pub fn two_datacenters(files: &Path) -> (World, String) {
    let mut w = World::default_vcenter(files).expect("default vCenter");
    let root = w.root_folder.clone();
    let europe = "group-d900".to_string();
    w.folders.insert(
        europe.clone(),
        Folder {
            moid: europe.clone(),
            name: "Europe".into(),
            parent: Some(root.clone()),
            child_type: vec!["Folder".into(), "Datacenter".into()],
            children: vec![],
        },
    );
    if let Some(r) = w.folders.get_mut(&root) {
        r.children.push(europe.clone());
    }
    let dc2 = w.add_datacenter(&europe, "dc2");
    let compute = w.add_compute(&dc2, "esx-21.example.com", false);
    let mut host = w.hosts[&host_id(&w, "esx-04.example.com")].clone();
    host.name = "esx-21.example.com".into();
    host.dns_host_name = "esx-21".into();
    host.management_ip = "192.168.20.21".into();
    let esx21 = w.add_host(&compute, host);
    let folder = w.datacenters[&dc2].vm_folder.clone();
    let pool = w.host_root_pool(&esx21).expect("root pool");
    let mut ids = Vec::new();
    for (template, name, n) in [("app07", "eu01", 1u32), ("app08", "app02", 2)] {
        let mut vm = w.vm_by_name(template).expect("template").clone();
        vm.moid = w.alloc_vm_id();
        vm.host = esx21.clone();
        vm.folder = folder.clone();
        vm.resource_pool = pool.clone();
        vm.config.name = name.into();
        vm.config.uuid = format!("421c0000-0000-0000-0000-0000000000{n:02}");
        vm.config.instance_uuid = format!("501c0000-0000-0000-0000-0000000000{n:02}");
        vm.vmx_path = format!("[local-esx04] {name}-dc2/{name}.vmx");
        if let Some(fo) = w.folders.get_mut(&folder) {
            fo.children.push(vm.moid.clone());
        }
        ids.push(vm.moid.clone());
        w.vms.insert(vm.moid.clone(), vm);
    }
    let eu01 = ids.swap_remove(0);
    (w, eu01)
}

/// `host`'s autostart configuration: `enabled`, powering on each of `vms` (managed-object
/// ids) in start order 1.
pub fn set_autostart(w: &mut World, host: &str, enabled: bool, vms: Vec<String>) {
    let power_info = vms
        .into_iter()
        .map(|vm| AutoStartPowerInfo {
            vm,
            start_order: 1,
            start_delay: -1,
            wait_for_heartbeat: "systemDefault".into(),
            start_action: "powerOn".into(),
            stop_delay: -1,
            stop_action: "systemDefault".into(),
        })
        .collect();
    let id = host_id(w, host);
    w.host_mut(&id).expect("host").autostart = AutoStart {
        enabled,
        power_info,
        ..AutoStart::default()
    };
}
