//! VMs that share a BIOS UUID (`config.uuid`), as copies registered again or clones made
//! outside vCenter do: a lookup by UUID takes the VM meant (the one on the connection's
//! host) or fails naming the candidates; a domain found by name is that VM for every call
//! (libvirt 9.0 looks each one up again by UUID and so reads and acts on whichever VM the
//! search index names first).

mod common;

use std::path::Path;

use common::*;
use esxvirt_driver::{Connection, DomainState, ErrorCode};
use esxvirt_sim::inventory::World;
use esxvirt_sim::InventorySource;

/// Serves `world` (built in `dir/files`) with the `config.uuid` of `copies` set to
/// `original`'s; returns the simulator and that UUID.
fn serve_sharing(mut world: World, dir: &Path, original: &str, copies: &[&str]) -> (Sim, String) {
    let uuid = world
        .vms
        .values()
        .find(|v| v.config.name == original)
        .map(|v| v.config.uuid.clone())
        .expect("original VM");
    for vm in world.vms.values_mut() {
        if copies.contains(&vm.config.name.as_str()) {
            vm.config.uuid = uuid.clone();
        }
    }
    let path = dir.join("world.json");
    std::fs::write(&path, world.to_json()).expect("write inventory");
    let sim = Sim::start_in(InventorySource::File(path), false, Some(dir.join("files")));
    (sim, uuid)
}

#[test]
fn esx_lookup_by_a_shared_uuid_fails_naming_the_domains() {
    let dir = tempdir("shared-uuid-esx");
    let world = World::default_esx(&dir.join("files")).expect("default world");
    let (sim, uuid) = serve_sharing(world, &dir, "web01", &["db01"]);
    let conn = Connection::open(&sim.esx(), &options("root", "password")).expect("open");

    let e = conn.domain_lookup_by_uuid_string(&uuid).unwrap_err();
    assert_eq!(e.code(), ErrorCode::MultipleDomains);
    assert_eq!(
        e.to_string(),
        format!(
            "multiple matching domains found: Domains 'db01' and 'web01' share UUID '{uuid}': look the domain up by name"
        )
    );
    // The lookup answered in two requests: the search index and the candidates' names.
    let stats = sim.sim().stats();
    assert_eq!(stats.method("FindAllByUuid"), 1, "{stats:?}");

    // By name, each is itself: its own state, and a call acts on it alone.
    let db01 = conn.domain_lookup_by_name("db01").expect("db01");
    let web01 = conn.domain_lookup_by_name("web01").expect("web01");
    assert_eq!(db01.get_uuid_string(), web01.get_uuid_string());
    assert_eq!(db01.get_state(0).expect("state").0, DomainState::Shutoff);
    assert_eq!(web01.get_state(0).expect("state").0, DomainState::Running);
    assert_eq!(
        db01.destroy(0).unwrap_err().to_string(),
        "Requested operation is not valid: Domain is not powered on"
    );
    assert_eq!(web01.get_state(0).expect("state").0, DomainState::Running);
    assert!(db01
        .get_xml_desc(0)
        .expect("dumpxml")
        .contains("<name>db01</name>"));

    // Three sharing: all are named.
    drop(conn);
    drop(sim);
    let world = World::default_esx(&dir.join("files")).expect("default world");
    let (sim, uuid) = serve_sharing(world, &dir, "web01", &["db01", "tiny"]);
    let conn = Connection::open(&sim.esx(), &options("root", "password")).expect("open");
    let e = conn.domain_lookup_by_uuid_string(&uuid).unwrap_err();
    assert!(
        e.to_string()
            .contains("Domains 'db01', 'tiny' and 'web01' share UUID"),
        "{e}"
    );
    // A UUID only one VM has is found as before.
    let win = conn.domain_lookup_by_name("win2019").expect("win2019");
    let again = conn
        .domain_lookup_by_uuid_string(&win.get_uuid_string())
        .expect("unique UUID");
    assert_eq!(again.get_name(), "win2019");
    drop(sim);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn vcenter_lookup_by_a_shared_uuid_takes_the_vm_on_the_uri_host() {
    let dir = tempdir("shared-uuid-vc");
    let world = World::default_vcenter(&dir.join("files")).expect("default vCenter");
    // app01 and app02 run on esx-01, app03 and app04 on esx-02.
    let (sim, uuid) = serve_sharing(world, &dir, "app01", &["app03"]);
    for (host, expected) in [("esx-01", "app01"), ("esx-02", "app03")] {
        let uri = sim.vpx_path(&format!("dc1/cluster1/{host}.example.com"));
        let conn = Connection::open(&uri, &options("root", "password")).expect("open");
        let d = conn.domain_lookup_by_uuid_string(&uuid).expect("by UUID");
        assert_eq!(d.get_name(), expected, "through {host}");
        assert!(d
            .get_xml_desc(0)
            .expect("dumpxml")
            .contains(&format!("<name>{expected}</name>")));
    }
    // Two on the same host: no guess.
    drop(sim);
    let world = World::default_vcenter(&dir.join("files")).expect("default vCenter");
    let (sim, uuid) = serve_sharing(world, &dir, "app01", &["app02", "app03"]);
    let uri = sim.vpx_path("dc1/cluster1/esx-01.example.com");
    let conn = Connection::open(&uri, &options("root", "password")).expect("open");
    let e = conn.domain_lookup_by_uuid_string(&uuid).unwrap_err();
    assert_eq!(e.code(), ErrorCode::MultipleDomains, "{e}");
    assert!(e.to_string().contains("'app01' and 'app02'"), "{e}");
    let uri = sim.vpx_path("dc1/cluster1/esx-02.example.com");
    let conn = Connection::open(&uri, &options("root", "password")).expect("open");
    assert_eq!(
        conn.domain_lookup_by_uuid_string(&uuid)
            .expect("one on esx-02")
            .get_name(),
        "app03"
    );
    drop(sim);
    let _ = std::fs::remove_dir_all(&dir);
}
