//! Storage: pool and volume handles (`virStoragePool*`, `virStorageVol*`) over two
//! backends, as libvirt's ESX driver has them: datastores (VMFS, NFS, local: `vmfs`) and
//! the static targets of the host's iSCSI adapter (`iscsi`). Each pool belongs to one
//! backend ([`PoolBackend`]); its calls and its volumes' go through that backend's
//! `Backend` implementation. Lookups that do not name a backend ask each in turn, as
//! libvirt's storage driver does; listing all pools reads both backends' sources in one
//! retrieval. Volume data transfers are in [`transfer`].

use std::cell::{OnceCell, RefCell};

use esxvirt_vi::ManagedObjectReference;

use crate::connection::Connection;
use crate::error::{check_flags, Error, ErrorCode, Result};
use crate::types::{StoragePoolInfo, StorageVolInfo};
use crate::uuid::{format_uuid, parse_uuid};

pub(crate) mod iscsi;
pub mod transfer;
pub(crate) mod vmfs;

pub(crate) use vmfs::mount_path;

/// Which backend a pool belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolBackend {
    /// A datastore (VMFS, NFS, ...).
    Datastore,
    /// An iSCSI target of a host bus adapter.
    Iscsi,
}

/// What a storage backend does with its pools and volumes (libvirt's per-backend driver
/// table). A method a backend cannot do answers with libvirt's error for it.
pub(crate) trait Backend: Sync {
    /// Its pools (one retrieval at most: a listing reads all backends' sources first).
    fn pools<'c>(&self, conn: &'c Connection) -> Result<Vec<StoragePool<'c>>>;
    /// The host properties its pools come from (read with the datastores by a listing).
    fn host_paths(&self) -> &'static [&'static str];
    /// Its pools as the server has them now (a lookup reads afresh, past the cache).
    fn current_pools<'c>(&self, conn: &'c Connection) -> Result<Vec<StoragePool<'c>>>;
    /// The first character of this backend's volume paths (`[datastore] file`, `/dev/...`).
    fn path_start(&self) -> char;
    /// The volume at `path`, a path of this backend's form.
    fn volume_at_path<'c>(&self, conn: &'c Connection, path: &str) -> Result<StorageVol<'c>>;
    /// The volume with key `key`, if this backend has one.
    fn volume_by_key<'c>(&self, conn: &'c Connection, key: &str) -> Result<Option<StorageVol<'c>>>;

    /// `virStoragePoolGetInfo`.
    fn pool_info(&self, pool: &StoragePool<'_>) -> Result<StoragePoolInfo>;
    /// `virStoragePoolGetXMLDesc`.
    fn pool_xml(&self, pool: &StoragePool<'_>) -> Result<String>;
    /// `virStoragePoolRefresh`.
    fn refresh(&self, pool: &StoragePool<'_>) -> Result<()>;
    /// `virStoragePoolListVolumes`.
    fn volume_names(&self, pool: &StoragePool<'_>) -> Result<Vec<String>>;
    /// `virStoragePoolListAllVolumes`.
    fn volumes<'c>(&self, pool: &StoragePool<'c>) -> Result<Vec<StorageVol<'c>>>;
    /// `virStorageVolLookupByName`.
    fn volume_by_name<'c>(&self, pool: &StoragePool<'c>, name: &str) -> Result<StorageVol<'c>>;
    /// `virStorageVolCreateXML`.
    fn create_volume<'c>(&self, pool: &StoragePool<'c>, xml: &str) -> Result<StorageVol<'c>>;
    /// `virStorageVolCreateXMLFrom`.
    fn clone_volume<'c>(
        &self,
        pool: &StoragePool<'c>,
        xml: &str,
        source: &StorageVol<'_>,
    ) -> Result<StorageVol<'c>>;

    /// `virStorageVolGetInfo`.
    fn volume_info(&self, vol: &StorageVol<'_>) -> Result<StorageVolInfo>;
    /// `virStorageVolGetXMLDesc`.
    fn volume_xml(&self, vol: &StorageVol<'_>) -> Result<String>;
    /// `virStorageVolGetPath`.
    fn volume_path(&self, vol: &StorageVol<'_>) -> Result<String>;
    /// `virStorageVolGetKey`, when not known yet (never fails: the path is the fallback).
    fn volume_key(&self, vol: &StorageVol<'_>) -> String;
    /// `virStoragePoolLookupByVolume`.
    fn volume_pool<'c>(&self, vol: &StorageVol<'c>) -> Result<StoragePool<'c>>;
    /// `virStorageVolDelete`.
    fn delete_volume(&self, vol: &StorageVol<'_>) -> Result<()>;
    /// `virStorageVolWipe`.
    fn wipe_volume(&self, vol: &StorageVol<'_>) -> Result<()>;
    /// The datastore file holding the volume's data (for transfers).
    fn data_file(&self, vol: &StorageVol<'_>) -> Result<transfer::DataFile>;
}

/// The backends, in the order libvirt's storage driver asks them.
const BACKENDS: [PoolBackend; 2] = [PoolBackend::Datastore, PoolBackend::Iscsi];

impl PoolBackend {
    /// The backend's implementation.
    fn imp(self) -> &'static dyn Backend {
        match self {
            PoolBackend::Datastore => &vmfs::Vmfs,
            PoolBackend::Iscsi => &iscsi::Iscsi,
        }
    }
}

/// libvirt's error for a pool name no backend has.
pub(crate) fn pool_not_found(name: &str) -> Error {
    Error::new(
        ErrorCode::NoStoragePool,
        format!("Could not find storage pool with name '{name}'"),
    )
}

/// A storage pool: a datastore or an iSCSI target. Its reads go through the connection's
/// object cache (a datastore's sizes answer each kind of query once).
#[derive(Debug, Clone)]
pub struct StoragePool<'c> {
    pub(crate) conn: &'c Connection,
    pub(crate) name: String,
    pub(crate) uuid: [u8; 16],
    pub(crate) backend: PoolBackend,
    /// The datastore (a datastore pool's only).
    pub(crate) datastore: Option<ManagedObjectReference>,
}

impl<'c> StoragePool<'c> {
    /// This pool's backend.
    fn imp(&self) -> &'static dyn Backend {
        self.backend.imp()
    }

    /// The name (`virStoragePoolGetName`).
    pub fn get_name(&self) -> &str {
        &self.name
    }

    /// The UUID (`virStoragePoolGetUUIDString`).
    pub fn get_uuid_string(&self) -> String {
        format_uuid(&self.uuid)
    }

    /// Which backend serves this pool.
    pub fn backend(&self) -> PoolBackend {
        self.backend
    }

    /// The connection.
    pub fn connection(&self) -> &'c Connection {
        self.conn
    }

    /// State, capacity, allocation, available (`virStoragePoolGetInfo`).
    pub fn get_info(&self) -> Result<StoragePoolInfo> {
        self.imp().pool_info(self)
    }

    /// The pool XML (`virStoragePoolGetXMLDesc`).
    pub fn get_xml_desc(&self, flags: u32) -> Result<String> {
        check_flags(flags, 0, "esxStoragePoolGetXMLDesc")?;
        self.imp().pool_xml(self)
    }

    /// Refreshes the pool (`virStoragePoolRefresh`): the datastore, or the iSCSI adapter.
    pub fn refresh(&self, flags: u32) -> Result<()> {
        check_flags(flags, 0, "esxStoragePoolRefresh")?;
        self.imp().refresh(self)
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
        self.imp().volume_names(self)
    }

    /// The pool's volumes as handles (`virStoragePoolListAllVolumes`), from one search of
    /// the datastore (or one read of the iSCSI state): each handle keeps what the search
    /// found for its first `get_info` / `get_xml_desc`, and asks for its key only when
    /// that is wanted.
    pub fn list_all_volumes(&self, flags: u32) -> Result<Vec<StorageVol<'c>>> {
        check_flags(flags, 0, "virStoragePoolListAllVolumes")?;
        self.imp().volumes(self)
    }

    /// Number of volumes (`virStoragePoolNumOfVolumes`).
    pub fn num_of_volumes(&self) -> Result<usize> {
        Ok(self.list_volumes()?.len())
    }

    /// The volume with this name (`virStorageVolLookupByName`).
    pub fn storage_vol_lookup_by_name(&self, name: &str) -> Result<StorageVol<'c>> {
        self.imp().volume_by_name(self, name)
    }

    /// Creates a volume from volume XML (`virStorageVolCreateXML`).
    pub fn storage_vol_create_xml(&self, xml: &str, flags: u32) -> Result<StorageVol<'c>> {
        check_flags(flags, 0, "esxStorageVolCreateXML")?;
        self.imp().create_volume(self, xml)
    }

    /// Creates a volume as a copy of `source` (`virStorageVolCreateXMLFrom`).
    pub fn storage_vol_create_xml_from(
        &self,
        xml: &str,
        source: &StorageVol<'_>,
        flags: u32,
    ) -> Result<StorageVol<'c>> {
        check_flags(flags, 0, "esxStorageVolCreateXMLFrom")?;
        self.imp().clone_volume(self, xml, source)
    }
}

