//! A VMX file rebuilt from a VM's `config` (VirtualMachineConfigInfo), for servers whose
//! datastore holds an empty .vmx (govmomi's simulator creates the files but not their
//! content). The text then goes through the same VMX -> domain conversion as a real file.

use esxvirt_vi::{
    AnyVirtualDevice, AnyVirtualDeviceBackingInfo, VirtualMachineConfigInfo, VirtualSCSIController,
};

use crate::file_names::FileNameResolver;

fn quote(s: &str) -> String {
    // VMX values are double-quoted; `|` and `"` are pipe-escaped.
    esxvirt_util::escape_pipe(s)
}

/// A SCSI controller as the rebuilt VMX keys it: (device key, VMX prefix, bus number,
/// `virtualDev` model).
fn scsi(
    c: &VirtualSCSIController,
    model: &'static str,
) -> (i32, &'static str, i32, Option<&'static str>) {
    (c.base.base.key, "scsi", c.base.bus_number, Some(model))
}

/// The file a device backing names, for the backings a rebuilt VMX writes.
pub(crate) fn file_name(b: &AnyVirtualDeviceBackingInfo) -> Option<&str> {
    use AnyVirtualDeviceBackingInfo as B;
    Some(match b {
        B::VirtualDeviceFileBackingInfo(f) => &f.file_name,
        B::VirtualDiskFlatVer1BackingInfo(f) => &f.base.file_name,
        B::VirtualDiskFlatVer2BackingInfo(f) => &f.base.file_name,
        B::VirtualDiskSparseVer1BackingInfo(f) => &f.base.file_name,
        B::VirtualDiskSparseVer2BackingInfo(f) => &f.base.file_name,
        B::VirtualDiskSeSparseBackingInfo(f) => &f.base.file_name,
        B::VirtualCdromIsoBackingInfo(f) => &f.base.file_name,
        B::VirtualFloppyImageBackingInfo(f) => &f.base.file_name,
        _ => return None,
    })
}

/// The first lines of every rebuilt VMX: its encoding and VMX format version.
const VMX_HEADER: &str = ".encoding = \"UTF-8\"\nconfig.version = \"8\"\n";

