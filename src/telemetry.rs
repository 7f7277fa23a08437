//! Serving metrics: `export worker --metrics-addr` installs the Prometheus exporter
//! as the recorder of the `metrics` facade and serves its text with the small,
//! bounded HTTP server of [`http`] on the worker's runtime (the exporter renders;
//! its own listener is not used, see [`http`] for why). The engine ([`crate::engine::metrics`]) and the export task
//! ([`crate::exports::metrics`]) record through the facade and never see the
//! exporter; without `--metrics-addr` no recorder is installed and every recording
//! is the facade's no-op.
//!
//! The address is checked before the worker claims anything: one that is not
//! `IP:PORT` (or is port 0, which nobody could scrape) or not an address of this host
//! exits 65; one in use exits 75 (another process holds it, typically a worker
//! still stopping; the same command later may work); one the process may not bind
//! (a port below 1024) exits 77.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::error::{Classify, ExitKind};

pub(crate) mod http;

/// How often the queue gauges are sampled (one statement per sample, per worker).
pub(crate) const QUEUE_SAMPLE_EVERY: Duration = Duration::from_secs(5);

/// Histogram buckets for every `*_duration_seconds`, from an email's tens of
/// milliseconds to an export's hour-long `max_duration`.
const DURATION_BUCKETS: [f64; 16] = [
    0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0,
    3600.0,
];

#[derive(Debug, thiserror::Error)]
pub(crate) enum MetricsError {
    #[error(
        "--metrics-addr {0:?} is not an IP address and a port, such as 127.0.0.1:9464 or [::1]:9464"
    )]
    BadAddress(String),
    #[error("--metrics-addr {0}: port 0 would serve on a port nobody knows; name a port")]
    PortZero(SocketAddr),
    #[error("cannot serve metrics on {addr} (not an address of this host)")]
    NotLocal { addr: SocketAddr, source: io::Error },
    #[error("cannot serve metrics on {addr}: the address is in use (another worker on this host?)")]
    InUse { addr: SocketAddr },
    #[error("cannot serve metrics on {addr} (ports below 1024 need privileges)")]
    Denied { addr: SocketAddr, source: io::Error },
    #[error("cannot serve metrics on {addr}")]
    Bind { addr: SocketAddr, source: io::Error },
    #[error("cannot start the metrics exporter")]
    Exporter(#[source] metrics_exporter_prometheus::BuildError),
    /// `metrics::set_global_recorder` refuses a second recorder in a process.
    #[error("cannot start the metrics exporter: a metrics recorder is already installed")]
    AlreadyInstalled,
}

impl Classify for MetricsError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            MetricsError::BadAddress(_)
            | MetricsError::PortZero(_)
            | MetricsError::NotLocal { .. } => ExitKind::Invalid,
            MetricsError::InUse { .. } => ExitKind::TempFail,
            MetricsError::Denied { .. } => ExitKind::PermissionDenied,
            MetricsError::Bind { .. } => ExitKind::Unavailable,
            MetricsError::Exporter(_) | MetricsError::AlreadyInstalled => ExitKind::Failure,
        }
    }
}

/// Parses `--metrics-addr`: an IP address and a port other than 0.
pub(crate) fn parse_addr(text: &str) -> Result<SocketAddr, MetricsError> {
    let addr: SocketAddr = text
        .trim()
        .parse()
        .map_err(|_| MetricsError::BadAddress(text.to_owned()))?;
    if addr.port() == 0 {
        return Err(MetricsError::PortZero(addr));
    }
    Ok(addr)
}

/// [`serve`], returning a handle that renders the same text (for [`write_textfile`]).
pub(crate) fn serve_and_keep(addr: SocketAddr) -> Result<PrometheusHandle, MetricsError> {
    let listener = std::net::TcpListener::bind(addr).map_err(|source| bind_error(addr, source))?;
    listener
        .set_nonblocking(true)
        .map_err(|source| MetricsError::Bind { addr, source })?;
    let listener = tokio::net::TcpListener::from_std(listener)
        .map_err(|source| MetricsError::Bind { addr, source })?;
    let handle = install_recorder()?;
    // Without the exporter's own listener, its periodic upkeep (draining histogram
    // buffers) is ours to run.
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(5));
        loop {
            every.tick().await;
            upkeep.run_upkeep();
        }
    });
    let served = handle.clone();
    tokio::spawn(http::serve(listener, move || served.render(), http::LIMITS));
    crate::engine::metrics::describe();
    crate::exports::metrics::describe();
    // Debug: a long-running worker says so at info itself (see `export worker`).
    tracing::debug!("serving Prometheus metrics at http://{addr}/metrics");
    Ok(handle)
}

