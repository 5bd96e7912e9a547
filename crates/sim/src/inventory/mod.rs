//! The simulator's world model: hosts, VMs, datastores, networking, storage adapters and the
//! vCenter containers, with the operations the managed objects perform on them.
//!
//! # Inventory file format
//!
//! A world is a JSON document (see `crates/sim/INVENTORY.md` for a commented example). Its top
//! level holds `kind` (`"esx"` or `"vcenter"`), `about` (the product description), `next_id` (the
//! managed-object id counter) and maps from managed-object id to record: `folders`,
//! `datacenters`, `computes` (clusters and standalone compute resources), `pools`, `hosts`,
//! `datastores`, `networks` and `vms`. The same format serves as inventory input
//! (`esxsim --inventory FILE`) and as the state file (`--state FILE`, `sim:///PATH.json`), which
//! the simulator rewrites after every change so successive processes see each other's changes.
//!
//! Datastores are real directories: `files_dir/<datastore name>/`. A VM's `.vmx` is a real file
//! there, written whenever its configuration changes, and read back by RegisterVM. Virtual disks
//! are a descriptor `.vmdk` plus a sparse `-flat.vmdk` of the disk's capacity.
//!
//! # Layout
//!
//! This module holds [`World`] with its loading, saving and id lookups; the records are in
//! [`model`], the built-in and generated worlds in [`defaults`], VMX conversion in [`vmx`].
//! The operations on the world are split by subject: datastore files and searches
//! (`datastore_files`), virtual disks (`disks`), a VM's files, registration and power
//! states (`vm_life`), snapshot trees (`snapshots`), networks (`networks`) and identifiers
//! (`random`).

mod changes;
mod datastore_files;
pub mod defaults;
mod disks;
mod distributed;
mod entities;
mod memo;
pub mod model;
mod networks;
mod pools;
mod random;
mod snapshots;
mod v2v_checks;
pub mod vcenter_model;
pub mod vcsim_model;
mod vm_life;
pub mod vmx;

pub use changes::{now as change_clock, ChangeMark, Tracked};
pub use datastore_files::{glob_match, FoundFile, FoundFolder};
pub use defaults::GenerateParams;
pub use disks::DiskInfo;
pub use distributed::PortgroupSpec;
pub use memo::{HostLoad, HostLoads};
pub use random::{random_uuid, Rng};
pub use snapshots::{all_snapshots, parent_of_snapshot};
pub use v2v_checks::{CHECK_VMS, ESCAPED_NAME};
pub use vcsim_model::VcsimModel;
pub use vm_life::{default_guest_for, vm_disks, PowerOnOutcome};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use model::*;
pub use vcenter_model::*;

/// What an inventory operation refused or failed at; the managed-object layer turns these into
/// the matching SOAP faults.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvError {
    /// No object with that id, name or path.
    #[error("{0} not found")]
    NotFound(String),
    /// The VM is not in a power state that allows the operation.
    #[error("The attempted operation cannot be performed in the current state ({})", current.as_str())]
    InvalidPowerState {
        current: PowerState,
        requested: Option<PowerState>,
    },
    /// The operation is not allowed in the object's current state (e.g. a pending question).
    #[error("{0}")]
    InvalidState(String),
    /// An object of this name already exists in the folder.
    #[error("The name '{0}' already exists.")]
    DuplicateName(String),
    /// The .vmx is already registered.
    #[error("The specified key, name, or identifier '{0}' already exists.")]
    AlreadyExists(String),
    /// A datastore file that does not exist.
    #[error("File {0} was not found")]
    FileNotFound(String),
    /// A datastore file that already exists.
    #[error("Cannot complete the operation because the file or folder {0} already exists")]
    FileAlreadyExists(String),
    /// A malformed datastore path (not `[ds] path`, or escaping the datastore with `..`).
    #[error("Invalid datastore path '{0}'.")]
    InvalidDatastorePath(String),
    /// A datastore name that does not exist.
    #[error("Invalid datastore '{0}'.")]
    InvalidDatastore(String),
    /// A bad argument.
    #[error("A specified parameter was not correct: {0}")]
    InvalidArgument(String),
    /// A .vmx that cannot be understood.
    #[error("Invalid configuration file {path}: {reason}")]
    InvalidVmx { path: String, reason: String },
    /// The guest has no running tools.
    #[error("Operation failed since VMware tools are not running in this virtual machine.")]
    ToolsUnavailable,
    /// The operation does not apply to this object (or this kind of server).
    #[error("{0}")]
    NotSupported(String),
    /// The object is in use (a port group VMs connect to, a non-empty folder ...).
    #[error("The resource '{0}' is in use.")]
    InUse(String),
    /// The file system refused.
    #[error("{0}")]
    Io(String),
}

