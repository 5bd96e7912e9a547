//! `esxvirt event` (lifecycle events, beyond libvirt's ESX driver): `--list` byte for byte as
//! Debian's virsh prints it (its test:///default driver has events); `event --loop` against
//! an esxsim while other esxvirt commands change a VM, whole output lines compared, ended by
//! Ctrl-C; the one-shot form; a timeout with nothing to report; `--timestamp`.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};

use common::{base_env, esxvirt, text, Sim};
use esxvirt_sim::{InventorySource, Tls};

/// esxsim over plain http with an auth.conf for it; its request counters tell when the
/// watcher is ready.
fn start() -> Sim {
    Sim::start_tls(InventorySource::DefaultEsx, Tls::Off)
}

fn method_count(sim: &Sim, method: &str) -> u64 {
    sim.running().stats().method(method)
}

/// `event --list` on test:///default, where virsh has events.
fn virsh_event_list() -> std::process::Output {
    Command::new(esxvirt_testkit::virsh_path())
        .args(["-c", "test:///default", "event", "--list"])
        .env("LC_ALL", "C.UTF-8")
        .stdin(Stdio::null())
        .output()
        .expect("run virsh")
}

#[test]
fn event_list_is_virsh_s() {
    let v = virsh_event_list();
    assert!(v.status.success(), "{}", text(&v.stderr));
    let sim = start();
    let e = esxvirt(&sim.uri(), &sim.auth_file(), &["event", "--list"]);
    assert_eq!(text(&e.stdout), text(&v.stdout));
    assert_eq!(text(&e.stderr), text(&v.stderr));
    assert_eq!(e.status.code(), v.status.code());
}

/// Starts `esxvirt event ARGS` in the background.
fn spawn_event(sim: &Sim, args: &[&str]) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_esxvirt"));
    cmd.arg("-c").arg(sim.uri()).arg("event").args(args);
    base_env(&mut cmd, &sim.auth_file());
    cmd.spawn().expect("start esxvirt event")
}

