//! The transport that carries the email: SMTP from `smtp_url`, or `.eml` files in
//! the outbox when none is set; and what a failed send means ([`SendError`]:
//! transient or permanent).

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::Serialize;

use super::message::ExportReadyEmail;
use crate::config::Settings;
use crate::error::{Classify, ExitKind};
use crate::redact::redact_url;

/// How long one SMTP send may take, from connect to the final reply. lettre's own
/// timeout only bounds the TCP connect, so a server that accepts and then stalls
/// would otherwise hang the task forever.
pub(crate) const DEFAULT_SEND_TIMEOUT: Duration = Duration::from_secs(60);

/// How long the TCP connect to the SMTP server may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// A mail transport that cannot be set up (bad `smtp_url` or `mail_from`, an
/// outbox that cannot be created).
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    #[error("invalid {key}: {message}")]
    Config { key: &'static str, message: String },
    #[error("cannot create the mail outbox {path}")]
    Outbox {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Classify for EmailError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            EmailError::Config { .. } => ExitKind::Invalid,
            EmailError::Outbox { .. } => ExitKind::Failure,
        }
    }
}

/// A send that did not deliver. `reason` never holds an address (any word with an
/// `@` in the server's reply is replaced by `<address>`) nor a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth retrying later: an SMTP 4xx reply, a refused or reset connection, a
    /// timeout, a full disk for the outbox.
    #[error("email {message_id} deferred (temporary failure, retry later): {reason}")]
    Transient {
        message_id: String,
        code: Option<u16>,
        reason: String,
    },
    /// Will not succeed as is: an SMTP 5xx reply (a bad or unknown address, a policy
    /// rejection), a TLS or authentication set-up the server refuses.
    #[error("email {message_id} rejected: {reason}")]
    Permanent {
        message_id: String,
        code: Option<u16>,
        reason: String,
    },
}

impl SendError {
    /// A send that did not deliver: `permanent`ly, or worth retrying later.
    fn new(permanent: bool, message_id: &str, code: Option<u16>, reason: String) -> SendError {
        let message_id = message_id.to_owned();
        if permanent {
            SendError::Permanent {
                message_id,
                code,
                reason,
            }
        } else {
            SendError::Transient {
                message_id,
                code,
                reason,
            }
        }
    }

    pub fn is_transient(&self) -> bool {
        matches!(self, SendError::Transient { .. })
    }

    /// The SMTP reply code, when the server gave one.
    pub fn code(&self) -> Option<u16> {
        match self {
            SendError::Transient { code, .. } | SendError::Permanent { code, .. } => *code,
        }
    }

    pub fn message_id(&self) -> &str {
        match self {
            SendError::Transient { message_id, .. } | SendError::Permanent { message_id, .. } => {
                message_id
            }
        }
    }

    fn disposition(&self) -> &'static str {
        if self.is_transient() {
            "deferred"
        } else {
            "rejected"
        }
    }
}

impl Classify for SendError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            SendError::Transient { .. } => ExitKind::TempFail,
            SendError::Permanent { .. } => ExitKind::Failure,
        }
    }
}

/// Where a delivered message went. Serializes as
/// `{"messageId","transport":"smtp","server","response"}` or
/// `{"messageId","transport":"file","path"}`, fit for a run's output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    pub message_id: String,
    #[serde(flatten)]
    pub via: Via,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "transport", rename_all = "lowercase")]
pub enum Via {
    /// Accepted by the SMTP server (`server` is `smtp[s]://host:port`, no
    /// credentials; `response` is its final reply, addresses scrubbed).
    Smtp { server: String, response: String },
    /// Written as an RFC 5322 `.eml` file.
    File { path: PathBuf },
}

impl fmt::Display for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.via {
            Via::Smtp { server, .. } => write!(f, "email {} sent via {server}", self.message_id),
            Via::File { path } => {
                write!(f, "email {} written to {}", self.message_id, path.display())
            }
        }
    }
}

