//! The crate's error type: every failure is one variant whose Display is one clear line.

use std::time::Duration;

use crate::fault::Fault;
use crate::thumbprint::Thumbprints;

/// A pending VM question that stopped an operation (see [`crate::question`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuestionError {
    /// The question's text (one line).
    pub question: String,
    /// The possible answers' labels.
    pub choices: Vec<String>,
    /// Answering was asked for (`auto_answer`) but the question names no default answer.
    pub no_default: bool,
    /// What became of the blocked task.
    pub task: BlockedTask,
}

/// What became of the task a question blocked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlockedTask {
    /// The question was found before a new task was started; none was started.
    NotStarted,
    /// The blocked task was cancelled.
    Cancelled,
    /// The blocked task cannot be cancelled; it is left behind, waiting for an answer.
    LeftBehind,
}

impl std::fmt::Display for QuestionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a pending question blocks the virtual machine: '{}'",
            self.question
        )?;
        if self.choices.is_empty() {
            f.write_str(", no possible answers")?;
        } else {
            write!(f, ", possible answers: {}", self.choices.join(", "))?;
            if self.no_default {
                f.write_str(", none of them the default")?;
            }
        }
        match self.task {
            BlockedTask::NotStarted => Ok(()),
            BlockedTask::Cancelled => f.write_str("; the blocked task was cancelled"),
            BlockedTask::LeftBehind => f.write_str(
                "; the blocked task cannot be cancelled and is left behind waiting for an answer",
            ),
        }
    }
}

/// Any failure of the client.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server answered with a fault (or a task failed with one).
    #[error("{0}")]
    Fault(Fault),
    /// A bad `ClientConfig` (URL, CA file, proxy).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// Nothing listens at the address.
    #[error("cannot connect to {addr}: connection refused")]
    ConnectionRefused { addr: String },
    /// Connecting failed otherwise (DNS, unreachable, ...).
    #[error("cannot connect to {addr}: {reason}")]
    Connect { addr: String, reason: String },
    /// The connection broke during a request (reset, closed early).
    #[error("connection to {addr} failed during the request: {reason}")]
    Connection { addr: String, reason: String },
    /// The TLS handshake failed; for a refused certificate, `thumbprints` are its own and
    /// the reason says how to trust it.
    #[error("TLS with {host} failed: {reason}")]
    Tls {
        host: String,
        reason: String,
        thumbprints: Option<Box<Thumbprints>>,
    },
    /// The proxy refused or failed.
    #[error("proxy {proxy} failed: {reason}")]
    Proxy { proxy: String, reason: String },
    /// A connect or request timeout expired.
    #[error("{what} timed out after {}s", .after.as_secs_f64())]
    Timeout { what: &'static str, after: Duration },
    /// An HTTP error status without a SOAP fault.
    #[error("HTTP {status} {reason} for {path}")]
    Http {
        status: u16,
        reason: String,
        path: String,
    },
    /// The response is larger than `max_response_bytes`.
    #[error("the response to {what} exceeds the limit of {limit} bytes")]
    TooLarge { what: String, limit: u64 },
    /// The response is not the expected SOAP XML (non-XML, truncated, wrong shape).
    #[error("invalid response to {method}: {reason}")]
    BadResponse { method: String, reason: String },
    /// The server lacks a service this call needs (e.g. no SearchIndex).
    #[error("the server does not provide {0}")]
    NotSupported(&'static str),
    /// A call needed a login that has not happened.
    #[error("not logged in")]
    NotLoggedIn,
    /// A VM question blocks the operation.
    #[error("{0}")]
    Question(QuestionError),
}

impl Error {
    /// The fault, when the server reported one.
    pub fn fault(&self) -> Option<&Fault> {
        match self {
            Error::Fault(f) => Some(f),
            _ => None,
        }
    }

    /// The thumbprints of the certificate a TLS handshake refused.
    pub fn refused_certificate(&self) -> Option<&Thumbprints> {
        match self {
            Error::Tls {
                thumbprints: Some(t),
                ..
            } => Some(t),
            _ => None,
        }
    }

    /// True for faults meaning the session is not logged in.
    pub fn is_not_authenticated(&self) -> bool {
        matches!(self, Error::Fault(Fault::NotAuthenticated { .. }))
    }
}

impl From<Fault> for Error {
    fn from(f: Fault) -> Self {
        Error::Fault(f)
    }
}
