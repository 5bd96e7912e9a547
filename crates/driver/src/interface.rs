//! Host interface handles: the host's physical NICs (`virInterface*`).

use crate::connection::Connection;
use crate::error::{Error, Result};

/// A physical NIC of the host (`vmnic0`, ...).
#[derive(Debug, Clone)]
pub struct Interface<'c> {
    pub(crate) conn: &'c Connection,
    pub(crate) name: String,
    pub(crate) mac: String,
}

impl<'c> Interface<'c> {
    /// The name (`virInterfaceGetName`).
    pub fn get_name(&self) -> &str {
        &self.name
    }

    /// The MAC address (`virInterfaceGetMACString`).
    pub fn get_mac_string(&self) -> &str {
        &self.mac
    }

    /// The connection.
    pub fn connection(&self) -> &'c Connection {
        self.conn
    }

    /// The interface XML (`virInterfaceGetXMLDesc`).
    pub fn get_xml_desc(&self, flags: u32) -> Result<String> {
        let _ = flags;
        Err(Error::not_yet("virInterfaceGetXMLDesc"))
    }

    /// Always true: physical NICs are listed as active (`virInterfaceIsActive`).
    pub fn is_active(&self) -> Result<bool> {
        Ok(true)
    }
}
