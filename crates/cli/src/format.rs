//! virsh's output formats as pure functions: plain data in, the exact text virsh prints out.
//! The command runner appends virsh's end-of-command blank line (unless `--quiet`), so these
//! return only what the command itself prints.

use crate::present::{label, pretty, strcasecmp, yes_no, ParamValue};
use crate::table::format_table;
use serde::Serialize;

pub use esxvirt_driver::DomainState;

/// virsh's words for the driver's domain states.
pub trait VirshState {
    /// virsh's word for the state (`shut off`, `running`, ...).
    fn as_virsh(&self) -> &'static str;
    /// virsh's word for a state reason (libvirt's per-state reason enums).
    fn reason(self, reason: i32) -> &'static str;
}

impl VirshState for DomainState {
    fn as_virsh(&self) -> &'static str {
        match self {
            DomainState::NoState => "no state",
            DomainState::Running => "running",
            DomainState::Blocked => "idle",
            DomainState::Paused => "paused",
            DomainState::Shutdown => "in shutdown",
            DomainState::Shutoff => "shut off",
            DomainState::Crashed => "crashed",
            DomainState::PmSuspended => "pmsuspended",
        }
    }

    fn reason(self, reason: i32) -> &'static str {
        let table: &[&str] = match self {
            DomainState::Running => &[
                "unknown",
                "booted",
                "migrated",
                "restored",
                "from snapshot",
                "unpaused",
                "migration canceled",
                "save canceled",
                "event wakeup",
                "crashed",
                "post-copy",
                "post-copy failed",
            ],
            DomainState::Paused => &[
                "unknown",
                "user",
                "migrating",
                "saving",
                "dumping",
                "I/O error",
                "watchdog",
                "from snapshot",
                "shutting down",
                "creating snapshot",
                "crashed",
                "starting up",
                "post-copy",
                "post-copy failed",
            ],
            DomainState::Shutdown => &["unknown", "user"],
            DomainState::Shutoff => &[
                "unknown",
                "shutdown",
                "destroyed",
                "crashed",
                "migrated",
                "saved",
                "failed",
                "from snapshot",
                "daemon",
            ],
            DomainState::Crashed => &["unknown", "panicked"],
            DomainState::NoState | DomainState::Blocked | DomainState::PmSuspended => &["unknown"],
        };
        usize::try_from(reason)
            .ok()
            .and_then(|i| table.get(i))
            .copied()
            .unwrap_or("unknown")
    }
}

/// One domain as `list` shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DomainRow {
    /// None for an inactive domain (shown as `-`).
    pub id: Option<u32>,
    pub name: String,
    pub uuid: String,
    pub state: DomainState,
    /// Shown with `--title`.
    pub title: String,
    /// Marked `saved` with `--managed-save`.
    pub managed_save: bool,
    /// The host the domain runs on (`list --all-hosts` only; absent from the JSON otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

/// `list`'s presentation switches.
#[derive(Clone, Copy, Debug, Default)]
pub struct ListView {
    pub uuid: bool,
    pub name: bool,
    pub id: bool,
    pub title: bool,
    pub managed_save: bool,
    pub quiet: bool,
    /// A Host column after State (`list --all-hosts`).
    pub host: bool,
}

/// Sorts the domains of several hosts: as [`sort_domains`], equal names by host.
pub fn sort_host_domains(rows: &mut [DomainRow]) {
    // sort_domains is stable: ordering by host first leaves equal names in host order.
    rows.sort_by(|a, b| strcasecmp(host_of(a), host_of(b)));
    sort_domains(rows);
}

fn host_of(r: &DomainRow) -> &str {
    r.host.as_deref().unwrap_or_default()
}

/// Sorts domains like virsh: running ones by ID first, then inactive ones by name.
pub fn sort_domains(rows: &mut [DomainRow]) {
    rows.sort_by(|a, b| match (a.id, b.id) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => strcasecmp(&a.name, &b.name),
    });
}

