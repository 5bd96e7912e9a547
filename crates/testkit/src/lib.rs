//! Test support shared by the integration tests of every crate: loopback ports, the
//! workspace and conformance-vector locations, external peers (govmomi's simulator,
//! Debian's virsh, pyVmomi) started as child processes that are killed when dropped,
//! govmomi's vSphere type declarations ([`govmomi`]) and certificates from a private CA
//! ([`pki`]).
//!
//! Tests that need a peer fail (never skip) when it cannot be built or started, with one
//! line that names the command installing it: a silent skip would let CI pass without
//! testing anything.

pub mod govmomi;
pub mod pki;

use std::fs::{self, File};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The repository root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root exists")
}

/// The conformance vectors taken from libvirt's test suite: `ESXVIRT_CONFORMANCE_DIR`, else
/// the repository's `testdata/conformance` (see its README for their origin and licence).
pub fn conformance_dir() -> PathBuf {
    match std::env::var_os("ESXVIRT_CONFORMANCE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root().join("testdata/conformance"),
    }
}

/// A runtime for a test's in-process servers (esxsim and the like): two worker threads, so
/// a server keeps answering while the test blocks on its own calls.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Fails the calling test with one line: what is missing and the command that installs it.
/// (A panic message is what `cargo test` shows; keeping it to one line keeps it readable.)
pub fn missing_peer(what: &str, install: &str) -> ! {
    panic!("{what} is missing: install it with `{install}`")
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind an ephemeral loopback port")
}

