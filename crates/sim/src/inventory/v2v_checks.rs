//! VMs that exercise every migration-readiness check of `esxvirt v2v-check`, added to the
//! default ESX host or the default vCenter: a powered-off VM ready to convert, a running
//! one, one with a snapshot, physical- and virtual-mode raw device mappings, an independent
//! disk, a multi-writer disk on a physically shared SCSI bus, an encrypted VM, a UEFI
//! secure-boot Windows VM, guests virt-v2v cannot convert (FreeBSD, Windows 2000), a VM
//! without VMware Tools, a disk on a datastore that is not accessible, and a name that needs
//! escaping. Everything is expressed as ESX expresses it: keys of the .vmx
//! (`uefi.secureBoot.enabled`, `ctkEnabled`, `scsiX:Y.sharing`, `scsiN.sharedBus`,
//! `encryption.keySafe`, `tools.remindInstall`), disk modes, and raw device mappings of the
//! host's LUNs ([`World::rdm_mappings`]).
//!
//! `testdata/v2v/esx.json` and `testdata/v2v/vcenter.json` are these worlds saved
//! (`cargo run -p esxvirt-sim --example v2v_inventory -- testdata/v2v`), for
//! `esxsim --inventory`.

use std::path::Path;

use super::model::{
    Allocation, Bus, DatastoreKind, Device, PowerState, RdmMapping, ServerKind, Slot, VmConfig,
};
use super::{InvError, InvResult, World};

/// The names of the check VMs, each with the verdict `v2v-check` gives it.
pub const CHECK_VMS: &[(&str, &str)] = &[
    ("v2v-ready", "ready"),
    ("v2v-ready-cbt", "ready"),
    ("v2v-running", "blocked"),
    ("v2v-snapshots", "warning"),
    ("v2v-rdm-physical", "blocked"),
    ("v2v-rdm-virtual", "warning"),
    ("v2v-independent", "warning"),
    ("v2v-shared", "blocked"),
    ("v2v-encrypted", "blocked"),
    ("v2v-uefi-secureboot", "warning"),
    ("v2v-freebsd", "blocked"),
    ("v2v-win2000", "blocked"),
    ("v2v-no-tools", "ready"),
    ("v2v-offline-ds", "blocked"),
    (ESCAPED_NAME, "ready"),
];

/// A VM name with the characters that need escaping on the way to virt-v2v: `%` and `/`
/// (percent-escaped in the vSphere API), a space, quotes (shell) and a non-ASCII letter.
pub const ESCAPED_NAME: &str = "v2v it's 50%/half \"ready\" é";

/// What one check VM differs in.
struct Spec {
    name: &'static str,
    guest_os: &'static str,
    firmware: &'static str,
    power: PowerState,
    /// Per disk: its VMX mode and its raw device mapping's compatibility, if any.
    disks: &'static [(&'static str, Option<&'static str>)],
    /// Other VMX keys.
    extra: &'static [(&'static str, &'static str)],
    scsi: &'static str,
    nic: &'static str,
    snapshot: bool,
    /// Put its disks on the inaccessible datastore.
    offline: bool,
    /// On the second host (vCenter: the standalone one).
    second_host: bool,
}

const PLAIN: &[(&str, Option<&str>)] = &[("persistent", None)];

fn spec(name: &'static str) -> Spec {
    Spec {
        name,
        guest_os: "rhel8-64",
        firmware: "bios",
        power: PowerState::PoweredOff,
        disks: PLAIN,
        extra: &[],
        scsi: "pvscsi",
        nic: "vmxnet3",
        snapshot: false,
        offline: false,
        second_host: false,
    }
}

