//! The inventory containers (Folder, Datacenter, ComputeResource, ClusterComputeResource,
//! ResourcePool, Network), Folder.RegisterVM_Task, and the SearchIndex.

use crate::fault::Fault;
use crate::inventory::{PowerState, World};
use crate::object::CallCx;
use crate::soap::Element;
use crate::task::TaskSpec;
use crate::value::{MoRef, Value};

use super::{fault_of, is_unset_entity_property, normal_shares, split_path, walk};

/// Top-level property names per container type.
pub fn property_names(ty: &str) -> Vec<&'static str> {
    match ty {
        "Folder" => vec![
            "name",
            "parent",
            "childEntity",
            "childType",
            "overallStatus",
        ],
        "Datacenter" => vec![
            "name",
            "parent",
            "vmFolder",
            "hostFolder",
            "datastoreFolder",
            "networkFolder",
            "datastore",
            "network",
            "overallStatus",
        ],
        "ComputeResource" | "ClusterComputeResource" => {
            vec![
                "name",
                "parent",
                "host",
                "resourcePool",
                "datastore",
                "network",
                "summary",
                "overallStatus",
            ]
        }
        "ResourcePool" => vec![
            "name",
            "parent",
            "owner",
            "resourcePool",
            "vm",
            "summary",
            "overallStatus",
        ],
        "Network" => vec!["name", "parent", "host", "vm", "summary", "overallStatus"],
        _ => vec![],
    }
}

fn common(head: &str) -> Option<Option<Value>> {
    match head {
        "overallStatus" | "configStatus" => {
            Some(Some(Value::enumv("ManagedEntityStatus", "green")))
        }
        "alarmActionsEnabled" => Some(Some(Value::bool(true))),
        "effectiveRole" => Some(Some(Value::array("int", vec![Value::int(-1)]))),
        "recentTask" => Some(None),
        p if is_unset_entity_property(p) => Some(None),
        _ => None,
    }
}

fn compute_summary(w: &World, id: &str, cluster: bool) -> Option<Value> {
    let c = w.computes.get(id)?;
    let hosts: Vec<_> = c.hosts.iter().filter_map(|h| w.hosts.get(h)).collect();
    // Sums saturate: the API's int/short fields cannot hold a huge generated cluster.
    let total_cpu: i64 = hosts
        .iter()
        .map(|h| h.hardware.cpu_mhz as i64 * h.hardware.cpu_cores as i64)
        .sum();
    let int = |n: i64| n.min(i32::MAX as i64) as i32;
    let total_mem: i64 = hosts.iter().map(|h| h.hardware.memory_bytes).sum();
    let cores = hosts
        .iter()
        .map(|h| h.hardware.cpu_cores as i64)
        .sum::<i64>()
        .min(i16::MAX as i64) as i16;
    let threads = hosts
        .iter()
        .map(|h| h.hardware.cpu_threads as i64)
        .sum::<i64>()
        .min(i16::MAX as i64) as i16;
    let ty = if cluster {
        "ClusterComputeResourceSummary"
    } else {
        "ComputeResourceSummary"
    };
    let mut v = Value::obj(ty)
        .with("totalCpu", Value::int(int(total_cpu)))
        .with("totalMemory", Value::long(total_mem))
        .with("numCpuCores", Value::Short(cores))
        .with("numCpuThreads", Value::Short(threads))
        // 90% of the total, rounded down as before the sums saturated.
        .with("effectiveCpu", Value::int(int(total_cpu * 9 / 10)))
        .with(
            "effectiveMemory",
            Value::long(total_mem / 1_048_576 * 9 / 10),
        )
        .with("numHosts", Value::int(hosts.len() as i32))
        .with("numEffectiveHosts", Value::int(hosts.len() as i32))
        .with(
            "overallStatus",
            Value::enumv("ManagedEntityStatus", "green"),
        );
    if cluster {
        v = v
            .with("currentFailoverLevel", Value::int(1))
            .with("numVmotions", Value::int(0));
    }
    Some(v)
}