/// A storage volume: a file of a datastore (`dir/disk.vmdk`), or a LUN of an iSCSI target.
#[derive(Debug, Clone)]
pub struct StorageVol<'c> {
    pub(crate) conn: &'c Connection,
    pub(crate) pool: String,
    pub(crate) name: String,
    pub(crate) backend: PoolBackend,
    /// The key: set by the lookups that had it (or had to ask for it), else asked for on
    /// its first use (a disk's UUID costs a request: most commands never need it).
    pub(crate) key: OnceCell<String>,
    /// The datastore holding the file, when the pool's lookup knew it.
    pub(crate) datastore: Option<ManagedObjectReference>,
    /// What the lookup or listing found of the volume (a datastore search's file, an iSCSI
    /// LUN's size), used once by [`StorageVol::get_info`] or [`StorageVol::get_xml_desc`]:
    /// it is not an object's property but a search result, and a later query searches
    /// afresh.
    pub(crate) found: RefCell<Option<Found>>,
}

/// What a search or the iSCSI state told about a volume.
#[derive(Debug, Clone)]
pub(crate) enum Found {
    /// A datastore file.
    File(vmfs::FoundFile),
    /// A LUN's information.
    Lun(StorageVolInfo),
}

impl<'c> StorageVol<'c> {
    /// A handle knowing nothing but its names.
    pub(crate) fn new(
        conn: &'c Connection,
        backend: PoolBackend,
        pool: String,
        name: String,
    ) -> Self {
        StorageVol {
            conn,
            pool,
            name,
            backend,
            key: OnceCell::new(),
            datastore: None,
            found: RefCell::new(None),
        }
    }

