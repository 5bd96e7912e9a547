//! Ready-made worlds: the default ESX host, the default vCenter, and a generator for large
//! inventories. Everything is deterministic (seeded), so the defaults look the same on every
//! start and tests can rely on names, UUIDs and MAC addresses.

use std::path::Path;

use super::model::*;
use super::{default_guest_for, InvResult, Rng, World};

/// What [`World::generate`] builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateParams {
    /// A vCenter (datacenter, clusters of up to 32 hosts) or a single ESX host.
    pub vcenter: bool,
    /// Number of hosts (1 for ESX).
    pub hosts: usize,
    /// VMs per host.
    pub vms_per_host: usize,
    /// Seed for UUIDs and MAC addresses.
    pub seed: u64,
}

impl Default for GenerateParams {
    fn default() -> Self {
        GenerateParams {
            vcenter: false,
            hosts: 1,
            vms_per_host: 1000,
            seed: 42,
        }
    }
}

fn cpuid_xeon() -> Vec<CpuIdLeaf> {
    // CPUID of a Cascade Lake Xeon as ESX reports it in hardware.cpuFeature.
    vec![
        CpuIdLeaf {
            level: 0,
            eax: 0x0000_0016,
            ebx: 0x756e_6547,
            ecx: 0x6c65_746e,
            edx: 0x4965_6e69,
        },
        CpuIdLeaf {
            level: 1,
            eax: 0x0005_0657,
            ebx: 0x0010_0800,
            ecx: 0x7ffe_fbff,
            edx: 0xbfeb_fbff,
        },
        CpuIdLeaf {
            level: 0x8000_0000u32 as i32,
            eax: 0x8000_0008,
            ebx: 0,
            ecx: 0,
            edx: 0,
        },
        CpuIdLeaf {
            level: 0x8000_0001u32 as i32,
            eax: 0,
            ebx: 0,
            ecx: 0x0000_0121,
            edx: 0x2c10_0800,
        },
        CpuIdLeaf {
            level: 0x8000_0008u32 as i32,
            eax: 0x0000_302e,
            ebx: 0,
            ecx: 0,
            edx: 0,
        },
    ]
}

fn hardware(rng: &mut Rng, model: &str) -> HostHardware {
    HostHardware {
        vendor: "Dell Inc.".into(),
        model: model.into(),
        uuid: rng.uuid(),
        cpu_model: "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz".into(),
        cpu_vendor: "intel".into(),
        cpu_mhz: 2095,
        cpu_packages: 2,
        cpu_cores: 40,
        cpu_threads: 80,
        memory_bytes: 274_877_906_944 - 1_048_576 * 412,
        numa_nodes: 2,
        bios_version: "2.12.2".into(),
        cpuid: cpuid_xeon(),
    }
}

fn mac(prefix: [u8; 3], n: u64) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        prefix[0],
        prefix[1],
        prefix[2],
        (n >> 16) & 0xff,
        (n >> 8) & 0xff,
        n & 0xff
    )
}

