//! The connection: opening (URI, credentials, session cache, the simulator hook), host
//! information, and the connection-level calls of every object kind.

use std::any::Any;
use std::sync::Arc;

use crate::auth::{AuthCallback, AuthConfig, Credentials};
use crate::domain::Domain;
use crate::error::{Error, Result};
use crate::interface::Interface;
use crate::network::Network;
use crate::storage::{StoragePool, StorageVol};
use crate::types::NodeInfo;
use crate::uri::{Scheme, SimTarget, Uri};

/// Starts the embedded simulator for `sim:///` URIs. The CLI implements it (the driver must
/// not depend on the simulator); the driver then connects to the returned endpoint over the
/// real wire path like to any host.
pub trait SimStarter: Send + Sync {
    /// Starts a simulator for `target` on a loopback port and returns where it listens.
    /// The error string is shown after `internal error: `.
    fn start(&self, target: &SimTarget) -> std::result::Result<SimEndpoint, String>;
}

/// A running simulator handed to the driver by a [`SimStarter`].
pub struct SimEndpoint {
    /// Its SOAP URL, e.g. `http://127.0.0.1:40123/sdk` (an `https` URL is connected without
    /// certificate verification: the simulator's certificate is self-signed).
    pub sdk_url: String,
    /// The user to log in as.
    pub username: String,
    /// The password.
    pub password: String,
    /// Kept alive as long as the connection; dropping it stops the simulator (and saves a
    /// `sim:///PATH.json` state).
    pub guard: Box<dyn Any + Send + Sync>,
}

impl std::fmt::Debug for SimEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimEndpoint")
            .field("sdk_url", &self.sdk_url)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// How to open a connection.
#[derive(Default, Clone)]
pub struct OpenOptions {
    /// Asks for credentials that neither the URI nor auth.conf give (the CLI prompts on a
    /// terminal). Without it, missing credentials are an error.
    pub auth: Option<Arc<dyn AuthCallback>>,
    /// Use the session cache (`$XDG_CACHE_HOME/esxvirt`): successive connections to the same
    /// URI and user reuse the session cookie and skip the login. Also off when the
    /// environment has `ESXVIRT_NO_SESSION_CACHE=1`, and always off for `sim:`.
    pub session_cache: bool,
    /// Starts the simulator for `sim:///` URIs; without it such URIs are an error.
    pub sim: Option<Arc<dyn SimStarter>>,
    /// Read-only connection (libvirt's VIR_CONNECT_RO): calls that change state fail.
    pub read_only: bool,
}

impl std::fmt::Debug for OpenOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenOptions")
            .field("auth", &self.auth.is_some())
            .field("session_cache", &self.session_cache)
            .field("sim", &self.sim.is_some())
            .field("read_only", &self.read_only)
            .finish()
    }
}

/// An open connection to an ESX host, a GSX server, a host through vCenter, or the embedded
/// simulator: one vSphere session, reused by every call.
pub struct Connection {
    pub(crate) uri: Uri,
    pub(crate) credentials: Option<Credentials>,
    pub(crate) _sim_guard: Option<Box<dyn Any + Send + Sync>>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("uri", &self.uri.to_connected_string())
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Opens a connection (`virConnectOpenAuth`): parses `uri`, resolves credentials (URI user,
    /// auth.conf, then the callback), reuses a cached session or logs in, checks the product
    /// (esx:// HostAgent, vpx:// VirtualCenter, gsx:// GSX) and, for vpx://, resolves the
    /// host path.
    pub fn open(uri: &str, options: &OpenOptions) -> Result<Connection> {
        let uri = Uri::parse(uri)?;
        Connection::open_uri(uri, options)
    }

    /// [`Connection::open`] with an already parsed URI.
    pub fn open_uri(uri: Uri, options: &OpenOptions) -> Result<Connection> {
        let mut sim_guard = None;
        let credentials = if uri.scheme == Scheme::Sim {
            let starter = options.sim.as_ref().ok_or_else(|| {
                Error::invalid_arg(format!(
                    "URI '{}' needs the embedded simulator, which this program does not provide",
                    uri.to_connected_string()
                ))
            })?;
            let target = uri.sim.clone().unwrap_or(SimTarget::Default);
            let endpoint = starter.start(&target).map_err(Error::internal)?;
            let creds = Credentials {
                username: endpoint.username.clone(),
                password: crate::auth::Password::new(endpoint.password.clone()),
            };
            sim_guard = Some(endpoint.guard);
            creds
        } else {
            let config = match crate::auth::auth_file_path(&uri) {
                Some(path) => Some(AuthConfig::load(&path)?),
                None => None,
            };
            crate::auth::resolve_credentials(
                &uri,
                &uri.host,
                config.as_ref(),
                options.auth.as_deref(),
            )?
        };
        let _ = (credentials, sim_guard);
        Err(Error::not_yet("connecting to a vSphere server"))
    }

    /// The connection's URI as libvirt reports it (`virConnectGetURI`, `virsh uri`).
    pub fn get_uri(&self) -> String {
        self.uri.to_connected_string()
    }

    /// The parsed URI.
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// The user the session belongs to.
    pub fn username(&self) -> Option<&str> {
        self.credentials.as_ref().map(|c| c.username.as_str())
    }

    /// The driver name (`virConnectGetType`): `ESX`.
    pub fn get_type(&self) -> &'static str {
        "ESX"
    }

