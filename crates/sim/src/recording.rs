//! `govc object.save` recordings: a directory of XML files, one `ObjectContent` per managed
//! object, loaded into a world and written from one.

use std::path::Path;

use crate::inventory::World;

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

/// Loads the recording in `dir` into a world whose datastores live under `files_dir`.
pub fn load(dir: &Path, _files_dir: &Path) -> Result<World, RecordingError> {
    Err(RecordingError::Invalid(format!(
        "{}: loading recordings is not supported yet",
        dir.display()
    )))
}
