//! The SOAP XML runtime the generated code builds on: a pull decoder over quick-xml events
//! that hands each element to the typed decoder of its declared type (no DOM), and a writer
//! that escapes every string.
//!
//! Tolerance rules (real servers differ): `xsi:type` is recognised under any prefix bound
//! to the XML Schema instance namespace; an element without `xsi:type` is its declared
//! type; unknown elements are skipped; array items may or may not carry `xsi:type`; an
//! unknown subtype decodes as the declared type. DTDs and entity declarations are refused.

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};

use crate::generated::Value;

/// The XML Schema instance namespace (`xsi:`).
pub const XSI_NS: &[u8] = b"http://www.w3.org/2001/XMLSchema-instance";

/// Why a document could not be decoded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecodeError {
    /// Not well-formed XML.
    #[error("malformed XML: {0}")]
    Malformed(String),
    /// The document ends inside an element.
    #[error("the XML document ends early (truncated)")]
    Truncated,
    /// A DOCTYPE (and so possibly entity declarations) was present.
    #[error("the XML document has a DTD; DTDs and entity declarations are refused")]
    Dtd,
    /// An entity reference other than the five XML ones or a character reference.
    #[error("unknown entity reference &{0};")]
    Entity(String),
    /// A value that does not parse as its declared type.
    #[error("invalid {kind} value {value:?} in <{element}>")]
    Value {
        kind: &'static str,
        value: String,
        element: String,
    },
    /// The document is XML but not the expected shape.
    #[error("{0}")]
    Unexpected(String),
}

impl From<quick_xml::Error> for DecodeError {
    fn from(e: quick_xml::Error) -> Self {
        DecodeError::Malformed(e.to_string().replace('\n', " "))
    }
}

/// One start (or empty) element: its local name, the local part of its `xsi:type`, its
/// unprefixed `type` attribute (managed object references), and whether it is empty.
pub struct Tag<'a> {
    ev: BytesStart<'a>,
    local: (usize, usize),
    xsi_type: Option<(usize, usize)>,
    type_attr: Option<(usize, usize)>,
    /// `<x/>`: no content and no end tag follow.
    pub empty: bool,
}

impl<'a> Tag<'a> {
    /// The element's name without prefix.
    #[inline]
    pub fn local(&self) -> &[u8] {
        &self.ev[self.local.0..self.local.1]
    }

    /// The `xsi:type` value without its prefix (`xsd:string` -> `string`).
    #[inline]
    pub fn xsi_type(&self) -> Option<&[u8]> {
        self.xsi_type.map(|(a, b)| &self.ev[a..b])
    }

    /// The unprefixed `type` attribute (the managed object type of a reference).
    #[inline]
    pub fn type_attr(&self) -> Option<&[u8]> {
        self.type_attr.map(|(a, b)| &self.ev[a..b])
    }

    /// The local name as text (for messages).
    pub fn name_lossy(&self) -> String {
        String::from_utf8_lossy(self.local()).into_owned()
    }
}

/// A pull decoder over one document held in memory.
pub struct XmlReader<'a> {
    r: quick_xml::Reader<&'a [u8]>,
    input: &'a [u8],
    depth: u32,
    /// Prefixes bound to the XSI namespace, with the depth of the element that bound them.
    xsi: Vec<(u32, Vec<u8>)>,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

