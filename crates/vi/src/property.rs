//! Property collector helpers: building specs (property specs and traversal steps from the
//! generated property paths), paged retrieval (RetrievePropertiesEx with maxObjects, then
//! ContinueRetrievePropertiesEx, page by page), the properties of one object, every object
//! of a type under an inventory root (one traversal, one request per page), container views,
//! and typed values out of a retrieved object.

use crate::client::Client;
use crate::codec::ManagedObjectReference;
use crate::error::Error;
use crate::fault::Fault;
use crate::prop_path::PropPath;
use crate::props::{
    cluster_compute_resource, compute_resource, container_view, datacenter, folder, host_system,
    resource_pool, virtual_app,
};
use crate::types::{
    AnySelectionSpec, FromValue, ObjectContent, ObjectSpec, PropertyFilterSpec, PropertySpec,
    RetrieveOptions, SelectionSpec, TraversalSpec, Value,
};

impl ObjectContent {
    /// The value of property `name`, if the server returned it.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.prop_set
            .iter()
            .find(|p| p.name == name)
            .map(|p| &p.val)
    }

    /// Takes property `name` out of the object.
    pub fn take(&mut self, name: &str) -> Option<Value> {
        let i = self.prop_set.iter().position(|p| p.name == name)?;
        Some(self.prop_set.swap_remove(i).val)
    }

    /// Takes property `name` as a `T` (`None` when absent or of another type).
    pub fn take_as<T: FromValue>(&mut self, name: &str) -> Option<T> {
        self.take(name).and_then(|v| T::from_value(v).ok())
    }

    /// The value of `path`, typed (`None` when absent, unset or of another type).
    pub fn get_prop<T: FromValue>(&self, path: PropPath<T>) -> Option<T> {
        self.get(path.path()).and_then(|v| path.decode(v.clone()))
    }

    /// Takes the value of `path` out of the object, typed.
    pub fn take_prop<T: FromValue>(&mut self, path: PropPath<T>) -> Option<T> {
        self.take(path.path()).and_then(|v| path.decode(v))
    }
}

impl Value {
    /// The string, for string-like values (string, dateTime, base64, enumerations).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) | Value::DateTime(s) | Value::Base64Binary(s) | Value::AnyUri(s) => {
                Some(s)
            }
            other => other.enum_str(),
        }
    }

    /// The number, for integer values.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(v) => Some(*v as i64),
            Value::Long(v) => Some(*v),
            Value::Short(v) => Some(*v as i64),
            Value::Byte(v) => Some(*v as i64),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The boolean, for boolean values.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    /// The reference, for managed object reference values.
    pub fn as_moref(&self) -> Option<&ManagedObjectReference> {
        match self {
            Value::ManagedObjectReference(m) => Some(m),
            _ => None,
        }
    }
}

/// A NotAuthenticated fault reported for a property (how some servers answer a read
/// without a valid session).
fn session_fault(objects: &[ObjectContent]) -> Option<Fault> {
    objects
        .iter()
        .flat_map(|o| o.missing_set.iter())
        .find_map(|m| {
            let f = Fault::new(
                m.fault.fault.type_name(),
                Some(&m.fault.fault),
                m.fault.localized_message.as_deref().unwrap_or(""),
            );
            matches!(f, Fault::NotAuthenticated { .. }).then_some(f)
        })
}

enum PageState {
    Start,
    Token(String),
    Done,
}

/// A paged retrieval in progress: call [`Pages::next_page`] until it returns `None`.
/// Dropping it early leaves the server's result set to expire; [`Pages::cancel`] frees it.
pub struct Pages {
    client: Client,
    specs: Vec<PropertyFilterSpec>,
    max_objects: u32,
    state: PageState,
}

