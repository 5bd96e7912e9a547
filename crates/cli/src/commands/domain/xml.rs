//! Domain XML: `dumpxml`, and the conversions between domain XML and VMX files,
//! `domxml-from-native` and `domxml-to-native`, through the connection's host on every URI
//! (the embedded simulator of `sim:///` maps file names through its own datastores, as any
//! host does).

use clap::Args;
use esxvirt_driver::flags;

use crate::options::{read_input, read_input_bytes, DomainArg, XpathArgs};
use crate::output::{CmdError, CmdResult, Out};
use crate::present::print_xml;
use crate::registry::{ConnCommand, Env, SessionCommand, Spec};
use crate::session::Ctx;

/// `dumpxml DOMAIN [--inactive] [--security-info] [...] [--xpath E [--wrap]]`.
#[derive(Args, Debug)]
pub struct Dumpxml {
    #[command(flatten)]
    pub dom: DomainArg,
    /// show inactive defined XML
    #[arg(long)]
    pub inactive: bool,
    /// include security sensitive information in XML dump
    #[arg(long)]
    pub security_info: bool,
    /// update guest CPU according to host CPU
    #[arg(long)]
    pub update_cpu: bool,
    /// provide XML suitable for migrations
    #[arg(long)]
    pub migratable: bool,
    #[command(flatten)]
    pub filter: XpathArgs,
}

impl ConnCommand for Dumpxml {
    const SPEC: Spec = Spec::new("dumpxml", "domain information in XML").named_only(&["xpath"]);
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let d = ctx.domain(&self.dom.domain)?;
        let mut f = 0;
        if self.inactive {
            f |= flags::domain_xml::INACTIVE;
        }
        if self.security_info {
            f |= flags::domain_xml::SECURE;
        }
        if self.update_cpu {
            f |= flags::domain_xml::UPDATE_CPU;
        }
        if self.migratable {
            f |= flags::domain_xml::MIGRATABLE;
        }
        print_xml(out, &d.get_xml_desc(f)?, &self.filter)
    }
}

/// `domxml-from-native vmware-vmx FILE`.
#[derive(Args, Debug)]
pub struct DomxmlFromNative {
    /// source config data format
    #[arg(long, required = true)]
    pub format: String,
    /// config data file to import from (`-` for stdin)
    #[arg(long, required = true)]
    pub config: String,
}

impl SessionCommand for DomxmlFromNative {
    const SPEC: Spec = Spec::new("domxml-from-native", "Convert native config to domain XML");
    fn run(&self, env: &mut Env<'_>, out: &mut Out) -> CmdResult {
        let ctx = env.ctx()?;
        // The file's bytes: its `.encoding` says how to read them.
        let config = read_input_bytes(&self.config)?;
        out.print(&ctx.conn.domain_xml_from_native(&self.format, &config)?);
        Ok(())
    }
}

/// `domxml-to-native vmware-vmx (--domain DOMAIN | XMLFILE)`.
#[derive(Args, Debug)]
pub struct DomxmlToNative {
    /// target config data type format
    #[arg(long, required = true)]
    pub format: String,
    /// domain name, id or uuid
    #[arg(long)]
    pub domain: Option<String>,
    /// xml data file to export from (`-` for stdin)
    #[arg(long)]
    pub xml: Option<String>,
}

impl SessionCommand for DomxmlToNative {
    const SPEC: Spec = Spec::new("domxml-to-native", "Convert domain XML to native config")
        .named_only(&["domain"]);
    fn run(&self, env: &mut Env<'_>, out: &mut Out) -> CmdResult {
        let ctx = env.ctx()?;
        let xml = match (&self.domain, &self.xml) {
            (Some(_), Some(_)) => return Err(CmdError::exclusive("domain", "xml")),
            (Some(dname), None) => {
                let d = ctx.domain(dname)?;
                d.get_xml_desc(flags::domain_xml::INACTIVE)
                    .map_err(|e| CmdError::with("failed to retrieve XML", e))?
            }
            (None, Some(f)) => read_input(f)?,
            (None, None) => return Err(CmdError::msg("need either domain or domain XML")),
        };
        out.print(&ctx.conn.domain_xml_to_native(&self.format, &xml)?);
        Ok(())
    }
}
