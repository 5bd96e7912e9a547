//! The server's product (from `ServiceContent.about`): its line, its version, and the checks
//! libvirt's ESX driver makes before it logs in.

use crate::error::{Error, Result};
use crate::types::parse_product_version;
use crate::uri::Scheme;

/// A VMware product line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ProductLine {
    /// VMware Server / GSX (`gsx`).
    Gsx,
    /// ESX or ESXi (`esx`, `embeddedEsx`).
    Esx,
    /// vCenter (`vpx`).
    Vpx,
}

impl ProductLine {
    /// libvirt's display name.
    pub fn display_name(self) -> &'static str {
        match self {
            ProductLine::Gsx => "Server/GSX",
            ProductLine::Esx => "ESX(i)",
            ProductLine::Vpx => "vCenter/VPX",
        }
    }

    /// The product line a URI scheme expects.
    pub fn expected_for(scheme: Scheme) -> ProductLine {
        match scheme {
            Scheme::Gsx => ProductLine::Gsx,
            Scheme::Vpx => ProductLine::Vpx,
            Scheme::Esx | Scheme::Sim => ProductLine::Esx,
        }
    }
}

/// The checked product of a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Product {
    /// Its line.
    pub line: ProductLine,
    /// about.version as major * 1,000,000 + minor * 1,000 + release.
    pub version: u64,
}

/// Checks `about` as libvirt does: API type HostAgent or VirtualCenter, API version at least
/// 2.5, a known product line at a supported version.
pub fn check(
    api_type: &str,
    api_version: &str,
    version: &str,
    product_line_id: &str,
) -> Result<Product> {
    if api_type != "HostAgent" && api_type != "VirtualCenter" {
        return Err(Error::internal(format!(
            "Expecting VI API type 'HostAgent' or 'VirtualCenter' but found '{api_type}'"
        )));
    }
    let api = parse_product_version(api_version).ok_or_else(|| {
        Error::internal(format!("Could not parse VI API version '{api_version}'"))
    })?;
    if api < 2_005_000 {
        return Err(Error::internal(format!(
            "Minimum supported VI API version is 2.5 but found version '{api_version}'"
        )));
    }
    let v = parse_product_version(version)
        .ok_or_else(|| Error::internal(format!("Could not parse product version '{version}'")))?;
    let (line, min, min_text) = match product_line_id {
        "gsx" => (ProductLine::Gsx, 2_000_000, "2.0"),
        "esx" | "embeddedEsx" => (ProductLine::Esx, 3_005_000, "3.5"),
        "vpx" => (ProductLine::Vpx, 2_005_000, "2.5"),
        other => {
            return Err(Error::internal(format!(
                "Expecting product 'gsx' or 'esx' or 'embeddedEsx' or 'vpx' but found '{other}'"
            )))
        }
    };
    if v < min {
        return Err(Error::internal(format!(
            "Minimum supported {} version is {min_text} but found version '{version}'",
            line.display_name()
        )));
    }
    Ok(Product { line, version: v })
}

/// Fails unless the product is what the scheme expects (`server` names the host in the
/// message).
pub fn expect(product: &Product, scheme: Scheme, server: &str) -> Result<()> {
    let expected = ProductLine::expected_for(scheme);
    if product.line != expected {
        return Err(Error::internal(format!(
            "Expecting '{server}' to be a {} host but found a {} host",
            expected.display_name(),
            product.line.display_name()
        )));
    }
    Ok(())
}

/// The virtual hardware version libvirt writes into a new .vmx for this product.
pub fn default_virtual_hw_version(product: &Product) -> u32 {
    let major = product.version / 1_000_000;
    let minor = (product.version / 1_000) % 1_000;
    match product.line {
        ProductLine::Gsx => 7,
        ProductLine::Esx | ProductLine::Vpx => match major {
            2 if product.line == ProductLine::Vpx => 4,
            3 if product.line == ProductLine::Esx => 4,
            4 => 7,
            5 if minor < 5 => 9,
            5 | 6 => 10,
            _ => 8,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks() {
        let p = check("HostAgent", "6.5", "6.5.0", "embeddedEsx").unwrap();
        assert_eq!(
            p,
            Product {
                line: ProductLine::Esx,
                version: 6_005_000
            }
        );
        let p = check("VirtualCenter", "7.0", "7.0.3", "vpx").unwrap();
        assert_eq!(p.line, ProductLine::Vpx);
        assert!(check("Foo", "6.5", "6.5.0", "esx")
            .unwrap_err()
            .to_string()
            .contains("'Foo'"));
        assert!(check("HostAgent", "2.0", "6.5.0", "esx").is_err());
        assert!(check("HostAgent", "6.5", "3.0.0", "esx")
            .unwrap_err()
            .to_string()
            .contains("Minimum supported ESX(i) version is 3.5"));
        assert!(check("HostAgent", "6.5", "6.5.0", "workstation").is_err());
        assert_eq!(
            expect(&p, Scheme::Esx, "h").unwrap_err().to_string(),
            "internal error: Expecting 'h' to be a ESX(i) host but found a vCenter/VPX host"
        );
        assert!(expect(&p, Scheme::Vpx, "h").is_ok());
    }

    #[test]
    fn hw_versions() {
        let v = |line, version| default_virtual_hw_version(&Product { line, version });
        assert_eq!(v(ProductLine::Esx, 3_005_000), 4);
        assert_eq!(v(ProductLine::Esx, 5_001_000), 9);
        assert_eq!(v(ProductLine::Esx, 5_005_000), 10);
        assert_eq!(v(ProductLine::Esx, 7_000_000), 8);
        assert_eq!(v(ProductLine::Vpx, 6_007_000), 10);
        assert_eq!(v(ProductLine::Gsx, 2_000_000), 7);
    }
}
