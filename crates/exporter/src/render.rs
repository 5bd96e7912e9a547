//! The metrics in Prometheus' text format (version 0.0.4): the families ([`Fam`]: name,
//! help, type), a target's inventory and totals rendered once per collection into one chunk
//! per family ([`Rendered`]), the collectors' own status, and the assembly of a response
//! from the chunks of every target (each family's HELP and TYPE once, then every target's
//! samples of it) without copying them.
//!
//! Units are Prometheus' base units (bytes, seconds, hertz); counters end in `_total`. The
//! libvirt families keep the names and labels of the libvirt exporters (kumina's
//! libvirt_exporter and its forks) so their dashboards work; every domain sample also carries
//! `uuid`, `host`, `cluster`, `datacenter` and `target`.

use bytes::Bytes;

use crate::inventory::Inventory;
use crate::perf::Totals;

/// Prometheus' metric types used here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Gauge,
    Counter,
}

macro_rules! families {
    ($($v:ident => ($name:literal, $kind:ident, $help:literal),)*) => {
        /// A metric family.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Fam { $($v,)* }
        impl Fam {
            /// Every family, in output order.
            pub const ALL: &'static [Fam] = &[$(Fam::$v,)*];
            /// The metric name.
            pub fn name(self) -> &'static str { match self { $(Fam::$v => $name,)* } }
            /// The HELP text.
            pub fn help(self) -> &'static str { match self { $(Fam::$v => $help,)* } }
            /// The type.
            pub fn kind(self) -> Kind { match self { $(Fam::$v => Kind::$kind,)* } }
        }
    };
}

