//! Certificate trust for https: which server certificates the client accepts and how a
//! refusal is reported.
//!
//! A certificate is trusted when it matches one of the configured pins (SHA-256, or SHA-1 as
//! govc's known-hosts files hold, of the DER certificate; then neither its issuer nor its
//! names are checked), or, without pins, when it chains to the CA file's certificates (which
//! replace the bundled and system roots, as libvirt's `cacert=` does) or else to those roots
//! and names the host. `no_verify` accepts anything. A refused certificate's thumbprints
//! travel in the error ([`Error::Tls`]), so the user can check and pin it.
//! [`peer_thumbprints`] reads a server's certificate without trusting it.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use crate::client::ClientConfig;
use crate::error::Error;

/// The SHA-1 and SHA-256 digests of a DER certificate: what VMware calls its thumbprints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Thumbprints {
    /// SHA-1 (what VDDK, virt-v2v's `vddk-thumbprint=` and older vSphere APIs use).
    pub sha1: [u8; 20],
    /// SHA-256.
    pub sha256: [u8; 32],
}

impl Thumbprints {
    /// The thumbprints of a DER-encoded certificate.
    pub fn of_der(der: &[u8]) -> Thumbprints {
        let mut t = Thumbprints {
            sha1: [0; 20],
            sha256: [0; 32],
        };
        t.sha1.copy_from_slice(
            ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, der).as_ref(),
        );
        t.sha256
            .copy_from_slice(ring::digest::digest(&ring::digest::SHA256, der).as_ref());
        t
    }

    /// SHA-1 as colon-separated upper-case hex (`AB:CD:...`).
    pub fn sha1_hex(&self) -> String {
        colon_hex(&self.sha1)
    }

    /// SHA-256 as colon-separated upper-case hex.
    pub fn sha256_hex(&self) -> String {
        colon_hex(&self.sha256)
    }
}

impl fmt::Display for Thumbprints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SHA-256 thumbprint {}, SHA-1 thumbprint {}",
            self.sha256_hex(),
            self.sha1_hex()
        )
    }
}

fn colon_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        s.push_str(&format!("{b:02X}"));
    }
    s
}

/// A certificate pinned by its thumbprint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pin {
    /// SHA-256 of the DER certificate.
    Sha256([u8; 32]),
    /// SHA-1 of the DER certificate (govc's known-hosts files hold these).
    Sha1([u8; 20]),
}

impl Pin {
    /// Parses a SHA-256 thumbprint: 64 hex digits, colons between byte pairs allowed, any
    /// case.
    pub fn parse_sha256(text: &str) -> Option<Pin> {
        match Pin::parse(text)? {
            p @ Pin::Sha256(_) => Some(p),
            Pin::Sha1(_) => None,
        }
    }

    /// Parses a SHA-256 (64 hex digits) or SHA-1 (40) thumbprint, colons allowed.
    pub fn parse(text: &str) -> Option<Pin> {
        let digits: Vec<u8> = text.bytes().filter(|b| *b != b':').collect();
        if text.starts_with(':') || text.ends_with(':') || text.contains("::") {
            return None;
        }
        let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
        let mut bytes = Vec::with_capacity(digits.len() / 2);
        for pair in digits.chunks(2) {
            match pair {
                [h, l] => bytes.push(nibble(*h)? << 4 | nibble(*l)?),
                _ => return None,
            }
        }
        if let Ok(b) = <[u8; 32]>::try_from(bytes.as_slice()) {
            Some(Pin::Sha256(b))
        } else {
            <[u8; 20]>::try_from(bytes.as_slice()).ok().map(Pin::Sha1)
        }
    }

    /// Whether a certificate with these thumbprints is the pinned one.
    pub fn matches(&self, t: &Thumbprints) -> bool {
        match self {
            Pin::Sha256(d) => *d == t.sha256,
            Pin::Sha1(d) => *d == t.sha1,
        }
    }
}

impl fmt::Display for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pin::Sha256(d) => f.write_str(&colon_hex(d)),
            Pin::Sha1(d) => f.write_str(&colon_hex(d)),
        }
    }
}

