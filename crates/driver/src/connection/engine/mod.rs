//! The engine: the low-level core every object module builds on. One vSphere session
//! (esxvirt-vi's async client driven by a private single-threaded runtime) with what it
//! learns: the server's product, the resolved host context, facts and hints kept with the
//! session in the session cache, and the connection's object cache. It runs reads
//! ([`Engine::run`]: one re-login for a cached session the server no longer accepts) and
//! changes ([`change`]: the one path of every write, reconciled with the server when an
//! answer is lost), retrieves properties ([`query`]), runs and waits for tasks ([`tasks`],
//! [`task_record`]), and knows nothing of libvirt's objects.
//!
//! Round trips are designed down: a new session on esx:// or vpx:// logs in at the server's
//! well-known session manager and its first retrieval brings the service content (and the
//! product check) along; host and VM reads on esx:// are one RetrievePropertiesEx traversing
//! from the root folder; vpx:// resolves its host path once (one retrieval, cached with the
//! session).

use std::future::Future;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use esxvirt_vi::props::service_instance;
use esxvirt_vi::{Client, ManagedObjectReference, ServiceContent};

use super::auth::{AuthCallback, AuthConfig};
use super::product::{self, Product, ProductLine};
use super::session_cache::SessionCache;
use super::uri::{Scheme, Uri};
use crate::error::{is_not_authenticated, vi_err, Error, Result};

pub(crate) mod cache;
pub(crate) mod change;
pub(crate) mod context;
pub(crate) mod learnt;
pub(crate) mod props;
pub(crate) mod query;
pub(crate) mod specs;
pub(crate) mod task_record;
pub(crate) mod tasks;

pub(crate) use cache::{Fill, ObjectCache};
pub(crate) use change::{Change, Landed, Progress};
pub(crate) use context::{HostContext, HostFacts, Locator};
pub(crate) use learnt::HintKind;
pub(crate) use props::Props;

/// The ServiceInstance, the one object every server has under the same id.
pub(crate) fn service_instance() -> ManagedObjectReference {
    ManagedObjectReference::new(service_instance::TYPE, service_instance::TYPE)
}

/// A session whose credentials are still to resolve: it came from the session cache, and
/// the server may no longer accept it.
pub(crate) struct PendingLogin {
    /// Asks for what neither the URI nor auth.conf give.
    pub auth: Option<Arc<dyn AuthCallback>>,
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
    /// The connection's host as the first host retrieval found it (before the context).
    host: Mutex<Option<ManagedObjectReference>>,
    /// What the connection read about the host (esx://).
    facts: Mutex<Option<HostFacts>>,
    /// Whether the host's maintenance mode has been seen (and warned about) yet.
    maintenance_seen: AtomicBool,
    /// What was learnt about the host and its VMs (kept with the session in the cache).
    learnt: Mutex<learnt::Learnt>,
    /// Credentials to resolve should the cached session be refused.
    pending_login: Mutex<Option<PendingLogin>>,
    /// Where the session is kept between runs, and under which key.
    session_file: Option<(SessionCache, String)>,
    /// What this connection last read of each object.
    pub objects: ObjectCache,
    pub auto_answer: bool,
}

/// How an engine starts: what the opening found out.
pub(crate) struct EngineParts {
    pub client: Client,
    pub uri: Uri,
    pub product: Product,
    pub locator: Locator,
    pub services: Vec<&'static str>,
    pub session_file: Option<(SessionCache, String)>,
    /// What the session cache had, for a resumed session.
    pub cached: Option<learnt::CachedContext>,
    pub pending_login: Option<PendingLogin>,
}

/// The engine's I/O runtime.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::internal(format!("cannot start the I/O runtime: {e}")))
}

/// auth.conf, when there is one for `uri`.
pub(crate) fn auth_config(uri: &Uri) -> Result<Option<AuthConfig>> {
    match super::auth::auth_file_path(uri) {
        Some(path) => AuthConfig::load(&path).map(Some),
        None => Ok(None),
    }
}

