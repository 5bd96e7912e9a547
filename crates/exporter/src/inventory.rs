//! What a target's collector knows of its inventory: VMs, hosts, datastores and the
//! compute resources, datacenters and folders between them, kept current by applying the
//! property collector's object updates (enter, modify, leave) one by one, and the watched
//! properties ([`watched`]) that feed the metrics. Names are resolved here too: a host's
//! cluster and datacenter (walking `parent` up), a VM's through its host.

use std::collections::HashMap;

use esxvirt_driver::domain::identity;
use esxvirt_driver::monitor::{self, Watched};
use esxvirt_driver::DomainInfo;
use esxvirt_vi::props::{
    compute_resource as cr, datacenter as dc, datastore as ds, folder, host_system as host,
    virtual_machine as vm,
};
use esxvirt_vi::{
    ManagedObjectReference, ObjectUpdate, ObjectUpdateKind, PropertyChange, PropertyChangeOp,
    Value, VirtualMachinePowerState,
};

/// The VM properties the metrics need.
pub const VM_PATHS: &[&str] = &[
    vm::NAME.path(),
    vm::CONFIG_UUID.path(),
    vm::RUNTIME_HOST.path(),
    vm::RUNTIME_POWER_STATE.path(),
    vm::CONFIG_HARDWARE_MEMORY_MB.path(),
    vm::CONFIG_HARDWARE_NUM_CPU.path(),
    vm::CONFIG_MEMORY_ALLOCATION.path(),
    vm::SNAPSHOT.path(),
    vm::GUEST_TOOLS_STATUS.path(),
    vm::RUNTIME_QUESTION.path(),
];

/// The host properties the metrics need.
pub const HOST_PATHS: &[&str] = &[
    host::NAME.path(),
    host::PARENT.path(),
    host::SUMMARY_HARDWARE_CPU_MHZ.path(),
    host::SUMMARY_HARDWARE_NUM_CPU_CORES.path(),
    host::SUMMARY_HARDWARE_MEMORY_SIZE.path(),
    host::SUMMARY_QUICK_STATS_OVERALL_CPU_USAGE.path(),
    host::SUMMARY_QUICK_STATS_OVERALL_MEMORY_USAGE.path(),
    host::RUNTIME_CONNECTION_STATE.path(),
    host::RUNTIME_POWER_STATE.path(),
    host::RUNTIME_IN_MAINTENANCE_MODE.path(),
];

/// The datastore properties the metrics need.
pub const DATASTORE_PATHS: &[&str] = &[
    ds::NAME.path(),
    ds::PARENT.path(),
    ds::SUMMARY_CAPACITY.path(),
    ds::SUMMARY_FREE_SPACE.path(),
    ds::SUMMARY_UNCOMMITTED.path(),
    ds::SUMMARY_ACCESSIBLE.path(),
    ds::SUMMARY_TYPE_.path(),
];

/// What the watch asks for, by type.
pub fn watched() -> Vec<Watched> {
    vec![
        Watched::new(vm::TYPE, VM_PATHS),
        Watched::new(host::TYPE, HOST_PATHS),
        Watched::new(ds::TYPE, DATASTORE_PATHS),
        Watched::new(cr::TYPE, &[cr::NAME.path(), cr::PARENT.path()]),
        Watched::new(dc::TYPE, &[dc::NAME.path(), dc::PARENT.path()]),
        Watched::new(folder::TYPE, &[folder::NAME.path(), folder::PARENT.path()]),
    ]
}

/// One VM.
#[derive(Debug, Clone, Default)]
pub struct Vm {
    pub name: String,
    /// The UUID as libvirt formats it; empty when the VM has no readable configuration.
    pub uuid: String,
    pub host: Option<ManagedObjectReference>,
    pub power: Option<VirtualMachinePowerState>,
    /// The values `virDomainGetInfo` reads, and what it says of them.
    info_values: HashMap<&'static str, Value>,
    pub info: Option<DomainInfo>,
    pub snapshots: u64,
    /// Creation times of the oldest and newest snapshot (Unix seconds).
    pub snapshot_oldest: Option<i64>,
    pub snapshot_newest: Option<i64>,
    /// `guest.toolsStatus` (`toolsOk`, ...), when known.
    pub tools_status: Option<String>,
    pub question_pending: bool,
}

