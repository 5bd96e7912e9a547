//! vSphere faults (MethodFault subtypes) as the simulator raises them: a SOAP fault with
//! `faultstring` and a typed `<detail>`, or a `LocalizedMethodFault` in a failed task's
//! `info.error`.
//!
//! A [`Fault`] is its VI type name, its message and the fields of that type; the
//! constructors below give each fault the fields its type has, so callers never misspell
//! them.

use crate::value::{escape_into, MoRef, Name, Value};

/// A vSphere fault.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{ty}: {message}")]
pub struct Fault {
    /// The VI fault type, e.g. `InvalidPowerState`.
    pub ty: Name,
    /// The `faultstring` / `localizedMessage`.
    pub message: String,
    /// The fields of the fault type, in schema order.
    pub fields: Vec<(Name, Value)>,
}

impl Fault {
    /// A fault of any type with no fields.
    pub fn new(ty: impl Into<Name>, message: impl Into<String>) -> Fault {
        Fault {
            ty: ty.into(),
            message: message.into(),
            fields: Vec::new(),
        }
    }

    /// Adds a field (builder).
    pub fn with(mut self, name: impl Into<Name>, value: Value) -> Fault {
        self.fields.push((name.into(), value));
        self
    }

    /// Bad user name or password.
    pub fn invalid_login() -> Fault {
        Fault::new(
            "InvalidLogin",
            "Cannot complete login due to an incorrect user name or password.",
        )
    }
    /// A call without a valid session.
    pub fn not_authenticated(object: &MoRef) -> Fault {
        Fault::new("NotAuthenticated", "The session is not authenticated.")
            .with("object", Value::MoRef(object.clone()))
            .with("privilegeId", Value::str("System.View"))
    }
    /// A reference to an object that does not exist.
    pub fn not_found(obj: &MoRef) -> Fault {
        Fault::new(
            "ManagedObjectNotFound",
            format!(
                "The object '{obj}' has already been deleted or has not been completely created"
            ),
        )
        .with("obj", Value::MoRef(obj.clone()))
    }
    /// A bad argument; `invalid_property` names it.
    pub fn invalid_argument(invalid_property: &str) -> Fault {
        Fault::new(
            "InvalidArgument",
            format!("A specified parameter was not correct: {invalid_property}"),
        )
        .with("invalidProperty", Value::str(invalid_property))
    }
    /// A required argument is missing.
    pub fn missing_argument(name: &str) -> Fault {
        Fault::new(
            "InvalidRequest",
            format!("Required parameter {name} is missing"),
        )
    }
    /// A property path that does not exist on an object type.
    pub fn invalid_property(name: &str) -> Fault {
        Fault::new("InvalidProperty", String::new()).with("name", Value::str(name))
    }
    /// The operation is not allowed in the current state.
    pub fn invalid_state(message: impl Into<String>) -> Fault {
        Fault::new("InvalidState", message)
    }
    /// The operation is not allowed in the current power state.
    pub fn invalid_power_state(requested: Option<&str>, existing: &str) -> Fault {
        let f = Fault::new(
            "InvalidPowerState",
            "The attempted operation cannot be performed in the current state (Powered "
                .to_string()
                + match existing {
                    "poweredOn" => "on",
                    "suspended" => "suspended",
                    _ => "off",
                }
                + ").",
        );
        let f = match requested {
            Some(r) => f.with(
                "requestedState",
                Value::enumv("VirtualMachinePowerState", r.to_string()),
            ),
            None => f,
        };
        f.with(
            "existingState",
            Value::enumv("VirtualMachinePowerState", existing.to_string()),
        )
    }
    /// A datastore file that does not exist.
    pub fn file_not_found(file: &str) -> Fault {
        Fault::new("FileNotFound", format!("File {file} was not found"))
            .with("file", Value::str(file))
    }
    /// A datastore file that already exists.
    pub fn file_already_exists(file: &str) -> Fault {
        Fault::new(
            "FileAlreadyExists",
            format!(
                "Cannot complete the operation because the file or folder {file} already exists"
            ),
        )
        .with("file", Value::str(file))
    }
    /// An entity name already used in the same container.
    pub fn duplicate_name(name: &str, object: &MoRef) -> Fault {
        Fault::new(
            "DuplicateName",
            format!("The name '{name}' already exists."),
        )
        .with("name", Value::str(name))
        .with("object", Value::MoRef(object.clone()))
    }
    /// An object already exists (e.g. a port group name).
    pub fn already_exists(name: &str) -> Fault {
        Fault::new(
            "AlreadyExists",
            format!("The specified key, name, or identifier '{name}' already exists."),
        )
        .with("name", Value::str(name))
    }
    /// A named thing was not found (port group, vswitch ...).
    pub fn not_found_named(message: impl Into<String>) -> Fault {
        Fault::new("NotFound", message)
    }
    /// Another task is running on the object.
    pub fn task_in_progress(task: &MoRef) -> Fault {
        Fault::new(
            "TaskInProgress",
            "The operation is not allowed in the current state.",
        )
        .with("task", Value::MoRef(task.clone()))
    }
    /// The operation is not supported (here, or by this mode).
    pub fn not_supported(message: impl Into<String>) -> Fault {
        Fault::new("NotSupported", message)
    }
    /// A malformed request or unknown method.
    pub fn invalid_request(message: impl Into<String>) -> Fault {
        Fault::new("InvalidRequest", message)
    }
    /// A method objects of type `ty` do not have (prefer [`Fault::method_not_found_on`]).
    pub fn method_not_found(ty: &str, method: &str) -> Fault {
        Fault::method_not_found_on(&MoRef::new(ty.to_string(), String::new()), method)
    }
    /// A method `this` does not have.
    pub fn method_not_found_on(this: &MoRef, method: &str) -> Fault {
        Fault::new(
            "MethodNotFound",
            format!("Method {method} not found on object of type {}", this.ty),
        )
        .with("receiver", Value::MoRef(this.clone()))
        .with("method", Value::str(method))
    }
    /// A cancelled task.
    pub fn request_canceled() -> Fault {
        Fault::new("RequestCanceled", "The task was canceled by a user.")
    }
    /// A bad name (e.g. empty or with invalid characters).
    pub fn invalid_name(name: &str) -> Fault {
        Fault::new("InvalidName", format!("The name '{name}' is invalid."))
            .with("name", Value::str(name))
    }
    /// A generic server error.
    pub fn system_error(reason: impl Into<String>) -> Fault {
        let reason = reason.into();
        Fault::new(
            "SystemError",
            format!("A general system error occurred: {reason}"),
        )
        .with("reason", Value::str(reason))
    }
    /// The collector version given to WaitForUpdatesEx is not one we issued.
    pub fn invalid_collector_version() -> Fault {
        Fault::new(
            "InvalidCollectorVersion",
            "The collector version is not valid.",
        )
    }

