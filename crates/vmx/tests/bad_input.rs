//! Hostile and broken VMX input: every case must be an error (naming what is wrong), never a
//! panic.

use esxvirt_vmx::{
    vmx_bytes_to_domain, vmx_to_domain, ParseContext, VmxError, VmxFile, VmxFileError,
};

fn resolve(name: &str, _allow_missing: bool) -> Result<Option<String>, String> {
    Ok(Some(format!("[datastore] directory/{name}")))
}

const HEAD: &str = "config.version = \"8\"\nvirtualHW.version = \"4\"\n";

fn convert(body: &str) -> Result<esxvirt_xml::domain::Domain, VmxError> {
    let ctx = ParseContext::new(&resolve);
    vmx_to_domain(&format!("{HEAD}{body}"), &ctx)
}

fn error_of(body: &str) -> String {
    match convert(body) {
        Ok(d) => panic!(
            "expected an error for {body:?}, got a domain named {:?}",
            d.name
        ),
        Err(e) => e.to_string(),
    }
}

#[test]
fn truncated_input_is_an_error() {
    let full = format!(
        "{HEAD}displayName = \"test\"\nscsi0.present = \"true\"\nscsi0:0.present = \"true\"\nscsi0:0.fileName = \"disk.vmdk\"\n"
    );
    let ctx = ParseContext::new(&resolve);
    // Cutting inside a quoted value or right after '=' must fail; every prefix must at least
    // not panic.
    for cut in 0..full.len() {
        let _ = vmx_to_domain(&full[..cut], &ctx);
    }
    assert!(vmx_to_domain(&full[..full.len() - 5], &ctx).is_err());
    assert!(vmx_to_domain("config.version = ", &ctx).is_err());
    assert!(vmx_to_domain("config.version = \"8", &ctx).is_err());
}

#[test]
fn binary_input_is_an_error() {
    let ctx = ParseContext::new(&resolve);
    let mut bytes = HEAD.as_bytes().to_vec();
    bytes.extend_from_slice(&[0x7f, b'E', b'L', b'F', 0, 1, 2, 3, 0xff, 0xfe]);
    assert!(matches!(
        vmx_bytes_to_domain(&bytes, &ctx),
        Err(VmxError::File(VmxFileError::Binary(_)))
    ));
    // Pseudo-random bytes: errors, no panics.
    let mut state: u32 = 0x1234_5678;
    for len in [1usize, 7, 64, 300, 4096] {
        let junk: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state as u8
            })
            .collect();
        assert!(vmx_bytes_to_domain(&junk, &ctx).is_err());
    }
}

#[test]
fn invalid_utf8_is_an_error() {
    let ctx = ParseContext::new(&resolve);
    let mut bytes = HEAD.as_bytes().to_vec();
    bytes.extend_from_slice(b"displayName = \"caf\xe9\"\n");
    let err = vmx_bytes_to_domain(&bytes, &ctx).unwrap_err();
    assert!(err.to_string().contains("UTF-8"), "{err}");
    // The same byte is fine once the file declares its encoding.
    let mut bytes = b".encoding = \"windows-1252\"\n".to_vec();
    bytes.extend_from_slice(HEAD.as_bytes());
    bytes.extend_from_slice(b"displayName = \"caf\xe9\"\n");
    assert_eq!(vmx_bytes_to_domain(&bytes, &ctx).unwrap().name, "café");
    // Undefined Windows-1252 bytes and unknown encodings are errors.
    let mut bytes = b".encoding = \"windows-1252\"\n".to_vec();
    bytes.extend_from_slice(HEAD.as_bytes());
    bytes.extend_from_slice(b"displayName = \"\x81\"\n");
    assert!(vmx_bytes_to_domain(&bytes, &ctx).is_err());
    assert!(convert(".encoding = \"EBCDIC-US\"\n").is_err());
}

#[test]
fn absurd_numbers_are_errors() {
    let e = error_of("memsize = \"99999999999999\"\n");
    assert!(e.contains("memsize") && e.contains("99999999999999"), "{e}");
    // A multiple of 4 but far beyond any machine.
    assert!(error_of("memsize = \"99999999999996\"\n").contains("memsize"));
    assert!(error_of("memsize = \"99999999999999999999999\"\n").contains("memsize"));
    assert!(error_of("memsize = \"-4\"\n").contains("memsize"));
    assert!(error_of("memsize = \"33\"\n").contains("memsize"));
    assert!(error_of("numvcpus = \"0\"\n").contains("numvcpus"));
    assert!(error_of("numvcpus = \"9999999999\"\n").contains("numvcpus"));
    assert!(error_of("svga.vramSize = \"-1\"\n").contains("svga.vramSize"));
    assert!(error_of("svga.vramSize = \"9223372036854775807\"\n").contains("svga.vramSize"));
    assert!(error_of(
        "RemoteDisplay.vnc.enabled = \"true\"\nRemoteDisplay.vnc.port = \"99999999999\"\n"
    )
    .contains("RemoteDisplay.vnc.port"));
    assert!(error_of("sched.cpu.affinity = \"4294967296\"\n").contains("sched.cpu.affinity"));
    assert!(error_of("sched.cpu.shares = \"-5\"\n").contains("sched.cpu.shares"));
    assert!(error_of("config.version = \"8\"\n").contains("given twice"));
    // Huge indexes and counts stay cheap.
    convert("ethernet4000000000.present = \"false\"\n").unwrap();
    convert(
        "isolation.tools.hgfs.disable = \"false\"\nsharedFolder.maxNum = \"9223372036854775807\"\n",
    )
    .unwrap();
}

