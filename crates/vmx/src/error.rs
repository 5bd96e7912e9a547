//! The error of the VMX <-> domain conversion.

use crate::file::VmxFileError;

/// Why a conversion failed. Messages name the VMX entry or domain XML element at fault and the
/// value found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VmxError {
    /// The VMX text itself is malformed, or a typed read of an entry failed.
    #[error(transparent)]
    File(#[from] VmxFileError),
    /// A VMX entry has a value the converter cannot use.
    #[error("VMX entry '{key}' {problem}")]
    Entry {
        /// The key, as the converter looked it up.
        key: String,
        /// What is wrong, usually "must be ... but found '...'".
        problem: String,
    },
    /// The domain definition cannot be expressed as a VMX file.
    #[error("{0}")]
    Domain(String),
    /// The caller's file-name resolver refused a path.
    #[error("cannot convert file name '{name}': {reason}")]
    FileName {
        /// The path handed to the resolver.
        name: String,
        /// The resolver's reason.
        reason: String,
    },
    /// The caller's SCSI controller model autodetection failed.
    #[error("cannot autodetect the SCSI controller model for disk '{disk}': {reason}")]
    Autodetect {
        /// The disk's target device.
        disk: String,
        /// The callback's reason.
        reason: String,
    },
}

impl VmxError {
    /// Shorthand for [`VmxError::Entry`].
    pub(crate) fn entry(key: impl Into<String>, problem: impl Into<String>) -> Self {
        VmxError::Entry {
            key: key.into(),
            problem: problem.into(),
        }
    }

    /// "must be EXPECTED but found 'VALUE'" for `key`.
    pub(crate) fn expected(key: impl Into<String>, expected: &str, found: &str) -> Self {
        VmxError::entry(key, format!("must be {expected} but found '{found}'"))
    }
}
