//! Real-world VMX files (testdata/realworld-vmx, and the in-the-wild files of libvirt 9.0's
//! own suite in testdata/conformance/vmx2xml) through Debian's virsh and through esxvirt,
//! against one esxsim whose inventory has every datastore the files name by mount path:
//! `domxml-from-native vmware-vmx FILE`, and for what converts, `domxml-to-native` of virsh's
//! XML back. Both must print the same output or the same error line.
//!
//! Each conversion is checked twice:
//! * through the VMX converter (esxvirt-vmx, with the ESX driver's file-name resolver over the
//!   simulator's datastores): its XML, VMX or error line (after libxml2's `encoding error : `
//!   line when decoding stopped early) must equal virsh's;
//! * through the esxvirt binary: stdout, stderr and exit status must equal virsh's, with no
//!   exception.
//!
//! libvirt's own log lines on virsh's stderr (a timestamp, the process id, a level) are not
//! part of the comparison: esxvirt has no such log output.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::*;
use esxvirt_driver::file_names::{DatastoreMount, FileNameResolver};
use esxvirt_sim::inventory::World;
use esxvirt_sim::InventorySource;
use esxvirt_vmx::{
    domain_to_vmx, vmx_file_to_domain, FormatContext, ParseContext, VmxError, VmxFile,
};
use esxvirt_xml::domain::{Domain, FormatOptions};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

/// The files: every `.vmx` of testdata/realworld-vmx, then libvirt 9.0's in-the-wild ones.
fn inputs() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for (dir, only_wild) in [
        (testdata().join("realworld-vmx"), false),
        (testdata().join("conformance/vmx2xml"), true),
    ] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("testdata folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "vmx"))
            .filter(|p| {
                !only_wild
                    || p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.contains("-in-the-wild-"))
            })
            .collect();
        files.sort();
        out.extend(files);
    }
    out
}

/// The volume ids in `/vmfs/volumes/ID/...` paths of the files' entries.
fn volumes(files: &[Vec<u8>]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for bytes in files {
        let text = String::from_utf8_lossy(bytes);
        for part in text.split("/vmfs/volumes/").skip(1) {
            let id: String = part
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            if part[id.len()..].starts_with('/') && !id.is_empty() {
                out.insert(id);
            }
        }
    }
    out
}

/// The default ESX world plus one VMFS datastore per volume id (mounted at
/// `/vmfs/volumes/ID`, named `store-N`), written as an inventory file.
fn inventory(dir: &Path, ids: &BTreeSet<String>) -> (PathBuf, Vec<DatastoreMount>, u32) {
    let files = dir.join("world-files");
    let mut world = World::default_esx(&files).expect("default ESX world");
    let template = world
        .datastores
        .values()
        .find(|d| d.name == "datastore1")
        .cloned()
        .expect("datastore1");
    let host = template.hosts.first().cloned().expect("a host");
    for (n, id) in ids.iter().enumerate() {
        if world.datastores.values().any(|d| d.uuid == *id) {
            continue;
        }
        let mut ds = template.clone();
        ds.moid = id.clone();
        ds.uuid = id.clone();
        ds.name = format!("store-{n}");
        ds.vmfs_extent = None;
        world
            .hosts
            .get_mut(&host)
            .expect("host")
            .datastores
            .push(id.clone());
        world.datastores.insert(id.clone(), ds);
    }
    let mounts = world
        .datastores
        .values()
        .map(|d| DatastoreMount {
            name: d.name.clone(),
            mount_path: d.mount_path(),
        })
        .collect();
    let product = esxvirt_driver::product::check(
        &world.about.api_type,
        &world.about.api_version,
        &world.about.version,
        &world.about.product_line_id,
    )
    .expect("product");
    let hw = esxvirt_driver::product::default_virtual_hw_version(&product);
    let path = dir.join("world.json");
    std::fs::write(&path, world.to_json()).expect("write inventory");
    (path, mounts, hw)
}

/// virsh's stderr without libvirt's log lines (`YYYY-MM-DD HH:MM:SS.mmm+ZZZZ: PID: level : ...`).
fn without_log_lines(stderr: &str) -> String {
    stderr
        .split_inclusive('\n')
        .filter(|line| {
            let b = line.as_bytes();
            let stamp = b.len() > 30
                && b[..4].iter().all(u8::is_ascii_digit)
                && b[4] == b'-'
                && b[10] == b' '
                && b[19] == b'.'
                && line[24..].starts_with(':');
            !stamp
        })
        .collect()
}

/// What the converter library answers, as virsh would print it.
enum Answer {
    Output(String),
    Error(String),
    /// The XML reader (crates/xml, which words its own errors) refused the document.
    XmlRefused(String),
}

/// The converter's answer and libxml2's decoding diagnostic, if decoding stopped early.
struct Converted {
    answer: Answer,
    diagnostic: Option<String>,
}

