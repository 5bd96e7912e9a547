//! VirtualMachine and VirtualMachineSnapshot: properties (config, runtime, summary, guest,
//! snapshot ...) and methods (power state machine, reconfigure, snapshots, questions,
//! unregister, destroy, migrate, screenshots).

use crate::fault::Fault;
use crate::inventory::vmx::{api_guest_id, split_datastore_path};
use crate::inventory::{
    all_snapshots, parent_of_snapshot, Allocation, Bus, Device, PortBacking, PowerOnOutcome,
    PowerState, ServerKind, Slot, Snapshot, Vm, World,
};
use crate::object::CallCx;
use crate::soap::Element;
use crate::task::TaskSpec;
use crate::value::{MoRef, Value};

use super::{
    description, element_description, fault_of, is_unset_entity_property, normal_shares,
    split_path, walk, STABLE_TIMESTAMP,
};

/// Top-level VirtualMachine properties (for `PropertySpec.all`).
pub const PROPERTY_NAMES: &[&str] = &[
    "name",
    "parent",
    "config",
    "runtime",
    "summary",
    "guest",
    "snapshot",
    "rootSnapshot",
    "datastore",
    "network",
    "resourcePool",
    "capability",
    "overallStatus",
    "configStatus",
    "guestHeartbeatStatus",
    "recentTask",
    "layoutEx",
];

/// A friendly guest name for a VMX guestOS.
fn guest_full_name(guest_os: &str) -> String {
    let g = guest_os.to_ascii_lowercase();
    let name = match g.as_str() {
        "ubuntu-64" => "Ubuntu Linux (64-bit)",
        "ubuntu" => "Ubuntu Linux (32-bit)",
        "centos-64" => "CentOS 4/5 or later (64-bit)",
        "rhel7-64" => "Red Hat Enterprise Linux 7 (64-bit)",
        "rhel8-64" => "Red Hat Enterprise Linux 8 (64-bit)",
        "windows2019srv-64" => "Microsoft Windows Server 2019 (64-bit)",
        "windows9-64" => "Microsoft Windows 10 (64-bit)",
        "otherlinux-64" => "Other Linux (64-bit)",
        "otherlinux" => "Other Linux (32-bit)",
        "other-64" => "Other (64-bit)",
        "debian10-64" => "Debian GNU/Linux 10 (64-bit)",
        _ => "Other (32-bit)",
    };
    name.to_string()
}

fn guest_family(guest_os: &str) -> &'static str {
    let g = guest_os.to_ascii_lowercase();
    if g.starts_with("win") {
        "windowsGuest"
    } else if g.starts_with("other") && !g.contains("linux") {
        "otherGuestFamily"
    } else {
        "linuxGuest"
    }
}

fn shares(a: &Allocation) -> Value {
    Value::obj("SharesInfo")
        .with("shares", Value::int(a.shares))
        .with("level", Value::enumv("SharesLevel", a.shares_level.clone()))
}

fn allocation(a: &Allocation) -> Value {
    Value::obj("ResourceAllocationInfo")
        .with("reservation", Value::long(a.reservation))
        .with(
            "expandableReservation",
            Value::bool(a.expandable_reservation),
        )
        .with("limit", Value::long(a.limit))
        .with("shares", shares(a))
}

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
pub(crate) fn device_key(d: &Device) -> i32 {
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

fn ds_ref(w: &World, path: &str) -> Option<Value> {
    let (ds, _) = split_datastore_path(path)?;
    w.datastore_by_name(ds)
        .map(|d| Value::moref("Datastore", d.moid.clone()))
}

fn base_device(ty: &str, key: i32, label: &str, summary: &str) -> Value {
    Value::obj(ty.to_string())
        .with("key", Value::int(key))
        .with("deviceInfo", description(label, summary))
}

/// All devices of a VM as `VirtualDevice` values, the fixed chipset devices included.
fn devices(w: &World, vm: &Vm) -> Vec<Value> {
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
                    .with("sharedBus", Value::enumv("VirtualSCSISharing", "noSharing"))
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
                let backing = Value::obj("VirtualDiskFlatVer2BackingInfo")
                    .with("fileName", Value::str(file))
                    .with_opt("datastore", ds_ref(w, file))
                    .with("backingObjectId", Value::str(""))
                    .with("diskMode", Value::str(mode))
                    .with("split", Value::bool(false))
                    .with("writeThrough", Value::bool(false))
                    .with("thinProvisioned", Value::bool(*thin))
                    .with("eagerlyScrub", Value::bool(false))
                    .with("uuid", Value::str(uuid_of_disk(&disk_uuid)))
                    .with("contentId", Value::str("0000000000000000fffffffe"))
                    .with("digestEnabled", Value::bool(false))
                    .with("sharing", Value::str("sharingNone"));
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
                            .with_opt("datastore", ds_ref(w, iso)),
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
                        .with_opt("datastore", ds_ref(w, img)),
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
                let net = w
                    .hosts
                    .get(&vm.host)
                    .and_then(|h| {
                        w.networks
                            .values()
                            .find(|n| &n.name == network && n.datacenter == h.datacenter)
                    })
                    .map(|n| Value::moref("Network", n.moid.clone()));
                let addr_type = match address_type.to_ascii_lowercase().as_str() {
                    "static" => "manual",
                    "vpx" => "assigned",
                    _ => "generated",
                };
                base_device(ty, key, &format!("Network adapter {}", index + 1), network)
                    .with(
                        "backing",
                        Value::obj("VirtualEthernetCardNetworkBackingInfo")
                            .with("deviceName", Value::str(network))
                            .with("useAutoDetect", Value::bool(false))
                            .with_opt("network", net),
                    )
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
            .with_opt("datastore", ds_ref(w, path)),
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

fn files_info(vm: &Vm) -> Value {
    let dir = vm
        .vmx_path
        .rsplit_once('/')
        .map(|(d, _)| format!("{d}/"))
        .unwrap_or_else(|| vm.vmx_path.clone());
    Value::obj("VirtualMachineFileInfo")
        .with("vmPathName", Value::str(&vm.vmx_path))
        .with("snapshotDirectory", Value::str(&dir))
        .with("suspendDirectory", Value::str(&dir))
        .with("logDirectory", Value::str(&dir))
}

fn change_version(cfg: &crate::inventory::VmConfig) -> String {
    let text = serde_json::to_string(cfg).unwrap_or_default();
    let h = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    });
    format!("2026-01-12T09:00:00.{:06}Z", h % 1_000_000)
}

