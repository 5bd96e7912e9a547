//! libvirt's domain XML (`<domain>`), restricted to what a VMware VMX file can express, as
//! libvirt's VMX converter produces and consumes it.
//!
//! Reading: [`Domain::from_xml`] does what libvirt's reader does for a definition (`define`,
//! `domxml-to-native`): parse ([`Domain::from_xml_raw`]), apply libvirt's post-parse defaults
//! ([`Domain::post_parse`]: arch, currentMemory, disk buses and addresses, implicit
//! controllers, the console alias of the first serial port, video defaults, ...) and validate
//! ([`Domain::validate`]). Errors name the element or attribute and the problem.
//!
//! Writing: [`Domain::to_xml`] formats as libvirt 9.0 does with the secure flag (element and
//! attribute order, always-written defaults such as `<clock offset='utc'/>`, canonical
//! UUIDs/MACs/CPU sets, libvirt's escaping); [`Domain::to_xml_with`] takes the dumpxml flags.
//!
//! Checked against libvirt itself (tests/domain_vs_libvirt.rs, virsh `test:///`) and against
//! the conformance vectors (tests/domain_roundtrip.rs). Known, deliberate differences:
//! - libvirt's reader gives a `<video>` without `heads` one head and then writes
//!   `heads='1'`; this model keeps `heads` as given, so that libvirt's VMX converter output
//!   (which has no `heads`) reads back unchanged;
//! - libvirt invents a UUID, a MAC address or a genid when a document has none; this model
//!   leaves them unset (`None`) for the caller to decide;
//! - elements a VMX file cannot express (`<features>`, `<input>`, `<sound>`, ...) are not
//!   kept; device kinds among them are listed in [`Devices::unsupported`].

pub mod chardev;
pub mod controller;
pub mod disk;
pub mod filesystem;
mod format;
pub mod graphics;
pub mod interface;
mod parse;
mod parse_devices;
mod postparse;
mod validate;
pub mod values;
pub mod video;

pub use chardev::{CharDevice, CharSource, TcpProtocol, TcpSource};
pub use controller::{Controller, ControllerModel, ControllerType, ScsiModel};
pub use disk::{
    Disk, DiskBus, DiskCache, DiskDevice, DiskDriver, DiskTarget, DiskType, DriveAddress,
    HostTransport, NetProtocol, NetworkHost, NetworkSource, StartupPolicy, VolumeSource,
};
pub use filesystem::{Filesystem, FsAccessMode, FsType};
pub use graphics::{Graphics, GraphicsListen, VncGraphics};
pub use interface::{Interface, InterfaceSource, Mac, MacType, NetModel, VdsPort};
pub use postparse::{
    default_drive_address, disk_name_index_wrapping, disk_name_to_index, drive_address_for_index,
    insert_controller,
};
pub use values::{CpuSet, MacAddr, Uuid};
pub use video::{MemBalloon, Video, VideoModel};

use crate::error::XmlError;
use crate::string_enum;

/// XML namespace of libvirt's VMware extension elements (`<vmware:datacenterpath>`).
pub const VMWARE_NAMESPACE: &str = "http://libvirt.org/schemas/domain/vmware/1.0";

string_enum! {
    /// `<domain type=...>`: the hypervisor driver.
    pub enum DomainType {
        None = "none",
        Qemu = "qemu",
        Kqemu = "kqemu",
        Kvm = "kvm",
        Xen = "xen",
        Lxc = "lxc",
        Uml = "uml",
        Openvz = "openvz",
        Test = "test",
        Vmware = "vmware",
        Hyperv = "hyperv",
        Vbox = "vbox",
        Phyp = "phyp",
        Parallels = "parallels",
        Bhyve = "bhyve",
        Vz = "vz",
        Hvf = "hvf",
    }
}

string_enum! {
    /// `<on_poweroff>`, `<on_reboot>`, `<on_crash>` values.
    pub enum LifecycleAction {
        Destroy = "destroy",
        Restart = "restart",
        RenameRestart = "rename-restart",
        Preserve = "preserve",
        CoredumpDestroy = "coredump-destroy",
        CoredumpRestart = "coredump-restart",
    }
}

string_enum! {
    /// `<vcpu placement=...>`.
    pub enum VcpuPlacement {
        Static = "static",
        Auto = "auto",
    }
}

string_enum! {
    /// `<os firmware=...>` — VMX `firmware = "efi"`.
    pub enum Firmware {
        Bios = "bios",
        Efi = "efi",
    }
}

string_enum! {
    /// `<boot dev=...>`.
    pub enum BootDevice {
        Floppy = "fd",
        Cdrom = "cdrom",
        Disk = "hd",
        Network = "network",
    }
}

string_enum! {
    /// `<smbios mode=...>` — VMX `smbios.reflecthost = "true"` is `host`.
    pub enum SmbiosMode {
        Emulate = "emulate",
        Host = "host",
        Sysinfo = "sysinfo",
    }
}

