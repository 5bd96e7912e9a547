//! Plain values returned by the driver, shaped like libvirt's structs.

/// `virDomainState` (serialized in lower case, e.g. `shutoff`, for JSON output).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DomainState {
    /// VIR_DOMAIN_NOSTATE (0)
    NoState,
    /// VIR_DOMAIN_RUNNING (1): poweredOn.
    Running,
    /// VIR_DOMAIN_BLOCKED (2)
    Blocked,
    /// VIR_DOMAIN_PAUSED (3): suspended.
    Paused,
    /// VIR_DOMAIN_SHUTDOWN (4)
    Shutdown,
    /// VIR_DOMAIN_SHUTOFF (5): poweredOff.
    Shutoff,
    /// VIR_DOMAIN_CRASHED (6)
    Crashed,
    /// VIR_DOMAIN_PMSUSPENDED (7)
    PmSuspended,
}

impl DomainState {
    /// libvirt's number for the state.
    pub fn number(self) -> i32 {
        match self {
            DomainState::NoState => 0,
            DomainState::Running => 1,
            DomainState::Blocked => 2,
            DomainState::Paused => 3,
            DomainState::Shutdown => 4,
            DomainState::Shutoff => 5,
            DomainState::Crashed => 6,
            DomainState::PmSuspended => 7,
        }
    }

    /// virsh's text for the state (`running`, `paused`, `shut off`, ...).
    pub fn virsh_name(self) -> &'static str {
        match self {
            DomainState::NoState => "no state",
            DomainState::Running => "running",
            DomainState::Blocked => "idle",
            DomainState::Paused => "paused",
            DomainState::Shutdown => "in shutdown",
            DomainState::Shutoff => "shut off",
            DomainState::Crashed => "crashed",
            DomainState::PmSuspended => "pmsuspended",
        }
    }

    /// Maps a vSphere `VirtualMachinePowerState` value.
    pub fn from_power_state(power_state: &str) -> DomainState {
        match power_state {
            "poweredOn" => DomainState::Running,
            "suspended" => DomainState::Paused,
            "poweredOff" => DomainState::Shutoff,
            _ => DomainState::NoState,
        }
    }

    /// Whether a domain in this state is active (has an ID).
    pub fn is_active(self) -> bool {
        !matches!(self, DomainState::Shutoff)
    }
}

/// `virNodeInfo`; serialized as `esxvirt nodeinfo --json` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct NodeInfo {
    /// CPU model, at most 31 characters, with `(R)`, `(TM)`, `(C)` and double spaces removed.
    pub model: String,
    /// Number of active CPUs (cores on ESX).
    pub cpus: u32,
    /// CPU frequency in MHz.
    pub mhz: u32,
    /// NUMA nodes.
    pub nodes: u32,
    /// CPU sockets.
    pub sockets: u32,
    /// Cores per socket.
    pub cores: u32,
    /// Threads per core.
    pub threads: u32,
    /// Memory in KiB.
    #[serde(rename = "memory_kib")]
    pub memory: u64,
}

/// `virDomainInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainInfo {
    /// The state.
    pub state: DomainState,
    /// Maximum memory in KiB.
    pub max_mem: u64,
    /// Memory in KiB (the memory limit when one is set, else the maximum).
    pub memory: u64,
    /// Number of virtual CPUs.
    pub nr_virt_cpu: u32,
    /// CPU time used in nanoseconds (0 on ESX, as libvirt reports).
    pub cpu_time: u64,
}

/// A typed parameter value (`virTypedParameter`).
#[derive(Debug, Clone, PartialEq)]
pub enum TypedValue {
    /// VIR_TYPED_PARAM_INT
    Int(i32),
    /// VIR_TYPED_PARAM_UINT
    UInt(u32),
    /// VIR_TYPED_PARAM_LLONG
    LLong(i64),
    /// VIR_TYPED_PARAM_ULLONG
    ULLong(u64),
    /// VIR_TYPED_PARAM_DOUBLE
    Double(f64),
    /// VIR_TYPED_PARAM_BOOLEAN
    Boolean(bool),
    /// VIR_TYPED_PARAM_STRING
    String(String),
}