fn pool_vms(w: &World, pool: &str) -> Value {
    Value::morefs(
        w.vms
            .values()
            .filter(|v| v.resource_pool == pool)
            .map(|v| MoRef::new("VirtualMachine", v.moid.clone())),
    )
}

/// A folder's children; a datacenter's datastore and network folders also hold its
/// datastores and networks (kept in the datastore and network records, not the folder).
pub(crate) fn folder_children(w: &World, id: &str) -> Vec<String> {
    let mut out = w
        .folders
        .get(id)
        .map(|f| f.children.clone())
        .unwrap_or_default();
    out.extend(implicit_folder_members(w, id));
    out
}

/// The members a datacenter's datastore or network folder has without listing them: the
/// datacenter's datastores and networks.
fn implicit_folder_members(w: &World, id: &str) -> Vec<String> {
    let mut out = Vec::new();
    for dc in w.datacenters.values() {
        if dc.datastore_folder == id {
            out.extend(
                w.datastores
                    .values()
                    .filter(|d| d.datacenter == dc.moid)
                    .map(|d| d.moid.clone()),
            );
        }
        if dc.network_folder == id {
            out.extend(
                w.networks
                    .values()
                    .filter(|n| n.datacenter == dc.moid)
                    .map(|n| n.moid.clone()),
            );
        }
    }
    out
}

/// A container property.
pub fn property(w: &World, ty: &str, id: &str, path: &str) -> Result<Option<Value>, Fault> {
    let (head, rest) = split_path(path);
    let name = || w.name_of(id).map(Value::Str);
    let parent = || w.parent_of(id).map(|p| Value::MoRef(w.mo(&p)));
    let top = match (ty, head) {
        (_, "name") => name(),
        (_, "parent") => parent(),
        ("Folder", "childEntity") => Some(w.mos(folder_children(w, id).iter())),
        ("Folder", "childType") => Some(Value::strings(w.folders[id].child_type.iter().cloned())),
        ("Datacenter", h @ ("vmFolder" | "hostFolder" | "datastoreFolder" | "networkFolder")) => {
            let dc = &w.datacenters[id];
            let f = match h {
                "vmFolder" => &dc.vm_folder,
                "hostFolder" => &dc.host_folder,
                "datastoreFolder" => &dc.datastore_folder,
                _ => &dc.network_folder,
            };
            Some(Value::moref("Folder", f.clone()))
        }
        ("Datacenter", "datastore") => {
            let ids: Vec<String> = w
                .datastores
                .values()
                .filter(|d| d.datacenter == id)
                .map(|d| d.moid.clone())
                .collect();
            Some(w.mos(ids.iter()))
        }
        ("Datacenter", "network") => {
            let ids: Vec<String> = w
                .networks
                .values()
                .filter(|n| n.datacenter == id)
                .map(|n| n.moid.clone())
                .collect();
            Some(w.mos(ids.iter()))
        }
        ("Datacenter", "configuration") => None,
        ("ComputeResource" | "ClusterComputeResource", "host") => {
            Some(w.mos(w.computes[id].hosts.iter()))
        }
        ("ComputeResource" | "ClusterComputeResource", "resourcePool") => Some(Value::moref(
            "ResourcePool",
            w.computes[id].resource_pool.clone(),
        )),
        ("ComputeResource" | "ClusterComputeResource", "datastore") => {
            let mut ids: Vec<String> = Vec::new();
            for h in &w.computes[id].hosts {
                for d in w
                    .hosts
                    .get(h)
                    .map(|h| h.datastores.clone())
                    .unwrap_or_default()
                {
                    if !ids.contains(&d) {
                        ids.push(d);
                    }
                }
            }
            Some(w.mos(ids.iter()))
        }
        ("ComputeResource" | "ClusterComputeResource", "network") => {
            let mut ids: Vec<String> = Vec::new();
            for h in &w.computes[id].hosts {
                for n in w.host_networks(h) {
                    if !ids.contains(&n) {
                        ids.push(n);
                    }
                }
            }
            Some(w.mos(ids.iter()))
        }
        ("ComputeResource" | "ClusterComputeResource", "summary") => {
            compute_summary(w, id, ty == "ClusterComputeResource")
        }
        (
            "ComputeResource" | "ClusterComputeResource",
            "environmentBrowser" | "configurationEx",
        ) => None,
        ("ResourcePool", "owner") => Some(Value::MoRef(w.mo(&w.pools[id].owner))),
        ("ResourcePool", "resourcePool") => Some(Value::morefs(
            w.pools[id]
                .child_pools
                .iter()
                .map(|p| MoRef::new("ResourcePool", p.clone())),
        )),
        ("ResourcePool", "vm") => Some(pool_vms(w, id)),
        ("ResourcePool", "summary") => Some(
            Value::obj("ResourcePoolSummary")
                .with("name", Value::str(&w.pools[id].name))
                .with(
                    "config",
                    Value::obj("ResourceConfigSpec")
                        .with("entity", Value::moref("ResourcePool", id.to_string()))
                        .with("cpuAllocation", unlimited_allocation(4000))
                        .with("memoryAllocation", unlimited_allocation(163840)),
                ),
        ),
        ("ResourcePool", "runtime" | "config" | "childConfiguration") => None,
        ("Network", "host") => {
            let n = &w.networks[id];
            let ids: Vec<String> = w
                .hosts
                .values()
                .filter(|h| {
                    h.datacenter == n.datacenter && h.portgroups.iter().any(|p| p.name == n.name)
                })
                .map(|h| h.moid.clone())
                .collect();
            Some(w.mos(ids.iter()))
        }
        ("Network", "vm") => {
            let ids: Vec<String> = w
                .vms
                .values()
                .filter(|v| w.vm_networks(v).iter().any(|x| x == id))
                .map(|v| v.moid.clone())
                .collect();
            Some(w.mos(ids.iter()))
        }
        ("Network", "summary") => Some(
            Value::obj("NetworkSummary")
                .with("network", Value::moref("Network", id.to_string()))
                .with("name", Value::str(&w.networks[id].name))
                .with("accessible", Value::bool(true)),
        ),
        (_, h) => match common(h) {
            Some(v) => v,
            None => return Err(Fault::invalid_property(path)),
        },
    };
    walk(top, rest)
}

