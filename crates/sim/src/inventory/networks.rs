//! Networks: the `Network` objects port groups imply in a datacenter, and the networks
//! and datastores hosts and VMs use.

use super::model::{Device, Network, ServerKind, Vm};
use super::{vmx, World};

impl World {
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
                dvs: None,
                folder: None,
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
        self.networks.retain(|_, n| {
            n.dvs.is_some() || used.contains(&(n.name.clone(), n.datacenter.clone()))
        });
    }

    /// Network objects a host's port groups back.
    pub fn host_networks(&self, host: &str) -> Vec<String> {
        let Some(h) = self.hosts.get(host) else {
            return Vec::new();
        };
        let mut out: Vec<String> = self
            .networks
            .values()
            .filter(|n| {
                n.dvs.is_none()
                    && n.datacenter == h.datacenter
                    && h.portgroups.iter().any(|p| p.name == n.name)
            })
            .map(|n| n.moid.clone())
            .collect();
        // A member of a distributed switch reaches its port groups.
        for dvs in self.dvswitches.values() {
            if dvs.hosts.iter().any(|x| x == host) {
                out.extend(dvs.portgroups.iter().cloned());
            }
        }
        out
    }

    /// The network a NIC's network name means for a VM on `host`: a distributed port group
    /// of that name in the host's datacenter, else the host's port-group network.
    pub fn network_for_nic(&self, host: &str, name: &str) -> Option<&Network> {
        let dc = &self.hosts.get(host)?.datacenter;
        let mut found = None;
        for n in self.networks.values() {
            if &n.datacenter == dc && n.name == name {
                if n.dvs.is_some() {
                    return Some(n);
                }
                found = Some(n);
            }
        }
        found
    }

    /// Network objects a VM's NICs connect to.
    pub fn vm_networks(&self, vm: &Vm) -> Vec<String> {
        let mut out = Vec::new();
        for d in &vm.config.devices {
            if let Device::Nic { network, .. } = d {
                if let Some(n) = self.network_for_nic(&vm.host, network) {
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
            .filter_map(|n| self.datastore_for(&vm.host, n).map(|d| d.moid.clone()))
            .collect()
    }
}
