//! What `ServiceContent` names: the one table of singleton managers with their ids as an ESX
//! host (`ha-*`) or a vCenter names them (the world's singletons find their ids here too),
//! the default `about` of each mode, the service capability, and the version probes
//! (`vimServiceVersions.xml`, `vimService.wsdl`). The `ServiceInstance` object itself is
//! served by `core/service_instance.rs`.

use crate::object::Mode;
use crate::value::{MoRef, Value};

/// The singleton managers `ServiceContent` names, in schema order: field, managed object
/// type, id on an ESX host and id on a vCenter (`None`: that kind of server has none).
/// Those in [`EXTENDED`] are listed only for worlds that ask for them
/// ([`crate::object::Inventory::lists_all_managers`]): libvirt 9.0's ESX driver does not
/// know these fields and warns about each one it meets.
const MANAGERS: &[(&str, &str, Option<&str>, Option<&str>)] = &[
    (
        "propertyCollector",
        "PropertyCollector",
        Some("ha-property-collector"),
        Some("propertyCollector"),
    ),
    (
        "viewManager",
        "ViewManager",
        Some("ViewManager"),
        Some("ViewManager"),
    ),
    (
        "setting",
        "OptionManager",
        Some("HostAgentSettings"),
        Some("VpxSettings"),
    ),
    (
        "userDirectory",
        "UserDirectory",
        Some("ha-user-directory"),
        Some("UserDirectory"),
    ),
    (
        "sessionManager",
        "SessionManager",
        Some("ha-sessionmgr"),
        Some("SessionManager"),
    ),
    (
        "authorizationManager",
        "AuthorizationManager",
        Some("ha-authmgr"),
        Some("AuthorizationManager"),
    ),
    (
        "perfManager",
        "PerformanceManager",
        Some("ha-perfmgr"),
        Some("PerfMgr"),
    ),
    (
        "eventManager",
        "EventManager",
        Some("ha-eventmgr"),
        Some("EventManager"),
    ),
    (
        "taskManager",
        "TaskManager",
        Some("ha-taskmgr"),
        Some("TaskManager"),
    ),
    (
        "customizationSpecManager",
        "CustomizationSpecManager",
        None,
        Some("CustomizationSpecManager"),
    ),
    (
        "customFieldsManager",
        "CustomFieldsManager",
        Some("ha-custom-field-manager"),
        Some("CustomFieldsManager"),
    ),
    // Only a host agent has a local account manager.
    (
        "accountManager",
        "HostLocalAccountManager",
        Some("ha-localacctmgr"),
        None,
    ),
    (
        "diagnosticManager",
        "DiagnosticManager",
        Some("ha-diagnosticmgr"),
        Some("DiagMgr"),
    ),
    (
        "licenseManager",
        "LicenseManager",
        Some("ha-license-manager"),
        Some("LicenseManager"),
    ),
    (
        "searchIndex",
        "SearchIndex",
        Some("ha-searchindex"),
        Some("SearchIndex"),
    ),
    (
        "fileManager",
        "FileManager",
        Some("ha-nfc-file-manager"),
        Some("FileManager"),
    ),
    (
        "datastoreNamespaceManager",
        "DatastoreNamespaceManager",
        Some("ha-datastore-namespace-manager"),
        Some("DatastoreNamespaceManager"),
    ),
    (
        "virtualDiskManager",
        "VirtualDiskManager",
        Some("ha-vdiskmanager"),
        Some("VirtualDiskManager"),
    ),
    (
        "ovfManager",
        "OvfManager",
        Some("ha-ovf-manager"),
        Some("OvfManager"),
    ),
    (
        "localizationManager",
        "LocalizationManager",
        Some("ha-l10n-manager"),
        Some("LocalizationManager"),
    ),
    (
        "storageResourceManager",
        "StorageResourceManager",
        None,
        Some("StorageResourceManager"),
    ),
    (
        "vStorageObjectManager",
        "VcenterVStorageObjectManager",
        None,
        Some("VStorageObjectManager"),
    ),
];

/// The `ServiceContent` fields libvirt 9.0's ESX driver does not know.
const EXTENDED: &[&str] = &[
    "datastoreNamespaceManager",
    "storageResourceManager",
    "vStorageObjectManager",
];

/// The id of the manager in `ServiceContent` field `field` on a server of `mode`.
pub fn manager_id(mode: Mode, field: &str) -> Option<&'static str> {
    MANAGERS
        .iter()
        .find(|(f, _, _, _)| *f == field)
        .and_then(|(_, _, esx, vc)| match mode {
            Mode::Esx => *esx,
            Mode::VCenter => *vc,
        })
}

/// The singleton managers of one mode.
#[derive(Clone, Debug)]
pub struct ServiceRefs {
    /// The mode they belong to.
    pub mode: Mode,
    /// `ServiceContent` fields in schema order: field name and reference (rootFolder and
    /// about are inserted by [`ServiceRefs::content`]).
    pub managers: Vec<(&'static str, MoRef)>,
}

impl ServiceRefs {
    /// The managers of `mode`.
    pub fn new(mode: Mode) -> ServiceRefs {
        let managers = MANAGERS
            .iter()
            .filter_map(|(field, ty, _, _)| {
                manager_id(mode, field).map(|id| (*field, MoRef::new(*ty, id)))
            })
            .collect();
        ServiceRefs { mode, managers }
    }

    /// The reference of manager field `field` (e.g. `sessionManager`).
    pub fn get(&self, field: &str) -> Option<&MoRef> {
        self.managers
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m)
    }

