//! Property retrieval: the reads of the connection's host, its VMs, every host and VM of the
//! inventory and one object; RetrievePropertiesEx with its continuations; and reads answered
//! by the object cache when it can.

use esxvirt_vi::property::property_spec;
use esxvirt_vi::props::{host_system as host, service_instance as si, virtual_machine as vm};
use esxvirt_vi::{
    AnySelectionSpec, Client, ManagedObjectReference, PropertyFilterSpec, PropertySpec,
    RetrieveOptions,
};

use super::cache::Fill;
use super::context::Locator;
use super::props::Props;
use super::specs::{every_host_vm_traversal, filter, host_traversal_then, host_vms};
use super::{service_instance, Engine};
use crate::error::{is_not_found, vi_err, Error, Result};

/// The ServiceInstance's `content` (what RetrieveServiceContent answers), as a filter to
/// add to a retrieval.
fn service_content_filter() -> PropertyFilterSpec {
    filter(
        &service_instance(),
        false,
        vec![],
        vec![property_spec(si::TYPE, &[si::CONTENT.path()])],
    )
}

/// RetrievePropertiesEx with continuation: every object, in server order.
pub(crate) async fn retrieve_all(c: &Client, specs: &[PropertyFilterSpec]) -> Result<Vec<Props>> {
    // Large pages: a 10,000-VM listing is one request plus a few continuations.
    let options = RetrieveOptions {
        max_objects: Some(5000),
    };
    let mut out = Vec::new();
    let mut page = c
        .retrieve_properties_ex(specs, &options)
        .await
        .map_err(vi_err)?;
    while let Some(result) = page {
        out.extend(result.objects.into_iter().map(|oc| {
            let mut p = Props::from_content(oc);
            let ty = p.ty().to_string();
            // What was asked for and not returned is unset: the reading says so (the object
            // cache then knows the value, rather than asking again).
            for spec in specs {
                for ps in spec.prop_set.iter().filter(|ps| ps.type_ == ty) {
                    for path in &ps.path_set {
                        p.mark_unset(path);
                    }
                }
            }
            p
        }));
        page = match result.token {
            Some(token) => Some(
                c.continue_retrieve_properties_ex(&token)
                    .await
                    .map_err(vi_err)?,
            ),
            None => None,
        };
    }
    Ok(out)
}

impl Engine {
    /// Whether reads of the host can start at the host itself (the context, or on vCenter
    /// its resolution, is needed then) rather than walk down from the root folder.
    fn reads_host_by_reference(&self) -> bool {
        self.locator != Locator::OnlyHost || self.has_context()
    }

    /// The filter spec reaching the connection's host with `paths`: from the root folder on a
    /// host (no context needed), by reference on vCenter.
    /// On a host, the first one brings `runtime.inMaintenanceMode` along (see
    /// [`Engine::note_host`]).
    pub fn host_filter(&self, paths: &[&str]) -> Result<PropertyFilterSpec> {
        let mut paths = paths.to_vec();
        let maintenance = host::RUNTIME_IN_MAINTENANCE_MODE.path();
        if self.wants_maintenance() && !paths.contains(&maintenance) {
            paths.push(maintenance);
        }
        self.host_filter_with(&paths, vec![], &[], vec![])
    }

    /// Like [`Engine::host_filter`], also following `extra` (selection specs starting at the
    /// host, named `extra_names`) to objects collected with `extra_props`.
    pub fn host_filter_with(
        &self,
        paths: &[&str],
        extra: Vec<AnySelectionSpec>,
        extra_names: &[&str],
        mut extra_props: Vec<PropertySpec>,
    ) -> Result<PropertyFilterSpec> {
        let mut props = vec![property_spec(host::TYPE, paths)];
        props.append(&mut extra_props);
        if self.reads_host_by_reference() {
            let ctx = self.context()?;
            Ok(filter(&ctx.host, false, extra, props))
        } else {
            let mut select = host_traversal_then(extra_names);
            select.extend(extra);
            Ok(filter(&self.root_folder(), true, select, props))
        }
    }

    /// Reads the connection's host afresh (one retrieval); the values join its cache entry
    /// as used by `reader`.
    fn fetch_host(&self, paths: &[&str], reader: &'static str) -> Result<Props> {
        let spec = self.host_filter(paths)?;
        let host_props = self
            .retrieve(vec![spec])?
            .into_iter()
            .find(|p| p.ty() == host::TYPE)
            .ok_or_else(|| Error::internal("Could not find host system"))?;
        self.saw_host(&host_props);
        self.objects.store(&host_props, Fill::Join { reader });
        Ok(host_props)
    }

