//! The state file shared by several simulator processes (`esxsim --state FILE`, as every
//! `esxvirt -c sim:///PATH.json` command runs one): concurrent writers lose nothing, a
//! writer killed with SIGKILL mid-save never leaves a broken file, and a writer that cannot
//! get the lock fails cleanly after a bounded wait.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{all_text, text, Client, TestSim};
use esxvirt_sim::{SimConfig, Tls};

/// A fresh directory for one test.
fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "esxsim-hardening-{tag}-{}",
        &esxvirt_sim::session::new_key().unwrap()[2..14]
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// One esxsim process serving `state`.
struct Esxsim {
    child: Child,
    url: String,
}

impl Esxsim {
    fn start(state: &Path) -> Esxsim {
        let mut child = Command::new(env!("CARGO_BIN_EXE_esxsim"))
            .args(["--listen", "127.0.0.1:0", "--http"])
            .arg("--state")
            .arg(state)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start esxsim");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim().to_string();
        assert!(url.starts_with("http://"), "esxsim did not start: {url:?}");
        Esxsim { child, url }
    }

    fn client(&self) -> Client {
        let mut c = Client::new(&self.url);
        let r = c.login("ha-sessionmgr", "root", "password");
        assert_eq!(r.status, 200, "{}", r.body);
        c
    }

    fn signal(&self, signal: &str) {
        let _ = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status();
    }
}

impl Drop for Esxsim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Defines VM `name` as a client does: uploads its .vmx, then registers it. `Ok` once the
/// registration task succeeded.
fn define(c: &mut Client, name: &str) -> Result<(), String> {
    let vmx = format!(
        ".encoding = \"UTF-8\"\nconfig.version = \"8\"\nvirtualHW.version = \"14\"\n\
         displayName = \"{name}\"\nguestOS = \"other-64\"\nmemsize = \"256\"\nnumvcpus = \"1\"\n"
    );
    let put = c
        .request(
            "PUT",
            &format!("/folder/{name}/{name}.vmx?dcPath=ha-datacenter&dsName=datastore1"),
            &[],
            vmx.as_bytes(),
        )
        .map_err(|e| format!("PUT: {e:?}"))?;
    if put.status >= 300 {
        return Err(format!("PUT {}: {}", put.status, put.body));
    }
    let r = c
        .soap(&common::envelope(
            "RegisterVM_Task",
            ("Folder", "ha-folder-vm"),
            &format!(
                "<path>[datastore1] {name}/{name}.vmx</path><asTemplate>false</asTemplate>\
                 <pool type=\"ResourcePool\">ha-root-pool</pool>"
            ),
        ))
        .map_err(|e| format!("RegisterVM_Task: {e:?}"))?;
    let task = match (r.status, text(&r.body, "returnval")) {
        (200, Some(t)) => t,
        _ => return Err(format!("RegisterVM_Task {}: {}", r.status, r.body)),
    };
    let r = c
        .soap(&common::envelope(
            "RetrieveProperties",
            ("PropertyCollector", "ha-property-collector"),
            &format!(
                "<specSet>{}<objectSet><obj type=\"Task\">{task}</obj></objectSet></specSet>",
                common::prop_spec("Task", &["info.state", "info.error"])
            ),
        ))
        .map_err(|e| format!("task: {e:?}"))?;
    match all_text(&r.body, "val").first().map(String::as_str) {
        Some("success") => Ok(()),
        _ => Err(format!("task {task}: {}", r.body)),
    }
}

/// VM names in a state file, which must be whole, valid JSON.
fn names_in(state: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(state).expect("state file");
    let v: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("the state file is not valid JSON ({e}): {text:.200}"));
    v["vms"]
        .as_object()
        .expect("vms")
        .values()
        .map(|vm| vm["config"]["name"].as_str().unwrap().to_string())
        .collect()
}