families! {
    Up => ("esxvirt_up", Gauge, "Whether the last collection from the target succeeded and the current one is not overdue (1) or not (0)."),
    Duration => ("esxvirt_collection_duration_seconds", Gauge, "Duration of the last complete collection from the target, in seconds."),
    LastCollection => ("esxvirt_last_collection_timestamp_seconds", Gauge, "When the last complete collection from the target ended, in Unix seconds."),
    Collections => ("esxvirt_collections_total", Counter, "Complete collections from the target."),
    Errors => ("esxvirt_collection_errors_total", Counter, "Failed connections and collections of the target."),
    Requests => ("esxvirt_requests_total", Counter, "HTTP requests (SOAP calls) sent to the target."),
    Objects => ("esxvirt_objects", Gauge, "Objects of the target's inventory by type."),
    MaxMemory => ("libvirt_domain_info_maximum_memory_bytes", Gauge, "Maximum allowed memory of the domain, in bytes."),
    MemoryUsage => ("libvirt_domain_info_memory_usage_bytes", Gauge, "Memory usage of the domain, in bytes (virDomainGetInfo's memory: the memory limit when one is set, else the maximum)."),
    Vcpus => ("libvirt_domain_info_virtual_cpus", Gauge, "Number of virtual CPUs for the domain."),
    CpuTime => ("libvirt_domain_info_cpu_time_seconds_total", Counter, "Amount of CPU time used by the domain, in seconds (vSphere's cpu.used samples added up since the exporter first saw them)."),
    State => ("libvirt_domain_info_vstate", Gauge, "Virtual domain state (virDomainState): 0 no state, 1 running, 3 paused (suspended), 5 shut off."),
    BlockReadBytes => ("libvirt_domain_block_stats_read_bytes_total", Counter, "Number of bytes read from a block device, in bytes."),
    BlockReadRequests => ("libvirt_domain_block_stats_read_requests_total", Counter, "Number of read requests from a block device."),
    BlockWriteBytes => ("libvirt_domain_block_stats_write_bytes_total", Counter, "Number of bytes written to a block device, in bytes."),
    BlockWriteRequests => ("libvirt_domain_block_stats_write_requests_total", Counter, "Number of write requests to a block device."),
    RxBytes => ("libvirt_domain_interface_stats_receive_bytes_total", Counter, "Number of bytes received on a network interface, in bytes."),
    RxPackets => ("libvirt_domain_interface_stats_receive_packets_total", Counter, "Number of packets received on a network interface."),
    RxErrors => ("libvirt_domain_interface_stats_receive_errors_total", Counter, "Number of packet receive errors on a network interface."),
    RxDrops => ("libvirt_domain_interface_stats_receive_drops_total", Counter, "Number of packet receive drops on a network interface."),
    TxBytes => ("libvirt_domain_interface_stats_transmit_bytes_total", Counter, "Number of bytes transmitted on a network interface, in bytes."),
    TxPackets => ("libvirt_domain_interface_stats_transmit_packets_total", Counter, "Number of packets transmitted on a network interface."),
    TxErrors => ("libvirt_domain_interface_stats_transmit_errors_total", Counter, "Number of packet transmit errors on a network interface."),
    TxDrops => ("libvirt_domain_interface_stats_transmit_drops_total", Counter, "Number of packet transmit drops on a network interface."),
    VmPower => ("esxvirt_vm_power_state", Gauge, "Power state of the VM: 0 poweredOff, 1 poweredOn, 2 suspended."),
    VmSnapshots => ("esxvirt_vm_snapshots", Gauge, "Number of snapshots of the VM."),
    VmSnapshotOldest => ("esxvirt_vm_snapshot_oldest_timestamp_seconds", Gauge, "Creation time of the VM's oldest snapshot, in Unix seconds (its age: time() minus this)."),
    VmSnapshotNewest => ("esxvirt_vm_snapshot_newest_timestamp_seconds", Gauge, "Creation time of the VM's newest snapshot, in Unix seconds."),
    VmTools => ("esxvirt_vm_tools_status", Gauge, "VMware Tools status of the VM (guest.toolsStatus: toolsOk, toolsOld, toolsNotRunning, toolsNotInstalled) in the status label; always 1."),
    VmQuestion => ("esxvirt_vm_question_pending", Gauge, "Whether the VM waits for an answer to a question (1) or not (0)."),
    HostCpuUsage => ("esxvirt_host_cpu_usage_hertz", Gauge, "CPU used on the host, in hertz."),
    HostCpuCapacity => ("esxvirt_host_cpu_capacity_hertz", Gauge, "CPU capacity of the host (cores times core frequency), in hertz."),
    HostCpuCores => ("esxvirt_host_cpu_cores", Gauge, "Physical CPU cores of the host."),
    HostMemUsage => ("esxvirt_host_memory_usage_bytes", Gauge, "Memory used on the host, in bytes."),
    HostMemCapacity => ("esxvirt_host_memory_capacity_bytes", Gauge, "Physical memory of the host, in bytes."),
    HostConnected => ("esxvirt_host_connected", Gauge, "Whether the host is connected to its vCenter (1) or not (0)."),
    HostPoweredOn => ("esxvirt_host_powered_on", Gauge, "Whether the host is powered on (1) or not (0)."),
    HostMaintenance => ("esxvirt_host_maintenance_mode", Gauge, "Whether the host is in maintenance mode (1) or not (0)."),
    DsCapacity => ("esxvirt_datastore_capacity_bytes", Gauge, "Capacity of the datastore, in bytes."),
    DsFree => ("esxvirt_datastore_free_bytes", Gauge, "Free space of the datastore, in bytes."),
    DsUncommitted => ("esxvirt_datastore_uncommitted_bytes", Gauge, "Space promised to thin-provisioned disks and not yet used, in bytes."),
    DsAccessible => ("esxvirt_datastore_accessible", Gauge, "Whether the datastore is accessible (1) or not (0)."),
}

/// Appends `v` with the escapes of a label value (`\\`, `\"`, `\n`).
pub fn escape_label(out: &mut Vec<u8>, v: &str) {
    for b in v.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            _ => out.push(b),
        }
    }
}

/// Appends a sample value: integers without a fraction, `NaN`, `+Inf`, `-Inf`.
pub fn write_value(out: &mut Vec<u8>, v: f64) {
    use std::io::Write as _;
    if v.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if v.is_infinite() {
        out.extend_from_slice(if v > 0.0 { b"+Inf" } else { b"-Inf" });
    } else if v.fract() == 0.0 && v.abs() < 9.0e15 {
        let _ = write!(out, "{}", v as i64);
    } else {
        let _ = write!(out, "{v}");
    }
}

