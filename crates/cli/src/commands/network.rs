//! virsh's Networking group (`help network`): a host's virtual switches with their port
//! groups as libvirt networks — `net-list`, `net-info`, `net-dumpxml`, `net-define`,
//! `net-undefine`, `net-uuid`, `net-name`, `net-autostart`, with their output formats.

use clap::Args;
use esxvirt_driver::{flags, Network};
use serde::Serialize;

use super::object::{object_kind, Dumpxml, KeyOf, NameOf};
use crate::options::{read_input, AutostartArgs, FileArg, StateArgs};
use crate::output::{json_out, CmdError, CmdResult, Out};
use crate::present::{label, report_autostart, strcasecmp, yes_no};
use crate::registry::{ConnCommand, Entry, Group, Spec};
use crate::session::Ctx;
use crate::table::format_table;

/// The group.
pub static GROUP: Group = Group {
    name: "Networking",
    keyword: "network",
    commands: &[
        Entry::connection::<NetAutostart>(),
        Entry::connection::<NetDefine>(),
        Entry::connection::<Dumpxml<NetworkArg>>(),
        Entry::connection::<NetInfo>(),
        Entry::connection::<NetList>(),
        Entry::connection::<NameOf<NetworkArg>>(),
        Entry::connection::<NetUndefine>(),
        Entry::connection::<KeyOf<NetworkArg>>(),
    ],
};

object_kind! {
    /// The `--network` option (a name or UUID).
    NetworkArg { network: "network name or uuid" } is Network by network_by,
    "net", "a" "network", "uuid" "UUID" by get_uuid_string
}

/// `net-list [--all|--inactive] [filters] [--name|--uuid|--table]`.
#[derive(Args, Debug)]
pub struct NetList {
    #[command(flatten)]
    pub states: StateArgs<NetworkArg>,
    /// list persistent networks
    #[arg(long)]
    pub persistent: bool,
    /// list transient networks
    #[arg(long)]
    pub transient: bool,
    #[command(flatten)]
    pub autostart: AutostartArgs<NetworkArg>,
    /// list uuid's only
    #[arg(long)]
    pub uuid: bool,
    /// list network names only
    #[arg(long)]
    pub name: bool,
    /// list table (default)
    #[arg(long)]
    pub table: bool,
}
impl ConnCommand for NetList {
    const SPEC: Spec = Spec::new("net-list", "list networks").json();
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        use flags::list_networks as N;
        if (a.table as u8) + (a.name as u8) + (a.uuid as u8) > 1 {
            return Err(CmdError::msg(
                "Only one argument from --table, --name and --uuid may be specified.",
            ));
        }
        let f = a.states.flags(
            (N::ACTIVE, N::INACTIVE),
            &[
                (a.persistent, N::PERSISTENT),
                (a.transient, N::TRANSIENT),
                (a.autostart.autostart, N::AUTOSTART),
                (a.autostart.no_autostart, N::NO_AUTOSTART),
            ],
        );
        let nets = ctx
            .conn
            .list_all_networks(f)
            .map_err(|e| CmdError::with("Failed to list networks", e))?;
        let mut rows: Vec<NetRow> = nets.iter().map(net_row).collect();
        rows.sort_by(|a, b| strcasecmp(&a.name, &b.name));
        if ctx.json {
            return json_out(out, &rows);
        }
        out.print(&net_list(&rows, a.name, a.uuid, ctx.quiet));
        Ok(())
    }
}

/// `net-info NETWORK`.
#[derive(Args, Debug)]
pub struct NetInfo {
    #[command(flatten)]
    pub net: NetworkArg,
}

impl ConnCommand for NetInfo {
    const SPEC: Spec = Spec::new("net-info", "network information").json();
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        let n = ctx.network(&a.net.network)?;
        let row = net_row(&n);
        if ctx.json {
            json_out(out, &row)?;
        } else {
            out.print(&net_info(&row));
        }
        Ok(())
    }
}

/// `net-define FILE`.
#[derive(Args, Debug)]
pub struct NetDefine {
    #[command(flatten)]
    pub file: FileArg,
}

