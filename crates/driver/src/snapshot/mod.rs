//! Snapshots: [`DomainSnapshot`] handles (one snapshot of a domain, named after libvirt's
//! `virDomainSnapshot*`), the domain's snapshot calls (`virDomainSnapshotCreateXML`,
//! listings, lookups, the current snapshot), and the snapshot tree ([`tree`]) they all read:
//! the VM's `snapshot` properties, through the connection's object cache (so a command's
//! snapshot queries cost one retrieval at most; a snapshot task drops the entry).

use esxvirt_vi::props::{virtual_machine as vm, virtual_machine_snapshot as snapshot};
use esxvirt_vi::{ManagedObjectReference, VirtualMachineSnapshotTree};
use esxvirt_xml::snapshot::SnapshotState;

use crate::connection::engine::tasks::{TaskCall, VmGoal};
use crate::connection::engine::Props;
use crate::domain::Domain;
use crate::error::{check_flags, Error, ErrorCode, Result};
use crate::types::DomainState;

pub mod tree;

use tree::{SnapshotNode, SnapshotTree};

/// Seconds since the Unix epoch of an xsd:dateTime the API sent (0 when unreadable).
fn unix_time(xsd: &str) -> i64 {
    esxvirt_util::datetime::xsd_datetime_to_unix(xsd).unwrap_or(0)
}

/// Seconds since the Unix epoch now.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A snapshot tree as the API gives it, converted.
fn convert_tree(t: &VirtualMachineSnapshotTree) -> SnapshotNode {
    SnapshotNode {
        moref: t.snapshot.value.clone(),
        name: t.name.clone(),
        description: t.description.clone(),
        create_time: unix_time(&t.create_time),
        state: DomainState::from_power_state(t.state.as_str()),
        children: t.child_snapshot_list.iter().map(convert_tree).collect(),
    }
}

/// The VM properties the snapshot tree is made of.
const TREE_PATHS: &[&str] = &[
    vm::SNAPSHOT_ROOT_SNAPSHOT_LIST.path(),
    vm::SNAPSHOT_CURRENT_SNAPSHOT.path(),
];

/// The snapshot tree in a VM's properties (read with [`TREE_PATHS`]).
fn tree_of(p: &Props) -> SnapshotTree {
    SnapshotTree {
        current: p.get(vm::SNAPSHOT_CURRENT_SNAPSHOT).map(|m| m.value),
        roots: p
            .get(vm::SNAPSHOT_ROOT_SNAPSHOT_LIST)
            .unwrap_or_default()
            .iter()
            .map(convert_tree)
            .collect(),
    }
}

/// The reference of snapshot `id`.
fn snapshot_ref(id: &str) -> ManagedObjectReference {
    ManagedObjectReference::new(snapshot::TYPE, id)
}

/// A snapshot of a domain, identified by name (ESX snapshot names are unique per domain as
/// libvirt's ESX driver requires).
#[derive(Debug, Clone)]
pub struct DomainSnapshot<'c> {
    pub(crate) domain: Domain<'c>,
    pub(crate) name: String,
}

impl<'c> DomainSnapshot<'c> {
    pub(crate) fn new(domain: Domain<'c>, name: String) -> DomainSnapshot<'c> {
        DomainSnapshot { domain, name }
    }

    /// The snapshot's name (`virDomainSnapshotGetName`).
    pub fn get_name(&self) -> &str {
        &self.name
    }

    /// The domain it belongs to (`virDomainSnapshotGetDomain`).
    pub fn get_domain(&self) -> &Domain<'c> {
        &self.domain
    }

    /// The snapshot XML (`virDomainSnapshotGetXMLDesc`): name, description, parent, creation
    /// time, state, domain uuid.
    pub fn get_xml_desc(&self, flags: u32) -> Result<String> {
        check_flags(flags, 0, "esxDomainSnapshotGetXMLDesc")?;
        let tree = self.domain.snapshot_tree()?;
        let (node, parent) = tree.by_name(&self.name)?;
        let def = esxvirt_xml::snapshot::DomainSnapshot {
            name: Some(node.name.clone()),
            // The API always has a description (maybe empty); libvirt prints it either way.
            description: Some(node.description.clone()),
            state: SnapshotState::from_vi_power_state(match node.state {
                DomainState::Running => "poweredOn",
                DomainState::Paused => "suspended",
                _ => "poweredOff",
            }),
            parent: parent.map(|p| p.name.clone()),
            creation_time: Some(node.create_time),
            domain_uuid: Some(self.domain.get_uuid_string()),
            ..Default::default()
        };
        Ok(def.to_xml())
    }