fn specs() -> Vec<Spec> {
    vec![
        spec("v2v-ready"),
        Spec {
            guest_os: "ubuntu-64",
            extra: &[("ctkEnabled", "TRUE")],
            second_host: true,
            ..spec("v2v-ready-cbt")
        },
        Spec {
            power: PowerState::PoweredOn,
            ..spec("v2v-running")
        },
        Spec {
            snapshot: true,
            ..spec("v2v-snapshots")
        },
        Spec {
            disks: &[("persistent", None), ("persistent", Some("physicalMode"))],
            scsi: "lsilogic",
            ..spec("v2v-rdm-physical")
        },
        Spec {
            disks: &[("persistent", None), ("persistent", Some("virtualMode"))],
            scsi: "lsisas1068",
            ..spec("v2v-rdm-virtual")
        },
        Spec {
            disks: &[("persistent", None), ("independent-persistent", None)],
            ..spec("v2v-independent")
        },
        Spec {
            disks: &[("persistent", None), ("persistent", None)],
            extra: &[("scsi0:1.sharing", "multi-writer"), ("scsi0.sharedBus", "physical")],
            second_host: true,
            ..spec("v2v-shared")
        },
        Spec {
            extra: &[(
                "encryption.keySafe",
                "vmware:key/list/(pair/(fqid/<VMWARE-NULL>/kms%2dcluster%2d1/8a1f5e0c%2d7d4b%2d4c2e%2d9b51%2d3f0e6a2d1c77,HMAC-SHA-256,4b2a),HMAC-SHA-256,9c1d)",
            ), ("vtpm.present", "TRUE")],
            firmware: "efi",
            ..spec("v2v-encrypted")
        },
        Spec {
            guest_os: "windows2019srv-64",
            firmware: "efi",
            extra: &[("uefi.secureBoot.enabled", "TRUE")],
            scsi: "lsisas1068",
            nic: "e1000e",
            ..spec("v2v-uefi-secureboot")
        },
        Spec {
            guest_os: "freebsd12-64",
            ..spec("v2v-freebsd")
        },
        Spec {
            guest_os: "win2000serv",
            scsi: "buslogic",
            nic: "vlance",
            second_host: true,
            ..spec("v2v-win2000")
        },
        Spec {
            guest_os: "debian11-64",
            extra: &[("tools.remindInstall", "TRUE")],
            ..spec("v2v-no-tools")
        },
        Spec {
            offline: true,
            ..spec("v2v-offline-ds")
        },
        Spec {
            guest_os: "sles15-64",
            ..spec(ESCAPED_NAME)
        },
    ]
}

impl World {
    /// The default ESX host (`vcenter == false`) or the default vCenter with the check VMs
    /// of [`CHECK_VMS`] added (vCenter: on `esx-01.example.com` of `cluster1` and on the
    /// standalone `esx-04.example.com`), and a datastore `offline-ds` that is not
    /// accessible. Files are written under `files_dir`.
    pub fn v2v_checks(vcenter: bool, files_dir: &Path) -> InvResult<World> {
        let mut w = if vcenter {
            World::default_vcenter(files_dir)?
        } else {
            World::default_esx(files_dir)?
        };
        w.add_v2v_check_vms()?;
        w.materialize()?;
        Ok(w)
    }

