//! The records of the world model: hosts, virtual machines, datastores, networking, storage
//! adapters and the vCenter containers. Plain data with serde derives; behaviour lives in
//! [`super::World`] and [`super::vmx`].

use serde::{Deserialize, Serialize};

/// Whether the world is served as a single ESX host or as a vCenter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ServerKind {
    /// A standalone host: about.apiType `HostAgent`, managed-object ids `ha-*`.
    #[default]
    Esx,
    /// A vCenter server: about.apiType `VirtualCenter`, ids like `vm-42`.
    Vcenter,
}

/// The product description served as `ServiceContent.about` (and `HostSystem.config.product`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct About {
    pub name: String,
    pub full_name: String,
    pub vendor: String,
    pub version: String,
    pub build: String,
    pub locale_version: String,
    pub locale_build: String,
    pub os_type: String,
    pub product_line_id: String,
    pub api_type: String,
    pub api_version: String,
    pub instance_uuid: Option<String>,
    pub license_product_name: String,
    pub license_product_version: String,
}

impl About {
    /// ESXi 7.0 Update 3 as a standalone host reports itself.
    pub fn esxi() -> Self {
        About {
            name: "VMware ESXi".into(),
            full_name: "VMware ESXi 7.0.3 build-20328353".into(),
            vendor: "VMware, Inc.".into(),
            version: "7.0.3".into(),
            build: "20328353".into(),
            locale_version: "INTL".into(),
            locale_build: "000".into(),
            os_type: "vmnix-x86".into(),
            product_line_id: "embeddedEsx".into(),
            api_type: "HostAgent".into(),
            api_version: "7.0.3.0".into(),
            instance_uuid: None,
            license_product_name: "VMware ESX Server".into(),
            license_product_version: "7.0".into(),
        }
    }

    /// vCenter Server 7.0 Update 3.
    pub fn vcenter(instance_uuid: &str) -> Self {
        About {
            name: "VMware vCenter Server".into(),
            full_name: "VMware vCenter Server 7.0.3 build-20395099".into(),
            vendor: "VMware, Inc.".into(),
            version: "7.0.3".into(),
            build: "20395099".into(),
            locale_version: "INTL".into(),
            locale_build: "000".into(),
            os_type: "linux-x64".into(),
            product_line_id: "vpx".into(),
            api_type: "VirtualCenter".into(),
            api_version: "7.0.3.0".into(),
            instance_uuid: Some(instance_uuid.into()),
            license_product_name: "VMware VirtualCenter Server".into(),
            license_product_version: "7.0".into(),
        }
    }
}

/// A folder (vCenter and the fixed ESX folders).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Folder {
    pub moid: String,
    pub name: String,
    /// Parent folder or datacenter; `None` for the root folder.
    #[serde(default)]
    pub parent: Option<String>,
    /// VI types this folder may hold (`Datacenter`, `VirtualMachine`, `ComputeResource`, ...).
    #[serde(default)]
    pub child_type: Vec<String>,
    /// Child managed-object ids in display order.
    #[serde(default)]
    pub children: Vec<String>,
}

/// A datacenter with its four top folders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Datacenter {
    pub moid: String,
    pub name: String,
    pub parent: String,
    pub vm_folder: String,
    pub host_folder: String,
    pub datastore_folder: String,
    pub network_folder: String,
}

/// A cluster (ClusterComputeResource) or a standalone host's ComputeResource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compute {
    pub moid: String,
    pub name: String,
    pub parent: String,
    pub is_cluster: bool,
    #[serde(default)]
    pub hosts: Vec<String>,
    pub resource_pool: String,
    #[serde(default)]
    pub drs_enabled: bool,
    #[serde(default)]
    pub ha_enabled: bool,
    /// A cluster's groups, rules and overrides.
    #[serde(default)]
    pub cluster: super::vcenter_model::ClusterConfig,
}

/// A resource pool; the root pool of a compute resource has the compute resource as parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourcePool {
    pub moid: String,
    pub name: String,
    pub parent: String,
    pub owner: String,
    #[serde(default)]
    pub child_pools: Vec<String>,
    /// CPU and memory allocation.
    #[serde(default)]
    pub config: PoolConfig,
    /// A vApp (`VirtualApp`) rather than a plain pool.
    #[serde(default)]
    pub vapp: bool,
}

/// Resource settings of a resource pool or vApp (`config.cpuAllocation`,
/// `config.memoryAllocation`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolConfig {
    pub cpu: Allocation,
    pub memory: Allocation,
}

