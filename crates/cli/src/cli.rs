//! The command tree: global options and every virsh command esxvirt offers, with virsh's
//! names, option names and aliases. Options are declared in virsh's order because virsh
//! fills positional arguments into the value-taking options in that order (see
//! [`crate::args`]).

use clap::{Args, Parser, Subcommand};

pub use crate::options::{AffectArgs, DomainArg, XpathArgs};

/// esxvirt — manage VMware ESX/ESXi hosts and vCenter the way virsh does.
#[derive(Parser, Debug)]
#[command(
    name = "esxvirt",
    version,
    about = "virsh-compatible command line for VMware ESX, GSX and vCenter",
    disable_help_subcommand = true
)]
pub struct Cli {
    /// Hypervisor connection URI (default: $ESXVIRT_DEFAULT_URI, else sim:///default).
    #[arg(short = 'c', long = "connect", value_name = "URI", global = true)]
    pub connect: Option<String>,
    /// Connect read-only.
    #[arg(short = 'r', long, global = true)]
    pub readonly: bool,
    /// Quiet mode: no informational messages, no table headers.
    #[arg(short = 'q', long, global = true)]
    pub quiet: bool,
    /// Debug level (0-4) for messages on stderr.
    #[arg(short = 'd', long, value_name = "NUM", global = true)]
    pub debug: Option<u8>,
    /// JSON output for the list and info commands (for scripts).
    #[arg(long, global = true)]
    pub json: bool,
    /// Do not reuse or store a session (also ESXVIRT_NO_SESSION_CACHE=1).
    #[arg(long, global = true)]
    pub no_session_cache: bool,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Args, Debug, Clone, Default)]
#[command(after_long_help = LIST_ALL_HOSTS_HELP)]
pub struct ListArgs {
    /// list inactive domains
    #[arg(long)]
    pub inactive: bool,
    /// list inactive & active domains
    #[arg(long)]
    pub all: bool,
    /// list transient domains
    #[arg(long)]
    pub transient: bool,
    /// list persistent domains
    #[arg(long)]
    pub persistent: bool,
    /// list domains with existing snapshot
    #[arg(long)]
    pub with_snapshot: bool,
    /// list domains without a snapshot
    #[arg(long)]
    pub without_snapshot: bool,
    /// list domains with existing checkpoint
    #[arg(long)]
    pub with_checkpoint: bool,
    /// list domains without a checkpoint
    #[arg(long)]
    pub without_checkpoint: bool,
    /// list domains in running state
    #[arg(long)]
    pub state_running: bool,
    /// list domains in paused state
    #[arg(long)]
    pub state_paused: bool,
    /// list domains in shutoff state
    #[arg(long)]
    pub state_shutoff: bool,
    /// list domains in other states
    #[arg(long)]
    pub state_other: bool,
    /// list domains with autostart enabled
    #[arg(long)]
    pub autostart: bool,
    /// list domains with autostart disabled
    #[arg(long)]
    pub no_autostart: bool,
    /// list domains with managed save state
    #[arg(long)]
    pub with_managed_save: bool,
    /// list domains without managed save
    #[arg(long)]
    pub without_managed_save: bool,
    /// list uuid's only
    #[arg(long)]
    pub uuid: bool,
    /// list domain names only
    #[arg(long)]
    pub name: bool,
    /// list domain IDs only
    #[arg(long)]
    pub id: bool,
    /// list table (default)
    #[arg(long)]
    pub table: bool,
    /// mark inactive domains with managed save state
    #[arg(long)]
    pub managed_save: bool,
    /// show domain title
    #[arg(long)]
    pub title: bool,
    /// esxvirt: list the domains of every host, with a Host column (more in --help)
    #[arg(long)]
    pub all_hosts: bool,
}

/// The long help of `list --all-hosts` (an esxvirt extension virsh lacks).
const LIST_ALL_HOSTS_HELP: &str = "\
--all-hosts (esxvirt extension):
  On a vpx:// connection, lists the domains of every host of the vCenter (all hosts of all
  datacenters), not only the host the URI names; on esx:// and gsx:// the host's own
  domains (the same domains as without it). The URI rules stay libvirt's: a vpx:// URI
  still names one host. One paged retrieval answers, whatever the number of hosts and VMs.
  Every filter works as without it (--all, --inactive, --state-*, --autostart,
  --with-snapshot, ...); IDs are the numbers of the VMs' managed-object ids (vm-123 is
  123), unique across the vCenter.

  The table is virsh's with a Host column (the host's inventory name) after State; rows
  are sorted as virsh sorts them (running domains by ID, then the others by name, equal
  names by host):

    Id   Name    State      Host
   ---------------------------------------------
    22   app01   running    esx-01.example.com
    24   app03   running    esx-02.example.com
    -    app02   shut off   esx-01.example.com
    -    app02   shut off   esx-21.example.com

  --name, --uuid and --id print the same lines as without --all-hosts; --json adds a
  \"host\" field to every domain; --title cannot be combined with --all-hosts.";

