//! Network XML (`<network>`) as the ESX driver formats a host virtual switch and reads
//! `net-define` input.
//!
//! A vSwitch becomes a network named after the switch, with a UUID derived from its key.
//! With physical uplinks it is `<forward mode='bridge'>` listing each uplink as
//! `<interface dev=.../>`; without, it has no forward element and libvirt prints the
//! isolated-network `<bridge stp='off' delay='0'/>`. Traffic shaping becomes `<bandwidth>`,
//! port groups become `<portgroup>`. Elements libvirt knows but ESX cannot use (IP ranges, DNS,
//! NAT, virtual ports, VLANs) are not modelled; they are ignored on input.

use crate::dom::Element;
use crate::error::XmlError;
use crate::snapshot::xpath::{self, Query};
use crate::writer::XmlWriter;

crate::string_enum! {
    /// `<forward mode=...>`; `None` is a network without a forward element (isolated).
    pub enum ForwardMode {
        None = "none",
        Nat = "nat",
        Route = "route",
        Open = "open",
        Bridge = "bridge",
        Private = "private",
        Vepa = "vepa",
        Passthrough = "passthrough",
        Hostdev = "hostdev",
    }
}

impl ForwardMode {
    /// Modes for which libvirt always prints a `<bridge>` element with stp and delay.
    fn has_bridge(self) -> bool {
        matches!(
            self,
            ForwardMode::None | ForwardMode::Nat | ForwardMode::Route | ForwardMode::Open
        )
    }
}

/// One direction of `<bandwidth>`; libvirt treats 0 as "not set" for every field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BandwidthRate {
    /// Average rate, kilobytes per second.
    pub average: u64,
    /// Peak rate, kilobytes per second.
    pub peak: u64,
    /// Minimum guaranteed rate (inbound only).
    pub floor: u64,
    /// Burst size, kilobytes.
    pub burst: u64,
}

/// `<bandwidth>` with optional `<inbound>` and `<outbound>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bandwidth {
    /// `<inbound>`.
    pub inbound: Option<BandwidthRate>,
    /// `<outbound>`.
    pub outbound: Option<BandwidthRate>,
}

/// vSphere traffic shaping values (`HostNetworkTrafficShapingPolicy`, enabled), in the API's
/// units: bits per second and bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ShapingPolicy {
    /// averageBandwidth, bits per second.
    pub average_bps: Option<i64>,
    /// peakBandwidth, bits per second.
    pub peak_bps: Option<i64>,
    /// burstSize, bytes.
    pub burst_bytes: Option<i64>,
}

impl Bandwidth {
    /// The bandwidth the ESX driver reports for an enabled shaping policy: both directions
    /// equal, bits/s scaled to kB/s (÷8÷1000) and bytes to kB (÷1024), truncating.
    pub fn from_shaping(p: &ShapingPolicy) -> Bandwidth {
        let rate = BandwidthRate {
            average: p.average_bps.map_or(0, |v| (v / 8 / 1000) as u64),
            peak: p.peak_bps.map_or(0, |v| (v / 8 / 1000) as u64),
            floor: 0,
            burst: p.burst_bytes.map_or(0, |v| (v / 1024) as u64),
        };
        Bandwidth {
            inbound: Some(rate),
            outbound: Some(rate),
        }
    }

    /// The shaping policy the ESX driver sets for this bandwidth on net-define: `Ok(None)`
    /// when everything is zero (no policy), an error (libvirt's message) when inbound and
    /// outbound differ or one is missing.
    pub fn to_shaping(&self) -> Result<Option<ShapingPolicy>, String> {
        let (Some(i), Some(o)) = (self.inbound, self.outbound) else {
            return Err("Different inbound and outbound bandwidth is unsupported".into());
        };
        if i.average != o.average || i.peak != o.peak || i.burst != o.burst {
            return Err("Different inbound and outbound bandwidth is unsupported".into());
        }
        if i.average == 0 && i.peak == 0 && i.burst == 0 {
            return Ok(None);
        }
        let scale =
            |v: u64, f: u64| (v > 0).then(|| v.saturating_mul(f).min(i64::MAX as u64) as i64);
        Ok(Some(ShapingPolicy {
            average_bps: scale(i.average, 8000),
            peak_bps: scale(i.peak, 8000),
            burst_bytes: scale(i.burst, 1024),
        }))
    }
}

