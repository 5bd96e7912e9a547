//! `EnvironmentBrowser`: one per compute resource (its VMs share it), answering what a VM
//! may be on the compute resource's hosts: the config option (guest OS descriptors,
//! hardware version), the hardware versions offered, and the config target (datastores
//! and networks a VM can use).

use crate::fault::Fault;
use crate::inventory::{ServerKind, World};
use crate::object::CallCx;
use crate::value::Value;

use super::common::{split_path, walk};
use super::entry::{Call, Ids, ManagedType, Reply};
use super::guest_os::{GuestOs, GUEST_OS};

/// The `EnvironmentBrowser` type.
pub const TYPE: ManagedType = ManagedType {
    name: "EnvironmentBrowser",
    ids: Ids::Records(|w, id| compute_of(w, id).is_some()),
    properties: &["datastoreBrowser"],
    property,
    methods: &[
        ("QueryConfigOption", query_config_option),
        ("QueryConfigOptionEx", query_config_option),
        (
            "QueryConfigOptionDescriptor",
            query_config_option_descriptor,
        ),
        ("QueryConfigTarget", query_config_target),
    ],
};

/// The hardware versions the hosts offer, newest first, with their descriptions.
const VERSIONS: &[(&str, &str)] = &[
    ("vmx-19", "ESXi 7.0 U2 virtual machine"),
    ("vmx-18", "ESXi 7.0 U1 virtual machine"),
    ("vmx-17", "ESXi 7.0 virtual machine"),
    ("vmx-15", "ESXi 6.7 U2 virtual machine"),
    ("vmx-14", "ESXi 6.7 virtual machine"),
    ("vmx-13", "ESXi 6.5 virtual machine"),
    ("vmx-11", "ESXi 6.0 virtual machine"),
    ("vmx-10", "ESXi 5.5 virtual machine"),
    ("vmx-09", "ESXi 5.1 virtual machine"),
    ("vmx-08", "ESXi 5.0 virtual machine"),
    ("vmx-07", "ESX/ESXi 4.x virtual machine"),
];

/// The id of compute resource `compute`'s environment browser.
pub fn environment_browser_id(w: &World, compute: &str) -> String {
    match w.kind {
        ServerKind::Esx => "ha-env-browser".to_string(),
        ServerKind::Vcenter => format!("envbrowser-{compute}"),
    }
}

/// The compute resource of environment browser `id`.
fn compute_of(w: &World, id: &str) -> Option<String> {
    match w.kind {
        ServerKind::Esx => (id == "ha-env-browser")
            .then(|| w.computes.keys().next().cloned())
            .flatten(),
        ServerKind::Vcenter => {
            let c = id.strip_prefix("envbrowser-")?;
            w.computes.contains_key(c).then(|| c.to_string())
        }
    }
}

fn property(w: &World, id: &str, path: &str) -> Reply {
    let (head, rest) = split_path(path);
    let top = match head {
        "datastoreBrowser" => {
            let host = compute_of(w, id)
                .and_then(|c| w.computes.get(&c).and_then(|c| c.hosts.first().cloned()));
            host.map(|h| {
                Value::moref(
                    "HostDatastoreBrowser",
                    super::datastore_browser::browser_id(w, &h),
                )
            })
        }
        _ => return Err(Fault::invalid_property(path)),
    };
    walk(top, rest)
}

fn descriptor(g: &GuestOs) -> Value {
    let windows = g.family == "windowsGuest";
    let wide = g.full_name.contains("64-bit") || g.id.contains("64");
    Value::obj("GuestOsDescriptor")
        .with("id", Value::str(g.id))
        .with("family", Value::str(g.family))
        .with("fullName", Value::str(g.full_name))
        .with("supportedMaxCPUs", Value::int(if wide { 768 } else { 128 }))
        .with("numSupportedPhysicalSockets", Value::int(128))
        .with("numSupportedCoresPerSocket", Value::int(64))
        .with(
            "supportedMinMemMB",
            Value::int(if windows { 512 } else { 4 }),
        )
        .with(
            "supportedMaxMemMB",
            Value::int(if wide { 25_165_824 } else { 8192 }),
        )
        .with(
            "recommendedMemMB",
            Value::int(if windows { 4096 } else { 2048 }),
        )
        .with("recommendedColorDepth", Value::int(24))
        .with(
            "supportedDiskControllerList",
            Value::strings([
                "VirtualLsiLogicController",
                "VirtualLsiLogicSASController",
                "ParaVirtualSCSIController",
                "VirtualIDEController",
                "VirtualAHCIController",
            ]),
        )
        .with(
            "recommendedSCSIController",
            Value::str(if windows {
                "VirtualLsiLogicSASController"
            } else {
                "ParaVirtualSCSIController"
            }),
        )
        .with(
            "recommendedDiskController",
            Value::str("VirtualLsiLogicController"),
        )
        .with("supportedNumDisks", Value::int(60))
        .with("recommendedDiskSizeMB", Value::int(16_384))
        .with(
            "recommendedCdromController",
            Value::str("VirtualIDEController"),
        )
        .with(
            "supportedEthernetCard",
            Value::strings(["VirtualE1000", "VirtualE1000e", "VirtualVmxnet3"]),
        )
        .with(
            "recommendedEthernetCard",
            Value::str(if windows {
                "VirtualE1000e"
            } else {
                "VirtualVmxnet3"
            }),
        )
        .with("supportsSlaveDisk", Value::bool(true))
        .with("smcRequired", Value::bool(g.family == "darwinGuestFamily"))
        .with("supportsWakeOnLan", Value::bool(true))
        .with("supportsVMI", Value::bool(false))
        .with("supportsMemoryHotAdd", Value::bool(wide))
        .with("supportsCpuHotAdd", Value::bool(wide))
        .with("supportsCpuHotRemove", Value::bool(false))
        .with("supportedFirmware", Value::strings(["bios", "efi"]))
        .with(
            "recommendedFirmware",
            Value::str(if windows && wide { "efi" } else { "bios" }),
        )
        .with("supportsPvscsiControllerForBoot", Value::bool(true))
        .with("diskUuidEnabled", Value::bool(windows))
        .with("supportsHotPlugPCI", Value::bool(true))
}

