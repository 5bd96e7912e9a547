//! Hostile and broken VMX input: every refusal is libvirt 9.0's line (class prefix and
//! message), never a panic; what libvirt accepts is accepted.

use esxvirt_vmx::{vmx_to_domain, ErrorClass, ParseContext, VmxError, VmxFile};

fn resolve(name: &str, _allow_missing: bool) -> Result<Option<String>, String> {
    Ok(Some(format!("[datastore] directory/{name}")))
}

const HEAD: &str = "config.version = \"8\"\nvirtualHW.version = \"4\"\n";

fn convert(body: &str) -> Result<esxvirt_xml::domain::Domain, VmxError> {
    let ctx = ParseContext::new(&resolve);
    vmx_to_domain(format!("{HEAD}{body}"), &ctx)
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
    // Every prefix must at least not panic; cutting inside a quoted value or right after '='
    // fails.
    for cut in 0..full.len() {
        let _ = vmx_to_domain(&full[..cut], &ctx);
    }
    assert_eq!(
        vmx_to_domain(&full[..full.len() - 5], &ctx)
            .unwrap_err()
            .to_string(),
        "configuration file syntax error: memory conf:6: unterminated string"
    );
    assert_eq!(
        vmx_to_domain("config.version = ", &ctx)
            .unwrap_err()
            .to_string(),
        "configuration file syntax error: memory conf:1: expecting a value"
    );
    assert_eq!(
        vmx_to_domain("config.version = \"8", &ctx)
            .unwrap_err()
            .to_string(),
        "configuration file syntax error: memory conf:1: unterminated string"
    );
}

#[test]
fn binary_input_ends_at_nul_or_is_refused() {
    let ctx = ParseContext::new(&resolve);
    // libvirt reads the file as a C string: everything after a NUL is gone.
    let mut bytes = HEAD.as_bytes().to_vec();
    bytes.extend_from_slice(b"displayName = \"x\"\n");
    bytes.extend_from_slice(&[0, 0x7f, b'E', b'L', b'F', 1, 2, 3, 0xff, 0xfe]);
    assert_eq!(vmx_to_domain(&bytes, &ctx).unwrap().name, "x");
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
        assert!(vmx_to_domain(&junk, &ctx).is_err());
    }
}

#[test]
fn encodings() {
    let ctx = ParseContext::new(&resolve);
    // An undeclared non-UTF-8 byte in a value that would reach the XML is refused.
    let mut bytes = HEAD.as_bytes().to_vec();
    bytes.extend_from_slice(b"displayName = \"caf\xe9\"\n");
    let err = vmx_to_domain(&bytes, &ctx).unwrap_err();
    assert_eq!(
        err.to_string(),
        "internal error: VMX entry 'displayName' is not valid UTF-8 and the file declares no other encoding"
    );
    // The same byte is fine once the file declares its encoding.
    let mut bytes = b".encoding = \"windows-1252\"\n".to_vec();
    bytes.extend_from_slice(HEAD.as_bytes());
    bytes.extend_from_slice(b"displayName = \"caf\xe9\"\n");
    assert_eq!(vmx_to_domain(&bytes, &ctx).unwrap().name, "café");
    // A legacy Chinese code page.
    let mut bytes = b".encoding = \"GBK\"\n".to_vec();
    bytes.extend_from_slice(HEAD.as_bytes());
    bytes.extend_from_slice(b"displayName = \"\xb2\xe2\xca\xd4\"\n");
    assert_eq!(vmx_to_domain(&bytes, &ctx).unwrap().name, "测试");
    // Decoding stops at an undefined Windows-1252 byte, cutting the value short; unknown
    // encodings are errors.
    let mut bytes = b".encoding = \"windows-1252\"\n".to_vec();
    bytes.extend_from_slice(HEAD.as_bytes());
    bytes.extend_from_slice(b"displayName = \"\x81\"\n");
    assert_eq!(
        vmx_to_domain(&bytes, &ctx).unwrap_err().to_string(),
        "configuration file syntax error: memory conf:4: unterminated string"
    );
    assert_eq!(
        error_of(".encoding = \"EBCDIC-US\"\n"),
        "internal error: libxml2 doesn't handle EBCDIC-US encoding"
    );
}

