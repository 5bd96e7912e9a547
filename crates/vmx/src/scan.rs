//! How libvirt reads numbers, MAC addresses and URIs out of VMX values: the C library and
//! libxml2 rules its helpers inherit (`strtoll`, `strtoul`, `strtoull`, its MAC scanner,
//! libxml2's RFC 3986 parser), so that the converter accepts and refuses exactly the values
//! the reference does. (UUIDs are read by the XML crate's `Uuid`, which follows libvirt's
//! scanner.)

/// `isspace` in the C locale.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// What `strto*` sees: leading blanks skipped, an optional sign, then the digits (at least
/// one) and whatever follows them.
struct Number<'a> {
    negative: bool,
    digits: &'a str,
    rest: &'a str,
}

fn split_number(s: &str) -> Option<Number<'_>> {
    let t = s.trim_start_matches(|c: char| c.is_ascii() && is_c_space(c as u8));
    let (negative, unsigned) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let n = unsigned.bytes().take_while(u8::is_ascii_digit).count();
    (n > 0).then(|| Number {
        negative,
        digits: &unsigned[..n],
        rest: &unsigned[n..],
    })
}

/// The value of a run of decimal digits, `None` past `u64::MAX`.
fn digits_value(digits: &str) -> Option<u64> {
    digits.bytes().try_fold(0u64, |acc, b| {
        acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

/// An integer as `strtoll` reads it for libvirt's `virStrToLong_ll`: leading blanks, an
/// optional sign, at least one digit and nothing after; overflow is an error.
pub(crate) fn parse_c_integer(s: &str) -> Option<i64> {
    let n = split_number(s).filter(|n| n.rest.is_empty())?;
    let magnitude = digits_value(n.digits)?;
    if n.negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// An `int` as `virStrToLong_i` reads it with an end pointer: the value and the rest of the
/// string, or `None` when there is no number or it does not fit.
pub(crate) fn parse_c_int_prefix(s: &str) -> Option<(i32, &str)> {
    let n = split_number(s)?;
    let magnitude = digits_value(n.digits)?;
    let value = if n.negative {
        0i64.checked_sub_unsigned(magnitude)?
    } else {
        i64::try_from(magnitude).ok()?
    };
    Some((i32::try_from(value).ok()?, n.rest))
}

/// An `unsigned int` as `virStrToLong_uip` reads it with an end pointer (no minus sign, no
/// overflow): the value and the rest.
pub(crate) fn parse_c_uint_prefix(s: &str) -> Option<(u32, &str)> {
    let n = split_number(s).filter(|n| !n.negative)?;
    let value = u32::try_from(digits_value(n.digits)?).ok()?;
    Some((value, n.rest))
}

/// An `unsigned long long` as `virStrToLong_ull` reads it: a minus sign negates modulo 2^64
/// (as `strtoull` does); nothing may follow the digits.
pub(crate) fn parse_c_ull(s: &str) -> Option<u64> {
    let n = split_number(s).filter(|n| n.rest.is_empty())?;
    let magnitude = digits_value(n.digits)?;
    Some(if n.negative {
        magnitude.wrapping_neg()
    } else {
        magnitude
    })
}

/// A MAC address as libvirt reads one: six groups of one or two hex digits separated by `:`;
/// anything from a blank or control character on after the sixth group is ignored.
pub(crate) fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let mut out = [0u8; 6];
    let mut rest = s.as_bytes();
    for (i, byte) in out.iter_mut().enumerate() {
        let digits = rest.iter().take_while(|b| b.is_ascii_hexdigit()).count();
        if !(1..=2).contains(&digits) {
            return None;
        }
        *byte = rest[..digits].iter().fold(0u8, |acc, b| {
            acc * 16 + (*b as char).to_digit(16).unwrap_or(0) as u8
        });
        rest = &rest[digits..];
        if i == 5 {
            return rest.first().is_none_or(|b| *b <= b' ').then_some(out);
        }
        rest = rest.strip_prefix(b":")?;
    }
    None
}

/// The parts of a URI libvirt uses for a network serial port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Uri {
    /// The scheme, when the string is an absolute URI.
    pub scheme: Option<String>,
    /// The host, percent-unescaped, without the brackets of an IPv6 literal.
    pub server: Option<String>,
    /// The port; 0 when there is no host or no port.
    pub port: i32,
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn is_sub_delim(b: u8) -> bool {
    matches!(
        b,
        b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
    )
}

/// libxml2's scanner over an RFC 3986 URI reference; positions are byte offsets.
struct UriScan<'a> {
    s: &'a [u8],
}

impl UriScan<'_> {
    fn at(&self, i: usize) -> u8 {
        self.s.get(i).copied().unwrap_or(0)
    }
    fn pct_encoded(&self, i: usize) -> bool {
        self.at(i) == b'%'
            && self.at(i + 1).is_ascii_hexdigit()
            && self.at(i + 2).is_ascii_hexdigit()
    }
    fn pchar(&self, i: usize) -> bool {
        let c = self.at(i);
        is_unreserved(c) || self.pct_encoded(i) || is_sub_delim(c) || c == b':' || c == b'@'
    }
    /// Steps over one character (three for a `%XX` escape).
    fn next(&self, i: usize) -> usize {
        if self.at(i) == b'%' {
            i + 3
        } else {
            i + 1
        }
    }
    fn segment(&self, mut i: usize, forbid: u8, empty: bool) -> Option<usize> {
        if !self.pchar(i) {
            return empty.then_some(i);
        }
        while self.pchar(i) && self.at(i) != forbid {
            i = self.next(i);
        }
        Some(i)
    }
    fn slash_segments(&self, mut i: usize) -> Option<usize> {
        while self.at(i) == b'/' {
            i = self.segment(i + 1, 0, true)?;
        }
        Some(i)
    }
    /// `[userinfo "@"] host [":" port]`: the end, the host and the port.
    fn authority(&self, start: usize) -> Option<(usize, Option<String>, i32)> {
        let mut i = start;
        let mut u = start;
        while is_unreserved(self.at(u))
            || self.pct_encoded(u)
            || is_sub_delim(self.at(u))
            || self.at(u) == b':'
        {
            u = self.next(u);
        }
        if self.at(u) == b'@' {
            i = u + 1;
        }
        let host_start = i;
        if self.at(i) == b'[' {
            while self.at(i) != b']' && i < self.s.len() {
                i += 1;
            }
            if self.at(i) != b']' {
                return None;
            }
            i += 1;
        } else {
            while is_unreserved(self.at(i)) || self.pct_encoded(i) || is_sub_delim(self.at(i)) {
                i = self.next(i);
            }
        }
        let server = (i > host_start).then(|| unescape(&self.s[host_start..i]));
        let mut port = 0i32;
        if self.at(i) == b':' {
            i += 1;
            if !self.at(i).is_ascii_digit() {
                return None;
            }
            while self.at(i).is_ascii_digit() {
                port = port
                    .checked_mul(10)?
                    .checked_add(i32::from(self.at(i) - b'0'))?;
                i += 1;
            }
        }
        Some((i, server, port))
    }
    /// `[ "?" query ] [ "#" fragment ]` and then the end of the string.
    fn tail(&self, mut i: usize) -> Option<()> {
        if self.at(i) == b'?' {
            i += 1;
            while self.pchar(i) || matches!(self.at(i), b'/' | b'?') {
                i = self.next(i);
            }
        }
        if self.at(i) == b'#' {
            i += 1;
            while self.pchar(i) || matches!(self.at(i), b'/' | b'?' | b'[' | b']') {
                i = self.next(i);
            }
        }
        (i >= self.s.len()).then_some(())
    }
    fn absolute(&self) -> Option<Uri> {
        if !self.at(0).is_ascii_alphabetic() {
            return None;
        }
        let mut i = 1;
        while self.at(i).is_ascii_alphanumeric() || matches!(self.at(i), b'+' | b'-' | b'.') {
            i += 1;
        }
        let scheme = String::from_utf8_lossy(&self.s[..i]).into_owned();
        if self.at(i) != b':' {
            return None;
        }
        i += 1;
        let mut uri = Uri {
            scheme: Some(scheme),
            server: None,
            port: 0,
        };
        if self.at(i) == b'/' && self.at(i + 1) == b'/' {
            let (end, server, port) = self.authority(i + 2)?;
            uri.server = server;
            uri.port = port;
            i = self.slash_segments(end)?;
        } else if self.at(i) == b'/' {
            i = match self.segment(i + 1, 0, false) {
                Some(end) => self.slash_segments(end)?,
                None => i + 1,
            };
        } else if self.pchar(i) {
            i = self.slash_segments(self.segment(i, 0, false)?)?;
        }
        self.tail(i)?;
        Some(uri)
    }
    fn relative(&self) -> Option<Uri> {
        let mut uri = Uri {
            scheme: None,
            server: None,
            port: 0,
        };
        let mut i = 0;
        if self.at(0) == b'/' && self.at(1) == b'/' {
            let (end, server, port) = self.authority(2)?;
            uri.server = server;
            uri.port = port;
            i = self.slash_segments(end)?;
        } else if self.at(0) == b'/' {
            i = match self.segment(1, 0, false) {
                Some(end) => self.slash_segments(end)?,
                None => 1,
            };
        } else if self.pchar(0) {
            i = self.slash_segments(self.segment(0, b':', false)?)?;
        }
        self.tail(i)?;
        Some(uri)
    }
}

/// Percent-unescapes a URI part (libxml2 keeps a `%` not followed by two hex digits).
fn unescape(part: &[u8]) -> String {
    let mut out = Vec::with_capacity(part.len());
    let mut i = 0;
    while i < part.len() {
        let hex = |j: usize| part.get(j).and_then(|c| (*c as char).to_digit(16));
        match (part[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A URI as libvirt's `virURIParse` reads one (libxml2's RFC 3986 parser: an absolute URI,
/// else a relative reference); `None` where libvirt reports "Unable to parse URI".
pub(crate) fn parse_uri(s: &str) -> Option<Uri> {
    let scan = UriScan { s: s.as_bytes() };
    let mut uri = scan.absolute().or_else(|| scan.relative())?;
    if let Some(server) = &mut uri.server {
        // libvirt strips the brackets of what looks like an IPv6 literal only.
        if server.len() >= 2
            && server.starts_with('[')
            && server.ends_with(']')
            && server.contains(':')
        {
            *server = server[1..server.len() - 1].to_string();
        }
    }
    if uri.server.as_deref().is_none_or(str::is_empty) {
        uri.port = 0;
    }
    Some(uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_integers() {
        assert_eq!(parse_c_integer("0"), Some(0));
        assert_eq!(parse_c_integer(" \t+5"), Some(5));
        assert_eq!(parse_c_integer("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_c_integer("9223372036854775808"), None);
        assert_eq!(parse_c_integer(""), None);
        assert_eq!(parse_c_integer("-"), None);
        assert_eq!(parse_c_integer("1 "), None);
        assert_eq!(parse_c_int_prefix("+1.present"), Some((1, ".present")));
        assert_eq!(parse_c_int_prefix("-0.x"), Some((0, ".x")));
        assert_eq!(parse_c_int_prefix("4000000000.x"), None);
        assert_eq!(parse_c_int_prefix(".x"), None);
        assert_eq!(parse_c_uint_prefix(" 7 "), Some((7, " ")));
        assert_eq!(parse_c_uint_prefix("-7"), None);
        assert_eq!(parse_c_uint_prefix("4294967296"), None);
        assert_eq!(parse_c_ull("-5"), Some(u64::MAX - 4));
        assert_eq!(parse_c_ull("18446744073709551616"), None);
        assert_eq!(parse_c_ull("12 "), None);
    }

    #[test]
    fn macs() {
        assert_eq!(parse_mac("00:0C:29:1:2:3"), Some([0, 0x0c, 0x29, 1, 2, 3]));
        assert_eq!(
            parse_mac("00:0c:29:01:02:03 x"),
            Some([0, 0x0c, 0x29, 1, 2, 3])
        );
        for bad in [
            "00-50-56-01-02-03",
            "00:50:56:01:02",
            "00:50:56:01:02:03x",
            "000:1:2:3:4:5",
            "",
        ] {
            assert_eq!(parse_mac(bad), None, "{bad}");
        }
    }

    #[test]
    fn uris() {
        let u = parse_uri("telnet://0.0.0.0:42001").unwrap();
        assert_eq!(
            (u.scheme.as_deref(), u.server.as_deref(), u.port),
            (Some("telnet"), Some("0.0.0.0"), 42001)
        );
        let u = parse_uri("tcp+ssl://user@[::1]:7/x?y#z").unwrap();
        assert_eq!(
            (u.scheme.as_deref(), u.server.as_deref(), u.port),
            (Some("tcp+ssl"), Some("::1"), 7)
        );
        assert_eq!(parse_uri("tcp://host").unwrap().port, 0);
        assert_eq!(parse_uri("//host:5").unwrap().port, 5);
        // A bare word is a relative path: valid, with no host and so no port.
        let u = parse_uri("ZmVybmV0IGdBQUFB").unwrap();
        assert_eq!((u.scheme, u.server, u.port), (None, None, 0));
        assert_eq!(parse_uri("").unwrap().port, 0);
        assert_eq!(parse_uri("host:1").unwrap().scheme.as_deref(), Some("host"));
        assert!(parse_uri("tcp://h:x").is_none());
        assert!(parse_uri("telnet://host:").is_none());
        assert!(parse_uri("tcp://h:99999999999").is_none());
        assert!(parse_uri("has space").is_none());
        assert!(parse_uri("1a:b").is_none());
        assert_eq!(
            parse_uri("tcp://a%41b:1").unwrap().server.as_deref(),
            Some("aAb")
        );
    }
}
