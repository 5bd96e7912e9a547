//! Differential tests (issue 5): the same command through Debian's virsh (libvirt's C ESX
//! driver) and through esxvirt, against the same esxsim, compared byte for byte (stdout,
//! stderr, exit status).
//!
//! Documented exceptions: snapshot creation times (`Creation Time`, `<creationTime>`) are
//! masked where the two tools' snapshots were taken on separate simulators, since they record
//! when each was taken; and the line esxvirt adds to `domifaddr`'s refusal of a source the
//! ESX driver lacks (naming `--source agent`) is left out (tests/errors.rs checks it).

mod common;

use std::path::Path;

use common::*;
use esxvirt_sim::InventorySource;

/// Why esxvirt may answer a command differently from virsh.
#[derive(Clone, Copy, Debug)]
enum Why {
    /// The driver has not reached libvirt's behaviour yet; the entry goes when it does.
    Gap(&'static str),
    /// libvirt 9.0 is plainly wrong here (not merely different): esxvirt does what libvirt
    /// means, and the reason says what libvirt does instead.
    LibvirtWrong(&'static str),
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Why::Gap(r) => write!(f, "driver gap: {r}"),
            Why::LibvirtWrong(r) => write!(f, "libvirt 9.0 is wrong: {r}"),
        }
    }
}

/// A command's words, for the table's matchers.
struct Words<'a>(&'a [&'a str]);

impl Words<'_> {
    /// The command name (the first word that is no option).
    fn command(&self) -> &str {
        self.0
            .iter()
            .find(|a| !a.starts_with('-'))
            .copied()
            .unwrap_or("")
    }
    fn has(&self, word: &str) -> bool {
        self.0.contains(&word)
    }
}

