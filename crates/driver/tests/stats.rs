//! Domain statistics (`get_all_domain_stats`, `domain_list_get_stats`) against esxsim, whose
//! PerformanceManager samples are deterministic, so the values are checked exactly; round
//! trips are counted on both sides (the connection's request counter and esxsim's
//! per-method counters). And against govmomi's simulator: every VM has its state and vCPUs.

mod common;

use common::{cached_options, tempdir, Sim};
use esxvirt_driver::stats::{flag, group};
use esxvirt_driver::{Connection, DomainStatsRecord, ErrorCode, TypedParam, TypedValue};
use esxvirt_sim::InventorySource;
use esxvirt_testkit::{Vcsim, VcsimMode};

fn open(uri: &str) -> Connection {
    Connection::open(uri, &common::options("root", "password")).expect("open")
}

/// `field=value` lines, as virsh prints them, for exact comparisons.
fn lines(params: &[TypedParam]) -> Vec<String> {
    params
        .iter()
        .map(|p| {
            let v = match &p.value {
                TypedValue::Int(v) => v.to_string(),
                TypedValue::UInt(v) => v.to_string(),
                TypedValue::LLong(v) => v.to_string(),
                TypedValue::ULLong(v) => v.to_string(),
                TypedValue::Double(v) => v.to_string(),
                TypedValue::Boolean(v) => v.to_string(),
                TypedValue::String(v) => v.clone(),
            };
            format!("{}={v}", p.field)
        })
        .collect()
}

fn record<'a, 'c>(records: &'a [DomainStatsRecord<'c>], name: &str) -> &'a DomainStatsRecord<'c> {
    records
        .iter()
        .find(|r| r.domain.get_name() == name)
        .unwrap_or_else(|| panic!("no record for {name}"))
}

