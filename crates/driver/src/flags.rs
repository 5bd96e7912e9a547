//! libvirt's flag values for the calls this driver implements, with libvirt's numbers so
//! callers can pass what virsh would pass.

/// `virConnectListAllDomainsFlags`.
pub mod list_domains {
    /// VIR_CONNECT_LIST_DOMAINS_ACTIVE
    pub const ACTIVE: u32 = 1 << 0;
    /// VIR_CONNECT_LIST_DOMAINS_INACTIVE
    pub const INACTIVE: u32 = 1 << 1;
    /// VIR_CONNECT_LIST_DOMAINS_PERSISTENT
    pub const PERSISTENT: u32 = 1 << 2;
    /// VIR_CONNECT_LIST_DOMAINS_TRANSIENT
    pub const TRANSIENT: u32 = 1 << 3;
    /// VIR_CONNECT_LIST_DOMAINS_RUNNING
    pub const RUNNING: u32 = 1 << 4;
    /// VIR_CONNECT_LIST_DOMAINS_PAUSED
    pub const PAUSED: u32 = 1 << 5;
    /// VIR_CONNECT_LIST_DOMAINS_SHUTOFF
    pub const SHUTOFF: u32 = 1 << 6;
    /// VIR_CONNECT_LIST_DOMAINS_OTHER
    pub const OTHER: u32 = 1 << 7;
    /// VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE
    pub const MANAGEDSAVE: u32 = 1 << 8;
    /// VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE
    pub const NO_MANAGEDSAVE: u32 = 1 << 9;
    /// VIR_CONNECT_LIST_DOMAINS_AUTOSTART
    pub const AUTOSTART: u32 = 1 << 10;
    /// VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART
    pub const NO_AUTOSTART: u32 = 1 << 11;
    /// VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT
    pub const HAS_SNAPSHOT: u32 = 1 << 12;
    /// VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT
    pub const NO_SNAPSHOT: u32 = 1 << 13;
    /// VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT
    pub const HAS_CHECKPOINT: u32 = 1 << 14;
    /// VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT
    pub const NO_CHECKPOINT: u32 = 1 << 15;
}

/// `virDomainModificationImpact`, `virDomainVcpuFlags`, `virDomainMemoryModFlags`.
pub mod affect {
    /// VIR_DOMAIN_AFFECT_CURRENT
    pub const CURRENT: u32 = 0;
    /// VIR_DOMAIN_AFFECT_LIVE
    pub const LIVE: u32 = 1 << 0;
    /// VIR_DOMAIN_AFFECT_CONFIG
    pub const CONFIG: u32 = 1 << 1;
    /// VIR_DOMAIN_VCPU_MAXIMUM / VIR_DOMAIN_MEM_MAXIMUM
    pub const MAXIMUM: u32 = 1 << 2;
    /// VIR_DOMAIN_VCPU_GUEST
    pub const GUEST: u32 = 1 << 3;
}

/// `virDomainXMLFlags`.
pub mod domain_xml {
    /// VIR_DOMAIN_XML_SECURE
    pub const SECURE: u32 = 1 << 0;
    /// VIR_DOMAIN_XML_INACTIVE
    pub const INACTIVE: u32 = 1 << 1;
    /// VIR_DOMAIN_XML_UPDATE_CPU
    pub const UPDATE_CPU: u32 = 1 << 2;
    /// VIR_DOMAIN_XML_MIGRATABLE
    pub const MIGRATABLE: u32 = 1 << 3;
}

/// `virDomainDefineFlags`.
pub mod define {
    /// VIR_DOMAIN_DEFINE_VALIDATE
    pub const VALIDATE: u32 = 1 << 0;
}

/// `virDomainShutdownFlagValues` / `virDomainRebootFlagValues` (the ESX driver takes none).
pub mod shutdown {
    /// VIR_DOMAIN_SHUTDOWN_DEFAULT
    pub const DEFAULT: u32 = 0;
}

/// `virDomainSnapshotCreateFlags`.
pub mod snapshot_create {
    /// VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE
    pub const REDEFINE: u32 = 1 << 0;
    /// VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT
    pub const CURRENT: u32 = 1 << 1;
    /// VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA
    pub const NO_METADATA: u32 = 1 << 2;
    /// VIR_DOMAIN_SNAPSHOT_CREATE_HALT
    pub const HALT: u32 = 1 << 3;
    /// VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY
    pub const DISK_ONLY: u32 = 1 << 4;
    /// VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT
    pub const REUSE_EXT: u32 = 1 << 5;
    /// VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE
    pub const QUIESCE: u32 = 1 << 6;
    /// VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC
    pub const ATOMIC: u32 = 1 << 7;
    /// VIR_DOMAIN_SNAPSHOT_CREATE_LIVE
    pub const LIVE: u32 = 1 << 8;
    /// VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE
    pub const VALIDATE: u32 = 1 << 9;
}

