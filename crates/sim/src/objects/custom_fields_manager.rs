//! `CustomFieldsManager`: custom field definitions (for one managed object type or all)
//! and their values on inventory entities, which answer them as `customValue`, `value` and
//! `availableField`.

use crate::fault::Fault;
use crate::inventory::{CustomField, World};
use crate::object::CallCx;
use crate::property_collector::is_a;
use crate::value::{MoRef, Value};

use super::entry::{Call, Ids, ManagedType, Reply};

/// The `CustomFieldsManager` type.
pub const TYPE: ManagedType = ManagedType {
    name: "CustomFieldsManager",
    ids: Ids::Service("customFieldsManager"),
    properties: &["field"],
    property,
    methods: &[
        ("AddCustomFieldDef", add),
        ("RemoveCustomFieldDef", remove),
        ("RenameCustomFieldDef", rename),
        ("SetField", set_field),
    ],
};

fn property(w: &World, _id: &str, path: &str) -> Reply {
    let (head, rest) = path.split_once('.').unwrap_or((path, ""));
    match head {
        "field" => Ok(Value::array(
            "CustomFieldDef",
            w.custom_fields.iter().map(definition).collect(),
        )
        .into_path(rest)),
        _ => Err(Fault::invalid_property(path)),
    }
}

/// A `CustomFieldDef`.
fn definition(f: &CustomField) -> Value {
    let privileges = |p: &str| {
        Value::obj("PrivilegePolicyDef")
            .with("createPrivilege", Value::str(format!("{p}.Create")))
            .with("readPrivilege", Value::str("System.Read"))
            .with("updatePrivilege", Value::str(format!("{p}.Update")))
            .with("deletePrivilege", Value::str(format!("{p}.Delete")))
    };
    Value::obj("CustomFieldDef")
        .with("key", Value::int(f.key))
        .with("name", Value::str(&f.name))
        .with("type", Value::str("string"))
        .with_opt("managedObjectType", f.managed_type.clone().map(Value::Str))
        .with(
            "fieldDefPrivileges",
            privileges("Global.ManageCustomFields"),
        )
        .with(
            "fieldInstancePrivileges",
            privileges("Global.SetCustomField"),
        )
}

/// Whether field `f` applies to objects of type `ty`.
fn applies(f: &CustomField, ty: &str) -> bool {
    f.managed_type.as_deref().is_none_or(|t| is_a(ty, t))
}

/// `customValue` / `value` / `availableField` of entity `id` (`None` for other names).
pub fn entity_custom_property(w: &World, id: &str, head: &str) -> Option<Option<Value>> {
    match head {
        "customValue" | "value" => {
            let values = w.custom_values.get(id)?;
            let items: Vec<Value> = values
                .iter()
                .map(|(k, v)| {
                    Value::obj("CustomFieldStringValue")
                        .with("key", Value::int(*k))
                        .with("value", Value::str(v))
                })
                .collect();
            Some((!items.is_empty()).then(|| Value::array("CustomFieldValue", items)))
        }
        "availableField" => {
            let ty = w.type_of(id).unwrap_or("ManagedEntity");
            let defs: Vec<Value> = w
                .custom_fields
                .iter()
                .filter(|f| applies(f, ty))
                .map(definition)
                .collect();
            Some((!defs.is_empty()).then(|| Value::array("CustomFieldDef", defs)))
        }
        _ => None,
    }
}

/// `AddCustomFieldDef`: a field `name` for `moType` (all types without one); `DuplicateName`
/// when a field of that name applies to the same types.
fn add(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let name = args.req_text("name")?.to_string();
    if name.is_empty() {
        return Err(Fault::invalid_argument("name"));
    }
    let managed_type = args
        .text_of("moType")
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    if w.custom_fields
        .iter()
        .any(|f| f.name == name && f.managed_type == managed_type)
    {
        return Err(Fault::duplicate_name(&name, this));
    }
    let key = w.custom_fields.iter().map(|f| f.key).max().unwrap_or(0) + 1;
    let f = CustomField {
        key,
        name,
        managed_type,
    };
    let v = definition(&f);
    w.custom_fields.push(f);
    Ok(Some(v))
}

