//! Domain -> VMX: the VMX file libvirt 9.0's VMX writer produces for a domain definition,
//! after the defaults libvirt's XML reader would have applied (default architecture, implicit
//! SCSI controllers and video device, drive addresses derived from target names, video RAM
//! rounding).

use std::fmt::Write as _;

use esxvirt_util::{escape_vmx_annotation, escape_vmx_display_name};
use esxvirt_xml::domain::{
    CharDevice, CharSource, ControllerModel, ControllerType, CpuMode, Disk, DiskBus, DiskCache,
    DiskDevice, DiskType, Domain, DomainType, DriveAddress, Firmware, FsType, Graphics,
    GraphicsListen, Interface, InterfaceSource, Mac, MacAddr, MacType, NetModel, ScsiModel,
    SmbiosMode, StartupPolicy, TcpProtocol, Uuid, VideoModel, VncGraphics,
};

use crate::context::FormatContext;
use crate::diskname::{assign_address, disk_name_to_index};
use crate::error::{ErrorClass, VmxError};

/// libvirt's SCSI bus width when it parses domain XML for VMware (wide buses, 16 units).
const XML_SCSI_BUS_MAX_UNIT: u32 = 16;
/// libvirt's default video RAM for VMware, in KiB.
const DEFAULT_VRAM_KIB: u64 = 4096;

/// Converts a domain definition to VMX text for `virtual_hw_version`, as libvirt 9.0's VMX
/// writer does.
pub fn domain_to_vmx(
    def: &Domain,
    ctx: &FormatContext<'_>,
    virtual_hw_version: u32,
) -> Result<String, VmxError> {
    Writer {
        ctx,
        out: String::with_capacity(1024),
    }
    .domain(def, virtual_hw_version)
}

struct Writer<'a> {
    ctx: &'a FormatContext<'a>,
    out: String,
}

fn domain_err(msg: impl Into<String>) -> VmxError {
    VmxError::internal(msg)
}

fn unsupported(msg: impl Into<String>) -> VmxError {
    VmxError::unsupported(msg)
}

fn uuid_vmx(u: &Uuid) -> String {
    let b = u.as_bytes();
    let mut s = String::with_capacity(48);
    for (i, byte) in b.iter().enumerate() {
        match i {
            0 => {}
            8 => s.push('-'),
            _ => s.push(' '),
        }
        let _ = write!(s, "{byte:02x}");
    }
    s
}

