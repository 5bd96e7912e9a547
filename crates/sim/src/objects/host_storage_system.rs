//! `HostStorageSystem`: a host's storage adapters (local and software iSCSI with its
//! targets), SCSI LUNs and their topology (`storageDeviceInfo`), the mounted file system
//! volumes (`fileSystemVolumeInfo`), and rescans.

use crate::fault::Fault;
use crate::inventory::{Datastore, DatastoreKind, Host, World};
use crate::object::CallCx;
use crate::value::Value;

use super::common::{split_path, walk};
use super::entry::{Call, Ids, ManagedType, Reply};

/// The `HostStorageSystem` type.
pub const TYPE: ManagedType = ManagedType {
    name: "HostStorageSystem",
    ids: Ids::PerHost {
        esx: "storageSystem",
        vcenter_prefix: "storageSystem-",
    },
    properties: &["storageDeviceInfo", "fileSystemVolumeInfo"],
    property,
    methods: &[
        ("RescanHba", rescan_hba),
        ("RescanAllHba", |_, _, _| Ok(None)),
        ("RefreshStorageSystem", |_, _, _| Ok(None)),
        ("RescanVmfs", |_, _, _| Ok(None)),
    ],
};

fn property(w: &World, id: &str, path: &str) -> Reply {
    let h = TYPE.host(w, id)?;
    let (head, rest) = split_path(path);
    let top = match head {
        "storageDeviceInfo" => Some(storage_device_info(h)),
        "fileSystemVolumeInfo" => Some(file_system_volume_info(w, h)),
        _ => return Err(Fault::invalid_property(path)),
    };
    walk(top, rest)
}

fn hba_key(hba: &crate::inventory::Hba) -> String {
    if hba.iscsi_name.is_some() {
        format!("key-vim.host.InternetScsiHba-{}", hba.device)
    } else {
        format!("key-vim.host.BlockHba-{}", hba.device)
    }
}

fn lun_key(l: &crate::inventory::Lun) -> String {
    format!("key-vim.host.ScsiDisk-{}", l.uuid)
}

