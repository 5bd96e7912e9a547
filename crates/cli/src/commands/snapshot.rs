//! virsh's Snapshot group (`help snapshot`): `snapshot-create`, `snapshot-create-as`,
//! `snapshot-list`, `snapshot-info`, `snapshot-dumpxml`, `snapshot-current`,
//! `snapshot-parent`, `snapshot-revert`, `snapshot-delete`, with their output formats.
//! Snapshot XML is read and built through esxvirt-xml's `DomainSnapshot`.

use clap::Args;
use esxvirt_driver::{flags, Domain, DomainSnapshot, ErrorCode};
use esxvirt_xml::snapshot::DomainSnapshot as SnapshotXml;
use serde::Serialize;

use crate::options::{flag_bits, read_input, DomainArg, XpathArgs};
use crate::output::{json_out, CmdError, CmdResult, Out};
use crate::present::{label, print_xml, strcasecmp, yes_no};
use crate::registry::{ConnCommand, Entry, Group, Spec};
use crate::session::Ctx;
use crate::table::format_table;

/// The group.
pub static GROUP: Group = Group {
    name: "Snapshot",
    keyword: "snapshot",
    commands: &[
        Entry::connection::<SnapshotCreate>(),
        Entry::connection::<SnapshotCreateAs>(),
        Entry::connection::<SnapshotCurrent>(),
        Entry::connection::<SnapshotDelete>(),
        Entry::connection::<SnapshotDumpxml>(),
        Entry::connection::<SnapshotInfo>(),
        Entry::connection::<SnapshotList>(),
        Entry::connection::<SnapshotParent>(),
        Entry::connection::<SnapshotRevert>(),
    ],
};

/// `snapshot-create DOMAIN [XMLFILE] [--redefine [--current]] [flags]`.
#[derive(Args, Debug)]
pub struct SnapshotCreate {
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

impl ConnCommand for SnapshotCreate {
    const SPEC: Spec = Spec::new("snapshot-create", "Create a snapshot from XML");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        let d = ctx.domain(&a.dom.domain)?;
        let (xml, from) = match &a.xmlfile {
            Some(f) => (read_input(f)?, Some(f.clone())),
            None => (SnapshotXml::default().to_xml(), None),
        };
        let mut f = a.flags.bits();
        if a.redefine {
            f |= flags::snapshot_create::REDEFINE;
        }
        if a.current {
            f |= flags::snapshot_create::CURRENT;
        }
        let s = d.snapshot_create_xml(&xml, f)?;
        match from {
            Some(from) => out.extra(&format!(
                "Domain snapshot {} created from '{from}'",
                s.get_name()
            )),
            None => out.extra(&format!("Domain snapshot {} created", s.get_name())),
        }
        Ok(())
    }
}

/// The options `snapshot-create` and `snapshot-create-as` share.
#[derive(Args, Debug, Default)]
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

impl SnapshotCreateFlags {
    /// The flags virsh passes for these options.
    fn bits(&self) -> u32 {
        use flags::snapshot_create as C;
        flag_bits(&[
            (self.no_metadata, C::NO_METADATA),
            (self.halt, C::HALT),
            (self.disk_only, C::DISK_ONLY),
            (self.reuse_external, C::REUSE_EXT),
            (self.quiesce, C::QUIESCE),
            (self.atomic, C::ATOMIC),
            (self.live, C::LIVE),
            (self.validate, C::VALIDATE),
        ])
    }
}

/// `snapshot-create-as DOMAIN [NAME] [DESCRIPTION] [--print-xml] [flags]`.
#[derive(Args, Debug)]
pub struct SnapshotCreateAs {
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

impl ConnCommand for SnapshotCreateAs {
    const SPEC: Spec = Spec::new("snapshot-create-as", "Create a snapshot from a set of args")
        .named_only(&["memspec"]);
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        if self.memspec.is_some() || !self.diskspec.is_empty() {
            return Err(CmdError::msg(
                "unsupported configuration: --memspec and --diskspec are not supported by the ESX driver",
            ));
        }
        let xml = SnapshotXml::request(self.name.clone(), self.description.clone()).to_xml();
        if self.print_xml {
            out.print(&xml);
            return Ok(());
        }
        let d = ctx.domain(&self.dom.domain)?;
        let s = d.snapshot_create_xml(&xml, self.flags.bits())?;
        out.extra(&format!("Domain snapshot {} created", s.get_name()));
        Ok(())
    }
}

