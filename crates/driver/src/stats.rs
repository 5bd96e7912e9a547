//! Domain statistics (`virConnectGetAllDomainStats`, `virDomainListGetStats`): libvirt's
//! stats groups answered from one property retrieval of the VMs and, for the
//! hypervisor-specific group, one PerformanceManager query for all running VMs together.
//!
//! libvirt's ESX driver has no statistics call; what follows is esxvirt's own mapping, and it
//! reports only what vSphere really knows:
//!
//! - `state`: `state.state` and `state.reason` exactly as `domstate --reason` (the power
//!   state; ESX gives no reason, so 0 as libvirt's ESX driver reports it).
//! - `balloon`: `balloon.maximum` is `config.hardware.memoryMB` (MiB -> KiB) and
//!   `balloon.current` the memory `dominfo` reports as used (the memory limit when one is
//!   set, else the maximum), both as in the domain XML. For a running VM `balloon.rss` is
//!   `summary.quickStats.hostMemoryUsage` (MiB -> KiB): the host memory backing the VM
//!   including its overhead, what the resident set of the VM's process is on other
//!   hypervisors.
//! - `vcpu`: `vcpu.current` and `vcpu.maximum` are `config.hardware.numCPU`, the domain
//!   XML's `<vcpu>` (an ESX domain definition has no separate hot-plug ceiling).
//! - `interface`: `net.count` and `net.N.name`, the MAC address of each virtual NIC (the
//!   name `domifstat` accepts for an ESX interface, which has no host-side device name).
//! - `block`: `block.count`, `block.N.name` (the target name the domain XML gives the disk,
//!   `sda`/`hdc`/`fda`; unique within a record: where libvirt's VMX conversion gives a SATA
//!   drive the name of a SCSI one, the later drive takes the next free name of its prefix),
//!   `block.N.path` (the datastore path of a file-backed disk or image; none for an empty
//!   drive) and, for hard disks, `block.N.capacity` (bytes).
//! - `vm` (hypervisor-specific, "vm.NAME.TYPE"): for a running VM, the latest 20-second
//!   real-time sample of a fixed set of PerformanceManager counters, named after the
//!   vSphere counter (`vm.cpu.usagemhz.cur`) and kept in the counter's own unit (see
//!   [`VM_COUNTERS`]).
//!
//! Not reported, deliberately: vSphere has no cumulative counters. CPU time, bytes and
//! packets through a NIC and bytes and requests of a disk exist only as per-interval rates or
//! sums (`cpu.used` is the milliseconds used in the last 20 seconds, `net.bytesRx` KB/s,
//! `virtualDisk.numberReadAveraged` requests/s), while libvirt's `cpu.time`,
//! `net.N.rx.bytes`, `block.N.rd.reqs` ... are totals since the domain started, which tools
//! turn into rates by differencing. Passing rates off as totals would break every such tool,
//! so the `cpu-total` group is not supported and the interface and block groups carry no
//! traffic counters; the rates are in the `vm` group under their vSphere names.

use std::collections::{HashMap, HashSet};

use esxvirt_vi::property::property_spec;
use esxvirt_vi::props::{performance_manager as perf_mgr, virtual_machine as vm};
use esxvirt_vi::{
    AnyPerfEntityMetricBase, AnyPerfMetricSeries, AnyVirtualDevice, AnyVirtualDeviceBackingInfo,
    ManagedObjectReference, ObjectSpec, PerfCounterInfo, PerfMetricId, PerfQuerySpec,
    PropertyFilterSpec,
};

use crate::connection::engine::specs::filter;
use crate::connection::engine::Props;
use crate::connection::Connection;
use crate::domain::identity::{self, vm_ref};
use crate::domain::lookup::vm_summary;
use crate::domain::{info_from, Domain, LOOKUP_PATHS};
use crate::error::{check_flags, vi_err, Error, ErrorCode, Result};
use crate::types::{DomainState, TypedParam, TypedValue};