/// Result of the inventory operations.
pub type InvResult<T> = Result<T, InvError>;

fn io_err(e: std::io::Error, what: &str) -> InvError {
    InvError::Io(format!("{what}: {e}"))
}

/// The whole simulated world.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct World {
    pub kind: ServerKind,
    pub about: About,
    pub next_id: u64,
    pub root_folder: String,
    pub folders: Tracked<Folder>,
    pub datacenters: Tracked<Datacenter>,
    pub computes: Tracked<Compute>,
    pub pools: Tracked<ResourcePool>,
    pub hosts: Tracked<Host>,
    pub datastores: Tracked<Datastore>,
    pub networks: Tracked<Network>,
    pub vms: Tracked<Vm>,
    /// Disk descriptors (by datastore path) that are raw device mappings.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rdm_mappings: Tracked<RdmMapping>,
    /// Distributed virtual switches (vCenter).
    #[serde(default)]
    pub dvswitches: Tracked<DvSwitch>,
    /// Storage pods (vCenter).
    #[serde(default)]
    pub storage_pods: Tracked<StoragePod>,
    /// `ServiceContent` names every manager, also those libvirt's ESX driver does not
    /// know (as vcsim's and a real server's do; libvirt then warns about them).
    #[serde(default)]
    pub all_managers: bool,
    /// Custom field definitions.
    #[serde(default)]
    pub custom_fields: Vec<CustomField>,
    /// Guest customization specifications (vCenter).
    #[serde(default)]
    pub customization_specs: Vec<CustomizationSpecRecord>,
    /// Settings changed with `OptionManager.UpdateOptions` (key -> value as text).
    #[serde(default)]
    pub settings: Tracked<String>,
    /// Custom field values by object id: (field key, value).
    #[serde(default)]
    pub custom_values: Tracked<Vec<(i32, String)>>,
    /// Where the datastore directories live; not part of the file.
    #[serde(skip)]
    pub files_dir: PathBuf,
    /// Changes the record maps do not show (see [`changes`]).
    #[serde(skip)]
    pub marks: ChangeMark,
    /// Answers derived from the whole world, kept until it changes (see [`memo`]).
    #[serde(skip)]
    memo: memo::Memo,
}

impl World {
    /// An empty world of the given kind whose datastores live under `files_dir`.
    pub fn empty(kind: ServerKind, files_dir: &Path) -> World {
        let about = match kind {
            ServerKind::Esx => About::esxi(),
            ServerKind::Vcenter => About::vcenter("d9f3a4c2-5b7e-4f8a-9c1d-2e6b8a0f4c31"),
        };
        World {
            kind,
            about,
            next_id: 1,
            root_folder: String::new(),
            folders: Tracked::default(),
            datacenters: Tracked::default(),
            computes: Tracked::default(),
            pools: Tracked::default(),
            hosts: Tracked::default(),
            datastores: Tracked::default(),
            networks: Tracked::default(),
            vms: Tracked::default(),
            rdm_mappings: Tracked::default(),
            dvswitches: Tracked::default(),
            storage_pods: Tracked::default(),
            all_managers: false,
            custom_fields: Vec::new(),
            custom_values: Tracked::default(),
            settings: Tracked::default(),
            customization_specs: Vec::new(),
            files_dir: files_dir.to_path_buf(),
            marks: ChangeMark::default(),
            memo: memo::Memo::default(),
        }
    }

