//! A recording turned into a world: each object's properties (as `govc object.save` wrote
//! them) become the records of [`World`]: folders, datacenters, compute resources, pools
//! and vApps, hosts with their networking, datastores, networks, distributed switches and
//! port groups, storage pods and VMs with their devices. Objects the model has no record
//! for (managers, browsers, ...) are read for nothing but the service content; what a
//! recording leaves out takes the defaults of a new object.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::inventory::defaults::host_template;
use crate::inventory::*;
use crate::soap::Element;
use crate::value::MoRef;

use super::RecordingError;

/// One recorded object: its reference and its properties' `val` elements.
pub struct Recorded {
    /// The reference.
    pub obj: MoRef,
    /// Property name -> value element.
    pub props: HashMap<String, Element>,
}

impl Recorded {
    /// Parses one `ObjectContent` document.
    pub fn parse(xml: &[u8]) -> Result<Recorded, String> {
        let root = Element::parse(xml).map_err(|e| e.to_string())?;
        if root.name != "ObjectContent" {
            return Err(format!("an {} element, not ObjectContent", root.name));
        }
        let obj = root
            .child("obj")
            .and_then(Element::as_moref)
            .ok_or("no obj")?;
        let mut props = HashMap::new();
        for p in root.children_named("propSet") {
            if let (Some(name), Some(val)) = (p.text_of("name"), p.child("val")) {
                props.insert(name.to_string(), val.clone());
            }
        }
        Ok(Recorded { obj, props })
    }

    /// The element at dotted `path` (`summary.hardware.vendor`).
    pub fn get(&self, path: &str) -> Option<&Element> {
        let mut parts = path.split('.');
        let mut cur = self.props.get(parts.next()?)?;
        for p in parts {
            cur = cur.child(p)?;
        }
        Some(cur)
    }

    /// The text at `path`.
    pub fn text(&self, path: &str) -> Option<&str> {
        self.get(path).map(|e| e.text.trim())
    }

    /// The number at `path`.
    pub fn num(&self, path: &str) -> Option<i64> {
        self.text(path).and_then(|t| t.parse().ok())
    }

    /// The reference at `path`.
    pub fn moref(&self, path: &str) -> Option<MoRef> {
        self.get(path).and_then(Element::as_moref)
    }

    /// The references in the array at `path`.
    pub fn morefs(&self, path: &str) -> Vec<MoRef> {
        self.get(path)
            .map(|e| e.children.iter().filter_map(Element::as_moref).collect())
            .unwrap_or_default()
    }
}

fn num_of(e: &Element, name: &str) -> Option<i64> {
    e.text_of(name).and_then(|t| t.trim().parse().ok())
}

