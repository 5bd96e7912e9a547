//! The VMX file format: `key = "value"` lines, independent of any domain conversion.
//!
//! This is the layer both the converter and the simulator use to read and write `.vmx` files.
//! It reads a file the way libvirt 9.0 does (its config-file parser in VMX mode), so that the
//! converter accepts and refuses the same files, with the same messages:
//!
//! * The input ends at its first NUL byte (libvirt receives the file as a C string).
//! * Keys start with a letter or `.` and continue with letters, digits, `_`, `:`, `.`, `-`.
//!   Lookups are case-insensitive; a key given twice is allowed and its first value counts.
//!   The spelling of the file is kept for output.
//! * Values are quoted with `"` (or `'`, or `"""` spanning lines); there are no escapes
//!   inside quotes. Unquoted values (numbers, lists) are errors.
//! * `#` starts a comment, on its own line or after a value. Statements end at a line end or `;`.
//!   Syntax errors are `configuration file syntax error: memory conf:LINE: WHAT`.
//! * `.encoding` names the character set. Without it, or when it says `UTF-8`, values are
//!   taken as they are (a value that is not valid UTF-8 is kept with replacement characters
//!   and [`VmxFile::get_strict`] refuses it); any other name makes the whole file decoded
//!   from that encoding and parsed again, as libvirt does through libxml2 and iconv
//!   (windows-1252, ISO-8859-1, US-ASCII, and the ASCII-compatible encodings with a WHATWG
//!   label such as GBK or Shift_JIS). Like libxml2, decoding stops at the first byte that is
//!   invalid in the encoding and keeps what came before; libxml2 then prints a diagnostic,
//!   which [`VmxFile::decode_warning`] gives. [`VmxFile::format`] always writes UTF-8, so
//!   callers writing a file should keep or set `.encoding = "UTF-8"`.
//! * Files over [`MAX_VMX_SIZE`] or with more than [`MAX_VMX_ENTRIES`] entries are errors (the
//!   reference has the size limit only; the entry limit bounds memory). Parsing never panics.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use crate::class::ErrorClass;
use crate::scan::parse_c_integer;

/// Largest VMX file accepted, in bytes (the reference's limit for config files).
pub const MAX_VMX_SIZE: usize = 10 * 1024 * 1024;
/// Most key/value entries accepted in one file.
pub const MAX_VMX_ENTRIES: usize = 100_000;
/// Longest key [`VmxFile::set`] accepts, in bytes.
pub const MAX_VMX_KEY_LEN: usize = 1024;

/// The name libvirt gives a configuration parsed from memory, in its syntax errors.
const CONF_NAME: &str = "memory conf";

/// What is wrong with a VMX file or with a value read from it. `Display` gives libvirt's
/// whole line (class prefix and message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VmxFileError {
    /// The text does not follow the VMX syntax.
    Syntax {
        /// 1-based line number.
        line: usize,
        /// libvirt's description, e.g. "expecting an assignment".
        message: String,
    },
    /// The file is larger than [`MAX_VMX_SIZE`] or has too many entries.
    TooLarge(String),
    /// `.encoding` names an encoding that cannot be decoded.
    UnknownEncoding(String),
    /// The file's bytes are not valid in its declared encoding (the name as declared).
    Undecodable(String),
    /// A value read for the output is not valid UTF-8 in a file that declares no other
    /// encoding (libvirt would copy the bytes into its XML, which no XML reader accepts).
    NotUtf8(String),
    /// A required entry is missing.
    Missing(String),
    /// An entry read as an integer is not one.
    NotInteger(String),
    /// An entry read as a boolean is neither `true` nor `false`.
    NotBoolean(String),
    /// A key or value that cannot be written into a VMX file.
    Unwritable {
        /// The key.
        key: String,
        /// Why (a quote or line break in the value, a bad key character, ...).
        reason: String,
    },
}

impl VmxFileError {
    /// The error class.
    pub fn class(&self) -> ErrorClass {
        match self {
            VmxFileError::Syntax { .. } => ErrorClass::ConfSyntax,
            _ => ErrorClass::Internal,
        }
    }

