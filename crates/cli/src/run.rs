//! Running commands: parsing a command line, and each command's implementation on the
//! session's connection. Output is
//! collected in an [`Out`] so the same code serves the one-shot binary, the shell and tests.

use clap::{CommandFactory, FromArgMatches};
use esxvirt_driver::{
    flags, Connection, Domain, ErrorCode, Network, StoragePool, StorageVol, TypedParam, TypedValue,
};

use crate::cli::{self, Cli, Cmd};
use crate::format::{self, DomainState as FState, VirshState};
use crate::lookup::By;
use crate::options::{
    flag_bits, list_flags, parse_scaled, read_input, read_input_bytes, scaled_kib,
};
use crate::output::{clap_error_line, json_out, CmdError, CmdResult, Out};
use crate::present::{params, print_xml, report_autostart, strcasecmp, ParamValue};
use crate::session::{Ctx, Session};

/// Parses and runs one command given as words (`["dominfo", "vm1"]`).
pub fn run_words(session: &mut Session, words: &[String]) -> (Out, CmdResult) {
    let mut out = Out::new(session.settings.quiet);
    let Some(name) = words.first() else {
        return (out, Ok(()));
    };
    let cmd = match parse_command(name, &words[1..]) {
        Ok(Parsed::Cmd(c)) => c,
        Ok(Parsed::Help(text)) => {
            out.print(&text);
            return (out, Ok(()));
        }
        Err(e) => return (out, Err(e)),
    };
    session.start_command();
    let r = execute(session, &cmd, &mut out);
    // virsh prints a blank line after each command that ran (not under --quiet).
    if !session.connect_failed() {
        out.extra("\n");
    }
    (out, r)
}

/// Runs a parsed command.
pub fn execute(session: &mut Session, cmd: &Cmd, out: &mut Out) -> CmdResult {
    // Commands that need no connection.
    match cmd {
        Cmd::DomxmlFromNative(a) if !session.uses_host() => {
            let config = read_input_bytes(&a.config)?;
            let xml =
                crate::native::from_native(&a.format, &config).map_err(|e| CmdError::msg(e.0))?;
            out.print(&xml);
            return Ok(());
        }
        Cmd::DomxmlToNative(a) if !session.uses_host() && a.domain.is_none() => {
            let Some(file) = &a.xml else {
                return Err(CmdError::msg("need either domain or domain XML"));
            };
            let xml = read_input(file)?;
            let vmx = crate::native::to_native(&a.format, &xml).map_err(|e| CmdError::msg(e.0))?;
            out.print(&vmx);
            return Ok(());
        }
        _ => {}
    }
    let ctx = session.ctx(session.settings.json)?;
    ctx.dispatch(cmd, out)
}

/// A parsed command line.
pub enum Parsed {
    Cmd(Cmd),
    /// `--help` of a command.
    Help(String),
}

/// Parses one command with virsh's argument rules.
pub fn parse_command(name: &str, rest: &[String]) -> Result<Parsed, CmdError> {
    let root = Cli::command();
    let known = root
        .get_subcommands()
        .any(|s| s.get_name() == name || s.get_all_aliases().any(|a| a == name));
    if !known {
        return Err(CmdError::msg(format!("unknown command: '{name}'")));
    }
    let mut argv = vec!["esxvirt".to_string(), name.to_string()];
    argv.extend(crate::args::normalize(name, rest));
    let matches = match root.try_get_matches_from(&argv) {
        Ok(m) => m,
        Err(e) => {
            use clap::error::ErrorKind;
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    Ok(Parsed::Help(e.to_string()))
                }
                _ => Err(CmdError::msg(clap_error_line(name, &e))),
            };
        }
    };
    let cli =
        Cli::from_arg_matches(&matches).map_err(|e| CmdError::msg(clap_error_line(name, &e)))?;
    match cli.command {
        Some(c) => Ok(Parsed::Cmd(c)),
        None => Err(CmdError::msg(format!("unknown command: '{name}'"))),
    }
}

/// libvirt's VIR_TYPED_PARAM_STRING_OKAY: the public API adds it to the flags of the
/// typed-parameter queries (memtune, schedinfo with flags) before calling the driver.
const TYPED_PARAM_STRING_OKAY: u32 = 1 << 2;