/// `QueryConfigOption(Ex)`: the config option of a hardware version (`key`, or
/// `spec.key`; the newest by default) with the descriptors of the guest OSes `spec.guestId`
/// names (all of them when it names none the hosts know).
fn query_config_option(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { args, .. } = *call;
    let spec = args.child("spec");
    let key = spec
        .and_then(|s| s.text_of("key"))
        .or_else(|| args.text_of("key"));
    let host = spec
        .and_then(|s| s.moref_of("host").ok().flatten())
        .or(args.moref_of("host")?);
    if let Some(h) = &host {
        if !w.hosts.contains_key(&h.value) {
            return Err(Fault::not_found(h));
        }
    }
    let (version, description) = match key {
        None => VERSIONS[0],
        Some(k) => *VERSIONS
            .iter()
            .find(|(v, _)| *v == k)
            .ok_or_else(|| Fault::invalid_argument("key"))?,
    };
    let wanted: Vec<String> = spec.map(|s| s.strings_of("guestId")).unwrap_or_default();
    let mut guests: Vec<&GuestOs> = GUEST_OS
        .iter()
        .filter(|g| wanted.iter().any(|w| w.eq_ignore_ascii_case(g.id)))
        .collect();
    if guests.is_empty() {
        guests = GUEST_OS.iter().collect();
    }
    let default = guests
        .iter()
        .position(|g| g.id == "otherGuest")
        .unwrap_or(0);
    Ok(Some(
        Value::obj("VirtualMachineConfigOption")
            .with("version", Value::str(version))
            .with("description", Value::str(description))
            .with(
                "guestOSDescriptor",
                Value::array(
                    "GuestOsDescriptor",
                    guests.into_iter().map(descriptor).collect(),
                ),
            )
            .with("guestOSDefaultIndex", Value::int(default as i32))
            .with(
                "hardwareOptions",
                Value::obj("VirtualHardwareOption")
                    .with("hwVersion", Value::int(version[4..].parse().unwrap_or(19))),
            )
            .with(
                "supportedMonitorType",
                Value::strings(["release", "debug", "stats"]),
            )
            .with(
                "supportedOvfEnvironmentTransport",
                Value::strings(["iso", "com.vmware.guestInfo"]),
            )
            .with("supportedOvfInstallTransport", Value::strings(["iso"])),
    ))
}

/// `QueryConfigOptionDescriptor`: the hardware versions the hosts can run.
fn query_config_option_descriptor(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let hosts: Vec<Value> = compute_of(w, &call.this.value)
        .and_then(|c| w.computes.get(&c))
        .map(|c| {
            c.hosts
                .iter()
                .map(|h| Value::moref("HostSystem", h.clone()))
                .collect()
        })
        .unwrap_or_default();
    let list = VERSIONS
        .iter()
        .enumerate()
        .map(|(i, (key, desc))| {
            Value::obj("VirtualMachineConfigOptionDescriptor")
                .with("key", Value::str(*key))
                .with("description", Value::str(*desc))
                .with(
                    "host",
                    Value::array("ManagedObjectReference", hosts.clone()),
                )
                .with("createSupported", Value::bool(true))
                .with("defaultConfigOption", Value::bool(i == 0))
                .with("runSupported", Value::bool(true))
                .with("upgradeSupported", Value::bool(true))
        })
        .collect();
    Ok(Some(Value::array(
        "VirtualMachineConfigOptionDescriptor",
        list,
    )))
}

