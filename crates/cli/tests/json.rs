//! `--json` as a contract: docs/json.md lists every command with a JSON form and its keys;
//! each runs against esxsim and its output is checked against the page (keys, types, enum
//! values), every command with a JSON form is on the page, the others refuse `--json`, and
//! errors are JSON objects on stderr.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use esxvirt_cli::commands::REGISTRY;
use serde_json::Value;

/// One key of a documented command.
#[derive(Debug, Clone)]
struct Key {
    /// `integer`, `string`, `boolean`, `object`, or `enum`.
    kind: String,
    nullable: bool,
    /// The allowed values of an enum (empty: any string, e.g. "...").
    values: Vec<String>,
    /// Present only in some uses ("only with ...").
    optional: bool,
}

#[derive(Debug, Clone)]
struct Doc {
    array: bool,
    keys: BTreeMap<String, Key>,
}

/// The backquoted words of `s`.
fn quoted(s: &str) -> Vec<String> {
    s.split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, w)| w.to_string())
        .collect()
}

/// Reads docs/json.md: `## \`cmd\`` sections, their shape line and key tables.
fn read_docs() -> BTreeMap<String, Doc> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/json.md");
    let text = std::fs::read_to_string(&path).expect("docs/json.md");
    let mut docs: BTreeMap<String, Doc> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            // "## `cmd`" documents a command; "## `cmd` `key` items" the objects of the
            // array `key` of that command's output (kept as "cmd.key").
            let words = quoted(h);
            current = match (words.first(), words.get(1)) {
                (Some(c), Some(k)) if h.trim_end().ends_with("items") => Some(format!("{c}.{k}")),
                (c, _) => c.cloned(),
            };
            if let Some(c) = &current {
                docs.insert(
                    c.clone(),
                    Doc {
                        array: false,
                        keys: BTreeMap::new(),
                    },
                );
            }
            continue;
        }
        let Some(cmd) = current.clone() else { continue };
        let doc = docs.get_mut(&cmd).expect("section");
        if line.starts_with("Array") {
            doc.array = true;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 || !cells[1].starts_with('`') {
            continue;
        }
        let name = quoted(cells[1]).first().cloned().expect("key name");
        let ty = cells[2];
        let nullable = ty.ends_with("or null");
        let base = ty.trim_end_matches("or null").trim();
        let (kind, values) = if let Some(rest) = base.strip_prefix("enum:") {
            let rest = rest.trim();
            let values = match rest.strip_prefix("as ") {
                // "as `other`": the same key's values there.
                Some(other) => {
                    let other = quoted(other).first().cloned().expect("as `cmd`");
                    docs.get(&other)
                        .and_then(|d| d.keys.get(&name))
                        .map(|k| k.values.clone())
                        .unwrap_or_else(|| panic!("{cmd}.{name}: no `{other}`.{name} above"))
                }
                None if rest.contains("...") => Vec::new(),
                None => quoted(rest),
            };
            ("enum".to_string(), values)
        } else {
            (base.to_string(), Vec::new())
        };
        let optional = cells[3].starts_with("only with");
        let doc = docs.get_mut(&cmd).expect("section");
        doc.keys.insert(
            name,
            Key {
                kind,
                nullable,
                values,
                optional,
            },
        );
    }
    docs
}

fn check_value(cmd: &str, key: &str, spec: &Key, v: &Value) {
    if v.is_null() {
        assert!(
            spec.nullable,
            "{cmd}.{key} is null but not documented nullable"
        );
        return;
    }
    let ok = match spec.kind.as_str() {
        "integer" => v.is_i64() || v.is_u64(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "array of strings" => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
        "enum" => match v.as_str() {
            Some(s) => spec.values.is_empty() || spec.values.iter().any(|x| x == s),
            None => false,
        },
        other => panic!("{cmd}.{key}: unknown documented type {other}"),
    };
    assert!(ok, "{cmd}.{key} = {v} does not match {spec:?}");
}

fn check_object(cmd: &str, doc: &Doc, obj: &Value) {
    let map = obj
        .as_object()
        .unwrap_or_else(|| panic!("{cmd}: {obj} is not an object"));
    if let Some(wild) = doc.keys.get("*") {
        for (k, v) in map {
            check_value(cmd, k, wild, v);
        }
        return;
    }
    let seen: BTreeSet<&str> = map.keys().map(String::as_str).collect();
    let required: BTreeSet<&str> = doc
        .keys
        .iter()
        .filter(|(_, k)| !k.optional)
        .map(|(n, _)| n.as_str())
        .collect();
    let allowed: BTreeSet<&str> = doc.keys.keys().map(String::as_str).collect();
    assert!(
        required.is_subset(&seen) && seen.is_subset(&allowed),
        "{cmd}: keys {seen:?}, documented {allowed:?} (required {required:?})"
    );
    for (k, v) in map {
        check_value(cmd, k, &doc.keys[k.as_str()], v);
    }
}

/// How each documented command runs on the default ESX world.
fn invocation(cmd: &str) -> Vec<&'static str> {
    match cmd {
        "list" => vec!["list", "--all"],
        "dominfo" => vec!["dominfo", "web01"],
        "domstate" => vec!["domstate", "web01", "--reason"],
        "domstats" => vec!["domstats", "web01", "db01"],
        "schedinfo" => vec!["schedinfo", "web01"],
        "memtune" => vec!["memtune", "web01"],
        "version" => vec!["version"],
        "nodeinfo" => vec!["nodeinfo"],
        "net-list" => vec!["net-list", "--all"],
        "net-info" => vec!["net-info", "vSwitch0"],
        "iface-list" => vec!["iface-list", "--all"],
        "pool-list" => vec!["pool-list", "--all"],
        "pool-info" => vec!["pool-info", "datastore1"],
        "vol-list" => vec!["vol-list", "datastore1"],
        "vol-info" => vec!["vol-info", "--pool", "datastore1", "web01/web01.vmdk"],
        "snapshot-list" => vec!["snapshot-list", "web01"],
        "snapshot-info" => vec!["snapshot-info", "web01", "base"],
        "v2v-check" => vec!["v2v-check", "--all"],
        other => panic!("no invocation for documented command {other}: add one"),
    }
}