    fn add_v2v_check_vms(&mut self) -> InvResult<()> {
        let (first, second, datastores) = match self.kind {
            ServerKind::Esx => {
                let h = self.host_by_name("esx01.example.com")?;
                (h.clone(), h, ("datastore1", "datastore1"))
            }
            ServerKind::Vcenter => (
                self.host_by_name("esx-01.example.com")?,
                self.host_by_name("esx-04.example.com")?,
                ("shared-vmfs", "local-esx04"),
            ),
        };
        let dc = self.hosts[&first].datacenter.clone();
        let mut offline_hosts = vec![first.clone()];
        if second != first {
            offline_hosts.push(second.clone());
        }
        let offline = self.add_datastore(
            &dc,
            "offline-ds",
            DatastoreKind::Vmfs,
            "5f3c2a10-0e0d1b2c-7a51-0050560000ff",
            500 * 1_073_741_824,
            &offline_hosts,
            None,
            None,
        );
        if let Some(ds) = self.datastores.get_mut(&offline) {
            ds.accessible = false;
        }
        // A template VM of the world lends the records the checks do not care about.
        let template = self
            .vms
            .values()
            .next()
            .cloned()
            .ok_or_else(|| InvError::InvalidArgument("the world has no VM".into()))?;
        for (n, s) in specs().into_iter().enumerate() {
            let host = if s.second_host { &second } else { &first };
            let ds = match (s.offline, s.second_host) {
                (true, _) => "offline-ds",
                (false, true) => datastores.1,
                (false, false) => datastores.0,
            };
            let moid = self.alloc_vm_id();
            let dir = esxvirt_util::escape_datastore_item(s.name);
            let mut devices = vec![Device::ScsiController {
                index: 0,
                model: s.scsi.into(),
            }];
            for (unit, (mode, rdm)) in s.disks.iter().enumerate() {
                let file = if unit == 0 {
                    format!("[{ds}] {dir}/{dir}.vmdk")
                } else {
                    format!("[{ds}] {dir}/{dir}_{unit}.vmdk")
                };
                if let Some(compatibility) = rdm {
                    let lun = self.hosts[host]
                        .luns
                        .last()
                        .map(|l| l.canonical_name.clone())
                        .unwrap_or_default();
                    self.rdm_mappings.insert(
                        file.clone(),
                        RdmMapping {
                            lun,
                            compatibility: (*compatibility).into(),
                        },
                    );
                }
                devices.push(Device::Disk {
                    slot: Slot {
                        bus: Bus::Scsi,
                        controller: 0,
                        unit: unit as u32,
                    },
                    file,
                    capacity_kb: (8 + 8 * unit as i64) * 1024 * 1024,
                    thin: unit == 0,
                    mode: (*mode).into(),
                });
            }
            devices.push(Device::Nic {
                index: 0,
                model: s.nic.into(),
                mac: format!("00:50:56:a2:{:02x}:{:02x}", 0x20 + n / 256, n % 256),
                address_type: "generated".into(),
                network: "VM Network".into(),
                connected: true,
            });
            devices.push(Device::Video {
                vram_kb: 8192,
                displays: 1,
            });
            let mut vm = template.clone();
            vm.moid = moid.clone();
            vm.host = host.clone();
            vm.folder = String::new();
            vm.resource_pool = String::new();
            vm.vmx_path = format!("[{ds}] {dir}/{dir}.vmx");
            vm.config = VmConfig {
                name: esxvirt_util::escape_percent(s.name),
                uuid: format!("4215a0c1-7e2b-4d3a-9f10-0000000000{n:02x}"),
                instance_uuid: format!("5015a0c1-7e2b-4d3a-9f10-0000000000{n:02x}"),
                guest_os: s.guest_os.into(),
                version: "vmx-19".into(),
                memory_mb: 4096,
                num_cpu: 2,
                cores_per_socket: 1,
                annotation: String::new(),
                firmware: s.firmware.into(),
                cpu_alloc: Allocation::normal(2000),
                mem_alloc: Allocation::normal(40960),
                devices,
                extra: s
                    .extra
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            };
            vm.power_state = s.power;
            vm.boot_time =
                (s.power == PowerState::PoweredOn).then(|| "2026-01-12T09:02:11.000Z".into());
            vm.question = None;
            vm.snapshots = Vec::new();
            vm.current_snapshot = None;
            vm.guest = Default::default();
            vm.guest_when_running = Default::default();
            vm.template = false;
            vm.next_snapshot_id = 1;
            vm.pending_task = None;
            self.vms.insert(moid.clone(), vm);
            self.materialize()?;
            if s.snapshot {
                self.create_snapshot(&moid, "before-upgrade", "Before the upgrade", false, false)?;
            }
        }
        Ok(())
    }

    fn host_by_name(&self, name: &str) -> InvResult<String> {
        self.hosts
            .values()
            .find(|h| h.name == name)
            .map(|h| h.moid.clone())
            .ok_or_else(|| InvError::InvalidArgument(format!("no host {name}")))
    }
}
