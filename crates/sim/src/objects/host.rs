//! HostSystem and its per-host managers: HostNetworkSystem (virtual switches, port groups,
//! physical NICs), HostStorageSystem (HBAs, iSCSI targets, LUNs, file system volumes),
//! HostAutoStartManager and HostDatastoreSystem.

use crate::fault::Fault;
use crate::inventory::{
    AutoStartPowerInfo, Datastore, DatastoreKind, Device, Host, PortGroup, PowerState, ServerKind,
    VSwitch, World,
};
use crate::object::CallCx;
use crate::soap::Element;
use crate::value::{MoRef, Value};

use super::{is_unset_entity_property, split_path, walk};

/// Top-level HostSystem properties.
pub const PROPERTY_NAMES: &[&str] = &[
    "name",
    "parent",
    "summary",
    "hardware",
    "config",
    "configManager",
    "runtime",
    "capability",
    "vm",
    "datastore",
    "network",
    "datastoreBrowser",
    "overallStatus",
    "configStatus",
];

/// (ESX id, vCenter prefix) of each per-host manager.
const MANAGERS: &[(&str, &str, &str)] = &[
    ("HostNetworkSystem", "networkSystem", "networkSystem-"),
    ("HostStorageSystem", "storageSystem", "storageSystem-"),
    (
        "HostAutoStartManager",
        "ha-autostart-mgr",
        "autoStartManager-",
    ),
    (
        "HostDatastoreSystem",
        "ha-datastoresystem",
        "datastoreSystem-",
    ),
    ("HostFirewallSystem", "firewallSystem", "firewallSystem-"),
    (
        "HostDatastoreBrowser",
        "ha-host-datastorebrowser",
        "datastoreBrowser-",
    ),
];

/// The id of manager `ty` of `host`.
pub(crate) fn manager_id(w: &World, ty: &str, host: &str) -> String {
    let (_, esx, vc) = MANAGERS
        .iter()
        .find(|(t, _, _)| *t == ty)
        .copied()
        .unwrap_or(("", "", ""));
    match w.kind {
        ServerKind::Esx => esx.to_string(),
        ServerKind::Vcenter => format!("{vc}{host}"),
    }
}

/// The host a per-host manager belongs to.
pub(crate) fn manager_host(w: &World, obj: &MoRef) -> Option<String> {
    let (_, esx, vc) = MANAGERS.iter().find(|(t, _, _)| *t == obj.ty)?;
    match w.kind {
        ServerKind::Esx => (obj.value == *esx)
            .then(|| w.hosts.keys().next().cloned())
            .flatten(),
        ServerKind::Vcenter => {
            let h = obj.value.strip_prefix(vc)?;
            w.hosts.contains_key(h).then(|| h.to_string())
        }
    }
}

fn bits(v: u32) -> String {
    let s = format!("{v:032b}");
    s.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(":")
}

fn cpu_features(h: &Host) -> Value {
    Value::array(
        "HostCpuIdInfo",
        h.hardware
            .cpuid
            .iter()
            .map(|l| {
                Value::obj("HostCpuIdInfo")
                    .with("level", Value::int(l.level))
                    .with("vendor", Value::str(""))
                    .with("eax", Value::str(bits(l.eax)))
                    .with("ebx", Value::str(bits(l.ebx)))
                    .with("ecx", Value::str(bits(l.ecx)))
                    .with("edx", Value::str(bits(l.edx)))
            })
            .collect(),
    )
}

fn hardware(h: &Host) -> Value {
    let hw = &h.hardware;
    let hz = hw.cpu_mhz as i64 * 1_000_000;
    Value::obj("HostHardwareInfo")
        .with(
            "systemInfo",
            Value::obj("HostSystemInfo")
                .with("vendor", Value::str(&hw.vendor))
                .with("model", Value::str(&hw.model))
                .with("uuid", Value::str(&hw.uuid)),
        )
        .with(
            "cpuInfo",
            Value::obj("HostCpuInfo")
                .with("numCpuPackages", Value::Short(hw.cpu_packages as i16))
                .with("numCpuCores", Value::Short(hw.cpu_cores as i16))
                .with("numCpuThreads", Value::Short(hw.cpu_threads as i16))
                .with("hz", Value::long(hz)),
        )
        .with(
            "cpuPkg",
            Value::array(
                "HostCpuPackage",
                (0..hw.cpu_packages)
                    .map(|i| {
                        let per = (hw.cpu_threads / hw.cpu_packages.max(1)) as i16;
                        Value::obj("HostCpuPackage")
                            .with("index", Value::Short(i as i16))
                            .with("vendor", Value::str(&hw.cpu_vendor))
                            .with("hz", Value::long(hz))
                            .with("busHz", Value::long(100_000_000))
                            .with("description", Value::str(&hw.cpu_model))
                            .with(
                                "threadId",
                                Value::array(
                                    "short",
                                    (0..per)
                                        .map(|t| {
                                            Value::Short(
                                                (i as i16).saturating_mul(per).saturating_add(t),
                                            )
                                        })
                                        .collect(),
                                ),
                            )
                    })
                    .collect(),
            ),
        )
        .with("memorySize", Value::long(hw.memory_bytes))
        .with(
            "numaInfo",
            Value::obj("HostNumaInfo")
                .with("type", Value::str("NUMA"))
                .with("numNodes", Value::int(hw.numa_nodes as i32)),
        )
        .with("smcPresent", Value::bool(false))
        .with("cpuFeature", cpu_features(h))
        .with(
            "biosInfo",
            Value::obj("HostBIOSInfo")
                .with("biosVersion", Value::str(&hw.bios_version))
                .with(
                    "releaseDate",
                    Value::DateTime("2021-07-20T00:00:00Z".into()),
                ),
        )
}

