//! The simulator's shared state and the SOAP dispatcher: sessions and authentication, the
//! core's own managed objects, and routing of every other call to the world.
//!
//! The core serves the service objects, one file each under `core/`: `ServiceInstance`,
//! `SessionManager`, `PropertyCollector`, `PropertyFilter`, `ViewManager`, `ContainerView`,
//! `TaskManager` and `Task`. Each exports a [`ServiceType`] (as the world's objects export a
//! `ManagedType`, see [`crate::objects`]); [`SERVICE_TYPES`] lists them, and the dispatcher
//! and the property reader route by it. A request's path: HTTP ([`crate::server`]) ->
//! [`crate::soap::parse_request`] -> [`Core::handle_soap`] (session check, `Fetch`) -> the
//! service type's method, or the world's [`Inventory::invoke`] -> the envelope.

mod container_view;
mod property_collector;
mod property_filter;
mod service_instance;
mod session_manager;
mod task;
mod task_manager;
#[cfg(test)]
mod testing;
mod view_manager;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::fault::Fault;
use crate::inject::Injector;
use crate::object::{is_read_only_method, CallCx, Inventory, Mode};
use crate::property_collector::{parse_spec_set, Filter, Paging, PropertySource};
use crate::service::ServiceRefs;
use crate::session::{Session, Sessions};
use crate::soap::{self, Element, Request};
use crate::stats::Stats;
use crate::task::Tasks;
use crate::value::{MoRef, Value};
use crate::view::Views;

/// Property filters and the collectors they belong to.
#[derive(Debug, Default)]
pub struct FilterState {
    filters: Vec<Filter>,
    /// (session, collector id) -> last issued version.
    versions: HashMap<(String, String), u64>,
    /// Collectors made by CreatePropertyCollector: id -> owning session.
    collectors: HashMap<String, String>,
    /// (session, collector id) -> CancelWaitForUpdates calls so far.
    cancels: HashMap<(String, String), u64>,
    next: u64,
}

/// Everything the server shares between connections.
pub struct Core {
    /// The world (objects other than the core's).
    pub world: RwLock<Box<dyn Inventory>>,
    /// Tasks.
    pub tasks: RwLock<Tasks>,
    /// Sessions.
    pub sessions: Mutex<Sessions>,
    /// Container views.
    pub views: RwLock<Views>,
    /// Property filters.
    pub filters: Mutex<FilterState>,
    /// RetrievePropertiesEx pages.
    pub paging: Mutex<Paging>,
    /// Bumped on every change; WaitForUpdates waits on it.
    pub changed: tokio::sync::watch::Sender<u64>,
    /// Request counters.
    pub stats: Stats,
    /// Fault injection rules.
    pub inject: Injector,
    /// The singleton managers.
    pub refs: ServiceRefs,
    /// ESX or vCenter.
    pub mode: Mode,
    /// The state file rewritten after every change (shared with other processes).
    pub state: Option<crate::state::StateFile>,
}

/// Locks a mutex, recovering from a panic in another holder (the data stays usable: every
/// critical section leaves it consistent).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
/// Read-locks, recovering from poisoning.
pub fn read<T: ?Sized>(m: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(|e| e.into_inner())
}
/// Write-locks, recovering from poisoning.
pub fn write<T: ?Sized>(m: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(|e| e.into_inner())
}

/// What a SOAP call produced.
pub struct SoapReply {
    /// HTTP status (200, or 500 for a fault).
    pub status: u16,
    /// The envelope.
    pub body: String,
    /// A `Set-Cookie` for a new session.
    pub set_cookie: Option<String>,
}

/// The property reader over the world and the core's objects.
pub struct Reader<'a> {
    core: &'a Core,
    world: &'a dyn Inventory,
    tasks: &'a Tasks,
    views: &'a Views,
    session: Option<&'a Session>,
}

/// A core service object type: its name, how its objects are recognised, its properties
/// and its methods (the core's counterpart of `objects::entry::ManagedType`).
pub struct ServiceType {
    /// The VI type name.
    pub name: &'static str,
    /// Whether an object of this type exists (for the reader's session).
    pub exists: fn(&Reader<'_>, &MoRef) -> bool,
    /// Top-level property names, for `PropertySpec.all`.
    pub properties: &'static [&'static str],
    /// Reads a property path of an existing object.
    pub property: fn(&Reader<'_>, &MoRef, &str) -> Result<Option<Value>, Fault>,
    /// Methods by name.
    pub methods: &'static [(&'static str, ServiceMethod)],
}

/// A future a waiting method returns.
pub type BoxFuture<'a> = Pin<Box<dyn Future<Output = Result<Out, Fault>> + Send + 'a>>;

