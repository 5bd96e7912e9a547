//! Snapshot handles: one snapshot of a domain, named after libvirt's `virDomainSnapshot*`.

use crate::domain::Domain;
use crate::error::{Error, Result};

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
        let _ = flags;
        Err(Error::not_yet("virDomainSnapshotGetXMLDesc"))
    }

    /// The parent snapshot (`virDomainSnapshotGetParent`); error when it is a root.
    pub fn get_parent(&self, flags: u32) -> Result<DomainSnapshot<'c>> {
        let _ = flags;
        Err(Error::not_yet("virDomainSnapshotGetParent"))
    }

    /// Number of children (`virDomainSnapshotNumChildren`).
    pub fn num_children(&self, flags: u32) -> Result<usize> {
        Ok(self.list_children_names(flags)?.len())
    }

    /// Names of children, or all descendants with VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS
    /// (`virDomainSnapshotListChildrenNames`).
    pub fn list_children_names(&self, flags: u32) -> Result<Vec<String>> {
        let _ = flags;
        Err(Error::not_yet("virDomainSnapshotListChildrenNames"))
    }

    /// Whether this is the current snapshot (`virDomainSnapshotIsCurrent`).
    pub fn is_current(&self, flags: u32) -> Result<bool> {
        let _ = flags;
        Err(Error::not_yet("virDomainSnapshotIsCurrent"))
    }

    /// Always false: ESX keeps no libvirt metadata (`virDomainSnapshotHasMetadata`).
    pub fn has_metadata(&self, flags: u32) -> Result<bool> {
        let _ = flags;
        Err(Error::not_yet("virDomainSnapshotHasMetadata"))
    }

    /// Reverts the domain to this snapshot (`virDomainRevertToSnapshot`).
    pub fn revert(&self, flags: u32) -> Result<()> {
        let _ = flags;
        Err(Error::not_yet("virDomainRevertToSnapshot"))
    }

    /// Deletes this snapshot, with VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN its subtree, with
    /// CHILDREN_ONLY only the subtree below it (`virDomainSnapshotDelete`).
    pub fn delete(&self, flags: u32) -> Result<()> {
        let _ = flags;
        Err(Error::not_yet("virDomainSnapshotDelete"))
    }
}