impl Converted {
    /// True when virsh printed the same (the diagnostic line first; then its output and
    /// blank line, or `error: LINE`).
    fn matches(&self, virsh: &Seen) -> bool {
        let diag = match &self.diagnostic {
            Some(d) => format!("encoding error : {d}\n"),
            None => String::new(),
        };
        match &self.answer {
            Answer::Output(out) => {
                virsh.status == Some(0)
                    && virsh.stdout == format!("{out}\n")
                    && virsh.stderr == diag
            }
            Answer::Error(line) => {
                virsh.status == Some(1) && virsh.stderr == format!("{diag}error: {line}\n")
            }
            Answer::XmlRefused(_) => virsh.status == Some(1),
        }
    }

    fn describe(&self) -> String {
        let diag = match &self.diagnostic {
            Some(d) => format!("encoding error : {d}\n"),
            None => String::new(),
        };
        match &self.answer {
            Answer::Output(out) => format!("{diag}output:\n{out}"),
            Answer::Error(line) => format!("{diag}error: {line}"),
            Answer::XmlRefused(e) => format!("XML reader: {e}"),
        }
    }
}

struct Checker<'a> {
    uri: String,
    auth: PathBuf,
    dir: &'a Path,
    resolver: FileNameResolver,
    hw: u32,
    failures: Vec<String>,
    identical: usize,
    /// Conversions that printed libxml2's decoding diagnostic.
    diagnostics: usize,
    errors_seen: BTreeSet<String>,
}

impl Checker<'_> {
    /// Runs `args` (ending with the input file) through both tools and compares them with
    /// each other and with `library`'s answer.
    fn compare(&mut self, label: &str, args: &[&str], library: Converted) {
        let mut v = Seen::of(&virsh(&self.uri, &self.auth, args));
        v.stderr = without_log_lines(&v.stderr);
        let e = Seen::of(&esxvirt(&self.uri, &self.auth, args));
        if !library.matches(&v) {
            self.failures.push(format!(
                "{label}: the converter differs from virsh\n--- virsh (status {:?})\nstdout:\n{}stderr:\n{}--- converter\n{}",
                v.status,
                v.stdout,
                v.stderr,
                library.describe()
            ));
        }
        if let Answer::Error(line) = &library.answer {
            self.errors_seen.insert(line.clone());
        }
        if library.diagnostic.is_some() {
            self.diagnostics += 1;
        }
        if v == e {
            self.identical += 1;
        } else {
            self.failures.push(format!(
                "{label}: esxvirt differs from virsh\n--- virsh (status {:?})\nstdout:\n{}stderr:\n{}--- esxvirt (status {:?})\nstdout:\n{}stderr:\n{}",
                v.status, v.stdout, v.stderr, e.status, e.stdout, e.stderr
            ));
        }
    }

    fn convert_vmx(&self, bytes: &[u8]) -> Converted {
        let parse = |name: &str, allow_missing: bool| self.resolver.parse(name, allow_missing);
        let (file, diagnostic) = VmxFile::parse_diagnosed(bytes);
        let converted = file
            .map_err(VmxError::from)
            .and_then(|f| vmx_file_to_domain(&f, &ParseContext::new(&parse)));
        let answer = match converted {
            Ok(d) => Answer::Output(d.to_xml_with(FormatOptions {
                secure: false,
                inactive: true,
            })),
            Err(e) => Answer::Error(e.to_string()),
        };
        Converted { answer, diagnostic }
    }

    fn convert_xml(&self, xml: &str) -> Converted {
        let format = |src: &str| self.resolver.format(src);
        let answer = match Domain::from_xml(xml) {
            Err(e) => Answer::XmlRefused(e.to_string()),
            Ok(domain) => match domain_to_vmx(&domain, &FormatContext::new(&format), self.hw) {
                Ok(vmx) => Answer::Output(vmx),
                Err(e) => Answer::Error(e.to_string()),
            },
        };
        Converted {
            answer,
            diagnostic: None,
        }
    }

    /// One VMX file: from native, and back to native when virsh converted it.
    fn file(&mut self, label: &str, path: &Path) {
        let bytes = std::fs::read(path).expect("read input");
        let p = path.to_str().expect("utf-8 path");
        let converted = self.convert_vmx(&bytes);
        let xml = match &converted.answer {
            Answer::Output(xml) => Some(xml.clone()),
            _ => None,
        };
        self.compare(label, &["domxml-from-native", "vmware-vmx", p], converted);
        if let Some(xml) = xml {
            let back = self.dir.join("back.xml");
            std::fs::write(&back, &xml).expect("write XML");
            let answer = self.convert_xml(&xml);
            self.compare(
                &format!("{label} (back to native)"),
                &[
                    "domxml-to-native",
                    "vmware-vmx",
                    back.to_str().expect("path"),
                ],
                answer,
            );
        }
    }
}

