//! A VM's devices as `VirtualDevice` values (the fixed chipset devices included) and the
//! keys, labels and backings vSphere gives them.

use crate::inventory::vmx::{extra_value, split_datastore_path};
use crate::inventory::{
    Bus, Device, PortBacking, PowerState, RdmMapping, Slot, Vm, VmConfig, World,
};
use crate::value::Value;

use super::super::common::{description, normal_shares};

/// Key of a disk or CD-ROM in a slot, as vSphere numbers them.
fn slot_key(s: &Slot) -> i32 {
    match s.bus {
        Bus::Scsi => 2000 + (s.controller * 16 + s.unit) as i32,
        Bus::Ide => 3000 + (s.controller * 2 + s.unit) as i32,
        Bus::Sata => 16000 + (s.controller * 30 + s.unit) as i32,
        Bus::Nvme => 31000 + (s.controller * 15 + s.unit) as i32,
    }
}

fn controller_key(s: &Slot) -> i32 {
    match s.bus {
        Bus::Scsi => 1000 + s.controller as i32,
        Bus::Ide => 200 + s.controller as i32,
        Bus::Sata => 15000 + s.controller as i32,
        Bus::Nvme => 31000 + s.controller as i32,
    }
}

/// The device key of a modelled device.
pub fn device_key(d: &Device) -> i32 {
    match d {
        Device::ScsiController { index, .. } => 1000 + *index as i32,
        Device::SataController { index } => 15000 + *index as i32,
        Device::Disk { slot, .. } | Device::Cdrom { slot, .. } => slot_key(slot),
        Device::Floppy { index, .. } => 8000 + *index as i32,
        Device::Nic { index, .. } => 4000 + *index as i32,
        Device::Serial { index, .. } => 9000 + *index as i32,
        Device::Parallel { index, .. } => 10000 + *index as i32,
        Device::Video { .. } => 500,
    }
}

fn connectable(connected: bool, running: bool) -> Value {
    Value::obj("VirtualDeviceConnectInfo")
        .with("startConnected", Value::bool(connected))
        .with("allowGuestControl", Value::bool(true))
        .with("connected", Value::bool(connected && running))
        .with("status", Value::str("ok"))
}

/// The datastore of a datastore path as host `host` sees it.
fn ds_ref(w: &World, host: &str, path: &str) -> Option<Value> {
    let (ds, _) = split_datastore_path(path)?;
    w.datastore_for(host, ds)
        .map(|d| Value::moref("Datastore", d.moid.clone()))
}

fn base_device(ty: &str, key: i32, label: &str, summary: &str) -> Value {
    Value::obj(ty.to_string())
        .with("key", Value::int(key))
        .with("deviceInfo", description(label, summary))
}

