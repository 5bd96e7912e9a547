//! The connection's engine: one vSphere session (esxvirt-vi's async client driven by a
//! private single-threaded runtime), the session cache, the resolved host context, and the
//! retrieval shapes every operation uses. Round trips are designed down: a new session on
//! esx:// or vpx:// logs in at the server's well-known session manager and its first
//! retrieval brings the service content (and the product check) along; host and VM reads
//! on esx:// are one RetrievePropertiesEx traversing from the root folder; vpx:// resolves
//! its host path once (one retrieval, cached with the session).

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

use esxvirt_vi as vi;
use serde::{Deserialize, Serialize};
use vi::{
    AnySelectionSpec, Client, ManagedObjectReference, ObjectContent, ObjectSpec,
    PropertyFilterSpec, PropertySpec, RetrieveOptions, SavedSession, SelectionSpec, TraversalSpec,
    Value, WellKnown,
};

use crate::auth::{AuthConfig, Credentials};
use crate::connection::OpenOptions;
use crate::error::{Error, ErrorCode, Result};
use crate::inventory_path::{self, Entity};
use crate::product::{self, Product, ProductLine};
use crate::session_cache::{self, SessionCache, SessionEntry};
use crate::uri::{Scheme, SimTarget, Uri};

/// A managed object reference that serializes into the session cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct MoRef {
    pub ty: String,
    pub value: String,
}

impl MoRef {
    pub fn new(ty: &str, value: &str) -> MoRef {
        MoRef {
            ty: ty.to_string(),
            value: value.to_string(),
        }
    }
    pub fn vi(&self) -> ManagedObjectReference {
        ManagedObjectReference::new(self.ty.clone(), self.value.clone())
    }
    pub fn from_vi(m: &ManagedObjectReference) -> MoRef {
        MoRef::new(&m.type_, &m.value)
    }
}

/// Where the connection points inside the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct HostContext {
    pub datacenter: MoRef,
    /// Datacenter path with folders (`dcPath` of /folder URLs).
    pub datacenter_path: String,
    pub vm_folder: MoRef,
    pub compute_resource: MoRef,
    pub resource_pool: MoRef,
    pub host: MoRef,
}

/// What libvirt reads about a host when it connects (`esxConnectToHost`) and a connection
/// keeps (the maintenance mode is only warned about, see [`Engine::note_host`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct HostFacts {
    /// `summary.managementServerIp`: the address of the vCenter managing the host.
    pub management_server_ip: Option<String>,
}

/// How an engine finds the host it works on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Locator {
    /// An ESX/GSX host (or the simulator): the inventory's only host, reached from the root
    /// folder.
    OnlyHost,
    /// The host a vpx:// URI's path names.
    Path,
    /// The host with this IP address in a vCenter (`SearchIndex.FindByIp`): the vCenter
    /// session of an esx:// connection with `vcenter=`.
    HostIp(String),
}

impl Locator {
    fn of(uri: &Uri) -> Locator {
        match uri.scheme {
            Scheme::Vpx => Locator::Path,
            _ => Locator::OnlyHost,
        }
    }
}

/// The warning libvirt logs for a host in maintenance mode.
pub(crate) const MAINTENANCE_WARNING: &str = "The server is in maintenance mode";

/// What the session cache keeps besides the vSphere session.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct CachedContext {
    product: Option<Product>,
    host: Option<HostContext>,
    /// The host's managing vCenter as last read (esx:// only).
    #[serde(default)]
    host_facts: Option<HostFacts>,
    /// Kept under the same keys as before it was a struct of its own.
    #[serde(flatten)]
    learnt: Learnt,
}

/// What a session learns once about its host and VMs and keeps with the session in the
/// cache (one lock for all of it in [`Engine`]).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Learnt {
    /// The host's AutoStartManager, so autostart queries need one retrieval.
    #[serde(default)]
    autostart_manager: Option<MoRef>,
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
pub(crate) struct NameHints(Vec<(String, MoRef)>);

impl NameHints {
    /// How many names are remembered (the session cache file stays small).
    const CAPACITY: usize = 64;

    pub fn get(&self, name: &str) -> Option<&MoRef> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, m)| m)
    }

    /// Remembers `name` -> `moref`; whether anything changed.
    pub fn remember(&mut self, name: &str, moref: &MoRef) -> bool {
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

/// The property values of one object, by property path.
#[derive(Debug, Clone, Default)]
pub(crate) struct Props {
    pub obj: Option<ManagedObjectReference>,
    map: HashMap<String, Value>,
}

impl Props {
    pub fn from_content(oc: ObjectContent) -> Props {
        let mut map = HashMap::with_capacity(oc.prop_set.len());
        for p in oc.prop_set {
            map.insert(p.name, p.val);
        }
        Props {
            obj: Some(oc.obj),
            map,
        }
    }
    pub fn moref(&self) -> MoRef {
        self.obj
            .as_ref()
            .map(MoRef::from_vi)
            .unwrap_or_else(|| MoRef::new("", ""))
    }
    pub fn ty(&self) -> &str {
        self.obj.as_ref().map(|o| o.type_.as_str()).unwrap_or("")
    }
    pub fn get(&self, name: &str) -> Option<&Value> {
        match self.map.get(name) {
            Some(Value::None) | None => None,
            Some(v) => Some(v),
        }
    }
    pub fn take(&mut self, name: &str) -> Option<Value> {
        self.map.remove(name)
    }
    pub fn str(&self, name: &str) -> Option<&str> {
        match self.get(name)? {
            Value::String(s) | Value::DateTime(s) | Value::AnyUri(s) => Some(s),
            _ => None,
        }
    }
    pub fn req_str(&self, name: &str) -> Result<&str> {
        self.str(name)
            .ok_or_else(|| Error::internal(format!("Missing '{name}' property")))
    }
    pub fn i64(&self, name: &str) -> Option<i64> {
        match self.get(name)? {
            Value::Int(v) => Some(i64::from(*v)),
            Value::Long(v) => Some(*v),
            Value::Short(v) => Some(i64::from(*v)),
            Value::Byte(v) => Some(i64::from(*v)),
            _ => None,
        }
    }
    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.get(name)? {
            Value::Boolean(b) => Some(*b),
            _ => None,
        }
    }
    pub fn mo(&self, name: &str) -> Option<MoRef> {
        match self.get(name)? {
            Value::ManagedObjectReference(m) => Some(MoRef::from_vi(m)),
            _ => None,
        }
    }
    pub fn mos(&self, name: &str) -> Vec<MoRef> {
        match self.get(name) {
            Some(Value::ArrayOfManagedObjectReference(v)) => v.iter().map(MoRef::from_vi).collect(),
            Some(Value::ManagedObjectReference(m)) => vec![MoRef::from_vi(m)],
            _ => Vec::new(),
        }
    }
    pub fn power_state(&self) -> Result<crate::types::DomainState> {
        match self.get("runtime.powerState") {
            Some(Value::VirtualMachinePowerState(p)) => {
                Ok(crate::types::DomainState::from_power_state(p.as_str()))
            }
            Some(Value::String(s)) => Ok(crate::types::DomainState::from_power_state(s)),
            _ => Err(Error::internal("Missing 'runtime.powerState' property")),
        }
    }
}