/// Installs the process's Prometheus recorder (our duration buckets) and returns its
/// handle.
fn install_recorder() -> Result<PrometheusHandle, MetricsError> {
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Suffix("_duration_seconds".to_owned()),
            &DURATION_BUCKETS,
        )
        .map_err(MetricsError::Exporter)?
        .build_recorder();
    let handle = recorder.handle();
    ::metrics::set_global_recorder(recorder).map_err(|_| MetricsError::AlreadyInstalled)?;
    Ok(handle)
}

/// Records metrics without serving them, for a worker that writes them to a file
/// when it ends ([`write_textfile`]): a cron `--drain`, which no scrape could catch
/// alive. Call once per process.
pub fn record() -> Result<PrometheusHandle, MetricsError> {
    let handle = install_recorder()?;
    crate::engine::metrics::describe();
    crate::exports::metrics::describe();
    Ok(handle)
}

/// The gauge a textfile ends with: when the worker that wrote it finished. A cron
/// worker's alert is on its age (`time() - … > 600`: no drain finished for ten
/// minutes), as for any batch job; `up` says nothing about a process that exits.
pub(crate) const LAST_RUN: &str = "invoicectl_worker_last_run_timestamp_seconds";

/// Why the metrics file could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the metrics file {}", path.display())]
pub(crate) struct TextfileError {
    pub path: std::path::PathBuf,
    #[source]
    pub source: io::Error,
}

impl Classify for TextfileError {
    fn exit_kind(&self) -> ExitKind {
        match self.source.kind() {
            io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
                ExitKind::PermissionDenied
            }
            _ => ExitKind::Failure,
        }
    }
}

/// Writes what `handle` renders, and [`LAST_RUN`], to `path` for node_exporter's
/// textfile collector: into a temporary file beside it, then renamed over it, so
/// the collector never reads half a file. World-readable (0644): node_exporter runs
/// as its own user, and metrics hold no secret.
pub(crate) fn write_textfile(
    handle: &PrometheusHandle,
    path: &std::path::Path,
) -> Result<(), TextfileError> {
    let error = |source| TextfileError {
        path: path.to_path_buf(),
        source,
    };
    ::metrics::describe_gauge!(
        LAST_RUN,
        ::metrics::Unit::Seconds,
        "When this worker (a cron --drain or --once) finished: the Unix time of its end"
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    ::metrics::gauge!(LAST_RUN).set(now.as_secs_f64());
    let text = handle.render();
    let tmp = path.with_extension(format!("prom.{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        io::Write::write_all(&mut file, text.as_bytes())?;
        file.sync_all()?;
        #[cfg(unix)]
        std::fs::set_permissions(&tmp, std::os::unix::fs::PermissionsExt::from_mode(0o644))?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.map_err(error)
}

fn bind_error(addr: SocketAddr, source: io::Error) -> MetricsError {
    match source.kind() {
        io::ErrorKind::AddrInUse => MetricsError::InUse { addr },
        io::ErrorKind::AddrNotAvailable => MetricsError::NotLocal { addr, source },
        io::ErrorKind::PermissionDenied => MetricsError::Denied { addr, source },
        _ => MetricsError::Bind { addr, source },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_addresses_are_ip_and_port() {
        assert_eq!(
            parse_addr("127.0.0.1:9464").unwrap(),
            "127.0.0.1:9464".parse().unwrap()
        );
        assert_eq!(parse_addr("[::1]:9464").unwrap().port(), 9464);
        for bad in ["", "9464", "localhost:9464", "127.0.0.1", "127.0.0.1:99999"] {
            let e = parse_addr(bad).unwrap_err();
            assert_eq!(e.exit_kind(), ExitKind::Invalid, "{bad}: {e}");
        }
        assert!(matches!(
            parse_addr("0.0.0.0:0"),
            Err(MetricsError::PortZero(_))
        ));
    }

    #[test]
    fn bind_failures_map_to_exit_codes() {
        let addr: SocketAddr = "127.0.0.1:9464".parse().unwrap();
        let kind = |k: io::ErrorKind| bind_error(addr, io::Error::from(k)).exit_kind();
        assert_eq!(kind(io::ErrorKind::AddrInUse), ExitKind::TempFail);
        assert_eq!(kind(io::ErrorKind::AddrNotAvailable), ExitKind::Invalid);
        assert_eq!(
            kind(io::ErrorKind::PermissionDenied),
            ExitKind::PermissionDenied
        );
        assert_eq!(kind(io::ErrorKind::Other), ExitKind::Unavailable);
    }
}
