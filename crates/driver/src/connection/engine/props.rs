//! [`Props`]: the property values of one managed object as a retrieval (or the object
//! cache) gave them, read by typed property path.

use std::collections::HashMap;

use esxvirt_vi::props::virtual_machine as vm;
use esxvirt_vi::{FromValue, ManagedObjectReference, ObjectContent, PropPath, Value};

use crate::error::{Error, Result};
use crate::types::DomainState;

/// The property values of one object, by property path.
#[derive(Debug, Clone, Default)]
pub(crate) struct Props {
    pub obj: ManagedObjectReference,
    map: HashMap<String, Value>,
}

impl Props {
    /// The values a retrieval returned for one object.
    pub fn from_content(oc: ObjectContent) -> Props {
        let mut map = HashMap::with_capacity(oc.prop_set.len());
        for p in oc.prop_set {
            map.insert(p.name, p.val);
        }
        Props { obj: oc.obj, map }
    }

    /// Values of `obj` gathered elsewhere (the object cache).
    pub fn of(obj: ManagedObjectReference, values: HashMap<String, Value>) -> Props {
        Props { obj, map: values }
    }

    /// The object's type.
    pub fn ty(&self) -> &str {
        &self.obj.type_
    }

    /// Whether the object is the given one.
    pub fn is(&self, obj: &ManagedObjectReference) -> bool {
        self.obj == *obj
    }

    /// The paths and raw values (for the object cache).
    pub fn values(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.map.iter()
    }

    /// Records that the retrieval read `path` and found it unset, unless it has a value.
    pub fn mark_unset(&mut self, path: &str) {
        if !self.map.contains_key(path) {
            self.map.insert(path.to_string(), Value::None);
        }
    }

    /// The value of `path`, typed; `None` when absent, unset or of another type.
    pub fn get<T: FromValue>(&self, path: PropPath<T>) -> Option<T> {
        self.map
            .get(path.path())
            .and_then(|v| path.decode(v.clone()))
    }

    /// Takes the value of `path` out, typed.
    pub fn take<T: FromValue>(&mut self, path: PropPath<T>) -> Option<T> {
        self.map.remove(path.path()).and_then(|v| path.decode(v))
    }

    /// The value of `path`, or libvirt's error for a missing property.
    pub fn require<T: FromValue>(&self, path: PropPath<T>) -> Result<T> {
        self.get(path)
            .ok_or_else(|| Error::internal(format!("Missing '{path}' property")))
    }

    /// A non-negative number (`0` when absent or negative), for sizes and counts.
    pub fn count<T: FromValue + Into<i64>>(&self, path: PropPath<T>) -> u64 {
        self.get(path).map_or(0, |v| v.into().max(0) as u64)
    }

    /// The VM's power state as libvirt's domain state.
    pub fn power_state(&self) -> Result<DomainState> {
        let p = self.require(vm::RUNTIME_POWER_STATE)?;
        Ok(DomainState::from_power_state(p.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use esxvirt_vi::{DynamicProperty, VirtualMachinePowerState};

    #[test]
    fn values_are_read_by_typed_path() {
        let mut p = Props::from_content(ObjectContent {
            obj: ManagedObjectReference::new("VirtualMachine", "vm-1"),
            prop_set: vec![
                DynamicProperty {
                    name: vm::NAME.path().into(),
                    val: Value::String("web".into()),
                },
                DynamicProperty {
                    name: vm::RUNTIME_POWER_STATE.path().into(),
                    val: Value::VirtualMachinePowerState(VirtualMachinePowerState::Suspended),
                },
                DynamicProperty {
                    name: vm::CONFIG_HARDWARE_MEMORY_MB.path().into(),
                    val: Value::Int(-4),
                },
            ],
            missing_set: vec![],
        });
        assert_eq!(p.get(vm::NAME).as_deref(), Some("web"));
        assert_eq!(p.power_state().unwrap(), DomainState::Paused);
        assert_eq!(p.count(vm::CONFIG_HARDWARE_MEMORY_MB), 0, "negative");
        assert_eq!(
            p.require(vm::GUEST_HOST_NAME).unwrap_err().to_string(),
            "internal error: Missing 'guest.hostName' property"
        );
        p.mark_unset(vm::GUEST_HOST_NAME.path());
        assert_eq!(p.get(vm::GUEST_HOST_NAME), None, "read and unset");
        assert_eq!(p.take(vm::NAME).as_deref(), Some("web"));
        assert_eq!(p.get(vm::NAME), None);
    }
}
