//! Test support for the simulator's integration tests: a tiny blocking HTTP(S) client that
//! keeps the session cookie, SOAP envelope builders, and a small stub world for testing the
//! core independently of the inventory.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use esxvirt_sim::fault::Fault;
use esxvirt_sim::object::{CallCx, FileRequest, FileResponse, Inventory};
use esxvirt_sim::soap::Element;
use esxvirt_sim::task::TaskSpec;
use esxvirt_sim::value::{MoRef, Value};

/// An HTTP answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why a request failed below HTTP.
#[derive(Debug)]
pub struct NetError(pub String);

#[derive(Debug)]
struct AcceptAll(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AcceptAll {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A blocking client for one simulator, keeping its session cookie.
pub struct Client {
    /// `http://127.0.0.1:PORT` or `https://...`.
    pub base: String,
    pub cookie: Option<String>,
}

impl Client {
    pub fn new(base: &str) -> Client {
        Client {
            base: base.to_string(),
            cookie: None,
        }
    }

    /// Sends one request on a fresh connection (Connection: close) and reads the answer.
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Reply, NetError> {
        let (tls, hostport) = match self.base.strip_prefix("https://") {
            Some(h) => (true, h.to_string()),
            None => (false, self.base.trim_start_matches("http://").to_string()),
        };
        let tcp = TcpStream::connect(&hostport).map_err(|e| NetError(e.to_string()))?;
        tcp.set_read_timeout(Some(Duration::from_secs(60))).ok();
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {hostport}\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        if let Some(c) = &self.cookie {
            req.push_str(&format!("Cookie: {c}\r\n"));
        }
        for (n, v) in headers {
            req.push_str(&format!("{n}: {v}\r\n"));
        }
        req.push_str("\r\n");
        let mut raw = Vec::new();
        if tls {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = rustls::ClientConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()
                .map_err(|e| NetError(e.to_string()))?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAll(provider)))
                .with_no_client_auth();
            let name = rustls::pki_types::ServerName::try_from("localhost")
                .map_err(|e| NetError(e.to_string()))?;
            let conn = rustls::ClientConnection::new(Arc::new(config), name)
                .map_err(|e| NetError(e.to_string()))?;
            let mut s = rustls::StreamOwned::new(conn, tcp);
            s.write_all(req.as_bytes())
                .map_err(|e| NetError(e.to_string()))?;
            s.write_all(body).map_err(|e| NetError(e.to_string()))?;
            read_all(&mut s, &mut raw)?;
        } else {
            let mut s = tcp;
            s.write_all(req.as_bytes())
                .map_err(|e| NetError(e.to_string()))?;
            s.write_all(body).map_err(|e| NetError(e.to_string()))?;
            read_all(&mut s, &mut raw)?;
        }
        let reply = parse_reply(&raw)?;
        if let Some(sc) = reply.header("set-cookie") {
            self.cookie = Some(sc.split(';').next().unwrap_or("").to_string());
        }
        Ok(reply)
    }

    /// POSTs a SOAP envelope to /sdk.
    pub fn soap(&mut self, envelope: &str) -> Result<Reply, NetError> {
        self.request(
            "POST",
            "/sdk",
            &[
                ("Content-Type", "text/xml; charset=utf-8"),
                ("SOAPAction", "urn:vim25/8.0.2.0"),
            ],
            envelope.as_bytes(),
        )
    }

    /// Calls `method` on `this` with raw argument XML; panics on transport errors.
    pub fn call(&mut self, this: (&str, &str), method: &str, args: &str) -> Reply {
        self.soap(&envelope(method, this, args))
            .unwrap_or_else(|e| panic!("{method}: {e:?}"))
    }

    /// Logs in; returns the reply.
    pub fn login(&mut self, sm: &str, user: &str, password: &str) -> Reply {
        self.call(
            ("SessionManager", sm),
            "Login",
            &format!("<userName>{user}</userName><password>{password}</password>"),
        )
    }
}

fn read_all(s: &mut impl Read, out: &mut Vec<u8>) -> Result<(), NetError> {
    let mut buf = [0u8; 65536];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            // A TLS peer closing without close_notify still gave us everything it sent.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => {
                if out.is_empty() {
                    return Err(NetError(e.to_string()));
                }
                return Ok(());
            }
        }
    }
}

fn parse_reply(raw: &[u8]) -> Result<Reply, NetError> {
    let text = String::from_utf8_lossy(raw).into_owned();
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return Err(NetError(format!("no HTTP header in {} bytes", raw.len())));
    };
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| NetError(format!("bad status line {status_line:?}")))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = body.to_string();
    if headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Ok(Reply {
        status,
        headers,
        body,
    })
}

fn dechunk(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}

/// A SOAP envelope calling `method` on `this` with raw argument XML.
pub fn envelope(method: &str, this: (&str, &str), args: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"><soapenv:Body><{method} xmlns=\"urn:vim25\"><_this type=\"{}\">{}</_this>{args}</{method}></soapenv:Body></soapenv:Envelope>",
        this.0, this.1
    )
}

