//! esx:// with `vcenter=`: an ESX simulator on 127.0.0.1:PORT and the vCenter simulator
//! managing it on 127.0.0.2:PORT (same port, as libvirt reaches the vCenter at the host
//! URI's port). Checks libvirt's checks and messages, that destroy, undefine and migrate go
//! through the vCenter (the simulators' per-method counters say which server got them), the
//! request counts, and the session cache of both sessions. In the vCenter, esx-03 is in
//! maintenance mode (a migration there fails validation).

mod common;

#[path = "common/vcenter_pair.rs"]
mod vcenter_pair;

use common::{cached_options, options};
use esxvirt_driver::{flags, Connection, ErrorCode, OpenOptions};
use vcenter_pair::{start_pair, Pair, Setup};

impl Pair {
    fn uri(&self, vcenter: &str) -> String {
        format!(
            "esx://root@127.0.0.1:{}/?no_verify=1&vcenter={vcenter}",
            self.port
        )
    }
    fn plain_uri(&self) -> String {
        format!("esx://root@127.0.0.1:{}/?no_verify=1", self.port)
    }
}

fn opts() -> OpenOptions {
    options("root", "password")
}

/// Opening with each `(vcenter, message)`'s `vcenter=` fails with its message.
fn assert_open_errors(pair: &Pair, cases: &[(&str, &str)]) {
    for (vcenter, message) in cases {
        let e = Connection::open(&pair.uri(vcenter), &opts()).unwrap_err();
        assert_eq!(e.to_string(), *message, "vcenter={vcenter}");
    }
}

#[test]
fn any_vcenter_of_a_managed_host() {
    let pair = start_pair(Setup::Managed);
    let conn = Connection::open(&pair.uri("*"), &opts()).expect("open with vcenter=*");
    assert_eq!(conn.vcenter_address(), Some("127.0.0.2"));
    // The host: login, one retrieval (the host context with the facts libvirt reads, and
    // the service content); the vCenter: login, FindByIp, one retrieval.
    let (esx, vc) = (pair.esx().stats(), pair.vc().stats());
    assert_eq!(esx.soap_requests, 2, "{esx:?}");
    assert_eq!(esx.method("RetrievePropertiesEx"), 1, "{esx:?}");
    assert_eq!(vc.soap_requests, 3, "{vc:?}");
    assert_eq!(vc.method("FindByIp"), 1, "{vc:?}");
    assert_eq!(vc.method("Login"), 1, "{vc:?}");
    assert_eq!(conn.request_count(), 5);
    // Reads go to the host.
    pair.reset();
    let web01 = conn.domain_lookup_by_name("web01").expect("web01");
    web01.get_info().expect("dominfo");
    assert_eq!(pair.vc().stats().soap_requests, 0);

    // destroy and undefine go through the vCenter, as libvirt sends them.
    pair.reset();
    web01.destroy(0).expect("destroy");
    let (esx, vc) = (pair.esx().stats(), pair.vc().stats());
    assert_eq!(vc.method("PowerOffVM_Task"), 1, "{vc:?}");
    assert_eq!(vc.method("FindAllByUuid"), 1, "{vc:?}");
    assert_eq!(esx.method("PowerOffVM_Task"), 0, "{esx:?}");
    assert_eq!(web01.get_id(), None);
    // The vCenter's copy is off now (the two simulators do not share their state).
    assert_eq!(
        web01.destroy(0).unwrap_err().to_string(),
        "Requested operation is not valid: Domain is not powered on"
    );
    pair.reset();
    let db01 = conn.domain_lookup_by_name("db01").expect("db01");
    db01.undefine(0).expect("undefine");
    let (esx, vc) = (pair.esx().stats(), pair.vc().stats());
    assert_eq!(vc.method("UnregisterVM"), 1, "{vc:?}");
    assert_eq!(esx.method("UnregisterVM"), 0, "{esx:?}");
    // Gone from the vCenter, still on the host: the vCenter's lookup by UUID fails.
    assert_eq!(
        db01.undefine(0).unwrap_err().to_string(),
        format!(
            "Domain not found: Could not find domain with UUID '{}'",
            db01.get_uuid_string()
        )
    );
}