    /// The parent snapshot (`virDomainSnapshotGetParent`); error when it is a root.
    pub fn get_parent(&self, flags: u32) -> Result<DomainSnapshot<'c>> {
        check_flags(flags, 0, "esxDomainSnapshotGetParent")?;
        let tree = self.domain.snapshot_tree()?;
        let (node, parent) = tree.by_name(&self.name)?;
        match parent {
            Some(p) => Ok(DomainSnapshot::new(self.domain.clone(), p.name.clone())),
            None => Err(Error::new(
                ErrorCode::NoDomainSnapshot,
                format!("snapshot '{}' does not have a parent", node.name),
            )),
        }
    }

    /// Number of children (`virDomainSnapshotNumChildren`).
    pub fn num_children(&self, flags: u32) -> Result<usize> {
        Ok(self.list_children_names(flags)?.len())
    }

    /// Names of children, or all descendants with VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS
    /// (`virDomainSnapshotListChildrenNames`).
    pub fn list_children_names(&self, flags: u32) -> Result<Vec<String>> {
        use crate::flags::snapshot_list as f;
        check_flags(
            flags,
            f::DESCENDANTS | f::METADATA | f::LEAVES,
            "esxDomainSnapshotListChildrenNames",
        )?;
        let tree = self.domain.snapshot_tree()?;
        let (node, _) = tree.by_name(&self.name)?;
        if flags & f::METADATA != 0 {
            return Ok(Vec::new());
        }
        Ok(SnapshotTree::children_names(
            node,
            flags & f::DESCENDANTS != 0,
            flags & f::LEAVES != 0,
        ))
    }

    /// Whether this is the current snapshot (`virDomainSnapshotIsCurrent`).
    pub fn is_current(&self, flags: u32) -> Result<bool> {
        check_flags(flags, 0, "esxDomainSnapshotIsCurrent")?;
        let tree = self.domain.snapshot_tree()?;
        tree.by_name(&self.name)?;
        Ok(tree.current()?.name == self.name)
    }

    /// Always false: ESX keeps no libvirt metadata (`virDomainSnapshotHasMetadata`).
    pub fn has_metadata(&self, flags: u32) -> Result<bool> {
        check_flags(flags, 0, "esxDomainSnapshotHasMetadata")?;
        self.domain.snapshot_tree()?.by_name(&self.name)?;
        Ok(false)
    }

    /// Reverts the domain to this snapshot (`virDomainRevertToSnapshot`).
    pub fn revert(&self, flags: u32) -> Result<()> {
        check_flags(flags, 0, "esxDomainRevertToSnapshot")?;
        let tree = self.domain.snapshot_tree()?;
        let (node, _) = tree.by_name(&self.name)?;
        let snap = &snapshot_ref(&node.moref);
        let is_current = |p: &Props| tree_of(p).current.as_deref() == Some(&snap.value);
        self.domain.run_snapshot_task(
            move |c| async move { c.revert_to_snapshot_task(snap, None, None).await },
            &format!("Could not revert to snapshot '{}'", self.name),
            self.domain.goal(
                &format!("reverting to snapshot '{}' of", self.name),
                "snapshot-current",
                Some(&is_current),
            ),
        )
    }

    /// Deletes this snapshot, with VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN its subtree
    /// (`virDomainSnapshotDelete`). CHILDREN_ONLY is refused as libvirt's ESX driver does.
    pub fn delete(&self, flags: u32) -> Result<()> {
        use crate::flags::snapshot_delete as f;
        check_flags(
            flags,
            f::CHILDREN | f::METADATA_ONLY,
            "esxDomainSnapshotDelete",
        )?;
        let tree = self.domain.snapshot_tree()?;
        let (node, _) = tree.by_name(&self.name)?;
        if flags & f::METADATA_ONLY != 0 {
            return Ok(());
        }
        let targets = vec![node.moref.clone()];
        let remove_children = flags & f::CHILDREN != 0;
        for t in targets {
            let snap = &snapshot_ref(&t);
            let gone = |p: &Props| !tree_of(p).contains_moref(&snap.value);
            self.domain.run_snapshot_task(
                move |c| async move { c.remove_snapshot_task(snap, remove_children, None).await },
                &format!("Could not delete snapshot '{}'", self.name),
                self.domain.goal(
                    &format!("deleting snapshot '{}' of", self.name),
                    "snapshot-list",
                    Some(&gone),
                ),
            )?;
        }
        Ok(())
    }
}

