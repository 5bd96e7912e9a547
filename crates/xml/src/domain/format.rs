//! Formatting a [`Domain`] the way libvirt 9.0's formatter does: same element and attribute
//! order, same always-written defaults, same escaping. Each function below mirrors one
//! libvirt formatting routine; comments note the libvirt rules that are not obvious.

use super::*;
use crate::writer::XmlWriter;

/// libvirt treats memory limits at or above 2^53-1 KiB as "unlimited" and does not write them.
const MEMORY_UNLIMITED_KIB: u64 = 9_007_199_254_740_991;

/// Interface target names libvirt generates itself and hides from inactive XML.
const GENERATED_IFNAME_PREFIXES: &[&str] = &["vnet", "macvtap", "macvlan"];

impl Domain {
    /// Formats with explicit options.
    pub fn to_xml_with(&self, opts: FormatOptions) -> String {
        let mut w = XmlWriter::new();
        let id = if opts.inactive {
            None
        } else {
            self.id.map(|i| i.to_string())
        };
        let has_ns = self.vmware_datacenter_path.is_some() || self.vmware_moref.is_some();
        w.open(
            "domain",
            &[
                ("type", Some(self.domain_type.as_str())),
                ("id", id.as_deref()),
                ("xmlns:vmware", has_ns.then_some(VMWARE_NAMESPACE)),
            ],
        );
        if !(self.name_missing && self.name.is_empty()) {
            w.text_element("name", &[], &self.name);
        }
        if let Some(uuid) = &self.uuid {
            w.value_element("uuid", &[], uuid);
        }
        if let Some(Genid::Value(g)) = &self.genid {
            w.value_element("genid", &[], g);
        }
        if let Some(t) = &self.title {
            w.text_element("title", &[], t);
        }
        if let Some(d) = &self.description {
            w.text_element("description", &[], d);
        }
        w.value_element("memory", &[("unit", Some("KiB"))], self.memory_kib);
        w.value_element(
            "currentMemory",
            &[("unit", Some("KiB"))],
            self.effective_current_memory_kib(),
        );
        self.write_memtune(&mut w);
        self.write_vcpu(&mut w);
        if let Some(shares) = self.cputune.shares {
            w.open("cputune", &[]);
            w.value_element("shares", &[], shares);
            w.close("cputune");
        }
        self.write_os(&mut w);
        if let Some(cpu) = &self.cpu {
            write_cpu(&mut w, cpu);
        }
        w.empty("clock", &[("offset", Some(self.clock.offset.as_str()))]);
        w.text_element("on_poweroff", &[], self.on_poweroff.as_str());
        w.text_element("on_reboot", &[], self.on_reboot.as_str());
        w.text_element("on_crash", &[], self.on_crash.as_str());
        self.write_devices(&mut w, opts);
        if let Some(p) = &self.vmware_datacenter_path {
            w.text_element("vmware:datacenterpath", &[], p);
        }
        if let Some(m) = &self.vmware_moref {
            w.text_element("vmware:moref", &[], m);
        }
        w.close("domain");
        w.finish()
    }

    /// `currentMemory` as libvirt reports it: the balloon size, or the maximum when unset,
    /// zero or larger than the maximum.
    pub fn effective_current_memory_kib(&self) -> u64 {
        match self.current_memory_kib {
            Some(c) if c != 0 && c <= self.memory_kib => c,
            _ => self.memory_kib,
        }
    }

    fn write_memtune(&self, w: &mut XmlWriter) {
        let m = &self.memtune;
        w.element_with("memtune", &[], true, |w| {
            let limit = |w: &mut XmlWriter, name: &str, v: Option<u64>| {
                if let Some(v) = v.filter(|v| *v < MEMORY_UNLIMITED_KIB) {
                    w.value_element(name, &[("unit", Some("KiB"))], v);
                }
            };
            limit(w, "hard_limit", m.hard_limit);
            limit(w, "soft_limit", m.soft_limit);
            if let Some(v) = m.min_guarantee.filter(|v| *v != 0) {
                w.value_element("min_guarantee", &[("unit", Some("KiB"))], v);
            }
            limit(w, "swap_hard_limit", m.swap_hard_limit);
        });
    }

    fn write_vcpu(&self, w: &mut XmlWriter) {
        let v = &self.vcpu;
        let cpuset = v
            .cpuset
            .as_ref()
            .filter(|c| !c.is_all() && !c.is_empty())
            .map(|c| c.to_string());
        let current = v.current.filter(|c| *c < v.count).map(|c| c.to_string());
        w.value_element(
            "vcpu",
            &[
                ("placement", Some(v.placement.as_str())),
                ("cpuset", cpuset.as_deref()),
                ("current", current.as_deref()),
            ],
            v.count,
        );
    }

