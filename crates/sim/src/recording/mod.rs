//! `govc object.save` recordings: a directory of XML files, one `ObjectContent` per managed
//! object (`NNNN-Type-id.xml`, properties as a property collector returns them), the
//! format vcsim's `-load` reads too. [`load`] makes a world of one ([`load`] in
//! `load.rs`), [`save`] writes a world as one (`save.rs`), [`start`] serves one.
//!
//! A recording holds the inventory, not the datastores' files: loading writes each VM's
//! `.vmx` and disks from its recorded configuration, as an inventory file does.

mod load;
mod save;

use std::path::{Path, PathBuf};

pub use save::{encode_ref, save};

use crate::inventory::World;
use crate::{RunningSim, SimConfig, SimError, Simulator};

/// Why a recording could not be loaded or saved.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The recording does not describe a world the simulator can serve.
    #[error("{0}")]
    Invalid(String),
}

/// Loads the recording in `dir` (its `*.xml` files; subdirectories with method results
/// are not needed) into a world whose datastores live under `files_dir`.
pub fn load(dir: &Path, files_dir: &Path) -> Result<World, RecordingError> {
    let io = |path: &Path, source: std::io::Error| RecordingError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| io(dir, e))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(RecordingError::Invalid(format!(
            "{}: no recorded objects (*.xml)",
            dir.display()
        )));
    }
    let mut objects = Vec::with_capacity(files.len());
    for f in &files {
        let bytes = std::fs::read(f).map_err(|e| io(f, e))?;
        let obj = load::Recorded::parse(&bytes)
            .map_err(|e| RecordingError::Invalid(format!("{}: {e}", f.display())))?;
        objects.push(obj);
    }
    std::fs::create_dir_all(files_dir).map_err(|e| io(files_dir, e))?;
    load::world(&objects, files_dir)
}

/// Starts a simulator serving the recording in `dir` with `config` (its `inventory` and
/// `state_file` are not used): datastore files go to `config.files_dir`, or to a temporary
/// directory removed at shutdown.
pub async fn start(config: SimConfig, dir: &Path) -> Result<RunningSim, SimError> {
    let (files_dir, temp) = match &config.files_dir {
        Some(d) => (d.clone(), None),
        None => {
            let n = crate::session::new_key().map_err(|e| SimError::Inventory(e.to_string()))?;
            let d = std::env::temp_dir().join(format!("esxsim-{}", &n[2..14]));
            (d.clone(), Some(d))
        }
    };
    let world = match load(dir, &files_dir) {
        Ok(w) => w,
        Err(e) => {
            if let Some(t) = &temp {
                let _ = std::fs::remove_dir_all(t);
            }
            return Err(SimError::Inventory(e.to_string()));
        }
    };
    let config = SimConfig {
        state_file: None,
        ..config
    };
    let mut sim = Simulator::start_with(config, Box::new(world)).await?;
    sim.temp_dir = temp;
    Ok(sim)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::VcsimModel;
    use crate::object::Inventory;

    fn temp(tag: &str) -> PathBuf {
        std::env::temp_dir().join(format!(
            "esxsim-rec-{tag}-{}",
            &crate::session::new_key().unwrap()[2..14]
        ))
    }

    /// A world saved and loaded again has the same objects, names, places and VMs.
    #[test]
    fn round_trip() {
        for model in [
            VcsimModel {
                pool: 1,
                app: 1,
                pod: 1,
                ..VcsimModel::vpx()
            },
            VcsimModel::esx_from(&VcsimModel::vpx()),
        ] {
            let base = temp("rt");
            let w = World::vcsim(&model, &base.join("a")).unwrap();
            let n = save(&w, &base.join("rec")).unwrap();
            assert!(n > 10, "{n} objects");
            // A second save into the same place is refused.
            assert!(matches!(
                save(&w, &base.join("rec")),
                Err(RecordingError::Invalid(_))
            ));
            let back = load(&base.join("rec"), &base.join("b")).unwrap();
            assert_eq!(back.kind, w.kind);
            assert_eq!(back.root_folder, w.root_folder);
            for (id, vm) in &w.vms {
                let b = &back.vms[id];
                assert_eq!(b.config.name, vm.config.name);
                assert_eq!(b.host, vm.host);
                assert_eq!(b.folder, vm.folder);
                assert_eq!(b.resource_pool, vm.resource_pool);
                assert_eq!(b.power_state, vm.power_state);
                assert_eq!(b.vmx_path, vm.vmx_path);
                assert_eq!(b.config.uuid, vm.config.uuid);
                assert_eq!(b.config.devices, vm.config.devices, "{id}");
                assert!(back.resolve(&b.vmx_path).unwrap().exists());
            }
            assert_eq!(
                back.hosts.keys().collect::<Vec<_>>(),
                w.hosts.keys().collect::<Vec<_>>()
            );
            for (id, h) in &w.hosts {
                assert_eq!(back.hosts[id].name, h.name);
                assert_eq!(back.hosts[id].parent, h.parent);
                assert_eq!(back.hosts[id].datacenter, h.datacenter);
            }
            assert_eq!(back.datastores.len(), w.datastores.len());
            assert_eq!(back.networks, w.networks);
            assert_eq!(back.dvswitches.len(), w.dvswitches.len());
            assert_eq!(back.storage_pods, w.storage_pods);
            assert_eq!(back.pools, w.pools);
            assert_eq!(back.folders, w.folders);
            // Every object of the saved world is one of the loaded world too.
            let root = back.root_folder();
            assert!(back.exists(&root));
            let _ = std::fs::remove_dir_all(&base);
        }
    }

    #[test]
    fn refuses_what_is_no_recording() {
        let base = temp("bad");
        std::fs::create_dir_all(&base).unwrap();
        assert!(matches!(
            load(&base, &base.join("f")),
            Err(RecordingError::Invalid(_))
        ));
        std::fs::write(base.join("0000-x.xml"), "<NotObjectContent/>").unwrap();
        assert!(matches!(
            load(&base, &base.join("f")),
            Err(RecordingError::Invalid(_))
        ));
        assert!(matches!(
            load(&base.join("nowhere"), &base.join("f")),
            Err(RecordingError::Io { .. })
        ));
        let _ = std::fs::remove_dir_all(&base);
    }
}
