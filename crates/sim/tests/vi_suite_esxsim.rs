//! The vi layer's acceptance suite (crates/vi/tests/suite, written against govmomi's
//! simulator) run unchanged against esxsim: ESX and vCenter, https and http, and paged
//! retrieval of 1,000 VMs.

#[path = "../../vi/tests/suite/mod.rs"]
mod suite;

use esxvirt_sim::{
    InventorySource, RunningSim, SimConfig, Simulator, Tls, DEFAULT_PASSWORD, DEFAULT_USER,
};

async fn start(tls: bool, inventory: InventorySource) -> (RunningSim, String) {
    let sim = Simulator::start(SimConfig {
        tls: if tls { Tls::SelfSigned } else { Tls::Off },
        inventory,
        ..SimConfig::default()
    })
    .await
    .expect("esxsim starts");
    let url = sim.sdk_url();
    (sim, url)
}

async fn full_suite(tls: bool, inventory: InventorySource, api_type: &str) {
    let (sim, url) = start(tls, inventory).await;
    assert_eq!(suite::service_content_and_about(&url).await, api_type);
    suite::run_all(&url, DEFAULT_USER, DEFAULT_PASSWORD).await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vi_suite_esx_https() {
    full_suite(true, InventorySource::DefaultEsx, "HostAgent").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vi_suite_esx_http() {
    full_suite(false, InventorySource::DefaultEsx, "HostAgent").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vi_suite_vcenter_https() {
    full_suite(true, InventorySource::DefaultVCenter, "VirtualCenter").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vi_suite_vcenter_http() {
    full_suite(false, InventorySource::DefaultVCenter, "VirtualCenter").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vi_suite_paged_retrieval_of_1000_vms() {
    let (sim, url) = start(
        true,
        InventorySource::Generate {
            vcenter: true,
            hosts: 10,
            vms_per_host: 100,
        },
    )
    .await;
    let n = suite::paged_retrieval_each_once(&url, DEFAULT_USER, DEFAULT_PASSWORD, 100).await;
    assert_eq!(n, 1000);
    // esxsim honours maxObjects: ten pages of 100, one request each (plus the login's).
    assert_eq!(sim.stats().method("RetrievePropertiesEx"), 1);
    assert_eq!(sim.stats().method("ContinueRetrievePropertiesEx"), 9);
    sim.shutdown().await;
}
