//! Domain lifecycle events (`virConnectDomainEventRegisterAny` with the lifecycle event), which
//! libvirt's ESX driver lacks: a property filter over the VMs of the connection's host (the
//! traversal `list` uses) on their name, UUID and power state, and WaitForUpdatesEx turning
//! the filter's changes into libvirt's lifecycle events.
//!
//! The mapping, and why:
//! - a VM entering the filter (registered, created, moved to this host): Defined Added;
//!   leaving it (unregistered, deleted, moved away): Undefined Removed;
//! - a new name: Undefined Renamed for the old name, then Defined Renamed (libvirt's pair);
//! - poweredOff -> poweredOn: Started Booted; poweredOn -> suspended: Suspended Paused;
//!   suspended -> poweredOn: Resumed Unpaused;
//! - poweredOn -> poweredOff: Stopped Shutdown. vSphere does not say whether the guest shut
//!   itself down, VMware Tools shut it down or the host cut the power, and a running guest
//!   stopping is most often a shutdown; claiming Destroyed (a hard stop from the host) would
//!   be stating what cannot be known;
//! - suspended -> poweredOff: Stopped Destroyed: a suspended guest cannot shut itself down,
//!   so only a host-side power-off (libvirt's destroy) ends that state;
//! - poweredOff -> suspended (not a transition vSphere makes; listed for completeness):
//!   Suspended Paused.
//!
//! The first update set describes the state when the stream opens and gives no events.
//! Each wait is bounded (maxWaitSeconds) so a deadline or an interrupt flag is honoured; the
//! filter is destroyed when the stream is closed or dropped.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use esxvirt_vi as vi;
use vi::props::virtual_machine as vm;
use vi::{
    ManagedObjectReference, ObjectUpdate, ObjectUpdateKind, UpdateSet, Value,
    VirtualMachinePowerState, WaitOptions,
};

use crate::connection::Connection;
use crate::domain::identity;
use crate::domain::Domain;
use crate::error::{vi_err, Error, Result};

/// The VM properties the stream watches.
const WATCHED: &[&str] = &[
    vm::NAME.path(),
    vm::CONFIG_UUID.path(),
    vm::RUNTIME_POWER_STATE.path(),
];

/// The longest single WaitForUpdatesEx, in seconds: well inside the client's request
/// timeout (120 s), so a quiet host is never mistaken for a dead one.
const MAX_WAIT_SECONDS: u64 = 50;

/// The most object updates asked for in one answer by default (maxObjectUpdates): a large
/// inventory's initial state comes in several answers (`truncated`) instead of one huge one.
pub const MAX_OBJECT_UPDATES: u32 = 1000;

/// How often a wait checks the interrupt flag.
const STOP_POLL: Duration = Duration::from_millis(100);

/// libvirt's lifecycle event with its detail (`virDomainEventType` and its detail enums),
/// for those that can be told from vSphere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lifecycle {
    /// VIR_DOMAIN_EVENT_DEFINED / _ADDED
    DefinedAdded,
    /// VIR_DOMAIN_EVENT_DEFINED / _RENAMED
    DefinedRenamed,
    /// VIR_DOMAIN_EVENT_UNDEFINED / _REMOVED
    UndefinedRemoved,
    /// VIR_DOMAIN_EVENT_UNDEFINED / _RENAMED
    UndefinedRenamed,
    /// VIR_DOMAIN_EVENT_STARTED / _BOOTED
    StartedBooted,
    /// VIR_DOMAIN_EVENT_SUSPENDED / _PAUSED
    SuspendedPaused,
    /// VIR_DOMAIN_EVENT_RESUMED / _UNPAUSED
    ResumedUnpaused,
    /// VIR_DOMAIN_EVENT_STOPPED / _SHUTDOWN
    StoppedShutdown,
    /// VIR_DOMAIN_EVENT_STOPPED / _DESTROYED
    StoppedDestroyed,
}

