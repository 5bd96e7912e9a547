//! Domain snapshot XML (`<domainsnapshot>`): what `virsh snapshot-dumpxml` prints for an ESX
//! snapshot and what `snapshot-create` reads.
//!
//! The ESX driver formats a snapshot from the vSphere snapshot tree: name, description (always
//! present on ESX, possibly empty), state (the power state when taken), parent name, creation
//! time, and a `<domain>` holding only the VM's UUID. Disks and memory are never produced by
//! ESX, but are parsed (and formatted) so that create requests carrying them can be checked
//! and refused with libvirt's message.

pub(crate) mod xpath;

use crate::dom::Element;
use crate::error::XmlError;
use crate::writer::XmlWriter;
use xpath::Query;

crate::string_enum! {
    /// `<state>`: the domain state when the snapshot was taken.
    pub enum SnapshotState {
        NoState = "nostate",
        Running = "running",
        Blocked = "blocked",
        Paused = "paused",
        Shutdown = "shutdown",
        Shutoff = "shutoff",
        Crashed = "crashed",
        PmSuspended = "pmsuspended",
        DiskSnapshot = "disk-snapshot",
    }
}

impl SnapshotState {
    /// The state the ESX driver records for a snapshot taken in a vSphere power state
    /// (`poweredOn`, `suspended`, `poweredOff`); other values give no `<state>`.
    pub fn from_vi_power_state(power_state: &str) -> Option<SnapshotState> {
        match power_state {
            "poweredOn" => Some(SnapshotState::Running),
            "suspended" => Some(SnapshotState::Paused),
            "poweredOff" => Some(SnapshotState::Shutoff),
            _ => None,
        }
    }
}

crate::string_enum! {
    /// Where memory or a disk is snapshotted (`snapshot='...'`). libvirt's `default` is
    /// represented by the attribute being absent.
    pub enum SnapshotLocation {
        No = "no",
        Internal = "internal",
        External = "external",
        Manual = "manual",
    }
}

/// `<memory snapshot='...' file='...'/>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotMemory {
    /// The memory snapshot mode.
    pub snapshot: SnapshotLocation,
    /// The file for an external memory snapshot.
    pub file: Option<String>,
}

/// One `<disks>/<disk>` entry.
///
/// Only local sources (`<source file=.../>` or `<source dev=.../>`) are kept; a network
/// source is accepted but not retained.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SnapshotDisk {
    /// The disk's target name (`sda`) or source path.
    pub name: String,
    /// `snapshot=` attribute; `None` is libvirt's default.
    pub snapshot: Option<SnapshotLocation>,
    /// Storage type: `file`, `block`, `network`, `nvme`, `vhostuser`.
    pub source_type: String,
    /// `<driver type=.../>`: the image format of the new file.
    pub driver_type: Option<String>,
    /// `<source file=.../>` (or `dev=` for block).
    pub source_path: Option<String>,
}

/// A `<domainsnapshot>` document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DomainSnapshot {
    /// Snapshot name; libvirt names an unnamed new snapshot after its creation time.
    pub name: Option<String>,
    /// Free-form description. `Some("")` formats as an empty element (ESX always has one);
    /// an empty element reads back as `None`, as in libvirt.
    pub description: Option<String>,
    /// Domain state when taken.
    pub state: Option<SnapshotState>,
    /// Name of the parent snapshot.
    pub parent: Option<String>,
    /// Seconds since the epoch; 0 is not formatted (as libvirt).
    pub creation_time: Option<i64>,
    /// Memory snapshot request/result.
    pub memory: Option<SnapshotMemory>,
    /// Per-disk snapshot requests.
    pub disks: Vec<SnapshotDisk>,
    /// UUID of the domain, formatted as `<domain><uuid>...</uuid></domain>`; a full nested
    /// domain definition is not modelled (ESX never produces one).
    pub domain_uuid: Option<String>,
}

const STORAGE_TYPES: &[&str] = &[
    "file",
    "block",
    "dir",
    "network",
    "volume",
    "nvme",
    "vhostuser",
];
/// Image formats libvirt knows (`none` excluded: it is not a valid `<driver type>`).
pub(crate) const STORAGE_FILE_FORMATS: &[&str] = &[
    "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop", "cow",
    "qcow", "qcow2", "qed", "vmdk",
];