/// Container methods (Folder.RegisterVM_Task, CreateFolder, Rename ...).
pub fn invoke(
    w: &mut World,
    cx: &mut CallCx<'_>,
    this: &MoRef,
    method: &str,
    args: &Element,
) -> Result<Option<Value>, Fault> {
    match (this.ty.as_ref(), method) {
        ("Folder", "RegisterVM_Task") => {
            let path = args.req_text("path")?.to_string();
            let name = args.text_of("name").map(|s| s.to_string());
            let as_template = args.bool_of("asTemplate")?.unwrap_or(false);
            let pool = args.moref_of("pool")?;
            let host = args.moref_of("host")?;
            if !as_template && pool.is_none() && w.kind == crate::inventory::ServerKind::Vcenter {
                return Err(Fault::invalid_argument("pool"));
            }
            if let Some(p) = &pool {
                if !w.pools.contains_key(&p.value) {
                    return Err(Fault::not_found(p));
                }
            }
            if let Some(h) = &host {
                if !w.hosts.contains_key(&h.value) {
                    return Err(Fault::not_found(h));
                }
            }
            let folder = this.value.clone();
            let t = cx.tasks.run(
                TaskSpec {
                    entity: Some(this.clone()),
                    entity_name: w.name_of(&folder),
                    name: method.into(),
                    description_id: "Folder.registerVm".into(),
                    cancelable: false,
                },
                cx.user,
                || {
                    let id = w
                        .register_vm(
                            &folder,
                            &path,
                            name.as_deref(),
                            pool.as_ref().map(|p| p.value.as_str()),
                            host.as_ref().map(|h| h.value.as_str()),
                        )
                        .map_err(|e| fault_of(e, this))?;
                    if as_template {
                        if let Ok(vm) = w.vm_mut(&id) {
                            vm.template = true;
                        }
                    }
                    Ok(Some(Value::moref("VirtualMachine", id)))
                },
            );
            Ok(Some(Value::MoRef(t)))
        }
        ("Folder", "CreateFolder") => {
            let name = args.req_text("name")?.to_string();
            let parent = &w.folders[&this.value];
            if parent
                .children
                .iter()
                .any(|c| w.name_of(c).as_deref() == Some(name.as_str()))
            {
                return Err(Fault::duplicate_name(&name, this));
            }
            let child_type = parent.child_type.clone();
            let id = format!("group-v{}", w.alloc_id());
            w.folders.insert(
                id.clone(),
                crate::inventory::Folder {
                    moid: id.clone(),
                    name,
                    parent: Some(this.value.clone()),
                    child_type,
                    children: vec![],
                },
            );
            if let Some(f) = w.folders.get_mut(&this.value) {
                f.children.push(id.clone());
            }
            Ok(Some(Value::moref("Folder", id)))
        }
        (ty, m) => Err(Fault::method_not_found(ty, m)),
    }
}