/// `virDomainStatsTypes`: the stats groups.
pub mod group {
    /// VIR_DOMAIN_STATS_STATE
    pub const STATE: u32 = 1 << 0;
    /// VIR_DOMAIN_STATS_CPU_TOTAL
    pub const CPU_TOTAL: u32 = 1 << 1;
    /// VIR_DOMAIN_STATS_BALLOON
    pub const BALLOON: u32 = 1 << 2;
    /// VIR_DOMAIN_STATS_VCPU
    pub const VCPU: u32 = 1 << 3;
    /// VIR_DOMAIN_STATS_INTERFACE
    pub const INTERFACE: u32 = 1 << 4;
    /// VIR_DOMAIN_STATS_BLOCK
    pub const BLOCK: u32 = 1 << 5;
    /// VIR_DOMAIN_STATS_PERF
    pub const PERF: u32 = 1 << 6;
    /// VIR_DOMAIN_STATS_IOTHREAD
    pub const IOTHREAD: u32 = 1 << 7;
    /// VIR_DOMAIN_STATS_MEMORY
    pub const MEMORY: u32 = 1 << 8;
    /// VIR_DOMAIN_STATS_DIRTYRATE
    pub const DIRTYRATE: u32 = 1 << 9;
    /// VIR_DOMAIN_STATS_VM
    pub const VM: u32 = 1 << 10;
    /// The groups this driver answers (what `stats == 0` means).
    pub const SUPPORTED: u32 = STATE | BALLOON | VCPU | INTERFACE | BLOCK | VM;
}

/// `virConnectGetAllDomainStatsFlags`.
pub mod flag {
    use crate::flags::list_domains as l;
    /// VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE
    pub const ACTIVE: u32 = l::ACTIVE;
    /// VIR_CONNECT_GET_ALL_DOMAINS_STATS_INACTIVE
    pub const INACTIVE: u32 = l::INACTIVE;
    /// VIR_CONNECT_GET_ALL_DOMAINS_STATS_PERSISTENT
    pub const PERSISTENT: u32 = l::PERSISTENT;
    /// VIR_CONNECT_GET_ALL_DOMAINS_STATS_TRANSIENT
    pub const TRANSIENT: u32 = l::TRANSIENT;
    /// VIR_CONNECT_GET_ALL_DOMAINS_STATS_RUNNING
    pub const RUNNING: u32 = l::RUNNING;
    /// VIR_CONNECT_GET_ALL_DOMAINS_STATS_PAUSED
    pub const PAUSED: u32 = l::PAUSED;
    /// VIR_CONNECT_GET_ALL_DOMAINS_STATS_SHUTOFF
    pub const SHUTOFF: u32 = l::SHUTOFF;
    /// VIR_CONNECT_GET_ALL_DOMAINS_STATS_OTHER
    pub const OTHER: u32 = l::OTHER;
    /// VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT: accepted; nothing here waits for a job.
    pub const NOWAIT: u32 = 1 << 29;
    /// VIR_CONNECT_GET_ALL_DOMAINS_STATS_BACKING: accepted; only the active layer of each
    /// disk is listed (as drivers without backing-chain statistics do).
    pub const BACKING: u32 = 1 << 30;
    /// VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS
    pub const ENFORCE_STATS: u32 = 1 << 31;
    /// The domain filters.
    pub const FILTERS: u32 =
        ACTIVE | INACTIVE | PERSISTENT | TRANSIENT | RUNNING | PAUSED | SHUTOFF | OTHER;
}

/// The statistics of one domain (`virDomainStatsRecord`).
#[derive(Debug, Clone)]
pub struct DomainStatsRecord<'c> {
    pub domain: Domain<'c>,
    /// The fields in libvirt's group order (state, balloon, vcpu, net, block, vm).
    pub params: Vec<TypedParam>,
}

/// The PerformanceManager counters of the `vm` group, in output order:
/// (group, name, rollup). All are the VM's aggregate instance (""). Units are vSphere's:
/// `cpu.usage` and `mem.usage` in hundredths of a percent, `cpu.usagemhz` MHz,
/// `cpu.ready`/`cpu.used` milliseconds within the 20-s sample, `mem.*` KiB, `disk.*` and
/// `net.*` KB/s, `sys.uptime` seconds.
pub const VM_COUNTERS: &[(&str, &str, &str)] = &[
    ("cpu", "usage", "average"),
    ("cpu", "usagemhz", "average"),
    ("cpu", "used", "summation"),
    ("cpu", "ready", "summation"),
    ("mem", "usage", "average"),
    ("mem", "active", "average"),
    ("mem", "consumed", "average"),
    ("mem", "vmmemctl", "average"),
    ("mem", "swapped", "average"),
    ("disk", "usage", "average"),
    ("disk", "read", "average"),
    ("disk", "write", "average"),
    ("net", "usage", "average"),
    ("net", "received", "average"),
    ("net", "transmitted", "average"),
    ("sys", "uptime", "latest"),
];

