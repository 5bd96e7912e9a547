//! What every inventory entity can undergo: renaming (names unique among a container's
//! children), moving into another folder (or a storage pod), and destruction with its
//! contents, plus the containers vCenter creates: datacenters, clusters, standalone and
//! cluster hosts, folders and storage pods.

use super::defaults::host_template;
use super::model::{PowerState, ServerKind};
use super::vcenter_model::StoragePod;
use super::{InvError, InvResult, Rng, World};

impl World {
    /// The ids a container lists as its children (`childEntity`): explicit children, plus
    /// the datastores and networks a datacenter's own folders hold without listing them.
    pub fn container_children(&self, id: &str) -> Vec<String> {
        if let Some(p) = self.storage_pods.get(id) {
            return p.children.clone();
        }
        let mut out = self
            .folders
            .get(id)
            .map(|f| f.children.clone())
            .unwrap_or_default();
        for dc in self.datacenters.values() {
            if dc.datastore_folder == id {
                out.extend(
                    self.datastores
                        .values()
                        .filter(|d| d.datacenter == dc.moid && d.folder.is_none())
                        .map(|d| d.moid.clone()),
                );
            }
            if dc.network_folder == id {
                out.extend(
                    self.networks
                        .values()
                        .filter(|n| n.datacenter == dc.moid && n.folder.is_none())
                        .map(|n| n.moid.clone()),
                );
            }
        }
        out
    }

    /// The child of container `parent` named `name`, if any.
    pub fn child_named(&self, parent: &str, name: &str) -> Option<String> {
        self.container_children(parent)
            .into_iter()
            .find(|c| self.name_ref(c) == Some(name))
    }

    /// Renames an entity; `DuplicateName` when its container has another child of that
    /// name (VMs, folders, datacenters, compute resources, pools, switches, pods).
    pub fn rename_entity(&mut self, id: &str, name: &str) -> InvResult<()> {
        if name.is_empty() || name.len() > 80 {
            return Err(InvError::InvalidArgument("newName".into()));
        }
        let ty = self
            .type_of(id)
            .ok_or_else(|| InvError::NotFound(id.to_string()))?;
        let siblings: Vec<String> = match self.pools.get(id) {
            Some(p) => self
                .pools
                .get(&p.parent)
                .map(|s| s.child_pools.clone())
                .unwrap_or_default(),
            None => self
                .parent_of(id)
                .map(|p| self.container_children(&p))
                .unwrap_or_default(),
        };
        if siblings
            .iter()
            .any(|s| s != id && self.name_ref(s) == Some(name))
        {
            return Err(InvError::DuplicateName(name.to_string()));
        }
        match ty {
            "VirtualMachine" => {
                self.vm_mut(id)?.config.name = name.to_string();
                self.write_vmx(id)?;
            }
            "Folder" => set(&mut self.folders, id, |f| f.name = name.into()),
            "Datacenter" => set(&mut self.datacenters, id, |d| d.name = name.into()),
            "ComputeResource" | "ClusterComputeResource" => {
                set(&mut self.computes, id, |c| c.name = name.into())
            }
            "ResourcePool" | "VirtualApp" => {
                if self.is_root_pool(id) {
                    return Err(InvError::InvalidArgument("newName".into()));
                }
                set(&mut self.pools, id, |p| p.name = name.into())
            }
            "VmwareDistributedVirtualSwitch" => {
                set(&mut self.dvswitches, id, |d| d.name = name.into())
            }
            "DistributedVirtualPortgroup" => set(&mut self.networks, id, |n| n.name = name.into()),
            "StoragePod" => set(&mut self.storage_pods, id, |p| p.name = name.into()),
            other => {
                return Err(InvError::InvalidArgument(format!(
                    "a {other} cannot be renamed"
                )))
            }
        }
        Ok(())
    }

    /// The VI types a container may hold.
    fn child_types(&self, container: &str) -> Vec<String> {
        if self.storage_pods.contains_key(container) {
            return vec!["Datastore".into()];
        }
        self.folders
            .get(container)
            .map(|f| f.child_type.clone())
            .unwrap_or_default()
    }

