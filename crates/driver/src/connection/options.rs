//! How a connection is opened: [`OpenOptions`], and the hook that starts the embedded
//! simulator for `sim:///` URIs ([`SimStarter`], which the CLI implements: the driver never
//! depends on the simulator).

use std::any::Any;
use std::sync::Arc;

use super::auth::AuthCallback;
use super::uri::SimTarget;

/// Starts the embedded simulator for `sim:///` URIs. The CLI implements it (the driver must
/// not depend on the simulator); the driver then connects to the returned endpoint over the
/// real wire path like to any host.
pub trait SimStarter: Send + Sync {
    /// Starts a simulator for `target` on a loopback port and returns where it listens.
    /// The error string is shown after `internal error: `.
    fn start(&self, target: &SimTarget) -> std::result::Result<SimEndpoint, String>;
}

/// A running simulator handed to the driver by a [`SimStarter`].
pub struct SimEndpoint {
    /// Its SOAP URL, e.g. `http://127.0.0.1:40123/sdk` (an `https` URL is connected without
    /// certificate verification: the simulator's certificate is self-signed).
    pub sdk_url: String,
    /// The user to log in as.
    pub username: String,
    /// The password.
    pub password: String,
    /// Kept alive as long as the connection; dropping it stops the simulator (and saves a
    /// `sim:///PATH.json` state).
    pub guard: Box<dyn Any + Send + Sync>,
}

impl std::fmt::Debug for SimEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimEndpoint")
            .field("sdk_url", &self.sdk_url)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// How to open a connection.
#[derive(Default, Clone)]
pub struct OpenOptions {
    /// Asks for credentials that neither the URI nor auth.conf give (the CLI prompts on a
    /// terminal). Without it, missing credentials are an error.
    pub auth: Option<Arc<dyn AuthCallback>>,
    /// Use the session cache (`$XDG_CACHE_HOME/esxvirt`): successive connections to the same
    /// URI and user reuse the session cookie and skip the login. Also off when the
    /// environment has `ESXVIRT_NO_SESSION_CACHE=1`, and always off for `sim:`.
    pub session_cache: bool,
    /// Starts the simulator for `sim:///` URIs; without it such URIs are an error.
    pub sim: Option<Arc<dyn SimStarter>>,
    /// Read-only connection (libvirt's VIR_CONNECT_RO): calls that change state fail.
    pub read_only: bool,
    /// Where the session cache lives instead of `$XDG_CACHE_HOME/esxvirt/sessions`.
    pub session_cache_dir: Option<std::path::PathBuf>,
    /// CA certificates (PEM) trusted for https instead of the system roots, when the URI
    /// has no `cacert=`.
    pub ca_file: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for OpenOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenOptions")
            .field("auth", &self.auth.is_some())
            .field("session_cache", &self.session_cache)
            .field("sim", &self.sim.is_some())
            .field("read_only", &self.read_only)
            .field("session_cache_dir", &self.session_cache_dir)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}
