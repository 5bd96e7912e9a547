//! Shared test support: an esxsim on a loopback port of its own (in-process), and running
//! Debian's virsh and the built esxvirt against it with the same arguments.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use esxvirt_sim::{InventorySource, RunningSim, SimConfig, Simulator, Tls};

/// A running simulator with its runtime; stopped when dropped.
pub struct Sim {
    sim: Option<RunningSim>,
    rt: Option<tokio::runtime::Runtime>,
    pub port: u16,
    /// Holds auth.conf.
    pub dir: PathBuf,
    query: &'static str,
}

impl Sim {
    /// A fresh default ESX world over https.
    pub fn start() -> Sim {
        Sim::start_with(InventorySource::DefaultEsx)
    }

    pub fn start_with(inventory: InventorySource) -> Sim {
        Sim::start_tls(inventory, Tls::SelfSigned)
    }

    /// `inventory` over TLS with its datastores' files in `files_dir`.
    pub fn start_in(inventory: InventorySource, files_dir: &Path) -> Sim {
        Sim::start_config(SimConfig {
            tls: Tls::SelfSigned,
            inventory,
            files_dir: Some(files_dir.to_path_buf()),
            ..SimConfig::default()
        })
    }

    /// `inventory` served with `tls`; [`Sim::uri`] says `no_verify=1` over TLS and
    /// `transport=http` without.
    pub fn start_tls(inventory: InventorySource, tls: Tls) -> Sim {
        Sim::start_config(SimConfig {
            tls,
            inventory,
            ..SimConfig::default()
        })
    }