/// The world a recording describes (its datastores' directories under `files_dir`).
pub fn world(objects: &[Recorded], files_dir: &Path) -> Result<World, RecordingError> {
    let by_type = |ty: &'static str| objects.iter().filter(move |o| o.obj.ty == ty);
    let si = by_type("ServiceInstance").next();
    let root = si
        .and_then(|s| s.moref("content.rootFolder"))
        .or_else(|| {
            // Without the service instance: the folder without a parent.
            by_type("Folder")
                .find(|f| f.moref("parent").is_none())
                .map(|f| f.obj.clone())
        })
        .ok_or_else(|| RecordingError::Invalid("no root folder".into()))?;
    let api_type = si.and_then(|s| s.text("content.about.apiType"));
    let kind = match api_type {
        Some("VirtualCenter") => ServerKind::Vcenter,
        Some(_) => ServerKind::Esx,
        None if root.value == "ha-folder-root" => ServerKind::Esx,
        None => ServerKind::Vcenter,
    };
    let mut w = World::empty(kind, files_dir);
    w.all_managers = true;
    if let Some(about) = si.and_then(|s| s.get("content.about")) {
        let t = |n: &str, d: &str| about.text_of(n).unwrap_or(d).trim().to_string();
        let a = w.about.clone();
        w.about = About {
            name: t("name", &a.name),
            full_name: t("fullName", &a.full_name),
            vendor: t("vendor", &a.vendor),
            version: t("version", &a.version),
            build: t("build", &a.build),
            locale_version: t("localeVersion", &a.locale_version),
            locale_build: t("localeBuild", &a.locale_build),
            os_type: t("osType", &a.os_type),
            product_line_id: t("productLineId", &a.product_line_id),
            api_type: t("apiType", &a.api_type),
            api_version: t("apiVersion", &a.api_version),
            instance_uuid: about
                .text_of("instanceUuid")
                .map(|u| u.trim().to_string())
                .or(a.instance_uuid),
            license_product_name: t("licenseProductName", &a.license_product_name),
            license_product_version: t("licenseProductVersion", &a.license_product_version),
        };
    }
    w.root_folder = root.value.clone();
    let parent_of = |o: &Recorded| o.moref("parent").map(|p| p.value);

    for f in by_type("Folder") {
        w.folders.insert(
            f.obj.value.clone(),
            Folder {
                moid: f.obj.value.clone(),
                name: f.text("name").unwrap_or_default().to_string(),
                parent: parent_of(f),
                child_type: f
                    .get("childType")
                    .map(|e| {
                        e.children
                            .iter()
                            .map(|c| c.text.trim().to_string())
                            .collect()
                    })
                    .unwrap_or_default(),
                children: f
                    .morefs("childEntity")
                    .into_iter()
                    .map(|m| m.value)
                    .collect(),
            },
        );
    }
    for p in by_type("StoragePod") {
        w.storage_pods.insert(
            p.obj.value.clone(),
            StoragePod {
                moid: p.obj.value.clone(),
                name: p.text("name").unwrap_or_default().to_string(),
                parent: parent_of(p).unwrap_or_default(),
                children: p
                    .morefs("childEntity")
                    .into_iter()
                    .map(|m| m.value)
                    .collect(),
                drs_enabled: p.text("podStorageDrsEntry.storageDrsConfig.podConfig.enabled")
                    == Some("true"),
                drs_behavior: p
                    .text("podStorageDrsEntry.storageDrsConfig.podConfig.defaultVmBehavior")
                    .unwrap_or("automated")
                    .to_string(),
            },
        );
    }
    for d in by_type("Datacenter") {
        let f = |n: &str| d.moref(n).map(|m| m.value).unwrap_or_default();
        w.datacenters.insert(
            d.obj.value.clone(),
            Datacenter {
                moid: d.obj.value.clone(),
                name: d.text("name").unwrap_or_default().to_string(),
                parent: parent_of(d).unwrap_or_default(),
                vm_folder: f("vmFolder"),
                host_folder: f("hostFolder"),
                datastore_folder: f("datastoreFolder"),
                network_folder: f("networkFolder"),
            },
        );
    }
    for c in objects
        .iter()
        .filter(|o| o.obj.ty == "ComputeResource" || o.obj.ty == "ClusterComputeResource")
    {
        let cluster = c.obj.ty == "ClusterComputeResource";
        w.computes.insert(
            c.obj.value.clone(),
            Compute {
                moid: c.obj.value.clone(),
                name: c.text("name").unwrap_or_default().to_string(),
                parent: parent_of(c).unwrap_or_default(),
                is_cluster: cluster,
                hosts: c.morefs("host").into_iter().map(|m| m.value).collect(),
                resource_pool: c.moref("resourcePool").map(|m| m.value).unwrap_or_default(),
                drs_enabled: cluster
                    && c.text("configurationEx.drsConfig.enabled") != Some("false"),
                ha_enabled: cluster && c.text("configurationEx.dasConfig.enabled") == Some("true"),
                cluster: ClusterConfig::default(),
            },
        );
    }
    for p in objects
        .iter()
        .filter(|o| o.obj.ty == "ResourcePool" || o.obj.ty == "VirtualApp")
    {
        let mut config = PoolConfig::default();
        for (field, a) in [
            ("config.cpuAllocation", &mut config.cpu),
            ("config.memoryAllocation", &mut config.memory),
        ] {
            if let Some(e) = p.get(field) {
                allocation(e, a);
            }
        }
        w.pools.insert(
            p.obj.value.clone(),
            ResourcePool {
                moid: p.obj.value.clone(),
                name: p.text("name").unwrap_or_default().to_string(),
                parent: parent_of(p).unwrap_or_default(),
                owner: p.moref("owner").map(|m| m.value).unwrap_or_default(),
                child_pools: p
                    .morefs("resourcePool")
                    .into_iter()
                    .map(|m| m.value)
                    .collect(),
                config,
                vapp: p.obj.ty == "VirtualApp",
            },
        );
    }
    let mut rng = Rng(0x10ad_0001);
    for (n, h) in by_type("HostSystem").enumerate() {
        let host = host_record(h, &mut rng, n as u64 + 1);
        w.hosts.insert(host.moid.clone(), host);
    }
    for d in by_type("Datastore") {
        let ds = datastore_record(d);
        w.datastores.insert(ds.moid.clone(), ds);
    }
    for s in objects.iter().filter(|o| {
        o.obj.ty == "DistributedVirtualSwitch" || o.obj.ty == "VmwareDistributedVirtualSwitch"
    }) {
        w.dvswitches.insert(
            s.obj.value.clone(),
            DvSwitch {
                moid: s.obj.value.clone(),
                name: s.text("name").unwrap_or_default().to_string(),
                uuid: s.text("uuid").unwrap_or_default().to_string(),
                datacenter: String::new(),
                folder: parent_of(s).unwrap_or_default(),
                hosts: s
                    .get("config.host")
                    .map(|_| member_hosts(s))
                    .unwrap_or_else(|| {
                        s.morefs("summary.hostMember")
                            .into_iter()
                            .map(|m| m.value)
                            .collect()
                    }),
                portgroups: s.morefs("portgroup").into_iter().map(|m| m.value).collect(),
                max_ports: s.num("config.maxPorts").unwrap_or(2_147_483_647) as i32,
                version: s
                    .text("summary.productInfo.version")
                    .unwrap_or("6.5.0")
                    .to_string(),
                config_version: s.num("config.configVersion").unwrap_or(0) as u32,
            },
        );
    }
    for n in objects
        .iter()
        .filter(|o| o.obj.ty == "Network" || o.obj.ty == "DistributedVirtualPortgroup")
    {
        let dvs = (n.obj.ty == "DistributedVirtualPortgroup").then(|| DvPortgroupInfo {
            dvs: n
                .moref("config.distributedVirtualSwitch")
                .map(|m| m.value)
                .unwrap_or_default(),
            key: n.text("key").unwrap_or(&n.obj.value).to_string(),
            binding: n.text("config.type").unwrap_or("earlyBinding").to_string(),
            num_ports: n.num("config.numPorts").unwrap_or(0) as i32,
            vlan_id: n.num("config.defaultPortConfig.vlan.vlanId").unwrap_or(0) as i32,
            uplink: n.text("config.uplink") == Some("true")
                || n.text("name").is_some_and(|x| x.contains("-DVUplinks-")),
            config_version: n.num("config.configVersion").unwrap_or(0) as u32,
        });
        w.networks.insert(
            n.obj.value.clone(),
            Network {
                moid: n.obj.value.clone(),
                name: n.text("name").unwrap_or_default().to_string(),
                datacenter: String::new(),
                dvs,
                folder: parent_of(n),
            },
        );
    }
    place_in_datacenters(&mut w);
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    for v in by_type("VirtualMachine") {
        let vm = vm_record(&w, v, &mut skipped)?;
        w.vms.insert(vm.moid.clone(), vm);
    }
    for (ty, n) in skipped {
        tracing::warn!("recording: {n} {ty} device(s) not modelled, left out");
    }
    w.next_id = next_free_id(&w);
    w.materialize()
        .map_err(|e| RecordingError::Invalid(format!("recorded world: {e}")))?;
    Ok(w)
}

