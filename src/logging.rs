//! Diagnostics to stderr through `tracing`: info by default, `-q` for warnings only,
//! `-v`/`-vv` for debug/trace, RUST_LOG for anything finer.
//!
//! Two rules keep stderr readable:
//! - On a terminal, log lines and progress bars share the screen. While a progress
//!   display is registered ([`route_through`]), each log line is written through
//!   `MultiProgress::suspend`, which clears the bars, prints the line whole and draws
//!   the bars again below it — rather than past them, which left stale bar frames
//!   on screen and cut the line.
//! - Off a terminal (cron, CI, a log file), every line starts with an RFC 3339 UTC
//!   timestamp: the log lines of `tracing` and the state lines the worker's display
//!   prints ([`status_line`]) alike — and the final error line ([`error_line`]) — so
//!   one log can be read and grepped by time.
//! - On a terminal, at the default verbosity and without `--json`, an event reads
//!   like the command's other lines ([`HumanFormat`]): its message alone (`warning:`
//!   or `error:` before it when it is one), no timestamp, span or `key=value` fields.
//!   The structured form — time, level, span, fields — is for logs (off a
//!   terminal), `-v` and `--json`, and RUST_LOG (which asks for detail).

use std::io::{self, IsTerminal, Write};
use std::sync::Mutex;

use chrono::{SecondsFormat, Utc};
use indicatif::MultiProgress;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;

use crate::cli::GlobalArgs;
use crate::context::color_enabled;

pub(crate) fn init(global: &GlobalArgs) {
    let level = match (global.quiet, global.verbose) {
        (true, _) => "warn",
        (false, 0) => "info",
        (false, 1) => "debug",
        (false, _) => "trace",
    };
    // Our own crate at the chosen level; libraries only when something is wrong.
    let default = format!("warn,invoicectl={level}");
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| EnvFilter::try_new(v).ok())
        .unwrap_or_else(|| EnvFilter::new(default));
    let terminal = io::stderr().is_terminal();
    let ansi = color_enabled(global.color, terminal);
    let human =
        terminal && global.verbose == 0 && !global.json && std::env::var_os("RUST_LOG").is_none();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(StderrAboveBars)
        .with_timer(Rfc3339)
        .with_ansi(ansi)
        .with_target(false);
    let _ = if human {
        builder.event_format(HumanFormat).try_init()
    } else {
        builder.try_init()
    };
}

/// The terminal's form of an event: `message`, with `warning: ` or `error: ` before
/// a warning or an error and `: {error}` after it when the event carries an `error`
/// field; everything else (spans, fields, time) is left to the structured form.
pub(crate) struct HumanFormat;

impl<S, N> tracing_subscriber::fmt::FormatEvent<S, N> for HumanFormat
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    N: for<'a> tracing_subscriber::fmt::FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &tracing_subscriber::fmt::FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let mut fields = HumanFields::default();
        event.record(&mut fields);
        writeln!(
            writer,
            "{}",
            human_line(
                *event.metadata().level(),
                &fields.message,
                fields.error.as_deref()
            )
        )
    }
}

fn human_line(level: tracing::Level, message: &str, error: Option<&str>) -> String {
    let prefix = match level {
        tracing::Level::ERROR => "error: ",
        tracing::Level::WARN => "warning: ",
        _ => "",
    };
    match error {
        Some(error) => format!("{prefix}{message}: {error}"),
        None => format!("{prefix}{message}"),
    }
}

/// The two fields [`HumanFormat`] prints.
#[derive(Default)]
struct HumanFields {
    message: String,
    error: Option<String>,
}

impl tracing::field::Visit for HumanFields {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        match field.name() {
            "message" => self.message = value.to_owned(),
            "error" => self.error = Some(value.to_owned()),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => self.message = format!("{value:?}"),
            "error" => self.error = Some(format!("{value:?}")),
            _ => {}
        }
    }
}

/// The progress display log lines go through, while one is shown.
static BARS: Mutex<Option<MultiProgress>> = Mutex::new(None);

/// Keeps log lines above `bars` until dropped (then they go straight to stderr
/// again, or through the display registered before).
#[must_use = "log lines go through the bars only while the route is held"]
pub(crate) struct BarsRoute {
    previous: Option<MultiProgress>,
}

