//! Helpers every managed object type file shares: inventory errors as SOAP faults, property
//! path walking, the `ManagedEntity` properties all inventory objects answer alike, small
//! data objects (descriptions, shares) and tasks finished at once.

use crate::fault::Fault;
use crate::inventory::{Allocation, InvError, InvResult, World};
use crate::object::CallCx;
use crate::task::TaskSpec;
use crate::value::{MoRef, Value};

use super::entry::{Call, Reply};

/// Maps an inventory error to the fault a real server sends.
pub fn fault_of(e: InvError, this: &MoRef) -> Fault {
    match e {
        InvError::NotFound(what) => Fault::not_found_named(format!("{what} not found")),
        InvError::InvalidPowerState { current, requested } => {
            Fault::invalid_power_state(requested.map(|r| r.as_str()), current.as_str())
        }
        InvError::InvalidState(m) => Fault::invalid_state(m),
        InvError::DuplicateName(n) => Fault::duplicate_name(&n, this),
        InvError::AlreadyExists(n) => Fault::already_exists(&n),
        InvError::FileNotFound(f) => Fault::file_not_found(&f),
        InvError::FileAlreadyExists(f) => Fault::file_already_exists(&f),
        InvError::InvalidDatastorePath(p) => Fault::new(
            "InvalidDatastorePath",
            format!("Invalid datastore path '{p}'."),
        )
        .with("datastorePath", Value::str(p)),
        InvError::InvalidDatastore(d) => {
            Fault::new("InvalidDatastore", format!("Invalid datastore '{d}'."))
                .with("name", Value::str(d))
        }
        InvError::InvalidArgument(a) => Fault::invalid_argument(&a),
        InvError::InvalidVmx { path, reason } => Fault::new(
            "InvalidArgument",
            format!("Invalid configuration for device '{path}': {reason}"),
        )
        .with("invalidProperty", Value::str("path")),
        InvError::ToolsUnavailable => Fault::new(
            "ToolsUnavailable",
            "Operation failed since VMware tools are not running in this virtual machine.",
        ),
        InvError::NotSupported(m) => Fault::not_supported(m),
        InvError::InUse(what) => {
            Fault::new("ResourceInUse", format!("The resource '{what}' is in use."))
                .with("name", Value::str(what))
        }
        InvError::Io(m) => Fault::system_error(m),
    }
}

/// `ElementDescription` (label, summary, key).
pub fn element_description(key: &str, label: &str, summary: &str) -> Value {
    Value::obj("ElementDescription")
        .with("label", Value::str(label))
        .with("summary", Value::str(summary))
        .with("key", Value::str(key))
}

/// `Description` (label, summary).
pub fn description(label: &str, summary: &str) -> Value {
    Value::obj("Description")
        .with("label", Value::str(label))
        .with("summary", Value::str(summary))
}

/// ManagedEntity properties the simulator leaves unset on every object: no alarms,
/// disabled methods, permissions or tags.
pub fn is_unset_entity_property(name: &str) -> bool {
    [
        "triggeredAlarmState",
        "declaredAlarmState",
        "disabledMethod",
        "permission",
        "tag",
    ]
    .contains(&name)
}

/// A `ManagedEntity` property every inventory object answers the same way (its name and
/// parent from the world's records, a green status, no alarms, no tasks, the full
/// administrator role); `None` when `head` is not one of them. Types with an answer of
/// their own match it before calling this.
pub fn entity_property(w: &World, id: &str, head: &str) -> Option<Option<Value>> {
    Some(match head {
        "name" => w.name_of(id).map(Value::Str),
        "parent" => w.parent_of(id).map(|p| Value::MoRef(w.mo(&p))),
        "overallStatus" | "configStatus" => Some(Value::enumv("ManagedEntityStatus", "green")),
        "alarmActionsEnabled" => Some(Value::bool(true)),
        "effectiveRole" => Some(Value::array("int", vec![Value::int(-1)])),
        "recentTask" => None,
        p @ ("customValue" | "value" | "availableField") => {
            super::custom_fields_manager::entity_custom_property(w, id, p).unwrap_or(None)
        }
        p if is_unset_entity_property(p) => None,
        _ => return None,
    })
}

/// A type's fallback for property heads it does not answer itself: the common entity
/// property ([`entity_property`]) or, for any other name, `InvalidProperty` for `path`.
pub fn entity_or_invalid(w: &World, id: &str, head: &str, path: &str) -> Reply {
    entity_property(w, id, head).ok_or_else(|| Fault::invalid_property(path))
}

/// `SharesInfo` at the normal level with `shares` shares.
pub fn normal_shares(shares: i32) -> Value {
    Value::obj("SharesInfo")
        .with("shares", Value::int(shares))
        .with("level", Value::enumv("SharesLevel", "normal"))
}

/// A `ResourceAllocationInfo` (of a resource pool or a VM).
pub fn allocation(a: &Allocation) -> Value {
    Value::obj("ResourceAllocationInfo")
        .with("reservation", Value::long(a.reservation))
        .with(
            "expandableReservation",
            Value::bool(a.expandable_reservation),
        )
        .with("limit", Value::long(a.limit))
        .with(
            "shares",
            Value::obj("SharesInfo")
                .with("shares", Value::int(a.shares))
                .with("level", Value::enumv("SharesLevel", a.shares_level.clone())),
        )
}

