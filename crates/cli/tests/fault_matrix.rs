//! The fault matrix: every command class (read, lifecycle, define, undefine, snapshot,
//! volume, network, upload, download) under every fault esxsim injects into the request
//! that carries the class's change (refused connection, reset before and after the server
//! acts, truncated body, HTTP 5xx, SOAP fault, an answer slower than the timeout, a session
//! that expires at that request), run through the esxvirt binary, each against a fresh
//! simulator (over plain HTTP, so that TLS library wording stays out of the table).
//!
//! Each cell must: end (no hang) without a panic, exit 0 or 1 with `error: ` lines only
//! (warnings aside) on failure; send the change's call at most once (twice only when the
//! server refused the first for an expired session, which does nothing); and leave the
//! server in the state the command reported — made on success, not made after a
//! definitive failure, whole either way after an unknown outcome (no half-registered VM, no
//! deleted disk or .vmx of a VM the server kept).
//!
//! The outcome and message of every cell make the table in RELIABILITY.md, which this test
//! checks (run it with `ESXVIRT_BLESS=1` to rewrite that table after a deliberate change).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::*;
use esxvirt_sim::{Action, Injection, InventorySource, Tls};

/// How long one command may take before it counts as hung.
const HANG: Duration = Duration::from_secs(60);

/// The client's limit for one request in the slow column (`esxvirt_timeout=`, seconds):
/// generous enough for every other request of a command on a loaded machine.
const TIMEOUT_S: u64 = 2;

/// An injected answer delay past that limit.
const SLOW_MS: u64 = 3500;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    Refused,
    ResetBefore,
    ResetAfter,
    Truncated,
    Http503,
    Soap,
    Slow,
    Expired,
}

const FAULTS: &[Fault] = &[
    Fault::Refused,
    Fault::ResetBefore,
    Fault::ResetAfter,
    Fault::Truncated,
    Fault::Http503,
    Fault::Soap,
    Fault::Slow,
    Fault::Expired,
];

impl Fault {
    fn label(self) -> &'static str {
        match self {
            Fault::Refused => "connection refused",
            Fault::ResetBefore => "reset before the server acts",
            Fault::ResetAfter => "reset after the server acted",
            Fault::Truncated => "truncated body (after acting)",
            Fault::Http503 => "HTTP 503 (before acting)",
            Fault::Soap => "SOAP fault",
            Fault::Slow => "answer later than esxvirt_timeout=2",
            Fault::Expired => "session expired at the call",
        }
    }

    /// The injection for requests of `method`; `None` for a refused connection.
    fn injection(self, method: &str) -> Option<Injection> {
        let action = match self {
            Fault::Refused => return None,
            Fault::ResetBefore => Action::Reset,
            Fault::ResetAfter => Action::ResetAfter,
            Fault::Truncated => Action::Truncate,
            Fault::Http503 => Action::Http { status: 503 },
            Fault::Soap => Action::Fault {
                fault: "InvalidState".into(),
                message: "injected fault".into(),
            },
            Fault::Slow => Action::Latency { ms: SLOW_MS },
            Fault::Expired => Action::Expire,
        };
        Some(Injection::method(method, action).times(1))
    }
}

/// What a class does: its command, the request its change rides on, and how the server's
/// state after it is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Read,
    Lifecycle,
    Define,
    Undefine,
    Snapshot,
    Volume,
    Network,
    Upload,
    Download,
}

const CLASSES: &[Class] = &[
    Class::Read,
    Class::Lifecycle,
    Class::Define,
    Class::Undefine,
    Class::Snapshot,
    Class::Volume,
    Class::Network,
    Class::Upload,
    Class::Download,
];

const ISO_POOL: &str = "nfs-iso";
const ISO: &str = "ubuntu-22.04-live-server-amd64.iso";
const NEW_UUID: &str = "6b0d6bb4-1d7e-4f4e-9d55-2c1e1f0c2a11";

