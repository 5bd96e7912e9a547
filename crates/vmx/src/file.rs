//! The VMX file format: `key = "value"` lines, independent of any domain conversion.
//!
//! This is the layer both the converter and the simulator use to read and write `.vmx` files.
//!
//! * Keys start with a letter or `.` and continue with letters, digits, `_`, `:`, `.`, `-`.
//!   Lookups are case-insensitive; the spelling of the file is kept for output.
//! * Values are quoted with `"` (or `'`, or `"""` spanning lines); there are no escapes
//!   inside quotes. Unquoted values (numbers, lists) are errors, as in the reference.
//! * `#` starts a comment, on its own line or after a value. Statements end at a line end or `;`.
//! * `.encoding` names the character set of the file (UTF-8 when absent; windows-1252 as
//!   iconv decodes it, ISO-8859-1, US-ASCII, and the other ASCII-compatible encodings with a
//!   WHATWG label such as Shift_JIS). Values are decoded to UTF-8 on parse;
//!   [`VmxFile::format`] always writes UTF-8, so callers writing a file should keep or set
//!   `.encoding = "UTF-8"`.
//! * A key given twice (in any letter case), NUL bytes, bytes that are invalid in the declared
//!   encoding, and files over [`MAX_VMX_SIZE`] or with more than [`MAX_VMX_ENTRIES`] entries are
//!   errors. Parsing never panics.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

/// Largest VMX file accepted, in bytes (the reference's limit for config files).
pub const MAX_VMX_SIZE: usize = 10 * 1024 * 1024;
/// Most key/value entries accepted in one file.
pub const MAX_VMX_ENTRIES: usize = 100_000;
/// Longest key accepted, in bytes.
pub const MAX_VMX_KEY_LEN: usize = 1024;

/// What is wrong with a VMX file or with a value read from it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VmxFileError {
    /// The text does not follow the VMX syntax.
    #[error("VMX syntax error at line {line}: {message}")]
    Syntax {
        /// 1-based line number.
        line: usize,
        /// What was expected or found.
        message: String,
    },
    /// A key appears twice (compared case-insensitively).
    #[error("VMX entry '{key}' is given twice (lines {first_line} and {line})")]
    DuplicateKey {
        /// The key as spelt the second time.
        key: String,
        /// Line of the first occurrence.
        first_line: usize,
        /// Line of the second occurrence.
        line: usize,
    },
    /// The file is larger than [`MAX_VMX_SIZE`] or has too many entries.
    #[error("VMX file too large: {0}")]
    TooLarge(String),
    /// The file contains a NUL byte, so it is binary, not a VMX file.
    #[error("VMX file contains a NUL byte at offset {0} (binary data)")]
    Binary(usize),
    /// The file's bytes are not valid in its declared encoding.
    #[error("VMX file cannot be decoded: {0}")]
    Encoding(#[from] esxvirt_util::UtilError),
    /// A value that is not of the expected kind.
    #[error("VMX entry '{key}' must be {expected} but found '{value}'")]
    InvalidValue {
        /// The key as the caller asked for it.
        key: String,
        /// The value found.
        value: String,
        /// What was expected, e.g. "a boolean value (true|false)".
        expected: String,
    },
    /// A required entry is missing.
    #[error("Missing essential VMX entry '{0}'")]
    Missing(String),
    /// A key or value that cannot be written into a VMX file.
    #[error("cannot write VMX entry '{key}': {reason}")]
    Unwritable {
        /// The key.
        key: String,
        /// Why (a quote or line break in the value, a bad key character, ...).
        reason: String,
    },
}

/// One line of a VMX file.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Line {
    /// `key = "value"`, optionally followed by `# comment`.
    Entry {
        key: String,
        value: String,
        comment: Option<String>,
    },
    /// A whole-line `# comment` (text after the `#`).
    Comment(String),
}

/// A parsed VMX file: its entries in file order, with case-insensitive lookup.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VmxFile {
    lines: Vec<Line>,
    /// Lowercased key -> index into `lines`.
    index: HashMap<String, usize>,
    /// Lowercased key parts before each `.` (`scsi0:1` of `scsi0:1.fileName`, and `a`, `a.b`
    /// of `a.b.c`), for [`VmxFile::has_prefix`].
    prefixes: HashSet<String>,
}

