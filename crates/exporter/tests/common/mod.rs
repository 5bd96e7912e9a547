//! Test peers of the exporter: esxsim in-process on a loopback port, the exporter binary,
//! a plain HTTP GET, and Debian's prometheus and promtool.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use esxvirt_sim::{InventorySource, RunningSim, SimConfig, Simulator, Tls};
use esxvirt_testkit::ChildGuard;

/// A fresh directory under the temporary folder, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(stem: &str) -> TempDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "esxvirt-exporter-{stem}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A runtime for the in-process simulator.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// esxsim serving `inventory` over http on a free port.
pub fn start_sim_with(rt: &tokio::runtime::Runtime, inventory: InventorySource) -> RunningSim {
    rt.block_on(Simulator::start(SimConfig {
        tls: Tls::Off,
        inventory,
        ..SimConfig::default()
    }))
    .unwrap()
}

/// esxsim serving a generated vCenter (`hosts` hosts of `vms` VMs) over http on `addr`
/// (port 0: a free one).
pub fn start_sim(
    rt: &tokio::runtime::Runtime,
    addr: SocketAddr,
    hosts: usize,
    vms: usize,
) -> RunningSim {
    rt.block_on(Simulator::start(SimConfig {
        listen: addr,
        tls: Tls::Off,
        inventory: InventorySource::Generate {
            vcenter: true,
            hosts,
            vms_per_host: vms,
        },
        ..SimConfig::default()
    }))
    .unwrap()
}

/// The exporter binary running with `args`, its environment's auth.conf in `dir`; returns
/// the process and the address it serves on.
pub fn start_exporter(dir: &Path, args: &[&str]) -> (ChildGuard, SocketAddr) {
    let auth = esxvirt_testkit::write_libvirt_auth_file(dir, "root", "password");
    let mut child = Command::new(env!("CARGO_BIN_EXE_esxvirt-exporter"))
        .args(args)
        .args(["--listen", "127.0.0.1:0"])
        .env("LIBVIRT_AUTH_FILE", &auth)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first
        .split("http://")
        .nth(1)
        .and_then(|s| s.strip_suffix("/metrics"))
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .parse()
        .unwrap();
    // Keep reading stderr (warnings go there) into a file, so the pipe never fills.
    let log = dir.join("exporter.log");
    std::thread::spawn(move || {
        let mut f = std::fs::File::create(log).unwrap();
        for line in lines.map_while(Result::ok) {
            let _ = writeln!(f, "{line}");
        }
    });
    (ChildGuard(child), addr)
}

/// The exporter's log so far.
pub fn exporter_log(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("exporter.log")).unwrap_or_default()
}

/// `GET path` on `addr`: (status, headers, body). HTTP/1.0, so that no server answers in
/// chunks.
pub fn get(addr: SocketAddr, path: &str) -> std::io::Result<(u16, String, Vec<u8>)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n")?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no header end"))?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok((status, head, raw[split + 4..].to_vec()))
}

/// The exporter's `/metrics` text (empty when it does not answer).
pub fn scrape(addr: SocketAddr) -> String {
    match get(addr, "/metrics") {
        Ok((200, _, body)) => String::from_utf8(body).unwrap(),
        _ => String::new(),
    }
}

/// The value of the sample whose line starts with `prefix` (`name{labels}`).
pub fn sample(text: &str, prefix: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// Polls `f` every 100 ms until it holds or `budget` passes.
pub fn wait_until(budget: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + budget;
    loop {
        if f() {
            return true;
        }
        if Instant::now() > end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Debian's prometheus (or `ESXVIRT_PROMETHEUS`), or the test fails naming the install.
pub fn prometheus_path() -> PathBuf {
    let p = std::env::var_os("ESXVIRT_PROMETHEUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/prometheus"));
    if !p.exists() {
        esxvirt_testkit::missing_peer("prometheus", "apt-get install prometheus");
    }
    p
}

/// Debian's promtool, or the test fails naming the install.
pub fn promtool_path() -> PathBuf {
    let p = std::env::var_os("ESXVIRT_PROMTOOL")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/promtool"));
    if !p.exists() {
        esxvirt_testkit::missing_peer("promtool", "apt-get install prometheus");
    }
    p
}

/// Prometheus scraping `target` every second, with its data in `dir`; returns it and its
/// address once it answers.
pub fn start_prometheus(dir: &Path, target: SocketAddr) -> (ChildGuard, SocketAddr) {
    let bin = prometheus_path();
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
             scrape_configs:\n  - job_name: esxvirt\n    static_configs:\n      - targets: ['{target}']\n"
        ),
    )
    .unwrap();
    let port = esxvirt_testkit::free_port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let log = std::fs::File::create(dir.join("prometheus.log")).unwrap();
    let child = Command::new(bin)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address={addr}"))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let guard = ChildGuard(child);
    let ready = wait_until(Duration::from_secs(60), || {
        matches!(get(addr, "/-/ready"), Ok((200, _, _)))
    });
    assert!(
        ready,
        "prometheus did not become ready: {}",
        std::fs::read_to_string(dir.join("prometheus.log")).unwrap_or_default()
    );
    (guard, addr)
}

/// Percent-encodes a query parameter.
fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An instant query's result vector from Prometheus' HTTP API.
pub fn query(prom: SocketAddr, q: &str) -> Vec<serde_json::Value> {
    let Ok((200, _, body)) = get(prom, &format!("/api/v1/query?query={}", encode(q))) else {
        return Vec::new();
    };
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    v["data"]["result"].as_array().cloned().unwrap_or_default()
}
