//! UUIDs as libvirt writes and reads them: formatting, parsing (with or without dashes, or
//! with spaces between byte pairs as vSphere writes `uuid.bios`), and a fresh one for a
//! definition that has none.

/// Formats a UUID the way libvirt does (lower-case, dashed).
pub fn format_uuid(uuid: &[u8; 16]) -> String {
    // Two hex digits per byte without a formatter call each (listings format thousands).
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(36);
    for (i, b) in uuid.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    s
}

/// Parses a UUID in libvirt's accepted forms: 32 hex digits, optionally with dashes or spaces
/// between byte pairs (as vSphere's config.uuid and the BIOS UUID are written).
pub fn parse_uuid(text: &str) -> Option<[u8; 16]> {
    let mut out = [0u8; 16];
    let mut n = 0;
    let mut chars = text.trim().chars().peekable();
    while let Some(c) = chars.next() {
        if c == '-' || c == ' ' {
            continue;
        }
        let hi = c.to_digit(16)?;
        let lo = chars.next()?.to_digit(16)?;
        if n == 16 {
            return None;
        }
        out[n] = (hi * 16 + lo) as u8;
        n += 1;
    }
    (n == 16).then_some(out)
}

/// A fresh UUID for a definition that has none, as libvirt's parser generates one (random
/// enough: the clock, the process and a counter through MD5; version-4 layout).
pub(crate) fn generate_uuid() -> [u8; 16] {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let seed = format!(
        "{nanos}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let mut u = crate::md5::md5(seed.as_bytes());
    u[6] = (u[6] & 0x0f) | 0x40;
    u[8] = (u[8] & 0x3f) | 0x80;
    u
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_round_trip() {
        let u = parse_uuid("564d9bc2-1f3b-4ad5-8e0b-000000000001").unwrap();
        assert_eq!(format_uuid(&u), "564d9bc2-1f3b-4ad5-8e0b-000000000001");
        let every_digit = "00112233-4455-6677-8899-aabbccddeeff";
        assert_eq!(format_uuid(&parse_uuid(every_digit).unwrap()), every_digit);
        // vSphere's uuid.bios form
        let v = parse_uuid("56 4d 9b c2 1f 3b 4a d5-8e 0b 00 00 00 00 00 01").unwrap();
        assert_eq!(u, v);
        assert_eq!(parse_uuid("564d9bc21f3b4ad58e0b000000000001"), Some(u));
        assert!(parse_uuid("564d9bc2").is_none());
        assert!(parse_uuid("564d9bc21f3b4ad58e0b00000000000100").is_none());
        assert!(parse_uuid("zz4d9bc21f3b4ad58e0b000000000001").is_none());
    }

    #[test]
    fn generated_uuids_are_v4_and_distinct() {
        let a = generate_uuid();
        let b = generate_uuid();
        assert_ne!(a, b);
        assert_eq!(a[6] >> 4, 4);
        assert_eq!(a[8] & 0xc0, 0x80);
    }
}
