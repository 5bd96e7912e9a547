//! Where collections meet scrapes: one slot per target holding its status and its last
//! complete rendering, swapped in whole by the collector (an `Arc` under a lock held only
//! for the swap), and the response a scrape gets, put together from the slots without
//! waiting for any collection.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::render::{self, Chunks, Rendered, Status};

/// What a slot holds.
#[derive(Debug, Default)]
struct SlotState {
    status: Status,
    /// When the collection under way began (none between collections).
    busy_since: Option<Instant>,
    data: Option<Arc<Rendered>>,
}

/// One target's slot.
#[derive(Debug)]
pub struct Slot {
    /// The target URI, as configured (the `target` label).
    pub target: String,
    state: Mutex<SlotState>,
}

/// What a finished collection reports.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub duration: Duration,
    pub vms: u64,
    pub hosts: u64,
    pub datastores: u64,
    pub requests: u64,
}

impl Slot {
    /// A slot for `target`, down until its first collection.
    pub fn new(target: &str) -> Slot {
        Slot {
            target: target.to_string(),
            state: Mutex::new(SlotState::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, SlotState> {
        match self.state.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// A collection (or a connection attempt) begins.
    pub fn begin(&self) {
        self.lock().busy_since = Some(Instant::now());
    }

    /// A collection completed: its rendering replaces the previous one.
    pub fn complete(&self, data: Arc<Rendered>, outcome: &Outcome) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        let old = {
            let mut s = self.lock();
            s.busy_since = None;
            s.status.up = true;
            s.status.collections += 1;
            s.status.last_duration = Some(outcome.duration.as_secs_f64());
            s.status.last_success_unix = Some(now);
            s.status.vms = outcome.vms;
            s.status.hosts = outcome.hosts;
            s.status.datastores = outcome.datastores;
            s.status.requests = outcome.requests;
            s.data.replace(data)
        };
        // The previous rendering is freed here, outside the lock (unless a scrape still
        // sends it).
        drop(old);
    }

    /// Counts an error that did not end the collection (a failed QueryPerf).
    pub fn soft_error(&self) {
        self.lock().status.errors += 1;
    }

    /// The target failed (connection or collection): it is down and its samples go.
    pub fn fail(&self, requests: u64) {
        let old = {
            let mut s = self.lock();
            s.busy_since = None;
            s.status.up = false;
            s.status.errors += 1;
            s.status.requests = s.status.requests.max(requests);
            s.data.take()
        };
        drop(old);
    }

    /// The status and samples now. A collection running longer than `overdue`, and longer
    /// than twice the previous one took, makes the target count as down (a server that
    /// stopped answering); a target whose collections are merely slow stays up.
    fn view(&self, overdue: Duration) -> (Status, Option<Arc<Rendered>>) {
        let s = self.lock();
        let mut status = s.status.clone();
        let usual = Duration::from_secs_f64(s.status.last_duration.unwrap_or(0.0).max(0.0) * 2.0);
        if s.busy_since
            .is_some_and(|t| t.elapsed() > overdue.max(usual))
        {
            status.up = false;
        }
        (status, s.data.clone())
    }

    /// The status now (as [`Store::response`] reports it).
    pub fn status(&self, overdue: Duration) -> Status {
        self.view(overdue).0
    }
}

/// Every target's slot.
#[derive(Debug)]
pub struct Store {
    pub slots: Vec<Arc<Slot>>,
    /// How long a collection may run before its target counts as down.
    pub overdue: Duration,
}

impl Store {
    /// Slots for `targets`.
    pub fn new(targets: &[String], overdue: Duration) -> Store {
        Store {
            slots: targets.iter().map(|t| Arc::new(Slot::new(t))).collect(),
            overdue,
        }
    }

    /// The body of a `/metrics` answer: chunks shared with the slots' renderings; the same
    /// text gzipped with `gzip` (when it can be).
    pub fn response(&self, gzip: bool) -> render::Body {
        let views: Vec<(Status, Option<Arc<Rendered>>)> =
            self.slots.iter().map(|s| s.view(self.overdue)).collect();
        let mut status = Chunks::default();
        let named: Vec<(&str, &Status)> = self
            .slots
            .iter()
            .zip(&views)
            .map(|(slot, (st, _))| (slot.target.as_str(), st))
            .collect();
        render::render_status(&mut status, &named);
        let status = status.freeze();
        let mut parts: Vec<&Rendered> = vec![&status];
        parts.extend(views.iter().filter_map(|(_, d)| d.as_deref()));
        render::assemble(&parts, gzip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(store: &Store) -> String {
        String::from_utf8(store.response(false).chunks.concat()).unwrap()
    }

    #[test]
    fn a_target_is_down_until_it_collects_and_after_it_fails() {
        let store = Store::new(&["esx://a/".into()], Duration::from_secs(60));
        assert!(text(&store).contains("esxvirt_up{target=\"esx://a/\"} 0\n"));
        let mut c = Chunks::default();
        c.sample(
            crate::render::Fam::Vcpus,
            &crate::render::Labels::default().with("domain", "d"),
            &[],
            1.0,
        );
        let slot = &store.slots[0];
        slot.begin();
        slot.complete(
            Arc::new(c.freeze()),
            &Outcome {
                vms: 1,
                ..Outcome::default()
            },
        );
        let t = text(&store);
        assert!(t.contains("esxvirt_up{target=\"esx://a/\"} 1\n"), "{t}");
        assert!(t.contains("libvirt_domain_info_virtual_cpus{domain=\"d\"} 1\n"));
        assert!(t.contains("esxvirt_objects{target=\"esx://a/\",type=\"vm\"} 1\n"));
        // The gzip form decodes to the same text, as one gzip stream (curl reads no more
        // than one).
        let body = store.response(true);
        assert!(body.gzip);
        let gz = body.chunks.concat();
        let mut decoded = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut decoded)
            .unwrap();
        assert_eq!(decoded, t);
        assert!(gz.len() < t.len());
        slot.fail(7);
        let t = text(&store);
        assert!(t.contains("esxvirt_up{target=\"esx://a/\"} 0\n"));
        assert!(t.contains("esxvirt_collection_errors_total{target=\"esx://a/\"} 1\n"));
        assert!(!t.contains("libvirt_domain_info_virtual_cpus"));
        // A collection that hangs longer than allowed shows the target down; one that is
        // as slow as the one before is not overdue yet.
        let store = Store::new(&["esx://b/".into()], Duration::ZERO);
        let slow = Outcome {
            duration: Duration::from_millis(200),
            ..Outcome::default()
        };
        store.slots[0].complete(Arc::default(), &slow);
        store.slots[0].begin();
        std::thread::sleep(Duration::from_millis(5));
        assert!(text(&store).contains("esxvirt_up{target=\"esx://b/\"} 1\n"));
        std::thread::sleep(Duration::from_millis(500));
        assert!(text(&store).contains("esxvirt_up{target=\"esx://b/\"} 0\n"));
    }
}
