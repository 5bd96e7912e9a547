//! `LocalizationManager`: no message catalogs (messages come in English).

use crate::value::Value;

use super::common::fixed_property;
use super::entry::{Ids, ManagedType};

/// The `LocalizationManager` type.
pub const TYPE: ManagedType = ManagedType {
    name: "LocalizationManager",
    ids: Ids::Service("localizationManager"),
    properties: &["catalog"],
    property: |_, _, path| {
        fixed_property(path, |head| match head {
            "catalog" => Some(Value::array(
                "LocalizationManagerMessageCatalog",
                Vec::new(),
            )),
            _ => None,
        })
    },
    methods: &[],
};

#[cfg(test)]
mod tests {
    use super::super::testing::TestWorld;

    #[test]
    fn no_catalogs() {
        let t = TestWorld::esx();
        let c = t.get("LocalizationManager", "ha-l10n-manager", "catalog");
        assert!(c.as_array().unwrap().is_empty());
    }
}
