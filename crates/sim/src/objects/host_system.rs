//! `HostSystem`: a host's hardware, runtime, summary, capabilities and configuration (the
//! latter assembled from its managers' views), its VMs, datastores and networks, and
//! maintenance mode.

use crate::fault::Fault;
use crate::inventory::{Host, ServerKind, World};
use crate::object::CallCx;
use crate::value::{MoRef, Value};

use super::common::{entity_or_invalid, fault_of, split_path, walk};
use super::entry::{Call, Ids, ManagedType, Reply};
use super::{
    datastore_browser, host_autostart_manager, host_datastore_system, host_firewall_system,
    host_network_system, host_storage_system,
};

/// The `HostSystem` type.
pub const TYPE: ManagedType = ManagedType {
    name: "HostSystem",
    ids: Ids::Records(|w, id| w.hosts.contains_key(id)),
    properties: PROPERTY_NAMES,
    property,
    methods: &[
        ("RefreshDatastore", |_, _, _| Ok(None)),
        ("EnterMaintenanceMode_Task", maintenance_mode),
        ("ExitMaintenanceMode_Task", maintenance_mode),
    ],
};

/// Top-level HostSystem properties.
const PROPERTY_NAMES: &[&str] = &[
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

/// Memory in use on a host whose powered-on VMs have these (vCPUs, memory MB).
fn used_memory_mb(running: &[(i32, i64)]) -> i64 {
    running.iter().map(|(_, mb)| mb / 2).sum::<i64>() + 2048
}

fn summary(w: &World, h: &Host) -> Value {
    let hw = &h.hardware;
    let loads = w.host_loads();
    let running = loads.get(&h.moid).map_or(&[][..], |l| &l.running[..]);
    let cpu_use: i32 = running
        .iter()
        .map(|(cpus, _)| cpus.saturating_mul(23))
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
                    Value::int(used_memory_mb(running) as i32),
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

fn config_manager(w: &World, h: &str) -> Value {
    let m = |t: &ManagedType| Value::moref(t.name, t.ids.for_host(w, h));
    Value::obj("HostConfigManager")
        .with("datastoreSystem", m(&host_datastore_system::TYPE))
        .with("storageSystem", m(&host_storage_system::TYPE))
        .with("networkSystem", m(&host_network_system::TYPE))
        .with("firewallSystem", m(&host_firewall_system::TYPE))
        .with("autoStartManager", m(&host_autostart_manager::TYPE))
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
        .with("storageDevice", host_storage_system::storage_device_info(h))
        .with(
            "fileSystemVolume",
            host_storage_system::file_system_volume_info(w, h),
        )
        .with("network", host_network_system::network_info(w, h))
        .with("autoStart", host_autostart_manager::autostart_value(h))
}

fn property(w: &World, moid: &str, path: &str) -> Reply {
    let h = w
        .host(moid)
        .map_err(|_| Fault::not_found(&MoRef::new("HostSystem", moid)))?;
    match path {
        "config.network.dnsConfig.hostName" => return Ok(Some(Value::str(&h.dns_host_name))),
        "config.network.dnsConfig.domainName" => return Ok(Some(Value::str(&h.dns_domain_name))),
        "config.network.vswitch" => {
            return Ok(host_network_system::network_info(w, h).into_path("vswitch"))
        }
        "config.network.portgroup" => {
            return Ok(host_network_system::network_info(w, h).into_path("portgroup"))
        }
        "config.network.pnic" => {
            return Ok(host_network_system::network_info(w, h).into_path("pnic"))
        }
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
            w.host_loads()
                .get(moid)
                .into_iter()
                .flat_map(|l| l.vms.iter())
                .map(|id| MoRef::new("VirtualMachine", id.clone())),
        )),
        "datastore" => Some(w.mos(h.datastores.iter())),
        "network" => Some(w.mos(w.host_networks(moid).iter())),
        "datastoreBrowser" => Some(Value::moref(
            datastore_browser::TYPE.name,
            datastore_browser::browser_id(w, moid),
        )),
        "systemResources" | "licensableResource" => None,
        h => entity_or_invalid(w, moid, h, path)?,
    };
    walk(top, rest)
}

