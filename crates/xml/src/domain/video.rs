//! `<video>` (VMware SVGA) and `<memballoon>`.

use crate::string_enum;

string_enum! {
    /// `<model type=...>` of a video device. VMware's SVGA is `vmvga`.
    pub enum VideoModel {
        Default = "default",
        Vga = "vga",
        Cirrus = "cirrus",
        Vmvga = "vmvga",
        Xen = "xen",
        Vbox = "vbox",
        Qxl = "qxl",
        Parallels = "parallels",
        Virtio = "virtio",
        Gop = "gop",
        None = "none",
        Bochs = "bochs",
        Ramfb = "ramfb",
    }
}

/// One `<video><model .../></video>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Video {
    pub model: VideoModel,
    /// `vram=` in KiB — VMX `svga.vramSize` / 1024.
    pub vram: Option<u32>,
    /// `heads=`. libvirt's XML parser defaults this to 1 (and then writes `heads='1'`) while
    /// its VMX converter leaves it unset; the model keeps what it was given so that both
    /// kinds of output round-trip. `None` means one head.
    pub heads: Option<u32>,
    /// `primary='yes'`.
    pub primary: bool,
}

impl Default for Video {
    fn default() -> Self {
        Video {
            model: VideoModel::Vmvga,
            vram: None,
            heads: None,
            primary: false,
        }
    }
}

/// `<memballoon model=.../>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemBalloon {
    /// `none`, `virtio`, `xen`, ...
    pub model: String,
}
