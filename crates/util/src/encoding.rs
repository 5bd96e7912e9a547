//! Character encodings a VMX file may declare in `.encoding`, decoded to UTF-8.
//!
//! libvirt decodes such files through libxml2, which hands every encoding but UTF-8,
//! UTF-16, ISO-8859-1 and ASCII to glibc's iconv. The web-standard tables (`encoding_rs`)
//! this module otherwise uses accept more than iconv for the Chinese double-byte code
//! pages, so GBK and Big5 (under every name iconv gives them) are decoded here with iconv's
//! rules: the same bytes give the same text, or fail at the same byte.

use crate::UtilError;

/// Unicode code points of Windows-1252 bytes 0x80..=0x9F; 0 marks the five bytes the code page
/// leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D), which iconv rejects, and so do we.
const CP1252_HIGH: [u16; 32] = [
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
    0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC,
    0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
];

/// Decodes Windows-1252 bytes. Undefined bytes are errors naming the byte and its offset.
pub fn windows1252_to_utf8(input: &[u8]) -> Result<String, UtilError> {
    let mut out = String::with_capacity(input.len() + input.len() / 4);
    for (offset, &b) in input.iter().enumerate() {
        let c = match b {
            0x80..=0x9f => {
                let cp = CP1252_HIGH[usize::from(b - 0x80)];
                char::from_u32(u32::from(cp))
                    .filter(|_| cp != 0)
                    .ok_or_else(|| UtilError::Decode {
                        encoding: "windows-1252".into(),
                        byte: b,
                        offset,
                    })?
            }
            _ => char::from(b),
        };
        out.push(c);
    }
    Ok(out)
}

/// A character encoding this crate can decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (validated, not changed).
    Utf8,
    /// Windows-1252.
    Windows1252,
    /// ISO-8859-1 (every byte is the code point of the same number).
    Latin1,
    /// US-ASCII (bytes above 0x7F are errors).
    Ascii,
    /// GBK as glibc's iconv decodes it (also `CP936`, `MS936`, `WINDOWS-936`): see
    /// [`gbk_to_utf8`].
    Gbk,
    /// Big5 as glibc's iconv decodes it (also `BIG-5`, `BIG-FIVE`, `BIGFIVE`, `CN-BIG5`,
    /// `CP950`): see [`big5_to_utf8`].
    Big5,
    /// Any other encoding known by its WHATWG label (Shift_JIS, EUC-JP, GBK, Big5, KOI8-R,
    /// windows-125x, ISO-8859-x, ...), as iconv would decode it for the reference.
    Other(&'static encoding_rs::Encoding),
}

impl Encoding {
    /// The encoding for a name (case-insensitive): `UTF-8`, `windows-1252` (also `cp1252`),
    /// `ISO-8859-1` (also `latin1`) or `US-ASCII`.
    pub fn from_name(name: &str) -> Result<Encoding, UtilError> {
        let is = |n: &str| name.eq_ignore_ascii_case(n);
        if is("utf-8") || is("utf8") {
            Ok(Encoding::Utf8)
        } else if is("windows-1252") || is("windows1252") || is("cp1252") || is("cp-1252") {
            Ok(Encoding::Windows1252)
        } else if is("iso-8859-1") || is("iso8859-1") || is("latin1") || is("latin-1") {
            Ok(Encoding::Latin1)
        } else if is("us-ascii") || is("ascii") {
            Ok(Encoding::Ascii)
        } else if ["gbk", "cp936", "ms936", "windows-936"]
            .iter()
            .any(|n| is(n))
        {
            Ok(Encoding::Gbk)
        } else if ["big5", "big-5", "big-five", "bigfive", "cn-big5", "cp950"]
            .iter()
            .any(|n| is(n))
        {
            Ok(Encoding::Big5)
        } else {
            // UTF-16 and UTF-32 files are binary to a line-based VMX reader.
            match encoding_rs::Encoding::for_label_no_replacement(name.as_bytes()) {
                Some(e) if e.is_ascii_compatible() => Ok(Encoding::Other(e)),
                _ => Err(UtilError::UnsupportedEncoding(name.to_string())),
            }
        }
    }

