//! Datastore files: resolving `[ds] path` to the datastore's real directory, free space
//! from what the directory really allocates, directories and files (make, delete, copy,
//! move) and the browser's searches.

use std::path::{Component, Path, PathBuf};

use esxvirt_util::datetime::system_time_to_xsd_datetime;

use super::disks::{allocated_bytes, copy_sparse, flat_of, parse_descriptor};
use super::model::Datastore;
use super::{io_err, vmx, InvError, InvResult, World};

impl World {
    /// The real path of a datastore path `[ds] dir/file`; refuses `..` and absolute parts.
    pub fn resolve(&self, ds_path: &str) -> InvResult<PathBuf> {
        let (ds, rest) = vmx::split_datastore_path(ds_path)
            .ok_or_else(|| InvError::InvalidDatastorePath(ds_path.to_string()))?;
        self.resolve_in(ds, rest)
            .ok_or_else(|| InvError::InvalidDatastorePath(ds_path.to_string()))
            .and_then(|r| r)
    }

    /// The real path of `rest` inside datastore `ds`: `None` when the path is malformed,
    /// `Some(Err)` when the datastore does not exist.
    pub fn resolve_in(&self, ds: &str, rest: &str) -> Option<InvResult<PathBuf>> {
        let rel = Path::new(rest.trim_start_matches('/'));
        for c in rel.components() {
            match c {
                Component::Normal(_) | Component::CurDir => {}
                _ => return None,
            }
        }
        if self.datastore_by_name(ds).is_none() {
            return Some(Err(InvError::InvalidDatastore(ds.to_string())));
        }
        // Every file operation finds its path here, and some run on a shared world (no
        // record changes, no new change version): the datastore's space is measured afresh.
        self.memo.forget_datastore(ds);
        Some(Ok(self.files_dir.join(ds).join(rel)))
    }

    /// Bytes used in a datastore: its base plus what its directory allocates.
    pub fn datastore_used(&self, ds: &Datastore) -> i64 {
        let measure = || dir_allocated(&self.files_dir.join(&ds.name));
        ds.base_used
            + self
                .memo
                .datastore_used(&ds.name, self.change_version(), measure)
    }

    /// Bytes the thin disks on a datastore may still grow by (their capacities).
    pub fn datastore_uncommitted(&self, ds: &Datastore) -> i64 {
        let all = self.memo.uncommitted(self.vms.last_change(), || {
            let mut all = super::memo::Uncommitted::new();
            for (file, kib, thin) in self.vms.values().flat_map(super::vm_disks) {
                if let (true, Some((name, _))) = (thin, vmx::split_datastore_path(&file)) {
                    let sum = all.entry(name.to_string()).or_default();
                    *sum = sum.saturating_add(kib.saturating_mul(1024));
                }
            }
            all
        });
        all.get(&ds.name).copied().unwrap_or(0)
    }

    /// Free bytes of a datastore (never negative).
    pub fn datastore_free(&self, ds: &Datastore) -> i64 {
        (ds.capacity - self.datastore_used(ds)).max(0)
    }

