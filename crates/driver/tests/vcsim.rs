//! The driver against govmomi's simulator (vcsim), in ESX and vCenter modes: the issue's
//! acceptance (libvirt's own driver cannot talk to this simulator at all). These tests fail,
//! never skip, when vcsim cannot be started (ESXVIRT_VCSIM points at it).

mod common;

use common::exercise;
use esxvirt_driver::{Connection, OpenOptions};
use esxvirt_testkit::{Vcsim, VcsimMode};

fn options() -> OpenOptions {
    common::options("user", "pass")
}

fn esx_uri(sim: &Vcsim, tls: bool) -> String {
    if tls {
        format!("esx://user@{}/?no_verify=1", sim.addr)
    } else {
        format!("esx://user@{}/?transport=http", sim.addr)
    }
}

fn vpx_uri(sim: &Vcsim) -> String {
    format!("vpx://user@{}/DC0/DC0_H0?no_verify=1", sim.addr)
}

#[test]
fn vcsim_esx_https_domains_and_snapshots() {
    let sim = Vcsim::start(VcsimMode::Esx, true);
    let conn = Connection::open(&esx_uri(&sim, true), &options()).expect("open esx://");
    assert_eq!(conn.get_type(), "ESX");
    assert!(conn.get_version().expect("version") > 0);
    exercise(&conn);
}

#[test]
fn vcsim_esx_http_host_info() {
    let sim = Vcsim::start(VcsimMode::Esx, false);
    let conn = Connection::open(&esx_uri(&sim, false), &options()).expect("open esx:// http");
    assert!(!conn.is_encrypted());
    let info = conn.node_get_info().expect("nodeinfo");
    assert!(info.cpus > 0 && info.memory > 0, "{info:?}");
    assert!(!conn.get_hostname().expect("hostname").is_empty());
    let caps = conn.get_capabilities().expect("capabilities");
    assert!(caps.contains("<capabilities>"), "{caps}");
}

#[test]
fn vcsim_vcenter_domains_and_snapshots() {
    let sim = Vcsim::start(VcsimMode::VCenter { hosts: 2, vms: 2 }, true);
    let conn = Connection::open(&vpx_uri(&sim), &options()).expect("open vpx://");
    exercise(&conn);
}

#[test]
fn vcsim_wrong_product() {
    let sim = Vcsim::start(VcsimMode::VCenter { hosts: 1, vms: 1 }, true);
    // esx:// to a vCenter: libvirt's product check
    let err =
        Connection::open(&format!("esx://user@{}/?no_verify=1", sim.addr), &options()).unwrap_err();
    assert!(
        err.to_string()
            .contains("to be a ESX(i) host but found a vCenter/VPX host"),
        "{err}"
    );
}

#[test]
fn vcsim_round_trips() {
    let sim = Vcsim::start(VcsimMode::Esx, false);
    let conn = Connection::open(&esx_uri(&sim, false), &options()).expect("open");
    assert_eq!(
        conn.request_count(),
        1,
        "Login (the service content comes later)"
    );
    conn.list_all_domains(0).expect("list");
    assert_eq!(
        conn.request_count(),
        2,
        "list --all: one retrieval, with the service content"
    );

    let sim = Vcsim::start(VcsimMode::VCenter { hosts: 2, vms: 3 }, false);
    let uri = format!("vpx://user@{}/DC0/DC0_H0?transport=http", sim.addr);
    let conn = Connection::open(&uri, &options()).expect("open vpx");
    assert_eq!(conn.request_count(), 2, "Login + the host path");
    let all = conn.list_all_domains(0).expect("list");
    assert_eq!(conn.request_count(), 3);
    let before = conn.request_count();
    let d = conn
        .domain_lookup_by_name(all[0].get_name())
        .expect("lookup");
    d.get_info().expect("info");
    assert_eq!(
        conn.request_count() - before,
        2,
        "FindChild + one retrieval (identity and info), no inventory scan"
    );
}

#[test]
fn vcsim_esx_volume_keys_without_the_datacenter() {
    // govmomi's ESX host answers a disk's UUID query without a datacenter (as the API allows
    // on a host), which a command that has not resolved the host's context sends.
    let sim = Vcsim::start(VcsimMode::Esx, false);
    let named = Connection::open(&esx_uri(&sim, false), &options()).expect("open");
    let pool = named.list_all_storage_pools(0).expect("pool-list")[0]
        .get_name()
        .to_string();
    // Creating a disk resolves the context: the datacenter is named from then on.
    let created = named
        .storage_pool_lookup_by_name(&pool)
        .expect("pool")
        .storage_vol_create_xml(
            "<volume><name>vols/a.vmdk</name><capacity unit='M'>1</capacity>\
             <target><format type='vmdk'/></target></volume>",
            0,
        )
        .expect("vol-create");
    let path = created.get_path().expect("path");
    let key = named
        .storage_vol_lookup_by_path(&path)
        .expect("by path")
        .get_key()
        .to_string();
    let groups: Vec<usize> = key.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12], "a UUID: {key}");

    let cold = Connection::open(&esx_uri(&sim, false), &options()).expect("open");
    let vol = cold
        .storage_pool_lookup_by_name(&pool)
        .expect("pool")
        .storage_vol_lookup_by_name("vols/a.vmdk")
        .expect("by name");
    assert_eq!(vol.get_key(), key);
    assert_eq!(
        cold.request_count(),
        5,
        "Login, the pool's retrieval, the search (task + result), the UUID query"
    );
}