    /// Reads the connection's host with the objects `spec` (from
    /// [`Engine::host_filter_with`]) reaches from it, in one retrieval: the host's values
    /// join its cache entry as used by `reader`, the other objects' entries start over.
    /// Returns the host's properties and the others' (in the order they came).
    pub fn retrieve_host_and(
        &self,
        spec: PropertyFilterSpec,
        reader: &'static str,
    ) -> Result<(Props, Vec<Props>)> {
        let mut host = None;
        let mut others = Vec::new();
        for o in self.retrieve(vec![spec])? {
            if o.ty() == host::TYPE {
                self.saw_host(&o);
                self.objects.store(&o, Fill::Join { reader });
                host = Some(o);
            } else {
                self.objects.store(&o, Fill::Restart);
                others.push(o);
            }
        }
        let host = host.ok_or_else(|| Error::internal("Could not find host system"))?;
        Ok((host, others))
    }

    /// Takes note of a reading of the connection's host: its maintenance mode and its
    /// reference.
    pub fn saw_host(&self, p: &Props) {
        self.note_host(p);
        self.note_host_ref(&p.obj);
    }

    /// The host's properties, read afresh (one retrieval).
    pub fn host_props(&self, paths: &[&str]) -> Result<Props> {
        self.fetch_host(paths, "fresh host read")
    }

    /// The host's properties for a read of kind `reader`: from the object cache when it can
    /// answer, else one retrieval.
    pub fn read_host(&self, paths: &[&str], reader: &'static str) -> Result<Props> {
        if let Some(h) = self.known_host() {
            if let Some(p) = self.objects.read(&h, paths, reader) {
                return Ok(p);
            }
        }
        self.fetch_host(paths, reader)
    }

    /// The filter spec reaching every VM of the connection's host (libvirt lists the VMs of
    /// the host a vpx:// URI names, not the whole datacenter).
    pub fn vms_filter(&self, paths: &[&str]) -> Result<PropertyFilterSpec> {
        let vm_props = vec![property_spec(vm::TYPE, paths)];
        if self.reads_host_by_reference() {
            let ctx = self.context()?;
            Ok(filter(&ctx.host, true, vec![host_vms()], vm_props))
        } else {
            Ok(filter(
                &self.root_folder(),
                true,
                every_host_vm_traversal(),
                vm_props,
            ))
        }
    }

    /// Every host of the inventory (all datacenters, whatever the connection's host) with
    /// `host_paths`, and every VM of those hosts with `vm_paths`: one paged retrieval, the
    /// hosts being collected on the way down to their VMs. Returns (hosts, VMs).
    pub fn every_host_and_vm(
        &self,
        host_paths: &[&str],
        vm_paths: &[&str],
    ) -> Result<(Vec<Props>, Vec<Props>)> {
        let spec = filter(
            &self.root_folder(),
            true,
            every_host_vm_traversal(),
            vec![
                property_spec(host::TYPE, host_paths),
                property_spec(vm::TYPE, vm_paths),
            ],
        );
        let all = self.retrieve(vec![spec])?;
        let (hosts, vms): (Vec<Props>, Vec<Props>) =
            all.into_iter().partition(|p| p.ty() == host::TYPE);
        Ok((
            hosts,
            vms.into_iter().filter(|p| p.ty() == vm::TYPE).collect(),
        ))
    }

    /// Every VM with `paths` (one paged retrieval).
    pub fn all_vms(&self, paths: &[&str]) -> Result<Vec<Props>> {
        let spec = self.vms_filter(paths)?;
        let all = self.retrieve(vec![spec])?;
        Ok(all.into_iter().filter(|p| p.ty() == vm::TYPE).collect())
    }

    /// One object's properties, read afresh; `None` when the object does not exist.
    pub fn object_props(
        &self,
        obj: &ManagedObjectReference,
        paths: &[&str],
    ) -> Result<Option<Props>> {
        let spec = filter(obj, false, vec![], vec![property_spec(&obj.type_, paths)]);
        match self.retrieve(vec![spec]) {
            Ok(v) => Ok(v.into_iter().find(|p| p.is(obj))),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// One object's properties for a read of kind `reader`: from the object cache when it
    /// can answer, else one retrieval whose values join the cache; `None` when the object
    /// does not exist.
    pub fn read(
        &self,
        obj: &ManagedObjectReference,
        paths: &[&str],
        reader: &'static str,
    ) -> Result<Option<Props>> {
        if let Some(p) = self.objects.read(obj, paths, reader) {
            return Ok(Some(p));
        }
        let found = self.object_props(obj, paths)?;
        match &found {
            Some(p) => self.objects.store(p, Fill::Join { reader }),
            None => self.objects.invalidate(obj),
        }
        Ok(found)
    }

    /// Several filter specs in one retrieval. While the service content is still to come,
    /// it comes with this retrieval.
    pub fn retrieve(&self, mut specs: Vec<PropertyFilterSpec>) -> Result<Vec<Props>> {
        let pending = self.content_pending();
        if pending {
            specs.push(service_content_filter());
        }
        let mut objects = self.run_early(|c| {
            let specs = specs.clone();
            async move { retrieve_all(&c, &specs).await }
        })?;
        if pending {
            self.adopt_content(&mut objects)?;
        }
        Ok(objects)
    }
}