    fn write_os(&self, w: &mut XmlWriter) {
        let os = &self.os;
        w.open("os", &[("firmware", os.firmware.map(|f| f.as_str()))]);
        w.text_element(
            "type",
            &[
                ("arch", os.arch.as_deref()),
                ("machine", os.machine.as_deref()),
            ],
            &os.os_type,
        );
        for b in &os.boot {
            w.empty("boot", &[("dev", Some(b.as_str()))]);
        }
        if let Some(mode) = os.smbios_mode {
            w.empty("smbios", &[("mode", Some(mode.as_str()))]);
        }
        w.close("os");
    }

    fn write_devices(&self, w: &mut XmlWriter, opts: FormatOptions) {
        let d = &self.devices;
        w.open("devices", &[]);
        if let Some(e) = &d.emulator {
            w.text_element("emulator", &[], e);
        }
        for disk in &d.disks {
            disk.write(w);
        }
        for c in &d.controllers {
            c.write(w);
        }
        for fs in &d.filesystems {
            fs.write(w);
        }
        for net in &d.interfaces {
            net.write(w, opts);
        }
        for (i, s) in d.serials.iter().enumerate() {
            s.write(w, "serial", i);
        }
        for (i, p) in d.parallels.iter().enumerate() {
            p.write(w, "parallel", i);
        }
        for (i, c) in self.effective_consoles().iter().enumerate() {
            c.write(w, "console", i);
        }
        for g in &d.graphics {
            g.write(w, opts);
        }
        for v in &d.videos {
            v.write(w);
        }
        if let Some(b) = &d.memballoon {
            w.empty("memballoon", &[("model", Some(&b.model))]);
        }
        w.close("devices");
    }

    /// The consoles libvirt would print: for an HVM guest the first console is an alias of
    /// the first serial port (and is created when there is a serial port but no console),
    /// and any console of target type serial mirrors the serial port with the same index.
    pub fn effective_consoles(&self) -> Vec<CharDevice> {
        let d = &self.devices;
        let hvm = self.os.os_type == "hvm";
        let mut consoles = d.consoles.clone();
        if hvm && !d.serials.is_empty() {
            let first_is_serial = consoles
                .first()
                .is_some_and(|c| matches!(c.target_type.as_deref(), None | Some("serial")));
            if !first_is_serial {
                consoles.insert(
                    0,
                    CharDevice {
                        source: CharSource::Null,
                        target_type: Some("serial".into()),
                        target_port: None,
                    },
                );
            }
        }
        consoles
            .into_iter()
            .enumerate()
            .map(|(n, c)| {
                let serialish = matches!(c.target_type.as_deref(), None | Some("serial"));
                match d.serials.get(n) {
                    Some(s) if hvm && serialish => CharDevice {
                        source: s.source.clone(),
                        target_type: Some("serial".into()),
                        target_port: Some(s.target_port.unwrap_or(n as u32)),
                    },
                    _ => c,
                }
            })
            .collect()
    }
}

fn write_cpu(w: &mut XmlWriter, cpu: &Cpu) {
    // A custom-mode CPU with no model writes no attributes (libvirt: "only topology").
    let mode = cpu
        .mode
        .filter(|m| *m != CpuMode::Custom)
        .map(|m| m.as_str());
    w.element_with("cpu", &[("mode", mode)], true, |w| {
        if let Some(t) = &cpu.topology {
            if t.sockets != 0 && t.dies != 0 && t.cores != 0 && t.threads != 0 {
                let (s, d, c, th) = (
                    t.sockets.to_string(),
                    t.dies.to_string(),
                    t.cores.to_string(),
                    t.threads.to_string(),
                );
                w.empty(
                    "topology",
                    &[
                        ("sockets", Some(&s)),
                        ("dies", Some(&d)),
                        ("cores", Some(&c)),
                        ("threads", Some(&th)),
                    ],
                );
            }
        }
    });
}

