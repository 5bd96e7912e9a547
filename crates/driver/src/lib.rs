//! esxvirt-driver: libvirt's ESX driver over the vSphere API.
//!
//! A [`Connection`] is opened from a libvirt URI (`esx://`, `gsx://`, `vpx://`, or `sim:///`
//! with a caller-supplied [`SimStarter`]); it holds one vSphere session. Objects are handles
//! borrowed from the connection — [`Domain`], [`DomainSnapshot`], [`Network`], [`Interface`],
//! [`StoragePool`], [`StorageVol`] — with methods named after libvirt's C API
//! (`virDomainGetInfo` is [`Domain::get_info`]). Flags take libvirt's values
//! ([`flags`]). Errors display as the one line virsh prints after `error: `.
//!
//! Beyond libvirt's ESX driver: volume data transfers ([`StorageVol::download`],
//! [`StorageVol::upload`], see [`vol_transfer`]) streamed over the datastore HTTP interface.
//!
//! The driver depends on the SOAP client (esxvirt-vi), the VMX converter (esxvirt-vmx) and
//! the XML models (esxvirt-xml); it never depends on the simulator.

pub mod auth;
pub mod connection;
pub mod domain;
mod engine;
pub mod error;
pub mod file_names;
pub mod flags;
pub mod interface;
pub mod inventory_path;
mod iscsi;
mod md5;
pub mod network;
pub mod product;
pub mod session_cache;
pub mod snapshot;
pub mod snapshot_tree;
pub mod storage;
mod tasks;
pub mod types;
pub mod uri;
pub mod urls;
pub mod vm_info;
mod vmx_synth;
pub mod vol_transfer;

pub use auth::{AuthCallback, CredentialRequest, Credentials, Password};
pub use connection::{Connection, OpenOptions, SimEndpoint, SimStarter};
pub use domain::{format_uuid, parse_uuid, Domain};
pub use error::{Error, ErrorCode, Result};
pub use interface::Interface;
pub use network::Network;
pub use snapshot::DomainSnapshot;
pub use storage::{PoolBackend, StoragePool, StorageVol};
pub use types::*;
pub use uri::{Proxy, ProxyType, Scheme, SimTarget, Transport, Uri, UriParams, VCenter};
pub use vol_transfer::Progress;
