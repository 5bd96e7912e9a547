//! Certificate trust against a TLS server started here with a certificate from a private CA
//! made in the test: the CA file, SHA-256 and SHA-1 pins, refusals that carry the server
//! certificate's thumbprints, and reading a server's thumbprints without trusting it.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use esxvirt_testkit::pki::{private_ca, PrivateCa};
use esxvirt_vi::*;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

fn service_content() -> ServiceContent {
    let mut sc = ServiceContent::default();
    sc.about.api_version = "8.0.1.0".into();
    sc.about.api_type = "HostAgent".into();
    sc.root_folder = ManagedObjectReference::new("Folder", "ha-folder-root");
    sc
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("esxvirt-vi-trust-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// An https server with `pki`'s server certificate answering every request with the service
/// content; returns its port.
async fn tls_server(pki: &PrivateCa) -> u16 {
    let chain = vec![CertificateDer::from_pem_file(&pki.cert_pem).unwrap()];
    let key = PrivateKeyDer::from_pem_file(&pki.key_pem).unwrap();
    common::tls_server(chain, key, service_content()).await
}

fn cfg(host: &str, port: u16) -> ClientConfig {
    let mut c = ClientConfig::new(format!("https://{host}:{port}/sdk"));
    c.connect_timeout = Duration::from_secs(5);
    c.request_timeout = Duration::from_secs(5);
    c
}

/// Asserts `e` is a one-line refusal naming both thumbprints of `der`.
fn assert_refused(e: &Error, der: &[u8], what: &str) -> String {
    let t = Thumbprints::of_der(der);
    assert_eq!(e.refused_certificate(), Some(&t), "{e:?}");
    let s = e.to_string();
    assert!(!s.contains('\n'), "{s}");
    assert!(s.contains(what), "{s}");
    for (digest, hex) in [("SHA-256", t.sha256_hex()), ("SHA-1", t.sha1_hex())] {
        assert!(s.contains(&format!("{digest} thumbprint {hex}")), "{s}");
    }
    s
}

#[tokio::test]
async fn ca_file_trusts_the_private_ca_and_no_other() {
    let dir = tempdir("ca");
    let pki = private_ca(&dir.join("good"), "Good CA", &["127.0.0.1", "localhost"]);
    let other = private_ca(&dir.join("other"), "Other CA", &["127.0.0.1"]);
    let port = tls_server(&pki).await;

    let mut c = cfg("127.0.0.1", port);
    c.ca_file = Some(pki.ca_pem.clone());
    let client = Client::connect(c)
        .await
        .expect("trusted through the CA file");
    assert_eq!(client.about().api_type, "HostAgent");

    // By default (system roots) and with another CA's file: refused, thumbprints shown.
    let e = Client::connect(cfg("127.0.0.1", port)).await.unwrap_err();
    let s = assert_refused(&e, &pki.cert_der, "is not trusted");
    assert!(s.starts_with("TLS with 127.0.0.1 failed: "), "{s}");
    assert!(s.ends_with("no_verify skips verification"), "{s}");
    let mut c = cfg("127.0.0.1", port);
    c.ca_file = Some(other.ca_pem.clone());
    c.trust_advice = Some("to trust it, ask the admin".into());
    let e = Client::connect(c).await.unwrap_err();
    let s = assert_refused(&e, &pki.cert_der, "UnknownIssuer");
    assert!(s.ends_with("; to trust it, ask the admin"), "{s}");

    // The CA vouches for the certificate, but not for a name it does not carry.
    let mut c = cfg("localhost", port);
    c.ca_file = Some(pki.ca_pem.clone());
    Client::connect(c)
        .await
        .expect("localhost is in the certificate");
    let narrow = private_ca(&dir.join("narrow"), "Narrow CA", &["esx.example.com"]);
    let narrow_port = tls_server(&narrow).await;
    let mut c = cfg("127.0.0.1", narrow_port);
    c.ca_file = Some(narrow.ca_pem.clone());
    let e = Client::connect(c).await.unwrap_err();
    assert_refused(&e, &narrow.cert_der, "not valid for name");

    // A CA file that is no CA file is a configuration error naming it.
    let mut c = cfg("127.0.0.1", port);
    let junk = dir.join("junk.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    c.ca_file = Some(junk.clone());
    let e = Client::connect(c).await.unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e:?}");
    assert!(e.to_string().contains(&junk.display().to_string()), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn pins_decide_alone() {
    let dir = tempdir("pins");
    let pki = private_ca(&dir.join("good"), "Good CA", &["esx.example.com"]);
    let port = tls_server(&pki).await;
    let t = Thumbprints::of_der(&pki.cert_der);

    // A pinned certificate is trusted though no root vouches for it and its name differs.
    let mut c = cfg("127.0.0.1", port);
    c.pins = vec![Pin::parse_sha256(&t.sha256_hex()).unwrap()];
    Client::connect(c).await.expect("SHA-256 pin");
    let mut c = cfg("127.0.0.1", port);
    c.pins = vec![Pin::parse(&t.sha1_hex()).unwrap()];
    Client::connect(c).await.expect("SHA-1 pin");
    // Several pins (a replaced certificate): any one matches.
    let stale = Pin::parse_sha256(&Thumbprints::of_der(b"old").sha256_hex()).unwrap();
    let mut c = cfg("127.0.0.1", port);
    c.pins = vec![stale, Pin::parse_sha256(&t.sha256_hex()).unwrap()];
    Client::connect(c).await.expect("second pin");

    // A wrong pin fails, even when the CA file would vouch for the certificate.
    let mut c = cfg("esx.example.com", port);
    c.url = format!("https://127.0.0.1:{port}/sdk");
    c.pins = vec![stale];
    c.ca_file = Some(pki.ca_pem.clone());
    let e = Client::connect(c).await.unwrap_err();
    assert_refused(&e, &pki.cert_der, "matches none of the pinned thumbprints");

    // no_verify accepts anything, pins or not.
    let mut c = cfg("127.0.0.1", port);
    c.pins = vec![stale];
    c.no_verify = true;
    Client::connect(c).await.expect("no_verify");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn peer_thumbprints_read_an_untrusted_certificate() {
    let dir = tempdir("peer");
    let pki = private_ca(&dir, "Some CA", &["127.0.0.1"]);
    let port = tls_server(&pki).await;
    let t = peer_thumbprints(&cfg("127.0.0.1", port))
        .await
        .expect("thumbprints");
    assert_eq!(t, Thumbprints::of_der(&pki.cert_der));
    assert_eq!(t.sha1_hex().len(), 59);
    assert_eq!(t.sha256_hex().len(), 95);

    let e = peer_thumbprints(&ClientConfig::new(format!("http://127.0.0.1:{port}/sdk")))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("plain http"), "{e}");
    let closed = esxvirt_testkit::free_port();
    let e = peer_thumbprints(&cfg("127.0.0.1", closed))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::ConnectionRefused { .. }), "{e:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
