//! Counters from the PerformanceManager: which counters the libvirt families need, the
//! QueryPerf specs for the running VMs (each asking only for the samples after the last one
//! seen), and the totals built from the samples.
//!
//! vSphere keeps no cumulative counters, only samples per interval: `cpu.used` is the
//! milliseconds of CPU used within a sample, `virtualDisk.read` and `net.received` are
//! KB/s averaged over it, `net.packetsRx` a count within it. libvirt's families are totals
//! (`libvirt_domain_info_cpu_time_seconds_total`), so each sample adds its share to a total
//! kept here: a counter that starts when the exporter first sees the VM and grows by what
//! every sample reports (a rate times the sample's length, or the sample's sum). A sample is
//! counted once: per VM the newest timestamp seen is kept, and older ones are skipped.
//! `rate()` over these counters gives what vSphere's samples say.

use std::collections::{BTreeMap, HashMap};

use esxvirt_driver::stats::disk_target_of_instance;
use esxvirt_vi::{
    AnyPerfMetricSeries, PerfCounterInfo, PerfEntityMetric, PerfMetricId, PerfQuerySpec,
};

/// What a counter's samples add to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sink {
    /// Milliseconds of CPU in the sample (`cpu.used`, summation).
    CpuUsedMs,
    DiskReadKBps,
    DiskWriteKBps,
    DiskReadsPerSecond,
    DiskWritesPerSecond,
    NetRxKBps,
    NetTxKBps,
    NetRxPackets,
    NetTxPackets,
    NetRxDrops,
    NetTxDrops,
    NetRxErrors,
    NetTxErrors,
}

/// The VM counters used: (group, name, rollup, what they feed).
pub const VM_COUNTERS: &[(&str, &str, &str, Sink)] = &[
    ("cpu", "used", "summation", Sink::CpuUsedMs),
    ("virtualDisk", "read", "average", Sink::DiskReadKBps),
    ("virtualDisk", "write", "average", Sink::DiskWriteKBps),
    (
        "virtualDisk",
        "numberReadAveraged",
        "average",
        Sink::DiskReadsPerSecond,
    ),
    (
        "virtualDisk",
        "numberWriteAveraged",
        "average",
        Sink::DiskWritesPerSecond,
    ),
    ("net", "received", "average", Sink::NetRxKBps),
    ("net", "transmitted", "average", Sink::NetTxKBps),
    ("net", "packetsRx", "summation", Sink::NetRxPackets),
    ("net", "packetsTx", "summation", Sink::NetTxPackets),
    ("net", "droppedRx", "summation", Sink::NetRxDrops),
    ("net", "droppedTx", "summation", Sink::NetTxDrops),
    ("net", "errorsRx", "summation", Sink::NetRxErrors),
    ("net", "errorsTx", "summation", Sink::NetTxErrors),
];

/// The counters of [`VM_COUNTERS`] a server has: its counter key per sink.
#[derive(Debug, Clone, Default)]
pub struct Counters {
    keys: Vec<(i32, Sink)>,
}

impl Counters {
    /// Picks the counters out of the server's catalogue.
    pub fn from_catalogue(all: &[PerfCounterInfo]) -> Counters {
        let keys = VM_COUNTERS
            .iter()
            .filter_map(|(g, n, r, sink)| {
                all.iter()
                    .find(|c| {
                        c.group_info.key == *g
                            && c.name_info.key == *n
                            && c.rollup_type.as_str() == *r
                    })
                    .map(|c| (c.key, *sink))
            })
            .collect();
        Counters { keys }
    }

    /// Whether no counter is known.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    fn sink(&self, key: i32) -> Option<Sink> {
        self.keys.iter().find(|(k, _)| *k == key).map(|(_, s)| *s)
    }

    /// The metric ids to ask for: CPU for the whole VM, disks and NICs per device.
    fn metric_ids(&self) -> Vec<PerfMetricId> {
        self.keys
            .iter()
            .map(|(key, sink)| PerfMetricId {
                counter_id: *key,
                instance: if *sink == Sink::CpuUsedMs { "" } else { "*" }.into(),
            })
            .collect()
    }
}

/// Totals of one virtual disk.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DiskTotals {
    pub read_bytes: f64,
    pub write_bytes: f64,
    pub read_requests: f64,
    pub write_requests: f64,
}