impl VmxFile {
    /// An empty file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses VMX bytes, honouring `.encoding`.
    pub fn parse(input: &[u8]) -> Result<Self, VmxFileError> {
        if input.len() > MAX_VMX_SIZE {
            return Err(VmxFileError::TooLarge(format!(
                "{} bytes, the limit is {MAX_VMX_SIZE}",
                input.len()
            )));
        }
        if let Some(pos) = input.iter().position(|&b| b == 0) {
            return Err(VmxFileError::Binary(pos));
        }
        let raw = parse_raw(input)?;

        // The encoding entry itself is ASCII in every encoding we support.
        let encoding = raw
            .iter()
            .find_map(|l| match l {
                RawLine::Entry { key, value, .. } if key.eq_ignore_ascii_case(b".encoding") => {
                    Some(String::from_utf8_lossy(value).into_owned())
                }
                _ => None,
            })
            .map_or(Ok(esxvirt_util::Encoding::Utf8), |name| {
                esxvirt_util::Encoding::from_name(&name)
            })?;

        let mut file = VmxFile::new();
        file.lines.reserve(raw.len());
        file.index.reserve(raw.len());
        // Line numbers of the entries, for duplicate-key messages.
        let mut line_numbers: Vec<usize> = Vec::with_capacity(raw.len());
        for raw_line in raw {
            match raw_line {
                RawLine::Comment(text) => {
                    file.lines.push(Line::Comment(encoding.decode(text)?));
                    line_numbers.push(0);
                }
                RawLine::Entry {
                    key,
                    value,
                    comment,
                    line,
                } => {
                    // Keys are ASCII by construction.
                    let key = String::from_utf8_lossy(key).into_owned();
                    let lower = key.to_ascii_lowercase();
                    if let Some(&first) = file.index.get(&lower) {
                        return Err(VmxFileError::DuplicateKey {
                            key,
                            first_line: line_numbers[first],
                            line,
                        });
                    }
                    let value = encoding.decode(value)?;
                    let comment = comment.map(|c| encoding.decode(c)).transpose()?;
                    file.add_prefixes(&lower);
                    file.index.insert(lower, file.lines.len());
                    file.lines.push(Line::Entry {
                        key,
                        value,
                        comment,
                    });
                    line_numbers.push(line);
                }
            }
        }
        Ok(file)
    }

    /// Parses VMX text already in memory as a Rust string. A declared `.encoding` other than
    /// UTF-8 is still honoured byte-wise (a Rust string is UTF-8, so this only matters for
    /// text that was mis-decoded before).
    pub fn parse_str(input: &str) -> Result<Self, VmxFileError> {
        Self::parse(input.as_bytes())
    }

    /// The value of `key` (case-insensitive), if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        let idx = if key.bytes().any(|b| b.is_ascii_uppercase()) {
            with_ascii_lowercase(key, |k| self.index.get(k).copied())?
        } else {
            *self.index.get(key)?
        };
        match &self.lines[idx] {
            Line::Entry { value, .. } => Some(value),
            Line::Comment(_) => None,
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
            Some(v) => Err(invalid(key, v, "a boolean value (true|false)")),
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
                .ok_or_else(|| invalid(key, v, "an integer value")),
        }
    }

    /// An integer entry with a default for when it is absent.
    pub fn get_i64_or(&self, key: &str, default: i64) -> Result<i64, VmxFileError> {
        Ok(self.get_i64(key)?.unwrap_or(default))
    }

    /// An integer entry that must lie in `range` when present.
    pub fn get_i64_in(
        &self,
        key: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Result<Option<i64>, VmxFileError> {
        match self.get_i64(key)? {
            Some(n) if !range.contains(&n) => Err(invalid(
                key,
                self.get(key).unwrap_or_default(),
                &format!("an integer in [{}..{}]", range.start(), range.end()),
            )),
            other => Ok(other),
        }
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
            if let Line::Entry { value: v, .. } = &mut self.lines[idx] {
                *v = value.to_string();
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

    /// Removes `key` (case-insensitive); returns its value if it was present.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        let idx = self.index.remove(&key.to_ascii_lowercase())?;
        let removed = self.lines.remove(idx);
        for v in self.index.values_mut() {
            if *v > idx {
                *v -= 1;
            }
        }
        let keys: Vec<String> = self.index.keys().cloned().collect();
        self.prefixes.clear();
        for k in keys {
            self.add_prefixes(&k);
        }
        match removed {
            Line::Entry { value, .. } => Some(value),
            Line::Comment(_) => None,
        }
    }

    /// The entries in file order, keys as spelt in the file.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.lines.iter().filter_map(|l| match l {
            Line::Entry { key, value, .. } => Some((key.as_str(), value.as_str())),
            Line::Comment(_) => None,
        })
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.index.len()
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

