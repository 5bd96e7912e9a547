//! libvirt's client configuration file, `libvirt.conf`, read as libvirt 9.0 reads it for
//! virsh: its location (`/etc/libvirt/libvirt.conf` for root, else
//! `$XDG_CONFIG_HOME/libvirt/libvirt.conf`, `~/.config/libvirt/libvirt.conf` without it),
//! its syntax (libvirt's "virConf": `name = value` statements separated by new lines or `;`,
//! values `"string"`, `'string'`, `"""string"""`, numbers and `[ lists ]`, `#` comments),
//! the first entry of a name winning, and libvirt's error texts.

use std::path::{Path, PathBuf};

/// A value of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Str(String),
    Num(i64),
    List(Vec<Value>),
}

/// A parsed `libvirt.conf`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conf {
    /// The file's path as errors name it.
    pub path: String,
    entries: Vec<(String, Value)>,
}

/// Where libvirt reads `libvirt.conf`: root reads the system file, anyone else the user's.
pub fn default_path(root: bool, xdg_config_home: Option<&str>, home: Option<&str>) -> PathBuf {
    if root {
        return PathBuf::from("/etc/libvirt/libvirt.conf");
    }
    let base = match (xdg_config_home, home) {
        (Some(x), _) if !x.is_empty() => PathBuf::from(x),
        (_, Some(h)) => Path::new(h).join(".config"),
        _ => PathBuf::from(".config"),
    };
    base.join("libvirt").join("libvirt.conf")
}

/// The file this process reads: `ESXVIRT_LIBVIRT_CONF` when set (for tests and for users
/// who keep it elsewhere), else libvirt's location for this user.
pub fn path() -> PathBuf {
    if let Some(p) = std::env::var_os("ESXVIRT_LIBVIRT_CONF").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let xdg = std::env::var("XDG_CONFIG_HOME").ok();
    let home = std::env::var("HOME").ok();
    default_path(is_root(), xdg.as_deref(), home.as_deref())
}

#[cfg(unix)]
fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

#[cfg(not(unix))]
fn is_root() -> bool {
    false
}

/// Reads the file if it exists (a missing file is no configuration, as in libvirt).
pub fn load() -> Result<Option<Conf>, String> {
    let path = path();
    match std::fs::read(&path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            Conf::parse(&path.display().to_string(), &text).map(Some)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!(
            "Failed to open file '{}': {}",
            path.display(),
            crate::prompt::io_error_text(&e)
        )),
    }
}

struct Parser<'a> {
    path: &'a str,
    b: &'a [u8],
    i: usize,
    line: usize,
}

fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

fn is_eol(c: u8) -> bool {
    c == b'\n' || c == b'\r'
}

