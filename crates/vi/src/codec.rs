//! The SOAP XML runtime the generated code builds on: a pull decoder (its own small
//! tokenizer over the input slice) that hands each element to the typed decoder of its declared type (no DOM), and a writer
//! that escapes every string.
//!
//! Tolerance rules (real servers differ): `xsi:type` is recognised under any prefix bound
//! to the XML Schema instance namespace; an element without `xsi:type` is its declared
//! type; unknown elements are skipped; array items may or may not carry `xsi:type`; an
//! unknown subtype decodes as the declared type. DTDs and entity declarations are refused,
//! and so is nesting deeper than [`MAX_DEPTH`] (the typed decoding recurses per level).

use esxvirt_util::xml::Escape;
use std::borrow::Cow;

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
    /// Elements nested deeper than [`MAX_DEPTH`].
    #[error("the XML document nests elements more than {0} levels deep")]
    TooDeep(usize),
}

/// How deeply elements may nest. Typed decoding recurses once per level, so without a bound a
/// small hostile document (`<parent>` a hundred thousand times) would overflow the stack; real
/// vSphere documents stay far below it (a disk backing or snapshot tree gains a level per
/// snapshot, and vSphere supports 32 snapshots in a chain).
pub const MAX_DEPTH: usize = 256;

/// One start (or empty) element: its local name, the local part of its `xsi:type`, its
/// unprefixed `type` attribute (managed object references), and whether it is empty.
pub struct Tag<'a> {
    local: &'a [u8],
    xsi_type: Option<&'a [u8]>,
    type_attr: Option<&'a [u8]>,
    /// `<x/>`: no content and no end tag follow.
    pub empty: bool,
}

impl<'a> Tag<'a> {
    /// The element's name without prefix.
    #[inline]
    pub fn local(&self) -> &'a [u8] {
        self.local
    }

    /// The `xsi:type` value without its prefix (`xsd:string` -> `string`).
    #[inline]
    pub fn xsi_type(&self) -> Option<&'a [u8]> {
        self.xsi_type
    }

    /// The unprefixed `type` attribute (the managed object type of a reference).
    #[inline]
    pub fn type_attr(&self) -> Option<&'a [u8]> {
        self.type_attr
    }

    /// The local name as text (for messages).
    pub fn name_lossy(&self) -> String {
        String::from_utf8_lossy(self.local).into_owned()
    }
}

