//! How the driver reaches a server: the SOAP client's settings from the URI — its proxy, the
//! certificates it trusts, what a refused certificate's error tells the user, the request
//! timeout and the response cap — and the thumbprints of a server's certificate.
//!
//! Trust, checked in this order: `no_verify=1` trusts anything (the only way to skip
//! verification); `esxvirt_thumbprint=SHA256` trusts that certificate and no other; else the
//! known-hosts file's lines for the server's `HOST:PORT` (`esxvirt_known_hosts=PATH`, else
//! `$XDG_CONFIG_HOME/esxvirt/known_hosts`, govc's `HOST[:PORT] THUMBPRINT` format, SHA-256
//! or SHA-1), when there are any, do the same; else the certificate must chain to
//! `cacert=PATH`'s certificates (instead of the system's, as libvirt does) or to the system
//! roots, and name the host.

use std::path::{Path, PathBuf};

use esxvirt_vi as vi;
pub use esxvirt_vi::Thumbprints;

use super::uri::{ProxyType, Scheme, Transport, Uri};
use crate::error::{Error, ErrorCode, Result};

/// The known-hosts file under the user's configuration directory.
const KNOWN_HOSTS: &str = "esxvirt/known_hosts";

/// The default known-hosts file: `$XDG_CONFIG_HOME/esxvirt/known_hosts`, else
/// `~/.config/esxvirt/known_hosts`; `None` when neither variable is set.
pub fn default_known_hosts() -> Option<PathBuf> {
    super::auth::config_home().map(|c| c.join(KNOWN_HOSTS))
}

/// The known-hosts file `uri` uses, and whether the URI names it (then it must exist).
pub fn known_hosts_file(uri: &Uri) -> Option<(PathBuf, bool)> {
    match &uri.params.known_hosts {
        Some(p) => Some((p.clone(), true)),
        None => default_known_hosts().map(|p| (p, false)),
    }
}

/// `HOST:PORT` as a known-hosts line names the URI's server.
fn host_port(uri: &Uri) -> String {
    format!("{}:{}", uri.host_for_url(), uri.effective_port())
}

/// Where the pins for a server came from.
enum PinSource {
    Uri(vi::Pin),
    File(PathBuf),
}

/// The pins for `uri`'s server: the URI's, else the known-hosts file's lines for it.
fn pins(uri: &Uri) -> Result<(Vec<vi::Pin>, Option<PinSource>)> {
    if let Some(pin) = uri.params.thumbprint {
        return Ok((vec![pin], Some(PinSource::Uri(pin))));
    }
    let Some((path, named)) = known_hosts_file(uri) else {
        return Ok((Vec::new(), None));
    };
    if !named && !path.exists() {
        return Ok((Vec::new(), None));
    }
    let known = vi::KnownHosts::load(&path).map_err(|e| match e {
        vi::Error::Config(m) => Error::new(ErrorCode::ConfSyntax, m),
        other => Error::internal(other.to_string()),
    })?;
    let pins = known.pins_for(&uri.host, uri.effective_port());
    let source = (!pins.is_empty()).then_some(PinSource::File(path));
    Ok((pins, source))
}

/// What the error for a refused certificate adds: how to trust it, in this driver's terms.
fn advice(uri: &Uri, source: Option<&PinSource>) -> String {
    let hp = host_port(uri);
    match source {
        Some(PinSource::Uri(pin)) => format!(
            "the URI pins esxvirt_thumbprint={pin}; if the server's certificate was replaced, check the new one and pin it instead, or skip verification with no_verify=1"
        ),
        Some(PinSource::File(path)) => format!(
            "{} pins {hp} to another certificate; if the server's certificate was replaced, check the new one and update that file, or skip verification with no_verify=1",
            path.display()
        ),
        None => {
            let file = match known_hosts_file(uri) {
                Some((p, _)) => p.display().to_string(),
                None => "a known-hosts file named by esxvirt_known_hosts=PATH".to_string(),
            };
            format!(
                "to trust it, give its CA with cacert=PATH, pin it with esxvirt_thumbprint=SHA256 or with a line '{hp} SHA256' in {file}, or skip verification with no_verify=1"
            )
        }
    }
}

