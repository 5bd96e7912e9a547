//! The interactive shell (`esxvirt` with no command): virsh's banner, prompt and line
//! syntax; one connection serves every command until `quit`, `exit` or end of input.

use std::io::{BufRead, IsTerminal, Write};

use crate::args::split_commands;
use crate::run::Session;

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
        println!("Welcome to esxvirt, the virtualization interactive terminal.\n");
        println!("Type:  'help' for help with commands");
        println!("       'quit' to quit\n");
    }
    let mut status = 0;
    loop {
        if tty {
            print!("{}", prompt(session.settings.readonly));
            let _ = std::io::stdout().flush();
        }
        let mut line = String::new();
        match input.read_line(&mut line) {
            Ok(0) => {
                if tty {
                    println!();
                }
                break;
            }
            Ok(_) => {}
            Err(e) => {
                eprintln!("error: {e}");
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

/// Runs one command given as words; returns its status (0 or 1).
pub fn run_line_words(session: &mut Session, words: &[String]) -> i32 {
    let (out, result) = session.run_words(words);
    print!("{}", out.text);
    let _ = std::io::stdout().flush();
    match result {
        Ok(()) => 0,
        Err(e) => {
            for l in e.0 {
                eprintln!("error: {l}");
            }
            1
        }
    }
}

/// Runs one line (possibly several `;`-separated commands); returns the last status.
pub fn run_line(session: &mut Session, line: &str) -> i32 {
    let commands = match split_commands(line) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
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
