//! What identifies a domain and what its guest shows: `domid`, `domname`, `domuuid`,
//! `domhostname`, `screenshot`.

use clap::Args;
use esxvirt_driver::flags;

use crate::lookup::By;
use crate::options::DomainArg;
use crate::output::{CmdError, CmdResult, Out};
use crate::registry::{ConnCommand, Spec};
use crate::session::Ctx;

/// `domid DOMAIN` (by name or UUID).
#[derive(Args, Debug)]
pub struct Domid {
    #[command(flatten)]
    pub dom: DomainArg,
}

impl ConnCommand for Domid {
    const SPEC: Spec = Spec::new("domid", "convert a domain name or UUID to domain id");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let d = ctx.domain_by(&self.dom.domain, By::NO_ID)?;
        match d.get_id() {
            Some(id) => out.print(&format!("{id}\n")),
            None => out.print("-\n"),
        }
        Ok(())
    }
}

/// `domname DOMAIN` (by ID or UUID).
#[derive(Args, Debug)]
pub struct Domname {
    #[command(flatten)]
    pub dom: DomainArg,
}

impl ConnCommand for Domname {
    const SPEC: Spec = Spec::new("domname", "convert a domain id or UUID to domain name");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let d = ctx.domain_by(&self.dom.domain, By::NO_NAME)?;
        out.print(&format!("{}\n", d.get_name()));
        Ok(())
    }
}

/// `domuuid DOMAIN` (by ID or name).
#[derive(Args, Debug)]
pub struct Domuuid {
    #[command(flatten)]
    pub dom: DomainArg,
}

impl ConnCommand for Domuuid {
    const SPEC: Spec = Spec::new("domuuid", "convert a domain name or id to domain UUID");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let d = ctx.domain_by(&self.dom.domain, By::NO_UUID)?;
        out.print(&format!("{}\n", d.get_uuid_string()));
        Ok(())
    }
}

/// `domhostname DOMAIN [--source lease|agent]`.
#[derive(Args, Debug)]
pub struct Domhostname {
    #[command(flatten)]
    pub dom: DomainArg,
    /// address source: 'lease' or 'agent'
    #[arg(long)]
    pub source: Option<String>,
}

impl ConnCommand for Domhostname {
    const SPEC: Spec = Spec::new("domhostname", "print the domain's hostname");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let f = match self.source.as_deref() {
            None => 0,
            Some("lease") => flags::hostname::LEASE,
            Some("agent") => flags::hostname::AGENT,
            Some(other) => return Err(CmdError::msg(format!("Unknown data source '{other}'"))),
        };
        let d = ctx.domain(&self.dom.domain)?;
        let h = d
            .get_hostname(f)
            .map_err(|e| CmdError::with("failed to get hostname", e))?;
        out.print(&format!("{h}\n"));
        Ok(())
    }
}

/// `screenshot DOMAIN [--file F] [--screen N]`.
#[derive(Args, Debug)]
pub struct Screenshot {
    #[command(flatten)]
    pub dom: DomainArg,
    /// where to store the screenshot
    #[arg(long)]
    pub file: Option<String>,
    /// ID of a screen to take screenshot of
    #[arg(long)]
    pub screen: Option<String>,
}

impl ConnCommand for Screenshot {
    const SPEC: Spec = Spec::new(
        "screenshot",
        "take a screenshot of a current domain console and store it into a file",
    );
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        let screen: u32 = match &a.screen {
            Some(s) => s.parse().map_err(|_| CmdError::malformed(s, "screen"))?,
            None => 0,
        };
        let d = ctx.domain(&a.dom.domain)?;
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
}