fn product(w: &World) -> Value {
    let mut about = crate::inventory::About::esxi();
    // On a vCenter the host still is an ESXi.
    if w.kind == ServerKind::Esx {
        about = w.about.clone();
    }
    Value::obj("AboutInfo")
        .with("name", Value::str(&about.name))
        .with("fullName", Value::str(&about.full_name))
        .with("vendor", Value::str(&about.vendor))
        .with("version", Value::str(&about.version))
        .with("build", Value::str(&about.build))
        .with("localeVersion", Value::str(&about.locale_version))
        .with("localeBuild", Value::str(&about.locale_build))
        .with("osType", Value::str(&about.os_type))
        .with("productLineId", Value::str(&about.product_line_id))
        .with("apiType", Value::str(&about.api_type))
        .with("apiVersion", Value::str(&about.api_version))
        .with(
            "licenseProductName",
            Value::str(&about.license_product_name),
        )
        .with(
            "licenseProductVersion",
            Value::str(&about.license_product_version),
        )
}

fn used_memory_mb(w: &World, h: &Host) -> i64 {
    w.vms_on_host(&h.moid)
        .filter(|v| v.power_state == PowerState::PoweredOn)
        .map(|v| v.config.memory_mb / 2)
        .sum::<i64>()
        + 2048
}

fn summary(w: &World, h: &Host) -> Value {
    let hw = &h.hardware;
    let running: Vec<_> = w
        .vms_on_host(&h.moid)
        .filter(|v| v.power_state == PowerState::PoweredOn)
        .collect();
    let cpu_use: i32 = running
        .iter()
        .map(|v| v.config.num_cpu.saturating_mul(23))
        .fold(180i32, |a, b| a.saturating_add(b));
    Value::obj("HostListSummary")
        .with("host", Value::moref("HostSystem", h.moid.clone()))
        .with(
            "hardware",
            Value::obj("HostHardwareSummary")
                .with("vendor", Value::str(&hw.vendor))
                .with("model", Value::str(&hw.model))
                .with("uuid", Value::str(&hw.uuid))
                .with("memorySize", Value::long(hw.memory_bytes))
                .with("cpuModel", Value::str(&hw.cpu_model))
                .with("cpuMhz", Value::int(hw.cpu_mhz as i32))
                .with("numCpuPkgs", Value::Short(hw.cpu_packages as i16))
                .with("numCpuCores", Value::Short(hw.cpu_cores as i16))
                .with("numCpuThreads", Value::Short(hw.cpu_threads as i16))
                .with("numNics", Value::int(h.pnics.len() as i32))
                .with("numHBAs", Value::int(h.hbas.len() as i32)),
        )
        .with("runtime", runtime(h))
        .with(
            "config",
            Value::obj("HostConfigSummary")
                .with("name", Value::str(&h.name))
                .with("port", Value::int(443))
                .with("product", product(w))
                .with("vmotionEnabled", Value::bool(w.kind == ServerKind::Vcenter))
                .with("faultToleranceEnabled", Value::bool(false)),
        )
        .with(
            "quickStats",
            Value::obj("HostListSummaryQuickStats")
                .with("overallCpuUsage", Value::int(cpu_use))
                .with(
                    "overallMemoryUsage",
                    Value::int(used_memory_mb(w, h) as i32),
                )
                .with("distributedCpuFairness", Value::int(10000))
                .with("distributedMemoryFairness", Value::int(10000))
                .with("uptime", Value::int(3_600 * 24 * 7)),
        )
        .with(
            "overallStatus",
            Value::enumv("ManagedEntityStatus", "green"),
        )
        .with("rebootRequired", Value::bool(false))
        .with_opt(
            "managementServerIp",
            management_server_ip(w, h).map(Value::str),
        )
}