fn field_index(w: &World, key: i32) -> Result<usize, Fault> {
    w.custom_fields
        .iter()
        .position(|f| f.key == key)
        .ok_or_else(|| Fault::invalid_argument("key"))
}

/// `RemoveCustomFieldDef`: the field and its values go.
fn remove(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let key = call
        .args
        .i32_of("key")?
        .ok_or_else(|| Fault::missing_argument("key"))?;
    let i = field_index(w, key)?;
    w.custom_fields.remove(i);
    for v in w.custom_values.values_mut() {
        v.retain(|(k, _)| *k != key);
    }
    w.custom_values.retain(|_, v| !v.is_empty());
    Ok(None)
}

/// `RenameCustomFieldDef`.
fn rename(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let key = args
        .i32_of("key")?
        .ok_or_else(|| Fault::missing_argument("key"))?;
    let name = args.req_text("name")?.to_string();
    let i = field_index(w, key)?;
    let ty = w.custom_fields[i].managed_type.clone();
    if w.custom_fields
        .iter()
        .any(|f| f.key != key && f.name == name && f.managed_type == ty)
    {
        return Err(Fault::duplicate_name(&name, this));
    }
    w.custom_fields[i].name = name;
    Ok(None)
}

/// `SetField`: field `key` of `entity` (one the field applies to) takes `value`.
fn set_field(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let args = call.args;
    let entity: MoRef = args.req_moref("entity")?;
    let key = args
        .i32_of("key")?
        .ok_or_else(|| Fault::missing_argument("key"))?;
    let value = args.text_of("value").unwrap_or("").to_string();
    let Some(ty) = w.type_of(&entity.value) else {
        return Err(Fault::not_found(&entity));
    };
    let i = field_index(w, key)?;
    if !applies(&w.custom_fields[i], ty) {
        return Err(Fault::invalid_argument("key"));
    }
    let values = w.custom_values.entry(entity.value).or_default();
    match values.iter_mut().find(|(k, _)| *k == key) {
        Some(v) => v.1 = value,
        None => values.push((key, value)),
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, text, TestWorld};
    use crate::value::Value;

    #[test]
    fn fields_and_values() {
        let mut t = TestWorld::vcenter();
        let m = "CustomFieldsManager";
        let def = t
            .call(
                m,
                m,
                "AddCustomFieldDef",
                "<name>mode</name><moType>Datastore</moType>",
            )
            .unwrap()
            .unwrap();
        let key = def.path("key").cloned().unwrap();
        assert_eq!(key, Value::int(1));
        assert_eq!(
            fault_type(t.call(
                m,
                m,
                "AddCustomFieldDef",
                "<name>mode</name><moType>Datastore</moType>"
            )),
            "DuplicateName"
        );
        let ds = t.datastore("shared-vmfs");
        t.call(
            m,
            m,
            "SetField",
            &format!("<entity type=\"Datastore\">{ds}</entity><key>1</key><value>prod</value>"),
        )
        .unwrap();
        let cv = t.get("Datastore", &ds, "customValue");
        assert_eq!(
            text(cv.as_array().unwrap()[0].path("value").unwrap()),
            "prod"
        );
        assert_eq!(
            t.get("Datastore", &ds, "availableField")
                .as_array()
                .unwrap()
                .len(),
            1
        );
        // A datastore field does not apply to a VM.
        let vm = t.w.vms.keys().next().unwrap().clone();
        assert_eq!(
            fault_type(t.call(
                m,
                m,
                "SetField",
                &format!(
                    "<entity type=\"VirtualMachine\">{vm}</entity><key>1</key><value>x</value>"
                )
            )),
            "InvalidArgument"
        );
        assert_eq!(t.read("VirtualMachine", &vm, "availableField"), Ok(None));
        t.call(
            m,
            m,
            "RenameCustomFieldDef",
            "<key>1</key><name>tier</name>",
        )
        .unwrap();
        t.call(m, m, "RemoveCustomFieldDef", "<key>1</key>")
            .unwrap();
        assert_eq!(t.read("Datastore", &ds, "customValue"), Ok(None));
        assert_eq!(
            fault_type(t.call(m, m, "RemoveCustomFieldDef", "<key>1</key>")),
            "InvalidArgument"
        );
    }
}
