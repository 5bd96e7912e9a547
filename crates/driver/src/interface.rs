//! Host interfaces: the host's physical NICs (`virInterface*`), read from the host's
//! network configuration through the connection's object cache (a lookup or listing reads
//! it afresh).

use esxvirt_vi::props::host_system as host;
use esxvirt_vi::PhysicalNic;
use esxvirt_xml::interface::{Interface as XmlInterface, NicIpConfig};

use crate::connection::Connection;
use crate::error::{Error, ErrorCode, Result};

/// A physical NIC of the host (`vmnic0`, ...).
#[derive(Debug, Clone)]
pub struct Interface<'c> {
    pub(crate) conn: &'c Connection,
    pub(crate) name: String,
    pub(crate) mac: String,
}

impl Connection {
    /// The host's physical NICs, read afresh (one retrieval).
    fn physical_nics(&self) -> Result<Vec<PhysicalNic>> {
        let pnic = host::CONFIG_NETWORK_PNIC;
        Ok(self
            .engine
            .host_props(&[pnic.path()])?
            .get(pnic)
            .unwrap_or_default())
    }

    /// Every physical NIC matching `flags` (`virConnectListAllInterfaces`): all are active.
    pub fn list_all_interfaces(&self, flags: u32) -> Result<Vec<Interface<'_>>> {
        use crate::flags::list_interfaces as f;
        crate::error::check_flags(
            flags,
            f::ACTIVE | f::INACTIVE,
            "virConnectListAllInterfaces",
        )?;
        if flags & (f::ACTIVE | f::INACTIVE) == f::INACTIVE {
            return Ok(Vec::new());
        }
        Ok(self
            .physical_nics()?
            .iter()
            .map(|n| Interface::of(self, n))
            .collect())
    }

    /// Names of the active interfaces (`virConnectListInterfaces`).
    pub fn list_interfaces(&self) -> Result<Vec<String>> {
        Ok(self
            .list_all_interfaces(0)?
            .into_iter()
            .map(|i| i.name)
            .collect())
    }

    /// Always empty: ESX interfaces are always active (`virConnectListDefinedInterfaces`).
    pub fn list_defined_interfaces(&self) -> Result<Vec<String>> {
        Ok(Vec::new())
    }

    /// The physical NIC with this device name (`vmnic0`), case-insensitively
    /// (`virInterfaceLookupByName`).
    ///
    /// libvirt 9.0's ESX driver looks the name up among the MAC addresses instead, so every
    /// lookup by name fails there (and virsh's `iface-list`, which looks each listed name
    /// up, shows nothing); its own lookup by name, which it does not call, is what this
    /// does, error text included.
    pub fn interface_lookup_by_name(&self, name: &str) -> Result<Interface<'_>> {
        self.physical_nics()?
            .iter()
            .find(|n| n.device.eq_ignore_ascii_case(name))
            .map(|n| Interface::of(self, n))
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::NoInterface,
                    format!("Could not find physical NIC with name '{name}'"),
                )
            })
    }

    /// The physical NIC with this MAC address (`virInterfaceLookupByMACString`).
    pub fn interface_lookup_by_mac_string(&self, mac: &str) -> Result<Interface<'_>> {
        self.physical_nics()?
            .iter()
            .find(|n| n.mac.eq_ignore_ascii_case(mac))
            .map(|n| Interface::of(self, n))
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::NoInterface,
                    format!("Could not find physical NIC with MAC address '{mac}'"),
                )
            })
    }
}

impl<'c> Interface<'c> {
    /// The handle of `nic`, as read by a lookup or listing.
    fn of(conn: &'c Connection, nic: &PhysicalNic) -> Interface<'c> {
        Interface {
            conn,
            name: nic.device.clone(),
            mac: nic.mac.clone(),
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
        let pnic = host::CONFIG_NETWORK_PNIC;
        let nic = self
            .conn
            .engine
            .read_host(&[pnic.path()], "virInterfaceGetXMLDesc")?
            .get(pnic)
            .unwrap_or_default()
            .into_iter()
            .find(|n| n.mac.eq_ignore_ascii_case(&self.mac))
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::NoInterface,
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
