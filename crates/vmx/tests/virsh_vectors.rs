//! Conversions checked against Debian's virsh 9.0 (see tests/virsh/README.md): every case in
//! tests/virsh/{vmx2xml,xml2vmx}/cases.json must give virsh's output byte for byte, or the
//! error line virsh printed (after `error: `).

use std::path::{Path, PathBuf};

use esxvirt_vmx::{domain_to_vmx, vmx_to_domain, FormatContext, ParseContext};
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

/// The simulator's one datastore and its mount path, as virsh saw them.
const DATASTORE: &str = "datastore1";
const MOUNT: &str = "/vmfs/volumes/5f3a1c2e-8d4b6a10-7e29-246e96a1b2c4";

/// How libvirt's ESX driver resolved VMX file names against the simulator (its wording).
fn parse_name(name: &str, allow_missing: bool) -> Result<Option<String>, String> {
    if !name.contains('/') && !name.contains('\\') {
        return Ok(Some(format!("[?] ?/{name}")));
    }
    if let Some(rest) = name.strip_prefix(MOUNT) {
        return Ok(Some(format!(
            "[{DATASTORE}] {}",
            rest.trim_start_matches(['/', '\\'])
        )));
    }
    if let Some(rest) = name.strip_prefix("/vmfs/volumes/") {
        let (ds, path) = rest
            .trim_start_matches('/')
            .split_once('/')
            .filter(|(_, p)| !p.is_empty())
            .ok_or_else(|| {
                format!(
                    "File name '{name}' doesn't have expected format '/vmfs/volumes/<datastore>/<path>'"
                )
            })?;
        if ds != DATASTORE {
            return if allow_missing {
                Ok(None)
            } else {
                Err(format!(
                    "File name '{name}' refers to non-existing datastore '{ds}'"
                ))
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

/// How libvirt's ESX driver mapped domain XML sources to VMX file names.
fn format_name(src: &str) -> Result<String, String> {
    if let Some(rest) = src.strip_prefix('[') {
        let (ds, path) = rest.split_once(']').unwrap_or((rest, ""));
        if ds != DATASTORE {
            return Err(format!("Could not find datastore with name '{ds}'"));
        }
        return Ok(format!("{MOUNT}/{}", path.trim_start_matches(' ')));
    }
    if src.starts_with('/') {
        Ok(src.to_string())
    } else {
        Err(format!("Could not handle file name '{src}'"))
    }
}

fn check(
    failures: &mut Vec<String>,
    name: &str,
    expected: Result<String, Option<String>>,
    actual: Result<String, String>,
) {
    match (expected, actual) {
        (Err(None), Err(_)) => {}
        (Err(Some(exp)), Err(e)) if exp == e => {}
        (Err(Some(exp)), Err(e)) => failures.push(format!(
            "{name}: error differs\n--- virsh\n{exp}\n--- ours\n{e}"
        )),
        (Err(_), Ok(out)) => failures.push(format!("{name}: virsh refused it, we gave:\n{out}")),
        (Ok(_), Err(e)) => failures.push(format!("{name}: virsh converted it, we failed: {e}")),
        (Ok(exp), Ok(out)) if exp == out => {}
        (Ok(exp), Ok(out)) => failures.push(format!(
            "{name}: output differs\n--- virsh\n{exp}--- ours\n{out}"
        )),
    }
}

/// Runs `convert` on every case of `suite` (it returns virsh's output or error line, and
/// ours) and fails listing every case that differs.
fn check_suite(
    suite: &str,
    convert: impl Fn(&Value, &str) -> (Result<String, Option<String>>, Result<String, String>),
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

/// virsh's answer for a case: the converted file, or its error line.
fn expected(case: &Value, suite: &str, name: &str, ext: &str) -> Result<String, Option<String>> {
    if case["expect"] == "error" {
        Err(Some(
            case["error"].as_str().expect("error line").to_string(),
        ))
    } else {
        Ok(std::fs::read_to_string(dir(suite).join(format!("{name}.{ext}"))).expect("output"))
    }
}

#[test]
fn vmx_to_xml_matches_virsh() {
    let ctx = ParseContext::new(&parse_name);
    check_suite("vmx2xml", |case, name| {
        let input = std::fs::read(dir("vmx2xml").join(format!("{name}.vmx"))).expect("vmx");
        let actual = vmx_to_domain(&input, &ctx)
            .map(|d| {
                d.to_xml_with(FormatOptions {
                    secure: false,
                    inactive: true,
                })
            })
            .map_err(|e| e.to_string());
        (expected(case, "vmx2xml", name, "xml"), actual)
    });
}

#[test]
fn xml_to_vmx_matches_virsh() {
    let ctx = FormatContext::new(&format_name);
    check_suite("xml2vmx", |case, name| {
        let hw = case["virtual_hw_version"].as_u64().expect("hw") as u32;
        let input =
            std::fs::read_to_string(dir("xml2vmx").join(format!("{name}.xml"))).expect("xml");
        let expected = expected(case, "xml2vmx", name, "vmx");
        match Domain::from_xml(&input) {
            // The XML reader (crates/xml) words its own errors; only the refusal counts here.
            Err(e) => (expected.map_err(|_| None), Err(e.to_string())),
            Ok(d) => (
                expected,
                domain_to_vmx(&d, &ctx, hw).map_err(|e| e.to_string()),
            ),
        }
    });
}
