//! `domstats` through the esxvirt binary against esxsim's default ESX world: the whole output
//! compared byte for byte (esxsim's PerformanceManager samples are deterministic), the
//! filters, `--json`, and virsh's errors; and against govmomi's simulator, where every VM
//! must show at least its state and vCPUs. virsh itself cannot be compared: libvirt's ESX
//! driver has no virConnectGetAllDomainStats; the record layout is the one virsh prints for
//! drivers that have it (`Domain: 'NAME'`, two-space indented `field=value`, a blank line
//! between records, virsh's blank line after the command).

mod common;

use common::*;
use esxvirt_testkit::{Vcsim, VcsimMode};

/// `esxvirt domstats` on the default ESX world: every supported group of every VM.
const ALL: &str = r#"Domain: 'web01'
  state.state=1
  state.reason=0
  balloon.current=2097152
  balloon.maximum=2097152
  balloon.rss=1048576
  vcpu.current=2
  vcpu.maximum=2
  net.count=1
  net.0.name=00:0c:29:10:00:01
  block.count=2
  block.0.name=sda
  block.0.path=[datastore1] web01/web01.vmdk
  block.0.capacity=17179869184
  block.1.name=hdc
  block.1.path=[nfs-iso] ubuntu-22.04-live-server-amd64.iso
  vm.cpu.usage.cur=350
  vm.cpu.usagemhz.cur=377
  vm.cpu.used.sum=3400
  vm.cpu.ready.sum=76
  vm.mem.usage.cur=1400
  vm.mem.active.cur=263680
  vm.mem.consumed.cur=1068032
  vm.mem.vmmemctl.cur=0
  vm.mem.swapped.cur=0
  vm.disk.usage.cur=25
  vm.disk.read.cur=20
  vm.disk.write.cur=11
  vm.net.usage.cur=8
  vm.net.received.cur=5
  vm.net.transmitted.cur=10
  vm.sys.uptime.cur=3600

Domain: 'db01'
  state.state=5
  state.reason=0
  balloon.current=8388608
  balloon.maximum=8388608
  vcpu.current=4
  vcpu.maximum=4
  net.count=2
  net.0.name=00:0c:29:10:00:02
  net.1.name=00:50:56:01:02:03
  block.count=2
  block.0.name=sda
  block.0.path=[datastore1] db01/db01.vmdk
  block.0.capacity=42949672960
  block.1.name=sdb
  block.1.path=[datastore1] db01/db01_1.vmdk
  block.1.capacity=107374182400

Domain: 'win2019'
  state.state=3
  state.reason=0
  balloon.current=4194304
  balloon.maximum=4194304
  vcpu.current=2
  vcpu.maximum=2
  net.count=1
  net.0.name=00:0c:29:10:00:03
  block.count=2
  block.0.name=sda
  block.0.path=[datastore1] win2019/win2019.vmdk
  block.0.capacity=64424509440
  block.1.name=hda

Domain: 'serial-test'
  state.state=5
  state.reason=0
  balloon.current=524288
  balloon.maximum=524288
  vcpu.current=1
  vcpu.maximum=1
  net.count=1
  net.0.name=00:0c:29:10:00:04
  block.count=2
  block.0.name=sda
  block.0.path=[datastore1] serial-test/serial-test.vmdk
  block.0.capacity=1073741824
  block.1.name=fda

Domain: 'tiny'
  state.state=5
  state.reason=0
  balloon.current=262144
  balloon.maximum=262144
  vcpu.current=1
  vcpu.maximum=1
  net.count=1
  net.0.name=00:0c:29:10:00:05
  block.count=1
  block.0.name=hda
  block.0.path=[datastore1] tiny/tiny.vmdk
  block.0.capacity=536870912

"#;

fn run(sim: &Sim, args: &[&str]) -> Seen {
    Seen::of(&esxvirt(&sim.uri(), &sim.auth_file(), args))
}

fn ok(stdout: &str) -> Seen {
    Seen {
        stdout: stdout.to_string(),
        stderr: String::new(),
        status: Some(0),
    }
}

/// A failed command: virsh still prints its blank line after it.
fn failed(stderr: &str) -> Seen {
    Seen {
        stdout: "\n".to_string(),
        stderr: stderr.to_string(),
        status: Some(1),
    }
}

#[test]
fn domstats_whole_output_byte_for_byte() {
    let sim = Sim::start();
    assert_eq!(run(&sim, &["domstats"]), ok(ALL));
    // --raw changes nothing (virsh has no pretty-printing either); NOWAIT and BACKING are
    // accepted.
    assert_eq!(
        run(&sim, &["domstats", "--raw", "--nowait", "--backing"]),
        ok(ALL)
    );
    // Every supported group named is the same as none.
    assert_eq!(
        run(
            &sim,
            &[
                "domstats",
                "--state",
                "--balloon",
                "--vcpu",
                "--interface",
                "--block",
                "--vm"
            ]
        ),
        ok(ALL)
    );
}

