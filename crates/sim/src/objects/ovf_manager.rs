//! `OvfManager`: the OVF import and export options (no OVF processing here).

use crate::value::Value;

use super::common::fixed_property;
use super::entry::{Ids, ManagedType};

/// The `OvfManager` type.
pub const TYPE: ManagedType = ManagedType {
    name: "OvfManager",
    ids: Ids::Service("ovfManager"),
    properties: &["ovfImportOption", "ovfExportOption"],
    property: |_, _, path| {
        let option = |o: &str| {
            Value::obj("OvfOptionInfo")
                .with("option", Value::str(o))
                .with(
                    "description",
                    Value::obj("LocalizableMessage")
                        .with("key", Value::str(format!("ovf.option.{o}")))
                        .with("message", Value::str(o)),
                )
        };
        fixed_property(path, |head| match head {
            "ovfImportOption" => Some(Value::array(
                "OvfOptionInfo",
                vec![option("cloudManagement")],
            )),
            "ovfExportOption" => Some(Value::array(
                "OvfOptionInfo",
                vec![option("mac"), option("uuid"), option("extraconfig")],
            )),
            _ => None,
        })
    },
    methods: &[],
};

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, TestWorld};

    #[test]
    fn options() {
        let t = TestWorld::vcenter();
        let e = t.get("OvfManager", "OvfManager", "ovfExportOption");
        assert_eq!(e.as_array().unwrap().len(), 3);
        assert_eq!(
            fault_type(t.read("OvfManager", "OvfManager", "nosuch")),
            "InvalidProperty"
        );
    }
}
