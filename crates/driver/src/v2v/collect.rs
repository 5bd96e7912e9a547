//! The one paged retrieval a readiness check makes, and the compact records it keeps.
//!
//! A single property filter walks the inventory from the root folder: folders, datacenters
//! (and through their `datastore` lists every datastore this user may see), compute
//! resources, hosts, and the hosts' VMs — every host's (`all_hosts`) or the connection's
//! host's (a second object set starting at it). RetrievePropertiesEx and its continuations
//! bring pages of [`PAGE`] objects; each page is turned into records (names, flags and the
//! few device facts the checks read) before the next is asked for, so memory follows a page,
//! not the inventory.

use std::collections::HashMap;

use esxvirt_vi::property::{property_spec, traverse};
use esxvirt_vi::props::{
    compute_resource as cr, datacenter as dc, datastore as ds, folder, host_system as host,
    managed_entity as entity, virtual_machine as vm,
};
use esxvirt_vi::{
    AnyVirtualDevice, AnyVirtualDeviceBackingInfo, ManagedObjectReference, ObjectSpec,
    PropertyFilterSpec, VirtualMachineSnapshotTree,
};

use crate::connection::engine::Props;
use crate::connection::Connection;
use crate::error::{vi_err, Result};

/// Objects per page: a page of VMs with their device lists stays a few megabytes.
pub(crate) const PAGE: u32 = 1000;

/// A container of the inventory (folder, datacenter, compute resource).
#[derive(Debug, Clone)]
pub(crate) struct Container {
    pub id: String,
    pub kind: String,
    /// The API's name (`%`, `/`, `\` escaped).
    pub name: String,
    pub parent: Option<String>,
    /// Datacenter: its host folder (the compute resources' folder tree starts there).
    pub host_folder: Option<String>,
}

/// A host.
#[derive(Debug, Clone)]
pub(crate) struct HostRec {
    pub name: String,
    pub parent: Option<String>,
    pub connected: bool,
    pub maintenance: bool,
}

/// A datastore this user can see.
#[derive(Debug, Clone)]
pub(crate) struct DatastoreRec {
    pub name: String,
    pub accessible: bool,
    /// `VMFS`, `NFS`, `NFS41`, `vsan`, `VVOL`, ...
    pub kind: String,
}

/// How a disk is backed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Backing {
    /// A VMDK file (flat, sparse or SE sparse).
    File,
    /// A raw device mapping, `physicalMode` or `virtualMode`.
    Rdm { physical: bool },
    /// Something else (a host device): the backing's type.
    Other(String),
}

/// A virtual disk.
#[derive(Debug, Clone)]
pub(crate) struct DiskRec {
    pub label: String,
    pub capacity_bytes: u64,
    pub file: String,
    pub datastore: Option<String>,
    pub backing: Backing,
    /// `persistent`, `independent_persistent`, ...
    pub mode: String,
    /// `sharingNone` or `sharingMultiWriter`.
    pub sharing: String,
    /// The controller's kind (`scsi`, `ide`, `sata`, `nvme`) and model.
    pub controller: String,
    /// The controller's SCSI bus sharing (`noSharing`, `virtualSharing`,
    /// `physicalSharing`).
    pub bus_sharing: String,
}

/// A network adapter.
#[derive(Debug, Clone)]
pub(crate) struct NicRec {
    pub label: String,
    /// The device type (`VirtualVmxnet3`, `VirtualE1000e`, `VirtualSriovEthernetCard`).
    pub model: String,
    pub mac: String,
    /// The port group's name, or the distributed port group's key.
    pub network: String,
    pub distributed: bool,
}

