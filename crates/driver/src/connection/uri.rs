//! Connection URIs: `esx://`, `gsx://`, `vpx://` and the embedded simulator's `sim:///`.
//!
//! Parsing follows libvirt's ESX driver: query parameter names are case-insensitive, unknown
//! parameters are ignored with libvirt's warning ("Ignoring unexpected query parameter"), bad values are `invalid argument` errors that
//! name the parameter and the allowed values, and a missing port defaults from the scheme and
//! transport (443/80 for esx and vpx, 8333/8222 for gsx).
//!
//! Besides libvirt 9.0's parameters: `cacert=PATH` (libvirt 11.5's name: a PEM file of CA
//! certificates trusted instead of the system's), and this driver's own, prefixed
//! `esxvirt_` so that no libvirt parameter can ever clash with them (libvirt's ESX driver
//! warns about and ignores them): `esxvirt_thumbprint=SHA256` (pin the server certificate),
//! `esxvirt_known_hosts=PATH` (a known-hosts file instead of
//! `$XDG_CONFIG_HOME/esxvirt/known_hosts`), `esxvirt_timeout=SECONDS` (limit for one
//! request, default 120) and `esxvirt_max_response=SIZE` (largest response, default 512M).

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::error::{Error, Result};

/// The kind of server a URI names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `esx://`: an ESX/ESXi host (apiType HostAgent).
    Esx,
    /// `gsx://`: a VMware GSX/Server host.
    Gsx,
    /// `vpx://`: a host managed by a vCenter (apiType VirtualCenter).
    Vpx,
    /// `sim://`: the embedded simulator, started by the caller (see [`crate::SimStarter`]).
    Sim,
}

impl Scheme {
    /// The scheme as written in URIs (`esx`, `gsx`, `vpx`, `sim`).
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Esx => "esx",
            Scheme::Gsx => "gsx",
            Scheme::Vpx => "vpx",
            Scheme::Sim => "sim",
        }
    }
}

/// `transport=`: how the SOAP endpoint is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Transport {
    /// `https` (the default).
    #[default]
    Https,
    /// `http`.
    Http,
}

impl Transport {
    /// `http` or `https`.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Https => "https",
            Transport::Http => "http",
        }
    }
}

/// The proxy type of `proxy=TYPE://host[:port]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProxyType {
    /// `http://` (the default when no type is given).
    Http,
    /// `socks4://`.
    Socks4,
    /// `socks4a://`.
    Socks4a,
    /// `socks5://` or `socks://`.
    Socks5,
}

impl ProxyType {
    /// The scheme this proxy type is written with (`socks` is written as `socks5`).
    pub fn as_str(self) -> &'static str {
        match self {
            ProxyType::Http => "http",
            ProxyType::Socks4 => "socks4",
            ProxyType::Socks4a => "socks4a",
            ProxyType::Socks5 => "socks5",
        }
    }
}

/// A proxy from the `proxy=` parameter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Proxy {
    /// The proxy protocol.
    pub kind: ProxyType,
    /// The proxy's host name or address.
    pub host: String,
    /// The proxy's port (1080 unless given).
    pub port: u16,
}

/// `vcenter=`: the vCenter managing an esx:// host, needed for migration only.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VCenter {
    /// `vcenter=*`: whichever vCenter the host reports as its manager.
    Auto,
    /// `vcenter=HOST`.
    Host(String),
}

/// Where the embedded simulator keeps its state (`sim:///default` or `sim:///PATH.json`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SimTarget {
    /// `sim:///default`: the default inventory, state kept in memory for the process.
    Default,
    /// `sim:///PATH.json`: state loaded from and saved to this file.
    File(PathBuf),
}

