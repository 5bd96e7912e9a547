//! A cluster's configuration (`configurationEx`: DRS and HA switches, VM and host groups,
//! rules, per-VM overrides) and the cluster methods: `ReconfigureComputeResource_Task`
//! applying a `ClusterConfigSpecEx`, `AddHost_Task` and `PlaceVm`.

use crate::fault::Fault;
use crate::inventory::{
    ClusterConfig, ClusterGroup, ClusterRule, DasVmOverride, DrsVmOverride, World,
};
use crate::object::CallCx;
use crate::soap::Element;
use crate::value::{MoRef, Value};

use super::super::common::{describe, fault_of, run_task, spec_task};
use super::super::entry::{Call, Reply};

/// `configurationEx` of cluster `id`.
pub fn configuration_ex(w: &World, id: &str) -> Option<Value> {
    let c = w.computes.get(id)?;
    let cfg = &c.cluster;
    let vms =
        |ids: &[String]| Value::morefs(ids.iter().map(|v| MoRef::new("VirtualMachine", v.clone())));
    let hosts =
        |ids: &[String]| Value::morefs(ids.iter().map(|v| MoRef::new("HostSystem", v.clone())));
    let groups = cfg
        .groups
        .iter()
        .map(|g| {
            if g.vm_group {
                Value::obj("ClusterVmGroup")
                    .with("name", Value::str(&g.name))
                    .with("userCreated", Value::bool(true))
                    .with("vm", vms(&g.members))
            } else {
                Value::obj("ClusterHostGroup")
                    .with("name", Value::str(&g.name))
                    .with("userCreated", Value::bool(true))
                    .with("host", hosts(&g.members))
            }
        })
        .collect();
    let rules = cfg
        .rules
        .iter()
        .map(|r| {
            let mut v = Value::obj(r.kind.clone())
                .with("key", Value::int(r.key))
                .with("status", Value::enumv("ManagedEntityStatus", "green"))
                .with("enabled", Value::bool(r.enabled))
                .with("name", Value::str(&r.name))
                .with("mandatory", Value::bool(r.mandatory))
                .with("userCreated", Value::bool(true))
                .with("inCompliance", Value::bool(true));
            if !r.vms.is_empty() || r.kind.ends_with("AffinityRuleSpec") {
                v = v.with("vm", vms(&r.vms));
            }
            for (field, group) in &r.groups {
                v = v.with(field.clone(), Value::str(group));
            }
            v
        })
        .collect();
    let drs_vm = cfg
        .drs_vm
        .iter()
        .map(|o| {
            Value::obj("ClusterDrsVmConfigInfo")
                .with("key", Value::moref("VirtualMachine", o.vm.clone()))
                .with_opt("enabled", o.enabled.map(Value::bool))
                .with_opt(
                    "behavior",
                    o.behavior.clone().map(|b| Value::enumv("DrsBehavior", b)),
                )
        })
        .collect();
    let das_vm = cfg
        .das_vm
        .iter()
        .map(|o| {
            Value::obj("ClusterDasVmConfigInfo")
                .with("key", Value::moref("VirtualMachine", o.vm.clone()))
                .with(
                    "dasSettings",
                    Value::obj("ClusterDasVmSettings")
                        .with("restartPriority", Value::str(&o.restart_priority)),
                )
        })
        .collect();
    Some(
        Value::obj("ClusterConfigInfoEx")
            .with(
                "dasConfig",
                Value::obj("ClusterDasConfigInfo")
                    .with("enabled", Value::bool(c.ha_enabled))
                    .with("vmMonitoring", Value::str("vmMonitoringDisabled"))
                    .with("hostMonitoring", Value::str("enabled"))
                    .with("failoverLevel", Value::int(1))
                    .with("admissionControlEnabled", Value::bool(true)),
            )
            .with(
                "dasVmConfig",
                Value::array("ClusterDasVmConfigInfo", das_vm),
            )
            .with(
                "drsConfig",
                Value::obj("ClusterDrsConfigInfo")
                    .with("enabled", Value::bool(c.drs_enabled))
                    .with("enableVmBehaviorOverrides", Value::bool(true))
                    .with(
                        "defaultVmBehavior",
                        Value::enumv("DrsBehavior", "fullyAutomated"),
                    )
                    .with("vmotionRate", Value::int(3)),
            )
            .with("rule", Value::array("ClusterRuleInfo", rules))
            .with(
                "drsVmConfig",
                Value::array("ClusterDrsVmConfigInfo", drs_vm),
            )
            .with("group", Value::array("ClusterGroupInfo", groups)),
    )
}