impl<'c> Ctx<'c> {
    fn dispatch(&self, cmd: &Cmd, out: &mut Out) -> CmdResult {
        match cmd {
            Cmd::List(a) => self.list(a, out)?,
            Cmd::Dominfo(a) => self.dominfo(&a.domain, out)?,
            Cmd::Domstate { dom, reason } => {
                let d = self.domain(&dom.domain)?;
                let (state, r) = d.get_state(0)?;
                if self.json {
                    json_out(
                        out,
                        &serde_json::json!({"state": state, "reason": state.reason(r)}),
                    )?;
                } else {
                    out.print(&format::domstate(state, r, *reason));
                }
            }
            Cmd::Domid(a) => {
                let d = self.domain_by(&a.domain, By::NO_ID)?;
                match d.get_id() {
                    Some(id) => out.print(&format!("{id}\n")),
                    None => out.print("-\n"),
                }
            }
            Cmd::Domname(a) => {
                let d = self.domain_by(&a.domain, By::NO_NAME)?;
                out.print(&format!("{}\n", d.get_name()));
            }
            Cmd::Domuuid(a) => {
                let d = self.domain_by(&a.domain, By::NO_UUID)?;
                out.print(&format!("{}\n", d.get_uuid_string()));
            }
            Cmd::Dumpxml(a) => {
                let d = self.domain(&a.dom.domain)?;
                let mut f = 0;
                if a.inactive {
                    f |= flags::domain_xml::INACTIVE;
                }
                if a.security_info {
                    f |= flags::domain_xml::SECURE;
                }
                if a.update_cpu {
                    f |= flags::domain_xml::UPDATE_CPU;
                }
                if a.migratable {
                    f |= flags::domain_xml::MIGRATABLE;
                }
                print_xml(out, &d.get_xml_desc(f)?, &a.filter)?;
            }
            Cmd::Define(a) => {
                let xml = read_input(&a.file)?;
                let f = if a.validate {
                    flags::define::VALIDATE
                } else {
                    0
                };
                let d = self.conn.domain_define_xml(&xml, f).map_err(|e| {
                    CmdError::with(format!("Failed to define domain from {}", a.file), e)
                })?;
                out.extra(&format!(
                    "Domain '{}' defined from {}\n",
                    d.get_name(),
                    a.file
                ));
            }
            Cmd::Undefine(a) => self.undefine(a, out)?,
            Cmd::Start(a) => {
                let d = self.domain_by(&a.dom.domain, By::NO_ID)?;
                if d.is_active()? {
                    return Err(CmdError::msg("Domain is already active"));
                }
                let mut f = 0;
                if a.paused {
                    f |= 1;
                }
                if a.autodestroy {
                    f |= 2;
                }
                if a.bypass_cache {
                    f |= 4;
                }
                if a.force_boot {
                    f |= 8;
                }
                if a.reset_nvram {
                    f |= 32;
                }
                d.create(f).map_err(|e| {
                    CmdError::with(format!("Failed to start domain '{}'", d.get_name()), e)
                })?;
                out.extra(&format!("Domain '{}' started\n", d.get_name()));
            }
            Cmd::Shutdown(a) | Cmd::Reboot(a) => {
                let reboot = matches!(cmd, Cmd::Reboot(_));
                let f = shutdown_mode(a.mode.as_deref())?;
                let d = self.domain(&a.dom.domain)?;
                let name = d.get_name().to_string();
                if reboot {
                    d.reboot(f).map_err(|e| {
                        CmdError::with(format!("Failed to reboot domain '{name}'"), e)
                    })?;
                    out.extra(&format!("Domain '{name}' is being rebooted\n"));
                } else {
                    d.shutdown(f).map_err(|e| {
                        CmdError::with(format!("Failed to shutdown domain '{name}'"), e)
                    })?;
                    out.extra(&format!("Domain '{name}' is being shutdown\n"));
                }
            }
            Cmd::Destroy(a) => {
                let d = self.domain(&a.dom.domain)?;
                let name = d.get_name().to_string();
                let f = if a.graceful { 1 } else { 0 } | if a.remove_logs { 2 } else { 0 };
                d.destroy(f)
                    .map_err(|e| CmdError::with(format!("Failed to destroy domain '{name}'"), e))?;
                out.extra(&format!("Domain '{name}' destroyed\n"));
            }
            Cmd::Suspend(a) => {
                let d = self.domain(&a.domain)?;
                let name = d.get_name().to_string();
                d.suspend()
                    .map_err(|e| CmdError::with(format!("Failed to suspend domain '{name}'"), e))?;
                out.extra(&format!("Domain '{name}' suspended\n"));
            }
            Cmd::Resume(a) => {
                let d = self.domain(&a.domain)?;
                let name = d.get_name().to_string();
                d.resume()
                    .map_err(|e| CmdError::with(format!("Failed to resume domain '{name}'"), e))?;
                out.extra(&format!("Domain '{name}' resumed\n"));
            }
            Cmd::Setmem(a) => {
                // virsh's default for setmem is the live domain.
                let mut f = a.affect.flags()?;
                if !(a.affect.config || a.affect.live || a.affect.current) {
                    f = flags::affect::LIVE;
                }
                let d = self.domain(&a.dom.domain)?;
                let kib = scaled_kib(&a.size, "size")?;
                d.set_memory(kib, f)?;
            }
            Cmd::Setmaxmem(a) => {
                let f = a.affect.flags()?;
                let d = self.domain(&a.dom.domain)?;
                let kib = scaled_kib(&a.size, "size")?;
                d.set_memory(kib, f | flags::affect::MAXIMUM)
                    .map_err(|e| CmdError::with("Unable to change MaxMemorySize", e))?;
            }
            Cmd::Memtune(a) => self.memtune(a, out)?,
            Cmd::Setvcpus(a) => {
                let mut f = a.affect.flags()?;
                if a.guest && a.affect.config {
                    return Err(CmdError::msg(
                        "Options --guest and --config are mutually exclusive",
                    ));
                }
                if a.maximum && !a.affect.config {
                    return Err(CmdError::msg(
                        "Option --config is required by option --maximum",
                    ));
                }
                if a.guest {
                    f |= flags::affect::GUEST;
                }
                if a.maximum {
                    f |= flags::affect::MAXIMUM;
                }
                if a.hotpluggable {
                    f |= 1 << 4;
                }
                let d = self.domain(&a.dom.domain)?;
                let count: u32 = a
                    .count
                    .parse()
                    .map_err(|_| CmdError::malformed(&a.count, "count"))?;
                if count == 0 {
                    return Err(CmdError::msg("Can't set 0 processors for a VM"));
                }
                d.set_vcpus(count, f)?;
            }
            Cmd::Vcpucount(a) => self.vcpucount(a, out)?,
            Cmd::Schedinfo(a) => self.schedinfo(a, out)?,
            Cmd::Autostart(a) => {
                let d = self.domain(&a.dom.domain)?;
                let on = !a.disable;
                let shown = format!("'{}'", d.get_name());
                let result = d.set_autostart(on);
                report_autostart(out, on, "Failed", ("domain", "Domain"), &shown, result)?;
            }
            Cmd::Screenshot(a) => self.screenshot(a, out)?,
            Cmd::Domifaddr(a) => {
                let source = match a.source.as_deref() {
                    None | Some("lease") => flags::ifaddr_source::LEASE,
                    Some("agent") => flags::ifaddr_source::AGENT,
                    Some("arp") => flags::ifaddr_source::ARP,
                    Some(other) => {
                        return Err(CmdError::msg(format!("Unknown data source '{other}'")))
                    }
                };
                let d = self.domain(&a.dom.domain)?;
                let ifaces = d
                    .interface_addresses(source, 0)
                    .map_err(|e| CmdError::with("Failed to query for interfaces addresses", e))?;
                let rows: Vec<format::IfAddrs> = ifaces
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
                out.print(&format::domifaddr(
                    &rows,
                    a.interface.as_deref(),
                    a.full,
                    !self.quiet,
                ));
            }
            Cmd::Domhostname(a) => {
                let f = match a.source.as_deref() {
                    None => 0,
                    Some("lease") => flags::hostname::LEASE,
                    Some("agent") => flags::hostname::AGENT,
                    Some(other) => {
                        return Err(CmdError::msg(format!("Unknown data source '{other}'")))
                    }
                };
                let d = self.domain(&a.dom.domain)?;
                let h = d
                    .get_hostname(f)
                    .map_err(|e| CmdError::with("failed to get hostname", e))?;
                out.print(&format!("{h}\n"));
            }
            Cmd::DomxmlFromNative(a) => {
                let config = read_input(&a.config)?;
                out.print(&self.conn.domain_xml_from_native(&a.format, &config)?);
            }
            Cmd::DomxmlToNative(a) => {
                let xml = match (&a.domain, &a.xml) {
                    (Some(_), Some(_)) => {
                        return Err(CmdError::msg(
                            "Options --domain and --xml are mutually exclusive",
                        ))
                    }
                    (Some(dname), None) => {
                        let d = self.domain(dname)?;
                        d.get_xml_desc(flags::domain_xml::INACTIVE)
                            .map_err(|e| CmdError::with("failed to retrieve XML", e))?
                    }
                    (None, Some(f)) => read_input(f)?,
                    (None, None) => return Err(CmdError::msg("need either domain or domain XML")),
                };
                out.print(&self.conn.domain_xml_to_native(&a.format, &xml)?);
            }
            Cmd::Migrate(a) => {
                let d = self.domain(&a.dom.domain)?;
                // The destination is opened as the session's own connection is.
                let dest = Connection::open(&a.desturi, &self.options)
                    .map_err(|e| CmdError::with("failed to connect to the hypervisor", e))?;
                let mut f = 0;
                if a.live {
                    f |= flags::migrate::LIVE;
                }
                d.migrate(&dest, f, a.dname.as_deref(), 0)?;
            }
            Cmd::Event(a) => {
                // Ctrl-C ends the wait (not the program) while the command runs.
                let _interrupt = crate::event::InterruptGuard::install();
                crate::event::run(
                    self.conn,
                    a,
                    |name| self.domain(name),
                    out,
                    &mut crate::event::emit_now,
                    &crate::event::INTERRUPTED,
                )?;
            }
            Cmd::Domstats(a) => self.domstats(a, out)?,
            Cmd::SnapshotCreate(a) => {
                let d = self.domain(&a.dom.domain)?;
                let (xml, from) = match &a.xmlfile {
                    Some(f) => (read_input(f)?, Some(f.clone())),
                    None => ("<domainsnapshot/>".to_string(), None),
                };
                let mut f = snapshot_create_flags(&a.flags);
                if a.redefine {
                    f |= flags::snapshot_create::REDEFINE;
                }
                if a.current {
                    f |= flags::snapshot_create::CURRENT;
                }
                let s = d.snapshot_create_xml(&xml, f)?;
                match from {
                    Some(from) => out.extra(&format!(
                        "Domain snapshot {} created from '{from}'",
                        s.get_name()
                    )),
                    None => out.extra(&format!("Domain snapshot {} created", s.get_name())),
                }
            }
            Cmd::SnapshotCreateAs(a) => {
                let mut xml = String::from("<domainsnapshot>\n");
                if let Some(n) = &a.name {
                    xml.push_str(&format!("  <name>{}</name>\n", xml_escape(n)));
                }
                if let Some(desc) = &a.description {
                    xml.push_str(&format!(
                        "  <description>{}</description>\n",
                        xml_escape(desc)
                    ));
                }
                if a.memspec.is_some() || !a.diskspec.is_empty() {
                    return Err(CmdError::msg(
                        "unsupported configuration: --memspec and --diskspec are not supported by the ESX driver",
                    ));
                }
                xml.push_str("</domainsnapshot>\n");
                if a.print_xml {
                    out.print(&xml);
                    return Ok(());
                }
                let d = self.domain(&a.dom.domain)?;
                let s = d.snapshot_create_xml(&xml, snapshot_create_flags(&a.flags))?;
                out.extra(&format!("Domain snapshot {} created", s.get_name()));
            }
            Cmd::SnapshotList(a) => self.snapshot_list(a, out)?,
            Cmd::SnapshotInfo(a) => self.snapshot_info(a, out)?,
            Cmd::SnapshotDumpxml(a) => {
                let d = self.domain(&a.dom.domain)?;
                let s = d.snapshot_lookup_by_name(&a.snapshotname, 0)?;
                print_xml(
                    out,
                    &s.get_xml_desc(if a.security_info { 1 } else { 0 })?,
                    &a.filter,
                )?;
            }
            Cmd::SnapshotCurrent(a) => {
                let d = self.domain(&a.dom.domain)?;
                if let Some(n) = &a.snapshotname {
                    if a.name || a.security_info {
                        return Err(CmdError::msg(
                            "Options --snapshotname and --name are mutually exclusive",
                        ));
                    }
                    let s = d.snapshot_lookup_by_name(n, 0)?;
                    // virsh asks for the secure XML (VIR_DOMAIN_SNAPSHOT_XML_SECURE).
                    let xml = s.get_xml_desc(1)?;
                    d.snapshot_create_xml(
                        &xml,
                        flags::snapshot_create::REDEFINE | flags::snapshot_create::CURRENT,
                    )?;
                    out.extra(&format!("Snapshot {n} set as current"));
                    return Ok(());
                }
                if !d.has_current_snapshot(0)? {
                    return Err(CmdError::msg(format!(
                        "domain '{}' has no current snapshot",
                        d.get_name()
                    )));
                }
                let s = d.snapshot_current(0)?;
                if a.name {
                    out.print(s.get_name());
                } else {
                    out.print(&s.get_xml_desc(if a.security_info { 1 } else { 0 })?);
                }
            }
            Cmd::SnapshotParent(a) => {
                let d = self.domain(&a.dom.domain)?;
                let s = self.snapshot(&d, a.snapshotname.as_deref(), a.current)?;
                let xml = s.get_xml_desc(0)?;
                match snapshot_parent_name(&xml) {
                    Some(p) => out.print(&p),
                    None => {
                        return Err(CmdError::msg(format!(
                            "snapshot '{}' has no parent",
                            s.get_name()
                        )))
                    }
                }
            }
            Cmd::SnapshotRevert(a) => {
                let d = self.domain(&a.dom.domain)?;
                let s = self.snapshot(&d, a.snapshotname.as_deref(), a.current)?;
                let mut f = 0;
                if a.running {
                    f |= flags::snapshot_revert::RUNNING;
                }
                if a.paused {
                    f |= flags::snapshot_revert::PAUSED;
                }
                if a.force {
                    f |= flags::snapshot_revert::FORCE;
                }
                s.revert(f)?;
                out.extra(&format!("Domain snapshot {} reverted\n", s.get_name()));
            }
            Cmd::SnapshotDelete(a) => {
                let d = self.domain(&a.dom.domain)?;
                let s = self.snapshot(&d, a.snapshotname.as_deref(), a.current)?;
                let mut f = 0;
                if a.children {
                    f |= flags::snapshot_delete::CHILDREN;
                }
                if a.children_only {
                    f |= flags::snapshot_delete::CHILDREN_ONLY;
                }
                if a.metadata {
                    f |= flags::snapshot_delete::METADATA_ONLY;
                }
                let name = s.get_name().to_string();
                s.delete(f)
                    .map_err(|e| CmdError::with(format!("Failed to delete snapshot {name}"), e))?;
                if a.children_only {
                    out.extra(&format!("Domain snapshot {name} children deleted\n"));
                } else {
                    out.extra(&format!("Domain snapshot {name} deleted\n"));
                }
            }
            Cmd::NetList(a) => self.net_list(a, out)?,
            Cmd::NetInfo(a) => {
                let n = self.network(&a.network)?;
                let row = net_row(&n);
                if self.json {
                    json_out(out, &row)?;
                } else {
                    out.print(&format::net_info(&row));
                }
            }
            Cmd::NetDumpxml(a) => {
                let n = self.network(&a.net.network)?;
                print_xml(
                    out,
                    &n.get_xml_desc(if a.inactive { 1 } else { 0 })?,
                    &a.filter,
                )?;
            }
            Cmd::NetDefine(a) => {
                let xml = read_input(&a.file)?;
                let n = self.conn.network_define_xml(&xml, 0).map_err(|e| {
                    CmdError::with(format!("Failed to define network from {}", a.file), e)
                })?;
                out.extra(&format!(
                    "Network {} defined from {}\n",
                    n.get_name(),
                    a.file
                ));
            }
            Cmd::NetUndefine(a) => {
                let n = self.network(&a.network)?;
                let name = n.get_name().to_string();
                n.undefine()
                    .map_err(|e| CmdError::with(format!("Failed to undefine network {name}"), e))?;
                out.extra(&format!("Network {name} has been undefined\n"));
            }
            Cmd::NetUuid(a) => {
                let n = self.network_by(&a.network, false, true)?;
                out.print(&format!("{}\n", n.get_uuid_string()));
            }
            Cmd::NetName(a) => {
                let n = self.network_by(&a.network, true, false)?;
                out.print(&format!("{}\n", n.get_name()));
            }
            Cmd::NetAutostart(a) => {
                let n = self.network(&a.net.network)?;
                let on = !a.disable;
                let shown = n.get_name().to_string();
                let result = n.set_autostart(on);
                report_autostart(out, on, "failed", ("network", "Network"), &shown, result)?;
            }
            Cmd::IfaceList(a) => {
                let mut f = flags::list_interfaces::ACTIVE;
                if a.inactive {
                    f = flags::list_interfaces::INACTIVE;
                }
                if a.all {
                    f = flags::list_interfaces::ACTIVE | flags::list_interfaces::INACTIVE;
                }
                let list = self
                    .conn
                    .list_all_interfaces(f)
                    .map_err(|e| CmdError::with("Failed to list interfaces", e))?;
                let mut rows: Vec<format::IfaceRow> = list
                    .iter()
                    .map(|i| format::IfaceRow {
                        name: i.get_name().to_string(),
                        active: i.is_active().unwrap_or(false),
                        mac: i.get_mac_string().to_string(),
                    })
                    .collect();
                rows.sort_by(|a, b| strcasecmp(&a.name, &b.name));
                if self.json {
                    json_out(out, &rows)?;
                } else {
                    out.print(&format::iface_list(&rows, self.quiet));
                }
            }
            Cmd::IfaceDumpxml(a) => {
                let i = self.iface(&a.iface.interface)?;
                print_xml(
                    out,
                    &i.get_xml_desc(if a.inactive { 1 } else { 0 })?,
                    &a.filter,
                )?;
            }
            Cmd::IfaceMac(a) => {
                let i = self.iface_by(&a.interface, true, false)?;
                out.print(&format!("{}\n", i.get_mac_string()));
            }
            Cmd::IfaceName(a) => {
                let i = self.iface_by(&a.interface, false, true)?;
                out.print(&format!("{}\n", i.get_name()));
            }
            Cmd::PoolList(a) => self.pool_list(a, out)?,
            Cmd::PoolInfo(a) => {
                let p = self.pool(&a.pool.pool)?;
                let row = pool_row(&p)?;
                if self.json {
                    json_out(out, &row)?;
                } else {
                    out.print(&format::pool_info(&row, a.bytes));
                }
            }
            Cmd::PoolDumpxml(a) => {
                let p = self.pool(&a.pool.pool)?;
                print_xml(
                    out,
                    &p.get_xml_desc(if a.inactive { 1 } else { 0 })?,
                    &a.filter,
                )?;
            }
            Cmd::PoolRefresh(a) => {
                let p = self.pool(&a.pool)?;
                let name = p.get_name().to_string();
                p.refresh(0)
                    .map_err(|e| CmdError::with(format!("Failed to refresh pool {name}"), e))?;
                out.extra(&format!("Pool {name} refreshed\n"));
            }
            Cmd::PoolUuid(a) => {
                let p = self.pool_by(&a.pool, false, true)?;
                out.print(&format!("{}\n", p.get_uuid_string()));
            }
            Cmd::PoolName(a) => {
                let p = self.pool_by(&a.pool, true, false)?;
                out.print(&format!("{}\n", p.get_name()));
            }
            Cmd::VolList(a) => {
                let p = self.pool(&a.pool.pool)?;
                let vols = p
                    .list_all_volumes(0)
                    .map_err(|e| CmdError::with("Failed to list storage volumes", e))?;
                let mut rows: Vec<format::VolRow> = vols.iter().map(vol_row).collect();
                rows.sort_by(|a, b| strcasecmp(&a.name, &b.name));
                if self.json {
                    json_out(out, &rows)?;
                } else {
                    out.print(&format::vol_list(&rows, a.details, self.quiet));
                }
            }
            Cmd::VolInfo(a) => {
                let v = self.vol(&a.vol.vol, a.vol.pool.as_deref())?;
                let info = match v.get_info() {
                    Ok(info) => info,
                    Err(e) => {
                        // virsh has printed the name by then.
                        if !self.json {
                            out.print(&format::vol_info_name(v.get_name()));
                        }
                        return Err(e.into());
                    }
                };
                let row = format::VolRow {
                    name: v.get_name().to_string(),
                    path: v.get_path().unwrap_or_default(),
                    kind: vol_kind(info.kind),
                    capacity: info.capacity,
                    allocation: info.allocation,
                };
                if self.json {
                    json_out(out, &row)?;
                } else {
                    out.print(&format::vol_info(&row, a.bytes, a.physical));
                }
            }
            Cmd::VolDumpxml(a) => {
                let v = self.vol(&a.vol.vol, a.vol.pool.as_deref())?;
                print_xml(out, &v.get_xml_desc(0)?, &a.filter)?;
            }
            Cmd::VolCreate(a) => {
                let p = self.pool(&a.pool)?;
                let xml = read_input(&a.file)?;
                let f = if a.prealloc_metadata {
                    flags::vol_create::PREALLOC_METADATA
                } else {
                    0
                };
                let v = p.storage_vol_create_xml(&xml, f).map_err(|e| {
                    CmdError::with(format!("Failed to create vol from {}", a.file), e)
                })?;
                out.extra(&format!("Vol {} created from {}\n", v.get_name(), a.file));
            }
            Cmd::VolCreateAs(a) => self.vol_create_as(a, out)?,
            Cmd::VolCreateFrom(a) => {
                let p = self.pool(&a.pool)?;
                let input = self.vol_in(&a.vol, a.inputpool.as_deref(), Some("inputpool"))?;
                let xml = read_input(&a.file)?;
                let mut f = 0;
                if a.prealloc_metadata {
                    f |= flags::vol_create::PREALLOC_METADATA;
                }
                if a.reflink {
                    f |= flags::vol_create::REFLINK;
                }
                let v = p
                    .storage_vol_create_xml_from(&xml, &input, f)
                    .map_err(|e| {
                        CmdError::with(format!("Failed to create vol from {}", a.file), e)
                    })?;
                out.extra(&format!(
                    "Vol {} created from input vol {}\n",
                    v.get_name(),
                    input.get_name()
                ));
            }
            Cmd::VolDelete(a) => {
                let v = self.vol(&a.vol.vol, a.vol.pool.as_deref())?;
                let f = if a.delete_snapshots {
                    flags::vol_delete::WITH_SNAPSHOTS
                } else {
                    0
                };
                let name = v.get_name().to_string();
                v.delete(f)
                    .map_err(|e| CmdError::with(format!("Failed to delete vol {name}"), e))?;
                out.extra(&format!("Vol {name} deleted\n"));
            }
            Cmd::VolWipe(a) => {
                let v = self.vol(&a.vol.vol, a.vol.pool.as_deref())?;
                let name = v.get_name().to_string();
                if let Some(alg) = &a.algorithm {
                    if alg != "zero" {
                        return Err(CmdError::msg(format!("Unsupported algorithm '{alg}'")));
                    }
                }
                v.wipe(0)
                    .map_err(|e| CmdError::with(format!("Failed to wipe vol {name}"), e))?;
                out.extra(&format!("Vol {name} wiped\n"));
            }
            Cmd::VolUpload(a) => self.vol_upload(a)?,
            Cmd::VolDownload(a) => self.vol_download(a)?,
            Cmd::VolPath(a) => {
                let v = self.vol(&a.vol, a.pool.as_deref())?;
                out.print(&format!("{}\n", v.get_path()?));
            }
            Cmd::VolKey(a) => {
                let v = self.vol(&a.vol, a.pool.as_deref())?;
                out.print(&format!("{}\n", v.get_key()));
            }
            Cmd::VolName(a) => {
                let v = self.vol_in(&a.vol, None, None)?;
                out.print(&format!("{}\n", v.get_name()));
            }
            Cmd::VolPool(a) => {
                let v = self.vol_in(&a.vol, None, None)?;
                let p = v
                    .get_pool()
                    .map_err(|e| CmdError::with("failed to get parent pool", e))?;
                if a.uuid {
                    out.print(&format!("{}\n", p.get_uuid_string()));
                } else {
                    out.print(&format!("{}\n", p.get_name()));
                }
            }
        }
        Ok(())
    }

