//! Storage pool and volume handles: datastores (VMFS, NFS, local) and their files
//! (`virStoragePool*`, `virStorageVol*`), as libvirt's ESX VMFS backend presents them: a
//! pool's UUID is the MD5 of its mount path, volumes are the disk, ISO and floppy images found
//! by the datastore browser, named `dir/file` inside the pool, keyed by the disk UUID.

use esxvirt_vi::{
    AnyFileInfo, AnyFileQuery, AnyScsiLun, AnyVirtualDiskSpec, Client, FileBackedVirtualDiskSpec,
    FileQueryFlags, FloppyImageFileQuery, HostDatastoreBrowserSearchResults,
    HostDatastoreBrowserSearchSpec, IsoImageFileQuery, ManagedObjectReference, Value,
    VirtualDiskSpec, VmDiskFileQuery, VmDiskFileQueryFlags,
};
use esxvirt_xml::storage::pool::{PoolHost, PoolType, StoragePool as XmlPool};
use esxvirt_xml::storage::volume::{StorageVolume as XmlVolume, VmdkCreatePlan, VolumeType};

use std::cell::{OnceCell, RefCell};
use std::rc::Rc;

use crate::connection::Connection;
use crate::engine::{props_of, trav, vi_err, Locator, MoRef, Props};
use crate::error::{check_flags, Error, ErrorCode, Result};
use crate::iscsi::IscsiState;
use crate::types::{StoragePoolInfo, StoragePoolState, StorageVolInfo, StorageVolType};

/// Which backend a pool belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolBackend {
    /// A datastore (VMFS, NFS, ...).
    Datastore,
    /// An iSCSI target of a host bus adapter.
    Iscsi,
}

/// A storage pool.
#[derive(Debug, Clone)]
pub struct StoragePool<'c> {
    pub(crate) conn: &'c Connection,
    pub(crate) name: String,
    pub(crate) uuid: [u8; 16],
    pub(crate) backend: PoolBackend,
    /// The datastore as the lookup retrieved it (a datastore pool's only). Its reference,
    /// browser, name and type stay valid for the handle's life, so volume lookups and
    /// searches through the pool need no second retrieval; its sizes are only used while
    /// `fresh` holds.
    pub(crate) seen: Option<Datastore>,
    /// Whether `seen`'s sizes may still answer [`StoragePool::get_info`] or
    /// [`StoragePool::get_xml_desc`]: once, so `pool-info` and `pool-dumpxml` need no
    /// second retrieval while a later query (or one after a refresh) reads afresh.
    pub(crate) fresh: std::cell::Cell<bool>,
    /// The host's iSCSI state as the lookup read it (an iSCSI pool's only), used once by a
    /// volume listing or lookup through the pool.
    pub(crate) iscsi: RefCell<Option<Rc<IscsiState>>>,
}

/// What one retrieval tells about a datastore.
#[derive(Debug, Clone)]
pub(crate) struct Datastore {
    pub moref: MoRef,
    pub name: String,
    pub accessible: bool,
    pub capacity: i64,
    pub free: i64,
    pub mount_path: String,
    pub info: Option<Value>,
    pub browser: Option<MoRef>,
}

impl Datastore {
    fn uuid(&self) -> [u8; 16] {
        crate::md5::md5(self.mount_path.as_bytes())
    }
    fn pool_type(&self) -> Result<PoolType> {
        match &self.info {
            Some(Value::LocalDatastoreInfo(_)) => Ok(PoolType::Dir),
            Some(Value::NasDatastoreInfo(_)) => Ok(PoolType::Netfs),
            Some(Value::VmfsDatastoreInfo(_)) => Ok(PoolType::Fs),
            _ => Err(Error::internal("DatastoreInfo has unexpected type")),
        }
    }
}