/// A known-hosts file as govc's `-tls-known-hosts` reads it: one `HOST THUMBPRINT` per
/// line, HOST being `name`, `name:port` or `[v6]:port` (without a port: 443, as govc
/// reads it), THUMBPRINT SHA-256 or SHA-1 in hex; blank lines and `#` comments are
/// skipped. A host may have several lines (any of them matches).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KnownHosts {
    entries: Vec<(String, u16, Pin)>,
}

impl KnownHosts {
    /// Parses the file's text; `name` (the file's path) goes into errors with the line.
    pub fn parse(text: &str, name: &str) -> Result<KnownHosts, Error> {
        let mut entries = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |why: &str| {
                Error::Config(format!(
                    "known-hosts file {name}, line {}: {why} (expected 'HOST[:PORT] THUMBPRINT')",
                    i + 1
                ))
            };
            let mut fields = line.split_whitespace();
            let (Some(host), Some(thumb), None) = (fields.next(), fields.next(), fields.next())
            else {
                return Err(bad("not two fields"));
            };
            let (host, port) = crate::transport::split_host_port(host, 443)
                .ok_or_else(|| bad(&format!("bad host '{host}'")))?;
            let pin = Pin::parse(thumb).ok_or_else(|| {
                bad(&format!(
                    "bad thumbprint '{thumb}' (SHA-256 or SHA-1 in hex, colons allowed)"
                ))
            })?;
            entries.push((host.to_ascii_lowercase(), port, pin));
        }
        Ok(KnownHosts { entries })
    }

    /// Reads and parses the file at `path`.
    pub fn load(path: &Path) -> Result<KnownHosts, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::Config(format!(
                "cannot read known-hosts file {}: {e}",
                path.display()
            ))
        })?;
        KnownHosts::parse(&text, &path.display().to_string())
    }

    /// The pins listed for `host` (any case) on `port`.
    pub fn pins_for(&self, host: &str, port: u16) -> Vec<Pin> {
        let host = host.to_ascii_lowercase();
        self.entries
            .iter()
            .filter(|(h, p, _)| *h == host && *p == port)
            .map(|(_, _, pin)| *pin)
            .collect()
    }
}

/// Why a certificate was refused; carried through rustls inside the handshake error.
#[derive(Debug)]
struct Refused {
    thumbprints: Thumbprints,
    /// `None`: it matched none of the pins; else the verification's failure.
    reason: Option<String>,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reason {
            None => f.write_str("the server certificate matches none of the pinned thumbprints"),
            Some(r) => write!(f, "the server certificate is not trusted ({r})"),
        }
    }
}

impl std::error::Error for Refused {}

fn refuse(thumbprints: Thumbprints, reason: Option<String>) -> rustls::Error {
    rustls::Error::InvalidCertificate(CertificateError::Other(rustls::OtherError(Arc::new(
        Refused {
            thumbprints,
            reason,
        },
    ))))
}

/// Pins first; without pins, the CA roots through webpki.
#[derive(Debug)]
struct Verifier {
    provider: Arc<CryptoProvider>,
    webpki: Arc<WebPkiServerVerifier>,
    pins: Vec<Pin>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let thumbprints = Thumbprints::of_der(end_entity);
        if !self.pins.is_empty() {
            // A pin names the certificate itself: its issuer and names do not matter, and
            // a certificate a CA vouches for is still refused when it is not the pinned one.
            return if self.pins.iter().any(|p| p.matches(&thumbprints)) {
                Ok(ServerCertVerified::assertion())
            } else {
                Err(refuse(thumbprints, None))
            };
        }
        self.webpki
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map_err(|e| refuse(thumbprints, Some(e.to_string())))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Accepts any certificate: for `no_verify`, and (remembering the certificate) for reading a
/// server's thumbprints.
#[derive(Debug)]
struct AcceptAny {
    provider: Arc<CryptoProvider>,
    seen: Option<Arc<Mutex<Option<Thumbprints>>>>,
}

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(seen) = &self.seen {
            *seen.lock().unwrap_or_else(PoisonError::into_inner) =
                Some(Thumbprints::of_der(end_entity));
        }
        Ok(ServerCertVerified::assertion())
    }

    // Without verification the certificate is not trusted, so proving possession of its
    // key proves nothing; accepting any signature also admits the small (1024-bit) RSA keys
    // of test servers that webpki refuses.
    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// System CA bundles tried (besides the bundled Mozilla roots) when no CA file is given.
