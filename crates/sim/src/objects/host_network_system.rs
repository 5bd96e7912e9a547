//! `HostNetworkSystem`: a host's virtual switches, port groups, physical NICs and VMkernel
//! NICs (`networkInfo`), and the methods that add, update and remove switches and port
//! groups.

use crate::fault::Fault;
use crate::inventory::{Device, Host, PortGroup, PowerState, VSwitch, World};
use crate::object::CallCx;
use crate::value::Value;

use super::common::{split_path, walk};
use super::entry::{Call, Ids, ManagedType, Reply};

/// The `HostNetworkSystem` type.
pub const TYPE: ManagedType = ManagedType {
    name: "HostNetworkSystem",
    ids: Ids::PerHost {
        esx: "networkSystem",
        vcenter_prefix: "networkSystem-",
    },
    properties: &["networkInfo", "networkConfig", "capabilities"],
    property,
    methods: &[
        ("AddVirtualSwitch", add_virtual_switch),
        ("UpdateVirtualSwitch", update_virtual_switch),
        ("RemoveVirtualSwitch", remove_virtual_switch),
        ("AddPortGroup", add_port_group),
        ("UpdatePortGroup", update_port_group),
        ("RemovePortGroup", remove_port_group),
        ("RefreshNetworkSystem", |_, _, _| Ok(None)),
    ],
};

fn property(w: &World, id: &str, path: &str) -> Reply {
    let h = TYPE.host(w, id)?;
    let (head, rest) = split_path(path);
    let top = match head {
        "networkInfo" => Some(network_info(w, h)),
        "networkConfig" => None,
        "capabilities" => Some(
            Value::obj("HostNetCapabilities")
                .with("canSetPhysicalNicLinkSpeed", Value::bool(true))
                .with("supportsNicTeaming", Value::bool(true))
                .with(
                    "nicTeamingPolicy",
                    Value::strings([
                        "loadbalance_ip",
                        "loadbalance_srcmac",
                        "loadbalance_srcid",
                        "failover_explicit",
                    ]),
                )
                .with("supportsVlan", Value::bool(true))
                .with("usesServiceConsoleNic", Value::bool(false))
                .with("supportsNetworkHints", Value::bool(true))
                .with("vswitchConfigSupported", Value::bool(true))
                .with("vnicConfigSupported", Value::bool(true))
                .with("ipRouteConfigSupported", Value::bool(true))
                .with("dnsConfigSupported", Value::bool(true))
                .with("dhcpOnVnicSupported", Value::bool(true))
                .with("ipV6Supported", Value::bool(true)),
        ),
        _ => return Err(Fault::invalid_property(path)),
    };
    walk(top, rest)
}

fn vswitch_key(name: &str) -> String {
    format!("key-vim.host.VirtualSwitch-{name}")
}

fn portgroup_key(name: &str) -> String {
    format!("key-vim.host.PortGroup-{name}")
}

fn pnic_key(name: &str) -> String {
    format!("key-vim.host.PhysicalNic-{name}")
}

/// The key of a port group's `n`th port (counted from 0).
fn port_key(n: usize) -> String {
    format!("key-vim.host.PortGroup.Port-{}", 33554432 + n)
}

/// A port group's `n`th port, used by `mac` of a `ty` (`virtualMachine` or `host`).
fn port_value(n: usize, mac: &str, ty: &str) -> Value {
    Value::obj("HostPortGroupPort")
        .with("key", Value::str(port_key(n)))
        .with("mac", Value::strings([mac]))
        .with("type", Value::str(ty))
}

