//! The session every command of a run shares: the settings from the global options, the
//! URI they select, and the connection, opened on first use and kept until `connect`,
//! `quit` or the end of the run. [`Ctx`] is what a command that needs the connection sees
//! of it (the lookups virsh does on it live in [`crate::lookup`]).

use std::sync::Arc;

use esxvirt_driver::{Connection, OpenOptions, SimStarter};

use crate::output::{CmdError, CmdResult};
use crate::uri_choice::Choice;

/// Settings shared by every command of a run (the global options).
#[derive(Clone, Default)]
pub struct Settings {
    /// The URI asked for (`-c`), if any.
    pub uri: Option<String>,
    pub readonly: bool,
    pub quiet: bool,
    pub json: bool,
    pub no_session_cache: bool,
}

/// A session: settings plus the connection, opened on first use and kept.
pub struct Session {
    pub settings: Settings,
    conn: Option<Connection>,
    sim: Option<Arc<dyn SimStarter>>,
    /// Set by `quit`/`exit` in the shell.
    pub quit: bool,
    /// The current command failed to connect (virsh then ends without its blank line).
    connect_failed: bool,
}

/// A command's view of the session once the connection is open.
pub struct Ctx<'c> {
    pub conn: &'c Connection,
    /// `--json`, when the command supports it.
    pub json: bool,
    /// `--quiet`.
    pub quiet: bool,
    /// How the session opens connections (migrate opens its destination the same way).
    pub options: OpenOptions,
}

impl Session {
    /// A session that starts `sim:///` URIs with `sim`.
    pub fn new(settings: Settings, sim: Option<Arc<dyn SimStarter>>) -> Session {
        Session {
            settings,
            conn: None,
            sim,
            quit: false,
            connect_failed: false,
        }
    }

    /// The URI this session uses and where it came from ([`crate::uri_choice`]).
    pub fn choice(&self) -> Result<Choice, String> {
        crate::uri_choice::choose(self.settings.uri.as_deref())
    }

    /// How this session opens connections: prompting on the terminal, with the session
    /// cache unless turned off.
    pub fn open_options(&self) -> OpenOptions {
        OpenOptions {
            auth: Some(Arc::new(crate::prompt::TerminalAuth)),
            session_cache: !self.settings.no_session_cache,
            sim: self.sim.clone(),
            read_only: self.settings.readonly,
            ..OpenOptions::default()
        }
    }

    /// The connection, opened now if it is not yet; a failure is virsh's "failed to
    /// connect" and marks the command (see [`Session::connect_failed`]).
    pub fn connection(&mut self) -> Result<&Connection, CmdError> {
        if self.conn.is_none() {
            let options = self.open_options();
            let has_sim = self.sim.is_some();
            let choice = self.choice().and_then(|c| {
                c.check_scheme()?;
                if c.is_default() && !has_sim {
                    return Err(crate::uri_choice::no_uri_without_simulator());
                }
                Ok(c)
            });
            let choice = match choice {
                Ok(c) => c,
                Err(why) => {
                    self.connect_failed = true;
                    return Err(CmdError::lines(vec![
                        "failed to connect to the hypervisor".to_string(),
                        why,
                    ]));
                }
            };
            tracing::debug!(
                target: "esxvirt_cli",
                "connecting to '{}' ({:?}{})",
                choice.uri,
                choice.source,
                choice.alias.as_ref().map_or(String::new(), |a| format!(", alias '{a}'"))
            );
            if choice.is_default() && !self.settings.quiet {
                let mut note = crate::uri_choice::simulator_note();
                if self.settings.json {
                    note = serde_json::json!({ "notice": { "message": note } }).to_string();
                }
                use std::io::Write;
                let _ = writeln!(std::io::stderr().lock(), "{note}");
            }
            match Connection::open(&choice.uri, &options) {
                Ok(c) => self.conn = Some(c),
                Err(e) => {
                    self.connect_failed = true;
                    return Err(CmdError::with("failed to connect to the hypervisor", e));
                }
            }
        }
        self.conn
            .as_ref()
            .ok_or_else(|| CmdError::msg("no valid connection"))
    }

    /// The connection if it is open (never opens one).
    pub fn open_connection(&self) -> Option<&Connection> {
        self.conn.as_ref()
    }

    /// The context of a command that needs the connection (opened now if need be); `json`
    /// is whether the command prints JSON.
    pub fn ctx(&mut self, json: bool) -> Result<Ctx<'_>, CmdError> {
        let quiet = self.settings.quiet;
        let options = self.open_options();
        let conn = self.connection()?;
        Ok(Ctx {
            conn,
            json,
            quiet,
            options,
        })
    }

    /// `connect`: drops the connection and opens one to `uri` (or the same URI again).
    pub fn reconnect(&mut self, uri: Option<&str>, readonly: bool) -> CmdResult {
        self.disconnect();
        if let Some(u) = uri {
            self.settings.uri = Some(u.to_string());
        }
        self.settings.readonly = readonly;
        self.connection()?;
        Ok(())
    }

    /// Ends the connection (a later command reopens it); a cached session stays logged in
    /// so that the next esxvirt run skips the login.
    pub fn disconnect(&mut self) {
        if let Some(c) = self.conn.take() {
            let _ = c.finish();
        }
    }

    /// Marks the start of a command (clears [`Session::connect_failed`]).
    pub fn start_command(&mut self) {
        self.connect_failed = false;
    }

    /// Whether the current command failed to connect.
    pub fn connect_failed(&self) -> bool {
        self.connect_failed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_uri_asked_for_wins() {
        let s = Session::new(
            Settings {
                uri: Some("esx://h/".into()),
                ..Settings::default()
            },
            None,
        );
        assert_eq!(s.choice().map(|c| c.uri), Ok("esx://h/".to_string()));
        let s = Session::new(
            Settings {
                uri: Some("sim:///default".into()),
                ..Settings::default()
            },
            None,
        );
        assert_eq!(s.choice().map(|c| c.uri), Ok("sim:///default".to_string()));
    }
}
