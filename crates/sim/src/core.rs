//! The simulator's shared state and the SOAP dispatcher: sessions and authentication, the
//! core's own managed objects (ServiceInstance, SessionManager, PropertyCollector,
//! PropertyFilter, ViewManager, ContainerView, TaskManager, Task) and routing of every other
//! call to the world.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use crate::fault::Fault;
use crate::inject::Injector;
use crate::object::{is_read_only_method, CallCx, Inventory, Mode};
use crate::property_collector::{
    parse_spec_set, retrieve, write_filter_update, write_retrieve_result, Filter, FilterSpec,
    ObjectUpdate, Paging, PropertySource,
};
use crate::service::{service_instance, ServiceRefs};
use crate::session::{Session, Sessions};
use crate::soap::{self, Element, Request};
use crate::stats::Stats;
use crate::task::Tasks;
use crate::value::{now_datetime, MoRef, Value};
use crate::view::{ContainerView, Views};

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

fn is_core_type(ty: &str) -> bool {
    matches!(
        ty,
        "ServiceInstance"
            | "SessionManager"
            | "PropertyCollector"
            | "PropertyFilter"
            | "ViewManager"
            | "ContainerView"
            | "TaskManager"
            | "Task"
    )
}

impl Reader<'_> {
    fn core_property(&self, obj: &MoRef, path: &str) -> Result<Option<Value>, Fault> {
        let (head, rest) = path.split_once('.').unwrap_or((path, ""));
        let top = match obj.ty.as_ref() {
            "Task" => return self.tasks.property(obj, path),
            "ContainerView" => {
                let v = self.views.get(obj).ok_or_else(|| Fault::not_found(obj))?;
                return v.property(self, path);
            }
            "ServiceInstance" => match head {
                "content" => Some(
                    self.core
                        .refs
                        .content(self.world.root_folder(), self.world.about()),
                ),
                "serverClock" => Some(Value::DateTime(now_datetime())),
                "capability" => Some(self.core.refs.capability()),
                _ => return Err(Fault::invalid_property(path)),
            },
            "SessionManager" => match head {
                "currentSession" => self.session.map(Session::to_value),
                "sessionList" => Some(Value::array(
                    "UserSession",
                    lock(&self.core.sessions)
                        .list()
                        .iter()
                        .map(Session::to_value)
                        .collect(),
                )),
                "defaultLocale" => Some(Value::str("en")),
                "supportedLocaleList" => Some(Value::strings(["en"])),
                "message" | "messageLocaleList" => None,
                _ => return Err(Fault::invalid_property(path)),
            },
            "ViewManager" => match head {
                "viewList" => Some(Value::morefs(
                    self.views
                        .of_session(self.session.map(|s| s.key.as_str()).unwrap_or("")),
                )),
                _ => return Err(Fault::invalid_property(path)),
            },
            "TaskManager" => match head {
                "recentTask" => {
                    let all = self.tasks.all();
                    let skip = all.len().saturating_sub(200);
                    Some(Value::morefs(all.into_iter().skip(skip)))
                }
                "maxCollector" => Some(Value::Int(100)),
                "description" => None,
                _ => return Err(Fault::invalid_property(path)),
            },
            "PropertyCollector" => match head {
                "filter" => {
                    let fs = lock(&self.core.filters);
                    let session = self.session.map(|s| s.key.as_str()).unwrap_or("");
                    Some(Value::morefs(
                        fs.filters
                            .iter()
                            .filter(|f| f.session == session && f.collector == *obj)
                            .map(|f| f.moref.clone()),
                    ))
                }
                _ => return Err(Fault::invalid_property(path)),
            },
            "PropertyFilter" => match head {
                "partialUpdates" => {
                    let fs = lock(&self.core.filters);
                    let f = fs
                        .filters
                        .iter()
                        .find(|f| f.moref == *obj)
                        .ok_or_else(|| Fault::not_found(obj))?;
                    Some(Value::Bool(f.partial_updates))
                }
                "spec" => None,
                _ => return Err(Fault::invalid_property(path)),
            },
            _ => return Err(Fault::not_found(obj)),
        };
        Ok(top.and_then(|v| v.into_path(rest)))
    }

    fn core_exists(&self, obj: &MoRef) -> bool {
        match obj.ty.as_ref() {
            "Task" => self.tasks.get(obj).is_some(),
            "ContainerView" => self.views.get(obj).is_some(),
            "ServiceInstance" => obj.value == "ServiceInstance",
            "PropertyFilter" => lock(&self.core.filters)
                .filters
                .iter()
                .any(|f| f.moref == *obj),
            "PropertyCollector" => {
                self.core.refs.get("propertyCollector") == Some(obj)
                    || lock(&self.core.filters).collectors.contains_key(&obj.value)
            }
            _ => self.core.refs.managers.iter().any(|(_, m)| m == obj),
        }
    }
}