/// A property spec over `ty` with `paths`.
pub fn prop_spec(ty: &str, paths: &[&str]) -> String {
    let mut s = format!("<propSet><type>{ty}</type>");
    for p in paths {
        s.push_str(&format!("<pathSet>{p}</pathSet>"));
    }
    s.push_str("</propSet>");
    s
}

/// The property spec of `paths` of type `ty` and an object set of the one object `ty:id`.
pub fn obj_set(ty: &str, id: &str, paths: &[&str]) -> String {
    format!(
        "{}<objectSet><obj type=\"{ty}\">{id}</obj></objectSet>",
        prop_spec(ty, paths)
    )
}

/// Text of every `<tag>...</tag>` in `xml` (no nesting of the same tag).
pub fn all_text(xml: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        // Skip longer tag names that start alike (<token> vs <tokens>).
        if !after.starts_with('>') && !after.starts_with(' ') && !after.starts_with('/') {
            rest = after;
            continue;
        }
        let Some(gt) = after.find('>') else { break };
        if after[..gt].ends_with('/') {
            out.push(String::new());
            rest = &after[gt + 1..];
            continue;
        }
        let inner = &after[gt + 1..];
        let Some(end) = inner.find(&close) else { break };
        out.push(inner[..end].to_string());
        rest = &inner[end + close.len()..];
    }
    out
}

/// Text of the first `<tag>`.
pub fn text(xml: &str, tag: &str) -> Option<String> {
    all_text(xml, tag).into_iter().next()
}

/// A stub world: an ESX-like root folder `root` holding `n` VMs (`vm-1`...), each with a
/// name, power state and a few config properties; PowerOnVM_Task / PowerOffVM_Task work.
pub struct StubWorld {
    pub vms: Vec<(String, bool)>,
}

impl StubWorld {
    pub fn new(n: usize) -> StubWorld {
        StubWorld {
            vms: (1..=n).map(|i| (format!("vm{i}"), false)).collect(),
        }
    }
    fn vm_index(&self, obj: &MoRef) -> Option<usize> {
        if obj.ty != "VirtualMachine" {
            return None;
        }
        let i: usize = obj.value.strip_prefix("vm-")?.parse().ok()?;
        (i >= 1 && i <= self.vms.len()).then_some(i - 1)
    }
}

impl Inventory for StubWorld {
    fn about(&self) -> Value {
        esxvirt_sim::service::default_about(esxvirt_sim::Mode::Esx)
    }
    fn root_folder(&self) -> MoRef {
        MoRef::new("Folder", "root")
    }
    fn exists(&self, obj: &MoRef) -> bool {
        (obj.ty == "Folder" && obj.value == "root") || self.vm_index(obj).is_some()
    }
    fn property(&self, obj: &MoRef, path: &str) -> Result<Option<Value>, Fault> {
        if obj.ty == "Folder" && obj.value == "root" {
            return match path {
                "childEntity" => Ok(Some(Value::morefs(
                    (1..=self.vms.len()).map(|i| MoRef::new("VirtualMachine", format!("vm-{i}"))),
                ))),
                "name" => Ok(Some(Value::str("root"))),
                _ => Err(Fault::invalid_property(path)),
            };
        }
        let i = self.vm_index(obj).ok_or_else(|| Fault::not_found(obj))?;
        let (name, on) = &self.vms[i];
        let state = Value::enumv(
            "VirtualMachinePowerState",
            if *on { "poweredOn" } else { "poweredOff" },
        );
        let config = Value::obj("VirtualMachineConfigInfo")
            .with("name", Value::str(name.clone()))
            .with("uuid", Value::str(format!("4200000{i:025}")))
            .with(
                "hardware",
                Value::obj("VirtualHardware")
                    .with("numCPU", Value::int(2))
                    .with("memoryMB", Value::int(1024)),
            );
        let top = match path.split('.').next().unwrap_or("") {
            "name" => Value::str(name.clone()),
            "runtime" => Value::obj("VirtualMachineRuntimeInfo").with("powerState", state),
            "config" => config,
            "summary" => Value::obj("VirtualMachineSummary").with(
                "config",
                Value::obj("VirtualMachineConfigSummary").with("memorySizeMB", Value::int(1024)),
            ),
            _ => return Err(Fault::invalid_property(path)),
        };
        let rest = path.split_once('.').map(|(_, r)| r).unwrap_or("");
        Ok(top.into_path(rest))
    }
    fn property_names(&self, obj: &MoRef) -> Vec<&'static str> {
        if obj.ty == "Folder" {
            vec!["childEntity", "name"]
        } else {
            vec!["config", "name", "runtime", "summary"]
        }
    }
    fn invoke(
        &mut self,
        cx: &mut CallCx<'_>,
        this: &MoRef,
        method: &str,
        _args: &Element,
    ) -> Result<Option<Value>, Fault> {
        let i = self.vm_index(this).ok_or_else(|| Fault::not_found(this))?;
        let want_on = match method {
            "PowerOnVM_Task" => true,
            "PowerOffVM_Task" => false,
            _ => return Err(Fault::method_not_found_on(this, method)),
        };
        let vms = &mut self.vms;
        let t = cx.tasks.run(
            TaskSpec {
                entity: Some(this.clone()),
                entity_name: Some(vms[i].0.clone()),
                name: method.to_string(),
                description_id: if want_on {
                    "VirtualMachine.powerOn".into()
                } else {
                    "VirtualMachine.powerOff".into()
                },
                cancelable: false,
            },
            cx.user,
            || {
                if vms[i].1 == want_on {
                    return Err(Fault::invalid_power_state(
                        None,
                        if vms[i].1 { "poweredOn" } else { "poweredOff" },
                    ));
                }
                vms[i].1 = want_on;
                Ok(None)
            },
        );
        Ok(Some(Value::MoRef(t)))
    }
    fn http_folder(&mut self, _req: &FileRequest<'_>) -> FileResponse {
        FileResponse::status(404, "no files here")
    }
    fn http_screen(&self, _req: &FileRequest<'_>) -> FileResponse {
        FileResponse::status(404, "no screen")
    }
    fn save_state(&self, _path: &std::path::Path) -> Result<(), String> {
        Ok(())
    }
}

