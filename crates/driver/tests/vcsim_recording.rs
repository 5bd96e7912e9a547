//! A `govc object.save` recording of govmomi's simulator (its default vCenter model,
//! `crates/sim/tests/data/vcsim-default`) served by esxsim: through the driver, every host
//! lists exactly the VMs the recording puts on it, and every VM's `dumpxml` works.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use common::{domain_names, options};
use esxvirt_driver::Connection;
use esxvirt_sim::soap::Element;
use esxvirt_sim::{SimConfig, Tls};

fn recording() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../sim/tests/data/vcsim-default")
}

/// What the recording says, read from its files: host name -> names of the VMs on it.
fn recorded_vms() -> BTreeMap<String, BTreeSet<String>> {
    let mut host_names = BTreeMap::new();
    let mut vms: Vec<(String, String)> = Vec::new();
    for entry in std::fs::read_dir(recording()).expect("recording") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|x| x != "xml") {
            continue;
        }
        let doc = Element::parse(&std::fs::read(&path).expect("read")).expect("parse");
        let obj = doc.child("obj").and_then(Element::as_moref).expect("obj");
        let prop = |name: &str| {
            doc.children_named("propSet")
                .find(|p| p.text_of("name") == Some(name))
                .and_then(|p| p.child("val"))
                .cloned()
        };
        match &*obj.ty {
            "HostSystem" => {
                let name = prop("name").expect("host name").text.trim().to_string();
                host_names.insert(obj.value.clone(), name);
            }
            "VirtualMachine" => {
                let name = prop("name").expect("vm name").text.trim().to_string();
                let host = prop("runtime")
                    .and_then(|r| r.child("host").and_then(Element::as_moref))
                    .expect("vm host")
                    .value;
                vms.push((host, name));
            }
            _ => {}
        }
    }
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for name in host_names.values() {
        out.entry(name.clone()).or_default();
    }
    for (host, vm) in vms {
        out.entry(host_names[&host].clone()).or_default().insert(vm);
    }
    out
}

#[test]
fn a_vcsim_recording_served_by_esxsim() {
    let expected = recorded_vms();
    assert_eq!(expected.len(), 4, "{expected:?}");
    assert_eq!(expected.values().map(BTreeSet::len).sum::<usize>(), 4);
    let rt = esxvirt_testkit::runtime();
    let config = SimConfig {
        tls: Tls::Off,
        ..SimConfig::default()
    };
    let sim = rt
        .block_on(esxvirt_sim::recording::start(config, &recording()))
        .expect("esxsim serves the recording");
    let uri = format!(
        "vpx://root@{}/DC0/DC0_C0/DC0_C0_H0?transport=http",
        sim.addr()
    );
    let conn = Connection::open(&uri, &options("root", "password")).expect("connect");
    let mut listed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for name in expected.keys() {
        listed.entry(name.clone()).or_default();
    }
    let all = conn.list_all_domains_all_hosts(0).expect("list all hosts");
    for h in &all {
        listed
            .entry(h.host.clone())
            .or_default()
            .insert(h.domain.get_name().to_string());
    }
    assert_eq!(listed, expected);
    // dumpxml downloads each VM's .vmx, which esxsim wrote from the recorded configuration.
    for h in &all {
        let name = h.domain.get_name().to_string();
        let xml = h.domain.get_xml_desc(0).expect("dumpxml");
        assert!(xml.contains(&format!("<name>{name}</name>")), "{xml}");
        assert!(xml.contains("<memory unit='KiB'>32768</memory>"), "{xml}");
    }
    // The host of the URI lists its own VMs alone.
    assert_eq!(domain_names(&conn), expected["DC0_C0_H0"]);
    drop(conn);
    rt.block_on(sim.shutdown());
}
