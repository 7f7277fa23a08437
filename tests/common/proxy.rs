//! A TCP proxy in front of the test PostgreSQL server, so a test can take the
//! database away from ONE worker process without touching the server every other
//! test shares: point the worker's `--database-url` at [`PgProxy::url`], then
//! [`cut`](PgProxy::cut) (every open connection is closed and new ones are reset as
//! soon as they are accepted, like a host that went away mid-conversation),
//! [`restore`](PgProxy::restore), or [`refuse`](PgProxy::refuse) for good (the port
//! is closed: connections are refused, like a stopped server).
//!
//! It runs on its own thread and runtime, so it keeps forwarding while the test
//! blocks, and it stops when dropped.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Forward,
    Cut,
    Refuse,
}

/// A running proxy; stops when dropped.
pub struct PgProxy {
    addr: SocketAddr,
    mode: watch::Sender<Mode>,
    thread: Option<std::thread::JoinHandle<()>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl PgProxy {
    /// Listens on 127.0.0.1 (a free port) and forwards to `upstream`.
    pub fn start(upstream: SocketAddr) -> PgProxy {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("local address");
        let (mode, modes) = watch::channel(Mode::Forward);
        let (shutdown, mut stop) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(format!("pg-proxy-{}", addr.port()))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("proxy runtime");
                runtime.block_on(async move {
                    let listener = TcpListener::from_std(listener).expect("tokio listener");
                    let mut watching = modes.clone();
                    let stopped = loop {
                        tokio::select! {
                            _ = &mut stop => break true,
                            changed = watching.changed() => {
                                if changed.is_err() || *watching.borrow() == Mode::Refuse {
                                    break false;
                                }
                            }
                            accepted = listener.accept() => {
                                let Ok((client, _)) = accepted else { continue };
                                if *modes.borrow() != Mode::Forward {
                                    reset(client);
                                    continue;
                                }
                                tokio::spawn(forward(client, upstream, modes.clone()));
                            }
                        }
                    };
                    // Refusing: the listener goes (the port is closed), and the open
                    // connections were cut by their own watchers. Wait for the stop.
                    drop(listener);
                    if !stopped {
                        let _ = stop.await;
                    }
                });
                runtime.shutdown_timeout(Duration::from_secs(1));
            })
            .expect("spawn the proxy thread");
        PgProxy {
            addr,
            mode,
            thread: Some(thread),
            shutdown: Some(shutdown),
        }
    }

    /// A proxy in front of the server of `database_url`.
    pub fn for_url(database_url: &str) -> PgProxy {
        let url = url::Url::parse(database_url).expect("database URL");
        let host = url.host_str().expect("host").to_owned();
        let port = url.port().unwrap_or(5432);
        let upstream = std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))
            .expect("resolve the database host")
            .next()
            .expect("an address");
        PgProxy::start(upstream)
    }

    /// `database_url` with its host and port replaced by the proxy's.
    pub fn url(&self, database_url: &str) -> String {
        let mut url = url::Url::parse(database_url).expect("database URL");
        url.set_host(Some("127.0.0.1")).unwrap();
        url.set_port(Some(self.addr.port())).unwrap();
        url.to_string()
    }

    /// Closes every open connection; new ones are reset as soon as accepted.
    pub fn cut(&self) {
        self.mode.send_replace(Mode::Cut);
    }

    /// Forwards new connections again.
    pub fn restore(&self) {
        self.mode.send_replace(Mode::Forward);
    }

    /// Closes every open connection and the port itself, for good.
    pub fn refuse(&self) {
        self.mode.send_replace(Mode::Refuse);
    }
}

impl Drop for PgProxy {
    fn drop(&mut self) {
        self.mode.send_replace(Mode::Refuse);
        if let Some(stop) = self.shutdown.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Copies both ways until either side closes or the proxy stops forwarding.
async fn forward(mut client: TcpStream, upstream: SocketAddr, mut modes: watch::Receiver<Mode>) {
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = modes.wait_for(|m| *m != Mode::Forward) => {}
    }
    // Dropping both streams closes them: the worker sees its connection end.
}

/// Closes a connection with a TCP reset, as a host without the server would answer.
/// (A plain close would look to sqlx like a server answering its TLS request with
/// nonsense, a protocol error rather than a lost connection.)
fn reset(stream: TcpStream) {
    // A zero linger never blocks on drop, which is what the deprecation warns about.
    #[allow(deprecated)]
    let _ = stream.set_linger(Some(Duration::ZERO));
    drop(stream);
}
