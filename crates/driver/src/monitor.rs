//! Monitoring a whole inventory (for esxvirt-exporter; libvirt has no counterpart): opening
//! a connection that may cover a whole vCenter (`vpx://vcenter/` without a host path), one
//! property filter over every VM, host, datastore, compute resource, datacenter and folder
//! the connection covers ([`InventoryWatch`], kept current with WaitForUpdatesEx: after the
//! initial state only the changes travel), and the PerformanceManager calls a collector
//! needs (counter catalogue, the real-time interval, QueryPerf over many entities at once).
//!
//! Scope: an esx://, gsx:// or sim:/// connection watches its whole host, a vpx:// URI with
//! a host path that host (its VMs and datastores, its compute resource and datacenter), a
//! vpx:// URI without a path the whole vCenter (a ContainerView of the root folder).
//!
//! A session renewed behind the watch's back (the client logs in again when a read finds
//! the session expired) has none of the old session's filters: the watch notices the new
//! session, creates its view and filter again and says so ([`Poll::reset`]); what follows
//! is the whole state again.

use std::collections::HashMap;

use esxvirt_vi::property::{property_spec, traverse};
use esxvirt_vi::props::{
    container_view, host_system as host, performance_manager as perf_mgr, virtual_machine as vm,
};
use esxvirt_vi::{
    AnyPerfEntityMetricBase, ManagedObjectReference, ObjectSpec, ObjectUpdate, PerfCounterInfo,
    PerfEntityMetric, PerfQuerySpec, PropertyFilterSpec, Value, VirtualMachinePowerState,
    WaitOptions,
};

use crate::connection::engine::Props;
use crate::connection::uri::{Scheme, Uri};
use crate::connection::{open, Connection, OpenOptions};
use crate::error::{vi_err, Error, Result};
use crate::types::DomainInfo;

/// What a monitoring connection covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MonitorScope {
    /// Everything the server holds (a host's whole inventory, or a whole vCenter).
    Inventory,
    /// One host of a vCenter (a vpx:// URI with a host path), with the compute resource and
    /// datacenter it belongs to.
    Host {
        host: ManagedObjectReference,
        compute_resource: ManagedObjectReference,
        datacenter: ManagedObjectReference,
    },
}

/// The properties watched for objects of one managed object type (`VirtualMachine`, ...;
/// `ComputeResource` covers clusters too, `Folder` is only reached on whole inventories).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watched {
    pub type_: &'static str,
    pub paths: Vec<&'static str>,
}

impl Watched {
    /// `paths` of `type_`.
    pub fn new(type_: &'static str, paths: &[&'static str]) -> Watched {
        Watched {
            type_,
            paths: paths.to_vec(),
        }
    }
}

/// What [`InventoryWatch::poll`] passes on, in order.
#[derive(Debug, Clone, Copy)]
pub enum WatchEvent<'a> {
    /// The updates that follow start from nothing: the watch's first poll, or one after the
    /// session was renewed. Everything known before is to be forgotten.
    Reset,
    /// One object entered the view, changed or left it.
    Update(&'a ObjectUpdate),
}

/// What one [`InventoryWatch::poll`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Poll {
    /// Whether it started with [`WatchEvent::Reset`].
    pub reset: bool,
    /// Object updates passed on.
    pub updates: usize,
    /// WaitForUpdatesEx calls made.
    pub calls: usize,
}

/// How a server keeps performance samples: the interval to ask QueryPerf for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PerfInterval {
    /// `intervalId` for QueryPerf (20 for real-time statistics).
    pub interval_id: i32,
    /// Seconds between two samples.
    pub seconds: i32,
    /// Whether these are real-time statistics (else the shortest historical interval).
    pub realtime: bool,
}

/// The most object updates asked for per answer by default: a 40,000-VM vCenter's initial
/// state in one answer (about 50 MB), servers that cap it lower send several.
pub const MAX_OBJECT_UPDATES: u32 = 50_000;

impl Connection {
    /// Opens a read-only connection for monitoring. Unlike [`Connection::open`] a vpx:// URI
    /// may leave out the host path: the connection then covers the whole vCenter (only the
    /// calls of this module make sense on it). An esx:// URI's `vcenter=` is ignored.
    pub fn open_for_monitoring(uri: &str, options: &OpenOptions) -> Result<Connection> {
        let mut uri = Uri::parse(uri)?;
        uri.params.vcenter = None;
        let mut options = options.clone();
        options.read_only = true;
        if uri.scheme == Scheme::Vpx && uri.inventory_path().is_empty() {
            let engine = open::open_session(uri.clone(), &options, None)?;
            // The product check (a vCenter) happens with the service content.
            engine.ensure_content()?;
            return Ok(Connection {
                uri,
                engine,
                vcenter: None,
                read_only: true,
                _sim_guard: None,
            });
        }
        Connection::open_uri(uri, &options)
    }

