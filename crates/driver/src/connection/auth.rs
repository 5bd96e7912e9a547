//! Credentials: the user from the URI, libvirt's auth.conf, then an interactive prompt the
//! caller supplies (the CLI prompts without echo when a terminal is attached).
//!
//! auth.conf is a key file: `[auth-SERVICE-HOST]` (or `[auth-SERVICE-default]`) groups name a
//! `credentials=NAME`, and `[credentials-NAME]` holds `username` (or `authname`) and
//! `password`. libvirt's ESX driver looks up service `esx` for every scheme; this driver first
//! tries the URI's own scheme (`auth-vpx-HOST`, `auth-gsx-HOST`), then `esx`.
//!
//! Passwords are kept in [`Password`], whose `Debug` never shows the secret.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorCode, Result};
use crate::uri::Uri;

/// A password; `Debug` prints `Password(***)` so it cannot leak into logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Password {
        Password(secret.into())
    }
    /// The secret, for the login call only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A user and password to log in with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name.
    pub username: String,
    /// The password.
    pub password: Password,
}

/// What the caller is asked for by [`AuthCallback`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialRequest {
    /// A user name; `prompt` reads like libvirt's `Enter username for HOST [root]`, and
    /// `default` is what an empty answer means.
    Username {
        /// Text to show.
        prompt: String,
        /// The default user.
        default: String,
    },
    /// A password, to be read without echo; `prompt` reads like `Enter root's password for HOST`.
    Password {
        /// Text to show.
        prompt: String,
    },
}

/// Asks the user for what auth.conf did not give (libvirt's `virConnectAuth` callback).
///
/// Return `Ok(None)` when no answer can be obtained (no terminal): the connection then fails
/// with a clear error. Return `Err(message)` when the user cancelled or reading failed.
pub trait AuthCallback: Send + Sync {
    /// Answers one request.
    fn request(&self, request: &CredentialRequest) -> std::result::Result<Option<String>, String>;
}

/// A parsed auth.conf (GLib key-file syntax: `[group]`, `key=value`, `#`/`;` comments).
#[derive(Debug, Clone, Default)]
pub struct AuthConfig {
    path: PathBuf,
    groups: HashMap<String, HashMap<String, String>>,
}

impl AuthConfig {
    /// Parses auth.conf text; `path` is used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<AuthConfig> {
        let mut groups: HashMap<String, HashMap<String, String>> = HashMap::new();
        let mut current: Option<String> = None;
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if let Some(rest) = line.strip_prefix('[') {
                let name = rest.strip_suffix(']').ok_or_else(|| {
                    Error::new(
                        ErrorCode::ConfSyntax,
                        format!(
                            "{}:{}: group header '{line}' is missing ']'",
                            path.display(),
                            n + 1
                        ),
                    )
                })?;
                groups.entry(name.to_string()).or_default();
                current = Some(name.to_string());
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                return Err(Error::new(
                    ErrorCode::ConfSyntax,
                    format!(
                        "{}:{}: line is neither a group nor key=value",
                        path.display(),
                        n + 1
                    ),
                ));
            };
            let Some(group) = &current else {
                return Err(Error::new(
                    ErrorCode::ConfSyntax,
                    format!(
                        "{}:{}: key '{}' outside any group",
                        path.display(),
                        n + 1,
                        key.trim()
                    ),
                ));
            };
            groups
                .entry(group.clone())
                .or_default()
                .insert(key.trim().to_string(), value.trim().to_string());
        }
        Ok(AuthConfig {
            path: path.to_path_buf(),
            groups,
        })
    }

    /// Reads and parses the file at `path`.
    pub fn load(path: &Path) -> Result<AuthConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::new(
                ErrorCode::ConfSyntax,
                format!("cannot read auth file '{}': {e}", path.display()),
            )
        })?;
        AuthConfig::parse(&text, path)
    }

    /// The credential group for `service` and `host` (`auth-SERVICE-HOST`, else
    /// `auth-SERVICE-default`), or `None` when neither exists.
    fn credential_group(
        &self,
        service: &str,
        host: &str,
    ) -> Result<Option<&HashMap<String, String>>> {
        let mut name = format!("auth-{service}-{host}");
        if !self.groups.contains_key(&name) {
            name = format!("auth-{service}-default");
        }
        let Some(group) = self.groups.get(&name) else {
            return Ok(None);
        };
        let cred = group.get("credentials").ok_or_else(|| {
            Error::new(
                ErrorCode::ConfSyntax,
                format!(
                    "Missing item 'credentials' in group '{name}' in '{}'",
                    self.path.display()
                ),
            )
        })?;
        let cred_group = format!("credentials-{cred}");
        self.groups.get(&cred_group).map(Some).ok_or_else(|| {
            Error::new(
                ErrorCode::ConfSyntax,
                format!(
                    "Missing group 'credentials-{cred}' referenced from group '{name}' in '{}'",
                    self.path.display()
                ),
            )
        })
    }

    /// Looks up `key` (`username`, `authname` or `password`) for the services in order.
    pub fn lookup(&self, services: &[&str], host: &str, keys: &[&str]) -> Result<Option<String>> {
        for service in services {
            if let Some(group) = self.credential_group(service, host)? {
                for key in keys {
                    if let Some(v) = group.get(*key) {
                        return Ok(Some(v.clone()));
                    }
                }
            }
        }
        Ok(None)
    }
}

