//! Debian's virsh (libvirt 9.0's own C ESX driver, unmodified) against esxsim serving its
//! default ESX inventory, over https (`no_verify=1`) and over http: issue 4's acceptance list.
//! The tests fail when virsh is missing (`apt-get install --no-install-recommends
//! libvirt-clients`, done by .ci/setup).
//!
//! Default inventory used (src/inventory/defaults.rs): VMs web01 (running), db01 (off),
//! win2019 (suspended), serial-test (off; its file-backed serial port makes power-on ask a
//! question), tiny (off); datastore1 (VMFS); vSwitch0 with "VM Network".

mod common;

use std::path::{Path, PathBuf};

use common::{TestSim, VirshOut as Out};
use esxvirt_sim::{SimConfig, Tls};

/// One simulator plus what virsh needs to talk to it.
struct Env {
    sim: TestSim,
    dir: PathBuf,
    auth: PathBuf,
}

impl Env {
    fn start(tls: Tls) -> Env {
        let sim = TestSim::start(SimConfig {
            tls,
            ..SimConfig::default()
        });
        let n = esxvirt_sim::session::new_key().unwrap();
        let dir = std::env::temp_dir().join(format!("esxsim-virsh-{}", &n[2..14]));
        std::fs::create_dir_all(&dir).unwrap();
        let auth = esxvirt_testkit::write_libvirt_auth_file(&dir, "root", "password");
        Env { sim, dir, auth }
    }

    fn uri(&self, extra: &str) -> String {
        let url = self.sim.url();
        let port = url.rsplit(':').next().unwrap();
        let transport = if url.starts_with("https") {
            "no_verify=1"
        } else {
            "transport=http"
        };
        let sep = if extra.is_empty() { "" } else { "&" };
        format!("esx://root@127.0.0.1:{port}/?{transport}{sep}{extra}")
    }

    /// Runs `virsh -c URI ARGS` (with `extra` URI parameters).
    fn virsh_with(&self, extra: &str, args: &[&str]) -> Out {
        common::run_virsh(&self.uri(extra), &self.auth, &self.dir, args)
    }

    fn virsh(&self, args: &[&str]) -> Out {
        self.virsh_with("", args)
    }

    /// Runs virsh and requires success; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let o = self.virsh(args);
        assert!(
            o.ok,
            "virsh {} failed:\nstdout: {}\nstderr: {}",
            args.join(" "),
            o.stdout,
            o.stderr
        );
        o.stdout
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The value of `Key:` in virsh's `key: value` listings.
fn field<'a>(out: &'a str, key: &str) -> Option<&'a str> {
    out.lines()
        .find_map(|l| l.strip_prefix(key)?.trim_start().strip_prefix(':'))
        .map(str::trim)
}

#[test]
fn virsh_host_commands() {
    for tls in [Tls::SelfSigned, Tls::Off] {
        let env = Env::start(tls);
        let out = env.ok(&["uri"]);
        assert!(out.starts_with("esx://root@127.0.0.1:"), "{out}");
        let host = env.ok(&["hostname"]);
        assert!(!host.trim().is_empty());
        let v = env.ok(&["version"]);
        assert!(v.contains("Using API: ESX"), "{v}");
        assert!(v.contains("Running hypervisor: ESX 7.0.3"), "{v}");
        let n = env.ok(&["nodeinfo"]);
        assert!(
            field(&n, "CPU(s)").is_some_and(|c| c.parse::<u32>().unwrap() > 0),
            "{n}"
        );
        assert!(field(&n, "Memory size").is_some(), "{n}");
        let caps = env.ok(&["capabilities"]);
        assert!(
            caps.contains("<capabilities>") && caps.contains("<os_type>hvm</os_type>"),
            "{caps}"
        );
        // Each virsh run logs in; the stats endpoint counts it.
        assert!(env.sim.sim().stats().method("Login") >= 5);
    }
}

