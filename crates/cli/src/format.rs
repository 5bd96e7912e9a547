//! virsh's output formats as pure functions: plain data in, the exact text virsh prints out.
//! The command runner appends virsh's end-of-command blank line (unless `--quiet`), so these
//! return only what the command itself prints.

use crate::present::{label, pretty, strcasecmp, yes_no};
use crate::table::format_table;
use serde::Serialize;

pub use esxvirt_driver::DomainState;

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
}