/// The real-time interval (seconds): the only one a host keeps 20-second samples for.
const REALTIME_INTERVAL: i32 = 20;

/// The counter ids of [`VM_COUNTERS`] found in a server's catalogue: `(index, key)`.
#[derive(Debug, Clone, Default)]
pub(crate) struct CounterIds(Vec<(usize, i32)>);

impl CounterIds {
    /// Picks the wanted counters out of the catalogue (`perfCounter`).
    pub(crate) fn from_catalogue(all: &[PerfCounterInfo]) -> CounterIds {
        let mut found = Vec::new();
        for (i, (g, n, r)) in VM_COUNTERS.iter().enumerate() {
            let hit = all.iter().find(|c| {
                c.group_info.key == *g && c.name_info.key == *n && c.rollup_type.as_str() == *r
            });
            if let Some(c) = hit {
                found.push((i, c.key));
            }
        }
        CounterIds(found)
    }

    /// The ids by counter name (`group.name.rollup`), as the session cache keeps them: the
    /// names stay right when this build's counter list differs from the one that wrote them.
    pub(crate) fn to_named(&self) -> Vec<(String, i32)> {
        self.0
            .iter()
            .filter_map(|(i, key)| {
                let (g, n, r) = VM_COUNTERS.get(*i)?;
                Some((format!("{g}.{n}.{r}"), *key))
            })
            .collect()
    }

    /// The ids from [`CounterIds::to_named`]'s form; names this build does not use are left out.
    pub(crate) fn from_named(named: &[(String, i32)]) -> CounterIds {
        CounterIds(
            named
                .iter()
                .filter_map(|(name, key)| {
                    let i = VM_COUNTERS
                        .iter()
                        .position(|(g, n, r)| *name == format!("{g}.{n}.{r}"))?;
                    Some((i, *key))
                })
                .collect(),
        )
    }

    fn index_of(&self, key: i32) -> Option<usize> {
        self.0.iter().find(|(_, k)| *k == key).map(|(i, _)| *i)
    }
}

/// libvirt's "vm.NAME.TYPE" field for counter `index`: summations are the sum over the
/// sample, the others its current value.
fn vm_field(index: usize) -> Option<String> {
    let (g, n, r) = VM_COUNTERS.get(index)?;
    let kind = match *r {
        "summation" => "sum",
        "maximum" => "max",
        _ => "cur",
    };
    Some(format!("vm.{g}.{n}.{kind}"))
}

fn paths_for(stats: u32) -> Vec<&'static str> {
    // A domain handle's lookup properties, plus what the groups read.
    let mut p = LOOKUP_PATHS.to_vec();
    if stats & group::BALLOON != 0 {
        p.push(vm::SUMMARY_QUICK_STATS_HOST_MEMORY_USAGE.path());
    }
    if stats & (group::INTERFACE | group::BLOCK) != 0 {
        p.push(vm::CONFIG_HARDWARE_DEVICE.path());
    }
    p
}

/// Validates `stats` and `flags` as libvirt's drivers do; the groups to report.
fn effective_groups(stats: u32, flags: u32) -> Result<u32> {
    check_flags(
        flags,
        flag::FILTERS | flag::NOWAIT | flag::BACKING | flag::ENFORCE_STATS,
        "esxConnectGetAllDomainStats",
    )?;
    if stats == 0 {
        return Ok(group::SUPPORTED);
    }
    let unsupported = stats & !group::SUPPORTED;
    if flags & flag::ENFORCE_STATS != 0 && unsupported != 0 {
        return Err(Error::new(
            ErrorCode::ArgumentUnsupported,
            format!("Stats types bits 0x{unsupported:x} are not supported by this daemon"),
        ));
    }
    Ok(stats & group::SUPPORTED)
}