    fn list(&self, a: &cli::ListArgs, out: &mut Out) -> CmdResult {
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
            a.inactive || a.state_shutoff,
            a.all,
            (L::ACTIVE, L::INACTIVE),
            &[
                (a.persistent, L::PERSISTENT),
                (a.transient, L::TRANSIENT),
                (a.with_managed_save, L::MANAGEDSAVE),
                (a.without_managed_save, L::NO_MANAGEDSAVE),
                (a.autostart, L::AUTOSTART),
                (a.no_autostart, L::NO_AUTOSTART),
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
            self.conn
                .list_all_domains_all_hosts(f)
                .map_err(failed)?
                .into_iter()
                .map(|h| (h.domain, Some(h.host)))
                .collect()
        } else {
            self.conn
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
            let managed_save = if a.managed_save && state == FState::Shutoff {
                d.has_managed_save_image(0).unwrap_or(false)
            } else {
                false
            };
            rows.push(format::DomainRow {
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
            format::sort_host_domains(&mut rows);
        } else {
            format::sort_domains(&mut rows);
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
                r.title = top_level_element(&xml, "title").unwrap_or_default();
            }
        }
        if self.json {
            return json_out(out, &rows);
        }
        let view = format::ListView {
            uuid: a.uuid,
            name: a.name,
            id: a.id,
            title: a.title,
            managed_save: a.managed_save,
            quiet: self.quiet,
            host: a.all_hosts,
        };
        out.print(&format::list(&rows, &view));
        Ok(())
    }

    fn dominfo(&self, name: &str, out: &mut Out) -> CmdResult {
        let d = self.domain(name)?;
        let info = d.get_info();
        let persistent = d.is_persistent().ok();
        let autostart = d.get_autostart().ok();
        let managed_save = d.has_managed_save_image(0).ok();
        let (state, vcpus, cpu, max, used) = match &info {
            Ok(i) => (i.state, i.nr_virt_cpu, i.cpu_time, i.max_mem, i.memory),
            Err(_) => (FState::NoState, 0, 0, 0, 0),
        };
        let di = format::DomInfo {
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
        if self.json {
            json_out(out, &di)?;
        } else if info.is_ok() {
            out.print(&format::dominfo(&di));
        } else {
            // virsh prints the lines it has, then fails.
            let text = format::dominfo(&di);
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

    fn undefine(&self, a: &cli::UndefineArgs, out: &mut Out) -> CmdResult {
        if a.storage.is_some() || a.remove_all_storage || a.wipe_storage {
            return Err(CmdError::msg(
                "esxvirt never deletes disks: --storage, --remove-all-storage and --wipe-storage are not supported",
            ));
        }
        let d = self.domain(&a.dom.domain)?;
        let name = d.get_name().to_string();
        let mut f: u32 = 0;
        if a.managed_save {
            f |= 1;
        }
        if a.snapshots_metadata {
            f |= 2;
        }
        if a.nvram {
            f |= 4;
        }
        if a.keep_nvram {
            f |= 8;
        }
        if a.checkpoints_metadata {
            f |= 16;
        }
        if a.tpm {
            f |= 32;
        }
        if a.keep_tpm {
            f |= 64;
        }
        let running = d.is_active()?;
        let (mut has_managed_save, mut has_snapshots, mut has_snap_meta) = (false, 0usize, 0usize);
        let (mut ms_safe, mut snap_safe) = (a.managed_save, a.snapshots_metadata);
        if !running {
            has_managed_save = match d.has_managed_save_image(0) {
                Ok(b) => b,
                Err(e) if e.code() == ErrorCode::NoSupport => false,
                Err(e) => return Err(e.into()),
            };
            has_snapshots = match d.snapshot_num(0) {
                Ok(n) => n,
                Err(e) if e.code() == ErrorCode::NoSupport => 0,
                Err(e) => return Err(e.into()),
            };
            if has_snapshots > 0 {
                match d.snapshot_num(flags::snapshot_list::METADATA) {
                    Ok(n) => {
                        has_snap_meta = n;
                        ms_safe = true;
                        snap_safe = true;
                    }
                    Err(_) => has_snap_meta = has_snapshots,
                }
            }
        }
        if !has_managed_save {
            f &= !1;
            ms_safe = true;
        }
        if has_snapshots == 0 {
            snap_safe = true;
        }
        if has_snap_meta == 0 {
            f &= !2;
            snap_safe = true;
        }
        let fail = |e| CmdError::with(format!("Failed to undefine domain '{name}'"), e);
        if (ms_safe && snap_safe) || a.nvram {
            match d.undefine(f) {
                Ok(()) => {
                    out.extra(&format!("Domain '{name}' has been undefined\n"));
                    return Ok(());
                }
                Err(e)
                    if a.nvram
                        || !matches!(e.code(), ErrorCode::NoSupport | ErrorCode::InvalidArg) =>
                {
                    return Err(fail(e))
                }
                Err(_) => {}
            }
        }
        if has_managed_save && !a.managed_save {
            return Err(CmdError::msg(
                "Refusing to undefine while domain managed save image exists",
            ));
        }
        if has_snap_meta > 0 {
            return Err(CmdError::msg(if a.snapshots_metadata {
                format!("Unable to remove metadata of {has_snap_meta} snapshots")
            } else {
                format!("Refusing to undefine while {has_snap_meta} snapshots exist")
            }));
        }
        d.undefine(0).map_err(fail)?;
        out.extra(&format!("Domain '{name}' has been undefined\n"));
        Ok(())
    }

    fn memtune(&self, a: &cli::MemtuneArgs, out: &mut Out) -> CmdResult {
        let f = a.affect.flags()?;
        let d = self.domain(&a.dom.domain)?;
        let mut set = Vec::new();
        for (name, v) in [
            ("hard_limit", &a.hard_limit),
            ("soft_limit", &a.soft_limit),
            ("swap_hard_limit", &a.swap_hard_limit),
            ("min_guarantee", &a.min_guarantee),
        ] {
            if let Some(text) = v {
                let opt = name.replace('_', "-");
                let bad = || CmdError::msg(format!("Unable to parse integer parameter {opt}"));
                let t = text.trim();
                let kib: u64 = if t.starts_with('-') {
                    let _: i64 = t
                        .trim_end_matches(|c: char| c.is_ascii_alphabetic())
                        .parse()
                        .map_err(|_| bad())?;
                    format::MEMORY_PARAM_UNLIMITED
                } else {
                    parse_scaled(t, 1024)
                        .map(|b| b.div_ceil(1024))
                        .ok_or_else(bad)?
                };
                set.push(TypedParam::new(name, TypedValue::ULLong(kib)));
            }
        }
        if set.is_empty() {
            let p = d
                .get_memory_parameters(f | TYPED_PARAM_STRING_OKAY)
                .map_err(|e| CmdError::with("Unable to get number of memory parameters", e))?;
            if p.is_empty() {
                return Ok(());
            }
            if self.json {
                return json_out(
                    out,
                    &params(&p)
                        .into_iter()
                        .collect::<std::collections::BTreeMap<_, _>>(),
                );
            }
            out.print(&format::memtune(&params(&p)));
            return Ok(());
        }
        d.set_memory_parameters(&set, f)
            .map_err(|e| CmdError::with("Unable to change memory parameters", e))?;
        Ok(())
    }

    fn vcpucount(&self, a: &cli::VcpucountArgs, out: &mut Out) -> CmdResult {
        use flags::affect as A;
        let all = !(a.maximum || a.active || a.current || a.config || a.live || a.guest);
        let mut current = a.current;
        if !a.maximum && !a.active && current {
            current = false;
        }
        for (x, y, n1, n2) in [
            (a.live, a.config, "live", "config"),
            (current, a.live, "current", "live"),
            (current, a.config, "current", "config"),
            (a.active, a.maximum, "active", "maximum"),
            (a.guest, a.config, "guest", "config"),
        ] {
            if x && y {
                return Err(CmdError::msg(format!(
                    "Options --{n1} and --{n2} are mutually exclusive"
                )));
            }
        }
        let mut f = A::CURRENT;
        if a.live {
            f |= A::LIVE;
        }
        if a.config {
            f |= A::CONFIG;
        }
        if a.maximum {
            f |= A::MAXIMUM;
        }
        if a.guest {
            f |= A::GUEST;
        }
        let d = self.domain(&a.dom.domain)?;
        if all {
            let cm = self.cpu_count(&d, A::CONFIG | A::MAXIMUM, true)?;
            let cc = self.cpu_count(&d, A::CONFIG, true)?;
            let lm = self.cpu_count(&d, A::LIVE | A::MAXIMUM, true)?;
            let lc = self.cpu_count(&d, A::LIVE, true)?;
            out.print(&format::vcpucount_all(cm, lm, cc, lc));
        } else {
            let n = self.cpu_count(&d, f, false)?;
            if n < 0 {
                return Err(CmdError::silent());
            }
            out.print(&format!("{n}\n"));
        }
        Ok(())
    }

    /// virsh's vcpu count collection with its fallbacks: -1 means "not applicable".
    fn cpu_count(&self, d: &Domain<'c>, mut f: u32, check_state: bool) -> Result<i32, CmdError> {
        use flags::affect as A;
        if check_state
            && ((f & A::LIVE != 0 && !d.is_active().unwrap_or(false))
                || (f & A::CONFIG != 0 && !d.is_persistent().unwrap_or(false)))
        {
            return Ok(-1);
        }
        match d.get_vcpus_flags(f) {
            Ok(n) => return Ok(n as i32),
            Err(e) if matches!(e.code(), ErrorCode::NoSupport | ErrorCode::InvalidArg) => {}
            Err(e) => return Err(e.into()),
        }
        if f & A::GUEST != 0 {
            return Err(CmdError::msg(
                "Failed to retrieve vCPU count from the guest",
            ));
        }
        if f & (A::LIVE | A::CONFIG) == 0 && d.is_active().unwrap_or(false) {
            f |= A::LIVE;
        }
        if f & A::LIVE != 0 {
            if f & A::MAXIMUM != 0 {
                return Ok(d.get_max_vcpus()? as i32);
            }
            return Ok(d.get_info()?.nr_virt_cpu as i32);
        }
        let xml = d.get_xml_desc(flags::domain_xml::INACTIVE)?;
        let (max, cur) = vcpu_from_xml(&xml);
        if f & A::MAXIMUM != 0 {
            max.ok_or_else(|| CmdError::msg("Failed to retrieve maximum vcpu count"))
        } else {
            cur.ok_or_else(|| CmdError::msg("Failed to retrieve current vcpu count"))
        }
    }

    fn schedinfo(&self, a: &cli::SchedinfoArgs, out: &mut Out) -> CmdResult {
        if a.current && (a.live || a.config) {
            let other = if a.live { "live" } else { "config" };
            return Err(CmdError::msg(format!(
                "Options --current and --{other} are mutually exclusive"
            )));
        }
        let mut f = 0;
        if a.config {
            f |= flags::affect::CONFIG;
        }
        if a.live {
            f |= flags::affect::LIVE;
        }
        // virsh uses the "Flags" calls when any of --config/--live/--current is given; libvirt
        // then adds VIR_TYPED_PARAM_STRING_OKAY (0x4) to the query flags, as here.
        let flags_api = f != 0 || a.current;
        let query = if flags_api {
            (if a.config && a.live { 0 } else { f }) | TYPED_PARAM_STRING_OKAY
        } else {
            0
        };
        let d = self.domain(&a.dom.domain)?;
        let (ty, nparams) = match d.get_scheduler_type() {
            Ok(t) => t,
            Err(_) => {
                out.print(&format::schedinfo(None, &[]));
                return Err(CmdError::silent());
            }
        };
        // virsh prints the scheduler line before asking for the parameters.
        if !self.json {
            out.print(&format!("{:<15}: {}\n", "Scheduler", ty));
        }
        if nparams == 0 {
            return Ok(());
        }
        let mut current_params = d.get_scheduler_parameters(query)?;
        if a.weight.is_some() || a.cap.is_some() {
            return Err(CmdError::msg("invalid scheduler option: weight/cap"));
        }
        let mut updates = Vec::new();
        for s in &a.set {
            let Some((k, v)) = s.split_once('=') else {
                return Err(CmdError::msg(
                    "Invalid syntax for --set, expecting name=value",
                ));
            };
            let Some(p) = current_params.iter().find(|p| p.field == k) else {
                return Err(CmdError::msg(format!("invalid scheduler option: {k}")));
            };
            let bad = || CmdError::msg(format!("invalid value '{v}' for parameter '{k}'"));
            let value = match p.value {
                TypedValue::Int(_) => TypedValue::Int(v.parse().map_err(|_| bad())?),
                TypedValue::UInt(_) => TypedValue::UInt(v.parse().map_err(|_| bad())?),
                TypedValue::LLong(_) => TypedValue::LLong(v.parse().map_err(|_| bad())?),
                TypedValue::ULLong(_) => TypedValue::ULLong(v.parse().map_err(|_| bad())?),
                TypedValue::Double(_) => TypedValue::Double(v.parse().map_err(|_| bad())?),
                TypedValue::Boolean(_) => TypedValue::Boolean(matches!(v, "1" | "yes" | "true")),
                TypedValue::String(_) => TypedValue::String(v.to_string()),
            };
            updates.push(TypedParam::new(k, value));
        }
        if !updates.is_empty() {
            d.set_scheduler_parameters(&updates, f)?;
            current_params = d.get_scheduler_parameters(query)?;
        } else if a.live && a.config {
            return Err(CmdError::msg("cannot query both live and config at once"));
        }
        if self.json {
            let mut m = serde_json::Map::new();
            m.insert("scheduler".into(), serde_json::Value::String(ty));
            for (k, v) in params(&current_params) {
                m.insert(
                    k,
                    serde_json::to_value(v).unwrap_or(serde_json::Value::Null),
                );
            }
            return json_out(out, &m);
        }
        let mut text = String::new();
        for (k, v) in params(&current_params) {
            text.push_str(&format!("{k:<15}: {}\n", v.to_virsh()));
        }
        out.print(&text);
        Ok(())
    }

    fn screenshot(&self, a: &cli::ScreenshotArgs, out: &mut Out) -> CmdResult {
        let screen: u32 = match &a.screen {
            Some(s) => s.parse().map_err(|_| CmdError::malformed(s, "screen"))?,
            None => 0,
        };
        let d = self.domain(&a.dom.domain)?;
        let name = d.get_name().to_string();
        let shot = d
            .screenshot(screen, 0)
            .map_err(|e| CmdError::with(format!("could not take a screenshot of {name}"), e))?;
        let ext = match shot.mime_type.as_str() {
            "image/png" => "png",
            "image/x-portable-pixmap" => "ppm",
            _ => "screen",
        };
        let file = match &a.file {
            Some(f) => f.clone(),
            None => {
                let secs = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                format!("{name}-{secs}_{screen}.{ext}")
            }
        };
        std::fs::write(&file, &shot.data)
            .map_err(|_| CmdError::msg(format!("cannot create file {file}")))?;
        out.extra(&format!(
            "Screenshot saved to {file}, with type of {}",
            shot.mime_type
        ));
        Ok(())
    }

    /// `vol-upload`, in virsh's order: the numbers, the volume, the file, the transfer.
    fn vol_upload(&self, a: &cli::VolUploadArgs) -> CmdResult {
        use crate::transfer::{parse_ull, parse_ullp, with_progress};
        let offset = parse_ullp(a.offset.as_deref(), "offset")?;
        let length = parse_ull(a.length.as_deref(), "length")?;
        let v = self.vol(&a.vol, a.pool.as_deref())?;
        let mut file = std::fs::File::open(&a.file)
            .map_err(|_| CmdError::msg(format!("cannot read {}", a.file)))?;
        let size = file
            .metadata()
            .map_err(|_| CmdError::msg(format!("unable to stat {}", a.file)))?
            .len();
        let f = if a.sparse {
            flags::vol_upload::SPARSE_STREAM
        } else {
            0
        };
        with_progress(
            self.quiet,
            &a.vol,
            "cannot upload to volume",
            "cannot send data to volume",
            |progress| v.upload(&mut file, size, offset, length, f, progress),
        )
    }

    /// `vol-download`: a file it created is removed again when the download fails, an
    /// existing one is truncated and keeps what arrived (as virsh does).
    fn vol_download(&self, a: &cli::VolDownloadArgs) -> CmdResult {
        use crate::transfer::{open_target, parse_ull, parse_ullp, with_progress, Target};
        let offset = parse_ullp(a.offset.as_deref(), "offset")?;
        let length = parse_ull(a.length.as_deref(), "length")?;
        let v = self.vol(&a.vol, a.pool.as_deref())?;
        let f = if a.sparse {
            flags::vol_download::SPARSE_STREAM
        } else {
            0
        };
        let (file, created) =
            open_target(&a.file).map_err(|_| CmdError::msg(format!("cannot create {}", a.file)))?;
        let mut target = Target::new(file, a.sparse);
        let r = with_progress(
            self.quiet,
            &a.vol,
            "cannot download from volume",
            "cannot receive data from volume",
            |progress| v.download(&mut target, offset, length, f, progress),
        )
        .and_then(|()| {
            target
                .finish()
                .map_err(|_| CmdError::msg(format!("cannot close file {}", a.file)))
        });
        if r.is_err() && created {
            let _ = std::fs::remove_file(&a.file);
        }
        r
    }

    fn snapshot_rows(&self, d: &Domain<'c>, f: u32) -> Result<Vec<format::SnapshotRow>, CmdError> {
        let snaps = d.list_all_snapshots(f)?;
        let mut rows = Vec::with_capacity(snaps.len());
        for s in &snaps {
            let Ok(xml) = s.get_xml_desc(0) else { continue };
            let parsed = parse_snapshot_xml(&xml);
            rows.push(format::SnapshotRow {
                name: s.get_name().to_string(),
                creation_time: parsed.creation_time.unwrap_or(0),
                state: parsed.state.unwrap_or_default(),
                parent: parsed.parent,
            });
        }
        Ok(rows)
    }

    fn snapshot_list(&self, a: &cli::SnapshotListArgs, out: &mut Out) -> CmdResult {
        use flags::snapshot_list as S;
        let d = self.domain(&a.dom.domain)?;
        if a.tree && (a.parent || a.roots || a.name) {
            let other = if a.parent {
                "parent"
            } else if a.roots {
                "roots"
            } else {
                "name"
            };
            return Err(CmdError::msg(format!(
                "Options --tree and --{other} are mutually exclusive"
            )));
        }
        if a.parent && a.roots {
            return Err(CmdError::msg(
                "Options --parent and --roots are mutually exclusive",
            ));
        }
        let f = flag_bits(&[
            (a.roots, S::ROOTS),
            (a.leaves, S::LEAVES),
            (a.no_leaves, S::NO_LEAVES),
            (a.metadata, S::METADATA),
            (a.no_metadata, S::NO_METADATA),
            (a.inactive, S::INACTIVE),
            (a.active, S::ACTIVE),
            (a.disk_only, S::DISK_ONLY),
            (a.internal, S::INTERNAL),
            (a.external, S::EXTERNAL),
            (a.topological, S::TOPOLOGICAL),
        ]);
        let mut rows = self.snapshot_rows(&d, f)?;
        // --from / --current: the children (or descendants) of one snapshot.
        let start = match (&a.from, a.current) {
            (Some(_), true) => {
                return Err(CmdError::msg("--from and --current are mutually exclusive"))
            }
            (Some(n), false) => Some(d.snapshot_lookup_by_name(n, 0)?.get_name().to_string()),
            (None, true) => Some(d.snapshot_current(0)?.get_name().to_string()),
            (None, false) => None,
        };
        if let Some(start) = &start {
            let all = self.snapshot_rows(&d, 0)?;
            let mut keep: Vec<String> = vec![];
            let mut frontier = vec![start.clone()];
            while let Some(p) = frontier.pop() {
                for r in &all {
                    if r.parent.as_deref() == Some(p.as_str()) && !keep.contains(&r.name) {
                        keep.push(r.name.clone());
                        if a.descendants || a.tree {
                            frontier.push(r.name.clone());
                        }
                    }
                }
            }
            if a.tree {
                keep.push(start.clone());
            }
            rows.retain(|r| keep.contains(&r.name));
        }
        if !a.topological {
            format::sort_snapshots(&mut rows);
        }
        if self.json {
            return json_out(out, &rows);
        }
        if a.tree {
            let items: Vec<(String, Option<String>)> = rows
                .iter()
                .map(|r| (r.name.clone(), r.parent.clone()))
                .collect();
            out.print(&format::snapshot_tree(&items));
        } else if a.name {
            out.print(&format::snapshot_names(&rows));
        } else {
            out.print(&format::snapshot_list(&rows, a.parent, self.quiet));
        }
        Ok(())
    }

    fn snapshot_info(&self, a: &cli::SnapshotPickArgs, out: &mut Out) -> CmdResult {
        let d = self.domain(&a.dom.domain)?;
        let s = self.snapshot(&d, a.snapshotname.as_deref(), a.current)?;
        let xml = s.get_xml_desc(0)?;
        let parsed = parse_snapshot_xml(&xml);
        let Some(state) = parsed.state.clone() else {
            return Err(CmdError::msg("unexpected problem reading snapshot xml"));
        };
        let external = if parsed.has_memory {
            parsed.external
        } else {
            state == "disk-snapshot"
        };
        let children = match s.num_children(0) {
            Ok(n) => Some(n as u32),
            Err(e) if e.code() == ErrorCode::NoSupport => None,
            Err(e) => return Err(e.into()),
        };
        let descendants = match children {
            Some(_) => Some(s.num_children(flags::snapshot_list::DESCENDANTS)? as u32),
            None => None,
        };
        let metadata = match s.has_metadata(0) {
            Ok(m) => Some(m),
            Err(_) => d
                .snapshot_num(flags::snapshot_list::METADATA)
                .ok()
                .map(|n| n > 0),
        };
        let info = format::SnapshotInfo {
            name: s.get_name().to_string(),
            domain: d.get_name().to_string(),
            current: s.is_current(0).unwrap_or(false),
            state,
            external,
            parent: parsed.parent,
            children,
            descendants,
            metadata,
        };
        if self.json {
            return json_out(out, &info);
        }
        out.print(&format::snapshot_info(&info));
        Ok(())
    }

    fn net_list(&self, a: &cli::NetListArgs, out: &mut Out) -> CmdResult {
        use flags::list_networks as N;
        if (a.table as u8) + (a.name as u8) + (a.uuid as u8) > 1 {
            return Err(CmdError::msg(
                "Only one argument from --table, --name and --uuid may be specified.",
            ));
        }
        let f = list_flags(
            a.inactive,
            a.all,
            (N::ACTIVE, N::INACTIVE),
            &[
                (a.persistent, N::PERSISTENT),
                (a.transient, N::TRANSIENT),
                (a.autostart, N::AUTOSTART),
                (a.no_autostart, N::NO_AUTOSTART),
            ],
        );
        let nets = self
            .conn
            .list_all_networks(f)
            .map_err(|e| CmdError::with("Failed to list networks", e))?;
        let mut rows: Vec<format::NetRow> = nets.iter().map(net_row).collect();
        rows.sort_by(|a, b| strcasecmp(&a.name, &b.name));
        if self.json {
            return json_out(out, &rows);
        }
        out.print(&format::net_list(&rows, a.name, a.uuid, self.quiet));
        Ok(())
    }

    fn pool_list(&self, a: &cli::PoolListArgs, out: &mut Out) -> CmdResult {
        use flags::list_pools as P;
        if a.all && a.inactive {
            return Err(CmdError::msg(
                "Options --all and --inactive are mutually exclusive",
            ));
        }
        if a.details && (a.uuid || a.name) {
            let other = if a.uuid { "uuid" } else { "name" };
            return Err(CmdError::msg(format!(
                "Options --details and --{other} are mutually exclusive"
            )));
        }
        let f = list_flags(
            a.inactive,
            a.all,
            (P::ACTIVE, P::INACTIVE),
            &[
                (a.autostart, P::AUTOSTART),
                (a.no_autostart, P::NO_AUTOSTART),
                (a.persistent, P::PERSISTENT),
                (a.transient, P::TRANSIENT),
            ],
        );
        const POOL_TYPES: &[&str] = &[
            "dir",
            "fs",
            "netfs",
            "logical",
            "disk",
            "iscsi",
            "iscsi-direct",
            "scsi",
            "mpath",
            "rbd",
            "sheepdog",
            "gluster",
            "zfs",
            "vstorage",
        ];
        if let Some(types) = &a.kind {
            for t in types.split(',').filter(|t| !t.is_empty()) {
                if !POOL_TYPES.contains(&t) {
                    return Err(CmdError::msg(format!("Invalid pool type '{t}'")));
                }
            }
            // libvirt's ESX driver has no pool listing with filters, and virsh's fallback
            // cannot filter by type.
            return Err(CmdError::msg(
                "Filtering using --type is not supported by this libvirt",
            ));
        }
        let pools = self
            .conn
            .list_all_storage_pools(f)
            .map_err(|e| CmdError::with("Failed to list pools", e))?;
        let mut rows = Vec::new();
        for p in &pools {
            rows.push(pool_row(p)?);
        }
        rows.sort_by(|a, b| strcasecmp(&a.name, &b.name));
        if self.json {
            return json_out(out, &rows);
        }
        out.print(&format::pool_list(
            &rows, a.details, a.name, a.uuid, self.quiet,
        ));
        Ok(())
    }

    fn vol_create_as(&self, a: &cli::VolCreateAsArgs, out: &mut Out) -> CmdResult {
        let p = self.pool(&a.pool)?;
        let cap = parse_scaled(&a.capacity, 1)
            .ok_or_else(|| CmdError::msg(format!("Malformed size {}", a.capacity)))?;
        let mut xml = format!(
            "<volume>\n  <name>{}</name>\n  <capacity>{cap}</capacity>\n",
            xml_escape(&a.name)
        );
        if let Some(al) = &a.allocation {
            let alloc =
                parse_scaled(al, 1).ok_or_else(|| CmdError::msg(format!("Malformed size {al}")))?;
            xml.push_str(&format!("  <allocation>{alloc}</allocation>\n"));
        }
        if let Some(fmt) = &a.format {
            xml.push_str(&format!(
                "  <target>\n    <format type='{}'/>\n  </target>\n",
                xml_escape(fmt)
            ));
        }
        if a.backing_vol.is_some() {
            return Err(CmdError::msg(
                "this function is not supported by the connection driver: backing volumes",
            ));
        }
        xml.push_str("</volume>\n");
        if a.print_xml {
            out.print(&xml);
            return Ok(());
        }
        let f = if a.prealloc_metadata {
            flags::vol_create::PREALLOC_METADATA
        } else {
            0
        };
        let v = p
            .storage_vol_create_xml(&xml, f)
            .map_err(|e| CmdError::with(format!("Failed to create vol {}", a.name), e))?;
        out.extra(&format!("Vol {} created\n", v.get_name()));
        Ok(())
    }
}

fn shutdown_mode(mode: Option<&str>) -> Result<u32, CmdError> {
    let Some(m) = mode else { return Ok(0) };
    let mut f = 0;
    for part in m.split(',') {
        f |= match part {
            "acpi" => 1,
            "agent" => 2,
            "initctl" => 4,
            "signal" => 8,
            "paravirt" => 16,
            other => {
                return Err(CmdError::msg(format!(
                    "Unknown mode {other} value, expecting 'acpi', 'agent', 'initctl', 'signal' or 'paravirt'"
                )))
            }
        };
    }
    Ok(f)
}

fn snapshot_create_flags(a: &cli::SnapshotCreateFlags) -> u32 {
    use flags::snapshot_create as C;
    let mut f = 0;
    for (on, bit) in [
        (a.no_metadata, C::NO_METADATA),
        (a.halt, C::HALT),
        (a.disk_only, C::DISK_ONLY),
        (a.reuse_external, C::REUSE_EXT),
        (a.quiesce, C::QUIESCE),
        (a.atomic, C::ATOMIC),
        (a.live, C::LIVE),
        (a.validate, C::VALIDATE),
    ] {
        if on {
            f |= bit;
        }
    }
    f
}

/// Escapes text for an XML element or attribute, as libvirt does.
pub fn xml_escape(s: &str) -> String {
    esxvirt_util::xml::escape(s, esxvirt_util::xml::Escape::Libvirt).into_owned()
}

fn xml_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// What the snapshot commands read from a snapshot's XML.
#[derive(Debug, Default, PartialEq)]
pub struct SnapshotXmlFacts {
    pub state: Option<String>,
    pub creation_time: Option<i64>,
    pub parent: Option<String>,
    pub has_memory: bool,
    pub external: bool,
}

/// Text of the first `<tag>` element (not nested inside `<domain>`).
fn element_text(xml: &str, tag: &str) -> Option<String> {
    let head = match xml.find("<domain ").or_else(|| xml.find("<domain>")) {
        Some(i) => &xml[..i],
        None => xml,
    };
    let open = format!("<{tag}>");
    let start = head.find(&open)? + open.len();
    let end = head[start..].find(&format!("</{tag}>"))? + start;
    Some(xml_unescape(head[start..end].trim()))
}

/// Text of a direct child element of the document's root (`<title>` of a domain).
pub fn top_level_element(xml: &str, tag: &str) -> Option<String> {
    let open = format!("\n  <{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(xml_unescape(&xml[start..end]))
}

/// Reads state, creation time, parent and memory location from snapshot XML.
pub fn parse_snapshot_xml(xml: &str) -> SnapshotXmlFacts {
    let parent = {
        let head = match xml.find("<domain ").or_else(|| xml.find("<domain>")) {
            Some(i) => &xml[..i],
            None => xml,
        };
        head.find("<parent>")
            .and_then(|i| element_text(&head[i..], "name"))
    };
    let memory_external = xml.contains("<memory snapshot='external'")
        || xml.contains("<memory snapshot=\"external\"");
    let disk_external =
        xml.contains("snapshot='external'") || xml.contains("snapshot=\"external\"");
    SnapshotXmlFacts {
        state: element_text(xml, "state"),
        creation_time: element_text(xml, "creationTime").and_then(|t| t.parse().ok()),
        parent,
        has_memory: xml.contains("<memory "),
        external: memory_external || disk_external,
    }
}

fn snapshot_parent_name(xml: &str) -> Option<String> {
    parse_snapshot_xml(xml).parent
}

/// `<vcpu current='N'>M</vcpu>`: (maximum, current).
pub fn vcpu_from_xml(xml: &str) -> (Option<i32>, Option<i32>) {
    let Some(i) = xml.find("<vcpu") else {
        return (None, None);
    };
    let rest = &xml[i..];
    let Some(gt) = rest.find('>') else {
        return (None, None);
    };
    let tag = &rest[..gt];
    let current = tag
        .find("current=")
        .and_then(|j| tag[j + 9..].split(['\'', '"']).next())
        .and_then(|v| v.parse().ok());
    let max = rest[gt + 1..]
        .split('<')
        .next()
        .and_then(|v| v.trim().parse().ok());
    (max, current)
}

fn net_row(n: &Network<'_>) -> format::NetRow {
    format::NetRow {
        name: n.get_name().to_string(),
        uuid: n.get_uuid_string(),
        active: n.is_active().unwrap_or(false),
        autostart: n.get_autostart().ok(),
        persistent: n.is_persistent().unwrap_or(false),
        bridge: n.get_bridge_name().ok(),
    }
}

fn pool_row(p: &StoragePool<'_>) -> Result<format::PoolRow, CmdError> {
    use esxvirt_driver::StoragePoolState as S;
    let info = p.get_info()?;
    let state = match info.state {
        S::Inactive => format::PoolState::Inactive,
        S::Building => format::PoolState::Building,
        S::Running => format::PoolState::Running,
        S::Degraded => format::PoolState::Degraded,
        S::Inaccessible => format::PoolState::Inaccessible,
    };
    Ok(format::PoolRow {
        name: p.get_name().to_string(),
        uuid: p.get_uuid_string(),
        state,
        active: p.is_active().unwrap_or(false),
        autostart: p.get_autostart().ok(),
        persistent: p.is_persistent().ok(),
        capacity: info.capacity,
        allocation: info.allocation,
        available: info.available,
    })
}

fn vol_kind(k: esxvirt_driver::StorageVolType) -> i32 {
    use esxvirt_driver::StorageVolType as T;
    match k {
        T::File => 0,
        T::Block => 1,
        T::Dir => 2,
        T::Network => 3,
        T::NetDir => 4,
        T::Ploop => 5,
    }
}

fn vol_row(v: &StorageVol<'_>) -> format::VolRow {
    let info = v.get_info().ok();
    format::VolRow {
        name: v.get_name().to_string(),
        path: v.get_path().unwrap_or_else(|_| "unknown".to_string()),
        kind: info.as_ref().map_or(-1, |i| vol_kind(i.kind)),
        capacity: info.as_ref().map_or(0, |i| i.capacity),
        allocation: info.as_ref().map_or(0, |i| i.allocation),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_facts() {
        let xml = "<domainsnapshot>\n  <name>s2</name>\n  <state>running</state>\n  <parent>\n    <name>s&amp;1</name>\n  </parent>\n  <creationTime>1700000000</creationTime>\n  <domain type='vmware'>\n    <name>vm</name>\n  </domain>\n</domainsnapshot>\n";
        let f = parse_snapshot_xml(xml);
        assert_eq!(f.state.as_deref(), Some("running"));
        assert_eq!(f.parent.as_deref(), Some("s&1"));
        assert_eq!(f.creation_time, Some(1700000000));
        assert!(!f.has_memory);
        let root = "<domainsnapshot>\n  <name>s1</name>\n  <state>shutoff</state>\n  <creationTime>5</creationTime>\n  <domain>\n    <name>vm</name>\n  </domain>\n</domainsnapshot>\n";
        assert_eq!(parse_snapshot_xml(root).parent, None);
    }

    #[test]
    fn vcpus_from_xml() {
        assert_eq!(
            vcpu_from_xml("<domain><vcpu placement='static'>4</vcpu>"),
            (Some(4), None)
        );
        assert_eq!(
            vcpu_from_xml("<domain><vcpu placement='static' current='2'>4</vcpu>"),
            (Some(4), Some(2))
        );
    }

    #[test]
    fn parse_errors_are_virsh_like() {
        assert_eq!(
            parse_command("dominfo", &[]).err(),
            Some(CmdError::msg("command 'dominfo' requires <domain> option"))
        );
        assert_eq!(
            parse_command("nosuch", &[]).err(),
            Some(CmdError::msg("unknown command: 'nosuch'"))
        );
        assert_eq!(
            parse_command("list", &["--bogus".to_string()]).err(),
            Some(CmdError::msg(
                "command 'list' doesn't support option --bogus"
            ))
        );
        assert!(matches!(
            parse_command("dominfo", &["vm 1".to_string()]),
            Ok(Parsed::Cmd(Cmd::Dominfo(_)))
        ));
    }
}

// ----- domstats -----

/// The stats groups and flags virsh passes for `domstats`'s options.
fn domstats_bits(a: &cli::DomstatsArgs) -> (u32, u32) {
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

impl Ctx<'_> {
    fn domstats(&self, a: &cli::DomstatsArgs, out: &mut Out) -> CmdResult {
        let (groups, flags) = domstats_bits(a);
        let records = if a.domain.is_empty() {
            self.conn.get_all_domain_stats(groups, flags)?
        } else {
            let doms = a
                .domain
                .iter()
                .map(|d| self.domain(d))
                .collect::<Result<Vec<_>, _>>()?;
            self.conn.domain_list_get_stats(&doms, groups, flags)?
        };
        let records: Vec<StatsRecord> = records
            .iter()
            .map(|r| (r.domain.get_name().to_string(), params(&r.params)))
            .collect();
        if self.json {
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
