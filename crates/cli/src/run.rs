//! Running commands: parsing a command line, and each command's implementation on the
//! session's connection. Output is
//! collected in an [`Out`] so the same code serves the one-shot binary, the shell and tests.

use clap::{CommandFactory, FromArgMatches};
use esxvirt_driver::{flags, Domain, ErrorCode, Network, StoragePool, StorageVol};

use crate::cli::{self, Cli, Cmd};
use crate::format;
use crate::options::{flag_bits, list_flags, parse_scaled, read_input};
use crate::output::{clap_error_line, json_out, CmdError, CmdResult, Out};
use crate::present::{print_xml, report_autostart, strcasecmp};
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

impl<'c> Ctx<'c> {
    fn dispatch(&self, cmd: &Cmd, out: &mut Out) -> CmdResult {
        match cmd {
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
}
