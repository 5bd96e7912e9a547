//! The shape of one managed object type in the registration table ([`super::TYPES`]): its
//! VI type name, how its ids are recognised, its property reader and its methods. Every
//! type's file exports one [`ManagedType`] constant; the world's `Inventory` implementation
//! dispatches through the table and nothing else.

use crate::fault::Fault;
use crate::inventory::{Host, ServerKind, World};
use crate::object::{CallCx, Mode};
use crate::soap::Element;
use crate::value::MoRef;

/// One method call as a handler sees it (besides the world and the call context).
#[derive(Clone, Copy)]
pub struct Call<'a> {
    /// The object called.
    pub this: &'a MoRef,
    /// The method name (a `*_Task` handler names its task after it).
    pub method: &'a str,
    /// The request element: its children are the parameters.
    pub args: &'a Element,
}

pub use crate::object::Reply;

/// Reads property `path` (dotted) of the object with id `id`, which exists.
pub type PropertyFn = fn(&World, &str, &str) -> Reply;

/// Handles one method. `Ok(None)` for a void method; a `*_Task` method returns the task.
pub type MethodFn = fn(&mut World, &mut CallCx<'_>, &Call<'_>) -> Reply;

/// How the ids of a managed object type are recognised.
#[derive(Clone, Copy)]
pub enum Ids {
    /// Objects kept in the world's records: whether an id is one of them.
    Records(fn(&World, &str) -> bool),
    /// The singleton `ServiceContent` names in this field (`perfManager`); its ids per kind
    /// of server come from [`crate::service::manager_id`].
    Service(&'static str),
    /// One object per host: a fixed id on an ESX host, the prefix followed by the host's id
    /// on a vCenter (`networkSystem-host-12`).
    PerHost {
        /// The id on an ESX host.
        esx: &'static str,
        /// The prefix of the id on a vCenter.
        vcenter_prefix: &'static str,
    },
}

/// The mode a world is served in.
pub fn mode_of_world(w: &World) -> Mode {
    match w.kind {
        ServerKind::Esx => Mode::Esx,
        ServerKind::Vcenter => Mode::VCenter,
    }
}

impl Ids {
    /// Whether `id` names an object of this type in `w`.
    pub fn contains(&self, w: &World, id: &str) -> bool {
        match self {
            Ids::Records(f) => f(w, id),
            Ids::Service(field) => crate::service::manager_id(mode_of_world(w), field) == Some(id),
            Ids::PerHost { .. } => self.host_of(w, id).is_some(),
        }
    }

    /// The host a per-host object belongs to (`None` for other kinds of ids).
    pub fn host_of(&self, w: &World, id: &str) -> Option<String> {
        let Ids::PerHost {
            esx,
            vcenter_prefix,
        } = self
        else {
            return None;
        };
        match w.kind {
            ServerKind::Esx => (id == *esx).then(|| w.hosts.keys().next().cloned())?,
            ServerKind::Vcenter => {
                let h = id.strip_prefix(vcenter_prefix)?;
                w.hosts.contains_key(h).then(|| h.to_string())
            }
        }
    }

    /// The id of host `host`'s object of a per-host type (empty for other kinds of ids).
    pub fn for_host(&self, w: &World, host: &str) -> String {
        match (self, w.kind) {
            (Ids::PerHost { esx, .. }, ServerKind::Esx) => esx.to_string(),
            (Ids::PerHost { vcenter_prefix, .. }, ServerKind::Vcenter) => {
                format!("{vcenter_prefix}{host}")
            }
            _ => String::new(),
        }
    }

    /// The id of a singleton in `w` (empty for other kinds of ids).
    pub fn singleton(&self, w: &World) -> String {
        match self {
            Ids::Service(field) => crate::service::manager_id(mode_of_world(w), field)
                .unwrap_or_default()
                .to_string(),
            _ => String::new(),
        }
    }
}

/// One managed object type the world serves.
pub struct ManagedType {
    /// The VI type name (`VirtualMachine`).
    pub name: &'static str,
    /// How its ids are recognised.
    pub ids: Ids,
    /// Its top-level properties, for `PropertySpec.all`.
    pub properties: &'static [&'static str],
    /// Its property reader.
    pub property: PropertyFn,
    /// Its methods by name.
    pub methods: &'static [(&'static str, MethodFn)],
}

impl ManagedType {
    /// The handler of `method`, if the type has it.
    pub fn method(&self, method: &str) -> Option<MethodFn> {
        self.methods
            .iter()
            .find(|(n, _)| *n == method)
            .map(|(_, f)| *f)
    }

    /// A reference to object `id` of this type.
    pub fn moref(&self, id: impl Into<String>) -> MoRef {
        MoRef::new(self.name, id.into())
    }

    /// The id of the host a per-host object `id` of this type belongs to
    /// (`ManagedObjectNotFound` when there is none).
    pub fn host_id(&self, w: &World, id: &str) -> Result<String, Fault> {
        self.ids
            .host_of(w, id)
            .ok_or_else(|| Fault::not_found(&self.moref(id)))
    }

    /// The record of the host a per-host object `id` of this type belongs to.
    pub fn host<'a>(&self, w: &'a World, id: &str) -> Result<&'a Host, Fault> {
        let host = self.host_id(w, id)?;
        w.host(&host).map_err(|_| Fault::not_found(&self.moref(id)))
    }

    /// The record of the host a per-host object `id` of this type belongs to, to change.
    pub fn host_mut<'a>(&self, w: &'a mut World, id: &str) -> Result<&'a mut Host, Fault> {
        let host = self.host_id(w, id)?;
        w.host_mut(&host)
            .map_err(|_| Fault::not_found(&self.moref(id)))
    }
}
