//! `Connection::list_all_domains_all_hosts` (the domains of every host of a vCenter) against
//! esxsim in vCenter mode: the exact domains and hosts of a two-datacenter inventory with
//! every list filter, one request with a cached session, a generated inventory larger than
//! a page, esx:// (the host's own domains), the per-host listing left as it was; and
//! govmomi's simulator in vCenter mode, compared with what it reports through container
//! views (another way through its inventory than the driver's traversal).

mod common;

#[path = "common/two_datacenters.rs"]
mod two_datacenters;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::{cached_options, domain_names, tempdir, Sim};
use esxvirt_driver::{flags::list_domains as f, Connection, DomainState, OpenOptions};
use esxvirt_sim::inventory::{PowerState, World};
use esxvirt_sim::InventorySource;
use esxvirt_testkit::{Vcsim, VcsimMode};
use esxvirt_vi::{Client, ClientConfig, Value};
use two_datacenters::{set_autostart, two_datacenters};

fn vm_id(w: &World, name: &str) -> String {
    w.vm_by_name(name).map(|v| v.moid.clone()).expect("vm")
}

/// [`two_datacenters`] with autostart on esx-02 for app03 and app04; on esx-03 app05 is
/// listed but autostart is disabled there; on esx-21 eu01. Returns the inventory file and
/// the IDs of the running VMs by name.
fn inventory(dir: &Path) -> (PathBuf, BTreeMap<String, u32>) {
    let (mut w, eu01) = two_datacenters(&dir.join("files"));
    let on_esx02 = vec![vm_id(&w, "app03"), vm_id(&w, "app04")];
    let on_esx03 = vec![vm_id(&w, "app05")];
    set_autostart(&mut w, "esx-02.example.com", true, on_esx02);
    set_autostart(&mut w, "esx-03.example.com", false, on_esx03);
    set_autostart(&mut w, "esx-21.example.com", true, vec![eu01]);
    let path = dir.join("inventory.json");
    w.save(&path).expect("save inventory");
    let ids = w
        .vms
        .values()
        .filter(|v| v.power_state == PowerState::PoweredOn)
        .map(|v| {
            let n = v.moid.strip_prefix("vm-").and_then(|n| n.parse().ok());
            (v.config.name.clone(), n.expect("vm-N"))
        })
        .collect();
    (path, ids)
}

fn start_two_datacenters(name: &str) -> (Sim, PathBuf, BTreeMap<String, u32>) {
    let dir = tempdir(name);
    let (inv, ids) = inventory(&dir);
    let sim = Sim::start_in(InventorySource::File(inv), false, Some(dir.join("files")));
    (sim, dir, ids)
}

fn opts() -> OpenOptions {
    common::options("root", "password")
}

/// A listed domain: name, host, ID, state.
type Row = (String, String, Option<u32>, String);

/// Every listed domain, sorted.
fn listed(conn: &Connection, flags: u32) -> BTreeSet<Row> {
    let all = conn
        .list_all_domains_all_hosts(flags)
        .expect("list all hosts");
    let n = all.len();
    let set: BTreeSet<_> = all
        .into_iter()
        .map(|h| {
            let state = h.domain.get_state(0).expect("state").0;
            (
                h.domain.get_name().to_string(),
                h.host,
                h.domain.get_id(),
                format!("{state:?}"),
            )
        })
        .collect();
    assert_eq!(set.len(), n, "no domain twice");
    set
}

fn rows(items: &[(&str, &str, Option<u32>, DomainState)]) -> BTreeSet<Row> {
    items
        .iter()
        .map(|(n, h, id, s)| (n.to_string(), h.to_string(), *id, format!("{s:?}")))
        .collect()
}