fn pool_not_found(name: &str) -> Error {
    Error::new(
        ErrorCode::NoStoragePool,
        format!("Could not find storage pool with name '{name}'"),
    )
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

fn file_base(f: &AnyFileInfo) -> Option<(&str, i64, Option<i64>, &'static str)> {
    match f {
        AnyFileInfo::VmDiskFileInfo(d) => Some((
            &d.base.path,
            d.base.file_size.unwrap_or(0),
            d.capacity_kb,
            "vmdk",
        )),
        AnyFileInfo::IsoImageFileInfo(i) => {
            Some((&i.base.path, i.base.file_size.unwrap_or(0), None, "iso"))
        }
        AnyFileInfo::FloppyImageFileInfo(i) => {
            Some((&i.base.path, i.base.file_size.unwrap_or(0), None, "raw"))
        }
        _ => None,
    }
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
    /// Every datastore of the connection's host (one retrieval).
    pub(crate) fn datastores(&self) -> Result<Vec<Datastore>> {
        Ok(self.datastores_and_host(&["name"])?.0)
    }

    /// Every datastore of the connection's host and the host's `host_paths` properties, in
    /// one retrieval.
    fn datastores_and_host(&self, host_paths: &[&str]) -> Result<(Vec<Datastore>, Props)> {
        let spec = self.engine.host_filter_with(
            host_paths,
            vec![trav("hostDatastores", "HostSystem", "datastore", &[])],
            &["hostDatastores"],
            vec![props_of(
                "Datastore",
                &[
                    "summary.name",
                    "summary.accessible",
                    "summary.capacity",
                    "summary.freeSpace",
                    "info",
                    "host",
                    "browser",
                ],
            )],
        )?;
        let objects = self.engine.retrieve(vec![spec])?;
        // The host comes first: the traversal starts at it (or reaches it before its
        // datastores).
        let mut host: Option<Props> = None;
        let mut out = Vec::new();
        for mut o in objects {
            if o.ty() == "HostSystem" {
                host = Some(o);
                continue;
            }
            let host = host.as_ref().map(Props::moref);
            let mount_path = crate::domain::mount_path(&o, host.as_ref());
            out.push(Datastore {
                moref: o.moref(),
                name: o.str("summary.name").unwrap_or_default().to_string(),
                accessible: o.bool("summary.accessible").unwrap_or(false),
                capacity: o.i64("summary.capacity").unwrap_or(0),
                free: o.i64("summary.freeSpace").unwrap_or(0),
                mount_path,
                browser: o.mo("browser"),
                info: o.take("info"),
            });
        }
        let host = host.ok_or_else(|| Error::internal("Could not find host system"))?;
        Ok((out, host))
    }

    fn datastore(&self, name: &str) -> Result<Datastore> {
        self.datastores()?
            .into_iter()
            .find(|d| d.name == name)
            .ok_or_else(|| pool_not_found(name))
    }

    fn pool_of(&self, d: &Datastore) -> StoragePool<'_> {
        StoragePool {
            conn: self,
            name: d.name.clone(),
            uuid: d.uuid(),
            backend: PoolBackend::Datastore,
            seen: Some(d.clone()),
            fresh: std::cell::Cell::new(true),
            iscsi: RefCell::new(None),
        }
    }

    /// Searches `folder` (`[ds]` or `[ds] dir`) of a datastore, in subfolders too.
    pub(crate) fn search_datastore(
        &self,
        ds: &Datastore,
        folder: &str,
        pattern: Option<&str>,
        subfolders: bool,
    ) -> Result<Vec<HostDatastoreBrowserSearchResults>> {
        let browser = ds.browser.clone().ok_or_else(|| {
            Error::internal(format!(
                "Missing 'browser' property of datastore '{}'",
                ds.name
            ))
        })?;
        let spec = search_spec(pattern);
        let folder = folder.to_string();
        let name = ds.name.clone();
        self.engine.run(|c: Client| {
            let (browser, spec, folder, name) =
                (browser.clone(), spec.clone(), folder.clone(), name.clone());
            async move {
                let task = if subfolders {
                    c.search_datastore_sub_folders_task(&browser.vi(), &folder, Some(&spec))
                        .await
                } else {
                    c.search_datastore_task(&browser.vi(), &folder, Some(&spec))
                        .await
                }
                .map_err(vi_err)?;
                let out = crate::tasks::wait(&c, &task, None, false).await?;
                if !out.success {
                    return Err(Error::internal(format!(
                        "Could not search in datastore '{name}': {}",
                        out.libvirt_error()
                    )));
                }
                Ok(match out.result {
                    Some(Value::ArrayOfHostDatastoreBrowserSearchResults(v)) => v,
                    Some(Value::HostDatastoreBrowserSearchResults(r)) => vec![*r],
                    _ => Vec::new(),
                })
            }
        })
    }

    /// Every volume file of a datastore.
    pub(crate) fn datastore_files(&self, ds: &Datastore) -> Result<Vec<FoundFile>> {
        let results = self.search_datastore(ds, &format!("[{}]", ds.name), None, true)?;
        let mut out = Vec::new();
        for r in &results {
            for f in &r.file {
                if let Some((path, size, cap, format)) = file_base(f) {
                    out.push(FoundFile {
                        name: volume_name(r.folder_path.as_deref(), path),
                        size,
                        capacity_kb: cap,
                        format,
                    });
                }
            }
        }
        Ok(out)
    }

    /// One file of a datastore, by its `dir/file` name.
    pub(crate) fn datastore_file(&self, ds: &Datastore, name: &str) -> Result<FoundFile> {
        let path = format!("[{}] {name}", ds.name);
        let (dir, file) = match name.rfind('/') {
            Some(i) => (format!("[{}] {}", ds.name, &name[..i]), &name[i + 1..]),
            None => (format!("[{}]", ds.name), name),
        };
        let not_found = || {
            Error::new(
                ErrorCode::NoStorageVol,
                format!("No storage volume with key or path '{path}'"),
            )
        };
        // A search that fails (no such folder) is libvirt's "Could not search" error.
        let results = self.search_datastore(ds, &dir, Some(file), false)?;
        for r in &results {
            for f in &r.file {
                if let Some((p, size, cap, format)) = file_base(f) {
                    if p == file {
                        return Ok(FoundFile {
                            name: name.to_string(),
                            size,
                            capacity_kb: cap,
                            format,
                        });
                    }
                }
            }
        }
        Err(not_found())
    }

    /// Whether volume keys are disk UUIDs: libvirt asks an ESX host for them, never a
    /// vCenter or a GSX host (where a volume's key is its path).
    pub(crate) fn has_disk_uuids(&self) -> bool {
        self.engine.product_line() == crate::product::ProductLine::Esx
    }

    /// The key of a volume: the disk's UUID for a VMDK (on an ESX host), else its path.
    pub(crate) fn volume_key(&self, path: &str, is_disk: bool) -> Result<String> {
        if !is_disk || !self.has_disk_uuids() {
            return Ok(path.to_string());
        }
        // The datacenter the path is in, as libvirt names it; a host reached directly has
        // only its own, which the API lets a caller leave out, so a command that has not
        // resolved the host's context yet does not do it for this alone.
        let dc = match self.engine.known_context() {
            Some(ctx) => Some(ctx.datacenter.vi()),
            None if self.engine.locator == Locator::OnlyHost && !self.engine.is_vcenter() => None,
            None => Some(self.engine.context()?.datacenter.vi()),
        };
        let p = path.to_string();
        let uuid = self.engine.run(|c| {
            let (dc, p) = (dc.clone(), p.clone());
            async move {
                c.query_virtual_disk_uuid(&p, dc.as_ref())
                    .await
                    .map_err(vi_err)
            }
        })?;
        Ok(crate::domain::parse_uuid(&uuid)
            .map(|u| crate::domain::format_uuid(&u))
            .unwrap_or(uuid))
    }

    /// Every storage pool matching `flags` (`virConnectListAllStoragePools`): datastores are
    /// always active, persistent and autostarted.
    pub fn list_all_storage_pools(&self, flags: u32) -> Result<Vec<StoragePool<'_>>> {
        use crate::flags::list_pools as f;
        if (flags & (f::ACTIVE | f::INACTIVE) == f::INACTIVE)
            || (flags & (f::PERSISTENT | f::TRANSIENT) == f::TRANSIENT)
            || (flags & (f::AUTOSTART | f::NO_AUTOSTART) == f::NO_AUTOSTART)
        {
            return Ok(Vec::new());
        }
        // Datastores and the host's iSCSI targets come in one retrieval.
        let mut host_paths = vec!["name"];
        host_paths.extend_from_slice(crate::iscsi::ISCSI_HOST_PATHS);
        let (datastores, mut host) = self.datastores_and_host(&host_paths)?;
        let mut pools: Vec<StoragePool<'_>> = datastores.iter().map(|d| self.pool_of(d)).collect();
        pools.extend(self.iscsi_pools_of(Rc::new(IscsiState::from_host(&mut host))));
        Ok(pools)
    }

    fn iscsi_pools(&self) -> Result<Vec<StoragePool<'_>>> {
        Ok(self.iscsi_pools_of(Rc::new(self.iscsi_state()?)))
    }

    fn iscsi_pools_of(&self, state: Rc<IscsiState>) -> Vec<StoragePool<'_>> {
        state
            .targets()
            .iter()
            .map(|t| StoragePool {
                conn: self,
                name: t.i_scsi_name.clone(),
                uuid: crate::md5::md5(t.i_scsi_name.as_bytes()),
                backend: PoolBackend::Iscsi,
                seen: None,
                fresh: Default::default(),
                iscsi: RefCell::new(Some(state.clone())),
            })
            .collect()
    }

    /// Names of the active pools (`virConnectListStoragePools`).
    pub fn list_storage_pools(&self) -> Result<Vec<String>> {
        Ok(self
            .list_all_storage_pools(0)?
            .into_iter()
            .map(|p| p.name)
            .collect())
    }

    /// The pool with this name (`virStoragePoolLookupByName`).
    pub fn storage_pool_lookup_by_name(&self, name: &str) -> Result<StoragePool<'_>> {
        if let Some(d) = self.datastores()?.iter().find(|d| d.name == name) {
            return Ok(self.pool_of(d));
        }
        self.iscsi_pools()?
            .into_iter()
            .find(|p| p.name == name)
            .ok_or_else(|| pool_not_found(name))
    }

    /// The pool with this UUID string (`virStoragePoolLookupByUUIDString`).
    pub fn storage_pool_lookup_by_uuid_string(&self, uuid: &str) -> Result<StoragePool<'_>> {
        let u = crate::domain::parse_uuid(uuid).ok_or_else(|| {
            Error::invalid_arg(format!("Could not parse UUID from string '{uuid}'"))
        })?;
        if let Some(d) = self.datastores()?.iter().find(|d| d.uuid() == u) {
            return Ok(self.pool_of(d));
        }
        self.iscsi_pools()?
            .into_iter()
            .find(|p| p.uuid == u)
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::NoStoragePool,
                    format!(
                        "Could not find storage pool with uuid '{}'",
                        crate::domain::format_uuid(&u)
                    ),
                )
            })
    }

    /// The volume at this path, `[datastore] dir/disk.vmdk` (`virStorageVolLookupByPath`).
    pub fn storage_vol_lookup_by_path(&self, path: &str) -> Result<StorageVol<'_>> {
        if path.starts_with('/') {
            let state = self.iscsi_state()?;
            for l in &state.luns {
                if let AnyScsiLun::HostScsiDisk(d) = l {
                    if d.device_path == path {
                        let key = d.base.key.clone().unwrap_or_default();
                        let pool = state.pool_of_lun(&key).unwrap_or_default();
                        return Ok(StorageVol::of_lun(
                            self,
                            pool,
                            path.to_string(),
                            crate::iscsi::lun_key(&d.base.uuid),
                        ));
                    }
                }
            }
            return Err(Error::new(
                ErrorCode::NoStorageVol,
                format!("Could not find storage volume with path '{path}'"),
            ));
        }
        if !path.starts_with('[') {
            return Err(Error::invalid_arg(format!(
                "Unexpected volume path format: {path}"
            )));
        }
        let parsed = esxvirt_util::parse_datastore_path(path)
            .map_err(|e| Error::invalid_arg(e.to_string()))?;
        if !self.has_disk_uuids() {
            // The key is the path then, and libvirt looks at nothing else: a missing file
            // shows when its information is asked for.
            let vol = StorageVol::new(
                self,
                PoolBackend::Datastore,
                parsed.datastore,
                parsed.directory_and_file,
            );
            let _ = vol.key.set(path.to_string());
            return Ok(vol);
        }
        let ds = self.datastore(&parsed.datastore).map_err(|_| {
            Error::internal(format!(
                "Could not find datastore with name '{}'",
                parsed.datastore
            ))
        })?;
        let f = self.datastore_file(&ds, &parsed.directory_and_file)?;
        // Unlike a lookup by name, a lookup by path fails when the disk's UUID cannot be
        // read (as libvirt's does), so the key is asked for now.
        let key = self.volume_key(path, f.format == "vmdk")?;
        Ok(StorageVol::of_file(self, ds, f, Some(key)))
    }

    /// The volume with this key (`virStorageVolLookupByKey`): a disk UUID (on an ESX
    /// host), a datastore path, an iSCSI LUN's key or its device path.
    pub fn storage_vol_lookup_by_key(&self, key: &str) -> Result<StorageVol<'_>> {
        let not_found = || {
            Error::new(
                ErrorCode::NoStorageVol,
                format!("Could not find storage volume with key '{key}'"),
            )
        };
        // A datastore path or a LUN's device path (no disk's UUID can look like either);
        // when no volume has it, libvirt says so of the key.
        if key.starts_with('[') || key.starts_with('/') {
            return self
                .storage_vol_lookup_by_path(key)
                .map_err(|_| not_found());
        }
        if self.has_disk_uuids() {
            if let Some(vol) = self.disk_with_uuid(key)? {
                return Ok(vol);
            }
        }
        let state = self.iscsi_state()?;
        for l in &state.luns {
            let lun = crate::iscsi::lun_base(l);
            if crate::iscsi::lun_key(&lun.uuid) == key {
                let pool = lun
                    .key
                    .as_deref()
                    .and_then(|k| state.pool_of_lun(k))
                    .unwrap_or_default();
                let vol = StorageVol::of_lun(self, pool, lun.device_name.clone(), key.to_string());
                vol.prefetched_lun
                    .replace(lun_info(&state, &lun.device_name));
                return Ok(vol);
            }
        }
        Err(not_found())
    }

    /// The disk with this UUID (as a key), looked for datastore by datastore.
    fn disk_with_uuid(&self, key: &str) -> Result<Option<StorageVol<'_>>> {
        for ds in self.datastores()? {
            for f in self.datastore_files(&ds)? {
                if f.format != "vmdk" {
                    continue;
                }
                let path = format!("[{}] {}", ds.name, f.name);
                if let Ok(k) = self.volume_key(&path, true) {
                    if k.eq_ignore_ascii_case(key) {
                        return Ok(Some(StorageVol::of_file(self, ds, f, Some(k))));
                    }
                }
            }
        }
        Ok(None)
    }
}

