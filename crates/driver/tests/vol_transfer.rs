//! Volume downloads and uploads (StorageVol::download / upload) against esxsim, started
//! in-process on a loopback port with its datastores in a directory of the test's own: the
//! bytes on the datastore and the bytes that come back are compared whole.

mod common;

use std::path::PathBuf;

use common::{options, tempdir, Sim};
use esxvirt_driver::{Connection, ErrorCode, Progress};
use esxvirt_sim::InventorySource;
use esxvirt_testkit::noise;

/// esxsim with its datastores in a directory of the test's own, removed after it stops.
struct Xfer {
    sim: Sim,
    files: PathBuf,
}

impl Xfer {
    fn start(name: &str) -> Xfer {
        Xfer::start_with(name, InventorySource::DefaultEsx)
    }
    fn start_with(name: &str, inventory: InventorySource) -> Xfer {
        let files = tempdir(&format!("voltransfer-{name}"));
        let sim = Sim::start_in(inventory, true, Some(files.clone()));
        Xfer { sim, files }
    }
}

impl Drop for Xfer {
    fn drop(&mut self) {
        self.sim.stop();
        let _ = std::fs::remove_dir_all(&self.files);
    }
}

fn create_disk(conn: &Connection, name: &str, mib: u64) {
    let pool = conn
        .storage_pool_lookup_by_name("datastore1")
        .expect("pool");
    pool.storage_vol_create_xml(
        &format!(
            "<volume><name>{name}</name><capacity unit='M'>{mib}</capacity>\
             <target><format type='vmdk'/></target></volume>"
        ),
        0,
    )
    .expect("vol-create");
}

fn download(conn: &Connection, vol: &str, offset: u64, length: u64) -> Vec<u8> {
    let v = conn
        .storage_pool_lookup_by_name("datastore1")
        .expect("pool")
        .storage_vol_lookup_by_name(vol)
        .expect("vol");
    let mut out = Vec::new();
    let n = v
        .download(&mut out, offset, length, 0, &mut |_| {})
        .expect("download");
    assert_eq!(n, out.len() as u64);
    out
}

#[test]
fn vmdk_round_trip_through_the_flat_extent() {
    let sim = Xfer::start("vmdk");
    let conn = Connection::open(&sim.sim.esx(), &options("root", "password")).expect("open");
    create_disk(&conn, "xfer/disk.vmdk", 4);
    let cap = 4 << 20;
    let data = noise(3_000_001, 7);
    let vol = conn
        .storage_pool_lookup_by_name("datastore1")
        .expect("pool")
        .storage_vol_lookup_by_name("xfer/disk.vmdk")
        .expect("vol");
    let mut seen = Vec::new();
    let sent = vol
        .upload(
            &mut data.as_slice(),
            data.len() as u64,
            0,
            0,
            0,
            &mut |p: Progress| seen.push(p),
        )
        .expect("upload");
    // The extent keeps the disk's capacity: the data, then zeros.
    assert_eq!(sent, cap);
    let mut expect = data.clone();
    expect.resize(cap as usize, 0);
    let flat = std::fs::read(sim.files.join("datastore1/xfer/disk-flat.vmdk")).expect("flat");
    assert!(flat == expect, "the flat extent holds the uploaded data");
    let desc = std::fs::read_to_string(sim.files.join("datastore1/xfer/disk.vmdk")).expect("desc");
    assert!(desc.starts_with("# Disk DescriptorFile"), "{desc}");
    assert_eq!(seen.first().map(|p| p.done), Some(0));
    assert_eq!(
        seen.last().copied(),
        Some(Progress {
            done: cap,
            total: Some(cap)
        })
    );
    assert!(seen.windows(2).all(|w| w[0].done <= w[1].done));

    assert!(download(&conn, "xfer/disk.vmdk", 0, 0) == expect);
    assert_eq!(
        download(&conn, "xfer/disk.vmdk", 1000, 5000),
        &expect[1000..6000]
    );
    assert_eq!(
        download(&conn, "xfer/disk.vmdk", 2_999_990, 0),
        &expect[2_999_990..]
    );
    assert_eq!(
        download(&conn, "xfer/disk.vmdk", cap - 10, 100),
        &expect[cap as usize - 10..]
    );
    assert!(download(&conn, "xfer/disk.vmdk", cap + 1, 0).is_empty());
}

#[test]
fn plain_files_are_replaced_whole() {
    let sim = Xfer::start("iso");
    let dir = sim.files.join("datastore1/isos");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("boot.iso"), noise(100_000, 3)).expect("iso");
    let conn = Connection::open(&sim.sim.esx(), &options("root", "password")).expect("open");
    let vol = conn
        .storage_pool_lookup_by_name("datastore1")
        .expect("pool")
        .storage_vol_lookup_by_name("isos/boot.iso")
        .expect("vol");
    let data = noise(1_234_567, 11);
    let sent = vol
        .upload(
            &mut data.as_slice(),
            data.len() as u64,
            0,
            0,
            0,
            &mut |_| {},
        )
        .expect("upload");
    assert_eq!(sent, data.len() as u64);
    assert!(std::fs::read(dir.join("boot.iso")).expect("iso") == data);
    assert!(download(&conn, "isos/boot.iso", 0, 0) == data);
    let mut seen = None;
    let mut out = Vec::new();
    vol.download(&mut out, 10, 20, 0, &mut |p| seen = Some(p))
        .expect("ranged download");
    assert_eq!(out, &data[10..30]);
    assert_eq!(
        seen,
        Some(Progress {
            done: 20,
            total: Some(20)
        })
    );
}

