//! Reading a [`Domain`] from XML. The parser keeps what the document says; libvirt's
//! defaults are applied afterwards by [`Domain::post_parse`](super::Domain::post_parse).
//!
//! Unknown top-level elements are ignored, as libvirt ignores them. Inside `<devices>`,
//! device kinds libvirt knows but VMX cannot express (`<input>`, `<sound>`, ...) are recorded
//! in [`Devices::unsupported`](super::Devices::unsupported); an element libvirt does not know
//! at all is an error.

use super::*;
use crate::dom::{self, Element};
use crate::values_parse::*;

/// Device elements libvirt accepts that this model does not represent.
const OTHER_LIBVIRT_DEVICES: &[&str] = &[
    "lease",
    "hostdev",
    "redirdev",
    "redirfilter",
    "smartcard",
    "channel",
    "input",
    "sound",
    "audio",
    "watchdog",
    "rng",
    "hub",
    "panic",
    "shmem",
    "memory",
    "iommu",
    "vsock",
    "tpm",
    "nvram",
    "crypto",
];

/// Architectures libvirt knows (`<type arch=...>`).
const ARCHES: &[&str] = &[
    "none",
    "alpha",
    "armv6l",
    "armv7l",
    "armv7b",
    "aarch64",
    "cris",
    "i686",
    "ia64",
    "lm32",
    "loongarch64",
    "m68k",
    "microblaze",
    "microblazeel",
    "mips",
    "mipsel",
    "mips64",
    "mips64el",
    "openrisc",
    "parisc",
    "parisc64",
    "ppc",
    "ppcle",
    "ppc64",
    "ppc64le",
    "ppcemb",
    "riscv32",
    "riscv64",
    "s390",
    "s390x",
    "sh4",
    "sh4eb",
    "sparc",
    "sparc64",
    "unicore32",
    "x86_64",
    "xtensa",
    "xtensaeb",
];

/// OS types libvirt knows (`<type>hvm</type>`).
const OS_TYPES: &[&str] = &["hvm", "xen", "linux", "exe", "uml", "xenpvh"];

fn text_of(el: &Element) -> &str {
    el.text.as_str()
}

impl Domain {
    /// Reads a domain XML document as libvirt does: parse, apply libvirt's post-parse defaults
    /// ([`Domain::post_parse`]) and run its validation ([`Domain::validate`]).
    pub fn from_xml(xml: &str) -> Result<Domain, XmlError> {
        let mut d = Domain::from_xml_raw(xml)?;
        d.post_parse()?;
        d.validate()?;
        Ok(d)
    }

    /// Parses a domain XML document without post-parse defaults or validation: the model holds
    /// what the document says (with disks in the order libvirt's reader puts them, and
    /// libvirt's read-time rules: a disk without `<source>` is a file disk, parallel ports are
    /// numbered).
    pub fn from_xml_raw(xml: &str) -> Result<Domain, XmlError> {
        let root = dom::parse(xml)?;
        if root.name != "domain" {
            return Err(XmlError::WrongRoot {
                expected: "domain".into(),
                found: root.name.clone(),
            });
        }
        parse_domain(&root)
    }
}

fn parse_domain(root: &Element) -> Result<Domain, XmlError> {
    let mut d = Domain {
        domain_type: attr_enum_req(root, "type")?,
        ..Domain::default()
    };
    d.id = attr_signed::<i32>(root, "id")?.filter(|i| *i >= 0);

    let name = root
        .single("name")?
        .ok_or_else(|| XmlError::missing("<name> in <domain>"))?;
    if name.text.is_empty() {
        return Err(XmlError::invalid(
            "<name>",
            "",
            "expected a non-empty domain name",
        ));
    }
    d.name = name.text.clone();

    // libvirt reads these through XPath string(), which treats an empty element as absent.
    if let Some(u) = root.single("uuid")?.filter(|u| !u.text.is_empty()) {
        d.uuid = Some(
            u.text
                .parse()
                .map_err(|e: &str| XmlError::invalid("<uuid>", &u.text, e))?,
        );
    }
    if let Some(g) = root.single("genid")? {
        d.genid = Some(if g.text.trim().is_empty() {
            Genid::Auto
        } else {
            Genid::Value(
                g.text
                    .parse()
                    .map_err(|e: &str| XmlError::invalid("<genid>", &g.text, e))?,
            )
        });
    }
    if let Some(t) = root.single("title")?.filter(|t| !t.text.is_empty()) {
        if t.text.contains('\n') {
            return Err(XmlError::invalid(
                "<title>",
                &t.text,
                "a title cannot contain newlines",
            ));
        }
        d.title = Some(t.text.clone());
    }
    if let Some(desc) = root.single("description")?.filter(|d| !d.text.is_empty()) {
        d.description = Some(desc.text.clone());
    }

    let mem = root
        .single("memory")?
        .ok_or_else(|| XmlError::missing("<memory> in <domain>"))?;
    d.memory_kib = scaled_kib(mem, "KiB")?;
    if let Some(c) = root.single("currentMemory")? {
        d.current_memory_kib = Some(scaled_kib(c, "KiB")?);
    }
    if let Some(mt) = root.single("memtune")? {
        let limit = |name: &str| -> Result<Option<u64>, XmlError> {
            mt.single(name)?.map(|e| scaled_kib(e, "KiB")).transpose()
        };
        d.memtune = MemTune {
            hard_limit: limit("hard_limit")?,
            soft_limit: limit("soft_limit")?,
            min_guarantee: limit("min_guarantee")?,
            swap_hard_limit: limit("swap_hard_limit")?,
        };
    }
    if let Some(v) = root.single("vcpu")? {
        d.vcpu = parse_vcpu(v)?;
    }
    if let Some(ct) = root.single("cputune")? {
        if let Some(s) = ct.single("shares")? {
            d.cputune.shares = Some(parse_unsigned(&el_what(s), text_of(s))?);
        }
    }
    let os = root
        .single("os")?
        .ok_or_else(|| XmlError::missing("<os> in <domain>"))?;
    d.os = parse_os(os)?;
    if let Some(cpu) = root.single("cpu")? {
        d.cpu = Some(parse_cpu(cpu)?);
    }
    if let Some(c) = root.single("clock")? {
        if let Some(o) = attr_enum(c, "offset")? {
            d.clock.offset = o;
        }
    }
    for (name, slot) in [
        ("on_poweroff", &mut d.on_poweroff),
        ("on_reboot", &mut d.on_reboot),
        ("on_crash", &mut d.on_crash),
    ] {
        if let Some(e) = root.single(name)? {
            *slot = text_enum(e)?;
        }
    }
    if let Some(devs) = root.single("devices")? {
        d.devices = parse_devices(devs)?;
    }
    for child in &root.children {
        // libvirt's VMware namespace; the prefix is whatever the document bound.
        if child.name.contains(':') {
            match child.local_name() {
                "datacenterpath" => d.vmware_datacenter_path = Some(child.text.clone()),
                "moref" => d.vmware_moref = Some(child.text.clone()),
                _ => {}
            }
        }
    }
    Ok(d)
}

