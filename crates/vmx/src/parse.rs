//! VMX -> domain: what libvirt 9.0's VMX reader makes of a VMX file, including the defaults
//! libvirt's domain post-processing adds (implicit controllers, drive addresses, the primary
//! video device, video RAM rounding). Entries are read in libvirt's order, so that a file
//! with several faults fails on the same one, with libvirt's message.

use std::collections::BTreeSet;

use esxvirt_util::{unescape_pipe, unescape_vmx_display_name};
use esxvirt_xml::domain::{
    CharDevice, CharSource, Controller, ControllerModel, ControllerType, Cpu, CpuMode, CpuSet,
    CpuTopology, Disk, DiskBus, DiskCache, DiskDevice, DiskDriver, DiskTarget, DiskType, Domain,
    DomainType, Filesystem, FsAccessMode, FsType, Genid, Graphics, GraphicsListen, Interface,
    InterfaceSource, Mac, MacAddr, MacType, NetModel, ScsiModel, SmbiosMode, StartupPolicy,
    TcpProtocol, TcpSource, Uuid, VdsPort, Video, VideoModel, VncGraphics,
};

use crate::context::ParseContext;
use crate::diskname::{assign_address, index_to_disk_name};
use crate::error::VmxError;
use crate::file::{VmxFile, VmxFileError};
use crate::scan;

/// Largest `memsize` accepted, in MiB: libvirt computes the size in KiB as a signed 64-bit
/// number, which larger values overflow.
pub const MAX_MEMSIZE_MIB: i64 = i64::MAX / 1024;
/// Largest `numvcpus` accepted. libvirt allocates a structure per vCPU and has no limit of its
/// own; beyond this many it would exhaust memory long before answering.
pub const MAX_VCPUS: i64 = 1 << 20;
/// libvirt's CPU mask size for domain configs.
const CPUMASK_LEN: u32 = 16384;
/// libvirt's default video RAM for VMware, in KiB.
const DEFAULT_VRAM_KIB: u32 = 4096;

/// Converts a VMX file to a domain definition, as libvirt 9.0's VMX reader does. The input
/// is the file's bytes (a `&str` works too): its `.encoding` decides how they are decoded.
pub fn vmx_to_domain(vmx: impl AsRef<[u8]>, ctx: &ParseContext<'_>) -> Result<Domain, VmxError> {
    let file = VmxFile::parse(vmx.as_ref())?;
    vmx_file_to_domain(&file, ctx)
}

