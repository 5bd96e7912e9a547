//! `Folder`: the inventory's containers of datacenters, hosts, VMs, datastores and networks
//! (`childEntity`, `childType`), renaming and destroying; the methods that add containers
//! are in [`containers`], those that add VMs in [`vm`].

pub(super) mod containers;
mod vm;

use crate::inventory::World;
use crate::value::Value;

use super::common::{destroy_task, entity_or_invalid, rename_task, split_path, walk};
use super::entry::{Ids, ManagedType, Reply};

/// The `Folder` type.
pub const TYPE: ManagedType = ManagedType {
    name: "Folder",
    ids: Ids::Records(|w, id| w.folders.contains_key(id)),
    properties: &[
        "name",
        "parent",
        "childEntity",
        "childType",
        "overallStatus",
    ],
    property,
    methods: &[
        ("CreateFolder", containers::create_folder),
        ("CreateDatacenter", containers::create_datacenter),
        ("CreateClusterEx", containers::create_cluster),
        ("CreateCluster", containers::create_cluster),
        ("AddStandaloneHost_Task", containers::add_standalone_host),
        ("CreateStoragePod", containers::create_storage_pod),
        ("CreateDVS_Task", containers::create_dvs),
        ("MoveIntoFolder_Task", containers::move_into_folder),
        ("Rename_Task", rename_task),
        ("Destroy_Task", destroy_task),
        ("RegisterVM_Task", vm::register_vm),
        ("CreateVM_Task", vm::create_vm),
    ],
};

fn property(w: &World, id: &str, path: &str) -> Reply {
    let (head, rest) = split_path(path);
    let top = match head {
        "childEntity" => Some(w.mos(w.container_children(id).iter())),
        "childType" => Some(Value::strings(
            w.folders
                .get(id)
                .map(|f| f.child_type.clone())
                .unwrap_or_default(),
        )),
        h => entity_or_invalid(w, id, h, path)?,
    };
    walk(top, rest)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, refs, TestWorld};
    use crate::value::Value;

    #[test]
    fn children_and_new_folders() {
        let mut t = TestWorld::vcenter();
        let root = t.w.root_folder.clone();
        assert_eq!(
            refs(&t.get("Folder", &root, "childEntity")),
            ["Datacenter:datacenter-2"]
        );
        let vm_folder = t.w.datacenters["datacenter-2"].vm_folder.clone();
        let kinds = t.get("Folder", &vm_folder, "childType");
        assert!(kinds
            .as_array()
            .unwrap()
            .contains(&Value::str("VirtualMachine")));
        let made = t
            .call("Folder", &vm_folder, "CreateFolder", "<name>Staging</name>")
            .unwrap()
            .unwrap();
        let id = made.as_moref().unwrap().value.clone();
        assert_eq!(t.get("Folder", &id, "name"), Value::str("Staging"));
        assert_eq!(
            t.get("Folder", &id, "parent"),
            Value::moref("Folder", vm_folder.clone())
        );
        assert!(refs(&t.get("Folder", &vm_folder, "childEntity")).contains(&format!("Folder:{id}")));
        // The same name again, a missing name, an unknown property.
        let again = t.call("Folder", &vm_folder, "CreateFolder", "<name>Staging</name>");
        assert_eq!(fault_type(again), "DuplicateName");
        assert_eq!(
            fault_type(t.call("Folder", &vm_folder, "CreateFolder", "")),
            "InvalidRequest"
        );
        assert_eq!(
            fault_type(t.read("Folder", &id, "noSuchThing")),
            "InvalidProperty"
        );
    }

    #[test]
    fn register_vm_reads_the_vmx_back() {
        let mut t = TestWorld::esx();
        let vm = t.vm("tiny");
        let path = t.w.vms[&vm].vmx_path.clone();
        t.call("VirtualMachine", &vm, "UnregisterVM", "").unwrap();
        assert!(t.w.vm_by_name("tiny").is_none());
        let args = format!("<path>{path}</path><asTemplate>false</asTemplate>");
        let made = t
            .run("Folder", "ha-folder-vm", "RegisterVM_Task", &args)
            .unwrap();
        let id = made.unwrap().as_moref().unwrap().value.clone();
        assert_eq!(t.get("VirtualMachine", &id, "name"), Value::str("tiny"));
        // Registered twice, or from a file that is not there.
        assert_eq!(
            fault_type(t.run("Folder", "ha-folder-vm", "RegisterVM_Task", &args)),
            "AlreadyExists"
        );
        let missing = "<path>[datastore1] nowhere/nowhere.vmx</path>";
        assert_eq!(
            fault_type(t.run("Folder", "ha-folder-vm", "RegisterVM_Task", missing)),
            "FileNotFound"
        );
    }

    #[test]
    fn a_vcenter_registers_into_a_pool_only() {
        let mut t = TestWorld::vcenter();
        let vm_folder = t.w.datacenters["datacenter-2"].vm_folder.clone();
        let args = "<path>[shared-vmfs] x/x.vmx</path><asTemplate>false</asTemplate>";
        assert_eq!(
            fault_type(t.call("Folder", &vm_folder, "RegisterVM_Task", args)),
            "InvalidArgument"
        );
        let bad_pool = "<path>[shared-vmfs] x/x.vmx</path><asTemplate>false</asTemplate><pool type=\"ResourcePool\">resgroup-999</pool>";
        assert_eq!(
            fault_type(t.call("Folder", &vm_folder, "RegisterVM_Task", bad_pool)),
            "ManagedObjectNotFound"
        );
    }
}
