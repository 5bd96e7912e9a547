//! Byte-for-byte comparison of the driver's XML documents with what Debian's virsh (libvirt's
//! own ESX driver) prints against the same esxsim: domain, capabilities, network, interface,
//! pool and volume XML, plus hostname and version. Fails (never skips) without virsh.

mod common;

use std::process::Command;

use common::Sim;
use esxvirt_driver::Connection;
use esxvirt_sim::InventorySource;

/// esxsim over TLS and the directory holding virsh's auth file, removed after it stops.
struct Virsh {
    vcenter: bool,
    sim: Sim,
    dir: std::path::PathBuf,
}

impl Drop for Virsh {
    fn drop(&mut self) {
        self.sim.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start() -> Virsh {
    start_with(InventorySource::DefaultEsx)
}

fn start_with(inventory: InventorySource) -> Virsh {
    let sim = Sim::start(inventory, true);
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("esxvirt-driver-virsh-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    esxvirt_testkit::write_libvirt_auth_file(&dir, "root", "password");
    Virsh {
        vcenter: false,
        sim,
        dir,
    }
}

impl Virsh {
    fn uri(&self) -> String {
        if self.vcenter {
            self.sim.vpx()
        } else {
            self.sim.esx()
        }
    }
    fn virsh(&self, args: &[&str]) -> String {
        match self.virsh_result(args) {
            Ok(s) => s,
            Err(e) => panic!("virsh {args:?} failed: {e}"),
        }
    }
    fn virsh_result(&self, args: &[&str]) -> Result<String, String> {
        let out = Command::new(esxvirt_testkit::virsh_path())
            .arg("-c")
            .arg(self.uri())
            .args(args)
            .env("LIBVIRT_AUTH_FILE", self.dir.join("auth.conf"))
            .output()
            .expect("run virsh");
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

/// Compares a document with virsh's output; virsh's own printing adds trailing newlines
/// (the CLI's business), so those are not compared here.
fn same(virsh: String, ours: String, what: &str) {
    assert_eq!(
        virsh.trim_end(),
        ours.trim_end(),
        "{what} differs from virsh"
    );
}

/// virsh's `args` (a `--name` listing) names the same objects as `ours`, in any order.
fn assert_names_same(sim: &Virsh, args: &[&str], mut ours: Vec<String>) {
    let listed = sim.virsh(args);
    let mut theirs: Vec<&str> = listed
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    theirs.sort();
    ours.sort();
    assert_eq!(theirs, ours, "{}", args.join(" "));
}

/// Every domain's `dumpxml` is the same from virsh and from the driver (or fails in both).
fn assert_dumpxml_same(sim: &Virsh, conn: &Connection) {
    let mut failures = Vec::new();
    for d in conn.list_all_domains(0).expect("list") {
        let name = d.get_name().to_string();
        match (sim.virsh_result(&["dumpxml", &name]), d.get_xml_desc(0)) {
            (Ok(v), Ok(o)) => {
                if v.trim_end() != o.trim_end() {
                    failures.push(format!("dumpxml {name}:\n--- virsh\n{v}--- ours\n{o}\n"));
                }
            }
            (Err(_), Err(_)) => {}
            (v, o) => failures.push(format!("dumpxml {name}: virsh {v:?}, ours {o:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn esxsim_virsh_diff_xml_documents() {
    let sim = start();
    let conn = Connection::open(&sim.uri(), &common::options("root", "password")).expect("open");
    assert_dumpxml_same(&sim, &conn);
    assert_eq!(
        sim.virsh(&["capabilities"]).trim_end(),
        conn.get_capabilities().expect("caps").trim_end(),
        "capabilities differs from virsh"
    );
    for n in conn.list_all_networks(0).expect("nets") {
        same(
            sim.virsh(&["net-dumpxml", n.get_name()]),
            n.get_xml_desc(0).expect("net xml"),
            &format!("net-dumpxml {}", n.get_name()),
        );
    }
    for p in conn.list_all_storage_pools(0).expect("pools") {
        same(
            sim.virsh(&["pool-dumpxml", p.get_name()]),
            p.get_xml_desc(0).expect("pool xml"),
            &format!("pool-dumpxml {}", p.get_name()),
        );
        for v in p.list_volumes().expect("vols") {
            let vol = p.storage_vol_lookup_by_name(&v).expect("vol");
            same(
                sim.virsh(&["vol-dumpxml", "--pool", p.get_name(), &v]),
                vol.get_xml_desc(0).expect("vol xml"),
                &format!("vol-dumpxml {v}"),
            );
        }
    }
    // Snapshots taken through the driver, described by both.
    let dom = conn.domain_lookup_by_name("web01").expect("web01");
    dom.snapshot_create_xml(
        "<domainsnapshot><name>s1</name><description>first &amp; best</description></domainsnapshot>",
        0,
    )
    .expect("snapshot");
    dom.snapshot_create_xml("<domainsnapshot><name>s2</name></domainsnapshot>", 0)
        .expect("snapshot 2");
    for name in ["s1", "s2"] {
        let snap = dom.snapshot_lookup_by_name(name, 0).expect("lookup");
        same(
            sim.virsh(&["snapshot-dumpxml", "web01", name]),
            snap.get_xml_desc(0).expect("snapshot xml"),
            &format!("snapshot-dumpxml {name}"),
        );
    }
    let listed = sim.virsh(&["snapshot-list", "--name", "web01"]);
    let mut ours = dom.snapshot_list_names(0).expect("names");
    ours.sort();
    assert_eq!(listed.trim_end(), ours.join("\n"));
    let ours = conn
        .list_all_storage_pools(0)
        .expect("pools")
        .iter()
        .map(|p| p.get_name().to_string())
        .collect();
    assert_names_same(&sim, &["pool-list", "--all", "--name"], ours);
    let hostname = sim.virsh(&["hostname"]);
    assert_eq!(hostname.trim_end(), conn.get_hostname().expect("hostname"));
}

#[test]
fn esxsim_virsh_diff_vcenter_dumpxml() {
    let mut sim = start_with(InventorySource::DefaultVCenter);
    sim.vcenter = true;
    let conn = Connection::open(&sim.uri(), &common::options("root", "password")).expect("open");
    assert_dumpxml_same(&sim, &conn);
    let ours = common::domain_names(&conn).into_iter().collect();
    assert_names_same(&sim, &["list", "--all", "--name"], ours);
}