/// A host record with standard networking and adapters; `n` makes names and MACs unique.
pub(crate) fn host_template(rng: &mut Rng, name: &str, n: u64, ip: &str) -> Host {
    let (short, domain) = name.split_once('.').unwrap_or((name, ""));
    let iqn_suffix = format!("{:08x}", rng.next_u64() as u32);
    let iscsi_luns: Vec<Lun> = (0..2)
        .map(|i| Lun {
            canonical_name: format!(
                "naa.6589cfc000000{:03x}{:016x}",
                n,
                0x1b2c_3d4e_0000_0010 + i as u64
            ),
            display_name: format!(
                "FreeNAS iSCSI Disk (naa.6589cfc000000{:03x}{:016x})",
                n,
                0x1b2c_3d4e_0000_0010 + i as u64
            ),
            uuid: format!(
                "0200{:02x}00006589cfc000000{:03x}{:016x}6953435349",
                i,
                n,
                0x1b2c_3d4e_0000_0010 + i as u64
            ),
            vendor: "FreeNAS".into(),
            model: "iSCSI Disk".into(),
            block_size: 512,
            blocks: if i == 0 { 209_715_200 } else { 419_430_400 },
            hba: "vmhba64".into(),
            target: "iqn.2005-10.org.freenas.ctl:vmstore".into(),
            lun: i,
        })
        .collect();
    let mut luns = vec![Lun {
        canonical_name: format!("naa.61866da0{:06x}0026b3c5d7e9f1a0", n),
        display_name: format!("Local DELL Disk (naa.61866da0{:06x}0026b3c5d7e9f1a0)", n),
        uuid: format!("020000000061866da0{:06x}0026b3c5d7e9f1a0504552432048", n),
        vendor: "DELL".into(),
        model: "PERC H740P Mini".into(),
        block_size: 512,
        blocks: 2_341_994_496,
        hba: "vmhba0".into(),
        target: String::new(),
        lun: 0,
    }];
    luns.extend(iscsi_luns);
    Host {
        moid: String::new(),
        name: name.into(),
        parent: String::new(),
        datacenter: String::new(),
        hardware: hardware(rng, "PowerEdge R640"),
        dns_host_name: short.into(),
        dns_domain_name: domain.into(),
        management_ip: ip.into(),
        management_server_ip: None,
        in_maintenance_mode: false,
        connection_state: "connected".into(),
        boot_time: "2026-01-12T08:41:27.000Z".into(),
        vswitches: vec![
            VSwitch {
                name: "vSwitch0".into(),
                num_ports: 128,
                mtu: 1500,
                pnics: vec!["vmnic0".into()],
            },
            VSwitch {
                name: "vSwitch1".into(),
                num_ports: 128,
                mtu: 9000,
                pnics: vec!["vmnic1".into()],
            },
        ],
        portgroups: vec![
            PortGroup {
                name: "Management Network".into(),
                vlan_id: 0,
                vswitch: "vSwitch0".into(),
            },
            PortGroup {
                name: "VM Network".into(),
                vlan_id: 0,
                vswitch: "vSwitch0".into(),
            },
            PortGroup {
                name: "Internal".into(),
                vlan_id: 100,
                vswitch: "vSwitch1".into(),
            },
        ],
        pnics: vec![
            PNic {
                device: "vmnic0".into(),
                mac: mac([0x24, 0x6e, 0x96], n * 4),
                driver: "ixgben".into(),
                pci: "0000:19:00.0".into(),
                link_speed_mb: Some(10000),
                full_duplex: true,
            },
            PNic {
                device: "vmnic1".into(),
                mac: mac([0x24, 0x6e, 0x96], n * 4 + 1),
                driver: "ixgben".into(),
                pci: "0000:19:00.1".into(),
                link_speed_mb: Some(10000),
                full_duplex: true,
            },
        ],
        vmknics: vec![VmkNic {
            device: "vmk0".into(),
            portgroup: "Management Network".into(),
            mac: mac([0x24, 0x6e, 0x96], n * 4),
            ip: ip.into(),
            netmask: "255.255.255.0".into(),
            mtu: 1500,
        }],
        hbas: vec![
            Hba {
                device: "vmhba0".into(),
                model: "PERC H740P Mini".into(),
                driver: "lsi_mr3".into(),
                pci: "0000:18:00.0".into(),
                status: "online".into(),
                iscsi_name: None,
                targets: vec![],
            },
            Hba {
                device: "vmhba64".into(),
                model: "iSCSI Software Adapter".into(),
                driver: "iscsi_vmk".into(),
                pci: String::new(),
                status: "online".into(),
                iscsi_name: Some(format!("iqn.1998-01.com.vmware:{short}-{iqn_suffix}")),
                targets: vec![IscsiTarget {
                    address: "192.168.10.6".into(),
                    port: 3260,
                    iscsi_name: "iqn.2005-10.org.freenas.ctl:vmstore".into(),
                }],
            },
        ],
        luns,
        datastores: vec![],
        autostart: AutoStart::default(),
    }
}

/// Options for one VM of a default inventory.
struct VmSpec<'a> {
    name: &'a str,
    guest_os: &'a str,
    memory_mb: i64,
    cpus: i32,
    datastore: &'a str,
    disks: &'a [i64],
    thin: bool,
    scsi: &'a str,
    nic_model: &'a str,
    network: &'a str,
    power: PowerState,
    annotation: &'a str,
}

impl World {
    pub(super) fn add_folder(
        &mut self,
        moid: &str,
        parent: Option<&str>,
        name: &str,
        child_type: &[&str],
    ) -> String {
        self.folders.insert(
            moid.to_string(),
            Folder {
                moid: moid.to_string(),
                name: name.to_string(),
                parent: parent.map(|p| p.to_string()),
                child_type: child_type.iter().map(|s| s.to_string()).collect(),
                children: vec![],
            },
        );
        if let Some(p) = parent {
            if let Some(f) = self.folders.get_mut(p) {
                f.children.push(moid.to_string());
            }
        }
        moid.to_string()
    }

    pub(super) fn vc_id(&mut self, prefix: &str) -> String {
        let n = self.alloc_id();
        format!("{prefix}{n}")
    }

