//! What a session learns once and keeps with the session in the session cache: the
//! product, the host context and facts, the host's AutoStartManager and screenshot
//! capability, the PerformanceManager counter ids, the host's datacenter name, and which VM
//! recently had a given name or UUID.

use esxvirt_vi::props::host_system as host;
use esxvirt_vi::ManagedObjectReference;
use serde::{Deserialize, Serialize};

use super::context::{HostContext, HostFacts};
use super::Engine;
use crate::connection::product::Product;
use crate::connection::session_cache::SessionEntry;
use crate::error::{Error, Result};

/// What the session cache keeps besides the vSphere session.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct CachedContext {
    pub product: Option<Product>,
    pub host: Option<HostContext>,
    /// The host's managing vCenter as last read (esx:// only).
    #[serde(default)]
    pub host_facts: Option<HostFacts>,
    /// Kept under the same keys as before it was a struct of its own.
    #[serde(flatten)]
    pub learnt: Learnt,
}

/// What a session learns once about its host and VMs and keeps with the session in the
/// cache (one lock for all of it in [`Engine`]).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Learnt {
    /// The host's AutoStartManager, so autostart queries need one retrieval.
    #[serde(default)]
    autostart_manager: Option<ManagedObjectReference>,
    /// VMs recently looked up by name, most recent first (see [`NameHints`]).
    #[serde(default)]
    vm_names: NameHints,
    /// The same for lookups by UUID (keyed by the UUID's text).
    #[serde(default)]
    vm_uuids: NameHints,
    /// The PerformanceManager counter ids `domstats` uses, by `group.name.rollup`.
    #[serde(default)]
    perf_counters: Option<Vec<(String, i32)>>,
    /// The host's `capability.screenshotSupported` (a fixed property of the host).
    #[serde(default)]
    screenshot_supported: Option<bool>,
    /// The name of a host's (only) datacenter: the `dcPath` of its /folder URLs before the
    /// host context is resolved.
    #[serde(default)]
    datacenter_name: Option<String>,
}

/// What a remembered VM is remembered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HintKind {
    Name,
    Uuid,
}

/// Which managed object recently had a given VM name. vSphere has no name index a single
/// retrieval could use (a lookup by name costs FindChild plus the retrieval), so a lookup
/// first asks for the remembered object directly and keeps the answer only when the object
/// still exists, still has that name and still is on the connection's host; otherwise it
/// does the full lookup. A stale hint costs one request, never a wrong answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct NameHints(Vec<(String, ManagedObjectReference)>);

impl NameHints {
    /// How many names are remembered (the session cache file stays small).
    const CAPACITY: usize = 64;

    pub fn get(&self, name: &str) -> Option<&ManagedObjectReference> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, m)| m)
    }

    /// Remembers `name` -> `moref`; whether anything changed.
    pub fn remember(&mut self, name: &str, moref: &ManagedObjectReference) -> bool {
        if self.0.first().is_some_and(|(n, m)| n == name && m == moref) {
            return false;
        }
        self.0.retain(|(n, _)| n != name);
        self.0.insert(0, (name.to_string(), moref.clone()));
        self.0.truncate(Self::CAPACITY);
        true
    }

    /// Forgets `name`; whether it was remembered.
    pub fn forget(&mut self, name: &str) -> bool {
        let before = self.0.len();
        self.0.retain(|(n, _)| n != name);
        self.0.len() != before
    }
}

impl Engine {
    /// Saves the session and what it learnt in the session cache (when it has one).
    pub(crate) fn save_session(&self) {
        let Some((cache, key)) = &self.session_file else {
            return;
        };
        let Some(saved) = self.client.saved_session() else {
            return;
        };
        let context = serde_json::to_value(CachedContext {
            product: Some(self.product_now()),
            host: self.known_context(),
            host_facts: self.facts.lock().ok().and_then(|f| f.clone()),
            learnt: self.learnt.lock().map(|l| l.clone()).unwrap_or_default(),
        })
        .unwrap_or_default();
        let entry = SessionEntry {
            key: key.clone(),
            cookie: saved.to_xml(),
            context,
        };
        if let Err(e) = cache.store(&entry) {
            tracing::debug!("cannot write the session cache: {e}");
        }
    }

    /// Changes what was learnt with `f`; saves the session when `f` says it changed.
    fn learn(&self, f: impl FnOnce(&mut Learnt) -> bool) {
        let changed = self.learnt.lock().map(|mut l| f(&mut l)).unwrap_or(false);
        if changed {
            self.save_session();
        }
    }

    /// Reads something learnt (None when the lock is poisoned).
    fn learnt<R>(&self, f: impl FnOnce(&Learnt) -> R) -> Option<R> {
        self.learnt.lock().ok().map(|l| f(&l))
    }

    /// The host's AutoStartManager when already known (no request).
    pub fn known_autostart_manager(&self) -> Option<ManagedObjectReference> {
        self.learnt(|l| l.autostart_manager.clone()).flatten()
    }

    /// The host's AutoStartManager: remembered (and kept in the session cache) after the
    /// first retrieval, since it never changes for a host.
    pub fn autostart_manager(&self) -> Result<ManagedObjectReference> {
        if let Some(m) = self.known_autostart_manager() {
            return Ok(m);
        }
        let manager = self
            .read_host(
                &[host::CONFIG_MANAGER_AUTO_START_MANAGER.path()],
                "autostart manager",
            )?
            .get(host::CONFIG_MANAGER_AUTO_START_MANAGER)
            .ok_or_else(|| Error::internal("Could not retrieve the AutoStartManager object"))?;
        self.learn_autostart_manager(manager.clone());
        Ok(manager)
    }

