//! The property reader of `VirtualMachine`: `config`, `runtime`, `summary`, `guest`,
//! `snapshot`, `capability`, `layoutEx` and the rest, with cheap answers for the paths list
//! commands read most.

use crate::fault::Fault;
use crate::inventory::vmx::{api_guest_id, extra_bool, extra_value};
use crate::inventory::{Device, PowerState, Snapshot, Vm, VmConfig, World};
use crate::value::{MoRef, Value};

use super::super::common::{
    allocation, element_description, entity_or_invalid, split_path, walk, STABLE_TIMESTAMP,
};
use super::super::entry::Reply;
use super::super::environment_browser::environment_browser_id;
use super::config_spec::keys;
use super::devices::devices;

/// Top-level VirtualMachine properties (for `PropertySpec.all`).
pub const PROPERTY_NAMES: &[&str] = &[
    "name",
    "parent",
    "config",
    "runtime",
    "summary",
    "guest",
    "snapshot",
    "rootSnapshot",
    "datastore",
    "network",
    "resourcePool",
    "capability",
    "overallStatus",
    "configStatus",
    "guestHeartbeatStatus",
    "recentTask",
    "layoutEx",
    "parentVApp",
    "environmentBrowser",
    "resourceConfig",
    "storage",
];

/// The full name of a VMX guestOS (`Other (32-bit)` for one hosts do not know).
fn guest_full_name(guest_os: &str) -> String {
    let g = guest_os.to_ascii_lowercase();
    let name = match g.as_str() {
        "ubuntu-64" => "Ubuntu Linux (64-bit)",
        "ubuntu" => "Ubuntu Linux (32-bit)",
        "centos-64" => "CentOS 4/5 or later (64-bit)",
        "rhel7-64" => "Red Hat Enterprise Linux 7 (64-bit)",
        "rhel8-64" => "Red Hat Enterprise Linux 8 (64-bit)",
        "windows2019srv-64" => "Microsoft Windows Server 2019 (64-bit)",
        "windows9-64" => "Microsoft Windows 10 (64-bit)",
        "otherlinux-64" => "Other Linux (64-bit)",
        "otherlinux" => "Other Linux (32-bit)",
        "other-64" => "Other (64-bit)",
        "debian10-64" => "Debian GNU/Linux 10 (64-bit)",
        "debian11-64" => "Debian GNU/Linux 11 (64-bit)",
        "rhel9-64" => "Red Hat Enterprise Linux 9 (64-bit)",
        "sles15-64" => "SUSE Linux Enterprise 15 (64-bit)",
        "windows11-64" => "Microsoft Windows 11 (64-bit)",
        "win2000serv" => "Microsoft Windows 2000 Server",
        "freebsd12-64" => "FreeBSD 12 (64-bit)",
        "solaris11-64" => "Oracle Solaris 11 (64-bit)",
        // The hosts' own table (environment browser) for the rest.
        _ => guest_os_of(guest_os)
            .map(|g| g.full_name)
            .unwrap_or("Other (32-bit)"),
    };
    name.to_string()
}

/// The family of a VMX guestOS.
fn guest_family(guest_os: &str) -> &'static str {
    guest_os_of(guest_os)
        .map(|g| g.family)
        .unwrap_or("otherGuestFamily")
}

fn guest_os_of(vmx_guest_os: &str) -> Option<&'static super::super::guest_os::GuestOs> {
    super::super::guest_os::guest_os(&api_guest_id(vmx_guest_os))
}

fn files_info(vm: &Vm) -> Value {
    let dir = vm
        .vmx_path
        .rsplit_once('/')
        .map(|(d, _)| format!("{d}/"))
        .unwrap_or_else(|| vm.vmx_path.clone());
    Value::obj("VirtualMachineFileInfo")
        .with("vmPathName", Value::str(&vm.vmx_path))
        .with("snapshotDirectory", Value::str(&dir))
        .with("suspendDirectory", Value::str(&dir))
        .with("logDirectory", Value::str(&dir))
}

/// Whether VMware Tools are installed in the guest: not for a VM created without them, nor
/// for one whose .vmx carries `tools.remindInstall = "TRUE"` (it never had them).
fn tools_installed(vm: &Vm) -> bool {
    vm.tools_installed && !extra_bool(&vm.config, "tools.remindInstall")
}

/// The key of an encrypted VM (`encryption.keySafe` of its .vmx, whose `fqid` names the key
/// provider and the key: `vmware:key/list/(pair/(fqid/<VMWARE-NULL>/PROVIDER/KEY,...))`)
/// as (key id, provider id).
fn crypto_key(cfg: &crate::inventory::VmConfig) -> Option<(String, String)> {
    let safe = extra_value(cfg, "encryption.keySafe")?;
    let fqid = safe.split("fqid/").nth(1)?;
    let fqid = fqid.split([',', ')']).next()?;
    let parts: Vec<String> = fqid
        .split('/')
        .map(|p| esxvirt_util::unescape_percent(p).unwrap_or_else(|_| p.to_string()))
        .collect();
    match parts.as_slice() {
        [_, provider, key] => Some((key.clone(), provider.clone())),
        _ => None,
    }
}