/// The user's configuration directory: `$XDG_CONFIG_HOME`, else `~/.config`; `None` when
/// neither variable is set.
pub(crate) fn config_home() -> Option<PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
}

/// Where auth.conf is: `LIBVIRT_AUTH_FILE`, the URI's `authfile=`, then
/// `$XDG_CONFIG_HOME/libvirt/auth.conf` (or `~/.config/libvirt/auth.conf`), then
/// `/etc/libvirt/auth.conf`, the first that applies (the last two only if readable).
pub fn auth_file_path(uri: &Uri) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LIBVIRT_AUTH_FILE") {
        return Some(PathBuf::from(p));
    }
    if let Some(p) = &uri.params.authfile {
        return Some(p.clone());
    }
    let candidates = config_home()
        .map(|c| c.join("libvirt/auth.conf"))
        .into_iter()
        .chain(std::iter::once(PathBuf::from("/etc/libvirt/auth.conf")));
    candidates
        .into_iter()
        .find(|p| std::fs::File::open(p).is_ok())
}

/// Resolves the user and password for `uri` against `host` (the server the login goes to):
/// the URI's user, else auth.conf's username, else the callback (offering libvirt's default
/// user); then auth.conf's password, else the callback. Without an answer the error says what
/// is missing and how to provide it.
pub fn resolve_credentials(
    uri: &Uri,
    host: &str,
    config: Option<&AuthConfig>,
    callback: Option<&dyn AuthCallback>,
) -> Result<Credentials> {
    resolve_credentials_for(uri, &auth_services(uri), host, config, callback)
}

/// The auth.conf services looked up for `uri`, in order: its own scheme, then `esx` (the
/// only one libvirt's ESX driver knows).
pub fn auth_services(uri: &Uri) -> Vec<&'static str> {
    match uri.scheme.as_str() {
        "esx" => vec!["esx"],
        scheme => vec![scheme, "esx"],
    }
}

/// [`resolve_credentials`] looking auth.conf up under `services` only (the vCenter of an
/// esx:// connection is looked up as libvirt does, under `esx` and the vCenter's address).
pub fn resolve_credentials_for(
    uri: &Uri,
    services: &[&str],
    host: &str,
    config: Option<&AuthConfig>,
    callback: Option<&dyn AuthCallback>,
) -> Result<Credentials> {
    let username = match &uri.user {
        Some(u) => u.clone(),
        None => {
            let from_file = match config {
                Some(c) => c.lookup(services, host, &["username", "authname"])?,
                None => None,
            };
            match from_file {
                Some(u) => u,
                None => {
                    let default = uri.default_user().to_string();
                    let request = CredentialRequest::Username {
                        prompt: format!("Enter username for {host} [{default}]"),
                        default: default.clone(),
                    };
                    match ask(callback, &request, "Username")? {
                        Some(u) if !u.is_empty() => u,
                        Some(_) => default,
                        None => {
                            return Err(missing(services, host, "user name"));
                        }
                    }
                }
            }
        }
    };
    let from_file = match config {
        Some(c) => c.lookup(services, host, &["password"])?,
        None => None,
    };
    let password = match from_file {
        Some(p) => p,
        None => {
            let request = CredentialRequest::Password {
                prompt: format!("Enter {username}'s password for {host}"),
            };
            match ask(callback, &request, "Password")? {
                Some(p) => p,
                None => return Err(missing(services, host, &format!("password for {username}"))),
            }
        }
    };
    Ok(Credentials {
        username,
        password: Password::new(password),
    })
}

fn ask(
    callback: Option<&dyn AuthCallback>,
    request: &CredentialRequest,
    what: &str,
) -> Result<Option<String>> {
    match callback {
        None => Ok(None),
        Some(cb) => cb.request(request).map_err(|why| {
            Error::new(
                ErrorCode::AuthFailed,
                format!("{what} request failed: {why}"),
            )
        }),
    }
}

