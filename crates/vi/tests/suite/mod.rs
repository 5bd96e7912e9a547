//! The vi layer's acceptance checks against any vSphere server: each function takes the
//! server's base URL (`https://127.0.0.1:PORT/sdk` or `http://...`) and credentials. The
//! vcsim tests of this crate run them against govmomi's simulator; crates/sim runs the very
//! same functions against esxsim (`#[path = "../../vi/tests/suite/mod.rs"] mod suite;`).

#![allow(dead_code)]

use std::collections::HashSet;

use esxvirt_vi::{
    AnyVirtualDevice, Client, ClientConfig, Error, Fault, ManagedObjectReference, QuestionPolicy,
    Value, VirtualMachinePowerState,
};

/// A client for `url`, certificates not verified (the simulators use self-signed ones).
pub async fn connect(url: &str) -> Client {
    let mut cfg = ClientConfig::new(url);
    cfg.no_verify = true;
    Client::connect(cfg)
        .await
        .unwrap_or_else(|e| panic!("connect {url}: {e}"))
}

/// A logged-in client.
pub async fn login(url: &str, user: &str, pass: &str) -> Client {
    let c = connect(url).await;
    c.login(user, pass)
        .await
        .unwrap_or_else(|e| panic!("login: {e}"));
    c
}

/// Service content and about info; returns the apiType (HostAgent or VirtualCenter).
pub async fn service_content_and_about(url: &str) -> String {
    let c = connect(url).await;
    let about = c.about();
    assert!(!about.name.is_empty(), "about.name is empty");
    assert!(!about.full_name.is_empty(), "about.fullName is empty");
    assert!(!about.version.is_empty(), "about.version is empty");
    assert!(!about.api_version.is_empty(), "about.apiVersion is empty");
    assert!(
        about.api_type == "HostAgent" || about.api_type == "VirtualCenter",
        "unexpected apiType {}",
        about.api_type
    );
    let sc = c.service_content();
    assert!(!sc.root_folder.value.is_empty(), "no root folder");
    assert_eq!(sc.root_folder.type_, "Folder");
    assert!(
        !sc.property_collector.value.is_empty(),
        "no property collector"
    );
    assert!(sc.session_manager.is_some(), "no session manager");
    assert_eq!(c.request_count(), 1, "connect takes one request");
    about.api_type.clone()
}

/// The empty password, which every server rejects (govmomi's simulator accepts any other).
pub const EMPTY_PASSWORD: &str = "";

/// Logging in with `bad` as the password gives InvalidLogin, in one line without it.
pub async fn bad_password_is_rejected(url: &str, user: &str, bad: &str) {
    let c = connect(url).await;
    let err = match c.login(user, bad).await {
        Err(e @ Error::Fault(Fault::InvalidLogin { .. })) => e,
        other => panic!("bad password gave {other:?}"),
    };
    let line = err.to_string();
    assert!(line.starts_with("InvalidLogin"), "{line}");
    assert!(!line.contains('\n'));
    assert!(
        bad.is_empty() || !line.contains(bad),
        "the password leaked: {line}"
    );
}

/// Login works after a failed one; a bad (empty) password gives InvalidLogin; logout ends
/// the session.
pub async fn login_and_bad_password(url: &str, user: &str, pass: &str) {
    bad_password_is_rejected(url, user, EMPTY_PASSWORD).await;
    let c = connect(url).await;
    assert!(c.login(user, EMPTY_PASSWORD).await.is_err());
    let session = c.login(user, pass).await.expect("login");
    assert_eq!(session.user_name, user);
    assert!(c.session_cookie().is_some(), "no session cookie");
    let sm = c
        .service_content()
        .session_manager
        .clone()
        .expect("session manager");
    let _ = sm;
    c.logout().await.expect("logout");
    // After logout, reads fail with NotAuthenticated (no credentials left to renew with).
    let root = c.service_content().root_folder.clone();
    match c.object_properties(&root, &["name"]).await {
        Err(Error::Fault(Fault::NotAuthenticated { .. })) => {}
        other => panic!("read after logout gave {other:?}"),
    }
}

/// The VMs below the root folder with name, power state, uuid, VMX path and devices.
pub struct VmRow {
    pub obj: ManagedObjectReference,
    pub name: String,
    pub power: VirtualMachinePowerState,
    pub uuid: String,
    pub vmx: String,
    pub devices: Vec<AnyVirtualDevice>,
}

