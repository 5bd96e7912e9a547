//! The driver against the project's own simulator (esxsim, started in-process on a loopback
//! port): the domain and snapshot walk, round trips per operation (from the connection's
//! request counter), the session cache, expired sessions, bad credentials, a stopped server,
//! define/undefine with awkward names, and `sim:///` through a SimStarter.

mod common;

use std::sync::Arc;

use common::{cached_options, exercise, options, tempdir, Sim};
use esxvirt_driver::{
    flags, Connection, DomainState, ErrorCode, OpenOptions, SimEndpoint, SimStarter, SimTarget,
};
use esxvirt_sim::InventorySource;

fn opts() -> OpenOptions {
    options("root", "password")
}

#[test]
fn esxsim_esx_domains_and_snapshots() {
    let sim = Sim::start(InventorySource::DefaultEsx, true);
    let conn = Connection::open(&sim.esx(), &opts()).expect("open");
    exercise(&conn);
    assert_eq!(conn.get_hostname().expect("hostname"), "esx01.example.com");
    let info = conn.node_get_info().expect("nodeinfo");
    assert!(info.cpus > 0 && info.mhz > 0 && info.memory > 0, "{info:?}");
    assert!(conn
        .get_capabilities()
        .expect("caps")
        .contains("<arch>x86_64</arch>"));
    assert!(conn.node_get_free_memory().expect("freecell") > 0);
}

#[test]
fn esxsim_vcenter_domains_and_snapshots() {
    let sim = Sim::start(InventorySource::DefaultVCenter, false);
    let conn = Connection::open(&sim.vpx(), &opts()).expect("open vpx");
    exercise(&conn);
}

#[test]
fn esxsim_round_trips() {
    let sim = Sim::start(InventorySource::DefaultEsx, true);
    // esx:// cold: login (to the host agent's well-known session manager), one retrieval
    // (which brings the service content along).
    let conn = Connection::open(&sim.esx(), &opts()).expect("open");
    assert_eq!(conn.request_count(), 1, "open: Login");
    let all = conn.list_all_domains(0).expect("list");
    assert_eq!(conn.request_count(), 2, "list --all: one retrieval");
    let name = all[0].get_name().to_string();
    let before = conn.request_count();
    let dom = conn.domain_lookup_by_name(&name).expect("lookup");
    dom.get_info().expect("info");
    assert_eq!(
        conn.request_count() - before,
        2,
        "lookup + info: FindChild and one retrieval, no inventory scan"
    );
    dom.get_info().expect("info again");
    assert_eq!(
        conn.request_count() - before,
        3,
        "a second get_info reads afresh"
    );
    let before = conn.request_count();
    let xml = dom.get_xml_desc(0).expect("dumpxml");
    assert_eq!(
        conn.request_count() - before,
        1,
        "dumpxml after a lookup: the download alone"
    );
    let before = conn.request_count();
    assert_eq!(dom.get_xml_desc(0).expect("dumpxml again"), xml);
    assert_eq!(
        conn.request_count() - before,
        2,
        "dumpxml again: one retrieval + the download"
    );
    let before = conn.request_count();
    conn.node_get_info().expect("nodeinfo");
    assert_eq!(conn.request_count() - before, 1, "nodeinfo");

    // vpx:// cold: one more to resolve the host path.
    let vsim = Sim::start(InventorySource::DefaultVCenter, true);
    let vconn = Connection::open(&vsim.vpx(), &opts()).expect("open vpx");
    assert_eq!(vconn.request_count(), 2, "vpx open: login + host path");
    vconn.list_all_domains(0).expect("list");
    assert_eq!(vconn.request_count(), 3);
}

