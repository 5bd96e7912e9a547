//! The managed objects of the world: `impl Inventory for World`, dispatching property reads
//! and method calls by VI type to the modules that know each type.
//!
//! Property values use exact VI type names and, for the types libvirt's ESX driver decodes,
//! exactly the fields libvirt knows (its decoder warns on unknown fields and rejects missing
//! required ones), so Debian's virsh runs against the simulator as quietly as against a host.

mod containers;
mod host;
mod perf;
mod storage;
mod vm;

use std::path::Path;

use crate::fault::Fault;
use crate::inventory::{InvError, ServerKind, World};
use crate::object::{CallCx, FileRequest, FileResponse, Inventory};
use crate::soap::Element;
use crate::value::{MoRef, Value};

/// Managed-object ids of the singleton managers the world serves (ServiceContent points at
/// them): ESX ids first, vCenter ids second.
pub const PERF_MANAGER: (&str, &str) = ("ha-perfmgr", "PerfMgr");
/// SearchIndex ids.
pub const SEARCH_INDEX: (&str, &str) = ("ha-searchindex", "SearchIndex");
/// FileManager ids.
pub const FILE_MANAGER: (&str, &str) = ("ha-nfc-file-manager", "FileManager");
/// VirtualDiskManager ids.
pub const VDISK_MANAGER: (&str, &str) = ("ha-vdiskmanager", "VirtualDiskManager");

impl World {
    pub(crate) fn singleton(&self, ids: (&str, &str)) -> String {
        match self.kind {
            ServerKind::Esx => ids.0.to_string(),
            ServerKind::Vcenter => ids.1.to_string(),
        }
    }

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
}

/// Maps an inventory error to the fault a real server sends.
pub(crate) fn fault_of(e: InvError, this: &MoRef) -> Fault {
    match e {
        InvError::NotFound(what) => Fault::not_found_named(format!("{what} not found")),
        InvError::InvalidPowerState { current, requested } => {
            Fault::invalid_power_state(requested.map(|r| r.as_str()), current.as_str())
        }
        InvError::InvalidState(m) => Fault::invalid_state(m),
        InvError::DuplicateName(n) => Fault::duplicate_name(&n, this),
        InvError::AlreadyExists(n) => Fault::already_exists(&n),
        InvError::FileNotFound(f) => Fault::file_not_found(&f),
        InvError::FileAlreadyExists(f) => Fault::file_already_exists(&f),
        InvError::InvalidDatastorePath(p) => Fault::new(
            "InvalidDatastorePath",
            format!("Invalid datastore path '{p}'."),
        )
        .with("datastorePath", Value::str(p)),
        InvError::InvalidDatastore(d) => {
            Fault::new("InvalidDatastore", format!("Invalid datastore '{d}'."))
                .with("name", Value::str(d))
        }
        InvError::InvalidArgument(a) => Fault::invalid_argument(&a),
        InvError::InvalidVmx { path, reason } => Fault::new(
            "InvalidArgument",
            format!("Invalid configuration for device '{path}': {reason}"),
        )
        .with("invalidProperty", Value::str("path")),
        InvError::ToolsUnavailable => Fault::new(
            "ToolsUnavailable",
            "Operation failed since VMware tools are not running in this virtual machine.",
        ),
        InvError::Io(m) => Fault::system_error(m),
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
        match obj.ty.as_ref() {
            "VirtualMachine" => self.vms.contains_key(&obj.value),
            "HostSystem" => self.hosts.contains_key(&obj.value),
            "Datastore" => self.datastores.contains_key(&obj.value),
            "Folder" => self.folders.contains_key(&obj.value),
            "Datacenter" => self.datacenters.contains_key(&obj.value),
            "ComputeResource" | "ClusterComputeResource" => self.computes.contains_key(&obj.value),
            "ResourcePool" => self.pools.contains_key(&obj.value),
            "Network" => self.networks.contains_key(&obj.value),
            "VirtualMachineSnapshot" => self.find_snapshot(&obj.value).is_some(),
            "HostNetworkSystem"
            | "HostStorageSystem"
            | "HostAutoStartManager"
            | "HostDatastoreSystem"
            | "HostDatastoreBrowser"
            | "HostFirewallSystem" => {
                host::manager_host(self, obj).is_some()
                    || (obj.ty == "HostDatastoreBrowser" && storage::browser_ok(self, &obj.value))
            }
            "PerformanceManager" => obj.value == self.singleton(PERF_MANAGER),
            "SearchIndex" => obj.value == self.singleton(SEARCH_INDEX),
            "FileManager" => obj.value == self.singleton(FILE_MANAGER),
            "VirtualDiskManager" => obj.value == self.singleton(VDISK_MANAGER),
            // A reference typed as a supertype still finds its object.
            "ManagedEntity" => self.type_of(&obj.value).is_some(),
            _ => false,
        }
    }

    fn property(&self, obj: &MoRef, path: &str) -> Result<Option<Value>, Fault> {
        if !self.exists(obj) {
            return Err(Fault::not_found(obj));
        }
        let ty: &str = if obj.ty == "ManagedEntity" {
            self.type_of(&obj.value).unwrap_or("ManagedEntity")
        } else {
            obj.ty.as_ref()
        };
        match ty {
            "VirtualMachine" => vm::property(self, &obj.value, path),
            "HostSystem" => host::property(self, &obj.value, path),
            "Datastore" => storage::datastore_property(self, &obj.value, path),
            "HostNetworkSystem"
            | "HostStorageSystem"
            | "HostAutoStartManager"
            | "HostDatastoreSystem"
            | "HostFirewallSystem" => host::manager_property(self, obj, path),
            "HostDatastoreBrowser" => storage::browser_property(self, obj, path),
            "PerformanceManager" => perf::property(self, path),
            "SearchIndex" | "FileManager" | "VirtualDiskManager" => {
                Err(Fault::invalid_property(path))
            }
            "VirtualMachineSnapshot" => vm::snapshot_property(self, &obj.value, path),
            _ => containers::property(self, ty, &obj.value, path),
        }
    }

    fn property_names(&self, obj: &MoRef) -> Vec<&'static str> {
        let ty: &str = if obj.ty == "ManagedEntity" {
            self.type_of(&obj.value).unwrap_or("ManagedEntity")
        } else {
            obj.ty.as_ref()
        };
        match ty {
            "VirtualMachine" => vm::PROPERTY_NAMES.to_vec(),
            "HostSystem" => host::PROPERTY_NAMES.to_vec(),
            "Datastore" => storage::DATASTORE_PROPERTY_NAMES.to_vec(),
            "HostNetworkSystem" => vec!["networkInfo", "networkConfig", "capabilities"],
            "HostStorageSystem" => vec!["storageDeviceInfo", "fileSystemVolumeInfo"],
            "HostAutoStartManager" => vec!["config"],
            "HostDatastoreBrowser" => vec!["datastore", "supportedType"],
            "PerformanceManager" => vec!["description", "historicalInterval", "perfCounter"],
            "VirtualMachineSnapshot" => vec!["config", "childSnapshot", "vm"],
            other => containers::property_names(other),
        }
    }

    fn invoke(
        &mut self,
        cx: &mut CallCx<'_>,
        this: &MoRef,
        method: &str,
        args: &Element,
    ) -> Result<Option<Value>, Fault> {
        if !self.exists(this) {
            return Err(Fault::not_found(this));
        }
        let ty = this.ty.to_string();
        match ty.as_str() {
            "VirtualMachine" => vm::invoke(self, cx, this, method, args),
            "VirtualMachineSnapshot" => vm::invoke_snapshot(self, cx, this, method, args),
            "Folder"
            | "Datacenter"
            | "ResourcePool"
            | "ComputeResource"
            | "ClusterComputeResource"
            | "Network" => containers::invoke(self, cx, this, method, args),
            "HostSystem"
            | "HostNetworkSystem"
            | "HostStorageSystem"
            | "HostAutoStartManager"
            | "HostDatastoreSystem"
            | "HostFirewallSystem" => host::invoke(self, cx, this, method, args),
            "Datastore" | "HostDatastoreBrowser" | "FileManager" | "VirtualDiskManager" => {
                storage::invoke(self, cx, this, method, args)
            }
            "SearchIndex" => containers::invoke_search(self, this, method, args),
            "PerformanceManager" => perf::invoke(self, this, method, args),
            _ => Err(Fault::method_not_found(&ty, method)),
        }
    }

    fn http_folder(&mut self, req: &FileRequest<'_>) -> FileResponse {
        crate::files::folder(self, req)
    }

    fn http_screen(&self, req: &FileRequest<'_>) -> FileResponse {
        crate::files::screen(self, req)
    }

    fn save_state(&self, path: &Path) -> Result<(), String> {
        self.save(path).map_err(|e| e.to_string())
    }

    fn load_state(&mut self, path: &Path) -> Result<(), String> {
        self.reload(path).map_err(|e| e.to_string())
    }

    fn restore_tasks(&mut self, tasks: &mut crate::task::Tasks, user: &str) {
        self.restore_pending_tasks(tasks, user);
    }
}