/// A service method handler: one that answers at once, or one that may wait (the update
/// calls of the property collector).
pub enum ServiceMethod {
    /// Answers at once.
    Now(fn(&Core, &ServiceCall<'_>) -> Result<Out, Fault>),
    /// May wait for changes.
    Wait(for<'a> fn(&'a Core, &'a ServiceCall<'a>) -> BoxFuture<'a>),
}

/// One call of a service method by a logged-in session.
#[derive(Clone, Copy)]
pub struct ServiceCall<'a> {
    /// The object called.
    pub this: &'a MoRef,
    /// The method name.
    pub method: &'a str,
    /// The request element: its children are the parameters.
    pub args: &'a Element,
    /// The caller's session.
    pub session: &'a Session,
}

/// The service object types.
pub const SERVICE_TYPES: &[&ServiceType] = &[
    &service_instance::TYPE,
    &session_manager::TYPE,
    &property_collector::TYPE,
    &property_filter::TYPE,
    &view_manager::TYPE,
    &container_view::TYPE,
    &task_manager::TYPE,
    &task::TYPE,
];

/// The service object type called `name`.
pub fn service_type(name: &str) -> Option<&'static ServiceType> {
    SERVICE_TYPES.iter().copied().find(|t| t.name == name)
}

impl PropertySource for Reader<'_> {
    fn exists(&self, obj: &MoRef) -> bool {
        match service_type(&obj.ty) {
            Some(t) => (t.exists)(self, obj),
            None => self.world.exists(obj),
        }
    }

    fn property(&self, obj: &MoRef, path: &str) -> Result<Option<Value>, Fault> {
        match service_type(&obj.ty) {
            Some(t) if (t.exists)(self, obj) => (t.property)(self, obj, path),
            Some(_) => Err(Fault::not_found(obj)),
            None => self.world.property(obj, path),
        }
    }

    fn property_names(&self, obj: &MoRef) -> Vec<&'static str> {
        match service_type(&obj.ty) {
            Some(t) => t.properties.to_vec(),
            None => self.world.property_names(obj),
        }
    }

    fn change_stamp(&self) -> Option<u64> {
        self.world.change_stamp()
    }

    /// The core's own objects (tasks, views, sessions) are always read again.
    fn unchanged_since(&self, obj: &MoRef, stamp: u64) -> bool {
        service_type(&obj.ty).is_none() && self.world.unchanged_since(obj, stamp)
    }
}

/// The outcome of a dispatched method: a value, or response body content already encoded
/// (the property collector writes its large results straight into the envelope).
pub enum Out {
    /// A result value (`None` for a void method).
    Value(Option<Value>),
    /// The response element's content, already encoded.
    Raw(String),
}

