//! Reading `<devices>`: each device kind the model holds, with libvirt 9.0's reader's checks
//! and messages, kind by kind in libvirt's order (see [`parse_devices`]).

use super::*;
use crate::dom::Element;
use crate::values_parse::*;

/// Device elements libvirt reads that this model does not represent.
const OTHER_LIBVIRT_DEVICES: &[&str] = &[
    "lease",
    "hostdev",
    "redirdev",
    "redirfilter",
    "smartcard",
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

/// Reads the devices of every `<devices>` element of `root`, one kind after the other in
/// the order libvirt's reader takes them (so that the first fault libvirt meets is the one
/// reported), whatever their order in the document. Elements libvirt does not know are
/// ignored, as libvirt ignores them.
pub(super) fn parse_devices(root: &Element) -> Result<Devices, XmlError> {
    let all: Vec<&Element> = root
        .children_named("devices")
        .flat_map(|d| d.children.iter())
        .collect();
    let of = |kind: &'static str| all.iter().copied().filter(move |e| e.name == kind);
    let mut d = Devices {
        emulator: xpath_text(of("emulator").next()).map(str::to_string),
        ..Devices::default()
    };
    for el in of("disk") {
        insert_disk(&mut d.disks, parse_disk(el)?);
    }
    for el in of("controller") {
        d.controllers.push(parse_controller(el)?);
    }
    for el in of("filesystem") {
        d.filesystems.push(parse_filesystem(el)?);
    }
    for el in of("interface") {
        d.interfaces.push(parse_interface(el)?);
    }
    for el in of("parallel") {
        // libvirt numbers an unnumbered parallel port while reading, after the highest port
        // among the ones before it (serial ports are numbered later, over all).
        let mut p = parse_chardev(el)?;
        if p.target_port.is_none() {
            let max = d.parallels.iter().filter_map(|c| c.target_port).max();
            p.target_port = Some(max.map_or(0, |m| m.saturating_add(1)));
        }
        d.parallels.push(p);
    }
    for el in of("serial") {
        d.serials.push(parse_chardev(el)?);
    }
    for (i, el) in of("console").enumerate() {
        // libvirt numbers consoles by their position, whatever the document says.
        let mut c = parse_chardev(el)?;
        c.target_port = Some(i as u32);
        d.consoles.push(c);
    }
    for el in of("channel") {
        // Checked as libvirt checks it, then recorded as a kind VMX cannot express.
        parse_chardev(el)?;
    }
    for el in of("graphics") {
        d.graphics.push(parse_graphics(el)?);
    }
    for el in of("video") {
        d.videos.push(parse_video(el)?);
    }
    let balloons: Vec<&Element> = of("memballoon").collect();
    if balloons.len() > 1 {
        return Err(XmlError::Internal(
            "only a single memory balloon device is supported".into(),
        ));
    }
    if let Some(b) = balloons.first() {
        let model: BalloonModel = prop_enum_req(b, "model")?;
        d.memballoon = Some(MemBalloon {
            model: model.as_str().to_string(),
        });
    }
    for el in &all {
        if el.name == "channel" || OTHER_LIBVIRT_DEVICES.contains(&el.name.as_str()) {
            d.unsupported.push(el.name.clone());
        }
    }
    Ok(d)
}

crate::string_enum! {
    /// `<memballoon model=...>` as libvirt knows it.
    enum BalloonModel {
        Virtio = "virtio",
        Xen = "xen",
        None = "none",
        VirtioTransitional = "virtio-transitional",
        VirtioNonTransitional = "virtio-non-transitional",
    }
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
        // A disk without a target name is never compared, only placed after its bus.
        let named = !cur.target_missing && !disk.target_missing;
        if named && index(cur) > new_index {
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
    // libvirt's storage types also have "none", which it refuses here as unknown.
    let disk_type = prop_enum(el, "type")?.unwrap_or(DiskType::File);
    if matches!(disk_type, DiskType::Nvme | DiskType::VhostUser) {
        return Err(XmlError::invalid(
            attr_what(el, "type"),
            disk_type.as_str(),
            "only 'file', 'block', 'dir', 'network' and 'volume' disks are supported",
        ));
    }
    let mut disk = Disk {
        disk_type,
        ..Disk::default()
    };
    // libvirt reads the first <source> and ignores any others.
    let source = first_child(el, "source");
    match source {
        // A disk without <source> is read as type 'file' whatever the document says.
        None => disk.disk_type = DiskType::File,
        Some(src) => {
            match disk_type {
                DiskType::Network => {
                    let (name, network) = parse_network_source(src)?;
                    disk.source = name;
                    disk.network = Some(network);
                }
                DiskType::Volume => disk.volume = parse_volume_source(src)?,
                _ => {
                    let attr = match disk_type {
                        DiskType::Block => "dev",
                        DiskType::Dir => "dir",
                        _ => "file",
                    };
                    disk.source = src.attr(attr).map(str::to_string);
                }
            }
            // An empty path stands for no medium (libvirt drops it).
            if disk.source.as_deref() == Some("") {
                disk.source = None;
            }
        }
    }
    disk.readonly = first_child(el, "readonly").is_some();
    disk.shareable = first_child(el, "shareable").is_some();
    disk.device = prop_enum(el, "device")?.unwrap_or(DiskDevice::Disk);
    if let Some(src) = source {
        // libvirt's unset policy ("default") is refused when written out.
        disk.startup_policy = prop_enum(src, "startupPolicy")?;
    }
    let target = first_child(el, "target");
    let dev = target.and_then(|t| t.attr("dev"));
    let bus = target.map(|t| prop_enum(t, "bus")).transpose()?.flatten();
    if let Some(drv) = first_child(el, "driver") {
        let cache = prop_enum(drv, "cache")?;
        disk.driver = Some(DiskDriver {
            name: drv.attr("name").map(str::to_string),
            format: drv.attr("type").map(disk_format).transpose()?,
            cache,
        });
    }
    disk.transient = first_child(el, "transient").is_some();
    (disk.address, disk.other_address_type) = parse_disk_address(el)?;
    // libvirt refuses a disk without a target name in its validation.
    disk.target_missing = dev.is_none();
    disk.target = DiskTarget {
        dev: dev.unwrap_or_default().to_string(),
        bus,
    };
    Ok(disk)
}

/// Image formats libvirt knows for `<driver type=...>` (its "none" is refused there).
const DISK_FORMATS: &[&str] = &[
    "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop", "cow",
    "qcow", "qcow2", "qed", "vmdk",
];

/// A disk's `<driver type=...>` as libvirt reads it (`aio`, an old Xen spelling, is `raw`).
fn disk_format(t: &str) -> Result<String, XmlError> {
    match t {
        "aio" => Ok("raw".into()),
        t if DISK_FORMATS.contains(&t) => Ok(t.into()),
        t => Err(XmlError::Unsupported(format!(
            "unknown driver format value '{t}'"
        ))),
    }
}

/// A network disk's `<source>`: its `name` and the rest, with libvirt's checks and the
/// default ports it fills in.
fn parse_network_source(src: &Element) -> Result<(Option<String>, NetworkSource), XmlError> {
    let protocol: NetProtocol = prop_enum_req(src, "protocol")?;
    let name = src.attr("name").map(str::to_string);
    if name.is_none() && protocol != NetProtocol::Nbd {
        return Err(XmlError::Invalid("missing name for disk source".into()));
    }
    let tls = prop_yes_no(src, "tls")?;
    if let Some(n) = &name {
        // libvirt keeps RBD and Gluster names as "volume/image".
        if matches!(protocol, NetProtocol::Gluster | NetProtocol::Rbd)
            && n.find('/').is_none_or(|i| i == 0)
        {
            return Err(XmlError::Invalid(format!(
                "can't split path '{n}' into pool name and image name"
            )));
        }
    }
    let query = match protocol {
        NetProtocol::Http | NetProtocol::Https => src.attr("query").map(str::to_string),
        _ => None,
    };
    let mut hosts = Vec::new();
    for h in src.children_named("host") {
        hosts.push(parse_network_host(h, protocol)?);
    }
    Ok((
        name,
        NetworkSource {
            protocol,
            query,
            tls,
            tls_hostname: src.attr("tlsHostname").map(str::to_string),
            hosts,
        },
    ))
}

fn parse_network_host(h: &Element, protocol: NetProtocol) -> Result<NetworkHost, XmlError> {
    let transport = match h.attr("transport") {
        None => HostTransport::Tcp,
        Some(t) => HostTransport::from_xml_str(t).ok_or_else(|| {
            XmlError::Unsupported(format!("unknown protocol transport type '{t}'"))
        })?,
    };
    let socket = h.attr("socket").map(str::to_string);
    if transport == HostTransport::Unix && socket.is_none() {
        return Err(XmlError::Invalid(
            "missing socket for unix transport".into(),
        ));
    }
    if transport != HostTransport::Unix && socket.is_some() {
        // libvirt names the transport as written, "(null)" when it was left out.
        return Err(XmlError::Invalid(format!(
            "transport '{}' does not support socket attribute",
            h.attr("transport").unwrap_or("(null)")
        )));
    }
    let mut host = NetworkHost {
        transport,
        name: None,
        port: 0,
        socket,
    };
    if transport != HostTransport::Unix {
        host.name = Some(
            h.attr("name")
                .ok_or_else(|| XmlError::Invalid("missing name for host".into()))?
                .to_string(),
        );
        if let Some(p) = h.attr("port") {
            let port = c_uint(p).ok_or_else(|| {
                XmlError::InvalidArg(format!("failed to parse port number '{p}'"))
            })?;
            host.port = u16::try_from(port)
                .map_err(|_| XmlError::InvalidArg(format!("port '{p}' out of range")))?;
        }
        if transport == HostTransport::Tcp && host.port == 0 {
            host.port = protocol.default_port();
        }
    }
    Ok(host)
}

/// A volume disk's `<source pool= volume= mode=/>`; `None` when it names neither (an empty
/// CD-ROM or floppy).
fn parse_volume_source(src: &Element) -> Result<Option<VolumeSource>, XmlError> {
    let (pool, volume) = match (src.attr("pool"), src.attr("volume")) {
        (None, None) => return Ok(None),
        (Some(p), Some(v)) => (p.to_string(), v.to_string()),
        _ => {
            return Err(XmlError::Invalid(
                "'pool' and 'volume' must be specified together for 'pool' type source".into(),
            ))
        }
    };
    let mode = match src.attr("mode") {
        None => None,
        Some(m @ ("host" | "direct")) => Some(m.to_string()),
        Some(m) => {
            return Err(XmlError::Unsupported(format!(
                "unknown source mode '{m}' for volume type disk"
            )))
        }
    };
    Ok(Some(VolumeSource { pool, volume, mode }))
}

/// Address types libvirt knows (`<address type=...>`).
const ADDRESS_TYPES: &[&str] = &[
    "pci",
    "drive",
    "virtio-serial",
    "ccid",
    "usb",
    "spapr-vio",
    "virtio-s390",
    "ccw",
    "virtio-mmio",
    "isa",
    "dimm",
    "unassigned",
];

/// A disk's `<address>`: a drive address, or the type of another (which validation and
/// the VMX converter refuse).
fn parse_disk_address(el: &Element) -> Result<(Option<DriveAddress>, Option<String>), XmlError> {
    let Some(a) = first_child(el, "address") else {
        return Ok((None, None));
    };
    let t = a
        .attr("type")
        .ok_or_else(|| XmlError::Internal("No type specified for device address".into()))?;
    if !ADDRESS_TYPES.contains(&t) {
        return Err(XmlError::Unsupported(format!("unknown address type '{t}'")));
    }
    if t != "drive" {
        return Ok((None, Some(t.to_string())));
    }
    Ok((
        Some(DriveAddress {
            controller: prop_uint(a, "controller", false)?.unwrap_or(0),
            bus: prop_uint(a, "bus", false)?.unwrap_or(0),
            target: prop_uint(a, "target", false)?.unwrap_or(0),
            unit: prop_uint(a, "unit", false)?.unwrap_or(0),
        }),
        None,
    ))
}

/// The models libvirt knows for each controller type other than SCSI (whose models are
/// [`ScsiModel`]).
fn controller_models(t: ControllerType) -> &'static [&'static str] {
    match t {
        ControllerType::Usb => &[
            "piix3-uhci",
            "piix4-uhci",
            "ehci",
            "ich9-ehci1",
            "ich9-uhci1",
            "ich9-uhci2",
            "ich9-uhci3",
            "vt82c686b-uhci",
            "pci-ohci",
            "nec-xhci",
            "qusb1",
            "qusb2",
            "qemu-xhci",
            "none",
        ],
        ControllerType::Pci => &[
            "pci-root",
            "pcie-root",
            "pci-bridge",
            "dmi-to-pci-bridge",
            "pcie-to-pci-bridge",
            "pcie-root-port",
            "pcie-switch-upstream-port",
            "pcie-switch-downstream-port",
            "pci-expander-bus",
            "pcie-expander-bus",
        ],
        ControllerType::Ide => &["piix3", "piix4", "ich6"],
        ControllerType::VirtioSerial => {
            &["virtio", "virtio-transitional", "virtio-non-transitional"]
        }
        _ => &[],
    }
}

fn parse_controller(el: &Element) -> Result<Controller, XmlError> {
    // libvirt's first controller type (ide) is what a controller without a type is.
    let controller_type = prop_enum(el, "type")?.unwrap_or(ControllerType::Ide);
    let unknown = |m: &str| XmlError::Unsupported(format!("Unknown model type '{m}'"));
    let model = match el.attr("model") {
        None => None,
        Some(m) if controller_type == ControllerType::Scsi => Some(ControllerModel::Scsi(
            ScsiModel::from_xml_str(m).ok_or_else(|| unknown(m))?,
        )),
        Some(m) if controller_models(controller_type).contains(&m) => {
            Some(ControllerModel::Other(m.to_string()))
        }
        Some(m) => return Err(unknown(m)),
    };
    // A missing index is filled in by post_parse (libvirt: next free index of that type);
    // u32::MAX marks it meanwhile.
    let index = prop_int(el, "index", true)?;
    Ok(Controller {
        controller_type,
        index: index.map_or(u32::MAX, |i| i as u32),
        model,
    })
}

fn parse_filesystem(el: &Element) -> Result<Filesystem, XmlError> {
    let fs_type = prop_enum(el, "type")?.unwrap_or(FsType::Mount);
    let access_mode = match el.attr("accessmode") {
        // libvirt's first access mode is the unset one: accepted, and read as unset.
        Some("") => None,
        _ => prop_enum(el, "accessmode")?,
    };
    let src_attr = match fs_type {
        FsType::Block => "dev",
        FsType::File => "file",
        FsType::Template => "name",
        FsType::Ram => "usage",
        FsType::Volume => "volume",
        _ => "dir",
    };
    let source = first_child(el, "source").and_then(|s| s.attr(src_attr));
    let target = xpath_attr(first_child(el, "target"), "dir");
    if source.is_none() && !matches!(fs_type, FsType::Ram | FsType::Volume) {
        return Err(XmlError::NoSource(target.unwrap_or_default().to_string()));
    }
    if fs_type == FsType::Ram && source.is_none() {
        return Err(XmlError::Invalid(
            "missing 'usage' attribute for RAM filesystem".into(),
        ));
    }
    Ok(Filesystem {
        fs_type,
        access_mode,
        source_dir: source.unwrap_or_default().to_string(),
        // An empty target is refused by validation (it names the source).
        target_dir: target.unwrap_or_default().to_string(),
        readonly: first_child(el, "readonly").is_some(),
    })
}

crate::string_enum! {
    /// libvirt's `<interface type=...>` values.
    enum NetType {
        User = "user",
        Ethernet = "ethernet",
        Vhostuser = "vhostuser",
        Server = "server",
        Client = "client",
        Mcast = "mcast",
        Network = "network",
        Bridge = "bridge",
        Internal = "internal",
        Direct = "direct",
        Hostdev = "hostdev",
        Udp = "udp",
        Vdpa = "vdpa",
        Null = "null",
        Vds = "vds",
    }
}

crate::string_enum! {
    /// libvirt's macvtap modes (`<source mode=...>` of a direct interface).
    enum MacvlanMode {
        Vepa = "vepa",
        Private = "private",
        Bridge = "bridge",
        Passthrough = "passthrough",
    }
}

fn parse_interface(el: &Element) -> Result<Interface, XmlError> {
    let net_type = prop_enum(el, "type")?.unwrap_or(NetType::User);
    let model = match xpath_attr(first_child(el, "model"), "type") {
        None => None,
        Some(t) => NetModel::parse_libvirt(t).map_err(|e| XmlError::InvalidArg(e.into()))?,
    };
    let src = first_child(el, "source");
    let need_source = || {
        src.ok_or_else(|| {
            XmlError::Invalid(format!(
                "interface type='{}' requires a 'source' element",
                net_type.as_str()
            ))
        })
    };
    let source = match net_type {
        NetType::Bridge => InterfaceSource::Bridge {
            bridge: prop_required(need_source()?, "bridge")?.to_string(),
        },
        NetType::Network => {
            let s = need_source()?;
            InterfaceSource::Network {
                network: prop_required(s, "network")?.to_string(),
                portgroup: s.attr("portgroup").map(str::to_string),
            }
        }
        NetType::User => InterfaceSource::User,
        NetType::Ethernet => InterfaceSource::Ethernet,
        NetType::Direct => {
            let s = need_source()?;
            let dev = prop_required(s, "dev")?.to_string();
            let mode: Option<MacvlanMode> = prop_enum(s, "mode")?;
            InterfaceSource::Direct {
                dev,
                mode: mode.map(|m| m.as_str().to_string()),
            }
        }
        NetType::Null => InterfaceSource::Null,
        NetType::Vds => {
            let s = need_source()?;
            let sw = prop_required(s, "switchid")?;
            let switch_id = sw.parse().map_err(|_| {
                XmlError::Invalid(format!(
                    "Invalid value for attribute 'switchid' in element 'source': '{sw}'. Expected UUID"
                ))
            })?;
            let long = |name: &str| -> Result<i64, XmlError> {
                let v = prop_required(s, name)?;
                c_strtoull(v)
                    .and_then(|(n, negative)| {
                        let n = i64::try_from(n).ok()?;
                        Some(if negative { -n } else { n })
                    })
                    .ok_or_else(|| {
                        XmlError::Invalid(format!(
                            "Invalid value for attribute '{name}' in element 'source': '{v}'. Expected long long integer value"
                        ))
                    })
            };
            let port_id = long("portid")?;
            let portgroup_id = prop_required(s, "portgroupid")?.to_string();
            InterfaceSource::Vds(VdsPort {
                switch_id,
                port_id,
                portgroup_id: Some(portgroup_id),
                connection_id: long("connectionid")?,
            })
        }
        other => {
            return Err(XmlError::invalid(
                attr_what(el, "type"),
                other.as_str(),
                "interfaces of this type are not supported",
            ))
        }
    };
    let target_dev = first_child(el, "target")
        .and_then(|t| t.attr("dev"))
        .map(str::to_string);
    if let Some(t) = first_child(el, "target") {
        prop_yes_no(t, "managed")?;
    }
    // libvirt generates an address when <mac> has none; the model leaves that to the caller.
    let mac = match first_child(el, "mac") {
        None => None,
        Some(m) => {
            let address = match m.attr("address") {
                None => None,
                Some(a) => {
                    let address: MacAddr = a.parse().map_err(|_| {
                        XmlError::Invalid(format!("unable to parse mac address '{a}'"))
                    })?;
                    if address.0[0] & 1 != 0 {
                        return Err(XmlError::Invalid(format!(
                            "expected unicast mac address, found multicast '{a}'"
                        )));
                    }
                    Some(address)
                }
            };
            let mac_type = match m.attr("type") {
                Some("") => return Err(prop_invalid(m, "type", "")),
                _ => prop_enum(m, "type")?,
            };
            let check = prop_yes_no(m, "check")?;
            address.map(|address| Mac {
                address,
                mac_type,
                check,
            })
        }
    };
    Ok(Interface {
        source,
        mac,
        target_dev,
        model,
    })
}

/// The target types libvirt knows for each kind of character device (none for parallel
/// ports, whose target has no type).
fn chardev_target_types(kind: &str) -> &'static [&'static str] {
    match kind {
        "serial" => &[
            "none",
            "isa-serial",
            "usb-serial",
            "pci-serial",
            "spapr-vio-serial",
            "system-serial",
            "sclp-serial",
            "isa-debug",
        ],
        "console" => &[
            "none", "serial", "xen", "uml", "virtio", "lxc", "openvz", "sclp", "sclplm",
        ],
        "channel" => &["none", "guestfwd", "virtio", "xen"],
        _ => &[],
    }
}