fn hba_value(hba: &crate::inventory::Hba, bus: i32) -> Value {
    let base = |ty: &str| {
        Value::obj(ty.to_string())
            .with("key", Value::str(hba_key(hba)))
            .with("device", Value::str(&hba.device))
            .with("bus", Value::int(bus))
            .with("status", Value::str(&hba.status))
            .with("model", Value::str(&hba.model))
            .with("driver", Value::str(&hba.driver))
            .with("pci", Value::str(&hba.pci))
    };
    let Some(iqn) = &hba.iscsi_name else {
        return base("HostBlockHba");
    };
    let f = Value::bool(false);
    let t = Value::bool(true);
    base("HostInternetScsiHba")
        .with("isSoftwareBased", t.clone())
        .with(
            "discoveryCapabilities",
            Value::obj("HostInternetScsiHbaDiscoveryCapabilities")
                .with("iSnsDiscoverySettable", f.clone())
                .with("slpDiscoverySettable", f.clone())
                .with("staticTargetDiscoverySettable", f.clone())
                .with("sendTargetsDiscoverySettable", f.clone()),
        )
        .with(
            "discoveryProperties",
            Value::obj("HostInternetScsiHbaDiscoveryProperties")
                .with("iSnsDiscoveryEnabled", f.clone())
                .with("slpDiscoveryEnabled", f.clone())
                .with("staticTargetDiscoveryEnabled", t.clone())
                .with("sendTargetsDiscoveryEnabled", t.clone()),
        )
        .with(
            "authenticationCapabilities",
            Value::obj("HostInternetScsiHbaAuthenticationCapabilities")
                .with("chapAuthSettable", t.clone())
                .with("krb5AuthSettable", f.clone())
                .with("srpAuthSettable", f.clone())
                .with("spkmAuthSettable", f.clone())
                .with("mutualChapSettable", t.clone())
                .with("targetChapSettable", t.clone())
                .with("targetMutualChapSettable", t.clone()),
        )
        .with(
            "authenticationProperties",
            Value::obj("HostInternetScsiHbaAuthenticationProperties")
                .with("chapAuthEnabled", f.clone())
                .with("chapName", Value::str(""))
                .with("chapSecret", Value::str("XXXXXXXXXX"))
                .with("chapAuthenticationType", Value::str("chapProhibited"))
                .with("mutualChapName", Value::str(""))
                .with("mutualChapSecret", Value::str("XXXXXXXXXX"))
                .with("mutualChapAuthenticationType", Value::str("chapProhibited")),
        )
        .with(
            "digestCapabilities",
            Value::obj("HostInternetScsiHbaDigestCapabilities")
                .with("headerDigestSettable", t.clone())
                .with("dataDigestSettable", t.clone())
                .with("targetHeaderDigestSettable", t.clone())
                .with("targetDataDigestSettable", t.clone()),
        )
        .with(
            "digestProperties",
            Value::obj("HostInternetScsiHbaDigestProperties")
                .with("headerDigestType", Value::str("digestProhibited"))
                .with("dataDigestType", Value::str("digestProhibited")),
        )
        .with(
            "ipCapabilities",
            Value::obj("HostInternetScsiHbaIPCapabilities")
                .with("addressSettable", f.clone())
                .with("ipConfigurationMethodSettable", f.clone())
                .with("subnetMaskSettable", f.clone())
                .with("defaultGatewaySettable", f.clone())
                .with("primaryDnsServerAddressSettable", f.clone())
                .with("alternateDnsServerAddressSettable", f.clone())
                .with("ipv6Supported", f.clone())
                .with("arpRedirectSettable", f.clone())
                .with("mtuSettable", f.clone())
                .with("hostNameAsTargetAddress", f.clone()),
        )
        .with(
            "ipProperties",
            Value::obj("HostInternetScsiHbaIPProperties")
                .with("dhcpConfigurationEnabled", f.clone()),
        )
        .with("iScsiName", Value::str(iqn))
        .with("iScsiAlias", Value::str(""))
        .with(
            "configuredSendTarget",
            Value::array(
                "HostInternetScsiHbaSendTarget",
                hba.targets
                    .iter()
                    .map(|t| {
                        Value::obj("HostInternetScsiHbaSendTarget")
                            .with("address", Value::str(&t.address))
                            .with("port", Value::int(t.port))
                            .with("parent", Value::str(&hba.device))
                    })
                    .collect(),
            ),
        )
        .with(
            "configuredStaticTarget",
            Value::array(
                "HostInternetScsiHbaStaticTarget",
                hba.targets
                    .iter()
                    .map(|t| {
                        Value::obj("HostInternetScsiHbaStaticTarget")
                            .with("address", Value::str(&t.address))
                            .with("port", Value::int(t.port))
                            .with("iScsiName", Value::str(&t.iscsi_name))
                            .with("parent", Value::str(format!("{}:{}", t.address, t.port)))
                    })
                    .collect(),
            ),
        )
}

fn lun_value(l: &crate::inventory::Lun) -> Value {
    let dev = format!("/vmfs/devices/disks/{}", l.canonical_name);
    Value::obj("HostScsiDisk")
        .with("deviceName", Value::str(&dev))
        .with("deviceType", Value::str("disk"))
        .with("key", Value::str(lun_key(l)))
        .with("uuid", Value::str(&l.uuid))
        .with("canonicalName", Value::str(&l.canonical_name))
        .with("displayName", Value::str(&l.display_name))
        .with("lunType", Value::str("disk"))
        .with("vendor", Value::str(format!("{:<8}", l.vendor)))
        .with("model", Value::str(format!("{:<16}", l.model)))
        .with("revision", Value::str("0123"))
        .with("scsiLevel", Value::int(6))
        .with("serialNumber", Value::str("unavailable"))
        .with("queueDepth", Value::int(128))
        .with("operationalState", Value::strings(["ok"]))
        .with(
            "capabilities",
            Value::obj("ScsiLunCapabilities").with("updateDisplayNameSupported", Value::bool(true)),
        )
        .with(
            "capacity",
            Value::obj("HostDiskDimensionsLba")
                .with("blockSize", Value::int(l.block_size))
                .with("block", Value::long(l.blocks)),
        )
        .with("devicePath", Value::str(&dev))
}

