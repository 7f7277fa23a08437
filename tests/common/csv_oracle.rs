//! A second CSV encoder, for the tests only: the `csv` crate's writer with the rules
//! of docs/reference.md ("The CSV") spelled out here — CRLF, quotes only when needed,
//! formula prefixes neutralised, exact amounts, RFC 3339 timestamps — independently of
//! `invoicectl::exports::copy_csv`, the one encoder in `src`, which the tests hold to
//! it byte for byte.

use std::io;

use chrono::{DateTime, Utc};
use invoicectl::exports::csv::attempt::ExportFile;
use invoicectl::exports::csv::{HEADER, minor_unit};
use sqlx::PgConnection;

use super::invoices::{expected_text, expected_timestamp};

/// One invoice as the export writes it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InvoiceRow {
    pub id: String,
    pub number: String,
    pub customer_name: String,
    pub customer_email: Option<String>,
    pub currency: String,
    pub amount_cents: i64,
    pub status: String,
    pub issued_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
}

/// An exact decimal in the currency's major unit, computed with i128 so every i64 has
/// a magnitude.
fn amount(cents: i64, currency: &str) -> String {
    let digits = minor_unit(currency);
    let v = i128::from(cents);
    let sign = if v < 0 { "-" } else { "" };
    let scale = 10i128.pow(digits);
    let (int, frac) = (v.abs() / scale, v.abs() % scale);
    if digits == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac:0width$}", width = digits as usize)
    }
}

/// `rows` as CSV records, after the header row when `header`.
pub fn encode(rows: &[InvoiceRow], header: bool) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(Vec::new());
    if header {
        w.write_record(HEADER).unwrap();
    }
    for r in rows {
        w.write_record([
            expected_text(&r.id),
            expected_text(&r.number),
            expected_text(&r.customer_name),
            r.customer_email
                .as_deref()
                .map(expected_text)
                .unwrap_or_default(),
            r.currency.clone(),
            amount(r.amount_cents, &r.currency),
            r.status.clone(),
            expected_timestamp(&r.issued_at),
            r.due_at
                .as_ref()
                .map(expected_timestamp)
                .unwrap_or_default(),
        ])
        .unwrap();
    }
    w.into_inner().unwrap()
}

/// The keyset page after `after` (exclusive) of `org`'s rows created up to `as_of`,
/// in the database's id order: the query-per-page walk the COPY stream must match.
pub async fn page_after(
    conn: &mut PgConnection,
    org: &str,
    after: Option<&str>,
    as_of: DateTime<Utc>,
    limit: i64,
) -> Vec<InvoiceRow> {
    sqlx::query_as(
        "SELECT id, number, customer_name, customer_email, currency, amount_cents, status, issued_at, due_at
         FROM invoice
         WHERE organization_id = $1 AND id > $2 AND created_at <= $3
         ORDER BY id
         LIMIT $4",
    )
    .bind(org)
    .bind(after.unwrap_or(""))
    .bind(as_of)
    .bind(limit)
    .fetch_all(conn)
    .await
    .unwrap()
}

/// What one [`WritePage::write_page`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageWritten {
    /// Rows in this page.
    pub rows: u64,
    /// The file's length after this page (header included): the checkpoint's byte
    /// offset. It is on disk when `write_page` returns.
    pub bytes_total: u64,
}

/// Rows written into an uncompressed export file through the oracle, the header
/// first when the file is empty.
pub trait WritePage {
    fn write_page(&mut self, rows: &[InvoiceRow]) -> io::Result<PageWritten>;
}

impl WritePage for ExportFile {
    fn write_page(&mut self, rows: &[InvoiceRow]) -> io::Result<PageWritten> {
        let bytes = encode(rows, self.bytes_written() == 0);
        let bytes_total = self.write_chunk(&bytes)?;
        Ok(PageWritten {
            rows: rows.len() as u64,
            bytes_total,
        })
    }
}