/// `list` output for already filtered and sorted rows.
pub fn list(rows: &[DomainRow], view: &ListView) -> String {
    let id_text = |r: &DomainRow| r.id.map_or("-".to_string(), |i| i.to_string());
    if view.uuid || view.name || view.id {
        let mut out = String::new();
        for r in rows {
            let mut sep = "";
            let mut line = String::new();
            if view.uuid {
                line.push_str(&r.uuid);
                sep = " ";
            }
            if view.id {
                if r.id.is_none() && !view.uuid && !view.name {
                    continue;
                }
                line.push_str(sep);
                line.push_str(&id_text(r));
                sep = " ";
            }
            if view.name {
                line.push_str(sep);
                line.push_str(&r.name);
            }
            out.push_str(&line);
            out.push('\n');
        }
        return out;
    }
    let state = |r: &DomainRow| {
        if view.managed_save && r.state == DomainState::Shutoff && r.managed_save {
            "saved".to_string()
        } else {
            r.state.as_virsh().to_string()
        }
    };
    if view.title {
        let body: Vec<Vec<String>> = rows
            .iter()
            .map(|r| vec![id_text(r), r.name.clone(), state(r), r.title.clone()])
            .collect();
        format_table(&["Id", "Name", "State", "Title"], &body, !view.quiet)
    } else if view.host {
        let body: Vec<Vec<String>> = rows
            .iter()
            .map(|r| vec![id_text(r), r.name.clone(), state(r), host_of(r).to_string()])
            .collect();
        format_table(&["Id", "Name", "State", "Host"], &body, !view.quiet)
    } else {
        let body: Vec<Vec<String>> = rows
            .iter()
            .map(|r| vec![id_text(r), r.name.clone(), state(r)])
            .collect();
        format_table(&["Id", "Name", "State"], &body, !view.quiet)
    }
}

/// What `dominfo` shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DomInfo {
    pub id: Option<u32>,
    pub name: String,
    pub uuid: String,
    pub os_type: Option<String>,
    pub state: DomainState,
    pub vcpus: u32,
    /// Nanoseconds; 0 is not shown.
    pub cpu_time_ns: u64,
    /// KiB; None is "no limit".
    pub max_memory_kib: Option<u64>,
    pub used_memory_kib: u64,
    pub persistent: Option<bool>,
    /// None when the driver cannot tell (the line is left out, as virsh does).
    pub autostart: Option<bool>,
    pub managed_save: Option<bool>,
}

/// `dominfo`.
pub fn dominfo(d: &DomInfo) -> String {
    let mut o = String::new();
    label(
        &mut o,
        15,
        "Id:",
        &d.id.map_or("-".into(), |i| i.to_string()),
    );
    label(&mut o, 15, "Name:", &d.name);
    label(&mut o, 15, "UUID:", &d.uuid);
    if let Some(os) = &d.os_type {
        label(&mut o, 15, "OS Type:", os);
    }
    label(&mut o, 15, "State:", d.state.as_virsh());
    label(&mut o, 15, "CPU(s):", &d.vcpus.to_string());
    if d.cpu_time_ns != 0 {
        label(
            &mut o,
            15,
            "CPU time:",
            &format!("{:.1}s", d.cpu_time_ns as f64 / 1e9),
        );
    }
    match d.max_memory_kib {
        Some(m) => label(&mut o, 15, "Max memory:", &format!("{m} KiB")),
        None => label(&mut o, 15, "Max memory:", "no limit"),
    }
    label(
        &mut o,
        15,
        "Used memory:",
        &format!("{} KiB", d.used_memory_kib),
    );
    label(
        &mut o,
        15,
        "Persistent:",
        d.persistent.map_or("unknown", yes_no),
    );
    if let Some(a) = d.autostart {
        label(
            &mut o,
            15,
            "Autostart:",
            if a { "enable" } else { "disable" },
        );
    }
    label(
        &mut o,
        15,
        "Managed save:",
        d.managed_save.map_or("unknown", yes_no),
    );
    o
}

/// `domstate [--reason]`.
pub fn domstate(state: DomainState, reason: i32, show_reason: bool) -> String {
    if show_reason {
        format!("{} ({})\n", state.as_virsh(), state.reason(reason))
    } else {
        format!("{}\n", state.as_virsh())
    }
}

/// `schedinfo`: the scheduler type line, then `field : value` lines.
pub fn schedinfo(scheduler: Option<&str>, params: &[(String, ParamValue)]) -> String {
    let mut o = format!("{:<15}: {}\n", "Scheduler", scheduler.unwrap_or("Unknown"));
    for (k, v) in params {
        o.push_str(&format!("{k:<15}: {}\n", v.to_virsh()));
    }
    o
}

