//! virsh's Host and Hypervisor group (`help host`): `uri`, `hostname`, `version`,
//! `nodeinfo`, `capabilities`, `freecell`, `maxvcpus`, and their output formats.

use clap::Args;
use esxvirt_driver::NodeInfo;

use crate::output::{json_out, CmdError, CmdResult, Out};
use crate::present::label;
use crate::registry::{ConnCommand, Entry, Group, Spec};
use crate::session::Ctx;

/// The group.
pub static GROUP: Group = Group {
    name: "Host and Hypervisor",
    keyword: "host",
    commands: &[
        Entry::connection::<Capabilities>(),
        Entry::connection::<Freecell>(),
        Entry::connection::<Hostname>(),
        Entry::connection::<Maxvcpus>(),
        Entry::connection::<Nodeinfo>(),
        Entry::connection::<Uri>(),
        Entry::connection::<Version>(),
    ],
};

/// `uri`.
#[derive(Args, Debug)]
pub struct Uri {}

impl ConnCommand for Uri {
    const SPEC: Spec = Spec::new("uri", "print the hypervisor canonical URI");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        out.print(&format!("{}\n", ctx.conn.get_uri()));
        Ok(())
    }
}

/// `hostname`.
#[derive(Args, Debug)]
pub struct Hostname {}

impl ConnCommand for Hostname {
    const SPEC: Spec = Spec::new("hostname", "print the hypervisor hostname");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let h = ctx
            .conn
            .get_hostname()
            .map_err(|e| CmdError::with("failed to get hostname", e))?;
        out.print(&format!("{h}\n"));
        Ok(())
    }
}

/// `version [--daemon]`.
#[derive(Args, Debug)]
pub struct Version {
    /// report daemon version too
    #[arg(long)]
    pub daemon: bool,
}

impl ConnCommand for Version {
    const SPEC: Spec = Spec::new("version", "show version").json();
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let hv = ctx
            .conn
            .get_version()
            .map_err(|e| CmdError::with("failed to get the hypervisor version", e))?;
        let ty = ctx.conn.get_type();
        if ctx.json {
            return json_out(
                out,
                &serde_json::json!({
                    "library": version_triple(LIBVIRT_VERSION),
                    "api": format!("{ty} {}", version_triple(LIBVIRT_VERSION)),
                    "hypervisor": format!("{ty} {}", version_triple(hv)),
                }),
            );
        }
        out.print(&version(ty, hv));
        if self.daemon {
            out.print(&format!(
                "Running against daemon: {}\n",
                version_triple(LIBVIRT_VERSION)
            ));
        }
        Ok(())
    }
}

/// `nodeinfo`.
#[derive(Args, Debug)]
pub struct Nodeinfo {}

impl ConnCommand for Nodeinfo {
    const SPEC: Spec = Spec::new("nodeinfo", "node information").json();
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let info = ctx
            .conn
            .node_get_info()
            .map_err(|e| CmdError::with("failed to get node information", e))?;
        if ctx.json {
            return json_out(out, &info);
        }
        out.print(&nodeinfo(&info));
        Ok(())
    }
}

/// `capabilities`.
#[derive(Args, Debug)]
pub struct Capabilities {}

impl ConnCommand for Capabilities {
    const SPEC: Spec = Spec::new("capabilities", "capabilities");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let caps = ctx
            .conn
            .get_capabilities()
            .map_err(|e| CmdError::with("failed to get capabilities", e))?;
        out.print(&format!("{caps}\n"));
        Ok(())
    }
}

/// `freecell [--cellno N | --all]`.
#[derive(Args, Debug)]
pub struct Freecell {
    /// NUMA cell number
    #[arg(long)]
    pub cellno: Option<String>,
    /// show free memory for all NUMA cells
    #[arg(long)]
    pub all: bool,
}

