//! The HTTP(S) front: hyper 1 over tokio, TLS by tokio-rustls (self-signed certificate from
//! rcgen, or a given one). Routes `/sdk` (SOAP), the service version probes, `/folder` and
//! `/screen` (to the world), and the `/esxsim/*` control endpoints (stats, fault injection,
//! session expiry; they need the simulator's user and password or its control token);
//! applies injected faults. Connections are capped and timed out ([`crate::conns`]); a
//! request body is bounded before it is read, tightly when the request is not
//! authenticated.

use std::convert::Infallible;
use std::future::Future as _;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full, Limited};
use hyper::body::{Frame, Incoming};
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, SET_COOKIE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::conns::{Conn, ConnLimits, Conns, Watched};
use crate::core::{lock, read, write, Core};
use crate::inject::{Action, Injection};
use crate::object::{FileRequest, FileResponse, FileSlice};
use crate::service::{vim_service_versions, vim_service_wsdl};
use crate::session::{ct_eq, key_from_cookie};

/// Largest SOAP request accepted from a client with a live session.
const MAX_SOAP_BODY: usize = 32 << 20;
/// Largest file upload accepted on `/folder`.
const MAX_UPLOAD: usize = 1 << 30;

type Body = BoxBody<Bytes, std::io::Error>;

/// What every connection of one simulator shares.
pub struct Server {
    /// The simulator.
    pub core: Arc<Core>,
    /// Whether connections are TLS.
    pub tls: bool,
    /// The token the control endpoints accept (`Authorization: Bearer TOKEN`).
    pub control_token: String,
    /// Largest request body read before authentication.
    pub max_unauthenticated_body: usize,
    /// Open connections, their cap and timeouts.
    pub conns: Conns,
}

impl Server {
    /// A server for `core`.
    pub fn new(
        core: Arc<Core>,
        tls: bool,
        control_token: String,
        max_unauthenticated_body: usize,
        limits: ConnLimits,
    ) -> Server {
        Server {
            core,
            tls,
            control_token,
            max_unauthenticated_body,
            conns: Conns::new(limits),
        }
    }
}

/// Why a connection is dropped without an answer (an injected reset).
#[derive(Debug, thiserror::Error)]
#[error("connection reset (injected)")]
pub struct InjectedReset;

fn full(status: u16, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    let mut r = Response::new(
        Full::new(body.into())
            .map_err(|e: Infallible| match e {})
            .boxed(),
    );
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(CONTENT_TYPE, v);
    }
    r
}

/// A response announcing `body.len()` bytes but sending only the first half, then failing
/// the stream so the connection closes.
fn truncated(status: u16, content_type: &str, body: Bytes) -> Response<Body> {
    let total = body.len();
    let trunc = TruncatedBody {
        half: Some(body.slice(..total / 2)),
        pause: Box::pin(tokio::time::sleep(Duration::from_millis(100))),
    };
    let mut r = Response::new(BodyExt::boxed(trunc));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(CONTENT_TYPE, v);
    }
    r.headers_mut()
        .insert(CONTENT_LENGTH, HeaderValue::from(total as u64));
    r
}

/// A body yielding its first half, then (after a pause that lets hyper flush what it has)
/// an error, which makes hyper drop the connection mid-body.
struct TruncatedBody {
    half: Option<Bytes>,
    pause: std::pin::Pin<Box<tokio::time::Sleep>>,
}

impl hyper::body::Body for TruncatedBody {
    type Data = Bytes;
    type Error = std::io::Error;
    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        use std::task::Poll;
        if let Some(h) = self.half.take() {
            return Poll::Ready(Some(Ok(Frame::data(h))));
        }
        match self.pause.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => Poll::Ready(Some(Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionAborted,
                "truncated (injected)",
            )))),
        }
    }
}

/// How much of a file a body reads at a time.
const FILE_CHUNK: usize = 256 << 10;

/// A body reading a part of a file as hyper sends it (bounded memory, whatever the size).
struct FileBody {
    file: tokio::fs::File,
    left: u64,
    buf: Vec<u8>,
}

