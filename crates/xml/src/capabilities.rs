//! Capabilities XML (`virsh capabilities`) as the ESX driver formats it.
//!
//! The ESX driver describes the host by its BIOS UUID and architecture (x86_64 when the CPU
//! supports long mode, else i686), no power management, no IOMMU, offline and live migration
//! over the `vpxmigr` transport, and one `hvm` guest per architecture (i686 always, x86_64
//! with long mode) whose only domain type is `vmware`. Host CPU model, topology, NUMA, caches
//! and security models are never filled by ESX and are not modelled.

use crate::dom::Element;
use crate::error::XmlError;
use crate::snapshot::xpath::{self, Query};
use crate::writer::XmlWriter;

/// `<host>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Host {
    /// Host UUID; libvirt omits a UUID whose 16 bytes are all equal (e.g. all zero).
    pub uuid: Option<String>,
    /// `<cpu>/<arch>`.
    pub arch: Option<String>,
    /// `<cpu>/<features>` flag names (`<vmx/>`, `<svm/>`, ...).
    pub cpu_features: Vec<String>,
    /// `<power_management>` targets (`suspend_mem`, `suspend_disk`, `suspend_hybrid`);
    /// empty prints `<power_management/>`.
    pub power_management: Vec<String>,
    /// `<iommu support='yes'>`.
    pub iommu: bool,
    /// Offline migration supported (prints `<migration_features>`).
    pub offline_migrate: bool,
    /// `<live/>` inside migration features.
    pub live_migrate: bool,
    /// `<uri_transports>`.
    pub migrate_transports: Vec<String>,
}

/// `<guest>`: one OS type / architecture pair and the hypervisor domain types for it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Guest {
    /// `hvm` for ESX.
    pub os_type: String,
    /// Architecture name (`i686`, `x86_64`).
    pub arch: String,
    /// Word size in bits.
    pub wordsize: u32,
    /// Default emulator path, if any.
    pub emulator: Option<String>,
    /// Domain types (`vmware`), each without emulator/loader/machines.
    pub domain_types: Vec<String>,
}

/// A `<capabilities>` document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Capabilities {
    /// The host part.
    pub host: Host,
    /// Guests in order.
    pub guests: Vec<Guest>,
}

/// Whether libvirt considers a UUID valid for printing: not all 16 bytes equal.
pub fn uuid_is_valid(uuid: &str) -> bool {
    let hex: Vec<u8> = uuid
        .bytes()
        .filter(u8::is_ascii_hexdigit)
        .map(|b| b.to_ascii_lowercase())
        .collect();
    hex.len() == 32 && hex.chunks(2).any(|pair| pair != &hex[..2])
}

impl Capabilities {
    /// What the ESX driver builds: `host_uuid` is the host's BIOS UUID (dropped when libvirt
    /// would not print it), `long_mode` whether the host CPU supports 64-bit guests.
    pub fn esx(host_uuid: Option<&str>, long_mode: bool) -> Capabilities {
        let arch = if long_mode { "x86_64" } else { "i686" };
        let guest = |arch: &str, wordsize| Guest {
            os_type: "hvm".into(),
            arch: arch.into(),
            wordsize,
            emulator: None,
            domain_types: vec!["vmware".into()],
        };
        let mut guests = vec![guest("i686", 32)];
        if long_mode {
            guests.push(guest("x86_64", 64));
        }
        Capabilities {
            host: Host {
                uuid: host_uuid
                    .filter(|u| uuid_is_valid(u))
                    .and_then(xpath::canonical_uuid),
                arch: Some(arch.into()),
                offline_migrate: true,
                live_migrate: true,
                migrate_transports: vec!["vpxmigr".into()],
                ..Default::default()
            },
            guests,
        }
    }

