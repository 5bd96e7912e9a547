//! `Task`: a task's `info` (kept by [`crate::task::Tasks`]) and `CancelTask`; the methods
//! by which extension tasks report progress are not supported.

use crate::fault::Fault;
use crate::task::Tasks;
use crate::value::{MoRef, Value};

use super::{write, Core, Out, Reader, ServiceCall, ServiceMethod, ServiceType};

/// The `Task` type.
pub(super) const TYPE: ServiceType = ServiceType {
    name: "Task",
    exists: |r, obj| r.tasks.get(obj).is_some(),
    properties: Tasks::PROPERTY_NAMES,
    property,
    methods: &[
        ("CancelTask", ServiceMethod::Now(cancel)),
        ("SetTaskState", ServiceMethod::Now(not_supported)),
        ("UpdateProgress", ServiceMethod::Now(not_supported)),
        ("SetTaskDescription", ServiceMethod::Now(not_supported)),
    ],
};

fn property(r: &Reader<'_>, obj: &MoRef, path: &str) -> Result<Option<Value>, Fault> {
    r.tasks.property(obj, path)
}

/// `CancelTask` of a cancelable task still running.
fn cancel(core: &Core, call: &ServiceCall<'_>) -> Result<Out, Fault> {
    write(&core.tasks).cancel(call.this)?;
    core.bump();
    Ok(Out::Value(None))
}

fn not_supported(_core: &Core, call: &ServiceCall<'_>) -> Result<Out, Fault> {
    Err(Fault::not_supported(format!(
        "{} is not supported",
        call.method
    )))
}

#[cfg(test)]
mod tests {
    use super::super::testing::TestCore;

    #[test]
    fn info_and_cancellation() {
        let mut c = TestCore::esx();
        c.login();
        let done = c.one("VirtualMachine", "5", "PowerOnVM_Task", "").text;
        let info = c.read("Task", &done, "info").unwrap().unwrap();
        assert_eq!(info.text_of("state"), Some("success"));
        assert_eq!(
            info.text_of("descriptionId"),
            Some("VirtualMachine.powerOn")
        );
        assert_eq!(
            c.call("Task", &done, "CancelTask", ""),
            Err("InvalidState".into())
        );
        assert_eq!(
            c.call("Task", &done, "SetTaskState", "<state>error</state>"),
            Err("NotSupported".into())
        );
        assert_eq!(c.read("Task", &done, "info.nothing"), Ok(None));
        assert_eq!(
            c.call("Task", "haTask--vim.Task-404", "CancelTask", ""),
            Err("ManagedObjectNotFound".into())
        );
    }
}