impl DomainSnapshot {
    /// Parses a `<domainsnapshot>` document.
    ///
    /// Everything libvirt formats is read back (state, parent, creation time, domain UUID),
    /// so ESX output round-trips. For a create request use [`DomainSnapshot::prepare_for_create`]
    /// afterwards, which drops what libvirt ignores when creating.
    pub fn from_xml(xml: &str) -> Result<Self, XmlError> {
        let root = xpath::parse_root(xml, "domainsnapshot")?;
        let mut def = DomainSnapshot {
            name: root.child_text("name"),
            description: root.child_text("description"),
            ..Default::default()
        };
        if let Some(s) = root.child_text("state") {
            def.state = Some(
                SnapshotState::from_xml_str(&s)
                    .ok_or_else(|| XmlError::invalid("<state>", &s, SnapshotState::expected()))?,
            );
        }
        def.parent = root.path_text(&["parent", "name"]);
        if let Some(t) = root.child_text("creationTime") {
            def.creation_time = Some(t.trim().parse::<i64>().map_err(|_| {
                XmlError::invalid("<creationTime>", &t, "expected seconds since the epoch")
            })?);
        }
        if let Some(m) = root.child("memory") {
            def.memory = parse_memory(m)?;
        }
        if let Some(disks) = root.child("disks") {
            for d in disks.children.iter() {
                def.disks.push(parse_disk(d)?);
            }
        }
        def.domain_uuid = root.path_text(&["domain", "uuid"]);
        Ok(def)
    }

    /// The request `virsh snapshot-create-as` builds from `--name` and `--description`:
    /// [`DomainSnapshot::to_xml`] gives virsh's text for it (`<domainsnapshot>` and
    /// `</domainsnapshot>` on lines of their own even when empty, an empty description kept
    /// as `<description></description>`).
    pub fn request(name: Option<String>, description: Option<String>) -> DomainSnapshot {
        DomainSnapshot {
            name,
            description,
            ..Default::default()
        }
    }

    /// Applies libvirt's rules for a new (not redefined) snapshot: state, parent and domain
    /// given in the request are ignored, the creation time is `now`, and a missing name
    /// becomes the creation time in decimal.
    pub fn prepare_for_create(&mut self, now: i64) {
        self.state = None;
        self.parent = None;
        self.domain_uuid = None;
        self.creation_time = Some(now);
        if self.name.is_none() {
            self.name = Some(now.to_string());
        }
    }

    /// Formats the document exactly as libvirt's snapshot formatter does.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::new();
        w.open("domainsnapshot", &[]);
        // libvirt prints <name> unconditionally; a missing name prints nothing.
        if let Some(n) = &self.name {
            w.text_element("name", &[], n);
        }
        if let Some(d) = &self.description {
            w.text_element("description", &[], d);
        }
        if let Some(s) = self.state {
            w.text_element("state", &[], s.as_str());
        }
        if let Some(p) = &self.parent {
            w.open("parent", &[]);
            w.text_element("name", &[], p);
            w.close("parent");
        }
        if let Some(t) = self.creation_time.filter(|t| *t != 0) {
            w.value_element("creationTime", &[], t);
        }
        if let Some(m) = &self.memory {
            w.empty(
                "memory",
                &[
                    ("snapshot", Some(m.snapshot.as_str())),
                    ("file", m.file.as_deref()),
                ],
            );
        }
        if !self.disks.is_empty() {
            w.open("disks", &[]);
            for d in &self.disks {
                format_disk(&mut w, d);
            }
            w.close("disks");
        }
        if let Some(u) = &self.domain_uuid {
            w.open("domain", &[]);
            // libvirt prints the UUID it formatted itself, unescaped.
            w.value_element("uuid", &[], u);
            w.close("domain");
        }
        w.close("domainsnapshot");
        w.finish()
    }

    /// Whether `virsh snapshot-info` reports the location as external: with a `<memory>`
    /// element, external memory or any external disk decides; without one, only the
    /// `disk-snapshot` state does.
    pub fn is_external(&self) -> bool {
        match &self.memory {
            Some(m) => {
                m.snapshot == SnapshotLocation::External
                    || self
                        .disks
                        .iter()
                        .any(|d| d.snapshot == Some(SnapshotLocation::External))
            }
            None => self.state == Some(SnapshotState::DiskSnapshot),
        }
    }
}

