//! `CustomizationSpecManager` (vCenter): stored guest customization specifications —
//! listing, reading, creating, overwriting, duplicating, renaming and deleting them.

use crate::fault::Fault;
use crate::inventory::{CustomizationSpecRecord, World};
use crate::object::CallCx;
use crate::soap::Element;
use crate::value::{now_datetime, Value};

use super::common::{split_path, walk};
use super::entry::{Call, Ids, ManagedType, Reply};

/// The `CustomizationSpecManager` type.
pub const TYPE: ManagedType = ManagedType {
    name: "CustomizationSpecManager",
    ids: Ids::Service("customizationSpecManager"),
    properties: &["info", "encryptionKey"],
    property,
    methods: &[
        ("DoesCustomizationSpecExist", exists),
        ("GetCustomizationSpec", get),
        ("CreateCustomizationSpec", create),
        ("OverwriteCustomizationSpec", overwrite),
        ("DeleteCustomizationSpec", delete),
        ("DuplicateCustomizationSpec", duplicate),
        ("RenameCustomizationSpec", rename),
    ],
};

fn info(r: &CustomizationSpecRecord) -> Value {
    Value::obj("CustomizationSpecInfo")
        .with("name", Value::str(&r.name))
        .with("description", Value::str(&r.description))
        .with("type", Value::str(&r.spec_type))
        .with("changeVersion", Value::str(&r.last_update))
        .with("lastUpdateTime", Value::DateTime(r.last_update.clone()))
}

fn property(w: &World, _id: &str, path: &str) -> Reply {
    let (head, rest) = split_path(path);
    let top = match head {
        "info" => Some(Value::array(
            "CustomizationSpecInfo",
            w.customization_specs.iter().map(info).collect(),
        )),
        "encryptionKey" => None,
        _ => return Err(Fault::invalid_property(path)),
    };
    walk(top, rest)
}

fn position(w: &World, name: &str) -> Result<usize, Fault> {
    w.customization_specs
        .iter()
        .position(|s| s.name == name)
        .ok_or_else(|| Fault::not_found_named(format!("The specification {name} does not exist.")))
}

fn exists(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let name = call.args.req_text("name")?;
    Ok(Some(Value::bool(
        w.customization_specs.iter().any(|s| s.name == name),
    )))
}

/// `GetCustomizationSpec`: the stored item (its info and the spec as it was sent).
fn get(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let name = call.args.req_text("name")?;
    let r = &w.customization_specs[position(w, name)?];
    let spec = Element::parse(r.spec_xml.as_bytes())
        .map_err(|e| Fault::system_error(format!("stored specification: {e}")))?;
    let mut v = spec.to_value();
    if let Value::Obj(o) = &mut v {
        o.ty = "CustomizationSpec".into();
    }
    Ok(Some(
        Value::obj("CustomizationSpecItem")
            .with("info", info(r))
            .with("spec", v),
    ))
}

/// A record of an item argument (`item.info` and `item.spec`).
fn record(item: &Element) -> Result<CustomizationSpecRecord, Fault> {
    let i = item
        .child("info")
        .ok_or_else(|| Fault::missing_argument("item.info"))?;
    let spec = item
        .child("spec")
        .ok_or_else(|| Fault::missing_argument("item.spec"))?;
    let name = i.req_text("name")?.to_string();
    if name.is_empty() {
        return Err(Fault::invalid_argument("item.info.name"));
    }
    let mut xml = String::new();
    spec.to_value().write_field(&mut xml, "spec");
    Ok(CustomizationSpecRecord {
        name,
        description: i.text_of("description").unwrap_or("").to_string(),
        spec_type: i.text_of("type").unwrap_or("Linux").to_string(),
        last_update: now_datetime(),
        spec_xml: xml.replace(
            "<spec>",
            "<spec xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">",
        ),
    })
}

fn create(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let r = record(call.args.req_child("item")?)?;
    if w.customization_specs.iter().any(|s| s.name == r.name) {
        return Err(Fault::already_exists(&r.name));
    }
    w.customization_specs.push(r);
    Ok(None)
}

fn overwrite(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let r = record(call.args.req_child("item")?)?;
    let i = position(w, &r.name)?;
    w.customization_specs[i] = r;
    Ok(None)
}

fn delete(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let i = position(w, call.args.req_text("name")?)?;
    w.customization_specs.remove(i);
    Ok(None)
}

fn duplicate(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let i = position(w, call.args.req_text("name")?)?;
    let new = call.args.req_text("newName")?.to_string();
    if w.customization_specs.iter().any(|s| s.name == new) {
        return Err(Fault::already_exists(&new));
    }
    let mut copy = w.customization_specs[i].clone();
    copy.name = new;
    copy.last_update = now_datetime();
    w.customization_specs.push(copy);
    Ok(None)
}

fn rename(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let i = position(w, call.args.req_text("name")?)?;
    let new = call.args.req_text("newName")?.to_string();
    if w.customization_specs.iter().any(|s| s.name == new) {
        return Err(Fault::already_exists(&new));
    }
    w.customization_specs[i].name = new;
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, TestWorld};
    use crate::value::Value;

    const ITEM: &str = "<item><info><name>linux</name><description>d</description><type>Linux</type></info>\
        <spec><identity xsi:type=\"CustomizationLinuxPrep\"><hostName xsi:type=\"CustomizationFixedName\"><name>web</name></hostName><domain>example.com</domain></identity>\
        <globalIPSettings></globalIPSettings><nicSettingMap><adapter><ip xsi:type=\"CustomizationFixedIp\"><ipAddress>10.0.0.5</ipAddress></ip></adapter></nicSettingMap></spec></item>";

    #[test]
    fn specs_are_stored_and_read_back() {
        let mut t = TestWorld::vcenter();
        let m = ("CustomizationSpecManager", "CustomizationSpecManager");
        t.call(m.0, m.1, "CreateCustomizationSpec", ITEM).unwrap();
        assert_eq!(
            fault_type(t.call(m.0, m.1, "CreateCustomizationSpec", ITEM)),
            "AlreadyExists"
        );
        let item = t
            .call(m.0, m.1, "GetCustomizationSpec", "<name>linux</name>")
            .unwrap()
            .unwrap();
        assert_eq!(item.path("info.type"), Some(&Value::str("Linux")));
        assert_eq!(
            item.path("spec.identity.hostName.name"),
            Some(&Value::str("web"))
        );
        assert_eq!(
            item.path("spec.identity")
                .and_then(|v| v.as_obj())
                .map(|o| o.ty.to_string()),
            Some("CustomizationLinuxPrep".to_string())
        );
        t.call(
            m.0,
            m.1,
            "DuplicateCustomizationSpec",
            "<name>linux</name><newName>copy</newName>",
        )
        .unwrap();
        t.call(
            m.0,
            m.1,
            "RenameCustomizationSpec",
            "<name>copy</name><newName>other</newName>",
        )
        .unwrap();
        assert_eq!(t.get(m.0, m.1, "info").as_array().unwrap().len(), 2);
        t.call(m.0, m.1, "DeleteCustomizationSpec", "<name>other</name>")
            .unwrap();
        assert_eq!(
            t.call(m.0, m.1, "DoesCustomizationSpecExist", "<name>other</name>"),
            Ok(Some(Value::bool(false)))
        );
        assert_eq!(
            fault_type(t.call(m.0, m.1, "GetCustomizationSpec", "<name>other</name>")),
            "NotFound"
        );
    }
}
