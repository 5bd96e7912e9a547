//! Finding domains: listings (`virConnectListAllDomains` and the older name and ID lists)
//! and lookups by name, UUID and ID. Every listing or lookup is one retrieval of the VMs it
//! returns (a lookup may need a search-index call first), whose values start the VMs'
//! entries in the object cache, so the handles' first queries need no request.
//!
//! A BIOS UUID may belong to several VMs; a lookup by UUID then takes the one on the
//! connection's host or fails with `multiple matching domains found` ([`vms_with_uuid`],
//! [`the_one_with_uuid`]), where libvirt silently takes the search index's first.

use esxvirt_vi::property::{property_spec, traverse};
use esxvirt_vi::props::{
    datacenter as dc, datastore as ds, folder, host_auto_start_manager as autostart_mgr,
    host_system as host, virtual_machine as vm,
};
use esxvirt_vi::{ManagedObjectReference, PropertyFilterSpec};

use super::autostart::autostart_vms;
use super::identity::{self, vm_ref, VmSummary};
use super::{Domain, LOOKUP_PATHS};
use crate::connection::engine::specs::filter;
use crate::connection::engine::{Engine, Fill, HintKind, Props};
use crate::connection::Connection;
use crate::error::{is_not_found, vi_err, Error, ErrorCode, Result};
use crate::types::DomainState;
use crate::uuid::{format_uuid, parse_uuid};

/// What a lookup of one VM retrieves besides [`LOOKUP_PATHS`]: the reads of the commands
/// that take a single domain (the domain XML's sources, scheduler parameters, the guest's
/// host name, the snapshot tree), so most need no retrieval after the lookup's.
pub(crate) const PREFETCH_PATHS: &[&str] = &[
    vm::CONFIG_FILES_VM_PATH_NAME.path(),
    vm::RUNTIME_HOST.path(),
    vm::DATASTORE.path(),
    vm::CONFIG_CPU_ALLOCATION_RESERVATION.path(),
    vm::CONFIG_CPU_ALLOCATION_LIMIT.path(),
    vm::CONFIG_CPU_ALLOCATION_SHARES.path(),
    vm::GUEST_HOST_NAME.path(),
    vm::SNAPSHOT_ROOT_SNAPSHOT_LIST.path(),
    vm::SNAPSHOT_CURRENT_SNAPSHOT.path(),
];

/// The datastore properties the domain XML's file names are mapped with.
pub(crate) const DATASTORE_MOUNT_PATHS: &[&str] = &[ds::SUMMARY_NAME.path(), ds::HOST.path()];

/// The listing flags libvirt's ESX driver accepts.
const LIST_DOMAINS_ALLOWED: u32 = (1 << 16) - 1;

/// Checks listing flags as libvirt's ESX driver does; whether the listing can have any
/// domain at all (transient or managed-save ones do not exist on ESX).
pub(crate) fn check_list_flags(flags: u32) -> Result<bool> {
    crate::error::check_flags(flags, LIST_DOMAINS_ALLOWED, "esxConnectListAllDomains")?;
    Ok(!identity::flags_exclude_everything(flags))
}