fn invalid(key: &str, value: &str, expected: &str) -> VmxFileError {
    VmxFileError::InvalidValue {
        key: key.to_string(),
        value: value.to_string(),
        expected: expected.to_string(),
    }
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

/// Parses an integer as C's strtoll does for the reference: leading whitespace, an optional
/// sign, at least one decimal digit, and nothing after; overflow is an error.
pub(crate) fn parse_c_integer(s: &str) -> Option<i64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Accumulate negatively so i64::MIN parses.
    let mut acc: i64 = 0;
    for b in digits.bytes() {
        acc = acc.checked_mul(10)?.checked_sub(i64::from(b - b'0'))?;
    }
    if neg {
        Some(acc)
    } else {
        acc.checked_neg()
    }
}

enum RawLine<'a> {
    Entry {
        key: &'a [u8],
        value: &'a [u8],
        comment: Option<&'a [u8]>,
        line: usize,
    },
    Comment(&'a [u8]),
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    line: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }
    fn err(&self, message: &str) -> VmxFileError {
        VmxFileError::Syntax {
            line: self.line,
            message: message.to_string(),
        }
    }
    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }
    fn skip_blanks_and_eol(&mut self) {
        while let Some(c @ (b' ' | b'\t' | b'\n' | b'\r')) = self.peek() {
            if c == b'\n' {
                self.line += 1;
            }
            self.pos += 1;
        }
    }
    fn rest_of_line(&mut self) -> &'a [u8] {
        let start = self.pos;
        while !matches!(self.peek(), None | Some(b'\n' | b'\r')) {
            self.pos += 1;
        }
        &self.s[start..self.pos]
    }
    fn value(&mut self) -> Result<&'a [u8], VmxFileError> {
        match self.peek() {
            None => Err(self.err("expecting a value")),
            Some(b'"') if self.s[self.pos..].starts_with(b"\"\"\"") => {
                self.pos += 3;
                let start = self.pos;
                loop {
                    if self.s[self.pos..].starts_with(b"\"\"\"") {
                        let v = &self.s[start..self.pos];
                        self.pos += 3;
                        return Ok(v);
                    }
                    match self.peek() {
                        None => return Err(self.err("unterminated string")),
                        Some(c) => {
                            if c == b'\n' {
                                self.line += 1;
                            }
                            self.pos += 1;
                        }
                    }
                }
            }
            Some(q @ (b'"' | b'\'')) => {
                self.pos += 1;
                let start = self.pos;
                while let Some(c) = self.peek() {
                    if c == q || c == b'\n' || c == b'\r' {
                        break;
                    }
                    self.pos += 1;
                }
                if self.peek() != Some(q) {
                    return Err(self.err("unterminated string"));
                }
                let v = &self.s[start..self.pos];
                self.pos += 1;
                Ok(v)
            }
            Some(b'[') => Err(self.err("lists not allowed in VMX format")),
            Some(b'0'..=b'9' | b'-' | b'+') => Err(self.err("numbers not allowed in VMX format")),
            Some(_) => Err(self.err("expecting a value")),
        }
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
    loop {
        p.skip_blanks_and_eol();
        let Some(c) = p.peek() else { break };
        if c == b'#' {
            p.pos += 1;
            out.push(RawLine::Comment(p.rest_of_line()));
        } else {
            if !(c.is_ascii_alphabetic() || c == b'.') {
                return Err(p.err("expecting a name"));
            }
            let start = p.pos;
            while p.peek().is_some_and(is_key_byte) {
                p.pos += 1;
            }
            let key = &input[start..p.pos];
            if key.len() > MAX_VMX_KEY_LEN {
                return Err(p.err(&format!("name longer than {MAX_VMX_KEY_LEN} bytes")));
            }
            let line = p.line;
            p.skip_blanks();
            if p.peek() != Some(b'=') {
                return Err(p.err("expecting an assignment"));
            }
            p.pos += 1;
            p.skip_blanks();
            let value = p.value()?;
            p.skip_blanks();
            let comment = if p.peek() == Some(b'#') {
                p.pos += 1;
                Some(p.rest_of_line())
            } else {
                None
            };
            entries += 1;
            if entries > MAX_VMX_ENTRIES {
                return Err(VmxFileError::TooLarge(format!(
                    "more than {MAX_VMX_ENTRIES} entries"
                )));
            }
            out.push(RawLine::Entry {
                key,
                value,
                comment,
                line,
            });
        }
        // A statement ends at a line end, a ';' or the end of the input.
        p.skip_blanks();
        match p.peek() {
            None | Some(b'\n' | b'\r') => {}
            Some(b';') => p.pos += 1,
            Some(_) => return Err(p.err("expecting a separator")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(f.get_bool("b").is_err());
        assert_eq!(f.get_bool_or("zz", true), Ok(true));
        assert_eq!(f.get_i64("c"), Ok(Some(-42)));
        assert_eq!(f.get_i64("d"), Ok(Some(-1)));
        assert!(f.get_i64("e").is_err());
        assert!(f.get_i64("f").is_err());
        assert_eq!(f.get_i64_or("zz", 7), Ok(7));
        assert!(f.get_i64_in("c", 0..=10).is_err());
        assert_eq!(f.get_i64_in("c", -50..=10), Ok(Some(-42)));
        assert!(matches!(f.require("zz"), Err(VmxFileError::Missing(_))));
    }

    #[test]
    fn windows_1252_is_decoded() {
        let f =
            VmxFile::parse(b".encoding = \"windows-1252\"\nannotation = \"\xe4\x80\"\n").unwrap();
        assert_eq!(f.get("annotation"), Some("ä€"));
        assert!(VmxFile::parse(b".encoding = \"windows-1252\"\nannotation = \"\x81\"\n").is_err());
        assert!(VmxFile::parse(b".encoding = \"klingon\"\na = \"b\"\n").is_err());
    }

    #[test]
    fn errors() {
        let bad: &[&[u8]] = &[
            b"a = \"1\"\nA = \"2\"\n",
            b"a = 1\n",
            b"a = [\"1\"]\n",
            b"a = \"1",
            b"a \"1\"\n",
            b"1a = \"1\"\n",
            b"a = \"1\" b = \"2\"\n",
            b"a = \"\xff\"\n",
            b"a = \"x\0\"\n",
            b"a = \n",
            b"a = \"\"\"x",
            b"=",
        ];
        for input in bad {
            assert!(
                VmxFile::parse(input).is_err(),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
        assert!(matches!(
            VmxFile::parse(b"a = \"1\"\nA = \"2\"\n"),
            Err(VmxFileError::DuplicateKey {
                first_line: 1,
                line: 2,
                ..
            })
        ));
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

    #[test]
    fn c_integers() {
        assert_eq!(parse_c_integer("0"), Some(0));
        assert_eq!(parse_c_integer("+5"), Some(5));
        assert_eq!(parse_c_integer("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_c_integer("9223372036854775808"), None);
        assert_eq!(parse_c_integer(""), None);
        assert_eq!(parse_c_integer("-"), None);
        assert_eq!(parse_c_integer("1 "), None);
    }
}
