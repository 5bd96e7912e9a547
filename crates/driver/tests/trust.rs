//! Certificate trust and transport limits from the URI, against esxsim serving a certificate
//! signed by a private CA made in the test: `cacert=`, `esxvirt_thumbprint=`, the known-hosts
//! file, the untrusted-certificate error with both thumbprints, `server_thumbprints`, and
//! `esxvirt_timeout=` / `esxvirt_max_response=` taking effect.

mod common;

use common::{options, tempdir, Sim};
use esxvirt_driver::trust::{server_thumbprints, Thumbprints};
use esxvirt_driver::{Connection, ErrorCode, Uri};
use esxvirt_sim::{Action, Injection, InventorySource, SimConfig, Tls};
use esxvirt_testkit::pki::{private_ca, PrivateCa};

/// esxsim over https with `pki`'s certificate.
fn sim_with(pki: &PrivateCa) -> Sim {
    Sim::start_with(SimConfig {
        inventory: InventorySource::DefaultEsx,
        tls: Tls::Files {
            cert: pki.cert_pem.clone(),
            key: pki.key_pem.clone(),
        },
        ..SimConfig::default()
    })
}

fn open(uri: &str) -> esxvirt_driver::Result<Connection> {
    Connection::open(uri, &options("root", "password"))
}

/// Opens `uri` and lists the domains: what any command does first.
fn works(uri: &str) {
    let conn = open(uri).unwrap_or_else(|e| panic!("{uri}: {e}"));
    assert!(!conn.list_all_domains(0).expect("list").is_empty());
}

/// The error of opening `uri`, checked to be one line that names both thumbprints of `der`.
fn refused(uri: &str, der: &[u8]) -> String {
    let e = open(uri).map(|_| ()).unwrap_err();
    let t = Thumbprints::of_der(der);
    let s = e.to_string();
    assert!(!s.contains('\n'), "{s}");
    assert_eq!(e.code(), ErrorCode::OperationFailed, "{s}");
    assert!(
        s.contains(&format!("SHA-256 thumbprint {}", t.sha256_hex())),
        "{s}"
    );
    assert!(
        s.contains(&format!("SHA-1 thumbprint {}", t.sha1_hex())),
        "{s}"
    );
    s
}