    /// Formats the document exactly as libvirt's capabilities formatter does, including the
    /// blank lines after `<capabilities>`, `</host>` and each `</guest>`.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::new();
        w.raw("<capabilities>\n\n");
        let mut body = XmlWriter::with_depth(1);
        self.format_host(&mut body);
        for g in &self.guests {
            format_guest(&mut body, g);
        }
        w.raw(&body.finish());
        w.raw("</capabilities>\n");
        w.finish()
    }

    fn format_host(&self, w: &mut XmlWriter) {
        let h = &self.host;
        let uuid = h.uuid.as_deref().filter(|u| uuid_is_valid(u));
        if uuid.is_none() && h.arch.is_none() && h.power_management.is_empty() && !h.iommu {
            return;
        }
        w.open("host", &[]);
        if let Some(u) = uuid {
            w.value_element("uuid", &[], u);
        }
        w.open("cpu", &[]);
        if let Some(a) = &h.arch {
            w.value_element("arch", &[], a);
        }
        if !h.cpu_features.is_empty() {
            w.open("features", &[]);
            for f in &h.cpu_features {
                w.empty(f, &[]);
            }
            w.close("features");
        }
        w.close("cpu");
        if h.power_management.is_empty() {
            w.empty("power_management", &[]);
        } else {
            w.open("power_management", &[]);
            for p in &h.power_management {
                w.empty(p, &[]);
            }
            w.close("power_management");
        }
        w.empty(
            "iommu",
            &[("support", Some(if h.iommu { "yes" } else { "no" }))],
        );
        if h.offline_migrate {
            w.open("migration_features", &[]);
            if h.live_migrate {
                w.empty("live", &[]);
            }
            if !h.migrate_transports.is_empty() {
                w.open("uri_transports", &[]);
                for t in &h.migrate_transports {
                    w.value_element("uri_transport", &[], t);
                }
                w.close("uri_transports");
            }
            w.close("migration_features");
        }
        w.close("host");
        w.raw("\n");
    }

    /// Parses a `<capabilities>` document (the parts modelled here; others are ignored).
    pub fn from_xml(xml: &str) -> Result<Capabilities, XmlError> {
        let root = xpath::parse_root(xml, "capabilities")?;
        let mut caps = Capabilities::default();
        if let Some(h) = root.child("host") {
            caps.host = parse_host(h)?;
        }
        for g in root.children_named("guest") {
            caps.guests.push(parse_guest(g)?);
        }
        Ok(caps)
    }

    /// The guest architectures offered, in order (what `virsh capabilities` consumers look
    /// up to decide whether a 64-bit guest can run).
    pub fn guest_arches(&self) -> impl Iterator<Item = &str> {
        self.guests.iter().map(|g| g.arch.as_str())
    }
}

fn format_guest(w: &mut XmlWriter, g: &Guest) {
    w.open("guest", &[]);
    w.value_element("os_type", &[], &g.os_type);
    w.open("arch", &[("name", Some(&g.arch))]);
    w.value_element("wordsize", &[], g.wordsize);
    if let Some(e) = &g.emulator {
        w.value_element("emulator", &[], e);
    }
    for d in &g.domain_types {
        w.empty("domain", &[("type", Some(d))]);
    }
    w.close("arch");
    w.close("guest");
    w.raw("\n");
}

fn parse_host(h: &Element) -> Result<Host, XmlError> {
    let mut host = Host {
        uuid: match h.child_text("uuid") {
            None => None,
            Some(u) => Some(
                xpath::canonical_uuid(&u)
                    .ok_or_else(|| XmlError::invalid("<host>/<uuid>", &u, "expected a UUID"))?,
            ),
        },
        arch: h.path_text(&["cpu", "arch"]),
        ..Default::default()
    };
    if let Some(f) = h.path(&["cpu", "features"]) {
        host.cpu_features = f.children.iter().map(|e| e.name.clone()).collect();
    }
    if let Some(p) = h.child("power_management") {
        host.power_management = p.children.iter().map(|e| e.name.clone()).collect();
    }
    host.iommu = h.path_attr(&["iommu"], "support").as_deref() == Some("yes");
    if let Some(m) = h.child("migration_features") {
        host.offline_migrate = true;
        host.live_migrate = m.child("live").is_some();
        if let Some(t) = m.child("uri_transports") {
            host.migrate_transports = t
                .children_named("uri_transport")
                .map(Query::string_value)
                .collect();
        }
    }
    Ok(host)
}

