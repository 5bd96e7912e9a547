//! Where a connection points inside the inventory: the host context (datacenter, its path,
//! VM folder, compute resource, resource pool, host), resolved once and kept with the
//! session; and what libvirt reads about the host when it connects (its managing vCenter,
//! the maintenance-mode warning).

use esxvirt_vi::property::{property_spec, traverse};
use esxvirt_vi::props::{
    cluster_compute_resource as cluster, compute_resource as cr, datacenter as dc, folder,
    host_system as host, managed_entity as entity, resource_pool as pool,
};
use esxvirt_vi::ManagedObjectReference;
use serde::{Deserialize, Serialize};

use super::props::Props;
use super::specs::{filter, host_traversal};
use super::Engine;
use crate::connection::inventory_path::{self, Entity};
use crate::connection::uri::{Scheme, Uri};
use crate::error::{vi_err, Error, Result};

/// Where the connection points inside the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct HostContext {
    pub datacenter: ManagedObjectReference,
    /// Datacenter path with folders (`dcPath` of /folder URLs).
    pub datacenter_path: String,
    pub vm_folder: ManagedObjectReference,
    pub compute_resource: ManagedObjectReference,
    pub resource_pool: ManagedObjectReference,
    pub host: ManagedObjectReference,
}

/// What libvirt reads about a host when it connects (`esxConnectToHost`) and a connection
/// keeps (the maintenance mode is only warned about, see [`Engine::note_host`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct HostFacts {
    /// `summary.managementServerIp`: the address of the vCenter managing the host.
    pub management_server_ip: Option<String>,
}

/// How an engine finds the host it works on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Locator {
    /// An ESX/GSX host (or the simulator): the inventory's only host, reached from the root
    /// folder.
    OnlyHost,
    /// The host a vpx:// URI's path names.
    Path,
    /// The host with this IP address in a vCenter (`SearchIndex.FindByIp`): the vCenter
    /// session of an esx:// connection with `vcenter=`.
    HostIp(String),
}

impl Locator {
    /// How the host of `uri` is found.
    pub fn of(uri: &Uri) -> Locator {
        match uri.scheme {
            Scheme::Vpx => Locator::Path,
            _ => Locator::OnlyHost,
        }
    }
}

/// The warning libvirt logs for a host in maintenance mode.
pub(crate) const MAINTENANCE_WARNING: &str = "The server is in maintenance mode";

/// The host properties libvirt reads when it connects to a host.
pub(crate) const HOST_FACT_PATHS: &[&str] = &[
    host::RUNTIME_IN_MAINTENANCE_MODE.path(),
    host::SUMMARY_MANAGEMENT_SERVER_IP.path(),
];

/// An inventory entity as the path resolution sees it.
fn entity_of(p: &Props) -> Entity {
    let id = |m: Option<ManagedObjectReference>| m.map(|m| m.value);
    Entity {
        kind: p.ty().to_string(),
        moref: p.obj.value.clone(),
        name: p.get(entity::NAME).unwrap_or_default(),
        parent: id(p.get(entity::PARENT)),
        host_folder: id(p.get(dc::HOST_FOLDER)),
        vm_folder: id(p.get(dc::VM_FOLDER)),
        datastore_folder: None,
        resource_pool: id(p.get(cr::RESOURCE_POOL)),
    }
}

impl Engine {
    /// The host context when already known (no request).
    pub fn known_context(&self) -> Option<HostContext> {
        self.ctx.lock().ok().and_then(|c| c.clone())
    }

    /// Whether the host context is already known (no request needed).
    pub fn has_context(&self) -> bool {
        self.ctx.lock().map(|c| c.is_some()).unwrap_or(false)
    }

    /// The connection's host when known without a request.
    pub fn known_host(&self) -> Option<ManagedObjectReference> {
        self.known_context()
            .map(|c| c.host)
            .or_else(|| self.host.lock().ok().and_then(|h| h.clone()))
    }

    /// Remembers the connection's host as a retrieval from the root folder found it.
    pub(super) fn note_host_ref(&self, obj: &ManagedObjectReference) {
        if let Ok(mut h) = self.host.lock() {
            h.get_or_insert_with(|| obj.clone());
        }
    }