/// The settings every connection to `uri`'s server shares: its address, proxy, request
/// timeout and response cap (certificates are not verified).
fn base_config(uri: &Uri) -> vi::ClientConfig {
    let mut cfg = vi::ClientConfig::new(uri.sdk_url());
    cfg.no_verify = uri.params.no_verify;
    cfg.proxy = uri.params.proxy.as_ref().map(|p| vi::Proxy {
        kind: match p.kind {
            ProxyType::Http => vi::ProxyKind::Http,
            ProxyType::Socks4 => vi::ProxyKind::Socks4,
            ProxyType::Socks4a => vi::ProxyKind::Socks4a,
            ProxyType::Socks5 => vi::ProxyKind::Socks5,
        },
        host: p.host.clone(),
        port: p.port,
    });
    if let Some(t) = uri.params.timeout {
        cfg.request_timeout = t;
    }
    if let Some(m) = uri.params.max_response {
        cfg.max_response_bytes = m;
    }
    cfg
}

/// The SOAP client's configuration for `uri`: [`base_config`] plus certificate trust
/// (`ca_file` stands in for a missing `cacert=`). Reads the known-hosts file.
pub(crate) fn client_config(uri: &Uri, ca_file: Option<&Path>) -> Result<vi::ClientConfig> {
    let mut cfg = base_config(uri);
    let verifies =
        !cfg.no_verify && uri.params.transport == Transport::Https && uri.scheme != Scheme::Sim;
    if verifies {
        cfg.ca_file = uri
            .params
            .cacert
            .clone()
            .or_else(|| ca_file.map(Path::to_path_buf));
        let (pins, source) = pins(uri)?;
        cfg.trust_advice = Some(advice(uri, source.as_ref()));
        cfg.pins = pins;
    }
    Ok(cfg)
}

