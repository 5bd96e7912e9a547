//! The state file (`esxsim --state FILE`, `sim:///PATH.json`), which several processes may
//! serve at once: every `esxvirt -c sim:///PATH.json` command runs a simulator of its own on
//! it. A lock file beside it (`FILE.lock`, locked with flock(2), never deleted) serialises
//! them and holds a generation counter that every save bumps.
//!
//! - A change takes the lock exclusively (waiting at most the configured time, then failing
//!   with a `SystemError` that says so), reloads the file when another process saved it
//!   since this one last loaded or saved it (the generation, or the file's identity, size
//!   and time, differ), applies the change, saves (a temporary file of its own, fsync,
//!   rename, directory fsync: [`write_durably`]), and releases.
//! - Any other request first checks, without the lock, whether the file changed; if so, it
//!   takes the lock shared and reloads.
//!
//! So no process loses another's update, and a crash at any point leaves a whole file: the
//! old one or the new one (left-over temporary files are removed at the next start).

use std::fs::{File, TryLockError};
use std::os::unix::fs::{FileExt as _, MetadataExt as _};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Duration, Instant};

use crate::fault::Fault;
use crate::object::Inventory;
use crate::task::Tasks;

/// Why the state file could not be locked, read or written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Another process held the lock longer than the configured wait.
    #[error("the state file {path} is locked by another process (waited {waited:.1} s)")]
    Busy {
        /// The state file.
        path: String,
        /// Seconds waited.
        waited: f64,
    },
    /// The lock file or the state file failed.
    #[error("state file {path}: {reason}")]
    Io {
        /// The state file.
        path: String,
        /// What failed.
        reason: String,
    },
}

/// What identifies one saved version of the state file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Version {
    /// The counter in the lock file (`None`: unreadable, so always "changed").
    generation: Option<u64>,
    /// Device, inode, size, modification time (s, ns) of the state file, if it exists.
    file: Option<(u64, u64, u64, i64, i64)>,
}

/// The lock file and what this process last loaded or saved.
#[derive(Debug)]
struct Inner {
    lock: File,
    /// The version this process's world matches (`None`: unknown, reload first).
    seen: Option<Version>,
}

/// A state file shared with other processes.
#[derive(Debug)]
pub struct StateFile {
    path: PathBuf,
    timeout: Duration,
    /// Owner of the tasks re-created after a reload (a power-on waiting for an answer).
    user: String,
    /// One lock per open file description: threads of this process take turns here, since
    /// flock(2) does not tell them apart.
    inner: Mutex<Inner>,
}

/// The state file locked (shared or exclusive); dropping it unlocks.
pub struct Locked<'a> {
    state: &'a StateFile,
    inner: MutexGuard<'a, Inner>,
}

impl StateFile {
    /// Opens (creating if needed) the lock file beside `path`. Lock waits give up after
    /// `timeout`; tasks re-created after a reload belong to `user`.
    pub fn open(path: &Path, timeout: Duration, user: &str) -> Result<StateFile, StateError> {
        let lock = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(lock_path(path))
            .map_err(|e| io_error(path, format!("cannot open its lock file: {e}")))?;
        Ok(StateFile {
            path: path.to_path_buf(),
            timeout,
            user: user.to_string(),
            inner: Mutex::new(Inner { lock, seen: None }),
        })
    }

    /// The state file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Takes the lock exclusively (for a change).
    pub fn exclusive(&self) -> Result<Locked<'_>, StateError> {
        self.acquire(true)
    }

    /// Takes the lock shared (for a reload).
    pub fn shared(&self) -> Result<Locked<'_>, StateError> {
        self.acquire(false)
    }

    /// The in-process part, recovering from a panic in another holder (the lock file and
    /// the version it holds stay valid).
    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn acquire(&self, exclusive: bool) -> Result<Locked<'_>, StateError> {
        let inner = self.inner();
        let start = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            let tried = if exclusive {
                inner.lock.try_lock()
            } else {
                inner.lock.try_lock_shared()
            };
            match tried {
                Ok(()) => return Ok(Locked { state: self, inner }),
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(e)) => {
                    return Err(io_error(&self.path, format!("cannot lock: {e}")))
                }
            }
            let waited = start.elapsed();
            if waited >= self.timeout {
                return Err(StateError::Busy {
                    path: self.path.display().to_string(),
                    waited: waited.as_secs_f64(),
                });
            }
            std::thread::sleep(pause.min(self.timeout - waited));
            pause = (pause * 2).min(Duration::from_millis(20));
        }
    }

    /// Whether the file may have changed since this process last loaded or saved it
    /// (checked without the lock: a writer bumps the generation before it renames).
    pub fn may_have_changed(&self) -> bool {
        let inner = self.inner();
        let now = version(&inner.lock, &self.path);
        differs(inner.seen, now)
    }
}