    /// Decodes `input` to a UTF-8 string.
    pub fn decode(self, input: &[u8]) -> Result<String, UtilError> {
        match self {
            Encoding::Utf8 => std::str::from_utf8(input).map(str::to_string).map_err(|e| {
                let offset = e.valid_up_to();
                UtilError::Decode {
                    encoding: "UTF-8".into(),
                    byte: input[offset],
                    offset,
                }
            }),
            Encoding::Windows1252 => windows1252_to_utf8(input),
            Encoding::Gbk => gbk_to_utf8(input),
            Encoding::Big5 => big5_to_utf8(input),
            Encoding::Latin1 => Ok(input.iter().map(|&b| char::from(b)).collect()),
            Encoding::Other(e) => e
                .decode_without_bom_handling_and_without_replacement(input)
                .map(|text| text.into_owned())
                .ok_or_else(|| {
                    // Find the first byte that does not decode, for the message.
                    let mut decoder = e.new_decoder_without_bom_handling();
                    let mut out = String::with_capacity(input.len() * 3 + 16);
                    let (_, read) =
                        decoder.decode_to_string_without_replacement(input, &mut out, true);
                    let offset = read.min(input.len().saturating_sub(1));
                    UtilError::Decode {
                        encoding: e.name().to_string(),
                        byte: input.get(offset).copied().unwrap_or(0),
                        offset,
                    }
                }),
            Encoding::Ascii => match input.iter().position(|b| !b.is_ascii()) {
                None => Ok(input.iter().map(|&b| char::from(b)).collect()),
                Some(offset) => Err(UtilError::Decode {
                    encoding: "US-ASCII".into(),
                    byte: input[offset],
                    offset,
                }),
            },
        }
    }
}

/// GBK byte pairs that the web-standard table maps outside the Private Use Area but glibc's
/// GBK does not know (inclusive ranges of lead byte × 256 + trail byte): the characters
/// GB18030-2005 mapped to real code points. Generated by comparing the two over every byte
/// pair (tests/iconv_tables.rs checks the whole decoder against iconv).
const GBK_NOT_IN_ICONV: [(u16, u16); 14] = [
    (0xA2E3, 0xA2E3),
    (0xA3A0, 0xA3A0),
    (0xA6D9, 0xA6DF),
    (0xA6EC, 0xA6ED),
    (0xA6F3, 0xA6F3),
    (0xA8BC, 0xA8BC),
    (0xA8BF, 0xA8BF),
    (0xA989, 0xA995),
    (0xFE50, 0xFE50),
    (0xFE54, 0xFE6B),
    (0xFE6D, 0xFE75),
    (0xFE77, 0xFE7E),
    (0xFE80, 0xFE90),
    (0xFE92, 0xFEA0),
];

/// The character a two-byte sequence stands for in a web-standard double-byte table, if it
/// is one character.
fn web_pair(encoding: &'static encoding_rs::Encoding, lead: u8, trail: u8) -> Option<char> {
    let bytes = [lead, trail];
    let text = encoding.decode_without_bom_handling_and_without_replacement(&bytes)?;
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

fn is_private_use(c: char) -> bool {
    ('\u{E000}'..='\u{F8FF}').contains(&c)
}

/// Runs a double-byte decoder: `pair` gives the character of a lead byte (0x81..=0xFE) and
/// its trail byte, or `None` when iconv refuses the pair; `single` the character of a byte
/// above 0x7F standing alone, if iconv takes one. Fails at the first byte iconv refuses
/// (a lead byte without a trail byte included).
fn decode_double_byte(
    name: &str,
    input: &[u8],
    single: impl Fn(u8) -> Option<char>,
    lead_ok: impl Fn(u8) -> bool,
    pair: impl Fn(u8, u8) -> Option<char>,
) -> Result<String, UtilError> {
    let mut out = String::with_capacity(input.len() + input.len() / 2);
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        let fail = || UtilError::Decode {
            encoding: name.into(),
            byte: b,
            offset: i,
        };
        if b < 0x80 {
            out.push(char::from(b));
            i += 1;
        } else if let Some(c) = single(b) {
            out.push(c);
            i += 1;
        } else if lead_ok(b) {
            let trail = input.get(i + 1).copied().ok_or_else(fail)?;
            out.push(pair(b, trail).ok_or_else(fail)?);
            i += 2;
        } else {
            return Err(fail());
        }
    }
    Ok(out)
}

/// Decodes GBK as glibc's iconv does: byte 0x80 is the euro sign; a lead byte 0x81..=0xFE
/// and a trail byte 0x40..=0x7E or 0x80..=0xFE map as in the web-standard table, except
/// that the user-defined areas (which that table maps to the Private Use Area), the
/// GB18030-2005 additions ([`GBK_NOT_IN_ICONV`]) and GB18030's four-byte sequences are
/// refused.
pub fn gbk_to_utf8(input: &[u8]) -> Result<String, UtilError> {
    decode_double_byte(
        "GBK",
        input,
        |b| (b == 0x80).then_some('\u{20AC}'),
        |b| (0x81..=0xFE).contains(&b),
        |lead, trail| {
            let code = u16::from(lead) << 8 | u16::from(trail);
            if GBK_NOT_IN_ICONV
                .iter()
                .any(|(from, to)| (*from..=*to).contains(&code))
            {
                return None;
            }
            web_pair(encoding_rs::GBK, lead, trail).filter(|c| !is_private_use(*c))
        },
    )
}

