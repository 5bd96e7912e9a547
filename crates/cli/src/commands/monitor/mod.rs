//! virsh's Domain Monitoring group (`help monitor`): `list` ([`list`]), `dominfo`,
//! `domstate`, `domifaddr` (here) and `domstats` ([`stats`]), with virsh's words for
//! domain states and their output formats.

pub mod list;
pub mod stats;

use clap::Args;
use esxvirt_driver::flags;
use serde::Serialize;

use crate::options::DomainArg;
use crate::output::{json_out, CmdError, CmdResult, Out};
use crate::present::{label, yes_no};
use crate::registry::{ConnCommand, Entry, Group, Spec};
use crate::session::Ctx;

pub use esxvirt_driver::DomainState;

/// The group.
pub static GROUP: Group = Group {
    name: "Domain Monitoring",
    keyword: "monitor",
    commands: &[
        Entry::connection::<Domifaddr>(),
        Entry::connection::<Dominfo>(),
        Entry::connection::<Domstate>(),
        Entry::connection::<stats::Domstats>(),
        Entry::connection::<list::List>(),
    ],
};

/// virsh's word for a state reason (libvirt's per-state reason enums); the state's own word
/// is the driver's [`DomainState::virsh_name`].
pub fn reason_word(state: DomainState, reason: i32) -> &'static str {
    let table: &[&str] = match state {
        DomainState::Running => &[
            "unknown",
            "booted",
            "migrated",
            "restored",
            "from snapshot",
            "unpaused",
            "migration canceled",
            "save canceled",
            "event wakeup",
            "crashed",
            "post-copy",
            "post-copy failed",
        ],
        DomainState::Paused => &[
            "unknown",
            "user",
            "migrating",
            "saving",
            "dumping",
            "I/O error",
            "watchdog",
            "from snapshot",
            "shutting down",
            "creating snapshot",
            "crashed",
            "starting up",
            "post-copy",
            "post-copy failed",
        ],
        DomainState::Shutdown => &["unknown", "user"],
        DomainState::Shutoff => &[
            "unknown",
            "shutdown",
            "destroyed",
            "crashed",
            "migrated",
            "saved",
            "failed",
            "from snapshot",
            "daemon",
        ],
        DomainState::Crashed => &["unknown", "panicked"],
        DomainState::NoState | DomainState::Blocked | DomainState::PmSuspended => &["unknown"],
    };
    usize::try_from(reason)
        .ok()
        .and_then(|i| table.get(i))
        .copied()
        .unwrap_or("unknown")
}

/// `dominfo DOMAIN`.
#[derive(Args, Debug)]
pub struct Dominfo {
    #[command(flatten)]
    pub dom: DomainArg,
}

impl ConnCommand for Dominfo {
    const SPEC: Spec = Spec::new("dominfo", "domain information").json();
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let d = ctx.domain(&self.dom.domain)?;
        let info = d.get_info();
        let persistent = d.is_persistent().ok();
        let autostart = d.get_autostart().ok();
        let managed_save = d.has_managed_save_image(0).ok();
        let (state, vcpus, cpu, max, used) = match &info {
            Ok(i) => (i.state, i.nr_virt_cpu, i.cpu_time, i.max_mem, i.memory),
            Err(_) => (DomainState::NoState, 0, 0, 0, 0),
        };
        let di = DomInfo {
            id: d.get_id(),
            name: d.get_name().to_string(),
            uuid: d.get_uuid_string(),
            os_type: Some(d.get_os_type().to_string()),
            state,
            vcpus,
            cpu_time_ns: cpu,
            max_memory_kib: (max != u64::from(u32::MAX)).then_some(max),
            used_memory_kib: used,
            persistent,
            autostart,
            managed_save,
        };
        if ctx.json {
            json_out(out, &di)?;
        } else if info.is_ok() {
            out.print(&dominfo(&di));
        } else {
            // virsh prints the lines it has, then fails.
            let text = dominfo(&di);
            for line in text.lines() {
                let skip = [
                    "State:",
                    "CPU(s):",
                    "CPU time:",
                    "Max memory:",
                    "Used memory:",
                ]
                .iter()
                .any(|p| line.starts_with(p));
                if !skip {
                    out.print(line);
                    out.print("\n");
                }
            }
        }
        if let Err(e) = info {
            return Err(e.into());
        }
        Ok(())
    }
}

/// `domstate DOMAIN [--reason]`.
#[derive(Args, Debug)]
pub struct Domstate {
    #[command(flatten)]
    pub dom: DomainArg,
    /// also print reason for the state
    #[arg(long)]
    pub reason: bool,
}

