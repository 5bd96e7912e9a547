//! XPath-style reading helpers over the crate's element tree ([`crate::dom`]), shared by the
//! snapshot, network, interface, storage and capabilities parsers.
//!
//! libvirt reads these documents with XPath expressions such as `string(./name)` or
//! `string(./target/format/@type)`; [`Query`] answers the same questions with the same
//! conventions (first match wins, an empty string counts as absent). [`parse_root`] adds the
//! checks libvirt's parser (libxml2) makes that the tree builder leaves out: the root element's
//! name and XML 1.0's character set.

use crate::dom::{self, Element};
use crate::domain::Uuid;
use crate::error::XmlError;

/// XPath-like queries on an element.
pub(crate) trait Query {
    /// The first child element named `name` (`./name[1]`).
    fn child(&self, name: &str) -> Option<&Element>;
    /// The string value: the element's text followed by its descendants' (the tree keeps an
    /// element's own text runs together, so for mixed content the order is approximate).
    fn string_value(&self) -> String;
    /// `string(./name)`: the first such child's string value; empty counts as absent.
    fn child_text(&self, name: &str) -> Option<String>;
    /// The first element along a path of child names (`./a/b`), searching every `a`.
    fn path(&self, path: &[&str]) -> Option<&Element>;
    /// `string(./a/b)`; empty counts as absent.
    fn path_text(&self, path: &[&str]) -> Option<String>;
    /// `string(./a/b/@attr)`: the attribute of the first element along `path` that has it;
    /// empty counts as absent.
    fn path_attr(&self, path: &[&str], attr: &str) -> Option<String>;
}

impl Query for Element {
    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    fn string_value(&self) -> String {
        fn collect(e: &Element, out: &mut String) {
            out.push_str(&e.text);
            for c in &e.children {
                collect(c, out);
            }
        }
        let mut out = String::new();
        collect(self, &mut out);
        out
    }

    fn child_text(&self, name: &str) -> Option<String> {
        self.child(name)
            .map(Query::string_value)
            .filter(|s| !s.is_empty())
    }

    fn path(&self, path: &[&str]) -> Option<&Element> {
        match path.split_first() {
            None => Some(self),
            Some((first, rest)) => self
                .children
                .iter()
                .filter(|c| c.name == *first)
                .find_map(|c| c.path(rest)),
        }
    }

    fn path_text(&self, path: &[&str]) -> Option<String> {
        self.path(path)
            .map(Query::string_value)
            .filter(|s| !s.is_empty())
    }

    fn path_attr(&self, path: &[&str], attr: &str) -> Option<String> {
        fn walk<'e>(e: &'e Element, path: &[&str], attr: &str) -> Option<&'e str> {
            match path.split_first() {
                None => e.attr(attr),
                Some((first, rest)) => e
                    .children
                    .iter()
                    .filter(|c| c.name == *first)
                    .find_map(|c| walk(c, rest, attr)),
            }
        }
        walk(self, path, attr)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    }
}

/// Parses `xml` (DTDs refused, size and depth bounded by [`crate::dom`]), checks that every
/// character is allowed in XML 1.0 (as libxml2 does, so `&#1;` is refused like in libvirt),
/// and that the root element is `expected_root`.
pub(crate) fn parse_root(xml: &str, expected_root: &str) -> Result<Element, XmlError> {
    let root = dom::parse(xml)?;
    check_element_chars(&root)?;
    if root.name != expected_root {
        return Err(XmlError::WrongRoot {
            expected: expected_root.to_owned(),
            found: root.name,
        });
    }
    Ok(root)
}

/// XML 1.0 `Char`: tab, newline, carriage return and everything from U+0020 except
/// U+FFFE/U+FFFF (surrogates cannot occur in `str`).
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

fn check_element_chars(e: &Element) -> Result<(), XmlError> {
    check_chars(&e.name)?;
    check_chars(&e.text)?;
    for (k, v) in &e.attrs {
        check_chars(k)?;
        check_chars(v)?;
    }
    e.children.iter().try_for_each(check_element_chars)
}

/// Reads a UUID as libvirt does (32 hex digits, `-` or space allowed between digit pairs,
/// surrounding whitespace ignored) and returns its canonical lowercase 8-4-4-4-12 form.
pub fn canonical_uuid(s: &str) -> Option<String> {
    s.parse::<Uuid>().ok().map(|u| u.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xpath_like_queries() {
        let e = parse_root(
            "<r><a/><a><b k='v'>t</b></a><c></c><d>x<e>y</e></d></r>",
            "r",
        )
        .unwrap();
        assert_eq!(e.path_text(&["a", "b"]).as_deref(), Some("t"));
        assert_eq!(e.path_attr(&["a", "b"], "k").as_deref(), Some("v"));
        assert_eq!(e.child_text("c"), None);
        assert_eq!(e.child_text("d").as_deref(), Some("xy"));
        assert!(e.child("a").is_some());
        assert!(e.child("z").is_none());
    }

    #[test]
    fn refuses_what_libvirt_refuses() {
        assert!(matches!(
            parse_root("<a>&#1;</a>", "a"),
            Err(XmlError::Malformed(_))
        ));
        assert!(matches!(
            parse_root("<a x='\u{2}'/>", "a"),
            Err(XmlError::Malformed(_))
        ));
        assert!(parse_root("<a>\t&#9;&#x10FFFF;</a>", "a").is_ok());
        assert!(matches!(
            parse_root("<b/>", "a"),
            Err(XmlError::WrongRoot { .. })
        ));
        assert!(matches!(
            parse_root("<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>", "a"),
            Err(XmlError::Dtd)
        ));
    }

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
}
