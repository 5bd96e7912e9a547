//! Resolving a vpx:// path (`[folder/...]datacenter/[folder/...]computeresource[/host]`)
//! against the vCenter's folder, datacenter, compute resource and host entities, the way
//! libvirt's ESX driver walks it. The entities come from one property retrieval; the walk
//! itself is local.

use crate::error::{Error, Result};

/// One inventory entity: what the walk needs to know about it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Entity {
    /// Managed object type (`Folder`, `Datacenter`, `ComputeResource`,
    /// `ClusterComputeResource`, `HostSystem`).
    pub kind: String,
    /// Managed object id.
    pub moref: String,
    /// Its name (as the API gives it, percent-escaped).
    pub name: String,
    /// The parent's managed object id.
    pub parent: Option<String>,
    /// Datacenter: its hostFolder.
    pub host_folder: Option<String>,
    /// Datacenter: its vmFolder.
    pub vm_folder: Option<String>,
    /// Datacenter: its datastoreFolder.
    pub datastore_folder: Option<String>,
    /// Compute resource: its root resource pool.
    pub resource_pool: Option<String>,
}

/// Where a vpx:// URI points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPath {
    /// The datacenter.
    pub datacenter: Entity,
    /// Path of the datacenter with its folders (the `dcPath` of `/folder` URLs).
    pub datacenter_path: String,
    /// The compute resource (cluster or standalone).
    pub compute_resource: Entity,
    /// The host system.
    pub host: Entity,
}

fn child<'a>(
    entities: &'a [Entity],
    parent: &str,
    name: &str,
    kinds: &[&str],
) -> Option<&'a Entity> {
    entities.iter().find(|e| {
        e.parent.as_deref() == Some(parent) && e.name == name && kinds.contains(&e.kind.as_str())
    })
}

/// The paths (folders included, `/`-separated, as a vpx:// URI names them) of the entities
/// of `kinds` below `top`, sorted: what a path that named none of them could have named.
fn paths_below(entities: &[Entity], top: &str, kinds: &[&str], through: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![(top.to_string(), String::new())];
    while let Some((parent, prefix)) = stack.pop() {
        for e in entities
            .iter()
            .filter(|e| e.parent.as_deref() == Some(&parent))
        {
            let path = if prefix.is_empty() {
                e.name.clone()
            } else {
                format!("{prefix}/{}", e.name)
            };
            if kinds.contains(&e.kind.as_str()) {
                out.push(path);
            } else if through.contains(&e.kind.as_str()) {
                stack.push((e.moref.clone(), path));
            }
        }
    }
    out.sort();
    out
}

/// libvirt's message for a path item that names nothing, followed by what does exist there
/// (libvirt stops at its message; the list is what a user needs to correct the URI).
fn not_found(message: String, what: &str, candidates: Vec<String>) -> Error {
    let list = if candidates.is_empty() {
        format!("there is no {what}")
    } else {
        let quoted: Vec<String> = candidates.iter().map(|c| format!("'{c}'")).collect();
        format!("{what} that exist: {}", quoted.join(", "))
    };
    Error::internal(format!("{message} ({list})"))
}

