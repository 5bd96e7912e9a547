//! `esxvirt list --all-hosts` (an esxvirt extension: the domains of every host of a vCenter,
//! with a Host column) against esxsim serving a vCenter with two datacenters: whole outputs
//! compared byte for byte, with the list filters, --name/--id, -q, --json, the refused
//! --title, esx://, and `list` without the option unchanged.

mod common;

#[path = "../../driver/tests/common/two_datacenters.rs"]
mod two_datacenters;

use std::path::{Path, PathBuf};

use common::{esxvirt, text, Sim};
use esxvirt_sim::InventorySource;
use two_datacenters::{set_autostart, two_datacenters};

/// [`two_datacenters`] with autostart on for app04 (esx-02) and eu01 (esx-21).
fn inventory(dir: &Path) -> PathBuf {
    let (mut w, eu01) = two_datacenters(&dir.join("build-files"));
    let app04 = w
        .vm_by_name("app04")
        .map(|v| v.moid.clone())
        .expect("app04");
    set_autostart(&mut w, "esx-02.example.com", true, vec![app04]);
    set_autostart(&mut w, "esx-21.example.com", true, vec![eu01]);
    let path = dir.join("inventory.json");
    w.save(&path).expect("save inventory");
    let _ = std::fs::remove_dir_all(dir.join("build-files"));
    path
}

struct VCenter {
    sim: Sim,
    _dir: TempDir,
}