    /// What this connection covers (a vpx:// host path is resolved once, then known).
    pub fn monitor_scope(&self) -> Result<MonitorScope> {
        if self.uri.scheme == Scheme::Vpx && !self.uri.inventory_path().is_empty() {
            let ctx = self.engine.context()?;
            return Ok(MonitorScope::Host {
                host: ctx.host,
                compute_resource: ctx.compute_resource,
                datacenter: ctx.datacenter,
            });
        }
        Ok(MonitorScope::Inventory)
    }

    /// The session's identity as the client knows it now (no request): it changes when the
    /// client logs in again.
    fn session_marker(&self) -> Option<String> {
        self.engine.client.session_cookie()
    }

    /// Starts watching the objects of [`Connection::monitor_scope`] with the `watched`
    /// properties; answers carry at most `max_object_updates` object updates each.
    pub fn watch_inventory(
        &self,
        watched: &[Watched],
        max_object_updates: u32,
    ) -> Result<InventoryWatch<'_>> {
        let mut w = InventoryWatch {
            conn: self,
            watched: watched.to_vec(),
            max_object_updates: i32::try_from(max_object_updates.max(1)).unwrap_or(i32::MAX),
            view: None,
            filter: None,
            version: None,
            session: None,
            fresh: true,
        };
        w.create()?;
        Ok(w)
    }

    /// The server's performance counter catalogue (`PerformanceManager.perfCounter`); empty
    /// when the server has no PerformanceManager.
    pub fn perf_counter_catalogue(&self) -> Result<Vec<PerfCounterInfo>> {
        self.engine.ensure_content()?;
        let Some(pm) = self.engine.perf_manager() else {
            return Ok(Vec::new());
        };
        let p = self.read_one(&pm, &[perf_mgr::PERF_COUNTER.path()])?;
        Ok(p.get(perf_mgr::PERF_COUNTER).unwrap_or_default())
    }

    /// Which samples to ask `entity` (a host or VM) for: real-time statistics when its
    /// provider has them (an ESX host, or a vCenter for its hosts and VMs), else the
    /// shortest historical interval the server keeps. `None` without a PerformanceManager.
    pub fn perf_interval(&self, entity: &ManagedObjectReference) -> Result<Option<PerfInterval>> {
        self.engine.ensure_content()?;
        let Some(pm) = self.engine.perf_manager() else {
            return Ok(None);
        };
        let e = entity.clone();
        let summary = self.engine.run(|c| {
            let e = e.clone();
            async move { c.query_perf_provider_summary(&e).await.map_err(vi_err) }
        })?;
        if summary.current_supported {
            let seconds = summary.refresh_rate.filter(|r| *r > 0).unwrap_or(20);
            return Ok(Some(PerfInterval {
                interval_id: seconds,
                seconds,
                realtime: true,
            }));
        }
        let p = self.read_one(&pm, &[perf_mgr::HISTORICAL_INTERVAL.path()])?;
        let shortest = p
            .get(perf_mgr::HISTORICAL_INTERVAL)
            .unwrap_or_default()
            .into_iter()
            .filter(|i| i.enabled && i.sampling_period > 0)
            .min_by_key(|i| i.sampling_period);
        Ok(shortest.map(|i| PerfInterval {
            interval_id: i.sampling_period,
            seconds: i.sampling_period,
            realtime: false,
        }))
    }

    /// One QueryPerf for all `specs` (any number of entities). An entity that no longer
    /// exists fails the whole call on a real server; it is left out and the call sent again
    /// (at most `specs.len()` times), so a VM deleted since the caller saw it costs one
    /// request, not the batch.
    pub fn query_perf(&self, specs: &[PerfQuerySpec]) -> Result<Vec<PerfEntityMetric>> {
        let mut specs = specs.to_vec();
        loop {
            if specs.is_empty() {
                return Ok(Vec::new());
            }
            let answer = self.engine.run(|c| {
                let specs = specs.clone();
                async move { Ok(c.query_perf(&specs).await) }
            })?;
            match answer {
                Ok(metrics) => {
                    return Ok(metrics
                        .into_iter()
                        .filter_map(|m| match m {
                            AnyPerfEntityMetricBase::PerfEntityMetric(m) => Some(m),
                            _ => None,
                        })
                        .collect())
                }
                Err(esxvirt_vi::Error::Fault(esxvirt_vi::Fault::ManagedObjectNotFound {
                    obj: Some(gone),
                    ..
                })) if specs.iter().any(|s| s.entity == gone) => {
                    specs.retain(|s| s.entity != gone);
                }
                Err(e) => return Err(vi_err(e)),
            }
        }
    }

    /// Properties of one object.
    fn read_one(&self, obj: &ManagedObjectReference, paths: &[&str]) -> Result<Props> {
        let spec = PropertyFilterSpec {
            prop_set: vec![property_spec(&obj.type_, paths)],
            object_set: vec![ObjectSpec {
                obj: obj.clone(),
                skip: Some(false),
                select_set: vec![],
            }],
            report_missing_objects_in_results: None,
        };
        self.engine
            .retrieve(vec![spec])?
            .into_iter()
            .find(|p| p.is(obj))
            .ok_or_else(|| Error::internal(format!("Could not read {}", obj.value)))
    }
}