const SYSTEM_CA_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
];

/// The certificates of a PEM CA file (at least one).
fn ca_file_roots(path: &Path) -> Result<rustls::RootCertStore, Error> {
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    let iter = CertificateDer::pem_file_iter(path)
        .map_err(|e| Error::Config(format!("cannot read CA file {}: {e}", path.display())))?;
    for cert in iter {
        let cert =
            cert.map_err(|e| Error::Config(format!("bad CA file {}: {e}", path.display())))?;
        roots
            .add(cert)
            .map_err(|e| Error::Config(format!("bad certificate in {}: {e}", path.display())))?;
    }
    if roots.is_empty() {
        return Err(Error::Config(format!(
            "CA file {} holds no PEM certificate",
            path.display()
        )));
    }
    Ok(roots)
}

fn default_roots() -> rustls::RootCertStore {
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for bundle in SYSTEM_CA_BUNDLES {
        if let Ok(iter) = CertificateDer::pem_file_iter(bundle) {
            for cert in iter.flatten() {
                let _ = roots.add(cert);
            }
            break;
        }
    }
    roots
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn with_verifier(
    provider: Arc<CryptoProvider>,
    verifier: Arc<dyn ServerCertVerifier>,
) -> Result<rustls::ClientConfig, Error> {
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS setup: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(cfg)
}

/// The rustls configuration `cfg` asks for: no verification, pins, or CA roots.
pub(crate) fn tls_config(cfg: &ClientConfig) -> Result<rustls::ClientConfig, Error> {
    let provider = provider();
    if cfg.no_verify {
        let any = AcceptAny {
            provider: provider.clone(),
            seen: None,
        };
        return with_verifier(provider, Arc::new(any));
    }
    let roots = match &cfg.ca_file {
        Some(path) => ca_file_roots(path)?,
        None => default_roots(),
    };
    let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| Error::Config(format!("TLS setup: {e}")))?;
    let verifier = Verifier {
        provider: provider.clone(),
        webpki,
        pins: cfg.pins.clone(),
    };
    with_verifier(provider, Arc::new(verifier))
}

/// A configuration that accepts any certificate and records its thumbprints in `seen`.
pub(crate) fn capturing_config(
    seen: Arc<Mutex<Option<Thumbprints>>>,
) -> Result<rustls::ClientConfig, Error> {
    let provider = provider();
    let any = AcceptAny {
        provider: provider.clone(),
        seen: Some(seen),
    };
    with_verifier(provider, Arc::new(any))
}

/// The error for a failed handshake with `host`: for a refused certificate, what was wrong,
/// its thumbprints and `advice` (how to trust it).
pub(crate) fn handshake_error(host: &str, e: &std::io::Error, advice: &str) -> Error {
    let refused = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .and_then(|r| match r {
            rustls::Error::InvalidCertificate(CertificateError::Other(o)) => {
                o.0.downcast_ref::<Refused>()
            }
            _ => None,
        });
    match refused {
        Some(r) => Error::Tls {
            host: host.to_string(),
            reason: format!("{r}; {}; {advice}", r.thumbprints),
            thumbprints: Some(Box::new(r.thumbprints)),
        },
        None => Error::Tls {
            host: host.to_string(),
            reason: e.to_string(),
            thumbprints: None,
        },
    }
}

/// What the refusal says when the configuration gives no advice of its own.
pub(crate) const DEFAULT_ADVICE: &str =
    "to trust it, give its CA (ca_file) or pin its SHA-256 thumbprint (pins); no_verify skips verification";

