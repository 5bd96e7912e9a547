//! `PropertyFilter`: a filter a session created on a collector; `DestroyPropertyFilter`.

use crate::fault::Fault;
use crate::value::{MoRef, Value};

use super::{lock, Core, Out, Reader, ServiceCall, ServiceMethod, ServiceType};

/// The `PropertyFilter` type.
pub(super) const TYPE: ServiceType = ServiceType {
    name: "PropertyFilter",
    exists: |r, obj| {
        lock(&r.core.filters)
            .filters
            .iter()
            .any(|f| f.moref == *obj)
    },
    properties: &["partialUpdates", "spec"],
    property,
    methods: &[("DestroyPropertyFilter", ServiceMethod::Now(destroy))],
};

fn property(r: &Reader<'_>, obj: &MoRef, path: &str) -> Result<Option<Value>, Fault> {
    let (head, rest) = path.split_once('.').unwrap_or((path, ""));
    let top = match head {
        "partialUpdates" => {
            let fs = lock(&r.core.filters);
            let f = fs
                .filters
                .iter()
                .find(|f| f.moref == *obj)
                .ok_or_else(|| Fault::not_found(obj))?;
            Some(Value::Bool(f.partial_updates))
        }
        "spec" => None,
        _ => return Err(Fault::invalid_property(path)),
    };
    Ok(top.and_then(|v| v.into_path(rest)))
}

/// `DestroyPropertyFilter`: only the session that made the filter may destroy it.
fn destroy(core: &Core, call: &ServiceCall<'_>) -> Result<Out, Fault> {
    let mut fs = lock(&core.filters);
    let before = fs.filters.len();
    fs.filters
        .retain(|f| !(f.moref == *call.this && f.session == call.session.key));
    if fs.filters.len() == before {
        return Err(Fault::not_found(call.this));
    }
    Ok(Out::Value(None))
}

#[cfg(test)]
mod tests {
    use super::super::testing::TestCore;

    #[test]
    fn filters_are_listed_and_destroyed() {
        let mut c = TestCore::esx();
        c.login();
        let spec = "<spec><propSet><type>HostSystem</type><pathSet>name</pathSet></propSet>\
                    <objectSet><obj type=\"HostSystem\">ha-host</obj></objectSet></spec><partialUpdates>true</partialUpdates>";
        let f = c
            .one(
                "PropertyCollector",
                "ha-property-collector",
                "CreateFilter",
                spec,
            )
            .text;
        let partial = c
            .read("PropertyFilter", &f, "partialUpdates")
            .unwrap()
            .unwrap();
        assert_eq!(partial.text, "true");
        let listed = c
            .read("PropertyCollector", "ha-property-collector", "filter")
            .unwrap()
            .unwrap();
        assert_eq!(listed.children.len(), 1);
        assert_eq!(
            c.call("PropertyFilter", &f, "DestroyPropertyFilter", ""),
            Ok(vec![])
        );
        assert_eq!(
            c.call("PropertyFilter", &f, "DestroyPropertyFilter", ""),
            Err("ManagedObjectNotFound".into())
        );
        let bad = "<spec><propSet><type>HostSystem</type><pathSet>name</pathSet></propSet>\
                   <objectSet><obj type=\"HostSystem\">host-404</obj></objectSet></spec>";
        assert_eq!(
            c.call(
                "PropertyCollector",
                "ha-property-collector",
                "CreateFilter",
                bad
            ),
            Err("ManagedObjectNotFound".into())
        );
    }
}