impl PropertySource for Reader<'_> {
    fn exists(&self, obj: &MoRef) -> bool {
        if is_core_type(&obj.ty) {
            self.core_exists(obj)
        } else {
            self.world.exists(obj)
        }
    }

    fn property(&self, obj: &MoRef, path: &str) -> Result<Option<Value>, Fault> {
        if is_core_type(&obj.ty) {
            self.core_property(obj, path)
        } else {
            self.world.property(obj, path)
        }
    }

    fn property_names(&self, obj: &MoRef) -> Vec<&'static str> {
        match obj.ty.as_ref() {
            "Task" => Tasks::property_names(),
            "ContainerView" => ContainerView::property_names(),
            "ServiceInstance" => vec!["capability", "content", "serverClock"],
            "SessionManager" => vec![
                "currentSession",
                "defaultLocale",
                "message",
                "messageLocaleList",
                "sessionList",
                "supportedLocaleList",
            ],
            "ViewManager" => vec!["viewList"],
            "TaskManager" => vec!["description", "maxCollector", "recentTask"],
            "PropertyCollector" => vec!["filter"],
            "PropertyFilter" => vec!["partialUpdates", "spec"],
            _ => self.world.property_names(obj),
        }
    }
}

/// The outcome of a dispatched method: a value, or response body content already encoded
/// (the property collector writes its large results straight into the envelope).
enum Out {
    Value(Option<Value>),
    Raw(String),
}

