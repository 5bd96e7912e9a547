//! Host interface XML (`<interface>` of `virsh iface-dumpxml`) for ESX physical NICs.
//!
//! The ESX driver describes every physical NIC as an `ethernet` interface that starts on
//! boot, with its MAC address and, when the NIC has an IPv4 configuration, one `ipv4`
//! protocol (DHCP and/or a static address with its prefix). Bridge, bond and VLAN interfaces
//! are not modelled; parsing one is an error.

use std::net::Ipv4Addr;

use crate::dom::Element;
use crate::error::XmlError;
use crate::snapshot::xpath::{self, Query};
use crate::writer::XmlWriter;

crate::string_enum! {
    /// `<start mode=...>`.
    pub enum StartMode {
        None = "none",
        OnBoot = "onboot",
        Hotplug = "hotplug",
    }
}

crate::string_enum! {
    /// `<link state=...>` (operational state, RFC 2863).
    pub enum LinkState {
        Unknown = "unknown",
        NotPresent = "notpresent",
        Down = "down",
        LowerLayerDown = "lowerlayerdown",
        Testing = "testing",
        Dormant = "dormant",
        Up = "up",
    }
}

/// `<dhcp/>` inside a protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Dhcp {
    /// `peerdns='yes'|'no'`; `None` prints a bare `<dhcp/>`.
    pub peerdns: Option<bool>,
}

/// `<ip address=... prefix=.../>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpAddress {
    /// The address as written.
    pub address: String,
    /// Prefix length; 0 means "not given" (libvirt's convention), and libvirt prints
    /// whatever non-zero value it has, even the -1 of a malformed netmask.
    pub prefix: i32,
}

/// `<protocol family=...>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protocol {
    /// `ipv4` or `ipv6`.
    pub family: String,
    /// `<autoconf/>` (IPv6 only).
    pub autoconf: bool,
    /// `<dhcp/>`.
    pub dhcp: Option<Dhcp>,
    /// Static addresses.
    pub ips: Vec<IpAddress>,
    /// `<route gateway=.../>`.
    pub gateway: Option<String>,
}

/// `<link speed=... state=.../>`; zero/`None` fields are not printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Link {
    /// Speed in Mbit/s; 0 = unknown.
    pub speed: u32,
    /// Operational state.
    pub state: Option<LinkState>,
}

/// An `<interface type='ethernet'>` document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Interface {
    /// Device name (`vmnic0`).
    pub name: String,
    /// Start mode.
    pub start_mode: Option<StartMode>,
    /// MTU; 0 = not given.
    pub mtu: u32,
    /// Address configuration.
    pub protocols: Vec<Protocol>,
    /// Link state and speed.
    pub link: Link,
    /// MAC address as given.
    pub mac: Option<String>,
}

/// The IPv4 configuration of a physical NIC (`PhysicalNic.spec.ip`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NicIpConfig {
    /// `dhcp`.
    pub dhcp: bool,
    /// `ipAddress` (may be empty).
    pub ip_address: Option<String>,
    /// `subnetMask` (may be empty).
    pub subnet_mask: Option<String>,
}

impl Interface {
    /// The interface the ESX driver reports for a physical NIC: ethernet, `onboot`, the MAC,
    /// and an `ipv4` protocol when the NIC has DHCP or a complete static address. With
    /// `inactive` (`--inactive`) a DHCP NIC's current address is left out.
    ///
    /// Fails (naming the value) when the subnet mask is not an IPv4 address, as libvirt does.
    pub fn from_physical_nic(
        device: &str,
        mac: &str,
        ip: Option<&NicIpConfig>,
        inactive: bool,
    ) -> Result<Interface, XmlError> {
        let mut def = Interface {
            name: device.to_owned(),
            start_mode: Some(StartMode::OnBoot),
            mac: Some(mac.to_owned()),
            ..Default::default()
        };
        if let Some(ip) = ip {
            let addr = ip.ip_address.as_deref().filter(|s| !s.is_empty());
            let mask = ip.subnet_mask.as_deref().filter(|s| !s.is_empty());
            let has_address = addr.is_some() && mask.is_some();
            if ip.dhcp || has_address {
                // The driver starts from a zeroed protocol, so peerdns is "no", not absent.
                let mut proto = Protocol {
                    family: "ipv4".into(),
                    autoconf: false,
                    dhcp: ip.dhcp.then_some(Dhcp {
                        peerdns: Some(false),
                    }),
                    ips: Vec::new(),
                    gateway: None,
                };
                if let (Some(a), Some(m)) = (addr, mask) {
                    if !(ip.dhcp && inactive) {
                        let mask: Ipv4Addr = m.parse().map_err(|_| {
                            XmlError::invalid(
                                "subnet mask of physical NIC",
                                m,
                                "expected an IPv4 address",
                            )
                        })?;
                        proto.ips.push(IpAddress {
                            address: a.to_owned(),
                            prefix: netmask_bits(mask),
                        });
                    }
                }
                def.protocols.push(proto);
            }
        }
        Ok(def)
    }

