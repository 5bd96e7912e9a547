//! Hostile-input checks for the snapshot, network, interface, storage and capabilities
//! parsers: deterministic mutations (truncation, byte flips, splices) of real documents must
//! give `Ok` or a typed error, never a panic; and whatever parses must format to a document
//! that parses back to the same text (formatting is a fixed point).

mod common;

use common::Rng;
use esxvirt_xml::capabilities::Capabilities;
use esxvirt_xml::interface::Interface;
use esxvirt_xml::network::Network;
use esxvirt_xml::snapshot::DomainSnapshot;
use esxvirt_xml::storage::{StoragePool, StorageVolume};

const SAMPLES: &[&str] = &[
    "<domainsnapshot>\n  <name>s &amp; t</name>\n  <description>d</description>\n  <state>running</state>\n  \
     <parent>\n    <name>p</name>\n  </parent>\n  <creationTime>17</creationTime>\n  \
     <memory snapshot='external' file='/m'/>\n  <disks>\n    <disk name='sda' snapshot='external' type='file'>\n      \
     <driver type='vmdk'/>\n      <source file='/x'/>\n    </disk>\n  </disks>\n  <domain>\n    \
     <uuid>11111111-2222-3333-4444-555555555555</uuid>\n  </domain>\n</domainsnapshot>\n",
    "<network>\n  <name>vSwitch0</name>\n  <uuid>5d2f1a8e-6c3b-4e7d-9f10-2a3b4c5d6e7f</uuid>\n  \
     <forward dev='vmnic0' mode='bridge'>\n    <interface dev='vmnic0'/>\n  </forward>\n  <bandwidth>\n    \
     <inbound average='1' peak='2' burst='3'/>\n    <outbound average='1'/>\n  </bandwidth>\n  \
     <portgroup name='pg' default='yes'>\n  </portgroup>\n</network>\n",
    "<interface type='ethernet' name='vmnic0'>\n  <start mode='onboot'/>\n  <mtu size='9000'/>\n  \
     <protocol family='ipv4'>\n    <dhcp peerdns='no'/>\n    <ip address='10.0.0.5' prefix='24'/>\n    \
     <route gateway='10.0.0.1'/>\n  </protocol>\n  <link speed='1000' state='up'/>\n  \
     <mac address='00:50:56:01:02:03'/>\n</interface>\n",
    "<pool type='iscsi'>\n  <name>t</name>\n  <uuid>e9392370-2917-565e-692b-d057f46512d6</uuid>\n  \
     <capacity unit='bytes'>1</capacity>\n  <allocation unit='bytes'>2</allocation>\n  \
     <available unit='bytes'>3</available>\n  <source>\n    <host name='h' port='3260'/>\n    \
     <device path='d'/>\n    <initiator>\n      <iqn name='i'/>\n    </initiator>\n  </source>\n  <target>\n    \
     <path>/p</path>\n    <permissions>\n      <mode>0755</mode>\n      <owner>1</owner>\n      <group>2</group>\n      \
     <label>l</label>\n    </permissions>\n  </target>\n</pool>\n",
    "<volume type='file'>\n  <name>a/b.vmdk</name>\n  <key>k</key>\n  <capacity unit='bytes'>10</capacity>\n  \
     <allocation unit='bytes'>5</allocation>\n  <target>\n    <path>[ds] a/b.vmdk</path>\n    \
     <format type='vmdk'/>\n  </target>\n</volume>\n",
    "<capabilities>\n\n  <host>\n    <uuid>4c4c4544-0042-3310-8044-b4c04f4e5031</uuid>\n    <cpu>\n      \
     <arch>x86_64</arch>\n    </cpu>\n    <power_management/>\n    <iommu support='no'/>\n    \
     <migration_features>\n      <live/>\n      <uri_transports>\n        <uri_transport>vpxmigr</uri_transport>\n      \
     </uri_transports>\n    </migration_features>\n  </host>\n\n  <guest>\n    <os_type>hvm</os_type>\n    \
     <arch name='i686'>\n      <wordsize>32</wordsize>\n      <domain type='vmware'/>\n    </arch>\n  </guest>\n\n\
     </capabilities>\n",
];