impl Parser<'_> {
    fn cur(&self) -> u8 {
        self.b.get(self.i).copied().unwrap_or(0)
    }
    fn at_end(&self) -> bool {
        self.i >= self.b.len()
    }
    fn error(&self, what: &str) -> String {
        format!(
            "configuration file syntax error: {}:{}: {what}",
            self.path, self.line
        )
    }
    fn skip_blanks(&mut self) {
        while !self.at_end() && is_blank(self.cur()) {
            self.i += 1;
        }
    }
    fn skip_blanks_and_eol(&mut self) {
        while !self.at_end() && (is_blank(self.cur()) || is_eol(self.cur())) {
            if self.cur() == b'\n' {
                self.line += 1;
            }
            self.i += 1;
        }
    }
    fn text(&self, from: usize, to: usize) -> String {
        String::from_utf8_lossy(&self.b[from..to]).into_owned()
    }

    fn string(&mut self) -> Result<String, String> {
        let q = self.cur();
        if self.i + 6 < self.b.len() && self.b[self.i..].starts_with(b"\"\"\"") {
            self.i += 3;
            let base = self.i;
            while self.i + 2 < self.b.len() && !self.b[self.i..].starts_with(b"\"\"\"") {
                if self.cur() == b'\n' {
                    self.line += 1;
                }
                self.i += 1;
            }
            if !self.b[self.i..].starts_with(b"\"\"\"") {
                return Err(self.error("unterminated string"));
            }
            let s = self.text(base, self.i);
            self.i += 3;
            return Ok(s);
        }
        self.i += 1;
        let base = self.i;
        while !self.at_end() && self.cur() != q && !is_eol(self.cur()) {
            self.i += 1;
        }
        if self.cur() != q {
            return Err(self.error("unterminated string"));
        }
        let s = self.text(base, self.i);
        self.i += 1;
        Ok(s)
    }

    fn number(&mut self) -> Result<i64, String> {
        let neg = self.cur() == b'-';
        if matches!(self.cur(), b'-' | b'+') {
            self.i += 1;
        }
        if self.at_end() || !self.cur().is_ascii_digit() {
            return Err(self.error("unterminated number"));
        }
        let mut n: i64 = 0;
        while !self.at_end() && self.cur().is_ascii_digit() {
            n = n
                .wrapping_mul(10)
                .wrapping_add(i64::from(self.cur() - b'0'));
            self.i += 1;
        }
        Ok(if neg { -n } else { n })
    }

    fn value(&mut self) -> Result<Value, String> {
        self.skip_blanks();
        if self.at_end() {
            return Err(self.error("expecting a value"));
        }
        match self.cur() {
            b'"' | b'\'' => self.string().map(Value::Str),
            b'[' => {
                self.i += 1;
                self.skip_blanks_and_eol();
                let mut items = Vec::new();
                if !self.at_end() && self.cur() != b']' {
                    items.push(self.value()?);
                    self.skip_blanks_and_eol();
                }
                while !self.at_end() && self.cur() != b']' {
                    if self.cur() != b',' {
                        return Err(self.error("expecting a separator in list"));
                    }
                    self.i += 1;
                    self.skip_blanks_and_eol();
                    if self.cur() == b']' {
                        break;
                    }
                    items.push(self.value()?);
                    self.skip_blanks_and_eol();
                }
                if self.cur() != b']' {
                    return Err(self.error("list is not closed with ]"));
                }
                self.i += 1;
                Ok(Value::List(items))
            }
            c if c.is_ascii_digit() || c == b'-' || c == b'+' => self.number().map(Value::Num),
            _ => Err(self.error("expecting a value")),
        }
    }

    /// One statement: a comment, or `name = value` with an optional trailing comment.
    fn statement(&mut self) -> Result<Option<(String, Value)>, String> {
        self.skip_blanks_and_eol();
        if self.cur() == b'#' {
            while !self.at_end() && !is_eol(self.cur()) {
                self.i += 1;
            }
            return Ok(None);
        }
        self.skip_blanks();
        if !self.cur().is_ascii_alphabetic() {
            return Err(self.error("expecting a name"));
        }
        let base = self.i;
        while !self.at_end() && (self.cur().is_ascii_alphanumeric() || self.cur() == b'_') {
            self.i += 1;
        }
        let name = self.text(base, self.i);
        self.skip_blanks();
        if self.cur() != b'=' {
            return Err(self.error("expecting an assignment"));
        }
        self.i += 1;
        self.skip_blanks();
        let value = self.value()?;
        self.skip_blanks();
        if self.cur() == b'#' {
            while !self.at_end() && !is_eol(self.cur()) {
                self.i += 1;
            }
        }
        Ok(Some((name, value)))
    }

    fn separator(&mut self) -> Result<(), String> {
        self.skip_blanks();
        if self.at_end() {
            return Ok(());
        }
        if is_eol(self.cur()) {
            self.skip_blanks_and_eol();
        } else if self.cur() == b';' {
            self.i += 1;
            self.skip_blanks_and_eol();
        } else {
            return Err(self.error("expecting a separator"));
        }
        Ok(())
    }
}

impl Conf {
    /// Parses `text`; `path` names the file in errors.
    pub fn parse(path: &str, text: &str) -> Result<Conf, String> {
        let mut p = Parser {
            path,
            b: text.as_bytes(),
            i: 0,
            line: 1,
        };
        let mut entries = Vec::new();
        while !p.at_end() {
            if let Some(e) = p.statement()? {
                entries.push(e);
            }
            p.separator()?;
        }
        Ok(Conf {
            path: path.to_string(),
            entries,
        })
    }