    /// The message without the class prefix.
    pub fn message(&self) -> String {
        match self {
            VmxFileError::Syntax { line, message } => format!("{CONF_NAME}:{line}: {message}"),
            VmxFileError::TooLarge(what) => format!("VMX file too large: {what}"),
            VmxFileError::UnknownEncoding(name) => {
                format!("libxml2 doesn't handle {name} encoding")
            }
            VmxFileError::Undecodable(name) => {
                format!("Could not convert from {name} to UTF-8 encoding")
            }
            VmxFileError::NotUtf8(key) => format!(
                "VMX entry '{key}' is not valid UTF-8 and the file declares no other encoding"
            ),
            VmxFileError::Missing(key) => format!("Missing essential config entry '{key}'"),
            VmxFileError::NotInteger(key) => {
                format!("Config entry '{key}' must represent an integer value")
            }
            VmxFileError::NotBoolean(key) => {
                format!("Config entry '{key}' must represent a boolean value (true|false)")
            }
            VmxFileError::Unwritable { key, reason } => {
                format!("cannot write VMX entry '{key}': {reason}")
            }
        }
    }
}

impl std::fmt::Display for VmxFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.class().format(&self.message()))
    }
}

impl std::error::Error for VmxFileError {}

/// One line of a VMX file.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Line {
    /// `key = "value"`, optionally followed by `# comment`.
    Entry {
        key: String,
        value: String,
        comment: Option<String>,
        /// False when the value's bytes were not valid UTF-8 (it then holds replacement
        /// characters).
        exact: bool,
    },
    /// A whole-line `# comment` (text after the `#`).
    Comment(String),
}

/// A parsed VMX file: its entries in file order, with case-insensitive lookup.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VmxFile {
    lines: Vec<Line>,
    /// Lowercased key -> index into `lines` of its first occurrence.
    index: HashMap<String, usize>,
    /// Lowercased key parts before each `.` (`scsi0:1` of `scsi0:1.fileName`, and `a`, `a.b`
    /// of `a.b.c`), for [`VmxFile::has_prefix`].
    prefixes: HashSet<String>,
    /// libxml2's diagnostic when decoding stopped early.
    decode_warning: Option<String>,
}

impl VmxFile {
    /// An empty file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses VMX bytes, honouring `.encoding` (see the module documentation).
    pub fn parse(input: &[u8]) -> Result<Self, VmxFileError> {
        Self::parse_diagnosed(input).0
    }

    /// [`VmxFile::parse`], with libxml2's decoding diagnostic (see
    /// [`VmxFile::decode_warning`]) whatever the outcome: libvirt prints it also when the
    /// text cut short by the invalid byte then fails to parse.
    pub fn parse_diagnosed(input: &[u8]) -> (Result<Self, VmxFileError>, Option<String>) {
        let mut warning = None;
        let mut result = Self::parse_noting(input, &mut warning);
        if let Ok(file) = &mut result {
            file.decode_warning.clone_from(&warning);
        }
        (result, warning)
    }

    fn parse_noting(input: &[u8], warning: &mut Option<String>) -> Result<Self, VmxFileError> {
        let input = match input.iter().position(|&b| b == 0) {
            Some(end) => &input[..end],
            None => input,
        };
        if input.len() > MAX_VMX_SIZE {
            return Err(VmxFileError::TooLarge(format!(
                "{} bytes, the limit is {MAX_VMX_SIZE}",
                input.len()
            )));
        }
        let raw = parse_raw(input)?;

        // The first `.encoding` counts, as for every key.
        let declared = raw.iter().find_map(|l| match l {
            RawLine::Entry { key, value, .. } if key.eq_ignore_ascii_case(b".encoding") => {
                Some(*value)
            }
            _ => None,
        });
        match declared {
            Some(name) if !name.eq_ignore_ascii_case(b"UTF-8") => {
                let name = String::from_utf8_lossy(name).into_owned();
                let encoding = esxvirt_util::Encoding::from_name(&name)
                    .map_err(|_| VmxFileError::UnknownEncoding(name.clone()))?;
                let (text, diagnostic) = decode_prefix(encoding, input);
                *warning = diagnostic;
                if text.is_empty() && !input.is_empty() {
                    return Err(VmxFileError::Undecodable(name));
                }
                Self::from_raw(parse_raw(text.as_bytes())?)
            }
            _ => Self::from_raw(raw),
        }
    }