impl<'a> XmlReader<'a> {
    /// A reader over `input` (UTF-8).
    pub fn new(input: &'a [u8]) -> Self {
        let mut r = quick_xml::Reader::from_reader(input);
        let c = r.config_mut();
        c.check_end_names = true;
        c.expand_empty_elements = false;
        c.trim_text(false);
        XmlReader {
            r,
            input,
            depth: 0,
            xsi: Vec::new(),
        }
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> usize {
        self.r.buffer_position() as usize
    }

    fn make_tag(&mut self, ev: BytesStart<'a>, empty: bool) -> Result<Tag<'a>, DecodeError> {
        let name_len = ev.name().as_ref().len();
        let raw: &[u8] = &ev;
        let name = &raw[..name_len];
        let local_start = name.iter().rposition(|&b| b == b':').map_or(0, |p| p + 1);
        let mut tag = Tag {
            local: (local_start, name_len),
            xsi_type: None,
            type_attr: None,
            empty,
            ev: BytesStart::new(""),
        };
        if name_len < raw.len() {
            // Scan attributes by hand: no allocation, ranges into the element's bytes.
            let mut typed: Option<((usize, usize), (usize, usize))> = None; // (prefix, value)
            let mut bound_here = false;
            let mut i = name_len;
            let n = raw.len();
            loop {
                while i < n && is_ws(raw[i]) {
                    i += 1;
                }
                if i >= n {
                    break;
                }
                let ks = i;
                while i < n && raw[i] != b'=' && !is_ws(raw[i]) {
                    i += 1;
                }
                let ke = i;
                while i < n && is_ws(raw[i]) {
                    i += 1;
                }
                if i >= n || raw[i] != b'=' {
                    return Err(DecodeError::Malformed(format!(
                        "attribute without value in <{}>",
                        String::from_utf8_lossy(name)
                    )));
                }
                i += 1;
                while i < n && is_ws(raw[i]) {
                    i += 1;
                }
                if i >= n || (raw[i] != b'"' && raw[i] != b'\'') {
                    return Err(DecodeError::Malformed(format!(
                        "unquoted attribute value in <{}>",
                        String::from_utf8_lossy(name)
                    )));
                }
                let q = raw[i];
                i += 1;
                let vs = i;
                while i < n && raw[i] != q {
                    i += 1;
                }
                if i >= n {
                    return Err(DecodeError::Malformed(
                        "unterminated attribute value".into(),
                    ));
                }
                let ve = i;
                i += 1;
                let key = &raw[ks..ke];
                let val = &raw[vs..ve];
                if let Some(prefix) = key.strip_prefix(b"xmlns:") {
                    if val == XSI_NS {
                        self.xsi.push((self.depth + 1, prefix.to_vec()));
                        bound_here = true;
                    }
                } else if key == b"type" {
                    tag.type_attr = Some((vs, ve));
                } else if let Some(p) = key.iter().position(|&b| b == b':') {
                    if &key[p + 1..] == b"type" {
                        typed = Some(((ks, ks + p), (vs, ve)));
                    }
                }
            }
            if let Some(((ps, pe), (vs, ve))) = typed {
                let prefix = &raw[ps..pe];
                let bound = self.xsi.iter().any(|(_, p)| p == prefix)
                    // Tolerate an undeclared conventional prefix.
                    || (prefix == b"xsi" && self.xsi.is_empty());
                if bound {
                    let v = &raw[vs..ve];
                    let start = v
                        .iter()
                        .rposition(|&b| b == b':')
                        .map_or(vs, |p| vs + p + 1);
                    tag.xsi_type = Some((start, ve));
                }
            }
            if empty && bound_here {
                let d = self.depth + 1;
                self.xsi.retain(|(depth, _)| *depth != d);
            }
        }
        tag.ev = ev;
        Ok(tag)
    }

    fn end_element(&mut self) {
        let d = self.depth;
        if self.xsi.last().is_some_and(|(depth, _)| *depth >= d) {
            self.xsi.retain(|(depth, _)| *depth < d);
        }
        self.depth = self.depth.saturating_sub(1);
    }

    /// The document element (after the XML declaration, comments and whitespace).
    pub fn root(&mut self) -> Result<Tag<'a>, DecodeError> {
        loop {
            match self.r.read_event()? {
                Event::Start(e) => {
                    let t = self.make_tag(e, false)?;
                    self.depth += 1;
                    return Ok(t);
                }
                Event::Empty(e) => return self.make_tag(e, true),
                Event::DocType(_) => return Err(DecodeError::Dtd),
                Event::Eof => {
                    return Err(if self.input.iter().all(|b| is_ws(*b)) {
                        DecodeError::Unexpected("empty response body".into())
                    } else {
                        DecodeError::Truncated
                    })
                }
                Event::Text(t) if t.iter().all(|b| is_ws(*b)) => {}
                Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
                _ => {
                    return Err(DecodeError::Unexpected(
                        "content before the document element".into(),
                    ))
                }
            }
        }
    }

    /// The next child element of the element being read, or `None` after its end tag.
    #[inline]
    pub fn next_child(&mut self) -> Result<Option<Tag<'a>>, DecodeError> {
        loop {
            match self.r.read_event()? {
                Event::Start(e) => {
                    let t = self.make_tag(e, false)?;
                    self.depth += 1;
                    return Ok(Some(t));
                }
                Event::Empty(e) => return Ok(Some(self.make_tag(e, true)?)),
                Event::End(_) => {
                    self.end_element();
                    return Ok(None);
                }
                Event::Eof => return Err(DecodeError::Truncated),
                Event::DocType(_) => return Err(DecodeError::Dtd),
                Event::GeneralRef(r) => check_ref(&r)?,
                _ => {}
            }
        }
    }

