//! vcsim's command line for `esxsim`, so that a CI (or govc's own test suite) that runs
//! govmomi's simulator can run esxsim in its place: `esxsim -l 127.0.0.1:0 -E FIFO -esx`,
//! `esxsim uuidgen`, the model flags (`-dc -cluster -host -standalone-host -ds -vm -pool
//! -app -pod -pg -folder -autostart`), `-tls`, `-tlscert`/`-tlskey`, `-username`/`-password`
//! (default `user`/`pass`, the credentials vcsim puts in its URL), `-api-version`,
//! `-load DIR` (a `govc object.save` recording) and `-stdinexit`. Tracing, tunnel and delay
//! flags are accepted and ignored. `VCSIM_SECURE_COOKIES=true` in the environment marks
//! session cookies `Secure` over http too, as vcsim does.
//!
//! Go's flag syntax: `-flag value`, `-flag=value`, `--flag` the same, booleans only as
//! `-flag` or `-flag=BOOL`; parsing stops at the first argument that is not a flag. Once
//! serving, the line vcsim prints (`export GOVC_URL=... GOVC_SIM_PID=...`) goes to stdout or
//! to the file `-E` names (a FIFO the caller reads).

use std::io::Write as _;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::inventory::{VcsimModel, World};
use crate::{SimConfig, Simulator, Tls};

/// What a vcsim command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// `uuidgen`: print a random UUID.
    Uuidgen,
    /// Serve the simulator.
    Serve(Box<VcsimArgs>),
}

/// The settings of a serving vcsim command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VcsimArgs {
    /// The model flags (`esx` from `-esx`).
    pub model: VcsimModel,
    /// `-l`.
    pub listen: String,
    /// `-tls` (default true).
    pub tls: bool,
    /// `-tlscert` and `-tlskey`.
    pub cert: Option<(PathBuf, PathBuf)>,
    /// `-E`: where the environment line goes (`None`: stdout).
    pub env_file: Option<PathBuf>,
    /// `-username` / `-password`.
    pub username: String,
    /// See `username`.
    pub password: String,
    /// `-api-version`.
    pub api_version: Option<String>,
    /// `-load`.
    pub load: Option<PathBuf>,
    /// `-stdinexit`: stop when stdin has a byte (or closes).
    pub stdin_exit: bool,
}

/// Whether `args` (without the program name) are vcsim's rather than esxsim's own: a
/// `uuidgen` command or a single-dash flag. esxsim's own flags are `--long` (besides
/// `-h`/`-V`), so `--flag` always stays esxsim's, even where vcsim has a flag of that name.
pub fn looks_like_vcsim(args: &[String]) -> bool {
    if args.first().map(String::as_str) == Some("uuidgen") {
        return true;
    }
    args.iter().any(|a| match a.strip_prefix('-') {
        Some(rest) if !rest.starts_with('-') => {
            !matches!(rest, "h" | "V") && rest.starts_with(char::is_alphabetic)
        }
        _ => false,
    })
}

/// A flag's kind: booleans take no separate value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    Value,
}

/// Every flag vcsim 0.24 knows.
const FLAGS: &[(&str, Kind)] = &[
    ("dc", Kind::Value),
    ("cluster", Kind::Value),
    ("host", Kind::Value),
    ("standalone-host", Kind::Value),
    ("ds", Kind::Value),
    ("vm", Kind::Value),
    ("pool", Kind::Value),
    ("app", Kind::Value),
    ("pod", Kind::Value),
    ("pg", Kind::Value),
    ("pg-nsx", Kind::Value),
    ("nsx", Kind::Value),
    ("folder", Kind::Value),
    ("autostart", Kind::Bool),
    ("api-version", Kind::Value),
    ("esx", Kind::Bool),
    ("tls", Kind::Bool),
    ("tlscert", Kind::Value),
    ("tlskey", Kind::Value),
    ("E", Kind::Value),
    ("l", Kind::Value),
    ("username", Kind::Value),
    ("password", Kind::Value),
    ("tunnel", Kind::Value),
    ("trace", Kind::Bool),
    ("trace-file", Kind::Value),
    ("stdinexit", Kind::Bool),
    ("load", Kind::Value),
    ("delay", Kind::Value),
    ("method-delay", Kind::Value),
    ("delay-jitter", Kind::Value),
];

