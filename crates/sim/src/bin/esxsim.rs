//! `esxsim`: the vSphere simulator as a standalone server. Prints its base URL as the first
//! line of stdout and `control-token: TOKEN` (for the `/esxsim/*` control endpoints) as the
//! second, and serves until SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use esxvirt_sim::{InventorySource, Limits, SimConfig, Simulator, Tls};

/// A vSphere (ESX / vCenter) simulator.
#[derive(Parser, Debug)]
#[command(name = "esxsim", version, about)]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Serve plain http instead of https.
    #[arg(long)]
    http: bool,
    /// PEM certificate chain for https (default: a fresh self-signed one).
    #[arg(long, requires = "key")]
    cert: Option<PathBuf>,
    /// PEM private key for --cert.
    #[arg(long, requires = "cert")]
    key: Option<PathBuf>,
    /// Inventory file (JSON) to serve.
    #[arg(long, conflicts_with_all = ["vcenter", "generate_vms"])]
    inventory: Option<PathBuf>,
    /// State file: loaded when it exists, rewritten after every change.
    #[arg(long)]
    state: Option<PathBuf>,
    /// Directory holding the datastores' files.
    #[arg(long)]
    files_dir: Option<PathBuf>,
    /// Serve a vCenter (VirtualCenter) instead of an ESX host.
    #[arg(long)]
    vcenter: bool,
    /// Generate an inventory with this many VMs per host instead of the default one.
    #[arg(long)]
    generate_vms: Option<usize>,
    /// Hosts of a generated vCenter inventory.
    #[arg(long, default_value_t = 1)]
    generate_hosts: usize,
    /// Accepted user name.
    #[arg(long, default_value = esxvirt_sim::DEFAULT_USER)]
    user: String,
    /// Accepted password.
    #[arg(long, default_value = esxvirt_sim::DEFAULT_PASSWORD)]
    password: String,
    /// Seconds of inactivity after which a session expires.
    #[arg(long, default_value_t = 1800)]
    session_idle_timeout: u64,
    /// Milliseconds during which finished tasks still show queued/running.
    #[arg(long, default_value_t = 0)]
    task_delay_ms: u64,
    /// Token for the control endpoints (`Authorization: Bearer TOKEN`; default: random,
    /// printed on the second line of stdout). The user and password work too.
    #[arg(long)]
    control_token: Option<String>,
    /// Connections open at once; beyond, the connection idle longest is closed, or the
    /// newcomer gets 503 when all are busy.
    #[arg(long, default_value_t = Limits::default().max_connections)]
    max_connections: usize,
    /// Seconds a client has from a request's first byte to the end of its header.
    #[arg(long, default_value_t = Limits::default().header_timeout.as_secs())]
    header_timeout: u64,
    /// Seconds a connection may stay without a request.
    #[arg(long, default_value_t = Limits::default().idle_timeout.as_secs())]
    idle_timeout: u64,
    /// Largest request body (bytes) read from a client without a session.
    #[arg(long, default_value_t = Limits::default().max_unauthenticated_body)]
    max_unauthenticated_body: usize,
    /// Seconds a change waits for another process's lock on the state file.
    #[arg(long, default_value_t = 30)]
    state_lock_timeout: u64,
    /// Serve a `govc object.save` recording (a directory) instead of an inventory.
    #[arg(long, conflicts_with_all = ["inventory", "vcenter", "generate_vms", "state"])]
    load: Option<PathBuf>,
    /// At exit, write the inventory as a `govc object.save` recording to this directory.
    #[arg(long)]
    save: Option<PathBuf>,
}

fn main() -> ExitCode {
    // vcsim's command line (single-dash flags, `uuidgen`) runs esxsim in vcsim's place.
    if let Some(code) = esxvirt_sim::vcsim_args::main_if_vcsim() {
        return code;
    }
    let args = Args::parse();
    // Logs go to stderr (stdout's first line is the URL); RUST_LOG=esxsim=trace shows every
    // SOAP request and response.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    esxvirt_sim::standalone::block_on(run(args))
}

async fn run(args: Args) -> ExitCode {
    let inventory = match (&args.inventory, args.generate_vms) {
        (Some(p), _) => InventorySource::File(p.clone()),
        (None, Some(n)) => InventorySource::Generate {
            vcenter: args.vcenter,
            hosts: args.generate_hosts,
            vms_per_host: n,
        },
        (None, None) if args.vcenter => InventorySource::DefaultVCenter,
        (None, None) => InventorySource::DefaultEsx,
    };
    let tls = match (args.http, args.cert, args.key) {
        (true, _, _) => Tls::Off,
        (false, Some(cert), Some(key)) => Tls::Files { cert, key },
        _ => Tls::SelfSigned,
    };
    let config = SimConfig {
        listen: args.listen,
        tls,
        inventory,
        state_file: args.state,
        files_dir: args.files_dir,
        user: args.user,
        password: args.password,
        session_idle_timeout: Duration::from_secs(args.session_idle_timeout),
        task_delay: Duration::from_millis(args.task_delay_ms),
        control_token: args.control_token,
        limits: Limits {
            max_connections: args.max_connections,
            header_timeout: Duration::from_secs(args.header_timeout),
            idle_timeout: Duration::from_secs(args.idle_timeout),
            max_unauthenticated_body: args.max_unauthenticated_body,
        },
        state_lock_timeout: Duration::from_secs(args.state_lock_timeout),
    };
    let save = args.save;
    let started = match &args.load {
        Some(dir) => esxvirt_sim::recording::start(config, dir).await,
        None => Simulator::start(config).await,
    };
    let sim = match started {
        Ok(s) => s,
        Err(e) => {
            eprintln!("esxsim: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The handlers are in place before the URL is printed: whoever starts esxsim may stop
    // it as soon as it has read the URL.
    let stop = esxvirt_sim::standalone::StopSignals::watch();
    // Both lines in one write: a reader may close the pipe after the first.
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = write!(
        out,
        "{}\ncontrol-token: {}\n",
        sim.url(),
        sim.control_token()
    );
    let _ = out.flush();
    drop(out);
    stop.wait().await;
    if let Some(dir) = &save {
        if let Err(e) = sim.with_world(|w| esxvirt_sim::recording::save(&*w, dir)) {
            eprintln!("esxsim: {e}");
        }
    }
    sim.shutdown().await;
    ExitCode::SUCCESS
}