enum Transport {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        /// `smtp[s]://host:port`, for messages (never the userinfo).
        server: String,
        tls: &'static str,
    },
    File {
        transport: AsyncFileTransport<Tokio1Executor>,
        dir: PathBuf,
    },
}

/// Sends export-ready emails through SMTP or into the outbox directory.
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
    timeout: Duration,
}

impl fmt::Debug for Mailer {
    // Hand-written so that no credential can reach a log through `{:?}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer")
            .field("transport", &self.describe())
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Mailer {
    /// The transport the settings ask for: SMTP when `smtp_url` is set, otherwise
    /// `.eml` files in [`Settings::outbox_dir`] (created if missing).
    pub fn from_settings(settings: &Settings) -> Result<Mailer, EmailError> {
        let from = parse_from(&settings.mail_from)?;
        match &settings.smtp_url {
            Some(url) => Mailer::smtp(url, from),
            None => Mailer::file(&settings.outbox_dir(), from),
        }
    }

    /// SMTP from a URL: `smtp://[user:pass@]host[:port]` uses STARTTLS when the
    /// server offers it (`?tls=required` insists on it), default port 587;
    /// `smtps://…` is TLS from the first byte, default port 465. User and password
    /// are percent-decoded. A path (`smtp://host/ehlo.name`) sets the EHLO name.
    pub(crate) fn smtp(url: &str, from: Mailbox) -> Result<Mailer, EmailError> {
        let invalid = |message: String| EmailError::Config {
            key: "smtp_url",
            message,
        };
        let shown = redact_url(url);
        let parsed =
            url::Url::parse(url).map_err(|e| invalid(format!("{shown} is not a URL ({e})")))?;
        let host = match parsed.host() {
            Some(url::Host::Domain(d)) if !d.is_empty() => d.to_owned(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            _ => return Err(invalid(format!("{shown} names no host"))),
        };
        let mut tls_mode = None;
        for (key, value) in parsed.query_pairs() {
            match (key.as_ref(), value.as_ref()) {
                ("tls", "required" | "opportunistic") if parsed.scheme() == "smtp" => {
                    tls_mode = Some(value.into_owned());
                }
                _ => {
                    return Err(invalid(format!(
                        "{shown}: query parameter {key:?} is not supported (smtp:// accepts only tls=required or tls=opportunistic)"
                    )));
                }
            }
        }
        let tls_parameters = || {
            TlsParameters::new(host.clone())
                .map_err(|e| invalid(format!("{shown}: cannot set up TLS ({e})")))
        };
        let (port, tls, tls_name) = match parsed.scheme() {
            "smtp" => {
                let port = parsed.port().unwrap_or(587);
                match tls_mode.as_deref() {
                    Some("required") => (port, Tls::Required(tls_parameters()?), "STARTTLS"),
                    _ => (
                        port,
                        Tls::Opportunistic(tls_parameters()?),
                        "STARTTLS when offered",
                    ),
                }
            }
            "smtps" => (
                parsed.port().unwrap_or(465),
                Tls::Wrapper(tls_parameters()?),
                "TLS",
            ),
            other => {
                return Err(invalid(format!(
                    "scheme {other:?} is not supported: use smtp:// (STARTTLS when offered) or smtps:// (TLS)"
                )));
            }
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
            .port(port)
            .tls(tls)
            .timeout(Some(CONNECT_TIMEOUT));
        if !parsed.username().is_empty() {
            let decode = |s: &str, what: &str| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8()
                    .map(|c| c.into_owned())
                    .map_err(|_| {
                        invalid(format!(
                            "{shown}: the {what} is not UTF-8 once percent-decoded"
                        ))
                    })
            };
            let user = decode(parsed.username(), "user name")?;
            let password = decode(parsed.password().unwrap_or(""), "password")?;
            builder = builder.credentials(Credentials::new(user, password));
        }
        let ehlo = parsed.path().trim_matches('/');
        if !ehlo.is_empty() {
            builder = builder.hello_name(ClientId::Domain(ehlo.to_owned()));
        }
        let host_shown = if host.contains(':') {
            format!("[{host}]")
        } else {
            host
        };
        Ok(Mailer {
            from,
            transport: Transport::Smtp {
                transport: builder.build(),
                server: format!("{}://{host_shown}:{port}", parsed.scheme()),
                tls: tls_name,
            },
            timeout: DEFAULT_SEND_TIMEOUT,
        })
    }

    /// `.eml` files in `dir` (created if missing), one per message.
    pub(crate) fn file(dir: &Path, from: Mailbox) -> Result<Mailer, EmailError> {
        std::fs::create_dir_all(dir).map_err(|source| EmailError::Outbox {
            path: dir.to_path_buf(),
            source,
        })?;
        Ok(Mailer {
            from,
            transport: Transport::File {
                transport: AsyncFileTransport::<Tokio1Executor>::new(dir),
                dir: dir.to_path_buf(),
            },
            timeout: DEFAULT_SEND_TIMEOUT,
        })
    }

    /// Bounds one whole send (connect, conversation, final reply). A send that runs
    /// out of time is [`SendError::Transient`]; note that if the server had already
    /// taken the message, the retry sends it again — with the same Message-ID.
    pub fn with_timeout(mut self, timeout: Duration) -> Mailer {
        self.timeout = timeout;
        self
    }

    /// Where mail goes, for operators: `smtp://host:587 (STARTTLS when offered)` or
    /// `.eml files in /path/outbox`. Never holds a credential.
    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Smtp { server, tls, .. } => format!("{server} ({tls})"),
            Transport::File { dir, .. } => format!(".eml files in {}", dir.display()),
        }
    }

