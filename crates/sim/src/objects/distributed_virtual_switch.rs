//! `VmwareDistributedVirtualSwitch` (also reached as `DistributedVirtualSwitch`): a
//! vCenter switch spanning hosts, its port groups and ports, and the methods that add port
//! groups and member hosts, list ports, rename and destroy it.

use crate::fault::Fault;
use crate::inventory::{DvSwitch, PortgroupSpec, World};
use crate::object::CallCx;
use crate::soap::Element;
use crate::value::{MoRef, Value};

use super::common::{
    describe, destroy_task, entity_or_invalid, fault_of, rename_task, run_task, spec_task,
    split_path, walk,
};
use super::entry::{Call, Ids, ManagedType, Reply};

/// The `VmwareDistributedVirtualSwitch` type.
pub const TYPE: ManagedType = ManagedType {
    name: "VmwareDistributedVirtualSwitch",
    ids: Ids::Records(|w, id| w.dvswitches.contains_key(id)),
    properties: &[
        "name",
        "parent",
        "uuid",
        "summary",
        "config",
        "portgroup",
        "capability",
        "runtime",
        "overallStatus",
    ],
    property,
    methods: &[
        ("AddDVPortgroup_Task", add_portgroups),
        ("ReconfigureDvs_Task", reconfigure),
        ("FetchDVPorts", fetch_ports),
        ("RefreshDVPortState", |_, _, _| Ok(None)),
        ("Rename_Task", rename_task),
        ("Destroy_Task", destroy_task),
    ],
};

/// `DistributedVirtualSwitchProductSpec` of a switch.
fn product(sw: &DvSwitch) -> Value {
    Value::obj("DistributedVirtualSwitchProductSpec")
        .with("name", Value::str("DVS"))
        .with("vendor", Value::str("VMware, Inc."))
        .with("version", Value::str(&sw.version))
        .with("build", Value::str("0"))
}

fn host_refs(sw: &DvSwitch) -> Value {
    Value::morefs(sw.hosts.iter().map(|h| MoRef::new("HostSystem", h.clone())))
}

fn property(w: &World, id: &str, path: &str) -> Reply {
    let (head, rest) = split_path(path);
    let sw = &w.dvswitches[id];
    let num_ports: i32 = sw
        .portgroups
        .iter()
        .filter_map(|p| w.networks.get(p).and_then(|n| n.dvs.as_ref()))
        .map(|d| d.num_ports)
        .sum();
    let top = match head {
        "uuid" => Some(Value::str(&sw.uuid)),
        "portgroup" => {
            Some(Value::morefs(sw.portgroups.iter().map(|p| {
                MoRef::new("DistributedVirtualPortgroup", p.clone())
            })))
        }
        "summary" => {
            let names: Vec<String> = sw
                .portgroups
                .iter()
                .filter_map(|p| w.networks.get(p).map(|n| n.name.clone()))
                .collect();
            let vms: Vec<String> = sw
                .portgroups
                .iter()
                .flat_map(|p| w.vms_on_network(p))
                .collect();
            Some(
                Value::obj("DVSSummary")
                    .with("name", Value::str(&sw.name))
                    .with("uuid", Value::str(&sw.uuid))
                    .with("numPorts", Value::int(num_ports))
                    .with("productInfo", product(sw))
                    .with("hostMember", host_refs(sw))
                    .with("vm", w.mos(vms.iter()))
                    .with("host", host_refs(sw))
                    .with("portgroupName", Value::strings(names)),
            )
        }
        "config" => Some(config(w, sw, num_ports)),
        "capability" => Some(
            Value::obj("DVSCapability")
                .with("dvsOperationSupported", Value::bool(true))
                .with("dvPortGroupOperationSupported", Value::bool(true))
                .with("dvPortOperationSupported", Value::bool(true)),
        ),
        "runtime" => Some(Value::obj("DVSRuntimeInfo")),
        h => entity_or_invalid(w, id, h, path)?,
    };
    walk(top, rest)
}

