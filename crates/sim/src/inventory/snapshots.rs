//! Snapshot trees: create (the new one becomes current), revert, remove (children too, or
//! moved up), and the `.vmsd` index kept beside the `.vmx`.

use esxvirt_util::datetime::system_time_to_xsd_datetime;

use super::model::{GuestInfo, PowerState, ServerKind, Snapshot};
use super::{InvError, InvResult, World};

impl World {
    /// Find a snapshot by id: (owning VM id, node).
    pub fn find_snapshot(&self, snap: &str) -> Option<(String, &Snapshot)> {
        // Snapshot ids embed nothing reliable on vCenter, so search every VM's tree.
        for vm in self.vms.values() {
            if let Some(s) = find_in(&vm.snapshots, snap) {
                return Some((vm.moid.clone(), s));
            }
        }
        None
    }

    /// Take a snapshot; it becomes the current one, a child of the previous current.
    pub fn create_snapshot(
        &mut self,
        moid: &str,
        name: &str,
        description: &str,
        memory: bool,
        quiesce: bool,
    ) -> InvResult<String> {
        let kind = self.kind;
        let global = self.alloc_id();
        let vm_dir_path = {
            let vm = self.vm(moid)?;
            vm.vmx_path.rsplit_once('/').map(|(d, _)| d.to_string())
        };
        let vm = self.vm_mut(moid)?;
        if vm.question.is_some() {
            return Err(InvError::InvalidState(
                "The virtual machine is waiting for an answer to a question".into(),
            ));
        }
        let id = vm.next_snapshot_id;
        vm.next_snapshot_id += 1;
        let snap_moid = match kind {
            ServerKind::Esx => format!("{moid}-snapshot-{id}"),
            ServerKind::Vcenter => format!("snapshot-{global}"),
        };
        let state = if memory && vm.power_state == PowerState::PoweredOn {
            PowerState::PoweredOn
        } else if vm.power_state == PowerState::Suspended {
            PowerState::Suspended
        } else {
            PowerState::PoweredOff
        };
        let node = Snapshot {
            moid: snap_moid.clone(),
            id,
            name: name.to_string(),
            description: description.to_string(),
            create_time: system_time_to_xsd_datetime(std::time::SystemTime::now()),
            state,
            quiesced: quiesce,
            config: vm.config.clone(),
            children: Vec::new(),
        };
        match vm.current_snapshot.clone() {
            Some(cur) => match find_in_mut(&mut vm.snapshots, &cur) {
                Some(parent) => parent.children.push(node),
                None => vm.snapshots.push(node),
            },
            None => vm.snapshots.push(node),
        }
        vm.current_snapshot = Some(snap_moid.clone());
        let vm_name = vm.config.name.clone();
        // The snapshot state file, as the host writes it next to the .vmx.
        if let Some(dir) = vm_dir_path {
            let file = format!(
                "{dir}/{}-Snapshot{id}.vmsn",
                esxvirt_util::escape_datastore_item(&vm_name)
            );
            if let Ok(p) = self.resolve(&file) {
                let _ = std::fs::write(p, format!("snapshot {id} of {vm_name}\n"));
            }
        }
        self.write_vmsd(moid);
        Ok(snap_moid)
    }

    /// Revert to a snapshot: its configuration and power state come back, and it becomes
    /// current.
    pub fn revert_snapshot(&mut self, snap: &str) -> InvResult<String> {
        let (vm_id, node) = self
            .find_snapshot(snap)
            .ok_or_else(|| InvError::NotFound(format!("VirtualMachineSnapshot {snap}")))?;
        let cfg = node.config.clone();
        let state = node.state;
        let vm = self.vm_mut(&vm_id)?;
        if vm.question.is_some() {
            return Err(InvError::InvalidState(
                "The virtual machine is waiting for an answer to a question".into(),
            ));
        }
        vm.config = cfg;
        vm.current_snapshot = Some(snap.to_string());
        match state {
            PowerState::PoweredOn => {
                self.finish_power_on(&vm_id)?;
            }
            other => {
                let vm = self.vm_mut(&vm_id)?;
                vm.power_state = other;
                vm.boot_time = None;
                vm.guest = GuestInfo::default();
            }
        }
        self.write_vmx(&vm_id)?;
        Ok(vm_id)
    }

