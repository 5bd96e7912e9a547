//! `ServiceInstance`: the service content every client starts from (also answered without
//! a session), the server clock and capabilities, `CurrentTime` and `ValidateMigration`.

use crate::fault::Fault;
use crate::property_collector::PropertySource;
use crate::value::{now_datetime, MoRef, Value};

use super::{Core, Out, Reader, ServiceCall, ServiceMethod, ServiceType};

/// The `ServiceInstance` type.
pub(super) const TYPE: ServiceType = ServiceType {
    name: "ServiceInstance",
    exists: |_, obj| obj.value == "ServiceInstance",
    properties: &["capability", "content", "serverClock"],
    property,
    methods: &[
        (
            "CurrentTime",
            ServiceMethod::Now(|_, _| Ok(Out::Value(Some(Value::DateTime(now_datetime()))))),
        ),
        // No events = the migration is valid; MigrateVM_Task itself checks the rest.
        ("ValidateMigration", ServiceMethod::Now(validate_migration)),
    ],
};

fn property(r: &Reader<'_>, _obj: &MoRef, path: &str) -> Result<Option<Value>, Fault> {
    let (head, rest) = path.split_once('.').unwrap_or((path, ""));
    let top = match head {
        "content" => Some(r.core.refs.content(r.world.root_folder(), r.world.about())),
        "serverClock" => Some(Value::DateTime(now_datetime())),
        "capability" => Some(r.core.refs.capability()),
        _ => return Err(Fault::invalid_property(path)),
    };
    Ok(top.and_then(|v| v.into_path(rest)))
}

/// `RetrieveServiceContent`, the one call that needs no session.
pub(super) fn retrieve_service_content(core: &Core) -> Result<Out, Fault> {
    let si = MoRef::new("ServiceInstance", "ServiceInstance");
    let content = core.with_reader(None, |r| r.property(&si, "content"))?;
    Ok(Out::Value(content))
}

/// `ServiceInstance.ValidateMigration`: a destination host in maintenance mode or not
/// connected is reported as a `MigrationHostErrorEvent` (as a vCenter reports problems:
/// events, not a fault); anything else validates.
fn validate_migration(core: &Core, call: &ServiceCall<'_>) -> Result<Out, Fault> {
    let Some(host) = call.args.moref_of("host")? else {
        return Ok(Out::Value(None));
    };
    let problem = core.with_reader(Some(call.session), |r| -> Result<Option<String>, Fault> {
        if !r.exists(&host) {
            return Err(Fault::not_found(&host));
        }
        let name = match r.property(&host, "name")? {
            Some(Value::Str(n)) => n,
            _ => host.value.clone(),
        };
        if let Some(Value::Bool(true)) = r.property(&host, "runtime.inMaintenanceMode")? {
            return Ok(Some(format!("The host '{name}' is in maintenance mode")));
        }
        match r.property(&host, "runtime.connectionState")? {
            Some(Value::Enum { value, .. }) if value != "connected" => Ok(Some(format!(
                "The host '{name}' is not connected ({value})"
            ))),
            _ => Ok(None),
        }
    })?;
    Ok(Out::Value(problem.map(|message| {
        let event = Value::obj("MigrationHostErrorEvent")
            .with("key", Value::Int(1))
            .with("chainId", Value::Int(1))
            .with("createdTime", Value::DateTime(now_datetime()))
            .with("userName", Value::str(call.session.user.clone()))
            .with("fullFormattedMessage", Value::str(message));
        Value::array("Event", vec![event])
    })))
}
