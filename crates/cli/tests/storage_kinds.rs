//! Datastores beyond VMFS and NFS, and a VM whose disks sit on several buses, served from
//! `testdata/inventories/esx-storage-kinds.json` (the default ESX host plus a vSAN, a vVol
//! and a plain-`DatastoreInfo` datastore, and the VM `mixed-bus`: SCSI disks, a SATA
//! CD-ROM and a SATA disk on those datastores).
//!
//! - The inventory file is what [`storage_kinds_world`] builds (the test says how to write
//!   it again when the inventory format changes).
//! - Pools: virsh and esxvirt agree on what libvirt 9.0 can show (pool-list, pool-info,
//!   pool-uuid, the VMFS and NFS pools' XML); for the new kinds, where libvirt fails with
//!   `DatastoreInfo has unexpected type`, esxvirt's pool XML is checked whole against the
//!   mapping the driver's storage module documents.
//! - domstats: every drive's `block.N.name` is distinct.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::*;
use esxvirt_sim::inventory::{Bus, DatastoreKind, Device, Slot, World};
use esxvirt_sim::InventorySource;

fn inventory_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/inventories/esx-storage-kinds.json")
}

/// The datastores added to the default ESX host: name, kind, volume id.
const KINDS: &[(&str, DatastoreKind, &str)] = &[
    (
        "vsanDatastore",
        DatastoreKind::Vsan,
        "vsan:522e9011fea34cad-a9cd94e93ab5eb92",
    ),
    (
        "vvolDatastore",
        DatastoreKind::Vvol,
        "vvol:6a2bd3c4e5f60718-293a4b5c6d7e8f90",
    ),
    (
        "WorkloadDatastore",
        DatastoreKind::Plain,
        "vsan:52f8a1b2c3d4e5f6-a7b8c9d0e1f2a3b4",
    ),
];

/// The default ESX world with the datastores of [`KINDS`] and the VM `mixed-bus`.
fn storage_kinds_world(files: &Path) -> World {
    let mut w = World::default_esx(files).expect("default ESX world");
    let host = w.hosts.keys().next().cloned().expect("a host");
    let dc = w.hosts[&host].datacenter.clone();
    for (i, (name, kind, id)) in KINDS.iter().enumerate() {
        w.add_datastore(
            &dc,
            name,
            *kind,
            id,
            (4 + i as i64) << 40,
            std::slice::from_ref(&host),
            None,
            None,
        );
    }
    let mut vm = w
        .vms
        .values()
        .find(|v| v.config.name == "db01")
        .cloned()
        .expect("db01");
    vm.moid = w.alloc_vm_id();
    vm.config.name = "mixed-bus".into();
    vm.config.uuid = "564d1e2f-3a4b-5c6d-7e8f-9a0b1c2d3e4f".into();
    vm.config.instance_uuid = "52a1b2c3-d4e5-f607-1829-3a4b5c6d7e8f".into();
    vm.vmx_path = "[vsanDatastore] mixed-bus/mixed-bus.vmx".into();
    let disk = |bus, unit, file: &str| Device::Disk {
        slot: Slot {
            bus,
            controller: 0,
            unit,
        },
        file: file.into(),
        capacity_kb: 1 << 20,
        thin: true,
        mode: "persistent".into(),
    };
    let mut devices = vec![
        Device::ScsiController {
            index: 0,
            model: "lsilogic".into(),
        },
        Device::SataController { index: 0 },
        disk(Bus::Scsi, 0, "[vsanDatastore] mixed-bus/mixed-bus.vmdk"),
        disk(Bus::Scsi, 1, "[vvolDatastore] mixed-bus-scratch.vmdk"),
        Device::Cdrom {
            slot: Slot {
                bus: Bus::Sata,
                controller: 0,
                unit: 0,
            },
            iso: Some("[nfs-iso] ubuntu-22.04-live-server-amd64.iso".into()),
            device: None,
            connected: true,
        },
        disk(Bus::Sata, 1, "[WorkloadDatastore] mixed-bus-data.vmdk"),
    ];
    devices.extend(vm.config.devices.iter().filter_map(|d| match d {
        Device::Nic { .. } | Device::Video { .. } => Some(d.clone()),
        _ => None,
    }));
    vm.config.devices = devices;
    vm.snapshots.clear();
    vm.current_snapshot = None;
    if let Some(folder) = w.folders.get_mut(&vm.folder) {
        folder.children.push(vm.moid.clone());
    }
    w.vms.insert(vm.moid.clone(), vm);
    w
}

/// The checked-in inventory is what [`storage_kinds_world`] builds; with
/// `ESXVIRT_WRITE_INVENTORY=1` the test writes it instead.
#[test]
fn inventory_file_is_current() {
    let dir = std::env::temp_dir().join(format!("esxvirt-kinds-gen-{}", std::process::id()));
    let built: serde_json::Value =
        serde_json::from_str(&storage_kinds_world(&dir.join("files")).to_json()).expect("JSON");
    let _ = std::fs::remove_dir_all(&dir);
    let path = inventory_file();
    if std::env::var_os("ESXVIRT_WRITE_INVENTORY").is_some() {
        let text = serde_json::to_string_pretty(&built).expect("JSON");
        std::fs::write(&path, format!("{text}\n")).expect("write inventory");
    }
    let kept: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read inventory"))
            .expect("inventory JSON");
    assert!(
        without_times(kept) == without_times(built),
        "{} is not what storage_kinds_world builds; run this test with ESXVIRT_WRITE_INVENTORY=1",
        path.display()
    );
}

/// `value` without the snapshots' `create_time` (the default world stamps them when built).
fn without_times(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| k != "create_time")
                .map(|(k, v)| (k, without_times(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_times).collect()),
        other => other,
    }
}

