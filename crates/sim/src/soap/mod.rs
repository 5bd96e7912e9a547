//! SOAP 1.1 envelopes as vSphere uses them: parsing a request into its method, `_this` and
//! argument element, and writing responses and faults.

mod element;

pub use element::{Element, ParseError};

use crate::fault::Fault;
use crate::value::{MoRef, Value};

/// The opening of every response envelope, up to and including `<soapenv:Body>`.
pub const ENVELOPE_START: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<soapenv:Envelope xmlns:soapenc=\"http://schemas.xmlsoap.org/soap/encoding/\" xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n<soapenv:Body>\n";
/// The closing of every response envelope.
pub const ENVELOPE_END: &str = "</soapenv:Body>\n</soapenv:Envelope>";

/// A parsed SOAP request.
#[derive(Debug)]
pub struct Request {
    /// The method name (the body's first element), e.g. `RetrievePropertiesEx`.
    pub method: String,
    /// The `_this` argument.
    pub this: MoRef,
    /// The method element; its children are the arguments.
    pub args: Element,
}

/// Parses a request envelope. Errors are `InvalidRequest` faults.
pub fn parse_request(body: &[u8]) -> Result<Request, Fault> {
    let env = Element::parse(body).map_err(|e| Fault::invalid_request(e.to_string()))?;
    if env.name != "Envelope" {
        return Err(Fault::invalid_request("not a SOAP envelope"));
    }
    let body = env
        .child("Body")
        .ok_or_else(|| Fault::invalid_request("SOAP envelope without a Body"))?;
    let args = body
        .children
        .first()
        .ok_or_else(|| Fault::invalid_request("SOAP Body without a method"))?
        .clone();
    let this = args
        .child("_this")
        .and_then(Element::as_moref)
        .ok_or_else(|| Fault::missing_argument("_this"))?;
    Ok(Request {
        method: args.name.clone(),
        this,
        args,
    })
}

/// A whole response envelope for `method` returning `result` (`None`: a void method).
pub fn response(method: &str, result: Option<&Value>) -> String {
    let mut out = String::with_capacity(512);
    out.push_str(ENVELOPE_START);
    write_response_body(&mut out, method, result);
    out.push_str(ENVELOPE_END);
    out
}

/// Writes `<MethodResponse xmlns="urn:vim25"><returnval>..</returnval></MethodResponse>`.
pub fn write_response_body(out: &mut String, method: &str, result: Option<&Value>) {
    out.push('<');
    out.push_str(method);
    out.push_str("Response xmlns=\"urn:vim25\">");
    if let Some(v) = result {
        v.write_field(out, "returnval");
    }
    out.push_str("</");
    out.push_str(method);
    out.push_str("Response>\n");
}

/// A whole fault envelope.
pub fn fault_response(fault: &Fault) -> String {
    let mut out = String::with_capacity(512);
    out.push_str(ENVELOPE_START);
    fault.write_soap(&mut out);
    out.push('\n');
    out.push_str(ENVELOPE_END);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_and_response() {
        let req = parse_request(br#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent></soapenv:Body></soapenv:Envelope>"#).unwrap();
        assert_eq!(req.method, "RetrieveServiceContent");
        assert_eq!(req.this, MoRef::new("ServiceInstance", "ServiceInstance"));
        let r = response("Logout", None);
        assert!(r.contains("<LogoutResponse xmlns=\"urn:vim25\"></LogoutResponse>"));
        assert!(parse_request(b"<x/>").is_err());
    }
}