#[test]
fn named_vcenter_must_be_the_managing_one() {
    let pair = start_pair(Setup::Managed);
    let conn = Connection::open(&pair.uri("127.0.0.2"), &opts()).expect("vcenter=127.0.0.2");
    assert_eq!(conn.vcenter_address(), Some("127.0.0.2"));
    drop(conn);
    assert_open_errors(
        &pair,
        &[
            ("127.0.0.3", "internal error: This host is managed by a vCenter with IP address 127.0.0.2, but a mismatching vCenter '127.0.0.3' (127.0.0.3) has been specified"),
            // The name is resolved to an IPv4 address first.
            ("localhost", "internal error: This host is managed by a vCenter with IP address 127.0.0.2, but a mismatching vCenter 'localhost' (127.0.0.1) has been specified"),
            ("", "internal error: IP address lookup for host '' failed: Name or service not known"),
        ],
    );
    // Nothing reached the vCenter.
    assert_eq!(pair.vc().stats().soap_requests, 3, "only the first open");
}

#[test]
fn unmanaged_host_and_wrong_products() {
    let pair = start_pair(Setup::Unmanaged);
    let e = Connection::open(&pair.uri("*"), &opts()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InternalError);
    assert_eq!(
        e.to_string(),
        "internal error: This host is not managed by a vCenter"
    );
    assert_open_errors(
        &pair,
        &[
            // A named vCenter is taken as it is for an unmanaged host; here it is the host itself.
            ("127.0.0.1", "internal error: Expecting '127.0.0.1' to be a vCenter/VPX host but found a ESX(i) host"),
            // A vCenter that does not know the host (libvirt 9.0 crashes here).
            ("127.0.0.2", "internal error: Could not find a host system with IP address '127.0.0.1' in vCenter '127.0.0.2'"),
        ],
    );
    assert_eq!(pair.vc().stats().method("FindByIp"), 1);
}

#[test]
fn without_vcenter_nothing_changes() {
    let pair = start_pair(Setup::Managed);
    let conn = Connection::open(&pair.plain_uri(), &opts()).expect("open");
    assert_eq!(conn.request_count(), 1, "Login");
    assert_eq!(conn.vcenter_address(), None);
    conn.list_all_domains(0).expect("list");
    assert_eq!(conn.request_count(), 2, "list --all: one retrieval");
    let web01 = conn.domain_lookup_by_name("web01").expect("web01");
    web01.destroy(0).expect("destroy on the host");
    assert_eq!(pair.esx().stats().method("PowerOffVM_Task"), 1);
    assert_eq!(pair.vc().stats().soap_requests, 0);
    // Migration needs a vCenter on both sides (libvirt: no migration protocol applies).
    let dest = Connection::open(&pair.vpx("esx-02.example.com"), &opts()).expect("vpx dest");
    let db01 = conn.domain_lookup_by_name("db01").expect("db01");
    let e = db01.migrate(&dest, 0, None, 0).unwrap_err();
    assert_eq!(e.code(), ErrorCode::NoSupport);
    assert_eq!(
        e.to_string(),
        "this function is not supported by the connection driver: virDomainMigrate3"
    );
}