    /// Skips the rest of `tag` (its content and end tag).
    pub fn skip(&mut self, tag: &Tag<'a>) -> Result<(), DecodeError> {
        if tag.empty {
            return Ok(());
        }
        let target = self.depth - 1;
        loop {
            match self.r.read_event()? {
                Event::Start(e) => {
                    if e.attributes_raw().windows(6).any(|w| w == b"xmlns:") {
                        // Keep bindings consistent for the element's subtree.
                        let _ = self.make_tag(e, false)?;
                    }
                    self.depth += 1;
                }
                Event::End(_) => {
                    self.end_element();
                    if self.depth == target {
                        return Ok(());
                    }
                }
                Event::Eof => return Err(DecodeError::Truncated),
                Event::DocType(_) => return Err(DecodeError::Dtd),
                Event::GeneralRef(r) => check_ref(&r)?,
                _ => {}
            }
        }
    }

    /// The text content of `tag` (child elements, if any, are skipped), through its end tag.
    #[inline]
    pub fn text(&mut self, tag: &Tag<'a>) -> Result<Cow<'a, str>, DecodeError> {
        if tag.empty {
            return Ok(Cow::Borrowed(""));
        }
        let mut out: Option<Cow<'a, str>> = None;
        loop {
            match self.r.read_event()? {
                Event::Text(t) => {
                    let s = t
                        .decode()
                        .map_err(|e| DecodeError::Malformed(e.to_string()))?;
                    out = Some(match out {
                        None => s,
                        Some(prev) => Cow::Owned(prev.into_owned() + &s),
                    });
                }
                Event::CData(t) => {
                    let s = t
                        .decode()
                        .map_err(|e| DecodeError::Malformed(e.to_string()))?;
                    out = Some(Cow::Owned(
                        out.map(|p| p.into_owned()).unwrap_or_default() + &s,
                    ));
                }
                Event::GeneralRef(r) => {
                    let c = resolve_ref(&r)?;
                    let mut s = out.map(|p| p.into_owned()).unwrap_or_default();
                    s.push(c);
                    out = Some(Cow::Owned(s));
                }
                Event::Start(e) => {
                    let t = self.make_tag(e, false)?;
                    self.depth += 1;
                    self.skip(&t)?;
                }
                Event::End(_) => {
                    self.end_element();
                    return Ok(out.unwrap_or(Cow::Borrowed("")));
                }
                Event::Eof => return Err(DecodeError::Truncated),
                Event::DocType(_) => return Err(DecodeError::Dtd),
                _ => {}
            }
        }
    }

    /// The raw (still escaped) XML content of `tag`, through its end tag.
    pub fn raw_content(&mut self, tag: &Tag<'a>) -> Result<String, DecodeError> {
        if tag.empty {
            return Ok(String::new());
        }
        let start = self.position();
        let target = self.depth - 1;
        let end;
        loop {
            let before = self.position();
            match self.r.read_event()? {
                Event::Start(_) => self.depth += 1,
                Event::End(_) => {
                    self.end_element();
                    if self.depth == target {
                        end = before;
                        break;
                    }
                }
                Event::Eof => return Err(DecodeError::Truncated),
                Event::DocType(_) => return Err(DecodeError::Dtd),
                _ => {}
            }
        }
        Ok(String::from_utf8_lossy(&self.input[start..end.max(start)]).into_owned())
    }
}

fn check_ref(r: &quick_xml::events::BytesRef<'_>) -> Result<(), DecodeError> {
    resolve_ref(r).map(|_| ())
}

fn resolve_ref(r: &quick_xml::events::BytesRef<'_>) -> Result<char, DecodeError> {
    let name: &[u8] = r;
    Ok(match name {
        b"amp" => '&',
        b"lt" => '<',
        b"gt" => '>',
        b"quot" => '"',
        b"apos" => '\'',
        _ => {
            let bad = || DecodeError::Entity(String::from_utf8_lossy(name).into_owned());
            let num = name.strip_prefix(b"#").ok_or_else(bad)?;
            let s = std::str::from_utf8(num).map_err(|_| bad())?;
            let code = match s.strip_prefix('x').or_else(|| s.strip_prefix('X')) {
                Some(hex) => u32::from_str_radix(hex, 16),
                None => s.parse::<u32>(),
            }
            .map_err(|_| bad())?;
            char::from_u32(code).ok_or_else(bad)?
        }
    })
}

/// Unescapes the five XML entities and character references in an attribute value.
pub fn unescape_attr(v: &[u8]) -> Result<String, DecodeError> {
    let s = String::from_utf8_lossy(v);
    if !s.contains('&') {
        return Ok(s.into_owned());
    }
    quick_xml::escape::unescape(&s)
        .map(|c| c.into_owned())
        .map_err(|e| DecodeError::Malformed(e.to_string()))
}

/// A VI data object type: its name, and its properties decoded one child element at a
/// time and encoded in wire order (inherited properties first).
pub trait DataObject {
    /// The type's VI name (its `xsi:type`).
    const TYPE_NAME: &'static str;
    /// Decodes `tag` into the property of that name; `false` when no property has it.
    fn decode_field<'x>(
        &mut self,
        r: &mut XmlReader<'x>,
        tag: &Tag<'x>,
    ) -> Result<bool, DecodeError>;
    /// Writes every property that has a value.
    fn encode_fields(&self, w: &mut XmlWriter);
}

