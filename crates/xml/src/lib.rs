//! libvirt XML models: parse and format byte for byte as libvirt 9.0 does.
