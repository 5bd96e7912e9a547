//! World-model fidelity as Debian's virsh (libvirt 9.0's C ESX driver) sees it: every default
//! VM converts with `dumpxml` without a single warning, defined domains land as real .vmx files
//! and read back unchanged, volumes are real files, and vCenter paths resolve. Fails when virsh
//! is missing (`.ci/setup` installs libvirt-clients).

mod common;

use std::path::PathBuf;

use common::{TestSim, VirshOut as Out};
use esxvirt_sim::{InventorySource, SimConfig, Tls};

struct Env {
    sim: TestSim,
    dir: PathBuf,
    files: PathBuf,
    auth: PathBuf,
    vcenter: bool,
}

impl Env {
    fn start(vcenter: bool) -> Env {
        let n = esxvirt_sim::session::new_key().expect("random");
        let dir = std::env::temp_dir().join(format!("esxsim-invvirsh-{}", &n[2..14]));
        let files = dir.join("files");
        std::fs::create_dir_all(&files).expect("temp dir");
        let sim = TestSim::start(SimConfig {
            tls: Tls::Off,
            inventory: if vcenter {
                InventorySource::DefaultVCenter
            } else {
                InventorySource::DefaultEsx
            },
            files_dir: Some(files.clone()),
            ..SimConfig::default()
        });
        let auth = esxvirt_testkit::write_libvirt_auth_file(&dir, "root", "password");
        Env {
            sim,
            dir,
            files,
            auth,
            vcenter,
        }
    }

    fn uri(&self) -> String {
        let url = self.sim.url();
        let port = url.rsplit(':').next().unwrap_or_default();
        if self.vcenter {
            format!("vpx://root@127.0.0.1:{port}/dc1/cluster1/esx-01.example.com?transport=http")
        } else {
            format!("esx://root@127.0.0.1:{port}/?transport=http")
        }
    }

    fn virsh(&self, args: &[&str]) -> Out {
        common::run_virsh(&self.uri(), &self.auth, &self.dir, args)
    }

    /// Runs virsh, requires success and a silent stderr (libvirt warns on every field of a
    /// response it does not know).
    fn quiet(&self, args: &[&str]) -> String {
        let o = self.virsh(args);
        assert!(
            o.ok && o.stderr.trim().is_empty(),
            "virsh {} failed or warned:\nstdout: {}\nstderr: {}",
            args.join(" "),
            o.stdout,
            o.stderr
        );
        o.stdout
    }

