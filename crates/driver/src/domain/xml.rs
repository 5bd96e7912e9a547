//! The domain XML (`virDomainGetXMLDesc`): the VM's .vmx downloaded over the datastore HTTP
//! interface (`/folder`) and converted, file names mapped between the VM's directory,
//! datastore mount paths and datastore paths as libvirt's ESX driver maps them.

use esxvirt_util::parse_datastore_path;
use esxvirt_vi::property::{property_spec, traverse};
use esxvirt_vi::props::{datacenter as dc, datastore as ds, folder, virtual_machine as vm};
use esxvirt_vmx::{ParseContext, VmxError, VmxFile};
use esxvirt_xml::domain::FormatOptions;

use super::lookup::DATASTORE_MOUNT_PATHS;
use super::{identity, Domain};
use crate::connection::engine::specs::filter;
use crate::connection::engine::{Fill, Props};
use crate::error::{check_flags, encoding_diagnostic, is_not_found, vmx_err, Error, Result};
use crate::file_names::{DatastoreMount, FileNameResolver};
use crate::storage::mount_path;
use crate::types::DomainState;

/// The kind of read the XML's sources are for (see the object cache).
const READER: &str = "virDomainGetXMLDesc";

/// What the XML needs of the VM.
const VM_PATHS: &[&str] = &[
    vm::CONFIG_FILES_VM_PATH_NAME.path(),
    vm::RUNTIME_POWER_STATE.path(),
    vm::RUNTIME_HOST.path(),
    vm::DATASTORE.path(),
];

/// Reads a .vmx file's bytes as libvirt does (its `.encoding` decides how), printing
/// libxml2's diagnostic when decoding stopped at an invalid byte, as virsh shows it (once,
/// before any error the cut-short text causes).
pub(crate) fn read_vmx(bytes: &[u8]) -> Result<VmxFile> {
    let (file, warning) = VmxFile::parse_diagnosed(bytes);
    if let Some(w) = warning {
        encoding_diagnostic(&w);
    }
    file.map_err(|e| vmx_err(VmxError::from(e)))
}

/// The datacenter path a host's datastore files are under when nothing else says it.
const HOST_DATACENTER: &str = "ha-datacenter";