    fn from_raw(raw: Vec<RawLine<'_>>) -> Result<Self, VmxFileError> {
        let mut file = VmxFile::new();
        file.lines.reserve(raw.len());
        file.index.reserve(raw.len());
        for raw_line in raw {
            match raw_line {
                RawLine::Comment(text) => {
                    file.lines
                        .push(Line::Comment(String::from_utf8_lossy(text).into_owned()));
                }
                RawLine::Entry {
                    key,
                    value,
                    comment,
                } => {
                    // Keys are ASCII by construction.
                    let key = String::from_utf8_lossy(key).into_owned();
                    let lower = key.to_ascii_lowercase();
                    let (value, exact) = match std::str::from_utf8(value) {
                        Ok(v) => (v.to_string(), true),
                        Err(_) => (String::from_utf8_lossy(value).into_owned(), false),
                    };
                    let comment = comment.map(|c| String::from_utf8_lossy(c).into_owned());
                    file.add_prefixes(&lower);
                    let at = file.lines.len();
                    file.index.entry(lower).or_insert(at);
                    file.lines.push(Line::Entry {
                        key,
                        value,
                        comment,
                        exact,
                    });
                }
            }
        }
        Ok(file)
    }

    /// When the declared encoding's decoder stopped at an invalid byte (the rest of the file
    /// is then ignored), the diagnostic libxml2 prints on stderr for it, e.g. `input
    /// conversion failed due to input error, bytes 0x81 0x79 0x22 0x0A` (libvirt's virsh shows
    /// it as `encoding error : ` and this text).
    pub fn decode_warning(&self) -> Option<&str> {
        self.decode_warning.as_deref()
    }

    /// Parses VMX text already in memory as a Rust string (see [`VmxFile::parse`]).
    pub fn parse_str(input: &str) -> Result<Self, VmxFileError> {
        Self::parse(input.as_bytes())
    }

    fn line_of(&self, key: &str) -> Option<&Line> {
        let idx = if key.bytes().any(|b| b.is_ascii_uppercase()) {
            with_ascii_lowercase(key, |k| self.index.get(k).copied())?
        } else {
            *self.index.get(key)?
        };
        self.lines.get(idx)
    }

    /// The value of `key` (case-insensitive), if present. A value whose bytes were not valid
    /// UTF-8 comes with replacement characters; see [`VmxFile::get_strict`].
    pub fn get(&self, key: &str) -> Option<&str> {
        match self.line_of(key)? {
            Line::Entry { value, .. } => Some(value),
            Line::Comment(_) => None,
        }
    }

    /// The value of `key`, refusing a value that was not valid UTF-8 in the file.
    pub fn get_strict(&self, key: &str) -> Result<Option<&str>, VmxFileError> {
        match self.line_of(key) {
            Some(Line::Entry { exact: false, .. }) => Err(VmxFileError::NotUtf8(key.to_string())),
            Some(Line::Entry { value, .. }) => Ok(Some(value)),
            _ => Ok(None),
        }
    }

    /// True when some key starts with `prefix` followed by `.` (case-insensitive), e.g.
    /// `has_prefix("scsi0:1")` for `scsi0:1.present`. Lets callers skip absent devices cheaply.
    pub fn has_prefix(&self, prefix: &str) -> bool {
        with_ascii_lowercase(prefix, |p| self.prefixes.contains(p))
    }

    /// True when `key` is present.
    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The value of a required entry.
    pub fn require(&self, key: &str) -> Result<&str, VmxFileError> {
        self.get(key)
            .ok_or_else(|| VmxFileError::Missing(key.to_string()))
    }

