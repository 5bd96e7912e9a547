//! A minimal read-only element tree for the snapshot, network, interface, storage and
//! capabilities parsers.
//!
//! libvirt reads its documents with libxml2 and XPath; the parsers here need the same few
//! questions answered (first child named X, the string value of a child, an attribute), so a
//! small tree built with quick-xml is enough. It refuses DTDs (and with them entity
//! declarations), bounds nesting depth and node count, and normalises text the way libxml2
//! does (line ends, attribute whitespace), so values read match what libvirt would see.

use quick_xml::events::{BytesRef, Event};
use quick_xml::Reader;

use crate::error::XmlError;

/// Deepest element nesting accepted; libvirt documents are a handful of levels deep.
const MAX_DEPTH: usize = 128;
/// Most nodes (elements and text runs) accepted in one document.
const MAX_NODES: usize = 1_000_000;

/// One element: its name (with any prefix), attributes in document order and children.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// Qualified name as written (`name`, `vmware:datacenterpath`).
    pub name: String,
    /// Attributes, already unescaped and normalised.
    pub attrs: Vec<(String, String)>,
    /// Child nodes in document order.
    pub children: Vec<Node>,
}

/// A child node: an element or a run of character data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A child element.
    Element(Element),
    /// Character data (text, entity and character references, CDATA), unescaped.
    Text(String),
}

impl Element {
    /// The value of attribute `name`, if present.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Child elements in document order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// Child elements named `name`, in document order (XPath `./name`).
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.elements().filter(move |e| e.name == name)
    }

    /// The first child element named `name` (XPath `./name[1]`).
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    /// The XPath string value: all descendant character data concatenated.
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.collect_text(&mut out);
        out
    }

    fn collect_text(&self, out: &mut String) {
        for n in &self.children {
            match n {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => e.collect_text(out),
            }
        }
    }

    /// libvirt's `virXPathString("string(./name)")`: the string value of the first child
    /// named `name`, with an empty string reported as absent (as libvirt does).
    pub fn child_text(&self, name: &str) -> Option<String> {
        self.child(name)
            .map(Element::text)
            .filter(|s| !s.is_empty())
    }

    /// `string(./a/b/...)` for a path of element names.
    pub fn path_text(&self, path: &[&str]) -> Option<String> {
        self.path(path).map(Element::text).filter(|s| !s.is_empty())
    }

    /// The first element along a path of child names (`./a/b`), like XPath's first match.
    ///
    /// XPath picks the first `b` below *any* `a`, not only below the first `a`; this searches
    /// the same way.
    pub fn path(&self, path: &[&str]) -> Option<&Element> {
        match path.split_first() {
            None => Some(self),
            Some((first, rest)) => self
                .elements()
                .filter(|c| c.name == *first)
                .find_map(|c| c.path(rest)),
        }
    }

    /// `string(./a/.../@attr)`: an attribute of the first element along `path` that has it;
    /// an empty value counts as absent, as in libvirt.
    pub fn path_attr(&self, path: &[&str], attr: &str) -> Option<String> {
        fn walk<'e>(e: &'e Element, path: &[&str], attr: &str) -> Option<&'e str> {
            match path.split_first() {
                None => e.attr(attr),
                Some((first, rest)) => e
                    .elements()
                    .filter(|c| c.name == *first)
                    .find_map(|c| walk(c, rest, attr)),
            }
        }
        walk(self, path, attr)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    }
}

/// Parses `xml` into its root element and checks the root's name.
///
/// DTDs are refused; so are unknown entity references, which without a DTD cannot be
/// defined anyway.
pub fn parse_root(xml: &str, expected_root: &str) -> Result<Element, XmlError> {
    let root = parse(xml)?;
    if root.name != expected_root {
        return Err(XmlError::WrongRoot {
            expected: expected_root.to_owned(),
            found: root.name,
        });
    }
    Ok(root)
}

