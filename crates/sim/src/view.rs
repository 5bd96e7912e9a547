//! The container views sessions create (`core/view_manager.rs` and
//! `core/container_view.rs` serve them): the store per session, and each view's `view`
//! property computed live from the container's contents (recursively or not, filtered by
//! type).

use std::collections::{HashMap, HashSet, VecDeque};

use crate::fault::Fault;
use crate::property_collector::{is_a, morefs_in, PropertySource};
use crate::value::{MoRef, Value};

/// One container view.
#[derive(Clone, Debug)]
pub struct ContainerView {
    /// Its reference.
    pub moref: MoRef,
    /// The owning session.
    pub session: String,
    /// The container it looks into.
    pub container: MoRef,
    /// Managed-object types shown (empty: all).
    pub types: Vec<String>,
    /// Whether nested containers are searched.
    pub recursive: bool,
}

/// The properties through which an object contains others.
fn containment(ty: &str) -> &'static [&'static str] {
    if is_a(ty, "Folder") {
        &["childEntity"]
    } else if ty == "Datacenter" {
        &["vmFolder", "hostFolder", "datastoreFolder", "networkFolder"]
    } else if is_a(ty, "ComputeResource") {
        &["host", "resourcePool"]
    } else if is_a(ty, "ResourcePool") {
        &["resourcePool", "vm"]
    } else if ty == "HostSystem" {
        &["vm"]
    } else {
        &[]
    }
}

impl ContainerView {
    /// The objects in view now.
    pub fn contents(&self, src: &dyn PropertySource) -> Vec<MoRef> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        seen.insert(self.container.clone());
        let mut queue = VecDeque::from([self.container.clone()]);
        while let Some(obj) = queue.pop_front() {
            for prop in containment(&obj.ty) {
                let Ok(Some(v)) = src.property(&obj, prop) else {
                    continue;
                };
                for child in morefs_in(&v) {
                    if !seen.insert(child.clone()) {
                        continue;
                    }
                    if self.types.is_empty() || self.types.iter().any(|t| is_a(&child.ty, t)) {
                        out.push(child.clone());
                    }
                    if self.recursive {
                        queue.push_back(child);
                    }
                }
            }
        }
        out
    }

    /// A property of the view.
    pub fn property(&self, src: &dyn PropertySource, path: &str) -> Result<Option<Value>, Fault> {
        match path {
            "view" => Ok(Some(Value::morefs(self.contents(src)))),
            "container" => Ok(Some(Value::MoRef(self.container.clone()))),
            "type" => Ok(Some(Value::strings(self.types.iter().cloned()))),
            "recursive" => Ok(Some(Value::Bool(self.recursive))),
            _ => Err(Fault::invalid_property(path)),
        }
    }

    /// The property names of a `ContainerView`.
    pub const PROPERTY_NAMES: &'static [&'static str] = &["container", "type", "recursive", "view"];
}

/// All views.
#[derive(Debug, Default)]
pub struct Views {
    views: HashMap<String, ContainerView>,
    next: u64,
}

impl Views {
    /// `CreateContainerView`.
    pub fn create(
        &mut self,
        session: &str,
        container: MoRef,
        types: Vec<String>,
        recursive: bool,
    ) -> MoRef {
        self.next += 1;
        let moref = MoRef::new(
            "ContainerView",
            format!("session[{}]view-{}", self.next, self.next),
        );
        self.views.insert(
            moref.value.clone(),
            ContainerView {
                moref: moref.clone(),
                session: session.to_string(),
                container,
                types,
                recursive,
            },
        );
        moref
    }

    /// The view `moref`.
    pub fn get(&self, moref: &MoRef) -> Option<&ContainerView> {
        self.views.get(&moref.value)
    }

    /// `DestroyView`.
    pub fn destroy(&mut self, moref: &MoRef) -> Result<(), Fault> {
        self.views
            .remove(&moref.value)
            .map(|_| ())
            .ok_or_else(|| Fault::not_found(moref))
    }

    /// The views of `session` (`ViewManager.viewList`).
    pub fn of_session(&self, session: &str) -> Vec<MoRef> {
        let mut v: Vec<MoRef> = self
            .views
            .values()
            .filter(|v| v.session == session)
            .map(|v| v.moref.clone())
            .collect();
        v.sort();
        v
    }

    /// Drops the views of a session that logged out.
    pub fn drop_session(&mut self, session: &str) {
        self.views.retain(|_, v| v.session != session);
    }
}