fn change_version(cfg: &crate::inventory::VmConfig) -> String {
    let text = serde_json::to_string(cfg).unwrap_or_default();
    let h = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    });
    format!("2026-01-12T09:00:00.{:06}Z", h % 1_000_000)
}

/// `VirtualMachineConfigInfo` of `vm` (also a snapshot's configuration).
pub fn config_info(w: &World, vm: &Vm) -> Value {
    let c = &vm.config;
    let hw = Value::obj("VirtualHardware")
        .with("numCPU", Value::int(c.num_cpu))
        .with("numCoresPerSocket", Value::int(c.cores_per_socket))
        .with("memoryMB", Value::int(c.memory_mb as i32))
        .with("virtualICH7MPresent", Value::bool(false))
        .with("virtualSMCPresent", Value::bool(false))
        .with("device", Value::array("VirtualDevice", devices(w, vm)));
    let extra_config: Vec<Value> = c
        .extra
        .iter()
        .map(|(k, v)| {
            Value::obj("OptionValue")
                .with("key", Value::str(k))
                .with("value", Value::any(Value::str(v)))
        })
        .collect();
    let ds_url = w
        .vm_datastores(vm)
        .iter()
        .filter_map(|d| w.datastores.get(d))
        .map(|d| {
            Value::obj("VirtualMachineConfigInfoDatastoreUrlPair")
                .with("name", Value::str(&d.name))
                .with("url", Value::str(d.mount_path()))
        })
        .collect();
    Value::obj("VirtualMachineConfigInfo")
        .with(
            "changeVersion",
            // Changes exactly when the configuration does, as clients expect.
            Value::str(change_version(&vm.config)),
        )
        .with("modified", Value::DateTime("1970-01-01T00:00:00Z".into()))
        .with("name", Value::str(&c.name))
        .with("guestFullName", Value::str(guest_full_name(&c.guest_os)))
        .with("version", Value::str(&c.version))
        .with("uuid", Value::str(&c.uuid))
        .with("instanceUuid", Value::str(&c.instance_uuid))
        .with("npivTemporaryDisabled", Value::bool(true))
        .with(
            "locationId",
            Value::str(format!(
                "564d{}",
                c.uuid.replace('-', "").get(4..).unwrap_or_default()
            )),
        )
        .with("template", Value::bool(vm.template))
        .with("guestId", Value::str(api_guest_id(&c.guest_os)))
        .with("alternateGuestName", Value::str(""))
        .with("annotation", Value::str(&c.annotation))
        .with("files", files_info(vm))
        .with(
            "tools",
            Value::obj("ToolsConfigInfo")
                .with(
                    "toolsVersion",
                    Value::int(if tools_installed(vm) { 11333 } else { 0 }),
                )
                .with("afterPowerOn", Value::bool(true))
                .with("afterResume", Value::bool(true))
                .with("beforeGuestStandby", Value::bool(true))
                .with("beforeGuestShutdown", Value::bool(true))
                .with("toolsUpgradePolicy", Value::str("manual"))
                .with(
                    "syncTimeWithHost",
                    Value::bool(extra_bool(c, keys::SYNC_TIME)),
                ),
        )
        .with(
            "flags",
            Value::obj("VirtualMachineFlagInfo")
                .with("disableAcceleration", Value::bool(false))
                .with("enableLogging", Value::bool(true))
                .with("useToe", Value::bool(false))
                .with("runWithDebugInfo", Value::bool(false))
                .with("monitorType", Value::str("release"))
                .with("htSharing", Value::str("any"))
                .with("snapshotDisabled", Value::bool(false))
                .with("snapshotLocked", Value::bool(false))
                .with("diskUuidEnabled", Value::bool(false))
                .with("virtualMmuUsage", Value::str("automatic"))
                .with("virtualExecUsage", Value::str("hvAuto"))
                .with("snapshotPowerOffBehavior", Value::str("powerOff")),
        )
        .with(
            "defaultPowerOps",
            Value::obj("VirtualMachineDefaultPowerOpInfo")
                .with("powerOffType", Value::str("soft"))
                .with("suspendType", Value::str("hard"))
                .with("resetType", Value::str("soft"))
                .with("defaultPowerOffType", Value::str("soft"))
                .with("defaultSuspendType", Value::str("hard"))
                .with("defaultResetType", Value::str("soft"))
                .with("standbyAction", Value::str("checkpoint")),
        )
        .with("hardware", hw)
        .with("cpuAllocation", allocation(&c.cpu_alloc))
        .with("memoryAllocation", allocation(&c.mem_alloc))
        .with(
            "latencySensitivity",
            Value::obj("LatencySensitivity").with(
                "level",
                Value::enumv(
                    "LatencySensitivitySensitivityLevel",
                    extra_value(c, keys::LATENCY)
                        .unwrap_or("normal")
                        .to_string(),
                ),
            ),
        )
        .with("memoryHotAddEnabled", Value::bool(false))
        .with("cpuHotAddEnabled", Value::bool(false))
        .with("cpuHotRemoveEnabled", Value::bool(false))
        .with("extraConfig", Value::array("OptionValue", extra_config))
        .with(
            "datastoreUrl",
            Value::array("VirtualMachineConfigInfoDatastoreUrlPair", ds_url),
        )
        .with("swapPlacement", Value::str("inherit"))
        .with(
            "bootOptions",
            Value::obj("VirtualMachineBootOptions")
                .with(
                    "bootDelay",
                    Value::long(
                        extra_value(c, keys::BOOT_DELAY)
                            .and_then(|d| d.parse().ok())
                            .unwrap_or(0),
                    ),
                )
                .with("enterBIOSSetup", Value::bool(false))
                .with(
                    "efiSecureBootEnabled",
                    Value::bool(extra_bool(c, "uefi.secureBoot.enabled")),
                )
                .with("bootRetryEnabled", Value::bool(false))
                .with("bootRetryDelay", Value::long(10000))
                .with("networkBootProtocol", Value::str("ipv4"))
                .with_opt("bootOrder", boot_order(c)),
        )
        .with("vAssertsEnabled", Value::bool(false))
        .with(
            "changeTrackingEnabled",
            Value::bool(extra_bool(c, "ctkEnabled")),
        )
        .with("firmware", Value::str(&c.firmware))
        .with("maxMksConnections", Value::int(40))
        .with("guestAutoLockEnabled", Value::bool(false))
        .with("memoryReservationLockedToMax", Value::bool(false))
        .with(
            "initialOverhead",
            Value::obj("VirtualMachineConfigInfoOverheadInfo")
                .with(
                    "initialMemoryReservation",
                    Value::long(c.memory_mb.saturating_mul(12 * 1024)),
                )
                .with(
                    "initialSwapReservation",
                    Value::long(c.memory_mb.saturating_mul(100 * 1024)),
                ),
        )
        .with(
            "nestedHVEnabled",
            Value::bool(extra_bool(c, keys::NESTED_HV)),
        )
        .with("vPMCEnabled", Value::bool(false))
        .with(
            "scheduledHardwareUpgradeInfo",
            Value::obj("ScheduledHardwareUpgradeInfo")
                .with("upgradePolicy", Value::str("never"))
                .with("scheduledHardwareUpgradeStatus", Value::str("none")),
        )
        .with("vFlashCacheReservation", Value::long(0))
        .with("messageBusTunnelEnabled", Value::bool(false))
        .with_opt("keyId", key_id(c))
        .with("sevEnabled", Value::bool(false))
}

