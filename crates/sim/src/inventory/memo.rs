//! Answers derived from the whole world, kept until the world changes.
//!
//! Three reads would otherwise cost a pass over everything on every property read: the VMs
//! of a host (a scan of every VM, done several times for one host's summary), the space a
//! datastore's directory allocates (a walk of its files with a `stat` each) and what its
//! thin disks may still take (a scan of every VM's disks). A property
//! collector reading 40 hosts and their datastores for every update of a 40,000-VM vCenter
//! spent most of its time there. All three are functions of the world's records and files,
//! and every change to either stamps the world's change clock ([`super::changes`]: record maps,
//! method calls, datastore uploads, state reloads), so an answer computed at one version of
//! the clock holds as long as the version is unchanged. File operations on a shared world
//! (tests, helpers) change no record, so every datastore path resolved drops that
//! datastore's figure as well.
//!
//! The memo lives beside the world's records but is not part of them: it is not saved,
//! a cloned world starts without it, and it never makes two worlds unequal.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// What runs on one host, as its summary and its `vm` list need it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct HostLoad {
    /// The ids of its VMs, in id order.
    pub vms: Vec<String>,
    /// vCPUs and configured memory (MB) of each powered-on VM, in id order.
    pub running: Vec<(i32, i64)>,
}

/// The load of every host with VMs, by host id.
pub type HostLoads = HashMap<String, HostLoad>;

/// Bytes that thin disks may still grow by, by datastore name.
pub type Uncommitted = HashMap<String, i64>;

/// One answer with the change version it was computed at.
type Kept<T> = Mutex<Option<(u64, Arc<T>)>>;

/// The derived answers with the change version each was computed at.
#[derive(Default)]
pub struct Memo {
    host_loads: Kept<HostLoads>,
    uncommitted: Kept<Uncommitted>,
    datastore_used: Mutex<HashMap<String, (u64, i64)>>,
}

/// A poisoned lock only means a reader panicked while holding it; what it guards is a
/// cache that is either complete or absent, so it is still good to read.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The answer in `slot` if it is of `version`, else the one `build` makes, kept.
fn kept<T>(slot: &Kept<T>, version: u64, build: impl FnOnce() -> T) -> Arc<T> {
    let mut slot = lock(slot);
    match slot.as_ref() {
        Some((v, answer)) if *v == version => answer.clone(),
        _ => {
            let answer = Arc::new(build());
            *slot = Some((version, answer.clone()));
            answer
        }
    }
}

impl Memo {
    /// The loads of every host as of change version `version`, built by `build` when the
    /// kept index is older.
    pub fn host_loads(&self, version: u64, build: impl FnOnce() -> HostLoads) -> Arc<HostLoads> {
        kept(&self.host_loads, version, build)
    }

    /// The thin disks' uncommitted bytes of every datastore as of change version
    /// `version`, added up by `build` when the kept figures are older.
    pub fn uncommitted(
        &self,
        version: u64,
        build: impl FnOnce() -> Uncommitted,
    ) -> Arc<Uncommitted> {
        kept(&self.uncommitted, version, build)
    }

    /// The bytes datastore `name` allocates as of change version `version`, measured by
    /// `measure` when the kept figure is older.
    pub fn datastore_used(&self, name: &str, version: u64, measure: impl FnOnce() -> i64) -> i64 {
        if let Some((v, used)) = lock(&self.datastore_used).get(name) {
            if *v == version {
                return *used;
            }
        }
        // Measured without the lock: a walk of the directory can take a while, and two
        // readers measuring the same version get the same figure.
        let used = measure();
        lock(&self.datastore_used).insert(name.to_string(), (version, used));
        used
    }

    /// Drops the kept figure of datastore `name`: its files may be about to change.
    pub fn forget_datastore(&self, name: &str) {
        lock(&self.datastore_used).remove(name);
    }
}

impl Clone for Memo {
    fn clone(&self) -> Memo {
        Memo::default()
    }
}

impl PartialEq for Memo {
    fn eq(&self, _: &Memo) -> bool {
        true
    }
}

impl Eq for Memo {}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Memo")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn an_answer_is_kept_for_its_version_and_rebuilt_for_a_later_one() {
        let memo = Memo::default();
        let builds = Cell::new(0);
        let build = |host: &str| {
            builds.set(builds.get() + 1);
            let load = HostLoad {
                vms: vec!["vm-1".to_string()],
                running: vec![],
            };
            HostLoads::from([(host.to_string(), load)])
        };
        assert!(memo
            .host_loads(5, || build("host-1"))
            .contains_key("host-1"));
        assert!(
            memo.host_loads(5, || build("host-2"))
                .contains_key("host-1"),
            "kept"
        );
        assert!(
            memo.host_loads(6, || build("host-2"))
                .contains_key("host-2"),
            "rebuilt"
        );
        assert_eq!(builds.get(), 2);

        let measures = Cell::new(0);
        let measure = |n: i64| {
            measures.set(measures.get() + 1);
            n
        };
        assert_eq!(memo.datastore_used("ds1", 5, || measure(10)), 10);
        assert_eq!(memo.datastore_used("ds1", 5, || measure(20)), 10, "kept");
        assert_eq!(
            memo.datastore_used("ds2", 5, || measure(30)),
            30,
            "per datastore"
        );
        assert_eq!(
            memo.datastore_used("ds1", 7, || measure(40)),
            40,
            "re-measured"
        );
        memo.forget_datastore("ds1");
        assert_eq!(
            memo.datastore_used("ds1", 7, || measure(50)),
            50,
            "forgotten"
        );
        assert_eq!(measures.get(), 4);
    }

    #[test]
    fn a_clone_starts_empty_and_never_makes_worlds_unequal() {
        let memo = Memo::default();
        memo.datastore_used("ds1", 1, || 10);
        let copy = memo.clone();
        assert_eq!(copy.datastore_used("ds1", 1, || 99), 99);
        assert_eq!(memo, copy);
    }
}
