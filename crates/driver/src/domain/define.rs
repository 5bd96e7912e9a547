//! Defining domains (`virDomainDefineXMLFlags`: domain XML to a .vmx, uploaded next to the
//! first disk and registered) and the native format conversions
//! (`virConnectDomainXMLFromNative` / `ToNative`, format `vmware-vmx`).

use std::cell::RefCell;

use esxvirt_vi::Value;
use esxvirt_vmx::{CallbackError, ErrorClass, FormatContext, VmxError};
use esxvirt_xml::domain::{values::Uuid, Disk, DiskBus, DiskDevice, DiskType, ScsiModel};

use super::Domain;
use crate::connection::engine::tasks::wait_started;
use crate::connection::engine::{Change, Landed};
use crate::connection::Connection;
use crate::error::{vi_err, vmx_err, Error, ErrorCode, Result};
use crate::file_names::FileNameResolver;
use crate::uuid::generate_uuid;

/// The only native format.
const VMWARE_VMX: &str = "vmware-vmx";

/// The source of the first file-based hard disk (where libvirt puts the .vmx).
fn first_disk_source(def: &esxvirt_xml::domain::Domain) -> Result<String> {
    if def.devices.disks.is_empty() {
        return Err(Error::internal(
            "Domain XML doesn't contain any disks, cannot deduce datastore and path for VMX file",
        ));
    }
    let disk = def
        .devices
        .disks
        .iter()
        .find(|d| d.device == DiskDevice::Disk && d.disk_type == DiskType::File)
        .ok_or_else(|| {
            Error::internal(
                "Domain XML doesn't contain any file-based harddisks, cannot deduce datastore and path for VMX file",
            )
        })?;
    disk.source.clone().ok_or_else(|| {
        Error::internal(
            "First file-based harddisk has no source, cannot deduce datastore and path for VMX file",
        )
    })
}

/// Parses domain XML, giving it a fresh UUID when it has none.
fn parse_definition(xml: &str) -> Result<esxvirt_xml::domain::Domain> {
    let mut def = esxvirt_xml::domain::Domain::from_xml(xml).map_err(crate::error::xml_err)?;
    if def.uuid.is_none() {
        def.uuid = Some(Uuid::from_bytes(generate_uuid()));
    }
    Ok(def)
}

impl Connection {
    /// Converts a definition to VMX text for this host (its datastores and hardware version;
    /// a SCSI controller of model `auto` takes its disks' controller type).
    fn to_vmx(&self, def: &esxvirt_xml::domain::Domain) -> Result<String> {
        let resolver = FileNameResolver {
            vmx_dir: String::new(),
            datastores: self.datastore_mounts()?,
        };
        let format = |src: &str| resolver.format(src);
        // The driver's own error of a failed detection (a missing disk is `Storage volume
        // not found`, which no converter class expresses) replaces the converter's.
        let failed = RefCell::new(None);
        let autodetect = |disk: &Disk| -> std::result::Result<ScsiModel, CallbackError> {
            self.disk_scsi_model(disk).map_err(|e| {
                let message = e.message().to_string();
                failed.replace(Some(e));
                CallbackError::new(ErrorClass::Internal, message)
            })
        };
        let fctx = FormatContext {
            file_names: &format,
            autodetect_scsi_model: Some(&autodetect),
        };
        let hw = crate::connection::product::default_virtual_hw_version(&self.engine.product()?);
        esxvirt_vmx::domain_to_vmx(def, &fctx, hw).map_err(|e| match (&e, failed.take()) {
            (VmxError::Autodetect { .. }, Some(driver)) => driver,
            _ => vmx_err(e),
        })
    }

    /// The SCSI controller model a disk needs, from its file's controller type as libvirt's
    /// ESX driver reads it (`auto` for what is not a file-based SCSI disk on a datastore,
    /// which leaves the controller's model undecided).
    fn disk_scsi_model(&self, disk: &Disk) -> Result<ScsiModel> {
        let src = match &disk.source {
            Some(src)
                if disk.device == DiskDevice::Disk
                    && disk.target.bus.is_none_or(|b| b == DiskBus::Scsi)
                    && disk.disk_type == DiskType::File
                    && src.starts_with('[') =>
            {
                src
            }
            _ => return Ok(ScsiModel::Auto),
        };
        let file = self.datastore_path_file(src)?;
        let controller = match (file.format, file.controller_type) {
            ("vmdk", Some(c)) => c,
            _ => {
                return Err(Error::internal(format!(
                    "Could not lookup controller model for '{src}'"
                )))
            }
        };
        let model = match controller.to_ascii_lowercase().as_str() {
            "virtualbuslogiccontroller" => ScsiModel::Buslogic,
            "virtuallsilogiccontroller" => ScsiModel::Lsilogic,
            "virtuallsilogicsascontroller" => ScsiModel::Lsisas1068,
            "paravirtualscsicontroller" => ScsiModel::Vmpvscsi,
            _ => {
                return Err(Error::internal(format!(
                    "Found unexpected controller model '{controller}' for disk '{src}'"
                )))
            }
        };
        Ok(model)
    }