/// `config.keyId` of an encrypted VM.
fn key_id(c: &crate::inventory::VmConfig) -> Option<Value> {
    let (key, provider) = crypto_key(c)?;
    Some(
        Value::obj("CryptoKeyId")
            .with("keyId", Value::str(key))
            .with(
                "providerId",
                Value::obj("KeyProviderId").with("id", Value::str(provider)),
            ),
    )
}

/// `bootOptions.bootOrder` from the VMX `bios.bootOrder` list (`None` when unset).
fn boot_order(c: &VmConfig) -> Option<Value> {
    let order = extra_value(c, keys::BOOT_ORDER)?;
    let items = order
        .split(',')
        .filter_map(|d| match d.trim() {
            "cdrom" => Some(Value::obj("VirtualMachineBootOptionsBootableCdromDevice")),
            "hdd" => Some(
                Value::obj("VirtualMachineBootOptionsBootableDiskDevice")
                    .with("deviceKey", Value::int(2000)),
            ),
            "floppy" => Some(Value::obj("VirtualMachineBootOptionsBootableFloppyDevice")),
            e => e
                .strip_prefix("ethernet")
                .and_then(|n| n.parse::<i32>().ok())
                .map(|n| {
                    Value::obj("VirtualMachineBootOptionsBootableEthernetDevice")
                        .with("deviceKey", Value::int(4000 + n))
                }),
        })
        .collect();
    Some(Value::array(
        "VirtualMachineBootOptionsBootableDevice",
        items,
    ))
}

fn question_value(vm: &Vm) -> Option<Value> {
    let q = vm.question.as_ref()?;
    let choices = q
        .choices
        .iter()
        .map(|(k, l, s)| element_description(k, l, s))
        .collect();
    Some(
        Value::obj("VirtualMachineQuestionInfo")
            .with("id", Value::str(&q.id))
            .with("text", Value::str(&q.text))
            .with(
                "choice",
                Value::obj("ChoiceOption")
                    .with("choiceInfo", Value::array("ElementDescription", choices))
                    .with("defaultIndex", Value::int(q.default_index)),
            )
            .with(
                "message",
                Value::array(
                    "VirtualMachineMessage",
                    vec![Value::obj("VirtualMachineMessage")
                        .with("id", Value::str(&q.message_id))
                        .with("text", Value::str(&q.text))],
                ),
            ),
    )
}

