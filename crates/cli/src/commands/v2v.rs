//! Migration (`help v2v`), an esxvirt extension: `v2v-check`, the readiness of VMs for
//! virt-v2v with the exact command for those that can go, as a virsh-like table, JSON
//! (`--json`) or CSV (`--csv`, one row per VM for a migration plan).

use clap::Args;
use esxvirt_driver::v2v::{CommandOptions, Severity, V2vOptions, V2vReport, VmReadiness};

use crate::output::{json_out, CmdError, CmdResult, Out};
use crate::registry::{ConnCommand, Entry, Group, Spec};
use crate::session::Ctx;
use crate::table::format_table;

/// The group.
pub static GROUP: Group = Group {
    name: "Migration (esxvirt)",
    keyword: "v2v",
    commands: &[Entry::connection::<V2vCheck>()],
};

/// `v2v-check [DOMAIN...] [--all] [--all-hosts]`.
#[derive(Args, Debug)]
#[command(after_long_help = V2V_CHECK_HELP)]
pub struct V2vCheck {
    /// domain name, id or uuid (several may be given)
    #[arg(long = "domain", action = clap::ArgAction::Append)]
    pub domains: Vec<String>,
    /// check every domain (of the URI's host)
    #[arg(long)]
    pub all: bool,
    /// check every domain of every host of the vCenter
    #[arg(long)]
    pub all_hosts: bool,
    /// one CSV row per domain, with the full inventory
    #[arg(long)]
    pub csv: bool,
    /// VDDK's directory for the printed command (-io vddk-libdir=)
    #[arg(long, value_name = "DIR")]
    pub vddk_libdir: Option<String>,
    /// a password file for the printed command (-ip)
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<String>,
}

const V2V_CHECK_HELP: &str = "\
v2v-check (esxvirt extension):
  Checks whether virt-v2v can convert the domains, from what vSphere reports, before any
  copy starts: power state, snapshots, disk backings (RDM, independent, shared), datastores
  this user can read, encryption and vTPM, firmware and Secure Boot, the guest OS against
  virt-v2v's supported guests, VMware Tools, changed block tracking, NIC and disk
  controllers, names that need escaping, the host's state. Each domain gets a verdict:
  ready, warning (it converts, with caveats) or blocked, with every reason.

  For a domain that can go it prints the virt-v2v command: the -ic URI (the host's
  inventory path escaped as libvirt needs it), VDDK's options with the server
  certificate's SHA-1 thumbprint, and the domain's name quoted for the shell; the output
  options (-o, -os) are yours to add.

  One paged retrieval answers whatever the number of domains. --all-hosts checks every
  host of a vCenter (and implies --all when no domain is named). --json gives every
  field, --csv one row per domain for a migration plan.";

impl ConnCommand for V2vCheck {
    const SPEC: Spec = Spec::new(
        "v2v-check",
        "check domains for migration with virt-v2v (esxvirt)",
    )
    .json()
    .named_only(&["vddk-libdir", "password-file"])
    // CSV goes to files and spreadsheets: nothing after the last row.
    .no_blank_line();

    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        if self.domains.is_empty() && !self.all && !self.all_hosts {
            return Err(CmdError::msg(
                "no domain given: name domains, or use --all or --all-hosts",
            ));
        }
        if !self.domains.is_empty() && self.all {
            return Err(CmdError::exclusive("domain", "all"));
        }
        if ctx.json && self.csv {
            return Err(CmdError::exclusive("json", "csv"));
        }
        let mut command = CommandOptions::default();
        if let Some(dir) = &self.vddk_libdir {
            command.vddk_libdir = dir.clone();
        }
        command.password_file = self.password_file.clone();
        let report = ctx.conn.v2v_check(&V2vOptions {
            all_hosts: self.all_hosts,
            domains: self.domains.clone(),
            command,
        })?;
        if ctx.json {
            json_out(out, &report)
        } else if self.csv {
            out.print(&csv(&report));
            Ok(())
        } else {
            out.print(&text(&report, ctx.quiet));
            Ok(())
        }
    }
}