#[test]
fn refusals_and_missing_volumes() {
    let sim = Xfer::start("refuse");
    let conn = Connection::open(&sim.sim.esx(), &options("root", "password")).expect("open");
    create_disk(&conn, "small/s.vmdk", 1);
    let pool = conn
        .storage_pool_lookup_by_name("datastore1")
        .expect("pool");
    let vol = pool
        .storage_vol_lookup_by_name("small/s.vmdk")
        .expect("vol");
    let data = noise(10, 1);
    let e = vol
        .upload(&mut data.as_slice(), 10, 5, 0, 0, &mut |_| {})
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::OperationUnsupported);
    assert_eq!(
        e.to_string(),
        "Operation not supported: the datastore HTTP interface replaces whole files: uploads cannot take an offset or a length"
    );
    let big = noise((1 << 20) + 1, 2);
    let e = vol
        .upload(&mut big.as_slice(), big.len() as u64, 0, 0, 0, &mut |_| {})
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArg);
    assert_eq!(
        e.to_string(),
        "invalid argument: the data (1048577 bytes) does not fit the volume 'small/s.vmdk' of 1048576 bytes"
    );
    let e = vol
        .download(&mut Vec::new(), 0, 0, 2, &mut |_| {})
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArg, "{e}");

    // A name that names no file fails the lookup, as libvirt's does on an ESX host.
    assert_eq!(
        pool.storage_vol_lookup_by_name("missing.iso")
            .map(|_| ())
            .unwrap_err()
            .to_string(),
        "Storage volume not found: No storage volume with key or path '[datastore1] missing.iso'"
    );
    assert!(pool
        .storage_vol_lookup_by_name("nodir/missing.vmdk")
        .map(|_| ())
        .unwrap_err()
        .to_string()
        .starts_with("internal error: Could not search in datastore 'datastore1': FileNotFound"));
    // A handle whose file went away since its lookup: transfers fail and create nothing.
    create_disk(&conn, "gone/g.vmdk", 1);
    let gone = pool.storage_vol_lookup_by_name("gone/g.vmdk").expect("vol");
    conn.storage_vol_lookup_by_path("[datastore1] gone/g.vmdk")
        .expect("same vol")
        .delete(0)
        .expect("delete");
    let e = gone
        .download(&mut Vec::new(), 0, 0, 0, &mut |_| {})
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NoStorageVol, "{e}");
    let e = gone
        .upload(&mut data.as_slice(), 10, 0, 0, 0, &mut |_| {})
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NoStorageVol, "{e}");
    assert!(!sim.files.join("datastore1/gone/g-flat.vmdk").exists());
    // Nothing was created by the failed uploads.
    assert_eq!(
        std::fs::metadata(sim.files.join("datastore1/small/s-flat.vmdk"))
            .expect("flat")
            .len(),
        1 << 20
    );
}

/// Stops the server from another thread (not inside the driver's call) at the first
/// progress report with bytes moved; the transfer waits for that before going on.
struct StopMidway {
    stop: std::sync::mpsc::Sender<()>,
    done: std::sync::mpsc::Receiver<()>,
    thread: std::thread::JoinHandle<Xfer>,
    /// Whether the stop was asked for (the transfer had started).
    asked: bool,
}

impl StopMidway {
    fn new(mut sim: Xfer) -> StopMidway {
        let (stop, stop_rx) = std::sync::mpsc::channel::<()>();
        let (done_tx, done) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            if stop_rx.recv().is_ok() {
                sim.sim.stop();
            }
            let _ = done_tx.send(());
            sim
        });
        StopMidway {
            stop,
            done,
            thread,
            asked: false,
        }
    }

    fn progress(&mut self, p: Progress) {
        if p.done > 0 && !self.asked {
            self.asked = true;
            let _ = self.stop.send(());
            let _ = self.done.recv();
        }
    }

    /// Hands the simulator back once the thread has ended.
    fn join(self) -> Xfer {
        drop(self.stop);
        self.thread.join().expect("stopper")
    }
}

#[test]
fn a_server_stopped_mid_download_is_an_error() {
    let sim = Xfer::start("stop");
    let conn = Connection::open(&sim.sim.esx(), &options("root", "password")).expect("open");
    // Large enough that socket buffers cannot hold what is left when the server stops.
    create_disk(&conn, "big/big.vmdk", 64);
    let vol = conn
        .storage_pool_lookup_by_name("datastore1")
        .expect("pool")
        .storage_vol_lookup_by_name("big/big.vmdk")
        .expect("vol");
    let mut stopper = StopMidway::new(sim);
    let mut got = Vec::new();
    let e = vol
        .download(&mut got, 0, 0, 0, &mut |p| stopper.progress(p))
        .unwrap_err();
    assert!(stopper.asked, "the download started");
    assert_eq!(e.code(), ErrorCode::OperationFailed, "{e}");
    assert!(
        e.to_string()
            .starts_with("operation failed: connection to 127.0.0.1:"),
        "{e}"
    );
    assert!((got.len() as u64) < 64 << 20);
    drop(stopper.join());
}

