//! What the caller supplies to a conversion: how file names map between the VMX world
//! (`/vmfs/volumes/DS/dir/file.vmdk`) and the domain XML world (`[DS] dir/file.vmdk`), how to
//! pick a SCSI controller model, and the datacenter the VM lives in.
//!
//! Each callback is a trait with a blanket implementation for closures, so a caller can pass
//! `&|name: &str, allow_missing: bool| ...` directly. A callback's error is a
//! [`CallbackError`] (libvirt's class and message, reported unchanged as the conversion's
//! error); closures may return a plain `String` instead, which reads as an `internal error`.

use esxvirt_xml::domain::{Disk, ScsiModel};

use crate::error::CallbackError;

/// Maps a file name found in a VMX file to the `<source>` of the domain XML.
pub trait ParseFileName {
    /// Returns the XML path for `file_name`. `Ok(None)` means "the file is missing", which the
    /// resolver may only answer when `allow_missing` is true (CD-ROM images); the device then
    /// keeps no source.
    fn parse_file_name(
        &self,
        file_name: &str,
        allow_missing: bool,
    ) -> Result<Option<String>, CallbackError>;
}

impl<F, E> ParseFileName for F
where
    F: Fn(&str, bool) -> Result<Option<String>, E>,
    E: Into<CallbackError>,
{
    fn parse_file_name(
        &self,
        file_name: &str,
        allow_missing: bool,
    ) -> Result<Option<String>, CallbackError> {
        self(file_name, allow_missing).map_err(Into::into)
    }
}

/// Maps a `<source>` path of the domain XML to the file name written into the VMX file.
pub trait FormatFileName {
    /// Returns the VMX file name for `src`.
    fn format_file_name(&self, src: &str) -> Result<String, CallbackError>;
}

impl<F, E> FormatFileName for F
where
    F: Fn(&str) -> Result<String, E>,
    E: Into<CallbackError>,
{
    fn format_file_name(&self, src: &str) -> Result<String, CallbackError> {
        self(src).map_err(Into::into)
    }
}

/// Finds the SCSI controller model a disk needs (ESX: from the disk image's adapter type).
/// Asked only for controllers whose XML model is `auto`.
pub trait AutodetectScsiModel {
    /// The model for the controller `disk` hangs off.
    fn autodetect_scsi_model(&self, disk: &Disk) -> Result<ScsiModel, CallbackError>;
}

impl<F, E> AutodetectScsiModel for F
where
    F: Fn(&Disk) -> Result<ScsiModel, E>,
    E: Into<CallbackError>,
{
    fn autodetect_scsi_model(&self, disk: &Disk) -> Result<ScsiModel, CallbackError> {
        self(disk).map_err(Into::into)
    }
}

/// Context for [`crate::vmx_to_domain`].
#[derive(Clone, Copy)]
pub struct ParseContext<'a> {
    /// Resolves every file name of the VMX file (disks, CD-ROM and floppy images, serial and
    /// parallel port files).
    pub file_names: &'a dyn ParseFileName,
    /// The datacenter path (with folders), written as `<vmware:datacenterpath>`.
    pub datacenter_path: Option<&'a str>,
    /// The VM's managed object id, written as `<vmware:moref>`.
    pub moref: Option<&'a str>,
}

impl<'a> ParseContext<'a> {
    /// A context with only a resolver.
    pub fn new(file_names: &'a dyn ParseFileName) -> Self {
        ParseContext {
            file_names,
            datacenter_path: None,
            moref: None,
        }
    }
}

/// Context for [`crate::domain_to_vmx`].
#[derive(Clone, Copy)]
pub struct FormatContext<'a> {
    /// Resolves every `<source>` path into a VMX file name.
    pub file_names: &'a dyn FormatFileName,
    /// Picks the model of SCSI controllers given as `model='auto'`; without it such a
    /// controller is an error.
    pub autodetect_scsi_model: Option<&'a dyn AutodetectScsiModel>,
}

impl<'a> FormatContext<'a> {
    /// A context with only a resolver.
    pub fn new(file_names: &'a dyn FormatFileName) -> Self {
        FormatContext {
            file_names,
            autodetect_scsi_model: None,
        }
    }
}
