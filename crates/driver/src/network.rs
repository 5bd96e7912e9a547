//! Network handles: a host virtual switch with its port groups (`virNetwork*`).

use crate::connection::Connection;
use crate::error::{Error, Result};

/// A network of the host: a HostVirtualSwitch, named after the switch; its UUID is derived
/// from the name (MD5) as libvirt's ESX driver derives it.
#[derive(Debug, Clone)]
pub struct Network<'c> {
    pub(crate) conn: &'c Connection,
    pub(crate) name: String,
    pub(crate) uuid: [u8; 16],
}

impl<'c> Network<'c> {
    /// The name (`virNetworkGetName`).
    pub fn get_name(&self) -> &str {
        &self.name
    }

    /// The UUID (`virNetworkGetUUIDString`).
    pub fn get_uuid_string(&self) -> String {
        crate::domain::format_uuid(&self.uuid)
    }

    /// The connection.
    pub fn connection(&self) -> &'c Connection {
        self.conn
    }

    /// The network XML (`virNetworkGetXMLDesc`).
    pub fn get_xml_desc(&self, flags: u32) -> Result<String> {
        let _ = flags;
        Err(Error::not_yet("virNetworkGetXMLDesc"))
    }

    /// Removes the virtual switch and its port groups (`virNetworkUndefine`).
    pub fn undefine(&self) -> Result<()> {
        Err(Error::not_yet("virNetworkUndefine"))
    }

    /// Always true: a virtual switch is always active (`virNetworkGetAutostart`).
    pub fn get_autostart(&self) -> Result<bool> {
        Ok(true)
    }

    /// Only enabling is accepted (`virNetworkSetAutostart`).
    pub fn set_autostart(&self, autostart: bool) -> Result<()> {
        let _ = autostart;
        Err(Error::not_yet("virNetworkSetAutostart"))
    }

    /// Always true (`virNetworkIsActive`).
    pub fn is_active(&self) -> Result<bool> {
        Ok(true)
    }

    /// Always true (`virNetworkIsPersistent`).
    pub fn is_persistent(&self) -> Result<bool> {
        Ok(true)
    }

    /// `virNetworkGetBridgeName`: not supported by libvirt's ESX driver.
    pub fn get_bridge_name(&self) -> Result<String> {
        Err(Error::no_support("virNetworkGetBridgeName"))
    }
}
