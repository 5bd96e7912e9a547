//! `<interface>`: virtual network cards and what they connect to.

use super::values::{MacAddr, Uuid};
use crate::string_enum;

string_enum! {
    /// `<mac type=...>`: who chose the address. VMware's `addressType` maps here:
    /// `generated`/`vpx` -> `Generated`, `static` -> `Static`.
    pub enum MacType {
        Generated = "generated",
        Static = "static",
    }
}

/// `<mac address= type= check=/>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mac {
    pub address: MacAddr,
    pub mac_type: Option<MacType>,
    /// `check='yes'|'no'` — VMX `checkMACAddress`.
    pub check: Option<bool>,
}

/// `<model type=...>`: the emulated NIC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetModel {
    Vlance,
    Vmxnet,
    /// VMware's "enhanced vmxnet" (`virtualDev = "vmxnet"` with `features = "15"`).
    Vmxnet2,
    Vmxnet3,
    E1000,
    E1000e,
    /// Any other model name (libvirt keeps unknown names verbatim).
    Other(String),
}

impl NetModel {
    /// The XML spelling.
    pub fn as_str(&self) -> &str {
        match self {
            NetModel::Vlance => "vlance",
            NetModel::Vmxnet => "vmxnet",
            NetModel::Vmxnet2 => "vmxnet2",
            NetModel::Vmxnet3 => "vmxnet3",
            NetModel::E1000 => "e1000",
            NetModel::E1000e => "e1000e",
            NetModel::Other(s) => s,
        }
    }

    /// From the XML spelling (known names become typed variants).
    pub fn from_xml_str(s: &str) -> NetModel {
        match s {
            "vlance" => NetModel::Vlance,
            "vmxnet" => NetModel::Vmxnet,
            "vmxnet2" => NetModel::Vmxnet2,
            "vmxnet3" => NetModel::Vmxnet3,
            "e1000" => NetModel::E1000,
            "e1000e" => NetModel::E1000e,
            other => NetModel::Other(other.to_string()),
        }
    }
}

/// Model names libvirt 9.0 knows, in its canonical spelling (matched case-insensitively).
const LIBVIRT_NET_MODELS: &[&str] = &[
    "unknown",
    "netfront",
    "rtl8139",
    "virtio",
    "e1000",
    "e1000e",
    "virtio-transitional",
    "virtio-non-transitional",
    "usb-net",
    "spapr-vlan",
    "lan9118",
    "scm91c111",
    "vlance",
    "vmxnet",
    "vmxnet2",
    "vmxnet3",
    "Am79C970A",
    "Am79C973",
    "82540EM",
    "82545EM",
    "82543GC",
];

impl NetModel {
    /// Reads `<model type=...>` as libvirt does: known names match case-insensitively and take
    /// their canonical spelling, `unknown` means no model, other names are kept if they use
    /// only letters, digits, `_` and `-`.
    pub fn parse_libvirt(s: &str) -> Result<Option<NetModel>, &'static str> {
        if let Some(known) = LIBVIRT_NET_MODELS
            .iter()
            .find(|m| m.eq_ignore_ascii_case(s))
        {
            return Ok((*known != "unknown").then(|| NetModel::from_xml_str(known)));
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err("Model name contains invalid characters");
        }
        Ok(Some(NetModel::Other(s.to_string())))
    }
}

/// What the interface is attached to; the variant decides `<interface type=...>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterfaceSource {
    /// `type='bridge'`, `<source bridge=.../>` — VMware: the port group (`networkName`).
    Bridge { bridge: String },
    /// `type='network'`, `<source network= portgroup=/>`.
    Network {
        network: String,
        portgroup: Option<String>,
    },
    /// `type='user'` — VMware `connectionType = "nat"`.
    User,
    /// `type='ethernet'`.
    Ethernet,
    /// `type='direct'`, `<source dev= mode=/>` (`mode` defaults to `vepa`).
    Direct { dev: String, mode: Option<String> },
    /// `type='vds'` — a vSphere distributed switch port:
    /// `<source switchid= portid= portgroupid= connectionid=/>` (libvirt always writes
    /// `portid` and `connectionid`, 0 when unknown).
    Vds(VdsPort),
    /// `type='null'` — not connected to anything (VMX without networkName/connectionType).
    Null,
}

/// A vSphere distributed switch port an interface is attached to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VdsPort {
    pub switch_id: Uuid,
    pub port_id: i64,
    pub portgroup_id: Option<String>,
    pub connection_id: i64,
}

impl InterfaceSource {
    /// The `type=` attribute value.
    pub fn type_str(&self) -> &'static str {
        match self {
            InterfaceSource::Bridge { .. } => "bridge",
            InterfaceSource::Network { .. } => "network",
            InterfaceSource::User => "user",
            InterfaceSource::Ethernet => "ethernet",
            InterfaceSource::Direct { .. } => "direct",
            InterfaceSource::Vds(_) => "vds",
            InterfaceSource::Null => "null",
        }
    }
}

/// One `<interface>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    pub source: InterfaceSource,
    /// `<mac>`; `None` when the document has none (libvirt would invent one).
    pub mac: Option<Mac>,
    /// `<target dev=.../>` — VMware: the `vnet` of a `custom` connection.
    pub target_dev: Option<String>,
    /// `<model type=.../>`.
    pub model: Option<NetModel>,
}

impl Default for Interface {
    fn default() -> Self {
        Interface {
            source: InterfaceSource::Null,
            mac: None,
            target_dev: None,
            model: None,
        }
    }
}