fn parse_location(e: &Element, attr: &str) -> Result<Option<SnapshotLocation>, XmlError> {
    match e.attr(attr) {
        None => Ok(None),
        Some(v) => SnapshotLocation::from_xml_str(v).map(Some).ok_or_else(|| {
            XmlError::invalid(
                format!("attribute '{attr}' of <{}>", e.name),
                v,
                SnapshotLocation::expected(),
            )
        }),
    }
}

fn parse_memory(m: &Element) -> Result<Option<SnapshotMemory>, XmlError> {
    let file = m.attr("file").map(str::to_owned);
    let mut mode = parse_location(m, "snapshot")?;
    if mode == Some(SnapshotLocation::Manual) {
        return Err(XmlError::Invalid(
            "'manual' memory snapshot mode not supported".into(),
        ));
    }
    if mode.is_none() && file.is_some() {
        mode = Some(SnapshotLocation::External);
    }
    if let Some(f) = &file {
        if mode != Some(SnapshotLocation::External) {
            return Err(XmlError::Invalid(format!(
                "memory filename '{f}' requires external snapshot"
            )));
        }
        if !f.starts_with('/') {
            return Err(XmlError::Invalid(format!(
                "memory snapshot file path ({f}) must be absolute"
            )));
        }
    } else if mode == Some(SnapshotLocation::External) {
        return Err(XmlError::Invalid(
            "external memory snapshots require a filename".into(),
        ));
    }
    Ok(mode.map(|snapshot| SnapshotMemory { snapshot, file }))
}

fn parse_disk(d: &Element) -> Result<SnapshotDisk, XmlError> {
    let name = d
        .attr("name")
        .ok_or_else(|| XmlError::missing("attribute 'name' of disk snapshot element <disk>"))?
        .to_owned();
    let mut snapshot = parse_location(d, "snapshot")?;
    let source_type = match d.attr("type") {
        None => "file".to_owned(),
        Some(t) if STORAGE_TYPES.contains(&t) => t.to_owned(),
        Some(t) => {
            let expected = format!("expected one of {}", STORAGE_TYPES.join(", "));
            return Err(XmlError::invalid("attribute 'type' of <disk>", t, expected));
        }
    };
    if source_type == "volume" || source_type == "dir" {
        return Err(XmlError::Invalid(format!(
            "unsupported disk snapshot type '{source_type}'"
        )));
    }
    let source_path = match d.child("source") {
        Some(s) if source_type == "block" => s.attr("dev").map(str::to_owned),
        Some(s) if source_type == "file" => s.attr("file").map(str::to_owned),
        _ => None,
    };
    let driver_type = d.path_attr(&["driver"], "type");
    if let Some(t) = &driver_type {
        if !STORAGE_FILE_FORMATS.contains(&t.as_str()) {
            return Err(XmlError::Invalid(format!(
                "unknown disk snapshot driver '{t}'"
            )));
        }
    }
    if let Some(p) = &source_path {
        if !p.starts_with('/') {
            return Err(XmlError::Invalid(format!(
                "disk snapshot image path '{p}' must be absolute"
            )));
        }
    }
    if snapshot.is_none() && (source_path.is_some() || driver_type.is_some()) {
        snapshot = Some(SnapshotLocation::External);
    }
    Ok(SnapshotDisk {
        name,
        snapshot,
        source_type,
        driver_type,
        source_path,
    })
}

