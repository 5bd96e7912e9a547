//! The connection: opening (URI, credentials, session cache, the simulator hook), host
//! information, and the connection-level calls of every object kind.

use std::any::Any;
use std::sync::Arc;

use crate::auth::AuthCallback;
use crate::domain::parse_uuid;
use crate::domain::Domain;
use crate::engine::{Engine, HintKind, MoRef, Props};
use crate::error::ErrorCode;
use crate::error::{Error, Result};
use crate::file_names::{DatastoreMount, FileNameResolver};
use crate::interface::Interface;
use crate::types::DomainState;
use crate::types::NodeInfo;
use crate::uri::{Scheme, SimTarget, Uri};
use crate::vm_info;
use esxvirt_vi::{HostAutoStartManagerConfig, PropertyFilterSpec, Value};
use esxvirt_vmx::FormatContext;

/// Bit 29 (long mode) of a `HostCpuIdInfo` edx register (`----:----:...`, bit 31 first).
fn long_mode_bit(edx: &str) -> Result<bool> {
    let bits: Vec<char> = edx.chars().filter(|c| *c != ':').collect();
    if edx.len() != 39 || bits.len() != 32 {
        return Err(Error::internal(
            "HostCpuIdInfo register 'edx' has an unexpected length",
        ));
    }
    match bits[31 - 29] {
        '1' => Ok(true),
        '0' => Ok(false),
        c => Err(Error::internal(format!(
            "Bit 29 (Long Mode) of HostSystem property 'hardware.cpuFeature[].edx' with value '{edx}' has unexpected value '{c}', expecting '0' or '1'"
        ))),
    }
}

/// Starts the embedded simulator for `sim:///` URIs. The CLI implements it (the driver must
/// not depend on the simulator); the driver then connects to the returned endpoint over the
/// real wire path like to any host.
pub trait SimStarter: Send + Sync {
    /// Starts a simulator for `target` on a loopback port and returns where it listens.
    /// The error string is shown after `internal error: `.
    fn start(&self, target: &SimTarget) -> std::result::Result<SimEndpoint, String>;
}

/// A running simulator handed to the driver by a [`SimStarter`].
pub struct SimEndpoint {
    /// Its SOAP URL, e.g. `http://127.0.0.1:40123/sdk` (an `https` URL is connected without
    /// certificate verification: the simulator's certificate is self-signed).
    pub sdk_url: String,
    /// The user to log in as.
    pub username: String,
    /// The password.
    pub password: String,
    /// Kept alive as long as the connection; dropping it stops the simulator (and saves a
    /// `sim:///PATH.json` state).
    pub guard: Box<dyn Any + Send + Sync>,
}

impl std::fmt::Debug for SimEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimEndpoint")
            .field("sdk_url", &self.sdk_url)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// How to open a connection.
#[derive(Default, Clone)]
pub struct OpenOptions {
    /// Asks for credentials that neither the URI nor auth.conf give (the CLI prompts on a
    /// terminal). Without it, missing credentials are an error.
    pub auth: Option<Arc<dyn AuthCallback>>,
    /// Use the session cache (`$XDG_CACHE_HOME/esxvirt`): successive connections to the same
    /// URI and user reuse the session cookie and skip the login. Also off when the
    /// environment has `ESXVIRT_NO_SESSION_CACHE=1`, and always off for `sim:`.
    pub session_cache: bool,
    /// Starts the simulator for `sim:///` URIs; without it such URIs are an error.
    pub sim: Option<Arc<dyn SimStarter>>,
    /// Read-only connection (libvirt's VIR_CONNECT_RO): calls that change state fail.
    pub read_only: bool,
    /// Where the session cache lives instead of `$XDG_CACHE_HOME/esxvirt/sessions`.
    pub session_cache_dir: Option<std::path::PathBuf>,
    /// CA certificates (PEM) trusted for https instead of the system roots, when the URI
    /// has no `cacert=`.
    pub ca_file: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for OpenOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenOptions")
            .field("auth", &self.auth.is_some())
            .field("session_cache", &self.session_cache)
            .field("sim", &self.sim.is_some())
            .field("read_only", &self.read_only)
            .field("session_cache_dir", &self.session_cache_dir)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

/// An open connection to an ESX host, a GSX server, a host through vCenter, or the embedded
/// simulator: one vSphere session, reused by every call.
pub struct Connection {
    pub(crate) uri: Uri,
    pub(crate) engine: Engine,
    /// The vCenter session of an esx:// connection with `vcenter=`.
    pub(crate) vcenter: Option<crate::vcenter::VCenterLink>,
    pub(crate) read_only: bool,
    // Declared last: the simulator stops only after the session is gone.
    pub(crate) _sim_guard: Option<Box<dyn Any + Send + Sync>>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("uri", &self.uri.to_connected_string())
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Opens a connection (`virConnectOpenAuth`): parses `uri`, resolves credentials (URI user,
    /// auth.conf, then the callback), reuses a cached session or logs in, checks the product
    /// (esx:// HostAgent, vpx:// VirtualCenter, gsx:// GSX). A vpx:// host path is resolved
    /// at open. With `vcenter=` an esx:// or gsx:// connection also logs into the vCenter
    /// managing the host (destroy, undefine and migrate then go through it).
    pub fn open(uri: &str, options: &OpenOptions) -> Result<Connection> {
        let uri = Uri::parse(uri)?;
        Connection::open_uri(uri, options)
    }

    /// [`Connection::open`] with an already parsed URI.
    pub fn open_uri(uri: Uri, options: &OpenOptions) -> Result<Connection> {
        let wanted_vcenter = match uri.scheme {
            Scheme::Esx | Scheme::Gsx => uri.params.vcenter.clone(),
            Scheme::Vpx | Scheme::Sim => None,
        };
        // libvirt resolves the host's address first: the vCenter finds the host by it.
        let host_ip = match &wanted_vcenter {
            Some(_) => Some(crate::vcenter::resolve_ipv4(&uri.host)?),
            None => None,
        };
        let (engine, guard) = if uri.scheme == Scheme::Sim {
            let (url, creds, guard) = crate::engine::start_sim(&uri, options)?;
            (
                Engine::open(uri.clone(), options, Some((url, creds)))?,
                Some(guard),
            )
        } else {
            (Engine::open(uri.clone(), options, None)?, None)
        };
        if uri.scheme == Scheme::Vpx {
            // Fail early on a bad host path, as libvirt does at open time.
            engine.context()?;
        }
        let vcenter = match (&wanted_vcenter, &host_ip) {
            (Some(wanted), Some(ip)) => {
                Some(crate::vcenter::link(&uri, &engine, ip, wanted, options)?)
            }
            _ => None,
        };
        Ok(Connection {
            uri,
            engine,
            vcenter,
            read_only: options.read_only,
            _sim_guard: guard,
        })
    }

    /// The number of HTTP requests (SOAP calls and file transfers) this connection has sent
    /// (to the host and to its vCenter): what round-trip tests and benchmarks count.
    pub fn request_count(&self) -> u64 {
        self.engine.request_count()
            + self
                .vcenter
                .as_ref()
                .map_or(0, |v| v.engine.request_count())
    }

    /// The IPv4 address of the vCenter of an esx:// connection opened with `vcenter=`.
    pub fn vcenter_address(&self) -> Option<&str> {
        self.vcenter.as_ref().map(|v| v.ip.as_str())
    }

    pub(crate) fn check_writable(&self) -> Result<()> {
        if self.read_only {
            return Err(Error::new(
                crate::error::ErrorCode::OperationInvalid,
                "the connection is read-only",
            ));
        }
        Ok(())
    }

    /// The connection's URI as libvirt reports it (`virConnectGetURI`, `virsh uri`).
    pub fn get_uri(&self) -> String {
        self.uri.to_connected_string()
    }

    /// The parsed URI.
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// The driver name (`virConnectGetType`): `ESX`.
    pub fn get_type(&self) -> &'static str {
        "ESX"
    }