/// `ReconfigureComputeResource_Task` (`ReconfigureCluster_Task` too): applies the groups,
/// rules, overrides and DRS/HA switches of a `ClusterConfigSpecEx`, all or nothing.
pub(super) fn reconfigure(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let this = call.this;
    spec_task(w, cx, call, "reconfigureEx", |w, spec| {
        let c = &w.computes[&this.value];
        let mut cfg = c.cluster.clone();
        let (mut drs, mut ha) = (c.drs_enabled, c.ha_enabled);
        apply_spec(w, &mut cfg, spec)?;
        if let Some(e) = spec
            .child("drsConfig")
            .map(|d| d.bool_of("enabled"))
            .transpose()?
        {
            drs = e.unwrap_or(drs);
        }
        if let Some(e) = spec
            .child("dasConfig")
            .map(|d| d.bool_of("enabled"))
            .transpose()?
        {
            ha = e.unwrap_or(ha);
        }
        if let Some(c) = w.computes.get_mut(&this.value) {
            c.cluster = cfg;
            c.drs_enabled = drs;
            c.ha_enabled = ha;
        }
        Ok(None)
    })
}

fn operation(el: &Element) -> Result<&str, Fault> {
    match el.text_of("operation") {
        Some(op @ ("add" | "edit" | "remove")) => Ok(op),
        _ => Err(Fault::invalid_argument("operation")),
    }
}