fn runtime(w: &World, vm: &Vm) -> Value {
    let host = w.hosts.get(&vm.host);
    let max_cpu = host
        .map(|h| (h.hardware.cpu_mhz as i32).saturating_mul(vm.config.num_cpu))
        .unwrap_or(0);
    Value::obj("VirtualMachineRuntimeInfo")
        .with("host", Value::moref("HostSystem", vm.host.clone()))
        .with(
            "connectionState",
            Value::enumv("VirtualMachineConnectionState", "connected"),
        )
        .with(
            "powerState",
            Value::enumv("VirtualMachinePowerState", vm.power_state.as_str()),
        )
        .with(
            "faultToleranceState",
            Value::enumv("VirtualMachineFaultToleranceState", "notConfigured"),
        )
        .with("toolsInstallerMounted", Value::bool(false))
        .with_opt("bootTime", vm.boot_time.clone().map(Value::DateTime))
        .with("suspendInterval", Value::long(0))
        .with_opt("question", question_value(vm))
        .with("maxCpuUsage", Value::int(max_cpu))
        .with("maxMemoryUsage", Value::int(vm.config.memory_mb as i32))
        .with("numMksConnections", Value::int(0))
        .with(
            "recordReplayState",
            Value::enumv("VirtualMachineRecordReplayState", "inactive"),
        )
        .with("onlineStandby", Value::bool(false))
        .with("consolidationNeeded", Value::bool(false))
        .with("paused", Value::bool(false))
        .with("snapshotInBackground", Value::bool(false))
        .with("instantCloneFrozen", Value::bool(false))
        .with_opt(
            "cryptoState",
            crypto_key(&vm.config).map(|_| Value::str("unlocked")),
        )
}

fn tools_status(vm: &Vm) -> (&'static str, &'static str) {
    if !tools_installed(vm) {
        ("toolsNotInstalled", "guestToolsNotRunning")
    } else if vm.guest.tools_running && vm.power_state == PowerState::PoweredOn {
        ("toolsOk", "guestToolsRunning")
    } else {
        ("toolsNotRunning", "guestToolsNotRunning")
    }
}

fn tools_version_status(vm: &Vm) -> &'static str {
    if tools_installed(vm) {
        "guestToolsCurrent"
    } else {
        "guestToolsNotInstalled"
    }
}

fn first_ip(vm: &Vm) -> Option<String> {
    vm.guest
        .nics
        .iter()
        .flat_map(|n| n.ips.iter())
        .map(|(ip, _)| ip.clone())
        .next()
}

fn guest(vm: &Vm) -> Value {
    let (ts, trs) = tools_status(vm);
    let nets: Vec<Value> = vm
        .guest
        .nics
        .iter()
        .map(|n| {
            let addrs = n
                .ips
                .iter()
                .map(|(ip, p)| {
                    Value::obj("NetIpConfigInfoIpAddress")
                        .with("ipAddress", Value::str(ip))
                        .with("prefixLength", Value::int(*p))
                        .with("state", Value::str("preferred"))
                })
                .collect();
            Value::obj("GuestNicInfo")
                .with("network", Value::str(&n.network))
                .with(
                    "ipAddress",
                    Value::strings(n.ips.iter().map(|(ip, _)| ip.clone())),
                )
                .with("macAddress", Value::str(&n.mac))
                .with("connected", Value::bool(true))
                .with("deviceConfigId", Value::int(n.device_config_id))
                .with(
                    "ipConfig",
                    Value::obj("NetIpConfigInfo")
                        .with("ipAddress", Value::array("NetIpConfigInfoIpAddress", addrs)),
                )
        })
        .collect();
    let running = vm.power_state == PowerState::PoweredOn;
    Value::obj("GuestInfo")
        .with("toolsStatus", Value::enumv("VirtualMachineToolsStatus", ts))
        .with("toolsVersionStatus", Value::str(tools_version_status(vm)))
        .with("toolsVersionStatus2", Value::str(tools_version_status(vm)))
        .with("toolsRunningStatus", Value::str(trs))
        .with(
            "toolsVersion",
            Value::str(if tools_installed(vm) { "11333" } else { "0" }),
        )
        .with_opt(
            "guestId",
            running.then(|| Value::str(api_guest_id(&vm.config.guest_os))),
        )
        .with_opt(
            "guestFamily",
            running.then(|| Value::str(guest_family(&vm.config.guest_os))),
        )
        .with_opt(
            "guestFullName",
            running.then(|| Value::str(guest_full_name(&vm.config.guest_os))),
        )
        .with_opt("hostName", vm.guest.host_name.clone().map(Value::Str))
        .with_opt("ipAddress", first_ip(vm).map(Value::Str))
        .with("net", Value::array("GuestNicInfo", nets))
        .with(
            "guestState",
            Value::str(if running { "running" } else { "notRunning" }),
        )
        .with("appHeartbeatStatus", Value::str("appStatusGray"))
        .with("guestKernelCrashed", Value::bool(false))
        .with("appState", Value::str("none"))
        .with("guestOperationsReady", Value::bool(running))
        .with("interactiveGuestOperationsReady", Value::bool(false))
        .with("guestStateChangeSupported", Value::bool(running))
}

