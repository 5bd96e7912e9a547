//! Domain handles: one virtual machine, named after libvirt's `virDomain*` calls.

use std::future::Future;

use esxvirt_util::parse_datastore_path;
use esxvirt_vi::{
    AutoStartDefaults, AutoStartPowerInfo, AutoStartWaitHeartbeatSetting, Client,
    HostAutoStartManagerConfig, ManagedObjectReference, ResourceAllocationInfo, SharesInfo,
    SharesLevel, Value, VirtualMachineConfigSpec, VirtualMachineMovePriority,
};
use esxvirt_vmx::ParseContext;
use esxvirt_xml::domain::FormatOptions;

use crate::connection::Connection;
use crate::engine::{filter, props_of, retrieve_all, vi_err, MoRef, Props};
use crate::error::{check_flags, Error, ErrorCode, Result};
use crate::file_names::{DatastoreMount, FileNameResolver};
use crate::snapshot::DomainSnapshot;
use crate::snapshot_tree::{SnapshotNode, SnapshotTree};
use crate::tasks;
use crate::types::{
    DomainInfo, DomainInterface, DomainIpAddress, DomainState, Screenshot, TypedParam, TypedValue,
};
use crate::vm_info;

/// A domain (virtual machine) of a connection: its identity as looked up, plus the managed
/// object reference so later calls need no further lookup.
#[derive(Debug, Clone)]
pub struct Domain<'c> {
    pub(crate) conn: &'c Connection,
    pub(crate) name: String,
    pub(crate) uuid: [u8; 16],
    /// libvirt's ID (-1 when inactive); updated by start and destroy as libvirt does.
    pub(crate) id: std::cell::Cell<i32>,
    pub(crate) moref: String,
    /// `virDomainGetInfo` values fetched with the lookup, used once by [`Domain::get_info`]
    /// so `dominfo` costs one retrieval; any change made through the handle drops them.
    pub(crate) prefetched: std::cell::RefCell<Option<DomainInfo>>,
    /// The state seen by the lookup or listing, used once by [`Domain::get_state`] (so
    /// `list` needs no request per domain); dropped by any change made through the handle.
    pub(crate) prefetched_state: std::cell::Cell<Option<DomainState>>,
    /// The snapshot tree, retrieved once per command and shared by this handle's clones
    /// (the snapshot handles), so a snapshot query costs one retrieval; dropped by any task.
    pub(crate) snapshots: std::sync::Arc<std::sync::Mutex<Option<SnapshotTree>>>,
    /// The autostart flag, when the lookup retrieved the AutoStartManager's configuration
    /// with the VM; used once by [`Domain::get_autostart`].
    pub(crate) prefetched_autostart: std::cell::Cell<Option<bool>>,
    /// Properties of [`PREFETCH_PATHS`] the lookup retrieved with the VM, serving
    /// [`Domain::props`] for those paths (schedinfo, domhostname, the snapshot tree) until
    /// a change is made through the handle.
    pub(crate) prefetched_props: std::cell::RefCell<Option<Props>>,
    /// The VM's own datastores (and on a host, its datacenter's name) read by the lookup,
    /// used once by [`Domain::get_xml_desc`] so `dumpxml` costs the lookup and the download.
    pub(crate) prefetched_place: std::cell::RefCell<Option<Place>>,
}

/// Where a VM's files are: datastores with their mounts, and the datacenter name when the
/// connection has no host context yet.
#[derive(Debug, Clone, Default)]
pub(crate) struct Place {
    pub datastores: Vec<Props>,
    pub datacenter: Option<String>,
}

/// What a lookup of one VM retrieves besides [`LOOKUP_PATHS`]: the reads of the commands
/// that take a single domain, so most need no retrieval after the lookup's.
pub(crate) const PREFETCH_PATHS: &[&str] = &[
    "config.files.vmPathName",
    "runtime.host",
    "config.cpuAllocation.reservation",
    "config.cpuAllocation.limit",
    "config.cpuAllocation.shares",
    "guest.hostName",
    "snapshot.rootSnapshotList",
    "snapshot.currentSnapshot",
];

/// Whether the VM `moref` starts with the host under this AutoStartManager configuration.
pub(crate) fn autostart_of(cfg: &HostAutoStartManagerConfig, moref: &str) -> bool {
    if cfg.defaults.as_ref().and_then(|d| d.enabled) != Some(true) {
        return false;
    }
    cfg.power_info
        .iter()
        .find(|p| p.key.value == moref)
        .map(|p| p.start_action.eq_ignore_ascii_case("powerOn"))
        .unwrap_or(false)
}

/// The VMs (managed-object ids) that a host's autostart configuration starts with the host:
/// none unless autostart is enabled, else those whose start action is powerOn.
pub(crate) fn autostart_vms(cfg: &HostAutoStartManagerConfig) -> std::collections::HashSet<String> {
    if cfg.defaults.as_ref().and_then(|d| d.enabled) != Some(true) {
        return Default::default();
    }
    cfg.power_info
        .iter()
        .filter(|p| p.start_action.eq_ignore_ascii_case("powerOn"))
        .map(|p| p.key.value.clone())
        .collect()
}

/// What a lookup by reference retrieves: the identity and the `virDomainGetInfo` values.
pub(crate) const LOOKUP_PATHS: &[&str] = &[
    "name",
    "config.uuid",
    "runtime.powerState",
    "config.hardware.memoryMB",
    "config.hardware.numCPU",
    "config.memoryAllocation.limit",
];

/// `virDomainGetInfo` from the properties of [`LOOKUP_PATHS`], when they were retrieved.
pub(crate) fn info_from(p: &Props) -> Option<DomainInfo> {
    let max_mem = p.i64("config.hardware.memoryMB")?.max(0) as u64 * 1024;
    let state = p.power_state().unwrap_or(DomainState::NoState);
    let limit = p.i64("config.memoryAllocation.limit").unwrap_or(-1);
    Some(DomainInfo {
        state,
        max_mem,
        memory: if limit < 0 {
            max_mem
        } else {
            limit as u64 * 1024
        },
        nr_virt_cpu: p.i64("config.hardware.numCPU").unwrap_or(0).max(0) as u32,
        cpu_time: 0,
    })
}

/// Formats a UUID the way libvirt does (lower-case, dashed).
pub fn format_uuid(uuid: &[u8; 16]) -> String {
    // Two hex digits per byte without a formatter call each (listings format thousands).
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(36);
    for (i, b) in uuid.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    s
}

/// Parses a UUID in libvirt's accepted forms: 32 hex digits, optionally with dashes or spaces
/// between byte pairs (as vSphere's config.uuid and the BIOS UUID are written).
pub fn parse_uuid(text: &str) -> Option<[u8; 16]> {
    let mut out = [0u8; 16];
    let mut n = 0;
    let mut chars = text.trim().chars().peekable();
    while let Some(c) = chars.next() {
        if c == '-' || c == ' ' {
            continue;
        }
        let hi = c.to_digit(16)?;
        let lo = chars.next()?.to_digit(16)?;
        if n == 16 {
            return None;
        }
        out[n] = (hi * 16 + lo) as u8;
        n += 1;
    }
    (n == 16).then_some(out)
}

