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

pub mod defaults;
pub mod model;
pub mod vmx;

pub use defaults::GenerateParams;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use model::*;

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
    pub folders: BTreeMap<String, Folder>,
    pub datacenters: BTreeMap<String, Datacenter>,
    pub computes: BTreeMap<String, Compute>,
    pub pools: BTreeMap<String, ResourcePool>,
    pub hosts: BTreeMap<String, Host>,
    pub datastores: BTreeMap<String, Datastore>,
    pub networks: BTreeMap<String, Network>,
    pub vms: BTreeMap<String, Vm>,
    /// Where the datastore directories live; not part of the file.
    #[serde(skip)]
    pub files_dir: PathBuf,
}

/// How a power-on went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PowerOnOutcome {
    /// The VM is running.
    Started,
    /// The VM asks a question first ([`Vm::question`] is set); answering it with
    /// [`World::answer_question`] finishes (or abandons) the power-on.
    Question,
}

/// A directory entry found by [`World::search_datastore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundFile {
    /// Name within its folder.
    pub name: String,
    pub is_dir: bool,
    /// Size in bytes (for a disk descriptor: the size of its flat extent).
    pub size: i64,
    /// Allocated bytes on disk.
    pub allocated: i64,
    /// Modification time, xsd:dateTime.
    pub modified: String,
}

/// One folder's result of [`World::search_datastore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundFolder {
    /// `[ds] dir` (or `[ds]` for the datastore's top).
    pub folder_path: String,
    pub files: Vec<FoundFile>,
}