    /// Create a directory (`FileManager.MakeDirectory`).
    pub fn make_directory(&self, ds_path: &str, create_parents: bool) -> InvResult<()> {
        let p = self.resolve(ds_path)?;
        if p.exists() {
            return Err(InvError::FileAlreadyExists(ds_path.to_string()));
        }
        let r = if create_parents {
            std::fs::create_dir_all(&p)
        } else {
            std::fs::create_dir(&p)
        };
        r.map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => InvError::FileNotFound(ds_path.to_string()),
            _ => io_err(e, ds_path),
        })
    }

    /// Delete a file or directory tree (`FileManager.DeleteDatastoreFile_Task`).
    pub fn delete_file(&self, ds_path: &str) -> InvResult<()> {
        let p = self.resolve(ds_path)?;
        let meta = std::fs::symlink_metadata(&p)
            .map_err(|_| InvError::FileNotFound(ds_path.to_string()))?;
        if p == self.files_dir.join(ds_name_of(ds_path)) {
            return Err(InvError::InvalidArgument(
                "cannot delete a datastore's root".into(),
            ));
        }
        let r = if meta.is_dir() {
            std::fs::remove_dir_all(&p)
        } else {
            std::fs::remove_file(&p)
        };
        r.map_err(|e| io_err(e, ds_path))
    }

    /// Copy or move a file or directory between datastore paths.
    pub fn copy_or_move(&self, src: &str, dst: &str, force: bool, mv: bool) -> InvResult<()> {
        let s = self.resolve(src)?;
        let d = self.resolve(dst)?;
        if !s.exists() {
            return Err(InvError::FileNotFound(src.to_string()));
        }
        if d.exists() {
            if !force {
                return Err(InvError::FileAlreadyExists(dst.to_string()));
            }
            let _ = if d.is_dir() {
                std::fs::remove_dir_all(&d)
            } else {
                std::fs::remove_file(&d)
            };
        }
        if let Some(parent) = d.parent() {
            if !parent.exists() {
                return Err(InvError::FileNotFound(dst.to_string()));
            }
        }
        if mv {
            std::fs::rename(&s, &d).map_err(|e| io_err(e, src))
        } else {
            copy_tree(&s, &d).map_err(|e| io_err(e, src))
        }
    }

    /// List a datastore folder (`HostDatastoreBrowser.SearchDatastore[SubFolders]_Task`):
    /// entries matching one of `patterns` (`*`/`?` globs, empty = all), folders always
    /// listed; with `recursive`, every subfolder gives its own result. Disk flat extents are
    /// hidden behind their descriptors, as the browser does.
    pub fn search_datastore(
        &self,
        ds_path: &str,
        patterns: &[String],
        recursive: bool,
    ) -> InvResult<Vec<FoundFolder>> {
        let root = self.resolve(ds_path)?;
        if !root.is_dir() {
            return Err(InvError::FileNotFound(ds_path.to_string()));
        }
        let (ds, rest) = vmx::split_datastore_path(ds_path)
            .ok_or_else(|| InvError::InvalidDatastorePath(ds_path.to_string()))?;
        let mut out = Vec::new();
        let mut queue = vec![(root, rest.trim_end_matches('/').to_string())];
        while let Some((dir, rel)) = queue.pop() {
            let mut files = Vec::new();
            let mut entries: Vec<_> = std::fs::read_dir(&dir)
                .map_err(|e| io_err(e, ds_path))?
                .filter_map(|e| e.ok())
                .collect();
            entries.sort_by_key(|e| e.file_name());
            let names: Vec<String> = entries
                .iter()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            for (e, name) in entries.iter().zip(names.iter()) {
                let Ok(meta) = e.metadata() else { continue };
                if meta.is_dir() {
                    let sub_rel = if rel.is_empty() {
                        name.clone()
                    } else {
                        format!("{rel}/{name}")
                    };
                    if recursive {
                        queue.push((e.path(), sub_rel));
                    }
                } else if is_hidden_extent(name, &names)
                    || (!patterns.is_empty() && !patterns.iter().any(|p| glob_match(p, name)))
                {
                    continue;
                }
                let (size, allocated) = if name.ends_with(".vmdk") && !meta.is_dir() {
                    extent_size(&e.path(), &meta)
                } else {
                    (meta.len() as i64, allocated_bytes(&meta))
                };
                files.push(FoundFile {
                    name: name.clone(),
                    is_dir: meta.is_dir(),
                    size,
                    allocated,
                    modified: meta
                        .modified()
                        .map(system_time_to_xsd_datetime)
                        .unwrap_or_else(|_| system_time_to_xsd_datetime(std::time::UNIX_EPOCH)),
                });
            }
            let folder_path = if rel.is_empty() {
                format!("[{ds}]")
            } else {
                format!("[{ds}] {rel}")
            };
            out.push(FoundFolder { folder_path, files });
        }
        out.sort_by(|a, b| a.folder_path.cmp(&b.folder_path));
        Ok(out)
    }
}