impl Lifecycle {
    /// libvirt's event number (`virDomainEventType`).
    pub fn event(self) -> i32 {
        match self {
            Lifecycle::DefinedAdded | Lifecycle::DefinedRenamed => 0,
            Lifecycle::UndefinedRemoved | Lifecycle::UndefinedRenamed => 1,
            Lifecycle::StartedBooted => 2,
            Lifecycle::SuspendedPaused => 3,
            Lifecycle::ResumedUnpaused => 4,
            Lifecycle::StoppedShutdown | Lifecycle::StoppedDestroyed => 5,
        }
    }

    /// libvirt's detail number within the event.
    pub fn detail(self) -> i32 {
        match self {
            Lifecycle::DefinedAdded
            | Lifecycle::UndefinedRemoved
            | Lifecycle::StartedBooted
            | Lifecycle::SuspendedPaused
            | Lifecycle::ResumedUnpaused
            | Lifecycle::StoppedShutdown => 0,
            Lifecycle::UndefinedRenamed | Lifecycle::StoppedDestroyed => 1,
            Lifecycle::DefinedRenamed => 2,
        }
    }

    /// The event as virsh words it (`Started`).
    pub fn event_str(self) -> &'static str {
        match self.event() {
            0 => "Defined",
            1 => "Undefined",
            2 => "Started",
            3 => "Suspended",
            4 => "Resumed",
            _ => "Stopped",
        }
    }

    /// The detail as virsh words it (`Booted`).
    pub fn detail_str(self) -> &'static str {
        match self {
            Lifecycle::DefinedAdded => "Added",
            Lifecycle::DefinedRenamed | Lifecycle::UndefinedRenamed => "Renamed",
            Lifecycle::UndefinedRemoved => "Removed",
            Lifecycle::StartedBooted => "Booted",
            Lifecycle::SuspendedPaused => "Paused",
            Lifecycle::ResumedUnpaused => "Unpaused",
            Lifecycle::StoppedShutdown => "Shutdown",
            Lifecycle::StoppedDestroyed => "Destroyed",
        }
    }
}

/// One lifecycle event of one domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainEvent {
    /// The domain's name (unescaped) when the event happened.
    pub name: String,
    /// Its UUID, when the VM has a readable configuration.
    pub uuid: Option<[u8; 16]>,
    /// Its managed-object id.
    pub moref: String,
    /// What happened.
    pub lifecycle: Lifecycle,
}

/// How a wait for the next event ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventWait {
    /// An event arrived.
    Event(DomainEvent),
    /// The deadline passed first.
    TimedOut,
    /// The stop flag was raised first.
    Interrupted,
}

/// A VM's power state as vSphere names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Power {
    Off,
    On,
    Suspended,
}

fn power_of(v: &Value) -> Option<Power> {
    match vm::RUNTIME_POWER_STATE.decode(v.clone())? {
        VirtualMachinePowerState::PoweredOff => Some(Power::Off),
        VirtualMachinePowerState::PoweredOn => Some(Power::On),
        VirtualMachinePowerState::Suspended => Some(Power::Suspended),
        VirtualMachinePowerState::Other(_) => None,
    }
}

/// The lifecycle event of a power-state change, if it is one.
fn power_event(from: Option<Power>, to: Power) -> Option<Lifecycle> {
    match (from?, to) {
        (Power::Off, Power::On) => Some(Lifecycle::StartedBooted),
        (Power::On, Power::Suspended) | (Power::Off, Power::Suspended) => {
            Some(Lifecycle::SuspendedPaused)
        }
        (Power::Suspended, Power::On) => Some(Lifecycle::ResumedUnpaused),
        (Power::On, Power::Off) => Some(Lifecycle::StoppedShutdown),
        (Power::Suspended, Power::Off) => Some(Lifecycle::StoppedDestroyed),
        _ => None,
    }
}

/// What the stream knows about one VM.
#[derive(Debug, Clone, Default)]
struct VmState {
    name: Option<String>,
    uuid: Option<[u8; 16]>,
    power: Option<Power>,
}

