//! Connection bookkeeping for the HTTP front, so that clients holding connections cannot
//! starve the others: a cap on open connections, a header timeout and an idle timeout.
//!
//! A connection is *busy* while a request is being handled or its answer sent (a long
//! `WaitForUpdatesEx` included), else *idle*. An idle connection must start its next
//! request within the idle timeout, and, once its first byte arrived (a TLS handshake
//! counts), send the whole header within the header timeout; otherwise it is closed. At the
//! cap, a new connection takes the place of the connection idle longest; when every one is
//! busy, the newcomer gets `503 Service Unavailable` and is closed.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

use crate::core::lock;

/// The cap and timeouts (see [`crate::Limits`]).
#[derive(Clone, Copy, Debug)]
pub struct ConnLimits {
    /// Connections open at once.
    pub max: usize,
    /// From the first byte of a request to the end of its header.
    pub header_timeout: Duration,
    /// Between requests.
    pub idle_timeout: Duration,
}

/// One open connection.
#[derive(Debug)]
pub struct Conn {
    id: u64,
    /// Requests being handled or answered.
    busy: AtomicUsize,
    activity: Mutex<Activity>,
    /// Closes the connection (it was evicted for a newcomer).
    kill: tokio::sync::Notify,
    /// Wakes the watchdog when a request's first byte arrives.
    changed: tokio::sync::Notify,
}

#[derive(Debug)]
struct Activity {
    /// When the connection last became idle (or was accepted).
    idle_since: Instant,
    /// When the first byte of the next request arrived, while idle.
    head_started: Option<Instant>,
}

impl Conn {
    fn is_idle(&self) -> bool {
        self.busy.load(Ordering::Acquire) == 0
    }

    /// When the connection expires if nothing happens first (busy: a later recheck).
    fn deadline(&self, limits: &ConnLimits) -> Instant {
        let now = Instant::now();
        if !self.is_idle() {
            return now + limits.idle_timeout;
        }
        let a = lock(&self.activity);
        match a.head_started {
            Some(t) => t + limits.header_timeout,
            None => a.idle_since + limits.idle_timeout,
        }
    }

    /// Marks a request as started; the guard marks it finished when dropped (keep it until
    /// the answer is sent).
    pub fn begin(self: &Arc<Conn>) -> BusyGuard {
        self.busy.fetch_add(1, Ordering::AcqRel);
        lock(&self.activity).head_started = None;
        BusyGuard(self.clone())
    }

    fn first_byte(&self) {
        if !self.is_idle() {
            return;
        }
        let mut a = lock(&self.activity);
        if a.head_started.is_none() {
            a.head_started = Some(Instant::now());
            drop(a);
            self.changed.notify_one();
        }
    }
}

/// A request in progress on a connection (see [`Conn::begin`]).
#[derive(Debug)]
pub struct BusyGuard(Arc<Conn>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        let mut a = lock(&self.0.activity);
        a.idle_since = Instant::now();
        a.head_started = None;
        drop(a);
        self.0.busy.fetch_sub(1, Ordering::AcqRel);
        self.0.changed.notify_one();
    }
}

/// The open connections.
#[derive(Debug)]
pub struct Conns {
    limits: ConnLimits,
    table: Mutex<Table>,
}

#[derive(Debug, Default)]
struct Table {
    next: u64,
    open: HashMap<u64, Arc<Conn>>,
}

impl Conns {
    /// No connections yet.
    pub fn new(limits: ConnLimits) -> Conns {
        Conns {
            limits,
            table: Mutex::new(Table::default()),
        }
    }

    /// The limits.
    pub fn limits(&self) -> &ConnLimits {
        &self.limits
    }

    /// Registers a new connection, making room by closing the connection idle longest when
    /// at the cap; `None` when every connection is busy.
    pub fn admit(&self) -> Option<Arc<Conn>> {
        let mut t = lock(&self.table);
        if t.open.len() >= self.limits.max.max(1) && !evict_idlest(&mut t) {
            return None;
        }
        t.next += 1;
        let conn = Arc::new(Conn {
            id: t.next,
            busy: AtomicUsize::new(0),
            activity: Mutex::new(Activity {
                idle_since: Instant::now(),
                head_started: None,
            }),
            kill: tokio::sync::Notify::new(),
            changed: tokio::sync::Notify::new(),
        });
        t.open.insert(conn.id, conn.clone());
        Some(conn)
    }

