//! virsh's text conventions that several command groups share: `Key:   value` lines,
//! yes/no words, case-insensitive ordering, capacities (`1.50 GiB`), typed parameters
//! (`schedinfo`, `memtune`, `domstats`), XML output with `--xpath`, autostart reports and
//! libvirt's log timestamps. Tables are [`crate::table`]'s.

use esxvirt_driver::{TypedParam, TypedValue};
use serde::Serialize;

use crate::output::{CmdError, CmdResult, Out};

/// ASCII case-insensitive byte order, as strcasecmp sorts virsh's lists.
pub fn strcasecmp(a: &str, b: &str) -> std::cmp::Ordering {
    let la = a.bytes().map(|c| c.to_ascii_lowercase());
    let lb = b.bytes().map(|c| c.to_ascii_lowercase());
    la.cmp(lb)
}

/// One `Key:` line, the key padded to `width`.
pub fn label(out: &mut String, width: usize, key: &str, value: &str) {
    out.push_str(&format!("{key:<width$} {value}\n"));
}

/// virsh's `yes` / `no`.
pub fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// A byte count as virsh's `vshPrettyCapacity` scales it: value and unit.
pub fn pretty_capacity(val: u64) -> (f64, &'static str) {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if val < 1024 {
        return (val as f64, "B");
    }
    let mut limit: f64 = 1024.0;
    for (i, unit) in UNITS.iter().enumerate() {
        let next = limit * 1024.0;
        if (val as f64) < next || i == UNITS.len() - 1 {
            return (val as f64 / limit, unit);
        }
        limit = next;
    }
    (val as f64, "B")
}

/// A capacity as virsh prints it (`1.50 KiB`).
pub fn pretty(val: u64) -> String {
    let (v, u) = pretty_capacity(val);
    format!("{v:.2} {u}")
}

/// A typed parameter as virsh prints it (`schedinfo`, `memtune`, `domstats`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ParamValue {
    Int(i32),
    UInt(u32),
    LLong(i64),
    ULLong(u64),
    Double(f64),
    Bool(bool),
    Str(String),
}

impl ParamValue {
    /// virsh's text for the value.
    pub fn to_virsh(&self) -> String {
        match self {
            ParamValue::Int(v) => v.to_string(),
            ParamValue::UInt(v) => v.to_string(),
            ParamValue::LLong(v) => v.to_string(),
            ParamValue::ULLong(v) => v.to_string(),
            ParamValue::Double(v) => format!("{v:.6}"),
            ParamValue::Bool(v) => yes_no(*v).to_string(),
            ParamValue::Str(v) => v.clone(),
        }
    }
}

impl From<&TypedValue> for ParamValue {
    fn from(v: &TypedValue) -> ParamValue {
        match v {
            TypedValue::Int(i) => ParamValue::Int(*i),
            TypedValue::UInt(i) => ParamValue::UInt(*i),
            TypedValue::LLong(i) => ParamValue::LLong(*i),
            TypedValue::ULLong(i) => ParamValue::ULLong(*i),
            TypedValue::Double(d) => ParamValue::Double(*d),
            TypedValue::Boolean(b) => ParamValue::Bool(*b),
            TypedValue::String(s) => ParamValue::Str(s.clone()),
        }
    }
}

/// The driver's typed parameters as `(field, value)` pairs, in their order.
pub fn params(p: &[TypedParam]) -> Vec<(String, ParamValue)> {
    p.iter()
        .map(|t| (t.field.clone(), ParamValue::from(&t.value)))
        .collect()
}

/// Prints `xml`, or with `--xpath` the nodes it selects (`--wrap`: under one `<nodes>`).
pub fn print_xml(out: &mut Out, xml: &str, xpath: &crate::options::XpathArgs) -> CmdResult {
    let Some(expr) = xpath.xpath.as_deref() else {
        out.print(xml);
        return Ok(());
    };
    match crate::xpath::select(xml, expr, xpath.wrap) {
        Ok(crate::xpath::Selection::Nodes(text)) => out.print(&text),
        Ok(crate::xpath::Selection::InvalidExpression(msg)) => {
            use std::io::Write;
            let _ = std::io::stderr().write_all(msg.as_bytes());
        }
        Err(e) => return Err(CmdError::msg(e.to_string())),
    }
    Ok(())
}

