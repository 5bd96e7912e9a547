//! esxsim: a vSphere simulator serving a standalone ESX host (HostAgent) or a vCenter
//! (VirtualCenter) over HTTP(S), faithful enough for libvirt's ESX driver, pyVmomi and this
//! project's own client.
//!
//! # Embedding
//!
//! ```no_run
//! # async fn demo() -> Result<(), esxvirt_sim::SimError> {
//! use esxvirt_sim::{SimConfig, Simulator, InventorySource};
//! let sim = Simulator::start(SimConfig {
//!     inventory: InventorySource::DefaultVCenter,
//!     ..SimConfig::default()
//! })
//! .await?;
//! println!("{}", sim.sdk_url()); // https://127.0.0.1:PORT/sdk
//! let counts = sim.stats();      // per-method request counters
//! sim.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Defaults ([`SimConfig::default`]): listen on `127.0.0.1:0` (a free port), https with a
//! fresh self-signed certificate, the default ESX inventory, user `root`, password
//! `password` ([`DEFAULT_USER`], [`DEFAULT_PASSWORD`]), sessions expire after 30 minutes
//! idle, no state file (datastore files in a temporary directory removed at shutdown), a
//! random control token, and the [`Limits`] defaults.
//!
//! # HTTP endpoints
//!
//! - `POST /sdk`: SOAP 1.1 (vim25). Every call but `RetrieveServiceContent` (and `Login`)
//!   needs the `vmware_soap_session` cookie that `Login` sets, else `NotAuthenticated`.
//! - `GET /sdk/vimServiceVersions.xml`, `GET /sdk/vimService.wsdl`: version probes.
//! - `GET|HEAD|PUT|DELETE /folder/PATH?dcPath=DC&dsName=DS`: datastore files;
//!   `GET /screen?id=VMID`: a PNG. Both need the session cookie or HTTP basic auth.
//! - `GET /esxsim/stats` (JSON [`StatsSnapshot`]), `POST /esxsim/stats/reset`;
//!   `POST /esxsim/inject` (JSON [`inject::Injection`]), `GET`/`DELETE /esxsim/inject`;
//!   `POST /esxsim/sessions/expire` (ends every session). These control endpoints need
//!   the simulator's user and password (HTTP basic authentication) or its control token
//!   (`Authorization: Bearer TOKEN`; [`RunningSim::control_token`], printed by `esxsim`);
//!   without them: `401`.
//!
//! # Limits
//!
//! [`Limits`]: a cap on open connections (at the cap a newcomer replaces the connection
//! idle longest, or gets `503` when all are busy), a header timeout and an idle timeout,
//! and a small body limit for requests without a session (`413` before the body is read).
//! `sim:///PATH.json` and `--state` files are shared safely between processes
//! ([`state`]).
//!
//! # Behaviour worth knowing
//!
//! - Without a session, a property-collector read of only the session manager answers the
//!   object with no properties (libvirt's session check, as on a real server); every other
//!   call but `RetrieveServiceContent`/`Login` is `NotAuthenticated`.
//! - `Fetch` (pyVmomi 9's single-property read) works on every object.
//! - `WaitForUpdates(Ex)`/`CheckForUpdates` diff each filter against what it last reported;
//!   `CancelWaitForUpdates` ends a blocked wait with `RequestCanceled`.
//! - `RetrievePropertiesEx` pages only when `maxObjects` asks for it.
//! - Items of arrays in `xsd:anyType` positions carry `xsi:type` (libvirt requires it).
//!
//! # Layout
//!
//! [`value`] (SOAP data values and their encoding), [`soap`] (envelopes, the parsed request
//! tree), [`fault`] (typed vSphere faults), [`object`] (the contract between the core and
//! the world model), [`server`] (HTTP), [`core`] (shared state, the dispatcher, and the
//! service objects in `core/*.rs`: ServiceInstance, SessionManager, PropertyCollector,
//! PropertyFilter, ViewManager, ContainerView, TaskManager, Task), the stores behind them
//! ([`session`], [`task`], [`view`], [`property_collector`] with the spec and retrieval
//! engine), [`service`] (what ServiceContent names), [`server`]'s [`conns`] (connection
//! limits), [`inject`], [`stats`], [`state`] (the shared state file, under a lock),
//! [`standalone`] (the runtime and stop signals of `esxsim`), [`offline`] (the request path
//! without HTTP, for fuzzing). The world model is [`inventory`] (records, loading and
//! saving, operations); its managed objects are in [`objects`], one file per managed object
//! type registered in `objects::TYPES`, and its datastore and screen HTTP access in
//! [`files`].