/// Lists every VM with name, power state, uuid, VMX path and devices, checking each.
pub async fn every_vm_with_details(url: &str, user: &str, pass: &str) -> Vec<VmRow> {
    let c = login(url, user, pass).await;
    let root = c.service_content().root_folder.clone();
    let props = [
        "name",
        "runtime.powerState",
        "config.uuid",
        "config.files.vmPathName",
        "config.hardware.device",
    ];
    let objects = c
        .retrieve_objects(&root, "VirtualMachine", &props, 0)
        .collect_all()
        .await
        .expect("retrieve VMs");
    assert!(!objects.is_empty(), "no VMs");
    let mut rows = Vec::new();
    for mut o in objects {
        assert_eq!(o.obj.type_, "VirtualMachine");
        let name: String = o.take_as("name").expect("name");
        let power: VirtualMachinePowerState = o.take_as("runtime.powerState").expect("power state");
        let uuid: String = o.take_as("config.uuid").expect("uuid");
        let vmx: String = o.take_as("config.files.vmPathName").expect("vmx path");
        let devices: Vec<AnyVirtualDevice> = o.take_as("config.hardware.device").expect("devices");
        assert!(!name.is_empty());
        assert!(
            !matches!(power, VirtualMachinePowerState::Other(_)),
            "power state {power:?}"
        );
        assert_eq!(uuid.len(), 36, "uuid {uuid}");
        assert!(
            vmx.starts_with('[') && vmx.ends_with(".vmx"),
            "vmx path {vmx}"
        );
        assert!(!devices.is_empty(), "{name} has no devices");
        assert!(
            devices
                .iter()
                .any(|d| matches!(d, AnyVirtualDevice::VirtualDisk(_))),
            "{name} has no disk: {:?}",
            devices.iter().map(|d| d.type_name()).collect::<Vec<_>>()
        );
        for d in &devices {
            if let AnyVirtualDevice::VirtualDisk(disk) = d {
                let backing = disk.backing.as_ref().expect("disk backing");
                let file = backing
                    .as_virtual_device_file_backing_info()
                    .expect("file backing");
                assert!(
                    file.file_name.ends_with(".vmdk"),
                    "disk file {}",
                    file.file_name
                );
            }
        }
        rows.push(VmRow {
            obj: o.obj,
            name,
            power,
            uuid,
            vmx,
            devices,
        });
    }
    rows
}

async fn power_state(c: &Client, vm: &ManagedObjectReference) -> VirtualMachinePowerState {
    let mut o = c
        .object_properties(vm, &["runtime.powerState"])
        .await
        .expect("power state");
    o.take_as("runtime.powerState").expect("power state value")
}

/// Powers a running VM off and on again through tasks.
pub async fn power_off_and_on(url: &str, user: &str, pass: &str) {
    let rows = every_vm_with_details(url, user, pass).await;
    let vm = rows
        .iter()
        .find(|r| r.power == VirtualMachinePowerState::PoweredOn)
        .expect("a powered-on VM")
        .obj
        .clone();
    let c = login(url, user, pass).await;
    let policy = QuestionPolicy { auto_answer: false };
    assert!(!c
        .check_question(&vm, &policy)
        .await
        .expect("question check"));
    let task = c.power_off_vm_task(&vm).await.expect("PowerOffVM_Task");
    assert_eq!(task.type_, "Task");
    c.wait_for_task(&task, &policy).await.expect("power off");
    assert_eq!(
        power_state(&c, &vm).await,
        VirtualMachinePowerState::PoweredOff
    );
    // Powering off again fails with InvalidPowerState, as a task error.
    let task = c.power_off_vm_task(&vm).await;
    let err = match task {
        Ok(t) => c
            .wait_for_task(&t, &policy)
            .await
            .expect_err("second power off"),
        Err(e) => e,
    };
    assert!(
        matches!(err, Error::Fault(Fault::InvalidPowerState { .. })),
        "{err}"
    );
    let task = c.power_on_vm_task(&vm, None).await.expect("PowerOnVM_Task");
    let result = c
        .wait_for_task_on(&task, Some(&vm), &policy)
        .await
        .expect("power on");
    let _ = result;
    assert_eq!(
        power_state(&c, &vm).await,
        VirtualMachinePowerState::PoweredOn
    );
}

/// Paged retrieval of every VM, `page` per page: each VM exactly once; returns the count.
pub async fn paged_retrieval_each_once(url: &str, user: &str, pass: &str, page: u32) -> usize {
    let c = login(url, user, pass).await;
    let root = c.service_content().root_folder.clone();
    let before = c.request_count();
    let mut pages = c.retrieve_objects(&root, "VirtualMachine", &["name"], page);
    let mut seen = HashSet::new();
    let mut npages = 0u64;
    while let Some(p) = pages.next_page().await.expect("page") {
        npages += 1;
        // A server may return more than asked (govmomi's simulator ignores maxObjects).
        for o in p {
            assert!(
                o.get("name").and_then(Value::as_str).is_some(),
                "no name for {}",
                o.obj
            );
            assert!(seen.insert(o.obj.value.clone()), "{} returned twice", o.obj);
        }
    }
    assert_eq!(c.request_count() - before, npages, "one request per page");
    seen.len()
}