fn parse_bool(flag: &str, v: &str) -> Result<bool, String> {
    match v {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => Err(format!("invalid boolean value {v:?} for -{flag}")),
    }
}

fn parse_count(flag: &str, v: &str) -> Result<usize, String> {
    v.parse::<i64>()
        .map(|n| n.max(0) as usize)
        .map_err(|_| format!("invalid value {v:?} for flag -{flag}: parse error"))
}

/// Parses vcsim's command line (`args` without the program name).
pub fn parse(args: &[String]) -> Result<Invocation, String> {
    let mut model = VcsimModel::vpx();
    let mut esx = false;
    let mut out = VcsimArgs {
        model: model.clone(),
        listen: "127.0.0.1:8989".into(),
        tls: true,
        cert: None,
        env_file: None,
        username: "user".into(),
        password: "pass".into(),
        api_version: None,
        load: None,
        stdin_exit: false,
    };
    let (mut cert, mut key) = (None, None);
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let Some(body) = a.strip_prefix("--").or_else(|| a.strip_prefix('-')) else {
            break;
        };
        if a == "--" {
            i += 1;
            break;
        }
        if body.is_empty() {
            break;
        }
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        let kind = FLAGS
            .iter()
            .find(|(f, _)| *f == name)
            .map(|(_, k)| *k)
            .ok_or_else(|| format!("flag provided but not defined: -{name}"))?;
        let value = match (kind, inline) {
            (_, Some(v)) => v,
            (Kind::Bool, None) => "true".to_string(),
            (Kind::Value, None) => {
                i += 1;
                args.get(i)
                    .cloned()
                    .ok_or_else(|| format!("flag needs an argument: -{name}"))?
            }
        };
        i += 1;
        match name {
            "dc" => model.datacenter = parse_count(name, &value)?,
            "cluster" => model.cluster = parse_count(name, &value)?,
            "host" => model.cluster_host = parse_count(name, &value)?,
            "standalone-host" => model.host = parse_count(name, &value)?,
            "ds" => model.datastore = parse_count(name, &value)?,
            "vm" => model.machine = parse_count(name, &value)?,
            "pool" => model.pool = parse_count(name, &value)?,
            "app" => model.app = parse_count(name, &value)?,
            "pod" => model.pod = parse_count(name, &value)?,
            "pg" => model.portgroup = parse_count(name, &value)?,
            "folder" => model.folder = parse_count(name, &value)?,
            "pg-nsx" | "nsx" if parse_count(name, &value)? > 0 => {
                return Err(format!("-{name}: NSX networks are not simulated"));
            }
            "autostart" => model.autostart = parse_bool(name, &value)?,
            "api-version" => out.api_version = Some(value),
            "esx" => esx = parse_bool(name, &value)?,
            "tls" => out.tls = parse_bool(name, &value)?,
            "tlscert" => cert = Some(PathBuf::from(value)),
            "tlskey" => key = Some(PathBuf::from(value)),
            "E" => out.env_file = (value != "-").then(|| PathBuf::from(value)),
            "l" => out.listen = value,
            "username" if !value.is_empty() => out.username = value,
            "password" if !value.is_empty() => out.password = value,
            "stdinexit" => out.stdin_exit = parse_bool(name, &value)?,
            "load" => out.load = (!value.is_empty()).then(|| PathBuf::from(value)),
            "trace" | "delay-jitter" => {}
            // Tracing, tunnels and delays change nothing an API client can rely on.
            _ => {}
        }
    }
    if args.get(i).map(String::as_str) == Some("uuidgen") {
        return Ok(Invocation::Uuidgen);
    }
    if let Some(extra) = args.get(i) {
        return Err(format!("unexpected argument {extra:?}"));
    }
    out.cert = match (cert, key) {
        (Some(c), Some(k)) => Some((c, k)),
        (None, None) => None,
        _ => return Err("-tlscert and -tlskey go together".into()),
    };
    out.model = if esx {
        VcsimModel::esx_from(&model)
    } else {
        model
    };
    Ok(Invocation::Serve(Box::new(out)))
}

