//! Requests per second of `RetrievePropertiesEx` (5 properties of every VM, through a
//! container view) against esxsim and against govmomi's vcsim, with the same client in the
//! same run. Both serve plain http so the figure measures the servers, not TLS.
//!
//! `cargo bench -p esxvirt-sim --bench retrieve_properties` (release build). Environment:
//! `ESXVIRT_VCSIM` (default: testkit's build of vcsim), `BENCH_SECONDS` (default 10 per
//! configuration), `BENCH_VMS` (default 1000: vcsim `-host 9 -vm 100`, which adds a
//! standalone host, so 10 hosts x 100 VMs; esxsim a generated vCenter of 10 hosts x 100).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use esxvirt_sim::{InventorySource, SimConfig, Tls};

#[path = "../tests/common/mod.rs"]
mod common;

const PATHS: [&str; 5] = [
    "name",
    "runtime.powerState",
    "config.uuid",
    "config.hardware.memoryMB",
    "config.hardware.numCPU",
];

/// A keep-alive HTTP/1.1 connection.
struct Conn {
    host: String,
    reader: BufReader<TcpStream>,
    cookie: Option<String>,
}

impl Conn {
    fn open(host: &str) -> Conn {
        let s = TcpStream::connect(host).expect("connect");
        s.set_nodelay(true).ok();
        Conn {
            host: host.to_string(),
            reader: BufReader::with_capacity(1 << 20, s),
            cookie: None,
        }
    }

    fn post(&mut self, body: &str) -> (u16, Vec<u8>) {
        let mut req = format!(
            "POST /sdk HTTP/1.1\r\nHost: {}\r\nContent-Type: text/xml; charset=utf-8\r\nSOAPAction: urn:vim25/8.0.2.0\r\nContent-Length: {}\r\n",
            self.host,
            body.len()
        );
        if let Some(c) = &self.cookie {
            req.push_str("Cookie: ");
            req.push_str(c);
            req.push_str("\r\n");
        }
        req.push_str("\r\n");
        req.push_str(body);
        self.reader
            .get_mut()
            .write_all(req.as_bytes())
            .expect("send");
        let mut status = 0u16;
        let mut len: Option<usize> = None;
        let mut chunked = false;
        let mut line = String::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line).expect("read header");
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if status == 0 {
                status = l
                    .split_whitespace()
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                continue;
            }
            let (n, v) = l.split_once(':').unwrap_or((l, ""));
            let v = v.trim();
            match n.to_ascii_lowercase().as_str() {
                "content-length" => len = v.parse().ok(),
                "transfer-encoding" => chunked = v.contains("chunked"),
                "set-cookie" => self.cookie = Some(v.split(';').next().unwrap_or("").to_string()),
                _ => {}
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                self.reader.read_line(&mut line).expect("chunk size");
                let n = usize::from_str_radix(line.trim(), 16).expect("chunk size");
                let mut chunk = vec![0; n + 2];
                self.reader.read_exact(&mut chunk).expect("chunk");
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..n]);
            }
        } else if let Some(n) = len {
            body.resize(n, 0);
            self.reader.read_exact(&mut body).expect("body");
        }
        (status, body)
    }
}

fn envelope(method: &str, this: (&str, &str), args: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body><{method} xmlns=\"urn:vim25\"><_this type=\"{}\">{}</_this>{args}</{method}></soapenv:Body></soapenv:Envelope>",
        this.0, this.1
    )
}

fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let i = s.find(open)? + open.len();
    let j = s[i..].find(close)? + i;
    Some(&s[i..j])
}

/// Logs in, makes the container view, returns the retrieval request body.
fn prepare(conn: &mut Conn, user: &str, password: &str) -> String {
    let (_, sc) = conn.post(&envelope(
        "RetrieveServiceContent",
        ("ServiceInstance", "ServiceInstance"),
        "",
    ));
    let sc = String::from_utf8_lossy(&sc).into_owned();
    let root = between(&sc, "<rootFolder type=\"Folder\">", "<")
        .expect("rootFolder")
        .to_string();
    let sm = between(&sc, "<sessionManager type=\"SessionManager\">", "<")
        .expect("sessionManager")
        .to_string();
    let pc = between(&sc, "<propertyCollector type=\"PropertyCollector\">", "<")
        .expect("pc")
        .to_string();
    let vm = between(&sc, "<viewManager type=\"ViewManager\">", "<")
        .expect("viewManager")
        .to_string();
    let (st, _) = conn.post(&envelope(
        "Login",
        ("SessionManager", &sm),
        &format!("<userName>{user}</userName><password>{password}</password>"),
    ));
    assert_eq!(st, 200, "login");
    let (_, v) = conn.post(&envelope(
        "CreateContainerView",
        ("ViewManager", &vm),
        &format!("<container type=\"Folder\">{root}</container><type>VirtualMachine</type><recursive>true</recursive>"),
    ));
    let v = String::from_utf8_lossy(&v).into_owned();
    let view = between(&v, "<returnval type=\"ContainerView\">", "<")
        .expect("view")
        .to_string();
    let mut props = String::from("<propSet><type>VirtualMachine</type>");
    for p in PATHS {
        props.push_str(&format!("<pathSet>{p}</pathSet>"));
    }
    props.push_str("</propSet>");
    let body = envelope(
        "RetrievePropertiesEx",
        ("PropertyCollector", &pc),
        &format!(
            "<specSet>{props}<objectSet><obj type=\"ContainerView\">{view}</obj><skip>true</skip><selectSet xsi:type=\"TraversalSpec\"><name>v</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet></specSet><options/>"
        ),
    );
    body
}