/// virsh's report of an autostart change: on failure "FAILED to mark|unmark KIND NAME as
/// autostarted" with the driver's error, else (informational) "KIND NAME marked|unmarked as
/// autostarted". `kind` is (in-sentence, sentence-start) spelling; virsh capitalises the
/// failure line for domains but not for networks, hence `failed`.
pub fn report_autostart(
    out: &mut Out,
    on: bool,
    failed: &str,
    kind: (&str, &str),
    shown: &str,
    result: Result<(), esxvirt_driver::Error>,
) -> CmdResult {
    let mark = if on { "mark" } else { "unmark" };
    result.map_err(|e| {
        CmdError::with(
            format!("{failed} to {mark} {} {shown} as autostarted", kind.0),
            e,
        )
    })?;
    out.extra(&format!("{} {shown} {mark}ed as autostarted\n", kind.1));
    Ok(())
}

/// libvirt's log timestamp (events with `--timestamp`, warnings): UTC, milliseconds,
/// `+0000`.
pub fn timestamp_now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%d %H:%M:%S%.3f+0000")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_units() {
        assert_eq!(pretty(0), "0.00 B");
        assert_eq!(pretty(1023), "1023.00 B");
        assert_eq!(pretty(1024), "1.00 KiB");
        assert_eq!(pretty(5 * 1024 * 1024 * 1024 * 1024), "5.00 TiB");
        assert_eq!(pretty(u64::MAX), "16.00 EiB");
    }

    #[test]
    fn words_lines_and_order() {
        let mut o = String::new();
        label(&mut o, 15, "Name:", "vm");
        assert_eq!(o, "Name:           vm\n");
        assert_eq!((yes_no(true), yes_no(false)), ("yes", "no"));
        let mut v = vec!["b", "A", "a", "C"];
        v.sort_by(|x, y| strcasecmp(x, y));
        assert_eq!(v, ["A", "a", "b", "C"]);
        assert_eq!(ParamValue::Double(0.5).to_virsh(), "0.500000");
        assert_eq!(ParamValue::Bool(true).to_virsh(), "yes");
        let p = params(&[TypedParam::new("limit", TypedValue::LLong(-1))]);
        assert_eq!(p, [("limit".to_string(), ParamValue::LLong(-1))]);
    }

    #[test]
    fn autostart_reports_in_virsh_words() {
        let mut out = Out::new(false);
        report_autostart(
            &mut out,
            true,
            "Failed",
            ("domain", "Domain"),
            "'db01'",
            Ok(()),
        )
        .expect("marked");
        report_autostart(
            &mut out,
            false,
            "failed",
            ("network", "Network"),
            "lan",
            Ok(()),
        )
        .expect("unmarked");
        assert_eq!(
            out.text,
            "Domain 'db01' marked as autostarted\nNetwork lan unmarked as autostarted\n"
        );
        let err = report_autostart(
            &mut out,
            false,
            "Failed",
            ("domain", "Domain"),
            "'db01'",
            Err(esxvirt_driver::Error::internal("boom")),
        )
        .expect_err("failed");
        assert_eq!(err.0[0], "Failed to unmark domain 'db01' as autostarted");
        let err = report_autostart(
            &mut out,
            true,
            "failed",
            ("network", "Network"),
            "lan",
            Err(esxvirt_driver::Error::internal("boom")),
        )
        .expect_err("failed");
        assert_eq!(err.0[0], "failed to mark network lan as autostarted");
    }

    #[test]
    fn timestamps_like_libvirt() {
        let t = timestamp_now();
        // YYYY-MM-DD HH:MM:SS.mmm+0000
        assert_eq!(t.len(), 28, "{t}");
        let shape: String = t
            .chars()
            .map(|c| if c.is_ascii_digit() { '9' } else { c })
            .collect();
        assert_eq!(shape, "9999-99-99 99:99:99.999+9999");
        assert!(t.ends_with("+0000"));
    }
}
