//! `<filesystem>`: host directories shared with the guest (VMware shared folders).

use crate::string_enum;

string_enum! {
    /// `<filesystem type=...>`. VMware shared folders are `mount`.
    pub enum FsType {
        Mount = "mount",
        Block = "block",
        File = "file",
        Template = "template",
        Ram = "ram",
        Bind = "bind",
        Volume = "volume",
    }
}

string_enum! {
    /// `accessmode=`.
    pub enum FsAccessMode {
        Passthrough = "passthrough",
        Mapped = "mapped",
        Squash = "squash",
    }
}

/// One `<filesystem>` of type `mount`: `<source dir=/>`, `<target dir=/>`, `<readonly/>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filesystem {
    pub fs_type: FsType,
    /// `accessmode=`; libvirt writes it only when set.
    pub access_mode: Option<FsAccessMode>,
    /// `<source dir=...>` — VMX `sharedFolderN.hostPath`.
    pub source_dir: String,
    /// `<target dir=...>` — VMX `sharedFolderN.guestName`.
    pub target_dir: String,
    /// `<readonly/>` — VMX `sharedFolderN.writeAccess = "false"`.
    pub readonly: bool,
}

impl Default for Filesystem {
    fn default() -> Self {
        Filesystem {
            fs_type: FsType::Mount,
            access_mode: None,
            source_dir: String::new(),
            target_dir: String::new(),
            readonly: false,
        }
    }
}