/// One known difference: which commands it covers, and why.
struct Known {
    covers: fn(&Words<'_>) -> bool,
    why: Why,
}

/// The known differences between virsh and esxvirt on the default simulator: listed with
/// the reason, reported on stderr, and not failed, so every other comparison stays strict
/// (the report says when an entry matches again).
const KNOWN: &[Known] = &[
    Known {
        covers: |w| w.command() == "iface-list",
        why: Why::LibvirtWrong(
            "its virInterfaceLookupByName looks the name up among the MAC addresses, so virsh's \
             iface-list (which looks each listed name up) shows no interface; esxvirt lists the vmnics",
        ),
    },
    Known {
        covers: |w| {
            matches!(w.command(), "iface-dumpxml" | "iface-mac")
                && w.0.iter().any(|a| a.starts_with("vmnic"))
        },
        why: Why::LibvirtWrong(
            "the lookup by name treats the name as a MAC address, so 'iface-dumpxml vmnic0' \
             fails right after iface-list named vmnic0; esxvirt finds the NIC by its name",
        ),
    },
    Known {
        covers: |w| w.command() == "snapshot-list" && (w.has("--no-leaves") || w.has("--topological")),
        why: Why::Gap("libvirt rejects these flags in esxDomainSnapshotNum"),
    },
    Known {
        covers: |w| w.command() == "domifaddr" && w.has("agent"),
        why: Why::Gap("libvirt names a guest NIC after its network ('VM Network')"),
    },
    Known {
        covers: |w| w.0.first() == Some(&"-r") && !matches!(w.0.get(1), Some(&"list") | Some(&"dominfo")),
        why: Why::Gap("read-only refusals are 'operation forbidden: read only access prevents virXxx' in libvirt"),
    },
];

/// Why `args` may differ, by `table`.
fn known_in(table: &[Known], args: &[&str]) -> Option<Why> {
    let w = Words(args);
    table.iter().find(|k| (k.covers)(&w)).map(|k| k.why)
}

/// Why `args` may differ on the default simulator.
fn known_gap(args: &[&str]) -> Option<Why> {
    known_in(KNOWN, args)
}

/// Lines esxvirt adds to virsh's errors to say what to do (documented exceptions): left
/// out of the comparison, and checked where they are tested.
fn without_hints(mut seen: Seen) -> Seen {
    let hint = format!(
        "error: {}\n",
        esxvirt_cli::commands::monitor::DOMIFADDR_HINT
    );
    seen.stderr = seen.stderr.replace(&hint, "");
    seen
}

/// Runs both tools with `args` on `uri` and returns a mismatch report, if any.
fn differ(uri: &str, auth: &Path, args: &[&str]) -> Option<String> {
    let v = Seen::of(&virsh(uri, auth, args));
    let e = without_hints(Seen::of(&esxvirt(uri, auth, args)));
    (v != e).then(|| {
        format!(
            "=== {args:?}\n--- virsh (status {:?})\nstdout:\n{}\nstderr:\n{}\n--- esxvirt (status {:?})\nstdout:\n{}\nstderr:\n{}",
            v.status, v.stdout, v.stderr, e.status, e.stdout, e.stderr
        )
    })
}

fn check_all(sim: &Sim, commands: &[Vec<String>]) {
    check_all_at(&sim.uri(), &sim.auth_file(), commands);
}

/// As [`check_all`], on `uri`.
fn check_all_at(uri: &str, auth: &Path, commands: &[Vec<String>]) {
    check_all_known(uri, auth, commands, KNOWN);
}

/// As [`check_all_at`], with the known differences of `table`.
fn check_all_known(uri: &str, auth: &Path, commands: &[Vec<String>], table: &[Known]) {
    let mut failures = Vec::new();
    for c in commands {
        let args: Vec<&str> = c.iter().map(String::as_str).collect();
        let diff = differ(uri, auth, &args);
        match (diff, known_in(table, &args)) {
            (Some(f), None) => failures.push(f),
            (Some(_), Some(why)) => eprintln!("known gap {args:?}: {why}"),
            (None, Some(why)) => eprintln!("now matches (remove the known gap?) {args:?}: {why}"),
            (None, None) => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} commands differ:\n{}",
        failures.len(),
        commands.len(),
        failures.join("\n")
    );
}

fn cmd(words: &[&str]) -> Vec<String> {
    words.iter().map(|s| s.to_string()).collect()
}

/// Defines the special-name VMs and a snapshot tree with virsh (the reference).
fn populate(sim: &Sim) {
    let auth = sim.auth_file();
    for (i, name) in SPECIAL_NAMES.iter().enumerate() {
        let uuid = format!("11111111-2222-3333-4444-{:012}", i + 1);
        let file = sim.write(
            &format!("special{i}.xml"),
            &domain_xml(name, &format!("special{i}"), &uuid),
        );
        let out = virsh(&sim.uri(), &auth, &["define", file.to_str().expect("path")]);
        assert!(
            out.status.success(),
            "virsh define {name}: {}",
            text(&out.stderr)
        );
    }
    for step in [
        vec![
            "snapshot-create-as",
            "web01",
            "base",
            "--description",
            "first one",
        ],
        vec!["snapshot-create-as", "web01", "child"],
        vec!["snapshot-revert", "web01", "base"],
        vec!["snapshot-create-as", "web01", "sibling"],
    ] {
        let out = virsh(&sim.uri(), &auth, &step);
        assert!(
            out.status.success(),
            "virsh {step:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn read_commands_match_virsh() {
    let sim = Sim::start();
    populate(&sim);
    let auth = sim.auth_file();
    let db01_uuid = text(&virsh(&sim.uri(), &auth, &["domuuid", "db01"]).stdout)
        .trim()
        .to_string();
    let mut commands = vec![
        cmd(&["uri"]),
        cmd(&["hostname"]),
        cmd(&["version"]),
        cmd(&["nodeinfo"]),
        cmd(&["capabilities"]),
        cmd(&["freecell"]),
        cmd(&["freecell", "--all"]),
        cmd(&["maxvcpus"]),
        cmd(&["list"]),
        cmd(&["list", "--all"]),
        cmd(&["list", "--inactive"]),
        cmd(&["list", "--all", "--name"]),
        cmd(&["list", "--all", "--uuid"]),
        cmd(&["list", "--all", "--id"]),
        cmd(&["list", "--all", "--uuid", "--name"]),
        cmd(&["list", "--all", "--table"]),
        cmd(&["list", "--state-running"]),
        cmd(&["list", "--state-paused"]),
        cmd(&["list", "--state-shutoff"]),
        cmd(&["list", "--all", "--managed-save"]),
        cmd(&["list", "--all", "--with-snapshot"]),
        cmd(&["list", "--all", "--without-snapshot"]),
        cmd(&["list", "--all", "--autostart"]),
        cmd(&["list", "--all", "--persistent"]),
        cmd(&["list", "--all", "--title"]),
        cmd(&["-q", "list", "--all"]),
        cmd(&["list", "--table", "--name"]),
        cmd(&["dominfo", "1"]),
        cmd(&["dominfo", &db01_uuid]),
        cmd(&["domid", "web01"]),
        cmd(&["domid", "db01"]),
        cmd(&["domname", "1"]),
        cmd(&["domname", &db01_uuid]),
        cmd(&["domuuid", "db01"]),
        cmd(&["domuuid", "1"]),
        cmd(&["net-list"]),
        cmd(&["net-list", "--all"]),
        cmd(&["net-list", "--all", "--name"]),
        cmd(&["net-list", "--all", "--uuid"]),
        cmd(&["iface-list"]),
        cmd(&["iface-list", "--all"]),
        cmd(&["pool-list"]),
        cmd(&["pool-list", "--all"]),
        cmd(&["pool-list", "--all", "--details"]),
        cmd(&["pool-list", "--name"]),
        cmd(&["pool-list", "--uuid"]),
        cmd(&["dominfo", "no-such-vm"]),
        cmd(&["domstate", "no-such-vm"]),
        cmd(&["start", "no-such-vm"]),
        cmd(&["snapshot-list", "no-such-vm"]),
        cmd(&["net-info", "no-such-net"]),
        cmd(&["pool-info", "no-such-pool"]),
        cmd(&["dominfo"]),
        cmd(&["list", "--bogus"]),
        cmd(&["no-such-command"]),
        cmd(&["dominfo", "web01", "extra"]),
        cmd(&["-q", "dominfo", "web01"]),
        cmd(&["-q", "snapshot-list", "web01"]),
        cmd(&["-q", "net-list", "--all"]),
        cmd(&["-q", "pool-list", "--all", "--details"]),
        cmd(&["--quiet", "list", "--all", "--name"]),
        cmd(&["version", "--daemon"]),
        cmd(&["freecell", "--cellno", "0"]),
        cmd(&["freecell", "--all", "--cellno", "0"]),
        cmd(&["maxvcpus", "--type", "vmware"]),
        cmd(&["vcpucount", "web01", "--maximum", "--config"]),
        cmd(&["vcpucount", "db01", "--active", "--live"]),
        cmd(&["vcpucount", "web01", "--live", "--config"]),
        cmd(&["vcpucount", "web01", "--guest"]),
        cmd(&["vcpucount", "db01", "--guest"]),
        cmd(&["vcpucount", "web01", "--guest", "--live"]),
        cmd(&["vcpucount", "web01", "--guest", "--config"]),
        cmd(&["vcpucount", "web01", "--config"]),
        cmd(&["vcpucount", "web01", "--active", "--config"]),
        cmd(&["vcpucount", "web01", "--maximum"]),
        cmd(&["vcpucount", "web01", "--active"]),
        cmd(&["vcpucount", "web01", "--current", "--live"]),
        cmd(&["vcpucount", "db01", "--live"]),
        cmd(&["vcpucount", "db01", "--config"]),
        cmd(&["vcpucount", "db01", "--maximum", "--config"]),
        cmd(&["vcpucount", "db01", "--maximum", "--current"]),
        cmd(&["domifaddr", "web01", "--source", "lease"]),
        cmd(&["domifaddr", "web01", "--source", "arp"]),
        cmd(&["domifaddr", "web01", "--source", "agent"]),
        cmd(&["domifaddr", "web01", "--source", "bogus"]),
        cmd(&["domhostname", "web01", "--source", "agent"]),
        cmd(&["schedinfo", "web01", "--config"]),
        cmd(&["schedinfo", "web01", "--live", "--config"]),
        cmd(&["dumpxml", "web01", "--migratable"]),
        cmd(&["snapshot-info", "web01"]),
        cmd(&["snapshot-parent", "web01"]),
        cmd(&["snapshot-info", "web01", "base", "--current"]),
        cmd(&["list", "--all", "--state-other"]),
        cmd(&["net-list", "--name", "--uuid"]),
        cmd(&["pool-list", "--details", "--name"]),
        cmd(&["pool-list", "--type", "bogus"]),
        cmd(&["pool-list", "--all", "--type", "fs,netfs"]),
        cmd(&["-r", "list", "--all"]),
        cmd(&["-r", "dominfo", "web01"]),
        cmd(&["-r", "start", "db01"]),
        cmd(&["-r", "autostart", "db01"]),
        cmd(&["-r", "snapshot-create-as", "web01", "ro"]),
    ];
    // The conversions through the host: its datastores resolve the file names.
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/sample.vmx");
    let sample = sample.to_string_lossy().into_owned();
    commands.push(cmd(&["domxml-from-native", "vmware-vmx", &sample]));
    let vmx = sim.write(
        "small.vmx",
        "config.version = \"8\"\nvirtualHW.version = \"8\"\ndisplayName = \"a%2fb\"\nmemsize = \"512\"\nnumvcpus = \"1\"\nscsi0.present = \"true\"\nscsi0.virtualDev = \"lsilogic\"\nscsi0:0.present = \"true\"\nscsi0:0.deviceType = \"scsi-hardDisk\"\nscsi0:0.fileName = \"/vmfs/volumes/datastore1/web01/web01.vmdk\"\nide1:0.present = \"true\"\nide1:0.deviceType = \"cdrom-image\"\nide1:0.fileName = \"/vmfs/volumes/missing/x.iso\"\n",
    );
    commands.push(cmd(&[
        "domxml-from-native",
        "vmware-vmx",
        &vmx.to_string_lossy(),
    ]));
    commands.push(cmd(&[
        "domxml-from-native",
        "qemu-argv",
        &vmx.to_string_lossy(),
    ]));
    let xml = sim.write(
        "small.xml",
        &domain_xml("conv test", "conv", "11111111-2222-3333-4444-999999999999"),
    );
    commands.push(cmd(&[
        "domxml-to-native",
        "vmware-vmx",
        &xml.to_string_lossy(),
    ]));
    commands.push(cmd(&[
        "domxml-to-native",
        "vmware-vmx",
        "--xml",
        &xml.to_string_lossy(),
    ]));
    let mut domains: Vec<String> = ["web01", "win2019", "db01"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    domains.extend(SPECIAL_NAMES.iter().map(|s| s.to_string()));
    for d in &domains {
        let d = d.as_str();
        for c in [
            vec!["dominfo", d],
            vec!["domstate", d],
            vec!["domstate", d, "--reason"],
            vec!["domid", d],
            vec!["domuuid", d],
            vec!["dumpxml", d],
            vec!["dumpxml", d, "--inactive"],
            vec!["dumpxml", "--domain", d, "--security-info"],
            // --xpath: libxml2's node dump (double quotes, re-indented, namespaces first).
            vec!["dumpxml", d, "--xpath", "/"],
            vec!["dumpxml", d, "--xpath", "//disk|//name", "--wrap"],
            vec!["dumpxml", d, "--xpath", "//@type"],
            vec!["dumpxml", d, "--xpath", "/domain/name/text()"],
            vec!["domxml-to-native", "vmware-vmx", "--domain", d],
            vec!["vcpucount", d],
            vec!["vcpucount", d, "--maximum", "--live"],
            vec!["vcpucount", d, "--current"],
            vec!["schedinfo", d],
            vec!["memtune", d],
            vec!["domifaddr", d],
            vec!["domhostname", d],
            vec!["snapshot-list", d],
            vec!["snapshot-current", d],
            vec!["snapshot-current", d, "--name"],
        ] {
            commands.push(cmd(&c));
        }
    }
    for c in [
        vec!["snapshot-list", "web01", "--parent"],
        vec!["snapshot-list", "web01", "--roots"],
        vec!["snapshot-list", "web01", "--leaves"],
        vec!["snapshot-list", "web01", "--no-leaves"],
        vec!["snapshot-list", "web01", "--name"],
        vec!["snapshot-list", "web01", "--tree"],
        vec!["snapshot-list", "web01", "--from", "base"],
        vec!["snapshot-list", "web01", "--from", "base", "--descendants"],
        vec!["snapshot-list", "web01", "--current"],
        vec!["snapshot-list", "web01", "--topological"],
        vec!["snapshot-list", "web01", "--from", "base", "--tree"],
        vec!["snapshot-info", "web01", "base"],
        vec!["snapshot-info", "web01", "--snapshotname", "child"],
        vec!["snapshot-info", "web01", "--current"],
        vec!["snapshot-info", "web01", "nosuch"],
        vec!["snapshot-dumpxml", "web01", "base"],
        vec!["snapshot-dumpxml", "web01", "child"],
        vec![
            "snapshot-dumpxml",
            "web01",
            "child",
            "--xpath",
            "//parent",
            "--wrap",
        ],
        vec![
            "dumpxml",
            "web01",
            "--xpath",
            "//*[local-name()='datacenterpath']",
        ],
        vec!["dumpxml", "web01", "--xpath", "//vmware:datacenterpath"],
        vec!["dumpxml", "web01", "--xpath", "string(/domain/name)"],
        vec!["dumpxml", "web01", "--xpath", "//@type", "--wrap"],
        vec!["dumpxml", "web01", "--xpath", "//nothing", "--wrap"],
        vec![
            "dumpxml",
            "web01",
            "--xpath",
            "//description/text()|//os",
            "--wrap",
        ],
        vec!["snapshot-parent", "web01", "child"],
        vec!["snapshot-parent", "web01", "base"],
        vec!["snapshot-parent", "web01", "--current"],
        vec!["snapshot-current", "web01", "--name"],
    ] {
        commands.push(cmd(&c));
    }
    // Networks, interfaces, pools and volumes as the simulator lists them.
    let names = |args: &[&str]| -> Vec<String> {
        text(&virsh(&sim.uri(), &auth, args).stdout)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    };
    for n in names(&["net-list", "--all", "--name"]) {
        let uuid = text(&virsh(&sim.uri(), &auth, &["net-uuid", &n]).stdout)
            .trim()
            .to_string();
        for c in [
            vec!["net-info", n.as_str()],
            vec!["net-dumpxml", n.as_str()],
            vec!["net-dumpxml", n.as_str(), "--xpath", "//portgroup"],
            vec!["net-uuid", n.as_str()],
            vec!["net-name", uuid.as_str()],
            vec!["net-info", uuid.as_str()],
        ] {
            commands.push(cmd(&c));
        }
    }
    // virsh lists no interface (see KNOWN): the names come from esxvirt, the MAC addresses
    // it reports are checked by virsh's lookup by MAC.
    let ifaces: Vec<String> = text(&esxvirt(&sim.uri(), &auth, &["iface-list", "--all"]).stdout)
        .lines()
        .skip(2)
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    assert!(!ifaces.is_empty(), "esxvirt lists the host's NICs");
    for i in &ifaces {
        let mac = text(&esxvirt(&sim.uri(), &auth, &["iface-mac", i]).stdout)
            .trim()
            .to_string();
        for c in [
            vec!["iface-dumpxml", i.as_str()],
            vec!["iface-dumpxml", i.as_str(), "--xpath", "/interface/@name"],
            vec!["iface-mac", i.as_str()],
            vec!["iface-name", mac.as_str()],
            vec!["iface-dumpxml", mac.as_str()],
        ] {
            commands.push(cmd(&c));
        }
    }
    for p in names(&["pool-list", "--all", "--name"]) {
        for c in [
            vec!["pool-info", p.as_str()],
            vec!["pool-info", p.as_str(), "--bytes"],
            vec!["pool-dumpxml", p.as_str()],
            vec![
                "pool-dumpxml",
                p.as_str(),
                "--xpath",
                "//capacity|//target",
                "--wrap",
            ],
            vec!["pool-uuid", p.as_str()],
            vec!["vol-list", p.as_str()],
            vec!["vol-list", p.as_str(), "--details"],
        ] {
            commands.push(cmd(&c));
        }
        let uuid = text(&virsh(&sim.uri(), &auth, &["pool-uuid", &p]).stdout)
            .trim()
            .to_string();
        commands.push(cmd(&["pool-name", &uuid]));
        for line in names(&["vol-list", &p]).into_iter().skip(2) {
            let Some(vol) = line.split_whitespace().next().map(str::to_string) else {
                continue;
            };
            let path = text(&virsh(&sim.uri(), &auth, &["vol-path", &vol, "--pool", &p]).stdout)
                .trim()
                .to_string();
            let key = text(&virsh(&sim.uri(), &auth, &["vol-key", &vol, "--pool", &p]).stdout)
                .trim()
                .to_string();
            for c in [
                vec!["vol-info", vol.as_str(), "--pool", p.as_str()],
                vec!["vol-info", vol.as_str(), p.as_str(), "--bytes"],
                vec!["vol-dumpxml", vol.as_str(), "--pool", p.as_str()],
                vec![
                    "vol-dumpxml",
                    vol.as_str(),
                    "--pool",
                    p.as_str(),
                    "--xpath",
                    "/volume/target",
                ],
                vec!["vol-path", vol.as_str(), "--pool", p.as_str()],
                vec!["vol-key", vol.as_str(), "--pool", p.as_str()],
                vec!["vol-name", path.as_str()],
                vec!["vol-pool", path.as_str()],
                vec!["vol-pool", path.as_str(), "--uuid"],
                vec!["vol-info", path.as_str()],
                vec!["vol-name", key.as_str()],
                vec!["vol-pool", key.as_str()],
            ] {
                commands.push(cmd(&c));
            }
        }
    }
    // Volumes that are not there: a missing folder fails the datastore search, a missing
    // file in a folder is not found, a missing datastore is not found either.
    for c in [
        vec!["vol-info", "[datastore1] nope/nope.vmdk"],
        vec!["vol-info", "[datastore1] tiny/nope.vmdk"],
        vec!["vol-name", "[nope] x.vmdk"],
        vec!["vol-name", "00000000-0000-0000-0000-000000000000"],
        vec!["vol-info", "--pool", "datastore1", "nope/nope.vmdk"],
        vec!["vol-path", "--pool", "datastore1", "tiny/nope.vmdk"],
        vec!["vol-key", "--pool", "datastore1", "tiny/nope.txt"],
    ] {
        commands.push(cmd(&c));
    }
    check_all(&sim, &commands);
}

/// Two VMs sharing a BIOS UUID: db01 is given web01's (as a copy registered again keeps
/// it). libvirt 9.0 looks the domain up again by UUID for every call, so for db01 virsh
/// reports web01's state, sizes and XML, and `destroy db01` powers web01 off; a lookup by
/// the UUID takes whichever VM the search index names first. esxvirt keeps each domain
/// its own VM and refuses the ambiguous UUID with an error naming both.
const SHARED_UUID: &[Known] = &[
    Known {
        covers: |w| {
            (w.has("db01") && matches!(w.command(), "dominfo" | "domstate" | "dumpxml" | "destroy"))
                || (w.command() == "list" && !w.has("--uuid") && !w.has("--name"))
        },
        why: Why::LibvirtWrong(
            "a domain is looked up again by UUID for each call: virsh reads (and destroys) \
             web01 when told db01, and lists db01 with web01's state",
        ),
    },
    Known {
        covers: |w| w.0.iter().any(|a| a.len() == 36),
        why: Why::LibvirtWrong(
            "FindByUuid's first VM is taken without a word; esxvirt refuses the ambiguous \
             UUID, naming both domains",
        ),
    },
];

/// The default ESX world with db01 given web01's BIOS UUID, written to `dir`.
fn shared_uuid_world(dir: &Path) -> (std::path::PathBuf, String) {
    let mut world =
        esxvirt_sim::inventory::World::default_esx(&dir.join("files")).expect("default world");
    let uuid = world
        .vms
        .values()
        .find(|v| v.config.name == "web01")
        .map(|v| v.config.uuid.clone())
        .expect("web01");
    for vm in world.vms.values_mut() {
        if vm.config.name == "db01" {
            vm.config.uuid = uuid.clone();
        }
    }
    let path = dir.join("world.json");
    std::fs::write(&path, world.to_json()).expect("write inventory");
    (path, uuid)
}

#[test]
fn shared_uuid_domains_stay_apart() {
    let dir = std::env::temp_dir().join(format!("esxvirt-diff-uuid-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let (world, uuid) = shared_uuid_world(&dir);
    let sim = Sim::start_with(InventorySource::File(world.clone()));
    let auth = sim.auth_file();
    let mut commands = Vec::new();
    for c in [
        vec!["list", "--all"],
        vec!["list", "--all", "--uuid"],
        vec!["dominfo", "web01"],
        vec!["dominfo", "db01"],
        vec!["domstate", "db01"],
        vec!["domuuid", "db01"],
        vec!["dumpxml", "db01"],
        vec!["dominfo", &uuid],
        vec!["domname", &uuid],
    ] {
        commands.push(cmd(&c));
    }
    check_all_known(&sim.uri(), &auth, &commands, SHARED_UUID);
    // What esxvirt answers, exactly.
    let e = Seen::of(&esxvirt(&sim.uri(), &auth, &["domstate", "db01"]));
    assert_eq!(e.stdout, "shut off\n\n");
    let e = Seen::of(&esxvirt(&sim.uri(), &auth, &["dominfo", &uuid]));
    assert_eq!(
        e.stderr,
        format!(
            "error: failed to get domain '{uuid}'\nerror: multiple matching domains found: Domains 'db01' and 'web01' share UUID '{uuid}': look the domain up by name\n"
        )
    );
    assert_eq!(e.status, Some(1));
    drop(sim);

    // destroy db01 (shut off): virsh powers web01 off, esxvirt refuses and leaves it running.
    let a = Sim::start_with(InventorySource::File(world.clone()));
    let b = Sim::start_with(InventorySource::File(world));
    let v = Seen::of(&virsh(&a.uri(), &a.auth_file(), &["destroy", "db01"]));
    let e = Seen::of(&esxvirt(&b.uri(), &b.auth_file(), &["destroy", "db01"]));
    let why = known_in(SHARED_UUID, &["destroy", "db01"]).expect("listed");
    if v == e {
        eprintln!("now matches (remove the known gap?) destroy db01: {why}");
    } else {
        eprintln!("known gap [\"destroy\", \"db01\"]: {why}");
    }
    assert_eq!(e.status, Some(1), "{e:?}");
    assert!(e.stderr.contains("Domain is not powered on"), "{e:?}");
    let web01 = Seen::of(&virsh(&b.uri(), &b.auth_file(), &["domstate", "web01"]));
    assert_eq!(web01.stdout, "running\n\n");
    drop((a, b));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A VM whose .vmx declares windows-1252 and holds a byte that code page lacks: libvirt
/// reads it up to that byte and libxml2 prints `encoding error : ...` on virsh's stderr;
/// esxvirt prints the same line, and the same XML.
#[test]
fn dumpxml_of_a_vmx_cut_short_by_its_encoding() {
    let files = std::env::temp_dir().join(format!("esxvirt-diff-enc-{}", std::process::id()));
    let sim = Sim::start_in(InventorySource::DefaultEsx, &files);
    let vmx = files.join("datastore1/db01/db01.vmx");
    let text = std::fs::read(&vmx).expect("db01.vmx");
    let text = String::from_utf8(text).expect("UTF-8 as written");
    assert!(text.starts_with(".encoding = \"UTF-8\"\n"), "{text}");
    let mut bytes = text
        .replacen(".encoding = \"UTF-8\"", ".encoding = \"windows-1252\"", 1)
        .replacen(
            "displayName = \"db01\"",
            "displayName = \"db01\"\nannotation = \"caf\u{1}\"",
            1,
        )
        .into_bytes();
    // "café" in windows-1252, and a trailing comment with 0x81 (undefined there).
    let at = bytes
        .windows(4)
        .position(|w| w == b"caf\x01")
        .expect("annotation");
    bytes[at + 3] = 0xe9;
    bytes.extend_from_slice(b"# \x81 not in windows-1252\n");
    std::fs::write(&vmx, bytes).expect("rewrite db01.vmx");
    let auth = sim.auth_file();
    let mut failures = Vec::new();
    for args in [
        vec!["dumpxml", "db01"],
        vec!["domxml-to-native", "vmware-vmx", "--domain", "db01"],
    ] {
        let v = Seen::of(&virsh(&sim.uri(), &auth, &args));
        let e = Seen::of(&esxvirt(&sim.uri(), &auth, &args));
        assert!(
            v.stderr.starts_with(
                "encoding error : input conversion failed due to input error, bytes 0x81"
            ),
            "virsh: {v:?}"
        );
        if v != e {
            failures.push(format!("{args:?}\n--- virsh\n{v:?}\n--- esxvirt\n{e:?}"));
        }
    }
    let dumped = Seen::of(&esxvirt(&sim.uri(), &auth, &["dumpxml", "db01"]));
    assert!(
        dumped.stdout.contains("<description>café</description>"),
        "{dumped:?}"
    );
    drop(sim);
    let _ = std::fs::remove_dir_all(&files);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A state-changing command: each tool runs `setup` (through virsh) and then `command` on
/// a fresh simulator of its own; the outputs must match, and so must what `checks` (run
/// through virsh on both simulators) show afterwards.
fn changes_match(setup: &[Vec<String>], command: &[&str], checks: &[Vec<&str>]) -> Option<String> {
    let a = Sim::start();
    let b = Sim::start();
    for s in setup {
        let args: Vec<&str> = s.iter().map(String::as_str).collect();
        for sim in [&a, &b] {
            let out = virsh(&sim.uri(), &sim.auth_file(), &args);
            assert!(
                out.status.success(),
                "setup {args:?}: {}",
                text(&out.stderr)
            );
        }
    }
    let v = Seen::of(&virsh(&a.uri(), &a.auth_file(), command)).without_times();
    let e = Seen::of(&esxvirt(&b.uri(), &b.auth_file(), command)).without_times();
    let mut report = String::new();
    if v != e {
        report.push_str(&format!(
            "=== {command:?}\n--- virsh {:?}\n{}{}--- esxvirt {:?}\n{}{}",
            v.status, v.stdout, v.stderr, e.status, e.stdout, e.stderr
        ));
    }
    for c in checks {
        let va = Seen::of(&virsh(&a.uri(), &a.auth_file(), c)).without_times();
        let vb = Seen::of(&virsh(&b.uri(), &b.auth_file(), c)).without_times();
        if va != vb {
            report.push_str(&format!(
                "=== after {command:?}, {c:?} differs\n--- after virsh\n{}{}--- after esxvirt\n{}{}",
                va.stdout, va.stderr, vb.stdout, vb.stderr
            ));
        }
    }
    (!report.is_empty()).then_some(report)
}

/// Setup commands, the command compared, and the checks run afterwards.
type Case = (Vec<Vec<String>>, Vec<String>, Vec<Vec<String>>);

#[test]
fn state_changes_match_virsh() {
    let xml_dir = std::env::temp_dir().join(format!("esxvirt-diff-{}", std::process::id()));
    std::fs::create_dir_all(&xml_dir).expect("dir");
    let mut defs = Vec::new();
    for (i, name) in SPECIAL_NAMES.iter().enumerate() {
        let p = xml_dir.join(format!("def{i}.xml"));
        let uuid = format!("aaaaaaaa-2222-3333-4444-{:012}", i + 1);
        std::fs::write(&p, domain_xml(name, &format!("def{i}"), &uuid)).expect("write");
        defs.push((name.to_string(), p.to_string_lossy().into_owned()));
    }
    let snap = |args: &[&str]| args.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut cases: Vec<Case> = vec![
        (
            vec![],
            snap(&["start", "db01"]),
            vec![snap(&["list", "--all"])],
        ),
        (
            vec![],
            snap(&["start", "web01"]),
            vec![snap(&["list", "--all"])],
        ),
        (
            vec![],
            snap(&["destroy", "web01"]),
            vec![snap(&["list", "--all"])],
        ),
        (vec![], snap(&["destroy", "db01"]), vec![]),
        (vec![], snap(&["shutdown", "web01"]), vec![]),
        (
            vec![],
            snap(&["shutdown", "web01", "--mode", "acpi"]),
            vec![],
        ),
        (vec![], snap(&["reboot", "web01"]), vec![]),
        (
            vec![],
            snap(&["suspend", "web01"]),
            vec![snap(&["list", "--all"])],
        ),
        (
            vec![],
            snap(&["resume", "win2019"]),
            vec![snap(&["list", "--all"])],
        ),
        (vec![], snap(&["resume", "web01"]), vec![]),
        (
            vec![],
            snap(&["setmem", "db01", "1G"]),
            vec![snap(&["dominfo", "db01"])],
        ),
        (
            vec![],
            snap(&["setmem", "db01", "1G", "--config"]),
            vec![snap(&["dominfo", "db01"])],
        ),
        (
            vec![],
            snap(&["setmaxmem", "db01", "4G"]),
            vec![snap(&["dominfo", "db01"])],
        ),
        (
            vec![],
            snap(&["setmaxmem", "db01", "4G", "--config"]),
            vec![],
        ),
        (
            vec![],
            snap(&["setvcpus", "db01", "4"]),
            vec![snap(&["dominfo", "db01"])],
        ),
        (vec![], snap(&["setvcpus", "db01", "0"]), vec![]),
        (
            vec![],
            snap(&["memtune", "db01", "--min-guarantee", "1024"]),
            vec![snap(&["dumpxml", "db01"])],
        ),
        (
            vec![],
            snap(&["schedinfo", "db01", "--set", "shares=1500"]),
            vec![snap(&["schedinfo", "db01"])],
        ),
        (
            vec![],
            snap(&["schedinfo", "db01", "reservation=100", "limit=2000"]),
            vec![],
        ),
        (
            vec![],
            snap(&["schedinfo", "db01", "--set", "bogus=1"]),
            vec![],
        ),
        (
            vec![],
            snap(&["autostart", "db01"]),
            vec![snap(&["dominfo", "db01"])],
        ),
        (
            vec![],
            snap(&["autostart", "db01", "--disable"]),
            vec![snap(&["dominfo", "db01"])],
        ),
        (
            vec![],
            snap(&["undefine", "db01"]),
            vec![snap(&["list", "--all"])],
        ),
        (
            vec![],
            snap(&["undefine", "web01"]),
            vec![snap(&["list", "--all"])],
        ),
        // (libvirt sends a snapshot's name and description unescaped in its SOAP request, so
        // `&` or `<` there fail in virsh; esxvirt's own tests cover them.)
        (
            vec![],
            snap(&[
                "snapshot-create-as",
                "web01",
                "s1",
                "--description",
                "first one",
            ]),
            vec![snap(&["snapshot-list", "web01"])],
        ),
        (vec![], snap(&["snapshot-create-as", "web01"]), vec![]),
        (
            vec![],
            snap(&["snapshot-create-as", "db01", "--name", "off"]),
            vec![snap(&["snapshot-info", "db01", "off"])],
        ),
        (
            vec![snap(&["snapshot-create-as", "web01", "s1"])],
            snap(&["snapshot-create-as", "web01", "s1"]),
            vec![],
        ),
        (
            vec![
                snap(&["snapshot-create-as", "web01", "s1"]),
                snap(&["snapshot-create-as", "web01", "s2"]),
            ],
            snap(&["snapshot-revert", "web01", "s1"]),
            vec![snap(&["snapshot-current", "web01", "--name"])],
        ),
        (
            vec![
                snap(&["snapshot-create-as", "web01", "s1"]),
                snap(&["snapshot-create-as", "web01", "s2"]),
            ],
            snap(&["snapshot-delete", "web01", "s2"]),
            vec![snap(&["snapshot-list", "web01", "--name"])],
        ),
        (
            vec![
                snap(&["snapshot-create-as", "web01", "s1"]),
                snap(&["snapshot-create-as", "web01", "s2"]),
            ],
            snap(&["snapshot-delete", "web01", "s1", "--children"]),
            vec![snap(&["snapshot-list", "web01", "--name"])],
        ),
        (
            vec![
                snap(&["snapshot-create-as", "web01", "s1"]),
                snap(&["snapshot-create-as", "web01", "s2"]),
            ],
            snap(&["snapshot-delete", "web01", "s1", "--children-only"]),
            vec![snap(&["snapshot-list", "web01", "--name"])],
        ),
        (
            vec![snap(&["snapshot-create-as", "web01", "s1"])],
            snap(&["snapshot-delete", "web01", "--current"]),
            vec![],
        ),
    ];
    let vol_xml = xml_dir.join("vol.xml");
    std::fs::write(
        &vol_xml,
        "<volume>\n  <name>web01/new disk.vmdk</name>\n  <capacity unit='bytes'>1073741824</capacity>\n  <target>\n    <format type='vmdk'/>\n  </target>\n</volume>\n",
    )
    .expect("write");
    let vol_xml = vol_xml.to_string_lossy().into_owned();
    let clone_xml = xml_dir.join("clone.xml");
    std::fs::write(
        &clone_xml,
        "<volume>\n  <name>db01/clone.vmdk</name>\n  <capacity unit='bytes'>1073741824</capacity>\n  <target>\n    <format type='vmdk'/>\n  </target>\n</volume>\n",
    )
    .expect("write");
    let clone_xml = clone_xml.to_string_lossy().into_owned();
    let net_xml = xml_dir.join("net.xml");
    std::fs::write(
        &net_xml,
        "<network>\n  <name>vSwitch9</name>\n  <forward mode='bridge'/>\n  <portgroup name='PG 9'/>\n</network>\n",
    )
    .expect("write");
    let net_xml = net_xml.to_string_lossy().into_owned();
    cases.push((
        vec![],
        snap(&["vol-create", "datastore1", &vol_xml]),
        vec![snap(&["vol-list", "datastore1"])],
    ));
    cases.push((
        vec![],
        snap(&[
            "vol-create-from",
            "datastore1",
            &clone_xml,
            "web01/web01.vmdk",
        ]),
        vec![snap(&["vol-list", "datastore1"])],
    ));
    cases.push((
        vec![],
        snap(&["net-define", &net_xml]),
        vec![snap(&["net-list", "--all"])],
    ));
    let snap_xml = xml_dir.join("snap.xml");
    std::fs::write(
        &snap_xml,
        "<domainsnapshot>\n  <name>from xml</name>\n  <description>made from a file</description>\n</domainsnapshot>\n",
    )
    .expect("write");
    let snap_xml = snap_xml.to_string_lossy().into_owned();
    cases.push((
        vec![],
        snap(&["snapshot-create", "web01", &snap_xml]),
        vec![
            snap(&["snapshot-list", "web01"]),
            snap(&["snapshot-dumpxml", "web01", "from xml"]),
        ],
    ));
    cases.push((vec![], snap(&["snapshot-create", "web01"]), vec![]));
    cases.push((
        vec![
            snap(&["snapshot-create-as", "web01", "s1"]),
            snap(&["snapshot-create-as", "web01", "s2"]),
        ],
        snap(&["snapshot-current", "web01", "--snapshotname", "s1"]),
        vec![snap(&["snapshot-current", "web01", "--name"])],
    ));
    cases.push((vec![], snap(&["snapshot-revert", "web01"]), vec![]));
    cases.push((
        vec![],
        snap(&["snapshot-delete", "web01", "nosuch"]),
        vec![],
    ));
    cases.push((vec![], snap(&["start", "web01", "--force-boot"]), vec![]));
    cases.push((
        vec![snap(&["define", &defs[0].1])],
        snap(&["define", &defs[0].1]),
        vec![snap(&["list", "--all"])],
    ));
    for (name, path) in &defs {
        cases.push((
            vec![],
            snap(&["define", path]),
            vec![
                snap(&["list", "--all"]),
                snap(&["dominfo", name]),
                snap(&["dumpxml", name]),
            ],
        ));
        cases.push((
            vec![snap(&["define", path])],
            snap(&["undefine", name]),
            vec![snap(&["list", "--all"])],
        ));
        cases.push((
            vec![snap(&["define", path])],
            snap(&["start", name]),
            vec![snap(&["list", "--all"])],
        ));
        cases.push((
            vec![snap(&["define", path])],
            snap(&["snapshot-create-as", name, "snap 1"]),
            vec![snap(&["snapshot-list", name])],
        ));
    }
    let mut failures = Vec::new();
    for (setup, command, checks) in &cases {
        let c: Vec<&str> = command.iter().map(String::as_str).collect();
        let k: Vec<Vec<&str>> = checks
            .iter()
            .map(|v| v.iter().map(String::as_str).collect())
            .collect();
        match (changes_match(setup, &c, &k), known_gap(&c)) {
            (Some(f), None) => failures.push(f),
            (Some(_), Some(why)) => eprintln!("known gap {c:?}: {why}"),
            (None, Some(why)) => eprintln!("now matches (remove the known gap?) {c:?}: {why}"),
            (None, None) => {}
        }
    }
    let _ = std::fs::remove_dir_all(&xml_dir);
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn screenshot_matches_virsh() {
    let sim = Sim::start();
    let file = sim.dir.join("shot.png");
    let f = file.to_string_lossy().into_owned();
    let auth = sim.auth_file();
    let v = Seen::of(&virsh(
        &sim.uri(),
        &auth,
        &["screenshot", "web01", "--file", &f],
    ));
    let v_bytes = std::fs::read(&file).ok();
    let _ = std::fs::remove_file(&file);
    let e = Seen::of(&esxvirt(
        &sim.uri(),
        &auth,
        &["screenshot", "web01", "--file", &f],
    ));
    let e_bytes = std::fs::read(&file).ok();
    assert_eq!(v, e);
    // Equal bytes only prove something when virsh saved an image at all.
    assert!(v_bytes.is_some(), "virsh saved no screenshot: {v:?}");
    assert_eq!(v_bytes, e_bytes, "the saved images differ");
    let v = Seen::of(&virsh(
        &sim.uri(),
        &auth,
        &["screenshot", "db01", "--file", &f],
    ));
    let e = Seen::of(&esxvirt(
        &sim.uri(),
        &auth,
        &["screenshot", "db01", "--file", &f],
    ));
    assert_eq!(v, e);
}

#[test]
fn default_snapshot_names_are_masked_but_given_names_are_not() {
    assert_eq!(
        mask_default_snapshot_name("Domain snapshot 1795616538 created\n\n"),
        "Domain snapshot EPOCH created\n\n"
    );
    assert_eq!(
        mask_default_snapshot_name("Domain snapshot s1 created\n"),
        "Domain snapshot s1 created\n"
    );
}

/// Through a vCenter libvirt asks for no disk UUIDs: a volume's key is its path, and a
/// lookup by path looks at nothing (a missing file shows when its information is wanted).
#[test]
fn vcenter_volumes_match_virsh() {
    let sim = Sim::start_with(InventorySource::DefaultVCenter);
    let uri = format!(
        "vpx://root@127.0.0.1:{}/dc1/cluster1/esx-01.example.com?no_verify=1",
        sim.port
    );
    let auth = sim.auth_file();
    let mut commands = vec![
        cmd(&["vol-list", "shared-vmfs", "--details"]),
        cmd(&["vol-info", "[shared-vmfs] nope/nope.vmdk"]),
        cmd(&["vol-info", "[shared-vmfs] app01/nope.vmdk"]),
        cmd(&["vol-name", "[nope] x.vmdk"]),
        cmd(&["vol-pool", "[nope] x.vmdk"]),
    ];
    let listed = text(&virsh(&uri, &auth, &["vol-list", "shared-vmfs"]).stdout);
    let vols: Vec<String> = listed
        .lines()
        .skip(2)
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    assert!(!vols.is_empty(), "{listed}");
    for v in &vols {
        let path = format!("[shared-vmfs] {v}");
        for c in [
            vec!["vol-key", v.as_str(), "--pool", "shared-vmfs"],
            vec!["vol-dumpxml", v.as_str(), "--pool", "shared-vmfs"],
            vec!["vol-info", path.as_str()],
            vec!["vol-name", path.as_str()],
            vec!["vol-pool", path.as_str(), "--uuid"],
        ] {
            commands.push(cmd(&c));
        }
    }
    check_all_at(&uri, &auth, &commands);
}
