//! esxvirt's command line: a virsh-compatible front end to the ESX driver.
//!
//! - Commands: [`commands`] holds every command by virsh's command groups, each group
//!   module owning its commands' options (clap), implementations and output formats;
//!   [`registry`] says what a command is (its facts, [`registry::Spec`]) and puts the groups
//!   into one table ([`commands::REGISTRY`]).
//! - Running one: [`dispatch`] finds a command in the table, applies virsh's argument rules
//!   ([`args`]), parses and runs it on the [`session`] (settings, the connection, and the
//!   [`session::Ctx`] a command sees); [`shell`] is the interactive shell over the same
//!   ([`editor`]: line editing, history and completion on a terminal);
//!   [`cli`] holds the global options; [`help`] renders help and the manual page from the
//!   table.
//! - Shared by the groups: what a command prints and how it fails ([`output`]), virsh's
//!   lookups ([`lookup`]), option pieces and values ([`options`]), virsh's text conventions
//!   ([`present`]), column tables ([`table`]) and `--xpath` filtering ([`xpath`]).
//! - Around them: which URI a run opens ([`uri_choice`], with libvirt's `libvirt.conf` read
//!   by [`libvirt_conf`]), credential prompts ([`prompt`]), the embedded simulator for
//!   `sim:///` (`simstart`, with the default `embedded-sim` feature), and log output ([`logging`]: the driver's warnings on
//!   stderr, virsh's `-d`/`-l` debug log with the SOAP wire log).

pub mod args;
pub mod cli;
pub mod commands;
pub mod dispatch;
pub mod editor;
pub mod help;
pub mod libvirt_conf;
pub mod logging;
pub mod lookup;
pub mod options;
pub mod output;
pub mod present;
pub mod prompt;
pub mod registry;
pub mod session;
pub mod shell;
#[cfg(feature = "embedded-sim")]
pub mod simstart;
pub mod table;
pub mod uri_choice;
pub mod xpath;
