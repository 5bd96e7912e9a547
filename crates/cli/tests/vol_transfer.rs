//! `vol-upload` and `vol-download` run as the built binary against esxsim (in-process on a
//! loopback port): the files, stdout, stderr and exit codes, virsh's handling of the local
//! file on failure, and a 256 MiB transfer whose peak memory (the child's maximum resident
//! set, from wait4) stays far below the data's size.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{esxvirt, Seen, Sim};
use esxvirt_testkit::noise;

fn run(sim: &Sim, args: &[&str]) -> Seen {
    Seen::of(&esxvirt(&sim.uri(), &sim.auth_file(), args))
}

/// One-shot virsh ends every command with an empty line on stdout, failed or not.
fn ok() -> Seen {
    Seen {
        stdout: "\n".into(),
        stderr: String::new(),
        status: Some(0),
    }
}

fn failed(lines: &[&str]) -> Seen {
    Seen {
        stdout: "\n".into(),
        stderr: lines.iter().map(|l| format!("error: {l}\n")).collect(),
        status: Some(1),
    }
}

fn create_disk(sim: &Sim, name: &str, size: &str) {
    let s = run(
        sim,
        &[
            "vol-create-as",
            "datastore1",
            name,
            size,
            "--format",
            "vmdk",
        ],
    );
    assert_eq!(s.status, Some(0), "{s:?}");
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

#[test]
fn upload_then_download_gives_the_same_bytes() {
    let sim = Sim::start();
    create_disk(&sim, "xfer/d.vmdk", "2M");
    let data = noise(1_500_000, 5);
    let src = sim.dir.join("src.img");
    std::fs::write(&src, &data).expect("source");
    assert_eq!(
        run(
            &sim,
            &[
                "vol-upload",
                "--pool",
                "datastore1",
                "xfer/d.vmdk",
                path(&src)
            ]
        ),
        ok()
    );
    let mut disk = data.clone();
    disk.resize(2 << 20, 0);

    let out = sim.dir.join("out.img");
    assert_eq!(
        run(
            &sim,
            &["vol-download", "[datastore1] xfer/d.vmdk", path(&out)]
        ),
        ok()
    );
    assert!(std::fs::read(&out).expect("out") == disk, "whole disk");

    // An existing file is truncated first.
    std::fs::write(&out, vec![7u8; 3 << 20]).expect("prefill");
    assert_eq!(
        run(
            &sim,
            &[
                "vol-download",
                "--vol",
                "xfer/d.vmdk",
                "--pool",
                "datastore1",
                "--file",
                path(&out),
                "--offset",
                "100",
                "--length",
                "1000",
            ]
        ),
        ok()
    );
    assert_eq!(std::fs::read(&out).expect("out"), &disk[100..1100]);

    let sparse = sim.dir.join("sparse.img");
    assert_eq!(
        run(
            &sim,
            &[
                "vol-download",
                "--pool",
                "datastore1",
                "xfer/d.vmdk",
                path(&sparse),
                "--sparse",
                "--offset",
                "1000000",
            ]
        ),
        ok()
    );
    assert!(std::fs::read(&sparse).expect("sparse") == disk[1_000_000..]);
}

#[test]
fn failures_print_what_virsh_prints() {
    let sim = Sim::start();
    create_disk(&sim, "small/s.vmdk", "1M");
    let src = sim.dir.join("src.img");
    std::fs::write(&src, noise(1000, 1)).expect("source");
    let out = sim.dir.join("out.img");

    assert_eq!(
        run(
            &sim,
            &[
                "vol-download",
                "[datastore1] small/s.vmdk",
                path(&out),
                "--offset",
                "-1"
            ]
        ),
        failed(&["Numeric value '-1' for <offset> option is malformed or out of range"])
    );
    assert_eq!(
        run(
            &sim,
            &[
                "vol-upload",
                "[datastore1] small/s.vmdk",
                path(&src),
                "--length",
                "1x"
            ]
        ),
        failed(&["Numeric value '1x' for <length> option is malformed or out of range"])
    );
    assert_eq!(
        run(
            &sim,
            &[
                "vol-upload",
                "[datastore1] small/s.vmdk",
                "/nonexistent/file"
            ]
        ),
        failed(&["cannot read /nonexistent/file"])
    );
    assert_eq!(
        run(
            &sim,
            &["vol-upload", "[datastore1] small/s.vmdk", path(&src), "--offset", "512"]
        ),
        failed(&[
            "cannot upload to volume [datastore1] small/s.vmdk",
            "Operation not supported: the datastore HTTP interface replaces whole files: uploads cannot take an offset or a length",
        ])
    );
    let big = sim.dir.join("big.img");
    std::fs::write(&big, vec![1u8; (1 << 20) + 1]).expect("big");
    assert_eq!(
        run(&sim, &["vol-upload", "--pool", "datastore1", "small/s.vmdk", path(&big)]),
        failed(&[
            "cannot upload to volume small/s.vmdk",
            "invalid argument: the data (1048577 bytes) does not fit the volume 'small/s.vmdk' of 1048576 bytes",
        ])
    );

    // A volume that is not there fails its lookup (virsh's last lookup, by path, has the
    // say), before any local file is created or truncated, as with virsh.
    let missing = [
        "failed to get vol 'nope.iso'",
        "invalid argument: Unexpected volume path format: nope.iso",
    ];
    let download_missing = [
        "vol-download",
        "--pool",
        "datastore1",
        "nope.iso",
        path(&out),
    ];
    assert_eq!(run(&sim, &download_missing), failed(&missing));
    assert!(!out.exists(), "no file is created");
    std::fs::write(&out, b"old").expect("old");
    assert_eq!(run(&sim, &download_missing), failed(&missing));
    assert_eq!(std::fs::read(&out).expect("kept"), b"old");
}

/// Runs esxvirt and returns (exit code, its peak resident set in KiB). The peak is the
/// child's VmHWM read from /proc while it runs (the last value before it exits): getrusage
/// and wait4 cannot be used, as Linux carries the spawning process's own high-water mark
/// (here the test process, which hosts the simulator) into the child across exec.
fn run_measured(sim: &Sim, args: &[&str]) -> (i32, u64) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_esxvirt"));
    cmd.arg("-c")
        .arg(sim.uri())
        .args(args)
        .env("LIBVIRT_AUTH_FILE", sim.auth_file())
        .env("ESXVIRT_NO_SESSION_CACHE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("spawn esxvirt");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            if let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak_kib = peak_kib.max(kib);
            }
        }
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(peak_kib > 0, "VmHWM was read");
            return (status.code().unwrap_or(-1), peak_kib);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[test]