/// What the tokenizer found next.
enum Token<'a> {
    Start(Tag<'a>),
    Empty(Tag<'a>),
    End,
    /// Character data, still escaped (`cdata`: literal, from a CDATA section).
    Text {
        raw: &'a str,
        cdata: bool,
    },
    Eof,
}

/// A pull decoder over one document held in memory. Its tokenizer is written for SOAP: it
/// checks well-formedness of tags (names, quoting, matching end tags), refuses DTDs, and
/// hands out slices of the input, so decoding allocates only for the values it keeps.
pub struct XmlReader<'a> {
    input: &'a [u8],
    /// The input as text (validated once, so text slices need no further checks).
    src: &'a str,
    utf8_error: Option<String>,
    pos: usize,
    /// Qualified names of the open elements, for end-tag matching.
    open: Vec<&'a [u8]>,
    /// Prefixes bound to the XSI namespace, with the depth of the element that bound them.
    xsi: Vec<(usize, &'a [u8])>,
}

/// Bytes that end an element name: whitespace, `>` and `/`.
static NAME_STOP: [bool; 256] = {
    let mut t = [false; 256];
    t[b' ' as usize] = true;
    t[b'\t' as usize] = true;
    t[b'\r' as usize] = true;
    t[b'\n' as usize] = true;
    t[b'>' as usize] = true;
    t[b'/' as usize] = true;
    t
};

#[inline]
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

impl<'a> XmlReader<'a> {
    /// A reader over `input` (UTF-8).
    pub fn new(input: &'a [u8]) -> Self {
        // Invalid UTF-8: nothing is read (root() reports it; other calls see an empty input).
        let (input, src, utf8_error) = match std::str::from_utf8(input) {
            Ok(s) => (input, s, None),
            Err(e) => (&b""[..], "", Some(e.to_string())),
        };
        XmlReader {
            input,
            src,
            utf8_error,
            pos: 0,
            open: Vec::with_capacity(32),
            xsi: Vec::new(),
        }
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    fn depth(&self) -> usize {
        self.open.len()
    }

    fn malformed(&self, what: &str) -> DecodeError {
        DecodeError::Malformed(format!("{what} at byte {}", self.pos))
    }

    /// Parses a start tag; `self.pos` is just after `<`.
    fn start_tag(&mut self) -> Result<Token<'a>, DecodeError> {
        let inp = self.input;
        let n = inp.len();
        let ns = self.pos;
        let mut i = ns;
        while i < n && !NAME_STOP[inp[i] as usize] {
            i += 1;
        }
        if i >= n {
            return Err(DecodeError::Truncated);
        }
        let name = &inp[ns..i];
        if name.is_empty() || name.contains(&b'<') {
            return Err(self.malformed("invalid element name"));
        }
        let local = match name.iter().rposition(|&b| b == b':') {
            Some(p) => &name[p + 1..],
            None => name,
        };
        let mut tag = Tag {
            local,
            xsi_type: None,
            type_attr: None,
            empty: false,
        };
        let mut typed: Option<(&'a [u8], &'a [u8])> = None;
        let mut bound_here = false;
        let depth = self.depth() + 1;
        loop {
            while i < n && is_ws(inp[i]) {
                i += 1;
            }
            if i >= n {
                return Err(DecodeError::Truncated);
            }
            match inp[i] {
                b'>' => {
                    i += 1;
                    break;
                }
                b'/' => {
                    if i + 1 >= n {
                        return Err(DecodeError::Truncated);
                    }
                    if inp[i + 1] != b'>' {
                        self.pos = i;
                        return Err(self.malformed("stray '/' in a tag"));
                    }
                    tag.empty = true;
                    i += 2;
                    break;
                }
                _ => {}
            }
            let ks = i;
            while i < n && inp[i] != b'=' && !is_ws(inp[i]) && inp[i] != b'>' && inp[i] != b'/' {
                i += 1;
            }
            let key = &inp[ks..i];
            while i < n && is_ws(inp[i]) {
                i += 1;
            }
            if i >= n {
                return Err(DecodeError::Truncated);
            }
            if inp[i] != b'=' || key.is_empty() {
                self.pos = i;
                return Err(self.malformed("attribute without value"));
            }
            i += 1;
            while i < n && is_ws(inp[i]) {
                i += 1;
            }
            if i >= n {
                return Err(DecodeError::Truncated);
            }
            let q = inp[i];
            if q != b'"' && q != b'\'' {
                self.pos = i;
                return Err(self.malformed("unquoted attribute value"));
            }
            i += 1;
            let vs = i;
            let ve = match inp[vs..].iter().position(|&b| b == q) {
                Some(p) => vs + p,
                None => return Err(DecodeError::Truncated),
            };
            let val = &inp[vs..ve];
            if val.contains(&b'<') {
                self.pos = vs;
                return Err(self.malformed("'<' in an attribute value"));
            }
            i = ve + 1;
            if let Some(prefix) = key.strip_prefix(b"xmlns:") {
                if val == XSI_NS {
                    self.xsi.push((depth, prefix));
                    bound_here = true;
                }
            } else if key == b"type" {
                tag.type_attr = Some(val);
            } else if let Some(p) = memchr::memchr(b':', key) {
                if &key[p + 1..] == b"type" {
                    typed = Some((&key[..p], val));
                }
            }
        }
        self.pos = i;
        if let Some((prefix, v)) = typed {
            let bound = self.xsi.iter().any(|(_, p)| *p == prefix)
                // Tolerate the conventional prefix left undeclared.
                || (prefix == b"xsi" && self.xsi.is_empty());
            if bound {
                tag.xsi_type = Some(match memchr::memrchr(b':', v) {
                    Some(p) => &v[p + 1..],
                    None => v,
                });
            }
        }
        if tag.empty {
            if bound_here {
                self.xsi.retain(|(d, _)| *d != depth);
            }
            Ok(Token::Empty(tag))
        } else {
            if depth > MAX_DEPTH {
                return Err(DecodeError::TooDeep(MAX_DEPTH));
            }
            self.open.push(name);
            Ok(Token::Start(tag))
        }
    }

    /// Parses an end tag; `self.pos` is just after `</`.
    fn end_tag(&mut self) -> Result<Token<'a>, DecodeError> {
        let inp = self.input;
        let Some(open) = self.open.pop() else {
            return Err(self.malformed("end tag without start tag"));
        };
        // Fast path: the expected name, then optional whitespace and '>'.
        let mut i = self.pos;
        if inp[i..].starts_with(open) {
            i += open.len();
            while i < inp.len() && is_ws(inp[i]) {
                i += 1;
            }
            if i >= inp.len() {
                return Err(DecodeError::Truncated);
            }
        }
        if i == self.pos || inp[i] != b'>' {
            let end = inp[self.pos..].iter().position(|&b| b == b'>' || b == b'<');
            return Err(match end {
                None => DecodeError::Truncated,
                Some(p) => self.malformed(&format!(
                    "end tag </{}> does not match <{}>",
                    String::from_utf8_lossy(&inp[self.pos..self.pos + p]).trim(),
                    String::from_utf8_lossy(open)
                )),
            });
        }
        let d = self.depth();
        if self.xsi.last().is_some_and(|(depth, _)| *depth > d) {
            self.xsi.retain(|(depth, _)| *depth <= d);
        }
        self.pos = i + 1;
        Ok(Token::End)
    }

    fn next_token(&mut self) -> Result<Token<'a>, DecodeError> {
        let inp = self.input;
        loop {
            let start = self.pos;
            if start >= inp.len() {
                return Ok(Token::Eof);
            }
            if inp[start] != b'<' {
                // Text runs are short in SOAP: a plain scan beats memchr's setup.
                let end = inp[start..]
                    .iter()
                    .position(|&b| b == b'<')
                    .map_or(inp.len(), |p| start + p);
                self.pos = end;
                return Ok(Token::Text {
                    raw: &self.src[start..end],
                    cdata: false,
                });
            }
            let rest = &inp[start + 1..];
            match rest.first() {
                None => return Err(DecodeError::Truncated),
                Some(b'/') => {
                    self.pos = start + 2;
                    return self.end_tag();
                }
                Some(b'?') => {
                    let e = find(rest, b"?>").ok_or(DecodeError::Truncated)?;
                    self.pos = start + 1 + e + 2;
                }
                Some(b'!') => {
                    if rest.starts_with(b"!--") {
                        let e = find(&rest[3..], b"-->").ok_or(DecodeError::Truncated)?;
                        self.pos = start + 4 + e + 3;
                    } else if rest.starts_with(b"![CDATA[") {
                        let body = start + 9;
                        let e = find(&inp[body..], b"]]>").ok_or(DecodeError::Truncated)?;
                        self.pos = body + e + 3;
                        return Ok(Token::Text {
                            raw: &self.src[body..body + e],
                            cdata: true,
                        });
                    } else if rest.len() < 9 && b"!DOCTYPE".starts_with(rest) {
                        return Err(DecodeError::Truncated);
                    } else {
                        return Err(DecodeError::Dtd);
                    }
                }
                Some(_) => {
                    self.pos = start + 1;
                    return self.start_tag();
                }
            }
        }
    }

    /// The document element (after the XML declaration, comments and whitespace).
    pub fn root(&mut self) -> Result<Tag<'a>, DecodeError> {
        if let Some(e) = &self.utf8_error {
            return Err(DecodeError::Malformed(format!("invalid UTF-8: {e}")));
        }
        loop {
            match self.next_token()? {
                Token::Start(t) | Token::Empty(t) => return Ok(t),
                Token::Text { raw, cdata: false } if raw.bytes().all(is_ws) => {}
                Token::Eof => {
                    return Err(if self.input.iter().all(|b| is_ws(*b)) {
                        DecodeError::Unexpected("empty document".into())
                    } else {
                        DecodeError::Truncated
                    })
                }
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
            match self.next_token()? {
                Token::Start(t) | Token::Empty(t) => return Ok(Some(t)),
                Token::End => return Ok(None),
                Token::Eof => return Err(DecodeError::Truncated),
                Token::Text { .. } => {}
            }
        }
    }

    /// Skips the rest of `tag` (its content and end tag).
    pub fn skip(&mut self, tag: &Tag<'a>) -> Result<(), DecodeError> {
        if tag.empty {
            return Ok(());
        }
        let target = self.depth().saturating_sub(1);
        loop {
            match self.next_token()? {
                Token::End if self.depth() == target => return Ok(()),
                Token::Eof => return Err(DecodeError::Truncated),
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
        // Fast path, the usual `<x>text</x>`: one run of text, then the end tag.
        let start = self.pos;
        let inp = self.input;
        let mut end = start;
        let mut amp = false;
        while end < inp.len() {
            let b = inp[end];
            if b == b'<' {
                break;
            }
            amp |= b == b'&';
            end += 1;
        }
        if inp.get(end + 1) == Some(&b'/') {
            self.pos = end + 2;
            self.end_tag()?;
            let text = &self.src[start..end];
            return if amp {
                unescape(text)
            } else {
                Ok(Cow::Borrowed(text))
            };
        }
        let mut out: Option<Cow<'a, str>> = None;
        loop {
            match self.next_token()? {
                Token::Text { raw, cdata } => {
                    let s = if cdata {
                        Cow::Borrowed(raw)
                    } else {
                        unescape(raw)?
                    };
                    out = Some(match out {
                        None => s,
                        Some(prev) => Cow::Owned(prev.into_owned() + &s),
                    });
                }
                Token::Start(t) => self.skip(&t)?,
                Token::Empty(_) => {}
                Token::End => return Ok(out.unwrap_or(Cow::Borrowed(""))),
                Token::Eof => return Err(DecodeError::Truncated),
            }
        }
    }

    /// The raw (still escaped) XML content of `tag`, through its end tag.
    pub fn raw_content(&mut self, tag: &Tag<'a>) -> Result<String, DecodeError> {
        if tag.empty {
            return Ok(String::new());
        }
        let start = self.pos;
        let target = self.depth().saturating_sub(1);
        loop {
            let before = self.pos;
            match self.next_token()? {
                Token::End if self.depth() == target => {
                    return Ok(String::from_utf8_lossy(&self.input[start..before]).into_owned());
                }
                Token::Eof => return Err(DecodeError::Truncated),
                _ => {}
            }
        }
    }
}

/// Unescapes character data: the five XML entities and character references; any other
/// entity is refused (there is no DTD to define it).
pub fn unescape(s: &str) -> Result<Cow<'_, str>, DecodeError> {
    let Some(first) = s.bytes().position(|b| b == b'&') else {
        return Ok(Cow::Borrowed(s));
    };
    let mut out = String::with_capacity(s.len());
    out.push_str(&s[..first]);
    let mut rest = &s[first..];
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after
            .find(';')
            .filter(|p| *p <= 12)
            .ok_or_else(|| DecodeError::Entity(after.chars().take(12).collect()))?;
        let name = &after[..semi];
        let c = match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let bad = || DecodeError::Entity(name.to_string());
                let num = name.strip_prefix('#').ok_or_else(bad)?;
                let code = match num.strip_prefix('x').or_else(|| num.strip_prefix('X')) {
                    Some(hex) => u32::from_str_radix(hex, 16),
                    None => num.parse::<u32>(),
                }
                .map_err(|_| bad())?;
                char::from_u32(code).ok_or_else(bad)?
            }
        };
        out.push(c);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

