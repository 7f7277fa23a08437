//! A real, tiny SMTP server for tests: lettre (or the `invoicectl` binary) holds a
//! genuine SMTP conversation with it over TCP on 127.0.0.1, so tests exercise the
//! transport, the reply-code handling and the wire format rather than a mock.
//!
//! It speaks what lettre needs — greeting, EHLO/HELO (no STARTTLS), AUTH PLAIN when
//! asked, MAIL FROM, RCPT TO, DATA with dot-unstuffing, RSET, NOOP, QUIT — records
//! every accepted message (envelope and raw data), and follows a [`Script`]: answer
//! `451 4.3.0 try later` to the first N transactions, `550` to all of them, or never
//! say a word. It runs on its own thread and runtime, so it serves a child process
//! while the test blocks on it, and it stops when dropped. Every read is bounded by a
//! timeout so a stuck client cannot hang a test.
//!
//! [`parse_mail`] decodes a recorded message (headers, multipart, quoted-printable,
//! base64) so tests can assert on what a reader would see.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader,
};
use tokio::net::{TcpListener, TcpStream};

/// How long the server waits for the client's next line.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one connection may last in total.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(60);
const MAX_LINE: u64 = 8 * 1024;
const MAX_DATA: usize = 10 * 1024 * 1024;

/// The reply of a server that wants the client to come back later.
pub const TRY_LATER: &str = "451 4.3.0 try later";
/// A permanent refusal.
pub const MAILBOX_UNAVAILABLE: &str = "550 5.1.1 mailbox unavailable";

/// Where in a transaction a scripted refusal is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// In reply to `MAIL FROM` (nothing of the message has been sent).
    MailFrom,
    /// In reply to the end of `DATA` (the whole message has been sent).
    Data,
}

#[derive(Debug, Clone)]
struct Refusal {
    stage: Stage,
    reply: String,
    /// Refuse the first `times` transactions; `None` refuses every one.
    times: Option<usize>,
}

/// How the server behaves.
#[derive(Debug, Clone, Default)]
pub struct Script {
    refusal: Option<Refusal>,
    auth: bool,
    silent: bool,
}

impl Script {
    /// Accept every message.
    pub fn accept() -> Script {
        Script::default()
    }

    /// Answer `451 4.3.0 try later` to the first `n` transactions at `stage`, then
    /// accept.
    pub fn try_later(n: usize, stage: Stage) -> Script {
        Script::refuse_first(n, stage, TRY_LATER)
    }

    /// Answer `reply` to the first `n` transactions at `stage`, then accept.
    pub fn refuse_first(n: usize, stage: Stage, reply: &str) -> Script {
        Script {
            refusal: Some(Refusal {
                stage,
                reply: reply.to_owned(),
                times: Some(n),
            }),
            ..Script::default()
        }
    }

    /// Answer `reply` to every transaction at `stage`.
    pub fn refuse_always(stage: Stage, reply: &str) -> Script {
        Script {
            refusal: Some(Refusal {
                stage,
                reply: reply.to_owned(),
                times: None,
            }),
            ..Script::default()
        }
    }

    /// Accept connections but never send a byte (a stalled server, for timeouts).
    pub fn silent() -> Script {
        Script {
            silent: true,
            ..Script::default()
        }
    }

    /// Also advertise `AUTH PLAIN` and record the credentials clients present.
    pub fn with_auth(mut self) -> Script {
        self.auth = true;
        self
    }
}

/// One accepted message.
#[derive(Debug, Clone)]
pub struct Received {
    /// The `MAIL FROM` path, without angle brackets.
    pub mail_from: String,
    /// The `RCPT TO` paths, without angle brackets.
    pub rcpt_to: Vec<String>,
    /// The message as sent after DATA, dot-unstuffed, without the final `.` line.
    pub data: Vec<u8>,
    /// (user, password) from `AUTH PLAIN` on this connection, if any.
    pub credentials: Option<(String, String)>,
}

impl Received {
    pub fn parse(&self) -> Mail {
        parse_mail(&self.data)
    }
}

#[derive(Debug, Default)]
struct State {
    /// `MAIL FROM` commands received (every attempted transaction).
    mail_commands: usize,
    /// Transactions that reached the scripted stage.
    stage_hits: usize,
    connections: usize,
    messages: Vec<Received>,
}

