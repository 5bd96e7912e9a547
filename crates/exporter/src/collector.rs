//! One target's collector: a thread of its own that connects (again and again, with a
//! backoff, when the target fails), keeps the inventory current through the driver's
//! inventory watch (only changes travel after the first collection), adds the running VMs'
//! performance samples to their totals (many VMs per QueryPerf), renders, and hands the
//! rendering to the target's slot. Scrapes never wait for it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use esxvirt_driver::domain::identity::vm_ref;
use esxvirt_driver::monitor::{PerfInterval, WatchEvent};
use esxvirt_driver::{Connection, OpenOptions};

use crate::inventory::{self, Inventory};
use crate::perf::{self, Counters, Totals};
use crate::render;
use crate::store::{Outcome, Slot};

/// How a collector works.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Time from the start of one collection to the start of the next.
    pub interval: Duration,
    /// VMs per QueryPerf.
    pub perf_batch: usize,
    /// Object updates per WaitForUpdatesEx answer.
    pub max_object_updates: u32,
}

/// The first wait before connecting again; it doubles up to the interval.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);

/// How often a sleeping collector looks at the stop flag.
const STOP_POLL: Duration = Duration::from_millis(100);

/// Starts the collector of `slot`'s target on a thread of its own; it ends when `stop` is
/// raised (at the latest when the request under way ends).
pub fn spawn(
    slot: Arc<Slot>,
    settings: Settings,
    stop: Arc<AtomicBool>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name(format!("collect {}", slot.target))
        .spawn(move || Collector::new(slot, settings, stop).run())
}

/// A target's collector and what outlives its sessions.
struct Collector {
    slot: Arc<Slot>,
    settings: Settings,
    stop: Arc<AtomicBool>,
    /// Counter totals survive reconnections: counters must not go back.
    totals: Totals,
    /// Requests of the sessions before the current one.
    earlier_requests: u64,
}

