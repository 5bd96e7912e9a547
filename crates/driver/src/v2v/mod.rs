//! Migration readiness for virt-v2v (an esxvirt extension): for every VM a verdict (ready,
//! warning, blocked) with its reasons, the inventory a migration plan needs, and for a VM
//! that can go the exact virt-v2v command, `-ic` URI and VDDK thumbprint included.
//!
//! [`Connection::v2v_check`] reads everything in one paged retrieval ([`collect`]), whatever
//! the number of VMs, and the server certificate's SHA-1 thumbprint over one TLS handshake;
//! the checks ([`checks`]) and the command ([`command`]) are local. The guest operating
//! systems virt-v2v converts are in `guest_os`.

pub mod checks;
pub(crate) mod collect;
pub mod command;
mod guest_os;

use std::collections::HashMap;

use serde::Serialize;

pub use checks::{Check, Reason, Severity};
pub use command::CommandOptions;

use self::checks::{unescaped, CheckContext};
use self::collect::{Backing, Collected, VmRec};
use self::command::HostPath;
use crate::connection::trust;
use crate::connection::uri::{Scheme, Transport};
use crate::connection::Connection;
use crate::error::{Error, ErrorCode, Result};
use crate::types::DomainState;

/// A VM's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Nothing stands in the way.
    Ready,
    /// It converts, with caveats.
    Warning,
    /// virt-v2v cannot convert it as it is.
    Blocked,
}

impl Verdict {
    /// The word reports print.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ready => "ready",
            Verdict::Warning => "warning",
            Verdict::Blocked => "blocked",
        }
    }
}

/// A virtual disk of a report.
#[derive(Debug, Clone, Serialize)]
pub struct V2vDisk {
    /// `Hard disk 1`.
    pub label: String,
    pub capacity_bytes: u64,
    /// The datastore path (`[ds1] web/web.vmdk`).
    pub file: String,
    /// The datastore's name; `null` when this user cannot see it.
    pub datastore: Option<String>,
    /// `file`, `rdm-physical`, `rdm-virtual`, or the backing's vSphere type.
    pub backing: String,
    /// vSphere's disk mode (`persistent`, `independent_persistent`, ...).
    pub mode: String,
    /// `sharingNone` or `sharingMultiWriter`.
    pub sharing: String,
    /// The controller: `scsi lsilogic`, `scsi pvscsi`, `ide`, `sata`, `nvme`, ...
    pub controller: String,
}

/// A network adapter of a report.
#[derive(Debug, Clone, Serialize)]
pub struct V2vNic {
    /// `Network adapter 1`.
    pub label: String,
    /// vSphere's device type (`VirtualVmxnet3`).
    pub model: String,
    pub mac: String,
    /// The port group (a distributed one by its key).
    pub network: String,
    /// On a distributed (or NSX) switch.
    pub distributed: bool,
}

/// One VM's readiness and inventory.
#[derive(Debug, Clone, Serialize)]
pub struct VmReadiness {
    /// The libvirt name (unescaped).
    pub name: String,
    /// The managed-object id (`vm-42`).
    pub moref: String,
    pub uuid: String,
    /// The datacenter's path (`dc1`, `Europe/dc2`).
    pub datacenter: String,
    /// The cluster, if the host is in one.
    pub cluster: Option<String>,
    pub host: String,
    /// libvirt's domain state (`running`, `paused`, `shutoff`).
    pub state: String,
    pub vcpus: u32,
    pub memory_kib: u64,
    pub disks: Vec<V2vDisk>,
    pub nics: Vec<V2vNic>,
    /// vSphere's guest identifier (`rhel8_64Guest`).
    pub guest_id: String,
    /// Its full name (`Red Hat Enterprise Linux 8 (64-bit)`).
    pub guest_os: String,
    /// `bios` or `efi`.
    pub firmware: String,
    pub secure_boot: bool,
    /// VMware Tools' status (`toolsOk`, `toolsNotRunning`, `toolsNotInstalled`, `toolsOld`).
    pub tools: Option<String>,
    pub snapshots: u32,
    /// Changed block tracking (what a warm migration needs).
    pub cbt: bool,
    pub encrypted: bool,
    pub verdict: Verdict,
    pub reasons: Vec<Reason>,
    /// The libvirt URI virt-v2v opens (`-ic`); `null` when there is none to give.
    pub source_uri: Option<String>,
    /// The virt-v2v command (without its output options) for a VM that can go.
    pub command: Option<String>,
}

/// A readiness report.
#[derive(Debug, Clone, Serialize)]
pub struct V2vReport {
    pub vms: Vec<VmReadiness>,
    /// The server certificate's SHA-1 thumbprint as VDDK wants it (`AB:CD:...`).
    pub thumbprint_sha1: Option<String>,
    /// What applies to every VM (no thumbprint over http, an embedded simulator).
    pub notes: Vec<String>,
}

