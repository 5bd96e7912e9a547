//! Opening a session: starting the embedded simulator for `sim:` URIs, resuming a session
//! from the session cache (no request), logging in early at a server's well-known session
//! manager (the service content then comes with the first retrieval), or the classic way
//! (RetrieveServiceContent, the product check, Login). Credentials come from the URI,
//! auth.conf or the caller's callback.

use esxvirt_vi::{Client, SavedSession, WellKnown};

use super::auth::{self, Credentials, Password};
use super::engine::learnt::CachedContext;
use super::engine::{
    auth_config, checked_product, runtime, Engine, EngineParts, Locator, PendingLogin,
};
use super::options::OpenOptions;
use super::product::{Product, ProductLine};
use super::session_cache::{self, SessionCache};
use super::uri::{Scheme, SimTarget, Uri};
use crate::error::{vi_err, Error, Result};

/// A started simulator: its URL, the credentials to log in with, and what keeps it running.
pub(crate) struct StartedSim {
    pub url: String,
    pub creds: Credentials,
    pub guard: Box<dyn std::any::Any + Send + Sync>,
}

/// Starts the simulator for a `sim:` URI.
pub(crate) fn start_sim(uri: &Uri, options: &OpenOptions) -> Result<StartedSim> {
    let starter = options.sim.as_ref().ok_or_else(|| {
        Error::invalid_arg(format!(
            "URI '{}' needs the embedded simulator, which this program does not provide",
            uri.to_connected_string()
        ))
    })?;
    let target = uri.sim.clone().unwrap_or(SimTarget::Default);
    let endpoint = starter.start(&target).map_err(Error::internal)?;
    Ok(StartedSim {
        url: endpoint.sdk_url,
        creds: Credentials {
            username: endpoint.username,
            password: Password::new(endpoint.password),
        },
        guard: endpoint.guard,
    })
}

/// The ids a scheme's servers are known to have before their service content is (none for
/// gsx://, whose servers are too varied to count on).
fn well_known_of(scheme: Scheme) -> Option<WellKnown> {
    match scheme {
        Scheme::Esx => Some(WellKnown::HostAgent),
        Scheme::Vpx => Some(WellKnown::VirtualCenter),
        Scheme::Gsx | Scheme::Sim => None,
    }
}

/// Until the service content comes: the product line the scheme expects, version unknown.
fn provisional_product(scheme: Scheme) -> Product {
    Product {
        line: ProductLine::expected_for(scheme),
        version: 0,
    }
}

/// Whether an early login's failure is the answer (bad credentials, an unreachable
/// server) rather than a sign that the server is not of the kind the scheme says.
fn early_login_failure_is_final(e: &esxvirt_vi::Error) -> bool {
    use esxvirt_vi::Error as Vi;
    matches!(
        e,
        Vi::Fault(esxvirt_vi::Fault::InvalidLogin { .. })
            | Vi::ConnectionRefused { .. }
            | Vi::Connect { .. }
            | Vi::Connection { .. }
            | Vi::Tls { .. }
            | Vi::Proxy { .. }
            | Vi::Timeout { .. }
            | Vi::Config(_)
    )
}

/// Opens the session of `uri` (see the module documentation); `sim`: the started simulator
/// of a `sim:` URI.
pub(crate) fn open_session(
    uri: Uri,
    options: &OpenOptions,
    sim: Option<(String, Credentials)>,
) -> Result<Engine> {
    let locator = Locator::of(&uri);
    let services = auth::auth_services(&uri);
    open_as(uri, locator, services, options, sim)
}

/// Opens the vCenter session of an esx:// connection: `uri` names the vCenter (scheme
/// vpx, its address, the host URI's port, transport and user); credentials are looked up
/// as libvirt does (service `esx`, default user `administrator`); the host is the one
/// with address `host_ip`. Its session is cached apart from any vpx:// one.
pub(crate) fn open_vcenter_session(
    uri: Uri,
    host_ip: &str,
    options: &OpenOptions,
) -> Result<Engine> {
    open_as(
        uri,
        Locator::HostIp(host_ip.to_string()),
        vec!["esx"],
        options,
        None,
    )
}