/// Routes log lines through `bars` (see the module docs) while the result is held.
pub(crate) fn route_through(bars: &MultiProgress) -> BarsRoute {
    let previous = lock_bars().replace(bars.clone());
    BarsRoute { previous }
}

impl Drop for BarsRoute {
    fn drop(&mut self) {
        *lock_bars() = self.previous.take();
    }
}

fn lock_bars() -> std::sync::MutexGuard<'static, Option<MultiProgress>> {
    // A panic while holding the lock leaves nothing half-done: the value is a handle.
    BARS.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Writes `bytes` (whole lines) to stderr, above the bars if a display is shown.
fn write_stderr(bytes: &[u8]) -> io::Result<()> {
    let write = || {
        let mut err = io::stderr().lock();
        err.write_all(bytes)?;
        err.flush()
    };
    // Clone the handle so that the lock is not held while drawing.
    let bars = lock_bars().clone();
    match bars {
        Some(bars) => bars.suspend(write),
        None => write(),
    }
}

/// `tracing`'s writer: one buffer per event, written in one piece when the event is
/// formatted (the fmt layer drops its writer after each event).
struct StderrAboveBars;

impl<'a> MakeWriter<'a> for StderrAboveBars {
    type Writer = EventBuffer;

    fn make_writer(&'a self) -> EventBuffer {
        EventBuffer(Vec::with_capacity(256))
    }
}

struct EventBuffer(Vec<u8>);

impl Write for EventBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for EventBuffer {
    fn drop(&mut self) {
        if !self.0.is_empty() {
            // Nowhere left to report a failing stderr.
            let _ = write_stderr(&self.0);
        }
    }
}

/// The time of log lines: RFC 3339 UTC with milliseconds, as everywhere else.
struct Rfc3339;

impl FormatTime for Rfc3339 {
    fn format_time(&self, w: &mut Writer<'_>) -> std::fmt::Result {
        write!(w, "{}", now())
    }
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Prints a message for the person running the command (`note: …`, `hint: …`) on
/// stderr, above any progress bar; never timestamped: it is the command's own
/// output, like its error line.
pub(crate) fn note(text: &str) -> io::Result<()> {
    write_stderr(format!("{text}\n").as_bytes())
}

/// How a state line of the worker's display is written on stderr (see
/// [`status_line`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    Info,
    Warn,
}

/// Prints a state line (a run started, ended, 10 % further) on stderr: as is on a
/// terminal; elsewhere prefixed like a `tracing` line — timestamp, then level — so
/// that a cron log reads as one stream.
pub(crate) fn status_line(level: Level, text: &str) -> io::Result<()> {
    let line = format_status_line(io::stderr().is_terminal(), level, text);
    write_stderr(line.as_bytes())
}

/// The final error line of a command (`invoicectl: error: …`), as the one error
/// printer writes it: on a terminal or from a command that is not a long-lived
/// worker, as is (a script's `2>&1` reads one plain line); from `export worker` off a
/// terminal — the cron and systemd log — timestamped like every other line there.
pub(crate) fn error_line(worker: bool, text: &str) -> String {
    if worker && !io::stderr().is_terminal() {
        format!("{} ERROR {text}\n", now())
    } else {
        format!("{text}\n")
    }
}

fn format_status_line(terminal: bool, level: Level, text: &str) -> String {
    if terminal {
        return format!("{text}\n");
    }
    let level = match level {
        Level::Info => " INFO",
        Level::Warn => " WARN",
    };
    format!("{} {level} {text}\n", now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_are_timestamped_off_a_terminal_only() {
        assert_eq!(
            format_status_line(true, Level::Info, "org_acme run_1: completed"),
            "org_acme run_1: completed\n"
        );
        let line = format_status_line(false, Level::Warn, "org_acme run_1: failed");
        let (time, rest) = line.split_once(' ').unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(time).is_ok(),
            "{line:?}"
        );
        assert_eq!(rest, " WARN org_acme run_1: failed\n");
    }

    #[test]
    fn terminal_events_read_like_the_other_lines() {
        assert_eq!(
            human_line(
                tracing::Level::INFO,
                "email for run_1 written to /tmp/outbox/a.eml",
                None
            ),
            "email for run_1 written to /tmp/outbox/a.eml"
        );
        assert_eq!(
            human_line(tracing::Level::WARN, "cannot abort the upload", Some("503")),
            "warning: cannot abort the upload: 503"
        );
    }
}