#[derive(Args, Debug, Clone)]
pub struct DumpxmlArgs {
    #[command(flatten)]
    pub dom: DomainArg,
    /// show inactive defined XML
    #[arg(long)]
    pub inactive: bool,
    /// include security sensitive information in XML dump
    #[arg(long)]
    pub security_info: bool,
    /// update guest CPU according to host CPU
    #[arg(long)]
    pub update_cpu: bool,
    /// provide XML suitable for migrations
    #[arg(long)]
    pub migratable: bool,
    #[command(flatten)]
    pub filter: XpathArgs,
}

#[derive(Args, Debug, Clone)]
pub struct FileArg {
    /// file containing an XML description
    #[arg(long, required = true)]
    pub file: String,
    /// validate the XML against the schema
    #[arg(long)]
    pub validate: bool,
}

#[derive(Args, Debug, Clone)]
pub struct UndefineArgs {
    #[command(flatten)]
    pub dom: DomainArg,
    /// remove domain managed state file
    #[arg(long)]
    pub managed_save: bool,
    /// remove associated storage volumes (comma separated list of targets or source paths)
    #[arg(long)]
    pub storage: Option<String>,
    /// remove all associated storage volumes (use with caution)
    #[arg(long)]
    pub remove_all_storage: bool,
    /// delete snapshots associated with volume(s)
    #[arg(long, visible_alias = "delete-snapshots")]
    pub delete_storage_volume_snapshots: bool,
    /// wipe data on the removed volumes
    #[arg(long)]
    pub wipe_storage: bool,
    /// remove all domain snapshot metadata (vm must be inactive)
    #[arg(long)]
    pub snapshots_metadata: bool,
    /// remove all domain checkpoint metadata (vm must be inactive)
    #[arg(long)]
    pub checkpoints_metadata: bool,
    /// remove nvram file
    #[arg(long)]
    pub nvram: bool,
    /// keep nvram file
    #[arg(long)]
    pub keep_nvram: bool,
    /// remove TPM state
    #[arg(long)]
    pub tpm: bool,
    /// keep TPM state
    #[arg(long)]
    pub keep_tpm: bool,
}

#[derive(Args, Debug, Clone)]
pub struct StartArgs {
    #[command(flatten)]
    pub dom: DomainArg,
    /// attach to console after creation
    #[arg(long)]
    pub console: bool,
    /// leave the guest paused after creation
    #[arg(long)]
    pub paused: bool,
    /// automatically destroy the guest when virsh disconnects
    #[arg(long)]
    pub autodestroy: bool,
    /// avoid file system cache when loading
    #[arg(long)]
    pub bypass_cache: bool,
    /// force fresh boot by discarding any managed save
    #[arg(long)]
    pub force_boot: bool,
    /// pass file descriptors N,M,... to the guest
    #[arg(long)]
    pub pass_fds: Option<String>,
    /// re-initialize NVRAM from its pristine template
    #[arg(long)]
    pub reset_nvram: bool,
}