pub fn storage_device_info(h: &Host) -> Value {
    let topo: Vec<Value> = h
        .hbas
        .iter()
        .map(|hba| {
            let mut targets = Vec::new();
            let groups: Vec<String> = {
                let mut g: Vec<String> = h
                    .luns
                    .iter()
                    .filter(|l| l.hba == hba.device)
                    .map(|l| l.target.clone())
                    .collect();
                g.dedup();
                g
            };
            for (ti, tname) in groups.iter().enumerate() {
                let luns: Vec<Value> = h
                    .luns
                    .iter()
                    .filter(|l| l.hba == hba.device && &l.target == tname)
                    .map(|l| {
                        Value::obj("HostScsiTopologyLun")
                            .with(
                                "key",
                                Value::str(format!("key-vim.host.ScsiTopology.Lun-{}", l.uuid)),
                            )
                            .with("lun", Value::int(l.lun))
                            .with("scsiLun", Value::str(lun_key(l)))
                    })
                    .collect();
                let transport = if hba.iscsi_name.is_some() {
                    let addr = hba
                        .targets
                        .iter()
                        .find(|t| &t.iscsi_name == tname)
                        .map(|t| format!("{}:{}", t.address, t.port))
                        .unwrap_or_default();
                    Value::obj("HostInternetScsiTargetTransport")
                        .with("iScsiName", Value::str(tname))
                        .with("iScsiAlias", Value::str(""))
                        .with("address", Value::strings([addr]))
                } else {
                    Value::obj("HostBlockAdapterTargetTransport")
                };
                targets.push(
                    Value::obj("HostScsiTopologyTarget")
                        .with(
                            "key",
                            Value::str(format!(
                                "key-vim.host.ScsiTopology.Target-{}:0:{ti}",
                                hba.device
                            )),
                        )
                        .with("target", Value::int(ti as i32))
                        .with("lun", Value::array("HostScsiTopologyLun", luns))
                        .with("transport", transport),
                );
            }
            Value::obj("HostScsiTopologyInterface")
                .with(
                    "key",
                    Value::str(format!(
                        "key-vim.host.ScsiTopology.Interface-{}",
                        hba.device
                    )),
                )
                .with("adapter", Value::str(hba_key(hba)))
                .with("target", Value::array("HostScsiTopologyTarget", targets))
        })
        .collect();
    Value::obj("HostStorageDeviceInfo")
        .with(
            "hostBusAdapter",
            Value::array(
                "HostHostBusAdapter",
                h.hbas
                    .iter()
                    .enumerate()
                    .map(|(i, a)| hba_value(a, i as i32))
                    .collect(),
            ),
        )
        .with(
            "scsiLun",
            Value::array("ScsiLun", h.luns.iter().map(lun_value).collect()),
        )
        .with(
            "scsiTopology",
            Value::obj("HostScsiTopology")
                .with("adapter", Value::array("HostScsiTopologyInterface", topo)),
        )
        .with(
            "softwareInternetScsiEnabled",
            Value::bool(h.hbas.iter().any(|a| a.iscsi_name.is_some())),
        )
}

/// HostFileSystemVolume of a datastore (VMFS or NAS). `host_detail` adds what the host's
/// fileSystemVolumeInfo reports beyond Datastore.info's volume (block and unmap geometry,
/// ssd/local, the NAS user name); Datastore.info leaves those out.
pub fn volume_value(d: &Datastore, host_detail: bool) -> Value {
    let detail = |v: Value| host_detail.then_some(v);
    match d.kind {
        DatastoreKind::Vmfs => Value::obj("HostVmfsVolume")
            .with("type", Value::str("VMFS"))
            .with("name", Value::str(&d.name))
            .with("capacity", Value::long(d.capacity))
            .with("blockSizeMb", Value::int(1))
            .with_opt("blockSize", detail(Value::int(1024)))
            .with_opt("unmapGranularity", detail(Value::int(1024)))
            .with_opt("unmapPriority", detail(Value::str("low")))
            .with("maxBlocks", Value::int(63_963_136))
            .with("majorVersion", Value::int(6))
            .with("version", Value::str("6.82"))
            .with("uuid", Value::str(&d.uuid))
            .with(
                "extent",
                Value::array(
                    "HostScsiDiskPartition",
                    d.vmfs_extent
                        .iter()
                        .map(|e| {
                            Value::obj("HostScsiDiskPartition")
                                .with("diskName", Value::str(e))
                                .with("partition", Value::int(1))
                        })
                        .collect(),
                ),
            )
            .with("vmfsUpgradable", Value::bool(false))
            .with_opt("ssd", detail(Value::bool(false)))
            .with_opt("local", detail(Value::bool(true))),
        DatastoreKind::Nfs => Value::obj("HostNasVolume")
            .with("type", Value::str("NFS"))
            .with("name", Value::str(&d.name))
            .with("capacity", Value::long(d.capacity))
            .with(
                "remoteHost",
                Value::str(d.nfs_host.clone().unwrap_or_default()),
            )
            .with(
                "remotePath",
                Value::str(d.nfs_path.clone().unwrap_or_default()),
            )
            .with_opt("userName", detail(Value::str(""))),
        DatastoreKind::Local => Value::obj("HostLocalFileSystemVolume")
            .with("type", Value::str("OTHER"))
            .with("name", Value::str(&d.name))
            .with("capacity", Value::long(d.capacity))
            .with("device", Value::str(d.nfs_path.clone().unwrap_or_default())),
        DatastoreKind::Vsan | DatastoreKind::Vvol | DatastoreKind::Plain => {
            let ty = match d.kind {
                DatastoreKind::Vsan => "HostVsanVolume",
                DatastoreKind::Vvol => "HostVvolVolume",
                _ => "HostFileSystemVolume",
            };
            Value::obj(ty)
                .with("type", Value::str(d.kind.summary_type()))
                .with("name", Value::str(&d.name))
                .with("capacity", Value::long(d.capacity))
        }
    }
}

