//! How a standalone simulator (`esxsim`, and its vcsim-compatible mode) runs: on a runtime
//! of its own, until SIGTERM or SIGINT, watched from before its address is printed.

use std::future::Future;
use std::process::ExitCode;

use tokio::signal::unix::{signal, Signal, SignalKind};

/// Runs `main` on a multi-threaded runtime; a runtime that cannot start is a failure, said
/// on stderr.
pub fn block_on(main: impl Future<Output = ExitCode>) -> ExitCode {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(main),
        Err(e) => {
            eprintln!("esxsim: cannot start the runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

/// SIGTERM and SIGINT, watched from the moment this is made: whoever starts the simulator
/// may stop it as soon as it has read the address.
pub struct StopSignals {
    term: Option<Signal>,
    interrupt: Option<Signal>,
}

impl StopSignals {
    /// Starts watching both signals (one that cannot be watched never arrives).
    pub fn watch() -> StopSignals {
        StopSignals {
            term: signal(SignalKind::terminate()).ok(),
            interrupt: signal(SignalKind::interrupt()).ok(),
        }
    }

    /// Until either signal arrives.
    pub async fn wait(self) {
        self.wait_or(std::future::pending()).await
    }

    /// Until either signal arrives or `other` ends.
    pub async fn wait_or(self, other: impl Future<Output = ()>) {
        tokio::select! {
            _ = recv(self.term) => {}
            _ = recv(self.interrupt) => {}
            _ = other => {}
        }
    }
}

async fn recv(s: Option<Signal>) {
    match s {
        Some(mut s) => {
            s.recv().await;
        }
        None => std::future::pending().await,
    }
}