fn apply_spec(w: &World, cfg: &mut ClusterConfig, spec: &Element) -> Result<(), Fault> {
    for g in spec.children_named("groupSpec") {
        let op = operation(g)?;
        if op == "remove" {
            let name = g.req_text("removeKey")?;
            let before = cfg.groups.len();
            cfg.groups.retain(|x| x.name != name);
            if cfg.groups.len() == before {
                return Err(Fault::invalid_argument("groupSpec.removeKey"));
            }
            continue;
        }
        let info = g
            .child("info")
            .ok_or_else(|| Fault::missing_argument("groupSpec.info"))?;
        let vm_group = match info.type_or("") {
            "ClusterVmGroup" => true,
            "ClusterHostGroup" => false,
            _ => return Err(Fault::invalid_argument("groupSpec.info")),
        };
        let name = info.req_text("name")?.to_string();
        let members = members(w, info, if vm_group { "vm" } else { "host" })?;
        let group = ClusterGroup {
            name: name.clone(),
            vm_group,
            members,
        };
        match (op, cfg.groups.iter().position(|x| x.name == name)) {
            ("add", None) => cfg.groups.push(group),
            ("edit", Some(i)) if cfg.groups[i].vm_group == vm_group => cfg.groups[i] = group,
            _ => return Err(Fault::invalid_argument("groupSpec.info.name")),
        }
    }
    for r in spec.children_named("rulesSpec") {
        let op = operation(r)?;
        if op == "remove" {
            let key = r
                .i32_of("removeKey")?
                .ok_or_else(|| Fault::missing_argument("rulesSpec.removeKey"))?;
            let before = cfg.rules.len();
            cfg.rules.retain(|x| x.key != key);
            if cfg.rules.len() == before {
                return Err(Fault::invalid_argument("rulesSpec.removeKey"));
            }
            continue;
        }
        let info = r
            .child("info")
            .ok_or_else(|| Fault::missing_argument("rulesSpec.info"))?;
        let rule = parse_rule(w, cfg, info)?;
        match op {
            "add" => {
                if cfg.rules.iter().any(|x| x.name == rule.name) {
                    return Err(Fault::invalid_argument("rulesSpec.info.name"));
                }
                let mut rule = rule;
                rule.key = cfg.next_rule_key;
                cfg.next_rule_key += 1;
                cfg.rules.push(rule);
            }
            _ => {
                let key = info
                    .i32_of("key")?
                    .ok_or_else(|| Fault::missing_argument("rulesSpec.info.key"))?;
                let i = cfg
                    .rules
                    .iter()
                    .position(|x| x.key == key)
                    .ok_or_else(|| Fault::invalid_argument("rulesSpec.info.key"))?;
                cfg.rules[i] = ClusterRule { key, ..rule };
            }
        }
    }
    for d in spec.children_named("drsVmConfigSpec") {
        let op = operation(d)?;
        if op == "remove" {
            let vm = d.req_moref("removeKey")?;
            cfg.drs_vm.retain(|x| x.vm != vm.value);
            continue;
        }
        let info = d
            .child("info")
            .ok_or_else(|| Fault::missing_argument("drsVmConfigSpec.info"))?;
        let vm = cluster_vm(w, info.req_moref("key")?)?;
        let o = DrsVmOverride {
            vm: vm.clone(),
            enabled: info.bool_of("enabled")?,
            behavior: info.text_of("behavior").map(str::to_string),
        };
        if let Some(b) = &o.behavior {
            if !["manual", "partiallyAutomated", "fullyAutomated"].contains(&b.as_str()) {
                return Err(Fault::invalid_argument("drsVmConfigSpec.info.behavior"));
            }
        }
        upsert(&mut cfg.drs_vm, op, o, |x| x.vm == vm)?;
    }
    for d in spec.children_named("dasVmConfigSpec") {
        let op = operation(d)?;
        if op == "remove" {
            let vm = d.req_moref("removeKey")?;
            cfg.das_vm.retain(|x| x.vm != vm.value);
            continue;
        }
        let info = d
            .child("info")
            .ok_or_else(|| Fault::missing_argument("dasVmConfigSpec.info"))?;
        let vm = cluster_vm(w, info.req_moref("key")?)?;
        let priority = info
            .child("dasSettings")
            .and_then(|s| s.text_of("restartPriority"))
            .or_else(|| info.text_of("restartPriority"))
            .unwrap_or("clusterRestartPriority")
            .to_string();
        let o = DasVmOverride {
            vm: vm.clone(),
            restart_priority: priority,
        };
        upsert(&mut cfg.das_vm, op, o, |x| x.vm == vm)?;
    }
    Ok(())
}

/// Adds (must be new) or edits (must exist) an override.
fn upsert<T>(list: &mut Vec<T>, op: &str, item: T, same: impl Fn(&T) -> bool) -> Result<(), Fault> {
    match (op, list.iter().position(same)) {
        ("add", None) => list.push(item),
        ("edit", Some(i)) => list[i] = item,
        _ => return Err(Fault::invalid_argument("info.key")),
    }
    Ok(())
}

fn cluster_vm(w: &World, vm: MoRef) -> Result<String, Fault> {
    if w.vms.contains_key(&vm.value) {
        Ok(vm.value)
    } else {
        Err(Fault::not_found(&vm))
    }
}

/// The members of a group or rule: references of `kind` (`vm` or `host`) that exist.
fn members(w: &World, info: &Element, field: &str) -> Result<Vec<String>, Fault> {
    let mut out = Vec::new();
    for m in info.children_named(field).filter_map(|e| e.as_moref()) {
        let ok = match field {
            "vm" => w.vms.contains_key(&m.value),
            _ => w.hosts.contains_key(&m.value),
        };
        if !ok {
            return Err(Fault::not_found(&m));
        }
        out.push(m.value);
    }
    Ok(out)
}

