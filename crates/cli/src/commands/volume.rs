//! virsh's Storage Volume group (`help volume`): files on datastores and iSCSI LUNs as
//! libvirt volumes — `vol-list`, `vol-info`, `vol-dumpxml`, `vol-create`,
//! `vol-create-as`, `vol-create-from`, `vol-delete`, `vol-wipe`, `vol-path`, `vol-key`,
//! `vol-name`, `vol-pool`, and `vol-upload` / `vol-download` ([`super::transfer`]), with
//! their output formats.

use clap::Args;
use esxvirt_driver::{flags, StorageVol};
use esxvirt_xml::storage::VolumeRequest;
use serde::Serialize;

use super::pool::PoolArg;
use super::transfer::{VolDownload, VolUpload};
use crate::options::{parse_scaled, read_input, XpathArgs};
use crate::output::{json_out, CmdError, CmdResult, Out};
use crate::present::{label, pretty, print_xml, strcasecmp};
use crate::registry::{ConnCommand, Entry, Group, Spec};
use crate::session::Ctx;
use crate::table::format_table;

/// The group.
pub static GROUP: Group = Group {
    name: "Storage Volume",
    keyword: "volume",
    commands: &[
        Entry::connection::<VolCreateAs>(),
        Entry::connection::<VolCreate>(),
        Entry::connection::<VolCreateFrom>(),
        Entry::connection::<VolDelete>(),
        Entry::connection::<VolDownload>(),
        Entry::connection::<VolDumpxml>(),
        Entry::connection::<VolInfo>(),
        Entry::connection::<VolKey>(),
        Entry::connection::<VolList>(),
        Entry::connection::<VolName>(),
        Entry::connection::<VolPath>(),
        Entry::connection::<VolPool>(),
        Entry::connection::<VolUpload>(),
        Entry::connection::<VolWipe>(),
    ],
};

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
/// `vol-list POOL [--details]`.
#[derive(Args, Debug)]
pub struct VolList {
    #[command(flatten)]
    pub pool: PoolArg,
    /// display extended details for volumes
    #[arg(long)]
    pub details: bool,
}
impl ConnCommand for VolList {
    const SPEC: Spec = Spec::new("vol-list", "list vols").json();
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        let p = ctx.pool(&a.pool.pool)?;
        let vols = p
            .list_all_volumes(0)
            .map_err(|e| CmdError::with("Failed to list storage volumes", e))?;
        let mut rows: Vec<VolRow> = vols.iter().map(vol_row).collect();
        rows.sort_by(|a, b| strcasecmp(&a.name, &b.name));
        if ctx.json {
            json_out(out, &rows)?;
        } else {
            out.print(&vol_list(&rows, a.details, ctx.quiet));
        }
        Ok(())
    }
}

/// `vol-info VOL [POOL] [--bytes] [--physical]`.
#[derive(Args, Debug)]
pub struct VolInfo {
    #[command(flatten)]
    pub vol: VolArg,
    /// sizes are represented in bytes rather than pretty units
    #[arg(long)]
    pub bytes: bool,
    /// return the physical size of the volume in allocation field
    #[arg(long)]
    pub physical: bool,
}
impl ConnCommand for VolInfo {
    const SPEC: Spec = Spec::new("vol-info", "storage vol information").json();
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        let v = ctx.vol(&a.vol.vol, a.vol.pool.as_deref())?;
        let info = match v.get_info() {
            Ok(info) => info,
            Err(e) => {
                // virsh has printed the name by then.
                if !ctx.json {
                    out.print(&vol_info_name(v.get_name()));
                }
                return Err(e.into());
            }
        };
        let row = VolRow {
            name: v.get_name().to_string(),
            path: v.get_path().unwrap_or_default(),
            kind: vol_kind(info.kind),
            capacity: info.capacity,
            allocation: info.allocation,
        };
        if ctx.json {
            json_out(out, &row)?;
        } else {
            out.print(&vol_info(&row, a.bytes, a.physical));
        }
        Ok(())
    }
}

