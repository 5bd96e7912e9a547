//! `OptionManager` (`ServiceContent.setting`): the server's settings (`VpxSettings` on a
//! vCenter, `HostAgentSettings` on a host) with their definitions, `QueryOptions` (a key, or
//! a prefix ending in `.`) and `UpdateOptions`, which keeps changes in the world.

use crate::fault::Fault;
use crate::inventory::{ServerKind, World};
use crate::object::CallCx;
use crate::value::Value;

use super::common::{split_path, walk};
use super::entry::{Call, Ids, ManagedType, Reply};

/// The `OptionManager` type.
pub const TYPE: ManagedType = ManagedType {
    name: "OptionManager",
    ids: Ids::Service("setting"),
    properties: &["supportedOption", "setting"],
    property,
    methods: &[
        ("QueryOptions", query_options),
        ("UpdateOptions", update_options),
    ],
};

/// The kind of a setting's value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Str,
    Int,
    Bool,
}

/// A vCenter's settings: key, kind, default.
const VPX: &[(&str, Kind, &str)] = &[
    ("VirtualCenter.AutoManagedIPV4", Kind::Str, "127.0.0.1"),
    ("VirtualCenter.FQDN", Kind::Str, "vcenter.example.com"),
    (
        "VirtualCenter.InstanceName",
        Kind::Str,
        "vcenter.example.com",
    ),
    ("VirtualCenter.VimPasswordExpirationInDays", Kind::Int, "30"),
    ("config.vpxd.sso.default.isGroup", Kind::Bool, "true"),
    (
        "config.vpxd.sso.sts.uri",
        Kind::Str,
        "https://vcenter.example.com/sts/STSService/vsphere.local",
    ),
    ("event.maxAge", Kind::Int, "30"),
    ("event.maxAgeEnabled", Kind::Bool, "true"),
    ("instance.id", Kind::Int, "42"),
    ("task.maxAge", Kind::Int, "30"),
    ("task.maxAgeEnabled", Kind::Bool, "true"),
    ("vpxd.stats.maxQueryMetrics", Kind::Int, "64"),
];

/// A host agent's settings: key, kind, default.
const HOST_AGENT: &[(&str, Kind, &str)] = &[
    ("Config.HostAgent.log.level", Kind::Str, "info"),
    (
        "Config.HostAgent.plugins.hostsvc.esxAdminsGroup",
        Kind::Str,
        "ESX Admins",
    ),
    (
        "Config.HostAgent.plugins.solo.enableMob",
        Kind::Bool,
        "false",
    ),
    (
        "Config.HostAgent.ssl.keyStore.allowAny",
        Kind::Bool,
        "false",
    ),
    (
        "Config.HostAgent.ssl.keyStore.allowSelfSigned",
        Kind::Bool,
        "true",
    ),
    (
        "Config.HostAgent.vmacore.soap.sessionTimeout",
        Kind::Int,
        "30",
    ),
];

fn table(w: &World) -> &'static [(&'static str, Kind, &'static str)] {
    match w.kind {
        ServerKind::Esx => HOST_AGENT,
        ServerKind::Vcenter => VPX,
    }
}

/// The value of a setting (its change, else its default) as an `OptionValue`.
fn option_value(w: &World, key: &str, kind: Kind, default: &str) -> Value {
    let text = w.settings.get(key).map(String::as_str).unwrap_or(default);
    let v = match kind {
        Kind::Str => Value::str(text),
        Kind::Int => Value::long(text.parse().unwrap_or(0)),
        Kind::Bool => Value::bool(text == "true"),
    };
    Value::obj("OptionValue")
        .with("key", Value::str(key))
        .with("value", Value::any(v))
}