/// A type decodable from one element (the element's start tag has been read).
pub trait Decode: Sized {
    fn decode<'x>(r: &mut XmlReader<'x>, tag: &Tag<'x>) -> Result<Self, DecodeError>;
}

/// A type encodable as one element named `name`.
pub trait Encode {
    fn encode(&self, w: &mut XmlWriter, name: &str);
}

/// Decodes a data object: each child goes to the property of that name (own or inherited);
/// children the type does not know are skipped.
#[inline]
pub fn decode_struct<'x, T: DataObject + Default>(
    r: &mut XmlReader<'x>,
    tag: &Tag<'x>,
) -> Result<T, DecodeError> {
    let mut v = T::default();
    if tag.empty {
        return Ok(v);
    }
    while let Some(child) = r.next_child()? {
        if !v.decode_field(r, &child)? {
            r.skip(&child)?;
        }
    }
    Ok(v)
}

/// Decodes the items of an `ArrayOfX` value (each child element is one item).
pub fn decode_array<'x, T: Decode>(
    r: &mut XmlReader<'x>,
    tag: &Tag<'x>,
) -> Result<Vec<T>, DecodeError> {
    let mut out = Vec::new();
    if tag.empty {
        return Ok(out);
    }
    while let Some(child) = r.next_child()? {
        out.push(T::decode(r, &child)?);
    }
    Ok(out)
}

/// An anyType value without `xsi:type`: its text (an empty element is `Value::None`).
pub fn decode_untyped<'x>(r: &mut XmlReader<'x>, tag: &Tag<'x>) -> Result<Value, DecodeError> {
    if tag.empty {
        return Ok(Value::None);
    }
    Ok(Value::String(r.text(tag)?.into_owned()))
}

/// Encodes a data object with its `xsi:type`.
pub fn encode_typed<T: DataObject>(v: &T, w: &mut XmlWriter, name: &str) {
    w.start_typed(name, T::TYPE_NAME);
    v.encode_fields(w);
    w.end(name);
}

/// A primitive or enum value in an anyType position, with its `xsi:type`.
pub fn encode_prim_typed<T: WireText + ?Sized>(w: &mut XmlWriter, name: &str, ty: &str, v: &T) {
    w.start_typed(name, ty);
    v.write_text(w);
    w.end(name);
}

/// An `ArrayOfX` value: the array element typed, each item named after the item type.
pub fn encode_array<T: Encode>(
    w: &mut XmlWriter,
    name: &str,
    array_type: &str,
    item: &str,
    v: &[T],
) {
    w.start_typed(name, array_type);
    for x in v {
        x.encode(w, item);
    }
    w.end(name);
}

