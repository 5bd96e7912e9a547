//! Fuzzes the simulator's request path: arbitrary bytes go through the SOAP envelope parser
//! (`soap::parse_request`, the `Element` tree) and, when they make a request, through the
//! dispatcher and the called method's argument decoding, in a logged-in session, against a
//! fresh copy of the default ESX host and of the default vCenter (`offline::Offline`, the
//! server's path without HTTP). An input may hold several requests separated by
//! `<!--next-->`, run in order on the same copy, so one call can act on what another made.
//!
//! A panic, stack overflow, hang or out-of-memory is a bug; faults are expected. Every
//! answer must be 200 or 500 and well-formed XML (a client must be able to read it).
//! `WaitForUpdates(Ex)` are only parsed: without a change they wait, by design.

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use esxvirt_sim::inventory::World;
use esxvirt_sim::offline::Offline;
use esxvirt_sim::soap::{parse_request, Element};
use esxvirt_sim::SimConfig;
use libfuzzer_sys::fuzz_target;

struct Fixture {
    rt: tokio::runtime::Runtime,
    worlds: [World; 2],
    config: SimConfig,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        // The datastores' files: ESXSIM_FUZZ_DIR, else a directory of this process.
        let base = std::env::var_os("ESXSIM_FUZZ_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                std::env::temp_dir().join(format!("esxsim-fuzz-{}", std::process::id()))
            });
        let esx = World::default_esx(&base.join("esx")).expect("the default ESX world");
        let vcenter =
            World::default_vcenter(&base.join("vcenter")).expect("the default vCenter world");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a runtime");
        Fixture {
            rt,
            worlds: [esx, vcenter],
            config: SimConfig::default(),
        }
    })
}

/// Separates the requests of one input.
const NEXT: &[u8] = b"<!--next-->";

/// The requests of one input (at most 4).
fn requests(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while out.len() < 3 {
        match rest.windows(NEXT.len()).position(|w| w == NEXT) {
            Some(i) => {
                out.push(&rest[..i]);
                rest = &rest[i + NEXT.len()..];
            }
            None => break,
        }
    }
    out.push(rest);
    out
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let calls = requests(data);
    // Parsed first: long polls would wait for a change that never comes.
    for body in &calls {
        if let Ok(req) = parse_request(body) {
            if req.method.starts_with("WaitForUpdates") {
                return;
            }
        }
    }
    for pristine in &f.worlds {
        let mut world = pristine.clone();
        // Files a previous input deleted come back, so inputs stay independent.
        let _ = world.materialize();
        let sim = Offline::new(&f.config, Box::new(world));
        let key = sim.login("root", "password").ok();
        for body in &calls {
            let (status, answer) = f.rt.block_on(sim.handle(body, key.as_deref()));
            assert!(status == 200 || status == 500, "status {status}: {answer}");
            if let Err(e) = Element::parse(answer.as_bytes()) {
                panic!("the answer is not well-formed XML ({e}): {answer}");
            }
        }
    }
});
