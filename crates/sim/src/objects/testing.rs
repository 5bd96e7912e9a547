//! Support for the unit tests beside each managed object type: the default ESX host or
//! vCenter in a temporary directory of its own (removed when dropped), property reads and
//! method calls through the world's `Inventory` implementation (so through the
//! registration table), and the outcome of the tasks methods start.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::fault::Fault;
use crate::inventory::World;
use crate::object::{CallCx, Inventory, Mode, Reply};
use crate::soap::Element;
use crate::task::{TaskState, Tasks};
use crate::value::{MoRef, Value};

/// A world for one test.
pub struct TestWorld {
    /// The world.
    pub w: World,
    /// The tasks its methods started.
    pub tasks: Tasks,
    dir: PathBuf,
}

impl TestWorld {
    fn new(make: fn(&std::path::Path) -> crate::inventory::InvResult<World>) -> TestWorld {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "esxsim-unit-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let w = make(&dir).expect("default world");
        TestWorld {
            w,
            tasks: Tasks::new("task-"),
            dir,
        }
    }

    /// The default standalone ESX host.
    pub fn esx() -> TestWorld {
        TestWorld::new(World::default_esx)
    }

    /// The default vCenter.
    pub fn vcenter() -> TestWorld {
        TestWorld::new(World::default_vcenter)
    }

    /// Property `path` of object `id` of type `ty`.
    pub fn read(&self, ty: &str, id: &str, path: &str) -> Reply {
        self.w.property(&MoRef::new(ty.to_string(), id), path)
    }

    /// Property `path`, which must be set.
    pub fn get(&self, ty: &str, id: &str, path: &str) -> Value {
        self.read(ty, id, path)
            .unwrap_or_else(|f| panic!("{ty}:{id} {path}: {f:?}"))
            .unwrap_or_else(|| panic!("{ty}:{id} {path} is unset"))
    }

    /// Asserts that each property `path` of object `id` of type `ty` is set to its value.
    pub fn assert_props(&self, ty: &str, id: &str, expected: &[(&str, Value)]) {
        for (path, want) in expected {
            assert_eq!(&self.get(ty, id, path), want, "{ty}:{id} {path}");
        }
    }

    /// Calls `method` on `ty:id` with `args` (the parameters' XML).
    pub fn call(&mut self, ty: &str, id: &str, method: &str, args: &str) -> Reply {
        let args = Element::parse(
            format!(
                "<{method} xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">{args}</{method}>"
            )
            .as_bytes(),
        )
        .expect("arguments parse");
        let mode = match self.w.kind {
            crate::inventory::ServerKind::Esx => Mode::Esx,
            crate::inventory::ServerKind::Vcenter => Mode::VCenter,
        };
        let mut cx = CallCx {
            tasks: &mut self.tasks,
            user: "root",
            mode,
        };
        self.w
            .invoke(&mut cx, &MoRef::new(ty.to_string(), id), method, &args)
    }

    /// Calls a `*_Task` method and gives the task's outcome: its result, or the fault it
    /// failed with (a fault raised before any task was made comes back as it is).
    pub fn run(&mut self, ty: &str, id: &str, method: &str, args: &str) -> Reply {
        let task = match self.call(ty, id, method, args)? {
            Some(Value::MoRef(t)) if t.ty == "Task" => t,
            other => panic!("{method} returned {other:?}, not a task"),
        };
        let t = self.tasks.get(&task).expect("task exists");
        match t.state {
            TaskState::Success => Ok(t.result.clone()),
            TaskState::Error => Err(t.error.clone().expect("a failed task has a fault")),
            other => panic!("{method}: task still {other:?}"),
        }
    }

    /// The result of a `*_Task` method that must succeed with one.
    pub fn run_value(&mut self, ty: &str, id: &str, method: &str, args: &str) -> Value {
        self.run(ty, id, method, args)
            .unwrap_or_else(|f| panic!("{ty}:{id} {method}: {f:?}"))
            .unwrap_or_else(|| panic!("{ty}:{id} {method} returned nothing"))
    }

    /// Asserts that each read of `(id, path)` of a `ty` fails with its fault type.
    pub fn assert_read_faults(&self, ty: &str, cases: &[(&str, &str, &str)]) {
        for (id, path, fault) in cases {
            assert_eq!(
                fault_type(self.read(ty, id, path)),
                *fault,
                "{ty}:{id} {path}"
            );
        }
    }

    /// The state of task `task` (a method's result).
    pub fn task_state(&self, task: &Value) -> TaskState {
        let Value::MoRef(t) = task else {
            panic!("{task:?} is not a task")
        };
        self.tasks.get(t).expect("task exists").state
    }

    /// The id of the first cluster.
    pub fn cluster(&self) -> String {
        self.w
            .computes
            .values()
            .find(|c| c.is_cluster)
            .expect("a cluster exists")
            .moid
            .clone()
    }

    /// The id of the VM called `name`.
    pub fn vm(&self, name: &str) -> String {
        self.w.vm_by_name(name).expect("VM exists").moid.clone()
    }

    /// The id of the datastore called `name`.
    pub fn datastore(&self, name: &str) -> String {
        self.w
            .datastore_by_name(name)
            .expect("datastore exists")
            .moid
            .clone()
    }

    /// The id of the host called `name`.
    pub fn host(&self, name: &str) -> String {
        self.w
            .hosts
            .values()
            .find(|h| h.name == name)
            .expect("host exists")
            .moid
            .clone()
    }
}

impl Drop for TestWorld {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The fault type of a result that must be a fault.
pub fn fault_type<T: std::fmt::Debug>(r: Result<T, Fault>) -> String {
    match r {
        Ok(v) => panic!("expected a fault, got {v:?}"),
        Err(f) => f.ty.to_string(),
    }
}

/// The references in an array value, as `type:id`.
pub fn refs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("{v:?} is not an array"))
        .iter()
        .map(|x| {
            let m = x.as_moref().expect("a reference");
            format!("{}:{}", m.ty, m.value)
        })
        .collect()
}

/// A string value's text.
pub fn text(v: &Value) -> &str {
    v.as_str()
        .unwrap_or_else(|| panic!("{v:?} is not a string"))
}