/// A simulator running on its own runtime, for blocking tests.
pub struct TestSim {
    pub sim: Option<esxvirt_sim::RunningSim>,
    pub rt: tokio::runtime::Runtime,
}

/// The runtime a test simulator runs on: `workers` threads, or tokio's default of one a core.
fn runtime(workers: Option<usize>) -> tokio::runtime::Runtime {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = workers {
        builder.worker_threads(n);
    }
    builder.enable_all().build().expect("runtime")
}

/// Worker threads of a test's simulator (tests run side by side on small machines).
const TEST_WORKERS: Option<usize> = Some(2);

impl TestSim {
    /// The default ESX world over plain HTTP.
    pub fn plain() -> TestSim {
        TestSim::start(esxvirt_sim::SimConfig {
            tls: esxvirt_sim::Tls::Off,
            ..esxvirt_sim::SimConfig::default()
        })
    }

    /// A client logged in as root (the login must succeed).
    pub fn root_client(&self) -> Client {
        let mut c = self.client();
        assert_eq!(c.login("ha-sessionmgr", "root", "password").status, 200);
        c
    }

    /// Starts `world` with `config`.
    pub fn start_with(config: esxvirt_sim::SimConfig, world: Box<dyn Inventory>) -> TestSim {
        let rt = runtime(TEST_WORKERS);
        let sim = rt
            .block_on(esxvirt_sim::Simulator::start_with(config, world))
            .expect("simulator starts");
        TestSim { sim: Some(sim), rt }
    }

    /// Starts the real default world of `config`.
    pub fn start(config: esxvirt_sim::SimConfig) -> TestSim {
        TestSim::start_on(TEST_WORKERS, config)
    }

    /// Starts the real default world of `config` on `workers` threads (None: one a core, for
    /// benchmarks, where the server must not be held to a test's share of the machine).
    pub fn start_on(workers: Option<usize>, config: esxvirt_sim::SimConfig) -> TestSim {
        let rt = runtime(workers);
        let sim = rt
            .block_on(esxvirt_sim::Simulator::start(config))
            .expect("simulator starts");
        TestSim { sim: Some(sim), rt }
    }

    pub fn sim(&self) -> &esxvirt_sim::RunningSim {
        self.sim.as_ref().expect("running")
    }

    pub fn url(&self) -> String {
        self.sim().url()
    }

    pub fn client(&self) -> Client {
        Client::new(&self.url())
    }
}

impl Drop for TestSim {
    fn drop(&mut self) {
        if let Some(s) = self.sim.take() {
            self.rt.block_on(s.shutdown());
        }
    }
}

/// What one virsh run printed and whether it succeeded.
pub struct VirshOut {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the system virsh as `virsh -c URI ARGS` with the password file `auth`, and HOME and
/// the XDG directories inside `dir` so no user configuration or cache takes part.
pub fn run_virsh(uri: &str, auth: &Path, dir: &Path, args: &[&str]) -> VirshOut {
    let out = Command::new(esxvirt_testkit::virsh_path())
        .arg("-c")
        .arg(uri)
        .args(args)
        .env("LIBVIRT_AUTH_FILE", auth)
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("XDG_RUNTIME_DIR", dir.join("run"))
        .env_remove("LIBVIRT_DEFAULT_URI")
        .output()
        .expect("run virsh");
    VirshOut {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs the pyVmomi script `tests/pyvmomi/SCRIPT` against `sim` as
/// `python SCRIPT PROTO HOST PORT root password ARGS...`; requires success and gives stdout.
pub fn run_pyvmomi(sim: &TestSim, script: &str, args: &[&str]) -> String {
    let url = sim.url();
    let (proto, hostport) = url.split_once("://").expect("url");
    let (host, port) = hostport.rsplit_once(':').expect("port");
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/pyvmomi")
        .join(script);
    let out = Command::new(esxvirt_testkit::pyvmomi_python())
        .arg(script)
        .args([proto, host, port, "root", "password"])
        .args(args)
        .output()
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "pyVmomi failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}