fn storage_used(w: &World, vm: &Vm) -> (i64, i64) {
    let mut committed = 0i64;
    let mut uncommitted = 0i64;
    for d in &vm.config.devices {
        if let Device::Disk {
            file,
            capacity_kb,
            thin,
            ..
        } = d
        {
            if *thin {
                let alloc = w.resolve(file).ok().and_then(|p| {
                    let flat = p.to_string_lossy().replace(".vmdk", "-flat.vmdk");
                    std::fs::metadata(flat).ok()
                });
                let used = alloc
                    .map(|m| {
                        use std::os::unix::fs::MetadataExt;
                        (m.blocks() * 512) as i64
                    })
                    .unwrap_or(0);
                committed += used;
                uncommitted = uncommitted
                    .saturating_add(capacity_kb.saturating_mul(1024).saturating_sub(used));
            } else {
                committed = committed.saturating_add(capacity_kb.saturating_mul(1024));
            }
        }
    }
    (committed + 4096, uncommitted)
}

fn summary(w: &World, vm: &Vm) -> Value {
    let c = &vm.config;
    let (ts, trs) = tools_status(vm);
    let running = vm.power_state == PowerState::PoweredOn;
    let (committed, uncommitted) = storage_used(w, vm);
    let nics = c
        .devices
        .iter()
        .filter(|d| matches!(d, Device::Nic { .. }))
        .count() as i32;
    let disks = c
        .devices
        .iter()
        .filter(|d| matches!(d, Device::Disk { .. }))
        .count() as i32;
    let uptime = if running { 3600 } else { 0 };
    Value::obj("VirtualMachineSummary")
        .with("vm", Value::moref("VirtualMachine", vm.moid.clone()))
        .with("runtime", runtime(w, vm))
        .with(
            "guest",
            Value::obj("VirtualMachineGuestSummary")
                .with_opt(
                    "guestId",
                    running.then(|| Value::str(api_guest_id(&c.guest_os))),
                )
                .with_opt(
                    "guestFullName",
                    running.then(|| Value::str(guest_full_name(&c.guest_os))),
                )
                .with("toolsStatus", Value::enumv("VirtualMachineToolsStatus", ts))
                .with("toolsVersionStatus", Value::str(tools_version_status(vm)))
                .with("toolsVersionStatus2", Value::str(tools_version_status(vm)))
                .with("toolsRunningStatus", Value::str(trs))
                .with_opt("hostName", vm.guest.host_name.clone().map(Value::Str))
                .with_opt("ipAddress", first_ip(vm).map(Value::Str))
                .with("hwVersion", Value::str(&c.version)),
        )
        .with(
            "config",
            Value::obj("VirtualMachineConfigSummary")
                .with("name", Value::str(&c.name))
                .with("template", Value::bool(vm.template))
                .with("vmPathName", Value::str(&vm.vmx_path))
                .with("memorySizeMB", Value::int(c.memory_mb as i32))
                .with("cpuReservation", Value::int(c.cpu_alloc.reservation as i32))
                .with(
                    "memoryReservation",
                    Value::int(c.mem_alloc.reservation as i32),
                )
                .with("numCpu", Value::int(c.num_cpu))
                .with("numEthernetCards", Value::int(nics))
                .with("numVirtualDisks", Value::int(disks))
                .with("uuid", Value::str(&c.uuid))
                .with("instanceUuid", Value::str(&c.instance_uuid))
                .with("guestId", Value::str(api_guest_id(&c.guest_os)))
                .with("guestFullName", Value::str(guest_full_name(&c.guest_os)))
                .with("annotation", Value::str(&c.annotation))
                .with("installBootRequired", Value::bool(false))
                .with("tpmPresent", Value::bool(extra_bool(c, "vtpm.present")))
                .with("numVmiopBackings", Value::int(0))
                .with("hwVersion", Value::str(&c.version)),
        )
        .with(
            "storage",
            Value::obj("VirtualMachineStorageSummary")
                .with("committed", Value::long(committed))
                .with("uncommitted", Value::long(uncommitted))
                .with("unshared", Value::long(committed))
                .with("timestamp", Value::DateTime(STABLE_TIMESTAMP.into())),
        )
        .with(
            "quickStats",
            Value::obj("VirtualMachineQuickStats")
                .with(
                    "overallCpuUsage",
                    Value::int(if running {
                        c.num_cpu.saturating_mul(23)
                    } else {
                        0
                    }),
                )
                .with(
                    "overallCpuDemand",
                    Value::int(if running {
                        c.num_cpu.saturating_mul(23)
                    } else {
                        0
                    }),
                )
                .with(
                    "guestMemoryUsage",
                    Value::int(if running {
                        (c.memory_mb / 10) as i32
                    } else {
                        0
                    }),
                )
                .with(
                    "hostMemoryUsage",
                    Value::int(if running { (c.memory_mb / 2) as i32 } else { 0 }),
                )
                .with(
                    "guestHeartbeatStatus",
                    Value::enumv(
                        "ManagedEntityStatus",
                        if running { "green" } else { "gray" },
                    ),
                )
                .with("distributedCpuEntitlement", Value::int(0))
                .with("distributedMemoryEntitlement", Value::int(0))
                .with("staticCpuEntitlement", Value::int(0))
                .with("staticMemoryEntitlement", Value::int(0))
                .with(
                    "privateMemory",
                    Value::int(if running { (c.memory_mb / 2) as i32 } else { 0 }),
                )
                .with("sharedMemory", Value::int(0))
                .with("swappedMemory", Value::int(0))
                .with("balloonedMemory", Value::int(0))
                .with(
                    "consumedOverheadMemory",
                    Value::int(if running { 30 } else { 0 }),
                )
                .with("compressedMemory", Value::long(0))
                .with("uptimeSeconds", Value::int(uptime)),
        )
        .with(
            "overallStatus",
            Value::enumv("ManagedEntityStatus", "green"),
        )
}

