//! The metrics endpoint's HTTP server: a deliberately small HTTP/1.1 server that
//! answers `GET`/`HEAD` with the Prometheus text and nothing else.
//!
//! Why our own: the exporter crate's listener accepts every connection, waits for a
//! request head forever, answers any method and reads any body, and spins logging
//! when `accept` fails. An idle scraper-looking client could thereby hold file
//! descriptors until the worker's exports failed with "Too many open files". This
//! server bounds everything a client can make it hold:
//!
//! - at most [`Limits::max_connections`] connections at once. A permit is taken
//!   *before* `accept`, so clients beyond the cap wait in the kernel's listen backlog
//!   and never cost the worker a file descriptor;
//! - a request head must arrive whole within [`Limits::header_timeout`] (a slowloris
//!   is closed with 408), a kept-alive connection may sit idle for
//!   [`Limits::idle_timeout`], and a response must be taken within
//!   [`Limits::write_timeout`];
//! - heads over [`Limits::max_head_bytes`] get 431; a request body over
//!   [`Limits::max_body_bytes`] (or chunked) gets 413 unread; a method other than
//!   `GET` or `HEAD` gets 405 with `Allow: GET, HEAD`; every refusal closes the
//!   connection;
//! - when `accept` itself fails (EMFILE: the process is out of descriptors), the loop
//!   backs off (10 ms doubling to 1 s) and logs at most once a minute, with how many
//!   failures it did not log.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::{Instant, timeout, timeout_at};

/// What one client may make the server hold.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
    pub write_timeout: Duration,
    pub max_head_bytes: usize,
    pub max_body_bytes: u64,
}

/// A Prometheus server scrapes every 15-60 s over one kept-alive connection or a
/// few; 16 connections leave room for several scrapers and a curl.
pub(crate) const LIMITS: Limits = Limits {
    max_connections: 16,
    header_timeout: Duration::from_secs(5),
    idle_timeout: Duration::from_secs(30),
    write_timeout: Duration::from_secs(10),
    max_head_bytes: 8 * 1024,
    max_body_bytes: 1024,
};

/// How often a failing `accept` is logged at most.
const ACCEPT_LOG_EVERY: Duration = Duration::from_secs(60);

/// Serves `render()` on `listener` until the task is dropped.
pub(crate) async fn serve<F>(listener: TcpListener, render: F, limits: Limits)
where
    F: Fn() -> String + Send + Sync + 'static,
{
    let render = Arc::new(render);
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let mut backoff = Duration::ZERO;
    let mut last_log: Option<Instant> = None;
    let mut unlogged = 0u64;
    loop {
        let permit = permits
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        match listener.accept().await {
            Ok((stream, _)) => {
                backoff = Duration::ZERO;
                let render = render.clone();
                tokio::spawn(async move {
                    let _permit = permit;
                    if let Err(e) = connection(stream, &*render, limits).await {
                        tracing::debug!(error = %crate::redact::log_text(&e), "metrics connection ended");
                    }
                });
            }
            Err(e) => {
                drop(permit);
                backoff = (backoff * 2).clamp(Duration::from_millis(10), Duration::from_secs(1));
                let now = Instant::now();
                if last_log.is_none_or(|at| now.duration_since(at) >= ACCEPT_LOG_EVERY) {
                    tracing::warn!(
                        error = %crate::redact::log_text(&e),
                        not_logged = unlogged,
                        "the metrics listener cannot accept connections; backing off (logged at most once a minute)"
                    );
                    last_log = Some(now);
                    unlogged = 0;
                } else {
                    unlogged += 1;
                }
                tokio::time::sleep(backoff).await;
            }
        }
    }
}

/// One parsed request head.
#[derive(Debug, PartialEq, Eq)]
struct Request {
    method: String,
    path: String,
    keep_alive: bool,
    content_length: u64,
    chunked: bool,
}

enum Head {
    /// The head ends at this offset (after its blank line).
    Complete(usize),
    /// The client closed the connection between requests.
    Closed,
    TimedOut,
    TooLarge,
}

