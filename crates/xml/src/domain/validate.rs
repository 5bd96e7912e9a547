//! libvirt's validation step: the checks libvirt makes after post-parse, before it accepts
//! a definition (`define`, `domxml-to-native`). Messages and error classes are libvirt's, and
//! so is the order (each device kind in turn: disks, interfaces, videos, controllers, serial,
//! parallel and console ports, filesystems, graphics; then the domain-wide checks), so a
//! document with several faults reports the one libvirt reports. libvirt's own VMX converter
//! output is not validated by libvirt (and does not always pass: VMX files can name one target
//! twice), so validation is a separate step that [`Domain::from_xml`] runs and the VMX
//! converter does not.

use super::*;
use std::collections::HashSet;

/// libvirt's bounds for `<cputune><shares>` (the cgroup limits).
const SHARES_MIN: u64 = 2;
const SHARES_MAX: u64 = 262_144;

impl Domain {
    /// Runs libvirt's validation checks that apply to this model.
    pub fn validate(&self) -> Result<(), XmlError> {
        let d = &self.devices;
        for disk in &d.disks {
            validate_disk(disk)?;
        }
        for video in &d.videos {
            // libvirt checks this once per video device; the first one reports it.
            if video.model == VideoModel::None && d.videos.len() > 1 {
                return Err(XmlError::Unsupported(
                    "a 'none' video type must be the only video device defined for the domain"
                        .into(),
                ));
            }
        }
        for chr in d.serials.iter().chain(&d.parallels).chain(&d.consoles) {
            validate_chardev_source(&chr.source)?;
        }
        for fs in &d.filesystems {
            if fs.target_dir.is_empty() {
                return Err(XmlError::NoTarget(fs.source_dir.clone()));
            }
        }
        self.validate_disk_targets()?;
        self.validate_drive_addresses()?;
        if let Some(t) = self.cpu.as_ref().and_then(|c| c.topology) {
            let cpus = u64::from(t.sockets)
                .checked_mul(u64::from(t.dies))
                .and_then(|n| n.checked_mul(u64::from(t.cores)))
                .and_then(|n| n.checked_mul(u64::from(t.threads)));
            if t.sockets != 0 && cpus.is_none_or(|n| n > u64::from(u32::MAX)) {
                return Err(XmlError::Unsupported(format!(
                    "cpu topology results in more than {} cpus",
                    u32::MAX
                )));
            }
        }
        for (event, action) in [("poweroff", self.on_poweroff), ("reboot", self.on_reboot)] {
            if matches!(
                action,
                LifecycleAction::CoredumpDestroy | LifecycleAction::CoredumpRestart
            ) {
                return Err(XmlError::Unsupported(format!(
                    "Lifecycle event '{event}' doesn't support '{}' action",
                    action.as_str()
                )));
            }
        }
        if let Some(s) = self.cputune.shares {
            if s != 0 && !(SHARES_MIN..=SHARES_MAX).contains(&s) {
                return Err(XmlError::Unsupported(format!(
                    "Value of cputune 'shares' must be in range [{SHARES_MIN}, {SHARES_MAX}]"
                )));
            }
        }
        // Post-parse put a primary video first; any other primary one is refused.
        if d.videos.first().is_some_and(|v| v.primary) && d.videos[1..].iter().any(|v| v.primary) {
            return Err(XmlError::Unsupported(
                "Only one primary video device is supported".into(),
            ));
        }
        Ok(())
    }

    fn validate_disk_targets(&self) -> Result<(), XmlError> {
        let disks = &self.devices.disks;
        let mut targets: HashSet<&str> = HashSet::new();
        for disk in disks {
            if !targets.insert(disk.target.dev.as_str()) {
                let first = disks
                    .iter()
                    .find(|d| d.target.dev == disk.target.dev)
                    .unwrap_or(disk);
                return Err(XmlError::Invalid(format!(
                    "target '{}' duplicated for disk sources '{}' and '{}'",
                    disk.target.dev,
                    first.source.as_deref().unwrap_or("<null>"),
                    disk.source.as_deref().unwrap_or("<null>")
                )));
            }
        }
        Ok(())
    }

    fn validate_drive_addresses(&self) -> Result<(), XmlError> {
        let disks = &self.devices.disks;
        let mut addresses: HashSet<(DiskBus, u32, u32, u32, u32)> = HashSet::new();
        for disk in disks {
            let Some(a) = disk.address else { continue };
            let bus = disk.effective_bus();
            if !addresses.insert((bus, a.controller, a.bus, a.target, a.unit)) {
                let first = disks
                    .iter()
                    .find(|d| d.effective_bus() == bus && d.address == Some(a))
                    .unwrap_or(disk);
                return Err(XmlError::Unsupported(format!(
                    "Found duplicate drive address for disk with target name '{}' controller='{}' bus='{}' target='{}' unit='{}'",
                    first.target.dev, a.controller, a.bus, a.target, a.unit
                )));
            }
        }
        Ok(())
    }
}

