//! Differential tests against libvirt itself: Debian's virsh with libvirt's built-in `test:///`
//! driver runs the same src/conf parsers and formatters as the ESX driver, so defining a
//! document there and dumping it back gives libvirt's exact output for that input. Each case
//! compares that output with ours (`from_xml(input).to_xml()`), checks that libvirt's output
//! round-trips through our parser and formatter unchanged, and that inputs libvirt rejects
//! are rejected here too.
//!
//! virsh is an external peer: when it is missing these tests fail (they never skip).

use std::path::PathBuf;

use esxvirt_testkit::{temp_file, virsh_test_driver as run};
use esxvirt_xml::capabilities::Capabilities;
use esxvirt_xml::interface::Interface;
use esxvirt_xml::network::Network;
use esxvirt_xml::snapshot::DomainSnapshot;
use esxvirt_xml::storage::{PoolType, StoragePool, StorageVolume};

fn temp_xml(xml: &str) -> PathBuf {
    temp_file("esxvirt-xml-oracle", xml)
}

/// The XML document in virsh's output: from the first line starting with `<` to the end,
/// minus the newline virsh adds after the document.
fn document(stdout: &str) -> String {
    let start = if stdout.starts_with('<') {
        0
    } else {
        stdout.find("\n<").map(|i| i + 1).expect("no XML in output")
    };
    let doc = &stdout[start..];
    doc.strip_suffix("\n\n")
        .map(|d| format!("{d}\n"))
        .unwrap_or_else(|| doc.to_owned())
}

/// Defines `input` with `define` and dumps it with `dump ID`; returns libvirt's document.
fn libvirt_define_dump(define: &str, dump: &str, input: &str) -> Result<String, String> {
    let f = temp_xml(input);
    let r = run(&format!("{define} {}; {dump}", f.display()));
    let _ = std::fs::remove_file(&f);
    r.map(|s| document(&s))
}

/// Asserts that libvirt (`define` of the input, then `list`) and our parser `ours` both refuse
/// every one of `inputs`.
fn assert_both_reject<T, E>(
    define: &str,
    list: &str,
    inputs: &[&str],
    ours: impl Fn(&str) -> Result<T, E>,
) {
    for input in inputs {
        assert!(
            libvirt_define_dump(define, list, input).is_err(),
            "libvirt accepted {input}"
        );
        assert!(ours(input).is_err(), "we accepted {input}");
    }
}

