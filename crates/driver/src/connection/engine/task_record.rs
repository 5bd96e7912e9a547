//! A task's record as the server keeps it: how a finished task turned out ([`TaskOutcome`]),
//! read in one retrieval ([`read_outcome`]) by the wait for a task and by the
//! reconciliation after a change whose answer was lost.

use esxvirt_vi::property::property_spec;
use esxvirt_vi::props::task as task_props;
use esxvirt_vi::{Client, ManagedObjectReference, TaskInfoState, Value};

use super::query::retrieve_all;
use super::specs::filter;
use crate::error::Result;

/// The outcome of a finished task.
pub(crate) struct TaskOutcome {
    /// Whether it succeeded.
    pub success: bool,
    /// The error message when it failed.
    pub error: String,
    /// The task's result value.
    pub result: Option<Value>,
    /// The type of the fault it failed with, when known.
    pub fault_type: String,
}

impl TaskOutcome {
    /// A successful task's outcome.
    pub fn succeeded(result: Option<Value>) -> TaskOutcome {
        TaskOutcome {
            success: true,
            error: String::new(),
            result,
            fault_type: String::new(),
        }
    }

    /// A failure as libvirt words it: the fault's type, then its message.
    pub fn libvirt_error(&self) -> String {
        match (self.fault_type.is_empty(), self.error.is_empty()) {
            (true, true) => "Unknown error".to_string(),
            (true, false) => self.error.clone(),
            (false, true) => self.fault_type.clone(),
            (false, false) => format!("{} - {}", self.fault_type, self.error),
        }
    }
}

/// Task `task`'s outcome when it has finished; `None` while it is queued or running (or the
/// server no longer knows it).
pub(crate) async fn read_outcome(
    c: &Client,
    task: &ManagedObjectReference,
) -> Result<Option<TaskOutcome>> {
    let spec = filter(
        task,
        false,
        vec![],
        vec![property_spec(
            task_props::TYPE,
            &[
                task_props::INFO_STATE.path(),
                task_props::INFO_ERROR.path(),
                task_props::INFO_RESULT.path(),
            ],
        )],
    );
    let Some(mut t) = retrieve_all(c, std::slice::from_ref(&spec))
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    Ok(match t.get(task_props::INFO_STATE) {
        Some(TaskInfoState::Success) => {
            Some(TaskOutcome::succeeded(t.take(task_props::INFO_RESULT)))
        }
        Some(TaskInfoState::Error) => {
            let (error, fault_type) = match t.take(task_props::INFO_ERROR) {
                Some(f) => (
                    f.localized_message
                        .clone()
                        .unwrap_or_else(|| "unknown error".to_string()),
                    f.fault.type_name().to_string(),
                ),
                None => ("unknown error".to_string(), String::new()),
            };
            Some(TaskOutcome {
                success: false,
                error,
                result: None,
                fault_type,
            })
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::TaskOutcome;

    fn failed(fault_type: &str, error: &str) -> TaskOutcome {
        TaskOutcome {
            success: false,
            error: error.to_string(),
            result: None,
            fault_type: fault_type.to_string(),
        }
    }

    #[test]
    fn failures_are_worded_as_libvirt_words_them() {
        assert_eq!(
            failed("FileNotFound", "File [ds] x was not found").libvirt_error(),
            "FileNotFound - File [ds] x was not found"
        );
        assert_eq!(failed("FileNotFound", "").libvirt_error(), "FileNotFound");
        assert_eq!(failed("", "").libvirt_error(), "Unknown error");
        assert_eq!(failed("", "it broke").libvirt_error(), "it broke");
    }
}
