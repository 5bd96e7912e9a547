//! The `esxvirt` binary: global options, then one command (virsh style), or the
//! interactive shell when no command is given (with line editing on a terminal).

use clap::FromArgMatches;
use esxvirt_cli::commands::REGISTRY;
use esxvirt_cli::{args, cli::Cli, logging, output, session, shell};

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
            let json = argv[..globals_end].iter().any(|a| a == "--json");
            let err = output::CmdError::msg(output::clap_error_line("esxvirt", &e));
            shell::report(json, &err);
            return 1;
        }
    };
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let log = match logging::request(globals.debug.as_deref(), globals.log.clone(), env) {
        Ok((req, notes)) => {
            for n in notes {
                shell::report(globals.json, &output::CmdError::msg(n));
            }
            req
        }
        Err(e) => {
            shell::report(globals.json, &output::CmdError::msg(e));
            return 1;
        }
    };
    if let Err(e) = logging::init(&log) {
        shell::report(globals.json, &output::CmdError::msg(e));
        return 1;
    }
    let settings = session::Settings {
        uri: globals.connect,
        readonly: globals.readonly,
        quiet: globals.quiet,
        json: globals.json,
        no_session_cache: globals.no_session_cache,
    };
    #[cfg(feature = "embedded-sim")]
    let sim = Some(esxvirt_cli::simstart::starter());
    #[cfg(not(feature = "embedded-sim"))]
    let sim = None;
    let mut session = session::Session::new(settings, sim);
    let status = match cmd_at {
        None if std::io::IsTerminal::is_terminal(&std::io::stdin()) => {
            return esxvirt_cli::editor::run_interactive(&mut session);
        }
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
