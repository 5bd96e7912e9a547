//! Starting the embedded simulator for `sim:///default` and `sim:///PATH.json`: the CLI owns
//! this (the driver never depends on the simulator) and hands the driver its URL.

use std::sync::Arc;

use esxvirt_driver::{SimEndpoint, SimStarter, SimTarget};

/// Starts esxsim in-process on a loopback port.
pub struct EmbeddedSim;

impl SimStarter for EmbeddedSim {
    fn start(&self, target: &SimTarget) -> Result<SimEndpoint, String> {
        let _ = target;
        Err("the embedded simulator is not available in this build yet".to_string())
    }
}

/// The starter the binary uses.
pub fn starter() -> Arc<dyn SimStarter> {
    Arc::new(EmbeddedSim)
}
