//! WaitForUpdatesEx over a container view of the default ESX world: objects enter, change
//! and leave as VMs are powered on and unregistered.

mod common;

use common::{all_text, prop_spec, text, TestSim};

const PC: (&str, &str) = ("PropertyCollector", "ha-property-collector");

#[test]
fn core_wait_for_updates_enter_modify_leave() {
    let sim = TestSim::plain();
    let mut c = sim.root_client();
    let r = c.call(
        ("ViewManager", "ViewManager"),
        "CreateContainerView",
        "<container type=\"Folder\">ha-folder-root</container><type>VirtualMachine</type><recursive>true</recursive>",
    );
    let view = text(&r.body, "returnval").unwrap();
    let r = c.call(
        PC,
        "CreateFilter",
        &format!(
            "<spec>{}<objectSet><obj type=\"ContainerView\">{view}</obj><skip>true</skip><selectSet xsi:type=\"TraversalSpec\"><type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet></spec><partialUpdates>false</partialUpdates>",
            prop_spec("VirtualMachine", &["name", "runtime.powerState"])
        ),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let wait = |c: &mut common::Client, version: &str| {
        c.call(
            PC,
            "WaitForUpdatesEx",
            &format!(
                "<version>{version}</version><options><maxWaitSeconds>5</maxWaitSeconds></options>"
            ),
        )
    };
    let r = wait(&mut c, "");
    let kinds = all_text(&r.body, "kind");
    assert_eq!(kinds.len(), 5, "{}", r.body);
    assert!(kinds.iter().all(|k| k == "enter"));
    let version = text(&r.body, "version").unwrap();
    // Find tiny's id among the entered objects.
    let objs = all_text(&r.body, "objectSet");
    let tiny = objs
        .iter()
        .find(|o| o.contains(">tiny</val>"))
        .and_then(|o| text(o, "obj"))
        .expect("tiny entered");

    let r = c.call(("VirtualMachine", &tiny), "PowerOnVM_Task", "");
    assert_eq!(r.status, 200, "{}", r.body);
    let r = wait(&mut c, &version);
    assert_eq!(all_text(&r.body, "kind"), ["modify"], "{}", r.body);
    assert!(r.body.contains("<name>runtime.powerState</name><op>assign</op><val xsi:type=\"VirtualMachinePowerState\">poweredOn</val>"), "{}", r.body);
    let version = text(&r.body, "version").unwrap();

    let r = c.call(("VirtualMachine", &tiny), "PowerOffVM_Task", "");
    assert_eq!(r.status, 200);
    let r = c.call(("VirtualMachine", &tiny), "UnregisterVM", "");
    assert_eq!(r.status, 200, "{}", r.body);
    let r = wait(&mut c, &version);
    assert_eq!(all_text(&r.body, "kind"), ["leave"], "{}", r.body);
    assert!(r
        .body
        .contains(&format!("<obj type=\"VirtualMachine\">{tiny}</obj>")));
    // Nothing more: an empty answer after maxWaitSeconds 0.
    let version = text(&r.body, "version").unwrap();
    let r = c.call(
        PC,
        "WaitForUpdatesEx",
        &format!(
            "<version>{version}</version><options><maxWaitSeconds>0</maxWaitSeconds></options>"
        ),
    );
    assert!(!r.body.contains("<returnval>"), "{}", r.body);
}

/// maxObjectUpdates cuts an update set (saying `truncated`); the next call continues with
/// the rest, and nothing is lost.
#[test]
fn core_wait_for_updates_honours_max_object_updates() {
    let sim = TestSim::plain();
    let mut c = sim.root_client();
    let r = c.call(
        PC,
        "CreateFilter",
        &format!(
            "<spec>{}<objectSet><obj type=\"Folder\">ha-folder-root</obj><skip>true</skip><selectSet xsi:type=\"TraversalSpec\"><name>f</name><type>Folder</type><path>childEntity</path><skip>false</skip><selectSet><name>f</name></selectSet><selectSet><name>dc</name></selectSet></selectSet><selectSet xsi:type=\"TraversalSpec\"><name>dc</name><type>Datacenter</type><path>vmFolder</path><skip>false</skip><selectSet><name>f</name></selectSet></selectSet></objectSet></spec><partialUpdates>false</partialUpdates>",
            prop_spec("VirtualMachine", &["name"])
        ),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let mut version = String::new();
    let mut sizes = Vec::new();
    let mut names = Vec::new();
    loop {
        let r = c.call(
            PC,
            "WaitForUpdatesEx",
            &format!("<version>{version}</version><options><maxWaitSeconds>0</maxWaitSeconds><maxObjectUpdates>2</maxObjectUpdates></options>"),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let kinds = all_text(&r.body, "kind");
        assert!(kinds.iter().all(|k| k == "enter"), "{}", r.body);
        sizes.push(kinds.len());
        names.extend(all_text(&r.body, "val"));
        version = text(&r.body, "version").unwrap();
        if !r.body.contains("<truncated>true</truncated>") {
            break;
        }
    }
    // The default ESX world has 5 VMs: 2 + 2 + 1.
    assert_eq!(sizes, [2, 2, 1]);
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 5, "{names:?}");
}
