//! libvirt's error classes ([`ErrorClass`]): the part of an error line before the message,
//! shared by the VMX reader ([`crate::file`]) and the conversion errors ([`crate::error`]).

/// libvirt's error classes that the conversion reports, each displayed with the prefix
/// libvirt's error table gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorClass {
    /// `VIR_ERR_INTERNAL_ERROR`: `internal error: `
    Internal,
    /// `VIR_ERR_CONF_SYNTAX`: `configuration file syntax error: `
    ConfSyntax,
    /// `VIR_ERR_CONFIG_UNSUPPORTED`: `unsupported configuration: `
    ConfigUnsupported,
    /// `VIR_ERR_XML_ERROR`: `XML error: `
    XmlError,
    /// `VIR_ERR_INVALID_ARG`: `invalid argument: `
    InvalidArg,
    /// `VIR_ERR_NO_SOURCE`: `missing source information for device ` (the message is the
    /// device's target name).
    NoSource,
}

impl ErrorClass {
    /// The text libvirt puts before the message.
    pub fn prefix(self) -> &'static str {
        match self {
            ErrorClass::Internal => "internal error",
            ErrorClass::ConfSyntax => "configuration file syntax error",
            ErrorClass::ConfigUnsupported => "unsupported configuration",
            ErrorClass::XmlError => "XML error",
            ErrorClass::InvalidArg => "invalid argument",
            ErrorClass::NoSource => "missing source information for device",
        }
    }

    /// The whole line for `message`, as libvirt's error table formats it.
    pub fn format(self, message: &str) -> String {
        match self {
            ErrorClass::NoSource => format!("{} {message}", self.prefix()),
            _ => format!("{}: {message}", self.prefix()),
        }
    }

    /// libvirt's number for the class (`virErrorNumber`).
    pub fn number(self) -> i32 {
        match self {
            ErrorClass::Internal => 1,
            ErrorClass::InvalidArg => 8,
            ErrorClass::NoSource => 19,
            ErrorClass::XmlError => 27,
            ErrorClass::ConfSyntax => 33,
            ErrorClass::ConfigUnsupported => 67,
        }
    }
}
