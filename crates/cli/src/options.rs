//! Option pieces and option values several commands share, read the way virsh reads them:
//! the `--domain` option and `--config`/`--live`/`--current` ([`DomainArg`],
//! [`AffectArgs`]), `--xpath`/`--wrap` ([`XpathArgs`]), `--file` ([`FileArg`]), the
//! filters of the list commands ([`StateArgs`], [`PersistenceArgs`], [`AutostartArgs`]),
//! file arguments (`-` is stdin), scaled integers (`1G`, `512MiB`), and option flags turned
//! into the API's flag bits.

use std::fmt::Debug;
use std::io::Read;
use std::marker::PhantomData;

use clap::Args;
use esxvirt_driver::flags;

use crate::output::CmdError;

/// The `--domain` option every domain command has.
#[derive(Args, Debug, Clone)]
pub struct DomainArg {
    /// domain name, id or uuid
    #[arg(long, required = true)]
    pub domain: String,
}

/// `--config`, `--live`, `--current`.
#[derive(Args, Debug, Clone, Default)]
pub struct AffectArgs {
    /// affect next boot
    #[arg(long)]
    pub config: bool,
    /// affect running domain
    #[arg(long)]
    pub live: bool,
    /// affect current domain
    #[arg(long)]
    pub current: bool,
}

impl AffectArgs {
    /// The flags virsh passes: `--current` excludes the other two.
    pub fn flags(&self) -> Result<u32, CmdError> {
        if self.current && (self.live || self.config) {
            let other = if self.live { "live" } else { "config" };
            return Err(CmdError::exclusive("current", other));
        }
        let mut f = 0;
        if self.config {
            f |= flags::affect::CONFIG;
        }
        if self.live {
            f |= flags::affect::LIVE;
        }
        Ok(f)
    }

    /// Whether none of the three was given.
    pub fn none(&self) -> bool {
        !(self.config || self.live || self.current)
    }
}

/// `--xpath` and `--wrap` of the dumpxml commands (`xpath` is named-only in virsh).
#[derive(Args, Debug, Clone, Default)]
pub struct XpathArgs {
    /// xpath expression to filter the XML document
    #[arg(long)]
    pub xpath: Option<String>,
    /// wrap xpath results in an common root element
    #[arg(long)]
    pub wrap: bool,
}

/// `--file` of the commands that read an XML description (`define`, `net-define`).
#[derive(Args, Debug, Clone)]
pub struct FileArg {
    /// file containing an XML description
    #[arg(long, required = true)]
    pub file: String,
    /// validate the XML against the schema
    #[arg(long)]
    pub validate: bool,
}

/// The objects a list command lists, as its options' help names them ("list inactive
/// networks"); declared with [`listed!`].
pub trait Listed: Clone + Debug + Default {
    const INACTIVE: &'static str;
    const ALL: &'static str;
    const TRANSIENT: &'static str;
    const PERSISTENT: &'static str;
    const AUTOSTART: &'static str;
    const NO_AUTOSTART: &'static str;
}

