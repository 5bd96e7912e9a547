//! What a command is and how the command table is put together. A command is a type that
//! derives `clap::Args` (its options, in virsh's order) and implements [`ConnCommand`]
//! (it runs on the session's connection, which the runner opens first) or
//! [`SessionCommand`] (it runs on the session itself: `connect`, `quit`, `help`, the
//! conversions that work offline). Its facts — name, one-line help, aliases, the options a
//! bare word never fills, whether `--json` applies — are its [`Spec`]. [`Entry`] erases the
//! type so that a virsh [`Group`] (name, help keyword, commands) can list its commands, and
//! the [`Registry`] of every group finds commands and builds the clap tree for parsing,
//! help and shell completion.

use clap::{ArgMatches, CommandFactory};

use crate::cli::Cli;
use crate::output::{clap_error_line, CmdError, CmdResult, Out};
use crate::session::{Ctx, Session};

/// A command's facts.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    /// virsh's name of the command.
    pub name: &'static str,
    /// One line of help (virsh's summary of the command).
    pub about: &'static str,
    /// Other names the command answers to.
    pub aliases: &'static [&'static str],
    /// Options (long names) that only `--opt value` sets: a bare word never fills them
    /// (virsh's `VSH_OFLAG_REQ_OPT`).
    pub named_only: &'static [&'static str],
    /// Whether `--json` gives a JSON document instead of virsh's text.
    pub json: bool,
    /// Whether the command prints nothing on success (`connect`, `quit`): `--json` then
    /// needs no JSON form of it.
    pub no_output: bool,
    /// Left out of help, the manual and completion (`man`).
    pub hidden: bool,
    /// Whether virsh's blank line follows the command's output (not after `quit`, `exit`,
    /// or a completion script).
    pub blank_line: bool,
}

impl Spec {
    /// A command called `name`: no aliases, every value option fillable by a bare word, no
    /// JSON, virsh's blank line after it.
    pub const fn new(name: &'static str, about: &'static str) -> Spec {
        Spec {
            name,
            about,
            aliases: &[],
            named_only: &[],
            json: false,
            no_output: false,
            hidden: false,
            blank_line: true,
        }
    }

    /// `--json` applies.
    pub const fn json(self) -> Spec {
        Spec { json: true, ..self }
    }

    /// With `--json`, the refusal of a command that has no JSON form (and prints
    /// something): `None` when it may run.
    pub fn json_refusal(&self) -> Option<CmdError> {
        (!self.json && !self.no_output).then(|| {
            CmdError::msg(format!(
                "command '{}' has no JSON output (docs/json.md lists the commands that have one); run it without --json",
                self.name
            ))
        })
    }

    /// Not listed in help, the manual or completion.
    pub const fn hidden(self) -> Spec {
        Spec {
            hidden: true,
            ..self
        }
    }

    /// Prints nothing on success (so `--json` is no reason to refuse it).
    pub const fn no_output(self) -> Spec {
        Spec {
            no_output: true,
            ..self
        }
    }

    /// These options are set by name only.
    pub const fn named_only(self, options: &'static [&'static str]) -> Spec {
        Spec {
            named_only: options,
            ..self
        }
    }

    /// The command also answers to these names.
    pub const fn aliases(self, aliases: &'static [&'static str]) -> Spec {
        Spec { aliases, ..self }
    }

    /// No blank line after the output.
    pub const fn no_blank_line(self) -> Spec {
        Spec {
            blank_line: false,
            ..self
        }
    }
}

/// A command that runs on the session's connection.
pub trait ConnCommand: clap::Args {
    /// The command's facts.
    const SPEC: Spec;
    /// Runs the parsed command.
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult;
}

/// A command that runs on the session itself; it opens the connection only if it asks for
/// it ([`Env::ctx`]).
pub trait SessionCommand: clap::Args {
    /// The command's facts.
    const SPEC: Spec;
    /// Runs the parsed command.
    fn run(&self, env: &mut Env<'_>, out: &mut Out) -> CmdResult;
}

/// What a [`SessionCommand`] runs with.
pub struct Env<'a> {
    pub session: &'a mut Session,
    /// Every command (for `help` and `completion`).
    pub registry: &'a Registry,
    /// `--json`, when the command supports it.
    pub json: bool,
}

