//! The inventory govmomi's simulator (vcsim) builds from its model flags, with vcsim's names,
//! so that whatever runs against vcsim runs against esxsim: a vCenter of `DC0` with the
//! distributed switch `DVS0` (uplinks `DVS0-DVUplinks-N`, port group `DC0_DVPG0`), the
//! standalone host `DC0_H0`, the cluster `DC0_C0` of hosts `DC0_C0_H0`.., the local datastore
//! `LocalDS_0` on every host, and VMs `DC0_H0_VM0`, `DC0_C0_RP0_VM0` ... (every NIC on the
//! first port group); or, for `-esx`, `ha-datacenter` with the host `localhost.localdomain`
//! and VMs `ha-host_VM0` ... on "VM Network". Counts come from the flags (`-dc`, `-cluster`,
//! `-host`, `-standalone-host`, `-ds`, `-vm`, `-pool`, `-app`, `-pod`, `-pg`, `-folder`).
//!
//! The world is built with the operations its methods use (datacenters, compute resources,
//! hosts, datastores, switches, pools, new VMs and power-on), so it is a world like any
//! other afterwards.

use std::path::Path;

use super::defaults::host_template;
use super::model::*;
use super::vcenter_model::StoragePod;
use super::{InvResult, PortgroupSpec, Rng, World};

/// vcsim's model flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VcsimModel {
    /// A standalone ESX host (`-esx`) rather than a vCenter.
    pub esx: bool,
    /// Datacenters (`-dc`).
    pub datacenter: usize,
    /// Clusters per datacenter (`-cluster`).
    pub cluster: usize,
    /// Hosts per cluster (`-host`).
    pub cluster_host: usize,
    /// Standalone hosts per datacenter (`-standalone-host`).
    pub host: usize,
    /// Local datastores per datacenter (`-ds`).
    pub datastore: usize,
    /// VMs per host and per cluster (`-vm`).
    pub machine: usize,
    /// Child resource pools per cluster (`-pool`).
    pub pool: usize,
    /// vApps per cluster (`-app`).
    pub app: usize,
    /// Storage pods per datacenter (`-pod`).
    pub pod: usize,
    /// Distributed port groups per datacenter (`-pg`).
    pub portgroup: usize,
    /// Datacenters placed in a folder of their own (`-folder`).
    pub folder: usize,
    /// Power on the VMs (`-autostart`).
    pub autostart: bool,
    /// The address hosts give their management NIC (vcsim's listen address).
    pub host_ip: String,
}

impl VcsimModel {
    /// vcsim's default vCenter model.
    pub fn vpx() -> VcsimModel {
        VcsimModel {
            esx: false,
            datacenter: 1,
            cluster: 1,
            cluster_host: 3,
            host: 1,
            datastore: 1,
            machine: 2,
            pool: 0,
            app: 0,
            pod: 0,
            portgroup: 1,
            folder: 0,
            autostart: true,
            host_ip: "127.0.0.1".into(),
        }
    }

    /// vcsim's default ESX model (`-esx`): the counts that apply to a host are kept.
    pub fn esx_from(vpx: &VcsimModel) -> VcsimModel {
        VcsimModel {
            esx: true,
            datacenter: 0,
            cluster: 0,
            cluster_host: 0,
            host: 0,
            pool: 0,
            app: 0,
            pod: 0,
            portgroup: 0,
            folder: 0,
            ..vpx.clone()
        }
    }
}

/// Where one datacenter's things go.
struct DcPlaces {
    dc: String,
    vm_folder: String,
    host_folder: String,
    datastore_folder: String,
    network_folder: String,
    /// The NICs' network.
    network: String,
    hosts: Vec<String>,
}

impl DcPlaces {
    /// Datacenter `dc`'s own folders, its NICs on "VM Network".
    fn new(dc: &str, d: &Datacenter, hosts: Vec<String>) -> DcPlaces {
        DcPlaces {
            dc: dc.to_string(),
            vm_folder: d.vm_folder.clone(),
            host_folder: d.host_folder.clone(),
            datastore_folder: d.datastore_folder.clone(),
            network_folder: d.network_folder.clone(),
            network: "VM Network".into(),
            hosts,
        }
    }
}

