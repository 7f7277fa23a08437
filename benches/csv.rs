//! How fast rows become CSV (SPEC §7.3), without disk or database: formats 1,000,000
//! invoice rows into a byte-counting sink and prints rows/s, so a change to the
//! formatter can be judged against the page fetch it runs next to.
//! `cargo bench --bench csv`; run without `--bench` (e.g. `cargo test --benches`) it
//! formats a few thousand rows as a smoke test.

use std::io::{self, Write};
use std::time::Instant;

use chrono::{TimeZone, Utc};
use invoicectl::db::invoices::InvoiceRow;
use invoicectl::exports::csv::InvoiceCsvWriter;

/// Counts bytes and discards them, so only formatting is measured.
struct CountingSink(u64);

impl Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A small pool of rows, cycled, so the input's memory does not depend on the row
/// count and the mix (quoting, neutralising, NULLs, fractions) is realistic.
fn sample_rows() -> Vec<InvoiceRow> {
    let names = [
        "Acme Ltd",
        "Globex, Inc.",
        "=HYPERLINK(\"x\")",
        "Zoë Ångström",
        "O'Brien \"Bob\"",
    ];
    let currencies = ["USD", "EUR", "JPY", "KWD", "GBP"];
    (0..1000i64)
        .map(|i| InvoiceRow {
            id: format!("inv_{i:020}"),
            number: format!("INV-2025-{i:06}"),
            customer_name: names[i as usize % names.len()].to_owned(),
            customer_email: (i % 7 != 0).then(|| format!("billing{i}@example.test")),
            currency: currencies[i as usize % currencies.len()].to_owned(),
            amount_cents: (i * 7919) % 10_000_000 - 1_000_000,
            status: "paid".to_owned(),
            issued_at: Utc
                .timestamp_opt(1_735_722_000 + i * 3_600, (i as u32 % 4) * 250_000_000)
                .unwrap(),
            due_at: (i % 3 != 0).then(|| Utc.timestamp_opt(1_738_400_400 + i * 60, 0).unwrap()),
        })
        .collect()
}

fn main() {
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let total: usize = if benchmarking { 1_000_000 } else { 10_000 };
    let rows = sample_rows();

    let mut writer = InvoiceCsvWriter::new(CountingSink(0));
    let started = Instant::now();
    writer.write_header().unwrap();
    for row in rows.iter().cycle().take(total) {
        writer.write_row(row).unwrap();
    }
    let bytes = writer.into_inner().unwrap().0;
    let elapsed = started.elapsed().as_secs_f64();

    println!(
        "csv: {total} rows, {:.1} MB in {elapsed:.3} s: {:.0} rows/s, {:.1} MB/s",
        bytes as f64 / 1e6,
        total as f64 / elapsed,
        bytes as f64 / 1e6 / elapsed,
    );
}