/// `vol-dumpxml VOL [POOL] [--xpath E [--wrap]]`.
#[derive(Args, Debug)]
pub struct VolDumpxml {
    #[command(flatten)]
    pub vol: VolArg,
    #[command(flatten)]
    pub filter: XpathArgs,
}
impl ConnCommand for VolDumpxml {
    const SPEC: Spec = Spec::new("vol-dumpxml", "vol information in XML").named_only(&["xpath"]);
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        let v = ctx.vol(&a.vol.vol, a.vol.pool.as_deref())?;
        print_xml(out, &v.get_xml_desc(0)?, &a.filter)?;
        Ok(())
    }
}

/// `vol-create POOL FILE [--prealloc-metadata]`.
#[derive(Args, Debug)]
pub struct VolCreate {
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
impl ConnCommand for VolCreate {
    const SPEC: Spec = Spec::new("vol-create", "create a vol from an XML file");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        let p = ctx.pool(&a.pool)?;
        let xml = read_input(&a.file)?;
        let f = if a.prealloc_metadata {
            flags::vol_create::PREALLOC_METADATA
        } else {
            0
        };
        let v = p
            .storage_vol_create_xml(&xml, f)
            .map_err(|e| CmdError::with(format!("Failed to create vol from {}", a.file), e))?;
        out.extra(&format!("Vol {} created from {}\n", v.get_name(), a.file));
        Ok(())
    }
}

/// `vol-create-as POOL NAME CAPACITY [--allocation A] [--format F] [--print-xml]`.
#[derive(Args, Debug)]
pub struct VolCreateAs {
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
impl ConnCommand for VolCreateAs {
    const SPEC: Spec = Spec::new("vol-create-as", "create a volume from a set of args");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        let p = ctx.pool(&a.pool)?;
        let size = |text: &str| {
            parse_scaled(text, 1).ok_or_else(|| CmdError::msg(format!("Malformed size {text}")))
        };
        let capacity = size(&a.capacity)?;
        let allocation = match &a.allocation {
            Some(al) => Some(size(al)?),
            None => None,
        };
        if a.backing_vol.is_some() {
            return Err(CmdError::msg(
                "this function is not supported by the connection driver: backing volumes",
            ));
        }
        let xml = VolumeRequest {
            name: a.name.clone(),
            capacity,
            allocation,
            format: a.format.clone(),
        }
        .to_xml();
        if a.print_xml {
            out.print(&xml);
            return Ok(());
        }
        let f = if a.prealloc_metadata {
            flags::vol_create::PREALLOC_METADATA
        } else {
            0
        };
        let v = p
            .storage_vol_create_xml(&xml, f)
            .map_err(|e| CmdError::with(format!("Failed to create vol {}", a.name), e))?;
        out.extra(&format!("Vol {} created\n", v.get_name()));
        Ok(())
    }
}

/// `vol-create-from POOL FILE VOL [--inputpool P]`: a copy of another volume.
#[derive(Args, Debug)]
pub struct VolCreateFrom {
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
impl ConnCommand for VolCreateFrom {
    const SPEC: Spec = Spec::new(
        "vol-create-from",
        "create a vol, using another volume as input",
    );
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        let p = ctx.pool(&a.pool)?;
        let input = ctx.vol_in(&a.vol, a.inputpool.as_deref(), Some("inputpool"))?;
        let xml = read_input(&a.file)?;
        let mut f = 0;
        if a.prealloc_metadata {
            f |= flags::vol_create::PREALLOC_METADATA;
        }
        if a.reflink {
            f |= flags::vol_create::REFLINK;
        }
        let v = p
            .storage_vol_create_xml_from(&xml, &input, f)
            .map_err(|e| CmdError::with(format!("Failed to create vol from {}", a.file), e))?;
        out.extra(&format!(
            "Vol {} created from input vol {}\n",
            v.get_name(),
            input.get_name()
        ));
        Ok(())
    }
}