/// What to check.
#[derive(Debug, Clone, Default)]
pub struct V2vOptions {
    /// Every host of a vCenter, not the URI's host only.
    pub all_hosts: bool,
    /// The VMs to check (names, UUIDs or IDs); every VM when empty.
    pub domains: Vec<String>,
    /// What the printed command names.
    pub command: CommandOptions,
}

impl Connection {
    /// Checks VMs for migration with virt-v2v (see the [module](self)): on esx:// the
    /// host's VMs, on vpx:// the URI's host's or, with `all_hosts`, every host's. One paged
    /// retrieval and one TLS handshake for the thumbprint.
    pub fn v2v_check(&self, options: &V2vOptions) -> Result<V2vReport> {
        let seen = self.v2v_collect(options.all_hosts)?;
        let chosen = choose(&seen.vms, &options.domains)?;
        let mut notes = Vec::new();
        let thumbprint = self.v2v_thumbprint(&mut notes);
        let on_vcenter = self.engine.is_vcenter();
        let mut names: HashMap<(Option<&str>, &str), usize> = HashMap::new();
        for vm in &seen.vms {
            *names
                .entry((vm.host.as_deref(), vm.name.as_str()))
                .or_default() += 1;
        }
        let mut vms = Vec::with_capacity(chosen.len());
        for vm in chosen {
            let place = place(&seen, vm, on_vcenter);
            let ctx = CheckContext {
                seen: &seen,
                same_name_on_host: names
                    .get(&(vm.host.as_deref(), vm.name.as_str()))
                    .copied()
                    .unwrap_or(1),
                unreachable_host: place.unreachable.clone(),
            };
            let reasons = checks::check(vm, &ctx);
            let verdict = checks::verdict(&reasons);
            let name = unescaped(&vm.name);
            let source_uri = match (&self.uri.scheme, &place.path) {
                (Scheme::Sim, _) => None,
                (_, Some(path)) => Some(command::source_uri(&self.uri, path)),
                (_, None) => None,
            };
            let command = match (&source_uri, verdict) {
                (Some(uri), Verdict::Ready | Verdict::Warning) => Some(command::virt_v2v_command(
                    uri,
                    thumbprint.as_deref(),
                    &name,
                    &options.command,
                )),
                _ => None,
            };
            vms.push(readiness(
                &seen, vm, name, place, verdict, reasons, source_uri, command,
            ));
        }
        Ok(V2vReport {
            vms,
            thumbprint_sha1: thumbprint,
            notes,
        })
    }

    /// The certificate's SHA-1 thumbprint, or a note saying why there is none.
    fn v2v_thumbprint(&self, notes: &mut Vec<String>) -> Option<String> {
        if self.uri.scheme == Scheme::Sim {
            notes.push(
                "the embedded simulator stops with this command: no virt-v2v command can reach it"
                    .into(),
            );
            return None;
        }
        if self.uri.params.transport == Transport::Http {
            notes.push(
                "the server speaks plain http: VDDK needs https and its certificate's thumbprint"
                    .into(),
            );
            return None;
        }
        match trust::server_thumbprints(&self.uri) {
            Ok(t) => Some(t.sha1_hex()),
            Err(e) => {
                notes.push(format!("cannot read the server's certificate: {e}"));
                None
            }
        }
    }
}

/// The VMs `wanted` names (by name, UUID or ID), in the order given; every VM when empty.
fn choose<'a>(vms: &'a [VmRec], wanted: &[String]) -> Result<Vec<&'a VmRec>> {
    if wanted.is_empty() {
        return Ok(vms.iter().collect());
    }
    let mut out = Vec::new();
    for w in wanted {
        let by_id = |vm: &VmRec| {
            let number = vm.moref.rsplit('-').next().unwrap_or(&vm.moref);
            vm.power == "poweredOn" && number == w.as_str()
        };
        let found: Vec<&VmRec> = vms
            .iter()
            .filter(|vm| unescaped(&vm.name) == *w || vm.uuid.eq_ignore_ascii_case(w) || by_id(vm))
            .collect();
        if found.is_empty() {
            return Err(Error::new(
                ErrorCode::NoDomain,
                format!("Could not find domain with name '{w}'"),
            ));
        }
        out.extend(found);
    }
    Ok(out)
}

/// Where a VM lives, as a report and libvirt name it.
#[derive(Debug, Default)]
struct Place {
    datacenter: String,
    cluster: Option<String>,
    host: String,
    /// The path libvirt reaches the host by; `None` when it cannot.
    path: Option<HostPath>,
    /// Why libvirt cannot reach the host by a vpx:// path.
    unreachable: Option<String>,
}