    /// A boolean entry: `true` or `false` in any letter case. `None` when absent.
    pub fn get_bool(&self, key: &str) -> Result<Option<bool>, VmxFileError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(_) => Err(VmxFileError::NotBoolean(key.to_string())),
        }
    }

    /// A boolean entry with a default for when it is absent.
    pub fn get_bool_or(&self, key: &str, default: bool) -> Result<bool, VmxFileError> {
        Ok(self.get_bool(key)?.unwrap_or(default))
    }

    /// An integer entry, parsed like the reference: optional leading blanks and sign, decimal
    /// digits, nothing after them; `unlimited` (any case) reads as -1. `None` when absent.
    pub fn get_i64(&self, key: &str) -> Result<Option<i64>, VmxFileError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("unlimited") => Ok(Some(-1)),
            Some(v) => parse_c_integer(v)
                .map(Some)
                .ok_or_else(|| VmxFileError::NotInteger(key.to_string())),
        }
    }

    /// An integer entry with a default for when it is absent.
    pub fn get_i64_or(&self, key: &str, default: i64) -> Result<i64, VmxFileError> {
        Ok(self.get_i64(key)?.unwrap_or(default))
    }

    /// Sets `key` to `value`: replaces the value of an existing entry (keeping its spelling and
    /// place), or appends a new entry.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), VmxFileError> {
        check_key(key)?;
        if value.contains(['"', '\n', '\r', '\0']) {
            return Err(VmxFileError::Unwritable {
                key: key.to_string(),
                reason: "the value contains a quote, a line break or a NUL".into(),
            });
        }
        let lower = key.to_ascii_lowercase();
        if let Some(&idx) = self.index.get(&lower) {
            if let Some(Line::Entry {
                value: v, exact, ..
            }) = self.lines.get_mut(idx)
            {
                *v = value.to_string();
                *exact = true;
            }
        } else {
            if self.index.len() >= MAX_VMX_ENTRIES {
                return Err(VmxFileError::TooLarge(format!(
                    "more than {MAX_VMX_ENTRIES} entries"
                )));
            }
            self.add_prefixes(&lower);
            self.index.insert(lower, self.lines.len());
            self.lines.push(Line::Entry {
                key: key.to_string(),
                value: value.to_string(),
                comment: None,
                exact: true,
            });
        }
        Ok(())
    }

    fn add_prefixes(&mut self, lower_key: &str) {
        for (pos, _) in lower_key.match_indices('.').filter(|(p, _)| *p > 0) {
            if !self.prefixes.contains(&lower_key[..pos]) {
                self.prefixes.insert(lower_key[..pos].to_string());
            }
        }
    }

    /// Removes every entry of `key` (case-insensitive); returns the value that counted (the
    /// first) if there was one.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        let lower = key.to_ascii_lowercase();
        let idx = *self.index.get(&lower)?;
        let removed = match self.lines.get(idx) {
            Some(Line::Entry { value, .. }) => Some(value.clone()),
            _ => None,
        };
        self.lines.retain(|l| match l {
            Line::Entry { key, .. } => !key.eq_ignore_ascii_case(&lower),
            Line::Comment(_) => true,
        });
        self.reindex();
        removed
    }

    /// Rebuilds the lookup tables from `lines`.
    fn reindex(&mut self) {
        self.index.clear();
        self.prefixes.clear();
        let keys: Vec<(usize, String)> = self
            .lines
            .iter()
            .enumerate()
            .filter_map(|(at, l)| match l {
                Line::Entry { key, .. } => Some((at, key.to_ascii_lowercase())),
                Line::Comment(_) => None,
            })
            .collect();
        for (at, lower) in keys {
            self.add_prefixes(&lower);
            self.index.entry(lower).or_insert(at);
        }
    }

    /// The entries in file order, keys as spelt in the file.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.lines.iter().filter_map(|l| match l {
            Line::Entry { key, value, .. } => Some((key.as_str(), value.as_str())),
            Line::Comment(_) => None,
        })
    }

    /// Number of entries (a key given twice counts twice).
    pub fn len(&self) -> usize {
        self.entries().count()
    }

    /// True when the file has no entries.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Writes the file back: one `key = "value"` per line, comments kept, UTF-8.
    pub fn format(&self) -> String {
        let mut out = String::new();
        for line in &self.lines {
            match line {
                Line::Entry {
                    key,
                    value,
                    comment,
                    ..
                } => {
                    let _ = write!(out, "{key} = ");
                    quote_into(&mut out, value);
                    if let Some(c) = comment {
                        let _ = write!(out, " #{c}");
                    }
                    out.push('\n');
                }
                Line::Comment(c) => {
                    let _ = writeln!(out, "#{c}");
                }
            }
        }
        out
    }
}