/// `QueryConfigTarget`: the datastores and networks of the compute resource's hosts (or of
/// `host`), with the CPUs and memory a VM may have.
fn query_config_target(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let compute = compute_of(w, &this.value).unwrap_or_default();
    let hosts: Vec<String> = match args.moref_of("host")? {
        Some(h) => vec![h.value],
        None => w
            .computes
            .get(&compute)
            .map(|c| c.hosts.clone())
            .unwrap_or_default(),
    };
    let mut ds_ids: Vec<String> = Vec::new();
    let mut nets: Vec<String> = Vec::new();
    let mut cpus = 0i32;
    let mut mem = 0i64;
    for h in &hosts {
        let Some(host) = w.hosts.get(h) else {
            return Err(Fault::invalid_argument("host"));
        };
        cpus = cpus.max(host.hardware.cpu_threads as i32);
        mem = mem.max(host.hardware.memory_bytes / 1_048_576);
        for d in &host.datastores {
            if !ds_ids.contains(d) {
                ds_ids.push(d.clone());
            }
        }
        for n in w.host_networks(h) {
            if !nets.contains(&n) {
                nets.push(n);
            }
        }
    }
    let datastores = ds_ids
        .iter()
        .filter_map(|d| w.datastores.get(d))
        .map(|d| {
            Value::obj("VirtualMachineDatastoreInfo")
                .with("name", Value::str(&d.name))
                .with(
                    "datastore",
                    Value::obj("DatastoreSummary")
                        .with("datastore", Value::moref("Datastore", d.moid.clone()))
                        .with("name", Value::str(&d.name))
                        .with("url", Value::str(d.url()))
                        .with("capacity", Value::long(d.capacity))
                        .with("freeSpace", Value::long(w.datastore_free(d)))
                        .with("accessible", Value::bool(d.accessible))
                        .with("multipleHostAccess", Value::bool(d.hosts.len() > 1))
                        .with("type", Value::str(d.kind.summary_type())),
                )
                .with("maxFileSize", Value::long(70_368_744_177_664))
                .with("maxVirtualDiskCapacity", Value::long(68_169_720_922_112))
                .with("mode", Value::str("readWrite"))
        })
        .collect();
    let networks = nets
        .iter()
        .filter_map(|n| w.networks.get(n))
        .filter(|n| n.dvs.is_none())
        .map(|n| {
            Value::obj("VirtualMachineNetworkInfo")
                .with("name", Value::str(&n.name))
                .with(
                    "network",
                    Value::obj("NetworkSummary")
                        .with("network", Value::moref("Network", n.moid.clone()))
                        .with("name", Value::str(&n.name))
                        .with("accessible", Value::bool(true)),
                )
        })
        .collect();
    Ok(Some(
        Value::obj("ConfigTarget")
            .with("numCpus", Value::int(cpus))
            .with("numCpuCores", Value::int(cpus / 2))
            .with("numNumaNodes", Value::int(2))
            .with(
                "datastore",
                Value::array("VirtualMachineDatastoreInfo", datastores),
            )
            .with(
                "network",
                Value::array("VirtualMachineNetworkInfo", networks),
            )
            .with(
                "maxMemMBOptimalPerf",
                Value::int(mem.min(i32::MAX as i64) as i32),
            )
            .with("smcPresent", Value::bool(false))
            .with("autoVmotion", Value::bool(false)),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, TestWorld};
    use super::*;

    #[test]
    fn config_options_per_compute_resource() {
        let mut t = TestWorld::vcenter();
        let cluster = t.cluster();
        let id = environment_browser_id(&t.w, &cluster);
        let all = t
            .call("EnvironmentBrowser", &id, "QueryConfigOptionEx", "")
            .unwrap()
            .unwrap();
        let n = all
            .path("guestOSDescriptor")
            .unwrap()
            .as_array()
            .unwrap()
            .len();
        assert_eq!(n, GUEST_OS.len());
        assert_eq!(all.path("version"), Some(&Value::str("vmx-19")));
        let one = t
            .call(
                "EnvironmentBrowser",
                &id,
                "QueryConfigOptionEx",
                "<spec><guestId>ubuntu64Guest</guestId></spec>",
            )
            .unwrap()
            .unwrap();
        let d = one.path("guestOSDescriptor").unwrap().as_array().unwrap();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].path("family"), Some(&Value::str("linuxGuest")));
        let old = t
            .call(
                "EnvironmentBrowser",
                &id,
                "QueryConfigOption",
                "<key>vmx-10</key>",
            )
            .unwrap()
            .unwrap();
        assert_eq!(old.path("hardwareOptions.hwVersion"), Some(&Value::int(10)));
        assert_eq!(
            fault_type(t.call(
                "EnvironmentBrowser",
                &id,
                "QueryConfigOption",
                "<key>vmx-2</key>"
            )),
            "InvalidArgument"
        );
        let target = t
            .call("EnvironmentBrowser", &id, "QueryConfigTarget", "")
            .unwrap()
            .unwrap();
        assert!(!target
            .path("datastore")
            .unwrap()
            .as_array()
            .unwrap()
            .is_empty());
        assert_eq!(
            fault_type(t.read(
                "EnvironmentBrowser",
                "envbrowser-nowhere",
                "datastoreBrowser"
            )),
            "ManagedObjectNotFound"
        );
    }
}