/// A traversal step `TYPE.PATH` named `name`, continuing with the named selections.
pub(crate) fn trav(name: &str, ty: &str, path: &str, next: &[&str]) -> AnySelectionSpec {
    AnySelectionSpec::TraversalSpec(TraversalSpec {
        base: SelectionSpec {
            name: Some(name.to_string()),
        },
        type_: ty.to_string(),
        path: path.to_string(),
        skip: Some(false),
        select_set: next
            .iter()
            .map(|n| {
                AnySelectionSpec::SelectionSpec(SelectionSpec {
                    name: Some(n.to_string()),
                })
            })
            .collect(),
    })
}

fn pspec(ty: &str, paths: &[&str]) -> PropertySpec {
    PropertySpec {
        type_: ty.to_string(),
        all: Some(false),
        path_set: paths.iter().map(|p| p.to_string()).collect(),
    }
}

/// The host properties libvirt reads when it connects to a host.
pub(crate) const HOST_FACT_PATHS: &[&str] =
    &["runtime.inMaintenanceMode", "summary.managementServerIp"];

/// The traversal from a folder down to hosts (folders, datacenters' hostFolder, compute
/// resources' hosts).
pub(crate) fn host_traversal() -> Vec<AnySelectionSpec> {
    vec![
        trav(
            "folderChildren",
            "Folder",
            "childEntity",
            &["folderChildren", "dcHosts", "crHosts"],
        ),
        trav("dcHosts", "Datacenter", "hostFolder", &["folderChildren"]),
        trav("crHosts", "ComputeResource", "host", &[]),
    ]
}

/// [`host_traversal`] continued from every host to its VMs (`hostVms`).
fn every_host_vm_traversal() -> Vec<AnySelectionSpec> {
    let mut select = host_traversal();
    if let Some(AnySelectionSpec::TraversalSpec(t)) = select.last_mut() {
        // crHosts continues to the host's VMs.
        t.select_set
            .push(AnySelectionSpec::SelectionSpec(SelectionSpec {
                name: Some("hostVms".to_string()),
            }));
    }
    select.push(trav("hostVms", "HostSystem", "vm", &[]));
    select
}

/// One filter spec: objects from `root` (itself included unless `skip_root`) along `select`,
/// with these property specs.
pub(crate) fn filter(
    root: &MoRef,
    skip_root: bool,
    select: Vec<AnySelectionSpec>,
    props: Vec<PropertySpec>,
) -> PropertyFilterSpec {
    PropertyFilterSpec {
        prop_set: props,
        object_set: vec![ObjectSpec {
            obj: root.vi(),
            skip: Some(skip_root),
            select_set: select,
        }],
        report_missing_objects_in_results: None,
    }
}

pub(crate) fn props_of(ty: &str, paths: &[&str]) -> PropertySpec {
    pspec(ty, paths)
}

/// Maps a vi error to the driver's error, as libvirt would word it.
pub(crate) fn vi_err(e: vi::Error) -> Error {
    use vi::Fault;
    let msg = e.to_string();
    match &e {
        vi::Error::Fault(Fault::InvalidLogin { message }) => {
            Error::new(ErrorCode::AuthFailed, message.clone()).with_source(e)
        }
        vi::Error::Fault(Fault::NotAuthenticated { message }) => Error::new(
            ErrorCode::AuthFailed,
            format!("the session is not authenticated: {message}"),
        )
        .with_source(e),
        vi::Error::Question(q) => Error::internal(question_message(q)).with_source(e),
        vi::Error::ConnectionRefused { .. }
        | vi::Error::Connect { .. }
        | vi::Error::Connection { .. }
        | vi::Error::Tls { .. }
        | vi::Error::Proxy { .. }
        | vi::Error::Timeout { .. } => Error::new(ErrorCode::OperationFailed, msg).with_source(e),
        _ => Error::internal(msg).with_source(e),
    }
}

/// libvirt's text for a question that blocks a VM.
pub(crate) fn question_message(q: &vi::QuestionError) -> String {
    let mut s = format!(
        "Pending question blocks virtual machine execution, question is '{}'",
        q.question
    );
    if q.choices.is_empty() {
        s.push_str(", no possible answers");
    } else {
        let choices: Vec<String> = q.choices.iter().map(|c| format!("'{c}'")).collect();
        s.push_str(&format!(", possible answers are {}", choices.join(", ")));
    }
    match q.task {
        vi::BlockedTask::NotStarted => {}
        vi::BlockedTask::Cancelled => s.push_str("; the blocked task was cancelled"),
        vi::BlockedTask::LeftBehind => s.push_str(
            "; the blocked task cannot be cancelled and is left behind waiting for an answer",
        ),
    }
    s
}

/// The session with its context.
pub(crate) struct Engine {
    rt: tokio::runtime::Runtime,
    pub client: Client,
    pub uri: Uri,
    /// The server's product; until the service content arrives (see
    /// [`Engine::ensure_content`]) the one the URI's scheme expects, version 0.
    product: Mutex<Product>,
    /// How the host is found.
    pub locator: Locator,
    /// The auth.conf services credentials are looked up under.
    services: Vec<&'static str>,
    ctx: Mutex<Option<HostContext>>,
    /// What the connection read about the host (esx://).
    facts: Mutex<Option<HostFacts>>,
    /// Whether the host's maintenance mode has been seen (and warned about) yet.
    maintenance_seen: std::sync::atomic::AtomicBool,
    /// The AutoStartManager, remembered VMs, counter ids and screenshot capability learnt
    /// so far (kept with the session in the cache).
    learnt: Mutex<Learnt>,
    /// Credentials still to resolve (when the session came from the cache).
    pending_auth: Mutex<Option<PendingAuth>>,
    cache: Option<(SessionCache, String)>,
    pub auto_answer: bool,
}

struct PendingAuth {
    options: OpenOptions,
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::internal(format!("cannot start the I/O runtime: {e}")))
}

