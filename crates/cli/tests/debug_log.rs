//! Debugging a real server: `-d LEVEL` and `-l FILE` (and `LIBVIRT_DEBUG`, `ESXVIRT_LOG`)
//! log the SOAP exchanges, and no level ever writes the password or the session cookie.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use esxvirt_sim::{InventorySource, SimConfig, Tls};

const PASSWORD: &str = "Wire-L0g-pa55-7c1e";

/// A way of asking for a log: its name, the options, the environment.
type Variant = (String, Vec<&'static str>, Vec<(&'static str, &'static str)>);

/// esxvirt with the session cache in `cache` (so a run either logs in or resumes a
/// session with the cookie) and `env` set.
fn run(sim: &Sim, cache: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_esxvirt"));
    cmd.arg("-c").arg(sim.uri()).args(args);
    base_env(&mut cmd, &sim.auth_file());
    cmd.env_remove("ESXVIRT_NO_SESSION_CACHE")
        .env_remove("LIBVIRT_DEBUG")
        .env_remove("ESXVIRT_DEBUG")
        .env_remove("ESXVIRT_LOG")
        .env_remove("ESXVIRT_LOG_FILE")
        .env("XDG_CACHE_HOME", cache);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run esxvirt")
}

/// The session cookie values in the cache (the `vmware_soap_session` value, unquoted).
fn cached_cookies(cache: &Path) -> Vec<String> {
    let dir = cache.join("esxvirt/sessions");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let Ok(text) = std::fs::read_to_string(e.path()) else {
            continue;
        };
        let v: serde_json::Value = serde_json::from_str(&text).expect("cache entry is JSON");
        let cookie = v["cookie"].as_str().expect("cookie").to_string();
        let value = cookie
            .split_once('=')
            .map(|(_, v)| v.trim_matches('"').to_string())
            .expect("name=value");
        assert!(value.len() >= 8, "a real session key: {value}");
        out.push(value);
    }
    out
}

fn sim() -> Sim {
    Sim::start_config(SimConfig {
        tls: Tls::SelfSigned,
        inventory: InventorySource::DefaultEsx,
        password: PASSWORD.to_string(),
        ..SimConfig::default()
    })
}

#[test]
fn no_level_logs_the_password_or_the_cookie() {
    let sim = sim();
    let cache = sim.dir.join("cache");
    let expected = run(&sim, &cache, &["dominfo", "web01"], &[]);
    assert!(expected.status.success(), "{}", text(&expected.stderr));
    let mut cookies = cached_cookies(&cache);
    let mut logs: Vec<(String, PathBuf)> = Vec::new();
    let variants: Vec<Variant> = vec![
        ("d0".into(), vec!["-d", "0"], vec![]),
        ("d1".into(), vec!["-d", "1"], vec![]),
        ("d2".into(), vec!["-d", "2"], vec![]),
        ("d3".into(), vec!["-d", "3"], vec![]),
        ("d4".into(), vec!["-d", "4"], vec![]),
        ("debug".into(), vec!["--debug", "debug"], vec![]),
        ("none".into(), vec![], vec![]),
        ("libvirt1".into(), vec![], vec![("LIBVIRT_DEBUG", "1")]),
        ("trace".into(), vec![], vec![("ESXVIRT_LOG", "trace")]),
    ];
    for (name, opts, env) in &variants {
        // Fresh (a login: the password goes over the wire), then cached (the cookie
        // does), then after the server dropped the session (both, in one run).
        for round in ["fresh", "cached", "expired"] {
            match round {
                "fresh" => {
                    let _ = std::fs::remove_dir_all(&cache);
                }
                "expired" => sim.running().expire_sessions(),
                _ => {}
            }
            let log = sim.dir.join(format!("{name}-{round}.log"));
            let mut args: Vec<&str> = opts.clone();
            let log_s = log.to_string_lossy().into_owned();
            args.extend(["-l", &log_s, "dominfo", "web01"]);
            let out = run(&sim, &cache, &args, env);
            assert_eq!(
                Seen::of(&out),
                Seen::of(&expected),
                "{name} {round}: logging changes nothing else"
            );
            cookies.extend(cached_cookies(&cache));
            logs.push((format!("{name}-{round}"), log));
        }
    }
    cookies.sort();
    cookies.dedup();
    assert!(
        cookies.len() >= 3,
        "several sessions were used: {cookies:?}"
    );
    for (name, path) in &logs {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            !text.contains(PASSWORD),
            "{name}: the password is in the log"
        );
        for c in &cookies {
            assert!(
                !text.contains(c.as_str()),
                "{name}: a session cookie is in the log"
            );
        }
    }
    // The most verbose level has every exchange in full.
    let full = std::fs::read_to_string(sim.dir.join("d0-expired.log")).expect("log");
    for needle in [
        "HTTP request POST https://127.0.0.1:",
        "/sdk (RetrievePropertiesEx)",
        "<RetrievePropertiesEx xmlns=\"urn:vim25\">",
        "<RetrievePropertiesExResponse xmlns=\"urn:vim25\">",
        "<password>***</password>",
        "vmware_soap_session=***",
        "(Login): 200 OK, ",
        "NotAuthenticated",
    ] {
        assert!(full.contains(needle), "-d 0 log lacks {needle:?}:\n{full}");
    }
    assert!(
        full.lines()
            .any(|l| l.contains(": info : HTTP POST ") && l.ends_with(" ms")),
        "a timed summary line"
    );
    // info: summaries only; error: nothing of the exchanges.
    let info = std::fs::read_to_string(sim.dir.join("d1-fresh.log")).expect("log");
    assert!(info.contains("(RetrievePropertiesEx): 200 OK"), "{info}");
    assert!(!info.contains("<RetrievePropertiesEx "), "{info}");
    let quiet = std::fs::read_to_string(sim.dir.join("d4-fresh.log")).expect("log");
    assert!(!quiet.contains("RetrievePropertiesEx"), "{quiet}");
    let lib = std::fs::read_to_string(sim.dir.join("libvirt1-fresh.log")).expect("log");
    assert!(
        lib.contains("<RetrievePropertiesExResponse"),
        "LIBVIRT_DEBUG=1 is debug"
    );
}

#[test]
fn the_log_goes_to_stderr_without_a_file() {
    let sim = sim();
    let cache = sim.dir.join("cache");
    let out = run(
        &sim,
        &cache,
        &["hostname"],
        &[("ESXVIRT_LOG", "esxvirt_vi::wire=info")],
    );
    assert_eq!(text(&out.stdout), "esx01.example.com\n\n");
    let err = text(&out.stderr);
    assert!(
        err.contains(": info : HTTP POST https://127.0.0.1:"),
        "{err}"
    );
    assert!(!err.contains(PASSWORD));
    // virsh's option errors.
    let out = run(&sim, &cache, &["-d", "loud", "hostname"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).starts_with("error: option -d takes a numeric argument"));
    let out = run(&sim, &cache, &["-d", "9", "hostname"], &[]);
    assert_eq!(
        text(&out.stderr),
        "error: ignoring debug level 9 out of range [0-4]\n"
    );
    assert_eq!(text(&out.stdout), "esx01.example.com\n\n");
    let out = run(
        &sim,
        &cache,
        &["-l", "/nonexistent/dir/x.log", "hostname"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: failed to open the log file. check the log file path\n"
    );
}
