//! Waiting for tasks through the property collector (CreateFilter + WaitForUpdatesEx, no
//! polling loops), with the VM's questions handled meanwhile by the one question policy
//! ([`crate::question`]): an unanswered question ends the wait with an error, and the blocked
//! task is cancelled when it can be (else the error says it is left behind). Also the check
//! for a question before a new task is started.

use std::time::Duration;

use crate::client::Client;
use crate::codec::ManagedObjectReference;
use crate::error::{BlockedTask, Error};
use crate::fault::Fault;
use crate::props::{task as task_props, virtual_machine as vm_props};
use crate::question::{self, QuestionPolicy};
use crate::types::{
    ObjectSpec, PropertyFilterSpec, PropertySpec, TaskInfo, TaskInfoState, Value,
    VirtualMachineQuestionInfo, WaitOptions,
};

/// The fault of a failed task.
pub fn task_fault(info: &TaskInfo) -> Fault {
    match &info.error {
        Some(e) => {
            let msg = e.localized_message.clone().unwrap_or_default();
            Fault::new(e.fault.type_name(), Some(&e.fault), &msg)
        }
        None => Fault::Other {
            fault_type: "TaskError".into(),
            message: format!("task {} failed without an error", info.key),
        },
    }
}

impl Client {
    /// Checks VM `vm` for a pending question before a new task is started on it. No
    /// question: `Ok(false)`. A question answered by the policy gives `Ok(true)`: the caller
    /// must then NOT start its task (the pending task goes on); one the policy leaves
    /// unanswered is the error.
    pub async fn check_question(
        &self,
        vm: &ManagedObjectReference,
        policy: &QuestionPolicy,
    ) -> Result<bool, Error> {
        let q = vm_props::RUNTIME_QUESTION;
        let mut oc = self.object_properties(vm, &[q.path()]).await?;
        let Some(q) = oc.take_prop(q) else {
            return Ok(false);
        };
        if !question::is_pending(&q) {
            return Ok(false);
        }
        self.handle_question(vm, &q, policy).await?;
        Ok(true)
    }

    /// Waits for `task` to finish and returns its result (`Value::None` when it has none);
    /// a failed task gives its fault. Questions of the task's VM are handled per `policy`.
    pub async fn wait_for_task(
        &self,
        task: &ManagedObjectReference,
        policy: &QuestionPolicy,
    ) -> Result<Value, Error> {
        self.wait_for_task_on(task, None, policy).await
    }

    /// Like [`Client::wait_for_task`], watching VM `vm` for questions from the start (one
    /// filter; without `vm` the task's entity is watched once known).
    pub async fn wait_for_task_on(
        &self,
        task: &ManagedObjectReference,
        vm: Option<&ManagedObjectReference>,
        policy: &QuestionPolicy,
    ) -> Result<Value, Error> {
        // One waiter at a time: the filters live on the session's shared collector.
        let _guard = self.inner_task_wait().lock().await;
        let mut filters: Vec<ManagedObjectReference> = Vec::new();
        let r = self.wait_inner(task, vm, policy, &mut filters).await;
        for f in filters {
            if let Err(e) = self.destroy_property_filter(&f).await {
                tracing::debug!(filter = %f, error = %e, "cannot destroy property filter");
            }
        }
        r
    }

    /// A property filter on `objects`: each object with its type and one property path.
    async fn create_watch(
        &self,
        objects: &[(&ManagedObjectReference, &str, &str)],
    ) -> Result<ManagedObjectReference, Error> {
        let spec = PropertyFilterSpec {
            prop_set: objects
                .iter()
                .map(|(_, t, p)| PropertySpec {
                    type_: (*t).into(),
                    all: Some(false),
                    path_set: vec![(*p).into()],
                })
                .collect(),
            object_set: objects
                .iter()
                .map(|(o, _, _)| ObjectSpec {
                    obj: (*o).clone(),
                    skip: Some(false),
                    select_set: vec![],
                })
                .collect(),
            report_missing_objects_in_results: None,
        };
        self.create_filter(&spec, false).await
    }