impl Connection {
    /// Statistics of every domain matching the filters in `flags`
    /// (`virConnectGetAllDomainStats`): `stats` is a set of [`group`] bits (0: all the
    /// supported groups), `flags` of [`flag`] bits. One property retrieval for all VMs and,
    /// with the `vm` group, one QueryPerf for all running VMs.
    pub fn get_all_domain_stats(
        &self,
        stats: u32,
        flags: u32,
    ) -> Result<Vec<DomainStatsRecord<'_>>> {
        let groups = effective_groups(stats, flags)?;
        if identity::flags_exclude_everything(flags & flag::FILTERS) {
            return Ok(Vec::new());
        }
        let paths = paths_for(groups);
        let mut specs = vec![self.engine.vms_filter(&paths)?];
        specs.extend(self.perf_catalogue_spec(groups));
        let objects = self.engine.retrieve(specs)?;
        self.collect(objects, None, groups, flags)
    }

    /// Statistics of the given domains (`virDomainListGetStats`), in their order; domains
    /// that no longer exist or do not match the filters in `flags` are left out.
    pub fn domain_list_get_stats<'c>(
        &'c self,
        doms: &[Domain<'c>],
        stats: u32,
        flags: u32,
    ) -> Result<Vec<DomainStatsRecord<'c>>> {
        if doms.is_empty() {
            return Err(Error::new(
                ErrorCode::InvalidArg,
                "doms array in virDomainListGetStats must contain at least one domain",
            ));
        }
        let groups = effective_groups(stats, flags)?;
        if identity::flags_exclude_everything(flags & flag::FILTERS) {
            return Ok(Vec::new());
        }
        let paths = paths_for(groups);
        let mut specs = vec![PropertyFilterSpec {
            prop_set: vec![property_spec(vm::TYPE, &paths)],
            object_set: doms
                .iter()
                .map(|d| ObjectSpec {
                    obj: vm_ref(&d.moref),
                    skip: Some(false),
                    select_set: vec![],
                })
                .collect(),
            // A VM removed since its lookup is left out rather than failing the call.
            report_missing_objects_in_results: Some(true),
        }];
        specs.extend(self.perf_catalogue_spec(groups));
        let objects = self.engine.retrieve(specs)?;
        let order: Vec<String> = doms.iter().map(|d| d.moref.clone()).collect();
        self.collect(objects, Some(&order), groups, flags)
    }

    /// The counter ids, when this connection or the session cache knows them.
    fn cached_counters(&self) -> Option<CounterIds> {
        self.engine
            .known_perf_counters()
            .map(|named| CounterIds::from_named(&named))
    }

    /// The PerformanceManager's counter catalogue, read in the same retrieval as the VMs
    /// when the `vm` group needs counter ids not known yet. A server without a
    /// PerformanceManager simply has no `vm` group.
    fn perf_catalogue_spec(&self, groups: u32) -> Option<PropertyFilterSpec> {
        if groups & group::VM == 0 || self.cached_counters().is_some() {
            return None;
        }
        let pm = self.engine.perf_manager()?;
        Some(filter(
            &pm,
            false,
            vec![],
            vec![property_spec(&pm.type_, &[perf_mgr::PERF_COUNTER.path()])],
        ))
    }

    /// Builds the records from the retrieved objects (`order`: the requested VMs, else
    /// server order), querying the PerformanceManager once for the running ones.
    fn collect(
        &self,
        objects: Vec<Props>,
        order: Option<&[String]>,
        groups: u32,
        flags: u32,
    ) -> Result<Vec<DomainStatsRecord<'_>>> {
        let mut vms = Vec::new();
        for mut o in objects {
            if o.ty() == perf_mgr::TYPE {
                if let Some(all) = o.take(perf_mgr::PERF_COUNTER) {
                    self.engine
                        .learn_perf_counters(CounterIds::from_catalogue(&all).to_named());
                }
            } else if o.ty() == vm::TYPE && o.get(vm::NAME).is_some() {
                vms.push(o);
            }
        }
        let vms: Vec<Props> = match order {
            Some(order) => {
                let by_id: HashMap<String, Props> =
                    vms.into_iter().map(|p| (p.obj.value.clone(), p)).collect();
                order.iter().filter_map(|m| by_id.get(m).cloned()).collect()
            }
            None => vms,
        };
        let mut picked = Vec::new();
        for p in vms {
            let summary = vm_summary(&p)?;
            if identity::matches(flags & flag::FILTERS, &summary, false) {
                picked.push((summary.state, p));
            }
        }
        let samples = if groups & group::VM != 0 {
            let running: Vec<ManagedObjectReference> = picked
                .iter()
                .filter(|(s, _)| *s == DomainState::Running)
                .map(|(_, p)| p.obj.clone())
                .collect();
            self.query_vm_counters(&running)?
        } else {
            HashMap::new()
        };
        let mut out = Vec::with_capacity(picked.len());
        for (state, mut p) in picked {
            let mut params = Vec::new();
            if groups & group::STATE != 0 {
                state_params(state, &mut params);
            }
            if groups & group::BALLOON != 0 {
                balloon_params(&p, state, &mut params);
            }
            if groups & group::VCPU != 0 {
                vcpu_params(&p, &mut params);
            }
            // Taken out: the device lists need not stay in the object cache.
            let devices = p.take(vm::CONFIG_HARDWARE_DEVICE).unwrap_or_default();
            if groups & group::INTERFACE != 0 {
                interface_params(&devices, &mut params);
            }
            if groups & group::BLOCK != 0 {
                block_params(&devices, &mut params);
            }
            if let Some(values) = samples.get(&p.obj.value) {
                params.extend(values.iter().cloned());
            }
            out.push(DomainStatsRecord {
                domain: self.domain_from(&p)?,
                params,
            });
        }
        Ok(out)
    }

    /// One QueryPerf for every running VM: the latest real-time sample of the `vm` group's
    /// counters; the fields per VM managed-object id.
    fn query_vm_counters(
        &self,
        running: &[ManagedObjectReference],
    ) -> Result<HashMap<String, Vec<TypedParam>>> {
        let ids = self.cached_counters().unwrap_or_default();
        if running.is_empty() || ids.0.is_empty() {
            return Ok(HashMap::new());
        }
        let specs: Vec<PerfQuerySpec> = running
            .iter()
            .map(|entity| PerfQuerySpec {
                entity: entity.clone(),
                max_sample: Some(1),
                interval_id: Some(REALTIME_INTERVAL),
                metric_id: ids
                    .0
                    .iter()
                    .map(|(_, key)| PerfMetricId {
                        counter_id: *key,
                        instance: String::new(),
                    })
                    .collect(),
                ..PerfQuerySpec::default()
            })
            .collect();
        let answer = self.engine.run(|c| {
            let specs = specs.clone();
            async move { c.query_perf(&specs).await.map_err(vi_err) }
        })?;
        let mut out = HashMap::new();
        for metric in answer {
            let AnyPerfEntityMetricBase::PerfEntityMetric(m) = metric else {
                continue;
            };
            out.insert(m.base.entity.value.clone(), vm_params(&ids, &m.value));
        }
        Ok(out)
    }
}

