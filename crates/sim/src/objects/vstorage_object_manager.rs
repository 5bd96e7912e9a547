//! `VcenterVStorageObjectManager`: first-class disks; the simulator has none on any
//! datastore.

use crate::fault::Fault;
use crate::inventory::World;
use crate::object::CallCx;
use crate::value::Value;

use super::entry::{Call, Ids, ManagedType, Reply};

/// The `VcenterVStorageObjectManager` type: no first-class disks on any datastore.
pub const TYPE: ManagedType = ManagedType {
    name: "VcenterVStorageObjectManager",
    ids: Ids::Service("vStorageObjectManager"),
    properties: &[],
    property: |_, _, path| Err(Fault::invalid_property(path)),
    methods: &[
        ("ListVStorageObject", list_vstorage_objects),
        ("RetrieveVStorageObject", retrieve_vstorage_object),
    ],
};

fn list_vstorage_objects(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let ds = call.args.req_moref("datastore")?;
    if !w.datastores.contains_key(&ds.value) {
        return Err(Fault::not_found(&ds));
    }
    Ok(Some(Value::array("ID", Vec::new())))
}

fn retrieve_vstorage_object(_w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let id = call
        .args
        .child("id")
        .and_then(|i| i.text_of("id"))
        .unwrap_or("");
    Err(Fault::not_found_named(format!(
        "The object or item referred to could not be found: {id}"
    )))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, TestWorld};

    #[test]
    fn no_first_class_disks() {
        let mut t = TestWorld::vcenter();
        let ds = t.datastore("shared-vmfs");
        let m = ("VcenterVStorageObjectManager", "VStorageObjectManager");
        let none = t
            .call(
                m.0,
                m.1,
                "ListVStorageObject",
                &format!("<datastore type=\"Datastore\">{ds}</datastore>"),
            )
            .unwrap()
            .unwrap();
        assert!(none.as_array().unwrap().is_empty());
        assert_eq!(
            fault_type(t.call(
                m.0,
                m.1,
                "ListVStorageObject",
                "<datastore type=\"Datastore\">nowhere</datastore>"
            )),
            "ManagedObjectNotFound"
        );
        assert_eq!(
            fault_type(t.call(m.0, m.1, "RetrieveVStorageObject", "<id><id>x</id></id>")),
            "NotFound"
        );
    }
}
