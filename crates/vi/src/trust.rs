//! Certificate trust for https: which server certificates the client accepts, and the
//! thumbprints of one it refused.
//!
//! A certificate is trusted when it matches one of the pins (SHA-256, or SHA-1 as govc's
//! known-hosts files hold, of the DER certificate; then neither its issuer nor its names
//! are checked), or, without pins, when it chains to the CA file's certificates (which
//! replace the bundled and system roots, as libvirt's `cacert=` does) or else to those roots
//! and names the host. `no_verify` accepts anything.
//!
//! Failures are plain text here; the transport turns them into the crate's errors.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use crate::thumbprint::{Pin, Thumbprints};

/// What decides trust.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Trust<'a> {
    /// Accept any certificate.
    pub no_verify: bool,
    /// CA certificates (PEM) replacing the bundled and system roots.
    pub ca_file: Option<&'a Path>,
    /// When not empty, the certificate must match one of these, and nothing else counts.
    pub pins: &'a [Pin],
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

/// How a server certificate is checked.
#[derive(Debug)]
enum Check {
    /// Pins first; without pins, the CA roots through webpki.
    Verify {
        webpki: Arc<WebPkiServerVerifier>,
        pins: Vec<Pin>,
    },
    /// Any certificate: for `no_verify`, and (remembering the certificate in `seen`) for
    /// reading a server's thumbprints.
    AcceptAny {
        seen: Option<Arc<Mutex<Option<Thumbprints>>>>,
    },
}

#[derive(Debug)]
struct Verifier {
    provider: Arc<CryptoProvider>,
    check: Check,
}

/// The handshake signature checks, which differ only in the TLS version's rustls function
/// (named as the trait's method is).
macro_rules! signature_checks {
    ($($method:ident),+) => {$(
        fn $method(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            match self.check {
                // Without verification the certificate is not trusted, so proving
                // possession of its key proves nothing; accepting any signature also
                // admits the small (1024-bit) RSA keys of test servers that webpki refuses.
                Check::AcceptAny { .. } => Ok(HandshakeSignatureValid::assertion()),
                Check::Verify { .. } => rustls::crypto::$method(
                    message,
                    cert,
                    dss,
                    &self.provider.signature_verification_algorithms,
                ),
            }
        }
    )+};
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
        let (webpki, pins) = match &self.check {
            Check::AcceptAny { seen } => {
                if let Some(seen) = seen {
                    *seen.lock().unwrap_or_else(PoisonError::into_inner) =
                        Some(Thumbprints::of_der(end_entity));
                }
                return Ok(ServerCertVerified::assertion());
            }
            Check::Verify { webpki, pins } => (webpki, pins),
        };
        let thumbprints = Thumbprints::of_der(end_entity);
        if !pins.is_empty() {
            // A pin names the certificate itself: its issuer and names do not matter, and
            // a certificate a CA vouches for is still refused when it is not the pinned one.
            return if pins.iter().any(|p| p.matches(&thumbprints)) {
                Ok(ServerCertVerified::assertion())
            } else {
                Err(refuse(thumbprints, None))
            };
        }
        webpki
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map_err(|e| refuse(thumbprints, Some(e.to_string())))
    }

    signature_checks!(verify_tls12_signature, verify_tls13_signature);

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
fn ca_file_roots(path: &Path) -> Result<rustls::RootCertStore, String> {
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    let iter = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("cannot read CA file {}: {e}", path.display()))?;
    for cert in iter {
        let cert = cert.map_err(|e| format!("bad CA file {}: {e}", path.display()))?;
        roots
            .add(cert)
            .map_err(|e| format!("bad certificate in {}: {e}", path.display()))?;
    }
    if roots.is_empty() {
        return Err(format!(
            "CA file {} holds no PEM certificate",
            path.display()
        ));
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
    check: Check,
) -> Result<rustls::ClientConfig, String> {
    let verifier = Arc::new(Verifier {
        provider: provider.clone(),
        check,
    });
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(cfg)
}

/// The rustls configuration `trust` asks for (an error says what is wrong with it).
pub(crate) fn tls_config(trust: &Trust<'_>) -> Result<rustls::ClientConfig, String> {
    let provider = provider();
    if trust.no_verify {
        return with_verifier(provider, Check::AcceptAny { seen: None });
    }
    let roots = match trust.ca_file {
        Some(path) => ca_file_roots(path)?,
        None => default_roots(),
    };
    let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| format!("TLS setup: {e}"))?;
    let check = Check::Verify {
        webpki,
        pins: trust.pins.to_vec(),
    };
    with_verifier(provider, check)
}

/// A configuration that accepts any certificate and records its thumbprints in `seen`.
pub(crate) fn capturing_config(
    seen: Arc<Mutex<Option<Thumbprints>>>,
) -> Result<rustls::ClientConfig, String> {
    with_verifier(provider(), Check::AcceptAny { seen: Some(seen) })
}

/// For a handshake that failed because the certificate was refused: why (one line) and
/// the certificate's thumbprints.
pub(crate) fn refusal(e: &std::io::Error) -> Option<(String, Thumbprints)> {
    let inner = e.get_ref()?.downcast_ref::<rustls::Error>()?;
    match inner {
        rustls::Error::InvalidCertificate(CertificateError::Other(o)) => {
            o.0.downcast_ref::<Refused>()
                .map(|r| (r.to_string(), r.thumbprints))
        }
        _ => None,
    }
}
