//! The embedded simulator and the interactive shell: `sim:///default` when no URI is given,
//! one connection (one simulator) for every command of a shell session, `sim:///PATH.json`
//! keeping state across separate invocations, `connect`, `quit`.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn esxvirt(args: &[&str], env_uri: Option<&str>, stdin: &str) -> Output {
    match env_uri {
        Some(u) => run(args, &[("ESXVIRT_DEFAULT_URI", u)], stdin),
        None => run(args, &[], stdin),
    }
}

/// Runs esxvirt with no default URI but what `env` sets, and no libvirt.conf unless `env`
/// names one.
fn run(args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_esxvirt"));
    cmd.args(args)
        .env("TZ", "UTC")
        .env("ESXVIRT_NO_SESSION_CACHE", "1")
        .env("ESXVIRT_LIBVIRT_CONF", "/nonexistent/libvirt.conf")
        .env_remove("ESXVIRT_DEFAULT_URI")
        .env_remove("LIBVIRT_DEFAULT_URI")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run esxvirt");
    {
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(stdin.as_bytes()).expect("write stdin");
    }
    child.wait_with_output().expect("wait")
}

/// What a run on the unnamed default says on stderr.
const NOTE: &str = "esxvirt: no URI given (-c, ESXVIRT_DEFAULT_URI, LIBVIRT_DEFAULT_URI or uri_default in libvirt.conf): using the embedded simulator sim:///default; choose a host with -c 'esx://USER@HOST/'";

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn default_uri_is_the_embedded_simulator() {
    let out = esxvirt(&["uri"], None, "");
    assert_eq!(
        text(&out.stdout),
        "sim:///default\n\n",
        "{}",
        text(&out.stderr)
    );
    assert_eq!(text(&out.stderr), format!("{NOTE}\n"));
    // Never a silent success against the simulator: a write says where it went.
    let out = esxvirt(&["destroy", "web01"], None, "");
    assert_eq!(text(&out.stdout), "Domain 'web01' destroyed\n\n");
    assert_eq!(text(&out.stderr), format!("{NOTE}\n"));
    // Not under -q.
    let out = esxvirt(&["-q", "domstate", "web01"], None, "");
    assert_eq!(text(&out.stdout), "running\n");
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    let out = esxvirt(&["list", "--all", "--name"], None, "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("web01\n"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn shell_reuses_one_connection() {
    // The state of sim:///default lives as long as the connection: a change made by one
    // shell command is seen by the next; `connect` opens a fresh one.
    let script = "domstate db01\nstart db01\ndomstate db01\nconnect sim:///default\ndomstate db01\nquit\ndomstate db01\n";
    let out = esxvirt(&[], None, script);
    assert_eq!(
        text(&out.stdout),
        "shut off\n\nDomain 'db01' started\n\nrunning\n\n\nshut off\n\n",
        "stderr: {}",
        text(&out.stderr)
    );
    // The default connection is opened once, and says so once; `connect URI` is explicit.
    assert_eq!(text(&out.stderr), format!("{NOTE}\n"));
    assert!(out.status.success());
}

#[test]
fn shell_reports_errors_and_goes_on() {
    let out = esxvirt(&[], None, "dominfo nosuch\nbogus-cmd\ndomid web01\nexit\n");
    assert_eq!(text(&out.stdout), "\n1\n\n");
    assert_eq!(
        text(&out.stderr),
        format!(
            "{NOTE}\nerror: failed to get domain 'nosuch'\nerror: unknown command: 'bogus-cmd'\n"
        )
    );
}

#[test]
fn state_file_persists_across_invocations() {
    let dir = std::env::temp_dir().join(format!("esxvirt-shell-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let uri = format!("sim://{}", dir.join("world.json").display());
    let first = esxvirt(&["-c", &uri, "start", "db01"], None, "");
    assert_eq!(
        text(&first.stdout),
        "Domain 'db01' started\n\n",
        "{}",
        text(&first.stderr)
    );
    let second = esxvirt(&["domstate", "db01"], Some(&uri), "");
    assert_eq!(
        text(&second.stdout),
        "running\n\n",
        "{}",
        text(&second.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn completions_and_json() {
    for shell in ["bash", "zsh", "fish"] {
        let out = esxvirt(&["completion", shell], None, "");
        assert!(out.status.success(), "{shell}");
        assert!(text(&out.stdout).contains("snapshot-create-as"), "{shell}");
    }
    let out = esxvirt(&["--json", "list", "--all"], None, "");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let names: Vec<&str> = v
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|d| d["name"].as_str())
        .collect();
    assert!(
        names.contains(&"web01") && names.contains(&"db01"),
        "{names:?}"
    );
    let out = esxvirt(&["--json", "dominfo", "web01"], None, "");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["state"], "running");
    assert_eq!(v["name"], "web01");
}

#[test]
fn default_uri_sources_like_libvirt() {
    let dir = std::env::temp_dir().join(format!("esxvirt-defaults-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let state = |n: &str| format!("sim://{}", dir.join(n).display());
    let conf = dir.join("libvirt.conf");
    let conf_s = conf.to_string_lossy().into_owned();

    // LIBVIRT_DEFAULT_URI: used, and no note.
    let a = state("a.json");
    let out = run(&["uri"], &[("LIBVIRT_DEFAULT_URI", &a)], "");
    assert_eq!(
        text(&out.stdout),
        format!("{a}\n\n"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    // ESXVIRT_DEFAULT_URI comes first.
    let b = state("b.json");
    let out = run(
        &["uri"],
        &[("LIBVIRT_DEFAULT_URI", &a), ("ESXVIRT_DEFAULT_URI", &b)],
        "",
    );
    assert_eq!(text(&out.stdout), format!("{b}\n\n"));

    // libvirt.conf: uri_default, and aliases wherever a URI is given.
    let c = state("c.json");
    std::fs::write(
        &conf,
        format!("# set-up\nuri_aliases = [\n  \"lab={a}\",\n  \"lab2={b}\",\n]\nuri_default = \"{c}\"\n"),
    )
    .expect("write conf");
    let with_conf = [("ESXVIRT_LIBVIRT_CONF", conf_s.as_str())];
    let out = run(&["uri"], &with_conf, "");
    assert_eq!(
        text(&out.stdout),
        format!("{c}\n\n"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    let out = run(&["-c", "lab2", "uri"], &with_conf, "");
    assert_eq!(
        text(&out.stdout),
        format!("{b}\n\n"),
        "{}",
        text(&out.stderr)
    );
    let out = run(
        &["uri"],
        &[
            ("ESXVIRT_LIBVIRT_CONF", &conf_s),
            ("LIBVIRT_DEFAULT_URI", "lab"),
        ],
        "",
    );
    assert_eq!(
        text(&out.stdout),
        format!("{a}\n\n"),
        "{}",
        text(&out.stderr)
    );

    // A broken file fails as virsh fails, naming file and line.
    std::fs::write(&conf, "uri_default = \n").expect("write conf");
    let out = run(&["list"], &with_conf, "");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        format!("error: failed to connect to the hypervisor\nerror: configuration file syntax error: {conf_s}:1: expecting a value\n")
    );
    assert!(out.stdout.is_empty());

    // A URI for another libvirt driver (a virsh user's set-up) is a clear error.
    let out = run(&["list"], &[("LIBVIRT_DEFAULT_URI", "qemu:///system")], "");
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("error: failed to connect to the hypervisor\nerror: URI 'qemu:///system' from LIBVIRT_DEFAULT_URI uses the 'qemu' driver"),
        "{err}"
    );
    assert!(err.contains("ESXVIRT_DEFAULT_URI"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