fn validate_disk(disk: &Disk) -> Result<(), XmlError> {
    let bus = disk.effective_bus();
    if disk.target_missing {
        return Err(XmlError::NoTarget(match &disk.volume {
            Some(v) => format!("pool = '{}', volume = '{}'", v.pool, v.volume),
            None => disk.source.clone().unwrap_or_default(),
        }));
    }
    if disk.device == DiskDevice::Lun {
        match (&disk.network, disk.disk_type) {
            (Some(n), DiskType::Network) if n.protocol != NetProtocol::Iscsi => {
                return Err(XmlError::Unsupported(format!(
                    "disk device='lun' is not supported for protocol='{}'",
                    n.protocol.as_str()
                )));
            }
            (_, DiskType::Block | DiskType::Volume | DiskType::Network) => {}
            _ => {
                return Err(XmlError::Unsupported(
                    "disk device='lun' is only valid for block type disk source".into(),
                ))
            }
        }
        let format = disk.driver.as_ref().and_then(|d| d.format.as_deref());
        if !matches!(format, None | Some("raw" | "none")) {
            return Err(XmlError::Unsupported(
                "disk device 'lun' must use 'raw' format".into(),
            ));
        }
    }
    if let Some(t) = &disk.other_address_type {
        if matches!(
            bus,
            DiskBus::Ide | DiskBus::Fdc | DiskBus::Scsi | DiskBus::Sata
        ) {
            return Err(XmlError::Unsupported(format!(
                "Invalid address type '{t}' for the disk '{}' with the bus type '{}'",
                disk.target.dev,
                bus.as_str()
            )));
        }
    }
    if disk.device == DiskDevice::Floppy && bus != DiskBus::Fdc {
        return Err(XmlError::Internal(format!(
            "Invalid bus type '{}' for floppy disk",
            bus.as_str()
        )));
    }
    if disk.device != DiskDevice::Floppy && bus == DiskBus::Fdc {
        return Err(XmlError::Internal(format!(
            "Invalid bus type '{}' for disk",
            bus.as_str()
        )));
    }
    if let Some(policy) = disk.startup_policy {
        if disk.disk_type != DiskType::Volume && !disk.is_local_storage() {
            return Err(XmlError::Invalid(format!(
                "disk startupPolicy '{}' is not allowed for disk of '{}' type",
                policy.as_str(),
                disk.disk_type.as_str()
            )));
        }
        if policy == StartupPolicy::Requisite
            && !matches!(disk.device, DiskDevice::Cdrom | DiskDevice::Floppy)
        {
            return Err(XmlError::Invalid(
                "disk startupPolicy 'requisite' is allowed only for cdrom or floppy".into(),
            ));
        }
    }
    let dev = disk.target.dev.as_str();
    if matches!(disk.device, DiskDevice::Disk | DiskDevice::Lun)
        && !["hd", "sd", "vd", "xvd", "ubd"]
            .iter()
            .any(|p| dev.starts_with(p))
    {
        return Err(XmlError::Internal(format!(
            "Invalid harddisk device name: {dev}"
        )));
    }
    if disk.device == DiskDevice::Floppy && !dev.starts_with("fd") {
        return Err(XmlError::Internal(format!(
            "Invalid floppy device name: {dev}"
        )));
    }
    // Only CD-ROMs and floppies (and LUNs) may be empty: no medium inserted.
    if disk.device == DiskDevice::Disk && disk.is_empty_source() {
        return Err(XmlError::NoSource(dev.to_string()));
    }
    Ok(())
}

/// The source checks libvirt makes for every character device (`internal error`s).
fn validate_chardev_source(source: &CharSource) -> Result<(), XmlError> {
    const NO_PATH: &str = "Missing source path attribute for char device";
    const NO_SERVICE: &str = "Missing source service attribute for char device";
    match source {
        CharSource::Dev { path: None }
        | CharSource::File { path: None }
        | CharSource::Pipe { path: None }
        | CharSource::Unix { path: None, .. } => Err(XmlError::Internal(NO_PATH.into())),
        CharSource::Tcp(TcpSource { host: None, .. }) => Err(XmlError::Internal(
            "Missing source host attribute for char device".into(),
        )),
        CharSource::Tcp(TcpSource { service: None, .. })
        | CharSource::Udp {
            connect_service: None,
            ..
        } => Err(XmlError::Internal(NO_SERVICE.into())),
        _ => Ok(()),
    }
}
