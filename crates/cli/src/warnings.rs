//! The driver's warnings on stderr, as virsh prints libvirt's: libvirt logs warnings (a host
//! in maintenance mode, ...) at its default level, so virsh shows them without `-d` as
//! `TIMESTAMP: PID: warning : MESSAGE` lines. The driver emits them as `tracing` events at
//! WARN level; without `-d` this subscriber prints just those, in that form (libvirt's
//! source location after `warning : ` is left out). Lines libvirt's libraries print
//! themselves (libxml2's `encoding error : ...`) come as events of
//! [`esxvirt_driver::error::DIAGNOSTIC_TARGET`] and are printed as they are.

use std::fmt;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

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
        // A library's own line (libxml2's `encoding error : ...`) goes out as it is.
        if event.metadata().target() == esxvirt_driver::error::DIAGNOSTIC_TARGET {
            ctx.field_format().format_fields(writer.by_ref(), event)?;
            return writeln!(writer);
        }
        let level = if *event.metadata().level() == Level::ERROR {
            "error"
        } else {
            "warning"
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

/// Prints the driver's warnings on stderr (the default when `-d` is not given).
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::new("esxvirt_driver=warn");
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .event_format(LibvirtLine)
        .try_init();
}