impl World {
    /// The world vcsim's `model` describes, its datastores under `files_dir`.
    pub fn vcsim(model: &VcsimModel, files_dir: &Path) -> InvResult<World> {
        let kind = if model.esx {
            ServerKind::Esx
        } else {
            ServerKind::Vcenter
        };
        let mut w = World::empty(kind, files_dir);
        w.all_managers = true;
        let mut rng = Rng(0x7c51_0001);
        let mut places = Vec::new();
        if model.esx {
            let dc = w.add_esx_root();
            let cr = w.add_compute(&dc, "localhost.localdomain", false);
            let host = vcsim_host(&mut rng, "localhost.localdomain", 1, &model.host_ip);
            let h = w.add_host_with_networks(&cr, host, false);
            places.push(DcPlaces::new(&dc, &w.datacenters[&dc], vec![h]));
        } else {
            w.root_folder =
                w.add_folder("group-d1", None, "Datacenters", &["Datacenter", "Folder"]);
            for n in 0..model.datacenter {
                places.push(w.vcsim_datacenter(model, n, &mut rng)?);
            }
        }
        for p in &places {
            for i in 0..model.datastore {
                let uuid = format!(
                    "{:08x}-{:08x}",
                    0x5c5d_0000 + i as u32,
                    rng.next_u64() as u32
                );
                let ds = w.add_datastore(
                    &p.dc,
                    &format!("LocalDS_{i}"),
                    DatastoreKind::Vmfs,
                    &uuid,
                    1_099_511_627_776,
                    &p.hosts,
                    None,
                    None,
                );
                w.place_in_folder(&ds, &p.datastore_folder);
            }
        }
        for p in &places {
            w.vcsim_vms(model, p)?;
        }
        w.materialize()?;
        Ok(w)
    }

    /// One datacenter `DC<n>` of the vCenter model with its folders, switch, hosts,
    /// clusters, pools and vApps (the VMs come once the datastores are there).
    fn vcsim_datacenter(
        &mut self,
        model: &VcsimModel,
        n: usize,
        rng: &mut Rng,
    ) -> InvResult<DcPlaces> {
        let name = format!("DC{n}");
        // The last `folder` datacenters live in a folder F<k> of their own, and so do
        // their hosts, VMs, datastores and networks inside the datacenter's folders.
        let sub = (model.folder > 0 && n >= model.datacenter.saturating_sub(model.folder))
            .then(|| format!("F{}", n - model.datacenter.saturating_sub(model.folder)));
        let root = self.root_folder.clone();
        let parent = match &sub {
            Some(f) => self.new_folder(&root, f),
            None => root,
        };
        let dc = self.add_datacenter(&parent, &name);
        let d = self.datacenters[&dc].clone();
        for i in 0..model.pod {
            let id = self.vc_id("group-p");
            self.storage_pods.insert(
                id.clone(),
                StoragePod {
                    moid: id.clone(),
                    name: format!("{name}_POD{i}"),
                    parent: d.datastore_folder.clone(),
                    children: Vec::new(),
                    drs_enabled: false,
                    drs_behavior: "automated".into(),
                },
            );
            if let Some(f) = self.folders.get_mut(&d.datastore_folder) {
                f.children.push(id);
            }
        }
        let mut p = DcPlaces::new(&dc, &d, Vec::new());
        if let Some(f) = &sub {
            p.vm_folder = self.new_folder(&d.vm_folder, f);
            p.host_folder = self.new_folder(&d.host_folder, f);
            p.datastore_folder = self.new_folder(&d.datastore_folder, f);
            p.network_folder = self.new_folder(&d.network_folder, f);
        }
        let dvs = if model.portgroup > 0 {
            Some(self.add_dvs(&dc, &p.network_folder, "DVS0")?)
        } else {
            None
        };
        if let Some(dvs) = &dvs {
            for i in 0..model.portgroup {
                let pg_name = format!("{name}_DVPG{i}");
                let pg = self.add_dv_portgroup(dvs, &PortgroupSpec::named(&pg_name))?;
                if i == 0 {
                    p.network = pg_name;
                }
                self.place_in_folder(&pg, &p.network_folder);
            }
        }
        let mut host_no = (self.hosts.len() + 1) as u64;
        let mut new_host = |w: &mut World, cr: &str, host_name: &str| {
            let h = vcsim_host(rng, host_name, host_no, &model.host_ip);
            host_no += 1;
            let id = w.add_host_with_networks(cr, h, false);
            if let Some(dvs) = &dvs {
                let _ = w.dvs_add_host(dvs, &id);
            }
            id
        };
        for i in 0..model.host {
            let host_name = format!("{name}_H{i}");
            let cr = self.add_compute(&dc, &host_name, false);
            self.move_compute(&cr, &p.host_folder);
            let h = new_host(self, &cr, &host_name);
            p.hosts.push(h);
        }
        for c in 0..model.cluster {
            let cname = format!("{name}_C{c}");
            let cr = self.add_compute(&dc, &cname, true);
            self.move_compute(&cr, &p.host_folder);
            for i in 0..model.cluster_host {
                let h = new_host(self, &cr, &format!("{cname}_H{i}"));
                p.hosts.push(h);
            }
            let root_pool = self.computes[&cr].resource_pool.clone();
            for i in 1..=model.pool {
                self.add_pool(
                    &root_pool,
                    &format!("{cname}_RP{i}"),
                    PoolConfig::default(),
                    false,
                )?;
            }
            for i in 0..model.app {
                self.add_pool(
                    &root_pool,
                    &format!("{cname}_APP{i}"),
                    PoolConfig::default(),
                    true,
                )?;
            }
        }
        Ok(p)
    }