impl Disk {
    fn write(&self, w: &mut XmlWriter) {
        w.open(
            "disk",
            &[
                ("type", Some(self.disk_type.as_str())),
                ("device", Some(self.device.as_str())),
            ],
        );
        if let Some(d) = &self.driver {
            // libvirt leaves out the default cache mode, and the element when it is empty.
            let cache = d.cache.filter(|c| *c != DiskCache::Default);
            if d.name.is_some() || d.format.is_some() || cache.is_some() {
                w.empty(
                    "driver",
                    &[
                        ("name", d.name.as_deref()),
                        ("type", d.format.as_deref()),
                        ("cache", cache.map(|c| c.as_str())),
                    ],
                );
            }
        }
        self.write_source(w);
        let bus = self.effective_bus();
        w.empty(
            "target",
            &[("dev", Some(&self.target.dev)), ("bus", Some(bus.as_str()))],
        );
        if self.readonly || self.device == DiskDevice::Cdrom {
            w.empty("readonly", &[]);
        }
        if self.shareable {
            w.empty("shareable", &[]);
        }
        if self.transient {
            w.empty("transient", &[]);
        }
        if let (None, Some(t)) = (&self.address, &self.other_address_type) {
            // Only the type is kept of such an address (VMX cannot express any of them).
            w.empty("address", &[("type", Some(t))]);
        }
        if let Some(a) = &self.address {
            let (c, b, t, u) = (
                a.controller.to_string(),
                a.bus.to_string(),
                a.target.to_string(),
                a.unit.to_string(),
            );
            w.empty(
                "address",
                &[
                    ("type", Some("drive")),
                    ("controller", Some(&c)),
                    ("bus", Some(&b)),
                    ("target", Some(&t)),
                    ("unit", Some(&u)),
                ],
            );
        }
        w.close("disk");
    }

    fn write_source(&self, w: &mut XmlWriter) {
        let policy = self.startup_policy.map(|p| p.as_str());
        match (self.disk_type, &self.network, &self.volume) {
            (DiskType::Network, Some(n), _) => {
                let tls = n.tls.map(|t| if t { "yes" } else { "no" });
                let attrs = [
                    ("protocol", Some(n.protocol.as_str())),
                    ("name", self.source.as_deref()),
                    ("query", n.query.as_deref()),
                    ("tls", tls),
                    ("tlsHostname", n.tls_hostname.as_deref()),
                ];
                if n.hosts.is_empty() {
                    w.empty("source", &attrs);
                    return;
                }
                w.open("source", &attrs);
                for h in &n.hosts {
                    let port = (h.port != 0).then(|| h.port.to_string());
                    let transport =
                        (h.transport != HostTransport::Tcp).then(|| h.transport.as_str());
                    w.empty(
                        "host",
                        &[
                            ("name", h.name.as_deref()),
                            ("port", port.as_deref()),
                            ("transport", transport),
                            ("socket", h.socket.as_deref()),
                        ],
                    );
                }
                w.close("source");
            }
            (DiskType::Volume, _, v) => {
                let v = v.as_ref();
                if v.is_some() || policy.is_some() {
                    w.empty(
                        "source",
                        &[
                            ("pool", v.map(|v| v.pool.as_str())),
                            ("volume", v.map(|v| v.volume.as_str())),
                            ("mode", v.and_then(|v| v.mode.as_deref())),
                            ("startupPolicy", policy),
                        ],
                    );
                }
            }
            _ => {
                let source_attr = match self.disk_type {
                    DiskType::Block => "dev",
                    DiskType::Dir => "dir",
                    _ => "file",
                };
                if self.source.is_some() || policy.is_some() {
                    w.empty(
                        "source",
                        &[
                            (source_attr, self.source.as_deref()),
                            ("startupPolicy", policy),
                        ],
                    );
                }
            }
        }
    }

    /// The bus libvirt assumes when `<target>` has none: `fdc` for floppies, else from the
    /// device name prefix (`hd` IDE, `sd` SCSI, `vd` virtio, `xvd` Xen, `ubd` UML), else IDE.
    pub fn effective_bus(&self) -> DiskBus {
        if let Some(b) = self.target.bus {
            return b;
        }
        if self.device == DiskDevice::Floppy {
            return DiskBus::Fdc;
        }
        let dev = self.target.dev.as_str();
        if dev.starts_with("sd") {
            DiskBus::Scsi
        } else if dev.starts_with("vd") {
            DiskBus::Virtio
        } else if dev.starts_with("xvd") {
            DiskBus::Xen
        } else if dev.starts_with("ubd") {
            DiskBus::Uml
        } else {
            DiskBus::Ide
        }
    }
}

impl Controller {
    fn write(&self, w: &mut XmlWriter) {
        let index = self.index.to_string();
        w.empty(
            "controller",
            &[
                ("type", Some(self.controller_type.as_str())),
                ("index", Some(&index)),
                ("model", self.model.as_ref().map(|m| m.as_str())),
            ],
        );
    }
}

