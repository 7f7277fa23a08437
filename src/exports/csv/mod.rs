//! The invoice CSV (docs/reference.md, "The CSV"): the cell formatting (amounts,
//! timestamps, formula neutralising) that the one encoder, `copy_csv`, writes each row
//! with, and the bytes a page is stored as. Free of runs and of the database.
//!
//! The files the CSV is written to live beside it, one concern each:
//! - [`attempt`]: one attempt's resumable file, its name, and its publication.
//! - [`folder`]: the export folder, created owner-only and checked writable.
//!
//! Formatting decisions the reference leaves open:
//! - Records end in CRLF, the terminator RFC 4180 specifies (embedded line breaks
//!   inside a quoted field are kept as they are in the data). A field is quoted only
//!   when it contains a comma, a double quote, CR or LF. UTF-8 without a BOM.
//! - `amount` is computed with integer arithmetic only: the magnitude is taken as
//!   `u64` so `i64::MIN` has one, and split by `10^minor_unit`. Zero is `0.00` (never
//!   `-0.00`); 0-decimal currencies have no decimal point.
//! - Timestamps are `YYYY-MM-DDTHH:MM:SS[.fff|.ffffff|.fffffffff]Z`: the fraction is
//!   left out when zero, else it is the shortest of millisecond, microsecond or
//!   nanosecond precision that is exact (chrono's `SecondsFormat::AutoSi`, which it
//!   matches byte for byte), so `.250Z`, not `.25Z`. PostgreSQL stores microseconds,
//!   so real data needs at most 6 digits.
//! - Every cell that comes from a free text column (`invoice_id`, `number`,
//!   `customer_name`, `customer_email`) and starts with `=`, `+`, `-`, `@`, tab or CR
//!   gets a leading `'` (OWASP CSV injection). The schema puts no CHECK on invoice ids,
//!   so an id is as hostile as a name. `currency` (`^[A-Z]{3}$`) and `status` (a fixed
//!   set) are constrained by CHECKs and written as they are; amounts and timestamps
//!   are computed here.

use std::io;

use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};

use crate::storage::Compression;

pub mod attempt;
pub mod folder;

/// The header row, in column order.
pub const HEADER: [&str; 9] = [
    "invoice_id",
    "number",
    "customer_name",
    "customer_email",
    "currency",
    "amount",
    "status",
    "issued_at",
    "due_at",
];

/// The ISO 4217 minor unit (digits after the decimal point) of a currency code.
/// Codes ISO lists without a minor unit (metals, XDR…) and unknown codes use 2, as
/// docs/reference.md ("The CSV") says.
pub fn minor_unit(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        "CLF" | "UYW" => 4,
        _ => 2,
    }
}

