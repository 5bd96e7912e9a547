//! A small generic XML element tree: what a SOAP request's body parses into, with typed
//! getters for method handlers.
//!
//! Names are local names (namespace prefixes dropped). `xsi:type` is kept apart from the
//! other attributes (a `ManagedObjectReference` has a plain `type` attribute too), with its
//! prefix dropped: `vim25:VirtualDisk` -> `VirtualDisk`, `xsd:string` -> `string`.
//! Parsing refuses DTDs (no entity expansion) and bounds nesting depth.

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::fault::Fault;
use crate::value::MoRef;

/// Deepest element nesting accepted in a request.
const MAX_DEPTH: usize = 128;

/// One parsed XML element.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Element {
    /// Local name, e.g. `specSet`.
    pub name: String,
    /// The `xsi:type` attribute without its prefix, if present.
    pub xsi_type: Option<String>,
    /// Other attributes: local name and unescaped value.
    pub attrs: Vec<(String, String)>,
    /// Concatenated, unescaped character data directly inside this element.
    pub text: String,
    /// Child elements in document order.
    pub children: Vec<Element>,
}

/// Why a request body could not be parsed.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// Not well-formed XML.
    #[error("malformed XML: {0}")]
    Xml(String),
    /// A DTD, which we never process.
    #[error("DTDs are not accepted")]
    Dtd,
    /// Nesting deeper than the limit.
    #[error("XML nested too deeply")]
    TooDeep,
    /// No root element.
    #[error("no XML element found")]
    Empty,
}