/// The VMX text for `config`; file names become absolute mount paths through `resolver`.
pub fn vmx_from_config(config: &VirtualMachineConfigInfo, resolver: &FileNameResolver) -> String {
    let mut out = String::from(VMX_HEADER);
    let mut put = |k: &str, v: &str| {
        out.push_str(&format!("{k} = \"{}\"\n", quote(v)));
    };
    let hw = config
        .version
        .strip_prefix("vmx-")
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(7);
    put("virtualHW.version", &hw.to_string());
    put("displayName", &esxvirt_util::escape_percent(&config.name));
    if let Some(u) = crate::uuid::parse_uuid(&config.uuid) {
        let mut s = String::new();
        for (i, b) in u.iter().enumerate() {
            match i {
                0 => {}
                8 => s.push('-'),
                _ => s.push(' '),
            }
            s.push_str(&format!("{b:02x}"));
        }
        put("uuid.bios", &s);
    }
    if !config.guest_id.is_empty() {
        put("guestOS", &config.guest_id);
    }
    if let Some(a) = &config.annotation {
        if !a.is_empty() {
            put("annotation", a);
        }
    }
    let hardware = &config.hardware;
    put("memsize", &hardware.memory_mb.max(4).to_string());
    put("numvcpus", &hardware.num_cpu.max(1).to_string());
    if let Some(c) = hardware.num_cores_per_socket {
        if c > 1 {
            put("cpuid.coresPerSocket", &c.to_string());
        }
    }
    // Controllers by key: (VMX prefix, bus number).
    let mut controllers = std::collections::HashMap::new();
    for d in &hardware.device {
        let (key, prefix, bus, dev) = match d {
            AnyVirtualDevice::VirtualLsiLogicController(c) => scsi(&c.base, "lsilogic"),
            AnyVirtualDevice::VirtualBusLogicController(c) => scsi(&c.base, "buslogic"),
            AnyVirtualDevice::VirtualLsiLogicSASController(c) => scsi(&c.base, "lsisas1068"),
            AnyVirtualDevice::ParaVirtualSCSIController(c) => scsi(&c.base, "pvscsi"),
            AnyVirtualDevice::VirtualIDEController(c) => {
                (c.base.base.key, "ide", c.base.bus_number, None)
            }
            _ => continue,
        };
        if !(0..4).contains(&bus) || (prefix == "ide" && bus > 1) {
            continue;
        }
        controllers.insert(key, (prefix, bus));
        if let Some(dev) = dev {
            put(&format!("scsi{bus}.present"), "true");
            put(&format!("scsi{bus}.virtualDev"), dev);
        }
    }
    let mut nic = 0;
    let mut used = std::collections::HashSet::new();
    for d in &hardware.device {
        let (base, cdrom) = match d {
            AnyVirtualDevice::VirtualDisk(x) => (&x.base, false),
            AnyVirtualDevice::VirtualCdrom(x) => (&x.base, true),
            AnyVirtualDevice::VirtualE1000(x) => {
                ethernet(&mut put, nic, "e1000", &x.base);
                nic += 1;
                continue;
            }
            AnyVirtualDevice::VirtualE1000e(x) => {
                ethernet(&mut put, nic, "e1000e", &x.base);
                nic += 1;
                continue;
            }
            AnyVirtualDevice::VirtualVmxnet3(x) => {
                ethernet(&mut put, nic, "vmxnet3", &x.base.base);
                nic += 1;
                continue;
            }
            AnyVirtualDevice::VirtualPCNet32(x) => {
                ethernet(&mut put, nic, "vlance", &x.base);
                nic += 1;
                continue;
            }
            _ => continue,
        };
        let Some((prefix, bus)) = base.controller_key.and_then(|k| controllers.get(&k)) else {
            continue;
        };
        // Units must be unique per controller; a missing or taken one gets the next free.
        let max_unit = if *prefix == "ide" { 2 } else { 16 };
        let mut unit = base.unit_number.unwrap_or(0).max(0);
        while used.contains(&(*prefix, *bus, unit)) || (*prefix == "scsi" && unit == 7) {
            unit += 1;
        }
        if unit >= max_unit {
            continue;
        }
        used.insert((*prefix, *bus, unit));
        let dev = format!("{prefix}{bus}:{unit}");
        let file = base.backing.as_ref().and_then(file_name);
        match (cdrom, file) {
            (false, Some(f)) => {
                put(&format!("{dev}.present"), "true");
                let kind = if *prefix == "ide" {
                    "ata-hardDisk"
                } else {
                    "scsi-hardDisk"
                };
                put(&format!("{dev}.deviceType"), kind);
                let name = resolver.format(f).unwrap_or_else(|_| f.to_string());
                put(&format!("{dev}.fileName"), &name);
            }
            (true, Some(f)) if !f.is_empty() => {
                put(&format!("{dev}.present"), "true");
                put(&format!("{dev}.deviceType"), "cdrom-image");
                let name = resolver.format(f).unwrap_or_else(|_| f.to_string());
                put(&format!("{dev}.fileName"), &name);
            }
            (true, _) => {
                put(&format!("{dev}.present"), "true");
                put(&format!("{dev}.deviceType"), "atapi-cdrom");
                put(&format!("{dev}.fileName"), "auto detect");
            }
            _ => {}
        }
    }
    out
}

fn ethernet(
    put: &mut impl FnMut(&str, &str),
    n: usize,
    dev: &str,
    card: &esxvirt_vi::VirtualEthernetCard,
) {
    let p = format!("ethernet{n}");
    put(&format!("{p}.present"), "true");
    put(&format!("{p}.virtualDev"), dev);
    if let Some(AnyVirtualDeviceBackingInfo::VirtualEthernetCardNetworkBackingInfo(b)) =
        &card.base.backing
    {
        put(&format!("{p}.networkName"), &b.base.device_name);
    }
    if let Some(mac) = &card.mac_address {
        match card.address_type.as_deref() {
            Some(t) if t.eq_ignore_ascii_case("manual") => {
                put(&format!("{p}.addressType"), "static");
                put(&format!("{p}.address"), mac);
            }
            _ => {
                put(&format!("{p}.addressType"), "generated");
                put(&format!("{p}.generatedAddress"), mac);
            }
        }
    }
}