impl Default for PoolConfig {
    /// What a new pool gets when the spec leaves a value out: no reservation, expandable,
    /// unlimited, normal shares.
    fn default() -> Self {
        let unlimited = |shares| Allocation {
            reservation: 0,
            limit: -1,
            expandable_reservation: true,
            shares_level: "normal".into(),
            shares,
        };
        PoolConfig {
            cpu: unlimited(4000),
            memory: unlimited(163_840),
        }
    }
}

/// A Network managed object: one per port-group name and datacenter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    pub moid: String,
    pub name: String,
    pub datacenter: String,
    /// Set for a distributed port group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dvs: Option<super::vcenter_model::DvPortgroupInfo>,
    /// The folder holding it; `None`: the datacenter's network folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
}

/// Host hardware (`hardware.*`, `summary.hardware.*`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostHardware {
    pub vendor: String,
    pub model: String,
    pub uuid: String,
    pub cpu_model: String,
    /// `intel` or `amd`, as HostCpuPackage.vendor spells it.
    pub cpu_vendor: String,
    pub cpu_mhz: u32,
    pub cpu_packages: u16,
    pub cpu_cores: u16,
    pub cpu_threads: u16,
    pub memory_bytes: i64,
    #[serde(default = "default_one_u16")]
    pub numa_nodes: u16,
    #[serde(default)]
    pub bios_version: String,
    /// CPUID leaves (level, eax, ebx, ecx, edx) served as `hardware.cpuFeature`.
    #[serde(default)]
    pub cpuid: Vec<CpuIdLeaf>,
}

/// One CPUID leaf; the level is the signed 32-bit value the API uses (0x80000000 is negative).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuIdLeaf {
    pub level: i32,
    pub eax: u32,
    pub ebx: u32,
    pub ecx: u32,
    pub edx: u32,
}

/// A host virtual switch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VSwitch {
    pub name: String,
    pub num_ports: i32,
    pub mtu: i32,
    /// Physical NIC device names bridged by this switch (`vmnic0`).
    pub pnics: Vec<String>,
}

/// A port group on a virtual switch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortGroup {
    pub name: String,
    pub vlan_id: i32,
    pub vswitch: String,
}

/// A physical NIC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PNic {
    pub device: String,
    pub mac: String,
    pub driver: String,
    pub pci: String,
    /// Link speed in Mb/s; `None` when the link is down.
    pub link_speed_mb: Option<i32>,
    pub full_duplex: bool,
}

/// A VMkernel NIC (management interface).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VmkNic {
    pub device: String,
    pub portgroup: String,
    pub mac: String,
    pub ip: String,
    pub netmask: String,
    pub mtu: i32,
}

/// A host bus adapter: a local block adapter or the iSCSI software adapter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hba {
    pub device: String,
    pub model: String,
    pub driver: String,
    pub pci: String,
    pub status: String,
    /// For iSCSI: the initiator name; `None` for a block adapter.
    pub iscsi_name: Option<String>,
    /// Static iSCSI targets.
    pub targets: Vec<IscsiTarget>,
}

/// A static iSCSI target of an adapter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IscsiTarget {
    pub address: String,
    pub port: i32,
    pub iscsi_name: String,
}

/// A SCSI disk LUN seen by the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lun {
    /// Canonical name (`naa.600...`), also the `key` suffix and device name.
    pub canonical_name: String,
    pub display_name: String,
    pub uuid: String,
    pub vendor: String,
    pub model: String,
    pub block_size: i32,
    pub blocks: i64,
    /// Adapter device (`vmhba33`).
    pub hba: String,
    /// Target iSCSI name for iSCSI LUNs, empty for local disks.
    pub target: String,
    pub lun: i32,
}

/// Autostart settings of a host (HostAutoStartManager).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoStart {
    pub enabled: bool,
    pub start_delay: i32,
    pub stop_delay: i32,
    pub wait_for_heartbeat: bool,
    pub stop_action: String,
    pub power_info: Vec<AutoStartPowerInfo>,
}

impl Default for AutoStart {
    fn default() -> Self {
        AutoStart {
            enabled: false,
            start_delay: 120,
            stop_delay: 120,
            wait_for_heartbeat: false,
            stop_action: "PowerOff".into(),
            power_info: Vec::new(),
        }
    }
}

/// Per-VM autostart entry (`config.powerInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoStartPowerInfo {
    pub vm: String,
    pub start_order: i32,
    pub start_delay: i32,
    pub wait_for_heartbeat: String,
    pub start_action: String,
    pub stop_delay: i32,
    pub stop_action: String,
}