impl Element {
    /// Parses a document and returns its root element.
    pub fn parse(xml: &[u8]) -> Result<Element, ParseError> {
        let mut reader = Reader::from_reader(xml);
        reader.config_mut().trim_text(false);
        let mut stack: Vec<Element> = Vec::new();
        let mut buf = Vec::new();
        loop {
            let ev = reader
                .read_event_into(&mut buf)
                .map_err(|e| ParseError::Xml(e.to_string()))?;
            match ev {
                Event::Start(ref s) | Event::Empty(ref s) => {
                    if stack.len() >= MAX_DEPTH {
                        return Err(ParseError::TooDeep);
                    }
                    let mut el = Element {
                        name: String::from_utf8_lossy(s.local_name().as_ref()).into_owned(),
                        ..Element::default()
                    };
                    for a in s.attributes() {
                        let a = a.map_err(|e| ParseError::Xml(e.to_string()))?;
                        let key = a.key;
                        let local = String::from_utf8_lossy(key.local_name().as_ref()).into_owned();
                        let prefix = key.prefix().map(|p| p.as_ref().to_vec());
                        let value = a
                            .unescape_value()
                            .map_err(|e| ParseError::Xml(e.to_string()))?
                            .into_owned();
                        if prefix.as_ref().is_some_and(|p| p.starts_with(b"xmlns"))
                            || local == "xmlns"
                        {
                            continue;
                        }
                        if local == "type" && prefix.is_some() {
                            let ty = match value.rsplit_once(':') {
                                Some((_, t)) => t.to_string(),
                                None => value,
                            };
                            el.xsi_type = Some(ty);
                        } else {
                            el.attrs.push((local, value));
                        }
                    }
                    if matches!(ev, Event::Empty(_)) {
                        match stack.last_mut() {
                            Some(parent) => parent.children.push(el),
                            None => return Ok(el),
                        }
                    } else {
                        stack.push(el);
                    }
                }
                Event::End(_) => {
                    let el = stack.pop().ok_or(ParseError::Empty)?;
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(el),
                        None => return Ok(el),
                    }
                }
                Event::Text(t) => {
                    if let Some(cur) = stack.last_mut() {
                        let s = t.decode().map_err(|e| ParseError::Xml(e.to_string()))?;
                        cur.text.push_str(&s);
                    }
                }
                Event::CData(t) => {
                    if let Some(cur) = stack.last_mut() {
                        cur.text.push_str(&String::from_utf8_lossy(&t));
                    }
                }
                Event::GeneralRef(r) => {
                    if let Some(cur) = stack.last_mut() {
                        if let Some(c) = r
                            .resolve_char_ref()
                            .map_err(|e| ParseError::Xml(e.to_string()))?
                        {
                            cur.text.push(c);
                        } else {
                            let name = r.decode().map_err(|e| ParseError::Xml(e.to_string()))?;
                            match quick_xml::escape::resolve_predefined_entity(&name) {
                                Some(s) => cur.text.push_str(s),
                                None => {
                                    return Err(ParseError::Xml(format!("unknown entity &{name};")))
                                }
                            }
                        }
                    }
                }
                Event::DocType(_) => return Err(ParseError::Dtd),
                Event::Eof => return Err(ParseError::Empty),
                _ => {}
            }
            buf.clear();
        }
    }

    /// This element as a value to keep and send back: an element with children is an
    /// object of its `xsi:type` (untyped when it has none), a reference stays one, any
    /// other element is its text.
    pub fn to_value(&self) -> crate::value::Value {
        use crate::value::Value;
        if let Some(m) = self.as_moref() {
            return Value::MoRef(m);
        }
        if self.children.is_empty() {
            return Value::Str(self.text.clone());
        }
        let mut v = Value::obj(self.xsi_type.clone().unwrap_or_default());
        for c in &self.children {
            v = v.with(c.name.clone(), c.to_value());
        }
        v
    }

    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All children named `name` (an array argument is repeated elements).
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Attribute `name` (not `xsi:type`; see [`Element::xsi_type`]).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The text of child `name`, trimmed.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }

    /// The text of child `name`, or an `InvalidRequest`-style fault naming it when missing.
    pub fn req_text(&self, name: &str) -> Result<&str, Fault> {
        self.text_of(name)
            .ok_or_else(|| Fault::missing_argument(name))
    }

    /// Child `name`, or an `InvalidRequest`-style fault naming it when missing.
    pub fn req_child(&self, name: &str) -> Result<&Element, Fault> {
        self.child(name)
            .ok_or_else(|| Fault::missing_argument(name))
    }

    /// Child `name` as a boolean (`true`/`1`, `false`/`0`).
    pub fn bool_of(&self, name: &str) -> Result<Option<bool>, Fault> {
        match self.text_of(name) {
            None => Ok(None),
            Some("true") | Some("1") => Ok(Some(true)),
            Some("false") | Some("0") => Ok(Some(false)),
            Some(_) => Err(Fault::invalid_argument(name)),
        }
    }

    /// Child `name` as an i32.
    pub fn i32_of(&self, name: &str) -> Result<Option<i32>, Fault> {
        self.text_of(name)
            .map(|t| t.parse().map_err(|_| Fault::invalid_argument(name)))
            .transpose()
    }

    /// Child `name` as an i64.
    pub fn i64_of(&self, name: &str) -> Result<Option<i64>, Fault> {
        self.text_of(name)
            .map(|t| t.parse().map_err(|_| Fault::invalid_argument(name)))
            .transpose()
    }

    /// This element read as a managed object reference (`type` attribute + text).
    pub fn as_moref(&self) -> Option<MoRef> {
        let ty = self.attr("type")?;
        Some(MoRef::new(ty.to_string(), self.text.trim().to_string()))
    }

    /// Child `name` as a managed object reference.
    pub fn moref_of(&self, name: &str) -> Result<Option<MoRef>, Fault> {
        match self.child(name) {
            None => Ok(None),
            Some(c) => c
                .as_moref()
                .map(Some)
                .ok_or_else(|| Fault::invalid_argument(name)),
        }
    }

    /// Child `name` as a required managed object reference.
    pub fn req_moref(&self, name: &str) -> Result<MoRef, Fault> {
        self.moref_of(name)?
            .ok_or_else(|| Fault::missing_argument(name))
    }

    /// All `name` children as strings (an `xsd:string` array argument).
    pub fn strings_of(&self, name: &str) -> Vec<String> {
        self.children_named(name).map(|c| c.text.clone()).collect()
    }

    /// The `xsi:type` or, when absent, `default`.
    pub fn type_or<'a>(&'a self, default: &'a str) -> &'a str {
        self.xsi_type.as_deref().unwrap_or(default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_request() {
        let xml = br#"<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><Login xmlns="urn:vim25"><_this type="SessionManager">ha-sessionmgr</_this><userName>root</userName><password>a&amp;b&#65;</password><x xsi:type="vim25:VirtualDisk"/></Login></soapenv:Body></soapenv:Envelope>"#;
        let env = Element::parse(xml).unwrap();
        let body = env.child("Body").unwrap();
        let login = &body.children[0];
        assert_eq!(login.name, "Login");
        assert_eq!(
            login.req_moref("_this").unwrap(),
            MoRef::new("SessionManager", "ha-sessionmgr")
        );
        assert_eq!(login.text_of("password"), Some("a&bA"));
        assert_eq!(
            login.child("x").unwrap().xsi_type.as_deref(),
            Some("VirtualDisk")
        );
    }

    #[test]
    fn refuses_dtd() {
        let xml = br#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>"#;
        assert!(matches!(Element::parse(xml), Err(ParseError::Dtd)));
        assert!(Element::parse(b"<a><b></a>").is_err());
        assert!(Element::parse(b"").is_err());
    }
}
