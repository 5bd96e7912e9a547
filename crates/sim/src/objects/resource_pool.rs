//! `ResourcePool` and `VirtualApp` (a pool that is also an application): a compute
//! resource's root pool and the pools below it, their VMs and allocations, and creating,
//! reconfiguring, renaming and destroying them.

use crate::fault::Fault;
use crate::inventory::{Allocation, PoolConfig, World};
use crate::object::CallCx;
use crate::soap::Element;
use crate::value::{MoRef, Value};

use super::common::{
    allocation, describe, destroy_task, entity_or_invalid, fault_of, rename_task, run_task,
    split_path, walk, STABLE_TIMESTAMP,
};
use super::entry::{Call, Ids, ManagedType, Reply};

/// A resource pool's properties: the first ones of a vApp's.
const PROPERTIES: &[&str] = VAPP_PROPERTIES.split_at(10).0;

/// A vApp's properties.
const VAPP_PROPERTIES: &[&str] = &[
    "name",
    "parent",
    "owner",
    "resourcePool",
    "vm",
    "config",
    "runtime",
    "summary",
    "childConfiguration",
    "overallStatus",
    "parentFolder",
    "datastore",
    "network",
    "vAppConfig",
    "childLink",
];

const METHODS: &[(&str, super::entry::MethodFn)] = &[
    ("CreateResourcePool", create_resource_pool),
    ("CreateVApp", create_vapp),
    ("UpdateConfig", update_config),
    ("DestroyChildren", destroy_children),
    ("Rename_Task", rename_task),
    ("Destroy_Task", destroy_pool),
    ("MoveIntoResourcePool", move_into_resource_pool),
];

/// The `ResourcePool` type.
pub const TYPE: ManagedType = ManagedType {
    name: "ResourcePool",
    ids: Ids::Records(|w, id| w.pools.get(id).is_some_and(|p| !p.vapp)),
    properties: PROPERTIES,
    property,
    methods: METHODS,
};

/// The `VirtualApp` type.
pub const VAPP_TYPE: ManagedType = ManagedType {
    name: "VirtualApp",
    ids: Ids::Records(|w, id| w.pools.get(id).is_some_and(|p| p.vapp)),
    properties: VAPP_PROPERTIES,
    property,
    methods: METHODS,
};

fn property(w: &World, id: &str, path: &str) -> Reply {
    let (head, rest) = split_path(path);
    let p = &w.pools[id];
    let top = match head {
        "owner" => Some(Value::MoRef(w.mo(&p.owner))),
        "parent" => Some(Value::MoRef(w.mo(&p.parent))),
        "resourcePool" => Some(Value::morefs(p.child_pools.iter().map(|c| w.mo(c)))),
        "vm" => Some(pool_vms(w, id)),
        "config" => Some(config_spec(w, id)),
        "runtime" => Some(runtime(w, id)),
        "summary" => Some(
            Value::obj(if p.vapp {
                "VirtualAppSummary"
            } else {
                "ResourcePoolSummary"
            })
            .with("name", Value::str(&p.name))
            .with("config", config_spec(w, id))
            .with("runtime", runtime(w, id)),
        ),
        "childConfiguration" => Some(Value::array(
            "ResourceConfigSpec",
            p.child_pools.iter().map(|c| config_spec(w, c)).collect(),
        )),
        "parentFolder" if p.vapp => w
            .datacenter_of(&p.owner)
            .and_then(|dc| w.datacenters.get(&dc))
            .map(|d| Value::moref("Folder", d.vm_folder.clone())),
        "datastore" if p.vapp => Some(Value::array("ManagedObjectReference", Vec::new())),
        "network" if p.vapp => Some(Value::array("ManagedObjectReference", Vec::new())),
        "vAppConfig" if p.vapp => Some(
            Value::obj("VAppConfigInfo")
                .with("installBootRequired", Value::bool(false))
                .with(
                    "entityConfig",
                    Value::array("VAppEntityConfigInfo", Vec::new()),
                ),
        ),
        "childLink" if p.vapp => Some(Value::array("VirtualAppLinkInfo", Vec::new())),
        h => entity_or_invalid(w, id, h, path)?,
    };
    walk(top, rest)
}