    /// Moves entity `id` into folder (or storage pod) `to`: the container must take its
    /// type (`NotSupported` otherwise), lie in the same datacenter for anything of a
    /// datacenter, not be the entity itself or below it, and have no child of its name.
    pub fn move_entity(&mut self, id: &str, to: &str) -> InvResult<()> {
        let ty = self
            .type_of(id)
            .ok_or_else(|| InvError::NotFound(id.to_string()))?;
        if !self.folders.contains_key(to) && !self.storage_pods.contains_key(to) {
            return Err(InvError::NotFound(format!("Folder {to}")));
        }
        let kind = match ty {
            "ClusterComputeResource" => "ComputeResource",
            "VmwareDistributedVirtualSwitch" => "DistributedVirtualSwitch",
            "DistributedVirtualPortgroup" => "Network",
            t => t,
        };
        if !self.child_types(to).iter().any(|t| t == kind) {
            return Err(InvError::NotSupported(format!(
                "a {ty} cannot be moved into {to}"
            )));
        }
        let mut cur = Some(to.to_string());
        while let Some(c) = cur {
            if c == id {
                return Err(InvError::InvalidArgument(
                    "an entity cannot move into itself".into(),
                ));
            }
            cur = self.parent_of(&c);
        }
        if ty != "Folder" && ty != "Datacenter" && self.datacenter_of(id) != self.datacenter_of(to)
        {
            return Err(InvError::InvalidArgument(
                "the destination is in another datacenter".into(),
            ));
        }
        let name = self.name_of(id).unwrap_or_default();
        if let Some(other) = self.child_named(to, &name) {
            if other != id {
                return Err(InvError::DuplicateName(name));
            }
        }
        let from = self.parent_of(id);
        let own_folder = |w: &World, f: &str| {
            w.datacenters
                .values()
                .any(|d| d.datastore_folder == f || d.network_folder == f)
        };
        // Out of the old container's list.
        if let Some(from) = &from {
            if let Some(f) = self.folders.get_mut(from) {
                f.children.retain(|c| c != id);
            }
            if let Some(p) = self.storage_pods.get_mut(from) {
                p.children.retain(|c| c != id);
            }
        }
        let implicit = own_folder(self, to) && matches!(ty, "Datastore" | "Network");
        match ty {
            "VirtualMachine" => set(&mut self.vms, id, |v| v.folder = to.into()),
            "Folder" => set(&mut self.folders, id, |f| f.parent = Some(to.into())),
            "Datacenter" => set(&mut self.datacenters, id, |d| d.parent = to.into()),
            "ComputeResource" | "ClusterComputeResource" => {
                set(&mut self.computes, id, |c| c.parent = to.into())
            }
            "VmwareDistributedVirtualSwitch" => {
                set(&mut self.dvswitches, id, |d| d.folder = to.into())
            }
            "StoragePod" => set(&mut self.storage_pods, id, |p| p.parent = to.into()),
            "Datastore" => set(&mut self.datastores, id, |d| {
                d.folder = (!implicit).then(|| to.to_string())
            }),
            "Network" | "DistributedVirtualPortgroup" => set(&mut self.networks, id, |n| {
                n.folder = (!implicit).then(|| to.to_string())
            }),
            other => return Err(InvError::NotSupported(format!("a {other} cannot be moved"))),
        }
        if !implicit {
            if let Some(f) = self.folders.get_mut(to) {
                f.children.push(id.to_string());
            }
            if let Some(p) = self.storage_pods.get_mut(to) {
                p.children.push(id.to_string());
            }
        }
        Ok(())
    }