impl Pages {
    /// The next page of objects (`None` when all were returned).
    pub async fn next_page(&mut self) -> Result<Option<Vec<ObjectContent>>, Error> {
        let result = match std::mem::replace(&mut self.state, PageState::Done) {
            PageState::Done => return Ok(None),
            PageState::Start => {
                let options = RetrieveOptions {
                    max_objects: (self.max_objects > 0).then_some(self.max_objects as i32),
                };
                let mut r = self
                    .client
                    .retrieve_properties_ex(&self.specs, &options)
                    .await?;
                if let Some(f) = r.as_ref().and_then(|r| session_fault(&r.objects)) {
                    // Property-level NotAuthenticated: the session expired. Renew it and
                    // read again (once), as for a NotAuthenticated fault.
                    if !self.client.relogin().await? {
                        return Err(Error::Fault(f));
                    }
                    r = self
                        .client
                        .retrieve_properties_ex(&self.specs, &options)
                        .await?;
                    if let Some(f) = r.as_ref().and_then(|r| session_fault(&r.objects)) {
                        return Err(Error::Fault(f));
                    }
                }
                r
            }
            PageState::Token(t) => Some(self.client.continue_retrieve_properties_ex(&t).await?),
        };
        let Some(result) = result else {
            return Ok(None);
        };
        if let Some(t) = result.token.filter(|t| !t.is_empty()) {
            self.state = PageState::Token(t);
        }
        Ok(Some(result.objects))
    }

    /// Frees the server's remaining results (CancelRetrievePropertiesEx), if any.
    pub async fn cancel(mut self) -> Result<(), Error> {
        if let PageState::Token(t) = std::mem::replace(&mut self.state, PageState::Done) {
            self.client.cancel_retrieve_properties_ex(&t).await?;
        }
        Ok(())
    }

    /// Every remaining object, all pages concatenated.
    pub async fn collect_all(mut self) -> Result<Vec<ObjectContent>, Error> {
        let mut out = Vec::new();
        while let Some(page) = self.next_page().await? {
            out.extend(page);
        }
        Ok(out)
    }
}

/// A traversal step named `name` along `path` (from the path's owner type), going on with
/// the selections named `select`.
pub fn traverse<T>(name: &str, path: PropPath<T>, select: &[&str]) -> AnySelectionSpec {
    TraversalSpec {
        base: SelectionSpec {
            name: Some(name.into()),
        },
        type_: path.owner().into(),
        path: path.path().into(),
        skip: Some(false),
        select_set: select
            .iter()
            .map(|s| {
                SelectionSpec {
                    name: Some((*s).into()),
                }
                .into()
            })
            .collect(),
    }
    .into()
}

/// A property spec: `paths` of the objects of type `type_`.
pub fn property_spec(type_: &str, paths: &[&str]) -> PropertySpec {
    PropertySpec {
        type_: type_.into(),
        all: Some(false),
        path_set: paths.iter().map(|s| (*s).to_string()).collect(),
    }
}

/// Traversal specs reaching every inventory object below a root of type `root_type`.
pub fn inventory_traversal(root_type: &str) -> Vec<AnySelectionSpec> {
    const FROM_FOLDER: &[&str] = &[
        "visitFolders",
        "dcToVmFolder",
        "dcToHostFolder",
        "dcToDsFolder",
        "dcToNetFolder",
        "crToHost",
        "crToRp",
        "rpToRp",
        "vappToVm",
    ];
    let below_host = || {
        [
            traverse("hToVm", host_system::VM, &[]),
            traverse("hToDs", host_system::DATASTORE, &[]),
            traverse("hToNet", host_system::NETWORK, &[]),
        ]
    };
    let common = vec![
        traverse("visitFolders", folder::CHILD_ENTITY, FROM_FOLDER),
        traverse("dcToVmFolder", datacenter::VM_FOLDER, &["visitFolders"]),
        traverse("dcToHostFolder", datacenter::HOST_FOLDER, &["visitFolders"]),
        traverse(
            "dcToDsFolder",
            datacenter::DATASTORE_FOLDER,
            &["visitFolders"],
        ),
        traverse(
            "dcToNetFolder",
            datacenter::NETWORK_FOLDER,
            &["visitFolders"],
        ),
        traverse("crToHost", compute_resource::HOST, &[]),
        traverse("crToRp", compute_resource::RESOURCE_POOL, &["rpToRp"]),
        traverse("rpToRp", resource_pool::RESOURCE_POOL, &["rpToRp"]),
        traverse("vappToVm", virtual_app::VM, &[]),
    ];
    match root_type {
        // Below a host or cluster, VMs, datastores and networks hang off the hosts.
        host_system::TYPE => below_host().into(),
        compute_resource::TYPE | cluster_compute_resource::TYPE => {
            let mut v = vec![traverse(
                "crToHost",
                compute_resource::HOST,
                &["hToVm", "hToDs", "hToNet"],
            )];
            v.extend(below_host());
            v.push(traverse(
                "crToRp",
                compute_resource::RESOURCE_POOL,
                &["rpToRp"],
            ));
            v.push(traverse(
                "rpToRp",
                resource_pool::RESOURCE_POOL,
                &["rpToRp"],
            ));
            v
        }
        _ => common,
    }
}

