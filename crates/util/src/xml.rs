//! XML character escaping: the one routine behind every XML document this project writes.
//!
//! Two producers with different conventions write XML here, and each must match its peer
//! byte for byte:
//! - libvirt's formatter (domain, network, pool ... XML) turns all five special characters
//!   into entities in text and attributes alike, and drops the control characters that
//!   XML 1.0 cannot carry ([`Escape::Libvirt`]);
//! - SOAP bodies follow libxml2's serializer, as vSphere clients and servers do: text
//!   escapes `&`, `<`, `>` and carriage return ([`Escape::Text`]); attribute values also
//!   `"`, tab and newline, which attribute-value normalisation would otherwise turn into
//!   spaces ([`Escape::Attr`]).

use std::borrow::Cow;

/// Which escaping convention to apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Escape {
    /// libvirt's: `<` `>` `&` `"` `'` as entities; control characters below 0x20 other than
    /// tab, newline and carriage return dropped.
    Libvirt,
    /// libxml2's element text: `&` `<` `>` and `\r` (as `&#13;`).
    Text,
    /// libxml2's attribute value: as [`Escape::Text`] plus `"`, `\t` and `\n`.
    Attr,
}

impl Escape {
    /// The replacement for byte `b`: `None` keeps it, `Some("")` drops it.
    #[inline]
    fn replacement(self, b: u8) -> Option<&'static str> {
        match (b, self) {
            (b'&', _) => Some("&amp;"),
            (b'<', _) => Some("&lt;"),
            (b'>', _) => Some("&gt;"),
            (b'"', Escape::Libvirt | Escape::Attr) => Some("&quot;"),
            (b'\'', Escape::Libvirt) => Some("&apos;"),
            (b'\t' | b'\n' | b'\r', Escape::Libvirt) => None,
            (b'\r', _) => Some("&#13;"),
            (b'\t', Escape::Attr) => Some("&#9;"),
            (b'\n', Escape::Attr) => Some("&#10;"),
            (c, Escape::Libvirt) if c < 0x20 => Some(""),
            _ => None,
        }
    }
}

/// Appends `s` to `out`, escaped by `mode`.
pub fn escape_into(out: &mut String, s: &str, mode: Escape) {
    // Every special character is ASCII, so slicing at its byte offset stays on a char
    // boundary, and unchanged runs are copied whole.
    let mut last = 0;
    for (i, &b) in s.as_bytes().iter().enumerate() {
        if let Some(rep) = mode.replacement(b) {
            out.push_str(&s[last..i]);
            out.push_str(rep);
            last = i + 1;
        }
    }
    out.push_str(&s[last..]);
}

/// `s` escaped by `mode`; borrowed when nothing needs escaping.
pub fn escape(s: &str, mode: Escape) -> Cow<'_, str> {
    if !s.bytes().any(|b| mode.replacement(b).is_some()) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    escape_into(&mut out, s, mode);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libvirt_escapes_all_five_and_drops_controls() {
        assert_eq!(
            escape("a<b>&\"c'\u{1}\t\n\r", Escape::Libvirt),
            "a&lt;b&gt;&amp;&quot;c&apos;\t\n\r"
        );
    }

    #[test]
    fn soap_text_and_attributes_follow_libxml2() {
        let s = "x&<>\"'\t\n\r\u{1}é";
        assert_eq!(escape(s, Escape::Text), "x&amp;&lt;&gt;\"'\t\n&#13;\u{1}é");
        assert_eq!(
            escape(s, Escape::Attr),
            "x&amp;&lt;&gt;&quot;'&#9;&#10;&#13;\u{1}é"
        );
    }

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(
            escape("web01 é", Escape::Libvirt),
            Cow::Borrowed(_)
        ));
        let mut out = String::from("<");
        escape_into(&mut out, "ü&", Escape::Text);
        assert_eq!(out, "<ü&amp;");
    }
}
