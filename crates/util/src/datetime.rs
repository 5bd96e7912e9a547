//! xsd:dateTime values as the vSphere API sends them: parsed to Unix seconds, and Unix times
//! (or system times) formatted as `YYYY-MM-DDThh:mm:ss.mmmZ`, the form vSphere servers write.

use crate::UtilError;

/// Converts `[-]CCYY-MM-DDTHH:MM:SS[.ssssss][(+|-)HH:MM|Z]` to seconds since the Unix epoch.
///
/// A missing offset means UTC. Fractional seconds are dropped. Negative years (a leading `-`)
/// map to 0, as the reference does. Out-of-range fields (month 13, 25 o'clock, February 30)
/// are errors.
pub fn xsd_datetime_to_unix(input: &str) -> Result<i64, UtilError> {
    let err = || UtilError::DateTime(input.to_string());
    if input.starts_with('-') {
        return Ok(0);
    }
    let mut cur = Cursor {
        s: input.as_bytes(),
        pos: 0,
    };
    let year = cur.int().ok_or_else(err)?;
    cur.expect(b'-').ok_or_else(err)?;
    let month = cur.int().ok_or_else(err)?;
    cur.expect(b'-').ok_or_else(err)?;
    let day = cur.int().ok_or_else(err)?;
    cur.expect(b'T').ok_or_else(err)?;
    let hour = cur.int().ok_or_else(err)?;
    cur.expect(b':').ok_or_else(err)?;
    let minute = cur.int().ok_or_else(err)?;
    cur.expect(b':').ok_or_else(err)?;
    let second = cur.int().ok_or_else(err)?;

    let mut offset_seconds: i64 = 0;
    if !cur.at_end() {
        if cur.peek() == Some(b'.') {
            cur.pos += 1;
            let start = cur.pos;
            while matches!(cur.peek(), Some(b'0'..=b'9')) {
                cur.pos += 1;
            }
            if cur.pos == start {
                return Err(err());
            }
        }
        match cur.peek() {
            Some(sign @ (b'+' | b'-')) => {
                cur.pos += 1;
                offset_seconds = parse_offset(&input[cur.pos..]).ok_or_else(err)?;
                if sign == b'-' {
                    offset_seconds = -offset_seconds;
                }
            }
            Some(b'Z') if cur.pos + 1 == input.len() => {}
            None => {}
            _ => return Err(err()),
        }
    }

    if !(1..=9999).contains(&year)
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || !(0..24).contains(&hour)
        || !(0..60).contains(&minute)
        || !(0..60).contains(&second)
    {
        return Err(err());
    }
    let days = days_from_civil(year, month, day);
    Ok(days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds)
}

/// `HH`, `HHMM` or `HH:MM` (hours up to 24, minutes below 60), as GLib's time zone parser takes.
fn parse_offset(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
    let (h, m) = match b.len() {
        2 if digits(b) => (&s[0..2], "0"),
        4 if digits(b) => (&s[0..2], &s[2..4]),
        5 if digits(&b[0..2]) && b[2] == b':' && digits(&b[3..5]) => (&s[0..2], &s[3..5]),
        _ => return None,
    };
    let h: i64 = h.parse().ok()?;
    let m: i64 = m.parse().ok()?;
    if h > 24 || m > 59 {
        return None;
    }
    Some(h * 3600 + m * 60)
}

struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }
    fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }
    fn expect(&mut self, c: u8) -> Option<()> {
        (self.peek() == Some(c)).then(|| self.pos += 1)
    }
    /// A decimal number like strtol reads it: optional sign, at least one digit.
    fn int(&mut self) -> Option<i64> {
        let mut neg = false;
        if let Some(sign @ (b'+' | b'-')) = self.peek() {
            neg = sign == b'-';
            self.pos += 1;
        }
        let start = self.pos;
        let mut value: i64 = 0;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            value = value.checked_mul(10)?.checked_add(i64::from(d - b'0'))?;
            if value > i64::from(i32::MAX) {
                return None;
            }
            self.pos += 1;
        }
        if self.pos == start {
            return None;
        }
        Some(if neg { -value } else { value })
    }
}

/// Formats seconds since the Unix epoch (plus `millis`) as `YYYY-MM-DDThh:mm:ss.mmmZ`, UTC.
pub fn unix_to_xsd_datetime(secs: i64, millis: u32) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Formats a system time as [`unix_to_xsd_datetime`] does (times before 1970 give the epoch).
pub fn system_time_to_xsd_datetime(t: std::time::SystemTime) -> String {
    let d = t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2);
    unix_to_xsd_datetime(secs, d.subsec_millis())
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(year) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (the inverse of
/// [`days_from_civil`], Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_fractions() {
        for s in [
            "2010-04-08T05:45:11-07:00",
            "2010-04-08T12:45:11+00:00",
            "2010-04-08T22:15:11+09:30",
            "2010-04-09T01:30:11+12:45",
            "2010-04-08T12:45:11Z",
            "2010-04-08T12:45:11",
            "2010-04-08T14:45:11.529576+02:00",
            "2010-04-08T12:45:11.5Z",
        ] {
            assert_eq!(xsd_datetime_to_unix(s), Ok(1_270_730_711), "{s}");
        }
        assert_eq!(xsd_datetime_to_unix("-2010-04-08T14:45:11+02:00"), Ok(0));
        assert_eq!(xsd_datetime_to_unix("1970-01-01T00:00:00+00:00"), Ok(0));
        assert_eq!(
            xsd_datetime_to_unix("2038-01-19T03:14:07+00:00"),
            Ok(2_147_483_647)
        );
        assert_eq!(
            xsd_datetime_to_unix("2000-02-29T00:00:00Z"),
            Ok(951_782_400)
        );
    }

    #[test]
    fn formats_and_round_trips() {
        assert_eq!(unix_to_xsd_datetime(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            unix_to_xsd_datetime(1_700_000_000, 5),
            "2023-11-14T22:13:20.005Z"
        );
        assert_eq!(
            unix_to_xsd_datetime(951_782_400, 999),
            "2000-02-29T00:00:00.999Z"
        );
        assert_eq!(unix_to_xsd_datetime(-1, 0), "1969-12-31T23:59:59.000Z");
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_700_000_000_123);
        assert_eq!(system_time_to_xsd_datetime(t), "2023-11-14T22:13:20.123Z");
        for secs in [0, 59, 86_399, 951_782_400, 1_270_730_711, 4_102_444_800] {
            let text = unix_to_xsd_datetime(secs, 0);
            assert_eq!(xsd_datetime_to_unix(&text), Ok(secs), "{text}");
        }
    }

    #[test]
    fn rejects_garbage() {
        for s in [
            "",
            "2010",
            "2010-04-08",
            "2010-04-08T12:45",
            "2010-04-08T12:45:11X",
            "2010-04-08T12:45:11.Z",
            "2010-04-08T12:45:11+2",
            "2010-13-08T12:45:11",
            "2010-02-30T12:45:11",
            "2010-04-08T24:00:00",
            "2010-04-08T12:45:11Zjunk",
            "99999999999-04-08T12:45:11",
        ] {
            assert!(xsd_datetime_to_unix(s).is_err(), "{s}");
        }
    }
}
