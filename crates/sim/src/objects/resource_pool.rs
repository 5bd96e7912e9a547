//! `ResourcePool`: a compute resource's root pool (and child pools), its VMs and an
//! unlimited, expandable allocation.

use crate::fault::Fault;
use crate::inventory::World;
use crate::value::{MoRef, Value};

use super::common::{entity_or_invalid, normal_shares, split_path, walk};
use super::entry::{Ids, ManagedType};

/// The `ResourcePool` type.
pub const TYPE: ManagedType = ManagedType {
    name: "ResourcePool",
    ids: Ids::Records(|w, id| w.pools.contains_key(id)),
    properties: &[
        "name",
        "parent",
        "owner",
        "resourcePool",
        "vm",
        "summary",
        "overallStatus",
    ],
    property,
    methods: &[],
};

fn property(w: &World, id: &str, path: &str) -> Result<Option<Value>, Fault> {
    let (head, rest) = split_path(path);
    let top = match head {
        "owner" => Some(Value::MoRef(w.mo(&w.pools[id].owner))),
        "resourcePool" => Some(Value::morefs(
            w.pools[id]
                .child_pools
                .iter()
                .map(|p| MoRef::new("ResourcePool", p.clone())),
        )),
        "vm" => Some(pool_vms(w, id)),
        "summary" => Some(
            Value::obj("ResourcePoolSummary")
                .with("name", Value::str(&w.pools[id].name))
                .with(
                    "config",
                    Value::obj("ResourceConfigSpec")
                        .with("entity", Value::moref("ResourcePool", id.to_string()))
                        .with("cpuAllocation", unlimited_allocation(4000))
                        .with("memoryAllocation", unlimited_allocation(163840)),
                ),
        ),
        "runtime" | "config" | "childConfiguration" => None,
        h => entity_or_invalid(w, id, h, path)?,
    };
    walk(top, rest)
}

fn pool_vms(w: &World, pool: &str) -> Value {
    Value::morefs(
        w.vms
            .values()
            .filter(|v| v.resource_pool == pool)
            .map(|v| MoRef::new("VirtualMachine", v.moid.clone())),
    )
}

/// An expandable, unlimited `ResourceAllocationInfo` with no reservation and `shares`
/// normal-level shares (a resource pool's CPU and memory allocation).
fn unlimited_allocation(shares: i32) -> Value {
    Value::obj("ResourceAllocationInfo")
        .with("reservation", Value::long(0))
        .with("expandableReservation", Value::bool(true))
        .with("limit", Value::long(-1))
        .with("shares", normal_shares(shares))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, refs, TestWorld};
    use crate::value::Value;

    #[test]
    fn the_root_pool_holds_the_vms() {
        let t = TestWorld::esx();
        let vms = refs(&t.get("ResourcePool", "ha-root-pool", "vm"));
        assert_eq!(vms.len(), 5, "{vms:?}");
        assert_eq!(
            t.get("ResourcePool", "ha-root-pool", "owner"),
            Value::moref("ComputeResource", "ha-compute-res")
        );
        assert_eq!(
            t.get(
                "ResourcePool",
                "ha-root-pool",
                "summary.config.cpuAllocation.limit"
            ),
            Value::long(-1)
        );
        assert_eq!(
            fault_type(t.read("ResourcePool", "ha-root-pool", "owners")),
            "InvalidProperty"
        );
    }
}