    /// Destroys entity `id` and everything in it: VMs are deleted with their files (a
    /// running one refuses, and nothing is destroyed then), hosts leave the inventory with
    /// their VMs (whose files stay), datastores and networks leave the inventory.
    pub fn destroy_entity(&mut self, id: &str) -> InvResult<()> {
        let ty = self
            .type_of(id)
            .ok_or_else(|| InvError::NotFound(id.to_string()))?;
        if id == self.root_folder {
            return Err(InvError::NotSupported(
                "the root folder cannot be destroyed".into(),
            ));
        }
        if self.datacenters.values().any(|d| {
            [
                &d.vm_folder,
                &d.host_folder,
                &d.datastore_folder,
                &d.network_folder,
            ]
            .contains(&&id.to_string())
        }) {
            return Err(InvError::NotSupported(
                "a datacenter's own folders cannot be destroyed".into(),
            ));
        }
        if self.kind == ServerKind::Esx && matches!(ty, "Datacenter" | "ComputeResource") {
            return Err(InvError::NotSupported(format!(
                "a host agent cannot destroy its {ty}"
            )));
        }
        // Everything below, deepest first; refuse before changing anything.
        let mut all = Vec::new();
        self.collect_tree(id, &mut all);
        for e in &all {
            if let Some(v) = self.vms.get(e) {
                if v.power_state != PowerState::PoweredOff {
                    return Err(InvError::InvalidPowerState {
                        current: v.power_state,
                        requested: Some(PowerState::PoweredOff),
                    });
                }
            }
        }
        for e in all.iter().rev() {
            self.remove_one(e)?;
        }
        Ok(())
    }

    /// `id` and everything it contains, parents before children.
    fn collect_tree(&self, id: &str, out: &mut Vec<String>) {
        out.push(id.to_string());
        let children: Vec<String> = if let Some(d) = self.datacenters.get(id) {
            vec![
                d.vm_folder.clone(),
                d.host_folder.clone(),
                d.datastore_folder.clone(),
                d.network_folder.clone(),
            ]
        } else if let Some(c) = self.computes.get(id) {
            let mut v = c.hosts.clone();
            v.push(c.resource_pool.clone());
            v
        } else if let Some(h) = self.hosts.get(id) {
            let loads = self.host_loads();
            loads
                .get(&h.moid)
                .map(|l| l.vms.clone())
                .unwrap_or_default()
        } else if let Some(p) = self.pools.get(id) {
            p.child_pools.clone()
        } else if let Some(d) = self.dvswitches.get(id) {
            d.portgroups.clone()
        } else if self.storage_pods.contains_key(id) {
            // A pod's datastores leave it rather than the inventory.
            Vec::new()
        } else {
            self.container_children(id)
        };
        for c in children {
            if !out.contains(&c) {
                self.collect_tree(&c, out);
            }
        }
    }

    /// Removes one entity whose children are gone already.
    fn remove_one(&mut self, id: &str) -> InvResult<()> {
        let Some(ty) = self.type_of(id) else {
            return Ok(());
        };
        let parent = self.parent_of(id);
        match ty {
            "VirtualMachine" => {
                // A host leaving takes its VMs out of the inventory; a folder or pool
                // destroyed deletes them.
                let host_goes = self
                    .vms
                    .get(id)
                    .is_some_and(|v| !self.hosts.contains_key(&v.host));
                if host_goes {
                    self.unregister_vm(id)?;
                } else {
                    self.destroy_vm(id)?;
                }
                return Ok(());
            }
            "HostSystem" => {
                let vms: Vec<String> = self.vms_on_host(id).map(|v| v.moid.clone()).collect();
                for v in vms {
                    self.unregister_vm(&v)?;
                }
                if let Some(h) = self.hosts.remove(id) {
                    if let Some(c) = self.computes.get_mut(&h.parent) {
                        c.hosts.retain(|x| x != id);
                    }
                }
                for d in self.datastores.values_mut() {
                    d.hosts.retain(|x| x != id);
                }
                for s in self.dvswitches.values_mut() {
                    s.hosts.retain(|x| x != id);
                }
                let orphans: Vec<String> = self
                    .datastores
                    .values()
                    .filter(|d| d.hosts.is_empty())
                    .map(|d| d.moid.clone())
                    .collect();
                for d in orphans {
                    self.datastores.remove(&d);
                    for f in self.folders.values_mut() {
                        f.children.retain(|c| *c != d);
                    }
                    for p in self.storage_pods.values_mut() {
                        p.children.retain(|c| *c != d);
                    }
                }
                self.prune_networks();
            }
            "ResourcePool" | "VirtualApp" => {
                if let Some(p) = self.pools.remove(id) {
                    if let Some(parent) = self.pools.get_mut(&p.parent) {
                        parent.child_pools.retain(|c| c != id);
                    }
                }
            }
            "ComputeResource" | "ClusterComputeResource" => {
                self.computes.remove(id);
            }
            "Datacenter" => {
                self.datacenters.remove(id);
                self.networks.retain(|_, n| n.datacenter != id);
                self.datastores.retain(|_, d| d.datacenter != id);
            }
            "Folder" => {
                self.folders.remove(id);
            }
            "StoragePod" => {
                // Its datastores go back to the pod's folder.
                if let Some(p) = self.storage_pods.remove(id) {
                    let own = self
                        .datacenters
                        .values()
                        .any(|d| d.datastore_folder == p.parent);
                    for d in p.children {
                        if let Some(ds) = self.datastores.get_mut(&d) {
                            ds.folder = (!own).then(|| p.parent.clone());
                        }
                        if !own {
                            if let Some(f) = self.folders.get_mut(&p.parent) {
                                f.children.push(d);
                            }
                        }
                    }
                }
            }
            "VmwareDistributedVirtualSwitch" => {
                self.remove_dvs(id)?;
            }
            "DistributedVirtualPortgroup" => self.remove_dv_portgroup(id)?,
            "Datastore" => {
                if !self
                    .vms_on_datastore(&self.datastores[id].name.clone())
                    .is_empty()
                {
                    return Err(InvError::InUse(id.to_string()));
                }
                self.datastores.remove(id);
                for h in self.hosts.values_mut() {
                    h.datastores.retain(|d| d != id);
                }
            }
            "Network" => {
                self.networks.remove(id);
            }
            other => {
                return Err(InvError::NotSupported(format!(
                    "a {other} cannot be destroyed"
                )))
            }
        }
        if let Some(p) = parent {
            if let Some(f) = self.folders.get_mut(&p) {
                f.children.retain(|c| c != id);
            }
            if let Some(s) = self.storage_pods.get_mut(&p) {
                s.children.retain(|c| c != id);
            }
        }
        self.custom_values.remove(id);
        Ok(())
    }

