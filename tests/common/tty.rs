//! A pseudo-terminal of a given width for the binary's stdout, so tests see what a
//! person at an 80-column terminal sees: tables fitted to the width, streams cut to
//! it. Only stdout is the terminal (stderr is captured apart), so a table is what is
//! read back, whole.

use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Command, Stdio};
use std::time::Duration;

/// What the command printed on a `cols`-column terminal (CR LF turned back into LF)
/// and its stderr; panics if it does not exit 0 within a minute.
pub fn run_on_tty(cmd: Command, cols: u16) -> (String, String) {
    run(cmd, cols, false)
}

/// What the command printed on stdout (a pipe) and on stderr, a `cols`-column
/// terminal — as a person running a worker by hand sees its log lines.
pub fn run_with_stderr_on_tty(cmd: Command, cols: u16) -> (String, String) {
    let (tty, stdout) = run(cmd, cols, true);
    (stdout, tty)
}

/// Runs `cmd` with stdout (or, `stderr_tty`, stderr) on a pty; returns what the pty
/// read and the other stream.
fn run(mut cmd: Command, cols: u16, stderr_tty: bool) -> (String, String) {
    let (master, slave) = open_pty(cols);
    let (stdout, stderr) = if stderr_tty {
        (Stdio::piped(), Stdio::from(slave))
    } else {
        (Stdio::from(slave), Stdio::piped())
    };
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .expect("spawn on a pty");
    // `cmd` still holds a copy of the slave end: drop it, so the master reads EOF
    // (EIO) once the child exits.
    drop(cmd);
    let reader = std::thread::spawn(move || {
        let mut master = std::fs::File::from(master);
        let mut out = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            match master.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
        out
    });
    let status = super::process::wait_exit(&mut child, Duration::from_secs(60));
    let mut stderr = String::new();
    let mut other: Box<dyn Read> = match (child.stdout.take(), child.stderr.take()) {
        (Some(out), _) => Box::new(out),
        (_, Some(err)) => Box::new(err),
        _ => unreachable!("one stream is piped"),
    };
    other.read_to_string(&mut stderr).unwrap();
    let out = String::from_utf8(reader.join().unwrap()).expect("UTF-8 output");
    assert!(status.success(), "exit {status}: {stderr}\n{out}");
    (out.replace("\r\n", "\n"), stderr)
}

fn open_pty(cols: u16) -> (OwnedFd, OwnedFd) {
    let (mut master, mut slave) = (-1, -1);
    let size = libc::winsize {
        ws_row: 50,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two descriptors it opened; the name is not asked for.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors are open and owned by nobody else.
    unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
}

/// The display width of each line that is wider than `cols`, with the line.
pub fn too_wide(out: &str, cols: usize) -> Vec<(usize, String)> {
    out.lines()
        .map(|l| (l.chars().count(), l.to_owned()))
        .filter(|(w, _)| *w > cols)
        .collect()
}
