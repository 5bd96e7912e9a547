//! The datastore backend (VMFS, NFS, local, vSAN, vVol and any other datastore), as
//! libvirt's ESX VMFS backend presents them: a pool's UUID is the MD5 of its mount path;
//! volumes are the disk, ISO and floppy images the datastore browser finds, named `dir/file`
//! inside the pool and keyed by the disk's UUID on an ESX host (else by their path); disks
//! are created, copied, deleted and wiped through the VirtualDiskManager.
//!
//! The pool XML by the datastore's `info` type:
//!
//! | `info` | pool type | `<source>` | `<target><path>` |
//! | --- | --- | --- | --- |
//! | `VmfsDatastoreInfo` | `fs` | `<format type='vmfs'/>` | the host's mount path |
//! | `NasDatastoreInfo` | `netfs` | `<host name=REMOTE/>`, `<dir path=EXPORT/>`, `<format type='nfs'/>` (NFS 3 and 4.1) or `'cifs'` | the host's mount path |
//! | `LocalDatastoreInfo` | `dir` | none | the host's mount path |
//! | anything else: `VsanDatastoreInfo`, `VvolDatastoreInfo`, `PMemDatastoreInfo`, a plain `DatastoreInfo` (vSAN datastores in some vCenter 6.7/7.0 answers, VMware Cloud on AWS's `WorkloadDatastore`), a subtype this client does not know | `dir` | none | the host's mount path (`/vmfs/volumes/vsan:52...`, `/vmfs/volumes/vvol:6a...`) |
//!
//! The first three are libvirt's; libvirt 9.0 refuses the rest ("DatastoreInfo has
//! unexpected type"). A vSAN or vVol datastore is an object store that each host presents
//! as a directory tree under its mount path (its files are reached through the datastore
//! browser and the `/folder` interface like any other datastore's), which is what a `dir`
//! pool is; libvirt's other pool types would claim a block device, a network file system or
//! a volume manager it is not. For every type, `<capacity>` is `summary.capacity`,
//! `<available>` `summary.freeSpace` and `<allocation>` their difference (all 0 when the
//! datastore is inaccessible), as `pool-info` reports them; `<target>` carries the all-zero
//! `<permissions>` libvirt writes for every datastore.

use esxvirt_vi::property::{property_spec, traverse};
use esxvirt_vi::props::{datastore as ds, host_system as host};
use esxvirt_vi::{
    AnyDatastoreInfo, AnyFileInfo, AnyFileQuery, AnyVirtualDiskSpec, Client,
    FileBackedVirtualDiskSpec, FileQueryFlags, FloppyImageFileQuery,
    HostDatastoreBrowserSearchResults, HostDatastoreBrowserSearchSpec, IsoImageFileQuery,
    ManagedObjectReference, Value, VirtualDiskSpec, VmDiskFileQuery, VmDiskFileQueryFlags,
};
use esxvirt_xml::storage::pool::{PoolHost, PoolType, StoragePool as XmlPool};
use esxvirt_xml::storage::volume::{StorageVolume as XmlVolume, VmdkCreatePlan, VolumeType};

use super::transfer::DataFile;
use super::{pool_not_found, Backend, Found, PoolBackend, StoragePool, StorageVol};
use crate::connection::engine::specs::filter;
use crate::connection::engine::{Change, Landed, Locator, Props};
use crate::connection::Connection;
use crate::error::{vi_err, Error, ErrorCode, Result};
use crate::file_names::DatastoreMount;
use crate::types::{StoragePoolInfo, StoragePoolState, StorageVolInfo, StorageVolType};
use crate::uuid::{format_uuid, parse_uuid};

/// The datastore backend.
pub(crate) struct Vmfs;

/// What a datastore pool is read with.
const DATASTORE_PATHS: &[&str] = &[
    ds::SUMMARY_NAME.path(),
    ds::SUMMARY_ACCESSIBLE.path(),
    ds::SUMMARY_CAPACITY.path(),
    ds::SUMMARY_FREE_SPACE.path(),
    ds::INFO.path(),
    ds::HOST.path(),
    ds::BROWSER.path(),
    ds::SUMMARY_TYPE_.path(),
];

/// What `virStoragePoolGetInfo` reads.
const SIZE_PATHS: &[&str] = &[
    ds::SUMMARY_ACCESSIBLE.path(),
    ds::SUMMARY_CAPACITY.path(),
    ds::SUMMARY_FREE_SPACE.path(),
];

/// What a search of the datastore needs.
const BROWSE_PATHS: &[&str] = &[ds::SUMMARY_NAME.path(), ds::BROWSER.path()];

/// The mount path of a datastore (its `host` property) on `host`: the first mount when
/// the host is unknown or not among them.
pub(crate) fn mount_path(d: &Props, host_ref: Option<&ManagedObjectReference>) -> String {
    let mounts = d.get(ds::HOST).unwrap_or_default();
    mounts
        .iter()
        .find(|m| host_ref.is_none_or(|h| h.value == m.key.value))
        .or_else(|| mounts.first())
        .map(|m| m.mount_info.path.clone().unwrap_or_default())
        .unwrap_or_default()
}

