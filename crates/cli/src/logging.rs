//! Log output: the driver's warnings on stderr (always, as virsh shows libvirt's), and the
//! debug log asked for with virsh's `-d LEVEL` and `-l FILE`, or with the environment.
//!
//! - Levels: virsh's numbers for `-d` and `ESXVIRT_DEBUG` (0 debug, 1 info, 2 notice,
//!   3 warning, 4 error), libvirt's for `LIBVIRT_DEBUG` (1 debug, 2 info, 3 warning,
//!   4 error), or the names (`debug`, `info`, `notice`, `warning`, `error`) in any of them.
//! - Where: the file of `-l FILE` or `ESXVIRT_LOG_FILE` (appended to, created mode 0600),
//!   else stderr. A file without a level gets warnings and errors.
//! - What: `ESXVIRT_LOG` takes `tracing` filter directives (`esxvirt_vi::wire=debug`) and
//!   replaces the level's filter. At `info` the SOAP client logs one line per HTTP
//!   exchange (URL, SOAP method, status, size, time), at `debug` also every request and
//!   response with headers and bodies ([`esxvirt_vi::wirelog`], which redacts passwords,
//!   session cookies and tickets before anything is written).
//!
//! Lines look like libvirt's: `TIMESTAMP: PID: LEVEL : MESSAGE` (libvirt's source location
//! after `LEVEL : ` is left out).

use std::fmt;
use std::fs::File;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tracing::{Event, Level as TLevel, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::{EnvFilter, Layer};

/// A log level, as virsh and libvirt name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Debug,
    Info,
    Warning,
    Error,
}

impl Level {
    /// The `tracing` filter word.
    fn directive(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warning => "warn",
            Level::Error => "error",
        }
    }

    fn from_name(s: &str) -> Option<Level> {
        match s.to_ascii_lowercase().as_str() {
            "debug" => Some(Level::Debug),
            "info" | "notice" => Some(Level::Info),
            "warning" | "warn" => Some(Level::Warning),
            "error" => Some(Level::Error),
            _ => None,
        }
    }
}

/// What a level text means: a level, a number out of range (virsh warns and ignores it),
/// or not a level at all.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    Level(Level),
    OutOfRange(i64),
    Invalid,
}

/// virsh's `-d` / `ESXVIRT_DEBUG`: 0 debug .. 4 error, or a name.
pub fn parse_virsh_level(s: &str) -> Parsed {
    match s.trim().parse::<i64>() {
        Ok(0) => Parsed::Level(Level::Debug),
        Ok(1 | 2) => Parsed::Level(Level::Info),
        Ok(3) => Parsed::Level(Level::Warning),
        Ok(4) => Parsed::Level(Level::Error),
        Ok(n) => Parsed::OutOfRange(n),
        Err(_) => Level::from_name(s.trim()).map_or(Parsed::Invalid, Parsed::Level),
    }
}

/// libvirt's `LIBVIRT_DEBUG`: 1 debug .. 4 error, or a name.
pub fn parse_libvirt_level(s: &str) -> Parsed {
    match s.trim().parse::<i64>() {
        Ok(1) => Parsed::Level(Level::Debug),
        Ok(2) => Parsed::Level(Level::Info),
        Ok(3) => Parsed::Level(Level::Warning),
        Ok(4) => Parsed::Level(Level::Error),
        Ok(n) => Parsed::OutOfRange(n),
        Err(_) => Level::from_name(s.trim()).map_or(Parsed::Invalid, Parsed::Level),
    }
}

/// What was asked for, from the options and the environment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    pub level: Option<Level>,
    pub file: Option<PathBuf>,
    /// `ESXVIRT_LOG` directives.
    pub filter: Option<String>,
}

