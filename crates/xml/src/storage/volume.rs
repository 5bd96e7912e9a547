//! `<volume>`: storage volume XML as the ESX backends format it (`vol-dumpxml`) and as
//! `vol-create`/`vol-create-from` input.
//!
//! A datastore file is `type='file'` with key, sizes, the datastore path as target path and a
//! format (vmdk for virtual disks, iso, raw for floppy images); an iSCSI LUN is
//! `type='block'` with the device path and no format (iSCSI pools have no volume formats).

use crate::error::XmlError;
use crate::snapshot::xpath::{self, Query};
use crate::snapshot::STORAGE_FILE_FORMATS;
use crate::storage::pool::PoolType;
use crate::storage::{parse_size, Permissions};
use crate::writer::XmlWriter;

crate::string_enum! {
    /// `<volume type=...>`.
    pub enum VolumeType {
        File = "file",
        Block = "block",
        Dir = "dir",
        Network = "network",
        Netdir = "netdir",
        Ploop = "ploop",
    }
}

/// A `<volume>` document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageVolume {
    /// Volume type (`file` when not given).
    pub vol_type: VolumeType,
    /// Name: on a datastore the path inside it (`dir/disk.vmdk`), for iSCSI the LUN name.
    pub name: String,
    /// Key (a UUID-like string for ESX).
    pub key: Option<String>,
    /// Bytes.
    pub capacity: u64,
    /// Bytes; equals the capacity when the input had no `<allocation>`.
    pub allocation: u64,
    /// Whether the input gave `<allocation>` explicitly.
    pub has_allocation: bool,
    /// `<target>/<path>`.
    pub target_path: Option<String>,
    /// `<target>/<format type=...>`; `None` prints no format (iSCSI volumes).
    pub target_format: Option<String>,
    /// `<target>/<permissions>`; all-unset prints nothing.
    pub permissions: Permissions,
}

impl StorageVolume {
    /// A volume as the ESX backends build it for dumpxml.
    pub fn new_esx(
        vol_type: VolumeType,
        name: impl Into<String>,
        key: impl Into<String>,
        capacity: u64,
        allocation: u64,
        target_path: impl Into<String>,
        target_format: Option<&str>,
    ) -> StorageVolume {
        StorageVolume {
            vol_type,
            name: name.into(),
            key: Some(key.into()),
            capacity,
            allocation,
            has_allocation: true,
            target_path: Some(target_path.into()),
            target_format: target_format.map(str::to_owned),
            permissions: Permissions::default(),
        }
    }

    /// Parses a `<volume>` document as written, without pool-specific defaults: the format is
    /// whatever `<target>/<format>` says (checked against libvirt's image formats).
    pub fn from_xml(xml: &str) -> Result<StorageVolume, XmlError> {
        parse(xml, None)
    }

    /// Parses `vol-create` input for a pool of type `pool`, as libvirt does: pools whose
    /// volumes have formats default it to `raw`; iSCSI pools ignore it.
    pub fn from_xml_for_pool(xml: &str, pool: PoolType) -> Result<StorageVolume, XmlError> {
        parse(xml, Some(pool))
    }

    /// Formats the document exactly as libvirt's volume formatter does.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::new();
        w.open("volume", &[("type", Some(self.vol_type.as_str()))]);
        w.text_element("name", &[], &self.name);
        if let Some(k) = &self.key {
            w.text_element("key", &[], k);
        }
        w.value_element("capacity", &[("unit", Some("bytes"))], self.capacity);
        w.value_element("allocation", &[("unit", Some("bytes"))], self.allocation);
        w.open("target", &[]);
        if let Some(p) = &self.target_path {
            w.text_element("path", &[], p);
        }
        if let Some(f) = &self.target_format {
            w.empty("format", &[("type", Some(f))]);
        }
        self.permissions.format(&mut w);
        w.close("target");
        w.close("volume");
        w.finish()
    }
}

/// The `<volume>` request `virsh vol-create-as` builds from its options, in virsh's shape
/// (not libvirt's formatter's: no type, key or units, `<allocation>` only when given and
/// `<target>` only for a format). [`StorageVolume::from_xml`] reads it back.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VolumeRequest {
    /// `<name>`.
    pub name: String,
    /// `<capacity>` in bytes.
    pub capacity: u64,
    /// `<allocation>` in bytes, when asked for.
    pub allocation: Option<u64>,
    /// `<target>/<format type=...>`, when asked for.
    pub format: Option<String>,
}

