//! Memory and CPU settings: `setmem`, `setmaxmem`, `memtune`, `setvcpus`, `vcpucount`,
//! `schedinfo`, with their output formats.

use clap::Args;
use esxvirt_driver::{flags, Domain, ErrorCode, TypedParam, TypedValue};

use crate::options::{parse_scaled, scaled_kib, AffectArgs, DomainArg};
use crate::output::{json_out, CmdError, CmdResult, Out};
use crate::present::{params, ParamValue};
use crate::registry::{ConnCommand, Spec};
use crate::session::Ctx;

/// libvirt's VIR_TYPED_PARAM_STRING_OKAY: the public API adds it to the flags of the
/// typed-parameter queries (memtune, schedinfo with flags) before calling the driver.
const TYPED_PARAM_STRING_OKAY: u32 = 1 << 2;

/// libvirt's "unlimited" memory parameter value.
pub const MEMORY_PARAM_UNLIMITED: u64 = 9_007_199_254_740_991;

/// The options of `setmem` and `setmaxmem`.
#[derive(Args, Debug)]
pub struct SetmemArgs {
    #[command(flatten)]
    pub dom: DomainArg,
    /// new memory size, as scaled integer (default KiB)
    #[arg(long, visible_alias = "kilobytes", required = true)]
    pub size: String,
    #[command(flatten)]
    pub affect: AffectArgs,
}

/// `setmem DOMAIN SIZE [--config|--live|--current]`.
#[derive(Args, Debug)]
pub struct Setmem {
    #[command(flatten)]
    pub args: SetmemArgs,
}

impl ConnCommand for Setmem {
    const SPEC: Spec = Spec::new("setmem", "change memory allocation");
    fn run(&self, ctx: &Ctx<'_>, _out: &mut Out) -> CmdResult {
        let a = &self.args;
        // virsh's default for setmem is the live domain.
        let mut f = a.affect.flags()?;
        if a.affect.none() {
            f = flags::affect::LIVE;
        }
        let d = ctx.domain(&a.dom.domain)?;
        let kib = scaled_kib(&a.size, "size")?;
        d.set_memory(kib, f)?;
        Ok(())
    }
}

/// `setmaxmem DOMAIN SIZE [--config|--live|--current]`.
#[derive(Args, Debug)]
pub struct Setmaxmem {
    #[command(flatten)]
    pub args: SetmemArgs,
}

impl ConnCommand for Setmaxmem {
    const SPEC: Spec = Spec::new("setmaxmem", "change maximum memory limit");
    fn run(&self, ctx: &Ctx<'_>, _out: &mut Out) -> CmdResult {
        let a = &self.args;
        let f = a.affect.flags()?;
        let d = ctx.domain(&a.dom.domain)?;
        let kib = scaled_kib(&a.size, "size")?;
        d.set_memory(kib, f | flags::affect::MAXIMUM)
            .map_err(|e| CmdError::with("Unable to change MaxMemorySize", e))?;
        Ok(())
    }
}

/// `memtune DOMAIN [--hard-limit N] [...]`: query or change.
#[derive(Args, Debug)]
pub struct Memtune {
    #[command(flatten)]
    pub dom: DomainArg,
    /// Max memory, as scaled integer (default KiB)
    #[arg(long)]
    pub hard_limit: Option<String>,
    /// Memory during contention, as scaled integer (default KiB)
    #[arg(long)]
    pub soft_limit: Option<String>,
    /// Max memory plus swap, as scaled integer (default KiB)
    #[arg(long)]
    pub swap_hard_limit: Option<String>,
    /// Min guaranteed memory, as scaled integer (default KiB)
    #[arg(long)]
    pub min_guarantee: Option<String>,
    #[command(flatten)]
    pub affect: AffectArgs,
}

impl ConnCommand for Memtune {
    const SPEC: Spec = Spec::new("memtune", "Get or set memory parameters").json();
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
        let f = a.affect.flags()?;
        let d = ctx.domain(&a.dom.domain)?;
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
                    MEMORY_PARAM_UNLIMITED
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
            if ctx.json {
                return json_out(
                    out,
                    &params(&p)
                        .into_iter()
                        .collect::<std::collections::BTreeMap<_, _>>(),
                );
            }
            out.print(&memtune(&params(&p)));
            return Ok(());
        }
        d.set_memory_parameters(&set, f)
            .map_err(|e| CmdError::with("Unable to change memory parameters", e))?;
        Ok(())
    }
}

/// `setvcpus DOMAIN COUNT [options]`.
#[derive(Args, Debug)]
pub struct Setvcpus {
    #[command(flatten)]
    pub dom: DomainArg,
    /// number of virtual CPUs
    #[arg(long, required = true)]
    pub count: String,
    /// set maximum limit on next boot
    #[arg(long)]
    pub maximum: bool,
    #[command(flatten)]
    pub affect: AffectArgs,
    /// modify cpu state in the guest
    #[arg(long)]
    pub guest: bool,
    /// make added vcpus hot(un)pluggable
    #[arg(long)]
    pub hotpluggable: bool,
}