    /// The server's product version as major * 1,000,000 + minor * 1,000 + release
    /// (`virConnectGetVersion`).
    pub fn get_version(&self) -> Result<u64> {
        Err(Error::not_yet("virConnectGetVersion"))
    }

    /// The host's DNS name, `hostName.domainName` (`virConnectGetHostname`).
    pub fn get_hostname(&self) -> Result<String> {
        Err(Error::not_yet("virConnectGetHostname"))
    }

    /// CPU, memory and NUMA figures of the host (`virNodeGetInfo`).
    pub fn node_get_info(&self) -> Result<NodeInfo> {
        Err(Error::not_yet("virNodeGetInfo"))
    }

    /// The capabilities XML (`virConnectGetCapabilities`).
    pub fn get_capabilities(&self) -> Result<String> {
        Err(Error::not_yet("virConnectGetCapabilities"))
    }

    /// Free host memory in bytes (`virNodeGetFreeMemory`, `virsh freecell`).
    pub fn node_get_free_memory(&self) -> Result<u64> {
        Err(Error::not_yet("virNodeGetFreeMemory"))
    }

    /// Whether the transport is encrypted (https).
    pub fn is_encrypted(&self) -> bool {
        self.uri.params.transport == crate::uri::Transport::Https
    }

    /// Whether the transport is secure (https).
    pub fn is_secure(&self) -> bool {
        self.is_encrypted()
    }

    /// Whether the session is still usable (`virConnectIsAlive`); no round trip.
    pub fn is_alive(&self) -> bool {
        true
    }

    /// `virConnectGetMaxVcpus`: the ESX driver does not implement it.
    pub fn get_max_vcpus(&self, _kind: Option<&str>) -> Result<i32> {
        Err(Error::no_support("virConnectGetMaxVcpus"))
    }

    /// Logs out and closes the connection (`virConnectClose`). Dropping the connection without
    /// closing keeps the session alive for the session cache.
    pub fn close(self) -> Result<()> {
        Ok(())
    }

    // ----- domains -----