#[test]
fn migration_from_esx_goes_through_the_vcenter() {
    let pair = start_pair(Setup::Managed);
    let conn = Connection::open(&pair.uri("*"), &opts()).expect("open");
    let dest = Connection::open(&pair.vpx("esx-02.example.com"), &opts()).expect("dest");
    let web01 = conn.domain_lookup_by_name("web01").expect("web01");
    assert_eq!(
        web01
            .migrate(&dest, flags::migrate::LIVE, Some("renamed"), 0)
            .unwrap_err()
            .to_string(),
        "invalid argument: Renaming domains on migration not supported"
    );
    assert_eq!(
        web01
            .migrate(&dest, 1 << 2, None, 0)
            .unwrap_err()
            .to_string(),
        "unsupported flags (0x4) in function esxDomainMigratePrepare"
    );
    let blocked = Connection::open(&pair.vpx("esx-03.example.com"), &opts()).expect("dest 3");
    assert_eq!(
        web01.migrate(&blocked, 0, None, 0).unwrap_err().to_string(),
        "internal error: Could not migrate domain, validation reported a problem: The host 'esx-03.example.com' is in maintenance mode"
    );
    pair.reset();
    let moved = web01
        .migrate(&dest, flags::migrate::LIVE, None, 0)
        .expect("migrate");
    assert_eq!(moved.get_name(), "web01");
    assert_eq!(moved.get_uuid_string(), web01.get_uuid_string());
    let (esx, vc) = (pair.esx().stats(), pair.vc().stats());
    assert_eq!(vc.method("ValidateMigration"), 1, "{vc:?}");
    assert_eq!(vc.method("MigrateVM_Task"), 1, "{vc:?}");
    assert_eq!(esx.method("MigrateVM_Task"), 0, "{esx:?}");
    // The host is only asked whether it supports vMotion.
    assert_eq!(esx.soap_requests, 1, "{esx:?}");
    // The esx:// side can be the destination too: the vCenter moves it back.
    let back = moved.migrate(&conn, 0, None, 0).expect("migrate back");
    assert_eq!(back.get_name(), "web01");
    assert_eq!(pair.vc().stats().method("MigrateVM_Task"), 2);
    // Another vCenter address is another vCenter.
    let other = Connection::open(
        &format!(
            "vpx://root@localhost:{}/dc1/cluster1/esx-02.example.com?no_verify=1",
            pair.port
        ),
        &opts(),
    );
    // localhost is the ESX simulator: not a vCenter at all.
    assert_eq!(
        other.unwrap_err().to_string(),
        "internal error: Expecting 'localhost' to be a vCenter/VPX host but found a ESX(i) host"
    );
}

#[test]
fn both_sessions_are_cached() {
    let pair = start_pair(Setup::Managed);
    let dir = pair.dir.join("cache");
    let cached = cached_options(&dir);
    let cold = Connection::open(&pair.uri("*"), &cached).expect("cold");
    assert_eq!(cold.request_count(), 5);
    drop(cold);
    let warm = Connection::open(&pair.uri("*"), &cached).expect("warm");
    assert_eq!(warm.request_count(), 0, "both sessions and contexts cached");
    let web01 = warm.domain_lookup_by_name("web01").expect("web01");
    web01.get_info().expect("dominfo");
    pair.reset();
    web01.destroy(0).expect("destroy");
    assert_eq!(pair.vc().stats().method("PowerOffVM_Task"), 1);
    assert_eq!(pair.vc().stats().method("Login"), 0);
    drop(warm);
    // A plain esx:// connection shares the host session, and still costs nothing more.
    let plain = Connection::open(&pair.plain_uri(), &cached).expect("plain");
    assert_eq!(plain.request_count(), 0);
    drop(plain);
    // A mismatch against remembered facts is checked against the host once more.
    pair.reset();
    assert_eq!(
        Connection::open(&pair.uri("127.0.0.3"), &cached)
            .unwrap_err()
            .to_string(),
        "internal error: This host is managed by a vCenter with IP address 127.0.0.2, but a mismatching vCenter '127.0.0.3' (127.0.0.3) has been specified"
    );
    assert_eq!(pair.esx().stats().soap_requests, 1, "one fresh read");
    assert_eq!(pair.vc().stats().soap_requests, 0);
    // Expired sessions on both servers are renewed transparently.
    pair.esx().expire_sessions();
    pair.vc().expire_sessions();
    let again = Connection::open(&pair.uri("*"), &cached).expect("after expiry");
    let db01 = again.domain_lookup_by_name("db01").expect("db01");
    db01.undefine(0).expect("undefine after expiry");
    assert_eq!(pair.vc().stats().method("UnregisterVM"), 1);
}