/// A running server; stops when dropped.
pub struct SmtpServer {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SmtpServer {
    /// Binds 127.0.0.1 on a free port and starts serving in a background thread.
    pub fn start(script: Script) -> SmtpServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("local address");
        let state = Arc::new(Mutex::new(State::default()));
        let (shutdown, mut stop) = tokio::sync::oneshot::channel::<()>();
        let served = Arc::clone(&state);
        let thread = std::thread::Builder::new()
            .name(format!("smtp-test-{}", addr.port()))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("test SMTP runtime");
                runtime.block_on(async move {
                    let listener = TcpListener::from_std(listener).expect("tokio listener");
                    loop {
                        tokio::select! {
                            _ = &mut stop => break,
                            accepted = listener.accept() => {
                                let Ok((stream, _)) = accepted else { continue };
                                let state = Arc::clone(&served);
                                let script = script.clone();
                                tokio::spawn(async move {
                                    let _ = tokio::time::timeout(
                                        CONNECTION_TIMEOUT,
                                        serve(stream, script, state),
                                    )
                                    .await;
                                });
                            }
                        }
                    }
                });
                // Open connections are cut when the runtime goes.
                runtime.shutdown_timeout(Duration::from_secs(1));
            })
            .expect("spawn the test SMTP thread");
        SmtpServer {
            addr,
            state,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// `smtp://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The messages accepted so far, in order.
    pub fn messages(&self) -> Vec<Received> {
        self.state.lock().unwrap().messages.clone()
    }

    /// How many transactions were attempted (`MAIL FROM` commands received),
    /// accepted or not.
    pub fn transactions(&self) -> usize {
        self.state.lock().unwrap().mail_commands
    }

    /// How many TCP connections were accepted.
    pub fn connections(&self) -> usize {
        self.state.lock().unwrap().connections
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(stop) = self.shutdown.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A URL on 127.0.0.1 where nothing listens (the port was free a moment ago).
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("smtp://127.0.0.1:{port}")
}

#[derive(Default)]
struct Envelope {
    from: Option<String>,
    to: Vec<String>,
}

async fn serve(stream: TcpStream, script: Script, state: Arc<Mutex<State>>) -> std::io::Result<()> {
    state.lock().unwrap().connections += 1;
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    if script.silent {
        // Say nothing; hold the connection until the client gives up.
        let mut sink = [0u8; 512];
        loop {
            match tokio::time::timeout(READ_TIMEOUT, reader.read(&mut sink)).await {
                Ok(Ok(n)) if n > 0 => continue,
                _ => return Ok(()),
            }
        }
    }
    reply(&mut writer, "220 localhost ESMTP invoicectl test server").await?;
    let mut envelope = Envelope::default();
    let mut credentials: Option<(String, String)> = None;
    loop {
        let Some(line) = read_line(&mut reader).await? else {
            return Ok(());
        };
        let line = String::from_utf8_lossy(&line)
            .trim_end_matches(['\r', '\n'])
            .to_owned();
        let (verb, arg) = match line.split_once(' ') {
            Some((verb, arg)) => (verb.to_ascii_uppercase(), arg.trim().to_owned()),
            None => (line.to_ascii_uppercase(), String::new()),
        };
        match verb.as_str() {
            "EHLO" => {
                let mut lines = vec!["250-localhost", "250-8BITMIME", "250-SMTPUTF8"];
                if script.auth {
                    lines.push("250-AUTH PLAIN");
                }
                lines.push("250 SIZE 10485760");
                reply(&mut writer, &lines.join("\r\n")).await?;
            }
            "HELO" => reply(&mut writer, "250 localhost").await?,
            "AUTH" if script.auth => {
                let mut words = arg.split_whitespace();
                let mechanism = words.next().unwrap_or_default().to_ascii_uppercase();
                if mechanism != "PLAIN" {
                    reply(&mut writer, "504 5.5.4 only PLAIN").await?;
                    continue;
                }
                let initial = match words.next() {
                    Some(initial) => initial.to_owned(),
                    None => {
                        reply(&mut writer, "334 ").await?;
                        let Some(line) = read_line(&mut reader).await? else {
                            return Ok(());
                        };
                        String::from_utf8_lossy(&line).trim().to_owned()
                    }
                };
                let decoded = base64_decode(&initial);
                let fields: Vec<&[u8]> = decoded.split(|b| *b == 0).collect();
                if let [_authzid, user, password] = fields.as_slice() {
                    credentials = Some((
                        String::from_utf8_lossy(user).into_owned(),
                        String::from_utf8_lossy(password).into_owned(),
                    ));
                    reply(&mut writer, "235 2.7.0 authentication succeeded").await?;
                } else {
                    reply(&mut writer, "501 5.5.2 cannot decode the credentials").await?;
                }
            }
            "MAIL" => {
                if envelope.from.is_some() {
                    reply(&mut writer, "503 5.5.1 nested MAIL command").await?;
                    continue;
                }
                let Some(from) = path_arg(&arg, "FROM:") else {
                    reply(&mut writer, "501 5.5.4 syntax: MAIL FROM:<address>").await?;
                    continue;
                };
                state.lock().unwrap().mail_commands += 1;
                if let Some(refusal) = refusal_at(&script, &state, Stage::MailFrom) {
                    reply(&mut writer, &refusal).await?;
                    continue;
                }
                envelope.from = Some(from);
                reply(&mut writer, "250 2.1.0 sender ok").await?;
            }
            "RCPT" => {
                if envelope.from.is_none() {
                    reply(&mut writer, "503 5.5.1 need MAIL first").await?;
                    continue;
                }
                let Some(to) = path_arg(&arg, "TO:") else {
                    reply(&mut writer, "501 5.5.4 syntax: RCPT TO:<address>").await?;
                    continue;
                };
                envelope.to.push(to);
                reply(&mut writer, "250 2.1.5 recipient ok").await?;
            }
            "DATA" => {
                if envelope.to.is_empty() {
                    reply(&mut writer, "503 5.5.1 need RCPT first").await?;
                    continue;
                }
                reply(&mut writer, "354 end data with <CR><LF>.<CR><LF>").await?;
                let Some(data) = read_data(&mut reader).await? else {
                    return Ok(());
                };
                let taken = std::mem::take(&mut envelope);
                if let Some(refusal) = refusal_at(&script, &state, Stage::Data) {
                    reply(&mut writer, &refusal).await?;
                    continue;
                }
                let queued = {
                    let mut state = state.lock().unwrap();
                    state.messages.push(Received {
                        mail_from: taken.from.unwrap_or_default(),
                        rcpt_to: taken.to,
                        data,
                        credentials: credentials.clone(),
                    });
                    state.messages.len()
                };
                reply(&mut writer, &format!("250 2.0.0 queued as test{queued}")).await?;
            }
            "RSET" => {
                envelope = Envelope::default();
                reply(&mut writer, "250 2.0.0 reset").await?;
            }
            "NOOP" => reply(&mut writer, "250 2.0.0 ok").await?,
            "QUIT" => {
                reply(&mut writer, "221 2.0.0 bye").await?;
                return Ok(());
            }
            _ => reply(&mut writer, "500 5.5.2 command not recognized").await?,
        }
    }
}

/// The scripted reply for this transaction at `stage`, if the script refuses it.
fn refusal_at(script: &Script, state: &Mutex<State>, stage: Stage) -> Option<String> {
    let refusal = script.refusal.as_ref().filter(|r| r.stage == stage)?;
    let mut state = state.lock().unwrap();
    state.stage_hits += 1;
    let hit = state.stage_hits;
    refusal
        .times
        .is_none_or(|times| hit <= times)
        .then(|| refusal.reply.clone())
}

/// `FROM:<a@b> SIZE=1` → `a@b`.
fn path_arg(arg: &str, keyword: &str) -> Option<String> {
    let rest = arg
        .get(..keyword.len())?
        .eq_ignore_ascii_case(keyword)
        .then(|| &arg[keyword.len()..])?;
    let rest = rest.trim_start();
    let path = rest.strip_prefix('<')?;
    let end = path.find('>')?;
    Some(path[..end].to_owned())
}

async fn reply<W: AsyncWrite + Unpin>(writer: &mut W, text: &str) -> std::io::Result<()> {
    let bytes = format!("{text}\r\n");
    tokio::time::timeout(READ_TIMEOUT, writer.write_all(bytes.as_bytes()))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "write timed out"))??;
    writer.flush().await
}

