//! The managed objects of the world, one file per managed object type, and the
//! registration table ([`TYPES`]) through which `impl Inventory for World` finds each
//! type's id recognition, property reader and methods.
//!
//! Adding a managed object type: a file exporting `pub const TYPE: ManagedType` (see
//! [`entry`]) and one line in [`TYPES`]. Adding a method: a handler in the type's file and
//! one line in its `methods`.
//!
//! Property values use exact VI type names and, for the types libvirt's ESX driver decodes,
//! exactly the fields libvirt knows (its decoder warns on unknown fields and rejects missing
//! required ones), so Debian's virsh runs against the simulator as quietly as against a host;
//! `tests/govmomi_types.rs` checks every name against govmomi's declarations.

mod authorization_manager;
mod common;
mod compute_resource;
mod custom_fields_manager;
mod customization_spec_manager;
mod datacenter;
mod datastore;
mod datastore_browser;
mod datastore_namespace_manager;
mod diagnostic_manager;
mod distributed_virtual_portgroup;
mod distributed_virtual_switch;
pub mod entry;
mod environment_browser;
mod event_manager;
mod file_manager;
mod folder;
mod guest_os;
mod host_autostart_manager;
mod host_datastore_system;
mod host_firewall_system;
mod host_local_account_manager;
mod host_network_system;
mod host_storage_system;
mod host_system;
mod license_manager;
mod localization_manager;
mod network;
mod option_manager;
mod ovf_manager;
mod performance_manager;
mod resource_pool;
mod search_index;
mod storage_pod;
mod storage_resource_manager;
#[cfg(test)]
mod testing;
mod user_directory;
mod virtual_disk_manager;
mod vm;
mod vm_snapshot;
mod vstorage_object_manager;

use std::path::Path;

use crate::fault::Fault;
use crate::inventory::World;
use crate::object::{CallCx, FileRequest, FileResponse, Inventory, Reply};
use crate::property_collector::is_a;
use crate::soap::Element;
use crate::value::{MoRef, Value};

use entry::{Call, ManagedType};

pub(crate) use vm::config_spec::recorded_devices;

/// Every managed object type the world serves (the core serves the service objects:
/// `ServiceInstance`, `SessionManager`, `PropertyCollector`, views and tasks).
pub const TYPES: &[&ManagedType] = &[
    &folder::TYPE,
    &datacenter::TYPE,
    &compute_resource::TYPE,
    &compute_resource::CLUSTER_TYPE,
    &resource_pool::TYPE,
    &resource_pool::VAPP_TYPE,
    &host_system::TYPE,
    &host_network_system::TYPE,
    &host_storage_system::TYPE,
    &host_datastore_system::TYPE,
    &host_autostart_manager::TYPE,
    &host_firewall_system::TYPE,
    &datastore::TYPE,
    &datastore_browser::TYPE,
    &network::TYPE,
    &distributed_virtual_switch::TYPE,
    &distributed_virtual_portgroup::TYPE,
    &vm::TYPE,
    &vm_snapshot::TYPE,
    &search_index::TYPE,
    &file_manager::TYPE,
    &virtual_disk_manager::TYPE,
    &performance_manager::TYPE,
    &environment_browser::TYPE,
    &storage_pod::TYPE,
    &option_manager::TYPE,
    &authorization_manager::TYPE,
    &custom_fields_manager::TYPE,
    &license_manager::TYPE,
    &diagnostic_manager::TYPE,
    &ovf_manager::TYPE,
    &user_directory::TYPE,
    &localization_manager::TYPE,
    &host_local_account_manager::TYPE,
    &datastore_namespace_manager::TYPE,
    &storage_resource_manager::TYPE,
    &vstorage_object_manager::TYPE,
    &customization_spec_manager::TYPE,
    &event_manager::TYPE,
];

/// The table entry of managed object type `name`.
pub fn managed_type(name: &str) -> Option<&'static ManagedType> {
    TYPES.iter().copied().find(|t| t.name == name)
}

impl World {
    /// The ref of any inventory object by id (type looked up).
    pub(crate) fn mo(&self, moid: &str) -> MoRef {
        MoRef::new(
            self.type_of(moid).unwrap_or("ManagedEntity"),
            moid.to_string(),
        )
    }