#[test]
fn virsh_domain_queries() {
    for tls in [Tls::SelfSigned, Tls::Off] {
        let env = Env::start(tls);
        let list = env.ok(&["list", "--all"]);
        for name in ["web01", "db01", "win2019", "serial-test", "tiny"] {
            assert!(list.contains(name), "{name} missing from\n{list}");
        }
        let running = list.lines().find(|l| l.contains("web01")).unwrap();
        assert!(running.contains("running"), "{running}");
        assert!(list
            .lines()
            .find(|l| l.contains("win2019"))
            .unwrap()
            .contains("paused"));
        assert!(list
            .lines()
            .find(|l| l.contains("db01"))
            .unwrap()
            .contains("shut off"));

        let info = env.ok(&["dominfo", "web01"]);
        assert_eq!(field(&info, "Name"), Some("web01"));
        assert_eq!(field(&info, "State"), Some("running"));
        assert!(
            field(&info, "UUID").is_some_and(|u| u.len() == 36),
            "{info}"
        );
        assert_eq!(env.ok(&["domstate", "db01"]).trim(), "shut off");

        let xml = env.ok(&["dumpxml", "web01"]);
        assert!(xml.starts_with("<domain type='vmware'"), "{xml}");
        assert!(xml.contains("<name>web01</name>"), "{xml}");
        assert!(xml.contains("[datastore1] web01/web01.vmdk"), "{xml}");

        let sched = env.ok(&["schedinfo", "web01"]);
        assert_eq!(field(&sched, "Scheduler"), Some("allocation"), "{sched}");
        assert!(field(&sched, "reservation").is_some(), "{sched}");
        assert!(field(&sched, "limit").is_some(), "{sched}");
        assert!(field(&sched, "shares").is_some(), "{sched}");
        // virsh 9.0 cannot query memtune on ESX (its driver rejects the string-param flag,
        // as against a real host); setting min_guarantee works and shows in the XML.
        env.ok(&["memtune", "db01", "--min-guarantee", "131072"]);
        let xml = env.ok(&["dumpxml", "db01"]);
        assert!(
            xml.contains("<min_guarantee unit='KiB'>131072</min_guarantee>"),
            "{xml}"
        );
    }
}

/// The domain `virsh define` creates (also read by scripts/bench/round_trips.py).
const NEW_DOMAIN: &str = include_str!("../../../testdata/fixtures/newvm-domain.xml");

#[test]
fn virsh_domain_lifecycle() {
    let env = Env::start(Tls::SelfSigned);
    let xml = env.write("newvm.xml", NEW_DOMAIN);
    let out = env.ok(&["define", path_str(&xml)]);
    assert!(out.contains("Domain 'newvm' defined"), "{out}");
    // Defining it again fails rather than overwriting.
    assert!(!env.virsh(&["define", path_str(&xml)]).ok);
    let dump = env.ok(&["dumpxml", "newvm"]);
    assert!(
        dump.contains("<memory unit='KiB'>524288</memory>"),
        "{dump}"
    );

    env.ok(&["start", "newvm"]);
    assert_eq!(env.ok(&["domstate", "newvm"]).trim(), "running");
    // A second start is refused.
    assert!(!env.virsh(&["start", "newvm"]).ok);
    env.ok(&["suspend", "newvm"]);
    assert_eq!(env.ok(&["domstate", "newvm"]).trim(), "paused");
    env.ok(&["resume", "newvm"]);
    assert_eq!(env.ok(&["domstate", "newvm"]).trim(), "running");
    env.ok(&["destroy", "newvm"]);
    assert_eq!(env.ok(&["domstate", "newvm"]).trim(), "shut off");

    // setmem sets memoryAllocation.limit; only flags 0 (--current) pass libvirt's ESX driver.
    env.ok(&["setmem", "newvm", "262144", "--current"]);
    let info = env.ok(&["dominfo", "newvm"]);
    assert_eq!(field(&info, "Used memory"), Some("262144 KiB"), "{info}");
    env.ok(&["autostart", "newvm"]);
    let info = env.ok(&["dominfo", "newvm"]);
    assert_eq!(field(&info, "Autostart"), Some("enable"), "{info}");
    env.ok(&["autostart", "--disable", "newvm"]);

    // shutdown asks the guest (tools) to power off: web01 runs with tools.
    env.ok(&["shutdown", "web01"]);
    assert_eq!(env.ok(&["domstate", "web01"]).trim(), "shut off");

    env.ok(&["undefine", "newvm"]);
    assert!(!env.ok(&["list", "--all"]).contains("newvm"));
    // undefine keeps the files: the .vmx is still on the datastore.
    let mut c = env.sim.client();
    use base64::Engine as _;
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("root:password")
    );
    let r = c
        .request(
            "GET",
            "/folder/newvm/newvm.vmx?dcPath=ha-datacenter&dsName=datastore1",
            &[("Authorization", &auth)],
            b"",
        )
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("displayName = \"newvm\""), "{}", r.body);
}