fn parse_vcpu(v: &Element) -> Result<Vcpu, XmlError> {
    let count: u32 = parse_unsigned(&el_what(v), text_of(v))?;
    if count == 0 {
        return Err(XmlError::invalid(
            "<vcpu>",
            "0",
            "expected at least one vCPU",
        ));
    }
    let current = attr_unsigned::<u32>(v, "current")?;
    if let Some(c) = current {
        if c == 0 || c > count {
            return Err(XmlError::invalid(
                attr_what(v, "current"),
                c.to_string(),
                format!("expected between 1 and {count}"),
            ));
        }
    }
    let cpuset = match v.attr("cpuset") {
        None => None,
        Some(s) => {
            let set: CpuSet = s
                .parse()
                .map_err(|e: String| XmlError::invalid(attr_what(v, "cpuset"), s, e))?;
            if set.is_empty() {
                return Err(XmlError::invalid(
                    attr_what(v, "cpuset"),
                    s,
                    "the CPU set is empty",
                ));
            }
            Some(set)
        }
    };
    Ok(Vcpu {
        count,
        current,
        placement: attr_enum(v, "placement")?.unwrap_or(VcpuPlacement::Static),
        cpuset,
    })
}

fn parse_os(os: &Element) -> Result<Os, XmlError> {
    let t = os
        .single("type")?
        .ok_or_else(|| XmlError::missing("<type> in <os>"))?;
    let os_type = t.text.as_str();
    if !OS_TYPES.contains(&os_type) {
        return Err(XmlError::invalid(
            "<type> in <os>",
            &t.text,
            "expected one of 'hvm', 'xen', 'linux', 'exe', 'uml', 'xenpvh'",
        ));
    }
    if let Some(a) = t.attr("arch") {
        if !ARCHES.contains(&a) {
            return Err(XmlError::invalid(
                attr_what(t, "arch"),
                a,
                "expected a known architecture like 'i686' or 'x86_64'",
            ));
        }
    }
    let mut boot = Vec::new();
    for b in os.children_named("boot") {
        boot.push(attr_enum_req(b, "dev")?);
    }
    Ok(Os {
        os_type: os_type.to_string(),
        arch: t.attr("arch").map(str::to_string),
        machine: t.attr("machine").map(str::to_string),
        firmware: attr_enum(os, "firmware")?,
        boot,
        smbios_mode: os
            .single("smbios")?
            .map(|s| attr_enum_req(s, "mode"))
            .transpose()?,
    })
}

fn parse_cpu(cpu: &Element) -> Result<Cpu, XmlError> {
    let topology = match cpu.single("topology")? {
        None => None,
        Some(t) => {
            let req = |name: &str| -> Result<u32, XmlError> {
                let v: u32 =
                    attr_unsigned(t, name)?.ok_or_else(|| XmlError::missing(attr_what(t, name)))?;
                if v == 0 {
                    return Err(XmlError::invalid(
                        attr_what(t, name),
                        "0",
                        "expected a positive number",
                    ));
                }
                Ok(v)
            };
            let dies = match attr_unsigned::<u32>(t, "dies")? {
                Some(0) => {
                    return Err(XmlError::invalid(
                        attr_what(t, "dies"),
                        "0",
                        "expected a positive number",
                    ))
                }
                Some(d) => d,
                None => 1,
            };
            Some(CpuTopology {
                sockets: req("sockets")?,
                dies,
                cores: req("cores")?,
                threads: req("threads")?,
            })
        }
    };
    Ok(Cpu {
        mode: attr_enum(cpu, "mode")?,
        topology,
    })
}