fn config_info(w: &World, vm: &Vm) -> Value {
    let c = &vm.config;
    let hw = Value::obj("VirtualHardware")
        .with("numCPU", Value::int(c.num_cpu))
        .with("numCoresPerSocket", Value::int(c.cores_per_socket))
        .with("memoryMB", Value::int(c.memory_mb as i32))
        .with("virtualICH7MPresent", Value::bool(false))
        .with("virtualSMCPresent", Value::bool(false))
        .with("device", Value::array("VirtualDevice", devices(w, vm)));
    let extra: Vec<Value> = c
        .extra
        .iter()
        .map(|(k, v)| {
            Value::obj("OptionValue")
                .with("key", Value::str(k))
                .with("value", Value::any(Value::str(v)))
        })
        .collect();
    let ds_url = w
        .vm_datastores(vm)
        .iter()
        .filter_map(|d| w.datastores.get(d))
        .map(|d| {
            Value::obj("VirtualMachineConfigInfoDatastoreUrlPair")
                .with("name", Value::str(&d.name))
                .with("url", Value::str(d.mount_path()))
        })
        .collect();
    Value::obj("VirtualMachineConfigInfo")
        .with(
            "changeVersion",
            // Changes exactly when the configuration does, as clients expect.
            Value::str(change_version(&vm.config)),
        )
        .with("modified", Value::DateTime("1970-01-01T00:00:00Z".into()))
        .with("name", Value::str(&c.name))
        .with("guestFullName", Value::str(guest_full_name(&c.guest_os)))
        .with("version", Value::str(&c.version))
        .with("uuid", Value::str(&c.uuid))
        .with("instanceUuid", Value::str(&c.instance_uuid))
        .with("npivTemporaryDisabled", Value::bool(true))
        .with(
            "locationId",
            Value::str(format!(
                "564d{}",
                c.uuid.replace('-', "").get(4..).unwrap_or_default()
            )),
        )
        .with("template", Value::bool(vm.template))
        .with("guestId", Value::str(api_guest_id(&c.guest_os)))
        .with("alternateGuestName", Value::str(""))
        .with("annotation", Value::str(&c.annotation))
        .with("files", files_info(vm))
        .with(
            "tools",
            Value::obj("ToolsConfigInfo")
                .with("toolsVersion", Value::int(11333))
                .with("afterPowerOn", Value::bool(true))
                .with("afterResume", Value::bool(true))
                .with("beforeGuestStandby", Value::bool(true))
                .with("beforeGuestShutdown", Value::bool(true))
                .with("toolsUpgradePolicy", Value::str("manual"))
                .with("syncTimeWithHost", Value::bool(false)),
        )
        .with(
            "flags",
            Value::obj("VirtualMachineFlagInfo")
                .with("disableAcceleration", Value::bool(false))
                .with("enableLogging", Value::bool(true))
                .with("useToe", Value::bool(false))
                .with("runWithDebugInfo", Value::bool(false))
                .with("monitorType", Value::str("release"))
                .with("htSharing", Value::str("any"))
                .with("snapshotDisabled", Value::bool(false))
                .with("snapshotLocked", Value::bool(false))
                .with("diskUuidEnabled", Value::bool(false))
                .with("virtualMmuUsage", Value::str("automatic"))
                .with("virtualExecUsage", Value::str("hvAuto"))
                .with("snapshotPowerOffBehavior", Value::str("powerOff")),
        )
        .with(
            "defaultPowerOps",
            Value::obj("VirtualMachineDefaultPowerOpInfo")
                .with("powerOffType", Value::str("soft"))
                .with("suspendType", Value::str("hard"))
                .with("resetType", Value::str("soft"))
                .with("defaultPowerOffType", Value::str("soft"))
                .with("defaultSuspendType", Value::str("hard"))
                .with("defaultResetType", Value::str("soft"))
                .with("standbyAction", Value::str("checkpoint")),
        )
        .with("hardware", hw)
        .with("cpuAllocation", allocation(&c.cpu_alloc))
        .with("memoryAllocation", allocation(&c.mem_alloc))
        .with(
            "latencySensitivity",
            Value::obj("LatencySensitivity").with(
                "level",
                Value::enumv("LatencySensitivitySensitivityLevel", "normal"),
            ),
        )
        .with("memoryHotAddEnabled", Value::bool(false))
        .with("cpuHotAddEnabled", Value::bool(false))
        .with("cpuHotRemoveEnabled", Value::bool(false))
        .with("extraConfig", Value::array("OptionValue", extra))
        .with(
            "datastoreUrl",
            Value::array("VirtualMachineConfigInfoDatastoreUrlPair", ds_url),
        )
        .with("swapPlacement", Value::str("inherit"))
        .with(
            "bootOptions",
            Value::obj("VirtualMachineBootOptions")
                .with("bootDelay", Value::long(0))
                .with("enterBIOSSetup", Value::bool(false))
                .with("efiSecureBootEnabled", Value::bool(false))
                .with("bootRetryEnabled", Value::bool(false))
                .with("bootRetryDelay", Value::long(10000))
                .with("networkBootProtocol", Value::str("ipv4")),
        )
        .with("vAssertsEnabled", Value::bool(false))
        .with("changeTrackingEnabled", Value::bool(false))
        .with("firmware", Value::str(&c.firmware))
        .with("maxMksConnections", Value::int(40))
        .with("guestAutoLockEnabled", Value::bool(false))
        .with("memoryReservationLockedToMax", Value::bool(false))
        .with(
            "initialOverhead",
            Value::obj("VirtualMachineConfigInfoOverheadInfo")
                .with(
                    "initialMemoryReservation",
                    Value::long(c.memory_mb.saturating_mul(12 * 1024)),
                )
                .with(
                    "initialSwapReservation",
                    Value::long(c.memory_mb.saturating_mul(100 * 1024)),
                ),
        )
        .with("nestedHVEnabled", Value::bool(false))
        .with("vPMCEnabled", Value::bool(false))
        .with(
            "scheduledHardwareUpgradeInfo",
            Value::obj("ScheduledHardwareUpgradeInfo")
                .with("upgradePolicy", Value::str("never"))
                .with("scheduledHardwareUpgradeStatus", Value::str("none")),
        )
        .with("vFlashCacheReservation", Value::long(0))
        .with("messageBusTunnelEnabled", Value::bool(false))
        .with("sevEnabled", Value::bool(false))
}

fn question_value(vm: &Vm) -> Option<Value> {
    let q = vm.question.as_ref()?;
    let choices = q
        .choices
        .iter()
        .map(|(k, l, s)| element_description(k, l, s))
        .collect();
    Some(
        Value::obj("VirtualMachineQuestionInfo")
            .with("id", Value::str(&q.id))
            .with("text", Value::str(&q.text))
            .with(
                "choice",
                Value::obj("ChoiceOption")
                    .with("choiceInfo", Value::array("ElementDescription", choices))
                    .with("defaultIndex", Value::int(q.default_index)),
            )
            .with(
                "message",
                Value::array(
                    "VirtualMachineMessage",
                    vec![Value::obj("VirtualMachineMessage")
                        .with("id", Value::str(&q.message_id))
                        .with("text", Value::str(&q.text))],
                ),
            ),
    )
}

fn runtime(w: &World, vm: &Vm) -> Value {
    let host = w.hosts.get(&vm.host);
    let max_cpu = host
        .map(|h| (h.hardware.cpu_mhz as i32).saturating_mul(vm.config.num_cpu))
        .unwrap_or(0);
    Value::obj("VirtualMachineRuntimeInfo")
        .with("host", Value::moref("HostSystem", vm.host.clone()))
        .with(
            "connectionState",
            Value::enumv("VirtualMachineConnectionState", "connected"),
        )
        .with(
            "powerState",
            Value::enumv("VirtualMachinePowerState", vm.power_state.as_str()),
        )
        .with(
            "faultToleranceState",
            Value::enumv("VirtualMachineFaultToleranceState", "notConfigured"),
        )
        .with("toolsInstallerMounted", Value::bool(false))
        .with_opt("bootTime", vm.boot_time.clone().map(Value::DateTime))
        .with("suspendInterval", Value::long(0))
        .with_opt("question", question_value(vm))
        .with("maxCpuUsage", Value::int(max_cpu))
        .with("maxMemoryUsage", Value::int(vm.config.memory_mb as i32))
        .with("numMksConnections", Value::int(0))
        .with(
            "recordReplayState",
            Value::enumv("VirtualMachineRecordReplayState", "inactive"),
        )
        .with("onlineStandby", Value::bool(false))
        .with("consolidationNeeded", Value::bool(false))
        .with("paused", Value::bool(false))
        .with("snapshotInBackground", Value::bool(false))
        .with("instantCloneFrozen", Value::bool(false))
}

fn tools_status(vm: &Vm) -> (&'static str, &'static str) {
    if vm.guest.tools_running && vm.power_state == PowerState::PoweredOn {
        ("toolsOk", "guestToolsRunning")
    } else {
        ("toolsNotRunning", "guestToolsNotRunning")
    }
}

fn first_ip(vm: &Vm) -> Option<String> {
    vm.guest
        .nics
        .iter()
        .flat_map(|n| n.ips.iter())
        .map(|(ip, _)| ip.clone())
        .next()
}

