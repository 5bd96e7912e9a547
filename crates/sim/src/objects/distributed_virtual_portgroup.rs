//! `DistributedVirtualPortgroup`: a port group of a distributed switch (a `Network` too):
//! its key, configuration, ports, hosts and VMs, reconfiguring, renaming and destroying it.

use crate::fault::Fault;
use crate::inventory::{PortgroupSpec, World};
use crate::object::CallCx;
use crate::value::{MoRef, Value};

use super::common::{
    destroy_task, entity_or_invalid, fault_of, rename_task, spec_task, split_path, walk,
};
use super::distributed_virtual_switch::{port_setting, portgroup_spec};
use super::entry::{Call, Ids, ManagedType, Reply};

/// The `DistributedVirtualPortgroup` type.
pub const TYPE: ManagedType = ManagedType {
    name: "DistributedVirtualPortgroup",
    ids: Ids::Records(|w, id| w.networks.get(id).is_some_and(|n| n.dvs.is_some())),
    properties: &[
        "name",
        "parent",
        "key",
        "config",
        "portKeys",
        "host",
        "vm",
        "summary",
        "overallStatus",
    ],
    property,
    methods: &[
        ("ReconfigureDVPortgroup_Task", reconfigure),
        ("Rename_Task", rename_task),
        ("Destroy_Task", destroy_task),
    ],
};

fn property(w: &World, id: &str, path: &str) -> Reply {
    let (head, rest) = split_path(path);
    let n = &w.networks[id];
    let Some(pg) = n.dvs.as_ref() else {
        return Err(Fault::not_found(&MoRef::new(
            "DistributedVirtualPortgroup",
            id,
        )));
    };
    let hosts = || {
        w.dvswitches
            .get(&pg.dvs)
            .map(|s| Value::morefs(s.hosts.iter().map(|h| MoRef::new("HostSystem", h.clone()))))
            .unwrap_or_else(|| Value::morefs(std::iter::empty()))
    };
    let top = match head {
        "key" => Some(Value::str(&pg.key)),
        "portKeys" => Some(Value::strings(w.dv_port_keys(id))),
        "host" => Some(hosts()),
        "vm" => Some(w.mos(w.vms_on_network(id).iter())),
        "config" => Some(
            Value::obj("DVPortgroupConfigInfo")
                .with("key", Value::str(&pg.key))
                .with("name", Value::str(&n.name))
                .with("numPorts", Value::int(pg.num_ports))
                .with(
                    "distributedVirtualSwitch",
                    Value::moref("VmwareDistributedVirtualSwitch", pg.dvs.clone()),
                )
                .with("defaultPortConfig", port_setting(pg.vlan_id))
                .with("type", Value::str(&pg.binding))
                .with("configVersion", Value::str(pg.config_version.to_string()))
                .with("autoExpand", Value::bool(pg.binding != "ephemeral"))
                .with("uplink", Value::bool(pg.uplink)),
        ),
        "summary" => Some(
            Value::obj("NetworkSummary")
                .with(
                    "network",
                    Value::moref("DistributedVirtualPortgroup", id.to_string()),
                )
                .with("name", Value::str(&n.name))
                .with("accessible", Value::bool(true)),
        ),
        h => entity_or_invalid(w, id, h, path)?,
    };
    walk(top, rest)
}

/// `ReconfigureDVPortgroup_Task`: name, binding, port count and VLAN (the spec's
/// `configVersion` must be the current one).
fn reconfigure(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let this = call.this;
    spec_task(w, cx, call, "reconfigure", |w, spec| {
        let n = w.networks[&this.value].clone();
        let Some(info) = n.dvs.clone() else {
            return Err(Fault::not_found(this));
        };
        if let Some(v) = spec.text_of("configVersion") {
            if v != info.config_version.to_string() {
                return Err(super::common::concurrent_access());
            }
        }
        let base = PortgroupSpec {
            name: n.name.clone(),
            binding: info.binding.clone(),
            num_ports: info.num_ports,
            vlan_id: info.vlan_id,
        };
        let next = portgroup_spec(spec, &base)?;
        if !["earlyBinding", "lateBinding", "ephemeral"].contains(&next.binding.as_str()) {
            return Err(Fault::invalid_argument("type"));
        }
        if next.name != n.name {
            w.rename_entity(&this.value, &next.name)
                .map_err(|e| fault_of(e, this))?;
        }
        if let Some(d) = w.networks.get_mut(&this.value).and_then(|n| n.dvs.as_mut()) {
            d.binding = next.binding;
            d.num_ports = next.num_ports;
            d.vlan_id = next.vlan_id;
            d.config_version += 1;
        }
        Ok(None)
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, TestWorld};
    use crate::inventory::PortgroupSpec;
    use crate::value::Value;

    #[test]
    fn key_ports_and_reconfiguration() {
        let mut t = TestWorld::vcenter();
        let dc = t.w.datacenters.keys().next().unwrap().clone();
        let folder = t.w.datacenters[&dc].network_folder.clone();
        let dvs = t.w.add_dvs(&dc, &folder, "dvs1").unwrap();
        let pg =
            t.w.add_dv_portgroup(
                &dvs,
                &PortgroupSpec {
                    num_ports: 4,
                    ..PortgroupSpec::named("pg")
                },
            )
            .unwrap();
        assert_eq!(
            t.get("DistributedVirtualPortgroup", &pg, "key"),
            Value::str(pg.clone())
        );
        assert_eq!(
            t.get("Network", &pg, "portKeys"),
            Value::strings(["0", "1", "2", "3"])
        );
        t.run(
            "DistributedVirtualPortgroup",
            &pg,
            "ReconfigureDVPortgroup_Task",
            "<spec><configVersion>0</configVersion><name>pg2</name><defaultPortConfig xsi:type=\"VMwareDVSPortSetting\"><vlan xsi:type=\"VmwareDistributedVirtualSwitchVlanIdSpec\"><inherited>false</inherited><vlanId>7</vlanId></vlan></defaultPortConfig></spec>",
        )
        .unwrap();
        assert_eq!(
            t.get("DistributedVirtualPortgroup", &pg, "name"),
            Value::str("pg2")
        );
        assert_eq!(
            t.get(
                "DistributedVirtualPortgroup",
                &pg,
                "config.defaultPortConfig.vlan.vlanId"
            ),
            Value::int(7)
        );
        assert_eq!(
            fault_type(t.run(
                "DistributedVirtualPortgroup",
                &pg,
                "ReconfigureDVPortgroup_Task",
                "<spec><configVersion>0</configVersion></spec>"
            )),
            "ConcurrentAccess"
        );
        t.run("DistributedVirtualPortgroup", &pg, "Destroy_Task", "")
            .unwrap();
        assert!(!t.w.networks.contains_key(&pg));
    }
}