/// Connects as `cfg` says (through its proxy, within its connect timeout) and reads the
/// server's certificate without trusting it or sending a request: its thumbprints, for
/// showing to a user or for tools that need them (VDDK's thumbprint). An error for a
/// plain-http URL.
pub async fn peer_thumbprints(cfg: &ClientConfig) -> Result<Thumbprints, Error> {
    let (endpoint, _) = crate::client::parse_url(&cfg.url)?;
    if !endpoint.https {
        return Err(Error::Config(format!(
            "{} is plain http: there is no certificate",
            cfg.url
        )));
    }
    let mut plain = cfg.clone();
    plain.no_verify = true;
    let transport = crate::transport::Transport::new(endpoint, &plain)?;
    transport.peer_thumbprints().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbprints_are_sha1_and_sha256_in_colon_hex() {
        let t = Thumbprints::of_der(b"abc");
        assert_eq!(
            t.sha1_hex(),
            "A9:99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9D"
        );
        assert_eq!(
            t.sha256_hex(),
            "BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD"
        );
        assert!(t.to_string().starts_with("SHA-256 thumbprint BA:78:"));
    }

    #[test]
    fn pins_parse_with_or_without_colons() {
        let t = Thumbprints::of_der(b"abc");
        let colon = Pin::parse_sha256(&t.sha256_hex()).unwrap();
        let plain = Pin::parse_sha256(&t.sha256_hex().replace(':', "").to_lowercase()).unwrap();
        assert_eq!(colon, plain);
        assert!(colon.matches(&t));
        assert!(!colon.matches(&Thumbprints::of_der(b"abd")));
        assert_eq!(colon.to_string(), t.sha256_hex());
        // SHA-1 is a pin, but not a SHA-256 one
        assert!(Pin::parse(&t.sha1_hex()).unwrap().matches(&t));
        assert_eq!(Pin::parse_sha256(&t.sha1_hex()), None);
        for bad in [
            "",
            "zz",
            "AB:CD",
            &t.sha256_hex()[3..],
            &format!("{}:", t.sha256_hex()),
            &format!(":{}", t.sha256_hex()),
            &t.sha256_hex().replacen(':', "::", 1),
            &format!("{}0", t.sha256_hex().replace(':', "")),
        ] {
            assert_eq!(Pin::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn known_hosts_lines() {
        let t = Thumbprints::of_der(b"abc");
        let text = format!(
            "# pinned hosts\n\nesx1.Example.com {}\nesx2:8443 {}\n[::1]:9443 {}\nesx1.example.com {}\n",
            t.sha256_hex(),
            t.sha1_hex(),
            t.sha256_hex().replace(':', ""),
            Thumbprints::of_der(b"new").sha256_hex(),
        );
        let k = KnownHosts::parse(&text, "kh").unwrap();
        assert_eq!(k.pins_for("ESX1.example.com", 443).len(), 2);
        assert!(k.pins_for("esx1.example.com", 443)[0].matches(&t));
        assert!(k.pins_for("esx1.example.com", 8443).is_empty());
        assert!(matches!(k.pins_for("esx2", 8443)[..], [Pin::Sha1(_)]));
        assert!(k.pins_for("esx2", 443).is_empty());
        assert!(k.pins_for("::1", 9443)[0].matches(&t));
        assert!(k.pins_for("other", 443).is_empty());

        let e = KnownHosts::parse("# c\nesx1\n", "/x/kh").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid configuration: known-hosts file /x/kh, line 2: not two fields (expected 'HOST[:PORT] THUMBPRINT')"
        );
        let e = KnownHosts::parse("esx1 AB:CD", "kh").unwrap_err();
        assert!(
            e.to_string().contains("line 1: bad thumbprint 'AB:CD'"),
            "{e}"
        );
        let e = KnownHosts::parse(&format!("esx1:x {}", t.sha1_hex()), "kh").unwrap_err();
        assert!(e.to_string().contains("bad host 'esx1:x'"), "{e}");
        let e = KnownHosts::load(Path::new("/nonexistent/kh")).unwrap_err();
        assert!(
            e.to_string().starts_with(
                "invalid configuration: cannot read known-hosts file /nonexistent/kh:"
            ),
            "{e}"
        );
    }
}
