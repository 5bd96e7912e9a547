//! Fuzz target: the domain XML parser must never panic; whatever it accepts must format to
//! XML that it accepts again, and formatting must settle after a second round.
//!
//! Why a second round: like libvirt, a controller without an index is placed after the last
//! controller of its type and numbered afterwards, so the first output need not be in index
//! order; reading that output orders it (libvirt behaves the same), and from then on the
//! text is stable.
#![no_main]

use esxvirt_xml::domain::Domain;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(dom) = Domain::from_xml_bytes(data) {
        let first = dom.to_xml();
        let second = Domain::from_xml(&first).expect("formatted XML must parse").to_xml();
        let third = Domain::from_xml(&second).expect("formatted XML must parse").to_xml();
        assert_eq!(third, second, "formatting must be stable after two rounds");
    }
});