    fn file(&self, ds_rel: &str) -> PathBuf {
        self.files.join(ds_rel)
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn names(list: &str) -> Vec<String> {
    list.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn inv_virsh_dumpxml_every_default_vm_quietly() {
    for vcenter in [false, true] {
        let env = Env::start(vcenter);
        let vms = names(&env.quiet(&["list", "--all", "--name"]));
        assert!(vms.len() >= 2, "{vms:?}");
        for vm in &vms {
            let xml = env.quiet(&["dumpxml", vm]);
            assert!(xml.contains(&format!("<name>{vm}</name>")), "{xml}");
            env.quiet(&["dominfo", vm]);
        }
        // Host-side objects decode without warnings too.
        for args in [
            &["nodeinfo"][..],
            &["capabilities"],
            &["net-list", "--all"],
            &["net-dumpxml", "vSwitch0"],
            &["pool-list", "--all"],
            &["vol-list", "nfs-iso"],
            &["iface-dumpxml", "24:6e:96:00:00:04"],
        ] {
            env.quiet(args);
        }
    }
}

#[test]
fn inv_virsh_dumpxml_reflects_varied_hardware() {
    let env = Env::start(false);
    let db = env.quiet(&["dumpxml", "db01"]);
    // Two disks, static + generated MACs on two networks, reservation/limit/shares.
    assert!(
        db.contains("<source file='[datastore1] db01/db01.vmdk'/>"),
        "{db}"
    );
    assert!(
        db.contains("<source file='[datastore1] db01/db01_1.vmdk'/>"),
        "{db}"
    );
    assert!(
        db.contains("<mac address='00:50:56:01:02:03' type='static'/>"),
        "{db}"
    );
    assert!(db.contains("<source bridge='Internal'/>"), "{db}");
    assert!(
        db.contains("<description>PostgreSQL 14</description>"),
        "{db}"
    );
    let web = env.quiet(&["dumpxml", "web01"]);
    assert!(
        web.contains("<source file='[nfs-iso] ubuntu-22.04-live-server-amd64.iso'/>"),
        "{web}"
    );
    assert!(web.contains("model='vmpvscsi'"), "{web}");
    assert!(web.contains("<model type='vmxnet3'/>"), "{web}");
    let win = env.quiet(&["dumpxml", "win2019"]);
    assert!(
        win.contains("<os firmware='efi'>") || win.contains("firmware='efi'"),
        "{win}"
    );
    let ser = env.quiet(&["dumpxml", "serial-test"]);
    assert!(ser.contains("<serial type='file'>"), "{ser}");
    assert!(ser.contains("<parallel type='file'>"), "{ser}");
    let tiny = env.quiet(&["dumpxml", "tiny"]);
    assert!(tiny.contains("<target dev='hda' bus='ide'/>"), "{tiny}");
    let sched = env.quiet(&["schedinfo", "db01"]);
    assert!(sched.contains("reservation    : 1000"), "{sched}");
    assert!(sched.contains("limit          : 8000"), "{sched}");
}

#[test]
fn inv_virsh_define_writes_real_vmx_and_reads_it_back() {
    let env = Env::start(false);
    let xml = "<domain type='vmware'>\n  <name>fresh</name>\n  <uuid>0c3e8f5a-6b1d-4e2f-9a7c-5d4b3a291807</uuid>\n  <description>made by a test</description>\n  <memory unit='KiB'>524288</memory>\n  <vcpu>2</vcpu>\n  <os><type arch='x86_64'>hvm</type></os>\n  <devices>\n    <disk type='file' device='disk'>\n      <source file='[datastore1] fresh/fresh.vmdk'/>\n      <target dev='sda' bus='scsi'/>\n    </disk>\n    <disk type='file' device='cdrom'>\n      <source file='[nfs-iso] ubuntu-22.04-live-server-amd64.iso'/>\n      <target dev='hdc' bus='ide'/>\n    </disk>\n    <interface type='bridge'>\n      <mac address='00:50:56:3f:00:11'/>\n      <source bridge='VM Network'/>\n      <model type='vmxnet3'/>\n    </interface>\n    <serial type='file'>\n      <source path='[datastore1] fresh/console.log'/>\n      <target port='0'/>\n    </serial>\n  </devices>\n</domain>\n";
    let path = env.dir.join("fresh.xml");
    std::fs::write(&path, xml).expect("write xml");
    env.quiet(&["define", path.to_str().unwrap_or_default()]);
    // The .vmx is a real file in the datastore directory.
    let vmx = std::fs::read_to_string(env.file("datastore1/fresh/fresh.vmx")).expect("vmx exists");
    assert!(vmx.contains("displayName = \"fresh\""), "{vmx}");
    assert!(vmx.contains("memsize = \"512\""), "{vmx}");
    let back = env.quiet(&["dumpxml", "fresh"]);
    for piece in [
        "<uuid>0c3e8f5a-6b1d-4e2f-9a7c-5d4b3a291807</uuid>",
        "<description>made by a test</description>",
        "<memory unit='KiB'>524288</memory>",
        "<vcpu placement='static'>2</vcpu>",
        "<source file='[datastore1] fresh/fresh.vmdk'/>",
        "<source file='[nfs-iso] ubuntu-22.04-live-server-amd64.iso'/>",
        "<mac address='00:50:56:3f:00:11' type='static'/>",
        "<source path='[datastore1] fresh/console.log'/>",
    ] {
        assert!(back.contains(piece), "missing {piece} in\n{back}");
    }
    // Defining the same name again is refused; undefine keeps the files.
    let again = env.virsh(&["define", path.to_str().unwrap_or_default()]);
    assert!(!again.ok);
    env.quiet(&["undefine", "fresh"]);
    assert!(env.file("datastore1/fresh/fresh.vmx").exists());
    assert!(!names(&env.quiet(&["list", "--all", "--name"])).contains(&"fresh".to_string()));
}

#[test]
fn inv_virsh_volumes_are_real_files() {
    let env = Env::start(false);
    env.quiet(&[
        "vol-create-as",
        "datastore1",
        "vols/disk1.vmdk",
        "2G",
        "--format",
        "vmdk",
    ]);
    let desc = env.file("datastore1/vols/disk1.vmdk");
    let flat = env.file("datastore1/vols/disk1-flat.vmdk");
    assert!(std::fs::read_to_string(&desc)
        .expect("descriptor")
        .contains("RW 4194304 VMFS"));
    assert_eq!(std::fs::metadata(&flat).expect("extent").len(), 2 << 30);
    let info = env.quiet(&["vol-info", "[datastore1] vols/disk1.vmdk"]);
    assert!(info.contains("2.00 GiB"), "{info}");
    let listed = env.quiet(&["vol-list", "datastore1"]);
    assert!(listed.contains("vols/disk1.vmdk"), "{listed}");
    assert!(!listed.contains("flat"), "{listed}");
    env.quiet(&["vol-delete", "[datastore1] vols/disk1.vmdk"]);
    assert!(!desc.exists() && !flat.exists());
}

#[test]
fn inv_virsh_reconfigure_rewrites_vmx() {
    let env = Env::start(false);
    // Scheduler parameters go through ReconfigVM_Task and land in the .vmx.
    env.quiet(&["schedinfo", "tiny", "--set", "reservation=300"]);
    env.quiet(&["schedinfo", "tiny", "--set", "limit=900"]);
    let vmx = std::fs::read_to_string(env.file("datastore1/tiny/tiny.vmx")).expect("vmx");
    assert!(vmx.contains("sched.cpu.min = \"300\""), "{vmx}");
    assert!(vmx.contains("sched.cpu.max = \"900\""), "{vmx}");
    let sched = env.quiet(&["schedinfo", "tiny"]);
    assert!(sched.contains("reservation    : 300"), "{sched}");
    // Snapshots leave their files next to the .vmx.
    env.quiet(&["snapshot-create-as", "tiny", "snap1"]);
    assert!(env.file("datastore1/tiny/tiny-Snapshot1.vmsn").exists());
    env.quiet(&["snapshot-delete", "tiny", "snap1"]);
    assert!(!env.file("datastore1/tiny/tiny-Snapshot1.vmsn").exists());
}

/// A domain with most VMX-expressible hardware, as libvirt writes it.
const COMPLEX: &str = include_str!("../../../testdata/fixtures/complex-domain.xml");

#[test]
fn inv_virsh_rewrite_after_reconfigure_keeps_dumpxml() {
    let env = Env::start(false);
    let path = env.dir.join("complex.xml");
    std::fs::write(&path, COMPLEX).expect("write xml");
    env.quiet(&["define", path.to_str().unwrap_or_default()]);
    let before = env.quiet(&["dumpxml", "complex"]);
    // A reconfiguration that changes nothing visible makes the host rewrite the .vmx from its
    // model; libvirt must read back exactly the same domain.
    env.quiet(&["schedinfo", "complex", "--set", "limit=-1"]);
    let vmx = std::fs::read_to_string(env.file("datastore1/complex/complex.vmx")).expect("vmx");
    assert!(vmx.contains("vc.uuid = "), "the file was rewritten: {vmx}");
    assert!(
        vmx.contains("serial1.tryNoRxLoss = \"false\""),
        "unknown keys are kept: {vmx}"
    );
    let after = env.quiet(&["dumpxml", "complex"]);
    assert_eq!(before, after);
    // Devices and tuning survived the trip.
    for piece in [
        "<shares>4000</shares>",
        "<min_guarantee unit='KiB'>524288</min_guarantee>",
        "<topology sockets='2' dies='1' cores='2' threads='1'/>",
        "<source path='\\\\.\\pipe\\com_1'/>",
        "<protocol type='telnet'/>",
        "<source dev='/dev/cdrom'/>",
        "<source file='[datastore1] complex/boot.flp'/>",
        "<model type='vmvga' vram='8192' primary='yes'/>",
    ] {
        assert!(after.contains(piece), "missing {piece} in\n{after}");
    }
}

#[test]
fn inv_virsh_question_survives_a_restart_with_state_file() {
    let n = esxvirt_sim::session::new_key().expect("random");
    let dir = std::env::temp_dir().join(format!("esxsim-invstate-{}", &n[2..14]));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let state = dir.join("state.json");
    let auth = esxvirt_testkit::write_libvirt_auth_file(&dir, "root", "password");
    let start = || {
        TestSim::start(SimConfig {
            tls: Tls::Off,
            state_file: Some(state.clone()),
            ..SimConfig::default()
        })
    };
    let virsh = |sim: &TestSim, extra: &str, args: &[&str]| {
        let port = sim.url().rsplit(':').next().unwrap_or_default().to_string();
        let uri = format!("esx://root@127.0.0.1:{port}/?transport=http&{extra}");
        let out = common::run_virsh(&uri, &auth, &dir, args);
        (out.ok, out.stdout + &out.stderr)
    };
    {
        let sim = start();
        let (ok, out) = virsh(&sim, "auto_answer=0", &["start", "serial-test"]);
        assert!(
            !ok && out.contains("Pending question blocks virtual machine execution"),
            "{out}"
        );
    }
    // A new process on the same state: the question and its blocked power-on are still there,
    // so libvirt answers it and reports the pending task exactly as before the restart.
    let sim = start();
    let (ok, out) = virsh(&sim, "auto_answer=1", &["start", "serial-test"]);
    assert!(
        !ok && out.contains("Other tasks are pending for this domain"),
        "{out}"
    );
    let (ok, out) = virsh(&sim, "auto_answer=1", &["domstate", "serial-test"]);
    assert!(ok && out.trim() == "running", "{out}");
    drop(sim);
    let _ = std::fs::remove_dir_all(&dir);
}
