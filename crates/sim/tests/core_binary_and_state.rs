//! The `esxsim` binary (URL on the first stdout line, stops on SIGTERM) and the state file
//! (changes survive a restart).

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{text, Client, TestSim};
use esxvirt_sim::{SimConfig, Tls};

#[test]
fn core_esxsim_binary_prints_url_and_stops_on_sigterm() {
    let dir = std::env::temp_dir().join(format!(
        "esxsim-bin-{}",
        &esxvirt_sim::session::new_key().unwrap()[2..14]
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_esxsim"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--http",
            "--user",
            "admin",
            "--password",
            "s3cret",
        ])
        .arg("--files-dir")
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start esxsim");
    let guard_pid = child.id();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let mut c = Client::new(&url);
    let r = c.call(
        ("ServiceInstance", "ServiceInstance"),
        "RetrieveServiceContent",
        "",
    );
    assert_eq!(text(&r.body, "apiType").as_deref(), Some("HostAgent"));
    assert_eq!(c.login("ha-sessionmgr", "root", "password").status, 500);
    assert_eq!(c.login("ha-sessionmgr", "admin", "s3cret").status, 200);
    let st = Command::new("kill")
        .args(["-TERM", &guard_pid.to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn core_state_file_survives_restart() {
    let dir = std::env::temp_dir().join(format!(
        "esxsim-state-{}",
        &esxvirt_sim::session::new_key().unwrap()[2..14]
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    let config = SimConfig {
        tls: Tls::Off,
        state_file: Some(state.clone()),
        ..SimConfig::default()
    };
    let vm_of = |c: &mut Client, name: &str| -> String {
        let r = c.call(
            ("SearchIndex", "ha-searchindex"),
            "FindByInventoryPath",
            &format!("<inventoryPath>ha-datacenter/vm/{name}</inventoryPath>"),
        );
        text(&r.body, "returnval").unwrap_or_else(|| panic!("{name}: {}", r.body))
    };
    let power = |c: &mut Client, vm: &str| -> String {
        let r = c.call(
            ("PropertyCollector", "ha-property-collector"),
            "RetrieveProperties",
            &format!(
                "<specSet>{}<objectSet><obj type=\"VirtualMachine\">{vm}</obj></objectSet></specSet>",
                common::prop_spec("VirtualMachine", &["runtime.powerState"])
            ),
        );
        text(&r.body, "val").unwrap()
    };
    {
        let sim = TestSim::start(config.clone());
        assert!(state.exists(), "the state file is written at start");
        let mut c = sim.client();
        c.login("ha-sessionmgr", "root", "password");
        let vm = vm_of(&mut c, "tiny");
        assert_eq!(power(&mut c, &vm), "poweredOff");
        let r = c.call(("VirtualMachine", &vm), "PowerOnVM_Task", "");
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(power(&mut c, &vm), "poweredOn");
    }
    let sim = TestSim::start(config);
    let mut c = sim.client();
    c.login("ha-sessionmgr", "root", "password");
    let vm = vm_of(&mut c, "tiny");
    assert_eq!(power(&mut c, &vm), "poweredOn");
    drop(sim);
    let _ = std::fs::remove_dir_all(&dir);
}