fn start() -> Sim {
    Sim::start_with(InventorySource::File(inventory_file()))
}

/// esxvirt's answer to `args`, which must succeed.
fn ok(sim: &Sim, args: &[&str]) -> String {
    let e = Seen::of(&esxvirt(&sim.uri(), &sim.auth_file(), args));
    assert_eq!(e.status, Some(0), "{args:?}: {e:?}");
    e.stdout
}

#[test]
fn pools_of_every_datastore_kind() {
    let sim = start();
    let auth = sim.auth_file();
    // What libvirt 9.0 shows: identical.
    let mut same = vec![
        vec!["pool-list", "--all"],
        vec!["pool-list", "--all", "--details"],
        vec!["pool-list", "--name"],
        vec!["pool-list", "--uuid"],
        vec!["pool-dumpxml", "datastore1"],
        vec!["pool-dumpxml", "nfs-iso"],
    ];
    for (name, _, _) in KINDS {
        same.push(vec!["pool-info", name]);
        same.push(vec!["pool-info", name, "--bytes"]);
        same.push(vec!["pool-uuid", name]);
        same.push(vec!["vol-list", name]);
    }
    let mut failures = Vec::new();
    for args in &same {
        let v = Seen::of(&virsh(&sim.uri(), &auth, args));
        let e = Seen::of(&esxvirt(&sim.uri(), &auth, args));
        if v != e {
            failures.push(format!("{args:?}\n--- virsh\n{v:?}\n--- esxvirt\n{e:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Where libvirt refuses, esxvirt's mapping: a `dir` pool at the host's mount path with
    // the datastore's sizes.
    for (name, _, id) in KINDS {
        let v = Seen::of(&virsh(&sim.uri(), &auth, &["pool-dumpxml", name]));
        // "DatastoreInfo has unexpected type", or for a subtype it has no cast for "Call to
        // esxVI_DatastoreInfo_CastFromAnyType for unexpected type 'VsanDatastoreInfo'".
        assert!(
            v.status == Some(1) && v.stderr.contains("error: internal error: "),
            "libvirt 9.0's answer for {name}: {v:?}"
        );
        let info = ok(&sim, &["pool-info", name, "--bytes"]);
        let field = |key: &str| -> String {
            info.lines()
                .find_map(|l| l.strip_prefix(key))
                .map(|v| v.trim().trim_end_matches(" bytes").to_string())
                .expect(key)
        };
        let uuid = ok(&sim, &["pool-uuid", name]).trim().to_string();
        let expected = format!(
            "<pool type='dir'>\n  <name>{name}</name>\n  <uuid>{uuid}</uuid>\n  <capacity unit='bytes'>{}</capacity>\n  <allocation unit='bytes'>{}</allocation>\n  <available unit='bytes'>{}</available>\n  <source>\n  </source>\n  <target>\n    <path>/vmfs/volumes/{id}</path>\n    <permissions>\n      <mode>00</mode>\n      <owner>0</owner>\n      <group>0</group>\n    </permissions>\n  </target>\n</pool>\n\n",
            field("Capacity:"),
            field("Allocation:"),
            field("Available:"),
        );
        assert_eq!(ok(&sim, &["pool-dumpxml", name]), expected, "{name}");
    }
    // Their volumes are found like any datastore's.
    let vols = ok(&sim, &["vol-list", "vsanDatastore"]);
    assert!(vols.contains("mixed-bus/mixed-bus.vmdk"), "{vols}");
}

#[test]
fn domstats_names_every_drive_once() {
    let sim = start();
    let xml = ok(&sim, &["dumpxml", "mixed-bus"]);
    // The domain XML as libvirt 9.0 converts the VMX: SATA drives are named in the same
    // `sd` space as SCSI ones, so its targets repeat.
    let targets: Vec<&str> = xml
        .lines()
        .filter_map(|l| l.trim().strip_prefix("<target dev='"))
        .filter_map(|r| r.split('\'').next())
        .collect();
    assert_eq!(targets, ["sda", "sdb", "sda", "sdb"], "{xml}");

    let stats = ok(&sim, &["domstats", "mixed-bus", "--block"]);
    let value = |key: &str| -> Option<String> {
        stats
            .lines()
            .find_map(|l| l.trim().strip_prefix(&format!("{key}=")))
            .map(str::to_string)
    };
    assert_eq!(value("block.count").as_deref(), Some("4"), "{stats}");
    let names: Vec<String> = (0..4)
        .map(|i| value(&format!("block.{i}.name")).expect("a name"))
        .collect();
    let paths: Vec<String> = (0..4)
        .map(|i| value(&format!("block.{i}.path")).expect("a path"))
        .collect();
    // In the domain XML's order; a name the XML already gave an earlier drive moves on to
    // the next free one of its prefix.
    assert_eq!(names, ["sda", "sdb", "sdc", "sdd"], "{stats}");
    assert_eq!(
        paths,
        [
            "[vsanDatastore] mixed-bus/mixed-bus.vmdk",
            "[vvolDatastore] mixed-bus-scratch.vmdk",
            "[nfs-iso] ubuntu-22.04-live-server-amd64.iso",
            "[WorkloadDatastore] mixed-bus-data.vmdk",
        ],
        "{stats}"
    );
    let unique: BTreeSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len());
    // Every VM of the host: no name twice within one.
    let all = ok(&sim, &["domstats", "--block"]);
    for record in all.split("Domain: ").skip(1) {
        let names: Vec<&str> = record
            .lines()
            .filter(|l| l.trim().starts_with("block.") && l.contains(".name="))
            .filter_map(|l| l.split('=').nth(1))
            .collect();
        let unique: BTreeSet<&&str> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "{record}");
    }
}
