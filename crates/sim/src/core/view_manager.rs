//! `ViewManager`: the calling session's views (`viewList`) and `CreateContainerView`.

use crate::fault::Fault;
use crate::property_collector::PropertySource;
use crate::value::{MoRef, Value};

use super::{write, Core, Out, Reader, ServiceCall, ServiceMethod, ServiceType};

/// The `ViewManager` type.
pub(super) const TYPE: ServiceType = ServiceType {
    name: "ViewManager",
    exists: |r, obj| r.core.refs.get("viewManager") == Some(obj),
    properties: &["viewList"],
    property,
    methods: &[(
        "CreateContainerView",
        ServiceMethod::Now(create_container_view),
    )],
};

fn property(r: &Reader<'_>, _obj: &MoRef, path: &str) -> Result<Option<Value>, Fault> {
    let (head, rest) = path.split_once('.').unwrap_or((path, ""));
    let top = match head {
        "viewList" => Some(Value::morefs(
            r.views
                .of_session(r.session.map(|s| s.key.as_str()).unwrap_or("")),
        )),
        _ => return Err(Fault::invalid_property(path)),
    };
    Ok(top.and_then(|v| v.into_path(rest)))
}

/// `CreateContainerView` over an existing container.
fn create_container_view(core: &Core, call: &ServiceCall<'_>) -> Result<Out, Fault> {
    let args = call.args;
    let container = args.req_moref("container")?;
    let exists = core.with_reader(Some(call.session), |r| r.exists(&container));
    if !exists {
        return Err(Fault::not_found(&container));
    }
    let types = args.strings_of("type");
    let recursive = args.bool_of("recursive")?.unwrap_or(false);
    let v = write(&core.views).create(&call.session.key, container, types, recursive);
    core.bump();
    Ok(Out::Value(Some(Value::MoRef(v))))
}

#[cfg(test)]
mod tests {
    use super::super::testing::TestCore;

    #[test]
    fn container_views_of_a_session() {
        let mut c = TestCore::esx();
        c.login();
        let args = "<container type=\"Folder\">ha-folder-root</container><type>VirtualMachine</type><recursive>true</recursive>";
        let view = c
            .one("ViewManager", "ViewManager", "CreateContainerView", args)
            .text;
        let list = c
            .read("ViewManager", "ViewManager", "viewList")
            .unwrap()
            .unwrap();
        assert_eq!(list.children.len(), 1);
        assert_eq!(list.children[0].text, view);
        let nowhere = "<container type=\"Folder\">group-404</container><recursive>true</recursive>";
        assert_eq!(
            c.call("ViewManager", "ViewManager", "CreateContainerView", nowhere),
            Err("ManagedObjectNotFound".into())
        );
        assert_eq!(
            c.call("ViewManager", "ViewManager", "CreateContainerView", ""),
            Err("InvalidRequest".into())
        );
    }
}
