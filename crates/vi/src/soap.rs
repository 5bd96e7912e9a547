//! SOAP envelopes: decoding responses (return values or a fault) and, for servers such as
//! the simulator, decoding requests and encoding responses and faults.

use crate::codec::{
    Decode, DecodeError, Encode, Tag, XmlReader, XmlWriter, ENVELOPE_END, ENVELOPE_START,
};
use crate::error::Error;
use crate::fault::Fault;
use crate::types::{Request, Value};

/// What a SOAP response held: the `returnval` elements, or a fault.
pub enum Response<T> {
    /// The decoded `returnval` elements, in order.
    Values(Vec<T>),
    /// A SOAP fault.
    Fault(Fault),
}

fn bad(method: &str, reason: impl std::fmt::Display) -> Error {
    Error::BadResponse {
        method: method.to_string(),
        reason: reason.to_string(),
    }
}

/// Positions `r` inside the Body and returns the Body's first child element.
fn body_child<'a>(r: &mut XmlReader<'a>) -> Result<Tag<'a>, DecodeError> {
    let root = r.root()?;
    if root.local() != b"Envelope" {
        return Err(DecodeError::Unexpected(format!(
            "expected a SOAP Envelope, found <{}>",
            root.name_lossy()
        )));
    }
    if root.empty {
        return Err(DecodeError::Unexpected("empty SOAP Envelope".into()));
    }
    while let Some(child) = r.next_child()? {
        if child.local() == b"Body" {
            if child.empty {
                return Err(DecodeError::Unexpected("empty SOAP Body".into()));
            }
            return match r.next_child()? {
                Some(t) => Ok(t),
                None => Err(DecodeError::Unexpected("empty SOAP Body".into())),
            };
        }
        r.skip(&child)?;
    }
    Err(DecodeError::Unexpected("SOAP Envelope without Body".into()))
}

/// Decodes a response to `method` whose return values are of type `T`.
pub fn decode_response<T: Decode>(xml: &[u8], method: &str) -> Result<Response<T>, Error> {
    let mut r = XmlReader::new(xml);
    let inner = body_child(&mut r).map_err(|e| bad(method, e))?;
    if inner.local() == b"Fault" {
        return decode_fault(&mut r, &inner)
            .map(Response::Fault)
            .map_err(|e| bad(method, e));
    }
    let mut out = Vec::new();
    if !inner.empty {
        while let Some(child) = r.next_child().map_err(|e| bad(method, e))? {
            if child.local() == b"returnval" {
                out.push(T::decode(&mut r, &child).map_err(|e| bad(method, e))?);
            } else {
                r.skip(&child).map_err(|e| bad(method, e))?;
            }
        }
    }
    Ok(Response::Values(out))
}

/// Decodes a `Fault` element (its start tag has been read).
pub fn decode_fault<'a>(r: &mut XmlReader<'a>, tag: &Tag<'a>) -> Result<Fault, DecodeError> {
    let mut message = String::new();
    let mut fault_type = String::new();
    let mut detail: Option<Value> = None;
    if !tag.empty {
        while let Some(child) = r.next_child()? {
            match child.local() {
                b"faultstring" => message = r.text(&child)?.into_owned(),
                b"faultcode" if fault_type.is_empty() => {
                    let code = r.text(&child)?;
                    // Some servers put the fault's type in the code (`ServerFaultCode` is not one).
                    let local = code.rsplit(':').next().unwrap_or("").trim();
                    if !local.is_empty()
                        && !local.ends_with("FaultCode")
                        && local != "Server"
                        && local != "Client"
                    {
                        fault_type = local.to_string();
                    }
                }
                b"detail" if !child.empty => {
                    while let Some(d) = r.next_child()? {
                        if detail.is_none() {
                            let name: Vec<u8> = match d.xsi_type() {
                                Some(t) => t.to_vec(),
                                None => {
                                    let n = d.local();
                                    n.strip_suffix(b"Fault").unwrap_or(n).to_vec()
                                }
                            };
                            let v = Value::decode_named(&name, r, &d)?;
                            fault_type = String::from_utf8_lossy(&name).into_owned();
                            detail = Some(v);
                        } else {
                            r.skip(&d)?;
                        }
                    }
                }
                _ => r.skip(&child)?,
            }
        }
    }
    Ok(Fault::new(&fault_type, detail.as_ref(), &message))
}

/// The single required return value of `method`.
pub(crate) fn one<T>(out: Vec<T>, method: &str) -> Result<T, Error> {
    out.into_iter()
        .next()
        .ok_or_else(|| bad(method, "the response has no return value"))
}

/// Decodes a SOAP request: the method's parameters, or `None` when the schema does not
/// list the method (its name is returned then).
pub fn decode_request(xml: &[u8]) -> Result<Result<Request, String>, DecodeError> {
    let mut r = XmlReader::new(xml);
    let inner = body_child(&mut r)?;
    match Request::decode(&mut r, &inner)? {
        Some(req) => Ok(Ok(req)),
        None => Ok(Err(inner.name_lossy())),
    }
}

