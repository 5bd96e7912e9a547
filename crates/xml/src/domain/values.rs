//! Small value types that libvirt parses into binary form and formats canonically: UUIDs, MAC
//! addresses and CPU sets. Keeping them typed means a document that round-trips through the
//! model comes out in libvirt's canonical spelling, whatever spelling it went in with.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// A UUID, formatted as libvirt does: lower-case, `8-4-4-4-12`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Uuid(pub [u8; 16]);

impl Uuid {
    /// The all-zero UUID.
    pub const NIL: Uuid = Uuid([0; 16]);

    /// From raw bytes.
    pub fn from_bytes(b: [u8; 16]) -> Self {
        Uuid(b)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl FromStr for Uuid {
    type Err = &'static str;

    /// Accepts what libvirt accepts: 32 hex digits, optionally with `-` or spaces between
    /// byte pairs, and leading/trailing blanks.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const EXPECTED: &str = "expected a UUID of 32 hexadecimal digits";
        let s = s.trim_matches(|c: char| c.is_ascii_whitespace());
        let mut out = [0u8; 16];
        let mut chars = s.chars().peekable();
        for byte in out.iter_mut() {
            while matches!(chars.peek(), Some('-') | Some(' ')) {
                chars.next();
            }
            let hi = chars.next().and_then(|c| c.to_digit(16)).ok_or(EXPECTED)?;
            let lo = chars.next().and_then(|c| c.to_digit(16)).ok_or(EXPECTED)?;
            *byte = (hi * 16 + lo) as u8;
        }
        if chars.next().is_some() {
            return Err(EXPECTED);
        }
        Ok(Uuid(out))
    }
}

/// A MAC address, formatted lower-case with colons as libvirt does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct MacAddr(pub [u8; 6]);

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

impl FromStr for MacAddr {
    type Err = &'static str;

    /// Parses as libvirt's `virMacAddrParse` does: six groups of one or two hex digits
    /// separated by `:` (no other separator), where the last group may be followed by
    /// anything that starts with a byte at or below a space (libvirt compares a signed
    /// `char`, so a non-ASCII byte counts too) and what follows that is ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const EXPECTED: &str = "expected a MAC address like 00:50:56:12:34:56";
        let bytes = s.as_bytes();
        let mut out = [0u8; 6];
        let mut pos = 0;
        for (i, o) in out.iter_mut().enumerate() {
            let digits = bytes[pos..]
                .iter()
                .take_while(|b| b.is_ascii_hexdigit())
                .count();
            if !(1..=2).contains(&digits) {
                return Err(EXPECTED);
            }
            let group = &s[pos..pos + digits];
            *o = u8::from_str_radix(group, 16).map_err(|_| EXPECTED)?;
            pos += digits;
            match bytes.get(pos) {
                None if i == 5 => return Ok(MacAddr(out)),
                Some(&b) if i == 5 && (b <= b' ' || b >= 0x80) => return Ok(MacAddr(out)),
                Some(b':') if i < 5 => pos += 1,
                _ => return Err(EXPECTED),
            }
        }
        Err(EXPECTED)
    }
}

/// A set of host CPU numbers (`cpuset='0,3-5'`), formatted as libvirt does: ascending, runs of
/// two or more consecutive CPUs collapse into `a-b`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CpuSet(pub BTreeSet<u32>);

/// libvirt sizes CPU masks at 1024 bits for domain configs; larger CPU numbers are rejected.
pub const CPUSET_MAX: u32 = 1024;

impl CpuSet {
    /// True when every CPU libvirt can address is in the set (libvirt then omits `cpuset`).
    pub fn is_all(&self) -> bool {
        self.0.len() as u32 == CPUSET_MAX
    }

    /// True when no CPU is in the set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for CpuSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut iter = self.0.iter().copied().peekable();
        while let Some(start) = iter.next() {
            let mut end = start;
            while iter.peek() == Some(&(end + 1)) {
                end += 1;
                iter.next();
            }
            if !first {
                f.write_str(",")?;
            }
            first = false;
            if end == start {
                write!(f, "{start}")?;
            } else {
                write!(f, "{start}-{end}")?;
            }
        }
        Ok(())
    }
}

impl FromStr for CpuSet {
    type Err = String;

    /// libvirt's syntax: comma-separated CPU numbers and `a-b` ranges, `^n` excludes, blanks
    /// around items allowed.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let expected =
            || format!("expected a CPU list like '0,2-3,^2' with CPU numbers below {CPUSET_MAX}");
        let mut set = BTreeSet::new();
        if s.trim().is_empty() {
            return Err(expected());
        }
        let num = |t: &str| -> Result<u32, String> {
            let t = t.trim();
            if t.is_empty() || !t.bytes().all(|c| c.is_ascii_digit()) {
                return Err(expected());
            }
            match t.parse::<u32>() {
                Ok(n) if n < CPUSET_MAX => Ok(n),
                _ => Err(expected()),
            }
        };
        for item in s.split(',') {
            let item = item.trim();
            if let Some(ex) = item.strip_prefix('^') {
                set.remove(&num(ex)?);
            } else if let Some((a, b)) = item.split_once('-') {
                let (a, b) = (num(a)?, num(b)?);
                if a > b {
                    return Err(expected());
                }
                set.extend(a..=b);
            } else {
                set.insert(num(item)?);
            }
        }
        Ok(CpuSet(set))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_round_trip() {
        let u: Uuid = "50115E16-9BDC-49D7-F171-53C4D7F91710".parse().unwrap();
        assert_eq!(u.to_string(), "50115e16-9bdc-49d7-f171-53c4d7f91710");
        let u2: Uuid = "50115e169bdc49d7f17153c4d7f91710".parse().unwrap();
        assert_eq!(u, u2);
        assert!("50115e16".parse::<Uuid>().is_err());
        assert!("50115e16-9bdc-49d7-f171-53c4d7f91710ff"
            .parse::<Uuid>()
            .is_err());
        assert!("zz115e16-9bdc-49d7-f171-53c4d7f91710"
            .parse::<Uuid>()
            .is_err());
    }

    #[test]
    fn mac_round_trip() {
        let m: MacAddr = "00:50:56:AB:c:1".parse().unwrap();
        assert_eq!(m.to_string(), "00:50:56:ab:0c:01");
        assert!("00:50:56".parse::<MacAddr>().is_err());
        assert!("00:50:56:11:22:333".parse::<MacAddr>().is_err());
    }

    #[test]
    fn cpuset_canonical() {
        let c: CpuSet = "0,3,4,5".parse().unwrap();
        assert_eq!(c.to_string(), "0,3-5");
        let c: CpuSet = "0-7,^3,^4".parse().unwrap();
        assert_eq!(c.to_string(), "0-2,5-7");
        assert!("99999999999".parse::<CpuSet>().is_err());
        assert!("5-2".parse::<CpuSet>().is_err());
        assert!("".parse::<CpuSet>().is_err());
    }
}
