//! `<pool>`: storage pool XML for the pool types the ESX driver produces (dir, fs, netfs,
//! iscsi).
//!
//! Which `<source>` children appear depends on the pool type exactly as in libvirt: hosts for
//! netfs/iscsi, devices for fs/iscsi, `<dir>` for netfs, the initiator IQN for iscsi, and a
//! `<format>` for fs/netfs (default `auto`). ESX definitions start zeroed, so their target
//! carries `<permissions>` with mode `00`, owner 0 and group 0, and an iSCSI pool has a
//! target without a path.

use crate::dom::Element;
use crate::error::XmlError;
use crate::snapshot::xpath::{self, Query};
use crate::storage::{parse_size, Permissions};
use crate::writer::XmlWriter;

crate::string_enum! {
    /// `<pool type=...>` (the types the ESX backends use).
    pub enum PoolType {
        Dir = "dir",
        Fs = "fs",
        Netfs = "netfs",
        Iscsi = "iscsi",
    }
}

/// File system formats of `fs` pools.
const FS_FORMATS: &[&str] = &[
    "auto", "ext2", "ext3", "ext4", "ufs", "iso9660", "udf", "gfs", "gfs2", "vfat", "hfs+", "xfs",
    "ocfs2", "vmfs",
];
/// Network file system formats of `netfs` pools.
const NETFS_FORMATS: &[&str] = &["auto", "nfs", "glusterfs", "cifs"];

impl PoolType {
    fn has_hosts(self) -> bool {
        matches!(self, PoolType::Netfs | PoolType::Iscsi)
    }
    fn has_devices(self) -> bool {
        matches!(self, PoolType::Fs | PoolType::Iscsi)
    }
    /// Source formats this pool type accepts, if it has a `<format>` at all.
    fn formats(self) -> Option<&'static [&'static str]> {
        match self {
            PoolType::Fs => Some(FS_FORMATS),
            PoolType::Netfs => Some(NETFS_FORMATS),
            PoolType::Dir | PoolType::Iscsi => None,
        }
    }
    /// Whether volumes of this pool type have a `<format>` (libvirt's volume options).
    pub fn volumes_have_format(self) -> bool {
        !matches!(self, PoolType::Iscsi)
    }
}

/// `<source>/<host name=... port=...>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PoolHost {
    /// Host name or address.
    pub name: String,
    /// Port; 0 = not given.
    pub port: i32,
}

/// `<source>` of a pool.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PoolSource {
    /// Remote hosts (netfs, iscsi).
    pub hosts: Vec<PoolHost>,
    /// Device paths (fs, iscsi).
    pub devices: Vec<String>,
    /// Remote directory (netfs).
    pub dir: Option<String>,
    /// Initiator IQN (iscsi).
    pub initiator_iqn: Option<String>,
    /// Source format (fs, netfs); `None` prints libvirt's default `auto`.
    pub format: Option<String>,
}

/// A `<pool>` document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoragePool {
    /// Pool type.
    pub pool_type: PoolType,
    /// Pool name (datastore name or iSCSI target IQN).
    pub name: String,
    /// Canonical UUID.
    pub uuid: String,
    /// Bytes.
    pub capacity: u64,
    /// Bytes.
    pub allocation: u64,
    /// Bytes.
    pub available: u64,
    /// Source description.
    pub source: PoolSource,
    /// `<target>/<path>`.
    pub target_path: Option<String>,
    /// `<target>/<permissions>`.
    pub permissions: Permissions,
}

impl StoragePool {
    /// A pool as the ESX backends start it: given type, name and UUID, sizes 0, the zeroed
    /// permissions, no source details.
    pub fn new_esx(
        pool_type: PoolType,
        name: impl Into<String>,
        uuid: impl Into<String>,
    ) -> StoragePool {
        StoragePool {
            pool_type,
            name: name.into(),
            uuid: uuid.into(),
            capacity: 0,
            allocation: 0,
            available: 0,
            source: PoolSource::default(),
            target_path: None,
            permissions: Permissions::esx_zeroed(),
        }
    }

