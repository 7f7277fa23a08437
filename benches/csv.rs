//! How fast rows become CSV (docs/reference.md, "The CSV"), without disk or database:
//! the export's one encoder (`copy_csv`) turns 1,000,000 invoice rows of binary
//! `COPY` data into CSV pages and prints rows/s, so a change to the encoder can be
//! judged against the COPY stream it runs next to.
//! `cargo bench --bench csv`; run without `--bench` (e.g. `cargo test --benches`) it
//! encodes a few thousand rows as a smoke test.

use std::time::Instant;

use chrono::{DateTime, TimeZone, Utc};
use invoicectl::exports::copy_csv::CopyCsvEncoder;

/// Microseconds from the Unix epoch to PostgreSQL's (2000-01-01 00:00:00 UTC).
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;
/// Rows per page, as the export's default `page_size`.
const PAGE_SIZE: u64 = 5_000;
/// Rows in the sample block, cycled, so the input's memory does not depend on the row
/// count and the mix (quoting, neutralising, NULLs, fractions) is realistic.
const SAMPLE: i64 = 1_000;

/// One tuple's fields as binary COPY writes them.
fn text(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => {
            out.extend_from_slice(&(s.len() as i32).to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        None => out.extend_from_slice(&(-1i32).to_be_bytes()),
    }
}

fn timestamp(out: &mut Vec<u8>, t: Option<DateTime<Utc>>) {
    match t {
        Some(t) => {
            out.extend_from_slice(&8i32.to_be_bytes());
            out.extend_from_slice(&(t.timestamp_micros() - PG_EPOCH_MICROS).to_be_bytes());
        }
        None => out.extend_from_slice(&(-1i32).to_be_bytes()),
    }
}

/// The sample block's tuples (no stream header or trailer).
fn sample_tuples() -> Vec<u8> {
    let names = [
        "Acme Ltd",
        "Globex, Inc.",
        "=HYPERLINK(\"x\")",
        "Zoë Ångström",
        "O'Brien \"Bob\"",
    ];
    let currencies = ["USD", "EUR", "JPY", "KWD", "GBP"];
    let mut out = Vec::new();
    for i in 0..SAMPLE {
        out.extend_from_slice(&9i16.to_be_bytes());
        text(&mut out, Some(&format!("inv_{i:020}")));
        text(&mut out, Some(&format!("INV-2025-{i:06}")));
        text(&mut out, Some(names[i as usize % names.len()]));
        let email = (i % 7 != 0).then(|| format!("billing{i}@example.test"));
        text(&mut out, email.as_deref());
        text(&mut out, Some(currencies[i as usize % currencies.len()]));
        out.extend_from_slice(&8i32.to_be_bytes());
        out.extend_from_slice(&((i * 7919) % 10_000_000 - 1_000_000).to_be_bytes());
        text(&mut out, Some("paid"));
        let issued = Utc
            .timestamp_opt(1_735_722_000 + i * 3_600, (i as u32 % 4) * 250_000_000)
            .unwrap();
        timestamp(&mut out, Some(issued));
        let due = (i % 3 != 0).then(|| Utc.timestamp_opt(1_738_400_400 + i * 60, 0).unwrap());
        timestamp(&mut out, due);
    }
    out
}

fn main() {
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let total: i64 = if benchmarking { 1_000_000 } else { 10_000 };
    let tuples = sample_tuples();
    let mut header = b"PGCOPY\n\xff\r\n\0".to_vec();
    header.extend_from_slice(&[0; 8]);

    let mut encoder = CopyCsvEncoder::new(PAGE_SIZE, true);
    let mut pages = Vec::new();
    let mut bytes = 0u64;
    let started = Instant::now();
    encoder.feed(&header, &mut pages).unwrap();
    for _ in 0..total / SAMPLE {
        encoder.feed(&tuples, &mut pages).unwrap();
        // Pages are counted and their buffers handed back, as the export does once a
        // page is written.
        for page in pages.drain(..) {
            bytes += page.csv.len() as u64;
            encoder.recycle(page.csv);
        }
    }
    encoder.feed(&(-1i16).to_be_bytes(), &mut pages).unwrap();
    pages.extend(encoder.finish().unwrap());
    bytes += pages.iter().map(|p| p.csv.len() as u64).sum::<u64>();
    let elapsed = started.elapsed().as_secs_f64();

    println!(
        "csv: {total} rows, {:.1} MB in {elapsed:.3} s: {:.0} rows/s, {:.1} MB/s",
        bytes as f64 / 1e6,
        total as f64 / elapsed,
        bytes as f64 / 1e6 / elapsed,
    );
}