fn config(w: &World, sw: &DvSwitch, num_ports: i32) -> Value {
    let uplinks: Vec<Value> = sw
        .portgroups
        .iter()
        .filter(|p| {
            w.networks
                .get(*p)
                .and_then(|n| n.dvs.as_ref())
                .is_some_and(|d| d.uplink)
        })
        .map(|p| Value::moref("DistributedVirtualPortgroup", p.clone()))
        .collect();
    let members = sw
        .hosts
        .iter()
        .map(|h| {
            Value::obj("DistributedVirtualSwitchHostMember")
                .with(
                    "config",
                    Value::obj("DistributedVirtualSwitchHostMemberConfigInfo")
                        .with("host", Value::moref("HostSystem", h.clone()))
                        .with("maxProxySwitchPorts", Value::int(512)),
                )
                .with("productInfo", product(sw))
                .with("status", Value::str("up"))
        })
        .collect();
    Value::obj("VMwareDVSConfigInfo")
        .with("uuid", Value::str(&sw.uuid))
        .with("name", Value::str(&sw.name))
        .with("numStandalonePorts", Value::int(0))
        .with("numPorts", Value::int(num_ports))
        .with("maxPorts", Value::int(sw.max_ports))
        .with(
            "uplinkPortPolicy",
            Value::obj("DVSNameArrayUplinkPortPolicy")
                .with("uplinkPortName", Value::strings(["uplink1", "uplink2"])),
        )
        .with(
            "uplinkPortgroup",
            Value::array("ManagedObjectReference", uplinks),
        )
        .with("defaultPortConfig", port_setting(0))
        .with(
            "host",
            Value::array("DistributedVirtualSwitchHostMember", members),
        )
        .with("productInfo", product(sw))
        .with("configVersion", Value::str(sw.config_version.to_string()))
        .with("networkResourceManagementEnabled", Value::bool(false))
        .with("defaultProxySwitchMaxNumPorts", Value::int(512))
        .with("maxMtu", Value::int(1500))
}

/// `VMwareDVSPortSetting` with VLAN `vlan` (0: none).
pub fn port_setting(vlan: i32) -> Value {
    Value::obj("VMwareDVSPortSetting").with(
        "vlan",
        Value::obj("VmwareDistributedVirtualSwitchVlanIdSpec")
            .with("inherited", Value::bool(false))
            .with("vlanId", Value::int(vlan)),
    )
}

/// A `DVPortgroupConfigSpec` as a port group description (`base`: what an edit keeps).
pub fn portgroup_spec(el: &Element, base: &PortgroupSpec) -> Result<PortgroupSpec, Fault> {
    let mut s = base.clone();
    if let Some(n) = el.text_of("name") {
        s.name = n.to_string();
    }
    if let Some(t) = el.text_of("type") {
        s.binding = t.to_string();
    }
    if let Some(n) = el.i32_of("numPorts")? {
        if n < 0 {
            return Err(Fault::invalid_argument("numPorts"));
        }
        s.num_ports = n;
    }
    if let Some(v) = el
        .child("defaultPortConfig")
        .and_then(|c| c.child("vlan"))
        .map(|v| v.i32_of("vlanId"))
        .transpose()?
        .flatten()
    {
        if !(0..=4094).contains(&v) {
            return Err(Fault::invalid_argument("defaultPortConfig.vlan.vlanId"));
        }
        s.vlan_id = v;
    }
    Ok(s)
}

/// `AddDVPortgroup_Task`: each spec becomes a port group (none when one is refused).
fn add_portgroups(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, method, args } = *call;
    let specs = args
        .children_named("spec")
        .map(|s| {
            let name = s.req_text("name")?;
            portgroup_spec(s, &PortgroupSpec::named(name))
        })
        .collect::<Result<Vec<_>, Fault>>()?;
    let entity = super::common::named_entity(w, this);
    run_task(
        cx,
        this,
        method,
        &describe(this, "addPortgroups"),
        entity,
        || {
            let before = w.clone_networks_of(&this.value);
            for s in &specs {
                if let Err(e) = w.add_dv_portgroup(&this.value, s) {
                    w.restore_networks_of(&this.value, before);
                    return Err(fault_of(e, this));
                }
            }
            Ok(None)
        },
    )
}

