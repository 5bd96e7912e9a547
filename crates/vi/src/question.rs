//! The one policy for a question that blocks a virtual machine (libvirt's `auto_answer`),
//! shared by the check made before a task is started and the wait for a running task:
//! [`decide`] says what to do with a question, [`Client::handle_question`] does it.
//!
//! As libvirt's ESX driver: with `auto_answer` the question is answered with its default
//! answer (the choice at its `defaultIndex`); a question with no choices, or none marked as
//! the default, cannot be answered and is an error. Without `auto_answer` every question is
//! an error naming the question and its choices.

use crate::client::Client;
use crate::codec::ManagedObjectReference;
use crate::error::{BlockedTask, Error, QuestionError};
use crate::types::VirtualMachineQuestionInfo;

/// What to do about a question that blocks a VM (libvirt's `auto_answer` URI parameter).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QuestionPolicy {
    /// Answer with the question's default answer (else report the question as an error).
    pub auto_answer: bool,
}

/// The decision about one question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Answer it with this choice: its key (what AnswerVM takes) and its label.
    Answer { key: String, label: String },
    /// Leave it: the operation fails with this error (its task is [`BlockedTask::NotStarted`];
    /// whoever waits for a blocked task says what became of it).
    Refuse(QuestionError),
}

/// Decides about question `q` under `policy`.
pub fn decide(q: &VirtualMachineQuestionInfo, policy: &QuestionPolicy) -> Decision {
    let question = q.text.split_whitespace().collect::<Vec<_>>().join(" ");
    let infos = &q.choice.choice_info;
    let choices: Vec<String> = infos.iter().map(|c| c.base.label.clone()).collect();
    let default = q
        .choice
        .default_index
        .and_then(|i| usize::try_from(i).ok())
        .and_then(|i| infos.get(i));
    match default {
        Some(c) if policy.auto_answer => Decision::Answer {
            key: c.key.clone(),
            label: c.base.label.clone(),
        },
        _ => Decision::Refuse(QuestionError {
            question,
            no_default: policy.auto_answer && !choices.is_empty(),
            choices,
            task: BlockedTask::NotStarted,
        }),
    }
}

/// Whether `q` is a question at all (servers send an empty one for "no question").
pub fn is_pending(q: &VirtualMachineQuestionInfo) -> bool {
    !(q.id.is_empty() && q.text.is_empty())
}

impl Client {
    /// Handles question `q` of VM `vm` by [`decide`]: answers it (AnswerVM) or fails with
    /// [`Error::Question`].
    pub async fn handle_question(
        &self,
        vm: &ManagedObjectReference,
        q: &VirtualMachineQuestionInfo,
        policy: &QuestionPolicy,
    ) -> Result<(), Error> {
        match decide(q, policy) {
            Decision::Answer { key, label } => {
                tracing::info!(
                    vm = %vm,
                    question = %q.text,
                    answer = %label,
                    "answering a pending question with its default answer"
                );
                self.answer_vm(vm, &q.id, &key).await
            }
            Decision::Refuse(e) => Err(Error::Question(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{ChoiceOption, Description, ElementDescription};

    fn question(default_index: Option<i32>, labels: &[&str]) -> VirtualMachineQuestionInfo {
        VirtualMachineQuestionInfo {
            id: "q1".into(),
            text: "Was the VM\nmoved or copied?".into(),
            choice: ChoiceOption {
                choice_info: labels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| ElementDescription {
                        key: format!("k{i}"),
                        base: Description {
                            label: l.to_string(),
                            summary: String::new(),
                        },
                    })
                    .collect(),
                default_index,
                ..Default::default()
            },
            ..Default::default()
        }
    }

    const AUTO: QuestionPolicy = QuestionPolicy { auto_answer: true };
    const MANUAL: QuestionPolicy = QuestionPolicy { auto_answer: false };

    #[test]
    fn auto_answer_takes_the_default_choice() {
        let q = question(Some(2), &["cancel", "moved", "copied"]);
        assert_eq!(
            decide(&q, &AUTO),
            Decision::Answer {
                key: "k2".into(),
                label: "copied".into()
            }
        );
    }

    #[test]
    fn without_auto_answer_the_question_is_the_error() {
        let q = question(Some(2), &["cancel", "moved", "copied"]);
        let Decision::Refuse(e) = decide(&q, &MANUAL) else {
            panic!("refused")
        };
        assert_eq!(e.question, "Was the VM moved or copied?");
        assert_eq!(e.choices, ["cancel", "moved", "copied"]);
        assert!(!e.no_default);
        assert_eq!(e.task, BlockedTask::NotStarted);
    }

    #[test]
    fn no_default_or_no_choice_cannot_be_answered() {
        // No default index: libvirt does not guess the first choice.
        let Decision::Refuse(e) = decide(&question(None, &["a", "b"]), &AUTO) else {
            panic!("refused")
        };
        assert!(e.no_default);
        assert_eq!(e.choices, ["a", "b"]);
        // A default index past the choices.
        let Decision::Refuse(e) = decide(&question(Some(5), &["a"]), &AUTO) else {
            panic!("refused")
        };
        assert!(e.no_default);
        // No choices at all.
        let Decision::Refuse(e) = decide(&question(Some(0), &[]), &AUTO) else {
            panic!("refused")
        };
        assert!(!e.no_default && e.choices.is_empty());
        assert_eq!(
            Error::Question(e).to_string(),
            "a pending question blocks the virtual machine: 'Was the VM moved or copied?', no possible answers"
        );
    }

    #[test]
    fn empty_questions_are_not_pending() {
        assert!(!is_pending(&VirtualMachineQuestionInfo::default()));
        assert!(is_pending(&question(None, &[])));
    }
}