    /// A standalone ESX server's skeleton: the root folder, ha-datacenter, its compute
    /// resource and the host esx01. Gives (datacenter, host).
    fn add_standalone_esx(&mut self, rng: &mut Rng) -> (String, String) {
        let dc = self.add_esx_root();
        let cr = self.add_compute(&dc, "esx01.example.com", false);
        let host = host_template(rng, "esx01.example.com", 1, "192.168.10.21");
        let h = self.add_host(&cr, host);
        (dc, h)
    }

    /// An ESX server's root folder and its one datacenter, `ha-datacenter` (whose id it gives).
    pub(super) fn add_esx_root(&mut self) -> String {
        self.root_folder = self.add_folder(
            "ha-folder-root",
            None,
            "ha-folder-root",
            &["Datacenter", "Folder"],
        );
        self.add_datacenter("ha-folder-root", "ha-datacenter")
    }

    /// The two datastores every default world mounts on all of `hosts`: VMFS "datastore1"
    /// (`vmfs_capacity` bytes, on the first host's first LUN) and NFS "nfs-iso".
    fn add_standard_datastores(&mut self, dc: &str, hosts: &[String], vmfs_capacity: i64) {
        let extent = self.hosts[&hosts[0]].luns[0].canonical_name.clone();
        self.add_datastore(
            dc,
            "datastore1",
            DatastoreKind::Vmfs,
            "5f3a1c2e-8d4b6a10-7e29-246e96a1b2c4",
            vmfs_capacity,
            hosts,
            None,
            Some(&extent),
        );
        self.add_datastore(
            dc,
            "nfs-iso",
            DatastoreKind::Nfs,
            "8a2f5d31-c4e97b02",
            2_199_023_255_552,
            hosts,
            Some(("192.168.10.5", "/export/iso")),
            None,
        );
    }

    /// Add a datacenter under `parent` with its vm/host/datastore/network folders.
    pub fn add_datacenter(&mut self, parent: &str, name: &str) -> String {
        let (dc, vmf, hostf, dsf, netf) = match self.kind {
            ServerKind::Esx => (
                "ha-datacenter".to_string(),
                "ha-folder-vm".to_string(),
                "ha-folder-host".to_string(),
                "ha-folder-datastore".to_string(),
                "ha-folder-network".to_string(),
            ),
            ServerKind::Vcenter => (
                self.vc_id("datacenter-"),
                self.vc_id("group-v"),
                self.vc_id("group-h"),
                self.vc_id("group-s"),
                self.vc_id("group-n"),
            ),
        };
        self.add_folder(
            &vmf,
            None,
            "vm",
            &["Folder", "VirtualMachine", "VirtualApp"],
        );
        self.add_folder(&hostf, None, "host", &["Folder", "ComputeResource"]);
        self.add_folder(
            &dsf,
            None,
            "datastore",
            &["Folder", "Datastore", "StoragePod"],
        );
        self.add_folder(
            &netf,
            None,
            "network",
            &["Folder", "Network", "DistributedVirtualSwitch"],
        );
        for f in [&vmf, &hostf, &dsf, &netf] {
            if let Some(rec) = self.folders.get_mut(f) {
                rec.parent = Some(dc.clone());
            }
        }
        self.datacenters.insert(
            dc.clone(),
            Datacenter {
                moid: dc.clone(),
                name: name.into(),
                parent: parent.into(),
                vm_folder: vmf,
                host_folder: hostf,
                datastore_folder: dsf,
                network_folder: netf,
            },
        );
        if let Some(f) = self.folders.get_mut(parent) {
            f.children.push(dc.clone());
        }
        dc
    }

    /// Add a cluster or standalone compute resource under a datacenter's host folder.
    pub fn add_compute(&mut self, dc: &str, name: &str, is_cluster: bool) -> String {
        let (moid, pool) = match self.kind {
            ServerKind::Esx => ("ha-compute-res".to_string(), "ha-root-pool".to_string()),
            ServerKind::Vcenter => (
                self.vc_id(if is_cluster { "domain-c" } else { "domain-s" }),
                self.vc_id("resgroup-"),
            ),
        };
        let parent = self.datacenters[dc].host_folder.clone();
        self.computes.insert(
            moid.clone(),
            Compute {
                moid: moid.clone(),
                name: name.into(),
                parent: parent.clone(),
                is_cluster,
                hosts: vec![],
                resource_pool: pool.clone(),
                drs_enabled: is_cluster,
                ha_enabled: is_cluster,
                cluster: Default::default(),
            },
        );
        self.pools.insert(
            pool.clone(),
            ResourcePool {
                moid: pool.clone(),
                name: "Resources".into(),
                parent: moid.clone(),
                owner: moid.clone(),
                child_pools: vec![],
                config: Default::default(),
                vapp: false,
            },
        );
        if let Some(f) = self.folders.get_mut(&parent) {
            f.children.push(moid.clone());
        }
        moid
    }

