//! `EventManager`: the event catalogue's description and `QueryEvents`. The simulator
//! keeps no event history (every operation's record is its task), so queries find none.

use crate::fault::Fault;
use crate::inventory::World;
use crate::object::CallCx;
use crate::value::Value;

use super::common::{element_description, split_path, walk};
use super::entry::{Call, Ids, ManagedType};

/// The `EventManager` type.
pub const TYPE: ManagedType = ManagedType {
    name: "EventManager",
    ids: Ids::Service("eventManager"),
    properties: &["description", "maxCollector"],
    property,
    methods: &[("QueryEvents", query_events)],
};

fn property(_w: &World, _id: &str, path: &str) -> Result<Option<Value>, Fault> {
    let (head, rest) = split_path(path);
    let top = match head {
        "description" => Some(
            Value::obj("EventDescription")
                .with(
                    "category",
                    Value::array(
                        "ElementDescription",
                        ["info", "warning", "error", "user"]
                            .iter()
                            .map(|c| element_description(c, c, c))
                            .collect(),
                    ),
                )
                .with(
                    "eventInfo",
                    Value::array("EventDescriptionEventDetail", Vec::new()),
                ),
        ),
        "maxCollector" => Some(Value::int(32)),
        "latestEvent" => None,
        _ => return Err(Fault::invalid_property(path)),
    };
    walk(top, rest)
}

/// `QueryEvents(filter)`: no events are kept; the entity the filter names must exist.
fn query_events(
    w: &mut World,
    _cx: &mut CallCx<'_>,
    call: &Call<'_>,
) -> Result<Option<Value>, Fault> {
    let filter = call
        .args
        .child("filter")
        .ok_or_else(|| Fault::missing_argument("filter"))?;
    if let Some(e) = filter
        .child("entity")
        .map(|e| e.moref_of("entity"))
        .transpose()?
        .flatten()
    {
        if w.type_of(&e.value).is_none() {
            return Err(Fault::not_found(&e));
        }
    }
    Ok(Some(Value::array("Event", Vec::new())))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, TestWorld};

    #[test]
    fn no_history() {
        let mut t = TestWorld::esx();
        let none = t
            .call("EventManager", "ha-eventmgr", "QueryEvents", "<filter/>")
            .unwrap()
            .unwrap();
        assert!(none.as_array().unwrap().is_empty());
        assert_eq!(
            fault_type(t.call(
                "EventManager",
                "ha-eventmgr",
                "QueryEvents",
                "<filter><entity><entity type=\"VirtualMachine\">nope</entity></entity></filter>"
            )),
            "ManagedObjectNotFound"
        );
        assert!(t
            .get("EventManager", "ha-eventmgr", "description")
            .as_obj()
            .is_some());
    }
}