fn snapshot_tree(vm: &Vm, s: &Snapshot) -> Value {
    Value::obj("VirtualMachineSnapshotTree")
        .with(
            "snapshot",
            Value::moref("VirtualMachineSnapshot", s.moid.clone()),
        )
        .with("vm", Value::moref("VirtualMachine", vm.moid.clone()))
        .with("name", Value::str(&s.name))
        .with("description", Value::str(&s.description))
        .with("id", Value::int(s.id))
        .with("createTime", Value::DateTime(s.create_time.clone()))
        .with(
            "state",
            Value::enumv("VirtualMachinePowerState", s.state.as_str()),
        )
        .with("quiesced", Value::bool(s.quiesced))
        .with(
            "childSnapshotList",
            Value::array(
                "VirtualMachineSnapshotTree",
                s.children.iter().map(|c| snapshot_tree(vm, c)).collect(),
            ),
        )
}

fn capability() -> Value {
    let mut v = Value::obj("VirtualMachineCapability");
    for f in [
        "snapshotOperationsSupported",
        "multipleSnapshotsSupported",
        "snapshotConfigSupported",
        "poweredOffSnapshotsSupported",
        "memorySnapshotsSupported",
        "revertToSnapshotSupported",
        "quiescedSnapshotsSupported",
        "disableSnapshotsSupported",
        "lockSnapshotsSupported",
        "consolePreferencesSupported",
        "cpuFeatureMaskSupported",
        "s1AcpiManagementSupported",
        "settingScreenResolutionSupported",
        "toolsAutoUpdateSupported",
        "vmNpivWwnSupported",
        "npivWwnOnNonRdmVmSupported",
        "vmNpivWwnDisableSupported",
        "vmNpivWwnUpdateSupported",
        "swapPlacementSupported",
        "toolsSyncTimeSupported",
        "virtualMmuUsageSupported",
        "diskSharesSupported",
        "bootOptionsSupported",
        "bootRetryOptionsSupported",
        "settingVideoRamSizeSupported",
        "settingDisplayTopologySupported",
        "recordReplaySupported",
        "changeTrackingSupported",
        "multipleCoresPerSocketSupported",
        "hostBasedReplicationSupported",
        "guestAutoLockSupported",
        "memoryReservationLockSupported",
        "featureRequirementSupported",
        "poweredOnMonitorTypeChangeSupported",
        "seSparseDiskSupported",
        "nestedHVSupported",
        "vPMCSupported",
        "secureBootSupported",
    ] {
        v = v.with(
            f,
            Value::bool(
                !f.starts_with("vmNpiv")
                    && f != "npivWwnOnNonRdmVmSupported"
                    && f != "recordReplaySupported",
            ),
        );
    }
    v
}

fn layout_ex(w: &World, vm: &Vm) -> Value {
    let mut files = Vec::new();
    let mut key = 0;
    let mut push = |name: String, ty: &str, size: i64| {
        files.push(
            Value::obj("VirtualMachineFileLayoutExFileInfo")
                .with("key", Value::int(key))
                .with("name", Value::str(name))
                .with("type", Value::str(ty))
                .with("size", Value::long(size))
                .with("uniqueSize", Value::long(size))
                .with("accessible", Value::bool(true)),
        );
        key += 1;
    };
    let size_of = |p: &str| {
        w.resolve(p)
            .ok()
            .and_then(|p| std::fs::metadata(p).ok())
            .map(|m| m.len() as i64)
            .unwrap_or(0)
    };
    push(vm.vmx_path.clone(), "config", size_of(&vm.vmx_path));
    for d in &vm.config.devices {
        if let Device::Disk { file, .. } = d {
            push(file.clone(), "diskDescriptor", size_of(file));
            let flat = file.replace(".vmdk", "-flat.vmdk");
            let s = size_of(&flat);
            push(flat, "diskExtent", s);
        }
    }
    Value::obj("VirtualMachineFileLayoutEx")
        .with(
            "file",
            Value::array("VirtualMachineFileLayoutExFileInfo", files),
        )
        .with("timestamp", Value::DateTime(STABLE_TIMESTAMP.into()))
}