/// A directory entry found by [`World::search_datastore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundFile {
    /// Name within its folder.
    pub name: String,
    pub is_dir: bool,
    /// Size in bytes (for a disk descriptor: the size of its flat extent).
    pub size: i64,
    /// Allocated bytes on disk.
    pub allocated: i64,
    /// Modification time, xsd:dateTime.
    pub modified: String,
}

/// One folder's result of [`World::search_datastore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundFolder {
    /// `[ds] dir` (or `[ds]` for the datastore's top).
    pub folder_path: String,
    pub files: Vec<FoundFile>,
}

fn ds_name_of(ds_path: &str) -> &str {
    vmx::split_datastore_path(ds_path)
        .map(|(d, _)| d)
        .unwrap_or("")
}

/// `x-flat.vmdk` (and `-delta`, `-ctk`, `-sesparse`) is hidden when `x.vmdk` exists.
fn is_hidden_extent(name: &str, siblings: &[String]) -> bool {
    for suffix in ["-flat.vmdk", "-delta.vmdk", "-ctk.vmdk", "-sesparse.vmdk"] {
        if let Some(base) = name.strip_suffix(suffix) {
            let desc = format!("{base}.vmdk");
            return siblings.contains(&desc);
        }
    }
    false
}

/// (size, allocated) of a .vmdk: its flat extent's when it is a descriptor.
fn extent_size(desc: &Path, meta: &std::fs::Metadata) -> (i64, i64) {
    let flat = flat_of(desc);
    match std::fs::metadata(&flat) {
        Ok(m) => {
            let thin = std::fs::read_to_string(desc)
                .ok()
                .and_then(|t| parse_descriptor(&t))
                .map(|i| i.thin)
                .unwrap_or(true);
            let alloc = if thin {
                allocated_bytes(&m)
            } else {
                m.len() as i64
            };
            (m.len() as i64, alloc)
        }
        Err(_) => (meta.len() as i64, allocated_bytes(meta)),
    }
}

fn dir_allocated(dir: &Path) -> i64 {
    let mut total = 0i64;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let Ok(m) = e.metadata() else { continue };
            if m.is_dir() {
                stack.push(e.path());
                continue;
            }
            let path = e.path();
            // A thick disk's extent is sparse here but takes its full size on a real VMFS.
            let thick_extent = path
                .to_str()
                .and_then(|p| p.strip_suffix("-flat.vmdk"))
                .and_then(|base| std::fs::read_to_string(format!("{base}.vmdk")).ok())
                .and_then(|t| parse_descriptor(&t))
                .is_some_and(|i| !i.thin);
            total += if thick_extent {
                m.len() as i64
            } else {
                allocated_bytes(&m).max(if m.len() < 4096 { m.len() as i64 } else { 0 })
            };
        }
    }
    total
}

fn copy_tree(s: &Path, d: &Path) -> std::io::Result<()> {
    if s.is_dir() {
        std::fs::create_dir(d)?;
        for e in std::fs::read_dir(s)? {
            let e = e?;
            copy_tree(&e.path(), &d.join(e.file_name()))?;
        }
        Ok(())
    } else if s.to_string_lossy().ends_with("-flat.vmdk") {
        copy_sparse(s, d)
    } else {
        std::fs::copy(s, d).map(|_| ())
    }
}

/// Glob match with `*` and `?`, case-insensitive as the datastore browser is.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let n: Vec<char> = name.to_lowercase().chars().collect();
    let (mut pi, mut ni) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob() {
        assert!(glob_match("*.vmdk", "a.VMDK"));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("*.vmx", "a.vmxf"));
        assert!(glob_match("*", ""));
    }
}