/// A SOAP response to `method` with the given return values.
pub fn encode_response<T: Encode>(method: &str, values: &[T]) -> String {
    let mut w = XmlWriter::new();
    w.buf.push_str(ENVELOPE_START);
    w.buf.push('<');
    w.buf.push_str(method);
    w.buf.push_str("Response xmlns=\"urn:vim25\">");
    for v in values {
        v.encode(&mut w, "returnval");
    }
    w.buf.push_str("</");
    w.buf.push_str(method);
    w.buf.push_str("Response>");
    w.buf.push_str(ENVELOPE_END);
    w.buf
}

/// A SOAP fault response; `detail` is the fault object (encoded with its `xsi:type` as
/// `<TYPEFault>` inside `<detail>`).
pub fn encode_fault(message: &str, detail: Option<&Value>) -> String {
    let mut w = XmlWriter::new();
    w.buf.push_str(ENVELOPE_START);
    w.buf
        .push_str("<soapenv:Fault><faultcode>ServerFaultCode</faultcode>");
    w.simple("faultstring", message);
    if let Some(d) = detail {
        w.start("detail");
        let name = format!("{}Fault", d.type_name());
        let mut inner = XmlWriter::new();
        d.encode(&mut inner, &name);
        // Give the detail element the vim25 namespace, as servers do.
        let with_ns = inner.buf.replacen(
            &format!("<{name} "),
            &format!("<{name} xmlns=\"urn:vim25\" "),
            1,
        );
        w.buf.push_str(&with_ns);
        w.end("detail");
    }
    w.buf.push_str("</soapenv:Fault>");
    w.buf.push_str(ENVELOPE_END);
    w.buf
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::ManagedObjectReference;
    use crate::types::{ManagedObjectNotFound, ServiceContent};

    #[test]
    fn fault_round_trip() {
        let detail = Value::from(ManagedObjectNotFound {
            obj: ManagedObjectReference::new("VirtualMachine", "vm-9"),
            ..Default::default()
        });
        let xml = encode_fault("The object has already been deleted", Some(&detail));
        let Response::<Value>::Fault(f) = decode_response(xml.as_bytes(), "X").unwrap() else {
            panic!()
        };
        assert_eq!(
            f,
            Fault::ManagedObjectNotFound {
                obj: Some(ManagedObjectReference::new("VirtualMachine", "vm-9")),
                message: "The object has already been deleted".into()
            }
        );
    }

    #[test]
    fn fault_detail_without_xsi_type() {
        let xml = r#"<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>Cannot complete login due to an incorrect user name or password.</faultstring><detail><InvalidLoginFault xmlns="urn:vim25"></InvalidLoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#;
        let Response::<Value>::Fault(f) = decode_response(xml.as_bytes(), "Login").unwrap() else {
            panic!()
        };
        assert!(matches!(f, Fault::InvalidLogin { .. }));
        assert_eq!(
            f.to_string(),
            "InvalidLogin: Cannot complete login due to an incorrect user name or password."
        );
    }

    #[test]
    fn response_round_trip_and_request_decode() {
        let mut sc = ServiceContent::default();
        sc.about.api_type = "HostAgent".into();
        sc.root_folder = ManagedObjectReference::new("Folder", "ha-folder-root");
        let xml = encode_response("RetrieveServiceContent", &[sc.clone()]);
        let Response::Values(v) =
            decode_response::<ServiceContent>(xml.as_bytes(), "RetrieveServiceContent").unwrap()
        else {
            panic!()
        };
        assert_eq!(v, vec![sc]);
        let mut w = XmlWriter::request("PowerOnVM_Task");
        ManagedObjectReference::new("VirtualMachine", "1").encode(&mut w, "_this");
        let req = decode_request(w.finish_request("PowerOnVM_Task").as_bytes())
            .unwrap()
            .unwrap();
        assert_eq!(req.method_name(), "PowerOnVM_Task");
        assert_eq!(req.this().value, "1");
    }

    #[test]
    fn mutated_responses_never_panic() {
        use crate::types::{
            AnyVirtualDevice, DynamicProperty, ObjectContent, RetrieveResult, VirtualDisk,
            VirtualMachineConfigInfo,
        };
        let mut cfg = VirtualMachineConfigInfo {
            name: "vm & <1>".into(),
            ..Default::default()
        };
        cfg.hardware.device = vec![AnyVirtualDevice::from(VirtualDisk::default()); 3];
        let rr = RetrieveResult {
            token: Some("t".into()),
            objects: vec![ObjectContent {
                obj: ManagedObjectReference::new("VirtualMachine", "vm-1"),
                prop_set: vec![DynamicProperty {
                    name: "config".into(),
                    val: cfg.into(),
                }],
                missing_set: vec![],
            }],
        };
        let xml = encode_response("RetrievePropertiesEx", &[rr]).into_bytes();
        // A small deterministic generator: flip, drop, duplicate and truncate bytes.
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..3000 {
            let mut m = xml.clone();
            for _ in 0..(next() % 4 + 1) {
                let i = (next() as usize) % m.len();
                match next() % 4 {
                    0 => {
                        let alphabet = b"<>/&;\"=:x \xff";
                        m[i] = alphabet[(next() % alphabet.len() as u64) as usize];
                    }
                    1 => {
                        m.remove(i);
                    }
                    2 => {
                        let b = m[i];
                        m.insert(i, b);
                    }
                    _ => m.truncate(i.max(1)),
                }
            }
            let _ = decode_response::<RetrieveResult>(&m, "RetrievePropertiesEx");
            let _ = decode_request(&m);
        }
    }

    /// A response nested `depth` levels deep in `open`/`close` inside a property value.
    fn nested_value(ty: &str, open: &str, close: &str, depth: usize) -> Vec<u8> {
        let mut xml = String::from(ENVELOPE_START);
        xml.push_str("<RetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval><objects>");
        xml.push_str("<obj type=\"VirtualMachine\">1</obj><propSet><name>p</name>");
        xml.push_str(&format!("<val xsi:type=\"{ty}\">"));
        xml.push_str(&open.repeat(depth));
        xml.push_str(&close.repeat(depth));
        xml.push_str("</val></propSet></objects></returnval></RetrievePropertiesExResponse>");
        xml.push_str(ENVELOPE_END);
        xml.into_bytes()
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        use crate::types::RetrieveResult;
        for (ty, open, close) in [
            ("VirtualDiskFlatVer2BackingInfo", "<parent>", "</parent>"),
            (
                "ArrayOfAnyType",
                "<anyType xsi:type=\"ArrayOfAnyType\">",
                "</anyType>",
            ),
            ("VirtualMachineConfigInfo", "<x>", "</x>"),
        ] {
            let xml = nested_value(ty, open, close, 100_000);
            let err = decode_response::<RetrieveResult>(&xml, "RetrievePropertiesEx")
                .err()
                .unwrap_or_else(|| panic!("{ty}: 100,000 levels decoded"));
            assert_eq!(
                err.to_string(),
                "invalid response to RetrievePropertiesEx: the XML document nests elements \
                 more than 256 levels deep",
                "{ty}"
            );
            // Just inside the limit decodes, on a thread with a small (2 MiB) stack and
            // without optimisation: the limit is low enough for the recursion it allows.
            let inside = nested_value(ty, open, close, crate::codec::MAX_DEPTH - 8);
            let ok = std::thread::Builder::new()
                .stack_size(2 << 20)
                .spawn(move || {
                    decode_response::<RetrieveResult>(&inside, "RetrievePropertiesEx").is_ok()
                })
                .and_then(|t| t.join().map_err(|_| std::io::Error::other("panicked")));
            assert!(matches!(ok, Ok(true)), "{ty}: {ok:?}");
        }
    }

    #[test]
    fn schema_covers_the_issue_methods() {
        let names: Vec<&str> = crate::types::METHODS.iter().map(|m| m.name).collect();
        for m in [
            "RetrieveServiceContent",
            "RetrieveProperties",
            "RetrievePropertiesEx",
            "ContinueRetrievePropertiesEx",
            "CancelRetrievePropertiesEx",
            "CreateFilter",
            "DestroyPropertyFilter",
            "WaitForUpdatesEx",
            "CreateContainerView",
            "DestroyView",
            "FindByUuid",
            "FindByIp",
            "FindByInventoryPath",
            "FindChild",
            "Login",
            "Logout",
            "SessionIsActive",
            "CancelTask",
            "PowerOnVM_Task",
            "PowerOffVM_Task",
            "SuspendVM_Task",
            "ResetVM_Task",
            "ShutdownGuest",
            "RebootGuest",
            "ReconfigVM_Task",
            "UnregisterVM",
            "MigrateVM_Task",
            "AnswerVM",
            "CreateSnapshot_Task",
            "RevertToSnapshot_Task",
            "RemoveSnapshot_Task",
            "CreateScreenshot_Task",
            "RegisterVM_Task",
            "SearchDatastore_Task",
            "SearchDatastoreSubFolders_Task",
            "MakeDirectory",
            "DeleteDatastoreFile_Task",
            "CreateVirtualDisk_Task",
            "DeleteVirtualDisk_Task",
            "CopyVirtualDisk_Task",
            "ZeroFillVirtualDisk_Task",
            "AddVirtualSwitch",
            "RemoveVirtualSwitch",
            "AddPortGroup",
            "RemovePortGroup",
            "RescanHba",
            "RefreshDatastore",
            "ReconfigureAutostart",
            "QueryPerf",
            "QueryPerfCounter",
            "QueryAvailablePerfMetric",
        ] {
            assert!(names.contains(&m), "{m} missing from the schema");
        }
    }

    #[test]
    fn non_soap_is_bad_response() {
        assert!(decode_response::<Value>(b"<html>oops</html>", "X").is_err());
        assert!(decode_response::<Value>(b"not xml at all", "X").is_err());
        assert!(decode_response::<Value>(b"", "X").is_err());
    }
}
