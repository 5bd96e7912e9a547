//! `esxvirt v2v-check` against esxsim serving the check inventories: the table with each
//! domain's reasons and command, `--json` (every check VM's verdict), `--csv` (one row per
//! domain, the header named), `--all-hosts` on vpx://, and the refusals (no domain, an
//! unknown one, --json with --csv). Then Debian's virt-v2v (`scripts/virt-v2v/setup.sh`)
//! on the printed `-ic` URIs and names: `--print-source` connects through libvirt's ESX
//! driver, reads the domain and sets up its disks over https, and names the VM.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{esxvirt, text, Sim};
use esxvirt_sim::inventory::CHECK_VMS;
use esxvirt_sim::InventorySource;

fn inventory(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/v2v")
        .join(name)
}

fn run(sim: &Sim, uri: &str, args: &[&str]) -> (String, String, i32) {
    let mut full = vec!["--no-session-cache"];
    full.extend_from_slice(args);
    let out = esxvirt(uri, &sim.auth_file(), &full);
    (
        text(&out.stdout),
        text(&out.stderr),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn table_json_and_csv_on_an_esx_host() {
    let sim = Sim::start_with(InventorySource::File(inventory("esx.json")));
    let uri = sim.uri();

    let (out, err, code) = run(&sim, &uri, &["v2v-check", "v2v-running", "v2v-ready"]);
    assert_eq!((err.as_str(), code), ("", 0), "{out}");
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some(" Name          Host                State      Verdict")
    );
    assert!(lines.next().unwrap().starts_with("-----"));
    assert_eq!(
        lines.next(),
        Some(" v2v-running   esx01.example.com   running    blocked")
    );
    assert_eq!(
        lines.next(),
        Some(" v2v-ready     esx01.example.com   shut off   ready")
    );
    assert!(
        out.contains("v2v-running: blocked\n  blocker  power: powered on: "),
        "{out}"
    );
    let cmd = format!(
        "  virt-v2v -ic 'esx://root@127.0.0.1:{}/?no_verify=1' -it vddk -io vddk-libdir=/opt/vddk -io vddk-thumbprint=",
        sim.port
    );
    let (out, _, _) = run(
        &sim,
        &uri,
        &["v2v-check", "v2v-ready", "--vddk-libdir", "/opt/vddk"],
    );
    assert!(out.contains(&cmd), "{out}");
    assert!(out.trim_end().ends_with(" v2v-ready"), "{out}");

    let (out, err, code) = run(&sim, &uri, &["--json", "v2v-check", "--all"]);
    assert_eq!((err.as_str(), code), ("", 0));
    let doc: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let vms = doc["vms"].as_array().expect("vms");
    for (name, verdict) in CHECK_VMS {
        let v = vms
            .iter()
            .find(|v| v["name"] == *name)
            .unwrap_or_else(|| panic!("{name}"));
        assert_eq!(v["verdict"], *verdict, "{name}");
        assert!(v["memory_kib"].is_u64() && v["disks"][0]["capacity_bytes"].is_u64());
    }
    let sha1 = doc["thumbprint_sha1"].as_str().expect("thumbprint");
    assert_eq!(sha1.len(), 59, "{sha1}");

    let (out, err, code) = run(
        &sim,
        &uri,
        &["v2v-check", "--csv", "v2v-shared", "v2v-ready"],
    );
    assert_eq!((err.as_str(), code), ("", 0));
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(rows.len(), 3, "{out}");
    assert!(rows[0].starts_with("name,uuid,datacenter,cluster,host,state,vcpus,memory_kib,"));
    assert!(rows[1].starts_with("v2v-shared,"));
    assert!(rows[1].contains(",blocked,blocker disks: "), "{}", rows[1]);
    assert!(rows[2].contains(",ready,"), "{}", rows[2]);

    for (args, message) in [
        (
            vec!["v2v-check"],
            "error: no domain given: name domains, or use --all or --all-hosts",
        ),
        (
            vec!["v2v-check", "nope"],
            "error: Domain not found: Could not find domain with name 'nope'",
        ),
        (
            vec!["--json", "v2v-check", "--all", "--csv"],
            "Options --json and --csv are mutually exclusive",
        ),
    ] {
        let (_, err, code) = run(&sim, &uri, &args);
        assert_eq!(code, 1, "{args:?}");
        assert!(err.contains(message), "{args:?}: {err}");
    }
}

#[test]
fn all_hosts_on_a_vcenter() {
    let sim = Sim::start_with(InventorySource::File(inventory("vcenter.json")));
    let uri = format!(
        "vpx://root@127.0.0.1:{}/dc1/cluster1/esx-01.example.com?no_verify=1",
        sim.port
    );
    let (one, err, code) = run(&sim, &uri, &["v2v-check", "--all"]);
    assert_eq!((err.as_str(), code), ("", 0));
    assert!(!one.contains("esx-04.example.com"), "{one}");
    let (all, err, code) = run(&sim, &uri, &["v2v-check", "--all-hosts"]);
    assert_eq!((err.as_str(), code), ("", 0));
    assert!(
        all.contains(&format!(
            "virt-v2v -ic 'vpx://root@127.0.0.1:{}/dc1/esx-04.example.com?no_verify=1'",
            sim.port
        )),
        "{all}"
    );
    assert!(all.contains(" v2v-shared      ") || all.contains(" v2v-shared "));
}

/// Debian's virt-v2v as `scripts/virt-v2v/setup.sh` unpacks it.
fn virt_v2v() -> PathBuf {
    let p = esxvirt_testkit::workspace_root().join("target/virt-v2v/virt-v2v");
    if !p.exists() {
        esxvirt_testkit::missing_peer(
            "Debian's virt-v2v (unpacked into target/virt-v2v)",
            "bash scripts/virt-v2v/setup.sh",
        );
    }
    p
}

/// `virt-v2v -ic URI -ip PASSWORD_FILE --print-source NAME` for every VM named, with the
/// URI and name `v2v-check --json` gives it; each must be found and its disk listed.
fn virt_v2v_finds(sim: &Sim, uri: &str, all: &str, names: &[&str]) {
    let v2v = virt_v2v();
    let (out, err, code) = run(sim, uri, &["--json", "v2v-check", all]);
    assert_eq!((err.as_str(), code), ("", 0));
    let doc: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let password = sim.write("v2v-password", "password");
    for name in names {
        let vm = doc["vms"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == *name)
            .unwrap_or_else(|| panic!("{name}"));
        let source = vm["source_uri"].as_str().expect("source URI");
        let cmd = vm["command"].as_str().expect("a command");
        assert!(
            cmd.starts_with(&format!("virt-v2v -ic '{source}' ")),
            "{cmd}"
        );
        let out = Command::new(&v2v)
            .args(["-ic", source, "-ip"])
            .arg(&password)
            .args(["--print-source", name])
            .output()
            .expect("virt-v2v runs");
        let stdout = text(&out.stdout);
        assert!(
            out.status.success(),
            "virt-v2v -ic {source} {name}: {}{stdout}",
            text(&out.stderr)
        );
        assert!(
            stdout.contains(&format!("    source name: {name}\n")),
            "{stdout}"
        );
        assert!(stdout.contains("disks:\n\t0 [scsi]"), "{stdout}");
    }
}

#[test]
fn debian_virt_v2v_opens_the_printed_uris() {
    let esx = Sim::start_with(InventorySource::File(inventory("esx.json")));
    let uri = esx.uri();
    virt_v2v_finds(
        &esx,
        &uri,
        "--all",
        &["v2v-ready", esxvirt_sim::inventory::ESCAPED_NAME],
    );
    let vc = Sim::start_with(InventorySource::File(inventory("vcenter.json")));
    let uri = format!(
        "vpx://root@127.0.0.1:{}/dc1/cluster1/esx-01.example.com?no_verify=1",
        vc.port
    );
    // A cluster host's VM and a standalone host's, both from one --all-hosts report.
    virt_v2v_finds(&vc, &uri, "--all-hosts", &["v2v-ready", "v2v-ready-cbt"]);
}
