//! SOAP faults as a typed enum, built from a fault's `xsi:type` (walking the schema's
//! inheritance to the nearest type the enum names) and its message.

use crate::codec::ManagedObjectReference;
use crate::types::{Value, TYPE_BASES};

/// A fault the server reported (a SOAP fault, or the error of a failed task).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Wrong user name or password.
    InvalidLogin { message: String },
    /// The session is not (or no longer) logged in.
    NotAuthenticated { message: String },
    /// The referenced managed object does not exist.
    ManagedObjectNotFound {
        obj: Option<ManagedObjectReference>,
        message: String,
    },
    /// An argument is invalid.
    InvalidArgument {
        invalid_property: Option<String>,
        message: String,
    },
    /// The operation is not allowed in the object's current state.
    InvalidState { message: String },
    /// The operation is not allowed in the VM's current power state.
    InvalidPowerState {
        existing_state: Option<String>,
        message: String,
    },
    /// A file does not exist.
    FileNotFound { file: String, message: String },
    /// A file already exists.
    FileAlreadyExists { file: String, message: String },
    /// An object of that name already exists.
    DuplicateName { name: String, message: String },
    /// Another task holds the object.
    TaskInProgress { message: String },
    /// The server does not support the operation.
    NotSupported { message: String },
    /// Any other fault: its type and message.
    Other { fault_type: String, message: String },
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn base_of(t: &str) -> Option<&'static str> {
    TYPE_BASES.iter().find(|(n, _)| *n == t).map(|(_, b)| *b)
}

impl Fault {
    /// Builds a fault from its type name, its decoded detail (if any) and its message.
    pub fn new(fault_type: &str, detail: Option<&Value>, message: &str) -> Fault {
        let message = one_line(message);
        let mut t: Option<&str> = Some(fault_type);
        while let Some(name) = t {
            let found = match name {
                "InvalidLogin" => Some(Fault::InvalidLogin {
                    message: message.clone(),
                }),
                "NotAuthenticated" => Some(Fault::NotAuthenticated {
                    message: message.clone(),
                }),
                "ManagedObjectNotFound" => Some(Fault::ManagedObjectNotFound {
                    obj: match detail {
                        Some(Value::ManagedObjectNotFound(f)) => Some(f.obj.clone()),
                        _ => None,
                    },
                    message: message.clone(),
                }),
                "InvalidArgument" => Some(Fault::InvalidArgument {
                    invalid_property: match detail {
                        Some(Value::InvalidArgument(f)) => f.invalid_property.clone(),
                        _ => None,
                    },
                    message: message.clone(),
                }),
                "InvalidPowerState" => Some(Fault::InvalidPowerState {
                    existing_state: match detail {
                        Some(Value::InvalidPowerState(f)) => Some(f.existing_state.to_string()),
                        _ => None,
                    },
                    message: message.clone(),
                }),
                "InvalidState" => Some(Fault::InvalidState {
                    message: message.clone(),
                }),
                "FileNotFound" | "FileAlreadyExists" => {
                    let file = match detail {
                        Some(Value::FileNotFound(f)) => f.file.clone(),
                        Some(Value::FileAlreadyExists(f)) => f.file.clone(),
                        _ => String::new(),
                    };
                    Some(if name == "FileNotFound" {
                        Fault::FileNotFound {
                            file,
                            message: message.clone(),
                        }
                    } else {
                        Fault::FileAlreadyExists {
                            file,
                            message: message.clone(),
                        }
                    })
                }
                "DuplicateName" => Some(Fault::DuplicateName {
                    name: match detail {
                        Some(Value::DuplicateName(f)) => f.name.clone(),
                        _ => String::new(),
                    },
                    message: message.clone(),
                }),
                "TaskInProgress" => Some(Fault::TaskInProgress {
                    message: message.clone(),
                }),
                "NotSupported" => Some(Fault::NotSupported {
                    message: message.clone(),
                }),
                _ => None,
            };
            if let Some(f) = found {
                return f;
            }
            t = base_of(name);
        }
        Fault::Other {
            fault_type: if fault_type.is_empty() {
                "SOAP fault".to_string()
            } else {
                fault_type.to_string()
            },
            message,
        }
    }

    /// The fault's type name (the enum variant, or the type kept by `Other`).
    pub fn fault_type(&self) -> &str {
        match self {
            Fault::InvalidLogin { .. } => "InvalidLogin",
            Fault::NotAuthenticated { .. } => "NotAuthenticated",
            Fault::ManagedObjectNotFound { .. } => "ManagedObjectNotFound",
            Fault::InvalidArgument { .. } => "InvalidArgument",
            Fault::InvalidState { .. } => "InvalidState",
            Fault::InvalidPowerState { .. } => "InvalidPowerState",
            Fault::FileNotFound { .. } => "FileNotFound",
            Fault::FileAlreadyExists { .. } => "FileAlreadyExists",
            Fault::DuplicateName { .. } => "DuplicateName",
            Fault::TaskInProgress { .. } => "TaskInProgress",
            Fault::NotSupported { .. } => "NotSupported",
            Fault::Other { fault_type, .. } => fault_type,
        }
    }

    /// The server's message (one line; may be empty).
    pub fn message(&self) -> &str {
        match self {
            Fault::InvalidLogin { message }
            | Fault::NotAuthenticated { message }
            | Fault::ManagedObjectNotFound { message, .. }
            | Fault::InvalidArgument { message, .. }
            | Fault::InvalidState { message }
            | Fault::InvalidPowerState { message, .. }
            | Fault::FileNotFound { message, .. }
            | Fault::FileAlreadyExists { message, .. }
            | Fault::DuplicateName { message, .. }
            | Fault::TaskInProgress { message }
            | Fault::NotSupported { message }
            | Fault::Other { message, .. } => message,
        }
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = self.fault_type();
        let m = self.message();
        match self {
            Fault::ManagedObjectNotFound { obj: Some(o), .. } if m.is_empty() => {
                write!(f, "{t}: the object {o} does not exist")
            }
            Fault::FileNotFound { file, .. } | Fault::FileAlreadyExists { file, .. }
                if m.is_empty() && !file.is_empty() =>
            {
                write!(f, "{t}: {file}")
            }
            Fault::InvalidLogin { .. } if m.is_empty() => write!(
                f,
                "{t}: cannot complete login due to an incorrect user name or password"
            ),
            _ if m.is_empty() => f.write_str(t),
            _ => write!(f, "{t}: {m}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::InvalidHostState;

    #[test]
    fn walks_bases_to_a_known_variant() {
        let f = Fault::new(
            "InvalidHostState",
            Some(&Value::from(InvalidHostState::default())),
            "bad\nstate",
        );
        assert_eq!(
            f,
            Fault::InvalidState {
                message: "bad state".into()
            }
        );
        assert_eq!(f.to_string(), "InvalidState: bad state");
        let f = Fault::new("SomethingElse", None, "");
        assert_eq!(f.to_string(), "SomethingElse");
        let f = Fault::new("InvalidLogin", None, "");
        assert!(f.to_string().starts_with("InvalidLogin: "));
    }
}
