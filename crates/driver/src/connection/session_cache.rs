//! The session cache (as govc has): successive connections to the same URI as the same user
//! reuse the vSphere session cookie and what the first connection learnt about the server,
//! so a read command needs a single SOAP request.
//!
//! One file per URI and user under `$XDG_CACHE_HOME/esxvirt/sessions` (or
//! `~/.cache/esxvirt/sessions`), mode 0600 in a 0700 directory, written atomically. The file
//! holds the cookie (a credential, so never logged) and the server context, plus the full key
//! so a hash collision is a miss, not a wrong session. `ESXVIRT_NO_SESSION_CACHE=1` turns the
//! cache off.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// One cached session.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct SessionEntry {
    /// The cache key (normalized URI and user) this entry belongs to.
    pub key: String,
    /// The session cookie (`vmware_soap_session="..."`).
    pub cookie: String,
    /// What the connection learnt about the server (service content, resolved path).
    pub context: serde_json::Value,
}

impl std::fmt::Debug for SessionEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionEntry")
            .field("key", &self.key)
            .field("cookie", &"***")
            .finish_non_exhaustive()
    }
}

/// The cache directory.
#[derive(Debug, Clone)]
pub struct SessionCache {
    dir: PathBuf,
}

/// Whether the environment turns the cache off (`ESXVIRT_NO_SESSION_CACHE` set to anything
/// but empty or `0`).
pub fn disabled_by_env() -> bool {
    match std::env::var_os("ESXVIRT_NO_SESSION_CACHE") {
        Some(v) => !(v.is_empty() || v == "0"),
        None => false,
    }
}

/// FNV-1a, 64 bits: a stable file name for a key (the key itself is checked on load).
fn fnv1a(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

impl SessionCache {
    /// The default location: `$XDG_CACHE_HOME/esxvirt/sessions`, else
    /// `$HOME/.cache/esxvirt/sessions`; `None` when neither variable is set.
    pub fn default_location() -> Option<SessionCache> {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
        Some(SessionCache::at(base.join("esxvirt/sessions")))
    }

    /// A cache in `dir`.
    pub fn at(dir: impl Into<PathBuf>) -> SessionCache {
        SessionCache { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn file_for(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{:016x}.json", fnv1a(key)))
    }

    /// The entry for `key`, if one is stored (unreadable or foreign files are misses).
    pub fn load(&self, key: &str) -> Option<SessionEntry> {
        let path = self.file_for(key);
        let text = fs::read_to_string(path).ok()?;
        let entry: SessionEntry = serde_json::from_str(&text).ok()?;
        (entry.key == key).then_some(entry)
    }

    /// Stores `entry` (mode 0600, written to a temporary file and renamed into place, so a
    /// reader never sees half a file). Not synced to disk: after a crash a lost or empty file
    /// is a miss (one login), not worth an fsync per remembered name.
    pub fn store(&self, entry: &SessionEntry) -> std::io::Result<()> {
        create_private_dir(&self.dir)?;
        let path = self.file_for(&entry.key);
        let tmp = self
            .dir
            .join(format!(".{}.{}.tmp", fnv1a(&entry.key), std::process::id()));
        let text = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
        let mut file = open_private(&tmp)?;
        file.write_all(&text)?;
        drop(file);
        fs::rename(&tmp, &path)
    }

    /// Removes the entry for `key` (after a logout, or when the session proved dead).
    pub fn remove(&self, key: &str) {
        let _ = fs::remove_file(self.file_for(key));
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    if !dir.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    // Tighten a directory created by someone else's umask.
    let meta = fs::metadata(dir)?;
    if meta.permissions().mode() & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)
}

#[cfg(unix)]
fn open_private(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_private(path: &Path) -> std::io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
}

/// The cache key of a connection: scheme, transport, host, port, path and user (the query's
/// other parameters do not change which session is valid).
pub fn cache_key(uri: &crate::uri::Uri, user: &str) -> String {
    format!(
        "{}+{}://{}@{}:{}{}",
        uri.scheme.as_str(),
        uri.params.transport.as_str(),
        user,
        uri.host_for_url(),
        uri.effective_port(),
        uri.path
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uri::Uri;

    fn tempdir(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("esxvirt-driver-test-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn store_load_remove() {
        let dir = tempdir("cache");
        let cache = SessionCache::at(dir.join("sessions"));
        let key = cache_key(&Uri::parse("esx://h:8443/?no_verify=1").unwrap(), "root");
        assert_eq!(key, "esx+https://root@h:8443/");
        assert!(cache.load(&key).is_none());
        let entry = SessionEntry {
            key: key.clone(),
            cookie: "vmware_soap_session=\"abc\"".into(),
            context: serde_json::json!({"apiType": "HostAgent"}),
        };
        cache.store(&entry).unwrap();
        assert_eq!(cache.load(&key), Some(entry.clone()));
        // another key never sees it
        assert!(cache.load("esx+https://other@h:8443/").is_none());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let f = cache.file_for(&key);
            assert_eq!(
                fs::metadata(&f).unwrap().permissions().mode() & 0o777,
                0o600
            );
            let d = fs::metadata(cache.dir()).unwrap().permissions().mode() & 0o777;
            assert_eq!(d, 0o700);
        }
        assert!(!format!("{entry:?}").contains("abc"));
        cache.remove(&key);
        assert!(cache.load(&key).is_none());
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn corrupt_file_is_a_miss() {
        let dir = tempdir("corrupt");
        let cache = SessionCache::at(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::write(cache.file_for("k"), "not json").unwrap();
        assert!(cache.load("k").is_none());
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn keys_differ_by_user_port_and_path() {
        let a = Uri::parse("vpx://vc/dc/h1").unwrap();
        let b = Uri::parse("vpx://vc/dc/h2").unwrap();
        assert_ne!(cache_key(&a, "u"), cache_key(&b, "u"));
        assert_ne!(cache_key(&a, "u"), cache_key(&a, "v"));
        let c = Uri::parse("vpx://vc:444/dc/h1").unwrap();
        assert_ne!(cache_key(&a, "u"), cache_key(&c, "u"));
    }
}
