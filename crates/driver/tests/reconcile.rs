//! Changes whose answers go astray, against esxsim's fault injection: what is cleaned up and
//! when (only after the server's definitive answer), a task's start sent once, expired
//! sessions renewed before or at a change, a broken task wait settled by asking the server,
//! and VM tasks that answer a pending question.

mod common;

use common::{cached_options, options, tempdir, Sim};
use esxvirt_driver::{Connection, DomainState, ErrorCode, OpenOptions};
use esxvirt_sim::{Action, Injection, InventorySource, SimConfig, Tls};

fn opts() -> OpenOptions {
    options("root", "password")
}

const XML: &str = "<domain type='vmware'>\n  <name>fresh</name>\n  <memory unit='KiB'>262144</memory>\n  <vcpu placement='static'>1</vcpu>\n  <os>\n    <type arch='x86_64'>hvm</type>\n  </os>\n  <devices>\n    <disk type='file' device='disk'>\n      <source file='[datastore1] fresh/disk.vmdk'/>\n      <target dev='sda' bus='scsi'/>\n    </disk>\n  </devices>\n</domain>\n";

#[test]
fn a_define_cleans_up_only_after_the_server_said_no() {
    let files = tempdir("reconcile-define");
    let sim = Sim::start_in(InventorySource::DefaultEsx, false, Some(files.clone()));
    let conn = Connection::open(&sim.esx(), &opts()).expect("open");
    let vmx = files.join("datastore1/fresh/fresh.vmx");

    // The connection breaks before the server registers: the outcome is unknown, so the
    // uploaded .vmx stays (the server might yet register it) and nothing is deleted.
    sim.sim()
        .inject(Injection::method("RegisterVM_Task", Action::Reset).times(1));
    let e = conn.domain_define_xml(XML, 0).unwrap_err();
    assert_eq!(e.code(), ErrorCode::OperationFailed, "{e}");
    assert!(
        e.to_string()
            .contains("the outcome of defining domain 'fresh' is unknown: "),
        "{e}"
    );
    assert!(e
        .to_string()
        .ends_with("check with 'dominfo fresh' before trying again"));
    assert!(vmx.exists(), "the .vmx is kept");
    assert_eq!(sim.sim().stats().method("DeleteDatastoreFile_Task"), 0);
    assert!(conn.domain_lookup_by_name("fresh").is_err());

    // The server refuses the registration: definitive, checked absent, cleaned up.
    sim.sim().inject(
        Injection::method(
            "RegisterVM_Task",
            Action::Fault {
                fault: "InvalidState".into(),
                message: "refused".into(),
            },
        )
        .times(1),
    );
    let e = conn.domain_define_xml(XML, 0).unwrap_err();
    assert!(e.to_string().contains("refused"), "{e}");
    assert!(!vmx.exists(), "the uploaded .vmx is deleted");
    assert_eq!(sim.sim().stats().method("DeleteDatastoreFile_Task"), 1);

    // Registered although the answer was cut: defined, whole, registered once.
    sim.sim()
        .inject(Injection::method("RegisterVM_Task", Action::ResetAfter).times(1));
    let dom = conn.domain_define_xml(XML, 0).expect("reconciled define");
    assert_eq!(dom.get_name(), "fresh");
    assert!(dom
        .get_xml_desc(0)
        .expect("dumpxml")
        .contains("<name>fresh</name>"));
    assert_eq!(sim.sim().stats().method("RegisterVM_Task"), 3);
    // Defining it again fails rather than overwriting.
    let e = conn.domain_define_xml(XML, 0).unwrap_err();
    assert!(e.to_string().contains("already exists"), "{e}");
    assert_eq!(sim.sim().stats().method("RegisterVM_Task"), 3);
}

#[test]
fn a_refused_port_group_takes_its_switch_away_again() {
    let sim = Sim::start(InventorySource::DefaultEsx, false);
    let conn = Connection::open(&sim.esx(), &opts()).expect("open");
    sim.sim().inject(
        Injection::method(
            "AddPortGroup",
            Action::Fault {
                fault: "AlreadyExists".into(),
                message: "port group taken".into(),
            },
        )
        .times(1),
    );
    let xml = "<network>\n  <name>vSwitch9</name>\n  <portgroup name='pg9'/>\n</network>\n";
    let e = conn.network_define_xml(xml, 0).unwrap_err();
    assert!(e.to_string().contains("port group taken"), "{e}");
    assert!(
        conn.network_lookup_by_name("vSwitch9").is_err(),
        "no half network"
    );
    let stats = sim.sim().stats();
    assert_eq!(stats.method("AddVirtualSwitch"), 1);
    assert_eq!(stats.method("RemoveVirtualSwitch"), 1);
    // Without the fault it is defined whole.
    conn.network_define_xml(xml, 0).expect("net-define");
    let x = conn
        .network_lookup_by_name("vSwitch9")
        .expect("vSwitch9")
        .get_xml_desc(0)
        .expect("net-dumpxml");
    assert!(x.contains("<portgroup name='pg9'>"), "{x}");
}