    /// The `ServiceContent` data object (`extended`: with the managers libvirt does not
    /// know).
    pub fn content(&self, root_folder: MoRef, about: Value, extended: bool) -> Value {
        let mut v = Value::obj("ServiceContent").with("rootFolder", Value::MoRef(root_folder));
        for (field, m) in &self.managers {
            if !extended && EXTENDED.contains(field) {
                continue;
            }
            v = v.with(*field, Value::MoRef(m.clone()));
            if *field == "viewManager" {
                v = v.with("about", about.clone());
            }
        }
        v
    }

    /// The `Capability` of the service instance.
    pub fn capability(&self) -> Value {
        let vc = self.mode == Mode::VCenter;
        Value::obj("Capability")
            .with("provisioningSupported", Value::Bool(vc))
            .with("multiHostSupported", Value::Bool(vc))
            .with("userShellAccessSupported", Value::Bool(!vc))
            .with("supportedEVCMode", Value::array("EVCMode", Vec::new()))
            .with("networkBackupAndRestoreSupported", Value::Bool(false))
    }
}

/// The mode an `AboutInfo` value describes.
pub fn mode_of(about: &Value) -> Mode {
    match about.path("apiType").and_then(Value::as_str) {
        Some("VirtualCenter") => Mode::VCenter,
        _ => Mode::Esx,
    }
}

/// The default `about` of each mode (used when a world gives none).
pub fn default_about(mode: Mode) -> Value {
    let (name, full, plid, api, ver, build, os) = match mode {
        Mode::Esx => (
            "VMware ESXi",
            "VMware ESXi 8.0.2 build-22380479",
            "embeddedEsx",
            "HostAgent",
            "8.0.2",
            "22380479",
            "vmnix-x86",
        ),
        Mode::VCenter => (
            "VMware vCenter Server",
            "VMware vCenter Server 8.0.2 build-22385739",
            "vpx",
            "VirtualCenter",
            "8.0.2",
            "22385739",
            "linux-x64",
        ),
    };
    Value::obj("AboutInfo")
        .with("name", Value::str(name))
        .with("fullName", Value::str(full))
        .with("vendor", Value::str("VMware, Inc."))
        .with("version", Value::str(ver))
        .with("build", Value::str(build))
        .with("localeVersion", Value::str("INTL"))
        .with("localeBuild", Value::str("000"))
        .with("osType", Value::str(os))
        .with("productLineId", Value::str(plid))
        .with("apiType", Value::str(api))
        .with("apiVersion", Value::str("8.0.2.0"))
        .with("licenseProductName", Value::str(name))
        .with("licenseProductVersion", Value::str("8.0"))
}

/// `/sdk/vimServiceVersions.xml`: the API namespaces and versions the server speaks
/// (pyVmomi's SmartConnect reads it to pick a version).
pub fn vim_service_versions(api_version: &str) -> String {
    let prior = [
        "8.0.1.0", "8.0.0.1", "8.0.0.0", "7.0.3.0", "7.0.2.1", "7.0.2.0", "7.0.1.1", "7.0.1.0",
        "7.0.0.2", "7.0.0.1", "7.0.0.0", "6.9.1", "6.8.7", "6.7.2", "6.7.1", "6.7", "6.5", "6.0",
        "5.5", "5.1", "5.0", "4.1", "4.0",
    ];
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<namespaces version=\"1.0\">\n <namespace>\n  <name>urn:vim25</name>\n  <version>",
    );
    s.push_str(api_version);
    s.push_str("</version>\n  <priorVersions>\n");
    for p in prior.iter().filter(|p| **p != api_version) {
        s.push_str("   <version>");
        s.push_str(p);
        s.push_str("</version>\n");
    }
    s.push_str("  </priorVersions>\n </namespace>\n</namespaces>\n");
    s
}

/// `/sdk/vimService.wsdl`: a minimal WSDL naming the vim25 service (some clients probe it
/// to detect the namespace; nobody here generates code from it).
pub fn vim_service_wsdl() -> &'static str {
    "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n\
<definitions targetNamespace=\"urn:vim25Service\" xmlns=\"http://schemas.xmlsoap.org/wsdl/\" xmlns:soap=\"http://schemas.xmlsoap.org/wsdl/soap/\" xmlns:interface=\"urn:vim25\">\n\
 <import location=\"vim.wsdl\" namespace=\"urn:vim25\" />\n\
 <service name=\"VimService\">\n\
  <port binding=\"interface:VimBinding\" name=\"VimPort\">\n\
   <soap:address location=\"https://localhost/sdk\" />\n\
  </port>\n\
 </service>\n\
</definitions>\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_order_and_modes() {
        let refs = ServiceRefs::new(Mode::Esx);
        let c = refs.content(
            MoRef::new("Folder", "ha-folder-root"),
            default_about(Mode::Esx),
            false,
        );
        assert!(c.path("datastoreNamespaceManager").is_none());
        let full = refs.content(
            MoRef::new("Folder", "ha-folder-root"),
            default_about(Mode::Esx),
            true,
        );
        assert!(full.path("datastoreNamespaceManager").is_some());
        let o = c.as_obj().unwrap();
        let names: Vec<&str> = o.fields.iter().map(|(n, _)| n.as_ref()).take(4).collect();
        assert_eq!(
            names,
            ["rootFolder", "propertyCollector", "viewManager", "about"]
        );
        assert_eq!(
            refs.get("sessionManager"),
            Some(&MoRef::new("SessionManager", "ha-sessionmgr"))
        );
        assert_eq!(mode_of(&default_about(Mode::VCenter)), Mode::VCenter);
        assert!(ServiceRefs::new(Mode::Esx).get("accountManager").is_some());
        assert!(ServiceRefs::new(Mode::VCenter)
            .get("accountManager")
            .is_none());
        assert_eq!(manager_id(Mode::VCenter, "perfManager"), Some("PerfMgr"));
        assert!(vim_service_versions("8.0.2.0").contains("<version>8.0.2.0</version>"));
    }
}