#[test]
fn duplicate_keys_are_errors() {
    let e = error_of("displayName = \"a\"\nDISPLAYNAME = \"b\"\n");
    assert!(e.contains("DISPLAYNAME") && e.contains("twice"), "{e}");
    assert!(matches!(
        VmxFile::parse_str("a = \"1\"\na = \"1\"\n"),
        Err(VmxFileError::DuplicateKey { .. })
    ));
}

#[test]
fn unknown_device_types_are_errors() {
    let scsi = "scsi0.present = \"true\"\nscsi0:0.present = \"true\"\n";
    let e = error_of(&format!(
        "{scsi}scsi0:0.deviceType = \"quantum-disk\"\nscsi0:0.fileName = \"a.vmdk\"\n"
    ));
    assert!(
        e.contains("scsi0:0.deviceType") && e.contains("quantum-disk"),
        "{e}"
    );
    let e = error_of(&format!(
        "{scsi}scsi0:0.deviceType = \"tape\"\nscsi0:0.fileName = \"a.tape\"\n"
    ));
    assert!(e.contains("scsi0:0.fileName"), "{e}");
    let e = error_of("scsi0.present = \"true\"\nscsi0.virtualDev = \"megaraid\"\n");
    assert!(
        e.contains("scsi0.virtualDev") && e.contains("megaraid"),
        "{e}"
    );
    let e = error_of("ethernet0.present = \"true\"\nethernet0.virtualDev = \"rtl8139\"\n");
    assert!(
        e.contains("ethernet0.virtualDev") && e.contains("rtl8139"),
        "{e}"
    );
    let e = error_of("ethernet0.present = \"true\"\nethernet0.connectionType = \"wormhole\"\n");
    assert!(e.contains("ethernet0.connectionType"), "{e}");
    let e = error_of("serial0.present = \"true\"\nserial0.fileType = \"carrier-pigeon\"\n");
    assert!(e.contains("serial0.fileType"), "{e}");
    let e = error_of(
        "parallel0.present = \"true\"\nparallel0.fileType = \"pipe\"\nparallel0.fileName = \"p\"\n",
    );
    assert!(e.contains("parallel0.fileType"), "{e}");
    let e = error_of("floppy0.present = \"true\"\nfloppy0.fileType = \"cloud\"\n");
    assert!(e.contains("floppy0"), "{e}");
    let e = error_of("firmware = \"coreboot\"\n");
    assert!(e.contains("firmware"), "{e}");
    let e = error_of("ethernet0.present = \"true\"\nethernet0.addressType = \"random\"\n");
    assert!(e.contains("ethernet0.addressType"), "{e}");
    let e = error_of("ethernet0.present = \"true\"\nethernet0.addressType = \"static\"\nethernet0.address = \"zz:zz\"\n");
    assert!(e.contains("ethernet0.address"), "{e}");
    let e = error_of("ethernetX.present = \"true\"\n");
    assert!(e.contains("ethernetX.present"), "{e}");
    let e = error_of("scsi0.present = \"maybe\"\n");
    assert!(e.contains("scsi0.present") && e.contains("maybe"), "{e}");
}

#[test]
fn missing_essentials_are_errors() {
    let ctx = ParseContext::new(&resolve);
    assert!(vmx_to_domain("", &ctx)
        .unwrap_err()
        .to_string()
        .contains("config.version"));
    assert!(vmx_to_domain("config.version = \"8\"\n", &ctx)
        .unwrap_err()
        .to_string()
        .contains("virtualHW.version"));
    assert!(vmx_to_domain("config.version = \"7\"\nvirtualHW.version = \"4\"\n", &ctx).is_err());
    assert!(vmx_to_domain("config.version = \"8\"\nvirtualHW.version = \"3\"\n", &ctx).is_err());
    assert!(error_of("displayName = \"bad %zz escape\"\n").contains("displayName"));
    assert!(error_of("annotation = \"bad |z escape\"\n").contains("annotation"));
    assert!(error_of("uuid.bios = \"not a uuid\"\n").contains("uuid.bios"));
}

#[test]
fn resolver_failures_are_errors() {
    let refuse = |name: &str, _: bool| -> Result<Option<String>, String> {
        Err(format!("no datastore holds {name}"))
    };
    let ctx = ParseContext::new(&refuse);
    let vmx = format!(
        "{HEAD}scsi0.present = \"true\"\nscsi0:0.present = \"true\"\nscsi0:0.fileName = \"a.vmdk\"\n"
    );
    let e = vmx_to_domain(&vmx, &ctx).unwrap_err();
    assert!(
        matches!(&e, VmxError::FileName { name, .. } if name == "a.vmdk"),
        "{e}"
    );
}
