//! Every property path of the managed object types the schema lists, generated from
//! `schema/vim.schema` (see `build.rs`): one module per type (`virtual_machine`,
//! `host_system`, ...) holding its name (`TYPE`) and a [`PropPath`] constant per path, typed
//! with the value the path yields (`virtual_machine::RUNTIME_POWER_STATE` is a
//! `PropPath<VirtualMachinePowerState>` for `runtime.powerState`). Inherited properties are
//! repeated in every subtype's module; nested data objects are followed down to four levels,
//! not through lists.
//!
//! ```
//! use esxvirt_vi::props::virtual_machine as vm;
//! assert_eq!(vm::RUNTIME_POWER_STATE.path(), "runtime.powerState");
//! assert_eq!(vm::RUNTIME_POWER_STATE.owner(), "VirtualMachine");
//! ```

#![allow(clippy::all, clippy::pedantic, missing_docs)]

use crate::codec::ManagedObjectReference;
use crate::prop_path::PropPath;
use crate::types::*;

include!(concat!(env!("OUT_DIR"), "/vim_props.rs"));

#[cfg(test)]
mod tests {
    use super::{host_system, virtual_machine as vm};
    use crate::types::{Value, VirtualMachinePowerState};

    #[test]
    fn paths_name_and_decode_their_values() {
        assert_eq!(vm::RUNTIME_POWER_STATE.path(), "runtime.powerState");
        assert_eq!(vm::RUNTIME_POWER_STATE.owner(), "VirtualMachine");
        assert_eq!(
            vm::RUNTIME_POWER_STATE.decode(Value::VirtualMachinePowerState(
                VirtualMachinePowerState::PoweredOn
            )),
            Some(VirtualMachinePowerState::PoweredOn)
        );
        // An untyped value (no xsi:type) is text; an enumeration reads it.
        assert_eq!(
            vm::RUNTIME_POWER_STATE.decode(Value::String("suspended".into())),
            Some(VirtualMachinePowerState::Suspended)
        );
        assert_eq!(vm::RUNTIME_POWER_STATE.decode(Value::None), None);
        // Integers convert across the schema's integer types and from text.
        assert_eq!(
            vm::CONFIG_HARDWARE_MEMORY_MB.decode(Value::Long(512)),
            Some(512)
        );
        assert_eq!(
            vm::CONFIG_HARDWARE_MEMORY_MB.decode(Value::String("64".into())),
            Some(64)
        );
        assert_eq!(
            vm::CONFIG_HARDWARE_MEMORY_MB.decode(Value::Long(1 << 40)),
            None,
            "out of range for an int"
        );
        assert_eq!(
            host_system::HARDWARE_MEMORY_SIZE.decode(Value::Int(7)),
            Some(7i64)
        );
        assert_eq!(
            host_system::CAPABILITY_SCREENSHOT_SUPPORTED.decode(Value::Boolean(true)),
            Some(true)
        );
        assert_eq!(
            vm::NAME.decode(Value::Int(3)),
            None,
            "a value of another type"
        );
    }

    #[test]
    fn inherited_and_nested_paths() {
        assert_eq!(host_system::NAME.owner(), "HostSystem");
        assert_eq!(
            host_system::CONFIG_NETWORK_DNS_CONFIG_HOST_NAME.path(),
            "config.network.dnsConfig.hostName"
        );
        assert!(vm::RUNTIME.covers("runtime.powerState"));
        assert!(vm::RUNTIME.covers("runtime"));
        assert!(!vm::RUNTIME.covers("runtimeX"));
        assert!(!vm::RUNTIME_POWER_STATE.covers("runtime"));
    }
}
