//! The interactive shell on a terminal: line editing and history (rustyline), with the
//! history kept in `$XDG_CACHE_HOME/esxvirt/history` (`~/.cache/esxvirt/history`, as virsh
//! keeps `~/.cache/virsh/history`), and completion of command names, a command's option
//! names, and domain, network and pool names from the open connection. Each line runs as in
//! [`crate::shell`]; on a pipe the shell reads plain lines instead.

use std::cell::RefCell;
use std::path::PathBuf;

use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};

use crate::commands::REGISTRY;
use crate::session::Session;
use crate::shell::{emit, emit_error, prompt, run_line};

/// Lines of history kept, as virsh keeps.
const HISTORY_SIZE: usize = 500;

/// Where the history is kept.
pub fn history_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("esxvirt").join("history"))
}

/// What kind of name an option's value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    Domain,
    Network,
    Pool,
}

/// The kind of name option `long` takes, by its name.
fn name_kind(long: &str) -> Option<NameKind> {
    match long {
        "domain" => Some(NameKind::Domain),
        "network" => Some(NameKind::Network),
        "pool" => Some(NameKind::Pool),
        _ => None,
    }
}

/// Completions of the word ending at `pos` in `line`: where the word starts and the
/// candidates. `names` lists the names of a kind (from the connection).
pub fn complete(
    line: &str,
    pos: usize,
    names: &dyn Fn(NameKind) -> Vec<String>,
) -> (usize, Vec<String>) {
    let head = &line[..pos];
    // The current command starts after the last `;`.
    let cmd_start = head.rfind(';').map_or(0, |i| i + 1);
    let cmd_text = &head[cmd_start..];
    let word_start = cmd_text
        .rfind([' ', '\t'])
        .map_or(cmd_start, |i| cmd_start + i + 1);
    let word = &head[word_start..];
    let before: Vec<&str> = head[cmd_start..word_start].split_whitespace().collect();
    let starts = |c: &String| c.starts_with(word);
    let Some(cmd) = before.first() else {
        // The command name.
        let mut all: Vec<String> = REGISTRY
            .entries()
            .filter(|e| !e.spec.hidden)
            .flat_map(|e| std::iter::once(e.spec.name).chain(e.spec.aliases.iter().copied()))
            .map(str::to_string)
            .filter(starts)
            .collect();
        all.sort();
        return (word_start, all);
    };
    let Some(entry) = REGISTRY.find(cmd) else {
        return (word_start, Vec::new());
    };
    let def = entry.command();
    let opts: Vec<&clap::Arg> = def
        .get_arguments()
        .filter(|a| a.get_long().is_some_and(|l| l != "help") && !a.is_hide_set())
        .collect();
    fn takes_value(a: &&&clap::Arg) -> bool {
        a.get_action().takes_values()
    }
    let find = |name: &str| opts.iter().find(|a| a.get_long() == Some(name));
    // Walk the words so far: options given, the value an option still waits for, and how
    // many bare words have filled options.
    let mut given: Vec<&str> = Vec::new();
    let mut waiting: Option<&str> = None;
    let mut bare = 0;
    for w in &before[1..] {
        if waiting.take().is_some() {
            continue;
        }
        match w.strip_prefix("--") {
            Some(body) => {
                let (name, inline) = match body.split_once('=') {
                    Some((n, _)) => (n, true),
                    None => (body, false),
                };
                given.push(name);
                if !inline && find(name).is_some_and(|a| takes_value(&a)) {
                    waiting = Some(name);
                }
            }
            None => bare += 1,
        }
    }
    if word.starts_with('-') && waiting.is_none() {
        let mut c: Vec<String> = opts
            .iter()
            .filter_map(|a| a.get_long())
            .filter(|l| !given.contains(l))
            .map(|l| format!("--{l}"))
            .filter(starts)
            .collect();
        c.sort();
        return (word_start, c);
    }
    // A value: of the option just named, or of the option this bare word fills.
    let target = match waiting {
        Some(name) => Some(name),
        None => opts
            .iter()
            .filter(takes_value)
            .filter(|a| {
                let l = a.get_long().unwrap_or("");
                !entry.spec.named_only.contains(&l) && !given.contains(&l)
            })
            .nth(bare)
            .and_then(|a| a.get_long()),
    };
    let kind = target.and_then(name_kind);
    match kind {
        Some(k) => {
            let mut c: Vec<String> = names(k).into_iter().filter(starts).collect();
            c.sort();
            c.dedup();
            (word_start, c)
        }
        None => (word_start, Vec::new()),
    }
}

/// rustyline's helper: completion over the session's open connection.
struct ShellHelper<'s, 'a> {
    session: &'s RefCell<&'a mut Session>,
}

