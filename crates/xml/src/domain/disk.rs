//! `<disk>`: hard disks, CD-ROMs and floppies, backed by a file or a host block device (what
//! a VMX file can express), or by network storage or a storage pool volume (which libvirt's
//! reader accepts and its VMX converter then refuses).

use crate::string_enum;

string_enum! {
    /// `<disk type=...>`: what backs the disk.
    pub enum DiskType {
        File = "file",
        Block = "block",
        Dir = "dir",
        Network = "network",
        Volume = "volume",
        Nvme = "nvme",
        VhostUser = "vhostuser",
    }
}

string_enum! {
    /// `<disk device=...>`: what the guest sees.
    pub enum DiskDevice {
        Floppy = "floppy",
        Disk = "disk",
        Cdrom = "cdrom",
        /// A SCSI LUN passed through (VMX `deviceType = "scsi-passthru"`).
        Lun = "lun",
    }
}

string_enum! {
    /// `<target bus=...>`.
    pub enum DiskBus {
        Ide = "ide",
        Fdc = "fdc",
        Scsi = "scsi",
        Virtio = "virtio",
        Xen = "xen",
        Usb = "usb",
        Uml = "uml",
        Sata = "sata",
        Sd = "sd",
    }
}

string_enum! {
    /// `<driver cache=...>`.
    pub enum DiskCache {
        Default = "default",
        None = "none",
        Writethrough = "writethrough",
        Writeback = "writeback",
        Directsync = "directsync",
        Unsafe = "unsafe",
    }
}

string_enum! {
    /// `<source startupPolicy=...>`: what to do when the source is missing.
    pub enum StartupPolicy {
        Mandatory = "mandatory",
        Requisite = "requisite",
        Optional = "optional",
    }
}

string_enum! {
    /// `<source protocol=...>` of a network disk.
    pub enum NetProtocol {
        None = "none",
        Nbd = "nbd",
        Rbd = "rbd",
        Sheepdog = "sheepdog",
        Gluster = "gluster",
        Iscsi = "iscsi",
        Http = "http",
        Https = "https",
        Ftp = "ftp",
        Ftps = "ftps",
        Tftp = "tftp",
        Ssh = "ssh",
        Vxhs = "vxhs",
        Nfs = "nfs",
    }
}

impl NetProtocol {
    /// The port libvirt fills in for a TCP host that names none (0: no default).
    pub fn default_port(self) -> u16 {
        match self {
            NetProtocol::Http => 80,
            NetProtocol::Https => 443,
            NetProtocol::Ftp => 21,
            NetProtocol::Ftps => 990,
            NetProtocol::Tftp => 69,
            NetProtocol::Sheepdog => 7000,
            NetProtocol::Nbd => 10809,
            NetProtocol::Ssh => 22,
            NetProtocol::Iscsi => 3260,
            NetProtocol::Gluster => 24007,
            NetProtocol::Vxhs => 9999,
            NetProtocol::None | NetProtocol::Rbd | NetProtocol::Nfs => 0,
        }
    }
}

string_enum! {
    /// `<host transport=...>` of a network disk.
    pub enum HostTransport {
        Tcp = "tcp",
        Unix = "unix",
        Rdma = "rdma",
    }
}

/// One `<host name= port= transport= socket=/>` of a network disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkHost {
    /// `transport=`, TCP by default (libvirt then writes none).
    pub transport: HostTransport,
    /// `name=` (required unless the transport is `unix`).
    pub name: Option<String>,
    /// `port=`; 0 when none (libvirt fills in the protocol's default for TCP hosts).
    pub port: u16,
    /// `socket=` (the `unix` transport's).
    pub socket: Option<String>,
}

/// The `<source>` of a `type='network'` disk besides its `name` (which is
/// [`Disk::source`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkSource {
    /// `protocol=`.
    pub protocol: NetProtocol,
    /// `query=` (kept for `http` and `https` only, as libvirt keeps it).
    pub query: Option<String>,
    /// `tls=`.
    pub tls: Option<bool>,
    /// `tlsHostname=`.
    pub tls_hostname: Option<String>,
    /// `<host>` elements, in order.
    pub hosts: Vec<NetworkHost>,
}

