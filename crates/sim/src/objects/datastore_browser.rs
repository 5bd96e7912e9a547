//! `HostDatastoreBrowser`: searches over the datastores' real directories
//! (`SearchDatastore_Task`, `SearchDatastoreSubFolders_Task`) with the `FileInfo` subtype of
//! each file (disks with their descriptor's facts).

use crate::fault::Fault;
use crate::inventory::{FoundFile, ServerKind, World};
use crate::object::CallCx;
use crate::soap::Element;
use crate::value::{MoRef, Value};

use super::common::{datastore_task, fault_of, split_path, walk};
use super::entry::{Call, Ids, ManagedType, Reply};

/// The `HostDatastoreBrowser` type.
pub const TYPE: ManagedType = ManagedType {
    name: "HostDatastoreBrowser",
    ids: Ids::Records(browser_ok),
    properties: &["datastore", "supportedType"],
    property,
    methods: &[
        ("SearchDatastore_Task", search_datastore),
        ("SearchDatastoreSubFolders_Task", search_datastore),
    ],
};

/// The browser of a datastore or a host (`owner` is its id): one per host agent, one per
/// datastore or host on a vCenter.
pub fn browser_id(w: &World, owner: &str) -> String {
    match w.kind {
        ServerKind::Esx => "ha-host-datastorebrowser".into(),
        ServerKind::Vcenter => format!("datastoreBrowser-{owner}"),
    }
}

/// Whether `id` names a datastore's browser.
fn browser_ok(w: &World, id: &str) -> bool {
    match w.kind {
        ServerKind::Esx => id == "ha-host-datastorebrowser",
        ServerKind::Vcenter => id
            .strip_prefix("datastoreBrowser-")
            .is_some_and(|d| w.datastores.contains_key(d) || w.hosts.contains_key(d)),
    }
}

fn property(w: &World, id: &str, path: &str) -> Reply {
    let (head, rest) = split_path(path);
    let top = match head {
        "datastore" => {
            let ids: Vec<String> = match id.strip_prefix("datastoreBrowser-") {
                Some(d) if w.datastores.contains_key(d) => vec![d.to_string()],
                Some(h) => w
                    .hosts
                    .get(h)
                    .map(|h| h.datastores.clone())
                    .unwrap_or_default(),
                None => w.datastores.keys().cloned().collect(),
            };
            Some(w.mos(ids.iter()))
        }
        "supportedType" => Some(Value::array(
            "FileQuery",
            [
                "FolderFileQuery",
                "VmConfigFileQuery",
                "VmDiskFileQuery",
                "VmLogFileQuery",
                "VmNvramFileQuery",
                "VmSnapshotFileQuery",
                "IsoImageFileQuery",
                "FloppyImageFileQuery",
            ]
            .iter()
            .map(|t| Value::obj(*t))
            .collect(),
        )),
        _ => return Err(Fault::invalid_property(path)),
    };
    walk(top, rest)
}

/// The FileInfo subtype of a file name.
fn classify(name: &str, is_dir: bool) -> &'static str {
    if is_dir {
        return "FolderFileInfo";
    }
    const BY_SUFFIX: &[(&str, &str)] = &[
        (".vmdk", "VmDiskFileInfo"),
        (".vmx", "VmConfigFileInfo"),
        (".vmtx", "TemplateConfigFileInfo"),
        (".iso", "IsoImageFileInfo"),
        (".flp", "FloppyImageFileInfo"),
        (".log", "VmLogFileInfo"),
        (".nvram", "VmNvramFileInfo"),
        (".vmsn", "VmSnapshotFileInfo"),
    ];
    let l = name.to_ascii_lowercase();
    BY_SUFFIX
        .iter()
        .find(|(suffix, _)| l.ends_with(suffix))
        .map_or("FileInfo", |(_, info)| info)
}

/// The query type that selects a FileInfo subtype.
fn query_of(info: &str) -> &str {
    match info {
        "FolderFileInfo" => "FolderFileQuery",
        "VmDiskFileInfo" => "VmDiskFileQuery",
        "VmConfigFileInfo" => "VmConfigFileQuery",
        "TemplateConfigFileInfo" => "TemplateConfigFileQuery",
        "IsoImageFileInfo" => "IsoImageFileQuery",
        "FloppyImageFileInfo" => "FloppyImageFileQuery",
        "VmLogFileInfo" => "VmLogFileQuery",
        "VmNvramFileInfo" => "VmNvramFileQuery",
        "VmSnapshotFileInfo" => "VmSnapshotFileQuery",
        _ => "FileQuery",
    }
}

