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