fn names(records: &[DomainStatsRecord<'_>]) -> Vec<String> {
    records
        .iter()
        .map(|r| r.domain.get_name().to_string())
        .collect()
}

/// web01 of the default ESX world (running, 2 vCPUs, 2 GiB): every supported group but
/// `vm` (see [`web01_all`]).
const WEB01_ALL: &[&str] = &[
    "state.state=1",
    "state.reason=0",
    "balloon.current=2097152",
    "balloon.maximum=2097152",
    "balloon.rss=1048576",
    "vcpu.current=2",
    "vcpu.maximum=2",
    "net.count=1",
    "net.0.name=00:0c:29:10:00:01",
    "block.count=2",
    "block.0.name=sda",
    "block.0.path=[datastore1] web01/web01.vmdk",
    "block.0.capacity=17179869184",
    "block.1.name=hdc",
    "block.1.path=[nfs-iso] ubuntu-22.04-live-server-amd64.iso",
];

/// esxsim's `vm` group for a running VM: the same samples for every VM but the three that
/// scale with its vCPUs and memory (`usagemhz`, and `active`/`consumed` in KiB).
fn vm_samples(usagemhz: u32, active: u64, consumed: u64) -> Vec<String> {
    [
        "vm.cpu.usage.cur=350".to_string(),
        format!("vm.cpu.usagemhz.cur={usagemhz}"),
        "vm.cpu.used.sum=3400".to_string(),
        "vm.cpu.ready.sum=76".to_string(),
        "vm.mem.usage.cur=1400".to_string(),
        format!("vm.mem.active.cur={active}"),
        format!("vm.mem.consumed.cur={consumed}"),
        "vm.mem.vmmemctl.cur=0".to_string(),
        "vm.mem.swapped.cur=0".to_string(),
        "vm.disk.usage.cur=25".to_string(),
        "vm.disk.read.cur=20".to_string(),
        "vm.disk.write.cur=11".to_string(),
        "vm.net.usage.cur=8".to_string(),
        "vm.net.received.cur=5".to_string(),
        "vm.net.transmitted.cur=10".to_string(),
        "vm.sys.uptime.cur=3600".to_string(),
    ]
    .into()
}

/// web01's `vm` group (2 vCPUs of 2095 MHz, 2 GiB).
fn web01_samples() -> Vec<String> {
    vm_samples(377, 263680, 1068032)
}

/// [`WEB01_ALL`] followed by web01's `vm` group.
fn web01_all() -> Vec<String> {
    let mut all: Vec<String> = WEB01_ALL.iter().map(|l| l.to_string()).collect();
    all.extend(web01_samples());
    all
}

/// db01 powered off: no quickStats, no samples.
const DB01_OFF: &[&str] = &[
    "state.state=5",
    "state.reason=0",
    "balloon.current=8388608",
    "balloon.maximum=8388608",
    "vcpu.current=4",
    "vcpu.maximum=4",
    "net.count=2",
    "net.0.name=00:0c:29:10:00:02",
    "net.1.name=00:50:56:01:02:03",
    "block.count=2",
    "block.0.name=sda",
    "block.0.path=[datastore1] db01/db01.vmdk",
    "block.0.capacity=42949672960",
    "block.1.name=sdb",
    "block.1.path=[datastore1] db01/db01_1.vmdk",
    "block.1.capacity=107374182400",
];

#[test]
fn esxsim_all_groups_exact_values_and_round_trips() {
    let sim = Sim::start(InventorySource::DefaultEsx, false);
    let conn = open(&sim.esx());
    sim.sim().reset_stats();
    let before = conn.request_count();
    let records = conn.get_all_domain_stats(0, 0).expect("stats");
    assert_eq!(
        conn.request_count() - before,
        2,
        "one retrieval (VMs + counter catalogue) and one QueryPerf"
    );
    let s = sim.sim().stats();
    assert_eq!(s.method("RetrievePropertiesEx"), 1, "{s:?}");
    assert_eq!(s.method("QueryPerf"), 1, "{s:?}");
    assert_eq!(s.method("QueryPerfCounter"), 0, "{s:?}");
    assert_eq!(s.soap_requests, 2, "{s:?}");

    assert_eq!(
        names(&records),
        ["web01", "db01", "win2019", "serial-test", "tiny"]
    );
    assert_eq!(lines(&record(&records, "web01").params), web01_all());
    assert_eq!(lines(&record(&records, "db01").params), DB01_OFF);
    // Paused: state 3, no host memory figure and no samples (only running VMs are queried).
    assert_eq!(
        lines(&record(&records, "win2019").params),
        [
            "state.state=3",
            "state.reason=0",
            "balloon.current=4194304",
            "balloon.maximum=4194304",
            "vcpu.current=2",
            "vcpu.maximum=2",
            "net.count=1",
            "net.0.name=00:0c:29:10:00:03",
            "block.count=2",
            "block.0.name=sda",
            "block.0.path=[datastore1] win2019/win2019.vmdk",
            "block.0.capacity=64424509440",
            "block.1.name=hda",
        ]
    );
    // The handles are usable domains.
    let web01 = &record(&records, "web01").domain;
    assert_eq!(web01.get_id(), Some(1));

    // The counter ids are kept: the next call reads no catalogue, still two requests.
    sim.sim().reset_stats();
    let before = conn.request_count();
    let again = conn
        .get_all_domain_stats(group::VM, 0)
        .expect("stats again");
    assert_eq!(conn.request_count() - before, 2);
    assert_eq!(sim.sim().stats().method("QueryPerf"), 1);
    assert_eq!(
        lines(&record(&again, "web01").params),
        web01_samples(),
        "the vm group alone"
    );
    // Groups without the vm group: one retrieval, no PerformanceManager call.
    sim.sim().reset_stats();
    let before = conn.request_count();
    let st = conn
        .get_all_domain_stats(group::STATE | group::VCPU, 0)
        .expect("state+vcpu");
    assert_eq!(conn.request_count() - before, 1);
    assert_eq!(sim.sim().stats().method("QueryPerf"), 0);
    assert_eq!(
        lines(&record(&st, "tiny").params),
        [
            "state.state=5",
            "state.reason=0",
            "vcpu.current=1",
            "vcpu.maximum=1"
        ]
    );
}

#[test]
fn esxsim_one_query_perf_for_every_running_vm() {
    let sim = Sim::start(InventorySource::DefaultEsx, false);
    let conn = open(&sim.esx());
    conn.domain_lookup_by_name("db01")
        .expect("db01")
        .create(0)
        .expect("start db01");
    sim.sim().reset_stats();
    let records = conn
        .get_all_domain_stats(group::VM | group::BALLOON, flag::RUNNING)
        .expect("stats");
    let s = sim.sim().stats();
    assert_eq!(s.method("QueryPerf"), 1, "{s:?}");
    assert_eq!(s.method("RetrievePropertiesEx"), 1, "{s:?}");
    assert_eq!(names(&records), ["web01", "db01"]);
    // db01: 4 vCPUs of 2095 MHz, 8 GiB; esxsim's samples scale with both.
    let mut db01 = vec![
        "balloon.current=8388608".to_string(),
        "balloon.maximum=8388608".to_string(),
        "balloon.rss=4194304".to_string(),
    ];
    db01.extend(vm_samples(754, 1050112, 4213760));
    assert_eq!(lines(&record(&records, "db01").params), db01);
}

#[test]
fn esxsim_domain_list_filters_and_errors() {
    let sim = Sim::start(InventorySource::DefaultEsx, false);
    let conn = open(&sim.esx());
    let tiny = conn.domain_lookup_by_name("tiny").expect("tiny");
    let web01 = conn.domain_lookup_by_name("web01").expect("web01");
    // The given order, one retrieval and one QueryPerf for the listed VMs.
    sim.sim().reset_stats();
    let before = conn.request_count();
    let records = conn
        .domain_list_get_stats(&[tiny.clone(), web01.clone()], 0, 0)
        .expect("list stats");
    assert_eq!(conn.request_count() - before, 2);
    assert_eq!(sim.sim().stats().method("RetrievePropertiesEx"), 1);
    assert_eq!(sim.sim().stats().method("QueryPerf"), 1);
    assert_eq!(names(&records), ["tiny", "web01"]);
    assert_eq!(lines(&records[1].params), web01_all());
    assert_eq!(
        lines(&records[0].params),
        [
            "state.state=5",
            "state.reason=0",
            "balloon.current=262144",
            "balloon.maximum=262144",
            "vcpu.current=1",
            "vcpu.maximum=1",
            "net.count=1",
            "net.0.name=00:0c:29:10:00:05",
            "block.count=1",
            "block.0.name=hda",
            "block.0.path=[datastore1] tiny/tiny.vmdk",
            "block.0.capacity=536870912",
        ]
    );
    // Filters apply to listed domains too.
    let active = conn
        .domain_list_get_stats(&[tiny.clone(), web01.clone()], group::STATE, flag::ACTIVE)
        .expect("active");
    assert_eq!(names(&active), ["web01"]);
    let all = conn
        .get_all_domain_stats(group::STATE, flag::INACTIVE)
        .expect("inactive");
    assert_eq!(names(&all), ["db01", "serial-test", "tiny"]);
    let paused = conn
        .get_all_domain_stats(group::STATE, flag::PAUSED | flag::SHUTOFF)
        .expect("paused|shutoff");
    assert_eq!(names(&paused), ["db01", "win2019", "serial-test", "tiny"]);
    assert!(conn
        .get_all_domain_stats(group::STATE, flag::TRANSIENT)
        .expect("transient")
        .is_empty());

    // Groups vSphere cannot answer: ignored, refused with ENFORCE.
    let cpu = conn
        .get_all_domain_stats(group::CPU_TOTAL | group::PERF, 0)
        .expect("unsupported groups are left out");
    assert!(cpu.iter().all(|r| r.params.is_empty()), "{cpu:?}");
    assert_eq!(cpu.len(), 5);
    let e = conn
        .get_all_domain_stats(group::STATE | group::CPU_TOTAL, flag::ENFORCE_STATS)
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ArgumentUnsupported);
    assert_eq!(
        e.to_string(),
        "argument unsupported: Stats types bits 0x2 are not supported by this daemon"
    );
    let e = conn.get_all_domain_stats(0, 1 << 20).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArg);
    let e = conn.domain_list_get_stats(&[], 0, 0).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArg);

    // A listed VM removed since its lookup is left out.
    conn.domain_lookup_by_name("tiny")
        .expect("tiny")
        .undefine(0)
        .expect("undefine");
    let left = conn
        .domain_list_get_stats(&[tiny, web01], group::STATE, 0)
        .expect("missing VM left out");
    assert_eq!(names(&left), ["web01"]);
}

