//! virsh's lookups, as methods of a command's [`Ctx`]: a domain by ID, UUID or name, a
//! network or pool by UUID then name, a volume by name in a pool then by key then by path,
//! a host interface by name or MAC, a snapshot by name or as the current one. Each tries
//! in virsh's order and fails with virsh's lines.

use esxvirt_driver::{Domain, DomainSnapshot, Interface, Network, StoragePool, StorageVol};

use crate::output::CmdError;
use crate::session::Ctx;

/// Which of ID, UUID and name a domain command accepts (virsh's `VIRSH_BYID` & co).
#[derive(Clone, Copy, Debug)]
pub struct By {
    pub id: bool,
    pub uuid: bool,
    pub name: bool,
}

impl By {
    /// ID, UUID or name.
    pub const ALL: By = By {
        id: true,
        uuid: true,
        name: true,
    };
    /// UUID or name (`domid`, `start`).
    pub const NO_ID: By = By {
        id: false,
        uuid: true,
        name: true,
    };
    /// ID or UUID (`domname`).
    pub const NO_NAME: By = By {
        id: true,
        uuid: true,
        name: false,
    };
    /// ID or name (`domuuid`).
    pub const NO_UUID: By = By {
        id: true,
        uuid: false,
        name: true,
    };
}

impl<'c> Ctx<'c> {
    /// virsh's domain lookup: by ID (a non-negative number), by UUID (when UUID-long), then
    /// by name, as far as `by` allows.
    pub fn domain_by(&self, name: &str, by: By) -> Result<Domain<'c>, CmdError> {
        let mut found = None;
        let mut last = None;
        let mut keep = |r: Result<Domain<'c>, esxvirt_driver::Error>| match r {
            Ok(d) => Some(d),
            Err(e) => {
                last = Some(e);
                None
            }
        };
        if by.id {
            if let Ok(id) = name.parse::<i32>() {
                if id >= 0 {
                    found = keep(self.conn.domain_lookup_by_id(id));
                }
            }
        }
        // virsh drops the driver's errors here; a UUID that several domains share is the
        // one it is kept for, so that the failure says why.
        let mut ambiguous = None;
        if found.is_none() && by.uuid && name.len() == 36 {
            match self.conn.domain_lookup_by_uuid_string(name) {
                Err(e) if e.code() == esxvirt_driver::ErrorCode::MultipleDomains => {
                    ambiguous = Some(e)
                }
                r => found = keep(r),
            }
        }
        if found.is_none() && by.name {
            found = keep(self.conn.domain_lookup_by_name(name));
        }
        found.ok_or_else(|| {
            let first = format!("failed to get domain '{name}'");
            if let Some(e) = ambiguous {
                return lookup_error(first, Some(e));
            }
            // virsh's one line for a domain that is not there (its code still goes to
            // --json); a lookup that failed for another reason (a timeout, a lost
            // connection) says why.
            match last {
                Some(e) if e.code() != esxvirt_driver::ErrorCode::NoDomain => {
                    CmdError::with(first, e)
                }
                Some(e) => CmdError(vec![first], Some(e.code())),
                None => CmdError::msg(first),
            }
        })
    }

    /// A domain by ID, UUID or name.
    pub fn domain(&self, name: &str) -> Result<Domain<'c>, CmdError> {
        self.domain_by(name, By::ALL)
    }

    /// A network by UUID or name.
    pub fn network(&self, name: &str) -> Result<Network<'c>, CmdError> {
        self.network_by(name, true, true)
    }

    /// virsh's network lookup: by UUID (when it looks like one), then by name; on failure
    /// virsh's line and the driver's error of the last attempt.
    pub fn network_by(
        &self,
        name: &str,
        uuid: bool,
        by_name: bool,
    ) -> Result<Network<'c>, CmdError> {
        lookup_uuid_then_name(
            name,
            "network",
            (uuid, |n| self.conn.network_lookup_by_uuid_string(n)),
            (by_name, |n| self.conn.network_lookup_by_name(n)),
        )
    }

    /// A pool by UUID or name.
    pub fn pool(&self, name: &str) -> Result<StoragePool<'c>, CmdError> {
        self.pool_by(name, true, true)
    }

    /// virsh's pool lookup: the same UUID-then-name order as networks.
    pub fn pool_by(
        &self,
        name: &str,
        uuid: bool,
        by_name: bool,
    ) -> Result<StoragePool<'c>, CmdError> {
        lookup_uuid_then_name(
            name,
            "pool",
            (uuid, |n| self.conn.storage_pool_lookup_by_uuid_string(n)),
            (by_name, |n| self.conn.storage_pool_lookup_by_name(n)),
        )
    }

    /// virsh's volume lookup with a `--pool` option: by name in the pool (which must be
    /// active), then by key, then by path.
    pub fn vol(&self, vol: &str, pool: Option<&str>) -> Result<StorageVol<'c>, CmdError> {
        self.vol_in(vol, pool, Some("pool"))
    }

    /// [`Ctx::vol`]; `pool_option` names the command's pool option (for virsh's hint), if
    /// it has one.
    pub fn vol_in(
        &self,
        vol: &str,
        pool: Option<&str>,
        pool_option: Option<&str>,
    ) -> Result<StorageVol<'c>, CmdError> {
        let pool = match pool {
            Some(p) => {
                let handle = self.pool(p)?;
                if !handle.is_active().unwrap_or(false) {
                    return Err(CmdError::msg(format!("pool '{p}' is not active")));
                }
                Some(handle)
            }
            None => None,
        };
        let mut last = None;
        let mut found = None;
        if let Some(p) = &pool {
            match p.storage_vol_lookup_by_name(vol) {
                Ok(v) => found = Some(v),
                Err(e) => last = Some(e),
            }
        }
        if found.is_none() {
            match self.conn.storage_vol_lookup_by_key(vol) {
                Ok(v) => found = Some(v),
                Err(e) => last = Some(e),
            }
        }
        if found.is_none() {
            match self.conn.storage_vol_lookup_by_path(vol) {
                Ok(v) => found = Some(v),
                Err(e) => last = Some(e),
            }
        }
        let Some(v) = found else {
            let first = match pool_option {
                Some(opt) if pool.is_none() => {
                    format!("failed to get vol '{vol}', specifying --{opt} might help")
                }
                _ => format!("failed to get vol '{vol}'"),
            };
            return Err(lookup_error(first, last));
        };
        if let Some(p) = &pool {
            if v.pool_name() != p.get_name() {
                return Err(CmdError::msg(format!(
                    "Requested volume '{vol}' is not in pool '{}'",
                    p.get_name()
                )));
            }
        }
        Ok(v)
    }

    /// A snapshot of `dom` by `--snapshotname`, or the current one with `--current`.
    pub fn snapshot(
        &self,
        dom: &Domain<'c>,
        name: Option<&str>,
        current: bool,
    ) -> Result<DomainSnapshot<'c>, CmdError> {
        if current && name.is_some() {
            return Err(CmdError::msg(
                "--snapshotname and --current are mutually exclusive",
            ));
        }
        match name {
            Some(n) => Ok(dom.snapshot_lookup_by_name(n, 0)?),
            None if current => Ok(dom.snapshot_current(0)?),
            None => Err(CmdError::msg("--snapshotname or --current is required")),
        }
    }

    /// virsh's interface lookup: a MAC address by MAC, anything else by name, as far as
    /// `by_mac` / `by_name` allow.
    pub fn iface_by(
        &self,
        name: &str,
        by_mac: bool,
        by_name: bool,
    ) -> Result<Interface<'c>, CmdError> {
        let is_mac = looks_like_mac(name);
        let r = if !is_mac && by_name {
            Some(self.conn.interface_lookup_by_name(name))
        } else if is_mac && by_mac {
            Some(self.conn.interface_lookup_by_mac_string(name))
        } else {
            None
        };
        match r {
            Some(Ok(i)) => Ok(i),
            Some(Err(e)) => Err(lookup_error(
                format!("failed to get interface '{name}'"),
                Some(e),
            )),
            None => Err(CmdError::msg(format!("failed to get interface '{name}'"))),
        }
    }

    /// An interface by name or MAC.
    pub fn iface(&self, name: &str) -> Result<Interface<'c>, CmdError> {
        self.iface_by(name, true, true)
    }
}

