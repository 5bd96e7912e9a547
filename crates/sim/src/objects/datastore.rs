//! `Datastore`: a VMFS, NFS, local-directory, vSAN or vVol datastore (or one whose info is a
//! plain `DatastoreInfo`) backed by a real directory, its capacity and free space (what the
//! directory really allocates), the hosts mounting it and the VMs on it.

use crate::fault::Fault;
use crate::inventory::{DatastoreKind, World};
use crate::value::{MoRef, Value};

use super::common::{entity_or_invalid, split_path, walk, STABLE_TIMESTAMP};
use super::datastore_browser;
use super::entry::{Ids, ManagedType, Reply};
use super::host_storage_system::volume_value;

/// The `Datastore` type.
pub const TYPE: ManagedType = ManagedType {
    name: "Datastore",
    ids: Ids::Records(|w, id| w.datastores.contains_key(id)),
    properties: &[
        "name",
        "parent",
        "summary",
        "info",
        "host",
        "vm",
        "browser",
        "capability",
        "overallStatus",
    ],
    property,
    methods: &[
        ("RefreshDatastore", |_, _, _| Ok(None)),
        ("RefreshDatastoreStorageInfo", |_, _, _| Ok(None)),
    ],
};

fn ds_info(w: &World, d: &crate::inventory::Datastore) -> Value {
    let free = w.datastore_free(d);
    let base = |ty: &'static str| {
        Value::obj(ty)
            .with("name", Value::str(&d.name))
            .with("url", Value::str(d.mount_path()))
            .with("freeSpace", Value::long(free))
            .with("maxFileSize", Value::long(68_719_476_736_000))
            .with("timestamp", Value::DateTime(STABLE_TIMESTAMP.into()))
    };
    // vSAN and vVol name their container; the volume id without its prefix.
    let container = d.uuid.split_once(':').map_or(d.uuid.as_str(), |(_, id)| id);
    match d.kind {
        DatastoreKind::Vmfs => base("VmfsDatastoreInfo").with("vmfs", volume_value(d, false)),
        DatastoreKind::Nfs => base("NasDatastoreInfo").with("nas", volume_value(d, false)),
        DatastoreKind::Local => base("LocalDatastoreInfo")
            .with("path", Value::str(d.nfs_path.clone().unwrap_or_default())),
        DatastoreKind::Vsan => base("VsanDatastoreInfo")
            .with("containerId", Value::str(container))
            .with("aliasOf", Value::str(container))
            .with("membershipUuid", Value::str(container))
            .with("accessGenNo", Value::int(1)),
        DatastoreKind::Vvol => base("VvolDatastoreInfo")
            .with("containerId", Value::str(container))
            .with(
                "vvolDS",
                Value::obj("HostVvolVolume")
                    .with("type", Value::str("VVOL"))
                    .with("name", Value::str(&d.name))
                    .with("capacity", Value::long(d.capacity))
                    .with("scId", Value::str(container)),
            ),
        DatastoreKind::Plain => base("DatastoreInfo")
            .with("containerId", Value::str(container))
            .with("aliasOf", Value::str(container)),
    }
}

fn summary(w: &World, d: &crate::inventory::Datastore) -> Value {
    let free = w.datastore_free(d);
    let uncommitted = w.datastore_uncommitted(d);
    Value::obj("DatastoreSummary")
        .with("datastore", Value::moref("Datastore", d.moid.clone()))
        .with("name", Value::str(&d.name))
        .with("url", Value::str(d.url()))
        .with("capacity", Value::long(d.capacity))
        .with("freeSpace", Value::long(free))
        .with("uncommitted", Value::long(uncommitted))
        .with("accessible", Value::bool(d.accessible))
        .with("multipleHostAccess", Value::bool(d.hosts.len() > 1))
        .with("type", Value::str(d.kind.summary_type()))
        .with("maintenanceMode", Value::str("normal"))
}