impl VmState {
    fn apply(&mut self, prop: &str, val: Option<&Value>) {
        let text = || val.and_then(Value::as_str);
        if prop == vm::NAME.path() {
            self.name = text().map(name_of);
        } else if prop == vm::CONFIG_UUID.path() {
            self.uuid = text().and_then(|s| identity::uuid_from_config(s).ok());
        } else if prop == vm::RUNTIME_POWER_STATE.path() {
            self.power = val.and_then(power_of);
        }
    }
}

/// A VM name from the API, unescaped (kept as sent when its escapes are broken).
fn name_of(raw: &str) -> String {
    identity::unescape_name(raw).unwrap_or_else(|_| raw.to_string())
}

/// The VMs seen so far and the translation of update sets into events.
#[derive(Debug, Default)]
struct Tracker {
    vms: HashMap<String, VmState>,
    /// Only events of the VM with this UUID (or, lacking one, this managed object).
    only: Option<([u8; 16], String)>,
}

impl Tracker {
    /// Applies one object update; the events it means when `report` (not the initial state).
    fn apply(&mut self, ou: &ObjectUpdate, report: bool) -> Vec<DomainEvent> {
        if ou.obj.type_ != vm::TYPE {
            return vec![];
        }
        let key = ou.obj.value.clone();
        let mut out = Vec::new();
        match ou.kind {
            ObjectUpdateKind::Enter => {
                let mut st = VmState::default();
                for ch in &ou.change_set {
                    st.apply(&ch.name, ch.val.as_ref());
                }
                out.push(self.event(&key, &st, Lifecycle::DefinedAdded));
                self.vms.insert(key, st);
            }
            ObjectUpdateKind::Leave => {
                let st = self.vms.remove(&key).unwrap_or_default();
                out.push(self.event(&key, &st, Lifecycle::UndefinedRemoved));
            }
            // A kind newer servers may add: nothing this stream can interpret.
            ObjectUpdateKind::Other(_) => {}
            ObjectUpdateKind::Modify => {
                let mut st = self.vms.get(&key).cloned().unwrap_or_default();
                for ch in &ou.change_set {
                    let before = st.clone();
                    st.apply(&ch.name, ch.val.as_ref());
                    if ch.name == vm::NAME.path() && before.name.is_some() && before.name != st.name
                    {
                        out.push(self.event(&key, &before, Lifecycle::UndefinedRenamed));
                        out.push(self.event(&key, &st, Lifecycle::DefinedRenamed));
                    } else if ch.name == vm::RUNTIME_POWER_STATE.path() {
                        if let Some(l) = st.power.and_then(|p| power_event(before.power, p)) {
                            out.push(self.event(&key, &st, l));
                        }
                    }
                }
                self.vms.insert(key, st);
            }
        }
        if !report {
            return vec![];
        }
        out.retain(|e| self.wanted(e));
        out
    }

    fn event(&self, key: &str, st: &VmState, lifecycle: Lifecycle) -> DomainEvent {
        DomainEvent {
            name: st.name.clone().unwrap_or_else(|| key.to_string()),
            uuid: st.uuid,
            moref: key.to_string(),
            lifecycle,
        }
    }

    /// libvirt matches a domain filter by UUID; a VM without a readable UUID by its object.
    fn wanted(&self, e: &DomainEvent) -> bool {
        match &self.only {
            None => true,
            Some((uuid, moref)) => match e.uuid {
                Some(u) => &u == uuid,
                None => &e.moref == moref,
            },
        }
    }
}

/// A stream of lifecycle events of the connection's VMs ([`Connection::domain_events`]).
/// It owns a property filter on the server until [`DomainEventStream::close`] or drop.
/// While a wait is in progress the connection's session is busy with it: use a connection
/// of its own for the stream.
pub struct DomainEventStream<'c> {
    conn: &'c Connection,
    filter: Option<ManagedObjectReference>,
    version: Option<String>,
    tracker: Tracker,
    pending: VecDeque<DomainEvent>,
    /// maxObjectUpdates of every wait.
    max_object_updates: i32,
}

