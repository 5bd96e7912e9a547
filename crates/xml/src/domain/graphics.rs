//! `<graphics>`: the VNC console VMware offers through `RemoteDisplay.vnc.*`.

/// `<listen type=.../>` inside `<graphics>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphicsListen {
    /// `type='address'` with an optional `address=`.
    Address { address: Option<String> },
    /// `type='network'`, `network=` and optional `address=`.
    Network {
        network: String,
        address: Option<String>,
    },
    /// `type='socket'`, optional `socket=`.
    Socket { socket: Option<String> },
    /// `type='none'`.
    None,
}

/// A VNC display.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VncGraphics {
    /// `port=`; 0 means none (libvirt then writes `port='-1'` when `autoport`).
    pub port: i32,
    /// `autoport='yes'|'no'`.
    pub autoport: bool,
    /// `websocket=`; 0 means none.
    pub websocket: i32,
    /// `keymap=` — VMX `RemoteDisplay.vnc.keymap`.
    pub keymap: Option<String>,
    /// `passwd=` — written only by secure formatting.
    pub passwd: Option<String>,
    /// `sharePolicy=`.
    pub share_policy: Option<String>,
    /// `<listen>` children (libvirt's parser adds one `type='address'` listen when the
    /// document has none).
    pub listens: Vec<GraphicsListen>,
}

/// One `<graphics>`. Only VNC is expressible in VMX; other types are parsed into
/// [`Graphics::Other`] with their type name so they can be reported, not silently lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Graphics {
    Vnc(VncGraphics),
    /// `sdl`, `rdp`, `desktop`, `spice`, `egl-headless`, `dbus` — type name only.
    Other(String),
}