    // ----- creating containers ----------------------------------------------------------

    /// `CreateFolder`: a child folder of `parent` with the same child types.
    pub fn create_folder(&mut self, parent: &str, name: &str) -> InvResult<String> {
        let Some(p) = self.folders.get(parent) else {
            return Err(InvError::NotFound(format!("Folder {parent}")));
        };
        check_name(name)?;
        if self.child_named(parent, name).is_some() {
            return Err(InvError::DuplicateName(name.to_string()));
        }
        let kinds: Vec<String> = p.child_type.clone();
        let kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
        let prefix = match kinds.first().copied() {
            _ if kinds.contains(&"VirtualMachine") => "group-v",
            _ if kinds.contains(&"ComputeResource") => "group-h",
            _ if kinds.contains(&"Datastore") => "group-s",
            _ if kinds.contains(&"Network") => "group-n",
            _ => "group-d",
        };
        let id = self.vc_id(prefix);
        Ok(self.add_folder(&id, Some(parent), name, &kinds))
    }

    /// `CreateDatacenter` in folder `parent` (vCenter only).
    pub fn create_datacenter(&mut self, parent: &str, name: &str) -> InvResult<String> {
        self.check_new_child(parent, name, "Datacenter")?;
        Ok(self.add_datacenter(parent, name))
    }

    /// `CreateClusterEx` in host folder `parent` (vCenter only).
    pub fn create_cluster(&mut self, parent: &str, name: &str) -> InvResult<String> {
        self.check_new_child(parent, name, "ComputeResource")?;
        let dc = self
            .datacenter_of(parent)
            .ok_or_else(|| InvError::NotFound(format!("Folder {parent}")))?;
        let cr = self.add_compute(&dc, name, true);
        self.move_entity(&cr, parent)?;
        Ok(cr)
    }

    /// `CreateStoragePod` in datastore folder `parent` (vCenter only).
    pub fn create_storage_pod(&mut self, parent: &str, name: &str) -> InvResult<String> {
        self.check_new_child(parent, name, "StoragePod")?;
        let id = self.vc_id("group-p");
        self.storage_pods.insert(
            id.clone(),
            StoragePod {
                moid: id.clone(),
                name: name.to_string(),
                parent: parent.to_string(),
                children: Vec::new(),
                drs_enabled: false,
                drs_behavior: "automated".into(),
            },
        );
        if let Some(f) = self.folders.get_mut(parent) {
            f.children.push(id.clone());
        }
        Ok(id)
    }