impl Writer<'_> {
    /// Writes `key = "value"`. Values that would break the VMX syntax are refused.
    fn put(&mut self, key: &str, value: &str) -> Result<(), VmxError> {
        if value.contains(['"', '\n', '\r', '\0']) {
            // libvirt writes such a value as it is, which ends the VMX value early and can
            // smuggle in entries of the caller's choosing.
            return Err(unsupported(format!(
                "the value '{value}' for VMX entry '{key}' contains a quote or a line break, which a VMX file cannot hold"
            )));
        }
        let _ = writeln!(self.out, "{key} = \"{value}\"");
        Ok(())
    }

    fn file_name(&self, src: &str) -> Result<String, VmxError> {
        self.ctx
            .file_names
            .format_file_name(src)
            .map_err(|error| VmxError::FileName {
                name: src.to_string(),
                error,
            })
    }

    fn domain(mut self, def: &Domain, hw: u32) -> Result<String, VmxError> {
        check_as_xml_reader(def)?;
        if def.domain_type != DomainType::Vmware {
            return Err(domain_err(format!(
                "Expecting virt type to be 'vmware' but found '{}'",
                def.domain_type.as_str()
            )));
        }
        self.put(".encoding", "UTF-8")?;
        self.put("config.version", "8")?;
        self.put("virtualHW.version", &hw.to_string())?;

        // libvirt's default architecture for VMware guests is i686.
        match def.os.arch.as_deref().unwrap_or("i686") {
            "i686" => self.put("guestOS", "other")?,
            "x86_64" => self.put("guestOS", "other-64")?,
            other => {
                return Err(domain_err(format!(
                    "Expecting domain XML attribute 'arch' of entry 'os/type' to be 'i686' or 'x86_64' but found '{other}'"
                )))
            }
        }
        match def.os.smbios_mode {
            None | Some(SmbiosMode::Emulate) => {}
            Some(SmbiosMode::Host) => self.put("smbios.reflecthost", "true")?,
            Some(m) => return Err(unsupported(format!("Unsupported SMBIOS mode '{m}'"))),
        }

        match &def.uuid {
            Some(u) if *u != Uuid::NIL => self.put("uuid.bios", &uuid_vmx(u))?,
            _ => self.put("uuid.action", "create")?,
        }

        let display_name = escape_vmx_display_name(&def.name);
        self.put("displayName", &display_name)?;
        if let Some(d) = &def.description {
            self.put("annotation", &escape_vmx_annotation(d))?;
        }

        self.memory(def)?;
        let vcpus = self.cpus(def)?;

        // Graphics.
        for g in &def.devices.graphics {
            match g {
                Graphics::Vnc(vnc) => self.vnc(vnc)?,
                Graphics::Other(t) => {
                    return Err(unsupported(format!("Unsupported graphics type '{t}'")))
                }
            }
        }

        // Disks and their controllers.
        let (disks, controllers) = self.prepare_disks(def)?;
        let scsi = self.scsi_controllers(controllers, &disks)?;
        let mut has_scsi = false;
        for (i, (present, model)) in scsi.iter().enumerate() {
            if *present {
                has_scsi = true;
                self.put(&format!("scsi{i}.present"), "true")?;
                if let Some(m) = model {
                    self.put(&format!("scsi{i}.virtualDev"), scsi_model_vmx(*m)?)?;
                }
            }
        }
        let mut floppy_present = [false; 2];
        for d in &disks {
            match d.disk.device {
                DiskDevice::Disk | DiskDevice::Cdrom | DiskDevice::Lun => self.disk(d)?,
                DiskDevice::Floppy => self.floppy(d, &mut floppy_present)?,
            }
        }
        for (i, present) in floppy_present.iter().enumerate() {
            // Floppies are present unless switched off.
            if !present {
                self.put(&format!("floppy{i}.present"), "false")?;
            }
        }

        // Shared folders.
        let fss = &def.devices.filesystems;
        if !fss.is_empty() {
            self.put("isolation.tools.hgfs.disable", "false")?;
            self.put("sharedFolder.maxNum", &fss.len().to_string())?;
        }
        for (i, fs) in fss.iter().enumerate() {
            if fs.fs_type != FsType::Mount {
                return Err(unsupported("Only 'mount' filesystem type is supported"));
            }
            let p = format!("sharedFolder{i}");
            self.put(&format!("{p}.present"), "true")?;
            self.put(&format!("{p}.enabled"), "true")?;
            self.put(&format!("{p}.readAccess"), "true")?;
            self.put(
                &format!("{p}.writeAccess"),
                if fs.readonly { "false" } else { "true" },
            )?;
            self.put(&format!("{p}.hostPath"), &fs.source_dir)?;
            self.put(&format!("{p}.guestName"), &fs.target_dir)?;
        }

        for (i, net) in def.devices.interfaces.iter().enumerate() {
            self.ethernet(net, i, hw)?;
        }

        // Video: libvirt adds a default one when there is a display but no video device.
        let videos = &def.devices.videos;
        if videos.len() > 1 {
            return Err(domain_err("No support for multiple video devices"));
        }
        if let Some(v) = videos.first() {
            if !matches!(v.model, VideoModel::Vmvga | VideoModel::Default) {
                return Err(unsupported(format!(
                    "Unsupported video device type '{}'",
                    v.model
                )));
            }
            if v.heads.is_some_and(|h| h > 1) {
                return Err(unsupported("Multi-head video devices are unsupported"));
            }
            self.svga(v.vram.map(u64::from))?;
        } else if !def.devices.graphics.is_empty() {
            self.svga(None)?;
        }

        for (port, serial) in serial_ports(def)? {
            self.serial(&serial, port)?;
        }
        for (port, parallel) in ports(&def.devices.parallels, 2, "Parallel")? {
            self.parallel(parallel, port)?;
        }

        if def.os.firmware == Some(Firmware::Efi) {
            self.put("firmware", "efi")?;
        }

        if hw >= 7 {
            if has_scsi {
                self.put("pciBridge0.present", "true")?;
                for bridge in 4..8 {
                    self.put(&format!("pciBridge{bridge}.present"), "true")?;
                    self.put(&format!("pciBridge{bridge}.virtualDev"), "pcieRootPort")?;
                    self.put(&format!("pciBridge{bridge}.functions"), "8")?;
                }
            }
            self.put("vmci0.present", "true")?;
        }
        let _ = vcpus;
        Ok(self.out)
    }

    fn memory(&mut self, def: &Domain) -> Result<(), VmxError> {
        let total = def.memory_kib;
        // VMX memory is in MiB and must be a multiple of 4 MiB.
        let max_balloon = total
            .div_ceil(4096)
            .checked_mul(4096)
            .ok_or_else(|| domain_err(format!("<memory> of {total} KiB is too large")))?;
        self.put("memsize", &(max_balloon / 1024).to_string())?;
        let current = def
            .current_memory_kib
            .filter(|c| *c != 0 && *c <= total)
            .unwrap_or(total);
        if current < max_balloon {
            self.put("sched.mem.max", &current.div_ceil(1024).to_string())?;
        }
        if let Some(min) = def.memtune.min_guarantee.filter(|m| *m > 0) {
            self.put("sched.mem.minsize", &min.div_ceil(1024).to_string())?;
        }
        Ok(())
    }

    fn cpus(&mut self, def: &Domain) -> Result<u32, VmxError> {
        let max = def.vcpu.count;
        if def.vcpu.current.is_some_and(|c| c < max) {
            return Err(unsupported(
                "No support for domain XML entry 'vcpu' attribute 'current'",
            ));
        }
        if max == 0 {
            return Err(domain_err(
                "Expecting domain XML entry 'vcpu' to be greater than 0",
            ));
        }
        self.put("numvcpus", &max.to_string())?;

        if let Some(cpu) = &def.cpu {
            let mode = cpu.mode.unwrap_or(CpuMode::Custom);
            if mode != CpuMode::Custom {
                return Err(domain_err(format!(
                    "Expecting domain XML CPU mode 'custom' but found '{mode}'"
                )));
            }
            let t = cpu.topology.unwrap_or(esxvirt_xml::domain::CpuTopology {
                sockets: 0,
                dies: 0,
                cores: 0,
                threads: 0,
            });
            if t.threads != 1 {
                return Err(unsupported("Only 1 thread per core is supported"));
            }
            if t.dies != 1 {
                return Err(unsupported("Only 1 die per socket is supported"));
            }
            let calculated = u64::from(t.sockets) * u64::from(t.cores);
            if calculated != u64::from(max) {
                return Err(domain_err(format!(
                    "Expecting domain XML CPU sockets per core as {max} but found {calculated}"
                )));
            }
            self.put("cpuid.coresPerSocket", &t.cores.to_string())?;
        }

        if let Some(set) = def.vcpu.cpuset.as_ref().filter(|s| !s.is_empty()) {
            if set.0.len() < max as usize {
                return Err(domain_err(format!(
                    "Expecting domain XML attribute 'cpuset' of entry 'vcpu' to contain at least {max} CPU(s)"
                )));
            }
            let list: Vec<String> = set.0.iter().map(u32::to_string).collect();
            self.put("sched.cpu.affinity", &list.join(","))?;
        }

        if let Some(shares) = def.cputune.shares {
            let v = u64::from(max);
            let text = if shares == v * 500 {
                "low".to_string()
            } else if shares == v * 1000 {
                "normal".to_string()
            } else if shares == v * 2000 {
                "high".to_string()
            } else {
                shares.to_string()
            };
            self.put("sched.cpu.shares", &text)?;
        }
        Ok(max)
    }

    fn vnc(&mut self, vnc: &VncGraphics) -> Result<(), VmxError> {
        self.put("RemoteDisplay.vnc.enabled", "true")?;
        // A port of -1 is libvirt's spelling of "automatic".
        if !(vnc.autoport || vnc.port == -1) {
            self.put("RemoteDisplay.vnc.port", &vnc.port.to_string())?;
        }
        let address = match vnc.listens.first() {
            Some(GraphicsListen::Address { address }) => address.as_deref(),
            Some(GraphicsListen::Network { address, .. }) => address.as_deref(),
            _ => None,
        };
        if let Some(a) = address {
            self.put("RemoteDisplay.vnc.ip", a)?;
        }
        if let Some(k) = &vnc.keymap {
            self.put("RemoteDisplay.vnc.keymap", k)?;
        }
        if let Some(p) = &vnc.passwd {
            self.put("RemoteDisplay.vnc.password", p)?;
        }
        Ok(())
    }

    /// Checks every disk's address the way libvirt does before writing (and, disk by disk,
    /// lets a legacy `<driver name=...>` of a SCSI disk set its controller's model). Returns
    /// the disks with their buses and addresses, and the SCSI controllers libvirt knows after
    /// reading the XML (the listed ones, then implicit ones up to the highest index a SCSI
    /// disk uses) with their models.
    #[allow(clippy::type_complexity)]
    fn prepare_disks<'d>(
        &self,
        def: &'d Domain,
    ) -> Result<(Vec<PreparedDisk<'d>>, Vec<KnownController>), VmxError> {
        let mut addressed = Vec::with_capacity(def.devices.disks.len());
        for disk in &def.devices.disks {
            let bus = disk.effective_bus();
            let index = disk_name_to_index(&disk.target.dev);
            // Buses without controllers (virtio, usb, ...) get no drive address from the
            // name; libvirt then compares against an all-zero one.
            let expected =
                index.map(|i| assign_address(i, bus, XML_SCSI_BUS_MAX_UNIT).unwrap_or_default());
            let address = disk
                .address
                .or_else(|| index.and_then(|i| assign_address(i, bus, XML_SCSI_BUS_MAX_UNIT)));
            addressed.push((disk, bus, expected, address));
        }

        // Every controller in libvirt's order (a legacy driver name looks a controller up by
        // index alone, whatever its type), then the implicit SCSI ones.
        let mut controllers: Vec<KnownController> = Vec::new();
        for c in &def.devices.controllers {
            let model = match &c.model {
                Some(ControllerModel::Scsi(m)) => Some(*m),
                _ => None,
            };
            controllers.push(KnownController {
                scsi: c.controller_type == ControllerType::Scsi,
                index: c.index,
                model,
            });
        }
        if let Some(max) = addressed
            .iter()
            .filter(|(_, bus, _, _)| *bus == DiskBus::Scsi)
            .filter_map(|(_, _, _, a)| a.map(|a| a.controller))
            .max()
        {
            for index in 0..=max {
                if !controllers.iter().any(|c| c.scsi && c.index == index) {
                    controllers.push(KnownController {
                        scsi: true,
                        index,
                        model: None,
                    });
                }
            }
        }

        let mut out = Vec::with_capacity(addressed.len());
        for (disk, bus, expected, address) in addressed {
            let address =
                address.ok_or_else(|| unsupported("Unsupported disk address type 'none'"))?;
            let expected = expected.ok_or_else(|| domain_err("Could not verify disk address"))?;
            if (expected.controller, expected.bus, expected.unit)
                != (address.controller, address.bus, address.unit)
            {
                return Err(domain_err(format!(
                    "Disk address {}:{}:{} doesn't match target device '{}'",
                    address.controller, address.bus, address.unit, disk.target.dev
                )));
            }
            check_address_range(bus, &address)?;
            if bus == DiskBus::Scsi {
                legacy_driver_name(disk, address.controller, &mut controllers)?;
            }
            out.push(PreparedDisk { disk, bus, address });
        }
        Ok((out, controllers))
    }

    /// Which of the four SCSI controllers are present and their models.
    fn scsi_controllers(
        &self,
        controllers: Vec<KnownController>,
        disks: &[PreparedDisk<'_>],
    ) -> Result<[(bool, Option<ScsiModel>); 4], VmxError> {
        let mut seen = Vec::new();
        let controllers: Vec<(u32, Option<ScsiModel>)> = controllers
            .into_iter()
            .filter(|c| {
                c.scsi && !seen.contains(&c.index) && {
                    seen.push(c.index);
                    true
                }
            })
            .map(|c| (c.index, c.model))
            .collect();
        let mut result = [(false, None); 4];
        for (index, model) in controllers {
            let attached: Vec<&PreparedDisk<'_>> = disks
                .iter()
                .filter(|d| d.bus == DiskBus::Scsi && d.address.controller == index)
                .collect();
            if attached.is_empty() {
                continue;
            }
            let mut model = model;
            if model == Some(ScsiModel::Auto) {
                if let Some(detect) = self.ctx.autodetect_scsi_model {
                    let mut found: Option<ScsiModel> = None;
                    for d in &attached {
                        let m = detect.autodetect_scsi_model(d.disk).map_err(|error| {
                            VmxError::Autodetect {
                                disk: d.disk.target.dev.clone(),
                                error,
                            }
                        })?;
                        if found.is_some_and(|f| f != m) {
                            return Err(domain_err(format!(
                                "Disks on SCSI controller {index} have inconsistent controller models, cannot autodetect model"
                            )));
                        }
                        found = Some(m);
                    }
                    model = found;
                }
            }
            if let Some(m) = model {
                if !matches!(
                    m,
                    ScsiModel::Buslogic
                        | ScsiModel::Lsilogic
                        | ScsiModel::Lsisas1068
                        | ScsiModel::Vmpvscsi
                ) {
                    return Err(domain_err(format!(
                        "Expecting domain XML attribute 'model' of entry 'controller' to be 'buslogic' or 'lsilogic' or 'lsisas1068' or 'vmpvscsi' but found '{m}'"
                    )));
                }
            }
            // Disks were checked to sit on controllers 0..3.
            if let Some(slot) = result.get_mut(index as usize) {
                *slot = (true, model);
            }
        }
        Ok(result)
    }

    fn disk(&mut self, d: &PreparedDisk<'_>) -> Result<(), VmxError> {
        let disk = d.disk;
        // libvirt names the device and storage types in these messages through the wrong
        // enumeration (its list of device kinds), so a disk reads "none", a file "disk".
        let bus_name = d.bus.as_str();
        let device = misnamed_disk_device(disk.device);
        let storage = misnamed_storage_type(disk.disk_type);
        if !matches!(disk.disk_type, DiskType::File | DiskType::Block) {
            return Err(unsupported(format!(
                "{bus_name} {device} '{}' has unsupported type '{storage}', expecting 'file' or 'block'",
                disk.target.dev
            )));
        }
        let (controller_or_bus, unit) = match d.bus {
            DiskBus::Scsi => scsi_name_to_controller_and_unit(&disk.target.dev)?,
            DiskBus::Ide => ide_name_to_bus_and_unit(&disk.target.dev)?,
            _ => {
                return Err(unsupported(format!(
                    "Unsupported bus type '{bus_name}' for {device}"
                )))
            }
        };
        let src = disk.source.as_deref();
        let device_type = match (disk.device, disk.disk_type) {
            (DiskDevice::Disk, DiskType::File) => {
                if d.bus == DiskBus::Scsi {
                    "scsi-hardDisk"
                } else {
                    "ata-hardDisk"
                }
            }
            (DiskDevice::Cdrom, DiskType::File) => "cdrom-image",
            (DiskDevice::Cdrom, _) => "atapi-cdrom",
            (DiskDevice::Lun, _) => {
                if d.bus == DiskBus::Scsi
                    && src.is_some_and(|s| s.starts_with("/vmfs/devices/cdrom/"))
                {
                    "scsi-passthru"
                } else {
                    "cdrom-raw"
                }
            }
            _ => {
                return Err(unsupported(format!(
                    "{bus_name} {device} '{}' has an unsupported type '{storage}'",
                    disk.target.dev
                )))
            }
        };
        let p = format!("{bus_name}{controller_or_bus}:{unit}");
        self.put(&format!("{p}.present"), "true")?;
        self.put(&format!("{p}.deviceType"), device_type)?;

        if disk.disk_type == DiskType::File {
            let ext = if disk.device == DiskDevice::Disk {
                ".vmdk"
            } else {
                ".iso"
            };
            let file_name = match src {
                Some(s) => {
                    let lower = s.to_ascii_lowercase();
                    if !lower.ends_with(ext) {
                        return Err(domain_err(format!(
                            "Image file for {bus_name} {device} '{}' has unsupported suffix, expecting '{ext}'",
                            disk.target.dev
                        )));
                    }
                    self.file_name(s)?
                }
                None if disk.device == DiskDevice::Cdrom => "emptyBackingString".to_string(),
                // check_as_xml_reader refused a disk without a source; a LUN without one is
                // what libvirt's XML reader turns into an empty CD-ROM.
                None => {
                    return Err(VmxError::Domain {
                        class: ErrorClass::NoSource,
                        message: disk.target.dev.clone(),
                    })
                }
            };
            self.put(&format!("{p}.fileName"), &file_name)?;
        } else {
            match src {
                None if disk.startup_policy == Some(StartupPolicy::Optional) => {
                    self.put(&format!("{p}.autodetect"), "true")?;
                    self.put(&format!("{p}.fileName"), "auto detect")?;
                }
                Some(s) => self.put(&format!("{p}.fileName"), s)?,
                // libvirt prints the missing name with printf's "(null)".
                None => self.put(&format!("{p}.fileName"), "(null)")?,
            }
        }

        if d.bus == DiskBus::Scsi {
            match disk.driver.as_ref().and_then(|drv| drv.cache) {
                None | Some(DiskCache::Default) => {}
                Some(DiskCache::Writethrough) => self.put(&format!("{p}.writeThrough"), "true")?,
                Some(other) => {
                    return Err(unsupported(format!(
                        "{bus_name} harddisk '{}' has unsupported cache mode '{other}'",
                        disk.target.dev
                    )))
                }
            }
        }
        if disk.transient {
            self.put(&format!("{p}.mode"), "independent-nonpersistent")?;
        }
        Ok(())
    }

    fn floppy(&mut self, d: &PreparedDisk<'_>, present: &mut [bool; 2]) -> Result<(), VmxError> {
        let disk = d.disk;
        let unit = match target_index(&disk.target.dev, "fd")? {
            i if i >= 2 => {
                return Err(domain_err(format!(
                    "Floppy disk index (parsed from '{}') is too large",
                    disk.target.dev
                )))
            }
            i => i as usize,
        };
        present[unit] = true;
        self.put(&format!("floppy{unit}.present"), "true")?;
        match disk.disk_type {
            DiskType::File => {
                self.put(&format!("floppy{unit}.fileType"), "file")?;
                if let Some(s) = &disk.source {
                    let name = self.file_name(s)?;
                    self.put(&format!("floppy{unit}.fileName"), &name)?;
                }
            }
            DiskType::Block => {
                self.put(&format!("floppy{unit}.fileType"), "device")?;
                if let Some(s) = &disk.source {
                    self.put(&format!("floppy{unit}.fileName"), s)?;
                }
            }
            other => {
                return Err(unsupported(format!(
                    "Floppy '{}' has unsupported type '{other}', expecting 'file' or 'block'",
                    disk.target.dev
                )))
            }
        }
        Ok(())
    }

    fn ethernet(&mut self, net: &Interface, controller: usize, hw: u32) -> Result<(), VmxError> {
        // Hardware before version 7 has at most 4 NICs, later versions 10.
        let limit = if hw >= 7 { 9 } else { 3 };
        if controller > limit {
            return Err(domain_err(format!(
                "Ethernet controller index {controller} out of [0..{limit}] range"
            )));
        }
        let p = format!("ethernet{controller}");
        self.put(&format!("{p}.present"), "true")?;

        if let Some(model) = &net.model {
            match model {
                NetModel::Vmxnet2 => {
                    self.put(&format!("{p}.virtualDev"), "vmxnet")?;
                    self.put(&format!("{p}.features"), "15")?;
                }
                NetModel::Vlance
                | NetModel::Vmxnet
                | NetModel::Vmxnet3
                | NetModel::E1000
                | NetModel::E1000e => self.put(&format!("{p}.virtualDev"), model.as_str())?,
                NetModel::Other(m) => {
                    return Err(domain_err(format!(
                        "Expecting domain XML entry 'devices/interface/model' to be 'vlance' or 'vmxnet' or 'vmxnet2' or 'vmxnet3' or 'e1000' or 'e1000e' but found '{m}'"
                    )))
                }
            }
        }

        match &net.source {
            InterfaceSource::Bridge { bridge } => {
                self.put(&format!("{p}.networkName"), bridge)?;
                if let Some(ifname) = &net.target_dev {
                    self.put(&format!("{p}.connectionType"), "custom")?;
                    self.put(&format!("{p}.vnet"), ifname)?;
                } else {
                    self.put(&format!("{p}.connectionType"), "bridged")?;
                }
            }
            InterfaceSource::User => self.put(&format!("{p}.connectionType"), "nat")?,
            InterfaceSource::Null => {}
            InterfaceSource::Vds(vds) => {
                self.put(&format!("{p}.dvs.switchId"), &uuid_vmx(&vds.switch_id))?;
                self.put(&format!("{p}.dvs.portId"), &vds.port_id.to_string())?;
                if let Some(pg) = &vds.portgroup_id {
                    // libvirt XML-escapes the port group id here; kept for byte-identical output.
                    self.put(
                        &format!("{p}.dvs.portgroupId"),
                        &esxvirt_xml::writer::escape(pg),
                    )?;
                }
                self.put(
                    &format!("{p}.dvs.connectionId"),
                    &vds.connection_id.to_string(),
                )?;
            }
            other => {
                return Err(unsupported(format!(
                    "Unsupported net type '{}'",
                    other.type_str()
                )))
            }
        }

        // Without an address libvirt's XML reader invents one in VMware's generated range.
        let generated_mac;
        let mac = match &net.mac {
            Some(m) => m,
            None => {
                generated_mac = Mac {
                    address: random_vmware_mac(),
                    mac_type: None,
                    check: None,
                };
                &generated_mac
            }
        };
        let a = mac.address.0;
        let prefix = u32::from(a[0]) << 16 | u32::from(a[1]) << 8 | u32::from(a[2]);
        let suffix = u32::from(a[3]) << 16 | u32::from(a[4]) << 8 | u32::from(a[5]);
        // Without an explicit type, the address range tells who assigned the address:
        // 00:0c:29 is VMware's generated range, 00:50:56:00-3f static, 00:50:56:80-bf vCenter.
        let (mut generated, mut check, mut vpx) = if prefix == 0x000c29 {
            (true, None, false)
        } else if prefix == 0x005056 && suffix <= 0x3fffff {
            (false, None, false)
        } else if prefix == 0x005056 && (0x800000..=0xbfffff).contains(&suffix) {
            (true, None, true)
        } else {
            (false, Some(false), false)
        };
        if let Some(t) = mac.mac_type {
            generated = t == MacType::Generated;
            if generated {
                check = None;
            } else {
                vpx = false;
            }
        }
        if mac.check.is_some() {
            check = mac.check;
        }
        let addr = mac.address.to_string();
        if generated {
            self.put(
                &format!("{p}.addressType"),
                if vpx { "vpx" } else { "generated" },
            )?;
            self.put(&format!("{p}.generatedAddress"), &addr)?;
            if !vpx {
                self.put(&format!("{p}.generatedAddressOffset"), "0")?;
            }
        } else {
            self.put(&format!("{p}.addressType"), "static")?;
            self.put(&format!("{p}.address"), &addr)?;
        }
        if let Some(c) = check {
            self.put(
                &format!("{p}.checkMACAddress"),
                if c { "true" } else { "false" },
            )?;
        }
        Ok(())
    }

    fn svga(&mut self, vram_kib: Option<u64>) -> Result<(), VmxError> {
        // libvirt's XML reader defaults the video RAM and rounds it up to a power of two;
        // its VMX writer then rounds to 64 KiB (a Windows requirement).
        let kib = match vram_kib {
            None | Some(0) => DEFAULT_VRAM_KIB,
            Some(v) => v.next_power_of_two(),
        };
        let kib = kib.div_ceil(64) * 64;
        self.put("svga.vramSize", &(kib * 1024).to_string())
    }

    fn serial(&mut self, serial: &CharDevice, port: u32) -> Result<(), VmxError> {
        let p = format!("serial{port}");
        self.put(&format!("{p}.present"), "true")?;
        match &serial.source {
            CharSource::Dev { path } => {
                self.put(&format!("{p}.fileType"), "device")?;
                self.put(&format!("{p}.fileName"), path_or_null(path))?;
            }
            CharSource::File { path } => {
                self.put(&format!("{p}.fileType"), "file")?;
                let name = self.file_name(path.as_deref().unwrap_or_default())?;
                self.put(&format!("{p}.fileName"), &name)?;
            }
            CharSource::Pipe { path } => {
                self.put(&format!("{p}.fileType"), "pipe")?;
                // The VI client's defaults for a new pipe.
                self.put(&format!("{p}.pipe.endPoint"), "client")?;
                self.put(&format!("{p}.tryNoRxLoss"), "false")?;
                self.put(&format!("{p}.fileName"), path_or_null(path))?;
            }
            CharSource::Tcp(tcp) => {
                let scheme = match tcp.protocol {
                    TcpProtocol::Raw => "tcp",
                    TcpProtocol::Telnet => "telnet",
                    TcpProtocol::Telnets => "telnets",
                    TcpProtocol::Tls => "ssl",
                };
                self.put(&format!("{p}.fileType"), "network")?;
                self.put(
                    &format!("{p}.fileName"),
                    &format!(
                        "{scheme}://{}:{}",
                        tcp.host.as_deref().unwrap_or_default(),
                        tcp.service.as_deref().unwrap_or_default()
                    ),
                )?;
                self.put(
                    &format!("{p}.network.endPoint"),
                    if tcp.listen { "server" } else { "client" },
                )?;
            }
            other => {
                return Err(unsupported(format!(
                    "Unsupported character device type '{}'",
                    other.type_str()
                )))
            }
        }
        self.put(&format!("{p}.yieldOnMsrRead"), "true")
    }

    fn parallel(&mut self, parallel: &CharDevice, port: u32) -> Result<(), VmxError> {
        let p = format!("parallel{port}");
        self.put(&format!("{p}.present"), "true")?;
        match &parallel.source {
            CharSource::Dev { path } => {
                self.put(&format!("{p}.fileType"), "device")?;
                self.put(&format!("{p}.fileName"), path_or_null(path))
            }
            CharSource::File { path } => {
                self.put(&format!("{p}.fileType"), "file")?;
                let name = self.file_name(path.as_deref().unwrap_or_default())?;
                self.put(&format!("{p}.fileName"), &name)
            }
            other => Err(unsupported(format!(
                "Unsupported character device type '{}'",
                other.type_str()
            ))),
        }
    }
}