/// `snapshot-list DOMAIN [filters] [--tree|--name|--parent] [--from S|--current]`.
#[derive(Args, Debug)]
pub struct SnapshotList {
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

impl ConnCommand for SnapshotList {
    const SPEC: Spec = Spec::new("snapshot-list", "List snapshots for a domain").json();
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        use flags::snapshot_list as S;
        let d = ctx.domain(&a.dom.domain)?;
        if a.tree && (a.parent || a.roots || a.name) {
            let other = if a.parent {
                "parent"
            } else if a.roots {
                "roots"
            } else {
                "name"
            };
            return Err(CmdError::msg(format!(
                "Options --tree and --{other} are mutually exclusive"
            )));
        }
        if a.parent && a.roots {
            return Err(CmdError::msg(
                "Options --parent and --roots are mutually exclusive",
            ));
        }
        let f = flag_bits(&[
            (a.roots, S::ROOTS),
            (a.leaves, S::LEAVES),
            (a.no_leaves, S::NO_LEAVES),
            (a.metadata, S::METADATA),
            (a.no_metadata, S::NO_METADATA),
            (a.inactive, S::INACTIVE),
            (a.active, S::ACTIVE),
            (a.disk_only, S::DISK_ONLY),
            (a.internal, S::INTERNAL),
            (a.external, S::EXTERNAL),
            (a.topological, S::TOPOLOGICAL),
        ]);
        let mut rows = snapshot_rows(&d, f)?;
        // --from / --current: the children (or descendants) of one snapshot.
        let start = match (&a.from, a.current) {
            (Some(_), true) => {
                return Err(CmdError::msg("--from and --current are mutually exclusive"))
            }
            (Some(n), false) => Some(d.snapshot_lookup_by_name(n, 0)?.get_name().to_string()),
            (None, true) => Some(d.snapshot_current(0)?.get_name().to_string()),
            (None, false) => None,
        };
        if let Some(start) = &start {
            let all = snapshot_rows(&d, 0)?;
            let mut keep: Vec<String> = vec![];
            let mut frontier = vec![start.clone()];
            while let Some(p) = frontier.pop() {
                for r in &all {
                    if r.parent.as_deref() == Some(p.as_str()) && !keep.contains(&r.name) {
                        keep.push(r.name.clone());
                        if a.descendants || a.tree {
                            frontier.push(r.name.clone());
                        }
                    }
                }
            }
            if a.tree {
                keep.push(start.clone());
            }
            rows.retain(|r| keep.contains(&r.name));
        }
        if !a.topological {
            sort_snapshots(&mut rows);
        }
        if ctx.json {
            return json_out(out, &rows);
        }
        if a.tree {
            let items: Vec<(String, Option<String>)> = rows
                .iter()
                .map(|r| (r.name.clone(), r.parent.clone()))
                .collect();
            out.print(&snapshot_tree(&items));
        } else if a.name {
            out.print(&snapshot_names(&rows));
        } else {
            out.print(&snapshot_list(&rows, a.parent, ctx.quiet));
        }
        Ok(())
    }
}

/// The listed snapshots of `d` as `snapshot-list` needs them; a snapshot whose XML cannot
/// be had or read is left out, as virsh leaves it out.
fn snapshot_rows(d: &Domain<'_>, f: u32) -> Result<Vec<SnapshotRow>, CmdError> {
    let snaps = d.list_all_snapshots(f)?;
    let mut rows = Vec::with_capacity(snaps.len());
    for s in &snaps {
        let Ok(xml) = s.get_xml_desc(0) else { continue };
        let Ok(def) = SnapshotXml::from_xml(&xml) else {
            continue;
        };
        rows.push(SnapshotRow {
            name: s.get_name().to_string(),
            creation_time: def.creation_time.unwrap_or(0),
            state: def
                .state
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            parent: def.parent,
        });
    }
    Ok(rows)
}

