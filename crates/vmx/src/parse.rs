//! VMX -> domain: what libvirt 9.0's VMX reader makes of a VMX file, including the defaults
//! libvirt's domain post-processing adds (implicit controllers, drive addresses, the primary
//! video device, video RAM rounding).

use std::collections::BTreeSet;

use esxvirt_util::{unescape_pipe, unescape_vmx_display_name};
use esxvirt_xml::domain::{
    CharDevice, CharSource, Controller, ControllerModel, ControllerType, Cpu, CpuMode, CpuSet,
    CpuTopology, Disk, DiskBus, DiskCache, DiskDevice, DiskDriver, DiskTarget, DiskType, Domain,
    DomainType, Filesystem, FsAccessMode, FsType, Genid, Graphics, GraphicsListen, Interface,
    InterfaceSource, Mac, MacAddr, MacType, NetModel, ScsiModel, SmbiosMode, StartupPolicy,
    TcpProtocol, Uuid, Video, VideoModel, VncGraphics,
};

use crate::context::ParseContext;
use crate::diskname::{assign_address, index_to_disk_name};
use crate::error::VmxError;
use crate::file::VmxFile;

/// Largest `memsize` accepted, in MiB (16 PiB): beyond any real VM, and keeps every size
/// computation far from overflow.
pub const MAX_MEMSIZE_MIB: i64 = 1 << 34;
/// Largest `numvcpus` accepted.
pub const MAX_VCPUS: i64 = 4096;
/// libvirt's CPU mask size for domain configs.
const CPUMASK_LEN: u32 = 16384;
/// libvirt's default video RAM for VMware, in KiB.
const DEFAULT_VRAM_KIB: u64 = 4096;

/// Converts VMX text to a domain definition, as libvirt 9.0's VMX reader does.
pub fn vmx_to_domain(vmx: &str, ctx: &ParseContext<'_>) -> Result<Domain, VmxError> {
    let file = VmxFile::parse_str(vmx)?;
    vmx_file_to_domain(&file, ctx)
}

/// Converts VMX bytes (honouring `.encoding`, e.g. windows-1252) to a domain definition.
pub fn vmx_bytes_to_domain(vmx: &[u8], ctx: &ParseContext<'_>) -> Result<Domain, VmxError> {
    let file = VmxFile::parse(vmx)?;
    vmx_file_to_domain(&file, ctx)
}

/// Converts an already parsed VMX file to a domain definition.
pub fn vmx_file_to_domain(file: &VmxFile, ctx: &ParseContext<'_>) -> Result<Domain, VmxError> {
    Reader { f: file, ctx }.domain()
}

struct Reader<'a> {
    f: &'a VmxFile,
    ctx: &'a ParseContext<'a>,
}

