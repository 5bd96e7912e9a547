//! The one error type of this crate: every parse failure names the element or attribute at
//! fault and says what was expected, so a user can fix the document without reading our code.

use thiserror::Error;

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
    /// The document is valid XML but combines things libvirt rejects.
    #[error("{0}")]
    Invalid(String),
    /// Nesting, size or count limits exceeded (protects against hostile input).
    #[error("document too large: {0}")]
    TooLarge(String),
    /// Functionality not implemented yet.
    #[error("not implemented: {0}")]
    NotImplemented(&'static str),
}

impl XmlError {
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