fn parse_devices(devs: &Element) -> Result<Devices, XmlError> {
    let mut d = Devices::default();
    for el in &devs.children {
        match el.name.as_str() {
            "emulator" => d.emulator = Some(el.text.clone()),
            "disk" => insert_disk(&mut d.disks, parse_disk(el)?),
            "controller" => d.controllers.push(parse_controller(el)?),
            "filesystem" => d.filesystems.push(parse_filesystem(el)?),
            "interface" => d.interfaces.push(parse_interface(el)?),
            "serial" => d.serials.push(parse_chardev(el)?),
            "parallel" => {
                // libvirt numbers an unnumbered parallel port while reading, after the highest
                // port among the ones before it (serial ports are numbered later, over all).
                let mut p = parse_chardev(el)?;
                if p.target_port.is_none() {
                    let max = d.parallels.iter().filter_map(|c| c.target_port).max();
                    p.target_port = Some(max.map_or(0, |m| m.saturating_add(1)));
                }
                d.parallels.push(p);
            }
            "console" => d.consoles.push(parse_chardev(el)?),
            "graphics" => d.graphics.push(parse_graphics(el)?),
            "video" => d.videos.push(parse_video(el)?),
            "memballoon" => {
                if d.memballoon.is_some() {
                    return Err(XmlError::Duplicate {
                        what: "<memballoon> in <devices>".into(),
                    });
                }
                d.memballoon = Some(MemBalloon {
                    model: attr_req(el, "model")?.to_string(),
                });
            }
            other if OTHER_LIBVIRT_DEVICES.contains(&other) => {
                d.unsupported.push(other.to_string())
            }
            other => return Err(XmlError::UnknownDevice(other.to_string())),
        }
    }
    Ok(d)
}

/// Adds a disk where libvirt's reader puts it: after the last disk on the same bus (as
/// written in the document, absent bus counting as its own group) whose name sorts before it,
/// before the first such disk whose name sorts after it; the first of its bus goes last.
fn insert_disk(disks: &mut Vec<Disk>, disk: Disk) {
    let index = |d: &Disk| disk_name_index_wrapping(&d.target.dev).map_or(-1, i64::from);
    let new_index = index(&disk);
    let mut at = None;
    for (i, cur) in disks.iter().enumerate().rev() {
        if cur.target.bus != disk.target.bus {
            continue;
        }
        if index(cur) > new_index {
            at = Some(i);
        } else if at.is_none() {
            at = Some(i + 1);
        }
    }
    match at {
        Some(i) => disks.insert(i, disk),
        None => disks.push(disk),
    }
}

fn parse_disk(el: &Element) -> Result<Disk, XmlError> {
    let disk_type = attr_enum(el, "type")?.unwrap_or(DiskType::File);
    if !matches!(disk_type, DiskType::File | DiskType::Block | DiskType::Dir) {
        return Err(XmlError::invalid(
            attr_what(el, "type"),
            disk_type.as_str(),
            "only 'file', 'block' and 'dir' disks are supported",
        ));
    }
    let mut disk = Disk {
        disk_type,
        device: attr_enum(el, "device")?.unwrap_or(DiskDevice::Disk),
        ..Disk::default()
    };
    if let Some(drv) = el.single("driver")? {
        disk.driver = Some(DiskDriver {
            name: drv.attr("name").map(str::to_string),
            format: drv.attr("type").map(str::to_string),
            cache: attr_enum(drv, "cache")?,
        });
    }
    let source = el.single("source")?;
    if source.is_none() {
        // libvirt: a disk without <source> is read as type 'file' whatever the document says.
        disk.disk_type = DiskType::File;
    }
    if let Some(src) = source {
        let attr = match disk_type {
            DiskType::Block => "dev",
            DiskType::Dir => "dir",
            _ => "file",
        };
        disk.source = src.attr(attr).map(str::to_string);
        disk.startup_policy = attr_enum(src, "startupPolicy")?;
    }
    let target = el
        .single("target")?
        .ok_or_else(|| XmlError::missing("<target> in <disk>"))?;
    disk.target = DiskTarget {
        dev: attr_req(target, "dev")?.to_string(),
        bus: attr_enum(target, "bus")?,
    };
    disk.readonly = el.single("readonly")?.is_some();
    disk.shareable = el.single("shareable")?.is_some();
    disk.transient = el.single("transient")?.is_some();
    disk.address = parse_drive_address(el)?;
    Ok(disk)
}

fn parse_drive_address(parent: &Element) -> Result<Option<DriveAddress>, XmlError> {
    let Some(a) = parent.single("address")? else {
        return Ok(None);
    };
    let t = attr_req(a, "type")?;
    if t != "drive" {
        return Err(XmlError::invalid(
            attr_what(a, "type"),
            t,
            format!("only 'drive' addresses are supported for <{}>", parent.name),
        ));
    }
    Ok(Some(DriveAddress {
        controller: attr_unsigned(a, "controller")?.unwrap_or(0),
        bus: attr_unsigned(a, "bus")?.unwrap_or(0),
        target: attr_unsigned(a, "target")?.unwrap_or(0),
        unit: attr_unsigned(a, "unit")?.unwrap_or(0),
    }))
}

