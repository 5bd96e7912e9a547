//! `TaskManager`: the recent tasks (the last 200) and the collector limit; no methods.

use crate::fault::Fault;
use crate::value::{MoRef, Value};

use super::{Reader, ServiceType};

/// The `TaskManager` type.
pub(super) const TYPE: ServiceType = ServiceType {
    name: "TaskManager",
    exists: |r, obj| r.core.refs.get("taskManager") == Some(obj),
    properties: &["description", "maxCollector", "recentTask"],
    property,
    methods: &[],
};

fn property(r: &Reader<'_>, _obj: &MoRef, path: &str) -> Result<Option<Value>, Fault> {
    let (head, rest) = path.split_once('.').unwrap_or((path, ""));
    let top = match head {
        "recentTask" => {
            let all = r.tasks.all();
            let skip = all.len().saturating_sub(200);
            Some(Value::morefs(all.into_iter().skip(skip)))
        }
        "maxCollector" => Some(Value::Int(100)),
        "description" => None,
        _ => return Err(Fault::invalid_property(path)),
    };
    Ok(top.and_then(|v| v.into_path(rest)))
}

#[cfg(test)]
mod tests {
    use super::super::testing::TestCore;

    #[test]
    fn recent_tasks() {
        let mut c = TestCore::esx();
        c.login();
        let none = c
            .read("TaskManager", "ha-taskmgr", "recentTask")
            .unwrap()
            .unwrap();
        assert!(none.children.is_empty());
        let task = c.one("VirtualMachine", "5", "PowerOnVM_Task", "").text;
        let recent = c
            .read("TaskManager", "ha-taskmgr", "recentTask")
            .unwrap()
            .unwrap();
        assert_eq!(
            recent.children.last().map(|t| t.text.as_str()),
            Some(task.as_str())
        );
        assert_eq!(
            c.read("TaskManager", "ha-taskmgr", "maxCollector")
                .unwrap()
                .map(|v| v.text),
            Some("100".into())
        );
        assert_eq!(
            c.call("TaskManager", "ha-taskmgr", "CreateTask", ""),
            Err("MethodNotFound".into())
        );
    }
}
