//! esxvirt against govmomi's simulator (issue 5 acceptance), ESX and vCenter modes: list
//! --all, dominfo, dumpxml, start, destroy, snapshot-create-as and snapshot-list work
//! (libvirt's own driver cannot talk to that simulator at all). The simulator is started on
//! a port of its own and fails the test when it cannot be built or started.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use esxvirt_testkit::{Vcsim, VcsimMode};

fn esxvirt(uri: &str, auth: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_esxvirt"))
        .arg("-c")
        .arg(uri)
        .args(args)
        .env("LIBVIRT_AUTH_FILE", auth)
        .env("ESXVIRT_NO_SESSION_CACHE", "1")
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .output()
        .expect("run esxvirt")
}

fn ok(uri: &str, auth: &Path, args: &[&str]) -> String {
    let out = esxvirt(uri, auth, args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{args:?} failed:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The first VM name `list --all --name` shows.
fn first_vm(uri: &str, auth: &Path) -> String {
    ok(uri, auth, &["list", "--all", "--name"])
        .lines()
        .find(|l| !l.is_empty())
        .expect("a VM")
        .to_string()
}

fn exercise(uri: &str, auth: &Path) {
    let table = ok(uri, auth, &["list", "--all"]);
    assert!(table.starts_with(" Id "), "{table}");
    let vm = first_vm(uri, auth);
    let info = ok(uri, auth, &["dominfo", &vm]);
    assert!(info.contains(&format!("Name:           {vm}\n")), "{info}");
    let xml = ok(uri, auth, &["dumpxml", &vm]);
    assert!(xml.starts_with("<domain type='vmware'"), "{xml}");
    assert!(xml.contains(&format!("<name>{vm}</name>")), "{xml}");
    assert_eq!(
        ok(uri, auth, &["destroy", &vm]),
        format!("Domain '{vm}' destroyed\n\n")
    );
    assert_eq!(ok(uri, auth, &["domstate", &vm]), "shut off\n\n");
    assert_eq!(
        ok(uri, auth, &["start", &vm]),
        format!("Domain '{vm}' started\n\n")
    );
    assert_eq!(ok(uri, auth, &["domstate", &vm]), "running\n\n");
    assert_eq!(
        ok(uri, auth, &["snapshot-create-as", &vm, "snap one"]),
        "Domain snapshot snap one created\n"
    );
    let list = ok(uri, auth, &["snapshot-list", &vm]);
    assert!(
        list.starts_with(" Name       Creation Time               State\n"),
        "{list}"
    );
    assert!(list.contains("\n snap one   "), "{list}");
    assert_eq!(
        ok(uri, auth, &["snapshot-list", &vm, "--name"]),
        "snap one\n\n"
    );
}

fn auth_file(dir: &Path) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).expect("dir");
    esxvirt_testkit::write_libvirt_auth_file(dir, "user", "pass")
}

#[test]
fn esx_mode() {
    let sim = Vcsim::start(VcsimMode::Esx, true);
    let dir = std::env::temp_dir().join(format!("esxvirt-vcsim-esx-{}", std::process::id()));
    let auth = auth_file(&dir);
    exercise(&format!("esx://user@{}/?no_verify=1", sim.addr), &auth);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn vcenter_mode() {
    let sim = Vcsim::start(VcsimMode::VCenter { hosts: 2, vms: 1 }, true);
    let dir = std::env::temp_dir().join(format!("esxvirt-vcsim-vpx-{}", std::process::id()));
    let auth = auth_file(&dir);
    // A standalone host of the datacenter (vcsim puts it at DC0/DC0_H0, with VMs of its own).
    exercise(
        &format!("vpx://user@{}/DC0/DC0_H0?no_verify=1", sim.addr),
        &auth,
    );
    // A path that names nothing says what does exist at that point, after libvirt's line.
    for (path, expect) in [
        (
            "NoDC/DC0_H0",
            "error: internal error: Could not find datacenter specified in '/NoDC/DC0_H0' \
             (datacenters that exist: 'DC0')\n",
        ),
        (
            "DC0/nope",
            "error: internal error: Could not find compute resource specified in '/DC0/nope' \
             (compute resources that exist: 'DC0_C0', 'DC0_H0', 'DC0_H1')\n",
        ),
        (
            "DC0/DC0_C0/nohost",
            "error: internal error: Could not find host system specified in \
             '/DC0/DC0_C0/nohost' (hosts that exist: 'DC0_C0_H0', 'DC0_C0_H1', 'DC0_C0_H2')\n",
        ),
    ] {
        let out = esxvirt(
            &format!("vpx://user@{}/{path}?no_verify=1", sim.addr),
            &auth,
            &["list"],
        );
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            err,
            format!("error: failed to connect to the hypervisor\n{expect}")
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