fn parse_rule(w: &World, cfg: &ClusterConfig, info: &Element) -> Result<ClusterRule, Fault> {
    let kind = info.type_or("").to_string();
    let name = info.req_text("name")?.to_string();
    let mut rule = ClusterRule {
        key: 0,
        name,
        kind: kind.clone(),
        enabled: info.bool_of("enabled")?.unwrap_or(false),
        mandatory: info.bool_of("mandatory")?.unwrap_or(false),
        vms: Vec::new(),
        groups: Vec::new(),
    };
    let group = |field: &str, vm_group: bool| -> Result<Option<(String, String)>, Fault> {
        let Some(g) = info.text_of(field).filter(|g| !g.is_empty()) else {
            return Ok(None);
        };
        if !cfg
            .groups
            .iter()
            .any(|x| x.name == g && x.vm_group == vm_group)
        {
            return Err(Fault::invalid_argument(&format!("rulesSpec.info.{field}")));
        }
        Ok(Some((field.to_string(), g.to_string())))
    };
    match kind.as_str() {
        "ClusterAffinityRuleSpec" | "ClusterAntiAffinityRuleSpec" => {
            rule.vms = members(w, info, "vm")?;
            if rule.vms.len() < 2 {
                return Err(Fault::invalid_argument("rulesSpec.info.vm"));
            }
        }
        "ClusterVmHostRuleInfo" => {
            rule.groups.extend(group("vmGroupName", true)?);
            rule.groups.extend(group("affineHostGroupName", false)?);
            rule.groups.extend(group("antiAffineHostGroupName", false)?);
            if rule.groups.first().map(|(f, _)| f.as_str()) != Some("vmGroupName") {
                return Err(Fault::invalid_argument("rulesSpec.info.vmGroupName"));
            }
        }
        "ClusterDependencyRuleInfo" => {
            let a = group("vmGroup", true)?;
            let b = group("dependsOnVmGroup", true)?;
            match (a, b) {
                (Some(a), Some(b)) => rule.groups = vec![a, b],
                _ => return Err(Fault::invalid_argument("rulesSpec.info.vmGroup")),
            }
        }
        _ => return Err(Fault::invalid_argument("rulesSpec.info")),
    }
    Ok(rule)
}

/// `AddHost_Task`: a host named by `spec.hostName` joins the cluster.
pub(super) fn add_host(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, method, args } = *call;
    let spec = args.req_child("spec")?;
    let host_name = spec.req_text("hostName")?.to_string();
    let entity = super::super::common::named_entity(w, this);
    run_task(cx, this, method, &describe(this, "addHost"), entity, || {
        let folder = w.computes[&this.value].parent.clone();
        let h = w
            .connect_host(&host_name, Some(&this.value), &folder)
            .map_err(|e| fault_of(e, this))?;
        Ok(Some(Value::moref("HostSystem", h)))
    })
}