    /// A host `host_name` joins compute resource `compute` (a cluster), or, with `None`,
    /// a new standalone compute resource of its name in host folder `folder`: vCenter's
    /// `AddHost_Task` / `AddStandaloneHost_Task`. The host reports `host_name` as its
    /// management address when that is an IP address. `AlreadyConnected` (here
    /// `AlreadyExists`) when vCenter manages a host of that name already.
    pub fn connect_host(
        &mut self,
        host_name: &str,
        compute: Option<&str>,
        folder: &str,
    ) -> InvResult<String> {
        if self.kind != ServerKind::Vcenter {
            return Err(InvError::NotSupported("only vCenter adds hosts".into()));
        }
        check_name(host_name)?;
        if self.hosts.values().any(|h| h.name == host_name) {
            return Err(InvError::AlreadyExists(host_name.to_string()));
        }
        let compute = match compute {
            Some(c) => c.to_string(),
            None => {
                self.check_new_child(folder, host_name, "ComputeResource")?;
                let dc = self
                    .datacenter_of(folder)
                    .ok_or_else(|| InvError::NotFound(format!("Folder {folder}")))?;
                let cr = self.add_compute(&dc, host_name, false);
                self.move_entity(&cr, folder)?;
                cr
            }
        };
        let ip = if host_name.parse::<std::net::IpAddr>().is_ok() {
            host_name.to_string()
        } else {
            "127.0.0.1".to_string()
        };
        let n = self.hosts.len() as u64 + 1;
        let mut rng = Rng(0x4add_0000 ^ self.next_id);
        let mut h = host_template(&mut rng, host_name, n, &ip);
        h.vswitches.truncate(1);
        h.portgroups.retain(|p| p.vswitch == "vSwitch0");
        h.pnics.truncate(1);
        Ok(self.add_host_with_networks(&compute, h, false))
    }

    /// Mounts a new datastore `name` on `host` (`HostDatastoreSystem.CreateLocalDatastore`
    /// / `CreateNasDatastore`): an NFS export the datacenter has already (same server and
    /// path) is mounted rather than made again; any other datastore of that name in the
    /// datacenter is `DuplicateName`.
    pub fn mount_datastore(
        &mut self,
        host: &str,
        name: &str,
        kind: super::DatastoreKind,
        nfs: Option<(&str, &str)>,
        local_path: Option<&str>,
    ) -> InvResult<String> {
        check_name(name)?;
        let dc = self.host(host)?.datacenter.clone();
        if let Some(d) = self
            .datastores
            .values()
            .find(|d| d.datacenter == dc && d.name == name)
        {
            let same_export = nfs.is_some_and(|(h, p)| {
                d.nfs_host.as_deref() == Some(h) && d.nfs_path.as_deref() == Some(p)
            });
            if !same_export || d.hosts.iter().any(|x| x == host) {
                return Err(InvError::DuplicateName(name.to_string()));
            }
            let id = d.moid.clone();
            if let Some(d) = self.datastores.get_mut(&id) {
                d.hosts.push(host.to_string());
            }
            if let Some(h) = self.hosts.get_mut(host) {
                h.datastores.push(id.clone());
            }
            return Ok(id);
        }
        let uuid = super::random_uuid();
        let uuid = match kind {
            super::DatastoreKind::Vmfs => uuid,
            _ => uuid.replace('-', "")[..17].to_string(),
        };
        let id = self.add_datastore(
            &dc,
            name,
            kind,
            &uuid,
            1_099_511_627_776,
            &[host.to_string()],
            nfs,
            None,
        );
        if let (Some(p), Some(d)) = (local_path, self.datastores.get_mut(&id)) {
            d.nfs_path = Some(p.to_string());
        }
        let dir = self.files_dir.join(name);
        std::fs::create_dir_all(&dir)
            .map_err(|e| InvError::Io(format!("{}: {e}", dir.display())))?;
        Ok(id)
    }