/// A VirtualMachine property.
pub fn property(w: &World, moid: &str, path: &str) -> Reply {
    let vm = w
        .vm(moid)
        .map_err(|_| Fault::not_found(&MoRef::new("VirtualMachine", moid)))?;
    // Cheap answers for what list commands and benchmarks read most.
    match path {
        "name" | "summary.config.name" | "config.name" => {
            return Ok(Some(Value::str(&vm.config.name)))
        }
        "runtime.powerState" | "summary.runtime.powerState" => {
            return Ok(Some(Value::enumv(
                "VirtualMachinePowerState",
                vm.power_state.as_str(),
            )))
        }
        "config.uuid" | "summary.config.uuid" => return Ok(Some(Value::str(&vm.config.uuid))),
        "config.instanceUuid" | "summary.config.instanceUuid" => {
            return Ok(Some(Value::str(&vm.config.instance_uuid)))
        }
        "summary.config.memorySizeMB" | "config.hardware.memoryMB" => {
            return Ok(Some(Value::int(vm.config.memory_mb as i32)))
        }
        "config.hardware.numCPU" | "summary.config.numCpu" => {
            return Ok(Some(Value::int(vm.config.num_cpu)))
        }
        "config.files.vmPathName" | "summary.config.vmPathName" => {
            return Ok(Some(Value::str(&vm.vmx_path)))
        }
        "runtime.question" => return Ok(question_value(vm)),
        // What a migration-readiness scan reads of every VM.
        "config.guestId" | "summary.config.guestId" => {
            return Ok(Some(Value::str(api_guest_id(&vm.config.guest_os))))
        }
        "config.guestFullName" | "summary.config.guestFullName" => {
            return Ok(Some(Value::str(guest_full_name(&vm.config.guest_os))))
        }
        "config.firmware" => return Ok(Some(Value::str(&vm.config.firmware))),
        "config.bootOptions.efiSecureBootEnabled" => {
            return Ok(Some(Value::bool(extra_bool(
                &vm.config,
                "uefi.secureBoot.enabled",
            ))))
        }
        "config.changeTrackingEnabled" => {
            return Ok(Some(Value::bool(extra_bool(&vm.config, "ctkEnabled"))))
        }
        "config.keyId" => return Ok(key_id(&vm.config)),
        "summary.config.tpmPresent" => {
            return Ok(Some(Value::bool(extra_bool(&vm.config, "vtpm.present"))))
        }
        "runtime.host" | "summary.runtime.host" => {
            return Ok(Some(Value::moref("HostSystem", vm.host.clone())))
        }
        "config.template" | "summary.config.template" => return Ok(Some(Value::bool(vm.template))),
        "config.annotation" => return Ok(Some(Value::str(&vm.config.annotation))),
        "config.cpuAllocation" => return Ok(Some(allocation(&vm.config.cpu_alloc))),
        "config.memoryAllocation" => return Ok(Some(allocation(&vm.config.mem_alloc))),
        "config.hardware.device" => return Ok(Some(Value::array("VirtualDevice", devices(w, vm)))),
        "guest.net" => return Ok(guest(vm).into_path("net")),
        "guest.hostName" => return Ok(vm.guest.host_name.clone().map(Value::Str)),
        "snapshot.currentSnapshot" => {
            return Ok(vm
                .current_snapshot
                .clone()
                .map(|s| Value::moref("VirtualMachineSnapshot", s)))
        }
        _ => {}
    }
    let (head, rest) = split_path(path);
    let top = match head {
        "name" => Some(Value::str(&vm.config.name)),
        "parent" => Some(Value::moref("Folder", vm.folder.clone())),
        "config" => Some(config_info(w, vm)),
        "runtime" => Some(runtime(w, vm)),
        "summary" => Some(summary(w, vm)),
        "guest" => Some(guest(vm)),
        "snapshot" => {
            if vm.snapshots.is_empty() {
                None
            } else {
                Some(
                    Value::obj("VirtualMachineSnapshotInfo")
                        .with_opt(
                            "currentSnapshot",
                            vm.current_snapshot
                                .clone()
                                .map(|s| Value::moref("VirtualMachineSnapshot", s)),
                        )
                        .with(
                            "rootSnapshotList",
                            Value::array(
                                "VirtualMachineSnapshotTree",
                                vm.snapshots.iter().map(|s| snapshot_tree(vm, s)).collect(),
                            ),
                        ),
                )
            }
        }
        "rootSnapshot" => {
            Some(Value::morefs(vm.snapshots.iter().map(|s| {
                MoRef::new("VirtualMachineSnapshot", s.moid.clone())
            })))
        }
        "datastore" => Some(w.mos(w.vm_datastores(vm).iter())),
        "network" => Some(w.mos(w.vm_networks(vm).iter())),
        "resourcePool" if vm.template => None,
        "resourcePool" => Some(Value::MoRef(w.mo(&vm.resource_pool))),
        "parentVApp" => w
            .pools
            .get(&vm.resource_pool)
            .filter(|p| p.vapp)
            .map(|p| Value::moref("VirtualApp", p.moid.clone())),
        "environmentBrowser" => w
            .hosts
            .get(&vm.host)
            .map(|h| Value::moref("EnvironmentBrowser", environment_browser_id(w, &h.parent))),
        "resourceConfig" => Some(
            Value::obj("ResourceConfigSpec")
                .with("entity", Value::moref("VirtualMachine", moid.to_string()))
                .with("cpuAllocation", allocation(&vm.config.cpu_alloc))
                .with("memoryAllocation", allocation(&vm.config.mem_alloc)),
        ),
        "storage" => Some(storage_info(w, vm)),
        "layout" | "vmFailoverGroup" => None,
        "capability" => Some(capability()),
        "guestHeartbeatStatus" => Some(Value::enumv(
            "ManagedEntityStatus",
            if vm.power_state == PowerState::PoweredOn {
                "green"
            } else {
                "gray"
            },
        )),
        "recentTask" => Some(Value::morefs(
            vm.pending_task
                .iter()
                .map(|t| MoRef::new("Task", t.clone())),
        )),
        "layoutEx" => Some(layout_ex(w, vm)),
        h => entity_or_invalid(w, moid, h, path)?,
    };
    walk(top, rest)
}