/// The query parameters the ESX driver understands.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct UriParams {
    /// `transport=http|https` (default https).
    pub transport: Transport,
    /// `vcenter=HOST|*`.
    pub vcenter: Option<VCenter>,
    /// `no_verify=0|1` (default 0: certificates are verified).
    pub no_verify: bool,
    /// `auto_answer=0|1` (default 0: questions are errors).
    pub auto_answer: bool,
    /// `proxy=[TYPE://]host[:port]`.
    pub proxy: Option<Proxy>,
    /// `authfile=PATH`: libvirt's per-URI auth.conf location (after `LIBVIRT_AUTH_FILE`).
    pub authfile: Option<PathBuf>,
    /// `cacert=PATH`: CA certificates (PEM) trusted instead of the system's (as in libvirt
    /// 11.5); ignored with `no_verify=1`.
    pub cacert: Option<PathBuf>,
    /// `esxvirt_thumbprint=SHA256`: the server certificate's SHA-256 thumbprint; when given,
    /// that certificate and no other is trusted (self-signed or not).
    pub thumbprint: Option<esxvirt_vi::Pin>,
    /// `esxvirt_known_hosts=PATH`: the known-hosts file (lines `HOST[:PORT] THUMBPRINT`)
    /// instead of `$XDG_CONFIG_HOME/esxvirt/known_hosts`.
    pub known_hosts: Option<PathBuf>,
    /// `esxvirt_timeout=SECONDS` (1 to 86400): the limit for one request, from sending it to
    /// having read the whole response; `None` for the default, 120 s.
    pub timeout: Option<Duration>,
    /// `esxvirt_max_response=SIZE` (bytes, or with a K, M or G suffix; 1K to 16G): the
    /// largest response accepted; `None` for the default, 512M.
    pub max_response: Option<u64>,
}

/// The largest `esxvirt_timeout=`: a day.
pub const MAX_TIMEOUT_SECS: u64 = 86_400;
/// The smallest `esxvirt_max_response=`.
pub const MIN_MAX_RESPONSE: u64 = 1 << 10;
/// The largest `esxvirt_max_response=` (responses are held in memory whole).
pub const MAX_MAX_RESPONSE: u64 = 16 << 30;

/// A parsed connection URI.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Uri {
    /// The scheme.
    pub scheme: Scheme,
    /// The user part (`user@`), percent-decoded.
    pub user: Option<String>,
    /// The server: host name or address (IPv6 without brackets); empty for `sim:`.
    pub host: String,
    /// The port given in the URI, if any.
    pub port: Option<u16>,
    /// The path, `/` when empty (for vpx://, `/[folder/...]dc/[folder/...][cluster/]host`).
    pub path: String,
    /// The raw query string (without `?`), kept for formatting the URI back.
    pub query: Option<String>,
    /// The driver's parameters.
    pub params: UriParams,
    /// For `sim:`, which simulator state.
    pub sim: Option<SimTarget>,
}

fn percent_decode(s: &str, what: &str) -> Result<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(b) => {
                    out.push(b);
                    i += 3;
                    continue;
                }
                None => {
                    return Err(Error::invalid_arg(format!(
                        "URI {what} '{s}' contains an invalid percent escape"
                    )))
                }
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out)
        .map_err(|_| Error::invalid_arg(format!("URI {what} '{s}' is not valid UTF-8")))
}

fn parse_01(name: &str, value: &str) -> Result<bool> {
    // libvirt reads an integer with strtol semantics and accepts only 0 or 1.
    match value.trim_start().parse::<i64>() {
        Ok(0) => Ok(false),
        Ok(1) => Ok(true),
        _ => Err(Error::invalid_arg(format!(
            "Query parameter '{name}' has unexpected value '{value}' (should be 0 or 1)"
        ))),
    }
}

fn unexpected(name: &str, value: &str, should: &str) -> Error {
    Error::invalid_arg(format!(
        "Query parameter '{name}' has unexpected value '{value}' (should be {should})"
    ))
}

fn parse_path(name: &str, value: String) -> Result<PathBuf> {
    if value.is_empty() {
        return Err(unexpected(name, &value, "a file path"));
    }
    Ok(PathBuf::from(value))
}

fn parse_timeout(value: &str) -> Result<Duration> {
    value
        .parse::<u64>()
        .ok()
        .filter(|s| (1..=MAX_TIMEOUT_SECS).contains(s))
        .map(Duration::from_secs)
        .ok_or_else(|| {
            unexpected(
                "esxvirt_timeout",
                value,
                &format!("a number of seconds in [1..{MAX_TIMEOUT_SECS}]"),
            )
        })
}

fn parse_size(value: &str) -> Result<u64> {
    let (digits, shift) = match value.as_bytes().last() {
        Some(b'k' | b'K') => (&value[..value.len() - 1], 10),
        Some(b'm' | b'M') => (&value[..value.len() - 1], 20),
        Some(b'g' | b'G') => (&value[..value.len() - 1], 30),
        _ => (value, 0),
    };
    digits
        .parse::<u64>()
        .ok()
        .filter(|_| digits.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.checked_mul(1 << shift))
        .filter(|n| (MIN_MAX_RESPONSE..=MAX_MAX_RESPONSE).contains(n))
        .ok_or_else(|| {
            unexpected(
                "esxvirt_max_response",
                value,
                "a size in bytes from 1K to 16G, with an optional K, M or G suffix",
            )
        })
}