/// A `ResourceAllocationInfo` element over `a`.
fn allocation(e: &Element, a: &mut Allocation) {
    if let Some(r) = num_of(e, "reservation") {
        a.reservation = r;
    }
    if let Some(l) = num_of(e, "limit") {
        a.limit = l;
    }
    if let Some(x) = e.text_of("expandableReservation") {
        a.expandable_reservation = x.trim() == "true";
    }
    if let Some(s) = e.child("shares") {
        if let Some(level) = s.text_of("level") {
            a.shares_level = level.trim().to_string();
        }
        if let Some(n) = num_of(s, "shares") {
            a.shares = n as i32;
        }
    }
}

/// The member hosts of a switch's `config.host`.
fn member_hosts(s: &Recorded) -> Vec<String> {
    s.get("config.host")
        .map(|_| {
            s.props
                .get("config")
                .map(|c| {
                    c.children_named("host")
                        .filter_map(|m| m.child("config").and_then(|c| c.child("host")))
                        .filter_map(Element::as_moref)
                        .map(|m| m.value)
                        .collect()
                })
                .unwrap_or_default()
        })
        .unwrap_or_default()
}

/// A host record: the template of a host, with what the recording says of its hardware,
/// networking, datastores and state.
fn host_record(h: &Recorded, rng: &mut Rng, n: u64) -> Host {
    let name = h.text("name").unwrap_or("host").to_string();
    let ip = h
        .props
        .get("config")
        .and_then(|c| c.child("network"))
        .and_then(|n| n.child("vnic"))
        .and_then(|v| v.child("spec"))
        .and_then(|s| s.child("ip"))
        .and_then(|i| i.text_of("ipAddress"))
        .unwrap_or("127.0.0.1")
        .trim()
        .to_string();
    let mut host = host_template(rng, &name, n, &ip);
    host.moid = h.obj.value.clone();
    host.parent = h.moref("parent").map(|m| m.value).unwrap_or_default();
    if let Some(hw) = h.get("summary.hardware") {
        let t = |f: &str| hw.text_of(f).map(|x| x.trim().to_string());
        let hd = &mut host.hardware;
        hd.vendor = t("vendor").unwrap_or_else(|| hd.vendor.clone());
        hd.model = t("model").unwrap_or_else(|| hd.model.clone());
        hd.uuid = t("uuid").unwrap_or_else(|| hd.uuid.clone());
        hd.cpu_model = t("cpuModel").unwrap_or_else(|| hd.cpu_model.clone());
        let n = |f: &str| num_of(hw, f);
        hd.cpu_mhz = n("cpuMhz").map(|x| x as u32).unwrap_or(hd.cpu_mhz);
        hd.cpu_packages = n("numCpuPkgs").map(|x| x as u16).unwrap_or(hd.cpu_packages);
        hd.cpu_cores = n("numCpuCores").map(|x| x as u16).unwrap_or(hd.cpu_cores);
        hd.cpu_threads = n("numCpuThreads")
            .map(|x| x as u16)
            .unwrap_or(hd.cpu_threads);
        hd.memory_bytes = n("memorySize").unwrap_or(hd.memory_bytes);
    }
    host.in_maintenance_mode = h.text("runtime.inMaintenanceMode") == Some("true");
    if let Some(ip) = h.text("summary.managementServerIp") {
        host.management_server_ip = Some(ip.to_string());
    }
    if let Some(net) = h.props.get("config").and_then(|c| c.child("network")) {
        network_config(net, &mut host);
    }
    host.datastores = h.morefs("datastore").into_iter().map(|m| m.value).collect();
    host
}