    /// Add a host to a compute resource; each of its port groups gets a Network (the
    /// built-in worlds are made this way, their ids depend on it).
    pub fn add_host(&mut self, compute: &str, host: Host) -> String {
        self.add_host_with_networks(compute, host, true)
    }

    /// Add a host to a compute resource. Its VM port groups get a Network object; its
    /// VMkernel port groups (the management network) only with `vmkernel_networks`, as
    /// vCenter has none for them.
    pub fn add_host_with_networks(
        &mut self,
        compute: &str,
        mut host: Host,
        vmkernel_networks: bool,
    ) -> String {
        let moid = match self.kind {
            ServerKind::Esx => "ha-host".to_string(),
            ServerKind::Vcenter => self.vc_id("host-"),
        };
        let dc = self
            .datacenters
            .values()
            .find(|d| d.host_folder == self.computes[compute].parent)
            .map(|d| d.moid.clone())
            .unwrap_or_default();
        host.moid = moid.clone();
        host.parent = compute.into();
        host.datacenter = dc;
        let pgs: Vec<String> = host
            .portgroups
            .iter()
            .filter(|p| vmkernel_networks || !host.vmknics.iter().any(|k| k.portgroup == p.name))
            .map(|p| p.name.clone())
            .collect();
        self.hosts.insert(moid.clone(), host);
        if let Some(c) = self.computes.get_mut(compute) {
            c.hosts.push(moid.clone());
        }
        for pg in pgs {
            self.ensure_network(&moid, &pg);
        }
        moid
    }

    /// Add a datastore mounted on `hosts`.
    #[allow(clippy::too_many_arguments)]
    pub fn add_datastore(
        &mut self,
        dc: &str,
        name: &str,
        kind: DatastoreKind,
        uuid: &str,
        capacity: i64,
        hosts: &[String],
        nfs: Option<(&str, &str)>,
        extent: Option<&str>,
    ) -> String {
        let moid = match self.kind {
            ServerKind::Esx => uuid.to_string(),
            ServerKind::Vcenter => self.vc_id("datastore-"),
        };
        self.datastores.insert(
            moid.clone(),
            Datastore {
                moid: moid.clone(),
                name: name.into(),
                kind,
                uuid: uuid.into(),
                capacity,
                base_used: capacity / 100,
                datacenter: dc.into(),
                hosts: hosts.to_vec(),
                accessible: true,
                nfs_host: nfs.map(|n| n.0.to_string()),
                nfs_path: nfs.map(|n| n.1.to_string()),
                vmfs_extent: extent.map(|e| e.to_string()),
                folder: None,
            },
        );
        for h in hosts {
            if let Some(host) = self.hosts.get_mut(h) {
                host.datastores.push(moid.clone());
            }
        }
        moid
    }

