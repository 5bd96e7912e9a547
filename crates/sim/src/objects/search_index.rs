//! `SearchIndex`: finding VMs and hosts by UUID, IP address, DNS name, inventory path,
//! datastore path, and a container's child by name.

use crate::fault::Fault;
use crate::inventory::{PowerState, World};
use crate::object::CallCx;
use crate::value::{MoRef, Value};

use super::entry::{Call, Ids, ManagedType, Reply};

/// The `SearchIndex` type.
pub const TYPE: ManagedType = ManagedType {
    name: "SearchIndex",
    ids: Ids::Service("searchIndex"),
    properties: &[],
    property: |_, _, path| Err(Fault::invalid_property(path)),
    methods: &[
        ("FindByUuid", find),
        ("FindAllByUuid", find),
        ("FindByIp", find),
        ("FindAllByIp", find),
        ("FindByDnsName", find),
        ("FindAllByDnsName", find),
        ("FindByInventoryPath", find),
        ("FindChild", find),
        ("FindByDatastorePath", find),
    ],
};

/// The `Find*` methods: `FindX` answers the first match, `FindAllX` all of them.
fn find(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    search(w, call.method, call.args)
}

fn search(w: &World, method: &str, args: &crate::soap::Element) -> Reply {
    let vm_search = args.bool_of("vmSearch")?.unwrap_or(true);
    let in_dc = |dc: Option<&MoRef>, host: &str| -> bool {
        match dc {
            None => true,
            Some(d) => w.hosts.get(host).is_some_and(|h| h.datacenter == d.value),
        }
    };
    let dc = args.moref_of("datacenter")?;
    match method {
        "FindByUuid" | "FindAllByUuid" => {
            let uuid = args.req_text("uuid")?.to_ascii_lowercase();
            let instance = args.bool_of("instanceUuid")?.unwrap_or(false);
            let found: Vec<MoRef> = if vm_search {
                w.vms
                    .values()
                    .filter(|v| in_dc(dc.as_ref(), &v.host))
                    .filter(|v| {
                        if instance {
                            v.config.instance_uuid == uuid
                        } else {
                            v.config.uuid == uuid
                        }
                    })
                    .map(|v| MoRef::new("VirtualMachine", v.moid.clone()))
                    .collect()
            } else {
                w.hosts
                    .values()
                    .filter(|h| in_dc(dc.as_ref(), &h.moid) && h.hardware.uuid == uuid)
                    .map(|h| MoRef::new("HostSystem", h.moid.clone()))
                    .collect()
            };
            Ok(one_or_all(method, found))
        }
        "FindByIp" | "FindAllByIp" => {
            let ip = args.req_text("ip")?.to_string();
            let found: Vec<MoRef> = if vm_search {
                w.vms
                    .values()
                    .filter(|v| {
                        in_dc(dc.as_ref(), &v.host) && v.power_state == PowerState::PoweredOn
                    })
                    .filter(|v| {
                        v.guest
                            .nics
                            .iter()
                            .any(|n| n.ips.iter().any(|(a, _)| *a == ip))
                    })
                    .map(|v| MoRef::new("VirtualMachine", v.moid.clone()))
                    .collect()
            } else {
                w.hosts
                    .values()
                    .filter(|h| h.management_ip == ip || h.vmknics.iter().any(|k| k.ip == ip))
                    .map(|h| MoRef::new("HostSystem", h.moid.clone()))
                    .collect()
            };
            Ok(one_or_all(method, found))
        }
        "FindByDnsName" | "FindAllByDnsName" => {
            let name = args.req_text("dnsName")?.to_ascii_lowercase();
            let found: Vec<MoRef> = if vm_search {
                w.vms
                    .values()
                    .filter(|v| {
                        v.guest.host_name.as_deref().map(|h| h.to_ascii_lowercase())
                            == Some(name.clone())
                    })
                    .map(|v| MoRef::new("VirtualMachine", v.moid.clone()))
                    .collect()
            } else {
                w.hosts
                    .values()
                    .filter(|h| h.name.to_ascii_lowercase() == name)
                    .map(|h| MoRef::new("HostSystem", h.moid.clone()))
                    .collect()
            };
            Ok(one_or_all(method, found))
        }
        "FindByInventoryPath" => {
            let path = args.req_text("inventoryPath")?;
            Ok(find_by_path(w, path).map(|id| Value::MoRef(w.mo(&id))))
        }
        "FindChild" => {
            let entity = args.req_moref("entity")?;
            let name = args.req_text("name")?;
            Ok(find_child(w, &entity.value, name).map(|id| Value::MoRef(w.mo(&id))))
        }
        "FindByDatastorePath" => {
            let path = args.req_text("path")?;
            Ok(w.vms
                .values()
                .find(|v| v.vmx_path == path && in_dc(dc.as_ref(), &v.host))
                .map(|v| Value::moref("VirtualMachine", v.moid.clone())))
        }
        _ => Err(Fault::method_not_found("SearchIndex", method)),
    }
}

