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

/// What [`Error::Timeout`] names for opening a connection (nothing was sent yet).
pub(crate) const CONNECT_TIMEOUT: &str = "connecting";

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

/// Whether a failed request reached the server, and so whether it may have acted: what a
/// caller needs to know before it cleans up after a failed change or sends it again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// It never reached the server (no connection, TLS refused, bad configuration):
    /// nothing happened there.
    NotSent,
    /// The server answered and refused it (a SOAP fault, an HTTP client error): nothing
    /// happened there.
    Refused,
    /// It was sent and its answer was lost (reset, truncated, timed out, too large,
    /// unreadable, an HTTP server error): the server may have acted on it.
    Lost,
}

impl Error {
    /// Whether the request that failed may have acted (see [`Delivery`]).
    pub fn delivery(&self) -> Delivery {
        match self {
            Error::Config(_)
            | Error::ConnectionRefused { .. }
            | Error::Connect { .. }
            | Error::Tls { .. }
            | Error::Proxy { .. }
            | Error::NotSupported(_)
            | Error::NotLoggedIn => Delivery::NotSent,
            Error::Timeout { what, .. } if *what == CONNECT_TIMEOUT => Delivery::NotSent,
            Error::Fault(_) | Error::Question(_) => Delivery::Refused,
            Error::Http { status, .. } if *status < 500 => Delivery::Refused,
            Error::Connection { .. }
            | Error::Timeout { .. }
            | Error::Http { .. }
            | Error::TooLarge { .. }
            | Error::BadResponse { .. } => Delivery::Lost,
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_may_have_acted() {
        let after = Duration::from_secs(1);
        let conn = |reason: &str| Error::Connection {
            addr: "h:1".into(),
            reason: reason.into(),
        };
        for e in [
            Error::ConnectionRefused { addr: "h:1".into() },
            Error::Timeout {
                what: CONNECT_TIMEOUT,
                after,
            },
            Error::NotLoggedIn,
        ] {
            assert_eq!(e.delivery(), Delivery::NotSent, "{e}");
        }
        for e in [
            Error::Fault(Fault::NotAuthenticated {
                message: String::new(),
            }),
            Error::Http {
                status: 404,
                reason: String::new(),
                path: "/folder/x".into(),
            },
        ] {
            assert_eq!(e.delivery(), Delivery::Refused, "{e}");
        }
        for e in [
            conn("connection reset"),
            Error::Timeout {
                what: "the request",
                after,
            },
            Error::Http {
                status: 503,
                reason: String::new(),
                path: "/sdk".into(),
            },
            Error::TooLarge {
                what: "/sdk".into(),
                limit: 1,
            },
            Error::BadResponse {
                method: "Login".into(),
                reason: "truncated".into(),
            },
        ] {
            assert_eq!(e.delivery(), Delivery::Lost, "{e}");
        }
    }
}