/// Serial port target models libvirt knows (`<target><model name=...>`).
const SERIAL_TARGET_MODELS: &[&str] = &[
    "none",
    "isa-serial",
    "usb-serial",
    "pci-serial",
    "spapr-vty",
    "pl011",
    "sclpconsole",
    "sclplmconsole",
    "16550a",
    "isa-debugcon",
];

/// Character device types libvirt knows but this model does not represent.
const OTHER_CHARDEV_TYPES: &[&str] = &["spicevmc", "spiceport", "nmdm", "qemu-vdagent", "dbus"];

/// A `<serial>`, `<parallel>`, `<console>` or `<channel>` (the element name says which).
fn parse_chardev(el: &Element) -> Result<CharDevice, XmlError> {
    let kind = el.name.as_str();
    let t = el.attr("type").unwrap_or("pty");
    const KNOWN: &[&str] = &[
        "null", "vc", "pty", "dev", "file", "pipe", "stdio", "udp", "tcp", "unix",
    ];
    if !KNOWN.contains(&t) && !OTHER_CHARDEV_TYPES.contains(&t) {
        return Err(XmlError::Unsupported(format!(
            "unknown type presented to host for character device: {t}"
        )));
    }
    let target = first_child(el, "target");
    let target_type = target.and_then(|t| t.attr("type"));
    match target_type {
        // Without <target> libvirt says this; with a <target> lacking a type, it reports
        // the missing type as an unknown one.
        None if kind == "channel" && target.is_none() => {
            return Err(XmlError::Invalid(
                "target type must be specified for channel device".into(),
            ))
        }
        None if kind == "channel" => {
            return Err(XmlError::Unsupported(
                "unknown target type '(null)' specified for character device".into(),
            ))
        }
        Some(tt) if kind != "parallel" && !chardev_target_types(kind).contains(&tt) => {
            return Err(XmlError::Unsupported(format!(
                "unknown target type '{tt}' specified for character device"
            )))
        }
        _ => {}
    }
    let mut target_port = None;
    if let Some(tgt) = target {
        if kind == "serial" {
            if let Some(m) = xpath_attr(first_child(tgt, "model"), "name") {
                if !SERIAL_TARGET_MODELS.contains(&m) {
                    return Err(XmlError::Unsupported(format!(
                        "unknown target model '{m}' specified for character device"
                    )));
                }
            }
        }
        if kind != "channel" {
            if let Some(p) = tgt.attr("port") {
                let port = c_strtoull(p)
                    .and_then(|(n, negative)| match negative {
                        false => u32::try_from(n).ok(),
                        true if n <= u64::from(u32::MAX) => Some((n as u32).wrapping_neg()),
                        true => None,
                    })
                    .ok_or_else(|| XmlError::Invalid(format!("Invalid port number: {p}")))?;
                target_port = Some(port);
            }
        } else if target_type == Some("guestfwd") && tgt.attr("address").is_none() {
            return Err(XmlError::Invalid(
                "guestfwd channel does not define a target address".into(),
            ));
        }
    }
    let sources: Vec<&Element> = el.children_named("source").collect();
    let first_source = sources.first().copied();
    if sources.len() > 1 && t != "udp" {
        return Err(XmlError::Invalid(
            "only one source element is allowed for character device".into(),
        ));
    }
    if sources.len() > 2 {
        return Err(XmlError::Invalid(
            "only two source elements are allowed for character device".into(),
        ));
    }
    // A missing path is accepted here; libvirt's validation refuses it for the types that
    // need one (see Domain::validate).
    let path = || {
        first_source
            .and_then(|s| s.attr("path"))
            .map(str::to_string)
    };
    let mode_is_bind = |s: &Element| -> Result<bool, XmlError> {
        match s.attr("mode") {
            None | Some("connect") => Ok(false),
            Some("bind") => Ok(true),
            Some(v) => Err(prop_invalid(s, "mode", v)),
        }
    };
    let source = match t {
        "null" => CharSource::Null,
        "vc" => CharSource::Vc,
        "pty" => CharSource::Pty,
        "stdio" => CharSource::Stdio,
        "dev" => CharSource::Dev { path: path() },
        "file" => CharSource::File { path: path() },
        "pipe" => CharSource::Pipe { path: path() },
        "tcp" => CharSource::Tcp(TcpSource {
            listen: first_source.map(mode_is_bind).transpose()?.unwrap_or(false),
            host: first_source
                .and_then(|s| s.attr("host"))
                .map(str::to_string),
            service: first_source
                .and_then(|s| s.attr("service"))
                .map(str::to_string),
            protocol: TcpProtocol::Raw,
        }),
        "udp" => {
            let (mut bind_host, mut bind_service, mut connect_host, mut connect_service) =
                (None, None, None, None);
            for s in &sources {
                let host = s.attr("host").map(str::to_string);
                let service = s.attr("service").map(str::to_string);
                // libvirt keeps the first source of each mode.
                if mode_is_bind(s)? {
                    if bind_host.is_none() && bind_service.is_none() {
                        (bind_host, bind_service) = (host, service);
                    }
                } else if connect_host.is_none() && connect_service.is_none() {
                    (connect_host, connect_service) = (host, service);
                }
            }
            CharSource::Udp {
                bind_host,
                bind_service,
                connect_host,
                connect_service,
            }
        }
        "unix" => CharSource::Unix {
            listen: first_source.map(mode_is_bind).transpose()?.unwrap_or(false),
            path: path(),
        },
        other => {
            if other == "spicevmc" && !(kind == "channel" && target_type == Some("virtio")) {
                return Err(XmlError::Unsupported(
                    "spicevmc device type only supports virtio".into(),
                ));
            }
            return Err(XmlError::invalid(
                attr_what(el, "type"),
                other,
                "character devices of this type are not supported",
            ));
        }
    };
    let protocols: Vec<&Element> = el.children_named("protocol").collect();
    if protocols.len() > 1 {
        return Err(XmlError::Invalid(
            "only one protocol element is allowed for character device".into(),
        ));
    }
    let source = match (source, protocols.first().and_then(|p| p.attr("type"))) {
        (CharSource::Tcp(tcp), Some(v)) => CharSource::Tcp(TcpSource {
            protocol: TcpProtocol::from_xml_str(v)
                .ok_or_else(|| XmlError::Unsupported(format!("Unknown protocol '{v}'")))?,
            ..tcp
        }),
        (source, _) => source,
    };
    Ok(CharDevice {
        source,
        // libvirt's "none" target type is the unset one.
        target_type: target_type.filter(|t| *t != "none").map(str::to_string),
        target_port,
    })
}