impl<'c> Domain<'c> {
    /// The connection this domain belongs to.
    pub fn connection(&self) -> &'c Connection {
        self.conn
    }

    /// The name (`virDomainGetName`), unescaped.
    pub fn get_name(&self) -> &str {
        &self.name
    }

    /// The UUID bytes (`virDomainGetUUID`).
    pub fn get_uuid(&self) -> [u8; 16] {
        self.uuid
    }

    /// The UUID as text (`virDomainGetUUIDString`).
    pub fn get_uuid_string(&self) -> String {
        format_uuid(&self.uuid)
    }

    /// The ID (`virDomainGetID`): the number of the managed-object id for an active domain,
    /// `None` for an inactive one (libvirt's -1).
    pub fn get_id(&self) -> Option<u32> {
        let id = self.id.get();
        (id >= 0).then_some(id as u32)
    }

    /// The vSphere managed-object id (`vm-123` or `123`).
    pub fn managed_object_id(&self) -> &str {
        &self.moref
    }

    /// The OS type (`virDomainGetOSType`): always `hvm`.
    pub fn get_os_type(&self) -> &'static str {
        "hvm"
    }

    pub(crate) fn mo(&self) -> MoRef {
        MoRef::new("VirtualMachine", &self.moref)
    }

    fn not_found(&self) -> Error {
        Error::new(
            ErrorCode::NoDomain,
            format!(
                "Could not find domain with UUID '{}'",
                self.get_uuid_string()
            ),
        )
    }

    /// The VM's properties (one retrieval); `Domain not found` when it is gone.
    pub(crate) fn props(&self, paths: &[&str]) -> Result<Props> {
        // The power state alone is always read afresh (state polls); with a prefetched path
        // (domhostname) the lookup's reading serves, as it does for get_state.
        if paths.iter().any(|p| PREFETCH_PATHS.contains(p))
            && paths
                .iter()
                .all(|p| PREFETCH_PATHS.contains(p) || *p == "runtime.powerState")
        {
            if let Some(p) = self.prefetched_props.borrow().as_ref() {
                return Ok(p.clone());
            }
        }
        self.conn
            .engine
            .object_props(&self.mo(), paths)?
            .ok_or_else(|| self.not_found())
    }

    /// Runs a VM task as libvirt does: reads `paths` plus the question and recent tasks,
    /// lets `check` refuse, answers or reports a pending question, starts the task with
    /// `start`, waits for it (handling questions), and reports a failure as `FAIL: message`.
    fn run_task<C, S, Fut>(
        &self,
        paths: &[&str],
        check: C,
        start: S,
        fail: &str,
    ) -> Result<Option<Value>>
    where
        C: Fn(&Props) -> Result<()>,
        S: Fn(Client, ManagedObjectReference) -> Fut,
        Fut: Future<Output = std::result::Result<ManagedObjectReference, esxvirt_vi::Error>>,
    {
        self.conn.check_writable()?;
        self.run_task_on(&self.conn.engine, self.mo(), paths, check, start, fail)
    }

    /// Where a task libvirt sends through the vCenter of an esx:// connection goes (destroy,
    /// undefine, migrate): that vCenter and the VM as it knows it (found by UUID in the
    /// host's datacenter, as libvirt does), else the connection's own session and VM.
    fn vcenter_target(&self) -> Result<(&'c crate::engine::Engine, MoRef)> {
        let Some(link) = &self.conn.vcenter else {
            return Ok((&self.conn.engine, self.mo()));
        };
        let dc = link.context()?.datacenter;
        let uuid = self.get_uuid_string();
        let found = link.engine.run(|c| {
            let dc = dc.vi();
            let uuid = uuid.clone();
            async move {
                c.find_by_uuid(Some(&dc), &uuid, true, None)
                    .await
                    .map_err(vi_err)
            }
        })?;
        match found {
            Some(m) if m.type_ == "VirtualMachine" => Ok((&link.engine, MoRef::from_vi(&m))),
            _ => Err(self.not_found()),
        }
    }

    /// [`Domain::run_task`] on `engine`'s VM `vm` (the vCenter's for destroy and migrate).
    fn run_task_on<C, S, Fut>(
        &self,
        engine: &crate::engine::Engine,
        vm: MoRef,
        paths: &[&str],
        check: C,
        start: S,
        fail: &str,
    ) -> Result<Option<Value>>
    where
        C: Fn(&Props) -> Result<()>,
        S: Fn(Client, ManagedObjectReference) -> Fut,
        Fut: Future<Output = std::result::Result<ManagedObjectReference, esxvirt_vi::Error>>,
    {
        self.forget_props();
        self.prefetched.borrow_mut().take();
        self.prefetched_state.take();
        self.prefetched_autostart.take();
        self.forget_snapshots();
        let mut all: Vec<&str> = paths.to_vec();
        all.extend(["runtime.question", "recentTask"]);
        let auto = engine.auto_answer;
        let not_found = self.not_found().to_string();
        let out = engine.run(|c| {
            let vm = vm.clone();
            let all = all.clone();
            let check = &check;
            let start = &start;
            let not_found = not_found.clone();
            async move {
                let spec = filter(&vm, false, vec![], vec![props_of("VirtualMachine", &all)]);
                let objects = match retrieve_all(&c, std::slice::from_ref(&spec)).await {
                    Ok(o) => o,
                    Err(e) if crate::engine::is_not_found(&e) => Vec::new(),
                    Err(e) => return Err(e),
                };
                let Some(p) = objects.into_iter().next() else {
                    return Err(Error::new(
                        ErrorCode::NoDomain,
                        not_found
                            .trim_start_matches("Domain not found: ")
                            .to_string(),
                    ));
                };
                // A question blocking an earlier task comes first: answered, that task goes
                // on and no new one is started; unanswered, it is the error.
                if tasks::question_of(&p).is_none() {
                    check(&p)?;
                }
                if tasks::prepare_for_task(&c, &vm, &p, auto).await? {
                    return Ok(None);
                }
                let task = start(c.clone(), vm.vi()).await.map_err(vi_err)?;
                let out = tasks::wait(&c, &task, Some(&vm), auto).await?;
                if !out.success {
                    return Err(Error::internal(format!("{fail}: {}", out.error)));
                }
                Ok(out.result)
            }
        });
        // The task may have changed the snapshot tree (create, revert, remove).
        self.forget_snapshots();
        self.forget_props();
        out
    }

    /// Runs a task on a snapshot of this VM (revert, remove) with the VM's question handling.
    pub(crate) fn run_snapshot_task<S, Fut>(&self, start: S, fail: &str) -> Result<()>
    where
        S: Fn(Client) -> Fut,
        Fut: Future<Output = std::result::Result<ManagedObjectReference, esxvirt_vi::Error>>,
    {
        self.run_task(&[], |_| Ok(()), |c, _vm| start(c), fail)
            .map(|_| ())
    }

    fn reconfigure(&self, spec: VirtualMachineConfigSpec, fail: &str) -> Result<()> {
        let spec = &spec;
        self.run_task(
            &[],
            |_| Ok(()),
            |c, vm| async move { c.reconfig_vm_task(&vm, spec).await },
            fail,
        )
        .map(|_| ())
    }

    /// State, memory, vCPUs (`virDomainGetInfo`), in one retrieval.
    pub fn get_info(&self) -> Result<DomainInfo> {
        if let Some(info) = self.prefetched.borrow_mut().take() {
            return Ok(info);
        }
        let p = self.props(&[
            "runtime.powerState",
            "config.hardware.memoryMB",
            "config.hardware.numCPU",
            "config.memoryAllocation.limit",
        ])?;
        let state = p.power_state().unwrap_or(DomainState::NoState);
        let max_mem = p.i64("config.hardware.memoryMB").unwrap_or(0).max(0) as u64 * 1024;
        let limit = p.i64("config.memoryAllocation.limit").unwrap_or(-1);
        let memory = if limit < 0 {
            max_mem
        } else {
            limit as u64 * 1024
        };
        Ok(DomainInfo {
            state,
            max_mem,
            memory,
            nr_virt_cpu: p.i64("config.hardware.numCPU").unwrap_or(0).max(0) as u32,
            cpu_time: 0,
        })
    }

    /// State and reason (`virDomainGetState`); the reason is always 0 on ESX.
    pub fn get_state(&self, flags: u32) -> Result<(DomainState, i32)> {
        check_flags(flags, 0, "esxDomainGetState")?;
        if let Some(state) = self.prefetched_state.take() {
            return Ok((state, 0));
        }
        let p = self.props(&["runtime.powerState"])?;
        Ok((p.power_state()?, 0))
    }

    /// Whether the domain is running or paused (`virDomainIsActive`).
    pub fn is_active(&self) -> Result<bool> {
        Ok(self.get_state(0)?.0 != DomainState::Shutoff)
    }

    /// Always true: ESX has no transient domains (`virDomainIsPersistent`).
    pub fn is_persistent(&self) -> Result<bool> {
        Ok(true)
    }

    /// Always false (`virDomainIsUpdated`).
    pub fn is_updated(&self) -> Result<bool> {
        Ok(false)
    }

    /// The domain XML (`virDomainGetXMLDesc`): the .vmx downloaded over `/folder` and
    /// converted, with datastore paths mapped as libvirt's ESX driver maps them. After a
    /// lookup, the download alone (the lookup read the VM's path and its datastores); else
    /// one retrieval (the VM, its datacenter and the datastores' mount paths) plus the
    /// download. A file on a datastore the VM does not list is resolved against all of the
    /// datacenter's datastores (one retrieval more).
    pub fn get_xml_desc(&self, flags: u32) -> Result<String> {
        check_flags(
            flags,
            crate::flags::domain_xml::SECURE
                | crate::flags::domain_xml::INACTIVE
                | crate::flags::domain_xml::UPDATE_CPU
                | crate::flags::domain_xml::MIGRATABLE,
            "esxDomainGetXMLDesc",
        )?;
        let options = FormatOptions {
            secure: flags & crate::flags::domain_xml::SECURE != 0,
            inactive: flags & crate::flags::domain_xml::INACTIVE != 0,
        };
        let prefetched = self.prefetched_place.borrow_mut().take().zip(
            self.prefetched_props
                .borrow()
                .as_ref()
                .filter(|p| p.get("config.files.vmPathName").is_some())
                .cloned(),
        );
        if let Some((place, vm)) = prefetched {
            let dc_path = match self.conn.engine.is_vcenter() {
                true => self.conn.engine.context()?.datacenter_path,
                false => place
                    .datacenter
                    .clone()
                    .or_else(|| self.conn.engine.known_context().map(|c| c.datacenter_path))
                    .unwrap_or_else(|| "ha-datacenter".to_string()),
            };
            let vmx = self.download_vmx(&vm, &dc_path, &place.datastores)?;
            if let Ok(xml) = self.vmx_to_xml(&vmx, &vm, &place.datastores, &dc_path, options) {
                return Ok(xml);
            }
            let (_, all, dc_path) = self.xml_sources()?;
            return self.vmx_to_xml(&vmx, &vm, &all, &dc_path, options);
        }
        let (vm, stores, dc_path) = self.xml_sources()?;
        let vmx = self.download_vmx(&vm, &dc_path, &stores)?;
        self.vmx_to_xml(&vmx, &vm, &stores, &dc_path, options)
    }

    /// The VM's path and state, every datastore of its datacenter and the datacenter's
    /// path, in one retrieval.
    fn xml_sources(&self) -> Result<(Props, Vec<Props>, String)> {
        let engine = &self.conn.engine;
        let vm_paths = [
            "config.files.vmPathName",
            "runtime.powerState",
            "runtime.host",
            "name",
        ];
        let vm_spec = filter(
            &self.mo(),
            false,
            vec![],
            vec![props_of("VirtualMachine", &vm_paths)],
        );
        let ds_props = props_of("Datastore", &["summary.name", "host"]);
        let ctx = if engine.is_vcenter() {
            Some(engine.context()?)
        } else {
            None
        };
        let place_spec = match &ctx {
            Some(ctx) => filter(&ctx.datacenter, true, vec![trav_ds()], vec![ds_props]),
            None => filter(
                &engine.root_folder(),
                true,
                vec![
                    crate::engine::trav(
                        "folderChildren",
                        "Folder",
                        "childEntity",
                        &["folderChildren", "dcDatastores"],
                    ),
                    trav_ds(),
                ],
                vec![props_of("Datacenter", &["name"]), ds_props],
            ),
        };
        let objects = match engine.retrieve(vec![vm_spec, place_spec]) {
            Ok(o) => o,
            Err(e) if crate::engine::is_not_found(&e) => return Err(self.not_found()),
            Err(e) => return Err(e),
        };
        let mut vm = None;
        let mut dc_name = None;
        let mut stores = Vec::new();
        for o in objects {
            match o.ty() {
                "VirtualMachine" => vm = Some(o),
                "Datacenter" if dc_name.is_none() => {
                    dc_name = o.str("name").map(str::to_string);
                }
                "Datastore" => stores.push(o),
                _ => {}
            }
        }
        let vm = vm.ok_or_else(|| self.not_found())?;
        let dc_path = match &ctx {
            Some(c) => c.datacenter_path.clone(),
            None => dc_name.unwrap_or_else(|| "ha-datacenter".to_string()),
        };
        Ok((vm, stores, dc_path))
    }

    /// The VM's .vmx file (or, when the server serves an empty one as govmomi's simulator
    /// does, one rebuilt from its configuration).
    fn download_vmx(&self, vm: &Props, dc_path: &str, stores: &[Props]) -> Result<Vec<u8>> {
        let vm_path = vm.req_str("config.files.vmPathName")?;
        let parsed =
            parse_datastore_path(vm_path).map_err(|e| Error::invalid_arg(e.to_string()))?;
        let url =
            esxvirt_vi::datastore_file_path(&parsed.directory_and_file, dc_path, &parsed.datastore);
        let vmx = self.conn.engine.get_file(&url)?;
        if !vmx.iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(vmx);
        }
        let resolver = self.resolver(vm, stores)?;
        let mut p = self.props(&["config"])?;
        Ok(match p.take("config") {
            Some(Value::VirtualMachineConfigInfo(config)) => {
                crate::vmx_synth::vmx_from_config(&config, &resolver).into_bytes()
            }
            _ => vmx,
        })
    }

    /// The file-name resolver for the VM's directory over `stores`.
    fn resolver(&self, vm: &Props, stores: &[Props]) -> Result<FileNameResolver> {
        let host = vm.mo("runtime.host");
        let vm_path = vm.req_str("config.files.vmPathName")?;
        let parsed =
            parse_datastore_path(vm_path).map_err(|e| Error::invalid_arg(e.to_string()))?;
        Ok(FileNameResolver {
            vmx_dir: if parsed.directory.is_empty() {
                format!("[{}]", parsed.datastore)
            } else {
                format!("[{}] {}", parsed.datastore, parsed.directory)
            },
            datastores: stores
                .iter()
                .map(|d| DatastoreMount {
                    name: d.str("summary.name").unwrap_or_default().to_string(),
                    mount_path: mount_path(d, host.as_ref()),
                })
                .collect(),
        })
    }

    /// Converts the downloaded .vmx to domain XML.
    fn vmx_to_xml(
        &self,
        vmx: &[u8],
        vm: &Props,
        stores: &[Props],
        dc_path: &str,
        options: FormatOptions,
    ) -> Result<String> {
        let state = vm.power_state()?;
        let resolver = self.resolver(vm, stores)?;
        let parse = |name: &str, allow_missing: bool| resolver.parse(name, allow_missing);
        let pctx = ParseContext {
            file_names: &parse,
            datacenter_path: Some(dc_path),
            moref: Some(&self.moref),
        };
        let mut def = esxvirt_vmx::vmx_bytes_to_domain(vmx, &pctx)
            .map_err(|e| Error::internal(e.to_string()))?;
        if state != DomainState::Shutoff {
            def.id = vm_info::id_from_moref(&self.moref);
        } else {
            def.id = None;
        }
        Ok(def.to_xml_with(options))
    }

    /// Unregisters the domain (`virDomainUndefineFlags`); never deletes its files.
    pub fn undefine(&self, flags: u32) -> Result<()> {
        // VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA (2) is trivially satisfied.
        check_flags(flags, 2, "esxDomainUndefineFlags")?;
        self.conn.check_writable()?;
        self.forget_props();
        // With a vCenter, libvirt unregisters through it.
        let (engine, vm) = self.vcenter_target()?;
        let p = engine
            .object_props(&vm, &["runtime.powerState"])?
            .ok_or_else(|| self.not_found())?;
        let state = p.power_state()?;
        if state != DomainState::Paused && state != DomainState::Shutoff {
            return Err(Error::operation_invalid(
                "Domain is not suspended or powered off",
            ));
        }
        engine.run(|c| {
            let vm = vm.clone();
            async move { c.unregister_vm(&vm.vi()).await.map_err(vi_err) }
        })
    }

    /// Powers the domain on (`virDomainCreateWithFlags`).
    pub fn create(&self, flags: u32) -> Result<()> {
        check_flags(flags, 0, "esxDomainCreateWithFlags")?;
        self.run_task(
            &["runtime.powerState"],
            |p| {
                if p.power_state()? != DomainState::Shutoff {
                    return Err(Error::operation_invalid("Domain is not powered off"));
                }
                Ok(())
            },
            |c, vm| async move { c.power_on_vm_task(&vm, None).await },
            "Could not start domain",
        )?;
        self.id
            .set(vm_info::id_from_moref(&self.moref).unwrap_or(-1));
        Ok(())
    }

    fn guest_op(&self, reboot: bool) -> Result<()> {
        self.conn.check_writable()?;
        self.forget_props();
        self.prefetched.borrow_mut().take();
        self.prefetched_state.take();
        let p = self.props(&["runtime.powerState"])?;
        require_running(p.power_state()?)?;
        let vm = self.mo();
        self.conn.engine.run(|c| {
            let vm = vm.clone();
            async move {
                if reboot {
                    c.reboot_guest(&vm.vi()).await
                } else {
                    c.shutdown_guest(&vm.vi()).await
                }
                .map_err(vi_err)
            }
        })
    }

    /// Asks the guest to shut down (`virDomainShutdownFlags`, VMware Tools' ShutdownGuest).
    pub fn shutdown(&self, flags: u32) -> Result<()> {
        check_flags(flags, 0, "esxDomainShutdownFlags")?;
        self.guest_op(false)
    }

    /// Asks the guest to reboot (`virDomainReboot`, RebootGuest).
    pub fn reboot(&self, flags: u32) -> Result<()> {
        check_flags(flags, 0, "esxDomainReboot")?;
        self.guest_op(true)
    }

    /// Powers the domain off (`virDomainDestroyFlags`).
    pub fn destroy(&self, flags: u32) -> Result<()> {
        check_flags(flags, 0, "esxDomainDestroyFlags")?;
        self.conn.check_writable()?;
        // With a vCenter, libvirt powers off through it.
        let (engine, vm) = self.vcenter_target()?;
        self.run_task_on(
            engine,
            vm,
            &["runtime.powerState"],
            |p| require_running(p.power_state()?),
            |c, vm| async move { c.power_off_vm_task(&vm).await },
            "Could not destroy domain",
        )?;
        self.id.set(-1);
        Ok(())
    }

    /// Suspends the domain (`virDomainSuspend`).
    pub fn suspend(&self) -> Result<()> {
        self.run_task(
            &["runtime.powerState"],
            |p| require_running(p.power_state()?),
            |c, vm| async move { c.suspend_vm_task(&vm).await },
            "Could not suspend domain",
        )
        .map(|_| ())
    }

    /// Resumes a suspended domain (`virDomainResume`, a power-on).
    pub fn resume(&self) -> Result<()> {
        self.run_task(
            &["runtime.powerState"],
            |p| {
                if p.power_state()? != DomainState::Paused {
                    return Err(Error::operation_invalid("Domain is not suspended"));
                }
                Ok(())
            },
            |c, vm| async move { c.power_on_vm_task(&vm, None).await },
            "Could not resume domain",
        )
        .map(|_| ())
    }

    /// Maximum memory in KiB (`virDomainGetMaxMemory`).
    pub fn get_max_memory(&self) -> Result<u64> {
        let p = self.props(&["config.hardware.memoryMB"])?;
        let mb = p.i64("config.hardware.memoryMB").unwrap_or(0);
        if mb < 0 {
            return Err(Error::internal(format!("Got invalid memory size {mb}")));
        }
        Ok(mb as u64 * 1024)
    }

    /// Sets the maximum memory in KiB (`virDomainSetMaxMemory`); the domain must be powered
    /// off. Rounded up to a multiple of 4 MiB as libvirt does.
    pub fn set_max_memory(&self, kib: u64) -> Result<()> {
        let spec = VirtualMachineConfigSpec {
            memory_mb: Some((kib.div_ceil(4096) * 4) as i64),
            ..Default::default()
        };
        let spec = &spec;
        self.run_task(
            &["runtime.powerState"],
            |p| {
                if p.power_state()? != DomainState::Shutoff {
                    return Err(Error::operation_invalid("Domain is not powered off"));
                }
                Ok(())
            },
            |c, vm| async move { c.reconfig_vm_task(&vm, spec).await },
            &format!("Could not set max-memory to {kib} kilobytes"),
        )
        .map(|_| ())
    }

    /// Sets the memory (the memory limit) in KiB (`virDomainSetMemoryFlags`).
    pub fn set_memory(&self, kib: u64, flags: u32) -> Result<()> {
        check_flags(flags, 0, "esxDomainSetMemoryFlags")?;
        let spec = VirtualMachineConfigSpec {
            memory_allocation: Some(ResourceAllocationInfo {
                limit: Some(kib.div_ceil(1024) as i64),
                ..Default::default()
            }),
            ..Default::default()
        };
        self.reconfigure(spec, &format!("Could not set memory to {kib} kilobytes"))
    }

    /// Memory parameters (`virDomainGetMemoryParameters`): `min_guarantee` in KiB.
    ///
    /// As through libvirt's public API, VIR_TYPED_PARAM_STRING_OKAY (0x4) is added to the
    /// flags, which the ESX driver rejects: the query fails as it does with virsh.
    pub fn get_memory_parameters(&self, flags: u32) -> Result<Vec<TypedParam>> {
        check_flags(flags | 4, 0, "esxDomainGetMemoryParameters")?;
        let p = self.props(&["config.memoryAllocation.reservation"])?;
        let r = p
            .i64("config.memoryAllocation.reservation")
            .ok_or_else(|| {
                Error::internal("Missing 'config.memoryAllocation.reservation' property")
            })?;
        Ok(vec![TypedParam::new(
            "min_guarantee",
            TypedValue::ULLong(r.max(0) as u64 * 1024),
        )])
    }

    /// Sets memory parameters (`virDomainSetMemoryParameters`): only `min_guarantee`.
    pub fn set_memory_parameters(&self, params: &[TypedParam], flags: u32) -> Result<()> {
        check_flags(flags, 0, "esxDomainSetMemoryParameters")?;
        let mut reservation = None;
        for p in params {
            match (p.field.as_str(), &p.value) {
                ("min_guarantee", TypedValue::ULLong(v)) => {
                    reservation = Some(v.div_ceil(1024) as i64)
                }
                ("min_guarantee", _) => return Err(param_type_error("min_guarantee", "ullong")),
                (other, _) => return Err(unsupported_param(other)),
            }
        }
        let spec = VirtualMachineConfigSpec {
            memory_allocation: Some(ResourceAllocationInfo {
                reservation,
                ..Default::default()
            }),
            ..Default::default()
        };
        self.reconfigure(spec, "Could not change memory parameters")
    }

    /// Sets the number of vCPUs (`virDomainSetVcpusFlags`); only VIR_DOMAIN_AFFECT_LIVE as
    /// libvirt's ESX driver, which changes the configuration.
    pub fn set_vcpus(&self, count: u32, flags: u32) -> Result<()> {
        check_flags(flags, crate::flags::affect::LIVE, "esxDomainSetVcpusFlags")?;
        if count < 1 {
            return Err(Error::invalid_arg(
                "Requested number of virtual CPUs must at least be 1",
            ));
        }
        let max = self.get_max_vcpus()?;
        if count > max {
            return Err(Error::invalid_arg(format!(
                "Requested number of virtual CPUs is greater than max allowable number of virtual CPUs for the domain: {count} > {max}"
            )));
        }
        let spec = VirtualMachineConfigSpec {
            num_cpus: Some(count as i32),
            ..Default::default()
        };
        self.reconfigure(
            spec,
            &format!("Could not set number of virtual CPUs to {count}"),
        )
    }

    /// vCPU count (`virDomainGetVcpusFlags`): as libvirt's ESX driver, the host's maximum
    /// supported vCPUs whatever the flags.
    pub fn get_vcpus_flags(&self, flags: u32) -> Result<u32> {
        check_flags(
            flags,
            crate::flags::affect::LIVE | crate::flags::affect::MAXIMUM,
            "esxDomainGetVcpusFlags",
        )?;
        self.get_max_vcpus()
    }

    /// Maximum vCPUs of a domain on this host (`virDomainGetMaxVcpus`):
    /// `capability.maxSupportedVcpus`.
    pub fn get_max_vcpus(&self) -> Result<u32> {
        let p = self
            .conn
            .engine
            .host_props(&["capability.maxSupportedVcpus"])?;
        Ok(p.i64("capability.maxSupportedVcpus").unwrap_or(0).max(0) as u32)
    }

    /// The scheduler type and its number of parameters (`virDomainGetSchedulerType`):
    /// `("allocation", 3)`.
    pub fn get_scheduler_type(&self) -> Result<(String, i32)> {
        Ok(("allocation".to_string(), 3))
    }

    /// Scheduler parameters (`virDomainGetSchedulerParametersFlags`): `reservation` (MHz),
    /// `limit` (MHz, -1 unlimited), `shares` (a number; low/normal/high are -1/-2/-3).
    pub fn get_scheduler_parameters(&self, flags: u32) -> Result<Vec<TypedParam>> {
        check_flags(flags, 0, "esxDomainGetSchedulerParametersFlags")?;
        let p = self.props(&[
            "config.cpuAllocation.reservation",
            "config.cpuAllocation.limit",
            "config.cpuAllocation.shares",
        ])?;
        let mut out = Vec::new();
        if let Some(r) = p.i64("config.cpuAllocation.reservation") {
            out.push(TypedParam::new("reservation", TypedValue::LLong(r)));
        }
        if let Some(l) = p.i64("config.cpuAllocation.limit") {
            out.push(TypedParam::new("limit", TypedValue::LLong(l)));
        }
        if let Some(Value::SharesInfo(s)) = p.get("config.cpuAllocation.shares") {
            let v = match s.level {
                SharesLevel::Custom => s.shares,
                SharesLevel::Low => -1,
                SharesLevel::Normal => -2,
                SharesLevel::High => -3,
                SharesLevel::Other(ref o) => {
                    return Err(Error::internal(format!(
                        "Unexpected value '{o}' for SharesLevel"
                    )))
                }
            };
            out.push(TypedParam::new("shares", TypedValue::Int(v)));
        }
        Ok(out)
    }

    /// Sets scheduler parameters (`virDomainSetSchedulerParametersFlags`).
    pub fn set_scheduler_parameters(&self, params: &[TypedParam], flags: u32) -> Result<()> {
        check_flags(flags, 0, "esxDomainSetSchedulerParametersFlags")?;
        let mut alloc = ResourceAllocationInfo::default();
        for p in params {
            match (p.field.as_str(), &p.value) {
                ("reservation", TypedValue::LLong(v)) => {
                    if *v < 0 {
                        return Err(Error::invalid_arg(format!(
                            "Could not set reservation to {v} MHz, expecting positive value"
                        )));
                    }
                    alloc.reservation = Some(*v);
                }
                ("limit", TypedValue::LLong(v)) => {
                    if *v < -1 {
                        return Err(Error::invalid_arg(format!(
                            "Could not set limit to {v} MHz, expecting positive value or -1 (unlimited)"
                        )));
                    }
                    alloc.limit = Some(*v);
                }
                ("shares", TypedValue::Int(v)) => {
                    let (level, shares) = match *v {
                        v if v >= 0 => (SharesLevel::Custom, v),
                        -1 => (SharesLevel::Low, -1),
                        -2 => (SharesLevel::Normal, -1),
                        -3 => (SharesLevel::High, -1),
                        v => {
                            return Err(Error::invalid_arg(format!(
                                "Could not set shares to {v}, expecting positive value or -1 (low), -2 (normal) or -3 (high)"
                            )))
                        }
                    };
                    alloc.shares = Some(SharesInfo { shares, level });
                }
                (f @ ("reservation" | "limit"), _) => return Err(param_type_error(f, "llong")),
                ("shares", _) => return Err(param_type_error("shares", "int")),
                (other, _) => return Err(unsupported_param(other)),
            }
        }
        let spec = VirtualMachineConfigSpec {
            cpu_allocation: Some(alloc),
            ..Default::default()
        };
        self.reconfigure(spec, "Could not change scheduler parameters")
    }

    /// The host's autostart configuration: (defaults enabled, the power info list).
    fn autostart_config(&self) -> Result<(MoRef, HostAutoStartManagerConfig)> {
        self.conn.autostart_config()
    }

    /// Whether the domain starts with the host (`virDomainGetAutostart`).
    pub fn get_autostart(&self) -> Result<bool> {
        if let Some(autostart) = self.prefetched_autostart.take() {
            return Ok(autostart);
        }
        let (_, cfg) = self.autostart_config()?;
        Ok(autostart_of(&cfg, &self.moref))
    }

    /// Sets autostart (`virDomainSetAutostart`) through the host's AutoStartManager.
    pub fn set_autostart(&self, autostart: bool) -> Result<()> {
        self.conn.check_writable()?;
        self.forget_props();
        self.prefetched_autostart.take();
        let (manager, cfg) = self.autostart_config()?;
        let mut spec = HostAutoStartManagerConfig::default();
        if autostart && cfg.defaults.as_ref().and_then(|d| d.enabled) != Some(true) {
            if cfg.power_info.iter().any(|p| p.key.value != self.moref) {
                return Err(Error::operation_invalid(
                    "Cannot enable general autostart option without affecting other domains",
                ));
            }
            spec.defaults = Some(AutoStartDefaults {
                enabled: Some(true),
                ..Default::default()
            });
        }
        spec.power_info.push(AutoStartPowerInfo {
            key: self.mo().vi(),
            start_order: -1,
            start_delay: -1,
            wait_for_heartbeat: AutoStartWaitHeartbeatSetting::SystemDefault,
            start_action: if autostart { "powerOn" } else { "none" }.to_string(),
            stop_delay: -1,
            stop_action: "none".to_string(),
        });
        let spec = &spec;
        self.conn.engine.run(|c| {
            let manager = manager.clone();
            async move {
                c.reconfigure_autostart(&manager.vi(), spec)
                    .await
                    .map_err(vi_err)
            }
        })
    }

    /// A PNG of the console (`virDomainScreenshot`); screen must be 0.
    pub fn screenshot(&self, screen: u32, flags: u32) -> Result<Screenshot> {
        check_flags(flags, 0, "esxDomainScreenshot")?;
        if screen != 0 {
            return Err(Error::invalid_arg("Screen cannot be selected"));
        }
        if !self.conn.engine.screenshot_supported()? {
            return Err(Error::new(
                ErrorCode::OperationUnsupported,
                "Screenshot feature is unsupported",
            ));
        }
        // The state the lookup just read serves (as for get_state) before a new retrieval.
        let state = match self.prefetched_state.take() {
            Some(state) => state,
            None => self.props(&["runtime.powerState"])?.power_state()?,
        };
        require_running(state)?;
        let data = self.conn.engine.get_file(&format!(
            "/screen?id={}",
            crate::urls::uri_escape(&self.moref)
        ))?;
        Ok(Screenshot {
            mime_type: "image/png".to_string(),
            data,
        })
    }

    /// The guest's interfaces and addresses from VMware Tools (`virDomainInterfaceAddresses`);
    /// only the agent source is supported.
    pub fn interface_addresses(&self, source: u32, flags: u32) -> Result<Vec<DomainInterface>> {
        check_flags(flags, 0, "esxDomainInterfaceAddresses")?;
        if source != crate::flags::ifaddr_source::AGENT {
            return Err(Error::new(
                ErrorCode::ArgumentUnsupported,
                format!("Unknown IP address data source {source}"),
            ));
        }
        let p = self.props(&["runtime.powerState", "guest.net"])?;
        require_running(p.power_state()?)?;
        let mut out = Vec::new();
        if let Some(Value::ArrayOfGuestNicInfo(nics)) = p.get("guest.net") {
            for nic in nics {
                let mut addrs = Vec::new();
                if let Some(cfg) = &nic.ip_config {
                    for a in &cfg.ip_address {
                        if let Ok(ip) = a.ip_address.parse() {
                            addrs.push(DomainIpAddress {
                                addr: ip,
                                prefix: a.prefix_length.max(0) as u32,
                            });
                        }
                    }
                }
                out.push(DomainInterface {
                    name: String::new(),
                    hwaddr: nic.mac_address.clone(),
                    addrs,
                });
            }
        }
        Ok(out)
    }

    /// The guest's host name from VMware Tools (`virDomainGetHostname`).
    pub fn get_hostname(&self, flags: u32) -> Result<String> {
        check_flags(flags, 0, "esxDomainGetHostname")?;
        let p = self.props(&["runtime.powerState", "guest.hostName"])?;
        require_running(p.power_state()?)?;
        match p.str("guest.hostName") {
            Some(h) if !h.is_empty() => Ok(h.to_string()),
            _ => Err(Error::new(
                ErrorCode::NoHostname,
                format!(
                    "hostname could not be determined for domain '{}'",
                    self.name
                ),
            )),
        }
    }

    /// Always false: ESX has no managed save (`virDomainHasManagedSaveImage`), without a
    /// request.
    pub fn has_managed_save_image(&self, flags: u32) -> Result<bool> {
        check_flags(flags, 0, "esxDomainHasManagedSaveImage")?;
        // A handle comes from a lookup or listing of this connection, which proved the VM
        // exists; asking again would cost a request per domain (`list --managed-save`).
        Ok(false)
    }

    /// Migrates the domain to the host of `dest` (`virDomainMigrate`) as libvirt's ESX driver
    /// does (migration protocol 1): both connections need a vCenter (vpx://, or esx:// with
    /// `vcenter=`) whose host supports vMotion, else the call is not supported; both must
    /// reach the same vCenter (compared by IPv4 address); the source's vCenter moves the VM
    /// (MigrateVM_Task) to the destination's host and resource pool. Only the flags
    /// PERSIST_DEST, UNDEFINE_SOURCE, LIVE and PAUSED are accepted; renaming is refused.
    pub fn migrate<'d>(
        &self,
        dest: &'d Connection,
        flags: u32,
        dname: Option<&str>,
        bandwidth: u64,
    ) -> Result<Domain<'d>> {
        let _ = bandwidth;
        const MIGRATION_FLAGS: u32 = crate::flags::migrate::PERSIST_DEST
            | crate::flags::migrate::UNDEFINE_SOURCE
            | crate::flags::migrate::LIVE
            | crate::flags::migrate::PAUSED;
        // Both connections must be writable before anything is asked.
        self.conn.check_writable()?;
        dest.check_writable()?;
        let source_ok = self.conn.supports_migration()?;
        let dest_ok = dest.supports_migration()?;
        if !(source_ok && dest_ok) {
            return Err(Error::no_support("virDomainMigrate3"));
        }
        // The destination prepares: the vCenter, resource pool and host to move to.
        check_flags(flags, MIGRATION_FLAGS, "esxDomainMigratePrepare")?;
        let (dest_ip, dctx) = dest.migration_target()?;
        // The source performs.
        check_flags(flags, MIGRATION_FLAGS, "esxDomainMigratePerform")?;
        if dname.is_some() {
            return Err(Error::invalid_arg(
                "Renaming domains on migration not supported",
            ));
        }
        let (source_ip, _) = self.conn.migration_target()?;
        if !source_ip.eq_ignore_ascii_case(&dest_ip) {
            return Err(Error::invalid_arg(
                "Migration source and destination have to refer to the same vCenter",
            ));
        }
        let (engine, vm) = self.vcenter_target()?;
        // The vCenter validates the move first; libvirt reports the first problem.
        let events = engine.run(|c| {
            let (vm, pool, host) = (vm.vi(), dctx.resource_pool.vi(), dctx.host.vi());
            async move {
                let this = ManagedObjectReference::new("ServiceInstance", "ServiceInstance");
                c.validate_migration(&this, &[vm], None, &[], Some(&pool), Some(&host))
                    .await
                    .map_err(vi_err)
            }
        })?;
        if let Some(event) = events.first() {
            return Err(Error::internal(match &event.full_formatted_message {
                Some(m) => format!("Could not migrate domain, validation reported a problem: {m}"),
                None => "Could not migrate domain, validation reported a problem".to_string(),
            }));
        }
        self.run_task_on(
            engine,
            vm,
            &[],
            |_| Ok(()),
            |c, vm| {
                let pool = dctx.resource_pool.vi();
                let host = dctx.host.vi();
                async move {
                    c.migrate_vm_task(
                        &vm,
                        Some(&pool),
                        Some(&host),
                        &VirtualMachineMovePriority::DefaultPriority,
                        None,
                    )
                    .await
                }
            },
            "Could not migrate domain, migration task finished with an error",
        )?;
        dest.domain_lookup_by_name(&self.name)
    }

    // ----- snapshots -----

    /// The snapshot tree (one retrieval).
    pub(crate) fn snapshot_tree(&self) -> Result<SnapshotTree> {
        if let Some(tree) = self.snapshots.lock().ok().and_then(|t| t.clone()) {
            return Ok(tree);
        }
        let tree = self.retrieve_snapshot_tree()?;
        if let Ok(mut t) = self.snapshots.lock() {
            *t = Some(tree.clone());
        }
        Ok(tree)
    }

    /// Drops the properties the lookup prefetched (before any change made through the
    /// handle).
    fn forget_props(&self) {
        self.prefetched_props.borrow_mut().take();
        self.prefetched_place.borrow_mut().take();
    }

    /// Drops the cached snapshot tree (after any change made through the handle).
    fn forget_snapshots(&self) {
        if let Ok(mut t) = self.snapshots.lock() {
            *t = None;
        }
    }

    fn retrieve_snapshot_tree(&self) -> Result<SnapshotTree> {
        let mut p = self.props(&["snapshot.rootSnapshotList", "snapshot.currentSnapshot"])?;
        let current = p.mo("snapshot.currentSnapshot").map(|m| m.value);
        let roots = match p.take("snapshot.rootSnapshotList") {
            Some(Value::ArrayOfVirtualMachineSnapshotTree(list)) => {
                list.iter().map(convert_tree).collect()
            }
            _ => Vec::new(),
        };
        Ok(SnapshotTree { roots, current })
    }

    /// Creates a snapshot from snapshot XML (`virDomainSnapshotCreateXML`).
    pub fn snapshot_create_xml(&self, xml: &str, flags: u32) -> Result<DomainSnapshot<'c>> {
        use crate::flags::snapshot_create as f;
        check_flags(
            flags,
            f::DISK_ONLY | f::QUIESCE | f::NO_METADATA | f::VALIDATE,
            "esxDomainSnapshotCreateXML",
        )?;
        let mut def = esxvirt_xml::snapshot::DomainSnapshot::from_xml(xml)
            .map_err(|e| Error::new(ErrorCode::XmlError, e.to_string()))?;
        if !def.disks.is_empty() {
            return Err(Error::new(
                ErrorCode::ConfigUnsupported,
                "disk snapshots not supported yet",
            ));
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        def.prepare_for_create(now);
        let name = def.name.clone().unwrap_or_else(|| now.to_string());
        let tree = self.snapshot_tree()?;
        if tree.contains(&name) {
            return Err(Error::operation_invalid(format!(
                "Snapshot '{name}' already exists"
            )));
        }
        let description = def.description.clone();
        let (memory, quiesce) = (flags & f::DISK_ONLY == 0, flags & f::QUIESCE != 0);
        let (n, d) = (&name, &description);
        self.run_task(
            &[],
            |_| Ok(()),
            |c, vm| async move {
                c.create_snapshot_task(&vm, n, d.as_deref(), memory, quiesce)
                    .await
            },
            "Could not create snapshot",
        )?;
        Ok(DomainSnapshot::new(self.clone(), name))
    }

    /// Number of snapshots (`virDomainSnapshotNum`).
    pub fn snapshot_num(&self, flags: u32) -> Result<usize> {
        use crate::flags::snapshot_list as f;
        check_flags(
            flags,
            f::ROOTS | f::METADATA | f::LEAVES,
            "esxDomainSnapshotNum",
        )?;
        Ok(self.snapshot_list_names(flags)?.len())
    }

    /// Names of snapshots (`virDomainSnapshotListNames`): all, or roots / leaves per flags,
    /// in libvirt's order (depth first).
    pub fn snapshot_list_names(&self, flags: u32) -> Result<Vec<String>> {
        use crate::flags::snapshot_list as f;
        check_flags(
            flags,
            f::ROOTS | f::METADATA | f::LEAVES,
            "esxDomainSnapshotListNames",
        )?;
        if flags & f::METADATA != 0 {
            return Ok(Vec::new());
        }
        let tree = self.snapshot_tree()?;
        Ok(tree.names(flags & f::ROOTS == 0, flags & f::LEAVES != 0))
    }

    /// Snapshots as handles (`virDomainListAllSnapshots`).
    pub fn list_all_snapshots(&self, flags: u32) -> Result<Vec<DomainSnapshot<'c>>> {
        Ok(self
            .snapshot_list_names(flags)?
            .into_iter()
            .map(|name| DomainSnapshot::new(self.clone(), name))
            .collect())
    }

    /// The snapshot with this name (`virDomainSnapshotLookupByName`).
    pub fn snapshot_lookup_by_name(&self, name: &str, flags: u32) -> Result<DomainSnapshot<'c>> {
        check_flags(flags, 0, "esxDomainSnapshotLookupByName")?;
        self.snapshot_tree()?.by_name(name)?;
        Ok(DomainSnapshot::new(self.clone(), name.to_string()))
    }

    /// Whether there is a current snapshot (`virDomainHasCurrentSnapshot`).
    pub fn has_current_snapshot(&self, flags: u32) -> Result<bool> {
        check_flags(flags, 0, "esxDomainHasCurrentSnapshot")?;
        Ok(self.snapshot_tree()?.current.is_some())
    }

    /// The current snapshot (`virDomainSnapshotCurrent`).
    pub fn snapshot_current(&self, flags: u32) -> Result<DomainSnapshot<'c>> {
        check_flags(flags, 0, "esxDomainSnapshotCurrent")?;
        let tree = self.snapshot_tree()?;
        let name = tree.current()?.name.clone();
        Ok(DomainSnapshot::new(self.clone(), name))
    }
}