fn full_policy(nics: &[String]) -> Value {
    Value::obj("HostNetworkPolicy")
        .with(
            "security",
            Value::obj("HostNetworkSecurityPolicy")
                .with("allowPromiscuous", Value::bool(false))
                .with("macChanges", Value::bool(true))
                .with("forgedTransmits", Value::bool(true)),
        )
        .with(
            "nicTeaming",
            Value::obj("HostNicTeamingPolicy")
                .with("policy", Value::str("loadbalance_srcid"))
                .with("reversePolicy", Value::bool(true))
                .with("notifySwitches", Value::bool(true))
                .with("rollingOrder", Value::bool(false))
                .with(
                    "failureCriteria",
                    Value::obj("HostNicFailureCriteria")
                        .with("checkSpeed", Value::str("minimum"))
                        .with("speed", Value::int(10))
                        .with("checkDuplex", Value::bool(false))
                        .with("fullDuplex", Value::bool(false))
                        .with("checkErrorPercent", Value::bool(false))
                        .with("percentage", Value::int(0))
                        .with("checkBeacon", Value::bool(false)),
                )
                .with(
                    "nicOrder",
                    Value::obj("HostNicOrderPolicy")
                        .with("activeNic", Value::strings(nics.iter().cloned())),
                ),
        )
        .with(
            "offloadPolicy",
            Value::obj("HostNetOffloadCapabilities")
                .with("csumOffload", Value::bool(true))
                .with("tcpSegmentation", Value::bool(true))
                .with("zeroCopyXmit", Value::bool(true)),
        )
        .with(
            "shapingPolicy",
            Value::obj("HostNetworkTrafficShapingPolicy").with("enabled", Value::bool(false)),
        )
}

fn vswitch_value(h: &Host, s: &VSwitch) -> Value {
    let pgs: Vec<String> = h
        .portgroups
        .iter()
        .filter(|p| p.vswitch == s.name)
        .map(|p| portgroup_key(&p.name))
        .collect();
    let used = h.portgroups.iter().filter(|p| p.vswitch == s.name).count() as i32;
    let mut spec = Value::obj("HostVirtualSwitchSpec").with("numPorts", Value::int(s.num_ports));
    if !s.pnics.is_empty() {
        spec = spec.with(
            "bridge",
            Value::obj("HostVirtualSwitchBondBridge")
                .with("nicDevice", Value::strings(s.pnics.iter().cloned()))
                .with(
                    "beacon",
                    Value::obj("HostVirtualSwitchBeaconConfig").with("interval", Value::int(1)),
                ),
        );
    }
    spec = spec
        .with("policy", full_policy(&s.pnics))
        .with("mtu", Value::int(s.mtu));
    Value::obj("HostVirtualSwitch")
        .with("name", Value::str(&s.name))
        .with("key", Value::str(vswitch_key(&s.name)))
        .with("numPorts", Value::int(s.num_ports))
        .with(
            "numPortsAvailable",
            Value::int((s.num_ports - 8 - used).max(0)),
        )
        .with("mtu", Value::int(s.mtu))
        .with("portgroup", Value::strings(pgs))
        .with("pnic", Value::strings(s.pnics.iter().map(|p| pnic_key(p))))
        .with("spec", spec)
}

fn portgroup_value(w: &World, h: &Host, p: &PortGroup) -> Value {
    let nics = h
        .vswitches
        .iter()
        .find(|s| s.name == p.vswitch)
        .map(|s| s.pnics.clone())
        .unwrap_or_default();
    let mut ports = Vec::new();
    for vm in w
        .vms_on_host(&h.moid)
        .filter(|v| v.power_state == PowerState::PoweredOn)
    {
        for d in &vm.config.devices {
            if let Device::Nic { network, mac, .. } = d {
                if *network == p.name {
                    ports.push(port_value(ports.len(), mac, "virtualMachine"));
                }
            }
        }
    }
    for k in h.vmknics.iter().filter(|k| k.portgroup == p.name) {
        ports.push(port_value(ports.len(), &k.mac, "host"));
    }
    Value::obj("HostPortGroup")
        .with("key", Value::str(portgroup_key(&p.name)))
        .with("port", Value::array("HostPortGroupPort", ports))
        .with("vswitch", Value::str(vswitch_key(&p.vswitch)))
        .with("computedPolicy", full_policy(&nics))
        .with(
            "spec",
            Value::obj("HostPortGroupSpec")
                .with("name", Value::str(&p.name))
                .with("vlanId", Value::int(p.vlan_id))
                .with("vswitchName", Value::str(&p.vswitch))
                .with("policy", Value::obj("HostNetworkPolicy")),
        )
}

/// A link speed in Mb/s and its duplex.
fn link_info(speed_mb: i32, duplex: bool) -> Value {
    Value::obj("PhysicalNicLinkInfo")
        .with("speedMb", Value::int(speed_mb))
        .with("duplex", Value::bool(duplex))
}