/// The VM's datacenter, cluster, host and libvirt path: the host's parents up to the root.
fn place(seen: &Collected, vm: &VmRec, on_vcenter: bool) -> Place {
    let Some(host) = vm.host.as_ref().and_then(|h| seen.hosts.get(h)) else {
        return Place::default();
    };
    let mut p = Place {
        host: unescaped(&host.name),
        ..Place::default()
    };
    // Parents from the host up: the compute resource, host folders, the datacenter, its
    // folders.
    let mut chain = Vec::new();
    let mut at = host.parent.clone();
    while let Some(id) = at {
        let Some(c) = seen.containers.get(&id) else {
            break;
        };
        chain.push(c);
        at = c.parent.clone();
    }
    let Some(dc_at) = chain.iter().position(|c| c.kind == "Datacenter") else {
        if !on_vcenter {
            p.path = Some(HostPath::Host);
        }
        return p;
    };
    let dc = chain[dc_at];
    // Folders above the datacenter, the root folder excepted (it has no parent).
    let dc_path: Vec<String> = chain[dc_at..]
        .iter()
        .filter(|c| c.parent.is_some())
        .map(|c| c.name.clone())
        .rev()
        .collect();
    p.datacenter = dc_path
        .iter()
        .map(|n| unescaped(n))
        .collect::<Vec<_>>()
        .join("/");
    let compute = chain
        .first()
        .copied()
        .filter(|c| c.kind.ends_with("ComputeResource"));
    let is_cluster = compute.is_some_and(|c| c.kind == "ClusterComputeResource");
    if is_cluster {
        p.cluster = compute.map(|c| unescaped(&c.name));
    }
    if !on_vcenter {
        p.path = Some(HostPath::Host);
        return p;
    }
    let Some(compute) = compute else {
        p.unreachable = Some("its host is not in a compute resource libvirt can name".into());
        return p;
    };
    // Host folders between the datacenter's host folder and the compute resource.
    let folders: Vec<String> = chain[1..dc_at]
        .iter()
        .filter(|c| c.kind == "Folder" && dc.host_folder.as_deref() != Some(c.id.as_str()))
        .map(|c| c.name.clone())
        .rev()
        .collect();
    let mut items = dc_path;
    items.extend(folders);
    items.push(compute.name.clone());
    if is_cluster {
        items.push(host.name.clone());
    } else if compute.name != host.name {
        p.unreachable = Some(format!(
            "libvirt cannot reach its host: the standalone host {} sits in a compute resource named {}, and a vpx:// path names the host by its compute resource",
            unescaped(&host.name),
            unescaped(&compute.name)
        ));
        return p;
    }
    p.path = Some(HostPath::Inventory(items));
    p
}

#[allow(clippy::too_many_arguments)]
fn readiness(
    seen: &Collected,
    vm: &VmRec,
    name: String,
    place: Place,
    verdict: Verdict,
    reasons: Vec<Reason>,
    source_uri: Option<String>,
    command: Option<String>,
) -> VmReadiness {
    let disks = vm
        .disks
        .iter()
        .map(|d| V2vDisk {
            label: d.label.clone(),
            capacity_bytes: d.capacity_bytes,
            file: d.file.clone(),
            datastore: d
                .datastore
                .as_ref()
                .and_then(|id| seen.datastores.get(id))
                .map(|ds| unescaped(&ds.name)),
            backing: match &d.backing {
                Backing::File => "file".into(),
                Backing::Rdm { physical: true } => "rdm-physical".into(),
                Backing::Rdm { physical: false } => "rdm-virtual".into(),
                Backing::Other(t) => t.clone(),
            },
            mode: d.mode.clone(),
            sharing: d.sharing.clone(),
            controller: d.controller.clone(),
        })
        .collect();
    let nics = vm
        .nics
        .iter()
        .map(|n| V2vNic {
            label: n.label.clone(),
            model: n.model.clone(),
            mac: n.mac.clone(),
            network: unescaped(&n.network),
            distributed: n.distributed,
        })
        .collect();
    VmReadiness {
        name,
        moref: vm.moref.clone(),
        uuid: vm.uuid.clone(),
        datacenter: place.datacenter,
        cluster: place.cluster,
        host: place.host,
        state: DomainState::from_power_state(&vm.power)
            .virsh_name()
            .replace(' ', ""),
        vcpus: vm.vcpus,
        memory_kib: vm.memory_mb.saturating_mul(1024),
        disks,
        nics,
        guest_id: vm.guest_id.clone(),
        guest_os: vm.guest_full_name.clone(),
        firmware: vm.firmware.clone(),
        secure_boot: vm.secure_boot,
        tools: vm.tools_status.clone(),
        snapshots: vm.snapshots,
        cbt: vm.cbt,
        encrypted: vm.key_id.is_some() || vm.crypto_state.is_some(),
        verdict,
        reasons,
        source_uri,
        command,
    }
}