fn eq_ci(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn ends_with_ci(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len()
        && s.is_char_boundary(s.len() - suffix.len())
        && eq_ci(&s[s.len() - suffix.len()..], suffix)
}

impl Reader<'_> {
    fn string(&self, key: &str) -> Option<String> {
        self.f.get(key).map(str::to_string)
    }

    fn required(&self, key: &str) -> Result<String, VmxError> {
        self.string(key)
            .ok_or_else(|| VmxError::entry(key, "is missing but essential"))
    }

    fn boolean(&self, key: &str, default: bool) -> Result<bool, VmxError> {
        match self.f.get(key) {
            None => Ok(default),
            Some(v) if eq_ci(v, "true") => Ok(true),
            Some(v) if eq_ci(v, "false") => Ok(false),
            Some(v) => Err(VmxError::expected(key, "a boolean value (true|false)", v)),
        }
    }

    /// Whether the device `prefix` (e.g. `ethernet0`) exists and is present. Its
    /// `startConnected` is read only so that a malformed value is refused, as libvirt does.
    fn device_present(&self, prefix: &str) -> Result<bool, VmxError> {
        if !self.f.has_prefix(prefix) {
            return Ok(false);
        }
        let present = self.boolean(&format!("{prefix}.present"), false)?;
        self.boolean(&format!("{prefix}.startConnected"), true)?;
        Ok(present)
    }

    fn long(&self, key: &str, default: i64) -> Result<i64, VmxError> {
        Ok(self.long_opt(key)?.unwrap_or(default))
    }

    fn long_opt(&self, key: &str) -> Result<Option<i64>, VmxError> {
        match self.f.get(key) {
            None => Ok(None),
            Some(v) if eq_ci(v, "unlimited") => Ok(Some(-1)),
            Some(v) => crate::file::parse_c_integer(v)
                .map(Some)
                .ok_or_else(|| VmxError::expected(key, "an integer value", v)),
        }
    }

    fn resolve(&self, name: &str, allow_missing: bool) -> Result<Option<String>, VmxError> {
        match self.ctx.file_names.parse_file_name(name, allow_missing) {
            Ok(None) if !allow_missing => Err(VmxError::FileName {
                name: name.to_string(),
                reason: "the file is missing".into(),
            }),
            Ok(v) => Ok(v),
            Err(reason) => Err(VmxError::FileName {
                name: name.to_string(),
                reason,
            }),
        }
    }

    fn resolve_required(&self, name: &str) -> Result<String, VmxError> {
        self.resolve(name, false)?
            .ok_or_else(|| VmxError::FileName {
                name: name.to_string(),
                reason: "the file is missing".into(),
            })
    }

    /// The indexes N of keys `PREFIXN.something` (case-insensitive prefix). A key that starts
    /// with the prefix but has no index is an error, as in the reference.
    fn indexes(&self, prefix: &str, strict: bool) -> Result<BTreeSet<u32>, VmxError> {
        let mut out = BTreeSet::new();
        for (key, _) in self.f.entries() {
            if key.len() < prefix.len()
                || !key.is_char_boundary(prefix.len())
                || !eq_ci(&key[..prefix.len()], prefix)
            {
                continue;
            }
            let rest = &key[prefix.len()..];
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let index = rest[..digits].parse::<u32>().ok();
            match (index, rest.as_bytes().get(digits)) {
                (Some(i), Some(b'.')) => {
                    out.insert(i);
                }
                _ if strict => {
                    return Err(VmxError::entry(key, "has no valid index after its prefix"))
                }
                _ => {}
            }
        }
        Ok(out)
    }

    fn domain(&self) -> Result<Domain, VmxError> {
        let mut def = Domain {
            domain_type: DomainType::Vmware,
            ..Domain::default()
        };

        let config_version = self
            .long_opt("config.version")?
            .ok_or_else(|| VmxError::entry("config.version", "is missing but essential"))?;
        if config_version != 8 {
            return Err(VmxError::expected(
                "config.version",
                "8",
                &config_version.to_string(),
            ));
        }
        let hw_version = self
            .long_opt("virtualHW.version")?
            .ok_or_else(|| VmxError::entry("virtualHW.version", "is missing but essential"))?;
        if hw_version < 4 {
            return Err(VmxError::expected(
                "virtualHW.version",
                "4 or higher",
                &hw_version.to_string(),
            ));
        }
        // Hardware version 13 widened SCSI buses to 64 units.
        let scsi_bus_max_unit: u32 = if hw_version >= 13 { 64 } else { 16 };

        if let Some(uuid) = self.f.get("uuid.bios") {
            def.uuid = Some(
                uuid.parse::<Uuid>()
                    .map_err(|_| VmxError::expected("uuid.bios", "a UUID", uuid))?,
            );
        } else {
            def.uuid = Some(Uuid::NIL);
        }

        match self.f.get("displayName") {
            Some(name) => {
                def.name = unescape_vmx_display_name(name).map_err(|_| {
                    VmxError::entry("displayName", "contains an invalid escape sequence")
                })?;
            }
            None => def.name_missing = true,
        }

        let genid = self.long("vm.genid", 0)?;
        let genid_x = self.long("vm.genidX", 0)?;
        if genid != 0 || genid_x != 0 {
            let mut bytes = [0u8; 16];
            bytes[..8].copy_from_slice(&genid.to_be_bytes());
            bytes[8..].copy_from_slice(&genid_x.to_be_bytes());
            def.genid = Some(Genid::Value(Uuid(bytes)));
        }

        if let Some(annotation) = self.f.get("annotation") {
            def.description = Some(unescape_pipe(annotation).map_err(|_| {
                VmxError::entry("annotation", "contains an invalid escape sequence")
            })?);
        }

        self.memory(&mut def)?;
        let numvcpus = self.cpus(&mut def)?;

        def.os.os_type = "hvm".into();
        let arch = match self.f.get("guestOS") {
            Some(os) if os.ends_with("-64") => "x86_64",
            _ => "i686",
        };
        def.os.arch = Some(arch.into());
        if self.boolean("smbios.reflecthost", false)? {
            def.os.smbios_mode = Some(SmbiosMode::Host);
        }

        if let Some(vnc) = self.vnc()? {
            def.devices.graphics.push(Graphics::Vnc(vnc));
        }

        self.disks(&mut def, scsi_bus_max_unit)?;
        self.filesystems(&mut def)?;

        for index in self.indexes("ethernet", true)? {
            if let Some(net) = self.ethernet(index)? {
                def.devices.interfaces.push(net);
            }
        }

        def.devices.videos.push(self.svga()?);

        for port in 0..4 {
            if let Some(serial) = self.serial(port)? {
                def.devices.serials.push(serial);
            }
        }
        for port in 0..3 {
            if let Some(parallel) = self.parallel(port)? {
                def.devices.parallels.push(parallel);
            }
        }

        def.vmware_datacenter_path = self.ctx.datacenter_path.map(str::to_string);
        def.vmware_moref = self.ctx.moref.map(str::to_string);

        if let Some(firmware) = self.f.get("firmware") {
            if firmware == "efi" {
                def.os.firmware = Some(esxvirt_xml::domain::Firmware::Efi);
            } else {
                return Err(VmxError::entry(
                    "firmware",
                    format!("has unknown value '{firmware}'"),
                ));
            }
        }
        let _ = numvcpus;
        Ok(def)
    }

    fn memory(&self, def: &mut Domain) -> Result<(), VmxError> {
        let memsize = self.long("memsize", 32)?;
        if memsize <= 0 || memsize % 4 != 0 || memsize > MAX_MEMSIZE_MIB {
            return Err(VmxError::expected(
                "memsize",
                &format!("an unsigned integer (multiple of 4, at most {MAX_MEMSIZE_MIB})"),
                self.f.get("memsize").unwrap_or_default(),
            ));
        }
        let total = memsize as u64 * 1024;
        def.memory_kib = total;

        let mut max = self.long("sched.mem.max", memsize)?;
        if max < 0 {
            max = memsize;
        }
        let current = (max.min(MAX_MEMSIZE_MIB) as u64 * 1024).min(total);
        def.current_memory_kib = Some(current);

        let minsize = self.long("sched.mem.minsize", 0)?.max(0);
        let min_guarantee = (minsize.min(MAX_MEMSIZE_MIB) as u64 * 1024).min(total);
        if min_guarantee > 0 {
            def.memtune.min_guarantee = Some(min_guarantee);
        }
        Ok(())
    }

    fn cpus(&self, def: &mut Domain) -> Result<u32, VmxError> {
        let numvcpus = self.long("numvcpus", 1)?;
        if numvcpus <= 0 || numvcpus > MAX_VCPUS {
            return Err(VmxError::expected(
                "numvcpus",
                &format!("an unsigned integer greater than 0 (at most {MAX_VCPUS})"),
                self.f.get("numvcpus").unwrap_or_default(),
            ));
        }
        let vcpus = numvcpus as u32;
        def.vcpu.count = vcpus;

        let cores = self.long("cpuid.coresPerSocket", 1)?;
        if cores > 1 {
            let sockets = numvcpus / cores;
            if sockets <= 0 {
                return Err(VmxError::entry(
                    "cpuid.coresPerSocket",
                    format!("({cores}) is larger than 'numvcpus' ({numvcpus})"),
                ));
            }
            def.cpu = Some(Cpu {
                mode: Some(CpuMode::Custom),
                topology: Some(CpuTopology {
                    sockets: sockets as u32,
                    dies: 1,
                    cores: cores as u32,
                    threads: 1,
                }),
            });
        }

        if let Some(affinity) = self.f.get("sched.cpu.affinity") {
            if !eq_ci(affinity, "all") {
                let items: Vec<&str> = affinity.split(',').collect();
                if items.len() < vcpus as usize {
                    return Err(VmxError::entry(
                        "sched.cpu.affinity",
                        format!(
                            "must contain at least as many values as 'numvcpus' ({numvcpus}) but found only {} value(s)",
                            items.len()
                        ),
                    ));
                }
                let mut set = BTreeSet::new();
                for item in items {
                    let t = item.trim_matches(|c: char| c.is_ascii_whitespace());
                    let n: u32 = (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
                        .then(|| t.parse().ok())
                        .flatten()
                        .ok_or_else(|| {
                            VmxError::expected(
                                "sched.cpu.affinity",
                                "a comma separated list of unsigned integers",
                                affinity,
                            )
                        })?;
                    if n >= CPUMASK_LEN {
                        return Err(VmxError::entry(
                            "sched.cpu.affinity",
                            format!("contains {n}, which is too large"),
                        ));
                    }
                    set.insert(n);
                }
                def.vcpu.cpuset = Some(CpuSet(set));
            }
        }

        if let Some(shares) = self.f.get("sched.cpu.shares") {
            let per_vcpu = |n: u64| u64::from(vcpus) * n;
            let value = if eq_ci(shares, "low") {
                per_vcpu(500)
            } else if eq_ci(shares, "normal") {
                per_vcpu(1000)
            } else if eq_ci(shares, "high") {
                per_vcpu(2000)
            } else {
                let t = shares.trim_start();
                let t = t.strip_prefix('+').unwrap_or(t);
                (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| t.parse::<u64>().ok())
                    .flatten()
                    .ok_or_else(|| {
                        VmxError::expected(
                            "sched.cpu.shares",
                            "an unsigned integer or 'low', 'normal' or 'high'",
                            shares,
                        )
                    })?
            };
            def.cputune.shares = Some(value);
        }
        Ok(vcpus)
    }

    fn vnc(&self) -> Result<Option<VncGraphics>, VmxError> {
        if !self.boolean("RemoteDisplay.vnc.enabled", false)? {
            return Ok(None);
        }
        let port = self.long("RemoteDisplay.vnc.port", -1)?;
        let mut vnc = VncGraphics {
            keymap: self.string("RemoteDisplay.vnc.keymap"),
            passwd: self.string("RemoteDisplay.vnc.password"),
            listens: vec![GraphicsListen::Address {
                address: self.string("RemoteDisplay.vnc.ip"),
            }],
            ..VncGraphics::default()
        };
        if port < 0 {
            // VNC is on but the port is unknown: libvirt reports it as automatic.
            vnc.autoport = true;
        } else {
            let port = i32::try_from(port).map_err(|_| {
                VmxError::expected("RemoteDisplay.vnc.port", "a TCP port", &port.to_string())
            })?;
            vnc.port = port;
        }
        Ok(Some(vnc))
    }

    fn disks(&self, def: &mut Domain, scsi_bus_max_unit: u32) -> Result<(), VmxError> {
        // SCSI controllers and their disks.
        let mut scsi_models: [Option<ScsiModel>; 4] = [None; 4];
        for controller in 0..4u32 {
            let present_key = format!("scsi{controller}.present");
            if !self.boolean(&present_key, false)? {
                continue;
            }
            let dev_key = format!("scsi{controller}.virtualDev");
            if let Some(dev) = self.f.get(&dev_key) {
                scsi_models[controller as usize] = Some(match dev.to_ascii_lowercase().as_str() {
                    "buslogic" => ScsiModel::Buslogic,
                    "lsilogic" => ScsiModel::Lsilogic,
                    "lsisas1068" => ScsiModel::Lsisas1068,
                    "pvscsi" => ScsiModel::Vmpvscsi,
                    _ => {
                        return Err(VmxError::expected(
                            dev_key,
                            "'buslogic' or 'lsilogic' or 'lsisas1068' or 'pvscsi'",
                            dev,
                        ))
                    }
                });
            }
            for unit in 0..scsi_bus_max_unit {
                // Unit 7 is the controller itself.
                if unit == 7 {
                    continue;
                }
                if let Some(disk) =
                    self.disk_or_cdrom(DiskBus::Scsi, controller, unit, scsi_bus_max_unit)?
                {
                    def.devices.disks.push(disk);
                }
            }
        }
        if let Some(last) = def.devices.disks.last().and_then(|d| d.address) {
            for controller in 0..=last.controller {
                let mut c = Controller::new(ControllerType::Scsi, controller);
                c.model = scsi_models
                    .get(controller as usize)
                    .copied()
                    .flatten()
                    .map(ControllerModel::Scsi);
                def.devices.controllers.push(c);
            }
        }

        // SATA controllers and their disks.
        let scsi_disks = def.devices.disks.len();
        for controller in 0..4u32 {
            if !self.boolean(&format!("sata{controller}.present"), false)? {
                continue;
            }
            for unit in 0..30 {
                if let Some(disk) =
                    self.disk_or_cdrom(DiskBus::Sata, controller, unit, scsi_bus_max_unit)?
                {
                    def.devices.disks.push(disk);
                }
            }
        }
        if def.devices.disks.len() > scsi_disks {
            if let Some(last) = def.devices.disks.last().and_then(|d| d.address) {
                for controller in 0..=last.controller {
                    def.devices
                        .controllers
                        .push(Controller::new(ControllerType::Sata, controller));
                }
            }
        }

        // IDE: two buses with two units each.
        for bus in 0..2 {
            for unit in 0..2 {
                if let Some(disk) =
                    self.disk_or_cdrom(DiskBus::Ide, bus, unit, scsi_bus_max_unit)?
                {
                    def.devices.disks.push(disk);
                }
            }
        }

        // Floppies.
        for unit in 0..2 {
            if let Some(disk) =
                self.disk(DiskDevice::Floppy, DiskBus::Fdc, 0, unit, scsi_bus_max_unit)?
            {
                def.devices.disks.push(disk);
            }
        }

        // Controllers libvirt adds for disks whose controller is not listed yet.
        for (ctype, bus) in [
            (ControllerType::Scsi, DiskBus::Scsi),
            (ControllerType::Fdc, DiskBus::Fdc),
            (ControllerType::Ide, DiskBus::Ide),
            (ControllerType::Sata, DiskBus::Sata),
        ] {
            let max = def
                .devices
                .disks
                .iter()
                .filter(|d| d.target.bus == Some(bus))
                .filter_map(|d| d.address.map(|a| a.controller))
                .max();
            if let Some(max) = max {
                for index in 0..=max {
                    let exists = def
                        .devices
                        .controllers
                        .iter()
                        .any(|c| c.controller_type == ctype && c.index == index);
                    if !exists {
                        def.devices.controllers.push(Controller::new(ctype, index));
                    }
                }
            }
        }
        Ok(())
    }

    fn disk_or_cdrom(
        &self,
        bus: DiskBus,
        controller: u32,
        unit: u32,
        scsi_bus_max_unit: u32,
    ) -> Result<Option<Disk>, VmxError> {
        if let Some(d) = self.disk(DiskDevice::Disk, bus, controller, unit, scsi_bus_max_unit)? {
            return Ok(Some(d));
        }
        self.disk(DiskDevice::Cdrom, bus, controller, unit, scsi_bus_max_unit)
    }

    /// One disk-like device at `controller_or_bus`:`unit`, or `None` when absent or when the
    /// entries describe the other kind of device (a CD-ROM when asked for a disk, and so on).
    fn disk(
        &self,
        device: DiskDevice,
        bus: DiskBus,
        controller_or_bus: u32,
        unit: u32,
        scsi_bus_max_unit: u32,
    ) -> Result<Option<Disk>, VmxError> {
        let (prefix, dst_index, dst_prefix) = match bus {
            DiskBus::Scsi => (
                format!("scsi{controller_or_bus}:{unit}"),
                controller_or_bus * 15 + if unit < 7 { unit } else { unit - 1 },
                "sd",
            ),
            DiskBus::Sata => (
                format!("sata{controller_or_bus}:{unit}"),
                controller_or_bus * 30 + unit,
                "sd",
            ),
            DiskBus::Ide => (
                format!("ide{controller_or_bus}:{unit}"),
                controller_or_bus * 2 + unit,
                "hd",
            ),
            _ => (format!("floppy{unit}"), unit, "fd"),
        };
        if !self.device_present(&prefix)? {
            return Ok(None);
        }
        let key = |suffix: &str| format!("{prefix}.{suffix}");
        let device_type = self.string(&key("deviceType"));
        let client_device = self.boolean(&key("clientDevice"), false)?;
        let mode = self.string(&key("mode"));
        if client_device {
            // Devices connected to the VI client's machine have nothing libvirt can describe.
            return Ok(None);
        }
        let file_type = self.string(&key("fileType"));
        let file_name = self.string(&key("fileName"));
        let write_through = self.boolean(&key("writeThrough"), false)?;

        let dt_is = |v: &str| device_type.as_deref().is_some_and(|d| eq_ci(d, v));
        let unhandled = || {
            VmxError::entry(
                key("fileName"),
                format!(
                    "has the invalid or not yet handled value '{}' for device type '{}'",
                    file_name.as_deref().unwrap_or("(missing)"),
                    device_type.as_deref().unwrap_or("unknown")
                ),
            )
        };

        let mut disk = Disk {
            device,
            target: DiskTarget {
                dev: index_to_disk_name(dst_index, dst_prefix),
                bus: Some(bus),
            },
            ..Disk::default()
        };

        match device {
            DiskDevice::Disk => {
                let name = match &file_name {
                    None => return Ok(None),
                    Some(n) => n,
                };
                let is_cdrom = ends_with_ci(name, ".iso")
                    || name == "emptyBackingString"
                    || dt_is("atapi-cdrom")
                    || dt_is("cdrom-raw")
                    || dt_is("cdrom-image")
                    || (dt_is("scsi-passthru") && name.starts_with("/vmfs/devices/cdrom/"));
                if is_cdrom {
                    return Ok(None);
                }
                if !ends_with_ci(name, ".vmdk") {
                    return Err(unhandled());
                }
                if let Some(dt) = &device_type {
                    let ok = match bus {
                        DiskBus::Scsi => eq_ci(dt, "scsi-hardDisk") || eq_ci(dt, "disk"),
                        DiskBus::Ide => eq_ci(dt, "ata-hardDisk") || eq_ci(dt, "disk"),
                        _ => true,
                    };
                    if !ok {
                        let expected = if bus == DiskBus::Scsi {
                            "'scsi-hardDisk' or 'disk'"
                        } else {
                            "'ata-hardDisk' or 'disk'"
                        };
                        return Err(VmxError::expected(key("deviceType"), expected, dt));
                    }
                }
                disk.disk_type = DiskType::File;
                disk.source = Some(self.resolve_required(name)?);
                if write_through {
                    disk.driver = Some(DiskDriver {
                        cache: Some(DiskCache::Writethrough),
                        ..DiskDriver::default()
                    });
                }
                if let Some(m) = &mode {
                    disk.transient = eq_ci(m, "independent-nonpersistent");
                }
            }
            DiskDevice::Cdrom => {
                disk.readonly = true;
                let name = file_name.as_deref();
                if name.is_some_and(|n| ends_with_ci(n, ".vmdk")) {
                    return Ok(None);
                } else if let Some(n) = name.filter(|n| ends_with_ci(n, ".iso")) {
                    if let Some(dt) = device_type.as_deref().filter(|d| !eq_ci(d, "cdrom-image")) {
                        return Err(VmxError::expected(key("deviceType"), "'cdrom-image'", dt));
                    }
                    disk.disk_type = DiskType::File;
                    disk.source = self.resolve(n, true)?;
                } else if dt_is("atapi-cdrom") || dt_is("cdrom-raw") {
                    if dt_is("cdrom-raw") {
                        // Raw access CD-ROMs are LUNs for libvirt.
                        disk.device = DiskDevice::Lun;
                    }
                    disk.disk_type = DiskType::Block;
                    if name.is_some_and(|n| eq_ci(n, "auto detect")) {
                        disk.startup_policy = Some(StartupPolicy::Optional);
                    } else {
                        disk.source = file_name.clone();
                    }
                } else if bus == DiskBus::Scsi && dt_is("scsi-passthru") {
                    match name {
                        Some(n) if n.starts_with("/vmfs/devices/cdrom/") => {
                            disk.device = DiskDevice::Lun;
                            disk.disk_type = DiskType::Block;
                            disk.source = Some(n.to_string());
                        }
                        // A passed-through device that is not a CD-ROM: a disk, handled there.
                        _ => return Ok(None),
                    }
                } else if name == Some("emptyBackingString") {
                    if let Some(dt) = device_type.as_deref().filter(|d| !eq_ci(d, "cdrom-image")) {
                        return Err(VmxError::expected(key("deviceType"), "'cdrom-image'", dt));
                    }
                    disk.disk_type = DiskType::File;
                } else {
                    return Err(unhandled());
                }
            }
            _ => {
                let ft = file_type.as_deref().unwrap_or_default();
                if eq_ci(ft, "device") {
                    disk.disk_type = DiskType::Block;
                    disk.source = file_name.clone();
                } else if eq_ci(ft, "file") {
                    disk.disk_type = DiskType::File;
                    disk.source = match &file_name {
                        Some(n) => Some(self.resolve_required(n)?),
                        None => None,
                    };
                } else {
                    return Err(unhandled());
                }
            }
        }

        disk.address = Some(
            assign_address(dst_index, bus, scsi_bus_max_unit).ok_or_else(|| {
                VmxError::Domain(format!(
                    "could not assign an address to disk '{}'",
                    disk.target.dev
                ))
            })?,
        );
        Ok(Some(disk))
    }

    fn filesystems(&self, def: &mut Domain) -> Result<(), VmxError> {
        if self.boolean("isolation.tools.hgfs.disable", true)? {
            return Ok(());
        }
        let max = self.long("sharedFolder.maxNum", 0)?;
        if max <= 0 {
            return Ok(());
        }
        // Only folders with entries can be present; walking those instead of 0..maxNum keeps
        // an absurd maxNum cheap.
        for number in self.indexes("sharedFolder", false)? {
            if i64::from(number) >= max {
                break;
            }
            let prefix = format!("sharedFolder{number}");
            let key = |suffix: &str| format!("{prefix}.{suffix}");
            let present = self.boolean(&key("present"), false)?;
            let enabled = self.boolean(&key("enabled"), false)?;
            if !(present && enabled) {
                continue;
            }
            let source_dir = self.required(&key("hostPath"))?;
            let target_dir = self.required(&key("guestName"))?;
            let write_access = self.boolean(&key("writeAccess"), false)?;
            def.devices.filesystems.push(Filesystem {
                fs_type: FsType::Mount,
                access_mode: Some(FsAccessMode::Passthrough),
                source_dir,
                target_dir,
                readonly: !write_access,
            });
        }
        Ok(())
    }

    fn ethernet(&self, index: u32) -> Result<Option<Interface>, VmxError> {
        let prefix = format!("ethernet{index}");
        let key = |suffix: &str| format!("{prefix}.{suffix}");
        if !self.device_present(&prefix)? {
            return Ok(None);
        }
        let connection_type = self.string(&key("connectionType"));
        let address_type = self.string(&key("addressType"));
        let generated = self.string(&key("generatedAddress"));
        let address = self.string(&key("address"));
        let check = self.string(&key("checkMACAddress"));

        let mac_of = |k: String, v: &str| {
            parse_mac(v).ok_or_else(|| VmxError::expected(k, "a MAC address", v))
        };
        let mut mac = Mac {
            address: MacAddr::default(),
            mac_type: None,
            check: None,
        };
        match address_type.as_deref() {
            None => {
                if let Some(g) = &generated {
                    mac.address = mac_of(key("generatedAddress"), g)?;
                }
            }
            Some(t) if eq_ci(t, "generated") || eq_ci(t, "vpx") => {
                if let Some(g) = &generated {
                    mac.address = mac_of(key("generatedAddress"), g)?;
                }
                mac.mac_type = Some(MacType::Generated);
            }
            Some(t) if eq_ci(t, "static") => {
                if let Some(a) = &address {
                    mac.address = mac_of(key("address"), a)?;
                }
                mac.mac_type = Some(MacType::Static);
            }
            Some(t) => {
                return Err(VmxError::expected(
                    key("addressType"),
                    "'generated' or 'static' or 'vpx'",
                    t,
                ))
            }
        }
        if let Some(c) = &check {
            mac.check = Some(c == "true");
        }

        let virtual_dev = self.string(&key("virtualDev"));
        let features = self.long(&key("features"), 0)?;
        let model = match virtual_dev.as_deref() {
            None => None,
            Some(v) => Some(match v.to_ascii_lowercase().as_str() {
                "vlance" => NetModel::Vlance,
                "vmxnet" if features == 15 => NetModel::Vmxnet2,
                "vmxnet" => NetModel::Vmxnet,
                "vmxnet3" => NetModel::Vmxnet3,
                "e1000" => NetModel::E1000,
                "e1000e" => NetModel::E1000e,
                _ => {
                    return Err(VmxError::expected(
                        key("virtualDev"),
                        "'vlance' or 'vmxnet' or 'vmxnet3' or 'e1000' or 'e1000e'",
                        v,
                    ))
                }
            }),
        };

        let ct = connection_type.as_deref();
        let ct_is = |v: &str| ct.is_some_and(|c| eq_ci(c, v));
        let network_name = if ct.is_none() {
            self.string(&key("networkName"))
        } else if ct_is("bridged") || ct_is("custom") {
            Some(self.required(&key("networkName"))?)
        } else {
            None
        };
        let vnet = if ct_is("custom") {
            Some(self.required(&key("vnet"))?)
        } else {
            None
        };

        let mut target_dev = None;
        let source = if let Some(switch_id) = self.f.get(&format!("{prefix}.dvs.switchId")) {
            let dvs = |suffix: &str| format!("{prefix}.dvs.{suffix}");
            let switch_id = switch_id
                .parse::<Uuid>()
                .map_err(|_| VmxError::expected(dvs("switchId"), "a UUID", switch_id))?;
            let portgroup_id = self.required(&dvs("portgroupId"))?;
            let port_id = self
                .long_opt(&dvs("portId"))?
                .ok_or_else(|| VmxError::entry(dvs("portId"), "is missing but essential"))?;
            let connection_id = self
                .long_opt(&dvs("connectionId"))?
                .ok_or_else(|| VmxError::entry(dvs("connectionId"), "is missing but essential"))?;
            InterfaceSource::Vds {
                switch_id,
                port_id,
                portgroup_id: Some(portgroup_id),
                connection_id,
            }
        } else if ct.is_none() && network_name.is_none() {
            InterfaceSource::Null
        } else if ct.is_none() || ct_is("bridged") {
            InterfaceSource::Bridge {
                bridge: network_name.unwrap_or_default(),
            }
        } else if ct_is("nat") {
            InterfaceSource::User
        } else if ct_is("custom") {
            target_dev = vnet;
            InterfaceSource::Bridge {
                bridge: network_name.unwrap_or_default(),
            }
        } else if ct_is("hostonly") {
            return Err(VmxError::entry(
                key("connectionType"),
                "has the not yet handled value 'hostonly'",
            ));
        } else {
            return Err(VmxError::entry(
                key("connectionType"),
                format!("has the invalid value '{}'", ct.unwrap_or_default()),
            ));
        };

        Ok(Some(Interface {
            source,
            mac: Some(mac),
            target_dev,
            model,
        }))
    }

    fn svga(&self) -> Result<Video, VmxError> {
        let bytes = self.long("svga.vramSize", 4 * 1024 * 1024)?;
        if bytes < 0 {
            return Err(VmxError::expected(
                "svga.vramSize",
                "a size in bytes",
                &bytes.to_string(),
            ));
        }
        let mut kib = (bytes as u64).div_ceil(1024);
        if kib == 0 {
            kib = DEFAULT_VRAM_KIB;
        }
        // libvirt rounds video RAM up to a power of two.
        let kib = kib
            .checked_next_power_of_two()
            .filter(|v| *v <= u64::from(u32::MAX))
            .ok_or_else(|| {
                VmxError::expected(
                    "svga.vramSize",
                    "a size in bytes below 4 TiB",
                    &bytes.to_string(),
                )
            })?;
        Ok(Video {
            model: VideoModel::Vmvga,
            vram: Some(kib as u32),
            heads: None,
            primary: true,
        })
    }

    fn serial(&self, port: u32) -> Result<Option<CharDevice>, VmxError> {
        let prefix = format!("serial{port}");
        let key = |suffix: &str| format!("{prefix}.{suffix}");
        if !self.device_present(&prefix)? {
            return Ok(None);
        }
        let file_type = self.string(&key("fileType"));
        let file_name = self.string(&key("fileName"));
        let end_point = self.string(&key("network.endPoint"));
        let ft = file_type.as_deref();
        let ft_is = |v: &str| ft.is_some_and(|f| eq_ci(f, v));

        let source = if ft.is_none() || ft_is("device") {
            // "device" is the default VMware leaves out.
            CharSource::Dev {
                path: file_name.unwrap_or_default(),
            }
        } else if ft_is("file") {
            let name = file_name.ok_or_else(|| VmxError::entry(key("fileName"), "is missing"))?;
            CharSource::File {
                path: self.resolve_required(&name)?,
            }
        } else if ft_is("pipe") {
            CharSource::Pipe {
                path: file_name.unwrap_or_default(),
            }
        } else if ft_is("network") {
            let name = file_name.ok_or_else(|| VmxError::entry(key("fileName"), "is missing"))?;
            let uri = parse_serial_uri(&name).ok_or_else(|| {
                VmxError::expected(key("fileName"), "a URI like telnet://host:port", &name)
            })?;
            if uri.port == 0 {
                return Err(VmxError::entry(
                    key("fileName"),
                    "doesn't contain a port part",
                ));
            }
            let protocol = match uri.scheme.map(str::to_ascii_lowercase).as_deref() {
                None | Some("tcp" | "tcp4" | "tcp6") => TcpProtocol::Raw,
                Some("telnet") => TcpProtocol::Telnet,
                Some("telnets") => TcpProtocol::Telnets,
                Some("ssl" | "tcp+ssl" | "tcp4+ssl" | "tcp6+ssl") => TcpProtocol::Tls,
                Some(_) => {
                    return Err(VmxError::entry(
                        key("fileName"),
                        format!(
                            "contains the unsupported scheme '{}'",
                            uri.scheme.unwrap_or_default()
                        ),
                    ))
                }
            };
            let listen = match end_point.as_deref() {
                None => true,
                Some(e) if eq_ci(e, "server") => true,
                Some(e) if eq_ci(e, "client") => false,
                Some(e) => {
                    return Err(VmxError::expected(
                        key("network.endPoint"),
                        "'server' or 'client'",
                        e,
                    ))
                }
            };
            CharSource::Tcp {
                listen,
                host: uri.host.map(str::to_string),
                service: Some(uri.port.to_string()),
                protocol,
            }
        } else {
            return Err(VmxError::expected(
                key("fileType"),
                "'device', 'file' or 'pipe' or 'network'",
                ft.unwrap_or_default(),
            ));
        };
        Ok(Some(CharDevice::new(source, port)))
    }

    fn parallel(&self, port: u32) -> Result<Option<CharDevice>, VmxError> {
        let prefix = format!("parallel{port}");
        let key = |suffix: &str| format!("{prefix}.{suffix}");
        if !self.device_present(&prefix)? {
            return Ok(None);
        }
        let file_type = self.required(&key("fileType"))?;
        let file_name = self.required(&key("fileName"))?;
        let source = if eq_ci(&file_type, "device") {
            CharSource::Dev { path: file_name }
        } else if eq_ci(&file_type, "file") {
            CharSource::File {
                path: self.resolve_required(&file_name)?,
            }
        } else {
            return Err(VmxError::expected(
                key("fileType"),
                "'device' or 'file'",
                &file_type,
            ));
        };
        Ok(Some(CharDevice::new(source, port)))
    }
}

/// A MAC address as libvirt reads one: six groups of one or two hex digits separated by `:`;
/// anything from a blank or control character on after the sixth group is ignored.
fn parse_mac(s: &str) -> Option<MacAddr> {
    let mut out = [0u8; 6];
    let mut rest = s.as_bytes();
    for (i, byte) in out.iter_mut().enumerate() {
        let digits = rest.iter().take_while(|b| b.is_ascii_hexdigit()).count();
        if !(1..=2).contains(&digits) {
            return None;
        }
        *byte = rest[..digits].iter().fold(0u8, |acc, b| {
            acc * 16 + (*b as char).to_digit(16).unwrap_or(0) as u8
        });
        rest = &rest[digits..];
        if i == 5 {
            return rest
                .first()
                .is_none_or(|b| *b <= b' ')
                .then_some(MacAddr(out));
        }
        rest = rest.strip_prefix(b":")?;
    }
    None
}

struct SerialUri<'a> {
    scheme: Option<&'a str>,
    host: Option<&'a str>,
    port: u32,
}

