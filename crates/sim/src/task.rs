//! Task objects: `TaskInfo` moving from queued through running to success or error, read by
//! the property collector (`info`, `info.state` ...) and cancelled by `CancelTask`.
//!
//! A method handler creates a task with [`Tasks::create`] (state `running`) and either
//! finishes it at once ([`Tasks::succeed`] / [`Tasks::fail`], or [`Tasks::run`] for both
//! steps) or leaves it running and finishes it from a later call — a power-on blocked by a
//! question stays running until `AnswerVM` completes it.
//!
//! With a task delay configured ([`Tasks::set_delay`]), a finished task still *reports*
//! `queued`, then `running` (progress 50), until the delay has passed, so clients see the
//! whole life cycle; the world change itself happens at once. The server wakes
//! `WaitForUpdatesEx` waiters when a delayed task's visible state changes.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::fault::Fault;
use crate::value::{now_datetime, MoRef, Value};

/// `TaskInfoState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskState {
    /// Waiting to run.
    Queued,
    /// Running.
    Running,
    /// Finished successfully.
    Success,
    /// Finished with an error.
    Error,
}

impl TaskState {
    /// The enum value as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Queued => "queued",
            TaskState::Running => "running",
            TaskState::Success => "success",
            TaskState::Error => "error",
        }
    }
}

/// What a new task is about.
#[derive(Clone, Debug, Default)]
pub struct TaskSpec {
    /// The object the task works on (a VM for `PowerOnVM_Task`).
    pub entity: Option<MoRef>,
    /// That object's name.
    pub entity_name: Option<String>,
    /// The method, e.g. `PowerOnVM_Task`.
    pub name: String,
    /// The description id, e.g. `VirtualMachine.powerOn`.
    pub description_id: String,
    /// Whether `CancelTask` may cancel it (power-on may not).
    pub cancelable: bool,
}

/// One task.
#[derive(Clone, Debug)]
pub struct TaskRecord {
    /// Its reference.
    pub moref: MoRef,
    /// What it is about.
    pub spec: TaskSpec,
    /// The true state (the visible one may lag; see the module doc).
    pub state: TaskState,
    /// Whether it was cancelled.
    pub cancelled: bool,
    /// The fault it failed with.
    pub error: Option<Fault>,
    /// Its result (e.g. the new VM of RegisterVM_Task).
    pub result: Option<Value>,
    /// Progress percentage while running.
    pub progress: Option<i32>,
    /// The user that started it.
    pub user: String,
    /// Event chain id (unique per task).
    pub event_chain_id: i32,
    queue_time: String,
    start_time: Option<String>,
    complete_time: Option<String>,
    created: Instant,
}

impl TaskRecord {
    /// The state clients see at `now` given `delay` (see the module doc).
    fn visible_state(&self, delay: Duration, now: Instant) -> TaskState {
        if delay.is_zero() || matches!(self.state, TaskState::Queued | TaskState::Running) {
            return self.state;
        }
        let age = now.saturating_duration_since(self.created);
        if age < delay / 3 {
            TaskState::Queued
        } else if age < delay {
            TaskState::Running
        } else {
            self.state
        }
    }
}

/// The task store.
#[derive(Debug, Default)]
pub struct Tasks {
    tasks: HashMap<String, TaskRecord>,
    order: Vec<String>,
    next: u64,
    id_prefix: String,
    delay: Duration,
}

/// Tasks kept at most; the oldest finished ones are forgotten beyond this.
const MAX_TASKS: usize = 10_000;

impl Tasks {
    /// An empty store; task ids look like `task-N` (`haTask-...-N` on ESX via `id_prefix`).
    pub fn new(id_prefix: &str) -> Tasks {
        Tasks {
            id_prefix: id_prefix.to_string(),
            next: 1,
            ..Tasks::default()
        }
    }

    /// Sets the visible-life-cycle delay (zero: tasks show their true state at once).
    pub fn set_delay(&mut self, delay: Duration) {
        self.delay = delay;
    }

    /// The configured delay.
    pub fn delay(&self) -> Duration {
        self.delay
    }

    /// Creates a running task owned by `user`.
    pub fn create(&mut self, spec: TaskSpec, user: &str) -> MoRef {
        let n = self.next;
        self.next += 1;
        let id = format!("{}{}", self.id_prefix, n);
        let moref = MoRef::new("Task", id.clone());
        let now = now_datetime();
        let rec = TaskRecord {
            moref: moref.clone(),
            spec,
            state: TaskState::Running,
            cancelled: false,
            error: None,
            result: None,
            progress: Some(0),
            user: user.to_string(),
            event_chain_id: (n % i32::MAX as u64) as i32,
            queue_time: now.clone(),
            start_time: Some(now),
            complete_time: None,
            created: Instant::now(),
        };
        self.tasks.insert(id.clone(), rec);
        self.order.push(id);
        self.prune();
        moref
    }

