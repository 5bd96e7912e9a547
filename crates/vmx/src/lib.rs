//! VMX files and their conversion to and from libvirt domain XML.