    /// The server's product version as major * 1,000,000 + minor * 1,000 + release
    /// (`virConnectGetVersion`).
    pub fn get_version(&self) -> Result<u64> {
        Ok(self.engine.product()?.version)
    }

    /// The host's DNS name, `hostName.domainName` (`virConnectGetHostname`).
    pub fn get_hostname(&self) -> Result<String> {
        let p = self.engine.host_props(&[
            "config.network.dnsConfig.hostName",
            "config.network.dnsConfig.domainName",
        ])?;
        let host = p
            .str("config.network.dnsConfig.hostName")
            .unwrap_or_default();
        if host.is_empty() {
            return Err(Error::internal("Missing or empty 'hostName' property"));
        }
        Ok(match p.str("config.network.dnsConfig.domainName") {
            Some(d) if !d.is_empty() => format!("{host}.{d}"),
            _ => host.to_string(),
        })
    }

    /// CPU, memory and NUMA figures of the host (`virNodeGetInfo`).
    pub fn node_get_info(&self) -> Result<NodeInfo> {
        let p = self.engine.host_props(&[
            "hardware.cpuInfo.hz",
            "hardware.cpuInfo.numCpuCores",
            "hardware.cpuInfo.numCpuPackages",
            "hardware.cpuInfo.numCpuThreads",
            "hardware.memorySize",
            "hardware.numaInfo.numNodes",
            "summary.hardware.cpuModel",
        ])?;
        let n = |k: &str| p.i64(k).unwrap_or(0).max(0) as u64;
        let cores = n("hardware.cpuInfo.numCpuCores");
        let packages = n("hardware.cpuInfo.numCpuPackages");
        let threads = n("hardware.cpuInfo.numCpuThreads");
        Ok(NodeInfo {
            model: crate::vm_info::shorten_cpu_model(
                p.str("summary.hardware.cpuModel").unwrap_or_default(),
            ),
            memory: n("hardware.memorySize") / 1024,
            cpus: cores as u32,
            mhz: (n("hardware.cpuInfo.hz") / 1_000_000) as u32,
            nodes: n("hardware.numaInfo.numNodes") as u32,
            sockets: packages as u32,
            cores: cores.checked_div(packages).unwrap_or(0) as u32,
            threads: threads.checked_div(cores).unwrap_or(0) as u32,
        })
    }

    /// The capabilities XML (`virConnectGetCapabilities`): the host's BIOS UUID, i686 and,
    /// when the CPU has long mode, x86_64 guests of type vmware.
    pub fn get_capabilities(&self) -> Result<String> {
        let mut p = self
            .engine
            .host_props(&["hardware.cpuFeature", "hardware.systemInfo.uuid"])?;
        let long_mode = match p.take("hardware.cpuFeature") {
            Some(esxvirt_vi::Value::ArrayOfHostCpuIdInfo(list)) => {
                match list.iter().find(|i| i.level == -2147483647) {
                    Some(info) => long_mode_bit(info.edx.as_deref().unwrap_or_default())?,
                    None => false,
                }
            }
            _ => false,
        };
        let uuid = p
            .str("hardware.systemInfo.uuid")
            .and_then(crate::domain::parse_uuid)
            .map(|u| crate::domain::format_uuid(&u));
        Ok(esxvirt_xml::capabilities::Capabilities::esx(uuid.as_deref(), long_mode).to_xml())
    }