impl ConnCommand for Freecell {
    const SPEC: Spec = Spec::new("freecell", "NUMA free memory");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        if self.all && self.cellno.is_some() {
            return Err(CmdError::exclusive("all", "cellno"));
        }
        if let Some(c) = &self.cellno {
            let _: i32 = c.parse().map_err(|_| CmdError::malformed(c, "cellno"))?;
            return Err(CmdError::msg(
                "this function is not supported by the connection driver: virNodeGetCellsFreeMemory",
            ));
        }
        if self.all {
            // The ESX capabilities have no NUMA topology: virsh lists no cell.
            out.extra("--------------------\n");
            out.extra(&format!("{:>5}: {:>10} KiB\n", "Total", 0));
            return Ok(());
        }
        let free = ctx.conn.node_get_free_memory()?;
        if free == 0 {
            return Err(CmdError::silent());
        }
        out.print(&freecell_total(free));
        Ok(())
    }
}

/// `maxvcpus [--type T]`.
#[derive(Args, Debug)]
pub struct Maxvcpus {
    /// domain type
    #[arg(long = "type")]
    pub kind: Option<String>,
}

impl ConnCommand for Maxvcpus {
    const SPEC: Spec = Spec::new("maxvcpus", "connection vcpu maximum");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let n = ctx.conn.get_max_vcpus(self.kind.as_deref())?;
        out.print(&format!("{n}\n"));
        Ok(())
    }
}

/// `nodeinfo`'s text.
pub fn nodeinfo(n: &NodeInfo) -> String {
    let mut o = String::new();
    label(&mut o, 20, "CPU model:", &n.model);
    label(&mut o, 20, "CPU(s):", &n.cpus.to_string());
    if n.mhz != 0 {
        label(&mut o, 20, "CPU frequency:", &format!("{} MHz", n.mhz));
    }
    label(&mut o, 20, "CPU socket(s):", &n.sockets.to_string());
    label(&mut o, 20, "Core(s) per socket:", &n.cores.to_string());
    label(&mut o, 20, "Thread(s) per core:", &n.threads.to_string());
    label(&mut o, 20, "NUMA cell(s):", &n.nodes.to_string());
    label(&mut o, 20, "Memory size:", &format!("{} KiB", n.memory));
    o
}

/// Splits libvirt's `major*1000000 + minor*1000 + micro` version number.
pub fn version_triple(v: u64) -> String {
    format!("{}.{}.{}", v / 1_000_000, (v % 1_000_000) / 1000, v % 1000)
}

/// The libvirt release whose API and behaviour esxvirt reproduces; `version` reports it as
/// the library version, as virsh built against that release does.
pub const LIBVIRT_VERSION: u64 = 9_000_000;

/// `version`'s text: `hv_type` is the driver's type name (`ESX`), `hv_version` the host's
/// product version number (0 when unknown).
pub fn version(hv_type: &str, hv_version: u64) -> String {
    let lib = version_triple(LIBVIRT_VERSION);
    let mut o = format!(
        "Compiled against library: libvirt {lib}\nUsing library: libvirt {lib}\nUsing API: {hv_type} {lib}\n"
    );
    if hv_version == 0 {
        o.push_str(&format!(
            "Cannot extract running {hv_type} hypervisor version\n"
        ));
    } else {
        o.push_str(&format!(
            "Running hypervisor: {hv_type} {}\n",
            version_triple(hv_version)
        ));
    }
    o
}

/// `freecell` without options: free memory in bytes.
pub fn freecell_total(free_bytes: u64) -> String {
    format!("Total: {} KiB\n", free_bytes / 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodeinfo_and_version_like_virsh() {
        let n = NodeInfo {
            model: "i686".into(),
            cpus: 16,
            mhz: 1400,
            nodes: 2,
            sockets: 2,
            cores: 2,
            threads: 2,
            memory: 3145728,
        };
        assert_eq!(
            nodeinfo(&n),
            "CPU model:           i686\n\
             CPU(s):              16\n\
             CPU frequency:       1400 MHz\n\
             CPU socket(s):       2\n\
             Core(s) per socket:  2\n\
             Thread(s) per core:  2\n\
             NUMA cell(s):        2\n\
             Memory size:         3145728 KiB\n"
        );
        assert_eq!(
            version("ESX", 6_007_000),
            "Compiled against library: libvirt 9.0.0\n\
             Using library: libvirt 9.0.0\n\
             Using API: ESX 9.0.0\n\
             Running hypervisor: ESX 6.7.0\n"
        );
        assert_eq!(freecell_total(3072 * 1024), "Total: 3072 KiB\n");
    }
}