/// Unescapes an attribute value.
pub fn unescape_attr(v: &[u8]) -> Result<String, DecodeError> {
    let s = std::str::from_utf8(v)
        .map_err(|e| DecodeError::Malformed(format!("invalid UTF-8: {e}")))?;
    unescape(s).map(Cow::into_owned)
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

/// [`decode_struct`] into a box, as `Value` holds data objects. Kept out of line so that the
/// caller's frame holds only the box: `Value::decode_named` has an arm per type, and inlined
/// (or, without optimisation, merely called) each arm would reserve stack for its whole type,
/// making every level of a nested anyType value cost over 100 KiB of stack.
#[inline(never)]
pub fn decode_boxed<'x, T: DataObject + Default>(
    r: &mut XmlReader<'x>,
    tag: &Tag<'x>,
) -> Result<Box<T>, DecodeError> {
    decode_struct(r, tag).map(Box::new)
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
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ManagedObjectReference {
    /// The managed object type, e.g. `VirtualMachine`.
    #[cfg_attr(feature = "serde", serde(rename = "ty"))]
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

/// Escapes `s` for XML text or, with `attr`, an attribute value, as libxml2 serialises them
/// ([`esxvirt_util::xml::Escape::Text`] / [`esxvirt_util::xml::Escape::Attr`]).
pub fn escape_into(out: &mut String, s: &str, attr: bool) {
    let mode = if attr { Escape::Attr } else { Escape::Text };
    esxvirt_util::xml::escape_into(out, s, mode)
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