fn pool_vms(w: &World, pool: &str) -> Value {
    Value::morefs(
        w.vms
            .values()
            .filter(|v| v.resource_pool == pool && !v.template)
            .map(|v| MoRef::new("VirtualMachine", v.moid.clone())),
    )
}

/// `config`: the pool's `ResourceConfigSpec`.
fn config_spec(w: &World, id: &str) -> Value {
    let Some(p) = w.pools.get(id) else {
        return Value::obj("ResourceConfigSpec");
    };
    Value::obj("ResourceConfigSpec")
        .with("entity", Value::MoRef(w.mo(id)))
        .with("changeVersion", Value::str("1"))
        .with("lastModified", Value::DateTime(STABLE_TIMESTAMP.into()))
        .with("cpuAllocation", allocation(&p.config.cpu))
        .with("memoryAllocation", allocation(&p.config.memory))
}

/// `runtime`: what the pool's compute resource offers and its children reserve.
fn runtime(w: &World, id: &str) -> Value {
    let p = &w.pools[id];
    let hosts: Vec<_> = w
        .computes
        .get(&p.owner)
        .map(|c| c.hosts.iter().filter_map(|h| w.hosts.get(h)).collect())
        .unwrap_or_default();
    let cpu_max: i64 = hosts
        .iter()
        .map(|h| h.hardware.cpu_mhz as i64 * h.hardware.cpu_cores as i64)
        .sum();
    let mem_max: i64 = hosts.iter().map(|h| h.hardware.memory_bytes).sum();
    let reserved = |cpu: bool| -> i64 {
        p.child_pools
            .iter()
            .filter_map(|c| w.pools.get(c))
            .map(|c| {
                if cpu {
                    c.config.cpu.reservation
                } else {
                    c.config.memory.reservation * 1_048_576
                }
            })
            .sum()
    };
    let usage = |max: i64, used: i64| {
        Value::obj("ResourcePoolResourceUsage")
            .with("reservationUsed", Value::long(used))
            .with("reservationUsedForVm", Value::long(0))
            .with("unreservedForPool", Value::long((max - used).max(0)))
            .with("unreservedForVm", Value::long((max - used).max(0)))
            .with("overallUsage", Value::long(0))
            .with("maxUsage", Value::long(max))
    };
    Value::obj("ResourcePoolRuntimeInfo")
        .with("memory", usage(mem_max, reserved(false)))
        .with("cpu", usage(cpu_max, reserved(true)))
        .with(
            "overallStatus",
            Value::enumv("ManagedEntityStatus", "green"),
        )
}

/// Shares of a level for a pool, as vCenter counts them (CPU, memory).
fn pool_shares(level: &str, cpu: bool) -> i32 {
    let (c, m) = match level {
        "low" => (2000, 81_920),
        "high" => (8000, 327_680),
        _ => (4000, 163_840),
    };
    if cpu {
        c
    } else {
        m
    }
}

/// A `ResourceAllocationInfo` of a spec over `base` (what the spec leaves out stays).
fn parse_allocation(
    el: Option<&Element>,
    base: &Allocation,
    cpu: bool,
) -> Result<Allocation, Fault> {
    let mut a = base.clone();
    let Some(el) = el else {
        return Ok(a);
    };
    if let Some(r) = el.i64_of("reservation")? {
        a.reservation = r;
    }
    if let Some(l) = el.i64_of("limit")? {
        a.limit = l;
    }
    if let Some(x) = el.bool_of("expandableReservation")? {
        a.expandable_reservation = x;
    }
    if let Some(sh) = el.child("shares") {
        let level = sh.text_of("level").unwrap_or("normal").to_string();
        a.shares = if level == "custom" {
            sh.i32_of("shares")?
                .ok_or_else(|| Fault::invalid_argument("shares.shares"))?
        } else {
            pool_shares(&level, cpu)
        };
        a.shares_level = level;
    }
    Ok(a)
}

/// A `ResourceConfigSpec` over `base`.
fn parse_config(spec: &Element, base: &PoolConfig) -> Result<PoolConfig, Fault> {
    Ok(PoolConfig {
        cpu: parse_allocation(spec.child("cpuAllocation"), &base.cpu, true)?,
        memory: parse_allocation(spec.child("memoryAllocation"), &base.memory, false)?,
    })
}

