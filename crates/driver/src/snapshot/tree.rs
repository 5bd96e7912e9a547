//! A domain's snapshot tree as vSphere reports it (`snapshot.rootSnapshotList` and
//! `snapshot.currentSnapshot`), and the queries libvirt's ESX driver answers from it.

use crate::error::{Error, ErrorCode, Result};
use crate::types::DomainState;

/// One snapshot and its children (a `VirtualMachineSnapshotTree`).
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotNode {
    /// The snapshot's managed-object id.
    pub moref: String,
    /// Its name.
    pub name: String,
    /// Its description (empty when none).
    pub description: String,
    /// Creation time, Unix seconds.
    pub create_time: i64,
    /// The VM's power state when the snapshot was taken.
    pub state: DomainState,
    /// Child snapshots in server order.
    pub children: Vec<SnapshotNode>,
}

/// A domain's whole snapshot tree.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SnapshotTree {
    /// The root snapshots.
    pub roots: Vec<SnapshotNode>,
    /// The current snapshot's managed-object id.
    pub current: Option<String>,
}

fn collect<'a>(list: &'a [SnapshotNode], recurse: bool, leaves: bool, out: &mut Vec<&'a str>) {
    for node in list {
        if !leaves || node.children.is_empty() {
            out.push(&node.name);
        }
        if recurse {
            collect(&node.children, true, leaves, out);
        }
    }
}

fn find<'a>(
    list: &'a [SnapshotNode],
    parent: Option<&'a SnapshotNode>,
    pred: &dyn Fn(&SnapshotNode) -> bool,
) -> Option<(&'a SnapshotNode, Option<&'a SnapshotNode>)> {
    for node in list {
        if pred(node) {
            return Some((node, parent));
        }
        if let Some(found) = find(&node.children, Some(node), pred) {
            return Some(found);
        }
    }
    None
}

impl SnapshotTree {
    /// Names in libvirt's order (depth first, pre-order): every snapshot, or only the roots
    /// when `recurse` is false; with `leaves` only those without children.
    pub fn names(&self, recurse: bool, leaves: bool) -> Vec<String> {
        let mut out = Vec::new();
        collect(&self.roots, recurse, leaves, &mut out);
        out.into_iter().map(str::to_string).collect()
    }

    /// The snapshot called `name` and its parent; `Domain snapshot not found: Could not find
    /// snapshot with name 'NAME'` when there is none.
    pub fn by_name(&self, name: &str) -> Result<(&SnapshotNode, Option<&SnapshotNode>)> {
        find(&self.roots, None, &|n| n.name == name).ok_or_else(|| {
            Error::new(
                ErrorCode::NoDomainSnapshot,
                format!("Could not find snapshot with name '{name}'"),
            )
        })
    }

    /// Whether a snapshot called `name` exists.
    pub fn contains(&self, name: &str) -> bool {
        find(&self.roots, None, &|n| n.name == name).is_some()
    }

    /// Whether the snapshot with managed-object id `moref` exists.
    pub fn contains_moref(&self, moref: &str) -> bool {
        find(&self.roots, None, &|n| n.moref == moref).is_some()
    }

    /// The current snapshot; `Domain snapshot not found: Domain has no current snapshot`.
    pub fn current(&self) -> Result<&SnapshotNode> {
        let Some(current) = &self.current else {
            return Err(Error::new(
                ErrorCode::NoDomainSnapshot,
                "Domain has no current snapshot",
            ));
        };
        find(&self.roots, None, &|n| &n.moref == current)
            .map(|(n, _)| n)
            .ok_or_else(|| Error::internal("Could not lookup root snapshot list"))
    }

    /// Names of the children of `node` (all descendants with `recurse`), libvirt's order.
    pub fn children_names(node: &SnapshotNode, recurse: bool, leaves: bool) -> Vec<String> {
        let mut out = Vec::new();
        collect(&node.children, recurse, leaves, &mut out);
        out.into_iter().map(str::to_string).collect()
    }

    /// Whether the domain has any snapshot.
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(moref: &str, name: &str, children: Vec<SnapshotNode>) -> SnapshotNode {
        SnapshotNode {
            moref: moref.into(),
            name: name.into(),
            description: String::new(),
            create_time: 0,
            state: DomainState::Shutoff,
            children,
        }
    }

    // a -> (b -> d), c ; e
    fn tree() -> SnapshotTree {
        SnapshotTree {
            roots: vec![
                node(
                    "s1",
                    "a",
                    vec![
                        node("s2", "b", vec![node("s4", "d", vec![])]),
                        node("s3", "c", vec![]),
                    ],
                ),
                node("s5", "e", vec![]),
            ],
            current: Some("s4".into()),
        }
    }

    #[test]
    fn listing() {
        let t = tree();
        assert_eq!(t.names(true, false), ["a", "b", "d", "c", "e"]);
        assert_eq!(t.names(false, false), ["a", "e"]);
        assert_eq!(t.names(true, true), ["d", "c", "e"]);
        assert_eq!(t.names(false, true), ["e"]);
    }

    #[test]
    fn lookups() {
        let t = tree();
        let (n, p) = t.by_name("d").unwrap();
        assert_eq!(n.moref, "s4");
        assert_eq!(p.unwrap().name, "b");
        assert!(t.by_name("a").unwrap().1.is_none());
        assert_eq!(
            t.by_name("zz").unwrap_err().to_string(),
            "Domain snapshot not found: Could not find snapshot with name 'zz'"
        );
        assert_eq!(t.current().unwrap().name, "d");
        let (a, _) = t.by_name("a").unwrap();
        assert_eq!(SnapshotTree::children_names(a, false, false), ["b", "c"]);
        assert_eq!(
            SnapshotTree::children_names(a, true, false),
            ["b", "d", "c"]
        );
        assert_eq!(SnapshotTree::children_names(a, true, true), ["d", "c"]);
        let empty = SnapshotTree::default();
        assert_eq!(
            empty.current().unwrap_err().to_string(),
            "Domain snapshot not found: Domain has no current snapshot"
        );
    }
}