fn guest(vm: &Vm) -> Value {
    let (ts, trs) = tools_status(vm);
    let nets: Vec<Value> = vm
        .guest
        .nics
        .iter()
        .map(|n| {
            let addrs = n
                .ips
                .iter()
                .map(|(ip, p)| {
                    Value::obj("NetIpConfigInfoIpAddress")
                        .with("ipAddress", Value::str(ip))
                        .with("prefixLength", Value::int(*p))
                        .with("state", Value::str("preferred"))
                })
                .collect();
            Value::obj("GuestNicInfo")
                .with("network", Value::str(&n.network))
                .with(
                    "ipAddress",
                    Value::strings(n.ips.iter().map(|(ip, _)| ip.clone())),
                )
                .with("macAddress", Value::str(&n.mac))
                .with("connected", Value::bool(true))
                .with("deviceConfigId", Value::int(n.device_config_id))
                .with(
                    "ipConfig",
                    Value::obj("NetIpConfigInfo")
                        .with("ipAddress", Value::array("NetIpConfigInfoIpAddress", addrs)),
                )
        })
        .collect();
    let running = vm.power_state == PowerState::PoweredOn;
    Value::obj("GuestInfo")
        .with("toolsStatus", Value::enumv("VirtualMachineToolsStatus", ts))
        .with("toolsVersionStatus", Value::str("guestToolsCurrent"))
        .with("toolsVersionStatus2", Value::str("guestToolsCurrent"))
        .with("toolsRunningStatus", Value::str(trs))
        .with("toolsVersion", Value::str("11333"))
        .with_opt(
            "guestId",
            running.then(|| Value::str(api_guest_id(&vm.config.guest_os))),
        )
        .with_opt(
            "guestFamily",
            running.then(|| Value::str(guest_family(&vm.config.guest_os))),
        )
        .with_opt(
            "guestFullName",
            running.then(|| Value::str(guest_full_name(&vm.config.guest_os))),
        )
        .with_opt("hostName", vm.guest.host_name.clone().map(Value::Str))
        .with_opt("ipAddress", first_ip(vm).map(Value::Str))
        .with("net", Value::array("GuestNicInfo", nets))
        .with(
            "guestState",
            Value::str(if running { "running" } else { "notRunning" }),
        )
        .with("appHeartbeatStatus", Value::str("appStatusGray"))
        .with("guestKernelCrashed", Value::bool(false))
        .with("appState", Value::str("none"))
        .with("guestOperationsReady", Value::bool(running))
        .with("interactiveGuestOperationsReady", Value::bool(false))
        .with("guestStateChangeSupported", Value::bool(running))
}

fn storage_used(w: &World, vm: &Vm) -> (i64, i64) {
    let mut committed = 0i64;
    let mut uncommitted = 0i64;
    for d in &vm.config.devices {
        if let Device::Disk {
            file,
            capacity_kb,
            thin,
            ..
        } = d
        {
            if *thin {
                let alloc = w.resolve(file).ok().and_then(|p| {
                    let flat = p.to_string_lossy().replace(".vmdk", "-flat.vmdk");
                    std::fs::metadata(flat).ok()
                });
                let used = alloc
                    .map(|m| {
                        use std::os::unix::fs::MetadataExt;
                        (m.blocks() * 512) as i64
                    })
                    .unwrap_or(0);
                committed += used;
                uncommitted = uncommitted
                    .saturating_add(capacity_kb.saturating_mul(1024).saturating_sub(used));
            } else {
                committed = committed.saturating_add(capacity_kb.saturating_mul(1024));
            }
        }
    }
    (committed + 4096, uncommitted)
}

fn summary(w: &World, vm: &Vm) -> Value {
    let c = &vm.config;
    let (ts, trs) = tools_status(vm);
    let running = vm.power_state == PowerState::PoweredOn;
    let (committed, uncommitted) = storage_used(w, vm);
    let nics = c
        .devices
        .iter()
        .filter(|d| matches!(d, Device::Nic { .. }))
        .count() as i32;
    let disks = c
        .devices
        .iter()
        .filter(|d| matches!(d, Device::Disk { .. }))
        .count() as i32;
    let uptime = if running { 3600 } else { 0 };
    Value::obj("VirtualMachineSummary")
        .with("vm", Value::moref("VirtualMachine", vm.moid.clone()))
        .with("runtime", runtime(w, vm))
        .with(
            "guest",
            Value::obj("VirtualMachineGuestSummary")
                .with_opt(
                    "guestId",
                    running.then(|| Value::str(api_guest_id(&c.guest_os))),
                )
                .with_opt(
                    "guestFullName",
                    running.then(|| Value::str(guest_full_name(&c.guest_os))),
                )
                .with("toolsStatus", Value::enumv("VirtualMachineToolsStatus", ts))
                .with("toolsVersionStatus", Value::str("guestToolsCurrent"))
                .with("toolsVersionStatus2", Value::str("guestToolsCurrent"))
                .with("toolsRunningStatus", Value::str(trs))
                .with_opt("hostName", vm.guest.host_name.clone().map(Value::Str))
                .with_opt("ipAddress", first_ip(vm).map(Value::Str))
                .with("hwVersion", Value::str(&c.version)),
        )
        .with(
            "config",
            Value::obj("VirtualMachineConfigSummary")
                .with("name", Value::str(&c.name))
                .with("template", Value::bool(vm.template))
                .with("vmPathName", Value::str(&vm.vmx_path))
                .with("memorySizeMB", Value::int(c.memory_mb as i32))
                .with("cpuReservation", Value::int(c.cpu_alloc.reservation as i32))
                .with(
                    "memoryReservation",
                    Value::int(c.mem_alloc.reservation as i32),
                )
                .with("numCpu", Value::int(c.num_cpu))
                .with("numEthernetCards", Value::int(nics))
                .with("numVirtualDisks", Value::int(disks))
                .with("uuid", Value::str(&c.uuid))
                .with("instanceUuid", Value::str(&c.instance_uuid))
                .with("guestId", Value::str(api_guest_id(&c.guest_os)))
                .with("guestFullName", Value::str(guest_full_name(&c.guest_os)))
                .with("annotation", Value::str(&c.annotation))
                .with("installBootRequired", Value::bool(false))
                .with("tpmPresent", Value::bool(false))
                .with("numVmiopBackings", Value::int(0))
                .with("hwVersion", Value::str(&c.version)),
        )
        .with(
            "storage",
            Value::obj("VirtualMachineStorageSummary")
                .with("committed", Value::long(committed))
                .with("uncommitted", Value::long(uncommitted))
                .with("unshared", Value::long(committed))
                .with("timestamp", Value::DateTime(STABLE_TIMESTAMP.into())),
        )
        .with(
            "quickStats",
            Value::obj("VirtualMachineQuickStats")
                .with(
                    "overallCpuUsage",
                    Value::int(if running {
                        c.num_cpu.saturating_mul(23)
                    } else {
                        0
                    }),
                )
                .with(
                    "overallCpuDemand",
                    Value::int(if running {
                        c.num_cpu.saturating_mul(23)
                    } else {
                        0
                    }),
                )
                .with(
                    "guestMemoryUsage",
                    Value::int(if running {
                        (c.memory_mb / 10) as i32
                    } else {
                        0
                    }),
                )
                .with(
                    "hostMemoryUsage",
                    Value::int(if running { (c.memory_mb / 2) as i32 } else { 0 }),
                )
                .with(
                    "guestHeartbeatStatus",
                    Value::enumv(
                        "ManagedEntityStatus",
                        if running { "green" } else { "gray" },
                    ),
                )
                .with("distributedCpuEntitlement", Value::int(0))
                .with("distributedMemoryEntitlement", Value::int(0))
                .with("staticCpuEntitlement", Value::int(0))
                .with("staticMemoryEntitlement", Value::int(0))
                .with(
                    "privateMemory",
                    Value::int(if running { (c.memory_mb / 2) as i32 } else { 0 }),
                )
                .with("sharedMemory", Value::int(0))
                .with("swappedMemory", Value::int(0))
                .with("balloonedMemory", Value::int(0))
                .with(
                    "consumedOverheadMemory",
                    Value::int(if running { 30 } else { 0 }),
                )
                .with("compressedMemory", Value::long(0))
                .with("uptimeSeconds", Value::int(uptime)),
        )
        .with(
            "overallStatus",
            Value::enumv("ManagedEntityStatus", "green"),
        )
}