    /// Add a VM record (files are written by [`World::materialize`]).
    fn add_vm_spec(
        &mut self,
        host: &str,
        folder: &str,
        spec: &VmSpec<'_>,
        rng: &mut Rng,
        n: u64,
    ) -> String {
        let moid = self.alloc_vm_id();
        let dir = esxvirt_util::escape_datastore_item(spec.name);
        let mut devices = vec![Device::ScsiController {
            index: 0,
            model: spec.scsi.into(),
        }];
        for (i, gb) in spec.disks.iter().enumerate() {
            let file = if i == 0 {
                format!("[{}] {dir}/{dir}.vmdk", spec.datastore)
            } else {
                format!("[{}] {dir}/{dir}_{i}.vmdk", spec.datastore)
            };
            devices.push(Device::Disk {
                slot: Slot {
                    bus: Bus::Scsi,
                    controller: 0,
                    unit: i as u32,
                },
                file,
                capacity_kb: gb * 1024 * 1024,
                thin: spec.thin,
                mode: "persistent".into(),
            });
        }
        devices.push(Device::Nic {
            index: 0,
            model: spec.nic_model.into(),
            mac: mac([0x00, 0x0c, 0x29], n),
            address_type: "generated".into(),
            network: spec.network.into(),
            connected: true,
        });
        devices.push(Device::Video {
            vram_kb: 8192,
            displays: 1,
        });
        let cfg = VmConfig {
            name: spec.name.into(),
            uuid: rng.uuid(),
            instance_uuid: rng.uuid(),
            guest_os: spec.guest_os.into(),
            version: "vmx-14".into(),
            memory_mb: spec.memory_mb,
            num_cpu: spec.cpus,
            cores_per_socket: 1,
            annotation: spec.annotation.into(),
            firmware: "bios".into(),
            cpu_alloc: Allocation::normal(1000 * spec.cpus),
            mem_alloc: Allocation::normal((spec.memory_mb as i32).saturating_mul(10)),
            devices,
            extra: vec![],
        };
        let pool = self.host_root_pool(host).unwrap_or_default();
        let guest_when_running = default_guest_for(&cfg);
        let mut vm = Vm {
            moid: moid.clone(),
            host: host.into(),
            folder: folder.into(),
            resource_pool: pool,
            vmx_path: format!("[{}] {dir}/{dir}.vmx", spec.datastore),
            config: cfg,
            power_state: spec.power,
            boot_time: None,
            question: None,
            snapshots: vec![],
            current_snapshot: None,
            guest: GuestInfo::default(),
            guest_when_running,
            template: false,
            next_snapshot_id: 1,
            pending_task: None,
            tools_installed: true,
        };
        if spec.power == PowerState::PoweredOn {
            vm.boot_time = Some("2026-01-12T09:02:11.000Z".into());
            vm.guest = vm.guest_when_running.clone();
        }
        self.vms.insert(moid.clone(), vm);
        if let Some(f) = self.folders.get_mut(folder) {
            f.children.push(moid.clone());
        }
        moid
    }

    /// The default standalone ESX host: five VMs of varied hardware (one with a snapshot tree,
    /// one whose file-backed serial port asks a question on power-on), a VMFS and an NFS
    /// datastore, two vSwitches with port groups, two physical NICs and an iSCSI adapter with
    /// two LUNs.
    pub fn default_esx(files_dir: &Path) -> InvResult<World> {
        let mut w = World::empty(ServerKind::Esx, files_dir);
        let mut rng = Rng(0x5eed_e5c1);
        let (dc, h) = w.add_standalone_esx(&mut rng);
        w.add_standard_datastores(&dc, std::slice::from_ref(&h), 1_198_642_036_736);
        w.default_esx_vms(&h, &mut rng)?;
        w.materialize()?;
        // An ISO for the CD-ROMs to point at.
        let iso = w.resolve("[nfs-iso] ubuntu-22.04-live-server-amd64.iso")?;
        if !iso.exists() {
            let f = std::fs::File::create(&iso).map_err(|e| super::InvError::Io(e.to_string()))?;
            f.set_len(1_474_873_344)
                .map_err(|e| super::InvError::Io(e.to_string()))?;
        }
        Ok(w)
    }

