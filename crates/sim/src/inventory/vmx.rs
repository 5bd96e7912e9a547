//! The .vmx side of a VM: a small ordered key/value reader and writer, and the mapping between
//! [`VmConfig`] and VMX keys. A VM's .vmx in its datastore directory is a real file: it is
//! parsed on RegisterVM and rewritten after every reconfiguration, so what a client downloads
//! from `/folder` always matches what the API reports.

use super::model::{Allocation, Bus, Device, PortBacking, Slot, VmConfig};

/// An ordered VMX key/value list; lookups ignore key case as VMware does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VmxMap {
    pub entries: Vec<(String, String)>,
}

impl VmxMap {
    /// Parse VMX text leniently, as libvirt's own reader does: `key = "value"` statements,
    /// quoted values may span lines (libvirt writes multi-line annotations that way), `#`
    /// starts a comment outside quotes, unquoted values run to the end of the line. Lines
    /// without `=` are ignored; a repeated key replaces the earlier value in place.
    pub fn parse(text: &str) -> VmxMap {
        let mut entries: Vec<(String, String)> = Vec::new();
        let mut rest = text;
        loop {
            rest = rest.trim_start();
            if rest.is_empty() {
                break;
            }
            if rest.starts_with('#') {
                rest = rest.split_once('\n').map(|(_, r)| r).unwrap_or("");
                continue;
            }
            let line_end = rest.find('\n').unwrap_or(rest.len());
            let Some(eq) = rest[..line_end].find('=') else {
                rest = &rest[line_end..];
                continue;
            };
            let key = rest[..eq].trim().to_string();
            let after = rest[eq + 1..].trim_start_matches([' ', '\t']);
            let (value, remaining) = if let Some(q) = after.strip_prefix('"') {
                match q.find('"') {
                    Some(close) => {
                        let tail = &q[close + 1..];
                        let next = tail.find('\n').map(|i| &tail[i..]).unwrap_or("");
                        (q[..close].to_string(), next)
                    }
                    None => {
                        let end = q.find('\n').unwrap_or(q.len());
                        (q[..end].to_string(), &q[end..])
                    }
                }
            } else {
                let end = after.find('\n').unwrap_or(after.len());
                let v = after[..end].split('#').next().unwrap_or("").trim();
                (v.to_string(), &after[end..])
            };
            rest = remaining;
            if key.is_empty() {
                continue;
            }
            if let Some(slot) = entries
                .iter_mut()
                .find(|(k, _)| k.eq_ignore_ascii_case(&key))
            {
                slot.1 = value;
            } else {
                entries.push((key, value));
            }
        }
        VmxMap { entries }
    }

    /// The value of `key` (case-insensitive).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    /// A boolean (`true`/`TRUE`/`1`/`yes`).
    pub fn get_bool(&self, key: &str) -> Option<bool> {
        self.get(key).map(|v| {
            let v = v.to_ascii_lowercase();
            v == "true" || v == "1" || v == "yes"
        })
    }

    /// An integer, ignoring unparsable values.
    pub fn get_i64(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(|v| v.trim().parse().ok())
    }

    /// Set `key`, replacing an existing entry in place.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        let value = value.into();
        if let Some(slot) = self
            .entries
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
        {
            slot.1 = value;
        } else {
            self.entries.push((key.to_string(), value));
        }
    }

    /// Render as VMX text, one `key = "value"` per line.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (k, v) in &self.entries {
            out.push_str(k);
            out.push_str(" = \"");
            out.push_str(v);
            out.push_str("\"\n");
        }
        out
    }
}

/// How VMX file names map to datastore paths: the datastores by name and volume UUID.
pub struct PathContext<'a> {
    /// Datastore of the .vmx.
    pub datastore: &'a str,
    /// Directory of the .vmx inside its datastore (no trailing slash; may be empty).
    pub directory: &'a str,
    /// (name, uuid) of every datastore, to resolve `/vmfs/volumes/X/...`.
    pub datastores: Vec<(String, String)>,
}

