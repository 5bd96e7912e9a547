//! esxvirt-driver: libvirt's ESX driver over the vSphere API.
//!
//! A [`Connection`] is opened from a libvirt URI (`esx://`, `gsx://`, `vpx://`, or `sim:///`
//! with a caller-supplied [`SimStarter`]); it holds one vSphere session (two for an esx://
//! URI with `vcenter=`: the host's and that of the vCenter managing it, through which
//! destroy, undefine and migrate go, as in libvirt). Objects are handles
//! borrowed from the connection — [`Domain`], [`DomainSnapshot`], [`Network`], [`Interface`],
//! [`StoragePool`], [`StorageVol`] — with methods named after libvirt's C API
//! (`virDomainGetInfo` is [`Domain::get_info`]). Flags take libvirt's values
//! ([`flags`]). Errors display as the one line virsh prints after `error: `.
//!
//! Beyond libvirt: [`Connection::list_all_domains_all_hosts`] lists the domains of every
//! host of a vCenter (each a [`HostDomain`]: the domain and its host's name) in one paged
//! retrieval, where libvirt's vpx:// listing shows the URI's host only.
//!
//! Beyond libvirt's ESX driver: lifecycle events ([`Connection::domain_events`], a
//! [`DomainEventStream`] of [`DomainEvent`]s, see [`events`]).
//!
//! Beyond libvirt's ESX driver: volume data transfers ([`StorageVol::download`],
//! [`StorageVol::upload`], see [`vol_transfer`]) streamed over the datastore HTTP interface.
//!
//! The driver depends on the SOAP client (esxvirt-vi), the VMX converter (esxvirt-vmx) and
//! the XML models (esxvirt-xml); it never depends on the simulator.

pub mod all_hosts;
pub mod auth;
pub mod connection;
pub mod domain;
mod engine;
pub mod error;
pub mod events;
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
pub mod stats;
pub mod storage;
mod tasks;
pub mod trust;
pub mod types;
pub mod uri;
pub mod urls;
mod vcenter;
pub mod vm_info;
mod vmx_synth;
pub mod vol_transfer;

pub use all_hosts::HostDomain;
pub use auth::{AuthCallback, CredentialRequest, Credentials, Password};
pub use connection::{Connection, OpenOptions, SimEndpoint, SimStarter};
pub use domain::{format_uuid, parse_uuid, Domain};
pub use error::{Error, ErrorCode, Result};
pub use events::{DomainEvent, DomainEventStream, EventWait, Lifecycle};
pub use interface::Interface;
pub use network::Network;
pub use snapshot::DomainSnapshot;
pub use stats::DomainStatsRecord;
pub use storage::{PoolBackend, StoragePool, StorageVol};
pub use types::*;
pub use uri::{Proxy, ProxyType, Scheme, SimTarget, Transport, Uri, UriParams, VCenter};
pub use vol_transfer::Progress;
