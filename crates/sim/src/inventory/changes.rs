//! Change versions of the world's records, so the property collector re-reads only the
//! virtual machines changed since it last reported instead of all of them.
//!
//! Every record map of [`World`] is a [`Tracked`] map: reading goes through `Deref` to the
//! `BTreeMap`, and every way of getting a record mutably (`get_mut`, `insert`, `remove`,
//! `values_mut` ...) stamps a version from one process-wide clock. VMs are stamped one by
//! one; any other map is stamped as a whole, and so are the calls the world cannot see
//! record by record ([`ChangeMark`]: methods on other objects, datastore file uploads,
//! reloading the state file). A VM's properties are a function of the world alone (its own
//! record and the others'), so a VM whose record and the rest of the world are unstamped
//! since a version has the properties it had then.

use std::borrow::Borrow;
use std::collections::btree_map::{IterMut, ValuesMut};
use std::collections::{BTreeMap, HashMap};
use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::World;

/// The process-wide change clock: every stamp is later than every earlier stamp, in every
/// world of the process.
static CLOCK: AtomicU64 = AtomicU64::new(0);

/// A new stamp, later than every version handed out before.
fn tick() -> u64 {
    CLOCK.fetch_add(1, Ordering::Relaxed) + 1
}

/// The latest stamp handed out.
pub fn now() -> u64 {
    CLOCK.load(Ordering::Relaxed)
}

/// A record map with change versions: whole-map (`last`), per record (`keys`), and the
/// version since which every record counts as changed (`all`).
pub struct Tracked<V> {
    map: BTreeMap<String, V>,
    last: u64,
    all: u64,
    keys: HashMap<String, u64>,
}

impl<V> Tracked<V> {
    /// A map whose records all count as new.
    pub fn new(map: BTreeMap<String, V>) -> Tracked<V> {
        let t = tick();
        Tracked {
            map,
            last: t,
            all: t,
            keys: HashMap::new(),
        }
    }

    fn touch_all(&mut self) {
        let t = tick();
        self.last = t;
        self.all = t;
        // Every record is newer than what the per-record versions say.
        self.keys.clear();
    }

    fn touch(&mut self, key: &str) {
        let t = tick();
        self.last = t;
        match self.keys.get_mut(key) {
            Some(v) => *v = t,
            None => {
                self.keys.insert(key.to_string(), t);
            }
        }
    }

    /// The version of the latest change to any record.
    pub fn last_change(&self) -> u64 {
        self.last
    }

    /// The version of the latest change to record `key` (removal included).
    pub fn version_of(&self, key: &str) -> u64 {
        self.keys.get(key).copied().unwrap_or(0).max(self.all)
    }

    /// Record `key`, to change.
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        String: Borrow<Q>,
        Q: Ord + ?Sized + ToString + std::hash::Hash + Eq,
    {
        if self.map.contains_key(key) {
            self.touch(&key.to_string());
        }
        self.map.get_mut(key)
    }

    /// Adds or replaces a record.
    pub fn insert(&mut self, key: String, value: V) -> Option<V> {
        self.touch(&key);
        self.map.insert(key, value)
    }

    /// Removes a record.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        String: Borrow<Q>,
        Q: Ord + ?Sized + ToString + std::hash::Hash + Eq,
    {
        let old = self.map.remove(key);
        if old.is_some() {
            self.touch(&key.to_string());
        }
        old
    }

    /// Every record, to change (all count as changed).
    pub fn values_mut(&mut self) -> ValuesMut<'_, String, V> {
        self.touch_all();
        self.map.values_mut()
    }

    /// Every record with its key, to change (all count as changed).
    pub fn iter_mut(&mut self) -> IterMut<'_, String, V> {
        self.touch_all();
        self.map.iter_mut()
    }

    /// Keeps the records `f` accepts (all count as changed).
    pub fn retain(&mut self, f: impl FnMut(&String, &mut V) -> bool) {
        self.touch_all();
        self.map.retain(f);
    }

    /// The entry of `key`, to change.
    pub fn entry(&mut self, key: String) -> std::collections::btree_map::Entry<'_, String, V> {
        self.touch(&key);
        self.map.entry(key)
    }
}

impl<V> Extend<(String, V)> for Tracked<V> {
    fn extend<I: IntoIterator<Item = (String, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<V> Default for Tracked<V> {
    fn default() -> Self {
        Tracked::new(BTreeMap::new())
    }
}

impl<V> Deref for Tracked<V> {
    type Target = BTreeMap<String, V>;
    fn deref(&self) -> &BTreeMap<String, V> {
        &self.map
    }
}

impl<'a, V> IntoIterator for &'a Tracked<V> {
    type Item = (&'a String, &'a V);
    type IntoIter = std::collections::btree_map::Iter<'a, String, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.map.iter()
    }
}

impl<V> FromIterator<(String, V)> for Tracked<V> {
    fn from_iter<I: IntoIterator<Item = (String, V)>>(iter: I) -> Self {
        Tracked::new(iter.into_iter().collect())
    }
}

/// A copy is a new map: its records count as new.
impl<V: Clone> Clone for Tracked<V> {
    fn clone(&self) -> Self {
        Tracked::new(self.map.clone())
    }
}

/// Records compare; versions do not.
impl<V: PartialEq> PartialEq for Tracked<V> {
    fn eq(&self, other: &Self) -> bool {
        self.map == other.map
    }
}

impl<V: Eq> Eq for Tracked<V> {}

impl<V: std::fmt::Debug> std::fmt::Debug for Tracked<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.map.fmt(f)
    }
}

impl<V: Serialize> Serialize for Tracked<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.map.serialize(s)
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Tracked<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        BTreeMap::deserialize(d).map(Tracked::new)
    }
}