#[test]
fn domstats_groups_domains_and_filters() {
    let sim = Sim::start();
    assert_eq!(
        run(&sim, &["domstats", "--state", "--vcpu", "tiny", "web01"]),
        ok("Domain: 'tiny'\n  state.state=5\n  state.reason=0\n  vcpu.current=1\n  vcpu.maximum=1\n\nDomain: 'web01'\n  state.state=1\n  state.reason=0\n  vcpu.current=2\n  vcpu.maximum=2\n\n")
    );
    assert_eq!(
        run(&sim, &["domstats", "--interface", "--list-active"]),
        ok("Domain: 'web01'\n  net.count=1\n  net.0.name=00:0c:29:10:00:01\n\nDomain: 'win2019'\n  net.count=1\n  net.0.name=00:0c:29:10:00:03\n\n")
    );
    assert_eq!(
        run(&sim, &["domstats", "--state", "--list-shutoff", "--list-paused"]),
        ok("Domain: 'db01'\n  state.state=5\n  state.reason=0\n\nDomain: 'win2019'\n  state.state=3\n  state.reason=0\n\nDomain: 'serial-test'\n  state.state=5\n  state.reason=0\n\nDomain: 'tiny'\n  state.state=5\n  state.reason=0\n\n")
    );
    // Filters apply to named domains too; nothing left prints virsh's blank line alone.
    assert_eq!(run(&sim, &["domstats", "--list-running", "tiny"]), ok("\n"));
    assert_eq!(run(&sim, &["domstats", "--list-transient"]), ok("\n"));
    // Lookups by id and UUID as virsh does them.
    let uuid = run(&sim, &["domuuid", "web01"]).stdout;
    let uuid = uuid.trim();
    let by_uuid = run(&sim, &["domstats", "--block", uuid]);
    assert_eq!(by_uuid, run(&sim, &["domstats", "--block", "1"]));
    assert_eq!(by_uuid, ok("Domain: 'web01'\n  block.count=2\n  block.0.name=sda\n  block.0.path=[datastore1] web01/web01.vmdk\n  block.0.capacity=17179869184\n  block.1.name=hdc\n  block.1.path=[nfs-iso] ubuntu-22.04-live-server-amd64.iso\n\n"));
    // Groups vSphere cannot answer: left out, refused under --enforce.
    assert_eq!(
        run(&sim, &["domstats", "--cpu-total", "--perf", "tiny"]),
        ok("Domain: 'tiny'\n\n")
    );
    assert_eq!(
        run(&sim, &["domstats", "--cpu-total", "--state", "--enforce"]),
        failed(
            "error: argument unsupported: Stats types bits 0x2 are not supported by this daemon\n"
        )
    );
    assert_eq!(
        run(&sim, &["domstats", "web01", "nosuch"]),
        failed("error: failed to get domain 'nosuch'\n")
    );
}

#[test]
fn domstats_json() {
    let sim = Sim::start();
    assert_eq!(
        run(
            &sim,
            &[
                "--json",
                "domstats",
                "--state",
                "--balloon",
                "web01",
                "db01"
            ]
        ),
        ok(r#"[
  {
    "domain": "web01",
    "stats": {
      "state.state": 1,
      "state.reason": 0,
      "balloon.current": 2097152,
      "balloon.maximum": 2097152,
      "balloon.rss": 1048576
    }
  },
  {
    "domain": "db01",
    "stats": {
      "state.state": 5,
      "state.reason": 0,
      "balloon.current": 8388608,
      "balloon.maximum": 8388608
    }
  }
]
"#)
    );
}

/// govmomi's simulator: the command succeeds and every VM `list --all` shows has a record
/// with its state and vCPUs.
fn check_vcsim(uri: &str, auth: &std::path::Path) {
    let names = esxvirt(uri, auth, &["list", "--all", "--name"]);
    assert!(names.status.success(), "{}", text(&names.stderr));
    let names: Vec<String> = text(&names.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    assert!(!names.is_empty());
    let out = esxvirt(uri, auth, &["domstats"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let records: Vec<&str> = stdout.trim_end().split("\n\n").collect();
    assert_eq!(records.len(), names.len(), "{stdout}");
    for (record, name) in records.iter().zip(&names) {
        assert!(
            record.starts_with(&format!("Domain: '{name}'\n")),
            "{record}"
        );
        for key in [
            "state.state",
            "state.reason",
            "vcpu.current",
            "vcpu.maximum",
        ] {
            assert!(record.contains(&format!("\n  {key}=")), "{key} in {record}");
        }
    }
}

#[test]
fn domstats_against_vcsim() {
    let dir = std::env::temp_dir().join(format!("esxvirt-domstats-vcsim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let auth = esxvirt_testkit::write_libvirt_auth_file(&dir, "user", "pass");
    let esx = Vcsim::start(VcsimMode::Esx, true);
    check_vcsim(&format!("esx://user@{}/?no_verify=1", esx.addr), &auth);
    let vc = Vcsim::start(VcsimMode::VCenter { hosts: 2, vms: 2 }, true);
    check_vcsim(
        &format!("vpx://user@{}/DC0/DC0_H0?no_verify=1", vc.addr),
        &auth,
    );
    let _ = std::fs::remove_dir_all(&dir);
}
