//! Pins from outside the client's configuration: govc's known-hosts files, and reading the
//! thumbprints of a server's certificate (to show a user before pinning it, or for tools
//! that need them, such as VDDK).

use std::path::Path;

use crate::client::ClientConfig;
use crate::error::Error;
use crate::thumbprint::{Pin, Thumbprints};
use crate::transport::{split_host_port, Transport};
use crate::trust::Trust;

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
            let (host, port) =
                split_host_port(host, 443).ok_or_else(|| bad(&format!("bad host '{host}'")))?;
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
    let transport = Transport::new(
        endpoint,
        cfg.proxy.clone(),
        &Trust::default(),
        None,
        (cfg.connect_timeout, cfg.request_timeout),
        cfg.max_response_bytes,
    )?;
    transport.peer_thumbprints().await
}

#[cfg(test)]
mod tests {
    use super::*;

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
