//! The connection's object cache: what this connection last read of each managed object,
//! keyed by its reference, so the calls of one command share one retrieval.
//!
//! The rule: an operation made through the connection that can change an object drops the
//! object's entry ([`ObjectCache::invalidate`]): task completions, guest operations,
//! reconfigurations, power and snapshot operations, define and undefine, autostart, network
//! and storage changes all go through it, so no read after a change made here sees the value
//! from before it.
//!
//! How entries fill and answer:
//! - a lookup or listing reads its objects afresh and starts their entries over
//!   ([`Fill::Restart`]): a new handle never sees what an earlier one read;
//! - a read the entry cannot answer is one retrieval, whose values join the entry
//!   ([`Fill::Join`]);
//! - a value that changes without any operation (a VM's or host's runtime state, the guest's
//!   report, a datastore's free space: [`volatile`]) answers each kind of read once, so a
//!   repeated query (a poll of the power state) always reaches the server; any other value
//!   answers every read until its entry is dropped.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use esxvirt_vi::props::{datastore as ds, host_system as host, task, virtual_machine as vm};
use esxvirt_vi::{ManagedObjectReference, Value};

use super::props::Props;

/// How a retrieval's values enter the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fill {
    /// A lookup or listing: the object's entry starts over with these values.
    Restart,
    /// A read of values the entry lacked: they join the entry, used by `reader`.
    Join { reader: &'static str },
}

/// One cached value, and the kinds of read that used it (for volatile values).
#[derive(Debug, Clone)]
struct Slot {
    value: Value,
    used_by: Vec<&'static str>,
}

/// The object cache of one connection (see the module documentation).
#[derive(Debug, Default)]
pub(crate) struct ObjectCache {
    entries: Mutex<HashMap<ManagedObjectReference, HashMap<String, Slot>>>,
}

/// Whether the value at `path` of an object of type `ty` can change without an operation:
/// runtime state, the guest's report and performance figures, a host's storage devices
/// (LUNs come and go), a datastore's space, a task's progress.
pub(crate) fn volatile(ty: &str, path: &str) -> bool {
    let covered = |paths: &[&str]| {
        paths.iter().any(|p| {
            path.strip_prefix(p)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
        })
    };
    match ty {
        vm::TYPE => covered(&[
            vm::RUNTIME.path(),
            vm::GUEST.path(),
            vm::SUMMARY.path(),
            vm::RECENT_TASK.path(),
        ]),
        host::TYPE => covered(&[
            host::RUNTIME.path(),
            host::CONFIG_STORAGE_DEVICE.path(),
            host::SUMMARY_QUICK_STATS.path(),
            host::SUMMARY_RUNTIME.path(),
            host::RECENT_TASK.path(),
        ]),
        ds::TYPE => covered(&[
            ds::SUMMARY_CAPACITY.path(),
            ds::SUMMARY_FREE_SPACE.path(),
            ds::SUMMARY_UNCOMMITTED.path(),
            ds::SUMMARY_ACCESSIBLE.path(),
            ds::INFO_FREE_SPACE.path(),
            ds::RECENT_TASK.path(),
        ]),
        task::TYPE => true,
        _ => false,
    }
}

impl ObjectCache {
    fn lock(&self) -> MutexGuard<'_, HashMap<ManagedObjectReference, HashMap<String, Slot>>> {
        // A panic while the lock was held leaves whole entries behind: still usable.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores what a retrieval read of one object.
    pub fn store(&self, p: &Props, fill: Fill) {
        let mut entries = self.lock();
        let entry = entries.entry(p.obj.clone()).or_default();
        let used_by = match fill {
            Fill::Restart => {
                entry.clear();
                vec![]
            }
            Fill::Join { reader } => vec![reader],
        };
        for (path, value) in p.values() {
            entry.insert(
                path.clone(),
                Slot {
                    value: value.clone(),
                    used_by: used_by.clone(),
                },
            );
        }
    }

    /// The values of `paths` of `obj` for a read of kind `reader`, when the entry holds them
    /// all and `reader` has not used a volatile one of them yet (it then has).
    pub fn read(
        &self,
        obj: &ManagedObjectReference,
        paths: &[&str],
        reader: &'static str,
    ) -> Option<Props> {
        let mut entries = self.lock();
        let entry = entries.get_mut(obj)?;
        let fresh = paths.iter().all(|p| {
            entry
                .get(*p)
                .is_some_and(|slot| !(volatile(&obj.type_, p) && slot.used_by.contains(&reader)))
        });
        if !fresh {
            return None;
        }
        let mut values = HashMap::with_capacity(paths.len());
        for p in paths {
            if let Some(slot) = entry.get_mut(*p) {
                if volatile(&obj.type_, p) {
                    slot.used_by.push(reader);
                }
                values.insert((*p).to_string(), slot.value.clone());
            }
        }
        Some(Props::of(obj.clone(), values))
    }

