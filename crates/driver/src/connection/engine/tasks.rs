//! Running tasks the way libvirt's ESX driver does, each as a change ([`super::change`]):
//! its start goes out once, and a lost answer is reconciled with the task's record or the
//! VM. Before a new VM task, a pending question of the VM goes to the one question policy
//! (`esxvirt_vi::question`): unanswered (auto_answer=0, or no default answer), it is the
//! error; answered (auto_answer=1), the blocked task is waited for and the VM read again —
//! when that task reached the new one's goal (the power-on a destroy would undo is not such
//! a goal) no new task is started, else the new one is, so that success is reported only
//! for a VM in the asked-for state. Other pending tasks of the VM are an error. While a task
//! runs, its VM's questions go to the same policy (the wait is esxvirt-vi's), and a blocked
//! task is cancelled when it can be.

use std::future::Future;

use esxvirt_vi::property::property_spec;
use esxvirt_vi::props::{task as task_props, virtual_machine as vm};
use esxvirt_vi::{question, Client, ManagedObjectReference, QuestionPolicy, TaskInfoState, Value};

use super::change::{Change, Landed, Progress};
use super::props::Props;
use super::query::retrieve_all;
use super::specs::filter;
use super::task_record::{read_outcome, TaskOutcome};
use super::Engine;
use crate::error::{is_not_found, is_question, vi_err, Error, Result};

/// The VM properties the check before a task reads besides the caller's.
const PREPARE_PATHS: &[&str] = &[vm::RUNTIME_QUESTION.path(), vm::RECENT_TASK.path()];

/// How often an answered question lets a VM task look again before it gives up.
const QUESTION_ROUNDS: usize = 3;

/// Checks the VM before starting a task (libvirt's "prepare for task"): `p` must hold
/// [`PREPARE_PATHS`]. A pending question blocks an earlier task: the policy answers it
/// (through `progress`: an answer is a change; returning `true`, the caller then waits for
/// the answered task and looks again) or it is the error. Other pending tasks of the VM are
/// an error ("Other tasks are pending for this domain").
pub(crate) async fn prepare_for_task(
    c: &Client,
    vm_ref: &ManagedObjectReference,
    p: &Props,
    policy: &QuestionPolicy,
    progress: &Progress,
) -> Result<bool> {
    if let Some(q) = p.get(vm::RUNTIME_QUESTION).filter(question::is_pending) {
        match question::decide(&q, policy) {
            question::Decision::Answer { key, label } => {
                tracing::info!(
                    vm = %vm_ref,
                    question = %q.text,
                    answer = %label,
                    "answering a pending question with its default answer"
                );
                progress
                    .send(c, || c.answer_vm(vm_ref, &q.id, &key))
                    .await?;
                return Ok(true);
            }
            question::Decision::Refuse(e) => return Err(vi_err(esxvirt_vi::Error::Question(e))),
        }
    }
    let pending = pending_tasks(c, p).await?;
    if !pending.is_empty() {
        return Err(Error::operation_invalid(
            "Other tasks are pending for this domain",
        ));
    }
    Ok(false)
}

/// The VM's recent tasks (`p` holds its `recentTask`) that are queued or running.
async fn pending_tasks(c: &Client, p: &Props) -> Result<Vec<ManagedObjectReference>> {
    let recent = p.get(vm::RECENT_TASK).unwrap_or_default();
    if recent.is_empty() {
        return Ok(Vec::new());
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
    Ok(tasks
        .into_iter()
        .filter(|t| {
            matches!(
                t.get(task_props::INFO_STATE),
                Some(TaskInfoState::Queued | TaskInfoState::Running)
            )
        })
        .map(|t| t.obj)
        .collect())
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
    if let Some(out) = read_outcome(c, task).await? {
        return Ok(out);
    }
    match c.wait_for_task_on(task, vm_ref, policy).await {
        Ok(v) => Ok(TaskOutcome::succeeded(match v {
            Value::None => None,
            v => Some(v),
        })),
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

/// Waits for `task`, which a change started: its outcome settles the change; so does a
/// question that blocks it (whose error says what became of the task). Any other failure
/// of the wait leaves the change open, to be reconciled.
pub(crate) async fn wait_started(
    c: &Client,
    task: &ManagedObjectReference,
    vm_ref: Option<&ManagedObjectReference>,
    policy: &QuestionPolicy,
    progress: &Progress,
) -> Result<TaskOutcome> {
    progress.started(task);
    match wait(c, task, vm_ref, policy).await {
        Ok(out) => {
            progress.settle();
            Ok(out)
        }
        Err(e) if is_question(&e) => {
            progress.mark_refused();
            Err(e)
        }
        Err(e) => Err(e),
    }
}

/// What a VM task is for, beyond starting it: the words for its change and how the VM
/// shows it reached.
pub(crate) struct VmGoal<'a> {
    /// What it does, in the user's words: "destroying domain 'web'".
    pub what: String,
    /// How the user looks at the result: "domstate web".
    pub look: String,
    /// Whether the VM, as read with the task's paths, is where the task would take it;
    /// `None` when its properties cannot show that.
    pub done: Option<&'a dyn Fn(&Props) -> bool>,
}

/// A task on a VM: `paths` are read with the question and recent tasks afresh, `check`
/// may refuse from them, `start` starts the task, a failure reads `fail: message`, and
/// `goal` words the change and says how the VM shows it done.
pub(crate) struct VmTask<'a, S> {
    pub paths: &'a [&'a str],
    pub check: &'a dyn Fn(&Props) -> Result<()>,
    pub start: S,
    pub fail: &'a str,
    pub goal: VmGoal<'a>,
}

