//! The iSCSI storage backend, as libvirt's ESX driver has it: each static target of the
//! host's (software) iSCSI adapter is a pool named by its IQN (UUID: MD5 of the IQN); its
//! volumes are the LUNs the SCSI topology shows behind the target, named by device name,
//! keyed by the MD5 of the LUN's UUID. Volumes are block devices: they cannot be created,
//! deleted, wiped or transferred. Everything is read from the host's storage device
//! configuration: a listing and the calls right after a lookup through the object cache,
//! anything else afresh.

use esxvirt_vi::props::host_system as host;
use esxvirt_vi::{
    AnyHostHostBusAdapter, AnyHostTargetTransport, AnyScsiLun, HostInternetScsiHba,
    HostInternetScsiHbaStaticTarget, HostScsiDisk, ManagedObjectReference, ScsiLun,
};
use esxvirt_xml::storage::pool::{PoolHost, PoolType, StoragePool as XmlPool};
use esxvirt_xml::storage::volume::{StorageVolume as XmlVolume, VolumeType};

use super::transfer::DataFile;
use super::{Backend, Found, PoolBackend, StoragePool, StorageVol};
use crate::connection::engine::{Change, Props};
use crate::connection::Connection;
use crate::error::{Error, ErrorCode, Result};
use crate::types::{StoragePoolInfo, StoragePoolState, StorageVolInfo, StorageVolType};
use crate::uuid::format_uuid;

/// The iSCSI backend.
pub(crate) struct Iscsi;

/// The host properties the iSCSI state is read from.
pub(crate) const ISCSI_HOST_PATHS: &[&str] = &[
    host::CONFIG_STORAGE_DEVICE_HOST_BUS_ADAPTER.path(),
    host::CONFIG_STORAGE_DEVICE_SCSI_LUN.path(),
    host::CONFIG_STORAGE_DEVICE_SCSI_TOPOLOGY.path(),
    host::CONFIG_MANAGER_STORAGE_SYSTEM.path(),
];

/// The host's iSCSI view from one retrieval.
#[derive(Debug)]
pub(crate) struct IscsiState {
    pub hba: Option<HostInternetScsiHba>,
    pub luns: Vec<AnyScsiLun>,
    /// (target IQN, LUN keys) from the SCSI topology.
    pub topology: Vec<(String, Vec<String>)>,
    pub storage_system: Option<ManagedObjectReference>,
}

/// The `virStorageVol` key of a LUN: MD5 of its UUID, formatted as a UUID.
pub(crate) fn lun_key(uuid: &str) -> String {
    format_uuid(&crate::md5::md5(uuid.as_bytes()))
}

/// The common part of a LUN.
pub(crate) fn lun_base(l: &AnyScsiLun) -> &ScsiLun {
    match l {
        AnyScsiLun::ScsiLun(s) => s,
        AnyScsiLun::HostScsiDisk(d) => &d.base,
    }
}

impl IscsiState {
    /// The state from the host's [`ISCSI_HOST_PATHS`] properties.
    fn from_host(p: &Props) -> IscsiState {
        let hba = p
            .get(host::CONFIG_STORAGE_DEVICE_HOST_BUS_ADAPTER)
            .unwrap_or_default()
            .into_iter()
            .find_map(|a| match a {
                AnyHostHostBusAdapter::HostInternetScsiHba(h) => Some(h),
                _ => None,
            });
        let mut topology = Vec::new();
        if let Some(t) = p.get(host::CONFIG_STORAGE_DEVICE_SCSI_TOPOLOGY) {
            for adapter in &t.adapter {
                for target in &adapter.target {
                    if let Some(AnyHostTargetTransport::HostInternetScsiTargetTransport(tr)) =
                        &target.transport
                    {
                        topology.push((
                            tr.i_scsi_name.clone(),
                            target.lun.iter().map(|l| l.scsi_lun.clone()).collect(),
                        ));
                    }
                }
            }
        }
        IscsiState {
            hba,
            luns: p
                .get(host::CONFIG_STORAGE_DEVICE_SCSI_LUN)
                .unwrap_or_default(),
            topology,
            storage_system: p.get(host::CONFIG_MANAGER_STORAGE_SYSTEM),
        }
    }