string_enum! {
    /// `<clock offset=...>`. VMware guests are always `utc`.
    pub enum ClockOffset {
        Utc = "utc",
        Localtime = "localtime",
        Variable = "variable",
        Absolute = "absolute",
        Timezone = "timezone",
    }
}

string_enum! {
    /// `<cpu mode=...>`.
    pub enum CpuMode {
        Custom = "custom",
        HostModel = "host-model",
        HostPassthrough = "host-passthrough",
        Maximum = "maximum",
    }
}

/// One kind of guest a libvirt hypervisor driver accepts: a `<guest>` of its capabilities
/// (OS type and architecture) with one of its `<domain type=...>`s. libvirt's post-parse
/// step refuses a domain that matches none of the driver's ([`Domain::post_parse_for`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuestKind {
    /// `<os><type>`: `hvm`, `xen`, ...
    pub os_type: &'static str,
    /// `<os><type arch=...>`.
    pub arch: &'static str,
    /// `<domain type=...>`.
    pub domain_type: DomainType,
}

/// The guests libvirt's ESX driver accepts: HVM guests of type `vmware` on i686 and x86_64
/// (x86_64 when the host supports long mode, which every ESX host this project targets
/// does).
pub const VMWARE_GUESTS: &[GuestKind] = &[
    GuestKind {
        os_type: "hvm",
        arch: "i686",
        domain_type: DomainType::Vmware,
    },
    GuestKind {
        os_type: "hvm",
        arch: "x86_64",
        domain_type: DomainType::Vmware,
    },
];

/// `<vcpu placement= cpuset= current=>N</vcpu>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vcpu {
    /// The number of virtual CPUs (VMX `numvcpus`).
    pub count: u32,
    /// `current=` — fewer online than `count`.
    pub current: Option<u32>,
    /// `placement=`; libvirt always writes it, `static` by default.
    pub placement: VcpuPlacement,
    /// `cpuset=` — VMX `sched.cpu.affinity`.
    pub cpuset: Option<CpuSet>,
}

impl Default for Vcpu {
    fn default() -> Self {
        Vcpu {
            count: 1,
            current: None,
            placement: VcpuPlacement::Static,
            cpuset: None,
        }
    }
}

/// `<cputune>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CpuTune {
    /// `<shares>` — VMX `sched.cpu.shares` (low/normal/high map to 500/1000/2000 per vCPU).
    pub shares: Option<u64>,
}

/// `<memtune>` (sizes in KiB).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemTune {
    pub hard_limit: Option<u64>,
    pub soft_limit: Option<u64>,
    /// `<min_guarantee>` — VMX `sched.mem.minsize` (MiB in VMX, KiB here).
    pub min_guarantee: Option<u64>,
    pub swap_hard_limit: Option<u64>,
}

impl MemTune {
    /// True when nothing is set (libvirt then writes no `<memtune>`).
    pub fn is_empty(&self) -> bool {
        self.hard_limit.is_none()
            && self.soft_limit.is_none()
            && self.min_guarantee.is_none()
            && self.swap_hard_limit.is_none()
    }
}

/// `<cpu>` with its `<topology>` — VMX `cpuid.coresPerSocket`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cpu {
    /// `mode=` (VMware supports `custom` only, which libvirt does not write).
    pub mode: Option<CpuMode>,
    /// `<topology>`; `None` when absent.
    pub topology: Option<CpuTopology>,
}

/// `<topology sockets= dies= cores= threads=/>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuTopology {
    pub sockets: u32,
    /// libvirt defaults `dies` to 1 and writes it.
    pub dies: u32,
    pub cores: u32,
    pub threads: u32,
}

impl Default for CpuTopology {
    fn default() -> Self {
        CpuTopology {
            sockets: 1,
            dies: 1,
            cores: 1,
            threads: 1,
        }
    }
}

/// `<os>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Os {
    /// `<type>` text: `hvm` for VMware.
    pub os_type: String,
    /// `<type arch=...>` — `i686` or `x86_64` for VMware (from `guestOS`).
    pub arch: Option<String>,
    /// `<type machine=...>`.
    pub machine: Option<String>,
    /// `<os firmware=...>`.
    pub firmware: Option<Firmware>,
    /// `<boot dev=.../>` elements in order.
    pub boot: Vec<BootDevice>,
    /// `<smbios mode=.../>`.
    pub smbios_mode: Option<SmbiosMode>,
}

impl Default for Os {
    fn default() -> Self {
        Os {
            os_type: "hvm".to_string(),
            arch: None,
            machine: None,
            firmware: None,
            boot: Vec::new(),
            smbios_mode: None,
        }
    }
}

/// `<clock offset=.../>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    pub offset: ClockOffset,
}

impl Default for Clock {
    fn default() -> Self {
        Clock {
            offset: ClockOffset::Utc,
        }
    }
}

/// `<genid>`: a VM generation ID (VMX `vm.genid` / `vm.genidX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Genid {
    /// `<genid/>` — requested, to be generated.
    Auto,
    /// `<genid>UUID</genid>`.
    Value(Uuid),
}