/// Parses with every parser; for each success, checks the formatting fixed point.
fn exercise(doc: &str) {
    fn fixpoint<T, E>(
        doc: &str,
        parse: impl Fn(&str) -> Result<T, E>,
        format: impl Fn(&T) -> String,
    ) {
        if let Ok(v) = parse(doc) {
            let once = format(&v);
            if let Ok(again) = parse(&once) {
                assert_eq!(
                    format(&again),
                    once,
                    "formatting is not a fixed point for input {doc:?}"
                );
            }
        }
    }
    fixpoint(doc, DomainSnapshot::from_xml, DomainSnapshot::to_xml);
    fixpoint(doc, Network::from_xml, Network::to_xml);
    fixpoint(doc, Interface::from_xml, Interface::to_xml);
    fixpoint(doc, StoragePool::from_xml, StoragePool::to_xml);
    fixpoint(doc, StorageVolume::from_xml, StorageVolume::to_xml);
    fixpoint(doc, Capabilities::from_xml, Capabilities::to_xml);
}

#[test]
fn samples_are_fixed_points() {
    for s in SAMPLES {
        exercise(s);
    }
    assert_eq!(
        DomainSnapshot::from_xml(SAMPLES[0]).unwrap().to_xml(),
        SAMPLES[0]
    );
    assert_eq!(Network::from_xml(SAMPLES[1]).unwrap().to_xml(), SAMPLES[1]);
    assert_eq!(
        Interface::from_xml(SAMPLES[2]).unwrap().to_xml(),
        SAMPLES[2]
    );
    assert_eq!(
        StoragePool::from_xml(SAMPLES[3]).unwrap().to_xml(),
        SAMPLES[3]
    );
    assert_eq!(
        StorageVolume::from_xml(SAMPLES[4]).unwrap().to_xml(),
        SAMPLES[4]
    );
    assert_eq!(
        Capabilities::from_xml(SAMPLES[5]).unwrap().to_xml(),
        SAMPLES[5]
    );
}

#[test]
fn truncations_never_panic() {
    for s in SAMPLES {
        for cut in 0..s.len() {
            if s.is_char_boundary(cut) {
                exercise(&s[..cut]);
            }
        }
    }
}

#[test]
fn mutations_never_panic() {
    const ALPHABET: &[u8] = b"<>/='\"&;# \n\tabx09-:!?[]\x01";
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for s in SAMPLES {
        for _ in 0..2000 {
            let mut bytes = s.as_bytes().to_vec();
            for _ in 0..1 + rng.below(4) {
                let pos = rng.below(bytes.len());
                match rng.below(3) {
                    0 => bytes[pos] = ALPHABET[rng.below(ALPHABET.len())],
                    1 => {
                        bytes.remove(pos);
                    }
                    _ => {
                        // Splice a random slice of the document somewhere else.
                        let a = rng.below(bytes.len());
                        let len = rng.below(40).min(bytes.len() - a);
                        let piece: Vec<u8> = bytes[a..a + len].to_vec();
                        let at = rng.below(bytes.len());
                        bytes.splice(at..at, piece);
                    }
                }
                if bytes.is_empty() {
                    break;
                }
            }
            if let Ok(doc) = String::from_utf8(bytes) {
                exercise(&doc);
            }
        }
    }
}

#[test]
fn huge_and_deep_documents_are_refused_cleanly() {
    let deep = format!(
        "<network>{}{}</network>",
        "<a>".repeat(10_000),
        "</a>".repeat(10_000)
    );
    assert!(Network::from_xml(&deep).is_err());
    let wide = format!(
        "<network><name>n</name>{}</network>",
        "<portgroup name='p'/>".repeat(50_000)
    );
    assert_eq!(
        Network::from_xml(&wide).map(|n| n.portgroups.len()).ok(),
        Some(50_000)
    );
}