    /// The model's VMs of one datacenter: `-vm` per standalone host, per cluster (in its
    /// root pool, `CLUSTER_RP0_VM<i>`) and per vApp.
    fn vcsim_vms(&mut self, model: &VcsimModel, p: &DcPlaces) -> InvResult<()> {
        let mut targets: Vec<(String, String, Option<String>)> = Vec::new();
        if model.esx {
            let pool = self.host_root_pool(&p.hosts[0]).unwrap_or_default();
            targets.push(("ha-host".into(), pool, Some(p.hosts[0].clone())));
        }
        let computes: Vec<Compute> = self
            .computes
            .values()
            .filter(|c| self.datacenter_of(&c.moid).as_deref() == Some(p.dc.as_str()))
            .cloned()
            .collect();
        if !model.esx {
            for c in computes.iter().filter(|c| !c.is_cluster) {
                targets.push((
                    c.name.clone(),
                    c.resource_pool.clone(),
                    c.hosts.first().cloned(),
                ));
            }
            for c in computes.iter().filter(|c| c.is_cluster) {
                targets.push((format!("{}_RP0", c.name), c.resource_pool.clone(), None));
                let apps: Vec<(String, String)> = self.pools[&c.resource_pool]
                    .child_pools
                    .iter()
                    .filter_map(|a| self.pools.get(a))
                    .filter(|a| a.vapp)
                    .map(|a| (a.name.clone(), a.moid.clone()))
                    .collect();
                for (name, id) in apps {
                    targets.push((name, id, None));
                }
            }
        }
        let Some(ds) = self
            .datastores
            .values()
            .find(|d| d.datacenter == p.dc && d.name == "LocalDS_0")
            .map(|d| d.name.clone())
        else {
            return Ok(());
        };
        for (prefix, pool, host) in targets {
            for i in 0..model.machine {
                let name = format!("{prefix}_VM{i}");
                let id =
                    self.vcsim_vm(&name, &ds, &p.vm_folder, &pool, host.as_deref(), &p.network)?;
                if model.autostart {
                    self.power_on(&id)?;
                }
            }
        }
        Ok(())
    }