/// The object at an inventory path (`dc1/vm/app01`, `dc1/host/cluster1/esx-01.example.com`).
fn find_by_path(w: &World, path: &str) -> Option<String> {
    let mut cur = w.root_folder.clone();
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        cur = find_child(w, &cur, seg)?;
    }
    Some(cur)
}

fn children_of(w: &World, id: &str) -> Vec<String> {
    if w.folders.contains_key(id) {
        return folder_children(w, id);
    }
    if let Some(dc) = w.datacenters.get(id) {
        return vec![
            dc.vm_folder.clone(),
            dc.host_folder.clone(),
            dc.datastore_folder.clone(),
            dc.network_folder.clone(),
        ];
    }
    if let Some(c) = w.computes.get(id) {
        let mut v = c.hosts.clone();
        v.push(c.resource_pool.clone());
        return v;
    }
    if let Some(p) = w.pools.get(id) {
        let mut v = p.child_pools.clone();
        v.extend(
            w.vms
                .values()
                .filter(|x| x.resource_pool == id)
                .map(|x| x.moid.clone()),
        );
        return v;
    }
    Vec::new()
}

fn find_child(w: &World, parent: &str, name: &str) -> Option<String> {
    // Names are compared in place: a VM folder of 10,000 VMs is searched without copying
    // an id (a real server answers FindChild from an index).
    let named = |c: &String| w.name_ref(c) == Some(name);
    if let Some(f) = w.folders.get(parent) {
        // VMs first, in one pass over the VMs rather than a map lookup per child.
        if let Some(v) = w
            .vms
            .values()
            .find(|v| v.folder == parent && v.config.name == name)
        {
            return Some(v.moid.clone());
        }
        if let Some(c) = f
            .children
            .iter()
            .find(|c| !w.vms.contains_key(c.as_str()) && named(c))
        {
            return Some(c.clone());
        }
        return implicit_folder_members(w, parent).into_iter().find(named);
    }
    children_of(w, parent).into_iter().find(named)
}