impl ConnCommand for Domstate {
    const SPEC: Spec = Spec::new("domstate", "domain state").json();
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let d = ctx.domain(&self.dom.domain)?;
        let (state, r) = d.get_state(0)?;
        if ctx.json {
            return json_out(
                out,
                &serde_json::json!({"state": state, "reason": reason_word(state, r)}),
            );
        }
        out.print(&domstate(state, r, self.reason));
        Ok(())
    }
}

/// What `domifaddr` adds to the driver's refusal of a source other than the agent.
pub const DOMIFADDR_HINT: &str =
    "the ESX driver reads guest addresses only from VMware Tools in the guest: use --source agent";

/// `domifaddr DOMAIN [--interface NAME] [--full] [--source lease|agent|arp]`.
#[derive(Args, Debug)]
pub struct Domifaddr {
    #[command(flatten)]
    pub dom: DomainArg,
    /// network interface name
    #[arg(long)]
    pub interface: Option<String>,
    /// always display names and MACs of interfaces
    #[arg(long)]
    pub full: bool,
    /// address source: 'lease', 'agent', or 'arp'
    #[arg(long)]
    pub source: Option<String>,
}

impl ConnCommand for Domifaddr {
    const SPEC: Spec = Spec::new(
        "domifaddr",
        "Get network interfaces' addresses for a running domain",
    );
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let source = match self.source.as_deref() {
            None | Some("lease") => flags::ifaddr_source::LEASE,
            Some("agent") => flags::ifaddr_source::AGENT,
            Some("arp") => flags::ifaddr_source::ARP,
            Some(other) => return Err(CmdError::msg(format!("Unknown data source '{other}'"))),
        };
        let d = ctx.domain(&self.dom.domain)?;
        let ifaces = d.interface_addresses(source, 0).map_err(|e| {
            let unsupported = e.code() == esxvirt_driver::ErrorCode::ArgumentUnsupported;
            let mut err = CmdError::with("Failed to query for interfaces addresses", e);
            // virsh's default source is the DHCP lease, which an ESX host does not have.
            if unsupported && source != flags::ifaddr_source::AGENT {
                err.0.push(DOMIFADDR_HINT.to_string());
            }
            err
        })?;
        let rows: Vec<IfAddrs> = ifaces
            .iter()
            .map(|i| {
                (
                    i.name.clone(),
                    i.hwaddr.clone(),
                    i.addrs
                        .iter()
                        .map(|a| {
                            let fam = if a.addr.is_ipv4() { "ipv4" } else { "ipv6" };
                            (fam.to_string(), a.addr.to_string(), a.prefix)
                        })
                        .collect(),
                )
            })
            .collect();
        out.print(&domifaddr(
            &rows,
            self.interface.as_deref(),
            self.full,
            !ctx.quiet,
        ));
        Ok(())
    }
}

/// What `dominfo` shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DomInfo {
    pub id: Option<u32>,
    pub name: String,
    pub uuid: String,
    pub os_type: Option<String>,
    pub state: DomainState,
    pub vcpus: u32,
    /// Nanoseconds; 0 is not shown.
    pub cpu_time_ns: u64,
    /// KiB; None is "no limit".
    pub max_memory_kib: Option<u64>,
    pub used_memory_kib: u64,
    pub persistent: Option<bool>,
    /// None when the driver cannot tell (the line is left out, as virsh does).
    pub autostart: Option<bool>,
    pub managed_save: Option<bool>,
}

/// `dominfo`'s text.
pub fn dominfo(d: &DomInfo) -> String {
    let mut o = String::new();
    label(
        &mut o,
        15,
        "Id:",
        &d.id.map_or("-".into(), |i| i.to_string()),
    );
    label(&mut o, 15, "Name:", &d.name);
    label(&mut o, 15, "UUID:", &d.uuid);
    if let Some(os) = &d.os_type {
        label(&mut o, 15, "OS Type:", os);
    }
    label(&mut o, 15, "State:", d.state.virsh_name());
    label(&mut o, 15, "CPU(s):", &d.vcpus.to_string());
    if d.cpu_time_ns != 0 {
        label(
            &mut o,
            15,
            "CPU time:",
            &format!("{:.1}s", d.cpu_time_ns as f64 / 1e9),
        );
    }
    match d.max_memory_kib {
        Some(m) => label(&mut o, 15, "Max memory:", &format!("{m} KiB")),
        None => label(&mut o, 15, "Max memory:", "no limit"),
    }
    label(
        &mut o,
        15,
        "Used memory:",
        &format!("{} KiB", d.used_memory_kib),
    );
    label(
        &mut o,
        15,
        "Persistent:",
        d.persistent.map_or("unknown", yes_no),
    );
    if let Some(a) = d.autostart {
        label(
            &mut o,
            15,
            "Autostart:",
            if a { "enable" } else { "disable" },
        );
    }
    label(
        &mut o,
        15,
        "Managed save:",
        d.managed_save.map_or("unknown", yes_no),
    );
    o
}