/// The `GOVC_URL` of a simulator at `addr`: `https://user:pass@host:port/sdk`.
pub fn govc_url(args: &VcsimArgs, addr: SocketAddr) -> String {
    format!(
        "{}://{}:{}@{}/sdk",
        if args.tls { "https" } else { "http" },
        userinfo_escape(&args.username),
        userinfo_escape(&args.password),
        addr
    )
}

/// Percent-encodes what may not appear in a URL's user information.
fn userinfo_escape(s: &str) -> String {
    esxvirt_util::escape::percent_encode(s, b"-._~")
}

/// Runs esxsim as vcsim when `std::env::args` are vcsim's (see [`looks_like_vcsim`]);
/// `None` otherwise, for esxsim's own command line to take over.
pub fn main_if_vcsim() -> Option<ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !looks_like_vcsim(&args) {
        return None;
    }
    let inv = match parse(&args) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("esxsim: {e}");
            return Some(ExitCode::from(2));
        }
    };
    let args = match inv {
        Invocation::Uuidgen => {
            println!("{}", crate::inventory::random_uuid());
            return Some(ExitCode::SUCCESS);
        }
        Invocation::Serve(a) => a,
    };
    Some(crate::standalone::block_on(serve(*args)))
}

/// A temporary directory removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Builds the world the arguments ask for in `files`.
pub fn build_world(args: &VcsimArgs, files: &std::path::Path) -> Result<World, String> {
    let mut world = match &args.load {
        Some(dir) => crate::recording::load(dir, files).map_err(|e| e.to_string())?,
        None => World::vcsim(&args.model, files).map_err(|e| e.to_string())?,
    };
    if let Some(v) = &args.api_version {
        world.about.api_version = v.clone();
    }
    Ok(world)
}

async fn serve(args: VcsimArgs) -> ExitCode {
    let code = serve_until_stopped(&args).await;
    if code != ExitCode::SUCCESS {
        release_env_reader(&args);
    }
    code
}

/// After a failed start, opens and closes the `-E` file if it is a FIFO somebody reads, so
/// the reader sees an empty environment rather than waiting forever (the open does not
/// wait for a reader that is not there).
fn release_env_reader(args: &VcsimArgs) {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let Some(p) = &args.env_file else {
        return;
    };
    if std::fs::metadata(p).is_ok_and(|m| m.file_type().is_fifo()) {
        let _ = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc_o_nonblock())
            .open(p);
    }
}

/// `O_NONBLOCK` of Linux and the BSDs.
const fn libc_o_nonblock() -> i32 {
    if cfg!(target_os = "linux") {
        0o4000
    } else {
        0x0004
    }
}