#[test]
fn every_json_command_matches_the_docs() {
    let docs = read_docs();
    let documented: BTreeSet<&str> = docs
        .keys()
        .map(String::as_str)
        .filter(|k| !k.contains('.'))
        .collect();
    let capable: BTreeSet<&str> = REGISTRY
        .entries()
        .filter(|e| e.spec.json)
        .map(|e| e.spec.name)
        .collect();
    assert_eq!(
        documented, capable,
        "docs/json.md and the commands with a JSON form differ"
    );

    let sim = Sim::start();
    let auth = sim.auth_file();
    let made = esxvirt(&sim.uri(), &auth, &["snapshot-create-as", "web01", "base"]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    for (cmd, doc) in docs.iter().filter(|(k, _)| !k.contains('.')) {
        let mut args = vec!["--json"];
        args.extend(invocation(cmd));
        let out = esxvirt(&sim.uri(), &auth, &args);
        if cmd == "memtune" {
            // libvirt's ESX driver refuses virsh's flags: the error object.
            assert_eq!(out.status.code(), Some(1));
            assert!(out.stdout.is_empty());
            let e: Value = serde_json::from_slice(&out.stderr).expect("JSON error");
            assert_eq!(e["error"]["code"], "VIR_ERR_INVALID_ARG", "{e}");
            continue;
        }
        assert!(out.status.success(), "{cmd}: {}", text(&out.stderr));
        let v: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{cmd}: not JSON ({e}): {}", text(&out.stdout)));
        if doc.array {
            let items = v
                .as_array()
                .unwrap_or_else(|| panic!("{cmd}: not an array"));
            assert!(!items.is_empty(), "{cmd}: the test world lists something");
            for item in items {
                check_object(cmd, doc, item);
            }
        } else {
            check_object(cmd, doc, &v);
            // The objects of its documented arrays.
            for (key, sub) in docs.iter().filter_map(|(k, d)| {
                k.strip_prefix(cmd.as_str())?
                    .strip_prefix('.')
                    .map(|key| (key, d))
            }) {
                let items = v[key].as_array().unwrap_or_else(|| panic!("{cmd}.{key}"));
                assert!(
                    !items.is_empty(),
                    "{cmd}.{key}: the test world lists something"
                );
                for item in items {
                    check_object(&format!("{cmd}.{key}"), sub, item);
                }
            }
        }
    }
}

#[test]
fn commands_without_json_refuse_it_and_errors_are_json() {
    let sim = Sim::start();
    let auth = sim.auth_file();
    // Every other command, in one shell session: each refuses before it looks at its
    // options or connects.
    let refused: Vec<&str> = REGISTRY
        .entries()
        .filter(|e| e.spec.json_refusal().is_some())
        .map(|e| e.spec.name)
        .collect();
    assert!(refused.contains(&"start") && refused.contains(&"dumpxml"));
    let script: String = refused.iter().map(|c| format!("{c}\n")).collect();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_esxvirt"));
    cmd.args(["--json", "-c", &sim.uri()]);
    base_env(&mut cmd, &auth);
    cmd.stdin(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("esxvirt");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(script.as_bytes()).expect("write");
    }
    let out = child.wait_with_output().expect("wait");
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    let errors: Vec<Value> = text(&out.stderr)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    assert_eq!(errors.len(), refused.len());
    for (e, name) in errors.iter().zip(&refused) {
        let msg = e["error"]["message"].as_str().expect("message");
        assert!(
            msg.starts_with(&format!("command '{name}' has no JSON output")),
            "{msg}"
        );
    }
    // Nothing ran: db01 is still off.
    let out = esxvirt(&sim.uri(), &auth, &["--json", "start", "db01"]);
    assert_eq!(out.status.code(), Some(1));
    let state = esxvirt(&sim.uri(), &auth, &["domstate", "db01"]);
    assert_eq!(text(&state.stdout), "shut off\n\n");

    // Errors: libvirt's code when the driver gave one, null otherwise.
    for (args, code) in [
        (
            vec!["--json", "dominfo", "no-such-vm"],
            Value::from("VIR_ERR_NO_DOMAIN"),
        ),
        (vec!["--json", "dominfo"], Value::Null),
        (
            vec!["--json", "net-info", "nosuch"],
            Value::from("VIR_ERR_NO_NETWORK"),
        ),
    ] {
        let out = esxvirt(&sim.uri(), &auth, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: {}", text(&out.stdout));
        let lines: Vec<&str> = std::str::from_utf8(&out.stderr)
            .expect("utf-8")
            .lines()
            .collect();
        assert_eq!(lines.len(), 1, "{args:?}: {lines:?}");
        let e: Value = serde_json::from_str(lines[0]).expect("JSON error");
        assert_eq!(e["error"]["code"], code, "{args:?}: {e}");
        assert!(e["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }
}