fn snapshot_tree(vm: &Vm, s: &Snapshot) -> Value {
    Value::obj("VirtualMachineSnapshotTree")
        .with(
            "snapshot",
            Value::moref("VirtualMachineSnapshot", s.moid.clone()),
        )
        .with("vm", Value::moref("VirtualMachine", vm.moid.clone()))
        .with("name", Value::str(&s.name))
        .with("description", Value::str(&s.description))
        .with("id", Value::int(s.id))
        .with("createTime", Value::DateTime(s.create_time.clone()))
        .with(
            "state",
            Value::enumv("VirtualMachinePowerState", s.state.as_str()),
        )
        .with("quiesced", Value::bool(s.quiesced))
        .with(
            "childSnapshotList",
            Value::array(
                "VirtualMachineSnapshotTree",
                s.children.iter().map(|c| snapshot_tree(vm, c)).collect(),
            ),
        )
}

fn capability() -> Value {
    let mut v = Value::obj("VirtualMachineCapability");
    for f in [
        "snapshotOperationsSupported",
        "multipleSnapshotsSupported",
        "snapshotConfigSupported",
        "poweredOffSnapshotsSupported",
        "memorySnapshotsSupported",
        "revertToSnapshotSupported",
        "quiescedSnapshotsSupported",
        "disableSnapshotsSupported",
        "lockSnapshotsSupported",
        "consolePreferencesSupported",
        "cpuFeatureMaskSupported",
        "s1AcpiManagementSupported",
        "settingScreenResolutionSupported",
        "toolsAutoUpdateSupported",
        "vmNpivWwnSupported",
        "npivWwnOnNonRdmVmSupported",
        "vmNpivWwnDisableSupported",
        "vmNpivWwnUpdateSupported",
        "swapPlacementSupported",
        "toolsSyncTimeSupported",
        "virtualMmuUsageSupported",
        "diskSharesSupported",
        "bootOptionsSupported",
        "bootRetryOptionsSupported",
        "settingVideoRamSizeSupported",
        "settingDisplayTopologySupported",
        "recordReplaySupported",
        "changeTrackingSupported",
        "multipleCoresPerSocketSupported",
        "hostBasedReplicationSupported",
        "guestAutoLockSupported",
        "memoryReservationLockSupported",
        "featureRequirementSupported",
        "poweredOnMonitorTypeChangeSupported",
        "seSparseDiskSupported",
        "nestedHVSupported",
        "vPMCSupported",
        "secureBootSupported",
    ] {
        v = v.with(
            f,
            Value::bool(
                !f.starts_with("vmNpiv")
                    && f != "npivWwnOnNonRdmVmSupported"
                    && f != "recordReplaySupported",
            ),
        );
    }
    v
}

fn layout_ex(w: &World, vm: &Vm) -> Value {
    let mut files = Vec::new();
    let mut key = 0;
    let mut push = |name: String, ty: &str, size: i64| {
        files.push(
            Value::obj("VirtualMachineFileLayoutExFileInfo")
                .with("key", Value::int(key))
                .with("name", Value::str(name))
                .with("type", Value::str(ty))
                .with("size", Value::long(size))
                .with("uniqueSize", Value::long(size))
                .with("accessible", Value::bool(true)),
        );
        key += 1;
    };
    let size_of = |p: &str| {
        w.resolve(p)
            .ok()
            .and_then(|p| std::fs::metadata(p).ok())
            .map(|m| m.len() as i64)
            .unwrap_or(0)
    };
    push(vm.vmx_path.clone(), "config", size_of(&vm.vmx_path));
    for d in &vm.config.devices {
        if let Device::Disk { file, .. } = d {
            push(file.clone(), "diskDescriptor", size_of(file));
            let flat = file.replace(".vmdk", "-flat.vmdk");
            let s = size_of(&flat);
            push(flat, "diskExtent", s);
        }
    }
    Value::obj("VirtualMachineFileLayoutEx")
        .with(
            "file",
            Value::array("VirtualMachineFileLayoutExFileInfo", files),
        )
        .with("timestamp", Value::DateTime(STABLE_TIMESTAMP.into()))
}

/// A VirtualMachine property.
pub fn property(w: &World, moid: &str, path: &str) -> Result<Option<Value>, Fault> {
    let vm = w
        .vm(moid)
        .map_err(|_| Fault::not_found(&MoRef::new("VirtualMachine", moid)))?;
    // Cheap answers for what list commands and benchmarks read most.
    match path {
        "name" | "summary.config.name" | "config.name" => {
            return Ok(Some(Value::str(&vm.config.name)))
        }
        "runtime.powerState" | "summary.runtime.powerState" => {
            return Ok(Some(Value::enumv(
                "VirtualMachinePowerState",
                vm.power_state.as_str(),
            )))
        }
        "config.uuid" | "summary.config.uuid" => return Ok(Some(Value::str(&vm.config.uuid))),
        "config.instanceUuid" | "summary.config.instanceUuid" => {
            return Ok(Some(Value::str(&vm.config.instance_uuid)))
        }
        "summary.config.memorySizeMB" | "config.hardware.memoryMB" => {
            return Ok(Some(Value::int(vm.config.memory_mb as i32)))
        }
        "config.hardware.numCPU" | "summary.config.numCpu" => {
            return Ok(Some(Value::int(vm.config.num_cpu)))
        }
        "config.files.vmPathName" | "summary.config.vmPathName" => {
            return Ok(Some(Value::str(&vm.vmx_path)))
        }
        "runtime.question" => return Ok(question_value(vm)),
        "config.template" | "summary.config.template" => return Ok(Some(Value::bool(vm.template))),
        "config.annotation" => return Ok(Some(Value::str(&vm.config.annotation))),
        "config.cpuAllocation" => return Ok(Some(allocation(&vm.config.cpu_alloc))),
        "config.memoryAllocation" => return Ok(Some(allocation(&vm.config.mem_alloc))),
        "config.hardware.device" => return Ok(Some(Value::array("VirtualDevice", devices(w, vm)))),
        "guest.net" => return Ok(guest(vm).into_path("net")),
        "guest.hostName" => return Ok(vm.guest.host_name.clone().map(Value::Str)),
        "snapshot.currentSnapshot" => {
            return Ok(vm
                .current_snapshot
                .clone()
                .map(|s| Value::moref("VirtualMachineSnapshot", s)))
        }
        _ => {}
    }
    let (head, rest) = split_path(path);
    let top = match head {
        "name" => Some(Value::str(&vm.config.name)),
        "parent" => Some(Value::moref("Folder", vm.folder.clone())),
        "config" => Some(config_info(w, vm)),
        "runtime" => Some(runtime(w, vm)),
        "summary" => Some(summary(w, vm)),
        "guest" => Some(guest(vm)),
        "snapshot" => {
            if vm.snapshots.is_empty() {
                None
            } else {
                Some(
                    Value::obj("VirtualMachineSnapshotInfo")
                        .with_opt(
                            "currentSnapshot",
                            vm.current_snapshot
                                .clone()
                                .map(|s| Value::moref("VirtualMachineSnapshot", s)),
                        )
                        .with(
                            "rootSnapshotList",
                            Value::array(
                                "VirtualMachineSnapshotTree",
                                vm.snapshots.iter().map(|s| snapshot_tree(vm, s)).collect(),
                            ),
                        ),
                )
            }
        }
        "rootSnapshot" => {
            Some(Value::morefs(vm.snapshots.iter().map(|s| {
                MoRef::new("VirtualMachineSnapshot", s.moid.clone())
            })))
        }
        "datastore" => Some(w.mos(w.vm_datastores(vm).iter())),
        "network" => Some(w.mos(w.vm_networks(vm).iter())),
        "resourcePool" => Some(Value::moref("ResourcePool", vm.resource_pool.clone())),
        "capability" => Some(capability()),
        "overallStatus" | "configStatus" => Some(Value::enumv("ManagedEntityStatus", "green")),
        "guestHeartbeatStatus" => Some(Value::enumv(
            "ManagedEntityStatus",
            if vm.power_state == PowerState::PoweredOn {
                "green"
            } else {
                "gray"
            },
        )),
        "recentTask" => Some(Value::morefs(
            vm.pending_task
                .iter()
                .map(|t| MoRef::new("Task", t.clone())),
        )),
        "layoutEx" => Some(layout_ex(w, vm)),
        "effectiveRole" => Some(Value::array("int", vec![Value::int(-1)])),
        "alarmActionsEnabled" => Some(Value::bool(true)),
        p if is_unset_entity_property(p) => None,
        _ => return Err(Fault::invalid_property(path)),
    };
    walk(top, rest)
}

