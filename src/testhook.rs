//! Pause points for tests: TEST-ONLY, inert unless `INVOICECTL_TEST_PAUSE_DIR` is set.
//!
//! Fault tests must stop a worker at a chosen moment (inside a checkpoint
//! transaction, after its Nth page, while a prune holds a row) without racing its
//! speed. Code marks such a moment with `pause``("name")`. A test that wants the
//! process held there writes `<dir>/<name>.hold` containing N (default 1): the Nth
//! time this process reaches the point it writes `<dir>/<name>.reached` (holding its
//! pid) and waits, polling, until the test removes the `.hold` file. The test can
//! then signal the process (SIGSTOP, SIGKILL) knowing exactly where it is, or let it
//! go on.
//!
//! Production never sets the variable; with it unset, a pause point is one
//! environment lookup. The points in use: `checkpoint-in-transaction` (the engine, a
//! checkpoint's fenced write done, its commit next), `checkpoint-committed` (the
//! engine, a checkpoint that is progress just committed), `attempt-started` (the
//! engine, an attempt claimed or resumed, its task body next), `export-page` (the
//! export task, before each page, outside any transaction), `upload-created` (the
//! export task, a multipart upload created, the checkpoint naming it not yet
//! committed), `close-out-written` (the export task, its close-out's export row and
//! audit entry written, the run's completion and the commit next),
//! `close-out-committed` (the export task, its close-out and the run's
//! completion just committed), `prune-claimed` (`export prune`, a row locked, its
//! object not yet deleted).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// The variable naming the directory of `.hold` / `.reached` files.
pub const PAUSE_DIR_VAR: &str = "INVOICECTL_TEST_PAUSE_DIR";

static REACHED: Mutex<Option<HashMap<&'static str, u64>>> = Mutex::new(None);

/// A pause point (see the module doc). Returns at once unless a test holds it.
pub(crate) async fn pause(name: &'static str) {
    let Some(dir) = std::env::var_os(PAUSE_DIR_VAR).map(PathBuf::from) else {
        return;
    };
    let count = {
        let mut reached = REACHED.lock().unwrap_or_else(|e| e.into_inner());
        let n = reached
            .get_or_insert_with(HashMap::new)
            .entry(name)
            .or_insert(0);
        *n += 1;
        *n
    };
    let hold = dir.join(format!("{name}.hold"));
    let Ok(text) = std::fs::read_to_string(&hold) else {
        return;
    };
    if text.trim().parse::<u64>().unwrap_or(1) != count {
        return;
    }
    let _ = std::fs::write(
        dir.join(format!("{name}.reached")),
        std::process::id().to_string(),
    );
    tracing::debug!(point = name, "test pause point reached; holding");
    while hold.exists() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
