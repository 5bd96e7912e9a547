//! Host interface handles: the host's physical NICs (`virInterface*`).

use crate::connection::Connection;
use esxvirt_xml::interface::{Interface as XmlInterface, NicIpConfig};

use crate::error::{Error, Result};

/// A physical NIC of the host (`vmnic0`, ...).
#[derive(Debug, Clone)]
pub struct Interface<'c> {
    pub(crate) conn: &'c Connection,
    pub(crate) name: String,
    pub(crate) mac: String,
    /// The NIC as the lookup read it, so the first `iface-dumpxml` needs no retrieval.
    prefetched: std::cell::RefCell<Option<esxvirt_vi::PhysicalNic>>,
}

impl<'c> Interface<'c> {
    /// The handle of `nic`, as read by a lookup or listing.
    pub(crate) fn of(conn: &'c Connection, nic: esxvirt_vi::PhysicalNic) -> Interface<'c> {
        Interface {
            conn,
            name: nic.device.clone(),
            mac: nic.mac.clone(),
            prefetched: std::cell::RefCell::new(Some(nic)),
        }
    }

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
        // VIR_INTERFACE_XML_INACTIVE
        crate::error::check_flags(flags, 1, "esxInterfaceGetXMLDesc")?;
        let prefetched = self.prefetched.take();
        let nic = match prefetched {
            Some(nic) => Some(nic),
            None => self
                .conn
                .physical_nics()?
                .into_iter()
                .find(|n| n.mac.eq_ignore_ascii_case(&self.mac)),
        }
        .ok_or_else(|| {
            Error::new(
                crate::error::ErrorCode::NoInterface,
                format!(
                    "Could not find physical NIC with MAC address '{}'",
                    self.mac
                ),
            )
        })?;
        let ip = nic.spec.ip.as_ref().map(|ip| NicIpConfig {
            dhcp: ip.dhcp,
            ip_address: ip.ip_address.clone(),
            subnet_mask: ip.subnet_mask.clone(),
        });
        let def =
            XmlInterface::from_physical_nic(&nic.device, &nic.mac, ip.as_ref(), flags & 1 != 0)
                .map_err(|e| Error::internal(e.to_string()))?;
        Ok(def.to_xml())
    }

    /// Always true: physical NICs are listed as active (`virInterfaceIsActive`).
    pub fn is_active(&self) -> Result<bool> {
        Ok(true)
    }
}