impl<'c> StoragePool<'c> {
    /// What vol-create and vol-create-from share: refuse iSCSI pools, read the volume XML
    /// with this pool's defaults, and check it the way libvirt's VMFS backend does.
    fn plan_vmdk(&self, xml: &str, for_clone: bool) -> Result<(XmlVolume, VmdkCreatePlan)> {
        if self.backend == PoolBackend::Iscsi {
            return Err(Error::new(
                ErrorCode::NoSupport,
                "iSCSI storage pool does not support volume creation",
            ));
        }
        let d = self.located()?;
        let def = XmlVolume::from_xml_for_pool(xml, d.pool_type()?)
            .map_err(|e| Error::new(ErrorCode::XmlError, e.to_string()))?;
        let plan = def.esx_vmdk_plan(for_clone).map_err(|e| {
            let code = if e.unsupported {
                ErrorCode::NoSupport
            } else {
                ErrorCode::InternalError
            };
            Error::new(code, e.message)
        })?;
        Ok((def, plan))
    }

    /// The name (`virStoragePoolGetName`).
    pub fn get_name(&self) -> &str {
        &self.name
    }

    /// The UUID (`virStoragePoolGetUUIDString`).
    pub fn get_uuid_string(&self) -> String {
        crate::domain::format_uuid(&self.uuid)
    }