/// What one reading tells about a datastore.
#[derive(Debug, Clone)]
pub(crate) struct Datastore {
    pub moref: ManagedObjectReference,
    pub name: String,
    pub accessible: bool,
    pub capacity: i64,
    pub free: i64,
    pub mount_path: String,
    pub info: Option<AnyDatastoreInfo>,
    pub browser: Option<ManagedObjectReference>,
    /// `summary.type` (`VMFS`, `NFS`, `vsan`, `VVOL`, ...).
    pub summary_type: Option<String>,
}

impl Datastore {
    /// The datastore `p` read, mounted on `host_ref`.
    fn of(p: &Props, host_ref: Option<&ManagedObjectReference>) -> Datastore {
        Datastore {
            moref: p.obj.clone(),
            name: p.get(ds::SUMMARY_NAME).unwrap_or_default(),
            accessible: p.get(ds::SUMMARY_ACCESSIBLE).unwrap_or(false),
            capacity: p.get(ds::SUMMARY_CAPACITY).unwrap_or(0),
            free: p.get(ds::SUMMARY_FREE_SPACE).unwrap_or(0),
            mount_path: mount_path(p, host_ref),
            info: p.get(ds::INFO),
            browser: p.get(ds::BROWSER),
            summary_type: p.get(ds::SUMMARY_TYPE_),
        }
    }

    fn uuid(&self) -> [u8; 16] {
        crate::md5::md5(self.mount_path.as_bytes())
    }

    /// The pool type (see the module documentation).
    fn pool_type(&self) -> Result<PoolType> {
        match &self.info {
            Some(AnyDatastoreInfo::LocalDatastoreInfo(_)) => Ok(PoolType::Dir),
            Some(AnyDatastoreInfo::NasDatastoreInfo(_)) => Ok(PoolType::Netfs),
            Some(AnyDatastoreInfo::VmfsDatastoreInfo(_)) => Ok(PoolType::Fs),
            Some(_) => Ok(PoolType::Dir),
            // An `info` of a subtype this client does not know, on a datastore that says
            // what it is.
            None if self.summary_type.is_some() => Ok(PoolType::Dir),
            None => Err(Error::internal("DatastoreInfo has unexpected type")),
        }
    }
}

