//! The connection's object cache against esxsim: every operation that can change an object
//! drops what the connection read of it. Each test reads a value (from the cache where a
//! lookup brought it), changes the object through the driver, and reads again: the new
//! value, and the request counts show the re-read. Each second read is of a kind the first
//! did not make, so a cache that kept its entry would answer it with the old value.

mod common;

use common::{options, Sim};
use esxvirt_driver::{Connection, DomainState, ErrorCode, OpenOptions, TypedParam, TypedValue};
use esxvirt_sim::InventorySource;

fn opts() -> OpenOptions {
    options("root", "password")
}

/// `f`'s result and the number of requests it sent.
fn counted<R>(conn: &Connection, f: impl FnOnce() -> R) -> (R, u64) {
    let before = conn.request_count();
    let r = f();
    (r, conn.request_count() - before)
}

#[test]
fn reconfiguration_drops_the_domain() {
    let sim = Sim::start(InventorySource::DefaultEsx, true);
    let conn = Connection::open(&sim.esx(), &opts()).expect("open");
    let db01 = conn.domain_lookup_by_name("db01").expect("db01");
    let (max, n) = counted(&conn, || db01.get_max_memory().expect("maxmem"));
    assert_eq!((max, n), (8192 * 1024, 0), "the lookup read it");
    db01.set_max_memory(4096 * 1024).expect("setmaxmem");
    let (max, n) = counted(&conn, || db01.get_max_memory().expect("maxmem"));
    assert_eq!((max, n), (4096 * 1024, 1), "read afresh after the change");
    // The scheduler parameters too: read with the lookup, changed, read afresh.
    let db01 = conn.domain_lookup_by_name("db01").expect("db01");
    let shares = |params: &[TypedParam]| {
        params
            .iter()
            .find(|p| p.field == "shares")
            .map(|p| p.value.clone())
    };
    let (before, n) = counted(&conn, || db01.get_scheduler_parameters(0).expect("sched"));
    assert_eq!(n, 0);
    assert_ne!(shares(&before), Some(TypedValue::Int(1234)));
    db01.set_scheduler_parameters(&[TypedParam::new("shares", TypedValue::Int(1234))], 0)
        .expect("schedinfo --set");
    let (after, n) = counted(&conn, || db01.get_scheduler_parameters(0).expect("sched"));
    assert_eq!((shares(&after), n), (Some(TypedValue::Int(1234)), 1));
}

#[test]
fn power_operations_drop_the_domain() {
    let sim = Sim::start(InventorySource::DefaultEsx, true);
    let conn = Connection::open(&sim.esx(), &opts()).expect("open");
    let web01 = conn.domain_lookup_by_name("web01").expect("web01");
    let state = |d: &esxvirt_driver::Domain<'_>| d.get_info().expect("info").state;
    web01.destroy(0).expect("destroy");
    assert_eq!(counted(&conn, || state(&web01)), (DomainState::Shutoff, 1));
    web01.create(0).expect("start");
    assert_eq!(counted(&conn, || state(&web01)), (DomainState::Running, 1));
    web01.suspend().expect("suspend");
    let (s, n) = counted(&conn, || web01.get_state(0).expect("state").0);
    assert_eq!((s, n), (DomainState::Paused, 1));
    web01.resume().expect("resume");
    let (xml, n) = counted(&conn, || web01.get_xml_desc(0).expect("dumpxml"));
    assert!(
        xml.starts_with("<domain type='vmware' id="),
        "running: {xml}"
    );
    assert_eq!(
        n, 2,
        "the VM and its datastores read afresh, then the download"
    );
}

#[test]
fn guest_operations_drop_the_domain() {
    let sim = Sim::start(InventorySource::DefaultEsx, true);
    let conn = Connection::open(&sim.esx(), &opts()).expect("open");
    let web01 = conn.domain_lookup_by_name("web01").expect("web01");
    web01.shutdown(0).expect("shutdown");
    let (info, n) = counted(&conn, || web01.get_info().expect("info"));
    assert_eq!((info.state, n), (DomainState::Shutoff, 1));
    web01.create(0).expect("start");
    web01.reboot(0).expect("reboot");
    let (info, n) = counted(&conn, || web01.get_info().expect("info"));
    assert_eq!((info.state, n), (DomainState::Running, 1));
}

#[test]
fn snapshot_operations_drop_the_domain() {
    let sim = Sim::start(InventorySource::DefaultEsx, true);
    let conn = Connection::open(&sim.esx(), &opts()).expect("open");
    let db01 = conn.domain_lookup_by_name("db01").expect("db01");
    let (names, n) = counted(&conn, || db01.snapshot_list_names(0).expect("list"));
    assert_eq!(n, 0, "the lookup read the tree");
    let first = names.first().expect("db01 has snapshots").clone();
    db01.snapshot_create_xml("<domainsnapshot><name>cached</name></domainsnapshot>", 0)
        .expect("snapshot-create");
    let (current, n) = counted(&conn, || {
        db01.snapshot_current(0)
            .expect("current")
            .get_name()
            .to_string()
    });
    assert_eq!((current.as_str(), n), ("cached", 1));
    db01.snapshot_lookup_by_name(&first, 0)
        .expect("snapshot")
        .revert(0)
        .expect("revert");
    let (current, n) = counted(&conn, || {
        db01.snapshot_current(0)
            .expect("current")
            .get_name()
            .to_string()
    });
    assert_eq!((current, n), (first, 1));
    db01.snapshot_lookup_by_name("cached", 0)
        .expect("snapshot")
        .delete(0)
        .expect("delete");
    let (names, n) = counted(&conn, || db01.snapshot_list_names(0).expect("list"));
    assert!(!names.contains(&"cached".to_string()), "{names:?}");
    assert_eq!(n, 1);
}