/// The VM properties a listing with `flags` needs, then `extra`.
pub(crate) fn list_paths(flags: u32, extra: &[&'static str]) -> Vec<&'static str> {
    let mut paths = vec![
        vm::NAME.path(),
        vm::CONFIG_UUID.path(),
        vm::RUNTIME_POWER_STATE.path(),
    ];
    if identity::flags_need_snapshots(flags) {
        paths.push(vm::SNAPSHOT_ROOT_SNAPSHOT_LIST.path());
    }
    paths.extend_from_slice(extra);
    paths
}

/// The identity of a VM from its name, `config.uuid` and power state.
pub(crate) fn vm_summary(p: &Props) -> Result<VmSummary> {
    let name = p
        .get(vm::NAME)
        .ok_or_else(|| Error::internal("Could not get name of virtual machine"))?;
    let uuid = p
        .get(vm::CONFIG_UUID)
        .ok_or_else(|| Error::internal("Could not get UUID of virtual machine"))?;
    Ok(VmSummary {
        moref: p.obj.value.clone(),
        name: identity::unescape_name(&name)?,
        uuid: identity::uuid_from_config(&uuid)?,
        state: p.power_state()?,
        has_snapshot: p
            .get(vm::SNAPSHOT_ROOT_SNAPSHOT_LIST)
            .is_some_and(|v| !v.is_empty()),
    })
}

impl Connection {
    /// The domain handle of a VM a lookup or listing retrieved (with at least its identity):
    /// its values start the VM's entry in the object cache.
    pub(crate) fn domain_from(&self, p: &Props) -> Result<Domain<'_>> {
        Ok(self.domain_with(vm_summary(p)?, p))
    }

    /// The domain of the VM `p` whose identity `summary` was read from it.
    fn domain_with(&self, summary: VmSummary, p: &Props) -> Domain<'_> {
        self.engine.objects.store(p, Fill::Restart);
        Domain {
            conn: self,
            name: summary.name,
            uuid: summary.uuid,
            id: std::cell::Cell::new(identity::domain_id(&summary.moref, summary.state)),
            moref: summary.moref,
        }
    }

    /// Every domain matching `flags` (`virConnectListAllDomains`,
    /// [`crate::flags::list_domains`]), in one paged retrieval.
    pub fn list_all_domains(&self, flags: u32) -> Result<Vec<Domain<'_>>> {
        if !check_list_flags(flags)? {
            return Ok(Vec::new());
        }
        let autostart = if identity::flags_need_autostart(flags) {
            Some(autostart_vms(&self.autostart_config()?.1))
        } else {
            None
        };
        let vms = self.engine.all_vms(&list_paths(flags, &[]))?;
        let mut out = Vec::with_capacity(vms.len());
        for p in &vms {
            let starts = |moref: &str| autostart.as_ref().is_some_and(|a| a.contains(moref));
            if let Some(d) = self.listed_domain(flags, p, starts)? {
                out.push(d);
            }
        }
        Ok(out)
    }

    /// The domain of the VM `p` when it passes the list `flags`; `autostarts` tells whether a
    /// VM (by managed-object id) starts with its host.
    pub(crate) fn listed_domain(
        &self,
        flags: u32,
        p: &Props,
        autostarts: impl Fn(&str) -> bool,
    ) -> Result<Option<Domain<'_>>> {
        let summary = vm_summary(p)?;
        let auto = identity::flags_need_autostart(flags) && autostarts(&summary.moref);
        if !identity::matches(flags, &summary, auto) {
            return Ok(None);
        }
        Ok(Some(self.domain_with(summary, p)))
    }

    /// IDs of the running domains (`virConnectListDomains`).
    pub fn list_domains(&self) -> Result<Vec<i32>> {
        Ok(self
            .list_all_domains(crate::flags::list_domains::ACTIVE)?
            .iter()
            .map(|d| d.id.get())
            .collect())
    }

    /// Number of running domains (`virConnectNumOfDomains`).
    pub fn num_of_domains(&self) -> Result<usize> {
        Ok(self.list_domains()?.len())
    }

    /// Names of the inactive domains (`virConnectListDefinedDomains`).
    pub fn list_defined_domains(&self) -> Result<Vec<String>> {
        Ok(self
            .list_all_domains(crate::flags::list_domains::INACTIVE)?
            .iter()
            .map(|d| d.name.clone())
            .collect())
    }

    /// Number of inactive domains (`virConnectNumOfDefinedDomains`).
    pub fn num_of_defined_domains(&self) -> Result<usize> {
        Ok(self.list_defined_domains()?.len())
    }

    /// Finds one VM by a predicate over its identity, listing the host's VMs.
    pub(crate) fn find_vm(&self, pred: impl Fn(&VmSummary) -> bool) -> Result<Option<Domain<'_>>> {
        let vms = self.engine.all_vms(LOOKUP_PATHS)?;
        for p in &vms {
            // VMs without a readable identity (inaccessible) cannot match.
            let Ok(s) = vm_summary(p) else { continue };
            if pred(&s) {
                return Ok(Some(self.domain_from(p)?));
            }
        }
        Ok(None)
    }

    /// The VM `moref` as a domain, when it exists and (on vCenter) runs on the connection's
    /// host: libvirt only sees the VMs of that host. One retrieval, which also brings what
    /// the single-domain commands read (see [`PREFETCH_PATHS`]).
    pub(crate) fn domain_by_moref(
        &self,
        moref: &ManagedObjectReference,
    ) -> Result<Option<Domain<'_>>> {
        let engine = &self.engine;
        let mut paths = LOOKUP_PATHS.to_vec();
        paths.extend_from_slice(PREFETCH_PATHS);
        // The VM's own datastores come along (what `dumpxml` maps file names with), and on
        // a host without a known context its datacenter's name (the /folder dcPath).
        let mut specs = vec![filter(
            moref,
            false,
            vec![traverse("vmDatastores", vm::DATASTORE, &[])],
            vec![
                property_spec(&moref.type_, &paths),
                property_spec(ds::TYPE, DATASTORE_MOUNT_PATHS),
            ],
        )];
        if !engine.is_vcenter() && !engine.has_context() && engine.known_datacenter_name().is_none()
        {
            specs.push(filter(
                &engine.root_folder(),
                true,
                vec![traverse(
                    "folderChildren",
                    folder::CHILD_ENTITY,
                    &["folderChildren"],
                )],
                vec![property_spec(dc::TYPE, &[dc::NAME.path()])],
            ));
        }
        // With the AutoStartManager known (session cache), its configuration comes in the
        // same retrieval, so `dominfo` needs no second one for the autostart flag.
        // Otherwise the host names it in the same retrieval, for the next query; an ESX
        // host's has a fixed id, so its configuration is asked for on trust too and used
        // only if the host names that manager.
        let known = engine.known_autostart_manager();
        let guessed = match &known {
            None if !engine.is_vcenter() && engine.root_folder().value == "ha-folder-root" => Some(
                ManagedObjectReference::new(autostart_mgr::TYPE, "ha-autostart-mgr"),
            ),
            _ => None,
        };
        if known.is_none() {
            // The screenshot capability too, while it is not known (a fixed host property).
            let mut host_paths = vec![host::CONFIG_MANAGER_AUTO_START_MANAGER.path()];
            if !engine.knows_screenshot_support() {
                host_paths.push(host::CAPABILITY_SCREENSHOT_SUPPORTED.path());
            }
            specs.push(engine.host_filter(&host_paths)?);
        }
        let manager = known.or(guessed.clone());
        if let Some(m) = &manager {
            // Left out rather than failing the lookup when it is missing (govmomi's
            // simulator names a manager it does not serve).
            specs.push(PropertyFilterSpec {
                report_missing_objects_in_results: Some(true),
                ..filter(
                    m,
                    false,
                    vec![],
                    vec![property_spec(&m.type_, &[autostart_mgr::CONFIG.path()])],
                )
            });
        }
        let objects = match engine.retrieve(specs) {
            Ok(o) => o,
            Err(e) if is_not_found(&e) => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut found = None;
        let mut named_manager = None;
        let mut manager_config = None;
        for o in objects {
            if manager.as_ref().is_some_and(|m| o.is(m)) {
                manager_config = Some(o);
            } else if o.ty() == host::TYPE {
                if let Some(m) = o.get(host::CONFIG_MANAGER_AUTO_START_MANAGER) {
                    named_manager = Some(m.clone());
                    engine.learn_autostart_manager(m);
                }
                if let Some(supported) = o.get(host::CAPABILITY_SCREENSHOT_SUPPORTED) {
                    engine.learn_screenshot_supported(supported);
                }
                engine.saw_host(&o);
            } else if o.ty() == ds::TYPE {
                engine.objects.store(&o, Fill::Restart);
            } else if o.ty() == dc::TYPE {
                if let Some(name) = o.get(dc::NAME) {
                    engine.learn_datacenter_name(name);
                }
            } else if found.is_none() && o.is(moref) {
                found = Some(o);
            }
        }
        // A guessed manager's configuration counts only when the host names that manager.
        if let Some(cfg) = manager_config {
            if guessed.is_none() || named_manager == guessed {
                engine.objects.store(&cfg, Fill::Restart);
            }
        }
        let Some(p) = found else { return Ok(None) };
        if engine.is_vcenter() {
            let host_ref = engine.context()?.host;
            if p.get(vm::RUNTIME_HOST).map(|h| h.value) != Some(host_ref.value) {
                return Ok(None);
            }
        }
        Ok(Some(self.domain_from(&p)?))
    }

    /// The running domain with `id` (`virDomainLookupByID`); error `No domain with ID N`.
    pub fn domain_lookup_by_id(&self, id: i32) -> Result<Domain<'_>> {
        let not_found = || Error::new(ErrorCode::NoDomain, format!("No domain with ID {id}"));
        // The ID is the number of the VM's managed-object id: that object is asked for
        // directly; a scan remains for hosts whose ids are not bare numbers.
        let found = if self.engine.is_vcenter() {
            self.domain_by_moref(&vm_ref(&format!("vm-{id}")))?
        } else if id < 0 {
            None
        } else {
            match self.domain_by_moref(&vm_ref(&id.to_string()))? {
                Some(d) => Some(d),
                None => self.find_vm(|s| {
                    s.state != DomainState::Shutoff && identity::id_from_moref(&s.moref) == Some(id)
                })?,
            }
        };
        match found {
            Some(d) if d.id.get() == id => Ok(d),
            _ => Err(not_found()),
        }
    }

    /// The domain with this UUID, given as text with or without dashes
    /// (`virDomainLookupByUUIDString`).
    pub fn domain_lookup_by_uuid_string(&self, uuid: &str) -> Result<Domain<'_>> {
        let parsed = parse_uuid(uuid).ok_or_else(|| {
            Error::invalid_arg(format!("Could not parse UUID from string '{uuid}'"))
        })?;
        self.domain_lookup_by_uuid(&parsed)
    }

    /// The domain with this UUID (`virDomainLookupByUUID`).
    pub fn domain_lookup_by_uuid(&self, uuid: &[u8; 16]) -> Result<Domain<'_>> {
        let text = format_uuid(uuid);
        let found = self.lookup_remembered(
            HintKind::Uuid,
            &text,
            |d| d.uuid == *uuid,
            || self.domain_lookup_by_uuid_uncached(&text),
        )?;
        found.ok_or_else(|| {
            Error::new(
                ErrorCode::NoDomain,
                format!("Could not find domain with UUID '{text}'"),
            )
        })
    }

    /// The lookup by UUID without remembered UUIDs: the search index answers without
    /// listing every VM, in the connection's datacenter on vCenter, in the whole
    /// (single-host) inventory on ESX. Several VMs may share a UUID (see
    /// [`vms_with_uuid`]): the one on the connection's host is meant; when that leaves more
    /// than one, the lookup fails rather than pick one.
    fn domain_lookup_by_uuid_uncached(&self, text: &str) -> Result<Option<Domain<'_>>> {
        let dcent = if self.engine.is_vcenter() {
            Some(self.engine.context()?.datacenter)
        } else {
            None
        };
        let candidates = vms_with_uuid(&self.engine, dcent.as_ref(), text)?;
        let chosen = match candidates.as_slice() {
            [] => return Ok(None),
            [one] => one.clone(),
            _ => {
                let host = match self.engine.is_vcenter() {
                    true => Some(self.engine.context()?.host),
                    false => None,
                };
                match the_one_with_uuid(&self.engine, &candidates, host.as_ref(), None, text)? {
                    Some(m) => m,
                    None => return Ok(None),
                }
            }
        };
        self.domain_by_moref(&chosen)
    }

    /// A lookup by name or UUID through the remembered VMs: the VM remembered for `key` is
    /// asked for directly (one retrieval) and kept when it still exists, is on the
    /// connection's host and `still_matches`; otherwise the hint is dropped and `full` does
    /// the lookup, whose answer is remembered.
    fn lookup_remembered<'a>(
        &'a self,
        kind: HintKind,
        key: &str,
        still_matches: impl Fn(&Domain<'_>) -> bool,
        full: impl FnOnce() -> Result<Option<Domain<'a>>>,
    ) -> Result<Option<Domain<'a>>> {
        if let Some(moref) = self.engine.vm_hint(kind, key) {
            match self.domain_by_moref(&moref)? {
                Some(d) if still_matches(&d) => return Ok(Some(d)),
                _ => self.engine.forget_vm(kind, key),
            }
        }
        let found = full()?;
        if let Some(d) = &found {
            self.engine.remember_vm(kind, key, &d.mo());
        }
        Ok(found)
    }

    /// The domain with this name (`virDomainLookupByName`); error
    /// `Domain not found: Could not find domain with name 'NAME'`.
    pub fn domain_lookup_by_name(&self, name: &str) -> Result<Domain<'_>> {
        // A VM looked up by this name before is asked for directly: one retrieval, whose
        // answer confirms the name.
        let found = self.lookup_remembered(
            HintKind::Name,
            name,
            |d| d.name == name,
            || self.domain_lookup_by_name_uncached(name),
        )?;
        found.ok_or_else(|| {
            Error::new(
                ErrorCode::NoDomain,
                format!("Could not find domain with name '{name}'"),
            )
        })
    }

    /// The lookup by name without remembered names: FindChild in the VM folder, then (for
    /// VMs in subfolders) a scan of the host's VMs.
    fn domain_lookup_by_name_uncached(&self, name: &str) -> Result<Option<Domain<'_>>> {
        let mut found = None;
        // The name index of the VM folder answers without listing every VM: the resolved
        // context's folder, or on an ESX host its well-known one.
        let vm_folder = if self.engine.is_vcenter() || self.engine.has_context() {
            Some(self.engine.context()?.vm_folder)
        } else if self.engine.root_folder().value == "ha-folder-root" {
            Some(ManagedObjectReference::new(folder::TYPE, "ha-folder-vm"))
        } else {
            None
        };
        if let Some(vm_folder) = vm_folder {
            let escaped = identity::escape_name(name);
            let moref = self.engine.run_early(|c| {
                let (vm_folder, escaped) = (vm_folder.clone(), escaped.clone());
                async move {
                    match c.find_child(&vm_folder, &escaped).await {
                        Ok(m) => Ok(m),
                        // A folder that is not there: fall back to the scan.
                        Err(esxvirt_vi::Error::Fault(
                            esxvirt_vi::Fault::ManagedObjectNotFound { .. },
                        )) => Ok(None),
                        Err(e) => Err(vi_err(e)),
                    }
                }
            })?;
            if let Some(m) = moref.filter(|m| m.type_ == vm::TYPE) {
                found = self.domain_by_moref(&m)?;
            }
        }
        if found.is_none() {
            found = self.find_vm(|s| s.name == name)?;
        }
        Ok(found)
    }
}