/// `domstate [--reason]`'s text.
pub fn domstate(state: DomainState, reason: i32, show_reason: bool) -> String {
    if show_reason {
        format!("{} ({})\n", state.virsh_name(), reason_word(state, reason))
    } else {
        format!("{}\n", state.virsh_name())
    }
}

/// One guest interface for `domifaddr`: name, MAC, addresses (`ipv4`/`ipv6`, address,
/// prefix).
pub type IfAddrs = (String, Option<String>, Vec<(String, String, u32)>);

/// `domifaddr`'s text: `header` false under `--quiet`; `only` limits to one interface name.
pub fn domifaddr(ifaces: &[IfAddrs], only: Option<&str>, full: bool, header: bool) -> String {
    let mut o = String::new();
    if header {
        o.push_str(&format!(
            " {:<10} {:<20} {:<8}     {}\n{}{}\n",
            "Name",
            "MAC address",
            "Protocol",
            "Address",
            "-".repeat(49),
            "-".repeat(30)
        ));
    }
    for (name, mac, addrs) in ifaces {
        if only.is_some_and(|n| n != name) {
            continue;
        }
        if addrs.is_empty() {
            o.push_str(&format!(
                " {:<10} {:<17}    {:<12} {}\n",
                name,
                mac.as_deref().unwrap_or("N/A"),
                "N/A",
                "N/A"
            ));
            continue;
        }
        for (i, (family, addr, prefix)) in addrs.iter().enumerate() {
            let ip = format!("{family:<12} {addr}/{prefix}");
            if full || i == 0 {
                o.push_str(&format!(
                    " {:<10} {:<17}    {ip}\n",
                    name,
                    mac.as_deref().unwrap_or("")
                ));
            } else {
                o.push_str(&format!(" {:<10} {:<17}    {ip}\n", "-", "-"));
            }
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dominfo_like_virsh() {
        let d = DomInfo {
            id: None,
            name: "vm1".into(),
            uuid: "564d9bef-acd9-b4e0-c8f0-aeeb0bd7dd81".into(),
            os_type: Some("hvm".into()),
            state: DomainState::Shutoff,
            vcpus: 2,
            cpu_time_ns: 0,
            max_memory_kib: Some(4194304),
            used_memory_kib: 4194304,
            persistent: Some(true),
            autostart: Some(false),
            managed_save: Some(false),
        };
        assert_eq!(
            dominfo(&d),
            "Id:             -\n\
             Name:           vm1\n\
             UUID:           564d9bef-acd9-b4e0-c8f0-aeeb0bd7dd81\n\
             OS Type:        hvm\n\
             State:          shut off\n\
             CPU(s):         2\n\
             Max memory:     4194304 KiB\n\
             Used memory:    4194304 KiB\n\
             Persistent:     yes\n\
             Autostart:      disable\n\
             Managed save:   no\n"
        );
        let d2 = DomInfo {
            cpu_time_ns: 1795608883400000000,
            id: Some(1),
            ..d
        };
        assert!(dominfo(&d2).contains("CPU time:       1795608883.4s\n"));
    }

    #[test]
    fn domstate_reason() {
        assert_eq!(
            domstate(DomainState::Running, 0, true),
            "running (unknown)\n"
        );
        assert_eq!(
            domstate(DomainState::Shutoff, 2, true),
            "shut off (destroyed)\n"
        );
        assert_eq!(domstate(DomainState::Paused, 99, false), "paused\n");
    }

    #[test]
    fn domifaddr_like_virsh() {
        let ifs: Vec<IfAddrs> = vec![(
            "".into(),
            Some("00:50:56:aa:bb:cc".into()),
            vec![
                ("ipv4".into(), "10.0.0.5".into(), 24),
                ("ipv6".into(), "fe80::1".into(), 64),
            ],
        )];
        assert_eq!(
            domifaddr(&ifs, None, false, true),
            [
                " Name       MAC address          Protocol     Address\n",
                &"-".repeat(79),
                "\n",
                "            00:50:56:aa:bb:cc    ipv4         10.0.0.5/24\n",
                " -          -                    ipv6         fe80::1/64\n",
            ]
            .concat()
        );
    }
}