/// `<devices>`: one list per device kind, written by libvirt in this order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Devices {
    /// `<emulator>`.
    pub emulator: Option<String>,
    pub disks: Vec<Disk>,
    pub controllers: Vec<Controller>,
    pub filesystems: Vec<Filesystem>,
    pub interfaces: Vec<Interface>,
    pub serials: Vec<CharDevice>,
    pub parallels: Vec<CharDevice>,
    /// `<console>` elements as written in the document. On output libvirt adds a console that
    /// mirrors the first serial port when there is none (see [`Domain::to_xml`]).
    pub consoles: Vec<CharDevice>,
    pub graphics: Vec<Graphics>,
    pub videos: Vec<Video>,
    pub memballoon: Option<MemBalloon>,
    /// Device elements libvirt knows but this model does not represent (`input`, `sound`,
    /// `hostdev`, ...), by element name, in document order. The VMX converter decides
    /// whether to ignore or refuse them.
    pub unsupported: Vec<String>,
}

/// A libvirt domain definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    /// `<domain type=...>` — `vmware` for this driver.
    pub domain_type: DomainType,
    /// `<domain id=...>` — set for running domains only.
    pub id: Option<i32>,
    /// `<name>`.
    pub name: String,
    /// The domain has no name at all, which only a VMX file without `displayName` gives
    /// (libvirt's name is NULL then, and its formatter leaves `<name>` out; an empty
    /// `displayName` still gives `<name></name>`). `<name>` is omitted while this is set and
    /// `name` is empty.
    pub name_missing: bool,
    /// `<uuid>`.
    pub uuid: Option<Uuid>,
    /// `<genid>`.
    pub genid: Option<Genid>,
    /// `<title>`.
    pub title: Option<String>,
    /// `<description>` — VMX `annotation`.
    pub description: Option<String>,
    /// `<memory unit='KiB'>` — maximum memory in KiB (VMX `memsize` is MiB).
    pub memory_kib: u64,
    /// `<currentMemory unit='KiB'>`; `None` when the document has none (libvirt then writes
    /// `memory_kib`). VMX `sched.mem.max`.
    pub current_memory_kib: Option<u64>,
    /// `<memtune>`.
    pub memtune: MemTune,
    /// `<vcpu>`.
    pub vcpu: Vcpu,
    /// `<cputune>`.
    pub cputune: CpuTune,
    /// `<os>`.
    pub os: Os,
    /// `<cpu>`.
    pub cpu: Option<Cpu>,
    /// `<clock>`.
    pub clock: Clock,
    /// `<on_poweroff>`, default `destroy`.
    pub on_poweroff: LifecycleAction,
    /// `<on_reboot>`, default `restart`.
    pub on_reboot: LifecycleAction,
    /// `<on_crash>`, default `destroy`.
    pub on_crash: LifecycleAction,
    /// `<devices>`.
    pub devices: Devices,
    /// `<vmware:datacenterpath>` — the vCenter datacenter path the VM lives in.
    pub vmware_datacenter_path: Option<String>,
    /// `<vmware:moref>` — the VM's managed object id (`vm-123`), set by `dumpxml`.
    pub vmware_moref: Option<String>,
}

impl Default for Domain {
    fn default() -> Self {
        Domain {
            domain_type: DomainType::Vmware,
            id: None,
            name: String::new(),
            name_missing: false,
            uuid: None,
            genid: None,
            title: None,
            description: None,
            memory_kib: 0,
            current_memory_kib: None,
            memtune: MemTune::default(),
            vcpu: Vcpu::default(),
            cputune: CpuTune::default(),
            os: Os::default(),
            cpu: None,
            clock: Clock::default(),
            on_poweroff: LifecycleAction::Destroy,
            on_reboot: LifecycleAction::Restart,
            on_crash: LifecycleAction::Destroy,
            devices: Devices::default(),
            vmware_datacenter_path: None,
            vmware_moref: None,
        }
    }
}

/// Options for [`Domain::to_xml_with`], mirroring libvirt's format flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FormatOptions {
    /// Include secrets (the VNC `passwd`), like `VIR_DOMAIN_XML_SECURE` / `--security-info`.
    pub secure: bool,
    /// Format the inactive definition: no `id=`.
    pub inactive: bool,
}

impl Domain {
    /// Parses a domain XML document given as bytes (must be UTF-8).
    pub fn from_xml_bytes(bytes: &[u8]) -> Result<Domain, XmlError> {
        let text = std::str::from_utf8(bytes).map_err(|e| XmlError::Utf8(e.to_string()))?;
        Domain::from_xml(text)
    }

    /// Formats as libvirt does with the secure flag (what libvirt's VMX converter tests and
    /// `virsh dumpxml --security-info` print).
    pub fn to_xml(&self) -> String {
        self.to_xml_with(FormatOptions {
            secure: true,
            inactive: false,
        })
    }
}
