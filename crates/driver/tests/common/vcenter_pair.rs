//! An ESX simulator on 127.0.0.1:PORT and a vCenter simulator on 127.0.0.2:PORT (the same
//! port: libvirt reaches the vCenter at the host URI's port), for the esx:// `vcenter=`
//! tests of the driver and of the CLI (which includes this file with `#[path]`: the testkit
//! cannot depend on the simulator).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use esxvirt_sim::inventory::World;
use esxvirt_sim::{InventorySource, RunningSim, SimConfig, SimError, Simulator, Tls};

/// The two simulators, their runtime and their directory (removed when dropped).
pub struct Pair {
    esx: Option<RunningSim>,
    vc: Option<RunningSim>,
    rt: tokio::runtime::Runtime,
    pub port: u16,
    pub dir: PathBuf,
}

impl Drop for Pair {
    fn drop(&mut self) {
        for s in [self.esx.take(), self.vc.take()].into_iter().flatten() {
            self.rt.block_on(s.shutdown());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// How the two worlds are set up.
#[derive(Clone, Copy)]
pub enum Setup {
    /// The vCenter manages the host (127.0.0.1 reports 127.0.0.2; the vCenter knows the
    /// host by 127.0.0.1).
    Managed,
    /// Managed, and the host is in maintenance mode.
    InMaintenance,
    /// Two unrelated worlds.
    Unmanaged,
}

/// The default ESX host and the default vCenter, saved in `dir`. In the vCenter, esx-03 is
/// in maintenance mode (a migration there fails the vCenter's validation).
fn worlds(dir: &Path, setup: Setup) -> (PathBuf, PathBuf) {
    let mut esx = World::default_esx(&dir.join("esx-files")).expect("esx world");
    let mut vc = World::default_vcenter(&dir.join("vc-files")).expect("vc world");
    if !matches!(setup, Setup::Unmanaged) {
        World::manage(&mut esx, &mut vc, "127.0.0.1", "127.0.0.2").expect("manage");
    }
    for h in vc.hosts.values_mut() {
        h.in_maintenance_mode = h.name == "esx-03.example.com";
    }
    if matches!(setup, Setup::InMaintenance) {
        for h in esx.hosts.values_mut() {
            h.in_maintenance_mode = true;
        }
    }
    let (e, v) = (dir.join("esx.json"), dir.join("vc.json"));
    esx.save(&e).expect("save esx");
    vc.save(&v).expect("save vc");
    (e, v)
}

pub fn start_pair(setup: Setup) -> Pair {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("esxvirt-vcenter-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let (esx_json, vc_json) = worlds(&dir, setup);
    let rt = esxvirt_testkit::runtime();
    let config = |ip: [u8; 4], port: u16, json: &PathBuf, files: &str| SimConfig {
        listen: std::net::SocketAddr::from((ip, port)),
        tls: Tls::SelfSigned,
        inventory: InventorySource::File(json.clone()),
        files_dir: Some(dir.join(files)),
        ..SimConfig::default()
    };
    // A port free on both addresses: the first that binds on 127.0.0.1 and on 127.0.0.2.
    for _ in 0..20 {
        let esx = rt
            .block_on(Simulator::start(config(
                [127, 0, 0, 1],
                0,
                &esx_json,
                "esx-files",
            )))
            .expect("esx simulator");
        let port = esx.addr().port();
        match rt.block_on(Simulator::start(config(
            [127, 0, 0, 2],
            port,
            &vc_json,
            "vc-files",
        ))) {
            Ok(vc) => {
                return Pair {
                    esx: Some(esx),
                    vc: Some(vc),
                    rt,
                    port,
                    dir,
                }
            }
            Err(SimError::Listen { .. }) => rt.block_on(esx.shutdown()),
            Err(e) => panic!("vCenter simulator: {e}"),
        }
    }
    panic!("no port free on both 127.0.0.1 and 127.0.0.2");
}

impl Pair {
    pub fn esx(&self) -> &RunningSim {
        self.esx.as_ref().expect("esx running")
    }
    pub fn vc(&self) -> &RunningSim {
        self.vc.as_ref().expect("vc running")
    }
    /// vpx:// to `host` of the vCenter's cluster1.
    pub fn vpx(&self, host: &str) -> String {
        format!(
            "vpx://root@127.0.0.2:{}/dc1/cluster1/{host}?no_verify=1",
            self.port
        )
    }
    pub fn reset(&self) {
        self.esx().reset_stats();
        self.vc().reset_stats();
    }
}