#[test]
fn numbers_as_libvirt_reads_them() {
    assert_eq!(
        error_of("memsize = \"33\"\n"),
        "internal error: Expecting VMX entry 'memsize' to be an unsigned integer (multiple of 4) but found 33"
    );
    assert_eq!(
        error_of("memsize = \"-4\"\n"),
        "internal error: Expecting VMX entry 'memsize' to be an unsigned integer (multiple of 4) but found -4"
    );
    assert_eq!(
        error_of("memsize = \"99999999999999999999999\"\n"),
        "internal error: Config entry 'memsize' must represent an integer value"
    );
    assert_eq!(
        error_of("numvcpus = \"0\"\n"),
        "internal error: Expecting VMX entry 'numvcpus' to be an unsigned integer greater than 0 but found 0"
    );
    assert_eq!(
        error_of("sched.cpu.affinity = \"4294967296\"\n"),
        "internal error: Expecting VMX entry 'sched.cpu.affinity' to be a comma separated list of unsigned integers but found '4294967296'"
    );
    assert_eq!(
        error_of("sched.cpu.affinity = \"\"\n"),
        "internal error: Expecting VMX entry 'sched.cpu.affinity' to contain at least as many values as 'numvcpus' (1) but found only 0 value(s)"
    );
    assert_eq!(
        error_of("sched.cpu.affinity = \"3000000000\"\n"),
        "internal error: VMX entry 'sched.cpu.affinity' contains a -1294967296, this value is too large"
    );
    assert_eq!(
        error_of("numvcpus = \"4\"\ncpuid.coresPerSocket = \"8\"\n"),
        "internal error: VMX entry 'cpuid.coresPerSocket' smaller than 'numvcpus'"
    );
    // What libvirt accepts: a negative video RAM size rounds to nothing (the default), a port
    // keeps its low 32 bits, a negative share count wraps.
    let d = convert("svga.vramSize = \"-1\"\nsched.cpu.shares = \"-5\"\nRemoteDisplay.vnc.enabled = \"true\"\nRemoteDisplay.vnc.port = \"99999999999\"\n").unwrap();
    assert_eq!(d.devices.videos[0].vram, Some(4096));
    assert_eq!(d.cputune.shares, Some(u64::MAX - 4));
    let xml = d.to_xml();
    assert!(xml.contains("port='1215752191'"), "{xml}");
    // Absurd sizes that libvirt would overflow on are refused with its message.
    assert_eq!(
        error_of("memsize = \"9223372036854775804\"\n"),
        "internal error: Expecting VMX entry 'memsize' to be an unsigned integer (multiple of 4) but found 9223372036854775804"
    );
    // Huge counts stay cheap.
    convert(
        "isolation.tools.hgfs.disable = \"false\"\nsharedFolder.maxNum = \"9223372036854775807\"\n",
    )
    .unwrap();
}

#[test]
fn duplicate_keys_keep_the_first_value() {
    let d = convert("displayName = \"a\"\nDISPLAYNAME = \"b\"\n").unwrap();
    assert_eq!(d.name, "a");
    assert_eq!(
        VmxFile::parse_str("a = \"1\"\na = \"2\"\n")
            .unwrap()
            .get("A"),
        Some("1")
    );
}