impl Locked<'_> {
    /// Whether another process saved the file since this one last loaded or saved it.
    pub fn changed(&self) -> bool {
        differs(self.inner.seen, version(&self.inner.lock, &self.state.path))
    }

    /// Whether the state file exists.
    pub fn exists(&self) -> bool {
        self.state.path.exists()
    }

    /// Records that the world now matches the file on disk.
    pub fn mark_loaded(&mut self) {
        self.inner.seen = Some(version(&self.inner.lock, &self.state.path));
    }

    /// Records that the world may differ from the file (the next request reloads it).
    pub fn mark_unknown(&mut self) {
        self.inner.seen = None;
    }

    /// Saves with `save` (which writes the world to the path it is given) and bumps the
    /// generation. Needs the exclusive lock. On failure the world is marked unknown, so
    /// the next request reloads what is on disk.
    pub fn commit(
        &mut self,
        save: impl FnOnce(&Path) -> Result<(), String>,
    ) -> Result<(), StateError> {
        let path = &self.state.path;
        let current = read_generation(&self.inner.lock);
        let seen = self.inner.seen.and_then(|v| v.generation);
        let next = current.max(seen).unwrap_or(0).wrapping_add(1);
        // The generation goes up before the rename, so a reader that sees the new file
        // also sees a new generation (and a reader that sees only the new generation
        // waits for the lock, then reloads).
        let bumped = self.inner.lock.set_len(0).and_then(|()| {
            self.inner
                .lock
                .write_all_at(format!("{next}\n").as_bytes(), 0)
        });
        let result = match bumped {
            Ok(()) => save(path).map_err(|reason| io_error(path, reason)),
            Err(e) => Err(io_error(path, format!("cannot write its lock file: {e}"))),
        };
        match result {
            Ok(()) => self.mark_loaded(),
            Err(_) => self.mark_unknown(),
        }
        result
    }

    /// Removes temporary files that writers killed mid-save left beside the state file
    /// (none can be in use: writers hold the exclusive lock, as the caller does).
    pub fn remove_stale_temps(&self) {
        let path = &self.state.path;
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            return;
        };
        let prefix = format!("{name}.tmp");
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            if e.file_name()
                .to_str()
                .is_some_and(|n| n.starts_with(&prefix))
            {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        let _ = self.inner.lock.unlock();
    }
}

/// Writes `path` atomically and durably: `write` fills a temporary file of its own beside it
/// (`NAME.tmp-PID-RANDOM`, created exclusively, so two writers never share one), which is
/// flushed to disk, renamed over `path`, and the directory synced. A crash at any point
/// leaves the old file or the new one, whole. Writers of a shared file still serialise
/// through [`StateFile`]: the last rename wins.
pub fn write_durably(
    path: &Path,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    use std::io::Write as _;
    let tmp = temp_path_for(path)?;
    let result = (|| {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        let mut w = std::io::BufWriter::with_capacity(256 << 10, f);
        write(&mut w)?;
        w.flush()?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        sync_dir_of(path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A fresh temporary name beside `path`: `NAME.tmp-PID-RANDOM`.
fn temp_path_for(path: &Path) -> std::io::Result<PathBuf> {
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).map_err(|e| std::io::Error::other(e.to_string()))?;
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(
        ".tmp-{}-{:016x}",
        std::process::id(),
        u64::from_le_bytes(random)
    ));
    Ok(path.with_file_name(name))
}

/// Makes a rename in `path`'s directory durable (file systems that cannot sync a
/// directory are left as they are).
fn sync_dir_of(path: &Path) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    match File::open(dir).and_then(|d| d.sync_all()) {
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => Ok(()),
        other => other,
    }
}

/// `FILE.lock` beside `FILE`.
fn lock_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(".lock");
    PathBuf::from(s)
}

fn io_error(path: &Path, reason: String) -> StateError {
    StateError::Io {
        path: path.display().to_string(),
        reason,
    }
}

fn read_generation(lock: &File) -> Option<u64> {
    let mut buf = [0u8; 32];
    let n = lock.read_at(&mut buf, 0).ok()?;
    std::str::from_utf8(&buf[..n]).ok()?.trim().parse().ok()
}

fn version(lock: &File, path: &Path) -> Version {
    Version {
        generation: read_generation(lock),
        file: std::fs::metadata(path)
            .ok()
            .map(|m| (m.dev(), m.ino(), m.size(), m.mtime(), m.mtime_nsec())),
    }
}

fn differs(seen: Option<Version>, now: Version) -> bool {
    now.generation.is_none() || seen != Some(now)
}

/// The fault a client sees when the state file fails.
fn fault(e: StateError) -> Fault {
    Fault::system_error(e.to_string())
}

/// What the protocol works on: a simulator's world and task store (a reload re-creates the
/// tasks of power-ons waiting for an answer), and what wakes its update waiters.
pub struct Shared<'a> {
    /// The state file, if any.
    pub state: Option<&'a StateFile>,
    /// The world.
    pub world: &'a RwLock<Box<dyn Inventory>>,
    /// The tasks.
    pub tasks: &'a RwLock<Tasks>,
    /// Bumped after the world changed (reloaded or changed by a call), as
    /// `Core::bump` does: `WaitForUpdatesEx` waiters wake on it.
    pub changed: &'a tokio::sync::watch::Sender<u64>,
}