/// The VMs whose BIOS UUID (`config.uuid`) is `uuid`, in `datacenter` (everywhere without
/// one): SearchIndex.FindAllByUuid, or on a server without that method (before vSphere
/// 6.5, govmomi's simulator) FindByUuid's first match.
///
/// A BIOS UUID need not be unique: vSphere keeps it when a VM is registered again after
/// being copied ("I copied it" keeps it too) and some cloning tools copy it. libvirt asks
/// FindByUuid and takes its first VM, and looks every domain up again by UUID for each
/// operation, so with two such VMs it reports on and acts on whichever comes first. Here a
/// domain handle holds its VM's managed-object id, and a lookup by UUID takes the one
/// meant or fails (see [`the_one_with_uuid`]).
pub(crate) fn vms_with_uuid(
    engine: &Engine,
    datacenter: Option<&ManagedObjectReference>,
    uuid: &str,
) -> Result<Vec<ManagedObjectReference>> {
    use esxvirt_vi::{Error as Vi, Fault};
    let all = engine.run_early(|c| {
        let (dc, uuid) = (datacenter.cloned(), uuid.to_string());
        async move {
            match c.find_all_by_uuid(dc.as_ref(), &uuid, true, None).await {
                Ok(found) => Ok(Some(found)),
                // An unknown method (MethodNotFound, or a server that cannot resolve it).
                Err(Vi::Fault(Fault::Other { .. } | Fault::NotSupported { .. })) => Ok(None),
                Err(e) => Err(vi_err(e)),
            }
        }
    })?;
    let found = match all {
        Some(found) => found,
        None => engine
            .run_early(|c| {
                let (dc, uuid) = (datacenter.cloned(), uuid.to_string());
                async move {
                    c.find_by_uuid(dc.as_ref(), &uuid, true, None)
                        .await
                        .map_err(vi_err)
                }
            })?
            .into_iter()
            .collect(),
    };
    Ok(found.into_iter().filter(|m| m.type_ == vm::TYPE).collect())
}