/// The `<source pool= volume= mode=/>` of a `type='volume'` disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeSource {
    pub pool: String,
    pub volume: String,
    /// `mode=`: `host` or `direct`.
    pub mode: Option<String>,
}

/// `<driver name= type= cache=/>`. For VMware, `name` carries the SCSI controller model
/// (`lsilogic`, `buslogic`, ...) of the disk's controller.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DiskDriver {
    /// `name=` (VMware: the SCSI controller's virtualDev).
    pub name: Option<String>,
    /// `type=` (image format: raw, qcow2, vmdk, ...).
    pub format: Option<String>,
    /// `cache=`.
    pub cache: Option<DiskCache>,
}

impl DiskDriver {
    /// True when no attribute is set (libvirt then writes no `<driver>`).
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.format.is_none() && self.cache.is_none()
    }
}

/// `<address type='drive' controller= bus= target= unit=/>`.
/// Missing attributes read as 0 and libvirt always writes all four, so this does too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DriveAddress {
    pub controller: u32,
    pub bus: u32,
    pub target: u32,
    pub unit: u32,
}

/// `<target dev= bus=/>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DiskTarget {
    /// `dev=` — guest device name: `sda`, `hda`, `fda`, ...
    pub dev: String,
    /// `bus=`.
    pub bus: Option<DiskBus>,
}

/// One `<disk>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disk {
    /// `type=` — `file` (source is a path/datastore path) or `block` (source is a host device).
    pub disk_type: DiskType,
    /// `device=`.
    pub device: DiskDevice,
    /// `<driver>`; `None` when absent.
    pub driver: Option<DiskDriver>,
    /// `<source file=...>` / `<source dev=...>`: the path (VMware: `[datastore] dir/file.vmdk`
    /// for files, a host device path for block devices); a network disk's `name=`. `None` for
    /// an empty drive (libvirt reads an empty path as none).
    pub source: Option<String>,
    /// The rest of a network disk's `<source>` (`type='network'` with a `<source>`).
    pub network: Option<NetworkSource>,
    /// A volume disk's `<source>` (`type='volume'` naming a pool and volume).
    pub volume: Option<VolumeSource>,
    /// `<source startupPolicy=...>`.
    pub startup_policy: Option<StartupPolicy>,
    /// `<target>`.
    pub target: DiskTarget,
    /// The document named no target (`<target dev=...>` absent; `target.dev` is empty then).
    /// libvirt's validation refuses such a disk, naming its source.
    pub target_missing: bool,
    /// `<readonly/>` (CD-ROMs are always read-only in libvirt's output).
    pub readonly: bool,
    /// `<shareable/>`.
    pub shareable: bool,
    /// `<transient/>` (VMX `mode = "independent-nonpersistent"`).
    pub transient: bool,
    /// `<address type='drive' .../>`.
    pub address: Option<DriveAddress>,
    /// The type of an `<address>` that is not a drive address (`pci`, `usb`, ...), which
    /// libvirt's reader keeps: its validation refuses it on IDE, floppy, SCSI and SATA buses,
    /// its VMX converter everywhere. `address` is `None` then, and only the type is kept
    /// (and written back) of such an address.
    pub other_address_type: Option<String>,
}

impl Default for Disk {
    fn default() -> Self {
        Disk {
            disk_type: DiskType::File,
            device: DiskDevice::Disk,
            driver: None,
            source: None,
            network: None,
            volume: None,
            startup_policy: None,
            target: DiskTarget::default(),
            target_missing: false,
            readonly: false,
            shareable: false,
            transient: false,
            address: None,
            other_address_type: None,
        }
    }
}

impl Disk {
    /// Whether the source is local storage (a file, block device or directory), as libvirt's
    /// checks put it.
    pub fn is_local_storage(&self) -> bool {
        matches!(
            self.disk_type,
            DiskType::File | DiskType::Block | DiskType::Dir
        )
    }

    /// Whether the disk has no medium (libvirt's "empty source").
    pub fn is_empty_source(&self) -> bool {
        match self.disk_type {
            DiskType::Network => self
                .network
                .as_ref()
                .is_none_or(|n| n.protocol == NetProtocol::None),
            DiskType::Volume => false,
            _ => self.source.is_none(),
        }
    }
}