/// A missing managed object gives ManagedObjectNotFound, in one clear line.
pub async fn missing_object_fault(url: &str, user: &str, pass: &str) {
    let c = login(url, user, pass).await;
    let vm = ManagedObjectReference::new("VirtualMachine", "vm-does-not-exist-42");
    match c.object_properties(&vm, &["name"]).await {
        Err(Error::Fault(f @ Fault::ManagedObjectNotFound { .. })) => {
            let line = f.to_string();
            assert!(line.starts_with("ManagedObjectNotFound"), "{line}");
            assert!(!line.contains('\n'));
        }
        other => panic!("missing object gave {other:?}"),
    }
    match c.power_on_vm_task(&vm, None).await {
        Err(Error::Fault(Fault::ManagedObjectNotFound { .. })) => {}
        other => panic!("PowerOn of a missing VM gave {other:?}"),
    }
}

/// An expired (here: forged) session cookie is renewed transparently on a read, and a
/// saved session resumes without any request.
pub async fn expired_session_is_renewed(url: &str, user: &str, pass: &str) {
    let c = login(url, user, pass).await;
    let saved = c.saved_session().expect("saved session");
    let mut cfg = ClientConfig::new(url);
    cfg.no_verify = true;
    let resumed = Client::resume(cfg.clone(), saved).expect("resume");
    let root = resumed.service_content().root_folder.clone();
    resumed
        .object_properties(&root, &["name"])
        .await
        .expect("read on resumed session");
    assert_eq!(
        resumed.request_count(),
        1,
        "a resumed session needs one request for one read"
    );

    let mut forged = c.saved_session().expect("saved session");
    forged.cookie = "vmware_soap_session=\"forged-session-key\"".into();
    let stale = Client::resume(cfg, forged).expect("resume");
    stale.set_credentials(user, pass);
    stale
        .object_properties(&root, &["name"])
        .await
        .expect("read renews the session");
    assert_eq!(stale.request_count(), 3, "failed read, login, retried read");
}

/// The name of the first object of type `ty` below `root`.
async fn first_name(c: &Client, root: &ManagedObjectReference, ty: &str) -> String {
    let objects = c
        .retrieve_objects(root, ty, &["name"], 0)
        .collect_all()
        .await
        .unwrap_or_else(|e| panic!("{ty} objects: {e}"));
    objects
        .first()
        .and_then(|o| o.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("a {ty} with a name"))
        .to_string()
}

/// Uploads a file to the first datastore over HTTP (`/folder/...`) and downloads it back.
pub async fn datastore_file_round_trip(url: &str, user: &str, pass: &str) {
    let c = login(url, user, pass).await;
    let root = c.service_content().root_folder.clone();
    let dc_name = first_name(&c, &root, "Datacenter").await;
    let ds_name = first_name(&c, &root, "Datastore").await;
    let path = esxvirt_vi::datastore_file_path("esxvirt-vi-suite.txt", &dc_name, &ds_name);
    let data = bytes::Bytes::from_static(b"esxvirt vi suite\n");
    c.put_file(&path, data.clone())
        .await
        .unwrap_or_else(|e| panic!("PUT {path}: {e}"));
    let back = c
        .get_file(&path)
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    assert_eq!(back, data);
    let missing =
        esxvirt_vi::datastore_file_path("no-such-dir/no-such-file.vmx", &dc_name, &ds_name);
    match c.get_file(&missing).await {
        Err(Error::Http { status: 404, .. }) => {}
        other => panic!("GET of a missing file gave {other:?}"),
    }
}

/// A ContainerView over the root folder lists the same VMs as the traversal; SearchIndex
/// finds a VM by its uuid and a datacenter by name below the root folder.
pub async fn container_view_and_search_index(url: &str, user: &str, pass: &str) {
    let c = login(url, user, pass).await;
    let root = c.service_content().root_folder.clone();
    let by_traversal: HashSet<String> = c
        .retrieve_objects(&root, "VirtualMachine", &["name"], 0)
        .collect_all()
        .await
        .expect("traversal")
        .into_iter()
        .map(|o| o.obj.value)
        .collect();
    let by_view: HashSet<String> = c
        .container_view_objects(&root, "VirtualMachine", &["name"], true, 0)
        .await
        .expect("container view")
        .into_iter()
        .map(|o| o.obj.value)
        .collect();
    assert_eq!(by_traversal, by_view);

    let mut vm = c
        .retrieve_objects(&root, "VirtualMachine", &["config.uuid"], 0)
        .collect_all()
        .await
        .expect("uuids")
        .into_iter()
        .next()
        .expect("a VM");
    let uuid: String = vm.take_as("config.uuid").expect("uuid");
    let found = c
        .find_by_uuid(None, &uuid, true, None)
        .await
        .expect("FindByUuid");
    assert_eq!(found.as_ref().map(|m| &m.value), Some(&vm.obj.value));
    let none = c
        .find_by_uuid(None, "00000000-0000-0000-0000-000000000000", true, None)
        .await
        .expect("FindByUuid");
    assert!(none.is_none());

    let dc_name = first_name(&c, &root, "Datacenter").await;
    let child = c.find_child(&root, &dc_name).await.expect("FindChild");
    assert_eq!(child.map(|m| m.type_).as_deref(), Some("Datacenter"));
}