/// Facts about a virtual disk read from its descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskInfo {
    pub capacity_kb: i64,
    pub thin: bool,
    pub uuid: String,
    pub adapter: String,
    pub hw_version: String,
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
            folders: BTreeMap::new(),
            datacenters: BTreeMap::new(),
            computes: BTreeMap::new(),
            pools: BTreeMap::new(),
            hosts: BTreeMap::new(),
            datastores: BTreeMap::new(),
            networks: BTreeMap::new(),
            vms: BTreeMap::new(),
            files_dir: files_dir.to_path_buf(),
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
        if vm.power_state == PowerState::PoweredOn && vm.guest == GuestInfo::default() {
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
        } else if self.pools.contains_key(moid) {
            Some("ResourcePool")
        } else if self.networks.contains_key(moid) {
            Some("Network")
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
            return self
                .datacenters
                .get(&d.datacenter)
                .map(|dc| dc.datastore_folder.clone());
        }
        if let Some(n) = self.networks.get(moid) {
            return self
                .datacenters
                .get(&n.datacenter)
                .map(|dc| dc.network_folder.clone());
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
        self.vms.values().filter(move |v| v.host == host)
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

    // ----- datastore files -------------------------------------------------------------

    /// The real path of a datastore path `[ds] dir/file`; refuses `..` and absolute parts.
    pub fn resolve(&self, ds_path: &str) -> InvResult<PathBuf> {
        let (ds, rest) = vmx::split_datastore_path(ds_path)
            .ok_or_else(|| InvError::InvalidDatastorePath(ds_path.to_string()))?;
        self.resolve_in(ds, rest)
            .ok_or_else(|| InvError::InvalidDatastorePath(ds_path.to_string()))
            .and_then(|r| r)
    }

    /// The real path of `rest` inside datastore `ds`: `None` when the path is malformed,
    /// `Some(Err)` when the datastore does not exist.
    pub fn resolve_in(&self, ds: &str, rest: &str) -> Option<InvResult<PathBuf>> {
        let rel = Path::new(rest.trim_start_matches('/'));
        for c in rel.components() {
            match c {
                Component::Normal(_) | Component::CurDir => {}
                _ => return None,
            }
        }
        if self.datastore_by_name(ds).is_none() {
            return Some(Err(InvError::InvalidDatastore(ds.to_string())));
        }
        Some(Ok(self.files_dir.join(ds).join(rel)))
    }

    /// Bytes used in a datastore: its base plus what its directory allocates.
    pub fn datastore_used(&self, ds: &Datastore) -> i64 {
        ds.base_used + dir_allocated(&self.files_dir.join(&ds.name))
    }

    /// Free bytes of a datastore (never negative).
    pub fn datastore_free(&self, ds: &Datastore) -> i64 {
        (ds.capacity - self.datastore_used(ds)).max(0)
    }

    /// Create a directory (`FileManager.MakeDirectory`).
    pub fn make_directory(&self, ds_path: &str, create_parents: bool) -> InvResult<()> {
        let p = self.resolve(ds_path)?;
        if p.exists() {
            return Err(InvError::FileAlreadyExists(ds_path.to_string()));
        }
        let r = if create_parents {
            std::fs::create_dir_all(&p)
        } else {
            std::fs::create_dir(&p)
        };
        r.map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => InvError::FileNotFound(ds_path.to_string()),
            _ => io_err(e, ds_path),
        })
    }

    /// Delete a file or directory tree (`FileManager.DeleteDatastoreFile_Task`).
    pub fn delete_file(&self, ds_path: &str) -> InvResult<()> {
        let p = self.resolve(ds_path)?;
        let meta = std::fs::symlink_metadata(&p)
            .map_err(|_| InvError::FileNotFound(ds_path.to_string()))?;
        if p == self.files_dir.join(ds_name_of(ds_path)) {
            return Err(InvError::InvalidArgument(
                "cannot delete a datastore's root".into(),
            ));
        }
        let r = if meta.is_dir() {
            std::fs::remove_dir_all(&p)
        } else {
            std::fs::remove_file(&p)
        };
        r.map_err(|e| io_err(e, ds_path))
    }

    /// Copy or move a file or directory between datastore paths.
    pub fn copy_or_move(&self, src: &str, dst: &str, force: bool, mv: bool) -> InvResult<()> {
        let s = self.resolve(src)?;
        let d = self.resolve(dst)?;
        if !s.exists() {
            return Err(InvError::FileNotFound(src.to_string()));
        }
        if d.exists() {
            if !force {
                return Err(InvError::FileAlreadyExists(dst.to_string()));
            }
            let _ = if d.is_dir() {
                std::fs::remove_dir_all(&d)
            } else {
                std::fs::remove_file(&d)
            };
        }
        if let Some(parent) = d.parent() {
            if !parent.exists() {
                return Err(InvError::FileNotFound(dst.to_string()));
            }
        }
        if mv {
            std::fs::rename(&s, &d).map_err(|e| io_err(e, src))
        } else {
            copy_tree(&s, &d).map_err(|e| io_err(e, src))
        }
    }

    /// List a datastore folder (`HostDatastoreBrowser.SearchDatastore[SubFolders]_Task`):
    /// entries matching one of `patterns` (`*`/`?` globs, empty = all), folders always
    /// listed; with `recursive`, every subfolder gives its own result. Disk flat extents are
    /// hidden behind their descriptors, as the browser does.
    pub fn search_datastore(
        &self,
        ds_path: &str,
        patterns: &[String],
        recursive: bool,
    ) -> InvResult<Vec<FoundFolder>> {
        let root = self.resolve(ds_path)?;
        if !root.is_dir() {
            return Err(InvError::FileNotFound(ds_path.to_string()));
        }
        let (ds, rest) = vmx::split_datastore_path(ds_path)
            .ok_or_else(|| InvError::InvalidDatastorePath(ds_path.to_string()))?;
        let mut out = Vec::new();
        let mut queue = vec![(root, rest.trim_end_matches('/').to_string())];
        while let Some((dir, rel)) = queue.pop() {
            let mut files = Vec::new();
            let mut entries: Vec<_> = std::fs::read_dir(&dir)
                .map_err(|e| io_err(e, ds_path))?
                .filter_map(|e| e.ok())
                .collect();
            entries.sort_by_key(|e| e.file_name());
            let names: Vec<String> = entries
                .iter()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            for (e, name) in entries.iter().zip(names.iter()) {
                let Ok(meta) = e.metadata() else { continue };
                if meta.is_dir() {
                    let sub_rel = if rel.is_empty() {
                        name.clone()
                    } else {
                        format!("{rel}/{name}")
                    };
                    if recursive {
                        queue.push((e.path(), sub_rel));
                    }
                } else if is_hidden_extent(name, &names)
                    || (!patterns.is_empty() && !patterns.iter().any(|p| glob_match(p, name)))
                {
                    continue;
                }
                let (size, allocated) = if name.ends_with(".vmdk") && !meta.is_dir() {
                    extent_size(&e.path(), &meta)
                } else {
                    (meta.len() as i64, allocated_bytes(&meta))
                };
                files.push(FoundFile {
                    name: name.clone(),
                    is_dir: meta.is_dir(),
                    size,
                    allocated,
                    modified: meta
                        .modified()
                        .map(xsd_time)
                        .unwrap_or_else(|_| xsd_time(std::time::SystemTime::UNIX_EPOCH)),
                });
            }
            let folder_path = if rel.is_empty() {
                format!("[{ds}]")
            } else {
                format!("[{ds}] {rel}")
            };
            out.push(FoundFolder { folder_path, files });
        }
        out.sort_by(|a, b| a.folder_path.cmp(&b.folder_path));
        Ok(out)
    }

    // ----- virtual disks ---------------------------------------------------------------

    /// Create a virtual disk: a descriptor at `ds_path` and a sparse `-flat.vmdk` extent.
    pub fn create_virtual_disk(
        &self,
        ds_path: &str,
        capacity_kb: i64,
        thin: bool,
        adapter: &str,
    ) -> InvResult<()> {
        self.create_disk_files(ds_path, capacity_kb, thin, adapter, true)
    }

    fn create_disk_files(
        &self,
        ds_path: &str,
        capacity_kb: i64,
        thin: bool,
        adapter: &str,
        extent: bool,
    ) -> InvResult<()> {
        if !ds_path.ends_with(".vmdk") {
            return Err(InvError::InvalidArgument(format!(
                "disk name '{ds_path}' must end in .vmdk"
            )));
        }
        // Up to 62 TB, the largest virtual disk VMFS allows.
        if capacity_kb <= 0 || capacity_kb > 62 * 1024 * 1024 * 1024 {
            return Err(InvError::InvalidArgument("capacityKb".into()));
        }
        let desc = self.resolve(ds_path)?;
        if desc.exists() {
            return Err(InvError::FileAlreadyExists(ds_path.to_string()));
        }
        let parent = desc
            .parent()
            .ok_or_else(|| InvError::InvalidDatastorePath(ds_path.to_string()))?;
        if !parent.is_dir() {
            return Err(InvError::FileNotFound(ds_path.to_string()));
        }
        let flat = flat_of(&desc);
        let flat_name = flat
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let uuid = random_uuid_bytes();
        let text = disk_descriptor(capacity_kb, thin, adapter, &flat_name, &uuid);
        std::fs::write(&desc, text).map_err(|e| io_err(e, ds_path))?;
        if extent {
            let f = std::fs::File::create(&flat).map_err(|e| io_err(e, ds_path))?;
            f.set_len((capacity_kb as u64).saturating_mul(1024))
                .map_err(|e| io_err(e, ds_path))?;
        }
        Ok(())
    }

    /// Read a disk descriptor.
    pub fn disk_info(&self, ds_path: &str) -> InvResult<DiskInfo> {
        let desc = self.resolve(ds_path)?;
        let text = std::fs::read_to_string(&desc)
            .map_err(|_| InvError::FileNotFound(ds_path.to_string()))?;
        parse_descriptor(&text)
            .ok_or_else(|| InvError::InvalidArgument(format!("{ds_path} is not a virtual disk")))
    }

    /// Copy a virtual disk (descriptor and extent) to a new name.
    pub fn copy_virtual_disk(&self, src: &str, dst: &str, force: bool) -> InvResult<()> {
        let info = self.disk_info(src)?;
        let s = self.resolve(src)?;
        let d = self.resolve(dst)?;
        if !dst.ends_with(".vmdk") {
            return Err(InvError::InvalidArgument(format!(
                "disk name '{dst}' must end in .vmdk"
            )));
        }
        if d.exists() && !force {
            return Err(InvError::FileAlreadyExists(dst.to_string()));
        }
        if !d.parent().map(|p| p.is_dir()).unwrap_or(false) {
            return Err(InvError::FileNotFound(dst.to_string()));
        }
        let dflat = flat_of(&d);
        let flat_name = dflat
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = disk_descriptor(
            info.capacity_kb,
            info.thin,
            &info.adapter,
            &flat_name,
            &random_uuid_bytes(),
        );
        std::fs::write(&d, text).map_err(|e| io_err(e, dst))?;
        let sflat = flat_of(&s);
        if sflat.exists() {
            copy_sparse(&sflat, &dflat).map_err(|e| io_err(e, dst))?;
        } else {
            let f = std::fs::File::create(&dflat).map_err(|e| io_err(e, dst))?;
            f.set_len((info.capacity_kb as u64).saturating_mul(1024))
                .map_err(|e| io_err(e, dst))?;
        }
        Ok(())
    }

    /// Delete a virtual disk (descriptor and extent).
    pub fn delete_virtual_disk(&self, ds_path: &str) -> InvResult<()> {
        let d = self.resolve(ds_path)?;
        if !d.is_file() {
            return Err(InvError::FileNotFound(ds_path.to_string()));
        }
        let in_use = self.vms.values().any(|v| {
            v.power_state != PowerState::PoweredOff
                && v.config
                    .devices
                    .iter()
                    .any(|dev| matches!(dev, Device::Disk { file, .. } if file == ds_path))
        });
        if in_use {
            return Err(InvError::InvalidState(format!(
                "The disk {ds_path} is in use by a running virtual machine"
            )));
        }
        let flat = flat_of(&d);
        std::fs::remove_file(&d).map_err(|e| io_err(e, ds_path))?;
        if flat.exists() {
            std::fs::remove_file(&flat).map_err(|e| io_err(e, ds_path))?;
        }
        Ok(())
    }

    /// Zero-fill a disk: its extent becomes fully allocated zeros, and thick.
    pub fn zero_fill_virtual_disk(&self, ds_path: &str) -> InvResult<()> {
        let info = self.disk_info(ds_path)?;
        let d = self.resolve(ds_path)?;
        let flat = flat_of(&d);
        // Write zeros for real only for small disks; a big extent is re-created sparse, which
        // reads back as zeros just the same.
        let len = (info.capacity_kb as u64).saturating_mul(1024);
        let f = std::fs::File::create(&flat).map_err(|e| io_err(e, ds_path))?;
        if len <= 64 * 1024 * 1024 {
            let mut w = std::io::BufWriter::new(&f);
            let chunk = vec![0u8; 1 << 20];
            let mut left = len;
            while left > 0 {
                let n = left.min(chunk.len() as u64) as usize;
                w.write_all(&chunk[..n]).map_err(|e| io_err(e, ds_path))?;
                left -= n as u64;
            }
            w.flush().map_err(|e| io_err(e, ds_path))?;
        } else {
            f.set_len(len).map_err(|e| io_err(e, ds_path))?;
        }
        let flat_name = flat
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let uuid = hex_to_bytes(&info.uuid);
        let text = disk_descriptor(info.capacity_kb, false, &info.adapter, &flat_name, &uuid);
        std::fs::write(&d, text).map_err(|e| io_err(e, ds_path))
    }

    // ----- VM files --------------------------------------------------------------------

    fn path_context<'a>(&'a self, vmx_path: &'a str) -> vmx::PathContext<'a> {
        let (ds, rest) = vmx::split_datastore_path(vmx_path).unwrap_or(("", vmx_path));
        let directory = rest.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        vmx::PathContext {
            datastore: ds,
            directory,
            datastores: self
                .datastores
                .values()
                .map(|d| (d.name.clone(), d.uuid.clone()))
                .collect(),
        }
    }

    /// The .vmx text of a VM as the model has it.
    pub fn render_vmx(&self, moid: &str) -> InvResult<String> {
        let vm = self.vm(moid)?;
        Ok(vmx::config_to_vmx(
            &vm.config,
            &self.path_context(&vm.vmx_path),
        ))
    }

    /// Write a VM's .vmx file (after every configuration change).
    pub fn write_vmx(&self, moid: &str) -> InvResult<()> {
        let vm = self.vm(moid)?;
        let text = vmx::config_to_vmx(&vm.config, &self.path_context(&vm.vmx_path));
        let path = self.resolve(&vm.vmx_path)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io_err(e, &vm.vmx_path))?;
        }
        std::fs::write(&path, text).map_err(|e| io_err(e, &vm.vmx_path))
    }

    /// Parse a .vmx file of a datastore into a configuration, with disk capacities filled in
    /// from their descriptors.
    pub fn read_vmx(&self, vmx_path: &str) -> InvResult<VmConfig> {
        let path = self.resolve(vmx_path)?;
        let bytes =
            std::fs::read(&path).map_err(|_| InvError::FileNotFound(vmx_path.to_string()))?;
        // The strict VMX layer first (it honours .encoding); what it refuses but libvirt's
        // own reader accepts (a quoted value spanning lines, as libvirt writes multi-line
        // annotations) goes through the lenient reader.
        let map = match esxvirt_vmx::file::VmxFile::parse(&bytes) {
            Ok(file) => vmx::VmxMap {
                entries: file
                    .entries()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            },
            Err(e) => {
                let text = std::str::from_utf8(&bytes).map_err(|_| InvError::InvalidVmx {
                    path: vmx_path.to_string(),
                    reason: e.to_string(),
                })?;
                if bytes.contains(&0) {
                    return Err(InvError::InvalidVmx {
                        path: vmx_path.to_string(),
                        reason: e.to_string(),
                    });
                }
                vmx::VmxMap::parse(text)
            }
        };
        let mut cfg =
            vmx::config_from_entries(&map, &self.path_context(vmx_path)).map_err(|reason| {
                InvError::InvalidVmx {
                    path: vmx_path.to_string(),
                    reason,
                }
            })?;
        for d in cfg.devices.iter_mut() {
            if let Device::Disk {
                file,
                capacity_kb,
                thin,
                ..
            } = d
            {
                if let Ok(info) = self.disk_info(file) {
                    *capacity_kb = info.capacity_kb;
                    *thin = info.thin;
                }
            }
        }
        Ok(cfg)
    }

    // ----- register / unregister / destroy ----------------------------------------------

    /// Register the VM whose .vmx is at `vmx_path` (`Folder.RegisterVM_Task`): the name is
    /// `name` if given, else the file's displayName. Fails with AlreadyExists when the file is
    /// registered already and DuplicateName when the folder has a VM of that name.
    pub fn register_vm(
        &mut self,
        folder: &str,
        vmx_path: &str,
        name: Option<&str>,
        pool: Option<&str>,
        host: Option<&str>,
    ) -> InvResult<String> {
        if !self.folders.contains_key(folder) {
            return Err(InvError::NotFound(format!("Folder {folder}")));
        }
        if self.vms.values().any(|v| v.vmx_path == vmx_path) {
            return Err(InvError::AlreadyExists(vmx_path.to_string()));
        }
        let mut cfg = self.read_vmx(vmx_path)?;
        if let Some(n) = name {
            cfg.name = n.to_string();
        }
        if self
            .vms
            .values()
            .any(|v| v.folder == folder && v.config.name == cfg.name)
        {
            return Err(InvError::DuplicateName(cfg.name));
        }
        let host = match host {
            Some(h) => self.host(h)?.moid.clone(),
            None => match pool.and_then(|p| self.pool_host(p)) {
                Some(h) => h,
                None => self
                    .hosts
                    .keys()
                    .next()
                    .cloned()
                    .ok_or_else(|| InvError::NotFound("HostSystem".into()))?,
            },
        };
        let pool = match pool {
            Some(p) => p.to_string(),
            None => self.host_root_pool(&host).unwrap_or_default(),
        };
        let mut changed = false;
        if cfg.uuid.is_empty() {
            cfg.uuid = random_uuid();
            changed = true;
        }
        if cfg.instance_uuid.is_empty() {
            // Kept in memory; the file gets it with the next configuration change.
            cfg.instance_uuid = random_uuid();
        }
        let moid = self.alloc_vm_id();
        let vm = Vm {
            moid: moid.clone(),
            host,
            folder: folder.to_string(),
            resource_pool: pool,
            vmx_path: vmx_path.to_string(),
            guest: GuestInfo::default(),
            guest_when_running: default_guest_for(&cfg),
            config: cfg,
            power_state: PowerState::PoweredOff,
            boot_time: None,
            question: None,
            snapshots: Vec::new(),
            current_snapshot: None,
            template: false,
            next_snapshot_id: 1,
            pending_task: None,
        };
        self.vms.insert(moid.clone(), vm);
        if let Some(f) = self.folders.get_mut(folder) {
            f.children.push(moid.clone());
        }
        if changed {
            // A real host writes the generated UUIDs back into the file.
            self.write_vmx(&moid)?;
        }
        Ok(moid)
    }

    /// The host of a resource pool.
    pub fn pool_host(&self, pool: &str) -> Option<String> {
        let p = self.pools.get(pool)?;
        self.computes
            .get(&p.owner)
            .and_then(|c| c.hosts.first().cloned())
    }

    /// The root resource pool of a host's compute resource.
    pub fn host_root_pool(&self, host: &str) -> Option<String> {
        let h = self.hosts.get(host)?;
        self.computes
            .get(&h.parent)
            .map(|c| c.resource_pool.clone())
    }

    /// Remove a VM from the inventory, keeping its files (`UnregisterVM`); it must be
    /// powered off.
    pub fn unregister_vm(&mut self, moid: &str) -> InvResult<Vm> {
        let vm = self.vm(moid)?;
        if vm.power_state != PowerState::PoweredOff {
            return Err(InvError::InvalidPowerState {
                current: vm.power_state,
                requested: Some(PowerState::PoweredOff),
            });
        }
        let vm = self
            .vms
            .remove(moid)
            .ok_or_else(|| InvError::NotFound(moid.to_string()))?;
        if let Some(f) = self.folders.get_mut(&vm.folder) {
            f.children.retain(|c| c != moid);
        }
        for h in self.hosts.values_mut() {
            h.autostart.power_info.retain(|p| p.vm != moid);
        }
        Ok(vm)
    }

    /// Unregister a VM and delete its directory (`Destroy_Task`).
    pub fn destroy_vm(&mut self, moid: &str) -> InvResult<()> {
        let vmx_path = self.vm(moid)?.vmx_path.clone();
        let disks: Vec<String> = vm_disks(self.vm(moid)?).into_iter().map(|d| d.0).collect();
        self.unregister_vm(moid)?;
        for d in disks {
            let _ = self.delete_virtual_disk(&d);
        }
        if let Ok(p) = self.resolve(&vmx_path) {
            if let Some(dir) = p.parent() {
                // Only the VM's own directory, never a datastore root.
                let is_root = self
                    .datastores
                    .values()
                    .any(|d| self.files_dir.join(&d.name) == dir);
                if !is_root {
                    let _ = std::fs::remove_dir_all(dir);
                } else {
                    let _ = std::fs::remove_file(&p);
                }
            }
        }
        Ok(())
    }

    // ----- power state machine ---------------------------------------------------------

    /// Start a VM. A VM with a file-backed serial port asks a question first.
    pub fn power_on(&mut self, moid: &str) -> InvResult<PowerOnOutcome> {
        let vm = self.vm(moid)?;
        if vm.question.is_some() {
            return Err(InvError::InvalidState(
                "The virtual machine is waiting for an answer to a question".into(),
            ));
        }
        match vm.power_state {
            PowerState::PoweredOn => {
                return Err(InvError::InvalidPowerState {
                    current: PowerState::PoweredOn,
                    requested: Some(PowerState::PoweredOn),
                })
            }
            PowerState::Suspended => {
                // Resuming a suspended VM does not re-open its ports.
                self.finish_power_on(moid)?;
                return Ok(PowerOnOutcome::Started);
            }
            PowerState::PoweredOff => {}
        }
        let serial_file = vm.config.devices.iter().find_map(|d| match d {
            Device::Serial {
                backing: PortBacking::File { path },
                ..
            } => Some(path.clone()),
            _ => None,
        });
        if let Some(path) = serial_file {
            let id = self.alloc_id();
            let vm = self.vm_mut(moid)?;
            vm.question = Some(Question {
                id: format!("_vmx{id}"),
                text: format!(
                    "The file specified for serial port \"{path}\" is in use or already exists. \
                     Do you want to append the output to the file or replace its contents?"
                ),
                choices: vec![
                    ("0".into(), "Append".into(), "Append".into()),
                    ("1".into(), "Replace".into(), "Replace".into()),
                    ("2".into(), "Cancel".into(), "Cancel".into()),
                ],
                default_index: 0,
                purpose: "power-on".into(),
                message_id: "msg.serial.file.open".into(),
            });
            return Ok(PowerOnOutcome::Question);
        }
        self.finish_power_on(moid)?;
        Ok(PowerOnOutcome::Started)
    }

    fn finish_power_on(&mut self, moid: &str) -> InvResult<()> {
        let vm = self.vm_mut(moid)?;
        vm.power_state = PowerState::PoweredOn;
        vm.boot_time = Some(xsd_time(std::time::SystemTime::now()));
        vm.guest = vm.guest_when_running.clone();
        vm.guest.tools_running = true;
        Ok(())
    }

    /// Answer a pending question: returns `Ok(true)` when the power-on it blocked went ahead,
    /// `Ok(false)` when the answer cancelled it. Unknown choices are InvalidArgument.
    pub fn answer_question(
        &mut self,
        moid: &str,
        question_id: &str,
        choice: &str,
    ) -> InvResult<bool> {
        let vm = self.vm(moid)?;
        let Some(q) = vm.question.clone() else {
            return Err(InvError::InvalidArgument("questionId".into()));
        };
        if q.id != question_id {
            return Err(InvError::InvalidArgument("questionId".into()));
        }
        let Some((_, label, _)) = q.choices.iter().find(|(k, _, _)| k == choice) else {
            return Err(InvError::InvalidArgument("answerChoice".into()));
        };
        let label = label.clone();
        self.vm_mut(moid)?.question = None;
        if label == "Cancel" {
            return Ok(false);
        }
        // Replace truncates the serial output file; Append keeps it.
        if label == "Replace" {
            let files: Vec<String> = self
                .vm(moid)?
                .config
                .devices
                .iter()
                .filter_map(|d| match d {
                    Device::Serial {
                        backing: PortBacking::File { path },
                        ..
                    } => Some(path.clone()),
                    _ => None,
                })
                .collect();
            for f in files {
                if let Ok(p) = self.resolve(&f) {
                    let _ = std::fs::write(p, b"");
                }
            }
        }
        self.finish_power_on(moid)?;
        Ok(true)
    }

    fn require_state(
        &self,
        moid: &str,
        allowed: &[PowerState],
        requested: PowerState,
    ) -> InvResult<()> {
        let vm = self.vm(moid)?;
        if allowed.contains(&vm.power_state) {
            Ok(())
        } else {
            Err(InvError::InvalidPowerState {
                current: vm.power_state,
                requested: Some(requested),
            })
        }
    }

    /// Hard power-off (from on or suspended).
    pub fn power_off(&mut self, moid: &str) -> InvResult<()> {
        self.require_state(
            moid,
            &[PowerState::PoweredOn, PowerState::Suspended],
            PowerState::PoweredOff,
        )?;
        let vm = self.vm_mut(moid)?;
        vm.power_state = PowerState::PoweredOff;
        vm.boot_time = None;
        vm.guest = GuestInfo::default();
        Ok(())
    }

    /// Suspend a running VM.
    pub fn suspend(&mut self, moid: &str) -> InvResult<()> {
        self.require_state(moid, &[PowerState::PoweredOn], PowerState::Suspended)?;
        let vm = self.vm_mut(moid)?;
        vm.power_state = PowerState::Suspended;
        vm.guest.tools_running = false;
        Ok(())
    }

    /// Reset a running VM.
    pub fn reset(&mut self, moid: &str) -> InvResult<()> {
        self.require_state(moid, &[PowerState::PoweredOn], PowerState::PoweredOn)?;
        self.finish_power_on(moid)
    }

    /// Guest shutdown (tools must run).
    pub fn shutdown_guest(&mut self, moid: &str) -> InvResult<()> {
        self.require_state(moid, &[PowerState::PoweredOn], PowerState::PoweredOff)?;
        if !self.vm(moid)?.guest.tools_running {
            return Err(InvError::ToolsUnavailable);
        }
        self.power_off(moid)
    }

    /// Guest reboot (tools must run).
    pub fn reboot_guest(&mut self, moid: &str) -> InvResult<()> {
        self.require_state(moid, &[PowerState::PoweredOn], PowerState::PoweredOn)?;
        if !self.vm(moid)?.guest.tools_running {
            return Err(InvError::ToolsUnavailable);
        }
        self.finish_power_on(moid)
    }

    // ----- snapshots -------------------------------------------------------------------

    /// Find a snapshot by id: (owning VM id, node).
    pub fn find_snapshot(&self, snap: &str) -> Option<(String, &Snapshot)> {
        // Snapshot ids embed nothing reliable on vCenter, so search every VM's tree.
        for vm in self.vms.values() {
            if let Some(s) = find_in(&vm.snapshots, snap) {
                return Some((vm.moid.clone(), s));
            }
        }
        None
    }

    /// Take a snapshot; it becomes the current one, a child of the previous current.
    pub fn create_snapshot(
        &mut self,
        moid: &str,
        name: &str,
        description: &str,
        memory: bool,
        quiesce: bool,
    ) -> InvResult<String> {
        let kind = self.kind;
        let global = self.alloc_id();
        let vm_dir_path = {
            let vm = self.vm(moid)?;
            vm.vmx_path.rsplit_once('/').map(|(d, _)| d.to_string())
        };
        let vm = self.vm_mut(moid)?;
        if vm.question.is_some() {
            return Err(InvError::InvalidState(
                "The virtual machine is waiting for an answer to a question".into(),
            ));
        }
        let id = vm.next_snapshot_id;
        vm.next_snapshot_id += 1;
        let snap_moid = match kind {
            ServerKind::Esx => format!("{moid}-snapshot-{id}"),
            ServerKind::Vcenter => format!("snapshot-{global}"),
        };
        let state = if memory && vm.power_state == PowerState::PoweredOn {
            PowerState::PoweredOn
        } else if vm.power_state == PowerState::Suspended {
            PowerState::Suspended
        } else {
            PowerState::PoweredOff
        };
        let node = Snapshot {
            moid: snap_moid.clone(),
            id,
            name: name.to_string(),
            description: description.to_string(),
            create_time: xsd_time(std::time::SystemTime::now()),
            state,
            quiesced: quiesce,
            config: vm.config.clone(),
            children: Vec::new(),
        };
        match vm.current_snapshot.clone() {
            Some(cur) => match find_in_mut(&mut vm.snapshots, &cur) {
                Some(parent) => parent.children.push(node),
                None => vm.snapshots.push(node),
            },
            None => vm.snapshots.push(node),
        }
        vm.current_snapshot = Some(snap_moid.clone());
        let vm_name = vm.config.name.clone();
        // The snapshot state file, as the host writes it next to the .vmx.
        if let Some(dir) = vm_dir_path {
            let file = format!(
                "{dir}/{}-Snapshot{id}.vmsn",
                esxvirt_util::escape_datastore_item(&vm_name)
            );
            if let Ok(p) = self.resolve(&file) {
                let _ = std::fs::write(p, format!("snapshot {id} of {vm_name}\n"));
            }
        }
        self.write_vmsd(moid);
        Ok(snap_moid)
    }

    /// Revert to a snapshot: its configuration and power state come back, and it becomes
    /// current.
    pub fn revert_snapshot(&mut self, snap: &str) -> InvResult<String> {
        let (vm_id, node) = self
            .find_snapshot(snap)
            .ok_or_else(|| InvError::NotFound(format!("VirtualMachineSnapshot {snap}")))?;
        let cfg = node.config.clone();
        let state = node.state;
        let vm = self.vm_mut(&vm_id)?;
        if vm.question.is_some() {
            return Err(InvError::InvalidState(
                "The virtual machine is waiting for an answer to a question".into(),
            ));
        }
        vm.config = cfg;
        vm.current_snapshot = Some(snap.to_string());
        match state {
            PowerState::PoweredOn => {
                self.finish_power_on(&vm_id)?;
            }
            other => {
                let vm = self.vm_mut(&vm_id)?;
                vm.power_state = other;
                vm.boot_time = None;
                vm.guest = GuestInfo::default();
            }
        }
        self.write_vmx(&vm_id)?;
        Ok(vm_id)
    }

    /// Remove a snapshot; its children move up to its parent unless `remove_children`, which
    /// removes the whole subtree. The current snapshot, if removed, becomes the parent.
    pub fn remove_snapshot(&mut self, snap: &str, remove_children: bool) -> InvResult<String> {
        let (vm_id, _) = self
            .find_snapshot(snap)
            .ok_or_else(|| InvError::NotFound(format!("VirtualMachineSnapshot {snap}")))?;
        let vm_dir = self
            .vm(&vm_id)?
            .vmx_path
            .rsplit_once('/')
            .map(|(d, _)| d.to_string());
        let vm = self.vm_mut(&vm_id)?;
        let parent = parent_of_snapshot(&vm.snapshots, snap, None);
        let Some(removed) = remove_from(&mut vm.snapshots, snap) else {
            return Err(InvError::NotFound(format!("VirtualMachineSnapshot {snap}")));
        };
        let mut gone: Vec<(String, i32)> = vec![(removed.moid.clone(), removed.id)];
        if remove_children {
            collect_ids(&removed.children, &mut gone);
        } else {
            // Children take the removed node's place under its parent.
            let target = match &parent {
                Some(p) => find_in_mut(&mut vm.snapshots, p).map(|n| &mut n.children),
                None => Some(&mut vm.snapshots),
            };
            if let Some(list) = target {
                list.extend(removed.children.clone());
            }
        }
        if let Some(cur) = vm.current_snapshot.clone() {
            if gone.iter().any(|(m, _)| *m == cur) {
                vm.current_snapshot = parent.clone();
            }
        }
        let vm_name = vm.config.name.clone();
        if let Some(dir) = vm_dir {
            for (_, id) in &gone {
                let file = format!(
                    "{dir}/{}-Snapshot{id}.vmsn",
                    esxvirt_util::escape_datastore_item(&vm_name)
                );
                if let Ok(p) = self.resolve(&file) {
                    let _ = std::fs::remove_file(p);
                }
            }
        }
        self.write_vmsd(&vm_id);
        Ok(vm_id)
    }

    /// Rewrite the VM's .vmsd snapshot index (best effort; clients never read it).
    fn write_vmsd(&self, moid: &str) {
        let Ok(vm) = self.vm(moid) else { return };
        let Some(vmsd) = vm
            .vmx_path
            .strip_suffix(".vmx")
            .map(|b| format!("{b}.vmsd"))
        else {
            return;
        };
        let mut text = String::from(".encoding = \"UTF-8\"\n");
        let mut all = Vec::new();
        flatten(&vm.snapshots, None, &mut all);
        text.push_str(&format!("snapshot.numSnapshots = \"{}\"\n", all.len()));
        if let Some(cur) = &vm.current_snapshot {
            if let Some(n) = find_in(&vm.snapshots, cur) {
                text.push_str(&format!("snapshot.current = \"{}\"\n", n.id));
            }
        }
        for (i, (node, parent)) in all.iter().enumerate() {
            text.push_str(&format!("snapshot{i}.uid = \"{}\"\n", node.id));
            text.push_str(&format!(
                "snapshot{i}.displayName = \"{}\"\n",
                esxvirt_util::escape_pipe(&node.name)
            ));
            if let Some(p) = parent {
                text.push_str(&format!("snapshot{i}.parent = \"{p}\"\n"));
            }
        }
        if let Ok(p) = self.resolve(&vmsd) {
            let _ = std::fs::write(p, text);
        }
    }

    // ----- networking ------------------------------------------------------------------

    /// Make sure a Network object exists for a port-group name in the host's datacenter.
    pub fn ensure_network(&mut self, host: &str, name: &str) -> String {
        let dc = self
            .hosts
            .get(host)
            .map(|h| h.datacenter.clone())
            .unwrap_or_default();
        if let Some(n) = self
            .networks
            .values()
            .find(|n| n.name == name && n.datacenter == dc)
        {
            return n.moid.clone();
        }
        let moid = match self.kind {
            ServerKind::Esx => format!("HaNetwork-{name}"),
            ServerKind::Vcenter => format!("network-{}", self.alloc_id()),
        };
        self.networks.insert(
            moid.clone(),
            Network {
                moid: moid.clone(),
                name: name.to_string(),
                datacenter: dc,
            },
        );
        moid
    }

    /// Drop Network objects no port group or VM refers to any more.
    pub fn prune_networks(&mut self) {
        let used: std::collections::HashSet<(String, String)> = self
            .hosts
            .values()
            .flat_map(|h| {
                h.portgroups
                    .iter()
                    .map(move |p| (p.name.clone(), h.datacenter.clone()))
            })
            .collect();
        self.networks
            .retain(|_, n| used.contains(&(n.name.clone(), n.datacenter.clone())));
    }

    /// Network objects a host's port groups back.
    pub fn host_networks(&self, host: &str) -> Vec<String> {
        let Some(h) = self.hosts.get(host) else {
            return Vec::new();
        };
        self.networks
            .values()
            .filter(|n| {
                n.datacenter == h.datacenter && h.portgroups.iter().any(|p| p.name == n.name)
            })
            .map(|n| n.moid.clone())
            .collect()
    }

    /// Network objects a VM's NICs connect to.
    pub fn vm_networks(&self, vm: &Vm) -> Vec<String> {
        let dc = self
            .hosts
            .get(&vm.host)
            .map(|h| h.datacenter.clone())
            .unwrap_or_default();
        let mut out = Vec::new();
        for d in &vm.config.devices {
            if let Device::Nic { network, .. } = d {
                if let Some(n) = self
                    .networks
                    .values()
                    .find(|n| &n.name == network && n.datacenter == dc)
                {
                    if !out.contains(&n.moid) {
                        out.push(n.moid.clone());
                    }
                }
            }
        }
        out
    }

    /// Datastores a VM has files on.
    pub fn vm_datastores(&self, vm: &Vm) -> Vec<String> {
        let mut names = Vec::new();
        if let Some((ds, _)) = vmx::split_datastore_path(&vm.vmx_path) {
            names.push(ds.to_string());
        }
        for d in &vm.config.devices {
            let f = match d {
                Device::Disk { file, .. } => Some(file.as_str()),
                Device::Cdrom { iso: Some(i), .. } => Some(i.as_str()),
                _ => None,
            };
            if let Some((ds, _)) = f.and_then(vmx::split_datastore_path) {
                if !names.iter().any(|n| n == ds) {
                    names.push(ds.to_string());
                }
            }
        }
        names
            .iter()
            .filter_map(|n| self.datastore_by_name(n).map(|d| d.moid.clone()))
            .collect()
    }
}