    /// A simulator with `config` (its user and password go into auth.conf).
    pub fn start_config(config: SimConfig) -> Sim {
        let query = match config.tls {
            Tls::Off => "transport=http",
            _ => "no_verify=1",
        };
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let (user, password) = (config.user.clone(), config.password.clone());
        let sim = rt.block_on(Simulator::start(config)).expect("start esxsim");
        let port = sim.addr().port();
        let dir =
            std::env::temp_dir().join(format!("esxvirt-cli-test-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        esxvirt_testkit::write_libvirt_auth_file(&dir, &user, &password);
        Sim {
            sim: Some(sim),
            rt: Some(rt),
            port,
            dir,
            query,
        }
    }

    /// The running server (its per-method request counters).
    pub fn running(&self) -> &RunningSim {
        self.sim.as_ref().expect("running")
    }

    /// The URI both tools use.
    pub fn uri(&self) -> String {
        format!("esx://root@127.0.0.1:{}/?{}", self.port, self.query)
    }

    pub fn auth_file(&self) -> PathBuf {
        self.dir.join("auth.conf")
    }

    /// Stops the server now (the port then refuses connections).
    pub fn stop(&mut self) {
        if let (Some(sim), Some(rt)) = (self.sim.take(), self.rt.as_ref()) {
            rt.block_on(async move { drop(sim) });
        }
    }

    /// Writes a file into the test's directory and returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.join(name);
        std::fs::write(&p, text).expect("write test file");
        p
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.stop();
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The environment both tools run in: `auth` for credentials, C locale, UTC, no session
/// cache, no default URI; no input, output captured.
pub fn base_env(cmd: &mut Command, auth: &Path) {
    cmd.env("LIBVIRT_AUTH_FILE", auth)
        .env("LC_ALL", "C.UTF-8")
        .env("TZ", "UTC")
        .env("ESXVIRT_NO_SESSION_CACHE", "1")
        .env_remove("ESXVIRT_DEFAULT_URI")
        .env_remove("LIBVIRT_DEFAULT_URI")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
}

/// Runs Debian's virsh against `uri`.
pub fn virsh(uri: &str, auth: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(esxvirt_testkit::virsh_path());
    cmd.arg("-c").arg(uri).args(args);
    base_env(&mut cmd, auth);
    cmd.output().expect("run virsh")
}

/// Runs the built esxvirt against `uri`.
pub fn esxvirt(uri: &str, auth: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_esxvirt"));
    cmd.arg("-c").arg(uri).args(args);
    base_env(&mut cmd, auth);
    cmd.output().expect("run esxvirt")
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// stdout, stderr and exit status as one comparable value.
#[derive(Debug, PartialEq, Eq, Clone)]
pub struct Seen {
    pub stdout: String,
    pub stderr: String,
    pub status: Option<i32>,
}

impl Seen {
    pub fn of(o: &Output) -> Seen {
        Seen {
            stdout: text(&o.stdout),
            stderr: text(&o.stderr),
            status: o.status.code(),
        }
    }

    /// Replaces `YYYY-MM-DD HH:MM:SS +ZZZZ` timestamps, `<creationTime>` values and the
    /// default snapshot name (the creation time in seconds), which depend on when each
    /// tool's snapshot was taken (a documented exception).
    pub fn without_times(mut self) -> Seen {
        self.stdout = mask_default_snapshot_name(&mask_times(&self.stdout));
        self
    }
}

/// Masks snapshot creation times (same width, so table columns still compare).
pub fn mask_times(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    let pat = "dddd-dd-dd dd:dd:dd +dddd";
    while i < b.len() {
        let cand = &b[i..];
        let matches = cand.len() >= pat.len()
            && pat.bytes().zip(cand.iter()).all(|(p, &c)| match p {
                b'd' => c.is_ascii_digit(),
                b'+' => c == b'+' || c == b'-',
                other => other == c,
            });
        if matches {
            out.push_str("YYYY-MM-DD HH:MM:SS +ZZZZ");
            i += pat.len();
            continue;
        }
        if cand.starts_with(b"<creationTime>") {
            out.push_str("<creationTime>");
            i += "<creationTime>".len();
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            out.push('T');
            continue;
        }
        let ch = s[i..].chars().next().unwrap_or('\u{0}');
        out.push(ch);
        i += ch.len_utf8().max(1);
    }
    out
}

/// Masks the name libvirt gives a snapshot created without one: the Unix time in seconds,
/// which differs when the two tools' runs straddle a second boundary.
pub fn mask_default_snapshot_name(s: &str) -> String {
    s.split_inclusive('\n')
        .map(|line| {
            let name = line
                .trim_end_matches('\n')
                .strip_prefix("Domain snapshot ")
                .and_then(|r| r.strip_suffix(" created"));
            match name {
                Some(n) if !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()) => {
                    line.replacen(n, "EPOCH", 1)
                }
                _ => line.to_string(),
            }
        })
        .collect()
}

/// A minimal ESX domain whose VMX goes to `[datastore1] DIR/`.
pub fn domain_xml(name: &str, dir: &str, uuid: &str) -> String {
    let esc = name
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&apos;");
    format!(
        "<domain type='vmware'>\n  <name>{esc}</name>\n  <uuid>{uuid}</uuid>\n  <memory unit='KiB'>262144</memory>\n  <currentMemory unit='KiB'>262144</currentMemory>\n  <vcpu placement='static'>1</vcpu>\n  <os>\n    <type arch='x86_64'>hvm</type>\n  </os>\n  <devices>\n    <disk type='file' device='disk'>\n      <source file='[datastore1] {dir}/disk.vmdk'/>\n      <target dev='sda' bus='scsi'/>\n      <address type='drive' controller='0' bus='0' target='0' unit='0'/>\n    </disk>\n    <controller type='scsi' index='0' model='lsilogic'/>\n  </devices>\n</domain>\n"
    )
}

/// Names the differential tests define: spaces, non-ASCII letters, `/`, `%`, `&`, `<`.
pub const SPECIAL_NAMES: &[&str] = &[
    "web server 01",
    "Grüße-Ωmega-日本",
    "a/b",
    "50% off",
    "R&D",
    "x<y",
];
