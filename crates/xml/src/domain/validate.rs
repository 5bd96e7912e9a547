//! libvirt's validation step: the checks libvirt makes after post-parse, before it accepts
//! a definition (`define`, `domxml-to-native`). Messages are libvirt's, so users see the
//! same text either way. libvirt's own VMX converter output is not validated by libvirt
//! (and does not always pass: VMX files can name one target twice), so validation is a
//! separate step that [`Domain::from_xml`] runs and the VMX converter does not.

use super::*;
use std::collections::HashSet;

/// libvirt's bounds for `<cputune><shares>` (the cgroup limits).
const SHARES_MIN: u64 = 2;
const SHARES_MAX: u64 = 262_144;

impl Domain {
    /// Runs libvirt's validation checks that apply to this model.
    pub fn validate(&self) -> Result<(), XmlError> {
        if let Some(s) = self.cputune.shares {
            if s != 0 && !(SHARES_MIN..=SHARES_MAX).contains(&s) {
                return Err(XmlError::Invalid(format!(
                    "Value of cputune 'shares' must be in range [{SHARES_MIN}, {SHARES_MAX}]"
                )));
            }
        }
        let mut targets: HashSet<&str> = HashSet::new();
        let mut addresses: HashSet<(DiskBus, u32, u32, u32, u32)> = HashSet::new();
        for disk in &self.devices.disks {
            validate_disk(disk)?;
            if !targets.insert(disk.target.dev.as_str()) {
                let other = self
                    .devices
                    .disks
                    .iter()
                    .find(|d| d.target.dev == disk.target.dev)
                    .unwrap_or(disk);
                return Err(XmlError::Invalid(format!(
                    "target '{}' duplicated for disk sources '{}' and '{}'",
                    disk.target.dev,
                    other.source.as_deref().unwrap_or("<null>"),
                    disk.source.as_deref().unwrap_or("<null>")
                )));
            }
            if let Some(a) = disk.address {
                let bus = disk.effective_bus();
                if !addresses.insert((bus, a.controller, a.bus, a.target, a.unit)) {
                    let first = self
                        .devices
                        .disks
                        .iter()
                        .find(|d| d.effective_bus() == bus && d.address == Some(a))
                        .unwrap_or(disk);
                    return Err(XmlError::Invalid(format!(
                        "Found duplicate drive address for disk with target name '{}' controller='{}' bus='{}' target='{}' unit='{}'",
                        first.target.dev, a.controller, a.bus, a.target, a.unit
                    )));
                }
            }
        }
        let videos = &self.devices.videos;
        if videos.len() > 1 && videos.iter().any(|v| v.model == VideoModel::None) {
            return Err(XmlError::Invalid(
                "a 'none' video type must be the only video device defined for the domain".into(),
            ));
        }
        Ok(())
    }
}

fn validate_disk(disk: &Disk) -> Result<(), XmlError> {
    let bus = disk.effective_bus();
    if disk.device == DiskDevice::Lun && disk.disk_type != DiskType::Block {
        return Err(XmlError::Invalid(
            "disk device='lun' is only valid for block type disk source".into(),
        ));
    }
    if disk.device == DiskDevice::Floppy && bus != DiskBus::Fdc {
        return Err(XmlError::Invalid(format!(
            "Invalid bus type '{}' for floppy disk",
            bus.as_str()
        )));
    }
    if disk.device != DiskDevice::Floppy && bus == DiskBus::Fdc {
        return Err(XmlError::Invalid(format!(
            "Invalid bus type '{}' for disk",
            bus.as_str()
        )));
    }
    if disk.startup_policy == Some(StartupPolicy::Requisite)
        && !matches!(disk.device, DiskDevice::Cdrom | DiskDevice::Floppy)
    {
        return Err(XmlError::Invalid(
            "disk startupPolicy 'requisite' is allowed only for cdrom or floppy".into(),
        ));
    }
    let dev = disk.target.dev.as_str();
    if matches!(disk.device, DiskDevice::Disk | DiskDevice::Lun)
        && !["hd", "sd", "vd", "xvd", "ubd"]
            .iter()
            .any(|p| dev.starts_with(p))
    {
        return Err(XmlError::Invalid(format!(
            "Invalid harddisk device name: {dev}"
        )));
    }
    if disk.device == DiskDevice::Floppy && !dev.starts_with("fd") {
        return Err(XmlError::Invalid(format!(
            "Invalid floppy device name: {dev}"
        )));
    }
    Ok(())
}