/// The `vm` group's fields from one entity's series, in [`VM_COUNTERS`] order. The last
/// value of each series is the latest sample; negative values are vSphere's "no data".
fn vm_params(ids: &CounterIds, series: &[AnyPerfMetricSeries]) -> Vec<TypedParam> {
    let mut found: Vec<(usize, u64)> = Vec::new();
    for s in series {
        let AnyPerfMetricSeries::PerfMetricIntSeries(s) = s else {
            continue;
        };
        if !s.base.id.instance.is_empty() {
            continue;
        }
        let Some(index) = ids.index_of(s.base.id.counter_id) else {
            continue;
        };
        let Some(&last) = s.value.last() else {
            continue;
        };
        if last >= 0 && !found.iter().any(|(i, _)| *i == index) {
            found.push((index, last as u64));
        }
    }
    found.sort_by_key(|(i, _)| *i);
    found
        .into_iter()
        .filter_map(|(i, v)| Some(TypedParam::new(vm_field(i)?, TypedValue::ULLong(v))))
        .collect()
}

/// `state.state` (virDomainState) and `state.reason` (ESX knows no reason: 0).
fn state_params(state: DomainState, out: &mut Vec<TypedParam>) {
    out.push(TypedParam::new(
        "state.state",
        TypedValue::Int(state.number()),
    ));
    out.push(TypedParam::new("state.reason", TypedValue::Int(0)));
}

fn balloon_params(p: &Props, state: DomainState, out: &mut Vec<TypedParam>) {
    let Some(info) = info_from(p) else {
        return;
    };
    out.push(TypedParam::new(
        "balloon.current",
        TypedValue::ULLong(info.memory),
    ));
    out.push(TypedParam::new(
        "balloon.maximum",
        TypedValue::ULLong(info.max_mem),
    ));
    // quickStats are zero for a VM that is not running: nothing to report then.
    if state == DomainState::Running {
        if let Some(mb) = p.get(vm::SUMMARY_QUICK_STATS_HOST_MEMORY_USAGE) {
            if mb > 0 {
                out.push(TypedParam::new(
                    "balloon.rss",
                    TypedValue::ULLong(mb as u64 * 1024),
                ));
            }
        }
    }
}

