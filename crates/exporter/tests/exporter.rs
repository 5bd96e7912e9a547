//! The exporter binary against esxsim (in-process, http, on a loopback port of its own):
//! a real Prometheus scraping it finds every simulated VM; promtool accepts the output;
//! a stopped or hanging target is reported down and recovers by itself; changes arrive as
//! property-collector updates (no re-read); an expired session is renewed.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::*;
use esxvirt_vi::{Client, ClientConfig, ManagedObjectReference, QuestionPolicy};

/// The VMs of the simulator as its own property collector lists them: (name, uuid).
fn sim_vms(rt: &tokio::runtime::Runtime, sdk: &str) -> BTreeSet<(String, String)> {
    rt.block_on(async {
        let c = Client::connect(ClientConfig::new(sdk)).await.unwrap();
        c.login("root", "password").await.unwrap();
        let root = c.service_content().root_folder.clone();
        let objs = c
            .container_view_objects(
                &root,
                "VirtualMachine",
                &["name", "config.uuid"],
                true,
                1000,
            )
            .await
            .unwrap();
        let _ = c.close().await;
        objs.into_iter()
            .map(|o| {
                let name = o.get("name").and_then(|v| v.as_str()).unwrap().to_string();
                let uuid = o
                    .get("config.uuid")
                    .and_then(|v| v.as_str())
                    .unwrap()
                    .to_string();
                (name, uuid)
            })
            .collect()
    })
}

/// A logged-in client of the simulator (for changes the exporter must notice).
fn sim_client(rt: &tokio::runtime::Runtime, sdk: &str) -> Client {
    rt.block_on(async {
        let c = Client::connect(ClientConfig::new(sdk)).await.unwrap();
        c.login("root", "password").await.unwrap();
        c
    })
}

fn uri_of(sim: &esxvirt_sim::RunningSim) -> String {
    format!("vpx://127.0.0.1:{}/?transport=http", sim.addr().port())
}

fn up_line(uri: &str) -> String {
    format!("esxvirt_up{{target=\"{uri}\"}} ")
}