/// A host system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Host {
    pub moid: String,
    /// Inventory name (an FQDN or IP address).
    pub name: String,
    /// The ComputeResource or ClusterComputeResource holding it.
    pub parent: String,
    pub datacenter: String,
    pub hardware: HostHardware,
    pub dns_host_name: String,
    #[serde(default)]
    pub dns_domain_name: String,
    #[serde(default)]
    pub management_ip: String,
    /// `summary.managementServerIp`: the IP address of the vCenter managing the host. Left
    /// out (`null`), a vCenter's hosts report `192.168.10.2` and a standalone ESX host none;
    /// `""` reports none on either.
    #[serde(default)]
    pub management_server_ip: Option<String>,
    #[serde(default)]
    pub in_maintenance_mode: bool,
    #[serde(default = "default_connected")]
    pub connection_state: String,
    #[serde(default = "default_boot")]
    pub boot_time: String,
    #[serde(default)]
    pub vswitches: Vec<VSwitch>,
    #[serde(default)]
    pub portgroups: Vec<PortGroup>,
    #[serde(default)]
    pub pnics: Vec<PNic>,
    #[serde(default)]
    pub vmknics: Vec<VmkNic>,
    #[serde(default)]
    pub hbas: Vec<Hba>,
    #[serde(default)]
    pub luns: Vec<Lun>,
    #[serde(default)]
    pub datastores: Vec<String>,
    #[serde(default)]
    pub autostart: AutoStart,
}

/// What a datastore is: VMFS, NFS, a host directory (`CreateLocalDatastore`), vSAN, vVol,
/// or one whose `info` the server gives as a plain `DatastoreInfo` (recordings of vCenter
/// 6.7 and 7.0 show vSAN datastores so).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DatastoreKind {
    #[serde(rename = "VMFS")]
    Vmfs,
    #[serde(rename = "NFS")]
    Nfs,
    /// A host directory (`CreateLocalDatastore`), `summary.type` `OTHER`.
    #[serde(rename = "local")]
    Local,
    /// `VsanDatastoreInfo`, `summary.type` `vsan`.
    #[serde(rename = "vsan")]
    Vsan,
    /// `VvolDatastoreInfo`, `summary.type` `VVOL`.
    #[serde(rename = "VVOL")]
    Vvol,
    /// A plain `DatastoreInfo`; `summary.type` `vsan`.
    #[serde(rename = "plain")]
    Plain,
}

impl DatastoreKind {
    /// `summary.type` as vSphere reports it.
    pub fn summary_type(self) -> &'static str {
        match self {
            DatastoreKind::Vmfs => "VMFS",
            DatastoreKind::Nfs => "NFS",
            DatastoreKind::Local => "OTHER",
            DatastoreKind::Vsan | DatastoreKind::Plain => "vsan",
            DatastoreKind::Vvol => "VVOL",
        }
    }
}

/// A datastore; its files live in a real directory `files_dir/<name>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Datastore {
    pub moid: String,
    pub name: String,
    pub kind: DatastoreKind,
    /// VMFS volume UUID (also used in the URL); for NFS a generated id used in the URL; for
    /// vSAN and vVol the volume name with its prefix (`vsan:52...`, `vvol:6a...`).
    pub uuid: String,
    pub capacity: i64,
    /// Space taken by things not in the directory (metadata, other tenants).
    #[serde(default)]
    pub base_used: i64,
    pub datacenter: String,
    #[serde(default)]
    pub hosts: Vec<String>,
    #[serde(default = "default_true")]
    pub accessible: bool,
    /// NFS server and export path (for a local datastore: `nfs_path` is the host directory
    /// it stands for).
    #[serde(default)]
    pub nfs_host: Option<String>,
    #[serde(default)]
    pub nfs_path: Option<String>,
    /// VMFS: the LUN the extent is on.
    #[serde(default)]
    pub vmfs_extent: Option<String>,
    /// The folder or storage pod holding it; `None`: the datacenter's datastore folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
}

impl Datastore {
    /// `ds:///vmfs/volumes/UUID/` as ESX reports `summary.url`.
    pub fn url(&self) -> String {
        format!("ds:///vmfs/volumes/{}/", self.uuid)
    }

    /// Mount path on the host (`/vmfs/volumes/UUID`).
    pub fn mount_path(&self) -> String {
        format!("/vmfs/volumes/{}", self.uuid)
    }
}