/// Decodes `input` up to its first invalid sequence, as iconv does for libxml2: the text
/// decoded so far, and libxml2's diagnostic when it stopped early (naming the next four
/// bytes; past the end it reads the string's terminating NUL).
fn decode_prefix(encoding: esxvirt_util::Encoding, input: &[u8]) -> (String, Option<String>) {
    let offset = match encoding.decode(input) {
        Ok(text) => return (text, None),
        Err(esxvirt_util::UtilError::Decode { offset, .. }) => offset,
        Err(_) => 0,
    };
    // The decoder reports where it noticed the fault; the longest prefix that decodes on
    // its own ends where the faulty sequence starts, at most a few bytes earlier.
    let (end, text) = (offset.saturating_sub(4)..=offset.min(input.len()))
        .rev()
        .find_map(|n| encoding.decode(&input[..n]).ok().map(|t| (n, t)))
        .unwrap_or((0, String::new()));
    let bytes: Vec<String> = (0..4)
        .map(|i| format!("0x{:02X}", input.get(end + i).copied().unwrap_or(0)))
        .collect();
    (
        text,
        Some(format!(
            "input conversion failed due to input error, bytes {}",
            bytes.join(" ")
        )),
    )
}

/// Quotes a value the way it can be read back: `"v"` normally; `'v'` when it holds a `"`;
/// `"""v"""` when it also holds a `'` or spans lines (only values read from such quoting can
/// get here, as [`VmxFile::set`] refuses quotes and line breaks).
fn quote_into(out: &mut String, value: &str) {
    let multi_line = value.contains(['\n', '\r']);
    if !multi_line && !value.contains('"') {
        out.push('"');
        out.push_str(value);
        out.push('"');
    } else if !multi_line && !value.contains('\'') {
        out.push('\'');
        out.push_str(value);
        out.push('\'');
    } else {
        out.push_str("\"\"\"");
        out.push_str(value);
        out.push_str("\"\"\"");
    }
}

/// Calls `f` with `s` ASCII-lowercased, on the stack when short: key lookups are the
/// converter's hot path.
fn with_ascii_lowercase<R>(s: &str, f: impl FnOnce(&str) -> R) -> R {
    let mut buf = [0u8; 64];
    if let Some(dst) = buf.get_mut(..s.len()) {
        dst.copy_from_slice(s.as_bytes());
        dst.make_ascii_lowercase();
        // Lowercasing ASCII bytes keeps UTF-8 valid, so this always succeeds.
        if let Ok(lower) = std::str::from_utf8(dst) {
            return f(lower);
        }
    }
    f(&s.to_ascii_lowercase())
}

fn check_key(key: &str) -> Result<(), VmxFileError> {
    let b = key.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= MAX_VMX_KEY_LEN
        && (b[0].is_ascii_alphabetic() || b[0] == b'.')
        && b.iter().all(|&c| is_key_byte(c));
    if ok {
        Ok(())
    } else {
        Err(VmxFileError::Unwritable {
            key: key.to_string(),
            reason: "not a valid VMX key".into(),
        })
    }
}

fn is_key_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b':' | b'.' | b'-')
}

enum RawLine<'a> {
    Entry {
        key: &'a [u8],
        value: &'a [u8],
        comment: Option<&'a [u8]>,
    },
    Comment(&'a [u8]),
}

/// The reference's config-file scanner in VMX mode, step by step, so that every file it
/// refuses is refused here at the same line with the same words.
struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    line: usize,
}