    /// Which backend serves this pool.
    pub fn backend(&self) -> PoolBackend {
        self.backend
    }

    /// The connection.
    pub fn connection(&self) -> &'c Connection {
        self.conn
    }

    /// The datastore with its current sizes: as the lookup saw it (once), else retrieved.
    fn datastore(&self) -> Result<Datastore> {
        if self.fresh.replace(false) {
            if let Some(d) = &self.seen {
                return Ok(d.clone());
            }
        }
        self.conn.datastore(&self.name)
    }

    /// The datastore for what does not change while it exists (its reference, browser and
    /// type): as the lookup saw it, else retrieved.
    fn located(&self) -> Result<std::borrow::Cow<'_, Datastore>> {
        Ok(match &self.seen {
            Some(d) => std::borrow::Cow::Borrowed(d),
            None => std::borrow::Cow::Owned(self.conn.datastore(&self.name)?),
        })
    }

    /// State, capacity, allocation, available (`virStoragePoolGetInfo`).
    pub fn get_info(&self) -> Result<StoragePoolInfo> {
        if self.backend == PoolBackend::Iscsi {
            // Sizes mean nothing for an iSCSI target.
            return Ok(StoragePoolInfo {
                state: StoragePoolState::Running,
                capacity: 0,
                allocation: 0,
                available: 0,
            });
        }
        let d = self.datastore()?;
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

    /// The pool XML (`virStoragePoolGetXMLDesc`).
    pub fn get_xml_desc(&self, flags: u32) -> Result<String> {
        check_flags(flags, 0, "esxStoragePoolGetXMLDesc")?;
        if self.backend == PoolBackend::Iscsi {
            return self
                .conn
                .iscsi_pool_xml(&self.name, &self.get_uuid_string());
        }
        let d = self.datastore()?;
        let mut def = XmlPool::new_esx(d.pool_type()?, d.name.clone(), self.get_uuid_string());
        def.target_path = Some(d.mount_path.clone());
        if d.accessible {
            def.capacity = d.capacity.max(0) as u64;
            def.available = d.free.max(0) as u64;
            def.allocation = (d.capacity - d.free).max(0) as u64;
        }
        match &d.info {
            Some(Value::NasDatastoreInfo(n)) => {
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
            Some(Value::VmfsDatastoreInfo(_)) => def.source.format = Some("vmfs".to_string()),
            _ => {}
        }
        Ok(def.to_xml())
    }

    /// Refreshes the datastore (`virStoragePoolRefresh`).
    pub fn refresh(&self, flags: u32) -> Result<()> {
        check_flags(flags, 0, "esxStoragePoolRefresh")?;
        if self.backend == PoolBackend::Iscsi {
            return self.conn.iscsi_rescan();
        }
        // Only the datastore's reference is needed, which the lookup's retrieval had; the
        // sizes it read are stale after the refresh, so they are dropped either way.
        self.fresh.set(false);
        let ds: ManagedObjectReference = self.located()?.moref.vi();
        self.conn.engine.run(|c| {
            let ds = ds.clone();
            async move { c.refresh_datastore(&ds).await.map_err(vi_err) }
        })
    }

    /// Always true (`virStoragePoolGetAutostart`).
    pub fn get_autostart(&self) -> Result<bool> {
        Ok(true)
    }

    /// Only enabling is accepted (`virStoragePoolSetAutostart`).
    pub fn set_autostart(&self, autostart: bool) -> Result<()> {
        if !autostart {
            return Err(Error::internal("Cannot deactivate storage pool autostart"));
        }
        Ok(())
    }

    /// Always true (`virStoragePoolIsActive`).
    pub fn is_active(&self) -> Result<bool> {
        Ok(true)
    }

    /// Always true (`virStoragePoolIsPersistent`).
    pub fn is_persistent(&self) -> Result<bool> {
        Ok(true)
    }

    /// Names of the pool's volumes (`virStoragePoolListVolumes`).
    pub fn list_volumes(&self) -> Result<Vec<String>> {
        if self.backend == PoolBackend::Iscsi {
            return Ok(self.conn.iscsi_state()?.volumes(&self.name));
        }
        Ok(self
            .conn
            .datastore_files(&*self.located()?)?
            .into_iter()
            .map(|f| f.name)
            .collect())
    }

    /// The pool's volumes as handles (`virStoragePoolListAllVolumes`), from one search of
    /// the datastore (or one read of the iSCSI state): each handle keeps what the search
    /// found for its first `get_info` / `get_xml_desc`, and asks for its key only when
    /// that is wanted.
    pub fn list_all_volumes(&self, flags: u32) -> Result<Vec<StorageVol<'c>>> {
        check_flags(flags, 0, "virStoragePoolListAllVolumes")?;
        if self.backend == PoolBackend::Iscsi {
            let state = self.iscsi_state()?;
            return state
                .volumes(&self.name)
                .iter()
                .map(|n| self.iscsi_vol(&state, n))
                .collect();
        }
        let d = self.located()?;
        Ok(self
            .conn
            .datastore_files(&d)?
            .into_iter()
            .map(|f| StorageVol::of_file(self.conn, d.as_ref().clone(), f, None))
            .collect())
    }

    /// Number of volumes (`virStoragePoolNumOfVolumes`).
    pub fn num_of_volumes(&self) -> Result<usize> {
        Ok(self.list_volumes()?.len())
    }

    /// The volume with this name (`virStorageVolLookupByName`). A datastore file is not
    /// looked for here: its key (the disk's UUID, else the path) is asked for when first
    /// wanted, and a missing file shows when its information is.
    pub fn storage_vol_lookup_by_name(&self, name: &str) -> Result<StorageVol<'c>> {
        if self.backend == PoolBackend::Iscsi {
            let state = self.iscsi_state()?;
            return self.iscsi_vol(&state, name);
        }
        let vol = StorageVol::new(
            self.conn,
            PoolBackend::Datastore,
            self.name.clone(),
            name.to_string(),
        );
        if let Some(d) = &self.seen {
            let _ = vol.datastore.set(d.clone());
        }
        // On an ESX host libvirt's lookup reads the file's information, so a name that
        // names no file fails here (and the CLI goes on to the lookups by key and path as
        // virsh does); what the search found serves the volume's first information. The
        // key stays lazy: a disk's UUID query failing for a file that exists is the one
        // case where this lookup succeeds and libvirt's does not.
        if self.conn.has_disk_uuids() {
            let found = vol.file()?;
            vol.prefetched.replace(Some(found));
        }
        Ok(vol)
    }

    /// The host's iSCSI state: as the lookup read it (once), else retrieved.
    fn iscsi_state(&self) -> Result<Rc<IscsiState>> {
        match self.iscsi.take() {
            Some(state) => Ok(state),
            None => Ok(Rc::new(self.conn.iscsi_state()?)),
        }
    }

    /// The LUN with this name of the iSCSI state `state`.
    fn iscsi_vol(&self, state: &IscsiState, name: &str) -> Result<StorageVol<'c>> {
        let lun = state
            .luns
            .iter()
            .map(crate::iscsi::lun_base)
            .find(|l| l.base.device_name == name)
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::NoStorageVol,
                    format!("Could not find storage volume with name '{name}'"),
                )
            })?;
        let vol = StorageVol::of_lun(
            self.conn,
            self.name.clone(),
            name.to_string(),
            crate::iscsi::lun_key(&lun.uuid),
        );
        vol.prefetched_lun.replace(lun_info(state, name));
        Ok(vol)
    }

    fn run_disk_task<S, Fut>(&self, start: S, fail: &str) -> Result<()>
    where
        S: Fn(Client, ManagedObjectReference) -> Fut,
        Fut: std::future::Future<
            Output = std::result::Result<ManagedObjectReference, esxvirt_vi::Error>,
        >,
    {
        self.conn.check_writable()?;
        let ctx = self.conn.engine.context()?;
        let auto = self.conn.engine.auto_answer;
        let start = &start;
        self.conn.engine.run(|c| {
            let dc = ctx.datacenter.vi();
            async move {
                let task = start(c.clone(), dc).await.map_err(vi_err)?;
                let out = crate::tasks::wait(&c, &task, None, auto).await?;
                if !out.success {
                    return Err(Error::internal(format!("{fail}: {}", out.error)));
                }
                Ok(())
            }
        })
    }

    /// Creates a volume from volume XML (`virStorageVolCreateXML`): a VMDK via the
    /// VirtualDiskManager, in an existing or new directory.
    pub fn storage_vol_create_xml(&self, xml: &str, flags: u32) -> Result<StorageVol<'c>> {
        check_flags(flags, 0, "esxStorageVolCreateXML")?;
        let (def, plan) = self.plan_vmdk(xml, false)?;
        let path = format!("[{}] {}", self.name, def.name);
        let dir = match def.name.rfind('/') {
            Some(i) => format!("[{}] {}", self.name, &def.name[..i]),
            None => format!("[{}]", self.name),
        };
        let ctx = self.conn.engine.context()?;
        // The directory may not exist yet.
        let _ = self.conn.engine.run(|c| {
            let (dir, dc) = (dir.clone(), ctx.datacenter.vi());
            async move {
                c.make_directory(&dir, Some(&dc), Some(true))
                    .await
                    .map_err(vi_err)
            }
        });
        let spec = AnyVirtualDiskSpec::FileBackedVirtualDiskSpec(FileBackedVirtualDiskSpec {
            base: VirtualDiskSpec {
                disk_type: plan.disk_type.to_string(),
                adapter_type: plan.adapter_type.to_string(),
            },
            capacity_kb: plan.capacity_kb as i64,
        });
        let (p, s) = (&path, &spec);
        self.run_disk_task(
            |c, dc| async move { c.create_virtual_disk_task(p, Some(&dc), s).await },
            "Could not create volume",
        )?;
        self.storage_vol_lookup_by_name(&def.name)
    }

    /// Creates a volume as a copy of `source` (`virStorageVolCreateXMLFrom`).
    pub fn storage_vol_create_xml_from(
        &self,
        xml: &str,
        source: &StorageVol<'_>,
        flags: u32,
    ) -> Result<StorageVol<'c>> {
        check_flags(flags, 0, "esxStorageVolCreateXMLFrom")?;
        let (def, plan) = self.plan_vmdk(xml, true)?;
        let src = format!("[{}] {}", source.pool, source.name);
        let dst = format!("[{}] {}", self.name, def.name);
        // The target directory may not exist yet (libvirt creates it too).
        if let Some(i) = def.name.rfind('/') {
            let dir = format!("[{}] {}", self.name, &def.name[..i]);
            let ctx = self.conn.engine.context()?;
            let _ = self.conn.engine.run(|c| {
                let (dir, dc) = (dir.clone(), ctx.datacenter.vi());
                async move {
                    c.make_directory(&dir, Some(&dc), Some(true))
                        .await
                        .map_err(vi_err)
                }
            });
        }
        let spec = AnyVirtualDiskSpec::VirtualDiskSpec(VirtualDiskSpec {
            disk_type: plan.disk_type.to_string(),
            adapter_type: plan.adapter_type.to_string(),
        });
        let (s, t, sp) = (&src, &dst, &spec);
        self.run_disk_task(
            |c, dc| async move {
                c.copy_virtual_disk_task(s, Some(&dc), t, Some(&dc), Some(sp), Some(false))
                    .await
            },
            "Could not copy volume",
        )?;
        self.storage_vol_lookup_by_name(&def.name)
    }
}

