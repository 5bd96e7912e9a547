//! pyVmomi (VMware's Python SDK, which nobody here wrote) against esxsim: connect (version
//! negotiation through /sdk/vimServiceVersions.xml), a wrong password, listing every VM's
//! config and runtime through a container view, power off and on with task waits,
//! reconfiguring memory, creating and reverting a snapshot.
//!
//! The Python interpreter with pyVmomi is `$ESXVIRT_PYTHON` or `<workspace>/target/pyvenv/
//! bin/python` (made by .ci/setup); the tests fail when it is missing.

mod common;

use common::{StubWorld, TestSim};
use esxvirt_sim::{InventorySource, SimConfig, Tls};

fn run(sim: &TestSim, steps: &str, vm: Option<&str>) -> String {
    let mut args = vec![steps];
    args.extend(vm);
    let stdout = common::run_pyvmomi(sim, "acceptance.py", &args);
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