#[test]
fn virsh_snapshots() {
    let env = Env::start(Tls::Off);
    // tiny has no snapshots in the default inventory.
    assert_eq!(env.ok(&["snapshot-list", "tiny", "--name"]).trim(), "");
    env.ok(&["snapshot-create-as", "tiny", "first", "the first"]);
    env.ok(&["snapshot-create-as", "tiny", "second"]);
    let list = env.ok(&["snapshot-list", "tiny"]);
    assert!(list.contains("first") && list.contains("second"), "{list}");
    let tree = env.ok(&["snapshot-list", "tiny", "--tree"]);
    assert!(
        tree.contains("first") && tree.contains("+- second"),
        "{tree}"
    );
    assert_eq!(
        env.ok(&["snapshot-current", "tiny", "--name"]).trim(),
        "second"
    );
    assert_eq!(
        env.ok(&["snapshot-parent", "tiny", "second"]).trim(),
        "first"
    );
    env.ok(&["snapshot-revert", "tiny", "first"]);
    assert_eq!(
        env.ok(&["snapshot-current", "tiny", "--name"]).trim(),
        "first"
    );
    env.ok(&["snapshot-delete", "tiny", "second"]);
    let list = env.ok(&["snapshot-list", "tiny", "--name"]);
    assert_eq!(list.split_whitespace().collect::<Vec<_>>(), ["first"]);
    // db01 keeps its own tree.
    let db = env.ok(&["snapshot-list", "db01", "--name"]);
    assert!(!db.contains("first") && db.contains("base"), "{db}");
}

#[test]
fn virsh_networks_and_interfaces() {
    let env = Env::start(Tls::SelfSigned);
    let nets = env.ok(&["net-list", "--all"]);
    assert!(nets.contains("vSwitch0"), "{nets}");
    let xml = env.ok(&["net-dumpxml", "vSwitch0"]);
    assert!(xml.starts_with("<network>"), "{xml}");
    assert!(xml.contains("<portgroup name='VM Network'"), "{xml}");

    let def = env.write(
        "net.xml",
        "<network>\n  <name>vSwitchTest</name>\n  <forward mode='bridge'/>\n  <portgroup name='TestPG'/>\n</network>\n",
    );
    env.ok(&["net-define", path_str(&def)]);
    assert!(env.ok(&["net-list", "--all"]).contains("vSwitchTest"));
    env.ok(&["net-undefine", "vSwitchTest"]);
    assert!(!env.ok(&["net-list", "--all"]).contains("vSwitchTest"));

    // libvirt 9.0 looks physical NICs up by MAC even when given a name, so (as against a
    // real host) iface-list shows no rows and names do not resolve; MACs do.
    let name = env.ok(&["iface-name", "24:6e:96:00:00:04"]);
    assert_eq!(name.trim(), "vmnic0");
    let x = env.ok(&["iface-dumpxml", "24:6e:96:00:00:04"]);
    assert!(
        x.contains("<interface type='ethernet' name='vmnic0'>"),
        "{x}"
    );
    assert!(x.contains("<mac address='24:6e:96:00:00:04'/>"), "{x}");
}