fn vcpu_params(p: &Props, out: &mut Vec<TypedParam>) {
    if let Some(n) = p.get(vm::CONFIG_HARDWARE_NUM_CPU) {
        let n = n.max(0) as u32;
        out.push(TypedParam::new("vcpu.current", TypedValue::UInt(n)));
        out.push(TypedParam::new("vcpu.maximum", TypedValue::UInt(n)));
    }
}

/// The ethernet card inside a device, if it is one.
fn ethernet_card(d: &AnyVirtualDevice) -> Option<&esxvirt_vi::VirtualEthernetCard> {
    use AnyVirtualDevice as D;
    Some(match d {
        D::VirtualEthernetCard(c) => c,
        D::VirtualE1000(c) => &c.base,
        D::VirtualE1000e(c) => &c.base,
        D::VirtualPCNet32(c) => &c.base,
        D::VirtualVmxnet(c) => &c.base,
        D::VirtualVmxnet2(c) => &c.base.base,
        D::VirtualVmxnet3(c) => &c.base.base,
        D::VirtualVmxnet3Vrdma(c) => &c.base.base.base,
        D::VirtualSriovEthernetCard(c) => &c.base,
        _ => return None,
    })
}

fn interface_params(devices: &[AnyVirtualDevice], out: &mut Vec<TypedParam>) {
    let macs: Vec<&str> = devices
        .iter()
        .filter_map(ethernet_card)
        .map(|c| c.mac_address.as_deref().unwrap_or(""))
        .collect();
    out.push(TypedParam::new(
        "net.count",
        TypedValue::UInt(macs.len() as u32),
    ));
    for (i, mac) in macs.iter().enumerate() {
        if !mac.is_empty() {
            out.push(TypedParam::new(
                format!("net.{i}.name"),
                TypedValue::String(mac.to_ascii_lowercase()),
            ));
        }
    }
}

/// The bus a disk hangs on, in the order the domain XML lists disks (SCSI, SATA, IDE,
/// floppy: the VMX conversion's order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Bus {
    Scsi,
    Sata,
    Ide,
    Floppy,
}

/// One drive as the domain XML shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Drive {
    bus: Bus,
    controller: i32,
    unit: i32,
    path: Option<String>,
    capacity: Option<u64>,
}

impl Drive {
    /// The target name the VMX conversion gives the drive: SCSI `sd` with 15 units per
    /// controller (unit 7 is the controller's own), SATA `sd` from 30 per controller, IDE
    /// `hd` with two per bus, floppies `fd` by unit.
    fn target(&self) -> Option<String> {
        Some(esxvirt_vmx::index_to_disk_name(
            self.index()?,
            self.prefix(),
        ))
    }

    /// The target name's prefix: `sd`, `hd` or `fd`.
    fn prefix(&self) -> &'static str {
        match self.bus {
            Bus::Scsi | Bus::Sata => "sd",
            Bus::Ide => "hd",
            Bus::Floppy => "fd",
        }
    }

    /// The index the target name spells (see [`Drive::target`]).
    fn index(&self) -> Option<u32> {
        let index = match self.bus {
            Bus::Scsi => {
                let unit = if self.unit > 7 {
                    self.unit - 1
                } else {
                    self.unit
                };
                self.controller * 15 + unit
            }
            Bus::Sata => self.controller * 30 + self.unit,
            Bus::Ide => self.controller * 2 + self.unit,
            Bus::Floppy => self.unit,
        };
        u32::try_from(index).ok()
    }
}

/// The domain XML's target name (`sda`, `hdc`) of the disk a PerformanceManager instance
/// names (`scsi0:1`, `sata0:0`, `ide1:0`): vSphere's per-disk counters (`virtualDisk.*`)
/// name a disk by its controller and unit, which is what the target name is made of.
pub fn disk_target_of_instance(instance: &str) -> Option<String> {
    let (bus, rest) = instance.split_at(instance.find(|c: char| c.is_ascii_digit())?);
    let (controller, unit) = rest.split_once(':')?;
    let bus = match bus {
        "scsi" => Bus::Scsi,
        "sata" => Bus::Sata,
        "ide" => Bus::Ide,
        _ => return None,
    };
    Drive {
        bus,
        controller: controller.parse().ok()?,
        unit: unit.parse().ok()?,
        path: None,
        capacity: None,
    }
    .target()
}

