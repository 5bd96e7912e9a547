//! The interactive shell (`esxvirt` with no command): virsh's banner, prompt and line
//! syntax; one connection serves every command until `quit`, `exit` or end of input. This
//! reads plain lines (a pipe, as tests and scripts use it); on a terminal
//! [`crate::editor`] reads them with line editing and completion.

use std::io::{BufRead, IsTerminal, Write};

use crate::args::split_commands;
use crate::dispatch::run_words;
use crate::output::CmdError;
use crate::session::Session;

/// The prompt: `esxvirt # `, or `esxvirt > ` on a read-only connection (as virsh marks it).
pub fn prompt(readonly: bool) -> &'static str {
    if readonly {
        "esxvirt > "
    } else {
        "esxvirt # "
    }
}

/// Runs the shell over `input`; returns the exit status of the last command.
pub fn run_shell(session: &mut Session, input: &mut dyn BufRead) -> i32 {
    let tty = std::io::stdin().is_terminal();
    if tty && !session.settings.quiet {
        emit("Welcome to esxvirt, the virtualization interactive terminal.\n\n");
        emit("Type:  'help' for help with commands\n");
        emit("       'quit' to quit\n\n");
    }
    let mut status = 0;
    loop {
        if tty {
            emit(prompt(session.settings.readonly));
        }
        let mut line = String::new();
        match input.read_line(&mut line) {
            Ok(0) => {
                if tty {
                    emit("\n");
                }
                break;
            }
            Ok(_) => {}
            Err(e) => {
                emit_error(&e.to_string());
                status = 1;
                break;
            }
        }
        status = run_line(session, &line);
        if session.quit {
            break;
        }
    }
    session.disconnect();
    status
}

/// Writes to stdout; a closed pipe (`esxvirt list | head -1`) is not an error worth a
/// panic, so write errors are ignored.
pub fn emit(text: &str) {
    let mut o = std::io::stdout().lock();
    let _ = o.write_all(text.as_bytes());
    let _ = o.flush();
}

/// Writes one `error: ` line to stderr, ignoring write errors.
pub fn emit_error(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "error: {line}");
}

/// Reports a failure on stderr: virsh's `error: ` lines, or one JSON object with `--json`.
pub fn report(json: bool, e: &CmdError) {
    if json {
        emit_note(&crate::output::json_error(e));
    } else {
        for l in &e.0 {
            emit_error(l);
        }
    }
}

/// Writes one informational line to stderr, ignoring write errors.
pub fn emit_note(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Runs one command given as words; returns its status (0 or 1).
pub fn run_line_words(session: &mut Session, words: &[String]) -> i32 {
    // A log file also records the commands and their errors, as virsh's does.
    let logged = crate::logging::to_file();
    if logged {
        tracing::info!(target: "esxvirt_cli", "command: {words:?}");
    }
    let (out, result) = run_words(session, words);
    emit(&out.text);
    match result {
        Ok(()) => 0,
        Err(e) => {
            if logged {
                for l in &e.0 {
                    tracing::error!(target: "esxvirt_cli", "{l}");
                }
            }
            report(session.settings.json, &e);
            1
        }
    }
}

/// Runs one line (possibly several `;`-separated commands); returns the last status.
pub fn run_line(session: &mut Session, line: &str) -> i32 {
    let commands = match split_commands(line) {
        Ok(c) => c,
        Err(e) => {
            report(session.settings.json, &CmdError::msg(e.to_string()));
            return 1;
        }
    };
    let mut status = 0;
    for words in commands {
        status = run_line_words(session, &words);
        if session.quit {
            break;
        }
    }
    status
}