impl ConnCommand for NetDefine {
    const SPEC: Spec = Spec::new(
        "net-define",
        "define an inactive persistent virtual network or modify an existing persistent one from an XML file",
    );
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = &self.file;
        let xml = read_input(&a.file)?;
        let n = ctx
            .conn
            .network_define_xml(&xml, 0)
            .map_err(|e| CmdError::with(format!("Failed to define network from {}", a.file), e))?;
        out.extra(&format!(
            "Network {} defined from {}\n",
            n.get_name(),
            a.file
        ));
        Ok(())
    }
}

/// `net-undefine NETWORK`.
#[derive(Args, Debug)]
pub struct NetUndefine {
    #[command(flatten)]
    pub net: NetworkArg,
}

impl ConnCommand for NetUndefine {
    const SPEC: Spec = Spec::new("net-undefine", "undefine a persistent network");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        let n = ctx.network(&a.net.network)?;
        let name = n.get_name().to_string();
        n.undefine()
            .map_err(|e| CmdError::with(format!("Failed to undefine network {name}"), e))?;
        out.extra(&format!("Network {name} has been undefined\n"));
        Ok(())
    }
}

/// `net-autostart NETWORK [--disable]`.
#[derive(Args, Debug)]
pub struct NetAutostart {
    #[command(flatten)]
    pub net: NetworkArg,
    /// disable autostarting
    #[arg(long)]
    pub disable: bool,
}
impl ConnCommand for NetAutostart {
    const SPEC: Spec = Spec::new("net-autostart", "autostart a network");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        let n = ctx.network(&a.net.network)?;
        let on = !a.disable;
        let shown = n.get_name().to_string();
        let result = n.set_autostart(on);
        report_autostart(out, on, "failed", ("network", "Network"), &shown, result)?;
        Ok(())
    }
}

fn net_row(n: &Network<'_>) -> NetRow {
    NetRow {
        name: n.get_name().to_string(),
        uuid: n.get_uuid_string(),
        active: n.is_active().unwrap_or(false),
        autostart: n.get_autostart().ok(),
        persistent: n.is_persistent().unwrap_or(false),
        bridge: n.get_bridge_name().ok(),
    }
}

/// A network as `net-list` and `net-info` show it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NetRow {
    pub name: String,
    pub uuid: String,
    pub active: bool,
    /// None: the driver cannot tell ("no autostart").
    pub autostart: Option<bool>,
    pub persistent: bool,
    pub bridge: Option<String>,
}

/// `net-list` (table, `--name` or `--uuid`).
pub fn net_list(rows: &[NetRow], name: bool, uuid: bool, quiet: bool) -> String {
    if uuid {
        return rows.iter().map(|r| format!("{}\n", r.uuid)).collect();
    }
    if name {
        return rows.iter().map(|r| format!("{}\n", r.name)).collect();
    }
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                if r.active { "active" } else { "inactive" }.to_string(),
                r.autostart.map_or("no autostart", yes_no).to_string(),
                yes_no(r.persistent).to_string(),
            ]
        })
        .collect();
    format_table(&["Name", "State", "Autostart", "Persistent"], &body, !quiet)
}

/// `net-info`.
pub fn net_info(n: &NetRow) -> String {
    let mut o = String::new();
    label(&mut o, 15, "Name:", &n.name);
    label(&mut o, 15, "UUID:", &n.uuid);
    label(&mut o, 15, "Active:", yes_no(n.active));
    label(&mut o, 15, "Persistent:", yes_no(n.persistent));
    label(
        &mut o,
        15,
        "Autostart:",
        n.autostart.map_or("no autostart", yes_no),
    );
    if let Some(b) = &n.bridge {
        label(&mut o, 15, "Bridge:", b);
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn net_list_and_info_like_virsh() {
        let n = NetRow {
            name: "default".into(),
            uuid: "dd8fe884-6c02-601e-7551-cca97df1c5df".into(),
            active: true,
            autostart: Some(false),
            persistent: true,
            bridge: Some("virbr0".into()),
        };
        assert_eq!(
            net_list(std::slice::from_ref(&n), false, false, false),
            " Name      State    Autostart   Persistent\n\
             --------------------------------------------\n \
             default   active   no          yes\n"
        );
        assert_eq!(
            net_info(&n),
            "Name:           default\nUUID:           dd8fe884-6c02-601e-7551-cca97df1c5df\n\
             Active:         yes\nPersistent:     yes\nAutostart:      no\nBridge:         virbr0\n"
        );
    }
}