/// The vCenter managing the host, as `summary.managementServerIp` reports it.
fn management_server_ip<'a>(w: &World, h: &'a Host) -> Option<&'a str> {
    match h.management_server_ip.as_deref() {
        Some("") => None,
        Some(ip) => Some(ip),
        None => (w.kind == ServerKind::Vcenter).then_some("192.168.10.2"),
    }
}

fn runtime(h: &Host) -> Value {
    Value::obj("HostRuntimeInfo")
        .with(
            "connectionState",
            Value::enumv("HostSystemConnectionState", h.connection_state.clone()),
        )
        .with(
            "powerState",
            Value::enumv("HostSystemPowerState", "poweredOn"),
        )
        .with("standbyMode", Value::str("none"))
        .with("inMaintenanceMode", Value::bool(h.in_maintenance_mode))
        .with("inQuarantineMode", Value::bool(false))
        .with("bootTime", Value::DateTime(h.boot_time.clone()))
}

fn capability(h: &Host) -> Value {
    Value::obj("HostCapability")
        .with("recursiveResourcePoolsSupported", Value::bool(true))
        .with("cpuMemoryResourceConfigurationSupported", Value::bool(true))
        .with("rebootSupported", Value::bool(true))
        .with("shutdownSupported", Value::bool(true))
        .with("vmotionSupported", Value::bool(true))
        .with("standbySupported", Value::bool(true))
        .with("ipmiSupported", Value::bool(false))
        .with("maxSupportedVMs", Value::int(1024))
        .with("maxRunningVMs", Value::int(1024))
        .with("maxSupportedVcpus", Value::int(768))
        .with("maxRegisteredVMs", Value::int(1024))
        .with("datastorePrincipalSupported", Value::bool(false))
        .with("sanSupported", Value::bool(true))
        .with("nfsSupported", Value::bool(true))
        .with("iscsiSupported", Value::bool(true))
        .with("vlanTaggingSupported", Value::bool(true))
        .with("nicTeamingSupported", Value::bool(true))
        .with("highGuestMemSupported", Value::bool(true))
        .with("maintenanceModeSupported", Value::bool(true))
        .with("suspendedRelocateSupported", Value::bool(true))
        .with("restrictedSnapshotRelocateSupported", Value::bool(true))
        .with("perVmSwapFiles", Value::bool(true))
        .with("localSwapDatastoreSupported", Value::bool(true))
        .with("unsharedSwapVMotionSupported", Value::bool(true))
        .with("backgroundSnapshotsSupported", Value::bool(false))
        .with("preAssignedPCIUnitNumbersSupported", Value::bool(true))
        .with("screenshotSupported", Value::bool(true))
        .with("scaledScreenshotSupported", Value::bool(true))
        .with("storageVMotionSupported", Value::bool(true))
        .with("vmotionWithStorageVMotionSupported", Value::bool(true))
        .with("hbrNicSelectionSupported", Value::bool(true))
        .with("recordReplaySupported", Value::bool(false))
        .with("ftSupported", Value::bool(false))
        .with_opt(
            "maxHostRunningVms",
            (h.hardware.cpu_threads > 0).then(|| Value::int(1024)),
        )
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
                    ports.push(
                        Value::obj("HostPortGroupPort")
                            .with(
                                "key",
                                Value::str(format!(
                                    "key-vim.host.PortGroup.Port-{}",
                                    33554432 + ports.len()
                                )),
                            )
                            .with("mac", Value::strings([mac.clone()]))
                            .with("type", Value::str("virtualMachine")),
                    );
                }
            }
        }
    }
    for k in h.vmknics.iter().filter(|k| k.portgroup == p.name) {
        ports.push(
            Value::obj("HostPortGroupPort")
                .with(
                    "key",
                    Value::str(format!(
                        "key-vim.host.PortGroup.Port-{}",
                        33554432 + ports.len()
                    )),
                )
                .with("mac", Value::strings([k.mac.clone()]))
                .with("type", Value::str("host")),
        );
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

fn pnic_value(h: &Host, n: &crate::inventory::PNic) -> Value {
    let link = n.link_speed_mb.map(|s| {
        Value::obj("PhysicalNicLinkInfo")
            .with("speedMb", Value::int(s))
            .with("duplex", Value::bool(n.full_duplex))
    });
    let _ = h;
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
                [1000, 10000]
                    .iter()
                    .map(|s| {
                        Value::obj("PhysicalNicLinkInfo")
                            .with("speedMb", Value::int(*s))
                            .with("duplex", Value::bool(true))
                    })
                    .collect(),
            ),
        )
        .with(
            "spec",
            Value::obj("PhysicalNicSpec")
                .with(
                    "ip",
                    Value::obj("HostIpConfig")
                        .with("dhcp", Value::bool(false))
                        .with("ipAddress", Value::str(""))
                        .with("subnetMask", Value::str("")),
                )
                .with_opt("linkSpeed", link),
        )
        .with("wakeOnLanSupported", Value::bool(false))
        .with("mac", Value::str(&n.mac))
}