fn a_256_mib_transfer_is_never_held_in_memory() {
    const SIZE: usize = 256 << 20;
    let sim = Sim::start();
    create_disk(&sim, "big/big.vmdk", "256M");
    let src = sim.dir.join("big-src.img");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&src).expect("source");
        for i in 0..(SIZE >> 20) {
            f.write_all(&noise(1 << 20, i as u64 + 1)).expect("write");
        }
    }
    let (code, up_kib) = run_measured(
        &sim,
        &[
            "vol-upload",
            "--pool",
            "datastore1",
            "big/big.vmdk",
            path(&src),
        ],
    );
    assert_eq!(code, 0, "vol-upload");
    let out = sim.dir.join("big-out.img");
    let (code, down_kib) = run_measured(
        &sim,
        &[
            "vol-download",
            "--pool",
            "datastore1",
            "big/big.vmdk",
            path(&out),
        ],
    );
    assert_eq!(code, 0, "vol-download");
    // The bytes came back whole ...
    assert_eq!(std::fs::metadata(&out).expect("out").len(), SIZE as u64);
    {
        use std::io::Read;
        let (mut a, mut b) = (
            std::fs::File::open(&src).expect("src"),
            std::fs::File::open(&out).expect("out"),
        );
        let (mut x, mut y) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
        for _ in 0..(SIZE >> 20) {
            a.read_exact(&mut x).expect("read src");
            b.read_exact(&mut y).expect("read out");
            assert!(x == y, "downloaded bytes differ");
        }
    }
    // ... and neither process held them: its peak stays far below the 256 MiB it moved.
    let limit_kib = 64 * 1024;
    assert!(
        up_kib < limit_kib && down_kib < limit_kib,
        "peak RSS: upload {up_kib} KiB, download {down_kib} KiB"
    );
    eprintln!("peak RSS: upload {up_kib} KiB, download {down_kib} KiB");
}