#[test]
fn entry_errors_are_libvirts() {
    let scsi = "scsi0.present = \"true\"\nscsi0:0.present = \"true\"\n";
    let cases: &[(String, &str)] = &[
        (
            format!("{scsi}scsi0:0.deviceType = \"quantum-disk\"\nscsi0:0.fileName = \"a.vmdk\"\n"),
            "Expecting VMX entry 'scsi0:0.deviceType' to be 'scsi-hardDisk' or 'disk' but found 'quantum-disk'",
        ),
        (
            format!("{scsi}scsi0:0.deviceType = \"tape\"\nscsi0:0.fileName = \"a.tape\"\n"),
            "Invalid or not yet handled value 'a.tape' for VMX entry 'scsi0:0.fileName' for device type 'tape'",
        ),
        (
            "ide0:0.present = \"true\"\nide0:0.deviceType = \"cdrom-image\"\n".into(),
            "Invalid or not yet handled value '<null>' for VMX entry 'ide0:0.fileName' for device type 'cdrom-image'",
        ),
        (
            "scsi0.present = \"true\"\nscsi0.virtualDev = \"MegaRAID\"\n".into(),
            "Expecting VMX entry 'scsi0.virtualDev' to be 'buslogic' or 'lsilogic' or 'lsisas1068' or 'pvscsi' but found 'megaraid'",
        ),
        (
            "ethernet0.present = \"true\"\nethernet0.virtualDev = \"rtl8139\"\n".into(),
            "Expecting VMX entry 'ethernet0.virtualDev' to be 'vlance' or 'vmxnet' or 'vmxnet3' or 'e1000' or 'e1000e' but found 'rtl8139'",
        ),
        (
            "ethernet0.present = \"true\"\nethernet0.connectionType = \"wormhole\"\n".into(),
            "Invalid value 'wormhole' for VMX entry 'ethernet0.connectionType'",
        ),
        (
            "ethernet0.present = \"true\"\nethernet0.connectionType = \"hostonly\"\n".into(),
            "No yet handled value 'hostonly' for VMX entry 'ethernet0.connectionType'",
        ),
        (
            "ethernet0.present = \"true\"\nethernet0.connectionType = \"bridged\"\n".into(),
            "Missing essential config entry 'ethernet0.networkName'",
        ),
        (
            "ethernet0.present = \"true\"\nethernet0.addressType = \"random\"\n".into(),
            "Expecting VMX entry 'ethernet0.addressType' to be 'generated' or 'static' or 'vpx' but found 'random'",
        ),
        (
            "ethernet0.present = \"true\"\nethernet0.addressType = \"static\"\nethernet0.address = \"zz:zz\"\n".into(),
            "Expecting VMX entry 'ethernet0.address' to be MAC address but found 'zz:zz'",
        ),
        (
            "ethernetX.present = \"true\"\n".into(),
            "failed to parse the index of the VMX key 'ethernetX.present'",
        ),
        (
            "ethernet4000000000.present = \"false\"\n".into(),
            "failed to parse the index of the VMX key 'ethernet4000000000.present'",
        ),
        (
            "serial0.present = \"true\"\nserial0.fileType = \"carrier-pigeon\"\n".into(),
            "Expecting VMX entry 'serial0.fileType' to be 'device', 'file' or 'pipe' or 'network' but found 'carrier-pigeon'",
        ),
        (
            "serial0.present = \"true\"\nserial0.fileType = \"network\"\nserial0.fileName = \"ZmVybmV0\"\n".into(),
            "VMX entry 'serial0.fileName' doesn't contain a port part",
        ),
        (
            "serial0.present = \"true\"\nserial0.fileType = \"network\"\n".into(),
            "Unable to parse URI (null)",
        ),
        (
            "serial0.present = \"true\"\nserial0.fileType = \"network\"\nserial0.fileName = \"a b\"\n".into(),
            "Unable to parse URI a b",
        ),
        (
            "serial0.present = \"true\"\nserial0.fileType = \"network\"\nserial0.fileName = \"gopher://h:70\"\n".into(),
            "VMX entry 'serial0.fileName' contains unsupported scheme 'gopher'",
        ),
        (
            "parallel0.present = \"true\"\nparallel0.fileType = \"pipe\"\nparallel0.fileName = \"p\"\n".into(),
            "Expecting VMX entry 'parallel0.fileType' to be 'device' or 'file' but found 'pipe'",
        ),
        (
            "floppy0.present = \"true\"\nfloppy0.fileType = \"cloud\"\n".into(),
            "Invalid or not yet handled value '<null>' for VMX entry 'floppy0.fileName' for device type 'unknown'",
        ),
        (
            "firmware = \"coreboot\"\n".into(),
            "VMX entry 'firmware' has unknown value 'coreboot'",
        ),
        (
            "scsi0.present = \"maybe\"\n".into(),
            "Config entry 'scsi0.present' must represent a boolean value (true|false)",
        ),
        (
            "displayName = \"bad %zz escape\"\n".into(),
            "VMX entry 'name' contains invalid escape sequence",
        ),
        (
            "annotation = \"bad |z escape\"\n".into(),
            "VMX entry 'annotation' contains invalid escape sequence",
        ),
        (
            "uuid.bios = \"not a uuid\"\n".into(),
            "Could not parse UUID from string 'not a uuid'",
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(
            error_of(body),
            format!("internal error: {expected}"),
            "{body}"
        );
    }
}

#[test]
fn missing_essentials_are_errors() {
    let ctx = ParseContext::new(&resolve);
    assert_eq!(
        vmx_to_domain("", &ctx).unwrap_err().to_string(),
        "internal error: Missing essential config entry 'config.version'"
    );
    assert_eq!(
        vmx_to_domain("config.version = \"8\"\n", &ctx)
            .unwrap_err()
            .to_string(),
        "internal error: Missing essential config entry 'virtualHW.version'"
    );
    assert_eq!(
        vmx_to_domain("config.version = \"6\"\nvirtualHW.version = \"4\"\n", &ctx)
            .unwrap_err()
            .to_string(),
        "internal error: Expecting VMX entry 'config.version' to be 8 but found 6"
    );
    assert_eq!(
        vmx_to_domain("config.version = \"8\"\nvirtualHW.version = \"3\"\n", &ctx)
            .unwrap_err()
            .to_string(),
        "internal error: Expecting VMX entry 'virtualHW.version' to be 4 or higher but found 3"
    );
    // The adapters' indexes are read before anything else.
    assert_eq!(
        vmx_to_domain("ethernet.x = \"1\"\n", &ctx)
            .unwrap_err()
            .to_string(),
        "internal error: failed to parse the index of the VMX key 'ethernet.x'"
    );
}

#[test]
fn syntax_errors_have_their_class() {
    let e = convert("pciPassthru*.present = \"False\"\n").unwrap_err();
    assert_eq!(e.class(), ErrorClass::ConfSyntax);
    assert_eq!(
        e.to_string(),
        "configuration file syntax error: memory conf:3: expecting an assignment"
    );
    assert_eq!(e.message(), "memory conf:3: expecting an assignment");
}

#[test]
fn resolver_failures_are_the_resolvers_errors() {
    let refuse = |name: &str, _: bool| -> Result<Option<String>, String> {
        Err(format!("Could not handle file name '{name}'"))
    };
    let ctx = ParseContext::new(&refuse);
    let vmx = format!(
        "{HEAD}scsi0.present = \"true\"\nscsi0:0.present = \"true\"\nscsi0:0.fileName = \"a/b.vmdk\"\n"
    );
    let e = vmx_to_domain(&vmx, &ctx).unwrap_err();
    assert!(
        matches!(&e, VmxError::FileName { name, .. } if name == "a/b.vmdk"),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "internal error: Could not handle file name 'a/b.vmdk'"
    );
    // A resolver that says "missing" leaves a disk without a source, as libvirt does.
    let missing = |_: &str, _: bool| -> Result<Option<String>, String> { Ok(None) };
    let ctx = ParseContext::new(&missing);
    let d = vmx_to_domain(&vmx, &ctx).unwrap();
    assert_eq!(d.devices.disks[0].source, None);
}