fn parse_controller(el: &Element) -> Result<Controller, XmlError> {
    let controller_type: ControllerType = attr_enum_req(el, "type")?;
    let index = attr_unsigned::<u32>(el, "index")?;
    let model = match el.attr("model") {
        None => None,
        Some(m) if controller_type == ControllerType::Scsi => Some(ControllerModel::Scsi(
            ScsiModel::from_xml_str(m).ok_or_else(|| {
                XmlError::invalid(attr_what(el, "model"), m, ScsiModel::expected())
            })?,
        )),
        Some(m) => Some(ControllerModel::Other(m.to_string())),
    };
    // A missing index is filled in by post_parse (libvirt: next free index of that type);
    // u32::MAX marks it meanwhile.
    Ok(Controller {
        controller_type,
        index: index.unwrap_or(u32::MAX),
        model,
    })
}

fn parse_filesystem(el: &Element) -> Result<Filesystem, XmlError> {
    let fs_type = attr_enum(el, "type")?.unwrap_or(FsType::Mount);
    let src_attr = match fs_type {
        FsType::Block => "dev",
        FsType::File => "file",
        FsType::Template => "name",
        FsType::Ram => "usage",
        _ => "dir",
    };
    let source_dir = el
        .single("source")?
        .and_then(|s| s.attr(src_attr))
        .unwrap_or_default()
        .to_string();
    let target = el
        .single("target")?
        .ok_or_else(|| XmlError::missing("<target> in <filesystem>"))?;
    Ok(Filesystem {
        fs_type,
        access_mode: attr_enum(el, "accessmode")?,
        source_dir,
        target_dir: attr_req(target, "dir")?.to_string(),
        readonly: el.single("readonly")?.is_some(),
    })
}

fn parse_interface(el: &Element) -> Result<Interface, XmlError> {
    let t = attr_req(el, "type")?;
    let src = el.single("source")?;
    let src_attr = |name: &str| src.and_then(|s| s.attr(name));
    let need = |name: &str| -> Result<String, XmlError> {
        src_attr(name).map(str::to_string).ok_or_else(|| {
            XmlError::missing(format!(
                "attribute '{name}' of <source> in <interface type='{t}'>"
            ))
        })
    };
    let source = match t {
        "bridge" => InterfaceSource::Bridge {
            bridge: need("bridge")?,
        },
        "network" => InterfaceSource::Network {
            network: need("network")?,
            portgroup: src_attr("portgroup").map(str::to_string),
        },
        "user" => InterfaceSource::User,
        "ethernet" => InterfaceSource::Ethernet,
        "direct" => InterfaceSource::Direct {
            dev: need("dev")?,
            mode: src_attr("mode").map(str::to_string),
        },
        "null" => InterfaceSource::Null,
        "vds" => {
            let s = src.ok_or_else(|| XmlError::missing("<source> in <interface type='vds'>"))?;
            let sw = need("switchid")?;
            InterfaceSource::Vds {
                switch_id: sw
                    .parse()
                    .map_err(|e: &str| XmlError::invalid(attr_what(s, "switchid"), &sw, e))?,
                port_id: attr_signed(s, "portid")?.unwrap_or(0),
                portgroup_id: s.attr("portgroupid").map(str::to_string),
                connection_id: attr_signed(s, "connectionid")?.unwrap_or(0),
            }
        }
        other => {
            return Err(XmlError::invalid(
                attr_what(el, "type"),
                other,
                "expected one of 'bridge', 'network', 'user', 'ethernet', 'direct', 'vds', 'null'",
            ))
        }
    };
    // libvirt generates an address when <mac> has none; the model leaves that to the caller.
    let mac = match el.single("mac")?.filter(|m| m.attr("address").is_some()) {
        None => None,
        Some(m) => {
            let a = attr_req(m, "address")?;
            let address: MacAddr = a
                .parse()
                .map_err(|e: &str| XmlError::invalid(attr_what(m, "address"), a, e))?;
            if address.0[0] & 1 != 0 {
                return Err(XmlError::invalid(
                    attr_what(m, "address"),
                    a,
                    "expected unicast mac address, found multicast",
                ));
            }
            Some(Mac {
                address,
                mac_type: attr_enum(m, "type")?,
                check: attr_yes_no(m, "check")?,
            })
        }
    };
    Ok(Interface {
        source,
        mac,
        target_dev: el
            .single("target")?
            .and_then(|t| t.attr("dev"))
            .map(str::to_string),
        model: match el.single("model")? {
            None => None,
            Some(m) => {
                let t = attr_req(m, "type")?;
                NetModel::parse_libvirt(t)
                    .map_err(|e| XmlError::invalid(attr_what(m, "type"), t, e))?
            }
        },
    })
}