    /// Sends one export-ready email. Logs the message id and disposition (`sent`,
    /// `written`, `deferred`, `rejected`), never an address.
    pub async fn send(&self, email: &ExportReadyEmail) -> Result<Delivery, SendError> {
        let message_id = email.message_id();
        let result = self.deliver(email, &message_id).await;
        match &result {
            Ok(delivery) => match &delivery.via {
                Via::Smtp { server, .. } => tracing::info!(
                    message_id = %message_id,
                    disposition = "sent",
                    transport = "smtp",
                    server = %server,
                    "email {message_id} sent: accepted by {server}"
                ),
                Via::File { path } => tracing::info!(
                    message_id = %message_id,
                    disposition = "written",
                    transport = "file",
                    path = %path.display(),
                    "email written to {}",
                    path.display()
                ),
            },
            Err(e) => tracing::warn!(
                message_id = %message_id,
                disposition = e.disposition(),
                code = e.code(),
                error = %crate::redact::log_text(e),
                "export-ready email not delivered"
            ),
        }
        result
    }

    async fn deliver(
        &self,
        email: &ExportReadyEmail,
        message_id: &str,
    ) -> Result<Delivery, SendError> {
        let message = email.to_message(&self.from).map_err(|e| {
            let reason = format!(
                "cannot build the message: {}",
                scrub_addresses(&e.to_string())
            );
            SendError::new(true, message_id, None, reason)
        })?;
        match &self.transport {
            Transport::Smtp {
                transport, server, ..
            } => {
                let sent = tokio::time::timeout(self.timeout, transport.send(message)).await;
                match sent {
                    Err(_elapsed) => Err(SendError::new(
                        false,
                        message_id,
                        None,
                        format!(
                            "{server} did not complete the conversation within {} s",
                            self.timeout.as_secs_f64()
                        ),
                    )),
                    Ok(Err(e)) => Err(classify_smtp(message_id, server, &e)),
                    Ok(Ok(response)) => Ok(Delivery {
                        message_id: message_id.to_owned(),
                        via: Via::Smtp {
                            server: server.clone(),
                            response: scrub_addresses(&format!(
                                "{} {}",
                                response.code(),
                                response.message().collect::<Vec<_>>().join(" ")
                            )),
                        },
                    }),
                }
            }
            Transport::File { transport, dir } => {
                let written = tokio::time::timeout(self.timeout, transport.send(message)).await;
                match written {
                    Err(_elapsed) => Err(SendError::new(
                        false,
                        message_id,
                        None,
                        format!(
                            "writing to the outbox {} took longer than {} s",
                            dir.display(),
                            self.timeout.as_secs_f64()
                        ),
                    )),
                    Ok(Err(e)) => Err(classify_file(message_id, dir, &e)),
                    Ok(Ok(id)) => {
                        let path = dir.join(format!("{id}.eml"));
                        // The message holds a live download link: owner-only, like the
                        // export it points at (lettre creates it with the umask's mode).
                        #[cfg(unix)]
                        {
                            use std::os::unix::fs::PermissionsExt;
                            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                                .map_err(|e| {
                                    SendError::new(
                                        false,
                                        message_id,
                                        None,
                                        format!("cannot make {} private: {e}", path.display()),
                                    )
                                })?;
                        }
                        Ok(Delivery {
                            message_id: message_id.to_owned(),
                            via: Via::File { path },
                        })
                    }
                }
            }
        }
    }
}