    fn default_esx_vms(&mut self, h: &str, rng: &mut Rng) -> InvResult<()> {
        let folder = self.datacenters[&self.hosts[h].datacenter]
            .vm_folder
            .clone();
        let web = self.add_vm_spec(
            h,
            &folder,
            &VmSpec {
                name: "web01",
                guest_os: "ubuntu-64",
                memory_mb: 2048,
                cpus: 2,
                datastore: "datastore1",
                disks: &[16],
                thin: true,
                scsi: "pvscsi",
                nic_model: "vmxnet3",
                network: "VM Network",
                power: PowerState::PoweredOn,
                annotation: "Web front end",
            },
            rng,
            0x10_0001,
        );
        if let Some(vm) = self.vms.get_mut(&web) {
            vm.config.devices.push(Device::Cdrom {
                slot: Slot {
                    bus: Bus::Ide,
                    controller: 1,
                    unit: 0,
                },
                iso: Some("[nfs-iso] ubuntu-22.04-live-server-amd64.iso".into()),
                device: None,
                connected: true,
            });
        }
        let db = self.add_vm_spec(
            h,
            &folder,
            &VmSpec {
                name: "db01",
                guest_os: "centos-64",
                memory_mb: 8192,
                cpus: 4,
                datastore: "datastore1",
                disks: &[40, 100],
                thin: false,
                scsi: "lsilogic",
                nic_model: "e1000e",
                network: "Internal",
                power: PowerState::PoweredOff,
                annotation: "PostgreSQL 14",
            },
            rng,
            0x10_0002,
        );
        if let Some(vm) = self.vms.get_mut(&db) {
            vm.config.cpu_alloc = Allocation {
                reservation: 1000,
                limit: 8000,
                expandable_reservation: false,
                shares_level: "high".into(),
                shares: 8000,
            };
            vm.config.mem_alloc.reservation = 4096;
            vm.config.devices.push(Device::Nic {
                index: 1,
                model: "vmxnet3".into(),
                mac: "00:50:56:01:02:03".into(),
                address_type: "static".into(),
                network: "VM Network".into(),
                connected: true,
            });
            vm.guest_when_running = default_guest_for(&vm.config);
        }
        let win = self.add_vm_spec(
            h,
            &folder,
            &VmSpec {
                name: "win2019",
                guest_os: "windows2019srv-64",
                memory_mb: 4096,
                cpus: 2,
                datastore: "datastore1",
                disks: &[60],
                thin: true,
                scsi: "lsisas1068",
                nic_model: "e1000e",
                network: "VM Network",
                power: PowerState::Suspended,
                annotation: "",
            },
            rng,
            0x10_0003,
        );
        if let Some(vm) = self.vms.get_mut(&win) {
            vm.config.firmware = "efi".into();
            vm.config.cores_per_socket = 2;
            vm.config.devices.push(Device::empty_cdrom());
        }
        let ser = self.add_vm_spec(
            h,
            &folder,
            &VmSpec {
                name: "serial-test",
                guest_os: "otherlinux-64",
                memory_mb: 512,
                cpus: 1,
                datastore: "datastore1",
                disks: &[1],
                thin: true,
                scsi: "buslogic",
                nic_model: "e1000",
                network: "VM Network",
                power: PowerState::PoweredOff,
                annotation: "Its serial port writes to a file: powering on asks a question",
            },
            rng,
            0x10_0004,
        );
        if let Some(vm) = self.vms.get_mut(&ser) {
            vm.config.devices.push(Device::Serial {
                index: 0,
                backing: PortBacking::File {
                    path: "[datastore1] serial-test/serial0.log".into(),
                },
                yield_on_poll: true,
            });
            vm.config.devices.push(Device::Parallel {
                index: 0,
                backing: PortBacking::File {
                    path: "[datastore1] serial-test/parallel0.log".into(),
                },
            });
            vm.config.devices.push(Device::Floppy {
                index: 0,
                image: None,
                device: None,
            });
        }
        let tiny = self.add_vm_spec(
            h,
            &folder,
            &VmSpec {
                name: "tiny",
                guest_os: "other",
                memory_mb: 256,
                cpus: 1,
                datastore: "datastore1",
                disks: &[],
                thin: true,
                scsi: "lsilogic",
                nic_model: "vlance",
                network: "VM Network",
                power: PowerState::PoweredOff,
                annotation: "",
            },
            rng,
            0x10_0005,
        );
        if let Some(vm) = self.vms.get_mut(&tiny) {
            vm.config
                .devices
                .retain(|d| !matches!(d, Device::ScsiController { .. }));
            // A small IDE disk: the old-style VM of the set.
            vm.config.devices.push(Device::Disk {
                slot: Slot {
                    bus: Bus::Ide,
                    controller: 0,
                    unit: 0,
                },
                file: "[datastore1] tiny/tiny.vmdk".into(),
                capacity_kb: 512 * 1024,
                thin: true,
                mode: "persistent".into(),
            });
            vm.config.version = "vmx-08".into();
        }
        // Files first (snapshot creation writes next to the .vmx), then db01's snapshot tree:
        // base -> (patched -> current-work, experiment).
        self.materialize()?;
        let base = self.create_snapshot(&db, "base", "Fresh install", false, false)?;
        let patched = self.create_snapshot(&db, "patched", "After OS updates", false, false)?;
        self.create_snapshot(&db, "current-work", "", false, false)?;
        self.revert_snapshot(&base)?;
        self.create_snapshot(&db, "experiment", "Trying a new kernel", false, false)?;
        self.revert_snapshot(&patched)?;
        Ok(())
    }