/// A child process killed (and reaped) when dropped.
pub struct ChildGuard(pub Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Path of govmomi's simulator: `ESXVIRT_VCSIM`, else `target/vcsim/vcsim`, built on first
/// use with `scripts/vcsim/build.sh` under a file lock (test binaries run in parallel). Fails
/// the test with the set-up command when Go or govmomi's sources are not installed.
pub fn vcsim_path() -> PathBuf {
    if let Some(p) = std::env::var_os("ESXVIRT_VCSIM") {
        return PathBuf::from(p);
    }
    let dir = workspace_root().join("target/vcsim");
    fs::create_dir_all(&dir).expect("create target/vcsim");
    let bin = dir.join("vcsim");
    let lock = File::create(dir.join(".lock")).expect("create vcsim build lock");
    lock.lock().expect("lock vcsim build");
    if !bin.exists() {
        let script = workspace_root().join("scripts/vcsim/build.sh");
        let out = Command::new("bash")
            .arg(&script)
            .arg("--no-install")
            .arg(&bin)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
        if out.status.code() == Some(3) {
            missing_peer(
                "govmomi's simulator (Go and Debian's golang-github-vmware-govmomi-dev)",
                "bash .ci/setup",
            );
        }
        assert!(
            out.status.success() && bin.exists(),
            "building vcsim with {} failed:\n{}{}",
            script.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let _ = lock.unlock();
    bin
}

/// Which inventory govmomi's simulator serves.
#[derive(Clone, Copy, Debug)]
pub enum VcsimMode {
    /// A standalone ESX host (HostAgent).
    Esx,
    /// A vCenter (datacenter DC0) with `hosts` standalone hosts (DC0_H0 ...) beside vcsim's
    /// default cluster DC0_C0 of three hosts, and `vms` VMs per host.
    VCenter { hosts: u32, vms: u32 },
}

/// A running govmomi simulator on a loopback port of its own.
pub struct Vcsim {
    /// The URL it printed, e.g. `https://user:pass@127.0.0.1:PORT/sdk`.
    pub url: String,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    _child: ChildGuard,
}

impl Vcsim {
    /// Starts the simulator; `tls` false serves plain http. Panics (fails the test) when it
    /// cannot be built or does not come up.
    pub fn start(mode: VcsimMode, tls: bool) -> Vcsim {
        let bin = vcsim_path();
        for _attempt in 0..5 {
            let addr = format!("127.0.0.1:{}", free_port());
            let mut cmd = Command::new(&bin);
            cmd.arg("-l").arg(&addr).arg(format!("-tls={tls}"));
            match mode {
                VcsimMode::Esx => {
                    cmd.arg("-esx");
                }
                VcsimMode::VCenter { hosts, vms } => {
                    cmd.arg("-standalone-host").arg(hosts.to_string());
                    cmd.arg("-vm").arg(vms.to_string());
                }
            }
            cmd.stdout(Stdio::piped()).stderr(Stdio::null());
            let mut child = cmd
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
            let stdout = child.stdout.take().expect("piped stdout");
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let guard = ChildGuard(child);
            let url = line.trim().to_string();
            if !url.is_empty() && wait_for_port(&addr, Duration::from_secs(20)) {
                return Vcsim {
                    url,
                    addr,
                    _child: guard,
                };
            }
        }
        panic!("vcsim did not start ({})", bin.display());
    }
}

/// Waits until something accepts connections on `addr`.
pub fn wait_for_port(addr: &str, timeout: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if std::net::TcpStream::connect(addr).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Debian's virsh (libvirt-clients): `ESXVIRT_VIRSH`, else `/usr/bin/virsh`. Fails the test
/// with the install command when it is missing.
pub fn virsh_path() -> PathBuf {
    let p =
        PathBuf::from(std::env::var_os("ESXVIRT_VIRSH").unwrap_or_else(|| "/usr/bin/virsh".into()));
    if !p.exists() {
        missing_peer(
            &format!("Debian's virsh ({})", p.display()),
            "bash .ci/setup (or apt-get install --no-install-recommends libvirt-clients)",
        );
    }
    p
}

/// The Python that has pyVmomi: `ESXVIRT_PYTHON`, else `target/pyvenv/bin/python`. Fails the
/// test with the set-up command when it is missing (tests that need it fail, never skip).
pub fn pyvmomi_python() -> PathBuf {
    let p = match std::env::var_os("ESXVIRT_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => workspace_root().join("target/pyvenv/bin/python"),
    };
    if !p.exists() {
        missing_peer(
            &format!("pyVmomi's Python ({})", p.display()),
            "bash .ci/setup (or set ESXVIRT_PYTHON to a Python with pyvmomi)",
        );
    }
    p
}

/// Writes a libvirt auth.conf giving `user`/`password` for every esx/vpx host, for
/// `LIBVIRT_AUTH_FILE`.
pub fn write_libvirt_auth_file(dir: &Path, user: &str, password: &str) -> PathBuf {
    let path = dir.join("auth.conf");
    let text = format!(
        "[credentials-test]\nauthname={user}\npassword={password}\n\n\
         [auth-esx-127.0.0.1]\ncredentials=test\n\n[auth-vpx-127.0.0.1]\ncredentials=test\n\n\
         [auth-gsx-127.0.0.1]\ncredentials=test\n"
    );
    fs::write(&path, text).expect("write auth.conf");
    path
}

/// Writes `contents` to a fresh file in the temporary folder, named from `stem`, the process
/// id and a per-process counter so that parallel tests never share one, and returns its path.
pub fn temp_file(stem: &str, contents: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "{stem}-{}-{}.xml",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    fs::write(&path, contents).expect("write temp file");
    path
}

/// Runs one virsh shell `line` on libvirt's built-in `test:///default` driver (a fresh
/// in-memory connection each time): `Ok(stdout)` when virsh succeeds and writes nothing to
/// stderr, else `Err(stderr + stdout)`, since virsh reports some refusals only as warnings.
pub fn virsh_test_driver(line: &str) -> Result<String, String> {
    let out = Command::new(virsh_path())
        .args(["-q", "-c", "test:///default", line])
        .output()
        .expect("run virsh");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if out.status.success() && stderr.trim().is_empty() {
        Ok(stdout)
    } else {
        Err(format!("{stderr}{stdout}"))
    }
}

/// `len` deterministic pseudo-random bytes (xorshift) from `seed`, for transfers whose
/// bytes are compared whole: a misplaced block shows.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}