    /// Parses a `<pool>` document.
    ///
    /// Unlike libvirt's pool-define parser this reads back the sizes and does not demand the
    /// source/target parts a pool-define would need (the ESX driver has no pool-define and
    /// its own iSCSI output lacks them), so what the driver prints round-trips.
    pub fn from_xml(xml: &str) -> Result<StoragePool, XmlError> {
        let root = xpath::parse_root(xml, "pool")?;
        let t = root
            .attr("type")
            .ok_or_else(|| XmlError::missing("attribute 'type' of <pool>"))?;
        let pool_type = PoolType::from_xml_str(t).ok_or_else(|| {
            XmlError::invalid("attribute 'type' of <pool>", t, PoolType::expected())
        })?;
        let name = root
            .child_text("name")
            .ok_or_else(|| XmlError::missing("pool <name>"))?;
        if name.contains('/') {
            return Err(XmlError::invalid(
                "pool <name>",
                &name,
                "must not contain '/'",
            ));
        }
        let uuid_text = root
            .child_text("uuid")
            .ok_or_else(|| XmlError::missing("pool <uuid>"))?;
        let uuid = xpath::canonical_uuid(&uuid_text)
            .ok_or_else(|| XmlError::invalid("pool <uuid>", &uuid_text, "malformed uuid"))?;
        let size = |n: &str| {
            root.child(n)
                .map(|e| parse_size(e, n))
                .transpose()
                .map(Option::unwrap_or_default)
        };
        let source = match root.child("source") {
            Some(s) => parse_source(s, pool_type)?,
            None => PoolSource::default(),
        };
        let target = root.child("target");
        Ok(StoragePool {
            pool_type,
            name,
            uuid,
            capacity: size("capacity")?,
            allocation: size("allocation")?,
            available: size("available")?,
            source,
            target_path: target.and_then(|t| t.child_text("path")),
            permissions: match target.and_then(|t| t.child("permissions")) {
                Some(p) => Permissions::parse(p)?,
                None => Permissions::default(),
            },
        })
    }

    /// Formats the document exactly as libvirt's pool formatter does.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::new();
        w.open("pool", &[("type", Some(self.pool_type.as_str()))]);
        w.text_element("name", &[], &self.name);
        w.value_element("uuid", &[], &self.uuid);
        w.value_element("capacity", &[("unit", Some("bytes"))], self.capacity);
        w.value_element("allocation", &[("unit", Some("bytes"))], self.allocation);
        w.value_element("available", &[("unit", Some("bytes"))], self.available);
        self.format_source(&mut w);
        w.open("target", &[]);
        if let Some(p) = &self.target_path {
            w.text_element("path", &[], p);
        }
        self.permissions.format(&mut w);
        w.close("target");
        w.close("pool");
        w.finish()
    }

    fn format_source(&self, w: &mut XmlWriter) {
        let t = self.pool_type;
        let src = &self.source;
        w.open("source", &[]);
        if t.has_hosts() {
            for h in &src.hosts {
                let port = (h.port != 0).then(|| h.port.to_string());
                w.empty(
                    "host",
                    &[("name", Some(&h.name)), ("port", port.as_deref())],
                );
            }
        }
        if t.has_devices() {
            for d in &src.devices {
                w.empty("device", &[("path", Some(d))]);
            }
        }
        if t == PoolType::Netfs {
            if let Some(d) = &src.dir {
                w.empty("dir", &[("path", Some(d))]);
            }
        }
        if t == PoolType::Iscsi {
            if let Some(iqn) = &src.initiator_iqn {
                w.open("initiator", &[]);
                w.empty("iqn", &[("name", Some(iqn))]);
                w.close("initiator");
            }
        }
        if t.formats().is_some() {
            w.empty(
                "format",
                &[("type", Some(src.format.as_deref().unwrap_or("auto")))],
            );
        }
        w.close("source");
    }
}