#[test]
fn virsh_storage() {
    let env = Env::start(Tls::Off);
    let pools = env.ok(&["pool-list", "--all"]);
    assert!(pools.contains("datastore1"), "{pools}");
    let info = env.ok(&["pool-info", "datastore1"]);
    assert_eq!(field(&info, "State"), Some("running"), "{info}");
    let xml = env.ok(&["pool-dumpxml", "datastore1"]);
    assert!(xml.starts_with("<pool type='fs'>"), "{xml}");
    let vols = env.ok(&["vol-list", "datastore1"]);
    assert!(vols.contains("web01/web01.vmdk"), "{vols}");
    let vx = env.ok(&["vol-dumpxml", "--pool", "datastore1", "web01/web01.vmdk"]);
    assert!(vx.contains("<name>web01/web01.vmdk</name>"), "{vx}");

    env.ok(&[
        "vol-create-as",
        "datastore1",
        "scratch/new.vmdk",
        "10M",
        "--format",
        "vmdk",
    ]);
    assert!(env
        .ok(&["vol-list", "datastore1"])
        .contains("scratch/new.vmdk"));
    env.ok(&["vol-delete", "--pool", "datastore1", "scratch/new.vmdk"]);
    assert!(!env
        .ok(&["vol-list", "datastore1"])
        .contains("scratch/new.vmdk"));
}

#[test]
fn virsh_question_on_power_on() {
    let env = Env::start(Tls::SelfSigned);
    // auto_answer=1: the power-on task asks, libvirt answers with the default while waiting
    // for the task, and the start succeeds.
    let out = env.virsh_with("auto_answer=1", &["start", "serial-test"]);
    assert!(out.ok, "{} {}", out.stdout, out.stderr);
    assert_eq!(env.ok(&["domstate", "serial-test"]).trim(), "running");
    env.ok(&["destroy", "serial-test"]);

    // auto_answer=0: the start fails with the question and its choices; the non-cancelable
    // power-on task is left behind, blocked.
    let o = env.virsh(&["start", "serial-test"]);
    assert!(!o.ok, "{}", o.stdout);
    assert!(
        o.stderr
            .contains("Pending question blocks virtual machine execution"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr
            .contains("possible answers are 'Append', 'Replace', 'Cancel'"),
        "{}",
        o.stderr
    );
    assert_ne!(env.ok(&["domstate", "serial-test"]).trim(), "running");
    // A later command with auto_answer=1 answers the pending question first, which lets
    // the blocked power-on finish.
    let o = env.virsh_with("auto_answer=1", &["start", "serial-test"]);
    let state = env.ok(&["domstate", "serial-test"]);
    assert_eq!(state.trim(), "running", "start: {} {}", o.stdout, o.stderr);
}

#[test]
fn virsh_vpx_paths() {
    let sim = TestSim::start(SimConfig {
        tls: Tls::SelfSigned,
        inventory: esxvirt_sim::InventorySource::DefaultVCenter,
        ..SimConfig::default()
    });
    let n = esxvirt_sim::session::new_key().unwrap();
    let dir = std::env::temp_dir().join(format!("esxsim-virsh-{}", &n[2..14]));
    std::fs::create_dir_all(&dir).unwrap();
    let auth = esxvirt_testkit::write_libvirt_auth_file(&dir, "root", "password");
    let port = sim.url().rsplit(':').next().unwrap().to_string();
    let run = |path: &str, args: &[&str]| -> String {
        let uri = format!("vpx://root@127.0.0.1:{port}/{path}?no_verify=1");
        let out = common::run_virsh(&uri, &auth, &dir, args);
        assert!(
            out.ok,
            "virsh {path} {args:?}: {}{}",
            out.stdout, out.stderr
        );
        out.stdout
    };
    // A host in a cluster, and a standalone host.
    let list = run("dc1/cluster1/esx-01.example.com", &["list", "--all"]);
    assert!(list.contains("app01") && list.contains("app02"), "{list}");
    let info = run("dc1/cluster1/esx-01.example.com", &["dominfo", "app01"]);
    assert_eq!(field(&info, "State"), Some("running"), "{info}");
    assert_eq!(
        run("dc1/cluster1/esx-01.example.com", &["hostname"]).trim(),
        "esx-01.example.com"
    );
    let list = run("dc1/esx-04.example.com", &["list", "--all"]);
    assert!(list.contains("app07"), "{list}");
    let v = run("dc1/esx-04.example.com", &["version"]);
    // The driver reports the host it manages (through the vCenter).
    assert!(v.contains("Running hypervisor: ESX"), "{v}");
    let _ = std::fs::remove_dir_all(&dir);
}