impl Collector {
    fn new(slot: Arc<Slot>, settings: Settings, stop: Arc<AtomicBool>) -> Collector {
        Collector {
            slot,
            settings,
            stop,
            totals: Totals::new(),
            earlier_requests: 0,
        }
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Sleeps until `until` or the stop flag.
    fn sleep_until(&self, until: Instant) {
        while !self.stopped() {
            let now = Instant::now();
            if now >= until {
                return;
            }
            std::thread::sleep((until - now).min(STOP_POLL));
        }
    }

    fn run(mut self) {
        let mut backoff = FIRST_BACKOFF;
        while !self.stopped() {
            self.slot.begin();
            let started = Instant::now();
            let mut requests = 0;
            let result = self.session(&mut requests, &mut backoff);
            self.earlier_requests += requests;
            if let Err(e) = result {
                tracing::warn!(uri = %self.slot.target, "{e}");
                self.slot.fail(self.earlier_requests);
                // A session that worked for a while is retried at once; repeated failures
                // wait longer each time, never longer than an interval.
                let wait = if started.elapsed() > self.settings.interval {
                    Duration::ZERO
                } else {
                    backoff
                };
                backoff = (backoff * 2).min(self.settings.interval.max(FIRST_BACKOFF));
                self.sleep_until(Instant::now() + wait);
            }
        }
    }

    /// One session: connect, then collect every interval until something fails.
    fn session(
        &mut self,
        requests: &mut u64,
        backoff: &mut Duration,
    ) -> esxvirt_driver::Result<()> {
        let conn = Connection::open_for_monitoring(&self.slot.target, &OpenOptions::default())?;
        let result = self.collect_loop(&conn, requests, backoff);
        *requests = conn.request_count();
        result
    }

    fn collect_loop(
        &mut self,
        conn: &Connection,
        requests: &mut u64,
        backoff: &mut Duration,
    ) -> esxvirt_driver::Result<()> {
        let mut watch =
            conn.watch_inventory(&inventory::watched(), self.settings.max_object_updates)?;
        let counters = match conn.perf_counter_catalogue() {
            Ok(all) => Counters::from_catalogue(&all),
            Err(e) => {
                tracing::warn!(uri = %self.slot.target, "no performance counters: {e}");
                self.slot.soft_error();
                Counters::default()
            }
        };
        let mut inv = Inventory::default();
        let mut perf_interval: Option<PerfInterval> = None;
        let mut next_perf = Instant::now();
        let mut first = true;
        let mut rendered: Option<Arc<render::Rendered>> = None;
        loop {
            let start = Instant::now();
            if !first {
                self.slot.begin();
            }
            first = false;
            let totals = &mut self.totals;
            let poll = watch.poll(|ev| match ev {
                WatchEvent::Reset => inv.clear(),
                WatchEvent::Update(ou) => {
                    if let Some(gone) = inv.apply(ou) {
                        totals.remove(&gone);
                    }
                }
            })?;
            if poll.reset {
                self.totals.retain(|id, _| inv.vms.contains_key(id));
            }
            let polled = start.elapsed();
            let mut sampled_now = false;
            if !counters.is_empty() && start >= next_perf {
                sampled_now = true;
                match self.sample(conn, &counters, &inv, &mut perf_interval) {
                    Ok(()) => {}
                    Err(e) => {
                        tracing::warn!(uri = %self.slot.target, "performance counters: {e}");
                        self.slot.soft_error();
                    }
                }
                let every = perf_interval.map_or(20, |p| p.seconds.max(1));
                // A little early: samples are ready by then, and a late cycle must not
                // skip one.
                next_perf =
                    start + Duration::from_secs(every as u64).saturating_sub(STOP_POLL * 10);
            }
            let sampled = start.elapsed();
            // Nothing changed, nothing to render again.
            let data = match &rendered {
                Some(r) if poll.updates == 0 && !poll.reset && !sampled_now => r.clone(),
                _ => {
                    let size = rendered.as_ref().map(|r| r.sizes());
                    let r = Arc::new(render::render_inventory(
                        &inv,
                        &self.totals,
                        &self.slot.target,
                        size.as_deref(),
                    ));
                    rendered = Some(r.clone());
                    r
                }
            };
            tracing::debug!(
                uri = %self.slot.target,
                updates = poll.updates,
                calls = poll.calls,
                poll_ms = polled.as_millis() as u64,
                perf_ms = (sampled - polled).as_millis() as u64,
                render_ms = (start.elapsed() - sampled).as_millis() as u64,
                "collection"
            );
            *requests = conn.request_count();
            self.slot.complete(
                data,
                &Outcome {
                    duration: start.elapsed(),
                    vms: inv.vms.len() as u64,
                    hosts: inv.hosts.len() as u64,
                    datastores: inv.datastores.len() as u64,
                    requests: self.earlier_requests + *requests,
                },
            );
            *backoff = FIRST_BACKOFF;
            self.sleep_until(start + self.settings.interval);
            if self.stopped() {
                return Ok(());
            }
        }
    }

    /// Adds the newest samples of every running VM to its totals.
    fn sample(
        &mut self,
        conn: &Connection,
        counters: &Counters,
        inv: &Inventory,
        interval: &mut Option<PerfInterval>,
    ) -> esxvirt_driver::Result<()> {
        let mut running: Vec<&str> = inv
            .vms
            .iter()
            .filter(|(_, v)| v.running())
            .map(|(id, _)| id.as_str())
            .collect();
        if running.is_empty() {
            return Ok(());
        }
        running.sort_unstable();
        let every = match interval {
            Some(p) => *p,
            None => {
                let p = conn
                    .perf_interval(&vm_ref(running[0]))?
                    .unwrap_or(PerfInterval {
                        interval_id: 20,
                        seconds: 20,
                        realtime: true,
                    });
                *interval = Some(p);
                p
            }
        };
        for batch in running.chunks(self.settings.perf_batch) {
            let vms: Vec<(&str, Option<&perf::VmTotals>)> =
                batch.iter().map(|id| (*id, self.totals.get(*id))).collect();
            let specs = perf::specs(counters, every.interval_id, &vms);
            for m in conn.query_perf(&specs)? {
                self.totals
                    .entry(m.base.entity.value.clone())
                    .or_default()
                    .absorb(counters, &m);
            }
        }
        Ok(())
    }
}