/// `vol-delete VOL [POOL]`.
#[derive(Args, Debug)]
pub struct VolDelete {
    #[command(flatten)]
    pub vol: VolArg,
    /// delete snapshots associated with volume (must be supported by storage driver)
    #[arg(long)]
    pub delete_snapshots: bool,
}
impl ConnCommand for VolDelete {
    const SPEC: Spec = Spec::new("vol-delete", "delete a vol");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        let v = ctx.vol(&a.vol.vol, a.vol.pool.as_deref())?;
        let f = if a.delete_snapshots {
            flags::vol_delete::WITH_SNAPSHOTS
        } else {
            0
        };
        let name = v.get_name().to_string();
        v.delete(f)
            .map_err(|e| CmdError::with(format!("Failed to delete vol {name}"), e))?;
        out.extra(&format!("Vol {name} deleted\n"));
        Ok(())
    }
}

/// `vol-wipe VOL [POOL] [--algorithm zero]`.
#[derive(Args, Debug)]
pub struct VolWipe {
    #[command(flatten)]
    pub vol: VolArg,
    /// perform selected wiping algorithm
    #[arg(long)]
    pub algorithm: Option<String>,
}
impl ConnCommand for VolWipe {
    const SPEC: Spec = Spec::new("vol-wipe", "wipe a vol");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        let v = ctx.vol(&a.vol.vol, a.vol.pool.as_deref())?;
        let name = v.get_name().to_string();
        if let Some(alg) = &a.algorithm {
            if alg != "zero" {
                return Err(CmdError::msg(format!("Unsupported algorithm '{alg}'")));
            }
        }
        v.wipe(0)
            .map_err(|e| CmdError::with(format!("Failed to wipe vol {name}"), e))?;
        out.extra(&format!("Vol {name} wiped\n"));
        Ok(())
    }
}

/// `vol-path VOL [POOL]`.
#[derive(Args, Debug)]
pub struct VolPath {
    #[command(flatten)]
    pub vol: VolArg,
}

impl ConnCommand for VolPath {
    const SPEC: Spec = Spec::new(
        "vol-path",
        "returns the volume path for a given volume name or key",
    );
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        let v = ctx.vol(&a.vol.vol, a.vol.pool.as_deref())?;
        out.print(&format!("{}\n", v.get_path()?));
        Ok(())
    }
}

/// `vol-key VOL [POOL]`.
#[derive(Args, Debug)]
pub struct VolKey {
    #[command(flatten)]
    pub vol: VolArg,
}

impl ConnCommand for VolKey {
    const SPEC: Spec = Spec::new(
        "vol-key",
        "returns the volume key for a given volume name or path",
    );
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        let v = ctx.vol(&a.vol.vol, a.vol.pool.as_deref())?;
        out.print(&format!("{}\n", v.get_key()));
        Ok(())
    }
}

/// `vol-name VOL` (by key or path).
#[derive(Args, Debug)]
pub struct VolName {
    /// volume key or path
    #[arg(long, required = true)]
    pub vol: String,
}
impl ConnCommand for VolName {
    const SPEC: Spec = Spec::new(
        "vol-name",
        "returns the volume name for a given volume key or path",
    );
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        let v = ctx.vol_in(&a.vol, None, None)?;
        out.print(&format!("{}\n", v.get_name()));
        Ok(())
    }
}

/// `vol-pool VOL [--uuid]` (by key or path).
#[derive(Args, Debug)]
pub struct VolPool {
    /// volume key or path
    #[arg(long, required = true)]
    pub vol: String,
    /// return the pool uuid rather than pool name
    #[arg(long)]
    pub uuid: bool,
}
impl ConnCommand for VolPool {
    const SPEC: Spec = Spec::new(
        "vol-pool",
        "returns the storage pool for a given volume key or path",
    );
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        let v = ctx.vol_in(&a.vol, None, None)?;
        let p = v
            .get_pool()
            .map_err(|e| CmdError::with("failed to get parent pool", e))?;
        if a.uuid {
            out.print(&format!("{}\n", p.get_uuid_string()));
        } else {
            out.print(&format!("{}\n", p.get_name()));
        }
        Ok(())
    }
}

