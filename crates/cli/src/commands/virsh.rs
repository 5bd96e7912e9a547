//! virsh's "Virsh itself" group (`help virsh`): `connect`, `help`, `quit`, `exit`, and
//! esxvirt's `completion` (a shell completion script) and hidden `man` (the manual page).
//! These run on the session: none of them needs a connection first. The help texts are
//! [`crate::help`]'s.

use clap::Args;

use crate::output::{CmdError, CmdResult, Out};
use crate::registry::{Entry, Env, Group, SessionCommand, Spec};

/// The group.
pub static GROUP: Group = Group {
    name: "Virsh itself",
    keyword: "virsh",
    commands: &[
        Entry::session::<Exit>(),
        Entry::session::<Help>(),
        Entry::session::<Quit>(),
        Entry::session::<Connect>(),
        Entry::session::<Completion>(),
        Entry::session::<Man>(),
    ],
};

/// `connect [--name URI] [--readonly]`: a fresh connection (to another URI).
#[derive(Args, Debug)]
pub struct Connect {
    /// hypervisor connection URI
    #[arg(long)]
    pub name: Option<String>,
    /// read-only connection
    #[arg(long)]
    pub readonly: bool,
}

impl SessionCommand for Connect {
    const SPEC: Spec = Spec::new("connect", "(re)connect to hypervisor").no_output();
    fn run(&self, env: &mut Env<'_>, _out: &mut Out) -> CmdResult {
        env.session.reconnect(self.name.as_deref(), self.readonly)
    }
}

/// `completion SHELL`: the completion script of every command name and option.
#[derive(Args, Debug)]
pub struct Completion {
    /// bash, zsh or fish
    #[arg(long, required = true)]
    pub shell: clap_complete::Shell,
}

impl SessionCommand for Completion {
    const SPEC: Spec = Spec::new(
        "completion",
        "print a shell completion script (bash, zsh or fish)",
    )
    .no_blank_line();
    fn run(&self, env: &mut Env<'_>, out: &mut Out) -> CmdResult {
        let mut buf = Vec::new();
        clap_complete::generate(self.shell, &mut env.registry.root(), "esxvirt", &mut buf);
        out.print(&String::from_utf8_lossy(&buf));
        Ok(())
    }
}

/// `help [--command NAME]`: every group, one group (by keyword or title), or one command.
#[derive(Args, Debug)]
pub struct Help {
    /// Prints global help or command specific help.
    #[arg(long)]
    pub command: Option<String>,
}

impl SessionCommand for Help {
    const SPEC: Spec = Spec::new("help", "print help");
    fn run(&self, env: &mut Env<'_>, out: &mut Out) -> CmdResult {
        let reg = env.registry;
        match self.command.as_deref() {
            None => out.print(&crate::help::all(reg)),
            Some(name) => {
                if let Some(e) = reg.find(name) {
                    out.print(&crate::help::command(e));
                } else if let Some(g) = reg
                    .groups
                    .iter()
                    .find(|g| g.keyword == name || g.name == name)
                {
                    out.print(&crate::help::group(g));
                } else {
                    return Err(CmdError::msg(format!(
                        "command or command group '{name}' doesn't exist"
                    )));
                }
            }
        }
        Ok(())
    }
}

/// `man`: the manual page, roff (`esxvirt man > esxvirt.1`).
#[derive(Args, Debug)]
pub struct Man {}

impl SessionCommand for Man {
    const SPEC: Spec = Spec::new("man", "print the manual page (roff)")
        .hidden()
        .no_blank_line();
    fn run(&self, env: &mut Env<'_>, out: &mut Out) -> CmdResult {
        out.print(&crate::help::man_page(env.registry));
        Ok(())
    }
}

/// `quit`: ends the interactive shell.
#[derive(Args, Debug)]
pub struct Quit {}

impl SessionCommand for Quit {
    const SPEC: Spec = Spec::new("quit", "quit this interactive terminal")
        .no_blank_line()
        .no_output();
    fn run(&self, env: &mut Env<'_>, _out: &mut Out) -> CmdResult {
        env.session.quit = true;
        Ok(())
    }
}

/// `exit`: ends the interactive shell.
#[derive(Args, Debug)]
pub struct Exit {}

impl SessionCommand for Exit {
    const SPEC: Spec = Spec::new("exit", "quit this interactive terminal")
        .no_blank_line()
        .no_output();
    fn run(&self, env: &mut Env<'_>, _out: &mut Out) -> CmdResult {
        env.session.quit = true;
        Ok(())
    }
}
