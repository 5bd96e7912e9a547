//! The vCenter of an esx:// (or gsx://) connection: `vcenter=HOST|*` makes the connection
//! also log into the vCenter managing the host, as libvirt's ESX driver does (migration needs
//! it; destroy and undefine go through it, so the vCenter sees them as its own).
//!
//! The host reports its manager in `summary.managementServerIp`. `vcenter=*` takes that
//! address (an unmanaged host is an error); `vcenter=NAME` resolves NAME to an IPv4 address
//! and must agree with the host when it reports one. The vCenter is reached at that address
//! with the host URI's port, transport and user, and finds the host by the host's own IPv4
//! address (SearchIndex.FindByIp).

use std::net::{SocketAddr, ToSocketAddrs};

use super::engine::{Engine, HostContext};
use super::open::open_vcenter_session;
use super::options::OpenOptions;
use super::uri::{Scheme, Uri, VCenter};
use crate::error::{Error, Result};

/// The vCenter session beside an esx:// connection's host session.
pub(crate) struct VCenterLink {
    /// The session, whose context is the host as the vCenter knows it.
    pub engine: Engine,
    /// The vCenter's IPv4 address (what libvirt compares when migrating).
    pub ip: String,
}

impl VCenterLink {
    /// The host as the vCenter knows it (resolved at open, so no request).
    pub fn context(&self) -> Result<HostContext> {
        self.engine.context()
    }
}

/// Resolves `name` to its first IPv4 address as libvirt does (getaddrinfo, AF_INET), with
/// libvirt's error text.
pub(crate) fn resolve_ipv4(name: &str) -> Result<String> {
    let failed =
        |why: &str| Error::internal(format!("IP address lookup for host '{name}' failed: {why}"));
    let addrs = (name, 0u16).to_socket_addrs().map_err(|e| {
        let text = e.to_string();
        // std words it "failed to lookup address information: <gai_strerror text>".
        let why = text
            .strip_prefix("failed to lookup address information: ")
            .unwrap_or(&text)
            .to_string();
        failed(&why)
    })?;
    let v4 = addrs
        .filter_map(|a| match a {
            SocketAddr::V4(v4) => Some(v4.ip().to_string()),
            SocketAddr::V6(_) => None,
        })
        .next();
    v4.ok_or_else(|| failed("Address family for hostname not supported"))
}

/// The vCenter address to connect to for `wanted`, given the address the host reports as its
/// manager: libvirt's checks and messages. `resolve` turns a name into an IPv4 address.
pub(crate) fn managing_vcenter(
    wanted: &VCenter,
    reported: Option<&str>,
    resolve: impl Fn(&str) -> Result<String>,
) -> Result<String> {
    match wanted {
        VCenter::Auto => reported
            .map(str::to_string)
            .ok_or_else(|| Error::internal("This host is not managed by a vCenter")),
        VCenter::Host(name) => {
            let ip = resolve(name)?;
            match reported {
                Some(managing) if managing != ip => Err(Error::internal(format!(
                    "This host is managed by a vCenter with IP address {managing}, but a mismatching vCenter '{name}' ({ip}) has been specified"
                ))),
                _ => Ok(ip),
            }
        }
    }
}

/// The URI of the vCenter session: the vCenter's address with the host URI's port, user and
/// parameters (transport, no_verify, proxy, auto_answer).
fn vcenter_uri(host_uri: &Uri, ip: &str) -> Uri {
    Uri {
        scheme: Scheme::Vpx,
        user: host_uri.user.clone(),
        host: ip.to_string(),
        port: Some(host_uri.effective_port()),
        path: "/".to_string(),
        query: host_uri.query.clone(),
        // The host's certificate pin is not the vCenter's.
        params: crate::uri::UriParams {
            thumbprint: None,
            ..host_uri.params.clone()
        },
        sim: None,
    }
}