    /// Records the host's AutoStartManager learnt by a retrieval made for something else.
    pub fn learn_autostart_manager(&self, manager: ManagedObjectReference) {
        self.learn(|l| l.autostart_manager.replace(manager.clone()) != Some(manager));
    }

    /// The VM that recently had this name or UUID, if one is remembered (no request).
    pub fn vm_hint(&self, kind: HintKind, key: &str) -> Option<ManagedObjectReference> {
        self.learnt(|l| hints(l, kind).get(key).cloned()).flatten()
    }

    /// Remembers which VM has this name or UUID (saved with the session when it changes).
    pub fn remember_vm(&self, kind: HintKind, key: &str, moref: &ManagedObjectReference) {
        self.learn(|l| hints_mut(l, kind).remember(key, moref));
    }

    /// Forgets a name or UUID whose remembered VM proved stale.
    pub fn forget_vm(&self, kind: HintKind, key: &str) {
        self.learn(|l| hints_mut(l, kind).forget(key));
    }

    /// Whether the host supports screenshots: one retrieval the first time, then remembered
    /// (a capability of the host, kept in the session cache).
    pub fn screenshot_supported(&self) -> Result<bool> {
        if let Some(known) = self.learnt(|l| l.screenshot_supported).flatten() {
            return Ok(known);
        }
        let path = host::CAPABILITY_SCREENSHOT_SUPPORTED;
        let supported = self
            .read_host(&[path.path()], "screenshot capability")?
            .get(path)
            == Some(true);
        self.learn_screenshot_supported(supported);
        Ok(supported)
    }

    /// Whether the host's screenshot capability is known yet.
    pub fn knows_screenshot_support(&self) -> bool {
        self.learnt(|l| l.screenshot_supported.is_some())
            .unwrap_or(false)
    }

    /// Keeps the host's screenshot capability read along with something else.
    pub fn learn_screenshot_supported(&self, supported: bool) {
        self.learn(|l| l.screenshot_supported.replace(supported) != Some(supported));
    }

    /// The counter ids `domstats` uses, when known (no request).
    pub fn known_perf_counters(&self) -> Option<Vec<(String, i32)>> {
        self.learnt(|l| l.perf_counters.clone()).flatten()
    }

    /// Records the counter ids read from the PerformanceManager's catalogue.
    pub fn learn_perf_counters(&self, ids: Vec<(String, i32)>) {
        self.learn(|l| {
            l.perf_counters = Some(ids);
            true
        });
    }

    /// The name of the host's datacenter when known (no request).
    pub fn known_datacenter_name(&self) -> Option<String> {
        self.learnt(|l| l.datacenter_name.clone()).flatten()
    }

    /// Records the name of the host's datacenter read along with something else.
    pub fn learn_datacenter_name(&self, name: String) {
        self.learn(|l| l.datacenter_name.replace(name.clone()) != Some(name));
    }
}

fn hints(l: &Learnt, kind: HintKind) -> &NameHints {
    match kind {
        HintKind::Name => &l.vm_names,
        HintKind::Uuid => &l.vm_uuids,
    }
}

fn hints_mut(l: &mut Learnt, kind: HintKind) -> &mut NameHints {
    match kind {
        HintKind::Name => &mut l.vm_names,
        HintKind::Uuid => &mut l.vm_uuids,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use esxvirt_vi::props::virtual_machine as vm;

    fn vm_ref(n: usize) -> ManagedObjectReference {
        ManagedObjectReference::new(vm::TYPE, n.to_string())
    }

    #[test]
    fn name_hints_keep_the_latest_names() {
        let mut h = NameHints::default();
        assert!(h.remember("a", &vm_ref(1)));
        assert!(!h.remember("a", &vm_ref(1)), "unchanged");
        assert!(h.remember("a", &vm_ref(2)), "a new object for the name");
        assert_eq!(h.get("a"), Some(&vm_ref(2)));
        for n in 0..NameHints::CAPACITY {
            h.remember(&format!("vm{n}"), &vm_ref(n + 10));
        }
        assert_eq!(h.0.len(), NameHints::CAPACITY);
        assert_eq!(h.get("a"), None, "the oldest name went");
        assert_eq!(h.get("vm0"), Some(&vm_ref(10)));
        assert!(h.forget("vm0"));
        assert!(!h.forget("vm0"));
        assert_eq!(h.get("vm0"), None);
    }

    #[test]
    fn name_hints_round_trip_through_the_cache_format() {
        let mut ctx = CachedContext::default();
        ctx.learnt.vm_names.remember(
            "web server 01",
            &ManagedObjectReference::new(vm::TYPE, "vm-7"),
        );
        let text = serde_json::to_string(&ctx).expect("serialize");
        assert!(
            text.contains(
                r#""vm_names":[["web server 01",{"ty":"VirtualMachine","value":"vm-7"}]]"#
            ),
            "kept under its old key and form: {text}"
        );
        let back: CachedContext = serde_json::from_str(&text).expect("parse");
        assert_eq!(back.learnt.vm_names, ctx.learnt.vm_names);
        // Files written before names were kept still load.
        let old: CachedContext =
            serde_json::from_str(r#"{"product":null,"host":null}"#).expect("old file");
        assert_eq!(old.learnt.vm_names, NameHints::default());
    }
}