/// A label set being built: `name="value",...` (without braces).
#[derive(Debug, Clone, Default)]
pub struct Labels(Vec<u8>);

impl Labels {
    /// Adds `name="value"`.
    pub fn with(mut self, name: &str, value: &str) -> Labels {
        if !self.0.is_empty() {
            self.0.push(b',');
        }
        self.0.extend_from_slice(name.as_bytes());
        self.0.extend_from_slice(b"=\"");
        escape_label(&mut self.0, value);
        self.0.push(b'"');
        self
    }
}

/// The samples of one target, one buffer per family.
#[derive(Debug, Clone)]
pub struct Chunks(Vec<Vec<u8>>);

impl Default for Chunks {
    fn default() -> Chunks {
        Chunks(vec![Vec::new(); Fam::ALL.len()])
    }
}

impl Chunks {
    /// Empty buffers sized for what an earlier rendering needed (`sizes`, per family), so
    /// they grow without copying.
    pub fn sized(sizes: Option<&[usize]>) -> Chunks {
        match sizes {
            Some(s) if s.len() == Fam::ALL.len() => {
                Chunks(s.iter().map(|n| Vec::with_capacity(n + n / 32)).collect())
            }
            _ => Chunks::default(),
        }
    }

    /// Adds `fam{labels[,extra]} value`.
    pub fn sample(&mut self, fam: Fam, labels: &Labels, extra: &[(&str, &str)], v: f64) {
        let out = &mut self.0[fam as usize];
        out.extend_from_slice(fam.name().as_bytes());
        out.push(b'{');
        out.extend_from_slice(&labels.0);
        for (i, (n, val)) in extra.iter().enumerate() {
            if i > 0 || !labels.0.is_empty() {
                out.push(b',');
            }
            out.extend_from_slice(n.as_bytes());
            out.extend_from_slice(b"=\"");
            escape_label(out, val);
            out.push(b'"');
        }
        out.extend_from_slice(b"} ");
        write_value(out, v);
        out.push(b'\n');
    }

    /// The chunks, frozen, each with its compressed copy made now (once per collection,
    /// not per scrape).
    pub fn freeze(self) -> Rendered {
        let chunks: Vec<Bytes> = self.0.into_iter().map(Bytes::from).collect();
        // A compressor failure costs the gzip form, never samples: the answer goes plain.
        let gz = chunks.iter().map(|c| Deflated::new(c)).collect();
        Rendered { chunks, gz }
    }
}

/// A piece of text as raw deflate blocks ending at a byte boundary (a sync flush, no final
/// block), with its CRC-32 and length: such pieces follow one another in one deflate
/// stream, so a gzip body is put together from pieces compressed apart (as pigz does).
#[derive(Debug, Clone, Default)]
pub struct Deflated {
    data: Bytes,
    crc: crc32fast::Hasher,
    len: u64,
}

impl Deflated {
    /// `text`, compressed; `None` if the compressor fails.
    pub fn new(text: &[u8]) -> Option<Deflated> {
        if text.is_empty() {
            return Some(Deflated::default());
        }
        // The compressor is driven directly: every byte of input goes in with a sync flush,
        // and output room is added until a call leaves some unused, which means the flush
        // is complete. (Writer-style flushing left pieces that decoders rejected.)
        let mut c = flate2::Compress::new(flate2::Compression::fast(), false);
        let mut data = Vec::with_capacity(text.len() / 4 + 1024);
        loop {
            if data.capacity() - data.len() < 1024 {
                data.reserve(data.capacity().max(64 * 1024));
            }
            let consumed = c.total_in() as usize;
            c.compress_vec(&text[consumed..], &mut data, flate2::FlushCompress::Sync)
                .ok()?;
            if c.total_in() as usize == text.len() && data.len() < data.capacity() {
                break;
            }
        }
        let mut crc = crc32fast::Hasher::new();
        crc.update(text);
        Some(Deflated {
            data: Bytes::from(data),
            crc,
            len: text.len() as u64,
        })
    }
}

