//! The export domain: requesting an export (the member gate and the one-transaction
//! enqueue), the `export-invoices` task and its `send-export-email` child, the CSV
//! format, the run's progress ([`progress`]), and fetching and pruning stored
//! exports (`links`); the email itself is [`crate::email`]. It uses the run
//! engine; it knows nothing of how runs are claimed. [`metrics`]: rows, bytes and
//! email dispositions of completed exports.

pub mod cancel;
pub mod codes;
pub mod copy_csv;
pub mod csv;
pub mod links;
pub mod metrics;
mod pages;
pub mod pause;
pub mod progress;
pub mod request;
pub mod retry;
pub mod schedule;
pub mod scope;
pub mod task;
pub mod upload;
pub mod view;
