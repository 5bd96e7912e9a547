//! The records only a vCenter's inventory has: distributed virtual switches and their port
//! groups, storage pods (datastore clusters), a
//! cluster's groups, rules and per-VM overrides, and custom field definitions. Plain data
//! with serde derives, like [`super::model`]; every map of [`super::World`] that holds them
//! defaults to empty, so inventory files written before they existed still load.

use serde::{Deserialize, Serialize};

/// A distributed virtual switch (`VmwareDistributedVirtualSwitch`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DvSwitch {
    pub moid: String,
    pub name: String,
    /// `summary.uuid` (space-separated hex pairs as vCenter shows it).
    pub uuid: String,
    pub datacenter: String,
    /// The folder holding it (the datacenter's network folder or a folder below it).
    pub folder: String,
    /// Member hosts.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Its port groups (network ids), the uplink port group first.
    #[serde(default)]
    pub portgroups: Vec<String>,
    /// `config.maxPorts`.
    #[serde(default = "default_max_ports")]
    pub max_ports: i32,
    /// `summary.productInfo.version`.
    #[serde(default = "default_dvs_version")]
    pub version: String,
    /// `config.configVersion`, bumped by every reconfiguration.
    #[serde(default)]
    pub config_version: u32,
}

/// What makes a network record a distributed port group (`DistributedVirtualPortgroup`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DvPortgroupInfo {
    /// The switch (its id).
    pub dvs: String,
    /// `key` / `config.key` (`dvportgroup-N`).
    pub key: String,
    /// `earlyBinding`, `lateBinding` or `ephemeral`.
    pub binding: String,
    /// `config.numPorts`.
    pub num_ports: i32,
    /// VLAN id of the port group's default port setting (0: none).
    #[serde(default)]
    pub vlan_id: i32,
    /// The switch's uplink port group.
    #[serde(default)]
    pub uplink: bool,
    /// `config.configVersion`, bumped by every reconfiguration.
    #[serde(default)]
    pub config_version: u32,
}

/// A storage pod (datastore cluster): a folder of datastores with Storage DRS settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoragePod {
    pub moid: String,
    pub name: String,
    /// The folder holding it.
    pub parent: String,
    /// Its datastores, in order.
    #[serde(default)]
    pub children: Vec<String>,
    /// `podStorageDrsEntry.storageDrsConfig.podConfig.enabled`.
    #[serde(default)]
    pub drs_enabled: bool,
    /// `... podConfig.defaultVmBehavior`: `automated` or `manual`.
    #[serde(default = "default_sdrs_behavior")]
    pub drs_behavior: String,
}

/// A cluster group: VMs or hosts (`ClusterVmGroup`, `ClusterHostGroup`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterGroup {
    pub name: String,
    /// `true` for a VM group, `false` for a host group.
    pub vm_group: bool,
    /// Member ids.
    #[serde(default)]
    pub members: Vec<String>,
}

/// A cluster rule (`ClusterAffinityRuleSpec`, `ClusterAntiAffinityRuleSpec`,
/// `ClusterVmHostRuleInfo`, `ClusterDependencyRuleInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterRule {
    pub key: i32,
    pub name: String,
    /// The rule's VI type.
    pub kind: String,
    pub enabled: bool,
    pub mandatory: bool,
    /// VMs of an (anti-)affinity rule.
    #[serde(default)]
    pub vms: Vec<String>,
    /// Group names of a VM-host rule (`vmGroupName`, `affineHostGroupName`,
    /// `antiAffineHostGroupName`) or a dependency rule (`vmGroup`, `dependsOnVmGroup`), by
    /// field name.
    #[serde(default)]
    pub groups: Vec<(String, String)>,
}

/// A per-VM override of a cluster's DRS settings (`ClusterDrsVmConfigInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrsVmOverride {
    pub vm: String,
    #[serde(default)]
    pub enabled: Option<bool>,
    /// `manual`, `partiallyAutomated` or `fullyAutomated`.
    #[serde(default)]
    pub behavior: Option<String>,
}

/// A per-VM override of a cluster's HA settings (`ClusterDasVmConfigInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DasVmOverride {
    pub vm: String,
    /// `dasSettings.restartPriority`.
    pub restart_priority: String,
}

/// A cluster's configuration beyond its members and DRS/HA switches: groups, rules,
/// per-VM overrides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterConfig {
    #[serde(default)]
    pub groups: Vec<ClusterGroup>,
    #[serde(default)]
    pub rules: Vec<ClusterRule>,
    #[serde(default)]
    pub drs_vm: Vec<DrsVmOverride>,
    #[serde(default)]
    pub das_vm: Vec<DasVmOverride>,
    /// Key of the next rule.
    #[serde(default = "default_one")]
    pub next_rule_key: i32,
}

/// A custom field definition (`CustomFieldsManager.field`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomField {
    pub key: i32,
    pub name: String,
    /// The managed object type it applies to (`None`: every type).
    #[serde(default)]
    pub managed_type: Option<String>,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            groups: Vec::new(),
            rules: Vec::new(),
            drs_vm: Vec::new(),
            das_vm: Vec::new(),
            next_rule_key: 1,
        }
    }
}

/// A stored guest customization specification (`CustomizationSpecManager`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomizationSpecRecord {
    pub name: String,
    pub description: String,
    /// `Linux` or `Windows`.
    pub spec_type: String,
    /// `lastUpdateTime`.
    pub last_update: String,
    /// The `CustomizationSpec` as sent, as XML (`<spec>...</spec>`).
    pub spec_xml: String,
}

fn default_max_ports() -> i32 {
    2_147_483_647
}
fn default_dvs_version() -> String {
    "6.5.0".into()
}
fn default_sdrs_behavior() -> String {
    "automated".into()
}
fn default_one() -> i32 {
    1
}
