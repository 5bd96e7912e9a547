//! The client: configuration, the connection and its session state (service content, cookie,
//! credentials, request counter), sending one SOAP call (with one re-login and retry of a
//! read after the session expired), the saved form of a session (so a later process can
//! resume it), and plain HTTP file transfers (`/folder/...`, `/screen?...`) through the same
//! session. The typed calls are generated (`methods`); connecting and logging in, which use
//! them, are in `session`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard};
use std::time::Duration;

use bytes::Bytes;

use crate::codec::{decode_document, Decode, Encode, ManagedObjectReference, XmlWriter};
use crate::error::Error;
use crate::fault::Fault;
use crate::soap::{decode_response, Response};
use crate::thumbprint::Pin;
use crate::transport::{split_host_port, Endpoint, Proxy, Transport};
use crate::trust::Trust;
use crate::types::{AboutInfo, ServiceContent, UserSession};

/// How to reach a server.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// `https://host[:port]/sdk` or `http://host[:port]/sdk` (the path defaults to `/sdk`).
    pub url: String,
    /// Skip certificate verification (libvirt's `no_verify=1`).
    pub no_verify: bool,
    /// CA certificates (PEM) trusted instead of the bundled and system roots (libvirt's
    /// `cacert=`).
    pub ca_file: Option<PathBuf>,
    /// Certificate pins: when there are any, the server certificate is trusted if and only
    /// if it matches one, whatever its issuer and names.
    pub pins: Vec<Pin>,
    /// How to trust a refused certificate, in the caller's terms: ends the error.
    pub trust_advice: Option<String>,
    /// A proxy to connect through.
    pub proxy: Option<Proxy>,
    /// Limit for opening the connection (TCP, proxy, TLS).
    pub connect_timeout: Duration,
    /// Limit for one request, from sending it to having read the whole response.
    pub request_timeout: Duration,
    /// Largest response body accepted.
    pub max_response_bytes: u64,
}

impl ClientConfig {
    /// A configuration with default timeouts (30 s connect, 120 s request) and a 512 MiB
    /// response limit; certificates are verified.
    pub fn new(url: impl Into<String>) -> Self {
        ClientConfig {
            url: url.into(),
            no_verify: false,
            ca_file: None,
            pins: Vec::new(),
            trust_advice: None,
            proxy: None,
            connect_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(120),
            max_response_bytes: 512 << 20,
        }
    }
}

/// A password that never appears in Debug output or logs.
#[derive(Clone)]
struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Clone, Debug)]
struct Credentials {
    user: String,
    password: Secret,
}

/// What a later process needs to resume a session without any request: the session
/// cookie and the service content. Serialise it with [`SavedSession::to_xml`].
#[derive(Clone, Debug, PartialEq)]
pub struct SavedSession {
    /// `vmware_soap_session="..."` (name=value, as sent in the Cookie header).
    pub cookie: String,
    /// The server's service content.
    pub service_content: ServiceContent,
}

impl SavedSession {
    /// A small XML document holding the session (keep it private: the cookie is a secret).
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::new();
        w.buf
            .push_str("<session xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">");
        w.simple("cookie", &self.cookie);
        self.service_content.encode(&mut w, "serviceContent");
        w.buf.push_str("</session>");
        w.buf
    }

    /// Parses what [`SavedSession::to_xml`] wrote.
    pub fn from_xml(xml: &str) -> Result<SavedSession, Error> {
        let mut r = crate::codec::XmlReader::new(xml.as_bytes());
        let bad = |e: crate::codec::DecodeError| Error::Config(format!("bad saved session: {e}"));
        let root = r.root().map_err(bad)?;
        let mut cookie = None;
        let mut sc = None;
        if !root.empty {
            while let Some(t) = r.next_child().map_err(bad)? {
                match t.local() {
                    b"cookie" => cookie = Some(r.text(&t).map_err(bad)?.into_owned()),
                    b"serviceContent" => {
                        sc = Some(ServiceContent::decode(&mut r, &t).map_err(bad)?)
                    }
                    _ => r.skip(&t).map_err(bad)?,
                }
            }
        }
        match (cookie, sc) {
            (Some(cookie), Some(service_content)) if !cookie.is_empty() => Ok(SavedSession {
                cookie,
                service_content,
            }),
            _ => Err(Error::Config(
                "bad saved session: cookie or service content missing".into(),
            )),
        }
    }
}