impl Env<'_> {
    /// The connection's context, opening the connection if need be.
    pub fn ctx(&mut self) -> Result<Ctx<'_>, CmdError> {
        self.session.ctx(self.json)
    }
}

type ConnRun = fn(&Ctx<'_>, &ArgMatches, &mut Out) -> CmdResult;
type SessionRun = fn(&mut Env<'_>, &ArgMatches, &mut Out) -> CmdResult;

/// How a command runs.
#[derive(Clone, Copy)]
enum Run {
    Connection(ConnRun),
    Session(SessionRun),
}

/// One command of the table: its facts, its clap arguments and its implementation.
#[derive(Clone, Copy)]
pub struct Entry {
    pub spec: Spec,
    args: fn(clap::Command) -> clap::Command,
    run: Run,
}

fn parse<A: clap::Args>(name: &str, m: &ArgMatches) -> Result<A, CmdError> {
    A::from_arg_matches(m).map_err(|e| CmdError::msg(clap_error_line(name, &e)))
}

fn run_connection<C: ConnCommand>(ctx: &Ctx<'_>, m: &ArgMatches, out: &mut Out) -> CmdResult {
    parse::<C>(C::SPEC.name, m)?.run(ctx, out)
}

fn run_session<C: SessionCommand>(env: &mut Env<'_>, m: &ArgMatches, out: &mut Out) -> CmdResult {
    parse::<C>(C::SPEC.name, m)?.run(env, out)
}

impl Entry {
    /// The entry of a command that runs on the connection.
    pub const fn connection<C: ConnCommand>() -> Entry {
        Entry {
            spec: C::SPEC,
            args: C::augment_args,
            run: Run::Connection(run_connection::<C>),
        }
    }

    /// The entry of a command that runs on the session.
    pub const fn session<C: SessionCommand>() -> Entry {
        Entry {
            spec: C::SPEC,
            args: C::augment_args,
            run: Run::Session(run_session::<C>),
        }
    }

    /// Whether the runner opens the connection before the command runs.
    pub fn needs_connection(&self) -> bool {
        matches!(self.run, Run::Connection(_))
    }

    /// The command's clap definition (its own options only; the global ones join when it
    /// is put under [`Registry::root`]).
    pub fn command(&self) -> clap::Command {
        (self.args)(clap::Command::new(self.spec.name))
            .about(self.spec.about)
            .long_about(None)
            .hide(self.spec.hidden)
            .aliases(self.spec.aliases.iter().copied())
    }

    /// Runs the command with its parsed arguments (`matches` of its own subcommand).
    pub fn run(
        &self,
        session: &mut Session,
        registry: &Registry,
        matches: &ArgMatches,
        out: &mut Out,
    ) -> CmdResult {
        let json = self.spec.json && session.settings.json;
        match self.run {
            Run::Connection(f) => {
                let ctx = session.ctx(json)?;
                f(&ctx, matches, out)
            }
            Run::Session(f) => f(
                &mut Env {
                    session,
                    registry,
                    json,
                },
                matches,
                out,
            ),
        }
    }
}

/// One of virsh's command groups (`virsh help` lists them as "NAME (help keyword
/// 'KEYWORD')").
pub struct Group {
    /// virsh's title of the group (`Domain Management`).
    pub name: &'static str,
    /// virsh's help keyword (`domain`).
    pub keyword: &'static str,
    /// The group's commands, in the order help lists them.
    pub commands: &'static [Entry],
}

/// Every group, in the order help lists them.
pub struct Registry {
    pub groups: &'static [&'static Group],
}

impl Registry {
    /// Every command, group by group.
    pub fn entries(&self) -> impl Iterator<Item = &'static Entry> + '_ {
        self.groups.iter().flat_map(|g| g.commands.iter())
    }

    /// The command called `name` (or with `name` as an alias).
    pub fn find(&self, name: &str) -> Option<&'static Entry> {
        self.entries()
            .find(|e| e.spec.name == name || e.spec.aliases.contains(&name))
    }

    /// The group with help keyword `keyword`.
    pub fn group(&self, keyword: &str) -> Option<&'static Group> {
        self.groups.iter().copied().find(|g| g.keyword == keyword)
    }

    /// The group a command belongs to.
    pub fn group_of(&self, entry: &Entry) -> Option<&'static Group> {
        self.groups
            .iter()
            .copied()
            .find(|g| g.commands.iter().any(|e| e.spec.name == entry.spec.name))
    }

    /// The whole clap tree: the global options and every command.
    pub fn root(&self) -> clap::Command {
        self.entries()
            .fold(Cli::command(), |root, e| root.subcommand(e.command()))
    }

    /// The global options and one command: what parsing that command needs.
    pub fn root_for(&self, entry: &Entry) -> clap::Command {
        Cli::command().subcommand(entry.command())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Settings;

    /// Prints what it was run with.
    #[derive(clap::Args, Debug)]
    struct Probe {
        #[arg(long)]
        word: Option<String>,
    }

    impl SessionCommand for Probe {
        const SPEC: Spec = Spec::new("probe", "a test command").json();
        fn run(&self, env: &mut Env<'_>, out: &mut Out) -> CmdResult {
            out.print(&format!("json={} word={:?}", env.json, self.word));
            env.session.quit = true;
            Ok(())
        }
    }

    /// The same without JSON.
    #[derive(clap::Args, Debug)]
    struct TextProbe {}

    impl SessionCommand for TextProbe {
        const SPEC: Spec = Spec::new("text-probe", "a test command")
            .aliases(&["tp"])
            .no_blank_line();
        fn run(&self, env: &mut Env<'_>, out: &mut Out) -> CmdResult {
            out.print(&format!("json={}", env.json));
            Ok(())
        }
    }

    static GROUP: Group = Group {
        name: "Test",
        keyword: "test",
        commands: &[Entry::session::<Probe>(), Entry::session::<TextProbe>()],
    };
    static REGISTRY: Registry = Registry { groups: &[&GROUP] };

    #[test]
    fn entries_carry_their_facts_and_run_with_them() {
        let probe = REGISTRY.find("probe").expect("probe");
        assert!(probe.spec.json && probe.spec.blank_line && !probe.needs_connection());
        let text = REGISTRY.find("tp").expect("found by alias");
        assert_eq!(text.spec.name, "text-probe");
        assert!(!text.spec.json && !text.spec.blank_line);
        assert_eq!(REGISTRY.group_of(text).map(|g| g.keyword), Some("test"));
        let cmd = probe.command();
        assert_eq!(
            cmd.get_about().map(|a| a.to_string()).as_deref(),
            Some("a test command")
        );
        assert!(cmd.get_arguments().any(|a| a.get_long() == Some("word")));
        let names: Vec<String> = REGISTRY
            .root()
            .get_subcommands()
            .map(|s| s.get_name().to_string())
            .collect();
        assert_eq!(names, ["probe", "text-probe"]);

        // --json reaches only the command that supports it.
        let settings = Settings {
            json: true,
            ..Settings::default()
        };
        let mut session = Session::new(settings, None);
        let m = REGISTRY
            .root_for(probe)
            .try_get_matches_from(["esxvirt", "probe", "--word=x"])
            .expect("parses");
        let (_, sub) = m.subcommand().expect("subcommand");
        let mut out = Out::new(false);
        probe
            .run(&mut session, &REGISTRY, sub, &mut out)
            .expect("runs");
        assert_eq!(out.text, "json=true word=Some(\"x\")");
        assert!(session.quit);
        let mut out = Out::new(false);
        text.run(&mut session, &REGISTRY, &ArgMatches::default(), &mut out)
            .expect("runs");
        assert_eq!(out.text, "json=false");
    }
}