    /// The static targets (pools).
    fn targets(&self) -> Vec<&HostInternetScsiHbaStaticTarget> {
        self.hba
            .as_ref()
            .map(|h| h.configured_static_target.iter().collect())
            .unwrap_or_default()
    }

    /// Device names of the LUNs behind target `iqn`, in the LUN list's order.
    fn volumes(&self, iqn: &str) -> Vec<String> {
        let keys: Vec<&String> = self
            .topology
            .iter()
            .filter(|(t, _)| t == iqn)
            .flat_map(|(_, k)| k.iter())
            .collect();
        self.luns
            .iter()
            .map(lun_base)
            .filter(|l| l.key.as_ref().map(|k| keys.contains(&k)).unwrap_or(false))
            .map(|l| l.base.device_name.clone())
            .collect()
    }

    /// The pool (target IQN) a LUN key belongs to.
    fn pool_of_lun(&self, key: &str) -> Option<String> {
        self.topology
            .iter()
            .find(|(_, keys)| keys.iter().any(|k| k == key))
            .map(|(t, _)| t.clone())
    }

    /// The disk with this device name.
    fn disk(&self, name: &str) -> Option<&HostScsiDisk> {
        self.luns.iter().find_map(|l| match l {
            AnyScsiLun::HostScsiDisk(d) if d.base.base.device_name == name => Some(d),
            _ => None,
        })
    }

    /// What `virStorageVolGetInfo` tells of disk `name`, if the state has it.
    fn lun_info(&self, name: &str) -> Option<StorageVolInfo> {
        let d = self.disk(name)?;
        let cap =
            (d.capacity.block.max(0) as u64).saturating_mul(d.capacity.block_size.max(0) as u64);
        Some(StorageVolInfo {
            kind: StorageVolType::Block,
            capacity: cap,
            allocation: cap,
        })
    }
}

impl Connection {
    /// The host's iSCSI adapter, LUNs and topology for a read of kind `reader` (the object
    /// cache, else one retrieval).
    fn iscsi_state(&self, reader: &'static str) -> Result<IscsiState> {
        Ok(IscsiState::from_host(
            &self.engine.read_host(ISCSI_HOST_PATHS, reader)?,
        ))
    }

    /// The host's iSCSI state read afresh (lookups, and the queries libvirt's driver
    /// answers from a fresh read: a volume's information after its first).
    fn iscsi_state_now(&self) -> Result<IscsiState> {
        Ok(IscsiState::from_host(
            &self.engine.host_props(ISCSI_HOST_PATHS)?,
        ))
    }

    /// The pools of `state`.
    fn iscsi_pools(&self, state: &IscsiState) -> Vec<StoragePool<'_>> {
        state
            .targets()
            .iter()
            .map(|t| StoragePool {
                conn: self,
                name: t.i_scsi_name.clone(),
                uuid: crate::md5::md5(t.i_scsi_name.as_bytes()),
                backend: PoolBackend::Iscsi,
                datastore: None,
            })
            .collect()
    }

    /// The LUN `name` of pool `pool`, with its information from `state` for its first query.
    fn lun_volume(
        &self,
        state: &IscsiState,
        pool: String,
        name: &str,
        key: String,
    ) -> StorageVol<'_> {
        let vol = StorageVol::new(self, PoolBackend::Iscsi, pool, name.to_string());
        let _ = vol.key.set(key);
        if let Some(info) = state.lun_info(name) {
            vol.found.replace(Some(Found::Lun(info)));
        }
        vol
    }
}

/// libvirt's error for what an iSCSI pool cannot do.
fn unsupported(what: &str) -> Error {
    Error::new(
        ErrorCode::NoSupport,
        format!("iSCSI storage pool does not support {what}"),
    )
}

