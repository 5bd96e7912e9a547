//! The conformance suites: every case listed in `vmx2xml/cases.json`, `xml2vmx/cases.json`
//! and `esxutils.json` of the conformance folder (`testdata/conformance` of the repository, or
//! `$ESXVIRT_CONFORMANCE_DIR`). Prints one summary line per suite and a line diff for
//! each mismatch; exits non-zero on any failure, and when no case was found at all.
//!
//! The file-name resolvers are the ones the folder's README describes.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::process::ExitCode;

use esxvirt_vmx::{domain_to_vmx, vmx_to_domain, FormatContext, ParseContext};
use esxvirt_xml::domain::{Disk, Domain, ScsiModel};
use serde_json::Value;

use esxvirt_testkit::conformance_dir;

/// VMX file name -> XML source, as the vectors were made.
fn parse_file_name(name: &str, allow_missing: bool) -> Result<Option<String>, String> {
    if let Some(rest) = name.strip_prefix("/vmfs/volumes/") {
        let rest = rest.trim_start_matches('/');
        let (datastore, path) = rest
            .split_once('/')
            .filter(|(d, p)| !d.is_empty() && !p.is_empty())
            .ok_or_else(|| format!("'{name}' is not /vmfs/volumes/DATASTORE/PATH"))?;
        if datastore == "missing" || path.starts_with("missing") {
            return if allow_missing {
                Ok(None)
            } else {
                Err(format!("Referenced missing file '{name}'"))
            };
        }
        Ok(Some(format!("[{datastore}] {path}")))
    } else if name.starts_with('/') {
        Ok(Some(name.to_string()))
    } else if name.contains('/') {
        Err(format!("relative path '{name}' is not supported"))
    } else {
        Ok(Some(format!("[datastore] directory/{name}")))
    }
}

/// XML source -> VMX file name, as the vectors were made.
fn format_file_name(src: &str) -> Result<String, String> {
    if src.starts_with('[') {
        // Only an empty datastore name makes a bracketed path unparsable.
        let p = esxvirt_util::parse_datastore_path(src)
            .map_err(|_| format!("'{src}' has an empty datastore name"))?;
        Ok(format!(
            "/vmfs/volumes/{}/{}",
            p.datastore, p.directory_and_file
        ))
    } else if src.starts_with('/') {
        Ok(src.to_string())
    } else {
        Err(format!("relative path '{src}' is not supported"))
    }
}

fn autodetect(_disk: &Disk) -> Result<ScsiModel, String> {
    Ok(ScsiModel::Lsilogic)
}

/// A readable line diff (longest common subsequence): `-` expected, `+` actual.
fn line_diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = String::new();
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push_str(&format!("   {}\n", a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push_str(&format!("  -{}\n", a[i]));
            i += 1;
        } else {
            out.push_str(&format!("  +{}\n", b[j]));
            j += 1;
        }
    }
    if expected.ends_with('\n') != actual.ends_with('\n') {
        out.push_str("  (the two differ in the final newline)\n");
    }
    out
}

#[derive(Default)]
struct Suite {
    passed: usize,
    failed: usize,
}

impl Suite {
    fn record(&mut self, suite: &str, case: &str, result: Result<(), String>) {
        match result {
            Ok(()) => self.passed += 1,
            Err(msg) => {
                self.failed += 1;
                eprintln!("{suite}: FAIL {case}: {msg}");
            }
        }
    }
}

/// Runs `f`, turning a panic into a failure.
fn guarded(f: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => {
            let what = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(format!("panicked: {what}"))
        }
    }
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn cases(path: &Path) -> Option<Result<Vec<Value>, String>> {
    if !path.exists() {
        return None;
    }
    Some(read(path).and_then(|text| {
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
        v["cases"]
            .as_array()
            .cloned()
            .ok_or_else(|| format!("{} has no \"cases\" list", path.display()))
    }))
}

/// Runs `check` (guarded) on every case of `{suite_name}/cases.json` under `dir`; `None` when
/// that file is absent, a single failure when it cannot be read.
fn run_cases(
    dir: &Path,
    suite_name: &str,
    check: impl Fn(&Value, &str) -> Result<(), String>,
) -> Option<Suite> {
    let list = cases(&dir.join(format!("{suite_name}/cases.json")))?;
    let mut suite = Suite::default();
    match list {
        Err(e) => suite.record(suite_name, "cases.json", Err(e)),
        Ok(list) => {
            for case in list {
                let name = case["name"].as_str().unwrap_or("?").to_string();
                let result = guarded(|| check(&case, &name));
                suite.record(suite_name, &name, result);
            }
        }
    }
    Some(suite)
}

/// A whole-output comparison, with a line diff as the failure.
fn same_output(expected: &str, actual: &str) -> Result<(), String> {
    if actual == expected {
        Ok(())
    } else {
        Err(format!(
            "output differs (- expected, + actual):\n{}",
            line_diff(expected, actual)
        ))
    }
}

