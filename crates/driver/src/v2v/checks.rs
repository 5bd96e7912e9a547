//! The checks: each reads a VM's record (and its host's and datastores') and gives reasons,
//! each with its severity and the check it comes from. `docs/v2v.md` lists every check with
//! the documentation its facts come from; [`Check::source`] names it too.

use serde::Serialize;

use super::collect::{Backing, Collected, VmRec};
use super::guest_os::{self, Family, GuestSupport};

/// How much a reason weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; the VM converts.
    Info,
    /// The VM converts, with a caveat to handle (before or after).
    Warning,
    /// virt-v2v cannot convert the VM as it is.
    Blocker,
}

/// Which check a reason comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    Power,
    Connection,
    Snapshots,
    Disks,
    Datastores,
    Encryption,
    Firmware,
    GuestOs,
    Tools,
    Cbt,
    Devices,
    Name,
    Host,
}

impl Check {
    /// The check's name as reports print it.
    pub fn as_str(self) -> &'static str {
        match self {
            Check::Power => "power",
            Check::Connection => "connection",
            Check::Snapshots => "snapshots",
            Check::Disks => "disks",
            Check::Datastores => "datastores",
            Check::Encryption => "encryption",
            Check::Firmware => "firmware",
            Check::GuestOs => "guest_os",
            Check::Tools => "tools",
            Check::Cbt => "cbt",
            Check::Devices => "devices",
            Check::Name => "name",
            Check::Host => "host",
        }
    }

    /// Where the check's facts come from.
    pub fn source(self) -> &'static str {
        match self {
            Check::Power => "virt-v2v(1), The guest should not be running",
            Check::Connection => "vSphere API, VirtualMachine.runtime.connectionState",
            Check::Snapshots => "virt-v2v-input-vmware(1), NOTES; virt-v2v(1), -io vddk-snapshot",
            Check::Disks => "VDDK Programming Guide (RDM and independent disks); vSphere API, VirtualDiskMode and sharing",
            Check::Datastores => "virt-v2v-input-vmware(1), vCenter: Non-administrator role (Datastore privileges)",
            Check::Encryption => "virt-v2v-input-vmware(1), Cryptographic operations privileges; virt-v2v(1), BitLocker and LUKS with TPM",
            Check::Firmware => "virt-v2v-support(1), Guest firmware",
            Check::GuestOs => "virt-v2v-support(1), Guests",
            Check::Tools => "virt-v2v(1), Removing VMware Tools from Windows guests",
            Check::Cbt => "VDDK Programming Guide, changed block tracking (QueryChangedDiskAreas)",
            Check::Devices => "virt-v2v(1), Enabling virtio; esxvirt's VMX reader (libvirt 9.0)",
            Check::Name => "libvirt ESX driver URIs (drvesx); virt-v2v-input-vmware(1), vCenter: URI",
            Check::Host => "virt-v2v-input-vmware(1), VDDK: Prerequisites and vCenter: URI",
        }
    }
}

/// One reason of a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub check: Check,
    pub severity: Severity,
    pub message: String,
}

/// What the checks know besides the VM.
pub(crate) struct CheckContext<'a> {
    pub seen: &'a Collected,
    /// How many VMs of the VM's host carry its name.
    pub same_name_on_host: usize,
    /// A standalone host whose compute resource libvirt cannot name it by.
    pub unreachable_host: Option<String>,
}

struct Reasons(Vec<Reason>);

impl Reasons {
    fn add(&mut self, check: Check, severity: Severity, message: impl Into<String>) {
        self.0.push(Reason {
            check,
            severity,
            message: message.into(),
        });
    }
}

/// Every reason for `vm`, in the order of the checks.
pub(crate) fn check(vm: &VmRec, ctx: &CheckContext<'_>) -> Vec<Reason> {
    let mut r = Reasons(Vec::new());
    power(vm, &mut r);
    host(vm, ctx, &mut r);
    snapshots(vm, &mut r);
    disks(vm, ctx, &mut r);
    encryption(vm, &mut r);
    firmware(vm, &mut r);
    guest_os(vm, &mut r);
    tools(vm, &mut r);
    cbt(vm, &mut r);
    devices(vm, &mut r);
    name(vm, ctx, &mut r);
    r.0
}

fn power(vm: &VmRec, r: &mut Reasons) {
    use Severity::*;
    match vm.power.as_str() {
        "poweredOn" => r.add(
            Check::Power,
            Blocker,
            "powered on: shut the guest down cleanly first (copying a running guest corrupts its file systems)",
        ),
        "suspended" => r.add(
            Check::Power,
            Blocker,
            "suspended: resume it and shut the guest down cleanly first",
        ),
        _ => {}
    }
    if vm.connection != "connected" {
        r.add(
            Check::Connection,
            Blocker,
            format!(
                "the VM is {}: vSphere cannot reach its files",
                vm.connection
            ),
        );
    }
    if vm.template {
        r.add(
            Check::Power,
            Warning,
            "a template: convert it to a virtual machine first",
        );
    }
}