#[test]
fn networks_match_libvirt() {
    let cases: &[(&str, &str)] = &[
        (
            "5d2f1a8e-6c3b-4e7d-9f10-2a3b4c5d6e7f",
            "<network><name>vSwitch0</name><uuid>5d2f1a8e-6c3b-4e7d-9f10-2a3b4c5d6e7f</uuid>
             <forward mode='bridge'><interface dev='vmnic0'/><interface dev='vmnic1'/></forward>
             <bandwidth><inbound average='125000' peak='250000' burst='100'/>
             <outbound average='125000' peak='250000' burst='100'/></bandwidth>
             <portgroup name='VM Network'/>
             <portgroup name='Management Network'><bandwidth><inbound average='1000'/><outbound average='1000'/></bandwidth></portgroup>
             </network>",
        ),
        (
            "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9",
            "<network><name>vSwitch1</name><uuid>0a1b2c3d4e5f60718293a4b5c6d7e8f9</uuid>
             <bridge stp='off' delay='0'/><portgroup name='VM Network 2' default='yes'/></network>",
        ),
        (
            "5d2f1a8e-6c3b-4e7d-9f10-2a3b4c5d6e70",
            "<network><name>sw &amp; \"q\" &lt;x&gt; ü</name><uuid>5d2f1a8e-6c3b-4e7d-9f10-2a3b4c5d6e70</uuid>
             <portgroup name='a &amp; b &apos;c&apos; &lt;d&gt;'/></network>",
        ),
        (
            "11111111-2222-3333-4444-555555555555",
            "<network><name>fwd</name><uuid>11111111-2222-3333-4444-555555555555</uuid>
             <forward dev='vmnic3' mode='bridge'/><bandwidth><inbound average='5' floor='0'/></bandwidth></network>",
        ),
        (
            "11111111-2222-3333-4444-555555555556",
            "<network><name>br</name><uuid>11111111-2222-3333-4444-555555555556</uuid>
             <bridge name='virbr9' stp='off' delay='3'/><bandwidth><outbound average='7' burst='9'/></bandwidth></network>",
        ),
        (
            "11111111-2222-3333-4444-555555555558",
            "<network><name>hd</name><uuid>11111111-2222-3333-4444-555555555558</uuid>
             <forward mode='hostdev' managed='YES'><interface dev='eth7'/></forward></network>",
        ),
        (
            "11111111-2222-3333-4444-555555555559",
            "<network><name>vepa</name><uuid>11111111-2222-3333-4444-555555555559</uuid>
             <forward mode='vepa'><interface dev='eth1'/><interface dev='eth2'/></forward>
             <portgroup name='bob' default='yes'/></network>",
        ),
    ];
    for (uuid, input) in cases {
        let libvirt = libvirt_define_dump("net-define", &format!("net-dumpxml {uuid}"), input)
            .unwrap_or_else(|e| panic!("libvirt refused {input}: {e}"));
        let ours = Network::from_xml(input)
            .unwrap_or_else(|e| panic!("{input}: {e}"))
            .to_xml();
        assert_eq!(ours, libvirt, "input: {input}");
        // Port group names are printed unescaped by libvirt, so output with special
        // characters there is not well-formed XML; everything else must round-trip.
        if !input.contains("&apos;c") {
            assert_eq!(Network::from_xml(&libvirt).unwrap().to_xml(), libvirt);
        }
    }
}

#[test]
fn network_inputs_libvirt_rejects_are_rejected() {
    let bad = [
        "<network><uuid>11111111-2222-3333-4444-555555555557</uuid></network>",
        "<network><name>a/b</name></network>",
        "<network><name>n</name><uuid>zz</uuid></network>",
        "<network><name>n</name><forward mode='sideways'/></network>",
        "<network><name>n</name><forward mode='bridge'/><bridge stp='off'/></network>",
        "<network><name>n</name><forward dev='a' mode='bridge'><interface dev='b'/></forward></network>",
        "<network><name>n</name><forward mode='bridge'><interface dev='a'/><interface dev='a'/></forward></network>",
        "<network><name>n</name><bandwidth><inbound peak='5'/></bandwidth></network>",
        "<network><name>n</name><bandwidth><outbound average='1' floor='2'/></bandwidth></network>",
        "<network><name>n</name><portgroup default='yes'/></network>",
    ];
    assert_both_reject("net-define", "net-list --all", &bad, Network::from_xml);
}

#[test]
fn interfaces_match_libvirt() {
    let cases: &[(&str, &str)] = &[
        (
            "vmnic0",
            "<interface type='ethernet' name='vmnic0'><start mode='onboot'/>
             <protocol family='ipv4'><ip address='10.0.0.5' prefix='24'/></protocol>
             <mac address='00:50:56:01:02:03'/></interface>",
        ),
        (
            "vmnic1",
            "<interface type='ethernet' name='vmnic1'><start mode='onboot'/>
             <protocol family='ipv4'><dhcp peerdns='no'/><ip address='192.168.1.20' prefix='16'/></protocol>
             <mac address='00:50:56:aa:bb:cc'/></interface>",
        ),
        (
            "vmnic2",
            "<interface type='ethernet' name='vmnic2'><start mode='onboot'/><mac address='00:50:56:00:00:01'/></interface>",
        ),
        (
            "eth0",
            "<interface type='ethernet' name='eth0'><start mode='none'/><mtu size='1492'/>
             <protocol family='ipv4'><dhcp/></protocol><link state='down' speed='1000'/>
             <mac address='aa:bb:cc:dd:ee:ff'/></interface>",
        ),
        (
            "eth1",
            "<interface type='ethernet' name='eth1'><start mode='hotplug'/>
             <protocol family='ipv6'><autoconf/><dhcp peerdns='yes'/><ip address='3ffe:ffff:0:5::1' prefix='128'/>
             <ip address='3ffe:ffff:0:5::3'/><route gateway='3ffe:ffff:0:5::ff'/></protocol>
             <protocol family='ipv4'><ip address='1.2.3.4' prefix='32'/></protocol></interface>",
        ),
    ];
    for (name, input) in cases {
        let libvirt = libvirt_define_dump("iface-define", &format!("iface-dumpxml {name}"), input)
            .unwrap_or_else(|e| panic!("libvirt refused {input}: {e}"));
        let ours = Interface::from_xml(input)
            .unwrap_or_else(|e| panic!("{input}: {e}"))
            .to_xml();
        assert_eq!(ours, libvirt, "input: {input}");
        assert_eq!(Interface::from_xml(&libvirt).unwrap().to_xml(), libvirt);
    }
}