    /// Parses an `<interface>` document (type `ethernet` only).
    pub fn from_xml(xml: &str) -> Result<Interface, XmlError> {
        let root = xpath::parse_root(xml, "interface")?;
        match root.attr("type") {
            None => return Err(XmlError::missing("attribute 'type' of <interface>")),
            Some("ethernet") => {}
            Some(t @ ("bridge" | "bond" | "vlan")) => {
                return Err(XmlError::Invalid(format!(
                    "interface type '{t}' is not supported here (only 'ethernet')"
                )))
            }
            Some(t) => {
                return Err(XmlError::invalid(
                    "attribute 'type' of <interface>",
                    t,
                    "expected one of 'ethernet', 'bridge', 'bond', 'vlan'",
                ))
            }
        }
        let name = root
            .attr("name")
            .ok_or_else(|| XmlError::missing("attribute 'name' of <interface>"))?
            .to_owned();
        let start_mode = match root.path_attr(&["start"], "mode") {
            None => None,
            Some(m) => Some(StartMode::from_xml_str(&m).ok_or_else(|| {
                XmlError::invalid("attribute 'mode' of <start>", &m, StartMode::expected())
            })?),
        };
        let mtu = match root.path_attr(&["mtu"], "size") {
            None => 0,
            Some(s) => match s.trim().parse::<u32>() {
                Ok(v) if v <= 100_000 => v,
                _ => {
                    return Err(XmlError::invalid(
                        "attribute 'size' of <mtu>",
                        &s,
                        "expected at most 100000",
                    ))
                }
            },
        };
        let mut protocols = Vec::new();
        for p in root.children_named("protocol") {
            protocols.push(parse_protocol(p)?);
        }
        let mut link = Link::default();
        if let Some(l) = root.child("link") {
            if let Some(s) = l.attr("state") {
                link.state = Some(LinkState::from_xml_str(s).ok_or_else(|| {
                    XmlError::invalid("attribute 'state' of <link>", s, LinkState::expected())
                })?);
            }
            if let Some(s) = l.attr("speed") {
                link.speed = s.parse().map_err(|_| {
                    XmlError::invalid("attribute 'speed' of <link>", s, "expected Mbit/s")
                })?;
            }
        }
        let mac = root.path_attr(&["mac"], "address");
        Ok(Interface {
            name,
            start_mode,
            mtu,
            protocols,
            link,
            mac,
        })
    }

    /// Formats the document exactly as libvirt's interface formatter does.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::new();
        w.open(
            "interface",
            &[("type", Some("ethernet")), ("name", Some(&self.name))],
        );
        if let Some(m) = self.start_mode {
            w.empty("start", &[("mode", Some(m.as_str()))]);
        }
        if self.mtu != 0 {
            raw_line(&mut w, &format!("<mtu size='{}'/>", self.mtu));
        }
        for p in &self.protocols {
            // libvirt prints family, addresses, gateways and the MAC unescaped, which makes
            // malformed XML of a value with a quote; escaping changes no value it accepts.
            let family = crate::writer::escape(&p.family);
            raw_line(&mut w, &format!("<protocol family='{family}'>"));
            let mut inner = XmlWriter::with_depth(w.depth() + 1);
            if p.autoconf {
                inner.empty("autoconf", &[]);
            }
            match p.dhcp.map(|d| d.peerdns) {
                None => {}
                Some(None) => inner.empty("dhcp", &[]),
                Some(Some(yes)) => {
                    inner.empty("dhcp", &[("peerdns", Some(if yes { "yes" } else { "no" }))])
                }
            }
            for ip in &p.ips {
                let prefix = if ip.prefix != 0 {
                    format!(" prefix='{}'", ip.prefix)
                } else {
                    String::new()
                };
                let address = crate::writer::escape(&ip.address);
                raw_line(&mut inner, &format!("<ip address='{address}'{prefix}/>"));
            }
            if let Some(g) = &p.gateway {
                let g = crate::writer::escape(g);
                raw_line(&mut inner, &format!("<route gateway='{g}'/>"));
            }
            w.raw(&inner.finish());
            raw_line(&mut w, "</protocol>");
        }
        if self.link.speed != 0 || self.link.state.is_some() {
            let speed = (self.link.speed != 0).then(|| self.link.speed.to_string());
            w.empty(
                "link",
                &[
                    ("speed", speed.as_deref()),
                    ("state", self.link.state.map(LinkState::as_str)),
                ],
            );
        }
        if let Some(mac) = &self.mac {
            let mac = crate::writer::escape(mac);
            raw_line(&mut w, &format!("<mac address='{mac}'/>"));
        }
        w.close("interface");
        w.finish()
    }
}

