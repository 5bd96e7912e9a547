//! The command tree: global options and every virsh command esxvirt offers, with virsh's
//! names, option names and aliases. Options are declared in virsh's order because virsh
//! fills positional arguments into the value-taking options in that order (see
//! [`crate::args`]).

use clap::{Args, Parser, Subcommand};

pub use crate::options::{AffectArgs, DomainArg, FileArg, XpathArgs};

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

/// Every command.
#[derive(Subcommand, Debug, Clone)]
pub enum Cmd {
    // -- host ----------------------------------------------------------------------------
    // -- domains -------------------------------------------------------------------------
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