/// The search spec libvirt uses: disks (capacity, controller type), ISO and floppy images.
fn search_spec(pattern: Option<&str>) -> HostDatastoreBrowserSearchSpec {
    HostDatastoreBrowserSearchSpec {
        query: vec![
            AnyFileQuery::VmDiskFileQuery(VmDiskFileQuery {
                details: Some(VmDiskFileQueryFlags {
                    disk_type: false,
                    capacity_kb: true,
                    hardware_version: false,
                    controller_type: Some(true),
                    disk_extents: Some(false),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            AnyFileQuery::IsoImageFileQuery(IsoImageFileQuery::default()),
            AnyFileQuery::FloppyImageFileQuery(FloppyImageFileQuery::default()),
        ],
        details: Some(FileQueryFlags {
            file_type: true,
            file_size: true,
            modification: false,
            ..Default::default()
        }),
        match_pattern: pattern.map(|p| vec![p.to_string()]).unwrap_or_default(),
        ..Default::default()
    }
}

/// A search result's file name and what it tells (named by the caller), when it is a disk,
/// ISO or floppy image.
fn found_file(f: &AnyFileInfo) -> Option<(&str, FoundFile)> {
    let (path, size, capacity_kb, format, controller_type) = match f {
        AnyFileInfo::VmDiskFileInfo(d) => (
            &d.base.path,
            d.base.file_size,
            d.capacity_kb,
            "vmdk",
            d.controller_type.clone(),
        ),
        AnyFileInfo::IsoImageFileInfo(i) => (&i.base.path, i.base.file_size, None, "iso", None),
        AnyFileInfo::FloppyImageFileInfo(i) => (&i.base.path, i.base.file_size, None, "raw", None),
        _ => return None,
    };
    Some((
        path,
        FoundFile {
            name: String::new(),
            size: size.unwrap_or(0),
            capacity_kb,
            format,
            controller_type,
        },
    ))
}

/// `dir/file` from a search result's folder path and a file name.
fn volume_name(folder_path: Option<&str>, file: &str) -> String {
    let dir = folder_path
        .and_then(|p| esxvirt_util::parse_datastore_path(p).ok())
        .map(|p| p.directory_and_file.trim_end_matches('/').to_string())
        .unwrap_or_default();
    if dir.is_empty() {
        file.to_string()
    } else {
        format!("{dir}/{file}")
    }
}

/// A file found on a datastore.
#[derive(Debug, Clone)]
pub(crate) struct FoundFile {
    pub name: String,
    pub size: i64,
    pub capacity_kb: Option<i64>,
    pub format: &'static str,
    /// A disk's controller type (`VirtualLsiLogicController`, ...), when the server says.
    pub controller_type: Option<String>,
}

impl FoundFile {
    /// What `virStorageVolGetInfo` tells of it: a disk's capacity is its virtual size, any
    /// other file's is its size.
    fn info(&self) -> StorageVolInfo {
        StorageVolInfo {
            kind: StorageVolType::File,
            capacity: match self.capacity_kb {
                Some(kb) => kb.max(0) as u64 * 1024,
                None => self.size.max(0) as u64,
            },
            allocation: self.size.max(0) as u64,
        }
    }
}

impl Connection {
    /// One retrieval of the connection's host (its `host_paths` and its datastore list) and
    /// every datastore it mounts: the datastores' entries in the object cache start over.
    pub(crate) fn read_datastores(&self, host_paths: &[&str]) -> Result<Vec<Datastore>> {
        let mut paths = host_paths.to_vec();
        paths.push(host::DATASTORE.path());
        let spec = self.engine.host_filter_with(
            &paths,
            vec![traverse("hostDatastores", host::DATASTORE, &[])],
            &["hostDatastores"],
            vec![property_spec(ds::TYPE, DATASTORE_PATHS)],
        )?;
        let (h, stores) = self.engine.retrieve_host_and(spec, "storage listing")?;
        Ok(stores
            .iter()
            .map(|o| Datastore::of(o, Some(&h.obj)))
            .collect())
    }

    /// Every datastore of the connection's host (one retrieval).
    pub(crate) fn datastores(&self) -> Result<Vec<Datastore>> {
        self.read_datastores(&[])
    }

    /// The datastores as the object cache has them after a listing (no request), for a
    /// read of kind `reader`; `None` when it does not have them all.
    fn cached_datastores(&self, reader: &'static str) -> Option<Vec<Datastore>> {
        let host_ref = self.engine.known_host()?;
        let objects = &self.engine.objects;
        let list = objects
            .read(&host_ref, &[host::DATASTORE.path()], reader)?
            .get(host::DATASTORE)?;
        list.iter()
            .map(|d| {
                objects
                    .read(d, DATASTORE_PATHS, reader)
                    .map(|p| Datastore::of(&p, Some(&host_ref)))
            })
            .collect()
    }

    /// The datastore named `name` (one retrieval).
    fn datastore(&self, name: &str) -> Result<Datastore> {
        self.datastores()?
            .into_iter()
            .find(|d| d.name == name)
            .ok_or_else(|| pool_not_found(name))
    }

    /// The datastore `moref` with `paths`, for a read of kind `reader`.
    fn datastore_props(
        &self,
        moref: &ManagedObjectReference,
        paths: &[&str],
        reader: &'static str,
        name: &str,
    ) -> Result<Props> {
        self.engine
            .read(moref, paths, reader)?
            .ok_or_else(|| pool_not_found(name))
    }

    /// The pool of datastore `d`.
    fn pool_of(&self, d: &Datastore) -> StoragePool<'_> {
        StoragePool {
            conn: self,
            name: d.name.clone(),
            uuid: d.uuid(),
            backend: PoolBackend::Datastore,
            datastore: Some(d.moref.clone()),
        }
    }

    /// Every datastore the connection's host sees, with its mount path there (one
    /// retrieval).
    pub(crate) fn datastore_mounts(&self) -> Result<Vec<DatastoreMount>> {
        let ctx = self.engine.context()?;
        let spec = filter(
            &ctx.host,
            true,
            vec![traverse("hostDatastores", host::DATASTORE, &[])],
            vec![property_spec(
                ds::TYPE,
                &[ds::SUMMARY_NAME.path(), ds::HOST.path()],
            )],
        );
        let stores = self.engine.retrieve(vec![spec])?;
        Ok(stores
            .iter()
            .map(|d| DatastoreMount {
                name: d.get(ds::SUMMARY_NAME).unwrap_or_default(),
                mount_path: mount_path(d, Some(&ctx.host)),
            })
            .collect())
    }

    /// Searches `folder` (`[ds]` or `[ds] dir`) of datastore `name` through its browser,
    /// in subfolders too when `subfolders`.
    fn search_datastore(
        &self,
        browser: Option<&ManagedObjectReference>,
        name: &str,
        folder: &str,
        pattern: Option<&str>,
        subfolders: bool,
    ) -> Result<Vec<HostDatastoreBrowserSearchResults>> {
        let browser = browser.ok_or_else(|| {
            Error::internal(format!("Missing 'browser' property of datastore '{name}'"))
        })?;
        let spec = &search_spec(pattern);
        let result = self.engine.run_read_task(
            |c: Client| async move {
                if subfolders {
                    c.search_datastore_sub_folders_task(browser, folder, Some(spec))
                        .await
                } else {
                    c.search_datastore_task(browser, folder, Some(spec)).await
                }
            },
            |out| {
                Error::internal(format!(
                    "Could not search in datastore '{name}': {}",
                    out.libvirt_error()
                ))
            },
        )?;
        Ok(match result {
            Some(Value::ArrayOfHostDatastoreBrowserSearchResults(v)) => v,
            Some(Value::HostDatastoreBrowserSearchResults(r)) => vec![*r],
            _ => Vec::new(),
        })
    }

    /// The name and browser of the datastore holding pool `pool`'s files: the one the
    /// handle knows (through the object cache), else looked up (one retrieval).
    fn browse_target(
        &self,
        known: Option<&ManagedObjectReference>,
        pool: &str,
    ) -> Result<(String, Option<ManagedObjectReference>)> {
        if let Some(moref) = known {
            let p = self.datastore_props(moref, BROWSE_PATHS, "datastore browser", pool)?;
            return Ok((
                p.get(ds::SUMMARY_NAME).unwrap_or_else(|| pool.to_string()),
                p.get(ds::BROWSER),
            ));
        }
        let d = self.datastore(pool)?;
        Ok((d.name, d.browser))
    }

    /// Every volume file of a datastore.
    fn datastore_files(
        &self,
        name: &str,
        browser: Option<&ManagedObjectReference>,
    ) -> Result<Vec<FoundFile>> {
        let results = self.search_datastore(browser, name, &format!("[{name}]"), None, true)?;
        let mut out = Vec::new();
        for r in &results {
            for f in &r.file {
                if let Some((path, found)) = found_file(f) {
                    out.push(FoundFile {
                        name: volume_name(r.folder_path.as_deref(), path),
                        ..found
                    });
                }
            }
        }
        Ok(out)
    }

    /// One file of a datastore, by its `dir/file` name.
    fn datastore_file(
        &self,
        ds_name: &str,
        browser: Option<&ManagedObjectReference>,
        name: &str,
    ) -> Result<FoundFile> {
        let path = format!("[{ds_name}] {name}");
        let (dir, file) = match name.rfind('/') {
            Some(i) => (format!("[{ds_name}] {}", &name[..i]), &name[i + 1..]),
            None => (format!("[{ds_name}]"), name),
        };
        // A search that fails (no such folder) is libvirt's "Could not search" error.
        let results = self.search_datastore(browser, ds_name, &dir, Some(file), false)?;
        for r in &results {
            for f in &r.file {
                if let Some((p, found)) = found_file(f) {
                    if p == file {
                        return Ok(FoundFile {
                            name: name.to_string(),
                            ..found
                        });
                    }
                }
            }
        }
        Err(Error::new(
            ErrorCode::NoStorageVol,
            format!("No storage volume with key or path '{path}'"),
        ))
    }

    /// The file at datastore path `path` as libvirt's ESX driver looks one up to read a
    /// disk's controller type (`esxVI_LookupFileInfoByDatastorePath`): its datastore by
    /// name, then a search of its folder.
    pub(crate) fn datastore_path_file(&self, path: &str) -> Result<FoundFile> {
        let parsed = esxvirt_util::parse_datastore_path(path)
            .map_err(|e| Error::invalid_arg(e.to_string()))?;
        if parsed.directory != parsed.directory_and_file
            && parsed.directory_and_file[parsed.directory.len()..].len() < 2
        {
            return Err(Error::internal(format!(
                "Datastore path '{path}' doesn't reference a file"
            )));
        }
        let d = self.datastore(&parsed.datastore).map_err(|_| {
            Error::internal(format!(
                "Could not find datastore with name '{}'",
                parsed.datastore
            ))
        })?;
        self.datastore_file(&d.name, d.browser.as_ref(), &parsed.directory_and_file)
    }

    /// Whether volume keys are disk UUIDs: libvirt asks an ESX host for them, never a
    /// vCenter or a GSX host (where a volume's key is its path).
    fn has_disk_uuids(&self) -> bool {
        self.engine.product_line() == crate::connection::product::ProductLine::Esx
    }

    /// The key of a volume: the disk's UUID for a VMDK (on an ESX host), else its path.
    fn volume_key(&self, path: &str, is_disk: bool) -> Result<String> {
        if !is_disk || !self.has_disk_uuids() {
            return Ok(path.to_string());
        }
        // The datacenter the path is in, as libvirt names it; a host reached directly has
        // only its own, which the API lets a caller leave out, so a command that has not
        // resolved the host's context yet does not do it for this alone.
        let dc = match self.engine.known_context() {
            Some(ctx) => Some(ctx.datacenter),
            None if self.engine.locator == Locator::OnlyHost && !self.engine.is_vcenter() => None,
            None => Some(self.engine.context()?.datacenter),
        };
        let uuid = self.engine.run(|c| {
            let dc = dc.clone();
            async move {
                c.query_virtual_disk_uuid(path, dc.as_ref())
                    .await
                    .map_err(vi_err)
            }
        })?;
        Ok(parse_uuid(&uuid).map(|u| format_uuid(&u)).unwrap_or(uuid))
    }

    /// A file of datastore `d` as a search found it, with its key when known.
    fn file_volume(&self, d: &Datastore, file: FoundFile, key: Option<String>) -> StorageVol<'_> {
        let mut vol = StorageVol::new(
            self,
            PoolBackend::Datastore,
            d.name.clone(),
            file.name.clone(),
        );
        vol.datastore = Some(d.moref.clone());
        if let Some(k) = key {
            let _ = vol.key.set(k);
        }
        vol.found.replace(Some(Found::File(file)));
        vol
    }

    /// The datastore file at `path` (`[datastore] dir/file`): on an ESX host found by a
    /// search (and keyed by the disk's UUID), elsewhere taken at its word.
    fn file_volume_by_path(&self, path: &str) -> Result<StorageVol<'_>> {
        let conn = self;
        let parsed = esxvirt_util::parse_datastore_path(path)
            .map_err(|e| Error::invalid_arg(e.to_string()))?;
        if !conn.has_disk_uuids() {
            // The key is the path then, and libvirt looks at nothing else: a missing
            // file shows when its information is asked for.
            let vol = StorageVol::new(
                conn,
                PoolBackend::Datastore,
                parsed.datastore,
                parsed.directory_and_file,
            );
            let _ = vol.key.set(path.to_string());
            return Ok(vol);
        }
        let d = conn.datastore(&parsed.datastore).map_err(|_| {
            Error::internal(format!(
                "Could not find datastore with name '{}'",
                parsed.datastore
            ))
        })?;
        let f = conn.datastore_file(&d.name, d.browser.as_ref(), &parsed.directory_and_file)?;
        // Unlike a lookup by name, a lookup by path fails when the disk's UUID cannot be
        // read (as libvirt's does), so the key is asked for now.
        let key = conn.volume_key(path, f.format == "vmdk")?;
        Ok(conn.file_volume(&d, f, Some(key)))
    }

    /// The disk with this UUID (as a key), looked for datastore by datastore.
    fn disk_with_uuid(&self, key: &str) -> Result<Option<StorageVol<'_>>> {
        for d in self.datastores()? {
            for f in self.datastore_files(&d.name, d.browser.as_ref())? {
                if f.format != "vmdk" {
                    continue;
                }
                let path = format!("[{}] {}", d.name, f.name);
                if let Ok(k) = self.volume_key(&path, true) {
                    if k.eq_ignore_ascii_case(key) {
                        return Ok(Some(self.file_volume(&d, f, Some(k))));
                    }
                }
            }
        }
        Ok(None)
    }

    /// Runs a VirtualDiskManager task on the connection's datacenter as `change`; a failure
    /// is `FAIL: message`. The datastore's space changes: its cache entry is dropped.
    fn run_disk_task<S, Fut>(
        &self,
        datastore: Option<&ManagedObjectReference>,
        change: Change<'_>,
        start: S,
        fail: &str,
    ) -> Result<()>
    where
        S: Fn(Client, ManagedObjectReference) -> Fut,
        Fut: std::future::Future<
            Output = std::result::Result<ManagedObjectReference, esxvirt_vi::Error>,
        >,
    {
        self.check_writable()?;
        let dc = self.engine.context()?.datacenter;
        if let Some(d) = datastore {
            self.engine.objects.invalidate(d);
        }
        let (start, dc) = (&start, &dc);
        let out = self.engine.run_task(
            change,
            |c| start(c, dc.clone()),
            |out| Error::internal(format!("{fail}: {}", out.error)),
        );
        if let Some(d) = datastore {
            self.engine.objects.invalidate(d);
        }
        out.map(|_| ())
    }

    /// Whether file `name` (`dir/file`) of datastore `ds` exists now, for the check of a
    /// change of volumes: found or not by a search (a search that fails for a missing
    /// folder finds nothing).
    fn volume_exists(&self, ds: &str, name: &str) -> Result<Landed> {
        let (ds_name, browser) = self.browse_target(None, ds)?;
        match self.datastore_file(&ds_name, browser.as_ref(), name) {
            Ok(_) => Ok(Landed::Yes),
            Err(e) if e.code() == ErrorCode::NoStorageVol => Ok(Landed::No),
            Err(e) if e.message().starts_with("Could not search") => Ok(Landed::No),
            Err(e) => Err(e),
        }
    }

    /// A change of volume `name` of datastore `ds`: `doing` it ("creating"), checked by
    /// whether the file then exists (`exists`) or not.
    fn volume_change<'a>(
        &'a self,
        doing: &str,
        ds: &'a str,
        name: &'a str,
        exists: bool,
    ) -> Change<'a> {
        Change::new(
            format!("{doing} volume '{name}' of pool '{ds}'"),
            format!("vol-list {ds}"),
        )
        .check(move || {
            let found = self.volume_exists(ds, name)?;
            Ok(match (found, exists) {
                (Landed::Yes, true) | (Landed::No, false) => Landed::Yes,
                _ => Landed::No,
            })
        })
    }

    /// Makes directory `dir` (`[ds] dir`) when it does not exist yet.
    fn make_directory(&self, dir: &str) -> Result<()> {
        let dc = self.engine.context()?.datacenter;
        let dc = &dc;
        // An existing directory is an error the caller does not care about; making one
        // again is harmless.
        let change = Change::new(format!("making directory {dir}"), "pool-refresh").repeatable();
        let _: Result<()> = self.engine.change(&change, |c, p| async move {
            p.send(&c, || c.make_directory(dir, Some(dc), Some(true)))
                .await
        });
        Ok(())
    }
}

