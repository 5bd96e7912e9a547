//! The driver's error type: a libvirt error code plus the message, displayed as the one line
//! virsh prints after `error: ` (libvirt's `<code text>: <message>` form); and the mapping of
//! the SOAP client's errors to it, in libvirt's words.

use std::fmt;

/// libvirt's error codes that this driver raises (`virErrorNumber`), with their numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// VIR_ERR_INTERNAL_ERROR (1)
    InternalError,
    /// VIR_ERR_NO_SUPPORT (3)
    NoSupport,
    /// VIR_ERR_INVALID_ARG (8)
    InvalidArg,
    /// VIR_ERR_OPERATION_FAILED (9)
    OperationFailed,
    /// VIR_ERR_NO_SOURCE (19): the message is the device's target name
    NoSource,
    /// VIR_ERR_NO_TARGET (20): the message names the device's source
    NoTarget,
    /// VIR_ERR_NO_NAME (21)
    NoName,
    /// VIR_ERR_XML_ERROR (27)
    XmlError,
    /// VIR_ERR_DOM_EXIST (28)
    DomExist,
    /// VIR_ERR_CONF_SYNTAX (33)
    ConfSyntax,
    /// VIR_ERR_NETWORK_EXIST (36)
    NetworkExist,
    /// VIR_ERR_SYSTEM_ERROR (38)
    SystemError,
    /// VIR_ERR_NO_DOMAIN (42)
    NoDomain,
    /// VIR_ERR_NO_NETWORK (43)
    NoNetwork,
    /// VIR_ERR_AUTH_FAILED (45)
    AuthFailed,
    /// VIR_ERR_NO_STORAGE_POOL (49)
    NoStoragePool,
    /// VIR_ERR_NO_STORAGE_VOL (50)
    NoStorageVol,
    /// VIR_ERR_OPERATION_INVALID (55)
    OperationInvalid,
    /// VIR_ERR_NO_INTERFACE (57)
    NoInterface,
    /// VIR_ERR_CONFIG_UNSUPPORTED (67)
    ConfigUnsupported,
    /// VIR_ERR_OPERATION_TIMEOUT (68)
    OperationTimeout,
    /// VIR_ERR_NO_DOMAIN_SNAPSHOT (72)
    NoDomainSnapshot,
    /// VIR_ERR_ARGUMENT_UNSUPPORTED (74)
    ArgumentUnsupported,
    /// VIR_ERR_OPERATION_ABORTED (78)
    OperationAborted,
    /// VIR_ERR_AUTH_CANCELLED (79)
    AuthCancelled,
    /// VIR_ERR_OVERFLOW (82)
    Overflow,
    /// VIR_ERR_OPERATION_UNSUPPORTED (84)
    OperationUnsupported,
    /// VIR_ERR_STORAGE_VOL_EXIST (90)
    StorageVolExist,
    /// VIR_ERR_AUTH_UNAVAILABLE (94)
    AuthUnavailable,
    /// VIR_ERR_NO_HOSTNAME (108)
    NoHostname,
    /// VIR_ERR_MULTIPLE_DOMAINS (110)
    MultipleDomains,
}

impl ErrorCode {
    /// libvirt's numeric value of the code (`virErrorNumber`).
    pub fn number(self) -> i32 {
        use ErrorCode::*;
        match self {
            InternalError => 1,
            NoSupport => 3,
            InvalidArg => 8,
            OperationFailed => 9,
            NoSource => 19,
            NoTarget => 20,
            NoName => 21,
            XmlError => 27,
            DomExist => 28,
            ConfSyntax => 33,
            NetworkExist => 36,
            SystemError => 38,
            NoDomain => 42,
            NoNetwork => 43,
            AuthFailed => 45,
            NoStoragePool => 49,
            NoStorageVol => 50,
            OperationInvalid => 55,
            NoInterface => 57,
            ConfigUnsupported => 67,
            OperationTimeout => 68,
            NoDomainSnapshot => 72,
            ArgumentUnsupported => 74,
            OperationAborted => 78,
            AuthCancelled => 79,
            Overflow => 82,
            OperationUnsupported => 84,
            StorageVolExist => 90,
            AuthUnavailable => 94,
            NoHostname => 108,
            MultipleDomains => 110,
        }
    }