    /// Closes the connection idle longest (when accepting fails, file descriptors may have
    /// run out); whether there was one.
    pub fn evict_one(&self) -> bool {
        evict_idlest(&mut lock(&self.table))
    }

    /// Forgets a closed connection.
    fn remove(&self, id: u64) {
        lock(&self.table).open.remove(&id);
    }

    /// Open connections.
    pub fn open(&self) -> usize {
        lock(&self.table).open.len()
    }

    /// Runs `serve` (the connection's whole life) until it ends, the connection expires or
    /// it is evicted; then forgets it.
    pub async fn watch(&self, conn: Arc<Conn>, serve: impl std::future::Future<Output = ()>) {
        // Forgotten however this ends: returning, aborted at shutdown, or a panic.
        let _forget = Forget(self, conn.id);
        tokio::pin!(serve);
        loop {
            let deadline = conn.deadline(&self.limits);
            tokio::select! {
                () = &mut serve => break,
                () = conn.kill.notified() => break,
                () = conn.changed.notified() => {}
                () = tokio::time::sleep_until(deadline) => {
                    if conn.is_idle() && conn.deadline(&self.limits) <= Instant::now() {
                        tracing::debug!("closing connection {}: timed out", conn.id);
                        break;
                    }
                }
            }
        }
    }
}

/// Removes a connection from the table when dropped.
struct Forget<'a>(&'a Conns, u64);

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        self.0.remove(self.1);
    }
}

fn evict_idlest(t: &mut Table) -> bool {
    let idlest = t
        .open
        .values()
        .filter(|c| c.is_idle())
        .min_by_key(|c| lock(&c.activity).idle_since)
        .map(|c| c.id);
    match idlest.and_then(|id| t.open.remove(&id)) {
        Some(c) => {
            tracing::debug!("closing idle connection {} for a new one", c.id);
            c.kill.notify_one();
            true
        }
        None => false,
    }
}

/// A stream that tells its connection when a request's first byte arrives.
pub struct Watched<S> {
    inner: S,
    conn: Arc<Conn>,
}

impl<S> Watched<S> {
    /// Wraps `inner`, the transport of `conn`.
    pub fn new(inner: S, conn: Arc<Conn>) -> Watched<S> {
        Watched { inner, conn }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let r = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.conn.first_byte();
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max: usize) -> ConnLimits {
        ConnLimits {
            max,
            header_timeout: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(10),
        }
    }

    #[tokio::test]
    async fn at_the_cap_the_idlest_connection_makes_room_unless_all_are_busy() {
        let conns = Conns::new(limits(2));
        let a = conns.admit().unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        let b = conns.admit().unwrap();
        let busy_a = a.begin();
        // a is busy, b idle: b goes.
        let c = conns.admit().unwrap();
        assert_eq!(conns.open(), 2);
        assert!(!lock(&conns.table).open.contains_key(&b.id));
        let _busy_c = c.begin();
        assert!(conns.admit().is_none(), "every connection busy");
        drop(busy_a);
        assert!(conns.admit().is_some(), "a is idle again");
    }

    #[tokio::test]
    async fn deadlines_follow_the_state() {
        let conns = Conns::new(limits(4));
        let start = Instant::now();
        let a = conns.admit().unwrap();
        let idle = a.deadline(conns.limits());
        assert!(
            idle >= start + Duration::from_secs(10),
            "idle: the idle timeout"
        );
        a.first_byte();
        assert!(
            a.deadline(conns.limits()) < start + Duration::from_secs(5),
            "a header begun: the header timeout"
        );
        let g = a.begin();
        tokio::time::sleep(Duration::from_millis(20)).await;
        let ended = Instant::now();
        drop(g);
        let d = a.deadline(conns.limits());
        assert!(d >= ended + Duration::from_secs(10), "idle again, from now");
        assert!(d > idle);
    }
}
