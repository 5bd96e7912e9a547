//! Building the property filter specs the retrievals use: one object, or objects reached
//! from a root along traversal steps (folders down to hosts, hosts to their VMs).

use esxvirt_vi::property::traverse;
use esxvirt_vi::props::{compute_resource as cr, datacenter as dc, folder, host_system as host};
use esxvirt_vi::{
    AnySelectionSpec, ManagedObjectReference, ObjectSpec, PropertyFilterSpec, PropertySpec,
};

/// One filter spec: objects from `root` (itself included unless `skip_root`) along `select`,
/// with these property specs.
pub(crate) fn filter(
    root: &ManagedObjectReference,
    skip_root: bool,
    select: Vec<AnySelectionSpec>,
    props: Vec<PropertySpec>,
) -> PropertyFilterSpec {
    PropertyFilterSpec {
        prop_set: props,
        object_set: vec![ObjectSpec {
            obj: root.clone(),
            skip: Some(skip_root),
            select_set: select,
        }],
        report_missing_objects_in_results: None,
    }
}

/// The traversal from a folder down to hosts (folders, datacenters' hostFolder, compute
/// resources' hosts), the hosts going on with the selections named `from_hosts`.
pub(crate) fn host_traversal_then(from_hosts: &[&str]) -> Vec<AnySelectionSpec> {
    vec![
        traverse(
            "folderChildren",
            folder::CHILD_ENTITY,
            &["folderChildren", "dcHosts", "crHosts"],
        ),
        traverse("dcHosts", dc::HOST_FOLDER, &["folderChildren"]),
        traverse("crHosts", cr::HOST, from_hosts),
    ]
}

/// The traversal from a folder down to hosts.
pub(crate) fn host_traversal() -> Vec<AnySelectionSpec> {
    host_traversal_then(&[])
}

/// The traversal step from a host to its VMs.
pub(crate) fn host_vms() -> AnySelectionSpec {
    traverse("hostVms", host::VM, &[])
}

/// [`host_traversal`] continued from every host to its VMs.
pub(crate) fn every_host_vm_traversal() -> Vec<AnySelectionSpec> {
    let mut select = host_traversal_then(&["hostVms"]);
    select.push(host_vms());
    select
}
