//! `/folder` (GET, HEAD, PUT, DELETE on the real datastore directories) and `/screen`
//! (a PNG of a running VM) over HTTP, and the .vmx on disk staying the VM's configuration.

mod common;

use common::{prop_spec, text, Client, TestSim};
use esxvirt_sim::{SimConfig, Tls};

fn session(sim: &TestSim) -> Client {
    let mut c = sim.client();
    let r = c.login("ha-sessionmgr", "root", "password");
    assert_eq!(r.status, 200, "{}", r.body);
    c
}

fn memory_mb(c: &mut Client, vm: &str) -> String {
    let r = c.call(
        ("PropertyCollector", "ha-property-collector"),
        "RetrieveProperties",
        &format!(
            "<specSet>{}<objectSet><obj type=\"VirtualMachine\">{vm}</obj></objectSet></specSet>",
            prop_spec("VirtualMachine", &["config.hardware.memoryMB"])
        ),
    );
    text(&r.body, "val").unwrap_or_default()
}

#[test]
fn inv_folder_get_head_put_delete() {
    let sim = TestSim::start(SimConfig {
        tls: Tls::Off,
        ..SimConfig::default()
    });
    let mut c = session(&sim);
    let q = "?dcPath=ha-datacenter&dsName=datastore1";
    // GET the .vmx of web01 (VM 1).
    let r = c
        .request("GET", &format!("/folder/web01/web01.vmx{q}"), &[], b"")
        .unwrap();
    assert_eq!(r.status, 200);
    assert!(r.body.contains("displayName = \"web01\""), "{}", r.body);
    let len = r.body.len().to_string();
    // HEAD announces the size without a body.
    let h = c
        .request("HEAD", &format!("/folder/web01/web01.vmx{q}"), &[], b"")
        .unwrap();
    assert_eq!(h.status, 200);
    assert_eq!(h.header("content-length"), Some(len.as_str()));
    assert!(h.body.is_empty());
    // Missing files, wrong datastores and escapes are 404.
    for path in [
        format!("/folder/web01/nothing.vmx{q}"),
        "/folder/web01/web01.vmx?dcPath=ha-datacenter&dsName=nosuch".to_string(),
        "/folder/web01/web01.vmx?dcPath=otherdc&dsName=datastore1".to_string(),
        format!("/folder/../../etc/passwd{q}"),
        format!("/folder/web01/%2e%2e/%2e%2e/x{q}"),
    ] {
        let r = c.request("GET", &path, &[], b"").unwrap();
        assert_eq!(r.status, 404, "{path}");
    }
    // PUT creates (201) then replaces (200); GET reads it back; DELETE removes it.
    let r = c
        .request(
            "PUT",
            &format!("/folder/up/load%20me.txt{q}"),
            &[],
            b"hello",
        )
        .unwrap();
    assert_eq!(r.status, 201);
    let r = c
        .request(
            "PUT",
            &format!("/folder/up/load%20me.txt{q}"),
            &[],
            b"hello again",
        )
        .unwrap();
    assert_eq!(r.status, 200);
    let r = c
        .request("GET", &format!("/folder/up/load%20me.txt{q}"), &[], b"")
        .unwrap();
    assert_eq!(r.body, "hello again");
    let r = c
        .request("DELETE", &format!("/folder/up/load%20me.txt{q}"), &[], b"")
        .unwrap();
    assert!(r.status == 204 || r.status == 200, "{}", r.status);
    let r = c
        .request("GET", &format!("/folder/up/load%20me.txt{q}"), &[], b"")
        .unwrap();
    assert_eq!(r.status, 404);
}

#[test]
fn inv_folder_vmx_is_the_configuration() {
    let sim = TestSim::start(SimConfig {
        tls: Tls::Off,
        ..SimConfig::default()
    });
    let mut c = session(&sim);
    let q = "?dcPath=ha-datacenter&dsName=datastore1";
    // tiny is VM 5 and powered off: an uploaded .vmx replaces its configuration.
    assert_eq!(memory_mb(&mut c, "5"), "256");
    let r = c
        .request("GET", &format!("/folder/tiny/tiny.vmx{q}"), &[], b"")
        .unwrap();
    let changed = r.body.replace("memsize = \"256\"", "memsize = \"768\"");
    assert_ne!(changed, r.body);
    let r = c
        .request(
            "PUT",
            &format!("/folder/tiny/tiny.vmx{q}"),
            &[],
            changed.as_bytes(),
        )
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(memory_mb(&mut c, "5"), "768");
    // And a reconfiguration through the API is written to the file.
    let r = c.call(
        ("VirtualMachine", "5"),
        "ReconfigVM_Task",
        "<spec><memoryMB>1024</memoryMB><annotation>via API</annotation></spec>",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = c
        .request("GET", &format!("/folder/tiny/tiny.vmx{q}"), &[], b"")
        .unwrap();
    assert!(r.body.contains("memsize = \"1024\""), "{}", r.body);
    assert!(r.body.contains("annotation = \"via API\""), "{}", r.body);
}

#[test]
fn inv_screen_png_of_running_vm() {
    let sim = TestSim::start(SimConfig {
        tls: Tls::Off,
        ..SimConfig::default()
    });
    let mut c = session(&sim);
    let r = c.request("GET", "/screen?id=1", &[], b"").unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("image/png"));
    assert!(r.body.as_bytes().starts_with(b"\x89PNG") || r.body.starts_with("\u{FFFD}PNG"));
    // A powered-off VM has no console; an unknown VM is 404.
    let r = c.request("GET", "/screen?id=5", &[], b"").unwrap();
    assert_ne!(r.status, 200);
    let r = c.request("GET", "/screen?id=999", &[], b"").unwrap();
    assert_eq!(r.status, 404);
}

#[test]
fn inv_folder_ranges() {
    let sim = TestSim::start(SimConfig {
        tls: Tls::Off,
        ..SimConfig::default()
    });
    let mut c = session(&sim);
    let path = "/folder/web01/web01.vmx?dcPath=ha-datacenter&dsName=datastore1";
    let whole = c.request("GET", path, &[], b"").unwrap().body;
    let size = whole.len();
    let r = c
        .request("GET", path, &[("Range", "bytes=2-11")], b"")
        .unwrap();
    assert_eq!(r.status, 206);
    assert_eq!(r.body, whole[2..12]);
    assert_eq!(
        r.header("content-range").map(str::to_string),
        Some(format!("bytes 2-11/{size}"))
    );
    assert_eq!(r.header("content-length"), Some("10"));
    let r = c
        .request("GET", path, &[("Range", "bytes=-5")], b"")
        .unwrap();
    assert_eq!((r.status, r.body.as_str()), (206, &whole[size - 5..]));
    let past = format!("bytes={size}-");
    let r = c
        .request("GET", path, &[("Range", past.as_str())], b"")
        .unwrap();
    assert_eq!(r.status, 416);
    assert_eq!(
        r.header("content-range").map(str::to_string),
        Some(format!("bytes */{size}"))
    );
    // Several ranges at once are not taken: the whole file.
    let r = c
        .request("GET", path, &[("Range", "bytes=0-1,4-5")], b"")
        .unwrap();
    assert_eq!((r.status, r.body), (200, whole));
}
