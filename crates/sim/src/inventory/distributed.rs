//! Distributed virtual switches and their port groups: creating a switch (with its uplink
//! port group), adding port groups and member hosts, reconfiguring and removing them.

use super::model::{Device, Network};
use super::vcenter_model::{DvPortgroupInfo, DvSwitch};
use super::{random_uuid, vmx, InvError, InvResult, World};

/// What a new distributed port group looks like (`DVPortgroupConfigSpec`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortgroupSpec {
    pub name: String,
    /// `earlyBinding`, `lateBinding` or `ephemeral`.
    pub binding: String,
    pub num_ports: i32,
    pub vlan_id: i32,
}

impl PortgroupSpec {
    /// A port group named `name` with vCenter's defaults: early binding, 128 ports, no VLAN.
    pub fn named(name: &str) -> PortgroupSpec {
        PortgroupSpec {
            name: name.to_string(),
            binding: "earlyBinding".into(),
            num_ports: 128,
            vlan_id: 0,
        }
    }
}

impl World {
    /// Adds switch `name` to `folder` (a network folder of datacenter `dc`) with its uplink
    /// port group `NAME-DVUplinks-N`. `DuplicateName` when the datacenter has a switch of
    /// that name.
    pub fn add_dvs(&mut self, dc: &str, folder: &str, name: &str) -> InvResult<String> {
        if !self.datacenters.contains_key(dc) {
            return Err(InvError::NotFound(format!("Datacenter {dc}")));
        }
        if !self.folders.contains_key(folder) {
            return Err(InvError::NotFound(format!("Folder {folder}")));
        }
        if self
            .dvswitches
            .values()
            .any(|d| d.datacenter == dc && d.name == name)
        {
            return Err(InvError::DuplicateName(name.to_string()));
        }
        let n = self.alloc_id();
        let moid = format!("dvs-{n}");
        self.dvswitches.insert(
            moid.clone(),
            DvSwitch {
                moid: moid.clone(),
                name: name.to_string(),
                uuid: vmx::uuid_to_vmx(&random_uuid()),
                datacenter: dc.to_string(),
                folder: folder.to_string(),
                hosts: Vec::new(),
                portgroups: Vec::new(),
                max_ports: 2_147_483_647,
                version: "6.5.0".into(),
                config_version: 0,
            },
        );
        if let Some(f) = self.folders.get_mut(folder) {
            f.children.push(moid.clone());
        }
        let uplink = PortgroupSpec {
            num_ports: 0,
            ..PortgroupSpec::named(&format!("{name}-DVUplinks-{n}"))
        };
        let pg = self.add_dv_portgroup(&moid, &uplink)?;
        if let Some(Network { dvs: Some(d), .. }) = self.networks.get_mut(&pg) {
            d.uplink = true;
        }
        Ok(moid)
    }

    /// Adds a port group to switch `dvs`; `DuplicateName` when the switch has one of that
    /// name.
    pub fn add_dv_portgroup(&mut self, dvs: &str, spec: &PortgroupSpec) -> InvResult<String> {
        let sw = self
            .dvswitches
            .get(dvs)
            .ok_or_else(|| InvError::NotFound(format!("DistributedVirtualSwitch {dvs}")))?;
        if sw
            .portgroups
            .iter()
            .any(|p| self.networks.get(p).is_some_and(|n| n.name == spec.name))
        {
            return Err(InvError::DuplicateName(spec.name.clone()));
        }
        if !["earlyBinding", "lateBinding", "ephemeral"].contains(&spec.binding.as_str()) {
            return Err(InvError::InvalidArgument("type".into()));
        }
        let dc = sw.datacenter.clone();
        let moid = format!("dvportgroup-{}", self.alloc_id());
        self.networks.insert(
            moid.clone(),
            Network {
                moid: moid.clone(),
                name: spec.name.clone(),
                datacenter: dc,
                dvs: Some(DvPortgroupInfo {
                    dvs: dvs.to_string(),
                    key: moid.clone(),
                    binding: spec.binding.clone(),
                    num_ports: spec.num_ports.max(0),
                    vlan_id: spec.vlan_id,
                    uplink: false,
                    config_version: 0,
                }),
                folder: None,
            },
        );
        if let Some(sw) = self.dvswitches.get_mut(dvs) {
            sw.portgroups.push(moid.clone());
        }
        Ok(moid)
    }