fn property(w: &World, _id: &str, path: &str) -> Reply {
    let (head, rest) = split_path(path);
    let top = match head {
        "setting" => Some(Value::array(
            "OptionValue",
            table(w)
                .iter()
                .map(|(k, kind, d)| option_value(w, k, *kind, d))
                .collect(),
        )),
        "supportedOption" => Some(Value::array(
            "OptionDef",
            table(w)
                .iter()
                .map(|(k, kind, d)| {
                    let option_type = match kind {
                        Kind::Str => Value::obj("StringOption")
                            .with("valueIsReadonly", Value::bool(false))
                            .with("defaultValue", Value::str(*d)),
                        Kind::Int => Value::obj("LongOption")
                            .with("valueIsReadonly", Value::bool(false))
                            .with("min", Value::long(0))
                            .with("max", Value::long(i64::MAX))
                            .with("defaultValue", Value::long(d.parse().unwrap_or(0))),
                        Kind::Bool => Value::obj("BoolOption")
                            .with("valueIsReadonly", Value::bool(false))
                            .with("supported", Value::bool(true))
                            .with("defaultValue", Value::bool(*d == "true")),
                    };
                    Value::obj("OptionDef")
                        .with("label", Value::str(*k))
                        .with("summary", Value::str(*k))
                        .with("key", Value::str(*k))
                        .with("optionType", option_type)
                })
                .collect(),
        )),
        _ => return Err(Fault::invalid_property(path)),
    };
    walk(top, rest)
}

/// `QueryOptions`: the setting `name`, or those under prefix `name.`, or all; `InvalidName`
/// when none matches.
fn query_options(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let name = call.args.text_of("name").unwrap_or("");
    let hits: Vec<Value> = table(w)
        .iter()
        .filter(|(k, _, _)| {
            name.is_empty() || *k == name || (name.ends_with('.') && k.starts_with(name))
        })
        .map(|(k, kind, d)| option_value(w, k, *kind, d))
        .collect();
    if hits.is_empty() {
        return Err(Fault::invalid_name(name));
    }
    Ok(Some(Value::array("OptionValue", hits)))
}

/// `UpdateOptions`: every `changedValue` must name a known setting with a value of its kind.
fn update_options(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let mut changes = Vec::new();
    for c in call.args.children_named("changedValue") {
        let key = c.req_text("key")?;
        let Some((_, kind, _)) = table(w).iter().find(|(k, _, _)| *k == key) else {
            return Err(Fault::invalid_name(key));
        };
        let text = c.text_of("value").unwrap_or("").trim().to_string();
        let ok = match kind {
            Kind::Str => true,
            Kind::Int => text.parse::<i64>().is_ok(),
            Kind::Bool => text == "true" || text == "false",
        };
        if !ok {
            return Err(Fault::invalid_argument(key));
        }
        changes.push((key.to_string(), text));
    }
    w.settings.extend(changes);
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, TestWorld};
    use crate::value::Value;

    #[test]
    fn query_and_update() {
        let mut t = TestWorld::vcenter();
        let id = "VpxSettings";
        let all = t.get("OptionManager", id, "setting");
        assert!(all.as_array().unwrap().len() > 5);
        let some = t
            .call("OptionManager", id, "QueryOptions", "<name>event.</name>")
            .unwrap()
            .unwrap();
        assert_eq!(some.as_array().unwrap().len(), 2);
        assert_eq!(
            fault_type(t.call("OptionManager", id, "QueryOptions", "<name>no.such</name>")),
            "InvalidName"
        );
        t.call(
            "OptionManager",
            id,
            "UpdateOptions",
            "<changedValue><key>event.maxAge</key><value xsi:type=\"xsd:long\">7</value></changedValue>",
        )
        .unwrap();
        let one = t
            .call(
                "OptionManager",
                id,
                "QueryOptions",
                "<name>event.maxAge</name>",
            )
            .unwrap()
            .unwrap();
        assert_eq!(
            one.as_array().unwrap()[0].path("value"),
            Some(&Value::any(Value::long(7)))
        );
        assert_eq!(
            fault_type(t.call(
                "OptionManager",
                id,
                "UpdateOptions",
                "<changedValue><key>event.maxAge</key><value>soon</value></changedValue>"
            )),
            "InvalidArgument"
        );
    }
}