/// SearchIndex methods.
pub fn invoke_search(
    w: &World,
    _this: &MoRef,
    method: &str,
    args: &Element,
) -> Result<Option<Value>, Fault> {
    let vm_search = args.bool_of("vmSearch")?.unwrap_or(true);
    let in_dc = |dc: Option<&MoRef>, host: &str| -> bool {
        match dc {
            None => true,
            Some(d) => w.hosts.get(host).is_some_and(|h| h.datacenter == d.value),
        }
    };
    let dc = args.moref_of("datacenter")?;
    match method {
        "FindByUuid" | "FindAllByUuid" => {
            let uuid = args.req_text("uuid")?.to_ascii_lowercase();
            let instance = args.bool_of("instanceUuid")?.unwrap_or(false);
            let found: Vec<MoRef> = if vm_search {
                w.vms
                    .values()
                    .filter(|v| in_dc(dc.as_ref(), &v.host))
                    .filter(|v| {
                        if instance {
                            v.config.instance_uuid == uuid
                        } else {
                            v.config.uuid == uuid
                        }
                    })
                    .map(|v| MoRef::new("VirtualMachine", v.moid.clone()))
                    .collect()
            } else {
                w.hosts
                    .values()
                    .filter(|h| in_dc(dc.as_ref(), &h.moid) && h.hardware.uuid == uuid)
                    .map(|h| MoRef::new("HostSystem", h.moid.clone()))
                    .collect()
            };
            Ok(one_or_all(method, found))
        }
        "FindByIp" | "FindAllByIp" => {
            let ip = args.req_text("ip")?.to_string();
            let found: Vec<MoRef> = if vm_search {
                w.vms
                    .values()
                    .filter(|v| {
                        in_dc(dc.as_ref(), &v.host) && v.power_state == PowerState::PoweredOn
                    })
                    .filter(|v| {
                        v.guest
                            .nics
                            .iter()
                            .any(|n| n.ips.iter().any(|(a, _)| *a == ip))
                    })
                    .map(|v| MoRef::new("VirtualMachine", v.moid.clone()))
                    .collect()
            } else {
                w.hosts
                    .values()
                    .filter(|h| h.management_ip == ip || h.vmknics.iter().any(|k| k.ip == ip))
                    .map(|h| MoRef::new("HostSystem", h.moid.clone()))
                    .collect()
            };
            Ok(one_or_all(method, found))
        }
        "FindByDnsName" | "FindAllByDnsName" => {
            let name = args.req_text("dnsName")?.to_ascii_lowercase();
            let found: Vec<MoRef> = if vm_search {
                w.vms
                    .values()
                    .filter(|v| {
                        v.guest.host_name.as_deref().map(|h| h.to_ascii_lowercase())
                            == Some(name.clone())
                    })
                    .map(|v| MoRef::new("VirtualMachine", v.moid.clone()))
                    .collect()
            } else {
                w.hosts
                    .values()
                    .filter(|h| h.name.to_ascii_lowercase() == name)
                    .map(|h| MoRef::new("HostSystem", h.moid.clone()))
                    .collect()
            };
            Ok(one_or_all(method, found))
        }
        "FindByInventoryPath" => {
            let path = args.req_text("inventoryPath")?;
            Ok(find_by_path(w, path).map(|id| Value::MoRef(w.mo(&id))))
        }
        "FindChild" => {
            let entity = args.req_moref("entity")?;
            let name = args.req_text("name")?;
            Ok(find_child(w, &entity.value, name).map(|id| Value::MoRef(w.mo(&id))))
        }
        "FindByDatastorePath" => {
            let path = args.req_text("path")?;
            Ok(w.vms
                .values()
                .find(|v| v.vmx_path == path && in_dc(dc.as_ref(), &v.host))
                .map(|v| Value::moref("VirtualMachine", v.moid.clone())))
        }
        _ => Err(Fault::method_not_found("SearchIndex", method)),
    }
}

fn one_or_all(method: &str, found: Vec<MoRef>) -> Option<Value> {
    if method.starts_with("FindAll") {
        Some(Value::morefs(found))
    } else {
        found.into_iter().next().map(Value::MoRef)
    }
}

/// An expandable, unlimited `ResourceAllocationInfo` with no reservation and `shares`
/// normal-level shares (a resource pool's CPU and memory allocation).
fn unlimited_allocation(shares: i32) -> Value {
    Value::obj("ResourceAllocationInfo")
        .with("reservation", Value::long(0))
        .with("expandableReservation", Value::bool(true))
        .with("limit", Value::long(-1))
        .with("shares", normal_shares(shares))
}
