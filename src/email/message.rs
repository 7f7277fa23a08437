//! The "Your invoice export is ready" message: its Message-ID, derived
//! from the caller's idempotency key, its text and HTML parts.

use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use sha2::{Digest, Sha256};

use crate::email_address::EmailAddress;

/// The subject of the export-ready email.
pub const SUBJECT: &str = "Your invoice export is ready";

/// The domain of every Message-ID we mint: `.invalid` (RFC 2606) can never collide
/// with a real host's ids.
pub const MESSAGE_ID_DOMAIN: &str = "invoicectl.invalid";

/// The Message-ID for an idempotency key: `<first 32 hex digits of sha256(key)@
/// invoicectl.invalid>`. The same key always gives the same id, so every resend of
/// one logical email (after a crash or a retry) is recognisably the same message.
pub fn message_id_for(idempotency_key: &str) -> String {
    let digest = Sha256::digest(idempotency_key.as_bytes());
    format!("<{}@{MESSAGE_ID_DOMAIN}>", &hex::encode(digest)[..32])
}

/// Everything the "export ready" email says, and the key its Message-ID comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportReadyEmail {
    /// The recipient's display name (may be empty).
    pub recipient_name: String,
    pub recipient: EmailAddress,
    pub org_name: String,
    pub row_count: u64,
    pub download_url: String,
    /// Which invoices, in words (`None`: all of them).
    pub scope: Option<String>,
    /// When the link stops working (a presigned S3 link); `None`: it does not.
    pub link_expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The idempotency key of the logical send (the child run's key).
    pub idempotency_key: String,
}

impl ExportReadyEmail {
    pub fn message_id(&self) -> String {
        message_id_for(&self.idempotency_key)
    }

    fn rows_phrase(&self) -> String {
        match self.row_count {
            1 => "1 invoice".to_owned(),
            n => format!("{n} invoices"),
        }
    }

    fn greeting_name(&self) -> &str {
        let name = self.recipient_name.trim();
        if name.is_empty() { "there" } else { name }
    }

    /// When the link expires, as the email says it: `The link works until
    /// 2026-12-10 08:24 UTC.`; empty for a link that does not expire.
    fn expiry_sentence(&self) -> String {
        self.link_expires_at
            .map(|t| format!("The link works until {}.", t.format("%Y-%m-%d %H:%M UTC")))
            .unwrap_or_default()
    }

    /// The text/plain part.
    pub(crate) fn text_body(&self) -> String {
        let expiry = match self.expiry_sentence() {
            e if e.is_empty() => e,
            e => format!("{e}\n"),
        };
        format!(
            "Hello {name},\n\
             \n\
             Your invoice export for {org} is ready: {rows}.\n\
             {scope}\
             \n\
             Download it here:\n\
             {url}\n\
             {expiry}\
             \n\
             -- \n\
             invoicectl\n",
            name = one_line(self.greeting_name()),
            org = one_line(&self.org_name),
            rows = self.rows_phrase(),
            scope = self
                .scope
                .as_deref()
                .map(|s| format!("Invoices: {}.\n", one_line(s)))
                .unwrap_or_default(),
            url = self.download_url,
        )
    }

    /// The text/html part; every value is HTML-escaped.
    pub(crate) fn html_body(&self) -> String {
        let url = html_escape(&self.download_url);
        format!(
            "<!DOCTYPE html>\n\
             <html><head><meta charset=\"utf-8\"><title>{subject}</title></head>\n\
             <body>\n\
             <p>Hello {name},</p>\n\
             <p>Your invoice export for <strong>{org}</strong> is ready: {rows}.</p>\n\
             {scope}\
             <p><a href=\"{url}\">Download the CSV</a><br>{url}</p>\n\
             {expiry}\
             <p>&mdash; invoicectl</p>\n\
             </body></html>\n",
            subject = html_escape(SUBJECT),
            name = html_escape(self.greeting_name()),
            org = html_escape(&self.org_name),
            rows = html_escape(&self.rows_phrase()),
            scope = self
                .scope
                .as_deref()
                .map(|s| format!("<p>Invoices: {}.</p>\n", html_escape(s)))
                .unwrap_or_default(),
            expiry = match self.expiry_sentence() {
                e if e.is_empty() => e,
                e => format!("<p>{}</p>\n", html_escape(&e)),
            },
        )
    }

    /// The complete RFC 5322 message: From, To, Subject, the deterministic
    /// Message-ID and a multipart/alternative body (text, then HTML).
    pub(crate) fn to_message(&self, from: &Mailbox) -> Result<Message, lettre::error::Error> {
        let address = self
            .recipient
            .to_lettre()
            .map_err(|_| lettre::error::Error::MissingTo)?;
        let name = one_line(self.recipient_name.trim());
        let to = Mailbox::new((!name.is_empty()).then_some(name), address);
        Message::builder()
            .message_id(Some(self.message_id()))
            .from(from.clone())
            .to(to)
            .subject(SUBJECT)
            .multipart(MultiPart::alternative_plain_html(
                self.text_body(),
                self.html_body(),
            ))
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Control characters (a CR/LF in a name) become spaces: a value never adds lines
/// to a header or the text part.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn message_id_is_deterministic() {
        let a = message_id_for("run_1:send-export-email");
        assert_eq!(a, message_id_for("run_1:send-export-email"));
        assert_ne!(a, message_id_for("run_2:send-export-email"));
        assert!(a.starts_with('<') && a.ends_with("@invoicectl.invalid>"));
        assert_eq!(a.len(), 1 + 32 + 1 + MESSAGE_ID_DOMAIN.len() + 1);
    }

    #[test]
    fn html_part_escapes_values() {
        let email = ExportReadyEmail {
            recipient_name: "<Eve>".into(),
            recipient: EmailAddress::parse("eve@example.com").unwrap(),
            org_name: "Tom & Jerry's <script>".into(),
            row_count: 1,
            download_url: "file:///x/a\"b.csv".into(),
            scope: Some("status <paid>".into()),
            link_expires_at: None,
            idempotency_key: "k".into(),
        };
        let html = email.html_body();
        assert!(html.contains("Tom &amp; Jerry&#39;s &lt;script&gt;"));
        assert!(html.contains("Invoices: status &lt;paid&gt;."));
        assert!(email.text_body().contains("Invoices: status <paid>.\n"));
        assert!(html.contains("file:///x/a&quot;b.csv"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("1 invoice."));
        assert!(email.text_body().contains("Tom & Jerry's <script>"));
        assert!(
            !email.text_body().contains("works until"),
            "file:// does not expire"
        );
        // A presigned link says when it stops working, in both parts.
        let expiring = ExportReadyEmail {
            link_expires_at: Some(
                chrono::DateTime::parse_from_rfc3339("2026-12-10T08:24:02Z")
                    .unwrap()
                    .to_utc(),
            ),
            ..email
        };
        for body in [expiring.text_body(), expiring.html_body()] {
            assert!(
                body.contains("The link works until 2026-12-10 08:24 UTC."),
                "{body}"
            );
        }
    }
}