/// `CreateResourcePool`: a child pool.
fn create_resource_pool(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    create_child(w, call, "spec", false)
}

/// `CreateVApp`: a child vApp.
fn create_vapp(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    create_child(w, call, "resSpec", true)
}

/// A child pool (or vApp) named by argument `name`, its allocations in argument `spec_arg`.
fn create_child(w: &mut World, call: &Call<'_>, spec_arg: &str, vapp: bool) -> Reply {
    let Call { this, args, .. } = *call;
    let name = args.req_text("name")?;
    let spec = args.req_child(spec_arg)?;
    let config = parse_config(spec, &PoolConfig::default())?;
    let id = w
        .add_pool(&this.value, name, config, vapp)
        .map_err(|e| fault_of(e, this))?;
    let ty = if vapp { "VirtualApp" } else { "ResourcePool" };
    Ok(Some(Value::moref(ty, id)))
}

/// `UpdateConfig`: a new name and/or allocations.
fn update_config(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let name = args.text_of("name").filter(|n| !n.is_empty());
    let base = w.pools[&this.value].config.clone();
    let config = match args.child("config") {
        Some(c) => Some(parse_config(c, &base)?),
        None => None,
    };
    w.update_pool(&this.value, name, config)
        .map_err(|e| fault_of(e, this))?;
    Ok(None)
}

/// `DestroyChildren`: every pool below this one goes, their VMs come here.
fn destroy_children(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, .. } = *call;
    w.destroy_child_pools(&this.value)
        .map_err(|e| fault_of(e, this))?;
    Ok(None)
}

/// `Destroy_Task`: the pool and those below it go, their VMs move to the parent pool.
fn destroy_pool(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    if w.pools.get(&call.this.value).is_some_and(|p| p.vapp) {
        // A vApp's VMs go with it.
        return destroy_task(w, cx, call);
    }
    let Call { this, method, .. } = *call;
    let entity = super::common::named_entity(w, this);
    run_task(cx, this, method, &describe(this, "destroy"), entity, || {
        w.destroy_pool(&this.value)
            .map(|_| None)
            .map_err(|e| fault_of(e, this))
    })
}

