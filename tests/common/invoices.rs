//! Invoices for export tests and what their CSV must hold: bulk-generated rows, and
//! the expected cells computed here — independently of `invoicectl::exports::csv` —
//! from the rows as the database holds them (docs/reference.md, "The CSV").

use chrono::{DateTime, Utc};
use sqlx::PgPool;

pub type DbInvoice = (
    String,
    String,
    String,
    Option<String>,
    String,
    i64,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

/// The org's invoices as the database holds them, in byte order of their ids
/// (sorted here, not by the database).
pub async fn db_invoices(pool: &PgPool, org: &str) -> Vec<DbInvoice> {
    let mut rows: Vec<DbInvoice> = sqlx::query_as(
        "SELECT id, number, customer_name, customer_email, currency, amount_cents, status,
                issued_at, due_at
         FROM invoice WHERE organization_id = $1",
    )
    .bind(org)
    .fetch_all(pool)
    .await
    .unwrap();
    rows.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    rows
}

/// The CSV's amount: exact decimal in the major unit (ISO 4217 minor unit, 2 when
/// unknown), computed with i128 so every i64 has a magnitude.
pub fn expected_amount(cents: i64, currency: &str) -> String {
    let digits = match currency {
        "JPY" => 0,
        "KWD" => 3,
        "USD" | "EUR" | "XQQ" => 2,
        other => panic!("no expectation for {other}"),
    };
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

/// RFC 3339 UTC with `Z`; the fraction only when non-zero, as milliseconds when
/// that is exact, else microseconds (the README's choice; PostgreSQL keeps µs).
pub fn expected_timestamp(t: &DateTime<Utc>) -> String {
    let base = t.format("%Y-%m-%dT%H:%M:%S").to_string();
    let nanos = t.timestamp_subsec_nanos();
    if nanos == 0 {
        format!("{base}Z")
    } else if nanos.is_multiple_of(1_000_000) {
        format!("{base}.{:03}Z", nanos / 1_000_000)
    } else {
        assert_eq!(nanos % 1_000, 0, "PostgreSQL keeps microseconds");
        format!("{base}.{:06}Z", nanos / 1_000)
    }
}

/// OWASP formula neutralisation of a text cell.
pub fn expected_text(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

pub fn expected_record(row: &DbInvoice) -> Vec<String> {
    vec![
        expected_text(&row.0),
        expected_text(&row.1),
        expected_text(&row.2),
        row.3.as_deref().map(expected_text).unwrap_or_default(),
        row.4.clone(),
        expected_amount(row.5, &row.4),
        row.6.clone(),
        expected_timestamp(&row.7),
        row.8.as_ref().map(expected_timestamp).unwrap_or_default(),
    ]
}

pub fn parse_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes)
        .records()
        .map(|r| {
            r.expect("the export parses as CSV")
                .iter()
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

/// `n` varied invoices of `org` inserted server-side (for the large exports): hostile
/// text, NULLs, every currency class, fractional seconds.
pub async fn insert_generated(pool: &PgPool, org: &str, n: i64) {
    sqlx::query(
        r#"INSERT INTO invoice (id, organization_id, number, customer_name, customer_email,
                                currency, amount_cents, status, issued_at, due_at)
           SELECT 'inv_' || lpad(to_hex((g::bigint * 2654435761) % 4294967296), 8, '0') || g,
                  $1,
                  (ARRAY['INV-', '=', '+', '-', 'N,'])[1 + g % 5] || g,
                  (ARRAY['Acme, Inc.', '"Q" Ltd', E'Line\nBreak', E'CR\r\nLF', 'Zoë 日本', '@home'])[1 + g % 6],
                  CASE WHEN g % 7 = 0 THEN NULL ELSE 'c' || g || '@example.com' END,
                  (ARRAY['USD', 'JPY', 'KWD', 'XQQ'])[1 + g % 4],
                  (g::bigint * 7919) % 2000000 - 500000,
                  (ARRAY['draft', 'open', 'paid', 'void', 'uncollectible'])[1 + g % 5],
                  timestamptz '2025-01-01 00:00:00Z' + g * interval '1 minute'
                      + (g % 4) * interval '250 milliseconds' + (g % 3) * interval '1 microsecond',
                  CASE WHEN g % 5 = 0 THEN NULL
                       ELSE timestamptz '2025-02-01 00:00:00Z' + g * interval '1 minute' END
           FROM generate_series(1, $2::int) AS g"#,
    )
    .bind(org)
    .bind(n)
    .execute(pool)
    .await
    .unwrap();
}
