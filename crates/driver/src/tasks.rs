//! Starting VM tasks the way libvirt's ESX driver does: before a new task, a pending question
//! of the VM is answered (auto_answer=1) or reported (auto_answer=0) and the new task is not
//! started; while a task runs, questions are handled the same way, and an unanswered one
//! cancels the task when it can be cancelled.

use esxvirt_vi as vi;
use vi::{Client, ManagedObjectReference, TaskInfoState, Value};

use crate::engine::{filter, props_of, retrieve_all, vi_err, MoRef, Props};
use crate::error::{Error, Result};

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

/// A pending question's text and choices, from `runtime.question`.
pub(crate) struct Question {
    pub id: String,
    pub text: String,
    pub choices: Vec<(String, String)>,
    pub default: Option<usize>,
}

pub(crate) fn question_of(p: &Props) -> Option<Question> {
    match p.get("runtime.question") {
        Some(Value::VirtualMachineQuestionInfo(q)) => Some(Question {
            id: q.id.clone(),
            text: q.text.split_whitespace().collect::<Vec<_>>().join(" "),
            choices: q
                .choice
                .choice_info
                .iter()
                .map(|c| (c.key.clone(), c.base.label.clone()))
                .collect(),
            default: q.choice.default_index.map(|i| i.max(0) as usize),
        }),
        _ => None,
    }
}

fn possible_answers(q: &Question) -> Option<String> {
    if q.choices.is_empty() {
        return None;
    }
    Some(
        q.choices
            .iter()
            .map(|(_, l)| format!("'{l}'"))
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// Handles a pending question: answers it with its default when `auto_answer`, else returns
/// libvirt's error naming the question and its answers. `suffix` is appended to the error.
pub(crate) async fn handle_question(
    c: &Client,
    vm: &MoRef,
    q: &Question,
    auto_answer: bool,
    suffix: &str,
) -> Result<()> {
    let answers = possible_answers(q);
    let base = format!(
        "Pending question blocks virtual machine execution, question is '{}'",
        q.text
    );
    if auto_answer {
        let Some(answers) = answers else {
            return Err(Error::internal(format!(
                "{base}, no possible answers{suffix}"
            )));
        };
        let Some(choice) = q.default.and_then(|i| q.choices.get(i)) else {
            return Err(Error::internal(format!(
                "{base}, possible answers are {answers}, but no default answer is specified{suffix}"
            )));
        };
        tracing::info!(
            question = %q.text,
            answer = %choice.1,
            "answering a pending question with its default answer"
        );
        c.answer_vm(&vm.vi(), &q.id, &choice.0)
            .await
            .map_err(vi_err)?;
        return Ok(());
    }
    Err(Error::internal(match answers {
        Some(a) => format!("{base}, possible answers are {a}{suffix}"),
        None => format!("{base}, no possible answers{suffix}"),
    }))
}

/// Checks the VM before starting a task (libvirt's "prepare for task"): `p` must hold
/// `runtime.question` and `recentTask`. A pending question blocks an earlier task: it is
/// answered (auto_answer=1, returning `true`: the caller then starts no new task, the
/// answered one carries on) or reported. Other pending tasks of the VM are an error ("Other
/// tasks are pending for this domain").
pub(crate) async fn prepare_for_task(
    c: &Client,
    vm: &MoRef,
    p: &Props,
    auto_answer: bool,
) -> Result<bool> {
    if let Some(q) = question_of(p) {
        handle_question(c, vm, &q, auto_answer, "").await?;
        return Ok(true);
    }
    let recent = p.mos("recentTask");
    if recent.is_empty() {
        return Ok(false);
    }
    let specs: Vec<_> = recent
        .iter()
        .map(|t| filter(t, false, vec![], vec![props_of("Task", &["info.state"])]))
        .collect();
    let tasks = retrieve_all(c, &specs).await?;
    let pending = tasks.iter().any(|t| {
        matches!(
            t.get("info.state"),
            Some(Value::TaskInfoState(
                TaskInfoState::Queued | TaskInfoState::Running
            ))
        )
    });
    if pending {
        return Err(Error::operation_invalid(
            "Other tasks are pending for this domain",
        ));
    }
    Ok(false)
}

/// Waits for `task` to finish through the property collector (esxvirt-vi), handling
/// questions of `vm` meanwhile. A failed task is an outcome, not an error; a question that
/// blocks it is an error in libvirt's words.
pub(crate) async fn wait(
    c: &Client,
    task: &ManagedObjectReference,
    vm: Option<&MoRef>,
    auto_answer: bool,
) -> Result<TaskOutcome> {
    // Most tasks are done by the time they are looked at: one retrieval then suffices
    // (the property-collector wait costs CreateFilter + WaitForUpdatesEx + DestroyPropertyFilter).
    let spec = filter(
        &MoRef::from_vi(task),
        false,
        vec![],
        vec![props_of(
            "Task",
            &["info.state", "info.error", "info.result"],
        )],
    );
    if let Some(mut t) = retrieve_all(c, std::slice::from_ref(&spec))
        .await?
        .into_iter()
        .next()
    {
        match t.get("info.state") {
            Some(Value::TaskInfoState(TaskInfoState::Success)) => {
                return Ok(TaskOutcome {
                    success: true,
                    error: String::new(),
                    result: t.take("info.result"),
                    fault_type: String::new(),
                })
            }
            Some(Value::TaskInfoState(TaskInfoState::Error)) => {
                let (error, fault_type) = match t.take("info.error") {
                    Some(Value::LocalizedMethodFault(f)) => (
                        f.localized_message
                            .clone()
                            .unwrap_or_else(|| "unknown error".to_string()),
                        f.fault.type_name().to_string(),
                    ),
                    _ => ("unknown error".to_string(), String::new()),
                };
                return Ok(TaskOutcome {
                    success: false,
                    error,
                    result: None,
                    fault_type,
                });
            }
            _ => {}
        }
    }
    let vm = vm.map(MoRef::vi);
    let policy = vi::QuestionPolicy { auto_answer };
    match c.wait_for_task_on(task, vm.as_ref(), &policy).await {
        Ok(v) => Ok(TaskOutcome {
            success: true,
            error: String::new(),
            result: match v {
                Value::None => None,
                v => Some(v),
            },
            fault_type: String::new(),
        }),
        Err(vi::Error::Fault(f)) => Ok(TaskOutcome {
            success: false,
            error: if f.message().is_empty() {
                f.to_string()
            } else {
                f.message().to_string()
            },
            result: None,
            fault_type: f.fault_type().to_string(),
        }),
        Err(e) => Err(vi_err(e)),
    }
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
