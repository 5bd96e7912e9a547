//! Virtual disks as a descriptor `.vmdk` plus a sparse `-flat.vmdk` extent: create, read
//! the descriptor, copy, delete, zero-fill.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::model::{Device, PowerState};
use super::random::random_uuid_bytes;
use super::{io_err, InvError, InvResult, World};

impl World {
    /// Create a virtual disk: a descriptor at `ds_path` and a sparse `-flat.vmdk` extent.
    pub fn create_virtual_disk(
        &self,
        ds_path: &str,
        capacity_kb: i64,
        thin: bool,
        adapter: &str,
    ) -> InvResult<()> {
        self.create_disk_files(ds_path, capacity_kb, thin, adapter, true)
    }

    pub(super) fn create_disk_files(
        &self,
        ds_path: &str,
        capacity_kb: i64,
        thin: bool,
        adapter: &str,
        extent: bool,
    ) -> InvResult<()> {
        if !ds_path.ends_with(".vmdk") {
            return Err(InvError::InvalidArgument(format!(
                "disk name '{ds_path}' must end in .vmdk"
            )));
        }
        // Up to 62 TB, the largest virtual disk VMFS allows.
        if capacity_kb <= 0 || capacity_kb > 62 * 1024 * 1024 * 1024 {
            return Err(InvError::InvalidArgument("capacityKb".into()));
        }
        let desc = self.resolve(ds_path)?;
        if desc.exists() {
            return Err(InvError::FileAlreadyExists(ds_path.to_string()));
        }
        let parent = desc
            .parent()
            .ok_or_else(|| InvError::InvalidDatastorePath(ds_path.to_string()))?;
        if !parent.is_dir() {
            return Err(InvError::FileNotFound(ds_path.to_string()));
        }
        let flat = flat_of(&desc);
        let flat_name = flat
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let uuid = random_uuid_bytes();
        let text = disk_descriptor(capacity_kb, thin, adapter, &flat_name, &uuid);
        std::fs::write(&desc, text).map_err(|e| io_err(e, ds_path))?;
        if extent {
            let f = std::fs::File::create(&flat).map_err(|e| io_err(e, ds_path))?;
            f.set_len((capacity_kb as u64).saturating_mul(1024))
                .map_err(|e| io_err(e, ds_path))?;
        }
        Ok(())
    }

    /// Read a disk descriptor.
    pub fn disk_info(&self, ds_path: &str) -> InvResult<DiskInfo> {
        let desc = self.resolve(ds_path)?;
        let text = std::fs::read_to_string(&desc)
            .map_err(|_| InvError::FileNotFound(ds_path.to_string()))?;
        parse_descriptor(&text)
            .ok_or_else(|| InvError::InvalidArgument(format!("{ds_path} is not a virtual disk")))
    }

    /// Copy a virtual disk (descriptor and extent) to a new name.
    pub fn copy_virtual_disk(&self, src: &str, dst: &str, force: bool) -> InvResult<()> {
        let info = self.disk_info(src)?;
        let s = self.resolve(src)?;
        let d = self.resolve(dst)?;
        if !dst.ends_with(".vmdk") {
            return Err(InvError::InvalidArgument(format!(
                "disk name '{dst}' must end in .vmdk"
            )));
        }
        if d.exists() && !force {
            return Err(InvError::FileAlreadyExists(dst.to_string()));
        }
        if !d.parent().map(|p| p.is_dir()).unwrap_or(false) {
            return Err(InvError::FileNotFound(dst.to_string()));
        }
        let dflat = flat_of(&d);
        let flat_name = dflat
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = disk_descriptor(
            info.capacity_kb,
            info.thin,
            &info.adapter,
            &flat_name,
            &random_uuid_bytes(),
        );
        std::fs::write(&d, text).map_err(|e| io_err(e, dst))?;
        let sflat = flat_of(&s);
        if sflat.exists() {
            copy_sparse(&sflat, &dflat).map_err(|e| io_err(e, dst))?;
        } else {
            let f = std::fs::File::create(&dflat).map_err(|e| io_err(e, dst))?;
            f.set_len((info.capacity_kb as u64).saturating_mul(1024))
                .map_err(|e| io_err(e, dst))?;
        }
        Ok(())
    }

    /// Delete a virtual disk (descriptor and extent).
    pub fn delete_virtual_disk(&self, ds_path: &str) -> InvResult<()> {
        let d = self.resolve(ds_path)?;
        if !d.is_file() {
            return Err(InvError::FileNotFound(ds_path.to_string()));
        }
        let in_use = self.vms.values().any(|v| {
            v.power_state != PowerState::PoweredOff
                && v.config
                    .devices
                    .iter()
                    .any(|dev| matches!(dev, Device::Disk { file, .. } if file == ds_path))
        });
        if in_use {
            return Err(InvError::InvalidState(format!(
                "The disk {ds_path} is in use by a running virtual machine"
            )));
        }
        let flat = flat_of(&d);
        std::fs::remove_file(&d).map_err(|e| io_err(e, ds_path))?;
        if flat.exists() {
            std::fs::remove_file(&flat).map_err(|e| io_err(e, ds_path))?;
        }
        Ok(())
    }