impl PathContext<'_> {
    /// A VMX file name to a datastore path (`[ds] dir/file`); absolute host paths that are
    /// not under /vmfs/volumes stay as they are.
    pub fn to_datastore_path(&self, file: &str) -> String {
        if let Some(rest) = file.strip_prefix("/vmfs/volumes/") {
            let (volume, path) = rest.split_once('/').unwrap_or((rest, ""));
            let name = self
                .datastores
                .iter()
                .find(|(n, u)| n == volume || u == volume)
                .map(|(n, _)| n.as_str())
                .unwrap_or(volume);
            return format!("[{name}] {path}");
        }
        if file.starts_with('/') || file.starts_with('[') || file.is_empty() {
            return file.to_string();
        }
        if self.directory.is_empty() {
            format!("[{}] {}", self.datastore, file)
        } else {
            format!("[{}] {}/{}", self.datastore, self.directory, file)
        }
    }

    /// A datastore path to a VMX file name: relative when in the VM's directory, else
    /// `/vmfs/volumes/ds/path`.
    pub fn to_vmx_file(&self, path: &str) -> String {
        let Some((ds, rest)) = split_datastore_path(path) else {
            return path.to_string();
        };
        if ds == self.datastore {
            let prefix = if self.directory.is_empty() {
                String::new()
            } else {
                format!("{}/", self.directory)
            };
            if let Some(file) = rest.strip_prefix(&prefix) {
                if !file.contains('/') {
                    return file.to_string();
                }
            }
        }
        format!("/vmfs/volumes/{ds}/{rest}")
    }
}

/// `[ds] a/b` -> (`ds`, `a/b`).
pub fn split_datastore_path(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix('[')?;
    let (ds, rest) = rest.split_once(']')?;
    Some((ds, rest.trim_start()))
}

/// `564d8de8-1e9f-a13e-71fa-13a8e1a7fd70` -> `56 4d 8d e8 1e 9f a1 3e-71 fa 13 a8 e1 a7 fd 70`.
pub fn uuid_to_vmx(uuid: &str) -> String {
    let hex: Vec<char> = uuid.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    let mut out = String::new();
    for (i, pair) in hex.chunks(2).enumerate() {
        if i > 0 {
            out.push(if i == 8 { '-' } else { ' ' });
        }
        out.extend(pair.iter());
    }
    out
}