/// A host's switches, port groups, physical and VMkernel NICs from `config.network`.
fn network_config(net: &Element, host: &mut Host) {
    let key_name = |k: &str| k.rsplit('-').next().unwrap_or(k).to_string();
    let switches: Vec<VSwitch> = net
        .children_named("vswitch")
        .map(|s| VSwitch {
            name: s.text_of("name").unwrap_or("vSwitch0").trim().to_string(),
            num_ports: num_of(s, "numPorts").unwrap_or(128) as i32,
            mtu: num_of(s, "mtu").unwrap_or(1500) as i32,
            pnics: s
                .children_named("pnic")
                .map(|p| key_name(p.text.trim()))
                .collect(),
        })
        .collect();
    if !switches.is_empty() {
        host.vswitches = switches;
    }
    let groups: Vec<PortGroup> = net
        .children_named("portgroup")
        .filter_map(|p| p.child("spec"))
        .map(|s| PortGroup {
            name: s.text_of("name").unwrap_or("").trim().to_string(),
            vlan_id: num_of(s, "vlanId").unwrap_or(0) as i32,
            vswitch: s
                .text_of("vswitchName")
                .unwrap_or("vSwitch0")
                .trim()
                .to_string(),
        })
        .collect();
    if !groups.is_empty() {
        host.portgroups = groups;
    }
    let pnics: Vec<PNic> = net
        .children_named("pnic")
        .map(|p| PNic {
            device: p.text_of("device").unwrap_or("").trim().to_string(),
            mac: p.text_of("mac").unwrap_or("").trim().to_string(),
            driver: p.text_of("driver").unwrap_or("").trim().to_string(),
            pci: p.text_of("pci").unwrap_or("").trim().to_string(),
            link_speed_mb: p
                .child("linkSpeed")
                .and_then(|l| num_of(l, "speedMb"))
                .map(|x| x as i32),
            full_duplex: p
                .child("linkSpeed")
                .and_then(|l| l.text_of("duplex"))
                .is_none_or(|d| d.trim() == "true"),
        })
        .collect();
    if !pnics.is_empty() {
        host.pnics = pnics;
    }
    let vnics: Vec<VmkNic> = net
        .children_named("vnic")
        .map(|v| {
            let spec = v.child("spec");
            let ip = spec.and_then(|s| s.child("ip"));
            let t = |e: Option<&Element>, f: &str| {
                e.and_then(|e| e.text_of(f))
                    .unwrap_or("")
                    .trim()
                    .to_string()
            };
            VmkNic {
                device: v.text_of("device").unwrap_or("vmk0").trim().to_string(),
                portgroup: v.text_of("portgroup").unwrap_or("").trim().to_string(),
                mac: t(spec, "mac"),
                ip: t(ip, "ipAddress"),
                netmask: t(ip, "subnetMask"),
                mtu: spec.and_then(|s| num_of(s, "mtu")).unwrap_or(1500) as i32,
            }
        })
        .collect();
    if !vnics.is_empty() {
        host.management_ip = vnics[0].ip.clone();
        host.vmknics = vnics;
    }
}