#[test]
fn a_broken_task_wait_is_settled_by_asking_the_server() {
    // Tasks report running for a while, so the wait goes through a property filter.
    let sim = Sim::start_with(SimConfig {
        inventory: InventorySource::DefaultEsx,
        tls: Tls::Off,
        task_delay: std::time::Duration::from_millis(300),
        ..SimConfig::default()
    });
    let conn = Connection::open(&sim.esx(), &opts()).expect("open");
    let db01 = conn.domain_lookup_by_name("db01").expect("db01");
    sim.sim()
        .inject(Injection::method("CreateFilter", Action::Reset).times(1));
    db01.create(0).expect("started; the broken wait reconciled");
    let stats = sim.sim().stats();
    assert_eq!(stats.method("CreateFilter"), 1, "the wait broke");
    assert_eq!(
        stats.method("WaitForUpdatesEx"),
        0,
        "and was not taken up again"
    );
    assert_eq!(stats.method("PowerOnVM_Task"), 1);
    assert_eq!(db01.get_state(0).expect("state").0, DomainState::Running);
}

#[test]
fn expired_sessions_are_renewed_and_the_task_sent_once() {
    let sim = Sim::start(InventorySource::DefaultEsx, false);
    let dir = tempdir("reconcile-cache");
    // A session from the cache that the server ended: renewed by the read before the change.
    Connection::open(&sim.esx(), &cached_options(&dir))
        .expect("open")
        .domain_lookup_by_name("web01")
        .expect("web01");
    sim.sim().expire_sessions();
    let conn = Connection::open(&sim.esx(), &cached_options(&dir)).expect("resume");
    conn.domain_lookup_by_name("web01")
        .expect("web01")
        .destroy(0)
        .expect("destroy after renewal");
    assert_eq!(sim.sim().stats().method("PowerOffVM_Task"), 1);

    // The session ends as the change arrives: refused unacted, renewed, sent once more.
    sim.sim()
        .inject(Injection::method("PowerOnVM_Task", Action::Expire).times(1));
    let web01 = conn.domain_lookup_by_name("web01").expect("web01");
    web01.create(0).expect("start after renewal");
    assert_eq!(web01.get_state(0).expect("state").0, DomainState::Running);
    assert_eq!(sim.sim().stats().method("PowerOnVM_Task"), 2);
}

#[test]
fn a_vm_task_that_answers_a_question_checks_where_the_vm_is() {
    let sim = Sim::start(InventorySource::DefaultEsx, false);
    let plain = Connection::open(&sim.esx(), &opts()).expect("open");
    let blocked = || {
        let e = plain
            .domain_lookup_by_name("serial-test")
            .expect("serial-test")
            .create(0)
            .unwrap_err();
        assert!(e.to_string().contains("Pending question"), "{e}");
    };
    let uri = format!("{}&auto_answer=1", sim.esx());
    let auto = Connection::open(&uri, &opts()).expect("open auto_answer");
    let dom = auto
        .domain_lookup_by_name("serial-test")
        .expect("serial-test");

    // destroy: the answered power-on runs the VM, which destroy then powers off.
    blocked();
    dom.destroy(0).expect("destroy");
    assert_eq!(dom.get_state(0).expect("state").0, DomainState::Shutoff);
    assert_eq!(sim.sim().stats().method("PowerOffVM_Task"), 1);
    assert_eq!(sim.sim().stats().method("AnswerVM"), 1);

    // start: the answered power-on is what start asked for; no second power-on.
    blocked();
    let before = sim.sim().stats().method("PowerOnVM_Task");
    dom.create(0).expect("start");
    assert_eq!(dom.get_state(0).expect("state").0, DomainState::Running);
    assert_eq!(sim.sim().stats().method("PowerOnVM_Task"), before);
}
