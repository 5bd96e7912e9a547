//! virsh's Domain Events group (`help events`): the `event` command as virsh runs it on
//! drivers with events: the option checks in virsh's
//! order and words, `--list`, then the lifecycle events of the driver's event stream, one
//! line each as they come (`event 'lifecycle' for domain 'NAME': Started Booted`, after a
//! timestamp with `--timestamp`), until the first event (or with `--loop` until the timeout
//! or Ctrl-C), then `event loop timed out` / `event loop interrupted` and `events received:
//! N`. The status is a failure when no event arrived, as virsh's.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use esxvirt_driver::events::{unsupported_event, SUPPORTED_EVENT};
use esxvirt_driver::{Connection, Domain, DomainEvent, DomainEventStream, EventWait};

use clap::Args;

use crate::output::{CmdError, CmdResult, Out};
use crate::present::timestamp_now;
use crate::registry::{ConnCommand, Entry, Group, Spec};
use crate::session::Ctx;

/// The group.
pub static GROUP: Group = Group {
    name: "Domain Events",
    keyword: "events",
    commands: &[Entry::connection::<Event>()],
};

/// `event (--list | --all | --event lifecycle) [--domain D] [--loop] [--timeout S] [--timestamp]`.
#[derive(Args, Debug, Clone)]
pub struct Event {
    /// filter by domain name, id or uuid
    #[arg(long)]
    pub domain: Option<String>,
    /// which event type to wait for
    #[arg(long)]
    pub event: Option<String>,
    /// wait for all events instead of just one type
    #[arg(long)]
    pub all: bool,
    /// loop until timeout or interrupt, rather than one-shot
    #[arg(long = "loop")]
    pub looping: bool,
    /// timeout seconds
    #[arg(long)]
    pub timeout: Option<String>,
    /// list valid event types
    #[arg(long)]
    pub list: bool,
    /// show timestamp for each printed event
    #[arg(long)]
    pub timestamp: bool,
}

impl ConnCommand for Event {
    const SPEC: Spec = Spec::new("event", "Domain Events");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        // Ctrl-C ends the wait (not the program) while the command runs.
        let _interrupt = InterruptGuard::install();
        watch(
            ctx.conn,
            self,
            |name| ctx.domain(name),
            out,
            &mut emit_now,
            &INTERRUPTED,
        )
    }
}

/// virsh's event types, in its order (`event --list`).
pub const EVENT_NAMES: [&str; 27] = [
    "lifecycle",
    "reboot",
    "rtc-change",
    "watchdog",
    "io-error",
    "graphics",
    "io-error-reason",
    "control-error",
    "block-job",
    "disk-change",
    "tray-change",
    "pm-wakeup",
    "pm-suspend",
    "balloon-change",
    "pm-suspend-disk",
    "device-removed",
    "block-job-2",
    "tunable",
    "agent-lifecycle",
    "device-added",
    "migration-iteration",
    "job-completed",
    "device-removal-failed",
    "metadata-change",
    "block-threshold",
    "memory-failure",
    "memory-device-size-change",
];

/// What the options ask for, once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// `--list`.
    List,
    /// Wait for events.
    Watch(Watch),
}

/// A checked request to wait for events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watch {
    /// `--event NAME` (`None` with `--all`).
    pub event: Option<String>,
    /// `--domain`.
    pub domain: Option<String>,
    /// `--loop`.
    pub looping: bool,
    /// `--timeout`.
    pub timeout: Option<Duration>,
    /// `--timestamp`.
    pub timestamp: bool,
}

/// Checks the options as virsh does, in its order and with its messages.
pub fn plan(a: &Event) -> Result<Plan, CmdError> {
    let exclusive =
        |x: &str, y: &str| CmdError::msg(format!("Options --{x} and --{y} are mutually exclusive"));
    if a.all && a.event.is_some() {
        return Err(exclusive("all", "event"));
    }
    if a.list && a.all {
        return Err(exclusive("list", "all"));
    }
    if a.list && a.event.is_some() {
        return Err(exclusive("list", "event"));
    }
    if a.list {
        return Ok(Plan::List);
    }
    if a.event.is_none() && !a.all {
        return Err(CmdError::msg(
            "one of --list, --all, or --event <type> is required",
        ));
    }
    if let Some(name) = &a.event {
        if !EVENT_NAMES.contains(&name.as_str()) {
            return Err(CmdError::msg(format!("unknown event type {name}")));
        }
    }
    let timeout = match &a.timeout {
        None => None,
        Some(t) => Some(parse_timeout(t)?),
    };
    Ok(Plan::Watch(Watch {
        event: a.event.clone(),
        domain: a.domain.clone(),
        looping: a.looping,
        timeout,
        timestamp: a.timestamp,
    }))
}

