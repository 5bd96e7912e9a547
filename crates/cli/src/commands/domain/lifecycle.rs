//! Defining, starting and stopping domains: `define`, `undefine`, `start`, `shutdown`,
//! `reboot`, `destroy`, `suspend`, `resume`, `autostart`, `migrate`.

use clap::Args;
use esxvirt_driver::{flags, Connection, ErrorCode};

use crate::lookup::By;
use crate::options::{read_input, DomainArg, FileArg};
use crate::output::{CmdError, CmdResult, Out};
use crate::present::report_autostart;
use crate::registry::{ConnCommand, Spec};
use crate::session::Ctx;

/// `define FILE [--validate]`.
#[derive(Args, Debug)]
pub struct Define {
    #[command(flatten)]
    pub file: FileArg,
}

impl ConnCommand for Define {
    const SPEC: Spec = Spec::new(
        "define",
        "define (but don't start) a domain from an XML file",
    );
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = &self.file;
        let xml = read_input(&a.file)?;
        let f = if a.validate {
            flags::define::VALIDATE
        } else {
            0
        };
        let d = ctx
            .conn
            .domain_define_xml(&xml, f)
            .map_err(|e| CmdError::with(format!("Failed to define domain from {}", a.file), e))?;
        out.extra(&format!(
            "Domain '{}' defined from {}\n",
            d.get_name(),
            a.file
        ));
        Ok(())
    }
}

/// `undefine DOMAIN [options]`: unregisters the VM; its disks stay.
#[derive(Args, Debug)]
pub struct Undefine {
    #[command(flatten)]
    pub dom: DomainArg,
    /// remove domain managed state file
    #[arg(long)]
    pub managed_save: bool,
    /// remove associated storage volumes (comma separated list of targets or source paths)
    #[arg(long)]
    pub storage: Option<String>,
    /// remove all associated storage volumes (use with caution)
    #[arg(long)]
    pub remove_all_storage: bool,
    /// delete snapshots associated with volume(s)
    #[arg(long, visible_alias = "delete-snapshots")]
    pub delete_storage_volume_snapshots: bool,
    /// wipe data on the removed volumes
    #[arg(long)]
    pub wipe_storage: bool,
    /// remove all domain snapshot metadata (vm must be inactive)
    #[arg(long)]
    pub snapshots_metadata: bool,
    /// remove all domain checkpoint metadata (vm must be inactive)
    #[arg(long)]
    pub checkpoints_metadata: bool,
    /// remove nvram file
    #[arg(long)]
    pub nvram: bool,
    /// keep nvram file
    #[arg(long)]
    pub keep_nvram: bool,
    /// remove TPM state
    #[arg(long)]
    pub tpm: bool,
    /// keep TPM state
    #[arg(long)]
    pub keep_tpm: bool,
}

impl ConnCommand for Undefine {
    const SPEC: Spec = Spec::new("undefine", "undefine a domain");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        if a.storage.is_some() || a.remove_all_storage || a.wipe_storage {
            return Err(CmdError::msg(
                "esxvirt never deletes disks: --storage, --remove-all-storage and --wipe-storage are not supported",
            ));
        }
        let d = ctx.domain(&a.dom.domain)?;
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
}

/// `start DOMAIN [options]`.
#[derive(Args, Debug)]
pub struct Start {
    #[command(flatten)]
    pub dom: DomainArg,
    /// attach to console after creation
    #[arg(long)]
    pub console: bool,
    /// leave the guest paused after creation
    #[arg(long)]
    pub paused: bool,
    /// automatically destroy the guest when virsh disconnects
    #[arg(long)]
    pub autodestroy: bool,
    /// avoid file system cache when loading
    #[arg(long)]
    pub bypass_cache: bool,
    /// force fresh boot by discarding any managed save
    #[arg(long)]
    pub force_boot: bool,
    /// pass file descriptors N,M,... to the guest
    #[arg(long)]
    pub pass_fds: Option<String>,
    /// re-initialize NVRAM from its pristine template
    #[arg(long)]
    pub reset_nvram: bool,
}

impl ConnCommand for Start {
    const SPEC: Spec = Spec::new("start", "start a (previously defined) inactive domain");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        let d = ctx.domain_by(&a.dom.domain, By::NO_ID)?;
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
        d.create(f)
            .map_err(|e| CmdError::with(format!("Failed to start domain '{}'", d.get_name()), e))?;
        out.extra(&format!("Domain '{}' started\n", d.get_name()));
        Ok(())
    }
}

/// The options of `shutdown` and `reboot`.
#[derive(Args, Debug)]
pub struct ShutdownArgs {
    #[command(flatten)]
    pub dom: DomainArg,
    /// shutdown mode: acpi|agent|initctl|signal|paravirt
    #[arg(long)]
    pub mode: Option<String>,
}

/// `shutdown DOMAIN [--mode M]`.
#[derive(Args, Debug)]
pub struct Shutdown {
    #[command(flatten)]
    pub args: ShutdownArgs,
}

impl ConnCommand for Shutdown {
    const SPEC: Spec = Spec::new("shutdown", "gracefully shutdown a domain");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let f = shutdown_mode(self.args.mode.as_deref())?;
        let d = ctx.domain(&self.args.dom.domain)?;
        let name = d.get_name().to_string();
        d.shutdown(f)
            .map_err(|e| CmdError::with(format!("Failed to shutdown domain '{name}'"), e))?;
        out.extra(&format!("Domain '{name}' is being shutdown\n"));
        Ok(())
    }
}