    /// The default vCenter: datacenter `dc1` with cluster `cluster1` of three hosts and a
    /// standalone host, shared VMFS and NFS datastores plus a local one, two VMs per host.
    pub fn default_vcenter(files_dir: &Path) -> InvResult<World> {
        let mut w = World::empty(ServerKind::Vcenter, files_dir);
        let mut rng = Rng(0x5eed_0c01);
        w.root_folder = w.add_folder("group-d1", None, "Datacenters", &["Folder", "Datacenter"]);
        w.next_id = 2;
        let dc = w.add_datacenter("group-d1", "dc1");
        let cl = w.add_compute(&dc, "cluster1", true);
        let mut hosts = Vec::new();
        for i in 1..=3u64 {
            let name = format!("esx-{i:02}.example.com");
            let t = host_template(&mut rng, &name, i, &format!("192.168.10.{}", 20 + i));
            hosts.push(w.add_host(&cl, t));
        }
        let sa = w.add_compute(&dc, "esx-04.example.com", false);
        let t = host_template(&mut rng, "esx-04.example.com", 4, "192.168.10.24");
        let standalone = w.add_host(&sa, t);
        let mut all = hosts.clone();
        all.push(standalone.clone());
        let extent = w.hosts[&hosts[0]].luns[1].canonical_name.clone();
        w.add_datastore(
            &dc,
            "shared-vmfs",
            DatastoreKind::Vmfs,
            "61a2b3c4-5d6e7f80-9a1b-246e96c0ffee",
            4_398_046_511_104,
            &hosts,
            None,
            Some(&extent),
        );
        w.add_datastore(
            &dc,
            "nfs-iso",
            DatastoreKind::Nfs,
            "3c9e0a14-7b2d5f68",
            2_199_023_255_552,
            &all,
            Some(("192.168.10.5", "/export/iso")),
            None,
        );
        let local_extent = w.hosts[&standalone].luns[0].canonical_name.clone();
        w.add_datastore(
            &dc,
            "local-esx04",
            DatastoreKind::Vmfs,
            "62b3c4d5-6e7f8091-ab2c-246e96c0ff04",
            1_198_642_036_736,
            std::slice::from_ref(&standalone),
            None,
            Some(&local_extent),
        );
        let top = w.datacenters[&dc].vm_folder.clone();
        // VMs of the standalone host sit in a "Production" subfolder of the VM folder.
        let prod = w.vc_id("group-v");
        w.add_folder(
            &prod,
            Some(&top),
            "Production",
            &["Folder", "VirtualMachine", "VirtualApp"],
        );
        let mut n = 0x20_0000u64;
        for (i, h) in all.iter().enumerate() {
            let folder = if *h == standalone {
                prod.clone()
            } else {
                top.clone()
            };
            let ds = if *h == standalone {
                "local-esx04"
            } else {
                "shared-vmfs"
            };
            for j in 0..2 {
                n += 1;
                let name = format!("app{:02}", i * 2 + j + 1);
                w.add_vm_spec(
                    h,
                    &folder,
                    &VmSpec {
                        name: &name,
                        guest_os: if j == 0 { "ubuntu-64" } else { "rhel8-64" },
                        memory_mb: 1024 * (j as i64 + 1),
                        cpus: (j as i32) + 1,
                        datastore: ds,
                        disks: &[8],
                        thin: true,
                        scsi: "pvscsi",
                        nic_model: "vmxnet3",
                        network: "VM Network",
                        power: if j == 0 {
                            PowerState::PoweredOn
                        } else {
                            PowerState::PoweredOff
                        },
                        annotation: "",
                    },
                    &mut rng,
                    n,
                );
            }
        }
        w.materialize()?;
        Ok(w)
    }

    /// A large generated inventory (10,000 VMs take a few seconds, files included): VMs named
    /// `vm-00001`..., spread over the hosts, every third one running, each with one small thin
    /// disk and a NIC, UUIDs and MACs unique.
    pub fn generate(params: GenerateParams, files_dir: &Path) -> InvResult<World> {
        let kind = if params.vcenter {
            ServerKind::Vcenter
        } else {
            ServerKind::Esx
        };
        let mut w = World::empty(kind, files_dir);
        let mut rng = Rng(params.seed);
        let hosts_n = if params.vcenter {
            params.hosts.max(1)
        } else {
            1
        };
        let mut hosts = Vec::new();
        let dc = if params.vcenter {
            w.root_folder =
                w.add_folder("group-d1", None, "Datacenters", &["Folder", "Datacenter"]);
            w.next_id = 2;
            let dc = w.add_datacenter("group-d1", "dc1");
            let mut cluster = String::new();
            for i in 0..hosts_n {
                if i % 32 == 0 {
                    cluster = w.add_compute(&dc, &format!("cluster{}", i / 32 + 1), true);
                }
                let name = format!("esx-{:03}.example.com", i + 1);
                let t = host_template(
                    &mut rng,
                    &name,
                    i as u64 + 1,
                    &format!("10.0.{}.{}", i / 250, i % 250 + 2),
                );
                hosts.push(w.add_host(&cluster, t));
            }
            dc
        } else {
            let (dc, h) = w.add_standalone_esx(&mut rng);
            hosts.push(h);
            dc
        };
        w.add_standard_datastores(&dc, &hosts, 100 * 1_099_511_627_776);
        let folder = w.datacenters[&dc].vm_folder.clone();
        let total = hosts_n * params.vms_per_host;
        for i in 0..total {
            let h = hosts[i % hosts_n].clone();
            let name = format!("vm-{:05}", i + 1);
            let moid = w.add_vm_spec(
                &h,
                &folder,
                &VmSpec {
                    name: &name,
                    guest_os: if i % 2 == 0 { "ubuntu-64" } else { "other-64" },
                    memory_mb: 512 << (i % 4),
                    cpus: 1 + (i % 4) as i32,
                    datastore: "datastore1",
                    disks: &[1],
                    thin: true,
                    scsi: "pvscsi",
                    nic_model: "vmxnet3",
                    network: "VM Network",
                    power: if i % 3 == 0 {
                        PowerState::PoweredOn
                    } else {
                        PowerState::PoweredOff
                    },
                    annotation: "",
                },
                &mut rng,
                0x30_0000 + i as u64,
            );
            // Make UUIDs unique by construction: the index in the last 12 digits.
            if let Some(vm) = w.vms.get_mut(&moid) {
                vm.config.uuid = format!("{}{:012x}", &vm.config.uuid[..24], i + 1);
                vm.config.instance_uuid =
                    format!("{}{:012x}", &vm.config.instance_uuid[..24], i + 1);
            }
        }
        w.materialize_files(false)?;
        Ok(w)
    }
}