/// A character device's path as libvirt prints it: a missing one as printf's "(null)".
fn path_or_null(path: &Option<String>) -> &str {
    path.as_deref().unwrap_or("(null)")
}

/// A random address in VMware's range for generated MACs (00:0c:29:xx:xx:xx).
fn random_vmware_mac() -> MacAddr {
    use std::hash::{BuildHasher, Hasher};
    // RandomState is seeded from the OS; hashing a per-call counter gives fresh bits each time.
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let r = h.finish().to_le_bytes();
    MacAddr([0x00, 0x0c, 0x29, r[0], r[1], r[2]])
}

struct PreparedDisk<'d> {
    disk: &'d Disk,
    bus: DiskBus,
    address: DriveAddress,
}

/// What libvirt's XML reader would refuse before the VMX writer runs (for definitions built
/// in code rather than read from XML), in the reader's order.
fn check_as_xml_reader(def: &Domain) -> Result<(), VmxError> {
    for c in &def.devices.controllers {
        if let (ControllerType::Scsi, Some(ControllerModel::Other(m))) =
            (c.controller_type, &c.model)
        {
            return Err(unsupported(format!("Unknown model type '{m}'")));
        }
    }
    // The VMware driver's capabilities: HVM guests of type vmware on i686 and x86_64.
    let arch = def.os.arch.as_deref().unwrap_or("i686");
    let os_type = def.os.os_type.as_str();
    let hvm = os_type.is_empty() || os_type == "hvm";
    // Domain type 'none' matches any in libvirt's lookup.
    let vmware = matches!(def.domain_type, DomainType::Vmware | DomainType::None);
    if !(hvm && matches!(arch, "i686" | "x86_64") && vmware) {
        let mut what = String::new();
        if !hvm {
            what.push_str(&format!("ostype={os_type} "));
        }
        what.push_str(&format!(
            "arch={arch} domaintype={} ",
            def.domain_type.as_str()
        ));
        return Err(VmxError::Domain {
            class: ErrorClass::InvalidArg,
            message: format!("could not find capabilities for {what}"),
        });
    }
    for disk in &def.devices.disks {
        if disk.address.is_none() && disk_name_to_index(&disk.target.dev).is_none() {
            return Err(VmxError::xml(format!(
                "Unknown disk name '{}' and no address specified",
                disk.target.dev
            )));
        }
    }
    if def.memory_kib == 0 {
        return Err(VmxError::xml(
            "Memory size must be specified via <memory> or in the <numa> configuration",
        ));
    }
    for disk in &def.devices.disks {
        if disk.device == DiskDevice::Disk && disk.is_empty_source() {
            return Err(VmxError::Domain {
                class: ErrorClass::NoSource,
                message: disk.target.dev.clone(),
            });
        }
    }
    Ok(())
}