/// The inverse of [`uuid_to_vmx`]; `None` unless it holds exactly 16 bytes of hex.
pub fn uuid_from_vmx(value: &str) -> Option<String> {
    let hex: String = value
        .chars()
        .filter(|c| c.is_ascii_hexdigit())
        .collect::<String>()
        .to_ascii_lowercase();
    if hex.len() != 32
        || value
            .chars()
            .any(|c| !(c.is_ascii_hexdigit() || " -".contains(c)))
    {
        return None;
    }
    Some(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}

/// The API guestId for a VMX guestOS value (`ubuntu-64` -> `ubuntu64Guest`).
pub fn api_guest_id(guest_os: &str) -> String {
    const TABLE: &[(&str, &str)] = &[
        ("other", "otherGuest"),
        ("other-64", "otherGuest64"),
        ("otherlinux", "otherLinuxGuest"),
        ("otherlinux-64", "otherLinux64Guest"),
        ("other26xlinux", "other26xLinuxGuest"),
        ("other26xlinux-64", "other26xLinux64Guest"),
        ("ubuntu", "ubuntuGuest"),
        ("ubuntu-64", "ubuntu64Guest"),
        ("centos-64", "centos64Guest"),
        ("freebsd-64", "freebsd64Guest"),
        ("winnetenterprise", "winNetEnterpriseGuest"),
        ("windows7", "windows7Guest"),
        ("windows7-64", "windows7_64Guest"),
        ("windows9-64", "windows9_64Guest"),
        ("windows2019srv-64", "windows2019srv_64Guest"),
        ("winxppro", "winXPProGuest"),
        ("win2000serv", "win2000ServGuest"),
        ("win2000pro", "win2000ProGuest"),
    ];
    let lower = guest_os.to_ascii_lowercase();
    if let Some((_, id)) = TABLE.iter().find(|(k, _)| *k == lower) {
        return (*id).to_string();
    }
    match lower.strip_suffix("-64") {
        Some(base) => format!("{base}_64Guest"),
        None => format!("{lower}Guest"),
    }
}

/// The VMX guestOS for an API guestId (inverse of [`api_guest_id`] where known).
pub fn vmx_guest_os(guest_id: &str) -> String {
    let lower = guest_id.to_ascii_lowercase();
    if lower == "otherguest64" {
        return "other-64".into();
    }
    let base = lower.strip_suffix("guest").unwrap_or(&lower);
    if let Some(b) = base.strip_suffix("_64") {
        return format!("{b}-64");
    }
    if let Some(b) = base.strip_suffix("64") {
        return format!("{b}-64");
    }
    base.to_string()
}

fn shares_to_vmx(a: &Allocation) -> String {
    match a.shares_level.as_str() {
        "low" | "normal" | "high" => a.shares_level.clone(),
        _ => a.shares.to_string(),
    }
}

/// Shares of a level for CPU (per vCPU) or memory (per MB), as vSphere computes them.
pub fn level_shares(level: &str, cpu: bool, num_cpu: i32, memory_mb: i64) -> i32 {
    let per = match level {
        "low" => 500,
        "high" => 2000,
        _ => 1000,
    };
    if cpu {
        per * num_cpu.max(1)
    } else {
        // memory: 10 shares per MB at normal
        let per_mb = per / 100;
        (memory_mb as i32).saturating_mul(per_mb)
    }
}

fn shares_from_vmx(value: Option<&str>, cpu: bool, num_cpu: i32, memory_mb: i64) -> (String, i32) {
    match value.map(|v| v.to_ascii_lowercase()) {
        Some(v) if v == "low" || v == "normal" || v == "high" => {
            let n = level_shares(&v, cpu, num_cpu, memory_mb);
            (v, n)
        }
        Some(v) => match v.parse::<i32>() {
            Ok(n) => ("custom".into(), n),
            Err(_) => (
                "normal".into(),
                level_shares("normal", cpu, num_cpu, memory_mb),
            ),
        },
        None => (
            "normal".into(),
            level_shares("normal", cpu, num_cpu, memory_mb),
        ),
    }
}

/// Sorts devices into the canonical order the VMX reader produces: controllers, disks and
/// CD-ROMs by slot, floppies, NICs, serial and parallel ports, video.
pub fn normalize_devices(devices: &mut [Device]) {
    devices.sort_by_key(|d| match d {
        Device::ScsiController { index, .. } => (0, Bus::Scsi, *index, 0),
        Device::SataController { index } => (1, Bus::Sata, *index, 0),
        Device::Disk { slot, .. } | Device::Cdrom { slot, .. } => {
            (2, slot.bus, slot.controller, slot.unit)
        }
        Device::Floppy { index, .. } => (3, Bus::Scsi, *index, 0),
        Device::Nic { index, .. } => (4, Bus::Scsi, *index, 0),
        Device::Serial { index, .. } => (5, Bus::Scsi, *index, 0),
        Device::Parallel { index, .. } => (6, Bus::Scsi, *index, 0),
        Device::Video { .. } => (7, Bus::Scsi, 0, 0),
    });
}

/// Parse a VM configuration from VMX text. Disk capacities are left at 0 for the caller to
/// fill from the disk descriptors. Returns an error message when displayName is missing.
pub fn config_from_vmx(text: &str, ctx: &PathContext<'_>) -> Result<VmConfig, String> {
    config_from_entries(&VmxMap::parse(text), ctx)
}

/// Interpret parsed VMX entries as a VM configuration (see [`config_from_vmx`]).
pub fn config_from_entries(map: &VmxMap, ctx: &PathContext<'_>) -> Result<VmConfig, String> {
    let name = match map.get("displayName") {
        Some(n) => esxvirt_util::unescape_pipe(n).unwrap_or_else(|_| n.to_string()),
        None => return Err("missing displayName".into()),
    };
    let annotation = map
        .get("annotation")
        .map(|a| esxvirt_util::unescape_pipe(a).unwrap_or_else(|_| a.to_string()))
        .unwrap_or_default();
    let uuid = map
        .get("uuid.bios")
        .and_then(uuid_from_vmx)
        .unwrap_or_default();
    let instance_uuid = map
        .get("vc.uuid")
        .and_then(uuid_from_vmx)
        .unwrap_or_default();
    let memory_mb = map.get_i64("memsize").unwrap_or(32);
    let num_cpu = map.get_i64("numvcpus").unwrap_or(1) as i32;
    let cores_per_socket = map.get_i64("cpuid.coresPerSocket").unwrap_or(1) as i32;
    let (cpu_level, cpu_shares) =
        shares_from_vmx(map.get("sched.cpu.shares"), true, num_cpu, memory_mb);
    let (mem_level, mem_shares) =
        shares_from_vmx(map.get("sched.mem.shares"), false, num_cpu, memory_mb);
    let cpu_alloc = Allocation {
        reservation: map.get_i64("sched.cpu.min").unwrap_or(0),
        limit: map.get_i64("sched.cpu.max").unwrap_or(-1),
        expandable_reservation: false,
        shares_level: cpu_level,
        shares: cpu_shares,
    };
    let mem_alloc = Allocation {
        reservation: map
            .get_i64("sched.mem.minsize")
            .or_else(|| map.get_i64("sched.mem.min"))
            .unwrap_or(0),
        limit: map.get_i64("sched.mem.max").unwrap_or(-1),
        expandable_reservation: false,
        shares_level: mem_level,
        shares: mem_shares,
    };
    let mut devices = Vec::new();
    // Controllers.
    for i in 0..4u32 {
        if map.get_bool(&format!("scsi{i}.present")) == Some(true) {
            let model = map
                .get(&format!("scsi{i}.virtualDev"))
                .unwrap_or("lsilogic")
                .to_string();
            devices.push(Device::ScsiController { index: i, model });
        }
    }
    for i in 0..4u32 {
        if map.get_bool(&format!("sata{i}.present")) == Some(true) {
            devices.push(Device::SataController { index: i });
        }
    }
    // Disks and CD-ROMs.
    let buses: [(Bus, u32, u32); 4] = [
        (Bus::Scsi, 4, 16),
        (Bus::Ide, 2, 2),
        (Bus::Sata, 4, 30),
        (Bus::Nvme, 4, 15),
    ];
    for (bus, controllers, units) in buses {
        for c in 0..controllers {
            for u in 0..units {
                let slot = Slot {
                    bus,
                    controller: c,
                    unit: u,
                };
                let p = slot.vmx_prefix();
                if map.get_bool(&format!("{p}.present")) != Some(true) {
                    continue;
                }
                let dtype = map
                    .get(&format!("{p}.deviceType"))
                    .unwrap_or("")
                    .to_ascii_lowercase();
                let file = map.get(&format!("{p}.fileName")).unwrap_or("");
                let connected = map.get_bool(&format!("{p}.startConnected")).unwrap_or(true);
                if dtype == "cdrom-image" {
                    devices.push(Device::Cdrom {
                        slot,
                        iso: Some(ctx.to_datastore_path(file)),
                        device: None,
                        connected,
                    });
                } else if dtype == "atapi-cdrom" || dtype == "cdrom-raw" {
                    devices.push(Device::Cdrom {
                        slot,
                        iso: None,
                        device: if file.is_empty() || file.eq_ignore_ascii_case("auto detect") {
                            None
                        } else {
                            Some(file.to_string())
                        },
                        connected,
                    });
                } else if file.to_ascii_lowercase().ends_with(".vmdk")
                    || dtype.contains("disk")
                    || dtype.is_empty()
                {
                    let mode = map
                        .get(&format!("{p}.mode"))
                        .unwrap_or("persistent")
                        .to_string();
                    devices.push(Device::Disk {
                        slot,
                        file: ctx.to_datastore_path(file),
                        capacity_kb: 0,
                        thin: true,
                        mode,
                    });
                }
            }
        }
    }
    for i in 0..2u32 {
        let p = format!("floppy{i}");
        if map.get_bool(&format!("{p}.present")) != Some(true) {
            continue;
        }
        let file = map.get(&format!("{p}.fileName")).map(|s| s.to_string());
        let ftype = map.get(&format!("{p}.fileType")).unwrap_or("device");
        if ftype.eq_ignore_ascii_case("file") {
            devices.push(Device::Floppy {
                index: i,
                image: file.map(|f| ctx.to_datastore_path(&f)),
                device: None,
            });
        } else {
            devices.push(Device::Floppy {
                index: i,
                image: None,
                device: file,
            });
        }
    }
    for i in 0..10u32 {
        let p = format!("ethernet{i}");
        if map.get_bool(&format!("{p}.present")) != Some(true) {
            continue;
        }
        let model = map
            .get(&format!("{p}.virtualDev"))
            .unwrap_or("vlance")
            .to_string();
        let address_type = map
            .get(&format!("{p}.addressType"))
            .unwrap_or("generated")
            .to_string();
        let mac = if address_type.eq_ignore_ascii_case("static") {
            map.get(&format!("{p}.address"))
        } else {
            map.get(&format!("{p}.generatedAddress"))
        }
        .unwrap_or("")
        .to_ascii_lowercase();
        let network = map
            .get(&format!("{p}.networkName"))
            .unwrap_or("")
            .to_string();
        let connected = map.get_bool(&format!("{p}.startConnected")).unwrap_or(true);
        devices.push(Device::Nic {
            index: i,
            model,
            mac,
            address_type,
            network,
            connected,
        });
    }
    for (kind, count) in [("serial", 4u32), ("parallel", 3u32)] {
        for i in 0..count {
            let p = format!("{kind}{i}");
            if map.get_bool(&format!("{p}.present")) != Some(true) {
                continue;
            }
            let ftype = map
                .get(&format!("{p}.fileType"))
                .unwrap_or("device")
                .to_ascii_lowercase();
            let file = map.get(&format!("{p}.fileName")).unwrap_or("").to_string();
            let backing = match ftype.as_str() {
                "file" => PortBacking::File {
                    path: ctx.to_datastore_path(&file),
                },
                "pipe" => PortBacking::Pipe {
                    path: file,
                    endpoint: map
                        .get(&format!("{p}.pipe.endPoint"))
                        .unwrap_or("server")
                        .to_string(),
                },
                "network" => PortBacking::Network {
                    uri: file,
                    direction: map
                        .get(&format!("{p}.network.endPoint"))
                        .unwrap_or("server")
                        .to_string(),
                },
                _ => PortBacking::Device { path: file },
            };
            if kind == "serial" {
                let yield_on_poll = map
                    .get_bool(&format!("{p}.yieldOnMsrRead"))
                    .unwrap_or(false);
                devices.push(Device::Serial {
                    index: i,
                    backing,
                    yield_on_poll,
                });
            } else {
                devices.push(Device::Parallel { index: i, backing });
            }
        }
    }
    // Only a file that mentions the SVGA adapter gets a video device; libvirt writes none
    // for a domain without <video>, and a round trip must not invent one.
    let svga_mentioned = map.get("svga.present").is_some() || map.get("svga.vramSize").is_some();
    if svga_mentioned && map.get_bool("svga.present") != Some(false) {
        let vram_kb = map
            .get_i64("svga.vramSize")
            .map(|b| b / 1024)
            .unwrap_or(4096);
        let displays = map.get_i64("svga.numDisplays").unwrap_or(1) as i32;
        devices.push(Device::Video { vram_kb, displays });
    }
    normalize_devices(&mut devices);
    let mut cfg = VmConfig {
        name,
        uuid,
        instance_uuid,
        guest_os: map.get("guestOS").unwrap_or("other").to_string(),
        version: format!("vmx-{:02}", map.get_i64("virtualHW.version").unwrap_or(4)),
        memory_mb,
        num_cpu,
        cores_per_socket,
        annotation,
        firmware: map.get("firmware").unwrap_or("bios").to_string(),
        cpu_alloc,
        mem_alloc,
        devices,
        extra: Vec::new(),
    };
    // Every entry the model would not write itself is kept verbatim, so a rewrite after a
    // reconfiguration loses nothing (libvirt's `sched.cpu.shares = "normal"`,
    // `serial1.tryNoRxLoss`, `ethernet0.checkMACAddress` ...).
    let rendered = VmxMap::parse(&config_to_vmx(&cfg, ctx));
    // A SCSI controller's bus sharing is written by the model as `none` unless the file
    // said otherwise: a shared bus is kept with the other keys and wins when rewritten.
    cfg.extra = map
        .entries
        .iter()
        .filter(|(k, v)| match rendered.get(k) {
            None => true,
            Some(r) => is_shared_bus_key(k) && r != v,
        })
        .cloned()
        .collect();
    Ok(cfg)
}

/// Whether `key` is a SCSI controller's `scsiN.sharedBus`.
fn is_shared_bus_key(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    lower
        .strip_prefix("scsi")
        .and_then(|r| r.strip_suffix(".sharedbus"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The value of a VMX key the model keeps verbatim in `extra` (case-insensitive), such as
/// `uefi.secureBoot.enabled`, `ctkEnabled`, `scsi0:1.sharing` or `encryption.keySafe`.
pub fn extra_value<'a>(cfg: &'a VmConfig, key: &str) -> Option<&'a str> {
    cfg.extra
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
}

/// A boolean VMX key of `extra` (`TRUE`, `true`, `1`, `yes`); `false` when absent.
pub fn extra_bool(cfg: &VmConfig, key: &str) -> bool {
    extra_value(cfg, key).is_some_and(|v| {
        let v = v.trim().to_ascii_lowercase();
        v == "true" || v == "1" || v == "yes"
    })
}

/// Render a VM configuration as VMX text.
pub fn config_to_vmx(cfg: &VmConfig, ctx: &PathContext<'_>) -> String {
    let mut m = VmxMap::default();
    m.set(".encoding", "UTF-8");
    m.set("config.version", "8");
    let hw = cfg
        .version
        .strip_prefix("vmx-")
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(4);
    m.set("virtualHW.version", hw.to_string());
    m.set(
        "displayName",
        esxvirt_util::escape_hex(&cfg.name, '|', "\"\n\r"),
    );
    if !cfg.annotation.is_empty() {
        m.set(
            "annotation",
            esxvirt_util::escape_hex(&cfg.annotation, '|', "\"\n\r"),
        );
    }
    m.set("guestOS", cfg.guest_os.clone());
    if !cfg.uuid.is_empty() {
        m.set("uuid.bios", uuid_to_vmx(&cfg.uuid));
    }
    if !cfg.instance_uuid.is_empty() {
        m.set("vc.uuid", uuid_to_vmx(&cfg.instance_uuid));
    }
    if cfg.firmware != "bios" {
        m.set("firmware", cfg.firmware.clone());
    }
    m.set("memsize", cfg.memory_mb.to_string());
    m.set("numvcpus", cfg.num_cpu.to_string());
    if cfg.cores_per_socket > 1 {
        m.set("cpuid.coresPerSocket", cfg.cores_per_socket.to_string());
    }
    if cfg.cpu_alloc.reservation > 0 {
        m.set("sched.cpu.min", cfg.cpu_alloc.reservation.to_string());
    }
    if cfg.cpu_alloc.limit >= 0 {
        m.set("sched.cpu.max", cfg.cpu_alloc.limit.to_string());
    }
    // Normal shares are the default: written only when something else was chosen.
    if cfg.cpu_alloc.shares_level != "normal" {
        m.set("sched.cpu.shares", shares_to_vmx(&cfg.cpu_alloc));
    }
    if cfg.mem_alloc.reservation > 0 {
        m.set("sched.mem.min", cfg.mem_alloc.reservation.to_string());
        m.set("sched.mem.minsize", cfg.mem_alloc.reservation.to_string());
    }
    if cfg.mem_alloc.limit >= 0 {
        m.set("sched.mem.max", cfg.mem_alloc.limit.to_string());
    }
    if cfg.mem_alloc.shares_level != "normal" {
        m.set("sched.mem.shares", shares_to_vmx(&cfg.mem_alloc));
    }
    for d in &cfg.devices {
        match d {
            Device::ScsiController { index, model } => {
                m.set(&format!("scsi{index}.present"), "TRUE");
                let key = format!("scsi{index}.sharedBus");
                let shared = extra_value(cfg, &key).unwrap_or("none").to_string();
                m.set(&key, shared);
                m.set(&format!("scsi{index}.virtualDev"), model.clone());
            }
            Device::SataController { index } => {
                m.set(&format!("sata{index}.present"), "TRUE");
            }
            _ => {}
        }
    }
    for d in &cfg.devices {
        match d {
            Device::Disk {
                slot, file, mode, ..
            } => {
                let p = slot.vmx_prefix();
                m.set(&format!("{p}.present"), "TRUE");
                m.set(
                    &format!("{p}.deviceType"),
                    match slot.bus {
                        Bus::Scsi => "scsi-hardDisk",
                        Bus::Ide => "ata-hardDisk",
                        Bus::Sata | Bus::Nvme => "disk",
                    },
                );
                m.set(&format!("{p}.fileName"), ctx.to_vmx_file(file));
                if mode != "persistent" {
                    m.set(&format!("{p}.mode"), mode.clone());
                }
            }
            Device::Cdrom {
                slot,
                iso,
                device,
                connected,
            } => {
                let p = slot.vmx_prefix();
                m.set(&format!("{p}.present"), "TRUE");
                if let Some(iso) = iso {
                    m.set(&format!("{p}.deviceType"), "cdrom-image");
                    m.set(&format!("{p}.fileName"), ctx.to_vmx_file(iso));
                } else {
                    let kind = if slot.bus == Bus::Scsi {
                        "cdrom-raw"
                    } else {
                        "atapi-cdrom"
                    };
                    m.set(&format!("{p}.deviceType"), kind);
                    m.set(
                        &format!("{p}.fileName"),
                        device.clone().unwrap_or_else(|| "auto detect".into()),
                    );
                }
                if !connected {
                    m.set(&format!("{p}.startConnected"), "FALSE");
                }
            }
            _ => {}
        }
    }
    for d in &cfg.devices {
        match d {
            Device::Floppy {
                index,
                image,
                device,
            } => {
                let p = format!("floppy{index}");
                m.set(&format!("{p}.present"), "TRUE");
                if let Some(img) = image {
                    m.set(&format!("{p}.fileType"), "file");
                    m.set(&format!("{p}.fileName"), ctx.to_vmx_file(img));
                } else {
                    m.set(&format!("{p}.fileType"), "device");
                    if let Some(dev) = device {
                        m.set(&format!("{p}.fileName"), dev.clone());
                    }
                }
            }
            Device::Nic {
                index,
                model,
                mac,
                address_type,
                network,
                connected,
            } => {
                let p = format!("ethernet{index}");
                m.set(&format!("{p}.present"), "TRUE");
                m.set(&format!("{p}.virtualDev"), model.clone());
                m.set(&format!("{p}.networkName"), network.clone());
                m.set(&format!("{p}.connectionType"), "bridged");
                m.set(&format!("{p}.addressType"), address_type.clone());
                if address_type.eq_ignore_ascii_case("static") {
                    m.set(&format!("{p}.address"), mac.clone());
                } else {
                    m.set(&format!("{p}.generatedAddress"), mac.clone());
                    m.set(&format!("{p}.generatedAddressOffset"), "0");
                }
                if !connected {
                    m.set(&format!("{p}.startConnected"), "FALSE");
                }
            }
            Device::Serial {
                index,
                backing,
                yield_on_poll,
            } => {
                let p = format!("serial{index}");
                m.set(&format!("{p}.present"), "TRUE");
                write_port_backing(&mut m, &p, backing, ctx);
                if *yield_on_poll {
                    m.set(&format!("{p}.yieldOnMsrRead"), "TRUE");
                }
            }
            Device::Parallel { index, backing } => {
                let p = format!("parallel{index}");
                m.set(&format!("{p}.present"), "TRUE");
                write_port_backing(&mut m, &p, backing, ctx);
            }
            Device::Video { vram_kb, displays } => {
                m.set("svga.present", "TRUE");
                m.set("svga.vramSize", (vram_kb * 1024).to_string());
                if *displays > 1 {
                    m.set("svga.numDisplays", displays.to_string());
                }
            }
            _ => {}
        }
    }
    for (k, v) in &cfg.extra {
        if m.get(k).is_none() {
            m.entries.push((k.clone(), v.clone()));
        }
    }
    m.render()
}

fn write_port_backing(m: &mut VmxMap, p: &str, backing: &PortBacking, ctx: &PathContext<'_>) {
    match backing {
        PortBacking::File { path } => {
            m.set(&format!("{p}.fileType"), "file");
            m.set(&format!("{p}.fileName"), ctx.to_vmx_file(path));
        }
        PortBacking::Device { path } => {
            m.set(&format!("{p}.fileType"), "device");
            m.set(&format!("{p}.fileName"), path.clone());
        }
        PortBacking::Pipe { path, endpoint } => {
            m.set(&format!("{p}.fileType"), "pipe");
            m.set(&format!("{p}.fileName"), path.clone());
            m.set(&format!("{p}.pipe.endPoint"), endpoint.clone());
        }
        PortBacking::Network { uri, direction } => {
            m.set(&format!("{p}.fileType"), "network");
            m.set(&format!("{p}.fileName"), uri.clone());
            m.set(&format!("{p}.network.endPoint"), direction.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> PathContext<'static> {
        PathContext {
            datastore: "datastore1",
            directory: "web",
            datastores: vec![("datastore1".into(), "5f1a-uuid".into())],
        }
    }

    #[test]
    fn lenient_parse_takes_multi_line_values() {
        let m = VmxMap::parse(
            "# c\na = \"1\"\nannotation = \"multi\nline |22x|22\"\nb = 2 # n\nnoeq\nA = \"3\"\n",
        );
        assert_eq!(
            m.entries,
            vec![
                ("a".to_string(), "3".to_string()),
                ("annotation".to_string(), "multi\nline |22x|22".to_string()),
                ("b".to_string(), "2".to_string()),
            ]
        );
    }

    #[test]
    fn uuid_round_trip() {
        let u = "564d8de8-1e9f-a13e-71fa-13a8e1a7fd70";
        let v = uuid_to_vmx(u);
        assert_eq!(v, "56 4d 8d e8 1e 9f a1 3e-71 fa 13 a8 e1 a7 fd 70");
        assert_eq!(uuid_from_vmx(&v).as_deref(), Some(u));
    }

    #[test]
    fn paths_resolve_both_ways() {
        let c = ctx();
        assert_eq!(c.to_datastore_path("web.vmdk"), "[datastore1] web/web.vmdk");
        assert_eq!(
            c.to_datastore_path("/vmfs/volumes/5f1a-uuid/iso/a.iso"),
            "[datastore1] iso/a.iso"
        );
        assert_eq!(c.to_vmx_file("[datastore1] web/web.vmdk"), "web.vmdk");
        assert_eq!(
            c.to_vmx_file("[nfs] iso/a.iso"),
            "/vmfs/volumes/nfs/iso/a.iso"
        );
        assert_eq!(c.to_datastore_path("/dev/cdrom"), "/dev/cdrom");
    }

    #[test]
    fn guest_ids() {
        assert_eq!(api_guest_id("ubuntu-64"), "ubuntu64Guest");
        assert_eq!(api_guest_id("other"), "otherGuest");
        assert_eq!(api_guest_id("rhel7-64"), "rhel7_64Guest");
        assert_eq!(vmx_guest_os("rhel7_64Guest"), "rhel7-64");
        assert_eq!(vmx_guest_os("otherGuest"), "other");
    }

    #[test]
    fn a_shared_scsi_bus_survives_a_round_trip() {
        let text = "displayName = \"c\"\nscsi1.present = \"TRUE\"\nscsi1.sharedBus = \"physical\"\nscsi0.present = \"TRUE\"\nscsi0.sharedBus = \"none\"\nuefi.secureBoot.enabled = \"TRUE\"\n";
        let cfg = config_from_vmx(text, &ctx()).unwrap();
        assert_eq!(extra_value(&cfg, "SCSI1.sharedBus"), Some("physical"));
        assert_eq!(
            extra_value(&cfg, "scsi0.sharedBus"),
            None,
            "the default is the model's"
        );
        assert!(extra_bool(&cfg, "uefi.secureboot.enabled"));
        let out = VmxMap::parse(&config_to_vmx(&cfg, &ctx()));
        assert_eq!(out.get("scsi1.sharedBus"), Some("physical"));
        assert_eq!(out.get("scsi0.sharedBus"), Some("none"));
        assert_eq!(
            out.entries
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case("scsi1.sharedBus"))
                .count(),
            1
        );
        assert!(!is_shared_bus_key("scsi.sharedBus"));
    }

    #[test]
    fn config_round_trip_keeps_unknown_keys() {
        let text = include_str!("../../../../testdata/fixtures/unknown-keys.vmx");
        let cfg = config_from_vmx(text, &ctx()).unwrap();
        assert_eq!(cfg.name, "web|01");
        assert_eq!(cfg.annotation, "line\nquote\"");
        assert_eq!(cfg.memory_mb, 2048);
        assert_eq!(cfg.cpu_alloc.reservation, 500);
        assert_eq!(cfg.cpu_alloc.shares, 4000);
        assert_eq!(cfg.mem_alloc.reservation, 512);
        assert_eq!(cfg.extra, vec![("tools.syncTime".into(), "FALSE".into())]);
        assert!(cfg.devices.contains(&Device::Nic {
            index: 0,
            model: "vmxnet3".into(),
            mac: "00:50:56:aa:bb:cc".into(),
            address_type: "static".into(),
            network: "VM Network".into(),
            connected: true,
        }));
        let again = config_from_vmx(&config_to_vmx(&cfg, &ctx()), &ctx()).unwrap();
        assert_eq!(cfg, again);
    }
}