/// Removes the inventory's directory when the test ends.
struct TempDir(PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl VCenter {
    fn start(name: &str) -> VCenter {
        let dir = std::env::temp_dir().join(format!(
            "esxvirt-cli-allhosts-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let inv = inventory(&dir);
        VCenter {
            sim: Sim::start_with(InventorySource::File(inv)),
            _dir: TempDir(dir),
        }
    }
    /// A vpx:// URI naming one host, as libvirt requires.
    fn uri(&self) -> String {
        format!(
            "vpx://root@127.0.0.1:{}/dc1/cluster1/esx-02.example.com?no_verify=1",
            self.sim.port
        )
    }
    /// (stdout, stderr, exit code) of esxvirt with `args`.
    fn run(&self, args: &[&str]) -> (String, String, i32) {
        let mut full = vec!["--no-session-cache"];
        full.extend_from_slice(args);
        let out = esxvirt(&self.uri(), &self.sim.auth_file(), &full);
        (
            text(&out.stdout),
            text(&out.stderr),
            out.status.code().unwrap_or(-1),
        )
    }
    fn ok(&self, args: &[&str]) -> String {
        let (stdout, stderr, code) = self.run(args);
        assert_eq!((stderr.as_str(), code), ("", 0), "{args:?}: {stdout}");
        stdout
    }
}

#[test]
fn table_with_a_host_column() {
    let vc = VCenter::start("table");
    // Running domains by ID, then the others by name, equal names by host.
    assert_eq!(
        vc.ok(&["list", "--all-hosts", "--all"]),
        " Id   Name    State      Host\n\
         ---------------------------------------------\n \
         22   app01   running    esx-01.example.com\n \
         24   app03   running    esx-02.example.com\n \
         26   app05   running    esx-03.example.com\n \
         28   app07   running    esx-04.example.com\n \
         41   eu01    running    esx-21.example.com\n \
         -    app02   shut off   esx-01.example.com\n \
         -    app02   shut off   esx-21.example.com\n \
         -    app04   shut off   esx-02.example.com\n \
         -    app06   shut off   esx-03.example.com\n \
         -    app08   shut off   esx-04.example.com\n\n"
    );
    assert_eq!(
        vc.ok(&["list", "--all-hosts"]),
        " Id   Name    State     Host\n\
         --------------------------------------------\n \
         22   app01   running   esx-01.example.com\n \
         24   app03   running   esx-02.example.com\n \
         26   app05   running   esx-03.example.com\n \
         28   app07   running   esx-04.example.com\n \
         41   eu01    running   esx-21.example.com\n\n"
    );
    assert_eq!(
        vc.ok(&["list", "--all-hosts", "--all", "--autostart", "--table"]),
        " Id   Name    State      Host\n\
         ---------------------------------------------\n \
         41   eu01    running    esx-21.example.com\n \
         -    app04   shut off   esx-02.example.com\n\n"
    );
    assert_eq!(
        vc.ok(&[
            "-q",
            "list",
            "--all-hosts",
            "--state-shutoff",
            "--with-snapshot"
        ]),
        ""
    );
    assert_eq!(
        vc.ok(&["-q", "list", "--all-hosts", "--inactive", "--no-autostart"]),
        " -   app02   shut off   esx-01.example.com\n \
         -   app02   shut off   esx-21.example.com\n \
         -   app06   shut off   esx-03.example.com\n \
         -   app08   shut off   esx-04.example.com\n"
    );
}

#[test]
fn names_ids_json_and_refusals() {
    let vc = VCenter::start("names");
    assert_eq!(
        vc.ok(&["list", "--all-hosts", "--all", "--name"]),
        "app01\napp03\napp05\napp07\neu01\napp02\napp02\napp04\napp06\napp08\n\n"
    );
    assert_eq!(
        vc.ok(&["list", "--all-hosts", "--id"]),
        "22\n24\n26\n28\n41\n\n"
    );
    assert_eq!(
        vc.ok(&[
            "list",
            "--all-hosts",
            "--state-running",
            "--autostart",
            "--uuid"
        ]),
        "421c0000-0000-0000-0000-000000000001\n\n"
    );
    assert_eq!(
        vc.ok(&["--json", "list", "--all-hosts", "--autostart"]),
        "[\n  {\n    \"id\": 41,\n    \"name\": \"eu01\",\n    \
         \"uuid\": \"421c0000-0000-0000-0000-000000000001\",\n    \
         \"state\": \"running\",\n    \"title\": \"\",\n    \
         \"managed_save\": false,\n    \"host\": \"esx-21.example.com\"\n  }\n]\n"
    );
    assert_eq!(
        vc.run(&["list", "--all-hosts", "--title"]),
        (
            "\n".to_string(),
            "error: Options --all-hosts and --title are mutually exclusive\n".to_string(),
            1
        )
    );
    assert_eq!(
        vc.run(&["list", "--all-hosts", "--table", "--name"]),
        (
            "\n".to_string(),
            "error: Options --table and --name are mutually exclusive\n".to_string(),
            1
        )
    );
}

#[test]
fn without_the_option_the_uri_host_only() {
    let vc = VCenter::start("plain");
    assert_eq!(
        vc.ok(&["list", "--all"]),
        " Id   Name    State\n\
         ------------------------\n \
         24   app03   running\n \
         -    app04   shut off\n\n"
    );
    assert_eq!(
        vc.ok(&["--json", "list", "--inactive"]),
        "[\n  {\n    \"id\": null,\n    \"name\": \"app04\",\n    \
         \"uuid\": \"29854bbe-8664-12f7-d3b3-f5f2a0a0ac41\",\n    \
         \"state\": \"shutoff\",\n    \"title\": \"\",\n    \
         \"managed_save\": false\n  }\n]\n"
    );
}

#[test]
fn esx_lists_its_own_domains_with_its_name() {
    let sim = Sim::start();
    let out = esxvirt(
        &sim.uri(),
        &sim.auth_file(),
        &["--no-session-cache", "list", "--all-hosts", "--all"],
    );
    assert_eq!(text(&out.stderr), "");
    assert_eq!(
        text(&out.stdout),
        " Id   Name          State      Host\n\
         --------------------------------------------------\n \
         1    web01         running    esx01.example.com\n \
         3    win2019       paused     esx01.example.com\n \
         -    db01          shut off   esx01.example.com\n \
         -    serial-test   shut off   esx01.example.com\n \
         -    tiny          shut off   esx01.example.com\n\n"
    );
}

/// govmomi's simulator as a vCenter (three standalone hosts and a cluster of three): the listing
/// across hosts is the union of the per-host listings of every host's vpx:// URI, each VM
/// with the host whose URI lists it.
#[test]
fn vcsim_union_of_every_host() {
    use esxvirt_testkit::{Vcsim, VcsimMode};
    let sim = Vcsim::start(VcsimMode::VCenter { hosts: 3, vms: 2 }, true);
    let dir =
        std::env::temp_dir().join(format!("esxvirt-cli-allhosts-vcsim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let _cleanup = TempDir(dir.clone());
    let auth = esxvirt_testkit::write_libvirt_auth_file(&dir, "user", "pass");
    let run = |path: &str, args: &[&str]| {
        let uri = format!("vpx://user@{}/{path}?no_verify=1", sim.addr);
        let out = esxvirt(&uri, &auth, args);
        assert!(
            out.status.success(),
            "{path} {args:?}: {}",
            text(&out.stderr)
        );
        text(&out.stdout)
    };
    let mut expected = std::collections::BTreeSet::new();
    for (path, host) in [
        ("DC0/DC0_H0", "DC0_H0"),
        ("DC0/DC0_H1", "DC0_H1"),
        ("DC0/DC0_H2", "DC0_H2"),
        ("DC0/DC0_C0/DC0_C0_H0", "DC0_C0_H0"),
        ("DC0/DC0_C0/DC0_C0_H1", "DC0_C0_H1"),
        ("DC0/DC0_C0/DC0_C0_H2", "DC0_C0_H2"),
    ] {
        for name in run(path, &["list", "--all", "--name"]).lines() {
            if !name.is_empty() {
                expected.insert((name.to_string(), host.to_string()));
            }
        }
    }
    let table = run("DC0/DC0_H0", &["list", "--all-hosts", "--all"]);
    let mut lines = table.lines();
    let header: Vec<&str> = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(header, ["Id", "Name", "State", "Host"], "{table}");
    let listed: std::collections::BTreeSet<(String, String)> = lines
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            (words[1].to_string(), words[words.len() - 1].to_string())
        })
        .collect();
    assert_eq!(listed, expected);
    let hosts: std::collections::BTreeSet<&String> = expected.iter().map(|(_, h)| h).collect();
    assert!(hosts.len() >= 4, "VMs on several hosts: {expected:?}");
}
