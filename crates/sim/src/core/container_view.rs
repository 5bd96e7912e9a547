//! `ContainerView`: a view's properties (its contents computed live, see [`crate::view`])
//! and `DestroyView`.

use crate::fault::Fault;
use crate::value::{MoRef, Value};
use crate::view::ContainerView;

use super::{write, Core, Out, Reader, ServiceCall, ServiceMethod, ServiceType};

/// The `ContainerView` type.
pub(super) const TYPE: ServiceType = ServiceType {
    name: "ContainerView",
    exists: |r, obj| r.views.get(obj).is_some(),
    properties: ContainerView::PROPERTY_NAMES,
    property,
    methods: &[("DestroyView", ServiceMethod::Now(destroy_view))],
};

fn property(r: &Reader<'_>, obj: &MoRef, path: &str) -> Result<Option<Value>, Fault> {
    let v = r.views.get(obj).ok_or_else(|| Fault::not_found(obj))?;
    v.property(r, path)
}

/// `DestroyView`.
fn destroy_view(core: &Core, call: &ServiceCall<'_>) -> Result<Out, Fault> {
    write(&core.views).destroy(call.this)?;
    core.bump();
    Ok(Out::Value(None))
}

#[cfg(test)]
mod tests {
    use super::super::testing::TestCore;

    #[test]
    fn a_view_shows_its_types_until_destroyed() {
        let mut c = TestCore::esx();
        c.login();
        let args = "<container type=\"Folder\">ha-folder-root</container><type>HostSystem</type><recursive>true</recursive>";
        let view = c
            .one("ViewManager", "ViewManager", "CreateContainerView", args)
            .text;
        let seen = c.read("ContainerView", &view, "view").unwrap().unwrap();
        let names: Vec<&str> = seen.children.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(names, ["ha-host"]);
        let flat = "<container type=\"Folder\">ha-folder-root</container><type>HostSystem</type><recursive>false</recursive>";
        let shallow = c
            .one("ViewManager", "ViewManager", "CreateContainerView", flat)
            .text;
        let none = c.read("ContainerView", &shallow, "view").unwrap().unwrap();
        assert!(none.children.is_empty());
        assert_eq!(
            c.call("ContainerView", &view, "DestroyView", ""),
            Ok(vec![])
        );
        assert_eq!(
            c.read("ContainerView", &view, "view"),
            Err("ManagedObjectNotFound".into())
        );
        assert_eq!(
            c.call("ContainerView", &view, "DestroyView", ""),
            Err("ManagedObjectNotFound".into())
        );
    }
}
