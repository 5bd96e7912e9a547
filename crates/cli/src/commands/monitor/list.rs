//! `list`: the domains of the host (or, with `--all-hosts`, of every host of a vCenter),
//! filtered and sorted as virsh does, as a table, names, IDs, UUIDs or JSON.

use clap::Args;
use esxvirt_driver::flags;
use serde::Serialize;

use super::DomainState;
use crate::options::{list_flags, listed, AutostartArgs, PersistenceArgs, StateArgs};
use crate::output::{json_out, CmdError, CmdResult, Out};
use crate::present::strcasecmp;
use crate::registry::{ConnCommand, Spec};
use crate::session::Ctx;
use crate::table::format_table;

listed!(
    /// Domains in `list`'s help.
    Domains,
    "domain"
);

/// `list [--all|--inactive] [filters] [--name|--uuid|--id|--table] [--title] [--all-hosts]`.

#[derive(Args, Debug, Clone, Default)]
#[command(after_long_help = LIST_ALL_HOSTS_HELP)]
pub struct List {
    #[command(flatten)]
    pub states: StateArgs<Domains>,
    #[command(flatten)]
    pub persistence: PersistenceArgs<Domains>,
    /// list domains with existing snapshot
    #[arg(long)]
    pub with_snapshot: bool,
    /// list domains without a snapshot
    #[arg(long)]
    pub without_snapshot: bool,
    /// list domains with existing checkpoint
    #[arg(long)]
    pub with_checkpoint: bool,
    /// list domains without a checkpoint
    #[arg(long)]
    pub without_checkpoint: bool,
    /// list domains in running state
    #[arg(long)]
    pub state_running: bool,
    /// list domains in paused state
    #[arg(long)]
    pub state_paused: bool,
    /// list domains in shutoff state
    #[arg(long)]
    pub state_shutoff: bool,
    /// list domains in other states
    #[arg(long)]
    pub state_other: bool,
    #[command(flatten)]
    pub autostart: AutostartArgs<Domains>,
    /// list domains with managed save state
    #[arg(long)]
    pub with_managed_save: bool,
    /// list domains without managed save
    #[arg(long)]
    pub without_managed_save: bool,
    /// list uuid's only
    #[arg(long)]
    pub uuid: bool,
    /// list domain names only
    #[arg(long)]
    pub name: bool,
    /// list domain IDs only
    #[arg(long)]
    pub id: bool,
    /// list table (default)
    #[arg(long)]
    pub table: bool,
    /// mark inactive domains with managed save state
    #[arg(long)]
    pub managed_save: bool,
    /// show domain title
    #[arg(long)]
    pub title: bool,
    /// esxvirt: list the domains of every host, with a Host column (more in --help)
    #[arg(long)]
    pub all_hosts: bool,
}

/// The long help of `list --all-hosts` (an esxvirt extension virsh lacks).
const LIST_ALL_HOSTS_HELP: &str = "\
--all-hosts (esxvirt extension):
  On a vpx:// connection, lists the domains of every host of the vCenter (all hosts of all
  datacenters), not only the host the URI names; on esx:// and gsx:// the host's own
  domains (the same domains as without it). The URI rules stay libvirt's: a vpx:// URI
  still names one host. One paged retrieval answers, whatever the number of hosts and VMs.
  Every filter works as without it (--all, --inactive, --state-*, --autostart,
  --with-snapshot, ...); IDs are the numbers of the VMs' managed-object ids (vm-123 is
  123), unique across the vCenter.

  The table is virsh's with a Host column (the host's inventory name) after State; rows
  are sorted as virsh sorts them (running domains by ID, then the others by name, equal
  names by host):

    Id   Name    State      Host
   ---------------------------------------------
    22   app01   running    esx-01.example.com
    24   app03   running    esx-02.example.com
    -    app02   shut off   esx-01.example.com
    -    app02   shut off   esx-21.example.com

  --name, --uuid and --id print the same lines as without --all-hosts; --json adds a
  \"host\" field to every domain; --title cannot be combined with --all-hosts.";