/// All devices of a VM as `VirtualDevice` values, the fixed chipset devices included.
pub fn devices(w: &World, vm: &Vm) -> Vec<Value> {
    let running = vm.power_state == PowerState::PoweredOn;
    let mut out = Vec::new();
    let cfg = &vm.config;
    let children = |ck: i32| -> Value {
        let keys: Vec<Value> = cfg
            .devices
            .iter()
            .filter_map(|d| match d {
                Device::Disk { slot, .. } | Device::Cdrom { slot, .. }
                    if controller_key(slot) == ck =>
                {
                    Some(Value::int(slot_key(slot)))
                }
                _ => None,
            })
            .collect();
        Value::array("int", keys)
    };
    for i in 0..2 {
        out.push(
            base_device("VirtualIDEController", 200 + i, &format!("IDE {i}"), "IDE")
                .with("busNumber", Value::int(i))
                .with("device", children(200 + i)),
        );
    }
    out.push(
        base_device(
            "VirtualPS2Controller",
            300,
            "PS2 controller 0",
            "PS2 controller",
        )
        .with("busNumber", Value::int(0)),
    );
    out.push(
        base_device(
            "VirtualPCIController",
            100,
            "PCI controller 0",
            "PCI controller",
        )
        .with("busNumber", Value::int(0)),
    );
    out.push(
        base_device(
            "VirtualSIOController",
            400,
            "SIO controller 0",
            "SIO controller",
        )
        .with("busNumber", Value::int(0)),
    );
    out.push(
        base_device("VirtualKeyboard", 600, "Keyboard ", "Keyboard")
            .with("controllerKey", Value::int(300))
            .with("unitNumber", Value::int(0)),
    );
    out.push(
        base_device(
            "VirtualPointingDevice",
            700,
            "Pointing device",
            "Pointing device; Device",
        )
        .with(
            "backing",
            Value::obj("VirtualPointingDeviceDeviceBackingInfo")
                .with("deviceName", Value::str(""))
                .with("useAutoDetect", Value::bool(false))
                .with("hostPointingDevice", Value::str("autodetect")),
        )
        .with("controllerKey", Value::int(300))
        .with("unitNumber", Value::int(1)),
    );
    for d in &cfg.devices {
        let key = device_key(d);
        let v = match d {
            Device::Video { vram_kb, displays } => {
                base_device("VirtualMachineVideoCard", key, "Video card ", "Video card")
                    .with("controllerKey", Value::int(100))
                    .with("unitNumber", Value::int(0))
                    .with("videoRamSizeInKB", Value::long(*vram_kb))
                    .with("numDisplays", Value::int(*displays))
                    .with("useAutoDetect", Value::bool(false))
                    .with("enable3DSupport", Value::bool(false))
                    .with("use3dRenderer", Value::str("automatic"))
                    .with("graphicsMemorySizeInKB", Value::long(262144))
            }
            Device::ScsiController { index, model } => {
                let (ty, summary) = match model.to_ascii_lowercase().as_str() {
                    "buslogic" => ("VirtualBusLogicController", "BusLogic"),
                    "lsisas1068" => ("VirtualLsiLogicSASController", "LSI Logic SAS"),
                    "pvscsi" => ("ParaVirtualSCSIController", "VMware paravirtual SCSI"),
                    _ => ("VirtualLsiLogicController", "LSI Logic"),
                };
                base_device(ty, key, &format!("SCSI controller {index}"), summary)
                    .with(
                        "slotInfo",
                        Value::obj("VirtualDevicePciBusSlotInfo")
                            .with("pciSlotNumber", Value::int(160 + *index as i32 * 32)),
                    )
                    .with("controllerKey", Value::int(100))
                    .with("unitNumber", Value::int(3 + *index as i32))
                    .with("busNumber", Value::int(*index as i32))
                    .with("device", children(key))
                    .with("hotAddRemove", Value::bool(true))
                    .with(
                        "sharedBus",
                        Value::enumv("VirtualSCSISharing", scsi_sharing(cfg, *index)),
                    )
                    .with("scsiCtlrUnitNumber", Value::int(7))
            }
            Device::SataController { index } => base_device(
                "VirtualAHCIController",
                key,
                &format!("SATA controller {index}"),
                "AHCI",
            )
            .with("controllerKey", Value::int(100))
            .with("unitNumber", Value::int(24 + *index as i32))
            .with("busNumber", Value::int(*index as i32))
            .with("device", children(key)),
            Device::Disk {
                slot,
                file,
                capacity_kb,
                thin,
                mode,
            } => {
                let n = ordinal_of_kind(&cfg.devices, d);
                let disk_uuid = w.disk_info(file).map(|i| i.uuid).unwrap_or_default();
                let sharing = disk_sharing(cfg, slot);
                let backing = match w.rdm_mappings.get(file) {
                    Some(rdm) => rdm_backing(w, vm, file, rdm, mode, &disk_uuid, sharing),
                    None => Value::obj("VirtualDiskFlatVer2BackingInfo")
                        .with("fileName", Value::str(file))
                        .with_opt("datastore", ds_ref(w, &vm.host, file))
                        .with("backingObjectId", Value::str(""))
                        .with("diskMode", Value::str(api_disk_mode(mode)))
                        .with("split", Value::bool(false))
                        .with("writeThrough", Value::bool(false))
                        .with("thinProvisioned", Value::bool(*thin))
                        .with("eagerlyScrub", Value::bool(false))
                        .with("uuid", Value::str(uuid_of_disk(&disk_uuid)))
                        .with("contentId", Value::str("0000000000000000fffffffe"))
                        .with("digestEnabled", Value::bool(false))
                        .with("sharing", Value::str(sharing)),
                };
                base_device(
                    "VirtualDisk",
                    key,
                    &format!("Hard disk {n}"),
                    &format!("{} KB", fmt_thousands(*capacity_kb)),
                )
                .with("backing", backing)
                .with("controllerKey", Value::int(controller_key(slot)))
                .with("unitNumber", Value::int(slot.unit as i32))
                .with("capacityInKB", Value::long(*capacity_kb))
                .with(
                    "capacityInBytes",
                    Value::long(capacity_kb.saturating_mul(1024)),
                )
                .with("shares", normal_shares(1000))
                .with(
                    "storageIOAllocation",
                    Value::obj("StorageIOAllocationInfo")
                        .with("limit", Value::long(-1))
                        .with("shares", normal_shares(1000))
                        .with("reservation", Value::int(0)),
                )
                .with("diskObjectId", Value::str(format!("{}-{key}", vm.moid)))
                .with("nativeUnmanagedLinkedClone", Value::bool(false))
            }
            Device::Cdrom {
                slot,
                iso,
                device,
                connected,
            } => {
                let n = ordinal_of_kind(&cfg.devices, d);
                let (backing, summary) = match (iso, device) {
                    (Some(iso), _) => (
                        Value::obj("VirtualCdromIsoBackingInfo")
                            .with("fileName", Value::str(iso))
                            .with_opt("datastore", ds_ref(w, &vm.host, iso)),
                        format!("ISO {iso}"),
                    ),
                    (None, dev) => (
                        Value::obj("VirtualCdromRemotePassthroughBackingInfo")
                            .with("deviceName", Value::str(dev.clone().unwrap_or_default()))
                            .with("useAutoDetect", Value::bool(false))
                            .with("exclusive", Value::bool(false)),
                        "Remote device".to_string(),
                    ),
                };
                base_device("VirtualCdrom", key, &format!("CD/DVD drive {n}"), &summary)
                    .with("backing", backing)
                    .with("connectable", connectable(*connected, running))
                    .with("controllerKey", Value::int(controller_key(slot)))
                    .with("unitNumber", Value::int(slot.unit as i32))
            }
            Device::Floppy {
                index,
                image,
                device,
            } => {
                let backing = match image {
                    Some(img) => Value::obj("VirtualFloppyImageBackingInfo")
                        .with("fileName", Value::str(img))
                        .with_opt("datastore", ds_ref(w, &vm.host, img)),
                    None => Value::obj("VirtualFloppyDeviceBackingInfo")
                        .with("deviceName", Value::str(device.clone().unwrap_or_default()))
                        .with("useAutoDetect", Value::bool(device.is_none())),
                };
                base_device(
                    "VirtualFloppy",
                    key,
                    &format!("Floppy drive {}", index + 1),
                    "Floppy",
                )
                .with("backing", backing)
                .with("connectable", connectable(false, running))
                .with("controllerKey", Value::int(400))
                .with("unitNumber", Value::int(*index as i32))
            }
            Device::Nic {
                index,
                model,
                mac,
                address_type,
                network,
                connected,
            } => {
                let ty = match model.to_ascii_lowercase().as_str() {
                    "e1000" => "VirtualE1000",
                    "e1000e" => "VirtualE1000e",
                    "vmxnet" => "VirtualVmxnet",
                    "vmxnet2" => "VirtualVmxnet2",
                    "vmxnet3" => "VirtualVmxnet3",
                    _ => "VirtualPCNet32",
                };
                let net = w.network_for_nic(&vm.host, network);
                let addr_type = match address_type.to_ascii_lowercase().as_str() {
                    "static" => "manual",
                    "vpx" => "assigned",
                    _ => "generated",
                };
                let label = format!("Network adapter {}", index + 1);
                let dv = net.and_then(|n| {
                    let pg = n.dvs.as_ref()?;
                    Some((w.dvswitches.get(&pg.dvs)?, pg))
                });
                let (summary, backing) = match dv {
                    // A distributed port group: the switch's UUID and the port group's key.
                    Some((dvs, pg)) => (
                        format!("DVSwitch: {}", dvs.uuid),
                        Value::obj("VirtualEthernetCardDistributedVirtualPortBackingInfo").with(
                            "port",
                            Value::obj("DistributedVirtualSwitchPortConnection")
                                .with("switchUuid", Value::str(&dvs.uuid))
                                .with("portgroupKey", Value::str(&pg.key)),
                        ),
                    ),
                    None => (
                        network.clone(),
                        Value::obj("VirtualEthernetCardNetworkBackingInfo")
                            .with("deviceName", Value::str(network))
                            .with("useAutoDetect", Value::bool(false))
                            .with_opt(
                                "network",
                                net.map(|n| Value::moref("Network", n.moid.clone())),
                            ),
                    ),
                };
                base_device(ty, key, &label, &summary)
                    .with("backing", backing)
                    .with("connectable", connectable(*connected, running))
                    .with(
                        "slotInfo",
                        Value::obj("VirtualDevicePciBusSlotInfo")
                            .with("pciSlotNumber", Value::int(192 + *index as i32 * 32)),
                    )
                    .with("controllerKey", Value::int(100))
                    .with("unitNumber", Value::int(7 + *index as i32))
                    .with("addressType", Value::str(addr_type))
                    .with("macAddress", Value::str(mac))
                    .with("wakeOnLanEnabled", Value::bool(true))
            }
            Device::Serial {
                index,
                backing,
                yield_on_poll,
            } => port_device(
                w,
                "VirtualSerialPort",
                "Serial port",
                key,
                *index,
                backing,
                running,
            )
            .with("yieldOnPoll", Value::bool(*yield_on_poll)),
            Device::Parallel { index, backing } => port_device(
                w,
                "VirtualParallelPort",
                "Parallel port",
                key,
                *index,
                backing,
                running,
            ),
        };
        out.push(v);
    }
    out
}