/// Declares the options that pick one snapshot of a domain — `--domain`, `--snapshotname`,
/// `--current` with the command's help for it — and [`pick`](SnapshotPickArgs::pick) for
/// them.
macro_rules! snapshot_pick_args {
    ($(#[$doc:meta])* $name:ident, $current:literal) => {
        $(#[$doc])*
        #[derive(Args, Debug)]
        pub struct $name {
            #[command(flatten)]
            pub dom: DomainArg,
            /// snapshot name
            #[arg(long)]
            pub snapshotname: Option<String>,
            #[doc = $current]
            #[arg(long)]
            pub current: bool,
        }

        impl $name {
            /// The domain and the snapshot picked by name or as the current one.
            pub fn pick<'c>(
                &self,
                ctx: &Ctx<'c>,
            ) -> Result<(Domain<'c>, DomainSnapshot<'c>), CmdError> {
                let d = ctx.domain(&self.dom.domain)?;
                let s = ctx.snapshot(&d, self.snapshotname.as_deref(), self.current)?;
                Ok((d, s))
            }
        }
    };
}

snapshot_pick_args!(
    /// The options of `snapshot-info` and `snapshot-parent`.
    SnapshotPickArgs,
    "use the current snapshot"
);

snapshot_pick_args!(
    /// The snapshot `snapshot-revert` reverts to.
    RevertPickArgs,
    "revert to current snapshot"
);

snapshot_pick_args!(
    /// The snapshot `snapshot-delete` deletes.
    DeletePickArgs,
    "delete current snapshot"
);

/// `snapshot-info DOMAIN (SNAPSHOT | --current)`.
#[derive(Args, Debug)]
pub struct SnapshotInfo {
    #[command(flatten)]
    pub pick: SnapshotPickArgs,
}

impl ConnCommand for SnapshotInfo {
    const SPEC: Spec = Spec::new("snapshot-info", "snapshot information").json();
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let (d, s) = self.pick.pick(ctx)?;
        let xml = s.get_xml_desc(0)?;
        let def = SnapshotXml::from_xml(&xml).map_err(|e| CmdError::msg(e.to_string()))?;
        let Some(state) = def.state else {
            return Err(CmdError::msg("unexpected problem reading snapshot xml"));
        };
        let children = match s.num_children(0) {
            Ok(n) => Some(n as u32),
            Err(e) if e.code() == ErrorCode::NoSupport => None,
            Err(e) => return Err(e.into()),
        };
        let descendants = match children {
            Some(_) => Some(s.num_children(flags::snapshot_list::DESCENDANTS)? as u32),
            None => None,
        };
        let metadata = match s.has_metadata(0) {
            Ok(m) => Some(m),
            Err(_) => d
                .snapshot_num(flags::snapshot_list::METADATA)
                .ok()
                .map(|n| n > 0),
        };
        let info = SnapshotInfoView {
            name: s.get_name().to_string(),
            domain: d.get_name().to_string(),
            current: s.is_current(0).unwrap_or(false),
            state: state.as_str().to_string(),
            external: def.is_external(),
            parent: def.parent,
            children,
            descendants,
            metadata,
        };
        if ctx.json {
            return json_out(out, &info);
        }
        out.print(&snapshot_info(&info));
        Ok(())
    }
}

/// `snapshot-dumpxml DOMAIN SNAPSHOT [--security-info] [--xpath E [--wrap]]`.
#[derive(Args, Debug)]
pub struct SnapshotDumpxml {
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

impl ConnCommand for SnapshotDumpxml {
    const SPEC: Spec =
        Spec::new("snapshot-dumpxml", "Dump XML for a domain snapshot").named_only(&["xpath"]);
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        let d = ctx.domain(&a.dom.domain)?;
        let s = d.snapshot_lookup_by_name(&a.snapshotname, 0)?;
        print_xml(
            out,
            &s.get_xml_desc(if a.security_info { 1 } else { 0 })?,
            &a.filter,
        )
    }
}

/// `snapshot-current DOMAIN [--name] [--security-info] [SNAPSHOT]`.
#[derive(Args, Debug)]
pub struct SnapshotCurrent {
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

impl ConnCommand for SnapshotCurrent {
    const SPEC: Spec = Spec::new("snapshot-current", "Get or set the current snapshot");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        let d = ctx.domain(&a.dom.domain)?;
        if let Some(n) = &a.snapshotname {
            if a.name || a.security_info {
                return Err(CmdError::msg(
                    "Options --snapshotname and --name are mutually exclusive",
                ));
            }
            let s = d.snapshot_lookup_by_name(n, 0)?;
            // virsh asks for the secure XML (VIR_DOMAIN_SNAPSHOT_XML_SECURE).
            let xml = s.get_xml_desc(1)?;
            d.snapshot_create_xml(
                &xml,
                flags::snapshot_create::REDEFINE | flags::snapshot_create::CURRENT,
            )?;
            out.extra(&format!("Snapshot {n} set as current"));
            return Ok(());
        }
        if !d.has_current_snapshot(0)? {
            return Err(CmdError::msg(format!(
                "domain '{}' has no current snapshot",
                d.get_name()
            )));
        }
        let s = d.snapshot_current(0)?;
        if a.name {
            out.print(s.get_name());
        } else {
            out.print(&s.get_xml_desc(if a.security_info { 1 } else { 0 })?);
        }
        Ok(())
    }
}