pub mod conns;
pub mod core;
pub mod fault;
pub mod files;
pub mod inject;
pub mod inventory;
pub mod object;
pub mod objects;
pub mod offline;
pub mod property_collector;
pub mod recording;
pub mod server;
pub mod service;
pub mod session;
pub mod soap;
pub mod standalone;
pub mod state;
pub mod stats;
pub mod task;
pub mod value;
pub mod vcsim_args;
pub mod view;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

pub use inject::{Action, Injection};
pub use object::{Inventory, Mode};
pub use stats::StatsSnapshot;

use crate::core::{lock, Core, FilterState};
use crate::property_collector::Paging;
use crate::service::{mode_of, ServiceRefs};
use crate::session::Sessions;
use crate::stats::Stats;
use crate::task::Tasks;
use crate::view::Views;

/// The default user name.
pub const DEFAULT_USER: &str = "root";
/// The default password.
pub const DEFAULT_PASSWORD: &str = "password";

/// How the simulator speaks HTTP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tls {
    /// Plain http.
    Off,
    /// https with a fresh self-signed certificate (for `localhost` and `127.0.0.1`).
    SelfSigned,
    /// https with this PEM certificate chain and PEM private key.
    Files {
        /// Certificate chain.
        cert: PathBuf,
        /// Private key.
        key: PathBuf,
    },
}

/// Which world to serve.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InventorySource {
    /// The shipped default standalone ESX host.
    DefaultEsx,
    /// The shipped default vCenter (folders, datacenter, cluster, standalone host).
    DefaultVCenter,
    /// An inventory file (JSON; see `crates/sim/INVENTORY.md`).
    File(PathBuf),
    /// A generated inventory.
    Generate {
        /// A vCenter (else one ESX host).
        vcenter: bool,
        /// Hosts (1 for ESX).
        hosts: usize,
        /// VMs per host.
        vms_per_host: usize,
    },
}

/// Simulator settings.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// http or https.
    pub tls: Tls,
    /// The world served when there is no state file yet.
    pub inventory: InventorySource,
    /// A state file: loaded at start when it exists (instead of `inventory`), rewritten
    /// after every change.
    pub state_file: Option<PathBuf>,
    /// Where datastore directories live; default `<state_file>.files` with a state file,
    /// else a temporary directory removed at shutdown.
    pub files_dir: Option<PathBuf>,
    /// The accepted user name.
    pub user: String,
    /// The accepted password.
    pub password: String,
    /// Sessions idle longer than this expire.
    pub session_idle_timeout: Duration,
    /// Finished tasks keep showing queued, then running, for this long (0: no lag).
    pub task_delay: Duration,
    /// The token the control endpoints accept besides the user and password; `None`: a
    /// random one ([`RunningSim::control_token`]).
    pub control_token: Option<String>,
    /// Connection and request limits.
    pub limits: Limits,
    /// How long a change waits for another process's lock on the state file before it
    /// fails with a `SystemError`.
    pub state_lock_timeout: Duration,
}

/// What protects the server from clients that hold connections or send large bodies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Connections open at once. At the cap, a new connection replaces the connection idle
    /// longest; when every one is busy, it gets `503 Service Unavailable`.
    pub max_connections: usize,
    /// Time allowed from a request's first byte (a TLS handshake included) to the end of
    /// its header, and for the body of a request without a session.
    pub header_timeout: Duration,
    /// A connection without a request for this long is closed.
    pub idle_timeout: Duration,
    /// Largest request body read without authentication (a SOAP request without a live
    /// session: `Login` and such); larger ones get `413` and the connection closes. Other
    /// requests without credentials get `401` with their body unread.
    pub max_unauthenticated_body: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 512,
            header_timeout: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(120),
            max_unauthenticated_body: 1 << 20,
        }
    }
}