/// `[scheme:]//[user@]host[:port][/path]`, the shape of a network serial port's fileName.
fn parse_serial_uri(s: &str) -> Option<SerialUri<'_>> {
    let (scheme, rest) = match s.find("://") {
        Some(pos) => {
            let scheme = &s[..pos];
            let valid = scheme
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphabetic())
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
            if !valid {
                return None;
            }
            (Some(scheme), &s[pos + 3..])
        }
        None => (None, s.strip_prefix("//")?),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if let Some(stripped) = authority.strip_prefix('[') {
        let (h, after) = stripped.split_once(']')?;
        (h, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        None | Some("") => 0,
        Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => p.parse::<u32>().ok()?,
        Some(_) => return None,
    };
    Some(SerialUri {
        scheme,
        host: (!host.is_empty()).then_some(host),
        port,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_uris() {
        let u = parse_serial_uri("telnet://0.0.0.0:42001").unwrap();
        assert_eq!(
            (u.scheme, u.host, u.port),
            (Some("telnet"), Some("0.0.0.0"), 42001)
        );
        let u = parse_serial_uri("tcp+ssl://[::1]:7/x").unwrap();
        assert_eq!(
            (u.scheme, u.host, u.port),
            (Some("tcp+ssl"), Some("::1"), 7)
        );
        assert_eq!(parse_serial_uri("tcp://host").unwrap().port, 0);
        assert!(parse_serial_uri("host:1").is_none());
        assert!(parse_serial_uri("tcp://h:x").is_none());
    }

    #[test]
    fn macs() {
        assert_eq!(
            parse_mac("00:0C:29:1:2:3"),
            Some(MacAddr([0, 0x0c, 0x29, 1, 2, 3]))
        );
        assert_eq!(
            parse_mac("00:0c:29:01:02:03 x"),
            Some(MacAddr([0, 0x0c, 0x29, 1, 2, 3]))
        );
        for bad in [
            "00-50-56-01-02-03",
            "00:50:56:01:02",
            "00:50:56:01:02:03x",
            "000:1:2:3:4:5",
            "",
        ] {
            assert_eq!(parse_mac(bad), None, "{bad}");
        }
    }

    #[test]
    fn suffixes() {
        assert!(ends_with_ci("a.ISO", ".iso"));
        assert!(!ends_with_ci("iso", ".iso"));
        assert!(!ends_with_ci("äiso", ".iso"));
    }
}