impl Vm {
    /// Whether the VM runs (its counters have samples).
    pub fn running(&self) -> bool {
        self.power == Some(VirtualMachinePowerState::PoweredOn)
    }

    fn apply(&mut self, ch: &PropertyChange) {
        let val = match ch.op {
            PropertyChangeOp::Remove | PropertyChangeOp::IndirectRemove => None,
            _ => ch.val.clone(),
        };
        let name = ch.name.as_str();
        if let Some(key) = monitor::DOMAIN_INFO_PATHS.iter().find(|p| **p == name) {
            match &val {
                Some(v) => self.info_values.insert(key, v.clone()),
                None => self.info_values.remove(key),
            };
            self.info = Some(monitor::domain_info(&self.info_values));
        }
        if name == vm::NAME.path() {
            self.name = text(val).map(|n| unescaped(&n)).unwrap_or_default();
        } else if name == vm::CONFIG_UUID.path() {
            self.uuid = text(val)
                .and_then(|u| identity::uuid_from_config(&u).ok())
                .map(|u| esxvirt_driver::format_uuid(&u))
                .unwrap_or_default();
        } else if name == vm::RUNTIME_HOST.path() {
            self.host = val.and_then(|v| vm::RUNTIME_HOST.decode(v));
        } else if name == vm::RUNTIME_POWER_STATE.path() {
            self.power = val.and_then(|v| vm::RUNTIME_POWER_STATE.decode(v));
        } else if name == vm::SNAPSHOT.path() {
            let trees = val
                .and_then(|v| vm::SNAPSHOT.decode(v))
                .map(|s| s.root_snapshot_list)
                .unwrap_or_default();
            let mut times = Vec::new();
            let mut stack: Vec<_> = trees.iter().collect();
            while let Some(t) = stack.pop() {
                times.push(esxvirt_util::datetime::xsd_datetime_to_unix(&t.create_time).ok());
                stack.extend(t.child_snapshot_list.iter());
            }
            self.snapshots = times.len() as u64;
            self.snapshot_oldest = times.iter().flatten().min().copied();
            self.snapshot_newest = times.iter().flatten().max().copied();
        } else if name == vm::GUEST_TOOLS_STATUS.path() {
            self.tools_status = val
                .and_then(|v| vm::GUEST_TOOLS_STATUS.decode(v))
                .map(|s| s.as_str().to_string());
        } else if name == vm::RUNTIME_QUESTION.path() {
            self.question_pending = val.is_some_and(|v| !matches!(v, Value::None));
        }
    }
}

/// One host.
#[derive(Debug, Clone, Default)]
pub struct Host {
    pub name: String,
    pub parent: Option<ManagedObjectReference>,
    pub cpu_mhz: Option<i64>,
    pub cpu_cores: Option<i64>,
    pub memory_bytes: Option<i64>,
    pub cpu_usage_mhz: Option<i64>,
    pub memory_usage_mb: Option<i64>,
    pub connection_state: Option<String>,
    pub power_state: Option<String>,
    pub maintenance: Option<bool>,
}