/// Names of the VMs one simulator serves (its view of the shared state).
fn names_served(c: &mut Client) -> BTreeSet<String> {
    let r = c.call(
        ("PropertyCollector", "ha-property-collector"),
        "RetrieveProperties",
        "<specSet><propSet><type>VirtualMachine</type><pathSet>name</pathSet></propSet>\
         <objectSet><obj type=\"Folder\">ha-folder-vm</obj><skip>true</skip>\
         <selectSet xsi:type=\"TraversalSpec\"><name>f</name><type>Folder</type>\
         <path>childEntity</path><skip>false</skip></selectSet></objectSet></specSet>",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    all_text(&r.body, "val").into_iter().collect()
}

#[test]
fn hardening_state_eight_processes_ten_defines_each_lose_nothing() {
    let dir = temp_dir("eight");
    let state = dir.join("state.json");
    // Started together: creating the file is under the lock too.
    let sims: Vec<Esxsim> = std::thread::scope(|s| {
        let started: Vec<_> = (0..8).map(|_| s.spawn(|| Esxsim::start(&state))).collect();
        started.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let defaults = names_in(&state);
    let failures = Arc::new(Mutex::new(Vec::new()));
    std::thread::scope(|s| {
        for (p, sim) in sims.iter().enumerate() {
            let failures = failures.clone();
            s.spawn(move || {
                let mut c = sim.client();
                for i in 0..10 {
                    let name = format!("p{p}-vm{i}");
                    if let Err(e) = define(&mut c, &name) {
                        failures.lock().unwrap().push(format!("{name}: {e}"));
                    }
                }
            });
        }
    });
    let failures = failures.lock().unwrap().clone();
    assert!(failures.is_empty(), "{failures:#?}");
    let mut expected = defaults.clone();
    for p in 0..8 {
        for i in 0..10 {
            expected.insert(format!("p{p}-vm{i}"));
        }
    }
    assert_eq!(expected.len(), defaults.len() + 80);
    assert_eq!(names_in(&state), expected, "every define is in the file");
    // Every process serves the latest state, not the one it loaded.
    for sim in &sims {
        assert_eq!(names_served(&mut sim.client()), expected);
    }
    drop(sims);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn hardening_state_kill_9_mid_write_never_breaks_the_file() {
    let dir = temp_dir("kill");
    let state = dir.join("state.json");
    drop(Esxsim::start(&state));
    let acknowledged = Arc::new(Mutex::new(BTreeSet::new()));
    let mut leftovers = 0;
    for round in 0..6u64 {
        let sims: Vec<Esxsim> = (0..3).map(|_| Esxsim::start(&state)).collect();
        // Log in before any timer runs: on a loaded machine a login could otherwise still
        // be on its way when the process is killed, and that is not what is tested.
        let clients: Vec<Client> = sims.iter().map(Esxsim::client).collect();
        // Writers that have had one define acknowledged this round.
        let started = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for (p, mut c) in clients.into_iter().enumerate() {
                let acknowledged = acknowledged.clone();
                let started = &started;
                s.spawn(move || {
                    // Until the process dies under it.
                    for i in 0.. {
                        let name = format!("r{round}-p{p}-vm{i}");
                        if define(&mut c, &name).is_err() {
                            break;
                        }
                        acknowledged.lock().unwrap().insert(name);
                        if i == 0 {
                            started.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                });
            }
            // The kill lands while every writer is in its stream of defines, at a point
            // that moves from round to round; however slow the machine, each has saved once.
            let deadline = Instant::now() + Duration::from_secs(60);
            while started.load(Ordering::SeqCst) < sims.len() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            std::thread::sleep(Duration::from_millis(70 * round));
            for sim in &sims {
                sim.signal("-KILL");
            }
        });
        drop(sims);
        let names = names_in(&state);
        let acked = acknowledged.lock().unwrap().clone();
        let lost: Vec<&String> = acked.difference(&names).collect();
        assert!(
            lost.is_empty(),
            "round {round}: acknowledged, then lost: {lost:?}"
        );
        leftovers += std::fs::read_dir(&dir)
            .unwrap()
            .filter(|e| {
                let n = e.as_ref().unwrap().file_name();
                n.to_string_lossy().starts_with("state.json.tmp")
            })
            .count();
    }
    assert!(
        acknowledged.lock().unwrap().len() >= 6,
        "the writers made progress"
    );
    eprintln!("temporary files left by killed writers: {leftovers}");
    // The next start loads the file and clears what killed writers left.
    let sim = Esxsim::start(&state);
    let served = names_served(&mut sim.client());
    assert!(acknowledged.lock().unwrap().is_subset(&served));
    sim.signal("-TERM");
    drop(sim);
    let temps: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("state.json.tmp"))
        .collect();
    assert!(temps.is_empty(), "{temps:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn hardening_state_a_writer_waits_for_the_lock_then_fails_cleanly() {
    let dir = temp_dir("busy");
    let state = dir.join("state.json");
    let sim = TestSim::start(SimConfig {
        tls: Tls::Off,
        state_file: Some(state.clone()),
        state_lock_timeout: Duration::from_millis(300),
        ..SimConfig::default()
    });
    let mut c = sim.client();
    c.login("ha-sessionmgr", "root", "password");
    // Another process holds the lock (as a writer does while it saves).
    let held = std::fs::File::open(dir.join("state.json.lock")).expect("the lock file");
    held.lock().unwrap();
    let before = std::fs::read(&state).unwrap();
    let r = c.call(
        ("Folder", "ha-folder-vm"),
        "CreateFolder",
        "<name>while-locked</name>",
    );
    assert_eq!(r.status, 500, "{}", r.body);
    assert_eq!(
        text(&r.body, "faultcode").as_deref(),
        Some("ServerFaultCode")
    );
    let msg = text(&r.body, "faultstring").unwrap();
    assert!(msg.contains("locked by another process"), "{msg}");
    assert_eq!(std::fs::read(&state).unwrap(), before, "nothing written");
    // Reads go on while the file is unchanged.
    assert!(names_served(&mut c).contains("tiny"));
    held.unlock().unwrap();
    let r = c.call(
        ("Folder", "ha-folder-vm"),
        "CreateFolder",
        "<name>after-unlock</name>",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(std::fs::read_to_string(&state)
        .unwrap()
        .contains("after-unlock"));
    assert!(!std::fs::read_to_string(&state)
        .unwrap()
        .contains("while-locked"));
    drop(sim);
    let _ = std::fs::remove_dir_all(&dir);
}
