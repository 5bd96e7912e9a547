//! A small, bounded element tree built from quick-xml events. Document models read from it
//! instead of from the event stream so that their code reads like the XML it handles, and so
//! that every safety check (DTDs refused, nesting depth bounded, predefined entities only,
//! truncation detected) lives in one place.

use crate::error::XmlError;
use quick_xml::events::Event;
use quick_xml::Reader;

/// Deepest element nesting accepted. libvirt documents nest about 6 levels; the bound keeps
/// hostile input from exhausting the stack in recursive consumers (and in `Drop`).
pub const MAX_DEPTH: usize = 64;

/// Most elements accepted in one document (bounds memory on hostile input).
pub const MAX_ELEMENTS: usize = 200_000;

/// One element: qualified name, attributes in document order, child elements and the text
/// directly inside it (concatenated, entities resolved, line ends normalised to `\n`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    /// The value of attribute `name`, if present.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Child elements called `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The only child called `name`; an error naming both elements if there are several.
    pub fn single<'a>(&'a self, name: &'a str) -> Result<Option<&'a Element>, XmlError> {
        let mut it = self.children_named(name);
        let first = it.next();
        if first.is_some() && it.next().is_some() {
            return Err(XmlError::Duplicate {
                what: format!("<{name}> in <{}>", self.name),
            });
        }
        Ok(first)
    }

    /// The element's local name (after any `prefix:`).
    pub fn local_name(&self) -> &str {
        self.name
            .rsplit_once(':')
            .map_or(self.name.as_str(), |(_, l)| l)
    }
}

