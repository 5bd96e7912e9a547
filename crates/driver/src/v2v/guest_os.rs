//! Which guests virt-v2v converts, by the vSphere guest identifier (`config.guestId`, e.g.
//! `rhel8_64Guest`, `windows9Server64Guest`): facts from virt-v2v-support(1) ("Guests":
//! RHEL, CentOS and Scientific Linux 4 and up, Oracle Linux, Fedora, SLES and openSUSE 10 and
//! up, Debian 6 and up, Ubuntu 10.04 and up, Windows XP to Windows 11 / Windows Server 2025)
//! and virt-v2v(1) (it converts Linux and Windows guests only).

/// What virt-v2v makes of a guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GuestSupport {
    /// On virt-v2v's list of supported guests.
    Supported,
    /// Linux or Windows, but not a distribution or version virt-v2v lists: the conversion
    /// may work (a RHEL rebuild) or stop when virt-v2v inspects the guest.
    Unlisted,
    /// A version older than virt-v2v converts.
    TooOld,
    /// Not Linux or Windows: virt-v2v has no converter for it.
    Unsupported,
}

/// The guest family as the report names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Linux,
    Windows,
    Other,
}

/// The number right after `prefix` in `id` (`rhel8_64Guest` with `rhel` is 8).
fn version_after(id: &str, prefix: &str) -> Option<u32> {
    let rest = id.strip_prefix(prefix)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    // `centos64Guest`, `sles64Guest`: the 64 is the guest's width, not its version.
    if digits == "64" && rest[digits.len()..].eq_ignore_ascii_case("guest") {
        return None;
    }
    digits.parse().ok()
}

/// The family of a guest identifier.
pub(crate) fn family(guest_id: &str) -> Family {
    let id = guest_id.to_ascii_lowercase();
    if id.starts_with("win") {
        Family::Windows
    } else if LINUX_PREFIXES.iter().any(|p| id.starts_with(p)) || id.contains("linux") {
        Family::Linux
    } else {
        Family::Other
    }
}

/// Linux guest identifiers that do not say "linux".
const LINUX_PREFIXES: &[&str] = &[
    "rhel",
    "centos",
    "oracle",
    "fedora",
    "sles",
    "suse",
    "opensuse",
    "debian",
    "ubuntu",
    "redhat",
    "mandrake",
    "mandriva",
    "turbolinux",
    "asianux",
    "vmwarephoton",
    "coreos",
    "rocky",
    "alma",
    "amazonlinux",
    "miraclelinux",
    "fusionos",
    "prolinux",
    "kylinlinux",
    "crxpod",
    "crxsys",
];

/// What virt-v2v makes of `guest_id`.
pub(crate) fn support(guest_id: &str) -> GuestSupport {
    let id = guest_id.to_ascii_lowercase();
    match family(&id) {
        Family::Windows => windows(&id),
        Family::Linux => linux(&id),
        Family::Other => GuestSupport::Unsupported,
    }
}

fn windows(id: &str) -> GuestSupport {
    // Windows 3.1, 95, 98, Me, NT 4 and 2000 (NT 5.0) come before Windows XP.
    const OLD: &[&str] = &["win31", "win95", "win98", "winme", "winnt", "win2000"];
    if OLD.iter().any(|p| id.starts_with(p)) {
        return GuestSupport::TooOld;
    }
    // XP (winXP*), Server 2003 (winNet*), Vista and 2008 (winVista, winLonghorn), 7, 8,
    // 10 (windows9), 11, and the servers up to 2025 (windows2019srv, windows2019srvNext,
    // windows2022srvNext).
    const LISTED: &[&str] = &[
        "winxp",
        "winnet",
        "winvista",
        "winlonghorn",
        "windows7",
        "windows8",
        "windows9",
        "windows11",
        "windows2019srv",
        "windows2022srv",
    ];
    if LISTED.iter().any(|p| id.starts_with(p)) {
        GuestSupport::Supported
    } else {
        GuestSupport::Unlisted
    }
}

fn linux(id: &str) -> GuestSupport {
    for (prefix, first) in [
        ("rhel", 4),
        ("centos", 4),
        ("oraclelinux", 4),
        ("sles", 10),
        ("opensuse", 10),
        ("debian", 6),
    ] {
        if id.starts_with(prefix) {
            return match version_after(id, prefix) {
                Some(v) if v < first => GuestSupport::TooOld,
                // `slesGuest` is SLES 9 and earlier; `centosGuest` and `oracleLinuxGuest`
                // name no version and are the recent ones.
                None if prefix == "sles" => GuestSupport::TooOld,
                _ => GuestSupport::Supported,
            };
        }
    }
    // Fedora and Ubuntu have no versions in their identifiers; every Ubuntu vSphere knows
    // is 10.04 or later but for the 32-bit `ubuntuGuest` of older releases, which the
    // identifier cannot tell apart.
    if id.starts_with("fedora") || id.starts_with("ubuntu") {
        return GuestSupport::Supported;
    }
    GuestSupport::Unlisted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vsphere_guest_ids_against_virt_v2v_support() {
        use GuestSupport::*;
        for (id, want) in [
            ("rhel8_64Guest", Supported),
            ("rhel3Guest", TooOld),
            ("rhel10_64Guest", Supported),
            ("centos64Guest", Supported),
            ("centos8_64Guest", Supported),
            ("oracleLinux9_64Guest", Supported),
            ("sles15_64Guest", Supported),
            ("slesGuest", TooOld),
            ("sles64Guest", TooOld),
            ("debian11_64Guest", Supported),
            ("debian5Guest", TooOld),
            ("ubuntu64Guest", Supported),
            ("fedora64Guest", Supported),
            ("otherLinux64Guest", Unlisted),
            ("other4xLinux64Guest", Unlisted),
            ("vmwarePhoton64Guest", Unlisted),
            ("rockylinux_64Guest", Unlisted),
            ("windows9_64Guest", Supported),
            ("windows2019srv_64Guest", Supported),
            ("windows2022srvNext_64Guest", Supported),
            ("windows9Server64Guest", Supported),
            ("winXPProGuest", Supported),
            ("winNetStandardGuest", Supported),
            ("win2000ServGuest", TooOld),
            ("winNTGuest", TooOld),
            ("freebsd12_64Guest", Unsupported),
            ("solaris11_64Guest", Unsupported),
            ("darwin19_64Guest", Unsupported),
            ("otherGuest", Unsupported),
            ("otherGuest64", Unsupported),
        ] {
            assert_eq!(support(id), want, "{id}");
        }
        assert_eq!(family("vmwarePhoton64Guest"), Family::Linux);
        assert_eq!(family("freebsd64Guest"), Family::Other);
    }
}