impl hyper::body::Body for FileBody {
    type Data = Bytes;
    type Error = std::io::Error;
    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        use std::task::Poll;
        let this = self.get_mut();
        if this.left == 0 {
            return Poll::Ready(None);
        }
        let want = (this.left as usize).min(this.buf.len());
        let mut rb = tokio::io::ReadBuf::new(&mut this.buf[..want]);
        match tokio::io::AsyncRead::poll_read(std::pin::Pin::new(&mut this.file), cx, &mut rb) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => Poll::Ready(Some(Err(e))),
            // The file shrank while being sent: fail the body (the connection closes).
            Poll::Ready(Ok(())) if rb.filled().is_empty() => Poll::Ready(Some(Err(
                std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the file shrank"),
            ))),
            Poll::Ready(Ok(())) => {
                let data = Bytes::copy_from_slice(rb.filled());
                this.left -= data.len() as u64;
                Poll::Ready(Some(Ok(Frame::data(data))))
            }
        }
    }
    fn is_end_stream(&self) -> bool {
        self.left == 0
    }
    fn size_hint(&self) -> hyper::body::SizeHint {
        hyper::body::SizeHint::with_exact(self.left)
    }
}

fn open_slice(slice: &FileSlice) -> std::io::Result<std::fs::File> {
    use std::io::{Seek, SeekFrom};
    let mut f = std::fs::File::open(&slice.path)?;
    f.seek(SeekFrom::Start(slice.offset))?;
    Ok(f)
}

fn read_slice(slice: &FileSlice) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    open_slice(slice)?.take(slice.len).read_to_end(&mut out)?;
    Ok(out)
}