/// `PlaceVm`: a recommendation for a new (or relocated) VM: the cluster's connected host
/// with the fewest VMs, the root pool, and the datastore the spec names (else one the host
/// mounts). No recommendation when the cluster has no usable host.
pub(super) fn place_vm(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let spec = args.req_child("placementSpec")?;
    let c = &w.computes[&this.value];
    let wanted_ds = spec
        .child("configSpec")
        .and_then(|s| s.child("files"))
        .and_then(|f| f.text_of("vmPathName"))
        .and_then(crate::inventory::vmx::split_datastore_path)
        .and_then(|(d, _)| w.datastore_by_name(d))
        .map(|d| d.moid.clone());
    let host = c
        .hosts
        .iter()
        .filter_map(|h| w.hosts.get(h))
        .filter(|h| !h.in_maintenance_mode && !h.datastores.is_empty())
        .filter(|h| wanted_ds.as_ref().is_none_or(|d| h.datastores.contains(d)))
        .min_by_key(|h| w.vms_on_host(&h.moid).count());
    let mut recs = Vec::new();
    if let Some(h) = host {
        let ds = wanted_ds.unwrap_or_else(|| h.datastores[0].clone());
        let relocate = Value::obj("VirtualMachineRelocateSpec")
            .with("datastore", Value::moref("Datastore", ds))
            .with(
                "pool",
                Value::moref("ResourcePool", c.resource_pool.clone()),
            )
            .with("host", Value::moref("HostSystem", h.moid.clone()));
        recs.push(
            Value::obj("ClusterRecommendation")
                .with("key", Value::str("1"))
                .with("type", Value::str("V1"))
                .with("time", Value::DateTime(crate::value::now_datetime()))
                .with("rating", Value::int(1))
                .with("reason", Value::str("xvmotionPlacement"))
                .with("reasonText", Value::str("Provisioning a virtual machine"))
                .with(
                    "target",
                    Value::moref("ClusterComputeResource", this.value.clone()),
                )
                .with(
                    "action",
                    Value::array(
                        "ClusterAction",
                        vec![Value::obj("PlacementAction")
                            .with("type", Value::str("PlacementV1"))
                            .with("targetHost", Value::moref("HostSystem", h.moid.clone()))
                            .with("relocateSpec", relocate)],
                    ),
                ),
        );
    }
    Ok(Some(Value::obj("PlacementResult").with(
        "recommendations",
        Value::array("ClusterRecommendation", recs),
    )))
}

#[cfg(test)]
mod tests {
    use super::super::super::testing::{fault_type, TestWorld};
    use crate::value::Value;

    fn vm_refs(t: &TestWorld, n: usize) -> String {
        t.w.vms
            .keys()
            .take(n)
            .map(|v| format!("<vm type=\"VirtualMachine\">{v}</vm>"))
            .collect()
    }