fn parse_chardev(el: &Element) -> Result<CharDevice, XmlError> {
    let t = el.attr("type").unwrap_or("pty");
    let sources: Vec<&Element> = el.children_named("source").collect();
    let first = sources.first().copied();
    let path = || first.and_then(|s| s.attr("path")).map(str::to_string);
    let need_path = || {
        path().ok_or_else(|| {
            XmlError::missing(format!(
                "attribute 'path' of <source> in <{} type='{t}'>",
                el.name
            ))
        })
    };
    if sources.len() > 1 && t != "udp" {
        return Err(XmlError::Duplicate {
            what: format!("<source> in <{}>", el.name),
        });
    }
    let mode_is_bind = |s: &Element| -> Result<bool, XmlError> {
        match s.attr("mode") {
            None | Some("connect") => Ok(false),
            Some("bind") => Ok(true),
            Some(v) => Err(XmlError::invalid(
                attr_what(s, "mode"),
                v,
                "expected 'bind' or 'connect'",
            )),
        }
    };
    let source = match t {
        "null" => CharSource::Null,
        "vc" => CharSource::Vc,
        "pty" => CharSource::Pty,
        "stdio" => CharSource::Stdio,
        "dev" => CharSource::Dev { path: need_path()? },
        "file" => CharSource::File { path: need_path()? },
        "pipe" => CharSource::Pipe { path: need_path()? },
        "tcp" => {
            let s = first.ok_or_else(|| XmlError::missing(format!("<source> in <{} type='tcp'>", el.name)))?;
            let protocol = match el.single("protocol")? {
                None => TcpProtocol::Raw,
                Some(p) => attr_enum(p, "type")?.unwrap_or(TcpProtocol::Raw),
            };
            // libvirt's validation insists on both (messages as libvirt words them).
            let host = s.attr("host").ok_or_else(|| XmlError::Invalid("Missing source host attribute for char device".into()))?;
            let service =
                s.attr("service").ok_or_else(|| XmlError::Invalid("Missing source service attribute for char device".into()))?;
            CharSource::Tcp { listen: mode_is_bind(s)?, host: Some(host.to_string()), service: Some(service.to_string()), protocol }
        }
        "udp" => {
            let mut src = CharSource::Udp { bind_host: None, bind_service: None, connect_host: None, connect_service: None };
            if let CharSource::Udp { bind_host, bind_service, connect_host, connect_service } = &mut src {
                for s in &sources {
                    let host = s.attr("host").map(str::to_string);
                    let service = s.attr("service").map(str::to_string);
                    if mode_is_bind(s)? {
                        (*bind_host, *bind_service) = (host, service);
                    } else {
                        (*connect_host, *connect_service) = (host, service);
                    }
                }
            }
            if matches!(&src, CharSource::Udp { connect_service: None, .. }) {
                return Err(XmlError::Invalid("Missing source service attribute for char device".into()));
            }
            src
        }
        "unix" => CharSource::Unix { listen: first.map(mode_is_bind).transpose()?.unwrap_or(false), path: Some(need_path()?) },
        other => {
            return Err(XmlError::invalid(
                attr_what(el, "type"),
                other,
                "expected one of 'null', 'vc', 'pty', 'stdio', 'dev', 'file', 'pipe', 'tcp', 'udp', 'unix'",
            ))
        }
    };
    let target = el.single("target")?;
    Ok(CharDevice {
        source,
        target_type: target.and_then(|t| t.attr("type")).map(str::to_string),
        target_port: target
            .map(|t| attr_unsigned::<u32>(t, "port"))
            .transpose()?
            .flatten(),
    })
}

fn parse_graphics(el: &Element) -> Result<Graphics, XmlError> {
    let t = attr_req(el, "type")?;
    match t {
        "vnc" => {}
        "sdl" | "rdp" | "desktop" | "spice" | "egl-headless" | "dbus" => {
            return Ok(Graphics::Other(t.to_string()))
        }
        other => {
            return Err(XmlError::invalid(
                attr_what(el, "type"),
                other,
                "expected one of 'vnc', 'sdl', 'rdp', 'desktop', 'spice', 'egl-headless', 'dbus'",
            ))
        }
    }
    // libvirt (reading inactive definitions, as define and domxml-to-native do): no port or
    // port -1 means autoport; autoport='yes' drops any port; an unreadable autoport value is
    // ignored, like libvirt ignores it.
    let (mut port, mut autoport) = match el.attr("port") {
        None => (0, true),
        Some(p) => match parse_signed::<i32>(&attr_what(el, "port"), p)? {
            -1 => (0, true),
            n => (n, false),
        },
    };
    match el.attr("autoport") {
        Some("yes") => {
            autoport = true;
            port = 0;
        }
        Some("no") => autoport = false,
        _ => {}
    }
    let mut listens = Vec::new();
    for l in el.children_named("listen") {
        let lt = attr_req(l, "type")?;
        listens.push(match lt {
            "address" => GraphicsListen::Address {
                address: l.attr("address").map(str::to_string),
            },
            "network" => GraphicsListen::Network {
                network: attr_req(l, "network")?.to_string(),
                address: l.attr("address").map(str::to_string),
            },
            "socket" => GraphicsListen::Socket {
                socket: l.attr("socket").map(str::to_string),
            },
            "none" => GraphicsListen::None,
            other => {
                return Err(XmlError::invalid(
                    attr_what(l, "type"),
                    other,
                    "expected one of 'address', 'network', 'socket', 'none'",
                ))
            }
        });
    }
    // The old `listen=` / `socket=` attributes stand for a first <listen> when there is none.
    if listens.is_empty() {
        if let Some(sock) = el.attr("socket") {
            listens.push(GraphicsListen::Socket {
                socket: Some(sock.to_string()),
            });
        } else {
            listens.push(GraphicsListen::Address {
                address: el.attr("listen").map(str::to_string),
            });
        }
    }
    Ok(Graphics::Vnc(VncGraphics {
        port,
        autoport,
        websocket: attr_signed::<i32>(el, "websocket")?.unwrap_or(0),
        keymap: el.attr("keymap").map(str::to_string),
        passwd: el.attr("passwd").map(str::to_string),
        share_policy: match el.attr("sharePolicy") {
            None => None,
            Some(v @ ("allow-exclusive" | "force-shared" | "ignore")) => Some(v.to_string()),
            Some(v) => {
                return Err(XmlError::invalid(
                    attr_what(el, "sharePolicy"),
                    v,
                    "expected one of 'allow-exclusive', 'force-shared', 'ignore'",
                ))
            }
        },
        listens,
    }))
}

