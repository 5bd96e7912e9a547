//! Starting the embedded simulator for `sim:///default` and `sim:///PATH.json`: the CLI owns
//! this (the driver never depends on the simulator) and hands the driver its URL, so the
//! embedded default goes over the same wire path as a real host.
//!
//! The simulator runs on a small tokio runtime of its own on a loopback port (plain http:
//! nothing leaves the machine); the guard handed to the driver stops it when the connection
//! closes. `sim:///PATH.json` keeps the world in that file (rewritten after every change),
//! so successive commands see each other's changes.

use std::sync::Arc;

use esxvirt_driver::{SimEndpoint, SimStarter, SimTarget};
use esxvirt_sim::{InventorySource, RunningSim, SimConfig, Simulator, Tls};

/// Starts esxsim in-process on a loopback port.
pub struct EmbeddedSim;

/// Keeps the simulator and its runtime alive; dropping it stops both.
struct SimGuard {
    sim: Option<RunningSim>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for SimGuard {
    fn drop(&mut self) {
        // Stop the server inside its runtime, then the runtime itself.
        if let (Some(sim), Some(rt)) = (self.sim.take(), self.runtime.as_ref()) {
            rt.block_on(async move { drop(sim) });
        }
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// The simulator settings for a `sim:///` target.
pub fn config_for(target: &SimTarget) -> SimConfig {
    let mut config = SimConfig {
        tls: Tls::Off,
        inventory: InventorySource::DefaultEsx,
        ..SimConfig::default()
    };
    if let SimTarget::File(path) = target {
        config.state_file = Some(path.clone());
    }
    config
}

impl SimStarter for EmbeddedSim {
    fn start(&self, target: &SimTarget) -> Result<SimEndpoint, String> {
        let config = config_for(target);
        let user = config.user.clone();
        let password = config.password.clone();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the embedded simulator: {e}"))?;
        let sim = runtime
            .block_on(Simulator::start(config))
            .map_err(|e| format!("cannot start the embedded simulator: {e}"))?;
        let sdk_url = sim.sdk_url();
        Ok(SimEndpoint {
            sdk_url,
            username: user,
            password,
            guard: Box::new(SimGuard {
                sim: Some(sim),
                runtime: Some(runtime),
            }),
        })
    }
}

/// The starter the binary uses.
pub fn starter() -> Arc<dyn SimStarter> {
    Arc::new(EmbeddedSim)
}