impl Host {
    fn apply(&mut self, ch: &PropertyChange) {
        let val = value_of(ch);
        let n = ch.name.as_str();
        let int = |v: Option<Value>| v.and_then(|v| host::SUMMARY_HARDWARE_MEMORY_SIZE.decode(v));
        if n == host::NAME.path() {
            self.name = text(val).map(|s| unescaped(&s)).unwrap_or_default();
        } else if n == host::PARENT.path() {
            self.parent = val.and_then(|v| host::PARENT.decode(v));
        } else if n == host::SUMMARY_HARDWARE_CPU_MHZ.path() {
            self.cpu_mhz = int(val);
        } else if n == host::SUMMARY_HARDWARE_NUM_CPU_CORES.path() {
            self.cpu_cores = int(val);
        } else if n == host::SUMMARY_HARDWARE_MEMORY_SIZE.path() {
            self.memory_bytes = int(val);
        } else if n == host::SUMMARY_QUICK_STATS_OVERALL_CPU_USAGE.path() {
            self.cpu_usage_mhz = int(val);
        } else if n == host::SUMMARY_QUICK_STATS_OVERALL_MEMORY_USAGE.path() {
            self.memory_usage_mb = int(val);
        } else if n == host::RUNTIME_CONNECTION_STATE.path() {
            self.connection_state = val
                .and_then(|v| host::RUNTIME_CONNECTION_STATE.decode(v))
                .map(|s| s.as_str().to_string());
        } else if n == host::RUNTIME_POWER_STATE.path() {
            self.power_state = val
                .and_then(|v| host::RUNTIME_POWER_STATE.decode(v))
                .map(|s| s.as_str().to_string());
        } else if n == host::RUNTIME_IN_MAINTENANCE_MODE.path() {
            self.maintenance = val.and_then(|v| host::RUNTIME_IN_MAINTENANCE_MODE.decode(v));
        }
    }
}

/// One datastore.
#[derive(Debug, Clone, Default)]
pub struct Datastore {
    pub name: String,
    pub parent: Option<ManagedObjectReference>,
    pub capacity: Option<i64>,
    pub free: Option<i64>,
    pub uncommitted: Option<i64>,
    pub accessible: Option<bool>,
    pub type_: String,
}

impl Datastore {
    fn apply(&mut self, ch: &PropertyChange) {
        let val = value_of(ch);
        let n = ch.name.as_str();
        if n == ds::NAME.path() {
            self.name = text(val).map(|s| unescaped(&s)).unwrap_or_default();
        } else if n == ds::PARENT.path() {
            self.parent = val.and_then(|v| ds::PARENT.decode(v));
        } else if n == ds::SUMMARY_CAPACITY.path() {
            self.capacity = val.and_then(|v| ds::SUMMARY_CAPACITY.decode(v));
        } else if n == ds::SUMMARY_FREE_SPACE.path() {
            self.free = val.and_then(|v| ds::SUMMARY_FREE_SPACE.decode(v));
        } else if n == ds::SUMMARY_UNCOMMITTED.path() {
            self.uncommitted = val.and_then(|v| ds::SUMMARY_UNCOMMITTED.decode(v));
        } else if n == ds::SUMMARY_ACCESSIBLE.path() {
            self.accessible = val.and_then(|v| ds::SUMMARY_ACCESSIBLE.decode(v));
        } else if n == ds::SUMMARY_TYPE_.path() {
            self.type_ = text(val).unwrap_or_default();
        }
    }
}

/// A folder, datacenter or compute resource: what names are resolved through.
#[derive(Debug, Clone, Default)]
pub struct Entity {
    pub name: String,
    pub parent: Option<ManagedObjectReference>,
}

impl Entity {
    fn apply(&mut self, ch: &PropertyChange) {
        let val = value_of(ch);
        if ch.name == folder::NAME.path() {
            self.name = text(val).map(|s| unescaped(&s)).unwrap_or_default();
        } else if ch.name == folder::PARENT.path() {
            self.parent = val.and_then(|v| folder::PARENT.decode(v));
        }
    }
}

fn value_of(ch: &PropertyChange) -> Option<Value> {
    match ch.op {
        PropertyChangeOp::Remove | PropertyChangeOp::IndirectRemove => None,
        _ => ch.val.clone(),
    }
}

fn text(v: Option<Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s),
        other => other.as_str().map(str::to_string),
    }
}

