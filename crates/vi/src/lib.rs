//! vSphere (VI) SOAP client for esxvirt.
//!
//! The VI types and methods the project uses are described once in `schema/vim.schema`;
//! `build.rs` runs `esxvirt-vi-codegen` to generate three modules: the data types (`types`,
//! re-exported at the crate root: `AnyX` enums for polymorphic types, [`Value`] for
//! `xsd:anyType`, their SOAP XML encoding and decoding, request structs for servers), the
//! typed async calls on [`Client`] (`methods`: one per method, snake_case:
//! `client.retrieve_properties_ex(..)`, `client.power_on_vm_task(..)`), and the property
//! paths of every managed object type ([`props`]: `props::virtual_machine::RUNTIME_POWER_STATE`,
//! a [`PropPath`] that names the path and decodes its value).
//!
//! Everything else is hand-written. The modules, each depending only on those above it:
//! [`codec`] (XML runtime, [`ManagedObjectReference`]); the generated types; `prop_path`;
//! [`fault`]; [`thumbprint`]; [`error`]; `trust` (which certificates are trusted);
//! `transport` (HTTP/1.1, TLS, proxies); [`pinning`] (known-hosts files, peer thumbprints); [`soap`] (envelopes);
//! [`client`] (the connection and its session state, one SOAP call); the generated calls;
//! `session` (connect, login, logout); [`property`] (property collector helpers);
//! [`question`] (the VM question policy); [`task`] (waiting for tasks); [`stream`] (streamed
//! file transfers).
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
//! use esxvirt_vi::props::virtual_machine as vm;
//! let mut pages = client.retrieve_objects(&root, vm::TYPE, &[vm::NAME.path(), vm::RUNTIME_POWER_STATE.path()], 500);
//! while let Some(page) = pages.next_page().await? {
//!     for obj in page {
//!         println!("{} {:?}", obj.obj, obj.get_prop(vm::NAME));
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
//!   [`Client::find_by_inventory_path`] etc. (generated SearchIndex calls);
//!   [`ObjectContent::get_prop`]; [`property::traverse`], [`property::property_spec`].
//! - Tasks and questions: [`Client::wait_for_task`], [`Client::check_question`],
//!   [`Client::handle_question`], [`QuestionPolicy`], [`question::decide`].
//! - Certificate trust: [`ClientConfig`]'s `ca_file` (instead of the system roots) and
//!   `pins`; [`Pin`], [`KnownHosts`] (govc's known-hosts files),
//!   [`Thumbprints`] (SHA-1, SHA-256), [`peer_thumbprints`]; a refused certificate's
//!   thumbprints in [`Error::refused_certificate`].
//! - Errors: [`Error`] (one line each), [`Fault`] (typed SOAP faults); whether a failed
//!   request may have acted: [`Error::delivery`] ([`Delivery`]). Requests that may change
//!   the server are counted ([`Client::changes_sent`]; [`client::changes_nothing`] names the
//!   non-read calls that do not); a read whose connection broke is sent once more;
//!   [`Client::renew_session`] logs in again after a change was refused as not
//!   authenticated.
//! - Servers: [`soap::decode_request`], [`soap::encode_response`], [`soap::encode_fault`],
//!   [`Request`], [`METHODS`].

pub mod client;
pub mod codec;
pub mod error;
pub mod fault;
mod methods;
pub mod pinning;
mod prop_path;
pub mod property;
pub mod props;
pub mod question;
mod session;
pub mod soap;
pub mod stream;
pub mod task;
pub mod thumbprint;
mod transport;
mod trust;
mod types;
pub mod wirelog;

pub use client::{datastore_file_path, decode_xml, Client, ClientConfig, SavedSession, WellKnown};
pub use codec::{DecodeError, ManagedObjectReference};
pub use error::{BlockedTask, Delivery, Error, QuestionError};
pub use fault::Fault;
pub use pinning::{peer_thumbprints, KnownHosts};
pub use prop_path::PropPath;
pub use property::Pages;
pub use question::QuestionPolicy;
pub use stream::{ByteRange, FileDownload, FileUpload};
pub use thumbprint::{Pin, Thumbprints};
pub use transport::{Proxy, ProxyKind};
pub use types::*;