/// A VirtualMachineSnapshot property.
pub fn snapshot_property(w: &World, snap: &str, path: &str) -> Result<Option<Value>, Fault> {
    let (vm_id, node) = w
        .find_snapshot(snap)
        .ok_or_else(|| Fault::not_found(&MoRef::new("VirtualMachineSnapshot", snap)))?;
    let (head, rest) = split_path(path);
    let top = match head {
        "vm" => Some(Value::moref("VirtualMachine", vm_id.clone())),
        "childSnapshot" => {
            Some(Value::morefs(node.children.iter().map(|c| {
                MoRef::new("VirtualMachineSnapshot", c.moid.clone())
            })))
        }
        "config" => {
            let vm = w
                .vm(&vm_id)
                .map_err(|e| fault_of(e, &MoRef::new("VirtualMachine", vm_id.clone())))?;
            let mut copy = vm.clone();
            copy.config = node.config.clone();
            Some(config_info(w, &copy))
        }
        _ => return Err(Fault::invalid_property(path)),
    };
    walk(top, rest)
}

fn spec(vm: &Vm, this: &MoRef, name: &str, desc: &str, cancelable: bool) -> TaskSpec {
    TaskSpec {
        entity: Some(this.clone()),
        entity_name: Some(vm.config.name.clone()),
        name: name.to_string(),
        description_id: desc.to_string(),
        cancelable,
    }
}

/// Runs an immediate task for a VM method.
fn vm_task(
    w: &mut World,
    cx: &mut CallCx<'_>,
    this: &MoRef,
    method: &str,
    desc: &str,
    op: impl FnOnce(&mut World) -> Result<Option<Value>, Fault>,
) -> Result<Option<Value>, Fault> {
    let vm = w.vm(&this.value).map_err(|e| fault_of(e, this))?;
    let s = spec(vm, this, method, desc, false);
    let t = cx.tasks.run(s, cx.user, || op(w));
    Ok(Some(Value::MoRef(t)))
}

/// A question blocks every other operation on the VM.
fn ensure_no_question(w: &World, this: &MoRef) -> Result<(), Fault> {
    let vm = w.vm(&this.value).map_err(|e| fault_of(e, this))?;
    if vm.question.is_some() {
        return Err(Fault::invalid_state(
            "The operation is not allowed in the current state: the virtual machine has a pending question.",
        ));
    }
    Ok(())
}

/// VirtualMachine methods.
pub fn invoke(
    w: &mut World,
    cx: &mut CallCx<'_>,
    this: &MoRef,
    method: &str,
    args: &Element,
) -> Result<Option<Value>, Fault> {
    let id = this.value.clone();
    let fe = |e| fault_of(e, this);
    match method {
        "PowerOnVM_Task" => {
            ensure_no_question(w, this)?;
            let s = spec(
                w.vm(&id).map_err(fe)?,
                this,
                method,
                "VirtualMachine.powerOn",
                false,
            );
            let t = cx.tasks.create(s, cx.user);
            match w.power_on(&id) {
                Ok(PowerOnOutcome::Started) => cx.tasks.succeed(&t, None),
                Ok(PowerOnOutcome::Question) => {
                    // Stays running until AnswerVM.
                    if let Ok(vm) = w.vm_mut(&id) {
                        vm.pending_task = Some(t.value.clone());
                    }
                }
                Err(e) => cx.tasks.fail(&t, fault_of(e, this)),
            }
            Ok(Some(Value::MoRef(t)))
        }
        "PowerOffVM_Task" => {
            ensure_no_question(w, this)?;
            vm_task(w, cx, this, method, "VirtualMachine.powerOff", |w| {
                w.power_off(&id).map(|_| None).map_err(fe)
            })
        }
        "SuspendVM_Task" => {
            ensure_no_question(w, this)?;
            vm_task(w, cx, this, method, "VirtualMachine.suspend", |w| {
                w.suspend(&id).map(|_| None).map_err(fe)
            })
        }
        "ResetVM_Task" => {
            ensure_no_question(w, this)?;
            vm_task(w, cx, this, method, "VirtualMachine.reset", |w| {
                w.reset(&id).map(|_| None).map_err(fe)
            })
        }
        "ShutdownGuest" => {
            ensure_no_question(w, this)?;
            w.shutdown_guest(&id).map_err(fe)?;
            Ok(None)
        }
        "RebootGuest" => {
            ensure_no_question(w, this)?;
            w.reboot_guest(&id).map_err(fe)?;
            Ok(None)
        }
        "StandbyGuest" => {
            ensure_no_question(w, this)?;
            w.suspend(&id).map_err(fe)?;
            Ok(None)
        }
        "AnswerVM" => {
            let qid = args.req_text("questionId")?.to_string();
            let choice = args.req_text("answerChoice")?.to_string();
            let went_on = w.answer_question(&id, &qid, &choice).map_err(fe)?;
            let pending = w.vm_mut(&id).ok().and_then(|vm| vm.pending_task.take());
            if let Some(t) = pending {
                let t = MoRef::new("Task", t);
                if went_on {
                    cx.tasks.succeed(&t, None);
                } else {
                    cx.tasks.fail(
                        &t,
                        Fault::new(
                            "GenericVmConfigFault",
                            "The operation was cancelled by the user answering the question.",
                        )
                        .with("reason", Value::str("msg.serial.file.open")),
                    );
                }
            }
            Ok(None)
        }
        "ReconfigVM_Task" => {
            ensure_no_question(w, this)?;
            let spec_el = args
                .child("spec")
                .ok_or_else(|| Fault::missing_argument("spec"))?
                .clone();
            vm_task(w, cx, this, method, "VirtualMachine.reconfigure", |w| {
                reconfigure(w, &id, &spec_el, this)?;
                Ok(None)
            })
        }
        "UnregisterVM" => {
            w.unregister_vm(&id).map_err(fe)?;
            Ok(None)
        }
        "Destroy_Task" => vm_task(w, cx, this, method, "VirtualMachine.destroy", |w| {
            w.destroy_vm(&id).map(|_| None).map_err(fe)
        }),
        "Rename_Task" => {
            let new_name = args.req_text("newName")?.to_string();
            vm_task(w, cx, this, method, "VirtualMachine.rename", |w| {
                let folder = w.vm(&id).map_err(fe)?.folder.clone();
                if w.vms
                    .values()
                    .any(|v| v.folder == folder && v.config.name == new_name && v.moid != id)
                {
                    return Err(Fault::duplicate_name(&new_name, this));
                }
                w.vm_mut(&id).map_err(fe)?.config.name = new_name.clone();
                w.write_vmx(&id).map_err(fe)?;
                Ok(None)
            })
        }
        "CreateSnapshot_Task" | "CreateSnapshotEx_Task" => {
            ensure_no_question(w, this)?;
            let name = args.req_text("name")?.to_string();
            let desc = args.text_of("description").unwrap_or("").to_string();
            let memory = args.bool_of("memory")?.unwrap_or(false);
            let quiesce = args.bool_of("quiesce")?.unwrap_or(false);
            vm_task(w, cx, this, method, "VirtualMachine.createSnapshot", |w| {
                let s = w
                    .create_snapshot(&id, &name, &desc, memory, quiesce)
                    .map_err(fe)?;
                Ok(Some(Value::moref("VirtualMachineSnapshot", s)))
            })
        }
        "RevertToCurrentSnapshot_Task" => {
            ensure_no_question(w, this)?;
            let cur = w.vm(&id).map_err(fe)?.current_snapshot.clone();
            vm_task(
                w,
                cx,
                this,
                method,
                "VirtualMachine.revertToCurrentSnapshot",
                |w| {
                    let cur = cur.ok_or_else(|| {
                        Fault::new("NotFound", "The virtual machine has no current snapshot.")
                    })?;
                    w.revert_snapshot(&cur).map(|_| None).map_err(fe)
                },
            )
        }
        "RemoveAllSnapshots_Task" => vm_task(
            w,
            cx,
            this,
            method,
            "VirtualMachine.removeAllSnapshots",
            |w| {
                let roots: Vec<String> = w
                    .vm(&id)
                    .map_err(fe)?
                    .snapshots
                    .iter()
                    .map(|s| s.moid.clone())
                    .collect();
                for r in roots {
                    w.remove_snapshot(&r, true).map_err(fe)?;
                }
                Ok(None)
            },
        ),
        "CreateScreenshot_Task" => vm_task(
            w,
            cx,
            this,
            method,
            "VirtualMachine.createScreenshot",
            |w| {
                let n = w.alloc_id();
                let vm = w.vm(&id).map_err(fe)?;
                if vm.power_state != PowerState::PoweredOn {
                    return Err(Fault::invalid_power_state(
                        Some("poweredOn"),
                        vm.power_state.as_str(),
                    ));
                }
                let dir = vm
                    .vmx_path
                    .rsplit_once('/')
                    .map(|(d, _)| d.to_string())
                    .unwrap_or_default();
                let path = format!(
                    "{dir}/{}-{n}.png",
                    esxvirt_util::escape_datastore_item(&vm.config.name)
                );
                let png = crate::files::screen_png(vm);
                let real = w.resolve(&path).map_err(fe)?;
                std::fs::write(real, png).map_err(|e| Fault::system_error(e.to_string()))?;
                Ok(Some(Value::any(Value::str(path))))
            },
        ),
        "MigrateVM_Task" | "RelocateVM_Task" => {
            ensure_no_question(w, this)?;
            let host = args.moref_of("host")?;
            let pool = args.moref_of("pool")?;
            let state = args.text_of("state").map(|s| s.to_string());
            vm_task(w, cx, this, method, "VirtualMachine.migrate", |w| {
                migrate(w, &id, host, pool, state)
            })
        }
        "MarkAsTemplate" => {
            let vm = w.vm_mut(&id).map_err(fe)?;
            if vm.power_state != PowerState::PoweredOff {
                return Err(Fault::invalid_power_state(
                    Some("poweredOff"),
                    vm.power_state.as_str(),
                ));
            }
            vm.template = true;
            Ok(None)
        }
        "MarkAsVirtualMachine" => {
            w.vm_mut(&id).map_err(fe)?.template = false;
            Ok(None)
        }
        "RefreshStorageInfo" => Ok(None),
        "AcquireTicket" | "AcquireMksTicket" => Ok(Some(
            Value::obj("VirtualMachineTicket")
                .with("ticket", Value::str(crate::inventory::random_uuid()))
                .with("cfgFile", Value::str(&w.vm(&id).map_err(fe)?.vmx_path)),
        )),
        _ => Err(Fault::method_not_found("VirtualMachine", method)),
    }
}