    /// Makes `host` a member of switch `dvs` (once); the host must be in the switch's
    /// datacenter.
    pub fn dvs_add_host(&mut self, dvs: &str, host: &str) -> InvResult<()> {
        let dc = self.host(host)?.datacenter.clone();
        let sw = self
            .dvswitches
            .get_mut(dvs)
            .ok_or_else(|| InvError::NotFound(format!("DistributedVirtualSwitch {dvs}")))?;
        if sw.datacenter != dc {
            return Err(InvError::InvalidArgument(format!(
                "host {host} is not in the switch's datacenter"
            )));
        }
        if !sw.hosts.iter().any(|h| h == host) {
            sw.hosts.push(host.to_string());
        }
        Ok(())
    }

    /// Port keys of a distributed port group: numbers unique on its switch, allotted to the
    /// switch's port groups in order.
    pub fn dv_port_keys(&self, pg: &str) -> Vec<String> {
        let Some(info) = self.networks.get(pg).and_then(|n| n.dvs.as_ref()) else {
            return Vec::new();
        };
        let Some(sw) = self.dvswitches.get(&info.dvs) else {
            return Vec::new();
        };
        let mut first = 0;
        for p in &sw.portgroups {
            let n = self
                .networks
                .get(p)
                .and_then(|n| n.dvs.as_ref())
                .map(|d| d.num_ports)
                .unwrap_or(0);
            if p == pg {
                return (first..first + n).map(|k| k.to_string()).collect();
            }
            first += n;
        }
        Vec::new()
    }

    /// VMs with a NIC on network `net`.
    pub fn vms_on_network(&self, net: &str) -> Vec<String> {
        let Some(n) = self.networks.get(net) else {
            return Vec::new();
        };
        self.vms
            .values()
            .filter(|v| {
                v.config.devices.iter().any(|d| {
                    matches!(d, Device::Nic { network, .. } if *network == n.name)
                        && self
                            .network_for_nic(&v.host, &n.name)
                            .is_some_and(|m| m.moid == n.moid)
                })
            })
            .map(|v| v.moid.clone())
            .collect()
    }

    /// Removes distributed port group `pg` (`ResourceInUse` while VMs use it; the uplink
    /// port group goes only with its switch).
    pub fn remove_dv_portgroup(&mut self, pg: &str) -> InvResult<()> {
        let info = self
            .networks
            .get(pg)
            .and_then(|n| n.dvs.clone())
            .ok_or_else(|| InvError::NotFound(format!("DistributedVirtualPortgroup {pg}")))?;
        if !self.vms_on_network(pg).is_empty() {
            return Err(InvError::InUse(pg.to_string()));
        }
        self.networks.remove(pg);
        if let Some(sw) = self.dvswitches.get_mut(&info.dvs) {
            sw.portgroups.retain(|p| p != pg);
        }
        Ok(())
    }

    /// Removes switch `dvs` with its port groups (none may be in use).
    pub fn remove_dvs(&mut self, dvs: &str) -> InvResult<()> {
        let sw = self
            .dvswitches
            .get(dvs)
            .cloned()
            .ok_or_else(|| InvError::NotFound(format!("DistributedVirtualSwitch {dvs}")))?;
        if let Some(pg) = sw
            .portgroups
            .iter()
            .find(|p| !self.vms_on_network(p).is_empty())
        {
            return Err(InvError::InUse(pg.clone()));
        }
        for pg in &sw.portgroups {
            self.networks.remove(pg);
        }
        self.dvswitches.remove(dvs);
        if let Some(f) = self.folders.get_mut(&sw.folder) {
            f.children.retain(|c| c != dvs);
        }
        Ok(())
    }
}