impl Filesystem {
    fn write(&self, w: &mut XmlWriter) {
        w.open(
            "filesystem",
            &[
                ("type", Some(self.fs_type.as_str())),
                ("accessmode", self.access_mode.map(|m| m.as_str())),
            ],
        );
        let attr = match self.fs_type {
            FsType::Block => "dev",
            FsType::File => "file",
            FsType::Template => "name",
            FsType::Ram => "usage",
            _ => "dir",
        };
        if !self.source_dir.is_empty() {
            w.empty("source", &[(attr, Some(&self.source_dir))]);
        }
        if !self.target_dir.is_empty() {
            w.empty("target", &[("dir", Some(&self.target_dir))]);
        }
        if self.readonly {
            w.empty("readonly", &[]);
        }
        w.close("filesystem");
    }
}

impl Interface {
    fn write(&self, w: &mut XmlWriter, opts: FormatOptions) {
        w.open("interface", &[("type", Some(self.source.type_str()))]);
        if let Some(mac) = &self.mac {
            let addr = mac.address.to_string();
            w.empty(
                "mac",
                &[
                    ("address", Some(&addr)),
                    ("type", mac.mac_type.map(|t| t.as_str())),
                    ("check", mac.check.map(|c| if c { "yes" } else { "no" })),
                ],
            );
        }
        match &self.source {
            InterfaceSource::Bridge { bridge } => w.empty("source", &[("bridge", Some(bridge))]),
            InterfaceSource::Network { network, portgroup } => w.empty(
                "source",
                &[
                    ("network", Some(network)),
                    ("portgroup", portgroup.as_deref()),
                ],
            ),
            InterfaceSource::Direct { dev, mode } => w.empty(
                "source",
                &[
                    ("dev", Some(dev)),
                    ("mode", Some(mode.as_deref().unwrap_or("vepa"))),
                ],
            ),
            InterfaceSource::Vds(vds) => {
                let (s, p, c) = (
                    vds.switch_id.to_string(),
                    vds.port_id.to_string(),
                    vds.connection_id.to_string(),
                );
                w.empty(
                    "source",
                    &[
                        ("switchid", Some(&s)),
                        ("portid", Some(&p)),
                        ("portgroupid", vds.portgroup_id.as_deref()),
                        ("connectionid", Some(&c)),
                    ],
                )
            }
            InterfaceSource::User | InterfaceSource::Ethernet | InterfaceSource::Null => {}
        }
        if let Some(dev) = &self.target_dev {
            let generated = GENERATED_IFNAME_PREFIXES.iter().any(|p| dev.starts_with(p));
            if !(opts.inactive && generated) {
                w.empty("target", &[("dev", Some(dev))]);
            }
        }
        if let Some(m) = &self.model {
            w.empty("model", &[("type", Some(m.as_str()))]);
        }
        w.close("interface");
    }
}

impl CharDevice {
    fn write(&self, w: &mut XmlWriter, element: &str, index: usize) {
        w.open(element, &[("type", Some(self.source.type_str()))]);
        match &self.source {
            CharSource::Null | CharSource::Vc | CharSource::Pty | CharSource::Stdio => {}
            CharSource::Dev { path } | CharSource::File { path } | CharSource::Pipe { path } => {
                // libvirt writes no <source> at all when there is no path.
                if let Some(p) = path {
                    w.empty("source", &[("path", Some(p))]);
                }
            }
            CharSource::Tcp(tcp) => {
                // libvirt builds this tag with hard-coded separators: a space follows
                // `mode` and `host` even when nothing comes after them.
                let mut tag = String::new();
                for _ in 0..w.depth() {
                    tag.push_str("  ");
                }
                tag.push_str("<source mode='");
                tag.push_str(if tcp.listen { "bind" } else { "connect" });
                tag.push_str("' ");
                if let Some(h) = &tcp.host {
                    tag.push_str("host='");
                    crate::writer::escape_into(&mut tag, h);
                    tag.push_str("' ");
                }
                if let Some(s) = &tcp.service {
                    tag.push_str("service='");
                    crate::writer::escape_into(&mut tag, s);
                    tag.push('\'');
                }
                tag.push_str("/>\n");
                w.raw(&tag);
                w.empty("protocol", &[("type", Some(tcp.protocol.as_str()))]);
            }
            CharSource::Udp {
                bind_host,
                bind_service,
                connect_host,
                connect_service,
            } => {
                if bind_host.is_some() || bind_service.is_some() {
                    w.empty(
                        "source",
                        &[
                            ("mode", Some("bind")),
                            ("host", bind_host.as_deref()),
                            ("service", bind_service.as_deref()),
                        ],
                    );
                }
                if connect_host.is_some() || connect_service.is_some() {
                    w.empty(
                        "source",
                        &[
                            ("mode", Some("connect")),
                            ("host", connect_host.as_deref()),
                            ("service", connect_service.as_deref()),
                        ],
                    );
                }
            }
            CharSource::Unix { listen, path } => {
                if let Some(p) = path {
                    w.empty(
                        "source",
                        &[
                            ("mode", Some(if *listen { "bind" } else { "connect" })),
                            ("path", Some(p)),
                        ],
                    );
                }
            }
        }
        let port = self.target_port.unwrap_or(index as u32).to_string();
        match element {
            "console" => w.empty(
                "target",
                &[
                    (
                        "type",
                        Some(self.target_type.as_deref().unwrap_or("serial")),
                    ),
                    ("port", Some(&port)),
                ],
            ),
            "serial" => w.empty(
                "target",
                &[("type", self.target_type.as_deref()), ("port", Some(&port))],
            ),
            _ => w.empty("target", &[("port", Some(&port))]),
        }
        w.close(element);
    }
}