impl Core {
    /// Runs `f` with a property reader (shared locks on the world, tasks and views).
    pub fn with_reader<R>(&self, session: Option<&Session>, f: impl FnOnce(&Reader<'_>) -> R) -> R {
        let world = read(&self.world);
        let tasks = read(&self.tasks);
        let views = read(&self.views);
        let reader = Reader {
            core: self,
            world: world.as_ref(),
            tasks: &tasks,
            views: &views,
            session,
        };
        f(&reader)
    }

    /// Wakes WaitForUpdates waiters.
    pub fn bump(&self) {
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// The world, tasks and state file, for the state file's protocol
    /// ([`crate::state::Shared::refresh`] before reads, [`crate::state::Shared::mutate`]
    /// for changes).
    pub fn shared_state(&self) -> crate::state::Shared<'_> {
        crate::state::Shared {
            state: self.state.as_ref(),
            world: &self.world,
            tasks: &self.tasks,
            changed: &self.changed,
        }
    }

    /// Handles one SOAP request body. `cookie_key` is the session key from the request's
    /// cookie.
    pub async fn handle_soap(
        &self,
        req: Request,
        cookie_key: Option<&str>,
        tls: bool,
    ) -> SoapReply {
        let method = req.method.clone();
        let mut set_cookie = None;
        let refreshed = self.shared_state().refresh();
        let result = match refreshed {
            Ok(()) => self.dispatch(&req, cookie_key, tls, &mut set_cookie).await,
            Err(f) => Err(f),
        };
        match result {
            Ok(out) => {
                let mut body = String::with_capacity(match &out {
                    Out::Raw(inner) => inner.len() + 512,
                    Out::Value(_) => 1024,
                });
                body.push_str(soap::ENVELOPE_START);
                match out {
                    Out::Value(v) => soap::write_response_body(&mut body, &method, v.as_ref()),
                    Out::Raw(inner) => {
                        body.push('<');
                        body.push_str(&method);
                        body.push_str("Response xmlns=\"urn:vim25\">");
                        body.push_str(&inner);
                        body.push_str("</");
                        body.push_str(&method);
                        body.push_str("Response>\n");
                    }
                }
                body.push_str(soap::ENVELOPE_END);
                SoapReply {
                    status: 200,
                    body,
                    set_cookie,
                }
            }
            Err(fault) => {
                self.stats.count_fault();
                SoapReply {
                    status: 500,
                    body: soap::fault_response(&fault),
                    set_cookie,
                }
            }
        }
    }

    async fn dispatch(
        &self,
        req: &Request,
        cookie_key: Option<&str>,
        tls: bool,
        set_cookie: &mut Option<String>,
    ) -> Result<Out, Fault> {
        let this = &req.this;
        let method = req.method.as_str();
        let args = &req.args;

        // Calls that need no session.
        if this.ty == "ServiceInstance" && method == "RetrieveServiceContent" {
            return service_instance::retrieve_service_content(self);
        }
        if this.ty == "SessionManager" && matches!(method, "Login" | "CloneSession") {
            return session_manager::open_session(self, this, method, args, tls, set_cookie);
        }

        let session = cookie_key.and_then(|k| lock(&self.sessions).touch(k));
        let Some(session) = session else {
            return self.unauthenticated(this, method, args);
        };

        // pyVmomi reads single properties with `Fetch` on the object itself.
        if method == "Fetch" {
            let prop = args.req_text("prop")?;
            let v = self.with_reader(Some(&session), |r| {
                if !r.exists(this) {
                    return Err(Fault::not_found(this));
                }
                r.property(this, prop)
            })?;
            let mut out = String::new();
            if let Some(v) = v {
                v.write_any(&mut out, "returnval");
            }
            return Ok(Out::Raw(out));
        }

        let Some(t) = service_type(&this.ty) else {
            return self.invoke_world(this, method, args, &session);
        };
        if !self.with_reader(Some(&session), |r| (t.exists)(r, this)) {
            return Err(Fault::not_found(this));
        }
        let call = ServiceCall {
            this,
            method,
            args,
            session: &session,
        };
        match t.methods.iter().find(|(n, _)| *n == method).map(|(_, m)| m) {
            Some(ServiceMethod::Now(f)) => f(self, &call),
            Some(ServiceMethod::Wait(f)) => f(self, &call).await,
            None => Err(Fault::method_not_found_on(this, method)),
        }
    }

    /// A call without a live session: `NotAuthenticated`, except the one read libvirt makes
    /// to find out whether its session is still alive — the `currentSession` of the session
    /// manager — which, as on a real server, answers the object with no properties, so the
    /// client logs in again.
    fn unauthenticated(&self, this: &MoRef, method: &str, args: &Element) -> Result<Out, Fault> {
        if this.ty == "PropertyCollector"
            && matches!(method, "RetrieveProperties" | "RetrievePropertiesEx")
        {
            if let Ok(specs) = parse_spec_set(args) {
                if specs.iter().all(|s| s.only_selects("SessionManager")) {
                    let sm = self.refs.get("sessionManager").cloned();
                    let mut out = String::new();
                    let tag = if method == "RetrieveProperties" {
                        "returnval"
                    } else {
                        "objects"
                    };
                    if method == "RetrievePropertiesEx" {
                        out.push_str("<returnval>");
                    }
                    if let Some(sm) = sm {
                        out.push('<');
                        out.push_str(tag);
                        out.push('>');
                        crate::property_collector::write_obj(&mut out, "obj", &sm);
                        out.push_str("</");
                        out.push_str(tag);
                        out.push('>');
                    }
                    if method == "RetrievePropertiesEx" {
                        out.push_str("</returnval>");
                    }
                    return Ok(Out::Raw(out));
                }
            }
        }
        Err(Fault::not_authenticated(this))
    }

    fn check_manager(&self, this: &MoRef, field: &str) -> Result<(), Fault> {
        if self.refs.get(field) == Some(this) {
            Ok(())
        } else {
            Err(Fault::not_found(this))
        }
    }

    fn invoke_world(
        &self,
        this: &MoRef,
        method: &str,
        args: &Element,
        session: &Session,
    ) -> Result<Out, Fault> {
        let call = |world: &mut dyn Inventory| {
            let mut tasks = write(&self.tasks);
            let mut cx = CallCx {
                tasks: &mut tasks,
                user: &session.user,
                mode: self.mode,
            };
            world.invoke(&mut cx, this, method, args)
        };
        if is_read_only_method(method) {
            return call(write(&self.world).as_mut()).map(Out::Value);
        }
        // A failed call may have changed the world half-way: saved all the same.
        self.shared_state().mutate(call, |_| true)?.map(Out::Value)
    }

    /// Ends every session at once.
    pub fn expire_all_sessions(&self) {
        let keys = lock(&self.sessions).clear();
        for k in keys {
            self.drop_session(&k);
        }
    }

    /// Forgets a logged-out session's views, filters and pages.
    pub fn drop_session(&self, key: &str) {
        write(&self.views).drop_session(key);
        lock(&self.paging).drop_session(key);
        let mut fs = lock(&self.filters);
        fs.filters.retain(|f| f.session != key);
        fs.versions.retain(|(s, _), _| s != key);
        fs.cancels.retain(|(s, _), _| s != key);
        fs.collectors.retain(|_, s| s != key);
    }
}