/// `MoveIntoResourcePool`: VMs and pools of the same compute resource move here.
fn move_into_resource_pool(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let owner = w.pools[&this.value].owner.clone();
    for m in args.children_named("list").filter_map(|e| e.as_moref()) {
        if let Some(vm) = w.vms.get(&m.value) {
            if w.pools.get(&vm.resource_pool).map(|p| &p.owner) != Some(&owner) {
                return Err(Fault::invalid_argument("list"));
            }
            if let Some(vm) = w.vms.get_mut(&m.value) {
                vm.resource_pool = this.value.clone();
            }
        } else if let Some(p) = w.pools.get(&m.value).cloned() {
            let mut cur = Some(this.value.clone());
            while let Some(c) = cur {
                if c == p.moid {
                    return Err(Fault::invalid_argument("list"));
                }
                cur = w.pools.get(&c).map(|x| x.parent.clone());
            }
            if p.owner != owner || w.is_root_pool(&p.moid) {
                return Err(Fault::invalid_argument("list"));
            }
            if let Some(old) = w.pools.get_mut(&p.parent) {
                old.child_pools.retain(|c| *c != p.moid);
            }
            if let Some(new) = w.pools.get_mut(&this.value) {
                new.child_pools.push(p.moid.clone());
            }
            if let Some(x) = w.pools.get_mut(&p.moid) {
                x.parent = this.value.clone();
            }
        } else {
            return Err(Fault::not_found(&m));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, refs, TestWorld};
    use crate::value::Value;

    #[test]
    fn the_root_pool_holds_the_vms() {
        let t = TestWorld::esx();
        let vms = refs(&t.get("ResourcePool", "ha-root-pool", "vm"));
        assert_eq!(vms.len(), 5, "{vms:?}");
        assert_eq!(
            t.get("ResourcePool", "ha-root-pool", "owner"),
            Value::moref("ComputeResource", "ha-compute-res")
        );
        assert_eq!(
            t.get(
                "ResourcePool",
                "ha-root-pool",
                "summary.config.cpuAllocation.limit"
            ),
            Value::long(-1)
        );
        assert_eq!(
            fault_type(t.read("ResourcePool", "ha-root-pool", "owners")),
            "InvalidProperty"
        );
    }

    const SPEC: &str = "<spec><cpuAllocation><reservation>100</reservation><limit>-1</limit>\
        <expandableReservation>true</expandableReservation><shares><shares>0</shares><level>low</level></shares>\
        </cpuAllocation><memoryAllocation><reservation>500</reservation></memoryAllocation></spec>";

    #[test]
    fn create_change_and_destroy_pools() {
        let mut t = TestWorld::esx();
        let made = t
            .call(
                "ResourcePool",
                "ha-root-pool",
                "CreateResourcePool",
                &format!("<name>web</name>{SPEC}"),
            )
            .unwrap()
            .unwrap();
        let web = made.as_moref().unwrap().value.clone();
        t.assert_props(
            "ResourcePool",
            &web,
            &[
                ("config.cpuAllocation.reservation", Value::long(100)),
                (
                    "config.cpuAllocation.shares.level",
                    Value::enumv("SharesLevel", "low"),
                ),
                ("config.memoryAllocation.reservation", Value::long(500)),
            ],
        );
        assert!(refs(&t.get("ResourcePool", "ha-root-pool", "resourcePool"))
            .contains(&format!("ResourcePool:{web}")));
        // The same name beside it, then a child and a rename.
        assert_eq!(
            fault_type(t.call(
                "ResourcePool",
                "ha-root-pool",
                "CreateResourcePool",
                &format!("<name>web</name>{SPEC}")
            )),
            "DuplicateName"
        );
        let child = t
            .call(
                "ResourcePool",
                &web,
                "CreateResourcePool",
                &format!("<name>a</name>{SPEC}"),
            )
            .unwrap()
            .unwrap();
        let child = child.as_moref().unwrap().value.clone();
        t.call(
            "ResourcePool",
            &web,
            "UpdateConfig",
            "<name>front</name><config><memoryAllocation><shares><level>high</level><shares>0</shares></shares></memoryAllocation></config>",
        )
        .unwrap();
        assert_eq!(t.get("ResourcePool", &web, "name"), Value::str("front"));
        assert_eq!(
            t.get(
                "ResourcePool",
                &web,
                "config.memoryAllocation.shares.shares"
            ),
            Value::int(327_680)
        );
        // A VM moved into the child comes back to the root with the pool's destruction.
        let tiny = t.vm("tiny");
        t.call(
            "ResourcePool",
            &child,
            "MoveIntoResourcePool",
            &format!("<list type=\"VirtualMachine\">{tiny}</list>"),
        )
        .unwrap();
        assert_eq!(t.w.vms[&tiny].resource_pool, child);
        t.run("ResourcePool", &web, "Destroy_Task", "").unwrap();
        assert!(!t.w.pools.contains_key(&web) && !t.w.pools.contains_key(&child));
        assert_eq!(t.w.vms[&tiny].resource_pool, "ha-root-pool");
        assert_eq!(
            fault_type(t.run("ResourcePool", "ha-root-pool", "Destroy_Task", "")),
            "InvalidArgument"
        );
    }

    #[test]
    fn destroy_children_keeps_the_pool() {
        let mut t = TestWorld::esx();
        let p = t
            .call(
                "ResourcePool",
                "ha-root-pool",
                "CreateResourcePool",
                &format!("<name>p</name>{SPEC}"),
            )
            .unwrap()
            .unwrap();
        let p = p.as_moref().unwrap().value.clone();
        for n in ["a", "b"] {
            t.call(
                "ResourcePool",
                &p,
                "CreateResourcePool",
                &format!("<name>{n}</name>{SPEC}"),
            )
            .unwrap();
        }
        assert_eq!(refs(&t.get("ResourcePool", &p, "resourcePool")).len(), 2);
        t.call("ResourcePool", &p, "DestroyChildren", "").unwrap();
        assert!(refs(&t.get("ResourcePool", &p, "resourcePool")).is_empty());
        assert!(t.w.pools.contains_key(&p));
    }
}