    /// The resolved host context (one retrieval the first time, then cached).
    pub fn context(&self) -> Result<HostContext> {
        if let Some(c) = self.known_context() {
            return Ok(c);
        }
        if let Locator::HostIp(ip) = &self.locator {
            return self.context_by_ip(ip);
        }
        let root = self.root_folder();
        // The AutoStartManager comes along, so no autostart query needs its own retrieval
        // to find it; on a host, so do the facts libvirt reads when it connects.
        let mut host_paths = vec![
            host::NAME.path(),
            host::PARENT.path(),
            host::CONFIG_MANAGER_AUTO_START_MANAGER.path(),
        ];
        if self.locator == Locator::OnlyHost {
            host_paths.extend(HOST_FACT_PATHS);
        }
        let named = [entity::NAME.path(), entity::PARENT.path()];
        let pooled = [cr::NAME.path(), cr::PARENT.path(), cr::RESOURCE_POOL.path()];
        let specs = vec![filter(
            &root,
            false,
            host_traversal(),
            vec![
                property_spec(folder::TYPE, &named),
                property_spec(
                    dc::TYPE,
                    &[
                        dc::NAME.path(),
                        dc::PARENT.path(),
                        dc::HOST_FOLDER.path(),
                        dc::VM_FOLDER.path(),
                    ],
                ),
                property_spec(cr::TYPE, &pooled),
                property_spec(cluster::TYPE, &pooled),
                property_spec(host::TYPE, &host_paths),
            ],
        )];
        let objects = self.retrieve(specs)?;
        let entities: Vec<Entity> = objects.iter().map(entity_of).collect();
        let mo = |ty: &str, id: &str| ManagedObjectReference::new(ty, id);
        let ctx = if self.locator == Locator::Path {
            let hp = inventory_path::resolve(&self.uri.path, &root.value, &entities)?;
            HostContext {
                datacenter: mo(dc::TYPE, &hp.datacenter.moref),
                datacenter_path: hp.datacenter_path,
                vm_folder: mo(
                    folder::TYPE,
                    hp.datacenter.vm_folder.as_deref().unwrap_or_default(),
                ),
                compute_resource: mo(&hp.compute_resource.kind, &hp.compute_resource.moref),
                resource_pool: mo(
                    pool::TYPE,
                    hp.compute_resource
                        .resource_pool
                        .as_deref()
                        .unwrap_or_default(),
                ),
                host: mo(host::TYPE, &hp.host.moref),
            }
        } else {
            // A host (or the simulator): its only datacenter, compute resource and host.
            let dcent = entities
                .iter()
                .find(|e| e.kind == dc::TYPE)
                .ok_or_else(|| Error::internal("Could not find datacenter"))?;
            let compute = entities
                .iter()
                .find(|e| e.kind == cr::TYPE || e.kind == cluster::TYPE)
                .ok_or_else(|| Error::internal("Could not find compute resource"))?;
            let h = entities
                .iter()
                .find(|e| e.kind == host::TYPE)
                .ok_or_else(|| Error::internal("Could not find host system"))?;
            HostContext {
                datacenter: mo(dc::TYPE, &dcent.moref),
                datacenter_path: dcent.name.clone(),
                vm_folder: mo(folder::TYPE, dcent.vm_folder.as_deref().unwrap_or_default()),
                compute_resource: mo(&compute.kind, &compute.moref),
                resource_pool: mo(
                    pool::TYPE,
                    compute.resource_pool.as_deref().unwrap_or_default(),
                ),
                host: mo(host::TYPE, &h.moref),
            }
        };
        let found = objects.iter().find(|p| p.is(&ctx.host));
        if let Some(h) = found {
            if self.locator == Locator::OnlyHost {
                self.learn_facts(h);
            }
        }
        self.settle_context(ctx, found)
    }

    /// Keeps a resolved context (and the AutoStartManager its host names) for the session.
    fn settle_context(&self, ctx: HostContext, found: Option<&Props>) -> Result<HostContext> {
        if let Some(manager) = found.and_then(|p| p.get(host::CONFIG_MANAGER_AUTO_START_MANAGER)) {
            if self.known_autostart_manager().is_none() {
                self.learn_autostart_manager(manager);
            }
        }
        if let Ok(mut c) = self.ctx.lock() {
            *c = Some(ctx.clone());
        }
        self.save_session();
        Ok(ctx)
    }

