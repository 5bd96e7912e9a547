//! Fuzz target: the domain XML parser must never panic; whatever it accepts must format to
//! XML that reads back (parse + post-parse), and formatting must settle after a second round.
//!
//! The later rounds skip validation and allow one change, because libvirt's own output is not
//! always a fixed point of libvirt's reader, and this model follows libvirt:
//! - a controller without an index is placed after the last controller of its type and
//!   numbered afterwards, so the first output need not be in index order; reading it again
//!   orders it;
//! - a block disk whose `<source>` has no path is written without `<source>`, which reads back
//!   as a file disk (and a file-backed LUN then fails validation).
#![no_main]

use esxvirt_xml::domain::Domain;
use libfuzzer_sys::fuzz_target;

fn reread(xml: &str) -> String {
    let mut d = Domain::from_xml_raw(xml).expect("formatted XML must parse");
    d.post_parse().expect("formatted XML must pass post-parse");
    d.to_xml()
}

fuzz_target!(|data: &[u8]| {
    if let Ok(dom) = Domain::from_xml_bytes(data) {
        let first = dom.to_xml();
        let second = reread(&first);
        let third = reread(&second);
        assert_eq!(third, second, "formatting must be stable after two rounds");
    }
});