/// The API's `diskMode` for a VMX `mode` (`independent-persistent` is
/// `independent_persistent`).
pub fn api_disk_mode(vmx_mode: &str) -> String {
    vmx_mode.to_ascii_lowercase().replace('-', "_")
}

/// A SCSI controller's `sharedBus` from its VMX `scsiN.sharedBus` (`none`, `virtual`,
/// `physical`).
fn scsi_sharing(cfg: &VmConfig, index: u32) -> &'static str {
    match extra_value(cfg, &format!("scsi{index}.sharedBus"))
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("physical") => "physicalSharing",
        Some("virtual") => "virtualSharing",
        _ => "noSharing",
    }
}

/// A disk backing's `sharing` from the VMX `scsiX:Y.sharing` (`multi-writer` lets several
/// VMs write the disk at once).
fn disk_sharing(cfg: &VmConfig, slot: &Slot) -> &'static str {
    match extra_value(cfg, &format!("{}.sharing", slot.vmx_prefix())) {
        Some(v) if v.eq_ignore_ascii_case("multi-writer") => "sharingMultiWriter",
        _ => "sharingNone",
    }
}

/// The backing of a disk whose descriptor maps a LUN: the LUN's device path and UUID as the
/// host's storage system reports them.
fn rdm_backing(
    w: &World,
    vm: &Vm,
    file: &str,
    rdm: &RdmMapping,
    mode: &str,
    disk_uuid: &str,
    sharing: &str,
) -> Value {
    let lun_uuid = w
        .hosts
        .get(&vm.host)
        .and_then(|h| h.luns.iter().find(|l| l.canonical_name == rdm.lun))
        .map(|l| l.uuid.clone())
        .unwrap_or_default();
    Value::obj("VirtualDiskRawDiskMappingVer1BackingInfo")
        .with("fileName", Value::str(file))
        .with_opt("datastore", ds_ref(w, &vm.host, file))
        .with("backingObjectId", Value::str(""))
        .with("lunUuid", Value::str(lun_uuid))
        .with(
            "deviceName",
            Value::str(format!("/vmfs/devices/disks/{}", rdm.lun)),
        )
        .with("compatibilityMode", Value::str(&rdm.compatibility))
        .with("diskMode", Value::str(api_disk_mode(mode)))
        .with("uuid", Value::str(uuid_of_disk(disk_uuid)))
        .with("contentId", Value::str("0000000000000000fffffffe"))
        .with("sharing", Value::str(sharing))
}