impl ConnCommand for Setvcpus {
    const SPEC: Spec = Spec::new("setvcpus", "change number of virtual CPUs");
    fn run(&self, ctx: &Ctx<'_>, _out: &mut Out) -> CmdResult {
        let a = self;
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
        let d = ctx.domain(&a.dom.domain)?;
        let count: u32 = a
            .count
            .parse()
            .map_err(|_| CmdError::malformed(&a.count, "count"))?;
        if count == 0 {
            return Err(CmdError::msg("Can't set 0 processors for a VM"));
        }
        d.set_vcpus(count, f)?;
        Ok(())
    }
}

/// `vcpucount DOMAIN [options]`.
#[derive(Args, Debug)]
pub struct Vcpucount {
    #[command(flatten)]
    pub dom: DomainArg,
    /// get maximum count of vcpus
    #[arg(long)]
    pub maximum: bool,
    /// get number of currently active vcpus
    #[arg(long)]
    pub active: bool,
    /// get value from running domain
    #[arg(long)]
    pub live: bool,
    /// get value to be used on next boot
    #[arg(long)]
    pub config: bool,
    /// get value according to current domain state
    #[arg(long)]
    pub current: bool,
    /// retrieve vcpu count from the guest instead of the hypervisor
    #[arg(long)]
    pub guest: bool,
}

impl ConnCommand for Vcpucount {
    const SPEC: Spec = Spec::new("vcpucount", "domain vcpu counts");
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
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
        let d = ctx.domain(&a.dom.domain)?;
        let mut report = CountReport::default();
        if all {
            // virsh collects all four before it gives up on any.
            let cm = cpu_count(&d, A::CONFIG | A::MAXIMUM, true, &mut report);
            let cc = cpu_count(&d, A::CONFIG, true, &mut report);
            let lm = cpu_count(&d, A::LIVE | A::MAXIMUM, true, &mut report);
            let lc = cpu_count(&d, A::LIVE, true, &mut report);
            match (cm, cc, lm, lc) {
                (Some(cm), Some(cc), Some(lm), Some(lc)) => {
                    out.print(&vcpucount_all(cm, lm, cc, lc))
                }
                _ => return Err(report.into_error()),
            }
        } else {
            match cpu_count(&d, f, false, &mut report) {
                Some(n) if n >= 0 => out.print(&format!("{n}\n")),
                _ => return Err(report.into_error()),
            }
        }
        Ok(())
    }
}

/// What virsh prints when counting fails: its own lines as they happen, then the last
/// driver error it did not clear.
#[derive(Default)]
struct CountReport {
    lines: Vec<String>,
    pending: Option<esxvirt_driver::Error>,
}

impl CountReport {
    fn driver<T>(&mut self, r: esxvirt_driver::Result<T>) -> Option<T> {
        r.map_err(|e| self.pending = Some(e)).ok()
    }

    fn into_error(self) -> CmdError {
        let code = self.pending.as_ref().map(|e| e.code());
        let pending = self.pending.map(|e| e.to_string());
        CmdError(self.lines.into_iter().chain(pending).collect(), code)
    }
}

/// virsh's vcpu count collection with its fallbacks: `Some(-1)` is "not applicable",
/// `None` a failure (in `report`).
fn cpu_count(
    d: &Domain<'_>,
    mut f: u32,
    check_state: bool,
    report: &mut CountReport,
) -> Option<i32> {
    use flags::affect as A;
    if check_state
        && ((f & A::LIVE != 0 && !d.is_active().unwrap_or(false))
            || (f & A::CONFIG != 0 && !d.is_persistent().unwrap_or(false)))
    {
        return Some(-1);
    }
    match d.get_vcpus_flags(f) {
        Ok(n) => return Some(n as i32),
        Err(e) => {
            let fallback = matches!(e.code(), ErrorCode::NoSupport | ErrorCode::InvalidArg);
            report.pending = Some(e);
            if !fallback {
                return None;
            }
        }
    }
    if f & A::GUEST != 0 {
        report
            .lines
            .push("Failed to retrieve vCPU count from the guest".to_string());
        return None;
    }
    if f & (A::LIVE | A::CONFIG) == 0 && d.is_active().unwrap_or(false) {
        f |= A::LIVE;
    }
    // virsh clears the driver's error before it falls back.
    report.pending = None;
    if f & A::LIVE != 0 {
        if f & A::MAXIMUM != 0 {
            return report.driver(d.get_max_vcpus()).map(|n| n as i32);
        }
        return report.driver(d.get_info()).map(|i| i.nr_virt_cpu as i32);
    }
    let xml = report.driver(d.get_xml_desc(flags::domain_xml::INACTIVE))?;
    // virsh reads `<vcpu>` and its `current=` attribute (absent: no current count).
    let vcpu = esxvirt_xml::domain::Domain::from_xml(&xml)
        .map(|def| def.vcpu)
        .ok();
    let (count, which) = if f & A::MAXIMUM != 0 {
        (vcpu.map(|v| v.count), "maximum")
    } else {
        (vcpu.and_then(|v| v.current), "current")
    };
    let n = count.and_then(|n| i32::try_from(n).ok());
    if n.is_none() {
        report
            .lines
            .push(format!("Failed to retrieve {which} vcpu count"));
    }
    n
}

