//! `LocalizationManager`: no message catalogs (messages come in English).

use crate::fault::Fault;
use crate::value::Value;

use super::common::{split_path, walk};
use super::entry::{Ids, ManagedType};

/// The `LocalizationManager` type.
pub const TYPE: ManagedType = ManagedType {
    name: "LocalizationManager",
    ids: Ids::Service("localizationManager"),
    properties: &["catalog"],
    property: |_, _, path| {
        let (head, rest) = split_path(path);
        let top = match head {
            "catalog" => Some(Value::array(
                "LocalizationManagerMessageCatalog",
                Vec::new(),
            )),
            _ => return Err(Fault::invalid_property(path)),
        };
        walk(top, rest)
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