impl<'c> StoragePool<'c> {
    /// The datastore's reading for a read of kind `reader` (the object cache, else one
    /// retrieval).
    fn datastore_reading(&self, paths: &[&str], reader: &'static str) -> Result<Datastore> {
        let host_ref = self.conn.engine.known_host();
        match &self.datastore {
            Some(m) => {
                let p = self.conn.datastore_props(m, paths, reader, &self.name)?;
                Ok(Datastore::of(&p, host_ref.as_ref()))
            }
            None => self.conn.datastore(&self.name),
        }
    }

    /// What vol-create and vol-create-from share: read the volume XML with this pool's
    /// defaults, and check it the way libvirt's VMFS backend does. Also returns the
    /// datastore as read (its name and browser serve the new volume's lookup).
    fn plan_vmdk(
        &self,
        xml: &str,
        for_clone: bool,
    ) -> Result<(XmlVolume, VmdkCreatePlan, Datastore)> {
        let d = self.datastore_reading(
            &[ds::INFO.path(), ds::SUMMARY_NAME.path(), ds::BROWSER.path()],
            "virStorageVolCreateXML",
        )?;
        let def =
            XmlVolume::from_xml_for_pool(xml, d.pool_type()?).map_err(crate::error::xml_err)?;
        let plan = def.esx_vmdk_plan(for_clone).map_err(|e| {
            let code = if e.unsupported {
                ErrorCode::NoSupport
            } else {
                ErrorCode::InternalError
            };
            Error::new(code, e.message)
        })?;
        Ok((def, plan, d))
    }

