//! Exact verdicts of libvirt's reader for the cases the domain model once got wrong: error
//! classes of validation checks, network and volume disks, MAC address syntax, character
//! devices without a source, and libvirt's reading order. Each document goes through
//! Debian's virsh with libvirt's `test:///` driver (the same reader, post-parse and
//! validation as the ESX driver, without its capabilities check), and ours must give the
//! same formatted document or the same error line, byte for byte.
//!
//! virsh is an external peer: when it is missing these tests fail (they never skip).

mod common;

use common::{doc, ours};
use esxvirt_testkit::{temp_file, virsh_test_driver};

/// libvirt's verdict: the dumped document, or the error line (without `error: `).
fn libvirt(name: &str, xml: &str) -> Result<String, String> {
    let path = temp_file("esxvirt-domain-errors", xml);
    let result = virsh_test_driver(&format!(
        "define {}; dumpxml --inactive --security-info {name}",
        path.display()
    ));
    let _ = std::fs::remove_file(&path);
    match result {
        Ok(out) => {
            let doc = &out[out.find("<domain").expect("a document")..];
            Ok(doc
                .strip_suffix("\n\n")
                .map_or(doc.to_string(), |d| format!("{d}\n")))
        }
        Err(e) => Err(e
            .lines()
            .filter_map(|l| l.strip_prefix("error: "))
            .find(|l| !l.starts_with("Failed to define domain"))
            .unwrap_or_default()
            .to_string()),
    }
}