/// Walks `path` from `root_folder`. A path item that names nothing fails with libvirt's
/// message and the names that exist at that point of the inventory.
pub fn resolve(path: &str, root_folder: &str, entities: &[Entity]) -> Result<HostPath> {
    let items: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if items.is_empty() {
        return Err(Error::invalid_arg(
            "Path has to specify the datacenter and compute resource",
        ));
    }
    let mut it = items.into_iter().peekable();
    let mut root = root_folder.to_string();
    let mut dc_path: Vec<&str> = Vec::new();
    let mut datacenter = None;
    while datacenter.is_none() {
        let Some(item) = it.next() else { break };
        if let Some(folder) = child(entities, &root, item, &["Folder"]) {
            root = folder.moref.clone();
        } else if let Some(dc) = child(entities, &root, item, &["Datacenter"]) {
            datacenter = Some(dc.clone());
        }
        dc_path.push(item);
    }
    let datacenter = datacenter.ok_or_else(|| {
        not_found(
            format!("Could not find datacenter specified in '{path}'"),
            "datacenters",
            paths_below(entities, root_folder, &["Datacenter"], &["Folder"]),
        )
    })?;
    let mut previous = "";
    if it.peek().is_none() {
        return Err(Error::invalid_arg(format!(
            "Path '{path}' does not specify a compute resource"
        )));
    }
    let mut root = datacenter.host_folder.clone().unwrap_or_default();
    let mut compute = None;
    while compute.is_none() {
        let Some(item) = it.next() else { break };
        if let Some(folder) = child(entities, &root, item, &["Folder"]) {
            root = folder.moref.clone();
        } else if let Some(cr) = child(
            entities,
            &root,
            item,
            &["ComputeResource", "ClusterComputeResource"],
        ) {
            compute = Some(cr.clone());
        }
        previous = item;
    }
    let compute = compute.ok_or_else(|| {
        not_found(
            format!("Could not find compute resource specified in '{path}'"),
            "compute resources",
            paths_below(
                entities,
                datacenter.host_folder.as_deref().unwrap_or_default(),
                &["ComputeResource", "ClusterComputeResource"],
                &["Folder"],
            ),
        )
    })?;
    if compute.resource_pool.is_none() {
        return Err(Error::internal("Could not retrieve resource pool"));
    }
    if compute.kind == "ClusterComputeResource" {
        match it.next() {
            Some(item) => previous = item,
            None => {
                return Err(Error::invalid_arg(format!(
                    "Path '{path}' does not specify a host system"
                )))
            }
        }
    }
    if it.next().is_some() {
        return Err(Error::invalid_arg(format!(
            "Path '{path}' ends with an excess item"
        )));
    }
    let host = child(entities, &compute.moref, previous, &["HostSystem"])
        .cloned()
        .ok_or_else(|| {
            not_found(
                format!("Could not find host system specified in '{path}'"),
                "hosts",
                paths_below(entities, &compute.moref, &["HostSystem"], &[]),
            )
        })?;
    Ok(HostPath {
        datacenter,
        datacenter_path: dc_path.join("/"),
        compute_resource: compute,
        host,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(kind: &str, moref: &str, name: &str, parent: &str) -> Entity {
        Entity {
            kind: kind.into(),
            moref: moref.into(),
            name: name.into(),
            parent: Some(parent.into()),
            ..Default::default()
        }
    }

    fn inventory() -> Vec<Entity> {
        let mut dc = e("Datacenter", "dc-1", "DC0", "f-dcs");
        dc.host_folder = Some("f-host".into());
        dc.vm_folder = Some("f-vm".into());
        let mut cl = e("ClusterComputeResource", "c-1", "C0", "f-sub");
        cl.resource_pool = Some("rp-1".into());
        let mut cr = e("ComputeResource", "cr-2", "esx2.example", "f-host");
        cr.resource_pool = Some("rp-2".into());
        vec![
            e("Folder", "f-dcs", "DCs", "root"),
            dc,
            e("Folder", "f-sub", "Sub", "f-host"),
            cl,
            e("HostSystem", "h-1", "esx1.example", "c-1"),
            cr,
            e("HostSystem", "h-2", "esx2.example", "cr-2"),
        ]
    }

    #[test]
    fn cluster_and_standalone_hosts() {
        let inv = inventory();
        let p = resolve("/DCs/DC0/Sub/C0/esx1.example", "root", &inv).unwrap();
        assert_eq!(p.datacenter.moref, "dc-1");
        assert_eq!(p.datacenter_path, "DCs/DC0");
        assert_eq!(p.compute_resource.moref, "c-1");
        assert_eq!(p.host.moref, "h-1");
        let p = resolve("/DCs/DC0/esx2.example", "root", &inv).unwrap();
        assert_eq!(p.host.moref, "h-2");
        let p = resolve("/DCs/DC0/esx2.example/", "root", &inv).unwrap();
        assert_eq!(p.compute_resource.moref, "cr-2");
    }

    #[test]
    fn errors_follow_libvirt() {
        let inv = inventory();
        let msg = |p: &str| resolve(p, "root", &inv).unwrap_err().to_string();
        assert_eq!(
            msg("/"),
            "invalid argument: Path has to specify the datacenter and compute resource"
        );
        assert_eq!(
            msg("/DCs/nodc/x"),
            "internal error: Could not find datacenter specified in '/DCs/nodc/x' \
             (datacenters that exist: 'DCs/DC0')"
        );
        assert_eq!(
            msg("/DCs/DC0"),
            "invalid argument: Path '/DCs/DC0' does not specify a compute resource"
        );
        assert_eq!(
            msg("/DCs/DC0/Sub/C0"),
            "invalid argument: Path '/DCs/DC0/Sub/C0' does not specify a host system"
        );
        assert_eq!(
            msg("/DCs/DC0/esx2.example/extra"),
            "invalid argument: Path '/DCs/DC0/esx2.example/extra' ends with an excess item"
        );
        assert_eq!(
            msg("/DCs/DC0/Sub/C0/nohost"),
            "internal error: Could not find host system specified in '/DCs/DC0/Sub/C0/nohost' \
             (hosts that exist: 'esx1.example')"
        );
        assert_eq!(
            msg("/DCs/DC0/Sub/nope"),
            "internal error: Could not find compute resource specified in '/DCs/DC0/Sub/nope' \
             (compute resources that exist: 'Sub/C0', 'esx2.example')"
        );
    }
}
