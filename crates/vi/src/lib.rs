//! vSphere (VI) SOAP client for esxvirt.
//!
//! The VI types and methods the project uses are described once in `schema/vim.schema`;
//! `build.rs` runs `esxvirt-vi-codegen` to generate the Rust types (with `AnyX` enums for
//! polymorphic types and [`Value`] for `xsd:anyType`), their SOAP XML encoding and
//! decoding, request structs for servers, and typed async calls on [`Client`] (one per
//! method, snake_case: `client.retrieve_properties_ex(..)`, `client.power_on_vm_task(..)`).
//! Everything else is hand-written: [`codec`] (XML runtime), `transport` (HTTP/1.1, TLS,
//! proxies), `trust` (which certificates are trusted), [`thumbprint`], [`pinning`], [`client`] (session), [`property`] (property collector helpers), [`task`]
//! (waiting for tasks, VM questions), [`fault`] and [`error`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), esxvirt_vi::Error> {
//! use esxvirt_vi::{Client, ClientConfig, QuestionPolicy};
//! let mut cfg = ClientConfig::new("https://esx.example:443/sdk");
//! cfg.no_verify = true;
//! let client = Client::connect(cfg).await?;          // RetrieveServiceContent
//! println!("{}", client.about().full_name);
//! client.login("root", "secret").await?;            // SessionManager.Login
//! let root = client.service_content().root_folder.clone();
//! let mut pages = client.retrieve_objects(&root, "VirtualMachine", &["name", "runtime.powerState"], 500);
//! while let Some(page) = pages.next_page().await? {
//!     for vm in page {
//!         println!("{} {:?}", vm.obj, vm.get("name"));
//!     }
//! }
//! # let vm = esxvirt_vi::ManagedObjectReference::new("VirtualMachine", "1");
//! let task = client.power_on_vm_task(&vm, None).await?;
//! client.wait_for_task(&task, &QuestionPolicy { auto_answer: false }).await?;
//! client.close().await?;                             // Logout
//! # Ok(()) }
//! ```
//!
//! Public API summary (stable for the driver and the simulator):
//! - [`ClientConfig`] { url, no_verify, ca_file, pins: Vec<[`Pin`]>, trust_advice,
//!   proxy: Option<[`Proxy`]>, connect_timeout, request_timeout, max_response_bytes }; [`Client::connect`], [`Client::service_content`],
//!   [`Client::about`], [`Client::login`], [`Client::logout`], [`Client::close`],
//!   [`Client::request_count`], [`Client::session_cookie`], [`Client::with_session_cookie`],
//!   [`Client::saved_session`] / [`Client::resume`] (no request at all), [`Client::set_credentials`];
//!   [`Client::for_well_known`] ([`WellKnown`]: log in without RetrieveServiceContent) with
//!   [`Client::adopt_service_content`] once a retrieval brought the `content` property.
//! - Files: [`Client::get_file`], [`Client::put_file`], [`datastore_file_path`]; streamed
//!   (bounded memory, for disks): [`Client::get_file_stream`] ([`ByteRange`] as HTTP
//!   `Range`) giving a [`FileDownload`], [`Client::put_file_stream`] giving a [`FileUpload`].
//! - Property collector: [`Client::retrieve_paged`], [`Client::retrieve_objects`],
//!   [`Client::object_properties`], [`Client::container_view_objects`],
//!   [`Client::find_by_inventory_path`] etc. (generated SearchIndex calls); [`ObjectContent::get`].
//! - Tasks: [`Client::wait_for_task`], [`Client::check_question`], [`QuestionPolicy`].
//! - Certificate trust: [`ClientConfig`]'s `ca_file` (instead of the system roots) and
//!   `pins`; [`Pin`], [`KnownHosts`] (govc's known-hosts files),
//!   [`Thumbprints`] (SHA-1, SHA-256), [`peer_thumbprints`]; a refused certificate's
//!   thumbprints in [`Error::refused_certificate`].
//! - Errors: [`Error`] (one line each), [`Fault`] (typed SOAP faults).
//! - Servers: [`soap::decode_request`], [`soap::encode_response`], [`soap::encode_fault`],
//!   [`Request`], [`METHODS`].

pub mod client;
pub mod codec;
pub mod error;
pub mod fault;
mod generated;
pub mod pinning;
pub mod property;
pub mod soap;
pub mod stream;
pub mod task;
pub mod thumbprint;
mod transport;
mod trust;
pub mod wirelog;

pub use client::{datastore_file_path, decode_xml, Client, ClientConfig, SavedSession, WellKnown};
pub use codec::{DecodeError, ManagedObjectReference};
pub use error::{BlockedTask, Error, QuestionError};
pub use fault::Fault;
pub use generated::*;
pub use pinning::{peer_thumbprints, KnownHosts};
pub use property::Pages;
pub use stream::{ByteRange, FileDownload, FileUpload};
pub use task::QuestionPolicy;
pub use thumbprint::{Pin, Thumbprints};
pub use transport::{Proxy, ProxyKind};