async fn serve_until_stopped(args: &VcsimArgs) -> ExitCode {
    // vcsim's switch for Secure cookies over http.
    if std::env::var("VCSIM_SECURE_COOKIES").is_ok_and(|v| v == "true") {
        crate::session::always_secure_cookies();
    }
    let listen = match args.listen.to_socket_addrs().map(|mut a| a.next()) {
        Ok(Some(a)) => a,
        _ => {
            eprintln!("esxsim: cannot listen on {}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let n = match crate::session::new_key() {
        Ok(k) => k,
        Err(e) => {
            eprintln!("esxsim: {e}");
            return ExitCode::FAILURE;
        }
    };
    let files = TempDir(std::env::temp_dir().join(format!("esxsim-vcsim-{}", &n[2..14])));
    let mut model = (*args).clone();
    model.model.host_ip = listen.ip().to_string();
    let world = match build_world(&model, &files.0) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("esxsim: {e}");
            return ExitCode::FAILURE;
        }
    };
    let tls = match (&args.cert, args.tls) {
        (_, false) => Tls::Off,
        (Some((cert, key)), true) => Tls::Files {
            cert: cert.clone(),
            key: key.clone(),
        },
        (None, true) => Tls::SelfSigned,
    };
    let config = SimConfig {
        listen,
        tls,
        user: args.username.clone(),
        password: args.password.clone(),
        session_idle_timeout: Duration::from_secs(30 * 60),
        ..SimConfig::default()
    };
    let sim = match Simulator::start_with(config, Box::new(world)).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("esxsim: {e}");
            return ExitCode::FAILURE;
        }
    };
    let stop = crate::standalone::StopSignals::watch();
    let line = format!(
        "export GOVC_URL={} GOVC_SIM_PID={}\n",
        govc_url(args, sim.addr()),
        std::process::id()
    );
    let written = match &args.env_file {
        None => {
            let mut out = std::io::stdout();
            out.write_all(line.as_bytes()).and_then(|_| out.flush())
        }
        Some(p) => std::fs::OpenOptions::new()
            .write(true)
            .open(p)
            .and_then(|mut f| f.write_all(line.as_bytes())),
    };
    if let Err(e) = written {
        eprintln!("esxsim: cannot write the environment: {e}");
        sim.shutdown().await;
        return ExitCode::FAILURE;
    }
    let (key_tx, key_rx) = tokio::sync::oneshot::channel::<()>();
    // Held while serving: without -stdinexit the channel never fires.
    let _held = if args.stdin_exit {
        // A blocking read on a thread of its own: any byte (or the end) of stdin stops.
        std::thread::spawn(move || {
            let mut b = [0u8; 1];
            let _ = std::io::Read::read(&mut std::io::stdin(), &mut b);
            let _ = key_tx.send(());
        });
        None
    } else {
        Some(key_tx)
    };
    stop.wait_or(async {
        let _ = key_rx.await;
    })
    .await;
    sim.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    fn serve_args(s: &str) -> VcsimArgs {
        match parse(&args(s)).unwrap() {
            Invocation::Serve(a) => *a,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn tells_vcsim_from_esxsim() {
        assert!(looks_like_vcsim(&args("-l 127.0.0.1:0 -E /tmp/x")));
        assert!(looks_like_vcsim(&args("uuidgen")));
        assert!(!looks_like_vcsim(&args("--listen 127.0.0.1:0 --http")));
        assert!(!looks_like_vcsim(&args("--user u --password p")));
        assert!(!looks_like_vcsim(&args("--load dir")));
        assert!(!looks_like_vcsim(&args("-h")));
        assert!(!looks_like_vcsim(&[]));
    }

    #[test]
    fn go_flag_syntax_and_defaults() {
        let a = serve_args("-l 127.0.0.1:0 -E /tmp/fifo -cluster 2 -host=4 --vm 8 -esx=false");
        assert_eq!(a.listen, "127.0.0.1:0");
        assert_eq!(a.env_file, Some(PathBuf::from("/tmp/fifo")));
        assert_eq!(
            (a.model.cluster, a.model.cluster_host, a.model.machine),
            (2, 4, 8)
        );
        assert!(!a.model.esx && a.tls && a.model.autostart);
        assert_eq!((a.username.as_str(), a.password.as_str()), ("user", "pass"));
        let e = serve_args("-esx -tls=false -autostart=false -ds 3 -username u -password p");
        assert!(e.model.esx && !e.tls && !e.model.autostart);
        assert_eq!(
            (e.model.datastore, e.model.cluster, e.model.datacenter),
            (3, 0, 0)
        );
        assert_eq!(e.username, "u");
        assert_eq!(serve_args("-E -").env_file, None);
        assert_eq!(parse(&args("-trace uuidgen")), Ok(Invocation::Uuidgen));
    }

    #[test]
    fn refuses_what_vcsim_refuses() {
        for bad in [
            "-nosuchflag",
            "-dc",
            "-dc x",
            "-esx=maybe",
            "-tlscert c.pem",
            "serve",
        ] {
            assert!(parse(&args(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn url_escapes_credentials() {
        let mut a = serve_args("-tls=false");
        a.password = "p@ss:w/rd".into();
        let url = govc_url(&a, "127.0.0.1:8989".parse().unwrap());
        assert_eq!(url, "http://user:p%40ss%3Aw%2Frd@127.0.0.1:8989/sdk");
    }
}