    /// Load a world from its JSON file; its datastores live under `files_dir`. Datastore
    /// directories and VM .vmx files that are missing are (re)created from the model, so an
    /// inventory file alone is enough to start from.
    pub fn load(json: &Path, files_dir: &Path) -> InvResult<World> {
        let text =
            std::fs::read_to_string(json).map_err(|e| io_err(e, &json.display().to_string()))?;
        Self::from_json(&text, files_dir)
    }

    /// Parse a world from JSON text (see [`World::load`]).
    pub fn from_json(text: &str, files_dir: &Path) -> InvResult<World> {
        let mut world: World = serde_json::from_str(text)
            .map_err(|e| InvError::InvalidArgument(format!("inventory JSON: {e}")))?;
        world.files_dir = files_dir.to_path_buf();
        // Tasks live only as long as the process that made them: a power-on still waiting
        // for its question is just the question in a new process.
        for vm in world.vms.values_mut() {
            vm.pending_task = None;
        }
        world.materialize()?;
        Ok(world)
    }

    /// The world as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Save to `json` atomically and durably ([`crate::state::write_durably`]: a crash
    /// leaves the old file or the new one, whole).
    pub fn save(&self, json: &Path) -> InvResult<()> {
        crate::state::write_durably(json, |w| Ok(serde_json::to_writer(w, self)?))
            .map_err(|e| io_err(e, &json.display().to_string()))
    }

    /// Replaces this world with the one saved in `json` (written by another process),
    /// keeping the datastore directory. A power-on this process left waiting for an
    /// answer keeps its task when the VM still waits for the same question.
    pub fn reload(&mut self, json: &Path) -> InvResult<()> {
        let mut fresh = World::load(json, &self.files_dir)?;
        for (id, vm) in fresh.vms.iter_mut() {
            let Some(old) = self.vms.get(id) else {
                continue;
            };
            let same_question =
                matches!((&old.question, &vm.question), (Some(a), Some(b)) if a.id == b.id);
            if same_question {
                vm.pending_task.clone_from(&old.pending_task);
            }
        }
        *self = fresh;
        Ok(())
    }

    /// The conventional datastore directory for a state file: `PATH.json` -> `PATH.json.files` (next to it).
    pub fn files_dir_for_state(state: &Path) -> PathBuf {
        let mut s = state.as_os_str().to_os_string();
        s.push(".files");
        PathBuf::from(s)
    }

    /// Create missing datastore directories and VM files so the directories agree with the
    /// model.
    pub fn materialize(&mut self) -> InvResult<()> {
        self.materialize_files(true)
    }