impl<'a> Parser<'a> {
    /// The current byte; 0 at the end (the reference reads its terminating NUL there).
    fn cur(&self) -> u8 {
        self.s.get(self.pos).copied().unwrap_or(0)
    }
    fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }
    fn err(&self, message: &str) -> VmxFileError {
        VmxFileError::Syntax {
            line: self.line,
            message: message.to_string(),
        }
    }
    fn skip_blanks(&mut self) {
        while matches!(self.cur(), b' ' | b'\t') {
            self.pos += 1;
        }
    }
    fn skip_blanks_and_eol(&mut self) {
        while let c @ (b' ' | b'\t' | b'\n' | b'\r') = self.cur() {
            if c == b'\n' {
                self.line += 1;
            }
            self.pos += 1;
        }
    }
    /// The rest of the line (up to a line end or the end), consumed.
    fn rest_of_line(&mut self) -> &'a [u8] {
        let start = self.pos;
        while !self.at_end() && !matches!(self.cur(), b'\n' | b'\r') {
            self.pos += 1;
        }
        &self.s[start..self.pos]
    }
    fn string(&mut self) -> Result<&'a [u8], VmxFileError> {
        let rest = &self.s[self.pos..];
        // A triple-quoted string needs room for both triples.
        if rest.len() > 6 && rest.starts_with(b"\"\"\"") {
            self.pos += 3;
            let start = self.pos;
            while self.pos + 2 < self.s.len() && !self.s[self.pos..].starts_with(b"\"\"\"") {
                if self.cur() == b'\n' {
                    self.line += 1;
                }
                self.pos += 1;
            }
            if !self.s[self.pos..].starts_with(b"\"\"\"") {
                return Err(self.err("unterminated string"));
            }
            let v = &self.s[start..self.pos];
            self.pos += 3;
            return Ok(v);
        }
        let quote = self.cur();
        self.pos += 1;
        let start = self.pos;
        while !self.at_end() && !matches!(self.cur(), b'\n' | b'\r') && self.cur() != quote {
            self.pos += 1;
        }
        if self.cur() != quote {
            return Err(self.err("unterminated string"));
        }
        let v = &self.s[start..self.pos];
        self.pos += 1;
        Ok(v)
    }
    fn value(&mut self) -> Result<&'a [u8], VmxFileError> {
        self.skip_blanks();
        if self.at_end() {
            return Err(self.err("expecting a value"));
        }
        match self.cur() {
            b'"' | b'\'' => self.string(),
            b'[' => Err(self.err("lists not allowed in VMX format")),
            b'0'..=b'9' | b'-' | b'+' => Err(self.err("numbers not allowed in VMX format")),
            _ => Err(self.err("expecting a value")),
        }
    }
    fn statement(&mut self) -> Result<RawLine<'a>, VmxFileError> {
        self.skip_blanks_and_eol();
        if self.cur() == b'#' {
            self.pos += 1;
            return Ok(RawLine::Comment(self.rest_of_line()));
        }
        let c = self.cur();
        if !(c.is_ascii_alphabetic() || c == b'.') {
            return Err(self.err("expecting a name"));
        }
        let start = self.pos;
        while !self.at_end() && is_key_byte(self.cur()) {
            self.pos += 1;
        }
        let key = &self.s[start..self.pos];
        self.skip_blanks();
        if self.cur() != b'=' {
            return Err(self.err("expecting an assignment"));
        }
        self.pos += 1;
        self.skip_blanks();
        let value = self.value()?;
        self.skip_blanks();
        let comment = if self.cur() == b'#' {
            self.pos += 1;
            Some(self.rest_of_line())
        } else {
            None
        };
        Ok(RawLine::Entry {
            key,
            value,
            comment,
        })
    }
    fn separator(&mut self) -> Result<(), VmxFileError> {
        self.skip_blanks();
        if self.at_end() {
            return Ok(());
        }
        match self.cur() {
            b'\n' | b'\r' => self.skip_blanks_and_eol(),
            b';' => {
                self.pos += 1;
                self.skip_blanks_and_eol();
            }
            _ => return Err(self.err("expecting a separator")),
        }
        Ok(())
    }
}