    /// Forgets the oldest finished tasks beyond [`MAX_TASKS`].
    fn prune(&mut self) {
        if self.order.len() <= MAX_TASKS {
            return;
        }
        let mut keep = Vec::with_capacity(self.order.len());
        let mut excess = self.order.len() - MAX_TASKS;
        for id in self.order.drain(..) {
            let done = self
                .tasks
                .get(&id)
                .is_some_and(|t| matches!(t.state, TaskState::Success | TaskState::Error));
            if excess > 0 && done {
                self.tasks.remove(&id);
                excess -= 1;
            } else {
                keep.push(id);
            }
        }
        self.order = keep;
    }

    /// Marks a task successful with an optional result. No effect on a finished task.
    pub fn succeed(&mut self, task: &MoRef, result: Option<Value>) {
        if let Some(t) = self.tasks.get_mut(&task.value) {
            if matches!(t.state, TaskState::Queued | TaskState::Running) {
                t.state = TaskState::Success;
                t.result = result;
                t.progress = None;
                t.complete_time = Some(now_datetime());
            }
        }
    }

    /// Marks a task failed with `fault`. No effect on a finished task.
    pub fn fail(&mut self, task: &MoRef, fault: Fault) {
        if let Some(t) = self.tasks.get_mut(&task.value) {
            if matches!(t.state, TaskState::Queued | TaskState::Running) {
                t.state = TaskState::Error;
                t.error = Some(fault);
                t.progress = None;
                t.complete_time = Some(now_datetime());
            }
        }
    }

    /// Sets a running task's progress percentage.
    pub fn set_progress(&mut self, task: &MoRef, percent: i32) {
        if let Some(t) = self.tasks.get_mut(&task.value) {
            t.progress = Some(percent.clamp(0, 100));
        }
    }

    /// Creates a task, runs `op` and finishes the task with its outcome; returns the task.
    pub fn run(
        &mut self,
        spec: TaskSpec,
        user: &str,
        op: impl FnOnce() -> Result<Option<Value>, Fault>,
    ) -> MoRef {
        let t = self.create(spec, user);
        match op() {
            Ok(v) => self.succeed(&t, v),
            Err(f) => self.fail(&t, f),
        }
        t
    }

    /// The record of `task`.
    pub fn get(&self, task: &MoRef) -> Option<&TaskRecord> {
        self.tasks.get(&task.value)
    }

    /// The running (unfinished) tasks whose entity is `entity`.
    pub fn running_for(&self, entity: &MoRef) -> Vec<MoRef> {
        self.order
            .iter()
            .filter_map(|id| self.tasks.get(id))
            .filter(|t| {
                matches!(t.state, TaskState::Queued | TaskState::Running)
                    && t.spec.entity.as_ref() == Some(entity)
            })
            .map(|t| t.moref.clone())
            .collect()
    }

    /// All task references, oldest first.
    pub fn all(&self) -> Vec<MoRef> {
        self.order
            .iter()
            .filter_map(|id| self.tasks.get(id))
            .map(|t| t.moref.clone())
            .collect()
    }

    /// `CancelTask`: a running cancelable task ends in error with `RequestCanceled`.
    pub fn cancel(&mut self, task: &MoRef) -> Result<(), Fault> {
        let t = self
            .tasks
            .get_mut(&task.value)
            .ok_or_else(|| Fault::not_found(task))?;
        if !matches!(t.state, TaskState::Queued | TaskState::Running) {
            return Err(Fault::invalid_state("The task has already completed."));
        }
        if !t.spec.cancelable {
            return Err(Fault::not_supported("The task cannot be cancelled."));
        }
        t.cancelled = true;
        t.state = TaskState::Error;
        t.error = Some(Fault::request_canceled());
        t.progress = None;
        t.complete_time = Some(now_datetime());
        Ok(())
    }

    /// Whether any finished task still shows a lagging state (the server polls while so).
    pub fn has_lagging(&self, now: Instant) -> bool {
        !self.delay.is_zero()
            && self.tasks.values().any(|t| {
                matches!(t.state, TaskState::Success | TaskState::Error)
                    && now.saturating_duration_since(t.created) < self.delay
            })
    }