/// Values written as element text.
pub trait WireText {
    fn write_text(&self, w: &mut XmlWriter);
}

macro_rules! num_codec {
    ($($t:ty => $kind:literal),*) => {$(
        impl Decode for $t {
            #[inline]
            fn decode<'x>(r: &mut XmlReader<'x>, tag: &Tag<'x>) -> Result<Self, DecodeError> {
                let t = r.text(tag)?;
                t.trim().parse::<$t>().map_err(|_| DecodeError::Value {
                    kind: $kind,
                    value: t.chars().take(64).collect(),
                    element: tag.name_lossy(),
                })
            }
        }
        impl WireText for $t {
            fn write_text(&self, w: &mut XmlWriter) {
                use std::fmt::Write as _;
                let _ = write!(w.buf, "{}", self);
            }
        }
        impl Encode for $t {
            fn encode(&self, w: &mut XmlWriter, name: &str) {
                w.start(name);
                self.write_text(w);
                w.end(name);
            }
        }
    )*};
}
num_codec!(i8 => "byte", i16 => "short", i32 => "int", i64 => "long", f32 => "float", f64 => "double");

impl Decode for bool {
    #[inline]
    fn decode<'x>(r: &mut XmlReader<'x>, tag: &Tag<'x>) -> Result<Self, DecodeError> {
        let t = r.text(tag)?;
        match t.trim() {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            other => Err(DecodeError::Value {
                kind: "boolean",
                value: other.chars().take(64).collect(),
                element: tag.name_lossy(),
            }),
        }
    }
}
impl WireText for bool {
    fn write_text(&self, w: &mut XmlWriter) {
        w.buf.push_str(if *self { "true" } else { "false" });
    }
}
impl Encode for bool {
    fn encode(&self, w: &mut XmlWriter, name: &str) {
        w.start(name);
        self.write_text(w);
        w.end(name);
    }
}

impl Decode for String {
    #[inline]
    fn decode<'x>(r: &mut XmlReader<'x>, tag: &Tag<'x>) -> Result<Self, DecodeError> {
        Ok(r.text(tag)?.into_owned())
    }
}
impl WireText for str {
    fn write_text(&self, w: &mut XmlWriter) {
        w.text(self);
    }
}
impl WireText for String {
    fn write_text(&self, w: &mut XmlWriter) {
        w.text(self);
    }
}
impl Encode for str {
    fn encode(&self, w: &mut XmlWriter, name: &str) {
        w.simple(name, self);
    }
}
impl Encode for String {
    fn encode(&self, w: &mut XmlWriter, name: &str) {
        w.simple(name, self);
    }
}
impl<T: Encode + ?Sized> Encode for &T {
    fn encode(&self, w: &mut XmlWriter, name: &str) {
        (**self).encode(w, name);
    }
}
impl<T: Decode> Decode for Box<T> {
    #[inline]
    fn decode<'x>(r: &mut XmlReader<'x>, tag: &Tag<'x>) -> Result<Self, DecodeError> {
        Ok(Box::new(T::decode(r, tag)?))
    }
}
impl<T: Encode + ?Sized> Encode for Box<T> {
    fn encode(&self, w: &mut XmlWriter, name: &str) {
        (**self).encode(w, name);
    }
}

/// A reference to a managed object: its type (`VirtualMachine`) and id (`vm-42`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ManagedObjectReference {
    /// The managed object type, e.g. `VirtualMachine`.
    pub type_: String,
    /// The managed object id, e.g. `vm-42`.
    pub value: String,
}

impl ManagedObjectReference {
    /// A reference to object `value` of type `type_`.
    pub fn new(type_: impl Into<String>, value: impl Into<String>) -> Self {
        ManagedObjectReference {
            type_: type_.into(),
            value: value.into(),
        }
    }

    /// Encodes with `xsi:type="ManagedObjectReference"` (in an anyType position).
    pub fn encode_typed(&self, w: &mut XmlWriter, name: &str) {
        w.buf.push('<');
        w.buf.push_str(name);
        w.buf
            .push_str(" xsi:type=\"ManagedObjectReference\" type=\"");
        escape_into(&mut w.buf, &self.type_, true);
        w.buf.push_str("\">");
        w.text(&self.value);
        w.end(name);
    }
}

