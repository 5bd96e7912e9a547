//! Changes: the one path every request that may change the server takes
//! ([`Engine::change`]), so that a change whose answer is lost is never left to a guess.
//!
//! An operation describes its change ([`Change`]: what it does in the user's words, how
//! to look at the result, how to check whether it happened, how to undo a half-made one)
//! and sends its calls through a [`Progress`], which records whether anything that may
//! change the server was sent, refused or settled (a task's final state known). When the
//! operation fails:
//! - nothing was sent (or the server refused the first call): the plain error; after an
//!   expired session the session is renewed and the operation runs again (nothing happened);
//! - the server's answer is definitive (a refused call after an earlier one acted, a failed
//!   task): the change is checked and, when it did not happen, what the operation left
//!   half-way is undone (never before the check); then the plain error;
//! - an answer was lost (reset, truncation, timeout, HTTP 5xx) or the wait for a started
//!   task broke: the server is asked — the task's own record when its start was answered,
//!   else the change's check. Done: success, with a warning that the answer was lost. Not
//!   done, or no telling: an error saying the outcome is unknown, what was seen, and how to
//!   look. Nothing is undone then: the server may still be acting.
//!
//! A call that starts a task goes out once: the operation is run again only while
//! nothing was sent, and a call is sent again only when the server refused it for an
//! expired session (which means it did nothing).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;

use esxvirt_vi::{Client, Delivery, ManagedObjectReference};

use super::task_record::{read_outcome, TaskOutcome};
use super::Engine;
use crate::error::{is_not_authenticated, vi_err, Error, ErrorCode, Result};

/// What a check of the server found about a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Landed {
    /// It happened.
    Yes,
    /// It has not happened (yet).
    No,
    /// The server's state cannot tell (e.g. a guest asked to reboot).
    Unknown,
}

type Check<'a> = Box<dyn Fn() -> Result<Landed> + 'a>;
type Undo<'a> = Box<dyn Fn() -> Result<()> + 'a>;
type TaskFailure<'a> = Box<dyn Fn(&TaskOutcome) -> Error + 'a>;

/// A change an operation makes, described for what follows a failure.
pub(crate) struct Change<'a> {
    /// What it does, in the user's words: "defining domain 'web'".
    what: String,
    /// How the user looks at the result: "dominfo 'web'".
    look: String,
    check: Option<Check<'a>>,
    undo: Option<Undo<'a>>,
    task_failure: Option<TaskFailure<'a>>,
    repeatable: bool,
}