/// A fixed (not DHCP) IPv4 configuration.
fn static_ip(address: &str, mask: &str) -> Value {
    Value::obj("HostIpConfig")
        .with("dhcp", Value::bool(false))
        .with("ipAddress", Value::str(address))
        .with("subnetMask", Value::str(mask))
}

fn pnic_value(n: &crate::inventory::PNic) -> Value {
    let link = n.link_speed_mb.map(|s| link_info(s, n.full_duplex));
    Value::obj("PhysicalNic")
        .with("key", Value::str(pnic_key(&n.device)))
        .with("device", Value::str(&n.device))
        .with("pci", Value::str(&n.pci))
        .with("driver", Value::str(&n.driver))
        .with_opt("linkSpeed", link.clone())
        .with(
            "validLinkSpecification",
            Value::array(
                "PhysicalNicLinkInfo",
                [1000, 10000].iter().map(|s| link_info(*s, true)).collect(),
            ),
        )
        .with(
            "spec",
            Value::obj("PhysicalNicSpec")
                .with("ip", static_ip("", ""))
                .with_opt("linkSpeed", link),
        )
        .with("wakeOnLanSupported", Value::bool(false))
        .with("mac", Value::str(&n.mac))
}

fn vnic_value(k: &crate::inventory::VmkNic) -> Value {
    Value::obj("HostVirtualNic")
        .with("device", Value::str(&k.device))
        .with(
            "key",
            Value::str(format!("key-vim.host.VirtualNic-{}", k.device)),
        )
        .with("portgroup", Value::str(&k.portgroup))
        .with(
            "spec",
            Value::obj("HostVirtualNicSpec")
                .with("ip", static_ip(&k.ip, &k.netmask))
                .with("mac", Value::str(&k.mac))
                .with("mtu", Value::int(k.mtu)),
        )
        .with("port", Value::str(port_key(0)))
}

pub fn network_info(w: &World, h: &Host) -> Value {
    let vswitches = h.vswitches.iter().map(|s| vswitch_value(h, s));
    let portgroups = h.portgroups.iter().map(|p| portgroup_value(w, h, p));
    Value::obj("HostNetworkInfo")
        .with("vswitch", Value::array_of("HostVirtualSwitch", vswitches))
        .with("portgroup", Value::array_of("HostPortGroup", portgroups))
        .with(
            "pnic",
            Value::array_of("PhysicalNic", h.pnics.iter().map(pnic_value)),
        )
        .with(
            "vnic",
            Value::array_of("HostVirtualNic", h.vmknics.iter().map(vnic_value)),
        )
        .with(
            "dnsConfig",
            Value::obj("HostDnsConfig")
                .with("dhcp", Value::bool(false))
                .with("hostName", Value::str(&h.dns_host_name))
                .with("domainName", Value::str(&h.dns_domain_name))
                .with("address", Value::strings(["192.168.10.1"]))
                .with("searchDomain", Value::strings([h.dns_domain_name.clone()])),
        )
        .with(
            "ipRouteConfig",
            Value::obj("HostIpRouteConfig").with("defaultGateway", Value::str("192.168.10.1")),
        )
        .with("ipV6Enabled", Value::bool(false))
        .with("atBootIpV6Enabled", Value::bool(false))
}

fn resource_in_use(msg: String) -> Fault {
    Fault::new("ResourceInUse", msg)
}

/// `AddVirtualSwitch`: a new switch bridging free physical NICs.
fn add_virtual_switch(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let name = args.req_text("vswitchName")?.to_string();
    if name.is_empty() || name.len() > 32 {
        return Err(Fault::invalid_argument("vswitchName"));
    }
    let spec = args.child("spec");
    let num_ports = spec
        .and_then(|s| s.i32_of("numPorts").ok().flatten())
        .unwrap_or(128);
    let mtu = spec
        .and_then(|s| s.i32_of("mtu").ok().flatten())
        .unwrap_or(1500);
    let nics: Vec<String> = spec
        .and_then(|s| s.child("bridge"))
        .map(|b| b.strings_of("nicDevice"))
        .unwrap_or_default();
    let h = TYPE.host_mut(w, &this.value)?;
    if h.vswitches.iter().any(|s| s.name == name) {
        return Err(Fault::already_exists(&name));
    }
    for n in &nics {
        if !h.pnics.iter().any(|p| &p.device == n) {
            return Err(Fault::not_found_named(format!(
                "Physical NIC {n} not found"
            )));
        }
        if h.vswitches.iter().any(|s| s.pnics.contains(n)) {
            return Err(resource_in_use(format!(
                "The physical NIC {n} is already in use by another virtual switch."
            )));
        }
    }
    h.vswitches.push(VSwitch {
        name,
        num_ports,
        mtu,
        pnics: nics,
    });
    Ok(None)
}

