//! `LicenseManager`: the evaluation license a fresh server runs on, and decoding keys.

use crate::fault::Fault;
use crate::inventory::{ServerKind, World};
use crate::object::CallCx;
use crate::value::Value;

use super::common::{split_path, walk};
use super::entry::{Call, Ids, ManagedType, Reply};

/// The `LicenseManager` type.
pub const TYPE: ManagedType = ManagedType {
    name: "LicenseManager",
    ids: Ids::Service("licenseManager"),
    properties: &[
        "licenses",
        "evaluation",
        "source",
        "sourceAvailable",
        "featureInfo",
    ],
    property,
    methods: &[
        ("DecodeLicense", decode),
        ("QueryLicenseUsage", |_, _, _| {
            Ok(Some(
                Value::obj("LicenseUsageInfo")
                    .with("source", Value::obj("EvaluationLicenseSource"))
                    .with("sourceAvailable", Value::bool(true)),
            ))
        }),
    ],
};

/// The evaluation key.
const EVAL_KEY: &str = "00000-00000-00000-00000-00000";

fn evaluation(w: &World) -> Value {
    let name = match w.kind {
        ServerKind::Esx => "Evaluation Mode",
        ServerKind::Vcenter => "Evaluation Mode",
    };
    Value::obj("LicenseManagerLicenseInfo")
        .with("licenseKey", Value::str(EVAL_KEY))
        .with("editionKey", Value::str("eval"))
        .with("name", Value::str(name))
        .with("total", Value::int(0))
        .with("used", Value::int(0))
        .with("costUnit", Value::str(""))
        .with(
            "properties",
            Value::array(
                "KeyAnyValue",
                vec![Value::obj("KeyAnyValue")
                    .with("key", Value::str("expirationHours"))
                    .with("value", Value::any(Value::int(1440)))],
            ),
        )
}

fn property(w: &World, _id: &str, path: &str) -> Reply {
    let (head, rest) = split_path(path);
    let top = match head {
        "licenses" => Some(Value::array(
            "LicenseManagerLicenseInfo",
            vec![evaluation(w)],
        )),
        "evaluation" => Some(
            Value::obj("LicenseManagerEvaluationInfo")
                .with("properties", Value::array("KeyAnyValue", Vec::new())),
        ),
        "source" => Some(Value::obj("EvaluationLicenseSource")),
        "sourceAvailable" => Some(Value::bool(true)),
        "featureInfo" => Some(Value::array("LicenseFeatureInfo", Vec::new())),
        _ => return Err(Fault::invalid_property(path)),
    };
    walk(top, rest)
}

/// `DecodeLicense`: the evaluation key decodes; any other is not a key this server knows.
fn decode(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let key = call.args.req_text("licenseKey")?;
    if key == EVAL_KEY {
        Ok(Some(evaluation(w)))
    } else {
        Err(
            Fault::new("InvalidLicense", "The license key is not valid.")
                .with("licenseContent", Value::str(key)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, TestWorld};
    use crate::value::Value;

    #[test]
    fn evaluation_license() {
        let mut t = TestWorld::vcenter();
        let l = t.get("LicenseManager", "LicenseManager", "licenses");
        assert_eq!(
            l.as_array().unwrap()[0].path("editionKey"),
            Some(&Value::str("eval"))
        );
        assert_eq!(
            fault_type(t.call(
                "LicenseManager",
                "LicenseManager",
                "DecodeLicense",
                "<licenseKey>AAAAA-BBBBB</licenseKey>"
            )),
            "InvalidLicense"
        );
    }
}