/// Reads `-d` / `-l` (`debug`, `file`) and the environment into a [`Request`]; the
/// warnings virsh prints for a level it ignores come back as lines for stderr, and a `-d`
/// that is no level at all is an error (virsh exits).
pub fn request(
    debug: Option<&str>,
    file: Option<PathBuf>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<(Request, Vec<String>), String> {
    let mut notes = Vec::new();
    let mut level = None;
    if let Some(d) = debug {
        match parse_virsh_level(d) {
            Parsed::Level(l) => level = Some(l),
            Parsed::OutOfRange(n) => {
                notes.push(format!("ignoring debug level {n} out of range [0-4]"))
            }
            Parsed::Invalid => {
                return Err(
                    "option -d takes a numeric argument (0-4) or a level name (debug, info, notice, warning, error)"
                        .to_string(),
                )
            }
        }
    }
    if level.is_none() && debug.is_none() {
        if let Some(d) = env("ESXVIRT_DEBUG") {
            match parse_virsh_level(&d) {
                Parsed::Level(l) => level = Some(l),
                _ => notes.push("ESXVIRT_DEBUG not set with a valid numeric value".to_string()),
            }
        }
    }
    if level.is_none() {
        if let Some(d) = env("LIBVIRT_DEBUG") {
            match parse_libvirt_level(&d) {
                Parsed::Level(l) => level = Some(l),
                _ => notes.push(format!(
                    "Invalid LIBVIRT_DEBUG value '{d}' (1-4 or a level name)"
                )),
            }
        }
    }
    let file = file.or_else(|| env("ESXVIRT_LOG_FILE").map(PathBuf::from));
    let filter = env("ESXVIRT_LOG");
    Ok((
        Request {
            level,
            file,
            filter,
        },
        notes,
    ))
}

impl Request {
    /// The debug log's filter, if a debug log is wanted.
    pub fn filter_directives(&self) -> Option<String> {
        if let Some(f) = &self.filter {
            return Some(f.clone());
        }
        let level = match (self.level, &self.file) {
            (Some(l), _) => l,
            (None, Some(_)) => Level::Warning,
            (None, None) => return None,
        };
        let l = level.directive();
        Some(format!("esxvirt_cli={l},esxvirt_driver={l},esxvirt_vi={l}"))
    }
}

/// Whether the debug log goes to a file (then commands and their errors are logged too).
static TO_FILE: AtomicBool = AtomicBool::new(false);

/// Whether the debug log goes to a file.
pub fn to_file() -> bool {
    TO_FILE.load(Ordering::Relaxed)
}

/// One libvirt-style log line per event.
struct LibvirtLine;

impl<S, N> FormatEvent<S, N> for LibvirtLine
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        // A library's own line (libxml2's `encoding error : ...`) goes out as it is, as
        // virsh shows it.
        if event.metadata().target() == esxvirt_driver::error::DIAGNOSTIC_TARGET {
            ctx.field_format().format_fields(writer.by_ref(), event)?;
            return writeln!(writer);
        }
        let level = match *event.metadata().level() {
            TLevel::ERROR => "error",
            TLevel::WARN => "warning",
            TLevel::INFO => "info",
            _ => "debug",
        };
        write!(
            writer,
            "{}: {}: {level} : ",
            crate::present::timestamp_now(),
            std::process::id()
        )?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// Sets up logging for the run: the driver's warnings on stderr, and the debug log the
/// request asks for. An unusable log file is an error (virsh's words); a bad `ESXVIRT_LOG`
/// is one too.
pub fn init(req: &Request) -> Result<(), String> {
    let verbose = match req.filter_directives() {
        Some(d) => {
            Some(EnvFilter::try_new(&d).map_err(|e| format!("invalid ESXVIRT_LOG '{d}': {e}"))?)
        }
        None => None,
    };
    let file = match &req.file {
        Some(path) => Some(Arc::new(open_log(path).map_err(|_| {
            "failed to open the log file. check the log file path".to_string()
        })?)),
        None => None,
    };
    // The warnings virsh shows without -d stay on stderr unless the debug log is there.
    let stderr_warnings = (verbose.is_none() || file.is_some()).then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .event_format(LibvirtLine)
            .with_filter(EnvFilter::new("esxvirt_driver=warn"))
    });
    let (to_file, to_stderr) = match (verbose, file) {
        (Some(f), Some(file)) => {
            TO_FILE.store(true, Ordering::Relaxed);
            let layer = tracing_subscriber::fmt::layer()
                .with_writer(file)
                .with_ansi(false)
                .event_format(LibvirtLine)
                .with_filter(f);
            (Some(layer), None)
        }
        (Some(f), None) => {
            let layer = tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(false)
                .event_format(LibvirtLine)
                .with_filter(f);
            (None, Some(layer))
        }
        (None, _) => (None, None),
    };
    let subscriber = tracing_subscriber::registry()
        .with(stderr_warnings)
        .with(to_file)
        .with(to_stderr);
    let _ = tracing::subscriber::set_global_default(subscriber);
    Ok(())
}