fn write<T: ?Sized>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(PoisonError::into_inner)
}

/// Reloads `world` from the state file (the caller holds the lock) and re-creates the
/// tasks of power-ons that wait for an answer.
fn reload(
    tasks: &RwLock<Tasks>,
    world: &mut dyn Inventory,
    locked: &mut Locked<'_>,
) -> Result<(), Fault> {
    if !locked.exists() {
        // Deleted under us: the next save writes it again from this world.
        locked.mark_loaded();
        return Ok(());
    }
    let path = locked.state.path.clone();
    if let Err(e) = world.load_state(&path) {
        return Err(Fault::system_error(format!(
            "cannot reload the state file {}: {e}",
            path.display()
        )));
    }
    locked.mark_loaded();
    world.restore_tasks(&mut write(tasks), &locked.state.user);
    Ok(())
}

impl Shared<'_> {
    fn wake(&self) {
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// Brings the world up to date with the state file when another process changed it.
    /// Cheap when nothing changed (a read of the lock file and a stat).
    pub fn refresh(&self) -> Result<(), Fault> {
        let Some(st) = self.state else {
            return Ok(());
        };
        if !st.may_have_changed() {
            return Ok(());
        }
        let mut world = write(self.world);
        let mut locked = st.shared().map_err(fault)?;
        if locked.changed() {
            reload(self.tasks, world.as_mut(), &mut locked)?;
            drop(locked);
            drop(world);
            self.wake();
        }
        Ok(())
    }

    /// Runs the change `f` on the latest world, under the state file's exclusive lock when
    /// there is one, and saves it when `save(&result)` says so. Wakes update waiters.
    pub fn mutate<R>(
        &self,
        f: impl FnOnce(&mut dyn Inventory) -> R,
        save: impl FnOnce(&R) -> bool,
    ) -> Result<R, Fault> {
        let mut world = write(self.world);
        let Some(st) = self.state else {
            let r = f(world.as_mut());
            drop(world);
            self.wake();
            return Ok(r);
        };
        let mut locked = st.exclusive().map_err(fault)?;
        if locked.changed() {
            reload(self.tasks, world.as_mut(), &mut locked)?;
        }
        let r = f(world.as_mut());
        let saved = if save(&r) {
            locked.commit(|p| world.save_state(p))
        } else {
            Ok(())
        };
        drop(locked);
        drop(world);
        self.wake();
        match saved {
            Ok(()) => Ok(r),
            Err(e) => {
                tracing::warn!("{e}");
                Err(Fault::system_error(format!(
                    "the change was not saved: {e}"
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "esxsim-state-{tag}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_save_elsewhere_is_seen_and_a_held_lock_times_out() {
        let dir = temp_dir("unit");
        let path = dir.join("s.json");
        let a = StateFile::open(&path, Duration::from_millis(50), "root").unwrap();
        let b = StateFile::open(&path, Duration::from_millis(50), "root").unwrap();
        assert!(a.may_have_changed(), "nothing loaded yet");
        {
            let mut l = a.exclusive().unwrap();
            l.commit(|p| std::fs::write(p, "1").map_err(|e| e.to_string()))
                .unwrap();
            assert!(!l.changed());
        }
        assert!(!a.may_have_changed());
        {
            let mut l = b.exclusive().unwrap();
            assert!(l.changed(), "b never loaded");
            l.mark_loaded();
            l.commit(|p| std::fs::write(p, "2").map_err(|e| e.to_string()))
                .unwrap();
            // While b holds the lock, a cannot take it, shared or not.
            match a.shared() {
                Err(StateError::Busy { .. }) => {}
                other => panic!("{:?}", other.map(|_| ())),
            }
        }
        assert!(a.may_have_changed(), "b saved");
        assert_eq!(std::fs::read_to_string(lock_path(&path)).unwrap(), "2\n");
        // A failed save leaves the world unknown: reload before the next change.
        {
            let mut l = a.exclusive().unwrap();
            l.mark_loaded();
            assert!(l.commit(|_| Err("disk full".into())).is_err());
            assert!(l.changed());
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_durable_write_replaces_whole_or_not_at_all() {
        let dir = temp_dir("durable");
        let path = dir.join("s.json");
        write_durably(&path, |w| w.write_all(b"old")).unwrap();
        let failed = write_durably(&path, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        write_durably(&path, |w| w.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn stale_temporaries_are_removed() {
        let dir = temp_dir("temps");
        let path = dir.join("s.json");
        std::fs::write(dir.join("s.json.tmp"), "x").unwrap();
        std::fs::write(dir.join("s.json.tmp-1-2"), "x").unwrap();
        std::fs::write(dir.join("other.json.tmp"), "x").unwrap();
        let a = StateFile::open(&path, Duration::from_secs(1), "root").unwrap();
        a.exclusive().unwrap().remove_stale_temps();
        let mut left: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["other.json.tmp", "s.json.lock"]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
