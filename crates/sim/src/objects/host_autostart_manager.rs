//! `HostAutoStartManager`: which VMs a host starts and stops with itself, in what order
//! and with what delays (`config`), changed by `ReconfigureAutostart`.

use crate::fault::Fault;
use crate::inventory::{AutoStartPowerInfo, Host, World};
use crate::object::CallCx;
use crate::value::Value;

use super::common::{split_path, walk};
use super::entry::{Call, Ids, ManagedType, Reply};

/// The `HostAutoStartManager` type.
pub const TYPE: ManagedType = ManagedType {
    name: "HostAutoStartManager",
    ids: Ids::PerHost {
        esx: "ha-autostart-mgr",
        vcenter_prefix: "autoStartManager-",
    },
    properties: &["config"],
    property,
    methods: &[
        ("ReconfigureAutostart", reconfigure_autostart),
        ("AutoStartPowerOn", |_, _, _| Ok(None)),
        ("AutoStartPowerOff", |_, _, _| Ok(None)),
    ],
};

fn property(w: &World, id: &str, path: &str) -> Reply {
    let h = TYPE.host(w, id)?;
    let (head, rest) = split_path(path);
    let top = match head {
        "config" => Some(autostart_value(h)),
        _ => return Err(Fault::invalid_property(path)),
    };
    walk(top, rest)
}

pub fn autostart_value(h: &Host) -> Value {
    let a = &h.autostart;
    Value::obj("HostAutoStartManagerConfig")
        .with(
            "defaults",
            Value::obj("AutoStartDefaults")
                .with("enabled", Value::bool(a.enabled))
                .with("startDelay", Value::int(a.start_delay))
                .with("stopDelay", Value::int(a.stop_delay))
                .with("waitForHeartbeat", Value::bool(a.wait_for_heartbeat))
                .with("stopAction", Value::str(&a.stop_action)),
        )
        .with(
            "powerInfo",
            Value::array(
                "AutoStartPowerInfo",
                a.power_info
                    .iter()
                    .map(|p| {
                        Value::obj("AutoStartPowerInfo")
                            .with("key", Value::moref("VirtualMachine", p.vm.clone()))
                            .with("startOrder", Value::int(p.start_order))
                            .with("startDelay", Value::int(p.start_delay))
                            .with(
                                "waitForHeartbeat",
                                Value::enumv(
                                    "AutoStartWaitHeartbeatSetting",
                                    p.wait_for_heartbeat.clone(),
                                ),
                            )
                            .with("startAction", Value::str(&p.start_action))
                            .with("stopDelay", Value::int(p.stop_delay))
                            .with("stopAction", Value::str(&p.stop_action))
                    })
                    .collect(),
            ),
        )
}

/// `ReconfigureAutostart`: new defaults and per-VM entries (an entry with no start action
/// and no order removes the VM's).
fn reconfigure_autostart(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let host = TYPE.host_id(w, &this.value)?;
    let spec = args.req_child("spec")?.clone();
    let mut infos = Vec::new();
    for p in spec.children_named("powerInfo") {
        let vm = p.req_moref("key")?;
        if w.vms.get(&vm.value).is_none_or(|v| v.host != host) {
            return Err(Fault::not_found(&vm));
        }
        infos.push(AutoStartPowerInfo {
            vm: vm.value,
            start_order: p.i32_of("startOrder")?.unwrap_or(-1),
            start_delay: p.i32_of("startDelay")?.unwrap_or(-1),
            wait_for_heartbeat: p
                .text_of("waitForHeartbeat")
                .unwrap_or("systemDefault")
                .to_string(),
            start_action: p.text_of("startAction").unwrap_or("none").to_string(),
            stop_delay: p.i32_of("stopDelay")?.unwrap_or(-1),
            stop_action: p
                .text_of("stopAction")
                .unwrap_or("systemDefault")
                .to_string(),
        });
    }
    let h = w.host_mut(&host).map_err(|_| Fault::not_found(this))?;
    if let Some(d) = spec.child("defaults") {
        if let Some(e) = d.bool_of("enabled")? {
            h.autostart.enabled = e;
        }
        if let Some(v) = d.i32_of("startDelay")? {
            h.autostart.start_delay = v;
        }
        if let Some(v) = d.i32_of("stopDelay")? {
            h.autostart.stop_delay = v;
        }
        if let Some(v) = d.bool_of("waitForHeartbeat")? {
            h.autostart.wait_for_heartbeat = v;
        }
        if let Some(v) = d.text_of("stopAction") {
            h.autostart.stop_action = v.to_string();
        }
    }
    for i in infos {
        h.autostart.power_info.retain(|p| p.vm != i.vm);
        // An entry with no start action and no order is how clients remove one.
        if !(i.start_action.eq_ignore_ascii_case("none") && i.start_order < 0) {
            h.autostart.power_info.push(i);
        }
    }
    h.autostart.power_info.sort_by_key(|p| {
        if p.start_order < 0 {
            i32::MAX
        } else {
            p.start_order
        }
    });
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, TestWorld};
    use crate::value::Value;

    /// Calls `ReconfigureAutostart` with `spec`.
    fn reconfigure(t: &mut TestWorld, spec: &str) -> crate::object::Reply {
        t.call(
            "HostAutoStartManager",
            "ha-autostart-mgr",
            "ReconfigureAutostart",
            spec,
        )
    }

    #[test]
    fn reconfigure_adds_and_removes_entries() {
        let mut t = TestWorld::esx();
        let web01 = t.vm("web01");
        let entry = |action: &str, order: i32| {
            format!(
                "<spec><defaults><enabled>true</enabled></defaults><powerInfo><key type=\"VirtualMachine\">{web01}</key><startOrder>{order}</startOrder><startDelay>-1</startDelay><waitForHeartbeat>systemDefault</waitForHeartbeat><startAction>{action}</startAction><stopDelay>-1</stopDelay><stopAction>systemDefault</stopAction></powerInfo></spec>"
            )
        };
        reconfigure(&mut t, &entry("powerOn", 1)).unwrap();
        assert_eq!(
            t.get(
                "HostAutoStartManager",
                "ha-autostart-mgr",
                "config.defaults.enabled"
            ),
            Value::bool(true)
        );
        let infos = t.get(
            "HostAutoStartManager",
            "ha-autostart-mgr",
            "config.powerInfo",
        );
        assert!(infos
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p.path("key") == Some(&Value::moref("VirtualMachine", web01.clone()))));
        reconfigure(&mut t, &entry("none", -1)).unwrap();
        let infos = t.get(
            "HostAutoStartManager",
            "ha-autostart-mgr",
            "config.powerInfo",
        );
        assert!(!infos
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p.path("key") == Some(&Value::moref("VirtualMachine", web01.clone()))));
        let unknown = "<spec><powerInfo><key type=\"VirtualMachine\">999</key><startOrder>1</startOrder></powerInfo></spec>";
        let r = reconfigure(&mut t, unknown);
        assert_eq!(fault_type(r), "ManagedObjectNotFound");
        let r = reconfigure(&mut t, "");
        assert_eq!(fault_type(r), "InvalidRequest");
    }
}