/// VM power state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum PowerState {
    #[default]
    #[serde(rename = "poweredOff")]
    PoweredOff,
    #[serde(rename = "poweredOn")]
    PoweredOn,
    #[serde(rename = "suspended")]
    Suspended,
}

impl PowerState {
    /// The VirtualMachinePowerState enum string.
    pub fn as_str(self) -> &'static str {
        match self {
            PowerState::PoweredOff => "poweredOff",
            PowerState::PoweredOn => "poweredOn",
            PowerState::Suspended => "suspended",
        }
    }
}

/// CPU or memory allocation (`config.cpuAllocation`, `config.memoryAllocation`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub reservation: i64,
    /// -1 is unlimited.
    pub limit: i64,
    pub expandable_reservation: bool,
    /// `low`, `normal`, `high` or `custom`.
    pub shares_level: String,
    pub shares: i32,
}

impl Allocation {
    /// The default allocation: no reservation, unlimited, normal shares (`per_unit` shares per
    /// vCPU or per MB as the level `normal` computes them).
    pub fn normal(shares: i32) -> Self {
        Allocation {
            reservation: 0,
            limit: -1,
            expandable_reservation: false,
            shares_level: "normal".into(),
            shares,
        }
    }
}

/// Which controller a disk or CD-ROM hangs off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Bus {
    Scsi,
    Ide,
    Sata,
    Nvme,
}

impl Bus {
    /// The VMX key prefix (`scsi`, `ide`, `sata`, `nvme`).
    pub fn prefix(self) -> &'static str {
        match self {
            Bus::Scsi => "scsi",
            Bus::Ide => "ide",
            Bus::Sata => "sata",
            Bus::Nvme => "nvme",
        }
    }
}

/// A controller address: bus kind, controller index, unit on the controller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    pub bus: Bus,
    pub controller: u32,
    pub unit: u32,
}

impl Slot {
    /// `scsi0:1`.
    pub fn vmx_prefix(&self) -> String {
        format!("{}{}:{}", self.bus.prefix(), self.controller, self.unit)
    }
}

/// A serial or parallel port backing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum PortBacking {
    /// Output to a file; a datastore path (`[ds] dir/serial.log`) or a host path.
    File { path: String },
    /// A host device (`/dev/ttyS0`).
    Device { path: String },
    /// A named pipe; `endpoint` is `client` or `server`.
    Pipe { path: String, endpoint: String },
    /// A network URI (`telnet://:12345`); `direction` is `client` or `server`.
    Network { uri: String, direction: String },
}

/// A virtual device of a VM, in VMX-expressible terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Device {
    /// A SCSI controller; `model` is the VMX virtualDev (`lsilogic`, `buslogic`, `lsisas1068`,
    /// `pvscsi`).
    ScsiController { index: u32, model: String },
    /// A SATA (AHCI) controller.
    SataController { index: u32 },
    /// A disk; `file` is a datastore path (`[ds] dir/disk.vmdk`).
    Disk {
        slot: Slot,
        file: String,
        capacity_kb: i64,
        thin: bool,
        mode: String,
    },
    /// A CD-ROM: an ISO image (`iso` set), or a host device (`device` set), or empty.
    Cdrom {
        slot: Slot,
        iso: Option<String>,
        device: Option<String>,
        connected: bool,
    },
    /// A floppy drive with an image or a host device.
    Floppy {
        index: u32,
        image: Option<String>,
        device: Option<String>,
    },
    /// An Ethernet adapter; `model` is the VMX virtualDev (`e1000`, `e1000e`, `vmxnet3`,
    /// `vlance`, ...); `address_type` is `generated`, `static` or `vpx`.
    Nic {
        index: u32,
        model: String,
        mac: String,
        address_type: String,
        network: String,
        connected: bool,
    },
    /// A serial port.
    Serial {
        index: u32,
        backing: PortBacking,
        yield_on_poll: bool,
    },
    /// A parallel port (file or device backing).
    Parallel { index: u32, backing: PortBacking },
    /// The SVGA adapter.
    Video { vram_kb: i64, displays: i32 },
}

impl Device {
    /// A disconnected CD-ROM with no medium on IDE 0:0.
    pub fn empty_cdrom() -> Device {
        Device::Cdrom {
            slot: Slot {
                bus: Bus::Ide,
                controller: 0,
                unit: 0,
            },
            iso: None,
            device: None,
            connected: false,
        }
    }
}