/// libvirt's "unlimited" memory parameter value.
pub const MEMORY_PARAM_UNLIMITED: u64 = 9_007_199_254_740_991;

/// `memtune` (query).
pub fn memtune(params: &[(String, ParamValue)]) -> String {
    let mut o = String::new();
    for (k, v) in params {
        let text = match v {
            ParamValue::ULLong(u) if *u == MEMORY_PARAM_UNLIMITED => "unlimited".to_string(),
            other => other.to_virsh(),
        };
        o.push_str(&format!("{k:<15}: {text}\n"));
    }
    o
}

/// `vcpucount` without options: the four counts, each shown when positive.
pub fn vcpucount_all(conf_max: i32, live_max: i32, conf_cur: i32, live_cur: i32) -> String {
    let mut o = String::new();
    for (v, which, state) in [
        (conf_max, "maximum", "config"),
        (live_max, "maximum", "live"),
        (conf_cur, "current", "config"),
        (live_cur, "current", "live"),
    ] {
        if v > 0 {
            o.push_str(&format!("{which:<12} {state:<12} {v:>3}\n"));
        }
    }
    o
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
    if parent {
        let body: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.name.clone(),
                    snapshot_time(r.creation_time),
                    r.state.clone(),
                    r.parent.clone().unwrap_or_default(),
                ]
            })
            .collect();
        format_table(&["Name", "Creation Time", "State", "Parent"], &body, !quiet)
    } else {
        let body: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.name.clone(),
                    snapshot_time(r.creation_time),
                    r.state.clone(),
                ]
            })
            .collect();
        format_table(&["Name", "Creation Time", "State"], &body, !quiet)
    }
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
pub struct SnapshotInfo {
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
pub fn snapshot_info(s: &SnapshotInfo) -> String {
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

/// A network as `net-list` and `net-info` show it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NetRow {
    pub name: String,
    pub uuid: String,
    pub active: bool,
    /// None: the driver cannot tell ("no autostart").
    pub autostart: Option<bool>,
    pub persistent: bool,
    pub bridge: Option<String>,
}

/// `net-list` (table, `--name` or `--uuid`).
pub fn net_list(rows: &[NetRow], name: bool, uuid: bool, quiet: bool) -> String {
    if uuid {
        return rows.iter().map(|r| format!("{}\n", r.uuid)).collect();
    }
    if name {
        return rows.iter().map(|r| format!("{}\n", r.name)).collect();
    }
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                if r.active { "active" } else { "inactive" }.to_string(),
                r.autostart.map_or("no autostart", yes_no).to_string(),
                yes_no(r.persistent).to_string(),
            ]
        })
        .collect();
    format_table(&["Name", "State", "Autostart", "Persistent"], &body, !quiet)
}

/// `net-info`.
pub fn net_info(n: &NetRow) -> String {
    let mut o = String::new();
    label(&mut o, 15, "Name:", &n.name);
    label(&mut o, 15, "UUID:", &n.uuid);
    label(&mut o, 15, "Active:", yes_no(n.active));
    label(&mut o, 15, "Persistent:", yes_no(n.persistent));
    label(
        &mut o,
        15,
        "Autostart:",
        n.autostart.map_or("no autostart", yes_no),
    );
    if let Some(b) = &n.bridge {
        label(&mut o, 15, "Bridge:", b);
    }
    o
}

/// A host interface as `iface-list` shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IfaceRow {
    pub name: String,
    pub active: bool,
    pub mac: String,
}

/// `iface-list`.
pub fn iface_list(rows: &[IfaceRow], quiet: bool) -> String {
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                if r.active { "active" } else { "inactive" }.to_string(),
                r.mac.clone(),
            ]
        })
        .collect();
    format_table(&["Name", "State", "MAC Address"], &body, !quiet)
}

/// libvirt's storage pool states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PoolState {
    Inactive,
    Building,
    Running,
    Degraded,
    Inaccessible,
}

impl PoolState {
    pub fn as_virsh(self) -> &'static str {
        match self {
            PoolState::Inactive => "inactive",
            PoolState::Building => "building",
            PoolState::Running => "running",
            PoolState::Degraded => "degraded",
            PoolState::Inaccessible => "inaccessible",
        }
    }
}