fn auth_config(uri: &Uri) -> Result<Option<AuthConfig>> {
    match crate::auth::auth_file_path(uri) {
        Some(path) => AuthConfig::load(&path).map(Some),
        None => Ok(None),
    }
}

impl Engine {
    /// Opens the session: from the session cache when possible (no request); on esx:// and
    /// vpx:// a Login to the well-known session manager (the service content comes with the
    /// first retrieval); else RetrieveServiceContent, the product check, and Login.
    pub fn open(
        uri: Uri,
        options: &OpenOptions,
        sim_creds: Option<(String, Credentials)>,
    ) -> Result<Engine> {
        let locator = Locator::of(&uri);
        let services = crate::auth::auth_services(&uri);
        Engine::open_as(uri, locator, services, options, sim_creds)
    }

    /// Opens the vCenter session of an esx:// connection: `uri` names the vCenter (scheme
    /// vpx, its address, the host URI's port, transport and user); credentials are looked up
    /// as libvirt does (service `esx`, default user `administrator`); the host is the one
    /// with address `host_ip`. Its session is cached apart from any vpx:// one.
    pub fn open_vcenter(uri: Uri, host_ip: &str, options: &OpenOptions) -> Result<Engine> {
        Engine::open_as(
            uri,
            Locator::HostIp(host_ip.to_string()),
            vec!["esx"],
            options,
            None,
        )
    }

    fn open_as(
        uri: Uri,
        locator: Locator,
        services: Vec<&'static str>,
        options: &OpenOptions,
        sim_creds: Option<(String, Credentials)>,
    ) -> Result<Engine> {
        let rt = runtime()?;
        let mut cfg = crate::trust::client_config(&uri, options.ca_file.as_deref())?;
        if let Some((url, _)) = &sim_creds {
            cfg.url = url.clone();
            cfg.no_verify = true;
        }
        let use_cache =
            options.session_cache && !session_cache::disabled_by_env() && uri.scheme != Scheme::Sim;
        let config = if sim_creds.is_none() {
            auth_config(&uri)?
        } else {
            None
        };
        // The cache key needs the user without prompting: the URI's, auth.conf's, or the
        // default one.
        let key_user = match &uri.user {
            Some(u) => u.clone(),
            None => config
                .as_ref()
                .and_then(|c| {
                    c.lookup(&services, &uri.host, &["username", "authname"])
                        .ok()
                        .flatten()
                })
                .unwrap_or_else(|| uri.default_user().to_string()),
        };
        let cache = if use_cache {
            options
                .session_cache_dir
                .clone()
                .map(SessionCache::at)
                .or_else(SessionCache::default_location)
                .map(|c| {
                    let mut key = session_cache::cache_key(&uri, &key_user);
                    if let Locator::HostIp(ip) = &locator {
                        key.push_str(&format!("?host-ip={ip}"));
                    }
                    (c, key)
                })
        } else {
            None
        };
        if let Some((c, key)) = &cache {
            if let Some(entry) = c.load(key) {
                if let Ok(saved) = SavedSession::from_xml(&entry.cookie) {
                    let cached: CachedContext =
                        serde_json::from_value(entry.context.clone()).unwrap_or_default();
                    if let (Ok(client), Some(product)) =
                        (Client::resume(cfg.clone(), saved), cached.product)
                    {
                        // Credentials that need no prompt let the client renew an expired
                        // session by itself; otherwise they are resolved on demand.
                        if let (Some(u), Some(cfgf)) = (&uri.user, &config) {
                            if let Ok(Some(pw)) = cfgf.lookup(&services, &uri.host, &["password"]) {
                                client.set_credentials(u, &pw);
                            }
                        }
                        return Ok(Engine {
                            rt,
                            client,
                            uri: uri.clone(),
                            product: Mutex::new(product),
                            locator,
                            services,
                            ctx: Mutex::new(cached.host),
                            facts: Mutex::new(cached.host_facts),
                            maintenance_seen: Default::default(),
                            learnt: Mutex::new(cached.learnt),
                            pending_auth: Mutex::new(Some(PendingAuth {
                                options: options.clone(),
                            })),
                            cache,
                            auto_answer: uri.params.auto_answer,
                        });
                    }
                }
            }
        }
        let resolve_credentials = || {
            crate::auth::resolve_credentials_for(
                &uri,
                &services,
                &uri.host,
                config.as_ref(),
                options.auth.as_deref(),
            )
        };
        // ESX hosts and vCenters have their session manager, property collector and search
        // index under fixed ids (the service contents govmomi's simulator copied from real
        // ones have them too): logging in straight away saves the RetrieveServiceContent,
        // whose answer then comes with the first retrieval and is checked then. A server
        // that is not what the scheme says (no such session manager: a vCenter for esx://,
        // a host for vpx://) gets the usual path and libvirt's product error; a host agent
        // that is not ESX (VMware Server behind esx://) fails at that first retrieval.
        let mut early_creds = None;
        if let (None, Some(kind)) = (&sim_creds, well_known_of(uri.scheme)) {
            let creds = resolve_credentials()?;
            let client = Client::for_well_known(cfg.clone(), kind).map_err(vi_err)?;
            match rt.block_on(client.login(&creds.username, creds.password.expose())) {
                Ok(_) => {
                    let product = provisional_product(uri.scheme);
                    let engine = Engine::new(rt, client, uri, product, locator, services, cache);
                    // Cached with the provisional content: the next run's first retrieval
                    // brings the real one, as this run's would.
                    engine.save_cache();
                    return Ok(engine);
                }
                Err(e) if early_login_failure_is_final(&e) => return Err(vi_err(e)),
                Err(e) => {
                    tracing::debug!("early login refused ({e}); asking for the service content");
                    early_creds = Some(creds);
                }
            }
        }
        let client = rt.block_on(Client::connect(cfg)).map_err(vi_err)?;
        let product = checked_product(&client.about(), uri.scheme, &uri.host)?;
        let creds = match (sim_creds, early_creds) {
            (Some((_, c)), _) => c,
            (None, Some(c)) => c,
            (None, None) => resolve_credentials()?,
        };
        rt.block_on(client.login(&creds.username, creds.password.expose()))
            .map_err(vi_err)?;
        let engine = Engine::new(rt, client, uri, product, locator, services, cache);
        engine.save_cache();
        Ok(engine)
    }

