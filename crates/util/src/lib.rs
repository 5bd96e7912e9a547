//! Small utilities shared by the ESX layers: datastore paths, the three escaping schemes of
//! the ESX driver (percent, pipe, datastore item), xsd:dateTime to Unix seconds and back, and
//! Windows-1252 decoding, and XML character escaping ([`xml`]).
//!
//! Everything here is pure and allocation-light; errors are typed ([`UtilError`]) and name the
//! offending input.

pub mod datastore;
pub mod datetime;
pub mod encoding;
pub mod escape;
pub mod xml;

pub use datastore::{parse_datastore_path, DatastorePath};
pub use datetime::xsd_datetime_to_unix;
pub use encoding::{decode_to_utf8, windows1252_to_utf8, Encoding};
pub use escape::{
    escape_base64, escape_datastore_item, escape_hex, escape_percent, escape_pipe,
    escape_vmx_annotation, escape_vmx_display_name, replace_special_windows_path_chars,
    unescape_hex, unescape_percent, unescape_pipe, unescape_vmx_display_name,
};

/// What went wrong in one of the utilities.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UtilError {
    /// A datastore path that is not of the form `[datastore] path`.
    #[error("Datastore path '{0}' doesn't have expected format '[<datastore>] <path>'")]
    DatastorePath(String),
    /// An xsd:dateTime value that could not be parsed.
    #[error("xsd:dateTime value '{0}' has unexpected format")]
    DateTime(String),
    /// An escape character not followed by two hex digits, or an unescaped result that is not
    /// valid UTF-8.
    #[error("'{0}' contains an invalid '{1}' escape sequence")]
    Escape(String, char),
    /// A byte sequence that is not valid in the named encoding.
    #[error(
        "could not convert from {encoding} to UTF-8: invalid byte 0x{byte:02x} at offset {offset}"
    )]
    Decode {
        /// The source encoding.
        encoding: String,
        /// The offending byte.
        byte: u8,
        /// Its offset in the input.
        offset: usize,
    },
    /// An encoding this crate does not know.
    #[error("unsupported encoding '{0}'")]
    UnsupportedEncoding(String),
}