    /// Unmounts datastore `id` from `host` (`HostDatastoreSystem.RemoveDatastore`); the
    /// datastore leaves the inventory with its last host. VMs of the host on it refuse.
    pub fn unmount_datastore(&mut self, host: &str, id: &str) -> InvResult<()> {
        let d = self
            .datastores
            .get(id)
            .ok_or_else(|| InvError::NotFound(format!("Datastore {id}")))?;
        if !d.hosts.iter().any(|h| h == host) {
            return Err(InvError::NotFound(format!("Datastore {id} on host {host}")));
        }
        let name = d.name.clone();
        let used = self.vms_on_datastore(&name);
        if used
            .iter()
            .any(|v| self.vms.get(v).is_some_and(|v| v.host == host))
        {
            return Err(InvError::InUse(name));
        }
        if let Some(h) = self.hosts.get_mut(host) {
            h.datastores.retain(|d| d != id);
        }
        let last = self.datastores.get_mut(id).is_some_and(|d| {
            d.hosts.retain(|h| h != host);
            d.hosts.is_empty()
        });
        if last {
            self.remove_one(id)?;
        }
        Ok(())
    }

    /// Before `host` enters maintenance mode: in a cluster with DRS, vCenter migrates its
    /// running VMs to the other hosts (the host with the fewest VMs that mounts the VM's
    /// datastores, not itself in maintenance); without DRS, or with no host to take a
    /// VM, running VMs keep the host from entering.
    pub fn evacuate_host(&mut self, host: &str) -> InvResult<()> {
        let h = self.host(host)?;
        let compute = self.computes.get(&h.parent).cloned();
        let running: Vec<String> = self
            .vms_on_host(host)
            .filter(|v| v.power_state == PowerState::PoweredOn)
            .map(|v| v.moid.clone())
            .collect();
        if running.is_empty() {
            return Ok(());
        }
        let refuse = || InvError::InvalidState("The host has powered-on virtual machines.".into());
        let Some(c) = compute.filter(|c| c.is_cluster && c.drs_enabled) else {
            return Err(refuse());
        };
        let mut plan = Vec::new();
        for vm in &running {
            let needs = self.vm_datastores(&self.vms[vm]);
            let target = c
                .hosts
                .iter()
                .filter(|t| *t != host)
                .filter_map(|t| self.hosts.get(t))
                .filter(|t| !t.in_maintenance_mode)
                .filter(|t| needs.iter().all(|d| t.datastores.contains(d)))
                .min_by_key(|t| {
                    self.vms_on_host(&t.moid).count()
                        + plan.iter().filter(|(_, p)| *p == t.moid).count()
                })
                .map(|t| t.moid.clone())
                .ok_or_else(refuse)?;
            plan.push((vm.clone(), target));
        }
        for (vm, target) in plan {
            if let Some(v) = self.vms.get_mut(&vm) {
                v.host = target;
            }
        }
        Ok(())
    }

    /// A new child `name` of type `kind` may go into folder `parent`.
    fn check_new_child(&self, parent: &str, name: &str, kind: &str) -> InvResult<()> {
        if self.kind != ServerKind::Vcenter {
            return Err(InvError::NotSupported(format!(
                "a host agent cannot create a {kind}"
            )));
        }
        let Some(f) = self.folders.get(parent) else {
            return Err(InvError::NotFound(format!("Folder {parent}")));
        };
        if !f.child_type.iter().any(|t| t == kind) {
            return Err(InvError::NotSupported(format!(
                "folder {parent} does not hold a {kind}"
            )));
        }
        check_name(name)?;
        if self.child_named(parent, name).is_some() {
            return Err(InvError::DuplicateName(name.to_string()));
        }
        Ok(())
    }
}

/// An entity name: 1 to 80 characters.
fn check_name(name: &str) -> InvResult<()> {
    if name.is_empty() || name.chars().count() > 80 {
        return Err(InvError::InvalidArgument(format!("name '{name}'")));
    }
    Ok(())
}

/// Changes the record `id` of `map` (nothing when it is not there).
fn set<T>(map: &mut super::Tracked<T>, id: &str, f: impl FnOnce(&mut T)) {
    if let Some(r) = map.get_mut(id) {
        f(r)
    }
}
