//! Builders of property-collector updates for the unit tests of code that consumes them (the
//! driver's event tracker, the exporter's inventory). Compiled for the driver's own tests and
//! with the `test-support` feature, which other crates enable in their dev-dependencies.

use esxvirt_vi::{ManagedObjectReference, ObjectUpdate, ObjectUpdateKind, PropertyChange};
use esxvirt_vi::{PropertyChangeOp, Value};

/// A change that assigns `val` to the property `name`.
pub fn assign(name: &str, val: Value) -> PropertyChange {
    PropertyChange {
        name: name.into(),
        op: PropertyChangeOp::Assign,
        val: Some(val),
    }
}

/// An update of `kind` to `obj` carrying `changes` (and no missing properties).
pub fn object_update(
    kind: ObjectUpdateKind,
    obj: ManagedObjectReference,
    changes: Vec<PropertyChange>,
) -> ObjectUpdate {
    ObjectUpdate {
        kind,
        obj,
        change_set: changes,
        missing_set: vec![],
    }
}
