//! The virt-v2v command for a VM: the libvirt URI virt-v2v opens (`-ic`), with the inventory
//! path of the VM's host escaped as libvirt's URI parser needs it, VDDK's options, and the
//! VM's libvirt name, quoted for a POSIX shell.
//!
//! A vpx:// path names `[folder/...]datacenter/[folder/...]computeresource[/host]` by the
//! inventory names the vSphere API gives (in which `%`, `/` and `\` are already escaped as
//! `%25`, `%2f`, `%5c`); libvirt percent-decodes the URI's path before it compares the items
//! with those names, so every byte outside RFC 3986's unreserved characters is escaped once
//! more (`a%2fb` becomes `a%252fb`, a space `%20`).

use std::fmt::Write as _;

use crate::connection::uri::{Scheme, Transport, Uri};

/// One path item (or the user part) of a libvirt URI: every byte but `A-Z a-z 0-9 - . _ ~`
/// percent-escaped.
pub(crate) fn uri_escape(item: &str) -> String {
    let mut out = String::with_capacity(item.len());
    for b in item.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// `s` as one word of a POSIX shell: as it is when it holds only characters no shell
/// interprets, else in single quotes (a `'` inside as `'\''`).
pub(crate) fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:@%+,=".contains(&b));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Where libvirt finds a VM's host: the connection's server and the host's inventory path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HostPath {
    /// esx:// (the host itself).
    Host,
    /// vpx://: the API names of the path's items, datacenter folders first.
    Inventory(Vec<String>),
}

/// The `-ic` URI: `esx://USER@HOST[:PORT]/?PARAMS` or
/// `vpx://USER@VCENTER[:PORT]/DC/[CLUSTER/]HOST?PARAMS`, with `no_verify=1` when esxvirt did
/// not verify the server's certificate against the system's CAs (libvirt knows nothing of
/// esxvirt's pins and CA files) and `transport=http` for a plain-http server.
pub(crate) fn source_uri(conn: &Uri, path: &HostPath) -> String {
    let scheme = match (conn.scheme, path) {
        (_, HostPath::Inventory(_)) => "vpx",
        (Scheme::Gsx, HostPath::Host) => "gsx",
        _ => "esx",
    };
    let mut uri = format!("{scheme}://");
    if let Some(user) = &conn.user {
        uri.push_str(&uri_escape(user));
        uri.push('@');
    }
    uri.push_str(&conn.host_for_url());
    let default_port = match (scheme, conn.params.transport) {
        ("gsx", Transport::Https) => 8333,
        ("gsx", Transport::Http) => 8222,
        (_, Transport::Https) => 443,
        (_, Transport::Http) => 80,
    };
    let port = conn.effective_port();
    if port != default_port {
        let _ = write!(uri, ":{port}");
    }
    match path {
        HostPath::Host => uri.push('/'),
        HostPath::Inventory(items) => {
            for item in items {
                uri.push('/');
                uri.push_str(&uri_escape(item));
            }
        }
    }
    let mut params = Vec::new();
    if conn.params.transport == Transport::Http {
        params.push("transport=http");
    }
    let system_verified =
        !conn.params.no_verify && conn.params.cacert.is_none() && conn.params.thumbprint.is_none();
    if conn.params.transport == Transport::Https && !system_verified {
        params.push("no_verify=1");
    }
    if !params.is_empty() {
        uri.push('?');
        uri.push_str(&params.join("&"));
    }
    uri
}

/// What the command needs besides the VM.
#[derive(Debug, Clone)]
pub struct CommandOptions {
    /// `-io vddk-libdir=`: where VDDK is unpacked.
    pub vddk_libdir: String,
    /// `-ip`: a file holding the password, if the command should name one.
    pub password_file: Option<String>,
}

impl Default for CommandOptions {
    fn default() -> Self {
        CommandOptions {
            vddk_libdir: "/path/to/vmware-vix-disklib-distrib".into(),
            password_file: None,
        }
    }
}

/// `virt-v2v -ic 'URI' -it vddk -io vddk-libdir=DIR -io vddk-thumbprint=XX:.. NAME`: the
/// input half of the command; the output (`-o`, `-os`) is the user's choice.
pub(crate) fn virt_v2v_command(
    source_uri: &str,
    thumbprint_sha1: Option<&str>,
    name: &str,
    options: &CommandOptions,
) -> String {
    let mut cmd = format!("virt-v2v -ic {}", shell_quote_always(source_uri));
    if let Some(file) = &options.password_file {
        let _ = write!(cmd, " -ip {}", shell_quote(file));
    }
    cmd.push_str(" -it vddk");
    let _ = write!(
        cmd,
        " -io {}",
        shell_quote(&format!("vddk-libdir={}", options.vddk_libdir))
    );
    if let Some(t) = thumbprint_sha1 {
        let _ = write!(cmd, " -io vddk-thumbprint={t}");
    }
    let _ = write!(cmd, " {}", shell_quote(name));
    cmd
}

/// `s` in single quotes whatever it holds (URIs, as virt-v2v's manual writes them).
fn shell_quote_always(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_items_are_escaped_once_more_for_libvirt() {
        assert_eq!(uri_escape("dc1"), "dc1");
        assert_eq!(uri_escape("esx-01.example.com"), "esx-01.example.com");
        assert_eq!(uri_escape("DC 1"), "DC%201");
        assert_eq!(uri_escape("a%2fb"), "a%252fb");
        assert_eq!(uri_escape("DOMAIN\\user"), "DOMAIN%5Cuser");
        assert_eq!(uri_escape("é"), "%C3%A9");
        // What the driver's own URI parser makes of it again.
        let uri = Uri::parse(&format!(
            "vpx://{}@vc/{}/{}/h?no_verify=1",
            uri_escape("DOMAIN\\user"),
            uri_escape("a%2fb"),
            uri_escape("c d")
        ))
        .unwrap();
        assert_eq!(uri.user.as_deref(), Some("DOMAIN\\user"));
        assert_eq!(uri.path, "/a%2fb/c d/h");
    }

    #[test]
    fn shell_words() {
        assert_eq!(shell_quote("web01"), "web01");
        assert_eq!(shell_quote("my vm"), "'my vm'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("a$b"), "'a$b'");
    }

    #[test]
    fn uris_for_esx_and_vcenter() {
        let esx = Uri::parse("esx://root@esx1.example.com/?no_verify=1").unwrap();
        assert_eq!(
            source_uri(&esx, &HostPath::Host),
            "esx://root@esx1.example.com/?no_verify=1"
        );
        let vc = Uri::parse("vpx://admin@vc.example.com:8443/dc1/c1/h1").unwrap();
        let path = HostPath::Inventory(vec!["Europe".into(), "dc 2".into(), "h2".into()]);
        assert_eq!(
            source_uri(&vc, &path),
            "vpx://admin@vc.example.com:8443/Europe/dc%202/h2"
        );
        let http = Uri::parse("esx://h?transport=http").unwrap();
        assert_eq!(
            source_uri(&http, &HostPath::Host),
            "esx://h/?transport=http"
        );
        let cmd = virt_v2v_command(
            "esx://root@h/?no_verify=1",
            Some("AB:CD"),
            "it's",
            &CommandOptions::default(),
        );
        assert_eq!(
            cmd,
            "virt-v2v -ic 'esx://root@h/?no_verify=1' -it vddk -io vddk-libdir=/path/to/vmware-vix-disklib-distrib -io vddk-thumbprint=AB:CD 'it'\\''s'"
        );
    }
}
