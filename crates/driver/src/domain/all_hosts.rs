//! Listing the domains of every host a connection can see (an esxvirt extension: libvirt's
//! vpx:// connection names one host and lists that host's VMs only).
//!
//! One paged retrieval from the root folder walks every datacenter down to its hosts and
//! their VMs, collecting each host's name (and, for autostart filters, its autostart
//! configuration `config.autoStart`) on the way, so the host of every VM (`runtime.host`)
//! is known without a request per host or per VM. The filters are libvirt's list flags,
//! applied by the same code as [`Connection::list_all_domains`].

use std::collections::{HashMap, HashSet};

use esxvirt_vi::props::{host_system as host, virtual_machine as vm};

use super::autostart::autostart_vms;
use super::identity;
use super::lookup::{check_list_flags, list_paths};
use super::Domain;
use crate::connection::engine::Props;
use crate::connection::Connection;
use crate::error::Result;

/// One domain of [`Connection::list_all_domains_all_hosts`] with the host it runs on.
#[derive(Debug, Clone)]
pub struct HostDomain<'c> {
    pub domain: Domain<'c>,
    /// The host's inventory name (`HostSystem.name`, e.g. `esx-01.example.com`); the host's
    /// managed-object id when the host was not seen by the retrieval (a VM that moved while
    /// it ran), empty when the VM names no host.
    pub host: String,
}

/// What the retrieval says about one host.
#[derive(Debug, Default)]
struct HostSeen {
    name: String,
    /// The VMs that start with the host (only filled for autostart filters).
    autostart: HashSet<String>,
}

impl Connection {
    /// Every domain matching `flags` (libvirt's list flags, as for
    /// [`Connection::list_all_domains`]) on every host of the inventory, with its host's name:
    /// on vCenter the VMs of all hosts of all datacenters, on a single host (esx://, gsx://)
    /// that host's VMs. One paged retrieval (RetrievePropertiesEx and its continuations),
    /// needing no resolved host context; domains come in the server's order. IDs are the
    /// managed-object numbers (`vm-123` is 123), unique across a vCenter.
    ///
    /// Autostart filters read each host's `config.autoStart` in the same retrieval: the
    /// configuration of the host's AutoStartManager as the host reports it (libvirt asks the
    /// manager itself, a request per host). A host that reports none (a disconnected one)
    /// starts no VM.
    pub fn list_all_domains_all_hosts(&self, flags: u32) -> Result<Vec<HostDomain<'_>>> {
        if !check_list_flags(flags)? {
            return Ok(Vec::new());
        }
        let need_autostart = identity::flags_need_autostart(flags);
        let mut host_paths = vec![host::NAME.path()];
        if need_autostart {
            host_paths.push(host::CONFIG_AUTO_START.path());
        }
        let (hosts, vms) = self
            .engine
            .every_host_and_vm(&host_paths, &list_paths(flags, &[vm::RUNTIME_HOST.path()]))?;
        let hosts = hosts_seen(hosts, need_autostart);
        let mut out = Vec::with_capacity(vms.len());
        for p in &vms {
            let host_id = p.get(vm::RUNTIME_HOST).map(|h| h.value);
            let host = host_id.as_ref().and_then(|h| hosts.get(h));
            let starts = |moref: &str| host.is_some_and(|h| h.autostart.contains(moref));
            if let Some(domain) = self.listed_domain(flags, p, starts)? {
                let host = match (host, host_id) {
                    (Some(h), _) => h.name.clone(),
                    (None, Some(id)) => id,
                    (None, None) => String::new(),
                };
                out.push(HostDomain { domain, host });
            }
        }
        Ok(out)
    }
}

/// The hosts of the retrieval by managed-object id, with their autostart sets when
/// `need_autostart`.
fn hosts_seen(hosts: Vec<Props>, need_autostart: bool) -> HashMap<String, HostSeen> {
    let mut seen = HashMap::with_capacity(hosts.len());
    for mut h in hosts {
        let name = h.get(host::NAME).unwrap_or_default();
        let name = esxvirt_util::unescape_percent(&name).unwrap_or(name);
        let autostart = match h.take(host::CONFIG_AUTO_START) {
            Some(cfg) if need_autostart => autostart_vms(&cfg),
            _ => HashSet::new(),
        };
        seen.insert(h.obj.value.clone(), HostSeen { name, autostart });
    }
    seen
}
