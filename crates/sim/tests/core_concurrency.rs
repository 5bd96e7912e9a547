//! Many clients at once: readers, writers (power operations) and WaitForUpdates waiters on
//! one simulator never deadlock, and every request gets an answer.

mod common;

use std::time::Duration;

use common::{prop_spec, text, Client, StubWorld, TestSim};
use esxvirt_sim::{SimConfig, Tls};

const PC: (&str, &str) = ("PropertyCollector", "ha-property-collector");

fn retrieve_all() -> String {
    format!(
        "<specSet>{}<objectSet><obj type=\"Folder\">root</obj><skip>true</skip><selectSet xsi:type=\"TraversalSpec\"><type>Folder</type><path>childEntity</path></selectSet></objectSet></specSet><options><maxObjects>7</maxObjects></options>",
        prop_spec("VirtualMachine", &["name", "runtime.powerState"])
    )
}

#[test]
fn core_concurrent_readers_writers_and_waiters() {
    let sim = TestSim::start_with(
        SimConfig {
            tls: Tls::Off,
            ..SimConfig::default()
        },
        Box::new(StubWorld::new(20)),
    );
    let url = sim.url();
    let mut handles = Vec::new();
    // Waiters: each watches one VM and returns when it changed.
    for i in 1..=4 {
        let url = url.clone();
        handles.push(std::thread::spawn(move || {
            let mut c = Client::new(&url);
            assert_eq!(c.login("ha-sessionmgr", "root", "password").status, 200);
            let r = c.call(
                PC,
                "CreateFilter",
                &format!(
                    "<spec>{}<objectSet><obj type=\"VirtualMachine\">vm-{i}</obj></objectSet></spec><partialUpdates>false</partialUpdates>",
                    prop_spec("VirtualMachine", &["runtime.powerState"])
                ),
            );
            assert_eq!(r.status, 200, "{}", r.body);
            let r = c.call(PC, "WaitForUpdatesEx", "<version></version><options><maxWaitSeconds>0</maxWaitSeconds></options>");
            let v = text(&r.body, "version").unwrap();
            let r = c.call(
                PC,
                "WaitForUpdatesEx",
                &format!("<version>{v}</version><options><maxWaitSeconds>60</maxWaitSeconds></options>"),
            );
            assert!(r.body.contains("poweredOn"), "{}", r.body);
        }));
    }
    std::thread::sleep(Duration::from_millis(100));
    // Readers page through everything while writers power VMs on.
    for _ in 0..4 {
        let url = url.clone();
        handles.push(std::thread::spawn(move || {
            let mut c = Client::new(&url);
            assert_eq!(c.login("ha-sessionmgr", "root", "password").status, 200);
            for _ in 0..25 {
                let r = c.call(PC, "RetrievePropertiesEx", &retrieve_all());
                assert_eq!(r.status, 200, "{}", r.body);
                let mut token = text(&r.body, "token");
                while let Some(t) = token {
                    let r = c.call(
                        PC,
                        "ContinueRetrievePropertiesEx",
                        &format!("<token>{t}</token>"),
                    );
                    assert_eq!(r.status, 200, "{}", r.body);
                    token = text(&r.body, "token");
                }
            }
        }));
    }
    for w in 0..2 {
        let url = url.clone();
        handles.push(std::thread::spawn(move || {
            let mut c = Client::new(&url);
            assert_eq!(c.login("ha-sessionmgr", "root", "password").status, 200);
            for i in (1 + w..=20).step_by(2) {
                let r = c.call(("VirtualMachine", &format!("vm-{i}")), "PowerOnVM_Task", "");
                assert_eq!(r.status, 200, "{}", r.body);
            }
        }));
    }
    for h in handles {
        h.join().expect("client thread");
    }
    assert!(sim.sim().stats().method("RetrievePropertiesEx") >= 100);
}
