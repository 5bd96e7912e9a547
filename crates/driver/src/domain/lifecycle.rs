//! A domain's life: powering on and off (`virDomainCreate`, `virDomainDestroy`), suspend
//! and resume, the guest's shutdown and reboot through VMware Tools, undefine (unregister,
//! never deleting files) and migration through a vCenter. Each change drops the VM's entry
//! in the object cache.

use esxvirt_vi::props::virtual_machine as vm;
use esxvirt_vi::{Client, ManagedObjectReference, VirtualMachineMovePriority};

use super::identity;
use super::{require_running, Domain};
use crate::connection::engine::tasks::VmTask;
use crate::connection::engine::{service_instance, Change, Landed, Props};
use crate::connection::Connection;
use crate::error::{check_flags, vi_err, Error, Result};
use crate::types::DomainState;

const POWER_STATE: &[&str] = &[vm::RUNTIME_POWER_STATE.path()];

/// Whether a VM, as read with [`POWER_STATE`], is in `state`.
fn in_state(state: DomainState) -> impl Fn(&Props) -> bool {
    move |p| p.power_state().ok() == Some(state)
}

impl<'c> Domain<'c> {
    /// Unregisters the domain (`virDomainUndefineFlags`); never deletes its files.
    pub fn undefine(&self, flags: u32) -> Result<()> {
        // VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA (2) is trivially satisfied.
        check_flags(flags, 2, "esxDomainUndefineFlags")?;
        self.conn.check_writable()?;
        // With a vCenter, libvirt unregisters through it.
        let (engine, vm_ref) = self.vcenter_target()?;
        let state = engine
            .read(&vm_ref, POWER_STATE, "virDomainUndefine")?
            .ok_or_else(|| self.not_found())?
            .power_state()?;
        if state != DomainState::Paused && state != DomainState::Shutoff {
            return Err(Error::operation_invalid(
                "Domain is not suspended or powered off",
            ));
        }
        self.changed();
        engine.objects.invalidate(&vm_ref);
        // Unregistered, the VM is gone from the inventory (its files stay).
        let change = Change::new(
            format!("undefining domain '{}'", self.name),
            format!("dominfo {}", self.name),
        )
        .check(|| {
            Ok(match engine.object_props(&vm_ref, POWER_STATE)? {
                None => Landed::Yes,
                Some(_) => Landed::No,
            })
        });
        let vm_ref = &vm_ref;
        engine.change(&change, |c, p| async move {
            p.send(&c, || c.unregister_vm(vm_ref)).await
        })
    }

    /// Powers the domain on (`virDomainCreateWithFlags`).
    pub fn create(&self, flags: u32) -> Result<()> {
        check_flags(flags, 0, "esxDomainCreateWithFlags")?;
        self.run_task(
            POWER_STATE,
            |p| {
                if p.power_state()? != DomainState::Shutoff {
                    return Err(Error::operation_invalid("Domain is not powered off"));
                }
                Ok(())
            },
            |c, vm_ref| async move { c.power_on_vm_task(&vm_ref, None).await },
            "Could not start domain",
            self.goal(
                "starting",
                "domstate",
                Some(&in_state(DomainState::Running)),
            ),
        )?;
        self.id
            .set(identity::id_from_moref(&self.moref).unwrap_or(-1));
        Ok(())
    }

    /// Asks the guest to shut down or reboot through VMware Tools.
    fn guest_op(&self, reboot: bool) -> Result<()> {
        self.conn.check_writable()?;
        let p = self.props(POWER_STATE, "guest operation")?;
        require_running(p.power_state()?)?;
        // The guest acts on its own once asked: whatever was read of the VM may change.
        self.changed();
        let vm_ref = &self.mo();
        let engine = &self.conn.engine;
        // A guest that is off has shut down; a rebooting one cannot be told from one that
        // was never asked.
        let mut change = Change::new(
            format!(
                "{} the guest of domain '{}'",
                if reboot { "rebooting" } else { "shutting down" },
                self.name
            ),
            format!("domstate {}", self.name),
        );
        if !reboot {
            change = change.check(|| {
                Ok(match engine.object_props(vm_ref, POWER_STATE)? {
                    Some(p) if p.power_state()? == DomainState::Shutoff => Landed::Yes,
                    _ => Landed::Unknown,
                })
            });
        }
        engine.change(&change, |c, p| async move {
            p.send(&c, || async {
                if reboot {
                    c.reboot_guest(vm_ref).await
                } else {
                    c.shutdown_guest(vm_ref).await
                }
            })
            .await
        })
    }

    /// Asks the guest to shut down (`virDomainShutdownFlags`, VMware Tools' ShutdownGuest).
    pub fn shutdown(&self, flags: u32) -> Result<()> {
        check_flags(flags, 0, "esxDomainShutdownFlags")?;
        self.guest_op(false)
    }

    /// Asks the guest to reboot (`virDomainReboot`, RebootGuest).
    pub fn reboot(&self, flags: u32) -> Result<()> {
        check_flags(flags, 0, "esxDomainReboot")?;
        self.guest_op(true)
    }

