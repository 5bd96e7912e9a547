//! Certificates for TLS tests: a private CA made on the spot and a server certificate it
//! signed, written as PEM files, as an administrator's own CA would issue them.

use std::fs;
use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};

/// A private CA and one server certificate it signed, as files in one directory.
#[derive(Debug, Clone)]
pub struct PrivateCa {
    /// The CA certificate (PEM): what a client trusts.
    pub ca_pem: PathBuf,
    /// The server certificate (PEM).
    pub cert_pem: PathBuf,
    /// The server certificate's private key (PEM).
    pub key_pem: PathBuf,
    /// The server certificate (DER): what thumbprints are taken of.
    pub cert_der: Vec<u8>,
}

/// Makes a CA named `ca_name` and a server certificate for `names` (host names or IP
/// addresses) signed by it, written to `dir` (created) as `ca.pem`, `cert.pem`, `key.pem`.
pub fn private_ca(dir: &Path, ca_name: &str, names: &[&str]) -> PrivateCa {
    fs::create_dir_all(dir).expect("certificate directory");
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, ca_name);
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca.self_signed(&ca_key).expect("CA certificate");
    let key = KeyPair::generate().expect("server key");
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let mut params = CertificateParams::new(names.clone()).expect("server parameters");
    params.distinguished_name.push(
        DnType::CommonName,
        names.first().cloned().unwrap_or_default(),
    );
    let cert = params
        .signed_by(&key, &ca_cert, &ca_key)
        .expect("server certificate");
    let out = PrivateCa {
        ca_pem: dir.join("ca.pem"),
        cert_pem: dir.join("cert.pem"),
        key_pem: dir.join("key.pem"),
        cert_der: cert.der().to_vec(),
    };
    fs::write(&out.ca_pem, ca_cert.pem()).expect("write ca.pem");
    fs::write(&out.cert_pem, cert.pem()).expect("write cert.pem");
    fs::write(&out.key_pem, key.serialize_pem()).expect("write key.pem");
    out
}