fn parse_proxy(value: &str) -> Result<Proxy> {
    let (kind, rest) = if let Some(r) = value.strip_prefix("http://") {
        (ProxyType::Http, r)
    } else if let Some(r) = value
        .strip_prefix("socks://")
        .or_else(|| value.strip_prefix("socks5://"))
    {
        (ProxyType::Socks5, r)
    } else if let Some(r) = value.strip_prefix("socks4://") {
        (ProxyType::Socks4, r)
    } else if let Some(r) = value.strip_prefix("socks4a://") {
        (ProxyType::Socks4a, r)
    } else if let Some(pos) = value.find("://") {
        return Err(Error::invalid_arg(format!(
            "Query parameter 'proxy' contains unexpected type '{}' (should be (http|socks(|4|4a|5))",
            &value[..pos]
        )));
    } else {
        (ProxyType::Http, value)
    };
    let (host, port) = match rest.find(':') {
        Some(0) => {
            return Err(Error::invalid_arg(
                "Query parameter 'proxy' doesn't contain a hostname",
            ))
        }
        Some(pos) => {
            let port_text = &rest[pos + 1..];
            let port = port_text
                .parse::<u32>()
                .ok()
                .filter(|p| (1..=65535).contains(p))
                .ok_or_else(|| {
                    Error::invalid_arg(format!(
                        "Query parameter 'proxy' has unexpected port value '{port_text}' (should be [1..65535])"
                    ))
                })?;
            (&rest[..pos], port as u16)
        }
        None => (rest, 1080),
    };
    if host.is_empty() {
        return Err(Error::invalid_arg(
            "Query parameter 'proxy' doesn't contain a hostname",
        ));
    }
    Ok(Proxy {
        kind,
        host: host.to_string(),
        port,
    })
}

/// Parses the query string into the driver's parameters (names case-insensitive; a later
/// occurrence wins; unknown names ignored with a warning, as libvirt does).
fn parse_params(query: &str) -> Result<UriParams> {
    let mut params = UriParams::default();
    for part in query.split(['&', ';']) {
        if part.is_empty() {
            continue;
        }
        let (name, value) = match part.find('=') {
            Some(0) => continue,
            Some(pos) => (&part[..pos], &part[pos + 1..]),
            None => (part, ""),
        };
        let name = percent_decode(name, "query parameter name")?;
        let value = percent_decode(value, "query parameter value")?;
        match name.to_ascii_lowercase().as_str() {
            "transport" => {
                params.transport = match value.as_str() {
                    "http" => Transport::Http,
                    "https" => Transport::Https,
                    _ => {
                        return Err(Error::invalid_arg(format!(
                            "Query parameter 'transport' has unexpected value '{value}' (should be http|https)"
                        )))
                    }
                }
            }
            "vcenter" => {
                params.vcenter = Some(if value == "*" {
                    VCenter::Auto
                } else {
                    VCenter::Host(value)
                })
            }
            "no_verify" => params.no_verify = parse_01("no_verify", &value)?,
            "auto_answer" => params.auto_answer = parse_01("auto_answer", &value)?,
            "proxy" => params.proxy = Some(parse_proxy(&value)?),
            // libvirt matches authfile case-sensitively; accepting any case is harmless.
            "authfile" => params.authfile = Some(PathBuf::from(value)),
            "cacert" => params.cacert = Some(parse_path("cacert", value)?),
            "esxvirt_thumbprint" => {
                params.thumbprint = Some(esxvirt_vi::Pin::parse_sha256(&value).ok_or_else(|| {
                    unexpected(
                        "esxvirt_thumbprint",
                        &value,
                        "a SHA-256 thumbprint: 64 hex digits, colons allowed",
                    )
                })?)
            }
            "esxvirt_known_hosts" => {
                params.known_hosts = Some(parse_path("esxvirt_known_hosts", value)?)
            }
            "esxvirt_timeout" => params.timeout = Some(parse_timeout(&value)?),
            "esxvirt_max_response" => params.max_response = Some(parse_size(&value)?),
            // libvirt's words; it goes on without the parameter.
            _ => tracing::warn!("Ignoring unexpected query parameter '{name}'"),
        }
    }
    Ok(params)
}