impl std::fmt::Debug for DomainEventStream<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DomainEventStream")
            .field("filter", &self.filter)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// The one event type of virsh's list this driver produces.
pub const SUPPORTED_EVENT: &str = "lifecycle";

impl Connection {
    /// Opens a stream of lifecycle events (`virConnectDomainEventRegisterAny` with
    /// VIR_DOMAIN_EVENT_ID_LIFECYCLE) for every VM of the connection's host, or only for
    /// `domain`: CreateFilter, then the initial state (which gives no events).
    pub fn domain_events(&self, domain: Option<&Domain<'_>>) -> Result<DomainEventStream<'_>> {
        self.domain_events_paged(domain, MAX_OBJECT_UPDATES)
    }

    /// [`Connection::domain_events`] asking for at most `max_object_updates` object updates
    /// per answer (at least 1).
    pub fn domain_events_paged(
        &self,
        domain: Option<&Domain<'_>>,
        max_object_updates: u32,
    ) -> Result<DomainEventStream<'_>> {
        let spec = self.engine.vms_filter(WATCHED)?;
        let filter = self.engine.run(|c| {
            let spec = spec.clone();
            async move { c.create_filter(&spec, false).await.map_err(vi_err) }
        })?;
        let mut stream = DomainEventStream {
            conn: self,
            filter: Some(filter),
            version: None,
            tracker: Tracker {
                vms: HashMap::new(),
                only: domain.map(|d| (d.get_uuid(), d.managed_object_id().to_string())),
            },
            pending: VecDeque::new(),
            max_object_updates: i32::try_from(max_object_updates.max(1)).unwrap_or(i32::MAX),
        };
        if let Err(e) = stream.read_initial_state() {
            let _ = stream.destroy_filter();
            return Err(e);
        }
        Ok(stream)
    }
}

