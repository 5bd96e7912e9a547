//! Which URI a run connects to, and why: `-c URI`, else `ESXVIRT_DEFAULT_URI`, else
//! `LIBVIRT_DEFAULT_URI`, else libvirt.conf's `uri_default` (as libvirt's
//! virConnectGetDefaultURI orders the last two), else the embedded simulator, which then
//! says so on stderr. Whatever the source, a name listed in libvirt.conf's `uri_aliases`
//! stands for its URI, as virsh resolves aliases; and a scheme esxvirt does not drive
//! (`qemu:///system` from a virsh set-up) is an error that says where it came from.

use crate::libvirt_conf::{self, Conf};

/// The URI used when nothing names one.
pub const DEFAULT_URI: &str = "sim:///default";

/// The schemes esxvirt drives.
const SCHEMES: &[&str] = &["esx", "gsx", "vpx", "sim"];

/// Where the URI came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// `-c` / `--connect` (or `connect URI` in the shell).
    Option,
    /// `ESXVIRT_DEFAULT_URI`.
    EsxvirtEnv,
    /// `LIBVIRT_DEFAULT_URI`.
    LibvirtEnv,
    /// `uri_default` of this libvirt.conf.
    ConfigFile(String),
    /// Nothing named a URI: the embedded simulator.
    Default,
}

impl Source {
    /// How an error names the source.
    fn describe(&self) -> String {
        match self {
            Source::Option => "given with -c".to_string(),
            Source::EsxvirtEnv => "from ESXVIRT_DEFAULT_URI".to_string(),
            Source::LibvirtEnv => "from LIBVIRT_DEFAULT_URI".to_string(),
            Source::ConfigFile(p) => format!("from uri_default in {p}"),
            Source::Default => "the default".to_string(),
        }
    }
}

/// The URI of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    /// The URI to open (an alias already resolved).
    pub uri: String,
    /// Where it came from.
    pub source: Source,
    /// The alias it was written as, if it was one.
    pub alias: Option<String>,
}

impl Choice {
    /// Whether nothing named a URI and the embedded simulator serves.
    pub fn is_default(&self) -> bool {
        self.source == Source::Default
    }

    /// The scheme must be one esxvirt drives; the error says where the URI came from and
    /// how to give another.
    pub fn check_scheme(&self) -> Result<(), String> {
        let scheme = self
            .uri
            .split_once(':')
            .map(|(s, _)| s.to_ascii_lowercase())
            .unwrap_or_default();
        // Parse errors of the URI itself are the driver's to report.
        if scheme.is_empty() || SCHEMES.contains(&scheme.as_str()) || scheme.contains('/') {
            return Ok(());
        }
        let alias = match &self.alias {
            Some(a) => format!(" (alias '{a}')"),
            None => String::new(),
        };
        let how = match self.source {
            Source::Option => "",
            _ => "; give one with -c URI or ESXVIRT_DEFAULT_URI, which come first",
        };
        Err(format!(
            "URI '{}'{alias} {} uses the '{scheme}' driver, which esxvirt does not have: it drives esx://, gsx://, vpx:// and sim://{how}",
            self.uri,
            self.source.describe()
        ))
    }
}

/// The one line every run on the unnamed default prints on stderr (not under `-q`).
pub fn simulator_note() -> String {
    format!(
        "esxvirt: no URI given (-c, ESXVIRT_DEFAULT_URI, LIBVIRT_DEFAULT_URI or uri_default in libvirt.conf): using the embedded simulator {DEFAULT_URI}; choose a host with -c 'esx://USER@HOST/'"
    )
}

/// The error when nothing names a URI and this build has no embedded simulator.
pub fn no_uri_without_simulator() -> String {
    "no URI given (-c, ESXVIRT_DEFAULT_URI, LIBVIRT_DEFAULT_URI or uri_default in libvirt.conf), and this esxvirt was built without the embedded simulator: give a host with -c 'esx://USER@HOST/'".to_string()
}

/// Chooses the URI from `requested` (`-c`), the environment and libvirt.conf.
pub fn choose(requested: Option<&str>) -> Result<Choice, String> {
    let conf = libvirt_conf::load()?;
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    choose_with(
        requested,
        env("ESXVIRT_DEFAULT_URI"),
        env("LIBVIRT_DEFAULT_URI"),
        conf.as_ref(),
    )
}