fn vol_kind(k: esxvirt_driver::StorageVolType) -> i32 {
    use esxvirt_driver::StorageVolType as T;
    match k {
        T::File => 0,
        T::Block => 1,
        T::Dir => 2,
        T::Network => 3,
        T::NetDir => 4,
        T::Ploop => 5,
    }
}

fn vol_row(v: &StorageVol<'_>) -> VolRow {
    let info = v.get_info().ok();
    VolRow {
        name: v.get_name().to_string(),
        path: v.get_path().unwrap_or_else(|_| "unknown".to_string()),
        kind: info.as_ref().map_or(-1, |i| vol_kind(i.kind)),
        capacity: info.as_ref().map_or(0, |i| i.capacity),
        allocation: info.as_ref().map_or(0, |i| i.allocation),
    }
}

/// libvirt's volume types.
pub fn volume_type_name(t: i32) -> &'static str {
    match t {
        0 => "file",
        1 => "block",
        2 => "dir",
        3 => "network",
        4 => "netdir",
        5 => "ploop",
        _ => "unknown",
    }
}

/// A storage volume as `vol-list` and `vol-info` show it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VolRow {
    pub name: String,
    pub path: String,
    /// libvirt's volume type number (0 file, 1 block, ...); JSON shows its name.
    #[serde(rename = "type", serialize_with = "type_name")]
    pub kind: i32,
    #[serde(rename = "capacity_bytes")]
    pub capacity: u64,
    #[serde(rename = "allocation_bytes")]
    pub allocation: u64,
}

fn type_name<S: serde::Serializer>(kind: &i32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(volume_type_name(*kind))
}

/// `vol-list [--details]`.
pub fn vol_list(rows: &[VolRow], details: bool, quiet: bool) -> String {
    if !details {
        let body: Vec<Vec<String>> = rows
            .iter()
            .map(|r| vec![r.name.clone(), r.path.clone()])
            .collect();
        return format_table(&["Name", "Path"], &body, !quiet);
    }
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                r.path.clone(),
                volume_type_name(r.kind).to_string(),
                pretty(r.capacity),
                pretty(r.allocation),
            ]
        })
        .collect();
    format_table(
        &["Name", "Path", "Type", "Capacity", "Allocation"],
        &body,
        !quiet,
    )
}

/// `vol-info`'s first line, which virsh prints before it asks for the rest.
pub fn vol_info_name(name: &str) -> String {
    let mut o = String::new();
    label(&mut o, 15, "Name:", name);
    o
}

/// `vol-info [--bytes] [--physical]`.
pub fn vol_info(v: &VolRow, bytes: bool, physical: bool) -> String {
    let mut o = vol_info_name(&v.name);
    label(&mut o, 15, "Type:", volume_type_name(v.kind));
    let alloc_label = if physical { "Physical:" } else { "Allocation:" };
    if bytes {
        label(&mut o, 15, "Capacity:", &format!("{} bytes", v.capacity));
        label(&mut o, 15, alloc_label, &format!("{} bytes", v.allocation));
    } else {
        label(&mut o, 15, "Capacity:", &pretty(v.capacity));
        label(&mut o, 15, alloc_label, &pretty(v.allocation));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vol_list_and_info_like_virsh() {
        assert_eq!(
            vol_list(&[], true, false),
            " Name   Path   Type   Capacity   Allocation\n---------------------------------------------\n"
        );
        let v = VolRow {
            name: "d.vmdk".into(),
            path: "[ds] vm/d.vmdk".into(),
            kind: 0,
            capacity: 1536,
            allocation: 10,
        };
        assert_eq!(
            vol_info(&v, false, false),
            "Name:           d.vmdk\nType:           file\nCapacity:       1.50 KiB\nAllocation:     10.00 B\n"
        );
        assert_eq!(
            vol_info(&v, true, true),
            "Name:           d.vmdk\nType:           file\nCapacity:       1536 bytes\nPhysical:       10 bytes\n"
        );
    }
}