/// `snapshot-parent DOMAIN (SNAPSHOT | --current)`.
#[derive(Args, Debug)]
pub struct SnapshotParent {
    #[command(flatten)]
    pub pick: SnapshotPickArgs,
}

impl ConnCommand for SnapshotParent {
    const SPEC: Spec = Spec::new(
        "snapshot-parent",
        "Get the name of the parent of a snapshot",
    );
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let (_, s) = self.pick.pick(ctx)?;
        let xml = s.get_xml_desc(0)?;
        let def = SnapshotXml::from_xml(&xml).map_err(|e| CmdError::msg(e.to_string()))?;
        match def.parent {
            Some(p) => out.print(&p),
            None => {
                return Err(CmdError::msg(format!(
                    "snapshot '{}' has no parent",
                    s.get_name()
                )))
            }
        }
        Ok(())
    }
}

/// `snapshot-revert DOMAIN (SNAPSHOT | --current) [--running|--paused] [--force]`.
#[derive(Args, Debug)]
pub struct SnapshotRevert {
    #[command(flatten)]
    pub pick: RevertPickArgs,
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

impl ConnCommand for SnapshotRevert {
    const SPEC: Spec = Spec::new("snapshot-revert", "Revert a domain to a snapshot");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        let (_, s) = a.pick.pick(ctx)?;
        use flags::snapshot_revert as R;
        let f = flag_bits(&[
            (a.running, R::RUNNING),
            (a.paused, R::PAUSED),
            (a.force, R::FORCE),
        ]);
        s.revert(f)?;
        out.extra(&format!("Domain snapshot {} reverted\n", s.get_name()));
        Ok(())
    }
}

/// `snapshot-delete DOMAIN (SNAPSHOT | --current) [--children|--children-only] [--metadata]`.
#[derive(Args, Debug)]
pub struct SnapshotDelete {
    #[command(flatten)]
    pub pick: DeletePickArgs,
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

impl ConnCommand for SnapshotDelete {
    const SPEC: Spec = Spec::new("snapshot-delete", "Delete a domain snapshot");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        let (_, s) = a.pick.pick(ctx)?;
        use flags::snapshot_delete as D;
        let f = flag_bits(&[
            (a.children, D::CHILDREN),
            (a.children_only, D::CHILDREN_ONLY),
            (a.metadata, D::METADATA_ONLY),
        ]);
        let name = s.get_name().to_string();
        s.delete(f)
            .map_err(|e| CmdError::with(format!("Failed to delete snapshot {name}"), e))?;
        if a.children_only {
            out.extra(&format!("Domain snapshot {name} children deleted\n"));
        } else {
            out.extra(&format!("Domain snapshot {name} deleted\n"));
        }
        Ok(())
    }
}

/// A snapshot as `snapshot-list` needs it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SnapshotRow {
    pub name: String,
    /// Unix seconds.
    pub creation_time: i64,
    /// `running`, `shutoff`, `disk-snapshot`, ...
    pub state: String,
    pub parent: Option<String>,
}

/// `Creation Time` as virsh prints it: local time, `%Y-%m-%d %H:%M:%S %z`.
pub fn snapshot_time(unix: i64) -> String {
    use chrono::TimeZone;
    match chrono::Local.timestamp_opt(unix, 0) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => {
            t.format("%Y-%m-%d %H:%M:%S %z").to_string()
        }
        chrono::LocalResult::None => unix.to_string(),
    }
}

/// Sorts snapshots by name like virsh (strcasecmp).
pub fn sort_snapshots(rows: &mut [SnapshotRow]) {
    rows.sort_by(|a, b| strcasecmp(&a.name, &b.name));
}

/// `snapshot-list` table (with `--parent`, a Parent column).
pub fn snapshot_list(rows: &[SnapshotRow], parent: bool, quiet: bool) -> String {
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut cells = vec![
                r.name.clone(),
                snapshot_time(r.creation_time),
                r.state.clone(),
            ];
            if parent {
                cells.push(r.parent.clone().unwrap_or_default());
            }
            cells
        })
        .collect();
    let header: &[&str] = if parent {
        &["Name", "Creation Time", "State", "Parent"]
    } else {
        &["Name", "Creation Time", "State"]
    };
    format_table(header, &body, !quiet)
}

/// `snapshot-list --name`.
pub fn snapshot_names(rows: &[SnapshotRow]) -> String {
    rows.iter().map(|r| format!("{}\n", r.name)).collect()
}