/// Normalises line ends as an XML parser must (`\r\n` and lone `\r` become `\n`).
fn normalize_eol(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('\r') {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(s.replace("\r\n", "\n").replace('\r', "\n"))
}

/// True for characters XML 1.0 allows in a document (libxml2, which libvirt uses, rejects the
/// others; accepting them here would let a name round-trip into something libvirt refuses).
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

fn malformed(e: impl std::fmt::Display, pos: u64) -> XmlError {
    XmlError::Malformed(format!("{e} (at byte {pos})"))
}

/// Parses `xml` into its root element.
///
/// Refuses `<!DOCTYPE>` (and so any entity declaration); resolves only the five predefined
/// entities and character references; fails on truncated documents, mismatched tags, text or
/// a second element after the root, nesting deeper than [`MAX_DEPTH`].
pub fn parse(xml: &str) -> Result<Element, XmlError> {
    // A UTF-8 byte order mark is allowed before the document (libxml2 accepts it too).
    let xml = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    if let Some((pos, c)) = xml.char_indices().find(|(_, c)| !is_xml_char(*c)) {
        return Err(XmlError::Malformed(format!(
            "character U+{:04X} is not allowed in XML (at byte {pos})",
            c as u32
        )));
    }
    let mut reader = Reader::from_str(xml);
    let cfg = reader.config_mut();
    cfg.trim_text(false);
    cfg.check_end_names = true;
    cfg.allow_unmatched_ends = false;
    cfg.check_comments = true;

    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;

    loop {
        let pos = reader.buffer_position();
        let event = reader.read_event().map_err(|e| malformed(e, pos))?;
        match event {
            Event::DocType(_) => return Err(XmlError::Dtd),
            Event::Start(ref e) | Event::Empty(ref e) => {
                if root.is_some() {
                    return Err(XmlError::Malformed("content after the root element".into()));
                }
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(XmlError::TooLarge(format!(
                        "more than {MAX_ELEMENTS} elements"
                    )));
                }
                let name = std::str::from_utf8(e.name().as_ref())
                    .map_err(|e| XmlError::Utf8(e.to_string()))?
                    .to_string();
                let mut el = Element {
                    name,
                    ..Default::default()
                };
                for a in e.attributes() {
                    let a = a.map_err(|err| {
                        malformed(format!("bad attribute in <{}>: {err}", el.name), pos)
                    })?;
                    let key = std::str::from_utf8(a.key.as_ref())
                        .map_err(|e| XmlError::Utf8(e.to_string()))?
                        .to_string();
                    let raw =
                        std::str::from_utf8(&a.value).map_err(|e| XmlError::Utf8(e.to_string()))?;
                    // Attribute-value normalisation: literal tab/newline/CR read as spaces.
                    let raw = raw.replace(['\t', '\n', '\r'], " ");
                    let value = quick_xml::escape::unescape(&raw)
                        .map_err(|err| {
                            malformed(
                                format!("bad value for attribute '{key}' of <{}>: {err}", el.name),
                                pos,
                            )
                        })?
                        .into_owned();
                    el.attrs.push((key, value));
                }
                if matches!(event, Event::Empty(_)) {
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(el),
                        None => root = Some(el),
                    }
                } else {
                    if stack.len() >= MAX_DEPTH {
                        return Err(XmlError::TooLarge(format!(
                            "elements nested deeper than {MAX_DEPTH} levels"
                        )));
                    }
                    stack.push(el);
                }
            }
            Event::End(_) => {
                // quick-xml has already checked that the end tag matches.
                let el = stack
                    .pop()
                    .ok_or_else(|| XmlError::Malformed("unexpected end tag".into()))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                let s = t.decode().map_err(|e| malformed(e, pos))?;
                match stack.last_mut() {
                    Some(el) => el.text.push_str(&normalize_eol(&s)),
                    None => {
                        if !s.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r')) {
                            return Err(XmlError::Malformed(
                                "text outside the root element".into(),
                            ));
                        }
                    }
                }
            }
            Event::CData(c) => {
                let s = c.decode().map_err(|e| malformed(e, pos))?;
                match stack.last_mut() {
                    Some(el) => el.text.push_str(&normalize_eol(&s)),
                    None => {
                        return Err(XmlError::Malformed("CDATA outside the root element".into()))
                    }
                }
            }
            Event::GeneralRef(r) => {
                let resolved: String = if r.is_char_ref() {
                    match r.resolve_char_ref().map_err(|e| malformed(e, pos))? {
                        Some(c) if is_xml_char(c) => c.to_string(),
                        Some(c) => {
                            return Err(malformed(
                                format!(
                                    "character reference to U+{:04X}, which XML does not allow",
                                    c as u32
                                ),
                                pos,
                            ))
                        }
                        None => return Err(malformed("invalid character reference", pos)),
                    }
                } else {
                    let name = r.decode().map_err(|e| malformed(e, pos))?;
                    match name.as_ref() {
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "amp" => "&".into(),
                        "apos" => "'".into(),
                        "quot" => "\"".into(),
                        other => {
                            return Err(XmlError::Malformed(format!(
                                "undefined entity '&{other};'"
                            )))
                        }
                    }
                };
                match stack.last_mut() {
                    Some(el) => el.text.push_str(&resolved),
                    None => {
                        return Err(XmlError::Malformed(
                            "entity reference outside the root element".into(),
                        ))
                    }
                }
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(open) = stack.last() {
        return Err(XmlError::Malformed(format!(
            "document ends inside <{}> (truncated?)",
            open.name
        )));
    }
    root.ok_or_else(|| XmlError::Malformed("no root element".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tree_with_entities() {
        let e = parse("<?xml version='1.0'?>\n<a x='1&amp;2' y=\"a\tb\"><b>t&lt;&#65;&#x42;</b><!-- c --><c/></a>\n").unwrap();
        assert_eq!(e.name, "a");
        assert_eq!(e.attr("x"), Some("1&2"));
        assert_eq!(e.attr("y"), Some("a b"));
        assert_eq!(e.children[0].text, "t<AB");
        assert_eq!(e.children[1].name, "c");
        assert_eq!(parse("\u{feff}<a/>").unwrap().name, "a");
    }

    #[test]
    fn refuses_bad_documents() {
        assert_eq!(
            parse("<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>"),
            Err(XmlError::Dtd)
        );
        assert!(matches!(parse("<a><b></a>"), Err(XmlError::Malformed(_))));
        assert!(matches!(parse("<a><b>"), Err(XmlError::Malformed(_))));
        assert!(matches!(parse("<a/><b/>"), Err(XmlError::Malformed(_))));
        assert!(matches!(parse("<a>&foo;</a>"), Err(XmlError::Malformed(_))));
        assert!(matches!(
            parse("<a x='1' x='2'/>"),
            Err(XmlError::Malformed(_))
        ));
        assert!(matches!(parse(""), Err(XmlError::Malformed(_))));
        assert!(matches!(parse("junk"), Err(XmlError::Malformed(_))));
        assert!(matches!(parse("<a>\u{1}</a>"), Err(XmlError::Malformed(_))));
        assert!(matches!(parse("<a>&#1;</a>"), Err(XmlError::Malformed(_))));
        assert!(matches!(
            parse("<a x='&#0;'/>"),
            Err(XmlError::Malformed(_))
        ));
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(matches!(parse(&deep), Err(XmlError::TooLarge(_))));
    }
}