    /// References of several inventory objects.
    pub(crate) fn mos<'a>(&self, ids: impl IntoIterator<Item = &'a String>) -> Value {
        Value::morefs(ids.into_iter().map(|i| self.mo(i)))
    }

    /// The table entry of `obj`, a reference typed as a supertype (`ManagedEntity`) resolved
    /// to the object's own type.
    fn entry_of(&self, obj: &MoRef) -> Option<&'static ManagedType> {
        if let Some(actual) = self.type_of(&obj.value) {
            // A reference typed as a supertype (or as `ManagedEntity`) finds its object.
            if actual != obj.ty && (obj.ty == "ManagedEntity" || is_a(actual, &obj.ty)) {
                return managed_type(actual);
            }
        }
        managed_type(&obj.ty)
    }
}

impl Inventory for World {
    fn about(&self) -> Value {
        let a = &self.about;
        Value::obj("AboutInfo")
            .with("name", Value::str(&a.name))
            .with("fullName", Value::str(&a.full_name))
            .with("vendor", Value::str(&a.vendor))
            .with("version", Value::str(&a.version))
            .with("build", Value::str(&a.build))
            .with("localeVersion", Value::str(&a.locale_version))
            .with("localeBuild", Value::str(&a.locale_build))
            .with("osType", Value::str(&a.os_type))
            .with("productLineId", Value::str(&a.product_line_id))
            .with("apiType", Value::str(&a.api_type))
            .with("apiVersion", Value::str(&a.api_version))
            .with_opt("instanceUuid", a.instance_uuid.clone().map(Value::Str))
            .with("licenseProductName", Value::str(&a.license_product_name))
            .with(
                "licenseProductVersion",
                Value::str(&a.license_product_version),
            )
    }

    fn root_folder(&self) -> MoRef {
        MoRef::new("Folder", self.root_folder.clone())
    }

    fn exists(&self, obj: &MoRef) -> bool {
        match self.entry_of(obj) {
            Some(t) => t.ids.contains(self, &obj.value),
            None => false,
        }
    }

    fn property(&self, obj: &MoRef, path: &str) -> Reply {
        match self.entry_of(obj) {
            Some(t) if self.exists(obj) => (t.property)(self, &obj.value, path),
            _ => Err(Fault::not_found(obj)),
        }
    }

    fn property_names(&self, obj: &MoRef) -> Vec<&'static str> {
        self.entry_of(obj)
            .map(|t| t.properties.to_vec())
            .unwrap_or_default()
    }

    fn change_stamp(&self) -> Option<u64> {
        Some(crate::inventory::change_clock())
    }

    fn unchanged_since(&self, obj: &MoRef, stamp: u64) -> bool {
        obj.ty == "VirtualMachine" && self.vm_unchanged_since(&obj.value, stamp)
    }

    fn invoke(&mut self, cx: &mut CallCx<'_>, this: &MoRef, method: &str, args: &Element) -> Reply {
        if !self.exists(this) {
            return Err(Fault::not_found(this));
        }
        if !crate::object::is_read_only_method(method) {
            self.note_call(&this.ty, &this.value);
        }
        match self.entry_of(this).and_then(|t| t.method(method)) {
            Some(handler) => handler(self, cx, &Call { this, method, args }),
            None => Err(Fault::method_not_found(&this.ty, method)),
        }
    }

    fn http_folder(&mut self, req: &FileRequest<'_>) -> FileResponse {
        self.note_change();
        crate::files::folder(self, req)
    }

    fn http_screen(&self, req: &FileRequest<'_>) -> FileResponse {
        crate::files::screen(self, req)
    }

    fn lists_all_managers(&self) -> bool {
        self.all_managers
    }

    fn save_state(&self, path: &Path) -> Result<(), String> {
        self.save(path).map_err(|e| e.to_string())
    }

    fn load_state(&mut self, path: &Path) -> Result<(), String> {
        self.note_change();
        self.reload(path).map_err(|e| e.to_string())
    }

    fn restore_tasks(&mut self, tasks: &mut crate::task::Tasks, user: &str) {
        self.restore_pending_tasks(tasks, user);
    }
}