/// The state as virsh words it.
fn state_words(state: &str) -> &str {
    match state {
        "shutoff" => "shut off",
        "inshutdown" => "in shutdown",
        other => other,
    }
}

/// The table, then each domain's reasons and command.
pub fn text(report: &V2vReport, quiet: bool) -> String {
    let rows: Vec<Vec<String>> = report
        .vms
        .iter()
        .map(|v| {
            vec![
                v.name.clone(),
                v.host.clone(),
                state_words(&v.state).to_string(),
                v.verdict.as_str().to_string(),
            ]
        })
        .collect();
    let mut s = format_table(&["Name", "Host", "State", "Verdict"], &rows, !quiet);
    for v in &report.vms {
        s.push('\n');
        s.push_str(&details(v));
    }
    for note in &report.notes {
        s.push_str(&format!("\nnote: {note}\n"));
    }
    s
}

/// One domain's reasons (most serious first) and command.
fn details(v: &VmReadiness) -> String {
    let mut s = format!("{}: {}\n", v.name, v.verdict.as_str());
    let mut reasons: Vec<_> = v.reasons.iter().collect();
    reasons.sort_by_key(|r| std::cmp::Reverse(r.severity));
    for r in reasons {
        let sev = severity_word(r.severity);
        s.push_str(&format!("  {sev:<8} {}: {}\n", r.check.as_str(), r.message));
    }
    if let Some(cmd) = &v.command {
        s.push_str(&format!("  {cmd}\n"));
    }
    s
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Blocker => "blocker",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// A CSV field (RFC 4180: quoted when it holds a comma, a quote or a line break).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

const CSV_COLUMNS: &[&str] = &[
    "name",
    "uuid",
    "datacenter",
    "cluster",
    "host",
    "state",
    "vcpus",
    "memory_kib",
    "disks",
    "disk_capacity_bytes",
    "datastores",
    "nics",
    "networks",
    "guest_id",
    "guest_os",
    "firmware",
    "secure_boot",
    "tools",
    "snapshots",
    "cbt",
    "encrypted",
    "verdict",
    "reasons",
    "source_uri",
    "command",
];

/// One row per domain; lists inside a field are joined with `;`.
pub fn csv(report: &V2vReport) -> String {
    let mut s = CSV_COLUMNS.join(",");
    s.push('\n');
    for v in &report.vms {
        let mut datastores: Vec<&str> = v
            .disks
            .iter()
            .filter_map(|d| d.datastore.as_deref())
            .collect();
        datastores.dedup();
        let mut networks: Vec<&str> = v.nics.iter().map(|n| n.network.as_str()).collect();
        networks.dedup();
        let reasons: Vec<String> = v
            .reasons
            .iter()
            .map(|r| {
                format!(
                    "{} {}: {}",
                    severity_word(r.severity),
                    r.check.as_str(),
                    r.message
                )
            })
            .collect();
        let fields = [
            v.name.clone(),
            v.uuid.clone(),
            v.datacenter.clone(),
            v.cluster.clone().unwrap_or_default(),
            v.host.clone(),
            v.state.clone(),
            v.vcpus.to_string(),
            v.memory_kib.to_string(),
            v.disks.len().to_string(),
            v.disks
                .iter()
                .map(|d| d.capacity_bytes)
                .sum::<u64>()
                .to_string(),
            datastores.join(";"),
            v.nics.len().to_string(),
            networks.join(";"),
            v.guest_id.clone(),
            v.guest_os.clone(),
            v.firmware.clone(),
            v.secure_boot.to_string(),
            v.tools.clone().unwrap_or_default(),
            v.snapshots.to_string(),
            v.cbt.to_string(),
            v.encrypted.to_string(),
            v.verdict.as_str().to_string(),
            reasons.join("; "),
            v.source_uri.clone().unwrap_or_default(),
            v.command.clone().unwrap_or_default(),
        ];
        let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        s.push_str(&row.join(","));
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("web01"), "web01");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }
}