impl Class {
    fn title(self) -> &'static str {
        match self {
            Class::Read => "read: `dominfo db01` (RetrievePropertiesEx)",
            Class::Lifecycle => "lifecycle: `start db01` (PowerOnVM_Task)",
            Class::Define => "define: `define new.xml` (RegisterVM_Task)",
            Class::Undefine => "undefine: `undefine tiny` (UnregisterVM)",
            Class::Snapshot => "snapshot: `snapshot-create-as db01 s1` (CreateSnapshot_Task)",
            Class::Volume => "volume: `vol-create-as datastore1 fresh/fresh.vmdk 10M --format vmdk` (CreateVirtualDisk_Task)",
            Class::Network => "network: `net-define net.xml`, a switch and a port group (AddPortGroup)",
            Class::Upload => "upload: `vol-upload` of a file volume (PUT /folder)",
            Class::Download => "download: `vol-download` of a file volume (GET /folder)",
        }
    }

    /// The request faults are injected into.
    fn method(self) -> &'static str {
        match self {
            Class::Read => "RetrievePropertiesEx",
            Class::Lifecycle => "PowerOnVM_Task",
            Class::Define => "RegisterVM_Task",
            Class::Undefine => "UnregisterVM",
            Class::Snapshot => "CreateSnapshot_Task",
            Class::Volume => "CreateVirtualDisk_Task",
            Class::Network => "AddPortGroup",
            Class::Upload | Class::Download => "/folder",
        }
    }

    /// Whether the class's call changes the server (and so must go out once).
    fn changes(self) -> bool {
        !matches!(self, Class::Read | Class::Download)
    }

    /// Whether `fault` applies: file transfers have no SOAP faults.
    fn applies(self, fault: Fault) -> bool {
        !(fault == Fault::Soap && matches!(self, Class::Upload | Class::Download))
    }

    /// Prepares the simulator and returns the command's arguments.
    fn setup(self, sim: &Sim) -> Vec<String> {
        let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        match self {
            Class::Read => s(&["dominfo", "db01"]),
            Class::Lifecycle => s(&["start", "db01"]),
            Class::Define => {
                let xml = sim.write("new.xml", &domain_xml("fresh", "fresh", NEW_UUID));
                vec!["define".into(), xml.to_string_lossy().into_owned()]
            }
            Class::Undefine => s(&["undefine", "tiny"]),
            Class::Snapshot => s(&["snapshot-create-as", "db01", "s1"]),
            Class::Volume => s(&[
                "vol-create-as",
                "datastore1",
                "fresh/fresh.vmdk",
                "10M",
                "--format",
                "vmdk",
            ]),
            Class::Network => {
                let xml = sim.write(
                    "net.xml",
                    "<network>\n  <name>vSwitch9</name>\n  <portgroup name='pg9'/>\n</network>\n",
                );
                vec!["net-define".into(), xml.to_string_lossy().into_owned()]
            }
            Class::Upload => {
                let data = sim.write("data.bin", &payload());
                vec![
                    "vol-upload".into(),
                    "--pool".into(),
                    ISO_POOL.into(),
                    ISO.into(),
                    data.to_string_lossy().into_owned(),
                ]
            }
            Class::Download => {
                // Small contents first, so the download is small.
                let data = sim.write("data.bin", &payload());
                let up = run(
                    &sim.uri(),
                    &sim.auth_file(),
                    &[
                        "vol-upload",
                        "--pool",
                        ISO_POOL,
                        ISO,
                        &data.to_string_lossy(),
                    ],
                );
                assert!(up.status.success(), "setup upload: {}", text(&up.stderr));
                let out = sim.dir.join("out.bin");
                vec![
                    "vol-download".into(),
                    "--pool".into(),
                    ISO_POOL.into(),
                    ISO.into(),
                    out.to_string_lossy().into_owned(),
                ]
            }
        }
    }

    /// Whether the change (or the read) is in place on the server now, as esxvirt sees it.
    fn made(self, sim: &Sim) -> bool {
        let (uri, auth) = (sim.uri(), sim.auth_file());
        let ok = |args: &[&str]| run(&uri, &auth, args);
        match self {
            Class::Read => true,
            Class::Lifecycle => text(&ok(&["domstate", "db01"]).stdout).starts_with("running"),
            Class::Define => ok(&["dominfo", "fresh"]).status.success(),
            Class::Undefine => !ok(&["dominfo", "tiny"]).status.success(),
            Class::Snapshot => {
                let names = text(&ok(&["snapshot-list", "db01", "--name"]).stdout);
                let n = names.lines().filter(|l| *l == "s1").count();
                assert!(n <= 1, "snapshot s1 made {n} times");
                n == 1
            }
            Class::Volume => ok(&["vol-info", "--pool", "datastore1", "fresh/fresh.vmdk"])
                .status
                .success(),
            Class::Network => {
                let x = text(&ok(&["net-dumpxml", "vSwitch9"]).stdout);
                x.contains("<portgroup name='pg9'>")
            }
            Class::Upload => {
                let out = sim.dir.join("check.bin");
                let got = ok(&[
                    "vol-download",
                    "--pool",
                    ISO_POOL,
                    ISO,
                    &out.to_string_lossy(),
                ]);
                got.status.success()
                    && std::fs::read(&out).ok().as_deref() == Some(payload().as_bytes())
            }
            Class::Download => {
                std::fs::read(sim.dir.join("out.bin")).ok().as_deref() == Some(payload().as_bytes())
            }
        }
    }

    /// What must hold whatever the outcome: nothing the server kept is lost, nothing is
    /// left half-made.
    fn whole(self, sim: &Sim) -> Result<(), String> {
        let (uri, auth) = (sim.uri(), sim.auth_file());
        let ok = |args: &[&str]| run(&uri, &auth, args);
        match self {
            // Registered means whole (its .vmx readable); else nothing registered.
            Class::Define
                if ok(&["dominfo", "fresh"]).status.success()
                    && !ok(&["dumpxml", "fresh"]).status.success() =>
            {
                return Err("a registered VM lost its .vmx".into());
            }
            Class::Undefine => {
                let vols = text(&ok(&["vol-list", "datastore1"]).stdout);
                if !vols.contains("tiny/tiny.vmdk") {
                    return Err("undefine deleted a disk".into());
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// The bytes the transfer classes move.
fn payload() -> String {
    "fault matrix payload\n".repeat(16)
}

/// Runs esxvirt with `args`; a run that outlives [`HANG`] is killed and fails the test.
fn run(uri: &str, auth: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_esxvirt"));
    cmd.arg("-c").arg(uri).args(args);
    base_env(&mut cmd, auth);
    let mut child = cmd.spawn().expect("run esxvirt");
    let started = Instant::now();
    loop {
        match child.try_wait().expect("wait") {
            Some(_) => return child.wait_with_output().expect("output"),
            None if started.elapsed() > HANG => {
                let _ = child.kill();
                panic!("esxvirt {args:?} hung for {HANG:?}");
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// One cell's result, for the table.
struct Cell {
    class: Class,
    fault: Fault,
    exit: Option<i32>,
    outcome: &'static str,
    message: String,
    problems: Vec<String>,
}

/// A line with what varies between runs replaced: ports, the test directory, and the
/// timestamp and process id of warning lines.
fn normalize(line: &str, dir: &Path) -> String {
    let mut s = line.replace(&*dir.to_string_lossy(), "DIR");
    if let Some(at) = s.find(": warning : ") {
        s = format!("warning: {}", &s[at + ": warning : ".len()..]);
    }
    let mut out = String::new();
    let mut rest = s.as_str();
    while let Some(i) = rest.find("127.0.0.1:") {
        out.push_str(&rest[..i + "127.0.0.1:".len()]);
        rest = rest[i + "127.0.0.1:".len()..].trim_start_matches(|c: char| c.is_ascii_digit());
        out.push_str("PORT");
    }
    out.push_str(rest);
    out
}

fn run_cell(class: Class, fault: Fault) -> Cell {
    // Plain HTTP keeps TLS library wording out of the table; the faults are the same.
    let mut sim = Sim::start_tls(InventorySource::DefaultEsx, Tls::Off);
    let args = class.setup(&sim);
    let method = class.method();
    let before = count(&sim, method);
    let mut uri = sim.uri();
    if fault == Fault::Slow {
        uri.push_str(&format!("&esxvirt_timeout={TIMEOUT_S}"));
    }
    match fault.injection(method) {
        Some(rule) => sim.running().inject(rule),
        None => sim.stop(),
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&uri, &sim.auth_file(), &argv);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    let mut problems = Vec::new();
    if stderr.contains("panicked") || stdout.contains("panicked") {
        problems.push(format!("panic: {stderr}"));
    }
    let exit = out.status.code();
    if !matches!(exit, Some(0 | 1)) {
        problems.push(format!("exit status {exit:?}"));
    }
    let warning = stderr.lines().find(|l| l.contains(": warning : "));
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.contains(": warning : "))
        .collect();
    if exit == Some(1) && (errors.is_empty() || errors.iter().any(|l| !l.starts_with("error: "))) {
        problems.push(format!("unclear error lines: {stderr:?}"));
    }
    if exit == Some(0) && !errors.is_empty() {
        problems.push(format!("error lines on success: {stderr:?}"));
    }
    let unknown = stderr.contains(" is unknown: ");
    let outcome = match (exit, warning.is_some(), unknown) {
        (Some(0), false, _) => "ok",
        (Some(0), true, _) => "ok; the answer was lost, the change found made",
        (_, _, true) => "error: outcome unknown, said so",
        _ if stderr.contains("failed to connect to the hypervisor") => "error: no connection",
        _ => "error",
    };
    let message = match (exit, warning) {
        (Some(0), Some(w)) => normalize(w, &sim.dir),
        (Some(0), None) => match stdout.lines().next() {
            Some(l) if !l.is_empty() => normalize(l, &sim.dir),
            _ => "(nothing)".to_string(),
        },
        _ => normalize(errors.last().copied().unwrap_or(""), &sim.dir),
    };
    if fault != Fault::Refused {
        // (esxsim acts on a SOAP request before it delays the answer, so whatever a slow
        // answer does is done by now.)
        sim.running().clear_injections();
        let sent = count(&sim, method) - before;
        // Sent again only after the server refused it for the expired session.
        let allowed = if fault == Fault::Expired { 2 } else { 1 };
        if class.changes() && sent > allowed {
            problems.push(format!("{method} sent {sent} times"));
        }
        let made = class.made(&sim);
        match outcome {
            "ok" | "ok; the answer was lost, the change found made" if !made => {
                problems.push("reported done, not made".into())
            }
            "error" if made && class.changes() => problems.push("reported failed, yet made".into()),
            _ => {}
        }
        if let Err(p) = class.whole(&sim) {
            problems.push(p);
        }
    }
    Cell {
        class,
        fault,
        exit,
        outcome,
        message,
        problems,
    }
}

/// Requests of `method` (a SOAP method, or `/folder`) the simulator has seen.
fn count(sim: &Sim, method: &str) -> u64 {
    let stats = sim.running().stats();
    if method.starts_with('/') {
        stats.http.get(method).copied().unwrap_or(0)
    } else {
        stats.method(method)
    }
}

/// The tables of RELIABILITY.md, one per class.
fn table(cells: &[Cell]) -> String {
    let mut s = String::new();
    for class in CLASSES {
        s.push_str(&format!("\n#### {}\n\n", class.title()));
        s.push_str("| fault | exit | outcome | what the user sees (last line) |\n");
        s.push_str("| --- | --- | --- | --- |\n");
        for c in cells.iter().filter(|c| c.class == *class) {
            s.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                c.fault.label(),
                c.exit.map_or("-".to_string(), |e| e.to_string()),
                c.outcome,
                c.message.replace('|', "\\|")
            ));
        }
    }
    s
}

const BEGIN: &str = "<!-- fault-matrix:begin (generated by crates/cli/tests/fault_matrix.rs) -->\n";
const END: &str = "<!-- fault-matrix:end -->";

fn reliability_md() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../RELIABILITY.md")
}

#[test]
fn every_class_under_every_fault() {
    let cells_wanted: Vec<(Class, Fault)> = CLASSES
        .iter()
        .flat_map(|c| FAULTS.iter().map(move |f| (*c, *f)))
        .filter(|(c, f)| c.applies(*f))
        .collect();
    // A few cells at a time: each has its own simulator.
    let queue = std::sync::Mutex::new(cells_wanted.clone().into_iter());
    let done = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let next = queue.lock().expect("queue").next();
                let Some((class, fault)) = next else { break };
                let cell = run_cell(class, fault);
                done.lock().expect("results").push(cell);
            });
        }
    });
    let mut cells = done.into_inner().expect("results");
    let order = |c: &Cell| {
        cells_wanted
            .iter()
            .position(|w| *w == (c.class, c.fault))
            .unwrap_or(usize::MAX)
    };
    cells.sort_by_key(order);
    assert_eq!(cells.len(), cells_wanted.len(), "every cell ran");

    let problems: Vec<String> = cells
        .iter()
        .flat_map(|c| {
            c.problems
                .iter()
                .map(move |p| format!("{:?} x {:?}: {p}", c.class, c.fault))
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    let generated = table(&cells);
    let path = reliability_md();
    let doc = std::fs::read_to_string(&path).expect("RELIABILITY.md");
    let (Some(b), Some(e)) = (doc.find(BEGIN), doc.find(END)) else {
        panic!("RELIABILITY.md lacks the fault-matrix markers");
    };
    let current = &doc[b + BEGIN.len()..e];
    if std::env::var_os("ESXVIRT_BLESS").is_some() {
        let new = format!("{}{BEGIN}{generated}\n{}", &doc[..b], &doc[e..]);
        std::fs::write(&path, new).expect("write RELIABILITY.md");
        return;
    }
    assert_eq!(
        current.trim(),
        generated.trim(),
        "RELIABILITY.md's fault matrix differs from what the commands do now \
         (rerun with ESXVIRT_BLESS=1 after a deliberate change)"
    );
}

#[test]
fn normalizing_hides_what_varies() {
    let dir = Path::new("/tmp/x-1");
    assert_eq!(
        normalize(
            "2026-12-05 10:18:29.686+0000: 17589: warning : lost (connection to 127.0.0.1:44367 failed), file /tmp/x-1/a.xml",
            dir
        ),
        "warning: lost (connection to 127.0.0.1:PORT failed), file DIR/a.xml"
    );
}