struct Inner {
    transport: Transport,
    path: String,
    /// The server's service content with the SOAPAction its API version gives; provisional
    /// (no `about`) for a client made with [`Client::for_well_known`] until it is adopted.
    content: RwLock<Content>,
    cookies: Mutex<BTreeMap<String, String>>,
    creds: Mutex<Option<Credentials>>,
    requests: AtomicU64,
    /// Requests sent that may change the server (see [`Client::changes_sent`]).
    changes: AtomicU64,
    relogin: tokio::sync::Mutex<()>,
    task_wait: tokio::sync::Mutex<()>,
    request_timeout: Duration,
}

struct Content {
    service_content: Arc<ServiceContent>,
    soap_action: String,
}

impl Content {
    fn of(service_content: ServiceContent) -> Content {
        let soap_action = if service_content.about.api_version.is_empty() {
            INITIAL_SOAP_ACTION.to_string()
        } else {
            format!("urn:vim25/{}", service_content.about.api_version)
        };
        Content {
            service_content: Arc::new(service_content),
            soap_action,
        }
    }
}

/// The managed objects that every server of a kind has under the same id, known before
/// its service content is: enough to log in, search, retrieve properties and read
/// performance counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WellKnown {
    /// An ESX(i) host agent (hostd): `ha-sessionmgr`, `ha-property-collector`, ...
    HostAgent,
    /// A vCenter Server (vpxd): `SessionManager`, `propertyCollector`, ...
    VirtualCenter,
}

impl WellKnown {
    /// A service content holding only these objects (and no `about`).
    pub fn provisional_content(self) -> ServiceContent {
        let mo = ManagedObjectReference::new;
        let [root, pc, sm, si, pm] = match self {
            WellKnown::HostAgent => [
                "ha-folder-root",
                "ha-property-collector",
                "ha-sessionmgr",
                "ha-searchindex",
                "ha-perfmgr",
            ],
            WellKnown::VirtualCenter => [
                "group-d1",
                "propertyCollector",
                "SessionManager",
                "SearchIndex",
                "PerfMgr",
            ],
        };
        ServiceContent {
            root_folder: mo("Folder", root),
            property_collector: mo("PropertyCollector", pc),
            session_manager: Some(mo("SessionManager", sm)),
            search_index: Some(mo("SearchIndex", si)),
            perf_manager: Some(mo("PerformanceManager", pm)),
            ..ServiceContent::default()
        }
    }
}

/// A connection to one vSphere server (ESX host or vCenter). Cheap to clone; clones share
/// the connection and session.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.transport.endpoint)
            .field("api_version", &self.about().api_version)
            .finish_non_exhaustive()
    }
}

/// The SOAPAction sent before the server's API version is known.
const INITIAL_SOAP_ACTION: &str = "urn:vim25/5.0";

pub(crate) fn parse_url(url: &str) -> Result<(Endpoint, String), Error> {
    let bad = |why: &str| Error::Config(format!("invalid server URL '{url}': {why}"));
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("expected http:// or https://"))?;
    let https = match scheme.to_ascii_lowercase().as_str() {
        "https" => true,
        "http" => false,
        _ => return Err(bad("the scheme must be http or https")),
    };
    let (authority, path) = match rest.find('/') {
        Some(p) => (&rest[..p], &rest[p..]),
        None => (rest, "/sdk"),
    };
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = split_host_port(authority, if https { 443 } else { 80 })
        .ok_or_else(|| bad("missing host or bad port"))?;
    let path = if path == "/" || path.is_empty() {
        "/sdk"
    } else {
        path
    };
    Ok((Endpoint { https, host, port }, path.to_string()))
}