    /// [`World::materialize`]; without `extents`, disks get only their descriptor (a large
    /// generated inventory then writes a third fewer files; a missing extent reads as an
    /// unallocated one).
    pub fn materialize_files(&mut self, extents: bool) -> InvResult<()> {
        for ds in self.datastores.values() {
            let dir = self.files_dir.join(&ds.name);
            std::fs::create_dir_all(&dir).map_err(|e| io_err(e, &dir.display().to_string()))?;
        }
        let ids: Vec<String> = self.vms.keys().cloned().collect();
        for id in ids {
            self.complete_vm(&id);
            let Some(vm) = self.vms.get(&id) else {
                continue;
            };
            let vmx = self.resolve(&vm.vmx_path)?;
            if !vmx.exists() {
                self.write_vmx(&id)?;
                let vm = &self.vms[&id];
                // The descriptor names the adapter kind the disk hangs off.
                let disks: Vec<(String, i64, bool, &str)> = vm
                    .config
                    .devices
                    .iter()
                    .filter_map(|d| match d {
                        Device::Disk {
                            slot,
                            file,
                            capacity_kb,
                            thin,
                            ..
                        } => {
                            let scsi_model = vm.config.devices.iter().find_map(|c| match c {
                                Device::ScsiController { index, model }
                                    if *index == slot.controller =>
                                {
                                    Some(model.as_str())
                                }
                                _ => None,
                            });
                            let adapter = match (slot.bus, scsi_model) {
                                (Bus::Ide, _) => "ide",
                                (Bus::Scsi, Some("buslogic")) => "buslogic",
                                _ => "lsilogic",
                            };
                            Some((file.clone(), *capacity_kb, *thin, adapter))
                        }
                        _ => None,
                    })
                    .collect();
                for (path, cap, thin, adapter) in disks {
                    if self.resolve(&path).map(|p| !p.exists()).unwrap_or(false) {
                        self.create_disk_files(&path, cap, thin, adapter, extents)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Fills what a hand-written inventory may leave out of a VM: its folder and pool (from
    /// its host), the guest info tools would report, the canonical device order.
    fn complete_vm(&mut self, id: &str) {
        let Some(vm) = self.vms.get(id) else { return };
        let host = vm.host.clone();
        let folder = if vm.folder.is_empty() {
            self.hosts
                .get(&host)
                .and_then(|h| self.datacenters.get(&h.datacenter))
                .map(|d| d.vm_folder.clone())
                .unwrap_or_default()
        } else {
            vm.folder.clone()
        };
        let pool = if vm.resource_pool.is_empty() {
            self.host_root_pool(&host).unwrap_or_default()
        } else {
            vm.resource_pool.clone()
        };
        if let Some(f) = self.folders.get_mut(&folder) {
            if !f.children.iter().any(|c| c == id) {
                f.children.push(id.to_string());
            }
        }
        let Some(vm) = self.vms.get_mut(id) else {
            return;
        };
        vm.folder = folder;
        vm.resource_pool = pool;
        vmx::normalize_devices(&mut vm.config.devices);
        let (n, m) = (vm.config.num_cpu, vm.config.memory_mb);
        for (a, cpu) in [
            (&mut vm.config.cpu_alloc, true),
            (&mut vm.config.mem_alloc, false),
        ] {
            if a.shares_level != "custom" {
                a.shares = vmx::level_shares(&a.shares_level, cpu, n, m);
            }
        }
        if vm.config.instance_uuid.is_empty() {
            vm.config.instance_uuid = random_uuid();
        }
        if vm.guest_when_running == GuestInfo::default() {
            vm.guest_when_running = default_guest_for(&vm.config);
        }
        if vm.power_state == PowerState::PoweredOn
            && vm.tools_installed
            && vm.guest == GuestInfo::default()
        {
            vm.guest = vm.guest_when_running.clone();
        }
    }

    // ----- ids and lookups -------------------------------------------------------------

    /// A fresh number for a managed-object id.
    pub fn alloc_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// A fresh VM id: `N` on ESX, `vm-N` on vCenter.
    pub fn alloc_vm_id(&mut self) -> String {
        let n = self.alloc_id();
        match self.kind {
            ServerKind::Esx => n.to_string(),
            ServerKind::Vcenter => format!("vm-{n}"),
        }
    }

    /// The id of every inventory entity the world keeps a record of (snapshots, which
    /// their VMs hold, and per-host managers aside).
    pub fn entity_ids(&self) -> impl Iterator<Item = &String> {
        self.folders
            .keys()
            .chain(self.datacenters.keys())
            .chain(self.computes.keys())
            .chain(self.pools.keys())
            .chain(self.hosts.keys())
            .chain(self.datastores.keys())
            .chain(self.networks.keys())
            .chain(self.dvswitches.keys())
            .chain(self.storage_pods.keys())
            .chain(self.vms.keys())
    }

    /// The VI type of a managed-object id of the inventory, if it is one.
    pub fn type_of(&self, moid: &str) -> Option<&'static str> {
        if self.vms.contains_key(moid) {
            Some("VirtualMachine")
        } else if self.hosts.contains_key(moid) {
            Some("HostSystem")
        } else if self.datastores.contains_key(moid) {
            Some("Datastore")
        } else if self.folders.contains_key(moid) {
            Some("Folder")
        } else if self.datacenters.contains_key(moid) {
            Some("Datacenter")
        } else if let Some(c) = self.computes.get(moid) {
            Some(if c.is_cluster {
                "ClusterComputeResource"
            } else {
                "ComputeResource"
            })
        } else if let Some(p) = self.pools.get(moid) {
            Some(if p.vapp { "VirtualApp" } else { "ResourcePool" })
        } else if let Some(n) = self.networks.get(moid) {
            Some(if n.dvs.is_some() {
                "DistributedVirtualPortgroup"
            } else {
                "Network"
            })
        } else if self.dvswitches.contains_key(moid) {
            Some("VmwareDistributedVirtualSwitch")
        } else if self.storage_pods.contains_key(moid) {
            Some("StoragePod")
        } else if self.find_snapshot(moid).is_some() {
            Some("VirtualMachineSnapshot")
        } else {
            None
        }
    }

    /// The inventory name of any container or object.
    pub fn name_of(&self, moid: &str) -> Option<String> {
        self.name_ref(moid).map(str::to_string)
    }

    /// [`World::name_of`] without the copy, for searches that compare many names.
    pub fn name_ref(&self, moid: &str) -> Option<&str> {
        if let Some(v) = self.vms.get(moid) {
            return Some(&v.config.name);
        }
        if let Some(h) = self.hosts.get(moid) {
            return Some(&h.name);
        }
        if let Some(d) = self.datastores.get(moid) {
            return Some(&d.name);
        }
        if let Some(f) = self.folders.get(moid) {
            return Some(&f.name);
        }
        if let Some(d) = self.datacenters.get(moid) {
            return Some(&d.name);
        }
        if let Some(c) = self.computes.get(moid) {
            return Some(&c.name);
        }
        if let Some(p) = self.pools.get(moid) {
            return Some(&p.name);
        }
        if let Some(n) = self.networks.get(moid) {
            return Some(&n.name);
        }
        if let Some(d) = self.dvswitches.get(moid) {
            return Some(&d.name);
        }
        if let Some(p) = self.storage_pods.get(moid) {
            return Some(&p.name);
        }
        self.find_snapshot(moid).map(|(_, s)| s.name.as_str())
    }

    /// The parent of an inventory object (`parent` property), if it has one.
    pub fn parent_of(&self, moid: &str) -> Option<String> {
        if let Some(v) = self.vms.get(moid) {
            return Some(v.folder.clone());
        }
        if let Some(h) = self.hosts.get(moid) {
            return Some(h.parent.clone());
        }
        if let Some(f) = self.folders.get(moid) {
            return f.parent.clone();
        }
        if let Some(d) = self.datacenters.get(moid) {
            return Some(d.parent.clone());
        }
        if let Some(c) = self.computes.get(moid) {
            return Some(c.parent.clone());
        }
        if let Some(p) = self.pools.get(moid) {
            return Some(p.parent.clone());
        }
        if let Some(d) = self.datastores.get(moid) {
            if let Some(f) = &d.folder {
                return Some(f.clone());
            }
            return self
                .datacenters
                .get(&d.datacenter)
                .map(|dc| dc.datastore_folder.clone());
        }
        if let Some(n) = self.networks.get(moid) {
            if let Some(f) = &n.folder {
                return Some(f.clone());
            }
            return self
                .datacenters
                .get(&n.datacenter)
                .map(|dc| dc.network_folder.clone());
        }
        if let Some(d) = self.dvswitches.get(moid) {
            return Some(d.folder.clone());
        }
        if let Some(p) = self.storage_pods.get(moid) {
            return Some(p.parent.clone());
        }
        None
    }

    /// The datacenter an object belongs to (walking up parents).
    pub fn datacenter_of(&self, moid: &str) -> Option<String> {
        if let Some(v) = self.vms.get(moid) {
            return self.hosts.get(&v.host).map(|h| h.datacenter.clone());
        }
        let mut cur = moid.to_string();
        for _ in 0..64 {
            if self.datacenters.contains_key(&cur) {
                return Some(cur);
            }
            cur = self.parent_of(&cur)?;
        }
        None
    }

    /// A VM by name (exact, as the API spells it).
    pub fn vm_by_name(&self, name: &str) -> Option<&Vm> {
        self.vms.values().find(|v| v.config.name == name)
    }

    /// A VM by BIOS UUID or instance UUID.
    pub fn vm_by_uuid(&self, uuid: &str, instance: bool) -> Option<&Vm> {
        let u = uuid.to_ascii_lowercase();
        self.vms.values().find(|v| {
            if instance {
                v.config.instance_uuid == u
            } else {
                v.config.uuid == u
            }
        })
    }

    /// A datastore by name.
    pub fn datastore_by_name(&self, name: &str) -> Option<&Datastore> {
        self.datastores.values().find(|d| d.name == name)
    }

    /// The datastore named `name` as host `host` sees it: datacenters may each have a
    /// datastore of the same name, a host mounts its own datacenter's.
    pub fn datastore_for(&self, host: &str, name: &str) -> Option<&Datastore> {
        self.hosts
            .get(host)
            .and_then(|h| {
                h.datastores
                    .iter()
                    .filter_map(|d| self.datastores.get(d))
                    .find(|d| d.name == name)
            })
            .or_else(|| self.datastore_by_name(name))
    }

    /// The VM record, or NotFound.
    pub fn vm(&self, moid: &str) -> InvResult<&Vm> {
        self.vms
            .get(moid)
            .ok_or_else(|| InvError::NotFound(format!("VirtualMachine {moid}")))
    }

    /// The VM record for changing, or NotFound.
    pub fn vm_mut(&mut self, moid: &str) -> InvResult<&mut Vm> {
        self.vms
            .get_mut(moid)
            .ok_or_else(|| InvError::NotFound(format!("VirtualMachine {moid}")))
    }

    /// The host record, or NotFound.
    pub fn host(&self, moid: &str) -> InvResult<&Host> {
        self.hosts
            .get(moid)
            .ok_or_else(|| InvError::NotFound(format!("HostSystem {moid}")))
    }

    /// The host record for changing, or NotFound.
    pub fn host_mut(&mut self, moid: &str) -> InvResult<&mut Host> {
        self.hosts
            .get_mut(moid)
            .ok_or_else(|| InvError::NotFound(format!("HostSystem {moid}")))
    }

    /// VMs on a host.
    pub fn vms_on_host<'a>(&'a self, host: &'a str) -> impl Iterator<Item = &'a Vm> + 'a {
        let loads = self.host_loads();
        let vms: Vec<&'a Vm> = loads
            .get(host)
            .map(|l| l.vms.iter().filter_map(|id| self.vms.get(id)).collect())
            .unwrap_or_default();
        vms.into_iter()
    }

    /// What runs on each host (its VM ids, its powered-on VMs' sizes), kept until a VM
    /// record changes instead of a scan of every VM per host on every read.
    pub fn host_loads(&self) -> std::sync::Arc<HostLoads> {
        self.memo.host_loads(self.vms.last_change(), || {
            let mut loads = HostLoads::new();
            for (id, v) in self.vms.iter() {
                let load = loads.entry(v.host.clone()).or_default();
                load.vms.push(id.clone());
                if v.power_state == PowerState::PoweredOn {
                    load.running.push((v.config.num_cpu, v.config.memory_mb));
                }
            }
            loads
        })
    }

    /// VMs whose files are on a datastore (the .vmx or any disk).
    pub fn vms_on_datastore(&self, ds_name: &str) -> Vec<String> {
        let prefix = format!("[{ds_name}]");
        self.vms
            .values()
            .filter(|v| {
                v.vmx_path.starts_with(&prefix)
                    || v.config.devices.iter().any(|d| match d {
                        Device::Disk { file, .. } => file.starts_with(&prefix),
                        _ => false,
                    })
            })
            .map(|v| v.moid.clone())
            .collect()
    }
}

// ----- file helpers --------------------------------------------------------------------

// ----- ids, randomness and time ---------------------------------------------------------
