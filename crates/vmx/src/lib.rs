//! VMX files and their conversion to and from libvirt domain XML.
//!
//! * [`file`]: the VMX file format itself ([`VmxFile`]: parse, typed getters, edit, format),
//!   independent of libvirt; the simulator reads and writes `.vmx` files with it.
//! * [`vmx_to_domain`] / [`domain_to_vmx`]: the conversion with libvirt 9.0's semantics. The
//!   caller supplies the file-name resolvers, the SCSI controller model autodetection and the
//!   datacenter path through [`ParseContext`] and [`FormatContext`]. [`vmx_to_domain`] takes
//!   the file's bytes and lets its `.encoding` decide how to read them.
//! * [`VmxError`]: every failure with libvirt's error class and message ([`error`]).
//!
//! ```
//! use esxvirt_vmx::{vmx_to_domain, ParseContext};
//! let resolve = |name: &str, _allow_missing: bool| -> Result<Option<String>, String> {
//!     Ok(Some(format!("[datastore] vm/{name}")))
//! };
//! let ctx = ParseContext::new(&resolve);
//! let domain = vmx_to_domain(
//!     "config.version = \"8\"\nvirtualHW.version = \"4\"\ndisplayName = \"test\"\n",
//!     &ctx,
//! )
//! .unwrap();
//! assert_eq!(domain.name, "test");
//! ```

mod class;
pub mod context;
mod diskname;
pub mod error;
pub mod file;
pub mod format;
pub mod parse;
mod scan;

pub use context::{
    AutodetectScsiModel, FormatContext, FormatFileName, ParseContext, ParseFileName,
};
pub use diskname::index_to_disk_name;
pub use error::{CallbackError, ErrorClass, VmxError};
pub use file::{VmxFile, VmxFileError, MAX_VMX_ENTRIES, MAX_VMX_KEY_LEN, MAX_VMX_SIZE};
pub use format::domain_to_vmx;
pub use parse::{vmx_bytes_to_domain, vmx_file_to_domain, vmx_to_domain};