    /// A `Task` property: `info` or any `info.x` path (the `ExtensibleManagedObject`
    /// properties are unset).
    pub fn property(&self, task: &MoRef, path: &str) -> Result<Option<Value>, Fault> {
        let t = self.get(task).ok_or_else(|| Fault::not_found(task))?;
        let (head, rest) = match path.split_once('.') {
            Some((h, r)) => (h, r),
            None => (path, ""),
        };
        match head {
            "info" => Ok(self.info_value(t).into_path(rest)),
            "value" | "availableField" => Ok(None),
            _ => Err(Fault::invalid_property(path)),
        }
    }

    /// The property names of a `Task`.
    pub const PROPERTY_NAMES: &'static [&'static str] = &["info"];

    /// The `TaskInfo` data object as clients see it now.
    pub fn info_value(&self, t: &TaskRecord) -> Value {
        let state = t.visible_state(self.delay, Instant::now());
        let done = matches!(state, TaskState::Success | TaskState::Error);
        let progress = match state {
            TaskState::Running if done || t.state != state => Some(50),
            TaskState::Running => t.progress,
            _ => None,
        };
        Value::obj("TaskInfo")
            .with("key", Value::str(t.moref.value.clone()))
            .with("task", Value::MoRef(t.moref.clone()))
            .with("name", Value::str(t.spec.name.clone()))
            .with("descriptionId", Value::str(t.spec.description_id.clone()))
            .with_opt("entity", t.spec.entity.clone().map(Value::MoRef))
            .with_opt("entityName", t.spec.entity_name.clone().map(Value::Str))
            .with("state", Value::enumv("TaskInfoState", state.as_str()))
            .with("cancelled", Value::Bool(t.cancelled))
            .with("cancelable", Value::Bool(t.spec.cancelable))
            .with_opt(
                "error",
                if state == TaskState::Error {
                    t.error.as_ref().map(Fault::to_localized)
                } else {
                    None
                },
            )
            .with_opt(
                "result",
                if state == TaskState::Success {
                    t.result.clone().map(Value::any)
                } else {
                    None
                },
            )
            .with_opt("progress", progress.map(Value::Int))
            .with(
                "reason",
                Value::obj("TaskReasonUser").with("userName", Value::str(t.user.clone())),
            )
            .with("queueTime", Value::DateTime(t.queue_time.clone()))
            .with_opt(
                "startTime",
                if state == TaskState::Queued {
                    None
                } else {
                    t.start_time.clone().map(Value::DateTime)
                },
            )
            .with_opt(
                "completeTime",
                if done {
                    t.complete_time.clone().map(Value::DateTime)
                } else {
                    None
                },
            )
            .with("eventChainId", Value::Int(t.event_chain_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(cancelable: bool) -> TaskSpec {
        TaskSpec {
            entity: Some(MoRef::new("VirtualMachine", "1")),
            entity_name: Some("vm".into()),
            name: "PowerOnVM_Task".into(),
            description_id: "VirtualMachine.powerOn".into(),
            cancelable,
        }
    }

    #[test]
    fn life_cycle() {
        let mut tasks = Tasks::new("task-");
        let t = tasks.create(spec(false), "root");
        assert_eq!(
            tasks.property(&t, "info.state").unwrap(),
            Some(Value::enumv("TaskInfoState", "running"))
        );
        assert_eq!(
            tasks.running_for(&MoRef::new("VirtualMachine", "1")),
            vec![t.clone()]
        );
        assert_eq!(tasks.cancel(&t).unwrap_err().ty, "NotSupported");
        tasks.succeed(&t, Some(Value::moref("VirtualMachine", "2")));
        assert_eq!(
            tasks.property(&t, "info.state").unwrap(),
            Some(Value::enumv("TaskInfoState", "success"))
        );
        assert_eq!(
            tasks.property(&t, "info.result").unwrap(),
            Some(Value::any(Value::moref("VirtualMachine", "2")))
        );
        let c = tasks.create(spec(true), "root");
        tasks.cancel(&c).unwrap();
        let err = tasks.property(&c, "info.error.fault").unwrap().unwrap();
        assert_eq!(err.as_obj().unwrap().ty, "RequestCanceled");
        let f = tasks.run(spec(true), "root", || Err(Fault::invalid_state("x")));
        assert_eq!(tasks.get(&f).unwrap().state, TaskState::Error);
    }

    #[test]
    fn delayed_visibility() {
        let mut tasks = Tasks::new("task-");
        tasks.set_delay(Duration::from_secs(3600));
        let t = tasks.run(spec(true), "root", || Ok(None));
        assert_eq!(
            tasks.property(&t, "info.state").unwrap(),
            Some(Value::enumv("TaskInfoState", "queued"))
        );
        assert!(tasks.has_lagging(Instant::now()));
    }
}