    #[test]
    fn groups_rules_and_overrides() {
        let mut t = TestWorld::vcenter();
        let c = t.cluster();
        let vms = vm_refs(&t, 2);
        let host: String = t.w.computes[&c].hosts[0].clone();
        let group = |op: &str, body: &str| {
            format!("<spec xsi:type=\"ClusterConfigSpecEx\"><groupSpec><operation>{op}</operation>{body}</groupSpec></spec><modify>true</modify>")
        };
        t.run(
            "ClusterComputeResource",
            &c,
            "ReconfigureComputeResource_Task",
            &group(
                "add",
                &format!("<info xsi:type=\"ClusterVmGroup\"><name>g</name>{vms}</info>"),
            ),
        )
        .unwrap();
        t.run("ClusterComputeResource", &c, "ReconfigureComputeResource_Task",
            &group("add", &format!("<info xsi:type=\"ClusterHostGroup\"><name>h</name><host type=\"HostSystem\">{host}</host></info>"))).unwrap();
        // The same group again is refused.
        assert_eq!(
            fault_type(t.run(
                "ClusterComputeResource",
                &c,
                "ReconfigureComputeResource_Task",
                &group(
                    "add",
                    "<info xsi:type=\"ClusterVmGroup\"><name>g</name></info>"
                )
            )),
            "InvalidArgument"
        );
        let groups = t.get("ClusterComputeResource", &c, "configurationEx.group");
        assert_eq!(groups.as_array().unwrap().len(), 2);
        let rule = format!(
            "<spec xsi:type=\"ClusterConfigSpecEx\"><rulesSpec><operation>add</operation>\
             <info xsi:type=\"ClusterAffinityRuleSpec\"><enabled>true</enabled><name>r</name>{vms}</info>\
             </rulesSpec></spec><modify>true</modify>"
        );
        t.run(
            "ClusterComputeResource",
            &c,
            "ReconfigureComputeResource_Task",
            &rule,
        )
        .unwrap();
        let rules = t.get("ClusterComputeResource", &c, "configurationEx.rule");
        let r = &rules.as_array().unwrap()[0];
        assert_eq!(r.as_obj().unwrap().ty, "ClusterAffinityRuleSpec");
        assert_eq!(r.path("key"), Some(&Value::int(1)));
        let dep = "<spec xsi:type=\"ClusterConfigSpecEx\"><rulesSpec><operation>add</operation>\
             <info xsi:type=\"ClusterVmHostRuleInfo\"><name>vh</name><vmGroupName>g</vmGroupName>\
             <affineHostGroupName>h</affineHostGroupName></info></rulesSpec></spec><modify>true</modify>";
        t.run(
            "ClusterComputeResource",
            &c,
            "ReconfigureComputeResource_Task",
            dep,
        )
        .unwrap();
        let remove =
            "<spec xsi:type=\"ClusterConfigSpecEx\"><rulesSpec><operation>remove</operation>\
             <removeKey>1</removeKey></rulesSpec></spec><modify>true</modify>";
        t.run(
            "ClusterComputeResource",
            &c,
            "ReconfigureComputeResource_Task",
            remove,
        )
        .unwrap();
        assert_eq!(
            fault_type(t.run(
                "ClusterComputeResource",
                &c,
                "ReconfigureComputeResource_Task",
                remove
            )),
            "InvalidArgument"
        );
        // An HA restart priority for one VM, then its removal.
        let vm = t.w.vms.keys().next().unwrap().clone();
        let das = |op: &str| {
            format!(
            "<spec xsi:type=\"ClusterConfigSpecEx\"><dasVmConfigSpec><operation>{op}</operation>\
             <info><key type=\"VirtualMachine\">{vm}</key><dasSettings><restartPriority>high</restartPriority></dasSettings></info>\
             <removeKey type=\"VirtualMachine\">{vm}</removeKey></dasVmConfigSpec></spec><modify>true</modify>")
        };
        t.run(
            "ClusterComputeResource",
            &c,
            "ReconfigureComputeResource_Task",
            &das("add"),
        )
        .unwrap();
        assert_eq!(
            t.get("ClusterComputeResource", &c, "configurationEx.dasVmConfig")
                .as_array()
                .unwrap()[0]
                .path("dasSettings.restartPriority"),
            Some(&Value::str("high"))
        );
        t.run(
            "ClusterComputeResource",
            &c,
            "ReconfigureComputeResource_Task",
            &das("remove"),
        )
        .unwrap();
        assert!(t
            .get("ClusterComputeResource", &c, "configurationEx.dasVmConfig")
            .as_array()
            .unwrap()
            .is_empty());
    }

    #[test]
    fn hosts_join_and_placement() {
        let mut t = TestWorld::vcenter();
        let c = t.cluster();
        let n = t.w.computes[&c].hosts.len();
        let made = t
            .run("ClusterComputeResource", &c, "AddHost_Task",
                "<spec><hostName>10.0.0.42</hostName><userName>root</userName></spec><asConnected>true</asConnected>")
            .unwrap()
            .unwrap();
        let h = made.as_moref().unwrap().value.clone();
        assert_eq!(t.w.computes[&c].hosts.len(), n + 1);
        assert_eq!(t.w.hosts[&h].management_ip, "10.0.0.42");
        assert_eq!(
            fault_type(t.run(
                "ClusterComputeResource",
                &c,
                "AddHost_Task",
                "<spec><hostName>10.0.0.42</hostName></spec><asConnected>true</asConnected>"
            )),
            "AlreadyExists"
        );
        let placed = t
            .call(
                "ClusterComputeResource",
                &c,
                "PlaceVm",
                "<placementSpec><placementType>create</placementType></placementSpec>",
            )
            .unwrap()
            .unwrap();
        let recs = placed.path("recommendations").unwrap().as_array().unwrap();
        assert_eq!(recs.len(), 1);
    }
}
