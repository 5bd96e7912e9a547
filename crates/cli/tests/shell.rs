//! The embedded simulator and the interactive shell: `sim:///default` when no URI is given,
//! one connection (one simulator) for every command of a shell session, `sim:///PATH.json`
//! keeping state across separate invocations, `connect`, `quit`.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn esxvirt(args: &[&str], env_uri: Option<&str>, stdin: &str) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_esxvirt"));
    cmd.args(args)
        .env("TZ", "UTC")
        .env("ESXVIRT_NO_SESSION_CACHE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match env_uri {
        Some(u) => cmd.env("ESXVIRT_DEFAULT_URI", u),
        None => cmd.env_remove("ESXVIRT_DEFAULT_URI"),
    };
    let mut child = cmd.spawn().expect("run esxvirt");
    {
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(stdin.as_bytes()).expect("write stdin");
    }
    child.wait_with_output().expect("wait")
}

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
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    assert!(out.status.success());
}

#[test]
fn shell_reports_errors_and_goes_on() {
    let out = esxvirt(&[], None, "dominfo nosuch\nbogus-cmd\ndomid web01\nexit\n");
    assert_eq!(text(&out.stdout), "\n1\n\n");
    assert_eq!(
        text(&out.stderr),
        "error: failed to get domain 'nosuch'\nerror: unknown command: 'bogus-cmd'\n"
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