/// [`choose`] with its inputs given.
pub fn choose_with(
    requested: Option<&str>,
    esxvirt_env: Option<String>,
    libvirt_env: Option<String>,
    conf: Option<&Conf>,
) -> Result<Choice, String> {
    let (uri, source) = match requested.filter(|u| !u.is_empty()) {
        Some(u) => (u.to_string(), Source::Option),
        None => match (esxvirt_env, libvirt_env) {
            (Some(u), _) => (u, Source::EsxvirtEnv),
            (None, Some(u)) => (u, Source::LibvirtEnv),
            (None, None) => match conf {
                Some(c) => match c.string("uri_default")? {
                    Some(u) => (u.to_string(), Source::ConfigFile(c.path.clone())),
                    None => (DEFAULT_URI.to_string(), Source::Default),
                },
                None => (DEFAULT_URI.to_string(), Source::Default),
            },
        },
    };
    let resolved = match conf {
        Some(c) => c.resolve_alias(&uri)?,
        None => None,
    };
    Ok(match resolved {
        Some(target) => Choice {
            uri: target,
            source,
            alias: Some(uri),
        },
        None => Choice {
            uri,
            source,
            alias: None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf(text: &str) -> Conf {
        Conf::parse("/etc/libvirt/libvirt.conf", text).expect("parses")
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn sources_in_order() {
        let c = conf("uri_default = \"esx://from-conf/\"\n");
        let pick = |req: Option<&str>, e: Option<String>, l: Option<String>, c: Option<&Conf>| {
            choose_with(req, e, l, c).expect("chosen")
        };
        let ch = pick(Some("esx://opt/"), s("esx://e/"), s("esx://l/"), Some(&c));
        assert_eq!((ch.uri.as_str(), ch.source), ("esx://opt/", Source::Option));
        let ch = pick(None, s("esx://e/"), s("esx://l/"), Some(&c));
        assert_eq!(ch.source, Source::EsxvirtEnv);
        let ch = pick(None, None, s("esx://l/"), Some(&c));
        assert_eq!(
            (ch.uri.as_str(), ch.source),
            ("esx://l/", Source::LibvirtEnv)
        );
        let ch = pick(None, None, None, Some(&c));
        assert_eq!(
            (ch.uri.as_str(), ch.source),
            (
                "esx://from-conf/",
                Source::ConfigFile("/etc/libvirt/libvirt.conf".into())
            )
        );
        let ch = pick(Some(""), None, None, Some(&conf("# nothing\n")));
        assert_eq!((ch.uri.as_str(), ch.is_default()), (DEFAULT_URI, true));
        assert!(pick(None, None, None, None).is_default());
        assert!(ch.check_scheme().is_ok());
    }

    #[test]
    fn aliases_apply_to_every_source() {
        let c =
            conf("uri_aliases = [ \"lab=esx://root@lab/?no_verify=1\" ]\nuri_default = \"lab\"\n");
        for (req, l) in [(Some("lab"), None), (None, s("lab")), (None, None)] {
            let ch = choose_with(req, None, l, Some(&c)).expect("chosen");
            assert_eq!(ch.uri, "esx://root@lab/?no_verify=1");
            assert_eq!(ch.alias.as_deref(), Some("lab"));
        }
        let bad = conf("uri_default = 5\n");
        assert_eq!(
            choose_with(None, None, None, Some(&bad)),
            Err("internal error: /etc/libvirt/libvirt.conf: expected a string for 'uri_default' parameter".into())
        );
    }

    #[test]
    fn foreign_schemes_are_clear_errors() {
        let ch = choose_with(None, None, s("qemu:///system"), None).expect("chosen");
        let err = ch.check_scheme().expect_err("qemu is not driven");
        assert_eq!(
            err,
            "URI 'qemu:///system' from LIBVIRT_DEFAULT_URI uses the 'qemu' driver, which esxvirt does not have: it drives esx://, gsx://, vpx:// and sim://; give one with -c URI or ESXVIRT_DEFAULT_URI, which come first"
        );
        let ch = choose_with(Some("qemu+ssh://h/system"), None, None, None).expect("chosen");
        assert!(ch
            .check_scheme()
            .expect_err("not driven")
            .contains("given with -c uses the 'qemu+ssh' driver"));
        for ok in ["esx://h/", "VPX://v/dc/h", "sim:///default", "gsx://g/"] {
            let ch = choose_with(Some(ok), None, None, None).expect("chosen");
            assert!(ch.check_scheme().is_ok(), "{ok}");
        }
        assert!(simulator_note().contains("sim:///default"));
        assert!(simulator_note().contains("-c"));
    }
}
