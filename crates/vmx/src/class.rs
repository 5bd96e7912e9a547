//! libvirt's error classes ([`ErrorClass`]), shared by the VMX reader ([`crate::file`]) and
//! the conversion errors ([`crate::error`]). The type is the domain XML reader's, so that an
//! error from either carries the same class.

pub use esxvirt_xml::ErrorClass;
