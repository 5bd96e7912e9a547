//! pyVmomi (VMware's Python SDK, which nobody here wrote) against esxsim: connect (version
//! negotiation through /sdk/vimServiceVersions.xml), a wrong password, listing every VM's
//! config and runtime through a container view, power off and on with task waits,
//! reconfiguring memory, creating and reverting a snapshot.
//!
//! The Python interpreter with pyVmomi is `$ESXVIRT_PYTHON` or `<workspace>/target/pyvenv/
//! bin/python` (made by .ci/setup); the tests fail when it is missing.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{StubWorld, TestSim};
use esxvirt_sim::{InventorySource, SimConfig, Tls};

fn python() -> PathBuf {
    let p = match std::env::var_os("ESXVIRT_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => esxvirt_testkit::workspace_root().join("target/pyvenv/bin/python"),
    };
    assert!(
        p.exists(),
        "pyVmomi's Python is missing at {} (run .ci/setup or set ESXVIRT_PYTHON)",
        p.display()
    );
    p
}

fn run(sim: &TestSim, steps: &str, vm: Option<&str>) -> String {
    let url = sim.url();
    let (proto, hostport) = url.split_once("://").unwrap();
    let (host, port) = hostport.rsplit_once(':').unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/pyvmomi/acceptance.py");
    let mut cmd = Command::new(python());
    cmd.arg(script)
        .args([proto, host, port, "root", "password", steps]);
    if let Some(vm) = vm {
        cmd.arg(vm);
    }
    let out = cmd.output().expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "pyVmomi failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.ends_with("done\n"), "{stdout}");
    stdout
}

#[test]
fn pyvmomi_connects_and_rejects_bad_password() {
    for tls in [Tls::SelfSigned, Tls::Off] {
        let sim = TestSim::start_with(
            SimConfig {
                tls,
                ..SimConfig::default()
            },
            Box::new(StubWorld::new(2)),
        );
        let out = run(&sim, "badlogin,connect,expire", None);
        assert!(out.contains("badlogin: InvalidLogin"), "{out}");
        assert!(out.contains("expire: NotAuthenticated"), "{out}");
        assert!(out.contains("connect: HostAgent embeddedEsx"), "{out}");
        let stats = sim.sim().stats();
        assert!(stats.method("Login") >= 2, "{stats:?}");
    }
}

#[test]
fn pyvmomi_acceptance_default_esx() {
    for tls in [Tls::SelfSigned, Tls::Off] {
        let sim = TestSim::start(SimConfig {
            tls,
            ..SimConfig::default()
        });
        let out = run(&sim, "connect,list,power,reconfig,snapshot", Some("tiny"));
        assert!(out.contains("connect: HostAgent embeddedEsx"), "{out}");
        for vm in ["web01", "db01", "win2019", "serial-test", "tiny"] {
            assert!(
                out.contains(&format!("list: {vm} ")),
                "{vm} not listed:\n{out}"
            );
        }
        assert!(out.contains("power: tiny off and on"), "{out}");
        assert!(out.contains("reconfig: memoryMB"), "{out}");
        assert!(out.contains("snapshot: created pysnap"), "{out}");
    }
}

#[test]
fn pyvmomi_lists_default_vcenter() {
    let sim = TestSim::start(SimConfig {
        tls: Tls::SelfSigned,
        inventory: InventorySource::DefaultVCenter,
        ..SimConfig::default()
    });
    let out = run(&sim, "connect,list", None);
    assert!(out.contains("connect: VirtualCenter vpx"), "{out}");
    assert!(out.matches("list: ").count() >= 2, "{out}");
}