    /// Formats `message` the way libvirt's error table does for this code.
    fn format(self, message: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ErrorCode::*;
        let prefix = match self {
            InternalError => "internal error",
            NoSupport => "this function is not supported by the connection driver",
            InvalidArg => "invalid argument",
            OperationFailed => "operation failed",
            // libvirt's device classes put the device after a space, and an empty message
            // leaves just the prefix.
            NoSource | NoTarget | NoName if message.is_empty() => {
                return f.write_str(match self {
                    NoSource => "missing source information for device",
                    NoTarget => "missing target information for device",
                    _ => "missing name information",
                })
            }
            NoSource => return write!(f, "missing source information for device {message}"),
            NoTarget => return write!(f, "missing target information for device {message}"),
            NoName => "missing name information",
            XmlError => "XML error",
            DomExist => return write!(f, "domain {message} exists already"),
            ConfSyntax => "configuration file syntax error",
            NetworkExist => return write!(f, "network {message} exists already"),
            SystemError => return f.write_str(message),
            NoDomain => "Domain not found",
            NoNetwork => "Network not found",
            AuthFailed => "authentication failed",
            NoStoragePool => "Storage pool not found",
            NoStorageVol => "Storage volume not found",
            OperationInvalid => "Requested operation is not valid",
            NoInterface => "Interface not found",
            ConfigUnsupported => "unsupported configuration",
            OperationTimeout => "Timed out during operation",
            NoDomainSnapshot => "Domain snapshot not found",
            ArgumentUnsupported => "argument unsupported",
            OperationAborted => "operation aborted",
            AuthCancelled => "authentication cancelled",
            Overflow => "numerical overflow",
            OperationUnsupported => "Operation not supported",
            StorageVolExist => return write!(f, "storage volume {message} exists already"),
            AuthUnavailable => "authentication unavailable",
            NoHostname => "no hostname found",
            MultipleDomains => "multiple matching domains found",
        };
        write!(f, "{prefix}: {message}")
    }
}

/// An error of the driver: what virsh would report, as one line.
///
/// `Display` gives exactly the text libvirt puts after `error: `, e.g.
/// `Domain not found: Could not find domain with name 'x'`.
#[derive(Debug, thiserror::Error)]
pub struct Error {
    code: ErrorCode,
    message: String,
    /// Displayed without the code's prefix (libvirt's virCheckFlags reports that way).
    bare: bool,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.bare {
            return f.write_str(&self.message);
        }
        self.code.format(&self.message, f)
    }
}

impl Error {
    /// An error with `code` and the detail `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Error {
        Error {
            code,
            message: message.into(),
            bare: false,
            source: None,
        }
    }

    /// The same error, remembering the lower-level error that caused it.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Error {
        self.source = Some(Box::new(source));
        self
    }

    /// libvirt's error code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The detail message without the code's prefix.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// `internal error: ...`
    pub fn internal(message: impl Into<String>) -> Error {
        Error::new(ErrorCode::InternalError, message)
    }

    /// `invalid argument: ...`
    pub fn invalid_arg(message: impl Into<String>) -> Error {
        Error::new(ErrorCode::InvalidArg, message)
    }

    /// `this function is not supported by the connection driver: FUNCTION`, what libvirt
    /// reports for an API the ESX driver does not implement.
    pub fn no_support(function: &str) -> Error {
        Error::new(ErrorCode::NoSupport, function)
    }

    /// `Requested operation is not valid: ...`
    pub fn operation_invalid(message: impl Into<String>) -> Error {
        Error::new(ErrorCode::OperationInvalid, message)
    }

    /// `unsupported flags (0x..) in function NAME`, libvirt's answer to flags a call does not
    /// accept (code VIR_ERR_INVALID_ARG, printed without its prefix as virsh shows it).
    pub fn unsupported_flags(flags: u32, function: &str) -> Error {
        let mut e = Error::invalid_arg(format!(
            "unsupported flags (0x{flags:x}) in function {function}"
        ));
        e.bare = true;
        e
    }
}

/// The driver's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Returns an error when `flags` holds bits outside `allowed` (libvirt's `virCheckFlags`).
pub(crate) fn check_flags(flags: u32, allowed: u32, function: &str) -> Result<()> {
    let bad = flags & !allowed;
    if bad != 0 {
        return Err(Error::unsupported_flags(bad, function));
    }
    Ok(())
}