/// A gzip body of `pieces` in order: the header, the pieces' blocks, an empty final block
/// and the trailer (the CRC-32 and length of the whole text).
pub fn gzip_body<'a>(pieces: impl IntoIterator<Item = &'a Deflated>) -> Vec<Bytes> {
    let mut out = vec![Bytes::from_static(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff])];
    let mut crc = crc32fast::Hasher::new();
    let mut len = 0u64;
    for p in pieces {
        if p.len == 0 {
            continue;
        }
        crc.combine(&p.crc);
        len += p.len;
        out.push(p.data.clone());
    }
    let mut tail = vec![0x03, 0x00];
    tail.extend_from_slice(&crc.finalize().to_le_bytes());
    tail.extend_from_slice(&(len as u32).to_le_bytes());
    out.push(Bytes::from(tail));
    out
}

/// One target's samples, one chunk per family (in [`Fam::ALL`] order).
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub chunks: Vec<Bytes>,
    /// Each chunk compressed, for scrapers that accept gzip; `None` when compression
    /// failed (such a part is served plain).
    pub gz: Option<Vec<Deflated>>,
}

impl Rendered {
    /// Bytes per family.
    pub fn sizes(&self) -> Vec<usize> {
        self.chunks.iter().map(Bytes::len).collect()
    }

    /// Bytes of all chunks.
    pub fn len(&self) -> usize {
        self.chunks.iter().map(Bytes::len).sum()
    }