/// An answer whose body is read from `slice` as it is sent.
fn file_response(status: u16, content_type: &str, slice: &FileSlice) -> Response<Body> {
    let file = match open_slice(slice) {
        Ok(f) => tokio::fs::File::from_std(f),
        Err(_) => return full(500, "text/plain", "Internal Server Error"),
    };
    let body = FileBody {
        file,
        left: slice.len,
        buf: vec![0; FILE_CHUNK.min(slice.len as usize)],
    };
    let mut r = Response::new(BodyExt::boxed(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(CONTENT_TYPE, v);
    }
    r.headers_mut()
        .insert(CONTENT_LENGTH, HeaderValue::from(slice.len));
    r
}

/// `401 Unauthorized` asking for basic authentication in `realm`; closes the connection
/// when the request has a body (which is left unread).
fn unauthorized(realm: &str, has_body: bool) -> Response<Body> {
    let mut r = full(401, "text/plain", "Unauthorized");
    if let Ok(v) = HeaderValue::from_str(&format!("Basic realm=\"{realm}\"")) {
        r.headers_mut().insert("WWW-Authenticate", v);
    }
    if has_body {
        close_after(&mut r);
    }
    r
}

/// Makes hyper close the connection after this answer (its request body is left unread).
fn close_after(r: &mut Response<Body>) {
    r.headers_mut()
        .insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
}

/// An error status that closes the connection.
fn refuse(status: u16, text: &'static str) -> Response<Body> {
    let mut r = full(status, "text/plain", text);
    close_after(&mut r);
    r
}

/// Whether the request announces or may carry a body (a length or chunked encoding).
fn has_body(req: &Request<Incoming>) -> bool {
    use hyper::body::Body as _;
    !req.body().is_end_stream()
}

/// The announced body length, if any.
fn content_length(req: &Request<Incoming>) -> Option<u64> {
    req.headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// Reads a request body of at most `limit` bytes (an announced length over it is refused
/// before any byte is read), within `timeout` when one is given. The error is the answer.
async fn read_body(
    req: Request<Incoming>,
    limit: usize,
    timeout: Option<Duration>,
) -> Result<Bytes, Response<Body>> {
    if content_length(&req).is_some_and(|n| n > limit as u64) {
        return Err(refuse(413, "request too large"));
    }
    let collect = Limited::new(req.into_body(), limit).collect();
    let collected = match timeout {
        Some(t) => match tokio::time::timeout(t, collect).await {
            Ok(r) => r,
            Err(_) => return Err(refuse(408, "request body timed out")),
        },
        None => collect.await,
    };
    match collected {
        Ok(b) => Ok(b.to_bytes()),
        Err(_) => Err(refuse(413, "request too large")),
    }
}

/// Answers one HTTP request.
pub async fn route(
    srv: Arc<Server>,
    req: Request<Incoming>,
) -> Result<Response<Body>, InjectedReset> {
    let core = &srv.core;
    let tls = srv.tls;
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let method = req.method().clone();

    if let Some(ctl) = path.strip_prefix("/esxsim/") {
        if !control_authorized(&srv, req.headers()) {
            return Ok(unauthorized("esxsim", has_body(&req)));
        }
        return Ok(control(core, &method, ctl, req).await);
    }

    let cookie_key = req
        .headers()
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| key_from_cookie(v).map(str::to_string));

    match (&method, path.as_str()) {
        (&Method::POST, "/sdk") | (&Method::POST, "/sdk/") => {
            // Without a live session only small requests (Login ...) are read, and only
            // for as long as a header may take.
            let authenticated = cookie_key
                .as_deref()
                .is_some_and(|k| lock(&core.sessions).touch(k).is_some());
            let (limit, timeout) = if authenticated {
                (MAX_SOAP_BODY, None)
            } else {
                (
                    srv.max_unauthenticated_body,
                    Some(srv.conns.limits().header_timeout),
                )
            };
            let body = match read_body(req, limit, timeout).await {
                Ok(b) => b,
                Err(answer) => return Ok(answer),
            };
            tracing::trace!(target: "esxsim::soap", "request: {}", String::from_utf8_lossy(&body));
            let parsed = crate::soap::parse_request(&body);
            let name = match &parsed {
                Ok(r) => r.method.clone(),
                Err(_) => "(invalid)".to_string(),
            };
            core.stats.count_method(&name);
            let fx = core.inject.take(&name);
            let handled = parsed.is_ok()
                && !matches!(
                    fx.failure,
                    Some(Action::Reset | Action::Http { .. } | Action::Fault { .. })
                );
            if !fx.latency.is_zero() && !handled {
                tokio::time::sleep(fx.latency).await;
            }
            let reply = match (parsed, &fx.failure) {
                (_, Some(Action::Reset)) => return Err(InjectedReset),
                (_, Some(Action::Http { status })) => {
                    return Ok(full(*status, "text/plain", "injected failure"))
                }
                (_, Some(Action::Fault { fault, message })) => {
                    core.stats.count_fault();
                    crate::core::SoapReply {
                        status: 500,
                        body: crate::soap::fault_response(&crate::fault::Fault::new(
                            fault.clone(),
                            message.clone(),
                        )),
                        set_cookie: None,
                    }
                }
                (Err(f), _) => {
                    core.stats.count_fault();
                    crate::core::SoapReply {
                        status: 500,
                        body: crate::soap::fault_response(&f),
                        set_cookie: None,
                    }
                }
                (Ok(r), failure) => {
                    if matches!(failure, Some(Action::Expire)) {
                        core.expire_all_sessions();
                    }
                    let reply = core.handle_soap(r, cookie_key.as_deref(), tls).await;
                    // A slow server has acted by the time its late answer comes: a client
                    // that stopped waiting finds the change made.
                    if !fx.latency.is_zero() {
                        tokio::time::sleep(fx.latency).await;
                    }
                    reply
                }
            };
            if matches!(fx.failure, Some(Action::ResetAfter)) {
                return Err(InjectedReset);
            }
            tracing::trace!(target: "esxsim::soap", "response {}: {}", reply.status, reply.body);
            let ct = "text/xml; charset=utf-8";
            let mut resp = if matches!(fx.failure, Some(Action::Truncate)) {
                truncated(reply.status, ct, Bytes::from(reply.body))
            } else {
                full(reply.status, ct, reply.body)
            };
            if let Some(c) = reply
                .set_cookie
                .and_then(|c| HeaderValue::from_str(&c).ok())
            {
                resp.headers_mut().insert(SET_COOKIE, c);
            }
            Ok(resp)
        }
        (&Method::GET, "/sdk/vimServiceVersions.xml") => {
            core.stats.count_http("vimServiceVersions");
            let about = read(&core.world).about();
            let api = about
                .path("apiVersion")
                .and_then(|v| v.as_str())
                .unwrap_or("8.0.2.0")
                .to_string();
            Ok(full(200, "text/xml", vim_service_versions(&api)))
        }
        (&Method::GET, "/sdk/vimService.wsdl") | (&Method::GET, "/sdk/vimService") => {
            core.stats.count_http("wsdl");
            Ok(full(200, "text/xml", vim_service_wsdl()))
        }
        (_, p) if p == "/folder" || p.starts_with("/folder/") || p == "/screen" => {
            let kind = if p == "/screen" { "/screen" } else { "/folder" };
            core.stats.count_http(kind);
            let fx = core.inject.take(kind);
            if !fx.latency.is_zero() {
                tokio::time::sleep(fx.latency).await;
            }
            match &fx.failure {
                Some(Action::Reset) => return Err(InjectedReset),
                Some(Action::Http { status }) => {
                    return Ok(full(*status, "text/plain", "injected failure"))
                }
                Some(Action::Expire) => core.expire_all_sessions(),
                _ => {}
            }
            if !authorized(core, cookie_key.as_deref(), req.headers()) {
                return Ok(unauthorized("VMware HTTP server", has_body(&req)));
            }
            let range = req
                .headers()
                .get(hyper::header::RANGE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let body = match read_body(req, MAX_UPLOAD, None).await {
                Ok(b) => b,
                Err(answer) => return Ok(answer),
            };
            let sub = p.strip_prefix("/folder").unwrap_or("");
            let sub = sub.strip_prefix('/').unwrap_or(sub);
            let freq = FileRequest {
                method: method.as_str(),
                path: if kind == "/screen" { "" } else { sub },
                query: &query,
                body: &body,
                range: range.as_deref(),
            };
            let fresp = if let Err(f) = core.shared_state().refresh() {
                FileResponse::status(503, &f.message)
            } else if kind == "/screen" {
                read(&core.world).http_screen(&freq)
            } else if method == Method::GET || method == Method::HEAD {
                // Reads go through the write lock too: the world may cache file state.
                write(&core.world).http_folder(&freq)
            } else {
                core.shared_state()
                    .mutate(|w| w.http_folder(&freq), |r| r.status < 300)
                    .unwrap_or_else(|f| FileResponse::status(503, &f.message))
            };
            if matches!(fx.failure, Some(Action::ResetAfter)) {
                return Err(InjectedReset);
            }
            let len = fresp.content_length.unwrap_or(fresp.body.len() as u64);
            let content_range = fresp
                .content_range
                .as_deref()
                .and_then(|v| HeaderValue::from_str(v).ok());
            let truncate = matches!(fx.failure, Some(Action::Truncate));
            let mut resp = match (&fresp.file, truncate) {
                (Some(slice), false) => file_response(fresp.status, &fresp.content_type, slice),
                // An injected truncation needs the bytes at hand (tests use small files).
                (Some(slice), true) => match read_slice(slice) {
                    Ok(b) => truncated(fresp.status, &fresp.content_type, Bytes::from(b)),
                    Err(_) => full(500, "text/plain", "Internal Server Error"),
                },
                (None, true) => {
                    truncated(fresp.status, &fresp.content_type, Bytes::from(fresp.body))
                }
                (None, false) => full(fresp.status, &fresp.content_type, fresp.body),
            };
            if method == Method::HEAD {
                resp.headers_mut()
                    .insert(CONTENT_LENGTH, HeaderValue::from(len));
            }
            if let Some(v) = content_range {
                resp.headers_mut().insert(hyper::header::CONTENT_RANGE, v);
            }
            Ok(resp)
        }
        _ => {
            core.stats.count_http("other");
            Ok(full(404, "text/plain", "Not Found"))
        }
    }
}

/// Whether a `/folder` or `/screen` request carries a live session cookie or the right
/// basic-auth credentials.
fn authorized(core: &Core, cookie_key: Option<&str>, headers: &hyper::HeaderMap) -> bool {
    if let Some(k) = cookie_key {
        if lock(&core.sessions).touch(k).is_some() {
            return true;
        }
    }
    basic_auth_ok(core, headers)
}

/// Whether the request's `Authorization: Basic` header names the simulator's user and
/// password.
fn basic_auth_ok(core: &Core, headers: &hyper::HeaderMap) -> bool {
    let Some(b64) = authorization(headers, "Basic") else {
        return false;
    };
    use base64::Engine as _;
    let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(b64) else {
        return false;
    };
    let Ok(raw) = String::from_utf8(raw) else {
        return false;
    };
    let Some((user, pass)) = raw.split_once(':') else {
        return false;
    };
    lock(&core.sessions).check_credentials(user, pass)
}

/// The credentials of an `Authorization: SCHEME CREDENTIALS` header (scheme matched
/// without regard to case).
fn authorization<'a>(headers: &'a hyper::HeaderMap, scheme: &str) -> Option<&'a str> {
    let v = headers
        .get(hyper::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .trim();
    let (s, rest) = v.split_once(' ')?;
    s.eq_ignore_ascii_case(scheme).then(|| rest.trim())
}

/// Whether a control request carries the control token (`Authorization: Bearer TOKEN`)
/// or the simulator's user and password (basic authentication).
fn control_authorized(srv: &Server, headers: &hyper::HeaderMap) -> bool {
    match authorization(headers, "Bearer") {
        Some(t) => ct_eq(t.as_bytes(), srv.control_token.as_bytes()),
        None => basic_auth_ok(&srv.core, headers),
    }
}

/// The `/esxsim/*` control endpoints.
async fn control(
    core: &Core,
    method: &Method,
    path: &str,
    req: Request<Incoming>,
) -> Response<Body> {
    let json = "application/json";
    match (method, path) {
        (&Method::GET, "stats") => match serde_json::to_string(&core.stats.snapshot()) {
            Ok(s) => full(200, json, s),
            Err(e) => full(500, "text/plain", e.to_string()),
        },
        (&Method::POST, "stats/reset") | (&Method::DELETE, "stats") => {
            core.stats.reset();
            full(204, json, "")
        }
        (&Method::GET, "inject") => match serde_json::to_string(&core.inject.list()) {
            Ok(s) => full(200, json, s),
            Err(e) => full(500, "text/plain", e.to_string()),
        },
        (&Method::POST, "inject") => {
            let body = match Limited::new(req.into_body(), 1 << 20).collect().await {
                Ok(b) => b.to_bytes(),
                Err(_) => return full(413, "text/plain", "too large"),
            };
            match serde_json::from_slice::<Injection>(&body) {
                Ok(rule) => {
                    core.inject.add(rule);
                    full(204, json, "")
                }
                Err(e) => full(400, "text/plain", format!("bad injection rule: {e}")),
            }
        }
        (&Method::DELETE, "inject") | (&Method::POST, "inject/clear") => {
            core.inject.clear();
            full(204, json, "")
        }
        (&Method::POST, "sessions/expire") => {
            core.expire_all_sessions();
            full(204, json, "")
        }
        _ => full(404, "text/plain", "Not Found"),
    }
}

/// Builds the TLS acceptor: the given PEM certificate chain and key, or a fresh self-signed
/// certificate for `localhost` and `127.0.0.1`.
pub fn tls_acceptor(cert_key: Option<(&Path, &Path)>) -> Result<TlsAcceptor, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let (certs, key): (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) = match cert_key {
        Some((cert, key)) => {
            let certs = CertificateDer::pem_file_iter(cert)
                .map_err(|e| format!("{}: {e}", cert.display()))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("{}: {e}", cert.display()))?;
            let key =
                PrivateKeyDer::from_pem_file(key).map_err(|e| format!("{}: {e}", key.display()))?;
            (certs, key)
        }
        None => {
            let ck = rcgen::generate_simple_self_signed(vec![
                "localhost".to_string(),
                "127.0.0.1".to_string(),
            ])
            .map_err(|e| format!("cannot make a certificate: {e}"))?;
            let key = PrivateKeyDer::Pkcs8(ck.key_pair.serialize_der().into());
            (vec![ck.cert.der().clone()], key)
        }
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("bad certificate or key: {e}"))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// The answer to a connection over the cap when every open one is busy.
const TOO_MANY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 21\r\nRetry-After: 1\r\nConnection: close\r\n\r\ntoo many connections\n";