    /// This volume's backend.
    fn imp(&self) -> &'static dyn Backend {
        self.backend.imp()
    }

    /// The name (`virStorageVolGetName`).
    pub fn get_name(&self) -> &str {
        &self.name
    }

    /// The key (`virStorageVolGetKey`): the disk's UUID for VMDKs on an ESX host, else the
    /// path (also when the UUID cannot be read); a LUN's MD5-of-UUID. Asked for of the
    /// host on the first call when the lookup did not have it.
    pub fn get_key(&self) -> &str {
        self.key.get_or_init(|| self.imp().volume_key(self))
    }

    /// The name of the pool it is in.
    pub fn pool_name(&self) -> &str {
        &self.pool
    }

    /// Its pool (`virStoragePoolLookupByVolume`).
    pub fn get_pool(&self) -> Result<StoragePool<'c>> {
        self.imp().volume_pool(self)
    }

    /// The path (`virStorageVolGetPath`): `[datastore] dir/file.vmdk`, or the LUN's name.
    pub fn get_path(&self) -> Result<String> {
        self.imp().volume_path(self)
    }

    /// Type, capacity, allocation (`virStorageVolGetInfo`).
    pub fn get_info(&self) -> Result<StorageVolInfo> {
        self.imp().volume_info(self)
    }

    /// The volume XML (`virStorageVolGetXMLDesc`).
    pub fn get_xml_desc(&self, flags: u32) -> Result<String> {
        check_flags(flags, 0, "esxStorageVolGetXMLDesc")?;
        self.imp().volume_xml(self)
    }

    /// Deletes the volume (`virStorageVolDelete`).
    pub fn delete(&self, flags: u32) -> Result<()> {
        check_flags(flags, 0, "esxStorageVolDelete")?;
        self.imp().delete_volume(self)
    }

    /// Zero-fills the volume (`virStorageVolWipe`).
    pub fn wipe(&self, flags: u32) -> Result<()> {
        check_flags(flags, 0, "esxStorageVolWipe")?;
        self.imp().wipe_volume(self)
    }
}

