//! Running one command given as words: finding it in the table, applying virsh's argument
//! rules ([`crate::args`]), parsing with clap, running it on the session and adding virsh's
//! blank line after it.

use clap::ArgMatches;

use crate::commands::REGISTRY;
use crate::output::{clap_error_line, CmdError, CmdResult, Out};
use crate::registry::Entry;
use crate::session::Session;

/// A parsed command line.
pub enum Parsed {
    /// The command and its arguments (the matches of its own subcommand).
    Cmd(&'static Entry, ArgMatches),
    /// `--help` of a command.
    Help(String),
}

/// Parses one command with virsh's argument rules.
pub fn parse_command(name: &str, rest: &[String]) -> Result<Parsed, CmdError> {
    let unknown = || CmdError::msg(format!("unknown command: '{name}'"));
    let entry = REGISTRY.find(name).ok_or_else(unknown)?;
    let mut argv = vec!["esxvirt".to_string(), name.to_string()];
    argv.extend(crate::args::normalize(name, rest));
    let matches = match REGISTRY.root_for(entry).try_get_matches_from(&argv) {
        Ok(m) => m,
        Err(e) => {
            use clap::error::ErrorKind;
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    Ok(Parsed::Help(e.to_string()))
                }
                _ => Err(CmdError::msg(clap_error_line(name, &e))),
            };
        }
    };
    match matches.subcommand() {
        Some((_, sub)) => Ok(Parsed::Cmd(entry, sub.clone())),
        None => Err(unknown()),
    }
}

/// Parses and runs one command given as words (`["dominfo", "vm1"]`).
pub fn run_words(session: &mut Session, words: &[String]) -> (Out, CmdResult) {
    let Some(name) = words.first() else {
        return (Out::new(session.settings.quiet), Ok(()));
    };
    let mut out = Out::new(session.settings.quiet);
    // Refused before its options are looked at: no JSON form, nothing to check.
    if session.settings.json {
        if let Some(refusal) = REGISTRY.find(name).and_then(|e| e.spec.json_refusal()) {
            return (out, Err(refusal));
        }
    }
    let (entry, matches) = match parse_command(name, &words[1..]) {
        Ok(Parsed::Cmd(e, m)) => (e, m),
        Ok(Parsed::Help(text)) => {
            out.print(&text);
            return (out, Ok(()));
        }
        Err(e) => return (out, Err(e)),
    };
    session.start_command();
    let r = entry.run(session, &REGISTRY, &matches, &mut out);
    // virsh prints a blank line after each command that ran (not under --quiet); JSON
    // output is the document alone.
    if !session.connect_failed() && entry.spec.blank_line && !session.settings.json {
        out.extra("\n");
    }
    (out, r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(name: &str, rest: &[&str]) -> Option<CmdError> {
        let rest: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
        parse_command(name, &rest).err()
    }

    #[test]
    fn parse_errors_are_virsh_like() {
        assert_eq!(
            err("dominfo", &[]),
            Some(CmdError::msg("command 'dominfo' requires <domain> option"))
        );
        assert_eq!(
            err("nosuch", &[]),
            Some(CmdError::msg("unknown command: 'nosuch'"))
        );
        assert_eq!(
            err("list", &["--bogus"]),
            Some(CmdError::msg(
                "command 'list' doesn't support option --bogus"
            ))
        );
        assert_eq!(
            err("domid", &["a", "b"]),
            Some(CmdError::msg("unexpected data 'b'"))
        );
        match parse_command("dominfo", &["vm 1".to_string()]) {
            Ok(Parsed::Cmd(e, m)) => {
                assert_eq!(e.spec.name, "dominfo");
                assert_eq!(
                    m.get_one::<String>("domain").map(String::as_str),
                    Some("vm 1")
                );
            }
            _ => panic!("dominfo parses"),
        }
        assert!(matches!(
            parse_command("dominfo", &["--help".to_string()]),
            Ok(Parsed::Help(text)) if text.contains("--domain")
        ));
    }
}