#[derive(Args, Debug, Clone)]
pub struct ShutdownArgs {
    #[command(flatten)]
    pub dom: DomainArg,
    /// shutdown mode: acpi|agent|initctl|signal|paravirt
    #[arg(long)]
    pub mode: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct DestroyArgs {
    #[command(flatten)]
    pub dom: DomainArg,
    /// terminate gracefully
    #[arg(long)]
    pub graceful: bool,
    /// remove domain logs
    #[arg(long)]
    pub remove_logs: bool,
}

#[derive(Args, Debug, Clone)]
pub struct SetmemArgs {
    #[command(flatten)]
    pub dom: DomainArg,
    /// new memory size, as scaled integer (default KiB)
    #[arg(long, visible_alias = "kilobytes", required = true)]
    pub size: String,
    #[command(flatten)]
    pub affect: AffectArgs,
}

#[derive(Args, Debug, Clone)]
pub struct MemtuneArgs {
    #[command(flatten)]
    pub dom: DomainArg,
    /// Max memory, as scaled integer (default KiB)
    #[arg(long)]
    pub hard_limit: Option<String>,
    /// Memory during contention, as scaled integer (default KiB)
    #[arg(long)]
    pub soft_limit: Option<String>,
    /// Max memory plus swap, as scaled integer (default KiB)
    #[arg(long)]
    pub swap_hard_limit: Option<String>,
    /// Min guaranteed memory, as scaled integer (default KiB)
    #[arg(long)]
    pub min_guarantee: Option<String>,
    #[command(flatten)]
    pub affect: AffectArgs,
}

#[derive(Args, Debug, Clone)]
pub struct SetvcpusArgs {
    #[command(flatten)]
    pub dom: DomainArg,
    /// number of virtual CPUs
    #[arg(long, required = true)]
    pub count: String,
    /// set maximum limit on next boot
    #[arg(long)]
    pub maximum: bool,
    #[command(flatten)]
    pub affect: AffectArgs,
    /// modify cpu state in the guest
    #[arg(long)]
    pub guest: bool,
    /// make added vcpus hot(un)pluggable
    #[arg(long)]
    pub hotpluggable: bool,
}

#[derive(Args, Debug, Clone)]
pub struct VcpucountArgs {
    #[command(flatten)]
    pub dom: DomainArg,
    /// get maximum count of vcpus
    #[arg(long)]
    pub maximum: bool,
    /// get number of currently active vcpus
    #[arg(long)]
    pub active: bool,
    /// get value from running domain
    #[arg(long)]
    pub live: bool,
    /// get value to be used on next boot
    #[arg(long)]
    pub config: bool,
    /// get value according to current domain state
    #[arg(long)]
    pub current: bool,
    /// retrieve vcpu count from the guest instead of the hypervisor
    #[arg(long)]
    pub guest: bool,
}

#[derive(Args, Debug, Clone)]
pub struct SchedinfoArgs {
    #[command(flatten)]
    pub dom: DomainArg,
    /// weight for XEN_CREDIT
    #[arg(long)]
    pub weight: Option<String>,
    /// cap for XEN_CREDIT
    #[arg(long)]
    pub cap: Option<String>,
    /// get/set current scheduler info
    #[arg(long)]
    pub current: bool,
    /// get/set value to be used on next boot
    #[arg(long)]
    pub config: bool,
    /// get/set value from running domain
    #[arg(long)]
    pub live: bool,
    /// parameter=value
    #[arg(long, num_args = 1)]
    pub set: Vec<String>,
}

#[derive(Args, Debug, Clone)]
pub struct AutostartArgs {
    #[command(flatten)]
    pub dom: DomainArg,
    /// disable autostarting
    #[arg(long)]
    pub disable: bool,
}

#[derive(Args, Debug, Clone)]
pub struct ScreenshotArgs {
    #[command(flatten)]
    pub dom: DomainArg,
    /// where to store the screenshot
    #[arg(long)]
    pub file: Option<String>,
    /// ID of a screen to take screenshot of
    #[arg(long)]
    pub screen: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct DomifaddrArgs {
    #[command(flatten)]
    pub dom: DomainArg,
    /// network interface name
    #[arg(long)]
    pub interface: Option<String>,
    /// always display names and MACs of interfaces
    #[arg(long)]
    pub full: bool,
    /// address source: 'lease', 'agent', or 'arp'
    #[arg(long)]
    pub source: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct DomhostnameArgs {
    #[command(flatten)]
    pub dom: DomainArg,
    /// address source: 'lease' or 'agent'
    #[arg(long)]
    pub source: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct FromNativeArgs {
    /// source config data format
    #[arg(long, required = true)]
    pub format: String,
    /// config data file to import from (`-` for stdin)
    #[arg(long, required = true)]
    pub config: String,
}

#[derive(Args, Debug, Clone)]
pub struct ToNativeArgs {
    /// target config data type format
    #[arg(long, required = true)]
    pub format: String,
    /// domain name, id or uuid
    #[arg(long)]
    pub domain: Option<String>,
    /// xml data file to export from (`-` for stdin)
    #[arg(long)]
    pub xml: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub dom: DomainArg,
    /// connection URI of the destination host
    #[arg(long, required = true)]
    pub desturi: String,
    /// live migration
    #[arg(long)]
    pub live: bool,
    /// offline migration
    #[arg(long)]
    pub offline: bool,
    /// peer-2-peer migration
    #[arg(long)]
    pub p2p: bool,
    /// direct migration
    #[arg(long)]
    pub direct: bool,
    /// tunnelled migration
    #[arg(long, visible_alias = "tunneled")]
    pub tunnelled: bool,
    /// persist VM on destination
    #[arg(long)]
    pub persistent: bool,
    /// undefine VM on source
    #[arg(long)]
    pub undefinesource: bool,
    /// do not restart the domain on the destination host
    #[arg(long)]
    pub suspend: bool,
    /// display the progress of migration
    #[arg(long)]
    pub verbose: bool,
    /// migration URI, usually can be omitted
    #[arg(long)]
    pub migrateuri: Option<String>,
    /// rename to new name during migration (if supported)
    #[arg(long)]
    pub dname: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct SnapshotCreateArgs {
    #[command(flatten)]
    pub dom: DomainArg,
    /// domain snapshot XML
    #[arg(long)]
    pub xmlfile: Option<String>,
    /// redefine metadata for existing snapshot
    #[arg(long)]
    pub redefine: bool,
    /// with redefine, set current snapshot
    #[arg(long)]
    pub current: bool,
    #[command(flatten)]
    pub flags: SnapshotCreateFlags,
}

#[derive(Args, Debug, Clone, Default)]
pub struct SnapshotCreateFlags {
    /// take snapshot but create no metadata
    #[arg(long)]
    pub no_metadata: bool,
    /// halt domain after snapshot is created
    #[arg(long)]
    pub halt: bool,
    /// capture disk state but not vm state
    #[arg(long)]
    pub disk_only: bool,
    /// reuse any existing external files
    #[arg(long)]
    pub reuse_external: bool,
    /// quiesce guest's file systems
    #[arg(long)]
    pub quiesce: bool,
    /// require atomic operation
    #[arg(long)]
    pub atomic: bool,
    /// take a live snapshot
    #[arg(long)]
    pub live: bool,
    /// validate the XML against the schema
    #[arg(long)]
    pub validate: bool,
}

#[derive(Args, Debug, Clone)]
pub struct SnapshotCreateAsArgs {
    #[command(flatten)]
    pub dom: DomainArg,
    /// name of snapshot
    #[arg(long)]
    pub name: Option<String>,
    /// description of snapshot
    #[arg(long)]
    pub description: Option<String>,
    /// print XML document rather than create
    #[arg(long)]
    pub print_xml: bool,
    #[command(flatten)]
    pub flags: SnapshotCreateFlags,
    /// memory attributes: [file=]name[,snapshot=type]
    #[arg(long)]
    pub memspec: Option<String>,
    /// disk attributes: disk[,snapshot=type][,driver=type][,stype=type][,file=name]
    #[arg(long, num_args = 1)]
    pub diskspec: Vec<String>,
}

#[derive(Args, Debug, Clone)]
pub struct SnapshotListArgs {
    #[command(flatten)]
    pub dom: DomainArg,
    /// add a column showing parent snapshot
    #[arg(long)]
    pub parent: bool,
    /// list only snapshots without parents
    #[arg(long)]
    pub roots: bool,
    /// list only snapshots without children
    #[arg(long)]
    pub leaves: bool,
    /// list only snapshots that are not leaves (with children)
    #[arg(long)]
    pub no_leaves: bool,
    /// list only snapshots that have metadata that would prevent undefine
    #[arg(long)]
    pub metadata: bool,
    /// list only snapshots that have no metadata managed by libvirt
    #[arg(long)]
    pub no_metadata: bool,
    /// filter by snapshots taken while inactive
    #[arg(long)]
    pub inactive: bool,
    /// filter by snapshots taken while active (full system snapshots)
    #[arg(long)]
    pub active: bool,
    /// filter by disk-only snapshots
    #[arg(long)]
    pub disk_only: bool,
    /// filter by internal snapshots
    #[arg(long)]
    pub internal: bool,
    /// filter by external snapshots
    #[arg(long)]
    pub external: bool,
    /// list snapshots in a tree
    #[arg(long)]
    pub tree: bool,
    /// limit list to children of given snapshot
    #[arg(long)]
    pub from: Option<String>,
    /// limit list to children of current snapshot
    #[arg(long)]
    pub current: bool,
    /// with --from, list all descendants
    #[arg(long)]
    pub descendants: bool,
    /// list snapshot names only
    #[arg(long)]
    pub name: bool,
    /// sort list topologically rather than by name
    #[arg(long)]
    pub topological: bool,
}

#[derive(Args, Debug, Clone)]
pub struct SnapshotPickArgs {
    #[command(flatten)]
    pub dom: DomainArg,
    /// snapshot name
    #[arg(long)]
    pub snapshotname: Option<String>,
    /// use the current snapshot
    #[arg(long)]
    pub current: bool,
}

#[derive(Args, Debug, Clone)]
pub struct SnapshotDumpxmlArgs {
    #[command(flatten)]
    pub dom: DomainArg,
    /// snapshot name
    #[arg(long, required = true)]
    pub snapshotname: String,
    /// include security sensitive information in XML dump
    #[arg(long)]
    pub security_info: bool,
    #[command(flatten)]
    pub filter: XpathArgs,
}

#[derive(Args, Debug, Clone)]
pub struct SnapshotCurrentArgs {
    #[command(flatten)]
    pub dom: DomainArg,
    /// list the name, rather than the full xml
    #[arg(long)]
    pub name: bool,
    /// include security sensitive information in XML dump
    #[arg(long)]
    pub security_info: bool,
    /// name of existing snapshot to make current
    #[arg(long)]
    pub snapshotname: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct SnapshotRevertArgs {
    #[command(flatten)]
    pub dom: DomainArg,
    /// snapshot name
    #[arg(long)]
    pub snapshotname: Option<String>,
    /// revert to current snapshot
    #[arg(long)]
    pub current: bool,
    /// after reverting, change state to running
    #[arg(long)]
    pub running: bool,
    /// after reverting, change state to paused
    #[arg(long)]
    pub paused: bool,
    /// try harder on risky reverts
    #[arg(long)]
    pub force: bool,
    /// re-initialize NVRAM from its pristine template
    #[arg(long)]
    pub reset_nvram: bool,
}

#[derive(Args, Debug, Clone)]
pub struct SnapshotDeleteArgs {
    #[command(flatten)]
    pub dom: DomainArg,
    /// snapshot name
    #[arg(long)]
    pub snapshotname: Option<String>,
    /// delete current snapshot
    #[arg(long)]
    pub current: bool,
    /// delete snapshot and all children
    #[arg(long)]
    pub children: bool,
    /// delete children but not snapshot
    #[arg(long)]
    pub children_only: bool,
    /// delete only libvirt metadata, leaving snapshot contents behind
    #[arg(long)]
    pub metadata: bool,
}

#[derive(Args, Debug, Clone)]
pub struct NetListArgs {
    /// list inactive networks
    #[arg(long)]
    pub inactive: bool,
    /// list inactive & active networks
    #[arg(long)]
    pub all: bool,
    /// list persistent networks
    #[arg(long)]
    pub persistent: bool,
    /// list transient networks
    #[arg(long)]
    pub transient: bool,
    /// list networks with autostart enabled
    #[arg(long)]
    pub autostart: bool,
    /// list networks with autostart disabled
    #[arg(long)]
    pub no_autostart: bool,
    /// list uuid's only
    #[arg(long)]
    pub uuid: bool,
    /// list network names only
    #[arg(long)]
    pub name: bool,
    /// list table (default)
    #[arg(long)]
    pub table: bool,
}

#[derive(Args, Debug, Clone)]
pub struct NetworkArg {
    /// network name or uuid
    #[arg(long, required = true)]
    pub network: String,
}

#[derive(Args, Debug, Clone)]
pub struct NetDumpxmlArgs {
    #[command(flatten)]
    pub net: NetworkArg,
    /// show inactive defined XML
    #[arg(long)]
    pub inactive: bool,
    #[command(flatten)]
    pub filter: XpathArgs,
}

#[derive(Args, Debug, Clone)]
pub struct NetAutostartArgs {
    #[command(flatten)]
    pub net: NetworkArg,
    /// disable autostarting
    #[arg(long)]
    pub disable: bool,
}

#[derive(Args, Debug, Clone)]
pub struct IfaceListArgs {
    /// list inactive interfaces
    #[arg(long)]
    pub inactive: bool,
    /// list inactive & active interfaces
    #[arg(long)]
    pub all: bool,
}

#[derive(Args, Debug, Clone)]
pub struct InterfaceArg {
    /// interface name or MAC address
    #[arg(long, required = true)]
    pub interface: String,
}

#[derive(Args, Debug, Clone)]
pub struct IfaceDumpxmlArgs {
    #[command(flatten)]
    pub iface: InterfaceArg,
    /// show inactive defined XML
    #[arg(long)]
    pub inactive: bool,
    #[command(flatten)]
    pub filter: XpathArgs,
}

#[derive(Args, Debug, Clone)]
pub struct PoolListArgs {
    /// list inactive pools
    #[arg(long)]
    pub inactive: bool,
    /// list inactive & active pools
    #[arg(long)]
    pub all: bool,
    /// list transient pools
    #[arg(long)]
    pub transient: bool,
    /// list persistent pools
    #[arg(long)]
    pub persistent: bool,
    /// list pools with autostart enabled
    #[arg(long)]
    pub autostart: bool,
    /// list pools with autostart disabled
    #[arg(long)]
    pub no_autostart: bool,
    /// only list pool of specified type(s) (if supported)
    #[arg(long = "type")]
    pub kind: Option<String>,
    /// display extended details for pools
    #[arg(long)]
    pub details: bool,
    /// list UUID of active pools only
    #[arg(long)]
    pub uuid: bool,
    /// list name of active pools only
    #[arg(long)]
    pub name: bool,
}

#[derive(Args, Debug, Clone)]
pub struct PoolArg {
    /// pool name or uuid
    #[arg(long, required = true)]
    pub pool: String,
}

#[derive(Args, Debug, Clone)]
pub struct PoolInfoArgs {
    #[command(flatten)]
    pub pool: PoolArg,
    /// Return pool info in bytes
    #[arg(long)]
    pub bytes: bool,
}

#[derive(Args, Debug, Clone)]
pub struct PoolDumpxmlArgs {
    #[command(flatten)]
    pub pool: PoolArg,
    /// show inactive defined XML
    #[arg(long)]
    pub inactive: bool,
    #[command(flatten)]
    pub filter: XpathArgs,
}

#[derive(Args, Debug, Clone)]
pub struct VolListArgs {
    #[command(flatten)]
    pub pool: PoolArg,
    /// display extended details for volumes
    #[arg(long)]
    pub details: bool,
}

/// A volume given by name (with `--pool`), key or path.
#[derive(Args, Debug, Clone)]
pub struct VolArg {
    /// vol name, key or path
    #[arg(long, required = true)]
    pub vol: String,
    /// pool name or uuid
    #[arg(long)]
    pub pool: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct VolInfoArgs {
    #[command(flatten)]
    pub vol: VolArg,
    /// sizes are represented in bytes rather than pretty units
    #[arg(long)]
    pub bytes: bool,
    /// return the physical size of the volume in allocation field
    #[arg(long)]
    pub physical: bool,
}

#[derive(Args, Debug, Clone)]
pub struct VolDumpxmlArgs {
    #[command(flatten)]
    pub vol: VolArg,
    #[command(flatten)]
    pub filter: XpathArgs,
}

#[derive(Args, Debug, Clone)]
pub struct VolCreateArgs {
    /// pool name
    #[arg(long, required = true)]
    pub pool: String,
    /// file containing an XML vol description
    #[arg(long, required = true)]
    pub file: String,
    /// preallocate metadata (for qcow2 instead of full allocation)
    #[arg(long)]
    pub prealloc_metadata: bool,
    /// validate the XML against the schema
    #[arg(long)]
    pub validate: bool,
}

#[derive(Args, Debug, Clone)]
pub struct VolCreateAsArgs {
    /// pool name
    #[arg(long, required = true)]
    pub pool: String,
    /// name of the volume
    #[arg(long, required = true)]
    pub name: String,
    /// size of the vol, as scaled integer (default bytes)
    #[arg(long, required = true)]
    pub capacity: String,
    /// initial allocation size, as scaled integer (default bytes)
    #[arg(long)]
    pub allocation: Option<String>,
    /// file format type raw,bochs,qcow,qcow2,qed,vmdk
    #[arg(long)]
    pub format: Option<String>,
    /// the backing volume if taking a snapshot
    #[arg(long)]
    pub backing_vol: Option<String>,
    /// format of backing volume if taking a snapshot
    #[arg(long)]
    pub backing_vol_format: Option<String>,
    /// preallocate metadata (for qcow2 instead of full allocation)
    #[arg(long)]
    pub prealloc_metadata: bool,
    /// print XML document, but don't define/create
    #[arg(long)]
    pub print_xml: bool,
}

#[derive(Args, Debug, Clone)]
pub struct VolCreateFromArgs {
    /// pool name or uuid
    #[arg(long, required = true)]
    pub pool: String,
    /// file containing an XML vol description
    #[arg(long, required = true)]
    pub file: String,
    /// vol name, key or path
    #[arg(long, required = true)]
    pub vol: String,
    /// pool name or uuid of the input volume's pool
    #[arg(long)]
    pub inputpool: Option<String>,
    /// preallocate metadata (for qcow2 instead of full allocation)
    #[arg(long)]
    pub prealloc_metadata: bool,
    /// use btrfs COW lightweight copy
    #[arg(long)]
    pub reflink: bool,
    /// validate the XML against the schema
    #[arg(long)]
    pub validate: bool,
}

#[derive(Args, Debug, Clone)]
pub struct VolDeleteArgs {
    #[command(flatten)]
    pub vol: VolArg,
    /// delete snapshots associated with volume (must be supported by storage driver)
    #[arg(long)]
    pub delete_snapshots: bool,
}

#[derive(Args, Debug, Clone)]
pub struct VolWipeArgs {
    #[command(flatten)]
    pub vol: VolArg,
    /// perform selected wiping algorithm
    #[arg(long)]
    pub algorithm: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct VolUploadArgs {
    /// vol name, key or path
    #[arg(long, required = true)]
    pub vol: String,
    /// file
    #[arg(long, required = true)]
    pub file: String,
    /// pool name or uuid
    #[arg(long)]
    pub pool: Option<String>,
    /// volume offset to upload to
    #[arg(long, allow_hyphen_values = true)]
    pub offset: Option<String>,
    /// amount of data to upload
    #[arg(long, allow_hyphen_values = true)]
    pub length: Option<String>,
    /// preserve sparseness of volume
    #[arg(long)]
    pub sparse: bool,
}

#[derive(Args, Debug, Clone)]
pub struct VolDownloadArgs {
    /// vol name, key or path
    #[arg(long, required = true)]
    pub vol: String,
    /// file
    #[arg(long, required = true)]
    pub file: String,
    /// pool name or uuid
    #[arg(long)]
    pub pool: Option<String>,
    /// volume offset to download from
    #[arg(long, allow_hyphen_values = true)]
    pub offset: Option<String>,
    /// amount of data to download
    #[arg(long, allow_hyphen_values = true)]
    pub length: Option<String>,
    /// preserve sparseness of volume
    #[arg(long)]
    pub sparse: bool,
}

#[derive(Args, Debug, Clone)]
pub struct VolKeyOnlyArg {
    /// volume key or path
    #[arg(long, required = true)]
    pub vol: String,
}

#[derive(Args, Debug, Clone)]
pub struct VolPoolArgs {
    /// volume key or path
    #[arg(long, required = true)]
    pub vol: String,
    /// return the pool uuid rather than pool name
    #[arg(long)]
    pub uuid: bool,
}

#[derive(Args, Debug, Clone)]
pub struct EventArgs {
    /// filter by domain name, id or uuid
    #[arg(long)]
    pub domain: Option<String>,
    /// which event type to wait for
    #[arg(long)]
    pub event: Option<String>,
    /// wait for all events instead of just one type
    #[arg(long)]
    pub all: bool,
    /// loop until timeout or interrupt, rather than one-shot
    #[arg(long = "loop")]
    pub looping: bool,
    /// timeout seconds
    #[arg(long)]
    pub timeout: Option<String>,
    /// list valid event types
    #[arg(long)]
    pub list: bool,
    /// show timestamp for each printed event
    #[arg(long)]
    pub timestamp: bool,
}

/// `domstats`: virsh's options in virsh's order; the domains are virsh's argv option.
#[derive(Args, Debug, Clone, Default)]
pub struct DomstatsArgs {
    /// report domain state
    #[arg(long)]
    pub state: bool,
    /// report domain physical cpu usage
    #[arg(long)]
    pub cpu_total: bool,
    /// report domain balloon statistics
    #[arg(long)]
    pub balloon: bool,
    /// report domain virtual cpu information
    #[arg(long)]
    pub vcpu: bool,
    /// report domain network interface information
    #[arg(long)]
    pub interface: bool,
    /// report domain block device statistics
    #[arg(long)]
    pub block: bool,
    /// report domain perf event statistics
    #[arg(long)]
    pub perf: bool,
    /// report domain IOThread information
    #[arg(long)]
    pub iothread: bool,
    /// report domain memory usage
    #[arg(long)]
    pub memory: bool,
    /// report domain dirty rate information
    #[arg(long)]
    pub dirtyrate: bool,
    /// report hypervisor-specific statistics
    #[arg(long)]
    pub vm: bool,
    /// list only active domains
    #[arg(long)]
    pub list_active: bool,
    /// list only inactive domains
    #[arg(long)]
    pub list_inactive: bool,
    /// list only persistent domains
    #[arg(long)]
    pub list_persistent: bool,
    /// list only transient domains
    #[arg(long)]
    pub list_transient: bool,
    /// list only running domains
    #[arg(long)]
    pub list_running: bool,
    /// list only paused domains
    #[arg(long)]
    pub list_paused: bool,
    /// list only shutoff domains
    #[arg(long)]
    pub list_shutoff: bool,
    /// list only domains in other states
    #[arg(long)]
    pub list_other: bool,
    /// do not pretty-print the fields
    #[arg(long)]
    pub raw: bool,
    /// enforce requested stats parameters
    #[arg(long)]
    pub enforce: bool,
    /// add backing chain information to block stats
    #[arg(long)]
    pub backing: bool,
    /// report only stats that are accessible instantly
    #[arg(long)]
    pub nowait: bool,
    /// list of domains to get stats for
    #[arg(long)]
    pub domain: Vec<String>,
}

/// Every command.
#[derive(Subcommand, Debug, Clone)]
pub enum Cmd {
    // -- host ----------------------------------------------------------------------------
    // -- domains -------------------------------------------------------------------------
    /// list domains
    List(ListArgs),
    /// domain information
    Dominfo(DomainArg),
    /// domain state
    Domstate {
        #[command(flatten)]
        dom: DomainArg,
        /// also print reason for the state
        #[arg(long)]
        reason: bool,
    },
    /// convert a domain name or UUID to domain id
    Domid(DomainArg),
    /// convert a domain id or UUID to domain name
    Domname(DomainArg),
    /// convert a domain name or id to domain UUID
    Domuuid(DomainArg),
    /// domain information in XML
    Dumpxml(DumpxmlArgs),
    /// define (but don't start) a domain from an XML file
    Define(FileArg),
    /// undefine a domain
    Undefine(UndefineArgs),
    /// start a (previously defined) inactive domain
    Start(StartArgs),
    /// gracefully shutdown a domain
    Shutdown(ShutdownArgs),
    /// reboot a domain
    Reboot(ShutdownArgs),
    /// destroy (stop) a domain
    Destroy(DestroyArgs),
    /// suspend a domain
    Suspend(DomainArg),
    /// resume a domain
    Resume(DomainArg),
    /// change memory allocation
    Setmem(SetmemArgs),
    /// change maximum memory limit
    Setmaxmem(SetmemArgs),
    /// Get or set memory parameters
    Memtune(MemtuneArgs),
    /// change number of virtual CPUs
    Setvcpus(SetvcpusArgs),
    /// domain vcpu counts
    Vcpucount(VcpucountArgs),
    /// show/set scheduler parameters
    Schedinfo(SchedinfoArgs),
    /// autostart a domain
    Autostart(AutostartArgs),
    /// take a screenshot of a current domain console and store it into a file
    Screenshot(ScreenshotArgs),
    /// Get network interfaces' addresses for a running domain
    Domifaddr(DomifaddrArgs),
    /// print the domain's hostname
    Domhostname(DomhostnameArgs),
    /// Convert native config to domain XML
    DomxmlFromNative(FromNativeArgs),
    /// Convert domain XML to native config
    DomxmlToNative(ToNativeArgs),
    /// migrate domain to another host
    Migrate(MigrateArgs),
    /// Domain Events
    Event(EventArgs),
    /// get domain statistics
    Domstats(DomstatsArgs),
    // -- snapshots -----------------------------------------------------------------------
    /// Create a snapshot from XML
    SnapshotCreate(SnapshotCreateArgs),
    /// Create a snapshot from a set of args
    SnapshotCreateAs(SnapshotCreateAsArgs),
    /// List snapshots for a domain
    SnapshotList(SnapshotListArgs),
    /// snapshot information
    SnapshotInfo(SnapshotPickArgs),
    /// Dump XML for a domain snapshot
    SnapshotDumpxml(SnapshotDumpxmlArgs),
    /// Get or set the current snapshot
    SnapshotCurrent(SnapshotCurrentArgs),
    /// Get the name of the parent of a snapshot
    SnapshotParent(SnapshotPickArgs),
    /// Revert a domain to a snapshot
    SnapshotRevert(SnapshotRevertArgs),
    /// Delete a domain snapshot
    SnapshotDelete(SnapshotDeleteArgs),
    // -- networks ------------------------------------------------------------------------
    /// list networks
    NetList(NetListArgs),
    /// network information
    NetInfo(NetworkArg),
    /// network information in XML
    NetDumpxml(NetDumpxmlArgs),
    /// define an inactive persistent virtual network or modify an existing persistent one from an XML file
    NetDefine(FileArg),
    /// undefine a persistent network
    NetUndefine(NetworkArg),
    /// convert a network name to network UUID
    NetUuid(NetworkArg),
    /// convert a network UUID to network name
    NetName(NetworkArg),
    /// autostart a network
    NetAutostart(NetAutostartArgs),
    // -- host interfaces -----------------------------------------------------------------
    /// list physical host interfaces
    IfaceList(IfaceListArgs),
    /// interface information in XML
    IfaceDumpxml(IfaceDumpxmlArgs),
    /// convert an interface name to interface MAC address
    IfaceMac(InterfaceArg),
    /// convert an interface MAC address to interface name
    IfaceName(InterfaceArg),
    // -- storage -------------------------------------------------------------------------
    /// list pools
    PoolList(PoolListArgs),
    /// storage pool information
    PoolInfo(PoolInfoArgs),
    /// pool information in XML
    PoolDumpxml(PoolDumpxmlArgs),
    /// refresh a pool
    PoolRefresh(PoolArg),
    /// convert a pool name to pool UUID
    PoolUuid(PoolArg),
    /// convert a pool UUID to pool name
    PoolName(PoolArg),
    /// list vols
    VolList(VolListArgs),
    /// storage vol information
    VolInfo(VolInfoArgs),
    /// vol information in XML
    VolDumpxml(VolDumpxmlArgs),
    /// create a vol from an XML file
    VolCreate(VolCreateArgs),
    /// create a volume from a set of args
    VolCreateAs(VolCreateAsArgs),
    /// create a vol, using another volume as input
    VolCreateFrom(VolCreateFromArgs),
    /// delete a vol
    VolDelete(VolDeleteArgs),
    /// wipe a vol
    VolWipe(VolWipeArgs),
    /// upload file contents to a volume
    VolUpload(VolUploadArgs),
    /// download volume contents to a file
    VolDownload(VolDownloadArgs),
    /// returns the volume path for a given volume name or key
    VolPath(VolArg),
    /// returns the volume key for a given volume name or path
    VolKey(VolArg),
    /// returns the volume name for a given volume key or path
    VolName(VolKeyOnlyArg),
    /// returns the storage pool for a given volume key or path
    VolPool(VolPoolArgs),
    // -- esxvirt itself ------------------------------------------------------------------
}

/// Options that virsh accepts only by name (`VSH_OFLAG_REQ_OPT`): a bare word never fills
/// them. `(command, option)`, `*` for every command.
pub const NAMED_ONLY: &[(&str, &str)] = &[
    ("*", "xpath"),
    ("schedinfo", "weight"),
    ("schedinfo", "cap"),
    ("snapshot-create-as", "memspec"),
    ("domxml-to-native", "domain"),
];

/// Whether `option` of `command` can only be given by name.
pub fn named_only(command: &str, option: &str) -> bool {
    NAMED_ONLY
        .iter()
        .any(|(c, o)| (*c == "*" || *c == command) && *o == option)
}