/// Runs `conns` connections for `secs`; returns (requests/s, VMs per response, bytes per
/// response).
fn measure(host: &str, user: &str, password: &str, conns: usize, secs: u64) -> (f64, usize, usize) {
    let mut first = Conn::open(host);
    let body = prepare(&mut first, user, password);
    let (st, resp) = first.post(&body);
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&resp));
    let text = String::from_utf8_lossy(&resp);
    let vms = text.matches("<objects>").count();
    assert!(!text.contains("<token>"), "the result was paged");
    let bytes = resp.len();
    let cookie = first.cookie.clone();
    let deadline = Instant::now() + Duration::from_secs(secs);
    let start = Instant::now();
    let handles: Vec<_> = (0..conns)
        .map(|_| {
            let host = host.to_string();
            let body = body.clone();
            let cookie = cookie.clone();
            std::thread::spawn(move || {
                let mut c = Conn::open(&host);
                c.cookie = cookie;
                let mut n = 0u64;
                while Instant::now() < deadline {
                    let (st, _) = c.post(&body);
                    assert_eq!(st, 200);
                    n += 1;
                }
                n
            })
        })
        .collect();
    let total: u64 = handles.into_iter().map(|h| h.join().expect("worker")).sum();
    (total as f64 / start.elapsed().as_secs_f64(), vms, bytes)
}

fn main() {
    let secs: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let vms: usize = std::env::var("BENCH_VMS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let hosts = 10usize;
    // BENCH_ONLY=esxsim skips vcsim (for profiling esxsim alone).
    let only_esxsim = std::env::var("BENCH_ONLY").is_ok_and(|v| v == "esxsim");
    // `cargo bench` passes --bench; nothing else to parse.
    let vcsim = (!only_esxsim).then(|| {
        esxvirt_testkit::Vcsim::start(
            esxvirt_testkit::VcsimMode::VCenter {
                // vcsim adds a standalone host with its own VMs to the cluster's hosts.
                hosts: (hosts - 1) as u32,
                vms: (vms / hosts) as u32,
            },
            false,
        )
    });
    let sim = common::TestSim::start_on(
        None,
        SimConfig {
            tls: Tls::Off,
            inventory: InventorySource::Generate {
                vcenter: true,
                hosts,
                vms_per_host: vms / hosts,
            },
            ..SimConfig::default()
        },
    );
    let esx_host = sim.sim().addr().to_string();
    println!("RetrievePropertiesEx, {} properties of every VM through a container view, {secs} s per row", PATHS.len());
    println!(
        "{:<8} {:>6} {:>8} {:>10} {:>12}",
        "server", "conns", "VMs", "bytes", "requests/s"
    );
    let mut ratios = Vec::new();
    for conns in [1usize, 4] {
        let v_rps = match &vcsim {
            Some(v) => {
                let (v_rps, v_vms, v_bytes) = measure(&v.addr, "user", "pass", conns, secs);
                println!(
                    "{:<8} {:>6} {:>8} {:>10} {:>12.1}",
                    "vcsim", conns, v_vms, v_bytes, v_rps
                );
                v_rps
            }
            None => f64::NAN,
        };
        let (e_rps, e_vms, e_bytes) = measure(
            &esx_host,
            esxvirt_sim::DEFAULT_USER,
            esxvirt_sim::DEFAULT_PASSWORD,
            conns,
            secs,
        );
        println!(
            "{:<8} {:>6} {:>8} {:>10} {:>12.1}",
            "esxsim", conns, e_vms, e_bytes, e_rps
        );
        ratios.push((conns, e_rps / v_rps));
    }
    for (conns, r) in ratios {
        println!("esxsim / vcsim with {conns} connection(s): {r:.1}x");
    }
    // The simulator shuts down as `sim` drops.
}
