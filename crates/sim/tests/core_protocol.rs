//! The simulator's core over the wire, against a stub world: sessions and authentication,
//! the property collector (traversal, paging, container views, WaitForUpdatesEx), tasks,
//! fault injection and the stats endpoint.

mod common;

use std::time::Duration;

use common::{all_text, obj_set, prop_spec, text, Client, Reply, StubWorld, TestSim};
use esxvirt_sim::{Action, Injection, SimConfig, Tls};

const SM: &str = "ha-sessionmgr";
const PC: (&str, &str) = ("PropertyCollector", "ha-property-collector");

fn start(n: usize, tls: Tls) -> TestSim {
    TestSim::start_with(
        SimConfig {
            tls,
            ..SimConfig::default()
        },
        Box::new(StubWorld::new(n)),
    )
}

fn logged_in(sim: &TestSim) -> Client {
    let mut c = sim.client();
    let r = c.login(SM, "root", "password");
    assert_eq!(r.status, 200, "{}", r.body);
    c
}

/// All VMs under the root folder: one traversal spec.
fn vm_spec(paths: &[&str]) -> String {
    format!(
        "<specSet>{}<objectSet><obj type=\"Folder\">root</obj><skip>true</skip><selectSet xsi:type=\"TraversalSpec\"><name>f</name><type>Folder</type><path>childEntity</path><skip>false</skip></selectSet></objectSet></specSet>",
        prop_spec("VirtualMachine", paths)
    )
}

/// RetrievePropertiesEx of every VM's name (a call that needs a valid session).
fn retrieve_vm_names(c: &mut Client) -> Reply {
    c.call(
        PC,
        "RetrievePropertiesEx",
        &format!("{}<options/>", vm_spec(&["name"])),
    )
}

/// RetrievePropertiesEx of `paths` of every VM, at most `max` objects a page.
fn page_of_vms(c: &mut Client, paths: &[&str], max: u32) -> Reply {
    c.call(
        PC,
        "RetrievePropertiesEx",
        &format!(
            "{}<options><maxObjects>{max}</maxObjects></options>",
            vm_spec(paths)
        ),
    )
}

/// RetrieveProperties of `paths` of the one object `ty:id`.
fn retrieve_one(c: &mut Client, ty: &str, id: &str, paths: &[&str]) -> Reply {
    c.call(
        PC,
        "RetrieveProperties",
        &format!("<specSet>{}</specSet>", obj_set(ty, id, paths)),
    )
}

/// A paging call (`method` is Continue- or CancelRetrievePropertiesEx) on `token`.
fn on_token(c: &mut Client, method: &str, token: &str) -> Reply {
    c.call(PC, method, &format!("<token>{token}</token>"))
}