/// `<portgroup>`: on ESX, a host port group of the switch.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PortGroup {
    /// Port group name.
    pub name: String,
    /// `default='yes'`.
    pub is_default: bool,
    /// Traffic shaping of the port group.
    pub bandwidth: Option<Bandwidth>,
}

/// A `<network>` document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Network {
    /// Network (vSwitch) name.
    pub name: String,
    /// Canonical UUID; `None` when the input had none (libvirt would generate one; the ESX
    /// driver refuses a given one on define). Formatting requires it: `None` prints no `<uuid>`.
    pub uuid: Option<String>,
    /// Forward mode; `None` means no `<forward>` element.
    pub forward_mode: ForwardMode,
    /// Forward devices (`<interface dev=...>`); the first is also `<forward dev=...>`.
    pub forward_interfaces: Vec<String>,
    /// `<forward managed='yes'>` (printed, as `yes` or `no`, only in hostdev mode).
    pub forward_managed: bool,
    /// `<bridge name=...>`.
    pub bridge_name: Option<String>,
    /// `<bridge stp=...>`: libvirt's parser defaults to on; the ESX driver's networks have off.
    pub stp: bool,
    /// `<bridge delay=...>` in seconds.
    pub delay: u64,
    /// Traffic shaping of the whole switch.
    pub bandwidth: Option<Bandwidth>,
    /// Port groups in order.
    pub portgroups: Vec<PortGroup>,
}

impl Network {
    /// A network as the ESX driver builds it for a vSwitch: no forward, stp off, delay 0.
    pub fn new(name: impl Into<String>, uuid: impl Into<String>) -> Network {
        Network {
            name: name.into(),
            uuid: Some(uuid.into()),
            forward_mode: ForwardMode::None,
            forward_interfaces: Vec::new(),
            forward_managed: false,
            bridge_name: None,
            stp: false,
            delay: 0,
            bandwidth: None,
            portgroups: Vec::new(),
        }
    }

    /// Parses a `<network>` document with libvirt's checks for the parts modelled here.
    pub fn from_xml(xml: &str) -> Result<Network, XmlError> {
        let root = xpath::parse_root(xml, "network")?;
        let name = root
            .child_text("name")
            .ok_or_else(|| XmlError::missing("network <name>"))?;
        if name.contains('/') {
            return Err(XmlError::invalid(
                "network <name>",
                &name,
                "must not contain '/'",
            ));
        }
        let uuid = match root.child_text("uuid") {
            None => None,
            Some(u) => Some(
                xpath::canonical_uuid(&u)
                    .ok_or_else(|| XmlError::invalid("network <uuid>", &u, "expected a UUID"))?,
            ),
        };
        let bandwidth = root
            .child("bandwidth")
            .map(parse_bandwidth)
            .transpose()?
            .flatten();

        let bridge = root.child("bridge");
        let bridge_name = bridge
            .and_then(|b| b.attr("name"))
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        let stp_attr = bridge.and_then(|b| b.attr("stp")).filter(|s| !s.is_empty());
        let stp = stp_attr != Some("off");
        let delay = match bridge
            .and_then(|b| b.attr("delay"))
            .filter(|s| !s.is_empty())
        {
            None => 0,
            Some(d) => parse_u64(d).ok_or_else(|| {
                XmlError::invalid("attribute 'delay' of <bridge>", d, "expected seconds")
            })?,
        };

        let mut portgroups = Vec::new();
        for pg in root.children_named("portgroup") {
            let name = pg
                .attr("name")
                .filter(|s| !s.is_empty())
                .ok_or_else(|| XmlError::missing("required name attribute in <portgroup>"))?;
            let is_default = pg
                .attr("default")
                .is_some_and(|d| d.eq_ignore_ascii_case("yes"));
            let bandwidth = pg
                .child("bandwidth")
                .map(parse_bandwidth)
                .transpose()?
                .flatten();
            portgroups.push(PortGroup {
                name: name.to_owned(),
                is_default,
                bandwidth,
            });
        }

        let (forward_mode, forward_interfaces) = match root.child("forward") {
            None => (ForwardMode::None, Vec::new()),
            Some(f) => parse_forward(f, &name)?,
        };
        let forward_managed = root
            .path_attr(&["forward"], "managed")
            .is_some_and(|m| m.eq_ignore_ascii_case("yes"));
        let nips = root.children_named("ip").count();
        match forward_mode {
            ForwardMode::None => {}
            ForwardMode::Nat | ForwardMode::Route | ForwardMode::Open => {
                if nips == 0 {
                    return Err(XmlError::Invalid(format!(
                        "{forward_mode} forwarding requested, but no IP address provided for network '{name}'"
                    )));
                }
                if forward_interfaces.len() > 1 {
                    return Err(XmlError::Invalid(format!(
                        "multiple forwarding interfaces specified for network '{name}', only one is supported"
                    )));
                }
                if forward_mode == ForwardMode::Open && !forward_interfaces.is_empty() {
                    return Err(XmlError::Invalid(format!(
                        "forward dev not allowed for network '{name}' with forward mode='open'"
                    )));
                }
            }
            _ => {
                if forward_mode != ForwardMode::Bridge && bridge_name.is_some() {
                    return Err(XmlError::Invalid(format!(
                        "bridge name not allowed in {forward_mode} mode (network '{name}')"
                    )));
                }
                if delay != 0 || stp_attr.is_some() {
                    return Err(XmlError::Invalid(format!(
                        "bridge delay/stp/zone options only allowed in route, nat, and isolated mode, not in \
                         {forward_mode} (network '{name}')"
                    )));
                }
                if bridge_name.is_some() && !forward_interfaces.is_empty() {
                    return Err(XmlError::Invalid(format!(
                        "A network with forward mode='{forward_mode}' can specify a bridge name or a forward dev, \
                         but not both (network '{name}')"
                    )));
                }
            }
        }

        Ok(Network {
            name,
            uuid,
            forward_mode,
            forward_interfaces,
            forward_managed,
            bridge_name,
            stp,
            delay,
            bandwidth,
            portgroups,
        })
    }

