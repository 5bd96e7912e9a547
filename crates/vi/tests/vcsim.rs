//! Acceptance tests against govmomi's simulator (vcsim), ESX and vCenter modes, over
//! https (certificates not verified) and http. They fail when vcsim cannot be started.

mod suite;

use esxvirt_testkit::{Vcsim, VcsimMode};

const USER: &str = "user";
const PASS: &str = "pass";

fn base_url(sim: &Vcsim, tls: bool) -> String {
    format!("{}://{}/sdk", if tls { "https" } else { "http" }, sim.addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vcsim_esx_https_suite() {
    let sim = Vcsim::start(VcsimMode::Esx, true);
    let url = base_url(&sim, true);
    assert_eq!(suite::service_content_and_about(&url).await, "HostAgent");
    suite::run_all(&url, USER, PASS).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vcsim_esx_http_suite() {
    let sim = Vcsim::start(VcsimMode::Esx, false);
    let url = base_url(&sim, false);
    assert_eq!(suite::service_content_and_about(&url).await, "HostAgent");
    suite::run_all(&url, USER, PASS).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vcsim_vcenter_https_suite() {
    let sim = Vcsim::start(VcsimMode::VCenter { hosts: 2, vms: 3 }, true);
    let url = base_url(&sim, true);
    assert_eq!(
        suite::service_content_and_about(&url).await,
        "VirtualCenter"
    );
    suite::run_all(&url, USER, PASS).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vcsim_vcenter_http_suite() {
    let sim = Vcsim::start(VcsimMode::VCenter { hosts: 2, vms: 3 }, false);
    let url = base_url(&sim, false);
    assert_eq!(
        suite::service_content_and_about(&url).await,
        "VirtualCenter"
    );
    suite::run_all(&url, USER, PASS).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vcsim_vcenter_paged_retrieval_of_1000_vms() {
    let sim = Vcsim::start(
        VcsimMode::VCenter {
            hosts: 10,
            vms: 100,
        },
        true,
    );
    let url = base_url(&sim, true);
    let n = suite::paged_retrieval_each_once(&url, USER, PASS, 100).await;
    assert!(n >= 1000, "only {n} VMs");
}
