//! Storage pool (`<pool>`) and volume (`<volume>`) XML as the ESX driver's storage backends
//! produce and read them.
//!
//! - [`pool::StoragePool`]: a datastore (VMFS -> `fs` with format `vmfs`, NFS/CIFS ->
//!   `netfs`, local -> `dir`) or an iSCSI static target (`iscsi`).
//! - [`volume::StorageVolume`]: a file on a datastore (`type='file'`, format vmdk/iso/raw) or
//!   an iSCSI LUN (`type='block'`, no format); and `vol-create` input.
//! - [`volume::VolumeRequest`]: the request `virsh vol-create-as` builds.
//!
//! Both share [`Permissions`] and libvirt's scaled sizes ([`scale_size`]).

pub mod pool;
pub mod volume;

pub use pool::{PoolHost, PoolSource, PoolType, StoragePool};
pub use volume::{StorageVolume, VmdkCreatePlan, VolumeCreateError, VolumeRequest, VolumeType};

use crate::dom::Element;
use crate::error::XmlError;
use crate::snapshot::xpath::Query;
use crate::writer::XmlWriter;

/// `<permissions>` of a pool or volume target; `None` fields are libvirt's "unset" (-1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Permissions {
    /// File mode bits (at most 0777).
    pub mode: Option<u32>,
    /// Owner uid.
    pub owner: Option<u32>,
    /// Group gid.
    pub group: Option<u32>,
    /// Security label.
    pub label: Option<String>,
}

impl Permissions {
    /// What the ESX driver's zero-initialised definitions carry: mode 0, owner 0, group 0.
    pub fn esx_zeroed() -> Permissions {
        Permissions {
            mode: Some(0),
            owner: Some(0),
            group: Some(0),
            label: None,
        }
    }

    fn is_empty(&self) -> bool {
        self.mode.is_none() && self.owner.is_none() && self.group.is_none() && self.label.is_none()
    }

    /// Writes `<permissions>` unless every field is unset (as libvirt).
    pub(crate) fn format(&self, w: &mut XmlWriter) {
        if self.is_empty() {
            return;
        }
        w.open("permissions", &[]);
        if let Some(m) = self.mode {
            w.value_element("mode", &[], format_args!("0{m:o}"));
        }
        if let Some(o) = self.owner {
            w.value_element("owner", &[], o);
        }
        if let Some(g) = self.group {
            w.value_element("group", &[], g);
        }
        if let Some(l) = &self.label {
            w.text_element("label", &[], l);
        }
        w.close("permissions");
    }

    /// Reads `<permissions>` as libvirt does (octal mode, -1 meaning unset).
    pub(crate) fn parse(p: &Element) -> Result<Permissions, XmlError> {
        let mut perms = Permissions::default();
        if let Some(m) = p.child_text("mode") {
            let v = u32::from_str_radix(m.trim(), 8)
                .ok()
                .filter(|v| v & !0o777 == 0);
            perms.mode = Some(v.ok_or_else(|| {
                XmlError::invalid("<permissions>/<mode>", &m, "malformed octal mode")
            })?);
        }
        let id = |name: &str| -> Result<Option<u32>, XmlError> {
            let Some(e) = p.child(name) else {
                return Ok(None);
            };
            let t = e.string_value();
            match t.trim().parse::<i64>() {
                Ok(-1) => Ok(None),
                Ok(v) => u32::try_from(v).map(Some).map_err(|_| {
                    XmlError::invalid(format!("<permissions>/<{name}>"), &t, "malformed id")
                }),
                Err(_) => Err(XmlError::invalid(
                    format!("<permissions>/<{name}>"),
                    &t,
                    "malformed id",
                )),
            }
        };
        perms.owner = id("owner")?;
        perms.group = id("group")?;
        perms.label = p.child_text("label");
        Ok(perms)
    }
}

/// Scales `value` by a libvirt size unit (`b`/`bytes`, `k`/`KiB` = 1024, `KB` = 1000, up to
/// `E`), refusing results above `i64::MAX` as libvirt does for storage sizes.
pub fn scale_size(value: u64, unit: Option<&str>) -> Result<u64, XmlError> {
    let unit = unit.unwrap_or("");
    let scale = if unit.is_empty() {
        1
    } else {
        crate::values_parse::unit_scale(unit)
            .ok_or_else(|| XmlError::invalid("size unit", unit, "unknown suffix"))?
    };
    let limit = i64::MAX as u64;
    if value != 0 && value > limit / scale {
        return Err(XmlError::invalid(
            "size",
            format!("{value}{unit}"),
            "value too large",
        ));
    }
    Ok(value * scale)
}

/// Reads a `<capacity unit=...>N</capacity>`-style element: a non-negative decimal number
/// (leading whitespace allowed, as strtoull) scaled by its unit.
pub(crate) fn parse_size(e: &Element, what: &str) -> Result<u64, XmlError> {
    let text = e.string_value();
    let malformed = || {
        XmlError::invalid(
            format!("<{what}>"),
            &text,
            format!("malformed {what} element"),
        )
    };
    let t = text.trim_start();
    // The digit check refuses the leading '+' that str::parse would take.
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed());
    }
    let v: u64 = t.parse().map_err(|_| malformed())?;
    scale_size(v, e.attr("unit"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_like_libvirt() {
        assert_eq!(scale_size(5, None).unwrap(), 5);
        assert_eq!(scale_size(5, Some("bytes")).unwrap(), 5);
        assert_eq!(scale_size(1, Some("K")).unwrap(), 1024);
        assert_eq!(scale_size(1, Some("KiB")).unwrap(), 1024);
        assert_eq!(scale_size(1, Some("KB")).unwrap(), 1000);
        assert_eq!(scale_size(2, Some("G")).unwrap(), 2 << 30);
        assert_eq!(scale_size(1, Some("TB")).unwrap(), 1_000_000_000_000);
        assert!(scale_size(1, Some("Q")).is_err());
        assert!(scale_size(1, Some("Kx")).is_err());
        assert!(scale_size(9, Some("E")).is_err());
    }
}
