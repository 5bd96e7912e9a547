//! Conversions checked against Debian's virsh 9.0 (see tests/virsh/README.md): every case in
//! tests/virsh/{vmx2xml,xml2vmx}/cases.json must give virsh's output byte for byte, or an error
//! where virsh gave one.

use std::path::{Path, PathBuf};

use esxvirt_vmx::{domain_to_vmx, vmx_bytes_to_domain, FormatContext, ParseContext};
use esxvirt_xml::domain::{Domain, FormatOptions};
use serde_json::Value;

fn dir(suite: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/virsh")
        .join(suite)
}

fn cases(suite: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(dir(suite).join("cases.json")).expect("cases.json");
    let v: Value = serde_json::from_str(&text).expect("JSON");
    v["cases"].as_array().expect("cases").clone()
}

/// How libvirt's ESX driver resolved VMX file names against the simulator.
fn parse_name(name: &str, allow_missing: bool) -> Result<Option<String>, String> {
    if !name.contains('/') && !name.contains('\\') {
        return Ok(Some(format!("[?] ?/{name}")));
    }
    if let Some(rest) = name.strip_prefix("/vmfs/volumes/") {
        let (ds, path) = rest
            .trim_start_matches('/')
            .split_once('/')
            .ok_or("bad path")?;
        if path.is_empty() {
            return Err("bad path".into());
        }
        if ds != "datastore1" {
            return if allow_missing {
                Ok(None)
            } else {
                Err(format!("no datastore '{ds}'"))
            };
        }
        return Ok(Some(format!("[{ds}] {path}")));
    }
    if name.starts_with('/') {
        Ok(Some(name.to_string()))
    } else {
        Err(format!("Could not handle file name '{name}'"))
    }
}

fn format_name(src: &str) -> Result<String, String> {
    if src.starts_with('/') {
        Ok(src.to_string())
    } else {
        Err(format!("Could not handle file name '{src}'"))
    }
}

fn check(
    failures: &mut Vec<String>,
    name: &str,
    expected: Option<String>,
    actual: Result<String, String>,
) {
    match (expected, actual) {
        (None, Err(_)) => {}
        (None, Ok(out)) => failures.push(format!("{name}: virsh refused it, we gave:\n{out}")),
        (Some(_), Err(e)) => failures.push(format!("{name}: virsh converted it, we failed: {e}")),
        (Some(exp), Ok(out)) if exp == out => {}
        (Some(exp), Ok(out)) => failures.push(format!(
            "{name}: output differs\n--- virsh\n{exp}--- ours\n{out}"
        )),
    }
}

/// Runs `convert` on every case of `suite` (it returns virsh's output, `None` where virsh
/// refused, and ours) and fails listing every case that differs.
fn check_suite(
    suite: &str,
    convert: impl Fn(&Value, &str) -> (Option<String>, Result<String, String>),
) {
    let mut failures = Vec::new();
    let list = cases(suite);
    assert!(!list.is_empty());
    for case in &list {
        let name = case["name"].as_str().expect("name");
        let (expected, actual) = convert(case, name);
        check(&mut failures, name, expected, actual);
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        list.len(),
        failures.join("\n")
    );
}

#[test]
fn vmx_to_xml_matches_virsh() {
    let ctx = ParseContext::new(&parse_name);
    check_suite("vmx2xml", |case, name| {
        let input = std::fs::read(dir("vmx2xml").join(format!("{name}.vmx"))).expect("vmx");
        let expected = (case["expect"] == "xml").then(|| {
            std::fs::read_to_string(dir("vmx2xml").join(format!("{name}.xml"))).expect("xml")
        });
        let actual = vmx_bytes_to_domain(&input, &ctx)
            .map(|d| {
                d.to_xml_with(FormatOptions {
                    secure: false,
                    inactive: true,
                })
            })
            .map_err(|e| e.to_string());
        (expected, actual)
    });
}

#[test]
fn xml_to_vmx_matches_virsh() {
    let ctx = FormatContext::new(&format_name);
    check_suite("xml2vmx", |case, name| {
        let hw = case["virtual_hw_version"].as_u64().expect("hw") as u32;
        let input =
            std::fs::read_to_string(dir("xml2vmx").join(format!("{name}.xml"))).expect("xml");
        let expected = (case["expect"] == "vmx").then(|| {
            std::fs::read_to_string(dir("xml2vmx").join(format!("{name}.vmx"))).expect("vmx")
        });
        let actual = Domain::from_xml(&input)
            .map_err(|e| e.to_string())
            .and_then(|d| domain_to_vmx(&d, &ctx, hw).map_err(|e| e.to_string()));
        (expected, actual)
    });
}