/// A raw device mapping: a disk descriptor that maps a LUN of the host instead of naming a
/// flat extent (`createType="vmfsPassthroughRawDeviceMap"` or `"vmfsRawDeviceMap"` on ESX).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RdmMapping {
    /// The LUN's canonical name (`naa.600...`), one of the host's `luns`.
    pub lun: String,
    /// `physicalMode` (SCSI commands pass through) or `virtualMode`.
    pub compatibility: String,
}

/// A VM's configuration: everything its .vmx holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VmConfig {
    pub name: String,
    pub uuid: String,
    #[serde(default)]
    pub instance_uuid: String,
    /// The VMX guestOS value (`ubuntu-64`); the API guestId is derived from it.
    #[serde(default = "default_guest_os")]
    pub guest_os: String,
    /// `vmx-14` etc.
    #[serde(default = "default_version")]
    pub version: String,
    pub memory_mb: i64,
    pub num_cpu: i32,
    #[serde(default = "default_one")]
    pub cores_per_socket: i32,
    #[serde(default)]
    pub annotation: String,
    #[serde(default = "default_firmware")]
    pub firmware: String,
    #[serde(default = "default_alloc")]
    pub cpu_alloc: Allocation,
    #[serde(default = "default_alloc")]
    pub mem_alloc: Allocation,
    #[serde(default)]
    pub devices: Vec<Device>,
    /// VMX keys this model does not interpret, kept in order so a rewrite loses nothing.
    #[serde(default)]
    pub extra: Vec<(String, String)>,
}

/// A pending question (`runtime.question`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub id: String,
    pub text: String,
    /// (key, label, summary) of each choice.
    pub choices: Vec<(String, String, String)>,
    pub default_index: i32,
    /// What the question is about: `power-on` resumes a power-on when answered.
    pub purpose: String,
    /// Message id for `message[]` (e.g. `msg.serial.file.open`).
    pub message_id: String,
}

/// A snapshot node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub moid: String,
    pub id: i32,
    pub name: String,
    pub description: String,
    pub create_time: String,
    pub state: PowerState,
    pub quiesced: bool,
    /// The VM configuration when the snapshot was taken (restored on revert).
    pub config: VmConfig,
    pub children: Vec<Snapshot>,
}

/// Guest information as VMware Tools would report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct GuestInfo {
    pub host_name: Option<String>,
    pub full_name: Option<String>,
    /// (MAC, network name, [(ip, prefix length)]).
    pub nics: Vec<GuestNic>,
    pub tools_running: bool,
}

/// A guest NIC with its addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestNic {
    pub mac: String,
    pub network: String,
    pub device_config_id: i32,
    pub ips: Vec<(String, i32)>,
}

/// A virtual machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vm {
    pub moid: String,
    pub host: String,
    #[serde(default)]
    pub folder: String,
    #[serde(default)]
    pub resource_pool: String,
    /// Datastore path of the .vmx (`[datastore1] web01/web01.vmx`).
    pub vmx_path: String,
    pub config: VmConfig,
    #[serde(default)]
    pub power_state: PowerState,
    #[serde(default)]
    pub boot_time: Option<String>,
    #[serde(default)]
    pub question: Option<Question>,
    #[serde(default)]
    pub snapshots: Vec<Snapshot>,
    #[serde(default)]
    pub current_snapshot: Option<String>,
    #[serde(default)]
    pub guest: GuestInfo,
    /// Guest info to report while running (what tools say once the VM is up).
    #[serde(default)]
    pub guest_when_running: GuestInfo,
    #[serde(default)]
    pub template: bool,
    /// Counter for snapshot ids and file names.
    #[serde(default = "default_one")]
    pub next_snapshot_id: i32,
    /// The task (id) of a power-on blocked by the pending question, if any.
    #[serde(default)]
    pub pending_task: Option<String>,
    /// Whether the guest has VMware Tools (a new, empty VM has none: no guest information
    /// is reported for it).
    #[serde(default = "default_true")]
    pub tools_installed: bool,
}

impl Vm {
    /// The VM's name (percent-escaped as the API has it).
    pub fn name(&self) -> &str {
        &self.config.name
    }
}

fn default_firmware() -> String {
    "bios".into()
}
fn default_one() -> i32 {
    1
}
fn default_one_u16() -> u16 {
    1
}
fn default_true() -> bool {
    true
}
fn default_alloc() -> Allocation {
    Allocation::normal(1000)
}
fn default_version() -> String {
    "vmx-14".into()
}
fn default_guest_os() -> String {
    "other".into()
}
fn default_connected() -> String {
    "connected".into()
}
fn default_boot() -> String {
    "2026-01-12T08:41:27.000Z".into()
}