impl Backend for Iscsi {
    fn pools<'c>(&self, conn: &'c Connection) -> Result<Vec<StoragePool<'c>>> {
        Ok(conn.iscsi_pools(&conn.iscsi_state("virConnectListAllStoragePools")?))
    }

    fn host_paths(&self) -> &'static [&'static str] {
        ISCSI_HOST_PATHS
    }

    fn current_pools<'c>(&self, conn: &'c Connection) -> Result<Vec<StoragePool<'c>>> {
        Ok(conn.iscsi_pools(&conn.iscsi_state_now()?))
    }

    fn path_start(&self) -> char {
        '/'
    }

    fn volume_at_path<'c>(&self, conn: &'c Connection, path: &str) -> Result<StorageVol<'c>> {
        let state = conn.iscsi_state_now()?;
        for l in &state.luns {
            if let AnyScsiLun::HostScsiDisk(d) = l {
                if d.device_path == path {
                    let key = d.base.key.clone().unwrap_or_default();
                    let pool = state.pool_of_lun(&key).unwrap_or_default();
                    let vol = StorageVol::new(conn, PoolBackend::Iscsi, pool, path.to_string());
                    let _ = vol.key.set(lun_key(&d.base.uuid));
                    return Ok(vol);
                }
            }
        }
        Err(Error::new(
            ErrorCode::NoStorageVol,
            format!("Could not find storage volume with path '{path}'"),
        ))
    }

    fn volume_by_key<'c>(&self, conn: &'c Connection, key: &str) -> Result<Option<StorageVol<'c>>> {
        let state = conn.iscsi_state_now()?;
        for l in &state.luns {
            let lun = lun_base(l);
            if lun_key(&lun.uuid) == key {
                let pool = lun
                    .key
                    .as_deref()
                    .and_then(|k| state.pool_of_lun(k))
                    .unwrap_or_default();
                let name = lun.base.device_name.clone();
                return Ok(Some(conn.lun_volume(&state, pool, &name, key.to_string())));
            }
        }
        Ok(None)
    }

    fn pool_info(&self, _pool: &StoragePool<'_>) -> Result<StoragePoolInfo> {
        // Sizes mean nothing for an iSCSI target.
        Ok(StoragePoolInfo {
            state: StoragePoolState::Running,
            capacity: 0,
            allocation: 0,
            available: 0,
        })
    }

    fn pool_xml(&self, pool: &StoragePool<'_>) -> Result<String> {
        let state = pool.conn.iscsi_state_now()?;
        let iqn = &pool.name;
        let target = state
            .targets()
            .into_iter()
            .find(|t| &t.i_scsi_name == iqn)
            .ok_or_else(|| super::pool_not_found(iqn))?
            .clone();
        let mut def = XmlPool::new_esx(PoolType::Iscsi, iqn.clone(), pool.get_uuid_string());
        def.source.initiator_iqn = Some(target.i_scsi_name.clone());
        def.source.hosts.push(PoolHost {
            name: target.address.clone(),
            port: target.port.unwrap_or(0),
        });
        Ok(def.to_xml())
    }

    fn refresh(&self, pool: &StoragePool<'_>) -> Result<()> {
        let conn = pool.conn;
        let state = conn.iscsi_state_now()?;
        let hba = state
            .hba
            .ok_or_else(|| Error::internal("Unable to obtain iSCSI adapter"))?;
        let ss = state
            .storage_system
            .ok_or_else(|| Error::internal("Could not find the host's storage system"))?;
        // The rescan changes what the host reports of its storage devices.
        if let Some(h) = conn.engine.known_host() {
            conn.engine.objects.invalidate(&h);
        }
        let (ss, device) = (&ss, &hba.base.device);
        let change = Change::new(
            format!(
                "rescanning the iSCSI adapter {device} for pool '{}'",
                pool.name
            ),
            format!("pool-info {}", pool.name),
        )
        .repeatable();
        conn.engine.change(&change, |c, p| async move {
            p.send(&c, || c.rescan_hba(ss, device)).await
        })
    }

    fn volume_names(&self, pool: &StoragePool<'_>) -> Result<Vec<String>> {
        Ok(pool.conn.iscsi_state_now()?.volumes(&pool.name))
    }

    fn volumes<'c>(&self, pool: &StoragePool<'c>) -> Result<Vec<StorageVol<'c>>> {
        let state = pool.conn.iscsi_state("virStoragePoolListAllVolumes")?;
        state
            .volumes(&pool.name)
            .iter()
            .map(|n| self.lun_by_name(pool, &state, n))
            .collect()
    }

    fn volume_by_name<'c>(&self, pool: &StoragePool<'c>, name: &str) -> Result<StorageVol<'c>> {
        let state = pool.conn.iscsi_state("virStorageVolLookupByName")?;
        self.lun_by_name(pool, &state, name)
    }

    fn create_volume<'c>(&self, _pool: &StoragePool<'c>, _xml: &str) -> Result<StorageVol<'c>> {
        Err(unsupported("volume creation"))
    }

    fn clone_volume<'c>(
        &self,
        _pool: &StoragePool<'c>,
        _xml: &str,
        _source: &StorageVol<'_>,
    ) -> Result<StorageVol<'c>> {
        Err(unsupported("volume creation"))
    }

    fn volume_info(&self, vol: &StorageVol<'_>) -> Result<StorageVolInfo> {
        if let Some(Found::Lun(info)) = vol.found.take() {
            return Ok(info);
        }
        vol.conn
            .iscsi_state_now()?
            .lun_info(&vol.name)
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::NoStorageVol,
                    format!("Could not find volume with name: {}", vol.name),
                )
            })
    }

    fn volume_xml(&self, vol: &StorageVol<'_>) -> Result<String> {
        let state = vol.conn.iscsi_state_now()?;
        let name = &vol.name;
        let lun = state
            .luns
            .iter()
            .map(lun_base)
            .find(|l| &l.base.device_name == name)
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::NoStorageVol,
                    format!("Could find volume with name: {name}"),
                )
            })?;
        let (capacity, path) = match state.disk(name) {
            Some(d) => (
                (d.capacity.block.max(0) as u64)
                    .saturating_mul(d.capacity.block_size.max(0) as u64),
                d.device_path.clone(),
            ),
            None => (0, name.clone()),
        };
        let mut def = XmlVolume::new_esx(
            VolumeType::Block,
            name.clone(),
            lun_key(&lun.uuid),
            capacity,
            capacity,
            path,
            None,
        );
        def.has_allocation = true;
        Ok(def.to_xml())
    }

    fn volume_path(&self, vol: &StorageVol<'_>) -> Result<String> {
        Ok(vol.name.clone())
    }

    fn volume_key(&self, vol: &StorageVol<'_>) -> String {
        // Every LUN handle is made with its key; a path is the fallback as for files.
        vol.name.clone()
    }

    fn volume_pool<'c>(&self, vol: &StorageVol<'c>) -> Result<StoragePool<'c>> {
        vol.conn.storage_pool_lookup_by_name(&vol.pool)
    }

    fn delete_volume(&self, _vol: &StorageVol<'_>) -> Result<()> {
        Err(unsupported("volume deletion"))
    }

    fn wipe_volume(&self, _vol: &StorageVol<'_>) -> Result<()> {
        Err(unsupported("volume wiping"))
    }

    fn data_file(&self, _vol: &StorageVol<'_>) -> Result<DataFile> {
        Err(Error::new(
            ErrorCode::OperationUnsupported,
            "iSCSI volumes have no datastore file to transfer",
        ))
    }
}

impl Iscsi {
    /// The LUN with this name of the iSCSI state `state`.
    fn lun_by_name<'c>(
        &self,
        pool: &StoragePool<'c>,
        state: &IscsiState,
        name: &str,
    ) -> Result<StorageVol<'c>> {
        let lun = state
            .luns
            .iter()
            .map(lun_base)
            .find(|l| l.base.device_name == name)
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::NoStorageVol,
                    format!("Could not find storage volume with name '{name}'"),
                )
            })?;
        Ok(pool
            .conn
            .lun_volume(state, pool.name.clone(), name, lun_key(&lun.uuid)))
    }
}