/// `--timeout`: whole seconds, 1 to what fits in an int of milliseconds.
fn parse_timeout(text: &str) -> Result<Duration, CmdError> {
    let bad = || CmdError::malformed(text, "timeout");
    let secs: u32 = text.parse().map_err(|_| bad())?;
    if secs == 0 || secs > i32::MAX as u32 / 1000 {
        return Err(bad());
    }
    Ok(Duration::from_secs(u64::from(secs)))
}

/// The line virsh prints for a lifecycle event (with its newline).
pub fn event_line(e: &DomainEvent) -> String {
    format!(
        "event 'lifecycle' for domain '{}': {} {}\n",
        e.name,
        e.lifecycle.event_str(),
        e.lifecycle.detail_str()
    )
}

/// Writes `text` to stdout and flushes it (events are printed as they come).
pub fn emit_now(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::io::stdout().lock();
    o.write_all(text.as_bytes())?;
    o.flush()
}

/// How the wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Done,
    TimedOut,
    Interrupted,
}

/// Runs `event`: `--list` into `out`; events through `emit` as they arrive (the caller
/// writes and flushes each; a failed write, such as a closed pipe, ends the command), the
/// closing lines into `out`. `lookup` is virsh's domain lookup for `--domain`; `stop` ends
/// the wait when raised (Ctrl-C).
pub fn watch<'c>(
    conn: &'c Connection,
    a: &Event,
    lookup: impl Fn(&str) -> Result<Domain<'c>, CmdError>,
    out: &mut Out,
    emit: &mut dyn FnMut(&str) -> std::io::Result<()>,
    stop: &AtomicBool,
) -> Result<(), CmdError> {
    let watch = match plan(a)? {
        Plan::List => {
            for name in EVENT_NAMES {
                out.print(&format!("{name}\n"));
            }
            return Ok(());
        }
        Plan::Watch(w) => w,
    };
    let dom = match &watch.domain {
        Some(name) => Some(lookup(name)?),
        None => None,
    };
    // virsh registers each event type asked for; with --all a failure after the first
    // (lifecycle) is ignored, so only an explicit other type is refused.
    if let Some(name) = watch.event.as_deref().filter(|n| *n != SUPPORTED_EVENT) {
        return Err(unsupported_event(name).into());
    }
    let mut stream = conn.domain_events(dom.as_ref())?;
    let printed = print_events(&mut stream, &watch, emit, stop);
    let closed = stream.close();
    // A failure while printing is the one reported (the close's is then dropped).
    let (end, count) = printed?;
    match end {
        End::Interrupted => out.print("event loop interrupted\n"),
        End::TimedOut => out.print("event loop timed out\n"),
        End::Done => {}
    }
    out.print(&format!("events received: {count}\n"));
    closed?;
    if count == 0 {
        // virsh's status without an error message.
        return Err(CmdError::silent());
    }
    Ok(())
}

/// Prints events as they come until the first one (or, with `--loop`, until the timeout or
/// `stop`); how the wait ended and how many were printed.
fn print_events(
    stream: &mut DomainEventStream<'_>,
    watch: &Watch,
    emit: &mut dyn FnMut(&str) -> std::io::Result<()>,
    stop: &AtomicBool,
) -> Result<(End, u64), CmdError> {
    let deadline = watch.timeout.map(|t| Instant::now() + t);
    let mut count = 0u64;
    loop {
        let e = match stream.next_event(deadline, stop)? {
            EventWait::Event(e) => e,
            EventWait::TimedOut => return Ok((End::TimedOut, count)),
            EventWait::Interrupted => return Ok((End::Interrupted, count)),
        };
        let line = event_line(&e);
        let written = if watch.timestamp {
            emit(&format!("{}: {line}", timestamp_now()))
        } else {
            emit(&line)
        };
        // A failed write means nobody reads any more (virsh would die of SIGPIPE).
        written.map_err(|err| CmdError::msg(format!("cannot print the event: {err}")))?;
        count += 1;
        if !watch.looping {
            return Ok((End::Done, count));
        }
    }
}