fn parse_raw(input: &[u8]) -> Result<Vec<RawLine<'_>>, VmxFileError> {
    let mut p = Parser {
        s: input,
        pos: 0,
        line: 1,
    };
    let mut out = Vec::new();
    let mut entries = 0usize;
    while !p.at_end() {
        let line = p.statement()?;
        if matches!(line, RawLine::Entry { .. }) {
            entries += 1;
            if entries > MAX_VMX_ENTRIES {
                return Err(VmxFileError::TooLarge(format!(
                    "more than {MAX_VMX_ENTRIES} entries"
                )));
            }
        }
        out.push(line);
        p.separator()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syntax(input: &[u8]) -> String {
        VmxFile::parse(input).unwrap_err().to_string()
    }

    #[test]
    fn parses_and_looks_up_case_insensitively() {
        let f = VmxFile::parse(
            b"# head\n.encoding = \"UTF-8\"\r\nconfig.version = \"8\"\nDisplayName = 'a \"b\"' # c\n\n  scsi0:0.fileName=\"x.vmdk\";memsize = \"\"\"1\n2\"\"\"\n",
        )
        .unwrap();
        assert_eq!(f.get("CONFIG.VERSION"), Some("8"));
        assert_eq!(f.get("displayname"), Some("a \"b\""));
        assert_eq!(f.get("scsi0:0.FILENAME"), Some("x.vmdk"));
        assert_eq!(f.get("memsize"), Some("1\n2"));
        assert_eq!(f.len(), 5);
        let keys: Vec<_> = f.entries().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            [
                ".encoding",
                "config.version",
                "DisplayName",
                "scsi0:0.fileName",
                "memsize"
            ]
        );
    }

    #[test]
    fn typed_getters() {
        let f = VmxFile::parse_str(
            "a = \"TRUE\"\nb = \"no\"\nc = \" -42\"\nd = \"Unlimited\"\ne = \"99999999999999999999\"\nf = \"12x\"\n",
        )
        .unwrap();
        assert_eq!(f.get_bool("a"), Ok(Some(true)));
        assert_eq!(
            f.get_bool("b").unwrap_err().to_string(),
            "internal error: Config entry 'b' must represent a boolean value (true|false)"
        );
        assert_eq!(f.get_bool_or("zz", true), Ok(true));
        assert_eq!(f.get_i64("c"), Ok(Some(-42)));
        assert_eq!(f.get_i64("d"), Ok(Some(-1)));
        assert!(f.get_i64("e").is_err());
        assert_eq!(
            f.get_i64("f").unwrap_err().to_string(),
            "internal error: Config entry 'f' must represent an integer value"
        );
        assert_eq!(f.get_i64_or("zz", 7), Ok(7));
        assert_eq!(
            f.require("zz").unwrap_err().to_string(),
            "internal error: Missing essential config entry 'zz'"
        );
    }

    #[test]
    fn declared_encodings_decode_the_whole_file() {
        let f =
            VmxFile::parse(b".encoding = \"windows-1252\"\nannotation = \"\xe4\x80\"\n").unwrap();
        assert_eq!(f.get("annotation"), Some("ä€"));
        // GBK: two-byte characters whose second byte is an ASCII letter.
        let f =
            VmxFile::parse(b".encoding = \"GBK\"\ndisplayName = \"\xd6\xd0\xce\xc4\"\n").unwrap();
        assert_eq!(f.get_strict("displayName"), Ok(Some("中文")));
        // Decoding stops at an invalid byte and the rest is gone, as with libxml2.
        let f = VmxFile::parse(b".encoding = \"windows-1252\"\na = \"1\"\n# \x81 c\nb = \"2\"\n")
            .unwrap();
        assert_eq!((f.get("a"), f.get("b")), (Some("1"), None));
        assert_eq!(
            f.decode_warning(),
            Some("input conversion failed due to input error, bytes 0x81 0x20 0x63 0x0A")
        );
        assert_eq!(
            syntax(b".encoding = \"windows-1252\"\na = \"x\x81\"\n"),
            "configuration file syntax error: memory conf:2: unterminated string"
        );
        // The diagnostic comes with the syntax error the cut causes, as libvirt prints both.
        let (result, warning) =
            VmxFile::parse_diagnosed(b".encoding = \"windows-1252\"\na = \"x\x81\"\n");
        assert!(result.is_err());
        assert_eq!(
            warning.as_deref(),
            Some("input conversion failed due to input error, bytes 0x81 0x22 0x0A 0x00")
        );
        let f = VmxFile::parse(b".encoding = \"GBK\"\na = \"\xd6\xd0\xff\"\n");
        assert_eq!(
            f.unwrap_err().to_string(),
            "configuration file syntax error: memory conf:2: unterminated string"
        );
        assert_eq!(
            VmxFile::parse(b".encoding = \"GBK\"\n")
                .unwrap()
                .decode_warning(),
            None
        );
        assert_eq!(
            syntax(b".encoding = \"klingon\"\na = \"b\"\n"),
            "internal error: libxml2 doesn't handle klingon encoding"
        );
        // Any spelling but exactly UTF-8 goes through the decoder, which checks every byte.
        assert_eq!(
            VmxFile::parse(b".encoding = \"utf8\"\n# \xff\n")
                .unwrap()
                .decode_warning(),
            Some("input conversion failed due to input error, bytes 0xFF 0x0A 0x00 0x00")
        );
    }

    #[test]
    fn undeclared_bytes_are_kept_until_read_strictly() {
        let f = VmxFile::parse(b"guestOS = \"x\xff-64\"\n# \xfe\n").unwrap();
        assert_eq!(f.get("guestOS"), Some("x\u{fffd}-64"));
        assert_eq!(
            f.get_strict("GUESTOS").unwrap_err().to_string(),
            "internal error: VMX entry 'GUESTOS' is not valid UTF-8 and the file declares no other encoding"
        );
        assert_eq!(f.get_strict("absent"), Ok(None));
    }

    #[test]
    fn input_ends_at_the_first_nul() {
        let f = VmxFile::parse(b"a = \"1\"\n\0garbage = 1\x01").unwrap();
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn duplicate_keys_keep_the_first_value() {
        let mut f = VmxFile::parse_str("a = \"1\"\nA = \"2\"\nb = \"3\"\n").unwrap();
        assert_eq!(f.get("a"), Some("1"));
        assert_eq!(f.len(), 3);
        f.set("a", "4").unwrap();
        assert_eq!(f.format(), "a = \"4\"\nA = \"2\"\nb = \"3\"\n");
        assert_eq!(f.remove("a"), Some("4".into()));
        assert_eq!(f.get("a"), None);
        assert_eq!(f.format(), "b = \"3\"\n");
    }

    #[test]
    fn syntax_errors_say_where_and_what() {
        let cases: &[(&[u8], &str)] = &[
            (b"a = 1\n", "1: numbers not allowed in VMX format"),
            (b"a = -x\n", "1: numbers not allowed in VMX format"),
            (b"a = [\"1\"]\n", "1: lists not allowed in VMX format"),
            (b"a = \"1", "1: unterminated string"),
            (b"a = '1\nb = '2'\n", "1: unterminated string"),
            (b"\n\na \"1\"\n", "3: expecting an assignment"),
            (b"1a = \"1\"\n", "1: expecting a name"),
            (b"a = \"1\" b = \"2\"\n", "1: expecting a separator"),
            (b"a = \n", "1: expecting a value"),
            (b"a = ", "1: expecting a value"),
            (b"a = x\n", "1: expecting a value"),
            (b"a = \"\"\"x\nyz", "2: unterminated string"),
            // Too short to be a triple-quoted string: an empty one, then junk.
            (b"a = \"\"\"x\ny", "1: expecting a separator"),
            (b"=", "1: expecting a name"),
            (
                b"pciPassthru*.present = \"False\"\n",
                "1: expecting an assignment",
            ),
            // Blank lines alone are a statement without a name.
            (b"\n\n", "3: expecting a name"),
            // Six quotes at the very end are not a triple-quoted empty string.
            (b"a = \"\"\"\"\"\"", "1: expecting a separator"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                syntax(input),
                format!("configuration file syntax error: memory conf:{expected}"),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
        assert_eq!(VmxFile::parse(b"").unwrap().len(), 0);
        assert_eq!(
            VmxFile::parse(b"a = \"\"\"\"\"\" \n").unwrap().get("a"),
            Some("")
        );
        assert_eq!(
            VmxFile::parse(b"a = \"1\" ;\r\n\n  ").unwrap().get("a"),
            Some("1")
        );
    }

    #[test]
    fn set_remove_format() {
        let mut f = VmxFile::parse_str("# c\nA = \"1\" # tail\nb = \"2\"\n").unwrap();
        f.set("a", "3").unwrap();
        f.set("new.key", "x y").unwrap();
        assert_eq!(f.remove("B"), Some("2".into()));
        assert!(f.set("k", "has \" quote").is_err());
        assert!(f.set("bad key", "v").is_err());
        assert_eq!(f.format(), "# c\nA = \"3\" # tail\nnew.key = \"x y\"\n");
        assert_eq!(VmxFile::parse_str(&f.format()).unwrap(), f);
        assert_eq!(f.get("NEW.KEY"), Some("x y"));
        assert!(f.has_prefix("New") && !f.has_prefix("b") && !f.has_prefix("new.key"));
        let long_key = format!("k{}", "X".repeat(100));
        f.set(&long_key, "v").unwrap();
        assert_eq!(f.get(&long_key.to_lowercase()), Some("v"));
        assert_eq!(f.get(&long_key), Some("v"));
    }

    #[test]
    fn odd_quoting_round_trips() {
        let text = "a = 'say \"hi\"'\nb = \"\"\"it's \"x\" ok\"\"\"\nc = \"\"\"two\nlines\"\"\"\n";
        let f = VmxFile::parse_str(text).unwrap();
        assert_eq!(f.get("a"), Some("say \"hi\""));
        assert_eq!(f.get("b"), Some("it's \"x\" ok"));
        assert_eq!(f.get("c"), Some("two\nlines"));
        assert_eq!(VmxFile::parse_str(&f.format()).unwrap(), f);
    }
}
