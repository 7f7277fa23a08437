//! Child processes beside a test: signals, bounded waits, and [`Process`], a child
//! that is resumed, killed and reaped when the test ends, however it ends (a failed
//! assertion must not leave a worker holding the test database).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Sends `signal` to a child process that has not been reaped.
pub fn signal(child: &Child, signal: libc::c_int) {
    let pid = child.id() as libc::pid_t;
    // SAFETY: kill(2) has no memory-safety preconditions; the pid is our child's,
    // which is not reaped while `child` is borrowed.
    let rc = unsafe { libc::kill(pid, signal) };
    assert_eq!(rc, 0, "kill({pid}, {signal})");
}

/// Waits (bounded) for a child to exit; kills it and fails past `limit`.
pub fn wait_exit(child: &mut Child, limit: Duration) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the process did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A child process (stdin closed) that is resumed, killed and reaped on drop.
pub struct Process {
    pub child: Child,
    /// Where its stdout and stderr go, when they are kept.
    logs: Option<(PathBuf, PathBuf)>,
}

impl Process {
    /// Spawns `cmd` with its stdout and stderr discarded.
    pub fn spawn(cmd: &mut Command) -> Process {
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn a process");
        Process { child, logs: None }
    }

    /// Spawns `cmd` with its stdout and stderr in `<dir>/<name>.stdout` and
    /// `<dir>/<name>.stderr`.
    pub fn logged(cmd: &mut Command, dir: &Path, name: &str) -> Process {
        let stdout = dir.join(format!("{name}.stdout"));
        let stderr = dir.join(format!("{name}.stderr"));
        let child = cmd
            .stdin(Stdio::null())
            .stdout(File::create(&stdout).unwrap())
            .stderr(File::create(&stderr).unwrap())
            .spawn()
            .expect("spawn a process");
        Process {
            child,
            logs: Some((stdout, stderr)),
        }
    }

    pub fn stdout_path(&self) -> &Path {
        &self.logs.as_ref().expect("a logged process").0
    }

    pub fn stdout_text(&self) -> String {
        std::fs::read_to_string(self.stdout_path()).unwrap_or_default()
    }

    /// What it wrote on stderr so far (empty when not logged).
    pub fn stderr_text(&self) -> String {
        self.logs
            .as_ref()
            .and_then(|(_, stderr)| std::fs::read_to_string(stderr).ok())
            .unwrap_or_default()
    }

    pub fn signal(&self, sig: libc::c_int) {
        signal(&self.child, sig);
    }

    pub fn assert_running(&mut self) {
        assert!(
            self.child.try_wait().unwrap().is_none(),
            "the process exited on its own; stderr: {}",
            self.stderr_text()
        );
    }

    /// Waits (bounded) for it to exit; fails past `limit`, naming its stderr.
    pub fn wait(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "no exit within {limit:?}; stderr: {}",
                self.stderr_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM, then the exit status, which must come within `limit`.
    pub fn terminate(&mut self, limit: Duration) -> ExitStatus {
        self.signal(libc::SIGTERM);
        self.wait(limit)
    }

    /// SIGKILL, then reaps it.
    pub fn kill(&mut self) {
        self.signal(libc::SIGKILL);
        self.child.wait().unwrap();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            // SAFETY: kill(2) on our own child, which has not been reaped.
            unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGCONT) };
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