/// A datastore record: its kind from `summary.type`, capacity, the hosts mounting it.
fn datastore_record(d: &Recorded) -> Datastore {
    let kind = match d.text("summary.type") {
        Some("VMFS") => DatastoreKind::Vmfs,
        Some("NFS") | Some("NFS41") => DatastoreKind::Nfs,
        _ => DatastoreKind::Local,
    };
    let uuid = d
        .text("info.vmfs.uuid")
        .map(str::to_string)
        .unwrap_or_else(|| random_uuid().replace('-', "")[..17].to_string());
    let capacity = d.num("summary.capacity").unwrap_or(1_099_511_627_776);
    let free = d.num("summary.freeSpace").unwrap_or(capacity);
    Datastore {
        moid: d.obj.value.clone(),
        name: d.text("name").unwrap_or_default().to_string(),
        kind,
        uuid,
        capacity,
        // What the recorded server had in use besides its files.
        base_used: (capacity - free).max(0),
        datacenter: String::new(),
        hosts: d
            .props
            .get("host")
            .map(|h| {
                h.children
                    .iter()
                    .filter_map(|m| m.child("key").and_then(Element::as_moref))
                    .map(|m| m.value)
                    .collect()
            })
            .unwrap_or_default(),
        accessible: d.text("summary.accessible") != Some("false"),
        nfs_host: d.text("info.nas.remoteHost").map(str::to_string),
        nfs_path: d
            .text("info.nas.remotePath")
            .or_else(|| d.text("info.path"))
            .map(str::to_string),
        vmfs_extent: None,
        folder: d.moref("parent").map(|m| m.value),
    }
}