impl Connection {
    /// Every storage pool matching `flags` (`virConnectListAllStoragePools`): pools are
    /// always active, persistent and autostarted. One retrieval reads every backend's
    /// sources (the host's datastores and its iSCSI adapter).
    pub fn list_all_storage_pools(&self, flags: u32) -> Result<Vec<StoragePool<'_>>> {
        use crate::flags::list_pools as f;
        if (flags & (f::ACTIVE | f::INACTIVE) == f::INACTIVE)
            || (flags & (f::PERSISTENT | f::TRANSIENT) == f::TRANSIENT)
            || (flags & (f::AUTOSTART | f::NO_AUTOSTART) == f::NO_AUTOSTART)
        {
            return Ok(Vec::new());
        }
        let host_paths: Vec<&str> = BACKENDS
            .iter()
            .flat_map(|b| b.imp().host_paths().iter().copied())
            .collect();
        self.read_datastores(&host_paths)?;
        let mut pools = Vec::new();
        for b in BACKENDS {
            pools.extend(b.imp().pools(self)?);
        }
        Ok(pools)
    }

    /// Names of the active pools (`virConnectListStoragePools`).
    pub fn list_storage_pools(&self) -> Result<Vec<String>> {
        Ok(self
            .list_all_storage_pools(0)?
            .into_iter()
            .map(|p| p.name)
            .collect())
    }

    /// The first pool `pick` takes, the backends asked in turn, each reading its pools
    /// afresh (a later backend is not asked once one has it).
    fn find_pool(
        &self,
        pick: impl Fn(&StoragePool<'_>) -> bool,
    ) -> Result<Option<StoragePool<'_>>> {
        for b in BACKENDS {
            if let Some(p) = b.imp().current_pools(self)?.into_iter().find(&pick) {
                return Ok(Some(p));
            }
        }
        Ok(None)
    }

    /// The pool with this name (`virStoragePoolLookupByName`).
    pub fn storage_pool_lookup_by_name(&self, name: &str) -> Result<StoragePool<'_>> {
        self.find_pool(|p| p.name == name)?
            .ok_or_else(|| pool_not_found(name))
    }

    /// The pool with this UUID string (`virStoragePoolLookupByUUIDString`).
    pub fn storage_pool_lookup_by_uuid_string(&self, uuid: &str) -> Result<StoragePool<'_>> {
        let u = parse_uuid(uuid).ok_or_else(|| {
            Error::invalid_arg(format!("Could not parse UUID from string '{uuid}'"))
        })?;
        self.find_pool(|p| p.uuid == u)?.ok_or_else(|| {
            Error::new(
                ErrorCode::NoStoragePool,
                format!(
                    "Could not find storage pool with uuid '{}'",
                    format_uuid(&u)
                ),
            )
        })
    }

    /// The volume at this path: `[datastore] dir/disk.vmdk`, or an iSCSI LUN's device path
    /// (`virStorageVolLookupByPath`).
    pub fn storage_vol_lookup_by_path(&self, path: &str) -> Result<StorageVol<'_>> {
        for b in BACKENDS {
            if path.starts_with(b.imp().path_start()) {
                return b.imp().volume_at_path(self, path);
            }
        }
        Err(Error::invalid_arg(format!(
            "Unexpected volume path format: {path}"
        )))
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
        for b in BACKENDS {
            if let Some(v) = b.imp().volume_by_key(self, key)? {
                return Ok(v);
            }
        }
        Err(not_found())
    }
}