impl Graphics {
    fn write(&self, w: &mut XmlWriter, opts: FormatOptions) {
        let vnc = match self {
            Graphics::Vnc(v) => v,
            Graphics::Other(t) => {
                w.empty("graphics", &[("type", Some(t))]);
                return;
            }
        };
        let first = vnc.listens.first();
        let mut port = None;
        let mut autoport = None;
        let mut listen_attr = None;
        let mut socket_attr = None;
        match first {
            Some(GraphicsListen::Socket { socket }) => socket_attr = socket.clone(),
            Some(GraphicsListen::Address { .. }) | Some(GraphicsListen::Network { .. }) => {
                if vnc.port != 0 && (!vnc.autoport || !opts.inactive) {
                    port = Some(vnc.port.to_string());
                } else if vnc.autoport {
                    port = Some("-1".to_string());
                }
                autoport = Some(if vnc.autoport { "yes" } else { "no" });
                listen_attr = match first {
                    Some(GraphicsListen::Address { address }) => address.clone(),
                    Some(GraphicsListen::Network { address, .. }) if !opts.inactive => {
                        address.clone()
                    }
                    _ => None,
                };
            }
            _ => {}
        }
        let websocket =
            (vnc.websocket != 0 && autoport.is_some()).then(|| vnc.websocket.to_string());
        let passwd = if opts.secure {
            vnc.passwd.as_deref()
        } else {
            None
        };
        let attrs = [
            ("type", Some("vnc")),
            ("socket", socket_attr.as_deref()),
            ("port", port.as_deref()),
            ("autoport", autoport),
            ("websocket", websocket.as_deref()),
            ("listen", listen_attr.as_deref()),
            ("keymap", vnc.keymap.as_deref()),
            ("sharePolicy", vnc.share_policy.as_deref()),
            ("passwd", passwd),
        ];
        w.element_with("graphics", &attrs, false, |w| {
            for l in &vnc.listens {
                match l {
                    GraphicsListen::Address { address } => w.empty(
                        "listen",
                        &[("type", Some("address")), ("address", address.as_deref())],
                    ),
                    GraphicsListen::Network { network, address } => {
                        let addr = if opts.inactive {
                            None
                        } else {
                            address.as_deref()
                        };
                        w.empty(
                            "listen",
                            &[
                                ("type", Some("network")),
                                ("address", addr),
                                ("network", Some(network)),
                            ],
                        )
                    }
                    GraphicsListen::Socket { socket } => w.empty(
                        "listen",
                        &[("type", Some("socket")), ("socket", socket.as_deref())],
                    ),
                    GraphicsListen::None => w.empty("listen", &[("type", Some("none"))]),
                }
            }
        });
    }
}

impl Video {
    fn write(&self, w: &mut XmlWriter) {
        w.open("video", &[]);
        let vram = self.vram.filter(|v| *v != 0).map(|v| v.to_string());
        let heads = self.heads.filter(|v| *v != 0).map(|v| v.to_string());
        w.empty(
            "model",
            &[
                ("type", Some(self.model.as_str())),
                ("vram", vram.as_deref()),
                ("heads", heads.as_deref()),
                ("primary", self.primary.then_some("yes")),
            ],
        );
        w.close("video");
    }
}
