//! What a command produces: its stdout text ([`Out`]; informational lines are dropped under
//! `--quiet`), its failure ([`CmdError`]: the lines virsh prints after `error: `), JSON
//! documents for `--json` ([`json_out`]) and clap's parse errors in virsh's words
//! ([`clap_error_line`]). Output is collected rather than written so the same code serves
//! the one-shot binary, the shell and tests.

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

/// A failed command: the lines virsh prints, each after `error: `.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmdError(pub Vec<String>);

impl CmdError {
    /// One line.
    pub fn msg(s: impl Into<String>) -> CmdError {
        CmdError(vec![s.into()])
    }
    /// virsh's "what failed" line followed by the driver's error.
    pub fn with(first: impl Into<String>, e: esxvirt_driver::Error) -> CmdError {
        CmdError(vec![first.into(), e.to_string()])
    }
    /// virsh's rejection of an option's number (`text` as given, `option` without `--`).
    pub fn malformed(text: &str, option: &str) -> CmdError {
        CmdError::msg(format!(
            "Numeric value '{text}' for <{option}> option is malformed or out of range"
        ))
    }
    /// Failure that printed nothing more (virsh returns false with no error set).
    pub fn silent() -> CmdError {
        CmdError(vec![])
    }
    /// virsh's exclusion of two options (`x`, `y` without `--`).
    pub fn exclusive(x: &str, y: &str) -> CmdError {
        CmdError::msg(format!("Options --{x} and --{y} are mutually exclusive"))
    }
}

impl From<esxvirt_driver::Error> for CmdError {
    fn from(e: esxvirt_driver::Error) -> CmdError {
        CmdError(vec![e.to_string()])
    }
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
    }
}
