//! Lifecycle events against esxsim (in-process on a loopback port): one connection holds the
//! event stream while a second one starts, suspends, resumes, stops, undefines and defines a
//! VM; the stream must report exactly libvirt's lifecycle events, in order, on esx:// and on
//! vpx://; a domain filter, a deadline, an interrupt and the filter's removal.

mod common;

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use common::options;
use common::Sim;
use esxvirt_driver::{Connection, Domain, DomainEventStream, EventWait, OpenOptions};
use esxvirt_sim::InventorySource;
use esxvirt_vi as vi;

fn opts() -> OpenOptions {
    options("root", "password")
}

/// Two connections to `uri`: one to watch events on, one that makes the changes.
fn watcher_and_ops(uri: &str, opts: &OpenOptions) -> (Connection, Connection) {
    let watcher = Connection::open(uri, opts).expect("watcher connects");
    let ops = Connection::open(uri, opts).expect("second connection");
    (watcher, ops)
}

/// The first domain `conn` lists that `pick` takes; `what` is the failure when none does.
fn find_domain<'c>(conn: &'c Connection, what: &str, pick: impl Fn(&Domain) -> bool) -> Domain<'c> {
    conn.list_all_domains(0)
        .expect("list")
        .into_iter()
        .find(|d| pick(d))
        .unwrap_or_else(|| panic!("{what}"))
}

/// The next event as virsh prints it (`NAME: Started Booted`), waiting at most 20 s (a
/// guard against a hang, not a timing assertion).
fn next(stream: &mut DomainEventStream<'_>) -> String {
    let never = AtomicBool::new(false);
    let deadline = Instant::now() + Duration::from_secs(20);
    match stream.next_event(Some(deadline), &never).expect("wait") {
        EventWait::Event(e) => format!(
            "{}: {} {}",
            e.name,
            e.lifecycle.event_str(),
            e.lifecycle.detail_str()
        ),
        other => panic!("no event: {other:?}"),
    }
}

/// Powers a suspended VM off (the driver's destroy wants a running VM; ESX does not).
fn power_off_directly(sim: &Sim, moref: &str) {
    sim.rt.block_on(async {
        let mut cfg = vi::ClientConfig::new(sim.sim().sdk_url());
        cfg.no_verify = true;
        let c = vi::Client::connect(cfg).await.expect("connect");
        c.login("root", "password").await.expect("login");
        let vm = vi::ManagedObjectReference::new("VirtualMachine", moref);
        let task = c.power_off_vm_task(&vm).await.expect("power off");
        c.wait_for_task(&task, &vi::QuestionPolicy { auto_answer: false })
            .await
            .expect("powered off");
        c.close().await.expect("logout");
    });
}

/// The whole lifecycle of one inactive VM through a second connection, event by event.
fn lifecycle_walk(sim: &Sim, uri: &str) {
    let (watcher, ops) = watcher_and_ops(uri, &opts());
    let dom = find_domain(&ops, "an inactive VM", |d| {
        !d.is_active().expect("state") && d.get_name() != "serial-test"
    });
    let name = dom.get_name().to_string();
    let mut stream = watcher.domain_events(None).expect("event stream");

    dom.create(0).expect("start");
    assert_eq!(next(&mut stream), format!("{name}: Started Booted"));
    dom.suspend().expect("suspend");
    assert_eq!(next(&mut stream), format!("{name}: Suspended Paused"));
    dom.resume().expect("resume");
    assert_eq!(next(&mut stream), format!("{name}: Resumed Unpaused"));
    dom.destroy(0).expect("destroy");
    assert_eq!(next(&mut stream), format!("{name}: Stopped Shutdown"));
    dom.create(0).expect("start again");
    assert_eq!(next(&mut stream), format!("{name}: Started Booted"));
    dom.suspend().expect("suspend again");
    assert_eq!(next(&mut stream), format!("{name}: Suspended Paused"));
    power_off_directly(sim, dom.managed_object_id());
    assert_eq!(next(&mut stream), format!("{name}: Stopped Destroyed"));

    let xml = dom.get_xml_desc(0).expect("xml");
    dom.undefine(0).expect("undefine");
    assert_eq!(next(&mut stream), format!("{name}: Undefined Removed"));
    ops.domain_define_xml(&xml, 0).expect("define");
    assert_eq!(next(&mut stream), format!("{name}: Defined Added"));

    // Nothing else happened: the next wait ends at its deadline.
    let never = AtomicBool::new(false);
    let soon = Instant::now() + Duration::from_millis(300);
    assert_eq!(
        stream.next_event(Some(soon), &never).expect("wait"),
        EventWait::TimedOut
    );
    let destroyed = sim.sim().stats().method("DestroyPropertyFilter");
    stream.close().expect("filter destroyed");
    assert_eq!(
        sim.sim().stats().method("DestroyPropertyFilter"),
        destroyed + 1
    );
}

