//! The `Folder` methods that add or rearrange containers: `CreateFolder`,
//! `CreateDatacenter`, `CreateClusterEx` (and the older `CreateCluster`),
//! `AddStandaloneHost_Task`, `CreateStoragePod`, `CreateDVS_Task` and `MoveIntoFolder_Task`.

use crate::fault::Fault;
use crate::inventory::World;
use crate::object::CallCx;
use crate::value::Value;

use super::super::common::{describe, fault_of, run_task};
use super::super::entry::{Call, Reply};

/// `CreateFolder`: a child folder of the same child types.
pub(super) fn create_folder(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let name = args.req_text("name")?;
    let id = w
        .create_folder(&this.value, name)
        .map_err(|e| fault_of(e, this))?;
    Ok(Some(Value::moref("Folder", id)))
}

/// `CreateDatacenter` (vCenter).
pub(super) fn create_datacenter(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let name = args.req_text("name")?;
    let id = w
        .create_datacenter(&this.value, name)
        .map_err(|e| fault_of(e, this))?;
    Ok(Some(Value::moref("Datacenter", id)))
}

/// `CreateClusterEx` / `CreateCluster` (vCenter): an empty cluster.
pub(super) fn create_cluster(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let name = args.req_text("name")?;
    if args.child("spec").is_none() {
        return Err(Fault::missing_argument("spec"));
    }
    let id = w
        .create_cluster(&this.value, name)
        .map_err(|e| fault_of(e, this))?;
    if let Some(c) = w.computes.get_mut(&id) {
        let drs = args.child("spec").and_then(|s| s.child("drsConfig"));
        if let Some(e) = drs.and_then(|d| d.bool_of("enabled").ok().flatten()) {
            c.drs_enabled = e;
        }
    }
    Ok(Some(Value::moref("ClusterComputeResource", id)))
}

/// `AddStandaloneHost_Task` (vCenter): a host in a compute resource of its own.
pub(super) fn add_standalone_host(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, method, args } = *call;
    let spec = args.req_child("spec")?;
    let host_name = spec.req_text("hostName")?.to_string();
    let folder = this.value.clone();
    run_task(
        cx,
        this,
        method,
        &describe(this, "addStandaloneHost"),
        None,
        || {
            let h = w
                .connect_host(&host_name, None, &folder)
                .map_err(|e| fault_of(e, this))?;
            let cr = w.hosts[&h].parent.clone();
            Ok(Some(Value::moref("ComputeResource", cr)))
        },
    )
}

/// `CreateStoragePod` (vCenter): an empty datastore cluster.
pub(super) fn create_storage_pod(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let name = args.req_text("name")?;
    let id = w
        .create_storage_pod(&this.value, name)
        .map_err(|e| fault_of(e, this))?;
    Ok(Some(Value::moref("StoragePod", id)))
}

/// `CreateDVS_Task` (vCenter): a distributed switch named by `spec.configSpec.name`, with
/// the hosts `configSpec.host` adds.
pub(super) fn create_dvs(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, method, args } = *call;
    let config = args
        .child("spec")
        .and_then(|s| s.child("configSpec"))
        .ok_or_else(|| Fault::missing_argument("spec.configSpec"))?
        .clone();
    let name = config.req_text("name")?.to_string();
    let folder = this.value.clone();
    run_task(
        cx,
        this,
        method,
        &describe(this, "createDistributedVirtualSwitch"),
        None,
        || {
            let fe = |e| fault_of(e, this);
            let kinds = w.folders.get(&folder).map(|f| f.child_type.clone());
            if !kinds.is_some_and(|k| k.iter().any(|t| t == "DistributedVirtualSwitch")) {
                return Err(Fault::not_supported(
                    "The operation is not supported on the object.",
                ));
            }
            let dc = w
                .datacenter_of(&folder)
                .ok_or_else(|| Fault::not_found(this))?;
            let id = w.add_dvs(&dc, &folder, &name).map_err(fe)?;
            for h in config.children_named("host") {
                if let Some(host) = h.moref_of("host")? {
                    w.dvs_add_host(&id, &host.value).map_err(fe)?;
                }
            }
            Ok(Some(Value::moref("VmwareDistributedVirtualSwitch", id)))
        },
    )
}

/// `MoveIntoFolder_Task`: moves each of `list` here (the first refusal stops the rest).
pub(in crate::objects) fn move_into_folder(
    w: &mut World,
    cx: &mut CallCx<'_>,
    call: &Call<'_>,
) -> Reply {
    let Call { this, method, args } = *call;
    let list: Vec<_> = args
        .children_named("list")
        .filter_map(|e| e.as_moref())
        .collect();
    for m in &list {
        if w.type_of(&m.value).is_none() {
            return Err(Fault::not_found(m));
        }
    }
    let to = this.value.clone();
    run_task(cx, this, method, &describe(this, "moveInto"), None, || {
        for m in &list {
            w.move_entity(&m.value, &to).map_err(|e| fault_of(e, m))?;
        }
        Ok(None)
    })
}
