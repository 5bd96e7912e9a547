//! Character encodings a VMX file may declare in `.encoding`, decoded to UTF-8.

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
}