    /// The ESX driver's checks of a `net-define` document that need no host data, with
    /// libvirt's messages, in its order: a given UUID is refused (it derives from the switch
    /// key), and only isolated or bridge forwarding is supported. The driver makes its
    /// "switch already exists" check before, and the port group / uplink / bandwidth checks
    /// ([`Bandwidth::to_shaping`]) after this.
    pub fn esx_define_precheck(&self) -> Result<(), String> {
        if self.uuid.is_some() {
            return Err("Cannot use predefined UUID".into());
        }
        match self.forward_mode {
            ForwardMode::None | ForwardMode::Bridge => Ok(()),
            other => Err(format!("Unsupported forward mode '{other}'")),
        }
    }

    /// Formats the document exactly as libvirt's network formatter does for these fields.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::new();
        w.open("network", &[]);
        w.text_element("name", &[], &self.name);
        if let Some(u) = &self.uuid {
            w.value_element("uuid", &[], u);
        }
        if self.forward_mode != ForwardMode::None {
            let attrs = [
                ("dev", self.forward_interfaces.first().map(String::as_str)),
                ("mode", Some(self.forward_mode.as_str())),
                (
                    "managed",
                    (self.forward_mode == ForwardMode::Hostdev)
                        .then_some(if self.forward_managed { "yes" } else { "no" }),
                ),
            ];
            if self.forward_interfaces.is_empty() {
                w.empty("forward", &attrs);
            } else {
                w.open("forward", &attrs);
                for dev in &self.forward_interfaces {
                    w.empty("interface", &[("dev", Some(dev))]);
                }
                w.close("forward");
            }
        }
        let has_bridge = self.forward_mode.has_bridge();
        if has_bridge || self.bridge_name.is_some() {
            let delay = self.delay.to_string();
            w.empty(
                "bridge",
                &[
                    ("name", self.bridge_name.as_deref()),
                    (
                        "stp",
                        has_bridge.then_some(if self.stp { "on" } else { "off" }),
                    ),
                    ("delay", has_bridge.then_some(delay.as_str())),
                ],
            );
        }
        if let Some(b) = &self.bandwidth {
            format_bandwidth(&mut w, b);
        }
        for pg in &self.portgroups {
            // libvirt prints the port group name without escaping; do the same so output
            // is byte-identical (names with quotes or '<' give the same text libvirt gives).
            let mut tag = format!("{}<portgroup name='{}'", "  ".repeat(w.depth()), pg.name);
            if pg.is_default {
                tag.push_str(" default='yes'");
            }
            tag.push_str(">\n");
            w.raw(&tag);
            let mut inner = XmlWriter::with_depth(w.depth() + 1);
            if let Some(b) = &pg.bandwidth {
                format_bandwidth(&mut inner, b);
            }
            w.raw(&inner.finish());
            w.raw(&format!("{}</portgroup>\n", "  ".repeat(w.depth())));
        }
        w.close("network");
        w.finish()
    }
}