#[test]
fn esxsim_vcenter_host_vms() {
    let sim = Sim::start(InventorySource::DefaultVCenter, false);
    let conn = open(&sim.vpx());
    let listed = conn.list_all_domains(0).expect("list");
    assert!(!listed.is_empty(), "the host has VMs");
    sim.sim().reset_stats();
    let records = conn.get_all_domain_stats(0, 0).expect("stats");
    let s = sim.sim().stats();
    assert_eq!(s.method("RetrievePropertiesEx"), 1, "{s:?}");
    assert!(s.method("QueryPerf") <= 1, "{s:?}");
    let expected: Vec<String> = listed.iter().map(|d| d.get_name().to_string()).collect();
    assert_eq!(names(&records), expected);
    for r in &records {
        let l = lines(&r.params);
        assert!(l[0].starts_with("state.state="), "{l:?}");
        let running = l[0] == "state.state=1";
        assert_eq!(
            l.iter().any(|f| f.starts_with("vm.cpu.usagemhz.cur=")),
            running,
            "{}: {l:?}",
            r.domain.get_name()
        );
    }
}

/// govmomi's simulator: state and vCPUs for every VM, no error, in both modes.
fn check_vcsim(uri: &str) {
    let conn = Connection::open(uri, &common::options("user", "pass")).expect("open vcsim");
    let listed = conn.list_all_domains(0).expect("list");
    assert!(!listed.is_empty());
    let records = conn.get_all_domain_stats(0, 0).expect("stats");
    assert_eq!(records.len(), listed.len());
    for r in &records {
        let l = lines(&r.params);
        let has = |k: &str| l.iter().any(|f| f.starts_with(k));
        assert!(has("state.state=") && has("state.reason="), "{l:?}");
        assert!(has("vcpu.current=") && has("vcpu.maximum="), "{l:?}");
        assert!(has("block.count=") && has("net.count="), "{l:?}");
    }
    // A second call reuses the counter catalogue.
    let before = conn.request_count();
    conn.get_all_domain_stats(group::STATE | group::VCPU, 0)
        .expect("again");
    assert_eq!(conn.request_count() - before, 1);
}

