//! VMX files and their conversion to and from libvirt domain XML.
//!
//! * [`file`]: the VMX file format itself ([`VmxFile`]: parse, typed getters, edit, format),
//!   independent of libvirt; the simulator reads and writes `.vmx` files with it.

pub mod file;

pub use file::{VmxFile, VmxFileError, MAX_VMX_ENTRIES, MAX_VMX_KEY_LEN, MAX_VMX_SIZE};