    /// One model VM: a pvscsi controller with a 1 MB disk `disk1.vmdk`, a CD-ROM on the IDE
    /// controller and an e1000 NIC on `network`.
    fn vcsim_vm(
        &mut self,
        name: &str,
        ds: &str,
        folder: &str,
        pool: &str,
        host: Option<&str>,
        network: &str,
    ) -> InvResult<String> {
        let vmx_path = self.new_vm_path(&format!("[{ds}]"), name)?;
        let dir = vmx_path
            .rsplit_once('/')
            .map(|(d, _)| d)
            .unwrap_or_default();
        let disk = format!("{dir}/disk1.vmdk");
        let n = self.next_id;
        let cfg = VmConfig {
            name: name.to_string(),
            uuid: String::new(),
            instance_uuid: String::new(),
            guest_os: "other".into(),
            version: "vmx-13".into(),
            memory_mb: 32,
            num_cpu: 1,
            cores_per_socket: 1,
            annotation: String::new(),
            firmware: "bios".into(),
            cpu_alloc: Allocation::normal(1000),
            mem_alloc: Allocation::normal(320),
            devices: vec![
                Device::ScsiController {
                    index: 0,
                    model: "pvscsi".into(),
                },
                Device::empty_cdrom(),
                Device::Disk {
                    slot: Slot {
                        bus: Bus::Scsi,
                        controller: 0,
                        unit: 0,
                    },
                    file: disk.clone(),
                    capacity_kb: 1024,
                    thin: true,
                    mode: "persistent".into(),
                },
                Device::Nic {
                    index: 0,
                    model: "e1000".into(),
                    mac: format!(
                        "00:0c:29:{:02x}:{:02x}:{:02x}",
                        (n >> 16) & 0xff,
                        (n >> 8) & 0xff,
                        n & 0xff
                    ),
                    address_type: "generated".into(),
                    network: network.to_string(),
                    connected: true,
                },
            ],
            extra: Vec::new(),
        };
        self.make_vm_directory(&vmx_path)?;
        self.create_virtual_disk(&disk, 1024, true, "lsilogic")?;
        self.add_new_vm(folder, pool, host, &vmx_path, cfg)
    }

    /// A new folder `name` in `parent`, of the same child types.
    fn new_folder(&mut self, parent: &str, name: &str) -> String {
        let kinds: Vec<String> = self
            .folders
            .get(parent)
            .map(|f| f.child_type.clone())
            .unwrap_or_default();
        let kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
        let id = self.vc_id("group-");
        self.add_folder(&id, Some(parent), name, &kinds)
    }

    /// Moves a compute resource from its datacenter's host folder to `folder`.
    fn move_compute(&mut self, cr: &str, folder: &str) {
        let Some(old) = self.computes.get(cr).map(|c| c.parent.clone()) else {
            return;
        };
        if old == folder {
            return;
        }
        if let Some(f) = self.folders.get_mut(&old) {
            f.children.retain(|c| c != cr);
        }
        if let Some(f) = self.folders.get_mut(folder) {
            f.children.push(cr.to_string());
        }
        if let Some(c) = self.computes.get_mut(cr) {
            c.parent = folder.to_string();
        }
    }

    /// Puts a datastore or network in `folder` unless that is its datacenter's own folder
    /// (which holds its datastores and networks without listing them).
    fn place_in_folder(&mut self, id: &str, folder: &str) {
        let own = self
            .datacenter_of(id)
            .and_then(|dc| self.datacenters.get(&dc))
            .is_some_and(|d| d.datastore_folder == folder || d.network_folder == folder);
        if own {
            return;
        }
        if let Some(d) = self.datastores.get_mut(id) {
            d.folder = Some(folder.to_string());
        } else if let Some(n) = self.networks.get_mut(id) {
            n.folder = Some(folder.to_string());
        } else {
            return;
        }
        if let Some(f) = self.folders.get_mut(folder) {
            f.children.push(id.to_string());
        }
    }
}

/// A model host: one vSwitch with the management and "VM Network" port groups, its
/// management NIC at `ip`.
fn vcsim_host(rng: &mut Rng, name: &str, n: u64, ip: &str) -> Host {
    let mut h = host_template(rng, name, n, ip);
    h.vswitches.truncate(1);
    h.portgroups.retain(|p| p.vswitch == "vSwitch0");
    h.pnics.truncate(1);
    h.dns_host_name = name.to_string();
    h.dns_domain_name = String::new();
    h
}