/// A VM, as the checks see it.
#[derive(Debug, Clone, Default)]
pub(crate) struct VmRec {
    pub moref: String,
    /// The API's name (`%`, `/`, `\` escaped).
    pub name: String,
    pub host: Option<String>,
    pub power: String,
    pub connection: String,
    pub template: bool,
    pub uuid: String,
    pub guest_id: String,
    pub guest_full_name: String,
    /// What VMware Tools report (running VMs).
    pub detected_guest_id: Option<String>,
    pub firmware: String,
    pub secure_boot: bool,
    pub cbt: bool,
    /// `config.keyId`'s key, `runtime.cryptoState`.
    pub key_id: Option<String>,
    pub crypto_state: Option<String>,
    pub tpm: bool,
    pub vcpus: u32,
    pub memory_mb: u64,
    pub tools_status: Option<String>,
    pub snapshots: u32,
    pub consolidation_needed: bool,
    pub disks: Vec<DiskRec>,
    pub nics: Vec<NicRec>,
}

/// Everything one check run read.
#[derive(Debug, Default)]
pub(crate) struct Collected {
    pub containers: HashMap<String, Container>,
    pub hosts: HashMap<String, HostRec>,
    pub datastores: HashMap<String, DatastoreRec>,
    pub vms: Vec<VmRec>,
}

/// The VM properties the checks read.
pub(crate) fn vm_paths() -> Vec<&'static str> {
    vec![
        vm::NAME.path(),
        vm::RUNTIME_HOST.path(),
        vm::RUNTIME_POWER_STATE.path(),
        vm::RUNTIME_CONNECTION_STATE.path(),
        vm::RUNTIME_CRYPTO_STATE.path(),
        vm::RUNTIME_CONSOLIDATION_NEEDED.path(),
        vm::CONFIG_TEMPLATE.path(),
        vm::CONFIG_UUID.path(),
        vm::CONFIG_GUEST_ID.path(),
        vm::CONFIG_GUEST_FULL_NAME.path(),
        vm::CONFIG_FIRMWARE.path(),
        vm::CONFIG_BOOT_OPTIONS_EFI_SECURE_BOOT_ENABLED.path(),
        vm::CONFIG_CHANGE_TRACKING_ENABLED.path(),
        vm::CONFIG_KEY_ID.path(),
        vm::CONFIG_HARDWARE_NUM_CPU.path(),
        vm::CONFIG_HARDWARE_MEMORY_MB.path(),
        vm::CONFIG_HARDWARE_DEVICE.path(),
        vm::GUEST_GUEST_ID.path(),
        vm::GUEST_TOOLS_STATUS.path(),
        vm::SUMMARY_CONFIG_TPM_PRESENT.path(),
        vm::SNAPSHOT_ROOT_SNAPSHOT_LIST.path(),
    ]
}

/// The filter: containers, hosts and datastores from the root folder; VMs of every host
/// (`vms_of == None`) or of one host.
fn filter_spec(
    root: &ManagedObjectReference,
    vms_of: Option<&ManagedObjectReference>,
) -> PropertyFilterSpec {
    let from_hosts: &[&str] = if vms_of.is_none() { &["hostVms"] } else { &[] };
    let mut select = vec![
        traverse(
            "folderChildren",
            folder::CHILD_ENTITY,
            &["folderChildren", "dcHosts", "dcDatastores", "crHosts"],
        ),
        traverse("dcHosts", dc::HOST_FOLDER, &["folderChildren", "crHosts"]),
        traverse("dcDatastores", dc::DATASTORE, &[]),
        traverse("crHosts", cr::HOST, from_hosts),
    ];
    select.push(traverse("hostVms", host::VM, &[]));
    let mut object_set = vec![ObjectSpec {
        obj: root.clone(),
        skip: Some(false),
        select_set: select,
    }];
    if let Some(h) = vms_of {
        object_set.push(ObjectSpec {
            obj: h.clone(),
            skip: Some(true),
            select_set: vec![traverse("hostVms", host::VM, &[])],
        });
    }
    let named = [entity::NAME.path(), entity::PARENT.path()];
    PropertyFilterSpec {
        prop_set: vec![
            property_spec(folder::TYPE, &named),
            property_spec(
                dc::TYPE,
                &[dc::NAME.path(), dc::PARENT.path(), dc::HOST_FOLDER.path()],
            ),
            property_spec(cr::TYPE, &[cr::NAME.path(), cr::PARENT.path()]),
            property_spec(
                host::TYPE,
                &[
                    host::NAME.path(),
                    host::PARENT.path(),
                    host::RUNTIME_CONNECTION_STATE.path(),
                    host::RUNTIME_IN_MAINTENANCE_MODE.path(),
                ],
            ),
            property_spec(
                ds::TYPE,
                &[
                    ds::NAME.path(),
                    ds::SUMMARY_ACCESSIBLE.path(),
                    ds::SUMMARY_TYPE_.path(),
                ],
            ),
            property_spec(vm::TYPE, &vm_paths()),
        ],
        object_set,
        report_missing_objects_in_results: None,
    }
}