/// Opens the log file for appending (created 0600: it holds what the host answered).
fn open_log(path: &std::path::Path) -> std::io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_as_virsh_and_libvirt_number_them() {
        assert_eq!(parse_virsh_level("0"), Parsed::Level(Level::Debug));
        assert_eq!(parse_virsh_level("2"), Parsed::Level(Level::Info));
        assert_eq!(parse_virsh_level("4"), Parsed::Level(Level::Error));
        assert_eq!(parse_virsh_level("7"), Parsed::OutOfRange(7));
        assert_eq!(parse_virsh_level("Warning"), Parsed::Level(Level::Warning));
        assert_eq!(parse_virsh_level("loud"), Parsed::Invalid);
        assert_eq!(parse_libvirt_level("1"), Parsed::Level(Level::Debug));
        assert_eq!(parse_libvirt_level("3"), Parsed::Level(Level::Warning));
        assert_eq!(parse_libvirt_level("0"), Parsed::OutOfRange(0));
        assert_eq!(parse_libvirt_level("info"), Parsed::Level(Level::Info));
    }

    #[test]
    fn requests_from_options_and_environment() {
        let none = |_: &str| None;
        let (r, notes) = request(Some("0"), None, none).expect("ok");
        assert_eq!(r.level, Some(Level::Debug));
        assert!(notes.is_empty());
        assert_eq!(
            r.filter_directives().as_deref(),
            Some("esxvirt_cli=debug,esxvirt_driver=debug,esxvirt_vi=debug")
        );
        let (r, notes) = request(Some("9"), None, none).expect("ok");
        assert_eq!(r.level, None);
        assert_eq!(notes, ["ignoring debug level 9 out of range [0-4]"]);
        assert!(r.filter_directives().is_none());
        assert!(request(Some("x"), None, none).is_err());

        let env = |k: &str| match k {
            "LIBVIRT_DEBUG" => Some("2".to_string()),
            "ESXVIRT_LOG_FILE" => Some("/tmp/x.log".to_string()),
            _ => None,
        };
        let (r, _) = request(None, None, env).expect("ok");
        assert_eq!(r.level, Some(Level::Info));
        assert_eq!(r.file, Some(PathBuf::from("/tmp/x.log")));
        // -d wins over the environment; -l over ESXVIRT_LOG_FILE.
        let (r, _) = request(Some("error"), Some("/l".into()), env).expect("ok");
        assert_eq!(
            (r.level, r.file),
            (Some(Level::Error), Some(PathBuf::from("/l")))
        );
        // A file alone: warnings and errors.
        let r = Request {
            file: Some("/f".into()),
            ..Request::default()
        };
        assert_eq!(
            r.filter_directives().as_deref(),
            Some("esxvirt_cli=warn,esxvirt_driver=warn,esxvirt_vi=warn")
        );
        let env = |k: &str| (k == "ESXVIRT_LOG").then(|| "esxvirt_vi::wire=debug".to_string());
        let (r, _) = request(Some("4"), None, env).expect("ok");
        assert_eq!(
            r.filter_directives().as_deref(),
            Some("esxvirt_vi::wire=debug")
        );
    }
}
