//! libvirt's flag values for the calls this driver implements, with libvirt's numbers so
//! callers can pass what virsh would pass.
//!
//! Each flag set is a row of one table: its module, libvirt's prefix for the set's names,
//! and each constant's name and value; a constant's doc is libvirt's name for it.

/// Declares flag modules from their rows. `module("PREFIX_") [A, B, C]` gives A, B and C
/// the bits 0, 1 and 2 in turn (libvirt numbers a flag set's bits in declaration order);
/// `module("PREFIX_") { NAME = value, ... }` gives each its value; a row may have both. A constant's doc is
/// libvirt's name for it, `PREFIX_NAME`, followed by any note written above it.
macro_rules! libvirt_flags {
    ($(
        $(#[$doc:meta])*
        $module:ident($prefix:literal)
        $([$($(#[$bit_note:meta])* $bit_name:ident),* $(,)?])?
        $({$($(#[$note:meta])* $name:ident = $value:expr,)*})?
    )*) => {$(
        $(#[$doc])*
        pub mod $module {
            $(libvirt_flags!(@bits $prefix 0; $($(#[$bit_note])* $bit_name,)*);)?
            $($(
                #[doc = concat!($prefix, stringify!($name))]
                $(#[$note])*
                pub const $name: u32 = $value;
            )*)?
        }
    )*};
    (@bits $prefix:literal $bit:expr;) => {};
    (@bits $prefix:literal $bit:expr; $(#[$note:meta])* $name:ident, $($rest:tt)*) => {
        #[doc = concat!($prefix, stringify!($name))]
        $(#[$note])*
        pub const $name: u32 = 1 << ($bit);
        libvirt_flags!(@bits $prefix $bit + 1; $($rest)*);
    };
}

/// Declares a listing's flag module with the six filters libvirt gives networks and storage
/// pools alike (the same names at the same bits).
macro_rules! lifecycle_list_flags {
    ($(#[$doc:meta])* $module:ident($prefix:literal)) => {
        libvirt_flags! {
            $(#[$doc])*
            $module($prefix) [INACTIVE, ACTIVE, PERSISTENT, TRANSIENT, AUTOSTART, NO_AUTOSTART]
        }
    };
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

libvirt_flags! {
    /// `virConnectListAllDomainsFlags`.
    list_domains("VIR_CONNECT_LIST_DOMAINS_") [
        ACTIVE,
        INACTIVE,
        PERSISTENT,
        TRANSIENT,
        RUNNING,
        PAUSED,
        SHUTOFF,
        OTHER,
        MANAGEDSAVE,
        NO_MANAGEDSAVE,
        AUTOSTART,
        NO_AUTOSTART,
        HAS_SNAPSHOT,
        NO_SNAPSHOT,
        HAS_CHECKPOINT,
        NO_CHECKPOINT,
    ]

    /// `virDomainXMLFlags`.
    domain_xml("VIR_DOMAIN_XML_") [
        SECURE,
        INACTIVE,
        UPDATE_CPU,
        MIGRATABLE,
    ]

    /// `virDomainDefineFlags`.
    define("VIR_DOMAIN_DEFINE_") [
        VALIDATE,
    ]

    /// `virDomainShutdownFlagValues` / `virDomainRebootFlagValues` (the ESX driver takes none).
    shutdown("VIR_DOMAIN_SHUTDOWN_") {
        DEFAULT = 0,
    }

    /// `virDomainSnapshotCreateFlags`.
    snapshot_create("VIR_DOMAIN_SNAPSHOT_CREATE_") [
        REDEFINE,
        CURRENT,
        NO_METADATA,
        HALT,
        DISK_ONLY,
        REUSE_EXT,
        QUIESCE,
        ATOMIC,
        LIVE,
        VALIDATE,
    ]

    /// `virDomainSnapshotListFlags`.
    snapshot_list("VIR_DOMAIN_SNAPSHOT_LIST_") [
        /// (for listing a domain's snapshots)
        ROOTS,
        METADATA,
        LEAVES,
        NO_LEAVES,
        NO_METADATA,
        INACTIVE,
        ACTIVE,
        DISK_ONLY,
        INTERNAL,
        EXTERNAL,
        TOPOLOGICAL,
    ] {
        /// (ROOTS's bit, for listing a snapshot's children)
        DESCENDANTS = ROOTS,
    }

    /// `virDomainSnapshotRevertFlags`.
    snapshot_revert("VIR_DOMAIN_SNAPSHOT_REVERT_") [
        RUNNING,
        PAUSED,
        FORCE,
    ]

    /// `virDomainSnapshotDeleteFlags`.
    snapshot_delete("VIR_DOMAIN_SNAPSHOT_DELETE_") [
        CHILDREN,
        METADATA_ONLY,
        CHILDREN_ONLY,
    ]

    /// `virConnectListAllInterfacesFlags`.
    list_interfaces("VIR_CONNECT_LIST_INTERFACES_") [
        INACTIVE,
        ACTIVE,
    ]

    /// `virStorageVolCreateFlags`.
    vol_create("VIR_STORAGE_VOL_CREATE_") [
        PREALLOC_METADATA,
        REFLINK,
    ]

    /// `virStorageVolDeleteFlags`.
    vol_delete("VIR_STORAGE_VOL_DELETE_") {
        NORMAL = 0,
        ZEROED = 1 << 0,
        WITH_SNAPSHOTS = 1 << 1,
    }

    /// `virStorageVolDownloadFlags`.
    vol_download("VIR_STORAGE_VOL_DOWNLOAD_") [
        SPARSE_STREAM,
    ]

    /// `virStorageVolUploadFlags`.
    vol_upload("VIR_STORAGE_VOL_UPLOAD_") [
        SPARSE_STREAM,
    ]

    /// `virDomainInterfaceAddressesSource`.
    ifaddr_source("VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_") {
        LEASE = 0,
        AGENT = 1,
        ARP = 2,
    }

    /// `virDomainGetHostnameFlags`.
    hostname("VIR_DOMAIN_GET_HOSTNAME_") [
        LEASE,
        AGENT,
    ]

    /// `virDomainMigrateFlags` (the ESX driver accepts only LIVE).
    migrate("VIR_MIGRATE_") {
        LIVE = 1 << 0,
        PERSIST_DEST = 1 << 3,
        UNDEFINE_SOURCE = 1 << 4,
        PAUSED = 1 << 5,
    }
}

lifecycle_list_flags! {
    /// `virConnectListAllNetworksFlags`.
    list_networks("VIR_CONNECT_LIST_NETWORKS_")
}

lifecycle_list_flags! {
    /// `virConnectListAllStoragePoolsFlags` (the subset that applies to ESX).
    list_pools("VIR_CONNECT_LIST_STORAGE_POOLS_")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bits a row gives by position are libvirt's numbers.
    #[test]
    fn positions_are_libvirt_bits() {
        assert_eq!(list_domains::ACTIVE, 1);
        assert_eq!(list_domains::NO_CHECKPOINT, 0x8000);
        assert_eq!(snapshot_create::VALIDATE, 0x200);
        assert_eq!(snapshot_list::TOPOLOGICAL, 0x400);
        assert_eq!(snapshot_list::DESCENDANTS, snapshot_list::ROOTS);
        assert_eq!(list_pools::NO_AUTOSTART, 0x20);
        assert_eq!(list_networks::PERSISTENT, 4);
        assert_eq!(vol_delete::WITH_SNAPSHOTS, 2);
        assert_eq!(migrate::PAUSED, 0x20);
    }
}