/// (path, capacity KB, thin) of each disk of a VM.
pub fn vm_disks(vm: &Vm) -> Vec<(String, i64, bool)> {
    vm.config
        .devices
        .iter()
        .filter_map(|d| match d {
            Device::Disk {
                file,
                capacity_kb,
                thin,
                ..
            } => Some((file.clone(), *capacity_kb, *thin)),
            _ => None,
        })
        .collect()
}

/// Guest info the simulated tools report for a VM once it runs: a host name from the VM name
/// and one address per NIC in 192.168.x.y derived from its MAC.
pub fn default_guest_for(cfg: &VmConfig) -> GuestInfo {
    let mut nics = Vec::new();
    for (i, d) in cfg.devices.iter().enumerate() {
        if let Device::Nic {
            mac,
            network,
            index,
            ..
        } = d
        {
            let bytes = hex_to_bytes(mac);
            let (a, b) = (
                bytes.get(4).copied().unwrap_or(0),
                bytes.get(5).copied().unwrap_or(i as u8),
            );
            nics.push(GuestNic {
                mac: mac.clone(),
                network: network.clone(),
                device_config_id: 4000 + *index as i32,
                ips: vec![(format!("192.168.{}.{}", a, b.max(2)), 24)],
            });
        }
    }
    let host = cfg
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>();
    GuestInfo {
        host_name: Some(host),
        full_name: None,
        nics,
        tools_running: true,
    }
}