/// A named typed parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedParam {
    /// The field name (`reservation`, `limit`, `shares`, `min_guarantee`).
    pub field: String,
    /// Its value.
    pub value: TypedValue,
}

impl TypedParam {
    /// Builds a parameter.
    pub fn new(field: impl Into<String>, value: TypedValue) -> TypedParam {
        TypedParam {
            field: field.into(),
            value,
        }
    }
}

/// One IP address of a guest interface (`virDomainIPAddress`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainIpAddress {
    /// The address.
    pub addr: std::net::IpAddr,
    /// Its prefix length.
    pub prefix: u32,
}

/// A guest network interface with its addresses (`virDomainInterface`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainInterface {
    /// Interface name (ESX gives none; libvirt leaves it empty).
    pub name: String,
    /// MAC address.
    pub hwaddr: Option<String>,
    /// Addresses.
    pub addrs: Vec<DomainIpAddress>,
}

/// A screenshot of a domain's console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screenshot {
    /// MIME type (`image/png`).
    pub mime_type: String,
    /// The image bytes.
    pub data: Vec<u8>,
}

/// `virStoragePoolState` and `virStoragePoolInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoragePoolInfo {
    /// Whether the pool is accessible (running) or not (inaccessible).
    pub state: StoragePoolState,
    /// Capacity in bytes.
    pub capacity: u64,
    /// Allocation in bytes.
    pub allocation: u64,
    /// Free bytes.
    pub available: u64,
}

/// `virStoragePoolState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoragePoolState {
    /// VIR_STORAGE_POOL_INACTIVE (0)
    Inactive,
    /// VIR_STORAGE_POOL_BUILDING (1)
    Building,
    /// VIR_STORAGE_POOL_RUNNING (2)
    Running,
    /// VIR_STORAGE_POOL_DEGRADED (3)
    Degraded,
    /// VIR_STORAGE_POOL_INACCESSIBLE (4)
    Inaccessible,
}

/// `virStorageVolType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageVolType {
    /// VIR_STORAGE_VOL_FILE (0)
    File,
    /// VIR_STORAGE_VOL_BLOCK (1)
    Block,
    /// VIR_STORAGE_VOL_DIR (2)
    Dir,
    /// VIR_STORAGE_VOL_NETWORK (3)
    Network,
    /// VIR_STORAGE_VOL_NETDIR (4)
    NetDir,
    /// VIR_STORAGE_VOL_PLOOP (5)
    Ploop,
}

/// `virStorageVolInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageVolInfo {
    /// Volume type.
    pub kind: StorageVolType,
    /// Capacity in bytes.
    pub capacity: u64,
    /// Allocation in bytes.
    pub allocation: u64,
}

/// The version of the server (`virConnectGetVersion`): major * 1,000,000 + minor * 1,000 +
/// release, from about.version.
pub fn parse_product_version(version: &str) -> Option<u64> {
    let mut parts = version.split('.');
    let major: u64 = parts.next()?.trim().parse().ok()?;
    let minor: u64 = match parts.next() {
        Some(p) => p.trim().parse().ok()?,
        None => 0,
    };
    let release: u64 = match parts.next() {
        Some(p) => p.trim().parse().ok()?,
        None => 0,
    };
    if minor > 999 || release > 999 {
        return None;
    }
    Some(major * 1_000_000 + minor * 1_000 + release)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(parse_product_version("7.0.3"), Some(7_000_003));
        assert_eq!(parse_product_version("8.0"), Some(8_000_000));
        assert_eq!(parse_product_version("6.7.0"), Some(6_007_000));
        assert_eq!(parse_product_version("x"), None);
    }

    #[test]
    fn power_states() {
        assert_eq!(
            DomainState::from_power_state("poweredOn"),
            DomainState::Running
        );
        assert_eq!(
            DomainState::from_power_state("suspended"),
            DomainState::Paused
        );
        assert_eq!(
            DomainState::from_power_state("poweredOff"),
            DomainState::Shutoff
        );
        assert_eq!(DomainState::Shutoff.virsh_name(), "shut off");
    }
}