crate::string_enum! {
    /// libvirt's `<graphics type=...>` values.
    enum GraphicsType {
        Sdl = "sdl",
        Vnc = "vnc",
        Rdp = "rdp",
        Desktop = "desktop",
        Spice = "spice",
        EglHeadless = "egl-headless",
        Dbus = "dbus",
    }
}

crate::string_enum! {
    /// libvirt's `<listen type=...>` values.
    enum ListenType {
        None = "none",
        Address = "address",
        Network = "network",
        Socket = "socket",
    }
}

crate::string_enum! {
    /// libvirt's VNC `sharePolicy=` values (`default` is the unset one).
    enum SharePolicy {
        Default = "default",
        AllowExclusive = "allow-exclusive",
        ForceShared = "force-shared",
        Ignore = "ignore",
    }
}

fn parse_graphics(el: &Element) -> Result<Graphics, XmlError> {
    let t: GraphicsType = prop_enum_req(el, "type")?;
    if t != GraphicsType::Vnc {
        return Ok(Graphics::Other(t.as_str().to_string()));
    }
    let mut listens = Vec::new();
    for l in el.children_named("listen") {
        let lt: ListenType = prop_enum_req(l, "type")?;
        listens.push(match lt {
            ListenType::Address => GraphicsListen::Address {
                address: l.attr("address").map(str::to_string),
            },
            ListenType::Network => GraphicsListen::Network {
                network: l
                    .attr("network")
                    .filter(|n| !n.is_empty())
                    .ok_or_else(|| {
                        XmlError::Invalid(
                            "'network' attribute is required for listen type 'network'".into(),
                        )
                    })?
                    .to_string(),
                address: l.attr("address").map(str::to_string),
            },
            ListenType::Socket => GraphicsListen::Socket {
                socket: l.attr("socket").map(str::to_string),
            },
            ListenType::None => GraphicsListen::None,
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
    // libvirt (reading inactive definitions, as define and domxml-to-native do): no port or
    // port -1 means autoport; autoport='yes' drops any port; an unreadable autoport value is
    // ignored, like libvirt ignores it.
    let (mut port, mut autoport) = match el.attr("port") {
        None => (0, true),
        Some(p) => match c_int(p) {
            None => return Err(XmlError::Internal(format!("cannot parse vnc port {p}"))),
            Some(-1) => (0, true),
            Some(n) => (n, false),
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
    let websocket = prop_int(el, "websocket", false)?.unwrap_or(0);
    let share_policy: Option<SharePolicy> = prop_enum(el, "sharePolicy")?;
    Ok(Graphics::Vnc(VncGraphics {
        port,
        autoport,
        websocket,
        keymap: el.attr("keymap").map(str::to_string),
        passwd: el.attr("passwd").map(str::to_string),
        share_policy: share_policy
            .filter(|p| *p != SharePolicy::Default)
            .map(|p| p.as_str().to_string()),
        listens,
    }))
}

fn parse_video(el: &Element) -> Result<Video, XmlError> {
    let m = first_child(el, "model");
    // An unreadable primary= is ignored, as libvirt ignores it.
    let primary = m.and_then(|m| m.attr("primary")) == Some("yes");
    let model = match m.and_then(|m| m.attr("type")).filter(|t| !t.is_empty()) {
        None => VideoModel::Default,
        Some(t) => VideoModel::from_xml_str(t)
            .ok_or_else(|| XmlError::Unsupported(format!("unknown video model '{t}'")))?,
    };
    let vram = match m.and_then(|m| m.attr("vram")).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => Some(
            c_uint(v).ok_or_else(|| XmlError::Invalid(format!("cannot parse video vram '{v}'")))?,
        ),
    };
    let heads = match m.and_then(|m| m.attr("heads")).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => Some(
            c_uint(v)
                .ok_or_else(|| XmlError::Internal(format!("cannot parse video heads '{v}'")))?,
        ),
    };
    Ok(Video {
        model,
        vram,
        heads,
        primary,
    })
}