fn format_disk(w: &mut XmlWriter, d: &SnapshotDisk) {
    let has_source = d.source_path.is_some() || d.driver_type.is_some();
    let attrs = [
        ("name", Some(d.name.as_str())),
        ("snapshot", d.snapshot.map(SnapshotLocation::as_str)),
        ("type", has_source.then_some(d.source_type.as_str())),
    ];
    w.element_with("disk", &attrs, false, |w| {
        if has_source {
            if let Some(t) = &d.driver_type {
                w.empty("driver", &[("type", Some(t))]);
            }
            if let Some(p) = &d.source_path {
                let attr = if d.source_type == "block" {
                    "dev"
                } else {
                    "file"
                };
                w.empty("source", &[(attr, Some(p))]);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the ESX driver's snapshot-dumpxml produces (shape of libvirt's formatter with the
    /// fields esxDomainSnapshotGetXMLDesc fills).
    const ESX_DUMP: &str = "<domainsnapshot>
  <name>before upgrade &amp; &lt;test&gt;</name>
  <description>first line
second &apos;line&apos;</description>
  <state>running</state>
  <parent>
    <name>base</name>
  </parent>
  <creationTime>1700000000</creationTime>
  <domain>
    <uuid>564d8c0e-7f1b-2a4c-9b3e-0123456789ab</uuid>
  </domain>
</domainsnapshot>
";

    #[test]
    fn esx_dump_round_trips() {
        let s = DomainSnapshot::from_xml(ESX_DUMP).unwrap();
        assert_eq!(s.name.as_deref(), Some("before upgrade & <test>"));
        assert_eq!(s.description.as_deref(), Some("first line\nsecond 'line'"));
        assert_eq!(s.state, Some(SnapshotState::Running));
        assert_eq!(s.parent.as_deref(), Some("base"));
        assert_eq!(s.creation_time, Some(1_700_000_000));
        assert_eq!(s.to_xml(), ESX_DUMP);
        assert!(!s.is_external());
    }

    #[test]
    fn esx_root_snapshot_with_empty_description() {
        let s = DomainSnapshot {
            name: Some("s1".into()),
            description: Some(String::new()),
            state: Some(SnapshotState::Shutoff),
            creation_time: Some(1),
            domain_uuid: Some("11111111-2222-3333-4444-555555555555".into()),
            ..Default::default()
        };
        assert_eq!(
            s.to_xml(),
            "<domainsnapshot>\n  <name>s1</name>\n  <description></description>\n  <state>shutoff</state>\n  \
             <creationTime>1</creationTime>\n  <domain>\n    <uuid>11111111-2222-3333-4444-555555555555</uuid>\n  \
             </domain>\n</domainsnapshot>\n"
        );
    }

    /// libvirt tests/qemudomainsnapshotxml2xmlin/empty.xml -> ...out/empty.xml (time 1386166249).
    #[test]
    fn empty_request_gets_time_name() {
        let mut s = DomainSnapshot::from_xml("<domainsnapshot/>").unwrap();
        s.prepare_for_create(1386166249);
        s.domain_uuid = Some("9d37b878-a7cc-9f9a-b78f-49b3abad25a8".into());
        assert_eq!(
            s.to_xml(),
            "<domainsnapshot>\n  <name>1386166249</name>\n  <creationTime>1386166249</creationTime>\n  <domain>\n    \
             <uuid>9d37b878-a7cc-9f9a-b78f-49b3abad25a8</uuid>\n  </domain>\n</domainsnapshot>\n"
        );
    }

    /// libvirt tests/qemudomainsnapshotxml2xmlout/noparent.xml: memory after creationTime.
    #[test]
    fn libvirt_noparent_sample() {
        let out = "<domainsnapshot>
  <name>my snap name</name>
  <description>!@#$%^</description>
  <state>running</state>
  <creationTime>1272917631</creationTime>
  <memory snapshot='internal'/>
  <domain>
    <uuid>9d37b878-a7cc-9f9a-b78f-49b3abad25a8</uuid>
  </domain>
</domainsnapshot>
";
        let s = DomainSnapshot::from_xml(out).unwrap();
        assert_eq!(s.to_xml(), out);
    }

    /// The start of libvirt's snapshot samples: name and description.
    const SAMPLE_HEAD: &str = "<domainsnapshot>
  <name>my snap name</name>
  <description>!@#$%^</description>
";

    /// `input` (a sample after [`SAMPLE_HEAD`]) read and prepared for creation at libvirt's
    /// test time 1555419243; its document and the snapshot.
    fn created(input: &str) -> (String, DomainSnapshot) {
        let mut s = DomainSnapshot::from_xml(&format!("{SAMPLE_HEAD}{input}")).unwrap();
        s.prepare_for_create(1555419243);
        (s.to_xml(), s)
    }

    /// libvirt tests/qemudomainsnapshotxml2xmlin/external_vm.xml -> out (time 1555419243).
    #[test]
    fn libvirt_external_vm_sample() {
        let (xml, s) = created(
            "  <state>running</state>
  <memory snapshot='external' file='/dev/HostVG/GuestMemory'/>
  <parent>
    <name>earlier_snap</name>
  </parent>
</domainsnapshot>
",
        );
        assert_eq!(
            xml,
            format!(
                "{SAMPLE_HEAD}  <creationTime>1555419243</creationTime>
  <memory snapshot='external' file='/dev/HostVG/GuestMemory'/>
</domainsnapshot>
"
            )
        );
        assert!(s.is_external());
    }

    /// The local-source part of libvirt's disk_snapshot sample.
    #[test]
    fn libvirt_disk_snapshot_sample() {
        let disks = "  <disks>
    <disk name='/dev/HostVG/QEMUGuest1'/>
    <disk name='hdb' snapshot='no'/>
    <disk name='hdc' snapshot='internal'/>
    <disk name='hdd' snapshot='external'>
      <source/>
      <driver type='qed'/>
    </disk>
    <disk name='hde' snapshot='external'>
      <source file='/path/to/new'/>
    </disk>
    <disk name='hdf' snapshot='external' type='block'>
      <source dev='/path/to/new3'/>
    </disk>
  </disks>
</domainsnapshot>
";
        let (xml, _) = created(disks);
        // libvirt types the external disks without a type as files and drops an empty
        // <source/>.
        let disks = disks
            .replace(
                "<disk name='hdd' snapshot='external'>\n      <source/>\n",
                "<disk name='hdd' snapshot='external' type='file'>\n",
            )
            .replace(
                "<disk name='hde' snapshot='external'>",
                "<disk name='hde' snapshot='external' type='file'>",
            );
        assert_eq!(
            xml,
            format!("{SAMPLE_HEAD}  <creationTime>1555419243</creationTime>\n{disks}")
        );
    }

    #[test]
    fn errors_name_the_problem() {
        let e = DomainSnapshot::from_xml("<domain/>").unwrap_err();
        assert!(e.to_string().contains("domainsnapshot"), "{e}");
        let e = DomainSnapshot::from_xml("<domainsnapshot><state>weird</state></domainsnapshot>")
            .unwrap_err();
        assert!(
            e.to_string().contains("<state>") && e.to_string().contains("weird"),
            "{e}"
        );
        let e = DomainSnapshot::from_xml(
            "<domainsnapshot><memory snapshot='manual'/></domainsnapshot>",
        )
        .unwrap_err();
        assert!(e.to_string().contains("manual"), "{e}");
        let e = DomainSnapshot::from_xml(
            "<domainsnapshot><memory snapshot='external'/></domainsnapshot>",
        )
        .unwrap_err();
        assert!(e.to_string().contains("require a filename"), "{e}");
        let e = DomainSnapshot::from_xml(
            "<domainsnapshot><disks><disk snapshot='no'/></disks></domainsnapshot>",
        )
        .unwrap_err();
        assert!(e.to_string().contains("'name'"), "{e}");
        let e = DomainSnapshot::from_xml(
            "<domainsnapshot><creationTime>x</creationTime></domainsnapshot>",
        )
        .unwrap_err();
        assert!(e.to_string().contains("creationTime"), "{e}");
    }

    #[test]
    fn power_states() {
        assert_eq!(
            SnapshotState::from_vi_power_state("poweredOn"),
            Some(SnapshotState::Running)
        );
        assert_eq!(
            SnapshotState::from_vi_power_state("suspended"),
            Some(SnapshotState::Paused)
        );
        assert_eq!(
            SnapshotState::from_vi_power_state("poweredOff"),
            Some(SnapshotState::Shutoff)
        );
        assert_eq!(SnapshotState::from_vi_power_state("unknown"), None);
    }

    #[test]
    fn create_as_requests_in_virsh_shape() {
        let req = |n: Option<&str>, d: Option<&str>| {
            DomainSnapshot::request(n.map(str::to_owned), d.map(str::to_owned)).to_xml()
        };
        assert_eq!(req(None, None), "<domainsnapshot>\n</domainsnapshot>\n");
        assert_eq!(
            req(Some("s<1>"), Some("")),
            "<domainsnapshot>\n  <name>s&lt;1&gt;</name>\n  <description></description>\n</domainsnapshot>\n"
        );
        let xml = req(Some("a&b"), Some("two\nlines"));
        assert_eq!(
            xml,
            "<domainsnapshot>\n  <name>a&amp;b</name>\n  <description>two\nlines</description>\n</domainsnapshot>\n"
        );
        let back = DomainSnapshot::from_xml(&xml).unwrap();
        assert_eq!(back.name.as_deref(), Some("a&b"));
        assert_eq!(back.description.as_deref(), Some("two\nlines"));
    }

    #[test]
    fn disk_only_state_is_external() {
        let s = DomainSnapshot {
            state: Some(SnapshotState::DiskSnapshot),
            ..Default::default()
        };
        assert!(s.is_external());
    }
}