impl Collected {
    fn add(&mut self, mut p: Props) {
        let id = p.obj.value.clone();
        match p.ty() {
            t if t == vm::TYPE => self.vms.push(vm_record(&mut p)),
            t if t == host::TYPE => {
                let connected = p
                    .get(host::RUNTIME_CONNECTION_STATE)
                    .is_none_or(|s| s.as_str() == "connected");
                self.hosts.insert(
                    id,
                    HostRec {
                        name: p.get(host::NAME).unwrap_or_default(),
                        parent: p.get(host::PARENT).map(|m| m.value),
                        connected,
                        maintenance: p.get(host::RUNTIME_IN_MAINTENANCE_MODE).unwrap_or(false),
                    },
                );
            }
            t if t == ds::TYPE => {
                self.datastores.insert(
                    id,
                    DatastoreRec {
                        name: p.get(ds::NAME).unwrap_or_default(),
                        accessible: p.get(ds::SUMMARY_ACCESSIBLE).unwrap_or(false),
                        kind: p.get(ds::SUMMARY_TYPE_).unwrap_or_default(),
                    },
                );
            }
            kind => {
                let host_folder = p.get(dc::HOST_FOLDER).map(|m| m.value);
                self.containers.insert(
                    id.clone(),
                    Container {
                        id,
                        kind: kind.to_string(),
                        name: p.get(entity::NAME).unwrap_or_default(),
                        parent: p.get(entity::PARENT).map(|m| m.value),
                        host_folder,
                    },
                );
            }
        }
    }
}

fn count_snapshots(list: &[VirtualMachineSnapshotTree]) -> u32 {
    list.iter()
        .map(|s| 1 + count_snapshots(&s.child_snapshot_list))
        .sum()
}