pub(super) fn needs_neutralising(text: &[u8]) -> bool {
    matches!(
        text.first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// Appends [`format_amount`]'s text to `out` without allocating.
pub(super) fn push_amount(out: &mut Vec<u8>, amount_cents: i64, currency: &str) {
    let digits = minor_unit(currency);
    // -i64::MIN overflows; its magnitude fits in u64.
    let magnitude = amount_cents.unsigned_abs();
    if amount_cents < 0 {
        out.push(b'-');
    }
    let scale = 10u64.pow(digits);
    push_u64(out, magnitude / scale);
    if digits > 0 {
        out.push(b'.');
        push_padded(out, magnitude % scale, digits as usize);
    }
}

/// Appends [`format_timestamp`]'s text to `out` (allocating only for years outside
/// 0000–9999).
pub(super) fn push_timestamp(out: &mut Vec<u8>, ts: &DateTime<Utc>) {
    // Every field accessor of a `DateTime` converts it to local (here UTC) time
    // again; convert once.
    let utc = ts.naive_utc();
    let year = utc.year();
    if !(0..=9999).contains(&year) {
        out.extend_from_slice(ts.to_rfc3339_opts(SecondsFormat::AutoSi, true).as_bytes());
        return;
    }
    let ts = utc;
    push_padded(out, u64::from(year.unsigned_abs()), 4);
    out.push(b'-');
    push_padded(out, u64::from(ts.month()), 2);
    out.push(b'-');
    push_padded(out, u64::from(ts.day()), 2);
    out.push(b'T');
    push_padded(out, u64::from(ts.hour()), 2);
    out.push(b':');
    push_padded(out, u64::from(ts.minute()), 2);
    out.push(b':');
    let (mut second, mut nanos) = (ts.second(), ts.nanosecond());
    // chrono encodes a leap second as second 59 with nanos ≥ 1e9; RFC 3339 spells it 60.
    if nanos >= 1_000_000_000 {
        second += 1;
        nanos -= 1_000_000_000;
    }
    push_padded(out, u64::from(second), 2);
    if nanos != 0 {
        out.push(b'.');
        let nanos = u64::from(nanos);
        if nanos % 1_000_000 == 0 {
            push_padded(out, nanos / 1_000_000, 3);
        } else if nanos % 1_000 == 0 {
            push_padded(out, nanos / 1_000, 6);
        } else {
            push_padded(out, nanos, 9);
        }
    }
    out.push(b'Z');
}

fn push_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}

/// Exactly `width` digits, zero-padded; `n` must be below `10^width`.
fn push_padded(out: &mut Vec<u8>, mut n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    for slot in digits[..width].iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
    out.extend_from_slice(&digits[..width]);
}

/// A page's CSV records as the bytes an export stores: as they are, or as one
/// complete gzip member.
pub(crate) fn stored_chunk(csv: Vec<u8>, compression: Compression) -> io::Result<Vec<u8>> {
    match compression {
        Compression::None => Ok(csv),
        Compression::Gzip => crate::storage::gzip::member(&csv),
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::copy_csv::tests::{InvoiceRow, copy_bytes};
    use super::super::copy_csv::{CopyCsvEncoder, header_row};
    use super::attempt::ExportFile;
    use super::*;
    use chrono::TimeZone;
    use std::borrow::Cow;

    /// `amount_cents` (in the currency's minor unit) as an exact decimal in the major
    /// unit: `-1250` USD → `-12.50`, `500` JPY → `500`, `1250` KWD → `1.250`.
    fn format_amount(amount_cents: i64, currency: &str) -> String {
        let mut out = Vec::with_capacity(24);
        push_amount(&mut out, amount_cents, currency);
        String::from_utf8(out).unwrap()
    }

    /// A timestamp as RFC 3339 UTC with `Z` and a fraction only when it is non-zero (see
    /// the module doc). Years outside 0000–9999 have no RFC 3339 spelling; they get
    /// chrono's expanded form (`+10000-01-01T00:00:00Z`) rather than a panic.
    fn format_timestamp(ts: &DateTime<Utc>) -> String {
        let mut out = Vec::with_capacity(32);
        push_timestamp(&mut out, ts);
        String::from_utf8(out).unwrap()
    }

    /// A text cell made safe to open in a spreadsheet: a value that a spreadsheet would
    /// read as a formula gets a leading `'`.
    fn neutralise(text: &str) -> Cow<'_, str> {
        if needs_neutralising(text.as_bytes()) {
            Cow::Owned(format!("'{text}"))
        } else {
            Cow::Borrowed(text)
        }
    }

    fn ts(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    pub(super) fn row(id: &str) -> InvoiceRow {
        InvoiceRow {
            id: id.to_owned(),
            number: "INV-0001".to_owned(),
            customer_name: "Acme Ltd".to_owned(),
            customer_email: Some("billing@acme.test".to_owned()),
            currency: "USD".to_owned(),
            amount_cents: 123_456,
            status: "paid".to_owned(),
            issued_at: ts("2025-01-01T09:00:00Z"),
            due_at: Some(ts("2025-01-31T09:00:00.250Z")),
        }
    }

    /// The rows as the export writes them: binary COPY bytes through the one encoder.
    fn to_csv(rows: &[InvoiceRow]) -> Vec<u8> {
        let mut encoder = CopyCsvEncoder::new(u64::MAX, true);
        let mut pages = Vec::new();
        encoder.feed(&copy_bytes(rows), &mut pages).unwrap();
        pages.extend(encoder.finish().unwrap());
        match pages.pop() {
            Some(page) => page.csv,
            None => header_row(),
        }
    }

    /// Appends `rows` as one page (after the header when the file is empty); returns
    /// the file's length.
    pub(super) fn write_rows(file: &mut ExportFile, rows: &[InvoiceRow]) -> u64 {
        let mut encoder = CopyCsvEncoder::new(u64::MAX, file.bytes_written() == 0);
        let mut pages = Vec::new();
        encoder.feed(&copy_bytes(rows), &mut pages).unwrap();
        pages.extend(encoder.finish().unwrap());
        file.write_chunk(&pages.pop().unwrap().csv).unwrap()
    }

    /// Reads the CSV back as strings, header included.
    pub(super) fn parse(bytes: &[u8]) -> Vec<Vec<String>> {
        ::csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bytes)
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn amounts_from_the_spec_and_brief() {
        assert_eq!(format_amount(-1250, "USD"), "-12.50");
        assert_eq!(format_amount(500, "JPY"), "500");
        assert_eq!(format_amount(1250, "KWD"), "1.250");
        assert_eq!(format_amount(-5, "USD"), "-0.05");
    }

    #[test]
    fn amounts_zero_negative_and_per_currency() {
        assert_eq!(format_amount(0, "USD"), "0.00");
        assert_eq!(format_amount(0, "JPY"), "0");
        assert_eq!(format_amount(0, "KWD"), "0.000");
        assert_eq!(format_amount(-1, "KWD"), "-0.001");
        assert_eq!(format_amount(-500, "JPY"), "-500");
        assert_eq!(format_amount(-500, "KRW"), "-500");
        assert_eq!(format_amount(1, "EUR"), "0.01");
        assert_eq!(format_amount(100, "GBP"), "1.00");
        assert_eq!(format_amount(12_345, "CLF"), "1.2345");
        assert_eq!(format_amount(-7, "CLF"), "-0.0007");
        assert_eq!(format_amount(12_345, "BHD"), "12.345");
        // Unknown codes, and ISO codes without a minor unit, use 2.
        assert_eq!(format_amount(-1250, "ZZZ"), "-12.50");
        assert_eq!(format_amount(1250, "XAU"), "12.50");
        assert_eq!(format_amount(1250, ""), "12.50");
    }

    #[test]
    fn amounts_at_the_i64_limits_do_not_panic() {
        assert_eq!(format_amount(i64::MIN, "USD"), "-92233720368547758.08");
        assert_eq!(format_amount(i64::MAX, "USD"), "92233720368547758.07");
        assert_eq!(format_amount(i64::MIN, "JPY"), "-9223372036854775808");
        assert_eq!(format_amount(i64::MIN, "KWD"), "-9223372036854775.808");
        assert_eq!(format_amount(i64::MIN, "CLF"), "-922337203685477.5808");
        assert_eq!(format_amount(i64::MIN + 1, "USD"), "-92233720368547758.07");
    }

    #[test]
    fn amounts_match_an_i128_reference() {
        let reference = |cents: i64, digits: u32| -> String {
            let scale = 10i128.pow(digits);
            let v = i128::from(cents);
            let sign = if v < 0 { "-" } else { "" };
            let (int, frac) = (v.abs() / scale, v.abs() % scale);
            if digits == 0 {
                format!("{sign}{int}")
            } else {
                format!("{sign}{int}.{frac:0width$}", width = digits as usize)
            }
        };
        // A deterministic spread of magnitudes, both signs, around every power of 10.
        let mut values = vec![0, 1, -1, 9, 10, 99, 100, 101, 999, 1000, i64::MAX, i64::MIN];
        let mut p = 1i64;
        while let Some(next) = p.checked_mul(10) {
            values.extend([p - 1, p, p + 1, -(p - 1), -p, -(p + 1)]);
            p = next;
        }
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push(x as i64 >> (x % 60));
        }
        for v in values {
            for (currency, digits) in [("USD", 2), ("JPY", 0), ("KWD", 3), ("CLF", 4)] {
                assert_eq!(
                    format_amount(v, currency),
                    reference(v, digits),
                    "{v} {currency}"
                );
            }
        }
    }

    #[test]
    fn timestamps_with_and_without_fractions() {
        assert_eq!(
            format_timestamp(&ts("2025-01-01T09:00:00Z")),
            "2025-01-01T09:00:00Z"
        );
        assert_eq!(
            format_timestamp(&ts("2025-01-01T09:00:00.250Z")),
            "2025-01-01T09:00:00.250Z"
        );
        assert_eq!(
            format_timestamp(&ts("2025-01-01T09:00:00.000001Z")),
            "2025-01-01T09:00:00.000001Z"
        );
        assert_eq!(
            format_timestamp(&ts("2025-01-01T09:00:00.1234Z")),
            "2025-01-01T09:00:00.123400Z"
        );
        assert_eq!(
            format_timestamp(&ts("2025-12-31T23:59:59.123456789Z")),
            "2025-12-31T23:59:59.123456789Z"
        );
        // Input in another offset is written in UTC.
        assert_eq!(
            format_timestamp(&ts("2025-06-01T02:30:00+02:00")),
            "2025-06-01T00:30:00Z"
        );
        assert_eq!(
            format_timestamp(&ts("0001-01-01T00:00:00Z")),
            "0001-01-01T00:00:00Z"
        );
        assert_eq!(
            format_timestamp(&ts("9999-12-31T23:59:59.999999Z")),
            "9999-12-31T23:59:59.999999Z"
        );
    }

    #[test]
    fn timestamps_at_the_edges_do_not_panic() {
        let leap = Utc.from_utc_datetime(
            &chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
                .unwrap()
                .and_hms_nano_opt(23, 59, 59, 1_500_000_000)
                .unwrap(),
        );
        assert_eq!(format_timestamp(&leap), "2016-12-31T23:59:60.500Z");
        for t in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
            assert_eq!(
                format_timestamp(&t),
                t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
            );
        }
        let year_zero = Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(format_timestamp(&year_zero), "0000-01-01T00:00:00Z");
    }

    #[test]
    fn timestamps_match_chrono_auto_si() {
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        for i in 0..20_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let secs = (x % 253_402_300_800) as i64; // 1970 ..= 9999
            let nanos = match i % 4 {
                0 => 0,
                1 => (x >> 40) as u32 % 1000 * 1_000_000,
                2 => (x >> 30) as u32 % 1_000_000 * 1000,
                _ => (x >> 20) as u32 % 1_000_000_000,
            };
            let t = DateTime::from_timestamp(secs, nanos).unwrap();
            assert_eq!(
                format_timestamp(&t),
                t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
            );
        }
    }

    #[test]
    fn neutralises_formula_prefixes_only() {
        for hostile in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(hostile), format!("'{hostile}"));
        }
        for benign in ["", "a=1", " =1", "'=1", "Zoë", "1-2"] {
            assert_eq!(neutralise(benign), benign);
        }
    }

    #[test]
    fn header_terminator_and_minimal_quoting_are_exact() {
        let bytes = to_csv(&[row("inv_1")]);
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(
            text,
            "invoice_id,number,customer_name,customer_email,currency,amount,status,issued_at,due_at\r\n\
             inv_1,INV-0001,Acme Ltd,billing@acme.test,USD,1234.56,paid,2025-01-01T09:00:00Z,2025-01-31T09:00:00.250Z\r\n"
        );
        assert!(!text.starts_with('\u{feff}'));
    }

    #[test]
    fn nulls_are_empty_cells() {
        let mut r = row("inv_1");
        r.customer_email = None;
        r.due_at = None;
        let bytes = to_csv(&[r]);
        assert!(
            String::from_utf8(bytes.clone())
                .unwrap()
                .ends_with(",paid,2025-01-01T09:00:00Z,\r\n")
        );
        let records = parse(&bytes);
        assert_eq!(records[1][3], "");
        assert_eq!(records[1][8], "");
    }

    #[test]
    fn hostile_text_round_trips_through_a_csv_reader() {
        let cases: &[(&str, &str)] = &[
            ("a,b", "a,b"),
            ("say \"hi\"", "say \"hi\""),
            ("line1\nline2", "line1\nline2"),
            ("line1\r\nline2", "line1\r\nline2"),
            ("cr\ronly", "cr\ronly"),
            ("Zoë Ångström 日本 🚀", "Zoë Ångström 日本 🚀"),
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("+1-555", "'+1-555"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("", ""),
            ("  leading spaces ", "  leading spaces "),
            ("'already quoted", "'already quoted"),
        ];
        let rows: Vec<InvoiceRow> = cases
            .iter()
            .enumerate()
            .map(|(i, (raw, _))| InvoiceRow {
                id: format!("inv_{i:03}"),
                number: raw.to_string(),
                customer_name: raw.to_string(),
                customer_email: Some(raw.to_string()),
                currency: "EUR".to_owned(),
                amount_cents: -(i as i64),
                status: "open".to_owned(),
                issued_at: ts("2025-03-04T05:06:07Z"),
                due_at: None,
            })
            .collect();
        let records = parse(&to_csv(&rows));
        assert_eq!(records.len(), cases.len() + 1);
        assert_eq!(records[0], HEADER);
        for (i, (_, expected)) in cases.iter().enumerate() {
            let rec = &records[i + 1];
            assert_eq!(rec.len(), 9);
            assert_eq!(rec[0], format!("inv_{i:03}"));
            assert_eq!(rec[1], *expected, "number of case {i}");
            assert_eq!(rec[2], *expected, "customer_name of case {i}");
            assert_eq!(rec[3], *expected, "customer_email of case {i}");
            assert_eq!(rec[5], format_amount(-(i as i64), "EUR"));
        }
    }

    #[test]
    fn text_cells_and_ids_are_neutralised_computed_cells_are_not() {
        let r = InvoiceRow {
            id: "-inv".to_owned(),
            currency: "=US".to_owned(),
            status: "+paid".to_owned(),
            amount_cents: -100,
            ..row("x")
        };
        let records = parse(&to_csv(&[r]));
        assert_eq!(records[1][0], "'-inv");
        assert_eq!(records[1][4], "=US");
        assert_eq!(records[1][5], "-1.00");
        assert_eq!(records[1][6], "+paid");
    }

    #[test]
    fn quotes_only_when_needed() {
        let r = InvoiceRow {
            number: "a,b".to_owned(),
            customer_name: "say \"hi\"".to_owned(),
            customer_email: Some("x\ny".to_owned()),
            ..row("inv_1")
        };
        let text = String::from_utf8(to_csv(&[r])).unwrap();
        let line = text.split_once("\r\n").unwrap().1;
        assert!(
            line.starts_with("inv_1,\"a,b\",\"say \"\"hi\"\"\",\"x\ny\",USD,1234.56,paid,"),
            "{line:?}"
        );
    }
}