    async fn wait_inner(
        &self,
        task: &ManagedObjectReference,
        vm: Option<&ManagedObjectReference>,
        policy: &QuestionPolicy,
        filters: &mut Vec<ManagedObjectReference>,
    ) -> Result<Value, Error> {
        let mut watched_vm: Option<ManagedObjectReference> = vm.cloned();
        let question_path = vm_props::RUNTIME_QUESTION;
        let watch_question = (vm_props::TYPE, question_path.path());
        let mut objs = vec![(task, task_props::TYPE, task_props::INFO.path())];
        if let Some(vm) = vm {
            objs.push((vm, watch_question.0, watch_question.1));
        }
        filters.push(self.create_watch(&objs).await?);
        let wait_secs = self.config_wait_seconds();
        let mut version: Option<String> = None;
        let mut info: Option<TaskInfo> = None;
        let mut question: Option<VirtualMachineQuestionInfo> = None;
        let mut answered: Option<String> = None;
        loop {
            let options = WaitOptions {
                max_wait_seconds: Some(wait_secs),
                max_object_updates: None,
            };
            let update = self
                .wait_for_updates_ex(version.as_deref(), Some(&options))
                .await?;
            let Some(update) = update else { continue };
            version = Some(update.version.clone());
            for fu in update.filter_set {
                if !filters.iter().any(|f| f.value == fu.filter.value) {
                    continue;
                }
                for ou in fu.object_set {
                    for ch in ou.change_set {
                        let val = ch.val.unwrap_or_default();
                        if ch.name == task_props::INFO.path() {
                            if let Some(i) = task_props::INFO.decode(val) {
                                info = Some(i);
                            }
                        } else if ch.name == task_props::INFO_STATE.path() {
                            if let (Some(i), Some(s)) =
                                (info.as_mut(), task_props::INFO_STATE.decode(val))
                            {
                                i.state = s;
                            }
                        } else if ch.name == question_path.path() {
                            question = question_path.decode(val);
                        }
                    }
                }
            }
            let Some(i) = info.as_ref() else { continue };
            match i.state {
                TaskInfoState::Success => return Ok(i.result.clone().unwrap_or_default()),
                TaskInfoState::Error => return Err(Error::Fault(task_fault(i))),
                _ => {}
            }
            // Still running: watch its VM for questions once we know it.
            if watched_vm.is_none() {
                if let Some(e) = i.entity.as_ref().filter(|e| e.type_ == vm_props::TYPE) {
                    filters.push(
                        self.create_watch(&[(e, watch_question.0, watch_question.1)])
                            .await?,
                    );
                    watched_vm = Some(e.clone());
                }
            }
            let (Some(q), Some(vm)) = (question.as_ref(), watched_vm.as_ref()) else {
                continue;
            };
            if q.id.is_empty() || answered.as_deref() == Some(q.id.as_str()) {
                continue;
            }
            match self.handle_question(vm, q, policy).await {
                Ok(()) => answered = Some(q.id.clone()),
                Err(Error::Question(mut e)) => {
                    e.task = if i.cancelable && self.cancel_task(task).await.is_ok() {
                        BlockedTask::Cancelled
                    } else {
                        BlockedTask::LeftBehind
                    };
                    return Err(Error::Question(e));
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn config_wait_seconds(&self) -> i32 {
        // Stay well inside the request timeout so a quiet wait is not a timeout.
        let t = self.request_timeout();
        let secs = t
            .saturating_sub(Duration::from_secs(10))
            .as_secs()
            .clamp(1, 60);
        secs as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::QuestionError;

    #[test]
    fn a_blocked_task_says_what_became_of_it() {
        let e = Error::Question(QuestionError {
            question: "Was the VM moved or copied?".into(),
            choices: vec!["cancel".into(), "moved".into(), "copied".into()],
            no_default: false,
            task: BlockedTask::LeftBehind,
        });
        assert_eq!(
            e.to_string(),
            "a pending question blocks the virtual machine: 'Was the VM moved or copied?', possible answers: cancel, moved, copied; the blocked task cannot be cancelled and is left behind waiting for an answer"
        );
    }

    #[test]
    fn failed_tasks_give_their_fault() {
        let info = TaskInfo {
            key: "task-1".into(),
            state: TaskInfoState::Error,
            ..Default::default()
        };
        assert_eq!(
            task_fault(&info).to_string(),
            "TaskError: task task-1 failed without an error"
        );
    }
}