/// `ElementDescription` (label, summary, key).
pub(crate) fn element_description(key: &str, label: &str, summary: &str) -> Value {
    Value::obj("ElementDescription")
        .with("label", Value::str(label))
        .with("summary", Value::str(summary))
        .with("key", Value::str(key))
}

/// `Description` (label, summary).
pub(crate) fn description(label: &str, summary: &str) -> Value {
    Value::obj("Description")
        .with("label", Value::str(label))
        .with("summary", Value::str(summary))
}

/// ManagedEntity properties the simulator leaves unset on every object: no custom fields,
/// alarms, disabled methods, permissions or tags.
pub(crate) fn is_unset_entity_property(name: &str) -> bool {
    [
        "availableField",
        "value",
        "triggeredAlarmState",
        "declaredAlarmState",
        "disabledMethod",
        "permission",
        "tag",
        "customValue",
    ]
    .contains(&name)
}

/// `SharesInfo` at the normal level with `shares` shares.
pub(crate) fn normal_shares(shares: i32) -> Value {
    Value::obj("SharesInfo")
        .with("shares", Value::int(shares))
        .with("level", Value::enumv("SharesLevel", "normal"))
}

/// Splits `head.rest` of a property path.
pub(crate) fn split_path(path: &str) -> (&str, &str) {
    match path.split_once('.') {
        Some((h, r)) => (h, r),
        None => (path, ""),
    }
}

/// Builds the top-level value with `top` and walks the rest of the path.
pub(crate) fn walk(top: Option<Value>, rest: &str) -> Result<Option<Value>, Fault> {
    match top {
        None => Ok(None),
        Some(v) => Ok(v.into_path(rest)),
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

/// The time stamp of storage summaries: fixed, so that WaitForUpdatesEx (which compares
/// property values) only reports real changes.
pub(crate) const STABLE_TIMESTAMP: &str = "2026-01-12T09:00:00.000Z";
