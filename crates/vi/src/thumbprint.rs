//! Certificate thumbprints: the SHA-1 and SHA-256 digests of a DER certificate (VMware's
//! name and colon-separated upper-case hex format for them), and pins made of them.

use std::fmt;

/// The SHA-1 and SHA-256 digests of a DER certificate: what VMware calls its thumbprints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Thumbprints {
    /// SHA-1 (what VDDK, virt-v2v's `vddk-thumbprint=` and older vSphere APIs use).
    pub sha1: [u8; 20],
    /// SHA-256.
    pub sha256: [u8; 32],
}

impl Thumbprints {
    /// The thumbprints of a DER-encoded certificate.
    pub fn of_der(der: &[u8]) -> Thumbprints {
        let mut t = Thumbprints {
            sha1: [0; 20],
            sha256: [0; 32],
        };
        t.sha1.copy_from_slice(
            ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, der).as_ref(),
        );
        t.sha256
            .copy_from_slice(ring::digest::digest(&ring::digest::SHA256, der).as_ref());
        t
    }

    /// SHA-1 as colon-separated upper-case hex (`AB:CD:...`).
    pub fn sha1_hex(&self) -> String {
        colon_hex(&self.sha1)
    }

    /// SHA-256 as colon-separated upper-case hex.
    pub fn sha256_hex(&self) -> String {
        colon_hex(&self.sha256)
    }
}

impl fmt::Display for Thumbprints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SHA-256 thumbprint {}, SHA-1 thumbprint {}",
            self.sha256_hex(),
            self.sha1_hex()
        )
    }
}

fn colon_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        s.push_str(&format!("{b:02X}"));
    }
    s
}

/// A certificate pinned by its thumbprint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pin {
    /// SHA-256 of the DER certificate.
    Sha256([u8; 32]),
    /// SHA-1 of the DER certificate (govc's known-hosts files hold these).
    Sha1([u8; 20]),
}

impl Pin {
    /// Parses a SHA-256 thumbprint: 64 hex digits, colons between byte pairs allowed, any
    /// case.
    pub fn parse_sha256(text: &str) -> Option<Pin> {
        match Pin::parse(text)? {
            p @ Pin::Sha256(_) => Some(p),
            Pin::Sha1(_) => None,
        }
    }

    /// Parses a SHA-256 (64 hex digits) or SHA-1 (40) thumbprint, colons allowed.
    pub fn parse(text: &str) -> Option<Pin> {
        let digits: Vec<u8> = text.bytes().filter(|b| *b != b':').collect();
        if text.starts_with(':') || text.ends_with(':') || text.contains("::") {
            return None;
        }
        let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
        let mut bytes = Vec::with_capacity(digits.len() / 2);
        for pair in digits.chunks(2) {
            match pair {
                [h, l] => bytes.push(nibble(*h)? << 4 | nibble(*l)?),
                _ => return None,
            }
        }
        if let Ok(b) = <[u8; 32]>::try_from(bytes.as_slice()) {
            Some(Pin::Sha256(b))
        } else {
            <[u8; 20]>::try_from(bytes.as_slice()).ok().map(Pin::Sha1)
        }
    }

    /// Whether a certificate with these thumbprints is the pinned one.
    pub fn matches(&self, t: &Thumbprints) -> bool {
        match self {
            Pin::Sha256(d) => *d == t.sha256,
            Pin::Sha1(d) => *d == t.sha1,
        }
    }
}

impl fmt::Display for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pin::Sha256(d) => f.write_str(&colon_hex(d)),
            Pin::Sha1(d) => f.write_str(&colon_hex(d)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbprints_are_sha1_and_sha256_in_colon_hex() {
        let t = Thumbprints::of_der(b"abc");
        assert_eq!(
            t.sha1_hex(),
            "A9:99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9D"
        );
        assert_eq!(
            t.sha256_hex(),
            "BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD"
        );
        assert!(t.to_string().starts_with("SHA-256 thumbprint BA:78:"));
    }

    #[test]
    fn pins_parse_with_or_without_colons() {
        let t = Thumbprints::of_der(b"abc");
        let colon = Pin::parse_sha256(&t.sha256_hex()).unwrap();
        let plain = Pin::parse_sha256(&t.sha256_hex().replace(':', "").to_lowercase()).unwrap();
        assert_eq!(colon, plain);
        assert!(colon.matches(&t));
        assert!(!colon.matches(&Thumbprints::of_der(b"abd")));
        assert_eq!(colon.to_string(), t.sha256_hex());
        // SHA-1 is a pin, but not a SHA-256 one
        assert!(Pin::parse(&t.sha1_hex()).unwrap().matches(&t));
        assert_eq!(Pin::parse_sha256(&t.sha1_hex()), None);
        for bad in [
            "",
            "zz",
            "AB:CD",
            &t.sha256_hex()[3..],
            &format!("{}:", t.sha256_hex()),
            &format!(":{}", t.sha256_hex()),
            &t.sha256_hex().replacen(':', "::", 1),
            &format!("{}0", t.sha256_hex().replace(':', "")),
        ] {
            assert_eq!(Pin::parse(bad), None, "{bad}");
        }
    }
}