/// CreateFilter (whole updates) on `paths` of `ty:id`; answers the filter.
fn create_filter(c: &mut Client, ty: &str, id: &str, paths: &[&str]) -> String {
    let r = c.call(
        PC,
        "CreateFilter",
        &format!(
            "<spec>{}</spec><partialUpdates>false</partialUpdates>",
            obj_set(ty, id, paths)
        ),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    text(&r.body, "returnval").expect("filter")
}

/// WaitForUpdatesEx after `version`, waiting at most `secs` seconds.
fn wait_for_updates_ex(c: &mut Client, version: &str, secs: u32) -> Reply {
    c.call(
        PC,
        "WaitForUpdatesEx",
        &format!(
            "<version>{version}</version><options><maxWaitSeconds>{secs}</maxWaitSeconds></options>"
        ),
    )
}

/// Runs `call` on a thread of its own with a client in `c`'s session.
fn in_session_thread<F>(c: &Client, call: F) -> std::thread::JoinHandle<Reply>
where
    F: FnOnce(&mut Client) -> Reply + Send + 'static,
{
    let mut w = Client::new(&c.base);
    w.cookie = c.cookie.clone();
    std::thread::spawn(move || call(&mut w))
}

fn fault_type(body: &str) -> String {
    let i = body.find("<detail>").expect("fault detail");
    let rest = &body[i..];
    let t = rest.find("xsi:type=\"").expect("xsi:type") + 10;
    rest[t..rest[t..].find('"').map(|e| t + e).unwrap_or(t)].to_string()
}

#[test]
fn core_service_content_needs_no_session_everything_else_does() {
    for tls in [Tls::SelfSigned, Tls::Off] {
        let sim = start(3, tls);
        let mut c = sim.client();
        let r = c.call(
            ("ServiceInstance", "ServiceInstance"),
            "RetrieveServiceContent",
            "",
        );
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(text(&r.body, "apiType").as_deref(), Some("HostAgent"));
        assert_eq!(
            text(&r.body, "productLineId").as_deref(),
            Some("embeddedEsx")
        );
        assert!(r
            .body
            .contains("<rootFolder type=\"Folder\">root</rootFolder>"));
        assert!(r.body.contains("<about xsi:type=\"AboutInfo\">"));

        let r = retrieve_vm_names(&mut c);
        assert_eq!(r.status, 500);
        assert_eq!(fault_type(&r.body), "NotAuthenticated");
        assert!(r.body.contains("<faultcode>ServerFaultCode</faultcode>"));

        let r = c.login(SM, "root", "wrong");
        assert_eq!(r.status, 500);
        assert_eq!(fault_type(&r.body), "InvalidLogin");
        assert!(c.cookie.is_none());

        let r = c.login(SM, "root", "password");
        assert_eq!(r.status, 200);
        let cookie = r.header("set-cookie").expect("session cookie").to_string();
        assert!(cookie.starts_with("vmware_soap_session=\""), "{cookie}");
        let r = retrieve_vm_names(&mut c);
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(all_text(&r.body, "objects").len(), 3);

        let key = text(&c.login(SM, "root", "password").body, "key").unwrap();
        let r = c.call(
            ("SessionManager", SM),
            "SessionIsActive",
            &format!("<sessionID>{key}</sessionID><userName>root</userName>"),
        );
        assert_eq!(text(&r.body, "returnval").as_deref(), Some("true"));
        let r = retrieve_one(&mut c, "SessionManager", SM, &["currentSession"]);
        assert!(
            r.body.contains("<val xsi:type=\"UserSession\">"),
            "{}",
            r.body
        );
        assert_eq!(text(&r.body, "userName").as_deref(), Some("root"));

        let r = c.call(("SessionManager", SM), "Logout", "");
        assert_eq!(r.status, 200);
        let r = retrieve_vm_names(&mut c);
        assert_eq!(fault_type(&r.body), "NotAuthenticated");
    }
}

#[test]
fn core_session_keys_differ_and_sessions_expire() {
    let sim = start(1, Tls::Off);
    let a = logged_in(&sim);
    let b = logged_in(&sim);
    assert_ne!(a.cookie, b.cookie);
    let mut c = a;
    sim.sim().set_session_idle_timeout(Duration::ZERO);
    std::thread::sleep(Duration::from_millis(20));
    let r = retrieve_vm_names(&mut c);
    assert_eq!(fault_type(&r.body), "NotAuthenticated");
    sim.sim().set_session_idle_timeout(Duration::from_secs(600));
    let mut d = logged_in(&sim);
    sim.sim().expire_sessions();
    let r = retrieve_vm_names(&mut d);
    assert_eq!(fault_type(&r.body), "NotAuthenticated");
    // A forged cookie is no session either.
    d.cookie = Some("vmware_soap_session=\"52000000-0000-0000-0000-000000000000\"".into());
    let r = retrieve_vm_names(&mut d);
    assert_eq!(fault_type(&r.body), "NotAuthenticated");
}

#[test]
fn core_paging_with_tokens() {
    let sim = start(25, Tls::Off);
    let mut c = logged_in(&sim);
    let r = page_of_vms(&mut c, &["name", "runtime.powerState"], 10);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(all_text(&r.body, "objects").len(), 10);
    let token = text(&r.body, "token").expect("token");
    let mut names = all_text(&r.body, "val");
    loop {
        let r = on_token(&mut c, "ContinueRetrievePropertiesEx", &token);
        assert_eq!(r.status, 200, "{}", r.body);
        names.extend(all_text(&r.body, "val"));
        match text(&r.body, "token") {
            Some(t) => assert_eq!(t, token),
            None => break,
        }
    }
    // name + powerState for 25 VMs, in inventory order.
    assert_eq!(names.len(), 50);
    assert_eq!(names[0], "vm1");
    assert_eq!(names[1], "poweredOff");
    assert_eq!(names[48], "vm25");
    // A used-up token is gone; a cancelled one too.
    let r = on_token(&mut c, "ContinueRetrievePropertiesEx", &token);
    assert_eq!(fault_type(&r.body), "InvalidArgument");
    let r = page_of_vms(&mut c, &["name"], 5);
    let token = text(&r.body, "token").expect("token");
    let r = on_token(&mut c, "CancelRetrievePropertiesEx", &token);
    assert_eq!(r.status, 200);
    let r = on_token(&mut c, "ContinueRetrievePropertiesEx", &token);
    assert_eq!(fault_type(&r.body), "InvalidArgument");
}

#[test]
fn core_property_faults() {
    let sim = start(2, Tls::Off);
    let mut c = logged_in(&sim);
    let r = c.call(PC, "RetrieveProperties", &vm_spec(&["nonsense"]));
    assert_eq!(r.status, 500);
    assert_eq!(fault_type(&r.body), "InvalidProperty");
    let r = retrieve_one(&mut c, "VirtualMachine", "vm-99", &["name"]);
    assert_eq!(fault_type(&r.body), "ManagedObjectNotFound");
    let r = c.call(("VirtualMachine", "vm-1"), "NoSuchMethod", "");
    assert_eq!(fault_type(&r.body), "MethodNotFound");
    let r = c.soap("<not-soap/>").unwrap();
    assert_eq!(r.status, 500);
    assert_eq!(fault_type(&r.body), "InvalidRequest");
    let r = c
        .soap("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>")
        .unwrap();
    assert_eq!(fault_type(&r.body), "InvalidRequest");
    // An empty result is an empty response, as vSphere answers.
    let r = c.call(
        PC,
        "RetrievePropertiesEx",
        &format!(
            "<specSet>{}<objectSet><obj type=\"Folder\">root</obj></objectSet></specSet><options/>",
            prop_spec("VirtualMachine", &["name"])
        ),
    );
    assert_eq!(r.status, 200);
    assert!(r.body.contains(
        "<RetrievePropertiesExResponse xmlns=\"urn:vim25\"></RetrievePropertiesExResponse>"
    ));
}

#[test]
fn core_container_view() {
    let sim = start(7, Tls::Off);
    let mut c = logged_in(&sim);
    let r = c.call(
        ("ViewManager", "ViewManager"),
        "CreateContainerView",
        "<container type=\"Folder\">root</container><type>VirtualMachine</type><recursive>true</recursive>",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let view = text(&r.body, "returnval").unwrap();
    let spec = format!(
        "<specSet>{}<objectSet><obj type=\"ContainerView\">{view}</obj><skip>true</skip><selectSet xsi:type=\"TraversalSpec\"><type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet></specSet><options/>",
        prop_spec("VirtualMachine", &["name", "config.hardware.memoryMB"])
    );
    let r = c.call(PC, "RetrievePropertiesEx", &spec);
    assert_eq!(all_text(&r.body, "objects").len(), 7);
    assert!(r
        .body
        .contains("<name>config.hardware.memoryMB</name><val xsi:type=\"xsd:int\">1024</val>"));
    let r = c.call(("ContainerView", &view), "DestroyView", "");
    assert_eq!(r.status, 200);
    let r = c.call(PC, "RetrievePropertiesEx", &spec);
    assert_eq!(fault_type(&r.body), "ManagedObjectNotFound");
}

#[test]
fn core_tasks_and_wait_for_updates() {
    let sim = start(2, Tls::Off);
    let mut c = logged_in(&sim);
    let filter = create_filter(&mut c, "VirtualMachine", "vm-1", &["runtime.powerState"]);
    let r = wait_for_updates_ex(&mut c, "", 0);
    assert_eq!(text(&r.body, "kind").as_deref(), Some("enter"));
    assert!(r
        .body
        .contains("<val xsi:type=\"VirtualMachinePowerState\">poweredOff</val>"));
    let v1 = text(&r.body, "version").unwrap();
    let r = wait_for_updates_ex(&mut c, &v1, 0);
    assert!(
        r.body
            .contains("<WaitForUpdatesExResponse xmlns=\"urn:vim25\"></WaitForUpdatesExResponse>"),
        "{}",
        r.body
    );

    // A waiter blocked in WaitForUpdates wakes when the VM powers on.
    let waiter = in_session_thread(&c, move |w| {
        w.call(PC, "WaitForUpdates", &format!("<version>{v1}</version>"))
    });
    std::thread::sleep(Duration::from_millis(100));
    let r = c.call(("VirtualMachine", "vm-1"), "PowerOnVM_Task", "");
    assert_eq!(r.status, 200, "{}", r.body);
    let task = text(&r.body, "returnval").unwrap();
    let got = waiter.join().unwrap();
    assert_eq!(
        text(&got.body, "kind").as_deref(),
        Some("modify"),
        "{}",
        got.body
    );
    assert!(got.body.contains(&format!(
        "<filter type=\"PropertyFilter\">{filter}</filter>"
    )));
    assert!(got
        .body
        .contains("<val xsi:type=\"VirtualMachinePowerState\">poweredOn</val>"));

    // The task is visible through the collector with its final state.
    let r = retrieve_one(&mut c, "Task", &task, &["info"]);
    assert!(r.body.contains("<val xsi:type=\"TaskInfo\">"), "{}", r.body);
    assert_eq!(text(&r.body, "state").as_deref(), Some("success"));
    assert_eq!(
        text(&r.body, "descriptionId").as_deref(),
        Some("VirtualMachine.powerOn")
    );
    let r = c.call(("Task", &task), "CancelTask", "");
    assert_eq!(fault_type(&r.body), "InvalidState");

    // A second power-on fails in the task with InvalidPowerState.
    let r = c.call(("VirtualMachine", "vm-1"), "PowerOnVM_Task", "");
    let task = text(&r.body, "returnval").unwrap();
    let r = retrieve_one(&mut c, "Task", &task, &["info.state", "info.error"]);
    assert!(r.body.contains(">error</val>"), "{}", r.body);
    assert!(
        r.body.contains("<fault xsi:type=\"InvalidPowerState\">"),
        "{}",
        r.body
    );

    // CancelWaitForUpdates ends a blocked WaitForUpdates with RequestCanceled.
    let waiter = in_session_thread(&c, |w| wait_for_updates_ex(w, "99", 60));
    // Cancel until the waiter has been cancelled (it may not be waiting yet at first).
    for _ in 0..600 {
        if waiter.is_finished() {
            break;
        }
        assert_eq!(c.call(PC, "CancelWaitForUpdates", "").status, 200);
        std::thread::sleep(Duration::from_millis(100));
    }
    let got = waiter.join().unwrap();
    assert_eq!(fault_type(&got.body), "RequestCanceled", "{}", got.body);

    let r = c.call(("PropertyFilter", &filter), "DestroyPropertyFilter", "");
    assert_eq!(r.status, 200);
    let r = c.call(("PropertyFilter", &filter), "DestroyPropertyFilter", "");
    assert_eq!(fault_type(&r.body), "ManagedObjectNotFound");
}

#[test]
fn core_task_life_cycle_is_observable() {
    let sim = TestSim::start_with(
        SimConfig {
            tls: Tls::Off,
            task_delay: Duration::from_millis(3000),
            ..SimConfig::default()
        },
        Box::new(StubWorld::new(1)),
    );
    let mut c = logged_in(&sim);
    let r = c.call(("VirtualMachine", "vm-1"), "PowerOnVM_Task", "");
    let task = text(&r.body, "returnval").unwrap();
    create_filter(&mut c, "Task", &task, &["info.state"]);
    let mut states = Vec::new();
    let mut version = String::new();
    while states.last().map(String::as_str) != Some("success") {
        let r = wait_for_updates_ex(&mut c, &version, 30);
        version = text(&r.body, "version").expect("an update before the timeout");
        states.extend(all_text(&r.body, "val"));
    }
    // Each state once, in order. A loaded machine may be slower than the first third of
    // the delay, so `queued` may already be over when the filter first reports.
    let all = ["queued", "running", "success"];
    assert!(
        states.len() >= 2 && all.ends_with(&states.iter().map(String::as_str).collect::<Vec<_>>()),
        "{states:?}"
    );
}

#[test]
fn core_fault_injection() {
    let sim = start(2, Tls::Off);
    let mut c = logged_in(&sim);
    let retrieve = format!("{}<options/>", vm_spec(&["name"]));

    sim.sim()
        .inject(Injection::method("RetrievePropertiesEx", Action::Http { status: 503 }).times(1));
    assert_eq!(c.call(PC, "RetrievePropertiesEx", &retrieve).status, 503);
    assert_eq!(c.call(PC, "RetrievePropertiesEx", &retrieve).status, 200);

    sim.sim().inject(
        Injection::method(
            "RetrievePropertiesEx",
            Action::Fault {
                fault: "InvalidState".into(),
                message: "injected".into(),
            },
        )
        .times(1),
    );
    let r = c.call(PC, "RetrievePropertiesEx", &retrieve);
    assert_eq!(r.status, 500);
    assert_eq!(fault_type(&r.body), "InvalidState");
    assert_eq!(text(&r.body, "faultstring").as_deref(), Some("injected"));

    sim.sim().inject(Injection::global(Action::Reset).times(1));
    assert!(c
        .soap(&common::envelope("RetrievePropertiesEx", PC, &retrieve))
        .is_err());

    sim.sim()
        .inject(Injection::global(Action::Truncate).times(1));
    let r = c.call(PC, "RetrievePropertiesEx", &retrieve);
    let announced: usize = r.header("content-length").unwrap().parse().unwrap();
    assert!(r.body.len() < announced, "{} of {announced}", r.body.len());

    // The same through the HTTP control endpoint, with latency (not timed: only that the
    // call still succeeds). It takes the control token or the user and password.
    let bearer = format!("Bearer {}", sim.sim().control_token());
    let token = [("Authorization", bearer.as_str())];
    let basic = [("Authorization", "Basic cm9vdDpwYXNzd29yZA==")];
    let r = c
        .request(
            "POST",
            "/esxsim/inject",
            &token,
            br#"{"action":"latency","ms":50,"count":1}"#,
        )
        .unwrap();
    assert_eq!(r.status, 204);
    let r = c
        .request(
            "POST",
            "/esxsim/inject",
            &basic,
            br#"{"method":"Logout","action":"http","status":500}"#,
        )
        .unwrap();
    assert_eq!(r.status, 204);
    let r = c.request("GET", "/esxsim/inject", &token, b"").unwrap();
    assert!(r.body.contains("\"Logout\""), "{}", r.body);
    assert_eq!(c.call(PC, "RetrievePropertiesEx", &retrieve).status, 200);
    assert_eq!(c.call(("SessionManager", SM), "Logout", "").status, 500);
    assert_eq!(
        c.request("DELETE", "/esxsim/inject", &basic, b"")
            .unwrap()
            .status,
        204
    );
    assert_eq!(c.call(("SessionManager", SM), "Logout", "").status, 200);
    let r = c
        .request(
            "POST",
            "/esxsim/inject",
            &token,
            b"{\"action\":\"explode\"}",
        )
        .unwrap();
    assert_eq!(r.status, 400);
}

#[test]
fn core_stats_endpoint_counts_methods() {
    let sim = start(2, Tls::Off);
    let mut c = logged_in(&sim);
    for _ in 0..3 {
        retrieve_vm_names(&mut c);
    }
    let basic = [("Authorization", "Basic cm9vdDpwYXNzd29yZA==")];
    let r = c.request("GET", "/esxsim/stats", &basic, b"").unwrap();
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["methods"]["Login"], 1);
    assert_eq!(v["methods"]["RetrievePropertiesEx"], 3);
    assert_eq!(v["soap_requests"], 4);
    assert_eq!(sim.sim().stats().method("RetrievePropertiesEx"), 3);
    assert_eq!(
        c.request("POST", "/esxsim/stats/reset", &basic, b"")
            .unwrap()
            .status,
        204
    );
    assert_eq!(sim.sim().stats().soap_requests, 0);
    // Version probes.
    let r = c
        .request("GET", "/sdk/vimServiceVersions.xml", &[], b"")
        .unwrap();
    assert!(r.body.contains("<name>urn:vim25</name>"));
    // /folder needs a session or basic auth.
    let mut anon = sim.client();
    assert_eq!(
        anon.request("GET", "/folder?dcPath=ha-datacenter", &[], b"")
            .unwrap()
            .status,
        401
    );
}
