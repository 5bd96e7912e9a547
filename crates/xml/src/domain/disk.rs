//! `<disk>`: hard disks, CD-ROMs and floppies, backed by a file or a host block device.

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
    /// for files, a host device path for block devices). `None` for an empty drive.
    pub source: Option<String>,
    /// `<source startupPolicy=...>`.
    pub startup_policy: Option<StartupPolicy>,
    /// `<target>`.
    pub target: DiskTarget,
    /// `<readonly/>` (CD-ROMs are always read-only in libvirt's output).
    pub readonly: bool,
    /// `<shareable/>`.
    pub shareable: bool,
    /// `<transient/>` (VMX `mode = "independent-nonpersistent"`).
    pub transient: bool,
    /// `<address type='drive' .../>`.
    pub address: Option<DriveAddress>,
}

impl Default for Disk {
    fn default() -> Self {
        Disk {
            disk_type: DiskType::File,
            device: DiskDevice::Disk,
            driver: None,
            source: None,
            startup_policy: None,
            target: DiskTarget::default(),
            readonly: false,
            shareable: false,
            transient: false,
            address: None,
        }
    }
}
