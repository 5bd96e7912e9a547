//! Domains: one virtual machine each, with calls named after libvirt's `virDomain*`.
//!
//! [`Domain`] is the handle: the VM's identity and a reference to its connection; its reads
//! go through the connection's object cache and its changes through the VM task runner
//! (`Domain::run_task`), which drops the VM's cache entry. The submodules hold the calls
//! by concern: [`identity`] (names, UUIDs, IDs, list filters), `lookup` (listing, lookups),
//! `all_hosts` (listing across a vCenter), `define` (define, native formats), `lifecycle`
//! (power, undefine, migrate), `settings` (memory, vCPUs, scheduler), `autostart`,
//! `guest` (screenshot, guest addresses and host name), `xml` (the domain XML from the
//! .vmx) and `vmx_synth` (a .vmx rebuilt from the VM's configuration).

use std::cell::Cell;

use esxvirt_vi::props::virtual_machine as vm;
use esxvirt_vi::{Client, ManagedObjectReference, Value};

use crate::connection::engine::tasks::{TaskCall, VmGoal, VmTask};
use crate::connection::engine::{Engine, Props};
use crate::connection::Connection;
use crate::error::{Error, ErrorCode, Result};
use crate::types::{DomainInfo, DomainState};
pub use crate::uuid::{format_uuid, parse_uuid};

pub mod all_hosts;
mod autostart;
mod define;
mod guest;
pub mod identity;
mod lifecycle;
pub(crate) mod lookup;
mod settings;
pub(crate) mod vmx_synth;
mod xml;

/// A domain (virtual machine) of a connection: its identity as looked up, plus the managed
/// object reference so later calls need no further lookup. What it reads comes from the
/// connection's object cache when a retrieval of this connection read it (the lookup or
/// listing that made the handle, most often) and nothing changed the VM since.
#[derive(Debug, Clone)]
pub struct Domain<'c> {
    pub(crate) conn: &'c Connection,
    pub(crate) name: String,
    pub(crate) uuid: [u8; 16],
    /// libvirt's ID of the handle (`virDomain`'s `id`: -1 when inactive), which start and
    /// destroy set as libvirt's do. Identity, not a cached reading: `get_id` never asks.
    pub(crate) id: Cell<i32>,
    pub(crate) moref: String,
}

/// What a lookup by reference retrieves: the identity and the `virDomainGetInfo` values.
pub(crate) const LOOKUP_PATHS: &[&str] = &[
    vm::NAME.path(),
    vm::CONFIG_UUID.path(),
    vm::RUNTIME_POWER_STATE.path(),
    vm::CONFIG_HARDWARE_MEMORY_MB.path(),
    vm::CONFIG_HARDWARE_NUM_CPU.path(),
    vm::CONFIG_MEMORY_ALLOCATION_LIMIT.path(),
];

/// What `virDomainGetInfo` reads.
const INFO_PATHS: &[&str] = &[
    vm::RUNTIME_POWER_STATE.path(),
    vm::CONFIG_HARDWARE_MEMORY_MB.path(),
    vm::CONFIG_HARDWARE_NUM_CPU.path(),
    vm::CONFIG_MEMORY_ALLOCATION_LIMIT.path(),
];

/// `virDomainGetInfo` from the properties of [`INFO_PATHS`] (what is missing counts as 0).
fn info_of(p: &Props) -> DomainInfo {
    let max_mem = p.count(vm::CONFIG_HARDWARE_MEMORY_MB) * 1024;
    let limit = p.get(vm::CONFIG_MEMORY_ALLOCATION_LIMIT).unwrap_or(-1);
    DomainInfo {
        state: p.power_state().unwrap_or(DomainState::NoState),
        max_mem,
        memory: if limit < 0 {
            max_mem
        } else {
            limit as u64 * 1024
        },
        nr_virt_cpu: p.count(vm::CONFIG_HARDWARE_NUM_CPU) as u32,
        cpu_time: 0,
    }
}

/// `virDomainGetInfo` from a retrieval, when it read the VM's memory size.
pub(crate) fn info_from(p: &Props) -> Option<DomainInfo> {
    p.get(vm::CONFIG_HARDWARE_MEMORY_MB).map(|_| info_of(p))
}