fn host(vm: &VmRec, ctx: &CheckContext<'_>, r: &mut Reasons) {
    let Some(h) = vm.host.as_ref().and_then(|h| ctx.seen.hosts.get(h)) else {
        r.add(
            Check::Host,
            Severity::Blocker,
            "its host is not visible to this user",
        );
        return;
    };
    if !h.connected {
        r.add(
            Check::Host,
            Severity::Blocker,
            format!("its host {} is not connected", unescaped(&h.name)),
        );
    }
    if h.maintenance {
        r.add(
            Check::Host,
            Severity::Blocker,
            format!(
                "its host {} is in maintenance mode (VDDK cannot read disks from it)",
                unescaped(&h.name)
            ),
        );
    }
    if let Some(why) = &ctx.unreachable_host {
        r.add(Check::Host, Severity::Blocker, why.clone());
    }
}

fn snapshots(vm: &VmRec, r: &mut Reasons) {
    if vm.snapshots > 0 {
        r.add(
            Check::Snapshots,
            Severity::Warning,
            format!(
                "{} snapshot{}: convert with -it vddk (the ssh transport cannot read them), or delete them first",
                vm.snapshots,
                if vm.snapshots == 1 { "" } else { "s" }
            ),
        );
    }
    if vm.consolidation_needed {
        r.add(
            Check::Snapshots,
            Severity::Warning,
            "its disks need consolidation: consolidate them first",
        );
    }
}

fn disks(vm: &VmRec, ctx: &CheckContext<'_>, r: &mut Reasons) {
    use Severity::*;
    if vm.disks.is_empty() {
        r.add(Check::Disks, Blocker, "no virtual disk: nothing to convert");
    }
    for d in &vm.disks {
        let which = if d.label.is_empty() {
            "a disk"
        } else {
            &d.label
        };
        match &d.backing {
            Backing::File => {}
            Backing::Rdm { physical: true } => r.add(
                Check::Disks,
                Blocker,
                format!("{which} is a physical-mode RDM: VDDK cannot read it; migrate the LUN's data separately or make it a virtual-mode RDM"),
            ),
            Backing::Rdm { physical: false } => r.add(
                Check::Disks,
                Warning,
                format!("{which} is a virtual-mode RDM: its whole LUN is copied into a disk image"),
            ),
            Backing::Other(t) => r.add(
                Check::Disks,
                Blocker,
                format!("{which} is backed by {t}, not a VMDK file"),
            ),
        }
        if d.mode.starts_with("independent") {
            r.add(
                Check::Disks,
                Warning,
                format!("{which} is independent ({}): snapshots skip it, so only a cold migration copies it", d.mode),
            );
        }
        if d.sharing == "sharingMultiWriter" {
            r.add(
                Check::Disks,
                Blocker,
                format!("{which} is shared with other VMs (multi-writer): detach it or stop every VM sharing it"),
            );
        }
        if d.bus_sharing == "physicalSharing" || d.bus_sharing == "virtualSharing" {
            r.add(
                Check::Disks,
                Blocker,
                format!("{which} is on a SCSI controller with bus sharing ({}): a clustered disk cannot move with one VM", d.bus_sharing),
            );
        }
        match d.datastore.as_ref().map(|id| (id, ctx.seen.datastores.get(id))) {
            Some((_, Some(ds))) => {
                if !ds.accessible {
                    r.add(
                        Check::Datastores,
                        Blocker,
                        format!("{which} is on datastore {}, which is not accessible", unescaped(&ds.name)),
                    );
                }
                match ds.kind.to_ascii_lowercase().as_str() {
                    "vsan" | "vvol" => r.add(
                        Check::Datastores,
                        Info,
                        format!("{which} is on a {} datastore: only VDDK (-it vddk) reads it", ds.kind),
                    ),
                    _ => {}
                }
            }
            Some((id, None)) => r.add(
                Check::Datastores,
                Blocker,
                format!("{which} is on a datastore this user cannot see ({id}): grant Datastore.Browse and low-level file operations"),
            ),
            None if matches!(d.backing, Backing::File | Backing::Rdm { .. }) => r.add(
                Check::Datastores,
                Blocker,
                format!("{which} names no datastore"),
            ),
            None => {}
        }
    }
}