fn migrate(
    w: &mut World,
    id: &str,
    host: Option<MoRef>,
    pool: Option<MoRef>,
    state: Option<String>,
) -> Result<Option<Value>, Fault> {
    if w.kind != ServerKind::Vcenter {
        return Err(Fault::not_supported(
            "Migration is only supported by vCenter.",
        ));
    }
    let this = MoRef::new("VirtualMachine", id.to_string());
    let vm = w.vm(id).map_err(|e| fault_of(e, &this))?;
    if let Some(s) = &state {
        if s != vm.power_state.as_str() {
            return Err(Fault::invalid_power_state(Some(s), vm.power_state.as_str()));
        }
    }
    let target_host = match (&host, &pool) {
        (Some(h), _) => {
            if !w.hosts.contains_key(&h.value) {
                return Err(Fault::not_found(h));
            }
            h.value.clone()
        }
        (None, Some(p)) => w.pool_host(&p.value).ok_or_else(|| Fault::not_found(p))?,
        (None, None) => return Err(Fault::missing_argument("host")),
    };
    // The VM's datastores must be mounted on the destination.
    let ds = w.vm_datastores(vm);
    let th = &w.hosts[&target_host];
    if let Some(missing) = ds.iter().find(|d| !th.datastores.contains(d)) {
        return Err(Fault::new(
            "DatastoreNotWritableOnHost",
            format!(
                "The datastore {missing} is not accessible on host {}.",
                th.name
            ),
        )
        .with("datastore", Value::moref("Datastore", missing.clone()))
        .with("host", Value::moref("HostSystem", target_host.clone())));
    }
    let new_pool = match pool {
        Some(p) => p.value,
        None => w.host_root_pool(&target_host).unwrap_or_default(),
    };
    let vm = w.vm_mut(id).map_err(|e| fault_of(e, &this))?;
    vm.host = target_host;
    vm.resource_pool = new_pool;
    Ok(None)
}

fn el_i64(e: &Element, name: &str) -> Result<Option<i64>, Fault> {
    e.i64_of(name)
}

fn apply_alloc(
    a: &mut Allocation,
    el: &Element,
    cpu: bool,
    num_cpu: i32,
    mem: i64,
) -> Result<(), Fault> {
    if let Some(r) = el_i64(el, "reservation")? {
        if r < 0 {
            return Err(Fault::invalid_argument("reservation"));
        }
        a.reservation = r;
    }
    if let Some(l) = el_i64(el, "limit")? {
        a.limit = l;
    }
    if let Some(x) = el.bool_of("expandableReservation")? {
        a.expandable_reservation = x;
    }
    if let Some(sh) = el.child("shares") {
        let level = sh.text_of("level").unwrap_or("normal").to_string();
        match level.as_str() {
            "low" | "normal" | "high" => {
                a.shares = crate::inventory::vmx::level_shares(&level, cpu, num_cpu, mem);
                a.shares_level = level;
            }
            "custom" => {
                let n = sh
                    .i32_of("shares")?
                    .ok_or_else(|| Fault::invalid_argument("shares"))?;
                a.shares = n;
                a.shares_level = level;
            }
            _ => return Err(Fault::invalid_argument("shares.level")),
        }
    }
    Ok(())
}