impl World {
    /// Makes the vCenter world `vcenter` the manager of the ESX host of `esx`, as after
    /// adding the host to a vCenter: the host reports `vcenter_ip` as its
    /// `summary.managementServerIp`; the vCenter's first host (by id) gets the host's address
    /// `host_ip`, so `SearchIndex.FindByIp` finds it, and its VMs take the identity (name,
    /// UUIDs, power state) of the host's VMs, pairwise in id order, as far as both have VMs.
    /// The two worlds stay separate simulators: a change made through one is not seen by
    /// the other.
    pub fn manage(
        esx: &mut World,
        vcenter: &mut World,
        host_ip: &str,
        vcenter_ip: &str,
    ) -> InvResult<()> {
        if esx.kind != ServerKind::Esx || vcenter.kind != ServerKind::Vcenter {
            return Err(super::InvError::InvalidArgument(
                "manage: expecting an ESX world and a vCenter world".into(),
            ));
        }
        for h in esx.hosts.values_mut() {
            h.management_server_ip = Some(vcenter_ip.to_string());
        }
        let managed = vcenter
            .hosts
            .keys()
            .next()
            .cloned()
            .ok_or_else(|| super::InvError::NotFound("HostSystem in the vCenter".into()))?;
        vcenter.host_mut(&managed)?.management_ip = host_ip.to_string();
        let twins: Vec<String> = vcenter
            .vms_on_host(&managed)
            .map(|v| v.moid.clone())
            .collect();
        for (twin, original) in twins.iter().zip(esx.vms.values()) {
            let vm = vcenter.vm_mut(twin)?;
            vm.config.name = original.config.name.clone();
            vm.config.uuid = original.config.uuid.clone();
            vm.config.instance_uuid = original.config.instance_uuid.clone();
            vm.power_state = original.power_state;
            vm.boot_time = original.boot_time.clone();
            vcenter.write_vmx(twin)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod manage_tests {
    use super::*;

    #[test]
    fn a_managed_host_and_its_vcenter_agree() {
        let base = std::env::temp_dir().join(format!("esxsim-manage-{}", std::process::id()));
        let mut esx = World::default_esx(&base.join("esx")).expect("esx");
        let mut vc = World::default_vcenter(&base.join("vc")).expect("vc");
        World::manage(&mut esx, &mut vc, "127.0.0.1", "127.0.0.2").expect("manage");
        let host = esx.hosts.values().next().expect("host");
        assert_eq!(host.management_server_ip.as_deref(), Some("127.0.0.2"));
        let managed = vc.hosts.values().next().expect("vc host");
        assert_eq!(managed.management_ip, "127.0.0.1");
        let web01 = esx.vm_by_name("web01").expect("web01");
        let twin = vc.vm_by_uuid(&web01.config.uuid, false).expect("twin");
        assert_eq!(twin.config.name, "web01");
        assert_eq!(twin.host, managed.moid);
        assert_eq!(twin.power_state, web01.power_state);
        let vmx = std::fs::read_to_string(vc.resolve(&twin.vmx_path).expect("path")).expect("vmx");
        assert!(vmx.contains("displayName = \"web01\""), "{vmx}");
        assert!(World::manage(&mut vc.clone(), &mut esx, "a", "b").is_err());
        let _ = std::fs::remove_dir_all(&base);
    }
}