    /// Free host memory in bytes (`virNodeGetFreeMemory`, `virsh freecell`).
    pub fn node_get_free_memory(&self) -> Result<u64> {
        let p = self.engine.host_props(&[
            "summary.quickStats.overallMemoryUsage",
            "hardware.memorySize",
        ])?;
        let size = p.i64("hardware.memorySize").unwrap_or(0).max(0) as u64;
        let used = p
            .i64("summary.quickStats.overallMemoryUsage")
            .unwrap_or(0)
            .max(0) as u64
            * 1_048_576;
        Ok(size.saturating_sub(used))
    }

    /// Whether the transport is encrypted (https).
    pub fn is_encrypted(&self) -> bool {
        self.uri.params.transport == crate::uri::Transport::Https
    }

    /// Whether the transport is secure (https).
    pub fn is_secure(&self) -> bool {
        self.is_encrypted()
    }

    /// Whether the session is still usable (`virConnectIsAlive`); no round trip, as libvirt.
    pub fn is_alive(&self) -> bool {
        true
    }

    /// `virConnectGetMaxVcpus`: the ESX driver does not implement it.
    pub fn get_max_vcpus(&self, _kind: Option<&str>) -> Result<i32> {
        Err(Error::no_support("virConnectGetMaxVcpus"))
    }

    /// Logs out and closes the connection (`virConnectClose`). Dropping the connection without
    /// closing keeps the session alive for the session cache.
    pub fn close(self) -> Result<()> {
        let host = self.engine.logout();
        let vcenter = match &self.vcenter {
            Some(v) => v.engine.logout(),
            None => Ok(()),
        };
        host.and(vcenter)
    }

    /// Ends this connection the way a command-line run should: a session kept in the session
    /// cache stays logged in for the next run (that is what the cache is for); any other
    /// session is logged out.
    pub fn finish(self) -> Result<()> {
        let host = if self.engine.session_is_cached() {
            Ok(())
        } else {
            self.engine.logout()
        };
        let vcenter = match &self.vcenter {
            Some(v) if !v.engine.session_is_cached() => v.engine.logout(),
            _ => Ok(()),
        };
        host.and(vcenter)
    }

    /// libvirt's VIR_DRV_FEATURE_MIGRATION_V1: the connection has a vCenter (vpx://, or
    /// esx:// with `vcenter=`) and its host supports vMotion (one retrieval then).
    pub(crate) fn supports_migration(&self) -> Result<bool> {
        if !self.engine.is_vcenter() && self.vcenter.is_none() {
            return Ok(false);
        }
        let p = self.engine.host_props(&["capability.vmotionSupported"])?;
        Ok(p.bool("capability.vmotionSupported") == Some(true))
    }

    /// Where a migration to this connection goes, as libvirt's vpxmigr:// URI names it: the
    /// vCenter's IPv4 address, and the host (with its resource pool) in that vCenter.
    pub(crate) fn migration_target(&self) -> Result<(String, crate::engine::HostContext)> {
        match &self.vcenter {
            Some(link) => Ok((link.ip.clone(), link.context()?)),
            None => Ok((
                crate::vcenter::resolve_ipv4(&self.uri.host)?,
                self.engine.context()?,
            )),
        }
    }

    // ----- domains -----

    /// The domain handle of a VM retrieved with its lookup properties.
    pub(crate) fn domain_from(&self, p: &Props) -> Result<Domain<'_>> {
        Ok(self.domain_with(vm_summary(p)?, p))
    }