    /// Drops the entry of `obj`: an operation that can change it was made.
    pub fn invalidate(&self, obj: &ManagedObjectReference) {
        self.lock().remove(obj);
    }

    /// Whether an entry for `obj` exists (for tests and diagnostics).
    #[cfg(test)]
    fn has_entry(&self, obj: &ManagedObjectReference) -> bool {
        self.lock().contains_key(obj)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use esxvirt_vi::{DynamicProperty, ObjectContent, VirtualMachinePowerState};

    fn vm_props(state: VirtualMachinePowerState, memory: i32) -> Props {
        Props::from_content(ObjectContent {
            obj: ManagedObjectReference::new(vm::TYPE, "vm-1"),
            prop_set: vec![
                DynamicProperty {
                    name: vm::RUNTIME_POWER_STATE.path().into(),
                    val: Value::VirtualMachinePowerState(state),
                },
                DynamicProperty {
                    name: vm::CONFIG_HARDWARE_MEMORY_MB.path().into(),
                    val: Value::Int(memory),
                },
            ],
            missing_set: vec![],
        })
    }

    const STATE: &str = vm::RUNTIME_POWER_STATE.path();
    const MEMORY: &str = vm::CONFIG_HARDWARE_MEMORY_MB.path();

    #[test]
    fn stable_values_answer_until_invalidated() {
        let c = ObjectCache::default();
        let p = vm_props(VirtualMachinePowerState::PoweredOn, 512);
        c.store(&p, Fill::Restart);
        for _ in 0..3 {
            let got = c.read(&p.obj, &[MEMORY], "a").expect("cached");
            assert_eq!(got.get(vm::CONFIG_HARDWARE_MEMORY_MB), Some(512));
        }
        c.invalidate(&p.obj);
        assert!(c.read(&p.obj, &[MEMORY], "a").is_none());
        assert!(!c.has_entry(&p.obj));
    }

    #[test]
    fn volatile_values_answer_each_kind_of_read_once() {
        let c = ObjectCache::default();
        let p = vm_props(VirtualMachinePowerState::PoweredOn, 512);
        c.store(&p, Fill::Restart);
        assert!(c.read(&p.obj, &[STATE], "state").is_some());
        assert!(
            c.read(&p.obj, &[STATE], "state").is_none(),
            "a poll reads afresh"
        );
        assert!(
            c.read(&p.obj, &[STATE, MEMORY], "info").is_some(),
            "another kind"
        );
        // What the poll then read serves other kinds of read, not the poll.
        c.store(
            &vm_props(VirtualMachinePowerState::PoweredOff, 512),
            Fill::Join { reader: "state" },
        );
        assert!(c.read(&p.obj, &[STATE], "state").is_none());
        let got = c.read(&p.obj, &[STATE], "xml").expect("unused by xml");
        assert_eq!(
            got.get(vm::RUNTIME_POWER_STATE),
            Some(VirtualMachinePowerState::PoweredOff)
        );
    }

    #[test]
    fn a_lookup_starts_the_entry_over_and_reads_join_it() {
        let c = ObjectCache::default();
        let p = vm_props(VirtualMachinePowerState::PoweredOn, 512);
        c.store(&p, Fill::Restart);
        let mut m = HashMap::new();
        m.insert(vm::NAME.path().to_string(), Value::String("web".into()));
        let name_only = Props::of(p.obj.clone(), m);
        c.store(&name_only, Fill::Join { reader: "r" });
        assert!(c.read(&p.obj, &[MEMORY, vm::NAME.path()], "r").is_some());
        c.store(&name_only, Fill::Restart);
        assert!(
            c.read(&p.obj, &[MEMORY], "r").is_none(),
            "dropped by the restart"
        );
        assert!(c.read(&p.obj, &[vm::NAME.path()], "r").is_some());
    }

    #[test]
    fn volatility_follows_the_object_type() {
        assert!(volatile(vm::TYPE, STATE));
        assert!(volatile(vm::TYPE, vm::GUEST_NET.path()));
        assert!(!volatile(vm::TYPE, MEMORY));
        assert!(!volatile(vm::TYPE, vm::SNAPSHOT_ROOT_SNAPSHOT_LIST.path()));
        assert!(volatile(
            host::TYPE,
            host::SUMMARY_QUICK_STATS_OVERALL_MEMORY_USAGE.path()
        ));
        assert!(!volatile(
            host::TYPE,
            host::SUMMARY_HARDWARE_CPU_MODEL.path()
        ));
        assert!(volatile(ds::TYPE, ds::SUMMARY_FREE_SPACE.path()));
        assert!(!volatile(ds::TYPE, ds::SUMMARY_NAME.path()));
        assert!(!volatile(
            esxvirt_vi::props::host_auto_start_manager::TYPE,
            esxvirt_vi::props::host_auto_start_manager::CONFIG.path()
        ));
    }
}