impl<'a> Change<'a> {
    /// A change described as `what`, whose result the user sees with the command `look`.
    pub fn new(what: impl Into<String>, look: impl Into<String>) -> Change<'a> {
        Change {
            what: what.into(),
            look: look.into(),
            check: None,
            undo: None,
            task_failure: None,
            repeatable: false,
        }
    }

    /// How to tell whether it happened (read afresh from the server). Without one, a lost
    /// answer leaves the outcome unknown.
    pub fn check(mut self, f: impl Fn() -> Result<Landed> + 'a) -> Change<'a> {
        self.check = Some(Box::new(f));
        self
    }

    /// How to undo what a failed operation did half-way (run only after the server's
    /// definitive answer, and only when the check says the change did not happen).
    pub fn undo(mut self, f: impl Fn() -> Result<()> + 'a) -> Change<'a> {
        self.undo = Some(Box::new(f));
        self
    }

    /// The error for a task that failed, when its record is read after its wait broke.
    pub fn task_failure(mut self, f: impl Fn(&TaskOutcome) -> Error + 'a) -> Change<'a> {
        self.task_failure = Some(Box::new(f));
        self
    }

    /// Doing it again is harmless (a refresh, a rescan): said instead of "look first".
    pub fn repeatable(mut self) -> Change<'a> {
        self.repeatable = true;
        self
    }

    fn landed(&self) -> Result<Landed> {
        match &self.check {
            Some(f) => f(),
            None => Ok(Landed::Unknown),
        }
    }

    fn advice(&self) -> String {
        if self.repeatable {
            "doing it again is harmless".to_string()
        } else {
            format!("check with '{}' before trying again", self.look)
        }
    }
}

/// What an operation has sent of its change so far (see the module doc). Clones share it.
#[derive(Clone, Default)]
pub(crate) struct Progress {
    state: Rc<ProgressState>,
}

#[derive(Default)]
struct ProgressState {
    /// A call that may change the server went out (answered, or its answer lost).
    sent: Cell<bool>,
    /// The server refused a call of the change (a fault): its answer is definitive.
    refused: Cell<bool>,
    /// The change's final state is known (its task finished).
    settled: Cell<bool>,
    /// The task the change started, once its start was answered.
    task: RefCell<Option<ManagedObjectReference>>,
}

impl Progress {
    /// Sends one call of the change (`call` makes it). One refused because the session
    /// expired did nothing: it is sent once more after the session is renewed.
    pub async fn send<T, F, Fut>(&self, c: &Client, call: F) -> Result<T>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = std::result::Result<T, esxvirt_vi::Error>>,
    {
        let mut renewed = false;
        loop {
            let e = match call().await {
                Ok(v) => {
                    self.state.sent.set(true);
                    return Ok(v);
                }
                Err(e) => e,
            };
            match e.delivery() {
                Delivery::Lost => self.state.sent.set(true),
                Delivery::Refused if e.is_not_authenticated() && !renewed => {
                    if c.renew_session().await.map_err(vi_err)? {
                        renewed = true;
                        continue;
                    }
                    self.state.refused.set(true);
                }
                Delivery::Refused => self.state.refused.set(true),
                Delivery::NotSent => {}
            }
            return Err(vi_err(e));
        }
    }

    /// Records a task the change started (its start was answered).
    pub fn started(&self, task: &ManagedObjectReference) {
        *self.state.task.borrow_mut() = Some(task.clone());
    }

    /// Records that the change's final state is known (its task finished).
    pub fn settle(&self) {
        self.state.settled.set(true);
    }

    /// Records that a change went out by other means than [`Progress::send`] (a streamed
    /// upload, whose first bytes may already be written).
    pub fn mark_sent(&self) {
        self.state.sent.set(true);
    }

    /// Records that the server refused the change (e.g. an upload's answer was an error
    /// status): what it did, if anything, is final.
    pub fn mark_refused(&self) {
        self.state.refused.set(true);
    }

    fn task(&self) -> Option<ManagedObjectReference> {
        self.state.task.borrow().clone()
    }
}

/// The detail of an error without libvirt's generic prefixes (it goes inside a sentence).
fn detail(e: &Error) -> String {
    match e.code() {
        ErrorCode::OperationFailed | ErrorCode::InternalError => e.message().to_string(),
        _ => e.to_string(),
    }
}

/// The error for a change whose outcome the server could not be made to tell.
pub(crate) fn outcome_unknown(change: &Change<'_>, cause: &Error, seen: &str) -> Error {
    Error::new(
        ErrorCode::OperationFailed,
        format!(
            "the outcome of {} is unknown: {}; {seen}; {}",
            change.what,
            detail(cause),
            change.advice()
        ),
    )
}

impl Engine {
    /// Runs operation `op`, which makes `change` through the [`Progress`] it is given (see
    /// the module doc for what follows a failure). `T::default()` is the result when the
    /// operation's answer was lost but the server shows the change made.
    pub fn change<T, F, Fut>(&self, change: &Change<'_>, op: F) -> Result<T>
    where
        T: Default,
        F: Fn(Client, Progress) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        self.ensure_content()?;
        let mut renewed = false;
        loop {
            let progress = Progress::default();
            let e = match self.rt.block_on(op(self.client.clone(), progress.clone())) {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            if !progress.state.sent.get() {
                // Nothing that changes anything went out: after an expired session the
                // whole operation may run again.
                if is_not_authenticated(&e) && !renewed && self.renew_session()? {
                    renewed = true;
                    continue;
                }
                return Err(e);
            }
            return self.after_failure(change, &progress, e);
        }
    }

    /// What follows an operation that failed after it sent (part of) its change.
    fn after_failure<T: Default>(
        &self,
        change: &Change<'_>,
        progress: &Progress,
        cause: Error,
    ) -> Result<T> {
        if progress.state.settled.get() || progress.state.refused.get() {
            // The server's answer is final; undo a half-made change, once it is checked.
            if let Some(undo) = &change.undo {
                match change.landed() {
                    Ok(Landed::No) => {
                        if let Err(e) = undo() {
                            self.warn(&format!(
                                "could not clean up after {}: {}",
                                change.what,
                                detail(&e)
                            ));
                        }
                    }
                    Ok(_) => {}
                    Err(e) => self.warn(&format!(
                        "nothing cleaned up after {}: the server could not be checked: {}",
                        change.what,
                        detail(&e)
                    )),
                }
            }
            return Err(cause);
        }
        // The answer was lost. The task's own record says best what became of it.
        if let Some(task) = progress.task() {
            let outcome = self.rt.block_on(async {
                let c = self.client.clone();
                read_outcome(&c, &task).await
            });
            match outcome {
                Ok(Some(out)) if out.success => return Ok(self.reconciled(change, &cause)),
                Ok(Some(out)) => {
                    return Err(match &change.task_failure {
                        Some(f) => f(&out),
                        None => Error::internal(out.libvirt_error()),
                    })
                }
                Ok(None) => {
                    // Still running (or forgotten): what the change's check sees decides.
                    if let Ok(Landed::Yes) = change.landed() {
                        return Ok(self.reconciled(change, &cause));
                    }
                    return Err(outcome_unknown(
                        change,
                        &cause,
                        &format!("its task {} has not finished", task.value),
                    ));
                }
                Err(_) => {}
            }
        }
        match change.landed() {
            Ok(Landed::Yes) => Ok(self.reconciled(change, &cause)),
            Ok(Landed::No) => Err(outcome_unknown(
                change,
                &cause,
                "it had not happened when checked right after, but the server may still make it",
            )),
            Ok(Landed::Unknown) => Err(outcome_unknown(
                change,
                &cause,
                "the server's state cannot show whether it happened",
            )),
            Err(e) => Err(outcome_unknown(
                change,
                &cause,
                &format!("checking failed too: {}", detail(&e)),
            )),
        }
    }

    /// A change the server shows made although its answer was lost: a warning, and the
    /// operation succeeds.
    fn reconciled<T: Default>(&self, change: &Change<'_>, cause: &Error) -> T {
        self.warn(&format!(
            "the server shows {} done, though its answer was lost: {}",
            change.what,
            detail(cause)
        ));
        T::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_outcomes_say_what_was_seen_and_how_to_look() {
        let cause = Error::new(
            ErrorCode::OperationFailed,
            "connection to h:1 failed during the request: reset",
        );
        let c = Change::new(
            "creating snapshot 's1' of domain 'db01'",
            "snapshot-list db01",
        );
        let e = outcome_unknown(&c, &cause, "it had not happened when checked");
        assert_eq!(e.code(), ErrorCode::OperationFailed);
        assert_eq!(
            e.to_string(),
            "operation failed: the outcome of creating snapshot 's1' of domain 'db01' is unknown: \
             connection to h:1 failed during the request: reset; it had not happened when \
             checked; check with 'snapshot-list db01' before trying again"
        );
        let c = Change::new("refreshing pool 'ds'", "pool-info ds").repeatable();
        assert!(outcome_unknown(&c, &cause, "x")
            .to_string()
            .ends_with("; x; doing it again is harmless"));
    }

    #[test]
    fn a_change_without_a_check_cannot_be_told() {
        let c = Change::new("rebooting domain 'a'", "domstate a");
        assert_eq!(c.landed().unwrap(), Landed::Unknown);
        let c = Change::new("x", "y").check(|| Ok(Landed::Yes));
        assert_eq!(c.landed().unwrap(), Landed::Yes);
    }

    #[test]
    fn progress_records_what_went_out() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let client = Client::for_well_known(
            esxvirt_vi::ClientConfig::new("http://127.0.0.1:9/sdk"),
            esxvirt_vi::WellKnown::HostAgent,
        )
        .unwrap();
        // Refused outright: definitive, nothing marked sent.
        let p = Progress::default();
        let r: Result<()> = rt.block_on(p.send(&client, || async {
            Err(esxvirt_vi::Error::Fault(esxvirt_vi::Fault::new(
                "InvalidState",
                None,
                "busy",
            )))
        }));
        assert!(r.is_err());
        assert!(!p.state.sent.get() && p.state.refused.get());
        // Lost: sent, not refused.
        let p = Progress::default();
        let r: Result<()> = rt.block_on(p.send(&client, || async {
            Err(esxvirt_vi::Error::Connection {
                addr: "h:1".into(),
                reason: "reset".into(),
            })
        }));
        assert!(r.is_err());
        assert!(p.state.sent.get() && !p.state.refused.get());
        // Never sent.
        let p = Progress::default();
        let r: Result<()> = rt.block_on(p.send(&client, || async {
            Err(esxvirt_vi::Error::ConnectionRefused { addr: "h:1".into() })
        }));
        assert!(r.is_err());
        assert!(!p.state.sent.get() && !p.state.refused.get());
        // Refused for an expired session without credentials to renew it.
        let p = Progress::default();
        let r: Result<()> = rt.block_on(p.send(&client, || async {
            Err(esxvirt_vi::Error::Fault(
                esxvirt_vi::Fault::NotAuthenticated {
                    message: String::new(),
                },
            ))
        }));
        assert!(r.is_err());
        assert!(!p.state.sent.get() && p.state.refused.get());
    }
}
