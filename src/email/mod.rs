//! The "Your invoice export is ready" email and the transport that
//! carries it: SMTP from `smtp_url`, or `.eml` files in the outbox when none is set.
//!
//! This module is the email's domain only. It knows nothing about runs, leases or
//! retries: the `send-export-email` task resolves the recipient, checks the
//! suppression list, and decides what to do with a [`SendError`] — retry a
//! [`SendError::Transient`] under its own policy, turn a [`SendError::Permanent`] into
//! an error Result. Two properties make that safe:
//!
//! - the Message-ID is derived from the caller's idempotency key
//!   ([`message_id_for`]), so a resend after a crash carries the same id and is
//!   recognisable (and de-duplicable) downstream;
//! - logs and error messages carry the message id and a disposition, never an
//!   address, and never the SMTP password (URLs go through `crate::redact::redact_url`).
//!
//! [`EmailAddress`] (`crate::email_address`) is the one address validator: the suppression commands use it
//! for input (exit 65 when invalid) and the export task for the suppression lookup,
//! so both agree on the normalised (lowercase) form.
//!
//! Split by concern: `crate::email_address` (validation), [`message`] (the Message-ID and the
//! body), [`transport`] (SMTP or the outbox, and send-error classification).

pub mod message;
pub mod transport;

pub use crate::email_address::{EmailAddress, InvalidEmail};
pub use message::{ExportReadyEmail, MESSAGE_ID_DOMAIN, SUBJECT, html_escape, message_id_for};
pub(crate) use transport::EmailError;
pub use transport::{Mailer, SendError, Via};