#[test]
fn cacert_trusts_the_private_ca() {
    let dir = tempdir("trust-cacert");
    let pki = private_ca(&dir.join("good"), "Good CA", &["127.0.0.1"]);
    let other = private_ca(&dir.join("other"), "Other CA", &["127.0.0.1"]);
    let sim = sim_with(&pki);
    let base = format!("esx://root@{}/", sim.addr());
    let kh = dir.join("no-known-hosts");

    works(&format!("{base}?cacert={}", pki.ca_pem.display()));

    // Without cacert= (system roots) and with the wrong CA: the thumbprints and every way
    // to trust the certificate, in one line.
    for query in [String::new(), format!("cacert={}&", other.ca_pem.display())] {
        let uri = format!("{base}?{query}esxvirt_known_hosts={}", kh.display());
        std::fs::write(&kh, "").unwrap();
        let s = refused(&uri, &pki.cert_der);
        assert!(
            s.starts_with("operation failed: TLS with 127.0.0.1 failed: the server certificate is not trusted (invalid peer certificate: UnknownIssuer); SHA-256 thumbprint "),
            "{s}"
        );
        assert!(
            s.ends_with(&format!(
                "; to trust it, give its CA with cacert=PATH, pin it with esxvirt_thumbprint=SHA256 or with a line '{} SHA256' in {}, or skip verification with no_verify=1",
                sim.addr(),
                kh.display()
            )),
            "{s}"
        );
    }
    // no_verify=1 still skips verification, cacert= or not.
    works(&format!(
        "{base}?no_verify=1&cacert={}",
        other.ca_pem.display()
    ));
    // A cacert= file that cannot be read is an error naming it.
    let e = open(&format!(
        "{base}?cacert={}",
        dir.join("missing.pem").display()
    ))
    .map(|_| ())
    .unwrap_err();
    assert!(e.to_string().contains("missing.pem"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn thumbprint_pins_and_the_known_hosts_file() {
    let dir = tempdir("trust-pins");
    let pki = private_ca(&dir.join("ca"), "Private CA", &["127.0.0.1"]);
    let sim = sim_with(&pki);
    let base = format!("esx://root@{}/", sim.addr());
    let t = Thumbprints::of_der(&pki.cert_der);
    let wrong = Thumbprints::of_der(b"another certificate");

    // The thumbprint the driver reads from the server is the certificate's.
    let read = server_thumbprints(&Uri::parse(&base).unwrap()).expect("thumbprints");
    assert_eq!(read, t);

    // The SHA-256 pin trusts the certificate though no root does.
    works(&format!("{base}?esxvirt_thumbprint={}", t.sha256_hex()));
    let plain = t.sha256_hex().replace(':', "").to_lowercase();
    works(&format!("{base}?esxvirt_thumbprint={plain}"));
    // A wrong pin fails, even with the CA that signed the certificate.
    let s = refused(
        &format!(
            "{base}?cacert={}&esxvirt_thumbprint={}",
            pki.ca_pem.display(),
            wrong.sha256_hex()
        ),
        &pki.cert_der,
    );
    assert!(
        s.contains("the server certificate matches none of the pinned thumbprints"),
        "{s}"
    );
    assert!(
        s.ends_with(&format!(
            "; the URI pins esxvirt_thumbprint={}; if the server's certificate was replaced, check the new one and pin it instead, or skip verification with no_verify=1",
            wrong.sha256_hex()
        )),
        "{s}"
    );

    // The known-hosts file: a line for HOST:PORT trusts it (SHA-256, or govc's SHA-1).
    let kh = dir.join("known_hosts");
    let with_file = format!("{base}?esxvirt_known_hosts={}", kh.display());
    std::fs::write(
        &kh,
        format!("# esxsim\n{} {}\n", sim.addr(), t.sha256_hex()),
    )
    .unwrap();
    works(&with_file);
    std::fs::write(&kh, format!("{} {}\n", sim.addr(), t.sha1_hex())).unwrap();
    works(&with_file);
    // A line for another port does not apply; a wrong line for this one fails.
    std::fs::write(&kh, format!("127.0.0.1:1 {}\n", t.sha256_hex())).unwrap();
    refused(&with_file, &pki.cert_der);
    std::fs::write(&kh, format!("{} {}\n", sim.addr(), wrong.sha256_hex())).unwrap();
    let s = refused(&with_file, &pki.cert_der);
    assert!(
        s.contains(&format!(
            "; {} pins {} to another certificate;",
            kh.display(),
            sim.addr()
        )),
        "{s}"
    );
    // The URI's pin wins over the file's.
    works(&format!(
        "{with_file}&esxvirt_thumbprint={}",
        t.sha256_hex()
    ));
    // A named file that does not exist is an error.
    let e = open(&format!(
        "{base}?esxvirt_known_hosts={}",
        dir.join("nope").display()
    ))
    .map(|_| ())
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ConfSyntax, "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn timeout_and_response_cap_take_effect() {
    let sim = Sim::start(InventorySource::DefaultEsx, false);
    let base = format!("esx://root@{}/?transport=http", sim.addr());

    // A server slower than esxvirt_timeout: a clear timeout error; the default waits.
    sim.sim().inject(Injection {
        method: Some("Login".into()),
        action: Action::Latency { ms: 2500 },
        count: Some(1),
    });
    let e = open(&format!("{base}&esxvirt_timeout=1"))
        .map(|_| ())
        .unwrap_err();
    // The limit to raise is named.
    assert_eq!(
        e.to_string(),
        "operation failed: the request timed out after 1s (raise the limit with the URI parameter esxvirt_timeout=SECONDS)"
    );
    sim.sim().inject(Injection {
        method: Some("Login".into()),
        action: Action::Latency { ms: 1500 },
        count: Some(1),
    });
    works(&base);

    // A response over esxvirt_max_response: a clear error naming the limit.
    let capped = format!("{base}&esxvirt_max_response=1K");
    let e = match open(&capped) {
        Err(e) => e,
        Ok(conn) => conn.list_all_domains(0).map(|_| ()).unwrap_err(),
    };
    assert!(
        e.to_string().ends_with(
            "exceeds the limit of 1024 bytes (raise the limit with the URI parameter esxvirt_max_response=SIZE)"
        ),
        "{e}"
    );
    works(&format!("{base}&esxvirt_max_response=1M"));
}