impl Uri {
    /// Parses a connection URI.
    ///
    /// Errors name what is wrong: an unknown scheme, a missing host, a bad port, or a
    /// query parameter with a value outside its allowed set.
    pub fn parse(text: &str) -> Result<Uri> {
        let bad = |why: &str| Error::invalid_arg(format!("Unable to parse URI {text}: {why}"));
        let (scheme_text, rest) = text
            .split_once("://")
            .or_else(|| text.split_once(":"))
            .ok_or_else(|| bad("missing scheme"))?;
        let scheme = match scheme_text.to_ascii_lowercase().as_str() {
            "esx" => Scheme::Esx,
            "gsx" => Scheme::Gsx,
            "vpx" => Scheme::Vpx,
            "sim" => Scheme::Sim,
            other => {
                return Err(Error::invalid_arg(format!(
                    "Unsupported URI scheme '{other}' in '{text}' (should be esx|gsx|vpx|sim)"
                )))
            }
        };
        // `sim:foo` without `//` has no authority; accept `sim:///x` and `sim:/x`.
        let has_authority = text[scheme_text.len()..].starts_with("://");
        let (before_fragment, _) = rest.split_once('#').unwrap_or((rest, ""));
        let (hier, query) = match before_fragment.split_once('?') {
            Some((h, q)) => (h, Some(q.to_string())),
            None => (before_fragment, None),
        };
        let (authority, path) = if has_authority {
            match hier.find('/') {
                Some(pos) => (&hier[..pos], &hier[pos..]),
                None => (hier, ""),
            }
        } else {
            ("", hier)
        };
        let (user, hostport) = match authority.rfind('@') {
            Some(pos) => (
                Some(percent_decode(&authority[..pos], "user")?),
                &authority[pos + 1..],
            ),
            None => (None, authority),
        };
        let (host, port_text) = if let Some(inner) = hostport.strip_prefix('[') {
            let end = inner
                .find(']')
                .ok_or_else(|| bad("unterminated IPv6 address"))?;
            let after = &inner[end + 1..];
            let port = match after.strip_prefix(':') {
                Some(p) => Some(p),
                None if after.is_empty() => None,
                None => return Err(bad("unexpected text after IPv6 address")),
            };
            (inner[..end].to_string(), port)
        } else {
            match hostport.rfind(':') {
                Some(pos) => (hostport[..pos].to_string(), Some(&hostport[pos + 1..])),
                None => (hostport.to_string(), None),
            }
        };
        let port = match port_text {
            None | Some("") => None,
            Some(p) => Some(
                p.parse::<u16>()
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or_else(|| bad(&format!("invalid port '{p}'")))?,
            ),
        };
        let path = percent_decode(path, "path")?;
        let params = match &query {
            Some(q) => parse_params(q)?,
            None => UriParams::default(),
        };
        let mut sim = None;
        if scheme == Scheme::Sim {
            if !host.is_empty() {
                return Err(Error::invalid_arg(format!(
                    "URI '{text}' names a host; the embedded simulator takes sim:///default or sim:///PATH.json"
                )));
            }
            sim = Some(match path.as_str() {
                "" | "/" | "/default" => SimTarget::Default,
                p if p.ends_with(".json") => SimTarget::File(PathBuf::from(p)),
                p => {
                    return Err(Error::invalid_arg(format!(
                        "Simulator URI path '{p}' is neither /default nor a .json state file"
                    )))
                }
            });
        } else if host.is_empty() {
            return Err(Error::invalid_arg(format!(
                "URI '{text}' doesn't contain a hostname"
            )));
        }
        Ok(Uri {
            scheme,
            user,
            host,
            port,
            path: if path.is_empty() {
                "/".to_string()
            } else {
                path
            },
            query,
            params,
            sim,
        })
    }

    /// The port to connect to: the URI's, else 443/80 (esx, vpx) or 8333/8222 (gsx) by
    /// transport.
    pub fn effective_port(&self) -> u16 {
        if let Some(p) = self.port {
            return p;
        }
        match (self.scheme, self.params.transport) {
            (Scheme::Gsx, Transport::Https) => 8333,
            (Scheme::Gsx, Transport::Http) => 8222,
            (_, Transport::Https) => 443,
            (_, Transport::Http) => 80,
        }
    }