    /// The vCenter's context for the host with address `ip`, as libvirt finds it: the search
    /// index's FindByIp, then one retrieval walking up from the host to its compute
    /// resource, datacenter and the folders above.
    fn context_by_ip(&self, ip: &str) -> Result<HostContext> {
        // The search index is well-known; the service content comes with the retrieval.
        let found = self.run_early(|c| {
            let ip = ip.to_string();
            async move { c.find_by_ip(None, &ip, false).await.map_err(vi_err) }
        })?;
        let host_ref = found.filter(|m| m.type_ == host::TYPE).ok_or_else(|| {
            Error::internal(format!(
                "Could not find a host system with IP address '{ip}' in vCenter '{}'",
                self.uri.host
            ))
        })?;
        let pooled = [cr::NAME.path(), cr::PARENT.path(), cr::RESOURCE_POOL.path()];
        let spec = filter(
            &host_ref,
            false,
            vec![
                traverse("hostParent", host::PARENT, &["crParent"]),
                traverse("crParent", cr::PARENT, &["folderParent"]),
                traverse(
                    "folderParent",
                    folder::PARENT,
                    &["folderParent", "dcParent"],
                ),
                traverse("dcParent", dc::PARENT, &["folderParent"]),
            ],
            vec![
                property_spec(
                    host::TYPE,
                    &[
                        host::NAME.path(),
                        host::PARENT.path(),
                        host::CONFIG_MANAGER_AUTO_START_MANAGER.path(),
                    ],
                ),
                property_spec(cr::TYPE, &pooled),
                property_spec(cluster::TYPE, &pooled),
                property_spec(folder::TYPE, &[folder::NAME.path(), folder::PARENT.path()]),
                property_spec(
                    dc::TYPE,
                    &[dc::NAME.path(), dc::PARENT.path(), dc::VM_FOLDER.path()],
                ),
            ],
        );
        let objects = self.retrieve(vec![spec])?;
        let by_id = |m: &ManagedObjectReference| objects.iter().find(|p| p.obj.value == m.value);
        let host_props = objects.iter().find(|p| p.is(&host_ref));
        let compute = host_props
            .and_then(|h| h.get(host::PARENT))
            .and_then(|parent| by_id(&parent))
            .filter(|p| p.ty() == cr::TYPE || p.ty() == cluster::TYPE)
            .ok_or_else(|| {
                Error::internal("Could not lookup 'ComputeResource' from 'HostSystem'")
            })?;
        let pool = compute
            .get(cr::RESOURCE_POOL)
            .ok_or_else(|| Error::internal("Could not retrieve resource pool"))?;
        let dcent = objects.iter().find(|p| p.ty() == dc::TYPE).ok_or_else(|| {
            Error::internal("Could not lookup 'Datacenter' from 'ComputeResource'")
        })?;
        // The datacenter's path: the names of the folders above it, the root's excepted.
        let mut path = vec![dcent.get(dc::NAME).unwrap_or_default()];
        let mut parent = dcent.get(dc::PARENT);
        while let Some(f) = parent.as_ref().and_then(by_id) {
            parent = f.get(folder::PARENT);
            if parent.is_none() {
                break;
            }
            path.push(f.get(folder::NAME).unwrap_or_default());
        }
        path.reverse();
        let ctx = HostContext {
            datacenter: dcent.obj.clone(),
            datacenter_path: path.join("/"),
            vm_folder: dcent
                .get(dc::VM_FOLDER)
                .unwrap_or_else(|| ManagedObjectReference::new(folder::TYPE, "")),
            compute_resource: compute.obj.clone(),
            resource_pool: pool,
            host: host_ref.clone(),
        };
        self.settle_context(ctx, host_props)
    }

    /// Records the host facts read with `host` (and returns them); warns about maintenance
    /// mode.
    fn learn_facts(&self, p: &Props) -> HostFacts {
        let facts = HostFacts {
            management_server_ip: p
                .get(host::SUMMARY_MANAGEMENT_SERVER_IP)
                .filter(|ip| !ip.is_empty()),
        };
        self.note_host(p);
        if let Ok(mut f) = self.facts.lock() {
            *f = Some(facts.clone());
        }
        facts
    }

    /// What libvirt reads about a host when it connects: from the session cache or the
    /// context retrieval when `fresh` is false (no request of its own), else read now.
    /// Returns the facts and whether they were read by this connection.
    pub fn host_facts(&self, fresh: bool) -> Result<(HostFacts, bool)> {
        let known = || self.facts.lock().ok().and_then(|f| f.clone());
        if !fresh {
            if let Some(f) = known() {
                return Ok((f, false));
            }
            if !self.has_context() {
                self.context()?;
                if let Some(f) = known() {
                    return Ok((f, true));
                }
            }
        }
        let p = self.host_props(HOST_FACT_PATHS)?;
        let facts = self.learn_facts(&p);
        self.save_session();
        Ok((facts, true))
    }

    /// Whether host retrievals should bring `runtime.inMaintenanceMode` along: on a host,
    /// until the connection has seen it once (libvirt reads it when it connects; here it
    /// rides on the first retrieval that reads the host anyway).
    pub(super) fn wants_maintenance(&self) -> bool {
        self.locator == Locator::OnlyHost
            && !self
                .maintenance_seen
                .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Notes the host's maintenance mode when `host` (a HostSystem's properties) has it, and
    /// warns once per connection when the host is in maintenance mode, as libvirt does.
    pub fn note_host(&self, p: &Props) {
        if self.locator != Locator::OnlyHost {
            return;
        }
        let Some(in_maintenance) = p.get(host::RUNTIME_IN_MAINTENANCE_MODE) else {
            return;
        };
        let first = !self
            .maintenance_seen
            .swap(true, std::sync::atomic::Ordering::Relaxed);
        if first && in_maintenance {
            self.warn(MAINTENANCE_WARNING);
        }
    }
}