#[test]
fn a_server_stopped_mid_upload_is_an_error() {
    let sim = Xfer::start("stopup");
    let conn = Connection::open(&sim.sim.esx(), &options("root", "password")).expect("open");
    create_disk(&conn, "up/up.vmdk", 64);
    let vol = conn
        .storage_pool_lookup_by_name("datastore1")
        .expect("pool")
        .storage_vol_lookup_by_name("up/up.vmdk")
        .expect("vol");
    let files = sim.files.clone();
    let mut stopper = StopMidway::new(sim);
    let data = noise(64 << 20, 9);
    let e = vol
        .upload(&mut data.as_slice(), data.len() as u64, 0, 0, 0, &mut |p| {
            stopper.progress(p)
        })
        .unwrap_err();
    assert!(stopper.asked, "the upload started");
    assert_eq!(e.code(), ErrorCode::OperationFailed, "{e}");
    // Bytes went out before the connection broke: what the server kept is not known.
    assert!(
        e.to_string().starts_with(
            "operation failed: the outcome of uploading to volume 'up/up.vmdk' of pool 'datastore1' is unknown: connection to 127.0.0.1:"
        ),
        "{e}"
    );
    // The disk was not replaced by a partial body.
    let flat = files.join("datastore1/up/up-flat.vmdk");
    assert_eq!(std::fs::metadata(&flat).expect("flat").len(), 64 << 20);
    assert!(std::fs::read(&flat).expect("flat").iter().all(|&b| b == 0));
    drop(stopper.join());
}

#[test]
fn through_vcenter_the_datacenter_path_goes_along() {
    let sim = Xfer::start_with("vpx", InventorySource::DefaultVCenter);
    let conn = Connection::open(&sim.sim.vpx(), &options("root", "password")).expect("open vpx");
    let pools = conn.list_storage_pools().expect("pools");
    let pool = conn.storage_pool_lookup_by_name(&pools[0]).expect("pool");
    pool.storage_vol_create_xml(
        "<volume><name>vc/d.vmdk</name><capacity unit='M'>1</capacity>\
         <target><format type='vmdk'/></target></volume>",
        0,
    )
    .expect("vol-create");
    let vol = pool.storage_vol_lookup_by_name("vc/d.vmdk").expect("vol");
    let data = noise(1 << 20, 4);
    vol.upload(
        &mut data.as_slice(),
        data.len() as u64,
        0,
        0,
        0,
        &mut |_| {},
    )
    .expect("upload");
    let mut back = Vec::new();
    vol.download(&mut back, 0, 0, 0, &mut |_| {})
        .expect("download");
    assert!(back == data);
    let flat = sim.files.join(&pools[0]).join("vc/d-flat.vmdk");
    assert!(std::fs::read(flat).expect("flat") == data);
}

#[test]
fn file_transfers_renew_an_expired_session() {
    let sim = Xfer::start("expired");
    let conn = Connection::open(&sim.sim.esx(), &options("root", "password")).expect("open");
    create_disk(&conn, "exp/e.vmdk", 1);
    let expected = download(&conn, "exp/e.vmdk", 0, 0);
    let folder_gets = |s: &esxvirt_sim::StatsSnapshot| s.http.get("/folder").copied().unwrap_or(0);

    // A streamed download through a resolved handle: the descriptor's /folder GET is
    // refused, the session renewed (Login), the GET sent again, then the flat extent's.
    let vol = conn
        .storage_pool_lookup_by_name("datastore1")
        .expect("pool")
        .storage_vol_lookup_by_name("exp/e.vmdk")
        .expect("vol");
    sim.sim.sim().expire_sessions();
    sim.sim.sim().reset_stats();
    let mut out = Vec::new();
    vol.download(&mut out, 0, 0, 0, &mut |_| {})
        .expect("download after expiry");
    assert!(out == expected, "the same bytes");
    let s = sim.sim.sim().stats();
    assert_eq!((s.soap_requests, s.method("Login")), (1, 1), "{s:?}");
    assert_eq!(folder_gets(&s), 3, "{s:?}");

    // A buffered GET: dumpxml right after a lookup is the .vmx download alone.
    let xml = conn
        .domain_lookup_by_name("web01")
        .expect("web01")
        .get_xml_desc(0)
        .expect("dumpxml");
    let dom = conn.domain_lookup_by_name("web01").expect("web01");
    sim.sim.sim().expire_sessions();
    sim.sim.sim().reset_stats();
    assert_eq!(dom.get_xml_desc(0).expect("dumpxml after expiry"), xml);
    let s = sim.sim.sim().stats();
    assert_eq!((s.soap_requests, s.method("Login")), (1, 1), "{s:?}");
    assert_eq!(folder_gets(&s), 2, "{s:?}");
}
