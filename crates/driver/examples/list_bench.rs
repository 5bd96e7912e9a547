//! Lists every domain of a generated esxsim host and prints the time and requests taken:
//! `cargo run --release -p esxvirt-driver --example list_bench -- 1000`.

use std::time::Instant;

use esxvirt_driver::{Connection, OpenOptions};
use esxvirt_sim::{InventorySource, SimConfig, Simulator, Tls};

fn main() {
    let vms: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let sim = rt
        .block_on(Simulator::start(SimConfig {
            inventory: InventorySource::Generate {
                vcenter: false,
                hosts: 1,
                vms_per_host: vms,
            },
            tls: Tls::Off,
            ..SimConfig::default()
        }))
        .expect("esxsim");
    let uri = format!("esx://root@{}/?transport=http", sim.addr());
    struct Pw;
    impl esxvirt_driver::AuthCallback for Pw {
        fn request(&self, _: &esxvirt_driver::CredentialRequest) -> Result<Option<String>, String> {
            Ok(Some("password".into()))
        }
    }
    let opts = OpenOptions {
        auth: Some(std::sync::Arc::new(Pw)),
        ..Default::default()
    };
    let t = Instant::now();
    let conn = Connection::open(&uri, &opts).expect("open");
    let all = conn.list_all_domains(0).expect("list");
    let listed = t.elapsed();
    let list_requests = conn.request_count();
    let name = all[all.len() / 2].get_name().to_string();
    let t2 = Instant::now();
    let d = conn.domain_lookup_by_name(&name).expect("lookup");
    d.get_info().expect("info");
    println!(
        "{} VMs: open+list {:?} ({} requests), dominfo {:?}, total requests {}",
        all.len(),
        listed,
        list_requests,
        t2.elapsed(),
        conn.request_count()
    );
    rt.block_on(sim.shutdown());
}