fn missing(services: &[&str], host: &str, what: &str) -> Error {
    Error::new(
        ErrorCode::AuthUnavailable,
        format!(
            "no {what} for {host}: give it in an auth.conf section [auth-{}-{host}] (LIBVIRT_AUTH_FILE or ~/.config/libvirt/auth.conf) or run on a terminal to be prompted",
            services.first().copied().unwrap_or("esx")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    const CONF: &str = "\
# a comment
[credentials-test]
authname=fred
password=secret

[credentials-vc]
username=admin@vsphere.local
password=vcpass

[auth-esx-host1]
credentials=test

[auth-vpx-vc1]
credentials=vc

[auth-esx-default]
credentials=test
";

    fn conf() -> AuthConfig {
        AuthConfig::parse(CONF, Path::new("/x/auth.conf")).unwrap()
    }

    struct Answers(Mutex<Vec<Option<String>>>, Mutex<Vec<CredentialRequest>>);
    impl AuthCallback for Answers {
        fn request(&self, r: &CredentialRequest) -> std::result::Result<Option<String>, String> {
            self.1.lock().unwrap().push(r.clone());
            Ok(self.0.lock().unwrap().remove(0))
        }
    }

    #[test]
    fn parse_and_lookup() {
        let c = conf();
        assert_eq!(
            c.lookup(&["esx"], "host1", &["username", "authname"])
                .unwrap(),
            Some("fred".into())
        );
        assert_eq!(
            c.lookup(&["vpx", "esx"], "vc1", &["password"]).unwrap(),
            Some("vcpass".into())
        );
        // default section
        assert_eq!(
            c.lookup(&["esx"], "other", &["password"]).unwrap(),
            Some("secret".into())
        );
        assert_eq!(c.lookup(&["gsx"], "other", &["password"]).unwrap(), None);
    }

    #[test]
    fn broken_references_are_errors() {
        let c = AuthConfig::parse("[auth-esx-h]\nfoo=1\n", Path::new("/a")).unwrap();
        assert_eq!(
            c.lookup(&["esx"], "h", &["password"]).unwrap_err().to_string(),
            "configuration file syntax error: Missing item 'credentials' in group 'auth-esx-h' in '/a'"
        );
        let c = AuthConfig::parse("[auth-esx-h]\ncredentials=nope\n", Path::new("/a")).unwrap();
        assert_eq!(
            c.lookup(&["esx"], "h", &["password"]).unwrap_err().to_string(),
            "configuration file syntax error: Missing group 'credentials-nope' referenced from group 'auth-esx-h' in '/a'"
        );
        assert!(AuthConfig::parse("key=1\n", Path::new("/a")).is_err());
        assert!(AuthConfig::parse("[bad\n", Path::new("/a")).is_err());
        assert!(AuthConfig::parse("[g]\njunk\n", Path::new("/a")).is_err());
    }

    #[test]
    fn uri_user_wins_over_file() {
        let uri = Uri::parse("esx://root@host1/").unwrap();
        let c = resolve_credentials(&uri, "host1", Some(&conf()), None).unwrap();
        assert_eq!(c.username, "root");
        assert_eq!(c.password.expose(), "secret");
    }

    #[test]
    fn file_user_then_file_password() {
        let uri = Uri::parse("esx://host1/").unwrap();
        let c = resolve_credentials(&uri, "host1", Some(&conf()), None).unwrap();
        assert_eq!(c.username, "fred");
        let uri = Uri::parse("vpx://vc1/dc/h").unwrap();
        let c = resolve_credentials(&uri, "vc1", Some(&conf()), None).unwrap();
        assert_eq!(c.username, "admin@vsphere.local");
        assert_eq!(c.password.expose(), "vcpass");
    }

    #[test]
    fn prompt_after_file() {
        let uri = Uri::parse("gsx://h9/").unwrap();
        let cb = Answers(
            Mutex::new(vec![Some(String::new()), Some("pw".into())]),
            Mutex::new(vec![]),
        );
        let empty = AuthConfig::default();
        let c = resolve_credentials(&uri, "h9", Some(&empty), Some(&cb)).unwrap();
        assert_eq!(c.username, "root");
        assert_eq!(c.password.expose(), "pw");
        let asked = cb.1.lock().unwrap();
        assert_eq!(
            asked[0],
            CredentialRequest::Username {
                prompt: "Enter username for h9 [root]".into(),
                default: "root".into()
            }
        );
        assert_eq!(
            asked[1],
            CredentialRequest::Password {
                prompt: "Enter root's password for h9".into()
            }
        );
    }

    #[test]
    fn no_terminal_is_a_clear_error() {
        let uri = Uri::parse("esx://root@h9/").unwrap();
        let e = resolve_credentials(&uri, "h9", None, None).unwrap_err();
        assert_eq!(e.code(), ErrorCode::AuthUnavailable);
        assert!(e
            .to_string()
            .starts_with("authentication unavailable: no password for root for h9"));
        let cb = Answers(Mutex::new(vec![None]), Mutex::new(vec![]));
        let uri = Uri::parse("esx://h9/").unwrap();
        let e = resolve_credentials(&uri, "h9", None, Some(&cb)).unwrap_err();
        assert!(e.to_string().contains("no user name for h9"), "{e}");
    }

    #[test]
    fn password_debug_is_redacted() {
        let c = Credentials {
            username: "u".into(),
            password: Password::new("hunter2"),
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