/// `EnterMaintenanceMode_Task` (a DRS cluster moves the running VMs away first; elsewhere
/// running VMs refuse) and `ExitMaintenanceMode_Task`.
fn maintenance_mode(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, method, .. } = *call;
    let host = this.value.clone();

    let enter = method.starts_with("Enter");
    let name = w.host(&host).map(|h| h.name.clone()).unwrap_or_default();
    let t = cx.tasks.run(
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
        cx.user,
        || {
            if enter {
                w.evacuate_host(&host).map_err(|e| fault_of(e, this))?;
            }
            if let Ok(h) = w.host_mut(&host) {
                h.in_maintenance_mode = enter;
            }
            Ok(None)
        },
    );
    Ok(Some(Value::MoRef(t)))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, refs, TestWorld};
    use crate::task::TaskState;
    use crate::value::Value;

    #[test]
    fn hardware_summary_and_managers() {
        let t = TestWorld::esx();
        assert_eq!(
            t.get("HostSystem", "ha-host", "summary.hardware.vendor"),
            Value::str("Dell Inc.")
        );
        assert_eq!(
            t.get("HostSystem", "ha-host", "hardware.cpuInfo.numCpuThreads"),
            Value::Short(80)
        );
        assert_eq!(
            t.get("HostSystem", "ha-host", "configManager.networkSystem"),
            Value::moref("HostNetworkSystem", "networkSystem")
        );
        assert_eq!(refs(&t.get("HostSystem", "ha-host", "vm")).len(), 5);
        assert_eq!(
            t.get("HostSystem", "ha-host", "effectiveRole"),
            Value::array("int", vec![Value::int(-1)])
        );
        assert_eq!(
            fault_type(t.read("HostSystem", "ha-host", "hardware2")),
            "InvalidProperty"
        );
        let vc = TestWorld::vcenter();
        let h = vc.host("esx-02.example.com");
        assert_eq!(
            vc.get("HostSystem", &h, "configManager.storageSystem"),
            Value::moref("HostStorageSystem", format!("storageSystem-{h}"))
        );
        assert_eq!(
            vc.get("HostSystem", &h, "summary.managementServerIp"),
            Value::str("192.168.10.2")
        );
    }

    #[test]
    fn maintenance_mode_needs_stopped_vms() {
        let mut t = TestWorld::esx();
        let refused = t.run(
            "HostSystem",
            "ha-host",
            "EnterMaintenanceMode_Task",
            "<timeout>0</timeout>",
        );
        assert_eq!(fault_type(refused), "InvalidState");
        let web01 = t.vm("web01");
        t.run("VirtualMachine", &web01, "PowerOffVM_Task", "")
            .unwrap();
        t.run(
            "HostSystem",
            "ha-host",
            "EnterMaintenanceMode_Task",
            "<timeout>0</timeout>",
        )
        .unwrap();
        assert_eq!(
            t.get("HostSystem", "ha-host", "runtime.inMaintenanceMode"),
            Value::bool(true)
        );
        let task = t
            .call(
                "HostSystem",
                "ha-host",
                "ExitMaintenanceMode_Task",
                "<timeout>0</timeout>",
            )
            .unwrap()
            .unwrap();
        assert_eq!(t.task_state(&task), TaskState::Success);
        assert_eq!(
            t.get("HostSystem", "ha-host", "runtime.inMaintenanceMode"),
            Value::bool(false)
        );
    }

    #[test]
    fn a_hosts_vm_list_and_load_follow_its_vms() {
        let mut t = TestWorld::esx();
        let stats = |t: &TestWorld| {
            let s = t.get("HostSystem", "ha-host", "summary");
            let q = |f: &str| s.path(&format!("quickStats.{f}")).cloned();
            (q("overallCpuUsage"), q("overallMemoryUsage"))
        };
        let vms = refs(&t.get("HostSystem", "ha-host", "vm"));
        let on = vms
            .iter()
            .filter_map(|r| r.strip_prefix("VirtualMachine:"))
            .find(|v| t.w.vms[*v].power_state == crate::inventory::PowerState::PoweredOn)
            .expect("a running VM")
            .to_string();
        let before = stats(&t);
        t.run("VirtualMachine", &on, "PowerOffVM_Task", "").unwrap();
        assert_ne!(stats(&t), before, "a VM powered off is no longer counted");
        t.call("VirtualMachine", &on, "UnregisterVM", "").unwrap();
        let after = refs(&t.get("HostSystem", "ha-host", "vm"));
        assert_eq!(after.len(), vms.len() - 1);
        assert!(
            !after.contains(&format!("VirtualMachine:{on}")),
            "an unregistered VM leaves its host's list"
        );
    }

    #[test]
    fn a_drs_cluster_moves_running_vms_away() {
        let mut t = TestWorld::vcenter();
        let c = t.w.computes[&t.cluster()].clone();
        let h = c.hosts[0].clone();
        let running: Vec<String> =
            t.w.vms_on_host(&h)
                .filter(|v| v.power_state == crate::inventory::PowerState::PoweredOn)
                .map(|v| v.moid.clone())
                .collect();
        assert!(!running.is_empty());
        t.run(
            "HostSystem",
            &h,
            "EnterMaintenanceMode_Task",
            "<timeout>0</timeout>",
        )
        .unwrap();
        for v in &running {
            let now = &t.w.vms[v].host;
            assert!(now != &h && c.hosts.contains(now), "{v} on {now}");
        }
        // Without DRS a running VM keeps its host out of maintenance.
        let h2 = c.hosts[1].clone();
        if let Some(c) = t.w.computes.get_mut(&c.moid) {
            c.drs_enabled = false;
        }
        assert_eq!(
            fault_type(t.run(
                "HostSystem",
                &h2,
                "EnterMaintenanceMode_Task",
                "<timeout>0</timeout>"
            )),
            "InvalidState"
        );
    }
}
