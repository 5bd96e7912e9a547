//! A domain's resources: memory (`setmaxmem`, `setmem`, `memtune`), vCPUs (`setvcpus`,
//! `vcpucount`, `maxvcpus`) and the scheduler's CPU allocation (`schedinfo`), read through the
//! object cache and changed by reconfiguration tasks.

use esxvirt_vi::props::{host_system as host, virtual_machine as vm};
use esxvirt_vi::{ResourceAllocationInfo, SharesInfo, SharesLevel, VirtualMachineConfigSpec};

use super::Domain;
use crate::connection::engine::Props;
use crate::error::{check_flags, Error, ErrorCode, Result};
use crate::types::{DomainState, TypedParam, TypedValue};

/// A typed parameter of the wrong type (scheduler and memory parameters).
fn param_type_error(field: &str, expected: &str) -> Error {
    Error::invalid_arg(format!(
        "invalid type for parameter '{field}', expected '{expected}'"
    ))
}

/// A typed parameter the driver does not know (scheduler and memory parameters).
fn unsupported_param(field: &str) -> Error {
    Error::new(
        ErrorCode::ArgumentUnsupported,
        format!("parameter '{field}' not supported"),
    )
}

impl Domain<'_> {
    /// Reconfigures the VM with `spec` (ReconfigVM_Task); a failure is `FAIL: message`.
    /// `doing` words the change ("setting the memory of"); `done`, when given, tells from
    /// property `path` that the VM has the new value.
    fn reconfigure<T: esxvirt_vi::FromValue + PartialEq>(
        &self,
        spec: VirtualMachineConfigSpec,
        fail: &str,
        doing: &str,
        done: Option<(esxvirt_vi::PropPath<T>, T)>,
    ) -> Result<()> {
        let spec = &spec;
        let paths: Vec<&str> = done.iter().map(|(path, _)| path.path()).collect();
        let has = |p: &Props| {
            done.as_ref()
                .is_some_and(|(path, v)| p.get(*path).as_ref() == Some(v))
        };
        self.run_task(
            &paths,
            |_| Ok(()),
            |c, vm_ref| async move { c.reconfig_vm_task(&vm_ref, spec).await },
            fail,
            self.goal(doing, "dominfo", done.is_some().then_some(&has as _)),
        )
        .map(|_| ())
    }

    /// Maximum memory in KiB (`virDomainGetMaxMemory`).
    pub fn get_max_memory(&self) -> Result<u64> {
        let p = self.props(
            &[vm::CONFIG_HARDWARE_MEMORY_MB.path()],
            "virDomainGetMaxMemory",
        )?;
        let mb = p.get(vm::CONFIG_HARDWARE_MEMORY_MB).unwrap_or(0);
        if mb < 0 {
            return Err(Error::internal(format!("Got invalid memory size {mb}")));
        }
        Ok(mb as u64 * 1024)
    }

    /// Sets the maximum memory in KiB (`virDomainSetMaxMemory`); the domain must be powered
    /// off. Rounded up to a multiple of 4 MiB as libvirt does.
    pub fn set_max_memory(&self, kib: u64) -> Result<()> {
        let spec = VirtualMachineConfigSpec {
            memory_mb: Some((kib.div_ceil(4096) * 4) as i64),
            ..Default::default()
        };
        let spec = &spec;
        let done =
            |p: &Props| p.get(vm::CONFIG_HARDWARE_MEMORY_MB).map(i64::from) == spec.memory_mb;
        self.run_task(
            &[
                vm::RUNTIME_POWER_STATE.path(),
                vm::CONFIG_HARDWARE_MEMORY_MB.path(),
            ],
            |p| {
                if p.power_state()? != DomainState::Shutoff {
                    return Err(Error::operation_invalid("Domain is not powered off"));
                }
                Ok(())
            },
            |c, vm_ref| async move { c.reconfig_vm_task(&vm_ref, spec).await },
            &format!("Could not set max-memory to {kib} kilobytes"),
            self.goal("setting the maximum memory of", "dominfo", Some(&done)),
        )
        .map(|_| ())
    }

    /// Sets the memory (the memory limit) in KiB (`virDomainSetMemoryFlags`).
    pub fn set_memory(&self, kib: u64, flags: u32) -> Result<()> {
        check_flags(flags, 0, "esxDomainSetMemoryFlags")?;
        let spec = VirtualMachineConfigSpec {
            memory_allocation: Some(ResourceAllocationInfo {
                limit: Some(kib.div_ceil(1024) as i64),
                ..Default::default()
            }),
            ..Default::default()
        };
        let limit = kib.div_ceil(1024) as i64;
        self.reconfigure(
            spec,
            &format!("Could not set memory to {kib} kilobytes"),
            "setting the memory of",
            Some((vm::CONFIG_MEMORY_ALLOCATION_LIMIT, limit)),
        )
    }

    /// Memory parameters (`virDomainGetMemoryParameters`): `min_guarantee` in KiB.
    ///
    /// As through libvirt's public API, VIR_TYPED_PARAM_STRING_OKAY (0x4) is added to the
    /// flags, which the ESX driver rejects: the query fails as it does with virsh.
    pub fn get_memory_parameters(&self, flags: u32) -> Result<Vec<TypedParam>> {
        check_flags(flags | 4, 0, "esxDomainGetMemoryParameters")?;
        let reservation = vm::CONFIG_MEMORY_ALLOCATION_RESERVATION;
        let p = self.props(&[reservation.path()], "virDomainGetMemoryParameters")?;
        let r = p.require(reservation)?;
        Ok(vec![TypedParam::new(
            "min_guarantee",
            TypedValue::ULLong(r.max(0) as u64 * 1024),
        )])
    }

    /// Sets memory parameters (`virDomainSetMemoryParameters`): only `min_guarantee`.
    pub fn set_memory_parameters(&self, params: &[TypedParam], flags: u32) -> Result<()> {
        check_flags(flags, 0, "esxDomainSetMemoryParameters")?;
        let mut reservation = None;
        for p in params {
            match (p.field.as_str(), &p.value) {
                ("min_guarantee", TypedValue::ULLong(v)) => {
                    reservation = Some(v.div_ceil(1024) as i64)
                }
                ("min_guarantee", _) => return Err(param_type_error("min_guarantee", "ullong")),
                (other, _) => return Err(unsupported_param(other)),
            }
        }
        let spec = VirtualMachineConfigSpec {
            memory_allocation: Some(ResourceAllocationInfo {
                reservation,
                ..Default::default()
            }),
            ..Default::default()
        };
        let done = reservation.map(|r| (vm::CONFIG_MEMORY_ALLOCATION_RESERVATION, r));
        self.reconfigure(
            spec,
            "Could not change memory parameters",
            "setting the memory parameters of",
            done,
        )
    }

    /// Sets the number of vCPUs (`virDomainSetVcpusFlags`); only VIR_DOMAIN_AFFECT_LIVE as
    /// libvirt's ESX driver, which changes the configuration.
    pub fn set_vcpus(&self, count: u32, flags: u32) -> Result<()> {
        check_flags(flags, crate::flags::affect::LIVE, "esxDomainSetVcpusFlags")?;
        if count < 1 {
            return Err(Error::invalid_arg(
                "Requested number of virtual CPUs must at least be 1",
            ));
        }
        let max = self.get_max_vcpus()?;
        if count > max {
            return Err(Error::invalid_arg(format!(
                "Requested number of virtual CPUs is greater than max allowable number of virtual CPUs for the domain: {count} > {max}"
            )));
        }
        let spec = VirtualMachineConfigSpec {
            num_cpus: Some(count as i32),
            ..Default::default()
        };
        self.reconfigure(
            spec,
            &format!("Could not set number of virtual CPUs to {count}"),
            "setting the virtual CPUs of",
            Some((vm::CONFIG_HARDWARE_NUM_CPU, count as i32)),
        )
    }

    /// vCPU count (`virDomainGetVcpusFlags`): as libvirt's ESX driver, the host's maximum
    /// supported vCPUs whatever the flags.
    pub fn get_vcpus_flags(&self, flags: u32) -> Result<u32> {
        check_flags(
            flags,
            crate::flags::affect::LIVE | crate::flags::affect::MAXIMUM,
            "esxDomainGetVcpusFlags",
        )?;
        self.get_max_vcpus()
    }

    /// Maximum vCPUs of a domain on this host (`virDomainGetMaxVcpus`):
    /// `capability.maxSupportedVcpus`.
    pub fn get_max_vcpus(&self) -> Result<u32> {
        let max = host::CAPABILITY_MAX_SUPPORTED_VCPUS;
        let p = self
            .conn
            .engine
            .read_host(&[max.path()], "virDomainGetMaxVcpus")?;
        Ok(p.count(max) as u32)
    }

    /// The scheduler type and its number of parameters (`virDomainGetSchedulerType`):
    /// `("allocation", 3)`.
    pub fn get_scheduler_type(&self) -> Result<(String, i32)> {
        Ok(("allocation".to_string(), 3))
    }

    /// Scheduler parameters (`virDomainGetSchedulerParametersFlags`): `reservation` (MHz),
    /// `limit` (MHz, -1 unlimited), `shares` (a number; low/normal/high are -1/-2/-3).
    pub fn get_scheduler_parameters(&self, flags: u32) -> Result<Vec<TypedParam>> {
        check_flags(flags, 0, "esxDomainGetSchedulerParametersFlags")?;
        let p = self.props(
            &[
                vm::CONFIG_CPU_ALLOCATION_RESERVATION.path(),
                vm::CONFIG_CPU_ALLOCATION_LIMIT.path(),
                vm::CONFIG_CPU_ALLOCATION_SHARES.path(),
            ],
            "virDomainGetSchedulerParameters",
        )?;
        let mut out = Vec::new();
        if let Some(r) = p.get(vm::CONFIG_CPU_ALLOCATION_RESERVATION) {
            out.push(TypedParam::new("reservation", TypedValue::LLong(r)));
        }
        if let Some(l) = p.get(vm::CONFIG_CPU_ALLOCATION_LIMIT) {
            out.push(TypedParam::new("limit", TypedValue::LLong(l)));
        }
        if let Some(s) = p.get(vm::CONFIG_CPU_ALLOCATION_SHARES) {
            let v = match s.level {
                SharesLevel::Custom => s.shares,
                SharesLevel::Low => -1,
                SharesLevel::Normal => -2,
                SharesLevel::High => -3,
                SharesLevel::Other(ref o) => {
                    return Err(Error::internal(format!(
                        "Unexpected value '{o}' for SharesLevel"
                    )))
                }
            };
            out.push(TypedParam::new("shares", TypedValue::Int(v)));
        }
        Ok(out)
    }

    /// Sets scheduler parameters (`virDomainSetSchedulerParametersFlags`).
    pub fn set_scheduler_parameters(&self, params: &[TypedParam], flags: u32) -> Result<()> {
        check_flags(flags, 0, "esxDomainSetSchedulerParametersFlags")?;
        let mut alloc = ResourceAllocationInfo::default();
        for p in params {
            match (p.field.as_str(), &p.value) {
                ("reservation", TypedValue::LLong(v)) => {
                    if *v < 0 {
                        return Err(Error::invalid_arg(format!(
                            "Could not set reservation to {v} MHz, expecting positive value"
                        )));
                    }
                    alloc.reservation = Some(*v);
                }
                ("limit", TypedValue::LLong(v)) => {
                    if *v < -1 {
                        return Err(Error::invalid_arg(format!(
                            "Could not set limit to {v} MHz, expecting positive value or -1 (unlimited)"
                        )));
                    }
                    alloc.limit = Some(*v);
                }
                ("shares", TypedValue::Int(v)) => {
                    let (level, shares) = match *v {
                        v if v >= 0 => (SharesLevel::Custom, v),
                        -1 => (SharesLevel::Low, -1),
                        -2 => (SharesLevel::Normal, -1),
                        -3 => (SharesLevel::High, -1),
                        v => {
                            return Err(Error::invalid_arg(format!(
                                "Could not set shares to {v}, expecting positive value or -1 (low), -2 (normal) or -3 (high)"
                            )))
                        }
                    };
                    alloc.shares = Some(SharesInfo { shares, level });
                }
                (f @ ("reservation" | "limit"), _) => return Err(param_type_error(f, "llong")),
                ("shares", _) => return Err(param_type_error("shares", "int")),
                (other, _) => return Err(unsupported_param(other)),
            }
        }
        let spec = VirtualMachineConfigSpec {
            cpu_allocation: Some(alloc),
            ..Default::default()
        };
        self.reconfigure::<i64>(
            spec,
            "Could not change scheduler parameters",
            "setting the scheduler parameters of",
            None,
        )
    }
}