    /// Whether there is no sample.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn flag(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// Renders a target's inventory and counter totals (`sizes`: the bytes per family an
/// earlier rendering took, to size the buffers).
pub fn render_inventory(
    inv: &Inventory,
    totals: &Totals,
    target: &str,
    sizes: Option<&[usize]>,
) -> Rendered {
    use esxvirt_vi::VirtualMachinePowerState as P;
    let mut c = Chunks::sized(sizes);
    // Hosts first: their labels are the VMs' too.
    let mut host_labels = std::collections::HashMap::with_capacity(inv.hosts.len());
    let mut hosts: Vec<(&String, &crate::inventory::Host)> = inv.hosts.iter().collect();
    hosts.sort_by(|a, b| (&a.1.name, a.0).cmp(&(&b.1.name, b.0)));
    for (id, h) in hosts {
        let place = inv.host_placement(id);
        let labels = Labels::default()
            .with("host", &h.name)
            .with("cluster", &place.cluster)
            .with("datacenter", &place.datacenter)
            .with("target", target);
        let mhz = 1.0e6;
        if let Some(u) = h.cpu_usage_mhz {
            c.sample(Fam::HostCpuUsage, &labels, &[], u as f64 * mhz);
        }
        if let (Some(f), Some(n)) = (h.cpu_mhz, h.cpu_cores) {
            c.sample(Fam::HostCpuCapacity, &labels, &[], (f * n) as f64 * mhz);
        }
        if let Some(n) = h.cpu_cores {
            c.sample(Fam::HostCpuCores, &labels, &[], n as f64);
        }
        if let Some(m) = h.memory_usage_mb {
            c.sample(Fam::HostMemUsage, &labels, &[], m as f64 * 1_048_576.0);
        }
        if let Some(m) = h.memory_bytes {
            c.sample(Fam::HostMemCapacity, &labels, &[], m as f64);
        }
        if let Some(s) = &h.connection_state {
            c.sample(Fam::HostConnected, &labels, &[], flag(s == "connected"));
        }
        if let Some(s) = &h.power_state {
            c.sample(Fam::HostPoweredOn, &labels, &[], flag(s == "poweredOn"));
        }
        if let Some(m) = h.maintenance {
            c.sample(Fam::HostMaintenance, &labels, &[], flag(m));
        }
        host_labels.insert(id.as_str(), (h.name.as_str(), place));
    }
    let mut vms: Vec<(&String, &crate::inventory::Vm)> = inv.vms.iter().collect();
    vms.sort_by(|a, b| (&a.1.name, a.0).cmp(&(&b.1.name, b.0)));
    let empty = crate::inventory::Placement::default();
    for (id, vm) in vms {
        let (host_name, place) = vm
            .host
            .as_ref()
            .and_then(|h| host_labels.get(h.value.as_str()))
            .map(|(n, p)| (*n, p))
            .unwrap_or(("", &empty));
        let labels = Labels::default()
            .with("domain", &vm.name)
            .with("uuid", &vm.uuid)
            .with("host", host_name)
            .with("cluster", &place.cluster)
            .with("datacenter", &place.datacenter)
            .with("target", target);
        if let Some(info) = &vm.info {
            c.sample(Fam::MaxMemory, &labels, &[], (info.max_mem * 1024) as f64);
            c.sample(Fam::MemoryUsage, &labels, &[], (info.memory * 1024) as f64);
            c.sample(Fam::Vcpus, &labels, &[], f64::from(info.nr_virt_cpu));
            c.sample(Fam::State, &labels, &[], f64::from(info.state.number()));
        }
        let power = match vm.power {
            Some(P::PoweredOn) => Some(1.0),
            Some(P::Suspended) => Some(2.0),
            Some(P::PoweredOff) => Some(0.0),
            _ => None,
        };
        if let Some(p) = power {
            c.sample(Fam::VmPower, &labels, &[], p);
        }
        c.sample(Fam::VmSnapshots, &labels, &[], vm.snapshots as f64);
        if let Some(t) = vm.snapshot_oldest {
            c.sample(Fam::VmSnapshotOldest, &labels, &[], t as f64);
        }
        if let Some(t) = vm.snapshot_newest {
            c.sample(Fam::VmSnapshotNewest, &labels, &[], t as f64);
        }
        if let Some(s) = &vm.tools_status {
            c.sample(Fam::VmTools, &labels, &[("status", s)], 1.0);
        }
        c.sample(Fam::VmQuestion, &labels, &[], flag(vm.question_pending));
        let Some(t) = totals.get(id.as_str()) else {
            continue;
        };
        if let Some(s) = t.cpu_seconds {
            c.sample(Fam::CpuTime, &labels, &[], s);
        }
        for (dev, d) in &t.disks {
            let extra = [("source_file", ""), ("target_device", dev.as_str())];
            c.sample(Fam::BlockReadBytes, &labels, &extra, d.read_bytes.round());
            c.sample(
                Fam::BlockReadRequests,
                &labels,
                &extra,
                d.read_requests.round(),
            );
            c.sample(Fam::BlockWriteBytes, &labels, &extra, d.write_bytes.round());
            c.sample(
                Fam::BlockWriteRequests,
                &labels,
                &extra,
                d.write_requests.round(),
            );
        }
        for (dev, n) in &t.nics {
            let extra = [("source_bridge", ""), ("target_device", dev.as_str())];
            c.sample(Fam::RxBytes, &labels, &extra, n.rx_bytes.round());
            c.sample(Fam::RxPackets, &labels, &extra, n.rx_packets);
            c.sample(Fam::RxErrors, &labels, &extra, n.rx_errors);
            c.sample(Fam::RxDrops, &labels, &extra, n.rx_drops);
            c.sample(Fam::TxBytes, &labels, &extra, n.tx_bytes.round());
            c.sample(Fam::TxPackets, &labels, &extra, n.tx_packets);
            c.sample(Fam::TxErrors, &labels, &extra, n.tx_errors);
            c.sample(Fam::TxDrops, &labels, &extra, n.tx_drops);
        }
    }
    let mut stores: Vec<&crate::inventory::Datastore> = inv.datastores.values().collect();
    stores.sort_by(|a, b| a.name.cmp(&b.name));
    for d in stores {
        let labels = Labels::default()
            .with("datastore", &d.name)
            .with("type", &d.type_)
            .with("datacenter", &inv.datastore_datacenter(d))
            .with("target", target);
        if let Some(v) = d.capacity {
            c.sample(Fam::DsCapacity, &labels, &[], v as f64);
        }
        if let Some(v) = d.free {
            c.sample(Fam::DsFree, &labels, &[], v as f64);
        }
        if let Some(v) = d.uncommitted {
            c.sample(Fam::DsUncommitted, &labels, &[], v as f64);
        }
        if let Some(v) = d.accessible {
            c.sample(Fam::DsAccessible, &labels, &[], flag(v));
        }
    }
    c.freeze()
}

/// How a target's collection stands (what its status families say).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Status {
    pub up: bool,
    pub last_duration: Option<f64>,
    pub last_success_unix: Option<f64>,
    pub collections: u64,
    pub errors: u64,
    pub requests: u64,
    pub vms: u64,
    pub hosts: u64,
    pub datastores: u64,
}