fn ds_name_of(ds_path: &str) -> &str {
    vmx::split_datastore_path(ds_path)
        .map(|(d, _)| d)
        .unwrap_or("")
}

fn find_in<'a>(list: &'a [Snapshot], moid: &str) -> Option<&'a Snapshot> {
    for s in list {
        if s.moid == moid {
            return Some(s);
        }
        if let Some(f) = find_in(&s.children, moid) {
            return Some(f);
        }
    }
    None
}

fn find_in_mut<'a>(list: &'a mut [Snapshot], moid: &str) -> Option<&'a mut Snapshot> {
    for s in list.iter_mut() {
        if s.moid == moid {
            return Some(s);
        }
        if let Some(f) = find_in_mut(&mut s.children, moid) {
            return Some(f);
        }
    }
    None
}

/// The parent snapshot of `moid` (None for a root or when absent).
pub fn parent_of_snapshot(list: &[Snapshot], moid: &str, parent: Option<&str>) -> Option<String> {
    for s in list {
        if s.moid == moid {
            return parent.map(|p| p.to_string());
        }
        if let Some(p) = parent_of_snapshot(&s.children, moid, Some(&s.moid)) {
            return Some(p);
        }
    }
    None
}

fn remove_from(list: &mut Vec<Snapshot>, moid: &str) -> Option<Snapshot> {
    if let Some(pos) = list.iter().position(|s| s.moid == moid) {
        return Some(list.remove(pos));
    }
    for s in list.iter_mut() {
        if let Some(r) = remove_from(&mut s.children, moid) {
            return Some(r);
        }
    }
    None
}

