//! HTTP/1.1 over one reused keep-alive connection: TCP, optionally through an http
//! (CONNECT or absolute-form), socks4, socks4a or socks5 proxy, optionally TLS (rustls,
//! verified against the bundled and system roots plus an optional CA file, unless
//! `no_verify`), with connect and request timeouts and a response size limit.

use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::error::Error;

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
    connect_timeout: Duration,
    request_timeout: Duration,
    max_response_bytes: u64,
    conn: tokio::sync::Mutex<Option<SendRequest<Full<Bytes>>>>,
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

#[derive(Debug)]
struct NoVerify(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls_pki_types::CertificateDer<'_>,
        _intermediates: &[rustls_pki_types::CertificateDer<'_>],
        _server_name: &rustls_pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls_pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    // Without verification the certificate is not trusted, so proving possession of its
    // key proves nothing; accepting any signature also admits the small (1024-bit) RSA keys
    // of test servers that webpki refuses.
    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &rustls_pki_types::CertificateDer<'_>,
        _dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &rustls_pki_types::CertificateDer<'_>,
        _dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// System CA bundles tried (besides the bundled Mozilla roots) when verifying.
const SYSTEM_CA_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
];

fn tls_config(
    no_verify: bool,
    ca_file: Option<&std::path::Path>,
) -> Result<rustls::ClientConfig, Error> {
    use rustls_pki_types::pem::PemObject;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS setup: {e}")))?;
    let mut cfg = if no_verify {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerify(provider)))
            .with_no_client_auth()
    } else {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for bundle in SYSTEM_CA_BUNDLES {
            if let Ok(iter) = rustls_pki_types::CertificateDer::pem_file_iter(bundle) {
                for cert in iter.flatten() {
                    let _ = roots.add(cert);
                }
                break;
            }
        }
        if let Some(path) = ca_file {
            let iter = rustls_pki_types::CertificateDer::pem_file_iter(path).map_err(|e| {
                Error::Config(format!("cannot read CA file {}: {e}", path.display()))
            })?;
            let mut n = 0;
            for cert in iter {
                let cert = cert
                    .map_err(|e| Error::Config(format!("bad CA file {}: {e}", path.display())))?;
                roots.add(cert).map_err(|e| {
                    Error::Config(format!("bad certificate in {}: {e}", path.display()))
                })?;
                n += 1;
            }
            if n == 0 {
                return Err(Error::Config(format!(
                    "CA file {} holds no PEM certificate",
                    path.display()
                )));
            }
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(cfg)
}

impl Transport {
    pub fn new(
        endpoint: Endpoint,
        proxy: Option<Proxy>,
        no_verify: bool,
        ca_file: Option<&std::path::Path>,
        connect_timeout: Duration,
        request_timeout: Duration,
        max_response_bytes: u64,
    ) -> Result<Transport, Error> {
        let tls = if endpoint.https {
            Some(tokio_rustls::TlsConnector::from(Arc::new(tls_config(
                no_verify, ca_file,
            )?)))
        } else {
            None
        };
        Ok(Transport {
            endpoint,
            proxy,
            tls,
            connect_timeout,
            request_timeout,
            max_response_bytes,
            conn: tokio::sync::Mutex::new(None),
        })
    }

    pub(crate) fn target(&self) -> String {
        addr_of(&self.endpoint.host, self.endpoint.port)
    }

    async fn open_stream(&self) -> Result<Box<dyn Io>, Error> {
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
                match p.kind {
                    ProxyKind::Http => {
                        let mut s = TcpStream::connect((p.host.as_str(), p.port))
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
                            tokio_socks::tcp::Socks4Stream::connect((p.host.as_str(), p.port), ip)
                                .await
                                .map_err(|e| perr(e.to_string()))?,
                        )
                    }
                    ProxyKind::Socks4a => Box::new(
                        tokio_socks::tcp::Socks4Stream::connect(
                            (p.host.as_str(), p.port),
                            (host, port),
                        )
                        .await
                        .map_err(|e| perr(e.to_string()))?,
                    ),
                    ProxyKind::Socks5 => Box::new(
                        tokio_socks::tcp::Socks5Stream::connect(
                            (p.host.as_str(), p.port),
                            (host, port),
                        )
                        .await
                        .map_err(|e| perr(e.to_string()))?,
                    ),
                }
            }
        };
        match &self.tls {
            None => Ok(stream),
            Some(tls) => {
                let name =
                    rustls_pki_types::ServerName::try_from(host.to_string()).map_err(|e| {
                        Error::Tls {
                            host: host.to_string(),
                            reason: e.to_string(),
                        }
                    })?;
                let s = tls.connect(name, stream).await.map_err(|e| Error::Tls {
                    host: host.to_string(),
                    reason: e.to_string(),
                })?;
                Ok(Box::new(s))
            }
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
