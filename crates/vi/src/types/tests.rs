//! Decoding and encoding of the generated types through the codec: the tolerance rules of
//! `codec` (xsi:type prefixes, missing types, unknown elements and subtypes, arrays) and the
//! refusals (DTDs, entities, truncation, nesting).

use crate::codec::*;
use crate::types::*;

fn doc<T: Decode>(xml: &str) -> T {
    decode_document::<T>(xml.as_bytes()).unwrap()
}

#[test]
fn xsi_type_under_any_prefix() {
    let xml = r#"<val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="xsd:int">42</val>"#;
    assert_eq!(doc::<Value>(xml), Value::Int(42));
    // A prefix bound to some other namespace is not xsi.
    let xml = r#"<val xmlns:foo="urn:other" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" foo:type="xsd:int">42</val>"#;
    assert_eq!(doc::<Value>(xml), Value::String("42".into()));
    let xml = r#"<val xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="VirtualMachinePowerState">poweredOn</val>"#;
    assert_eq!(doc::<Value>(xml).as_str(), Some("poweredOn"));
    // A binding on an ancestor applies.
    let xml = r#"<root xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><val i:type="xsd:boolean">true</val></root>"#;
    let mut r = XmlReader::new(xml.as_bytes());
    let root = r.root().unwrap();
    let child = r.next_child().unwrap().unwrap();
    assert_eq!(Value::decode(&mut r, &child).unwrap(), Value::Boolean(true));
    assert!(r.next_child().unwrap().is_none());
    let _ = root;
}

#[test]
fn missing_xsi_type_means_declared_type() {
    let xml = r#"<device xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><key>4000</key><macAddress>00:50:56:aa:bb:cc</macAddress></device>"#;
    let d: AnyVirtualDevice = doc(xml);
    assert_eq!(d.type_name(), "VirtualDevice");
    assert_eq!(d.key, 4000);
    let xml = r#"<info><name>ds1</name><url>ds:///vmfs/volumes/x/</url><freeSpace>10</freeSpace><maxFileSize>20</maxFileSize></info>"#;
    let i: AnyDatastoreInfo = doc(xml);
    assert_eq!(i.name, "ds1");
    assert_eq!(i.free_space, 10);
}

#[test]
fn unknown_elements_are_skipped() {
    let xml = r#"<about><name>VMware ESXi</name><futureThing><deep a="1"><x/>text</deep></futureThing><apiVersion>8.0.1.0</apiVersion><apiType>HostAgent</apiType></about>"#;
    let a: AboutInfo = doc(xml);
    assert_eq!(a.name, "VMware ESXi");
    assert_eq!(a.api_version, "8.0.1.0");
    assert_eq!(a.api_type, "HostAgent");
}

#[test]
fn arrays_with_and_without_item_types() {
    let typed = r#"<val xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="ArrayOfVirtualDevice"><VirtualDevice xsi:type="VirtualDisk"><key>2000</key><capacityInKB>1024</capacityInKB></VirtualDevice><VirtualDevice xsi:type="VirtualE1000"><key>4000</key><macAddress>m</macAddress></VirtualDevice></val>"#;
    let Value::ArrayOfVirtualDevice(v) = doc::<Value>(typed) else {
        panic!("not an array")
    };
    assert_eq!(v.len(), 2);
    match &v[0] {
        AnyVirtualDevice::VirtualDisk(d) => assert_eq!(d.capacity_in_kb, 1024),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        v[1].as_virtual_ethernet_card()
            .unwrap()
            .mac_address
            .as_deref(),
        Some("m")
    );
    let untyped = r#"<val xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="ArrayOfString"><string>a</string><string>b &amp; c</string></val>"#;
    assert_eq!(
        doc::<Value>(untyped),
        Value::ArrayOfString(vec!["a".into(), "b & c".into()])
    );
    let morefs = r#"<val xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="ArrayOfManagedObjectReference"><ManagedObjectReference type="VirtualMachine">vm-1</ManagedObjectReference><ManagedObjectReference xsi:type="ManagedObjectReference" type="VirtualMachine">vm-2</ManagedObjectReference></val>"#;
    let Value::ArrayOfManagedObjectReference(m) = doc::<Value>(morefs) else {
        panic!()
    };
    assert_eq!(m[1], ManagedObjectReference::new("VirtualMachine", "vm-2"));
}

