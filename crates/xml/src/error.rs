//! The one error type of this crate: every parse failure names the element or attribute at
//! fault and says what was expected, so a user can fix the document without reading our code.
//!
//! Each error also has libvirt's error class ([`ErrorClass`], `virErrorNumber`): most reading
//! errors are `XML error`s, but libvirt's post-parse and validation steps report some checks
//! as `internal error`, `unsupported configuration`, `invalid argument` or `missing source
//! information`, and a caller printing virsh's line needs the class ([`XmlError::line`]).

use thiserror::Error;

/// libvirt's error classes (`virErrorNumber`) that reading a document reports, each
/// displayed with the prefix libvirt's error table gives it.
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
    /// device's target name, or empty).
    NoSource,
    /// `VIR_ERR_NO_TARGET`: `missing target information for device ` (the message names
    /// the device's source, or is empty).
    NoTarget,
    /// `VIR_ERR_NO_NAME`: `missing name information` (libvirt reports it without a
    /// message).
    NoName,
    /// `VIR_ERR_OVERFLOW`: `numerical overflow: `
    Overflow,
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
            ErrorClass::NoTarget => "missing target information for device",
            ErrorClass::NoName => "missing name information",
            ErrorClass::Overflow => "numerical overflow",
        }
    }

    /// The whole line for `message`, as libvirt's error table formats it (the classes that
    /// name a device put it after a space; an empty message leaves just the prefix).
    pub fn format(self, message: &str) -> String {
        match self {
            _ if message.is_empty() => self.prefix().to_string(),
            ErrorClass::NoSource | ErrorClass::NoTarget => format!("{} {message}", self.prefix()),
            _ => format!("{}: {message}", self.prefix()),
        }
    }

    /// libvirt's number for the class (`virErrorNumber`).
    pub fn number(self) -> i32 {
        match self {
            ErrorClass::Internal => 1,
            ErrorClass::InvalidArg => 8,
            ErrorClass::NoSource => 19,
            ErrorClass::NoTarget => 20,
            ErrorClass::NoName => 21,
            ErrorClass::Overflow => 82,
            ErrorClass::XmlError => 27,
            ErrorClass::ConfSyntax => 33,
            ErrorClass::ConfigUnsupported => 67,
        }
    }
}

/// An error while reading a libvirt XML document.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum XmlError {
    /// The text is not well-formed XML (truncated, mismatched tags, bad syntax, ...).
    #[error("malformed XML: {0}")]
    Malformed(String),
    /// The bytes are not UTF-8.
    #[error("XML document is not valid UTF-8: {0}")]
    Utf8(String),
    /// `<!DOCTYPE ...>` (and with it entity declarations) is refused: libvirt documents never
    /// need one, and expanding entities is a denial-of-service vector.
    #[error("DTDs and entity declarations are not allowed in libvirt XML (found <!DOCTYPE>)")]
    Dtd,
    /// The root element is not the one the document type requires.
    #[error("unexpected root element <{found}>, expected <{expected}>")]
    WrongRoot { expected: String, found: String },
    /// A value could not be parsed or is out of range.
    /// `what` reads like `<memory>` or `attribute 'unit' of <memory>`.
    #[error("invalid value '{value}' for {what}: {expected}")]
    InvalidValue {
        what: String,
        value: String,
        expected: String,
    },
    /// A required element or attribute is absent.
    #[error("missing {what}")]
    Missing { what: String },
    /// An element that may appear once appeared more than once.
    #[error("duplicate {what}")]
    Duplicate { what: String },
    /// A device element (child of `<devices>`) this model does not know.
    #[error("unknown device <{0}> in <devices>")]
    UnknownDevice(String),
    /// The document is valid XML but combines things libvirt rejects; libvirt's words, which
    /// it reports as an `XML error`.
    #[error("{0}")]
    Invalid(String),
    /// A check libvirt reports as an `internal error` (libvirt's words).
    #[error("{0}")]
    Internal(String),
    /// A check libvirt reports as `unsupported configuration` (libvirt's words).
    #[error("{0}")]
    Unsupported(String),
    /// A check libvirt reports as `invalid argument` (libvirt's words), such as a domain the
    /// hypervisor driver's capabilities do not cover.
    #[error("{0}")]
    InvalidArg(String),
    /// A device that needs a source has none (libvirt's `missing source information for
    /// device`); the value is the device's target name (may be empty).
    #[error("{}", ErrorClass::NoSource.format(.0))]
    NoSource(String),
    /// A device has no target (libvirt's `missing target information for device`); the
    /// value names its source (may be empty).
    #[error("{}", ErrorClass::NoTarget.format(.0))]
    NoTarget(String),
    /// The domain has no (or an empty) `<name>` (libvirt's `missing name information`).
    #[error("missing name information")]
    NoName,
    /// A number too large for libvirt (`numerical overflow`, libvirt's words).
    #[error("{0}")]
    Overflow(String),
    /// Nesting, size or count limits exceeded (protects against hostile input).
    #[error("document too large: {0}")]
    TooLarge(String),
    /// Functionality not implemented yet.
    #[error("not implemented: {0}")]
    NotImplemented(&'static str),
}

impl XmlError {
    /// libvirt's class of this error.
    pub fn class(&self) -> ErrorClass {
        match self {
            XmlError::Internal(_) => ErrorClass::Internal,
            XmlError::Unsupported(_) => ErrorClass::ConfigUnsupported,
            XmlError::InvalidArg(_) => ErrorClass::InvalidArg,
            XmlError::NoSource(_) => ErrorClass::NoSource,
            XmlError::NoTarget(_) => ErrorClass::NoTarget,
            XmlError::NoName => ErrorClass::NoName,
            XmlError::Overflow(_) => ErrorClass::Overflow,
            _ => ErrorClass::XmlError,
        }
    }

    /// The message without the class prefix: what libvirt passes to its error report (for
    /// [`XmlError::NoSource`], the target name).
    pub fn message(&self) -> String {
        match self {
            XmlError::NoSource(target) => target.clone(),
            XmlError::NoTarget(source) => source.clone(),
            XmlError::NoName => String::new(),
            other => other.to_string(),
        }
    }

    /// The whole line virsh prints after `error: ` (class prefix and message), e.g.
    /// `internal error: Invalid bus type 'ide' for floppy disk`.
    pub fn line(&self) -> String {
        self.class().format(&self.message())
    }

    /// Shorthand for [`XmlError::InvalidValue`].
    pub fn invalid(
        what: impl Into<String>,
        value: impl Into<String>,
        expected: impl Into<String>,
    ) -> Self {
        XmlError::InvalidValue {
            what: what.into(),
            value: value.into(),
            expected: expected.into(),
        }
    }

    /// Shorthand for [`XmlError::Missing`].
    pub fn missing(what: impl Into<String>) -> Self {
        XmlError::Missing { what: what.into() }
    }
}