    /// The domain of the VM `p` whose identity `summary` was read from it.
    fn domain_with(&self, summary: vm_info::VmSummary, p: &Props) -> Domain<'_> {
        Domain {
            conn: self,
            name: summary.name,
            uuid: summary.uuid,
            id: std::cell::Cell::new(vm_info::domain_id(&summary.moref, summary.state)),
            moref: summary.moref,
            prefetched: std::cell::RefCell::new(crate::domain::info_from(p)),
            prefetched_state: std::cell::Cell::new(Some(summary.state)),
            snapshots: Default::default(),
            prefetched_autostart: std::cell::Cell::new(None),
            prefetched_props: std::cell::RefCell::new(None),
            prefetched_place: std::cell::RefCell::new(None),
        }
    }

    /// The host's autostart manager and its configuration.
    pub(crate) fn autostart_config(&self) -> Result<(MoRef, HostAutoStartManagerConfig)> {
        let manager = self.engine.autostart_manager()?;
        let mut p = self
            .engine
            .object_props(&manager, &["config"])?
            .ok_or_else(|| Error::internal("Could not retrieve the AutoStartManager object"))?;
        let cfg = match p.take("config") {
            Some(Value::HostAutoStartManagerConfig(c)) => *c,
            _ => HostAutoStartManagerConfig::default(),
        };
        Ok((manager, cfg))
    }

    /// Every domain matching `flags` (`virConnectListAllDomains`,
    /// [`crate::flags::list_domains`]), in one paged retrieval.
    pub fn list_all_domains(&self, flags: u32) -> Result<Vec<Domain<'_>>> {
        if !check_list_flags(flags)? {
            return Ok(Vec::new());
        }
        let autostart = if vm_info::flags_need_autostart(flags) {
            Some(crate::domain::autostart_vms(&self.autostart_config()?.1))
        } else {
            None
        };
        let vms = self.engine.all_vms(&list_paths(flags, &[]))?;
        let mut out = Vec::with_capacity(vms.len());
        for p in &vms {
            let starts = |moref: &str| autostart.as_ref().is_some_and(|a| a.contains(moref));
            if let Some(d) = self.listed_domain(flags, p, starts)? {
                out.push(d);
            }
        }
        Ok(out)
    }

    /// The domain of the VM `p` when it passes the list `flags`; `autostarts` tells whether a
    /// VM (by managed-object id) starts with its host.
    pub(crate) fn listed_domain(
        &self,
        flags: u32,
        p: &Props,
        autostarts: impl Fn(&str) -> bool,
    ) -> Result<Option<Domain<'_>>> {
        let summary = vm_summary(p)?;
        let auto = vm_info::flags_need_autostart(flags) && autostarts(&summary.moref);
        if !vm_info::matches(flags, &summary, auto) {
            return Ok(None);
        }
        Ok(Some(self.domain_with(summary, p)))
    }

    /// IDs of the running domains (`virConnectListDomains`).
    pub fn list_domains(&self) -> Result<Vec<i32>> {
        Ok(self
            .list_all_domains(crate::flags::list_domains::ACTIVE)?
            .iter()
            .map(|d| d.id.get())
            .collect())
    }

    /// Number of running domains (`virConnectNumOfDomains`).
    pub fn num_of_domains(&self) -> Result<usize> {
        Ok(self.list_domains()?.len())
    }

    /// Names of the inactive domains (`virConnectListDefinedDomains`).
    pub fn list_defined_domains(&self) -> Result<Vec<String>> {
        Ok(self
            .list_all_domains(crate::flags::list_domains::INACTIVE)?
            .iter()
            .map(|d| d.name.clone())
            .collect())
    }

    /// Number of inactive domains (`virConnectNumOfDefinedDomains`).
    pub fn num_of_defined_domains(&self) -> Result<usize> {
        Ok(self.list_defined_domains()?.len())
    }

    /// Finds one VM by a predicate over its identity; on vCenter first through `index`.
    fn find_vm(&self, pred: impl Fn(&vm_info::VmSummary) -> bool) -> Result<Option<Domain<'_>>> {
        let vms = self.engine.all_vms(crate::domain::LOOKUP_PATHS)?;
        for p in &vms {
            // VMs without a readable identity (inaccessible) cannot match.
            let Ok(s) = vm_summary(p) else { continue };
            if pred(&s) {
                return Ok(Some(self.domain_from(p)?));
            }
        }
        Ok(None)
    }

    /// The VM `moref` as a domain, when it exists and (on vCenter) runs on the connection's
    /// host: libvirt only sees the VMs of that host.
    fn domain_by_moref(&self, moref: &MoRef) -> Result<Option<Domain<'_>>> {
        let mut paths = crate::domain::LOOKUP_PATHS.to_vec();
        paths.extend_from_slice(crate::domain::PREFETCH_PATHS);
        // The VM's own datastores come along (what `dumpxml` maps file names with), and on
        // a host without a known context its datacenter's name (the /folder dcPath).
        let mut specs = vec![crate::engine::filter(
            moref,
            false,
            vec![crate::engine::trav(
                "vmDatastores",
                "VirtualMachine",
                "datastore",
                &[],
            )],
            vec![
                crate::engine::props_of(&moref.ty, &paths),
                crate::engine::props_of("Datastore", &["summary.name", "host"]),
            ],
        )];
        if !self.engine.is_vcenter() && !self.engine.has_context() {
            specs.push(crate::engine::filter(
                &self.engine.root_folder(),
                true,
                vec![crate::engine::trav(
                    "folderChildren",
                    "Folder",
                    "childEntity",
                    &["folderChildren"],
                )],
                vec![crate::engine::props_of("Datacenter", &["name"])],
            ));
        }
        // With the AutoStartManager known (session cache), its configuration comes in the
        // same retrieval, so `dominfo` needs no second one for the autostart flag.
        // Otherwise the host names it in the same retrieval, for the next query; an ESX
        // host's has a fixed id, so its configuration is asked for on trust too and used
        // only if the host names that manager.
        let known = self.engine.known_autostart_manager();
        let guessed = match &known {
            None if !self.engine.is_vcenter()
                && self.engine.root_folder().value == "ha-folder-root" =>
            {
                Some(MoRef::new("HostAutoStartManager", "ha-autostart-mgr"))
            }
            _ => None,
        };
        if known.is_none() {
            // The screenshot capability too, while it is not known (a fixed host property).
            let mut host_paths = vec!["configManager.autoStartManager"];
            if !self.engine.knows_screenshot_support() {
                host_paths.push(crate::engine::SCREENSHOT_SUPPORTED);
            }
            specs.push(self.engine.host_filter(&host_paths)?);
        }
        let manager = known.or(guessed.clone());
        if let Some(m) = &manager {
            // Left out rather than failing the lookup when it is missing (govmomi's
            // simulator names a manager it does not serve).
            specs.push(PropertyFilterSpec {
                report_missing_objects_in_results: Some(true),
                ..crate::engine::filter(
                    m,
                    false,
                    vec![],
                    vec![crate::engine::props_of(&m.ty, &["config"])],
                )
            });
        }
        let objects = match self.engine.retrieve(specs) {
            Ok(o) => o,
            Err(e) if crate::engine::is_not_found(&e) => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut vm = None;
        let mut autostart_cfg = None;
        let mut named_manager = None;
        let mut place = crate::domain::Place::default();
        for mut o in objects {
            let is_manager = manager
                .as_ref()
                .zip(o.obj.as_ref())
                .is_some_and(|(m, obj)| obj.value == m.value && obj.type_ == m.ty);
            if is_manager {
                if let Some(Value::HostAutoStartManagerConfig(c)) = o.take("config") {
                    autostart_cfg = Some(*c);
                }
            } else if o.ty() == "HostSystem" {
                self.engine.note_host(&o);
                if let Some(m) = o.mo("configManager.autoStartManager") {
                    named_manager = Some(m.clone());
                    self.engine.learn_autostart_manager(m);
                }
                if let Some(supported) = o.bool(crate::engine::SCREENSHOT_SUPPORTED) {
                    self.engine.learn_screenshot_supported(supported);
                }
            } else if o.ty() == "Datastore" {
                place.datastores.push(o);
            } else if o.ty() == "Datacenter" {
                place.datacenter = place
                    .datacenter
                    .or_else(|| o.str("name").map(str::to_string));
            } else if vm.is_none() {
                vm = Some(o);
            }
        }
        if guessed.is_some() && named_manager != guessed {
            autostart_cfg = None;
        }
        let Some(p) = vm else { return Ok(None) };
        if self.engine.is_vcenter() {
            let host = self.engine.context()?.host;
            if p.mo("runtime.host").map(|h| h.value) != Some(host.value) {
                return Ok(None);
            }
        }
        let d = self.domain_from(&p)?;
        d.prefetched_props.replace(Some(p));
        d.prefetched_place.replace(Some(place));
        if let Some(cfg) = autostart_cfg {
            d.prefetched_autostart
                .set(Some(crate::domain::autostart_of(&cfg, &d.moref)));
        }
        Ok(Some(d))
    }

    /// The running domain with `id` (`virDomainLookupByID`); error `No domain with ID N`.
    pub fn domain_lookup_by_id(&self, id: i32) -> Result<Domain<'_>> {
        let not_found = || Error::new(ErrorCode::NoDomain, format!("No domain with ID {id}"));
        // The ID is the number of the VM's managed-object id: that object is asked for
        // directly; a scan remains for hosts whose ids are not bare numbers.
        let found = if self.engine.is_vcenter() {
            self.domain_by_moref(&MoRef::new("VirtualMachine", &format!("vm-{id}")))?
        } else if id < 0 {
            None
        } else {
            match self.domain_by_moref(&MoRef::new("VirtualMachine", &id.to_string()))? {
                Some(d) => Some(d),
                None => self.find_vm(|s| {
                    s.state != DomainState::Shutoff && vm_info::id_from_moref(&s.moref) == Some(id)
                })?,
            }
        };
        match found {
            Some(d) if d.id.get() == id => Ok(d),
            _ => Err(not_found()),
        }
    }

    /// The domain with this UUID, given as text with or without dashes
    /// (`virDomainLookupByUUIDString`).
    pub fn domain_lookup_by_uuid_string(&self, uuid: &str) -> Result<Domain<'_>> {
        let parsed = parse_uuid(uuid).ok_or_else(|| {
            Error::invalid_arg(format!("Could not parse UUID from string '{uuid}'"))
        })?;
        self.domain_lookup_by_uuid(&parsed)
    }

    /// The domain with this UUID (`virDomainLookupByUUID`).
    pub fn domain_lookup_by_uuid(&self, uuid: &[u8; 16]) -> Result<Domain<'_>> {
        let text = crate::domain::format_uuid(uuid);
        let found = self.lookup_remembered(
            HintKind::Uuid,
            &text,
            |d| d.uuid == *uuid,
            || self.domain_lookup_by_uuid_uncached(&text),
        )?;
        found.ok_or_else(|| {
            Error::new(
                ErrorCode::NoDomain,
                format!("Could not find domain with UUID '{text}'"),
            )
        })
    }

    /// The lookup by UUID without remembered UUIDs: the search index answers without
    /// listing every VM, in the connection's datacenter on vCenter, in the whole
    /// (single-host) inventory on ESX.
    fn domain_lookup_by_uuid_uncached(&self, text: &str) -> Result<Option<Domain<'_>>> {
        let dc = if self.engine.is_vcenter() {
            Some(self.engine.context()?.datacenter)
        } else {
            None
        };
        // The search index is one of the well-known objects: no need to wait for the
        // service content.
        let moref = self.engine.run_early(|c| {
            let dc = dc.as_ref().map(MoRef::vi);
            let t = text.to_string();
            async move {
                c.find_by_uuid(dc.as_ref(), &t, true, None)
                    .await
                    .map_err(crate::engine::vi_err)
            }
        })?;
        match moref {
            Some(m) => self.domain_by_moref(&MoRef::from_vi(&m)),
            None => Ok(None),
        }
    }

    /// A lookup by name or UUID through the remembered VMs: the VM remembered for `key` is
    /// asked for directly (one retrieval) and kept when it still exists, is on the
    /// connection's host and `still_matches`; otherwise the hint is dropped and `full` does
    /// the lookup, whose answer is remembered (see NameHints).
    fn lookup_remembered<'a>(
        &'a self,
        kind: HintKind,
        key: &str,
        still_matches: impl Fn(&Domain<'_>) -> bool,
        full: impl FnOnce() -> Result<Option<Domain<'a>>>,
    ) -> Result<Option<Domain<'a>>> {
        if let Some(moref) = self.engine.vm_hint(kind, key) {
            match self.domain_by_moref(&moref)? {
                Some(d) if still_matches(&d) => return Ok(Some(d)),
                _ => self.engine.forget_vm(kind, key),
            }
        }
        let found = full()?;
        if let Some(d) = &found {
            self.engine
                .remember_vm(kind, key, &MoRef::new("VirtualMachine", &d.moref));
        }
        Ok(found)
    }

    /// The domain with this name (`virDomainLookupByName`); error
    /// `Domain not found: Could not find domain with name 'NAME'`.
    pub fn domain_lookup_by_name(&self, name: &str) -> Result<Domain<'_>> {
        // A VM looked up by this name before is asked for directly: one retrieval, whose
        // answer confirms the name.
        let found = self.lookup_remembered(
            HintKind::Name,
            name,
            |d| d.name == name,
            || self.domain_lookup_by_name_uncached(name),
        )?;
        found.ok_or_else(|| {
            Error::new(
                ErrorCode::NoDomain,
                format!("Could not find domain with name '{name}'"),
            )
        })
    }

    /// The lookup by name without remembered names: FindChild in the VM folder, then (for
    /// VMs in subfolders) a scan of the host's VMs.
    fn domain_lookup_by_name_uncached(&self, name: &str) -> Result<Option<Domain<'_>>> {
        let mut found = None;
        // The name index of the VM folder answers without listing every VM: the resolved
        // context's folder, or on an ESX host its well-known one.
        let folder = if self.engine.is_vcenter() || self.engine.has_context() {
            Some(self.engine.context()?.vm_folder)
        } else if self.engine.root_folder().value == "ha-folder-root" {
            Some(MoRef::new("Folder", "ha-folder-vm"))
        } else {
            None
        };
        if let Some(folder) = folder {
            let escaped = vm_info::escape_name(name);
            let moref = self.engine.run_early(|c| {
                let folder = folder.vi();
                let escaped = escaped.clone();
                async move {
                    match c.find_child(&folder, &escaped).await {
                        Ok(m) => Ok(m),
                        // A folder that is not there: fall back to the scan.
                        Err(esxvirt_vi::Error::Fault(
                            esxvirt_vi::Fault::ManagedObjectNotFound { .. },
                        )) => Ok(None),
                        Err(e) => Err(crate::engine::vi_err(e)),
                    }
                }
            })?;
            if let Some(m) = moref {
                if m.type_ == "VirtualMachine" {
                    found = self.domain_by_moref(&MoRef::from_vi(&m))?;
                }
            }
        }
        if found.is_none() {
            found = self.find_vm(|s| s.name == name)?;
        }
        Ok(found)
    }

    /// Every datastore the connection's host sees, with its mount path there.
    pub(crate) fn datastore_mounts(&self) -> Result<Vec<DatastoreMount>> {
        let ctx = self.engine.context()?;
        let spec = crate::engine::filter(
            &ctx.host,
            true,
            vec![crate::engine::trav(
                "hostDatastores",
                "HostSystem",
                "datastore",
                &[],
            )],
            vec![crate::engine::props_of(
                "Datastore",
                &["summary.name", "host"],
            )],
        );
        let stores = self.engine.retrieve(vec![spec])?;
        Ok(stores
            .iter()
            .map(|d| DatastoreMount {
                name: d.str("summary.name").unwrap_or_default().to_string(),
                mount_path: crate::domain::mount_path(d, Some(&ctx.host)),
            })
            .collect())
    }

    /// Defines a domain from XML (`virDomainDefineXMLFlags`): converts it to VMX, uploads the
    /// .vmx next to the first file-based disk and registers it. Fails if the name or UUID
    /// exists; when registering fails, nothing is registered.
    pub fn domain_define_xml(&self, xml: &str, flags: u32) -> Result<Domain<'_>> {
        crate::error::check_flags(
            flags,
            crate::flags::define::VALIDATE,
            "esxDomainDefineXMLFlags",
        )?;
        self.check_writable()?;
        let mut def = esxvirt_xml::domain::Domain::from_xml(xml)
            .map_err(|e| Error::new(ErrorCode::XmlError, e.to_string()))?;
        if def.uuid.is_none() {
            def.uuid = Some(esxvirt_xml::domain::values::Uuid::from_bytes(
                generate_uuid(),
            ));
        }
        if def.name.contains('\n') {
            return Err(Error::new(
                ErrorCode::XmlError,
                format!("name {} cannot contain '\\n'", def.name),
            ));
        }
        let exists = {
            let uuid = def.uuid.as_ref().map(|u| *u.as_bytes());
            let name = def.name.clone();
            self.find_vm(|s| Some(s.uuid) == uuid || s.name == name)?
        };
        if exists.is_some() {
            return Err(Error::internal(
                "Domain already exists, editing existing domains is not supported yet",
            ));
        }
        let mounts = self.datastore_mounts()?;
        let resolver = FileNameResolver {
            vmx_dir: String::new(),
            datastores: mounts,
        };
        let format = |src: &str| resolver.format(src);
        let fctx = FormatContext::new(&format);
        let hw = crate::product::default_virtual_hw_version(&self.engine.product()?);
        let vmx = esxvirt_vmx::domain_to_vmx(&def, &fctx, hw)
            .map_err(|e| Error::internal(e.to_string()))?;
        // The .vmx goes next to the first file-based hard disk.
        let src = first_disk_source(&def)?;
        let parsed = esxvirt_util::parse_datastore_path(&src)
            .map_err(|e| Error::invalid_arg(e.to_string()))?;
        if !src.to_ascii_lowercase().ends_with(".vmdk") {
            return Err(Error::internal(format!(
                "Expecting source '{src}' of first file-based harddisk to be a VMDK image"
            )));
        }
        let escaped = esxvirt_util::escape_datastore_item(&def.name);
        let (rel, ds_path) = if parsed.directory.is_empty() {
            (
                format!("{escaped}.vmx"),
                format!("[{}] {escaped}.vmx", parsed.datastore),
            )
        } else {
            (
                format!("{}/{escaped}.vmx", parsed.directory),
                format!("[{}] {}/{escaped}.vmx", parsed.datastore, parsed.directory),
            )
        };
        let ctx = self.engine.context()?;
        let url = esxvirt_vi::datastore_file_path(&rel, &ctx.datacenter_path, &parsed.datastore);
        self.engine.put_file(&url, vmx.into_bytes())?;
        let auto = self.engine.auto_answer;
        let result = self.engine.run(|c| {
            let ctx = ctx.clone();
            let ds_path = ds_path.clone();
            async move {
                let task = c
                    .register_vm_task(
                        &ctx.vm_folder.vi(),
                        &ds_path,
                        None,
                        false,
                        Some(&ctx.resource_pool.vi()),
                        Some(&ctx.host.vi()),
                    )
                    .await
                    .map_err(crate::engine::vi_err)?;
                let out = crate::tasks::wait(&c, &task, None, auto).await?;
                if !out.success {
                    return Err(Error::internal(format!(
                        "Could not define domain: {}",
                        out.error
                    )));
                }
                Ok(out.result)
            }
        });
        let result = match result {
            Ok(r) => r,
            Err(e) => {
                // Leave nothing behind: the uploaded .vmx of a VM that did not register.
                let dc = ctx.datacenter.vi();
                let path = ds_path.clone();
                let _ = self.engine.run(|c| {
                    let (dc, path) = (dc.clone(), path.clone());
                    async move {
                        let t = c
                            .delete_datastore_file_task(&path, Some(&dc))
                            .await
                            .map_err(crate::engine::vi_err)?;
                        crate::tasks::wait(&c, &t, None, false).await.map(|_| ())
                    }
                });
                return Err(e);
            }
        };
        let moref = match result {
            Some(Value::ManagedObjectReference(m)) => MoRef::from_vi(&m),
            _ => return self.domain_lookup_by_name(&def.name),
        };
        match self.domain_by_moref(&moref)? {
            Some(d) => Ok(d),
            None => self.domain_lookup_by_name(&def.name),
        }
    }

    /// Converts a native config to domain XML (`virConnectDomainXMLFromNative`); the only
    /// format is `vmware-vmx`.
    pub fn domain_xml_from_native(&self, format: &str, config: &str) -> Result<String> {
        if format != "vmware-vmx" {
            return Err(Error::invalid_arg(format!(
                "Unsupported config format '{format}'"
            )));
        }
        let mounts = self.datastore_mounts()?;
        let resolver = FileNameResolver {
            vmx_dir: "[?] ?".to_string(),
            datastores: mounts,
        };
        let parse = |name: &str, allow_missing: bool| resolver.parse(name, allow_missing);
        let pctx = esxvirt_vmx::ParseContext::new(&parse);
        let def = esxvirt_vmx::vmx_to_domain(config, &pctx)
            .map_err(|e| Error::internal(e.to_string()))?;
        Ok(def.to_xml_with(esxvirt_xml::domain::FormatOptions {
            secure: false,
            inactive: true,
        }))
    }

    /// Converts domain XML to a native config (`virConnectDomainXMLToNative`); the only format
    /// is `vmware-vmx`.
    pub fn domain_xml_to_native(&self, format: &str, xml: &str) -> Result<String> {
        if format != "vmware-vmx" {
            return Err(Error::invalid_arg(format!(
                "Unsupported config format '{format}'"
            )));
        }
        let mut def = esxvirt_xml::domain::Domain::from_xml(xml)
            .map_err(|e| Error::new(ErrorCode::XmlError, e.to_string()))?;
        if def.uuid.is_none() {
            def.uuid = Some(esxvirt_xml::domain::values::Uuid::from_bytes(
                generate_uuid(),
            ));
        }
        let mounts = self.datastore_mounts()?;
        let resolver = FileNameResolver {
            vmx_dir: String::new(),
            datastores: mounts,
        };
        let format_name = |src: &str| resolver.format(src);
        let fctx = FormatContext::new(&format_name);
        let hw = crate::product::default_virtual_hw_version(&self.engine.product()?);
        esxvirt_vmx::domain_to_vmx(&def, &fctx, hw).map_err(|e| Error::internal(e.to_string()))
    }

    // ----- host interfaces -----

    /// The host's physical NICs (`config.network.pnic`, one retrieval).
    pub(crate) fn physical_nics(&self) -> Result<Vec<esxvirt_vi::PhysicalNic>> {
        let mut p = self.engine.host_props(&["config.network.pnic"])?;
        Ok(match p.take("config.network.pnic") {
            Some(Value::ArrayOfPhysicalNic(v)) => v,
            _ => Vec::new(),
        })
    }

    /// Every physical NIC matching `flags` (`virConnectListAllInterfaces`): all are active.
    pub fn list_all_interfaces(&self, flags: u32) -> Result<Vec<Interface<'_>>> {
        use crate::flags::list_interfaces as f;
        crate::error::check_flags(
            flags,
            f::ACTIVE | f::INACTIVE,
            "virConnectListAllInterfaces",
        )?;
        if flags & (f::ACTIVE | f::INACTIVE) == f::INACTIVE {
            return Ok(Vec::new());
        }
        Ok(self
            .physical_nics()?
            .into_iter()
            .map(|n| Interface::of(self, n))
            .collect())
    }

    /// Names of the active interfaces (`virConnectListInterfaces`).
    pub fn list_interfaces(&self) -> Result<Vec<String>> {
        Ok(self
            .list_all_interfaces(0)?
            .into_iter()
            .map(|i| i.name)
            .collect())
    }

    /// Always empty: ESX interfaces are always active (`virConnectListDefinedInterfaces`).
    pub fn list_defined_interfaces(&self) -> Result<Vec<String>> {
        Ok(Vec::new())
    }

    /// `virInterfaceLookupByName` as libvirt 9.0's ESX driver has it: it looks the *name* up
    /// among the MAC addresses, so it finds nothing for a NIC name (and virsh's `iface-list`
    /// shows no interface). [`Connection::interface_lookup_by_device`] finds by name.
    pub fn interface_lookup_by_name(&self, name: &str) -> Result<Interface<'_>> {
        self.interface_lookup_by_mac_string(name)
    }

    /// The physical NIC with this device name (`vmnic0`), case-insensitively: what
    /// `virInterfaceLookupByName` is meant to do.
    pub fn interface_lookup_by_device(&self, name: &str) -> Result<Interface<'_>> {
        self.physical_nics()?
            .into_iter()
            .find(|n| n.device.eq_ignore_ascii_case(name))
            .map(|n| Interface::of(self, n))
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::NoInterface,
                    format!("Could not find physical NIC with name '{name}'"),
                )
            })
    }

    /// The physical NIC with this MAC address (`virInterfaceLookupByMACString`).
    pub fn interface_lookup_by_mac_string(&self, mac: &str) -> Result<Interface<'_>> {
        self.physical_nics()?
            .into_iter()
            .find(|n| n.mac.eq_ignore_ascii_case(mac))
            .map(|n| Interface::of(self, n))
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::NoInterface,
                    format!("Could not find physical NIC with MAC address '{mac}'"),
                )
            })
    }
}