#[test]
fn events_esx_lifecycle_sequence() {
    let sim = Sim::start(InventorySource::DefaultEsx, false);
    lifecycle_walk(&sim, &sim.esx());
}

#[test]
fn events_vcenter_lifecycle_sequence() {
    let sim = Sim::start(InventorySource::DefaultVCenter, false);
    lifecycle_walk(&sim, &sim.vpx());
}

#[test]
fn events_domain_filter_interrupt_and_drop() {
    let sim = Sim::start(InventorySource::DefaultEsx, false);
    let (watcher, ops) = watcher_and_ops(&sim.esx(), &opts());
    let inactive: Vec<_> = ops
        .list_all_domains(0)
        .expect("list")
        .into_iter()
        .filter(|d| !d.is_active().expect("state"))
        // serial-test asks a question when it starts.
        .filter(|d| d.get_name() != "serial-test")
        .collect();
    assert!(inactive.len() >= 2, "two inactive VMs in the default host");
    let (watched, other) = (&inactive[0], &inactive[1]);
    let target = watcher
        .domain_lookup_by_name(watched.get_name())
        .expect("lookup");
    let mut stream = watcher.domain_events(Some(&target)).expect("stream");
    other.create(0).expect("start the other VM");
    watched.create(0).expect("start the watched VM");
    // Only the watched VM's event arrives.
    assert_eq!(
        next(&mut stream),
        format!("{}: Started Booted", watched.get_name())
    );
    let never = AtomicBool::new(false);
    let soon = Instant::now() + Duration::from_millis(300);
    assert_eq!(
        stream.next_event(Some(soon), &never).expect("wait"),
        EventWait::TimedOut
    );
    // A raised stop flag ends a wait that has no deadline.
    let stop = AtomicBool::new(true);
    assert_eq!(
        stream.next_event(None, &stop).expect("wait"),
        EventWait::Interrupted
    );
    // Dropping the stream removes its filter too.
    let destroyed = sim.sim().stats().method("DestroyPropertyFilter");
    drop(stream);
    assert_eq!(
        sim.sim().stats().method("DestroyPropertyFilter"),
        destroyed + 1
    );
    // The connection still works after an abandoned wait.
    assert!(watcher.list_all_domains(0).expect("list again").len() >= 2);
}

/// govmomi's simulator (ESXVIRT_VCSIM; the test fails when it cannot start): its property
/// collector is an independent implementation, and a power change must come out as the
/// right event there too (ESX mode, and vCenter through the host a vpx:// URI names).
#[test]
fn events_vcsim_power_changes() {
    use esxvirt_testkit::{Vcsim, VcsimMode};
    let opts = || options("user", "pass");
    let check = |uri: &str| {
        let (watcher, ops) = watcher_and_ops(uri, &opts());
        let dom = find_domain(&ops, "a running VM", |d| d.is_active().expect("state"));
        let name = dom.get_name().to_string();
        let mut stream = watcher.domain_events(None).expect("event stream");
        dom.destroy(0).expect("destroy");
        assert_eq!(next(&mut stream), format!("{name}: Stopped Shutdown"));
        dom.create(0).expect("start");
        assert_eq!(next(&mut stream), format!("{name}: Started Booted"));
        stream.close().expect("filter destroyed");
    };
    let esx = Vcsim::start(VcsimMode::Esx, false);
    check(&format!("esx://user@{}/?transport=http", esx.addr));
    let vc = Vcsim::start(VcsimMode::VCenter { hosts: 1, vms: 2 }, false);
    check(&format!("vpx://user@{}/DC0/DC0_H0?transport=http", vc.addr));
}

/// More VMs than one answer carries: the initial state comes in several truncated answers
/// (esxsim honours maxObjectUpdates), none of which gives an event; later changes do.
#[test]
fn events_initial_state_in_pages() {
    let sim = Sim::start(InventorySource::DefaultEsx, false);
    let (watcher, ops) = watcher_and_ops(&sim.esx(), &opts());
    let vms = ops.list_all_domains(0).expect("list");
    assert_eq!(vms.len(), 5, "the default host's VMs");
    let before = sim.sim().stats().method("WaitForUpdatesEx");
    let mut stream = watcher.domain_events_paged(None, 2).expect("event stream");
    assert_eq!(
        sim.sim().stats().method("WaitForUpdatesEx") - before,
        3,
        "5 VMs in answers of 2"
    );
    let dom = vms
        .iter()
        .find(|d| !d.is_active().expect("state") && d.get_name() != "serial-test")
        .expect("an inactive VM");
    dom.create(0).expect("start");
    assert_eq!(
        next(&mut stream),
        format!("{}: Started Booted", dom.get_name())
    );
}