/// Applies a VirtualMachineConfigSpec and rewrites the .vmx.
fn reconfigure(w: &mut World, id: &str, spec: &Element, this: &MoRef) -> Result<(), Fault> {
    let fe = |e| fault_of(e, this);
    let mut cfg = w.vm(id).map_err(fe)?.config.clone();
    let power = w.vm(id).map_err(fe)?.power_state;
    if let Some(n) = spec.text_of("name") {
        cfg.name = n.to_string();
    }
    if let Some(m) = el_i64(spec, "memoryMB")? {
        if m <= 0 || m % 4 != 0 {
            return Err(Fault::invalid_argument("memoryMB"));
        }
        cfg.memory_mb = m;
    }
    if let Some(n) = spec.i32_of("numCPUs")? {
        if n <= 0 || n > 128 {
            return Err(Fault::invalid_argument("numCPUs"));
        }
        cfg.num_cpu = n;
    }
    if let Some(n) = spec.i32_of("numCoresPerSocket")? {
        cfg.cores_per_socket = n.max(1);
    }
    if let Some(a) = spec.child("annotation") {
        cfg.annotation = a.text.clone();
    }
    if let Some(g) = spec.text_of("guestId") {
        cfg.guest_os = crate::inventory::vmx::vmx_guest_os(g);
    }
    if let Some(f) = spec.text_of("firmware") {
        cfg.firmware = f.to_string();
    }
    let (nc, mm) = (cfg.num_cpu, cfg.memory_mb);
    if let Some(a) = spec.child("cpuAllocation") {
        apply_alloc(&mut cfg.cpu_alloc, a, true, nc, mm)?;
    }
    if let Some(a) = spec.child("memoryAllocation") {
        apply_alloc(&mut cfg.mem_alloc, a, false, nc, mm)?;
        if cfg.mem_alloc.reservation > cfg.memory_mb {
            return Err(Fault::invalid_argument("memoryAllocation.reservation"));
        }
    }
    for ec in spec.children_named("extraConfig") {
        if let Some(k) = ec.text_of("key") {
            let v = ec.text_of("value").unwrap_or("").to_string();
            cfg.extra.retain(|(ek, _)| !ek.eq_ignore_ascii_case(k));
            if !v.is_empty() {
                cfg.extra.push((k.to_string(), v));
            }
        }
    }
    let mut new_disks: Vec<(String, i64, bool)> = Vec::new();
    let mut gone_disks: Vec<String> = Vec::new();
    for dc in spec.children_named("deviceChange") {
        let op = dc.text_of("operation").unwrap_or("");
        let file_op = dc.text_of("fileOperation").unwrap_or("");
        let dev = dc
            .child("device")
            .ok_or_else(|| Fault::missing_argument("deviceChange.device"))?;
        let key = dev.i32_of("key")?.unwrap_or(0);
        match op {
            "remove" => {
                let pos = cfg
                    .devices
                    .iter()
                    .position(|d| device_key(d) == key)
                    .ok_or_else(|| Fault::invalid_argument("deviceChange.device.key"))?;
                if power != PowerState::PoweredOff
                    && !matches!(
                        cfg.devices[pos],
                        Device::Disk { .. } | Device::Nic { .. } | Device::Cdrom { .. }
                    )
                {
                    return Err(Fault::invalid_power_state(
                        Some("poweredOff"),
                        power.as_str(),
                    ));
                }
                let d = cfg.devices.remove(pos);
                if let (Device::Disk { file, .. }, "destroy") = (&d, file_op) {
                    gone_disks.push(file.clone());
                }
            }
            "add" | "edit" => {
                let mut newdev = device_from_spec(w, &cfg, dev, op == "edit")?;
                if op == "edit" {
                    let pos = cfg
                        .devices
                        .iter()
                        .position(|d| device_key(d) == key)
                        .ok_or_else(|| Fault::invalid_argument("deviceChange.device.key"))?;
                    // Keep what the spec does not say (a disk's file when only growing it).
                    if let (
                        Device::Disk { file: nf, .. },
                        Device::Disk {
                            file: of,
                            capacity_kb: oc,
                            ..
                        },
                    ) = (&mut newdev, &cfg.devices[pos])
                    {
                        if nf.is_empty() {
                            *nf = of.clone();
                        }
                        if let Device::Disk {
                            capacity_kb: nc, ..
                        } = &newdev
                        {
                            if *nc < *oc {
                                return Err(Fault::invalid_argument("capacityInKB"));
                            }
                        }
                    }
                    cfg.devices[pos] = newdev;
                } else {
                    if let Device::Disk {
                        file,
                        capacity_kb,
                        thin,
                        ..
                    } = &mut newdev
                    {
                        if file_op == "create" {
                            if file.is_empty() || file.ends_with(']') || file.ends_with("] ") {
                                // Name it after the VM, in the VM's directory.
                                let vm = w.vm(id).map_err(fe)?;
                                let dir = vm
                                    .vmx_path
                                    .rsplit_once('/')
                                    .map(|(d, _)| d.to_string())
                                    .unwrap_or_default();
                                let base = esxvirt_util::escape_datastore_item(&cfg.name);
                                let mut n = 1;
                                loop {
                                    let cand = format!("{dir}/{base}_{n}.vmdk");
                                    if !w.resolve(&cand).map(|p| p.exists()).unwrap_or(true) {
                                        *file = cand;
                                        break;
                                    }
                                    n += 1;
                                }
                            }
                            new_disks.push((file.clone(), *capacity_kb, *thin));
                        } else if let Ok(info) = w.disk_info(file) {
                            *capacity_kb = info.capacity_kb;
                        }
                    }
                    if cfg
                        .devices
                        .iter()
                        .any(|d| device_key(d) == device_key(&newdev))
                    {
                        return Err(Fault::invalid_argument("deviceChange.device.unitNumber"));
                    }
                    cfg.devices.push(newdev);
                }
            }
            _ => return Err(Fault::invalid_argument("deviceChange.operation")),
        }
    }
    for (f, cap, thin) in &new_disks {
        w.create_virtual_disk(f, *cap, *thin, "lsiLogic")
            .map_err(fe)?;
    }
    for f in &gone_disks {
        let _ = w.delete_virtual_disk(f);
    }
    crate::inventory::vmx::normalize_devices(&mut cfg.devices);
    let guest = crate::inventory::default_guest_for(&cfg);
    let vm = w.vm_mut(id).map_err(fe)?;
    vm.config = cfg;
    vm.guest_when_running = guest;
    w.write_vmx(id).map_err(fe)?;
    Ok(())
}

