//! The domain XML reader and the VMX converter together, against what Debian's virsh 9.0
//! (libvirt's ESX driver) printed for the same input. Recorded with
//! `virsh -c 'esx://root@127.0.0.1:PORT/?no_verify=1' domxml-to-native vmware-vmx FILE.xml`
//! (and `domxml-from-native vmware-vmx FILE.vmx`) against esxsim, as tests/virsh/README.md
//! describes; the error lines are what virsh printed after `error: `, byte for byte
//! (libvirt ends its capabilities message with a space).
//!
//! These cases pin what the reader does on the ESX driver's path: the driver's
//! capabilities check before any device is validated, libvirt's classes for validation
//! errors, network and volume disks reaching the converter, MAC syntax, character devices
//! without a source; and the legacy code pages a VMX file may declare.

use esxvirt_vmx::{domain_to_vmx, vmx_bytes_to_domain, FormatContext, ParseContext};
use esxvirt_xml::domain::{Domain, FormatOptions};

const DATASTORE: &str = "datastore1";
const MOUNT: &str = "/vmfs/volumes/5f3a1c2e-8d4b6a10-7e29-246e96a1b2c4";

/// How libvirt's ESX driver mapped the simulator's datastore paths to VMX file names.
fn format_name(src: &str) -> Result<String, String> {
    match src.strip_prefix('[').and_then(|r| r.split_once(']')) {
        Some((ds, path)) if ds == DATASTORE => Ok(format!("{MOUNT}/{}", path.trim_start())),
        Some((ds, _)) => Err(format!("Could not find datastore with name '{ds}'")),
        None if src.starts_with('/') => Ok(src.to_string()),
        None => Err(format!("Could not handle file name '{src}'")),
    }
}

fn domain(domain_type: &str, arch: &str, devices: &str) -> String {
    format!(
        "<domain type='{domain_type}'>\n  <name>x</name>\n  <uuid>50115e16-9bdc-49d7-f171-53c4d7f91710</uuid>\n  <memory unit='KiB'>65536</memory>\n  <os>\n    <type arch='{arch}'>hvm</type>\n  </os>\n  <devices>\n{devices}\n  </devices>\n</domain>\n"
    )
}

/// Reads `xml` as the ESX driver does and converts it for hardware version 8: the VMX
/// text or the error line.
fn to_vmx(xml: &str) -> Result<String, String> {
    let ctx = FormatContext::new(&format_name);
    let d = Domain::from_xml(xml).map_err(|e| e.line())?;
    domain_to_vmx(&d, &ctx, 8).map_err(|e| e.to_string())
}