/// `ReconfigureDvs_Task`: a new name, member hosts added or removed, the version checked.
fn reconfigure(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let this = call.this;
    spec_task(w, cx, call, "reconfigure", |w, spec| {
        let fe = |e| fault_of(e, this);
        let sw = w.dvswitches[&this.value].clone();
        if let Some(v) = spec.text_of("configVersion") {
            if v != sw.config_version.to_string() {
                return Err(super::common::concurrent_access());
            }
        }
        for h in spec.children_named("host") {
            let host = h.req_moref("host")?;
            match h.text_of("operation") {
                Some("add") => {
                    if sw.hosts.contains(&host.value) {
                        return Err(Fault::already_exists(&host.value));
                    }
                    w.dvs_add_host(&this.value, &host.value).map_err(fe)?;
                }
                Some("remove") => {
                    if let Some(s) = w.dvswitches.get_mut(&this.value) {
                        s.hosts.retain(|x| *x != host.value);
                    }
                }
                Some("edit") => {}
                _ => return Err(Fault::invalid_argument("host.operation")),
            }
        }
        if let Some(n) = spec.text_of("name") {
            if n != sw.name {
                w.rename_entity(&this.value, n).map_err(fe)?;
            }
        }
        if let Some(s) = w.dvswitches.get_mut(&this.value) {
            s.config_version += 1;
        }
        Ok(None)
    })
}

/// `FetchDVPorts`: the switch's ports (of the port groups `criteria.portgroupKey` names),
/// each with its port group's VLAN.
fn fetch_ports(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let criteria = args.child("criteria");
    let wanted_pgs: Vec<String> = criteria
        .map(|c| c.strings_of("portgroupKey"))
        .unwrap_or_default();
    let wanted_ports: Vec<String> = criteria
        .map(|c| c.strings_of("portKey"))
        .unwrap_or_default();
    let sw = &w.dvswitches[&this.value];
    let mut out = Vec::new();
    for pg in &sw.portgroups {
        let Some(info) = w.networks.get(pg).and_then(|n| n.dvs.as_ref()) else {
            continue;
        };
        if !wanted_pgs.is_empty() && !wanted_pgs.contains(&info.key) {
            continue;
        }
        for key in w.dv_port_keys(pg) {
            if !wanted_ports.is_empty() && !wanted_ports.contains(&key) {
                continue;
            }
            out.push(
                Value::obj("DistributedVirtualPort")
                    .with("key", Value::str(&key))
                    .with(
                        "config",
                        Value::obj("DVPortConfigInfo")
                            .with("name", Value::str(""))
                            .with("setting", port_setting(info.vlan_id))
                            .with("configVersion", Value::str("0")),
                    )
                    .with("dvsUuid", Value::str(&sw.uuid))
                    .with("portgroupKey", Value::str(&info.key))
                    .with("conflict", Value::bool(false)),
            );
        }
    }
    Ok(Some(Value::array("DistributedVirtualPort", out)))
}

impl World {
    /// The port groups of switch `dvs` as they are now (to undo a partial change).
    fn clone_networks_of(&self, dvs: &str) -> (Vec<String>, u64) {
        (
            self.dvswitches
                .get(dvs)
                .map(|s| s.portgroups.clone())
                .unwrap_or_default(),
            self.next_id,
        )
    }