/// One line including its line ending; `None` at end of stream.
async fn read_line<R: AsyncBufRead + Unpin>(reader: &mut R) -> std::io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let n = tokio::time::timeout(
        READ_TIMEOUT,
        (&mut *reader).take(MAX_LINE).read_until(b'\n', &mut line),
    )
    .await
    .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "read timed out"))??;
    Ok((n > 0).then_some(line))
}

/// The DATA section up to the `.` line, dot-unstuffed; `None` if the client left.
async fn read_data<R: AsyncBufRead + Unpin>(reader: &mut R) -> std::io::Result<Option<Vec<u8>>> {
    let mut data = Vec::new();
    loop {
        let Some(line) = read_line(reader).await? else {
            return Ok(None);
        };
        if line == b".\r\n" || line == b".\n" {
            return Ok(Some(data));
        }
        let line = line.strip_prefix(b".").unwrap_or(&line);
        data.extend_from_slice(line);
        if data.len() > MAX_DATA {
            return Err(std::io::Error::other("message too large"));
        }
    }
}

// ---------------------------------------------------------------------------------
// Reading recorded messages

/// A decoded message: its headers and its leaf parts (a single-part message has one).
#[derive(Debug, Clone)]
pub struct Mail {
    pub headers: Vec<(String, String)>,
    pub parts: Vec<Part>,
}