    /// The volume `name` of this pool; with the datastore `d` as read (its name and
    /// browser), found by a search, whose answer serves the volume's first information.
    fn volume_on(&self, d: Option<&Datastore>, name: &str) -> Result<StorageVol<'c>> {
        let mut vol = StorageVol::new(
            self.conn,
            PoolBackend::Datastore,
            self.name.clone(),
            name.to_string(),
        );
        vol.datastore = self.datastore.clone();
        if let Some(d) = d {
            let found = self
                .conn
                .datastore_file(&d.name, d.browser.as_ref(), name)?;
            vol.found.replace(Some(Found::File(found)));
        }
        Ok(vol)
    }

    /// The volume `name` just made on datastore `d` (as read before the task: its space
    /// changed, not its name or browser), found as a lookup by name finds it.
    fn made_volume(&self, d: &Datastore, name: &str) -> Result<StorageVol<'c>> {
        self.volume_on(self.conn.has_disk_uuids().then_some(d), name)
    }
}

impl<'c> StorageVol<'c> {
    /// The file as the lookup or listing found it (once), else searched for.
    fn file(&self) -> Result<FoundFile> {
        if let Some(Found::File(f)) = self.found.take() {
            return Ok(f);
        }
        let (name, browser) = self
            .conn
            .browse_target(self.datastore.as_ref(), &self.pool)?;
        self.conn
            .datastore_file(&name, browser.as_ref(), &self.name)
    }
}

