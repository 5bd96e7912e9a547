//! `PerformanceManager`: a fixed counter catalogue (CPU, memory, network, disk, uptime:
//! those monitoring tools commonly ask for) and plausible, deterministic samples for VMs and hosts.

use crate::fault::Fault;
use crate::inventory::{PowerState, World};
use crate::object::CallCx;
use crate::soap::Element;
use crate::value::{MoRef, Value};

use super::common::{element_description, split_path, walk};
use super::entry::{Call, Ids, ManagedType};

/// The `PerformanceManager` type.
pub const TYPE: ManagedType = ManagedType {
    name: "PerformanceManager",
    ids: Ids::Service("perfManager"),
    properties: &["description", "historicalInterval", "perfCounter"],
    property,
    methods: &[
        ("QueryPerfCounter", query),
        ("QueryPerfCounterByLevel", query),
        ("QueryPerfProviderSummary", query),
        ("QueryAvailablePerfMetric", query),
        ("QueryPerf", query),
    ],
};

/// The `Query*` methods, all pure reads.
fn query(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Result<Option<Value>, Fault> {
    answer(w, call.method, call.args)
}

/// (key, group, name, unit, rollup, stats type, level).
#[rustfmt::skip]
const COUNTERS: &[(i32, &str, &str, &str, &str, &str, i32)] = &[
    (2, "cpu", "usage", "percent", "average", "rate", 1),
    (6, "cpu", "usagemhz", "megaHertz", "average", "rate", 1),
    (12, "cpu", "ready", "millisecond", "summation", "delta", 1),
    (14, "cpu", "used", "millisecond", "summation", "delta", 1),
    (24, "mem", "usage", "percent", "average", "absolute", 1),
    (29, "mem", "consumed", "kiloBytes", "average", "absolute", 1),
    (33, "mem", "active", "kiloBytes", "average", "absolute", 2),
    (70, "mem", "swapped", "kiloBytes", "average", "absolute", 2),
    (90, "mem", "vmmemctl", "kiloBytes", "average", "absolute", 1),
    (125, "disk", "usage", "kiloBytesPerSecond", "average", "rate", 1),
    (130, "disk", "read", "kiloBytesPerSecond", "average", "rate", 2),
    (131, "disk", "write", "kiloBytesPerSecond", "average", "rate", 2),
    (143, "net", "usage", "kiloBytesPerSecond", "average", "rate", 1),
    (146, "net", "received", "kiloBytesPerSecond", "average", "rate", 2),
    (147, "net", "transmitted", "kiloBytesPerSecond", "average", "rate", 2),
    (155, "sys", "uptime", "second", "latest", "absolute", 1),
    // The rest of what monitoring tools commonly ask for (vmware_exporter's list), with
    // vCenter's keys, units, rollups and statistics types.
    (13, "cpu", "idle", "millisecond", "summation", "delta", 2),
    (386, "cpu", "swapwait", "millisecond", "summation", "delta", 3),
    (398, "cpu", "demand", "megaHertz", "average", "absolute", 2),
    (399, "cpu", "costop", "millisecond", "summation", "delta", 2),
    (400, "cpu", "maxlimited", "millisecond", "summation", "delta", 2),
    (85, "mem", "swapinRate", "kiloBytesPerSecond", "average", "rate", 1),
    (86, "mem", "swapoutRate", "kiloBytesPerSecond", "average", "rate", 1),
    (406, "mem", "swapin", "kiloBytes", "average", "absolute", 2),
    (410, "mem", "swapout", "kiloBytes", "average", "absolute", 2),
    (422, "mem", "latency", "percent", "average", "absolute", 2),
    (133, "disk", "maxTotalLatency", "millisecond", "latest", "absolute", 1),
    (460, "net", "droppedRx", "number", "summation", "delta", 2),
    (461, "net", "droppedTx", "number", "summation", "delta", 2),
    (462, "net", "bytesRx", "kiloBytesPerSecond", "average", "rate", 2),
    (463, "net", "bytesTx", "kiloBytesPerSecond", "average", "rate", 2),
    (464, "net", "broadcastRx", "number", "summation", "delta", 2),
    (465, "net", "broadcastTx", "number", "summation", "delta", 2),
    (466, "net", "multicastRx", "number", "summation", "delta", 2),
    (467, "net", "multicastTx", "number", "summation", "delta", 2),
    (468, "net", "errorsRx", "number", "summation", "delta", 2),
    (469, "net", "errorsTx", "number", "summation", "delta", 2),
];

fn counter(
    c: &(
        i32,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        i32,
    ),
) -> Value {
    let (key, group, name, unit, rollup, stats, level) = *c;
    Value::obj("PerfCounterInfo")
        .with("key", Value::int(key))
        .with("nameInfo", element_description(name, name, name))
        .with("groupInfo", element_description(group, group, group))
        .with("unitInfo", element_description(unit, unit, unit))
        .with("rollupType", Value::enumv("PerfSummaryType", rollup))
        .with("statsType", Value::enumv("PerfStatsType", stats))
        .with("level", Value::int(level))
        .with("perDeviceLevel", Value::int(3))
}

fn property(_w: &World, _id: &str, path: &str) -> Result<Option<Value>, Fault> {
    let (head, rest) = split_path(path);
    let top = match head {
        "perfCounter" => Some(Value::array(
            "PerfCounterInfo",
            COUNTERS.iter().map(counter).collect(),
        )),
        "historicalInterval" => Some(Value::array(
            "PerfInterval",
            [
                (1, 300, "Past day", 86400),
                (2, 1800, "Past week", 604800),
                (3, 7200, "Past month", 2_592_000),
                (4, 86400, "Past year", 31_536_000),
            ]
            .iter()
            .map(|(k, p, n, l)| {
                Value::obj("PerfInterval")
                    .with("key", Value::int(*k))
                    .with("samplingPeriod", Value::int(*p))
                    .with("name", Value::str(*n))
                    .with("length", Value::int(*l))
                    .with("level", Value::int(1))
                    .with("enabled", Value::bool(true))
            })
            .collect(),
        )),
        "description" => {
            // Both lists name the same three kinds of value.
            let kinds = Value::array(
                "ElementDescription",
                vec![
                    element_description("absolute", "Absolute", "Absolute value"),
                    element_description("delta", "Delta", "Delta value"),
                    element_description("rate", "Rate", "Rate value"),
                ],
            );
            Some(
                Value::obj("PerformanceDescription")
                    .with("counterType", kinds.clone())
                    .with("statsType", kinds),
            )
        }
        _ => return Err(Fault::invalid_property(path)),
    };
    walk(top, rest)
}

/// A deterministic sample for counter `key` of an entity at sample `i`.
fn sample(w: &World, entity: &MoRef, key: i32, i: i64) -> i64 {
    let running = match entity.ty.as_ref() {
        "VirtualMachine" => w
            .vms
            .get(&entity.value)
            .is_some_and(|v| v.power_state == PowerState::PoweredOn),
        _ => true,
    };
    if !running {
        return 0;
    }
    let (mem_kb, mhz) = match entity.ty.as_ref() {
        "VirtualMachine" => w
            .vms
            .get(&entity.value)
            .map(|v| (v.config.memory_mb * 1024, 2095 * v.config.num_cpu as i64))
            .unwrap_or((0, 0)),
        _ => w
            .hosts
            .get(&entity.value)
            .map(|h| {
                (
                    h.hardware.memory_bytes / 1024,
                    h.hardware.cpu_mhz as i64 * h.hardware.cpu_cores as i64,
                )
            })
            .unwrap_or((0, 0)),
    };
    let wave = (i * 37 + key as i64 * 11) % 20;
    match key {
        2 => 300 + wave * 25,
        6 => mhz * (3 + wave) / 100,
        12 => 40 + wave * 3,
        // Milliseconds of CPU used in the 20-s sample: usagemhz's share of the sample.
        14 => 20_000 * (3 + wave) / 100,
        24 => 1200 + wave * 50,
        29 => mem_kb / 2 + wave * 1024,
        33 => mem_kb / 8 + wave * 512,
        // No memory pressure in the simulator: nothing swapped, no balloon (as quickStats).
        70 | 90 => 0,
        125 | 130 | 131 => 10 + wave,
        143 | 146 | 147 => 2 + wave / 2,
        155 => 3600 + i * 20,
        // Idle: the rest of the 20-s sample; demand about what is used; a little
        // co-stop; a few broadcast and multicast packets.
        13 => 20_000 * (97 - wave) / 100,
        398 => mhz * (3 + wave) / 100,
        399 => wave / 4,
        133 => 1 + wave / 5,
        462 | 463 => 2 + wave / 2,
        464 | 465 => wave / 4,
        466 | 467 => wave / 5,
        // No memory pressure, limits, drops or errors in the simulator.
        _ => 0,
    }
}

fn entity_ok(w: &World, e: &MoRef) -> bool {
    match e.ty.as_ref() {
        "VirtualMachine" => w.vms.contains_key(&e.value),
        "HostSystem" => w.hosts.contains_key(&e.value),
        _ => false,
    }
}

/// Answers one of the `Query*` methods.
fn answer(w: &World, method: &str, args: &Element) -> Result<Option<Value>, Fault> {
    match method {
        "QueryPerfCounter" => {
            let ids: Vec<i32> = args
                .strings_of("counterId")
                .iter()
                .filter_map(|s| s.trim().parse().ok())
                .collect();
            Ok(Some(Value::array(
                "PerfCounterInfo",
                COUNTERS
                    .iter()
                    .filter(|c| ids.contains(&c.0))
                    .map(counter)
                    .collect(),
            )))
        }
        "QueryPerfCounterByLevel" => {
            let level = args.i32_of("level")?.unwrap_or(1);
            Ok(Some(Value::array(
                "PerfCounterInfo",
                COUNTERS
                    .iter()
                    .filter(|c| c.6 <= level)
                    .map(counter)
                    .collect(),
            )))
        }
        "QueryPerfProviderSummary" => {
            let e = args.req_moref("entity")?;
            if !entity_ok(w, &e) {
                return Err(Fault::not_found(&e));
            }
            Ok(Some(
                Value::obj("PerfProviderSummary")
                    .with("entity", Value::MoRef(e))
                    .with("currentSupported", Value::bool(true))
                    .with("summarySupported", Value::bool(true))
                    .with("refreshRate", Value::int(20)),
            ))
        }
        "QueryAvailablePerfMetric" => {
            let e = args.req_moref("entity")?;
            if !entity_ok(w, &e) {
                return Err(Fault::not_found(&e));
            }
            Ok(Some(Value::array(
                "PerfMetricId",
                COUNTERS
                    .iter()
                    .map(|c| {
                        Value::obj("PerfMetricId")
                            .with("counterId", Value::int(c.0))
                            .with("instance", Value::str(""))
                    })
                    .collect(),
            )))
        }
        "QueryPerf" => {
            let mut out = Vec::new();
            for spec in args.children_named("querySpec") {
                let e = spec.req_moref("entity")?;
                if !entity_ok(w, &e) {
                    return Err(Fault::not_found(&e));
                }
                let n = spec.i32_of("maxSample")?.unwrap_or(1).clamp(1, 180) as i64;
                let interval = spec.i32_of("intervalId")?.unwrap_or(20).max(1);
                let ids: Vec<i32> = spec
                    .children_named("metricId")
                    .filter_map(|m| m.i32_of("counterId").ok().flatten())
                    .collect();
                let ids: Vec<i32> = if ids.is_empty() {
                    COUNTERS.iter().map(|c| c.0).collect()
                } else {
                    ids
                };
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs() as i64)
                    .unwrap_or(0);
                let infos = (0..n)
                    .map(|i| {
                        let t = now - (n - 1 - i) * interval as i64;
                        Value::obj("PerfSampleInfo")
                            .with(
                                "timestamp",
                                Value::DateTime(esxvirt_util::datetime::unix_to_xsd_datetime(
                                    t - t % interval as i64,
                                    0,
                                )),
                            )
                            .with("interval", Value::int(interval))
                    })
                    .collect();
                let series = ids
                    .iter()
                    .filter(|k| COUNTERS.iter().any(|c| c.0 == **k))
                    .map(|k| {
                        Value::obj("PerfMetricIntSeries")
                            .with(
                                "id",
                                Value::obj("PerfMetricId")
                                    .with("counterId", Value::int(*k))
                                    .with("instance", Value::str("")),
                            )
                            .with(
                                "value",
                                Value::array(
                                    "long",
                                    (0..n).map(|i| Value::long(sample(w, &e, *k, i))).collect(),
                                ),
                            )
                    })
                    .collect();
                out.push(
                    Value::obj("PerfEntityMetric")
                        .with("entity", Value::MoRef(e))
                        .with("sampleInfo", Value::array("PerfSampleInfo", infos))
                        .with("value", Value::array("PerfMetricSeries", series)),
                );
            }
            Ok(Some(Value::array("PerfEntityMetricBase", out)))
        }
        _ => Err(Fault::method_not_found("PerformanceManager", method)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, TestWorld};
    use super::COUNTERS;
    use crate::value::Value;

    const PM: &str = "ha-perfmgr";

    #[test]
    fn counters_and_samples() {
        let mut t = TestWorld::esx();
        let counters = t.get("PerformanceManager", PM, "perfCounter");
        assert_eq!(counters.as_array().unwrap().len(), COUNTERS.len());
        // Keys are unique, and the names monitoring tools look up are there.
        let mut keys: Vec<i32> = COUNTERS.iter().map(|c| c.0).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), COUNTERS.len());
        let names: Vec<String> = COUNTERS
            .iter()
            .map(|c| format!("{}.{}.{}", c.1, c.2, c.4))
            .collect();
        for n in [
            "cpu.costop.summation",
            "net.errorsTx.summation",
            "disk.maxTotalLatency.latest",
        ] {
            assert!(names.iter().any(|x| x == n), "{n}");
        }
        let web01 = t.vm("web01");
        let spec = format!(
            "<querySpec><entity type=\"VirtualMachine\">{web01}</entity><maxSample>3</maxSample><metricId><counterId>6</counterId><instance></instance></metricId><intervalId>20</intervalId></querySpec>"
        );
        let r = t
            .call("PerformanceManager", PM, "QueryPerf", &spec)
            .unwrap()
            .unwrap();
        let metric = &r.as_array().unwrap()[0];
        assert_eq!(
            metric
                .path("sampleInfo")
                .and_then(Value::as_array)
                .unwrap()
                .len(),
            3
        );
        let series = &metric.path("value").and_then(Value::as_array).unwrap()[0];
        let values = series.path("value").and_then(Value::as_array).unwrap();
        assert!(values.iter().all(|v| v.as_i64().unwrap() > 0), "{values:?}");
        // A powered-off VM samples zero; an unknown entity is a fault.
        let db01 = t.vm("db01");
        let off = spec.replace(&format!(">{web01}<"), &format!(">{db01}<"));
        let r = t
            .call("PerformanceManager", PM, "QueryPerf", &off)
            .unwrap()
            .unwrap();
        let v = r.as_array().unwrap()[0].clone();
        let zero = v.path("value").and_then(Value::as_array).unwrap()[0]
            .path("value")
            .and_then(Value::as_array)
            .unwrap()
            .iter()
            .all(|x| x.as_i64() == Some(0));
        assert!(zero);
        let r = t.call(
            "PerformanceManager",
            PM,
            "QueryPerfProviderSummary",
            "<entity type=\"VirtualMachine\">404</entity>",
        );
        assert_eq!(fault_type(r), "ManagedObjectNotFound");
        let r = t.call("PerformanceManager", PM, "QueryAvailablePerfMetric", "");
        assert_eq!(fault_type(r), "InvalidRequest");
    }
}