/// Totals of one virtual NIC.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NicTotals {
    pub rx_bytes: f64,
    pub tx_bytes: f64,
    pub rx_packets: f64,
    pub tx_packets: f64,
    pub rx_drops: f64,
    pub tx_drops: f64,
    pub rx_errors: f64,
    pub tx_errors: f64,
}

/// Totals of one VM since the exporter first saw samples of it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VmTotals {
    /// The newest sample counted (Unix seconds).
    pub last_sample: Option<i64>,
    /// CPU time, seconds; `None` until a sample came.
    pub cpu_seconds: Option<f64>,
    /// By target name (`sda`).
    pub disks: BTreeMap<String, DiskTotals>,
    /// By device key (the counters' instance, `4000`).
    pub nics: BTreeMap<String, NicTotals>,
}

impl VmTotals {
    /// Adds the samples of one QueryPerf answer newer than those counted so far.
    pub fn absorb(&mut self, counters: &Counters, m: &PerfEntityMetric) {
        let stamps: Vec<Option<i64>> = m
            .sample_info
            .iter()
            .map(|s| esxvirt_util::datetime::xsd_datetime_to_unix(&s.timestamp).ok())
            .collect();
        let fresh: Vec<(usize, f64)> = m
            .sample_info
            .iter()
            .enumerate()
            .filter(|(i, _)| match (stamps[*i], self.last_sample) {
                (Some(t), Some(last)) => t > last,
                (Some(_), None) => true,
                (None, _) => false,
            })
            .map(|(i, s)| (i, f64::from(s.interval.max(1))))
            .collect();
        if fresh.is_empty() {
            return;
        }
        for series in &m.value {
            let AnyPerfMetricSeries::PerfMetricIntSeries(s) = series else {
                continue;
            };
            let Some(sink) = counters.sink(s.base.id.counter_id) else {
                continue;
            };
            let instance = s.base.id.instance.as_str();
            for &(i, seconds) in &fresh {
                let Some(&v) = s.value.get(i) else { continue };
                // Negative values are vSphere's "no data".
                if v >= 0 {
                    self.add(sink, instance, v as f64, seconds);
                }
            }
        }
        self.last_sample = stamps.iter().flatten().copied().max().max(self.last_sample);
    }

    fn add(&mut self, sink: Sink, instance: &str, v: f64, seconds: f64) {
        let kb = 1024.0 * seconds;
        match sink {
            Sink::CpuUsedMs => {
                if instance.is_empty() {
                    *self.cpu_seconds.get_or_insert(0.0) += v / 1000.0;
                }
            }
            Sink::DiskReadKBps
            | Sink::DiskWriteKBps
            | Sink::DiskReadsPerSecond
            | Sink::DiskWritesPerSecond => {
                let Some(target) = disk_target_of_instance(instance) else {
                    return;
                };
                let d = self.disks.entry(target).or_default();
                match sink {
                    Sink::DiskReadKBps => d.read_bytes += v * kb,
                    Sink::DiskWriteKBps => d.write_bytes += v * kb,
                    Sink::DiskReadsPerSecond => d.read_requests += v * seconds,
                    _ => d.write_requests += v * seconds,
                }
            }
            _ => {
                // The aggregate of all NICs ("") is not a device, nor is the wildcard that
                // some servers (govmomi's simulator) send back as the instance.
                if instance.is_empty() || instance == "*" {
                    return;
                }
                let n = self.nics.entry(instance.to_string()).or_default();
                match sink {
                    Sink::NetRxKBps => n.rx_bytes += v * kb,
                    Sink::NetTxKBps => n.tx_bytes += v * kb,
                    Sink::NetRxPackets => n.rx_packets += v,
                    Sink::NetTxPackets => n.tx_packets += v,
                    Sink::NetRxDrops => n.rx_drops += v,
                    Sink::NetTxDrops => n.tx_drops += v,
                    Sink::NetRxErrors => n.rx_errors += v,
                    _ => n.tx_errors += v,
                }
            }
        }
    }
}

/// The QueryPerf specs for `vms` (managed-object id with its totals so far): the samples
/// after the last one counted, or the latest one for a VM not sampled yet.
pub fn specs(
    counters: &Counters,
    interval_id: i32,
    vms: &[(&str, Option<&VmTotals>)],
) -> Vec<PerfQuerySpec> {
    let ids = counters.metric_ids();
    vms.iter()
        .map(|(id, totals)| {
            let since = totals.and_then(|t| t.last_sample);
            PerfQuerySpec {
                entity: esxvirt_driver::domain::identity::vm_ref(id),
                start_time: since.map(|t| esxvirt_util::datetime::unix_to_xsd_datetime(t, 0)),
                max_sample: since.is_none().then_some(1),
                metric_id: ids.clone(),
                interval_id: Some(interval_id),
                ..PerfQuerySpec::default()
            }
        })
        .collect()
}