/// `reboot DOMAIN [--mode M]`.
#[derive(Args, Debug)]
pub struct Reboot {
    #[command(flatten)]
    pub args: ShutdownArgs,
}

impl ConnCommand for Reboot {
    const SPEC: Spec = Spec::new("reboot", "reboot a domain");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let f = shutdown_mode(self.args.mode.as_deref())?;
        let d = ctx.domain(&self.args.dom.domain)?;
        let name = d.get_name().to_string();
        d.reboot(f)
            .map_err(|e| CmdError::with(format!("Failed to reboot domain '{name}'"), e))?;
        out.extra(&format!("Domain '{name}' is being rebooted\n"));
        Ok(())
    }
}

/// virsh's `--mode` of `shutdown` and `reboot` as flags.
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

/// `destroy DOMAIN [--graceful] [--remove-logs]`.
#[derive(Args, Debug)]
pub struct Destroy {
    #[command(flatten)]
    pub dom: DomainArg,
    /// terminate gracefully
    #[arg(long)]
    pub graceful: bool,
    /// remove domain logs
    #[arg(long)]
    pub remove_logs: bool,
}

impl ConnCommand for Destroy {
    const SPEC: Spec = Spec::new("destroy", "destroy (stop) a domain");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let d = ctx.domain(&self.dom.domain)?;
        let name = d.get_name().to_string();
        let f = if self.graceful { 1 } else { 0 } | if self.remove_logs { 2 } else { 0 };
        d.destroy(f)
            .map_err(|e| CmdError::with(format!("Failed to destroy domain '{name}'"), e))?;
        out.extra(&format!("Domain '{name}' destroyed\n"));
        Ok(())
    }
}

/// `suspend DOMAIN`.
#[derive(Args, Debug)]
pub struct Suspend {
    #[command(flatten)]
    pub dom: DomainArg,
}

impl ConnCommand for Suspend {
    const SPEC: Spec = Spec::new("suspend", "suspend a domain");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let d = ctx.domain(&self.dom.domain)?;
        let name = d.get_name().to_string();
        d.suspend()
            .map_err(|e| CmdError::with(format!("Failed to suspend domain '{name}'"), e))?;
        out.extra(&format!("Domain '{name}' suspended\n"));
        Ok(())
    }
}

/// `resume DOMAIN`.
#[derive(Args, Debug)]
pub struct Resume {
    #[command(flatten)]
    pub dom: DomainArg,
}

impl ConnCommand for Resume {
    const SPEC: Spec = Spec::new("resume", "resume a domain");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let d = ctx.domain(&self.dom.domain)?;
        let name = d.get_name().to_string();
        d.resume()
            .map_err(|e| CmdError::with(format!("Failed to resume domain '{name}'"), e))?;
        out.extra(&format!("Domain '{name}' resumed\n"));
        Ok(())
    }
}

/// `autostart DOMAIN [--disable]`.
#[derive(Args, Debug)]
pub struct Autostart {
    #[command(flatten)]
    pub dom: DomainArg,
    /// disable autostarting
    #[arg(long)]
    pub disable: bool,
}

impl ConnCommand for Autostart {
    const SPEC: Spec = Spec::new("autostart", "autostart a domain");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let d = ctx.domain(&self.dom.domain)?;
        let on = !self.disable;
        let shown = format!("'{}'", d.get_name());
        let result = d.set_autostart(on);
        report_autostart(out, on, "Failed", ("domain", "Domain"), &shown, result)
    }
}

/// `migrate DOMAIN DESTURI [options]` (vpx:// only).
#[derive(Args, Debug)]
pub struct Migrate {
    #[command(flatten)]
    pub dom: DomainArg,
    /// connection URI of the destination host
    #[arg(long, required = true)]
    pub desturi: String,
    /// live migration
    #[arg(long)]
    pub live: bool,
    /// offline migration
    #[arg(long)]
    pub offline: bool,
    /// peer-2-peer migration
    #[arg(long)]
    pub p2p: bool,
    /// direct migration
    #[arg(long)]
    pub direct: bool,
    /// tunnelled migration
    #[arg(long, visible_alias = "tunneled")]
    pub tunnelled: bool,
    /// persist VM on destination
    #[arg(long)]
    pub persistent: bool,
    /// undefine VM on source
    #[arg(long)]
    pub undefinesource: bool,
    /// do not restart the domain on the destination host
    #[arg(long)]
    pub suspend: bool,
    /// display the progress of migration
    #[arg(long)]
    pub verbose: bool,
    /// migration URI, usually can be omitted
    #[arg(long)]
    pub migrateuri: Option<String>,
    /// rename to new name during migration (if supported)
    #[arg(long)]
    pub dname: Option<String>,
}

impl ConnCommand for Migrate {
    const SPEC: Spec = Spec::new("migrate", "migrate domain to another host");
    fn run(&self, ctx: &Ctx<'_>, _out: &mut Out) -> CmdResult {
        let d = ctx.domain(&self.dom.domain)?;
        // The destination is opened as the session's own connection is.
        let dest = Connection::open(&self.desturi, &ctx.options)
            .map_err(|e| CmdError::with("failed to connect to the hypervisor", e))?;
        let mut f = 0;
        if self.live {
            f |= flags::migrate::LIVE;
        }
        d.migrate(&dest, f, self.dname.as_deref(), 0)?;
        Ok(())
    }
}
