//! Waiting for tasks through the property collector (CreateFilter + WaitForUpdatesEx, no
//! polling loops) and the VM question handling libvirt's ESX driver has: a question that
//! blocks a VM is answered with its default answer when `auto_answer` is set; otherwise it
//! is an error naming the question and its choices, and a blocked task is cancelled when
//! it can be (else the error says it is left behind).

use std::time::Duration;

use crate::codec::ManagedObjectReference;
use crate::error::{BlockedTask, Error, QuestionError};
use crate::fault::Fault;
use crate::generated::{
    FromValue, ObjectSpec, PropertyFilterSpec, PropertySpec, TaskInfo, TaskInfoState, Value,
    VirtualMachineQuestionInfo, WaitOptions,
};
use crate::Client;

/// What to do about a question that blocks a VM (libvirt's `auto_answer` URI parameter).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QuestionPolicy {
    /// Answer with the question's default answer (else report the question as an error).
    pub auto_answer: bool,
}

fn question_text(q: &VirtualMachineQuestionInfo) -> (String, Vec<String>) {
    let text = q.text.split_whitespace().collect::<Vec<_>>().join(" ");
    let choices = q
        .choice
        .choice_info
        .iter()
        .map(|c| c.base.label.clone())
        .collect();
    (text, choices)
}

fn default_answer(q: &VirtualMachineQuestionInfo) -> Option<String> {
    let idx = q.choice.default_index.unwrap_or(0).max(0) as usize;
    q.choice
        .choice_info
        .get(idx)
        .or_else(|| q.choice.choice_info.first())
        .map(|c| c.key.clone())
}

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
    /// Answers VM `vm`'s question with its default answer.
    async fn answer_default(
        &self,
        vm: &ManagedObjectReference,
        q: &VirtualMachineQuestionInfo,
    ) -> Result<(), Error> {
        let answer = default_answer(q).ok_or_else(|| {
            let (question, choices) = question_text(q);
            Error::Question(QuestionError {
                question,
                choices,
                task: BlockedTask::NotStarted,
            })
        })?;
        tracing::debug!(vm = %vm, question = %q.id, answer = %answer, "answering VM question");
        self.answer_vm(vm, &q.id, &answer).await
    }

    /// Checks VM `vm` for a pending question before a new task is started on it. No
    /// question: `Ok(false)`. With `auto_answer`, the question is answered with its default
    /// answer and `Ok(true)` is returned: the caller must then NOT start its task (the
    /// pending task goes on). Without, the error names the question and its choices.
    pub async fn check_question(
        &self,
        vm: &ManagedObjectReference,
        policy: &QuestionPolicy,
    ) -> Result<bool, Error> {
        let mut oc = self.object_properties(vm, &["runtime.question"]).await?;
        let Some(q) = oc.take_as::<VirtualMachineQuestionInfo>("runtime.question") else {
            return Ok(false);
        };
        if q.id.is_empty() && q.text.is_empty() {
            return Ok(false);
        }
        if policy.auto_answer {
            self.answer_default(vm, &q).await?;
            return Ok(true);
        }
        let (question, choices) = question_text(&q);
        Err(Error::Question(QuestionError {
            question,
            choices,
            task: BlockedTask::NotStarted,
        }))
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
        let mut objs = vec![(task, "Task", "info")];
        if let Some(vm) = vm {
            objs.push((vm, "VirtualMachine", "runtime.question"));
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
                        match ch.name.as_str() {
                            "info" => {
                                if let Some(v) = ch.val {
                                    if let Ok(i) = TaskInfo::from_value(v) {
                                        info = Some(i);
                                    }
                                }
                            }
                            "info.state" => {
                                if let (Some(i), Some(v)) = (info.as_mut(), ch.val) {
                                    if let Ok(s) = TaskInfoState::from_value(v) {
                                        i.state = s;
                                    }
                                }
                            }
                            "runtime.question" => {
                                question = ch
                                    .val
                                    .and_then(|v| VirtualMachineQuestionInfo::from_value(v).ok());
                            }
                            _ => {}
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
                if let Some(e) = i.entity.as_ref().filter(|e| e.type_ == "VirtualMachine") {
                    filters.push(
                        self.create_watch(&[(e, "VirtualMachine", "runtime.question")])
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
            if policy.auto_answer {
                self.answer_default(vm, q).await?;
                answered = Some(q.id.clone());
                continue;
            }
            let (text, choices) = question_text(q);
            let outcome = if i.cancelable && self.cancel_task(task).await.is_ok() {
                BlockedTask::Cancelled
            } else {
                BlockedTask::LeftBehind
            };
            return Err(Error::Question(QuestionError {
                question: text,
                choices,
                task: outcome,
            }));
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
    use crate::generated::{ChoiceOption, ElementDescription};

    #[test]
    fn default_answer_and_text() {
        let mut q = VirtualMachineQuestionInfo {
            id: "q1".into(),
            text: "Was the VM\nmoved or copied?".into(),
            ..Default::default()
        };
        q.choice = ChoiceOption {
            choice_info: ["cancel", "moved", "copied"]
                .iter()
                .enumerate()
                .map(|(i, l)| ElementDescription {
                    key: i.to_string(),
                    base: crate::generated::Description {
                        label: l.to_string(),
                        summary: String::new(),
                    },
                })
                .collect(),
            default_index: Some(2),
            ..Default::default()
        };
        assert_eq!(default_answer(&q).as_deref(), Some("2"));
        let (t, c) = question_text(&q);
        assert_eq!(t, "Was the VM moved or copied?");
        assert_eq!(c, vec!["cancel", "moved", "copied"]);
        let e = Error::Question(QuestionError {
            question: t,
            choices: c,
            task: BlockedTask::LeftBehind,
        });
        assert_eq!(
            e.to_string(),
            "a pending question blocks the virtual machine: 'Was the VM moved or copied?', possible answers: cancel, moved, copied; the blocked task cannot be cancelled and is left behind waiting for an answer"
        );
    }
}