#[test]
fn unknown_subtype_falls_back_to_declared_base() {
    let xml = r#"<device xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="VirtualFutureNic"><key>4001</key><unitNumber>7</unitNumber></device>"#;
    let d: AnyVirtualDevice = doc(xml);
    assert_eq!(d.type_name(), "VirtualDevice");
    assert_eq!((d.key, d.unit_number), (4001, Some(7)));
    // An anyType value of an unknown type keeps its name and XML.
    let xml = r#"<val xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="SomethingNew"><a>1</a></val>"#;
    match doc::<Value>(xml) {
        Value::Unknown { type_name, xml } => {
            assert_eq!(type_name, "SomethingNew");
            assert_eq!(xml, "<a>1</a>");
        }
        other => panic!("{other:?}"),
    }
    // A known subtype nested deeper than the declared type still decodes exactly.
    let xml = r#"<backing xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="VirtualDiskFlatVer2BackingInfo"><fileName>[ds] a/a.vmdk</fileName><diskMode>persistent</diskMode><parent><fileName>[ds] a/base.vmdk</fileName><diskMode>persistent</diskMode></parent></backing>"#;
    let b: AnyVirtualDeviceBackingInfo = doc(xml);
    let f = b.as_virtual_device_file_backing_info().unwrap();
    assert_eq!(f.file_name, "[ds] a/a.vmdk");
    let AnyVirtualDeviceBackingInfo::VirtualDiskFlatVer2BackingInfo(v2) = b else {
        panic!()
    };
    assert_eq!(v2.parent.unwrap().file_name, "[ds] a/base.vmdk");
}

/// Found by fuzzing: the type name of an unknown anyType value was kept escaped, so
/// encoding it escaped it again (`&gt;` became `&amp;gt;`) and encode/decode drifted.
#[test]
fn unknown_type_names_are_unescaped() {
    let xml = r#"<val xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Odd/&gt;&amp;Type"><a>1</a></val>"#;
    let v = doc::<Value>(xml);
    assert_eq!(v.type_name(), "Odd/>&Type");
    let mut w = XmlWriter::new();
    v.encode(&mut w, "val");
    let again = format!(
        "<r xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">{}</r>",
        w.buf
    );
    let mut r = XmlReader::new(again.as_bytes());
    r.root().unwrap();
    let child = r.next_child().unwrap().unwrap();
    assert_eq!(Value::decode(&mut r, &child).unwrap(), v);
    // An entity the type name cannot hold is an error, as anywhere else.
    let bad = r#"<val xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="a&b;"/>"#;
    assert!(matches!(
        decode_document::<Value>(bad.as_bytes()),
        Err(DecodeError::Entity(_))
    ));
}

#[test]
fn dtd_and_unknown_entities_are_refused() {
    let xml = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>"#;
    assert_eq!(
        decode_document::<String>(xml.as_bytes()),
        Err(DecodeError::Dtd)
    );
    let xml = r#"<x>a &e; b</x>"#;
    assert!(matches!(
        decode_document::<String>(xml.as_bytes()),
        Err(DecodeError::Entity(_))
    ));
    assert_eq!(
        decode_document::<String>(b"<x>&#65;&#x42;&lt;</x>").unwrap(),
        "AB<"
    );
}

#[test]
fn truncated_and_malformed_are_errors() {
    assert_eq!(
        decode_document::<AboutInfo>(b"<about><name>x</name>"),
        Err(DecodeError::Truncated)
    );
    assert!(decode_document::<AboutInfo>(b"<about><name>x</nam></about>").is_err());
    assert!(decode_document::<AboutInfo>(b"").is_err());
    assert!(decode_document::<i32>(b"<n>abc</n>").is_err());
}

#[test]
fn encoding_escapes_and_types() {
    let mut w = XmlWriter::new();
    let spec = VirtualMachineConfigSpec {
        name: Some("a<b>&\"c\"".into()),
        annotation: Some("line1\r\nline2".into()),
        device_change: vec![VirtualDeviceConfigSpec {
            operation: Some(VirtualDeviceConfigSpecOperation::Add),
            device: VirtualCdrom::default().into(),
            ..Default::default()
        }],
        extra_config: vec![OptionValue {
            key: "k".into(),
            value: Some(Value::String("v&".into())),
        }
        .into()],
        ..Default::default()
    };
    spec.encode(&mut w, "spec");
    assert_eq!(
        w.buf,
        "<spec><name>a&lt;b&gt;&amp;\"c\"</name><annotation>line1&#13;\nline2</annotation>\
         <deviceChange><operation>add</operation><device xsi:type=\"VirtualCdrom\"><key>0</key></device></deviceChange>\
         <extraConfig xsi:type=\"OptionValue\"><key>k</key><value xsi:type=\"xsd:string\">v&amp;</value></extraConfig></spec>"
    );
    // And it decodes back to the same value.
    let doc = format!(
        "<spec xmlns:xsi=\"{}\">{}</spec>",
        "http://www.w3.org/2001/XMLSchema-instance",
        &w.buf[6..w.buf.len() - 7]
    );
    let back: VirtualMachineConfigSpec = decode_document(doc.as_bytes()).unwrap();
    assert_eq!(back, spec);
}

#[test]
fn moref_type_attribute() {
    let m: ManagedObjectReference = doc(r#"<obj type="VirtualMachine">vm-7</obj>"#);
    assert_eq!(m.to_string(), "VirtualMachine:vm-7");
    let mut w = XmlWriter::new();
    m.encode(&mut w, "_this");
    assert_eq!(w.buf, r#"<_this type="VirtualMachine">vm-7</_this>"#);
}
