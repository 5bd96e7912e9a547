//! Resource pools and vApps below a compute resource's root pool: creating, renaming and
//! reconfiguring them, and destroying them (their VMs move up to the parent, as on a
//! server).

use super::model::PoolConfig;
use super::model::ResourcePool;
use super::{InvError, InvResult, ServerKind, World};

impl World {
    /// Adds pool (or vApp) `name` below pool `parent`; `DuplicateName` when `parent` has a
    /// child of that name.
    pub fn add_pool(
        &mut self,
        parent: &str,
        name: &str,
        config: PoolConfig,
        vapp: bool,
    ) -> InvResult<String> {
        let p = self
            .pools
            .get(parent)
            .ok_or_else(|| InvError::NotFound(format!("ResourcePool {parent}")))?;
        if name.is_empty() || name.len() > 80 {
            return Err(InvError::InvalidArgument("name".into()));
        }
        if p.child_pools
            .iter()
            .any(|c| self.pools.get(c).is_some_and(|c| c.name == name))
        {
            return Err(InvError::DuplicateName(name.to_string()));
        }
        check_config(&config)?;
        let owner = p.owner.clone();
        let moid = match (self.kind, vapp) {
            (ServerKind::Esx, _) => format!("pool{}", self.alloc_id()),
            (ServerKind::Vcenter, false) => format!("resgroup-{}", self.alloc_id()),
            (ServerKind::Vcenter, true) => format!("resgroup-v{}", self.alloc_id()),
        };
        self.pools.insert(
            moid.clone(),
            ResourcePool {
                moid: moid.clone(),
                name: name.to_string(),
                parent: parent.to_string(),
                owner,
                child_pools: Vec::new(),
                config,
                vapp,
            },
        );
        if let Some(p) = self.pools.get_mut(parent) {
            p.child_pools.push(moid.clone());
        }
        Ok(moid)
    }

    /// `UpdateConfig`: a new name (unique among the siblings) and/or allocations.
    pub fn update_pool(
        &mut self,
        pool: &str,
        name: Option<&str>,
        config: Option<PoolConfig>,
    ) -> InvResult<()> {
        let p = self
            .pools
            .get(pool)
            .ok_or_else(|| InvError::NotFound(format!("ResourcePool {pool}")))?;
        if let Some(n) = name {
            let root = self.is_root_pool(pool);
            if root || n.is_empty() {
                return Err(InvError::InvalidArgument("name".into()));
            }
            let siblings = self
                .pools
                .get(&p.parent)
                .map(|s| s.child_pools.clone())
                .unwrap_or_default();
            if siblings
                .iter()
                .any(|c| c != pool && self.pools.get(c).is_some_and(|c| c.name == n))
            {
                return Err(InvError::DuplicateName(n.to_string()));
            }
        }
        if let Some(c) = &config {
            check_config(c)?;
        }
        let p = self
            .pools
            .get_mut(pool)
            .ok_or_else(|| InvError::NotFound(format!("ResourcePool {pool}")))?;
        if let Some(n) = name {
            p.name = n.to_string();
        }
        if let Some(c) = config {
            p.config = c;
        }
        Ok(())
    }

    /// Whether `pool` is a compute resource's root pool.
    pub fn is_root_pool(&self, pool: &str) -> bool {
        self.pools
            .get(pool)
            .is_some_and(|p| !self.pools.contains_key(&p.parent))
    }

    /// Destroys `pool` and the pools below it; their VMs move to `pool`'s parent. A root
    /// pool cannot go.
    pub fn destroy_pool(&mut self, pool: &str) -> InvResult<()> {
        if !self.pools.contains_key(pool) {
            return Err(InvError::NotFound(format!("ResourcePool {pool}")));
        }
        if self.is_root_pool(pool) {
            return Err(InvError::InvalidArgument(
                "the root resource pool of a compute resource".into(),
            ));
        }
        let parent = self.pools[pool].parent.clone();
        self.remove_pool_tree(pool, &parent);
        if let Some(p) = self.pools.get_mut(&parent) {
            p.child_pools.retain(|c| c != pool);
        }
        Ok(())
    }

    /// `DestroyChildren`: destroys every pool below `pool`; their VMs move to `pool`.
    pub fn destroy_child_pools(&mut self, pool: &str) -> InvResult<()> {
        let children = self
            .pools
            .get(pool)
            .map(|p| p.child_pools.clone())
            .ok_or_else(|| InvError::NotFound(format!("ResourcePool {pool}")))?;
        for c in children {
            self.remove_pool_tree(&c, pool);
        }
        if let Some(p) = self.pools.get_mut(pool) {
            p.child_pools.clear();
        }
        Ok(())
    }

    /// Removes `pool` and its descendants, moving their VMs to `heir`.
    fn remove_pool_tree(&mut self, pool: &str, heir: &str) {
        let Some(p) = self.pools.remove(pool) else {
            return;
        };
        for c in &p.child_pools {
            self.remove_pool_tree(c, heir);
        }
        for vm in self.vms.values_mut() {
            if vm.resource_pool == pool {
                vm.resource_pool = heir.to_string();
            }
        }
    }
}

/// Refuses allocations a server refuses: a negative reservation, a limit below the
/// reservation, unknown share levels.
fn check_config(c: &PoolConfig) -> InvResult<()> {
    for (a, what) in [(&c.cpu, "cpuAllocation"), (&c.memory, "memoryAllocation")] {
        if a.reservation < 0 {
            return Err(InvError::InvalidArgument(format!("{what}.reservation")));
        }
        if a.limit != -1 && a.limit < a.reservation {
            return Err(InvError::InvalidArgument(format!("{what}.limit")));
        }
        if !["low", "normal", "high", "custom"].contains(&a.shares_level.as_str()) {
            return Err(InvError::InvalidArgument(format!("{what}.shares.level")));
        }
    }
    Ok(())
}