/// The product `about` names, checked as libvirt does and against the URI's scheme.
pub(crate) fn checked_product(
    about: &esxvirt_vi::AboutInfo,
    scheme: Scheme,
    host: &str,
) -> Result<Product> {
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

impl Engine {
    /// An engine over a logged-in (or resumed) client.
    pub fn new(rt: tokio::runtime::Runtime, parts: EngineParts) -> Engine {
        let cached = parts.cached.unwrap_or_default();
        Engine {
            rt,
            client: parts.client,
            auto_answer: parts.uri.params.auto_answer,
            uri: parts.uri,
            product: Mutex::new(parts.product),
            locator: parts.locator,
            services: parts.services,
            ctx: Mutex::new(cached.host),
            host: Mutex::new(None),
            facts: Mutex::new(cached.host_facts),
            maintenance_seen: Default::default(),
            learnt: Mutex::new(cached.learnt),
            pending_login: Mutex::new(parts.pending_login),
            session_file: parts.session_file,
            objects: ObjectCache::default(),
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

    /// Whether the service content is still to come (see the opening's early login).
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
        let at = objects
            .iter()
            .position(|p| p.ty() == service_instance::TYPE);
        let sent = at.and_then(|i| objects.remove(i).take(service_instance::CONTENT));
        let sc: ServiceContent = match sent {
            Some(sc) => sc,
            None => self.run_early(|c| async move {
                c.retrieve_service_content(&service_instance())
                    .await
                    .map_err(vi_err)
            })?,
        };
        let product = checked_product(&sc.about, self.uri.scheme, &self.uri.host)?;
        self.client.adopt_service_content(sc);
        if let Ok(mut p) = self.product.lock() {
            *p = product;
        }
        self.save_session();
        Ok(())
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
    ///
    /// This is the path of reads: an operation that changes the server goes through
    /// [`Engine::change`] (debug builds check that none slipped through here).
    pub fn run_early<T, F, Fut>(&self, op: F) -> Result<T>
    where
        F: Fn(Client) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let changes = self.client.changes_sent();
        let r = match self.rt.block_on(op(self.client.clone())) {
            Err(e) if is_not_authenticated(&e) && self.renew_cached_session()? => {
                self.rt.block_on(op(self.client.clone()))
            }
            other => other,
        };
        debug_assert_eq!(
            self.client.changes_sent(),
            changes,
            "a change was sent outside Engine::change"
        );
        r
    }

    /// Logs in again after the server refused the session as not authenticated: with
    /// credentials resolved now for a session that came from the cache (see
    /// [`PendingLogin`]), else with those of this session's login. `Ok(false)` when there
    /// is nothing to log in with.
    pub(crate) fn renew_session(&self) -> Result<bool> {
        if self.renew_cached_session()? {
            return Ok(true);
        }
        self.rt
            .block_on(self.client.renew_session())
            .map_err(vi_err)
    }

    /// Logs in with freshly resolved credentials when the session came from the cache and
    /// has not been renewed yet (`Ok(false)` otherwise).
    fn renew_cached_session(&self) -> Result<bool> {
        let pending = self.pending_login.lock().ok().and_then(|mut p| p.take());
        let Some(pending) = pending else {
            return Ok(false);
        };
        if let Some((cache, key)) = &self.session_file {
            cache.remove(key);
        }
        let config = auth_config(&self.uri)?;
        let creds = super::auth::resolve_credentials_for(
            &self.uri,
            &self.services,
            &self.uri.host,
            config.as_ref(),
            pending.auth.as_deref(),
        )?;
        self.rt
            .block_on(self.client.login(&creds.username, creds.password.expose()))
            .map_err(vi_err)?;
        self.save_session();
        Ok(true)
    }

    /// Runs `fut` on the runtime as it is: unlike [`Engine::run`] it is never run twice,
    /// for reads that consume their input or output (a streamed download).
    pub fn block_on<F: Future>(&self, fut: F) -> F::Output {
        self.rt.block_on(fut)
    }

    /// `/folder` (or `/screen`) download.
    pub fn get_file(&self, path_and_query: &str) -> Result<Vec<u8>> {
        let p = path_and_query.to_string();
        self.run(|c| {
            let p = p.clone();
            async move { c.get_file(&p).await.map(|b| b.to_vec()).map_err(vi_err) }
        })
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

    /// Whether the server is a vCenter (as known now, see [`Engine::product_line`]).
    pub fn is_vcenter(&self) -> bool {
        self.product_now().line == ProductLine::Vpx
    }

    /// The inventory's root folder.
    pub fn root_folder(&self) -> ManagedObjectReference {
        self.client.service_content().root_folder.clone()
    }

    /// The PerformanceManager named by the service content, if the server has one.
    /// One of the well-known objects: known before the service content is.
    pub fn perf_manager(&self) -> Option<ManagedObjectReference> {
        self.client.service_content().perf_manager.clone()
    }

    /// Whether the session lives in the session cache (and so outlives this process).
    pub fn session_is_cached(&self) -> bool {
        self.session_file.is_some()
    }

    /// Logs out.
    pub fn logout(&self) -> Result<()> {
        if let Some((cache, key)) = &self.session_file {
            cache.remove(key);
        }
        self.rt.block_on(self.client.close()).map_err(vi_err)
    }

    /// A warning for the user: libvirt logs these at level warning (virsh prints them on
    /// stderr); here they are `tracing` events at WARN level of this crate, which the CLI
    /// prints the same way.
    pub fn warn(&self, message: &str) {
        tracing::warn!("{message}");
    }
}