fn collect_ids(list: &[Snapshot], out: &mut Vec<(String, i32)>) {
    for s in list {
        out.push((s.moid.clone(), s.id));
        collect_ids(&s.children, out);
    }
}

fn flatten<'a>(
    list: &'a [Snapshot],
    parent: Option<i32>,
    out: &mut Vec<(&'a Snapshot, Option<i32>)>,
) {
    for s in list {
        out.push((s, parent));
        flatten(&s.children, Some(s.id), out);
    }
}

/// Every snapshot of a tree, depth first, with its parent's id.
pub fn all_snapshots(list: &[Snapshot]) -> Vec<&Snapshot> {
    let mut out = Vec::new();
    flatten(list, None, &mut out);
    out.into_iter().map(|(s, _)| s).collect()
}

// ----- file helpers --------------------------------------------------------------------

fn flat_of(desc: &Path) -> PathBuf {
    let s = desc.to_string_lossy();
    let base = s.strip_suffix(".vmdk").unwrap_or(&s);
    PathBuf::from(format!("{base}-flat.vmdk"))
}

/// `x-flat.vmdk` (and `-delta`, `-ctk`, `-sesparse`) is hidden when `x.vmdk` exists.
fn is_hidden_extent(name: &str, siblings: &[String]) -> bool {
    for suffix in ["-flat.vmdk", "-delta.vmdk", "-ctk.vmdk", "-sesparse.vmdk"] {
        if let Some(base) = name.strip_suffix(suffix) {
            let desc = format!("{base}.vmdk");
            return siblings.contains(&desc);
        }
    }
    false
}

