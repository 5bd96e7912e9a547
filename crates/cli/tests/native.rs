//! `domxml-from-native` / `domxml-to-native vmware-vmx` on `sim:///default` (the embedded
//! simulator, whose datastores map the file names as any host's do), through the built
//! binary: output, stdin, and errors (one `error: ` line on stderr, exit status 1, no panic).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn esxvirt(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_esxvirt"));
    // Named, so that neither the environment nor a libvirt.conf picks another URI and no
    // notice about the embedded simulator joins the error lines.
    cmd.args(["-c", "sim:///default"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run esxvirt");
    {
        let mut pipe = child.stdin.take().expect("stdin");
        if let Some(data) = stdin {
            pipe.write_all(data).expect("write stdin");
        }
    }
    child.wait_with_output().expect("wait for esxvirt")
}

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/sample.vmx")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// One line on stderr starting with `error: `, nothing on stdout, status 1.
fn assert_one_error(out: &Output, needle: &str) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    // virsh ends a command that ran (even a failed one) with a blank line on stdout; a
    // command that could not be parsed prints nothing there.
    let stdout = text(&out.stdout);
    assert!(stdout.is_empty() || stdout == "\n", "stdout: {stdout:?}");
    assert_eq!(err.lines().count(), 1, "stderr: {err}");
    assert!(err.starts_with("error: "), "stderr: {err}");
    assert!(err.contains(needle), "stderr {err:?} lacks {needle:?}");
    assert!(!err.contains("panicked"), "stderr: {err}");
}

const SMALL_VMX: &str = "config.version = \"8\"\nvirtualHW.version = \"4\"\ndisplayName = \"a%2fb %25c\"\nmemsize = \"512\"\nnumvcpus = \"1\"\nscsi0.present = \"true\"\nscsi0.virtualDev = \"lsilogic\"\nscsi0:0.present = \"true\"\nscsi0:0.deviceType = \"scsi-hardDisk\"\nscsi0:0.fileName = \"/vmfs/volumes/datastore1/vm/vm.vmdk\"\n";

const SMALL_XML: &str = "<domain type='vmware'>\n  <name>a/b %c</name>\n  <uuid>00000000-0000-0000-0000-000000000000</uuid>\n  <memory unit='KiB'>524288</memory>\n  <currentMemory unit='KiB'>524288</currentMemory>\n  <vcpu placement='static'>1</vcpu>\n  <os>\n    <type arch='i686'>hvm</type>\n  </os>\n  <clock offset='utc'/>\n  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>restart</on_reboot>\n  <on_crash>destroy</on_crash>\n  <devices>\n    <disk type='file' device='disk'>\n      <source file='[datastore1] vm/vm.vmdk'/>\n      <target dev='sda' bus='scsi'/>\n      <address type='drive' controller='0' bus='0' target='0' unit='0'/>\n    </disk>\n    <controller type='scsi' index='0' model='lsilogic'/>\n    <video>\n      <model type='vmvga' vram='4096' primary='yes'/>\n    </video>\n  </devices>\n</domain>\n";