impl ConnCommand for List {
    const SPEC: Spec = Spec::new("list", "list domains").json();
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        use flags::list_domains as L;
        if a.table && (a.name || a.uuid || a.id) {
            let other = if a.name {
                "name"
            } else if a.uuid {
                "uuid"
            } else {
                "id"
            };
            return Err(CmdError::msg(format!(
                "Options --table and --{other} are mutually exclusive"
            )));
        }
        if a.all_hosts && a.title {
            // A title would cost a download per domain, from every datacenter.
            return Err(CmdError::msg(
                "Options --all-hosts and --title are mutually exclusive",
            ));
        }
        let f = list_flags(
            a.states.inactive || a.state_shutoff,
            a.states.all,
            (L::ACTIVE, L::INACTIVE),
            &[
                (a.persistence.persistent, L::PERSISTENT),
                (a.persistence.transient, L::TRANSIENT),
                (a.with_managed_save, L::MANAGEDSAVE),
                (a.without_managed_save, L::NO_MANAGEDSAVE),
                (a.autostart.autostart, L::AUTOSTART),
                (a.autostart.no_autostart, L::NO_AUTOSTART),
                (a.with_snapshot, L::HAS_SNAPSHOT),
                (a.without_snapshot, L::NO_SNAPSHOT),
                (a.with_checkpoint, L::HAS_CHECKPOINT),
                (a.without_checkpoint, L::NO_CHECKPOINT),
                (a.state_running, L::RUNNING),
                (a.state_paused, L::PAUSED),
                (a.state_shutoff, L::SHUTOFF),
                (a.state_other, L::OTHER),
            ],
        );
        let failed = |e| CmdError::with("Failed to list domains", e);
        // Each domain with its host's name (`--all-hosts` only).
        let doms: Vec<(esxvirt_driver::Domain<'_>, Option<String>)> = if a.all_hosts {
            ctx.conn
                .list_all_domains_all_hosts(f)
                .map_err(failed)?
                .into_iter()
                .map(|h| (h.domain, Some(h.host)))
                .collect()
        } else {
            ctx.conn
                .list_all_domains(f)
                .map_err(failed)?
                .into_iter()
                .map(|d| (d, None))
                .collect()
        };
        let mut rows = Vec::with_capacity(doms.len());
        for (d, host) in &doms {
            let Ok((state, _)) = d.get_state(0) else {
                continue;
            };
            let managed_save = if a.managed_save && state == DomainState::Shutoff {
                d.has_managed_save_image(0).unwrap_or(false)
            } else {
                false
            };
            rows.push(DomainRow {
                id: d.get_id(),
                name: d.get_name().to_string(),
                uuid: d.get_uuid_string(),
                state,
                title: String::new(),
                managed_save,
                host: host.clone(),
            });
        }
        if a.all_hosts {
            sort_host_domains(&mut rows);
        } else {
            sort_domains(&mut rows);
        }
        if a.title && !(a.uuid || a.name || a.id) {
            // virsh reads each title from the domain's XML, in listing order.
            for r in rows.iter_mut() {
                let Some((d, _)) = doms.iter().find(|(d, _)| d.get_uuid_string() == r.uuid) else {
                    continue;
                };
                let xml = d
                    .get_xml_desc(0)
                    .map_err(|e| CmdError::with("Failed to get domain description xml", e))?;
                let def = esxvirt_xml::domain::Domain::from_xml(&xml)
                    .map_err(|e| CmdError::msg(e.to_string()))?;
                r.title = def.title.unwrap_or_default();
            }
        }
        if ctx.json {
            return json_out(out, &rows);
        }
        let view = ListView {
            uuid: a.uuid,
            name: a.name,
            id: a.id,
            title: a.title,
            managed_save: a.managed_save,
            quiet: ctx.quiet,
            host: a.all_hosts,
        };
        out.print(&list(&rows, &view));
        Ok(())
    }
}

/// One domain as `list` shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DomainRow {
    /// None for an inactive domain (shown as `-`).
    pub id: Option<u32>,
    pub name: String,
    pub uuid: String,
    pub state: DomainState,
    /// Shown with `--title`.
    pub title: String,
    /// Marked `saved` with `--managed-save`.
    pub managed_save: bool,
    /// The host the domain runs on (`list --all-hosts` only; absent from the JSON otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

/// `list`'s presentation switches.
#[derive(Clone, Copy, Debug, Default)]
pub struct ListView {
    pub uuid: bool,
    pub name: bool,
    pub id: bool,
    pub title: bool,
    pub managed_save: bool,
    pub quiet: bool,
    /// A Host column after State (`list --all-hosts`).
    pub host: bool,
}

/// Sorts the domains of several hosts: as [`sort_domains`], equal names by host.
pub fn sort_host_domains(rows: &mut [DomainRow]) {
    // sort_domains is stable: ordering by host first leaves equal names in host order.
    rows.sort_by(|a, b| strcasecmp(host_of(a), host_of(b)));
    sort_domains(rows);
}

fn host_of(r: &DomainRow) -> &str {
    r.host.as_deref().unwrap_or_default()
}