fn encryption(vm: &VmRec, r: &mut Reasons) {
    if vm.key_id.is_some() || vm.crypto_state.is_some() {
        r.add(
            Check::Encryption,
            Severity::Blocker,
            "encrypted with vSphere VM encryption: decrypt it first (reading it needs the Cryptographic operations Decrypt and Direct Access privileges, and the copy loses its key)",
        );
    }
    if vm.tpm {
        r.add(
            Check::Encryption,
            Severity::Warning,
            "has a virtual TPM: keys sealed to it (BitLocker, LUKS with TPM) do not move; keep the recovery keys at hand",
        );
    }
}

fn firmware(vm: &VmRec, r: &mut Reasons) {
    if vm.firmware.eq_ignore_ascii_case("efi") {
        if vm.secure_boot {
            r.add(
                Check::Firmware,
                Severity::Warning,
                "UEFI with Secure Boot: the target must boot it with Secure Boot OVMF, or Secure Boot must be turned off in the guest",
            );
        } else {
            r.add(
                Check::Firmware,
                Severity::Info,
                "UEFI: the target must provide OVMF",
            );
        }
    }
}

fn guest_os(vm: &VmRec, r: &mut Reasons) {
    let id = vm.detected_guest_id.as_deref().unwrap_or(&vm.guest_id);
    let shown = if vm.guest_full_name.is_empty() {
        id
    } else {
        &vm.guest_full_name
    };
    let (severity, message) = match guest_os::support(id) {
        GuestSupport::Supported => return,
        GuestSupport::Unlisted => (
            Severity::Warning,
            format!("guest {shown} ({id}) is not on virt-v2v's list of supported guests: the conversion may stop at inspection"),
        ),
        GuestSupport::TooOld => (
            Severity::Blocker,
            format!("guest {shown} ({id}) is older than virt-v2v converts"),
        ),
        GuestSupport::Unsupported => (
            Severity::Blocker,
            format!("guest {shown} ({id}): virt-v2v converts only Linux and Windows guests"),
        ),
    };
    r.add(Check::GuestOs, severity, message);
}

fn tools(vm: &VmRec, r: &mut Reasons) {
    let windows = guest_os::family(&vm.guest_id) == Family::Windows;
    let installed = vm.tools_status.as_deref() != Some("toolsNotInstalled");
    if windows && installed {
        r.add(
            Check::Tools,
            Severity::Warning,
            "VMware Tools are installed: virt-v2v's removal at first boot often fails (error 1603); uninstall them before the conversion",
        );
    } else if !installed {
        r.add(
            Check::Tools,
            Severity::Info,
            "VMware Tools are not installed: nothing to remove",
        );
    }
}

fn cbt(vm: &VmRec, r: &mut Reasons) {
    if !vm.cbt {
        r.add(
            Check::Cbt,
            Severity::Info,
            "changed block tracking is off: cold migration only (warm migration needs changeTrackingEnabled)",
        );
    }
}

fn devices(vm: &VmRec, r: &mut Reasons) {
    for n in &vm.nics {
        match n.model.as_str() {
            "VirtualSriovEthernetCard" | "VirtualVmxnet3Vrdma" => r.add(
                Check::Devices,
                Severity::Warning,
                format!("{} ({}) is a passthrough adapter: it does not move; the target gets a virtio-net adapter", n.label, n.model),
            ),
            _ => {}
        }
    }
    for d in &vm.disks {
        if d.controller == "nvme" {
            r.add(
                Check::Devices,
                Severity::Warning,
                format!("{} is on an NVMe controller, which libvirt 9.0's VMX reader does not know: check that virt-v2v lists it", d.label),
            );
        }
    }
}

fn name(vm: &VmRec, ctx: &CheckContext<'_>, r: &mut Reasons) {
    if ctx.same_name_on_host > 1 {
        r.add(
            Check::Name,
            Severity::Blocker,
            format!(
                "{} VMs on its host are named '{}': libvirt finds VMs by name; rename all but one",
                ctx.same_name_on_host,
                unescaped(&vm.name)
            ),
        );
    }
    let libvirt_name = unescaped(&vm.name);
    if libvirt_name != vm.name || needs_quoting(&libvirt_name) {
        r.add(
            Check::Name,
            Severity::Info,
            "its name needs escaping: the command quotes it for the shell",
        );
    }
}