/// ReconfigVM_Task with strings that need escaping reads back unchanged; a snapshot is
/// created (its moref is the task's result), shows in the snapshot tree, and is removed.
pub async fn reconfigure_and_snapshot(url: &str, user: &str, pass: &str) {
    let c = login(url, user, pass).await;
    let root = c.service_content().root_folder.clone();
    let vm = c
        .retrieve_objects(&root, "VirtualMachine", &["name"], 0)
        .collect_all()
        .await
        .expect("VMs")
        .into_iter()
        .next()
        .expect("a VM")
        .obj;
    let policy = QuestionPolicy { auto_answer: false };
    let note = "esxvirt <test> & \"quotes\" 'apostrophes' ]]> \u{e9}\u{4e2d}";
    let spec = esxvirt_vi::VirtualMachineConfigSpec {
        annotation: Some(note.into()),
        ..Default::default()
    };
    let task = c
        .reconfig_vm_task(&vm, &spec)
        .await
        .expect("ReconfigVM_Task");
    c.wait_for_task(&task, &policy).await.expect("reconfigure");
    let mut o = c
        .object_properties(&vm, &["config.annotation"])
        .await
        .expect("annotation");
    assert_eq!(
        o.take_as::<String>("config.annotation").as_deref(),
        Some(note)
    );

    let task = c
        .create_snapshot_task(
            &vm,
            "suite <snap> & co",
            Some("made by the vi suite"),
            false,
            false,
        )
        .await
        .expect("CreateSnapshot_Task");
    let result = c.wait_for_task(&task, &policy).await.expect("snapshot");
    let snap = result
        .as_moref()
        .cloned()
        .expect("the task's result is the snapshot");
    assert_eq!(snap.type_, "VirtualMachineSnapshot");
    let mut o = c
        .object_properties(&vm, &["snapshot"])
        .await
        .expect("snapshot info");
    let info: esxvirt_vi::VirtualMachineSnapshotInfo =
        o.take_as("snapshot").expect("snapshot info value");
    fn find<'t>(
        list: &'t [esxvirt_vi::VirtualMachineSnapshotTree],
        m: &ManagedObjectReference,
    ) -> Option<&'t esxvirt_vi::VirtualMachineSnapshotTree> {
        list.iter().find_map(|t| {
            if t.snapshot.value == m.value {
                Some(t)
            } else {
                find(&t.child_snapshot_list, m)
            }
        })
    }
    let node = find(&info.root_snapshot_list, &snap).expect("the snapshot is in the tree");
    assert_eq!(node.name, "suite <snap> & co");
    assert_eq!(
        info.current_snapshot.as_ref().map(|m| &m.value),
        Some(&snap.value)
    );
    let task = c
        .remove_snapshot_task(&snap, false, None)
        .await
        .expect("RemoveSnapshot_Task");
    c.wait_for_task(&task, &policy)
        .await
        .expect("remove snapshot");
    match c.object_properties(&snap, &["config"]).await {
        Err(Error::Fault(Fault::ManagedObjectNotFound { .. })) => {}
        other => panic!("removed snapshot still there: {other:?}"),
    }
}

/// Every check above (the paged one with small pages over whatever inventory there is).
pub async fn run_all(url: &str, user: &str, pass: &str) {
    service_content_and_about(url).await;
    login_and_bad_password(url, user, pass).await;
    every_vm_with_details(url, user, pass).await;
    power_off_and_on(url, user, pass).await;
    let n = paged_retrieval_each_once(url, user, pass, 2).await;
    assert!(n >= 1);
    missing_object_fault(url, user, pass).await;
    expired_session_is_renewed(url, user, pass).await;
    datastore_file_round_trip(url, user, pass).await;
    container_view_and_search_index(url, user, pass).await;
    reconfigure_and_snapshot(url, user, pass).await;
}