impl Backend for Vmfs {
    fn pools<'c>(&self, conn: &'c Connection) -> Result<Vec<StoragePool<'c>>> {
        let stores = match conn.cached_datastores("virConnectListAllStoragePools") {
            Some(s) => s,
            None => conn.datastores()?,
        };
        Ok(stores.iter().map(|d| conn.pool_of(d)).collect())
    }

    fn host_paths(&self) -> &'static [&'static str] {
        &[]
    }

    fn current_pools<'c>(&self, conn: &'c Connection) -> Result<Vec<StoragePool<'c>>> {
        Ok(conn.datastores()?.iter().map(|d| conn.pool_of(d)).collect())
    }

    fn path_start(&self) -> char {
        '['
    }

    fn volume_at_path<'c>(&self, conn: &'c Connection, path: &str) -> Result<StorageVol<'c>> {
        conn.file_volume_by_path(path)
    }

    fn volume_by_key<'c>(&self, conn: &'c Connection, key: &str) -> Result<Option<StorageVol<'c>>> {
        if !conn.has_disk_uuids() {
            return Ok(None);
        }
        conn.disk_with_uuid(key)
    }

    fn pool_info(&self, pool: &StoragePool<'_>) -> Result<StoragePoolInfo> {
        let d = pool.datastore_reading(SIZE_PATHS, "virStoragePoolGetInfo")?;
        Ok(if d.accessible {
            StoragePoolInfo {
                state: StoragePoolState::Running,
                capacity: d.capacity.max(0) as u64,
                allocation: (d.capacity - d.free).max(0) as u64,
                available: d.free.max(0) as u64,
            }
        } else {
            StoragePoolInfo {
                state: StoragePoolState::Inaccessible,
                capacity: 0,
                allocation: 0,
                available: 0,
            }
        })
    }

    fn pool_xml(&self, pool: &StoragePool<'_>) -> Result<String> {
        let d = pool.datastore_reading(DATASTORE_PATHS, "virStoragePoolGetXMLDesc")?;
        let mut def = XmlPool::new_esx(d.pool_type()?, d.name.clone(), pool.get_uuid_string());
        def.target_path = Some(d.mount_path.clone());
        if d.accessible {
            def.capacity = d.capacity.max(0) as u64;
            def.available = d.free.max(0) as u64;
            def.allocation = (d.capacity - d.free).max(0) as u64;
        }
        match &d.info {
            Some(AnyDatastoreInfo::NasDatastoreInfo(n)) => {
                if let Some(nas) = &n.nas {
                    def.source.hosts.push(PoolHost {
                        name: nas.remote_host.clone(),
                        port: 0,
                    });
                    def.source.dir = Some(nas.remote_path.clone());
                    let t = nas.base.type_.to_ascii_lowercase();
                    def.source.format = Some(match t.as_str() {
                        "nfs" | "nfs41" => "nfs".to_string(),
                        "cifs" => "cifs".to_string(),
                        _ => {
                            return Err(Error::internal(format!(
                                "Datastore has unexpected type '{}'",
                                nas.base.type_
                            )))
                        }
                    });
                }
            }
            Some(AnyDatastoreInfo::VmfsDatastoreInfo(_)) => {
                def.source.format = Some("vmfs".to_string())
            }
            _ => {}
        }
        Ok(def.to_xml())
    }

    fn refresh(&self, pool: &StoragePool<'_>) -> Result<()> {
        // Only the datastore's reference is needed, which the lookup's retrieval had.
        let d = match &pool.datastore {
            Some(m) => m.clone(),
            None => pool.conn.datastore(&pool.name)?.moref,
        };
        // Its sizes may change with the refresh.
        pool.conn.engine.objects.invalidate(&d);
        let change = Change::new(
            format!("refreshing pool '{}'", pool.name),
            format!("pool-info {}", pool.name),
        )
        .repeatable();
        let d = &d;
        pool.conn.engine.change(&change, |c, p| async move {
            p.send(&c, || c.refresh_datastore(d)).await
        })
    }

    fn volume_names(&self, pool: &StoragePool<'_>) -> Result<Vec<String>> {
        let (name, browser) = pool
            .conn
            .browse_target(pool.datastore.as_ref(), &pool.name)?;
        Ok(pool
            .conn
            .datastore_files(&name, browser.as_ref())?
            .into_iter()
            .map(|f| f.name)
            .collect())
    }

    fn volumes<'c>(&self, pool: &StoragePool<'c>) -> Result<Vec<StorageVol<'c>>> {
        let conn = pool.conn;
        let d = pool.datastore_reading(BROWSE_PATHS, "datastore browser")?;
        Ok(conn
            .datastore_files(&d.name, d.browser.as_ref())?
            .into_iter()
            .map(|f| conn.file_volume(&d, f, None))
            .collect())
    }

    fn volume_by_name<'c>(&self, pool: &StoragePool<'c>, name: &str) -> Result<StorageVol<'c>> {
        // On an ESX host libvirt's lookup reads the file's information, so a name that
        // names no file fails here (and the CLI goes on to the lookups by key and path as
        // virsh does); what the search found serves the volume's first information. The
        // key stays lazy: a disk's UUID query failing for a file that exists is the one
        // case where this lookup succeeds and libvirt's does not.
        let d = match pool.conn.has_disk_uuids() {
            true => Some(pool.datastore_reading(BROWSE_PATHS, "datastore browser")?),
            false => None,
        };
        pool.volume_on(d.as_ref(), name)
    }

    fn create_volume<'c>(&self, pool: &StoragePool<'c>, xml: &str) -> Result<StorageVol<'c>> {
        let (def, plan, d) = pool.plan_vmdk(xml, false)?;
        let path = format!("[{}] {}", pool.name, def.name);
        let dir = match def.name.rfind('/') {
            Some(i) => format!("[{}] {}", pool.name, &def.name[..i]),
            None => format!("[{}]", pool.name),
        };
        // The directory may not exist yet.
        pool.conn.make_directory(&dir)?;
        let spec = AnyVirtualDiskSpec::FileBackedVirtualDiskSpec(FileBackedVirtualDiskSpec {
            base: VirtualDiskSpec {
                disk_type: plan.disk_type.to_string(),
                adapter_type: plan.adapter_type.to_string(),
            },
            capacity_kb: plan.capacity_kb as i64,
        });
        let (p, s) = (&path, &spec);
        pool.conn.run_disk_task(
            pool.datastore.as_ref(),
            pool.conn
                .volume_change("creating", &pool.name, &def.name, true),
            |c, dc| async move { c.create_virtual_disk_task(p, Some(&dc), s).await },
            "Could not create volume",
        )?;
        pool.made_volume(&d, &def.name)
    }

    fn clone_volume<'c>(
        &self,
        pool: &StoragePool<'c>,
        xml: &str,
        source: &StorageVol<'_>,
    ) -> Result<StorageVol<'c>> {
        let (def, plan, d) = pool.plan_vmdk(xml, true)?;
        let src = format!("[{}] {}", source.pool, source.name);
        let dst = format!("[{}] {}", pool.name, def.name);
        // The target directory may not exist yet (libvirt creates it too).
        if let Some(i) = def.name.rfind('/') {
            pool.conn
                .make_directory(&format!("[{}] {}", pool.name, &def.name[..i]))?;
        }
        let spec = AnyVirtualDiskSpec::VirtualDiskSpec(VirtualDiskSpec {
            disk_type: plan.disk_type.to_string(),
            adapter_type: plan.adapter_type.to_string(),
        });
        let (s, t, sp) = (&src, &dst, &spec);
        pool.conn.run_disk_task(
            pool.datastore.as_ref(),
            pool.conn
                .volume_change("cloning", &pool.name, &def.name, true),
            |c, dc| async move {
                c.copy_virtual_disk_task(s, Some(&dc), t, Some(&dc), Some(sp), Some(false))
                    .await
            },
            "Could not copy volume",
        )?;
        pool.made_volume(&d, &def.name)
    }

    fn volume_info(&self, vol: &StorageVol<'_>) -> Result<StorageVolInfo> {
        Ok(vol.file()?.info())
    }

    fn volume_xml(&self, vol: &StorageVol<'_>) -> Result<String> {
        let f = vol.file()?;
        let info = f.info();
        let def = XmlVolume::new_esx(
            VolumeType::File,
            vol.name.clone(),
            vol.get_key().to_string(),
            info.capacity,
            info.allocation,
            self.volume_path(vol)?,
            Some(f.format),
        );
        Ok(def.to_xml())
    }

    fn volume_path(&self, vol: &StorageVol<'_>) -> Result<String> {
        Ok(format!("[{}] {}", vol.pool, vol.name))
    }

    fn volume_key(&self, vol: &StorageVol<'_>) -> String {
        let path = format!("[{}] {}", vol.pool, vol.name);
        let is_disk = vol.name.to_ascii_lowercase().ends_with(".vmdk");
        vol.conn.volume_key(&path, is_disk).unwrap_or(path)
    }

    fn volume_pool<'c>(&self, vol: &StorageVol<'c>) -> Result<StoragePool<'c>> {
        // A datastore the volume's lookup had needs no retrieval: its name and mount path
        // come from the object cache.
        if let Some(m) = &vol.datastore {
            let p = vol.conn.datastore_props(
                m,
                &[ds::SUMMARY_NAME.path(), ds::HOST.path()],
                "virStoragePoolLookupByVolume",
                &vol.pool,
            )?;
            let host_ref = vol.conn.engine.known_host();
            return Ok(vol.conn.pool_of(&Datastore::of(&p, host_ref.as_ref())));
        }
        vol.conn.storage_pool_lookup_by_name(&vol.pool)
    }

    fn delete_volume(&self, vol: &StorageVol<'_>) -> Result<()> {
        let path = &self.volume_path(vol)?;
        vol.conn.run_disk_task(
            vol.datastore.as_ref(),
            vol.conn
                .volume_change("deleting", &vol.pool, &vol.name, false),
            |c, dc| async move { c.delete_virtual_disk_task(path, Some(&dc)).await },
            "Could not delete volume",
        )
    }

    fn wipe_volume(&self, vol: &StorageVol<'_>) -> Result<()> {
        let path = &self.volume_path(vol)?;
        // Whether the zeros were written cannot be read back cheaply; wiping again is
        // harmless.
        let change = Change::new(
            format!("wiping volume '{}' of pool '{}'", vol.name, vol.pool),
            format!("vol-info {path}"),
        )
        .repeatable();
        vol.conn.run_disk_task(
            vol.datastore.as_ref(),
            change,
            |c, dc| async move { c.zero_fill_virtual_disk_task(path, Some(&dc)).await },
            "Could not wipe volume",
        )
    }

    fn data_file(&self, vol: &StorageVol<'_>) -> Result<DataFile> {
        super::transfer::datastore_data_file(vol, || vol.file().map(|_| ()))
    }
}