#[test]
fn vcsim_esx_and_vcenter() {
    let esx = Vcsim::start(VcsimMode::Esx, true);
    check_vcsim(&format!("esx://user@{}/?no_verify=1", esx.addr));
    let vc = Vcsim::start(VcsimMode::VCenter { hosts: 2, vms: 2 }, true);
    check_vcsim(&format!("vpx://user@{}/DC0/DC0_H0?no_verify=1", vc.addr));
}

/// The counter ids live in the session cache: the next run's retrieval does not read the
/// PerformanceManager's catalogue again, and reports the same `vm` fields.
#[test]
fn esxsim_counter_ids_come_from_the_session_cache() {
    let sim = Sim::start(InventorySource::DefaultEsx, false);
    let dir = tempdir("stats-cache");
    let cached = cached_options(&dir);
    let first = {
        let conn = Connection::open(&sim.esx(), &cached).expect("open");
        let records = conn.get_all_domain_stats(group::VM, 0).expect("stats");
        records.iter().map(|r| lines(&r.params)).collect::<Vec<_>>()
    };
    let files: Vec<String> = std::fs::read_dir(&dir)
        .expect("cache dir")
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
        .collect();
    assert!(
        files
            .iter()
            .any(|f| f.contains("\"perf_counters\":[[\"cpu.")),
        "{files:?}"
    );
    let conn = Connection::open(&sim.esx(), &cached).expect("warm open");
    sim.sim().reset_stats();
    let again: Vec<Vec<String>> = conn
        .get_all_domain_stats(group::VM, 0)
        .expect("stats")
        .iter()
        .map(|r| lines(&r.params))
        .collect();
    assert_eq!(again, first);
    assert!(first.iter().any(|l| !l.is_empty()), "{first:?}");
    let s = sim.sim().stats();
    assert_eq!(s.method("RetrievePropertiesEx"), 1, "{s:?}");
    assert_eq!(s.method("QueryPerf"), 1, "{s:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