impl VolumeRequest {
    /// Formats the request as virsh does.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::new();
        w.open("volume", &[]);
        w.text_element("name", &[], &self.name);
        w.value_element("capacity", &[], self.capacity);
        if let Some(a) = self.allocation {
            w.value_element("allocation", &[], a);
        }
        if let Some(f) = &self.format {
            w.open("target", &[]);
            w.empty("format", &[("type", Some(f))]);
            w.close("target");
        }
        w.close("volume");
        w.finish()
    }
}

/// Why the ESX driver refuses a `vol-create` request; `unsupported` distinguishes libvirt's
/// "not supported" errors from its internal ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeCreateError {
    /// libvirt reports this as `VIR_ERR_NO_SUPPORT` (else `VIR_ERR_INTERNAL_ERROR`).
    pub unsupported: bool,
    /// libvirt's message.
    pub message: String,
}

/// What to ask vSphere for when creating a VMDK volume (`CreateVirtualDisk_Task`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmdkCreatePlan {
    /// `preallocated` (allocation = capacity) or `thin` (allocation 0).
    pub disk_type: &'static str,
    /// Capacity in KiB, rounded up.
    pub capacity_kb: u64,
    /// The adapter type the driver always uses.
    pub adapter_type: &'static str,
}

impl StorageVolume {
    /// Checks a parsed `vol-create` / `vol-create-from` request against the ESX VMFS backend's
    /// rules, in its order: file volumes only, a `<directory>/<file>` name ending in `.vmdk`
    /// (case-insensitive), format vmdk. With `for_clone` the capacity/allocation relation is
    /// not checked (a clone copies the source disk).
    pub fn esx_vmdk_plan(&self, for_clone: bool) -> Result<VmdkCreatePlan, VolumeCreateError> {
        let fail = |unsupported, message: String| {
            Err(VolumeCreateError {
                unsupported,
                message,
            })
        };
        if self.vol_type != VolumeType::File {
            return fail(true, "Creating non-file volumes is not supported".into());
        }
        let name = &self.name;
        let bad_shape = match name.rfind('/') {
            None => true,
            Some(i) => name.starts_with('/') || i + 1 == name.len(),
        };
        if bad_shape {
            return fail(
                false,
                format!("Volume name '{name}' doesn't have expected format '<directory>/<file>'"),
            );
        }
        let lower = name.to_ascii_lowercase();
        if !lower.ends_with(".vmdk") {
            return fail(
                true,
                format!("Volume name '{name}' has unsupported suffix, expecting '.vmdk'"),
            );
        }
        let format = self.target_format.as_deref().unwrap_or("none");
        if format != "vmdk" {
            return fail(
                true,
                format!("Creation of {format} volumes is not supported"),
            );
        }
        let disk_type = if self.allocation == self.capacity {
            "preallocated"
        } else if self.allocation == 0 || for_clone {
            "thin"
        } else {
            return fail(false, "Unsupported capacity-to-allocation relation".into());
        };
        Ok(VmdkCreatePlan {
            disk_type,
            capacity_kb: self.capacity.div_ceil(1024),
            adapter_type: "lsiLogic",
        })
    }
}