/// Runs every case; `expect_error` says whether libvirt is expected to refuse it (so that a
/// case cannot silently stop testing what it was written for).
fn check(cases: &[(&str, &str, bool)]) {
    let mut failures = Vec::new();
    for (name, devices, expect_error) in cases {
        let xml = doc(name, devices);
        let expected = libvirt(name, &xml);
        if expected.is_err() != *expect_error {
            failures.push(format!("{name}: libvirt's verdict changed: {expected:?}"));
        }
        let got = ours(&xml);
        if got != expected {
            failures.push(format!(
                "{name}:\n--- libvirt\n{expected:?}\n--- ours\n{got:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

const FILE_DISK: &str = "    <disk type='file' device='disk'>\n      <source file='/a.img'/>\n      <target dev='sda' bus='scsi'/>\n      <address type='drive' controller='0' bus='0' target='0' unit='0'/>\n    </disk>\n";

#[test]
fn validation_errors_have_libvirts_class() {
    check(&[
        ("v1", "    <disk type='file' device='floppy'>\n      <source file='/a.flp'/>\n      <target dev='fda' bus='ide'/>\n    </disk>\n", true),
        ("v2", "    <disk type='file' device='lun'>\n      <source file='/a'/>\n      <target dev='sda' bus='scsi'/>\n    </disk>\n", true),
        ("v3", "    <disk type='file' device='disk'>\n      <source file='/a'/>\n      <target dev='fda' bus='fdc'/>\n    </disk>\n", true),
        ("v4", "    <disk type='file' device='disk'>\n      <source file='/a'/>\n      <target dev='bogus' bus='scsi'/>\n      <address type='drive'/>\n    </disk>\n", true),
        ("v5", "    <disk type='file' device='disk'>\n      <target dev='sda' bus='scsi'/>\n    </disk>\n", true),
        ("v6", "    <disk type='file' device='disk'>\n      <source file='/a'/>\n    </disk>\n", true),
        ("v7", "    <disk type='block' device='lun'>\n      <driver type='qcow2'/>\n      <source dev='/dev/sdb'/>\n      <target dev='sda' bus='scsi'/>\n    </disk>\n", true),
        ("v8", "    <disk type='file' device='disk'>\n      <source file='/a'/>\n      <target dev='sda' bus='scsi'/>\n      <address type='pci'/>\n    </disk>\n", true),
        // Several faults: libvirt's device order decides which one is reported.
        ("v9", "    <video>\n      <model type='none'/>\n    </video>\n    <video>\n      <model type='vga' vram='4096' heads='1'/>\n    </video>\n    <disk type='file' device='floppy'>\n      <source file='/a.flp'/>\n      <target dev='fda' bus='ide'/>\n    </disk>\n", true),
        ("v10", "    <console type='pty'/>\n    <console type='pty'/>\n", true),
    ]);
}

#[test]
fn network_and_volume_disks_are_read_as_libvirt_reads_them() {
    check(&[
        ("n1", "    <disk type='network' device='disk'>\n      <source protocol='nbd' name='x'>\n        <host name='h'/>\n      </source>\n      <target dev='sda' bus='scsi'/>\n      <address type='drive' controller='0' bus='0' target='0' unit='0'/>\n    </disk>\n", false),
        ("n2", "    <disk type='network' device='cdrom'>\n      <source protocol='https' name='x.iso' query='a=b' tls='yes'>\n        <host name='h' port='8443'/>\n        <host name='g'/>\n      </source>\n      <target dev='hda' bus='ide'/>\n    </disk>\n", false),
        ("n3", "    <disk type='network' device='lun'>\n      <source protocol='iscsi' name='iqn.2024-01.x:t'>\n        <host name='h'/>\n      </source>\n      <target dev='sda' bus='scsi'/>\n      <address type='drive' controller='0' bus='0' target='0' unit='0'/>\n    </disk>\n", false),
        ("n4", "    <disk type='network' device='disk'>\n      <source protocol='nbd'>\n        <host transport='unix' socket='/run/nbd.sock'/>\n      </source>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n", false),
        ("n5", "    <disk type='network' device='disk'>\n      <source protocol='rbd' name='img'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n", true),
        ("n6", "    <disk type='network' device='disk'>\n      <source name='img'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n", true),
        ("n7", "    <disk type='network' device='disk'>\n      <source protocol='http'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n", true),
        ("n8", "    <disk type='network' device='disk'>\n      <source protocol='http' name='x'>\n        <host name='h' port='65536'/>\n      </source>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n", true),
        ("n9", "    <disk type='network' device='disk'>\n      <source protocol='http' name='x'>\n        <host transport='unix'/>\n      </source>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n", true),
        ("n10", "    <disk type='network' device='cdrom'>\n      <source protocol='http' name='x' startupPolicy='optional'/>\n      <target dev='hda' bus='ide'/>\n    </disk>\n", true),
        ("n11", "    <disk type='network' device='lun'>\n      <source protocol='nbd' name='x'/>\n      <target dev='sda' bus='scsi'/>\n    </disk>\n", true),
        ("n12", "    <disk type='network' device='disk'>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n", true),
        ("n13", "    <disk type='volume' device='disk'>\n      <source pool='p' volume='v' mode='host'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n", false),
        ("n14", "    <disk type='volume' device='disk'>\n      <source pool='p'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n", true),
        ("n15", "    <disk type='volume' device='cdrom'>\n      <source/>\n      <target dev='hdc' bus='ide'/>\n    </disk>\n", false),
    ]);
}

#[test]
fn mac_addresses_follow_virmacaddrparse() {
    let mut cases = Vec::new();
    let macs = [
        ("m1", "00:50:56:aa:bb:cc", false),
        ("m2", "00-50-56-aa-bb-cc", true),
        ("m3", "0:50:56:a:b:c", false),
        ("m4", "00:50:56:AA:BB:CC", false),
        ("m5", "00:50:56:aa:bb:cc xyz", false),
        ("m6", "00:50:56:aa:bb:cc:", true),
        ("m7", "00:50:56:aa:bb:cc\u{e9}", false),
        ("m8", " 00:50:56:aa:bb:cc", true),
        ("m9", "00:50:56:aa:bb:0x1", true),
        ("m10", "000:50:56:aa:bb:cc", true),
        ("m11", "00:50:56:aa:bb", true),
        ("m12", "01:50:56:aa:bb:cc", true),
        ("m13", "00.50.56.aa.bb.cc", true),
    ];
    let devices: Vec<String> = macs
        .iter()
        .map(|(_, m, _)| {
            format!("    <interface type='user'>\n      <mac address='{m}'/>\n      <target dev='nic0'/>\n    </interface>\n")
        })
        .collect();
    for ((name, _, bad), devices) in macs.iter().zip(&devices) {
        cases.push((*name, devices.as_str(), *bad));
    }
    check(&cases);
}

#[test]
fn character_devices_without_a_source() {
    check(&[
        ("c1", "    <serial type='pty'/>\n", false),
        ("c2", "    <serial type='file'/>\n", true),
        ("c3", "    <serial type='dev'>\n      <source/>\n    </serial>\n", true),
        ("c4", "    <parallel type='pipe'/>\n", true),
        ("c5", "    <console type='file'/>\n", true),
        ("c6", "    <serial type='tcp'>\n      <source service='1'/>\n    </serial>\n", true),
        ("c7", "    <serial type='tcp'>\n      <source host='h'/>\n    </serial>\n", true),
        ("c8", "    <serial type='unix'/>\n", true),
        ("c9", "    <serial type='udp'>\n      <source mode='bind' host='h' service='1'/>\n    </serial>\n", true),
        ("c10", "    <channel type='pty'/>\n", true),
        ("c11", "    <channel type='pty'>\n      <target/>\n    </channel>\n", true),
        ("c12", "    <serial type='bogus'/>\n", true),
        ("c13", "    <serial type='null'>\n      <target type='isa-serial' port='4'/>\n    </serial>\n", true),
        ("c14", "    <serial type='file'>\n      <source path=''/>\n    </serial>\n", false),
    ]);
}

/// libvirt reads devices kind by kind, and the first of repeated elements: the order of the
/// document does not decide which fault is reported.
#[test]
fn reading_order_is_libvirts() {
    let controller_then_disk = format!(
        "    <controller type='fdc' model='lsilogic'/>\n{}",
        FILE_DISK.replace("bus='scsi'", "bus='pcie'")
    );
    check(&[
        ("o1", controller_then_disk.as_str(), true),
        ("o2", "    <graphics type='vnc' port='x'/>\n    <interface type='bridge'>\n      <mac address='00-50-56-00-00-01'/>\n      <source bridge='b'/>\n    </interface>\n", true),
        ("o3", "    <frobnicator/>\n    <disk type='file' device='disk'>\n      <source file='/a'/>\n      <source file='/b'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n", false),
    ]);
}
