//! The three escaping schemes of the ESX driver.
//!
//! * percent: `%`, `/`, `\` become `%XX` — domain names in the vSphere API, and the second step
//!   of a VMX `displayName`;
//! * pipe: `|` and `"` become `|XX` — VMX `annotation`, and the first step of `displayName`;
//! * datastore item: Windows-special characters to `_`, then percent, then runs of other
//!   characters as base64 (`+...-`, `,` for `/`). Not reversible.
//!
//! `XX` is the byte in lowercase hex. Escaping works on bytes, so multi-byte UTF-8 characters
//! pass through untouched (none of their bytes is ASCII).

use crate::UtilError;

/// Escapes `escape` itself and every byte of `special` as `escape` followed by two lowercase
/// hex digits.
pub fn escape_hex(input: &str, escape: char, special: &str) -> String {
    let mut out = String::with_capacity(input.len() + 8);
    for c in input.chars() {
        if c == escape || special.contains(c) {
            out.push(escape);
            out.push_str(&format!("{:02x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Reverses [`escape_hex`]: every `escape` must be followed by two hex digits (either case).
/// The decoded bytes must form valid UTF-8.
pub fn unescape_hex(input: &str, escape: char) -> Result<String, UtilError> {
    let err = || UtilError::Escape(input.to_string(), escape);
    if !input.contains(escape) {
        return Ok(input.to_string());
    }
    let mut escape_buf = [0u8; 4];
    let escape_bytes = escape.encode_utf8(&mut escape_buf).as_bytes();
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(escape_bytes) {
            let j = i + escape_bytes.len();
            let hi = bytes.get(j).and_then(|b| hex_value(*b)).ok_or_else(err)?;
            let lo = bytes
                .get(j + 1)
                .and_then(|b| hex_value(*b))
                .ok_or_else(err)?;
            out.push(hi * 16 + lo);
            i = j + 2;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| err())
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Percent-encodes every byte of `input` but ASCII letters, digits and the bytes in `keep`,
/// as `%XX` in upper case: the URL escaping libvirt (GLib) applies, each caller naming the
/// characters its part of a URL may keep.
pub fn percent_encode(input: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(input.len());
    for b in input.bytes() {
        if b.is_ascii_alphanumeric() || keep.contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-escapes `%`, `/` and `\` (domain names in the vSphere API).
pub fn escape_percent(input: &str) -> String {
    escape_hex(input, '%', "/\\")
}

/// Reverses [`escape_percent`].
pub fn unescape_percent(input: &str) -> Result<String, UtilError> {
    unescape_hex(input, '%')
}

/// Pipe-escapes `|` and `"` (VMX annotations).
pub fn escape_pipe(input: &str) -> String {
    escape_hex(input, '|', "\"")
}

/// Reverses [`escape_pipe`].
pub fn unescape_pipe(input: &str) -> Result<String, UtilError> {
    unescape_hex(input, '|')
}

/// Escapes a domain name for a VMX `displayName`: pipe-escaping (`|`, `"`, and line breaks,
/// which could not stand inside a VMX value) and then percent-escaping (`%`, `/`, `\`).
pub fn escape_vmx_display_name(name: &str) -> String {
    escape_percent(&escape_hex(name, '|', "\"\r\n"))
}

/// Reverses [`escape_vmx_display_name`]: percent-unescaping, then pipe-unescaping.
pub fn unescape_vmx_display_name(value: &str) -> Result<String, UtilError> {
    unescape_pipe(&unescape_percent(value)?)
}

/// Escapes a description for a VMX `annotation`: pipe-escaping of `|`, `"` and line breaks
/// (VMware writes line breaks as `|0A` too).
pub fn escape_vmx_annotation(text: &str) -> String {
    escape_hex(text, '|', "\"\r\n")
}

/// Replaces the characters Windows forbids in file names, `"*<>:|?`, by `_`. `/` and `\` are
/// kept on purpose (they are path separators).
pub fn replace_special_windows_path_chars(input: &str) -> String {
    input
        .chars()
        .map(|c| if "\"*<>:|?".contains(c) { '_' } else { c })
        .collect()
}

const NORMAL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'(),. _-";
const BASE64_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

fn is_normal(b: u8) -> bool {
    NORMAL.contains(&b)
}

/// Replaces every run of bytes outside `[a-zA-Z0-9'(),. _-]` by `+`, its unpadded base64 form
/// (with `,` in place of `/`), and `-` — the `-` left out when the run ends the string.
pub fn escape_base64(input: &str) -> String {
    let bytes = input.as_bytes();
    let mut out = String::with_capacity(bytes.len() * 2);
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        if is_normal(bytes[i]) {
            while i < bytes.len() && is_normal(bytes[i]) {
                i += 1;
            }
            // Normal bytes are ASCII, so this slice is on char boundaries.
            out.push_str(&input[start..i]);
        } else {
            while i < bytes.len() && !is_normal(bytes[i]) {
                i += 1;
            }
            out.push('+');
            for chunk in bytes[start..i].chunks(3) {
                let b0 = chunk[0];
                let b1 = chunk.get(1).copied().unwrap_or(0);
                let b2 = chunk.get(2).copied().unwrap_or(0);
                let sym = |v: u8| BASE64_ALPHABET[usize::from(v & 0x3f)] as char;
                out.push(sym(b0 >> 2));
                out.push(sym((b0 << 4) | (b1 >> 4)));
                if chunk.len() > 1 {
                    out.push(sym((b1 << 2) | (b2 >> 6)));
                }
                if chunk.len() > 2 {
                    out.push(sym(b2));
                }
            }
            if i < bytes.len() {
                out.push('-');
            }
        }
    }
    out
}

/// The escaping of datastore item names (file and directory names on a datastore).
pub fn escape_datastore_item(input: &str) -> String {
    escape_base64(&escape_percent(&replace_special_windows_path_chars(input)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encode_keeps_only_what_it_is_told() {
        assert_eq!(percent_encode("a~b_c.d-e/é", b"-._~"), "a~b_c.d-e%2F%C3%A9");
        assert_eq!(percent_encode("a b(c)*", b"-_.!~*'()"), "a%20b(c)*");
        assert_eq!(percent_encode("(x)", b""), "%28x%29");
    }

    #[test]
    fn percent_round_trip() {
        assert_eq!(escape_percent("a%b/c\\d|e"), "a%25b%2fc%5cd|e");
        assert_eq!(unescape_percent("a%25b%2fc%5cd|e").unwrap(), "a%b/c\\d|e");
        assert_eq!(unescape_percent("%2F%2f").unwrap(), "//");
        assert_eq!(escape_percent("äöü"), "äöü");
    }

    #[test]
    fn pipe_round_trip() {
        assert_eq!(escape_pipe("a|b\"c%"), "a|7cb|22c%");
        assert_eq!(unescape_pipe("a|7cb|22c%").unwrap(), "a|b\"c%");
        assert_eq!(unescape_pipe("|c3|a4").unwrap(), "ä");
    }

    #[test]
    fn vmx_display_names() {
        let name = "a|b\"c%d/e\\f\ng";
        let escaped = escape_vmx_display_name(name);
        assert_eq!(escaped, "a|7cb|22c%25d%2fe%5cf|0ag");
        assert_eq!(unescape_vmx_display_name(&escaped).unwrap(), name);
        assert_eq!(escape_vmx_annotation("x|y\"z\r\n"), "x|7cy|22z|0d|0a");
    }

    #[test]
    fn bad_escapes() {
        for bad in ["%", "%2", "%zz", "abc%4", "%ff"] {
            assert!(unescape_percent(bad).is_err(), "{bad}");
        }
        assert!(unescape_pipe("|x1").is_err());
    }

    #[test]
    fn datastore_items() {
        assert_eq!(escape_datastore_item("normal"), "normal");
        assert_eq!(escape_datastore_item("標準語"), "+5qiZ5rqW6Kqe");
        assert_eq!(escape_datastore_item("~~~"), "+fn5+");
        assert_eq!(escape_datastore_item("~~~A"), "+fn5+-A");
        assert_eq!(escape_datastore_item("!쿀A"), "+Iey,gA-A");
        assert_eq!(escape_datastore_item("vvv<A\"B\"C>zzz"), "vvv_A_B_C_zzz");
        assert_eq!(escape_datastore_item(""), "");
    }
}
