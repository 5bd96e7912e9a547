//! Snapshot handles: one snapshot of a domain, named after libvirt's `virDomainSnapshot*`.

use esxvirt_xml::snapshot::SnapshotState;

use crate::domain::Domain;
use crate::engine::MoRef;
use crate::error::{check_flags, Error, ErrorCode, Result};
use crate::snapshot_tree::SnapshotTree;
use crate::types::DomainState;

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
        let snap = MoRef::new("VirtualMachineSnapshot", &node.moref);
        let snap = &snap;
        self.domain.run_snapshot_task(
            move |c| async move { c.revert_to_snapshot_task(&snap.vi(), None, None).await },
            &format!("Could not revert to snapshot '{}'", self.name),
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
            let snap = MoRef::new("VirtualMachineSnapshot", &t);
            let snap = &snap;
            self.domain.run_snapshot_task(
                move |c| async move {
                    c.remove_snapshot_task(&snap.vi(), remove_children, None)
                        .await
                },
                &format!("Could not delete snapshot '{}'", self.name),
            )?;
        }
        Ok(())
    }
}
