//! The connection: opening one (URI, credentials, session cache, product checks, the
//! simulator hook), the vSphere session core every object builds on (`engine`), and the
//! connection-wide calls (`virConnect*` and `virNode*`: URI, version, host name, node
//! information, capabilities, free memory, closing).
//!
//! The calls of each object kind (lookups, listings, definitions) are `impl Connection`
//! blocks in that kind's module (`domain`, `network`, `storage`, ...), which depend on this
//! one and never the other way round.

use std::any::Any;

use esxvirt_vi::props::host_system as host;

use crate::error::{Error, ErrorCode, Result};
use crate::types::NodeInfo;

pub mod auth;
pub(crate) mod engine;
pub mod inventory_path;
pub(crate) mod open;
pub mod options;
pub mod product;
pub mod session_cache;
pub mod trust;
pub mod uri;
pub(crate) mod vcenter;

use engine::{Engine, HostContext};
pub use options::{OpenOptions, SimEndpoint, SimStarter};
use uri::{Scheme, Transport, Uri};

/// An open connection to an ESX host, a GSX server, a host through vCenter, or the embedded
/// simulator: one vSphere session, reused by every call.
pub struct Connection {
    pub(crate) uri: Uri,
    pub(crate) engine: Engine,
    /// The vCenter session of an esx:// connection with `vcenter=`.
    pub(crate) vcenter: Option<vcenter::VCenterLink>,
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

/// Shortens a host CPU model the way libvirt's nodeinfo does: double spaces collapsed,
/// `(R)`, `(C)` and `(TM)` removed, cut to 31 bytes.
pub(crate) fn shorten_cpu_model(model: &str) -> String {
    let mut s = model.to_string();
    loop {
        let before = s.len();
        s = s
            .replace("  ", " ")
            .replace("(R)", "")
            .replace("(C)", "")
            .replace("(TM)", "");
        if s.len() == before {
            break;
        }
    }
    let mut cut = s.len().min(31);
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    s.truncate(cut);
    s
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
            Some(_) => Some(vcenter::resolve_ipv4(&uri.host)?),
            None => None,
        };
        let (engine, guard) = if uri.scheme == Scheme::Sim {
            let sim = open::start_sim(&uri, options)?;
            (
                open::open_session(uri.clone(), options, Some((sim.url, sim.creds)))?,
                Some(sim.guard),
            )
        } else {
            (open::open_session(uri.clone(), options, None)?, None)
        };
        if uri.scheme == Scheme::Vpx {
            // Fail early on a bad host path, as libvirt does at open time.
            engine.context()?;
        }
        let vcenter = match (&wanted_vcenter, &host_ip) {
            (Some(wanted), Some(ip)) => Some(vcenter::link(&uri, &engine, ip, wanted, options)?),
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

    /// Refuses a change on a read-only connection.
    pub(crate) fn check_writable(&self) -> Result<()> {
        if self.read_only {
            return Err(Error::new(
                ErrorCode::OperationInvalid,
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
        let (name, domain) = (
            host::CONFIG_NETWORK_DNS_CONFIG_HOST_NAME,
            host::CONFIG_NETWORK_DNS_CONFIG_DOMAIN_NAME,
        );
        let p = self
            .engine
            .read_host(&[name.path(), domain.path()], "virConnectGetHostname")?;
        let host_name = p.get(name).unwrap_or_default();
        if host_name.is_empty() {
            return Err(Error::internal("Missing or empty 'hostName' property"));
        }
        Ok(match p.get(domain) {
            Some(d) if !d.is_empty() => format!("{host_name}.{d}"),
            _ => host_name,
        })
    }

    /// CPU, memory and NUMA figures of the host (`virNodeGetInfo`).
    pub fn node_get_info(&self) -> Result<NodeInfo> {
        let p = self.engine.read_host(
            &[
                host::HARDWARE_CPU_INFO_HZ.path(),
                host::HARDWARE_CPU_INFO_NUM_CPU_CORES.path(),
                host::HARDWARE_CPU_INFO_NUM_CPU_PACKAGES.path(),
                host::HARDWARE_CPU_INFO_NUM_CPU_THREADS.path(),
                host::HARDWARE_MEMORY_SIZE.path(),
                host::HARDWARE_NUMA_INFO_NUM_NODES.path(),
                host::SUMMARY_HARDWARE_CPU_MODEL.path(),
            ],
            "virNodeGetInfo",
        )?;
        let cores = p.count(host::HARDWARE_CPU_INFO_NUM_CPU_CORES);
        let packages = p.count(host::HARDWARE_CPU_INFO_NUM_CPU_PACKAGES);
        let threads = p.count(host::HARDWARE_CPU_INFO_NUM_CPU_THREADS);
        Ok(NodeInfo {
            model: shorten_cpu_model(&p.get(host::SUMMARY_HARDWARE_CPU_MODEL).unwrap_or_default()),
            memory: p.count(host::HARDWARE_MEMORY_SIZE) / 1024,
            cpus: cores as u32,
            mhz: (p.count(host::HARDWARE_CPU_INFO_HZ) / 1_000_000) as u32,
            nodes: p.count(host::HARDWARE_NUMA_INFO_NUM_NODES) as u32,
            sockets: packages as u32,
            cores: cores.checked_div(packages).unwrap_or(0) as u32,
            threads: threads.checked_div(cores).unwrap_or(0) as u32,
        })
    }

    /// The capabilities XML (`virConnectGetCapabilities`): the host's BIOS UUID, i686 and,
    /// when the CPU has long mode, x86_64 guests of type vmware.
    pub fn get_capabilities(&self) -> Result<String> {
        let p = self.engine.read_host(
            &[
                host::HARDWARE_CPU_FEATURE.path(),
                host::HARDWARE_SYSTEM_INFO_UUID.path(),
            ],
            "virConnectGetCapabilities",
        )?;
        let features = p.get(host::HARDWARE_CPU_FEATURE).unwrap_or_default();
        let long_mode = match features.iter().find(|i| i.level == -2147483647) {
            Some(info) => long_mode_bit(info.edx.as_deref().unwrap_or_default())?,
            None => false,
        };
        let uuid = p
            .get(host::HARDWARE_SYSTEM_INFO_UUID)
            .and_then(|u| crate::uuid::parse_uuid(&u))
            .map(|u| crate::uuid::format_uuid(&u));
        Ok(esxvirt_xml::capabilities::Capabilities::esx(uuid.as_deref(), long_mode).to_xml())
    }

    /// Free host memory in bytes (`virNodeGetFreeMemory`, `virsh freecell`).
    pub fn node_get_free_memory(&self) -> Result<u64> {
        let used = host::SUMMARY_QUICK_STATS_OVERALL_MEMORY_USAGE;
        let p = self.engine.read_host(
            &[used.path(), host::HARDWARE_MEMORY_SIZE.path()],
            "virNodeGetFreeMemory",
        )?;
        let size = p.count(host::HARDWARE_MEMORY_SIZE);
        Ok(size.saturating_sub(p.count(used) * 1_048_576))
    }

    /// Whether the transport is encrypted (https).
    pub fn is_encrypted(&self) -> bool {
        self.uri.params.transport == Transport::Https
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
    /// esx:// with `vcenter=`) and its host supports vMotion (asked afresh, as libvirt asks
    /// at every migration: one retrieval).
    pub(crate) fn supports_migration(&self) -> Result<bool> {
        if !self.engine.is_vcenter() && self.vcenter.is_none() {
            return Ok(false);
        }
        let vmotion = host::CAPABILITY_VMOTION_SUPPORTED;
        let p = self.engine.host_props(&[vmotion.path()])?;
        Ok(p.get(vmotion) == Some(true))
    }

    /// Where a migration to this connection goes, as libvirt's vpxmigr:// URI names it: the
    /// vCenter's IPv4 address, and the host (with its resource pool) in that vCenter.
    pub(crate) fn migration_target(&self) -> Result<(String, HostContext)> {
        match &self.vcenter {
            Some(link) => Ok((link.ip.clone(), link.context()?)),
            None => Ok((
                vcenter::resolve_ipv4(&self.uri.host)?,
                self.engine.context()?,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn cpu_model() {
        assert_eq!(
            shorten_cpu_model("Intel(R) Xeon(R) CPU           E5-2650 0 @ 2.00GHz"),
            "Intel Xeon CPU E5-2650 0 @ 2.00"
        );
    }
}
