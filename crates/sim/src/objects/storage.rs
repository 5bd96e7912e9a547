//! Datastores and the objects that work on their files: Datastore, HostDatastoreBrowser
//! (searches over the real directories), FileManager and VirtualDiskManager.

use crate::fault::Fault;
use crate::inventory::{DatastoreKind, FoundFile, ServerKind, World};
use crate::object::CallCx;
use crate::soap::Element;
use crate::task::TaskSpec;
use crate::value::{MoRef, Value};

use super::{fault_of, is_unset_entity_property, split_path, walk, STABLE_TIMESTAMP};

/// Top-level Datastore properties.
pub const DATASTORE_PROPERTY_NAMES: &[&str] = &[
    "name",
    "parent",
    "summary",
    "info",
    "host",
    "vm",
    "browser",
    "capability",
    "overallStatus",
];

fn browser_id(w: &World, ds: &str) -> String {
    match w.kind {
        ServerKind::Esx => "ha-host-datastorebrowser".into(),
        ServerKind::Vcenter => format!("datastoreBrowser-{ds}"),
    }
}

/// Whether `id` names a datastore's browser.
pub fn browser_ok(w: &World, id: &str) -> bool {
    match w.kind {
        ServerKind::Esx => id == "ha-host-datastorebrowser",
        ServerKind::Vcenter => id
            .strip_prefix("datastoreBrowser-")
            .is_some_and(|d| w.datastores.contains_key(d) || w.hosts.contains_key(d)),
    }
}

fn ds_info(w: &World, d: &crate::inventory::Datastore) -> Value {
    let free = w.datastore_free(d);
    let (ty, field) = match d.kind {
        DatastoreKind::Vmfs => ("VmfsDatastoreInfo", "vmfs"),
        DatastoreKind::Nfs => ("NasDatastoreInfo", "nas"),
    };
    Value::obj(ty)
        .with("name", Value::str(&d.name))
        .with("url", Value::str(d.mount_path()))
        .with("freeSpace", Value::long(free))
        .with("maxFileSize", Value::long(68_719_476_736_000))
        .with("timestamp", Value::DateTime(STABLE_TIMESTAMP.into()))
        .with(field, super::host::volume_value(d, false))
}

fn summary(w: &World, d: &crate::inventory::Datastore) -> Value {
    let free = w.datastore_free(d);
    let uncommitted: i64 = w
        .vms
        .values()
        .flat_map(|v| crate::inventory::vm_disks(v).into_iter())
        .filter(|(f, _, thin)| *thin && f.starts_with(&format!("[{}]", d.name)))
        .map(|(_, cap, _)| cap.saturating_mul(1024))
        .fold(0i64, |a, b| a.saturating_add(b));
    Value::obj("DatastoreSummary")
        .with("datastore", Value::moref("Datastore", d.moid.clone()))
        .with("name", Value::str(&d.name))
        .with("url", Value::str(d.url()))
        .with("capacity", Value::long(d.capacity))
        .with("freeSpace", Value::long(free))
        .with("uncommitted", Value::long(uncommitted))
        .with("accessible", Value::bool(d.accessible))
        .with("multipleHostAccess", Value::bool(d.hosts.len() > 1))
        .with(
            "type",
            Value::str(match d.kind {
                DatastoreKind::Vmfs => "VMFS",
                DatastoreKind::Nfs => "NFS",
            }),
        )
        .with("maintenanceMode", Value::str("normal"))
}