    /// Remove a snapshot; its children move up to its parent unless `remove_children`, which
    /// removes the whole subtree. The current snapshot, if removed, becomes the parent.
    pub fn remove_snapshot(&mut self, snap: &str, remove_children: bool) -> InvResult<String> {
        let (vm_id, _) = self
            .find_snapshot(snap)
            .ok_or_else(|| InvError::NotFound(format!("VirtualMachineSnapshot {snap}")))?;
        let vm_dir = self
            .vm(&vm_id)?
            .vmx_path
            .rsplit_once('/')
            .map(|(d, _)| d.to_string());
        let vm = self.vm_mut(&vm_id)?;
        let parent = parent_of_snapshot(&vm.snapshots, snap, None);
        let Some(removed) = remove_from(&mut vm.snapshots, snap) else {
            return Err(InvError::NotFound(format!("VirtualMachineSnapshot {snap}")));
        };
        let mut gone: Vec<(String, i32)> = vec![(removed.moid.clone(), removed.id)];
        if remove_children {
            collect_ids(&removed.children, &mut gone);
        } else {
            // Children take the removed node's place under its parent.
            let target = match &parent {
                Some(p) => find_in_mut(&mut vm.snapshots, p).map(|n| &mut n.children),
                None => Some(&mut vm.snapshots),
            };
            if let Some(list) = target {
                list.extend(removed.children.clone());
            }
        }
        if let Some(cur) = vm.current_snapshot.clone() {
            if gone.iter().any(|(m, _)| *m == cur) {
                vm.current_snapshot = parent.clone();
            }
        }
        let vm_name = vm.config.name.clone();
        if let Some(dir) = vm_dir {
            for (_, id) in &gone {
                let file = format!(
                    "{dir}/{}-Snapshot{id}.vmsn",
                    esxvirt_util::escape_datastore_item(&vm_name)
                );
                if let Ok(p) = self.resolve(&file) {
                    let _ = std::fs::remove_file(p);
                }
            }
        }
        self.write_vmsd(&vm_id);
        Ok(vm_id)
    }

    /// Rewrite the VM's .vmsd snapshot index (best effort; clients never read it).
    fn write_vmsd(&self, moid: &str) {
        let Ok(vm) = self.vm(moid) else { return };
        let Some(vmsd) = vm
            .vmx_path
            .strip_suffix(".vmx")
            .map(|b| format!("{b}.vmsd"))
        else {
            return;
        };
        let mut text = String::from(".encoding = \"UTF-8\"\n");
        let mut all = Vec::new();
        flatten(&vm.snapshots, None, &mut all);
        text.push_str(&format!("snapshot.numSnapshots = \"{}\"\n", all.len()));
        if let Some(cur) = &vm.current_snapshot {
            if let Some(n) = find_in(&vm.snapshots, cur) {
                text.push_str(&format!("snapshot.current = \"{}\"\n", n.id));
            }
        }
        for (i, (node, parent)) in all.iter().enumerate() {
            text.push_str(&format!("snapshot{i}.uid = \"{}\"\n", node.id));
            text.push_str(&format!(
                "snapshot{i}.displayName = \"{}\"\n",
                esxvirt_util::escape_pipe(&node.name)
            ));
            if let Some(p) = parent {
                text.push_str(&format!("snapshot{i}.parent = \"{p}\"\n"));
            }
        }
        if let Ok(p) = self.resolve(&vmsd) {
            let _ = std::fs::write(p, text);
        }
    }
}

fn find_in<'a>(list: &'a [Snapshot], moid: &str) -> Option<&'a Snapshot> {
    for s in list {
        if s.moid == moid {
            return Some(s);
        }
        if let Some(f) = find_in(&s.children, moid) {
            return Some(f);
        }
    }
    None
}

fn find_in_mut<'a>(list: &'a mut [Snapshot], moid: &str) -> Option<&'a mut Snapshot> {
    for s in list.iter_mut() {
        if s.moid == moid {
            return Some(s);
        }
        if let Some(f) = find_in_mut(&mut s.children, moid) {
            return Some(f);
        }
    }
    None
}

/// The parent snapshot of `moid` (None for a root or when absent).
pub fn parent_of_snapshot(list: &[Snapshot], moid: &str, parent: Option<&str>) -> Option<String> {
    for s in list {
        if s.moid == moid {
            return parent.map(|p| p.to_string());
        }
        if let Some(p) = parent_of_snapshot(&s.children, moid, Some(&s.moid)) {
            return Some(p);
        }
    }
    None
}

fn remove_from(list: &mut Vec<Snapshot>, moid: &str) -> Option<Snapshot> {
    if let Some(pos) = list.iter().position(|s| s.moid == moid) {
        return Some(list.remove(pos));
    }
    for s in list.iter_mut() {
        if let Some(r) = remove_from(&mut s.children, moid) {
            return Some(r);
        }
    }
    None
}

fn collect_ids(list: &[Snapshot], out: &mut Vec<(String, i32)>) {
    for s in list {
        out.push((s.moid.clone(), s.id));
        collect_ids(&s.children, out);
    }
}

fn flatten<'a>(
    list: &'a [Snapshot],
    parent: Option<i32>,
    out: &mut Vec<(&'a Snapshot, Option<i32>)>,
) {
    for s in list {
        out.push((s, parent));
        flatten(&s.children, Some(s.id), out);
    }
}

/// Every snapshot of a tree, depth first, with its parent's id.
pub fn all_snapshots(list: &[Snapshot]) -> Vec<&Snapshot> {
    let mut out = Vec::new();
    flatten(list, None, &mut out);
    out.into_iter().map(|(s, _)| s).collect()
}