/// [`vmx_to_domain`] for callers that hold bytes.
pub fn vmx_bytes_to_domain(vmx: &[u8], ctx: &ParseContext<'_>) -> Result<Domain, VmxError> {
    vmx_to_domain(vmx, ctx)
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

/// `isspace` as glib's `g_ascii_isspace` has it.
fn is_g_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

impl Reader<'_> {
    /// A value for comparisons and messages only.
    fn raw(&self, key: &str) -> Option<&str> {
        self.f.get(key)
    }

    /// A value that goes into the domain definition (so it must be valid UTF-8).
    fn text(&self, key: &str) -> Result<Option<String>, VmxError> {
        Ok(self.f.get_strict(key)?.map(str::to_string))
    }

    fn required_text(&self, key: &str) -> Result<String, VmxError> {
        self.text(key)?
            .ok_or_else(|| VmxFileError::Missing(key.to_string()).into())
    }

    fn boolean(&self, key: &str, default: bool) -> Result<bool, VmxError> {
        Ok(self.f.get_bool_or(key, default)?)
    }

    fn long(&self, key: &str, default: i64) -> Result<i64, VmxError> {
        Ok(self.f.get_i64_or(key, default)?)
    }

    fn required_long(&self, key: &str) -> Result<i64, VmxError> {
        self.f
            .get_i64(key)?
            .ok_or_else(|| VmxFileError::Missing(key.to_string()).into())
    }

    /// Whether the device `prefix` (e.g. `ethernet0`) is present. Its `startConnected` is
    /// read only so that a malformed value is refused, as libvirt does.
    fn device_present(&self, prefix: &str) -> Result<bool, VmxError> {
        if !self.f.has_prefix(prefix) {
            return Ok(false);
        }
        let present = self.boolean(&format!("{prefix}.present"), false)?;
        self.boolean(&format!("{prefix}.startConnected"), true)?;
        Ok(present)
    }

    /// Maps a VMX file name through the caller's resolver; `None` when the file is missing.
    fn resolve(&self, name: &str, allow_missing: bool) -> Result<Option<String>, VmxError> {
        self.ctx
            .file_names
            .parse_file_name(name, allow_missing)
            .map_err(|error| VmxError::FileName {
                name: name.to_string(),
                error,
            })
    }

    /// The indexes N of keys `PREFIXN.something` (case-insensitive prefix).
    fn indexes(&self, prefix: &str) -> BTreeSet<u32> {
        let mut out = BTreeSet::new();
        for (key, _) in self.f.entries() {
            let Some(rest) = strip_prefix_ci(key, prefix) else {
                continue;
            };
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if let (Ok(i), Some(b'.')) =
                (rest[..digits].parse::<u32>(), rest.as_bytes().get(digits))
            {
                out.insert(i);
            }
        }
        out
    }

    /// The network adapters' indexes. libvirt reads every key starting with `ethernet` first
    /// and refuses the file when one has no index there.
    fn ethernet_indexes(&self) -> Result<BTreeSet<u32>, VmxError> {
        let mut out = BTreeSet::new();
        for (key, _) in self.f.entries() {
            let Some(rest) = strip_prefix_ci(key, "ethernet") else {
                continue;
            };
            match scan::parse_c_int_prefix(rest) {
                Some((index, after)) if index >= 0 && after.starts_with('.') => {
                    out.insert(index.unsigned_abs());
                }
                _ => {
                    return Err(VmxError::entry(
                        key,
                        format!("failed to parse the index of the VMX key '{key}'"),
                    ))
                }
            }
        }
        Ok(out)
    }

    fn domain(&self) -> Result<Domain, VmxError> {
        let ethernets = self.ethernet_indexes()?;
        let mut def = Domain {
            domain_type: DomainType::Vmware,
            ..Domain::default()
        };

        let config_version = self.required_long("config.version")?;
        if config_version != 8 {
            return Err(VmxError::entry(
                "config.version",
                format!("Expecting VMX entry 'config.version' to be 8 but found {config_version}"),
            ));
        }
        let hw_version = self.required_long("virtualHW.version")?;
        if hw_version < 4 {
            return Err(VmxError::entry(
                "virtualHW.version",
                format!(
                    "Expecting VMX entry 'virtualHW.version' to be 4 or higher but found {hw_version}"
                ),
            ));
        }
        // Hardware version 13 widened SCSI buses to 64 units.
        let scsi_bus_max_unit: u32 = if hw_version >= 13 { 64 } else { 16 };

        def.uuid = Some(match self.raw("uuid.bios") {
            Some(text) => text.parse::<Uuid>().map_err(|_| {
                VmxError::entry(
                    "uuid.bios",
                    format!("Could not parse UUID from string '{text}'"),
                )
            })?,
            None => Uuid::NIL,
        });

        match self.text("displayName")? {
            Some(name) => {
                def.name = unescape_vmx_display_name(&name).map_err(|_| {
                    VmxError::entry(
                        "displayName",
                        "VMX entry 'name' contains invalid escape sequence",
                    )
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

        if let Some(annotation) = self.text("annotation")? {
            def.description = Some(unescape_pipe(&annotation).map_err(|_| {
                VmxError::entry(
                    "annotation",
                    "VMX entry 'annotation' contains invalid escape sequence",
                )
            })?);
        }

        self.memory(&mut def)?;
        self.cpus(&mut def)?;

        def.os.os_type = "hvm".into();
        let arch = match self.raw("guestOS") {
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

        for index in ethernets {
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

        if let Some(firmware) = self.raw("firmware") {
            if firmware == "efi" {
                def.os.firmware = Some(esxvirt_xml::domain::Firmware::Efi);
            } else {
                return Err(VmxError::entry(
                    "firmware",
                    format!("VMX entry 'firmware' has unknown value '{firmware}'"),
                ));
            }
        }
        Ok(def)
    }

    fn memory(&self, def: &mut Domain) -> Result<(), VmxError> {
        let memsize = self.long("memsize", 32)?;
        if memsize <= 0 || memsize % 4 != 0 || memsize > MAX_MEMSIZE_MIB {
            return Err(VmxError::entry(
                "memsize",
                format!(
                    "Expecting VMX entry 'memsize' to be an unsigned integer (multiple of 4) but found {memsize}"
                ),
            ));
        }
        let total = memsize.unsigned_abs() * 1024;
        def.memory_kib = total;

        let mut max = self.long("sched.mem.max", memsize)?;
        if max < 0 {
            max = memsize;
        }
        def.current_memory_kib = Some(max.unsigned_abs().saturating_mul(1024).min(total));

        let minsize = self.long("sched.mem.minsize", 0)?.max(0);
        let min_guarantee = minsize.unsigned_abs().saturating_mul(1024).min(total);
        if min_guarantee > 0 {
            def.memtune.min_guarantee = Some(min_guarantee);
        }
        Ok(())
    }

    fn cpus(&self, def: &mut Domain) -> Result<(), VmxError> {
        let numvcpus = self.long("numvcpus", 1)?;
        // libvirt checks the 64-bit value, then keeps its low 32 bits as the vCPU count.
        let vcpus = numvcpus as u32;
        if numvcpus <= 0 || i64::from(vcpus) > MAX_VCPUS {
            return Err(VmxError::entry(
                "numvcpus",
                format!(
                    "Expecting VMX entry 'numvcpus' to be an unsigned integer greater than 0 but found {numvcpus}"
                ),
            ));
        }
        def.vcpu.count = vcpus;

        let cores = self.long("cpuid.coresPerSocket", 1)?;
        if cores > 1 {
            let sockets = numvcpus / cores;
            if sockets <= 0 {
                return Err(VmxError::entry(
                    "cpuid.coresPerSocket",
                    "VMX entry 'cpuid.coresPerSocket' smaller than 'numvcpus'",
                ));
            }
            // libvirt stores both in unsigned ints.
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

        if let Some(affinity) = self.raw("sched.cpu.affinity") {
            if !eq_ci(affinity, "all") {
                // glib splits an empty string into no items at all.
                let items: Vec<&str> = if affinity.is_empty() {
                    Vec::new()
                } else {
                    affinity.split(',').collect()
                };
                if (items.len() as u64) < numvcpus.unsigned_abs() {
                    return Err(VmxError::entry(
                        "sched.cpu.affinity",
                        format!(
                            "Expecting VMX entry 'sched.cpu.affinity' to contain at least as many values as 'numvcpus' ({numvcpus}) but found only {} value(s)",
                            items.len()
                        ),
                    ));
                }
                let mut set = BTreeSet::new();
                for item in items {
                    let n = scan::parse_c_uint_prefix(item.trim_start_matches(is_g_space))
                        .filter(|(_, rest)| rest.trim_start_matches(is_g_space).is_empty())
                        .map(|(n, _)| n)
                        .ok_or_else(|| {
                            VmxError::entry(
                                "sched.cpu.affinity",
                                format!(
                                    "Expecting VMX entry 'sched.cpu.affinity' to be a comma separated list of unsigned integers but found '{affinity}'"
                                ),
                            )
                        })?;
                    if n >= CPUMASK_LEN {
                        // libvirt prints the number as a signed int.
                        return Err(VmxError::entry(
                            "sched.cpu.affinity",
                            format!(
                                "VMX entry 'sched.cpu.affinity' contains a {}, this value is too large",
                                n as i32
                            ),
                        ));
                    }
                    set.insert(n);
                }
                def.vcpu.cpuset = Some(CpuSet(set));
            }
        }

        if let Some(shares) = self.raw("sched.cpu.shares") {
            // libvirt multiplies in unsigned int.
            let per_vcpu = |n: u32| u64::from(vcpus.wrapping_mul(n));
            let value = if eq_ci(shares, "low") {
                per_vcpu(500)
            } else if eq_ci(shares, "normal") {
                per_vcpu(1000)
            } else if eq_ci(shares, "high") {
                per_vcpu(2000)
            } else {
                scan::parse_c_ull(shares).ok_or_else(|| {
                    VmxError::entry(
                        "sched.cpu.shares",
                        format!(
                            "Expecting VMX entry 'sched.cpu.shares' to be an unsigned integer or 'low', 'normal' or 'high' but found '{shares}'"
                        ),
                    )
                })?
            };
            def.cputune.shares = Some(value);
        }
        Ok(())
    }

    fn vnc(&self) -> Result<Option<VncGraphics>, VmxError> {
        if !self.boolean("RemoteDisplay.vnc.enabled", false)? {
            return Ok(None);
        }
        let port = self.long("RemoteDisplay.vnc.port", -1)?;
        let address = self.text("RemoteDisplay.vnc.ip")?;
        let keymap = self.text("RemoteDisplay.vnc.keymap")?;
        let passwd = self.text("RemoteDisplay.vnc.password")?;
        let mut vnc = VncGraphics {
            keymap,
            passwd,
            listens: vec![GraphicsListen::Address { address }],
            ..VncGraphics::default()
        };
        if port < 0 {
            // VNC is on but the port is unknown: libvirt reports it as automatic.
            vnc.autoport = true;
        } else {
            // libvirt stores the port in an int, keeping the low 32 bits.
            vnc.port = port as i32;
        }
        Ok(Some(vnc))
    }

    fn disks(&self, def: &mut Domain, scsi_bus_max_unit: u32) -> Result<(), VmxError> {
        // SCSI controllers and their disks.
        let mut scsi_models: [Option<ScsiModel>; 4] = [None; 4];
        for controller in 0..4u32 {
            if !self.boolean(&format!("scsi{controller}.present"), false)? {
                continue;
            }
            let dev_key = format!("scsi{controller}.virtualDev");
            if let Some(dev) = self.raw(&dev_key) {
                // libvirt lowercases the value in place, and reports it so.
                let dev = dev.to_ascii_lowercase();
                scsi_models[controller as usize] = Some(match dev.as_str() {
                    "buslogic" => ScsiModel::Buslogic,
                    "lsilogic" => ScsiModel::Lsilogic,
                    "lsisas1068" => ScsiModel::Lsisas1068,
                    "pvscsi" => ScsiModel::Vmpvscsi,
                    _ => {
                        return Err(VmxError::expecting(
                            &dev_key,
                            "'buslogic' or 'lsilogic' or 'lsisas1068' or 'pvscsi'",
                            &dev,
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
        let device_type = self.raw(&key("deviceType"));
        let client_device = self.boolean(&key("clientDevice"), false)?;
        let mode = self.raw(&key("mode"));
        if client_device {
            // Devices connected to the VI client's machine have nothing libvirt can describe.
            return Ok(None);
        }
        let file_type = self.raw(&key("fileType"));
        let file_name_key = key("fileName");
        let file_name = self.raw(&file_name_key);
        let write_through = self.boolean(&key("writeThrough"), false)?;

        let dt_is = |v: &str| device_type.is_some_and(|d| eq_ci(d, v));
        let unhandled = || {
            VmxError::entry(
                &file_name_key,
                format!(
                    "Invalid or not yet handled value '{}' for VMX entry '{file_name_key}' for device type '{}'",
                    file_name.unwrap_or("<null>"),
                    device_type.unwrap_or("unknown")
                ),
            )
        };
        let expecting_cdrom_image =
            |dt: &str| VmxError::expecting(&key("deviceType"), "'cdrom-image'", dt);

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
                let Some(name) = file_name else {
                    return Ok(None);
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
                if let Some(dt) = device_type {
                    let expected = match bus {
                        DiskBus::Scsi if !(eq_ci(dt, "scsi-hardDisk") || eq_ci(dt, "disk")) => {
                            Some("'scsi-hardDisk' or 'disk'")
                        }
                        DiskBus::Ide if !(eq_ci(dt, "ata-hardDisk") || eq_ci(dt, "disk")) => {
                            Some("'ata-hardDisk' or 'disk'")
                        }
                        _ => None,
                    };
                    if let Some(expected) = expected {
                        return Err(VmxError::expecting(&key("deviceType"), expected, dt));
                    }
                }
                disk.disk_type = DiskType::File;
                let name = self.required_text(&file_name_key)?;
                disk.source = self.resolve(&name, false)?;
                if write_through {
                    disk.driver = Some(DiskDriver {
                        cache: Some(DiskCache::Writethrough),
                        ..DiskDriver::default()
                    });
                }
                if let Some(m) = mode {
                    disk.transient = eq_ci(m, "independent-nonpersistent");
                }
            }
            DiskDevice::Cdrom => {
                disk.readonly = true;
                if file_name.is_some_and(|n| ends_with_ci(n, ".vmdk")) {
                    return Ok(None);
                } else if file_name.is_some_and(|n| ends_with_ci(n, ".iso")) {
                    if let Some(dt) = device_type.filter(|d| !eq_ci(d, "cdrom-image")) {
                        return Err(expecting_cdrom_image(dt));
                    }
                    disk.disk_type = DiskType::File;
                    let name = self.required_text(&file_name_key)?;
                    disk.source = self.resolve(&name, true)?;
                } else if dt_is("atapi-cdrom") || dt_is("cdrom-raw") {
                    if dt_is("cdrom-raw") {
                        // Raw access CD-ROMs are LUNs for libvirt.
                        disk.device = DiskDevice::Lun;
                    }
                    disk.disk_type = DiskType::Block;
                    if file_name.is_some_and(|n| eq_ci(n, "auto detect")) {
                        disk.startup_policy = Some(StartupPolicy::Optional);
                    } else {
                        disk.source = self.text(&file_name_key)?;
                    }
                } else if bus == DiskBus::Scsi && dt_is("scsi-passthru") {
                    if !file_name.is_some_and(|n| n.starts_with("/vmfs/devices/cdrom/")) {
                        // A passed-through device that is not a CD-ROM: a disk, handled there.
                        return Ok(None);
                    }
                    disk.device = DiskDevice::Lun;
                    disk.disk_type = DiskType::Block;
                    disk.source = self.text(&file_name_key)?;
                } else if file_name == Some("emptyBackingString") {
                    if let Some(dt) = device_type.filter(|d| !eq_ci(d, "cdrom-image")) {
                        return Err(expecting_cdrom_image(dt));
                    }
                    disk.disk_type = DiskType::File;
                } else {
                    return Err(unhandled());
                }
            }
            _ => {
                let ft = file_type.unwrap_or_default();
                if eq_ci(ft, "device") {
                    disk.disk_type = DiskType::Block;
                    disk.source = self.text(&file_name_key)?;
                } else if eq_ci(ft, "file") {
                    disk.disk_type = DiskType::File;
                    if let Some(name) = self.text(&file_name_key)? {
                        disk.source = self.resolve(&name, false)?;
                    }
                } else {
                    return Err(unhandled());
                }
            }
        }

        disk.address = Some(
            assign_address(dst_index, bus, scsi_bus_max_unit).ok_or_else(|| {
                VmxError::internal(format!(
                    "Could not assign address to disk '{}'",
                    disk.source.as_deref().unwrap_or("(null)")
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
        for number in self.indexes("sharedFolder") {
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
            let source_dir = self.required_text(&key("hostPath"))?;
            let target_dir = self.required_text(&key("guestName"))?;
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
        let ct = self.raw(&key("connectionType"));
        let address_type = self.raw(&key("addressType"));
        let generated = self.raw(&key("generatedAddress"));
        let address = self.raw(&key("address"));
        let check = self.raw(&key("checkMACAddress"));

        let mac_of = |k: String, v: &str| {
            scan::parse_mac(v)
                .map(MacAddr)
                .ok_or_else(|| VmxError::expecting(&k, "MAC address", v))
        };
        let mut mac = Mac {
            address: MacAddr::default(),
            mac_type: None,
            check: None,
        };
        match address_type {
            None => {
                if let Some(g) = generated {
                    mac.address = mac_of(key("generatedAddress"), g)?;
                }
            }
            Some(t) if eq_ci(t, "generated") || eq_ci(t, "vpx") => {
                if let Some(g) = generated {
                    mac.address = mac_of(key("generatedAddress"), g)?;
                }
                mac.mac_type = Some(MacType::Generated);
            }
            Some(t) if eq_ci(t, "static") => {
                if let Some(a) = address {
                    mac.address = mac_of(key("address"), a)?;
                }
                mac.mac_type = Some(MacType::Static);
            }
            Some(t) => {
                return Err(VmxError::expecting(
                    &key("addressType"),
                    "'generated' or 'static' or 'vpx'",
                    t,
                ))
            }
        }
        if let Some(c) = check {
            mac.check = Some(c == "true");
        }

        let virtual_dev = self.raw(&key("virtualDev"));
        let features = self.long(&key("features"), 0)?;
        let model = match virtual_dev {
            None => None,
            Some(v) => Some(match v.to_ascii_lowercase().as_str() {
                "vlance" => NetModel::Vlance,
                "vmxnet" if features == 15 => NetModel::Vmxnet2,
                "vmxnet" => NetModel::Vmxnet,
                "vmxnet3" => NetModel::Vmxnet3,
                "e1000" => NetModel::E1000,
                "e1000e" => NetModel::E1000e,
                _ => {
                    return Err(VmxError::expecting(
                        &key("virtualDev"),
                        "'vlance' or 'vmxnet' or 'vmxnet3' or 'e1000' or 'e1000e'",
                        v,
                    ))
                }
            }),
        };

        let ct_is = |v: &str| ct.is_some_and(|c| eq_ci(c, v));
        let network_name = if ct.is_none() {
            self.text(&key("networkName"))?
        } else if ct_is("bridged") || ct_is("custom") {
            Some(self.required_text(&key("networkName"))?)
        } else {
            None
        };
        let vnet = if ct_is("custom") {
            Some(self.required_text(&key("vnet"))?)
        } else {
            None
        };

        let mut target_dev = None;
        let switch_key = format!("{prefix}.dvs.switchId");
        let source = if let Some(switch_id) = self.raw(&switch_key) {
            let dvs = |suffix: &str| format!("{prefix}.dvs.{suffix}");
            let switch_id = switch_id.parse::<Uuid>().map_err(|_| {
                VmxError::entry(
                    &switch_key,
                    format!("Could not parse UUID from string '{switch_id}'"),
                )
            })?;
            let portgroup_id = self.required_text(&dvs("portgroupId"))?;
            let port_id = self.required_long(&dvs("portId"))?;
            let connection_id = self.required_long(&dvs("connectionId"))?;
            InterfaceSource::Vds(VdsPort {
                switch_id,
                port_id,
                portgroup_id: Some(portgroup_id),
                connection_id,
            })
        } else if ct.is_none() && network_name.is_none() {
            InterfaceSource::Null
        } else if ct.is_none() || ct_is("bridged") {
            InterfaceSource::Bridge {
                bridge: network_name.unwrap_or_default(),
            }
        } else if ct_is("hostonly") {
            return Err(VmxError::entry(
                key("connectionType"),
                format!(
                    "No yet handled value '{}' for VMX entry '{}'",
                    ct.unwrap_or_default(),
                    key("connectionType")
                ),
            ));
        } else if ct_is("nat") {
            InterfaceSource::User
        } else if ct_is("custom") {
            target_dev = vnet;
            InterfaceSource::Bridge {
                bridge: network_name.unwrap_or_default(),
            }
        } else {
            return Err(VmxError::entry(
                key("connectionType"),
                format!(
                    "Invalid value '{}' for VMX entry '{}'",
                    ct.unwrap_or_default(),
                    key("connectionType")
                ),
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
        // libvirt divides rounding up in signed 64-bit arithmetic, stores the result in an
        // unsigned int, defaults a zero and rounds up to a power of two (which gives 0, no
        // size, beyond 2^31 KiB).
        let mut kib = (bytes.wrapping_add(1023) / 1024) as u32;
        if kib == 0 {
            kib = DEFAULT_VRAM_KIB;
        }
        let kib = if kib <= 1 << 31 {
            kib.next_power_of_two()
        } else {
            0
        };
        Ok(Video {
            model: VideoModel::Vmvga,
            vram: (kib != 0).then_some(kib),
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
        let file_type = self.raw(&key("fileType"));
        let file_name_key = key("fileName");
        let end_point = self.raw(&key("network.endPoint"));
        let ft_is = |v: &str| file_type.is_some_and(|f| eq_ci(f, v));

        let source = if file_type.is_none() || ft_is("device") {
            // "device" is the default VMware leaves out.
            CharSource::Dev {
                path: self.text(&file_name_key)?,
            }
        } else if ft_is("file") {
            // libvirt hands a missing name to the resolver, which crashes on it.
            let name = self.required_text(&file_name_key)?;
            CharSource::File {
                path: self.resolve(&name, false)?,
            }
        } else if ft_is("pipe") {
            CharSource::Pipe {
                path: self.text(&file_name_key)?,
            }
        } else if ft_is("network") {
            let name = self.text(&file_name_key)?;
            let uri = name.as_deref().and_then(scan::parse_uri).ok_or_else(|| {
                VmxError::entry(
                    &file_name_key,
                    format!(
                        "Unable to parse URI {}",
                        name.as_deref().unwrap_or("(null)")
                    ),
                )
            })?;
            if uri.port == 0 {
                return Err(VmxError::entry(
                    &file_name_key,
                    format!("VMX entry '{file_name_key}' doesn't contain a port part"),
                ));
            }
            let scheme = uri.scheme.as_deref();
            let scheme_is = |v: &str| scheme.is_some_and(|s| eq_ci(s, v));
            let protocol =
                if scheme.is_none() || scheme_is("tcp") || scheme_is("tcp4") || scheme_is("tcp6") {
                    TcpProtocol::Raw
                } else if scheme_is("telnet") {
                    TcpProtocol::Telnet
                } else if scheme_is("telnets") {
                    TcpProtocol::Telnets
                } else if ["ssl", "tcp+ssl", "tcp4+ssl", "tcp6+ssl"]
                    .iter()
                    .any(|s| scheme_is(s))
                {
                    TcpProtocol::Tls
                } else {
                    return Err(VmxError::entry(
                        &file_name_key,
                        format!(
                            "VMX entry '{file_name_key}' contains unsupported scheme '{}'",
                            scheme.unwrap_or_default()
                        ),
                    ));
                };
            let listen = match end_point {
                None => true,
                Some(e) if eq_ci(e, "server") => true,
                Some(e) if eq_ci(e, "client") => false,
                Some(e) => {
                    return Err(VmxError::expecting(
                        &key("network.endPoint"),
                        "'server' or 'client'",
                        e,
                    ))
                }
            };
            CharSource::Tcp(TcpSource {
                listen,
                host: uri.server,
                service: Some(uri.port.to_string()),
                protocol,
            })
        } else {
            return Err(VmxError::expecting(
                &key("fileType"),
                "'device', 'file' or 'pipe' or 'network'",
                file_type.unwrap_or_default(),
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
        let file_type = self.required_text(&key("fileType"))?;
        let file_name = self.required_text(&key("fileName"))?;
        let source = if eq_ci(&file_type, "device") {
            CharSource::Dev {
                path: Some(file_name),
            }
        } else if eq_ci(&file_type, "file") {
            CharSource::File {
                path: self.resolve(&file_name, false)?,
            }
        } else {
            return Err(VmxError::expecting(
                &key("fileType"),
                "'device' or 'file'",
                &file_type,
            ));
        };
        Ok(Some(CharDevice::new(source, port)))
    }
}

/// `key` without a leading `prefix` (compared case-insensitively).
fn strip_prefix_ci<'k>(key: &'k str, prefix: &str) -> Option<&'k str> {
    (key.len() >= prefix.len()
        && key.is_char_boundary(prefix.len())
        && eq_ci(&key[..prefix.len()], prefix))
    .then(|| &key[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes() {
        assert!(ends_with_ci("a.ISO", ".iso"));
        assert!(!ends_with_ci("iso", ".iso"));
        assert!(!ends_with_ci("äiso", ".iso"));
        assert_eq!(strip_prefix_ci("Ethernet0.x", "ethernet"), Some("0.x"));
        assert_eq!(strip_prefix_ci("eth", "ethernet"), None);
    }
}