    /// The host as it goes into a URL (IPv6 in brackets).
    pub fn host_for_url(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        }
    }

    /// The SOAP endpoint, e.g. `https://host:443/sdk`.
    pub fn sdk_url(&self) -> String {
        format!(
            "{}://{}:{}/sdk",
            self.params.transport.as_str(),
            self.host_for_url(),
            self.effective_port()
        )
    }

    /// The user to log in as when neither the URI nor auth.conf gives one: `root` for hosts,
    /// `administrator` for vCenter (libvirt's defaults, offered in the prompt).
    pub fn default_user(&self) -> &'static str {
        match self.scheme {
            Scheme::Vpx => "administrator",
            _ => "root",
        }
    }

    /// For vpx://, the path's non-empty components (folders, datacenter, compute resource,
    /// host); empty for other schemes.
    pub fn inventory_path(&self) -> Vec<&str> {
        self.path.split('/').filter(|s| !s.is_empty()).collect()
    }

    /// The URI as libvirt reports it once connected (`virsh uri`): the port filled in, as
    /// libvirt's ESX driver sets it on the connection.
    pub fn to_connected_string(&self) -> String {
        let mut s = format!("{}://", self.scheme.as_str());
        if self.scheme != Scheme::Sim {
            if let Some(u) = &self.user {
                s.push_str(&uri_escape(u));
                s.push('@');
            }
            s.push_str(&self.host_for_url());
            s.push_str(&format!(":{}", self.effective_port()));
        }
        s.push_str(&uri_escape_path(&self.path));
        if let Some(q) = &self.query {
            s.push('?');
            s.push_str(q);
        }
        s
    }
}

/// libxml2's URI escaping of a user name or path segment (unreserved and mark characters
/// kept).
fn uri_escape(s: &str) -> String {
    esxvirt_util::escape::percent_encode(s, b"-_.!~*'()")
}

fn uri_escape_path(s: &str) -> String {
    s.split('/').map(uri_escape).collect::<Vec<_>>().join("/")
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_connected_string())
    }
}

impl std::str::FromStr for Uri {
    type Err = Error;
    fn from_str(s: &str) -> Result<Uri> {
        Uri::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        Uri::parse(text).unwrap_err().to_string()
    }

    #[test]
    fn esx_defaults() {
        let u = Uri::parse("esx://host.example").unwrap();
        assert_eq!(u.scheme, Scheme::Esx);
        assert_eq!(u.host, "host.example");
        assert_eq!(u.user, None);
        assert_eq!(u.path, "/");
        assert_eq!(u.effective_port(), 443);
        assert_eq!(u.params, UriParams::default());
        assert!(!u.params.no_verify);
        assert_eq!(u.sdk_url(), "https://host.example:443/sdk");
        assert_eq!(u.default_user(), "root");
    }

    #[test]
    fn default_ports_per_scheme_and_transport() {
        let port = |s: &str| Uri::parse(s).unwrap().effective_port();
        assert_eq!(port("esx://h/"), 443);
        assert_eq!(port("esx://h/?transport=http"), 80);
        assert_eq!(port("vpx://h/dc/host1"), 443);
        assert_eq!(port("vpx://h/dc/host1?transport=http"), 80);
        assert_eq!(port("gsx://h/"), 8333);
        assert_eq!(port("gsx://h/?transport=http"), 8222);
        assert_eq!(port("esx://h:9443/?transport=http"), 9443);
    }

    #[test]
    fn user_port_and_ipv6() {
        let u = Uri::parse("esx://root%40x@[::1]:8443/?no_verify=1").unwrap();
        assert_eq!(u.user.as_deref(), Some("root@x"));
        assert_eq!(u.host, "::1");
        assert_eq!(u.port, Some(8443));
        assert_eq!(u.sdk_url(), "https://[::1]:8443/sdk");
        assert!(u.params.no_verify);
    }

    #[test]
    fn every_parameter() {
        let u = Uri::parse(
            "esx://h/?Transport=http&VCENTER=vc.example&No_Verify=1&auto_answer=1&proxy=socks4a://p.example:3128",
        )
        .unwrap();
        assert_eq!(u.params.transport, Transport::Http);
        assert_eq!(u.params.vcenter, Some(VCenter::Host("vc.example".into())));
        assert!(u.params.no_verify);
        assert!(u.params.auto_answer);
        assert_eq!(
            u.params.proxy,
            Some(Proxy {
                kind: ProxyType::Socks4a,
                host: "p.example".into(),
                port: 3128
            })
        );
        let u = Uri::parse("esx://h/?vcenter=*;no_verify=0;auto_answer=0").unwrap();
        assert_eq!(u.params.vcenter, Some(VCenter::Auto));
        assert!(!u.params.no_verify && !u.params.auto_answer);
        // unknown parameters are ignored, like libvirt does
        assert!(Uri::parse("esx://h/?frobnicate=3").is_ok());
    }