/// Puts hosts, datastores, networks and switches in their datacenters (by walking up their
/// parents), and makes what lies in a datacenter's own datastore or network folder a
/// member of it without a list entry, as the model keeps them.
fn place_in_datacenters(w: &mut World) {
    let dc_of = |w: &World, start: &str| -> String {
        let mut cur = start.to_string();
        for _ in 0..64 {
            if w.datacenters.contains_key(&cur) {
                return cur;
            }
            match w.parent_of(&cur) {
                Some(p) => cur = p,
                None => break,
            }
        }
        String::new()
    };
    let hosts: Vec<(String, String)> = w
        .hosts
        .values()
        .map(|h| (h.moid.clone(), dc_of(w, &h.parent)))
        .collect();
    for (h, dc) in hosts {
        if let Some(r) = w.hosts.get_mut(&h) {
            r.datacenter = dc;
        }
    }
    let own: Vec<String> = w
        .datacenters
        .values()
        .flat_map(|d| [d.datastore_folder.clone(), d.network_folder.clone()])
        .collect();
    let ds: Vec<(String, String)> = w
        .datastores
        .values()
        .map(|d| (d.moid.clone(), dc_of(w, d.folder.as_deref().unwrap_or(""))))
        .collect();
    for (d, dc) in ds {
        if let Some(r) = w.datastores.get_mut(&d) {
            r.datacenter = dc;
            if r.folder.as_ref().is_some_and(|f| own.contains(f)) {
                r.folder = None;
            }
        }
    }
    let nets: Vec<(String, String)> = w
        .networks
        .values()
        .map(|n| (n.moid.clone(), dc_of(w, n.folder.as_deref().unwrap_or(""))))
        .collect();
    for (n, dc) in nets {
        if let Some(r) = w.networks.get_mut(&n) {
            r.datacenter = dc;
            if r.folder.as_ref().is_some_and(|f| own.contains(f)) {
                r.folder = None;
            }
        }
    }
    let switches: Vec<(String, String)> = w
        .dvswitches
        .values()
        .map(|s| (s.moid.clone(), dc_of(w, &s.folder)))
        .collect();
    for (s, dc) in switches {
        if let Some(r) = w.dvswitches.get_mut(&s) {
            r.datacenter = dc;
        }
    }
    // Implicit members leave the folders' lists.
    let implicit: Vec<String> = w
        .datastores
        .values()
        .filter(|d| d.folder.is_none())
        .map(|d| d.moid.clone())
        .chain(
            w.networks
                .values()
                .filter(|n| n.folder.is_none())
                .map(|n| n.moid.clone()),
        )
        .collect();
    for f in w.folders.values_mut() {
        f.children.retain(|c| !implicit.contains(c));
    }
}

