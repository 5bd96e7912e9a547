//! `vmware-vmx` conversions without a host, for library callers that have none.
//!
//! esxvirt's `domxml-from-native` and `domxml-to-native` always convert through the
//! connection's host (the embedded simulator of `sim:///` too), as libvirt's ESX driver does:
//! it maps file names through the host's datastore mount points, reads a disk's adapter
//! type to pick a SCSI controller model, and picks the virtual hardware version from the
//! host's product version. Without a host, these documented defaults stand in:
//!
//! * VMX -> XML: a bare file name `F` becomes `[?] ?/F` (what libvirt produces too: the
//!   directory of a VMX given as text is unknown); `/vmfs/volumes/DS/PATH` becomes
//!   `[DS] PATH` (the datastore is assumed to exist; `/vmfs/volumes/UUID/...` mount paths
//!   cannot be mapped to a name offline, so UUID stays as the datastore name); any other
//!   absolute path stays as it is; anything else is an error. No datacenter path.
//! * XML -> VMX: `[DS] PATH` becomes `/vmfs/volumes/DS/PATH` (a malformed datastore path is
//!   libvirt's `invalid argument`); an absolute path stays; a SCSI controller without a
//!   model gets `lsilogic` (the adapter type a new ESX disk has); the virtual hardware
//!   version is [`OFFLINE_VIRTUAL_HW_VERSION`], which libvirt picks for every ESX host from
//!   7.0 on.

use esxvirt_vmx::context::{FormatContext, ParseContext};
use esxvirt_vmx::{CallbackError, ErrorClass};
use esxvirt_xml::domain::{Disk, Domain, ScsiModel};

/// The only native format the ESX driver knows.
pub const VMX_FORMAT: &str = "vmware-vmx";

/// The virtual hardware version used for `domxml-to-native` without a host.
pub const OFFLINE_VIRTUAL_HW_VERSION: u32 = 8;

/// A conversion error, displayed as the line after `error: `.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeError(pub String);

impl std::fmt::Display for NativeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn check_format(format: &str) -> Result<(), NativeError> {
    if format == VMX_FORMAT {
        Ok(())
    } else {
        Err(NativeError(format!(
            "invalid argument: Unsupported config format '{format}'"
        )))
    }
}

/// Maps a VMX file name to a domain XML source, offline (see the module documentation).
pub fn parse_file_name(name: &str, _allow_missing: bool) -> Result<Option<String>, String> {
    if !name.contains('/') && !name.contains('\\') {
        return Ok(Some(format!("[?] ?/{name}")));
    }
    if let Some(rest) = name.strip_prefix("/vmfs/volumes/") {
        let mut parts = rest.splitn(2, '/');
        let ds = parts.next().unwrap_or("");
        let path = parts.next().unwrap_or("");
        if ds.is_empty() || path.is_empty() {
            return Err(format!(
                "File name '{name}' doesn't have expected format '/vmfs/volumes/<datastore>/<path>'"
            ));
        }
        return Ok(Some(format!("[{ds}] {path}")));
    }
    if name.starts_with('/') {
        return Ok(Some(name.to_string()));
    }
    Err(format!("Could not handle file name '{name}'"))
}

/// Maps a domain XML source to a VMX file name, offline (see the module documentation).
pub fn format_file_name(src: &str) -> Result<String, CallbackError> {
    if src.starts_with('[') {
        let parsed = esxvirt_util::parse_datastore_path(src)
            .map_err(|e| CallbackError::new(ErrorClass::InvalidArg, e.to_string()))?;
        return Ok(format!(
            "/vmfs/volumes/{}/{}",
            parsed.datastore, parsed.directory_and_file
        ));
    }
    if src.starts_with('/') {
        return Ok(src.to_string());
    }
    Err(format!("Could not handle file name '{src}'").into())
}

/// VMX bytes (any `.encoding`) to domain XML, offline.
pub fn from_native(format: &str, vmx: &[u8]) -> Result<String, NativeError> {
    check_format(format)?;
    let resolver = |name: &str, allow_missing: bool| parse_file_name(name, allow_missing);
    let ctx = ParseContext::new(&resolver);
    let domain =
        esxvirt_vmx::vmx_bytes_to_domain(vmx, &ctx).map_err(|e| NativeError(e.to_string()))?;
    Ok(domain.to_xml())
}

/// Domain XML to VMX text, offline.
pub fn to_native(format: &str, xml: &str) -> Result<String, NativeError> {
    check_format(format)?;
    let domain = Domain::from_xml(xml).map_err(|e| NativeError(e.to_string()))?;
    let resolver = |src: &str| format_file_name(src);
    let autodetect = |_disk: &Disk| Ok::<ScsiModel, String>(ScsiModel::Lsilogic);
    let ctx = FormatContext {
        file_names: &resolver,
        autodetect_scsi_model: Some(&autodetect),
    };
    esxvirt_vmx::domain_to_vmx(&domain, &ctx, OFFLINE_VIRTUAL_HW_VERSION)
        .map_err(|e| NativeError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_file_names() {
        assert_eq!(
            parse_file_name("a.vmdk", false),
            Ok(Some("[?] ?/a.vmdk".into()))
        );
        assert_eq!(
            parse_file_name("/vmfs/volumes/ds1/vm/a.vmdk", false),
            Ok(Some("[ds1] vm/a.vmdk".into()))
        );
        assert_eq!(
            parse_file_name("/dev/cdrom", true),
            Ok(Some("/dev/cdrom".into()))
        );
        assert!(parse_file_name("/vmfs/volumes/ds1", false).is_err());
        assert!(parse_file_name("rel/a.vmdk", false).is_err());
        assert_eq!(
            format_file_name("[ds1] vm/a.vmdk"),
            Ok("/vmfs/volumes/ds1/vm/a.vmdk".into())
        );
        assert_eq!(format_file_name("/iso/x.iso"), Ok("/iso/x.iso".into()));
        assert!(format_file_name("x.iso").is_err());
        assert_eq!(
            format_file_name("[] x").unwrap_err().to_string(),
            "invalid argument: Datastore path '[] x' doesn't have expected format '[<datastore>] <path>'"
        );
        assert_eq!(format_file_name("[ds1]"), Ok("/vmfs/volumes/ds1/".into()));
    }

    #[test]
    fn malformed_datastore_path_is_an_invalid_argument() {
        let xml = "<domain type='vmware'><name>x</name><uuid>00000000-0000-0000-0000-000000000000</uuid><memory>65536</memory><os><type>hvm</type></os><devices><disk type='file' device='disk'><source file='[] x.vmdk'/><target dev='sda' bus='scsi'/></disk></devices></domain>";
        assert_eq!(
            to_native(VMX_FORMAT, xml).unwrap_err().0,
            "invalid argument: Datastore path '[] x.vmdk' doesn't have expected format '[<datastore>] <path>'"
        );
    }

    #[test]
    fn unsupported_format() {
        assert_eq!(
            from_native("qemu-argv", b"").unwrap_err().0,
            "invalid argument: Unsupported config format 'qemu-argv'"
        );
    }
}