fn parse_guest(g: &Element) -> Result<Guest, XmlError> {
    let arch_el = g
        .child("arch")
        .ok_or_else(|| XmlError::missing("<arch> in <guest>"))?;
    let wordsize = match arch_el.child_text("wordsize") {
        None => 0,
        Some(w) => w
            .trim()
            .parse()
            .map_err(|_| XmlError::invalid("<wordsize>", &w, "expected a number of bits"))?,
    };
    Ok(Guest {
        os_type: g
            .child_text("os_type")
            .ok_or_else(|| XmlError::missing("<os_type> in <guest>"))?,
        arch: arch_el
            .attr("name")
            .ok_or_else(|| XmlError::missing("attribute 'name' of <arch>"))?
            .to_owned(),
        wordsize,
        emulator: arch_el.child_text("emulator"),
        domain_types: arch_el
            .children_named("domain")
            .filter_map(|d| d.attr("type"))
            .map(str::to_owned)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ESX_64: &str = "<capabilities>

  <host>
    <uuid>4c4c4544-0042-3310-8044-b4c04f4e5031</uuid>
    <cpu>
      <arch>x86_64</arch>
    </cpu>
    <power_management/>
    <iommu support='no'/>
    <migration_features>
      <live/>
      <uri_transports>
        <uri_transport>vpxmigr</uri_transport>
      </uri_transports>
    </migration_features>
  </host>

  <guest>
    <os_type>hvm</os_type>
    <arch name='i686'>
      <wordsize>32</wordsize>
      <domain type='vmware'/>
    </arch>
  </guest>

  <guest>
    <os_type>hvm</os_type>
    <arch name='x86_64'>
      <wordsize>64</wordsize>
      <domain type='vmware'/>
    </arch>
  </guest>

</capabilities>
";

    #[test]
    fn esx_long_mode_host() {
        let c = Capabilities::esx(Some("4C4C4544-0042-3310-8044-B4C04F4E5031"), true);
        assert_eq!(c.to_xml(), ESX_64);
        assert_eq!(Capabilities::from_xml(ESX_64).unwrap(), c);
        assert_eq!(c.guest_arches().collect::<Vec<_>>(), ["i686", "x86_64"]);
    }

    #[test]
    fn esx_32bit_host_without_uuid() {
        let c = Capabilities::esx(Some("00000000-0000-0000-0000-000000000000"), false);
        // The 64-bit document without the host UUID, an i686 host and no x86_64 guest.
        let xml = ESX_64
            .replace("    <uuid>4c4c4544-0042-3310-8044-b4c04f4e5031</uuid>\n", "")
            .replace("<arch>x86_64</arch>", "<arch>i686</arch>")
            .replace(
                "  <guest>\n    <os_type>hvm</os_type>\n    <arch name='x86_64'>\n      \
                 <wordsize>64</wordsize>\n      <domain type='vmware'/>\n    </arch>\n  </guest>\n\n",
                "",
            );
        assert!(!xml.contains("x86_64") && !xml.contains("<uuid>"), "{xml}");
        assert_eq!(c.to_xml(), xml);
        assert_eq!(Capabilities::from_xml(&xml).unwrap().to_xml(), xml);
        assert_eq!(Capabilities::esx(None, false), c);
    }

    /// The host part of libvirt's tests/vircaps2xmldata/vircaps-aarch64-basic.xml shape:
    /// migration features without live or transports.
    #[test]
    fn libvirt_empty_migration_features() {
        let c = Capabilities {
            host: Host {
                arch: Some("aarch64".into()),
                offline_migrate: true,
                ..Default::default()
            },
            guests: Vec::new(),
        };
        assert_eq!(
            c.to_xml(),
            "<capabilities>\n\n  <host>\n    <cpu>\n      <arch>aarch64</arch>\n    </cpu>\n    <power_management/>\n    \
             <iommu support='no'/>\n    <migration_features>\n    </migration_features>\n  </host>\n\n</capabilities>\n"
        );
    }

    #[test]
    fn uuid_validity() {
        assert!(!uuid_is_valid("ffffffff-ffff-ffff-ffff-ffffffffffff"));
        assert!(uuid_is_valid("00000000-0000-0000-0000-000000000001"));
        assert!(!uuid_is_valid("short"));
    }

    #[test]
    fn errors_name_the_problem() {
        assert!(Capabilities::from_xml("<caps/>")
            .unwrap_err()
            .to_string()
            .contains("capabilities"));
        let e = Capabilities::from_xml(
            "<capabilities><guest><os_type>hvm</os_type></guest></capabilities>",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("<arch>"), "{e}");
    }
}