/// `snapshot-list --tree`: `(name, parent)` pairs in display order; the roots are those
/// whose parent is None or not in the list.
pub fn snapshot_tree(items: &[(String, Option<String>)]) -> String {
    let mut out = String::new();
    let names: Vec<&str> = items.iter().map(|(n, _)| n.as_str()).collect();
    let parent_of =
        |i: usize| -> Option<&str> { items[i].1.as_deref().filter(|p| names.contains(p)) };
    for i in 0..items.len() {
        if parent_of(i).is_none() {
            let mut indent = String::new();
            tree_node(&mut out, items, &parent_of, i, i, true, &mut indent);
        }
    }
    out
}

fn tree_node<'a>(
    out: &mut String,
    items: &'a [(String, Option<String>)],
    parent_of: &dyn Fn(usize) -> Option<&'a str>,
    dev: usize,
    last: usize,
    root: bool,
    indent: &mut String,
) {
    let name = items[dev].0.as_str();
    out.push_str(&format!(
        "{indent}{}{name}\n",
        if root { "" } else { "+- " }
    ));
    if !root {
        indent.push(if dev == last { ' ' } else { '|' });
        indent.push(' ');
    }
    let children: Vec<usize> = (0..items.len())
        .filter(|&i| parent_of(i) == Some(name))
        .collect();
    let next_last = children.last().copied();
    if next_last.is_some() {
        out.push_str(&format!("{indent}  |\n"));
    }
    indent.push_str("  ");
    for &c in &children {
        tree_node(
            out,
            items,
            parent_of,
            c,
            next_last.unwrap_or(c),
            false,
            indent,
        );
    }
    if indent.ends_with("  ") {
        indent.truncate(indent.len() - 2);
    }
    if next_last.is_none() && dev == last {
        out.push_str(&format!("{indent}\n"));
    }
    if !root {
        let n = indent.len().saturating_sub(2);
        indent.truncate(n);
    }
}

/// What `snapshot-info` shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SnapshotInfoView {
    pub name: String,
    pub domain: String,
    pub current: bool,
    pub state: String,
    pub external: bool,
    pub parent: Option<String>,
    /// None when the driver lacks the children count (the rest is left out).
    pub children: Option<u32>,
    pub descendants: Option<u32>,
    pub metadata: Option<bool>,
}

/// `snapshot-info`.
pub fn snapshot_info(s: &SnapshotInfoView) -> String {
    let mut o = String::new();
    label(&mut o, 15, "Name:", &s.name);
    label(&mut o, 15, "Domain:", &s.domain);
    label(&mut o, 15, "Current:", yes_no(s.current));
    label(&mut o, 15, "State:", &s.state);
    label(
        &mut o,
        15,
        "Location:",
        if s.external { "external" } else { "internal" },
    );
    label(&mut o, 15, "Parent:", s.parent.as_deref().unwrap_or("-"));
    if let (Some(c), Some(d)) = (s.children, s.descendants) {
        label(&mut o, 15, "Children:", &c.to_string());
        label(&mut o, 15, "Descendants:", &d.to_string());
        if let Some(m) = s.metadata {
            label(&mut o, 15, "Metadata:", yes_no(m));
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_table_and_info() {
        let rows: Vec<SnapshotRow> = vec![];
        assert_eq!(
            snapshot_list(&rows, false, false),
            " Name   Creation Time   State\n-------------------------------\n"
        );
        let s = SnapshotInfoView {
            name: "s1".into(),
            domain: "vm".into(),
            current: true,
            state: "running".into(),
            external: false,
            parent: None,
            children: Some(1),
            descendants: Some(2),
            metadata: Some(true),
        };
        assert_eq!(
            snapshot_info(&s),
            "Name:           s1\nDomain:         vm\nCurrent:        yes\nState:          running\n\
             Location:       internal\nParent:         -\nChildren:       1\nDescendants:    2\n\
             Metadata:       yes\n"
        );
    }

    #[test]
    fn snapshot_tree_like_virsh() {
        let items = vec![
            ("root".to_string(), None),
            ("a".to_string(), Some("root".to_string())),
            ("b".to_string(), Some("root".to_string())),
            ("c".to_string(), Some("a".to_string())),
        ];
        assert_eq!(
            snapshot_tree(&items),
            "root\n  |\n  +- a\n  |   |\n  |   +- c\n  |     \n  +- b\n    \n"
        );
        let single = vec![("only".to_string(), None)];
        assert_eq!(snapshot_tree(&single), "only\n\n");
    }
}