/// A Datastore property.
pub fn datastore_property(w: &World, moid: &str, path: &str) -> Result<Option<Value>, Fault> {
    let d = w
        .datastores
        .get(moid)
        .ok_or_else(|| Fault::not_found(&MoRef::new("Datastore", moid)))?;
    match path {
        "summary.name" | "name" => return Ok(Some(Value::str(&d.name))),
        "summary.capacity" => return Ok(Some(Value::long(d.capacity))),
        "summary.freeSpace" => return Ok(Some(Value::long(w.datastore_free(d)))),
        "summary.accessible" => return Ok(Some(Value::bool(d.accessible))),
        "summary.url" => return Ok(Some(Value::str(d.url()))),
        "summary.type" => {
            return Ok(Some(Value::str(match d.kind {
                DatastoreKind::Vmfs => "VMFS",
                DatastoreKind::Nfs => "NFS",
            })))
        }
        _ => {}
    }
    let (head, rest) = split_path(path);
    let top = match head {
        "parent" => w.parent_of(moid).map(|p| Value::MoRef(w.mo(&p))),
        "summary" => Some(summary(w, d)),
        "info" => Some(ds_info(w, d)),
        "host" => Some(Value::array(
            "DatastoreHostMount",
            d.hosts
                .iter()
                .map(|h| {
                    Value::obj("DatastoreHostMount")
                        .with("key", Value::moref("HostSystem", h.clone()))
                        .with(
                            "mountInfo",
                            Value::obj("HostMountInfo")
                                .with("path", Value::str(d.mount_path()))
                                .with("accessMode", Value::str("readWrite"))
                                .with("accessible", Value::bool(d.accessible)),
                        )
                })
                .collect(),
        )),
        "vm" => Some(Value::morefs(
            w.vms_on_datastore(&d.name)
                .into_iter()
                .map(|v| MoRef::new("VirtualMachine", v)),
        )),
        "browser" => Some(Value::moref("HostDatastoreBrowser", browser_id(w, moid))),
        "capability" => Some(
            Value::obj("DatastoreCapability")
                .with("directoryHierarchySupported", Value::bool(true))
                .with(
                    "rawDiskMappingsSupported",
                    Value::bool(d.kind == DatastoreKind::Vmfs),
                )
                .with("perFileThinProvisioningSupported", Value::bool(true))
                .with("storageIORMSupported", Value::bool(true))
                .with("nativeSnapshotSupported", Value::bool(false))
                .with("topLevelDirectoryCreateSupported", Value::bool(true))
                .with(
                    "seSparseSupported",
                    Value::bool(d.kind == DatastoreKind::Vmfs),
                ),
        ),
        "overallStatus" | "configStatus" => Some(Value::enumv("ManagedEntityStatus", "green")),
        "alarmActionsEnabled" => Some(Value::bool(true)),
        "recentTask" => None,
        p if is_unset_entity_property(p) => None,
        _ => return Err(Fault::invalid_property(path)),
    };
    walk(top, rest)
}

