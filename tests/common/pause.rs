//! The test side of the binary's pause points (`invoicectl::testhook`): hold a
//! process at a named point, wait until it is there, let it go. A test stops a
//! worker or a prune exactly where it means to, instead of racing its speed.

use std::path::Path;
use std::time::{Duration, Instant};

pub use invoicectl::testhook::PAUSE_DIR_VAR;

/// A directory of `.hold` / `.reached` files for the processes given [`Self::var`].
pub struct PausePoints {
    dir: tempfile::TempDir,
}

impl Default for PausePoints {
    fn default() -> Self {
        Self::new()
    }
}

impl PausePoints {
    pub fn new() -> PausePoints {
        PausePoints {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// The variable to give a process: `(name, value)`.
    pub fn var(&self) -> (&'static str, &Path) {
        (PAUSE_DIR_VAR, self.dir.path())
    }

    /// Holds the process at the `nth` time it reaches `point` (counted per process).
    pub fn hold(&self, point: &str, nth: u64) {
        let _ = std::fs::remove_file(self.dir.path().join(format!("{point}.reached")));
        std::fs::write(
            self.dir.path().join(format!("{point}.hold")),
            nth.to_string(),
        )
        .unwrap();
    }

    /// The pid of the process held at `point`, once one is; fails past `limit`, or
    /// when `alive` says the process to be held is gone.
    pub async fn wait_reached(
        &self,
        point: &str,
        limit: Duration,
        mut alive: impl FnMut() -> bool,
    ) -> u32 {
        let reached = self.dir.path().join(format!("{point}.reached"));
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(pid) = std::fs::read_to_string(&reached)
                && let Ok(pid) = pid.trim().parse()
            {
                return pid;
            }
            assert!(alive(), "the process exited before it reached {point}");
            assert!(
                Instant::now() < deadline,
                "nothing reached {point} within {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Lets the held process go on.
    pub fn release(&self, point: &str) {
        std::fs::remove_file(self.dir.path().join(format!("{point}.hold"))).unwrap();
    }
}