impl World {
    /// Re-creates, in a fresh task store, the power-on tasks that questions block: a world
    /// loaded from a state file has VMs waiting for an answer, and a real host still shows
    /// their power-on as a running (non-cancelable) task in `recentTask`. Call once after
    /// loading a world, before serving.
    pub fn restore_pending_tasks(&mut self, tasks: &mut crate::task::Tasks, user: &str) {
        let waiting: Vec<(String, String)> = self
            .vms
            .values()
            .filter(|v| v.pending_task.is_none())
            .filter(|v| v.question.as_ref().is_some_and(|q| q.purpose == "power-on"))
            .map(|v| (v.moid.clone(), v.config.name.clone()))
            .collect();
        for (id, name) in waiting {
            let t = tasks.create(
                crate::task::TaskSpec {
                    entity: Some(MoRef::new("VirtualMachine", id.clone())),
                    entity_name: Some(name),
                    name: "PowerOnVM_Task".into(),
                    description_id: "VirtualMachine.powerOn".into(),
                    cancelable: false,
                },
                user,
            );
            if let Some(vm) = self.vms.get_mut(&id) {
                vm.pending_task = Some(t.value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::TestWorld;
    use super::*;

    /// Every object of a world: its type as the world's records say, and its id.
    fn objects(t: &TestWorld) -> Vec<(String, String)> {
        let w = &t.w;
        let mut out: Vec<(String, String)> = Vec::new();
        for id in w.entity_ids() {
            out.push((w.type_of(id).unwrap().to_string(), id.clone()));
        }
        for v in w.vms.values() {
            for s in crate::inventory::all_snapshots(&v.snapshots) {
                out.push(("VirtualMachineSnapshot".into(), s.moid.clone()));
            }
        }
        for h in w.hosts.keys() {
            for t in TYPES {
                if let entry::Ids::PerHost { .. } = t.ids {
                    out.push((t.name.to_string(), t.ids.for_host(w, h)));
                }
            }
            out.push((
                "HostDatastoreBrowser".into(),
                datastore_browser::browser_id(w, h),
            ));
        }
        for t in TYPES {
            // A manager only one kind of server has.
            if let entry::Ids::Service(_) = t.ids {
                let id = t.ids.singleton(w);
                if !id.is_empty() {
                    out.push((t.name.to_string(), id));
                }
            }
        }
        out
    }

    #[test]
    fn one_entry_per_type_and_method() {
        for (i, t) in TYPES.iter().enumerate() {
            assert!(
                TYPES[i + 1..].iter().all(|u| u.name != t.name),
                "{} twice",
                t.name
            );
            for (j, (m, _)) in t.methods.iter().enumerate() {
                assert!(
                    t.methods[j + 1..].iter().all(|(n, _)| n != m),
                    "{}.{m} twice",
                    t.name
                );
            }
            assert_eq!(managed_type(t.name).map(|e| e.name), Some(t.name));
        }
        assert!(managed_type("ServiceInstance").is_none());
    }

    #[test]
    fn every_object_is_its_own_type_only_and_reads_all_its_properties() {
        for t in [TestWorld::esx(), TestWorld::vcenter()] {
            let all = objects(&t);
            assert!(all.len() > 30, "{} objects", all.len());
            for (ty, id) in &all {
                let obj = MoRef::new(ty.clone(), id.clone());
                assert!(t.w.exists(&obj), "{ty}:{id} does not exist");
                assert!(
                    t.w.exists(&MoRef::new("ManagedEntity", id.clone()))
                        == t.w.type_of(id).is_some(),
                    "{ty}:{id} as ManagedEntity"
                );
                for other in TYPES {
                    if other.name != ty {
                        assert!(
                            !other.ids.contains(&t.w, id),
                            "{ty}:{id} is also a {}",
                            other.name
                        );
                    }
                }
                for p in t.w.property_names(&obj) {
                    if let Err(f) = t.w.property(&obj, p) {
                        panic!("{ty}:{id}.{p}: {f:?}");
                    }
                }
            }
        }
    }
}