/// What `virStorageVolGetInfo` tells of the iSCSI disk `name`, if the state has it.
fn lun_info(state: &IscsiState, name: &str) -> Option<StorageVolInfo> {
    let d = state.disk(name)?;
    let cap = (d.capacity.block.max(0) as u64).saturating_mul(d.capacity.block_size.max(0) as u64);
    Some(StorageVolInfo {
        kind: StorageVolType::Block,
        capacity: cap,
        allocation: cap,
    })
}

/// A storage volume: a file of a datastore (`dir/disk.vmdk`), or a LUN of an iSCSI target.
#[derive(Debug, Clone)]
pub struct StorageVol<'c> {
    pub(crate) conn: &'c Connection,
    pub(crate) pool: String,
    pub(crate) name: String,
    /// The key: set by the lookups that had it (or had to ask for it), else asked for on
    /// its first use (a disk's UUID costs a request: most commands never need it).
    pub(crate) key: OnceCell<String>,
    pub(crate) backend: PoolBackend,
    /// The datastore holding the file, as the pool's lookup saw it (else retrieved on the
    /// first search): its browser serves the searches for the file.
    pub(crate) datastore: OnceCell<Datastore>,
    /// The file as the lookup's search found it, used once by [`StorageVol::get_info`] or
    /// [`StorageVol::get_xml_desc`]; later queries search afresh.
    pub(crate) prefetched: RefCell<Option<FoundFile>>,
    /// A LUN's information from the lookup's iSCSI state, used once by
    /// [`StorageVol::get_info`].
    pub(crate) prefetched_lun: RefCell<Option<StorageVolInfo>>,
}

