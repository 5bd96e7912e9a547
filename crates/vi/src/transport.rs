//! HTTP/1.1 over one reused keep-alive connection: TCP, optionally through an http
//! (CONNECT or absolute-form), socks4, socks4a or socks5 proxy, optionally TLS (rustls,
//! trusting what [`crate::trust`] decides), with connect and request timeouts and a
//! response size limit. Every exchange goes to the wire log ([`crate::wirelog`]) when it is
//! enabled.

use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::error::Error;
use crate::thumbprint::Thumbprints;
use crate::trust::Trust;

/// What the error for a refused certificate says when the caller gives no advice of its own.
const DEFAULT_ADVICE: &str =
    "to trust it, give its CA (ca_file) or pin its SHA-256 thumbprint (pins); no_verify skips verification";

/// The kind of proxy, as in libvirt's `proxy=` URI parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyKind {
    /// An HTTP proxy (CONNECT for https targets, absolute-form requests for http).
    Http,
    /// SOCKS4: the client resolves the target's IPv4 address.
    Socks4,
    /// SOCKS4a: the proxy resolves the target name.
    Socks4a,
    /// SOCKS5 with the proxy resolving the name (`socks://` is this too).
    Socks5,
}

/// A proxy to reach the server through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proxy {
    pub kind: ProxyKind,
    pub host: String,
    pub port: u16,
}

impl Proxy {
    /// Parses `[http|socks|socks4|socks4a|socks5://]host[:port]` (default http, port 1080).
    pub fn parse(s: &str) -> Result<Proxy, Error> {
        let (kind, rest) = match s.split_once("://") {
            Some((scheme, rest)) => {
                let kind = match scheme.to_ascii_lowercase().as_str() {
                    "http" => ProxyKind::Http,
                    "socks" | "socks5" => ProxyKind::Socks5,
                    "socks4" => ProxyKind::Socks4,
                    "socks4a" => ProxyKind::Socks4a,
                    other => {
                        return Err(Error::Config(format!(
                            "unsupported proxy type '{other}' (expected http, socks, socks4, socks4a or socks5)"
                        )))
                    }
                };
                (kind, rest)
            }
            None => (ProxyKind::Http, s),
        };
        let rest = rest.trim_end_matches('/');
        let (host, port) = split_host_port(rest, 1080).ok_or_else(|| {
            Error::Config(format!(
                "invalid proxy address '{s}' (expected host[:port])"
            ))
        })?;
        Ok(Proxy { kind, host, port })
    }
}

impl std::fmt::Display for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let k = match self.kind {
            ProxyKind::Http => "http",
            ProxyKind::Socks4 => "socks4",
            ProxyKind::Socks4a => "socks4a",
            ProxyKind::Socks5 => "socks5",
        };
        write!(f, "{k}://{}:{}", self.host, self.port)
    }
}

