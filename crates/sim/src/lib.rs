//! esxsim: a vSphere simulator serving a standalone ESX host (HostAgent) or a vCenter
//! (VirtualCenter) over HTTP(S), faithful enough for libvirt's ESX driver, pyVmomi and this
//! project's own client.
//!
//! Layout: [`value`] (SOAP data values and their encoding), [`soap`] (envelopes, the parsed
//! request tree), [`fault`] (typed vSphere faults), [`object`] (the contract between this
//! core and the world model), [`task`] (Task objects).

pub mod fault;
pub mod object;
pub mod soap;
pub mod task;
pub mod value;
pub mod inject;
pub mod session;
pub mod stats;
