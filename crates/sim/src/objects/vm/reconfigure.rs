//! `ReconfigVM_Task`: applies a `VirtualMachineConfigSpec` (name, CPUs, memory, allocations,
//! annotation, guest, firmware, extraConfig, device changes with disk files created or
//! destroyed) and rewrites the `.vmx`.

use crate::fault::Fault;
use crate::inventory::{Allocation, Bus, Device, PortBacking, PowerState, Slot, World};
use crate::object::CallCx;
use crate::soap::Element;
use crate::value::{MoRef, Value};

use super::super::common::fault_of;
use super::super::entry::Call;
use super::devices::device_key;
use super::{ensure_no_question, vm_task};

/// `ReconfigVM_Task`.
pub(super) fn reconfig_vm(
    w: &mut World,
    cx: &mut CallCx<'_>,
    call: &Call<'_>,
) -> Result<Option<Value>, Fault> {
    let Call { this, method, args } = *call;
    let id = this.value.clone();
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

#[cfg(test)]
mod tests {
    use crate::objects::testing::{fault_type, text, TestWorld};
    use crate::value::Value;

    #[test]
    fn memory_cpus_annotation_and_a_new_nic() {
        let mut t = TestWorld::esx();
        let tiny = t.vm("tiny");
        t.run(
            "VirtualMachine",
            &tiny,
            "ReconfigVM_Task",
            "<spec><numCPUs>2</numCPUs><memoryMB>512</memoryMB><annotation>a &amp; b</annotation>\
             <deviceChange><operation>add</operation><device xsi:type=\"VirtualE1000\"><key>-1</key>\
             <backing xsi:type=\"VirtualEthernetCardNetworkBackingInfo\"><deviceName>VM Network</deviceName></backing>\
             </device></deviceChange></spec>",
        )
        .unwrap();
        assert_eq!(
            t.get("VirtualMachine", &tiny, "config.hardware.numCPU"),
            Value::int(2)
        );
        assert_eq!(
            t.get("VirtualMachine", &tiny, "config.hardware.memoryMB"),
            Value::int(512)
        );
        assert_eq!(
            text(&t.get("VirtualMachine", &tiny, "config.annotation")),
            "a & b"
        );
        let nics = t.get("VirtualMachine", &tiny, "summary.config.numEthernetCards");
        assert_eq!(nics, Value::int(2));
        // The .vmx on the datastore says so too.
        let vmx = std::fs::read_to_string(t.w.resolve(&t.w.vms[&tiny].vmx_path).unwrap()).unwrap();
        assert!(vmx.contains("memsize = \"512\""), "{vmx}");
        assert!(vmx.contains("ethernet1.virtualDev = \"e1000\""), "{vmx}");
    }

    #[test]
    fn refuses_bad_values() {
        let mut t = TestWorld::esx();
        let tiny = t.vm("tiny");
        for (spec, what) in [
            ("<memoryMB>1023</memoryMB>", "memoryMB"),
            ("<numCPUs>0</numCPUs>", "numCPUs"),
            ("<cpuAllocation><reservation>-5</reservation></cpuAllocation>", "reservation"),
            ("<deviceChange><operation>remove</operation><device xsi:type=\"VirtualDisk\"><key>4242</key></device></deviceChange>", "deviceChange.device.key"),
        ] {
            let r = t.run("VirtualMachine", &tiny, "ReconfigVM_Task", &format!("<spec>{spec}</spec>"));
            match r {
                Err(f) => {
                    assert_eq!(f.ty, "InvalidArgument", "{spec}");
                    assert!(f.message.contains(what), "{spec}: {}", f.message);
                }
                Ok(v) => panic!("{spec} accepted: {v:?}"),
            }
        }
        assert_eq!(
            fault_type(t.call("VirtualMachine", &tiny, "ReconfigVM_Task", "")),
            "InvalidRequest"
        );
        assert_eq!(
            t.get("VirtualMachine", &tiny, "config.hardware.memoryMB"),
            Value::int(256)
        );
    }
}