/// Maps a vi error to the driver's error, as libvirt would word it.
pub(crate) fn vi_err(e: esxvirt_vi::Error) -> Error {
    use esxvirt_vi::{Error as Vi, Fault};
    let msg = e.to_string();
    match &e {
        Vi::Fault(Fault::InvalidLogin { message }) => {
            Error::new(ErrorCode::AuthFailed, message.clone()).with_source(e)
        }
        Vi::Fault(Fault::NotAuthenticated { message }) => Error::new(
            ErrorCode::AuthFailed,
            format!("the session is not authenticated: {message}"),
        )
        .with_source(e),
        Vi::Question(q) => Error::internal(question_message(q)).with_source(e),
        // The two limits a user can raise say how.
        Vi::Timeout { .. } if e.delivery() == esxvirt_vi::Delivery::Lost => Error::new(
            ErrorCode::OperationFailed,
            format!("{msg} (raise the limit with the URI parameter esxvirt_timeout=SECONDS)"),
        )
        .with_source(e),
        Vi::TooLarge { .. } => Error::new(
            ErrorCode::OperationFailed,
            format!("{msg} (raise the limit with the URI parameter esxvirt_max_response=SIZE)"),
        )
        .with_source(e),
        Vi::ConnectionRefused { .. }
        | Vi::Connect { .. }
        | Vi::Connection { .. }
        | Vi::Tls { .. }
        | Vi::Proxy { .. }
        | Vi::Timeout { .. } => Error::new(ErrorCode::OperationFailed, msg).with_source(e),
        _ => Error::internal(msg).with_source(e),
    }
}

/// The `tracing` target of the diagnostics libvirt's libraries print on stderr themselves,
/// outside its logging: a line such as libxml2's `encoding error : input conversion failed
/// ...`, emitted at ERROR level as the whole line virsh shows (a front end prints its
/// message as it is).
pub const DIAGNOSTIC_TARGET: &str = "esxvirt_driver::diagnostic";

/// Emits libxml2's diagnostic for a VMX file whose declared encoding stopped decoding early.
pub(crate) fn encoding_diagnostic(message: &str) {
    tracing::error!(target: DIAGNOSTIC_TARGET, "encoding error : {message}");
}

/// The driver's code for a libvirt error class of the XML reader or the VMX converter (one
/// type, esxvirt_xml's, shared by both).
fn class_code(class: esxvirt_xml::ErrorClass) -> ErrorCode {
    use esxvirt_xml::ErrorClass as C;
    match class {
        C::ConfSyntax => ErrorCode::ConfSyntax,
        C::ConfigUnsupported => ErrorCode::ConfigUnsupported,
        C::XmlError => ErrorCode::XmlError,
        C::InvalidArg => ErrorCode::InvalidArg,
        C::NoSource => ErrorCode::NoSource,
        C::NoTarget => ErrorCode::NoTarget,
        C::NoName => ErrorCode::NoName,
        C::Overflow => ErrorCode::Overflow,
        _ => ErrorCode::InternalError,
    }
}

/// Maps a VMX conversion error to the driver's error: the converter's class becomes the
/// code and its message the detail, so the line reads as libvirt's (`configuration file
/// syntax error: memory conf:3: ...`, not wrapped in another `internal error: `).
pub(crate) fn vmx_err(e: esxvirt_vmx::VmxError) -> Error {
    Error::new(class_code(e.class()), e.message()).with_source(e)
}

/// Maps an error reading libvirt XML (domain, snapshot, network, volume ...) to the
/// driver's error with the reader's class, as libvirt's parser reports it.
pub(crate) fn xml_err(e: esxvirt_xml::XmlError) -> Error {
    Error::new(class_code(e.class()), e.message()).with_source(e)
}

/// libvirt's text for a question that blocks a VM (esxVI_HandleVirtualMachineQuestion's),
/// with what became of a blocked task.
pub(crate) fn question_message(q: &esxvirt_vi::QuestionError) -> String {
    use esxvirt_vi::BlockedTask;
    let mut s = format!(
        "Pending question blocks virtual machine execution, question is '{}'",
        q.question
    );
    if q.choices.is_empty() {
        s.push_str(", no possible answers");
    } else {
        let choices: Vec<String> = q.choices.iter().map(|c| format!("'{c}'")).collect();
        s.push_str(&format!(", possible answers are {}", choices.join(", ")));
        if q.no_default {
            s.push_str(", but no default answer is specified");
        }
    }
    match q.task {
        BlockedTask::NotStarted => {}
        BlockedTask::Cancelled => s.push_str("; the blocked task was cancelled"),
        BlockedTask::LeftBehind => s.push_str(
            "; the blocked task cannot be cancelled and is left behind waiting for an answer",
        ),
    }
    s
}