/// virsh's lookup order for networks and pools: by UUID when `name` is UUID-long and
/// `by_uuid.0` allows it, then by name when `by_name.0` allows it. On failure, virsh's
/// "failed to get KIND" line with the driver's error of the last attempt.
fn lookup_uuid_then_name<T>(
    name: &str,
    kind: &str,
    by_uuid: (bool, impl FnOnce(&str) -> Result<T, esxvirt_driver::Error>),
    by_name: (bool, impl FnOnce(&str) -> Result<T, esxvirt_driver::Error>),
) -> Result<T, CmdError> {
    let mut last = None;
    if by_uuid.0 && name.len() == 36 {
        match (by_uuid.1)(name) {
            Ok(found) => return Ok(found),
            Err(e) => last = Some(e),
        }
    }
    if by_name.0 {
        match (by_name.1)(name) {
            Ok(found) => return Ok(found),
            Err(e) => last = Some(e),
        }
    }
    Err(lookup_error(format!("failed to get {kind} '{name}'"), last))
}

fn lookup_error(first: String, last: Option<esxvirt_driver::Error>) -> CmdError {
    match last {
        Some(e) => CmdError::with(first, e),
        None => CmdError::msg(first),
    }
}

/// Whether `s` parses as a MAC address (six hex pairs separated by `:`).
fn looks_like_mac(s: &str) -> bool {
    let parts: Vec<&str> = s.split(':').collect();
    parts.len() == 6
        && parts
            .iter()
            .all(|p| (1..=2).contains(&p.len()) && p.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_and_failures() {
        assert!(looks_like_mac("00:50:56:aa:bb:cc"));
        assert!(looks_like_mac("0:5:56:a:b:c"));
        assert!(!looks_like_mac("vmnic0"));
        assert!(!looks_like_mac("00:50:56:aa:bb"));
        assert!(!looks_like_mac("00:50:56:aa:bb:cg"));
        let by_uuid = |_: &str| -> Result<(), esxvirt_driver::Error> {
            Err(esxvirt_driver::Error::internal("by uuid"))
        };
        let by_name = |_: &str| -> Result<(), esxvirt_driver::Error> {
            Err(esxvirt_driver::Error::internal("by name"))
        };
        let uuid = "564d9bef-acd9-b4e0-c8f0-aeeb0bd7dd81";
        let e = lookup_uuid_then_name(uuid, "pool", (true, by_uuid), (true, by_name)).unwrap_err();
        assert_eq!(e.0[0], format!("failed to get pool '{uuid}'"));
        assert!(e.0[1].contains("by name"), "{e:?}");
        let e =
            lookup_uuid_then_name(uuid, "network", (true, by_uuid), (false, by_name)).unwrap_err();
        assert!(e.0[1].contains("by uuid"), "{e:?}");
        let e =
            lookup_uuid_then_name("x", "network", (true, by_uuid), (false, by_name)).unwrap_err();
        assert_eq!(e.0, ["failed to get network 'x'"]);
    }
}