impl Domain<'_> {
    /// The domain XML (`virDomainGetXMLDesc`): the .vmx downloaded over `/folder` and
    /// converted, with datastore paths mapped as libvirt's ESX driver maps them. After a
    /// lookup, the download alone (the lookup read the VM's path and its datastores); else
    /// one retrieval (the VM, its datacenter and the datastores' mount paths) plus the
    /// download. A file on a datastore the VM does not list is resolved against all of the
    /// datacenter's datastores (one retrieval more).
    pub fn get_xml_desc(&self, flags: u32) -> Result<String> {
        use crate::flags::domain_xml as x;
        check_flags(
            flags,
            x::SECURE | x::INACTIVE | x::UPDATE_CPU | x::MIGRATABLE,
            "esxDomainGetXMLDesc",
        )?;
        let options = FormatOptions {
            secure: flags & x::SECURE != 0,
            inactive: flags & x::INACTIVE != 0,
        };
        if let Some((vm, stores, dc_path)) = self.cached_sources()? {
            let vmx = read_vmx(&self.download_vmx(&vm, &dc_path, &stores)?)?;
            if let Ok(xml) = self.vmx_to_xml(&vmx, &vm, &stores, &dc_path, options) {
                return Ok(xml);
            }
            let (_, all, dc_path) = self.xml_sources()?;
            return self.vmx_to_xml(&vmx, &vm, &all, &dc_path, options);
        }
        let (vm, stores, dc_path) = self.xml_sources()?;
        let vmx = read_vmx(&self.download_vmx(&vm, &dc_path, &stores)?)?;
        self.vmx_to_xml(&vmx, &vm, &stores, &dc_path, options)
    }

    /// The VM's path and state, its own datastores and the datacenter's path, when the
    /// object cache has them all (after a lookup); no request but for an unknown context on
    /// vCenter.
    fn cached_sources(&self) -> Result<Option<(Props, Vec<Props>, String)>> {
        let engine = &self.conn.engine;
        let Some(vm) = engine.objects.read(&self.mo(), VM_PATHS, READER) else {
            return Ok(None);
        };
        let mut stores = Vec::new();
        for d in vm.get(vm::DATASTORE).unwrap_or_default() {
            match engine.objects.read(&d, DATASTORE_MOUNT_PATHS, READER) {
                Some(p) => stores.push(p),
                None => return Ok(None),
            }
        }
        let dc_path = if engine.is_vcenter() {
            engine.context()?.datacenter_path
        } else {
            engine
                .known_datacenter_name()
                .or_else(|| engine.known_context().map(|c| c.datacenter_path))
                .unwrap_or_else(|| HOST_DATACENTER.to_string())
        };
        Ok(Some((vm, stores, dc_path)))
    }

    /// The VM's path and state, every datastore of its datacenter and the datacenter's
    /// path, in one retrieval.
    fn xml_sources(&self) -> Result<(Props, Vec<Props>, String)> {
        let engine = &self.conn.engine;
        let vm_spec = filter(
            &self.mo(),
            false,
            vec![],
            vec![property_spec(vm::TYPE, VM_PATHS)],
        );
        let ds_props = property_spec(ds::TYPE, DATASTORE_MOUNT_PATHS);
        let dc_datastores = || traverse("dcDatastores", dc::DATASTORE, &[]);
        let ctx = if engine.is_vcenter() {
            Some(engine.context()?)
        } else {
            None
        };
        let place_spec = match &ctx {
            Some(ctx) => filter(&ctx.datacenter, true, vec![dc_datastores()], vec![ds_props]),
            None => filter(
                &engine.root_folder(),
                true,
                vec![
                    traverse(
                        "folderChildren",
                        folder::CHILD_ENTITY,
                        &["folderChildren", "dcDatastores"],
                    ),
                    dc_datastores(),
                ],
                vec![property_spec(dc::TYPE, &[dc::NAME.path()]), ds_props],
            ),
        };
        let objects = match engine.retrieve(vec![vm_spec, place_spec]) {
            Ok(o) => o,
            Err(e) if is_not_found(&e) => return Err(self.not_found()),
            Err(e) => return Err(e),
        };
        let mut found = None;
        let mut dc_name = None;
        let mut stores = Vec::new();
        for o in objects {
            match o.ty() {
                vm::TYPE => found = Some(o),
                dc::TYPE if dc_name.is_none() => dc_name = o.get(dc::NAME),
                ds::TYPE => stores.push(o),
                _ => {}
            }
        }
        let vm = found.ok_or_else(|| self.not_found())?;
        let join = Fill::Join { reader: READER };
        engine.objects.store(&vm, join);
        for s in &stores {
            engine.objects.store(s, join);
        }
        let dc_path = match &ctx {
            Some(c) => c.datacenter_path.clone(),
            None => dc_name.unwrap_or_else(|| HOST_DATACENTER.to_string()),
        };
        Ok((vm, stores, dc_path))
    }

    /// The VM's .vmx file (or, when the server serves an empty one as govmomi's simulator
    /// does, one rebuilt from its configuration).
    fn download_vmx(&self, vm: &Props, dc_path: &str, stores: &[Props]) -> Result<Vec<u8>> {
        let vm_path = vm.require(vm::CONFIG_FILES_VM_PATH_NAME)?;
        let parsed =
            parse_datastore_path(&vm_path).map_err(|e| Error::invalid_arg(e.to_string()))?;
        let url =
            esxvirt_vi::datastore_file_path(&parsed.directory_and_file, dc_path, &parsed.datastore);
        let vmx = self.conn.engine.get_file(&url)?;
        if !vmx.iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(vmx);
        }
        let resolver = self.resolver(vm, stores)?;
        let p = self.props(&[vm::CONFIG.path()], "rebuilt vmx")?;
        Ok(match p.get(vm::CONFIG) {
            Some(config) => super::vmx_synth::vmx_from_config(&config, &resolver).into_bytes(),
            None => vmx,
        })
    }

    /// The file-name resolver for the VM's directory over `stores`.
    fn resolver(&self, vm: &Props, stores: &[Props]) -> Result<FileNameResolver> {
        let host = vm.get(vm::RUNTIME_HOST);
        let vm_path = vm.require(vm::CONFIG_FILES_VM_PATH_NAME)?;
        let parsed =
            parse_datastore_path(&vm_path).map_err(|e| Error::invalid_arg(e.to_string()))?;
        Ok(FileNameResolver {
            vmx_dir: if parsed.directory.is_empty() {
                format!("[{}]", parsed.datastore)
            } else {
                format!("[{}] {}", parsed.datastore, parsed.directory)
            },
            datastores: stores
                .iter()
                .map(|d| DatastoreMount {
                    name: d.get(ds::SUMMARY_NAME).unwrap_or_default(),
                    mount_path: mount_path(d, host.as_ref()),
                })
                .collect(),
        })
    }

    /// Converts the downloaded .vmx to domain XML.
    fn vmx_to_xml(
        &self,
        vmx: &VmxFile,
        vm: &Props,
        stores: &[Props],
        dc_path: &str,
        options: FormatOptions,
    ) -> Result<String> {
        let state = vm.power_state()?;
        let resolver = self.resolver(vm, stores)?;
        let parse = |name: &str, allow_missing: bool| resolver.parse(name, allow_missing);
        let pctx = ParseContext {
            file_names: &parse,
            datacenter_path: Some(dc_path),
            moref: Some(&self.moref),
        };
        let mut def = esxvirt_vmx::vmx_file_to_domain(vmx, &pctx).map_err(vmx_err)?;
        def.id = if state != DomainState::Shutoff {
            identity::id_from_moref(&self.moref)
        } else {
            None
        };
        Ok(def.to_xml_with(options))
    }
}