    /// Defines a domain from XML (`virDomainDefineXMLFlags`): converts it to VMX, uploads the
    /// .vmx next to the first file-based disk and registers it. Fails if the name or UUID
    /// exists; when registering fails, nothing is registered.
    pub fn domain_define_xml(&self, xml: &str, flags: u32) -> Result<Domain<'_>> {
        crate::error::check_flags(
            flags,
            crate::flags::define::VALIDATE,
            "esxDomainDefineXMLFlags",
        )?;
        self.check_writable()?;
        let def = parse_definition(xml)?;
        if def.name.contains('\n') {
            return Err(Error::new(
                ErrorCode::XmlError,
                format!("name {} cannot contain '\\n'", def.name),
            ));
        }
        let exists = {
            let uuid = def.uuid.as_ref().map(|u| *u.as_bytes());
            let name = def.name.clone();
            self.find_vm(|s| Some(s.uuid) == uuid || s.name == name)?
        };
        if exists.is_some() {
            return Err(Error::internal(
                "Domain already exists, editing existing domains is not supported yet",
            ));
        }
        let vmx = self.to_vmx(&def)?;
        // The .vmx goes next to the first file-based hard disk.
        let src = first_disk_source(&def)?;
        let parsed = esxvirt_util::parse_datastore_path(&src)
            .map_err(|e| Error::invalid_arg(e.to_string()))?;
        if !src.to_ascii_lowercase().ends_with(".vmdk") {
            return Err(Error::internal(format!(
                "Expecting source '{src}' of first file-based harddisk to be a VMDK image"
            )));
        }
        let escaped = esxvirt_util::escape_datastore_item(&def.name);
        let (rel, ds_path) = if parsed.directory.is_empty() {
            (
                format!("{escaped}.vmx"),
                format!("[{}] {escaped}.vmx", parsed.datastore),
            )
        } else {
            (
                format!("{}/{escaped}.vmx", parsed.directory),
                format!("[{}] {}/{escaped}.vmx", parsed.datastore, parsed.directory),
            )
        };
        let ctx = self.engine.context()?;
        let url = esxvirt_vi::datastore_file_path(&rel, &ctx.datacenter_path, &parsed.datastore);
        let (ctx, path) = (&ctx, &ds_path);
        let engine = &self.engine;
        let policy = engine.question_policy();
        // The upload and the registration are one change: a VM registered from this .vmx
        // is what shows it made (one SearchIndex call, no inventory scan). Only after the
        // server refused (never after a lost answer: it may yet register) is the uploaded
        // .vmx of a VM that did not register deleted, so nothing half-defined remains.
        let change = Change::new(
            format!("defining domain '{}'", def.name),
            format!("dominfo {}", def.name),
        )
        .check(|| {
            let found = engine.run(|c| async move {
                c.find_by_datastore_path(&ctx.datacenter, path)
                    .await
                    .map_err(vi_err)
            })?;
            Ok(if found.is_some() {
                Landed::Yes
            } else {
                Landed::No
            })
        })
        .undo(|| {
            engine
                .run_task(
                    Change::new(
                        format!("deleting the uploaded file {path}"),
                        format!("vol-info '{path}'"),
                    ),
                    |c| async move {
                        c.delete_datastore_file_task(path, Some(&ctx.datacenter))
                            .await
                    },
                    |out| Error::internal(out.libvirt_error()),
                )
                .map(|_| ())
        })
        .task_failure(|out| Error::internal(format!("Could not define domain: {}", out.error)));
        let (url, vmx) = (&url, &bytes::Bytes::from(vmx.into_bytes()));
        let result = engine.change(&change, |c, progress| async move {
            progress.send(&c, || c.put_file(url, vmx.clone())).await?;
            let task = progress
                .send(&c, || {
                    c.register_vm_task(
                        &ctx.vm_folder,
                        path,
                        None,
                        false,
                        Some(&ctx.resource_pool),
                        Some(&ctx.host),
                    )
                })
                .await?;
            let out = wait_started(&c, &task, None, &policy, &progress).await?;
            if !out.success {
                return Err(Error::internal(format!(
                    "Could not define domain: {}",
                    out.error
                )));
            }
            Ok(out.result)
        })?;
        let found = match result {
            Some(Value::ManagedObjectReference(m)) => self.domain_by_moref(&m)?,
            _ => None,
        };
        match found {
            Some(d) => Ok(d),
            None => self.domain_lookup_by_name(&def.name),
        }
    }

    /// Converts a native config to domain XML (`virConnectDomainXMLFromNative`); the only
    /// format is `vmware-vmx`. The config is the file's bytes: its `.encoding` decides how
    /// they read (see [`esxvirt_vmx::VmxFile`]).
    pub fn domain_xml_from_native(&self, format: &str, config: &[u8]) -> Result<String> {
        if format != VMWARE_VMX {
            return Err(Error::invalid_arg(format!(
                "Unsupported config format '{format}'"
            )));
        }
        let vmx = super::xml::read_vmx(config)?;
        let resolver = FileNameResolver {
            vmx_dir: "[?] ?".to_string(),
            datastores: self.datastore_mounts()?,
        };
        let parse = |name: &str, allow_missing: bool| resolver.parse(name, allow_missing);
        let pctx = esxvirt_vmx::ParseContext::new(&parse);
        let def = esxvirt_vmx::vmx_file_to_domain(&vmx, &pctx).map_err(vmx_err)?;
        Ok(def.to_xml_with(esxvirt_xml::domain::FormatOptions {
            secure: false,
            inactive: true,
        }))
    }

    /// Converts domain XML to a native config (`virConnectDomainXMLToNative`); the only format
    /// is `vmware-vmx`.
    pub fn domain_xml_to_native(&self, format: &str, xml: &str) -> Result<String> {
        if format != VMWARE_VMX {
            return Err(Error::invalid_arg(format!(
                "Unsupported config format '{format}'"
            )));
        }
        let def = parse_definition(xml)?;
        self.to_vmx(&def)
    }
}