fn vmx2xml(dir: &Path) -> Option<Suite> {
    run_cases(dir, "vmx2xml", |case, name| {
        let vmx = read(&dir.join(format!("vmx2xml/{name}.vmx")))?;
        let resolver = parse_file_name;
        let ctx = ParseContext {
            file_names: &resolver,
            datacenter_path: case["datacenter_path"].as_str(),
            moref: None,
        };
        let converted = vmx_to_domain(&vmx, &ctx);
        match case["expect"].as_str() {
            Some("error") => match converted {
                Err(_) => Ok(()),
                Ok(d) => Err(format!("expected an error, got:\n{}", d.to_xml())),
            },
            Some("xml") => {
                let expected = read(&dir.join(format!("vmx2xml/{name}.xml")))?;
                let actual = converted
                    .map_err(|e| format!("conversion failed: {e}"))?
                    .to_xml();
                same_output(&expected, &actual)
            }
            other => Err(format!("unknown expect {other:?}")),
        }
    })
}

fn xml2vmx(dir: &Path) -> Option<Suite> {
    run_cases(dir, "xml2vmx", |case, name| {
        let expect_file = case["expect_file"].as_str().unwrap_or(name);
        let hw = case["virtual_hw_version"]
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
            .ok_or("case has no virtual_hw_version")?;
        let xml = read(&dir.join(format!("xml2vmx/{name}.xml")))?;
        let expected = read(&dir.join(format!("xml2vmx/{expect_file}.vmx")))?;
        let domain = Domain::from_xml(&xml).map_err(|e| format!("XML parse failed: {e}"))?;
        let resolver = format_file_name;
        let detect = autodetect;
        let ctx = FormatContext {
            file_names: &resolver,
            autodetect_scsi_model: Some(&detect),
        };
        let actual =
            domain_to_vmx(&domain, &ctx, hw).map_err(|e| format!("conversion failed: {e}"))?;
        same_output(&expected, &actual)
    })
}

/// `Ok` when `got == want`, else a message showing both.
fn expect_eq<T: PartialEq + std::fmt::Debug>(got: T, want: T) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("got {got:?}, expected {want:?}"))
    }
}

/// Runs `check` (guarded) on every vector of the list `key` in esxutils.json, naming each
/// case `key[i] label`.
fn each_vector(
    suite: &mut Suite,
    v: &Value,
    key: &str,
    label: impl Fn(&Value) -> String,
    check: impl Fn(&Value) -> Result<(), String>,
) {
    for (i, c) in v[key].as_array().into_iter().flatten().enumerate() {
        let r = guarded(|| check(c));
        suite.record("esxutils", &format!("{key}[{i}] {}", label(c)), r);
    }
}

fn esxutils(dir: &Path) -> Option<Suite> {
    let path = dir.join("esxutils.json");
    if !path.exists() {
        return None;
    }
    let mut suite = Suite::default();
    let v: Value =
        match read(&path).and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string())) {
            Ok(v) => v,
            Err(e) => {
                suite.record("esxutils", "esxutils.json", Err(e));
                return Some(suite);
            }
        };
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let input = |c: &Value| format!("{:?}", s(&c["input"]));
    each_vector(&mut suite, &v, "datastore_path", input, |c| {
        match (
            c["ok"].as_bool(),
            esxvirt_util::parse_datastore_path(&s(&c["input"])),
        ) {
            (Some(true), Ok(p)) => expect_eq(
                (p.datastore, p.directory, p.directory_and_file),
                (
                    s(&c["datastore"]),
                    s(&c["directory"]),
                    s(&c["directory_and_file"]),
                ),
            ),
            (Some(true), Err(e)) => Err(format!("unexpected error: {e}")),
            (_, Err(_)) => Ok(()),
            (_, Ok(p)) => Err(format!("expected an error, got {p:?}")),
        }
    });
    each_vector(&mut suite, &v, "datetime_to_unix", input, |c| {
        let want = c["unix"].as_i64().ok_or("vector has no unix value")?;
        match esxvirt_util::xsd_datetime_to_unix(&s(&c["input"])) {
            Ok(got) => expect_eq(got, want),
            Err(e) => Err(format!("unexpected error: {e}")),
        }
    });
    each_vector(&mut suite, &v, "escape_datastore_item", input, |c| {
        expect_eq(
            esxvirt_util::escape_datastore_item(&s(&c["input"])),
            s(&c["escaped"]),
        )
    });
    let hex = |c: &Value| s(&c["windows1252_hex"]);
    each_vector(&mut suite, &v, "windows1252_to_utf8", hex, |c| {
        let hex = hex(c);
        let bytes = (0..hex.len())
            .step_by(2)
            .map(|k| {
                hex.get(k..k + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("bad hex '{hex}'"))
            })
            .collect::<Result<Vec<u8>, String>>()?;
        match esxvirt_util::windows1252_to_utf8(&bytes) {
            Ok(got) => expect_eq(got, s(&c["utf8"])),
            Err(e) => Err(format!("unexpected error: {e}")),
        }
    });
    Some(suite)
}

fn main() -> ExitCode {
    // Panics are reported per case; keep the default hook from printing them twice.
    std::panic::set_hook(Box::new(|_| {}));
    let dir = conformance_dir();
    println!("conformance folder: {}", dir.display());
    let mut total = 0;
    let mut failed = 0;
    for (name, suite) in [
        ("vmx2xml", vmx2xml(&dir)),
        ("xml2vmx", xml2vmx(&dir)),
        ("esxutils", esxutils(&dir)),
    ] {
        match suite {
            Some(s) => {
                println!("{name}: {} passed, {} failed", s.passed, s.failed);
                total += s.passed + s.failed;
                failed += s.failed;
            }
            None => println!("{name}: not present"),
        }
    }
    if total == 0 {
        eprintln!("no conformance case found in {}", dir.display());
        return ExitCode::FAILURE;
    }
    if failed > 0 {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