struct SearchSpec {
    queries: Vec<String>,
    patterns: Vec<String>,
    file_size: bool,
    modification: bool,
    file_type: bool,
}

fn parse_spec(args: &Element) -> SearchSpec {
    let spec = args.child("searchSpec");
    let queries = spec
        .map(|s| {
            s.children_named("query")
                .map(|q| q.type_or("FileQuery").to_string())
                .collect()
        })
        .unwrap_or_default();
    let patterns = spec
        .map(|s| s.strings_of("matchPattern"))
        .unwrap_or_default();
    let det = spec.and_then(|s| s.child("details"));
    let flag = |n: &str| {
        det.and_then(|d| d.bool_of(n).ok().flatten())
            .unwrap_or(false)
    };
    SearchSpec {
        queries,
        patterns,
        file_size: flag("fileSize"),
        modification: flag("modification"),
        file_type: det.is_none() || flag("fileType"),
    }
}

fn file_value(w: &World, folder: &str, f: &FoundFile, spec: &SearchSpec) -> Option<Value> {
    let mut ty = classify(&f.name, f.is_dir);
    if !spec.queries.is_empty() {
        let q = query_of(ty);
        if !spec.queries.iter().any(|x| x == q || x == "FileQuery") {
            return None;
        }
        if !spec.queries.iter().any(|x| x == q) {
            ty = "FileInfo";
        }
    }
    if !spec.file_type {
        ty = "FileInfo";
    }
    let mut v = Value::obj(ty).with("path", Value::str(&f.name));
    if ty == "VmDiskFileInfo" {
        // Only a real descriptor is a disk.
        let path = if folder.ends_with(']') {
            format!("{folder} {}", f.name)
        } else {
            format!("{folder}/{}", f.name)
        };
        let info = w.disk_info(&path).ok()?;
        v = Value::obj(ty).with("path", Value::str(&f.name));
        if spec.file_size {
            v = v.with("fileSize", Value::long(f.allocated));
        }
        if spec.modification {
            v = v.with("modification", Value::DateTime(f.modified.clone()));
        }
        return Some(
            v.with("diskType", Value::str("VirtualDiskFlatVer2BackingInfo"))
                .with("capacityKb", Value::long(info.capacity_kb))
                .with(
                    "hardwareVersion",
                    Value::int(info.hw_version.parse().unwrap_or(14)),
                )
                .with(
                    "controllerType",
                    Value::str(match info.adapter.as_str() {
                        "ide" => "VirtualIDEController",
                        "buslogic" => "VirtualBusLogicController",
                        "lsisas1068" => "VirtualLsiLogicSASController",
                        "pvscsi" => "ParaVirtualSCSIController",
                        _ => "VirtualLsiLogicController",
                    }),
                )
                .with("thin", Value::bool(info.thin)),
        );
    }
    if spec.file_size && !f.is_dir {
        v = v.with("fileSize", Value::long(f.size));
    } else if spec.file_size {
        v = v.with("fileSize", Value::long(4096));
    }
    if spec.modification {
        v = v.with("modification", Value::DateTime(f.modified.clone()));
    }
    Some(v)
}

