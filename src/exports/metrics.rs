//! The export's own metrics (rows, bytes, email dispositions), recorded through the
//! same `metrics` facade as the engine's: a no-op unless the worker serves metrics.
//! Recorded once per export, when its close-out commits, so a retried or resumed run
//! is counted once.

use ::metrics::{Unit, counter, describe_counter};

use super::progress::EmailDisposition;

pub(crate) const ROWS: &str = "invoicectl_export_rows_total";
pub(crate) const BYTES: &str = "invoicectl_export_bytes_total";
pub(crate) const EMAILS: &str = "invoicectl_export_emails_total";
pub(crate) const SCHEDULE_TICKS: &str = "invoicectl_schedule_ticks_total";

/// HELP texts, and every counter at zero so that series exist before the first
/// export completes.
pub(crate) fn describe() {
    describe_counter!(ROWS, Unit::Count, "Invoice rows in completed exports");
    describe_counter!(
        BYTES,
        Unit::Bytes,
        "Bytes of the CSV files of completed exports, as published"
    );
    describe_counter!(
        EMAILS,
        Unit::Count,
        "Completed exports by what became of their email (sent, written, suppressed, not_member, canceled, failed)"
    );
    describe_counter!(
        SCHEDULE_TICKS,
        Unit::Count,
        "Schedule ticks handled by this worker, by outcome: fired (an export was requested), failed (the gate refused the owner), skipped (missed while no worker ran)"
    );
    for outcome in ["fired", "failed", "skipped"] {
        counter!(SCHEDULE_TICKS, "outcome" => outcome).absolute(0);
    }
    counter!(ROWS).absolute(0);
    counter!(BYTES).absolute(0);
    for disposition in EmailDisposition::ALL {
        counter!(EMAILS, "disposition" => disposition.as_str()).absolute(0);
    }
}

/// An export completed: `rows` rows, a `bytes`-byte file, its email `disposition`.
pub(crate) fn export_completed(rows: u64, bytes: u64, disposition: EmailDisposition) {
    counter!(ROWS).increment(rows);
    counter!(BYTES).increment(bytes);
    counter!(EMAILS, "disposition" => disposition.as_str()).increment(1);
}

/// `n` schedule ticks handled with `outcome` (`fired`, `failed`, `skipped`).
pub(crate) fn schedule_ticks(outcome: &'static str, n: u64) {
    counter!(SCHEDULE_TICKS, "outcome" => outcome).increment(n);
}