/// Runs an esxvirt command that must succeed.
fn ok(sim: &Sim, args: &[&str]) -> String {
    let out = esxvirt(&sim.uri(), &sim.auth_file(), args);
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Waits until the watcher's stream is open: it has read the initial state and sent its
/// first real wait (the second WaitForUpdatesEx the simulator has seen).
fn wait_until_watching(sim: &Sim, child: &mut Child) {
    for _ in 0..600 {
        if method_count(sim, "WaitForUpdatesEx") >= 2 {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            panic!("esxvirt event ended early ({status}): {err}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("esxvirt event never started waiting");
}

/// An inactive VM of the default host that starts without a question.
fn inactive_vm(sim: &Sim) -> String {
    ok(sim, &["list", "--inactive", "--name"])
        .lines()
        .find(|l| !l.is_empty() && *l != "serial-test")
        .expect("an inactive VM")
        .to_string()
}

#[test]
fn event_loop_reports_each_change_until_interrupted() {
    let sim = start();
    let vm = inactive_vm(&sim);
    let xml = ok(&sim, &["dumpxml", &vm]);
    let xml_file = sim.write("vm.xml", &xml);
    let mut child = spawn_event(&sim, &["--all", "--loop", "--timeout", "600"]);
    wait_until_watching(&sim, &mut child);
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut next_line = || {
        lines
            .next()
            .expect("a line before the end of output")
            .expect("readable output")
    };
    let expect = |what: &str| format!("event 'lifecycle' for domain '{vm}': {what}");
    // Each change is made after the previous event was printed, so none can merge with
    // the next one in a single update.
    let steps: [(&[&str], &str); 6] = [
        (&["start", &vm], "Started Booted"),
        (&["suspend", &vm], "Suspended Paused"),
        (&["resume", &vm], "Resumed Unpaused"),
        (&["destroy", &vm], "Stopped Shutdown"),
        (&["undefine", &vm], "Undefined Removed"),
        (
            &["define", xml_file.to_str().expect("utf-8 path")],
            "Defined Added",
        ),
    ];
    let mut printed = Vec::new();
    for (args, what) in steps {
        ok(&sim, args);
        let line = next_line();
        assert_eq!(line, expect(what), "after {args:?}");
        printed.push(line);
    }
    // Ctrl-C ends the loop as in virsh.
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(status.success());
    let rest: Vec<String> =
        std::iter::from_fn(|| lines.next().map(|l| l.expect("readable"))).collect();
    let out = child.wait_with_output().expect("esxvirt event ends");
    assert_eq!(
        rest,
        ["event loop interrupted", "events received: 6", ""],
        "after {printed:?}"
    );
    assert_eq!(text(&out.stderr), "");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn event_one_shot_returns_after_the_first_event() {
    let sim = start();
    let vm = inactive_vm(&sim);
    let mut child = spawn_event(
        &sim,
        &["--event", "lifecycle", "--timeout", "600", "--timestamp"],
    );
    wait_until_watching(&sim, &mut child);
    ok(&sim, &["start", &vm]);
    let out = child.wait_with_output().expect("esxvirt event ends");
    assert_eq!(text(&out.stderr), "");
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    // The timestamp varies: check its shape, then compare the rest whole.
    let (stamp, rest) = stdout.split_at(stdout.find(": ").expect("timestamp"));
    let shape: String = stamp
        .chars()
        .map(|c| if c.is_ascii_digit() { '9' } else { c })
        .collect();
    assert_eq!(shape, "9999-99-99 99:99:99.999+9999");
    assert!(stamp.ends_with("+0000"), "{stamp}");
    assert_eq!(
        rest,
        format!(": event 'lifecycle' for domain '{vm}': Started Booted\nevents received: 1\n\n")
    );
}

#[test]
fn event_timeout_without_events_fails_like_virsh() {
    let sim = start();
    let out = esxvirt(
        &sim.uri(),
        &sim.auth_file(),
        &["event", "--all", "--loop", "--timeout", "1"],
    );
    assert_eq!(
        text(&out.stdout),
        "event loop timed out\nevents received: 0\n\n"
    );
    assert_eq!(text(&out.stderr), "");
    assert_eq!(out.status.code(), Some(1));
    // The domain filter goes through virsh's lookup.
    let out = esxvirt(
        &sim.uri(),
        &sim.auth_file(),
        &["event", "--all", "--domain", "no-such-vm", "--timeout", "1"],
    );
    assert_eq!(text(&out.stdout), "\n");
    assert_eq!(
        text(&out.stderr),
        "error: failed to get domain 'no-such-vm'\n"
    );
    assert_eq!(out.status.code(), Some(1));
}

/// `esxvirt event --loop | head -1`: once nobody reads, the next event ends the command
/// (with an error line) instead of waiting on forever.
#[test]
fn event_loop_ends_when_its_reader_is_gone() {
    let sim = start();
    let vm = inactive_vm(&sim);
    let mut child = spawn_event(&sim, &["--all", "--loop", "--timeout", "600"]);
    wait_until_watching(&sim, &mut child);
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    ok(&sim, &["start", &vm]);
    let mut first = String::new();
    reader.read_line(&mut first).expect("first event");
    assert_eq!(
        first,
        format!("event 'lifecycle' for domain '{vm}': Started Booted\n")
    );
    drop(reader);
    ok(&sim, &["suspend", &vm]);
    // Bounded wait (a guard against a hang, not a timing assertion).
    let mut status = None;
    for _ in 0..600 {
        if let Some(s) = child.try_wait().expect("poll") {
            status = Some(s);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let Some(status) = status else {
        let _ = child.kill();
        panic!("esxvirt event kept running without a reader");
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("stderr");
    assert_eq!(status.code(), Some(1));
    assert_eq!(
        err,
        "error: cannot print the event: Broken pipe (os error 32)\n"
    );
}

/// `--domain` keeps one domain's events: another VM's start is not the first event.
#[test]
fn event_domain_filter() {
    let sim = start();
    let names: Vec<String> = ok(&sim, &["list", "--inactive", "--name"])
        .lines()
        .filter(|l| !l.is_empty() && *l != "serial-test")
        .map(str::to_string)
        .collect();
    assert!(names.len() >= 2, "{names:?}");
    let (watched, other) = (&names[0], &names[1]);
    let mut child = spawn_event(&sim, &["--domain", watched, "--all", "--timeout", "600"]);
    wait_until_watching(&sim, &mut child);
    ok(&sim, &["start", other]);
    ok(&sim, &["start", watched]);
    let out = child.wait_with_output().expect("esxvirt event ends");
    assert_eq!(
        text(&out.stdout),
        format!("event 'lifecycle' for domain '{watched}': Started Booted\nevents received: 1\n\n")
    );
    assert_eq!(text(&out.stderr), "");
    assert_eq!(out.status.code(), Some(0));
}