impl Core {
    /// `ServiceInstance.ValidateMigration`: a destination host in maintenance mode or not
    /// connected is reported as a `MigrationHostErrorEvent` (as a vCenter reports problems:
    /// events, not a fault); anything else validates.
    fn validate_migration(&self, args: &Element, session: &Session) -> Result<Out, Fault> {
        let Some(host) = args.moref_of("host")? else {
            return Ok(Out::Value(None));
        };
        let problem = self.with_reader(Some(session), |r| -> Result<Option<String>, Fault> {
            if !r.exists(&host) {
                return Err(Fault::not_found(&host));
            }
            let name = match r.property(&host, "name")? {
                Some(Value::Str(n)) => n,
                _ => host.value.clone(),
            };
            if let Some(Value::Bool(true)) = r.property(&host, "runtime.inMaintenanceMode")? {
                return Ok(Some(format!("The host '{name}' is in maintenance mode")));
            }
            match r.property(&host, "runtime.connectionState")? {
                Some(Value::Enum { value, .. }) if value != "connected" => Ok(Some(format!(
                    "The host '{name}' is not connected ({value})"
                ))),
                _ => Ok(None),
            }
        })?;
        Ok(Out::Value(problem.map(|message| {
            let event = Value::obj("MigrationHostErrorEvent")
                .with("key", Value::Int(1))
                .with("chainId", Value::Int(1))
                .with("createdTime", Value::DateTime(now_datetime()))
                .with("userName", Value::str(session.user.clone()))
                .with("fullFormattedMessage", Value::str(message));
            Value::array("Event", vec![event])
        })))
    }

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
            let content = self.with_reader(None, |r| r.property(&service_instance(), "content"))?;
            return Ok(Out::Value(content));
        }
        if this.ty == "SessionManager" && method == "Login" {
            self.check_manager(this, "sessionManager")?;
            let user = args.req_text("userName")?;
            let password = args.text_of("password").unwrap_or("");
            let (s, expired) = {
                let mut sessions = lock(&self.sessions);
                let expired = sessions.take_expired();
                (sessions.login(user, password)?, expired)
            };
            for k in expired {
                self.drop_session(&k);
            }
            *set_cookie = Some(crate::session::set_cookie(&s.key, tls));
            return Ok(Out::Value(Some(s.to_value())));
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

        match this.ty.as_ref() {
            "ServiceInstance" => match method {
                "CurrentTime" => Ok(Out::Value(Some(Value::DateTime(now_datetime())))),
                // No events = the migration is valid; MigrateVM_Task itself checks the rest.
                "ValidateMigration" => self.validate_migration(args, &session),
                _ => Err(Fault::method_not_found_on(this, method)),
            },
            "SessionManager" => {
                self.check_manager(this, "sessionManager")?;
                match method {
                    "Logout" => {
                        lock(&self.sessions).logout(&session.key);
                        self.drop_session(&session.key);
                        Ok(Out::Value(None))
                    }
                    "SessionIsActive" => {
                        let id = args.req_text("sessionID")?;
                        let user = args.req_text("userName")?;
                        Ok(Out::Value(Some(Value::Bool(
                            lock(&self.sessions).is_active(id, user),
                        ))))
                    }
                    "AcquireCloneTicket" => {
                        let t = crate::session::new_key()
                            .map_err(|e| Fault::system_error(e.to_string()))?;
                        Ok(Out::Value(Some(Value::str(format!("cst-{t}")))))
                    }
                    "SetLocale" | "UpdateServiceMessage" => Ok(Out::Value(None)),
                    _ => Err(Fault::method_not_found_on(this, method)),
                }
            }
            "PropertyCollector" => self.property_collector(this, method, args, &session).await,
            "PropertyFilter" => match method {
                "DestroyPropertyFilter" => {
                    let mut fs = lock(&self.filters);
                    let before = fs.filters.len();
                    fs.filters
                        .retain(|f| !(f.moref == *this && f.session == session.key));
                    if fs.filters.len() == before {
                        return Err(Fault::not_found(this));
                    }
                    Ok(Out::Value(None))
                }
                _ => Err(Fault::method_not_found_on(this, method)),
            },
            "ViewManager" => {
                self.check_manager(this, "viewManager")?;
                match method {
                    "CreateContainerView" => {
                        let container = args.req_moref("container")?;
                        let exists = self.with_reader(Some(&session), |r| r.exists(&container));
                        if !exists {
                            return Err(Fault::not_found(&container));
                        }
                        let types = args.strings_of("type");
                        let recursive = args.bool_of("recursive")?.unwrap_or(false);
                        let v =
                            write(&self.views).create(&session.key, container, types, recursive);
                        self.bump();
                        Ok(Out::Value(Some(Value::MoRef(v))))
                    }
                    _ => Err(Fault::method_not_found_on(this, method)),
                }
            }
            "ContainerView" => match method {
                "DestroyView" => {
                    write(&self.views).destroy(this)?;
                    self.bump();
                    Ok(Out::Value(None))
                }
                _ => Err(Fault::method_not_found_on(this, method)),
            },
            "TaskManager" => Err(Fault::method_not_found_on(this, method)),
            "Task" => match method {
                "CancelTask" => {
                    write(&self.tasks).cancel(this)?;
                    self.bump();
                    Ok(Out::Value(None))
                }
                "SetTaskState" | "UpdateProgress" | "SetTaskDescription" => {
                    Err(Fault::not_supported(format!("{method} is not supported")))
                }
                _ => Err(Fault::method_not_found_on(this, method)),
            },
            _ => self.invoke_world(this, method, args, &session),
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

    fn check_collector(&self, this: &MoRef, session: &Session) -> Result<(), Fault> {
        if self.refs.get("propertyCollector") == Some(this) {
            return Ok(());
        }
        match lock(&self.filters).collectors.get(&this.value) {
            Some(owner) if *owner == session.key => Ok(()),
            _ => Err(Fault::not_found(this)),
        }
    }

    async fn property_collector(
        &self,
        this: &MoRef,
        method: &str,
        args: &Element,
        session: &Session,
    ) -> Result<Out, Fault> {
        self.check_collector(this, session)?;
        match method {
            "RetrieveProperties" => {
                let specs = parse_spec_set(args)?;
                let objs = self.with_reader(Some(session), |r| retrieve(r, &specs))?;
                let mut out = String::new();
                crate::property_collector::write_all_objects(&mut out, &objs, "returnval");
                Ok(Out::Raw(out))
            }
            "RetrievePropertiesEx" => {
                let specs = parse_spec_set(args)?;
                let max = match args.child("options") {
                    Some(o) => o.i32_of("maxObjects")?,
                    None => None,
                };
                let objs = self.with_reader(Some(session), |r| retrieve(r, &specs))?;
                let (page, token) = lock(&self.paging).first_page(
                    &session.key,
                    objs,
                    max.and_then(|m| usize::try_from(m).ok()),
                );
                let mut out = String::new();
                write_retrieve_result(&mut out, &page, token.as_deref());
                Ok(Out::Raw(out))
            }
            "ContinueRetrievePropertiesEx" => {
                let token = args.req_text("token")?;
                let (page, token) = lock(&self.paging).next_page(&session.key, token)?;
                let mut out = String::with_capacity(page.len() * 256);
                write_retrieve_result(&mut out, &page, token.as_deref());
                Ok(Out::Raw(out))
            }
            "CancelRetrievePropertiesEx" => {
                let token = args.req_text("token")?;
                lock(&self.paging).cancel(&session.key, token);
                Ok(Out::Value(None))
            }
            "CreateFilter" => {
                let spec_el = args
                    .child("spec")
                    .ok_or_else(|| Fault::missing_argument("spec"))?;
                let spec = FilterSpec::parse(spec_el)?;
                // Objects named in the spec must exist, as on a real server.
                self.with_reader(Some(session), |r| spec.select_objects(r, true))?;
                let partial = args.bool_of("partialUpdates")?.unwrap_or(false);
                let mut fs = lock(&self.filters);
                fs.next += 1;
                let moref = MoRef::new(
                    "PropertyFilter",
                    format!("session[{}]filter-{}", fs.next, fs.next),
                );
                fs.filters.push(Filter::new(
                    moref.clone(),
                    this.clone(),
                    &session.key,
                    spec,
                    partial,
                ));
                Ok(Out::Value(Some(Value::MoRef(moref))))
            }
            "CreatePropertyCollector" => {
                let mut fs = lock(&self.filters);
                fs.next += 1;
                let id = format!("session[{}]collector-{}", fs.next, fs.next);
                fs.collectors.insert(id.clone(), session.key.clone());
                Ok(Out::Value(Some(Value::moref("PropertyCollector", id))))
            }
            "DestroyPropertyCollector" => {
                let mut fs = lock(&self.filters);
                if fs.collectors.remove(&this.value).is_none() {
                    return Err(Fault::not_supported(
                        "The session's default property collector cannot be destroyed.",
                    ));
                }
                fs.filters.retain(|f| f.collector != *this);
                Ok(Out::Value(None))
            }
            "CancelWaitForUpdates" => {
                *lock(&self.filters)
                    .cancels
                    .entry((session.key.clone(), this.value.clone()))
                    .or_insert(0) += 1;
                self.bump();
                Ok(Out::Value(None))
            }
            "WaitForUpdates" | "WaitForUpdatesEx" | "CheckForUpdates" => {
                let max_wait = if method == "CheckForUpdates" {
                    Some(Duration::ZERO)
                } else if method == "WaitForUpdatesEx" {
                    match args.child("options") {
                        Some(o) => o
                            .i32_of("maxWaitSeconds")?
                            .map(|s| Duration::from_secs(u64::try_from(s).unwrap_or(0))),
                        None => None,
                    }
                } else {
                    None
                };
                let max_objects = match args.child("options") {
                    Some(o) if method == "WaitForUpdatesEx" => o.i32_of("maxObjectUpdates")?,
                    _ => None,
                };
                // Unset, zero or negative: no limit (govmomi sends 0 for unset).
                let max_objects = max_objects
                    .filter(|n| *n > 0)
                    .and_then(|n| usize::try_from(n).ok());
                self.wait_for_updates(this, session, max_wait, max_objects)
                    .await
            }
            _ => Err(Fault::method_not_found_on(this, method)),
        }
    }

    /// Diffs the collector's filters once; `Some(body)` when something changed. At most
    /// `max_objects` object updates go into the body, which then says `truncated`; the rest
    /// wait in their filters for the next call.
    fn collect_updates(
        &self,
        collector: &MoRef,
        session: &Session,
        max_objects: Option<usize>,
    ) -> Option<String> {
        self.with_reader(Some(session), |reader| {
            // Take the filters out so the reader may lock the filter table itself.
            let mut mine: Vec<Filter> = {
                let mut fs = lock(&self.filters);
                let (mine, rest): (Vec<Filter>, Vec<Filter>) = std::mem::take(&mut fs.filters)
                    .into_iter()
                    .partition(|f| f.session == session.key && f.collector == *collector);
                fs.filters = rest;
                mine
            };
            let mut changed: Vec<(MoRef, Vec<ObjectUpdate>)> = Vec::new();
            let mut budget = max_objects;
            for f in &mut mine {
                let ups = f.next_updates(reader, &mut budget);
                if !ups.is_empty() {
                    changed.push((f.moref.clone(), ups));
                }
            }
            let truncated = mine.iter().any(Filter::has_pending);
            let mut fs = lock(&self.filters);
            fs.filters.extend(mine);
            if changed.is_empty() {
                return None;
            }
            let version = fs
                .versions
                .entry((session.key.clone(), collector.value.clone()))
                .or_insert(0);
            *version += 1;
            let mut out = String::with_capacity(1024);
            out.push_str("<returnval><version>");
            out.push_str(&version.to_string());
            out.push_str("</version>");
            for (filter, ups) in &changed {
                write_filter_update(&mut out, filter, ups);
            }
            if truncated {
                out.push_str("<truncated>true</truncated>");
            }
            out.push_str("</returnval>");
            Some(out)
        })
    }

    async fn wait_for_updates(
        &self,
        collector: &MoRef,
        session: &Session,
        max_wait: Option<Duration>,
        max_objects: Option<usize>,
    ) -> Result<Out, Fault> {
        let deadline = max_wait.map(|d| Instant::now() + d);
        let mut rx = self.changed.subscribe();
        let cancel_key = (session.key.clone(), collector.value.clone());
        let cancels = |core: &Core| lock(&core.filters).cancels.get(&cancel_key).copied();
        let cancels_at_start = cancels(self);
        loop {
            rx.borrow_and_update();
            if cancels(self) != cancels_at_start {
                return Err(Fault::request_canceled());
            }
            if let Some(body) = self.collect_updates(collector, session, max_objects) {
                return Ok(Out::Raw(body));
            }
            let now = Instant::now();
            if deadline.is_some_and(|d| now >= d) {
                return Ok(Out::Value(None));
            }
            // Lagging task states change with time alone: poll while any is lagging.
            let poll = if read(&self.tasks).has_lagging(now) {
                Duration::from_millis(50)
            } else {
                Duration::from_secs(3600)
            };
            let wait = match deadline {
                Some(d) => poll.min(d.saturating_duration_since(now)),
                None => poll,
            };
            let _ = tokio::time::timeout(wait, rx.changed()).await;
        }
    }
}