    /// The fault as a data object (`xsi:type` = fault type), e.g. for
    /// `LocalizedMethodFault.fault`.
    pub fn to_value(&self) -> Value {
        let mut v = Value::obj(self.ty.clone());
        for (n, f) in &self.fields {
            v = v.with(n.clone(), f.clone());
        }
        v
    }

    /// `LocalizedMethodFault` for a failed task's `info.error`.
    pub fn to_localized(&self) -> Value {
        Value::obj("LocalizedMethodFault")
            .with("fault", self.to_value())
            .with("localizedMessage", Value::str(self.message.clone()))
    }

    /// Appends the `<soapenv:Fault>` element for this fault (inside `<soapenv:Body>`).
    pub fn write_soap(&self, out: &mut String) {
        out.push_str("<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>");
        escape_into(out, &self.message);
        out.push_str("</faultstring><detail><");
        out.push_str(&self.ty);
        out.push_str("Fault xmlns=\"urn:vim25\" xsi:type=\"");
        out.push_str(&self.ty);
        out.push_str("\">");
        for (n, v) in &self.fields {
            v.write_field(out, n);
        }
        out.push_str("</");
        out.push_str(&self.ty);
        out.push_str("Fault></detail></soapenv:Fault>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soap_detail() {
        let mut s = String::new();
        Fault::invalid_power_state(Some("poweredOn"), "poweredOn").write_soap(&mut s);
        assert_eq!(
            s,
            "<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>The attempted operation cannot be performed in the current state (Powered on).</faultstring>\
             <detail><InvalidPowerStateFault xmlns=\"urn:vim25\" xsi:type=\"InvalidPowerState\">\
             <requestedState>poweredOn</requestedState><existingState>poweredOn</existingState>\
             </InvalidPowerStateFault></detail></soapenv:Fault>"
        );
    }
}
