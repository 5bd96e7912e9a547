//! The `esxvirt` binary: global options, then one command (virsh style), or the
//! interactive shell when no command is given.

use clap::FromArgMatches;
use esxvirt_cli::commands::REGISTRY;
use esxvirt_cli::{args, cli::Cli, output, session, shell, simstart};

fn main() {
    std::process::exit(real_main());
}

fn real_main() -> i32 {
    let argv: Vec<String> = std::env::args().collect();
    let cmd_at = args::command_index(&argv);
    let globals_end = cmd_at.unwrap_or(argv.len());
    // The whole tree, so that `esxvirt --help` lists the commands.
    let parsed = REGISTRY
        .root()
        .try_get_matches_from(&argv[..globals_end])
        .and_then(|m| Cli::from_arg_matches(&m));
    let globals = match parsed {
        Ok(g) => g,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                shell::emit(&e.to_string());
                return 0;
            }
            shell::emit_error(&output::clap_error_line("esxvirt", &e));
            return 1;
        }
    };
    match globals.debug {
        Some(level) => init_logging(level),
        None => esxvirt_cli::warnings::init(),
    }
    let settings = session::Settings {
        uri: globals.connect,
        readonly: globals.readonly,
        quiet: globals.quiet,
        json: globals.json,
        debug: globals.debug,
        no_session_cache: globals.no_session_cache,
    };
    let mut session = session::Session::new(settings, Some(simstart::starter()));
    let status = match cmd_at {
        None => {
            let stdin = std::io::stdin();
            let mut lock = stdin.lock();
            return shell::run_shell(&mut session, &mut lock);
        }
        // virsh also takes a whole command line as one argument: `esxvirt 'list --all'`.
        Some(i) if i + 1 == argv.len() && argv[i].contains([' ', '\t', ';']) => {
            shell::run_line(&mut session, &argv[i])
        }
        Some(i) => shell::run_line_words(&mut session, &argv[i..]),
    };
    session.disconnect();
    status
}

/// `-d LEVEL` as virsh numbers it (0 debug, 1 info, 2 notice, 3 warning, 4 error): the
/// client's log lines (SOAP calls, logins, session renewals) on stderr. Passwords are never
/// logged by the layers below.
fn init_logging(level: u8) {
    let lvl = match level {
        0 => "debug",
        1 | 2 => "info",
        3 => "warn",
        _ => "error",
    };
    let filter = tracing_subscriber::EnvFilter::new(format!(
        "esxvirt_cli={lvl},esxvirt_driver={lvl},esxvirt_vi={lvl}"
    ));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