#[test]
fn every_host_of_every_datacenter_with_every_filter() {
    let (sim, dir, ids) = start_two_datacenters("filters");
    let conn = Connection::open(&sim.vpx_path("dc1/cluster1/esx-02.example.com"), &opts())
        .expect("open vpx");
    let id = |name: &str| ids.get(name).copied().expect("running VM");
    use DomainState::{Running, Shutoff};
    let running = [
        ("app01", "esx-01.example.com", Some(id("app01")), Running),
        ("app03", "esx-02.example.com", Some(id("app03")), Running),
        ("app05", "esx-03.example.com", Some(id("app05")), Running),
        ("app07", "esx-04.example.com", Some(id("app07")), Running),
        ("eu01", "esx-21.example.com", Some(id("eu01")), Running),
    ];
    let off = [
        ("app02", "esx-01.example.com", None, Shutoff),
        ("app04", "esx-02.example.com", None, Shutoff),
        ("app06", "esx-03.example.com", None, Shutoff),
        ("app08", "esx-04.example.com", None, Shutoff),
        ("app02", "esx-21.example.com", None, Shutoff),
    ];
    let all: Vec<_> = running.iter().chain(off.iter()).cloned().collect();
    assert_eq!(listed(&conn, 0), rows(&all), "--all");
    assert_eq!(listed(&conn, f::ACTIVE), rows(&running), "default: running");
    assert_eq!(listed(&conn, f::INACTIVE), rows(&off), "--inactive");
    assert_eq!(listed(&conn, f::RUNNING), rows(&running), "--state-running");
    assert_eq!(listed(&conn, f::SHUTOFF), rows(&off), "--state-shutoff");
    assert!(listed(&conn, f::PAUSED).is_empty(), "--state-paused");
    assert_eq!(
        listed(&conn, f::ACTIVE | f::INACTIVE | f::AUTOSTART),
        rows(&[all[1], all[4], off[1]]),
        "--all --autostart: esx-02's two and esx-21's eu01 (esx-03 has autostart disabled)"
    );
    assert_eq!(
        listed(&conn, f::ACTIVE | f::NO_AUTOSTART).len(),
        3,
        "running without autostart: app01, app05, app07"
    );
    assert!(
        listed(&conn, f::ACTIVE | f::INACTIVE | f::HAS_SNAPSHOT).is_empty(),
        "no snapshots"
    );
    assert_eq!(
        listed(&conn, f::INACTIVE | f::NO_SNAPSHOT),
        rows(&off),
        "--inactive --without-snapshot"
    );
    assert!(
        listed(&conn, f::TRANSIENT).is_empty(),
        "no transient domains"
    );
    let err = conn.list_all_domains_all_hosts(1 << 20).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unsupported flags (0x100000) in function esxConnectListAllDomains"
    );

    // The libvirt listing still shows the URI's host only.
    assert_eq!(
        domain_names(&conn),
        ["app03", "app04"].iter().map(|s| s.to_string()).collect()
    );
    drop(conn);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn one_request_with_a_cached_session() {
    let (sim, dir, _) = start_two_datacenters("requests");
    let cached = cached_options(&dir.join("cache"));
    let uri = sim.vpx_path("Europe/dc2/esx-21.example.com");
    let cold = Connection::open(&uri, &cached).expect("cold open");
    assert_eq!(
        cold.request_count(),
        2,
        "login, host path (the service content comes with it)"
    );
    assert_eq!(cold.list_all_domains_all_hosts(0).expect("list").len(), 10);
    assert_eq!(cold.request_count(), 3, "+ one retrieval");
    drop(cold);

    let warm = Connection::open(&uri, &cached).expect("warm open");
    assert_eq!(warm.request_count(), 0, "a cached session needs no request");
    sim.sim().reset_stats();
    assert_eq!(warm.list_all_domains_all_hosts(0).expect("list").len(), 10);
    let filtered = warm
        .list_all_domains_all_hosts(f::ACTIVE | f::INACTIVE | f::AUTOSTART | f::HAS_SNAPSHOT)
        .expect("list with autostart and snapshot filters");
    assert!(filtered.is_empty());
    assert_eq!(warm.request_count(), 2, "one request per listing");
    let stats = sim.sim().stats();
    assert_eq!(stats.method("RetrievePropertiesEx"), 2, "{stats:?}");
    assert_eq!(stats.soap_requests, 2, "{stats:?}");
    drop(warm);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn more_vms_than_a_page_each_listed_once() {
    // 3 hosts x 2,100 VMs: 6,303 objects, more than the driver's page of 5,000.
    let dir = tempdir("paged");
    let sim = Sim::start_in(
        InventorySource::Generate {
            vcenter: true,
            hosts: 3,
            vms_per_host: 2100,
        },
        false,
        Some(dir.join("files")),
    );
    let conn = Connection::open(&sim.vpx_path("dc1/cluster1/esx-001.example.com"), &opts())
        .expect("open vpx");
    sim.sim().reset_stats();
    let before = conn.request_count();
    let all = conn.list_all_domains_all_hosts(0).expect("list all hosts");
    assert_eq!(
        conn.request_count() - before,
        2,
        "one retrieval and one continuation"
    );
    let stats = sim.sim().stats();
    assert_eq!(stats.method("RetrievePropertiesEx"), 1, "{stats:?}");
    assert_eq!(stats.method("ContinueRetrievePropertiesEx"), 1, "{stats:?}");
    assert_eq!(stats.soap_requests, 2, "{stats:?}");

    // The generator puts vm-N (1-based) on host (N-1) % 3; every third VM runs.
    let mut seen: BTreeMap<String, (String, Option<u32>)> = BTreeMap::new();
    for h in &all {
        let previous = seen.insert(
            h.domain.get_name().to_string(),
            (h.host.clone(), h.domain.get_id()),
        );
        assert!(previous.is_none(), "{} listed twice", h.domain.get_name());
    }
    assert_eq!(seen.len(), 6300);
    for i in 0..6300usize {
        let name = format!("vm-{:05}", i + 1);
        let (host, id) = seen.get(&name).unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(host, &format!("esx-{:03}.example.com", i % 3 + 1), "{name}");
        assert_eq!(id.is_some(), i % 3 == 0, "{name}: ID only when running");
    }
    let ids: BTreeSet<u32> = all.iter().filter_map(|h| h.domain.get_id()).collect();
    assert_eq!(ids.len(), 2100, "running VMs have distinct IDs");
    drop(conn);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn esx_lists_its_own_domains_with_its_name() {
    let sim = Sim::start(InventorySource::DefaultEsx, false);
    let conn = Connection::open(&sim.esx(), &opts()).expect("open esx");
    let before = conn.request_count();
    let all = conn.list_all_domains_all_hosts(0).expect("list all hosts");
    assert_eq!(conn.request_count() - before, 1, "one retrieval");
    let with_hosts: BTreeSet<(String, String)> = all
        .iter()
        .map(|h| (h.domain.get_name().to_string(), h.host.clone()))
        .collect();
    let plain: BTreeSet<(String, String)> = conn
        .list_all_domains(0)
        .expect("list")
        .iter()
        .map(|d| (d.get_name().to_string(), "esx01.example.com".to_string()))
        .collect();
    assert_eq!(with_hosts, plain);
    assert_eq!(with_hosts.len(), 5);
}

/// (VM name, host name) of every VM govmomi's simulator reports through container views of
/// its root folder.
fn vcsim_vms(sim: &Vcsim) -> BTreeSet<(String, String)> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut cfg = ClientConfig::new(format!("https://{}/sdk", sim.addr));
        cfg.no_verify = true;
        let c = Client::connect(cfg).await.expect("connect");
        c.login("user", "pass").await.expect("login");
        let root = c.service_content().root_folder.clone();
        let text = |v: Option<&Value>| v.and_then(|v| v.as_str()).unwrap_or_default().to_string();
        let host_objects = c
            .container_view_objects(
                &root,
                "HostSystem",
                &["name", "config.autoStart"],
                true,
                1000,
            )
            .await
            .expect("hosts");
        // What the driver reads for autostart filters decodes as the manager's configuration.
        for h in &host_objects {
            assert!(
                matches!(
                    h.get("config.autoStart"),
                    Some(Value::HostAutoStartManagerConfig(_))
                ),
                "{h:?}"
            );
        }
        let hosts: BTreeMap<String, String> = host_objects
            .iter()
            .map(|h| (h.obj.value.clone(), text(h.get("name"))))
            .collect();
        let vms = c
            .container_view_objects(
                &root,
                "VirtualMachine",
                &["name", "runtime.host"],
                true,
                1000,
            )
            .await
            .expect("vms");
        let _ = c.close().await;
        vms.iter()
            .map(|v| {
                let host = match v.get("runtime.host") {
                    Some(Value::ManagedObjectReference(m)) => hosts[&m.value].clone(),
                    other => panic!("{} has no host: {other:?}", text(v.get("name"))),
                };
                (text(v.get("name")), host)
            })
            .collect()
    })
}