/// Reads a VirtualDevice from a config spec.
fn device_from_spec(
    w: &World,
    cfg: &crate::inventory::VmConfig,
    dev: &Element,
    edit: bool,
) -> Result<Device, Fault> {
    let ty = dev.type_or("VirtualDevice");
    let key = dev.i32_of("key")?.unwrap_or(0);
    let ctrl_key = dev.i32_of("controllerKey")?;
    let unit = dev.i32_of("unitNumber")?;
    let backing = dev.child("backing");
    let bfile = backing
        .and_then(|b| b.text_of("fileName"))
        .unwrap_or("")
        .to_string();
    let connected = dev
        .child("connectable")
        .and_then(|c| c.bool_of("startConnected").ok().flatten())
        .unwrap_or(true);
    let slot_for = |default_unit: Option<i32>| -> Result<Slot, Fault> {
        let ck = ctrl_key.ok_or_else(|| Fault::invalid_argument("controllerKey"))?;
        let (bus, controller) = match ck {
            200..=201 => (Bus::Ide, (ck - 200) as u32),
            1000..=1003 => (Bus::Scsi, (ck - 1000) as u32),
            15000..=15003 => (Bus::Sata, (ck - 15000) as u32),
            _ => return Err(Fault::invalid_argument("controllerKey")),
        };
        if bus == Bus::Scsi
            && !cfg
                .devices
                .iter()
                .any(|d| matches!(d, Device::ScsiController { index, .. } if *index == controller))
        {
            return Err(Fault::invalid_argument("controllerKey"));
        }
        let unit = match unit.or(default_unit) {
            Some(u) => u as u32,
            None => {
                // First free unit on the controller (7 is the SCSI controller itself).
                let max = if bus == Bus::Ide { 2 } else { 16 };
                (0..max)
                    .find(|u| {
                        (bus != Bus::Scsi || *u != 7)
                            && !cfg.devices.iter().any(|d| matches!(d, Device::Disk { slot, .. } | Device::Cdrom { slot, .. } if slot.bus == bus && slot.controller == controller && slot.unit == *u))
                    })
                    .ok_or_else(|| Fault::invalid_argument("unitNumber"))?
            }
        };
        Ok(Slot {
            bus,
            controller,
            unit,
        })
    };
    let existing = cfg.devices.iter().find(|d| device_key(d) == key);
    match ty {
        "VirtualDisk" => {
            let slot = match (edit, existing) {
                (true, Some(Device::Disk { slot, .. })) => *slot,
                _ => slot_for(None)?,
            };
            let cap = dev
                .i64_of("capacityInKB")?
                .or(dev.i64_of("capacityInBytes")?.map(|b| b / 1024))
                .unwrap_or(0);
            let thin = backing
                .and_then(|b| b.bool_of("thinProvisioned").ok().flatten())
                .unwrap_or(false);
            let mode = backing
                .and_then(|b| b.text_of("diskMode"))
                .unwrap_or("persistent")
                .to_string();
            Ok(Device::Disk {
                slot,
                file: bfile,
                capacity_kb: cap,
                thin,
                mode,
            })
        }
        "VirtualCdrom" => {
            let slot = match (edit, existing) {
                (true, Some(Device::Cdrom { slot, .. })) => *slot,
                _ => slot_for(None)?,
            };
            let bty = backing.map(|b| b.type_or("")).unwrap_or("");
            let (iso, device) = if bty.contains("Iso") {
                (Some(bfile), None)
            } else {
                (
                    None,
                    backing
                        .and_then(|b| b.text_of("deviceName"))
                        .map(|s| s.to_string())
                        .filter(|s| !s.is_empty()),
                )
            };
            Ok(Device::Cdrom {
                slot,
                iso,
                device,
                connected,
            })
        }
        "VirtualFloppy" => {
            let index = if edit {
                (key - 8000).max(0) as u32
            } else {
                next_index(cfg, |d| matches!(d, Device::Floppy { .. }))
            };
            let bty = backing.map(|b| b.type_or("")).unwrap_or("");
            Ok(if bty.contains("Image") {
                Device::Floppy {
                    index,
                    image: Some(bfile),
                    device: None,
                }
            } else {
                Device::Floppy {
                    index,
                    image: None,
                    device: Some(bfile).filter(|s| !s.is_empty()),
                }
            })
        }
        "VirtualSerialPort" | "VirtualParallelPort" => {
            let serial = ty == "VirtualSerialPort";
            let index = if edit {
                (key - if serial { 9000 } else { 10000 }).max(0) as u32
            } else if serial {
                next_index(cfg, |d| matches!(d, Device::Serial { .. }))
            } else {
                next_index(cfg, |d| matches!(d, Device::Parallel { .. }))
            };
            let bty = backing.map(|b| b.type_or("")).unwrap_or("");
            let b = backing.ok_or_else(|| Fault::invalid_argument("backing"))?;
            let pb = if bty.contains("File") {
                PortBacking::File { path: bfile }
            } else if bty.contains("Pipe") {
                PortBacking::Pipe {
                    path: b.text_of("pipeName").unwrap_or("").to_string(),
                    endpoint: b.text_of("endpoint").unwrap_or("server").to_string(),
                }
            } else if bty.contains("URI") {
                PortBacking::Network {
                    uri: b.text_of("serviceURI").unwrap_or("").to_string(),
                    direction: b.text_of("direction").unwrap_or("server").to_string(),
                }
            } else {
                PortBacking::Device {
                    path: b.text_of("deviceName").unwrap_or("").to_string(),
                }
            };
            Ok(if serial {
                Device::Serial {
                    index,
                    backing: pb,
                    yield_on_poll: dev.bool_of("yieldOnPoll")?.unwrap_or(false),
                }
            } else {
                Device::Parallel { index, backing: pb }
            })
        }
        t if t.starts_with("Virtual")
            && (t.contains("E1000")
                || t.contains("Vmxnet")
                || t.contains("PCNet32")
                || t == "VirtualEthernetCard") =>
        {
            let model = match t {
                "VirtualE1000" => "e1000",
                "VirtualE1000e" => "e1000e",
                "VirtualVmxnet" => "vmxnet",
                "VirtualVmxnet2" => "vmxnet2",
                "VirtualVmxnet3" => "vmxnet3",
                _ => "vlance",
            };
            let index = match (edit, existing) {
                (true, Some(Device::Nic { index, .. })) => *index,
                _ => next_index(cfg, |d| matches!(d, Device::Nic { .. })),
            };
            let network = backing
                .and_then(|b| b.text_of("deviceName"))
                .unwrap_or("")
                .to_string();
            let network = if network.is_empty() {
                backing
                    .and_then(|b| b.moref_of("network").ok().flatten())
                    .and_then(|n| w.networks.get(&n.value).map(|n| n.name.clone()))
                    .unwrap_or_default()
            } else {
                network
            };
            let at = dev.text_of("addressType").unwrap_or("generated");
            let mac = dev
                .text_of("macAddress")
                .map(|m| m.to_ascii_lowercase())
                .unwrap_or_else(|| {
                    let b = crate::inventory::random_uuid();
                    let h: String = b
                        .chars()
                        .filter(|c| c.is_ascii_hexdigit())
                        .take(6)
                        .collect();
                    format!("00:0c:29:{}:{}:{}", &h[0..2], &h[2..4], &h[4..6])
                });
            let address_type = match at {
                "manual" => "static",
                "assigned" => "vpx",
                _ => "generated",
            };
            Ok(Device::Nic {
                index,
                model: model.into(),
                mac,
                address_type: address_type.into(),
                network,
                connected,
            })
        }
        "VirtualLsiLogicController"
        | "VirtualBusLogicController"
        | "VirtualLsiLogicSASController"
        | "ParaVirtualSCSIController" => {
            let index = dev.i32_of("busNumber")?.unwrap_or(0) as u32;
            let model = match ty {
                "VirtualBusLogicController" => "buslogic",
                "VirtualLsiLogicSASController" => "lsisas1068",
                "ParaVirtualSCSIController" => "pvscsi",
                _ => "lsilogic",
            };
            Ok(Device::ScsiController {
                index,
                model: model.into(),
            })
        }
        "VirtualAHCIController" => Ok(Device::SataController {
            index: dev.i32_of("busNumber")?.unwrap_or(0) as u32,
        }),
        "VirtualMachineVideoCard" => Ok(Device::Video {
            vram_kb: dev.i64_of("videoRamSizeInKB")?.unwrap_or(8192),
            displays: dev.i32_of("numDisplays")?.unwrap_or(1),
        }),
        other => Err(Fault::not_supported(format!(
            "Device type {other} is not supported by this host."
        ))),
    }
}

fn next_index(cfg: &crate::inventory::VmConfig, pred: impl Fn(&Device) -> bool) -> u32 {
    let used: Vec<u32> = cfg
        .devices
        .iter()
        .filter(|d| pred(d))
        .map(|d| match d {
            Device::Nic { index, .. }
            | Device::Serial { index, .. }
            | Device::Parallel { index, .. }
            | Device::Floppy { index, .. } => *index,
            _ => 0,
        })
        .collect();
    (0..).find(|i| !used.contains(i)).unwrap_or(0)
}

/// VirtualMachineSnapshot methods.
pub fn invoke_snapshot(
    w: &mut World,
    cx: &mut CallCx<'_>,
    this: &MoRef,
    method: &str,
    args: &Element,
) -> Result<Option<Value>, Fault> {
    let snap = this.value.clone();
    let (vm_id, _) = w
        .find_snapshot(&snap)
        .ok_or_else(|| Fault::not_found(this))?;
    let vm_ref = MoRef::new("VirtualMachine", vm_id.clone());
    let fe = |e| fault_of(e, this);
    match method {
        "RevertToSnapshot_Task" => {
            ensure_no_question(w, &vm_ref)?;
            let s = spec(
                w.vm(&vm_id).map_err(fe)?,
                &vm_ref,
                method,
                "vm.Snapshot.revert",
                false,
            );
            let t = cx.tasks.run(s, cx.user, || {
                w.revert_snapshot(&snap).map(|_| None).map_err(fe)
            });
            Ok(Some(Value::MoRef(t)))
        }
        "RemoveSnapshot_Task" => {
            let children = args.bool_of("removeChildren")?.unwrap_or(false);
            let s = spec(
                w.vm(&vm_id).map_err(fe)?,
                &vm_ref,
                method,
                "vm.Snapshot.remove",
                true,
            );
            let t = cx.tasks.run(s, cx.user, || {
                w.remove_snapshot(&snap, children).map(|_| None).map_err(fe)
            });
            Ok(Some(Value::MoRef(t)))
        }
        "RenameSnapshot" => {
            let name = args.text_of("name").map(|s| s.to_string());
            let desc = args.text_of("description").map(|s| s.to_string());
            let vm = w.vm_mut(&vm_id).map_err(fe)?;
            fn rename(
                list: &mut [Snapshot],
                id: &str,
                name: &Option<String>,
                desc: &Option<String>,
            ) -> bool {
                for s in list.iter_mut() {
                    if s.moid == id {
                        if let Some(n) = name {
                            s.name = n.clone();
                        }
                        if let Some(d) = desc {
                            s.description = d.clone();
                        }
                        return true;
                    }
                    if rename(&mut s.children, id, name, desc) {
                        return true;
                    }
                }
                false
            }
            rename(&mut vm.snapshots, &snap, &name, &desc);
            Ok(None)
        }
        _ => Err(Fault::method_not_found("VirtualMachineSnapshot", method)),
    }
}

/// Snapshot helpers other modules use.
#[allow(dead_code)]
pub(crate) fn snapshot_parent(vm: &Vm, snap: &str) -> Option<String> {
    parent_of_snapshot(&vm.snapshots, snap, None)
}

#[allow(dead_code)]
pub(crate) fn snapshot_count(vm: &Vm) -> usize {
    all_snapshots(&vm.snapshots).len()
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