    fn get(&self, name: &str) -> Option<&Value> {
        self.entries.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// A string setting (`uri_default`), if present.
    pub fn string(&self, name: &str) -> Result<Option<&str>, String> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Str(s)) => Ok(Some(s)),
            Some(_) => Err(format!(
                "internal error: {}: expected a string for '{name}' parameter",
                self.path
            )),
        }
    }

    /// A string-list setting (`uri_aliases`), if present.
    pub fn string_list(&self, name: &str) -> Result<Option<Vec<&str>>, String> {
        let bad = || {
            format!(
                "{}: expected a string list for '{name}' parameter",
                self.path
            )
        };
        match self.get(name) {
            None => Ok(None),
            Some(Value::List(items)) => items
                .iter()
                .map(|v| match v {
                    Value::Str(s) => Ok(s.as_str()),
                    _ => Err(format!("configuration file syntax error: {}", bad())),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(format!("internal error: {}", bad())),
        }
    }

    /// Resolves `name` through `uri_aliases` as libvirt does: the entries are checked in
    /// order (a malformed one before the match is an error) and the first alias equal to
    /// `name` gives its URI.
    pub fn resolve_alias(&self, name: &str) -> Result<Option<String>, String> {
        let Some(aliases) = self.string_list("uri_aliases")? else {
            return Ok(None);
        };
        for entry in aliases {
            let Some((alias, uri)) = entry.split_once('=') else {
                return Err(format!(
                    "configuration file syntax error: Malformed 'uri_aliases' config entry '{entry}', expected 'alias=uri://host/path'"
                ));
            };
            let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
            if !alias.chars().all(allowed) {
                return Err(format!(
                    "configuration file syntax error: Malformed 'uri_aliases' config entry '{entry}', aliases may only contain 'a-Z, 0-9, _, -'"
                ));
            }
            if alias == name {
                return Ok(Some(uri.to_string()));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Conf, String> {
        Conf::parse("/c/libvirt.conf", text)
    }

    #[test]
    fn locations_like_libvirt() {
        assert_eq!(
            default_path(true, Some("/x"), Some("/home/u")),
            PathBuf::from("/etc/libvirt/libvirt.conf")
        );
        assert_eq!(
            default_path(false, Some("/x"), Some("/home/u")),
            PathBuf::from("/x/libvirt/libvirt.conf")
        );
        assert_eq!(
            default_path(false, None, Some("/home/u")),
            PathBuf::from("/home/u/.config/libvirt/libvirt.conf")
        );
        assert_eq!(
            default_path(false, Some(""), Some("/home/u")),
            PathBuf::from("/home/u/.config/libvirt/libvirt.conf")
        );
    }

    #[test]
    fn values_and_the_first_entry_wins() {
        let c = parse(
            "# comment\n\nuri_default = \"esx://a/\" # note\nuri_default='esx://b/'\nn = -5 ; l = [\n \"x=esx://h/\",\n 'y=vpx://v/dc/h',\n]\nt = \"\"\"tri\nple\"\"\"\n",
        )
        .expect("parses");
        assert_eq!(c.string("uri_default"), Ok(Some("esx://a/")));
        assert_eq!(c.string("missing"), Ok(None));
        assert_eq!(c.string("t"), Ok(Some("tri\nple")));
        assert_eq!(
            c.string("n"),
            Err("internal error: /c/libvirt.conf: expected a string for 'n' parameter".into())
        );
        assert_eq!(
            c.string_list("l"),
            Ok(Some(vec!["x=esx://h/", "y=vpx://v/dc/h"]))
        );
        assert_eq!(
            c.string_list("uri_default"),
            Err(
                "internal error: /c/libvirt.conf: expected a string list for 'uri_default' parameter"
                    .into()
            )
        );
        assert_eq!(parse("").map(|c| c.entries.len()), Ok(0));
    }

    #[test]
    fn syntax_errors_name_file_and_line() {
        for (text, err) in [
            ("\n", "2: expecting a name"),
            ("uri_default = \n", "1: expecting a value"),
            ("a = \"x\" b = \"y\"\n", "1: expecting a separator"),
            ("a \"x\"\n", "1: expecting an assignment"),
            ("a = \"x\n", "1: unterminated string"),
            ("a = [\n \"x\", # c\n]\n", "2: expecting a value"),
            ("a = [ \"x\" \"y\" ]\n", "1: expecting a separator in list"),
            ("a = [ \"x\"", "1: list is not closed with ]"),
            ("a = -\n", "1: unterminated number"),
        ] {
            assert_eq!(
                parse(text),
                Err(format!(
                    "configuration file syntax error: /c/libvirt.conf:{err}"
                )),
                "{text:?}"
            );
        }
    }

    #[test]
    fn aliases_resolve_like_libvirt() {
        let c = parse(
            "uri_aliases = [ \"esx1=esx://root@esx1/?no_verify=1\", \"vc_2=vpx://vc/dc/h\" ]\n",
        )
        .expect("parses");
        assert_eq!(
            c.resolve_alias("esx1"),
            Ok(Some("esx://root@esx1/?no_verify=1".into()))
        );
        assert_eq!(c.resolve_alias("vc_2"), Ok(Some("vpx://vc/dc/h".into())));
        assert_eq!(c.resolve_alias("esx://esx1/"), Ok(None));
        let bad = parse("uri_aliases = [ \"b@d=esx://x/\", \"ok=esx://y/\" ]").expect("parses");
        assert_eq!(
            bad.resolve_alias("ok"),
            Err("configuration file syntax error: Malformed 'uri_aliases' config entry 'b@d=esx://x/', aliases may only contain 'a-Z, 0-9, _, -'".into())
        );
        let bad = parse("uri_aliases = [ \"plain\" ]").expect("parses");
        assert_eq!(
            bad.resolve_alias("x"),
            Err("configuration file syntax error: Malformed 'uri_aliases' config entry 'plain', expected 'alias=uri://host/path'".into())
        );
        let none = parse("uri_default = \"x\"").expect("parses");
        assert_eq!(none.resolve_alias("x"), Ok(None));
    }
}
