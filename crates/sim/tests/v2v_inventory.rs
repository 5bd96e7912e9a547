//! `testdata/v2v/esx.json` and `vcenter.json` are what `World::v2v_checks` builds (the
//! `v2v_inventory` example writes them): regenerate them with
//! `cargo run -p esxvirt-sim --example v2v_inventory -- testdata/v2v` when this fails. Also:
//! the check VMs' .vmx files carry the keys their checks read, and survive a reload.

use std::path::PathBuf;

use esxvirt_sim::inventory::vmx::{extra_bool, extra_value};
use esxvirt_sim::inventory::{World, CHECK_VMS, ESCAPED_NAME};
use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/v2v")
}

/// Drops what differs between two builds: snapshot creation times.
fn stable(mut v: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.remove("create_time");
                m.values_mut().for_each(walk);
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut v);
    v
}

#[test]
fn committed_inventories_are_the_builders() {
    let tmp = std::env::temp_dir().join(format!("esxsim-v2v-inv-test-{}", std::process::id()));
    for (vcenter, file) in [(false, "esx.json"), (true, "vcenter.json")] {
        let built = World::v2v_checks(vcenter, &tmp.join(file)).expect("builds");
        let built = stable(serde_json::to_value(&built).unwrap());
        let text = std::fs::read_to_string(dir().join(file)).expect("committed file");
        let committed = stable(serde_json::from_str(&text).expect("JSON"));
        assert!(
            built == committed,
            "{file} differs from World::v2v_checks: regenerate it"
        );
        // Loads, with every check VM and its .vmx keys.
        let w = World::load(&dir().join(file), &tmp.join(format!("{file}.load"))).expect("loads");
        for (name, _) in CHECK_VMS {
            let api_name = esxvirt_util::escape_percent(name);
            assert!(w.vm_by_name(&api_name).is_some(), "{file}: {name}");
        }
        let cfg = |n: &str| w.vm_by_name(n).unwrap().config.clone();
        assert!(extra_bool(
            &cfg("v2v-uefi-secureboot"),
            "uefi.secureBoot.enabled"
        ));
        assert!(extra_bool(&cfg("v2v-ready-cbt"), "ctkEnabled"));
        assert_eq!(
            extra_value(&cfg("v2v-shared"), "scsi0:1.sharing"),
            Some("multi-writer")
        );
        assert!(extra_value(&cfg("v2v-encrypted"), "encryption.keySafe").is_some());
        assert_eq!(w.rdm_mappings.len(), 2);
        assert!(w
            .vm_by_name(&esxvirt_util::escape_percent(ESCAPED_NAME))
            .is_some());
        let vmx = w
            .resolve(&w.vm_by_name("v2v-shared").unwrap().vmx_path)
            .unwrap();
        let text = std::fs::read_to_string(vmx).unwrap();
        assert!(text.contains("scsi0.sharedBus = \"physical\""), "{text}");
    }
    let _ = std::fs::remove_dir_all(&tmp);
}