impl std::fmt::Display for ManagedObjectReference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.type_, self.value)
    }
}

impl Decode for ManagedObjectReference {
    #[inline]
    fn decode<'x>(r: &mut XmlReader<'x>, tag: &Tag<'x>) -> Result<Self, DecodeError> {
        let type_ = match tag.type_attr() {
            Some(t) => unescape_attr(t)?,
            None => String::new(),
        };
        let value = r.text(tag)?.trim().to_string();
        Ok(ManagedObjectReference { type_, value })
    }
}

impl Encode for ManagedObjectReference {
    fn encode(&self, w: &mut XmlWriter, name: &str) {
        w.buf.push('<');
        w.buf.push_str(name);
        w.buf.push_str(" type=\"");
        escape_into(&mut w.buf, &self.type_, true);
        w.buf.push_str("\">");
        w.text(&self.value);
        w.end(name);
    }
}

/// Escapes `s` for XML text (`&`, `<`, `>`, carriage return) or, with `attr`, also `"`.
pub fn escape_into(out: &mut String, s: &str, attr: bool) {
    let bytes = s.as_bytes();
    let mut last = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' if attr => "&quot;",
            b'\r' => "&#13;",
            b'\t' if attr => "&#9;",
            b'\n' if attr => "&#10;",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&s[last..]);
}

/// The start of every SOAP envelope this crate writes (namespaces `xsd` and `xsi` bound).
pub const ENVELOPE_START: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<soapenv:Envelope xmlns:soapenc=\"http://schemas.xmlsoap.org/soap/encoding/\" xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>";
/// The end of every SOAP envelope this crate writes.
pub const ENVELOPE_END: &str = "</soapenv:Body></soapenv:Envelope>";

/// Builds XML into a string; every text and attribute value is escaped.
#[derive(Default)]
pub struct XmlWriter {
    /// The document so far.
    pub buf: String,
}

impl XmlWriter {
    /// An empty writer.
    pub fn new() -> Self {
        XmlWriter {
            buf: String::with_capacity(512),
        }
    }

    /// A SOAP request envelope opened up to `<METHOD xmlns="urn:vim25">`.
    pub fn request(method: &str) -> Self {
        let mut w = XmlWriter {
            buf: String::with_capacity(1024),
        };
        w.buf.push_str(ENVELOPE_START);
        w.buf.push('<');
        w.buf.push_str(method);
        w.buf.push_str(" xmlns=\"urn:vim25\">");
        w
    }

    /// Closes what [`XmlWriter::request`] opened and returns the document.
    pub fn finish_request(mut self, method: &str) -> String {
        self.end(method);
        self.buf.push_str(ENVELOPE_END);
        self.buf
    }

    /// `<name>`
    #[inline]
    pub fn start(&mut self, name: &str) {
        self.buf.push('<');
        self.buf.push_str(name);
        self.buf.push('>');
    }

    /// `<name xsi:type="ty">`
    #[inline]
    pub fn start_typed(&mut self, name: &str, ty: &str) {
        self.buf.push('<');
        self.buf.push_str(name);
        self.buf.push_str(" xsi:type=\"");
        escape_into(&mut self.buf, ty, true);
        self.buf.push_str("\">");
    }

    /// `</name>`
    #[inline]
    pub fn end(&mut self, name: &str) {
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push('>');
    }

    /// `<name/>`
    pub fn empty(&mut self, name: &str) {
        self.buf.push('<');
        self.buf.push_str(name);
        self.buf.push_str("/>");
    }

    /// Escaped text.
    #[inline]
    pub fn text(&mut self, s: &str) {
        escape_into(&mut self.buf, s, false);
    }

    /// `<name>escaped text</name>`
    #[inline]
    pub fn simple(&mut self, name: &str, s: &str) {
        self.start(name);
        self.text(s);
        self.end(name);
    }

    /// `<name xsi:type="ty">` + already-escaped XML + `</name>` (an `Unknown` value).
    pub fn raw_typed(&mut self, name: &str, ty: &str, xml: &str) {
        self.start_typed(name, ty);
        self.buf.push_str(xml);
        self.end(name);
    }
}

