//! Whether domains start with their host: the host's AutoStartManager configuration, read
//! through the object cache (`virDomainGetAutostart`) and changed by `virDomainSetAutostart`.

use std::collections::HashSet;

use esxvirt_vi::props::host_auto_start_manager as manager;
use esxvirt_vi::{
    AutoStartDefaults, AutoStartPowerInfo, AutoStartWaitHeartbeatSetting,
    HostAutoStartManagerConfig, ManagedObjectReference,
};

use super::Domain;
use crate::connection::engine::{Change, Landed};
use crate::connection::Connection;
use crate::error::{Error, Result};

/// Whether the VM `moref` starts with the host under this AutoStartManager configuration.
pub(crate) fn autostart_of(cfg: &HostAutoStartManagerConfig, moref: &str) -> bool {
    autostart_vms(cfg).contains(moref)
}

/// The VMs (managed-object ids) that a host's autostart configuration starts with the host:
/// none unless autostart is enabled, else those whose start action is powerOn.
pub(crate) fn autostart_vms(cfg: &HostAutoStartManagerConfig) -> HashSet<String> {
    if cfg.defaults.as_ref().and_then(|d| d.enabled) != Some(true) {
        return Default::default();
    }
    cfg.power_info
        .iter()
        .filter(|p| p.start_action.eq_ignore_ascii_case("powerOn"))
        .map(|p| p.key.value.clone())
        .collect()
}

impl Connection {
    /// The host's autostart manager and its configuration (from the object cache when a
    /// retrieval of this connection read it).
    pub(crate) fn autostart_config(
        &self,
    ) -> Result<(ManagedObjectReference, HostAutoStartManagerConfig)> {
        let mgr = self.engine.autostart_manager()?;
        let p = self
            .engine
            .read(&mgr, &[manager::CONFIG.path()], "autostart configuration")?
            .ok_or_else(|| Error::internal("Could not retrieve the AutoStartManager object"))?;
        Ok((mgr, p.get(manager::CONFIG).unwrap_or_default()))
    }
}

impl Domain<'_> {
    /// Whether the domain starts with the host (`virDomainGetAutostart`).
    pub fn get_autostart(&self) -> Result<bool> {
        let (_, cfg) = self.conn.autostart_config()?;
        Ok(autostart_of(&cfg, &self.moref))
    }

    /// Sets autostart (`virDomainSetAutostart`) through the host's AutoStartManager.
    pub fn set_autostart(&self, autostart: bool) -> Result<()> {
        self.conn.check_writable()?;
        let (mgr, cfg) = self.conn.autostart_config()?;
        let mut spec = HostAutoStartManagerConfig::default();
        if autostart && cfg.defaults.as_ref().and_then(|d| d.enabled) != Some(true) {
            if cfg.power_info.iter().any(|p| p.key.value != self.moref) {
                return Err(Error::operation_invalid(
                    "Cannot enable general autostart option without affecting other domains",
                ));
            }
            spec.defaults = Some(AutoStartDefaults {
                enabled: Some(true),
                ..Default::default()
            });
        }
        spec.power_info.push(AutoStartPowerInfo {
            key: self.mo(),
            start_order: -1,
            start_delay: -1,
            wait_for_heartbeat: AutoStartWaitHeartbeatSetting::SystemDefault,
            start_action: if autostart { "powerOn" } else { "none" }.to_string(),
            stop_delay: -1,
            stop_action: "none".to_string(),
        });
        // The configuration changes, whatever the answer.
        self.conn.engine.objects.invalidate(&mgr);
        let (spec, mgr) = (&spec, &mgr);
        let change = Change::new(
            format!(
                "{} autostart of domain '{}'",
                if autostart { "enabling" } else { "disabling" },
                self.name
            ),
            format!("dominfo {}", self.name),
        )
        .check(|| {
            self.conn.engine.objects.invalidate(mgr);
            Ok(if self.get_autostart()? == autostart {
                Landed::Yes
            } else {
                Landed::No
            })
        });
        let r = self.conn.engine.change(&change, |c, p| async move {
            p.send(&c, || c.reconfigure_autostart(mgr, spec)).await
        });
        self.conn.engine.objects.invalidate(mgr);
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::identity::vm_ref;

    #[test]
    fn autostart_vms_need_enabled_defaults_and_power_on() {
        let entry = |vm: &str, action: &str| AutoStartPowerInfo {
            key: vm_ref(vm),
            start_order: 1,
            start_delay: -1,
            wait_for_heartbeat: AutoStartWaitHeartbeatSetting::SystemDefault,
            start_action: action.to_string(),
            stop_delay: -1,
            stop_action: "none".to_string(),
        };
        let mut cfg = HostAutoStartManagerConfig {
            defaults: None,
            power_info: vec![
                entry("vm-1", "powerOn"),
                entry("vm-2", "none"),
                entry("vm-3", "PowerOn"),
            ],
        };
        assert!(autostart_vms(&cfg).is_empty(), "autostart not enabled");
        cfg.defaults = Some(AutoStartDefaults {
            enabled: Some(true),
            ..Default::default()
        });
        let on = autostart_vms(&cfg);
        assert_eq!(on.len(), 2);
        assert!(on.contains("vm-1") && on.contains("vm-3"), "{on:?}");
        for vm in ["vm-1", "vm-2", "vm-3", "vm-4"] {
            assert_eq!(autostart_of(&cfg, vm), on.contains(vm), "{vm}");
        }
    }
}