/// The version of the latest change the world made outside its record maps (or could not
/// follow record by record). Not part of the world's value: worlds compare equal whatever
/// their marks.
#[derive(Clone, Copy)]
pub struct ChangeMark(u64);

impl ChangeMark {
    /// Stamps a change now.
    pub fn touch(&mut self) {
        self.0 = tick();
    }
}

impl Default for ChangeMark {
    fn default() -> Self {
        ChangeMark(tick())
    }
}

impl PartialEq for ChangeMark {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for ChangeMark {}

impl std::fmt::Debug for ChangeMark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ChangeMark({})", self.0)
    }
}

impl World {
    /// The version of the latest change to anything but a VM record.
    fn others_changed(&self) -> u64 {
        [
            self.marks.0,
            self.folders.last_change(),
            self.datacenters.last_change(),
            self.computes.last_change(),
            self.pools.last_change(),
            self.hosts.last_change(),
            self.datastores.last_change(),
            self.networks.last_change(),
            self.rdm_mappings.last_change(),
            self.dvswitches.last_change(),
            self.storage_pods.last_change(),
            self.settings.last_change(),
            self.custom_values.last_change(),
        ]
        .into_iter()
        .max()
        .unwrap_or(u64::MAX)
    }

    /// The version of the latest change anywhere in the world, files included.
    pub fn change_version(&self) -> u64 {
        self.others_changed().max(self.vms.last_change())
    }

    /// Whether every property of VM `moid` has the value it had at version `since`.
    pub fn vm_unchanged_since(&self, moid: &str, since: u64) -> bool {
        self.vms.contains_key(moid)
            && self.vms.version_of(moid) <= since
            && self.others_changed() <= since
    }

    /// Notes a method call about to run on `this`: what it changes in the VM it is called
    /// on may be outside the record (its files), and a call on anything else may change
    /// what the records alone do not say (files, custom field definitions, settings).
    pub fn note_call(&mut self, ty: &str, id: &str) {
        if ty == "VirtualMachine" && self.vms.contains_key(id) {
            self.vms.touch(id);
        } else {
            self.marks.touch();
        }
    }

    /// Notes a change the records do not show (datastore files, a reloaded world).
    pub fn note_change(&mut self) {
        self.marks.touch();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_record_is_later_than_a_stamp_taken_before() {
        let mut m: Tracked<i32> = [("a".to_string(), 1), ("b".to_string(), 2)]
            .into_iter()
            .collect();
        let stamp = now();
        assert!(m.version_of("a") <= stamp && m.version_of("b") <= stamp);
        *m.get_mut("a").unwrap() = 3;
        assert!(m.version_of("a") > stamp, "changed");
        assert!(m.version_of("b") <= stamp, "untouched");
        assert!(m.last_change() > stamp);
        let stamp = now();
        m.remove("b");
        assert!(m.version_of("b") > stamp, "a removal is a change");
        assert!(m.version_of("a") <= stamp);
        let stamp = now();
        m.values_mut().for_each(|_| {});
        assert!(m.version_of("a") > stamp, "all count as changed");
        assert_eq!(m.get("a"), Some(&3), "reads go to the map");
    }

    #[test]
    fn a_call_stamps_the_vm_it_is_called_on_and_other_changes_stamp_all() {
        use crate::object::{CallCx, Inventory, Mode};
        let dir = std::env::temp_dir().join(format!("esxsim-changes-{}", std::process::id()));
        let mut w = World::default_esx(&dir).unwrap();
        let ids: Vec<String> = w.vms.keys().cloned().collect();
        let (a, b) = (&ids[0], &ids[1]);
        let stamp = now();
        assert!(w.vm_unchanged_since(a, stamp) && w.vm_unchanged_since(b, stamp));
        assert!(!w.vm_unchanged_since("no-such-vm", stamp));

        let mut tasks = crate::task::Tasks::new("task-");
        let mut cx = CallCx {
            tasks: &mut tasks,
            user: "root",
            mode: Mode::Esx,
        };
        let args =
            crate::soap::Element::parse(b"<Rename_Task><newName>renamed</newName></Rename_Task>")
                .unwrap();
        let vm = crate::value::MoRef::new("VirtualMachine", a.clone());
        w.invoke(&mut cx, &vm, "Rename_Task", &args).unwrap();
        assert!(!w.vm_unchanged_since(a, stamp), "the renamed VM");
        assert!(w.vm_unchanged_since(b, stamp), "another VM");

        // A read-only method stamps nothing.
        let stamp = now();
        let args = crate::soap::Element::parse(b"<QueryPerfProviderSummary/>").unwrap();
        let _ = w.invoke(&mut cx, &vm, "QueryPerfProviderSummary", &args);
        assert!(w.vm_unchanged_since(a, stamp));

        // Another record (VM properties read hosts) or a call on another object: every
        // VM counts as changed.
        let stamp = now();
        let host = w.hosts.keys().next().unwrap().clone();
        w.hosts.get_mut(&host).unwrap();
        assert!(!w.vm_unchanged_since(a, stamp) && !w.vm_unchanged_since(b, stamp));
        let stamp = now();
        w.note_call("HostSystem", &host);
        assert!(!w.vm_unchanged_since(b, stamp));
        let stamp = now();
        w.note_change();
        assert!(!w.vm_unchanged_since(b, stamp));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn copies_and_loads_count_as_new_and_compare_by_records() {
        let m: Tracked<i32> = [("a".to_string(), 1)].into_iter().collect();
        let stamp = now();
        let copy = m.clone();
        assert!(copy.version_of("a") > stamp);
        assert_eq!(copy, m);
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"a":1}"#);
        let back: Tracked<i32> = serde_json::from_str(&json).unwrap();
        assert!(back.version_of("a") > stamp);
        assert_eq!(back, m);
    }
}