/// Big5's index of a byte pair (157 cells per lead byte from 0x81), as the tables count.
fn big5_index(lead: u8, trail: u8) -> u32 {
    let column = if trail < 0x7F {
        trail - 0x40
    } else {
        trail - 0x62
    };
    u32::from(lead - 0x81) * 157 + u32::from(column)
}

/// Decodes Big5 as glibc's iconv does (its plain Big5, not Big5-HKSCS): byte 0x80 stands
/// for U+0080; lead bytes are 0xA1..=0xF9 only, with trail bytes 0x40..=0x7E or
/// 0xA1..=0xFE, mapping as in the web-standard table except that
/// - 0xA3C0..=0xA3E0 (control pictures) are refused,
/// - 0xC6A1..=0xC8FE (the ETEN extensions) map to the Private Use Area from U+F6B1 on,
/// - 0xF9FE is U+2593.
pub fn big5_to_utf8(input: &[u8]) -> Result<String, UtilError> {
    let eten_first = big5_index(0xC6, 0xA1);
    let eten_last = big5_index(0xC8, 0xFE);
    decode_double_byte(
        "BIG5",
        input,
        |b| (b == 0x80).then_some('\u{80}'),
        |b| (0xA1..=0xF9).contains(&b),
        |lead, trail| {
            if !matches!(trail, 0x40..=0x7E | 0xA1..=0xFE) {
                return None;
            }
            let code = u16::from(lead) << 8 | u16::from(trail);
            let index = big5_index(lead, trail);
            match code {
                0xA3C0..=0xA3E0 => None,
                0xF9FE => Some('\u{2593}'),
                _ if (eten_first..=eten_last).contains(&index) => {
                    char::from_u32(0xF6B1 + index - eten_first)
                }
                _ => web_pair(encoding_rs::BIG5, lead, trail),
            }
        },
    )
}

/// Decodes `input` from the named encoding (see [`Encoding::from_name`]).
pub fn decode_to_utf8(encoding: &str, input: &[u8]) -> Result<String, UtilError> {
    Encoding::from_name(encoding)?.decode(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_table() {
        assert_eq!(windows1252_to_utf8(b"A\x80Z").unwrap(), "A€Z");
        assert_eq!(
            windows1252_to_utf8(b"\x8a\x9f\xa0\xff").unwrap(),
            "ŠŸ\u{a0}ÿ"
        );
        assert_eq!(
            windows1252_to_utf8(b"\x93x\x94").unwrap(),
            "\u{201c}x\u{201d}"
        );
    }

    #[test]
    fn undefined_bytes_are_errors() {
        for b in [0x81u8, 0x8d, 0x8f, 0x90, 0x9d] {
            let err = windows1252_to_utf8(&[b'a', b]).unwrap_err();
            assert_eq!(
                err,
                UtilError::Decode {
                    encoding: "windows-1252".into(),
                    byte: b,
                    offset: 1
                }
            );
        }
    }

    #[test]
    fn named_encodings() {
        assert_eq!(decode_to_utf8("UTF-8", "ä".as_bytes()).unwrap(), "ä");
        assert!(decode_to_utf8("utf-8", b"\xff").is_err());
        assert_eq!(decode_to_utf8("Windows-1252", b"\xe4").unwrap(), "ä");
        assert_eq!(decode_to_utf8("ISO-8859-1", b"\x80").unwrap(), "\u{80}");
        assert!(decode_to_utf8("ebcdic", b"x").is_err());
        assert!(decode_to_utf8("UTF-16LE", b"x\0").is_err());
        assert_eq!(
            decode_to_utf8("Shift_JIS", b"\x93\xfa\x96\x7b").unwrap(),
            "日本"
        );
        assert_eq!(decode_to_utf8("KOI8-R", b"\xd0\xd2").unwrap(), "пр");
        assert!(decode_to_utf8("Shift_JIS", b"ok\x82").is_err());
    }

    #[test]
    fn chinese_code_pages_follow_iconv() {
        assert_eq!(decode_to_utf8("gbk", b"\xd6\xd0\x80").unwrap(), "中€");
        // A user-defined area and a GB18030-2005 addition: the web tables take them.
        for bad in [&b"a\xaa\xa1"[..], b"a\xa2\xe3", b"a\x81\x30\x81\x30"] {
            assert_eq!(
                decode_to_utf8("CP936", bad).unwrap_err(),
                UtilError::Decode {
                    encoding: "GBK".into(),
                    byte: bad[1],
                    offset: 1
                }
            );
        }
        assert_eq!(
            decode_to_utf8("Big5", b"\xa4\xa4\xc6\xa1").unwrap(),
            "中\u{f6b1}"
        );
        assert!(decode_to_utf8("BIG5", b"\x87\x40").is_err());
    }
}