/// A leaf MIME part: its media type (lowercase, no parameters) and decoded body.
#[derive(Debug, Clone)]
pub struct Part {
    pub content_type: String,
    pub body: String,
}

impl Mail {
    /// The first header of that name (case-insensitive), unfolded.
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    /// The first part of that media type.
    pub fn part(&self, content_type: &str) -> Option<&Part> {
        self.parts.iter().find(|p| p.content_type == content_type)
    }
}

/// Parses a raw RFC 5322 message with CRLF line endings.
pub fn parse_mail(raw: &[u8]) -> Mail {
    let text = String::from_utf8_lossy(raw).into_owned();
    let (headers, body) = split_head(&text);
    let parts = leaf_parts(&headers, body);
    Mail { headers, parts }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn split_head(text: &str) -> (Vec<(String, String)>, &str) {
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((text, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push_str(line);
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    (headers, body)
}

fn leaf_parts(headers: &[(String, String)], body: &str) -> Vec<Part> {
    let content_type = header(headers, "content-type").unwrap_or("text/plain");
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if media_type.starts_with("multipart/") {
        let boundary = parameter(content_type, "boundary").expect("multipart has a boundary");
        let delimiter = format!("--{boundary}");
        let mut parts = Vec::new();
        for chunk in body.split(delimiter.as_str()).skip(1) {
            if chunk.starts_with("--") {
                break;
            }
            let chunk = chunk.strip_prefix("\r\n").unwrap_or(chunk);
            let chunk = chunk.strip_suffix("\r\n").unwrap_or(chunk);
            let (h, b) = split_head(chunk);
            parts.extend(leaf_parts(&h, b));
        }
        return parts;
    }
    let encoding = header(headers, "content-transfer-encoding")
        .unwrap_or("7bit")
        .to_ascii_lowercase();
    let bytes = match encoding.as_str() {
        "quoted-printable" => quoted_printable_decode(body),
        "base64" => base64_decode(body),
        _ => body.as_bytes().to_vec(),
    };
    vec![Part {
        content_type: media_type,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }]
}

fn parameter(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (key, val) = p.trim().split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| val.trim().trim_matches('"').to_owned())
    })
}

fn quoted_printable_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'=' if bytes[i + 1..].starts_with(b"\r\n") => i += 3,
            b'=' if bytes[i + 1..].starts_with(b"\n") => i += 2,
            b'=' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                    }
                    Err(_) => {
                        out.push(b'=');
                        i += 1;
                    }
                }
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

fn base64_decode(text: &str) -> Vec<u8> {
    fn value(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        if c == b'=' {
            break;
        }
        let Some(v) = value(c) else { continue };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}
