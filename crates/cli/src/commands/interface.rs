//! virsh's Interface group (`help interface`): the host's physical NICs — `iface-list`,
//! `iface-dumpxml`, `iface-mac`, `iface-name`, with `iface-list`'s table.

use clap::Args;
use esxvirt_driver::flags;
use serde::Serialize;

use crate::options::XpathArgs;
use crate::output::{json_out, CmdError, CmdResult, Out};
use crate::present::{print_xml, strcasecmp};
use crate::registry::{ConnCommand, Entry, Group, Spec};
use crate::session::Ctx;
use crate::table::format_table;

/// The group.
pub static GROUP: Group = Group {
    name: "Interface",
    keyword: "interface",
    commands: &[
        Entry::connection::<IfaceDumpxml>(),
        Entry::connection::<IfaceList>(),
        Entry::connection::<IfaceMac>(),
        Entry::connection::<IfaceName>(),
    ],
};

/// The `--interface` option (a name or MAC address).
#[derive(Args, Debug, Clone)]
pub struct InterfaceArg {
    /// interface name or MAC address
    #[arg(long, required = true)]
    pub interface: String,
}
/// `iface-list [--all|--inactive]`.
#[derive(Args, Debug)]
pub struct IfaceList {
    /// list inactive interfaces
    #[arg(long)]
    pub inactive: bool,
    /// list inactive & active interfaces
    #[arg(long)]
    pub all: bool,
}
impl ConnCommand for IfaceList {
    const SPEC: Spec = Spec::new("iface-list", "list physical host interfaces").json();
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        let mut f = flags::list_interfaces::ACTIVE;
        if a.inactive {
            f = flags::list_interfaces::INACTIVE;
        }
        if a.all {
            f = flags::list_interfaces::ACTIVE | flags::list_interfaces::INACTIVE;
        }
        let list = ctx
            .conn
            .list_all_interfaces(f)
            .map_err(|e| CmdError::with("Failed to list interfaces", e))?;
        let mut rows: Vec<IfaceRow> = list
            .iter()
            .map(|i| IfaceRow {
                name: i.get_name().to_string(),
                active: i.is_active().unwrap_or(false),
                mac: i.get_mac_string().to_string(),
            })
            .collect();
        rows.sort_by(|a, b| strcasecmp(&a.name, &b.name));
        if ctx.json {
            json_out(out, &rows)?;
        } else {
            out.print(&iface_list(&rows, ctx.quiet));
        }
        Ok(())
    }
}

/// `iface-dumpxml INTERFACE [--inactive] [--xpath E [--wrap]]`.
#[derive(Args, Debug)]
pub struct IfaceDumpxml {
    #[command(flatten)]
    pub iface: InterfaceArg,
    /// show inactive defined XML
    #[arg(long)]
    pub inactive: bool,
    #[command(flatten)]
    pub filter: XpathArgs,
}
impl ConnCommand for IfaceDumpxml {
    const SPEC: Spec =
        Spec::new("iface-dumpxml", "interface information in XML").named_only(&["xpath"]);
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        let i = ctx.iface(&a.iface.interface)?;
        print_xml(
            out,
            &i.get_xml_desc(if a.inactive { 1 } else { 0 })?,
            &a.filter,
        )?;
        Ok(())
    }
}

/// `iface-mac INTERFACE` (by name).
#[derive(Args, Debug)]
pub struct IfaceMac {
    #[command(flatten)]
    pub iface: InterfaceArg,
}

impl ConnCommand for IfaceMac {
    const SPEC: Spec = Spec::new(
        "iface-mac",
        "convert an interface name to interface MAC address",
    );
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        let i = ctx.iface_by(&a.iface.interface, true, false)?;
        out.print(&format!("{}\n", i.get_mac_string()));
        Ok(())
    }
}

/// `iface-name INTERFACE` (by MAC).
#[derive(Args, Debug)]
pub struct IfaceName {
    #[command(flatten)]
    pub iface: InterfaceArg,
}

impl ConnCommand for IfaceName {
    const SPEC: Spec = Spec::new(
        "iface-name",
        "convert an interface MAC address to interface name",
    );
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        let i = ctx.iface_by(&a.iface.interface, false, true)?;
        out.print(&format!("{}\n", i.get_name()));
        Ok(())
    }
}

/// A host interface as `iface-list` shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IfaceRow {
    pub name: String,
    pub active: bool,
    pub mac: String,
}

/// `iface-list`.
pub fn iface_list(rows: &[IfaceRow], quiet: bool) -> String {
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                if r.active { "active" } else { "inactive" }.to_string(),
                r.mac.clone(),
            ]
        })
        .collect();
    format_table(&["Name", "State", "MAC Address"], &body, !quiet)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iface_list_like_virsh() {
        assert_eq!(
            iface_list(
                &[IfaceRow { name: "eth1".into(), active: true, mac: "aa:bb:cc:dd:ee:ff".into() }],
                false
            ),
            " Name   State    MAC Address\n------------------------------------\n eth1   active   aa:bb:cc:dd:ee:ff\n"
        );
    }
}