/// A real-world file re-encoded in a legacy code page, with a name only that code page (or
/// UTF-8) can spell: libvirt honours `.encoding`. Then two with a byte the code page lacks.
fn legacy_code_page_variants(dir: &Path) -> Vec<(String, PathBuf)> {
    let base = std::fs::read_to_string(testdata().join("realworld-vmx/virt-v2v-test-i-vmx-2.vmx"))
        .expect("read base file");
    let body: String = base
        .lines()
        .filter(|l| !l.starts_with(".encoding") && !l.starts_with("displayName"))
        .map(|l| format!("{l}\n"))
        .collect();
    let mut out = Vec::new();
    for (encoding, name_bytes) in [
        // "测试虚拟机" in GBK.
        ("GBK", &b"\xb2\xe2\xca\xd4\xd0\xe9\xc4\xe2\xbb\xfa"[..]),
        // "Café Münster" in windows-1252.
        ("windows-1252", &b"Caf\xe9 M\xfcnster"[..]),
    ] {
        let mut bytes = format!(".encoding = \"{encoding}\"\ndisplayName = \"").into_bytes();
        bytes.extend_from_slice(name_bytes);
        bytes.extend_from_slice(b"\"\n");
        bytes.extend_from_slice(body.as_bytes());
        let path = dir.join(format!("legacy-{encoding}.vmx"));
        std::fs::write(&path, bytes).expect("write variant");
        out.push((format!("virt-v2v-test-i-vmx-2 in {encoding}"), path));
    }
    // 0x81 is undefined in windows-1252: decoding stops there and libxml2 says so. In a
    // trailing comment the rest converts; inside a value the cut text is a syntax error.
    for (label, tail) in [
        ("a trailing comment", &b"# \x81 undefined\n"[..]),
        ("a value", &b"annotation = \"x\x81y\"\n"[..]),
    ] {
        let mut bytes = b".encoding = \"windows-1252\"\ndisplayName = \"Caf\xe9\"\n".to_vec();
        bytes.extend_from_slice(body.as_bytes());
        bytes.extend_from_slice(tail);
        let path = dir.join(format!("cut-{}.vmx", out.len()));
        std::fs::write(&path, bytes).expect("write variant");
        out.push((
            format!("virt-v2v-test-i-vmx-2 in windows-1252, 0x81 in {label}"),
            path,
        ));
    }
    out
}

#[test]
fn realworld_vmx_files_convert_as_virsh_converts_them() {
    let files = inputs();
    let realworld = files
        .iter()
        .filter(|p| p.parent().is_some_and(|d| d.ends_with("realworld-vmx")))
        .count();
    assert!(
        realworld >= 30 && files.len() > realworld,
        "expected 30 real-world files and libvirt's in-the-wild ones, found {realworld} of {}",
        files.len()
    );
    let contents: Vec<Vec<u8>> = files
        .iter()
        .map(|p| std::fs::read(p).expect("read"))
        .collect();
    let work = std::env::temp_dir().join(format!("esxvirt-realworld-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("work dir");
    let (world, datastores, hw) = inventory(&work, &volumes(&contents));
    let sim = Sim::start_with(InventorySource::File(world));

    let mut checker = Checker {
        uri: sim.uri(),
        auth: sim.auth_file(),
        dir: &work,
        resolver: FileNameResolver {
            vmx_dir: "[?] ?".into(),
            datastores,
        },
        hw,
        failures: Vec::new(),
        identical: 0,
        diagnostics: 0,
        errors_seen: BTreeSet::new(),
    };
    for path in &files {
        let label = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        checker.file(&label, path);
    }
    for (label, path) in legacy_code_page_variants(&work) {
        checker.file(&label, &path);
    }
    let _ = std::fs::remove_dir_all(&work);

    eprintln!(
        "{} comparisons identical, {} with libxml2's diagnostic, {} distinct converter errors",
        checker.identical,
        checker.diagnostics,
        checker.errors_seen.len()
    );
    assert!(
        checker.failures.is_empty(),
        "{} differences:\n{}",
        checker.failures.len(),
        checker.failures.join("\n")
    );
    assert_eq!(
        checker.diagnostics, 2,
        "libxml2's diagnostic of the cut variants"
    );
    // The files exercise the error paths the issue names, not only successful conversions.
    for needle in [
        "configuration file syntax error: memory conf:",
        "internal error: Missing essential config entry",
        "internal error: Expecting VMX entry 'virtualHW.version'",
        "internal error: Could not find datastore with name",
    ] {
        assert!(
            checker.errors_seen.iter().any(|e| e.starts_with(needle)),
            "no file reached '{needle}': {:?}",
            checker.errors_seen
        );
    }
}