async fn connection<F>(mut stream: TcpStream, render: &F, limits: Limits) -> io::Result<()>
where
    F: Fn() -> String,
{
    let _ = stream.set_nodelay(true);
    let mut buf: Vec<u8> = Vec::with_capacity(1024);
    let mut first = true;
    loop {
        let head = read_head(&mut stream, &mut buf, first, limits).await?;
        first = false;
        let end = match head {
            Head::Complete(end) => end,
            Head::Closed => return Ok(()),
            Head::TimedOut => {
                return refuse(&mut stream, "408 Request Timeout", &[], limits).await;
            }
            Head::TooLarge => {
                return refuse(
                    &mut stream,
                    "431 Request Header Fields Too Large",
                    &[],
                    limits,
                )
                .await;
            }
        };
        let Some(request) = parse_head(&buf[..end]) else {
            return refuse(&mut stream, "400 Bad Request", &[], limits).await;
        };
        buf.drain(..end);
        if request.chunked || request.content_length > limits.max_body_bytes {
            return refuse(&mut stream, "413 Content Too Large", &[], limits).await;
        }
        if request.method != "GET" && request.method != "HEAD" {
            return refuse(
                &mut stream,
                "405 Method Not Allowed",
                &["Allow: GET, HEAD"],
                limits,
            )
            .await;
        }
        // A small body is read and dropped, so the next request starts where it should.
        let body = request.content_length as usize;
        let deadline = Instant::now() + limits.header_timeout;
        while buf.len() < body {
            let mut chunk = [0u8; 1024];
            match timeout_at(deadline, stream.read(&mut chunk)).await {
                Ok(Ok(0)) => return Ok(()),
                Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
                Ok(Err(e)) => return Err(e),
                Err(_) => return refuse(&mut stream, "408 Request Timeout", &[], limits).await,
            }
        }
        buf.drain(..body);
        let (content_type, text) = if request.path == "/health" {
            ("text/plain; charset=utf-8", "OK".to_owned())
        } else {
            ("text/plain; version=0.0.4; charset=utf-8", render())
        };
        let mut response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: {}\r\n\r\n",
            text.len(),
            if request.keep_alive { "keep-alive" } else { "close" }
        )
        .into_bytes();
        if request.method == "GET" {
            response.extend_from_slice(text.as_bytes());
        }
        write(&mut stream, &response, limits).await?;
        if !request.keep_alive {
            let _ = stream.shutdown().await;
            return Ok(());
        }
    }
}

/// Reads until `buf` holds a whole head. The first request's head must be complete
/// within `header_timeout` of the accept; a later one may wait `idle_timeout` for its
/// first byte and then has `header_timeout` for the rest.
async fn read_head(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    first: bool,
    limits: Limits,
) -> io::Result<Head> {
    let mut deadline = Instant::now()
        + if first {
            limits.header_timeout
        } else {
            limits.idle_timeout
        };
    let mut started = first || !buf.is_empty();
    if started && !first {
        deadline = Instant::now() + limits.header_timeout;
    }
    let mut chunk = [0u8; 1024];
    loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            return Ok(Head::Complete(at + 4));
        }
        if buf.len() > limits.max_head_bytes {
            return Ok(Head::TooLarge);
        }
        let n = match timeout_at(deadline, stream.read(&mut chunk)).await {
            Ok(read) => read?,
            Err(_) if buf.is_empty() && !first => return Ok(Head::Closed),
            Err(_) => return Ok(Head::TimedOut),
        };
        if n == 0 {
            return Ok(Head::Closed);
        }
        buf.extend_from_slice(&chunk[..n]);
        if !started {
            started = true;
            deadline = Instant::now() + limits.header_timeout;
        }
    }
}

/// Parses a request line and the headers that matter here; `None`: not HTTP/1.x.
fn parse_head(head: &[u8]) -> Option<Request> {
    let text = std::str::from_utf8(head).ok()?;
    let mut lines = text.split("\r\n");
    let mut parts = lines.next()?.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || method.is_empty() || !target.starts_with('/') {
        return None;
    }
    let http11 = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ => return None,
    };
    let mut request = Request {
        method: method.to_owned(),
        path: target.split('?').next().unwrap_or(target).to_owned(),
        keep_alive: http11,
        content_length: 0,
        chunked: false,
    };
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':')?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            request.content_length = value.parse().ok()?;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            request.chunked = true;
        } else if name.eq_ignore_ascii_case("connection") {
            let value = value.to_ascii_lowercase();
            if value.contains("close") {
                request.keep_alive = false;
            } else if value.contains("keep-alive") {
                request.keep_alive = true;
            }
        }
    }
    Some(request)
}

/// Answers an error status and closes: nothing more is read from this client.
async fn refuse(
    stream: &mut TcpStream,
    status: &str,
    headers: &[&str],
    limits: Limits,
) -> io::Result<()> {
    let mut response = format!("HTTP/1.1 {status}\r\n");
    for header in headers {
        response.push_str(header);
        response.push_str("\r\n");
    }
    response.push_str("Content-Length: 0\r\nConnection: close\r\n\r\n");
    write(stream, response.as_bytes(), limits).await?;
    let _ = timeout(limits.write_timeout, stream.shutdown()).await;
    Ok(())
}

async fn write(stream: &mut TcpStream, bytes: &[u8], limits: Limits) -> io::Result<()> {
    timeout(limits.write_timeout, stream.write_all(bytes))
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "the client does not read"))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_heads() {
        let r = parse_head(b"GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
        assert_eq!(
            r,
            Request {
                method: "GET".into(),
                path: "/metrics".into(),
                keep_alive: true,
                content_length: 0,
                chunked: false,
            }
        );
        let r = parse_head(b"POST / HTTP/1.0\r\nContent-Length: 10485760\r\n\r\n").unwrap();
        assert!(!r.keep_alive);
        assert_eq!(r.content_length, 10 << 20);
        let r = parse_head(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n").unwrap();
        assert!(!r.keep_alive);
        let r = parse_head(b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").unwrap();
        assert!(r.chunked);
        for bad in [
            &b"GET /\r\n\r\n"[..],
            b"GET / HTTP/2\r\n\r\n",
            b"GET x HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        ] {
            assert!(
                parse_head(bad).is_none(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