/// The name libvirt's messages give a disk device: its position in the disk-device list read
/// in the device-kind list.
fn misnamed_disk_device(device: DiskDevice) -> &'static str {
    match device {
        DiskDevice::Disk => "none",
        DiskDevice::Cdrom => "disk",
        DiskDevice::Floppy => "lease",
        DiskDevice::Lun => "filesystem",
    }
}

/// The name libvirt's messages give a disk's storage type, read the same wrong way.
fn misnamed_storage_type(t: DiskType) -> &'static str {
    match t {
        DiskType::File => "disk",
        DiskType::Block => "lease",
        DiskType::Dir => "filesystem",
        DiskType::Network => "interface",
        DiskType::Volume => "input",
        DiskType::Nvme => "sound",
        DiskType::VhostUser => "video",
    }
}

/// A controller as the VMX writer sees it.
struct KnownController {
    scsi: bool,
    index: u32,
    model: Option<ScsiModel>,
}

/// A legacy `<driver name='lsilogic'/>` on a SCSI disk sets the model of the first
/// controller with the disk's controller index (libvirt does not look at its type).
fn legacy_driver_name(
    disk: &Disk,
    controller: u32,
    controllers: &mut [KnownController],
) -> Result<(), VmxError> {
    let Some(name) = disk.driver.as_ref().and_then(|drv| drv.name.as_deref()) else {
        return Ok(());
    };
    let model = ScsiModel::from_xml_str(&name.to_ascii_lowercase())
        .ok_or_else(|| domain_err(format!("Unknown driver name '{name}'")))?;
    let entry = controllers
        .iter_mut()
        .find(|c| c.index == controller)
        .ok_or_else(|| domain_err(format!("Missing SCSI controller for index {controller}")))?;
    match entry.model {
        None => entry.model = Some(model),
        Some(m) if m == model => {}
        Some(m) => {
            return Err(domain_err(format!(
                "Inconsistent SCSI controller model ('{name}' is not '{m}') for SCSI controller index {}",
                entry.index
            )))
        }
    }
    Ok(())
}

