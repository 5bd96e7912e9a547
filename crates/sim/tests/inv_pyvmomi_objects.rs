//! pyVmomi reads every property of every inventory object (it decodes strictly: an unknown
//! field or type is an error) and drives the per-host managers, the datastore browser, the
//! file and virtual-disk managers, the search index, the performance manager, device
//! reconfiguration and (vCenter) migration — against the default ESX host and vCenter.
//!
//! The Python interpreter with pyVmomi is `$ESXVIRT_PYTHON` or `<workspace>/target/pyvenv/
//! bin/python` (made by .ci/setup); the test fails when it is missing.

mod common;

use common::TestSim;
use esxvirt_sim::{InventorySource, SimConfig, Tls};

fn run(inventory: InventorySource, tls: Tls) -> String {
    let sim = TestSim::start(SimConfig {
        tls,
        inventory,
        ..SimConfig::default()
    });
    let stdout = common::run_pyvmomi(&sim, "inv_objects.py", &[]);
    assert!(stdout.ends_with("ok\n"), "{stdout}");
    stdout
}

#[test]
fn inv_pyvmomi_reads_and_drives_default_esx() {
    let out = run(InventorySource::DefaultEsx, Tls::SelfSigned);
    assert!(
        out.contains("all-properties: vim.ComputeResource=1,vim.Datacenter=1,vim.Datastore=2,"),
        "{out}"
    );
    assert!(out.contains("vim.VirtualMachine=5"), "{out}");
    assert!(out.contains("network: AlreadyExists"), "{out}");
    assert!(out.contains("files: FileNotFound"), "{out}");
    assert!(
        out.contains("search: web01 ha-datacenter/vm/web01"),
        "{out}"
    );
}

#[test]
fn inv_pyvmomi_reads_and_drives_default_vcenter() {
    let out = run(InventorySource::DefaultVCenter, Tls::Off);
    assert!(out.contains("vim.ClusterComputeResource=1"), "{out}");
    assert!(out.contains("vim.HostSystem=4"), "{out}");
    assert!(out.contains("vim.VirtualMachine=8"), "{out}");
    assert!(out.contains("migrate: "), "{out}");
}
