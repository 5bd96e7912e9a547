//! The iSCSI storage backend, as libvirt's ESX driver has it: each static target of the
//! host's (software) iSCSI adapter is a pool named by its IQN (UUID: MD5 of the IQN); its
//! volumes are the LUNs the SCSI topology shows behind the target, named by device name,
//! keyed by the MD5 of the LUN's UUID. Volumes are block devices and cannot be created.

use esxvirt_vi::{
    AnyHostHostBusAdapter, AnyHostTargetTransport, AnyScsiLun, HostInternetScsiHba, Value,
};
use esxvirt_xml::storage::pool::{PoolHost, PoolType, StoragePool as XmlPool};
use esxvirt_xml::storage::volume::{StorageVolume as XmlVolume, VolumeType};

use crate::connection::Connection;
use crate::engine::{vi_err, MoRef, Props};
use crate::error::{Error, ErrorCode, Result};

/// The host's iSCSI view from one retrieval.
#[derive(Debug)]
pub(crate) struct IscsiState {
    pub hba: Option<HostInternetScsiHba>,
    pub luns: Vec<AnyScsiLun>,
    /// (target IQN, LUN keys) from the SCSI topology.
    pub topology: Vec<(String, Vec<String>)>,
    pub storage_system: Option<MoRef>,
}

/// The `virStorageVol` key of a LUN: MD5 of its UUID, formatted as a UUID.
pub(crate) fn lun_key(uuid: &str) -> String {
    crate::domain::format_uuid(&crate::md5::md5(uuid.as_bytes()))
}

pub(crate) fn lun_base(l: &AnyScsiLun) -> &esxvirt_vi::ScsiLun {
    match l {
        AnyScsiLun::ScsiLun(s) => s,
        AnyScsiLun::HostScsiDisk(d) => &d.base,
    }
}

impl IscsiState {
    /// The static targets (pools).
    pub fn targets(&self) -> Vec<&esxvirt_vi::HostInternetScsiHbaStaticTarget> {
        self.hba
            .as_ref()
            .map(|h| h.configured_static_target.iter().collect())
            .unwrap_or_default()
    }

    /// Device names of the LUNs behind target `iqn`, in the LUN list's order.
    pub fn volumes(&self, iqn: &str) -> Vec<String> {
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
    pub fn pool_of_lun(&self, key: &str) -> Option<String> {
        self.topology
            .iter()
            .find(|(_, keys)| keys.iter().any(|k| k == key))
            .map(|(t, _)| t.clone())
    }

    /// The disk with this device name.
    pub fn disk(&self, name: &str) -> Option<&esxvirt_vi::HostScsiDisk> {
        self.luns.iter().find_map(|l| match l {
            AnyScsiLun::HostScsiDisk(d) if d.base.base.device_name == name => Some(d),
            _ => None,
        })
    }
}

impl IscsiState {
    /// The state from the host's [`ISCSI_HOST_PATHS`] properties.
    pub(crate) fn from_host(p: &mut Props) -> IscsiState {
        let hba = match p.take("config.storageDevice.hostBusAdapter") {
            Some(Value::ArrayOfHostHostBusAdapter(list)) => {
                list.into_iter().find_map(|a| match a {
                    AnyHostHostBusAdapter::HostInternetScsiHba(h) => Some(h),
                    _ => None,
                })
            }
            _ => None,
        };
        let luns = match p.take("config.storageDevice.scsiLun") {
            Some(Value::ArrayOfScsiLun(v)) => v,
            _ => Vec::new(),
        };
        let mut topology = Vec::new();
        if let Some(Value::HostScsiTopology(t)) = p.take("config.storageDevice.scsiTopology") {
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
            luns,
            topology,
            storage_system: p.mo("configManager.storageSystem"),
        }
    }
}

/// The host properties the iSCSI state is read from.
pub(crate) const ISCSI_HOST_PATHS: &[&str] = &[
    "config.storageDevice.hostBusAdapter",
    "config.storageDevice.scsiLun",
    "config.storageDevice.scsiTopology",
    "configManager.storageSystem",
];

impl Connection {
    /// The host's iSCSI adapter, LUNs and topology (one retrieval).
    pub(crate) fn iscsi_state(&self) -> Result<IscsiState> {
        let mut p = self.engine.host_props(ISCSI_HOST_PATHS)?;
        Ok(IscsiState::from_host(&mut p))
    }

    /// Rescans the iSCSI adapter (`pool-refresh` of an iSCSI pool).
    pub(crate) fn iscsi_rescan(&self) -> Result<()> {
        let state = self.iscsi_state()?;
        let hba = state
            .hba
            .ok_or_else(|| Error::internal("Unable to obtain iSCSI adapter"))?;
        let ss = state
            .storage_system
            .ok_or_else(|| Error::internal("Could not find the host's storage system"))?;
        let device = hba.base.device.clone();
        self.engine.run(|c| {
            let (ss, device) = (ss.clone(), device.clone());
            async move { c.rescan_hba(&ss.vi(), &device).await.map_err(vi_err) }
        })
    }

    /// The XML of iSCSI pool `iqn`.
    pub(crate) fn iscsi_pool_xml(&self, iqn: &str, uuid: &str) -> Result<String> {
        let state = self.iscsi_state()?;
        let target = state
            .targets()
            .into_iter()
            .find(|t| t.i_scsi_name == iqn)
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::NoStoragePool,
                    format!("Could not find storage pool with name '{iqn}'"),
                )
            })?
            .clone();
        let mut def = XmlPool::new_esx(PoolType::Iscsi, iqn.to_string(), uuid.to_string());
        def.source.initiator_iqn = Some(target.i_scsi_name.clone());
        def.source.hosts.push(PoolHost {
            name: target.address.clone(),
            port: target.port.unwrap_or(0),
        });
        Ok(def.to_xml())
    }

    /// The XML of iSCSI volume `name`.
    pub(crate) fn iscsi_vol_xml(&self, name: &str) -> Result<String> {
        let state = self.iscsi_state()?;
        let lun = state
            .luns
            .iter()
            .map(lun_base)
            .find(|l| l.base.device_name == name)
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
            None => (0, name.to_string()),
        };
        let mut def = XmlVolume::new_esx(
            VolumeType::Block,
            name.to_string(),
            lun_key(&lun.uuid),
            capacity,
            capacity,
            path,
            None,
        );
        def.has_allocation = true;
        Ok(def.to_xml())
    }
}