/// Whether a name holds characters a shell or a URI treats specially.
fn needs_quoting(name: &str) -> bool {
    !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// An API name (`%`, `/`, `\` escaped) as libvirt shows it.
pub(crate) fn unescaped(name: &str) -> String {
    esxvirt_util::unescape_percent(name).unwrap_or_else(|_| name.to_string())
}

/// The verdict of a set of reasons: blocked by a blocker, a warning by a warning.
pub(crate) fn verdict(reasons: &[Reason]) -> super::Verdict {
    match reasons.iter().map(|r| r.severity).max() {
        Some(Severity::Blocker) => super::Verdict::Blocked,
        Some(Severity::Warning) => super::Verdict::Warning,
        _ => super::Verdict::Ready,
    }
}

#[cfg(test)]
mod tests {
    use super::super::collect::{DatastoreRec, DiskRec, HostRec};
    use super::*;

    fn world() -> Collected {
        let mut c = Collected::default();
        c.hosts.insert(
            "host-1".into(),
            HostRec {
                name: "esx1".into(),
                parent: None,
                connected: true,
                maintenance: false,
            },
        );
        c.datastores.insert(
            "ds-1".into(),
            DatastoreRec {
                name: "ds1".into(),
                accessible: true,
                kind: "VMFS".into(),
            },
        );
        c
    }

    fn ready_vm() -> VmRec {
        VmRec {
            name: "web".into(),
            host: Some("host-1".into()),
            power: "poweredOff".into(),
            connection: "connected".into(),
            guest_id: "rhel8_64Guest".into(),
            firmware: "bios".into(),
            cbt: true,
            tools_status: Some("toolsNotRunning".into()),
            disks: vec![DiskRec {
                label: "Hard disk 1".into(),
                capacity_bytes: 1 << 30,
                file: "[ds1] web/web.vmdk".into(),
                datastore: Some("ds-1".into()),
                backing: Backing::File,
                mode: "persistent".into(),
                sharing: "sharingNone".into(),
                controller: "scsi pvscsi".into(),
                bus_sharing: "noSharing".into(),
            }],
            ..Default::default()
        }
    }

    fn reasons(vm: &VmRec, seen: &Collected) -> Vec<(Check, Severity)> {
        let ctx = CheckContext {
            seen,
            same_name_on_host: 1,
            unreachable_host: None,
        };
        check(vm, &ctx)
            .into_iter()
            .map(|r| (r.check, r.severity))
            .collect()
    }

    #[test]
    fn each_check_weighs_what_it_finds() {
        let seen = world();
        let vm = ready_vm();
        assert_eq!(reasons(&vm, &seen), vec![]);
        assert_eq!(verdict(&[]), super::super::Verdict::Ready);
        let with = |f: &dyn Fn(&mut VmRec)| {
            let mut v = ready_vm();
            f(&mut v);
            reasons(&v, &seen)
        };
        use Severity::*;
        assert_eq!(
            with(&|v| v.power = "poweredOn".into()),
            vec![(Check::Power, Blocker)]
        );
        assert_eq!(
            with(&|v| v.snapshots = 2),
            vec![(Check::Snapshots, Warning)]
        );
        assert_eq!(
            with(&|v| v.disks[0].backing = Backing::Rdm { physical: true }),
            vec![(Check::Disks, Blocker)]
        );
        assert_eq!(
            with(&|v| v.disks[0].backing = Backing::Rdm { physical: false }),
            vec![(Check::Disks, Warning)]
        );
        assert_eq!(
            with(&|v| v.disks[0].mode = "independent_persistent".into()),
            vec![(Check::Disks, Warning)]
        );
        assert_eq!(
            with(&|v| v.disks[0].sharing = "sharingMultiWriter".into()),
            vec![(Check::Disks, Blocker)]
        );
        assert_eq!(
            with(&|v| v.disks[0].datastore = Some("ds-hidden".into())),
            vec![(Check::Datastores, Blocker)]
        );
        assert_eq!(
            with(&|v| v.key_id = Some("k".into())),
            vec![(Check::Encryption, Blocker)]
        );
        assert_eq!(
            with(&|v| {
                v.firmware = "efi".into();
                v.secure_boot = true;
            }),
            vec![(Check::Firmware, Warning)]
        );
        assert_eq!(
            with(&|v| v.guest_id = "freebsd12_64Guest".into()),
            vec![(Check::GuestOs, Blocker)]
        );
        assert_eq!(
            with(&|v| v.guest_id = "windows2019srv_64Guest".into()),
            vec![(Check::Tools, Warning)]
        );
        assert_eq!(with(&|v| v.cbt = false), vec![(Check::Cbt, Info)]);
        assert_eq!(
            with(&|v| v.disks[0].controller = "nvme".into()),
            vec![(Check::Devices, Warning)]
        );
        assert_eq!(
            with(&|v| v.name = "a%2fb".into()),
            vec![(Check::Name, Info)]
        );
        let mut maint = world();
        maint.hosts.get_mut("host-1").unwrap().maintenance = true;
        assert_eq!(reasons(&ready_vm(), &maint), vec![(Check::Host, Blocker)]);
        let mut offline = world();
        offline.datastores.get_mut("ds-1").unwrap().accessible = false;
        assert_eq!(
            reasons(&ready_vm(), &offline),
            vec![(Check::Datastores, Blocker)]
        );
    }
}