/// The item of `items` whose `name_of` is `name`, or a `NotFound` naming it as a `what`.
fn find_named<'a, T>(
    items: &'a mut [T],
    name_of: fn(&T) -> &String,
    what: &str,
    name: &str,
) -> Result<&'a mut T, Fault> {
    items
        .iter_mut()
        .find(|i| name_of(i) == name)
        .ok_or_else(|| Fault::not_found_named(format!("{what} {name} not found")))
}

/// `UpdateVirtualSwitch`: ports, MTU and bridged NICs.
fn update_virtual_switch(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let name = args.req_text("vswitchName")?.to_string();
    let spec = args.req_child("spec")?;
    let h = TYPE.host_mut(w, &this.value)?;
    let s = find_named(&mut h.vswitches, |s| &s.name, "Virtual switch", &name)?;
    if let Some(n) = spec.i32_of("numPorts")? {
        s.num_ports = n;
    }
    if let Some(m) = spec.i32_of("mtu")? {
        s.mtu = m;
    }
    if let Some(b) = spec.child("bridge") {
        s.pnics = b.strings_of("nicDevice");
    }
    Ok(None)
}

/// `RemoveVirtualSwitch`, refused while a VMkernel NIC or a running VM uses its port groups.
fn remove_virtual_switch(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let host = TYPE.host_id(w, &this.value)?;
    let name = args.req_text("vswitchName")?.to_string();
    let in_use = {
        let h = w.host(&host).map_err(|_| Fault::not_found(this))?;
        if !h.vswitches.iter().any(|s| s.name == name) {
            return Err(Fault::not_found_named(format!(
                "Virtual switch {name} not found"
            )));
        }
        let pgs: Vec<&PortGroup> = h.portgroups.iter().filter(|p| p.vswitch == name).collect();
        pgs.iter().any(|p| h.vmknics.iter().any(|k| k.portgroup == p.name))
                    || w.vms_on_host(&host).any(|v| {
                        v.power_state == PowerState::PoweredOn
                            && v.config.devices.iter().any(|d| matches!(d, Device::Nic { network, .. } if pgs.iter().any(|p| &p.name == network)))
                    })
    };
    if in_use {
        return Err(resource_in_use(format!("The resource '{name}' is in use.")));
    }
    let h = w.host_mut(&host).map_err(|_| Fault::not_found(this))?;
    h.vswitches.retain(|s| s.name != name);
    h.portgroups.retain(|p| p.vswitch != name);
    w.prune_networks();
    Ok(None)
}

/// `AddPortGroup` on an existing switch (and its network in the datacenter).
fn add_port_group(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let host = TYPE.host_id(w, &this.value)?;
    let pg = args.req_child("portgrp")?;
    let name = pg.req_text("name")?.to_string();
    let vlan = pg.i32_of("vlanId")?.unwrap_or(0);
    let vs = pg.req_text("vswitchName")?.to_string();
    if !(0..=4095).contains(&vlan) {
        return Err(Fault::invalid_argument("portgrp.vlanId"));
    }
    let h = w.host_mut(&host).map_err(|_| Fault::not_found(this))?;
    if h.portgroups.iter().any(|p| p.name == name) {
        return Err(Fault::already_exists(&name));
    }
    if !h.vswitches.iter().any(|s| s.name == vs) {
        return Err(Fault::not_found_named(format!(
            "Virtual switch {vs} not found"
        )));
    }
    h.portgroups.push(PortGroup {
        name: name.clone(),
        vlan_id: vlan,
        vswitch: vs,
    });
    w.ensure_network(&host, &name);
    Ok(None)
}

/// `UpdatePortGroup`: its VLAN.
fn update_port_group(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let old = args.req_text("pgName")?.to_string();
    let pg = args.req_child("portgrp")?;
    let h = TYPE.host_mut(w, &this.value)?;
    let p = find_named(&mut h.portgroups, |p| &p.name, "Port group", &old)?;
    if let Some(v) = pg.i32_of("vlanId")? {
        p.vlan_id = v;
    }
    Ok(None)
}

