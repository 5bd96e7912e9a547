//! Help texts from the command table, in virsh's layouts: every group (`help`), one group
//! (`help domain`, by keyword or title), one command (`help dominfo`: NAME, SYNOPSIS,
//! OPTIONS), and the manual page (`esxvirt man`, roff: clap_mangen's header and global
//! options, then each group's commands with their synopses and options).

use clap::ArgAction;

use crate::registry::{Entry, Group, Registry};

/// `help`: every group with its commands.
pub fn all(registry: &Registry) -> String {
    let mut o = String::from("Grouped commands:\n\n");
    for g in registry.groups {
        o.push_str(&group(g));
        o.push('\n');
    }
    o
}

/// `help KEYWORD`: one group's commands with their summaries.
pub fn group(g: &Group) -> String {
    let mut o = format!(" {} (help keyword '{}'):\n", g.name, g.keyword);
    for e in g.commands.iter().filter(|e| !e.spec.hidden) {
        o.push_str(&format!("    {:<30} {}\n", e.spec.name, e.spec.about));
    }
    o
}

/// How virsh shows one option.
#[derive(Debug, PartialEq, Eq)]
struct OptionHelp {
    /// In the synopsis (`<domain>`, `[--config]`, `[--name <string>]`).
    synopsis: String,
    /// In the option list (`[--domain] <string>`, `--config`).
    label: String,
    help: String,
}

/// A command's options as virsh describes them: a flag; a value a bare word fills
/// (required: `<name>`, else `[--name <string>]`); a value set by name only; a value that
/// repeats (`[[--name] <string>]...`).
fn options(e: &Entry) -> Vec<OptionHelp> {
    let cmd = e.command();
    let mut out = Vec::new();
    let mut positional_seen = false;
    for a in cmd.get_arguments() {
        let Some(long) = a.get_long() else { continue };
        if a.is_hide_set() || long == "help" {
            continue;
        }
        let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
        let by_word = !e.spec.named_only.contains(&long);
        let (synopsis, label) = match a.get_action() {
            ArgAction::SetTrue | ArgAction::SetFalse | ArgAction::Count => {
                (format!("[--{long}]"), format!("--{long}"))
            }
            ArgAction::Append => {
                let required = a.is_required_set();
                if positional_seen || by_word {
                    let s = if required {
                        format!("{{[--{long}] <string>}}...")
                    } else {
                        format!("[[--{long}] <string>]...")
                    };
                    (s, format!("[--{long}] <string>"))
                } else {
                    (format!("[<{long}>]..."), format!("<{long}>"))
                }
            }
            _ if by_word && a.is_required_set() => {
                positional_seen = true;
                (format!("<{long}>"), format!("[--{long}] <string>"))
            }
            _ => {
                positional_seen |= by_word;
                (format!("[--{long} <string>]"), format!("--{long} <string>"))
            }
        };
        out.push(OptionHelp {
            synopsis,
            label,
            help,
        });
    }
    out
}

/// `help COMMAND`: NAME, SYNOPSIS and OPTIONS as virsh lays them out.
pub fn command(e: &Entry) -> String {
    let opts = options(e);
    let mut o = format!("  NAME\n    {} - {}\n", e.spec.name, e.spec.about);
    o.push_str(&format!("\n  SYNOPSIS\n    {}", e.spec.name));
    for opt in &opts {
        o.push(' ');
        o.push_str(&opt.synopsis);
    }
    o.push('\n');
    if !opts.is_empty() {
        o.push_str("\n  OPTIONS\n");
        for opt in &opts {
            o.push_str(&format!("    {:<15}  {}\n", opt.label, opt.help));
        }
    }
    o.push('\n');
    o
}

/// Escapes text for roff: backslashes, hyphens, and a leading dot or quote.
pub fn roff(text: &str) -> String {
    let mut s = text.replace('\\', "\\e").replace('-', "\\-");
    if s.starts_with('.') || s.starts_with('\'') {
        s.insert_str(0, "\\&");
    }
    s
}