fn parse(xml: &str, pool: Option<PoolType>) -> Result<StorageVolume, XmlError> {
    let root = xpath::parse_root(xml, "volume")?;
    let name = root
        .child_text("name")
        .ok_or_else(|| XmlError::missing("volume <name>"))?;
    let key = root.child_text("key");
    let vol_type = match root.attr("type").filter(|t| !t.is_empty()) {
        None => VolumeType::File,
        Some(t) => VolumeType::from_xml_str(t).ok_or_else(|| {
            XmlError::invalid("attribute 'type' of <volume>", t, VolumeType::expected())
        })?,
    };
    // string(./capacity) is empty (absent for libvirt) for an empty element.
    let capacity = match root
        .child("capacity")
        .filter(|c| !c.string_value().is_empty())
    {
        Some(c) => parse_size(c, "capacity")?,
        None => return Err(XmlError::missing("volume <capacity>")),
    };
    let (allocation, has_allocation) = match root
        .child("allocation")
        .filter(|c| !c.string_value().is_empty())
    {
        Some(a) => (parse_size(a, "allocation")?, true),
        None => (capacity, false),
    };
    let target = root.child("target");
    let given_format = root.path_attr(&["target", "format"], "type");
    let target_format = match (pool, given_format) {
        (Some(p), _) if !p.volumes_have_format() => None,
        (Some(_), None) => Some("raw".to_owned()),
        (_, Some(f)) => {
            if !STORAGE_FILE_FORMATS.contains(&f.as_str()) {
                return Err(XmlError::invalid(
                    "attribute 'type' of <target>/<format>",
                    &f,
                    "unknown volume format type",
                ));
            }
            Some(f)
        }
        (None, None) => None,
    };
    Ok(StorageVolume {
        vol_type,
        name,
        key,
        capacity,
        allocation,
        has_allocation,
        target_path: target.and_then(|t| t.child_text("path")),
        target_format,
        permissions: match target.and_then(|t| t.child("permissions")) {
            Some(p) => Permissions::parse(p)?,
            None => Permissions::default(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A VMDK on a VMFS datastore as esxStorageVolGetXMLDesc formats it.
    const VMDK: &str = "<volume type='file'>
  <name>vm1/vm1.vmdk</name>
  <key>6000c29a-4b1d-2e3f-8a9b-0c1d2e3f4a5b</key>
  <capacity unit='bytes'>17179869184</capacity>
  <allocation unit='bytes'>2147483648</allocation>
  <target>
    <path>[datastore1] vm1/vm1.vmdk</path>
    <format type='vmdk'/>
  </target>
</volume>
";

    #[test]
    fn create_as_requests_in_virsh_shape() {
        let minimal = VolumeRequest {
            name: "vm1/new <&> 'disk'.vmdk".into(),
            capacity: 1 << 30,
            ..Default::default()
        };
        assert_eq!(
            minimal.to_xml(),
            "<volume>\n  <name>vm1/new &lt;&amp;&gt; &apos;disk&apos;.vmdk</name>\n  <capacity>1073741824</capacity>\n</volume>\n"
        );
        let full = VolumeRequest {
            allocation: Some(0),
            format: Some("vmdk".into()),
            ..minimal.clone()
        };
        let xml = full.to_xml();
        assert_eq!(
            xml,
            "<volume>\n  <name>vm1/new &lt;&amp;&gt; &apos;disk&apos;.vmdk</name>\n  <capacity>1073741824</capacity>\n  <allocation>0</allocation>\n  <target>\n    <format type='vmdk'/>\n  </target>\n</volume>\n"
        );
        let back = StorageVolume::from_xml(&xml).unwrap();
        assert_eq!(back.name, full.name);
        assert_eq!((back.capacity, back.allocation), (1 << 30, 0));
        assert_eq!(back.target_format.as_deref(), Some("vmdk"));
    }

    #[test]
    fn esx_vmdk_volume() {
        let v = StorageVolume::new_esx(
            VolumeType::File,
            "vm1/vm1.vmdk",
            "6000c29a-4b1d-2e3f-8a9b-0c1d2e3f4a5b",
            16 << 30,
            2 << 30,
            "[datastore1] vm1/vm1.vmdk",
            Some("vmdk"),
        );
        assert_eq!(v.to_xml(), VMDK);
        assert_eq!(StorageVolume::from_xml(VMDK).unwrap(), v);
    }

    /// An iSCSI LUN: block, device path, no format.
    #[test]
    fn esx_iscsi_lun() {
        let xml = "<volume type='block'>
  <name>t10.ATA_____disk1</name>
  <key>0b7a3d3e-1f8c-6b1e-9a2d-3c4b5a6f7e8d</key>
  <capacity unit='bytes'>10737418240</capacity>
  <allocation unit='bytes'>10737418240</allocation>
  <target>
    <path>/vmfs/devices/disks/t10.ATA_____disk1</path>
  </target>
</volume>
";
        let v = StorageVolume::from_xml(xml).unwrap();
        assert_eq!(v.target_format, None);
        assert_eq!(v.to_xml(), xml);
    }

    /// vol-create input as virsh vol-create-as builds it, parsed for a VMFS pool.
    #[test]
    fn create_input_defaults() {
        let xml = "<volume>\n  <name>new/disk.vmdk</name>\n  <capacity>1073741824</capacity>\n  <target>\n    \
                   <format type='vmdk'/>\n  </target>\n</volume>\n";
        let v = StorageVolume::from_xml_for_pool(xml, PoolType::Fs).unwrap();
        assert_eq!(v.vol_type, VolumeType::File);
        assert_eq!(
            (v.capacity, v.allocation, v.has_allocation),
            (1 << 30, 1 << 30, false)
        );
        assert_eq!(v.target_format.as_deref(), Some("vmdk"));
        let thin = "<volume><name>a/b.vmdk</name><capacity unit='G'>2</capacity><allocation>0</allocation></volume>";
        let v = StorageVolume::from_xml_for_pool(thin, PoolType::Dir).unwrap();
        assert_eq!(
            (v.capacity, v.allocation, v.has_allocation),
            (2 << 30, 0, true)
        );
        assert_eq!(v.target_format.as_deref(), Some("raw"));
        let v = StorageVolume::from_xml_for_pool(thin, PoolType::Iscsi).unwrap();
        assert_eq!(v.target_format, None);
    }

    #[test]
    fn esx_vmdk_plans() {
        let parse = |x: &str| StorageVolume::from_xml_for_pool(x, PoolType::Fs).unwrap();
        let thick = parse("<volume><name>d/a.VMDK</name><capacity>1025</capacity><target><format type='vmdk'/></target></volume>");
        assert_eq!(
            thick.esx_vmdk_plan(false).unwrap(),
            VmdkCreatePlan {
                disk_type: "preallocated",
                capacity_kb: 2,
                adapter_type: "lsiLogic"
            }
        );
        let thin = parse("<volume><name>d/a.vmdk</name><capacity>2048</capacity><allocation>0</allocation><target><format type='vmdk'/></target></volume>");
        assert_eq!(thin.esx_vmdk_plan(false).unwrap().disk_type, "thin");
        let msg = |x: &str| parse(x).esx_vmdk_plan(false).unwrap_err().message;
        assert_eq!(
            msg("<volume><name>a.vmdk</name><capacity>1</capacity></volume>"),
            "Volume name 'a.vmdk' doesn't have expected format '<directory>/<file>'"
        );
        assert_eq!(
            msg("<volume><name>d/a.img</name><capacity>1</capacity></volume>"),
            "Volume name 'd/a.img' has unsupported suffix, expecting '.vmdk'"
        );
        assert_eq!(
            msg("<volume><name>d/a.vmdk</name><capacity>1</capacity></volume>"),
            "Creation of raw volumes is not supported"
        );
        assert_eq!(
            msg("<volume><name>d/a.vmdk</name><capacity>9</capacity><allocation>3</allocation><target><format type='vmdk'/></target></volume>"),
            "Unsupported capacity-to-allocation relation"
        );
        assert_eq!(
            msg("<volume type='block'><name>d/a.vmdk</name><capacity>1</capacity></volume>"),
            "Creating non-file volumes is not supported"
        );
    }

    #[test]
    fn errors_name_the_problem() {
        let cases: &[(&str, &str)] = &[
            ("<volume><capacity>1</capacity></volume>", "<name>"),
            ("<volume><name>a</name></volume>", "<capacity>"),
            ("<volume><name>a</name><capacity>-1</capacity></volume>", "capacity"),
            ("<volume><name>a</name><capacity unit='Q'>1</capacity></volume>", "suffix"),
            ("<volume type='tape'><name>a</name><capacity>1</capacity></volume>", "'type'"),
            ("<volume><name>a</name><capacity>1</capacity><target><format type='none'/></target></volume>", "format"),
            ("<pool/>", "volume"),
        ];
        for (xml, needle) in cases {
            let e = StorageVolume::from_xml(xml).unwrap_err().to_string();
            assert!(e.contains(needle), "{xml}: {e}");
        }
    }
}