/// Splits `host[:port]` (IPv6 in brackets); `None` when empty or the port is invalid.
pub(crate) fn split_host_port(s: &str, default_port: u16) -> Option<(String, u16)> {
    if s.is_empty() {
        return None;
    }
    if let Some(rest) = s.strip_prefix('[') {
        let (h, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None if after.is_empty() => default_port,
            None => return None,
        };
        return Some((h.to_string(), port));
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => {
            if h.is_empty() {
                return None;
            }
            Some((h.to_string(), p.parse().ok()?))
        }
        _ => Some((s.to_string(), default_port)),
    }
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Where and how to connect.
#[derive(Clone, Debug)]
pub(crate) struct Endpoint {
    pub https: bool,
    pub host: String,
    pub port: u16,
}

/// One HTTP response, fully read.
#[derive(Debug)]
pub(crate) struct HttpResponse {
    pub status: u16,
    pub reason: String,
    pub set_cookies: Vec<String>,
    pub content_type: String,
    pub body: Bytes,
}

pub(crate) struct Transport {
    pub endpoint: Endpoint,
    proxy: Option<Proxy>,
    tls: Option<tokio_rustls::TlsConnector>,
    /// How to trust a refused certificate, told in the error.
    trust_advice: String,
    connect_timeout: Duration,
    request_timeout: Duration,
    max_response_bytes: u64,
    conn: tokio::sync::Mutex<Option<SendRequest<Full<Bytes>>>>,
}

/// What the wire log's summary of one exchange needs, taken before the request is sent.
struct Logged {
    method: http::Method,
    url: String,
    call: Option<String>,
    started: std::time::Instant,
}

impl Logged {
    /// Logs how the exchange ended.
    fn finish(self, result: &Result<HttpResponse, Error>) {
        let took = self.started.elapsed();
        let (method, url, call) = (self.method.as_str(), &self.url, self.call.as_deref());
        match result {
            Ok(r) => {
                let mut shown: Vec<(&str, &str)> = vec![("Content-Type", r.content_type.as_str())];
                shown.extend(r.set_cookies.iter().map(|c| ("Set-Cookie", c.as_str())));
                crate::wirelog::response(
                    method, url, call, r.status, &r.reason, &shown, &r.body, took,
                );
            }
            Err(e) => crate::wirelog::failure(method, url, call, e, took),
        }
    }
}

fn addr_of(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn tcp_error(addr: &str, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::ConnectionRefused {
        Error::ConnectionRefused {
            addr: addr.to_string(),
        }
    } else {
        Error::Connect {
            addr: addr.to_string(),
            reason: e.to_string(),
        }
    }
}

impl Transport {
    /// A transport to `endpoint`; for https, `trust` decides which certificates are
    /// accepted and `trust_advice` ends the error for a refused one.
    pub fn new(
        endpoint: Endpoint,
        proxy: Option<Proxy>,
        trust: &Trust<'_>,
        trust_advice: Option<&str>,
        timeouts: (Duration, Duration),
        max_response_bytes: u64,
    ) -> Result<Transport, Error> {
        let tls = if endpoint.https {
            let cfg = crate::trust::tls_config(trust).map_err(Error::Config)?;
            Some(tokio_rustls::TlsConnector::from(Arc::new(cfg)))
        } else {
            None
        };
        let (connect_timeout, request_timeout) = timeouts;
        Ok(Transport {
            endpoint,
            proxy,
            tls,
            trust_advice: trust_advice.unwrap_or(DEFAULT_ADVICE).to_string(),
            connect_timeout,
            request_timeout,
            max_response_bytes,
            conn: tokio::sync::Mutex::new(None),
        })
    }

    pub(crate) fn target(&self) -> String {
        addr_of(&self.endpoint.host, self.endpoint.port)
    }

    /// The full URL of `path_and_query`, as the wire log shows it.
    fn url(&self, path_and_query: &str) -> String {
        let scheme = if self.endpoint.https { "https" } else { "http" };
        format!("{scheme}://{}{path_and_query}", self.target())
    }

    /// The byte stream to the server: TCP, through the proxy if there is one.
    async fn open_tcp(&self) -> Result<Box<dyn Io>, Error> {
        let host = self.endpoint.host.as_str();
        let port = self.endpoint.port;
        let target = self.target();
        let stream: Box<dyn Io> = match &self.proxy {
            None => Box::new(
                TcpStream::connect((host, port))
                    .await
                    .map_err(|e| tcp_error(&target, e))?,
            ),
            Some(p) => {
                let paddr = addr_of(&p.host, p.port);
                let perr = |reason: String| Error::Proxy {
                    proxy: p.to_string(),
                    reason,
                };
                let proxy = (p.host.as_str(), p.port);
                let socks_err = |e: tokio_socks::Error| perr(e.to_string());
                match p.kind {
                    ProxyKind::Http => {
                        let mut s = TcpStream::connect(proxy)
                            .await
                            .map_err(|e| perr(tcp_error(&paddr, e).to_string()))?;
                        if self.endpoint.https {
                            http_connect(&mut s, &target).await.map_err(perr)?;
                        }
                        Box::new(s)
                    }
                    ProxyKind::Socks4 => {
                        let ip = tokio::net::lookup_host((host, port))
                            .await
                            .map_err(|e| tcp_error(&target, e))?
                            .find(|a| a.is_ipv4())
                            .ok_or_else(|| Error::Connect {
                                addr: target.clone(),
                                reason: "no IPv4 address (socks4 needs one; try socks4a)".into(),
                            })?;
                        Box::new(
                            tokio_socks::tcp::Socks4Stream::connect(proxy, ip)
                                .await
                                .map_err(socks_err)?,
                        )
                    }
                    ProxyKind::Socks4a => Box::new(
                        tokio_socks::tcp::Socks4Stream::connect(proxy, (host, port))
                            .await
                            .map_err(socks_err)?,
                    ),
                    ProxyKind::Socks5 => Box::new(
                        tokio_socks::tcp::Socks5Stream::connect(proxy, (host, port))
                            .await
                            .map_err(socks_err)?,
                    ),
                }
            }
        };
        Ok(stream)
    }

    fn server_name(&self) -> Result<rustls_pki_types::ServerName<'static>, Error> {
        let host = &self.endpoint.host;
        rustls_pki_types::ServerName::try_from(host.clone()).map_err(|e| Error::Tls {
            host: host.clone(),
            reason: e.to_string(),
            thumbprints: None,
        })
    }

    /// The stream requests go over: [`Transport::open_tcp`], then TLS for https.
    async fn open_stream(&self) -> Result<Box<dyn Io>, Error> {
        let stream = self.open_tcp().await?;
        match &self.tls {
            None => Ok(stream),
            Some(tls) => {
                let s = tls
                    .connect(self.server_name()?, stream)
                    .await
                    .map_err(|e| self.handshake_error(&e))?;
                Ok(Box::new(s))
            }
        }
    }

    /// The error for a failed TLS handshake: for a refused certificate, what was wrong, its
    /// thumbprints and how to trust it.
    fn handshake_error(&self, e: &std::io::Error) -> Error {
        let host = self.endpoint.host.clone();
        match crate::trust::refusal(e) {
            Some((why, thumbprints)) => Error::Tls {
                host,
                reason: format!("{why}; {thumbprints}; {}", self.trust_advice),
                thumbprints: Some(Box::new(thumbprints)),
            },
            None => Error::Tls {
                host,
                reason: e.to_string(),
                thumbprints: None,
            },
        }
    }

    /// Opens a connection and completes a TLS handshake that accepts any certificate,
    /// returning the certificate's thumbprints (nothing is sent over it).
    pub(crate) async fn peer_thumbprints(&self) -> Result<Thumbprints, Error> {
        let seen = Arc::new(std::sync::Mutex::new(None));
        let cfg = crate::trust::capturing_config(seen.clone()).map_err(Error::Config)?;
        let connector = tokio_rustls::TlsConnector::from(Arc::new(cfg));
        let fut = async {
            let stream = self.open_tcp().await?;
            let name = self.server_name()?;
            let handshake = connector.connect(name, stream).await;
            let seen = *seen
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match (seen, handshake) {
                (Some(t), _) => Ok(t),
                (None, Err(e)) => Err(Error::Tls {
                    host: self.endpoint.host.clone(),
                    reason: e.to_string(),
                    thumbprints: None,
                }),
                (None, Ok(_)) => Err(Error::Tls {
                    host: self.endpoint.host.clone(),
                    reason: "the server sent no certificate".into(),
                    thumbprints: None,
                }),
            }
        };
        match tokio::time::timeout(self.connect_timeout, fut).await {
            Ok(r) => r,
            Err(_) => Err(Error::Timeout {
                what: "connecting",
                after: self.connect_timeout,
            }),
        }
    }

    /// Opens a new connection (TCP, proxy, TLS) for requests with bodies of type `B`.
    pub(crate) async fn connect<B>(&self) -> Result<SendRequest<B>, Error>
    where
        B: hyper::body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let fut = async {
            let stream = self.open_stream().await?;
            let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|e| Error::Connect {
                    addr: self.target(),
                    reason: e.to_string(),
                })?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            Ok(sender)
        };
        match tokio::time::timeout(self.connect_timeout, fut).await {
            Ok(r) => r,
            Err(_) => Err(Error::Timeout {
                what: "connecting",
                after: self.connect_timeout,
            }),
        }
    }

    /// Sends one request on the shared connection (opening it when needed) and reads the
    /// whole response within the request timeout and size limit.
    pub async fn send(
        &self,
        method: http::Method,
        path_and_query: &str,
        headers: &[(&'static str, String)],
        body: Bytes,
    ) -> Result<HttpResponse, Error> {
        let logged = crate::wirelog::summary_enabled().then(|| {
            let url = self.url(path_and_query);
            if crate::wirelog::detail_enabled() {
                crate::wirelog::request(method.as_str(), &url, headers, &body);
            }
            Logged {
                method: method.clone(),
                url,
                call: crate::wirelog::soap_method(&body).map(str::to_string),
                started: std::time::Instant::now(),
            }
        });
        let result = self
            .send_unlogged(method, path_and_query, headers, body)
            .await;
        if let Some(logged) = logged {
            logged.finish(&result);
        }
        result
    }

    /// [`Transport::send`] without the wire log.
    async fn send_unlogged(
        &self,
        method: http::Method,
        path_and_query: &str,
        headers: &[(&'static str, String)],
        body: Bytes,
    ) -> Result<HttpResponse, Error> {
        let mut guard = self.conn.lock().await;
        let mut reused = false;
        let mut sender = match guard.take() {
            Some(mut s) if !s.is_closed() => match s.ready().await {
                Ok(()) => {
                    reused = true;
                    s
                }
                Err(_) => self.connect().await?,
            },
            _ => self.connect().await?,
        };
        let build = |body: Bytes| -> Result<hyper::Request<Full<Bytes>>, Error> {
            self.request(method.clone(), path_and_query, headers, Full::new(body))
        };
        let timeout = self.request_timeout;
        let limit = self.max_response_bytes;
        let res = tokio::time::timeout(timeout, async {
            let resp = match sender.send_request(build(body.clone())?).await {
                Ok(r) => r,
                // The server closed the idle connection before taking the request: the
                // request was not sent, so sending it on a new connection is safe.
                Err(e) if reused && e.is_canceled() => {
                    sender = self.connect().await?;
                    sender
                        .send_request(build(body)?)
                        .await
                        .map_err(|e| self.conn_error(e))?
                }
                Err(e) => return Err(self.conn_error(e)),
            };
            read_response(resp, limit, path_and_query)
                .await
                .map_err(|e| match e {
                    ReadError::Hyper(e) => self.conn_error(e),
                    ReadError::Other(e) => e,
                })
        })
        .await;
        match res {
            Ok(Ok(r)) => {
                if !sender.is_closed() {
                    *guard = Some(sender);
                }
                Ok(r)
            }
            Ok(Err(e)) => Err(e),
            Err(_) => Err(Error::Timeout {
                what: "the request",
                after: timeout,
            }),
        }
    }

    /// A request for `path_and_query` with the headers every request carries (the
    /// absolute form when going through an HTTP proxy to a plain-HTTP server).
    pub(crate) fn request<B>(
        &self,
        method: http::Method,
        path_and_query: &str,
        headers: &[(&'static str, String)],
        body: B,
    ) -> Result<hyper::Request<B>, Error> {
        let absolute =
            matches!(&self.proxy, Some(p) if p.kind == ProxyKind::Http) && !self.endpoint.https;
        let uri = if absolute {
            format!("http://{}{}", self.target(), path_and_query)
        } else {
            path_and_query.to_string()
        };
        let mut b = hyper::Request::builder()
            .method(method)
            .uri(uri.as_str())
            .header("Host", self.target())
            .header("User-Agent", concat!("esxvirt/", env!("CARGO_PKG_VERSION")))
            .header("Connection", "keep-alive");
        for (k, v) in headers {
            b = b.header(*k, v.as_str());
        }
        b.body(body)
            .map_err(|e| Error::Config(format!("bad request for {path_and_query}: {e}")))
    }

    /// The limit for one request, and for each wait of a streamed transfer.
    pub(crate) fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    pub(crate) fn conn_error(&self, e: hyper::Error) -> Error {
        Error::Connection {
            addr: self.target(),
            reason: error_chain(&e),
        }
    }

    /// Drops the connection (the next request opens a new one).
    pub async fn close(&self) {
        *self.conn.lock().await = None;
    }
}

/// An error and its sources, `outer: inner: ...` (hyper's own message names no cause).
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut reason = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        reason = format!("{reason}: {s}");
        src = s.source();
    }
    reason
}

enum ReadError {
    Hyper(hyper::Error),
    Other(Error),
}

async fn read_response(
    resp: hyper::Response<hyper::body::Incoming>,
    limit: u64,
    what: &str,
) -> Result<HttpResponse, ReadError> {
    let status = resp.status();
    let set_cookies = resp
        .headers()
        .get_all(http::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    let content_type = resp
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let too_large = || {
        ReadError::Other(Error::TooLarge {
            what: what.to_string(),
            limit,
        })
    };
    let declared = resp
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    // The declared length sizes the buffer once (a large answer otherwise grows it by
    // doubling, copying it each time); a lying server gains at most this much.
    const MAX_RESERVE: u64 = 64 << 20;
    let reserve = declared.map_or(0, |len| len.min(MAX_RESERVE)) as usize;
    let mut body = resp.into_body();
    let mut buf = BytesMut::with_capacity(reserve);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(ReadError::Hyper)?;
        if let Ok(data) = frame.into_data() {
            if buf.len() as u64 + data.len() as u64 > limit {
                return Err(too_large());
            }
            buf.extend_from_slice(&data);
        }
    }
    Ok(HttpResponse {
        status: status.as_u16(),
        reason: status.canonical_reason().unwrap_or("").to_string(),
        set_cookies,
        content_type,
        body: buf.freeze(),
    })
}

/// Opens a tunnel with `CONNECT target` through an HTTP proxy.
async fn http_connect(s: &mut TcpStream, target: &str) -> Result<(), String> {
    let req = format!(
        "CONNECT {target} HTTP/1.1\r\nHost: {target}\r\nProxy-Connection: keep-alive\r\n\r\n"
    );
    s.write_all(req.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 16 * 1024 {
            return Err("oversized CONNECT response".into());
        }
        let n = s.read(&mut byte).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the proxy closed the connection".into());
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head);
    let status_line = text.lines().next().unwrap_or("");
    let code = status_line.split_whitespace().nth(1).unwrap_or("");
    if code != "200" {
        return Err(format!(
            "CONNECT {target} answered '{}'",
            status_line.trim()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_parsing() {
        assert_eq!(
            Proxy::parse("proxy.example").unwrap(),
            Proxy {
                kind: ProxyKind::Http,
                host: "proxy.example".into(),
                port: 1080
            }
        );
        assert_eq!(
            Proxy::parse("socks://h:99").unwrap().kind,
            ProxyKind::Socks5
        );
        assert_eq!(
            Proxy::parse("socks4a://h").unwrap().kind,
            ProxyKind::Socks4a
        );
        assert_eq!(
            Proxy::parse("SOCKS4://h:1").unwrap().kind,
            ProxyKind::Socks4
        );
        assert!(Proxy::parse("ftp://h").is_err());
        assert!(Proxy::parse("h:notaport").is_err());
        assert_eq!(split_host_port("[::1]:8", 1), Some(("::1".into(), 8)));
        assert_eq!(split_host_port("::1", 1), Some(("::1".into(), 1)));
    }
}