/// Connects the vCenter named by `wanted` for the host of `host` (already logged in), whose
/// IPv4 address is `host_ip`. Facts remembered from an earlier connection that fail the
/// checks are read afresh once before the checks fail the open.
pub(crate) fn link(
    host_uri: &Uri,
    host: &Engine,
    host_ip: &str,
    wanted: &VCenter,
    options: &OpenOptions,
) -> Result<VCenterLink> {
    let (facts, fresh) = host.host_facts(false)?;
    let ip = match managing_vcenter(wanted, facts.management_server_ip.as_deref(), resolve_ipv4) {
        Ok(ip) => ip,
        Err(_) if !fresh => {
            let (facts, _) = host.host_facts(true)?;
            managing_vcenter(wanted, facts.management_server_ip.as_deref(), resolve_ipv4)?
        }
        Err(e) => return Err(e),
    };
    let engine = open_vcenter_session(vcenter_uri(host_uri, &ip), host_ip, options)?;
    // Fail at open, as libvirt does, when the vCenter does not know the host.
    engine.context()?;
    Ok(VCenterLink { engine, ip })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake(name: &str) -> Result<String> {
        match name {
            "vc.example" => Ok("10.0.0.2".into()),
            "other.example" => Ok("10.0.0.3".into()),
            _ => Err(Error::internal(format!(
                "IP address lookup for host '{name}' failed: Name or service not known"
            ))),
        }
    }

    #[test]
    fn any_vcenter_needs_a_managed_host() {
        assert_eq!(
            managing_vcenter(&VCenter::Auto, Some("10.0.0.2"), fake).unwrap(),
            "10.0.0.2"
        );
        assert_eq!(
            managing_vcenter(&VCenter::Auto, None, fake)
                .unwrap_err()
                .to_string(),
            "internal error: This host is not managed by a vCenter"
        );
    }

    #[test]
    fn a_named_vcenter_must_match_the_host() {
        let named = |n: &str| VCenter::Host(n.to_string());
        assert_eq!(
            managing_vcenter(&named("vc.example"), Some("10.0.0.2"), fake).unwrap(),
            "10.0.0.2"
        );
        // An unmanaged host takes the named vCenter.
        assert_eq!(
            managing_vcenter(&named("other.example"), None, fake).unwrap(),
            "10.0.0.3"
        );
        assert_eq!(
            managing_vcenter(&named("other.example"), Some("10.0.0.2"), fake)
                .unwrap_err()
                .to_string(),
            "internal error: This host is managed by a vCenter with IP address 10.0.0.2, but a mismatching vCenter 'other.example' (10.0.0.3) has been specified"
        );
        assert_eq!(
            managing_vcenter(&named("nosuch"), Some("10.0.0.2"), fake)
                .unwrap_err()
                .to_string(),
            "internal error: IP address lookup for host 'nosuch' failed: Name or service not known"
        );
    }

    #[test]
    fn ipv4_resolution_words_failures_as_libvirt() {
        assert_eq!(resolve_ipv4("127.0.0.2").unwrap(), "127.0.0.2");
        assert_eq!(resolve_ipv4("localhost").unwrap(), "127.0.0.1");
        assert_eq!(
            resolve_ipv4("nosuch.invalid").unwrap_err().to_string(),
            "internal error: IP address lookup for host 'nosuch.invalid' failed: Name or service not known"
        );
        assert_eq!(
            resolve_ipv4("").unwrap_err().to_string(),
            "internal error: IP address lookup for host '' failed: Name or service not known"
        );
    }

    #[test]
    fn the_vcenter_uri_keeps_port_user_and_parameters() {
        let host = Uri::parse("esx://root@h:8443/?transport=http&no_verify=1&vcenter=*").unwrap();
        let vc = vcenter_uri(&host, "10.0.0.2");
        assert_eq!(vc.sdk_url(), "http://10.0.0.2:8443/sdk");
        assert_eq!(vc.user.as_deref(), Some("root"));
        assert_eq!(vc.default_user(), "administrator");
        assert!(vc.params.no_verify);
        let host = Uri::parse("esx://h/?vcenter=*").unwrap();
        assert_eq!(
            vcenter_uri(&host, "10.0.0.2").sdk_url(),
            "https://10.0.0.2:443/sdk"
        );
    }
}
