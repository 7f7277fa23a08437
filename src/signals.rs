//! SIGINT and SIGTERM: the signals that ask a long-running command (`export
//! worker`, `audit tail --follow`, `demo`) to stop gracefully. One place, so that
//! every command stops on the same signals.

use std::io;

/// SIGINT and SIGTERM, registered up front so that an early signal is not lost.
pub(crate) struct Shutdown {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Shutdown {
    pub(crate) fn install() -> io::Result<Shutdown> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Shutdown {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Shutdown {})
    }

    /// Resolves on the first SIGINT or SIGTERM since [`Shutdown::install`].
    pub(crate) async fn wait(mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        {
            let _ = &mut self;
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Resolves on SIGINT or SIGTERM from now on; never, if the handlers cannot be
/// installed.
pub async fn wait_for_signal() {
    match Shutdown::install() {
        Ok(shutdown) => shutdown.wait().await,
        Err(_) => std::future::pending().await,
    }
}