fn open_as(
    uri: Uri,
    locator: Locator,
    services: Vec<&'static str>,
    options: &OpenOptions,
    sim: Option<(String, Credentials)>,
) -> Result<Engine> {
    let rt = runtime()?;
    let mut cfg = super::trust::client_config(&uri, options.ca_file.as_deref())?;
    if let Some((url, _)) = &sim {
        cfg.url = url.clone();
        cfg.no_verify = true;
    }
    let use_cache =
        options.session_cache && !session_cache::disabled_by_env() && uri.scheme != Scheme::Sim;
    let config = if sim.is_none() {
        auth_config(&uri)?
    } else {
        None
    };
    // The cache key needs the user without prompting: the URI's, auth.conf's, or the
    // default one.
    let key_user = match &uri.user {
        Some(u) => u.clone(),
        None => config
            .as_ref()
            .and_then(|c| {
                c.lookup(&services, &uri.host, &["username", "authname"])
                    .ok()
                    .flatten()
            })
            .unwrap_or_else(|| uri.default_user().to_string()),
    };
    let session_file = if use_cache {
        options
            .session_cache_dir
            .clone()
            .map(SessionCache::at)
            .or_else(SessionCache::default_location)
            .map(|c| {
                let mut key = session_cache::cache_key(&uri, &key_user);
                if let Locator::HostIp(ip) = &locator {
                    key.push_str(&format!("?host-ip={ip}"));
                }
                (c, key)
            })
    } else {
        None
    };
    if let Some((c, key)) = &session_file {
        if let Some(entry) = c.load(key) {
            if let Ok(saved) = SavedSession::from_xml(&entry.cookie) {
                let cached: CachedContext =
                    serde_json::from_value(entry.context.clone()).unwrap_or_default();
                if let (Ok(client), Some(product)) =
                    (Client::resume(cfg.clone(), saved), cached.product)
                {
                    // Credentials that need no prompt let the client renew an expired
                    // session by itself; otherwise they are resolved on demand.
                    if let (Some(u), Some(cfgf)) = (&uri.user, &config) {
                        if let Ok(Some(pw)) = cfgf.lookup(&services, &uri.host, &["password"]) {
                            client.set_credentials(u, &pw);
                        }
                    }
                    return Ok(Engine::new(
                        rt,
                        EngineParts {
                            client,
                            uri: uri.clone(),
                            product,
                            locator,
                            services,
                            session_file,
                            cached: Some(cached),
                            pending_login: Some(PendingLogin {
                                auth: options.auth.clone(),
                            }),
                        },
                    ));
                }
            }
        }
    }
    let resolve_credentials = || {
        auth::resolve_credentials_for(
            &uri,
            &services,
            &uri.host,
            config.as_ref(),
            options.auth.as_deref(),
        )
    };
    let parts = |client, product, session_file| EngineParts {
        client,
        uri: uri.clone(),
        product,
        locator: locator.clone(),
        services: services.clone(),
        session_file,
        cached: None,
        pending_login: None,
    };
    // ESX hosts and vCenters have their session manager, property collector and search
    // index under fixed ids (the service contents govmomi's simulator copied from real
    // ones have them too): logging in straight away saves the RetrieveServiceContent,
    // whose answer then comes with the first retrieval and is checked then. A server
    // that is not what the scheme says (no such session manager: a vCenter for esx://,
    // a host for vpx://) gets the usual path and libvirt's product error; a host agent
    // that is not ESX (VMware Server behind esx://) fails at that first retrieval.
    let mut early_creds = None;
    if let (None, Some(kind)) = (&sim, well_known_of(uri.scheme)) {
        let creds = resolve_credentials()?;
        let client = Client::for_well_known(cfg.clone(), kind).map_err(vi_err)?;
        match rt.block_on(client.login(&creds.username, creds.password.expose())) {
            Ok(_) => {
                let product = provisional_product(uri.scheme);
                let engine = Engine::new(rt, parts(client, product, session_file));
                // Cached with the provisional content: the next run's first retrieval
                // brings the real one, as this run's would.
                engine.save_session();
                return Ok(engine);
            }
            Err(e) if early_login_failure_is_final(&e) => return Err(vi_err(e)),
            Err(e) => {
                tracing::debug!("early login refused ({e}); asking for the service content");
                early_creds = Some(creds);
            }
        }
    }
    let client = rt.block_on(Client::connect(cfg)).map_err(vi_err)?;
    let product = checked_product(&client.about(), uri.scheme, &uri.host)?;
    let creds = match (sim, early_creds) {
        (Some((_, c)), _) => c,
        (None, Some(c)) => c,
        (None, None) => resolve_credentials()?,
    };
    rt.block_on(client.login(&creds.username, creds.password.expose()))
        .map_err(vi_err)?;
    let engine = Engine::new(rt, parts(client, product, session_file));
    engine.save_session();
    Ok(engine)
}