/// Decodes a whole standalone document whose root element is a `T`.
pub fn decode_document<T: Decode>(xml: &[u8]) -> Result<T, DecodeError> {
    let mut r = XmlReader::new(xml);
    let root = r.root()?;
    T::decode(&mut r, &root)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::*;

    fn doc<T: Decode>(xml: &str) -> T {
        decode_document::<T>(xml.as_bytes()).unwrap()
    }

    #[test]
    fn xsi_type_under_any_prefix() {
        let xml = r#"<val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="xsd:int">42</val>"#;
        assert_eq!(doc::<Value>(xml), Value::Int(42));
        // A prefix bound to some other namespace is not xsi.
        let xml = r#"<val xmlns:foo="urn:other" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" foo:type="xsd:int">42</val>"#;
        assert_eq!(doc::<Value>(xml), Value::String("42".into()));
        // A binding on an ancestor applies.
        let xml = r#"<root xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><val i:type="xsd:boolean">true</val></root>"#;
        let mut r = XmlReader::new(xml.as_bytes());
        let root = r.root().unwrap();
        let child = r.next_child().unwrap().unwrap();
        assert_eq!(Value::decode(&mut r, &child).unwrap(), Value::Boolean(true));
        assert!(r.next_child().unwrap().is_none());
        let _ = root;
    }

    #[test]
    fn missing_xsi_type_means_declared_type() {
        let xml = r#"<device xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><key>4000</key><macAddress>00:50:56:aa:bb:cc</macAddress></device>"#;
        let d: AnyVirtualDevice = doc(xml);
        assert_eq!(d.type_name(), "VirtualDevice");
        assert_eq!(d.key, 4000);
        let xml = r#"<info><name>ds1</name><url>ds:///vmfs/volumes/x/</url><freeSpace>10</freeSpace><maxFileSize>20</maxFileSize></info>"#;
        let i: AnyDatastoreInfo = doc(xml);
        assert_eq!(i.name, "ds1");
        assert_eq!(i.free_space, 10);
    }

    #[test]
    fn unknown_elements_are_skipped() {
        let xml = r#"<about><name>VMware ESXi</name><futureThing><deep a="1"><x/>text</deep></futureThing><apiVersion>8.0.1.0</apiVersion><apiType>HostAgent</apiType></about>"#;
        let a: AboutInfo = doc(xml);
        assert_eq!(a.name, "VMware ESXi");
        assert_eq!(a.api_version, "8.0.1.0");
        assert_eq!(a.api_type, "HostAgent");
    }

    #[test]
    fn arrays_with_and_without_item_types() {
        let typed = r#"<val xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="ArrayOfVirtualDevice"><VirtualDevice xsi:type="VirtualDisk"><key>2000</key><capacityInKB>1024</capacityInKB></VirtualDevice><VirtualDevice xsi:type="VirtualE1000"><key>4000</key><macAddress>m</macAddress></VirtualDevice></val>"#;
        let Value::ArrayOfVirtualDevice(v) = doc::<Value>(typed) else {
            panic!("not an array")
        };
        assert_eq!(v.len(), 2);
        match &v[0] {
            AnyVirtualDevice::VirtualDisk(d) => assert_eq!(d.capacity_in_kb, 1024),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            v[1].as_virtual_ethernet_card()
                .unwrap()
                .mac_address
                .as_deref(),
            Some("m")
        );
        let untyped = r#"<val xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="ArrayOfString"><string>a</string><string>b &amp; c</string></val>"#;
        assert_eq!(
            doc::<Value>(untyped),
            Value::ArrayOfString(vec!["a".into(), "b & c".into()])
        );
        let morefs = r#"<val xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="ArrayOfManagedObjectReference"><ManagedObjectReference type="VirtualMachine">vm-1</ManagedObjectReference><ManagedObjectReference xsi:type="ManagedObjectReference" type="VirtualMachine">vm-2</ManagedObjectReference></val>"#;
        let Value::ArrayOfManagedObjectReference(m) = doc::<Value>(morefs) else {
            panic!()
        };
        assert_eq!(m[1], ManagedObjectReference::new("VirtualMachine", "vm-2"));
    }

    #[test]
    fn unknown_subtype_falls_back_to_declared_base() {
        let xml = r#"<device xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="VirtualFutureNic"><key>4001</key><unitNumber>7</unitNumber></device>"#;
        let d: AnyVirtualDevice = doc(xml);
        assert_eq!(d.type_name(), "VirtualDevice");
        assert_eq!((d.key, d.unit_number), (4001, Some(7)));
        // An anyType value of an unknown type keeps its name and XML.
        let xml = r#"<val xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="SomethingNew"><a>1</a></val>"#;
        match doc::<Value>(xml) {
            Value::Unknown { type_name, xml } => {
                assert_eq!(type_name, "SomethingNew");
                assert_eq!(xml, "<a>1</a>");
            }
            other => panic!("{other:?}"),
        }
        // A known subtype nested deeper than the declared type still decodes exactly.
        let xml = r#"<backing xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="VirtualDiskFlatVer2BackingInfo"><fileName>[ds] a/a.vmdk</fileName><diskMode>persistent</diskMode><parent><fileName>[ds] a/base.vmdk</fileName><diskMode>persistent</diskMode></parent></backing>"#;
        let b: AnyVirtualDeviceBackingInfo = doc(xml);
        let f = b.as_virtual_device_file_backing_info().unwrap();
        assert_eq!(f.file_name, "[ds] a/a.vmdk");
        let AnyVirtualDeviceBackingInfo::VirtualDiskFlatVer2BackingInfo(v2) = b else {
            panic!()
        };
        assert_eq!(v2.parent.unwrap().file_name, "[ds] a/base.vmdk");
    }

    #[test]
    fn dtd_and_unknown_entities_are_refused() {
        let xml = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>"#;
        assert_eq!(
            decode_document::<String>(xml.as_bytes()),
            Err(DecodeError::Dtd)
        );
        let xml = r#"<x>a &e; b</x>"#;
        assert!(matches!(
            decode_document::<String>(xml.as_bytes()),
            Err(DecodeError::Entity(_))
        ));
        assert_eq!(
            decode_document::<String>(b"<x>&#65;&#x42;&lt;</x>").unwrap(),
            "AB<"
        );
    }

    #[test]
    fn truncated_and_malformed_are_errors() {
        assert_eq!(
            decode_document::<AboutInfo>(b"<about><name>x</name>"),
            Err(DecodeError::Truncated)
        );
        assert!(decode_document::<AboutInfo>(b"<about><name>x</nam></about>").is_err());
        assert!(decode_document::<AboutInfo>(b"").is_err());
        assert!(decode_document::<i32>(b"<n>abc</n>").is_err());
    }

    #[test]
    fn encoding_escapes_and_types() {
        let mut w = XmlWriter::new();
        let spec = VirtualMachineConfigSpec {
            name: Some("a<b>&\"c\"".into()),
            annotation: Some("line1\r\nline2".into()),
            device_change: vec![VirtualDeviceConfigSpec {
                operation: Some(VirtualDeviceConfigSpecOperation::Add),
                device: VirtualCdrom::default().into(),
                ..Default::default()
            }],
            extra_config: vec![OptionValue {
                key: "k".into(),
                value: Some(Value::String("v&".into())),
            }
            .into()],
            ..Default::default()
        };
        spec.encode(&mut w, "spec");
        assert_eq!(
            w.buf,
            "<spec><name>a&lt;b&gt;&amp;\"c\"</name><annotation>line1&#13;\nline2</annotation>\
             <deviceChange><operation>add</operation><device xsi:type=\"VirtualCdrom\"><key>0</key></device></deviceChange>\
             <extraConfig xsi:type=\"OptionValue\"><key>k</key><value xsi:type=\"xsd:string\">v&amp;</value></extraConfig></spec>"
        );
        // And it decodes back to the same value.
        let doc = format!(
            "<spec xmlns:xsi=\"{}\">{}</spec>",
            "http://www.w3.org/2001/XMLSchema-instance",
            &w.buf[6..w.buf.len() - 7]
        );
        let back: VirtualMachineConfigSpec = decode_document(doc.as_bytes()).unwrap();
        assert_eq!(back, spec);
    }

    #[test]
    fn moref_type_attribute() {
        let m: ManagedObjectReference = doc(r#"<obj type="VirtualMachine">vm-7</obj>"#);
        assert_eq!(m.to_string(), "VirtualMachine:vm-7");
        let mut w = XmlWriter::new();
        m.encode(&mut w, "_this");
        assert_eq!(w.buf, r#"<_this type="VirtualMachine">vm-7</_this>"#);
    }
}
