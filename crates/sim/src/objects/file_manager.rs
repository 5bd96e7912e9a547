//! `FileManager`: datastore directories and files (make, delete, copy, move).

use crate::fault::Fault;
use crate::inventory::World;
use crate::object::CallCx;

use super::common::{datastore_task, fault_of, named_path_task};
use super::entry::{Call, Ids, ManagedType, Reply};

/// The `FileManager` type.
pub const TYPE: ManagedType = ManagedType {
    name: "FileManager",
    ids: Ids::Service("fileManager"),
    properties: &[],
    property: |_, _, path| Err(Fault::invalid_property(path)),
    methods: &[
        ("MakeDirectory", make_directory),
        ("DeleteDatastoreFile_Task", delete_file),
        ("CopyDatastoreFile_Task", copy_or_move),
        ("MoveDatastoreFile_Task", copy_or_move),
    ],
};

/// `MakeDirectory`, with its parents when asked.
fn make_directory(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let fe = |e| fault_of(e, this);
    let name = args.req_text("name")?.to_string();
    let parents = args.bool_of("createParentDirectories")?.unwrap_or(false);
    w.make_directory(&name, parents).map_err(fe)?;
    Ok(None)
}

/// `DeleteDatastoreFile_Task`: a file or a whole directory.
fn delete_file(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    named_path_task(w, cx, call, "FileManager.deleteFile", World::delete_file)
}

/// `CopyDatastoreFile_Task` and `MoveDatastoreFile_Task`.
fn copy_or_move(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, method, args } = *call;
    let fe = |e| fault_of(e, this);
    let src = args.req_text("sourceName")?.to_string();
    let dst = args.req_text("destinationName")?.to_string();
    let force = args.bool_of("force")?.unwrap_or(false);
    let mv = method.starts_with("Move");
    let desc = if mv {
        "FileManager.moveFile"
    } else {
        "FileManager.copyFile"
    };
    datastore_task(w, cx, call, &src, desc, |w| {
        w.copy_or_move(&src, &dst, force, mv)
            .map(|_| None)
            .map_err(fe)
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, TestWorld};

    const FM: &str = "ha-nfc-file-manager";

    #[test]
    fn directories_and_files() {
        let mut t = TestWorld::esx();
        t.call(
            "FileManager",
            FM,
            "MakeDirectory",
            "<name>[datastore1] a/b</name><createParentDirectories>true</createParentDirectories>",
        )
        .unwrap();
        assert!(t.w.resolve("[datastore1] a/b").unwrap().is_dir());
        t.run("FileManager", FM, "CopyDatastoreFile_Task", "<sourceName>[datastore1] tiny/tiny.vmx</sourceName><destinationName>[datastore1] a/b/copy.vmx</destinationName>")
            .unwrap();
        assert!(t.w.resolve("[datastore1] a/b/copy.vmx").unwrap().is_file());
        t.run("FileManager", FM, "MoveDatastoreFile_Task", "<sourceName>[datastore1] a/b/copy.vmx</sourceName><destinationName>[datastore1] a/moved.vmx</destinationName>")
            .unwrap();
        assert!(!t.w.resolve("[datastore1] a/b/copy.vmx").unwrap().exists());
        t.run(
            "FileManager",
            FM,
            "DeleteDatastoreFile_Task",
            "<name>[datastore1] a</name>",
        )
        .unwrap();
        assert!(!t.w.resolve("[datastore1] a").unwrap().exists());
        // (task?, method, name, fault)
        for (task, method, name, fault) in [
            (true, "DeleteDatastoreFile_Task", "a", "FileNotFound"),
            (false, "MakeDirectory", "x/y/z", "FileNotFound"),
            (false, "MakeDirectory", "../escape", "InvalidDatastorePath"),
        ] {
            let args = format!("<name>[datastore1] {name}</name>");
            let r = if task {
                t.run("FileManager", FM, method, &args)
            } else {
                t.call("FileManager", FM, method, &args)
            };
            assert_eq!(fault_type(r), fault, "{method} {name}");
        }
    }
}