/// A VM record from its configuration, runtime and placement.
fn vm_record(
    w: &World,
    v: &Recorded,
    skipped: &mut BTreeMap<String, usize>,
) -> Result<Vm, RecordingError> {
    let id = v.obj.value.clone();
    let config = v
        .props
        .get("config")
        .ok_or_else(|| RecordingError::Invalid(format!("VirtualMachine {id} has no config")))?;
    let t = |f: &str| config.text_of(f).map(|x| x.trim().to_string());
    let name = v
        .text("name")
        .map(str::to_string)
        .or_else(|| t("name"))
        .unwrap_or_else(|| id.clone());
    let hw = config.child("hardware");
    let devices: Vec<&Element> = hw
        .map(|h| h.children_named("device").collect())
        .unwrap_or_default();
    let (devices, left_out) = crate::objects::recorded_devices(w, &devices);
    for ty in left_out {
        *skipped.entry(ty).or_default() += 1;
    }
    let hwn = |f: &str| hw.and_then(|h| num_of(h, f));
    let mut cpu_alloc = Allocation::normal(1000);
    let mut mem_alloc = Allocation::normal(320);
    if let Some(a) = config.child("cpuAllocation") {
        allocation(a, &mut cpu_alloc);
    }
    if let Some(a) = config.child("memoryAllocation") {
        allocation(a, &mut mem_alloc);
    }
    let cfg = VmConfig {
        name,
        uuid: t("uuid").unwrap_or_default(),
        instance_uuid: t("instanceUuid").unwrap_or_default(),
        guest_os: vmx::vmx_guest_os(&t("guestId").unwrap_or_else(|| "otherGuest".into())),
        version: t("version").unwrap_or_else(|| "vmx-13".into()),
        memory_mb: hwn("memoryMB").unwrap_or(32),
        num_cpu: hwn("numCPU").unwrap_or(1) as i32,
        cores_per_socket: hwn("numCoresPerSocket").unwrap_or(1).max(1) as i32,
        annotation: t("annotation").unwrap_or_default(),
        firmware: t("firmware").unwrap_or_else(|| "bios".into()),
        cpu_alloc,
        mem_alloc,
        devices,
        extra: config
            .children_named("extraConfig")
            .filter_map(|e| {
                Some((
                    e.text_of("key")?.trim().to_string(),
                    e.child("value")?.text.trim().to_string(),
                ))
            })
            .collect(),
    };
    let host = v
        .moref("runtime.host")
        .map(|m| m.value)
        .ok_or_else(|| RecordingError::Invalid(format!("VirtualMachine {id} has no host")))?;
    let power_state = match v.text("runtime.powerState") {
        Some("poweredOn") => PowerState::PoweredOn,
        Some("suspended") => PowerState::Suspended,
        _ => PowerState::PoweredOff,
    };
    let pool = v
        .moref("resourcePool")
        .or_else(|| v.moref("parentVApp"))
        .map(|m| m.value)
        .unwrap_or_default();
    let folder = v.moref("parent").map(|m| m.value).unwrap_or_default();
    let tools_installed = v.text("guest.toolsStatus") != Some("toolsNotInstalled");
    Ok(Vm {
        moid: id,
        host,
        folder,
        resource_pool: pool,
        vmx_path: t("files.vmPathName")
            .or_else(|| {
                config
                    .child("files")
                    .and_then(|f| f.text_of("vmPathName"))
                    .map(|p| p.trim().to_string())
            })
            .unwrap_or_default(),
        config: cfg,
        power_state,
        boot_time: v.text("runtime.bootTime").map(str::to_string),
        question: None,
        snapshots: Vec::new(),
        current_snapshot: None,
        guest: GuestInfo::default(),
        guest_when_running: GuestInfo::default(),
        template: config.text_of("template").map(str::trim) == Some("true"),
        next_snapshot_id: 1,
        pending_task: None,
        tools_installed,
    })
}

/// One more than the largest number in any id, so new ids do not collide.
fn next_free_id(w: &World) -> u64 {
    w.entity_ids()
        .filter_map(|id| {
            let digits: String = id
                .chars()
                .rev()
                .take_while(char::is_ascii_digit)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            digits.parse::<u64>().ok()
        })
        .max()
        .unwrap_or(0)
        + 1
}