#[test]
fn domain_xml_errors_match_virsh() {
    let cases = [
        // The capabilities check comes before device validation (floppy on IDE).
        ("kvm", "i686", "<disk type='file' device='floppy'><source file='[datastore1] a.flp'/><target dev='fda' bus='ide'/></disk>", "invalid argument: could not find capabilities for arch=i686 domaintype=kvm "),
        ("vmware", "aarch64", "<serial type='file'/>", "invalid argument: could not find capabilities for arch=aarch64 domaintype=vmware "),
        ("qemu", "x86_64", "<disk type='network' device='disk'><source protocol='nbd' name='x'/><target dev='sda' bus='scsi'/></disk>", "invalid argument: could not find capabilities for arch=x86_64 domaintype=qemu "),
        // Domain type 'none' passes the check (it matches any) and the converter refuses it.
        ("none", "i686", "", "internal error: Expecting virt type to be 'vmware' but found 'none'"),
        // Network and volume disks are read; the converter names their type as libvirt's does.
        ("vmware", "i686", "<disk type='network' device='disk'><source protocol='nbd' name='x'><host name='h'/></source><target dev='sda' bus='scsi'/></disk>", "unsupported configuration: scsi none 'sda' has unsupported type 'interface', expecting 'file' or 'block'"),
        ("vmware", "x86_64", "<disk type='network' device='cdrom'><source protocol='https' name='x.iso'><host name='h'/></source><target dev='hda' bus='ide'/></disk>", "unsupported configuration: ide disk 'hda' has unsupported type 'interface', expecting 'file' or 'block'"),
        ("vmware", "i686", "<disk type='volume' device='disk'><source pool='p' volume='v'/><target dev='sda' bus='scsi'/></disk>", "unsupported configuration: scsi none 'sda' has unsupported type 'input', expecting 'file' or 'block'"),
        ("vmware", "i686", "<disk type='network' device='disk'><source protocol='nbd' name='x'/><target dev='vda' bus='virtio'/></disk>", "unsupported configuration: Unsupported disk address type 'none'"),
        // Validation, with libvirt's classes.
        ("vmware", "i686", "<serial type='file'/>", "internal error: Missing source path attribute for char device"),
        ("vmware", "i686", "<serial type='tcp'><source host='h'/></serial>", "internal error: Missing source service attribute for char device"),
        ("vmware", "i686", "<disk type='file' device='floppy'><source file='[datastore1] a.flp'/><target dev='fda' bus='ide'/></disk>", "internal error: Invalid bus type 'ide' for floppy disk"),
        ("vmware", "i686", "<disk type='file' device='lun'><source file='[datastore1] a.vmdk'/><target dev='sda' bus='scsi'/></disk>", "unsupported configuration: disk device='lun' is only valid for block type disk source"),
        ("vmware", "i686", "<disk type='file' device='disk'><source file='[datastore1] a.vmdk'/><target dev='sda' bus='scsi'/><address type='pci'/></disk>", "unsupported configuration: Invalid address type 'pci' for the disk 'sda' with the bus type 'scsi'"),
        ("vmware", "i686", "<disk type='file' device='disk'><target dev='sda' bus='scsi'/></disk>", "missing source information for device sda"),
        ("vmware", "i686", "<interface type='bridge'><mac address='00-50-56-aa-bb-cc'/><source bridge='VM Network'/></interface>", "XML error: unable to parse mac address '00-50-56-aa-bb-cc'"),
    ];
    let mut failures = Vec::new();
    for (domain_type, arch, devices, expected) in cases {
        let got = to_vmx(&domain(domain_type, arch, devices));
        if got.as_ref().err().map(String::as_str) != Some(expected) {
            failures.push(format!("{devices}\n  virsh: {expected}\n  ours:  {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `domxml-from-native` of `vmx`, formatted as virsh prints it (inactive, no secrets).
fn from_vmx(vmx: &[u8]) -> Result<String, String> {
    let resolve = |name: &str, _: bool| -> Result<Option<String>, String> {
        Ok(Some(format!("[?] ?/{name}")))
    };
    let ctx = ParseContext::new(&resolve);
    vmx_bytes_to_domain(vmx, &ctx)
        .map(|d| {
            d.to_xml_with(FormatOptions {
                secure: false,
                inactive: true,
            })
        })
        .map_err(|e| e.to_string())
}

const DOMAIN_TAIL: &str = "  <uuid>00000000-0000-0000-0000-000000000000</uuid>\n  <memory unit='KiB'>65536</memory>\n  <currentMemory unit='KiB'>65536</currentMemory>\n  <vcpu placement='static'>1</vcpu>\n  <os>\n    <type arch='i686'>hvm</type>\n  </os>\n  <clock offset='utc'/>\n  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>restart</on_reboot>\n  <on_crash>destroy</on_crash>\n  <devices>\n";

/// A serial port without a file name has no `<source>` at all (libvirt writes no
/// `path=''`), whether it is a device (the default type) or a pipe.
#[test]
fn serial_ports_without_a_file_name_match_virsh() {
    let vmx = b".encoding = \"UTF-8\"\nconfig.version = \"8\"\nvirtualHW.version = \"8\"\ndisplayName = \"s1\"\nmemsize = \"64\"\nserial0.present = \"true\"\nserial1.present = \"true\"\nserial1.fileType = \"pipe\"\n";
    let expected = format!(
        "<domain type='vmware'>\n  <name>s1</name>\n{DOMAIN_TAIL}    <serial type='dev'>\n      <target port='0'/>\n    </serial>\n    <serial type='pipe'>\n      <target port='1'/>\n    </serial>\n    <console type='dev'>\n      <target type='serial' port='0'/>\n    </console>\n    <video>\n      <model type='vmvga' vram='4096' primary='yes'/>\n    </video>\n  </devices>\n</domain>\n"
    );
    assert_eq!(from_vmx(vmx), Ok(expected));
}

/// Legacy code pages decode as iconv (through libxml2) decodes them: Big5's ETEN extensions
/// in the Private Use Area and 0xF9FE as U+2593; a GBK user-defined pair stops the decoding,
/// and the cut-off file no longer parses.
#[test]
fn legacy_code_pages_match_virsh() {
    let big5 = b".encoding = \"Big5\"\nconfig.version = \"8\"\nvirtualHW.version = \"8\"\ndisplayName = \"\xa4\xa4\xc6\xa1\xf9\xfe\"\nmemsize = \"64\"\n";
    let expected = format!(
        "<domain type='vmware'>\n  <name>\u{4e2d}\u{f6b1}\u{2593}</name>\n{DOMAIN_TAIL}    <video>\n      <model type='vmvga' vram='4096' primary='yes'/>\n    </video>\n  </devices>\n</domain>\n"
    );
    assert_eq!(from_vmx(big5), Ok(expected));
    let gbk = b".encoding = \"GBK\"\nconfig.version = \"8\"\nvirtualHW.version = \"8\"\ndisplayName = \"\xd6\xd0\xce\xc4\"\nmemsize = \"64\"\nannotation = \"ok \xaa\xa1 lost\"\nguestOS = \"other\"\n";
    assert_eq!(
        from_vmx(gbk),
        Err("configuration file syntax error: memory conf:6: unterminated string".to_string())
    );
}
