//! `Connection::v2v_check` against esxsim serving the check inventories
//! (`testdata/v2v/esx.json`, `testdata/v2v/vcenter.json`: a VM for every check) over https
//! with a certificate made here: every check VM gets its verdict; a running VM is blocked
//! for being powered on; a ready VM's command carries the SHA-1 thumbprint of that
//! certificate and an `-ic` URI this driver opens and finds the VM through; a vpx:// path
//! for a cluster host and for a standalone one; the retrieval is one paged
//! RetrievePropertiesEx whatever the number of VMs.

mod common;

use std::path::PathBuf;

use common::{options, tempdir, Sim};
use esxvirt_driver::trust::Thumbprints;
use esxvirt_driver::v2v::{Check, Severity, V2vOptions, V2vReport, Verdict, VmReadiness};
use esxvirt_driver::{Connection, ErrorCode};
use esxvirt_sim::inventory::{CHECK_VMS, ESCAPED_NAME};
use esxvirt_sim::{InventorySource, SimConfig, Tls};
use esxvirt_testkit::pki::{private_ca, PrivateCa};

fn inventory(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/v2v")
        .join(name)
}

fn sim_with(pki: &PrivateCa, inventory: InventorySource) -> Sim {
    Sim::start_with(SimConfig {
        inventory,
        tls: Tls::Files {
            cert: pki.cert_pem.clone(),
            key: pki.key_pem.clone(),
        },
        ..SimConfig::default()
    })
}

fn open(uri: &str) -> Connection {
    Connection::open(uri, &options("root", "password")).unwrap_or_else(|e| panic!("{uri}: {e}"))
}

fn vm<'a>(report: &'a V2vReport, name: &str) -> &'a VmReadiness {
    report
        .vms
        .iter()
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("{name} not in the report"))
}

/// Every check VM's verdict is the one the inventory promises.
fn verdicts_as_promised(report: &V2vReport) {
    for (name, want) in CHECK_VMS {
        let v = vm(report, name);
        assert_eq!(v.verdict.as_str(), *want, "{name}: {:#?}", v.reasons);
        assert_eq!(
            v.command.is_some(),
            v.verdict != Verdict::Blocked,
            "{name}: a command exactly when it can go"
        );
    }
}

/// Opens the `-ic` URI of `v` and finds the VM by the name the command gives virt-v2v.
fn source_reaches(v: &VmReadiness) {
    let uri = v.source_uri.as_deref().expect("a source URI");
    let conn = open(uri);
    let dom = conn
        .domain_lookup_by_name(&v.name)
        .unwrap_or_else(|e| panic!("{uri} {}: {e}", v.name));
    assert_eq!(dom.get_uuid_string(), v.uuid);
}

fn has_reason(v: &VmReadiness, check: Check, severity: Severity, text: &str) -> bool {
    v.reasons
        .iter()
        .any(|r| r.check == check && r.severity == severity && r.message.contains(text))
}

