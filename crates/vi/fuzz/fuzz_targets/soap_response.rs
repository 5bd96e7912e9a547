//! Fuzzes the SOAP response decoder through the entry point the client uses
//! (`soap::decode_response`), for the return types of representative methods:
//! RetrievePropertiesEx (`RetrieveResult`, with `ObjectContent` and anyType property values),
//! RetrieveServiceContent (`ServiceContent`), WaitForUpdatesEx (`UpdateSet`) and an anyType
//! return value. Every input is also a possible SOAP fault (with a typed `detail`), which goes
//! through `Fault::new` and its message. The server side's `soap::decode_request` reads the
//! same bytes too.
//!
//! Any panic, stack overflow or hang is a bug; errors are expected. What decodes must encode
//! to XML that decodes again, and encoding that second value must give the same XML (the
//! first encoding may differ from the input: unknown elements are dropped, for one).

#![no_main]

use esxvirt_vi::codec::{Decode, Encode};
use esxvirt_vi::soap::{decode_request, decode_response, encode_fault, encode_response, Response};
use esxvirt_vi::{RetrieveResult, ServiceContent, UpdateSet, Value};
use libfuzzer_sys::fuzz_target;

/// Decodes `xml` as the response to `method`; checks the encode/decode round trip.
fn check<T: Decode + Encode>(xml: &[u8], method: &str) {
    match decode_response::<T>(xml, method) {
        Ok(Response::Values(values)) => {
            let first = encode_response(method, &values);
            let again = match decode_response::<T>(first.as_bytes(), method) {
                Ok(Response::Values(v)) => v,
                Ok(Response::Fault(f)) => panic!("re-encoded values decode as a fault: {f}"),
                Err(e) => panic!("re-encoded values do not decode: {e}\n{first}"),
            };
            let second = encode_response(method, &again);
            assert_eq!(first, second, "encode/decode is not stable");
        }
        Ok(Response::Fault(fault)) => {
            // What the CLI prints; must not panic whatever the detail held.
            let _line = fault.to_string();
            let _ = fault.fault_type();
        }
        Err(e) => {
            let _line = e.to_string();
        }
    }
}

fuzz_target!(|data: &[u8]| {
    check::<RetrieveResult>(data, "RetrievePropertiesEx");
    check::<ServiceContent>(data, "RetrieveServiceContent");
    check::<UpdateSet>(data, "WaitForUpdatesEx");
    check::<Value>(data, "RetrieveProperties");
    // A fault detail must survive the server's encoding of it.
    if let Ok(Response::Fault(f)) = decode_response::<Value>(data, "X") {
        let xml = encode_fault(f.message(), None);
        assert!(matches!(
            decode_response::<Value>(xml.as_bytes(), "X"),
            Ok(Response::Fault(_))
        ));
    }
    if let Ok(Ok(req)) = decode_request(data) {
        let _ = req.method_name();
    }
});