/// A drive's file: the backing's file name (a raw disk mapping's too), when not empty.
fn backing_file(b: Option<&AnyVirtualDeviceBackingInfo>) -> Option<String> {
    let name = match b? {
        AnyVirtualDeviceBackingInfo::VirtualDiskRawDiskMappingVer1BackingInfo(f) => {
            f.base.file_name.as_str()
        }
        other => crate::domain::vmx_synth::file_name(other)?,
    };
    (!name.is_empty()).then(|| name.to_string())
}

/// The drives of a VM in the domain XML's order.
fn drives(devices: &[AnyVirtualDevice]) -> Vec<Drive> {
    use AnyVirtualDevice as D;
    let mut controllers: HashMap<i32, (Bus, i32)> = HashMap::new();
    for d in devices {
        let (key, bus, number) = match d {
            D::VirtualSCSIController(c) => (c.base.base.key, Bus::Scsi, c.base.bus_number),
            D::VirtualBusLogicController(c) => {
                (c.base.base.base.key, Bus::Scsi, c.base.base.bus_number)
            }
            D::VirtualLsiLogicController(c) => {
                (c.base.base.base.key, Bus::Scsi, c.base.base.bus_number)
            }
            D::VirtualLsiLogicSASController(c) => {
                (c.base.base.base.key, Bus::Scsi, c.base.base.bus_number)
            }
            D::ParaVirtualSCSIController(c) => {
                (c.base.base.base.key, Bus::Scsi, c.base.base.bus_number)
            }
            D::VirtualSATAController(c) => (c.base.base.key, Bus::Sata, c.base.bus_number),
            D::VirtualAHCIController(c) => {
                (c.base.base.base.key, Bus::Sata, c.base.base.bus_number)
            }
            D::VirtualIDEController(c) => (c.base.base.key, Bus::Ide, c.base.bus_number),
            _ => continue,
        };
        controllers.insert(key, (bus, number));
    }
    let mut out = Vec::new();
    let mut used = HashSet::new();
    for d in devices {
        let (base, capacity) = match d {
            D::VirtualDisk(x) => (
                &x.base,
                Some(
                    x.capacity_in_bytes
                        .filter(|b| *b >= 0)
                        .unwrap_or(x.capacity_in_kb.max(0) * 1024) as u64,
                ),
            ),
            D::VirtualCdrom(x) => (&x.base, None),
            D::VirtualFloppy(x) => {
                out.push(Drive {
                    bus: Bus::Floppy,
                    controller: 0,
                    unit: x.base.unit_number.unwrap_or(0),
                    path: backing_file(x.base.backing.as_ref()),
                    capacity: None,
                });
                continue;
            }
            _ => continue,
        };
        let Some(&(bus, controller)) = base.controller_key.and_then(|k| controllers.get(&k)) else {
            continue;
        };
        // A unit is unique per controller; one missing or taken (govmomi's simulator puts
        // a CD-ROM and a disk on the same unit) gets the next free one, as the VMX rebuilt
        // for `dumpxml` on such servers does, so the names agree with the domain XML.
        // The domain XML has four SCSI and SATA controllers and two IDE buses at most.
        let (buses, units) = match bus {
            Bus::Ide => (2, 2),
            Bus::Sata => (4, 30),
            _ => (4, 16),
        };
        if !(0..buses).contains(&controller) {
            continue;
        }
        let mut unit = base.unit_number.unwrap_or(0).max(0);
        while used.contains(&(bus, controller, unit)) || (bus == Bus::Scsi && unit == 7) {
            unit += 1;
        }
        if unit >= units {
            continue;
        }
        used.insert((bus, controller, unit));
        out.push(Drive {
            bus,
            controller,
            unit,
            path: backing_file(base.backing.as_ref()),
            capacity,
        });
    }
    out.sort_by_key(|d| (d.bus, d.controller, d.unit));
    out
}