#[test]
fn interface_inputs_libvirt_rejects_are_rejected() {
    let bad = [
        "<interface name='x'/>",
        "<interface type='ethernet'/>",
        "<interface type='ethernet' name='x'><start mode='later'/></interface>",
        "<interface type='ethernet' name='x'><mtu size='100001'/></interface>",
        "<interface type='ethernet' name='x'><protocol/></interface>",
        "<interface type='ethernet' name='x'><protocol family='ipx'/></interface>",
        "<interface type='ethernet' name='x'><link state='sideways'/></interface>",
        "<interface type='ethernet' name='x'><protocol family='ipv4'><dhcp peerdns='maybe'/></protocol></interface>",
    ];
    assert_both_reject(
        "iface-define",
        "iface-list --all",
        &bad,
        Interface::from_xml,
    );
}

#[test]
fn pools_match_libvirt() {
    let cases: &[(&str, &str)] = &[
        (
            "3f2b8a6c-1d4e-4f5a-8b9c-0d1e2f3a4b5c",
            "<pool type='fs'><name>datastore1</name><uuid>3f2b8a6c-1d4e-4f5a-8b9c-0d1e2f3a4b5c</uuid>
             <source><device path='/dev/sdb1'/><format type='vmfs'/></source>
             <target><path>/vmfs/volumes/ds1</path><permissions><mode>00</mode><owner>0</owner><group>0</group></permissions></target></pool>",
        ),
        (
            "0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f",
            "<pool type='netfs'><name>nfs &amp; &lt;iso&gt;</name><uuid>0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f</uuid>
             <source><host name='nas.example.com' port='2049'/><dir path='/export/iso'/></source>
             <target><path>/vmfs/volumes/nfs</path></target></pool>",
        ),
        (
            "0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e50",
            "<pool type='netfs'><name>cifs</name><uuid>0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e50</uuid>
             <source><host name='smb'/><dir path='/share'/><format type='cifs'/></source>
             <target><path>/vmfs/volumes/cifs</path><permissions><mode>0755</mode><label>x_t</label></permissions></target></pool>",
        ),
        (
            "00000000-0000-0000-0000-000000000001",
            "<pool type='dir'><name>local</name><uuid>00000000-0000-0000-0000-000000000001</uuid>
             <target><path>/vmfs/volumes/local</path><permissions><mode>00</mode><owner>0</owner><group>0</group></permissions></target></pool>",
        ),
        (
            "e9392370-2917-565e-692b-d057f46512d6",
            "<pool type='iscsi'><name>iqn.2001-05.com.example:storage.disk1</name><uuid>e9392370-2917-565e-692b-d057f46512d6</uuid>
             <source><host name='10.0.0.9' port='3260'/><device path='iqn.2001-05.com.example:storage.disk1'/>
             <initiator><iqn name='iqn.1998-01.com.vmware:esx1'/></initiator></source>
             <target><path>/dev/disk/by-path</path></target></pool>",
        ),
    ];
    for (uuid, input) in cases {
        let libvirt = libvirt_define_dump("pool-define", &format!("pool-dumpxml {uuid}"), input)
            .unwrap_or_else(|e| panic!("libvirt refused {input}: {e}"));
        let from_libvirt =
            StoragePool::from_xml(&libvirt).unwrap_or_else(|e| panic!("{libvirt}: {e}"));
        assert_eq!(from_libvirt.to_xml(), libvirt);
        // The sizes are runtime values the test driver invents; take them from its output.
        let mut ours = StoragePool::from_xml(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        ours.capacity = from_libvirt.capacity;
        ours.allocation = from_libvirt.allocation;
        ours.available = from_libvirt.available;
        assert_eq!(ours.to_xml(), libvirt, "input: {input}");
    }
}

#[test]
fn volumes_match_libvirt() {
    let cases: &[(&str, &str)] = &[
        (
            "disk1.vmdk",
            "<volume><name>disk1.vmdk</name><capacity unit='G'>1</capacity><allocation>0</allocation>
             <target><format type='vmdk'/></target></volume>",
        ),
        ("thick.vmdk", "<volume><name>thick.vmdk</name><capacity unit='KB'>5</capacity><target><format type='vmdk'/></target></volume>"),
        ("image.iso", "<volume type='file'><name>image.iso</name><capacity>4096</capacity><target><format type='iso'/></target></volume>"),
        ("floppy.flp", "<volume><name>floppy.flp</name><capacity unit='MiB'>1</capacity><allocation unit='KiB'>2</allocation></volume>"),
        ("a &amp; b.vmdk", "<volume><name>a &amp; b.vmdk</name><capacity>1</capacity><target><format type='vmdk'/></target></volume>"),
    ];
    for (name, input) in cases {
        let unescaped = name.replace("&amp;", "&");
        let libvirt = libvirt_define_dump(
            "vol-create default-pool",
            &format!("vol-dumpxml --pool default-pool '{unescaped}'"),
            input,
        )
        .unwrap_or_else(|e| panic!("libvirt refused {input}: {e}"));
        let from_libvirt =
            StorageVolume::from_xml(&libvirt).unwrap_or_else(|e| panic!("{libvirt}: {e}"));
        assert_eq!(from_libvirt.to_xml(), libvirt);
        // The test driver assigns key and path; take them from its output.
        let mut ours = StorageVolume::from_xml_for_pool(input, PoolType::Dir)
            .unwrap_or_else(|e| panic!("{input}: {e}"));
        ours.key = from_libvirt.key.clone();
        ours.target_path = from_libvirt.target_path.clone();
        assert_eq!(ours.to_xml(), libvirt, "input: {input}");
    }
}

#[test]
fn volume_inputs_libvirt_rejects_are_rejected() {
    let bad = [
        "<volume><capacity>1</capacity></volume>",
        "<volume><name>n</name></volume>",
        "<volume><name>n</name><capacity>-1</capacity></volume>",
        "<volume><name>n</name><capacity unit='Q'>1</capacity></volume>",
        "<volume><name>n</name><capacity>1</capacity><target><format type='none'/></target></volume>",
        "<volume><name>n</name><capacity>1</capacity><target><format type='ntfs'/></target></volume>",
        "<volume type='tape'><name>n</name><capacity>1</capacity></volume>",
    ];
    assert_both_reject(
        "vol-create default-pool",
        "vol-list default-pool",
        &bad,
        |input| StorageVolume::from_xml_for_pool(input, PoolType::Dir),
    );
}

/// libvirt's test driver snapshots embed the full domain; everything before `<domain` is the
/// snapshot's own formatting and must match ours (the creation time is libvirt's clock, so it
/// is taken from its output).
#[test]
fn snapshots_match_libvirt_up_to_the_domain() {
    let cases = [
        "<domainsnapshot><name>snap &amp; one</name><description>line1\nline2 'q' \"d\"</description></domainsnapshot>",
        "<domainsnapshot><name>plain</name></domainsnapshot>",
        "<domainsnapshot><name>m</name><memory snapshot='internal'/><disks><disk name='vda' snapshot='internal'/></disks></domainsnapshot>",
    ];
    for input in cases {
        let f = temp_xml(input);
        let snap = DomainSnapshot::from_xml(input).unwrap();
        let name = snap.name.clone().unwrap();
        let out = run(&format!(
            "snapshot-create test {}; snapshot-dumpxml test '{name}'",
            f.display()
        ));
        let _ = std::fs::remove_file(&f);
        let libvirt = document(&out.unwrap_or_else(|e| panic!("libvirt refused {input}: {e}")));
        let cut = libvirt.find("  <domain type=").expect("domain in snapshot");
        let libvirt_head = &libvirt[..cut];
        let theirs = DomainSnapshot::from_xml(&libvirt).unwrap();
        let mut ours = snap;
        ours.prepare_for_create(theirs.creation_time.expect("creation time"));
        // The test driver fills state, memory and disks from the running domain when the
        // request leaves them out; those are libvirt's, not the format's, decisions.
        ours.state = theirs.state;
        ours.memory = theirs.memory.clone();
        ours.disks = theirs.disks.clone();
        let ours_xml = ours.to_xml();
        let ours_head = &ours_xml[..ours_xml.find("</domainsnapshot>").unwrap()];
        assert_eq!(ours_head, libvirt_head, "input: {input}");
    }
}

#[test]
fn snapshot_inputs_libvirt_rejects_are_rejected() {
    let bad = [
        "<domainsnapshot><memory snapshot='manual'/></domainsnapshot>",
        "<domainsnapshot><memory snapshot='external'/></domainsnapshot>",
        "<domainsnapshot><memory snapshot='internal' file='/x'/></domainsnapshot>",
        "<domainsnapshot><memory file='rel'/></domainsnapshot>",
        "<domainsnapshot><disks><disk snapshot='no'/></disks></domainsnapshot>",
        "<domainsnapshot><disks><disk name='vda' type='dir'/></disks></domainsnapshot>",
        "<domainsnapshot><disks><disk name='vda'><driver type='bogus'/></disk></disks></domainsnapshot>",
        "<domainsnapshot><disks><disk name='vda'><source file='rel/path'/></disk></disks></domainsnapshot>",
        "<snapshot/>",
        "<domainsnapshot><name>a&#1;b</name></domainsnapshot>",
        "<domainsnapshot><name>a\u{1}b</name></domainsnapshot>",
    ];
    for input in bad {
        let f = temp_xml(input);
        let r = run(&format!("snapshot-create test {}", f.display()));
        let _ = std::fs::remove_file(&f);
        assert!(r.is_err(), "libvirt accepted {input}");
        assert!(
            DomainSnapshot::from_xml(input).is_err(),
            "we accepted {input}"
        );
    }
}

/// Deliberately stricter than libvirt (which expands internal entities): a DTD is refused in
/// every document type.
#[test]
fn dtds_are_refused_everywhere() {
    let dtd = "<!DOCTYPE x [<!ENTITY e 'y'>]>";
    assert!(DomainSnapshot::from_xml(&format!(
        "{dtd}<domainsnapshot><name>&e;</name></domainsnapshot>"
    ))
    .is_err());
    assert!(Network::from_xml(&format!("{dtd}<network><name>&e;</name></network>")).is_err());
    assert!(Interface::from_xml(&format!("{dtd}<interface type='ethernet' name='a'/>")).is_err());
    assert!(StoragePool::from_xml(&format!("{dtd}<pool type='dir'/>")).is_err());
    assert!(StorageVolume::from_xml(&format!("{dtd}<volume/>")).is_err());
    assert!(Capabilities::from_xml(&format!("{dtd}<capabilities/>")).is_err());
}

/// libvirt's capabilities output always parses with our reader (the parts we model).
#[test]
fn libvirt_capabilities_parse() {
    let caps = document(&run("capabilities").unwrap());
    let c = Capabilities::from_xml(&caps).unwrap();
    assert!(c.host.arch.is_some());
    assert!(!c.guests.is_empty());
}