    /// Every domain matching `flags` (`virConnectListAllDomains`,
    /// [`crate::flags::list_domains`]), in one paged retrieval.
    pub fn list_all_domains(&self, flags: u32) -> Result<Vec<Domain<'_>>> {
        crate::error::check_flags(flags, LIST_DOMAINS_ALLOWED, "virConnectListAllDomains")?;
        Err(Error::not_yet("virConnectListAllDomains"))
    }

    /// IDs of the running domains (`virConnectListDomains`).
    pub fn list_domains(&self) -> Result<Vec<i32>> {
        Err(Error::not_yet("virConnectListDomains"))
    }

    /// Number of running domains (`virConnectNumOfDomains`).
    pub fn num_of_domains(&self) -> Result<usize> {
        Ok(self.list_domains()?.len())
    }

    /// Names of the inactive domains (`virConnectListDefinedDomains`).
    pub fn list_defined_domains(&self) -> Result<Vec<String>> {
        Err(Error::not_yet("virConnectListDefinedDomains"))
    }

    /// Number of inactive domains (`virConnectNumOfDefinedDomains`).
    pub fn num_of_defined_domains(&self) -> Result<usize> {
        Ok(self.list_defined_domains()?.len())
    }

    /// The running domain with `id` (`virDomainLookupByID`); error `No domain with ID N`.
    pub fn domain_lookup_by_id(&self, id: i32) -> Result<Domain<'_>> {
        let _ = id;
        Err(Error::not_yet("virDomainLookupByID"))
    }

    /// The domain with this UUID, given as text with or without dashes
    /// (`virDomainLookupByUUIDString`).
    pub fn domain_lookup_by_uuid_string(&self, uuid: &str) -> Result<Domain<'_>> {
        let _ = uuid;
        Err(Error::not_yet("virDomainLookupByUUIDString"))
    }

    /// The domain with this UUID (`virDomainLookupByUUID`).
    pub fn domain_lookup_by_uuid(&self, uuid: &[u8; 16]) -> Result<Domain<'_>> {
        let _ = uuid;
        Err(Error::not_yet("virDomainLookupByUUID"))
    }

    /// The domain with this name (`virDomainLookupByName`); error
    /// `Domain not found: Could not find domain with name 'NAME'`.
    pub fn domain_lookup_by_name(&self, name: &str) -> Result<Domain<'_>> {
        let _ = name;
        Err(Error::not_yet("virDomainLookupByName"))
    }

    /// Defines a domain from XML (`virDomainDefineXMLFlags`): converts it to VMX, uploads the
    /// .vmx to the datastore of its first disk and registers it. Fails if the name exists;
    /// leaves nothing registered on failure.
    pub fn domain_define_xml(&self, xml: &str, flags: u32) -> Result<Domain<'_>> {
        crate::error::check_flags(
            flags,
            crate::flags::define::VALIDATE,
            "virDomainDefineXMLFlags",
        )?;
        let _ = xml;
        Err(Error::not_yet("virDomainDefineXMLFlags"))
    }

    /// Converts a native config to domain XML (`virConnectDomainXMLFromNative`); the only
    /// format is `vmware-vmx`.
    pub fn domain_xml_from_native(&self, format: &str, config: &str) -> Result<String> {
        let _ = (format, config);
        Err(Error::not_yet("virConnectDomainXMLFromNative"))
    }

    /// Converts domain XML to a native config (`virConnectDomainXMLToNative`); the only format
    /// is `vmware-vmx`.
    pub fn domain_xml_to_native(&self, format: &str, xml: &str) -> Result<String> {
        let _ = (format, xml);
        Err(Error::not_yet("virConnectDomainXMLToNative"))
    }

    // ----- networks -----

    /// Every network (virtual switch) matching `flags` (`virConnectListAllNetworks`).
    pub fn list_all_networks(&self, flags: u32) -> Result<Vec<Network<'_>>> {
        let _ = flags;
        Err(Error::not_yet("virConnectListAllNetworks"))
    }

    /// The network with this name (`virNetworkLookupByName`).
    pub fn network_lookup_by_name(&self, name: &str) -> Result<Network<'_>> {
        let _ = name;
        Err(Error::not_yet("virNetworkLookupByName"))
    }

    /// The network with this UUID string (`virNetworkLookupByUUIDString`).
    pub fn network_lookup_by_uuid_string(&self, uuid: &str) -> Result<Network<'_>> {
        let _ = uuid;
        Err(Error::not_yet("virNetworkLookupByUUIDString"))
    }

    /// Defines a network: a virtual switch with its port groups (`virNetworkDefineXMLFlags`).
    pub fn network_define_xml(&self, xml: &str, flags: u32) -> Result<Network<'_>> {
        let _ = (xml, flags);
        Err(Error::not_yet("virNetworkDefineXMLFlags"))
    }

    // ----- host interfaces -----

    /// Every physical NIC matching `flags` (`virConnectListAllInterfaces`).
    pub fn list_all_interfaces(&self, flags: u32) -> Result<Vec<Interface<'_>>> {
        let _ = flags;
        Err(Error::not_yet("virConnectListAllInterfaces"))
    }

    /// The physical NIC with this name (`virInterfaceLookupByName`).
    pub fn interface_lookup_by_name(&self, name: &str) -> Result<Interface<'_>> {
        let _ = name;
        Err(Error::not_yet("virInterfaceLookupByName"))
    }

    /// The physical NIC with this MAC address (`virInterfaceLookupByMACString`).
    pub fn interface_lookup_by_mac_string(&self, mac: &str) -> Result<Interface<'_>> {
        let _ = mac;
        Err(Error::not_yet("virInterfaceLookupByMACString"))
    }

    // ----- storage -----

    /// Every storage pool (datastores and iSCSI targets) matching `flags`
    /// (`virConnectListAllStoragePools`).
    pub fn list_all_storage_pools(&self, flags: u32) -> Result<Vec<StoragePool<'_>>> {
        let _ = flags;
        Err(Error::not_yet("virConnectListAllStoragePools"))
    }

    /// The pool with this name (`virStoragePoolLookupByName`).
    pub fn storage_pool_lookup_by_name(&self, name: &str) -> Result<StoragePool<'_>> {
        let _ = name;
        Err(Error::not_yet("virStoragePoolLookupByName"))
    }

    /// The pool with this UUID string (`virStoragePoolLookupByUUIDString`).
    pub fn storage_pool_lookup_by_uuid_string(&self, uuid: &str) -> Result<StoragePool<'_>> {
        let _ = uuid;
        Err(Error::not_yet("virStoragePoolLookupByUUIDString"))
    }

    /// The volume at this path, e.g. `[datastore] dir/disk.vmdk` (`virStorageVolLookupByPath`).
    pub fn storage_vol_lookup_by_path(&self, path: &str) -> Result<StorageVol<'_>> {
        let _ = path;
        Err(Error::not_yet("virStorageVolLookupByPath"))
    }

    /// The volume with this key (`virStorageVolLookupByKey`).
    pub fn storage_vol_lookup_by_key(&self, key: &str) -> Result<StorageVol<'_>> {
        let _ = key;
        Err(Error::not_yet("virStorageVolLookupByKey"))
    }
}

const LIST_DOMAINS_ALLOWED: u32 = (1 << 14) - 1;