/// Refuses what needs a running domain when the domain is in another state.
fn require_running(state: DomainState) -> Result<()> {
    if state != DomainState::Running {
        return Err(Error::operation_invalid("Domain is not powered on"));
    }
    Ok(())
}

/// A typed parameter of the wrong type (scheduler and memory parameters).
fn param_type_error(field: &str, expected: &str) -> Error {
    Error::invalid_arg(format!(
        "invalid type for parameter '{field}', expected '{expected}'"
    ))
}

/// A typed parameter the driver does not know (scheduler and memory parameters).
fn unsupported_param(field: &str) -> Error {
    Error::new(
        ErrorCode::ArgumentUnsupported,
        format!("parameter '{field}' not supported"),
    )
}

fn trav_ds() -> esxvirt_vi::AnySelectionSpec {
    crate::engine::trav("dcDatastores", "Datacenter", "datastore", &[])
}

/// The mount path of a datastore (its `host` property) on `host`: the first mount when
/// the host is unknown or not among them.
pub(crate) fn mount_path(ds: &Props, host: Option<&MoRef>) -> String {
    match ds.get("host") {
        Some(Value::ArrayOfDatastoreHostMount(mounts)) => mounts
            .iter()
            .find(|m| host.map(|h| h.value == m.key.value).unwrap_or(true))
            .or_else(|| mounts.first())
            .map(|m| m.mount_info.path.clone().unwrap_or_default())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

fn convert_tree(t: &esxvirt_vi::VirtualMachineSnapshotTree) -> SnapshotNode {
    SnapshotNode {
        moref: t.snapshot.value.clone(),
        name: t.name.clone(),
        description: t.description.clone(),
        create_time: esxvirt_util::xsd_datetime_to_unix(&t.create_time).unwrap_or(0),
        state: DomainState::from_power_state(t.state.as_str()),
        children: t.child_snapshot_list.iter().map(convert_tree).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_round_trip() {
        let u = parse_uuid("564d9bc2-1f3b-4ad5-8e0b-000000000001").unwrap();
        assert_eq!(format_uuid(&u), "564d9bc2-1f3b-4ad5-8e0b-000000000001");
        let every_digit = "00112233-4455-6677-8899-aabbccddeeff";
        assert_eq!(format_uuid(&parse_uuid(every_digit).unwrap()), every_digit);
        // vSphere's uuid.bios form
        let v = parse_uuid("56 4d 9b c2 1f 3b 4a d5-8e 0b 00 00 00 00 00 01").unwrap();
        assert_eq!(u, v);
        assert_eq!(parse_uuid("564d9bc21f3b4ad58e0b000000000001"), Some(u));
        assert!(parse_uuid("564d9bc2").is_none());
        assert!(parse_uuid("564d9bc21f3b4ad58e0b00000000000100").is_none());
        assert!(parse_uuid("zz4d9bc21f3b4ad58e0b000000000001").is_none());
    }

    #[test]
    fn autostart_vms_need_enabled_defaults_and_power_on() {
        let entry = |vm: &str, action: &str| AutoStartPowerInfo {
            key: ManagedObjectReference::new("VirtualMachine", vm),
            start_order: 1,
            start_delay: -1,
            wait_for_heartbeat: AutoStartWaitHeartbeatSetting::SystemDefault,
            start_action: action.to_string(),
            stop_delay: -1,
            stop_action: "none".to_string(),
        };
        let mut cfg = HostAutoStartManagerConfig {
            defaults: None,
            power_info: vec![
                entry("vm-1", "powerOn"),
                entry("vm-2", "none"),
                entry("vm-3", "PowerOn"),
            ],
        };
        assert!(autostart_vms(&cfg).is_empty(), "autostart not enabled");
        cfg.defaults = Some(AutoStartDefaults {
            enabled: Some(true),
            ..Default::default()
        });
        let on = autostart_vms(&cfg);
        assert_eq!(on.len(), 2);
        assert!(on.contains("vm-1") && on.contains("vm-3"), "{on:?}");
        for vm in ["vm-1", "vm-2", "vm-3", "vm-4"] {
            assert_eq!(autostart_of(&cfg, vm), on.contains(vm), "{vm}");
        }
    }
}