/// Refuses what needs a running domain when the domain is in another state.
pub(crate) fn require_running(state: DomainState) -> Result<()> {
    if state != DomainState::Running {
        return Err(Error::operation_invalid("Domain is not powered on"));
    }
    Ok(())
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
        let id = self.id.get();
        (id >= 0).then_some(id as u32)
    }

    /// The vSphere managed-object id (`vm-123` or `123`).
    pub fn managed_object_id(&self) -> &str {
        &self.moref
    }

    /// The OS type (`virDomainGetOSType`): always `hvm`.
    pub fn get_os_type(&self) -> &'static str {
        "hvm"
    }

    /// The VM's managed object reference.
    pub(crate) fn mo(&self) -> ManagedObjectReference {
        identity::vm_ref(&self.moref)
    }

    /// libvirt's error for a domain that is gone.
    pub(crate) fn not_found(&self) -> Error {
        Error::new(
            ErrorCode::NoDomain,
            format!(
                "Could not find domain with UUID '{}'",
                self.get_uuid_string()
            ),
        )
    }

    /// The VM's properties for a read of kind `reader` (the connection's object cache, else
    /// one retrieval); `Domain not found` when it is gone.
    pub(crate) fn props(&self, paths: &[&str], reader: &'static str) -> Result<Props> {
        self.conn
            .engine
            .read(&self.mo(), paths, reader)?
            .ok_or_else(|| self.not_found())
    }

    /// Drops what the connection knows of the VM: something changed (or may have).
    pub(crate) fn changed(&self) {
        self.conn.engine.objects.invalidate(&self.mo());
    }

    /// Runs a VM task on the connection's session (see [`Engine::run_vm_task`]): reads
    /// `paths` with the question and recent tasks afresh, lets `check` refuse, handles a
    /// pending question, starts the task with `start` and waits for it; `goal` words the
    /// change and says how the VM shows it done. The VM's cache entry is dropped before and
    /// after.
    pub(crate) fn run_task<C, S, Fut>(
        &self,
        paths: &[&str],
        check: C,
        start: S,
        fail: &str,
        goal: VmGoal<'_>,
    ) -> Result<Option<Value>>
    where
        C: Fn(&Props) -> Result<()>,
        S: Fn(Client, ManagedObjectReference) -> Fut,
        Fut: TaskCall,
    {
        self.conn.check_writable()?;
        let task = VmTask {
            paths,
            check: &check,
            start,
            fail,
            goal,
        };
        self.run_task_on(&self.conn.engine, self.mo(), task)
    }

    /// [`Domain::run_task`] on `engine`'s VM `vm_ref` (the vCenter's for destroy and
    /// migrate).
    pub(crate) fn run_task_on<S, Fut>(
        &self,
        engine: &Engine,
        vm_ref: ManagedObjectReference,
        task: VmTask<'_, S>,
    ) -> Result<Option<Value>>
    where
        S: Fn(Client, ManagedObjectReference) -> Fut,
        Fut: TaskCall,
    {
        self.changed();
        let out = engine.run_vm_task(&vm_ref, task, || self.not_found());
        // The task may have changed anything of the VM (its state, configuration,
        // snapshots), and so may a task that failed half-way.
        self.changed();
        out
    }

    /// The words for a change of this domain: `doing` ("starting") the domain, looked at
    /// with virsh command `look` ("domstate"); `done` tells from the VM's properties that
    /// it is made.
    pub(crate) fn goal<'a>(
        &self,
        doing: &str,
        look: &str,
        done: Option<&'a dyn Fn(&Props) -> bool>,
    ) -> VmGoal<'a> {
        VmGoal {
            what: format!("{doing} domain '{}'", self.name),
            look: format!("{look} {}", self.name),
            done,
        }
    }

    /// Where a task libvirt sends through the vCenter of an esx:// connection goes (destroy,
    /// undefine, migrate): that vCenter and the VM as it knows it (found by UUID in the
    /// host's datacenter, as libvirt does), else the connection's own session and VM.
    pub(crate) fn vcenter_target(&self) -> Result<(&'c Engine, ManagedObjectReference)> {
        let Some(link) = &self.conn.vcenter else {
            return Ok((&self.conn.engine, self.mo()));
        };
        let ctx = link.context()?;
        let uuid = self.get_uuid_string();
        // VMs may share a UUID (see `lookup::vms_with_uuid`): this one is on the
        // connection's host under the domain's name.
        let found = lookup::vms_with_uuid(&link.engine, Some(&ctx.datacenter), &uuid)?;
        let chosen = match found.as_slice() {
            [] => None,
            [one] => Some(one.clone()),
            _ => lookup::the_one_with_uuid(
                &link.engine,
                &found,
                Some(&ctx.host),
                Some(&self.name),
                &uuid,
            )?,
        };
        match chosen {
            Some(m) => Ok((&link.engine, m)),
            None => Err(self.not_found()),
        }
    }

    /// State, memory, vCPUs (`virDomainGetInfo`), in one retrieval at most.
    pub fn get_info(&self) -> Result<DomainInfo> {
        let p = self.props(INFO_PATHS, "virDomainGetInfo")?;
        Ok(info_of(&p))
    }

    /// State and reason (`virDomainGetState`); the reason is always 0 on ESX.
    pub fn get_state(&self, flags: u32) -> Result<(DomainState, i32)> {
        crate::error::check_flags(flags, 0, "esxDomainGetState")?;
        let p = self.props(&[vm::RUNTIME_POWER_STATE.path()], "virDomainGetState")?;
        Ok((p.power_state()?, 0))
    }

    /// Whether the domain is running or paused (`virDomainIsActive`).
    pub fn is_active(&self) -> Result<bool> {
        Ok(self.get_state(0)?.0 != DomainState::Shutoff)
    }

    /// Always true: ESX has no transient domains (`virDomainIsPersistent`).
    pub fn is_persistent(&self) -> Result<bool> {
        Ok(true)
    }

    /// Always false (`virDomainIsUpdated`).
    pub fn is_updated(&self) -> Result<bool> {
        Ok(false)
    }
}