#[test]
fn from_native_small_vmx_exact_output() {
    let out = esxvirt(
        &["domxml-from-native", "vmware-vmx", "-"],
        Some(SMALL_VMX.as_bytes()),
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    // virsh prints the XML and then its end-of-command blank line.
    assert_eq!(text(&out.stdout), format!("{SMALL_XML}\n"));
    assert!(out.stderr.is_empty());
}

#[test]
fn from_native_sample_file_and_named_options() {
    let path = sample();
    let p = path.to_str().expect("utf-8 path");
    let a = esxvirt(&["domxml-from-native", "vmware-vmx", p], None);
    assert!(a.status.success(), "stderr: {}", text(&a.stderr));
    let xml = text(&a.stdout);
    assert!(
        xml.starts_with("<domain type='vmware'>\n  <name>web-01</name>\n"),
        "{xml}"
    );
    assert!(
        xml.contains("<source file='[datastore1] web-01/data.vmdk'/>"),
        "{xml}"
    );
    assert!(xml.ends_with("</domain>\n\n"), "{xml:?}");
    let b = esxvirt(
        &["domxml-from-native", "--config", p, "--format=vmware-vmx"],
        None,
    );
    assert_eq!(a.stdout, b.stdout);
    // -q drops the trailing blank line, as virsh's --quiet does.
    let q = esxvirt(&["-q", "domxml-from-native", "vmware-vmx", p], None);
    assert_eq!(format!("{}\n", text(&q.stdout)), xml);
}

#[test]
fn to_native_round_trip_and_defaults() {
    let out = esxvirt(
        &["domxml-to-native", "vmware-vmx", "-"],
        Some(SMALL_XML.as_bytes()),
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let vmx = text(&out.stdout);
    assert!(
        vmx.starts_with(
            ".encoding = \"UTF-8\"\nconfig.version = \"8\"\nvirtualHW.version = \"8\"\n"
        ),
        "{vmx}"
    );
    assert!(vmx.contains("displayName = \"a%2fb %25c\"\n"), "{vmx}");
    // The datastore's mount path, as the host reports it.
    assert!(
        vmx.contains(
            "scsi0:0.fileName = \"/vmfs/volumes/5f3a1c2e-8d4b6a10-7e29-246e96a1b2c4/vm/vm.vmdk\"\n"
        ),
        "{vmx}"
    );
    let back = esxvirt(
        &["domxml-from-native", "vmware-vmx", "-"],
        Some(vmx.as_bytes()),
    );
    assert!(back.status.success(), "stderr: {}", text(&back.stderr));
    let xml = text(&back.stdout);
    assert!(xml.contains("<name>a/b %c</name>"), "{xml}");
    assert!(
        xml.contains("<source file='[datastore1] vm/vm.vmdk'/>"),
        "{xml}"
    );
}

#[test]
fn to_native_scsi_model_autodetected_from_the_disk() {
    // The host's disk file says which controller it was made for, as libvirt reads it.
    let xml = SMALL_XML
        .replace(" model='lsilogic'", " model='auto'")
        .replace("[datastore1] vm/vm.vmdk", "[datastore1] web01/web01.vmdk");
    let out = esxvirt(
        &["domxml-to-native", "vmware-vmx", "-"],
        Some(xml.as_bytes()),
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert!(text(&out.stdout).contains("scsi0.virtualDev = \"lsilogic\"\n"));
    // A disk that is not there has no controller type to read.
    let missing = SMALL_XML
        .replace(" model='lsilogic'", " model='auto'")
        .replace("[datastore1] vm/vm.vmdk", "[datastore1] web01/nope.vmdk");
    assert_one_error(
        &esxvirt(
            &["domxml-to-native", "vmware-vmx", "-"],
            Some(missing.as_bytes()),
        ),
        "Storage volume not found: No storage volume with key or path '[datastore1] web01/nope.vmdk'",
    );
}

#[test]
fn errors_are_one_line() {
    assert_one_error(
        &esxvirt(
            &["domxml-from-native", "vmware-vmx", "/nonexistent/x.vmx"],
            None,
        ),
        "Failed to open file '/nonexistent/x.vmx': No such file or directory",
    );
    assert_one_error(
        &esxvirt(&["domxml-from-native", "qemu-argv", "-"], Some(b"x")),
        "Unsupported config format 'qemu-argv'",
    );
    assert_one_error(
        &esxvirt(
            &["domxml-to-native", "vmware-vmx", "-"],
            Some(b"<domain type='vmware'><name>x"),
        ),
        "",
    );
    assert_one_error(
        &esxvirt(
            &["domxml-from-native", "vmware-vmx", "-"],
            Some(b"memsize = \"99999999999999\"\n"),
        ),
        "",
    );
    assert_one_error(
        &esxvirt(
            &["domxml-from-native", "vmware-vmx", "-"],
            Some(&[0xff, 0x00, 0x13, 0x80]),
        ),
        "",
    );
    assert_one_error(
        &esxvirt(
            &["domxml-from-native", "vmware-vmx", "-"],
            Some(b"config.version = \"8\"\nvirtualHW.version"),
        ),
        "",
    );
    assert_one_error(
        &esxvirt(&["domxml-from-native", "vmware-vmx"], None),
        "command 'domxml-from-native' requires <config> option",
    );
    assert_one_error(
        &esxvirt(&["domxml-to-native", "vmware-vmx"], None),
        "need either domain or domain XML",
    );
    assert_one_error(
        &esxvirt(&["no-such-command"], None),
        "unknown command: 'no-such-command'",
    );
}

#[test]
fn relative_disk_path_is_an_error() {
    let vmx = SMALL_VMX.replace("/vmfs/volumes/datastore1/vm/vm.vmdk", "sub/vm.vmdk");
    assert_one_error(
        &esxvirt(
            &["domxml-from-native", "vmware-vmx", "-"],
            Some(vmx.as_bytes()),
        ),
        "sub/vm.vmdk",
    );
}

#[test]
fn shell_runs_commands_from_input() {
    let path = sample();
    let p = path.to_str().expect("utf-8 path");
    let script = format!(
        "domxml-from-native vmware-vmx '{p}'; no-such\n# a comment\ndomxml-from-native vmware-vmx \"{p}\"\nquit\nnot reached\n"
    );
    let out = esxvirt(&[], Some(script.as_bytes()));
    let one = esxvirt(&["domxml-from-native", "vmware-vmx", p], None);
    let single = text(&one.stdout);
    assert_eq!(text(&out.stdout), format!("{single}{single}"));
    assert_eq!(text(&out.stderr), "error: unknown command: 'no-such'\n");
    // The whole command line as one argument, as virsh accepts it.
    let line = esxvirt(&[&format!("domxml-from-native vmware-vmx {p}")], None);
    assert_eq!(text(&line.stdout), single);
}