impl ShellHelper<'_, '_> {
    /// Names of `kind` from the open connection (none when it is not open: completing
    /// never opens a connection).
    fn names(&self, kind: NameKind) -> Vec<String> {
        let Ok(session) = self.session.try_borrow() else {
            return Vec::new();
        };
        let Some(conn) = session.open_connection() else {
            return Vec::new();
        };
        match kind {
            NameKind::Domain => conn
                .list_all_domains(0)
                .map(|ds| ds.iter().map(|d| d.get_name().to_string()).collect())
                .unwrap_or_default(),
            NameKind::Network => conn
                .list_all_networks(0)
                .map(|ns| ns.iter().map(|n| n.get_name().to_string()).collect())
                .unwrap_or_default(),
            NameKind::Pool => conn
                .list_all_storage_pools(0)
                .map(|ps| ps.iter().map(|p| p.get_name().to_string()).collect())
                .unwrap_or_default(),
        }
    }
}

impl Completer for ShellHelper<'_, '_> {
    type Candidate = Pair;
    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let (start, words) = complete(line, pos, &|k| self.names(k));
        let pairs = words
            .into_iter()
            .map(|w| {
                // A name with blanks or quotes is completed quoted, as the shell splits.
                let replacement = if w.contains([' ', '\t', '\'', '"', ';', '\\']) {
                    format!("'{}'", w.replace('\'', "'\\''"))
                } else {
                    w.clone()
                };
                Pair {
                    display: w,
                    replacement,
                }
            })
            .collect();
        Ok((start, pairs))
    }
}

impl Hinter for ShellHelper<'_, '_> {
    type Hint = String;
}
impl Highlighter for ShellHelper<'_, '_> {}
impl Validator for ShellHelper<'_, '_> {}
impl Helper for ShellHelper<'_, '_> {}

/// Runs the shell on the terminal; returns the exit status of the last command.
pub fn run_interactive(session: &mut Session) -> i32 {
    if !session.settings.quiet {
        emit("Welcome to esxvirt, the virtualization interactive terminal.\n\n");
        emit("Type:  'help' for help with commands\n");
        emit("       'quit' to quit\n\n");
    }
    // virsh connects when its shell starts, so completion has names at once.
    if let Err(e) = session.connection() {
        crate::shell::report(session.settings.json, &e);
    }
    let readonly = session.settings.readonly;
    let cell = RefCell::new(session);
    let config = rustyline::Config::builder()
        .max_history_size(HISTORY_SIZE)
        .and_then(|b| b.history_ignore_dups(true))
        .map(|b| b.auto_add_history(true).build());
    let editor = config.and_then(Editor::with_config);
    let mut editor: Editor<ShellHelper<'_, '_>, rustyline::history::FileHistory> = match editor {
        Ok(e) => e,
        Err(e) => {
            emit_error(&format!("cannot start the line editor: {e}"));
            return 1;
        }
    };
    editor.set_helper(Some(ShellHelper { session: &cell }));
    let history = history_path();
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    let mut status = 0;
    loop {
        let line = match editor.readline(prompt(readonly)) {
            Ok(l) => l,
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => {
                emit("\n");
                break;
            }
            Err(e) => {
                emit_error(&e.to_string());
                status = 1;
                break;
            }
        };
        let mut session = cell.borrow_mut();
        status = run_line(&mut session, &line);
        if session.quit {
            break;
        }
    }
    if let Some(h) = &history {
        if let Some(dir) = h.parent() {
            let _ = create_private_dir(dir);
        }
        let _ = editor.save_history(h);
    }
    cell.into_inner().disconnect();
    status
}

/// Creates the history's directory, private to the user.
fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(k: NameKind) -> Vec<String> {
        match k {
            NameKind::Domain => vec!["web01".into(), "web 02".into(), "db01".into()],
            NameKind::Network => vec!["vSwitch0".into()],
            NameKind::Pool => vec!["datastore1".into(), "nfs-iso".into()],
        }
    }

    fn c(line: &str) -> (usize, Vec<String>) {
        complete(line, line.len(), &names)
    }

    #[test]
    fn command_names() {
        let (start, got) = c("snapshot-c");
        assert_eq!(start, 0);
        assert_eq!(
            got,
            ["snapshot-create", "snapshot-create-as", "snapshot-current"]
        );
        let (start, got) = c("list --all; domi");
        assert_eq!(start, 12);
        assert_eq!(got, ["domid", "domifaddr", "dominfo"]);
        assert!(
            !c("ma").1.contains(&"man".to_string()),
            "hidden commands are not offered"
        );
    }

    #[test]
    fn option_names_not_yet_given() {
        let (start, got) = c("vcpucount web01 --ma");
        assert_eq!((start, got), (16, vec!["--maximum".to_string()]));
        let got = c("vcpucount --live --").1;
        assert!(got.contains(&"--config".to_string()) && !got.contains(&"--live".to_string()));
        assert!(c("nosuch --").1.is_empty());
    }

    #[test]
    fn names_from_the_connection() {
        assert_eq!(c("dominfo w").1, ["web 02", "web01"]);
        assert_eq!(c("dominfo --domain d").1, ["db01"]);
        assert_eq!(c("net-info v").1, ["vSwitch0"]);
        assert_eq!(c("vol-list --pool n").1, ["nfs-iso"]);
        // The second bare word of setmem is the size, not a domain.
        assert!(c("setmem web01 ").1.is_empty());
        assert_eq!(c("vol-info --vol x ").1, ["datastore1", "nfs-iso"]);
    }
}