    /// Drops the port groups added to `dvs` since `before`.
    fn restore_networks_of(&mut self, dvs: &str, before: (Vec<String>, u64)) {
        let now = self
            .dvswitches
            .get(dvs)
            .map(|s| s.portgroups.clone())
            .unwrap_or_default();
        for p in now.iter().filter(|p| !before.0.contains(p)) {
            self.networks.remove(p);
        }
        if let Some(s) = self.dvswitches.get_mut(dvs) {
            s.portgroups = before.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, refs, TestWorld};
    use crate::value::Value;

    #[test]
    fn switches_port_groups_ports_and_hosts() {
        let mut t = TestWorld::vcenter();
        let dc = t.w.datacenters.keys().next().unwrap().clone();
        let folder = t.w.datacenters[&dc].network_folder.clone();
        let made = t
            .run(
                "Folder",
                &folder,
                "CreateDVS_Task",
                "<spec><configSpec xsi:type=\"VMwareDVSConfigSpec\"><name>dvs1</name></configSpec></spec>",
            )
            .unwrap()
            .unwrap();
        let dvs = made.as_moref().unwrap().value.clone();
        assert_eq!(
            t.get("VmwareDistributedVirtualSwitch", &dvs, "summary.name"),
            Value::str("dvs1")
        );
        assert_eq!(
            t.get("DistributedVirtualSwitch", &dvs, "summary.productInfo.name"),
            Value::str("DVS")
        );
        // Its uplink port group comes with it.
        assert_eq!(
            refs(&t.get("VmwareDistributedVirtualSwitch", &dvs, "portgroup")).len(),
            1
        );
        t.run(
            "VmwareDistributedVirtualSwitch",
            &dvs,
            "AddDVPortgroup_Task",
            "<spec><name>pg1</name><type>earlyBinding</type><numPorts>16</numPorts>\
             <defaultPortConfig xsi:type=\"VMwareDVSPortSetting\"><vlan xsi:type=\"VmwareDistributedVirtualSwitchVlanIdSpec\"><inherited>false</inherited><vlanId>12</vlanId></vlan></defaultPortConfig></spec>",
        )
        .unwrap();
        let pgs = refs(&t.get("VmwareDistributedVirtualSwitch", &dvs, "portgroup"));
        assert_eq!(pgs.len(), 2);
        let pg = pgs[1].split_once(':').unwrap().1.to_string();
        let ports = t
            .call("VmwareDistributedVirtualSwitch", &dvs, "FetchDVPorts", "")
            .unwrap()
            .unwrap();
        let ports = ports.as_array().unwrap();
        assert_eq!(ports.len(), 16);
        assert_eq!(
            ports[0].path("config.setting.vlan.vlanId"),
            Some(&Value::int(12))
        );
        assert_eq!(
            fault_type(t.run(
                "VmwareDistributedVirtualSwitch",
                &dvs,
                "AddDVPortgroup_Task",
                "<spec><name>pg1</name><type>earlyBinding</type></spec>"
            )),
            "DuplicateName"
        );
        // A host joins; the switch's port groups are then among the host's networks.
        let host = t.w.hosts.keys().next().unwrap().clone();
        t.run(
            "VmwareDistributedVirtualSwitch",
            &dvs,
            "ReconfigureDvs_Task",
            &format!("<spec xsi:type=\"VMwareDVSConfigSpec\"><configVersion>0</configVersion><host><operation>add</operation><host type=\"HostSystem\">{host}</host></host></spec>"),
        )
        .unwrap();
        assert!(refs(&t.get("HostSystem", &host, "network"))
            .contains(&format!("DistributedVirtualPortgroup:{pg}")));
        assert_eq!(
            fault_type(t.run(
                "VmwareDistributedVirtualSwitch",
                &dvs,
                "ReconfigureDvs_Task",
                "<spec><configVersion>0</configVersion></spec>"
            )),
            "ConcurrentAccess"
        );
        t.run("VmwareDistributedVirtualSwitch", &dvs, "Destroy_Task", "")
            .unwrap();
        assert!(!t.w.dvswitches.contains_key(&dvs) && !t.w.networks.contains_key(&pg));
    }
}
