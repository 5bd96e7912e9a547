//! `DiagnosticManager`: the log files a server offers (`hostd` on a host, `vpxd` on a
//! vCenter) and reading lines of them.

use crate::fault::Fault;
use crate::inventory::{ServerKind, World};
use crate::object::CallCx;
use crate::value::Value;

use super::entry::{Call, Ids, ManagedType, Reply};

/// The `DiagnosticManager` type.
pub const TYPE: ManagedType = ManagedType {
    name: "DiagnosticManager",
    ids: Ids::Service("diagnosticManager"),
    properties: &[],
    property: |_, _, path| Err(Fault::invalid_property(path)),
    methods: &[
        ("QueryDescriptions", query_descriptions),
        ("BrowseDiagnosticLog", browse),
    ],
};

/// The log of a server: key, file name.
fn log(w: &World) -> (&'static str, &'static str) {
    match w.kind {
        ServerKind::Esx => ("hostd", "/var/log/hostd.log"),
        ServerKind::Vcenter => ("vpxd:vpxd.log", "/var/log/vmware/vpxd/vpxd.log"),
    }
}

fn query_descriptions(w: &mut World, _cx: &mut CallCx<'_>, _call: &Call<'_>) -> Reply {
    let (key, file) = log(w);
    Ok(Some(Value::array(
        "DiagnosticManagerLogDescriptor",
        vec![Value::obj("DiagnosticManagerLogDescriptor")
            .with("key", Value::str(key))
            .with("fileName", Value::str(file))
            .with("creator", Value::str(key))
            .with("format", Value::str("plain"))
            .with("mimeType", Value::str("text/plain"))
            .with("info", super::common::description(key, file))],
    )))
}

/// `BrowseDiagnosticLog`: the known log has the server's start line; other keys are
/// `CannotAccessFile`.
fn browse(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let key = call.args.req_text("key")?;
    let (known, file) = log(w);
    if key != known {
        return Err(
            Fault::new("CannotAccessFile", format!("Cannot access file {key}"))
                .with("file", Value::str(key)),
        );
    }
    let lines = vec![format!(
        "{} esxsim: serving {}",
        super::common::STABLE_TIMESTAMP,
        file
    )];
    Ok(Some(
        Value::obj("DiagnosticManagerLogHeader")
            .with("lineStart", Value::int(1))
            .with("lineEnd", Value::int(lines.len() as i32))
            .with("lineText", Value::strings(lines)),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, TestWorld};

    #[test]
    fn logs() {
        let mut t = TestWorld::esx();
        let d = t
            .call(
                "DiagnosticManager",
                "ha-diagnosticmgr",
                "QueryDescriptions",
                "",
            )
            .unwrap()
            .unwrap();
        assert_eq!(d.as_array().unwrap().len(), 1);
        let h = t
            .call(
                "DiagnosticManager",
                "ha-diagnosticmgr",
                "BrowseDiagnosticLog",
                "<key>hostd</key>",
            )
            .unwrap()
            .unwrap();
        assert!(h.path("lineText").is_some());
        assert_eq!(
            fault_type(t.call(
                "DiagnosticManager",
                "ha-diagnosticmgr",
                "BrowseDiagnosticLog",
                "<key>x</key>"
            )),
            "CannotAccessFile"
        );
    }
}
