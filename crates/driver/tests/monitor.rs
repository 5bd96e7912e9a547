//! Whole-inventory monitoring against esxsim (in-process): a vpx:// URI without a host path
//! opens; the inventory watch passes the initial state after a reset, in pages, then only
//! changes; a renewed session makes it start over; QueryPerf drops a VM that is gone; a
//! host path covers that host's objects.

mod common;

use common::{options, Sim};
use esxvirt_driver::monitor::{MonitorScope, WatchEvent, Watched};
use esxvirt_driver::Connection;
use esxvirt_sim::InventorySource;
use esxvirt_vi::{ManagedObjectReference, PerfMetricId, PerfQuerySpec};

/// Polls once: (reset seen, VM updates, WaitForUpdatesEx calls); the VMs' ids go to `ids`.
fn poll_ids(
    w: &mut esxvirt_driver::monitor::InventoryWatch<'_>,
    ids: &mut Vec<String>,
) -> (bool, usize, usize) {
    let mut reset = false;
    let mut vms = 0;
    let p = w
        .poll(|e| match e {
            WatchEvent::Reset => reset = true,
            WatchEvent::Update(u) if u.obj.type_ == "VirtualMachine" => {
                vms += 1;
                ids.push(u.obj.value.clone());
            }
            WatchEvent::Update(_) => {}
        })
        .expect("poll");
    assert_eq!(p.reset, reset);
    (reset, vms, p.calls)
}

fn poll(w: &mut esxvirt_driver::monitor::InventoryWatch<'_>) -> (bool, usize, usize) {
    poll_ids(w, &mut Vec::new())
}

#[test]
fn a_whole_vcenter_is_watched_in_pages_then_by_changes() {
    let sim = Sim::start(InventorySource::DefaultVCenter, false);
    // libvirt refuses a vpx:// URI without a host path; monitoring takes it.
    let whole = format!("vpx://root@{}/?transport=http", sim.addr());
    assert!(Connection::open(&whole, &options("root", "password")).is_err());
    let conn = Connection::open_for_monitoring(&whole, &options("root", "password")).unwrap();
    assert_eq!(conn.monitor_scope().unwrap(), MonitorScope::Inventory);
    let watched = [
        Watched::new("VirtualMachine", &["name", "runtime.powerState"]),
        Watched::new("HostSystem", &["name"]),
    ];
    let mut w = conn.watch_inventory(&watched, 3).unwrap();
    let mut ids = Vec::new();
    let (reset, vms, calls) = poll_ids(&mut w, &mut ids);
    assert!(reset);
    assert_eq!(vms, 8);
    assert!(calls >= 4, "12 objects in answers of 3: {calls} calls");
    assert_eq!(poll(&mut w), (false, 0, 1), "nothing changed");

    // After all sessions end, a read logs in again; the watch notices and starts over.
    sim.sim().expire_sessions();
    assert!(!conn.perf_counter_catalogue().unwrap().is_empty());
    let (reset, vms, _) = poll(&mut w);
    assert!(reset, "a new session's filter starts from the whole state");
    assert_eq!(vms, 8);

    // QueryPerf over a VM that is gone and one that runs: the one that runs answers.
    let vm = |id: &str| ManagedObjectReference::new("VirtualMachine", id);
    let catalogue = conn.perf_counter_catalogue().unwrap();
    let used = catalogue
        .iter()
        .find(|c| c.group_info.key == "cpu" && c.name_info.key == "used")
        .unwrap()
        .key;
    let spec = |e: ManagedObjectReference| PerfQuerySpec {
        entity: e,
        max_sample: Some(1),
        interval_id: Some(20),
        metric_id: vec![PerfMetricId {
            counter_id: used,
            instance: String::new(),
        }],
        ..PerfQuerySpec::default()
    };
    let some = &ids[0];
    let interval = conn.perf_interval(&vm(some)).unwrap().unwrap();
    assert!(interval.realtime);
    assert_eq!(interval.interval_id, 20);
    let got = conn
        .query_perf(&[spec(vm("vm-404")), spec(vm(some))])
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(&got[0].base.entity.value, some);
}

#[test]
fn a_host_path_watches_that_host_only() {
    let sim = Sim::start(InventorySource::DefaultVCenter, false);
    let uri = sim.vpx();
    let conn = Connection::open_for_monitoring(&uri, &options("root", "password")).unwrap();
    let MonitorScope::Host { host, .. } = conn.monitor_scope().unwrap() else {
        panic!("a host path is a host's scope");
    };
    let watched = [
        Watched::new("VirtualMachine", &["name"]),
        Watched::new("HostSystem", &["name"]),
        Watched::new("ComputeResource", &["name"]),
        Watched::new("Datacenter", &["name"]),
    ];
    let mut w = conn.watch_inventory(&watched, 100).unwrap();
    let mut types = Vec::new();
    w.poll(|e| {
        if let WatchEvent::Update(u) = e {
            types.push((u.obj.type_.clone(), u.obj.value.clone()));
        }
    })
    .unwrap();
    let hosts: Vec<_> = types.iter().filter(|(t, _)| t == "HostSystem").collect();
    assert_eq!(hosts, [&("HostSystem".to_string(), host.value.clone())]);
    assert_eq!(
        types.iter().filter(|(t, _)| t == "VirtualMachine").count(),
        2
    );
    assert!(types.iter().any(|(t, _)| t == "ClusterComputeResource"));
    assert!(types.iter().any(|(t, _)| t == "Datacenter"));
}