/// A property filter over the objects a monitoring connection covers
/// ([`Connection::watch_inventory`]); its view and filter are destroyed on drop.
pub struct InventoryWatch<'c> {
    conn: &'c Connection,
    watched: Vec<Watched>,
    max_object_updates: i32,
    view: Option<ManagedObjectReference>,
    filter: Option<ManagedObjectReference>,
    version: Option<String>,
    session: Option<String>,
    /// Nothing was passed on since the filter was (re)created.
    fresh: bool,
}

impl std::fmt::Debug for InventoryWatch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InventoryWatch")
            .field("view", &self.view)
            .field("filter", &self.filter)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// The filter spec of a whole inventory: every object of the watched types in a recursive
/// ContainerView of the root folder.
fn view_spec(view: &ManagedObjectReference, watched: &[Watched]) -> PropertyFilterSpec {
    PropertyFilterSpec {
        prop_set: watched
            .iter()
            .map(|w| property_spec(w.type_, &w.paths))
            .collect(),
        object_set: vec![ObjectSpec {
            obj: view.clone(),
            skip: Some(true),
            select_set: vec![traverse("traverseView", container_view::VIEW, &[])],
        }],
        report_missing_objects_in_results: None,
    }
}

/// The filter spec of one host: the host with its VMs and datastores, its compute resource
/// and its datacenter.
fn host_spec(
    host_ref: &ManagedObjectReference,
    others: &[&ManagedObjectReference],
    watched: &[Watched],
) -> PropertyFilterSpec {
    let mut object_set = vec![ObjectSpec {
        obj: host_ref.clone(),
        skip: Some(false),
        select_set: vec![
            traverse("hostVms", host::VM, &[]),
            traverse("hostDatastores", host::DATASTORE, &[]),
        ],
    }];
    object_set.extend(others.iter().map(|o| ObjectSpec {
        obj: (*o).clone(),
        skip: Some(false),
        select_set: vec![],
    }));
    PropertyFilterSpec {
        prop_set: watched
            .iter()
            .map(|w| property_spec(w.type_, &w.paths))
            .collect(),
        object_set,
        report_missing_objects_in_results: None,
    }
}