/// The vi error behind a driver error, if it came from one.
fn vi_source(e: &Error) -> Option<&esxvirt_vi::Error> {
    std::error::Error::source(e).and_then(|s| s.downcast_ref::<esxvirt_vi::Error>())
}

/// Whether the server said the session is not authenticated.
pub(crate) fn is_not_authenticated(e: &Error) -> bool {
    vi_source(e).is_some_and(|v| v.is_not_authenticated())
}

/// Whether a pending VM question stopped the operation.
pub(crate) fn is_question(e: &Error) -> bool {
    vi_source(e).is_some_and(|v| matches!(v, esxvirt_vi::Error::Question(_)))
}

/// Whether the server said the object does not exist.
pub(crate) fn is_not_found(e: &Error) -> bool {
    vi_source(e).is_some_and(|v| {
        matches!(
            v,
            esxvirt_vi::Error::Fault(esxvirt_vi::Fault::ManagedObjectNotFound { .. })
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_uses_libvirt_prefixes() {
        let e = Error::new(ErrorCode::NoDomain, "Could not find domain with name 'x'");
        assert_eq!(
            e.to_string(),
            "Domain not found: Could not find domain with name 'x'"
        );
        assert_eq!(
            Error::new(ErrorCode::DomExist, "vm1").to_string(),
            "domain vm1 exists already"
        );
        assert_eq!(
            Error::unsupported_flags(0x4, "virDomainGetState").to_string(),
            "unsupported flags (0x4) in function virDomainGetState"
        );
    }

    #[test]
    fn questions_are_worded_as_libvirt_words_them() {
        use esxvirt_vi::{BlockedTask, QuestionError};
        let q = |choices: &[&str], no_default, task| QuestionError {
            question: "Was it moved?".into(),
            choices: choices.iter().map(|c| c.to_string()).collect(),
            no_default,
            task,
        };
        let base = "Pending question blocks virtual machine execution, question is 'Was it moved?'";
        assert_eq!(
            question_message(&q(&["yes", "no"], false, BlockedTask::NotStarted)),
            format!("{base}, possible answers are 'yes', 'no'")
        );
        assert_eq!(
            question_message(&q(&["yes", "no"], true, BlockedTask::NotStarted)),
            format!("{base}, possible answers are 'yes', 'no', but no default answer is specified")
        );
        assert_eq!(
            question_message(&q(&[], false, BlockedTask::Cancelled)),
            format!("{base}, no possible answers; the blocked task was cancelled")
        );
        let e = vi_err(esxvirt_vi::Error::Question(q(
            &["a"],
            false,
            BlockedTask::LeftBehind,
        )));
        assert_eq!(e.code(), ErrorCode::InternalError);
        assert!(e
            .to_string()
            .starts_with(&format!("internal error: {base}")));
        assert!(e.to_string().ends_with("left behind waiting for an answer"));
    }

    #[test]
    fn converter_errors_keep_their_class() {
        let e = vmx_err(esxvirt_vmx::VmxError::from(
            esxvirt_vmx::VmxFileError::Syntax {
                line: 3,
                message: "expecting a value".into(),
            },
        ));
        assert_eq!(e.code(), ErrorCode::ConfSyntax);
        assert_eq!(
            e.to_string(),
            "configuration file syntax error: memory conf:3: expecting a value"
        );
        let e = vmx_err(esxvirt_vmx::VmxError::FileName {
            name: "[] a".into(),
            error: esxvirt_vmx::CallbackError::new(
                esxvirt_vmx::ErrorClass::InvalidArg,
                "Datastore path '[] a' doesn't have expected format '[<datastore>] <path>'",
            ),
        });
        assert_eq!(e.code(), ErrorCode::InvalidArg);
        assert!(e
            .to_string()
            .starts_with("invalid argument: Datastore path"));
        assert_eq!(
            Error::new(ErrorCode::NoSource, "sda").to_string(),
            "missing source information for device sda"
        );
        assert_eq!(ErrorCode::NoSource.number(), 19);
        assert_eq!(ErrorCode::MultipleDomains.number(), 110);
    }

    #[test]
    fn check_flags_reports_only_bad_bits() {
        assert!(check_flags(3, 3, "f").is_ok());
        let e = check_flags(0x13, 0x3, "f").unwrap_err();
        assert_eq!(e.message(), "unsupported flags (0x10) in function f");
    }
}