/// The totals of every VM, by managed-object id.
pub type Totals = HashMap<String, VmTotals>;

#[cfg(test)]
mod tests {
    use super::*;
    use esxvirt_vi::{
        ElementDescription, ManagedObjectReference, PerfMetricIntSeries, PerfMetricSeries,
        PerfSampleInfo, PerfSummaryType,
    };

    fn info(key: i32, g: &str, n: &str, rollup: PerfSummaryType) -> PerfCounterInfo {
        let d = |k: &str| ElementDescription {
            key: k.into(),
            ..ElementDescription::default()
        };
        PerfCounterInfo {
            key,
            group_info: d(g),
            name_info: d(n),
            rollup_type: rollup,
            ..PerfCounterInfo::default()
        }
    }

    fn series(key: i32, instance: &str, values: &[i64]) -> AnyPerfMetricSeries {
        AnyPerfMetricSeries::PerfMetricIntSeries(PerfMetricIntSeries {
            base: PerfMetricSeries {
                id: PerfMetricId {
                    counter_id: key,
                    instance: instance.into(),
                },
            },
            value: values.to_vec(),
        })
    }

    fn metric(times: &[&str], value: Vec<AnyPerfMetricSeries>) -> PerfEntityMetric {
        PerfEntityMetric {
            base: esxvirt_vi::PerfEntityMetricBase {
                entity: ManagedObjectReference::new("VirtualMachine", "vm-1"),
            },
            sample_info: times
                .iter()
                .map(|t| PerfSampleInfo {
                    timestamp: t.to_string(),
                    interval: 20,
                })
                .collect(),
            value,
        }
    }

    #[test]
    fn samples_add_up_once_each() {
        let counters = Counters::from_catalogue(&[
            info(14, "cpu", "used", PerfSummaryType::Summation),
            info(130, "virtualDisk", "read", PerfSummaryType::Average),
            info(146, "net", "received", PerfSummaryType::Average),
            info(200, "net", "packetsRx", PerfSummaryType::Summation),
            info(6, "cpu", "usagemhz", PerfSummaryType::Average),
        ]);
        assert_eq!(counters.keys.len(), 4);
        let ids = counters.metric_ids();
        assert_eq!(ids[0].instance, "");
        assert_eq!(ids[1].instance, "*");
        let mut t = VmTotals::default();
        let m = metric(
            &["2026-01-01T00:00:20Z", "2026-01-01T00:00:40Z"],
            vec![
                series(14, "", &[1000, 3000]),
                series(14, "0", &[500, 500]),
                series(130, "scsi0:1", &[10, -1]),
                series(146, "", &[99, 99]),
                series(146, "*", &[99, 99]),
                series(146, "4000", &[2, 3]),
                series(200, "4000", &[7, 8]),
            ],
        );
        t.absorb(&counters, &m);
        assert_eq!(t.cpu_seconds, Some(4.0));
        assert_eq!(t.disks["sdb"].read_bytes, 10.0 * 1024.0 * 20.0);
        assert_eq!(t.nics["4000"].rx_bytes, 5.0 * 1024.0 * 20.0);
        assert_eq!(t.nics["4000"].rx_packets, 15.0);
        assert_eq!(t.nics.len(), 1, "the aggregate is no NIC");
        // The same samples again, and one more: only the new one counts.
        let again = metric(
            &["2026-01-01T00:00:40Z", "2026-01-01T00:01:00Z"],
            vec![series(14, "", &[3000, 2000])],
        );
        t.absorb(&counters, &again);
        assert_eq!(t.cpu_seconds, Some(6.0));
        let s = specs(&counters, 20, &[("vm-1", Some(&t)), ("vm-2", None)]);
        assert_eq!(s[0].start_time.as_deref(), Some("2026-01-01T00:01:00.000Z"));
        assert_eq!(s[0].max_sample, None);
        assert_eq!(s[1].start_time, None);
        assert_eq!(s[1].max_sample, Some(1));
        assert_eq!(s[1].entity.value, "vm-2");
    }
}