impl<'c> StorageVol<'c> {
    /// A handle knowing nothing but its names.
    fn new(conn: &'c Connection, backend: PoolBackend, pool: String, name: String) -> Self {
        StorageVol {
            conn,
            pool,
            name,
            key: OnceCell::new(),
            backend,
            datastore: OnceCell::new(),
            prefetched: RefCell::new(None),
            prefetched_lun: RefCell::new(None),
        }
    }

    /// A file of datastore `ds` as a search found it, with its key when known.
    fn of_file(conn: &'c Connection, ds: Datastore, file: FoundFile, key: Option<String>) -> Self {
        let vol = Self::new(
            conn,
            PoolBackend::Datastore,
            ds.name.clone(),
            file.name.clone(),
        );
        if let Some(k) = key {
            let _ = vol.key.set(k);
        }
        let _ = vol.datastore.set(ds);
        vol.prefetched.replace(Some(file));
        vol
    }

    /// A LUN of the iSCSI pool `pool`.
    fn of_lun(conn: &'c Connection, pool: String, name: String, key: String) -> Self {
        let vol = Self::new(conn, PoolBackend::Iscsi, pool, name);
        let _ = vol.key.set(key);
        vol
    }

    /// The name (`virStorageVolGetName`).
    pub fn get_name(&self) -> &str {
        &self.name
    }