    #[test]
    fn proxy_types_and_defaults() {
        let p = |v: &str| {
            Uri::parse(&format!("esx://h/?proxy={v}"))
                .unwrap()
                .params
                .proxy
                .unwrap()
        };
        assert_eq!(p("proxy.example").kind, ProxyType::Http);
        assert_eq!(p("proxy.example").port, 1080);
        assert_eq!(p("http://proxy.example:8080").port, 8080);
        assert_eq!(p("socks://x").kind, ProxyType::Socks5);
        assert_eq!(p("socks5://x").kind, ProxyType::Socks5);
        assert_eq!(p("socks4://x").kind, ProxyType::Socks4);
        assert_eq!(p("socks4a://x").kind, ProxyType::Socks4a);
        assert_eq!(p("socks4a://x").port, 1080);
    }

    #[test]
    fn bad_values_name_parameter_and_allowed_values() {
        assert_eq!(
            err("esx://h/?transport=ftp"),
            "invalid argument: Query parameter 'transport' has unexpected value 'ftp' (should be http|https)"
        );
        assert_eq!(
            err("esx://h/?no_verify=2"),
            "invalid argument: Query parameter 'no_verify' has unexpected value '2' (should be 0 or 1)"
        );
        assert_eq!(
            err("esx://h/?no_verify=yes"),
            "invalid argument: Query parameter 'no_verify' has unexpected value 'yes' (should be 0 or 1)"
        );
        assert_eq!(
            err("esx://h/?auto_answer=-1"),
            "invalid argument: Query parameter 'auto_answer' has unexpected value '-1' (should be 0 or 1)"
        );
        assert_eq!(
            err("esx://h/?proxy=ftp://p"),
            "invalid argument: Query parameter 'proxy' contains unexpected type 'ftp' (should be (http|socks(|4|4a|5))"
        );
        assert_eq!(
            err("esx://h/?proxy=:80"),
            "invalid argument: Query parameter 'proxy' doesn't contain a hostname"
        );
        assert_eq!(
            err("esx://h/?proxy=p:0"),
            "invalid argument: Query parameter 'proxy' has unexpected port value '0' (should be [1..65535])"
        );
        assert_eq!(
            err("esx://h/?proxy=p:70000"),
            "invalid argument: Query parameter 'proxy' has unexpected port value '70000' (should be [1..65535])"
        );
        assert_eq!(
            err("esx://h/?proxy=p:x"),
            "invalid argument: Query parameter 'proxy' has unexpected port value 'x' (should be [1..65535])"
        );
        assert!(err("qemu:///system").contains("Unsupported URI scheme 'qemu'"));
        assert!(err("esx:///").contains("doesn't contain a hostname"));
        assert!(err("esx://h:99999/").contains("invalid port"));
        assert!(err("nonsense").contains("missing scheme"));
    }

    #[test]
    fn trust_and_limit_parameters() {
        let sha = "AB:".repeat(31) + "CD";
        let u = Uri::parse(&format!(
            "esx://h/?cacert=certs/ca.pem&ESXVIRT_THUMBPRINT={sha}&esxvirt_known_hosts=/k%20h&esxvirt_timeout=7&esxvirt_max_response=64M"
        ))
        .unwrap();
        let p = &u.params;
        assert_eq!(p.cacert, Some(PathBuf::from("certs/ca.pem")));
        assert_eq!(p.thumbprint.map(|t| t.to_string()), Some(sha.clone()));
        assert_eq!(p.known_hosts, Some(PathBuf::from("/k h")));
        assert_eq!(p.timeout, Some(Duration::from_secs(7)));
        assert_eq!(p.max_response, Some(64 << 20));
        // without colons, lower case
        let plain = sha.replace(':', "").to_lowercase();
        let u = Uri::parse(&format!("esx://h/?esxvirt_thumbprint={plain}")).unwrap();
        assert_eq!(u.params.thumbprint.map(|t| t.to_string()), Some(sha));
        let size = |v: &str| {
            Uri::parse(&format!("esx://h/?esxvirt_max_response={v}"))
                .unwrap()
                .params
                .max_response
                .unwrap()
        };
        assert_eq!(size("1024"), 1024);
        assert_eq!(size("2k"), 2048);
        assert_eq!(size("16G"), 16 << 30);
        assert_eq!(size("512m"), 512 << 20);
        let timeout = |v: &str| Uri::parse(&format!("esx://h/?esxvirt_timeout={v}"));
        assert_eq!(
            timeout("86400").unwrap().params.timeout,
            Some(Duration::from_secs(86400))
        );
        // defaults
        let d = UriParams::default();
        assert!(d.cacert.is_none() && d.thumbprint.is_none() && d.known_hosts.is_none());
        assert!(d.timeout.is_none() && d.max_response.is_none());
    }