impl Default for SimConfig {
    fn default() -> SimConfig {
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls: Tls::SelfSigned,
            inventory: InventorySource::DefaultEsx,
            state_file: None,
            files_dir: None,
            user: DEFAULT_USER.to_string(),
            password: DEFAULT_PASSWORD.to_string(),
            session_idle_timeout: Duration::from_secs(30 * 60),
            task_delay: Duration::ZERO,
            control_token: None,
            limits: Limits::default(),
            state_lock_timeout: Duration::from_secs(30),
        }
    }
}

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// TLS setup failed.
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// The inventory or state file could not be loaded or created.
    #[error("inventory: {0}")]
    Inventory(String),
    /// The state file could not be locked, read or written.
    #[error("{0}")]
    State(#[from] state::StateError),
    /// Other I/O.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The simulator.
pub struct Simulator;

/// A running simulator; stop it with [`RunningSim::shutdown`] (dropping it stops it too).
pub struct RunningSim {
    core: Arc<Core>,
    control_token: String,
    addr: SocketAddr,
    tls: bool,
    stop: tokio::sync::watch::Sender<bool>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    temp_dir: Option<PathBuf>,
}

/// Builds the world a configuration asks for in `files_dir`: without a state file, the
/// inventory source; with one, under its exclusive lock, the state file if it exists, else
/// the inventory source, saved as the state file. Returns the opened state file too.
fn build_world(
    config: &SimConfig,
    files_dir: &std::path::Path,
) -> Result<(Box<dyn Inventory>, Option<state::StateFile>), SimError> {
    use crate::inventory::World;
    let err = |e: inventory::InvError| SimError::Inventory(e.to_string());
    let Some(path) = &config.state_file else {
        return Ok((boxed(source_world(config, files_dir)?)?, None));
    };
    let st = state::StateFile::open(path, config.state_lock_timeout, &config.user)?;
    let mut locked = st.exclusive()?;
    locked.remove_stale_temps();
    let world = if locked.exists() {
        let w = World::load(path, files_dir).map_err(err)?;
        locked.mark_loaded();
        w
    } else {
        let w = source_world(config, files_dir)?;
        locked.commit(|p| w.save(p).map_err(|e| e.to_string()))?;
        w
    };
    drop(locked);
    Ok((boxed(world)?, Some(st)))
}

/// The world of `config.inventory`.
fn source_world(
    config: &SimConfig,
    files_dir: &std::path::Path,
) -> Result<inventory::World, SimError> {
    use crate::inventory::defaults::GenerateParams;
    use crate::inventory::World;
    let err = |e: inventory::InvError| SimError::Inventory(e.to_string());
    Ok(match &config.inventory {
        InventorySource::DefaultEsx => World::default_esx(files_dir).map_err(err)?,
        InventorySource::DefaultVCenter => World::default_vcenter(files_dir).map_err(err)?,
        InventorySource::File(p) => World::load(p, files_dir).map_err(err)?,
        InventorySource::Generate {
            vcenter,
            hosts,
            vms_per_host,
        } => World::generate(
            GenerateParams {
                vcenter: *vcenter,
                hosts: *hosts,
                vms_per_host: *vms_per_host,
                ..GenerateParams::default()
            },
            files_dir,
        )
        .map_err(err)?,
    })
}

/// The simulator's shared state serving `world` (saved to `state` if given).
fn new_core(
    config: &SimConfig,
    world: Box<dyn Inventory>,
    state: Option<state::StateFile>,
) -> Arc<Core> {
    let mode = mode_of(&world.about());
    let mut tasks = Tasks::new(if mode == Mode::Esx {
        "haTask--vim.Task-"
    } else {
        "task-"
    });
    tasks.set_delay(config.task_delay);
    let mut world = world;
    world.restore_tasks(&mut tasks, &config.user);
    let (changed, _) = tokio::sync::watch::channel(0u64);
    Arc::new(Core {
        world: RwLock::new(world),
        tasks: RwLock::new(tasks),
        sessions: Mutex::new(Sessions::new(
            &config.user,
            &config.password,
            config.session_idle_timeout,
        )),
        views: RwLock::new(Views::default()),
        filters: Mutex::new(FilterState::default()),
        paging: Mutex::new(Paging::default()),
        changed,
        stats: Stats::default(),
        inject: inject::Injector::default(),
        refs: ServiceRefs::new(mode),
        mode,
        state,
    })
}

/// The world as the core's [`Inventory`].
fn boxed(world: inventory::World) -> Result<Box<dyn Inventory>, SimError> {
    Ok(Box::new(world))
}

impl Simulator {
    /// Starts a simulator serving the configured world.
    pub async fn start(config: SimConfig) -> Result<RunningSim, SimError> {
        let (files_dir, temp_dir) = match (&config.files_dir, &config.state_file) {
            (Some(d), _) => (d.clone(), None),
            (None, Some(state)) => {
                let mut d = state.as_os_str().to_os_string();
                d.push(".files");
                (PathBuf::from(d), None)
            }
            (None, None) => {
                let n = session::new_key().map_err(|e| SimError::Inventory(e.to_string()))?;
                let d = std::env::temp_dir().join(format!("esxsim-{}", &n[..12]));
                (d.clone(), Some(d))
            }
        };
        std::fs::create_dir_all(&files_dir)?;
        let (world, state) = match build_world(&config, &files_dir) {
            Ok(w) => w,
            Err(e) => {
                if let Some(t) = &temp_dir {
                    let _ = std::fs::remove_dir_all(t);
                }
                return Err(e);
            }
        };
        let mut sim = Simulator::serve(config, world, state).await?;
        sim.temp_dir = temp_dir;
        Ok(sim)
    }

    /// Starts a simulator serving `world` (any [`Inventory`]); `config.inventory`,
    /// `files_dir` are ignored, `state_file` is where changes are saved (`world` replaces
    /// what it holds).
    pub async fn start_with(
        config: SimConfig,
        world: Box<dyn Inventory>,
    ) -> Result<RunningSim, SimError> {
        let state = match &config.state_file {
            Some(path) => {
                let st = state::StateFile::open(path, config.state_lock_timeout, &config.user)?;
                let mut locked = st.exclusive()?;
                locked
                    .commit(|p| world.save_state(p))
                    .map_err(SimError::State)?;
                drop(locked);
                Some(st)
            }
            None => None,
        };
        Simulator::serve(config, world, state).await
    }

    async fn serve(
        config: SimConfig,
        world: Box<dyn Inventory>,
        state: Option<state::StateFile>,
    ) -> Result<RunningSim, SimError> {
        let acceptor = match &config.tls {
            Tls::Off => None,
            Tls::SelfSigned => Some(server::tls_acceptor(None).map_err(SimError::Tls)?),
            Tls::Files { cert, key } => {
                Some(server::tls_acceptor(Some((cert, key))).map_err(SimError::Tls)?)
            }
        };
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| SimError::Listen {
                addr: config.listen,
                source,
            })?;
        let addr = listener.local_addr()?;
        let core = new_core(&config, world, state);
        let control_token = match &config.control_token {
            Some(t) => t.clone(),
            None => session::new_key().map_err(|e| SimError::Inventory(e.to_string()))?,
        };
        let (stop, stop_rx) = tokio::sync::watch::channel(false);
        let tls = acceptor.is_some();
        let srv = Arc::new(server::Server::new(
            core.clone(),
            tls,
            control_token.clone(),
            config.limits.max_unauthenticated_body,
            conns::ConnLimits {
                max: config.limits.max_connections,
                header_timeout: config.limits.header_timeout,
                idle_timeout: config.limits.idle_timeout,
            },
        ));
        if core.state.is_some() {
            tokio::spawn(follow_state_file(Arc::downgrade(&core), stop_rx.clone()));
        }
        let task = tokio::spawn(server::serve(srv, listener, acceptor, stop_rx));
        Ok(RunningSim {
            core,
            control_token,
            addr,
            tls,
            stop,
            task: Mutex::new(Some(task)),
            temp_dir: None,
        })
    }
}