/// What a call starting a task answers: the task's reference.
pub trait TaskCall:
    Future<Output = std::result::Result<ManagedObjectReference, esxvirt_vi::Error>>
{
}

impl<F> TaskCall for F where
    F: Future<Output = std::result::Result<ManagedObjectReference, esxvirt_vi::Error>>
{
}

/// A finished task's result, or `fail`'s error for it when it failed.
fn task_result(
    out: TaskOutcome,
    fail: impl FnOnce(&TaskOutcome) -> Error,
) -> Result<Option<Value>> {
    if !out.success {
        return Err(fail(&out));
    }
    Ok(out.result)
}

impl Engine {
    /// The question policy of this session (the URI's `auto_answer`).
    pub fn question_policy(&self) -> QuestionPolicy {
        QuestionPolicy {
            auto_answer: self.auto_answer,
        }
    }

    /// Runs a VM task as libvirt does, as a change ([`Engine::change`]): reads `task.paths` of
    /// VM `vm_ref` with its question and recent tasks (afresh: a check before a change),
    /// lets `check` refuse (unless a question comes first), handles a pending question (an
    /// answered one's task is waited for and the VM read again: see the module doc), checks
    /// for other tasks, starts the task with `start` (once), waits for it (handling
    /// questions), and reports a failure as `FAIL: message`. `gone` is the error for a VM
    /// that does not exist. Returns the task's result; `None` when the answered task
    /// reached `goal` instead, or when the task's answer was lost but the VM shows it done.
    pub(crate) fn run_vm_task<S, Fut>(
        &self,
        vm_ref: &ManagedObjectReference,
        task: VmTask<'_, S>,
        gone: impl Fn() -> Error,
    ) -> Result<Option<Value>>
    where
        S: Fn(Client, ManagedObjectReference) -> Fut,
        Fut: TaskCall,
    {
        let VmTask {
            paths,
            check,
            start,
            fail,
            goal,
        } = task;
        let mut all: Vec<&str> = paths.to_vec();
        all.extend(PREPARE_PATHS);
        let policy = self.question_policy();
        let done = goal.done;
        let change = Change::new(goal.what, goal.look)
            .check(|| {
                let Some(done) = done else {
                    return Ok(Landed::Unknown);
                };
                Ok(match self.object_props(vm_ref, paths)? {
                    Some(p) if done(&p) => Landed::Yes,
                    _ => Landed::No,
                })
            })
            .task_failure(|out| Error::internal(format!("{fail}: {}", out.error)));
        let (check, start, gone, all) = (&check, &start, &gone, &all);
        self.change(&change, |c, progress| async move {
            let spec = filter(vm_ref, false, vec![], vec![property_spec(vm::TYPE, all)]);
            let mut answered = false;
            for _ in 0..QUESTION_ROUNDS {
                let objects = match retrieve_all(&c, std::slice::from_ref(&spec)).await {
                    Ok(o) => o,
                    Err(e) if is_not_found(&e) => Vec::new(),
                    Err(e) => return Err(e),
                };
                let Some(p) = objects.into_iter().next() else {
                    return Err(gone());
                };
                if answered && done.is_some_and(|done| done(&p)) {
                    // The answered task did what this one would have.
                    return Ok(None);
                }
                // A question blocking an earlier task comes first: unanswered, it is the
                // error; answered, that task is waited for and the VM looked at again.
                if p.get(vm::RUNTIME_QUESTION).is_none() {
                    check(&p)?;
                }
                if prepare_for_task(&c, vm_ref, &p, &policy, &progress).await? {
                    answered = true;
                    for t in pending_tasks(&c, &p).await? {
                        wait(&c, &t, Some(vm_ref), &policy).await?;
                    }
                    continue;
                }
                let task = progress
                    .send(&c, || start(c.clone(), vm_ref.clone()))
                    .await?;
                let out = wait_started(&c, &task, Some(vm_ref), &policy, &progress).await?;
                return task_result(out, |out| Error::internal(format!("{fail}: {}", out.error)));
            }
            Err(Error::operation_invalid(
                "Questions kept blocking the domain's tasks",
            ))
        })
    }

    /// Runs a task that concerns no VM (a disk, a registration) as `change`: starts it with
    /// `start` (once), waits for it, and reports a failure through `fail` (given the
    /// outcome). Returns the task's result; `None` when its answer was lost but the server
    /// shows the change made.
    pub fn run_task<Fut: TaskCall>(
        &self,
        change: Change<'_>,
        start: impl Fn(Client) -> Fut,
        fail: impl Fn(&TaskOutcome) -> Error,
    ) -> Result<Option<Value>> {
        let policy = self.question_policy();
        let (start, fail) = (&start, &fail);
        let change = change.task_failure(fail);
        self.change(&change, |c, progress| async move {
            let task = progress.send(&c, || start(c.clone())).await?;
            let out = wait_started(&c, &task, None, &policy, &progress).await?;
            task_result(out, fail)
        })
    }

    /// Runs a task that only reads (a datastore search): started and waited for like any
    /// other, but not a change; a failure goes through `fail`.
    pub fn run_read_task<Fut: TaskCall>(
        &self,
        start: impl Fn(Client) -> Fut,
        fail: impl Fn(&TaskOutcome) -> Error,
    ) -> Result<Option<Value>> {
        let policy = self.question_policy();
        let (start, fail) = (&start, &fail);
        self.run(|c| async move {
            let task = start(c.clone()).await.map_err(vi_err)?;
            let out = wait(&c, &task, None, &policy).await?;
            task_result(out, fail)
        })
    }
}
