//! `DatastoreNamespaceManager`: top-level directories ("namespaces") of object datastores
//! (vSAN, VVol). The simulated datastores are VMFS and NFS, which take ordinary
//! directories (`FileManager.MakeDirectory`) instead, so the namespace calls are refused
//! as a server refuses them for such datastores.

use crate::fault::Fault;
use crate::inventory::World;
use crate::object::CallCx;
use crate::value::Value;

use super::entry::{Call, Ids, ManagedType, Reply};

/// The `DatastoreNamespaceManager` type.
pub const TYPE: ManagedType = ManagedType {
    name: "DatastoreNamespaceManager",
    ids: Ids::Service("datastoreNamespaceManager"),
    properties: &[],
    property: |_, _, path| Err(Fault::invalid_property(path)),
    methods: &[
        ("CreateDirectory", create_directory),
        ("DeleteDirectory", delete_directory),
    ],
};

/// Refuses a namespace on datastore `name` (which does not take namespaces).
fn not_an_object_datastore(name: &str) -> Fault {
    Fault::new(
        "InvalidDatastore",
        format!("The datastore '{name}' does not support namespaces."),
    )
    .with("name", Value::str(name))
}

/// `CreateDirectory(datastore, displayName)`.
fn create_directory(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let ds = call.args.req_moref("datastore")?;
    call.args.req_text("displayName")?;
    let d = w
        .datastores
        .get(&ds.value)
        .ok_or_else(|| Fault::not_found(&ds))?;
    Err(not_an_object_datastore(&d.name))
}

/// `DeleteDirectory(datacenter, datastorePath)`.
fn delete_directory(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let path = call.args.req_text("datastorePath")?;
    let Some((ds, _)) = crate::inventory::vmx::split_datastore_path(path) else {
        return Err(Fault::new(
            "InvalidDatastorePath",
            format!("Invalid datastore path '{path}'."),
        )
        .with("datastorePath", Value::str(path)));
    };
    if w.datastore_by_name(ds).is_none() {
        return Err(
            Fault::new("InvalidDatastore", format!("Invalid datastore '{ds}'."))
                .with("name", Value::str(ds)),
        );
    }
    Err(not_an_object_datastore(ds))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, TestWorld};

    #[test]
    fn vmfs_and_nfs_take_no_namespaces() {
        let mut t = TestWorld::esx();
        let id = "ha-datastore-namespace-manager";
        let ds = t.datastore("datastore1");
        assert_eq!(
            fault_type(t.call(
                "DatastoreNamespaceManager",
                id,
                "CreateDirectory",
                &format!(
                    "<datastore type=\"Datastore\">{ds}</datastore><displayName>x</displayName>"
                )
            )),
            "InvalidDatastore"
        );
        assert_eq!(
            fault_type(t.call(
                "DatastoreNamespaceManager",
                id,
                "DeleteDirectory",
                "<datastorePath>[nowhere] x</datastorePath>"
            )),
            "InvalidDatastore"
        );
    }
}
