//! virsh's argument rules on top of clap: a bare word fills the next value-taking option of
//! the command (in the order virsh declares them) that has not been given yet, so
//! `dominfo vm1`, `setmem vm1 1G --config` and `snapshot-info vm1 snap1` work as in virsh;
//! `--opt=value` and `--opt value` both work; `--` ends the options. The words are rewritten
//! to `--opt=value` form and then handed to clap, which checks the rest.
//!
//! Also: splitting a shell line into commands and words the way virsh's parser does
//! (whitespace, `'single'` and `"double"` quotes, backslash escapes, `;` between commands,
//! `#` comments).

use crate::commands::REGISTRY;

/// The global options that take a value (`-c URI`, `-d NUM`, `-l FILE`).
const GLOBAL_WITH_VALUE: &[&str] = &["-c", "--connect", "-d", "--debug", "-l", "--log"];

/// Finds the index of the command word in a full argv (after the program name and the
/// global options), if there is one.
pub fn command_index(argv: &[String]) -> Option<usize> {
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i].as_str();
        if a == "--" {
            return (i + 1 < argv.len()).then_some(i + 1);
        }
        if GLOBAL_WITH_VALUE.contains(&a) {
            i += 2;
            continue;
        }
        if a.starts_with('-') && a.len() > 1 {
            i += 1;
            continue;
        }
        return Some(i);
    }
    None
}

/// Rewrites the words after command `name` into clap's named form. Unknown commands and
/// options are left as they are for clap to report.
pub fn normalize(name: &str, words: &[String]) -> Vec<String> {
    match REGISTRY.find(name) {
        Some(entry) => normalize_for(&entry.command(), entry.spec.named_only, words),
        None => words.to_vec(),
    }
}

/// [`normalize`] for the clap definition `sub` of a command (its own options, in virsh's
/// order) and its options that a bare word never fills (`named_only`).
fn normalize_for(sub: &clap::Command, named_only: &[&str], words: &[String]) -> Vec<String> {
    struct Opt {
        long: String,
        aliases: Vec<String>,
        takes_value: bool,
        multiple: bool,
        positional: bool,
    }
    let opts: Vec<Opt> = sub
        .get_arguments()
        .filter_map(|a| {
            let long = a.get_long()?.to_string();
            let takes_value = a.get_action().takes_values();
            let multiple = matches!(a.get_action(), clap::ArgAction::Append);
            Some(Opt {
                positional: takes_value && !named_only.contains(&long.as_str()),
                aliases: a
                    .get_all_aliases()
                    .map(|v| v.into_iter().map(str::to_string).collect())
                    .unwrap_or_default(),
                long,
                takes_value,
                multiple,
            })
        })
        .collect();
    let find = |n: &str| {
        opts.iter()
            .position(|o| o.long == n || o.aliases.iter().any(|a| a == n))
    };
    let mut seen = vec![false; opts.len()];
    let mut out = Vec::with_capacity(words.len());
    let mut only_data = false;
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        i += 1;
        if !only_data && w == "--" {
            only_data = true;
            continue;
        }
        if !only_data && w.starts_with("--") && w.len() > 2 {
            let body = &w[2..];
            let (oname, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (body, None),
            };
            match find(oname) {
                Some(k) => {
                    seen[k] = true;
                    let long = &opts[k].long;
                    if opts[k].takes_value {
                        match inline {
                            Some(v) => out.push(format!("--{long}={v}")),
                            None if i < words.len() => {
                                out.push(format!("--{long}={}", words[i]));
                                i += 1;
                            }
                            None => out.push(format!("--{long}")),
                        }
                    } else {
                        out.push(match inline {
                            Some(v) => format!("--{long}={v}"),
                            None => format!("--{long}"),
                        });
                    }
                }
                None => out.push(w.clone()),
            }
            continue;
        }
        if !only_data && w == "-h" {
            out.push(w.clone());
            continue;
        }
        let slot = (0..opts.len()).find(|&k| opts[k].positional && (!seen[k] || opts[k].multiple));
        match slot {
            Some(k) => {
                if !opts[k].multiple {
                    seen[k] = true;
                }
                out.push(format!("--{}={}", opts[k].long, w));
            }
            // No option left to fill: clap reports the stray word.
            None => out.push(w.clone()),
        }
    }
    out
}

/// Why a line could not be split.
#[derive(Debug, PartialEq, Eq)]
pub enum SplitError {
    /// A quote was not closed.
    UnterminatedQuote,
    /// A backslash ended the line.
    DanglingEscape,
}

impl std::fmt::Display for SplitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SplitError::UnterminatedQuote => write!(f, "dangling quote"),
            SplitError::DanglingEscape => write!(f, "dangling \\"),
        }
    }
}

