//! Character devices: `<serial>`, `<parallel>` and `<console>` with their backends (host
//! device, file, named pipe, TCP).

use crate::string_enum;

string_enum! {
    /// `<protocol type=...>` of a TCP character device.
    pub enum TcpProtocol {
        Raw = "raw",
        Telnet = "telnet",
        Telnets = "telnets",
        Tls = "tls",
    }
}

/// The backend of a character device; the variant decides `type=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CharSource {
    /// `type='null'`.
    Null,
    /// `type='vc'`.
    Vc,
    /// `type='pty'`.
    Pty,
    /// `type='stdio'`.
    Stdio,
    /// `type='dev'`, `<source path=/>` — a host device (`/dev/ttyS0`). libvirt's reader
    /// accepts a device without a path (its validation then refuses it) and its VMX
    /// converter produces one from a serial port without a file name; `None` then, and no
    /// `<source>` is written.
    Dev { path: Option<String> },
    /// `type='file'`, `<source path=/>` — VMware: a datastore path. `None` as for `Dev`.
    File { path: Option<String> },
    /// `type='pipe'`, `<source path=/>` — a named pipe. `None` as for `Dev`.
    Pipe { path: Option<String> },
    /// `type='tcp'`, `<source mode= host= service=/>` and `<protocol type=/>`.
    Tcp(TcpSource),
    /// `type='udp'` (not expressible in VMX; kept so such documents parse).
    Udp {
        bind_host: Option<String>,
        bind_service: Option<String>,
        connect_host: Option<String>,
        connect_service: Option<String>,
    },
    /// `type='unix'`, `<source mode= path=/>`.
    Unix { listen: bool, path: Option<String> },
}

/// The endpoint of a TCP character device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpSource {
    /// `mode='bind'` (server); otherwise `mode='connect'` (client).
    pub listen: bool,
    pub host: Option<String>,
    pub service: Option<String>,
    pub protocol: TcpProtocol,
}

impl CharSource {
    /// The `type=` attribute value.
    pub fn type_str(&self) -> &'static str {
        match self {
            CharSource::Null => "null",
            CharSource::Vc => "vc",
            CharSource::Pty => "pty",
            CharSource::Stdio => "stdio",
            CharSource::Dev { .. } => "dev",
            CharSource::File { .. } => "file",
            CharSource::Pipe { .. } => "pipe",
            CharSource::Tcp(_) => "tcp",
            CharSource::Udp { .. } => "udp",
            CharSource::Unix { .. } => "unix",
        }
    }
}

/// One `<serial>`, `<parallel>` or `<console>` (which one is given by the list it is in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharDevice {
    pub source: CharSource,
    /// `<target type=...>` (consoles: `serial`).
    pub target_type: Option<String>,
    /// `<target port=...>` — VMware: the N of `serialN` / `parallelN`.
    pub target_port: Option<u32>,
}

impl CharDevice {
    /// A device with `source` on `port`.
    pub fn new(source: CharSource, port: u32) -> Self {
        CharDevice {
            source,
            target_type: None,
            target_port: Some(port),
        }
    }
}