/// Splits `head.rest` of a property path.
pub fn split_path(path: &str) -> (&str, &str) {
    match path.split_once('.') {
        Some((h, r)) => (h, r),
        None => (path, ""),
    }
}

/// Builds the top-level value with `top` and walks the rest of the path.
pub fn walk(top: Option<Value>, rest: &str) -> Reply {
    match top {
        None => Ok(None),
        Some(v) => Ok(v.into_path(rest)),
    }
}

/// Reads `path` of an object whose properties are always set and do not depend on the
/// world: `top` gives a top-level property's value, `None` for a name the type lacks.
pub fn fixed_property(path: &str, top: impl FnOnce(&str) -> Option<Value>) -> Reply {
    let (head, rest) = split_path(path);
    match top(head) {
        Some(v) => Ok(v.into_path(rest)),
        None => Err(Fault::invalid_property(path)),
    }
}

/// The time stamp of storage summaries: fixed, so that WaitForUpdatesEx (which compares
/// property values) only reports real changes.
pub const STABLE_TIMESTAMP: &str = "2026-01-12T09:00:00.000Z";

/// Runs `op` as a task finished at once, named `name` and described by `desc`, on `entity`
/// (a reference and its name) or, without one, on `this`.
pub fn run_task(
    cx: &mut CallCx<'_>,
    this: &MoRef,
    name: &str,
    desc: &str,
    entity: Option<(MoRef, String)>,
    op: impl FnOnce() -> Reply,
) -> Reply {
    let (entity, entity_name) = match entity {
        Some((e, n)) => (Some(e), Some(n)),
        None => (Some(this.clone()), None),
    };
    let t = cx.tasks.run(
        TaskSpec {
            entity,
            entity_name,
            name: name.into(),
            description_id: desc.into(),
            cancelable: false,
        },
        cx.user,
        op,
    );
    Ok(Some(Value::MoRef(t)))
}

/// The datastore of a datastore path as a task entity: its reference and name.
pub fn ds_entity(w: &World, path: &str) -> Option<(MoRef, String)> {
    let (ds, _) = crate::inventory::vmx::split_datastore_path(path)?;
    let d = w.datastore_by_name(ds)?;
    Some((MoRef::new("Datastore", d.moid.clone()), d.name.clone()))
}

/// A task named after the method called, described by `desc`, doing `op` on the datastore
/// of datastore path `path` (on the object called when the path names no datastore).
pub fn datastore_task(
    w: &World,
    cx: &mut CallCx<'_>,
    call: &Call<'_>,
    path: &str,
    desc: &str,
    op: impl FnOnce(&World) -> Reply,
) -> Reply {
    let ent = ds_entity(w, path);
    run_task(cx, call.this, call.method, desc, ent, || op(w))
}

/// A task doing `op` to the datastore path in the `name` parameter (a file, a directory or
/// a virtual disk), described by `desc`, on the path's datastore.
pub fn named_path_task(
    w: &mut World,
    cx: &mut CallCx<'_>,
    call: &Call<'_>,
    desc: &str,
    op: fn(&World, &str) -> InvResult<()>,
) -> Reply {
    let name = call.args.req_text("name")?.to_string();
    datastore_task(w, cx, call, &name, desc, |w| {
        op(w, &name)
            .map(|_| None)
            .map_err(|e| fault_of(e, call.this))
    })
}

/// `Rename_Task` of any inventory entity (see `World::rename_entity`).
pub fn rename_task(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, method, args } = *call;
    let name = args.req_text("newName")?.to_string();
    let entity = named_entity(w, this);
    run_task(cx, this, method, &describe(this, "rename"), entity, || {
        w.rename_entity(&this.value, &name)
            .map(|_| None)
            .map_err(|e| fault_of(e, this))
    })
}

/// `Destroy_Task` of any inventory entity with what it contains (see
/// `World::destroy_entity`).
pub fn destroy_task(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, method, .. } = *call;
    let entity = named_entity(w, this);
    run_task(cx, this, method, &describe(this, "destroy"), entity, || {
        w.destroy_entity(&this.value)
            .map(|_| None)
            .map_err(|e| fault_of(e, this))
    })
}

/// A task's description id: the type's name and the operation (`Folder.destroy`).
pub fn describe(this: &MoRef, op: &str) -> String {
    format!("{}.{op}", this.ty)
}

/// `this` with its name, as the entity of a task.
pub fn named_entity(w: &World, this: &MoRef) -> Option<(MoRef, String)> {
    Some((this.clone(), w.name_of(&this.value).unwrap_or_default()))
}

/// Runs `op` on the world with the call's required `spec` argument, as a task of `this`
/// (named after the method, described `TYPE.desc`).
pub fn spec_task(
    w: &mut World,
    cx: &mut CallCx<'_>,
    call: &Call<'_>,
    desc: &str,
    op: impl FnOnce(&mut World, &crate::soap::Element) -> Reply,
) -> Reply {
    let Call { this, method, args } = *call;
    let spec = args.req_child("spec")?.clone();
    let entity = named_entity(w, this);
    run_task(cx, this, method, &describe(this, desc), entity, || {
        op(w, &spec)
    })
}

/// `ConcurrentAccess`: a spec's `configVersion` is not the object's current one.
pub fn concurrent_access() -> Fault {
    Fault::new(
        "ConcurrentAccess",
        "Cannot complete operation due to concurrent modification by another operation.",
    )
}