    /// The key (`virStorageVolGetKey`): the disk's UUID for VMDKs, else the path (also
    /// when the UUID cannot be read). Asked for of the host on the first call.
    pub fn get_key(&self) -> &str {
        self.key.get_or_init(|| {
            let path = format!("[{}] {}", self.pool, self.name);
            let is_disk = self.name.to_ascii_lowercase().ends_with(".vmdk");
            self.conn.volume_key(&path, is_disk).unwrap_or(path)
        })
    }

    /// The name of the pool it is in.
    pub fn pool_name(&self) -> &str {
        &self.pool
    }

    /// Its pool (`virStoragePoolLookupByVolume`). A datastore the volume's lookup had
    /// needs no second retrieval (its sizes are read afresh when asked for).
    pub fn get_pool(&self) -> Result<StoragePool<'c>> {
        match self.datastore.get() {
            Some(d) if !self.is_iscsi() => {
                let pool = self.conn.pool_of(d);
                pool.fresh.set(false);
                Ok(pool)
            }
            _ => self.conn.storage_pool_lookup_by_name(&self.pool),
        }
    }

    /// Whether this is a LUN of an iSCSI pool.
    fn is_iscsi(&self) -> bool {
        self.backend == PoolBackend::Iscsi
    }

    /// The path (`virStorageVolGetPath`): `[datastore] dir/file.vmdk`, or the LUN's name.
    pub fn get_path(&self) -> Result<String> {
        if self.is_iscsi() {
            return Ok(self.name.clone());
        }
        Ok(format!("[{}] {}", self.pool, self.name))
    }

    /// The file as the lookup found it (once), else searched for.
    pub(crate) fn file(&self) -> Result<FoundFile> {
        if let Some(f) = self.prefetched.take() {
            return Ok(f);
        }
        let d = match self.datastore.get() {
            Some(d) => d,
            None => {
                let d = self.conn.datastore(&self.pool)?;
                self.datastore.get_or_init(|| d)
            }
        };
        self.conn.datastore_file(d, &self.name)
    }

    /// Type, capacity, allocation (`virStorageVolGetInfo`).
    pub fn get_info(&self) -> Result<StorageVolInfo> {
        if self.is_iscsi() {
            if let Some(info) = self.prefetched_lun.take() {
                return Ok(info);
            }
            return lun_info(&self.conn.iscsi_state()?, &self.name).ok_or_else(|| {
                Error::new(
                    ErrorCode::NoStorageVol,
                    format!("Could not find volume with name: {}", self.name),
                )
            });
        }
        Ok(self.file()?.info())
    }

    /// The volume XML (`virStorageVolGetXMLDesc`).
    pub fn get_xml_desc(&self, flags: u32) -> Result<String> {
        check_flags(flags, 0, "esxStorageVolGetXMLDesc")?;
        if self.is_iscsi() {
            return self.conn.iscsi_vol_xml(&self.name);
        }
        let f = self.file()?;
        let info = f.info();
        let path = self.get_path()?;
        let def = XmlVolume::new_esx(
            VolumeType::File,
            self.name.clone(),
            self.get_key().to_string(),
            info.capacity,
            info.allocation,
            path,
            Some(f.format),
        );
        Ok(def.to_xml())
    }

    fn disk_task<S, Fut>(&self, start: S, fail: &str) -> Result<()>
    where
        S: Fn(Client, String, ManagedObjectReference) -> Fut,
        Fut: std::future::Future<
            Output = std::result::Result<ManagedObjectReference, esxvirt_vi::Error>,
        >,
    {
        let pool = StoragePool {
            conn: self.conn,
            name: self.pool.clone(),
            uuid: [0; 16],
            backend: PoolBackend::Datastore,
            seen: None,
            fresh: Default::default(),
            iscsi: RefCell::new(None),
        };
        let path = self.get_path()?;
        let start = &start;
        let path = &path;
        pool.run_disk_task(|c, dc| start(c, path.clone(), dc), fail)
    }

    /// Deletes the volume (`virStorageVolDelete`).
    pub fn delete(&self, flags: u32) -> Result<()> {
        check_flags(flags, 0, "esxStorageVolDelete")?;
        if self.is_iscsi() {
            return Err(Error::new(
                ErrorCode::NoSupport,
                "iSCSI storage pool does not support volume deletion",
            ));
        }
        self.disk_task(
            |c, p, dc| async move { c.delete_virtual_disk_task(&p, Some(&dc)).await },
            "Could not delete volume",
        )
    }

    /// Zero-fills the volume (`virStorageVolWipe`).
    pub fn wipe(&self, flags: u32) -> Result<()> {
        check_flags(flags, 0, "esxStorageVolWipe")?;
        if self.is_iscsi() {
            return Err(Error::new(
                ErrorCode::NoSupport,
                "iSCSI storage pool does not support volume wiping",
            ));
        }
        self.disk_task(
            |c, p, dc| async move { c.zero_fill_virtual_disk_task(&p, Some(&dc)).await },
            "Could not wipe volume",
        )
    }
}