impl Client {
    /// A client for `cfg` that has sent nothing yet, knowing `service_content`.
    pub(crate) fn build(
        cfg: &ClientConfig,
        service_content: ServiceContent,
    ) -> Result<Client, Error> {
        let (endpoint, path) = parse_url(&cfg.url)?;
        let trust = Trust {
            no_verify: cfg.no_verify,
            ca_file: cfg.ca_file.as_deref(),
            pins: &cfg.pins,
        };
        let transport = Transport::new(
            endpoint,
            cfg.proxy.clone(),
            &trust,
            cfg.trust_advice.as_deref(),
            (cfg.connect_timeout, cfg.request_timeout),
            cfg.max_response_bytes,
        )?;
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                path,
                content: RwLock::new(Content::of(service_content)),
                cookies: Mutex::new(BTreeMap::new()),
                creds: Mutex::new(None),
                requests: AtomicU64::new(0),
                changes: AtomicU64::new(0),
                relogin: tokio::sync::Mutex::new(()),
                task_wait: tokio::sync::Mutex::new(()),
                request_timeout: cfg.request_timeout,
            }),
        })
    }

    /// A client that has sent no request and knows only the objects `kind` has under fixed
    /// ids (see [`WellKnown`]): it can log in, search and retrieve properties, so the
    /// service content (property `content` of the ServiceInstance) can come with the first
    /// retrieval instead of a RetrieveServiceContent of its own. Until
    /// [`Client::adopt_service_content`], `about` is empty and calls to other managers
    /// fail with [`Error::NotSupported`].
    pub fn for_well_known(cfg: ClientConfig, kind: WellKnown) -> Result<Client, Error> {
        Client::build(&cfg, kind.provisional_content())
    }

    /// Replaces the service content (and the SOAPAction its API version gives), e.g. with
    /// the one a retrieval brought for a client made by [`Client::for_well_known`].
    pub fn adopt_service_content(&self, sc: ServiceContent) {
        *self
            .inner
            .content
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Content::of(sc);
    }

    /// Whether the service content is still the provisional one of [`Client::for_well_known`].
    pub fn service_content_is_provisional(&self) -> bool {
        self.service_content().about.api_version.is_empty()
    }

    /// A client for a session saved earlier: no request is sent. Give it credentials with
    /// [`Client::set_credentials`] so an expired session is renewed on the first read.
    pub fn resume(cfg: ClientConfig, saved: SavedSession) -> Result<Client, Error> {
        let client = Client::build(&cfg, saved.service_content)?;
        client.set_cookie_pair(&saved.cookie);
        Ok(client)
    }

    /// The session to save for [`Client::resume`], when there is a session cookie.
    pub fn saved_session(&self) -> Option<SavedSession> {
        self.session_cookie().map(|cookie| SavedSession {
            cookie,
            service_content: (*self.service_content()).clone(),
        })
    }

    pub(crate) fn inner_task_wait(&self) -> &tokio::sync::Mutex<()> {
        &self.inner.task_wait
    }

    pub(crate) fn request_timeout(&self) -> Duration {
        self.inner.request_timeout
    }

    /// The service content (fetched at connect time, or adopted).
    pub fn service_content(&self) -> Arc<ServiceContent> {
        self.content().service_content.clone()
    }

    /// The server's about info (product, version, `apiType` HostAgent or VirtualCenter).
    pub fn about(&self) -> AboutInfo {
        self.service_content().about.clone()
    }

    fn soap_action(&self) -> String {
        self.content().soap_action.clone()
    }

    /// The content lock, read (no writer can leave it half-written: a poisoned lock
    /// still holds a whole `Content`).
    fn content(&self) -> RwLockReadGuard<'_, Content> {
        self.inner
            .content
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The number of HTTP requests (SOAP calls and file transfers) sent so far.
    pub fn request_count(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// The session cookie (`vmware_soap_session=...`), once the server has set one.
    pub fn session_cookie(&self) -> Option<String> {
        let c = self.inner.cookies.lock().ok()?;
        c.get("vmware_soap_session")
            .map(|v| format!("vmware_soap_session={v}"))
    }

    /// Uses `cookie` (`name=value`, e.g. from [`Client::session_cookie`]) for the session.
    pub fn with_session_cookie(self, cookie: &str) -> Client {
        self.set_cookie_pair(cookie);
        self
    }

    fn set_cookie_pair(&self, pair: &str) {
        let pair = pair.split(';').next().unwrap_or("").trim();
        if let Some((k, v)) = pair.split_once('=') {
            if let Ok(mut c) = self.inner.cookies.lock() {
                c.insert(k.trim().to_string(), v.trim().to_string());
            }
        }
    }

    pub(crate) fn cookie_header(&self) -> Option<String> {
        let c = self.inner.cookies.lock().ok()?;
        if c.is_empty() {
            return None;
        }
        Some(
            c.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; "),
        )
    }

    /// Keeps the cookies a response sets.
    pub(crate) fn take_cookies(&self, headers: &http::HeaderMap) {
        for v in headers.get_all(http::header::SET_COOKIE) {
            if let Ok(v) = v.to_str() {
                self.set_cookie_pair(v);
            }
        }
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    pub(crate) fn count_request(&self) {
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// The number of requests sent so far that may change something on the server: SOAP
    /// calls other than reads and session bookkeeping (see [`changes_nothing`]), and file
    /// uploads. A caller that routes every change through one path can check with it that
    /// a read path sent none.
    pub fn changes_sent(&self) -> u64 {
        self.inner.changes.load(Ordering::Relaxed)
    }

    pub(crate) fn count_change(&self) {
        self.inner.changes.fetch_add(1, Ordering::Relaxed);
    }

    /// Remembers credentials for renewing an expired session (no request is sent).
    pub fn set_credentials(&self, user: &str, password: &str) {
        if let Ok(mut c) = self.inner.creds.lock() {
            *c = Some(Credentials {
                user: user.to_string(),
                password: Secret(password.to_string()),
            });
        }
    }

    /// Forgets the credentials and the session cookie (after a logout).
    pub(crate) fn forget_session(&self) {
        if let Ok(mut c) = self.inner.creds.lock() {
            *c = None;
        }
        if let Ok(mut c) = self.inner.cookies.lock() {
            c.clear();
        }
    }

    /// Whether credentials are known (a login happened or they were set).
    pub(crate) fn has_credentials(&self) -> bool {
        self.inner
            .creds
            .lock()
            .map(|c| c.is_some())
            .unwrap_or(false)
    }

    pub(crate) async fn relogin(&self) -> Result<bool, Error> {
        let _guard = self.inner.relogin.lock().await;
        let creds = self.inner.creds.lock().ok().and_then(|c| c.clone());
        let Some(creds) = creds else { return Ok(false) };
        tracing::debug!(user = %creds.user, "session expired; logging in again");
        // Sent with `post` (not `invoke`): a login is never retried.
        let sc = self.service_content();
        let sm = sc
            .session_manager
            .as_ref()
            .ok_or(Error::NotSupported("sessionManager"))?;
        let mut w = XmlWriter::request("Login");
        sm.encode(&mut w, "_this");
        creds.user.encode(&mut w, "userName");
        creds.password.0.encode(&mut w, "password");
        let body = Bytes::from(w.finish_request("Login"));
        self.post::<UserSession>("Login", body)
            .await?
            .map_err(Error::Fault)?;
        Ok(true)
    }

    /// Logs in again with the credentials of the last login (or those set), e.g. after a
    /// change was refused because the session had expired (which changed nothing, so it may
    /// be sent again). `Ok(false)` when there are no credentials to do it with.
    pub async fn renew_session(&self) -> Result<bool, Error> {
        self.relogin().await
    }

    /// After a file transfer was refused with HTTP `status` (401/403): renews the session
    /// so the transfer can be sent again, or fails with NotAuthenticated when there are no
    /// credentials to renew it with.
    pub(crate) async fn relogin_for_file(&self, status: u16, path: &str) -> Result<(), Error> {
        if self.relogin().await? {
            Ok(())
        } else {
            Err(Error::Fault(Fault::NotAuthenticated {
                message: format!("HTTP {status} for {path}"),
            }))
        }
    }

    /// Sends one SOAP call and decodes its return values. A read (`read`) that fails with
    /// NotAuthenticated is sent once more after a new login; nothing else is ever resent.
    pub(crate) async fn invoke<T: Decode>(
        &self,
        method: &str,
        body: String,
        read: bool,
    ) -> Result<Vec<T>, Error> {
        let body = Bytes::from(body);
        if !read && !changes_nothing(method) {
            self.count_change();
        }
        let mut relogged = false;
        let mut resent = false;
        loop {
            let answer = match self.post::<T>(method, body.clone()).await {
                // A read whose connection broke is sent once more on a new connection: it
                // changes nothing, and a dropped keep-alive connection is common.
                Err(e @ Error::Connection { .. }) if read && !resent => {
                    tracing::debug!(method, error = %e, "connection lost; sending the read again");
                    resent = true;
                    continue;
                }
                other => other?,
            };
            match answer {
                Ok(v) => return Ok(v),
                Err(f @ Fault::NotAuthenticated { .. }) if read && !relogged => {
                    if !self.relogin().await? {
                        return Err(Error::Fault(f));
                    }
                    relogged = true;
                }
                Err(f) => return Err(Error::Fault(f)),
            }
        }
    }

    async fn post<T: Decode>(
        &self,
        method: &str,
        body: Bytes,
    ) -> Result<Result<Vec<T>, Fault>, Error> {
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(method, "SOAP request");
        let mut headers = vec![
            ("Content-Type", "text/xml; charset=utf-8".to_string()),
            ("SOAPAction", self.soap_action()),
        ];
        if let Some(c) = self.cookie_header() {
            headers.push(("Cookie", c));
        }
        let resp = self
            .inner
            .transport
            .send(http::Method::POST, &self.inner.path, &headers, body)
            .await?;
        for c in &resp.set_cookies {
            self.set_cookie_pair(c);
        }
        let looks_xml = resp.body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<');
        if (resp.status == 200 || resp.status == 500) && looks_xml {
            match decode_response::<T>(&resp.body, method) {
                Ok(Response::Fault(f)) => return Ok(Err(f)),
                Ok(Response::Values(v)) if resp.status == 200 => return Ok(Ok(v)),
                Err(e) if resp.status == 200 => return Err(e),
                _ => {}
            }
        }
        if resp.status == 200 {
            return Err(Error::BadResponse {
                method: method.to_string(),
                reason: format!("not XML (content type '{}')", resp.content_type),
            });
        }
        Err(Error::Http {
            status: resp.status,
            reason: resp.reason,
            path: format!("{} ({method})", self.inner.path),
        })
    }

    async fn http_transfer(
        &self,
        method: http::Method,
        path_and_query: &str,
        body: Bytes,
    ) -> Result<Bytes, Error> {
        let mut retried = false;
        let mut resent = false;
        let read = method == http::Method::GET;
        loop {
            self.inner.requests.fetch_add(1, Ordering::Relaxed);
            let mut headers = vec![];
            if !read {
                self.count_change();
            }
            if method == http::Method::PUT {
                headers.push(("Content-Type", "application/octet-stream".to_string()));
            }
            if let Some(c) = self.cookie_header() {
                headers.push(("Cookie", c));
            }
            let sent = self
                .inner
                .transport
                .send(method.clone(), path_and_query, &headers, body.clone())
                .await;
            let resp = match sent {
                // As for SOAP reads: a download whose connection broke is asked for again.
                Err(Error::Connection { .. }) if read && !resent => {
                    resent = true;
                    continue;
                }
                other => other?,
            };
            for c in &resp.set_cookies {
                self.set_cookie_pair(c);
            }
            match resp.status {
                200..=299 => return Ok(resp.body),
                401 | 403 if !retried => {
                    self.relogin_for_file(resp.status, path_and_query).await?;
                    retried = true;
                }
                status => {
                    return Err(Error::Http {
                        status,
                        reason: resp.reason,
                        path: path_and_query.to_string(),
                    })
                }
            }
        }
    }

    /// Downloads `path_and_query` (e.g. `/folder/vm1/vm1.vmx?dcPath=ha-datacenter&dsName=ds1`
    /// or `/screen?id=vm-1`) with the session cookie.
    pub async fn get_file(&self, path_and_query: &str) -> Result<Bytes, Error> {
        self.http_transfer(http::Method::GET, path_and_query, Bytes::new())
            .await
    }

    /// Uploads `data` to `path_and_query` (HTTP PUT) with the session cookie.
    pub async fn put_file(&self, path_and_query: &str, data: Bytes) -> Result<(), Error> {
        self.http_transfer(http::Method::PUT, path_and_query, data)
            .await
            .map(|_| ())
    }
}

/// Whether SOAP method `method`, though not a read, changes nothing a user sees: session
/// bookkeeping (logging in and out, property filters, views, collectors, waiting for
/// updates) and datastore searches (tasks that only read).
pub fn changes_nothing(method: &str) -> bool {
    matches!(
        method,
        "Login"
            | "Logout"
            | "CreateFilter"
            | "DestroyPropertyFilter"
            | "WaitForUpdatesEx"
            | "WaitForUpdates"
            | "CancelWaitForUpdates"
            | "CreatePropertyCollector"
            | "DestroyPropertyCollector"
            | "CreateContainerView"
            | "CreateListView"
            | "DestroyView"
            | "SearchDatastore_Task"
            | "SearchDatastoreSubFolders_Task"
    )
}

/// The HTTP path of a datastore file: `/folder/PATH?dcPath=DC&dsName=DS`, every part
/// percent-encoded (`/` kept in PATH).
pub fn datastore_file_path(path: &str, dc_path: &str, ds_name: &str) -> String {
    fn enc(s: &str, keep_slash: bool) -> String {
        let mut out = String::new();
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || (keep_slash && b == b'/') {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    }
    format!(
        "/folder/{}?dcPath={}&dsName={}",
        enc(path.trim_start_matches('/'), true),
        enc(dc_path, false),
        enc(ds_name, false)
    )
}

/// Decodes a standalone XML document as a `T` (e.g. a saved data object).
pub fn decode_xml<T: Decode>(xml: &str) -> Result<T, Error> {
    decode_document(xml.as_bytes()).map_err(|e| Error::BadResponse {
        method: "document".into(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let (e, p) = parse_url("https://h:8443/sdk").unwrap();
        assert!(e.https && e.host == "h" && e.port == 8443 && p == "/sdk");
        let (e, p) = parse_url("http://user:pw@127.0.0.1").unwrap();
        assert!(!e.https && e.host == "127.0.0.1" && e.port == 80 && p == "/sdk");
        assert!(parse_url("ftp://h").is_err());
        assert!(parse_url("h/sdk").is_err());
    }

    #[test]
    fn file_paths() {
        assert_eq!(
            datastore_file_path("my vm/my vm.vmx", "ha-datacenter", "data store1"),
            "/folder/my%20vm/my%20vm.vmx?dcPath=ha-datacenter&dsName=data%20store1"
        );
    }

    #[test]
    fn saved_session_round_trip() {
        let mut sc = ServiceContent::default();
        sc.about.api_version = "8.0.1.0".into();
        sc.property_collector =
            ManagedObjectReference::new("PropertyCollector", "ha-property-collector");
        let s = SavedSession {
            cookie: "vmware_soap_session=\"abc&<\"".into(),
            service_content: sc,
        };
        assert_eq!(SavedSession::from_xml(&s.to_xml()).unwrap(), s);
        assert!(SavedSession::from_xml("<session/>").is_err());
    }

    #[test]
    fn calls_that_change_nothing_are_schema_methods_that_are_not_reads() {
        let known = crate::types::METHODS;
        for m in [
            "Login",
            "CreateFilter",
            "WaitForUpdatesEx",
            "SearchDatastoreSubFolders_Task",
        ] {
            assert!(changes_nothing(m), "{m}");
        }
        for m in [
            "RegisterVM_Task",
            "PowerOffVM_Task",
            "AnswerVM",
            "UnregisterVM",
        ] {
            assert!(!changes_nothing(m), "{m}");
        }
        for m in known.iter().filter(|m| changes_nothing(m.name)) {
            assert!(!m.read, "{} is a read already", m.name);
        }
        let listed = known.iter().filter(|m| changes_nothing(m.name)).count();
        assert_eq!(listed, 14, "every listed name is a method of the schema");
    }

    #[test]
    fn password_is_redacted() {
        let c = Credentials {
            user: "root".into(),
            password: Secret("hunter2".into()),
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
