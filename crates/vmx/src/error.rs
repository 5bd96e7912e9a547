//! The errors of the VMX <-> domain conversion, worded and classed as libvirt 9.0 reports them.
//!
//! Every error has a class ([`ErrorClass`], libvirt's `virErrorNumber`) and a message (the
//! text libvirt passes to `virReportError`). `Display` gives the whole line virsh prints after
//! `error: `, e.g. `internal error: Missing essential config entry 'ethernet0.networkName'`;
//! [`VmxError::class`] and [`VmxError::message`] give the two parts to callers that wrap the
//! error in their own type (the ESX driver maps the class to its error code).

use std::fmt;

use crate::file::VmxFileError;

/// libvirt's error classes, shared with the domain XML reader (one definition, so that an
/// error from either carries the same class).
pub use esxvirt_xml::ErrorClass;

/// Why a caller's file-name callback refused a name: the class and message the caller's
/// libvirt counterpart reports (the ESX driver's resolver says `internal error` for an unknown
/// datastore, `invalid argument` for a malformed datastore path). A plain `String` converts
/// into an `internal error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackError {
    /// The error class.
    pub class: ErrorClass,
    /// The message, without the class prefix.
    pub message: String,
}

impl CallbackError {
    /// An error of `class` with `message`.
    pub fn new(class: ErrorClass, message: impl Into<String>) -> Self {
        CallbackError {
            class,
            message: message.into(),
        }
    }
}

impl From<String> for CallbackError {
    fn from(message: String) -> Self {
        CallbackError::new(ErrorClass::Internal, message)
    }
}

impl From<&str> for CallbackError {
    fn from(message: &str) -> Self {
        CallbackError::new(ErrorClass::Internal, message)
    }
}

impl fmt::Display for CallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.class.format(&self.message))
    }
}

impl std::error::Error for CallbackError {}

/// Why a conversion failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VmxError {
    /// The VMX text is malformed or undecodable, or a typed read of an entry failed (a
    /// missing essential entry, a value that is not an integer or a boolean).
    File(VmxFileError),
    /// A VMX entry has a value the converter cannot use. `message` is libvirt's sentence for
    /// it and names the entry.
    Entry {
        /// The entry's key, as the converter looked it up.
        key: String,
        /// libvirt's message.
        message: String,
    },
    /// The domain definition cannot be expressed as a VMX file (or libvirt's XML reader would
    /// have refused it).
    Domain {
        /// The error class.
        class: ErrorClass,
        /// libvirt's message.
        message: String,
    },
    /// The caller's file-name callback refused a path; libvirt reports the callback's own
    /// error, unprefixed.
    FileName {
        /// The path handed to the callback.
        name: String,
        /// The callback's error.
        error: CallbackError,
    },
    /// The caller's SCSI controller model autodetection failed.
    Autodetect {
        /// The disk's target device.
        disk: String,
        /// The callback's error.
        error: CallbackError,
    },
}

impl VmxError {
    /// The error class.
    pub fn class(&self) -> ErrorClass {
        match self {
            VmxError::File(e) => e.class(),
            VmxError::Entry { .. } => ErrorClass::Internal,
            VmxError::Domain { class, .. } => *class,
            VmxError::FileName { error, .. } | VmxError::Autodetect { error, .. } => error.class,
        }
    }

    /// The message without the class prefix.
    pub fn message(&self) -> String {
        match self {
            VmxError::File(e) => e.message(),
            VmxError::Entry { message, .. } | VmxError::Domain { message, .. } => message.clone(),
            VmxError::FileName { error, .. } | VmxError::Autodetect { error, .. } => {
                error.message.clone()
            }
        }
    }

    /// [`VmxError::Entry`] for `key` with libvirt's `message`.
    pub(crate) fn entry(key: impl Into<String>, message: impl Into<String>) -> Self {
        VmxError::Entry {
            key: key.into(),
            message: message.into(),
        }
    }

    /// libvirt's most common refusal: "Expecting VMX entry 'KEY' to be EXPECTED but found
    /// 'VALUE'".
    pub(crate) fn expecting(key: &str, expected: &str, found: &str) -> Self {
        VmxError::entry(
            key,
            format!("Expecting VMX entry '{key}' to be {expected} but found '{found}'"),
        )
    }

    /// An `internal error` about the domain definition.
    pub(crate) fn internal(message: impl Into<String>) -> Self {
        VmxError::Domain {
            class: ErrorClass::Internal,
            message: message.into(),
        }
    }

    /// An `unsupported configuration` error about the domain definition.
    pub(crate) fn unsupported(message: impl Into<String>) -> Self {
        VmxError::Domain {
            class: ErrorClass::ConfigUnsupported,
            message: message.into(),
        }
    }

    /// An `XML error` about the domain definition (what libvirt's XML reader refuses).
    pub(crate) fn xml(message: impl Into<String>) -> Self {
        VmxError::Domain {
            class: ErrorClass::XmlError,
            message: message.into(),
        }
    }
}

impl From<VmxFileError> for VmxError {
    fn from(e: VmxFileError) -> Self {
        VmxError::File(e)
    }
}

impl fmt::Display for VmxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.class().format(&self.message()))
    }
}

impl std::error::Error for VmxError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            VmxError::File(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_carry_the_class_prefix() {
        let e = VmxError::from(VmxFileError::Missing("ethernet0.networkName".into()));
        assert_eq!(
            e.to_string(),
            "internal error: Missing essential config entry 'ethernet0.networkName'"
        );
        let e = VmxError::from(VmxFileError::Syntax {
            line: 67,
            message: "expecting an assignment".into(),
        });
        assert_eq!(e.class(), ErrorClass::ConfSyntax);
        assert_eq!(
            e.to_string(),
            "configuration file syntax error: memory conf:67: expecting an assignment"
        );
        let e = VmxError::FileName {
            name: "[storage] a.vmdk".into(),
            error: "Could not find datastore with name 'storage'".into(),
        };
        assert_eq!(
            e.to_string(),
            "internal error: Could not find datastore with name 'storage'"
        );
        assert_eq!(
            VmxError::unsupported("Only 1 die per socket is supported").to_string(),
            "unsupported configuration: Only 1 die per socket is supported"
        );
        assert_eq!(ErrorClass::XmlError.number(), 27);
        let e = VmxError::Domain {
            class: ErrorClass::NoSource,
            message: "sda".into(),
        };
        assert_eq!(e.to_string(), "missing source information for device sda");
    }
}