#[test]
fn esxsim_session_cache() {
    let sim = Sim::start(InventorySource::DefaultEsx, true);
    let dir = tempdir("cache");
    let cached = cached_options(&dir);
    let first = Connection::open(&sim.esx(), &cached).expect("cold open");
    assert_eq!(first.request_count(), 1, "Login");
    drop(first);
    // The cache file is private.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let files: Vec<_> = std::fs::read_dir(&dir).expect("dir").flatten().collect();
        assert_eq!(files.len(), 1);
        let mode = files[0].metadata().expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let warm = Connection::open(&sim.esx(), &cached).expect("warm open");
    assert_eq!(warm.request_count(), 0, "a cached session needs no request");
    warm.list_all_domains(0).expect("list");
    assert_eq!(
        warm.request_count(),
        1,
        "a read with the session cache: one request"
    );
    drop(warm);

    // An expired session is renewed transparently.
    sim.sim().expire_sessions();
    let again = Connection::open(&sim.esx(), &cached).expect("open after expiry");
    let list = again.list_all_domains(0).expect("list after expiry");
    assert!(!list.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn esxsim_cold_reads_need_no_service_content_call() {
    // ESX's session manager, search index and property collector have fixed ids: a cold
    // command logs in at once and its first retrieval brings the service content along.
    let sim = Sim::start(InventorySource::DefaultEsx, true);
    let conn = Connection::open(&sim.esx(), &opts()).expect("open");
    let web01 = conn.domain_lookup_by_name("web01").expect("lookup");
    web01.get_info().expect("info");
    assert!(!web01.get_autostart().expect("autostart"));
    let s = sim.sim().stats();
    assert_eq!(s.soap_requests, 3, "{s:?}");
    assert_eq!(
        (
            s.method("Login"),
            s.method("FindChild"),
            s.method("RetrievePropertiesEx"),
            s.method("RetrieveServiceContent")
        ),
        (1, 1, 1, 0),
        "{s:?}"
    );
    // The product came with that retrieval (and was checked then).
    assert_eq!(conn.get_version().expect("version"), 7_000_003);
    assert_eq!(sim.sim().stats().soap_requests, 3);
    drop(conn);

    // A command that reads nothing leaves the service content unknown; asked for the
    // version, the connection fetches it (one retrieval).
    sim.sim().reset_stats();
    let conn = Connection::open(&sim.esx(), &opts()).expect("open");
    assert_eq!(conn.get_version().expect("version"), 7_000_003);
    let s = sim.sim().stats();
    assert_eq!(
        (s.soap_requests, s.method("RetrievePropertiesEx")),
        (2, 1),
        "{s:?}"
    );
}

#[test]
fn esxsim_session_cached_before_the_service_content() {
    let sim = Sim::start(InventorySource::DefaultEsx, true);
    let dir = tempdir("early-cache");
    let cached = cached_options(&dir);
    // Logged in, nothing read: the session is cached all the same.
    let first = Connection::open(&sim.esx(), &cached).expect("cold open");
    assert_eq!(first.request_count(), 1, "Login");
    drop(first);
    // The next run's first retrieval brings the service content and caches it too.
    let second = Connection::open(&sim.esx(), &cached).expect("warm open");
    assert_eq!(second.request_count(), 0);
    assert!(!second.list_all_domains(0).expect("list").is_empty());
    assert_eq!(second.request_count(), 1, "one retrieval");
    drop(second);
    let third = Connection::open(&sim.esx(), &cached).expect("warm open");
    assert_eq!(third.get_version().expect("version"), 7_000_003);
    assert_eq!(third.request_count(), 0, "the product is cached now");
    drop(third);
    assert_eq!(sim.sim().stats().method("Login"), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn esxsim_errors_are_one_clear_line() {
    let mut sim = Sim::start(InventorySource::DefaultEsx, true);
    let bad = options("root", "wrong");
    let e = Connection::open(&sim.esx(), &bad).unwrap_err();
    assert_eq!(e.code(), ErrorCode::AuthFailed, "{e}");
    assert!(!e.to_string().contains('\n'));

    // Certificates are verified unless no_verify=1: the self-signed one is refused.
    let strict = format!("esx://root@{}/", sim.addr());
    let e = Connection::open(&strict, &opts()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::OperationFailed, "{e}");
    assert!(e.to_string().contains("TLS"), "{e}");
    let conn = Connection::open(&sim.esx(), &opts()).expect("open");
    let e = conn.domain_lookup_by_name("nope").unwrap_err();
    assert_eq!(
        e.to_string(),
        "Domain not found: Could not find domain with name 'nope'"
    );
    let e = conn.domain_lookup_by_id(99999).unwrap_err();
    assert_eq!(e.to_string(), "Domain not found: No domain with ID 99999");
    let e = conn
        .domain_lookup_by_uuid_string("00000000-0000-0000-0000-000000000001")
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Domain not found: Could not find domain with UUID '00000000-0000-0000-0000-000000000001'"
    );
    let url = sim.esx();
    sim.stop();
    let e = Connection::open(&url, &opts()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::OperationFailed, "{e}");
    assert!(e.to_string().contains("connection refused"), "{e}");
    let e = conn.list_all_domains(0).unwrap_err();
    assert!(!e.to_string().contains('\n'), "{e}");
}

/// A small domain to define (the one esxsim's virsh tests define as `newvm`).
const NEW_DOMAIN: &str = include_str!("../../../testdata/fixtures/newvm-domain.xml");

/// [`NEW_DOMAIN`] named `name`, its disk in datastore1's folder `dir`.
fn domain_xml(name: &str, dir: &str) -> String {
    NEW_DOMAIN
        .replace("<name>newvm</name>", &format!("<name>{name}</name>"))
        .replace("newvm/newvm.vmdk", &format!("{dir}/disk.vmdk"))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;")
}

#[test]
fn esxsim_define_undefine_awkward_names() {
    let sim = Sim::start(InventorySource::DefaultEsx, true);
    let conn = Connection::open(&sim.esx(), &opts()).expect("open");
    for (i, name) in ["with space", "ünïcödé", "a/b", "100%", "x&y", "a<b"]
        .iter()
        .enumerate()
    {
        let xml = domain_xml(&xml_escape(name), &format!("awk{i}"));
        let vmx = conn
            .domain_xml_to_native("vmware-vmx", &xml)
            .expect("domxml-to-native");
        assert!(vmx.contains("uuid.bios = \""), "a UUID is generated: {vmx}");
        let dom = conn.domain_define_xml(&xml, 0).expect("define");
        assert_eq!(dom.get_name(), *name);
        let found = conn.domain_lookup_by_name(name).expect("lookup");
        assert_eq!(found.get_uuid_string(), dom.get_uuid_string());
        let back = found.get_xml_desc(0).expect("dumpxml");
        assert!(
            back.contains(&format!("<name>{}</name>", xml_escape(name))),
            "{back}"
        );
        assert_eq!(found.get_state(0).expect("state").0, DomainState::Shutoff);
        // Defining the same name again fails and changes nothing.
        let e = conn.domain_define_xml(&xml, 0).unwrap_err();
        assert!(e.to_string().contains("Domain already exists"), "{e}");
        found.undefine(0).expect("undefine");
        assert!(conn.domain_lookup_by_name(name).is_err());
    }
}

/// `dumpxml` after a lookup maps file names with the datastores the lookup read (the VM's
/// own); a file elsewhere (an ISO on another datastore) still converts as through the full
/// list of the datacenter's datastores.
#[test]
fn esxsim_dumpxml_after_lookup_matches_a_full_read() {
    let sim = Sim::start(InventorySource::DefaultEsx, true);
    let conn = Connection::open(&sim.esx(), &opts()).expect("open");
    let xml = domain_xml("two-stores", "two").replace(
        "    <controller",
        "    <disk type='file' device='cdrom'>\n      <source file='[nfs-iso] images/boot.iso'/>\n      <target dev='hdc' bus='ide'/>\n    </disk>\n    <controller",
    );
    conn.domain_define_xml(&xml, 0).expect("define");
    for name in ["two-stores", "web01", "db01"] {
        let looked_up = conn.domain_lookup_by_name(name).expect("lookup");
        let after_lookup = looked_up.get_xml_desc(0).expect("dumpxml after lookup");
        let listed = conn.list_all_domains(0).expect("list");
        let listed = listed
            .iter()
            .find(|d| d.get_name() == name)
            .expect("listed");
        assert_eq!(
            listed.get_xml_desc(0).expect("dumpxml of a listed handle"),
            after_lookup,
            "{name}"
        );
    }
    let dom = conn.domain_lookup_by_name("two-stores").expect("lookup");
    assert!(dom
        .get_xml_desc(0)
        .expect("xml")
        .contains("<source file='[nfs-iso] images/boot.iso'/>"));
}

/// A lookup by name first asks for the VM the name had last time (kept in the session
/// cache); the answer must be right when that VM is gone, came back as another object, or
/// the remembered object now has another name.
#[test]
fn esxsim_remembered_names_are_checked() {
    let sim = Sim::start(InventorySource::DefaultEsx, true);
    let dir = tempdir("name-hints");
    let cached = cached_options(&dir);
    let run = || Connection::open(&sim.esx(), &cached).expect("open");
    let other = Connection::open(&sim.esx(), &opts()).expect("second client");

    let conn = run();
    // An inactive VM (it is undefined below) and any other one.
    let (name, other_name) = {
        let all = conn.list_all_domains(0).expect("list");
        let inactive = all.iter().find(|d| !d.is_active().expect("active?"));
        let name = inactive.expect("an inactive VM").get_name().to_string();
        let other_vm = all
            .iter()
            .find(|d| d.get_name() != name)
            .expect("another VM");
        (name, other_vm.get_name().to_string())
    };
    let name = name.as_str();
    let vm = conn.domain_lookup_by_name(name).expect("lookup");
    let (uuid, xml) = (vm.get_uuid_string(), vm.get_xml_desc(0).expect("xml"));
    conn.domain_lookup_by_uuid_string(&uuid).expect("by uuid");
    let other_moref = conn
        .domain_lookup_by_name(&other_name)
        .expect("other")
        .managed_object_id()
        .to_string();
    drop(conn);

    // Another client undefines it: the remembered object is gone.
    other
        .domain_lookup_by_name(name)
        .expect("lookup")
        .undefine(0)
        .expect("undefine");
    let conn = run();
    let e = conn.domain_lookup_by_uuid_string(&uuid).unwrap_err();
    assert_eq!(e.code(), ErrorCode::NoDomain);
    let e = conn.domain_lookup_by_name(name).unwrap_err();
    assert_eq!(e.code(), ErrorCode::NoDomain);
    assert_eq!(
        e.to_string(),
        format!("Domain not found: Could not find domain with name '{name}'")
    );
    drop(conn);

    // It defines it again: the name belongs to a new object.
    let again = other.domain_define_xml(&xml, 0).expect("define");
    let conn = run();
    let found = conn.domain_lookup_by_name(name).expect("defined again");
    assert_eq!(found.get_uuid_string(), uuid);
    assert_eq!(found.managed_object_id(), again.managed_object_id());
    let by_uuid = conn
        .domain_lookup_by_uuid_string(&uuid)
        .expect("by uuid again");
    assert_eq!(by_uuid.managed_object_id(), again.managed_object_id());
    let before = conn.request_count();
    conn.domain_lookup_by_name(name).expect("remembered");
    assert_eq!(
        conn.request_count() - before,
        1,
        "remembered: one retrieval"
    );
    drop(conn);

    // The remembered object has another name now (edited here in the cache file: the other
    // VM's object under this name): the lookup notices and finds the right VM all the same.
    let mut edited = 0;
    for entry in std::fs::read_dir(&dir).expect("cache dir") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("cache file");
        let mut v: serde_json::Value = serde_json::from_str(&text).expect("json");
        let names = v["context"]["vm_names"].as_array_mut().expect("vm_names");
        for pair in names.iter_mut() {
            if pair[0] == name {
                pair[1]["value"] = serde_json::Value::String(other_moref.clone());
                edited += 1;
            }
        }
        std::fs::write(&path, v.to_string()).expect("rewrite");
    }
    assert_eq!(edited, 1);
    let conn = run();
    let found = conn
        .domain_lookup_by_name(name)
        .expect("found despite the hint");
    assert_eq!(found.get_uuid_string(), uuid);
    assert_eq!(found.get_name(), name);
    drop(conn);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn esxsim_scheduler_memory_autostart() {
    let sim = Sim::start(InventorySource::DefaultEsx, true);
    let conn = Connection::open(&sim.esx(), &opts()).expect("open");
    let all = conn
        .list_all_domains(flags::list_domains::INACTIVE)
        .expect("inactive");
    let dom = all.first().expect("an inactive VM");
    use esxvirt_driver::{TypedParam, TypedValue};
    dom.set_scheduler_parameters(
        &[
            TypedParam::new("reservation", TypedValue::LLong(100)),
            TypedParam::new("limit", TypedValue::LLong(-1)),
            TypedParam::new("shares", TypedValue::Int(-3)),
        ],
        0,
    )
    .expect("schedinfo --set");
    let p = dom.get_scheduler_parameters(0).expect("schedinfo");
    assert!(
        p.contains(&TypedParam::new("reservation", TypedValue::LLong(100))),
        "{p:?}"
    );
    assert!(
        p.contains(&TypedParam::new("shares", TypedValue::Int(-3))),
        "{p:?}"
    );
    dom.set_memory_parameters(
        &[TypedParam::new("min_guarantee", TypedValue::ULLong(65536))],
        0,
    )
    .expect("memtune");
    // As through libvirt's public API (and virsh), the query itself is refused by ESX.
    assert_eq!(
        dom.get_memory_parameters(0).unwrap_err().to_string(),
        "unsupported flags (0x4) in function esxDomainGetMemoryParameters"
    );
    dom.set_max_memory(524288).expect("setmaxmem");
    assert_eq!(dom.get_max_memory().expect("maxmem"), 524288);
    dom.set_memory(262144, 0).expect("setmem");
    assert_eq!(dom.get_info().expect("info").memory, 262144);
    dom.set_autostart(true).expect("autostart");
    assert!(dom.get_autostart().expect("autostart?"));
    let auto = conn
        .list_all_domains(flags::list_domains::AUTOSTART)
        .expect("list --autostart");
    assert!(auto.iter().any(|d| d.get_name() == dom.get_name()));
    dom.set_autostart(false).expect("autostart --disable");
    assert!(!dom.get_autostart().expect("autostart?"));
}

/// A starter for `sim:///` that runs esxsim on a runtime it owns.
struct Starter;
impl SimStarter for Starter {
    fn start(&self, _target: &SimTarget) -> Result<SimEndpoint, String> {
        let sim = Sim::start(InventorySource::DefaultEsx, false);
        Ok(SimEndpoint {
            sdk_url: format!("http://{}/sdk", sim.addr()),
            username: "root".into(),
            password: "password".into(),
            guard: Box::new(sim),
        })
    }
}

#[test]
fn esxsim_sim_uri_through_starter() {
    let o = OpenOptions {
        sim: Some(Arc::new(Starter)),
        ..Default::default()
    };
    let conn = Connection::open("sim:///default", &o).expect("sim:///default");
    assert!(!conn.list_all_domains(0).expect("list").is_empty());
    assert_eq!(conn.get_uri(), "sim:///default");
    let e = Connection::open("sim:///default", &OpenOptions::default()).unwrap_err();
    assert!(e.to_string().contains("embedded simulator"), "{e}");
}

#[test]
fn esxsim_networks_and_interfaces() {
    let sim = Sim::start(InventorySource::DefaultEsx, true);
    let conn = Connection::open(&sim.esx(), &opts()).expect("open");
    let nets = conn.list_all_networks(0).expect("net-list");
    let names: Vec<&str> = nets.iter().map(|n| n.get_name()).collect();
    assert!(names.contains(&"vSwitch0"), "{names:?}");
    let n = conn.network_lookup_by_name("vSwitch0").expect("lookup");
    let by_uuid = conn
        .network_lookup_by_uuid_string(&n.get_uuid_string())
        .expect("net-uuid");
    assert_eq!(by_uuid.get_name(), "vSwitch0");
    let xml = n.get_xml_desc(0).expect("net-dumpxml");
    assert!(
        xml.starts_with("<network>") && xml.contains("<name>vSwitch0</name>"),
        "{xml}"
    );
    assert!(xml.contains("<portgroup name='VM Network'"), "{xml}");

    let def = "<network><name>vSwitchTest</name><portgroup name='pgtest'/></network>";
    let created = conn.network_define_xml(def, 0).expect("net-define");
    assert_eq!(created.get_name(), "vSwitchTest");
    let e = conn.network_define_xml(def, 0).unwrap_err();
    assert!(e.to_string().contains("already exists"), "{e}");
    created.undefine().expect("net-undefine");
    assert!(conn.network_lookup_by_name("vSwitchTest").is_err());
    let e = conn.network_lookup_by_name("nope").unwrap_err();
    assert_eq!(
        e.to_string(),
        "Network not found: Could not find HostVirtualSwitch with name 'nope'"
    );

    let ifaces = conn.list_all_interfaces(0).expect("iface-list");
    assert!(!ifaces.is_empty());
    let first = &ifaces[0];
    let by_mac = conn
        .interface_lookup_by_mac_string(first.get_mac_string())
        .expect("iface-name");
    assert_eq!(by_mac.get_name(), first.get_name());
    let x = first.get_xml_desc(0).expect("iface-dumpxml");
    assert!(x.starts_with("<interface type='ethernet'"), "{x}");
    // By name (what libvirt 9.0 means; it looks names up among the MAC addresses).
    let e = conn.interface_lookup_by_name("nonic").unwrap_err();
    assert_eq!(
        e.to_string(),
        "Interface not found: Could not find physical NIC with name 'nonic'"
    );
    for name in [
        first.get_name().to_string(),
        first.get_name().to_uppercase(),
    ] {
        let by_name = conn.interface_lookup_by_name(&name).expect("by name");
        assert_eq!(by_name.get_mac_string(), first.get_mac_string());
        assert_eq!(by_name.get_name(), first.get_name());
    }
    // A MAC address is no name.
    assert!(conn
        .interface_lookup_by_name(first.get_mac_string())
        .is_err());
}

#[test]
fn esxsim_storage_pools_and_volumes() {
    let sim = Sim::start(InventorySource::DefaultEsx, true);
    let conn = Connection::open(&sim.esx(), &opts()).expect("open");
    let pools = conn.list_all_storage_pools(0).expect("pool-list");
    let names: Vec<&str> = pools.iter().map(|p| p.get_name()).collect();
    assert!(
        names.contains(&"datastore1") && names.contains(&"nfs-iso"),
        "{names:?}"
    );
    let pool = conn
        .storage_pool_lookup_by_name("datastore1")
        .expect("lookup");
    let again = conn
        .storage_pool_lookup_by_uuid_string(&pool.get_uuid_string())
        .expect("pool-uuid");
    assert_eq!(again.get_name(), "datastore1");
    let info = pool.get_info().expect("pool-info");
    assert!(
        info.capacity > 0 && info.available <= info.capacity,
        "{info:?}"
    );
    let xml = pool.get_xml_desc(0).expect("pool-dumpxml");
    assert!(xml.starts_with("<pool type='fs'>"), "{xml}");
    let nfs = conn
        .storage_pool_lookup_by_name("nfs-iso")
        .expect("nfs")
        .get_xml_desc(0)
        .expect("nfs xml");
    assert!(
        nfs.starts_with("<pool type='netfs'>") && nfs.contains("<dir path='/export/iso'/>"),
        "{nfs}"
    );
    pool.refresh(0).expect("pool-refresh");

    let vols = pool.list_volumes().expect("vol-list");
    assert!(vols.iter().any(|v| v.ends_with(".vmdk")), "{vols:?}");
    let new = pool
        .storage_vol_create_xml(
            "<volume><name>newdir/new.vmdk</name><capacity unit='M'>10</capacity>\
             <allocation>0</allocation><target><format type='vmdk'/></target></volume>",
            0,
        )
        .expect("vol-create");
    assert_eq!(
        new.get_path().expect("path"),
        "[datastore1] newdir/new.vmdk"
    );
    let vi = new.get_info().expect("vol-info");
    assert_eq!(vi.capacity, 10 * 1024 * 1024);
    let vx = new.get_xml_desc(0).expect("vol-dumpxml");
    assert!(vx.contains("<format type='vmdk'/>"), "{vx}");
    let by_path = conn
        .storage_vol_lookup_by_path("[datastore1] newdir/new.vmdk")
        .expect("vol lookup by path");
    assert_eq!(by_path.get_key(), new.get_key());
    let clone = pool
        .storage_vol_create_xml_from(
            "<volume><name>clonedir/clone.vmdk</name><capacity>0</capacity>\
             <target><format type='vmdk'/></target></volume>",
            &new,
            0,
        )
        .expect("vol-create-from");
    clone.wipe(0).expect("vol-wipe");
    clone.delete(0).expect("vol-delete");
    new.delete(0).expect("vol-delete");
    assert!(conn
        .storage_vol_lookup_by_path("[datastore1] newdir/new.vmdk")
        .is_err());
    let e = conn.storage_pool_lookup_by_name("nope").unwrap_err();
    assert_eq!(
        e.to_string(),
        "Storage pool not found: Could not find storage pool with name 'nope'"
    );
}

#[test]
fn esxsim_questions_follow_auto_answer() {
    let sim = Sim::start(InventorySource::DefaultEsx, true);
    // auto_answer=0: the power-on blocks on the question; the error names the question and
    // its answers, and the next task is not started while the question is pending.
    let conn = Connection::open(&sim.esx(), &opts()).expect("open");
    let dom = conn
        .domain_lookup_by_name("serial-test")
        .expect("serial-test");
    if dom.get_state(0).expect("state").0 != DomainState::Shutoff {
        dom.destroy(0).expect("destroy");
    }
    let e = dom.create(0).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("Pending question blocks virtual machine execution, question is '"),
        "{msg}"
    );
    assert!(msg.contains("possible answers are"), "{msg}");
    let e = dom.create(0).unwrap_err();
    assert!(e.to_string().contains("Pending question"), "{e}");

    // auto_answer=1: the pending question is answered with its default answer.
    let uri = format!("esx://root@{}/?no_verify=1&auto_answer=1", sim.addr());
    let conn = Connection::open(&uri, &opts()).expect("open auto_answer");
    let dom = conn
        .domain_lookup_by_name("serial-test")
        .expect("serial-test");
    dom.create(0).expect("the pending question is answered");
    let state = dom.get_state(0).expect("state").0;
    assert_eq!(state, DomainState::Running, "answered power-on runs");
    // A question raised while waiting for a new power-on is answered too.
    dom.destroy(0).expect("destroy");
    dom.create(0).expect("power-on with auto_answer=1");
    assert_eq!(dom.get_state(0).expect("state").0, DomainState::Running);
}

#[test]
fn esxsim_faults_leave_nothing_behind() {
    use esxvirt_sim::{Action, Injection};
    let files = tempdir("faults-files");
    let sim = Sim::start_in(InventorySource::DefaultEsx, true, Some(files.clone()));
    let conn = Connection::open(&sim.esx(), &opts()).expect("open");
    // RegisterVM fails: the define fails and no VM (nor its uploaded .vmx) is left.
    sim.sim().inject(Injection::method(
        "RegisterVM_Task",
        Action::Fault {
            fault: "InvalidState".into(),
            message: "injected".into(),
        },
    ));
    let xml = domain_xml("halfway", "halfway");
    let e = conn.domain_define_xml(&xml, 0).unwrap_err();
    assert!(!e.to_string().contains('\n'), "{e}");
    sim.sim().clear_injections();
    assert!(conn.domain_lookup_by_name("halfway").is_err());
    let pool = conn
        .storage_pool_lookup_by_name("datastore1")
        .expect("pool");
    assert!(
        !pool
            .list_volumes()
            .expect("vols")
            .iter()
            .any(|v| v.starts_with("halfway/halfway.vmx")),
        "the .vmx was removed"
    );
    // Transport faults: one clear line each, and the connection still works afterwards.
    for action in [
        Action::Http { status: 503 },
        Action::Reset,
        Action::Truncate,
    ] {
        sim.sim()
            .inject(Injection::method("RetrievePropertiesEx", action.clone()));
        let e = conn.list_all_domains(0).unwrap_err();
        let msg = e.to_string();
        assert!(!msg.contains('\n') && !msg.is_empty(), "{action:?}: {msg}");
        sim.sim().clear_injections();
    }
    assert!(!conn.list_all_domains(0).expect("list again").is_empty());
    drop(conn);
    drop(sim);
    let _ = std::fs::remove_dir_all(&files);
}

#[test]
fn esxsim_round_trips_of_read_commands() {
    let sim = Sim::start(InventorySource::DefaultEsx, true);
    let dir = tempdir("rtt-cache");
    let cached = cached_options(&dir);
    let conn = Connection::open(&sim.esx(), &cached).expect("open");
    let count = |f: &dyn Fn()| {
        let before = conn.request_count();
        f();
        conn.request_count() - before
    };
    let dominfo = |name: &str| {
        let d = conn.domain_lookup_by_name(name).expect("lookup");
        d.get_info().expect("info");
        d.is_persistent().expect("persistent");
        let autostart = d.get_autostart().expect("autostart");
        assert!(!d.has_managed_save_image(0).expect("managed save"));
        autostart
    };
    // The first lookup of a session asks the host for its AutoStartManager in the VM's
    // retrieval, and, an ESX host's having a fixed id, that manager's configuration too
    // (used because the host names it); afterwards (also in the next run, through the
    // session cache) the VM itself is asked for by the object the name had last time.
    assert_eq!(
        count(&|| assert!(!dominfo("web01"))),
        2,
        "dominfo, first: FindChild + retrieval"
    );
    assert_eq!(
        count(&|| assert!(!dominfo("web01"))),
        1,
        "dominfo: one retrieval"
    );
    drop(conn);
    let conn = Connection::open(&sim.esx(), &cached).expect("warm open");
    assert_eq!(conn.request_count(), 0);
    let web01 = conn.domain_lookup_by_name("web01").expect("lookup");
    assert!(!web01.get_autostart().expect("autostart"));
    assert_eq!(conn.request_count(), 1, "warm dominfo: one retrieval");
    // The prefetched flag follows a change made through the handle.
    web01.set_autostart(true).expect("autostart");
    assert!(web01.get_autostart().expect("autostart"));
    let again = conn.domain_lookup_by_name("web01").expect("lookup");
    assert!(again.get_autostart().expect("autostart (prefetched)"));
    web01.set_autostart(false).expect("autostart --disable");

    // screenshot: the host's capability came with the session's first lookup and is
    // kept; then the lookup and the /screen download.
    let shot = |conn: &Connection| {
        let before = conn.request_count();
        let d = conn.domain_lookup_by_name("web01").expect("lookup");
        let png = d.screenshot(0, 0).expect("screenshot");
        assert!(!png.data.is_empty());
        conn.request_count() - before
    };
    assert_eq!(shot(&conn), 2, "screenshot: lookup + download");
    assert_eq!(shot(&conn), 2, "screenshot again: lookup + download");
    // Without a session cache: Login, then FindChild, the lookup (with the capability)
    // and the download.
    let cold = Connection::open(&sim.esx(), &opts()).expect("cold open");
    assert_eq!(cold.request_count(), 1, "Login");
    assert_eq!(shot(&cold), 3, "cold screenshot");
    drop(cold);

    // By UUID: the search index, then the VM; by ID: the VM object itself.
    let uuid = web01.get_uuid_string();
    let before = conn.request_count();
    let d = conn.domain_lookup_by_uuid_string(&uuid).expect("by uuid");
    d.get_info().expect("info");
    assert_eq!(conn.request_count() - before, 2, "lookup by UUID");
    assert_eq!(d.get_name(), "web01");
    let before = conn.request_count();
    let d = conn.domain_lookup_by_uuid_string(&uuid).expect("by uuid");
    assert_eq!(
        conn.request_count() - before,
        1,
        "lookup by a remembered UUID"
    );
    assert_eq!(d.get_name(), "web01");
    let running = conn
        .list_all_domains(flags::list_domains::ACTIVE)
        .expect("active");
    let id = running[0].get_id().expect("id") as i32;
    let before = conn.request_count();
    let d = conn.domain_lookup_by_id(id).expect("by id");
    assert_eq!(conn.request_count() - before, 1, "lookup by ID");
    assert_eq!(d.get_name(), running[0].get_name());
    assert_eq!(
        conn.domain_lookup_by_id(99999).unwrap_err().to_string(),
        "Domain not found: No domain with ID 99999"
    );
    assert_eq!(
        conn.domain_lookup_by_uuid_string("00000000-0000-0000-0000-000000000001")
            .unwrap_err()
            .to_string(),
        "Domain not found: Could not find domain with UUID '00000000-0000-0000-0000-000000000001'"
    );
    // An inactive VM has no ID.
    let inactive = conn
        .list_all_domains(flags::list_domains::INACTIVE)
        .expect("inactive");
    let n: i32 = inactive[0]
        .managed_object_id()
        .parse()
        .expect("numeric moref");
    assert!(conn.domain_lookup_by_id(n).is_err());

    // Snapshot queries: the lookup's retrieval brought the tree, whatever is asked.
    let db01 = conn.domain_lookup_by_name("db01").expect("db01");
    let before = conn.request_count();
    let names = db01.snapshot_list_names(0).expect("snapshot-list");
    assert!(!names.is_empty());
    for n in &names {
        let s = db01.snapshot_lookup_by_name(n, 0).expect("snapshot");
        s.get_xml_desc(0).expect("snapshot-dumpxml");
        let _ = s.get_parent(0);
        s.is_current(0).expect("current?");
    }
    let current = db01.snapshot_current(0).expect("snapshot-current");
    current.get_xml_desc(0).expect("xml");
    assert_eq!(conn.request_count() - before, 0, "snapshot queries");
    // So did it the scheduler parameters.
    let before = conn.request_count();
    let sched = db01.get_scheduler_parameters(0).expect("schedinfo");
    assert_eq!(conn.request_count() - before, 0, "schedinfo");
    // A listed handle (nothing prefetched) reads the same values afresh.
    let listed = conn.list_all_domains(0).expect("list");
    let listed = listed
        .iter()
        .find(|d| d.get_name() == "db01")
        .expect("db01 listed");
    let before = conn.request_count();
    assert_eq!(
        listed.get_scheduler_parameters(0).expect("schedinfo"),
        sched
    );
    assert_eq!(
        listed.snapshot_list_names(0).expect("snapshot-list"),
        db01.snapshot_list_names(0).expect("snapshot-list")
    );
    assert_eq!(conn.request_count() - before, 2);
    // A snapshot made through the handle is seen at once.
    let before_names = names.len();
    db01.snapshot_create_xml("<domainsnapshot><name>rtt</name></domainsnapshot>", 0)
        .expect("snapshot-create");
    let names = db01.snapshot_list_names(0).expect("snapshot-list");
    assert_eq!(names.len(), before_names + 1);
    assert_eq!(db01.snapshot_current(0).expect("current").get_name(), "rtt");

    // pool-info / pool-dumpxml: the lookup's retrieval answers the first query.
    let before = conn.request_count();
    let pool = conn
        .storage_pool_lookup_by_name("datastore1")
        .expect("pool");
    let info = pool.get_info().expect("pool-info");
    assert_eq!(conn.request_count() - before, 1, "pool-info");
    assert_eq!(pool.get_info().expect("pool-info again"), info);
    let before = conn.request_count();
    let pool = conn
        .storage_pool_lookup_by_name("datastore1")
        .expect("pool");
    let xml = pool.get_xml_desc(0).expect("pool-dumpxml");
    assert_eq!(conn.request_count() - before, 1, "pool-dumpxml");
    assert_eq!(pool.get_xml_desc(0).expect("pool-dumpxml again"), xml);
    // pool-list --all: datastores and iSCSI targets in one retrieval.
    let before = conn.request_count();
    let pools = conn.list_all_storage_pools(0).expect("pool-list");
    assert!(pools.iter().any(|p| p.get_name() == "datastore1"));
    assert_eq!(conn.request_count() - before, 1, "pool-list --all");
    // net-dumpxml and iface-dumpxml: the lookup read what the XML needs.
    let before = conn.request_count();
    let net = conn.network_lookup_by_name("vSwitch0").expect("network");
    let net_xml = net.get_xml_desc(0).expect("net-dumpxml");
    assert_eq!(conn.request_count() - before, 1, "net-dumpxml");
    assert_eq!(net.get_xml_desc(0).expect("net-dumpxml again"), net_xml);
    let nics = conn.list_all_interfaces(0).expect("iface-list");
    let mac = nics[0].get_mac_string().to_string();
    let before = conn.request_count();
    let nic = conn.interface_lookup_by_mac_string(&mac).expect("iface");
    let nic_xml = nic.get_xml_desc(0).expect("iface-dumpxml");
    assert_eq!(conn.request_count() - before, 1, "iface-dumpxml");
    assert_eq!(nic.get_xml_desc(0).expect("iface-dumpxml again"), nic_xml);
    drop(conn);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn esxsim_round_trips_of_volume_commands() {
    let sim = Sim::start(InventorySource::DefaultEsx, true);
    let dir = tempdir("rtt-vols");
    let cached = cached_options(&dir);
    // A first command leaves the session in the cache, and with it the host's context
    // (the datacenter a disk's UUID query names).
    let cold = Connection::open(&sim.esx(), &cached).expect("cold open");
    let tiny = cold
        .storage_pool_lookup_by_name("datastore1")
        .expect("pool")
        .storage_vol_lookup_by_name("tiny/tiny.vmdk")
        .expect("by name");
    assert_eq!(tiny.get_key().len(), 36, "{}", tiny.get_key());
    drop(cold);
    let conn = Connection::open(&sim.esx(), &cached).expect("warm open");
    assert_eq!(conn.request_count(), 0, "a cached session");
    let count = |f: &mut dyn FnMut()| {
        let before = conn.request_count();
        f();
        conn.request_count() - before
    };
    // What each volume is, as handles of a connection of their own (no session cache)
    // find it by path, one lookup each.
    let fresh = Connection::open(&sim.esx(), &opts()).expect("reference open");
    let truth = |path: &str| {
        let v = fresh.storage_vol_lookup_by_path(path).expect("by path");
        let info = v.get_info().expect("info");
        let xml = v.get_xml_desc(0).expect("xml");
        (v.get_name().to_string(), v.get_key().to_string(), info, xml)
    };

    // vol-list --details: the pool's lookup, the search task and its result, whatever
    // the number of volumes; neither the infos nor the paths cost a request.
    let mut vols = Vec::new();
    let mut rows = Vec::new();
    let n = count(&mut || {
        let pool = conn
            .storage_pool_lookup_by_name("datastore1")
            .expect("pool");
        vols = pool.list_all_volumes(0).expect("vol-list");
        rows = vols
            .iter()
            .map(|v| {
                let info = v.get_info().expect("vol info");
                (v.get_path().expect("path"), info)
            })
            .collect();
    });
    assert_eq!(n, 3, "vol-list --details");
    let disks: Vec<&str> = vols
        .iter()
        .map(|v| v.get_name())
        .filter(|n| n.ends_with(".vmdk"))
        .collect();
    assert_eq!(disks.len(), vols.len());
    assert!(disks.len() >= 2, "disks: {disks:?}");
    for (v, (path, info)) in vols.iter().zip(&rows) {
        assert_eq!(path, &format!("[datastore1] {}", v.get_name()));
        let (name, _, want, _) = truth(path);
        assert_eq!(v.get_name(), name);
        assert_eq!(info, &want, "{path}");
        assert!(info.capacity > 0, "{path}: {info:?}");
    }
    // A listed volume's key (a disk's UUID) is asked for when wanted, once.
    let disk = vols
        .iter()
        .find(|v| v.get_name().ends_with(".vmdk"))
        .expect("a disk");
    let disk_path = disk.get_path().expect("path");
    let (disk_name, disk_key, disk_info, disk_xml) = truth(&disk_path);
    let mut key = String::new();
    assert_eq!(count(&mut || key = disk.get_key().to_string()), 1, "key");
    assert_eq!(key, disk_key);
    let groups: Vec<usize> = key.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12], "a UUID: {key}");
    assert_eq!(count(&mut || assert_eq!(disk.get_key(), key)), 0);
    // A second query of a listed handle reads afresh: the search and its result.
    assert_eq!(
        count(&mut || assert_eq!(disk.get_info().expect("info"), disk_info)),
        2,
        "info again"
    );
    // The ISO images of the NFS pool: listed the same way.
    let isos = conn
        .storage_pool_lookup_by_name("nfs-iso")
        .expect("nfs-iso")
        .list_all_volumes(0)
        .expect("vol-list nfs-iso");
    let image = isos
        .iter()
        .find(|v| v.get_name().ends_with(".iso"))
        .expect("an image");
    let image_path = image.get_path().expect("path");
    assert_eq!(
        count(&mut || assert!(image.get_info().expect("info").capacity > 0)),
        0
    );
    assert_eq!(
        count(&mut || assert_eq!(image.get_key(), image_path)),
        0,
        "an image's key is its path"
    );

    // vol-info / vol-dumpxml / vol-path / vol-key --pool: the pool's lookup, then the
    // search (task + result) for the information, the disk's UUID for the key.
    let by_name_in = |pool: &str, name: &str| {
        let pool = conn.storage_pool_lookup_by_name(pool).expect("pool");
        assert!(pool.is_active().expect("active"));
        pool.storage_vol_lookup_by_name(name).expect("by name")
    };
    let by_name = |name: &str| by_name_in("datastore1", name);
    let n = count(&mut || {
        let v = by_name(&disk_name);
        assert_eq!(v.get_info().expect("vol-info"), disk_info);
        assert_eq!(v.get_path().expect("path"), disk_path);
    });
    assert_eq!(n, 3, "vol-info --pool");
    let n = count(&mut || {
        let v = by_name(&disk_name);
        assert_eq!(v.get_xml_desc(0).expect("vol-dumpxml"), disk_xml);
    });
    assert_eq!(n, 4, "vol-dumpxml --pool (a disk)");
    let (image_name, _, _, image_xml) = truth(&image_path);
    let n = count(&mut || {
        let v = by_name_in("nfs-iso", &image_name);
        assert_eq!(v.get_xml_desc(0).expect("vol-dumpxml"), image_xml);
    });
    assert_eq!(n, 3, "vol-dumpxml --pool (an image)");
    let n = count(&mut || assert_eq!(by_name(&disk_name).get_path().expect("p"), disk_path));
    assert_eq!(n, 3, "vol-path --pool: pool, search task + result");
    let n = count(&mut || assert_eq!(by_name(&disk_name).get_key(), disk_key));
    assert_eq!(n, 4, "vol-key --pool: + the UUID query");
    // A missing file fails the lookup by name, as libvirt's does on an ESX host.
    let n = count(&mut || {
        let pool = conn
            .storage_pool_lookup_by_name("datastore1")
            .expect("pool");
        assert_eq!(
            pool.storage_vol_lookup_by_name("tiny/nope.vmdk")
                .map(|_| ())
                .unwrap_err()
                .to_string(),
            "Storage volume not found: No storage volume with key or path \
             '[datastore1] tiny/nope.vmdk'"
        );
    });
    assert_eq!(n, 3, "a missing disk: pool, search task + result");

    // vol-name / vol-info / vol-pool by path: the datastores, the search (task + result),
    // the disk's UUID (a lookup by path fails without it); the handle's information and
    // pool need nothing more.
    let pools = conn.list_all_storage_pools(0).expect("pools");
    let ds1 = pools
        .iter()
        .find(|p| p.get_name() == "datastore1")
        .expect("datastore1");
    let n = count(&mut || {
        let v = conn
            .storage_vol_lookup_by_path(&disk_path)
            .expect("by path");
        assert_eq!(v.get_name(), disk_name);
        assert_eq!(v.get_info().expect("info"), disk_info);
        assert_eq!(v.get_key(), disk_key);
        let p = v.get_pool().expect("vol-pool");
        assert_eq!(p.get_name(), "datastore1");
        assert_eq!(p.get_uuid_string(), ds1.get_uuid_string());
    });
    assert_eq!(n, 4, "by path");
    let n = count(&mut || {
        let v = conn
            .storage_vol_lookup_by_path(&image_path)
            .expect("by path");
        assert_eq!(v.get_key(), image_path);
        assert_eq!(v.get_xml_desc(0).expect("xml"), image_xml);
    });
    assert_eq!(n, 3, "an image by path: no UUID query");
    // In libvirt's words: a missing folder fails the search, a missing datastore is not
    // found.
    assert_eq!(
        conn.storage_vol_lookup_by_path("[datastore1] nope/nope.vmdk")
            .unwrap_err()
            .to_string(),
        "internal error: Could not search in datastore 'datastore1': FileNotFound - \
         File [datastore1] nope was not found"
    );
    assert_eq!(
        conn.storage_vol_lookup_by_path("[nope] x.vmdk")
            .unwrap_err()
            .to_string(),
        "internal error: Could not find datastore with name 'nope'"
    );

    // vol-name / vol-info by key (a disk's UUID): the datastores, then each datastore's
    // search and its disks' UUIDs until one matches; the first disk of the first
    // datastore costs one of each.
    let first_pool = pools[0].get_name().to_string();
    let first_disk = pools[0]
        .list_all_volumes(0)
        .expect("vols")
        .into_iter()
        .find(|v| v.get_name().ends_with(".vmdk"))
        .expect("a disk in the first pool");
    let (first_name, first_key, first_info, _) = truth(&first_disk.get_path().expect("path"));
    let n = count(&mut || {
        let v = conn.storage_vol_lookup_by_key(&first_key).expect("by key");
        assert_eq!(v.get_name(), first_name);
        assert_eq!(v.pool_name(), first_pool);
        assert_eq!(v.get_key(), first_key);
        assert_eq!(v.get_info().expect("info"), first_info);
    });
    assert_eq!(n, 4, "by key: datastores, search task + result, one UUID");
    // A path as a key is a lookup by path.
    let n = count(&mut || {
        let v = conn.storage_vol_lookup_by_key(&disk_path).expect("by key");
        assert_eq!(v.get_key(), disk_key);
    });
    assert_eq!(n, 4, "a path as a key");
    assert_eq!(
        conn.storage_vol_lookup_by_key("[datastore1] tiny/nope.vmdk")
            .unwrap_err()
            .to_string(),
        "Storage volume not found: Could not find storage volume with key \
         '[datastore1] tiny/nope.vmdk'"
    );
    // An iSCSI pool: its lookup (datastores, then the host's iSCSI state) answers the
    // listing and the LUNs' information.
    let iqn = pools
        .iter()
        .find(|p| p.get_name().starts_with("iqn."))
        .expect("an iSCSI pool")
        .get_name()
        .to_string();
    let mut luns = Vec::new();
    let n = count(&mut || {
        let pool = conn.storage_pool_lookup_by_name(&iqn).expect("iSCSI pool");
        luns = pool
            .list_all_volumes(0)
            .expect("vol-list iSCSI")
            .into_iter()
            .map(|v| (v.get_info().expect("LUN info"), v))
            .collect();
    });
    assert_eq!(n, 2, "vol-list --details of an iSCSI pool");
    assert!(!luns.is_empty(), "LUNs of {iqn}");
    for (info, v) in &luns {
        let n = count(&mut || assert_eq!(&v.get_info().expect("again"), info));
        assert_eq!(n, 1, "a LUN's information read afresh");
        assert!(info.capacity > 0, "{info:?}");
        let n = count(&mut || {
            let again = conn
                .storage_pool_lookup_by_name(&iqn)
                .expect("pool")
                .storage_vol_lookup_by_name(v.get_name())
                .expect("LUN by name");
            assert_eq!(&again.get_info().expect("vol-info"), info);
            assert_eq!(again.get_key(), v.get_key());
        });
        assert_eq!(n, 2, "vol-info --pool of a LUN");
        // By its key: the disk UUIDs of the datastores first (none matches), then the
        // host's iSCSI state.
        let by_key = conn
            .storage_vol_lookup_by_key(v.get_key())
            .expect("LUN by key");
        assert_eq!(by_key.get_name(), v.get_name());
        assert_eq!(by_key.pool_name(), iqn);
        assert_eq!(&by_key.get_info().expect("info"), info);
    }
    assert_eq!(
        conn.storage_vol_lookup_by_key("00000000-0000-0000-0000-000000000000")
            .unwrap_err()
            .to_string(),
        "Storage volume not found: Could not find storage volume with key \
         '00000000-0000-0000-0000-000000000000'"
    );
    // Cold, vol-key needs no host context: on a host the UUID query may leave out the
    // datacenter.
    let cold = Connection::open(&sim.esx(), &opts()).expect("cold open");
    let v = cold
        .storage_pool_lookup_by_name("datastore1")
        .expect("pool")
        .storage_vol_lookup_by_name(&disk_name)
        .expect("by name");
    assert_eq!(v.get_key(), disk_key);
    assert_eq!(
        cold.request_count(),
        5,
        "cold vol-key: Login, pool, search (task + result), UUID"
    );
    drop(conn);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn esxsim_vcenter_volume_keys_are_paths() {
    // libvirt asks only an ESX host for disk UUIDs: through a vCenter a volume's key is its
    // path, and a lookup by path looks at nothing.
    let sim = Sim::start(InventorySource::DefaultVCenter, false);
    let conn = Connection::open(&sim.vpx(), &opts()).expect("open vpx");
    let pool = conn
        .storage_pool_lookup_by_name("shared-vmfs")
        .expect("pool");
    let vols = pool.list_all_volumes(0).expect("vol-list");
    assert!(!vols.is_empty());
    let before = conn.request_count();
    for v in &vols {
        assert!(v.get_name().ends_with(".vmdk"), "{}", v.get_name());
        assert_eq!(v.get_key(), v.get_path().expect("path"));
        assert!(v.get_info().expect("info").capacity > 0);
        assert!(v
            .get_xml_desc(0)
            .expect("xml")
            .contains(&format!("<key>{}</key>", v.get_key())));
    }
    let path = vols[0].get_path().expect("path");
    let by_path = conn.storage_vol_lookup_by_path(&path).expect("by path");
    assert_eq!(by_path.get_key(), path);
    assert_eq!(by_path.get_name(), vols[0].get_name());
    let by_key = conn.storage_vol_lookup_by_key(&path).expect("by key");
    assert_eq!(by_key.get_name(), vols[0].get_name());
    let xml_searches = vols.len() as u64 * 2;
    assert_eq!(
        conn.request_count() - before,
        xml_searches,
        "no UUID query, no lookup request; each dumpxml searches afresh"
    );
    let missing = conn
        .storage_vol_lookup_by_path("[shared-vmfs] nope/nope.vmdk")
        .expect("a path is not looked at");
    assert_eq!(
        missing.get_info().unwrap_err().to_string(),
        "internal error: Could not search in datastore 'shared-vmfs': FileNotFound - \
         File [shared-vmfs] nope was not found"
    );
    let missing = conn
        .storage_vol_lookup_by_path("[nope] x.vmdk")
        .expect("a path is not looked at");
    assert_eq!(missing.get_key(), "[nope] x.vmdk");
}