impl RunningSim {
    /// The base URL, e.g. `https://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!(
            "{}://{}",
            if self.tls { "https" } else { "http" },
            self.addr
        )
    }

    /// The SOAP endpoint, `URL/sdk`.
    pub fn sdk_url(&self) -> String {
        format!("{}/sdk", self.url())
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// ESX or vCenter.
    pub fn mode(&self) -> Mode {
        self.core.mode
    }

    /// The token the control endpoints (`/esxsim/*`) accept as `Authorization: Bearer
    /// TOKEN` (besides the user and password).
    pub fn control_token(&self) -> &str {
        &self.control_token
    }

    /// The request counters now.
    pub fn stats(&self) -> StatsSnapshot {
        self.core.stats.snapshot()
    }

    /// Clears the request counters.
    pub fn reset_stats(&self) {
        self.core.stats.reset()
    }

    /// Adds a fault-injection rule.
    pub fn inject(&self, rule: Injection) {
        self.core.inject.add(rule)
    }

    /// Removes every fault-injection rule.
    pub fn clear_injections(&self) {
        self.core.inject.clear()
    }

    /// Ends every session (clients then see `NotAuthenticated`).
    pub fn expire_sessions(&self) {
        self.core.expire_all_sessions()
    }

    /// Changes the idle time after which sessions expire.
    pub fn set_session_idle_timeout(&self, t: Duration) {
        lock(&self.core.sessions).set_idle_timeout(t)
    }

    /// Runs `f` on the world (for tests that inspect or seed it); with a state file, on
    /// its latest content, saved afterwards. Fails when the state file cannot be locked,
    /// reloaded or saved.
    pub fn with_world<R>(
        &self,
        f: impl FnOnce(&mut dyn Inventory) -> R,
    ) -> Result<R, fault::Fault> {
        self.core.shared_state().mutate(f, |_| true)
    }

    /// Stops serving and waits until every connection is closed.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let task = lock(&self.task).take();
        if let Some(t) = task {
            let _ = t.await;
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = lock(&self.task).take() {
            t.abort();
        }
        if let Some(d) = &self.temp_dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// Wakes `WaitForUpdatesEx` waiters when another process changes the state file: checks it
/// (cheaply) every second until the simulator stops.
async fn follow_state_file(
    core: std::sync::Weak<Core>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
        let Some(core) = core.upgrade() else {
            return;
        };
        // Reloading may wait for another process's lock: off the async workers.
        let done = tokio::task::spawn_blocking(move || core.shared_state().refresh()).await;
        if let Ok(Err(f)) = done {
            tracing::debug!("state file: {}", f.message);
        }
    }
}