impl<'c> Domain<'c> {
    /// Runs a task on a snapshot of this VM (revert, remove) with the VM's question handling;
    /// `goal` tells from the snapshot tree (see [`TREE_PATHS`]) that it is done.
    fn run_snapshot_task<S, Fut>(&self, start: S, fail: &str, goal: VmGoal<'_>) -> Result<()>
    where
        S: Fn(esxvirt_vi::Client) -> Fut,
        Fut: TaskCall,
    {
        self.run_task(TREE_PATHS, |_| Ok(()), |c, _vm| start(c), fail, goal)
            .map(|_| ())
    }

    /// The snapshot tree (one retrieval at most: the object cache serves it until a
    /// snapshot task or any other change drops the VM's entry).
    pub(crate) fn snapshot_tree(&self) -> Result<SnapshotTree> {
        Ok(tree_of(&self.props(TREE_PATHS, "snapshot tree")?))
    }

    /// Creates a snapshot from snapshot XML (`virDomainSnapshotCreateXML`).
    pub fn snapshot_create_xml(&self, xml: &str, flags: u32) -> Result<DomainSnapshot<'c>> {
        use crate::flags::snapshot_create as f;
        check_flags(
            flags,
            f::DISK_ONLY | f::QUIESCE | f::NO_METADATA | f::VALIDATE,
            "esxDomainSnapshotCreateXML",
        )?;
        let mut def =
            esxvirt_xml::snapshot::DomainSnapshot::from_xml(xml).map_err(crate::error::xml_err)?;
        if !def.disks.is_empty() {
            return Err(Error::new(
                ErrorCode::ConfigUnsupported,
                "disk snapshots not supported yet",
            ));
        }
        let now = now();
        def.prepare_for_create(now);
        let name = def.name.clone().unwrap_or_else(|| now.to_string());
        let tree = self.snapshot_tree()?;
        if tree.contains(&name) {
            return Err(Error::operation_invalid(format!(
                "Snapshot '{name}' already exists"
            )));
        }
        let description = def.description.clone();
        let (memory, quiesce) = (flags & f::DISK_ONLY == 0, flags & f::QUIESCE != 0);
        let (n, d) = (&name, &description);
        let made = |p: &Props| tree_of(p).contains(n);
        self.run_task(
            TREE_PATHS,
            |_| Ok(()),
            |c, vm_ref| async move {
                c.create_snapshot_task(&vm_ref, n, d.as_deref(), memory, quiesce)
                    .await
            },
            "Could not create snapshot",
            self.goal(
                &format!("creating snapshot '{name}' of"),
                "snapshot-list",
                Some(&made),
            ),
        )?;
        Ok(DomainSnapshot::new(self.clone(), name))
    }

    /// Number of snapshots (`virDomainSnapshotNum`).
    pub fn snapshot_num(&self, flags: u32) -> Result<usize> {
        use crate::flags::snapshot_list as f;
        check_flags(
            flags,
            f::ROOTS | f::METADATA | f::LEAVES,
            "esxDomainSnapshotNum",
        )?;
        Ok(self.snapshot_list_names(flags)?.len())
    }

    /// Names of snapshots (`virDomainSnapshotListNames`): all, or roots / leaves per flags,
    /// in libvirt's order (depth first).
    pub fn snapshot_list_names(&self, flags: u32) -> Result<Vec<String>> {
        use crate::flags::snapshot_list as f;
        check_flags(
            flags,
            f::ROOTS | f::METADATA | f::LEAVES,
            "esxDomainSnapshotListNames",
        )?;
        if flags & f::METADATA != 0 {
            return Ok(Vec::new());
        }
        let tree = self.snapshot_tree()?;
        Ok(tree.names(flags & f::ROOTS == 0, flags & f::LEAVES != 0))
    }

    /// Snapshots as handles (`virDomainListAllSnapshots`).
    pub fn list_all_snapshots(&self, flags: u32) -> Result<Vec<DomainSnapshot<'c>>> {
        Ok(self
            .snapshot_list_names(flags)?
            .into_iter()
            .map(|name| DomainSnapshot::new(self.clone(), name))
            .collect())
    }

    /// The snapshot with this name (`virDomainSnapshotLookupByName`).
    pub fn snapshot_lookup_by_name(&self, name: &str, flags: u32) -> Result<DomainSnapshot<'c>> {
        check_flags(flags, 0, "esxDomainSnapshotLookupByName")?;
        self.snapshot_tree()?.by_name(name)?;
        Ok(DomainSnapshot::new(self.clone(), name.to_string()))
    }

    /// Whether there is a current snapshot (`virDomainHasCurrentSnapshot`).
    pub fn has_current_snapshot(&self, flags: u32) -> Result<bool> {
        check_flags(flags, 0, "esxDomainHasCurrentSnapshot")?;
        Ok(self.snapshot_tree()?.current.is_some())
    }

    /// The current snapshot (`virDomainSnapshotCurrent`).
    pub fn snapshot_current(&self, flags: u32) -> Result<DomainSnapshot<'c>> {
        check_flags(flags, 0, "esxDomainSnapshotCurrent")?;
        let tree = self.snapshot_tree()?;
        let name = tree.current()?.name.clone();
        Ok(DomainSnapshot::new(self.clone(), name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_times_are_unix_seconds() {
        assert_eq!(unix_time("2024-01-02T03:04:05Z"), 1_704_164_645);
        assert_eq!(unix_time("2024-01-02T04:04:05+01:00"), 1_704_164_645);
        assert_eq!(unix_time("yesterday"), 0);
        assert!(now() > 1_704_164_645);
    }
}