/// Splits a command line into commands (separated by `;` or newlines) and their words, as
/// virsh's shell parser does.
pub fn split_commands(line: &str) -> Result<Vec<Vec<String>>, SplitError> {
    let mut commands = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        // Skip blanks between words.
        while matches!(chars.peek(), Some(' ' | '\t')) {
            chars.next();
        }
        match chars.peek() {
            None => break,
            Some(';' | '\n') => {
                chars.next();
                if !words.is_empty() {
                    commands.push(std::mem::take(&mut words));
                }
                continue;
            }
            Some('#') => {
                // A comment runs to the end of the line.
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
                if !words.is_empty() {
                    commands.push(std::mem::take(&mut words));
                }
                continue;
            }
            _ => {}
        }
        let mut word = String::new();
        let mut double = false;
        let mut single = false;
        while let Some(&c) = chars.peek() {
            if !double && !single && matches!(c, ' ' | '\t' | ';' | '\n') {
                break;
            }
            chars.next();
            match c {
                '\\' if !single => match chars.next() {
                    Some(n) => word.push(n),
                    None => return Err(SplitError::DanglingEscape),
                },
                '"' if !single => double = !double,
                '\'' if !double => single = !single,
                other => word.push(other),
            }
        }
        if double || single {
            return Err(SplitError::UnterminatedQuote);
        }
        words.push(word);
    }
    if !words.is_empty() {
        commands.push(words);
    }
    Ok(commands)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(words: &[&str]) -> Vec<String> {
        words.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn positional_words_fill_options_in_order() {
        assert_eq!(normalize("dominfo", &v(&["vm1"])), v(&["--domain=vm1"]));
        assert_eq!(
            normalize("setmem", &v(&["vm1", "1G", "--config"])),
            v(&["--domain=vm1", "--size=1G", "--config"])
        );
        assert_eq!(
            normalize("setmem", &v(&["--size", "1G", "vm1"])),
            v(&["--size=1G", "--domain=vm1"])
        );
        assert_eq!(
            normalize("setmem", &v(&["vm1", "--kilobytes", "1024"])),
            v(&["--domain=vm1", "--size=1024"])
        );
        assert_eq!(
            normalize("snapshot-info", &v(&["vm1", "s1"])),
            v(&["--domain=vm1", "--snapshotname=s1"])
        );
        assert_eq!(
            normalize("schedinfo", &v(&["vm1", "shares=100", "limit=5"])),
            v(&["--domain=vm1", "--set=shares=100", "--set=limit=5"])
        );
        assert_eq!(
            normalize("domxml-from-native", &v(&["vmware-vmx", "-"])),
            v(&["--format=vmware-vmx", "--config=-"])
        );
        assert_eq!(
            normalize("dominfo", &v(&["--", "--odd name"])),
            v(&["--domain=--odd name"])
        );
        assert_eq!(
            normalize("vol-info", &v(&["disk.vmdk", "ds1", "--bytes"])),
            v(&["--vol=disk.vmdk", "--pool=ds1", "--bytes"])
        );
        assert_eq!(normalize("completion", &v(&["bash"])), v(&["--shell=bash"]));
        assert_eq!(
            normalize("domxml-to-native", &v(&["vmware-vmx", "d.xml"])),
            v(&["--format=vmware-vmx", "--xml=d.xml"])
        );
    }

    #[test]
    fn named_only_options_are_not_filled() {
        assert_eq!(
            normalize("dumpxml", &v(&["vm1", "x"])),
            v(&["--domain=vm1", "x"])
        );
    }

    #[test]
    fn finds_the_command() {
        assert_eq!(
            command_index(&v(&["esxvirt", "-c", "esx://h", "list"])),
            Some(3)
        );
        assert_eq!(
            command_index(&v(&["esxvirt", "-q", "--connect=x", "list"])),
            Some(3)
        );
        assert_eq!(command_index(&v(&["esxvirt", "-q"])), None);
    }

    #[test]
    fn splits_like_virsh() {
        assert_eq!(
            split_commands("list --all; dominfo 'my vm'").unwrap(),
            vec![v(&["list", "--all"]), v(&["dominfo", "my vm"])]
        );
        assert_eq!(
            split_commands(r#"dominfo "a \"b\" c" # comment"#).unwrap(),
            vec![v(&["dominfo", r#"a "b" c"#])]
        );
        assert_eq!(
            split_commands(r"dominfo a\ b").unwrap(),
            vec![v(&["dominfo", "a b"])]
        );
        assert_eq!(
            split_commands("dominfo ''").unwrap(),
            vec![v(&["dominfo", ""])]
        );
        assert_eq!(split_commands("  ").unwrap(), Vec::<Vec<String>>::new());
        assert_eq!(split_commands("x 'y"), Err(SplitError::UnterminatedQuote));
    }
}