impl DomainEventStream<'_> {
    /// The update sets that describe the state when the stream opened (maxWaitSeconds 0:
    /// nothing to wait for; more than one when the server truncates them).
    fn read_initial_state(&mut self) -> Result<()> {
        loop {
            let set = self.wait_once(0)?;
            let Some(set) = set else { return Ok(()) };
            let truncated = set.truncated == Some(true);
            self.absorb(set, false);
            if !truncated {
                return Ok(());
            }
        }
    }

    /// The options of a WaitForUpdatesEx of at most `seconds`.
    fn wait_options(&self, seconds: u64) -> WaitOptions {
        WaitOptions {
            max_wait_seconds: Some(seconds as i32),
            max_object_updates: Some(self.max_object_updates),
        }
    }

    /// One WaitForUpdatesEx of at most `seconds` (0: return at once).
    fn wait_once(&self, seconds: u64) -> Result<Option<UpdateSet>> {
        match self.wait_racing(seconds, std::future::pending)? {
            Bounded::Set(set) => Ok(set),
            // Nothing cuts this wait short.
            Bounded::Deadline | Bounded::Stopped => Ok(None),
        }
    }

    /// One WaitForUpdatesEx of at most `seconds` raced against the future `cut` makes (a
    /// new one for each attempt): when that ends first, its answer is the wait's.
    fn wait_racing<F>(&self, seconds: u64, cut: impl Fn() -> F) -> Result<Bounded>
    where
        F: Future<Output = Bounded>,
    {
        let version = self.version.clone();
        let options = self.wait_options(seconds);
        self.conn.engine.run(|c| {
            let version = version.clone();
            let options = options.clone();
            let cut = cut();
            async move {
                let wait = c.wait_for_updates_ex(version.as_deref(), Some(&options));
                tokio::select! {
                    r = wait => r.map(Bounded::Set).map_err(vi_err),
                    b = cut => Ok(b),
                }
            }
        })
    }

    /// Takes in one update set (only this stream's filter); queues its events when `report`.
    fn absorb(&mut self, set: UpdateSet, report: bool) {
        self.version = Some(set.version);
        let Some(mine) = self.filter.as_ref().map(|f| f.value.clone()) else {
            return;
        };
        for fu in set.filter_set {
            if fu.filter.value != mine {
                continue;
            }
            for ou in &fu.object_set {
                let events = self.tracker.apply(ou, report);
                self.pending.extend(events);
            }
        }
    }

    /// The next event, waiting until `deadline` (`None`: no limit) or until `stop` is raised
    /// (checked every 100 ms; a Ctrl-C handler can set it).
    pub fn next_event(
        &mut self,
        deadline: Option<Instant>,
        stop: &AtomicBool,
    ) -> Result<EventWait> {
        loop {
            if let Some(e) = self.pending.pop_front() {
                return Ok(EventWait::Event(e));
            }
            if stop.load(Ordering::SeqCst) {
                return Ok(EventWait::Interrupted);
            }
            let now = Instant::now();
            let remaining = match deadline {
                Some(d) if d <= now => return Ok(EventWait::TimedOut),
                Some(d) => Some(d - now),
                None => None,
            };
            // Whole seconds on the wire, rounded up; the deadline itself is kept locally.
            let seconds = remaining
                .map(|r| r.as_millis().div_ceil(1000) as u64)
                .unwrap_or(MAX_WAIT_SECONDS)
                .clamp(1, MAX_WAIT_SECONDS);
            match self.wait_bounded(seconds, deadline, stop)? {
                Bounded::Set(Some(set)) => self.absorb(set, true),
                Bounded::Set(None) => {}
                Bounded::Deadline => return Ok(EventWait::TimedOut),
                Bounded::Stopped => return Ok(EventWait::Interrupted),
            }
        }
    }

    /// One wait raced against the deadline and the stop flag. A wait cut short is
    /// abandoned: the client drops its connection, and the next call opens another.
    fn wait_bounded(
        &self,
        seconds: u64,
        deadline: Option<Instant>,
        stop: &AtomicBool,
    ) -> Result<Bounded> {
        self.wait_racing(seconds, || async move {
            let until = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(tokio::time::Instant::from_std(d)).await,
                    None => std::future::pending::<()>().await,
                }
            };
            let stopped = async {
                while !stop.load(Ordering::SeqCst) {
                    tokio::time::sleep(STOP_POLL).await;
                }
            };
            tokio::select! {
                _ = until => Bounded::Deadline,
                _ = stopped => Bounded::Stopped,
            }
        })
    }

    fn destroy_filter(&mut self) -> Result<()> {
        let Some(filter) = self.filter.take() else {
            return Ok(());
        };
        self.conn.engine.run(|c| {
            let f = filter.clone();
            async move { c.destroy_property_filter(&f).await.map_err(vi_err) }
        })
    }

    /// Ends the stream (`virConnectDomainEventDeregisterAny`): destroys its filter.
    pub fn close(mut self) -> Result<()> {
        self.destroy_filter()
    }
}

impl Drop for DomainEventStream<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.destroy_filter() {
            tracing::debug!(error = %e, "cannot destroy the event filter");
        }
    }
}

enum Bounded {
    Set(Option<UpdateSet>),
    Deadline,
    Stopped,
}