fn property(w: &World, moid: &str, path: &str) -> Reply {
    let d = w
        .datastores
        .get(moid)
        .ok_or_else(|| Fault::not_found(&MoRef::new("Datastore", moid)))?;
    match path {
        "summary.name" | "name" => return Ok(Some(Value::str(&d.name))),
        "summary.capacity" => return Ok(Some(Value::long(d.capacity))),
        "summary.freeSpace" => return Ok(Some(Value::long(w.datastore_free(d)))),
        "summary.accessible" => return Ok(Some(Value::bool(d.accessible))),
        "summary.url" => return Ok(Some(Value::str(d.url()))),
        "summary.type" => return Ok(Some(Value::str(d.kind.summary_type()))),
        _ => {}
    }
    let (head, rest) = split_path(path);
    let top = match head {
        "parent" => w.parent_of(moid).map(|p| Value::MoRef(w.mo(&p))),
        "summary" => Some(summary(w, d)),
        "info" => Some(ds_info(w, d)),
        "host" => Some(Value::array(
            "DatastoreHostMount",
            d.hosts
                .iter()
                .map(|h| {
                    Value::obj("DatastoreHostMount")
                        .with("key", Value::moref("HostSystem", h.clone()))
                        .with(
                            "mountInfo",
                            Value::obj("HostMountInfo")
                                .with("path", Value::str(d.mount_path()))
                                .with("accessMode", Value::str("readWrite"))
                                .with("accessible", Value::bool(d.accessible)),
                        )
                })
                .collect(),
        )),
        "vm" => Some(Value::morefs(
            w.vms_on_datastore(&d.name)
                .into_iter()
                .map(|v| MoRef::new("VirtualMachine", v)),
        )),
        "browser" => Some(Value::moref(
            datastore_browser::TYPE.name,
            datastore_browser::browser_id(w, moid),
        )),
        "capability" => Some(
            Value::obj("DatastoreCapability")
                .with("directoryHierarchySupported", Value::bool(true))
                .with(
                    "rawDiskMappingsSupported",
                    Value::bool(d.kind == DatastoreKind::Vmfs),
                )
                .with("perFileThinProvisioningSupported", Value::bool(true))
                .with("storageIORMSupported", Value::bool(true))
                .with("nativeSnapshotSupported", Value::bool(false))
                .with("topLevelDirectoryCreateSupported", Value::bool(true))
                .with(
                    "seSparseSupported",
                    Value::bool(d.kind == DatastoreKind::Vmfs),
                ),
        ),
        h => entity_or_invalid(w, moid, h, path)?,
    };
    walk(top, rest)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, refs, text, TestWorld};
    use crate::value::Value;

    #[test]
    fn capacity_free_space_and_contents() {
        let mut t = TestWorld::esx();
        let ds = t.datastore("datastore1");
        let capacity = t
            .get("Datastore", &ds, "summary.capacity")
            .as_i64()
            .unwrap();
        let free = t
            .get("Datastore", &ds, "summary.freeSpace")
            .as_i64()
            .unwrap();
        assert!(0 < free && free < capacity, "{free} of {capacity}");
        assert_eq!(text(&t.get("Datastore", &ds, "summary.type")), "VMFS");
        assert_eq!(
            t.get("Datastore", &ds, "info.vmfs.name"),
            Value::str("datastore1")
        );
        let vms = refs(&t.get("Datastore", &ds, "vm"));
        assert!(vms.contains(&format!("VirtualMachine:{}", t.vm("db01"))));
        let nfs = t.datastore("nfs-iso");
        assert_eq!(
            t.get("Datastore", &nfs, "info.nas.remoteHost"),
            Value::str("192.168.10.5")
        );
        assert_eq!(
            t.get("Datastore", &ds, "browser"),
            Value::moref("HostDatastoreBrowser", "ha-host-datastorebrowser")
        );
        assert_eq!(t.call("Datastore", &ds, "RefreshDatastore", ""), Ok(None));
        assert_eq!(
            fault_type(t.read("Datastore", &ds, "summary2")),
            "InvalidProperty"
        );
        // Free space is what the directory allocates: a new eager disk takes some.
        t.run(
            "VirtualDiskManager",
            "ha-vdiskmanager",
            "CreateVirtualDisk_Task",
            "<name>[datastore1] tiny/big.vmdk</name><spec xsi:type=\"FileBackedVirtualDiskSpec\"><diskType>eagerZeroedThick</diskType><adapterType>lsiLogic</adapterType><capacityKb>4096</capacityKb></spec>",
        )
        .unwrap();
        let after = t
            .get("Datastore", &ds, "summary.freeSpace")
            .as_i64()
            .unwrap();
        assert!(after <= free - 4096 * 1024, "{after} vs {free}");
    }

    #[test]
    fn uncommitted_space_follows_the_thin_disks_of_its_vms() {
        let mut t = TestWorld::esx();
        let ds = t.datastore("datastore1");
        let uncommitted = |t: &TestWorld| {
            t.get("Datastore", &ds, "summary.uncommitted")
                .as_i64()
                .unwrap()
        };
        let thin: Vec<(String, i64)> =
            t.w.vms
                .iter()
                .map(|(id, v)| {
                    let kib = crate::inventory::vm_disks(v)
                        .into_iter()
                        .filter(|(f, _, thin)| *thin && f.starts_with("[datastore1]"))
                        .map(|(_, kib, _)| kib)
                        .sum::<i64>();
                    (id.clone(), kib)
                })
                .collect();
        assert_eq!(
            uncommitted(&t),
            thin.iter().map(|(_, kib)| kib * 1024).sum::<i64>()
        );
        let (gone, kib) = thin
            .iter()
            .find(|(_, kib)| *kib > 0)
            .expect("a VM with a thin disk")
            .clone();
        let before = uncommitted(&t);
        if t.w.vms[&gone].power_state == crate::inventory::PowerState::PoweredOn {
            t.run("VirtualMachine", &gone, "PowerOffVM_Task", "")
                .unwrap();
        }
        t.call("VirtualMachine", &gone, "UnregisterVM", "").unwrap();
        assert_eq!(uncommitted(&t), before - kib * 1024);
    }

    #[test]
    fn vsan_vvol_and_plain_datastores() {
        use crate::inventory::DatastoreKind;
        let mut t = TestWorld::esx();
        let host = t.host("esx01.example.com");
        let dc = t.w.hosts[&host].datacenter.clone();
        for (name, kind, id) in [
            (
                "vsanDatastore",
                DatastoreKind::Vsan,
                "vsan:522e9011fea34cad",
            ),
            (
                "vvolDatastore",
                DatastoreKind::Vvol,
                "vvol:6a2bd3c4e5f60718",
            ),
            (
                "WorkloadDatastore",
                DatastoreKind::Plain,
                "vsan:52f8a1b2c3d4e5f6",
            ),
        ] {
            let hosts = std::slice::from_ref(&host);
            t.w.add_datastore(&dc, name, kind, id, 1 << 40, hosts, None, None);
        }
        for (name, info, ty, container) in [
            (
                "vsanDatastore",
                "VsanDatastoreInfo",
                "vsan",
                "522e9011fea34cad",
            ),
            (
                "vvolDatastore",
                "VvolDatastoreInfo",
                "VVOL",
                "6a2bd3c4e5f60718",
            ),
            (
                "WorkloadDatastore",
                "DatastoreInfo",
                "vsan",
                "52f8a1b2c3d4e5f6",
            ),
        ] {
            let ds = t.datastore(name);
            assert_eq!(t.get("Datastore", &ds, "info").xsi_type(), info, "{name}");
            assert_eq!(text(&t.get("Datastore", &ds, "summary.type")), ty);
            assert_eq!(
                text(&t.get("Datastore", &ds, "info.containerId")),
                container
            );
            let mounts = t.get("Datastore", &ds, "host");
            assert_eq!(mounts.as_array().map(|m| m.len()), Some(1), "{name}");
        }
        let vsan = t.datastore("vsanDatastore");
        assert_eq!(
            text(&t.get("Datastore", &vsan, "summary.url")),
            "ds:///vmfs/volumes/vsan:522e9011fea34cad/"
        );
    }
}