/// Parses `xml` into its root element.
pub fn parse(xml: &str) -> Result<Element, XmlError> {
    let mut reader = Reader::from_str(xml);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.expand_empty_elements = false;
    config.trim_text(false);

    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut nodes = 0usize;

    loop {
        let event = reader.read_event().map_err(|e| {
            XmlError::Malformed(format!("{e} (at byte {})", reader.error_position()))
        })?;
        nodes += 1;
        if nodes > MAX_NODES {
            return Err(XmlError::TooLarge(format!(
                "more than {MAX_NODES} XML nodes"
            )));
        }
        match event {
            Event::DocType(_) => return Err(XmlError::Dtd),
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError::TooLarge(format!(
                        "elements nested deeper than {MAX_DEPTH}"
                    )));
                }
                if root.is_some() {
                    return Err(XmlError::Malformed(
                        "extra content after the root element".into(),
                    ));
                }
                stack.push(element_from(&start)?);
            }
            Event::Empty(start) => {
                if root.is_some() {
                    return Err(XmlError::Malformed(
                        "extra content after the root element".into(),
                    ));
                }
                let e = element_from(&start)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(e)),
                    None => root = Some(e),
                }
            }
            Event::End(_) => {
                // check_end_names guarantees the names match.
                let Some(done) = stack.pop() else {
                    return Err(XmlError::Malformed("unexpected closing tag".into()));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(done)),
                    None => root = Some(done),
                }
            }
            Event::Text(t) => {
                let s = t.decode().map_err(|e| XmlError::Utf8(e.to_string()))?;
                push_text(&mut stack, &normalize_newlines(&s), root.is_some())?;
            }
            Event::CData(t) => {
                let s = t.decode().map_err(|e| XmlError::Utf8(e.to_string()))?;
                push_text(&mut stack, &normalize_newlines(&s), root.is_some())?;
            }
            Event::GeneralRef(r) => {
                let s = resolve_ref(&r)?;
                push_text(&mut stack, &s, root.is_some())?;
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(XmlError::Malformed(format!(
            "document ends inside <{}>",
            stack.last().map(|e| e.name.as_str()).unwrap_or("")
        )));
    }
    root.ok_or_else(|| XmlError::Malformed("no root element".into()))
}

/// XML 1.0 `Char`: tab, newline, carriage return and everything from U+0020 except the
/// surrogates (impossible in `str`) and U+FFFE/U+FFFF.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

fn check_chars(s: &str) -> Result<(), XmlError> {
    match s.chars().find(|c| !is_xml_char(*c)) {
        None => Ok(()),
        Some(c) => Err(XmlError::Malformed(format!(
            "character U+{:04X} is not allowed in XML",
            c as u32
        ))),
    }
}

fn push_text(stack: &mut [Element], s: &str, after_root: bool) -> Result<(), XmlError> {
    check_chars(s)?;
    match stack.last_mut() {
        Some(parent) => {
            if let Some(Node::Text(prev)) = parent.children.last_mut() {
                prev.push_str(s);
            } else {
                parent.children.push(Node::Text(s.to_owned()));
            }
            Ok(())
        }
        None if s.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r')) => Ok(()),
        None if after_root => Err(XmlError::Malformed(
            "extra content after the root element".into(),
        )),
        None => Err(XmlError::Malformed("text before the root element".into())),
    }
}

/// XML line-end handling: `\r\n` and lone `\r` read as `\n`.
fn normalize_newlines(s: &str) -> String {
    if !s.contains('\r') {
        return s.to_owned();
    }
    s.replace("\r\n", "\n").replace('\r', "\n")
}

fn resolve_ref(r: &BytesRef<'_>) -> Result<String, XmlError> {
    if let Some(c) = r
        .resolve_char_ref()
        .map_err(|e| XmlError::Malformed(format!("bad character reference: {e}")))?
    {
        return Ok(c.to_string());
    }
    let name = r.decode().map_err(|e| XmlError::Utf8(e.to_string()))?;
    let s = match name.as_ref() {
        "lt" => "<",
        "gt" => ">",
        "amp" => "&",
        "apos" => "'",
        "quot" => "\"",
        other => return Err(XmlError::Malformed(format!("undefined entity '&{other};'"))),
    };
    Ok(s.to_owned())
}

fn element_from(start: &quick_xml::events::BytesStart<'_>) -> Result<Element, XmlError> {
    let name = std::str::from_utf8(start.name().as_ref())
        .map_err(|e| XmlError::Utf8(e.to_string()))?
        .to_owned();
    let mut attrs: Vec<(String, String)> = Vec::new();
    for a in start.attributes() {
        let a = a.map_err(|e| XmlError::Malformed(format!("bad attribute in <{name}>: {e}")))?;
        let key = std::str::from_utf8(a.key.as_ref())
            .map_err(|e| XmlError::Utf8(e.to_string()))?
            .to_owned();
        // Attribute-value normalisation: literal tab/newline/CR become spaces; character
        // references to them survive (they are resolved after this step).
        let raw = std::str::from_utf8(&a.value).map_err(|e| XmlError::Utf8(e.to_string()))?;
        let normalized = normalize_newlines(raw).replace(['\t', '\n'], " ");
        let value = quick_xml::escape::unescape(&normalized)
            .map_err(|e| {
                XmlError::Malformed(format!("bad value of attribute '{key}' in <{name}>: {e}"))
            })?
            .into_owned();
        check_chars(&value)?;
        if attrs.iter().any(|(k, _)| *k == key) {
            return Err(XmlError::Malformed(format!(
                "attribute '{key}' repeated in <{name}>"
            )));
        }
        attrs.push((key, value));
    }
    Ok(Element {
        name,
        attrs,
        children: Vec::new(),
    })
}

