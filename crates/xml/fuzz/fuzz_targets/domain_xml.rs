//! Fuzz target: the domain XML parser must never panic, and whatever it accepts must format
//! to XML that parses back to the same model (format is a fixed point after one round).
#![no_main]

use esxvirt_xml::domain::Domain;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(dom) = Domain::from_xml_bytes(data) {
        let xml = dom.to_xml();
        let again = Domain::from_xml(&xml).expect("formatted XML must parse");
        assert_eq!(again.to_xml(), xml, "formatting must be stable");
    }
});