/// The drives with the names `domstats` gives them: the domain XML's target, unless an
/// earlier drive has it already (libvirt 9.0's VMX conversion names SATA drives in the same
/// `sd` space as SCSI ones, so `scsi0:0` and `sata0:0` are both `sda` there); such a drive
/// takes the next name of its prefix no drive of the VM has. Names are then unique within
/// a record, and equal to the XML's wherever the XML's are.
fn named_drives(devices: &[AnyVirtualDevice]) -> Vec<(String, Drive)> {
    let drives = drives(devices);
    // Every name the XML gives, so that a moved name takes none of them.
    let mut taken: HashSet<String> = drives.iter().filter_map(Drive::target).collect();
    let mut given = HashSet::new();
    let mut out = Vec::with_capacity(drives.len());
    for d in drives {
        let (Some(name), Some(index)) = (d.target(), d.index()) else {
            continue;
        };
        let name = if given.contains(&name) {
            let free = (index..index.saturating_add(1 << 16))
                .map(|i| esxvirt_vmx::index_to_disk_name(i, d.prefix()))
                .find(|n| !taken.contains(n));
            match free {
                Some(n) => n,
                None => continue,
            }
        } else {
            name
        };
        taken.insert(name.clone());
        given.insert(name.clone());
        out.push((name, d));
    }
    out
}

fn block_params(devices: &[AnyVirtualDevice], out: &mut Vec<TypedParam>) {
    let drives = named_drives(devices);
    out.push(TypedParam::new(
        "block.count",
        TypedValue::UInt(drives.len() as u32),
    ));
    for (i, (name, d)) in drives.into_iter().enumerate() {
        out.push(TypedParam::new(
            format!("block.{i}.name"),
            TypedValue::String(name),
        ));
        if let Some(path) = d.path {
            out.push(TypedParam::new(
                format!("block.{i}.path"),
                TypedValue::String(path),
            ));
        }
        if let Some(c) = d.capacity {
            out.push(TypedParam::new(
                format!("block.{i}.capacity"),
                TypedValue::ULLong(c),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_default_to_the_supported_ones_and_enforce_refuses_the_rest() {
        assert_eq!(effective_groups(0, 0).unwrap(), group::SUPPORTED);
        assert_eq!(
            effective_groups(group::CPU_TOTAL | group::STATE, 0).unwrap(),
            group::STATE
        );
        let e = effective_groups(group::CPU_TOTAL | group::STATE, flag::ENFORCE_STATS).unwrap_err();
        assert_eq!(
            e.to_string(),
            "argument unsupported: Stats types bits 0x2 are not supported by this daemon"
        );
        assert!(effective_groups(0, 1 << 20).is_err());
    }

    #[test]
    fn disk_targets_follow_the_vmx_conversion() {
        let d = |bus, controller, unit| Drive {
            bus,
            controller,
            unit,
            path: None,
            capacity: None,
        };
        assert_eq!(d(Bus::Scsi, 0, 0).target().unwrap(), "sda");
        assert_eq!(d(Bus::Scsi, 0, 8).target().unwrap(), "sdh");
        assert_eq!(d(Bus::Scsi, 1, 0).target().unwrap(), "sdp");
        assert_eq!(d(Bus::Sata, 1, 0).target().unwrap(), "sdae");
        assert_eq!(d(Bus::Ide, 1, 0).target().unwrap(), "hdc");
        assert_eq!(d(Bus::Floppy, 0, 1).target().unwrap(), "fdb");
    }

    #[test]
    fn perf_disk_instances_name_their_targets() {
        assert_eq!(disk_target_of_instance("scsi0:0").as_deref(), Some("sda"));
        assert_eq!(disk_target_of_instance("scsi1:0").as_deref(), Some("sdp"));
        assert_eq!(disk_target_of_instance("ide1:0").as_deref(), Some("hdc"));
        assert_eq!(disk_target_of_instance("sata0:1").as_deref(), Some("sdb"));
        assert_eq!(disk_target_of_instance("nvme0:0"), None);
        assert_eq!(disk_target_of_instance("4000"), None);
    }

    #[test]
    fn vm_fields_are_named_after_the_rollup() {
        assert_eq!(vm_field(1).unwrap(), "vm.cpu.usagemhz.cur");
        assert_eq!(vm_field(2).unwrap(), "vm.cpu.used.sum");
        assert_eq!(vm_field(15).unwrap(), "vm.sys.uptime.cur");
        assert!(vm_field(VM_COUNTERS.len()).is_none());
    }
}
