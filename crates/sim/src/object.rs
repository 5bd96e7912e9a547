//! The contract between the simulator's core (SOAP server, sessions, property collector,
//! tasks) and its world model (inventory objects and their methods).
//!
//! The core owns the service objects (`ServiceInstance`, `SessionManager`,
//! `PropertyCollector`, `PropertyFilter`, `ViewManager`, `ContainerView`, `TaskManager`,
//! `Task`). Every other managed object lives in the world, which implements [`Inventory`]:
//! the core asks it for property values (the property collector, traversal specs and
//! container views only ever go through [`Inventory::property`]) and hands it every method
//! call on its objects.
//!
//! Concurrency: the world sits behind one `RwLock`. Reads (property retrieval) take it
//! shared; method calls and `/folder` writes take it exclusively, so an `Inventory` method
//! never has to lock anything itself. After every successful [`Inventory::invoke`] of a
//! method that is not a pure read, the core bumps the property collector's version (waking
//! `WaitForUpdatesEx`) and saves the state file if one is configured; objects need not
//! report their changes.

use std::path::Path;

use crate::fault::Fault;
use crate::soap::Element;
use crate::task::Tasks;
use crate::value::{MoRef, Value};

/// What a property read or a method call answers: a value, nothing (an unset property, a
/// void method) or a fault.
pub type Reply = Result<Option<Value>, Fault>;

/// Which kind of server the simulator plays (decided by `about.apiType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A standalone ESX host: apiType `HostAgent`, productLineId `embeddedEsx`.
    Esx,
    /// A vCenter: apiType `VirtualCenter`, productLineId `vpx`.
    VCenter,
}

/// What a method handler gets besides the world itself.
pub struct CallCx<'a> {
    /// The task store: create tasks, complete them now or later (see [`Tasks`]).
    pub tasks: &'a mut Tasks,
    /// The logged-in user making the call (for `TaskInfo.reason` and such).
    pub user: &'a str,
    /// Whether the simulator plays ESX or vCenter.
    pub mode: Mode,
}

/// An HTTP request on `/folder/...` (datastore files) or `/screen` forwarded to the world.
#[derive(Debug)]
pub struct FileRequest<'a> {
    /// `GET`, `HEAD`, `PUT`, `DELETE` ...
    pub method: &'a str,
    /// The path after `/folder/`, still percent-encoded (empty for `/screen`).
    pub path: &'a str,
    /// The raw query string without `?` (`dcPath=..&dsName=..`, or `id=..` for `/screen`).
    pub query: &'a str,
    /// The request body (uploads).
    pub body: &'a [u8],
    /// The `Range` header of a GET (`bytes=FIRST-[LAST]`, `bytes=-SUFFIX`), if any.
    pub range: Option<&'a str>,
}

/// The answer to a [`FileRequest`].
#[derive(Debug, Clone, PartialEq)]
pub struct FileResponse {
    /// HTTP status code.
    pub status: u16,
    /// `Content-Type` header value.
    pub content_type: String,
    /// The body (empty for HEAD; the core sets Content-Length from `content_length`).
    pub body: Vec<u8>,
    /// Content-Length to announce (HEAD answers announce the file size with an empty body).
    pub content_length: Option<u64>,
    /// `Content-Range` of a partial answer (206) or of a 416.
    pub content_range: Option<String>,
    /// When set, the body is this part of a file, read as it is sent (`body` is empty), so
    /// a disk of gigabytes is never held in memory.
    pub file: Option<FileSlice>,
}

/// A part of a file to send as a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSlice {
    pub path: std::path::PathBuf,
    pub offset: u64,
    pub len: u64,
}

impl FileResponse {
    /// A plain-text answer with `status`.
    pub fn status(status: u16, text: &str) -> FileResponse {
        FileResponse {
            status,
            content_type: "text/plain".into(),
            body: text.as_bytes().to_vec(),
            content_length: None,
            content_range: None,
            file: None,
        }
    }
}

/// The world model as the core sees it. Implemented by `inventory::World`.
pub trait Inventory: Send + Sync + 'static {
    /// `AboutInfo` for `ServiceContent.about` (a `Value::Obj` of type `AboutInfo`); its
    /// `apiType` decides the [`Mode`].
    fn about(&self) -> Value;

    /// The root folder (`ServiceContent.rootFolder`): `ha-folder-root` on ESX, `group-d1`
    /// on vCenter.
    fn root_folder(&self) -> MoRef;

    /// Whether `obj` exists in the world.
    fn exists(&self, obj: &MoRef) -> bool;

    /// The value of property `path` of `obj`. `path` may be dotted (`runtime.powerState`,
    /// `config.hardware.memoryMB`): answer it directly when cheap, or build the first
    /// segment and use [`Value::into_path`] for the rest. `Ok(None)` = unset (the property
    /// exists but has no value); `Err(ManagedObjectNotFound)` for an unknown object;
    /// `Err(InvalidProperty)` for a path the type does not have.
    fn property(&self, obj: &MoRef, path: &str) -> Reply;

    /// The top-level property names of `obj`'s type, for `PropertySpec.all = true`.
    fn property_names(&self, obj: &MoRef) -> Vec<&'static str>;

    /// A version of the world now, for [`Inventory::unchanged_since`]; `None` (the
    /// default) when the world does not follow its changes.
    fn change_stamp(&self) -> Option<u64> {
        None
    }

    /// Whether every property of `obj` certainly has the value it had when
    /// [`Inventory::change_stamp`] said `stamp` (the property collector then does not read
    /// it again). The default: never certain.
    fn unchanged_since(&self, _obj: &MoRef, _stamp: u64) -> bool {
        false
    }

    /// Calls `method` on `this` with the arguments in `args` (the method's request element:
    /// its children are the parameters, `_this` included). `Ok(None)` for a void method.
    /// A `*_Task` method returns the `Task` reference it created in `cx.tasks`.
    fn invoke(&mut self, cx: &mut CallCx<'_>, this: &MoRef, method: &str, args: &Element) -> Reply;

    /// Serves `/folder/...` (datastore file access).
    fn http_folder(&mut self, req: &FileRequest<'_>) -> FileResponse;

    /// Serves `/screen?id=VMID` (a PNG of the VM's console).
    fn http_screen(&self, req: &FileRequest<'_>) -> FileResponse;

    /// Re-creates tasks that must outlive the process that started them (a power-on
    /// blocked by a question, after the world was loaded from a state file). Called once,
    /// before serving. The default does nothing.
    fn restore_tasks(&mut self, _tasks: &mut Tasks, _user: &str) {}

    /// Whether `ServiceContent` names every manager the simulator serves, those libvirt's
    /// ESX driver does not know included (see `crate::service`). The default: no.
    fn lists_all_managers(&self) -> bool {
        false
    }

    /// Writes the world to a state file (called after every change when one is configured).
    fn save_state(&self, path: &Path) -> Result<(), String>;

    /// Replaces the world with the state file's (another process changed it since this
    /// world was loaded or saved). The default cannot.
    fn load_state(&mut self, path: &Path) -> Result<(), String> {
        Err(format!("cannot reload the state file {}", path.display()))
    }
}

/// Whether a method name is a pure read (no world change, no version bump, no save).
pub fn is_read_only_method(method: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "Retrieve", "Find", "Query", "Browse", "Search", "Current", "Fetch", "Validate", "Check",
        "Acquire",
    ];
    PREFIXES.iter().any(|p| method.starts_with(p)) && !method.starts_with("SearchDatastore")
}