/// Reads a UUID as libvirt does (32 hex digits, `-` or space allowed between digit pairs,
/// surrounding whitespace ignored) and returns its canonical lowercase 8-4-4-4-12 form.
pub fn canonical_uuid(s: &str) -> Option<String> {
    let t = s.trim_matches(|c: char| c.is_ascii_whitespace());
    let mut bytes = [0u8; 16];
    let mut chars = t.chars().peekable();
    let mut i = 0;
    while i < 16 {
        let c = chars.next()?;
        if c == '-' || c == ' ' {
            continue;
        }
        let hi = c.to_digit(16)?;
        let lo = chars.next()?.to_digit(16)?;
        bytes[i] = (hi * 16 + lo) as u8;
        i += 1;
    }
    if chars.next().is_some() {
        return None;
    }
    Some(format_uuid(&bytes))
}

/// Formats 16 bytes as a lowercase 8-4-4-4-12 UUID.
pub fn format_uuid(b: &[u8; 16]) -> String {
    let mut out = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn uuids_like_libvirt() {
        assert_eq!(
            canonical_uuid(" 81FF0D90C91E674264DA4A736EDB9A8E ").as_deref(),
            Some("81ff0d90-c91e-6742-64da-4a736edb9a8e")
        );
        assert_eq!(
            canonical_uuid("81ff0d90-c91e-6742-64da-4a736edb9a8e").as_deref(),
            Some("81ff0d90-c91e-6742-64da-4a736edb9a8e")
        );
        assert_eq!(canonical_uuid("81ff0d90-c91e-6742-64da-4a736edb9a8"), None);
        assert_eq!(
            canonical_uuid("81ff0d90-c91e-6742-64da-4a736edb9a8e0"),
            None
        );
        assert_eq!(canonical_uuid("zz"), None);
    }

    use super::*;

    #[test]
    fn reads_text_attrs_and_refs() {
        let e = parse(
            "<?xml version='1.0'?><a x='1&amp;2' y=\"a\nb\"><b>x&lt;y&#65;</b><c/><b>2</b></a>",
        )
        .unwrap();
        assert_eq!(e.attr("x"), Some("1&2"));
        assert_eq!(e.attr("y"), Some("a b"));
        assert_eq!(e.child_text("b").as_deref(), Some("x<yA"));
        assert_eq!(e.children_named("b").count(), 2);
        assert!(e.child("c").is_some());
        assert_eq!(e.child_text("c"), None);
    }

    #[test]
    fn refuses_dtd_and_bad_documents() {
        assert_eq!(
            parse("<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>"),
            Err(XmlError::Dtd)
        );
        assert!(matches!(parse("<a>&x;</a>"), Err(XmlError::Malformed(_))));
        assert!(matches!(parse("<a><b></a>"), Err(XmlError::Malformed(_))));
        assert!(matches!(parse("<a>"), Err(XmlError::Malformed(_))));
        assert!(matches!(parse(""), Err(XmlError::Malformed(_))));
        assert!(matches!(parse("<a/><b/>"), Err(XmlError::Malformed(_))));
        let deep = "<a>".repeat(200) + &"</a>".repeat(200);
        assert!(matches!(parse(&deep), Err(XmlError::TooLarge(_))));
        assert!(matches!(
            parse_root("<b/>", "a"),
            Err(XmlError::WrongRoot { .. })
        ));
    }

    #[test]
    fn xpath_like_paths() {
        let e = parse("<r><a/><a><b k='v'>t</b></a></r>").unwrap();
        assert_eq!(e.path_text(&["a", "b"]).as_deref(), Some("t"));
        assert_eq!(e.path_attr(&["a", "b"], "k").as_deref(), Some("v"));
    }
}