fn check_address_range(bus: DiskBus, a: &DriveAddress) -> Result<(), VmxError> {
    let bad = |what: &str, v: u32, range: &str| {
        Err(domain_err(format!("{what} index {v} out of {range} range")))
    };
    match bus {
        DiskBus::Scsi => {
            if a.controller > 3 {
                return bad("SCSI controller", a.controller, "[0..3]");
            }
            if a.bus != 0 {
                return bad("SCSI bus", a.bus, "[0]");
            }
            if a.unit > 15 || a.unit == 7 {
                return bad("SCSI unit", a.unit, "[0..6,8..15]");
            }
        }
        DiskBus::Ide => {
            if a.controller != 0 {
                return bad("IDE controller", a.controller, "[0]");
            }
            if a.bus > 1 {
                return bad("IDE bus", a.bus, "[0..1]");
            }
            if a.unit > 1 {
                return bad("IDE unit", a.unit, "[0..1]");
            }
        }
        DiskBus::Fdc => {
            if a.controller != 0 {
                return bad("FDC controller", a.controller, "[0]");
            }
            if a.bus != 0 {
                return bad("FDC bus", a.bus, "[0]");
            }
            if a.unit > 1 {
                return bad("FDC unit", a.unit, "[0..1]");
            }
        }
        other => return Err(unsupported(format!("Unsupported bus type '{other}'"))),
    }
    Ok(())
}