/// Raised by SIGINT while an [`InterruptGuard`] is alive.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Turns Ctrl-C into [`INTERRUPTED`] while alive (virsh ends its event loop the same way)
/// and puts the previous SIGINT disposition back when dropped.
pub struct InterruptGuard {
    #[cfg(unix)]
    previous: Option<libc::sigaction>,
}

#[cfg(unix)]
extern "C" fn on_sigint(_: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    INTERRUPTED.store(true, Ordering::SeqCst);
}

impl InterruptGuard {
    /// Installs the handler (clearing the flag first).
    pub fn install() -> InterruptGuard {
        INTERRUPTED.store(false, Ordering::SeqCst);
        #[cfg(unix)]
        {
            // SAFETY: sigaction with a zeroed struct, an empty mask and a handler that only
            // stores to an atomic; `old` is written by the kernel before it is read.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_sigint as extern "C" fn(libc::c_int) as usize;
                libc::sigemptyset(&mut action.sa_mask);
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(libc::SIGINT, &action, &mut old) == 0 {
                    return InterruptGuard {
                        previous: Some(old),
                    };
                }
            }
            InterruptGuard { previous: None }
        }
        #[cfg(not(unix))]
        InterruptGuard {}
    }
}

impl Drop for InterruptGuard {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(old) = self.previous.take() {
            // SAFETY: restores the disposition sigaction reported at install.
            unsafe {
                libc::sigaction(libc::SIGINT, &old, std::ptr::null_mut());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use esxvirt_driver::Lifecycle;

    fn args(f: impl FnOnce(&mut Event)) -> Event {
        let mut a = Event {
            domain: None,
            event: None,
            all: false,
            looping: false,
            timeout: None,
            list: false,
            timestamp: false,
        };
        f(&mut a);
        a
    }

    fn err(a: Event) -> Vec<String> {
        plan(&a).err().map(|e| e.0).unwrap_or_default()
    }

    #[test]
    fn options_are_checked_in_virsh_order_with_its_words() {
        assert_eq!(
            err(args(|a| {
                a.all = true;
                a.event = Some("lifecycle".into());
                a.list = true;
            })),
            ["Options --all and --event are mutually exclusive"]
        );
        assert_eq!(
            err(args(|a| {
                a.all = true;
                a.list = true
            })),
            ["Options --list and --all are mutually exclusive"]
        );
        assert_eq!(
            err(args(|a| {
                a.event = Some("x".into());
                a.list = true
            })),
            ["Options --list and --event are mutually exclusive"]
        );
        assert_eq!(
            plan(&args(|a| {
                a.list = true;
                a.timeout = Some("0".into())
            }))
            .ok(),
            Some(Plan::List)
        );
        assert_eq!(
            err(args(|_| {})),
            ["one of --list, --all, or --event <type> is required"]
        );
        assert_eq!(
            err(args(|a| a.event = Some("foo".into()))),
            ["unknown event type foo"]
        );
        for t in ["0", "-1", "abc", "2147484"] {
            assert_eq!(
                err(args(|a| {
                    a.all = true;
                    a.timeout = Some(t.into())
                })),
                [format!(
                    "Numeric value '{t}' for <timeout> option is malformed or out of range"
                )]
            );
        }
        assert_eq!(
            plan(&args(|a| {
                a.event = Some("lifecycle".into());
                a.timeout = Some("2147483".into());
                a.looping = true;
                a.domain = Some("vm1".into());
            }))
            .ok(),
            Some(Plan::Watch(Watch {
                event: Some("lifecycle".into()),
                domain: Some("vm1".into()),
                looping: true,
                timeout: Some(Duration::from_secs(2_147_483)),
                timestamp: false,
            }))
        );
    }

    #[test]
    fn lifecycle_lines() {
        let e = DomainEvent {
            name: "web 1".into(),
            uuid: None,
            moref: "7".into(),
            lifecycle: Lifecycle::StoppedShutdown,
        };
        assert_eq!(
            event_line(&e),
            "event 'lifecycle' for domain 'web 1': Stopped Shutdown\n"
        );
    }
}