/// Sorts domains like virsh: running ones by ID first, then inactive ones by name.
pub fn sort_domains(rows: &mut [DomainRow]) {
    rows.sort_by(|a, b| match (a.id, b.id) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => strcasecmp(&a.name, &b.name),
    });
}

/// `list` output for already filtered and sorted rows.
pub fn list(rows: &[DomainRow], view: &ListView) -> String {
    let id_text = |r: &DomainRow| r.id.map_or("-".to_string(), |i| i.to_string());
    if view.uuid || view.name || view.id {
        let mut out = String::new();
        for r in rows {
            let mut sep = "";
            let mut line = String::new();
            if view.uuid {
                line.push_str(&r.uuid);
                sep = " ";
            }
            if view.id {
                if r.id.is_none() && !view.uuid && !view.name {
                    continue;
                }
                line.push_str(sep);
                line.push_str(&id_text(r));
                sep = " ";
            }
            if view.name {
                line.push_str(sep);
                line.push_str(&r.name);
            }
            out.push_str(&line);
            out.push('\n');
        }
        return out;
    }
    let state = |r: &DomainRow| {
        if view.managed_save && r.state == DomainState::Shutoff && r.managed_save {
            "saved".to_string()
        } else {
            r.state.virsh_name().to_string()
        }
    };
    if view.title {
        let body: Vec<Vec<String>> = rows
            .iter()
            .map(|r| vec![id_text(r), r.name.clone(), state(r), r.title.clone()])
            .collect();
        format_table(&["Id", "Name", "State", "Title"], &body, !view.quiet)
    } else if view.host {
        let body: Vec<Vec<String>> = rows
            .iter()
            .map(|r| vec![id_text(r), r.name.clone(), state(r), host_of(r).to_string()])
            .collect();
        format_table(&["Id", "Name", "State", "Host"], &body, !view.quiet)
    } else {
        let body: Vec<Vec<String>> = rows
            .iter()
            .map(|r| vec![id_text(r), r.name.clone(), state(r)])
            .collect();
        format_table(&["Id", "Name", "State"], &body, !view.quiet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: Option<u32>, name: &str, state: DomainState) -> DomainRow {
        DomainRow {
            id,
            name: name.into(),
            uuid: format!("uuid-{name}"),
            state,
            title: String::new(),
            managed_save: false,
            host: None,
        }
    }

    #[test]
    fn list_across_hosts_adds_a_host_column() {
        let on = |id, name: &str, state, host: &str| DomainRow {
            host: Some(host.into()),
            ..row(id, name, state)
        };
        let mut rows = vec![
            on(None, "b", DomainState::Shutoff, "esx-2"),
            on(None, "a", DomainState::Shutoff, "esx-2"),
            on(Some(40), "web", DomainState::Running, "esx-10.example.com"),
            on(None, "A", DomainState::Shutoff, "esx-1"),
            on(Some(7), "db", DomainState::Paused, "esx-2"),
        ];
        sort_host_domains(&mut rows);
        let view = ListView {
            host: true,
            ..Default::default()
        };
        assert_eq!(
            list(&rows, &view),
            " Id   Name   State      Host\n\
             --------------------------------------------\n \
             7    db     paused     esx-2\n \
             40   web    running    esx-10.example.com\n \
             -    A      shut off   esx-1\n \
             -    a      shut off   esx-2\n \
             -    b      shut off   esx-2\n"
        );
        let names = ListView { name: true, ..view };
        assert_eq!(list(&rows, &names), "db\nweb\nA\na\nb\n");
    }

    #[test]
    fn list_like_virsh() {
        let mut rows = vec![
            row(None, "zeta", DomainState::Shutoff),
            row(Some(12), "web", DomainState::Running),
            row(None, "Alpha", DomainState::Shutoff),
            row(Some(3), "db", DomainState::Paused),
        ];
        sort_domains(&mut rows);
        assert_eq!(
            list(&rows, &ListView::default()),
            " Id   Name    State\n\
             ------------------------\n \
             3    db      paused\n \
             12   web     running\n \
             -    Alpha   shut off\n \
             -    zeta    shut off\n"
        );
        let v = ListView {
            name: true,
            ..Default::default()
        };
        assert_eq!(list(&rows, &v), "db\nweb\nAlpha\nzeta\n");
        let v = ListView {
            id: true,
            ..Default::default()
        };
        assert_eq!(list(&rows, &v), "3\n12\n");
        let v = ListView {
            uuid: true,
            name: true,
            ..Default::default()
        };
        assert_eq!(list(&rows[..1], &v), "uuid-db db\n");
    }
}
