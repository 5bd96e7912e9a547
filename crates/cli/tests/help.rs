//! Help a virsh user finds natural: `help GROUP` lists the same commands with the same
//! summaries in the same order and layout as Debian's virsh (esxvirt's own commands may be
//! added), `help` lists every group, and the manual page renders.

use std::process::{Command, Output};

fn esxvirt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_esxvirt"))
        .args(args)
        .env("LC_ALL", "C.UTF-8")
        .output()
        .expect("run esxvirt")
}

fn virsh(args: &[&str]) -> Output {
    Command::new(esxvirt_testkit::virsh_path())
        .args(args)
        .env("LC_ALL", "C.UTF-8")
        .output()
        .expect("run virsh")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// esxvirt's own commands, which virsh does not have.
const OURS: &[&str] = &["completion"];
/// esxvirt's own command groups (keywords), which virsh does not have.
const OUR_GROUPS: &[&str] = &["v2v"];

#[test]
fn groups_match_virsh() {
    let groups = esxvirt_cli::commands::REGISTRY.groups;
    for g in groups {
        let e = esxvirt(&["help", g.keyword]);
        assert!(e.status.success(), "{}", text(&e.stderr));
        let e = text(&e.stdout);
        if OUR_GROUPS.contains(&g.keyword) {
            // virsh's layout: the header, one line per command, a blank line.
            let header = format!(" {} (help keyword '{}'):\n", g.name, g.keyword);
            assert!(e.starts_with(&header), "help {}: {e:?}", g.keyword);
            assert!(e.lines().skip(1).filter(|l| !l.is_empty()).count() > 0);
            assert!(e.ends_with("\n\n"));
            assert!(!virsh(&["help", g.keyword]).status.success());
            continue;
        }
        let v = text(&virsh(&["help", g.keyword]).stdout);
        let vl: Vec<&str> = v.lines().collect();
        let el: Vec<&str> = e.lines().collect();
        assert_eq!(el[0], vl[0], "header of {}", g.keyword);
        // Every esxvirt line but its own commands is virsh's line, in virsh's order.
        let mut at = 0;
        for line in el[1..].iter().filter(|l| !l.is_empty()) {
            let name = line.split_whitespace().next().unwrap_or("");
            if OURS.contains(&name) {
                continue;
            }
            let found = vl[at..].iter().position(|l| l == line);
            assert!(
                found.is_some(),
                "help {}: {line:?} is not virsh's, or out of virsh's order",
                g.keyword
            );
            at += found.unwrap_or(0) + 1;
        }
        // The same blank line after it; and by title too, as virsh allows.
        assert!(e.ends_with("\n\n") && v.ends_with("\n\n"));
        assert_eq!(text(&esxvirt(&["help", g.name]).stdout), e);
    }
    let all = text(&esxvirt(&["help"]).stdout);
    assert!(all.starts_with("Grouped commands:\n\n"));
    for g in groups {
        assert!(all.contains(&format!(" {} (help keyword '{}'):\n", g.name, g.keyword)));
    }
    let bad = esxvirt(&["help", "nosuch"]);
    let vbad = virsh(&["help", "nosuch"]);
    assert_eq!(bad.status.code(), vbad.status.code());
    assert_eq!(text(&bad.stderr), text(&vbad.stderr));
}

#[test]
fn command_help_in_virsh_layout() {
    // dominfo's help is virsh's byte for byte (virsh adds a DESCRIPTION, which esxvirt
    // leaves out).
    let v = text(&virsh(&["help", "dominfo"]).stdout);
    let v = v.replace(
        "\n  DESCRIPTION\n    Returns basic information about the domain.\n",
        "",
    );
    assert_eq!(text(&esxvirt(&["help", "dominfo"]).stdout), v);
}

#[test]
fn the_manual_page_renders() {
    let out = esxvirt(&["man"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page = text(&out.stdout);
    assert!(page.contains("\n.TH esxvirt 1"), "{page}");
    // `man` is hidden from help.
    assert!(!text(&esxvirt(&["help", "virsh"]).stdout).contains("man "));
    // groff formats it without warnings, when it is installed.
    if let Ok(child) = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    {
        use std::io::Write;
        let mut child = child;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(page.as_bytes())
            .expect("write");
        let out = child.wait_with_output().expect("groff");
        assert!(out.status.success());
        assert_eq!(text(&out.stderr), "", "groff warnings");
    }
}

#[test]
fn help_texts_from_the_table() {
    use esxvirt_cli::commands::REGISTRY;
    use esxvirt_cli::help::{all, command, group, man_page, roff};
    let g = REGISTRY.group("snapshot").expect("snapshot group");
    let text = group(g);
    assert!(text.starts_with(" Snapshot (help keyword 'snapshot'):\n"));
    assert!(text.contains("    snapshot-list                  List snapshots for a domain\n"));
    let all = all(&REGISTRY);
    assert!(all.starts_with("Grouped commands:\n\n Domain Management (help keyword 'domain'):\n"));
    assert!(all.ends_with("    connect                        (re)connect to hypervisor\n    completion                     print a shell completion script (bash, zsh or fish)\n\n"), "{all}");
    let vcpucount = command(REGISTRY.find("vcpucount").expect("vcpucount"));
    assert!(
        vcpucount.contains(
            "    vcpucount <domain> [--maximum] [--active] [--live] [--config] [--current] [--guest]\n"
        ),
        "{vcpucount}"
    );
    assert!(vcpucount.contains("    --maximum        get maximum count of vcpus\n"));
    let page = man_page(&REGISTRY);
    for e in REGISTRY.entries().filter(|e| !e.spec.hidden) {
        assert!(
            page.contains(&format!(".SS {}\n", roff(e.spec.name))),
            "{} missing from the manual",
            e.spec.name
        );
    }
    assert!(page.contains(".SH \"DOMAIN MANAGEMENT (help keyword 'domain')\""));
    assert_eq!(roff(".x-y\\"), "\\&.x\\-y\\e");
}
