//! The exporter's settings: the command line (`-c URI ...`, `--listen`, `--config`, ...) over
//! an optional TOML file with the same settings; the command line wins where both give one.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// The default listen address (9272: next to the ports of other VMware exporters).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9272";
/// The default collection interval: the real-time sampling period of vSphere.
pub const DEFAULT_INTERVAL_SECONDS: u64 = 20;
/// VMs per QueryPerf call by default.
pub const DEFAULT_PERF_BATCH: usize = 500;

/// Why the settings are unusable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown or mistyped settings.
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    /// A value is out of range.
    #[error("{0}")]
    Invalid(String),
}

/// The command line.
#[derive(Debug, Clone, Default, clap::Parser)]
#[command(
    name = "esxvirt-exporter",
    version,
    about = "Prometheus metrics of ESX hosts and whole vCenters, collected in the background",
    long_about = "Prometheus metrics of ESX hosts and whole vCenters, collected in the background.\n\n\
        A target is a libvirt URI: esx://HOST/, vpx://VCENTER/DC/CLUSTER/HOST (one host), or\n\
        vpx://VCENTER/ with no path (every host of the vCenter). Credentials come from the URI's\n\
        user and libvirt's auth.conf; certificates are verified unless the URI says no_verify=1\n\
        (cacert=FILE, esxvirt_thumbprint=SHA256 work as with esxvirt). /metrics serves the last\n\
        complete collection at once."
)]
pub struct Args {
    /// A target URI (repeat for several).
    #[arg(short = 'c', long = "connect", value_name = "URI")]
    pub targets: Vec<String>,
    /// Address to serve /metrics on [default: 127.0.0.1:9272].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// A TOML file with the same settings (targets = [...], listen, interval_seconds, ...).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Seconds between two collections [default: 20].
    #[arg(long, value_name = "SECONDS")]
    pub interval: Option<u64>,
    /// VMs per QueryPerf request [default: 500].
    #[arg(long, value_name = "N")]
    pub perf_batch: Option<usize>,
    /// Most object updates per WaitForUpdatesEx answer [default: 50000].
    #[arg(long, value_name = "N")]
    pub max_object_updates: Option<u32>,
}

/// The TOML file.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Target URIs.
    #[serde(default)]
    pub targets: Vec<String>,
    pub listen: Option<String>,
    pub interval_seconds: Option<u64>,
    pub perf_batch: Option<usize>,
    pub max_object_updates: Option<u32>,
}

impl FileConfig {
    /// Reads and parses `path`.
    pub fn load(path: &Path) -> Result<FileConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        FileConfig::parse(&text).map_err(|message| ConfigError::Parse {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Parses TOML text.
    pub fn parse(text: &str) -> Result<FileConfig, String> {
        toml::from_str(text).map_err(|e| e.message().trim_end().to_string())
    }
}

/// The settings in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub targets: Vec<String>,
    pub listen: SocketAddr,
    pub interval: Duration,
    pub perf_batch: usize,
    pub max_object_updates: u32,
}

impl Config {
    /// The command line over the file it names (if any).
    pub fn from_args(args: &Args) -> Result<Config, ConfigError> {
        let file = match &args.config {
            Some(p) => FileConfig::load(p)?,
            None => FileConfig::default(),
        };
        Config::merge(args, file)
    }

    /// The command line over `file`.
    pub fn merge(args: &Args, file: FileConfig) -> Result<Config, ConfigError> {
        let targets = if args.targets.is_empty() {
            file.targets
        } else {
            args.targets.clone()
        };
        if targets.is_empty() {
            return Err(ConfigError::Invalid(
                "no target: give one with -c URI (or targets = [...] in --config)".into(),
            ));
        }
        let listen = match (args.listen, file.listen) {
            (Some(a), _) => a,
            (None, Some(s)) => s.parse().map_err(|_| {
                ConfigError::Invalid(format!(
                    "listen: '{s}' is not an address with a port (e.g. {DEFAULT_LISTEN})"
                ))
            })?,
            (None, None) => DEFAULT_LISTEN
                .parse()
                .map_err(|_| ConfigError::Invalid("bad default address".into()))?,
        };
        let interval = args
            .interval
            .or(file.interval_seconds)
            .unwrap_or(DEFAULT_INTERVAL_SECONDS);
        if interval == 0 {
            return Err(ConfigError::Invalid(
                "interval: must be at least 1 second".into(),
            ));
        }
        let perf_batch = args
            .perf_batch
            .or(file.perf_batch)
            .unwrap_or(DEFAULT_PERF_BATCH);
        if perf_batch == 0 {
            return Err(ConfigError::Invalid(
                "perf_batch: must be at least 1".into(),
            ));
        }
        let max_object_updates = args
            .max_object_updates
            .or(file.max_object_updates)
            .unwrap_or(esxvirt_driver::monitor::MAX_OBJECT_UPDATES)
            .max(1);
        Ok(Config {
            targets,
            listen,
            interval: Duration::from_secs(interval),
            perf_batch,
            max_object_updates,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn command_line_wins_over_the_file() {
        let file = FileConfig::parse(
            "targets = [\"vpx://a@vc/\"]\nlisten = \"0.0.0.0:9999\"\ninterval_seconds = 60\n",
        )
        .unwrap();
        let args = Args::try_parse_from(["x", "--interval", "5"]).unwrap();
        let c = Config::merge(&args, file.clone()).unwrap();
        assert_eq!(c.targets, ["vpx://a@vc/"]);
        assert_eq!(c.listen.to_string(), "0.0.0.0:9999");
        assert_eq!(c.interval, Duration::from_secs(5));
        assert_eq!(c.perf_batch, DEFAULT_PERF_BATCH);
        let args = Args::try_parse_from(["x", "-c", "esx://h/", "-c", "esx://g/"]).unwrap();
        let c = Config::merge(&args, file).unwrap();
        assert_eq!(c.targets, ["esx://h/", "esx://g/"]);
        assert_eq!(c.interval, Duration::from_secs(60));
    }

    #[test]
    fn defaults_and_errors() {
        let args = Args::try_parse_from(["x", "-c", "esx://h/"]).unwrap();
        let c = Config::merge(&args, FileConfig::default()).unwrap();
        assert_eq!(c.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(c.interval, Duration::from_secs(20));
        let none = Args::try_parse_from(["x"]).unwrap();
        assert!(Config::merge(&none, FileConfig::default())
            .unwrap_err()
            .to_string()
            .starts_with("no target"));
        let e = FileConfig::parse("target = 1").unwrap_err();
        assert!(e.contains("unknown field"), "{e}");
        let bad = FileConfig::parse("targets = [\"esx://h/\"]\nlisten = \"nowhere\"").unwrap();
        assert!(Config::merge(&none, bad)
            .unwrap_err()
            .to_string()
            .contains("'nowhere'"));
    }
}