fn one_or_all(method: &str, found: Vec<MoRef>) -> Option<Value> {
    if method.starts_with("FindAll") {
        Some(Value::morefs(found))
    } else {
        found.into_iter().next().map(Value::MoRef)
    }
}

/// The object at an inventory path (`dc1/vm/app01`, `dc1/host/cluster1/esx-01.example.com`).
fn find_by_path(w: &World, path: &str) -> Option<String> {
    let mut cur = w.root_folder.clone();
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        cur = find_child(w, &cur, seg)?;
    }
    Some(cur)
}

fn children_of(w: &World, id: &str) -> Vec<String> {
    if w.folders.contains_key(id) || w.storage_pods.contains_key(id) {
        return w.container_children(id);
    }
    if let Some(dc) = w.datacenters.get(id) {
        return vec![
            dc.vm_folder.clone(),
            dc.host_folder.clone(),
            dc.datastore_folder.clone(),
            dc.network_folder.clone(),
        ];
    }
    if let Some(c) = w.computes.get(id) {
        let mut v = c.hosts.clone();
        v.push(c.resource_pool.clone());
        return v;
    }
    if let Some(p) = w.pools.get(id) {
        let mut v = p.child_pools.clone();
        v.extend(
            w.vms
                .values()
                .filter(|x| x.resource_pool == id)
                .map(|x| x.moid.clone()),
        );
        return v;
    }
    Vec::new()
}

fn find_child(w: &World, parent: &str, name: &str) -> Option<String> {
    // Names are compared in place: a VM folder of 10,000 VMs is searched without copying
    // an id (a real server answers FindChild from an index).
    let named = |c: &String| w.name_ref(c) == Some(name);
    if let Some(f) = w.folders.get(parent) {
        // VMs first, in one pass over the VMs rather than a map lookup per child.
        if let Some(v) = w
            .vms
            .values()
            .find(|v| v.folder == parent && v.config.name == name)
        {
            return Some(v.moid.clone());
        }
        if let Some(c) = f
            .children
            .iter()
            .find(|c| !w.vms.contains_key(c.as_str()) && named(c))
        {
            return Some(c.clone());
        }
        return w.container_children(parent).into_iter().find(named);
    }
    children_of(w, parent).into_iter().find(named)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, refs, TestWorld};
    use crate::value::{MoRef, Value};

    #[test]
    fn finds_by_path_child_uuid_and_dns_name() {
        let mut t = TestWorld::vcenter();
        let app01 = t.vm("app01");
        let found = t
            .call(
                "SearchIndex",
                "SearchIndex",
                "FindByInventoryPath",
                "<inventoryPath>dc1/vm/app01</inventoryPath>",
            )
            .unwrap();
        assert_eq!(found, Some(Value::moref("VirtualMachine", app01.clone())));
        let uuid = t.w.vms[&app01].config.uuid.to_uppercase();
        let by_uuid = t
            .call(
                "SearchIndex",
                "SearchIndex",
                "FindAllByUuid",
                &format!("<uuid>{uuid}</uuid><vmSearch>true</vmSearch>"),
            )
            .unwrap()
            .unwrap();
        assert_eq!(refs(&by_uuid), [format!("VirtualMachine:{app01}")]);
        let host = t.host("esx-01.example.com");
        let child = t
            .call(
                "SearchIndex",
                "SearchIndex",
                "FindChild",
                &format!(
                    "<entity type=\"Folder\">{}</entity><name>dc1</name>",
                    t.w.root_folder
                ),
            )
            .unwrap();
        assert_eq!(
            child
                .and_then(|v| v.as_moref().cloned())
                .map(|m| m.ty.to_string()),
            Some("Datacenter".into())
        );
        let by_dns = t
            .call(
                "SearchIndex",
                "SearchIndex",
                "FindByDnsName",
                "<dnsName>ESX-01.example.com</dnsName><vmSearch>false</vmSearch>",
            )
            .unwrap();
        assert_eq!(by_dns, Some(Value::MoRef(MoRef::new("HostSystem", host))));
        let none = t
            .call(
                "SearchIndex",
                "SearchIndex",
                "FindByInventoryPath",
                "<inventoryPath>dc1/vm/nobody</inventoryPath>",
            )
            .unwrap();
        assert_eq!(none, None);
        assert_eq!(
            fault_type(t.call("SearchIndex", "SearchIndex", "FindByUuid", "")),
            "InvalidRequest"
        );
        assert_eq!(
            fault_type(t.call(
                "SearchIndex",
                "ha-searchindex",
                "FindByUuid",
                "<uuid>x</uuid>"
            )),
            "ManagedObjectNotFound"
        );
    }
}