/// A storage pool as `pool-list` and `pool-info` show it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PoolRow {
    pub name: String,
    pub uuid: String,
    pub state: PoolState,
    pub active: bool,
    pub autostart: Option<bool>,
    pub persistent: Option<bool>,
    pub capacity: u64,
    pub allocation: u64,
    pub available: u64,
}

/// `pool-list` (plain, `--details`, `--name`, `--uuid`).
pub fn pool_list(rows: &[PoolRow], details: bool, name: bool, uuid: bool, quiet: bool) -> String {
    let autostart = |r: &PoolRow| r.autostart.map_or("no autostart", yes_no).to_string();
    if !details {
        if uuid || name {
            let mut o = String::new();
            for r in rows {
                if uuid {
                    o.push_str(&format!("{:<36}{}", r.uuid, if name { ' ' } else { '\n' }));
                }
                if name {
                    o.push_str(&format!("{:<20}\n", r.name));
                }
            }
            return o;
        }
        let body: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.name.clone(),
                    if r.active { "active" } else { "inactive" }.to_string(),
                    autostart(r),
                ]
            })
            .collect();
        return format_table(&["Name", "State", "Autostart"], &body, !quiet);
    }
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let sized = matches!(r.state, PoolState::Running | PoolState::Degraded);
            let size = |v: u64| if sized { pretty(v) } else { "-".to_string() };
            vec![
                r.name.clone(),
                r.state.as_virsh().to_string(),
                autostart(r),
                r.persistent.map_or("unknown", yes_no).to_string(),
                size(r.capacity),
                size(r.allocation),
                size(r.available),
            ]
        })
        .collect();
    format_table(
        &[
            "Name",
            "State",
            "Autostart",
            "Persistent",
            "Capacity",
            "Allocation",
            "Available",
        ],
        &body,
        !quiet,
    )
}