/// An inventory name as users see it (`%2f` is `/`); kept as sent when its escapes are broken.
fn unescaped(raw: &str) -> String {
    identity::unescape_name(raw).unwrap_or_else(|_| raw.to_string())
}

/// Where a host sits: its cluster (empty for a standalone host) and datacenter names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placement {
    pub cluster: String,
    pub datacenter: String,
}

/// Everything known of one target's inventory.
#[derive(Debug, Default)]
pub struct Inventory {
    pub vms: HashMap<String, Vm>,
    pub hosts: HashMap<String, Host>,
    pub datastores: HashMap<String, Datastore>,
    pub entities: HashMap<ManagedObjectReference, Entity>,
}

/// The types whose objects are [`Entity`]s.
fn is_entity_type(ty: &str) -> bool {
    matches!(
        ty,
        "Folder" | "Datacenter" | "ComputeResource" | "ClusterComputeResource"
    )
}

impl Inventory {
    /// Forgets everything (the updates that follow describe the whole inventory).
    pub fn clear(&mut self) {
        self.vms.clear();
        self.hosts.clear();
        self.datastores.clear();
        self.entities.clear();
    }

    /// Applies one object update. Returns the VM that left, if one did.
    pub fn apply(&mut self, ou: &ObjectUpdate) -> Option<String> {
        let id = &ou.obj.value;
        let ty = ou.obj.type_.as_str();
        if matches!(ou.kind, ObjectUpdateKind::Leave) {
            match ty {
                "VirtualMachine" => {
                    return self.vms.remove(id).map(|_| id.clone());
                }
                "HostSystem" => {
                    self.hosts.remove(id);
                }
                "Datastore" => {
                    self.datastores.remove(id);
                }
                t if is_entity_type(t) => {
                    self.entities.remove(&ou.obj);
                }
                _ => {}
            }
            return None;
        }
        let enter = matches!(ou.kind, ObjectUpdateKind::Enter);
        macro_rules! upsert {
            ($map:expr, $key:expr) => {{
                let e = $map.entry($key).or_default();
                if enter {
                    *e = Default::default();
                }
                for ch in &ou.change_set {
                    e.apply(ch);
                }
            }};
        }
        match ty {
            "VirtualMachine" => upsert!(self.vms, id.clone()),
            "HostSystem" => upsert!(self.hosts, id.clone()),
            "Datastore" => upsert!(self.datastores, id.clone()),
            t if is_entity_type(t) => upsert!(self.entities, ou.obj.clone()),
            _ => {}
        }
        None
    }

    /// The datacenter above `start` (following `parent`), by name.
    fn datacenter_of(&self, start: Option<&ManagedObjectReference>) -> Option<String> {
        let mut at = start?.clone();
        for _ in 0..64 {
            let e = self.entities.get(&at)?;
            if at.type_ == "Datacenter" {
                return Some(e.name.clone());
            }
            at = e.parent.clone()?;
        }
        None
    }

    /// The only datacenter known, when there is exactly one (a host-path target sees its
    /// datacenter but not the folders above its compute resource).
    fn sole_datacenter(&self) -> Option<String> {
        let mut dcs = self
            .entities
            .iter()
            .filter(|(k, _)| k.type_ == "Datacenter");
        let (_, first) = dcs.next()?;
        dcs.next().is_none().then(|| first.name.clone())
    }

    /// Where the host `id` sits.
    pub fn host_placement(&self, id: &str) -> Placement {
        let Some(h) = self.hosts.get(id) else {
            return Placement::default();
        };
        let cluster = match &h.parent {
            Some(p) if p.type_ == "ClusterComputeResource" => self
                .entities
                .get(p)
                .map(|e| e.name.clone())
                .unwrap_or_default(),
            _ => String::new(),
        };
        let datacenter = self
            .datacenter_of(h.parent.as_ref())
            .or_else(|| self.sole_datacenter())
            .unwrap_or_default();
        Placement {
            cluster,
            datacenter,
        }
    }