impl InventoryWatch<'_> {
    /// Creates the view (whole inventories) and the filter, in the current session.
    fn create(&mut self) -> Result<()> {
        let engine = &self.conn.engine;
        let spec = match self.conn.monitor_scope()? {
            MonitorScope::Inventory => {
                let root = engine.root_folder();
                let types: Vec<String> = self.watched.iter().map(|w| w.type_.into()).collect();
                let view = engine.run(|c| {
                    let (root, types) = (root.clone(), types.clone());
                    async move {
                        c.create_container_view(&root, &types, true)
                            .await
                            .map_err(vi_err)
                    }
                })?;
                let spec = view_spec(&view, &self.watched);
                self.view = Some(view);
                spec
            }
            MonitorScope::Host {
                host,
                compute_resource,
                datacenter,
            } => host_spec(&host, &[&compute_resource, &datacenter], &self.watched),
        };
        let filter = engine.run(|c| {
            let spec = spec.clone();
            async move { c.create_filter(&spec, false).await.map_err(vi_err) }
        })?;
        self.filter = Some(filter);
        self.version = None;
        self.session = self.conn.session_marker();
        self.fresh = true;
        Ok(())
    }

    /// Passes every update available now to `each` (WaitForUpdatesEx without waiting,
    /// repeated while the server truncates its answer), in the server's order, after a
    /// [`WatchEvent::Reset`] when they describe everything anew.
    pub fn poll(&mut self, mut each: impl FnMut(WatchEvent<'_>)) -> Result<Poll> {
        if self.session != self.conn.session_marker() {
            // The old session's view and filter went with it.
            self.view = None;
            self.filter = None;
            self.create()?;
        }
        let mut poll = Poll {
            reset: self.fresh,
            ..Poll::default()
        };
        if self.fresh {
            each(WatchEvent::Reset);
            self.fresh = false;
        }
        let mine = self.filter.as_ref().map(|f| f.value.clone());
        loop {
            let version = self.version.clone();
            let options = WaitOptions {
                max_wait_seconds: Some(0),
                max_object_updates: Some(self.max_object_updates),
            };
            let set = self.conn.engine.run(|c| {
                let (version, options) = (version.clone(), options.clone());
                async move {
                    c.wait_for_updates_ex(version.as_deref(), Some(&options))
                        .await
                        .map_err(vi_err)
                }
            })?;
            poll.calls += 1;
            let Some(set) = set else { break };
            self.version = Some(set.version);
            for fu in &set.filter_set {
                if Some(&fu.filter.value) != mine.as_ref() {
                    continue;
                }
                for ou in &fu.object_set {
                    each(WatchEvent::Update(ou));
                    poll.updates += 1;
                }
            }
            if set.truncated != Some(true) {
                break;
            }
        }
        Ok(poll)
    }

    fn destroy(&mut self) {
        let (filter, view) = (self.filter.take(), self.view.take());
        if let Some(f) = filter {
            let r = self.conn.engine.run(|c| {
                let f = f.clone();
                async move { c.destroy_property_filter(&f).await.map_err(vi_err) }
            });
            if let Err(e) = r {
                tracing::debug!(error = %e, "cannot destroy the inventory filter");
            }
        }
        if let Some(v) = view {
            let r = self.conn.engine.run(|c| {
                let v = v.clone();
                async move { c.destroy_view(&v).await.map_err(vi_err) }
            });
            if let Err(e) = r {
                tracing::debug!(error = %e, "cannot destroy the inventory view");
            }
        }
    }
}

impl Drop for InventoryWatch<'_> {
    fn drop(&mut self) {
        self.destroy();
    }
}

/// `virDomainGetInfo` of a VM from the watched values of [`DOMAIN_INFO_PATHS`], exactly as
/// [`crate::Domain::get_info`] reports it.
pub fn domain_info(values: &HashMap<&str, Value>) -> DomainInfo {
    let mut map: HashMap<String, Value> = values
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    // The whole allocation is watched (a small object servers answer cheaply); the
    // driver's reading wants its limit.
    if let Some(alloc) = map
        .remove(vm::CONFIG_MEMORY_ALLOCATION.path())
        .and_then(|v| vm::CONFIG_MEMORY_ALLOCATION.decode(v))
    {
        if let Some(limit) = alloc.limit {
            map.insert(
                vm::CONFIG_MEMORY_ALLOCATION_LIMIT.path().to_string(),
                Value::Long(limit),
            );
        }
    }
    let p = Props::of(ManagedObjectReference::new(vm::TYPE, ""), map);
    crate::domain::info_from(&p).unwrap_or(DomainInfo {
        state: p
            .power_state()
            .unwrap_or(crate::types::DomainState::NoState),
        max_mem: 0,
        memory: 0,
        nr_virt_cpu: 0,
        cpu_time: 0,
    })
}

/// The VM paths [`domain_info`] reads.
pub const DOMAIN_INFO_PATHS: &[&str] = &[
    vm::RUNTIME_POWER_STATE.path(),
    vm::CONFIG_HARDWARE_MEMORY_MB.path(),
    vm::CONFIG_HARDWARE_NUM_CPU.path(),
    vm::CONFIG_MEMORY_ALLOCATION.path(),
];

/// libvirt's domain state of a vSphere power state.
pub fn domain_state(power: &VirtualMachinePowerState) -> crate::types::DomainState {
    crate::types::DomainState::from_power_state(power.as_str())
}