/// `storage`: what the VM takes on each of its datastores (its directory's files).
fn storage_info(w: &World, vm: &Vm) -> Value {
    let dir = vm
        .vmx_path
        .rsplit_once('/')
        .map(|(d, _)| d)
        .unwrap_or(&vm.vmx_path);
    let committed = w
        .resolve(dir)
        .ok()
        .and_then(|p| std::fs::read_dir(p).ok())
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.metadata().ok())
                .map(|m| m.len() as i64)
                .sum::<i64>()
        })
        .unwrap_or(0);
    let usage = w
        .vm_datastores(vm)
        .into_iter()
        .map(|d| {
            Value::obj("VirtualMachineUsageOnDatastore")
                .with("datastore", Value::moref("Datastore", d))
                .with("committed", Value::long(committed))
                .with("uncommitted", Value::long(0))
                .with("unshared", Value::long(committed))
        })
        .collect();
    Value::obj("VirtualMachineStorageInfo")
        .with(
            "perDatastoreUsage",
            Value::array("VirtualMachineUsageOnDatastore", usage),
        )
        .with("timestamp", Value::DateTime(STABLE_TIMESTAMP.into()))
}

#[cfg(test)]
mod tests {
    use crate::objects::testing::{fault_type, refs, text, TestWorld};
    use crate::value::Value;

    #[test]
    fn config_runtime_summary_and_guest() {
        let t = TestWorld::esx();
        let web01 = t.vm("web01");
        let vm = |p: &str| t.get("VirtualMachine", &web01, p);
        assert_eq!(vm("name"), Value::str("web01"));
        assert_eq!(text(&vm("runtime.powerState")), "poweredOn");
        assert_eq!(vm("config.hardware.memoryMB"), Value::int(2048));
        // Cheap answers and the full tree agree.
        let config = vm("config");
        assert_eq!(
            config.path("hardware.numCPU"),
            Some(&vm("config.hardware.numCPU"))
        );
        assert_eq!(config.path("uuid"), Some(&vm("summary.config.uuid")));
        assert_eq!(text(&vm("guest.toolsStatus")), "toolsOk");
        assert_eq!(text(&vm("summary.runtime.powerState")), "poweredOn");
        // Its disk's datastore and its ISO's.
        let ds = refs(&vm("datastore"));
        assert!(
            ds.contains(&format!("Datastore:{}", t.datastore("datastore1"))),
            "{ds:?}"
        );
        assert!(
            ds.contains(&format!("Datastore:{}", t.datastore("nfs-iso"))),
            "{ds:?}"
        );
        assert_eq!(vm("parent"), Value::moref("Folder", "ha-folder-vm"));
        assert_eq!(
            vm("effectiveRole"),
            Value::array("int", vec![Value::int(-1)])
        );
        let db01 = t.vm("db01");
        assert_eq!(
            t.get("VirtualMachine", &db01, "config.cpuAllocation.shares.level"),
            Value::enumv("SharesLevel", "high")
        );
        assert!(t
            .get("VirtualMachine", &db01, "snapshot.currentSnapshot")
            .as_moref()
            .is_some());
        assert_eq!(t.read("VirtualMachine", &db01, "guest.ipAddress"), Ok(None));
        assert_eq!(
            fault_type(t.read("VirtualMachine", &web01, "configs")),
            "InvalidProperty"
        );
        assert_eq!(
            fault_type(t.read("VirtualMachine", "4040", "name")),
            "ManagedObjectNotFound"
        );
    }
}