pub fn file_system_volume_info(w: &World, h: &Host) -> Value {
    let mounts = h
        .datastores
        .iter()
        .filter_map(|d| w.datastores.get(d))
        .map(|d| {
            Value::obj("HostFileSystemMountInfo")
                .with(
                    "mountInfo",
                    Value::obj("HostMountInfo")
                        .with("path", Value::str(d.mount_path()))
                        .with("accessMode", Value::str("readWrite"))
                        .with("mounted", Value::bool(true))
                        .with("accessible", Value::bool(d.accessible)),
                )
                .with("volume", volume_value(d, true))
        })
        .collect();
    Value::obj("HostFileSystemVolumeInfo")
        .with(
            "volumeTypeList",
            Value::strings([
                "VMFS", "NFS", "NFS41", "vsan", "VVOL", "VFFS", "OTHER", "PMEM",
            ]),
        )
        .with("mountInfo", Value::array("HostFileSystemMountInfo", mounts))
}

/// `RescanHba`: nothing changes, but the adapter must exist.
fn rescan_hba(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let host = TYPE.host_id(w, &this.value)?;
    let dev = args.req_text("hbaDevice")?;
    let h = w.host(&host).map_err(|_| Fault::not_found(this))?;
    if !h.hbas.iter().any(|a| a.device == dev) {
        return Err(Fault::not_found_named(format!(
            "Host bus adapter {dev} not found"
        )));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, TestWorld};
    use crate::value::Value;

    #[test]
    fn adapters_luns_and_volumes() {
        let mut t = TestWorld::esx();
        let hbas = t.get(
            "HostStorageSystem",
            "storageSystem",
            "storageDeviceInfo.hostBusAdapter",
        );
        let types: Vec<&str> = hbas
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_obj().unwrap().ty.as_ref())
            .collect();
        assert_eq!(types, ["HostBlockHba", "HostInternetScsiHba"]);
        assert_eq!(
            t.get(
                "HostStorageSystem",
                "storageSystem",
                "storageDeviceInfo.softwareInternetScsiEnabled"
            ),
            Value::bool(true)
        );
        let mounts = t.get(
            "HostStorageSystem",
            "storageSystem",
            "fileSystemVolumeInfo.mountInfo",
        );
        assert_eq!(mounts.as_array().unwrap().len(), 2);
        t.call(
            "HostStorageSystem",
            "storageSystem",
            "RescanHba",
            "<hbaDevice>vmhba64</hbaDevice>",
        )
        .unwrap();
        let r = t.call(
            "HostStorageSystem",
            "storageSystem",
            "RescanHba",
            "<hbaDevice>vmhba9</hbaDevice>",
        );
        assert_eq!(fault_type(r), "NotFound");
        let r = t.call("HostStorageSystem", "storageSystem", "RescanHba", "");
        assert_eq!(fault_type(r), "InvalidRequest");
    }
}