const LIST_DOMAINS_ALLOWED: u32 = (1 << 16) - 1;

/// Checks listing flags as libvirt's ESX driver does; whether the listing can have any
/// domain at all (transient or managed-save ones do not exist on ESX).
pub(crate) fn check_list_flags(flags: u32) -> Result<bool> {
    crate::error::check_flags(flags, LIST_DOMAINS_ALLOWED, "esxConnectListAllDomains")?;
    Ok(!vm_info::flags_exclude_everything(flags))
}

/// The VM properties a listing with `flags` needs, then `extra`.
pub(crate) fn list_paths(flags: u32, extra: &[&'static str]) -> Vec<&'static str> {
    let mut paths = vec!["name", "config.uuid", "runtime.powerState"];
    if vm_info::flags_need_snapshots(flags) {
        paths.push("snapshot.rootSnapshotList");
    }
    paths.extend_from_slice(extra);
    paths
}

/// The identity of a VM from `name`, `config.uuid` and `runtime.powerState`.
pub(crate) fn vm_summary(p: &Props) -> Result<vm_info::VmSummary> {
    let name = p
        .str("name")
        .ok_or_else(|| Error::internal("Could not get name of virtual machine"))?;
    let uuid = p
        .str("config.uuid")
        .ok_or_else(|| Error::internal("Could not get UUID of virtual machine"))?;
    Ok(vm_info::VmSummary {
        moref: p.moref().value,
        name: vm_info::unescape_name(name)?,
        uuid: vm_info::uuid_from_config(uuid)?,
        state: p.power_state()?,
        has_snapshot: matches!(
            p.get("snapshot.rootSnapshotList"),
            Some(Value::ArrayOfVirtualMachineSnapshotTree(v)) if !v.is_empty()
        ),
    })
}

/// A fresh UUID for a definition that has none, as libvirt's parser generates one (random
/// enough: the clock, the process and a counter through MD5; version-4 layout).
fn generate_uuid() -> [u8; 16] {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let seed = format!(
        "{nanos}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let mut u = crate::md5::md5(seed.as_bytes());
    u[6] = (u[6] & 0x0f) | 0x40;
    u[8] = (u[8] & 0x3f) | 0x80;
    u
}

/// The source of the first file-based hard disk (where libvirt puts the .vmx).
fn first_disk_source(def: &esxvirt_xml::domain::Domain) -> Result<String> {
    if def.devices.disks.is_empty() {
        return Err(Error::internal(
            "Domain XML doesn't contain any disks, cannot deduce datastore and path for VMX file",
        ));
    }
    let disk = def
        .devices
        .disks
        .iter()
        .find(|d| {
            d.device == esxvirt_xml::domain::DiskDevice::Disk
                && d.disk_type == esxvirt_xml::domain::DiskType::File
        })
        .ok_or_else(|| {
            Error::internal(
                "Domain XML doesn't contain any file-based harddisks, cannot deduce datastore and path for VMX file",
            )
        })?;
    disk.source.clone().ok_or_else(|| {
        Error::internal(
            "First file-based harddisk has no source, cannot deduce datastore and path for VMX file",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_uuids_are_v4_and_distinct() {
        let a = generate_uuid();
        let b = generate_uuid();
        assert_ne!(a, b);
        assert_eq!(a[6] >> 4, 4);
        assert_eq!(a[8] & 0xc0, 0x80);
    }

    #[test]
    fn long_mode_bit_is_read_from_edx() {
        let mut edx = String::from("----:----:----:----:----:----:----:----");
        // bit 29 is the third character (bits are written 31 first)
        edx.replace_range(2..3, "1");
        assert!(long_mode_bit(&edx).unwrap());
        edx.replace_range(2..3, "0");
        assert!(!long_mode_bit(&edx).unwrap());
        assert!(long_mode_bit("0000").is_err());
    }
}
