//! Domain handles: one virtual machine, named after libvirt's `virDomain*` calls.

use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::snapshot::DomainSnapshot;
use crate::types::{DomainInfo, DomainInterface, DomainState, Screenshot, TypedParam};

/// A domain (virtual machine) of a connection: its identity as looked up, plus the managed
/// object reference so later calls need no further lookup.
#[derive(Debug, Clone)]
pub struct Domain<'c> {
    pub(crate) conn: &'c Connection,
    pub(crate) name: String,
    pub(crate) uuid: [u8; 16],
    pub(crate) id: i32,
    pub(crate) moref: String,
}

/// Formats a UUID the way libvirt does (lower-case, dashed).
pub fn format_uuid(uuid: &[u8; 16]) -> String {
    let mut s = String::with_capacity(36);
    for (i, b) in uuid.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Parses a UUID in libvirt's accepted forms: 32 hex digits, optionally with dashes or spaces
/// between byte pairs (as vSphere's config.uuid and the BIOS UUID are written).
pub fn parse_uuid(text: &str) -> Option<[u8; 16]> {
    let mut out = [0u8; 16];
    let mut n = 0;
    let mut chars = text.trim().chars().peekable();
    while let Some(c) = chars.next() {
        if c == '-' || c == ' ' {
            continue;
        }
        let hi = c.to_digit(16)?;
        let lo = chars.next()?.to_digit(16)?;
        if n == 16 {
            return None;
        }
        out[n] = (hi * 16 + lo) as u8;
        n += 1;
    }
    (n == 16).then_some(out)
}

impl<'c> Domain<'c> {
    /// The connection this domain belongs to.
    pub fn connection(&self) -> &'c Connection {
        self.conn
    }

    /// The name (`virDomainGetName`), unescaped.
    pub fn get_name(&self) -> &str {
        &self.name
    }

    /// The UUID bytes (`virDomainGetUUID`).
    pub fn get_uuid(&self) -> [u8; 16] {
        self.uuid
    }

    /// The UUID as text (`virDomainGetUUIDString`).
    pub fn get_uuid_string(&self) -> String {
        format_uuid(&self.uuid)
    }

    /// The ID (`virDomainGetID`): the number of the managed-object id for an active domain,
    /// `None` for an inactive one (libvirt's -1).
    pub fn get_id(&self) -> Option<u32> {
        (self.id >= 0).then_some(self.id as u32)
    }

    /// The vSphere managed-object id (`vm-123` or `123`).
    pub fn managed_object_id(&self) -> &str {
        &self.moref
    }

    /// The OS type (`virDomainGetOSType`): always `hvm`.
    pub fn get_os_type(&self) -> &'static str {
        "hvm"
    }

    /// State, memory, vCPUs (`virDomainGetInfo`), in one retrieval.
    pub fn get_info(&self) -> Result<DomainInfo> {
        Err(Error::not_yet("virDomainGetInfo"))
    }

    /// State and reason (`virDomainGetState`); the reason is always 0 on ESX.
    pub fn get_state(&self, flags: u32) -> Result<(DomainState, i32)> {
        crate::error::check_flags(flags, 0, "virDomainGetState")?;
        Err(Error::not_yet("virDomainGetState"))
    }

    /// Whether the domain is running or paused (`virDomainIsActive`).
    pub fn is_active(&self) -> Result<bool> {
        Err(Error::not_yet("virDomainIsActive"))
    }

    /// Always true: ESX has no transient domains (`virDomainIsPersistent`).
    pub fn is_persistent(&self) -> Result<bool> {
        Ok(true)
    }

    /// Always false (`virDomainIsUpdated`).
    pub fn is_updated(&self) -> Result<bool> {
        Ok(false)
    }

    /// The domain XML (`virDomainGetXMLDesc`): the .vmx downloaded over `/folder` and
    /// converted, with datastore paths mapped as libvirt's ESX driver maps them.
    pub fn get_xml_desc(&self, flags: u32) -> Result<String> {
        crate::error::check_flags(
            flags,
            crate::flags::domain_xml::SECURE | crate::flags::domain_xml::INACTIVE,
            "virDomainGetXMLDesc",
        )?;
        Err(Error::not_yet("virDomainGetXMLDesc"))
    }

    /// Unregisters the domain (`virDomainUndefineFlags`); never deletes its files.
    pub fn undefine(&self, flags: u32) -> Result<()> {
        let _ = flags;
        Err(Error::not_yet("virDomainUndefineFlags"))
    }

    /// Powers the domain on (`virDomainCreateWithFlags`).
    pub fn create(&self, flags: u32) -> Result<()> {
        crate::error::check_flags(flags, 0, "virDomainCreateWithFlags")?;
        Err(Error::not_yet("virDomainCreateWithFlags"))
    }

    /// Asks the guest to shut down (`virDomainShutdownFlags`, VMware Tools' ShutdownGuest).
    pub fn shutdown(&self, flags: u32) -> Result<()> {
        crate::error::check_flags(flags, 0, "virDomainShutdownFlags")?;
        Err(Error::not_yet("virDomainShutdownFlags"))
    }

    /// Asks the guest to reboot (`virDomainReboot`, RebootGuest).
    pub fn reboot(&self, flags: u32) -> Result<()> {
        crate::error::check_flags(flags, 0, "virDomainReboot")?;
        Err(Error::not_yet("virDomainReboot"))
    }

    /// Powers the domain off (`virDomainDestroyFlags`).
    pub fn destroy(&self, flags: u32) -> Result<()> {
        crate::error::check_flags(flags, 0, "virDomainDestroyFlags")?;
        Err(Error::not_yet("virDomainDestroyFlags"))
    }

    /// Suspends the domain (`virDomainSuspend`).
    pub fn suspend(&self) -> Result<()> {
        Err(Error::not_yet("virDomainSuspend"))
    }

    /// Resumes a suspended domain (`virDomainResume`, a power-on).
    pub fn resume(&self) -> Result<()> {
        Err(Error::not_yet("virDomainResume"))
    }

    /// Maximum memory in KiB (`virDomainGetMaxMemory`).
    pub fn get_max_memory(&self) -> Result<u64> {
        Err(Error::not_yet("virDomainGetMaxMemory"))
    }

    /// Sets the maximum memory in KiB (`virDomainSetMaxMemory`); the domain must be inactive.
    pub fn set_max_memory(&self, kib: u64) -> Result<()> {
        let _ = kib;
        Err(Error::not_yet("virDomainSetMaxMemory"))
    }

    /// Sets the memory (the memory limit) in KiB (`virDomainSetMemoryFlags`).
    pub fn set_memory(&self, kib: u64, flags: u32) -> Result<()> {
        let _ = (kib, flags);
        Err(Error::not_yet("virDomainSetMemoryFlags"))
    }

    /// Memory parameters (`virDomainGetMemoryParameters`): `min_guarantee` in KiB.
    pub fn get_memory_parameters(&self, flags: u32) -> Result<Vec<TypedParam>> {
        let _ = flags;
        Err(Error::not_yet("virDomainGetMemoryParameters"))
    }

    /// Sets memory parameters (`virDomainSetMemoryParameters`): only `min_guarantee`.
    pub fn set_memory_parameters(&self, params: &[TypedParam], flags: u32) -> Result<()> {
        let _ = (params, flags);
        Err(Error::not_yet("virDomainSetMemoryParameters"))
    }

    /// Sets the number of vCPUs (`virDomainSetVcpusFlags`); only VIR_DOMAIN_AFFECT_LIVE as
    /// libvirt's ESX driver, which changes the configuration.
    pub fn set_vcpus(&self, count: u32, flags: u32) -> Result<()> {
        let _ = (count, flags);
        Err(Error::not_yet("virDomainSetVcpusFlags"))
    }

    /// vCPU count (`virDomainGetVcpusFlags`); with VIR_DOMAIN_VCPU_MAXIMUM the host's maximum.
    pub fn get_vcpus_flags(&self, flags: u32) -> Result<u32> {
        let _ = flags;
        Err(Error::not_yet("virDomainGetVcpusFlags"))
    }

    /// Maximum vCPUs of a domain on this host (`virDomainGetMaxVcpus`).
    pub fn get_max_vcpus(&self) -> Result<u32> {
        Err(Error::not_yet("virDomainGetMaxVcpus"))
    }

    /// The scheduler type and its number of parameters (`virDomainGetSchedulerType`):
    /// `("allocation", 3)`.
    pub fn get_scheduler_type(&self) -> Result<(String, i32)> {
        Ok(("allocation".to_string(), 3))
    }

    /// Scheduler parameters (`virDomainGetSchedulerParametersFlags`): `reservation` (MHz),
    /// `limit` (MHz, -1 unlimited), `shares` (a number; low/normal/high map to -1/-2/-3).
    pub fn get_scheduler_parameters(&self, flags: u32) -> Result<Vec<TypedParam>> {
        let _ = flags;
        Err(Error::not_yet("virDomainGetSchedulerParametersFlags"))
    }

    /// Sets scheduler parameters (`virDomainSetSchedulerParametersFlags`).
    pub fn set_scheduler_parameters(&self, params: &[TypedParam], flags: u32) -> Result<()> {
        let _ = (params, flags);
        Err(Error::not_yet("virDomainSetSchedulerParametersFlags"))
    }

    /// Whether the domain starts with the host (`virDomainGetAutostart`).
    pub fn get_autostart(&self) -> Result<bool> {
        Err(Error::not_yet("virDomainGetAutostart"))
    }

    /// Sets autostart (`virDomainSetAutostart`) through the host's AutoStartManager.
    pub fn set_autostart(&self, autostart: bool) -> Result<()> {
        let _ = autostart;
        Err(Error::not_yet("virDomainSetAutostart"))
    }

    /// A PNG of the console (`virDomainScreenshot`); screen must be 0.
    pub fn screenshot(&self, screen: u32, flags: u32) -> Result<Screenshot> {
        let _ = (screen, flags);
        Err(Error::not_yet("virDomainScreenshot"))
    }

    /// The guest's interfaces and addresses from VMware Tools (`virDomainInterfaceAddresses`);
    /// only the agent source is supported.
    pub fn interface_addresses(&self, source: u32, flags: u32) -> Result<Vec<DomainInterface>> {
        let _ = (source, flags);
        Err(Error::not_yet("virDomainInterfaceAddresses"))
    }

    /// The guest's host name from VMware Tools (`virDomainGetHostname`).
    pub fn get_hostname(&self, flags: u32) -> Result<String> {
        let _ = flags;
        Err(Error::not_yet("virDomainGetHostname"))
    }

    /// Always false: ESX has no managed save (`virDomainHasManagedSaveImage`).
    pub fn has_managed_save_image(&self, flags: u32) -> Result<bool> {
        crate::error::check_flags(flags, 0, "virDomainHasManagedSaveImage")?;
        Ok(false)
    }

    /// Migrates the domain to the host of `dest` (`virDomainMigrate`): both connections must be
    /// vpx:// to the same vCenter; only VIR_MIGRATE_LIVE is accepted.
    pub fn migrate<'d>(
        &self,
        dest: &'d Connection,
        flags: u32,
        dname: Option<&str>,
        bandwidth: u64,
    ) -> Result<Domain<'d>> {
        let _ = (dest, flags, dname, bandwidth);
        Err(Error::not_yet("virDomainMigrate"))
    }

    // ----- snapshots -----

    /// Creates a snapshot from snapshot XML (`virDomainSnapshotCreateXML`).
    pub fn snapshot_create_xml(&self, xml: &str, flags: u32) -> Result<DomainSnapshot<'c>> {
        let _ = (xml, flags);
        Err(Error::not_yet("virDomainSnapshotCreateXML"))
    }

    /// Number of snapshots (`virDomainSnapshotNum`).
    pub fn snapshot_num(&self, flags: u32) -> Result<usize> {
        Ok(self.snapshot_list_names(flags)?.len())
    }

    /// Names of snapshots (`virDomainSnapshotListNames`): all, or roots / leaves per flags.
    pub fn snapshot_list_names(&self, flags: u32) -> Result<Vec<String>> {
        let _ = flags;
        Err(Error::not_yet("virDomainSnapshotListNames"))
    }

    /// Snapshots as handles (`virDomainListAllSnapshots`).
    pub fn list_all_snapshots(&self, flags: u32) -> Result<Vec<DomainSnapshot<'c>>> {
        Ok(self
            .snapshot_list_names(flags)?
            .into_iter()
            .map(|name| DomainSnapshot::new(self.clone(), name))
            .collect())
    }

    /// The snapshot with this name (`virDomainSnapshotLookupByName`).
    pub fn snapshot_lookup_by_name(&self, name: &str, flags: u32) -> Result<DomainSnapshot<'c>> {
        let _ = (name, flags);
        Err(Error::not_yet("virDomainSnapshotLookupByName"))
    }

    /// Whether there is a current snapshot (`virDomainHasCurrentSnapshot`).
    pub fn has_current_snapshot(&self, flags: u32) -> Result<bool> {
        let _ = flags;
        Err(Error::not_yet("virDomainHasCurrentSnapshot"))
    }

    /// The current snapshot (`virDomainSnapshotCurrent`).
    pub fn snapshot_current(&self, flags: u32) -> Result<DomainSnapshot<'c>> {
        let _ = flags;
        Err(Error::not_yet("virDomainSnapshotCurrent"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_round_trip() {
        let u = parse_uuid("564d9bc2-1f3b-4ad5-8e0b-000000000001").unwrap();
        assert_eq!(format_uuid(&u), "564d9bc2-1f3b-4ad5-8e0b-000000000001");
        // vSphere's uuid.bios form
        let v = parse_uuid("56 4d 9b c2 1f 3b 4a d5-8e 0b 00 00 00 00 00 01").unwrap();
        assert_eq!(u, v);
        assert_eq!(parse_uuid("564d9bc21f3b4ad58e0b000000000001"), Some(u));
        assert!(parse_uuid("564d9bc2").is_none());
        assert!(parse_uuid("564d9bc21f3b4ad58e0b00000000000100").is_none());
        assert!(parse_uuid("zz4d9bc21f3b4ad58e0b000000000001").is_none());
    }
}