    /// Powers the domain off (`virDomainDestroyFlags`).
    pub fn destroy(&self, flags: u32) -> Result<()> {
        check_flags(flags, 0, "esxDomainDestroyFlags")?;
        self.conn.check_writable()?;
        // With a vCenter, libvirt powers off through it.
        let (engine, vm_ref) = self.vcenter_target()?;
        self.run_task_on(
            engine,
            vm_ref,
            VmTask {
                paths: POWER_STATE,
                check: &|p| require_running(p.power_state()?),
                start: |c: Client, vm_ref: ManagedObjectReference| async move {
                    c.power_off_vm_task(&vm_ref).await
                },
                fail: "Could not destroy domain",
                goal: self.goal(
                    "destroying",
                    "domstate",
                    Some(&in_state(DomainState::Shutoff)),
                ),
            },
        )?;
        self.id.set(-1);
        Ok(())
    }

    /// Suspends the domain (`virDomainSuspend`).
    pub fn suspend(&self) -> Result<()> {
        self.run_task(
            POWER_STATE,
            |p| require_running(p.power_state()?),
            |c, vm_ref| async move { c.suspend_vm_task(&vm_ref).await },
            "Could not suspend domain",
            self.goal(
                "suspending",
                "domstate",
                Some(&in_state(DomainState::Paused)),
            ),
        )
        .map(|_| ())
    }

    /// Resumes a suspended domain (`virDomainResume`, a power-on).
    pub fn resume(&self) -> Result<()> {
        self.run_task(
            POWER_STATE,
            |p| {
                if p.power_state()? != DomainState::Paused {
                    return Err(Error::operation_invalid("Domain is not suspended"));
                }
                Ok(())
            },
            |c, vm_ref| async move { c.power_on_vm_task(&vm_ref, None).await },
            "Could not resume domain",
            self.goal(
                "resuming",
                "domstate",
                Some(&in_state(DomainState::Running)),
            ),
        )
        .map(|_| ())
    }

    /// Migrates the domain to the host of `dest` (`virDomainMigrate`) as libvirt's ESX driver
    /// does (migration protocol 1): both connections need a vCenter (vpx://, or esx:// with
    /// `vcenter=`) whose host supports vMotion, else the call is not supported; both must
    /// reach the same vCenter (compared by IPv4 address); the source's vCenter moves the VM
    /// (MigrateVM_Task) to the destination's host and resource pool. Only the flags
    /// PERSIST_DEST, UNDEFINE_SOURCE, LIVE and PAUSED are accepted; renaming is refused.
    pub fn migrate<'d>(
        &self,
        dest: &'d Connection,
        flags: u32,
        dname: Option<&str>,
        bandwidth: u64,
    ) -> Result<Domain<'d>> {
        let _ = bandwidth;
        const MIGRATION_FLAGS: u32 = crate::flags::migrate::PERSIST_DEST
            | crate::flags::migrate::UNDEFINE_SOURCE
            | crate::flags::migrate::LIVE
            | crate::flags::migrate::PAUSED;
        // Both connections must be writable before anything is asked.
        self.conn.check_writable()?;
        dest.check_writable()?;
        let source_ok = self.conn.supports_migration()?;
        let dest_ok = dest.supports_migration()?;
        if !(source_ok && dest_ok) {
            return Err(Error::no_support("virDomainMigrate3"));
        }
        // The destination prepares: the vCenter, resource pool and host to move to.
        check_flags(flags, MIGRATION_FLAGS, "esxDomainMigratePrepare")?;
        let (dest_ip, dctx) = dest.migration_target()?;
        // The source performs.
        check_flags(flags, MIGRATION_FLAGS, "esxDomainMigratePerform")?;
        if dname.is_some() {
            return Err(Error::invalid_arg(
                "Renaming domains on migration not supported",
            ));
        }
        let (source_ip, _) = self.conn.migration_target()?;
        if !source_ip.eq_ignore_ascii_case(&dest_ip) {
            return Err(Error::invalid_arg(
                "Migration source and destination have to refer to the same vCenter",
            ));
        }
        let (engine, vm_ref) = self.vcenter_target()?;
        // The vCenter validates the move first; libvirt reports the first problem.
        let events = engine.run(|c| {
            let (vm_ref, pool, host) = (
                vm_ref.clone(),
                dctx.resource_pool.clone(),
                dctx.host.clone(),
            );
            async move {
                c.validate_migration(
                    &service_instance(),
                    &[vm_ref],
                    None,
                    &[],
                    Some(&pool),
                    Some(&host),
                )
                .await
                .map_err(vi_err)
            }
        })?;
        if let Some(event) = events.first() {
            return Err(Error::internal(match &event.full_formatted_message {
                Some(m) => format!("Could not migrate domain, validation reported a problem: {m}"),
                None => "Could not migrate domain, validation reported a problem".to_string(),
            }));
        }
        let (pool, host) = (&dctx.resource_pool, &dctx.host);
        let on_host = |p: &Props| p.get(vm::RUNTIME_HOST).as_ref() == Some(host);
        self.run_task_on(
            engine,
            vm_ref,
            VmTask {
                paths: &[vm::RUNTIME_HOST.path()],
                check: &|_| Ok(()),
                start: |c: Client, vm_ref: ManagedObjectReference| async move {
                    c.migrate_vm_task(
                        &vm_ref,
                        Some(pool),
                        Some(host),
                        &VirtualMachineMovePriority::DefaultPriority,
                        None,
                    )
                    .await
                },
                fail: "Could not migrate domain, migration task finished with an error",
                goal: self.goal("migrating", "dominfo", Some(&on_host)),
            },
        )?;
        dest.domain_lookup_by_name(&self.name)
    }
}