fn parse_source(s: &Element, t: PoolType) -> Result<PoolSource, XmlError> {
    let mut src = PoolSource::default();
    if let Some(formats) = t.formats() {
        if let Some(f) = s.path_attr(&["format"], "type") {
            if !formats.contains(&f.as_str()) {
                let expected = format!("expected one of {}", formats.join(", "));
                return Err(XmlError::invalid(
                    "attribute 'type' of <source>/<format>",
                    f,
                    expected,
                ));
            }
            src.format = Some(f);
        }
    }
    for h in s.children_named("host") {
        let name = h
            .attr("name")
            .filter(|n| !n.is_empty())
            .ok_or_else(|| XmlError::missing("storage pool source host name (<host name=...>)"))?;
        let port = match h.attr("port") {
            None => 0,
            Some(p) => p.trim().parse::<i32>().map_err(|_| {
                XmlError::invalid(
                    "attribute 'port' of <source>/<host>",
                    p,
                    "expected a port number",
                )
            })?,
        };
        src.hosts.push(PoolHost {
            name: name.to_owned(),
            port,
        });
    }
    for d in s.children_named("device") {
        let path = d
            .attr("path")
            .ok_or_else(|| XmlError::missing("storage pool source device path"))?;
        src.devices.push(path.to_owned());
    }
    src.dir = s.path_attr(&["dir"], "path");
    src.initiator_iqn = s.path_attr(&["initiator", "iqn"], "name");
    Ok(src)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(xml: &str) -> StoragePool {
        let p = StoragePool::from_xml(xml).unwrap();
        assert_eq!(p.to_xml(), xml);
        p
    }

    /// A pool document as libvirt's ESX driver formats it: (type, escaped name, uuid), the
    /// capacity, allocation and available bytes, the lines of `<source>`, the target path.
    fn esx_pool(
        id: (&str, &str, &str),
        sizes: [u64; 3],
        source: &str,
        path: Option<&str>,
    ) -> String {
        pool_xml(id, sizes, source, path, "00")
    }

    /// A pool document with its target's permissions owned by root, mode `mode`.
    fn pool_xml(
        (kind, name, uuid): (&str, &str, &str),
        [capacity, allocation, available]: [u64; 3],
        source: &str,
        path: Option<&str>,
        mode: &str,
    ) -> String {
        let path = path.map_or(String::new(), |p| format!("    <path>{p}</path>\n"));
        format!(
            "<pool type='{kind}'>
  <name>{name}</name>
  <uuid>{uuid}</uuid>
  <capacity unit='bytes'>{capacity}</capacity>
  <allocation unit='bytes'>{allocation}</allocation>
  <available unit='bytes'>{available}</available>
  <source>
{source}  </source>
  <target>
{path}    <permissions>
      <mode>{mode}</mode>
      <owner>0</owner>
      <group>0</group>
    </permissions>
  </target>
</pool>
"
        )
    }

    /// A VMFS datastore as esxStoragePoolGetXMLDesc formats it.
    #[test]
    fn esx_vmfs_datastore() {
        let mut p = StoragePool::new_esx(
            PoolType::Fs,
            "datastore1",
            "3f2b8a6c-1d4e-4f5a-8b9c-0d1e2f3a4b5c",
        );
        p.capacity = 107374182400;
        p.available = 53687091200;
        p.allocation = p.capacity - p.available;
        p.source.format = Some("vmfs".into());
        p.target_path = Some("/vmfs/volumes/5f1a2b3c-4d5e6f70-8192-a0b1c2d3e4f5".into());
        let xml = esx_pool(
            ("fs", "datastore1", "3f2b8a6c-1d4e-4f5a-8b9c-0d1e2f3a4b5c"),
            [107374182400, 53687091200, 53687091200],
            "    <format type='vmfs'/>\n",
            Some("/vmfs/volumes/5f1a2b3c-4d5e6f70-8192-a0b1c2d3e4f5"),
        );
        assert_eq!(p.to_xml(), xml);
        assert_eq!(round_trip(&xml), p);
    }

    /// An NFS datastore: host, remote dir and format nfs.
    #[test]
    fn esx_nfs_datastore() {
        let xml = esx_pool(
            ("netfs", "nfs &amp; iso", "0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f"),
            [1000, 400, 600],
            "    <host name='nas.example.com'/>\n    <dir path='/export/iso'/>\n    <format type='nfs'/>\n",
            Some("/vmfs/volumes/0c9d8e7f-6a5b4c3d"),
        );
        let p = round_trip(&xml);
        assert_eq!(p.name, "nfs & iso");
        assert_eq!(p.source.hosts[0].name, "nas.example.com");
    }

    /// A local (dir) datastore that is inaccessible: sizes stay 0, empty <source>.
    #[test]
    fn esx_local_inaccessible_datastore() {
        let mut p = StoragePool::new_esx(
            PoolType::Dir,
            "local",
            "00000000-0000-0000-0000-000000000001",
        );
        p.target_path = Some("/vmfs/volumes/local".into());
        let xml = esx_pool(
            ("dir", "local", "00000000-0000-0000-0000-000000000001"),
            [0, 0, 0],
            "",
            Some("/vmfs/volumes/local"),
        );
        assert_eq!(p.to_xml(), xml);
        round_trip(&xml);
    }

    /// An iSCSI static target as esx_storage_backend_iscsi formats it: no target path.
    #[test]
    fn esx_iscsi_target() {
        let mut p = StoragePool::new_esx(
            PoolType::Iscsi,
            "iqn.2001-05.com.example:storage.disk1",
            "e9392370-2917-565e-692b-d057f46512d6",
        );
        p.source.hosts.push(PoolHost {
            name: "10.0.0.9".into(),
            port: 3260,
        });
        p.source.initiator_iqn = Some("iqn.2001-05.com.example:storage.disk1".into());
        let xml = esx_pool(
            ("iscsi", "iqn.2001-05.com.example:storage.disk1", "e9392370-2917-565e-692b-d057f46512d6"),
            [0, 0, 0],
            "    <host name='10.0.0.9' port='3260'/>\n    <initiator>\n      <iqn name='iqn.2001-05.com.example:storage.disk1'/>\n    </initiator>\n",
            None,
        );
        assert_eq!(p.to_xml(), xml);
        assert_eq!(round_trip(&xml), p);
    }

    /// libvirt tests/storagepoolxml2xmlout/pool-dir.xml and pool-iscsi.xml.
    #[test]
    fn libvirt_samples() {
        round_trip(
            "<pool type='dir'>
  <name>virtimages</name>
  <uuid>70a7eb15-6c34-ee9c-bf57-69e8e5ff3fb2</uuid>
  <capacity unit='bytes'>0</capacity>
  <allocation unit='bytes'>0</allocation>
  <available unit='bytes'>0</available>
  <source>
  </source>
  <target>
    <path>/var/lib/libvirt/images</path>
    <permissions>
      <mode>0700</mode>
      <label>some_label_t</label>
    </permissions>
  </target>
</pool>
",
        );
        round_trip(&pool_xml(
            (
                "iscsi",
                "virtimages",
                "e9392370-2917-565e-692b-d057f46512d6",
            ),
            [0, 0, 0],
            "    <host name='iscsi.example.com'/>\n    <device path='demo-target'/>\n",
            Some("/dev/disk/by-path"),
            "0700",
        ));
    }

    #[test]
    fn errors_name_the_problem() {
        let cases: &[(&str, &str)] = &[
            ("<pool><name>a</name></pool>", "'type'"),
            ("<pool type='rbd'/>", "'type'"),
            ("<pool type='dir'><uuid>70a7eb15-6c34-ee9c-bf57-69e8e5ff3fb2</uuid></pool>", "<name>"),
            ("<pool type='dir'><name>a</name><uuid>nope</uuid></pool>", "uuid"),
            ("<pool type='fs'><name>a</name><uuid>70a7eb15-6c34-ee9c-bf57-69e8e5ff3fb2</uuid><source><format type='ntfs'/></source></pool>", "format"),
            ("<pool type='dir'><name>a</name><uuid>70a7eb15-6c34-ee9c-bf57-69e8e5ff3fb2</uuid><capacity>x</capacity></pool>", "capacity"),
            ("<pool type='dir'><name>a</name><uuid>70a7eb15-6c34-ee9c-bf57-69e8e5ff3fb2</uuid><target><permissions><mode>999</mode></permissions></target></pool>", "octal"),
            ("<volume/>", "pool"),
        ];
        for (xml, needle) in cases {
            let e = StoragePool::from_xml(xml).unwrap_err().to_string();
            assert!(e.contains(needle), "{xml}: {e}");
        }
    }
}