/// A VM's record from its properties (the device list is taken out, not copied).
fn vm_record(p: &mut Props) -> VmRec {
    let devices = p.take(vm::CONFIG_HARDWARE_DEVICE).unwrap_or_default();
    let snapshots = p
        .take(vm::SNAPSHOT_ROOT_SNAPSHOT_LIST)
        .map_or(0, |l| count_snapshots(&l));
    let (disks, nics) = devices_of(&devices);
    VmRec {
        moref: p.obj.value.clone(),
        name: p.get(vm::NAME).unwrap_or_default(),
        host: p.get(vm::RUNTIME_HOST).map(|m| m.value),
        power: p
            .get(vm::RUNTIME_POWER_STATE)
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        connection: p
            .get(vm::RUNTIME_CONNECTION_STATE)
            .map_or_else(|| "connected".to_string(), |s| s.as_str().to_string()),
        template: p.get(vm::CONFIG_TEMPLATE).unwrap_or(false),
        uuid: p.get(vm::CONFIG_UUID).unwrap_or_default(),
        guest_id: p.get(vm::CONFIG_GUEST_ID).unwrap_or_default(),
        guest_full_name: p.get(vm::CONFIG_GUEST_FULL_NAME).unwrap_or_default(),
        detected_guest_id: p.get(vm::GUEST_GUEST_ID).filter(|g| !g.is_empty()),
        firmware: p
            .get(vm::CONFIG_FIRMWARE)
            .unwrap_or_else(|| "bios".to_string()),
        secure_boot: p
            .get(vm::CONFIG_BOOT_OPTIONS_EFI_SECURE_BOOT_ENABLED)
            .unwrap_or(false),
        cbt: p.get(vm::CONFIG_CHANGE_TRACKING_ENABLED).unwrap_or(false),
        key_id: p.get(vm::CONFIG_KEY_ID).map(|k| k.key_id),
        crypto_state: p.get(vm::RUNTIME_CRYPTO_STATE).filter(|s| !s.is_empty()),
        tpm: p.get(vm::SUMMARY_CONFIG_TPM_PRESENT).unwrap_or(false),
        vcpus: p.count(vm::CONFIG_HARDWARE_NUM_CPU) as u32,
        memory_mb: p.count(vm::CONFIG_HARDWARE_MEMORY_MB),
        tools_status: p
            .get(vm::GUEST_TOOLS_STATUS)
            .map(|s| s.as_str().to_string()),
        snapshots,
        consolidation_needed: p.get(vm::RUNTIME_CONSOLIDATION_NEEDED).unwrap_or(false),
        disks,
        nics,
    }
}

/// The controller of each key: its kind and model, and its SCSI bus sharing.
fn controllers(devices: &[AnyVirtualDevice]) -> HashMap<i32, (String, String)> {
    let mut out = HashMap::new();
    for d in devices {
        let (kind, sharing) = match d {
            AnyVirtualDevice::VirtualIDEController(_) => ("ide".to_string(), None),
            AnyVirtualDevice::VirtualSATAController(_)
            | AnyVirtualDevice::VirtualAHCIController(_) => ("sata".to_string(), None),
            AnyVirtualDevice::VirtualNVMEController(_) => ("nvme".to_string(), None),
            AnyVirtualDevice::VirtualBusLogicController(c) => {
                ("scsi buslogic".into(), Some(&c.base))
            }
            AnyVirtualDevice::VirtualLsiLogicController(c) => {
                ("scsi lsilogic".into(), Some(&c.base))
            }
            AnyVirtualDevice::VirtualLsiLogicSASController(c) => {
                ("scsi lsisas1068".into(), Some(&c.base))
            }
            AnyVirtualDevice::ParaVirtualSCSIController(c) => ("scsi pvscsi".into(), Some(&c.base)),
            AnyVirtualDevice::VirtualSCSIController(c) => ("scsi".into(), Some(c)),
            _ => continue,
        };
        let sharing = sharing.map_or("noSharing", |c| c.shared_bus.as_str());
        out.insert(d.key, (kind, sharing.to_string()));
    }
    out
}