/// `virDomainSnapshotListFlags`.
pub mod snapshot_list {
    /// VIR_DOMAIN_SNAPSHOT_LIST_ROOTS (for listing a domain's snapshots)
    pub const ROOTS: u32 = 1 << 0;
    /// VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS (same bit, for listing a snapshot's children)
    pub const DESCENDANTS: u32 = 1 << 0;
    /// VIR_DOMAIN_SNAPSHOT_LIST_METADATA
    pub const METADATA: u32 = 1 << 1;
    /// VIR_DOMAIN_SNAPSHOT_LIST_LEAVES
    pub const LEAVES: u32 = 1 << 2;
    /// VIR_DOMAIN_SNAPSHOT_LIST_NO_LEAVES
    pub const NO_LEAVES: u32 = 1 << 3;
    /// VIR_DOMAIN_SNAPSHOT_LIST_NO_METADATA
    pub const NO_METADATA: u32 = 1 << 4;
    /// VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE
    pub const INACTIVE: u32 = 1 << 5;
    /// VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE
    pub const ACTIVE: u32 = 1 << 6;
    /// VIR_DOMAIN_SNAPSHOT_LIST_DISK_ONLY
    pub const DISK_ONLY: u32 = 1 << 7;
    /// VIR_DOMAIN_SNAPSHOT_LIST_INTERNAL
    pub const INTERNAL: u32 = 1 << 8;
    /// VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL
    pub const EXTERNAL: u32 = 1 << 9;
    /// VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL
    pub const TOPOLOGICAL: u32 = 1 << 10;
}

/// `virDomainSnapshotRevertFlags`.
pub mod snapshot_revert {
    /// VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING
    pub const RUNNING: u32 = 1 << 0;
    /// VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED
    pub const PAUSED: u32 = 1 << 1;
    /// VIR_DOMAIN_SNAPSHOT_REVERT_FORCE
    pub const FORCE: u32 = 1 << 2;
}

/// `virDomainSnapshotDeleteFlags`.
pub mod snapshot_delete {
    /// VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN
    pub const CHILDREN: u32 = 1 << 0;
    /// VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY
    pub const METADATA_ONLY: u32 = 1 << 1;
    /// VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY
    pub const CHILDREN_ONLY: u32 = 1 << 2;
}

/// `virConnectListAllNetworksFlags`.
pub mod list_networks {
    /// VIR_CONNECT_LIST_NETWORKS_INACTIVE
    pub const INACTIVE: u32 = 1 << 0;
    /// VIR_CONNECT_LIST_NETWORKS_ACTIVE
    pub const ACTIVE: u32 = 1 << 1;
    /// VIR_CONNECT_LIST_NETWORKS_PERSISTENT
    pub const PERSISTENT: u32 = 1 << 2;
    /// VIR_CONNECT_LIST_NETWORKS_TRANSIENT
    pub const TRANSIENT: u32 = 1 << 3;
    /// VIR_CONNECT_LIST_NETWORKS_AUTOSTART
    pub const AUTOSTART: u32 = 1 << 4;
    /// VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART
    pub const NO_AUTOSTART: u32 = 1 << 5;
}

/// `virConnectListAllInterfacesFlags`.
pub mod list_interfaces {
    /// VIR_CONNECT_LIST_INTERFACES_INACTIVE
    pub const INACTIVE: u32 = 1 << 0;
    /// VIR_CONNECT_LIST_INTERFACES_ACTIVE
    pub const ACTIVE: u32 = 1 << 1;
}

/// `virConnectListAllStoragePoolsFlags` (the subset that applies to ESX).
pub mod list_pools {
    /// VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE
    pub const INACTIVE: u32 = 1 << 0;
    /// VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE
    pub const ACTIVE: u32 = 1 << 1;
    /// VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT
    pub const PERSISTENT: u32 = 1 << 2;
    /// VIR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT
    pub const TRANSIENT: u32 = 1 << 3;
    /// VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART
    pub const AUTOSTART: u32 = 1 << 4;
    /// VIR_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART
    pub const NO_AUTOSTART: u32 = 1 << 5;
}

/// `virStorageVolCreateFlags`.
pub mod vol_create {
    /// VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA
    pub const PREALLOC_METADATA: u32 = 1 << 0;
    /// VIR_STORAGE_VOL_CREATE_REFLINK
    pub const REFLINK: u32 = 1 << 1;
}

/// `virStorageVolDeleteFlags`.
pub mod vol_delete {
    /// VIR_STORAGE_VOL_DELETE_NORMAL
    pub const NORMAL: u32 = 0;
    /// VIR_STORAGE_VOL_DELETE_ZEROED
    pub const ZEROED: u32 = 1 << 0;
    /// VIR_STORAGE_VOL_DELETE_WITH_SNAPSHOTS
    pub const WITH_SNAPSHOTS: u32 = 1 << 1;
}

/// `virStorageVolDownloadFlags`.
pub mod vol_download {
    /// VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM
    pub const SPARSE_STREAM: u32 = 1 << 0;
}

/// `virStorageVolUploadFlags`.
pub mod vol_upload {
    /// VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM
    pub const SPARSE_STREAM: u32 = 1 << 0;
}

/// `virDomainInterfaceAddressesSource`.
pub mod ifaddr_source {
    /// VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE
    pub const LEASE: u32 = 0;
    /// VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT
    pub const AGENT: u32 = 1;
    /// VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP
    pub const ARP: u32 = 2;
}

/// `virDomainGetHostnameFlags`.
pub mod hostname {
    /// VIR_DOMAIN_GET_HOSTNAME_LEASE
    pub const LEASE: u32 = 1 << 0;
    /// VIR_DOMAIN_GET_HOSTNAME_AGENT
    pub const AGENT: u32 = 1 << 1;
}

/// `virDomainMigrateFlags` (the ESX driver accepts only LIVE).
pub mod migrate {
    /// VIR_MIGRATE_LIVE
    pub const LIVE: u32 = 1 << 0;
    /// VIR_MIGRATE_PERSIST_DEST
    pub const PERSIST_DEST: u32 = 1 << 3;
    /// VIR_MIGRATE_UNDEFINE_SOURCE
    pub const UNDEFINE_SOURCE: u32 = 1 << 4;
    /// VIR_MIGRATE_PAUSED
    pub const PAUSED: u32 = 1 << 5;
}