fn parse_video(el: &Element) -> Result<Video, XmlError> {
    let Some(m) = el.single("model")? else {
        return Ok(Video {
            model: VideoModel::Default,
            ..Video::default()
        });
    };
    Ok(Video {
        model: attr_enum(m, "type")?.unwrap_or(VideoModel::Default),
        vram: attr_unsigned(m, "vram")?,
        heads: attr_unsigned(m, "heads")?,
        primary: attr_yes_no(m, "primary")?.unwrap_or(false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "<domain type='vmware'>\n  <name>test</name>\n  <uuid>564d9bef-acd9-b4e0-c8f0-aeb8a2bbee01</uuid>\n  <memory unit='KiB'>4096</memory>\n  <os>\n    <type>hvm</type>\n  </os>\n</domain>\n";

    fn err(xml: &str) -> String {
        match Domain::from_xml(xml) {
            Ok(d) => panic!("expected an error, got {d:?}"),
            Err(e) => e.to_string(),
        }
    }

    fn with(replace: &str, by: &str) -> String {
        assert!(MINIMAL.contains(replace));
        MINIMAL.replace(replace, by)
    }

    #[test]
    fn minimal_gets_libvirt_defaults() {
        let d = Domain::from_xml(MINIMAL).unwrap();
        assert_eq!(
            d.to_xml(),
            "<domain type='vmware'>\n  <name>test</name>\n  <uuid>564d9bef-acd9-b4e0-c8f0-aeb8a2bbee01</uuid>\n  <memory unit='KiB'>4096</memory>\n  <currentMemory unit='KiB'>4096</currentMemory>\n  <vcpu placement='static'>1</vcpu>\n  <os>\n    <type arch='i686'>hvm</type>\n  </os>\n  <clock offset='utc'/>\n  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>restart</on_reboot>\n  <on_crash>destroy</on_crash>\n  <devices>\n  </devices>\n</domain>\n"
        );
    }

    #[test]
    fn escaping_round_trips() {
        let xml = with("<name>test</name>", "<name>a&amp;b&lt;c&gt;&apos;&quot;</name>\n  <description>line1\nline2 &amp; &#x263A;</description>");
        let d = Domain::from_xml(&xml).unwrap();
        assert_eq!(d.name, "a&b<c>'\"");
        assert_eq!(d.description.as_deref(), Some("line1\nline2 & \u{263A}"));
        let out = d.to_xml();
        assert!(
            out.contains("<name>a&amp;b&lt;c&gt;&apos;&quot;</name>"),
            "{out}"
        );
        assert!(
            out.contains("<description>line1\nline2 &amp; \u{263A}</description>"),
            "{out}"
        );
        assert_eq!(Domain::from_xml(&out).unwrap(), d);
    }

    #[test]
    fn truncated_xml() {
        for cut in [10, 40, 80, MINIMAL.len() - 3] {
            let e = err(&MINIMAL[..cut]);
            assert!(e.starts_with("malformed XML"), "{cut}: {e}");
        }
    }

    #[test]
    fn binary_garbage() {
        assert!(err("\u{0}\u{1}\u{2}\u{7f}garbage").starts_with("malformed XML"));
        assert!(Domain::from_xml_bytes(&[0xff, 0xfe, 0x00, 0x3c, 0x80]).is_err());
        let noise: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        assert!(Domain::from_xml_bytes(&noise).is_err());
    }

    #[test]
    fn invalid_utf8() {
        let mut bytes = MINIMAL.as_bytes().to_vec();
        let at = MINIMAL.find("test").unwrap();
        bytes[at] = 0xc3;
        bytes[at + 1] = 0x28;
        assert!(Domain::from_xml_bytes(&bytes)
            .unwrap_err()
            .to_string()
            .contains("not valid UTF-8"));
    }

    #[test]
    fn malformed_attributes() {
        assert!(err(&with("type='vmware'", "type=vmware")).starts_with("malformed XML"));
        assert!(err(&with("type='vmware'", "type='vmware")).starts_with("malformed XML"));
        assert!(
            err(&with("type='vmware'", "type='vmware' type='vmware'")).starts_with("malformed XML")
        );
        assert!(err(&with("unit='KiB'", "unit='K&bogus;'")).starts_with("malformed XML"));
        assert_eq!(
            err(&with("type='vmware'", "type='vmwarez'")),
            "invalid value 'vmwarez' for attribute 'type' of <domain>: expected one of 'none', 'qemu', 'kqemu', 'kvm', 'xen', 'lxc', 'uml', 'openvz', 'test', 'vmware', 'hyperv', 'vbox', 'phyp', 'parallels', 'bhyve', 'vz'"
        );
        assert_eq!(
            err(&with(" type='vmware'", "")),
            "missing attribute 'type' of <domain>"
        );
    }

    #[test]
    fn bad_values_name_the_element() {
        assert_eq!(
            err(&with(
                "<memory unit='KiB'>4096</memory>",
                "<memory>abc</memory>"
            )),
            "invalid value 'abc' for <memory>: expected an unsigned integer"
        );
        assert_eq!(
            err(&with(
                "<uuid>564d9bef-acd9-b4e0-c8f0-aeb8a2bbee01</uuid>",
                "<uuid>nope</uuid>"
            )),
            "invalid value 'nope' for <uuid>: expected a UUID of 32 hexadecimal digits"
        );
        assert!(err(&with("</os>", "</os>\n  <vcpu>two</vcpu>"))
            .starts_with("invalid value 'two' for <vcpu>"));
        assert!(err(&with("</os>", "</os>\n  <vcpu>0</vcpu>"))
            .starts_with("invalid value '0' for <vcpu>"));
        assert!(err(&with("</os>", "</os>\n  <on_crash>explode</on_crash>"))
            .starts_with("invalid value 'explode' for <on_crash>"));
        assert!(
            err(&with("<type>hvm</type>", "<type arch='z80'>hvm</type>"))
                .starts_with("invalid value 'z80' for attribute 'arch' of <type>")
        );
        assert!(err(&with(
            "<memory unit='KiB'>4096</memory>",
            "<memory unit='KiB'>0</memory>"
        ))
        .contains("memory size"));
        assert_eq!(
            err(&with("<memory unit='KiB'>4096</memory>", "")),
            "missing <memory> in <domain>"
        );
        assert_eq!(
            err(&with("<name>test</name>", "")),
            "missing <name> in <domain>"
        );
    }

    #[test]
    fn huge_numbers() {
        let e = err(&with(
            "<memory unit='KiB'>4096</memory>",
            "<memory unit='KiB'>99999999999999999999999</memory>",
        ));
        assert!(
            e.starts_with("invalid value '99999999999999999999999' for <memory>"),
            "{e}"
        );
        let e = err(&with(
            "<memory unit='KiB'>4096</memory>",
            "<memory unit='EiB'>99</memory>",
        ));
        assert!(e.contains("size too large"), "{e}");
        let e = err(&with("</os>", "</os>\n  <vcpu>4294967296</vcpu>"));
        assert!(e.contains("no larger than 4294967295"), "{e}");
        let e = err(&with(
            "</os>",
            "</os>\n  <vcpu cpuset='0-99999999999'>2</vcpu>",
        ));
        assert!(
            e.starts_with("invalid value '0-99999999999' for attribute 'cpuset' of <vcpu>"),
            "{e}"
        );
        let e = err(&with("</os>", "</os>\n  <devices>\n    <disk type='file' device='disk'><target dev='sda'/><address type='drive' controller='99999999999'/></disk>\n  </devices>"));
        assert!(e.contains("attribute 'controller' of <address>"), "{e}");
        // An address naming controller 4e9 would make libvirt create 4e9 implicit controllers.
        let e = err(&with("</os>", "</os>\n  <devices>\n    <disk><target dev='sda' bus='scsi'/><address type='drive' controller='4000000000'/></disk>\n  </devices>"));
        assert!(e.contains("no larger than 1023"), "{e}");
        // Same through a disk name (found by fuzzing: 'sdsdae' implies controller 22k+).
        let e = err(&with(
            "</os>",
            "</os>\n  <devices>\n    <disk><target dev='sdsdae' bus='scsi'/></disk>\n  </devices>",
        ));
        assert!(e.contains("no larger than 1023"), "{e}");
        // Large but representable values are kept, not rejected.
        let d = Domain::from_xml(&with(
            "<memory unit='KiB'>4096</memory>",
            "<memory unit='KiB'>99999999999999</memory>",
        ))
        .unwrap();
        assert_eq!(d.memory_kib, 99_999_999_999_999);
    }

    #[test]
    fn duplicates_are_errors() {
        assert_eq!(
            err(&with("<name>test</name>", "<name>a</name><name>b</name>")),
            "duplicate <name> in <domain>"
        );
        assert_eq!(
            err(&with("</os>", "</os>\n  <devices>\n    <disk><source file='a'/><source file='b'/><target dev='sda'/></disk>\n  </devices>")),
            "duplicate <source> in <disk>"
        );
        assert!(err(&with("</os>", "</os>\n  <devices>\n    <controller type='scsi' index='0'/>\n    <controller type='scsi' index='0'/>\n  </devices>"))
            .contains("multiple 'scsi' controllers with index '0'"));
    }

    #[test]
    fn unknown_device_is_an_error() {
        assert_eq!(
            err(&with(
                "</os>",
                "</os>\n  <devices>\n    <frobnicator/>\n  </devices>"
            )),
            "unknown device <frobnicator> in <devices>"
        );
        // Known to libvirt but not expressible in VMX: recorded, not fatal.
        let d = Domain::from_xml(&with(
            "</os>",
            "</os>\n  <devices>\n    <input type='mouse' bus='ps2'/>\n  </devices>",
        ))
        .unwrap();
        assert_eq!(d.devices.unsupported, vec!["input".to_string()]);
        assert!(err(&with(
            "</os>",
            "</os>\n  <devices>\n    <interface type='hostdev'/>\n  </devices>"
        ))
        .starts_with("invalid value 'hostdev' for attribute 'type' of <interface>"));
        assert!(err(&with(
            "</os>",
            "</os>\n  <devices>\n    <disk type='network'><target dev='sda'/></disk>\n  </devices>"
        ))
        .starts_with("invalid value 'network' for attribute 'type' of <disk>"));
    }

    #[test]
    fn dtd_and_entities_refused() {
        let xml = format!(
            "<!DOCTYPE domain [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>\n{}",
            with("<name>test</name>", "<name>&b;</name>")
        );
        assert_eq!(Domain::from_xml(&xml), Err(XmlError::Dtd));
        assert!(err(&with("<name>test</name>", "<name>&ext;</name>")).contains("undefined entity"));
    }

    #[test]
    fn mac_without_address_is_left_to_the_caller() {
        let xml = with("</os>", "</os>\n  <devices>\n    <interface type='bridge'>\n      <mac type='static'/>\n      <source bridge='b'/>\n    </interface>\n  </devices>");
        let d = Domain::from_xml(&xml).unwrap();
        assert_eq!(d.devices.interfaces[0].mac, None);
    }

    #[test]
    fn pathless_block_lun_is_not_a_fixed_point_as_in_libvirt() {
        // Found by fuzzing, confirmed with libvirt: the output omits the empty <source>, and
        // reading that back gives a file-backed LUN, which validation refuses.
        let xml = with("</os>", "</os>\n  <devices>\n    <disk type='block' device='lun'>\n      <source/>\n      <target dev='sda' bus='scsi'/>\n    </disk>\n  </devices>");
        let out = Domain::from_xml(&xml).unwrap().to_xml();
        assert!(
            out.contains("<disk type='block' device='lun'>\n      <target dev='sda' bus='scsi'/>"),
            "{out}"
        );
        assert_eq!(
            err(&out),
            "disk device='lun' is only valid for block type disk source"
        );
    }

    #[test]
    fn wrong_root() {
        assert_eq!(
            err("<network><name>x</name></network>"),
            "unexpected root element <network>, expected <domain>"
        );
    }

    #[test]
    fn devices_get_defaults() {
        let xml = with(
            "</os>",
            "</os>\n  <devices>\n    <disk type='file' device='cdrom'><source file='[ds] a.iso'/><target dev='hdc'/></disk>\n    <disk device='disk'><source file='[ds] b.vmdk'/><target dev='sdp' bus='scsi'/></disk>\n    <serial type='file'><source path='[ds] s.file'/></serial>\n    <graphics type='vnc' port='-1'/>\n  </devices>",
        );
        let d = Domain::from_xml(&xml).unwrap();
        let out = d.to_xml();
        let devices = &out[out.find("<devices>").unwrap()..];
        assert_eq!(
            devices,
            "<devices>\n    <disk type='file' device='cdrom'>\n      <source file='[ds] a.iso'/>\n      <target dev='hdc' bus='ide'/>\n      <readonly/>\n      <address type='drive' controller='0' bus='1' target='0' unit='0'/>\n    </disk>\n    <disk type='file' device='disk'>\n      <source file='[ds] b.vmdk'/>\n      <target dev='sdp' bus='scsi'/>\n      <address type='drive' controller='1' bus='0' target='0' unit='0'/>\n    </disk>\n    <controller type='scsi' index='0'/>\n    <controller type='scsi' index='1'/>\n    <controller type='ide' index='0'/>\n    <serial type='file'>\n      <source path='[ds] s.file'/>\n      <target port='0'/>\n    </serial>\n    <console type='file'>\n      <source path='[ds] s.file'/>\n      <target type='serial' port='0'/>\n    </console>\n    <graphics type='vnc' port='-1' autoport='yes'>\n      <listen type='address'/>\n    </graphics>\n    <video>\n      <model type='vmvga' vram='4096' primary='yes'/>\n    </video>\n  </devices>\n</domain>\n"
        );
        // The defaults are a fixed point.
        assert_eq!(Domain::from_xml(&out).unwrap().to_xml(), out);
    }

    #[test]
    fn secure_and_inactive_formatting() {
        let xml = with("</os>", "</os>\n  <devices>\n    <graphics type='vnc' port='5903' autoport='no' passwd='s3cret'/>\n  </devices>");
        let mut d = Domain::from_xml(&xml).unwrap();
        d.id = Some(7);
        assert!(d.to_xml().contains("passwd='s3cret'"));
        assert!(d.to_xml().starts_with("<domain type='vmware' id='7'>"));
        let public = d.to_xml_with(FormatOptions {
            secure: false,
            inactive: true,
        });
        assert!(!public.contains("s3cret"));
        assert!(public.starts_with("<domain type='vmware'>"));
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let deep = "<a>".repeat(10_000) + &"</a>".repeat(10_000);
        let xml = with("</os>", &format!("</os>\n  <metadata>{deep}</metadata>"));
        assert!(matches!(Domain::from_xml(&xml), Err(XmlError::TooLarge(_))));
    }
}