/// `pool-info [--bytes]`.
pub fn pool_info(p: &PoolRow, bytes: bool) -> String {
    let mut o = String::new();
    label(&mut o, 15, "Name:", &p.name);
    label(&mut o, 15, "UUID:", &p.uuid);
    label(&mut o, 15, "State:", p.state.as_virsh());
    label(
        &mut o,
        15,
        "Persistent:",
        p.persistent.map_or("unknown", yes_no),
    );
    label(
        &mut o,
        15,
        "Autostart:",
        p.autostart.map_or("no autostart", yes_no),
    );
    if matches!(p.state, PoolState::Running | PoolState::Degraded) {
        for (k, v) in [
            ("Capacity:", p.capacity),
            ("Allocation:", p.allocation),
            ("Available:", p.available),
        ] {
            if bytes {
                label(&mut o, 15, k, &v.to_string());
            } else {
                label(&mut o, 15, k, &pretty(v));
            }
        }
    }
    o
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
    /// libvirt's volume type number (0 file, 1 block, ...).
    pub kind: i32,
    pub capacity: u64,
    pub allocation: u64,
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

/// One guest interface for `domifaddr`: name, MAC, addresses (`ipv4`/`ipv6`, address,
/// prefix).
pub type IfAddrs = (String, Option<String>, Vec<(String, String, u32)>);

/// `domifaddr`: `header` false under `--quiet`; `only` limits to one interface name.
pub fn domifaddr(ifaces: &[IfAddrs], only: Option<&str>, full: bool, header: bool) -> String {
    let mut o = String::new();
    if header {
        o.push_str(&format!(
            " {:<10} {:<20} {:<8}     {}\n{}{}\n",
            "Name",
            "MAC address",
            "Protocol",
            "Address",
            "-".repeat(49),
            "-".repeat(30)
        ));
    }
    for (name, mac, addrs) in ifaces {
        if only.is_some_and(|n| n != name) {
            continue;
        }
        if addrs.is_empty() {
            o.push_str(&format!(
                " {:<10} {:<17}    {:<12} {}\n",
                name,
                mac.as_deref().unwrap_or("N/A"),
                "N/A",
                "N/A"
            ));
            continue;
        }
        for (i, (family, addr, prefix)) in addrs.iter().enumerate() {
            let ip = format!("{family:<12} {addr}/{prefix}");
            if full || i == 0 {
                o.push_str(&format!(
                    " {:<10} {:<17}    {ip}\n",
                    name,
                    mac.as_deref().unwrap_or("")
                ));
            } else {
                o.push_str(&format!(" {:<10} {:<17}    {ip}\n", "-", "-"));
            }
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: Option<u32>, name: &str, state: DomainState) -> DomainRow {
        DomainRow {
            id,
            name: name.into(),
            uuid: format!("uuid-{name}"),
            state,
            title: String::new(),
            managed_save: false,
            host: None,
        }
    }

    #[test]
    fn list_across_hosts_adds_a_host_column() {
        let on = |id, name: &str, state, host: &str| DomainRow {
            host: Some(host.into()),
            ..row(id, name, state)
        };
        let mut rows = vec![
            on(None, "b", DomainState::Shutoff, "esx-2"),
            on(None, "a", DomainState::Shutoff, "esx-2"),
            on(Some(40), "web", DomainState::Running, "esx-10.example.com"),
            on(None, "A", DomainState::Shutoff, "esx-1"),
            on(Some(7), "db", DomainState::Paused, "esx-2"),
        ];
        sort_host_domains(&mut rows);
        let view = ListView {
            host: true,
            ..Default::default()
        };
        assert_eq!(
            list(&rows, &view),
            " Id   Name   State      Host\n\
             --------------------------------------------\n \
             7    db     paused     esx-2\n \
             40   web    running    esx-10.example.com\n \
             -    A      shut off   esx-1\n \
             -    a      shut off   esx-2\n \
             -    b      shut off   esx-2\n"
        );
        let names = ListView { name: true, ..view };
        assert_eq!(list(&rows, &names), "db\nweb\nA\na\nb\n");
    }

    #[test]
    fn list_like_virsh() {
        let mut rows = vec![
            row(None, "zeta", DomainState::Shutoff),
            row(Some(12), "web", DomainState::Running),
            row(None, "Alpha", DomainState::Shutoff),
            row(Some(3), "db", DomainState::Paused),
        ];
        sort_domains(&mut rows);
        assert_eq!(
            list(&rows, &ListView::default()),
            " Id   Name    State\n\
             ------------------------\n \
             3    db      paused\n \
             12   web     running\n \
             -    Alpha   shut off\n \
             -    zeta    shut off\n"
        );
        let v = ListView {
            name: true,
            ..Default::default()
        };
        assert_eq!(list(&rows, &v), "db\nweb\nAlpha\nzeta\n");
        let v = ListView {
            id: true,
            ..Default::default()
        };
        assert_eq!(list(&rows, &v), "3\n12\n");
        let v = ListView {
            uuid: true,
            name: true,
            ..Default::default()
        };
        assert_eq!(list(&rows[..1], &v), "uuid-db db\n");
    }

    #[test]
    fn dominfo_like_virsh() {
        let d = DomInfo {
            id: None,
            name: "vm1".into(),
            uuid: "564d9bef-acd9-b4e0-c8f0-aeeb0bd7dd81".into(),
            os_type: Some("hvm".into()),
            state: DomainState::Shutoff,
            vcpus: 2,
            cpu_time_ns: 0,
            max_memory_kib: Some(4194304),
            used_memory_kib: 4194304,
            persistent: Some(true),
            autostart: Some(false),
            managed_save: Some(false),
        };
        assert_eq!(
            dominfo(&d),
            "Id:             -\n\
             Name:           vm1\n\
             UUID:           564d9bef-acd9-b4e0-c8f0-aeeb0bd7dd81\n\
             OS Type:        hvm\n\
             State:          shut off\n\
             CPU(s):         2\n\
             Max memory:     4194304 KiB\n\
             Used memory:    4194304 KiB\n\
             Persistent:     yes\n\
             Autostart:      disable\n\
             Managed save:   no\n"
        );
        let d2 = DomInfo {
            cpu_time_ns: 1795608883400000000,
            id: Some(1),
            ..d
        };
        assert!(dominfo(&d2).contains("CPU time:       1795608883.4s\n"));
    }

    #[test]
    fn domstate_reason() {
        assert_eq!(
            domstate(DomainState::Running, 0, true),
            "running (unknown)\n"
        );
        assert_eq!(
            domstate(DomainState::Shutoff, 2, true),
            "shut off (destroyed)\n"
        );
        assert_eq!(domstate(DomainState::Paused, 99, false), "paused\n");
    }

    #[test]
    fn schedinfo_memtune_vcpucount() {
        let p = vec![
            ("reservation".to_string(), ParamValue::LLong(0)),
            ("limit".to_string(), ParamValue::LLong(-1)),
            ("shares".to_string(), ParamValue::Int(1000)),
        ];
        assert_eq!(
            schedinfo(Some("allocation"), &p),
            "Scheduler      : allocation\nreservation    : 0\nlimit          : -1\nshares         : 1000\n"
        );
        assert_eq!(
            schedinfo(Some("fair"), &[("weight".into(), ParamValue::UInt(50))]),
            "Scheduler      : fair\nweight         : 50\n"
        );
        assert_eq!(
            memtune(&[
                ("min_guarantee".into(), ParamValue::ULLong(0)),
                (
                    "hard_limit".into(),
                    ParamValue::ULLong(MEMORY_PARAM_UNLIMITED)
                )
            ]),
            "min_guarantee  : 0\nhard_limit     : unlimited\n"
        );
        assert_eq!(
            vcpucount_all(2, 2, 2, 2),
            "maximum      config         2\nmaximum      live           2\ncurrent      config         2\ncurrent      live           2\n"
        );
        assert_eq!(vcpucount_all(4, 0, 0, 0), "maximum      config         4\n");
    }

    #[test]
    fn snapshot_table_and_info() {
        let rows: Vec<SnapshotRow> = vec![];
        assert_eq!(
            snapshot_list(&rows, false, false),
            " Name   Creation Time   State\n-------------------------------\n"
        );
        let s = SnapshotInfo {
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

    #[test]
    fn net_pool_iface_vol_like_virsh() {
        let n = NetRow {
            name: "default".into(),
            uuid: "dd8fe884-6c02-601e-7551-cca97df1c5df".into(),
            active: true,
            autostart: Some(false),
            persistent: true,
            bridge: Some("virbr0".into()),
        };
        assert_eq!(
            net_list(std::slice::from_ref(&n), false, false, false),
            " Name      State    Autostart   Persistent\n\
             --------------------------------------------\n \
             default   active   no          yes\n"
        );
        assert_eq!(
            net_info(&n),
            "Name:           default\nUUID:           dd8fe884-6c02-601e-7551-cca97df1c5df\n\
             Active:         yes\nPersistent:     yes\nAutostart:      no\nBridge:         virbr0\n"
        );
        let p = PoolRow {
            name: "default-pool".into(),
            uuid: "dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566".into(),
            state: PoolState::Running,
            active: true,
            autostart: Some(false),
            persistent: Some(true),
            capacity: 100 * 1024 * 1024 * 1024,
            allocation: 0,
            available: 100 * 1024 * 1024 * 1024,
        };
        assert_eq!(
            pool_list(std::slice::from_ref(&p), true, false, false, false),
            " Name           State     Autostart   Persistent   Capacity     Allocation   Available\n\
             -----------------------------------------------------------------------------------------\n \
             default-pool   running   no          yes          100.00 GiB   0.00 B       100.00 GiB\n"
        );
        assert_eq!(
            pool_info(&p, false),
            "Name:           default-pool\nUUID:           dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566\n\
             State:          running\nPersistent:     yes\nAutostart:      no\n\
             Capacity:       100.00 GiB\nAllocation:     0.00 B\nAvailable:      100.00 GiB\n"
        );
        assert_eq!(
            pool_list(std::slice::from_ref(&p), false, true, true, false),
            "dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566 default-pool        \n"
        );
        assert_eq!(
            iface_list(
                &[IfaceRow { name: "eth1".into(), active: true, mac: "aa:bb:cc:dd:ee:ff".into() }],
                false
            ),
            " Name   State    MAC Address\n------------------------------------\n eth1   active   aa:bb:cc:dd:ee:ff\n"
        );
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

    #[test]
    fn domifaddr_like_virsh() {
        let ifs: Vec<IfAddrs> = vec![(
            "".into(),
            Some("00:50:56:aa:bb:cc".into()),
            vec![
                ("ipv4".into(), "10.0.0.5".into(), 24),
                ("ipv6".into(), "fe80::1".into(), 64),
            ],
        )];
        assert_eq!(
            domifaddr(&ifs, None, false, true),
            [
                " Name       MAC address          Protocol     Address\n",
                &"-".repeat(79),
                "\n",
                "            00:50:56:aa:bb:cc    ipv4         10.0.0.5/24\n",
                " -          -                    ipv6         fe80::1/64\n",
            ]
            .concat()
        );
    }
}