/// Declares a [`Listed`] marker type for objects called `$noun` in help (`impl`: makes an
/// existing type one).
macro_rules! listed {
    ($(#[$doc:meta])* $name:ident, $noun:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default)]
        pub struct $name;

        $crate::options::listed!(impl $name, $noun);
    };
    (impl $name:ident, $noun:literal) => {
        impl $crate::options::Listed for $name {
            const INACTIVE: &'static str = concat!("list inactive ", $noun, "s");
            const ALL: &'static str = concat!("list inactive & active ", $noun, "s");
            const TRANSIENT: &'static str = concat!("list transient ", $noun, "s");
            const PERSISTENT: &'static str = concat!("list persistent ", $noun, "s");
            const AUTOSTART: &'static str = concat!("list ", $noun, "s", " with autostart enabled");
            const NO_AUTOSTART: &'static str =
                concat!("list ", $noun, "s", " with autostart disabled");
        }
    };
}
pub(crate) use listed;

/// `--inactive` and `--all` of a list command (the active objects by default).
#[derive(Args, Debug, Clone, Default)]
pub struct StateArgs<K: Listed> {
    #[arg(long, help = K::INACTIVE)]
    pub inactive: bool,
    #[arg(long, help = K::ALL)]
    pub all: bool,
    #[arg(skip)]
    pub kind: PhantomData<K>,
}

impl<K: Listed> StateArgs<K> {
    /// The listing's flags: [`list_flags`] with these options and `filters`.
    pub fn flags(&self, states: (u32, u32), filters: &[(bool, u32)]) -> u32 {
        list_flags(self.inactive, self.all, states, filters)
    }
}

/// `--transient` and `--persistent` of a list command, in that order.
#[derive(Args, Debug, Clone, Default)]
pub struct PersistenceArgs<K: Listed> {
    #[arg(long, help = K::TRANSIENT)]
    pub transient: bool,
    #[arg(long, help = K::PERSISTENT)]
    pub persistent: bool,
    #[arg(skip)]
    pub kind: PhantomData<K>,
}

/// `--autostart` and `--no-autostart` of a list command.
#[derive(Args, Debug, Clone, Default)]
pub struct AutostartArgs<K: Listed> {
    #[arg(long, help = K::AUTOSTART)]
    pub autostart: bool,
    #[arg(long, help = K::NO_AUTOSTART)]
    pub no_autostart: bool,
    #[arg(skip)]
    pub kind: PhantomData<K>,
}

/// Reads a file argument (`-` is stdin), with virsh's error text.
pub fn read_input(path: &str) -> Result<String, CmdError> {
    let bytes = read_input_bytes(path)?;
    String::from_utf8(bytes).map_err(|_| CmdError::msg(format!("File '{path}' is not valid UTF-8")))
}

/// Reads a file argument as bytes (`-` is stdin), at most 10 MiB as virsh allows.
pub fn read_input_bytes(path: &str) -> Result<Vec<u8>, CmdError> {
    let bytes = if path == "-" {
        let mut b = Vec::new();
        std::io::stdin()
            .read_to_end(&mut b)
            .map_err(|e| CmdError::msg(format!("Failed to read standard input: {e}")))?;
        b
    } else {
        std::fs::read(path).map_err(|e| {
            CmdError::msg(format!(
                "Failed to open file '{path}': {}",
                crate::prompt::io_error_text(&e)
            ))
        })?
    };
    if bytes.len() > 10 * 1024 * 1024 {
        return Err(CmdError::msg(format!("File '{path}' is too large")));
    }
    Ok(bytes)
}

/// Parses virsh's scaled integers (`1024`, `1G`, `512MiB`, `2GB`); `default_scale` applies
/// without a suffix (1024 for KiB options).
pub fn parse_scaled(text: &str, default_scale: u64) -> Option<u64> {
    let t = text.trim();
    let digits_end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    if digits_end == 0 {
        return None;
    }
    let n: u64 = t[..digits_end].parse().ok()?;
    let suffix = &t[digits_end..];
    let scale: u64 = match suffix {
        "" => default_scale,
        "b" | "B" | "bytes" => 1,
        _ => {
            let mut chars = suffix.chars();
            let unit = chars.next()?.to_ascii_uppercase();
            let rest: String = chars.collect();
            let base: u64 = match rest.as_str() {
                "" | "iB" | "ib" => 1024,
                "B" | "b" => 1000,
                _ => return None,
            };
            let power = match unit {
                'K' => 1,
                'M' => 2,
                'G' => 3,
                'T' => 4,
                'P' => 5,
                'E' => 6,
                _ => return None,
            };
            base.checked_pow(power)?
        }
    };
    n.checked_mul(scale)
}

/// A scaled option in KiB (default unit KiB, rounded up), with virsh's error.
pub fn scaled_kib(text: &str, option: &str) -> Result<u64, CmdError> {
    parse_scaled(text, 1024)
        .map(|b| b.div_ceil(1024))
        .ok_or_else(|| {
            CmdError::msg(format!(
                "Scaled numeric value '{text}' for <{option}> option is malformed or out of range"
            ))
        })
}

/// The bits of `filters` whose option was given.
pub fn flag_bits(filters: &[(bool, u32)]) -> u32 {
    filters
        .iter()
        .filter(|(on, _)| *on)
        .fold(0, |f, (_, bit)| f | bit)
}

/// A listing's flags as virsh builds them: the active objects by default, the inactive
/// ones with `inactive`, both with `all`; plus the bits of the given filter options.
pub fn list_flags(inactive: bool, all: bool, states: (u32, u32), filters: &[(bool, u32)]) -> u32 {
    let (active_bit, inactive_bit) = states;
    let state = if all {
        active_bit | inactive_bit
    } else if inactive {
        inactive_bit
    } else {
        active_bit
    };
    state | flag_bits(filters)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_flags_pick_states_then_add_filters() {
        let states = (1, 2);
        assert_eq!(list_flags(false, false, states, &[]), 1);
        assert_eq!(list_flags(true, false, states, &[]), 2);
        assert_eq!(list_flags(true, true, states, &[]), 3);
        assert_eq!(
            list_flags(false, false, states, &[(true, 8), (false, 16)]),
            9
        );
        assert_eq!(flag_bits(&[(true, 4), (true, 32), (false, 1)]), 36);
        assert_eq!(flag_bits(&[]), 0);
    }

    #[test]
    fn scaled_integers() {
        assert_eq!(parse_scaled("1024", 1024), Some(1024 * 1024));
        assert_eq!(parse_scaled("1G", 1024), Some(1 << 30));
        assert_eq!(parse_scaled("1GiB", 1), Some(1 << 30));
        assert_eq!(parse_scaled("2MB", 1), Some(2_000_000));
        assert_eq!(parse_scaled("5b", 1024), Some(5));
        assert_eq!(parse_scaled("x", 1), None);
        assert_eq!(parse_scaled("1Q", 1), None);
        assert_eq!(parse_scaled("99999999999999999999", 1), None);
        assert_eq!(scaled_kib("1025b", "size"), Ok(2));
        assert_eq!(
            scaled_kib("x", "size"),
            Err(CmdError::msg(
                "Scaled numeric value 'x' for <size> option is malformed or out of range"
            ))
        );
    }

    #[test]
    fn affect_flags_like_virsh() {
        let a = |config, live, current| AffectArgs {
            config,
            live,
            current,
        };
        assert_eq!(a(false, false, false).flags(), Ok(0));
        assert_eq!(
            a(true, true, false).flags(),
            Ok(flags::affect::CONFIG | flags::affect::LIVE)
        );
        assert_eq!(
            a(false, true, true).flags(),
            Err(CmdError::msg(
                "Options --current and --live are mutually exclusive"
            ))
        );
        assert!(a(false, false, false).none());
        assert!(!a(false, false, true).none());
    }
}