fn fmt_thousands(n: i64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `6000C29x-...` style disk UUID from the descriptor's ddb.uuid.
fn uuid_of_disk(ddb: &str) -> String {
    let hex: String = ddb.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    if hex.len() != 32 {
        return String::new();
    }
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// A serial or parallel port (`ty` VirtualSerialPort / VirtualParallelPort) on the
/// controller with key 400; `label` gets the 1-based port number.
fn port_device(
    w: &World,
    ty: &str,
    label: &str,
    key: i32,
    index: u32,
    backing: &PortBacking,
    running: bool,
) -> Value {
    base_device(
        ty,
        key,
        &format!("{label} {}", index + 1),
        &port_summary(backing),
    )
    .with("backing", port_backing(w, backing, ty))
    .with("connectable", connectable(true, running))
    .with("controllerKey", Value::int(400))
    .with("unitNumber", Value::int(index as i32))
}

fn port_summary(b: &PortBacking) -> String {
    match b {
        PortBacking::File { path } => format!("File {path}"),
        PortBacking::Device { path } => format!("Device {path}"),
        PortBacking::Pipe { path, .. } => format!("Pipe {path}"),
        PortBacking::Network { uri, .. } => format!("URI {uri}"),
    }
}

fn port_backing(w: &World, b: &PortBacking, prefix: &str) -> Value {
    match b {
        PortBacking::File { path } => Value::obj(format!("{prefix}FileBackingInfo"))
            .with("fileName", Value::str(path))
            .with_opt("datastore", ds_ref(w, "", path)),
        PortBacking::Device { path } => Value::obj(format!("{prefix}DeviceBackingInfo"))
            .with("deviceName", Value::str(path))
            .with("useAutoDetect", Value::bool(false)),
        PortBacking::Pipe { path, endpoint } => Value::obj("VirtualSerialPortPipeBackingInfo")
            .with("pipeName", Value::str(path))
            .with("endpoint", Value::str(endpoint))
            .with("noRxLoss", Value::bool(false)),
        PortBacking::Network { uri, direction } => Value::obj("VirtualSerialPortURIBackingInfo")
            .with("serviceURI", Value::str(uri))
            .with("direction", Value::str(direction)),
    }
}

/// 1-based position of `d` among the devices of its own kind (the N of "Hard disk N").
fn ordinal_of_kind(devices: &[Device], d: &Device) -> usize {
    let kind = std::mem::discriminant(d);
    devices
        .iter()
        .filter(|x| std::mem::discriminant(*x) == kind)
        .position(|x| x == d)
        .unwrap_or(0)
        + 1
}

#[cfg(test)]
mod tests {
    use crate::objects::testing::TestWorld;
    use crate::value::Value;

    fn labels(t: &TestWorld, name: &str) -> Vec<(String, i64)> {
        t.get("VirtualMachine", &t.vm(name), "config.hardware.device")
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let label = d.path("deviceInfo.label").and_then(Value::as_str).unwrap();
                (
                    label.to_string(),
                    d.path("key").and_then(Value::as_i64).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn keys_and_labels_as_vsphere_numbers_them() {
        let t = TestWorld::esx();
        let db01 = labels(&t, "db01");
        for expected in [
            ("IDE 0", 200),
            ("SCSI controller 0", 1000),
            ("Hard disk 1", 2000),
            ("Hard disk 2", 2001),
            ("Network adapter 1", 4000),
            ("Network adapter 2", 4001),
        ] {
            assert!(
                db01.contains(&(expected.0.to_string(), expected.1)),
                "{expected:?} in {db01:?}"
            );
        }
        let serial = labels(&t, "serial-test");
        assert!(
            serial.contains(&("Serial port 1".to_string(), 9000)),
            "{serial:?}"
        );
        assert!(
            serial.contains(&("Parallel port 1".to_string(), 10000)),
            "{serial:?}"
        );
        let tiny = labels(&t, "tiny");
        assert!(
            tiny.contains(&("Hard disk 1".to_string(), 3000)),
            "{tiny:?}"
        );
    }
}