/// The disks and NICs of a device list.
fn devices_of(devices: &[AnyVirtualDevice]) -> (Vec<DiskRec>, Vec<NicRec>) {
    let ctrl = controllers(devices);
    let mut disks = Vec::new();
    let mut nics = Vec::new();
    for d in devices {
        let label = d
            .device_info
            .as_ref()
            .map(|i| i.label.clone())
            .unwrap_or_default();
        if let AnyVirtualDevice::VirtualDisk(disk) = d {
            let capacity_bytes = disk
                .capacity_in_bytes
                .unwrap_or(disk.capacity_in_kb.saturating_mul(1024))
                .max(0) as u64;
            let (controller, bus_sharing) = disk
                .controller_key
                .and_then(|k| ctrl.get(&k).cloned())
                .unwrap_or_else(|| ("unknown".into(), "noSharing".into()));
            let mut rec = DiskRec {
                label,
                capacity_bytes,
                file: String::new(),
                datastore: None,
                backing: Backing::Other(String::new()),
                mode: String::new(),
                sharing: "sharingNone".into(),
                controller,
                bus_sharing,
            };
            disk_backing(disk.backing.as_ref(), &mut rec);
            disks.push(rec);
        } else if let Some(card) = d.as_virtual_ethernet_card() {
            let (network, distributed) = match &d.backing {
                Some(AnyVirtualDeviceBackingInfo::VirtualEthernetCardDistributedVirtualPortBackingInfo(b)) => {
                    (b.port.portgroup_key.clone().unwrap_or_default(), true)
                }
                Some(AnyVirtualDeviceBackingInfo::VirtualEthernetCardOpaqueNetworkBackingInfo(b)) => {
                    (b.opaque_network_id.clone(), true)
                }
                Some(b) => (
                    b.as_virtual_device_device_backing_info()
                        .map(|b| b.device_name.clone())
                        .unwrap_or_default(),
                    false,
                ),
                None => (String::new(), false),
            };
            nics.push(NicRec {
                label,
                model: d.type_name().to_string(),
                mac: card.mac_address.clone().unwrap_or_default(),
                network,
                distributed,
            });
        }
    }
    (disks, nics)
}

/// Fills a disk's backing facts.
fn disk_backing(backing: Option<&AnyVirtualDeviceBackingInfo>, rec: &mut DiskRec) {
    use AnyVirtualDeviceBackingInfo as B;
    let Some(b) = backing else {
        rec.backing = Backing::Other("none".into());
        return;
    };
    if let Some(f) = b.as_virtual_device_file_backing_info() {
        rec.file = f.file_name.clone();
        rec.datastore = f.datastore.as_ref().map(|d| d.value.clone());
    }
    let (backing, mode, sharing) = match b {
        B::VirtualDiskFlatVer2BackingInfo(f) => {
            (Backing::File, f.disk_mode.clone(), f.sharing.clone())
        }
        B::VirtualDiskFlatVer1BackingInfo(f) => (Backing::File, f.disk_mode.clone(), None),
        B::VirtualDiskSparseVer1BackingInfo(f) => (Backing::File, f.disk_mode.clone(), None),
        B::VirtualDiskSparseVer2BackingInfo(f) => (Backing::File, f.disk_mode.clone(), None),
        B::VirtualDiskSeSparseBackingInfo(f) => (Backing::File, f.disk_mode.clone(), None),
        B::VirtualDiskRawDiskMappingVer1BackingInfo(r) => (
            Backing::Rdm {
                physical: r.compatibility_mode.as_deref() == Some("physicalMode"),
            },
            r.disk_mode.clone().unwrap_or_default(),
            r.sharing.clone(),
        ),
        other => (
            Backing::Other(other.type_name().to_string()),
            String::new(),
            None,
        ),
    };
    rec.backing = backing;
    rec.mode = mode;
    if let Some(s) = sharing.filter(|s| !s.is_empty()) {
        rec.sharing = s;
    }
}

impl Connection {
    /// Reads what the checks need in one paged retrieval (see the module's documentation).
    pub(crate) fn v2v_collect(&self, all_hosts: bool) -> Result<Collected> {
        // The service content must be known for the root folder and the product (a
        // resumed or early session may not have it yet).
        self.engine.ensure_content()?;
        let vms_of = if all_hosts || !self.engine.is_vcenter() {
            None
        } else {
            Some(self.engine.context()?.host)
        };
        let spec = filter_spec(&self.engine.root_folder(), vms_of.as_ref());
        self.engine.run(|c| {
            let specs = vec![spec.clone()];
            async move {
                let mut acc = Collected::default();
                let mut pages = c.retrieve_paged(specs, PAGE);
                while let Some(page) = pages.next_page().await.map_err(vi_err)? {
                    for oc in page {
                        acc.add(Props::from_content(oc));
                    }
                }
                Ok(acc)
            }
        })
    }
}