fn parse_from(mail_from: &str) -> Result<Mailbox, EmailError> {
    mail_from.parse().map_err(|_| EmailError::Config {
        key: "mail_from",
        message: format!("{mail_from:?} is not a mailbox like `Name <addr@example.com>`"),
    })
}

/// 4xx, connection and network trouble, timeouts, a reply cut short: transient.
/// 5xx, client-side refusals (no usable AUTH mechanism, non-ASCII the server cannot
/// take) and TLS failures (certificates): permanent.
fn classify_smtp(message_id: &str, server: &str, e: &lettre::transport::smtp::Error) -> SendError {
    let code = e.status().map(u16::from);
    let reason = format!("{server}: {}", scrub_addresses(&e.to_string()));
    let permanent = e.is_permanent() || e.is_client() || (e.is_tls() && !has_io_cause(e));
    SendError::new(permanent && !e.is_transient(), message_id, code, reason)
}

/// Permission trouble in the outbox will not fix itself; anything else (a full disk,
/// an interrupted write) may.
fn classify_file(message_id: &str, dir: &Path, e: &lettre::transport::file::Error) -> SendError {
    let reason = format!("cannot write to the outbox {}: {e}", dir.display());
    let permanent = io_cause(e).is_some_and(|io| {
        matches!(
            io.kind(),
            std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
        )
    });
    SendError::new(permanent, message_id, None, reason)
}

fn io_cause<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a std::io::Error> {
    let mut cause = e.source();
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        cause = c.source();
    }
    None
}

fn has_io_cause(e: &lettre::transport::smtp::Error) -> bool {
    io_cause(e).is_some()
}

/// Replaces every word that holds an `@` (an address a server echoed back, like
/// `<bob@example.com>:`) with `<address>`, so replies can be logged.
pub(crate) fn scrub_addresses(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.contains('@') {
            out.push_str("<address>");
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_whitespace() {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn scrubs_addresses_from_replies() {
        assert_eq!(
            scrub_addresses("550 5.1.1 <bob@example.com>: user unknown"),
            "550 5.1.1 <address> user unknown"
        );
    }

    #[test]
    fn smtp_urls_become_transports_without_leaking_passwords() {
        let from: Mailbox = "invoicectl <invoicectl@localhost>".parse().unwrap();
        let m = Mailer::smtp("smtp://mailer:s3cr%40t@mail.example.com", from.clone()).unwrap();
        assert_eq!(
            m.describe(),
            "smtp://mail.example.com:587 (STARTTLS when offered)"
        );
        assert!(!format!("{m:?}").contains("s3cr"));
        let m = Mailer::smtp("smtps://mail.example.com", from.clone()).unwrap();
        assert_eq!(m.describe(), "smtps://mail.example.com:465 (TLS)");
        let err = Mailer::smtp("smtp://u:hunter2@mail.example.com?x=1", from.clone()).unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
        assert_eq!(err.exit_kind(), ExitKind::Invalid);
        assert!(Mailer::smtp("http://mail.example.com", from).is_err());
    }
}
