//! `VirtualMachineConfigSpec` applied to a VM's configuration: name, CPUs, memory,
//! allocations, annotation, guest, firmware, hardware version, latency sensitivity, nested
//! virtualization, tools and boot settings, extraConfig and device changes (with the disk
//! files to create or delete). `ReconfigVM_Task`, `Folder.CreateVM_Task` and
//! `CloneVM_Task` share it; the settings VMX files keep as keys live in `extra` under the
//! keys a real `.vmx` uses.

use std::collections::HashMap;

use crate::fault::Fault;
use crate::inventory::{Allocation, Bus, Device, PortBacking, PowerState, Slot, VmConfig, World};
use crate::soap::Element;

use super::devices::device_key;

/// The disk files a spec asks for: (datastore path, capacity in KB, thin) to create, and
/// datastore paths to delete.
#[derive(Debug, Default)]
pub struct DiskWork {
    /// New disks.
    pub create: Vec<(String, i64, bool)>,
    /// Disks removed with `fileOperation` destroy.
    pub delete: Vec<String>,
}

/// VMX keys of the settings the model keeps among a VM's other keys.
pub mod keys {
    /// `config.latencySensitivity.level`.
    pub const LATENCY: &str = "sched.cpu.latencySensitivity";
    /// `config.nestedHVEnabled`.
    pub const NESTED_HV: &str = "vhv.enable";
    /// `config.tools.syncTimeWithHost`.
    pub const SYNC_TIME: &str = "tools.syncTime";
    /// `config.bootOptions.bootOrder` (VMX device names, comma separated).
    pub const BOOT_ORDER: &str = "bios.bootOrder";
    /// `config.bootOptions.bootDelay` (ms).
    pub const BOOT_DELAY: &str = "bios.bootDelay";
}

/// Sets (or, with an empty value, removes) VMX key `key`.
pub fn set_extra(cfg: &mut VmConfig, key: &str, value: &str) {
    cfg.extra.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
    if !value.is_empty() {
        cfg.extra.push((key.to_string(), value.to_string()));
    }
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

/// Applies `spec` to `cfg` (of a VM in `power` whose directory is `vm_dir`, a datastore path
/// like `[ds] name`): everything is checked before anything of `cfg` the caller keeps
/// changes, so a refused spec leaves the VM as it was. Returns the disk files to create and
/// delete.
pub fn apply_config_spec(
    w: &World,
    kept: &mut VmConfig,
    spec: &Element,
    power: PowerState,
    vm_dir: &str,
) -> Result<DiskWork, Fault> {
    // The spec goes to a copy, which replaces `kept` only at the end: every refusal returns
    // before that.
    let mut next = kept.clone();
    let cfg = &mut next;
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
    if let Some(u) = spec.text_of("uuid") {
        cfg.uuid = u.to_ascii_lowercase();
    }
    if let Some(v) = spec.text_of("version") {
        cfg.version = hardware_version(v)?;
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
    if let Some(l) = spec.child("latencySensitivity") {
        let level = l.text_of("level").unwrap_or("normal");
        if !["low", "normal", "medium", "high", "custom"].contains(&level) {
            return Err(Fault::invalid_argument("latencySensitivity.level"));
        }
        set_extra(
            cfg,
            keys::LATENCY,
            if level == "normal" { "" } else { level },
        );
    }
    if let Some(b) = spec.bool_of("nestedHVEnabled")? {
        set_extra(cfg, keys::NESTED_HV, if b { "TRUE" } else { "" });
    }
    if let Some(t) = spec.child("tools") {
        if let Some(b) = t.bool_of("syncTimeWithHost")? {
            set_extra(cfg, keys::SYNC_TIME, if b { "TRUE" } else { "FALSE" });
        }
    }
    if let Some(b) = spec.child("bootOptions") {
        if let Some(d) = b.i64_of("bootDelay")? {
            set_extra(
                cfg,
                keys::BOOT_DELAY,
                &if d > 0 { d.to_string() } else { String::new() },
            );
        }
        let order: Vec<String> = b
            .children_named("bootOrder")
            .filter_map(boot_device)
            .collect();
        if b.child("bootOrder").is_some() {
            set_extra(cfg, keys::BOOT_ORDER, &order.join(","));
        }
    }
    for ec in spec.children_named("extraConfig") {
        if let Some(k) = ec.text_of("key") {
            let v = ec.text_of("value").unwrap_or("").to_string();
            set_extra(cfg, k, &v);
        }
    }
    let mut work = DiskWork::default();
    // Devices added by this spec carry temporary (negative) keys their children refer to.
    let mut key_map: HashMap<i32, i32> = HashMap::new();
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
                    work.delete.push(file.clone());
                }
            }
            "add" if fixed_controller(dev).is_some() => {
                // The chipset's IDE controllers (and the like) are always there.
                if let Some(real) = fixed_controller(dev) {
                    key_map.insert(key, real);
                }
            }
            "add" | "edit" => {
                let mut newdev = device_from_spec(w, cfg, dev, op == "edit", &key_map)?;
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
                                *file = new_disk_name(w, cfg, vm_dir, &work);
                            }
                            if w.resolve(file).map(|p| p.exists()).unwrap_or(false) {
                                return Err(Fault::file_already_exists(file));
                            }
                            work.create.push((file.clone(), *capacity_kb, *thin));
                        } else {
                            match w.disk_info(file) {
                                Ok(info) => *capacity_kb = info.capacity_kb,
                                Err(_) => return Err(Fault::file_not_found(file)),
                            }
                        }
                    }
                    let real = device_key(&newdev);
                    if cfg.devices.iter().any(|d| device_key(d) == real) {
                        return Err(Fault::invalid_argument("deviceChange.device.unitNumber"));
                    }
                    key_map.insert(key, real);
                    cfg.devices.push(newdev);
                }
            }
            _ => return Err(Fault::invalid_argument("deviceChange.operation")),
        }
    }
    crate::inventory::vmx::normalize_devices(&mut cfg.devices);
    *kept = next;
    Ok(work)
}

