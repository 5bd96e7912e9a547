//! Runs libvirt's esxutils.json vectors (testdata/conformance, or ESXVIRT_CONFORMANCE_DIR)
//! against this crate. The `conformance` target of esxvirt-vmx runs them too; this copy keeps
//! the crate testable on its own.

use esxvirt_util::*;
use serde_json::Value;

fn vectors() -> Value {
    let path = esxvirt_testkit::conformance_dir().join("esxutils.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("esxutils.json is JSON")
}

fn s(v: &Value) -> &str {
    v.as_str().expect("string field")
}

#[test]
fn all_vectors() {
    let v = vectors();
    let mut count = 0;
    for case in v["datastore_path"].as_array().into_iter().flatten() {
        let r = parse_datastore_path(s(&case["input"]));
        if case["ok"].as_bool() == Some(true) {
            let p = r.unwrap_or_else(|e| panic!("{}: {e}", case["input"]));
            assert_eq!(p.datastore, s(&case["datastore"]));
            assert_eq!(p.directory, s(&case["directory"]));
            assert_eq!(p.directory_and_file, s(&case["directory_and_file"]));
        } else {
            assert!(r.is_err(), "{} should fail", case["input"]);
        }
        count += 1;
    }
    for case in v["datetime_to_unix"].as_array().into_iter().flatten() {
        assert_eq!(
            xsd_datetime_to_unix(s(&case["input"])),
            Ok(case["unix"].as_i64().unwrap())
        );
        count += 1;
    }
    for case in v["escape_datastore_item"].as_array().into_iter().flatten() {
        assert_eq!(
            escape_datastore_item(s(&case["input"])),
            s(&case["escaped"])
        );
        count += 1;
    }
    for case in v["windows1252_to_utf8"].as_array().into_iter().flatten() {
        let hex = s(&case["windows1252_hex"]);
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        assert_eq!(windows1252_to_utf8(&bytes).unwrap(), s(&case["utf8"]));
        count += 1;
    }
    assert!(count > 0, "no esxutils vectors found");
}