fn allocated_bytes(meta: &std::fs::Metadata) -> i64 {
    use std::os::unix::fs::MetadataExt;
    (meta.blocks() as i64) * 512
}

/// (size, allocated) of a .vmdk: its flat extent's when it is a descriptor.
fn extent_size(desc: &Path, meta: &std::fs::Metadata) -> (i64, i64) {
    let flat = flat_of(desc);
    match std::fs::metadata(&flat) {
        Ok(m) => {
            let thin = std::fs::read_to_string(desc)
                .ok()
                .and_then(|t| parse_descriptor(&t))
                .map(|i| i.thin)
                .unwrap_or(true);
            let alloc = if thin {
                allocated_bytes(&m)
            } else {
                m.len() as i64
            };
            (m.len() as i64, alloc)
        }
        Err(_) => (meta.len() as i64, allocated_bytes(meta)),
    }
}

fn dir_allocated(dir: &Path) -> i64 {
    let mut total = 0i64;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let Ok(m) = e.metadata() else { continue };
            if m.is_dir() {
                stack.push(e.path());
                continue;
            }
            let path = e.path();
            // A thick disk's extent is sparse here but takes its full size on a real VMFS.
            let thick_extent = path
                .to_str()
                .and_then(|p| p.strip_suffix("-flat.vmdk"))
                .and_then(|base| std::fs::read_to_string(format!("{base}.vmdk")).ok())
                .and_then(|t| parse_descriptor(&t))
                .is_some_and(|i| !i.thin);
            total += if thick_extent {
                m.len() as i64
            } else {
                allocated_bytes(&m).max(if m.len() < 4096 { m.len() as i64 } else { 0 })
            };
        }
    }
    total
}

