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

const fn g(id: &'static str, full_name: &'static str, family: &'static str) -> GuestOs {
    GuestOs {
        id,
        full_name,
        family,
    }
}

/// Every guest OS, in the order hosts list them.
pub const GUEST_OS: &[GuestOs] = &[
    g("dosGuest", "MS-DOS", "otherGuestFamily"),
    g("win31Guest", "Windows 3.1", "windowsGuest"),
    g("win95Guest", "Windows 95", "windowsGuest"),
    g("win98Guest", "Windows 98", "windowsGuest"),
    g("winMeGuest", "Windows Millennium Edition", "windowsGuest"),
    g("winNTGuest", "Windows NT", "windowsGuest"),
    g(
        "win2000ProGuest",
        "Windows 2000 Professional",
        "windowsGuest",
    ),
    g("win2000ServGuest", "Windows 2000 Server", "windowsGuest"),
    g(
        "win2000AdvServGuest",
        "Windows 2000 Advanced Server",
        "windowsGuest",
    ),
    g("winXPHomeGuest", "Windows XP Home Edition", "windowsGuest"),
    g("winXPProGuest", "Windows XP Professional", "windowsGuest"),
    g(
        "winXPPro64Guest",
        "Windows XP Professional Edition (x64)",
        "windowsGuest",
    ),
    g(
        "winNetWebGuest",
        "Windows Server 2003 Web Edition",
        "windowsGuest",
    ),
    g(
        "winNetStandardGuest",
        "Windows Server 2003 Standard (32-bit)",
        "windowsGuest",
    ),
    g(
        "winNetEnterpriseGuest",
        "Windows Server 2003 Enterprise (32-bit)",
        "windowsGuest",
    ),
    g(
        "winNetDatacenterGuest",
        "Windows Server 2003 Datacenter (32-bit)",
        "windowsGuest",
    ),
    g(
        "winNetBusinessGuest",
        "Windows Small Business Server 2003",
        "windowsGuest",
    ),
    g(
        "winNetStandard64Guest",
        "Windows Server 2003 Standard (64-bit)",
        "windowsGuest",
    ),
    g(
        "winNetEnterprise64Guest",
        "Windows Server 2003 Enterprise (64-bit)",
        "windowsGuest",
    ),
    g(
        "winNetDatacenter64Guest",
        "Windows Server 2003 Datacenter (64-bit)",
        "windowsGuest",
    ),
    g(
        "winLonghornGuest",
        "Windows Server 2008 (32-bit)",
        "windowsGuest",
    ),
    g(
        "winLonghorn64Guest",
        "Windows Server 2008 (64-bit)",
        "windowsGuest",
    ),
    g("winVistaGuest", "Windows Vista (32-bit)", "windowsGuest"),
    g("winVista64Guest", "Windows Vista (64-bit)", "windowsGuest"),
    g("windows7Guest", "Windows 7 (32-bit)", "windowsGuest"),
    g("windows7_64Guest", "Windows 7 (64-bit)", "windowsGuest"),
    g(
        "windows7Server64Guest",
        "Windows Server 2008 R2 (64-bit)",
        "windowsGuest",
    ),
    g("windows8Guest", "Windows 8 (32-bit)", "windowsGuest"),
    g("windows8_64Guest", "Windows 8 (64-bit)", "windowsGuest"),
    g(
        "windows8Server64Guest",
        "Windows Server 2012 (64-bit)",
        "windowsGuest",
    ),
    g("windows9Guest", "Windows 10 (32-bit)", "windowsGuest"),
    g("windows9_64Guest", "Windows 10 (64-bit)", "windowsGuest"),
    g(
        "windows9Server64Guest",
        "Windows Server 2016 (64-bit)",
        "windowsGuest",
    ),
    g(
        "windows2019srv_64Guest",
        "Windows Server 2019 (64-bit)",
        "windowsGuest",
    ),
    g(
        "windows2019srvNext_64Guest",
        "Windows Server 2022 (64-bit)",
        "windowsGuest",
    ),
    g("windowsHyperVGuest", "Windows Hyper-V", "windowsGuest"),
    g("freebsdGuest", "FreeBSD (32-bit)", "otherGuestFamily"),
    g("freebsd64Guest", "FreeBSD (64-bit)", "otherGuestFamily"),
    g("freebsd11Guest", "FreeBSD 11 (32-bit)", "otherGuestFamily"),
    g(
        "freebsd11_64Guest",
        "FreeBSD 11 (64-bit)",
        "otherGuestFamily",
    ),
    g("freebsd12Guest", "FreeBSD 12 (32-bit)", "otherGuestFamily"),
    g(
        "freebsd12_64Guest",
        "FreeBSD 12 (64-bit)",
        "otherGuestFamily",
    ),
    g("redhatGuest", "Red Hat Linux 2.1", "linuxGuest"),
    g("rhel2Guest", "Red Hat Enterprise Linux 2", "linuxGuest"),
    g(
        "rhel3Guest",
        "Red Hat Enterprise Linux 3 (32-bit)",
        "linuxGuest",
    ),
    g(
        "rhel3_64Guest",
        "Red Hat Enterprise Linux 3 (64-bit)",
        "linuxGuest",
    ),
    g(
        "rhel4Guest",
        "Red Hat Enterprise Linux 4 (32-bit)",
        "linuxGuest",
    ),
    g(
        "rhel4_64Guest",
        "Red Hat Enterprise Linux 4 (64-bit)",
        "linuxGuest",
    ),
    g(
        "rhel5Guest",
        "Red Hat Enterprise Linux 5 (32-bit)",
        "linuxGuest",
    ),
    g(
        "rhel5_64Guest",
        "Red Hat Enterprise Linux 5 (64-bit)",
        "linuxGuest",
    ),
    g(
        "rhel6Guest",
        "Red Hat Enterprise Linux 6 (32-bit)",
        "linuxGuest",
    ),
    g(
        "rhel6_64Guest",
        "Red Hat Enterprise Linux 6 (64-bit)",
        "linuxGuest",
    ),
    g(
        "rhel7Guest",
        "Red Hat Enterprise Linux 7 (32-bit)",
        "linuxGuest",
    ),
    g(
        "rhel7_64Guest",
        "Red Hat Enterprise Linux 7 (64-bit)",
        "linuxGuest",
    ),
    g(
        "rhel8_64Guest",
        "Red Hat Enterprise Linux 8 (64-bit)",
        "linuxGuest",
    ),
    g("centosGuest", "CentOS 4/5 (32-bit)", "linuxGuest"),
    g(
        "centos64Guest",
        "CentOS 4/5 or later (64-bit)",
        "linuxGuest",
    ),
    g("centos6Guest", "CentOS 6 (32-bit)", "linuxGuest"),
    g("centos6_64Guest", "CentOS 6 (64-bit)", "linuxGuest"),
    g("centos7Guest", "CentOS 7 (32-bit)", "linuxGuest"),
    g("centos7_64Guest", "CentOS 7 (64-bit)", "linuxGuest"),
    g("centos8_64Guest", "CentOS 8 (64-bit)", "linuxGuest"),
    g(
        "oracleLinuxGuest",
        "Oracle Linux 4/5 (32-bit)",
        "linuxGuest",
    ),
    g(
        "oracleLinux64Guest",
        "Oracle Linux 4/5 or later (64-bit)",
        "linuxGuest",
    ),
    g("oracleLinux6Guest", "Oracle Linux 6 (32-bit)", "linuxGuest"),
    g(
        "oracleLinux6_64Guest",
        "Oracle Linux 6 (64-bit)",
        "linuxGuest",
    ),
    g("oracleLinux7Guest", "Oracle Linux 7 (32-bit)", "linuxGuest"),
    g(
        "oracleLinux7_64Guest",
        "Oracle Linux 7 (64-bit)",
        "linuxGuest",
    ),
    g(
        "oracleLinux8_64Guest",
        "Oracle Linux 8 (64-bit)",
        "linuxGuest",
    ),
    g("suseGuest", "SUSE Linux (32-bit)", "linuxGuest"),
    g("suse64Guest", "SUSE Linux (64-bit)", "linuxGuest"),
    g(
        "slesGuest",
        "SUSE Linux Enterprise 8/9 (32-bit)",
        "linuxGuest",
    ),
    g(
        "sles64Guest",
        "SUSE Linux Enterprise 8/9 (64-bit)",
        "linuxGuest",
    ),
    g(
        "sles10Guest",
        "SUSE Linux Enterprise 10 (32-bit)",
        "linuxGuest",
    ),
    g(
        "sles10_64Guest",
        "SUSE Linux Enterprise 10 (64-bit)",
        "linuxGuest",
    ),
    g(
        "sles11Guest",
        "SUSE Linux Enterprise 11 (32-bit)",
        "linuxGuest",
    ),
    g(
        "sles11_64Guest",
        "SUSE Linux Enterprise 11 (64-bit)",
        "linuxGuest",
    ),
    g(
        "sles12Guest",
        "SUSE Linux Enterprise 12 (32-bit)",
        "linuxGuest",
    ),
    g(
        "sles12_64Guest",
        "SUSE Linux Enterprise 12 (64-bit)",
        "linuxGuest",
    ),
    g(
        "sles15_64Guest",
        "SUSE Linux Enterprise 15 (64-bit)",
        "linuxGuest",
    ),
    g("nld9Guest", "Novell Linux Desktop 9", "linuxGuest"),
    g("oesGuest", "Open Enterprise Server", "linuxGuest"),
    g("sjdsGuest", "Sun Java Desktop System", "linuxGuest"),
    g("mandrakeGuest", "Mandrake Linux", "linuxGuest"),
    g("mandrivaGuest", "Mandriva Linux (32-bit)", "linuxGuest"),
    g("mandriva64Guest", "Mandriva Linux (64-bit)", "linuxGuest"),
    g("turboLinuxGuest", "Turbolinux (32-bit)", "linuxGuest"),
    g("turboLinux64Guest", "Turbolinux (64-bit)", "linuxGuest"),
    g("debian4Guest", "Debian GNU/Linux 4 (32-bit)", "linuxGuest"),
    g(
        "debian4_64Guest",
        "Debian GNU/Linux 4 (64-bit)",
        "linuxGuest",
    ),
    g("debian5Guest", "Debian GNU/Linux 5 (32-bit)", "linuxGuest"),
    g(
        "debian5_64Guest",
        "Debian GNU/Linux 5 (64-bit)",
        "linuxGuest",
    ),
    g("debian6Guest", "Debian GNU/Linux 6 (32-bit)", "linuxGuest"),
    g(
        "debian6_64Guest",
        "Debian GNU/Linux 6 (64-bit)",
        "linuxGuest",
    ),
    g("debian7Guest", "Debian GNU/Linux 7 (32-bit)", "linuxGuest"),
    g(
        "debian7_64Guest",
        "Debian GNU/Linux 7 (64-bit)",
        "linuxGuest",
    ),
    g("debian8Guest", "Debian GNU/Linux 8 (32-bit)", "linuxGuest"),
    g(
        "debian8_64Guest",
        "Debian GNU/Linux 8 (64-bit)",
        "linuxGuest",
    ),
    g("debian9Guest", "Debian GNU/Linux 9 (32-bit)", "linuxGuest"),
    g(
        "debian9_64Guest",
        "Debian GNU/Linux 9 (64-bit)",
        "linuxGuest",
    ),
    g(
        "debian10Guest",
        "Debian GNU/Linux 10 (32-bit)",
        "linuxGuest",
    ),
    g(
        "debian10_64Guest",
        "Debian GNU/Linux 10 (64-bit)",
        "linuxGuest",
    ),
    g(
        "debian11Guest",
        "Debian GNU/Linux 11 (32-bit)",
        "linuxGuest",
    ),
    g(
        "debian11_64Guest",
        "Debian GNU/Linux 11 (64-bit)",
        "linuxGuest",
    ),
    g("asianux3Guest", "Asianux 3 (32-bit)", "linuxGuest"),
    g("asianux3_64Guest", "Asianux 3 (64-bit)", "linuxGuest"),
    g("asianux4Guest", "Asianux 4 (32-bit)", "linuxGuest"),
    g("asianux4_64Guest", "Asianux 4 (64-bit)", "linuxGuest"),
    g("asianux5_64Guest", "Asianux 5 (64-bit)", "linuxGuest"),
    g("asianux7_64Guest", "Asianux 7 (64-bit)", "linuxGuest"),
    g("asianux8_64Guest", "Asianux 8 (64-bit)", "linuxGuest"),
    g("opensuseGuest", "openSUSE (32-bit)", "linuxGuest"),
    g("opensuse64Guest", "openSUSE (64-bit)", "linuxGuest"),
    g("fedoraGuest", "Fedora (32-bit)", "linuxGuest"),
    g("fedora64Guest", "Fedora (64-bit)", "linuxGuest"),
    g("coreos64Guest", "CoreOS Linux (64-bit)", "linuxGuest"),
    g(
        "vmwarePhoton64Guest",
        "VMware Photon OS (64-bit)",
        "linuxGuest",
    ),
    g(
        "amazonlinux2_64Guest",
        "Amazon Linux 2 (64-bit)",
        "linuxGuest",
    ),
    g("crxPod1Guest", "CRX Pod 1", "linuxGuest"),
    g(
        "other24xLinuxGuest",
        "Other 2.4.x Linux (32-bit)",
        "linuxGuest",
    ),
    g(
        "other26xLinuxGuest",
        "Other 2.6.x Linux (32-bit)",
        "linuxGuest",
    ),
    g(
        "other3xLinuxGuest",
        "Other 3.x Linux (32-bit)",
        "linuxGuest",
    ),
    g(
        "other4xLinuxGuest",
        "Other 4.x or later Linux (32-bit)",
        "linuxGuest",
    ),
    g("otherLinuxGuest", "Other Linux (32-bit)", "linuxGuest"),
    g("genericLinuxGuest", "Other Linux", "linuxGuest"),
    g(
        "other24xLinux64Guest",
        "Other 2.4.x Linux (64-bit)",
        "linuxGuest",
    ),
    g(
        "other26xLinux64Guest",
        "Other 2.6.x Linux (64-bit)",
        "linuxGuest",
    ),
    g(
        "other3xLinux64Guest",
        "Other 3.x Linux (64-bit)",
        "linuxGuest",
    ),
    g(
        "other4xLinux64Guest",
        "Other 4.x or later Linux (64-bit)",
        "linuxGuest",
    ),
    g("otherLinux64Guest", "Other Linux (64-bit)", "linuxGuest"),
    g("ubuntuGuest", "Ubuntu Linux (32-bit)", "linuxGuest"),
    g("ubuntu64Guest", "Ubuntu Linux (64-bit)", "linuxGuest"),
    g("solaris6Guest", "Solaris 6", "solarisGuest"),
    g("solaris7Guest", "Solaris 7", "solarisGuest"),
    g("solaris8Guest", "Solaris 8", "solarisGuest"),
    g("solaris9Guest", "Solaris 9", "solarisGuest"),
    g(
        "solaris10Guest",
        "Oracle Solaris 10 (32-bit)",
        "solarisGuest",
    ),
    g(
        "solaris10_64Guest",
        "Oracle Solaris 10 (64-bit)",
        "solarisGuest",
    ),
    g(
        "solaris11_64Guest",
        "Oracle Solaris 11 (64-bit)",
        "solarisGuest",
    ),
    g("netware4Guest", "Novell NetWare 4", "netwareGuest"),
    g("netware5Guest", "Novell NetWare 5.1", "netwareGuest"),
    g("netware6Guest", "Novell NetWare 6.x", "netwareGuest"),
    g("os2Guest", "OS/2", "otherGuestFamily"),
    g("eComStationGuest", "eComStation 1", "otherGuestFamily"),
    g("eComStation2Guest", "eComStation 2", "otherGuestFamily"),
    g("openServer5Guest", "SCO OpenServer 5", "otherGuestFamily"),
    g("openServer6Guest", "SCO OpenServer 6", "otherGuestFamily"),
    g("unixWare7Guest", "SCO UnixWare 7", "otherGuestFamily"),
    g(
        "darwinGuest",
        "Apple Mac OS X 10.5 (32-bit)",
        "darwinGuestFamily",
    ),
    g(
        "darwin64Guest",
        "Apple Mac OS X 10.5 (64-bit)",
        "darwinGuestFamily",
    ),
    g(
        "darwin10Guest",
        "Apple Mac OS X 10.6 (32-bit)",
        "darwinGuestFamily",
    ),
    g(
        "darwin10_64Guest",
        "Apple Mac OS X 10.6 (64-bit)",
        "darwinGuestFamily",
    ),
    g(
        "darwin11Guest",
        "Apple Mac OS X 10.7 (32-bit)",
        "darwinGuestFamily",
    ),
    g(
        "darwin11_64Guest",
        "Apple Mac OS X 10.7 (64-bit)",
        "darwinGuestFamily",
    ),
    g(
        "darwin12_64Guest",
        "Apple Mac OS X 10.8 (64-bit)",
        "darwinGuestFamily",
    ),
    g(
        "darwin13_64Guest",
        "Apple Mac OS X 10.9 (64-bit)",
        "darwinGuestFamily",
    ),
    g(
        "darwin14_64Guest",
        "Apple Mac OS X 10.10 (64-bit)",
        "darwinGuestFamily",
    ),
    g(
        "darwin15_64Guest",
        "Apple Mac OS X 10.11 (64-bit)",
        "darwinGuestFamily",
    ),
    g(
        "darwin16_64Guest",
        "Apple macOS 10.12 (64-bit)",
        "darwinGuestFamily",
    ),
    g(
        "darwin17_64Guest",
        "Apple macOS 10.13 (64-bit)",
        "darwinGuestFamily",
    ),
    g(
        "darwin18_64Guest",
        "Apple macOS 10.14 (64-bit)",
        "darwinGuestFamily",
    ),
    g(
        "darwin19_64Guest",
        "Apple macOS 10.15 (64-bit)",
        "darwinGuestFamily",
    ),
    g("vmkernelGuest", "VMware ESX 4.x", "otherGuestFamily"),
    g("vmkernel5Guest", "VMware ESXi 5.x", "otherGuestFamily"),
    g("vmkernel6Guest", "VMware ESXi 6.0", "otherGuestFamily"),
    g("vmkernel65Guest", "VMware ESXi 6.5", "otherGuestFamily"),
    g("vmkernel7Guest", "VMware ESXi 7.0", "otherGuestFamily"),
    g("otherGuest", "Other (32-bit)", "otherGuestFamily"),
    g("otherGuest64", "Other (64-bit)", "otherGuestFamily"),
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
