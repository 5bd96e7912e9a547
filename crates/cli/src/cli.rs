//! esxvirt's global options (`-c URI`, `-r`, `-q`, `-d N`, `-l FILE`, `--json`,
//! `--no-session-cache`): the root of the clap tree, under which
//! [`Registry::root`](crate::registry::Registry::root) puts every command.

use clap::Parser;

/// esxvirt — manage VMware ESX/ESXi hosts and vCenter the way virsh does.
#[derive(Parser, Debug)]
#[command(
    name = "esxvirt",
    version,
    about = "virsh-compatible command line for VMware ESX, GSX and vCenter",
    disable_help_subcommand = true
)]
pub struct Cli {
    /// Hypervisor connection URI or alias (default: $ESXVIRT_DEFAULT_URI, $LIBVIRT_DEFAULT_URI,
    /// libvirt.conf's uri_default, else the embedded simulator sim:///default).
    #[arg(short = 'c', long = "connect", value_name = "URI", global = true)]
    pub connect: Option<String>,
    /// Connect read-only.
    #[arg(short = 'r', long, global = true)]
    pub readonly: bool,
    /// Quiet mode: no informational messages, no table headers.
    #[arg(short = 'q', long, global = true)]
    pub quiet: bool,
    /// Debug level: 0 debug, 1 info, 2 notice, 3 warning, 4 error (or the name); the log goes
    /// to stderr, or to the file of -l. At 0 every SOAP request and response is logged,
    /// passwords, session cookies and tickets redacted.
    #[arg(short = 'd', long, value_name = "NUM", global = true)]
    pub debug: Option<String>,
    /// Write the log to this file (appended to) instead of stderr.
    #[arg(short = 'l', long = "log", value_name = "FILE", global = true)]
    pub log: Option<std::path::PathBuf>,
    /// JSON output for scripts (docs/json.md lists the commands and keys); errors as JSON
    /// objects on stderr.
    #[arg(long, global = true)]
    pub json: bool,
    /// Do not reuse or store a session (also ESXVIRT_NO_SESSION_CACHE=1).
    #[arg(long, global = true)]
    pub no_session_cache: bool,
}