/// Connections being turned away at once, at most (each lingers a moment so the client
/// reads its 503; beyond this they are just closed).
const MAX_REFUSING: usize = 64;

/// Sends the 503 to a connection over the cap and closes it gracefully, so the client
/// reads the answer rather than a reset.
async fn turn_away(mut stream: tokio::net::TcpStream) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let linger = async {
        stream.write_all(TOO_MANY).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 4096];
        while stream.read(&mut sink).await? > 0 {}
        Ok::<(), std::io::Error>(())
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), linger).await;
}

/// Serves one admitted connection until it closes, times out or is evicted.
async fn connection(
    srv: Arc<Server>,
    conn: Arc<Conn>,
    stream: tokio::net::TcpStream,
    tls: Option<TlsAcceptor>,
) {
    let io = Watched::new(stream, conn.clone());
    let svc_conn = conn.clone();
    let svc_srv = srv.clone();
    let svc = hyper::service::service_fn(move |req| {
        let busy = svc_conn.begin();
        let srv = svc_srv.clone();
        async move {
            let resp = route(srv, req).await?;
            // The connection stays busy until the answer is sent.
            // The closure owns the guard, so it drops with the body.
            Ok::<_, InjectedReset>(resp.map(|b| {
                b.map_frame(move |f| {
                    let _ = &busy;
                    f
                })
                .boxed()
            }))
        }
    });
    let builder = hyper::server::conn::http1::Builder::new();
    let serve = async move {
        match tls {
            Some(acc) => match acc.accept(io).await {
                Ok(s) => {
                    let _ = builder.serve_connection(TokioIo::new(s), svc).await;
                }
                Err(e) => tracing::debug!("TLS handshake failed: {e}"),
            },
            None => {
                let _ = builder.serve_connection(TokioIo::new(io), svc).await;
            }
        }
    };
    srv.conns.watch(conn, serve).await;
}

/// Accepts connections until `shutdown` fires.
pub async fn serve(
    srv: Arc<Server>,
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let mut conns = tokio::task::JoinSet::new();
    let refusing = Arc::new(tokio::sync::Semaphore::new(MAX_REFUSING));
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.changed() => break,
        };
        let (stream, _peer): (tokio::net::TcpStream, SocketAddr) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors, most likely: an idle connection makes room.
                tracing::warn!("accept failed: {e}");
                if !srv.conns.evict_one() {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        // Reap finished connections so the set does not grow without bound.
        while conns.try_join_next().is_some() {}
        let Some(conn) = srv.conns.admit() else {
            tracing::debug!("connection refused: every one of the allowed connections is busy");
            if tls.is_none() {
                if let Ok(permit) = refusing.clone().try_acquire_owned() {
                    conns.spawn(async move {
                        turn_away(stream).await;
                        drop(permit);
                    });
                }
            }
            continue;
        };
        conns.spawn(connection(srv.clone(), conn, stream, tls.clone()));
    }
    conns.abort_all();
    while conns.join_next().await.is_some() {}
}