/// Which of several VMs sharing the BIOS UUID `uuid` is meant: those on `host` (when
/// given: a vCenter's URI names one host, and libvirt sees only its VMs) named `name` (when
/// given), read in one retrieval. `None` when none is left; `multiple matching domains
/// found` when more than one is, naming them.
pub(crate) fn the_one_with_uuid(
    engine: &Engine,
    candidates: &[ManagedObjectReference],
    host: Option<&ManagedObjectReference>,
    name: Option<&str>,
    uuid: &str,
) -> Result<Option<ManagedObjectReference>> {
    let spec = PropertyFilterSpec {
        prop_set: vec![property_spec(
            vm::TYPE,
            &[vm::NAME.path(), vm::RUNTIME_HOST.path()],
        )],
        object_set: candidates
            .iter()
            .map(|m| esxvirt_vi::ObjectSpec {
                obj: m.clone(),
                skip: Some(false),
                select_set: vec![],
            })
            .collect(),
        // One unregistered meanwhile is left out rather than failing the lookup.
        report_missing_objects_in_results: Some(true),
    };
    let mut left: Vec<(ManagedObjectReference, String)> = Vec::new();
    for p in engine.retrieve(vec![spec])? {
        if p.ty() != vm::TYPE {
            continue;
        }
        if host.is_some_and(|h| p.get(vm::RUNTIME_HOST).map(|r| r.value) != Some(h.value.clone())) {
            continue;
        }
        let raw = p.get(vm::NAME).unwrap_or_default();
        let vm_name = identity::unescape_name(&raw).unwrap_or(raw);
        if name.is_some_and(|n| n != vm_name) {
            continue;
        }
        left.push((p.obj.clone(), vm_name));
    }
    match left.len() {
        0 => Ok(None),
        1 => Ok(left.pop().map(|(m, _)| m)),
        _ => {
            let mut names: Vec<String> = left.iter().map(|(_, n)| format!("'{n}'")).collect();
            names.sort();
            let last = names.pop().unwrap_or_default();
            Err(Error::new(
                ErrorCode::MultipleDomains,
                format!(
                    "Domains {} and {last} share UUID '{uuid}': look the domain up by name",
                    names.join(", ")
                ),
            ))
        }
    }
}