/// The index of the target name `name`, which must start with `prefix` (`sd`, `hd`, `fd`).
fn target_index(name: &str, prefix: &str) -> Result<u32, VmxError> {
    if !name.starts_with(prefix) {
        return Err(domain_err(format!(
            "Expecting domain XML attribute 'dev' of entry 'devices/disk/target' to start with '{prefix}'"
        )));
    }
    disk_name_to_index(name)
        .ok_or_else(|| domain_err(format!("Could not parse valid disk index from '{name}'")))
}

fn scsi_name_to_controller_and_unit(name: &str) -> Result<(u32, u32), VmxError> {
    let index = target_index(name, "sd")?;
    // Four controllers with 15 units each (unit 7 is the controller).
    if index >= 4 * 15 {
        return Err(domain_err(format!(
            "SCSI disk index (parsed from '{name}') is too large"
        )));
    }
    let mut unit = index % 15;
    if unit >= 7 {
        unit += 1;
    }
    Ok((index / 15, unit))
}

fn ide_name_to_bus_and_unit(name: &str) -> Result<(u32, u32), VmxError> {
    let index = target_index(name, "hd")?;
    if index >= 4 {
        return Err(domain_err(format!(
            "IDE disk index (parsed from '{name}') is too large"
        )));
    }
    Ok((index / 2, index % 2))
}

