//! esxvirt-exporter: Prometheus metrics of ESX hosts and whole vCenters, collected in the
//! background.
//!
//! Each target (a libvirt URI: `esx://HOST/`, `vpx://VCENTER/DC/.../HOST`, or
//! `vpx://VCENTER/` for every host of a vCenter) has a collector thread of its own
//! ([`collector`]) that keeps the target's inventory current through one property filter
//! and WaitForUpdatesEx (after the first collection only changes travel), adds the running
//! VMs' performance samples to counter totals with QueryPerf over many VMs at once
//! ([`perf`]), renders the result once per collection ([`render`]) and swaps it into the
//! target's slot ([`store`]). `/metrics` ([`server`]) answers from the slots at once and
//! never waits for a collection. A failing target is reported down
//! (`esxvirt_up{target=...} 0`), loses its samples, and is connected to again with a
//! backoff; an expired session is renewed by logging in again.
//!
//! The modules, each depending only on those above it: [`config`] (command line and TOML
//! file), [`inventory`] (the objects and their updates), [`perf`] (counters and totals),
//! [`render`] (families and the text format), [`store`] (slots and responses),
//! [`collector`], [`server`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub mod collector;
pub mod config;
pub mod inventory;
pub mod perf;
pub mod render;
pub mod server;
pub mod store;

pub use config::{Args, Config, ConfigError};
pub use store::Store;

/// Why the exporter cannot run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot start a collector: {0}")]
    Thread(std::io::Error),
}

/// Runs the exporter until `shutdown` resolves: a collector per target, `/metrics` on
/// `config.listen`. `ready` gets the bound address once the server listens.
pub async fn run(
    config: Config,
    ready: impl FnOnce(std::net::SocketAddr),
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), RunError> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| RunError::Listen {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| RunError::Listen {
        addr: config.listen,
        source,
    })?;
    // A collection running longer than an interval means the target stopped answering.
    let store = Arc::new(Store::new(&config.targets, config.interval));
    let stop = Arc::new(AtomicBool::new(false));
    let settings = collector::Settings {
        interval: config.interval,
        perf_batch: config.perf_batch,
        max_object_updates: config.max_object_updates,
    };
    for slot in &store.slots {
        collector::spawn(slot.clone(), settings.clone(), stop.clone()).map_err(RunError::Thread)?;
    }
    ready(addr);
    server::serve(listener, store, shutdown).await;
    // Collectors notice between requests; the process does not wait for one stuck in a
    // request.
    stop.store(true, Ordering::SeqCst);
    Ok(())
}
