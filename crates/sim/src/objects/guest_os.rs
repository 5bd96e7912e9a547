//! The guest operating systems a host offers (`VirtualMachineGuestOsIdentifier` with their
//! full names and families): the environment browser's descriptors, a VM's
//! `guestFullName` and `guest.guestFamily`.

/// A guest OS: its API id, full name and family.
pub struct GuestOs {
    /// `guestId` (`ubuntu64Guest`).
    pub id: &'static str,
    /// `guestFullName`.
    pub full_name: &'static str,
    /// `VirtualMachineGuestOsFamily` (`linuxGuest`).
    pub family: &'static str,
}

/// Table constructors, one per family, so that each row names only what differs.
macro_rules! family_fns {
    ($($name:ident => $family:literal),* $(,)?) => {$(
        const fn $name(id: &'static str, full_name: &'static str) -> GuestOs {
            GuestOs { id, full_name, family: $family }
        }
    )*};
}

family_fns! {
    windows => "windowsGuest",
    linux => "linuxGuest",
    solaris => "solarisGuest",
    netware => "netwareGuest",
    darwin => "darwinGuestFamily",
    other => "otherGuestFamily",
}

/// Every guest OS, in the order hosts list them.
pub const GUEST_OS: &[GuestOs] = &[
    other("dosGuest", "MS-DOS"),
    windows("win31Guest", "Windows 3.1"),
    windows("win95Guest", "Windows 95"),
    windows("win98Guest", "Windows 98"),
    windows("winMeGuest", "Windows Millennium Edition"),
    windows("winNTGuest", "Windows NT"),
    windows("win2000ProGuest", "Windows 2000 Professional"),
    windows("win2000ServGuest", "Windows 2000 Server"),
    windows("win2000AdvServGuest", "Windows 2000 Advanced Server"),
    windows("winXPHomeGuest", "Windows XP Home Edition"),
    windows("winXPProGuest", "Windows XP Professional"),
    windows("winXPPro64Guest", "Windows XP Professional Edition (x64)"),
    windows("winNetWebGuest", "Windows Server 2003 Web Edition"),
    windows(
        "winNetStandardGuest",
        "Windows Server 2003 Standard (32-bit)",
    ),
    windows(
        "winNetEnterpriseGuest",
        "Windows Server 2003 Enterprise (32-bit)",
    ),
    windows(
        "winNetDatacenterGuest",
        "Windows Server 2003 Datacenter (32-bit)",
    ),
    windows("winNetBusinessGuest", "Windows Small Business Server 2003"),
    windows(
        "winNetStandard64Guest",
        "Windows Server 2003 Standard (64-bit)",
    ),
    windows(
        "winNetEnterprise64Guest",
        "Windows Server 2003 Enterprise (64-bit)",
    ),
    windows(
        "winNetDatacenter64Guest",
        "Windows Server 2003 Datacenter (64-bit)",
    ),
    windows("winLonghornGuest", "Windows Server 2008 (32-bit)"),
    windows("winLonghorn64Guest", "Windows Server 2008 (64-bit)"),
    windows("winVistaGuest", "Windows Vista (32-bit)"),
    windows("winVista64Guest", "Windows Vista (64-bit)"),
    windows("windows7Guest", "Windows 7 (32-bit)"),
    windows("windows7_64Guest", "Windows 7 (64-bit)"),
    windows("windows7Server64Guest", "Windows Server 2008 R2 (64-bit)"),
    windows("windows8Guest", "Windows 8 (32-bit)"),
    windows("windows8_64Guest", "Windows 8 (64-bit)"),
    windows("windows8Server64Guest", "Windows Server 2012 (64-bit)"),
    windows("windows9Guest", "Windows 10 (32-bit)"),
    windows("windows9_64Guest", "Windows 10 (64-bit)"),
    windows("windows9Server64Guest", "Windows Server 2016 (64-bit)"),
    windows("windows2019srv_64Guest", "Windows Server 2019 (64-bit)"),
    windows("windows2019srvNext_64Guest", "Windows Server 2022 (64-bit)"),
    windows("windowsHyperVGuest", "Windows Hyper-V"),
    other("freebsdGuest", "FreeBSD (32-bit)"),
    other("freebsd64Guest", "FreeBSD (64-bit)"),
    other("freebsd11Guest", "FreeBSD 11 (32-bit)"),
    other("freebsd11_64Guest", "FreeBSD 11 (64-bit)"),
    other("freebsd12Guest", "FreeBSD 12 (32-bit)"),
    other("freebsd12_64Guest", "FreeBSD 12 (64-bit)"),
    linux("redhatGuest", "Red Hat Linux 2.1"),
    linux("rhel2Guest", "Red Hat Enterprise Linux 2"),
    linux("rhel3Guest", "Red Hat Enterprise Linux 3 (32-bit)"),
    linux("rhel3_64Guest", "Red Hat Enterprise Linux 3 (64-bit)"),
    linux("rhel4Guest", "Red Hat Enterprise Linux 4 (32-bit)"),
    linux("rhel4_64Guest", "Red Hat Enterprise Linux 4 (64-bit)"),
    linux("rhel5Guest", "Red Hat Enterprise Linux 5 (32-bit)"),
    linux("rhel5_64Guest", "Red Hat Enterprise Linux 5 (64-bit)"),
    linux("rhel6Guest", "Red Hat Enterprise Linux 6 (32-bit)"),
    linux("rhel6_64Guest", "Red Hat Enterprise Linux 6 (64-bit)"),
    linux("rhel7Guest", "Red Hat Enterprise Linux 7 (32-bit)"),
    linux("rhel7_64Guest", "Red Hat Enterprise Linux 7 (64-bit)"),
    linux("rhel8_64Guest", "Red Hat Enterprise Linux 8 (64-bit)"),
    linux("centosGuest", "CentOS 4/5 (32-bit)"),
    linux("centos64Guest", "CentOS 4/5 or later (64-bit)"),
    linux("centos6Guest", "CentOS 6 (32-bit)"),
    linux("centos6_64Guest", "CentOS 6 (64-bit)"),
    linux("centos7Guest", "CentOS 7 (32-bit)"),
    linux("centos7_64Guest", "CentOS 7 (64-bit)"),
    linux("centos8_64Guest", "CentOS 8 (64-bit)"),
    linux("oracleLinuxGuest", "Oracle Linux 4/5 (32-bit)"),
    linux("oracleLinux64Guest", "Oracle Linux 4/5 or later (64-bit)"),
    linux("oracleLinux6Guest", "Oracle Linux 6 (32-bit)"),
    linux("oracleLinux6_64Guest", "Oracle Linux 6 (64-bit)"),
    linux("oracleLinux7Guest", "Oracle Linux 7 (32-bit)"),
    linux("oracleLinux7_64Guest", "Oracle Linux 7 (64-bit)"),
    linux("oracleLinux8_64Guest", "Oracle Linux 8 (64-bit)"),
    linux("suseGuest", "SUSE Linux (32-bit)"),
    linux("suse64Guest", "SUSE Linux (64-bit)"),
    linux("slesGuest", "SUSE Linux Enterprise 8/9 (32-bit)"),
    linux("sles64Guest", "SUSE Linux Enterprise 8/9 (64-bit)"),
    linux("sles10Guest", "SUSE Linux Enterprise 10 (32-bit)"),
    linux("sles10_64Guest", "SUSE Linux Enterprise 10 (64-bit)"),
    linux("sles11Guest", "SUSE Linux Enterprise 11 (32-bit)"),
    linux("sles11_64Guest", "SUSE Linux Enterprise 11 (64-bit)"),
    linux("sles12Guest", "SUSE Linux Enterprise 12 (32-bit)"),
    linux("sles12_64Guest", "SUSE Linux Enterprise 12 (64-bit)"),
    linux("sles15_64Guest", "SUSE Linux Enterprise 15 (64-bit)"),
    linux("nld9Guest", "Novell Linux Desktop 9"),
    linux("oesGuest", "Open Enterprise Server"),
    linux("sjdsGuest", "Sun Java Desktop System"),
    linux("mandrakeGuest", "Mandrake Linux"),
    linux("mandrivaGuest", "Mandriva Linux (32-bit)"),
    linux("mandriva64Guest", "Mandriva Linux (64-bit)"),
    linux("turboLinuxGuest", "Turbolinux (32-bit)"),
    linux("turboLinux64Guest", "Turbolinux (64-bit)"),
    linux("debian4Guest", "Debian GNU/Linux 4 (32-bit)"),
    linux("debian4_64Guest", "Debian GNU/Linux 4 (64-bit)"),
    linux("debian5Guest", "Debian GNU/Linux 5 (32-bit)"),
    linux("debian5_64Guest", "Debian GNU/Linux 5 (64-bit)"),
    linux("debian6Guest", "Debian GNU/Linux 6 (32-bit)"),
    linux("debian6_64Guest", "Debian GNU/Linux 6 (64-bit)"),
    linux("debian7Guest", "Debian GNU/Linux 7 (32-bit)"),
    linux("debian7_64Guest", "Debian GNU/Linux 7 (64-bit)"),
    linux("debian8Guest", "Debian GNU/Linux 8 (32-bit)"),
    linux("debian8_64Guest", "Debian GNU/Linux 8 (64-bit)"),
    linux("debian9Guest", "Debian GNU/Linux 9 (32-bit)"),
    linux("debian9_64Guest", "Debian GNU/Linux 9 (64-bit)"),
    linux("debian10Guest", "Debian GNU/Linux 10 (32-bit)"),
    linux("debian10_64Guest", "Debian GNU/Linux 10 (64-bit)"),
    linux("debian11Guest", "Debian GNU/Linux 11 (32-bit)"),
    linux("debian11_64Guest", "Debian GNU/Linux 11 (64-bit)"),
    linux("asianux3Guest", "Asianux 3 (32-bit)"),
    linux("asianux3_64Guest", "Asianux 3 (64-bit)"),
    linux("asianux4Guest", "Asianux 4 (32-bit)"),
    linux("asianux4_64Guest", "Asianux 4 (64-bit)"),
    linux("asianux5_64Guest", "Asianux 5 (64-bit)"),
    linux("asianux7_64Guest", "Asianux 7 (64-bit)"),
    linux("asianux8_64Guest", "Asianux 8 (64-bit)"),
    linux("opensuseGuest", "openSUSE (32-bit)"),
    linux("opensuse64Guest", "openSUSE (64-bit)"),
    linux("fedoraGuest", "Fedora (32-bit)"),
    linux("fedora64Guest", "Fedora (64-bit)"),
    linux("coreos64Guest", "CoreOS Linux (64-bit)"),
    linux("vmwarePhoton64Guest", "VMware Photon OS (64-bit)"),
    linux("amazonlinux2_64Guest", "Amazon Linux 2 (64-bit)"),
    linux("crxPod1Guest", "CRX Pod 1"),
    linux("other24xLinuxGuest", "Other 2.4.x Linux (32-bit)"),
    linux("other26xLinuxGuest", "Other 2.6.x Linux (32-bit)"),
    linux("other3xLinuxGuest", "Other 3.x Linux (32-bit)"),
    linux("other4xLinuxGuest", "Other 4.x or later Linux (32-bit)"),
    linux("otherLinuxGuest", "Other Linux (32-bit)"),
    linux("genericLinuxGuest", "Other Linux"),
    linux("other24xLinux64Guest", "Other 2.4.x Linux (64-bit)"),
    linux("other26xLinux64Guest", "Other 2.6.x Linux (64-bit)"),
    linux("other3xLinux64Guest", "Other 3.x Linux (64-bit)"),
    linux("other4xLinux64Guest", "Other 4.x or later Linux (64-bit)"),
    linux("otherLinux64Guest", "Other Linux (64-bit)"),
    linux("ubuntuGuest", "Ubuntu Linux (32-bit)"),
    linux("ubuntu64Guest", "Ubuntu Linux (64-bit)"),
    solaris("solaris6Guest", "Solaris 6"),
    solaris("solaris7Guest", "Solaris 7"),
    solaris("solaris8Guest", "Solaris 8"),
    solaris("solaris9Guest", "Solaris 9"),
    solaris("solaris10Guest", "Oracle Solaris 10 (32-bit)"),
    solaris("solaris10_64Guest", "Oracle Solaris 10 (64-bit)"),
    solaris("solaris11_64Guest", "Oracle Solaris 11 (64-bit)"),
    netware("netware4Guest", "Novell NetWare 4"),
    netware("netware5Guest", "Novell NetWare 5.1"),
    netware("netware6Guest", "Novell NetWare 6.x"),
    other("os2Guest", "OS/2"),
    other("eComStationGuest", "eComStation 1"),
    other("eComStation2Guest", "eComStation 2"),
    other("openServer5Guest", "SCO OpenServer 5"),
    other("openServer6Guest", "SCO OpenServer 6"),
    other("unixWare7Guest", "SCO UnixWare 7"),
    darwin("darwinGuest", "Apple Mac OS X 10.5 (32-bit)"),
    darwin("darwin64Guest", "Apple Mac OS X 10.5 (64-bit)"),
    darwin("darwin10Guest", "Apple Mac OS X 10.6 (32-bit)"),
    darwin("darwin10_64Guest", "Apple Mac OS X 10.6 (64-bit)"),
    darwin("darwin11Guest", "Apple Mac OS X 10.7 (32-bit)"),
    darwin("darwin11_64Guest", "Apple Mac OS X 10.7 (64-bit)"),
    darwin("darwin12_64Guest", "Apple Mac OS X 10.8 (64-bit)"),
    darwin("darwin13_64Guest", "Apple Mac OS X 10.9 (64-bit)"),
    darwin("darwin14_64Guest", "Apple Mac OS X 10.10 (64-bit)"),
    darwin("darwin15_64Guest", "Apple Mac OS X 10.11 (64-bit)"),
    darwin("darwin16_64Guest", "Apple macOS 10.12 (64-bit)"),
    darwin("darwin17_64Guest", "Apple macOS 10.13 (64-bit)"),
    darwin("darwin18_64Guest", "Apple macOS 10.14 (64-bit)"),
    darwin("darwin19_64Guest", "Apple macOS 10.15 (64-bit)"),
    other("vmkernelGuest", "VMware ESX 4.x"),
    other("vmkernel5Guest", "VMware ESXi 5.x"),
    other("vmkernel6Guest", "VMware ESXi 6.0"),
    other("vmkernel65Guest", "VMware ESXi 6.5"),
    other("vmkernel7Guest", "VMware ESXi 7.0"),
    other("otherGuest", "Other (32-bit)"),
    other("otherGuest64", "Other (64-bit)"),
];

/// The guest OS with API id `id` (case-insensitive).
pub fn guest_os(id: &str) -> Option<&'static GuestOs> {
    GUEST_OS.iter().find(|g| g.id.eq_ignore_ascii_case(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_families_known() {
        assert!(GUEST_OS.len() > 100);
        for (i, a) in GUEST_OS.iter().enumerate() {
            assert!(GUEST_OS[i + 1..].iter().all(|b| b.id != a.id), "{}", a.id);
            assert!(
                [
                    "windowsGuest",
                    "linuxGuest",
                    "solarisGuest",
                    "netwareGuest",
                    "darwinGuestFamily",
                    "otherGuestFamily"
                ]
                .contains(&a.family),
                "{}",
                a.id
            );
        }
        assert_eq!(
            guest_os("UBUNTU64GUEST").map(|g| g.family),
            Some("linuxGuest")
        );
        assert_eq!(
            guest_os("windows8_64Guest").map(|g| g.family),
            Some("windowsGuest")
        );
        assert!(guest_os("enoent").is_none());
    }
}
