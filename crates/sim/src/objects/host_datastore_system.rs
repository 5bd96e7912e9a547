//! `HostDatastoreSystem`: the datastores a host mounts, and mounting new ones (a local
//! directory, an NFS export) or removing them.

use crate::fault::Fault;
use crate::inventory::{DatastoreKind, World};
use crate::object::CallCx;
use crate::value::Value;

use super::common::{fault_of, split_path, walk};
use super::entry::{Call, Ids, ManagedType, Reply};

/// The `HostDatastoreSystem` type.
pub const TYPE: ManagedType = ManagedType {
    name: "HostDatastoreSystem",
    ids: Ids::PerHost {
        esx: "ha-datastoresystem",
        vcenter_prefix: "datastoreSystem-",
    },
    properties: &["datastore", "capabilities"],
    property,
    methods: &[
        ("RefreshDatastore", |_, _, _| Ok(None)),
        ("CreateLocalDatastore", create_local),
        ("CreateNasDatastore", create_nas),
        ("RemoveDatastore", remove),
    ],
};

/// `CreateLocalDatastore(name, path)`.
fn create_local(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let name = args.req_text("name")?;
    let path = args.req_text("path")?;
    if !path.starts_with('/') {
        return Err(Fault::invalid_argument("path"));
    }
    let host = TYPE.host_id(w, &this.value)?;
    let id = w
        .mount_datastore(&host, name, DatastoreKind::Local, None, Some(path))
        .map_err(|e| fault_of(e, this))?;
    Ok(Some(Value::moref("Datastore", id)))
}

/// `CreateNasDatastore(spec)`: an NFS export named `spec.localPath`.
fn create_nas(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let spec = args.req_child("spec")?;
    let name = spec.req_text("localPath")?;
    let remote_host = spec.req_text("remoteHost")?;
    let remote_path = spec.req_text("remotePath")?;
    let host = TYPE.host_id(w, &this.value)?;
    let id = w
        .mount_datastore(
            &host,
            name,
            DatastoreKind::Nfs,
            Some((remote_host, remote_path)),
            None,
        )
        .map_err(|e| fault_of(e, this))?;
    Ok(Some(Value::moref("Datastore", id)))
}

/// `RemoveDatastore(datastore)`: unmounts it from this host.
fn remove(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let ds = args.req_moref("datastore")?;
    let host = TYPE.host_id(w, &this.value)?;
    w.unmount_datastore(&host, &ds.value)
        .map_err(|e| fault_of(e, &ds))?;
    Ok(None)
}

fn property(w: &World, id: &str, path: &str) -> Reply {
    let h = TYPE.host(w, id)?;
    let (head, rest) = split_path(path);
    let top = match head {
        "datastore" => Some(w.mos(h.datastores.iter())),
        "capabilities" => Some(
            Value::obj("HostDatastoreSystemCapabilities")
                .with("nfsMountCreationRequired", Value::bool(true))
                .with("nfsMountCreationSupported", Value::bool(true))
                .with("localDatastoreSupported", Value::bool(true))
                .with("vmfsExtentExpansionSupported", Value::bool(true)),
        ),
        _ => return Err(Fault::invalid_property(path)),
    };
    walk(top, rest)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, refs, TestWorld};
    use crate::value::Value;

    #[test]
    fn datastores_of_the_host() {
        let mut t = TestWorld::vcenter();
        let h = t.host("esx-04.example.com");
        let id = format!("datastoreSystem-{h}");
        let ds = refs(&t.get("HostDatastoreSystem", &id, "datastore"));
        let local = format!("Datastore:{}", t.datastore("local-esx04"));
        assert!(ds.contains(&local), "{ds:?}");
        assert_eq!(
            t.get(
                "HostDatastoreSystem",
                &id,
                "capabilities.nfsMountCreationSupported"
            ),
            Value::bool(true)
        );
        assert_eq!(
            t.call("HostDatastoreSystem", &id, "RefreshDatastore", ""),
            Ok(None)
        );
        assert_eq!(
            fault_type(t.read(
                "HostDatastoreSystem",
                "datastoreSystem-host-999",
                "datastore"
            )),
            "ManagedObjectNotFound"
        );
    }

    #[test]
    fn mount_and_remove() {
        let mut t = TestWorld::vcenter();
        let h = t.host("esx-04.example.com");
        let id = format!("datastoreSystem-{h}");
        let made = t
            .call(
                "HostDatastoreSystem",
                &id,
                "CreateLocalDatastore",
                "<name>tmpds</name><path>/tmp</path>",
            )
            .unwrap()
            .unwrap();
        let ds = made.as_moref().unwrap().value.clone();
        assert_eq!(t.get("Datastore", &ds, "summary.type"), Value::str("OTHER"));
        assert_eq!(t.get("Datastore", &ds, "info.path"), Value::str("/tmp"));
        assert_eq!(
            fault_type(t.call(
                "HostDatastoreSystem",
                &id,
                "CreateLocalDatastore",
                "<name>tmpds</name><path>/tmp</path>"
            )),
            "DuplicateName"
        );
        // The same export from another host is the same datastore.
        let nas = "<spec><remoteHost>10.0.0.9</remoteHost><remotePath>/exp</remotePath><localPath>nas9</localPath><accessMode>readWrite</accessMode></spec>";
        let a = t
            .call("HostDatastoreSystem", &id, "CreateNasDatastore", nas)
            .unwrap()
            .unwrap();
        let other = t.host("esx-01.example.com");
        let b = t
            .call(
                "HostDatastoreSystem",
                &format!("datastoreSystem-{other}"),
                "CreateNasDatastore",
                nas,
            )
            .unwrap()
            .unwrap();
        assert_eq!(a, b);
        t.call(
            "HostDatastoreSystem",
            &id,
            "RemoveDatastore",
            &format!("<datastore type=\"Datastore\">{ds}</datastore>"),
        )
        .unwrap();
        assert!(!t.w.datastores.contains_key(&ds));
    }
}