fn copy_tree(s: &Path, d: &Path) -> std::io::Result<()> {
    if s.is_dir() {
        std::fs::create_dir(d)?;
        for e in std::fs::read_dir(s)? {
            let e = e?;
            copy_tree(&e.path(), &d.join(e.file_name()))?;
        }
        Ok(())
    } else if s.to_string_lossy().ends_with("-flat.vmdk") {
        copy_sparse(s, d)
    } else {
        std::fs::copy(s, d).map(|_| ())
    }
}

/// Copy keeping holes: only non-zero 64 KiB blocks are written.
fn copy_sparse(s: &Path, d: &Path) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut src = std::fs::File::open(s)?;
    let len = src.metadata()?.len();
    let mut dst = std::fs::File::create(d)?;
    let mut buf = vec![0u8; 64 * 1024];
    let meta = src.metadata()?;
    // An extent with nothing allocated is all holes: just size the copy.
    if allocated_bytes(&meta) == 0 {
        dst.set_len(len)?;
        return Ok(());
    }
    loop {
        let n = src.read(&mut buf)?;
        if n == 0 {
            break;
        }
        if buf[..n].iter().all(|&b| b == 0) {
            dst.seek(SeekFrom::Current(n as i64))?;
        } else {
            dst.write_all(&buf[..n])?;
        }
    }
    dst.set_len(len)?;
    Ok(())
}