/// A HostDatastoreBrowser property.
pub fn browser_property(w: &World, obj: &MoRef, path: &str) -> Result<Option<Value>, Fault> {
    let (head, rest) = split_path(path);
    let top = match head {
        "datastore" => {
            let ids: Vec<String> = match obj.value.strip_prefix("datastoreBrowser-") {
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

fn task(
    cx: &mut CallCx<'_>,
    this: &MoRef,
    name: &str,
    desc: &str,
    entity: Option<(MoRef, String)>,
    op: impl FnOnce() -> Result<Option<Value>, Fault>,
) -> Result<Option<Value>, Fault> {
    let (entity, entity_name) = match entity {
        Some((e, n)) => (Some(e), Some(n)),
        None => (Some(this.clone()), None),
    };
    let t = cx.tasks.run(
        TaskSpec {
            entity,
            entity_name,
            name: name.into(),
            description_id: desc.into(),
            cancelable: false,
        },
        cx.user,
        op,
    );
    Ok(Some(Value::MoRef(t)))
}

fn ds_entity(w: &World, path: &str) -> Option<(MoRef, String)> {
    let (ds, _) = crate::inventory::vmx::split_datastore_path(path)?;
    let d = w.datastore_by_name(ds)?;
    Some((MoRef::new("Datastore", d.moid.clone()), d.name.clone()))
}

/// Datastore, browser, FileManager and VirtualDiskManager methods.
pub fn invoke(
    w: &mut World,
    cx: &mut CallCx<'_>,
    this: &MoRef,
    method: &str,
    args: &Element,
) -> Result<Option<Value>, Fault> {
    let fe = |e| fault_of(e, this);
    match (this.ty.as_ref(), method) {
        ("Datastore", "RefreshDatastore" | "RefreshDatastoreStorageInfo") => Ok(None),
        ("HostDatastoreBrowser", "SearchDatastore_Task" | "SearchDatastoreSubFolders_Task") => {
            let path = args.req_text("datastorePath")?.to_string();
            let spec = parse_spec(args);
            let recursive = method == "SearchDatastoreSubFolders_Task";
            let ent = ds_entity(w, &path);
            let desc = if recursive {
                "HostDatastoreBrowser.searchSubFolders"
            } else {
                "HostDatastoreBrowser.search"
            };
            let w: &World = w;
            task(cx, this, method, desc, ent, || {
                search(w, &path, &spec, recursive).map(Some)
            })
        }
        ("FileManager", "MakeDirectory") => {
            let name = args.req_text("name")?.to_string();
            let parents = args.bool_of("createParentDirectories")?.unwrap_or(false);
            w.make_directory(&name, parents).map_err(fe)?;
            Ok(None)
        }
        ("FileManager", "DeleteDatastoreFile_Task") => {
            let name = args.req_text("name")?.to_string();
            let ent = ds_entity(w, &name);
            let w: &World = w;
            task(cx, this, method, "FileManager.deleteFile", ent, || {
                w.delete_file(&name).map(|_| None).map_err(fe)
            })
        }
        ("FileManager", "CopyDatastoreFile_Task" | "MoveDatastoreFile_Task") => {
            let src = args.req_text("sourceName")?.to_string();
            let dst = args.req_text("destinationName")?.to_string();
            let force = args.bool_of("force")?.unwrap_or(false);
            let mv = method.starts_with("Move");
            let ent = ds_entity(w, &src);
            let desc = if mv {
                "FileManager.moveFile"
            } else {
                "FileManager.copyFile"
            };
            let w: &World = w;
            task(cx, this, method, desc, ent, || {
                w.copy_or_move(&src, &dst, force, mv)
                    .map(|_| None)
                    .map_err(fe)
            })
        }
        ("VirtualDiskManager", "CreateVirtualDisk_Task") => {
            let name = args.req_text("name")?.to_string();
            let spec = args
                .child("spec")
                .ok_or_else(|| Fault::missing_argument("spec"))?;
            let cap = spec
                .i64_of("capacityKb")?
                .ok_or_else(|| Fault::invalid_argument("spec.capacityKb"))?;
            let disk_type = spec.text_of("diskType").unwrap_or("thin").to_string();
            let adapter = spec
                .text_of("adapterType")
                .unwrap_or("lsiLogic")
                .to_string();
            let thin =
                disk_type == "thin" || disk_type == "sparseMonolithic" || disk_type == "seSparse";
            let ent = ds_entity(w, &name);
            let w: &World = w;
            task(
                cx,
                this,
                method,
                "VirtualDiskManager.createVirtualDisk",
                ent,
                || {
                    if ![
                        "thin",
                        "thick",
                        "preallocated",
                        "eagerZeroedThick",
                        "sparseMonolithic",
                        "flatMonolithic",
                        "seSparse",
                        "thick2Gb",
                        "sparse2Gb",
                        "delta",
                        "rdm",
                        "rdmp",
                    ]
                    .contains(&disk_type.as_str())
                    {
                        return Err(Fault::invalid_argument("spec.diskType"));
                    }
                    w.create_virtual_disk(&name, cap, thin, &adapter)
                        .map_err(fe)?;
                    if disk_type == "eagerZeroedThick" {
                        w.zero_fill_virtual_disk(&name).map_err(fe)?;
                    }
                    Ok(Some(Value::any(Value::str(name.clone()))))
                },
            )
        }
        ("VirtualDiskManager", "CopyVirtualDisk_Task" | "MoveVirtualDisk_Task") => {
            // A move is a copy followed by deleting the source; only a copy returns a result
            // (the new disk's name).
            let moving = method == "MoveVirtualDisk_Task";
            let src = args.req_text("sourceName")?.to_string();
            let dst = args.req_text("destName")?.to_string();
            let force = args.bool_of("force")?.unwrap_or(false);
            let ent = ds_entity(w, &dst);
            let w: &World = w;
            let description = if moving {
                "VirtualDiskManager.moveVirtualDisk"
            } else {
                "VirtualDiskManager.copyVirtualDisk"
            };
            task(cx, this, method, description, ent, || {
                w.copy_virtual_disk(&src, &dst, force).map_err(fe)?;
                if moving {
                    w.delete_virtual_disk(&src).map_err(fe)?;
                    return Ok(None);
                }
                Ok(Some(Value::any(Value::str(dst.clone()))))
            })
        }
        ("VirtualDiskManager", "DeleteVirtualDisk_Task") => {
            let name = args.req_text("name")?.to_string();
            let ent = ds_entity(w, &name);
            let w: &World = w;
            task(
                cx,
                this,
                method,
                "VirtualDiskManager.deleteVirtualDisk",
                ent,
                || w.delete_virtual_disk(&name).map(|_| None).map_err(fe),
            )
        }
        ("VirtualDiskManager", "ZeroFillVirtualDisk_Task" | "EagerZeroVirtualDisk_Task") => {
            let name = args.req_text("name")?.to_string();
            let ent = ds_entity(w, &name);
            let w: &World = w;
            task(
                cx,
                this,
                method,
                "VirtualDiskManager.zeroFillVirtualDisk",
                ent,
                || w.zero_fill_virtual_disk(&name).map(|_| None).map_err(fe),
            )
        }
        ("VirtualDiskManager", "ExtendVirtualDisk_Task") => {
            let name = args.req_text("name")?.to_string();
            let cap = args
                .i64_of("newCapacityKb")?
                .ok_or_else(|| Fault::missing_argument("newCapacityKb"))?;
            let ent = ds_entity(w, &name);
            let w: &World = w;
            task(
                cx,
                this,
                method,
                "VirtualDiskManager.extendVirtualDisk",
                ent,
                || {
                    let info = w.disk_info(&name).map_err(fe)?;
                    if cap < info.capacity_kb {
                        return Err(Fault::invalid_argument("newCapacityKb"));
                    }
                    // Rewrite the descriptor with the new size and grow the extent.
                    let p = w.resolve(&name).map_err(fe)?;
                    let text = std::fs::read_to_string(&p)
                        .map_err(|e| Fault::system_error(e.to_string()))?;
                    let text = text
                        .lines()
                        .map(|l| {
                            if let Some(rest) = l.strip_prefix("RW ") {
                                let tail = rest.split_once(' ').map(|(_, t)| t).unwrap_or("");
                                format!("RW {} {tail}", cap.saturating_mul(2))
                            } else {
                                l.to_string()
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("\n");
                    std::fs::write(&p, text + "\n")
                        .map_err(|e| Fault::system_error(e.to_string()))?;
                    let flat = p.to_string_lossy().replace(".vmdk", "-flat.vmdk");
                    if let Ok(f) = std::fs::OpenOptions::new().write(true).open(flat) {
                        let _ = f.set_len((cap as u64).saturating_mul(1024));
                    }
                    Ok(None)
                },
            )
        }
        ("VirtualDiskManager", "QueryVirtualDiskUuid") => {
            let name = args.req_text("name")?;
            let info = w.disk_info(name).map_err(fe)?;
            Ok(Some(Value::str(info.uuid)))
        }
        ("VirtualDiskManager", "SetVirtualDiskUuid") => Ok(None),
        (ty, m) => Err(Fault::method_not_found(ty, m)),
    }
}
