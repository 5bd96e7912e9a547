//! What a running domain's guest and console show: a screenshot (`virDomainScreenshot`),
//! the guest's addresses and host name from VMware Tools, and the managed-save query.

use esxvirt_vi::props::virtual_machine as vm;

use super::{require_running, Domain};
use crate::error::{check_flags, Error, ErrorCode, Result};
use crate::types::{DomainInterface, DomainIpAddress, Screenshot};

impl Domain<'_> {
    /// A PNG of the console (`virDomainScreenshot`); screen must be 0.
    pub fn screenshot(&self, screen: u32, flags: u32) -> Result<Screenshot> {
        check_flags(flags, 0, "esxDomainScreenshot")?;
        if screen != 0 {
            return Err(Error::invalid_arg("Screen cannot be selected"));
        }
        if !self.conn.engine.screenshot_supported()? {
            return Err(Error::new(
                ErrorCode::OperationUnsupported,
                "Screenshot feature is unsupported",
            ));
        }
        let p = self.props(&[vm::RUNTIME_POWER_STATE.path()], "virDomainScreenshot")?;
        require_running(p.power_state()?)?;
        let data = self.conn.engine.get_file(&format!(
            "/screen?id={}",
            crate::urls::uri_escape(&self.moref)
        ))?;
        Ok(Screenshot {
            mime_type: "image/png".to_string(),
            data,
        })
    }

    /// The guest's interfaces and addresses from VMware Tools (`virDomainInterfaceAddresses`);
    /// only the agent source is supported.
    pub fn interface_addresses(&self, source: u32, flags: u32) -> Result<Vec<DomainInterface>> {
        check_flags(flags, 0, "esxDomainInterfaceAddresses")?;
        if source != crate::flags::ifaddr_source::AGENT {
            return Err(Error::new(
                ErrorCode::ArgumentUnsupported,
                format!("Unknown IP address data source {source}"),
            ));
        }
        let p = self.props(
            &[vm::RUNTIME_POWER_STATE.path(), vm::GUEST_NET.path()],
            "virDomainInterfaceAddresses",
        )?;
        require_running(p.power_state()?)?;
        let mut out = Vec::new();
        for nic in p.get(vm::GUEST_NET).unwrap_or_default() {
            let mut addrs = Vec::new();
            if let Some(cfg) = &nic.ip_config {
                for a in &cfg.ip_address {
                    if let Ok(ip) = a.ip_address.parse() {
                        addrs.push(DomainIpAddress {
                            addr: ip,
                            prefix: a.prefix_length.max(0) as u32,
                        });
                    }
                }
            }
            out.push(DomainInterface {
                name: String::new(),
                hwaddr: nic.mac_address.clone(),
                addrs,
            });
        }
        Ok(out)
    }

    /// The guest's host name from VMware Tools (`virDomainGetHostname`).
    pub fn get_hostname(&self, flags: u32) -> Result<String> {
        check_flags(flags, 0, "esxDomainGetHostname")?;
        let p = self.props(
            &[vm::RUNTIME_POWER_STATE.path(), vm::GUEST_HOST_NAME.path()],
            "virDomainGetHostname",
        )?;
        require_running(p.power_state()?)?;
        match p.get(vm::GUEST_HOST_NAME) {
            Some(h) if !h.is_empty() => Ok(h),
            _ => Err(Error::new(
                ErrorCode::NoHostname,
                format!(
                    "hostname could not be determined for domain '{}'",
                    self.name
                ),
            )),
        }
    }

    /// Always false: ESX has no managed save (`virDomainHasManagedSaveImage`), without a
    /// request.
    pub fn has_managed_save_image(&self, flags: u32) -> Result<bool> {
        check_flags(flags, 0, "esxDomainHasManagedSaveImage")?;
        // A handle comes from a lookup or listing of this connection, which proved the VM
        // exists; asking again would cost a request per domain (`list --managed-save`).
        Ok(false)
    }
}