/// The error for an event type the driver does not produce (`virConnectDomainEventRegisterAny`
/// with another event ID).
pub fn unsupported_event(name: &str) -> Error {
    Error::no_support(&format!(
        "virConnectDomainEventRegisterAny for event '{name}' (this driver reports only '{SUPPORTED_EVENT}' events)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{assign, object_update};
    use vi::PropertyChange;

    fn power(p: &str) -> Value {
        Value::VirtualMachinePowerState(match p {
            "poweredOn" => VirtualMachinePowerState::PoweredOn,
            "suspended" => VirtualMachinePowerState::Suspended,
            _ => VirtualMachinePowerState::PoweredOff,
        })
    }

    fn update(kind: ObjectUpdateKind, id: &str, changes: Vec<PropertyChange>) -> ObjectUpdate {
        object_update(kind, identity::vm_ref(id), changes)
    }

    fn enter(id: &str, name: &str, p: &str) -> ObjectUpdate {
        update(
            ObjectUpdateKind::Enter,
            id,
            vec![
                assign(vm::NAME.path(), Value::String(name.into())),
                assign(
                    vm::CONFIG_UUID.path(),
                    Value::String(format!("564d0000-0000-0000-0000-00000000000{id}")),
                ),
                assign(vm::RUNTIME_POWER_STATE.path(), power(p)),
            ],
        )
    }

    fn words(events: &[DomainEvent]) -> Vec<String> {
        events
            .iter()
            .map(|e| {
                format!(
                    "{} {} {}",
                    e.name,
                    e.lifecycle.event_str(),
                    e.lifecycle.detail_str()
                )
            })
            .collect()
    }

    #[test]
    fn initial_state_gives_no_events_and_changes_map_to_lifecycle_events() {
        let mut t = Tracker::default();
        assert!(t
            .apply(&enter("1", "a%2fb", "poweredOff"), false)
            .is_empty());
        let mut got = Vec::new();
        for (p, _) in [
            ("poweredOn", ()),
            ("suspended", ()),
            ("poweredOn", ()),
            ("poweredOff", ()),
            ("poweredOn", ()),
            ("suspended", ()),
            ("poweredOff", ()),
        ] {
            got.extend(t.apply(
                &update(
                    ObjectUpdateKind::Modify,
                    "1",
                    vec![assign(vm::RUNTIME_POWER_STATE.path(), power(p))],
                ),
                true,
            ));
        }
        got.extend(t.apply(
            &update(
                ObjectUpdateKind::Modify,
                "1",
                vec![assign(vm::NAME.path(), Value::String("c".into()))],
            ),
            true,
        ));
        got.extend(t.apply(&enter("2", "new", "poweredOff"), true));
        got.extend(t.apply(&update(ObjectUpdateKind::Leave, "1", vec![]), true));
        assert_eq!(
            words(&got),
            [
                "a/b Started Booted",
                "a/b Suspended Paused",
                "a/b Resumed Unpaused",
                "a/b Stopped Shutdown",
                "a/b Started Booted",
                "a/b Suspended Paused",
                "a/b Stopped Destroyed",
                "a/b Undefined Renamed",
                "c Defined Renamed",
                "new Defined Added",
                "c Undefined Removed",
            ]
        );
        assert_eq!(got[0].moref, "1");
        assert!(got[0].uuid.is_some());
    }

    #[test]
    fn a_domain_filter_keeps_that_domain_only() {
        let mut t = Tracker::default();
        t.apply(&enter("1", "one", "poweredOff"), false);
        t.apply(&enter("2", "two", "poweredOff"), false);
        let uuid = t.vms["2"].uuid.unwrap_or_default();
        t.only = Some((uuid, "2".into()));
        let on = |id: &str| {
            update(
                ObjectUpdateKind::Modify,
                id,
                vec![assign(vm::RUNTIME_POWER_STATE.path(), power("poweredOn"))],
            )
        };
        assert!(t.apply(&on("1"), true).is_empty());
        assert_eq!(words(&t.apply(&on("2"), true)), ["two Started Booted"]);
        // Objects of other types (a traversal passes hosts and folders) are ignored.
        let mut host = on("3");
        host.obj.type_ = vi::props::host_system::TYPE.into();
        assert!(t.apply(&host, true).is_empty());
    }

    #[test]
    fn libvirt_numbers() {
        assert_eq!(
            (
                Lifecycle::StoppedDestroyed.event(),
                Lifecycle::StoppedDestroyed.detail()
            ),
            (5, 1)
        );
        assert_eq!(
            (
                Lifecycle::DefinedRenamed.event(),
                Lifecycle::DefinedRenamed.detail()
            ),
            (0, 2)
        );
        assert_eq!(
            (
                Lifecycle::UndefinedRenamed.event(),
                Lifecycle::UndefinedRenamed.detail()
            ),
            (1, 1)
        );
        assert_eq!(Lifecycle::ResumedUnpaused.event(), 4);
    }
}