fn search(w: &World, path: &str, spec: &SearchSpec, recursive: bool) -> Result<Value, Fault> {
    let this = MoRef::new("HostDatastoreBrowser", "");
    let (ds, _) = crate::inventory::vmx::split_datastore_path(path.trim()).ok_or_else(|| {
        fault_of(
            crate::inventory::InvError::InvalidDatastorePath(path.into()),
            &this,
        )
    })?;
    let ds_moid = w
        .datastore_by_name(ds)
        .map(|d| d.moid.clone())
        .ok_or_else(|| {
            fault_of(
                crate::inventory::InvError::InvalidDatastore(ds.into()),
                &this,
            )
        })?;
    let folders = w
        .search_datastore(path.trim(), &spec.patterns, recursive)
        .map_err(|e| fault_of(e, &this))?;
    let results: Vec<Value> = folders
        .iter()
        .map(|f| {
            let files: Vec<Value> = f
                .files
                .iter()
                .filter(|x| {
                    // Folders are listed in a recursive search only when they match too.
                    !x.is_dir
                        || spec.patterns.is_empty()
                        || spec
                            .patterns
                            .iter()
                            .any(|p| crate::inventory::glob_match(p, &x.name))
                })
                .filter_map(|x| file_value(w, &f.folder_path, x, spec))
                .collect();
            Value::obj("HostDatastoreBrowserSearchResults")
                .with("datastore", Value::moref("Datastore", ds_moid.clone()))
                .with("folderPath", Value::str(&f.folder_path))
                .with("file", Value::array("FileInfo", files))
        })
        .collect();
    if recursive {
        Ok(Value::array("HostDatastoreBrowserSearchResults", results))
    } else {
        results
            .into_iter()
            .next()
            .ok_or_else(|| Fault::file_not_found(path))
    }
}

/// `SearchDatastore_Task` (one folder) and `SearchDatastoreSubFolders_Task` (recursive).
fn search_datastore(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { method, args, .. } = *call;
    let path = args.req_text("datastorePath")?.to_string();
    let spec = parse_spec(args);
    let recursive = method == "SearchDatastoreSubFolders_Task";
    let desc = if recursive {
        "HostDatastoreBrowser.searchSubFolders"
    } else {
        "HostDatastoreBrowser.search"
    };
    datastore_task(w, cx, call, &path, desc, |w| {
        search(w, &path, &spec, recursive).map(Some)
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, refs, TestWorld};
    use crate::value::Value;

    const B: &str = "ha-host-datastorebrowser";

    /// Runs task method `method` of the host's datastore browser.
    fn browse(t: &mut TestWorld, method: &str, args: &str) -> crate::object::Reply {
        t.run("HostDatastoreBrowser", B, method, args)
    }

    #[test]
    fn searches_folders_and_subfolders() {
        let mut t = TestWorld::esx();
        assert_eq!(
            refs(&t.get("HostDatastoreBrowser", B, "datastore")).len(),
            2
        );
        let found = t
            .run(
                "HostDatastoreBrowser",
                B,
                "SearchDatastore_Task",
                "<datastorePath>[datastore1] web01</datastorePath><searchSpec><matchPattern>*.vmx</matchPattern></searchSpec>",
            )
            .unwrap()
            .unwrap();
        assert_eq!(
            found.path("folderPath"),
            Some(&Value::str("[datastore1] web01"))
        );
        let files = found.path("file").and_then(Value::as_array).unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].as_obj().unwrap().ty, "VmConfigFileInfo");
        let all = t
            .run(
                "HostDatastoreBrowser",
                B,
                "SearchDatastoreSubFolders_Task",
                "<datastorePath>[datastore1]</datastorePath><searchSpec><query xsi:type=\"VmDiskFileQuery\"/><details><fileType>true</fileType><fileSize>true</fileSize></details></searchSpec>",
            )
            .unwrap()
            .unwrap();
        let disks: usize = all
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r.path("file")
                    .and_then(Value::as_array)
                    .map_or(0, |f| f.len())
            })
            .sum();
        assert!(disks >= 5, "{disks} disks found");
    }

    #[test]
    fn bad_paths_and_datastores() {
        let mut t = TestWorld::esx();
        let search = |p: &str| format!("<datastorePath>{p}</datastorePath>");
        let r = browse(&mut t, "SearchDatastore_Task", &search("datastore1/web01"));
        assert_eq!(fault_type(r), "InvalidDatastorePath");
        let r = browse(&mut t, "SearchDatastore_Task", &search("[nowhere] x"));
        assert_eq!(fault_type(r), "InvalidDatastore");
        let r = browse(
            &mut t,
            "SearchDatastore_Task",
            &search("[datastore1] nothing-here"),
        );
        assert_eq!(fault_type(r), "FileNotFound");
        let r = t.call("HostDatastoreBrowser", B, "SearchDatastore_Task", "");
        assert_eq!(fault_type(r), "InvalidRequest");
    }
}