/// Writes one pre-built (already escaped or deliberately unescaped) line at the writer's depth.
fn raw_line(w: &mut XmlWriter, line: &str) {
    let indent = "  ".repeat(w.depth());
    w.raw(&format!("{indent}{line}\n"));
}

/// Number of leading one bits of a netmask; -1 when the ones are not contiguous.
pub fn netmask_bits(mask: Ipv4Addr) -> i32 {
    let m = u32::from(mask);
    let ones = m.leading_ones();
    if ones < 32 && (m << ones) != 0 {
        return -1;
    }
    ones as i32
}

fn parse_protocol(p: &Element) -> Result<Protocol, XmlError> {
    let family = p
        .attr("family")
        .ok_or_else(|| XmlError::missing("attribute 'family' of <protocol>"))?;
    if family != "ipv4" && family != "ipv6" {
        return Err(XmlError::invalid(
            "attribute 'family' of <protocol>",
            family,
            "expected 'ipv4' or 'ipv6'",
        ));
    }
    // libvirt reads ./route[1]/@gateway: only the first <route> counts.
    let gateway = p
        .child("route")
        .and_then(|r| r.attr("gateway"))
        .filter(|g| !g.is_empty())
        .map(str::to_owned);
    let autoconf = family == "ipv6" && p.child("autoconf").is_some();
    let dhcp = match p.child("dhcp") {
        None => None,
        Some(d) => Some(Dhcp {
            peerdns: match d.attr("peerdns") {
                None => None,
                Some("yes") => Some(true),
                Some("no") => Some(false),
                Some(v) => {
                    return Err(XmlError::invalid(
                        "attribute 'peerdns' of <dhcp>",
                        v,
                        "expected 'yes' or 'no'",
                    ))
                }
            },
        }),
    };
    let mut ips = Vec::new();
    for ip in p.children_named("ip") {
        // An <ip> without address is kept by libvirt but never printed; drop it.
        let Some(address) = ip.attr("address") else {
            continue;
        };
        let prefix = match ip.attr("prefix") {
            None => 0,
            Some(v) => v.trim().parse::<i32>().map_err(|_| {
                XmlError::invalid("attribute 'prefix' of <ip>", v, "expected a number")
            })?,
        };
        ips.push(IpAddress {
            address: address.to_owned(),
            prefix,
        });
    }
    Ok(Protocol {
        family: family.to_owned(),
        autoconf,
        dhcp,
        ips,
        gateway,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nic_ip(dhcp: bool, addr: &str, mask: &str) -> NicIpConfig {
        NicIpConfig {
            dhcp,
            ip_address: Some(addr.into()),
            subnet_mask: Some(mask.into()),
        }
    }

    #[test]
    fn esx_static_nic() {
        let i = Interface::from_physical_nic(
            "vmnic0",
            "00:50:56:01:02:03",
            Some(&nic_ip(false, "10.0.0.5", "255.255.255.0")),
            false,
        )
        .unwrap();
        let xml = "<interface type='ethernet' name='vmnic0'>
  <start mode='onboot'/>
  <protocol family='ipv4'>
    <ip address='10.0.0.5' prefix='24'/>
  </protocol>
  <mac address='00:50:56:01:02:03'/>
</interface>
";
        assert_eq!(i.to_xml(), xml);
        assert_eq!(Interface::from_xml(xml).unwrap(), i);
    }

    #[test]
    fn esx_dhcp_nic_active_and_inactive() {
        let ip = nic_ip(true, "192.168.1.20", "255.255.0.0");
        let active =
            Interface::from_physical_nic("vmnic1", "00:50:56:aa:bb:cc", Some(&ip), false).unwrap();
        let xml = "<interface type='ethernet' name='vmnic1'>
  <start mode='onboot'/>
  <protocol family='ipv4'>
    <dhcp peerdns='no'/>
    <ip address='192.168.1.20' prefix='16'/>
  </protocol>
  <mac address='00:50:56:aa:bb:cc'/>
</interface>
";
        assert_eq!(active.to_xml(), xml);
        assert_eq!(Interface::from_xml(xml).unwrap().to_xml(), xml);
        let inactive =
            Interface::from_physical_nic("vmnic1", "00:50:56:aa:bb:cc", Some(&ip), true).unwrap();
        assert_eq!(
            inactive.to_xml(),
            "<interface type='ethernet' name='vmnic1'>\n  <start mode='onboot'/>\n  <protocol family='ipv4'>\n    \
             <dhcp peerdns='no'/>\n  </protocol>\n  <mac address='00:50:56:aa:bb:cc'/>\n</interface>\n"
        );
    }

    #[test]
    fn esx_nic_without_ip() {
        let none =
            Interface::from_physical_nic("vmnic2", "00:50:56:00:00:01", None, false).unwrap();
        let empty = Interface::from_physical_nic(
            "vmnic2",
            "00:50:56:00:00:01",
            Some(&nic_ip(false, "", "")),
            false,
        )
        .unwrap();
        let xml = "<interface type='ethernet' name='vmnic2'>\n  <start mode='onboot'/>\n  \
                   <mac address='00:50:56:00:00:01'/>\n</interface>\n";
        assert_eq!(none.to_xml(), xml);
        assert_eq!(empty.to_xml(), xml);
    }

    #[test]
    fn quotes_in_values_stay_well_formed() {
        // Found by fuzzing (crates/xml/fuzz, models_xml): a MAC with a quote was written raw.
        let xml = "<interface type='ethernet' name=''><mac address='&apos;'/></interface>";
        let def = Interface::from_xml(xml).unwrap();
        let out = def.to_xml();
        assert!(out.contains("<mac address='&apos;'/>"), "{out}");
        assert_eq!(Interface::from_xml(&out).unwrap(), def);
        // Addresses and gateways are not checked either.
        let xml = "<interface type='ethernet' name='e'><protocol family='ipv4'>\
            <ip address='1&amp;'/><route gateway='&quot;'/></protocol></interface>";
        let def = Interface::from_xml(xml).unwrap();
        assert_eq!(Interface::from_xml(&def.to_xml()).unwrap(), def);
    }

    #[test]
    fn netmasks() {
        assert_eq!(netmask_bits("255.255.255.255".parse().unwrap()), 32);
        assert_eq!(netmask_bits("255.255.254.0".parse().unwrap()), 23);
        assert_eq!(netmask_bits("0.0.0.0".parse().unwrap()), 0);
        assert_eq!(netmask_bits("255.0.255.0".parse().unwrap()), -1);
        assert!(Interface::from_physical_nic(
            "v",
            "m",
            Some(&nic_ip(false, "1.2.3.4", "bogus")),
            false
        )
        .is_err());
    }

    /// libvirt tests/interfaceschemadata/ethernet-dhcp.xml (round trip).
    #[test]
    fn libvirt_ethernet_dhcp_sample() {
        let xml = "<interface type='ethernet' name='eth0'>
  <start mode='none'/>
  <mtu size='1492'/>
  <protocol family='ipv4'>
    <dhcp peerdns='no'/>
  </protocol>
  <link state='down'/>
  <mac address='aa:bb:cc:dd:ee:ff'/>
</interface>
";
        assert_eq!(Interface::from_xml(xml).unwrap().to_xml(), xml);
    }

    /// libvirt tests/interfaceschemadata/ethernet-dhcp-and-multi-static.xml and ipv6-autoconf-dhcp.
    #[test]
    fn libvirt_multi_static_and_ipv6_samples() {
        let xml = "<interface type='ethernet' name='eth1'>
  <start mode='onboot'/>
  <protocol family='ipv4'>
    <dhcp peerdns='yes'/>
    <ip address='192.168.0.5' prefix='24'/>
    <ip address='1.2.3.4' prefix='32'/>
    <route gateway='192.168.0.1'/>
  </protocol>
</interface>
";
        assert_eq!(Interface::from_xml(xml).unwrap().to_xml(), xml);
        let v6 = "<interface type='ethernet' name='eth0'>
  <start mode='onboot'/>
  <protocol family='ipv6'>
    <autoconf/>
    <dhcp/>
  </protocol>
</interface>
";
        assert_eq!(Interface::from_xml(v6).unwrap().to_xml(), v6);
    }

    #[test]
    fn errors_name_the_problem() {
        let cases: &[(&str, &str)] = &[
            ("<interface name='a'/>", "'type'"),
            ("<interface type='ethernet'/>", "'name'"),
            ("<interface type='bridge' name='br0'/>", "bridge"),
            (
                "<interface type='ethernet' name='a'><start mode='later'/></interface>",
                "'mode'",
            ),
            (
                "<interface type='ethernet' name='a'><mtu size='100001'/></interface>",
                "mtu",
            ),
            (
                "<interface type='ethernet' name='a'><protocol family='ipx'/></interface>",
                "family",
            ),
            (
                "<interface type='ethernet' name='a'><link state='sideways'/></interface>",
                "state",
            ),
            ("<iface/>", "interface"),
        ];
        for (xml, needle) in cases {
            let e = Interface::from_xml(xml).unwrap_err().to_string();
            assert!(e.contains(needle), "{xml}: {e}");
        }
    }
}
