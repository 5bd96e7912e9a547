//! `ComputeResource` (a standalone host) and `ClusterComputeResource`: their hosts, root
//! resource pool, datastores, networks and summed capacity, renaming and destroying them;
//! a cluster's configuration and methods are in [`cluster`].

mod cluster;

use crate::inventory::World;
use crate::value::Value;

use super::common::{destroy_task, entity_or_invalid, rename_task, split_path, walk};
use super::entry::{Ids, ManagedType, Reply};

/// A standalone host's properties: a cluster's without `configurationEx`.
const PROPERTIES: &[&str] = match CLUSTER_PROPERTIES.split_last() {
    Some((_, rest)) => rest,
    None => &[],
};

/// The `ComputeResource` type.
pub const TYPE: ManagedType = ManagedType {
    name: "ComputeResource",
    ids: Ids::Records(|w, id| w.computes.get(id).is_some_and(|c| !c.is_cluster)),
    properties: PROPERTIES,
    property,
    methods: &[("Rename_Task", rename_task), ("Destroy_Task", destroy_task)],
};

/// The `ClusterComputeResource` type.
pub const CLUSTER_TYPE: ManagedType = ManagedType {
    name: "ClusterComputeResource",
    ids: Ids::Records(|w, id| w.computes.get(id).is_some_and(|c| c.is_cluster)),
    properties: CLUSTER_PROPERTIES,
    property,
    methods: &[
        ("Rename_Task", rename_task),
        ("Destroy_Task", destroy_task),
        ("ReconfigureComputeResource_Task", cluster::reconfigure),
        ("ReconfigureCluster_Task", cluster::reconfigure),
        ("AddHost_Task", cluster::add_host),
        ("PlaceVm", cluster::place_vm),
    ],
};

const CLUSTER_PROPERTIES: &[&str] = &[
    "name",
    "parent",
    "host",
    "resourcePool",
    "datastore",
    "network",
    "summary",
    "overallStatus",
    "environmentBrowser",
    "configurationEx",
];

fn property(w: &World, id: &str, path: &str) -> Reply {
    let (head, rest) = split_path(path);
    let top = match head {
        "host" => Some(w.mos(w.computes[id].hosts.iter())),
        "resourcePool" => Some(Value::moref(
            "ResourcePool",
            w.computes[id].resource_pool.clone(),
        )),
        "datastore" => {
            let mut ids: Vec<String> = Vec::new();
            for h in &w.computes[id].hosts {
                for d in w
                    .hosts
                    .get(h)
                    .map(|h| h.datastores.clone())
                    .unwrap_or_default()
                {
                    if !ids.contains(&d) {
                        ids.push(d);
                    }
                }
            }
            Some(w.mos(ids.iter()))
        }
        "network" => {
            let mut ids: Vec<String> = Vec::new();
            for h in &w.computes[id].hosts {
                for n in w.host_networks(h) {
                    if !ids.contains(&n) {
                        ids.push(n);
                    }
                }
            }
            Some(w.mos(ids.iter()))
        }
        "summary" => compute_summary(w, id, w.computes[id].is_cluster),
        "environmentBrowser" => Some(Value::moref(
            "EnvironmentBrowser",
            super::environment_browser::environment_browser_id(w, id),
        )),
        "configurationEx" if w.computes[id].is_cluster => cluster::configuration_ex(w, id),
        "configurationEx" => Some(
            Value::obj("ComputeResourceConfigInfo")
                .with("vmSwapPlacement", Value::str("vmDirectory"))
                .with("spbmEnabled", Value::bool(true))
                .with("defaultHardwareVersionKey", Value::str("vmx-19")),
        ),
        h => entity_or_invalid(w, id, h, path)?,
    };
    walk(top, rest)
}

fn compute_summary(w: &World, id: &str, cluster: bool) -> Option<Value> {
    let c = w.computes.get(id)?;
    let hosts: Vec<_> = c.hosts.iter().filter_map(|h| w.hosts.get(h)).collect();
    // Sums saturate: the API's int/short fields cannot hold a huge generated cluster.
    let total_cpu: i64 = hosts
        .iter()
        .map(|h| h.hardware.cpu_mhz as i64 * h.hardware.cpu_cores as i64)
        .sum();
    let int = |n: i64| n.min(i32::MAX as i64) as i32;
    let total_mem: i64 = hosts.iter().map(|h| h.hardware.memory_bytes).sum();
    let cores = hosts
        .iter()
        .map(|h| h.hardware.cpu_cores as i64)
        .sum::<i64>()
        .min(i16::MAX as i64) as i16;
    let threads = hosts
        .iter()
        .map(|h| h.hardware.cpu_threads as i64)
        .sum::<i64>()
        .min(i16::MAX as i64) as i16;
    let ty = if cluster {
        "ClusterComputeResourceSummary"
    } else {
        "ComputeResourceSummary"
    };
    let mut v = Value::obj(ty)
        .with("totalCpu", Value::int(int(total_cpu)))
        .with("totalMemory", Value::long(total_mem))
        .with("numCpuCores", Value::Short(cores))
        .with("numCpuThreads", Value::Short(threads))
        // 90% of the total, rounded down as before the sums saturated.
        .with("effectiveCpu", Value::int(int(total_cpu * 9 / 10)))
        .with(
            "effectiveMemory",
            Value::long(total_mem / 1_048_576 * 9 / 10),
        )
        .with("numHosts", Value::int(hosts.len() as i32))
        .with("numEffectiveHosts", Value::int(hosts.len() as i32))
        .with(
            "overallStatus",
            Value::enumv("ManagedEntityStatus", "green"),
        );
    if cluster {
        v = v
            .with("currentFailoverLevel", Value::int(1))
            .with("numVmotions", Value::int(0));
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, refs, TestWorld};
    use crate::value::Value;

    #[test]
    fn a_cluster_sums_its_hosts() {
        let t = TestWorld::vcenter();
        let cluster = t.cluster();
        let hosts = refs(&t.get("ClusterComputeResource", &cluster, "host"));
        assert_eq!(hosts.len(), 3);
        let summary = t.get("ClusterComputeResource", &cluster, "summary");
        assert_eq!(
            summary.as_obj().unwrap().ty,
            "ClusterComputeResourceSummary"
        );
        assert_eq!(summary.path("numHosts"), Some(&Value::int(3)));
        let one: i64 = t.w.hosts.values().next().unwrap().hardware.memory_bytes;
        assert_eq!(
            t.get("ClusterComputeResource", &cluster, "summary.totalMemory"),
            Value::long(one * 3)
        );
        assert_eq!(
            fault_type(t.read("ComputeResource", &cluster, "noSuch")),
            "InvalidProperty"
        );
    }

    #[test]
    fn a_standalone_host_has_its_pool_and_datastores() {
        let mut t = TestWorld::esx();
        let summary = t.get("ComputeResource", "ha-compute-res", "summary");
        assert_eq!(summary.as_obj().unwrap().ty, "ComputeResourceSummary");
        assert_eq!(
            t.get("ComputeResource", "ha-compute-res", "resourcePool"),
            Value::moref("ResourcePool", "ha-root-pool")
        );
        assert_eq!(
            refs(&t.get("ComputeResource", "ha-compute-res", "datastore")).len(),
            2
        );
        assert_eq!(
            fault_type(t.call(
                "ComputeResource",
                "ha-compute-res",
                "ReconfigureComputeResource_Task",
                ""
            )),
            "MethodNotFound"
        );
    }
}
