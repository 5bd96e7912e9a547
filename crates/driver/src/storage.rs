//! Storage pool and volume handles: VMFS/NFS datastores and iSCSI targets, and their
//! files or LUNs (`virStoragePool*`, `virStorageVol*`).

use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::types::{StoragePoolInfo, StorageVolInfo};

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
}

impl<'c> StoragePool<'c> {
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

    /// State, capacity, allocation, available (`virStoragePoolGetInfo`).
    pub fn get_info(&self) -> Result<StoragePoolInfo> {
        Err(Error::not_yet("virStoragePoolGetInfo"))
    }

    /// The pool XML (`virStoragePoolGetXMLDesc`).
    pub fn get_xml_desc(&self, flags: u32) -> Result<String> {
        let _ = flags;
        Err(Error::not_yet("virStoragePoolGetXMLDesc"))
    }

    /// Refreshes the datastore or rescans the HBA (`virStoragePoolRefresh`).
    pub fn refresh(&self, flags: u32) -> Result<()> {
        let _ = flags;
        Err(Error::not_yet("virStoragePoolRefresh"))
    }

    /// Always true (`virStoragePoolGetAutostart`).
    pub fn get_autostart(&self) -> Result<bool> {
        Ok(true)
    }

    /// Only enabling is accepted (`virStoragePoolSetAutostart`).
    pub fn set_autostart(&self, autostart: bool) -> Result<()> {
        let _ = autostart;
        Err(Error::not_yet("virStoragePoolSetAutostart"))
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
        Err(Error::not_yet("virStoragePoolListVolumes"))
    }

    /// The pool's volumes as handles (`virStoragePoolListAllVolumes`).
    pub fn list_all_volumes(&self, flags: u32) -> Result<Vec<StorageVol<'c>>> {
        let _ = flags;
        Err(Error::not_yet("virStoragePoolListAllVolumes"))
    }

    /// Number of volumes (`virStoragePoolNumOfVolumes`).
    pub fn num_of_volumes(&self) -> Result<usize> {
        Ok(self.list_volumes()?.len())
    }

    /// The volume with this name (`virStorageVolLookupByName`).
    pub fn storage_vol_lookup_by_name(&self, name: &str) -> Result<StorageVol<'c>> {
        let _ = name;
        Err(Error::not_yet("virStorageVolLookupByName"))
    }

    /// Creates a volume from volume XML (`virStorageVolCreateXML`).
    pub fn storage_vol_create_xml(&self, xml: &str, flags: u32) -> Result<StorageVol<'c>> {
        let _ = (xml, flags);
        Err(Error::not_yet("virStorageVolCreateXML"))
    }

    /// Creates a volume as a copy of `source` (`virStorageVolCreateXMLFrom`).
    pub fn storage_vol_create_xml_from(
        &self,
        xml: &str,
        source: &StorageVol<'_>,
        flags: u32,
    ) -> Result<StorageVol<'c>> {
        let _ = (xml, source, flags);
        Err(Error::not_yet("virStorageVolCreateXMLFrom"))
    }
}

/// A storage volume: a file of a datastore (`dir/disk.vmdk`) or an iSCSI LUN.
#[derive(Debug, Clone)]
pub struct StorageVol<'c> {
    pub(crate) conn: &'c Connection,
    pub(crate) pool: String,
    pub(crate) name: String,
    pub(crate) key: String,
}

impl<'c> StorageVol<'c> {
    /// The name (`virStorageVolGetName`).
    pub fn get_name(&self) -> &str {
        &self.name
    }

    /// The key (`virStorageVolGetKey`): the disk's UUID for VMFS, the LUN's for iSCSI.
    pub fn get_key(&self) -> &str {
        &self.key
    }

    /// The name of the pool it is in.
    pub fn pool_name(&self) -> &str {
        &self.pool
    }

    /// Its pool (`virStoragePoolLookupByVolume`).
    pub fn get_pool(&self) -> Result<StoragePool<'c>> {
        self.conn.storage_pool_lookup_by_name(&self.pool)
    }

    /// The path (`virStorageVolGetPath`): `[datastore] dir/file.vmdk`.
    pub fn get_path(&self) -> Result<String> {
        Err(Error::not_yet("virStorageVolGetPath"))
    }

    /// Type, capacity, allocation (`virStorageVolGetInfo`).
    pub fn get_info(&self) -> Result<StorageVolInfo> {
        Err(Error::not_yet("virStorageVolGetInfo"))
    }

    /// The volume XML (`virStorageVolGetXMLDesc`).
    pub fn get_xml_desc(&self, flags: u32) -> Result<String> {
        let _ = flags;
        Err(Error::not_yet("virStorageVolGetXMLDesc"))
    }

    /// Deletes the volume (`virStorageVolDelete`).
    pub fn delete(&self, flags: u32) -> Result<()> {
        let _ = flags;
        Err(Error::not_yet("virStorageVolDelete"))
    }

    /// Zero-fills the volume (`virStorageVolWipe`).
    pub fn wipe(&self, flags: u32) -> Result<()> {
        let _ = flags;
        Err(Error::not_yet("virStorageVolWipe"))
    }
}