/// `RemovePortGroup`, refused while a VMkernel NIC or a running VM uses it.
fn remove_port_group(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let host = TYPE.host_id(w, &this.value)?;
    let name = args.req_text("pgName")?.to_string();
    {
        let h = w.host(&host).map_err(|_| Fault::not_found(this))?;
        if !h.portgroups.iter().any(|p| p.name == name) {
            return Err(Fault::not_found_named(format!(
                "Port group {name} not found"
            )));
        }
        let used = h.vmknics.iter().any(|k| k.portgroup == name)
            || w.vms_on_host(&host).any(|v| {
                v.power_state == PowerState::PoweredOn
                    && v.config
                        .devices
                        .iter()
                        .any(|d| matches!(d, Device::Nic { network, .. } if *network == name))
            });
        if used {
            return Err(resource_in_use(format!("The resource '{name}' is in use.")));
        }
    }
    w.host_mut(&host)
        .map_err(|_| Fault::not_found(this))?
        .portgroups
        .retain(|p| p.name != name);
    w.prune_networks();
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, TestWorld};
    use crate::value::Value;

    /// Calls `method` of the host's network system.
    fn net(t: &mut TestWorld, method: &str, args: &str) -> crate::object::Reply {
        t.call("HostNetworkSystem", "networkSystem", method, args)
    }

    fn switches(t: &TestWorld) -> Vec<String> {
        t.get("HostNetworkSystem", "networkSystem", "networkInfo.vswitch")
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.path("name").and_then(Value::as_str).unwrap().to_string())
            .collect()
    }

    #[test]
    fn switches_and_port_groups() {
        let mut t = TestWorld::esx();
        assert_eq!(switches(&t), ["vSwitch0", "vSwitch1"]);
        net(&mut t, "AddVirtualSwitch",
            "<vswitchName>vSwitch2</vswitchName><spec><numPorts>64</numPorts><mtu>9000</mtu></spec>",
        )
        .unwrap();
        assert_eq!(switches(&t), ["vSwitch0", "vSwitch1", "vSwitch2"]);
        net(&mut t, "AddPortGroup",
            "<portgrp><name>Lab</name><vlanId>12</vlanId><vswitchName>vSwitch2</vswitchName><policy/></portgrp>",
        )
        .unwrap();
        assert!(t.w.networks.values().any(|n| n.name == "Lab"));
        net(&mut t, "RemovePortGroup", "<pgName>Lab</pgName>").unwrap();
        assert!(!t.w.networks.values().any(|n| n.name == "Lab"));
        net(
            &mut t,
            "RemoveVirtualSwitch",
            "<vswitchName>vSwitch2</vswitchName>",
        )
        .unwrap();
        assert_eq!(switches(&t).len(), 2);
    }

    #[test]
    fn bad_names_duplicates_and_switches_in_use() {
        let mut t = TestWorld::esx();
        let add = |n: &str| format!("<vswitchName>{n}</vswitchName>");
        let r = net(&mut t, "AddVirtualSwitch", &add(""));
        assert_eq!(fault_type(r), "InvalidArgument");
        let r = net(&mut t, "AddVirtualSwitch", &add("vSwitch0"));
        assert_eq!(fault_type(r), "AlreadyExists");
        let vlan = "<portgrp><name>X</name><vlanId>5000</vlanId><vswitchName>vSwitch0</vswitchName></portgrp>";
        let r = net(&mut t, "AddPortGroup", vlan);
        assert_eq!(fault_type(r), "InvalidArgument");
        // web01 runs on "VM Network" of vSwitch0; the management port group has a vmknic.
        let r = net(&mut t, "RemovePortGroup", "<pgName>VM Network</pgName>");
        assert_eq!(fault_type(r), "ResourceInUse");
        let r = net(&mut t, "RemoveVirtualSwitch", &add("vSwitch0"));
        assert_eq!(fault_type(r), "ResourceInUse");
        let r = net(&mut t, "UpdatePortGroup", "<pgName>nope</pgName><portgrp/>");
        assert_eq!(fault_type(r), "NotFound");
    }
}