fn network_info(w: &World, h: &Host) -> Value {
    Value::obj("HostNetworkInfo")
        .with(
            "vswitch",
            Value::array(
                "HostVirtualSwitch",
                h.vswitches.iter().map(|s| vswitch_value(h, s)).collect(),
            ),
        )
        .with(
            "portgroup",
            Value::array(
                "HostPortGroup",
                h.portgroups
                    .iter()
                    .map(|p| portgroup_value(w, h, p))
                    .collect(),
            ),
        )
        .with(
            "pnic",
            Value::array(
                "PhysicalNic",
                h.pnics.iter().map(|n| pnic_value(h, n)).collect(),
            ),
        )
        .with(
            "vnic",
            Value::array(
                "HostVirtualNic",
                h.vmknics
                    .iter()
                    .map(|k| {
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
                                    .with(
                                        "ip",
                                        Value::obj("HostIpConfig")
                                            .with("dhcp", Value::bool(false))
                                            .with("ipAddress", Value::str(&k.ip))
                                            .with("subnetMask", Value::str(&k.netmask)),
                                    )
                                    .with("mac", Value::str(&k.mac))
                                    .with("mtu", Value::int(k.mtu)),
                            )
                            .with(
                                "port",
                                Value::str(format!("key-vim.host.PortGroup.Port-{}", 33554432)),
                            )
                    })
                    .collect(),
            ),
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

fn hba_key(hba: &crate::inventory::Hba) -> String {
    if hba.iscsi_name.is_some() {
        format!("key-vim.host.InternetScsiHba-{}", hba.device)
    } else {
        format!("key-vim.host.BlockHba-{}", hba.device)
    }
}

fn lun_key(l: &crate::inventory::Lun) -> String {
    format!("key-vim.host.ScsiDisk-{}", l.uuid)
}

fn hba_value(hba: &crate::inventory::Hba, bus: i32) -> Value {
    let base = |ty: &str| {
        Value::obj(ty.to_string())
            .with("key", Value::str(hba_key(hba)))
            .with("device", Value::str(&hba.device))
            .with("bus", Value::int(bus))
            .with("status", Value::str(&hba.status))
            .with("model", Value::str(&hba.model))
            .with("driver", Value::str(&hba.driver))
            .with("pci", Value::str(&hba.pci))
    };
    let Some(iqn) = &hba.iscsi_name else {
        return base("HostBlockHba");
    };
    let f = Value::bool(false);
    let t = Value::bool(true);
    base("HostInternetScsiHba")
        .with("isSoftwareBased", t.clone())
        .with(
            "discoveryCapabilities",
            Value::obj("HostInternetScsiHbaDiscoveryCapabilities")
                .with("iSnsDiscoverySettable", f.clone())
                .with("slpDiscoverySettable", f.clone())
                .with("staticTargetDiscoverySettable", f.clone())
                .with("sendTargetsDiscoverySettable", f.clone()),
        )
        .with(
            "discoveryProperties",
            Value::obj("HostInternetScsiHbaDiscoveryProperties")
                .with("iSnsDiscoveryEnabled", f.clone())
                .with("slpDiscoveryEnabled", f.clone())
                .with("staticTargetDiscoveryEnabled", t.clone())
                .with("sendTargetsDiscoveryEnabled", t.clone()),
        )
        .with(
            "authenticationCapabilities",
            Value::obj("HostInternetScsiHbaAuthenticationCapabilities")
                .with("chapAuthSettable", t.clone())
                .with("krb5AuthSettable", f.clone())
                .with("srpAuthSettable", f.clone())
                .with("spkmAuthSettable", f.clone())
                .with("mutualChapSettable", t.clone())
                .with("targetChapSettable", t.clone())
                .with("targetMutualChapSettable", t.clone()),
        )
        .with(
            "authenticationProperties",
            Value::obj("HostInternetScsiHbaAuthenticationProperties")
                .with("chapAuthEnabled", f.clone())
                .with("chapName", Value::str(""))
                .with("chapSecret", Value::str("XXXXXXXXXX"))
                .with("chapAuthenticationType", Value::str("chapProhibited"))
                .with("mutualChapName", Value::str(""))
                .with("mutualChapSecret", Value::str("XXXXXXXXXX"))
                .with("mutualChapAuthenticationType", Value::str("chapProhibited")),
        )
        .with(
            "digestCapabilities",
            Value::obj("HostInternetScsiHbaDigestCapabilities")
                .with("headerDigestSettable", t.clone())
                .with("dataDigestSettable", t.clone())
                .with("targetHeaderDigestSettable", t.clone())
                .with("targetDataDigestSettable", t.clone()),
        )
        .with(
            "digestProperties",
            Value::obj("HostInternetScsiHbaDigestProperties")
                .with("headerDigestType", Value::str("digestProhibited"))
                .with("dataDigestType", Value::str("digestProhibited")),
        )
        .with(
            "ipCapabilities",
            Value::obj("HostInternetScsiHbaIPCapabilities")
                .with("addressSettable", f.clone())
                .with("ipConfigurationMethodSettable", f.clone())
                .with("subnetMaskSettable", f.clone())
                .with("defaultGatewaySettable", f.clone())
                .with("primaryDnsServerAddressSettable", f.clone())
                .with("alternateDnsServerAddressSettable", f.clone())
                .with("ipv6Supported", f.clone())
                .with("arpRedirectSettable", f.clone())
                .with("mtuSettable", f.clone())
                .with("hostNameAsTargetAddress", f.clone()),
        )
        .with(
            "ipProperties",
            Value::obj("HostInternetScsiHbaIPProperties")
                .with("dhcpConfigurationEnabled", f.clone()),
        )
        .with("iScsiName", Value::str(iqn))
        .with("iScsiAlias", Value::str(""))
        .with(
            "configuredSendTarget",
            Value::array(
                "HostInternetScsiHbaSendTarget",
                hba.targets
                    .iter()
                    .map(|t| {
                        Value::obj("HostInternetScsiHbaSendTarget")
                            .with("address", Value::str(&t.address))
                            .with("port", Value::int(t.port))
                            .with("parent", Value::str(&hba.device))
                    })
                    .collect(),
            ),
        )
        .with(
            "configuredStaticTarget",
            Value::array(
                "HostInternetScsiHbaStaticTarget",
                hba.targets
                    .iter()
                    .map(|t| {
                        Value::obj("HostInternetScsiHbaStaticTarget")
                            .with("address", Value::str(&t.address))
                            .with("port", Value::int(t.port))
                            .with("iScsiName", Value::str(&t.iscsi_name))
                            .with("parent", Value::str(format!("{}:{}", t.address, t.port)))
                    })
                    .collect(),
            ),
        )
}

fn lun_value(l: &crate::inventory::Lun) -> Value {
    let dev = format!("/vmfs/devices/disks/{}", l.canonical_name);
    Value::obj("HostScsiDisk")
        .with("deviceName", Value::str(&dev))
        .with("deviceType", Value::str("disk"))
        .with("key", Value::str(lun_key(l)))
        .with("uuid", Value::str(&l.uuid))
        .with("canonicalName", Value::str(&l.canonical_name))
        .with("displayName", Value::str(&l.display_name))
        .with("lunType", Value::str("disk"))
        .with("vendor", Value::str(format!("{:<8}", l.vendor)))
        .with("model", Value::str(format!("{:<16}", l.model)))
        .with("revision", Value::str("0123"))
        .with("scsiLevel", Value::int(6))
        .with("serialNumber", Value::str("unavailable"))
        .with("queueDepth", Value::int(128))
        .with("operationalState", Value::strings(["ok"]))
        .with(
            "capabilities",
            Value::obj("ScsiLunCapabilities").with("updateDisplayNameSupported", Value::bool(true)),
        )
        .with(
            "capacity",
            Value::obj("HostDiskDimensionsLba")
                .with("blockSize", Value::int(l.block_size))
                .with("block", Value::long(l.blocks)),
        )
        .with("devicePath", Value::str(&dev))
}

fn storage_device_info(h: &Host) -> Value {
    let topo: Vec<Value> = h
        .hbas
        .iter()
        .map(|hba| {
            let mut targets = Vec::new();
            let groups: Vec<String> = {
                let mut g: Vec<String> = h
                    .luns
                    .iter()
                    .filter(|l| l.hba == hba.device)
                    .map(|l| l.target.clone())
                    .collect();
                g.dedup();
                g
            };
            for (ti, tname) in groups.iter().enumerate() {
                let luns: Vec<Value> = h
                    .luns
                    .iter()
                    .filter(|l| l.hba == hba.device && &l.target == tname)
                    .map(|l| {
                        Value::obj("HostScsiTopologyLun")
                            .with(
                                "key",
                                Value::str(format!("key-vim.host.ScsiTopology.Lun-{}", l.uuid)),
                            )
                            .with("lun", Value::int(l.lun))
                            .with("scsiLun", Value::str(lun_key(l)))
                    })
                    .collect();
                let transport = if hba.iscsi_name.is_some() {
                    let addr = hba
                        .targets
                        .iter()
                        .find(|t| &t.iscsi_name == tname)
                        .map(|t| format!("{}:{}", t.address, t.port))
                        .unwrap_or_default();
                    Value::obj("HostInternetScsiTargetTransport")
                        .with("iScsiName", Value::str(tname))
                        .with("iScsiAlias", Value::str(""))
                        .with("address", Value::strings([addr]))
                } else {
                    Value::obj("HostBlockAdapterTargetTransport")
                };
                targets.push(
                    Value::obj("HostScsiTopologyTarget")
                        .with(
                            "key",
                            Value::str(format!(
                                "key-vim.host.ScsiTopology.Target-{}:0:{ti}",
                                hba.device
                            )),
                        )
                        .with("target", Value::int(ti as i32))
                        .with("lun", Value::array("HostScsiTopologyLun", luns))
                        .with("transport", transport),
                );
            }
            Value::obj("HostScsiTopologyInterface")
                .with(
                    "key",
                    Value::str(format!(
                        "key-vim.host.ScsiTopology.Interface-{}",
                        hba.device
                    )),
                )
                .with("adapter", Value::str(hba_key(hba)))
                .with("target", Value::array("HostScsiTopologyTarget", targets))
        })
        .collect();
    Value::obj("HostStorageDeviceInfo")
        .with(
            "hostBusAdapter",
            Value::array(
                "HostHostBusAdapter",
                h.hbas
                    .iter()
                    .enumerate()
                    .map(|(i, a)| hba_value(a, i as i32))
                    .collect(),
            ),
        )
        .with(
            "scsiLun",
            Value::array("ScsiLun", h.luns.iter().map(lun_value).collect()),
        )
        .with(
            "scsiTopology",
            Value::obj("HostScsiTopology")
                .with("adapter", Value::array("HostScsiTopologyInterface", topo)),
        )
        .with(
            "softwareInternetScsiEnabled",
            Value::bool(h.hbas.iter().any(|a| a.iscsi_name.is_some())),
        )
}

/// HostFileSystemVolume of a datastore (VMFS or NAS). `host_detail` adds what the host's
/// fileSystemVolumeInfo reports beyond Datastore.info's volume (block and unmap geometry,
/// ssd/local, the NAS user name); Datastore.info leaves those out.
pub(crate) fn volume_value(d: &Datastore, host_detail: bool) -> Value {
    let detail = |v: Value| host_detail.then_some(v);
    match d.kind {
        DatastoreKind::Vmfs => Value::obj("HostVmfsVolume")
            .with("type", Value::str("VMFS"))
            .with("name", Value::str(&d.name))
            .with("capacity", Value::long(d.capacity))
            .with("blockSizeMb", Value::int(1))
            .with_opt("blockSize", detail(Value::int(1024)))
            .with_opt("unmapGranularity", detail(Value::int(1024)))
            .with_opt("unmapPriority", detail(Value::str("low")))
            .with("maxBlocks", Value::int(63_963_136))
            .with("majorVersion", Value::int(6))
            .with("version", Value::str("6.82"))
            .with("uuid", Value::str(&d.uuid))
            .with(
                "extent",
                Value::array(
                    "HostScsiDiskPartition",
                    d.vmfs_extent
                        .iter()
                        .map(|e| {
                            Value::obj("HostScsiDiskPartition")
                                .with("diskName", Value::str(e))
                                .with("partition", Value::int(1))
                        })
                        .collect(),
                ),
            )
            .with("vmfsUpgradable", Value::bool(false))
            .with_opt("ssd", detail(Value::bool(false)))
            .with_opt("local", detail(Value::bool(true))),
        DatastoreKind::Nfs => Value::obj("HostNasVolume")
            .with("type", Value::str("NFS"))
            .with("name", Value::str(&d.name))
            .with("capacity", Value::long(d.capacity))
            .with(
                "remoteHost",
                Value::str(d.nfs_host.clone().unwrap_or_default()),
            )
            .with(
                "remotePath",
                Value::str(d.nfs_path.clone().unwrap_or_default()),
            )
            .with_opt("userName", detail(Value::str(""))),
    }
}

fn file_system_volume_info(w: &World, h: &Host) -> Value {
    let mounts = h
        .datastores
        .iter()
        .filter_map(|d| w.datastores.get(d))
        .map(|d| {
            Value::obj("HostFileSystemMountInfo")
                .with(
                    "mountInfo",
                    Value::obj("HostMountInfo")
                        .with("path", Value::str(d.mount_path()))
                        .with("accessMode", Value::str("readWrite"))
                        .with("mounted", Value::bool(true))
                        .with("accessible", Value::bool(d.accessible)),
                )
                .with("volume", volume_value(d, true))
        })
        .collect();
    Value::obj("HostFileSystemVolumeInfo")
        .with(
            "volumeTypeList",
            Value::strings([
                "VMFS", "NFS", "NFS41", "vsan", "VVOL", "VFFS", "OTHER", "PMEM",
            ]),
        )
        .with("mountInfo", Value::array("HostFileSystemMountInfo", mounts))
}

fn autostart_value(h: &Host) -> Value {
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

fn config_manager(w: &World, h: &str) -> Value {
    let m = |ty: &str| Value::moref(ty.to_string(), manager_id(w, ty, h));
    Value::obj("HostConfigManager")
        .with("datastoreSystem", m("HostDatastoreSystem"))
        .with("storageSystem", m("HostStorageSystem"))
        .with("networkSystem", m("HostNetworkSystem"))
        .with("firewallSystem", m("HostFirewallSystem"))
        .with("autoStartManager", m("HostAutoStartManager"))
}

fn config_info(w: &World, h: &Host) -> Value {
    Value::obj("HostConfigInfo")
        .with("host", Value::moref("HostSystem", h.moid.clone()))
        .with("product", product(w))
        .with(
            "hyperThread",
            Value::obj("HostHyperThreadScheduleInfo")
                .with("available", Value::bool(true))
                .with("active", Value::bool(true))
                .with("config", Value::bool(true)),
        )
        .with("storageDevice", storage_device_info(h))
        .with("fileSystemVolume", file_system_volume_info(w, h))
        .with("network", network_info(w, h))
        .with("autoStart", autostart_value(h))
}

/// A HostSystem property.
pub fn property(w: &World, moid: &str, path: &str) -> Result<Option<Value>, Fault> {
    let h = w
        .host(moid)
        .map_err(|_| Fault::not_found(&MoRef::new("HostSystem", moid)))?;
    match path {
        "config.network.dnsConfig.hostName" => return Ok(Some(Value::str(&h.dns_host_name))),
        "config.network.dnsConfig.domainName" => return Ok(Some(Value::str(&h.dns_domain_name))),
        "config.network.vswitch" => return Ok(network_info(w, h).into_path("vswitch")),
        "config.network.portgroup" => return Ok(network_info(w, h).into_path("portgroup")),
        "config.network.pnic" => return Ok(network_info(w, h).into_path("pnic")),
        "hardware.cpuFeature" => return Ok(Some(cpu_features(h))),
        _ => {}
    }
    let (head, rest) = split_path(path);
    let top = match head {
        "name" => Some(Value::str(&h.name)),
        "parent" => Some(Value::MoRef(w.mo(&h.parent))),
        "summary" => Some(summary(w, h)),
        "hardware" => Some(hardware(h)),
        "config" => Some(config_info(w, h)),
        "configManager" => Some(config_manager(w, moid)),
        "runtime" => Some(runtime(h)),
        "capability" => Some(capability(h)),
        "vm" => Some(Value::morefs(
            w.vms_on_host(moid)
                .map(|v| MoRef::new("VirtualMachine", v.moid.clone())),
        )),
        "datastore" => Some(w.mos(h.datastores.iter())),
        "network" => Some(w.mos(w.host_networks(moid).iter())),
        "datastoreBrowser" => Some(Value::moref(
            "HostDatastoreBrowser",
            manager_id(w, "HostDatastoreBrowser", moid),
        )),
        "overallStatus" | "configStatus" => Some(Value::enumv("ManagedEntityStatus", "green")),
        "systemResources" | "licensableResource" => None,
        "recentTask" => None,
        p if is_unset_entity_property(p) => None,
        "alarmActionsEnabled" => Some(Value::bool(true)),
        _ => return Err(Fault::invalid_property(path)),
    };
    walk(top, rest)
}

/// A property of a per-host manager.
pub fn manager_property(w: &World, obj: &MoRef, path: &str) -> Result<Option<Value>, Fault> {
    let host = manager_host(w, obj).ok_or_else(|| Fault::not_found(obj))?;
    let h = w.host(&host).map_err(|_| Fault::not_found(obj))?;
    let (head, rest) = split_path(path);
    let top = match (obj.ty.as_ref(), head) {
        ("HostNetworkSystem", "networkInfo") => Some(network_info(w, h)),
        ("HostNetworkSystem", "networkConfig") => None,
        ("HostNetworkSystem", "capabilities") => Some(
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
        ("HostStorageSystem", "storageDeviceInfo") => Some(storage_device_info(h)),
        ("HostStorageSystem", "fileSystemVolumeInfo") => Some(file_system_volume_info(w, h)),
        ("HostAutoStartManager", "config") => Some(autostart_value(h)),
        ("HostDatastoreSystem", "datastore") => Some(w.mos(h.datastores.iter())),
        ("HostDatastoreSystem", "capabilities") => Some(
            Value::obj("HostDatastoreSystemCapabilities")
                .with("nfsMountCreationRequired", Value::bool(true))
                .with("nfsMountCreationSupported", Value::bool(true))
                .with("localDatastoreSupported", Value::bool(false))
                .with("vmfsExtentExpansionSupported", Value::bool(true)),
        ),
        _ => return Err(Fault::invalid_property(path)),
    };
    walk(top, rest)
}

fn resource_in_use(msg: String) -> Fault {
    Fault::new("ResourceInUse", msg)
}

/// HostSystem and manager methods.
pub fn invoke(
    w: &mut World,
    _cx: &mut CallCx<'_>,
    this: &MoRef,
    method: &str,
    args: &Element,
) -> Result<Option<Value>, Fault> {
    let host = if this.ty == "HostSystem" {
        this.value.clone()
    } else {
        manager_host(w, this).ok_or_else(|| Fault::not_found(this))?
    };
    match (this.ty.as_ref(), method) {
        ("HostNetworkSystem", "AddVirtualSwitch") => {
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
            let h = w.host_mut(&host).map_err(|_| Fault::not_found(this))?;
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
        ("HostNetworkSystem", "UpdateVirtualSwitch") => {
            let name = args.req_text("vswitchName")?.to_string();
            let spec = args
                .child("spec")
                .ok_or_else(|| Fault::missing_argument("spec"))?;
            let h = w.host_mut(&host).map_err(|_| Fault::not_found(this))?;
            let s = h
                .vswitches
                .iter_mut()
                .find(|s| s.name == name)
                .ok_or_else(|| {
                    Fault::not_found_named(format!("Virtual switch {name} not found"))
                })?;
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
        ("HostNetworkSystem", "RemoveVirtualSwitch") => {
            let name = args.req_text("vswitchName")?.to_string();
            let in_use = {
                let h = w.host(&host).map_err(|_| Fault::not_found(this))?;
                if !h.vswitches.iter().any(|s| s.name == name) {
                    return Err(Fault::not_found_named(format!(
                        "Virtual switch {name} not found"
                    )));
                }
                let pgs: Vec<&PortGroup> =
                    h.portgroups.iter().filter(|p| p.vswitch == name).collect();
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
        ("HostNetworkSystem", "AddPortGroup") => {
            let pg = args
                .child("portgrp")
                .ok_or_else(|| Fault::missing_argument("portgrp"))?;
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
        ("HostNetworkSystem", "UpdatePortGroup") => {
            let old = args.req_text("pgName")?.to_string();
            let pg = args
                .child("portgrp")
                .ok_or_else(|| Fault::missing_argument("portgrp"))?;
            let h = w.host_mut(&host).map_err(|_| Fault::not_found(this))?;
            let p = h
                .portgroups
                .iter_mut()
                .find(|p| p.name == old)
                .ok_or_else(|| Fault::not_found_named(format!("Port group {old} not found")))?;
            if let Some(v) = pg.i32_of("vlanId")? {
                p.vlan_id = v;
            }
            Ok(None)
        }
        ("HostNetworkSystem", "RemovePortGroup") => {
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
                            && v.config.devices.iter().any(
                                |d| matches!(d, Device::Nic { network, .. } if *network == name),
                            )
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
        ("HostNetworkSystem", "RefreshNetworkSystem") => Ok(None),
        ("HostStorageSystem", "RescanHba") => {
            let dev = args.req_text("hbaDevice")?;
            let h = w.host(&host).map_err(|_| Fault::not_found(this))?;
            if !h.hbas.iter().any(|a| a.device == dev) {
                return Err(Fault::not_found_named(format!(
                    "Host bus adapter {dev} not found"
                )));
            }
            Ok(None)
        }
        ("HostStorageSystem", "RescanAllHba" | "RefreshStorageSystem" | "RescanVmfs") => Ok(None),
        ("HostDatastoreSystem", "RefreshDatastore") | ("HostSystem", "RefreshDatastore") => {
            Ok(None)
        }
        ("HostAutoStartManager", "ReconfigureAutostart") => {
            let spec = args
                .child("spec")
                .ok_or_else(|| Fault::missing_argument("spec"))?
                .clone();
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
        ("HostAutoStartManager", "AutoStartPowerOn" | "AutoStartPowerOff") => Ok(None),
        ("HostSystem", "EnterMaintenanceMode_Task" | "ExitMaintenanceMode_Task") => {
            let enter = method.starts_with("Enter");
            let name = w.host(&host).map(|h| h.name.clone()).unwrap_or_default();
            let t = _cx.tasks.run(
                crate::task::TaskSpec {
                    entity: Some(this.clone()),
                    entity_name: Some(name),
                    name: method.to_string(),
                    description_id: format!(
                        "HostSystem.{}",
                        if enter {
                            "enterMaintenanceMode"
                        } else {
                            "exitMaintenanceMode"
                        }
                    ),
                    cancelable: false,
                },
                _cx.user,
                || {
                    if enter
                        && w.vms_on_host(&host)
                            .any(|v| v.power_state == PowerState::PoweredOn)
                    {
                        return Err(Fault::invalid_state(
                            "The host has powered-on virtual machines.",
                        ));
                    }
                    if let Ok(h) = w.host_mut(&host) {
                        h.in_maintenance_mode = enter;
                    }
                    Ok(None)
                },
            );
            Ok(Some(Value::MoRef(t)))
        }
        (ty, m) => Err(Fault::method_not_found(ty, m)),
    }
}