fn scsi_model_vmx(m: ScsiModel) -> Result<&'static str, VmxError> {
    Ok(match m {
        ScsiModel::Buslogic => "buslogic",
        ScsiModel::Lsilogic => "lsilogic",
        ScsiModel::Lsisas1068 => "lsisas1068",
        ScsiModel::Vmpvscsi => "pvscsi",
        other => {
            return Err(domain_err(format!(
                "Unsupported SCSI controller model '{other}'"
            )))
        }
    })
}

/// Character devices with their port numbers: the given `<target port>`, or the lowest free
/// one, as libvirt's XML reader assigns them.
fn ports<'d>(
    devices: &'d [CharDevice],
    max_port: u32,
    what: &str,
) -> Result<Vec<(u32, &'d CharDevice)>, VmxError> {
    let mut used: Vec<u32> = devices.iter().filter_map(|d| d.target_port).collect();
    let mut out = Vec::with_capacity(devices.len());
    for d in devices {
        let port = match d.target_port {
            Some(p) => p,
            None => {
                let mut p = 0;
                while used.contains(&p) {
                    p += 1;
                }
                used.push(p);
                p
            }
        };
        if port > max_port {
            return Err(domain_err(format!(
                "{what} port index {port} out of [0..{max_port}] range"
            )));
        }
        out.push((port, d));
    }
    Ok(out)
}

/// Serial ports, including the one libvirt derives from a lone `<console>` of an HVM guest.
fn serial_ports(def: &Domain) -> Result<Vec<(u32, CharDevice)>, VmxError> {
    if def.devices.serials.is_empty() && def.os.os_type == "hvm" {
        if let Some(console) = def.devices.consoles.first() {
            if matches!(console.target_type.as_deref(), None | Some("serial")) {
                return Ok(vec![(0, console.clone())]);
            }
        }
    }
    Ok(ports(&def.devices.serials, 3, "Serial")?
        .into_iter()
        .map(|(p, d)| (p, d.clone()))
        .collect())
}