    /// Zero-fill a disk: its extent becomes fully allocated zeros, and thick.
    pub fn zero_fill_virtual_disk(&self, ds_path: &str) -> InvResult<()> {
        let info = self.disk_info(ds_path)?;
        let d = self.resolve(ds_path)?;
        let flat = flat_of(&d);
        // Write zeros for real only for small disks; a big extent is re-created sparse, which
        // reads back as zeros just the same.
        let len = (info.capacity_kb as u64).saturating_mul(1024);
        let f = std::fs::File::create(&flat).map_err(|e| io_err(e, ds_path))?;
        if len <= 64 * 1024 * 1024 {
            let mut w = std::io::BufWriter::new(&f);
            let chunk = vec![0u8; 1 << 20];
            let mut left = len;
            while left > 0 {
                let n = left.min(chunk.len() as u64) as usize;
                w.write_all(&chunk[..n]).map_err(|e| io_err(e, ds_path))?;
                left -= n as u64;
            }
            w.flush().map_err(|e| io_err(e, ds_path))?;
        } else {
            f.set_len(len).map_err(|e| io_err(e, ds_path))?;
        }
        let flat_name = flat
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let uuid = hex_to_bytes(&info.uuid);
        let text = disk_descriptor(info.capacity_kb, false, &info.adapter, &flat_name, &uuid);
        std::fs::write(&d, text).map_err(|e| io_err(e, ds_path))
    }
}

/// Facts about a virtual disk read from its descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskInfo {
    pub capacity_kb: i64,
    pub thin: bool,
    pub uuid: String,
    pub adapter: String,
    pub hw_version: String,
}

pub(super) fn flat_of(desc: &Path) -> PathBuf {
    let s = desc.to_string_lossy();
    let base = s.strip_suffix(".vmdk").unwrap_or(&s);
    PathBuf::from(format!("{base}-flat.vmdk"))
}

fn disk_descriptor(
    capacity_kb: i64,
    thin: bool,
    adapter: &str,
    flat_name: &str,
    uuid: &[u8],
) -> String {
    let sectors = capacity_kb.saturating_mul(2);
    let cylinders = (sectors / (255 * 63)).clamp(1, 16383);
    let uuid_txt = uuid
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if i == 0 {
                format!("{b:02x}")
            } else if i == 8 {
                format!("-{b:02x}")
            } else {
                format!(" {b:02x}")
            }
        })
        .collect::<String>();
    format!(
        "# Disk DescriptorFile\nversion=1\nencoding=\"UTF-8\"\nCID=fffffffe\nparentCID=ffffffff\n\
         createType=\"vmfs\"\n\n# Extent description\nRW {sectors} VMFS \"{flat_name}\"\n\n\
         # The Disk Data Base\n#DDB\n\nddb.adapterType = \"{adapter}\"\nddb.geometry.cylinders = \"{cylinders}\"\n\
         ddb.geometry.heads = \"255\"\nddb.geometry.sectors = \"63\"\nddb.longContentID = \"0000000000000000fffffffe\"\n\
         ddb.thinProvisioned = \"{}\"\nddb.uuid = \"{uuid_txt}\"\nddb.virtualHWVersion = \"14\"\n",
        if thin { 1 } else { 0 }
    )
}

pub(super) fn parse_descriptor(text: &str) -> Option<DiskInfo> {
    if !text.contains("Disk DescriptorFile") {
        return None;
    }
    let mut sectors = 0i64;
    let mut thin = false;
    let mut uuid = String::new();
    let mut adapter = "lsiLogic".to_string();
    let mut hw = "14".to_string();
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("RW ") {
            sectors += rest
                .split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
        } else if let Some((k, v)) = line.split_once('=') {
            let v = v.trim().trim_matches('"').to_string();
            match k.trim() {
                "ddb.thinProvisioned" => thin = v == "1",
                "ddb.uuid" => uuid = v,
                "ddb.adapterType" => adapter = v,
                "ddb.virtualHWVersion" => hw = v,
                _ => {}
            }
        }
    }
    Some(DiskInfo {
        capacity_kb: sectors / 2,
        thin,
        uuid,
        adapter,
        hw_version: hw,
    })
}

pub(super) fn hex_to_bytes(s: &str) -> Vec<u8> {
    let hex: Vec<u8> = s
        .chars()
        .filter_map(|c| c.to_digit(16).map(|d| d as u8))
        .collect();
    hex.chunks(2)
        .map(|p| if p.len() == 2 { p[0] * 16 + p[1] } else { p[0] })
        .collect()
}

/// Copy keeping holes: only non-zero 64 KiB blocks are written.
pub(super) fn copy_sparse(s: &Path, d: &Path) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut src = std::fs::File::open(s)?;
    let len = src.metadata()?.len();
    let mut dst = std::fs::File::create(d)?;
    let mut buf = vec![0u8; 64 * 1024];
    let meta = src.metadata()?;
    // An extent with nothing allocated is all holes: just size the copy.
    if allocated_bytes(&meta) == 0 {
        dst.set_len(len)?;
        return Ok(());
    }
    loop {
        let n = src.read(&mut buf)?;
        if n == 0 {
            break;
        }
        if buf[..n].iter().all(|&b| b == 0) {
            dst.seek(SeekFrom::Current(n as i64))?;
        } else {
            dst.write_all(&buf[..n])?;
        }
    }
    dst.set_len(len)?;
    Ok(())
}

pub(super) fn allocated_bytes(meta: &std::fs::Metadata) -> i64 {
    use std::os::unix::fs::MetadataExt;
    (meta.blocks() as i64) * 512
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptor_round_trip() {
        let d = disk_descriptor(1024 * 1024, true, "lsiLogic", "x-flat.vmdk", &[1u8; 16]);
        let i = parse_descriptor(&d).unwrap();
        assert_eq!(i.capacity_kb, 1024 * 1024);
        assert!(i.thin);
        assert_eq!(i.uuid, "01 01 01 01 01 01 01 01-01 01 01 01 01 01 01 01");
    }
}