#[test]
fn define_and_undefine_drop_the_domain() {
    let sim = Sim::start(InventorySource::DefaultEsx, true);
    let conn = Connection::open(&sim.esx(), &opts()).expect("open");
    let xml = |mib: u32| {
        format!(
            "<domain type='vmware'><name>cached</name><memory unit='KiB'>{}</memory>\
             <vcpu>1</vcpu><os><type>hvm</type></os><devices>\
             <disk type='file' device='disk'><source file='[datastore1] cached/disk.vmdk'/>\
             <target dev='sda' bus='scsi'/></disk>\
             <controller type='scsi' index='0' model='lsilogic'/></devices></domain>",
            mib * 1024
        )
    };
    let dom = conn.domain_define_xml(&xml(256), 0).expect("define");
    let (info, n) = counted(&conn, || dom.get_info().expect("info"));
    assert_eq!(
        (info.max_mem, n),
        (256 * 1024, 0),
        "the define's lookup read it"
    );
    dom.undefine(0).expect("undefine");
    let (e, n) = counted(&conn, || dom.get_max_memory().unwrap_err());
    assert_eq!((e.code(), n), (ErrorCode::NoDomain, 1), "{e}");
    let again = conn.domain_define_xml(&xml(512), 0).expect("define again");
    let (info, n) = counted(&conn, || again.get_info().expect("info"));
    assert_eq!((info.max_mem, n), (512 * 1024, 0));
}

#[test]
fn autostart_drops_the_host_configuration() {
    let sim = Sim::start(InventorySource::DefaultEsx, true);
    let conn = Connection::open(&sim.esx(), &opts()).expect("open");
    let web01 = conn.domain_lookup_by_name("web01").expect("web01");
    let (on, n) = counted(&conn, || web01.get_autostart().expect("autostart"));
    assert_eq!((on, n), (false, 0), "the lookup read the configuration");
    web01.set_autostart(true).expect("autostart");
    let (on, n) = counted(&conn, || web01.get_autostart().expect("autostart"));
    assert_eq!((on, n), (true, 1));
    // Another handle of the VM sees it too, from what that read left.
    let listed = conn.list_all_domains(0).expect("list");
    let listed = listed
        .iter()
        .find(|d| d.get_name() == "web01")
        .expect("web01");
    assert_eq!(
        counted(&conn, || listed.get_autostart().expect("a")),
        (true, 0)
    );
}

#[test]
fn storage_changes_drop_the_datastore() {
    let files = common::tempdir("cache-files");
    let sim = Sim::start_in(InventorySource::DefaultEsx, true, Some(files.clone()));
    let conn = Connection::open(&sim.esx(), &opts()).expect("open");
    let pool = conn
        .storage_pool_lookup_by_name("datastore1")
        .expect("pool");
    let (info, n) = counted(&conn, || pool.get_info().expect("pool-info"));
    assert_eq!(n, 0, "the lookup read the sizes");
    let available = |xml: &str| -> u64 {
        let start = xml.find("<available unit='bytes'>").expect("available") + 24;
        let end = start + xml[start..].find('<').expect("end");
        xml[start..end].parse().expect("a number")
    };
    let vol = pool
        .storage_vol_create_xml(
            "<volume><name>cached/thick.vmdk</name>\
             <capacity unit='M'>64</capacity><allocation unit='M'>64</allocation>\
             <target><format type='vmdk'/></target></volume>",
            0,
        )
        .expect("vol-create");
    let (xml, n) = counted(&conn, || pool.get_xml_desc(0).expect("pool-dumpxml"));
    assert_eq!(n, 1, "read afresh after the volume was made");
    assert!(
        available(&xml) + (64 << 20) <= info.available,
        "{} then {xml}",
        info.available
    );
    vol.delete(0).expect("vol-delete");
    let (after, n) = counted(&conn, || pool.get_info().expect("pool-info"));
    assert_eq!((after.available, n), (info.available, 1));
    // A refresh drops it too (nothing changes in the simulator: the value is the same).
    let (_, n) = counted(&conn, || pool.get_xml_desc(0).expect("xml"));
    assert_eq!(n, 1, "the XML's second read");
    pool.refresh(0).expect("pool-refresh");
    let fresh = conn
        .storage_pool_lookup_by_name("datastore1")
        .expect("pool");
    assert_eq!(
        fresh.get_xml_desc(0).expect("xml"),
        pool.get_xml_desc(0).expect("xml")
    );
    drop(conn);
    drop(sim);
    let _ = std::fs::remove_dir_all(&files);
}

#[test]
fn network_changes_drop_the_host() {
    let sim = Sim::start(InventorySource::DefaultEsx, true);
    let conn = Connection::open(&sim.esx(), &opts()).expect("open");
    let def = "<network><name>vSwitchCached</name><portgroup name='pgcached'/></network>";
    let net = conn.network_define_xml(def, 0).expect("net-define");
    let (xml, n) = counted(&conn, || net.get_xml_desc(0).expect("net-dumpxml"));
    assert!(xml.contains("pgcached"), "{xml}");
    assert_eq!(n, 0, "the define's lookup read the host's networks");
    net.undefine().expect("net-undefine");
    let (e, n) = counted(&conn, || net.get_xml_desc(0).unwrap_err());
    assert_eq!((e.code(), n), (ErrorCode::NoNetwork, 1), "{e}");
}
