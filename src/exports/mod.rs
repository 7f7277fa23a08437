//! The export domain: requesting an export (the member gate and the one-transaction
//! enqueue), the `export-invoices` task and its `send-export-email` child, the CSV
//! format, the run's progress (`progress`), and fetching and pruning stored
//! exports (`links`); the email itself is [`crate::email`]. It uses the run
//! engine; it knows nothing of how runs are claimed. `metrics`: rows, bytes and
//! email dispositions of completed exports.

pub(crate) mod cancel;
pub mod codes;
pub mod copy_csv;
pub mod csv;
pub(crate) mod links;
pub(crate) mod metrics;
mod pages;
pub(crate) mod pause;
pub(crate) mod progress;
pub mod request;
pub(crate) mod retry;
pub(crate) mod schedule;
pub(crate) mod scope;
pub(crate) mod task;
pub(crate) mod upload;
pub mod view;
