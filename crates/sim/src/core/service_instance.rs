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
        "content" => Some(r.core.refs.content(
            r.world.root_folder(),
            r.world.about(),
            r.world.lists_all_managers(),
        )),
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

#[cfg(test)]
mod tests {
    use super::super::testing::TestCore;

    #[test]
    fn content_without_a_session_the_rest_with_one() {
        let mut c = TestCore::esx();
        let content = c.one(
            "ServiceInstance",
            "ServiceInstance",
            "RetrieveServiceContent",
            "",
        );
        assert_eq!(content.text_of("rootFolder"), Some("ha-folder-root"));
        assert_eq!(
            content.child("about").and_then(|a| a.text_of("apiType")),
            Some("HostAgent")
        );
        assert_eq!(
            c.call("ServiceInstance", "ServiceInstance", "CurrentTime", ""),
            Err("NotAuthenticated".into())
        );
        c.login();
        let now = c.one("ServiceInstance", "ServiceInstance", "CurrentTime", "");
        assert!(
            esxvirt_util::datetime::xsd_datetime_to_unix(&now.text).is_ok(),
            "{now:?}"
        );
        let clock = c
            .read("ServiceInstance", "ServiceInstance", "serverClock")
            .unwrap();
        assert!(clock.is_some());
        assert_eq!(
            c.call(
                "ServiceInstance",
                "ServiceInstance",
                "QueryVMotionCompatibility",
                ""
            ),
            Err("MethodNotFound".into())
        );
        assert_eq!(
            c.call("ServiceInstance", "Other", "CurrentTime", ""),
            Err("ManagedObjectNotFound".into())
        );
    }

    #[test]
    fn validate_migration_reports_hosts_in_maintenance() {
        let mut c = TestCore::esx();
        c.login();
        let host = "<host type=\"HostSystem\">ha-host</host>";
        assert_eq!(
            c.call(
                "ServiceInstance",
                "ServiceInstance",
                "ValidateMigration",
                host
            ),
            Ok(vec![])
        );
        // web01 (id 1) runs; a host with running VMs cannot enter maintenance mode.
        c.call("VirtualMachine", "1", "PowerOffVM_Task", "")
            .unwrap();
        c.call(
            "HostSystem",
            "ha-host",
            "EnterMaintenanceMode_Task",
            "<timeout>0</timeout>",
        )
        .unwrap();
        let events = c.one(
            "ServiceInstance",
            "ServiceInstance",
            "ValidateMigration",
            host,
        );
        assert_eq!(events.xsi_type.as_deref(), Some("MigrationHostErrorEvent"));
        assert!(events
            .text_of("fullFormattedMessage")
            .unwrap()
            .contains("maintenance mode"));
        let nowhere = "<host type=\"HostSystem\">host-404</host>";
        assert_eq!(
            c.call(
                "ServiceInstance",
                "ServiceInstance",
                "ValidateMigration",
                nowhere
            ),
            Err("ManagedObjectNotFound".into())
        );
    }
}