/// Renders the status families of every target into `c`.
pub fn render_status(c: &mut Chunks, targets: &[(&str, &Status)]) {
    for (target, s) in targets {
        let l = Labels::default().with("target", target);
        c.sample(Fam::Up, &l, &[], flag(s.up));
        if let Some(d) = s.last_duration {
            c.sample(Fam::Duration, &l, &[], d);
        }
        if let Some(t) = s.last_success_unix {
            c.sample(Fam::LastCollection, &l, &[], t);
        }
        c.sample(Fam::Collections, &l, &[], s.collections as f64);
        c.sample(Fam::Errors, &l, &[], s.errors as f64);
        c.sample(Fam::Requests, &l, &[], s.requests as f64);
        if s.last_success_unix.is_some() {
            for (ty, n) in [
                ("vm", s.vms),
                ("host", s.hosts),
                ("datastore", s.datastores),
            ] {
                c.sample(Fam::Objects, &l, &[("type", ty)], n as f64);
            }
        }
    }
}

/// A `/metrics` answer's body.
#[derive(Debug)]
pub struct Body {
    pub chunks: Vec<Bytes>,
    /// Whether `chunks` are gzip (asked for, and every part had its compressed copy).
    pub gzip: bool,
}

/// The response body: for each family with samples, its HELP and TYPE lines and then the
/// chunks of every part (shared, not copied). With `gzip`, the same text gzipped: the
/// parts' compressed copies and the HELP and TYPE lines compressed now; plain when a part
/// has no compressed copy or compressing fails.
pub fn assemble(parts: &[&Rendered], gzip: bool) -> Body {
    let gzip = gzip && parts.iter().all(|p| p.gz.is_some());
    let mut plain = Vec::new();
    let mut pieces: Vec<std::borrow::Cow<'_, Deflated>> = Vec::new();
    for (i, fam) in Fam::ALL.iter().enumerate() {
        let present: Vec<&Rendered> = parts
            .iter()
            .copied()
            .filter(|p| p.chunks.get(i).is_some_and(|b| !b.is_empty()))
            .collect();
        if present.is_empty() {
            continue;
        }
        let kind = match fam.kind() {
            Kind::Gauge => "gauge",
            Kind::Counter => "counter",
        };
        let mut head = Vec::with_capacity(128);
        head.extend_from_slice(b"# HELP ");
        head.extend_from_slice(fam.name().as_bytes());
        head.push(b' ');
        for b in fam.help().bytes() {
            match b {
                b'\\' => head.extend_from_slice(b"\\\\"),
                b'\n' => head.extend_from_slice(b"\\n"),
                _ => head.push(b),
            }
        }
        head.extend_from_slice(format!("\n# TYPE {} {kind}\n", fam.name()).as_bytes());
        if gzip {
            let Some(head) = Deflated::new(&head) else {
                return assemble(parts, false);
            };
            pieces.push(std::borrow::Cow::Owned(head));
            pieces.extend(
                present
                    .iter()
                    .filter_map(|p| p.gz.as_ref().and_then(|gz| gz.get(i)))
                    .map(std::borrow::Cow::Borrowed),
            );
        } else {
            plain.push(Bytes::from(head));
            plain.extend(present.iter().filter_map(|p| p.chunks.get(i)).cloned());
        }
    }
    if gzip {
        return Body {
            chunks: gzip_body(pieces.iter().map(|c| c.as_ref())),
            gzip,
        };
    }
    Body {
        chunks: plain,
        gzip,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_are_well_named() {
        let mut seen = std::collections::HashSet::new();
        for f in Fam::ALL {
            let n = f.name();
            assert!(seen.insert(n), "{n} twice");
            assert!(
                n.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{n}"
            );
            assert_eq!(f.kind() == Kind::Counter, n.ends_with("_total"), "{n}");
            assert!(f.help().ends_with('.'), "{n}");
        }
    }

    #[test]
    fn values_and_labels_are_escaped() {
        let mut c = Chunks::default();
        let l = Labels::default().with("domain", "a\"b\\c\nd");
        c.sample(Fam::Vcpus, &l, &[("x", "y")], 2.0);
        c.sample(Fam::Duration, &Labels::default(), &[], 0.25);
        c.sample(Fam::Up, &Labels::default(), &[], f64::NAN);
        let r = c.freeze();
        let body: Vec<u8> = assemble(&[&r], false).chunks.concat();
        let text = String::from_utf8(body).unwrap();
        assert!(
            text.contains(
                "libvirt_domain_info_virtual_cpus{domain=\"a\\\"b\\\\c\\nd\",x=\"y\"} 2\n"
            ),
            "{text}"
        );
        assert!(text.contains("esxvirt_collection_duration_seconds{} 0.25\n"));
        assert!(text.contains("esxvirt_up{} NaN\n"));
        assert!(text.starts_with("# HELP esxvirt_up "));
        assert!(text.contains("# TYPE libvirt_domain_info_virtual_cpus gauge\n"));
        // A family without samples has no header.
        assert!(!text.contains("esxvirt_objects"));
    }
}

#[cfg(test)]
mod gzip_tests {
    use super::*;

    /// Metrics-like text of about `n` bytes that compresses as the real body does.
    fn text(n: usize, seed: u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 200);
        let mut x = seed;
        while out.len() < n {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let line = format!(
                "libvirt_domain_block_stats_read_bytes_total{{domain=\"vm-{:05}\",uuid=\"{:016x}\",target_device=\"sd{}\"}} {}\n",
                x % 40000,
                x,
                (b'a' + (x >> 60) as u8 % 4) as char,
                x >> 40
            );
            out.extend_from_slice(line.as_bytes());
        }
        out
    }

    #[test]
    fn pieces_compressed_apart_make_one_valid_gzip_stream() {
        // Sizes around and far above the compressor's internal buffers, where a flush that
        // does not drain everything would break the stream.
        for (i, size) in [
            0usize,
            1,
            100,
            32 * 1024,
            65_537,
            300_000,
            2_500_000,
            9_000_000,
        ]
        .into_iter()
        .enumerate()
        {
            let parts: Vec<Vec<u8>> = (0..3).map(|k| text(size, (i * 3 + k) as u64)).collect();
            let pieces: Vec<Deflated> = parts.iter().map(|p| Deflated::new(p).unwrap()).collect();
            let gz = gzip_body(pieces.iter()).concat();
            let mut decoded = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut decoded)
                .unwrap_or_else(|e| panic!("size {size}: {e}"));
            assert_eq!(decoded, parts.concat(), "size {size}");
        }
    }

    #[test]
    fn a_part_without_its_compressed_copy_makes_the_answer_plain() {
        let mut c = Chunks::default();
        c.sample(Fam::Up, &Labels::default().with("target", "t"), &[], 1.0);
        let whole = c.freeze();
        let plain = assemble(&[&whole], false);
        assert!(!plain.gzip);
        let gz = assemble(&[&whole], true);
        assert!(gz.gzip);
        assert_ne!(gz.chunks.concat(), plain.chunks.concat());
        // Without a compressed copy (the compressor failed), every sample is still served.
        let broken = Rendered {
            gz: None,
            ..whole.clone()
        };
        let fallback = assemble(&[&whole, &broken], true);
        assert!(!fallback.gzip);
        assert_eq!(
            fallback.chunks.concat(),
            assemble(&[&whole, &broken], false).chunks.concat()
        );
    }
}