#[test]
fn vcsim_every_vm_of_every_host() {
    let sim = Vcsim::start(VcsimMode::VCenter { hosts: 3, vms: 2 }, true);
    let conn = Connection::open(
        &format!("vpx://user@{}/DC0/DC0_H0?no_verify=1", sim.addr),
        &common::options("user", "pass"),
    )
    .expect("open vpx");
    let before = conn.request_count();
    let all = conn.list_all_domains_all_hosts(0).expect("list all hosts");
    assert_eq!(conn.request_count() - before, 1, "one retrieval");
    let listed: BTreeSet<(String, String)> = all
        .iter()
        .map(|h| (h.domain.get_name().to_string(), h.host.clone()))
        .collect();
    assert_eq!(listed.len(), all.len(), "no domain twice");
    let expected = vcsim_vms(&sim);
    assert_eq!(listed, expected);
    let hosts: BTreeSet<&String> = listed.iter().map(|(_, h)| h).collect();
    assert!(
        hosts.len() >= 4,
        "VMs on the standalone hosts and the cluster's: {hosts:?}"
    );
    // Its hosts report autostart disabled: no VM starts with its host.
    assert!(conn
        .list_all_domains_all_hosts(f::ACTIVE | f::INACTIVE | f::AUTOSTART)
        .expect("--autostart")
        .is_empty());
    assert_eq!(
        conn.list_all_domains_all_hosts(f::ACTIVE | f::INACTIVE | f::NO_AUTOSTART)
            .expect("--no-autostart")
            .len(),
        all.len()
    );
}