#[test]
fn prometheus_finds_a_series_for_every_simulated_vm() {
    let rt = runtime();
    let sim = start_sim(&rt, "127.0.0.1:0".parse().unwrap(), 3, 4);
    let expected = sim_vms(&rt, &sim.sdk_url());
    assert_eq!(expected.len(), 12);
    let dir = TempDir::new("prom");
    let uri = uri_of(&sim);
    let (_exporter, addr) = start_exporter(dir.path(), &["-c", &uri, "--interval", "1"]);
    let (_prom, prom) = start_prometheus(dir.path(), addr);
    let selector = format!("libvirt_domain_info_virtual_cpus{{target=\"{uri}\"}}");
    let mut found = BTreeSet::new();
    let complete = wait_until(Duration::from_secs(120), || {
        found = query(prom, &selector)
            .iter()
            .map(|r| {
                let m = &r["metric"];
                (
                    m["domain"].as_str().unwrap_or_default().to_string(),
                    m["uuid"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        found.len() >= expected.len()
    });
    assert!(
        complete,
        "Prometheus has {} of {} VMs; exporter log:\n{}",
        found.len(),
        expected.len(),
        exporter_log(dir.path())
    );
    assert_eq!(found, expected);
    // Every series has the placement labels, and the target is up.
    let vstate = query(
        prom,
        &format!("libvirt_domain_info_vstate{{target=\"{uri}\"}}"),
    );
    assert_eq!(vstate.len(), expected.len());
    for r in &vstate {
        let m = &r["metric"];
        assert!(m["host"].as_str().is_some_and(|h| !h.is_empty()), "{m}");
        assert!(
            m["datacenter"].as_str().is_some_and(|h| !h.is_empty()),
            "{m}"
        );
        assert!(m["cluster"].is_string(), "{m}");
    }
    let up = query(prom, &format!("esxvirt_up{{target=\"{uri}\"}}"));
    assert_eq!(up.len(), 1);
    assert_eq!(up[0]["value"][1].as_str(), Some("1"));
    let hosts = query(
        prom,
        &format!("esxvirt_host_cpu_capacity_hertz{{target=\"{uri}\"}}"),
    );
    assert_eq!(hosts.len(), 3);
    rt.block_on(sim.shutdown());
}

#[test]
fn promtool_accepts_the_metrics() {
    let rt = runtime();
    let sim = start_sim(&rt, "127.0.0.1:0".parse().unwrap(), 2, 3);
    let dir = TempDir::new("promtool");
    let uri = uri_of(&sim);
    let (_exporter, addr) = start_exporter(dir.path(), &["-c", &uri, "--interval", "1"]);
    let mut text = String::new();
    // Up, and the running VMs' CPU time sampled.
    let ready = wait_until(Duration::from_secs(60), || {
        text = scrape(addr);
        sample(&text, &up_line(&uri)) == Some(1.0)
            && text.contains("libvirt_domain_info_cpu_time_seconds_total{")
    });
    assert!(ready, "{text}\n{}", exporter_log(dir.path()));
    let mut child = std::process::Command::new(promtool_path())
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "promtool: {said}");
    assert_eq!(said.trim(), "", "promtool found problems");
    // The families in one response: HELP and TYPE once each.
    let helps = text.lines().filter(|l| l.starts_with("# HELP ")).count();
    let types = text.lines().filter(|l| l.starts_with("# TYPE ")).count();
    assert_eq!(helps, types);
    assert!(helps > 20, "{helps} families");
    rt.block_on(sim.shutdown());
}

#[test]
fn a_stopped_target_is_down_and_recovers_after_a_restart() {
    let rt = runtime();
    let sim = start_sim(&rt, "127.0.0.1:0".parse().unwrap(), 2, 2);
    let at = sim.addr();
    let dir = TempDir::new("restart");
    let uri = uri_of(&sim);
    let (mut exporter, addr) = start_exporter(dir.path(), &["-c", &uri, "--interval", "1"]);
    let up = |want: f64| {
        let mut text = String::new();
        let ok = wait_until(Duration::from_secs(30), || {
            text = scrape(addr);
            sample(&text, &up_line(&uri)) == Some(want)
        });
        (ok, text)
    };
    let (ok, text) = up(1.0);
    assert!(ok, "never up: {text}\n{}", exporter_log(dir.path()));
    assert!(text.contains("libvirt_domain_info_vstate{"));
    rt.block_on(sim.shutdown());
    let (ok, text) = up(0.0);
    assert!(ok, "still up after the simulator stopped: {text}");
    // Down means no stale samples, and the failure is counted.
    assert!(!text.contains("libvirt_domain_info_vstate{"), "{text}");
    let errors = format!("esxvirt_collection_errors_total{{target=\"{uri}\"}} ");
    assert!(sample(&text, &errors).unwrap_or(0.0) >= 1.0, "{text}");
    // Still serving while the target is gone.
    std::thread::sleep(Duration::from_secs(2));
    assert!(sample(&scrape(addr), &up_line(&uri)) == Some(0.0));
    let sim = start_sim(&rt, at, 2, 2);
    let (ok, text) = up(1.0);
    assert!(ok, "not back up: {text}\n{}", exporter_log(dir.path()));
    let back = wait_until(Duration::from_secs(30), || {
        scrape(addr).contains("libvirt_domain_info_vstate{")
    });
    assert!(back);
    assert!(
        exporter.0.try_wait().unwrap().is_none(),
        "the exporter ended"
    );
    assert!(!exporter_log(dir.path()).contains("panicked"));
    rt.block_on(sim.shutdown());
}

#[test]
fn a_hanging_target_is_down_until_it_answers_again() {
    let rt = runtime();
    let sim = start_sim(&rt, "127.0.0.1:0".parse().unwrap(), 1, 2);
    let dir = TempDir::new("hang");
    let uri = uri_of(&sim);
    let (_exporter, addr) = start_exporter(dir.path(), &["-c", &uri, "--interval", "1"]);
    let up_is = |want: f64| {
        wait_until(Duration::from_secs(30), || {
            sample(&scrape(addr), &up_line(&uri)) == Some(want)
        })
    };
    assert!(up_is(1.0), "{}", exporter_log(dir.path()));
    // The next poll takes 5 s to answer: the collection is overdue after one interval.
    sim.inject(esxvirt_sim::Injection {
        method: Some("WaitForUpdatesEx".into()),
        action: esxvirt_sim::Action::Latency { ms: 5000 },
        count: Some(1),
    });
    assert!(up_is(0.0), "a hanging target stays up");
    assert!(up_is(1.0), "not up once the target answers");
    rt.block_on(sim.shutdown());
}

#[test]
fn changes_arrive_as_updates_and_an_expired_session_is_renewed() {
    let rt = runtime();
    let sim = start_sim(&rt, "127.0.0.1:0".parse().unwrap(), 1, 3);
    let dir = TempDir::new("updates");
    let uri = uri_of(&sim);
    let (_exporter, addr) = start_exporter(dir.path(), &["-c", &uri, "--interval", "1"]);
    let collections = format!("esxvirt_collections_total{{target=\"{uri}\"}} ");
    let at_least = |n: f64| {
        wait_until(Duration::from_secs(30), || {
            sample(&scrape(addr), &collections).unwrap_or(0.0) >= n
        })
    };
    assert!(at_least(2.0), "{}", exporter_log(dir.path()));
    // Steady state: only WaitForUpdatesEx (and QueryPerf when a sample is due).
    sim.reset_stats();
    let before = sample(&scrape(addr), &collections).unwrap_or(0.0);
    assert!(at_least(before + 3.0));
    let stats = sim.stats();
    for (method, n) in &stats.methods {
        assert!(
            method == "WaitForUpdatesEx" || method == "QueryPerf",
            "{method} sent {n} times in steady state: {:?}",
            stats.methods
        );
    }
    assert!(stats.method("WaitForUpdatesEx") >= 3);
    // A change made elsewhere arrives: a running VM powered off, a snapshot taken.
    let (name, _) = sim_vms(&rt, &sim.sdk_url()).into_iter().next().unwrap();
    let client = sim_client(&rt, &sim.sdk_url());
    let vm: ManagedObjectReference = rt.block_on(async {
        let root = client.service_content().root_folder.clone();
        let objs = client
            .container_view_objects(&root, "VirtualMachine", &["name"], true, 100)
            .await
            .unwrap();
        objs.into_iter()
            .find(|o| o.get("name").and_then(|v| v.as_str()) == Some(name.as_str()))
            .unwrap()
            .obj
    });
    rt.block_on(async {
        let policy = QuestionPolicy { auto_answer: false };
        let t = client
            .create_snapshot_task(&vm, "before", None, false, false)
            .await
            .unwrap();
        client.wait_for_task(&t, &policy).await.unwrap();
    });
    let line = format!("esxvirt_vm_snapshots{{domain=\"{name}\",");
    let seen = wait_until(Duration::from_secs(30), || {
        sample(&scrape(addr), &line) == Some(1.0)
    });
    assert!(seen, "{}", scrape(addr));
    let text = scrape(addr);
    let oldest = format!("esxvirt_vm_snapshot_oldest_timestamp_seconds{{domain=\"{name}\",");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let t = sample(&text, &oldest).unwrap();
    assert!((now - t).abs() < 3600.0, "snapshot time {t}, now {now}");
    // All sessions end: the exporter logs in again and goes on.
    let errors = format!("esxvirt_collection_errors_total{{target=\"{uri}\"}} ");
    let before = sample(&scrape(addr), &collections).unwrap_or(0.0);
    sim.expire_sessions();
    assert!(at_least(before + 3.0), "{}", exporter_log(dir.path()));
    let text = scrape(addr);
    assert_eq!(sample(&text, &up_line(&uri)), Some(1.0), "{text}");
    assert!(sample(&text, &line) == Some(1.0), "{text}");
    assert!(sample(&text, &errors).is_some());
    let _ = rt.block_on(client.close());
    rt.block_on(sim.shutdown());
}

#[test]
fn a_host_path_and_an_esx_host_cover_their_own_objects() {
    let rt = runtime();
    let vc = start_sim_with(&rt, esxvirt_sim::InventorySource::DefaultVCenter);
    let esx = start_sim_with(&rt, esxvirt_sim::InventorySource::DefaultEsx);
    let one_host = format!(
        "vpx://127.0.0.1:{}/dc1/cluster1/esx-01.example.com?transport=http",
        vc.addr().port()
    );
    let host = format!("esx://127.0.0.1:{}/?transport=http", esx.addr().port());
    let dir = TempDir::new("scopes");
    let (_exporter, addr) = start_exporter(
        dir.path(),
        &["-c", &one_host, "-c", &host, "--interval", "1"],
    );
    let mut text = String::new();
    let ready = wait_until(Duration::from_secs(30), || {
        text = scrape(addr);
        sample(&text, &up_line(&one_host)) == Some(1.0)
            && sample(&text, &up_line(&host)) == Some(1.0)
    });
    assert!(ready, "{text}\n{}", exporter_log(dir.path()));
    let objects = |target: &str, ty: &str| {
        sample(
            &text,
            &format!("esxvirt_objects{{target=\"{target}\",type=\"{ty}\"}} "),
        )
    };
    // The host path: that host, its VMs and its datastores only.
    assert_eq!(objects(&one_host, "host"), Some(1.0));
    let esx01_vms = sim_vms_on(&rt, &vc.sdk_url(), "esx-01.example.com");
    assert_eq!(objects(&one_host, "vm"), Some(esx01_vms as f64));
    assert!(text.contains(&format!(
        "esxvirt_host_cpu_cores{{host=\"esx-01.example.com\",cluster=\"cluster1\",datacenter=\"dc1\",target=\"{one_host}\"}} "
    )));
    // The ESX host: everything it has, in its one datacenter, no cluster.
    assert_eq!(objects(&host, "host"), Some(1.0));
    assert_eq!(
        objects(&host, "vm"),
        Some(sim_vms(&rt, &esx.sdk_url()).len() as f64)
    );
    assert!(text.contains(&format!(
        "cluster=\"\",datacenter=\"ha-datacenter\",target=\"{host}\"}}"
    )));
    rt.block_on(vc.shutdown());
    rt.block_on(esx.shutdown());
}

/// How many VMs the simulator has on the host named `host`.
fn sim_vms_on(rt: &tokio::runtime::Runtime, sdk: &str, host: &str) -> usize {
    rt.block_on(async {
        let c = Client::connect(ClientConfig::new(sdk)).await.unwrap();
        c.login("root", "password").await.unwrap();
        let root = c.service_content().root_folder.clone();
        let hosts = c
            .container_view_objects(&root, "HostSystem", &["name", "vm"], true, 100)
            .await
            .unwrap();
        let _ = c.close().await;
        let h = hosts
            .iter()
            .find(|o| o.get("name").and_then(|v| v.as_str()) == Some(host))
            .unwrap();
        match h.get("vm") {
            Some(esxvirt_vi::Value::ArrayOfManagedObjectReference(v)) => v.len(),
            other => panic!("vm of {host}: {other:?}"),
        }
    })
}
