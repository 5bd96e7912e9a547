//! Conversion details beyond the conformance vectors, each checked against what Debian's virsh
//! 9.0 (libvirt's ESX driver) prints for the same input.

use esxvirt_vmx::{domain_to_vmx, vmx_to_domain, FormatContext, ParseContext};
use esxvirt_xml::domain::Domain;

fn parse_name(name: &str, _allow_missing: bool) -> Result<Option<String>, String> {
    Ok(Some(format!("[?] ?/{name}")))
}

fn format_name(src: &str) -> Result<String, String> {
    if src.starts_with('/') {
        Ok(src.to_string())
    } else {
        Err(format!("cannot handle '{src}'"))
    }
}

fn to_xml(vmx: &str) -> String {
    let ctx = ParseContext::new(&parse_name);
    let body = format!("config.version = \"8\"\nvirtualHW.version = \"4\"\n{vmx}");
    vmx_to_domain(&body, &ctx).expect("converts").to_xml()
}

fn to_vmx(xml: &str) -> String {
    let domain = Domain::from_xml(xml).expect("parses");
    let ctx = FormatContext::new(&format_name);
    domain_to_vmx(&domain, &ctx, 8).expect("converts")
}

#[test]
fn affinity_accepts_cpus_up_to_16383() {
    let xml = to_xml("displayName = \"t\"\nsched.cpu.affinity = \"1024\"\n");
    assert!(
        xml.contains("<vcpu placement='static' cpuset='1024'>1</vcpu>"),
        "{xml}"
    );
}

#[test]
fn mac_addresses_need_colons() {
    let ctx = ParseContext::new(&parse_name);
    let vmx = "config.version = \"8\"\nvirtualHW.version = \"4\"\nethernet0.present = \"true\"\n\
               ethernet0.addressType = \"static\"\nethernet0.address = \"00-50-56-01-02-03\"\n";
    let err = vmx_to_domain(vmx, &ctx).unwrap_err().to_string();
    assert!(err.contains("ethernet0.address"), "{err}");
}

#[test]
fn missing_mac_gets_a_generated_vmware_address() {
    let vmx = to_vmx(
        "<domain type='vmware'><name>n</name><memory>4096</memory><os><type>hvm</type></os>\
         <devices><interface type='bridge'><source bridge='br0'/></interface></devices></domain>",
    );
    assert!(
        vmx.contains("ethernet0.addressType = \"generated\"\n"),
        "{vmx}"
    );
    assert!(
        vmx.contains("ethernet0.generatedAddress = \"00:0c:29:"),
        "{vmx}"
    );
    assert!(
        vmx.contains("ethernet0.generatedAddressOffset = \"0\"\n"),
        "{vmx}"
    );
}

#[test]
fn names_and_annotations_are_escaped_both_ways() {
    let vmx = to_vmx(
        "<domain type='vmware'><name>a|b\"c%d/e\\f</name><description>x|y\"z</description>\
         <memory>4096</memory><os><type>hvm</type></os></domain>",
    );
    assert!(
        vmx.contains("displayName = \"a|7cb|22c%25d%2fe%5cf\"\n"),
        "{vmx}"
    );
    assert!(vmx.contains("annotation = \"x|7cy|22z\"\n"), "{vmx}");
    let xml = to_xml("displayName = \"a|7cb|22c%25d%2fe%5cf\"\nannotation = \"x|7Cy|22z\"\n");
    assert!(xml.contains("<name>a|b&quot;c%d/e\\f</name>"), "{xml}");
    assert!(
        xml.contains("<description>x|y&quot;z</description>"),
        "{xml}"
    );
}

#[test]
fn line_breaks_in_a_description_stay_inside_the_value() {
    let vmx = to_vmx(
        "<domain type='vmware'><name>n</name><description>two\nlines</description>\
         <memory>4096</memory><os><type>hvm</type></os></domain>",
    );
    assert!(vmx.contains("annotation = \"two|0alines\"\n"), "{vmx}");
    let xml = to_xml("annotation = \"two|0alines\"\n");
    assert!(
        xml.contains("<description>two\nlines</description>"),
        "{xml}"
    );
}

#[test]
fn hardware_version_13_widens_scsi_buses() {
    let ctx = ParseContext::new(&parse_name);
    let vmx = "config.version = \"8\"\nvirtualHW.version = \"13\"\nscsi0.present = \"true\"\n\
               scsi0:20.present = \"true\"\nscsi0:20.fileName = \"d.vmdk\"\n";
    let xml = vmx_to_domain(vmx, &ctx).unwrap().to_xml();
    // libvirt names the disk from controller*15+unit-1 and derives the address from the name.
    assert!(xml.contains("<target dev='sdt' bus='scsi'/>"), "{xml}");
    assert!(
        xml.contains("controller='0' bus='0' target='0' unit='20'"),
        "{xml}"
    );
}

#[test]
fn vram_is_rounded_to_a_power_of_two() {
    let xml = to_xml("svga.vramSize = \"7340032\"\n");
    assert!(xml.contains("vram='8192'"), "{xml}");
    let xml = to_xml("svga.vramSize = \"0\"\n");
    assert!(xml.contains("vram='4096'"), "{xml}");
}

#[test]
fn missing_display_name_leaves_out_the_name_element() {
    // virsh 9.0 (domxml-from-native against esxsim) for these three files.
    let body = "<uuid>00000000-0000-0000-0000-000000000000</uuid>\n  <memory unit='KiB'>32768</memory>\n  <currentMemory unit='KiB'>32768</currentMemory>\n  <vcpu placement='static'>1</vcpu>\n  <os>\n    <type arch='i686'>hvm</type>\n  </os>\n  <clock offset='utc'/>\n  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>restart</on_reboot>\n  <on_crash>destroy</on_crash>\n  <devices>\n    <video>\n      <model type='vmvga' vram='4096' primary='yes'/>\n    </video>\n  </devices>\n</domain>\n";
    assert_eq!(to_xml(""), format!("<domain type='vmware'>\n  {body}"));
    assert_eq!(
        to_xml("displayName = \"\"\n"),
        format!("<domain type='vmware'>\n  <name></name>\n  {body}")
    );
    // A name set later (as the driver does from the inventory) is written.
    let ctx = ParseContext::new(&parse_name);
    let mut d = vmx_to_domain("config.version = \"8\"\nvirtualHW.version = \"4\"\n", &ctx)
        .expect("converts");
    d.name = "vm1".into();
    assert_eq!(
        d.to_xml(),
        format!("<domain type='vmware'>\n  <name>vm1</name>\n  {body}")
    );
}

/// libvirt writes a value with a quote as it is, so the rest of the value would become VMX
/// entries of its own; esxvirt refuses it (testdata/conformance/README.md).
#[test]
fn values_that_would_break_out_of_quotes_are_refused() {
    let domain = Domain::from_xml(
        "<domain type='vmware'><name>n</name><memory>4096</memory><os><type>hvm</type></os>\
         <devices><interface type='bridge'><mac address='00:0c:29:00:00:01'/>\
         <source bridge='lan\"&#10;sched.mem.max = \"4'/></interface></devices></domain>",
    )
    .expect("parses");
    let ctx = FormatContext::new(&format_name);
    assert_eq!(
        domain_to_vmx(&domain, &ctx, 8).unwrap_err().to_string(),
        "unsupported configuration: the value 'lan\"\nsched.mem.max = \"4' for VMX entry 'ethernet0.networkName' contains a quote or a line break, which a VMX file cannot hold"
    );
}
