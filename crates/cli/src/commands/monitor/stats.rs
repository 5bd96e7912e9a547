//! `domstats`: statistics of some or all domains from the driver (the PerformanceManager's
//! counters), in virsh's `Domain: 'NAME'` / `  field=value` records or as JSON.

use clap::Args;

use crate::options::flag_bits;
use crate::output::{json_out, CmdResult, Out};
use crate::present::{params, ParamValue};
use crate::registry::{ConnCommand, Spec};
use crate::session::Ctx;

/// `domstats`: virsh's options in virsh's order; the domains are virsh's argv option.
#[derive(Args, Debug, Clone, Default)]
pub struct Domstats {
    /// report domain state
    #[arg(long)]
    pub state: bool,
    /// report domain physical cpu usage
    #[arg(long)]
    pub cpu_total: bool,
    /// report domain balloon statistics
    #[arg(long)]
    pub balloon: bool,
    /// report domain virtual cpu information
    #[arg(long)]
    pub vcpu: bool,
    /// report domain network interface information
    #[arg(long)]
    pub interface: bool,
    /// report domain block device statistics
    #[arg(long)]
    pub block: bool,
    /// report domain perf event statistics
    #[arg(long)]
    pub perf: bool,
    /// report domain IOThread information
    #[arg(long)]
    pub iothread: bool,
    /// report domain memory usage
    #[arg(long)]
    pub memory: bool,
    /// report domain dirty rate information
    #[arg(long)]
    pub dirtyrate: bool,
    /// report hypervisor-specific statistics
    #[arg(long)]
    pub vm: bool,
    /// list only active domains
    #[arg(long)]
    pub list_active: bool,
    /// list only inactive domains
    #[arg(long)]
    pub list_inactive: bool,
    /// list only persistent domains
    #[arg(long)]
    pub list_persistent: bool,
    /// list only transient domains
    #[arg(long)]
    pub list_transient: bool,
    /// list only running domains
    #[arg(long)]
    pub list_running: bool,
    /// list only paused domains
    #[arg(long)]
    pub list_paused: bool,
    /// list only shutoff domains
    #[arg(long)]
    pub list_shutoff: bool,
    /// list only domains in other states
    #[arg(long)]
    pub list_other: bool,
    /// do not pretty-print the fields
    #[arg(long)]
    pub raw: bool,
    /// enforce requested stats parameters
    #[arg(long)]
    pub enforce: bool,
    /// add backing chain information to block stats
    #[arg(long)]
    pub backing: bool,
    /// report only stats that are accessible instantly
    #[arg(long)]
    pub nowait: bool,
    /// list of domains to get stats for
    #[arg(long)]
    pub domain: Vec<String>,
}

impl ConnCommand for Domstats {
    const SPEC: Spec = Spec::new("domstats", "get statistics about one or multiple domains").json();
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        let (groups, flags) = domstats_bits(a);
        let records = if a.domain.is_empty() {
            ctx.conn.get_all_domain_stats(groups, flags)?
        } else {
            let doms = a
                .domain
                .iter()
                .map(|d| ctx.domain(d))
                .collect::<Result<Vec<_>, _>>()?;
            ctx.conn.domain_list_get_stats(&doms, groups, flags)?
        };
        let records: Vec<StatsRecord> = records
            .iter()
            .map(|r| (r.domain.get_name().to_string(), params(&r.params)))
            .collect();
        if ctx.json {
            let rows: Vec<StatsJson> = records
                .iter()
                .map(|(name, fields)| StatsJson {
                    domain: name,
                    stats: OrderedFields(fields),
                })
                .collect();
            return json_out(out, &rows);
        }
        out.print(&format_domstats(&records));
        Ok(())
    }
}
/// The stats groups and flags virsh passes for `domstats`'s options.
fn domstats_bits(a: &Domstats) -> (u32, u32) {
    use esxvirt_driver::stats::{flag, group};
    let groups = [
        (a.state, group::STATE),
        (a.cpu_total, group::CPU_TOTAL),
        (a.balloon, group::BALLOON),
        (a.vcpu, group::VCPU),
        (a.interface, group::INTERFACE),
        (a.block, group::BLOCK),
        (a.perf, group::PERF),
        (a.iothread, group::IOTHREAD),
        (a.memory, group::MEMORY),
        (a.dirtyrate, group::DIRTYRATE),
        (a.vm, group::VM),
    ];
    let flags = [
        (a.list_active, flag::ACTIVE),
        (a.list_inactive, flag::INACTIVE),
        (a.list_persistent, flag::PERSISTENT),
        (a.list_transient, flag::TRANSIENT),
        (a.list_running, flag::RUNNING),
        (a.list_paused, flag::PAUSED),
        (a.list_shutoff, flag::SHUTOFF),
        (a.list_other, flag::OTHER),
        (a.enforce, flag::ENFORCE_STATS),
        (a.backing, flag::BACKING),
        (a.nowait, flag::NOWAIT),
    ];
    (flag_bits(&groups), flag_bits(&flags))
}

/// One domain's statistics as printed: its name and `(field, value)` pairs.
pub type StatsRecord = (String, Vec<(String, ParamValue)>);

/// virsh's `domstats` text: per domain `Domain: 'NAME'` and an indented `field=value` line
/// per statistic, records separated by a blank line (`--raw` changes nothing: virsh has no
/// pretty-printing either).
pub fn format_domstats(records: &[StatsRecord]) -> String {
    let mut s = String::new();
    for (i, (name, fields)) in records.iter().enumerate() {
        if i > 0 {
            s.push('\n');
        }
        s.push_str(&format!("Domain: '{name}'\n"));
        for (field, value) in fields {
            s.push_str(&format!("  {field}={}\n", value.to_virsh()));
        }
    }
    s
}

/// The fields of a record as a JSON object in their order (serde_json's own maps sort).
struct OrderedFields<'a>(&'a [(String, ParamValue)]);

impl serde::Serialize for OrderedFields<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

#[derive(serde::Serialize)]
struct StatsJson<'a> {
    domain: &'a str,
    stats: OrderedFields<'a>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_like_virsh() {
        let records: Vec<StatsRecord> = vec![
            (
                "web 1".into(),
                vec![
                    ("state.state".into(), ParamValue::Int(1)),
                    ("balloon.current".into(), ParamValue::ULLong(4194304)),
                ],
            ),
            ("db".into(), vec![]),
        ];
        assert_eq!(
            format_domstats(&records),
            "Domain: 'web 1'\n  state.state=1\n  balloon.current=4194304\n\nDomain: 'db'\n"
        );
        let json = serde_json::to_string(&StatsJson {
            domain: "web 1",
            stats: OrderedFields(&records[0].1),
        })
        .unwrap();
        assert_eq!(
            json,
            r#"{"domain":"web 1","stats":{"state.state":1,"balloon.current":4194304}}"#
        );
    }

    #[test]
    fn options_become_groups_and_flags() {
        use esxvirt_driver::stats::{flag, group};
        let a = Domstats {
            state: true,
            vcpu: true,
            list_running: true,
            nowait: true,
            ..Domstats::default()
        };
        assert_eq!(
            domstats_bits(&a),
            (group::STATE | group::VCPU, flag::RUNNING | flag::NOWAIT)
        );
    }
}