    #[test]
    fn bad_trust_and_limit_values_name_parameter_and_allowed_values() {
        for v in ["0", "-1", "86401", "1.5", "x", ""] {
            assert_eq!(
                err(&format!("esx://h/?esxvirt_timeout={v}")),
                format!("invalid argument: Query parameter 'esxvirt_timeout' has unexpected value '{v}' (should be a number of seconds in [1..86400])")
            );
        }
        for v in [
            "1023",
            "0K",
            "17G",
            "1T",
            "K",
            "+5M",
            " 5M",
            "18446744073709551615G",
            "",
        ] {
            assert_eq!(
                err(&format!("esx://h/?esxvirt_max_response={}", v.replace(' ', "%20"))),
                format!("invalid argument: Query parameter 'esxvirt_max_response' has unexpected value '{v}' (should be a size in bytes from 1K to 16G, with an optional K, M or G suffix)")
            );
        }
        let short = "AB:".repeat(19) + "CD"; // a SHA-1 thumbprint is no SHA-256 pin
        for v in ["zz", "", short.as_str()] {
            assert_eq!(
                err(&format!("esx://h/?esxvirt_thumbprint={v}")),
                format!("invalid argument: Query parameter 'esxvirt_thumbprint' has unexpected value '{v}' (should be a SHA-256 thumbprint: 64 hex digits, colons allowed)")
            );
        }
        assert_eq!(
            err("esx://h/?cacert="),
            "invalid argument: Query parameter 'cacert' has unexpected value '' (should be a file path)"
        );
        assert_eq!(
            err("esx://h/?esxvirt_known_hosts"),
            "invalid argument: Query parameter 'esxvirt_known_hosts' has unexpected value '' (should be a file path)"
        );
    }

    #[test]
    fn vpx_paths() {
        let u = Uri::parse(
            "vpx://admin@vc.example/Folder1/DC1/Folder2/Cluster1/esx1.example?no_verify=1",
        )
        .unwrap();
        assert_eq!(u.scheme, Scheme::Vpx);
        assert_eq!(u.default_user(), "administrator");
        assert_eq!(
            u.inventory_path(),
            vec!["Folder1", "DC1", "Folder2", "Cluster1", "esx1.example"]
        );
        let u = Uri::parse("vpx://vc/DC%20one/host%2Fa").unwrap();
        assert_eq!(u.inventory_path(), vec!["DC one", "host", "a"]);
        let u = Uri::parse("vpx://vc/dc/h/").unwrap();
        assert_eq!(u.inventory_path(), vec!["dc", "h"]);
    }

    #[test]
    fn sim_uris() {
        let u = Uri::parse("sim:///default").unwrap();
        assert_eq!(u.sim, Some(SimTarget::Default));
        let u = Uri::parse("sim:///tmp/state.json").unwrap();
        assert_eq!(u.sim, Some(SimTarget::File("/tmp/state.json".into())));
        assert!(Uri::parse("sim:///tmp/state.txt").is_err());
        assert!(Uri::parse("sim://host/default").is_err());
    }

    #[test]
    fn connected_string_has_port() {
        let u = Uri::parse("esx://root@127.0.0.1/?no_verify=1").unwrap();
        assert_eq!(
            u.to_connected_string(),
            "esx://root@127.0.0.1:443/?no_verify=1"
        );
        let u = Uri::parse("gsx://h?transport=http").unwrap();
        assert_eq!(u.to_connected_string(), "gsx://h:8222/?transport=http");
    }
}