/// The devices of a VM's recorded `config.hardware.device` list (a `govc object.save`
/// recording): controllers first, under the keys vSphere gives them (recordings may use
/// other keys), then the devices on them. Devices the model has no place for are left out
/// and their types returned.
pub fn recorded_devices(w: &World, list: &[&Element]) -> (Vec<Device>, Vec<String>) {
    let mut cfg = VmConfig {
        name: String::new(),
        uuid: String::new(),
        instance_uuid: String::new(),
        guest_os: "other".into(),
        version: "vmx-19".into(),
        memory_mb: 4,
        num_cpu: 1,
        cores_per_socket: 1,
        annotation: String::new(),
        firmware: "bios".into(),
        cpu_alloc: Allocation::normal(1000),
        mem_alloc: Allocation::normal(40),
        devices: Vec::new(),
        extra: Vec::new(),
    };
    let mut key_map: HashMap<i32, i32> = HashMap::new();
    let mut skipped = Vec::new();
    let is_controller = |d: &Element| {
        matches!(
            d.type_or(""),
            "VirtualLsiLogicController"
                | "VirtualBusLogicController"
                | "VirtualLsiLogicSASController"
                | "ParaVirtualSCSIController"
                | "VirtualAHCIController"
        )
    };
    for d in list.iter().copied() {
        let key = d.i32_of("key").ok().flatten().unwrap_or(0);
        if let Some(real) = fixed_controller(d) {
            key_map.insert(key, real);
        } else if is_controller(d) {
            match device_from_spec(w, &cfg, d, false, &key_map) {
                Ok(dev) => {
                    key_map.insert(key, device_key(&dev));
                    cfg.devices.push(dev);
                }
                Err(_) => skipped.push(d.type_or("VirtualDevice").to_string()),
            }
        }
    }
    // Disks first: when a recording puts two devices in one slot, the disk keeps it and
    // the other moves to the controller's next free unit.
    let rest = list
        .iter()
        .copied()
        .filter(|d| fixed_controller(d).is_none() && !is_controller(d));
    let (disks, others): (Vec<&Element>, Vec<&Element>) =
        rest.partition(|d| d.type_or("") == "VirtualDisk");
    for d in disks.into_iter().chain(others) {
        let taken = |cfg: &VmConfig, dev: &Device| {
            cfg.devices.iter().any(|x| device_key(x) == device_key(dev))
        };
        let placed = match device_from_spec(w, &cfg, d, false, &key_map) {
            Ok(dev) if !taken(&cfg, &dev) => Some(dev),
            Ok(_) => {
                let mut moved = d.clone();
                moved.children.retain(|c| c.name != "unitNumber");
                device_from_spec(w, &cfg, &moved, false, &key_map)
                    .ok()
                    .filter(|dev| !taken(&cfg, dev))
            }
            Err(_) => None,
        };
        match placed {
            Some(dev) => cfg.devices.push(dev),
            None => skipped.push(d.type_or("VirtualDevice").to_string()),
        }
    }
    crate::inventory::vmx::normalize_devices(&mut cfg.devices);
    (cfg.devices, skipped)
}