#[test]
fn esx_host_verdicts_thumbprint_and_a_uri_that_opens() {
    let dir = tempdir("v2v-esx");
    let pki = private_ca(&dir, "v2v CA", &["127.0.0.1", "localhost"]);
    let sim = sim_with(&pki, InventorySource::File(inventory("esx.json")));
    let conn = open(&sim.esx());
    sim.sim().reset_stats();
    let report = conn
        .v2v_check(&V2vOptions {
            domains: vec![],
            ..Default::default()
        })
        .expect("v2v-check");
    // One retrieval, no continuation for a few VMs, after the one that brings the service
    // content a fresh esx:// session has not read yet; the thumbprint costs no SOAP
    // request.
    let stats = sim.sim().stats();
    assert_eq!(stats.method("RetrievePropertiesEx"), 2, "{stats:?}");
    assert_eq!(stats.soap_requests, 2, "{stats:?}");

    verdicts_as_promised(&report);
    let sha1 = Thumbprints::of_der(&pki.cert_der).sha1_hex();
    assert_eq!(report.thumbprint_sha1.as_deref(), Some(sha1.as_str()));
    assert!(report.notes.is_empty(), "{:?}", report.notes);

    let running = vm(&report, "v2v-running");
    assert!(has_reason(
        running,
        Check::Power,
        Severity::Blocker,
        "powered on"
    ));
    let ready = vm(&report, "v2v-ready");
    let cmd = ready.command.as_deref().expect("command");
    let uri = ready.source_uri.as_deref().expect("uri");
    assert_eq!(
        cmd,
        format!(
            "virt-v2v -ic '{uri}' -it vddk -io vddk-libdir=/path/to/vmware-vix-disklib-distrib -io vddk-thumbprint={sha1} v2v-ready"
        )
    );
    assert_eq!(uri, format!("esx://root@{}/?no_verify=1", sim.addr()));
    source_reaches(ready);
    assert_eq!(ready.host, "esx01.example.com");
    assert_eq!(ready.state, "shutoff");
    assert_eq!(ready.disks.len(), 1);
    assert_eq!(ready.disks[0].capacity_bytes, 8 << 30);
    assert_eq!(ready.disks[0].datastore.as_deref(), Some("datastore1"));
    assert_eq!(ready.nics[0].network, "VM Network");

    // The name that needs escaping: quoted for the shell, found by libvirt's name.
    let odd = vm(&report, ESCAPED_NAME);
    assert!(
        odd.command
            .as_deref()
            .unwrap()
            .ends_with(" 'v2v it'\\''s 50%/half \"ready\" é'"),
        "{:?}",
        odd.command
    );
    source_reaches(odd);

    // Each check VM blocked or warned for its own reason.
    for (name, check, severity, text) in [
        (
            "v2v-snapshots",
            Check::Snapshots,
            Severity::Warning,
            "1 snapshot",
        ),
        (
            "v2v-rdm-physical",
            Check::Disks,
            Severity::Blocker,
            "physical-mode RDM",
        ),
        (
            "v2v-rdm-virtual",
            Check::Disks,
            Severity::Warning,
            "virtual-mode RDM",
        ),
        (
            "v2v-independent",
            Check::Disks,
            Severity::Warning,
            "independent",
        ),
        (
            "v2v-shared",
            Check::Disks,
            Severity::Blocker,
            "multi-writer",
        ),
        ("v2v-shared", Check::Disks, Severity::Blocker, "bus sharing"),
        (
            "v2v-encrypted",
            Check::Encryption,
            Severity::Blocker,
            "encrypted",
        ),
        (
            "v2v-encrypted",
            Check::Encryption,
            Severity::Warning,
            "virtual TPM",
        ),
        (
            "v2v-uefi-secureboot",
            Check::Firmware,
            Severity::Warning,
            "Secure Boot",
        ),
        (
            "v2v-uefi-secureboot",
            Check::Tools,
            Severity::Warning,
            "VMware Tools",
        ),
        (
            "v2v-freebsd",
            Check::GuestOs,
            Severity::Blocker,
            "only Linux and Windows",
        ),
        ("v2v-win2000", Check::GuestOs, Severity::Blocker, "older"),
        (
            "v2v-no-tools",
            Check::Tools,
            Severity::Info,
            "not installed",
        ),
        (
            "v2v-offline-ds",
            Check::Datastores,
            Severity::Blocker,
            "not accessible",
        ),
        (
            "v2v-ready",
            Check::Cbt,
            Severity::Info,
            "changed block tracking",
        ),
        (ESCAPED_NAME, Check::Name, Severity::Info, "escaping"),
    ] {
        assert!(
            has_reason(vm(&report, name), check, severity, text),
            "{name}: {check:?} {severity:?} '{text}' in {:#?}",
            vm(&report, name).reasons
        );
    }
    assert!(vm(&report, "v2v-ready-cbt").cbt);
    assert_eq!(
        vm(&report, "v2v-rdm-physical").disks[1].backing,
        "rdm-physical"
    );
    assert_eq!(vm(&report, "v2v-encrypted").firmware, "efi");
    assert!(vm(&report, "v2v-encrypted").encrypted);
    assert!(vm(&report, "v2v-uefi-secureboot").secure_boot);
    assert_eq!(vm(&report, "v2v-snapshots").snapshots, 1);

    // Named domains, in the order given; an unknown one is libvirt's error.
    let some = conn
        .v2v_check(&V2vOptions {
            domains: vec!["v2v-freebsd".into(), ready.uuid.clone()],
            ..Default::default()
        })
        .expect("named");
    let names: Vec<&str> = some.vms.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["v2v-freebsd", "v2v-ready"]);
    let e = conn
        .v2v_check(&V2vOptions {
            domains: vec!["nope".into()],
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NoDomain);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn vcenter_paths_for_cluster_and_standalone_hosts() {
    let dir = tempdir("v2v-vc");
    let pki = private_ca(&dir, "v2v CA", &["127.0.0.1", "localhost"]);
    let sim = sim_with(&pki, InventorySource::File(inventory("vcenter.json")));
    let conn = open(&sim.vpx());
    sim.sim().reset_stats();
    let all = conn
        .v2v_check(&V2vOptions {
            all_hosts: true,
            ..Default::default()
        })
        .expect("all hosts");
    let stats = sim.sim().stats();
    assert_eq!(stats.soap_requests, 1, "{stats:?}");
    verdicts_as_promised(&all);
    let sha1 = Thumbprints::of_der(&pki.cert_der).sha1_hex();
    assert_eq!(all.thumbprint_sha1.as_deref(), Some(sha1.as_str()));

    let cluster = vm(&all, "v2v-ready");
    assert_eq!(
        cluster.source_uri.as_deref(),
        Some(
            format!(
                "vpx://root@{}/dc1/cluster1/esx-01.example.com?no_verify=1",
                sim.addr()
            )
            .as_str()
        )
    );
    assert_eq!(cluster.cluster.as_deref(), Some("cluster1"));
    assert_eq!(cluster.datacenter, "dc1");
    let standalone = vm(&all, "v2v-ready-cbt");
    assert_eq!(
        standalone.source_uri.as_deref(),
        Some(
            format!(
                "vpx://root@{}/dc1/esx-04.example.com?no_verify=1",
                sim.addr()
            )
            .as_str()
        )
    );
    assert_eq!(standalone.cluster, None);
    assert!(standalone
        .command
        .as_deref()
        .unwrap()
        .contains(&format!("-io vddk-thumbprint={sha1} ")));
    for v in [cluster, standalone, vm(&all, ESCAPED_NAME)] {
        source_reaches(v);
    }
    assert!(has_reason(
        vm(&all, "v2v-running"),
        Check::Power,
        Severity::Blocker,
        "powered on"
    ));

    // Without --all-hosts: the URI's host's VMs only.
    let one = conn.v2v_check(&V2vOptions::default()).expect("one host");
    assert!(!one.vms.is_empty());
    assert!(one.vms.iter().all(|v| v.host == "esx-01.example.com"));
    assert!(one.vms.len() < all.vms.len());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn many_vms_cost_one_paged_retrieval() {
    let sim = Sim::start(
        InventorySource::Generate {
            vcenter: true,
            hosts: 3,
            vms_per_host: 500,
        },
        true,
    );
    let conn = open(&sim.vpx_path("dc1/cluster1/esx-001.example.com"));
    sim.sim().reset_stats();
    let report = conn
        .v2v_check(&V2vOptions {
            all_hosts: true,
            ..Default::default()
        })
        .expect("check");
    assert_eq!(report.vms.len(), 1500);
    let stats = sim.sim().stats();
    assert_eq!(stats.method("RetrievePropertiesEx"), 1, "{stats:?}");
    // 1,500 VMs and a few containers: two pages of 1,000.
    assert_eq!(stats.method("ContinueRetrievePropertiesEx"), 1, "{stats:?}");
    assert_eq!(stats.soap_requests, 2, "{stats:?}");
    // Generated VMs: every third runs; half have an `other` guest.
    let running = report
        .vms
        .iter()
        .filter(|v| v.state == "running")
        .inspect(|v| assert_eq!(v.verdict, Verdict::Blocked, "{}", v.name))
        .count();
    assert_eq!(running, 500);
}