/// `schedinfo DOMAIN [--set name=value]... [--config|--live|--current]`.
#[derive(Args, Debug)]
pub struct Schedinfo {
    #[command(flatten)]
    pub dom: DomainArg,
    /// weight for XEN_CREDIT
    #[arg(long)]
    pub weight: Option<String>,
    /// cap for XEN_CREDIT
    #[arg(long)]
    pub cap: Option<String>,
    /// get/set current scheduler info
    #[arg(long)]
    pub current: bool,
    /// get/set value to be used on next boot
    #[arg(long)]
    pub config: bool,
    /// get/set value from running domain
    #[arg(long)]
    pub live: bool,
    /// parameter=value
    #[arg(long, num_args = 1)]
    pub set: Vec<String>,
}

impl ConnCommand for Schedinfo {
    const SPEC: Spec = Spec::new("schedinfo", "show/set scheduler parameters")
        .json()
        .named_only(&["weight", "cap"]);
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let a = self;
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
        let d = ctx.domain(&a.dom.domain)?;
        let (ty, nparams) = match d.get_scheduler_type() {
            Ok(t) => t,
            Err(_) => {
                out.print(&schedinfo(None, &[]));
                return Err(CmdError::silent());
            }
        };
        // virsh prints the scheduler line before asking for the parameters.
        if !ctx.json {
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
        if ctx.json {
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
}

/// `schedinfo`: the scheduler type line, then `field : value` lines.
pub fn schedinfo(scheduler: Option<&str>, params: &[(String, ParamValue)]) -> String {
    let mut o = format!("{:<15}: {}\n", "Scheduler", scheduler.unwrap_or("Unknown"));
    for (k, v) in params {
        o.push_str(&format!("{k:<15}: {}\n", v.to_virsh()));
    }
    o
}

/// `memtune` (query).
pub fn memtune(params: &[(String, ParamValue)]) -> String {
    let mut o = String::new();
    for (k, v) in params {
        let text = match v {
            ParamValue::ULLong(u) if *u == MEMORY_PARAM_UNLIMITED => "unlimited".to_string(),
            other => other.to_virsh(),
        };
        o.push_str(&format!("{k:<15}: {text}\n"));
    }
    o
}

/// `vcpucount` without options: the four counts, each shown when positive.
pub fn vcpucount_all(conf_max: i32, live_max: i32, conf_cur: i32, live_cur: i32) -> String {
    let mut o = String::new();
    for (v, which, state) in [
        (conf_max, "maximum", "config"),
        (live_max, "maximum", "live"),
        (conf_cur, "current", "config"),
        (live_cur, "current", "live"),
    ] {
        if v > 0 {
            o.push_str(&format!("{which:<12} {state:<12} {v:>3}\n"));
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedinfo_memtune_vcpucount() {
        let p = vec![
            ("reservation".to_string(), ParamValue::LLong(0)),
            ("limit".to_string(), ParamValue::LLong(-1)),
            ("shares".to_string(), ParamValue::Int(1000)),
        ];
        assert_eq!(
            schedinfo(Some("allocation"), &p),
            "Scheduler      : allocation\nreservation    : 0\nlimit          : -1\nshares         : 1000\n"
        );
        assert_eq!(
            schedinfo(Some("fair"), &[("weight".into(), ParamValue::UInt(50))]),
            "Scheduler      : fair\nweight         : 50\n"
        );
        assert_eq!(
            memtune(&[
                ("min_guarantee".into(), ParamValue::ULLong(0)),
                (
                    "hard_limit".into(),
                    ParamValue::ULLong(MEMORY_PARAM_UNLIMITED)
                )
            ]),
            "min_guarantee  : 0\nhard_limit     : unlimited\n"
        );
        assert_eq!(
            vcpucount_all(2, 2, 2, 2),
            "maximum      config         2\nmaximum      live           2\ncurrent      config         2\ncurrent      live           2\n"
        );
        assert_eq!(vcpucount_all(4, 0, 0, 0), "maximum      config         4\n");
    }
}
