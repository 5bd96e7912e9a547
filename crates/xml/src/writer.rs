//! A tiny XML writer that reproduces libvirt's output conventions: two-space indentation,
//! attributes in single quotes, `<x/>` for empty elements, and libvirt's escaping
//! (see [`escape`]).  Shared by every document type of this crate.

use std::fmt::Write as _;

use esxvirt_util::xml;

/// Escapes text or an attribute value exactly as libvirt's formatter does (libvirt uses the
/// same routine for both): [`esxvirt_util::xml::Escape::Libvirt`].
pub fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    xml::escape(s, xml::Escape::Libvirt)
}

/// [`escape`], appending to `out`.
pub fn escape_into(out: &mut String, s: &str) {
    xml::escape_into(out, s, xml::Escape::Libvirt)
}

/// Builds an XML document line by line, libvirt style.
///
/// ```
/// use esxvirt_xml::writer::XmlWriter;
/// let mut w = XmlWriter::new();
/// w.open("domain", &[("type", Some("vmware"))]);
/// w.text_element("name", &[], "a<b");
/// w.empty("clock", &[("offset", Some("utc"))]);
/// w.close("domain");
/// assert_eq!(w.finish(), "<domain type='vmware'>\n  <name>a&lt;b</name>\n  <clock offset='utc'/>\n</domain>\n");
/// ```
///
/// Attributes are `(name, Option<value>)` so that optional attributes can be written inline:
/// `None` skips the attribute.
#[derive(Debug, Default, Clone)]
pub struct XmlWriter {
    out: String,
    depth: usize,
}

/// An attribute list entry: name and value; `None` omits it.
pub type Attr<'a> = (&'a str, Option<&'a str>);

impl XmlWriter {
    /// An empty writer at indentation level 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// A writer whose lines start at `depth` levels (two spaces each), for fragments that are
    /// embedded in another document.
    pub fn with_depth(depth: usize) -> Self {
        XmlWriter {
            out: String::new(),
            depth,
        }
    }

    /// The current nesting depth.
    pub fn depth(&self) -> usize {
        self.depth
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn start_tag(&mut self, name: &str, attrs: &[Attr<'_>]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            if let Some(v) = v {
                self.out.push(' ');
                self.out.push_str(k);
                self.out.push_str("='");
                escape_into(&mut self.out, v);
                self.out.push('\'');
            }
        }
    }

    /// `<name attrs>` and one level deeper.
    pub fn open(&mut self, name: &str, attrs: &[Attr<'_>]) {
        self.start_tag(name, attrs);
        self.out.push_str(">\n");
        self.depth += 1;
    }

    /// `</name>` one level up.
    pub fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// `<name attrs/>`.
    pub fn empty(&mut self, name: &str, attrs: &[Attr<'_>]) {
        self.start_tag(name, attrs);
        self.out.push_str("/>\n");
    }

    /// `<name attrs>escaped text</name>`.
    pub fn text_element(&mut self, name: &str, attrs: &[Attr<'_>], text: &str) {
        self.start_tag(name, attrs);
        self.out.push('>');
        escape_into(&mut self.out, text);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// `<name attrs>value</name>` for anything `Display` (numbers; not escaped).
    pub fn value_element(&mut self, name: &str, attrs: &[Attr<'_>], value: impl std::fmt::Display) {
        self.start_tag(name, attrs);
        // Writing to a String cannot fail.
        let _ = writeln!(self.out, ">{value}</{name}>");
    }

    /// Writes an element with children produced by `body`; if `body` writes nothing the
    /// element becomes `<name attrs/>`, or is left out entirely when `omit_if_empty` and there
    /// are no attributes either. This mirrors libvirt's "format element only if it has content"
    /// helper, which decides the shape after formatting the children.
    pub fn element_with(
        &mut self,
        name: &str,
        attrs: &[Attr<'_>],
        omit_if_empty: bool,
        body: impl FnOnce(&mut XmlWriter),
    ) {
        let mut child = XmlWriter::with_depth(self.depth + 1);
        body(&mut child);
        let has_attrs = attrs.iter().any(|(_, v)| v.is_some());
        if child.out.is_empty() {
            if omit_if_empty && !has_attrs {
                return;
            }
            self.empty(name, attrs);
        } else {
            self.start_tag(name, attrs);
            self.out.push_str(">\n");
            self.out.push_str(&child.out);
            self.indent();
            self.out.push_str("</");
            self.out.push_str(name);
            self.out.push_str(">\n");
        }
    }

    /// Appends pre-formatted text verbatim (must already be indented and escaped).
    pub fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }

    /// The text written so far.
    pub fn as_str(&self) -> &str {
        &self.out
    }

    /// The finished document.
    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_libvirt() {
        assert_eq!(escape("a<b>&\"'c"), "a&lt;b&gt;&amp;&quot;&apos;c");
        assert_eq!(escape("tab\tnl\ncr\r"), "tab\tnl\ncr\r");
        assert_eq!(escape("bell\u{7}x\u{1f}"), "bellx");
        assert_eq!(escape("ümlaut"), "ümlaut");
    }

    #[test]
    fn element_with_shapes() {
        let mut w = XmlWriter::new();
        w.element_with("a", &[], true, |_| {});
        w.element_with("b", &[("x", Some("1"))], true, |_| {});
        w.element_with("c", &[], false, |_| {});
        w.element_with("d", &[], true, |w| w.empty("e", &[]));
        assert_eq!(w.finish(), "<b x='1'/>\n<c/>\n<d>\n  <e/>\n</d>\n");
    }
}
