//! Shared by the integration tests: esxsim on a loopback port, credentials, options and the
//! domain/snapshot walk run against every simulator.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use esxvirt_driver::{
    flags, AuthCallback, Connection, CredentialRequest, DomainState, OpenOptions,
};
use esxvirt_sim::{InventorySource, RunningSim, SimConfig, Simulator, Tls};

/// A fresh, empty directory of this test process's own.
pub fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("esxvirt-driver-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// esxsim on a loopback port and the runtime serving it; shut down when dropped.
pub struct Sim {
    sim: Option<RunningSim>,
    pub rt: tokio::runtime::Runtime,
    /// The URI query that reaches it: `no_verify=1` over TLS, `transport=http` without.
    query: &'static str,
}

impl Sim {
    /// `inventory` over TLS (a self-signed certificate) or plain HTTP.
    pub fn start(inventory: InventorySource, tls: bool) -> Sim {
        Sim::start_in(inventory, tls, None)
    }

    /// As [`Sim::start`], with the datastores in `files_dir` when given.
    pub fn start_in(inventory: InventorySource, tls: bool, files_dir: Option<PathBuf>) -> Sim {
        Sim::start_with(SimConfig {
            inventory,
            tls: if tls { Tls::SelfSigned } else { Tls::Off },
            files_dir,
            ..SimConfig::default()
        })
    }

    pub fn start_with(config: SimConfig) -> Sim {
        let query = match config.tls {
            Tls::Off => "transport=http",
            _ => "no_verify=1",
        };
        let rt = esxvirt_testkit::runtime();
        let sim = rt
            .block_on(Simulator::start(config))
            .expect("esxsim starts");
        Sim {
            sim: Some(sim),
            rt,
            query,
        }
    }

    pub fn sim(&self) -> &RunningSim {
        self.sim.as_ref().expect("running")
    }

    pub fn addr(&self) -> String {
        self.sim().addr().to_string()
    }

    pub fn esx(&self) -> String {
        format!("esx://root@{}/?{}", self.addr(), self.query)
    }

    /// vpx:// to esx-01 of the default vCenter inventory.
    pub fn vpx(&self) -> String {
        self.vpx_path("dc1/cluster1/esx-01.example.com")
    }

    /// A vpx:// URI naming `path` (libvirt's rules: it must name one host).
    pub fn vpx_path(&self, path: &str) -> String {
        format!("vpx://root@{}/{path}?{}", self.addr(), self.query)
    }

    pub fn stop(&mut self) {
        if let Some(s) = self.sim.take() {
            self.rt.block_on(s.shutdown());
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Answers prompts with a fixed user and password.
pub struct Pass(pub &'static str, pub &'static str);
impl AuthCallback for Pass {
    fn request(&self, r: &CredentialRequest) -> Result<Option<String>, String> {
        Ok(Some(match r {
            CredentialRequest::Username { .. } => self.0.into(),
            CredentialRequest::Password { .. } => self.1.into(),
        }))
    }
}

/// Options without the session cache, answering prompts with `user`/`password`.
pub fn options(user: &'static str, password: &'static str) -> OpenOptions {
    OpenOptions {
        auth: Some(Arc::new(Pass(user, password))),
        session_cache: false,
        ..Default::default()
    }
}

/// As [`options`] for root/password, with the session cache kept in `dir`.
pub fn cached_options(dir: &Path) -> OpenOptions {
    OpenOptions {
        session_cache: true,
        session_cache_dir: Some(dir.to_path_buf()),
        ..options("root", "password")
    }
}

/// The names of the domains the connection lists (`virConnectListAllDomains` without flags).
pub fn domain_names(conn: &Connection) -> BTreeSet<String> {
    conn.list_all_domains(0)
        .expect("list")
        .iter()
        .map(|d| d.get_name().to_string())
        .collect()
}

/// list --all, dominfo, dumpxml, destroy, start, snapshot-create-as, snapshot-list on one
/// connection.
pub fn exercise(conn: &Connection) {
    let all = conn.list_all_domains(0).expect("list all domains");
    assert!(!all.is_empty(), "vcsim has VMs");
    let names: Vec<String> = all.iter().map(|d| d.get_name().to_string()).collect();
    let first = names[0].clone();

    let dom = conn.domain_lookup_by_name(&first).expect("lookup by name");
    assert_eq!(dom.get_name(), first);
    let again = conn
        .domain_lookup_by_uuid_string(&dom.get_uuid_string())
        .expect("lookup by uuid");
    assert_eq!(again.get_name(), first);

    let info = dom.get_info().expect("dominfo");
    assert!(info.max_mem > 0 && info.nr_virt_cpu > 0, "{info:?}");

    let xml = dom.get_xml_desc(0).expect("dumpxml");
    assert!(xml.starts_with("<domain type='vmware'"), "{xml}");
    assert!(
        xml.contains(&format!("<uuid>{}</uuid>", dom.get_uuid_string())),
        "{xml}"
    );

    if info.state != DomainState::Shutoff {
        dom.destroy(0).expect("destroy");
    }
    let (state, _) = dom.get_state(0).expect("domstate");
    assert_eq!(state, DomainState::Shutoff);
    assert_eq!(dom.get_id(), None);
    let inactive = conn
        .list_all_domains(flags::list_domains::INACTIVE)
        .expect("list inactive");
    assert!(inactive.iter().any(|d| d.get_name() == first));

    dom.create(0).expect("start");
    let (state, _) = dom.get_state(0).expect("domstate");
    assert_eq!(state, DomainState::Running);
    let dom = conn
        .domain_lookup_by_name(&first)
        .expect("lookup after start");
    let id = dom.get_id().expect("a running domain has an ID");
    let by_id = conn.domain_lookup_by_id(id as i32).expect("lookup by id");
    assert_eq!(by_id.get_name(), first);

    let snap = dom
        .snapshot_create_xml(
            "<domainsnapshot><name>snap1</name><description>first</description></domainsnapshot>",
            0,
        )
        .expect("snapshot-create-as");
    assert_eq!(snap.get_name(), "snap1");
    dom.snapshot_create_xml("<domainsnapshot><name>snap2</name></domainsnapshot>", 0)
        .expect("second snapshot");
    let list = dom.snapshot_list_names(0).expect("snapshot-list");
    assert_eq!(list, ["snap1", "snap2"]);
    let roots = dom
        .snapshot_list_names(flags::snapshot_list::ROOTS)
        .expect("snapshot-list --roots");
    assert_eq!(roots, ["snap1"]);
    let current = dom.snapshot_current(0).expect("snapshot-current");
    assert_eq!(current.get_name(), "snap2");
    assert_eq!(current.get_parent(0).expect("parent").get_name(), "snap1");
    let sx = current.get_xml_desc(0).expect("snapshot-dumpxml");
    assert!(
        sx.contains("<name>snap2</name>") && sx.contains("<parent>"),
        "{sx}"
    );
    let dup = dom
        .snapshot_create_xml("<domainsnapshot><name>snap1</name></domainsnapshot>", 0)
        .unwrap_err();
    assert_eq!(
        dup.to_string(),
        "Requested operation is not valid: Snapshot 'snap1' already exists"
    );

    let missing = conn.domain_lookup_by_name("no-such-vm").unwrap_err();
    assert_eq!(
        missing.to_string(),
        "Domain not found: Could not find domain with name 'no-such-vm'"
    );
}