fn disk_descriptor(
    capacity_kb: i64,
    thin: bool,
    adapter: &str,
    flat_name: &str,
    uuid: &[u8],
) -> String {
    let sectors = capacity_kb.saturating_mul(2);
    let cylinders = (sectors / (255 * 63)).clamp(1, 16383);
    let uuid_txt = uuid
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if i == 0 {
                format!("{b:02x}")
            } else if i == 8 {
                format!("-{b:02x}")
            } else {
                format!(" {b:02x}")
            }
        })
        .collect::<String>();
    format!(
        "# Disk DescriptorFile\nversion=1\nencoding=\"UTF-8\"\nCID=fffffffe\nparentCID=ffffffff\n\
         createType=\"vmfs\"\n\n# Extent description\nRW {sectors} VMFS \"{flat_name}\"\n\n\
         # The Disk Data Base\n#DDB\n\nddb.adapterType = \"{adapter}\"\nddb.geometry.cylinders = \"{cylinders}\"\n\
         ddb.geometry.heads = \"255\"\nddb.geometry.sectors = \"63\"\nddb.longContentID = \"0000000000000000fffffffe\"\n\
         ddb.thinProvisioned = \"{}\"\nddb.uuid = \"{uuid_txt}\"\nddb.virtualHWVersion = \"14\"\n",
        if thin { 1 } else { 0 }
    )
}

fn parse_descriptor(text: &str) -> Option<DiskInfo> {
    if !text.contains("Disk DescriptorFile") {
        return None;
    }
    let mut sectors = 0i64;
    let mut thin = false;
    let mut uuid = String::new();
    let mut adapter = "lsiLogic".to_string();
    let mut hw = "14".to_string();
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("RW ") {
            sectors += rest
                .split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
        } else if let Some((k, v)) = line.split_once('=') {
            let v = v.trim().trim_matches('"').to_string();
            match k.trim() {
                "ddb.thinProvisioned" => thin = v == "1",
                "ddb.uuid" => uuid = v,
                "ddb.adapterType" => adapter = v,
                "ddb.virtualHWVersion" => hw = v,
                _ => {}
            }
        }
    }
    Some(DiskInfo {
        capacity_kb: sectors / 2,
        thin,
        uuid,
        adapter,
        hw_version: hw,
    })
}

fn hex_to_bytes(s: &str) -> Vec<u8> {
    let hex: Vec<u8> = s
        .chars()
        .filter_map(|c| c.to_digit(16).map(|d| d as u8))
        .collect();
    hex.chunks(2)
        .map(|p| if p.len() == 2 { p[0] * 16 + p[1] } else { p[0] })
        .collect()
}

/// Glob match with `*` and `?`, case-insensitive as the datastore browser is.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let n: Vec<char> = name.to_lowercase().chars().collect();
    let (mut pi, mut ni) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

// ----- ids, randomness and time ---------------------------------------------------------

/// A small deterministic generator (splitmix64) for reproducible inventories.
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// 16 random bytes formatted as a UUID.
    pub fn uuid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format_uuid(&[a.to_be_bytes(), b.to_be_bytes()].concat())
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }
}

fn format_uuid(b: &[u8]) -> String {
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn random_uuid_bytes() -> Vec<u8> {
    let mut b = vec![0u8; 16];
    if getrandom::fill(&mut b).is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let mut r = Rng(t);
        b = [r.next_u64().to_be_bytes(), r.next_u64().to_be_bytes()].concat();
    }
    b
}

/// A random UUID (lowercase, dashed).
pub fn random_uuid() -> String {
    format_uuid(&random_uuid_bytes())
}

/// xsd:dateTime of a system time, UTC with milliseconds.
pub fn xsd_time(t: std::time::SystemTime) -> String {
    let d = t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let millis = d.subsec_millis();
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = if month <= 2 { y + 1 } else { y };
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob() {
        assert!(glob_match("*.vmdk", "a.VMDK"));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("*.vmx", "a.vmxf"));
        assert!(glob_match("*", ""));
    }

    #[test]
    fn time_format() {
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_700_000_000_123);
        assert_eq!(xsd_time(t), "2023-11-14T22:13:20.123Z");
    }

    #[test]
    fn descriptor_round_trip() {
        let d = disk_descriptor(1024 * 1024, true, "lsiLogic", "x-flat.vmdk", &[1u8; 16]);
        let i = parse_descriptor(&d).unwrap();
        assert_eq!(i.capacity_kb, 1024 * 1024);
        assert!(i.thin);
        assert_eq!(i.uuid, "01 01 01 01 01 01 01 01-01 01 01 01 01 01 01 01");
    }
}
