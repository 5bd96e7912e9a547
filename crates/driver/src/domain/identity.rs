//! A VM's identity and the local decisions made from it: its managed object reference, name
//! (escaped in the API), UUID and libvirt ID, and libvirt's list filters.

use esxvirt_vi::props::virtual_machine as vm;
use esxvirt_vi::ManagedObjectReference;

use crate::error::{Error, Result};
use crate::flags::list_domains as f;
use crate::types::DomainState;
use crate::uuid::parse_uuid;

/// The reference of the VM with managed-object id `id` (`vm-123` or `123`).
pub fn vm_ref(id: &str) -> ManagedObjectReference {
    ManagedObjectReference::new(vm::TYPE, id)
}

/// The identity and state of one VM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmSummary {
    /// Managed object id (`12` on ESX, `vm-12` on vCenter).
    pub moref: String,
    /// Name, unescaped (vSphere escapes `%`, `/` and `\` as `%XX`).
    pub name: String,
    /// `config.uuid`.
    pub uuid: [u8; 16],
    /// Mapped `runtime.powerState`.
    pub state: DomainState,
    /// Whether `snapshot.rootSnapshotList` is non-empty (when asked for).
    pub has_snapshot: bool,
}

/// The number in a VM's managed-object id (`123` or `vm-123`), libvirt's domain ID.
pub fn id_from_moref(moref: &str) -> Option<i32> {
    moref
        .parse::<i32>()
        .ok()
        .or_else(|| moref.strip_prefix("vm-").and_then(|n| n.parse().ok()))
}

/// The domain ID: the moref number for an active VM, -1 otherwise.
pub fn domain_id(moref: &str, state: DomainState) -> i32 {
    if state == DomainState::Shutoff {
        return -1;
    }
    id_from_moref(moref).unwrap_or(-1)
}

/// Unescapes a VM name from the API (`%25`, `%2f`, `%5c`).
pub fn unescape_name(name: &str) -> Result<String> {
    esxvirt_util::unescape_percent(name)
        .map_err(|_| Error::internal("Domain name contains invalid escape sequence"))
}

/// Escapes a domain name for the API (`%`, `/`, `\` as `%XX`).
pub fn escape_name(name: &str) -> String {
    esxvirt_util::escape_percent(name)
}

/// Parses `config.uuid`.
pub fn uuid_from_config(text: &str) -> Result<[u8; 16]> {
    parse_uuid(text)
        .ok_or_else(|| Error::internal(format!("Could not parse UUID from string '{text}'")))
}

/// Whether `flags` (libvirt's list flags) can only give an empty list on ESX: transient
/// domains and managed save do not exist there.
pub fn flags_exclude_everything(flags: u32) -> bool {
    (flags & f::TRANSIENT != 0 && flags & f::PERSISTENT == 0)
        || (flags & f::MANAGEDSAVE != 0 && flags & f::NO_MANAGEDSAVE == 0)
}

/// Whether the flags filter on autostart (needing the host's autostart configuration).
pub fn flags_need_autostart(flags: u32) -> bool {
    flags & (f::AUTOSTART | f::NO_AUTOSTART) != 0
}

/// Whether the flags filter on snapshots (needing `snapshot.rootSnapshotList`).
pub fn flags_need_snapshots(flags: u32) -> bool {
    flags & (f::HAS_SNAPSHOT | f::NO_SNAPSHOT) != 0
}

/// Applies libvirt's list filters to one VM; `autostart` is whether it starts with the host.
pub fn matches(flags: u32, vm: &VmSummary, autostart: bool) -> bool {
    let active = vm.state != DomainState::Shutoff;
    if flags & (f::ACTIVE | f::INACTIVE) != 0
        && !((flags & f::ACTIVE != 0 && active) || (flags & f::INACTIVE != 0 && !active))
    {
        return false;
    }
    if flags_need_snapshots(flags)
        && !((flags & f::HAS_SNAPSHOT != 0 && vm.has_snapshot)
            || (flags & f::NO_SNAPSHOT != 0 && !vm.has_snapshot))
    {
        return false;
    }
    if flags_need_autostart(flags)
        && !((flags & f::AUTOSTART != 0 && autostart)
            || (flags & f::NO_AUTOSTART != 0 && !autostart))
    {
        return false;
    }
    let state_bits = f::RUNNING | f::PAUSED | f::SHUTOFF | f::OTHER;
    if flags & state_bits != 0 {
        let s = vm.state;
        let ok = (flags & f::RUNNING != 0 && s == DomainState::Running)
            || (flags & f::PAUSED != 0 && s == DomainState::Paused)
            || (flags & f::SHUTOFF != 0 && s == DomainState::Shutoff)
            || (flags & f::OTHER != 0
                && !matches!(
                    s,
                    DomainState::Running | DomainState::Paused | DomainState::Shutoff
                ));
        if !ok {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vm(state: DomainState, snap: bool) -> VmSummary {
        VmSummary {
            moref: "vm-42".into(),
            name: "x".into(),
            uuid: [0; 16],
            state,
            has_snapshot: snap,
        }
    }

    #[test]
    fn ids() {
        assert_eq!(id_from_moref("123"), Some(123));
        assert_eq!(id_from_moref("vm-77"), Some(77));
        assert_eq!(id_from_moref("host-1"), None);
        assert_eq!(domain_id("vm-77", DomainState::Shutoff), -1);
        assert_eq!(domain_id("vm-77", DomainState::Paused), 77);
    }

    #[test]
    fn names() {
        assert_eq!(unescape_name("a%2fb%25c").unwrap(), "a/b%c");
        assert_eq!(escape_name("a/b%c\\"), "a%2fb%25c%5c");
        assert!(unescape_name("bad%zz").is_err());
    }

    #[test]
    fn filters() {
        let on = vm(DomainState::Running, true);
        let off = vm(DomainState::Shutoff, false);
        let paused = vm(DomainState::Paused, false);
        assert!(matches(0, &on, false) && matches(0, &off, false));
        assert!(matches(f::ACTIVE, &on, false) && !matches(f::ACTIVE, &off, false));
        assert!(matches(f::ACTIVE, &paused, false));
        assert!(matches(f::INACTIVE, &off, false) && !matches(f::INACTIVE, &on, false));
        assert!(matches(f::ACTIVE | f::INACTIVE, &off, false));
        assert!(matches(f::HAS_SNAPSHOT, &on, false) && !matches(f::HAS_SNAPSHOT, &off, false));
        assert!(matches(f::NO_SNAPSHOT, &off, false));
        assert!(matches(f::AUTOSTART, &on, true) && !matches(f::AUTOSTART, &on, false));
        assert!(matches(f::NO_AUTOSTART, &on, false));
        assert!(matches(f::PAUSED, &paused, false) && !matches(f::RUNNING, &paused, false));
        assert!(!matches(f::OTHER, &paused, false));
        assert!(flags_exclude_everything(f::TRANSIENT));
        assert!(!flags_exclude_everything(f::TRANSIENT | f::PERSISTENT));
        assert!(flags_exclude_everything(f::MANAGEDSAVE));
        assert!(!flags_exclude_everything(f::NO_MANAGEDSAVE));
    }
}