/// The SHA-1 and SHA-256 thumbprints of the certificate `uri`'s server presents (through
/// the URI's proxy), read without trusting it and without logging in: what a user checks
/// before pinning it, and what VDDK's `thumbprint` option wants (SHA-1).
pub fn server_thumbprints(uri: &Uri) -> Result<Thumbprints> {
    if uri.scheme == Scheme::Sim || uri.params.transport == Transport::Http {
        return Err(Error::invalid_arg(format!(
            "{} is reached over plain http: there is no certificate",
            uri.to_connected_string()
        )));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::internal(format!("cannot start the I/O runtime: {e}")))?;
    rt.block_on(vi::peer_thumbprints(&base_config(uri)))
        .map_err(|e| Error::new(ErrorCode::OperationFailed, e.to_string()).with_source(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tempdir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "esxvirt-driver-trust-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn pin_of(text: &[u8]) -> vi::Pin {
        vi::Pin::parse(&Thumbprints::of_der(text).sha256_hex()).unwrap()
    }

    #[test]
    fn settings_from_the_uri() {
        let uri = Uri::parse(
            "esx://h:8443/?esxvirt_timeout=9&esxvirt_max_response=2M&proxy=socks4a://p:99&cacert=/ca.pem&esxvirt_known_hosts=/nonexistent-kh",
        )
        .unwrap();
        // the named known-hosts file must exist
        let e = client_config(&uri, None).unwrap_err();
        assert_eq!(e.code(), ErrorCode::ConfSyntax);
        assert!(
            e.to_string()
                .contains("cannot read known-hosts file /nonexistent-kh"),
            "{e}"
        );
        let dir = tempdir("settings");
        let kh = dir.join("kh");
        std::fs::write(&kh, "").unwrap();
        let query = uri
            .query
            .clone()
            .unwrap()
            .replace("/nonexistent-kh", &kh.display().to_string());
        let uri = Uri::parse(&format!("esx://h:8443/?{query}")).unwrap();
        let cfg = client_config(&uri, None).unwrap();
        assert_eq!(cfg.url, "https://h:8443/sdk");
        assert_eq!(cfg.request_timeout, std::time::Duration::from_secs(9));
        assert_eq!(cfg.max_response_bytes, 2 << 20);
        assert_eq!(
            cfg.proxy,
            Some(vi::Proxy {
                kind: vi::ProxyKind::Socks4a,
                host: "p".into(),
                port: 99
            })
        );
        assert_eq!(cfg.ca_file, Some(PathBuf::from("/ca.pem")));
        assert!(cfg.pins.is_empty() && !cfg.no_verify);
        let advice = cfg.trust_advice.unwrap();
        assert_eq!(
            advice,
            format!("to trust it, give its CA with cacert=PATH, pin it with esxvirt_thumbprint=SHA256 or with a line 'h:8443 SHA256' in {}, or skip verification with no_verify=1", kh.display())
        );
        // defaults: the client's own
        let cfg = client_config(
            &Uri::parse("esx://h/?esxvirt_known_hosts=/nonexistent-kh&no_verify=1").unwrap(),
            None,
        )
        .unwrap();
        let defaults = vi::ClientConfig::new("x");
        assert_eq!(cfg.request_timeout, defaults.request_timeout);
        assert_eq!(cfg.max_response_bytes, defaults.max_response_bytes);
        // no_verify=1 reads no trust settings (the missing file is no error)
        assert!(cfg.no_verify && cfg.pins.is_empty() && cfg.trust_advice.is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn pins_from_the_uri_win_over_the_known_hosts_file() {
        let dir = tempdir("pins");
        let kh = dir.join("known_hosts");
        std::fs::write(
            &kh,
            format!(
                "# comment\nesx1:8443 {}\nesx1 {}\n[::1]:443 {}\n",
                Thumbprints::of_der(b"a").sha256_hex(),
                Thumbprints::of_der(b"b").sha1_hex(),
                Thumbprints::of_der(b"c").sha256_hex(),
            ),
        )
        .unwrap();
        let cfg_for = |uri: &str| {
            client_config(
                &Uri::parse(&format!("{uri}esxvirt_known_hosts={}", kh.display())).unwrap(),
                None,
            )
            .unwrap()
        };
        let cfg = cfg_for("esx://root@ESX1:8443/?");
        assert_eq!(cfg.pins, vec![pin_of(b"a")]);
        assert!(cfg.trust_advice.unwrap().starts_with(&format!(
            "{} pins ESX1:8443 to another certificate",
            kh.display()
        )));
        let cfg = cfg_for("vpx://esx1/dc/h?");
        assert!(cfg.pins[0].matches(&Thumbprints::of_der(b"b")));
        let cfg = cfg_for("esx://[::1]/?");
        assert_eq!(cfg.pins, vec![pin_of(b"c")]);
        let cfg = cfg_for("esx://esx2/?");
        assert!(cfg.pins.is_empty());
        // over http the file is not even read
        let cfg = cfg_for("esx://esx1:8443/?transport=http&");
        assert!(cfg.pins.is_empty());
        let z = Thumbprints::of_der(b"z").sha256_hex();
        let cfg = cfg_for(&format!("esx://esx1:8443/?esxvirt_thumbprint={z}&"));
        assert_eq!(cfg.pins, vec![pin_of(b"z")]);
        assert!(cfg
            .trust_advice
            .unwrap()
            .starts_with(&format!("the URI pins esxvirt_thumbprint={z};")));
        // a broken file is an error naming it and the line
        std::fs::write(&kh, "esx1 nonsense\n").unwrap();
        let e = client_config(
            &Uri::parse(&format!("esx://esx1/?esxvirt_known_hosts={}", kh.display())).unwrap(),
            None,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("configuration file syntax error: known-hosts file {}, line 1: bad thumbprint 'nonsense' (SHA-256 or SHA-1 in hex, colons allowed) (expected 'HOST[:PORT] THUMBPRINT')", kh.display())
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn plain_http_has_no_thumbprints() {
        let e = server_thumbprints(&Uri::parse("esx://h/?transport=http").unwrap()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid argument: esx://h:80/?transport=http is reached over plain http: there is no certificate"
        );
        assert!(server_thumbprints(&Uri::parse("sim:///default").unwrap()).is_err());
    }
}
