//! Helpers shared by this crate's integration tests: our verdict on a domain document as
//! virsh would print it, and a small deterministic random generator.

#![allow(dead_code)]

use esxvirt_xml::domain::{Domain, FormatOptions};

/// Our verdict on a domain document: the test driver checks no capabilities, so neither do
/// we here. Errors are the whole line virsh would print after `error: `.
pub fn ours(xml: &str) -> Result<String, String> {
    Domain::from_xml_with(xml, None)
        .map(|d| {
            d.to_xml_with(FormatOptions {
                secure: true,
                inactive: true,
            })
        })
        .map_err(|e| e.line())
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// True with probability `percent`%.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub fn pick<'a>(&mut self, options: &[&'a str]) -> &'a str {
        options[self.below(options.len())]
    }

    /// One of `good`, or now and then (one time in 25) one of `bad`: most documents should
    /// get far enough for later faults to be met.
    pub fn mostly<'a>(&mut self, good: &[&'a str], bad: &[&'a str]) -> &'a str {
        if self.chance(4) {
            self.pick(bad)
        } else {
            self.pick(good)
        }
    }
}

/// A test-driver domain document with `NAME` and `DEVICES` to fill in.
pub const BASE: &str = "<domain type='test'>\n  <name>NAME</name>\n  <uuid>50115e16-9bdc-49d7-f171-53c4d7f91710</uuid>\n  <memory unit='KiB'>65536</memory>\n  <os>\n    <type arch='i686'>hvm</type>\n    <boot dev='hd'/>\n  </os>\n  <devices>\nDEVICES  </devices>\n</domain>\n";

/// [`BASE`] named `name` with `devices` (whole lines) in `<devices>`.
pub fn doc(name: &str, devices: &str) -> String {
    BASE.replace("NAME", name).replace("DEVICES", devices)
}
