//! What a command produces: its stdout text ([`Out`]; informational lines are dropped under
//! `--quiet`), its failure ([`CmdError`]: the lines virsh prints after `error: `), JSON
//! documents for `--json` ([`json_out`]) and clap's parse errors in virsh's words
//! ([`clap_error_line`]). Output is collected rather than written so the same code serves
//! the one-shot binary, the shell and tests.

use esxvirt_driver::ErrorCode;

/// What a command printed: `text` goes to stdout; informational lines (virsh's
/// `vshPrintExtra`) are dropped under `--quiet`.
#[derive(Debug, Default)]
pub struct Out {
    pub text: String,
    quiet: bool,
}

impl Out {
    /// An empty output honouring `quiet`.
    pub fn new(quiet: bool) -> Out {
        Out {
            text: String::new(),
            quiet,
        }
    }
    /// Always printed.
    pub fn print(&mut self, s: &str) {
        self.text.push_str(s);
    }
    /// Informational: not printed under `--quiet`.
    pub fn extra(&mut self, s: &str) {
        if !self.quiet {
            self.text.push_str(s);
        }
    }
}

/// A failed command: the lines virsh prints, each after `error: `, and the driver's error
/// code when the failure is the driver's (for `--json`'s error object).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmdError(pub Vec<String>, pub Option<ErrorCode>);

impl CmdError {
    /// One line.
    pub fn msg(s: impl Into<String>) -> CmdError {
        CmdError(vec![s.into()], None)
    }
    /// Several lines.
    pub fn lines(lines: Vec<String>) -> CmdError {
        CmdError(lines, None)
    }
    /// virsh's "what failed" line followed by the driver's error.
    pub fn with(first: impl Into<String>, e: esxvirt_driver::Error) -> CmdError {
        CmdError(vec![first.into(), e.to_string()], Some(e.code()))
    }
    /// virsh's rejection of an option's number (`text` as given, `option` without `--`).
    pub fn malformed(text: &str, option: &str) -> CmdError {
        CmdError::msg(format!(
            "Numeric value '{text}' for <{option}> option is malformed or out of range"
        ))
    }
    /// Failure that printed nothing more (virsh returns false with no error set).
    pub fn silent() -> CmdError {
        CmdError(vec![], None)
    }
    /// virsh's exclusion of two options (`x`, `y` without `--`).
    pub fn exclusive(x: &str, y: &str) -> CmdError {
        CmdError::msg(format!("Options --{x} and --{y} are mutually exclusive"))
    }
}

impl From<esxvirt_driver::Error> for CmdError {
    fn from(e: esxvirt_driver::Error) -> CmdError {
        CmdError(vec![e.to_string()], Some(e.code()))
    }
}

/// libvirt's name of an error code (`VIR_ERR_NO_DOMAIN`).
pub fn code_name(code: ErrorCode) -> String {
    let mut name = String::from("VIR_ERR");
    for c in format!("{code:?}").chars() {
        if c.is_ascii_uppercase() {
            name.push('_');
        }
        name.push(c.to_ascii_uppercase());
    }
    name
}

/// A failure as `--json` reports it on stderr: one line,
/// `{"error":{"code":...,"number":...,"message":...,"lines":[...]}}` (`code` and `number`
/// are libvirt's for a driver error, else null; `message` joins the lines with `: `).
pub fn json_error(e: &CmdError) -> String {
    let message = if e.0.is_empty() {
        "command failed".to_string()
    } else {
        e.0.join(": ")
    };
    serde_json::json!({
        "error": {
            "code": e.1.map(code_name),
            "number": e.1.map(|c| c.number()),
            "message": message,
            "lines": e.0,
        }
    })
    .to_string()
}

/// How every command ends.
pub type CmdResult = Result<(), CmdError>;

/// Prints `value` as a pretty JSON document (`--json`).
pub fn json_out<T: serde::Serialize>(out: &mut Out, value: &T) -> CmdResult {
    let s = serde_json::to_string_pretty(value).map_err(|e| CmdError::msg(e.to_string()))?;
    out.print(&s);
    out.print("\n");
    Ok(())
}

/// One line for a clap error about command `cmd`, in virsh's words where virsh has them.
pub fn clap_error_line(cmd: &str, e: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let ctx = |k: ContextKind| -> Option<String> {
        match e.get(k)? {
            ContextValue::String(s) => Some(s.clone()),
            ContextValue::Strings(v) => v.first().cloned(),
            _ => None,
        }
    };
    match e.kind() {
        ErrorKind::MissingRequiredArgument => {
            let arg = ctx(ContextKind::InvalidArg).unwrap_or_default();
            let opt = arg
                .trim_start_matches("--")
                .split([' ', '=', '<'])
                .next()
                .unwrap_or("")
                .to_string();
            format!("command '{cmd}' requires <{opt}> option")
        }
        ErrorKind::UnknownArgument => {
            let arg = ctx(ContextKind::InvalidArg).unwrap_or_default();
            if arg.starts_with('-') {
                format!("command '{cmd}' doesn't support option {arg}")
            } else {
                format!("unexpected data '{arg}'")
            }
        }
        _ => {
            let text = e.to_string();
            let first = text
                .lines()
                .next()
                .unwrap_or("invalid arguments")
                .trim_start_matches("error: ")
                .to_string();
            first
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_drops_only_informational_lines() {
        let mut out = Out::new(true);
        out.print("kept\n");
        out.extra("dropped\n");
        assert_eq!(out.text, "kept\n");
        let mut out = Out::new(false);
        out.extra("shown\n");
        assert_eq!(out.text, "shown\n");
    }

    #[test]
    fn errors_in_virsh_words() {
        assert_eq!(
            CmdError::malformed("x", "count").0,
            ["Numeric value 'x' for <count> option is malformed or out of range"]
        );
        assert_eq!(
            CmdError::exclusive("live", "config").0,
            ["Options --live and --config are mutually exclusive"]
        );
        let e = CmdError::with("failed", esxvirt_driver::Error::internal("boom"));
        assert_eq!(e.0.len(), 2);
        assert_eq!(e.0[0], "failed");
        let v: serde_json::Value = serde_json::from_str(&json_error(&e)).expect("JSON");
        assert_eq!(v["error"]["code"], "VIR_ERR_INTERNAL_ERROR");
        assert_eq!(v["error"]["number"], 1);
        assert_eq!(v["error"]["message"], "failed: internal error: boom");
        assert_eq!(v["error"]["lines"][1], "internal error: boom");
        let v: serde_json::Value =
            serde_json::from_str(&json_error(&CmdError::msg("bad option"))).expect("JSON");
        assert_eq!(v["error"]["code"], serde_json::Value::Null);
        assert_eq!(v["error"]["message"], "bad option");
        assert_eq!(
            code_name(ErrorCode::NoDomainSnapshot),
            "VIR_ERR_NO_DOMAIN_SNAPSHOT"
        );
        assert_eq!(code_name(ErrorCode::DomExist), "VIR_ERR_DOM_EXIST");
    }
}
