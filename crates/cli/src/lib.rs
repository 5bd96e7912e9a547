//! esxvirt's command line: a virsh-compatible front end to the ESX driver. The command tree
//! ([`cli`]), virsh's argument rules ([`args`]), virsh's output formats as pure functions
//! ([`format`], [`table`], [`present`]), the session and its connection ([`session`]),
//! virsh's lookups ([`lookup`]), shared option pieces and values ([`options`]), command
//! output and errors ([`output`]), the `event` command's lifecycle events ([`event`]), the
//! offline VMX conversions ([`native`]), the command runner ([`run`]), the interactive
//! shell ([`shell`]), the embedded simulator ([`simstart`]), the local side of
//! `vol-upload` / `vol-download` ([`transfer`]), the driver's warnings on stderr
//! ([`warnings`]) and `--xpath` filtering ([`xpath`]).

pub mod args;
pub mod cli;
pub mod commands;
pub mod dispatch;
pub mod lookup;
pub mod options;
pub mod output;
pub mod present;
pub mod prompt;
pub mod registry;
pub mod session;
pub mod shell;
pub mod simstart;
pub mod table;
pub mod warnings;
pub mod xpath;