    /// A logged-in engine with nothing learnt yet.
    #[allow(clippy::too_many_arguments)]
    fn new(
        rt: tokio::runtime::Runtime,
        client: Client,
        uri: Uri,
        product: Product,
        locator: Locator,
        services: Vec<&'static str>,
        cache: Option<(SessionCache, String)>,
    ) -> Engine {
        Engine {
            rt,
            client,
            auto_answer: uri.params.auto_answer,
            uri,
            product: Mutex::new(product),
            locator,
            services,
            ctx: Mutex::new(None),
            facts: Mutex::new(None),
            maintenance_seen: Default::default(),
            learnt: Mutex::new(Learnt::default()),
            pending_auth: Mutex::new(None),
            cache,
        }
    }

    /// The server's product (checked against the URI's scheme); fetches the service
    /// content first if it has not come yet.
    pub fn product(&self) -> Result<Product> {
        self.ensure_content()?;
        Ok(self.product_now())
    }

    fn product_now(&self) -> Product {
        match self.product.lock() {
            Ok(p) => *p,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }

    /// Whether the service content is still to come (see [`Engine::open`]'s early login).
    fn content_pending(&self) -> bool {
        self.client.service_content_is_provisional()
    }

    /// Makes sure the service content is known: after an early login it is asked for on
    /// its own (one retrieval) when no retrieval has brought it yet.
    pub fn ensure_content(&self) -> Result<()> {
        if self.content_pending() {
            // A retrieval of nothing else: the content rides on it.
            self.retrieve(Vec::new())?;
        }
        Ok(())
    }

    /// Takes the ServiceInstance's `content` out of a retrieval's objects, checks the
    /// product as libvirt does when it connects, and keeps it (the session can then be
    /// cached). A server that did not send it is asked with RetrieveServiceContent.
    fn adopt_content(&self, objects: &mut Vec<Props>) -> Result<()> {
        let at = objects.iter().position(|p| p.ty() == "ServiceInstance");
        let sent = at.and_then(|i| match objects.remove(i).take("content") {
            Some(Value::ServiceContent(sc)) => Some(*sc),
            _ => None,
        });
        let sc = match sent {
            Some(sc) => sc,
            None => self.run_early(|c| async move {
                let this = ManagedObjectReference::new("ServiceInstance", "ServiceInstance");
                c.retrieve_service_content(&this).await.map_err(vi_err)
            })?,
        };
        let product = checked_product(&sc.about, self.uri.scheme, &self.uri.host)?;
        self.client.adopt_service_content(sc);
        if let Ok(mut p) = self.product.lock() {
            *p = product;
        }
        self.save_cache();
        Ok(())
    }

    fn save_cache(&self) {
        let Some((cache, key)) = &self.cache else {
            return;
        };
        let Some(saved) = self.client.saved_session() else {
            return;
        };
        let ctx = self.ctx.lock().ok().and_then(|c| c.clone());
        let context = serde_json::to_value(CachedContext {
            product: Some(self.product_now()),
            host: ctx,
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

    /// Runs one operation on the runtime, the service content being known (see
    /// [`Engine::ensure_content`]). When the session came from the cache and the server says
    /// it is not authenticated (the operation did nothing), logs in with freshly resolved
    /// credentials and runs it once more.
    pub fn run<T, F, Fut>(&self, op: F) -> Result<T>
    where
        F: Fn(Client) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        self.ensure_content()?;
        self.run_early(op)
    }

    /// [`Engine::run`] for an operation that needs only the objects every server of its
    /// kind has under fixed ids (session manager, property collector, search index, root
    /// folder): it may run before the service content is known.
    pub fn run_early<T, F, Fut>(&self, op: F) -> Result<T>
    where
        F: Fn(Client) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        match self.rt.block_on(op(self.client.clone())) {
            Err(e) if is_not_authenticated(&e) => {
                let pending = self.pending_auth.lock().ok().and_then(|mut p| p.take());
                let Some(pending) = pending else {
                    return Err(e);
                };
                if let Some((cache, key)) = &self.cache {
                    cache.remove(key);
                }
                let config = auth_config(&self.uri)?;
                let creds = crate::auth::resolve_credentials_for(
                    &self.uri,
                    &self.services,
                    &self.uri.host,
                    config.as_ref(),
                    pending.options.auth.as_deref(),
                )?;
                self.rt
                    .block_on(self.client.login(&creds.username, creds.password.expose()))
                    .map_err(vi_err)?;
                self.save_cache();
                self.rt.block_on(op(self.client.clone()))
            }
            other => other,
        }
    }

    /// The number of HTTP requests sent so far.
    pub fn request_count(&self) -> u64 {
        self.client.request_count()
    }

    /// The server's product line as known now (no request: the scheme's until the service
    /// content has come and been checked against it).
    pub fn product_line(&self) -> ProductLine {
        self.product_now().line
    }

    pub fn is_vcenter(&self) -> bool {
        self.product_now().line == ProductLine::Vpx
    }

    pub fn root_folder(&self) -> MoRef {
        MoRef::from_vi(&self.client.service_content().root_folder)
    }

    /// The host context when already known (no request).
    pub fn known_context(&self) -> Option<HostContext> {
        self.ctx.lock().ok().and_then(|c| c.clone())
    }

    /// The PerformanceManager named by the service content, if the server has one.
    /// One of the well-known objects: known before the service content is.
    pub fn perf_manager(&self) -> Option<MoRef> {
        self.client
            .service_content()
            .perf_manager
            .as_ref()
            .map(MoRef::from_vi)
    }

    /// Whether the host context is already known (no request needed).
    pub fn has_context(&self) -> bool {
        self.ctx.lock().map(|c| c.is_some()).unwrap_or(false)
    }

    /// The resolved host context (one retrieval the first time, then cached).
    pub fn context(&self) -> Result<HostContext> {
        if let Some(c) = self.ctx.lock().ok().and_then(|c| c.clone()) {
            return Ok(c);
        }
        if let Locator::HostIp(ip) = &self.locator {
            return self.context_by_ip(ip);
        }
        let root = self.root_folder();
        // The AutoStartManager comes along, so no autostart query needs its own retrieval
        // to find it; on a host, so do the facts libvirt reads when it connects.
        let mut host_paths = vec!["name", "parent", "configManager.autoStartManager"];
        if self.locator == Locator::OnlyHost {
            host_paths.extend(HOST_FACT_PATHS);
        }
        let specs = vec![filter(
            &root,
            false,
            host_traversal(),
            vec![
                pspec("Folder", &["name", "parent"]),
                pspec("Datacenter", &["name", "parent", "hostFolder", "vmFolder"]),
                pspec("ComputeResource", &["name", "parent", "resourcePool"]),
                pspec(
                    "ClusterComputeResource",
                    &["name", "parent", "resourcePool"],
                ),
                pspec("HostSystem", &host_paths),
            ],
        )];
        let objects = self.retrieve(specs)?;
        let entities: Vec<Entity> = objects
            .iter()
            .map(|p| Entity {
                kind: p.ty().to_string(),
                moref: p.moref().value,
                name: p.str("name").unwrap_or_default().to_string(),
                parent: p.mo("parent").map(|m| m.value),
                host_folder: p.mo("hostFolder").map(|m| m.value),
                vm_folder: p.mo("vmFolder").map(|m| m.value),
                datastore_folder: None,
                resource_pool: p.mo("resourcePool").map(|m| m.value),
            })
            .collect();
        let ctx = if self.locator == Locator::Path {
            let hp = inventory_path::resolve(&self.uri.path, &root.value, &entities)?;
            HostContext {
                datacenter: MoRef::new("Datacenter", &hp.datacenter.moref),
                datacenter_path: hp.datacenter_path,
                vm_folder: MoRef::new(
                    "Folder",
                    hp.datacenter.vm_folder.as_deref().unwrap_or_default(),
                ),
                compute_resource: MoRef::new(&hp.compute_resource.kind, &hp.compute_resource.moref),
                resource_pool: MoRef::new(
                    "ResourcePool",
                    hp.compute_resource
                        .resource_pool
                        .as_deref()
                        .unwrap_or_default(),
                ),
                host: MoRef::new("HostSystem", &hp.host.moref),
            }
        } else {
            // A host (or the simulator): its only datacenter, compute resource and host.
            let dc = entities
                .iter()
                .find(|e| e.kind == "Datacenter")
                .ok_or_else(|| Error::internal("Could not find datacenter"))?;
            let cr = entities
                .iter()
                .find(|e| e.kind.ends_with("ComputeResource"))
                .ok_or_else(|| Error::internal("Could not find compute resource"))?;
            let host = entities
                .iter()
                .find(|e| e.kind == "HostSystem")
                .ok_or_else(|| Error::internal("Could not find host system"))?;
            HostContext {
                datacenter: MoRef::new("Datacenter", &dc.moref),
                datacenter_path: dc.name.clone(),
                vm_folder: MoRef::new("Folder", dc.vm_folder.as_deref().unwrap_or_default()),
                compute_resource: MoRef::new(&cr.kind, &cr.moref),
                resource_pool: MoRef::new(
                    "ResourcePool",
                    cr.resource_pool.as_deref().unwrap_or_default(),
                ),
                host: MoRef::new("HostSystem", &host.moref),
            }
        };
        let host = objects
            .iter()
            .find(|p| p.ty() == "HostSystem" && p.moref().value == ctx.host.value);
        if let Some(host) = host {
            if self.locator == Locator::OnlyHost {
                self.learn_facts(host);
            }
        }
        self.settle_context(ctx, host)
    }

    /// Keeps a resolved context (and the AutoStartManager its host names) for the session.
    fn settle_context(&self, ctx: HostContext, host: Option<&Props>) -> Result<HostContext> {
        let manager = host.and_then(|p| p.mo("configManager.autoStartManager"));
        if let (Some(manager), Ok(mut learnt)) = (manager, self.learnt.lock()) {
            learnt.autostart_manager.get_or_insert(manager);
        }
        if let Ok(mut c) = self.ctx.lock() {
            *c = Some(ctx.clone());
        }
        self.save_cache();
        Ok(ctx)
    }

    /// The vCenter's context for the host with address `ip`, as libvirt finds it: the search
    /// index's FindByIp, then one retrieval walking up from the host to its compute
    /// resource, datacenter and the folders above.
    fn context_by_ip(&self, ip: &str) -> Result<HostContext> {
        // The search index is well-known; the service content comes with the retrieval.
        let found = self.run_early(|c| {
            let ip = ip.to_string();
            async move { c.find_by_ip(None, &ip, false).await.map_err(vi_err) }
        })?;
        let host = found
            .filter(|m| m.type_ == "HostSystem")
            .map(|m| MoRef::from_vi(&m))
            .ok_or_else(|| {
                Error::internal(format!(
                    "Could not find a host system with IP address '{ip}' in vCenter '{}'",
                    self.uri.host
                ))
            })?;
        let spec = filter(
            &host,
            false,
            vec![
                trav("hostParent", "HostSystem", "parent", &["crParent"]),
                trav("crParent", "ComputeResource", "parent", &["folderParent"]),
                trav(
                    "folderParent",
                    "Folder",
                    "parent",
                    &["folderParent", "dcParent"],
                ),
                trav("dcParent", "Datacenter", "parent", &["folderParent"]),
            ],
            vec![
                pspec(
                    "HostSystem",
                    &["name", "parent", "configManager.autoStartManager"],
                ),
                pspec("ComputeResource", &["name", "parent", "resourcePool"]),
                pspec(
                    "ClusterComputeResource",
                    &["name", "parent", "resourcePool"],
                ),
                pspec("Folder", &["name", "parent"]),
                pspec("Datacenter", &["name", "parent", "vmFolder"]),
            ],
        );
        let objects = self.retrieve(vec![spec])?;
        let host_props = objects.iter().find(|p| p.moref() == host);
        let cr = host_props
            .and_then(|h| h.mo("parent"))
            .and_then(|parent| objects.iter().find(|p| p.moref().value == parent.value))
            .filter(|p| p.ty().ends_with("ComputeResource"))
            .ok_or_else(|| {
                Error::internal("Could not lookup 'ComputeResource' from 'HostSystem'")
            })?;
        let pool = cr
            .mo("resourcePool")
            .ok_or_else(|| Error::internal("Could not retrieve resource pool"))?;
        let dc = objects
            .iter()
            .find(|p| p.ty() == "Datacenter")
            .ok_or_else(|| {
                Error::internal("Could not lookup 'Datacenter' from 'ComputeResource'")
            })?;
        // The datacenter's path: the names of the folders above it, the root's excepted.
        let mut path = vec![dc.str("name").unwrap_or_default().to_string()];
        let mut parent = dc.mo("parent");
        while let Some(folder) = parent
            .as_ref()
            .and_then(|m| objects.iter().find(|p| p.moref().value == m.value))
        {
            parent = folder.mo("parent");
            if parent.is_none() {
                break;
            }
            path.push(folder.str("name").unwrap_or_default().to_string());
        }
        path.reverse();
        let ctx = HostContext {
            datacenter: dc.moref(),
            datacenter_path: path.join("/"),
            vm_folder: dc
                .mo("vmFolder")
                .unwrap_or_else(|| MoRef::new("Folder", "")),
            compute_resource: cr.moref(),
            resource_pool: pool,
            host: host.clone(),
        };
        self.settle_context(ctx, host_props)
    }

    /// Records the host facts read with `host` (and returns them); warns about maintenance
    /// mode.
    fn learn_facts(&self, host: &Props) -> HostFacts {
        let facts = HostFacts {
            management_server_ip: host
                .str("summary.managementServerIp")
                .filter(|ip| !ip.is_empty())
                .map(str::to_string),
        };
        self.note_host(host);
        if let Ok(mut f) = self.facts.lock() {
            *f = Some(facts.clone());
        }
        facts
    }

    /// What libvirt reads about a host when it connects: from the session cache or the
    /// context retrieval when `fresh` is false (no request of its own), else read now.
    /// Returns the facts and whether they were read by this connection.
    pub fn host_facts(&self, fresh: bool) -> Result<(HostFacts, bool)> {
        if !fresh {
            if let Some(f) = self.facts.lock().ok().and_then(|f| f.clone()) {
                return Ok((f, false));
            }
            if !self.has_context() {
                self.context()?;
                if let Some(f) = self.facts.lock().ok().and_then(|f| f.clone()) {
                    return Ok((f, true));
                }
            }
        }
        let host = self.host_props(HOST_FACT_PATHS)?;
        let facts = self.learn_facts(&host);
        self.save_cache();
        Ok((facts, true))
    }

    /// Whether host retrievals should bring `runtime.inMaintenanceMode` along: on a host,
    /// until the connection has seen it once (libvirt reads it when it connects; here it
    /// rides on the first retrieval that reads the host anyway).
    fn wants_maintenance(&self) -> bool {
        self.locator == Locator::OnlyHost
            && !self
                .maintenance_seen
                .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Notes the host's maintenance mode when `host` (a HostSystem's properties) has it, and
    /// warns once per connection when the host is in maintenance mode, as libvirt does.
    pub fn note_host(&self, host: &Props) {
        if self.locator != Locator::OnlyHost {
            return;
        }
        let Some(in_maintenance) = host.bool("runtime.inMaintenanceMode") else {
            return;
        };
        let first = !self
            .maintenance_seen
            .swap(true, std::sync::atomic::Ordering::Relaxed);
        if first && in_maintenance {
            self.warn(MAINTENANCE_WARNING);
        }
    }

    /// A warning for the user: libvirt logs these at level warning (virsh prints them on
    /// stderr); here they are `tracing` events at WARN level of this crate, which the CLI
    /// prints the same way.
    pub fn warn(&self, message: &str) {
        tracing::warn!("{message}");
    }

    /// The filter spec reaching the connection's host with `paths`: from the root folder on a
    /// host (no context needed), by reference on vCenter.
    pub fn host_filter(&self, paths: &[&str]) -> Result<PropertyFilterSpec> {
        let mut paths = paths.to_vec();
        if self.wants_maintenance() && !paths.contains(&"runtime.inMaintenanceMode") {
            paths.push("runtime.inMaintenanceMode");
        }
        let paths = &paths[..];
        let cached = self.ctx.lock().ok().and_then(|c| c.clone());
        if self.locator != Locator::OnlyHost || cached.is_some() {
            let ctx = self.context()?;
            Ok(filter(
                &ctx.host,
                false,
                vec![],
                vec![pspec("HostSystem", paths)],
            ))
        } else {
            Ok(filter(
                &self.root_folder(),
                true,
                host_traversal(),
                vec![pspec("HostSystem", paths)],
            ))
        }
    }

    /// Like [`Engine::host_filter`], also following `extra` (selection specs starting at the
    /// host, named `extra_names`) to objects collected with `extra_props`.
    pub fn host_filter_with(
        &self,
        paths: &[&str],
        extra: Vec<AnySelectionSpec>,
        extra_names: &[&str],
        mut extra_props: Vec<PropertySpec>,
    ) -> Result<PropertyFilterSpec> {
        let mut props = vec![pspec("HostSystem", paths)];
        props.append(&mut extra_props);
        let cached = self.ctx.lock().ok().and_then(|c| c.clone());
        if self.locator != Locator::OnlyHost || cached.is_some() {
            let ctx = self.context()?;
            Ok(filter(&ctx.host, false, extra, props))
        } else {
            let mut select = vec![
                trav(
                    "folderChildren",
                    "Folder",
                    "childEntity",
                    &["folderChildren", "dcHosts", "crHosts"],
                ),
                trav("dcHosts", "Datacenter", "hostFolder", &["folderChildren"]),
                trav("crHosts", "ComputeResource", "host", extra_names),
            ];
            select.extend(extra);
            Ok(filter(&self.root_folder(), true, select, props))
        }
    }

    /// The host's properties (one retrieval).
    pub fn host_props(&self, paths: &[&str]) -> Result<Props> {
        let spec = self.host_filter(paths)?;
        let mut all = self.retrieve(vec![spec])?;
        if all.is_empty() {
            return Err(Error::internal("Could not find host system"));
        }
        let host = all.swap_remove(0);
        self.note_host(&host);
        Ok(host)
    }

    /// The filter spec reaching every VM of the connection's host (libvirt lists the VMs of
    /// the host a vpx:// URI names, not the whole datacenter).
    pub fn vms_filter(&self, paths: &[&str]) -> Result<PropertyFilterSpec> {
        let vm_props = vec![pspec("VirtualMachine", paths)];
        let host_vms = vec![trav("hostVms", "HostSystem", "vm", &[])];
        let cached = self.ctx.lock().ok().and_then(|c| c.clone());
        if self.locator != Locator::OnlyHost || cached.is_some() {
            let ctx = self.context()?;
            Ok(filter(&ctx.host, true, host_vms, vm_props))
        } else {
            Ok(filter(
                &self.root_folder(),
                true,
                every_host_vm_traversal(),
                vm_props,
            ))
        }
    }

    /// Every host of the inventory (all datacenters, whatever the connection's host) with
    /// `host_paths`, and every VM of those hosts with `vm_paths`: one paged retrieval, the
    /// hosts being collected on the way down to their VMs. Returns (hosts, VMs).
    pub fn every_host_and_vm(
        &self,
        host_paths: &[&str],
        vm_paths: &[&str],
    ) -> Result<(Vec<Props>, Vec<Props>)> {
        let spec = filter(
            &self.root_folder(),
            true,
            every_host_vm_traversal(),
            vec![
                pspec("HostSystem", host_paths),
                pspec("VirtualMachine", vm_paths),
            ],
        );
        let all = self.retrieve(vec![spec])?;
        let (hosts, vms): (Vec<Props>, Vec<Props>) =
            all.into_iter().partition(|p| p.ty() == "HostSystem");
        Ok((
            hosts,
            vms.into_iter()
                .filter(|p| p.ty() == "VirtualMachine")
                .collect(),
        ))
    }

    /// Every VM with `paths` (one paged retrieval).
    pub fn all_vms(&self, paths: &[&str]) -> Result<Vec<Props>> {
        let spec = self.vms_filter(paths)?;
        let all = self.retrieve(vec![spec])?;
        Ok(all
            .into_iter()
            .filter(|p| p.ty() == "VirtualMachine")
            .collect())
    }

    /// One object's properties; `None` when the object does not exist.
    pub fn object_props(&self, obj: &MoRef, paths: &[&str]) -> Result<Option<Props>> {
        let spec = filter(obj, false, vec![], vec![pspec(&obj.ty, paths)]);
        let r = self.retrieve(vec![spec]);
        match r {
            Ok(mut v) => Ok(if v.is_empty() {
                None
            } else {
                Some(v.swap_remove(0))
            }),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Several filter specs in one retrieval. While the service content is still to come,
    /// it comes with this retrieval.
    pub fn retrieve(&self, mut specs: Vec<PropertyFilterSpec>) -> Result<Vec<Props>> {
        let pending = self.content_pending();
        if pending {
            specs.push(service_content_filter());
        }
        let mut objects = self.run_early(|c| {
            let specs = specs.clone();
            async move { retrieve_all(&c, &specs).await }
        })?;
        if pending {
            self.adopt_content(&mut objects)?;
        }
        Ok(objects)
    }

    /// Runs `fut` on the runtime as it is: unlike [`Engine::run`] it is never run twice,
    /// for work that consumes its input (a streamed upload).
    pub fn block_on<F: Future>(&self, fut: F) -> F::Output {
        self.rt.block_on(fut)
    }

    /// `/folder` download.
    pub fn get_file(&self, path_and_query: &str) -> Result<Vec<u8>> {
        let p = path_and_query.to_string();
        self.run(|c| {
            let p = p.clone();
            async move { c.get_file(&p).await.map(|b| b.to_vec()).map_err(vi_err) }
        })
    }

    /// `/folder` upload.
    pub fn put_file(&self, path_and_query: &str, data: Vec<u8>) -> Result<()> {
        let p = path_and_query.to_string();
        self.run(|c| {
            let p = p.clone();
            let data = bytes::Bytes::from(data.clone());
            async move { c.put_file(&p, data).await.map_err(vi_err) }
        })
    }

    /// The host's AutoStartManager when already known (no request).
    pub fn known_autostart_manager(&self) -> Option<MoRef> {
        self.learnt.lock().ok()?.autostart_manager.clone()
    }

    /// The host's AutoStartManager: remembered (and kept in the session cache) after the
    /// first retrieval, since it never changes for a host.
    pub fn autostart_manager(&self) -> Result<MoRef> {
        if let Some(m) = self.known_autostart_manager() {
            return Ok(m);
        }
        let host = self.host_props(&["configManager.autoStartManager"])?;
        let manager = host
            .mo("configManager.autoStartManager")
            .ok_or_else(|| Error::internal("Could not retrieve the AutoStartManager object"))?;
        if let Ok(mut learnt) = self.learnt.lock() {
            learnt.autostart_manager = Some(manager.clone());
        }
        self.save_cache();
        Ok(manager)
    }

    /// Runs `f` on the remembered VMs of one kind (None when the lock is poisoned).
    fn with_hints<R>(&self, kind: HintKind, f: impl FnOnce(&mut NameHints) -> R) -> Option<R> {
        let mut learnt = self.learnt.lock().ok()?;
        Some(f(match kind {
            HintKind::Name => &mut learnt.vm_names,
            HintKind::Uuid => &mut learnt.vm_uuids,
        }))
    }

    /// The VM that recently had this name or UUID, if one is remembered (no request).
    pub fn vm_hint(&self, kind: HintKind, key: &str) -> Option<MoRef> {
        self.with_hints(kind, |h| h.get(key).cloned()).flatten()
    }

    /// Remembers which VM has this name or UUID (saved with the session when it changes).
    pub fn remember_vm(&self, kind: HintKind, key: &str, moref: &MoRef) {
        let changed = self
            .with_hints(kind, |h| h.remember(key, moref))
            .unwrap_or(false);
        if changed {
            self.save_cache();
        }
    }

    /// Forgets a name or UUID whose remembered VM proved stale.
    pub fn forget_vm(&self, kind: HintKind, key: &str) {
        let changed = self.with_hints(kind, |h| h.forget(key)).unwrap_or(false);
        if changed {
            self.save_cache();
        }
    }

    /// Whether the host supports screenshots: one retrieval the first time, then remembered
    /// (a capability of the host, kept in the session cache).
    pub fn screenshot_supported(&self) -> Result<bool> {
        if let Some(known) = self.learnt.lock().ok().and_then(|l| l.screenshot_supported) {
            return Ok(known);
        }
        let host = self.host_props(&[SCREENSHOT_SUPPORTED])?;
        let supported = host.bool(SCREENSHOT_SUPPORTED) == Some(true);
        self.learn_screenshot_supported(supported);
        Ok(supported)
    }

    /// Whether the host's screenshot capability is known yet.
    pub fn knows_screenshot_support(&self) -> bool {
        self.learnt
            .lock()
            .map(|l| l.screenshot_supported.is_some())
            .unwrap_or(false)
    }

    /// Keeps the host's screenshot capability read along with something else.
    pub fn learn_screenshot_supported(&self, supported: bool) {
        let changed = self
            .learnt
            .lock()
            .map(|mut l| l.screenshot_supported.replace(supported) != Some(supported))
            .unwrap_or(false);
        if changed {
            self.save_cache();
        }
    }

    /// The counter ids `domstats` uses, when known (no request).
    pub fn known_perf_counters(&self) -> Option<Vec<(String, i32)>> {
        self.learnt.lock().ok()?.perf_counters.clone()
    }

    /// Records the counter ids read from the PerformanceManager's catalogue.
    pub fn learn_perf_counters(&self, ids: Vec<(String, i32)>) {
        if let Ok(mut learnt) = self.learnt.lock() {
            learnt.perf_counters = Some(ids);
        }
        self.save_cache();
    }

    /// Records the host's AutoStartManager learnt by a retrieval made for something else.
    pub fn learn_autostart_manager(&self, manager: MoRef) {
        let changed = self
            .learnt
            .lock()
            .map(|mut l| l.autostart_manager.replace(manager.clone()) != Some(manager))
            .unwrap_or(false);
        if changed {
            self.save_cache();
        }
    }

    /// Whether the session lives in the session cache (and so outlives this process).
    pub fn session_is_cached(&self) -> bool {
        self.cache.is_some()
    }

    /// Logs out.
    pub fn logout(&self) -> Result<()> {
        if let Some((cache, key)) = &self.cache {
            cache.remove(key);
        }
        self.rt.block_on(self.client.close()).map_err(vi_err)
    }
}

/// The host property that says whether VM screenshots can be taken.
pub(crate) const SCREENSHOT_SUPPORTED: &str = "capability.screenshotSupported";

/// The ids a scheme's servers are known to have before their service content is (none for
/// gsx://, whose servers are too varied to count on).
fn well_known_of(scheme: Scheme) -> Option<WellKnown> {
    match scheme {
        Scheme::Esx => Some(WellKnown::HostAgent),
        Scheme::Vpx => Some(WellKnown::VirtualCenter),
        Scheme::Gsx | Scheme::Sim => None,
    }
}

/// Until the service content comes: the product line the scheme expects, version unknown.
fn provisional_product(scheme: Scheme) -> Product {
    Product {
        line: ProductLine::expected_for(scheme),
        version: 0,
    }
}

/// Whether an early login's failure is the answer (bad credentials, an unreachable
/// server) rather than a sign that the server is not of the kind the scheme says.
fn early_login_failure_is_final(e: &vi::Error) -> bool {
    matches!(
        e,
        vi::Error::Fault(vi::Fault::InvalidLogin { .. })
            | vi::Error::ConnectionRefused { .. }
            | vi::Error::Connect { .. }
            | vi::Error::Connection { .. }
            | vi::Error::Tls { .. }
            | vi::Error::Proxy { .. }
            | vi::Error::Timeout { .. }
            | vi::Error::Config(_)
    )
}

/// The product `about` names, checked as libvirt does and against the URI's scheme.
fn checked_product(about: &vi::AboutInfo, scheme: Scheme, host: &str) -> Result<Product> {
    let product = product::check(
        &about.api_type,
        &about.api_version,
        &about.version,
        &about.product_line_id,
    )?;
    if scheme != Scheme::Sim {
        product::expect(&product, scheme, host)?;
    }
    Ok(product)
}

/// The ServiceInstance's `content` (what RetrieveServiceContent answers), as a filter to
/// add to a retrieval.
fn service_content_filter() -> PropertyFilterSpec {
    filter(
        &MoRef::new("ServiceInstance", "ServiceInstance"),
        false,
        vec![],
        vec![pspec("ServiceInstance", &["content"])],
    )
}

pub(crate) fn is_not_authenticated(e: &Error) -> bool {
    std::error::Error::source(e)
        .and_then(|s| s.downcast_ref::<vi::Error>())
        .map(|v| v.is_not_authenticated())
        .unwrap_or(false)
}

pub(crate) fn is_not_found(e: &Error) -> bool {
    std::error::Error::source(e)
        .and_then(|s| s.downcast_ref::<vi::Error>())
        .map(|v| matches!(v, vi::Error::Fault(vi::Fault::ManagedObjectNotFound { .. })))
        .unwrap_or(false)
}

/// RetrievePropertiesEx with continuation: every object, in server order.
pub(crate) async fn retrieve_all(c: &Client, specs: &[PropertyFilterSpec]) -> Result<Vec<Props>> {
    // Large pages: a 10,000-VM listing is one request plus a few continuations.
    let options = RetrieveOptions {
        max_objects: Some(5000),
    };
    let mut out = Vec::new();
    let mut page = c
        .retrieve_properties_ex(specs, &options)
        .await
        .map_err(vi_err)?;
    while let Some(result) = page {
        out.extend(result.objects.into_iter().map(Props::from_content));
        page = match result.token {
            Some(token) => Some(
                c.continue_retrieve_properties_ex(&token)
                    .await
                    .map_err(vi_err)?,
            ),
            None => None,
        };
    }
    Ok(out)
}

/// Starts the simulator for a `sim:` URI and returns its URL and credentials.
pub(crate) fn start_sim(
    uri: &Uri,
    options: &OpenOptions,
) -> Result<(String, Credentials, Box<dyn std::any::Any + Send + Sync>)> {
    let starter = options.sim.as_ref().ok_or_else(|| {
        Error::invalid_arg(format!(
            "URI '{}' needs the embedded simulator, which this program does not provide",
            uri.to_connected_string()
        ))
    })?;
    let target = uri.sim.clone().unwrap_or(SimTarget::Default);
    let endpoint = starter.start(&target).map_err(Error::internal)?;
    let creds = Credentials {
        username: endpoint.username.clone(),
        password: crate::auth::Password::new(endpoint.password.clone()),
    };
    Ok((endpoint.sdk_url, creds, endpoint.guard))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_hints_keep_the_latest_names() {
        let mut h = NameHints::default();
        let vm = |n: usize| MoRef::new("VirtualMachine", &n.to_string());
        assert!(h.remember("a", &vm(1)));
        assert!(!h.remember("a", &vm(1)), "unchanged");
        assert!(h.remember("a", &vm(2)), "a new object for the name");
        assert_eq!(h.get("a"), Some(&vm(2)));
        for n in 0..NameHints::CAPACITY {
            h.remember(&format!("vm{n}"), &vm(n + 10));
        }
        assert_eq!(h.0.len(), NameHints::CAPACITY);
        assert_eq!(h.get("a"), None, "the oldest name went");
        assert_eq!(h.get("vm0"), Some(&vm(10)));
        assert!(h.forget("vm0"));
        assert!(!h.forget("vm0"));
        assert_eq!(h.get("vm0"), None);
    }

    #[test]
    fn name_hints_round_trip_through_the_cache_format() {
        let mut ctx = CachedContext::default();
        ctx.learnt
            .vm_names
            .remember("web server 01", &MoRef::new("VirtualMachine", "vm-7"));
        let text = serde_json::to_string(&ctx).expect("serialize");
        assert!(
            text.contains(r#""vm_names":"#),
            "kept under its old key: {text}"
        );
        let back: CachedContext = serde_json::from_str(&text).expect("parse");
        assert_eq!(back.learnt.vm_names, ctx.learnt.vm_names);
        // Files written before names were kept still load.
        let old: CachedContext =
            serde_json::from_str(r#"{"product":null,"host":null}"#).expect("old file");
        assert_eq!(old.learnt.vm_names, NameHints::default());
    }
}
