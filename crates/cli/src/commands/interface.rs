//! virsh's Interface group (`help interface`): the host's physical NICs — `iface-list`,
//! `iface-dumpxml`, `iface-mac`, `iface-name`, with `iface-list`'s table.

use clap::Args;
use esxvirt_driver::{flags, Interface};
use serde::Serialize;

use super::object::{object_kind, Dumpxml, KeyOf, NameOf};
use crate::options::StateArgs;
use crate::output::{json_out, CmdError, CmdResult, Out};
use crate::present::strcasecmp;
use crate::registry::{ConnCommand, Entry, Group, Spec};
use crate::session::Ctx;
use crate::table::format_table;

/// The group.
pub static GROUP: Group = Group {
    name: "Interface",
    keyword: "interface",
    commands: &[
        Entry::connection::<Dumpxml<InterfaceArg>>(),
        Entry::connection::<IfaceList>(),
        Entry::connection::<KeyOf<InterfaceArg>>(),
        Entry::connection::<NameOf<InterfaceArg>>(),
    ],
};

object_kind! {
    /// The `--interface` option (a name or MAC address).
    InterfaceArg { interface: "interface name or MAC address" } is Interface by iface_by,
    "iface", "an" "interface", "mac" "MAC address" by get_mac_string
}

/// `iface-list [--all|--inactive]`.
#[derive(Args, Debug)]
pub struct IfaceList {
    #[command(flatten)]
    pub states: StateArgs<InterfaceArg>,
}
impl ConnCommand for IfaceList {
    const SPEC: Spec = Spec::new("iface-list", "list physical host interfaces").json();
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        use flags::list_interfaces as I;
        let f = self.states.flags((I::ACTIVE, I::INACTIVE), &[]);
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
