//! A VM's life in the world: its `.vmx` written from and read into the model,
//! registration, unregistration and destruction, and the power state machine with the
//! question a file-backed serial port asks at power-on.

use esxvirt_util::datetime::system_time_to_xsd_datetime;

use super::disks::hex_to_bytes;
use super::model::{
    Device, GuestInfo, GuestNic, Host, PortBacking, PowerState, Question, Vm, VmConfig,
};
use super::random::random_uuid;
use super::{io_err, vmx, InvError, InvResult, World};

impl World {
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
        let moid = self.insert_new_vm(host, folder, pool, vmx_path, cfg, true);
        if changed {
            // A real host writes the generated UUIDs back into the file.
            self.write_vmx(&moid)?;
        }
        Ok(moid)
    }

    /// The `.vmx` path of a new VM named `name` from a spec's `files.vmPathName`: a full
    /// `[ds] dir/file.vmx` is taken as it is (it must not exist yet); `[ds]` or `[ds] dir`
    /// gives the VM a directory of its own named after it (`NAME`, `NAME_1` ... when taken),
    /// as a host does.
    pub fn new_vm_path(&self, vm_path_name: &str, name: &str) -> InvResult<String> {
        let (ds, rest) = vmx::split_datastore_path(vm_path_name)
            .ok_or_else(|| InvError::InvalidDatastorePath(vm_path_name.to_string()))?;
        if self.datastore_by_name(ds).is_none() {
            return Err(InvError::InvalidDatastore(ds.to_string()));
        }
        let base = esxvirt_util::escape_datastore_item(name);
        if rest.ends_with(".vmx") {
            if self.resolve(vm_path_name)?.exists() {
                return Err(InvError::FileAlreadyExists(vm_path_name.to_string()));
            }
            return Ok(vm_path_name.to_string());
        }
        let parent = rest.trim_end_matches('/');
        let prefix = if parent.is_empty() {
            format!("[{ds}] ")
        } else {
            format!("[{ds}] {parent}/")
        };
        let free = |dir: &str| {
            self.resolve(&format!("{prefix}{dir}"))
                .map(|p| !p.exists())
                .unwrap_or(false)
        };
        let dir = std::iter::once(base.clone())
            .chain((1..10_000).map(|n| format!("{base}_{n}")))
            .find(|d| free(d))
            .ok_or_else(|| InvError::FileAlreadyExists(format!("{prefix}{base}")))?;
        Ok(format!("{prefix}{dir}/{base}.vmx"))
    }

    /// Adds a new, powered-off VM with configuration `cfg` whose files go to `vmx_path` (see
    /// [`World::new_vm_path`]), in `folder` and `pool`, on `host` (when `None`: the host of
    /// the pool's compute resource with the fewest VMs among those that mount the VM's
    /// datastore). Writes the `.vmx`; the disks the configuration names must exist (the
    /// caller creates new ones in the VM's directory first, see [`World::make_vm_directory`]).
    pub fn add_new_vm(
        &mut self,
        folder: &str,
        pool: &str,
        host: Option<&str>,
        vmx_path: &str,
        mut cfg: VmConfig,
    ) -> InvResult<String> {
        if !self.folders.contains_key(folder) {
            return Err(InvError::NotFound(format!("Folder {folder}")));
        }
        let Some(p) = self.pools.get(pool) else {
            return Err(InvError::NotFound(format!("ResourcePool {pool}")));
        };
        if cfg.name.is_empty() {
            return Err(InvError::InvalidArgument("configSpec.name".into()));
        }
        if self
            .vms
            .values()
            .any(|v| v.folder == folder && v.config.name == cfg.name)
        {
            return Err(InvError::DuplicateName(cfg.name));
        }
        let ds_name = vmx::split_datastore_path(vmx_path)
            .map(|(d, _)| d.to_string())
            .filter(|d| self.datastore_by_name(d).is_some())
            .ok_or_else(|| InvError::InvalidDatastorePath(vmx_path.to_string()))?;
        let mounts = |h: &Host| {
            h.datastores
                .iter()
                .any(|d| self.datastores.get(d).is_some_and(|d| d.name == ds_name))
        };
        let hosts = self
            .computes
            .get(&p.owner)
            .map(|c| c.hosts.clone())
            .unwrap_or_default();
        let host = match host {
            Some(h) => {
                if !hosts.iter().any(|x| x == h) {
                    return Err(InvError::InvalidArgument(format!(
                        "host {h} is not part of the resource pool's compute resource"
                    )));
                }
                h.to_string()
            }
            None => hosts
                .iter()
                .filter(|h| {
                    self.hosts
                        .get(*h)
                        .is_some_and(|r| !r.in_maintenance_mode && mounts(r))
                })
                .min_by_key(|h| self.vms_on_host(h).count())
                .cloned()
                .ok_or_else(|| {
                    InvError::InvalidState(
                        "No host of the resource pool can run the virtual machine.".into(),
                    )
                })?,
        };
        if !self.hosts.get(&host).is_some_and(mounts) {
            return Err(InvError::InvalidDatastore(ds_name));
        }
        if cfg.uuid.is_empty() {
            cfg.uuid = random_uuid();
        }
        if cfg.instance_uuid.is_empty() {
            cfg.instance_uuid = random_uuid();
        }
        self.make_vm_directory(vmx_path)?;
        let moid = self.insert_new_vm(host, folder, pool.to_string(), vmx_path, cfg, false);
        if let Err(e) = self.write_vmx(&moid) {
            self.vms.remove(&moid);
            if let Some(f) = self.folders.get_mut(folder) {
                f.children.retain(|c| *c != moid);
            }
            return Err(e);
        }
        Ok(moid)
    }

    /// Moves a VM's directory to datastore `ds` (a storage migration): the files it holds
    /// there and every path of the VM pointing into it follow. Disks elsewhere stay.
    pub fn move_vm_files(&mut self, moid: &str, ds: &str) -> InvResult<()> {
        let vm = self.vm(moid)?;
        let (old_ds, rest) = vmx::split_datastore_path(&vm.vmx_path)
            .ok_or_else(|| InvError::InvalidDatastorePath(vm.vmx_path.clone()))?;
        if old_ds == ds {
            return Ok(());
        }
        let dir = rest
            .rsplit_once('/')
            .map(|(d, _)| d)
            .unwrap_or("")
            .to_string();
        if dir.is_empty() {
            return Err(InvError::InvalidDatastorePath(vm.vmx_path.clone()));
        }
        if !self.hosts.get(&vm.host).is_some_and(|h| {
            h.datastores
                .iter()
                .any(|d| self.datastores.get(d).is_some_and(|d| d.name == ds))
        }) {
            return Err(InvError::InvalidDatastore(ds.to_string()));
        }
        let from_prefix = format!("[{old_ds}] {dir}/");
        let to_prefix = format!("[{ds}] {dir}/");
        let from = self.resolve(&format!("[{old_ds}] {dir}"))?;
        let to = self.resolve(&format!("[{ds}] {dir}"))?;
        if to.exists() {
            return Err(InvError::FileAlreadyExists(format!("[{ds}] {dir}")));
        }
        if let Some(p) = to.parent() {
            std::fs::create_dir_all(p).map_err(|e| io_err(e, ds))?;
        }
        std::fs::rename(&from, &to).map_err(|e| io_err(e, &from_prefix))?;
        let vm = self.vm_mut(moid)?;
        let moved = |p: &mut String| {
            if let Some(tail) = p.strip_prefix(&from_prefix) {
                *p = format!("{to_prefix}{tail}");
            }
        };
        moved(&mut vm.vmx_path);
        for d in vm.config.devices.iter_mut() {
            match d {
                Device::Disk { file, .. } => moved(file),
                Device::Cdrom { iso: Some(f), .. } => moved(f),
                _ => {}
            }
        }
        self.write_vmx(moid)
    }

    /// Removes the directory of a VM that could not be made (never a datastore's root).
    pub fn remove_vm_directory(&self, vmx_path: &str) {
        let Ok(p) = self.resolve(vmx_path) else {
            return;
        };
        if let Some(dir) = p.parent() {
            if !self.is_datastore_root(dir) {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }

    /// Makes the directory of the VM whose `.vmx` goes to `vmx_path`.
    pub fn make_vm_directory(&self, vmx_path: &str) -> InvResult<()> {
        let path = self.resolve(vmx_path)?;
        match path.parent() {
            Some(dir) => std::fs::create_dir_all(dir).map_err(|e| io_err(e, vmx_path)),
            None => Err(InvError::InvalidDatastorePath(vmx_path.to_string())),
        }
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
                if !self.is_datastore_root(dir) {
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
        if vm.template {
            return Err(InvError::NotSupported(
                "The operation is not supported on a template.".into(),
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

    pub(super) fn finish_power_on(&mut self, moid: &str) -> InvResult<()> {
        let vm = self.vm_mut(moid)?;
        vm.power_state = PowerState::PoweredOn;
        vm.boot_time = Some(system_time_to_xsd_datetime(std::time::SystemTime::now()));
        // Without tools the guest reports nothing.
        if vm.tools_installed {
            vm.guest = vm.guest_when_running.clone();
            vm.guest.tools_running = true;
        }
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

    /// Whether `dir` is the top directory of a datastore (never removed with a VM).
    fn is_datastore_root(&self, dir: &std::path::Path) -> bool {
        self.datastores
            .values()
            .any(|d| self.files_dir.join(&d.name) == dir)
    }

    /// Files a powered-off VM made from `cfg` under `folder` with a new id, and gives the id.
    fn insert_new_vm(
        &mut self,
        host: String,
        folder: &str,
        resource_pool: String,
        vmx_path: &str,
        cfg: VmConfig,
        tools_installed: bool,
    ) -> String {
        let moid = self.alloc_vm_id();
        let vm = Vm {
            moid: moid.clone(),
            host,
            folder: folder.to_string(),
            resource_pool,
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
            tools_installed,
        };
        self.vms.insert(moid.clone(), vm);
        if let Some(f) = self.folders.get_mut(folder) {
            f.children.push(moid.clone());
        }
        moid
    }
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