/// The manual page (roff): clap_mangen's title, name, synopsis, description and global
/// options, then one section per command group with each command's synopsis and options.
pub fn man_page(registry: &Registry) -> String {
    let root = registry.root();
    let man = clap_mangen::Man::new(root).section("1");
    let mut buf = Vec::new();
    let header = man
        .render_title(&mut buf)
        .and_then(|()| man.render_name_section(&mut buf))
        .and_then(|()| man.render_synopsis_section(&mut buf))
        .and_then(|()| man.render_description_section(&mut buf))
        .and_then(|()| man.render_options_section(&mut buf));
    let mut o = match header {
        Ok(()) => String::from_utf8_lossy(&buf).into_owned(),
        // Rendering into memory cannot fail; keep a minimal header if it ever does.
        Err(_) => ".TH esxvirt 1\n".to_string(),
    };
    o.push_str(".SH COMMANDS\n");
    o.push_str(&roff(
        "Commands take virsh's options; a bare word fills the next option shown in brackets \
         ([--domain] <string>). esxvirt help GROUP lists a group, esxvirt help COMMAND shows \
         one command.",
    ));
    o.push('\n');
    for g in registry.groups {
        o.push_str(&format!(
            ".SH \"{} (help keyword '{}')\"\n",
            roff(&g.name.to_uppercase()),
            g.keyword
        ));
        for e in g.commands.iter().filter(|e| !e.spec.hidden) {
            let opts = options(e);
            o.push_str(&format!(".SS {}\n", roff(e.spec.name)));
            o.push_str(&roff(e.spec.about));
            o.push_str("\n.PP\n.B ");
            o.push_str(&roff(e.spec.name));
            for opt in &opts {
                o.push(' ');
                o.push_str(&roff(&opt.synopsis));
            }
            o.push('\n');
            for opt in &opts {
                o.push_str(&format!(".TP\n{}\n{}\n", roff(&opt.label), roff(&opt.help)));
            }
        }
    }
    o.push_str(".SH ENVIRONMENT\n");
    for (name, what) in [
        ("ESXVIRT_DEFAULT_URI", "the URI when -c is not given"),
        (
            "LIBVIRT_DEFAULT_URI",
            "the URI when neither -c nor ESXVIRT_DEFAULT_URI is given",
        ),
        (
            "LIBVIRT_AUTH_FILE",
            "libvirt's auth.conf with the credentials",
        ),
        (
            "ESXVIRT_DEBUG, LIBVIRT_DEBUG",
            "the log level (as -d; LIBVIRT_DEBUG numbers 1 debug to 4 error)",
        ),
        ("ESXVIRT_LOG_FILE", "the log file (as -l)"),
        (
            "ESXVIRT_LOG",
            "tracing filter directives for the log, e.g. esxvirt_vi::wire=debug",
        ),
        (
            "ESXVIRT_NO_SESSION_CACHE",
            "1: do not reuse or store sessions",
        ),
    ] {
        o.push_str(&format!(".TP\n.B {}\n{}\n", roff(name), roff(what)));
    }
    o.push_str(".SH FILES\n");
    for (name, what) in [
        (
            "~/.config/libvirt/libvirt.conf (/etc/libvirt/libvirt.conf for root)",
            "uri_default and uri_aliases, as virsh reads them",
        ),
        ("~/.cache/esxvirt/sessions", "the session cache"),
        (
            "~/.cache/esxvirt/history",
            "the interactive shell's history",
        ),
        (
            "~/.config/esxvirt/known_hosts",
            "pinned certificate thumbprints",
        ),
    ] {
        o.push_str(&format!(".TP\n.B {}\n{}\n", roff(name), roff(what)));
    }
    o.push_str(".SH \"SEE ALSO\"\nvirsh(1), esxsim(1)\n");
    o
}