    /// The datacenter of datastore `d`.
    pub fn datastore_datacenter(&self, d: &Datastore) -> String {
        self.datacenter_of(d.parent.as_ref())
            .or_else(|| self.sole_datacenter())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use esxvirt_driver::test_support::{assign, object_update as update};

    fn moref(ty: &str, id: &str) -> ManagedObjectReference {
        ManagedObjectReference::new(ty, id)
    }

    #[test]
    fn updates_build_the_inventory_and_names_resolve() {
        let mut inv = Inventory::default();
        let e = ObjectUpdateKind::Enter;
        inv.apply(&update(
            e.clone(),
            moref("Datacenter", "dc-1"),
            vec![assign("name", Value::String("DC one".into()))],
        ));
        inv.apply(&update(
            e.clone(),
            moref("Folder", "group-h1"),
            vec![
                assign("name", Value::String("host".into())),
                assign(
                    "parent",
                    Value::ManagedObjectReference(moref("Datacenter", "dc-1")),
                ),
            ],
        ));
        inv.apply(&update(
            e.clone(),
            moref("ClusterComputeResource", "domain-c1"),
            vec![
                assign("name", Value::String("gold".into())),
                assign(
                    "parent",
                    Value::ManagedObjectReference(moref("Folder", "group-h1")),
                ),
            ],
        ));
        inv.apply(&update(
            e.clone(),
            moref("HostSystem", "host-1"),
            vec![
                assign("name", Value::String("esx1".into())),
                assign(
                    "parent",
                    Value::ManagedObjectReference(moref("ClusterComputeResource", "domain-c1")),
                ),
            ],
        ));
        inv.apply(&update(
            e.clone(),
            moref("VirtualMachine", "vm-1"),
            vec![
                assign("name", Value::String("a%2fb".into())),
                assign(
                    "config.uuid",
                    Value::String("564d1234-5678-90ab-cdef-1234567890ab".into()),
                ),
                assign("config.hardware.memoryMB", Value::Int(2048)),
                assign("config.hardware.numCPU", Value::Int(2)),
                assign(
                    "runtime.powerState",
                    Value::VirtualMachinePowerState(VirtualMachinePowerState::PoweredOn),
                ),
            ],
        ));
        let vm = &inv.vms["vm-1"];
        assert_eq!(vm.name, "a/b");
        assert_eq!(vm.uuid, "564d1234-5678-90ab-cdef-1234567890ab");
        let info = vm.info.as_ref().unwrap();
        assert_eq!(info.max_mem, 2048 * 1024);
        assert_eq!(info.memory, 2048 * 1024);
        assert_eq!(info.nr_virt_cpu, 2);
        assert!(vm.running());
        assert_eq!(
            inv.host_placement("host-1"),
            Placement {
                cluster: "gold".into(),
                datacenter: "DC one".into()
            }
        );
        // A memory limit is what libvirt reports as used; a removed property is unset.
        inv.apply(&update(
            ObjectUpdateKind::Modify,
            moref("VirtualMachine", "vm-1"),
            vec![
                assign(
                    "config.memoryAllocation",
                    Value::ResourceAllocationInfo(Box::new(esxvirt_vi::ResourceAllocationInfo {
                        limit: Some(1024),
                        ..Default::default()
                    })),
                ),
                PropertyChange {
                    name: "runtime.powerState".into(),
                    op: PropertyChangeOp::Remove,
                    val: None,
                },
            ],
        ));
        assert_eq!(inv.vms["vm-1"].info.as_ref().unwrap().memory, 1024 * 1024);
        assert!(!inv.vms["vm-1"].running());
        let left = inv.apply(&update(
            ObjectUpdateKind::Leave,
            moref("VirtualMachine", "vm-1"),
            vec![],
        ));
        assert_eq!(left.as_deref(), Some("vm-1"));
        assert!(inv.vms.is_empty());
    }
}