/// `vmx-N` from a spec's version (`vmx-13`), refusing anything else.
fn hardware_version(v: &str) -> Result<String, Fault> {
    match v.strip_prefix("vmx-").map(str::parse::<u32>) {
        Some(Ok(n)) if (3..=21).contains(&n) => Ok(format!("vmx-{n:02}")),
        _ => Err(Fault::not_supported(format!(
            "The hardware version {v} is not supported."
        ))),
    }
}

/// The VMX name of a boot device (`cdrom`, `hdd`, `ethernet0`, `floppy`).
fn boot_device(o: &Element) -> Option<String> {
    match o.type_or("") {
        "VirtualMachineBootOptionsBootableCdromDevice" => Some("cdrom".into()),
        "VirtualMachineBootOptionsBootableDiskDevice" => Some("hdd".into()),
        "VirtualMachineBootOptionsBootableFloppyDevice" => Some("floppy".into()),
        "VirtualMachineBootOptionsBootableEthernetDevice" => {
            let k = o.i32_of("deviceKey").ok().flatten()?;
            Some(format!("ethernet{}", (k - 4000).max(0)))
        }
        _ => None,
    }
}

/// The key of the always-present controller a spec's device stands for (`None` for any
/// other device).
fn fixed_controller(dev: &Element) -> Option<i32> {
    let bus = dev.i32_of("busNumber").ok().flatten().unwrap_or(0);
    match dev.type_or("") {
        "VirtualIDEController" => Some(200 + bus),
        "VirtualPCIController" => Some(100),
        "VirtualPS2Controller" => Some(300),
        "VirtualSIOController" => Some(400),
        "VirtualKeyboard" => Some(600),
        "VirtualPointingDevice" => Some(700),
        "VirtualMachineVMCIDevice" => Some(12000),
        _ => None,
    }
}

/// A new disk's file in the VM's directory: `NAME.vmdk`, then `NAME_1.vmdk` ... (the first
/// one no other disk of the VM, of this spec or on the datastore has).
fn new_disk_name(w: &World, cfg: &VmConfig, vm_dir: &str, work: &DiskWork) -> String {
    let base = esxvirt_util::escape_datastore_item(&cfg.name);
    let sep = if vm_dir.ends_with(']') { " " } else { "/" };
    let taken = |cand: &str| {
        work.create.iter().any(|(f, _, _)| f == cand)
            || cfg
                .devices
                .iter()
                .any(|d| matches!(d, Device::Disk { file, .. } if file == cand))
            || w.resolve(cand).map(|p| p.exists()).unwrap_or(true)
    };
    let first = format!("{vm_dir}{sep}{base}.vmdk");
    if !taken(&first) {
        return first;
    }
    (1..)
        .map(|n| format!("{vm_dir}{sep}{base}_{n}.vmdk"))
        .find(|c| !taken(c))
        .unwrap_or(first)
}

/// Reads a VirtualDevice from a config spec.
fn device_from_spec(
    w: &World,
    cfg: &VmConfig,
    dev: &Element,
    edit: bool,
    key_map: &HashMap<i32, i32>,
) -> Result<Device, Fault> {
    let ty = dev.type_or("VirtualDevice");
    let key = dev.i32_of("key")?.unwrap_or(0);
    let ctrl_key = dev
        .i32_of("controllerKey")?
        .map(|k| key_map.get(&k).copied().unwrap_or(k));
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
            // The API's `independent_persistent` is the VMX's `independent-persistent`.
            let mode = backing
                .and_then(|b| b.text_of("diskMode"))
                .unwrap_or("persistent")
                .replace('_', "-");
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
            // A distributed port group is named by its key on its switch.
            let network = match backing
                .and_then(|b| b.child("port"))
                .and_then(|p| p.text_of("portgroupKey"))
            {
                Some(k) => w
                    .networks
                    .values()
                    .find(|n| n.dvs.as_ref().is_some_and(|d| d.key == k))
                    .map(|n| n.name.clone())
                    .ok_or_else(|| Fault::not_found_named(format!("portgroup {k} not found")))?,
                None => network,
            };
            if network.is_empty() {
                return Err(Fault::invalid_argument("deviceChange.device.backing"));
            }
            let at = dev.text_of("addressType").unwrap_or("generated");
            let mac = dev
                .text_of("macAddress")
                .map(|m| m.to_ascii_lowercase())
                .unwrap_or_else(fresh_mac);
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

fn next_index(cfg: &VmConfig, pred: impl Fn(&Device) -> bool) -> u32 {
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

/// A generated MAC address in VMware's range for a new NIC.
pub fn fresh_mac() -> String {
    let b = crate::inventory::random_uuid();
    let h: String = b
        .chars()
        .filter(|c| c.is_ascii_hexdigit())
        .take(6)
        .collect();
    format!("00:0c:29:{}:{}:{}", &h[0..2], &h[2..4], &h[4..6])
}
