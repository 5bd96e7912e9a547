//! Running tasks the way libvirt's ESX driver does. Before a new VM task, a pending question
//! of the VM goes to the one question policy (`esxvirt_vi::question`): answered
//! (auto_answer=1), the blocked task goes on and the new one is not started; unanswered
//! (auto_answer=0, or no default answer), it is the error. Other pending tasks of the VM are
//! an error too. While a task runs, its VM's questions go to the same policy (the wait is
//! esxvirt-vi's), and a blocked task is cancelled when it can be.

use std::future::Future;

use esxvirt_vi::property::property_spec;
use esxvirt_vi::props::{task as task_props, virtual_machine as vm};
use esxvirt_vi::{question, Client, ManagedObjectReference, QuestionPolicy, TaskInfoState, Value};

use super::props::Props;
use super::query::retrieve_all;
use super::specs::filter;
use super::Engine;
use crate::error::{is_not_found, vi_err, Error, Result};

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

/// The VM properties the check before a task reads besides the caller's.
const PREPARE_PATHS: &[&str] = &[vm::RUNTIME_QUESTION.path(), vm::RECENT_TASK.path()];

/// Checks the VM before starting a task (libvirt's "prepare for task"): `p` must hold
/// [`PREPARE_PATHS`]. A pending question blocks an earlier task: the policy answers it
/// (returning `true`: the caller then starts no new task, the answered one carries on) or
/// it is the error. Other pending tasks of the VM are an error ("Other tasks are pending for
/// this domain").
pub(crate) async fn prepare_for_task(
    c: &Client,
    vm_ref: &ManagedObjectReference,
    p: &Props,
    policy: &QuestionPolicy,
) -> Result<bool> {
    if let Some(q) = p.get(vm::RUNTIME_QUESTION).filter(question::is_pending) {
        c.handle_question(vm_ref, &q, policy)
            .await
            .map_err(vi_err)?;
        return Ok(true);
    }
    let recent = p.get(vm::RECENT_TASK).unwrap_or_default();
    if recent.is_empty() {
        return Ok(false);
    }
    let specs: Vec<_> = recent
        .iter()
        .map(|t| {
            filter(
                t,
                false,
                vec![],
                vec![property_spec(
                    task_props::TYPE,
                    &[task_props::INFO_STATE.path()],
                )],
            )
        })
        .collect();
    let tasks = retrieve_all(c, &specs).await?;
    let pending = tasks.iter().any(|t| {
        matches!(
            t.get(task_props::INFO_STATE),
            Some(TaskInfoState::Queued | TaskInfoState::Running)
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
    vm_ref: Option<&ManagedObjectReference>,
    policy: &QuestionPolicy,
) -> Result<TaskOutcome> {
    // Most tasks are done by the time they are looked at: one retrieval then suffices
    // (the property-collector wait costs CreateFilter + WaitForUpdatesEx + DestroyPropertyFilter).
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
    if let Some(mut t) = retrieve_all(c, std::slice::from_ref(&spec))
        .await?
        .into_iter()
        .next()
    {
        match t.get(task_props::INFO_STATE) {
            Some(TaskInfoState::Success) => {
                return Ok(TaskOutcome {
                    success: true,
                    error: String::new(),
                    result: t.take(task_props::INFO_RESULT),
                    fault_type: String::new(),
                })
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
    match c.wait_for_task_on(task, vm_ref, policy).await {
        Ok(v) => Ok(TaskOutcome {
            success: true,
            error: String::new(),
            result: match v {
                Value::None => None,
                v => Some(v),
            },
            fault_type: String::new(),
        }),
        Err(esxvirt_vi::Error::Fault(f)) => Ok(TaskOutcome {
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

impl Engine {
    /// The question policy of this session (the URI's `auto_answer`).
    pub fn question_policy(&self) -> QuestionPolicy {
        QuestionPolicy {
            auto_answer: self.auto_answer,
        }
    }

    /// Runs a VM task as libvirt does: reads `paths` of VM `vm_ref` with its question and
    /// recent tasks (afresh: a check before a change), lets `check` refuse (unless a
    /// question comes first), checks for a pending question and other tasks, starts the
    /// task with `start`, waits for it (handling questions), and reports a failure as
    /// `FAIL: message`. `gone` is the error for a VM that does not exist. Returns the
    /// task's result, `None` when an answered question let an earlier task go on instead.
    pub fn run_vm_task<C, S, Fut>(
        &self,
        vm_ref: &ManagedObjectReference,
        paths: &[&str],
        check: C,
        start: S,
        fail: &str,
        gone: impl Fn() -> Error,
    ) -> Result<Option<Value>>
    where
        C: Fn(&Props) -> Result<()>,
        S: Fn(Client, ManagedObjectReference) -> Fut,
        Fut: Future<Output = std::result::Result<ManagedObjectReference, esxvirt_vi::Error>>,
    {
        let mut all: Vec<&str> = paths.to_vec();
        all.extend(PREPARE_PATHS);
        let policy = self.question_policy();
        let (check, start, gone) = (&check, &start, &gone);
        self.run(|c| {
            let all = all.clone();
            async move {
                let spec = filter(vm_ref, false, vec![], vec![property_spec(vm::TYPE, &all)]);
                let objects = match retrieve_all(&c, std::slice::from_ref(&spec)).await {
                    Ok(o) => o,
                    Err(e) if is_not_found(&e) => Vec::new(),
                    Err(e) => return Err(e),
                };
                let Some(p) = objects.into_iter().next() else {
                    return Err(gone());
                };
                // A question blocking an earlier task comes first: answered, that task goes
                // on and no new one is started; unanswered, it is the error.
                if p.get(vm::RUNTIME_QUESTION).is_none() {
                    check(&p)?;
                }
                if prepare_for_task(&c, vm_ref, &p, &policy).await? {
                    return Ok(None);
                }
                let task = start(c.clone(), vm_ref.clone()).await.map_err(vi_err)?;
                let out = wait(&c, &task, Some(vm_ref), &policy).await?;
                if !out.success {
                    return Err(Error::internal(format!("{fail}: {}", out.error)));
                }
                Ok(out.result)
            }
        })
    }

    /// Runs a task that concerns no VM (a disk, a datastore search, a registration): starts
    /// it with `start`, waits for it, and reports a failure through `fail` (given the
    /// outcome).
    pub fn run_task<S, Fut>(
        &self,
        start: S,
        fail: impl Fn(&TaskOutcome) -> Error,
    ) -> Result<Option<Value>>
    where
        S: Fn(Client) -> Fut,
        Fut: Future<Output = std::result::Result<ManagedObjectReference, esxvirt_vi::Error>>,
    {
        let policy = self.question_policy();
        let (start, fail) = (&start, &fail);
        self.run(|c| async move {
            let task = start(c.clone()).await.map_err(vi_err)?;
            let out = wait(&c, &task, None, &policy).await?;
            if !out.success {
                return Err(fail(&out));
            }
            Ok(out.result)
        })
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