fn parse_u64(s: &str) -> Option<u64> {
    // strtoul-style: leading whitespace allowed, no sign, no trailing junk.
    let t = s.trim_start();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

fn parse_forward(f: &Element, network: &str) -> Result<(ForwardMode, Vec<String>), XmlError> {
    let mode = match f.attr("mode").filter(|s| !s.is_empty()) {
        None => ForwardMode::Nat,
        Some(m) => ForwardMode::from_xml_str(m).ok_or_else(|| {
            XmlError::invalid("attribute 'mode' of <forward>", m, ForwardMode::expected())
        })?,
    };
    let dev = f.attr("dev").filter(|s| !s.is_empty());
    if dev.is_some() && (f.child("address").is_some() || f.child("pf").is_some()) {
        return Err(XmlError::Invalid(format!(
            "the <forward> 'dev' attribute cannot be used when <address> or <pf> sub-elements are present in \
             network {network}"
        )));
    }
    let mut devs: Vec<String> = dev.map(|d| vec![d.to_owned()]).unwrap_or_default();
    for (i, ifc) in f.children_named("interface").enumerate() {
        let d = ifc.attr("dev").filter(|s| !s.is_empty()).ok_or_else(|| {
            XmlError::missing(format!(
                "required dev attribute in <forward> <interface> element of network {network}"
            ))
        })?;
        if i == 0 && dev.is_some() {
            if Some(d) != dev {
                return Err(XmlError::Invalid(format!(
                    "<forward dev='{}'> must match first <interface dev='{d}'/> in network {network}",
                    dev.unwrap_or_default()
                )));
            }
            continue;
        }
        if devs.iter().any(|x| x == d) {
            return Err(XmlError::Duplicate {
                what: format!("interface '{d}' in <forward> of network {network}"),
            });
        }
        devs.push(d.to_owned());
    }
    Ok((mode, devs))
}

/// Parses `<bandwidth>`; `Ok(None)` when it has neither direction (libvirt drops it).
fn parse_bandwidth(b: &Element) -> Result<Option<Bandwidth>, XmlError> {
    if b.attr("classID").is_some() {
        return Err(XmlError::Invalid(
            "classID attribute not supported on <bandwidth> in this usage context".into(),
        ));
    }
    let mut bw = Bandwidth::default();
    for dir in ["inbound", "outbound"] {
        let mut nodes = b.children_named(dir);
        let Some(n) = nodes.next() else { continue };
        if nodes.next().is_some() {
            return Err(XmlError::Duplicate {
                what: format!("<{dir}> in <bandwidth> (only one allowed)"),
            });
        }
        let rate = parse_rate(n)?;
        if rate.floor != 0 {
            return Err(XmlError::Invalid(if dir == "outbound" {
                "'floor' attribute allowed only in <inbound> element".into()
            } else {
                "floor attribute is not supported for this config".into()
            }));
        }
        if dir == "inbound" {
            bw.inbound = Some(rate);
        } else {
            bw.outbound = Some(rate);
        }
    }
    Ok((bw.inbound.is_some() || bw.outbound.is_some()).then_some(bw))
}

fn parse_rate(n: &Element) -> Result<BandwidthRate, XmlError> {
    let get = |attr: &str| -> Result<Option<u64>, XmlError> {
        match n.attr(attr) {
            None => Ok(None),
            Some(v) => parse_u64(v).map(Some).ok_or_else(|| {
                XmlError::invalid(
                    format!("bandwidth {attr} value in <{}>", n.name),
                    v,
                    "expected a whole number",
                )
            }),
        }
    };
    let average = get("average")?;
    let peak = get("peak")?;
    let burst = get("burst")?;
    let floor = get("floor")?;
    if average.is_none() && floor.is_none() {
        return Err(XmlError::missing(format!(
            "mandatory average or floor attributes in <{}>",
            n.name
        )));
    }
    if (peak.is_some() || burst.is_some()) && average.is_none() {
        return Err(XmlError::Invalid(
            "'peak' and 'burst' require 'average' attribute".into(),
        ));
    }
    Ok(BandwidthRate {
        average: average.unwrap_or(0),
        peak: peak.unwrap_or(0),
        floor: floor.unwrap_or(0),
        burst: burst.unwrap_or(0),
    })
}

fn format_rate(w: &mut XmlWriter, name: &str, r: &BandwidthRate) {
    if r.average == 0 && r.floor == 0 {
        return;
    }
    let nz = |v: u64| (v != 0).then(|| v.to_string());
    let (a, p, f, b) = (nz(r.average), nz(r.peak), nz(r.floor), nz(r.burst));
    w.empty(
        name,
        &[
            ("average", a.as_deref()),
            ("peak", p.as_deref()),
            ("floor", f.as_deref()),
            ("burst", b.as_deref()),
        ],
    );
}

fn format_bandwidth(w: &mut XmlWriter, b: &Bandwidth) {
    w.open("bandwidth", &[]);
    if let Some(r) = &b.inbound {
        format_rate(w, "inbound", r);
    }
    if let Some(r) = &b.outbound {
        format_rate(w, "outbound", r);
    }
    w.close("bandwidth");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A vSwitch without uplinks or shaping, as esxNetworkGetXMLDesc formats it.
    const ISOLATED: &str = "<network>
  <name>vSwitch1</name>
  <uuid>0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9</uuid>
  <bridge stp='off' delay='0'/>
  <portgroup name='VM Network 2'>
  </portgroup>
</network>
";

    /// vSwitch0 with two uplinks, switch shaping and a shaped port group.
    const UPLINKED: &str = "<network>
  <name>vSwitch0</name>
  <uuid>5d2f1a8e-6c3b-4e7d-9f10-2a3b4c5d6e7f</uuid>
  <forward dev='vmnic0' mode='bridge'>
    <interface dev='vmnic0'/>
    <interface dev='vmnic1'/>
  </forward>
  <bandwidth>
    <inbound average='125000' peak='250000' burst='100'/>
    <outbound average='125000' peak='250000' burst='100'/>
  </bandwidth>
  <portgroup name='VM Network'>
  </portgroup>
  <portgroup name='Management Network'>
    <bandwidth>
      <inbound average='1000'/>
      <outbound average='1000'/>
    </bandwidth>
  </portgroup>
</network>
";

    #[test]
    fn esx_isolated_switch() {
        let mut n = Network::new("vSwitch1", "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9");
        n.portgroups.push(PortGroup {
            name: "VM Network 2".into(),
            ..Default::default()
        });
        assert_eq!(n.to_xml(), ISOLATED);
        let parsed = Network::from_xml(ISOLATED).unwrap();
        assert_eq!(parsed, n);
        assert_eq!(parsed.to_xml(), ISOLATED);
    }

    #[test]
    fn esx_uplinked_switch_round_trips() {
        let n = Network::from_xml(UPLINKED).unwrap();
        assert_eq!(n.forward_mode, ForwardMode::Bridge);
        assert_eq!(n.forward_interfaces, ["vmnic0", "vmnic1"]);
        assert_eq!(n.portgroups.len(), 2);
        assert_eq!(n.to_xml(), UPLINKED);
    }

    #[test]
    fn esx_define_prechecks() {
        let ok = Network::from_xml(
            "<network><name>vs</name><forward mode='bridge' dev='vmnic1'/></network>",
        )
        .unwrap();
        assert_eq!(ok.esx_define_precheck(), Ok(()));
        let with_uuid = Network::from_xml(ISOLATED).unwrap();
        assert_eq!(
            with_uuid.esx_define_precheck().unwrap_err(),
            "Cannot use predefined UUID"
        );
        let vepa =
            Network::from_xml("<network><name>v</name><forward mode='vepa'/></network>").unwrap();
        assert_eq!(
            vepa.esx_define_precheck().unwrap_err(),
            "Unsupported forward mode 'vepa'"
        );
    }

    #[test]
    fn shaping_conversions() {
        let p = ShapingPolicy {
            average_bps: Some(1_000_000_000),
            peak_bps: Some(2_000_000_000),
            burst_bytes: Some(102_400),
        };
        let b = Bandwidth::from_shaping(&p);
        assert_eq!(
            b.inbound,
            Some(BandwidthRate {
                average: 125_000,
                peak: 250_000,
                floor: 0,
                burst: 100
            })
        );
        assert_eq!(b.to_shaping().unwrap(), Some(p));
        let zero = Bandwidth {
            inbound: Some(BandwidthRate::default()),
            outbound: Some(BandwidthRate::default()),
        };
        assert_eq!(zero.to_shaping().unwrap(), None);
        let one_way = Bandwidth {
            inbound: Some(BandwidthRate {
                average: 1,
                ..Default::default()
            }),
            outbound: None,
        };
        assert!(one_way.to_shaping().is_err());
    }

    /// libvirt tests/networkxml2xml{in,out}/direct-net.xml.
    #[test]
    fn libvirt_direct_net_sample() {
        let input = "<network>
  <name>direct-net</name>
  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a8f</uuid>
  <forward mode=\"bridge\">
    <interface dev=\"eth10\"/>
  </forward>
</network>
";
        let out = "<network>
  <name>direct-net</name>
  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a8f</uuid>
  <forward dev='eth10' mode='bridge'>
    <interface dev='eth10'/>
  </forward>
</network>
";
        assert_eq!(Network::from_xml(input).unwrap().to_xml(), out);
    }

    /// libvirt tests/networkxml2xml{in,out}/host-bridge-net.xml.
    #[test]
    fn libvirt_host_bridge_sample() {
        let input = "<network>
  <name>host-bridge-net</name>
  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a8e</uuid>
  <forward mode=\"bridge\"/>
  <bridge name=\"br0\"/>
</network>
";
        let out = "<network>
  <name>host-bridge-net</name>
  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a8e</uuid>
  <forward mode='bridge'/>
  <bridge name='br0'/>
</network>
";
        assert_eq!(Network::from_xml(input).unwrap().to_xml(), out);
    }

    /// net-define input in the style of libvirt's docs: no uuid, isolated, stp defaults on.
    #[test]
    fn define_input_defaults() {
        let n = Network::from_xml(
            "<network><name>lab</name><portgroup name='pg' default='YES'/></network>",
        )
        .unwrap();
        assert_eq!(n.uuid, None);
        assert!(n.stp);
        assert!(n.portgroups[0].is_default);
        assert_eq!(
            n.to_xml(),
            "<network>\n  <name>lab</name>\n  <bridge stp='on' delay='0'/>\n  <portgroup name='pg' default='yes'>\n  \
             </portgroup>\n</network>\n"
        );
    }

    #[test]
    fn errors_name_the_problem() {
        let cases: &[(&str, &str)] = &[
            ("<network/>", "<name>"),
            ("<network><name>a/b</name></network>", "'/'"),
            ("<network><name>n</name><uuid>xyz</uuid></network>", "<uuid>"),
            ("<network><name>n</name><forward mode='bogus'/></network>", "'mode'"),
            ("<network><name>n</name><forward mode='nat'/></network>", "no IP address"),
            ("<network><name>n</name><forward mode='bridge'><interface/></forward></network>", "dev attribute"),
            ("<network><name>n</name><forward dev='a' mode='bridge'><interface dev='b'/></forward></network>", "must match"),
            ("<network><name>n</name><forward mode='bridge'/><bridge name='b' stp='on'/></network>", "stp"),
            ("<network><name>n</name><bandwidth><inbound peak='1'/></bandwidth></network>", "average"),
            ("<network><name>n</name><bandwidth><inbound average='x'/></bandwidth></network>", "average"),
            ("<network><name>n</name><portgroup/></network>", "portgroup"),
            ("<net/>", "network"),
        ];
        for (xml, needle) in cases {
            let e = Network::from_xml(xml).unwrap_err().to_string();
            assert!(e.contains(needle), "{xml}: {e}");
        }
    }
}