impl Client {
    /// Starts a paged retrieval of `specs`, at most `max_objects` objects per page (0: the
    /// server's choice).
    pub fn retrieve_paged(&self, specs: Vec<PropertyFilterSpec>, max_objects: u32) -> Pages {
        Pages {
            client: self.clone(),
            specs,
            max_objects,
            state: PageState::Start,
        }
    }

    /// Properties `props` of every object of type `type_` below `root` (a Folder,
    /// Datacenter, ComputeResource or HostSystem), in pages of `max_objects`. One request
    /// per page: the traversal needs no view.
    pub fn retrieve_objects(
        &self,
        root: &ManagedObjectReference,
        type_: &str,
        props: &[&str],
        max_objects: u32,
    ) -> Pages {
        let spec = PropertyFilterSpec {
            prop_set: vec![property_spec(type_, props)],
            object_set: vec![ObjectSpec {
                obj: root.clone(),
                skip: Some(false),
                select_set: inventory_traversal(&root.type_),
            }],
            report_missing_objects_in_results: None,
        };
        self.retrieve_paged(vec![spec], max_objects)
    }

    /// Properties `props` of one object (one request). A missing object gives the
    /// ManagedObjectNotFound fault.
    pub async fn object_properties(
        &self,
        obj: &ManagedObjectReference,
        props: &[&str],
    ) -> Result<ObjectContent, Error> {
        let spec = PropertyFilterSpec {
            prop_set: vec![property_spec(&obj.type_, props)],
            object_set: vec![ObjectSpec {
                obj: obj.clone(),
                skip: Some(false),
                select_set: vec![],
            }],
            report_missing_objects_in_results: None,
        };
        let mut objects = self.retrieve_paged(vec![spec], 0).collect_all().await?;
        match objects.iter().position(|o| o.obj.value == obj.value) {
            Some(i) => Ok(objects.swap_remove(i)),
            None => Err(Error::Fault(Fault::ManagedObjectNotFound {
                obj: Some(obj.clone()),
                message: String::new(),
            })),
        }
    }

    /// Properties of every `type_` object in `container` through a ContainerView
    /// (CreateContainerView, the retrieval pages, DestroyView).
    pub async fn container_view_objects(
        &self,
        container: &ManagedObjectReference,
        type_: &str,
        props: &[&str],
        recursive: bool,
        max_objects: u32,
    ) -> Result<Vec<ObjectContent>, Error> {
        let view = self
            .create_container_view(container, &[type_.to_string()], recursive)
            .await?;
        let spec = PropertyFilterSpec {
            prop_set: vec![property_spec(type_, props)],
            object_set: vec![ObjectSpec {
                obj: view.clone(),
                skip: Some(true),
                select_set: vec![traverse("traverseView", container_view::VIEW, &[])],
            }],
            report_missing_objects_in_results: None,
        };
        let result = self
            .retrieve_paged(vec![spec], max_objects)
            .collect_all()
            .await;
        let destroyed = self.destroy_view(&view).await;
        let objects = result?;
        destroyed?;
        Ok(objects)
    }
}
