//! PostgreSQL's binary `COPY` format turned straight into the export's CSV bytes.
//!
//! Why this exists: the export used to read one keyset page per query and let sqlx
//! decode every cell into a row struct — five
//! `String`s a row, a type check and a by-position lookup per cell, and a per-row
//! async stream. That decoding and the allocator took about 60 % of the worker's CPU
//! and kept the export at 1.5 × `psql \copy`. The export now reads the whole walk as
//! ONE `COPY (SELECT …) TO STDOUT (FORMAT binary)` stream per attempt
//! (`db::invoices::copy_after`) and this module turns the tuples into CSV in place:
//! each text cell is borrowed from the network buffer and written (neutralised,
//! quoted) into a reused output buffer; integers and timestamps are formatted into
//! that buffer by `csv`'s cell functions, so nothing is allocated per row. It is the
//! one CSV encoder; the tests hold it to an independent one (`tests/common/csv_oracle.rs`).
//!
//! The stream is cut into pages of `page_size` rows: each [`CsvPage`] carries its CSV
//! bytes (the header row before the first when asked), its row count and its last
//! invoice id (the keyset cursor a checkpoint records), so checkpoints, resumes and the
//! page boundaries are exactly those of the query-per-page walk.
//!
//! The format (PostgreSQL docs, "COPY … Binary Format"): an 11-byte signature, an
//! int32 flags field, an int32 header-extension length and that many bytes; then per
//! tuple an int16 field count (-1 ends the data), and per field an int32 length (-1 is
//! NULL) and that many bytes. `text` is its UTF-8 bytes (the connection's
//! `client_encoding`, which sqlx sets to UTF8), `int8` 8 bytes big-endian,
//! `timestamptz` an int8 of microseconds since 2000-01-01 00:00 UTC. The data carries
//! no types: the query casts every column to the type decoded here, and a tuple whose
//! field count or widths do not fit is an error, never a guess. Input may arrive in any
//! split (PostgreSQL sends one message per tuple, but nothing here relies on it).

use std::io;

use chrono::DateTime;

use super::csv::{self, HEADER};

/// The 11-byte signature every binary COPY stream starts with.
const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";
/// The columns, in order, and how many: `id, number, customer_name, customer_email,
/// currency, amount_cents, status, issued_at, due_at` (see `db::invoices::copy_after`).
const FIELDS: usize = 9;
/// Microseconds from the Unix epoch to PostgreSQL's (2000-01-01 00:00:00 UTC).
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// One page cut from the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvPage {
    /// The page's CSV records, after the header row if this is the file's first page.
    pub csv: Vec<u8>,
    pub rows: u64,
    /// The id of the page's last invoice: the keyset cursor after this page.
    pub last_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Header,
    Tuples,
    Done,
}

/// Decodes a binary COPY stream of invoice tuples into pages of CSV. Feed it the
/// stream's bytes in order ([`feed`](Self::feed)), take the pages it completes, and
/// call [`finish`](Self::finish) at the end for the last, shorter page.
pub struct CopyCsvEncoder {
    state: State,
    /// Bytes of an incomplete header or tuple, kept until the rest arrives.
    carry: Vec<u8>,
    /// The page being cut.
    page: Vec<u8>,
    rows: u64,
    page_size: u64,
    /// The current page's last id, kept as bytes (copied over, not reallocated).
    last_id: Vec<u8>,
    /// Buffers of written pages handed back ([`recycle`](Self::recycle)).
    spare: Vec<Vec<u8>>,
}

/// A malformed stream: `InvalidData`, so it reads like sqlx's own decode errors.
fn invalid(what: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.into())
}

/// About 150 bytes a CSV row.
const ROW_BYTES_GUESS: usize = 160;

impl CopyCsvEncoder {
    /// An encoder cutting pages of `page_size` rows (at least 1); `header`: the first
    /// page starts with the header row (the file's first bytes).
    pub fn new(page_size: u64, header: bool) -> Self {
        let page_size = page_size.max(1);
        let capacity = usize::try_from(page_size)
            .unwrap_or(usize::MAX)
            .saturating_mul(ROW_BYTES_GUESS)
            .min(16 << 20)
            + 128;
        let mut page = Vec::with_capacity(capacity);
        if header {
            push_header(&mut page);
        }
        CopyCsvEncoder {
            state: State::Header,
            carry: Vec::new(),
            page,
            rows: 0,
            page_size,
            last_id: Vec::with_capacity(32),
            spare: Vec::new(),
        }
    }

    /// Hands a written page's buffer back, so the next page reuses its allocation.
    pub fn recycle(&mut self, mut buffer: Vec<u8>) {
        if self.spare.is_empty() {
            buffer.clear();
            self.spare.push(buffer);
        }
    }

    /// Decodes `data` (the next bytes of the stream), appending every page it completes
    /// to `pages`.
    pub fn feed(&mut self, data: &[u8], pages: &mut Vec<CsvPage>) -> io::Result<()> {
        if self.carry.is_empty() {
            let used = self.decode(data, pages)?;
            self.carry.extend_from_slice(&data[used..]);
        } else {
            let mut carry = std::mem::take(&mut self.carry);
            carry.extend_from_slice(data);
            let used = self.decode(&carry, pages);
            let used = match used {
                Ok(used) => used,
                Err(e) => {
                    self.carry = carry;
                    return Err(e);
                }
            };
            carry.drain(..used);
            self.carry = carry;
        }
        Ok(())
    }

    /// Ends the stream: the last page if it has rows. Fails if the stream stopped
    /// before its end marker (a truncated stream is never taken for a whole one).
    pub fn finish(mut self) -> io::Result<Option<CsvPage>> {
        if self.state != State::Done || !self.carry.is_empty() {
            return Err(invalid(
                "the COPY stream ended before its end-of-data marker",
            ));
        }
        Ok((self.rows > 0).then(|| self.take_page()))
    }

    /// Decodes every complete item at the start of `buf`; returns the bytes used.
    fn decode(&mut self, buf: &[u8], pages: &mut Vec<CsvPage>) -> io::Result<usize> {
        let mut at = 0;
        loop {
            let rest = &buf[at..];
            match self.state {
                State::Header => {
                    let Some(used) = header_len(rest)? else {
                        return Ok(at);
                    };
                    at += used;
                    self.state = State::Tuples;
                }
                State::Tuples => {
                    let Some(count) = rest.get(..2) else {
                        return Ok(at);
                    };
                    let count = i16::from_be_bytes([count[0], count[1]]);
                    if count == -1 {
                        self.state = State::Done;
                        at += 2;
                        continue;
                    }
                    if count != FIELDS as i16 {
                        return Err(invalid(format!(
                            "a COPY tuple has {count} fields, not {FIELDS}"
                        )));
                    }
                    let Some((fields, used)) = split_tuple(&rest[2..])? else {
                        return Ok(at);
                    };
                    push_row(&mut self.page, &fields)?;
                    self.last_id.clear();
                    self.last_id
                        .extend_from_slice(fields[0].unwrap_or_default());
                    at += 2 + used;
                    self.rows += 1;
                    if self.rows == self.page_size {
                        pages.push(self.take_page());
                    }
                }
                State::Done => {
                    if rest.is_empty() {
                        return Ok(at);
                    }
                    return Err(invalid("bytes after the COPY stream's end-of-data marker"));
                }
            }
        }
    }

    fn take_page(&mut self) -> CsvPage {
        let next = self
            .spare
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(self.page.capacity().max(self.page.len())));
        let csv = std::mem::replace(&mut self.page, next);
        let rows = std::mem::take(&mut self.rows);
        CsvPage {
            csv,
            rows,
            // Validated as UTF-8 when the row was written.
            last_id: String::from_utf8_lossy(&self.last_id).into_owned(),
        }
    }
}

/// The header row, as the first page starts with it and as an export without
/// invoices holds it alone.
pub(crate) fn header_row() -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    push_header(&mut out);
    out
}

/// The header row (no header cell needs quotes): the one place it is written.
fn push_header(out: &mut Vec<u8>) {
    for (i, name) in HEADER.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(name.as_bytes());
    }
    out.extend_from_slice(b"\r\n");
}

/// The length of the stream header at the start of `buf`, or `None` if incomplete.
fn header_len(buf: &[u8]) -> io::Result<Option<usize>> {
    if buf.len() < SIGNATURE.len() + 8 {
        if !SIGNATURE.starts_with(&buf[..buf.len().min(SIGNATURE.len())]) {
            return Err(invalid("not a binary COPY stream (bad signature)"));
        }
        return Ok(None);
    }
    if &buf[..SIGNATURE.len()] != SIGNATURE {
        return Err(invalid("not a binary COPY stream (bad signature)"));
    }
    let flags = be_u32(&buf[11..15]);
    // Bit 16: OIDs included (only before PostgreSQL 12; never asked for here). The
    // other high bits are critical: a reader must refuse what it does not know.
    if flags & 0xffff_0000 != 0 {
        return Err(invalid(format!(
            "binary COPY header flags {flags:#x} are not supported"
        )));
    }
    let extension = be_u32(&buf[15..19]) as usize;
    let total = 19usize.saturating_add(extension);
    Ok((buf.len() >= total).then_some(total))
}

fn be_u32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// The 9 fields of the tuple at the start of `buf` (after its field count) and the
/// bytes they take, or `None` if the tuple is not complete yet. Borrowed: nothing is
/// copied.
#[allow(clippy::type_complexity)]
fn split_tuple(buf: &[u8]) -> io::Result<Option<([Option<&[u8]>; FIELDS], usize)>> {
    let mut fields: [Option<&[u8]>; FIELDS] = [None; FIELDS];
    let mut at = 0usize;
    for field in fields.iter_mut() {
        let Some(len) = buf.get(at..at + 4) else {
            return Ok(None);
        };
        let len = i32::from_be_bytes([len[0], len[1], len[2], len[3]]);
        at += 4;
        if len == -1 {
            continue;
        }
        let len = usize::try_from(len).map_err(|_| invalid("a negative COPY field length"))?;
        let Some(bytes) = buf.get(at..at + len) else {
            return Ok(None);
        };
        *field = Some(bytes);
        at += len;
    }
    Ok(Some((fields, at)))
}

/// One tuple as one CSV record.
fn push_row(out: &mut Vec<u8>, f: &[Option<&[u8]>; FIELDS]) -> io::Result<()> {
    let id = required(f[0], "id")?;
    push_text(out, text(id, "id")?.as_bytes(), true);
    out.push(b',');
    push_text(
        out,
        text(required(f[1], "number")?, "number")?.as_bytes(),
        true,
    );
    out.push(b',');
    let name = required(f[2], "customer_name")?;
    push_text(out, text(name, "customer_name")?.as_bytes(), true);
    out.push(b',');
    if let Some(email) = f[3] {
        push_text(out, text(email, "customer_email")?.as_bytes(), true);
    }
    out.push(b',');
    let currency = text(required(f[4], "currency")?, "currency")?;
    push_text(out, currency.as_bytes(), false);
    out.push(b',');
    csv::push_amount(out, int8(required(f[5], "amount_cents")?)?, currency);
    out.push(b',');
    push_text(
        out,
        text(required(f[6], "status")?, "status")?.as_bytes(),
        false,
    );
    out.push(b',');
    push_timestamptz(out, required(f[7], "issued_at")?)?;
    out.push(b',');
    if let Some(due) = f[8] {
        push_timestamptz(out, due)?;
    }
    out.extend_from_slice(b"\r\n");
    Ok(())
}

fn required<'a>(field: Option<&'a [u8]>, column: &str) -> io::Result<&'a [u8]> {
    field.ok_or_else(|| invalid(format!("column {column} is NULL")))
}

/// A text cell, checked to be UTF-8 as sqlx's `String` decoding would.
fn text<'a>(bytes: &'a [u8], column: &str) -> io::Result<&'a str> {
    std::str::from_utf8(bytes)
        .map_err(|e| invalid(format!("column {column} is not valid UTF-8: {e}")))
}

fn int8(bytes: &[u8]) -> io::Result<i64> {
    let bytes: [u8; 8] = bytes
        .try_into()
        .map_err(|_| invalid(format!("an int8 of {} bytes", bytes.len())))?;
    Ok(i64::from_be_bytes(bytes))
}

/// A `timestamptz` cell. Every value PostgreSQL can store exports, none fails the
/// run: `infinity` and `-infinity` are written as PostgreSQL's own CSV writes them,
/// a finite instant as RFC 3339 UTC (see `csv::push_timestamp`), also past year
/// 262143, where chrono stops and PostgreSQL (294276) does not.
fn push_timestamptz(out: &mut Vec<u8>, bytes: &[u8]) -> io::Result<()> {
    match int8(bytes)? {
        i64::MAX => out.extend_from_slice(b"infinity"),
        i64::MIN => out.extend_from_slice(b"-infinity"),
        micros => match micros
            .checked_add(PG_EPOCH_MICROS)
            .and_then(DateTime::from_timestamp_micros)
        {
            Some(t) => csv::push_timestamp(out, &t),
            None => push_far_timestamp(out, micros),
        },
    }
    Ok(())
}

/// An instant beyond chrono's range (`micros` after 2000-01-01 UTC) in the format
/// chrono gives years past 9999: `+YYYYYY-MM-DDTHH:MM:SS[.fff|.ffffff]Z`.
fn push_far_timestamp(out: &mut Vec<u8>, micros: i64) {
    const DAY: i128 = 86_400_000_000;
    let since_unix = i128::from(micros) + i128::from(PG_EPOCH_MICROS);
    let days = since_unix.div_euclid(DAY);
    let of_day = since_unix.rem_euclid(DAY);
    // Howard Hinnant's civil_from_days (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i128::from(month <= 2);
    let secs = of_day / 1_000_000;
    let frac = of_day % 1_000_000;
    let sign = if year < 0 { '-' } else { '+' };
    let mut text = format!(
        "{sign}{:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        year.abs(),
        secs / 3_600,
        secs / 60 % 60,
        secs % 60
    );
    if frac % 1_000 == 0 && frac != 0 {
        text.push_str(&format!(".{:03}", frac / 1_000));
    } else if frac != 0 {
        text.push_str(&format!(".{frac:06}"));
    }
    text.push('Z');
    out.extend_from_slice(text.as_bytes());
}

/// A text cell as the CSV writer writes it: a leading `'` when `neutralise` and it
/// looks like a formula (see `csv::neutralise`), and in double quotes (inner ones
/// doubled) only when it contains a comma, a double quote, CR or LF — the csv crate's
/// `QuoteStyle::Necessary` with this writer's settings.
fn push_text(out: &mut Vec<u8>, cell: &[u8], neutralise: bool) {
    let prefix = neutralise && csv::needs_neutralising(cell);
    let quote = cell
        .iter()
        .any(|&b| matches!(b, b',' | b'"' | b'\r' | b'\n'));
    if !quote {
        if prefix {
            out.push(b'\'');
        }
        out.extend_from_slice(cell);
        return;
    }
    out.push(b'"');
    if prefix {
        out.push(b'\'');
    }
    let mut rest = cell;
    while let Some(at) = rest.iter().position(|&b| b == b'"') {
        out.extend_from_slice(&rest[..=at]);
        out.push(b'"');
        rest = &rest[at + 1..];
    }
    out.extend_from_slice(rest);
    out.push(b'"');
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono::Utc;

    /// One invoice as the tests describe it, turned into COPY bytes by [`copy_bytes`].
    #[derive(Debug, Clone)]
    pub(crate) struct InvoiceRow {
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

    /// The binary COPY bytes PostgreSQL sends for `rows` (the test's reference
    /// encoder, written from the format's documentation).
    pub(crate) fn copy_bytes(rows: &[InvoiceRow]) -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        out.extend_from_slice(&0u32.to_be_bytes());
        out.extend_from_slice(&0u32.to_be_bytes());
        let text = |out: &mut Vec<u8>, s: Option<&str>| match s {
            Some(s) => {
                out.extend_from_slice(&(s.len() as i32).to_be_bytes());
                out.extend_from_slice(s.as_bytes());
            }
            None => out.extend_from_slice(&(-1i32).to_be_bytes()),
        };
        let ts = |out: &mut Vec<u8>, t: Option<&DateTime<Utc>>| match t {
            Some(t) => {
                out.extend_from_slice(&8i32.to_be_bytes());
                let micros = t.timestamp_micros() - PG_EPOCH_MICROS;
                out.extend_from_slice(&micros.to_be_bytes());
            }
            None => out.extend_from_slice(&(-1i32).to_be_bytes()),
        };
        for r in rows {
            out.extend_from_slice(&(FIELDS as i16).to_be_bytes());
            text(&mut out, Some(&r.id));
            text(&mut out, Some(&r.number));
            text(&mut out, Some(&r.customer_name));
            text(&mut out, r.customer_email.as_deref());
            text(&mut out, Some(&r.currency));
            out.extend_from_slice(&8i32.to_be_bytes());
            out.extend_from_slice(&r.amount_cents.to_be_bytes());
            text(&mut out, Some(&r.status));
            ts(&mut out, Some(&r.issued_at));
            ts(&mut out, r.due_at.as_ref());
        }
        out.extend_from_slice(&(-1i16).to_be_bytes());
        out
    }

    /// A small deterministic generator (xorshift), so failures reproduce.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
            from[(self.next() % from.len() as u64) as usize]
        }
    }

    const NASTY: &[&str] = &[
        "Wayne Enterprises",
        "Stark Industries, Inc.",
        "\"Best\" Widgets Ltd",
        "Müller & Söhne GmbH",
        "株式会社サンプル",
        "O'Reilly, Smith & Co.",
        "=HYPERLINK(\"http://example.com\")",
        "-Minus Traders",
        "+plus",
        "@at",
        "\tTabbed",
        "\rCarriage",
        "Line\nBreak LLC",
        "crlf\r\nboth",
        "",
        "'already quoted",
        " leading space",
        "\"",
        ",",
    ];

    fn random_rows(rng: &mut Rng, n: usize) -> Vec<InvoiceRow> {
        let currencies = ["USD", "EUR", "JPY", "KWD", "CLF", "XYZ"];
        let statuses = ["draft", "open", "paid", "void", "uncollectible"];
        let amounts = [0, 1, -1, 99, -100, 1_250, -2_500_000, i64::MAX, i64::MIN];
        let fractions = [0u32, 250_000_000, 123_456_000, 1_000, 999_999_000];
        (0..n)
            .map(|i| {
                let t = |rng: &mut Rng| {
                    let secs = (rng.next() % 4_000_000_000) as i64 - 1_000_000_000;
                    let nanos = fractions[(rng.next() % fractions.len() as u64) as usize];
                    Utc.timestamp_opt(secs, nanos).unwrap()
                };
                InvoiceRow {
                    id: if i % 11 == 5 {
                        format!("={i:06}")
                    } else {
                        format!("inv_{i:06}")
                    },
                    number: rng.pick(NASTY).to_owned(),
                    customer_name: rng.pick(NASTY).to_owned(),
                    customer_email: (!rng.next().is_multiple_of(4))
                        .then(|| rng.pick(NASTY).to_owned()),
                    currency: rng.pick(&currencies).to_owned(),
                    amount_cents: if rng.next().is_multiple_of(3) {
                        amounts[(rng.next() % amounts.len() as u64) as usize]
                    } else {
                        (rng.next() % 5_000_000) as i64 - 2_500_000
                    },
                    status: rng.pick(&statuses).to_owned(),
                    issued_at: t(rng),
                    due_at: (!rng.next().is_multiple_of(3)).then(|| t(rng)),
                }
            })
            .collect()
    }

    /// Feeds `bytes` in random splits; returns the pages.
    fn decode(rng: &mut Rng, bytes: &[u8], page_size: u64, header: bool) -> Vec<CsvPage> {
        let mut encoder = CopyCsvEncoder::new(page_size, header);
        let mut pages = Vec::new();
        let mut rest = bytes;
        while !rest.is_empty() {
            let take = match rng.next() % 4 {
                0 => 1,
                1 => (rng.next() % 16) as usize,
                2 => (rng.next() % 400) as usize,
                _ => rest.len(),
            }
            .min(rest.len());
            encoder.feed(&rest[..take], &mut pages).unwrap();
            rest = &rest[take..];
            if let Some(page) = pages.first()
                && rng.next().is_multiple_of(2)
            {
                encoder.recycle(page.csv.clone());
            }
        }
        pages.extend(encoder.finish().unwrap());
        pages
    }

    #[test]
    fn pages_are_the_same_bytes_in_any_split() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for round in 0..200 {
            let n = (rng.next() % 60) as usize;
            let rows = random_rows(&mut rng, n);
            let page_size = 1 + rng.next() % 12;
            let header = round % 3 != 0;
            let pages = decode(&mut rng, &copy_bytes(&rows), page_size, header);
            let expected: Vec<&[InvoiceRow]> = rows.chunks(page_size as usize).collect();
            assert_eq!(pages.len(), expected.len(), "round {round}");
            for (i, (page, want)) in pages.iter().zip(&expected).enumerate() {
                // The same rows fed whole, as a page of their own.
                let mut whole = CopyCsvEncoder::new(u64::MAX, header && i == 0);
                let mut alone = Vec::new();
                whole.feed(&copy_bytes(want), &mut alone).unwrap();
                alone.extend(whole.finish().unwrap());
                assert_eq!(alone.len(), 1);
                assert_eq!(
                    String::from_utf8_lossy(&page.csv),
                    String::from_utf8_lossy(&alone[0].csv),
                    "round {round}, page {i}"
                );
                assert_eq!(page.rows, want.len() as u64);
                assert_eq!(page.last_id, want.last().unwrap().id);
            }
        }
    }

    #[test]
    fn no_rows_make_no_page() {
        let mut rng = Rng(7);
        assert!(decode(&mut rng, &copy_bytes(&[]), 5, true).is_empty());
    }

    #[test]
    fn a_truncated_stream_is_an_error_not_a_short_export() {
        let mut rng = Rng(11);
        let bytes = copy_bytes(&random_rows(&mut rng, 3));
        for cut in 0..bytes.len() {
            let mut encoder = CopyCsvEncoder::new(100, true);
            let mut pages = Vec::new();
            encoder.feed(&bytes[..cut], &mut pages).unwrap();
            assert!(encoder.finish().is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn malformed_streams_are_refused() {
        let mut rng = Rng(13);
        let good = copy_bytes(&random_rows(&mut rng, 2));
        let feed = |bytes: &[u8]| {
            let mut encoder = CopyCsvEncoder::new(10, false);
            let mut pages = Vec::new();
            encoder
                .feed(bytes, &mut pages)
                .and_then(|()| encoder.finish())
                .map(|_| ())
        };
        assert!(feed(&good).is_ok());
        let mut bad_signature = good.clone();
        bad_signature[0] = b'X';
        assert!(feed(&bad_signature).is_err());
        let mut wrong_count = good.clone();
        wrong_count[19..21].copy_from_slice(&8i16.to_be_bytes());
        assert!(feed(&wrong_count).is_err());
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(feed(&trailing).is_err());
        // A NULL id, and an int8 of the wrong width.
        let mut fields = [Some(&b"x"[..]); FIELDS];
        fields[0] = None;
        assert!(push_row(&mut Vec::new(), &fields).is_err());
        let mut narrow = [Some(&b"x"[..]); FIELDS];
        narrow[5] = Some(&b"1234"[..]);
        assert!(push_row(&mut Vec::new(), &narrow).is_err());
        // infinity, -infinity, bad UTF-8
        let cell = |micros: i64| {
            let mut out = Vec::new();
            push_timestamptz(&mut out, &micros.to_be_bytes()).unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(cell(i64::MAX), "infinity");
        assert_eq!(cell(i64::MIN), "-infinity");
        assert_eq!(cell(0), "2000-01-01T00:00:00Z");
        // PostgreSQL's last instant, beyond chrono.
        let last = 9_223_371_331_199_999_999i64;
        assert_eq!(cell(last), "+294276-12-31T23:59:59.999999Z");
        // The far formatter agrees with chrono where both work.
        for year_micros in [
            DateTime::<Utc>::MAX_UTC.timestamp_micros(),
            DateTime::parse_from_rfc3339("9999-12-31T23:59:59Z")
                .unwrap()
                .timestamp_micros()
                + 1,
            DateTime::parse_from_rfc3339("2026-02-28T01:02:03.5Z")
                .unwrap()
                .timestamp_micros(),
        ] {
            let t = DateTime::<Utc>::from_timestamp_micros(year_micros).unwrap();
            let mut ours = Vec::new();
            push_far_timestamp(&mut ours, year_micros - PG_EPOCH_MICROS);
            assert_eq!(
                String::from_utf8(ours).unwrap().trim_start_matches('+'),
                t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
                    .trim_start_matches('+'),
            );
        }
        assert!(text(b"\xff", "number").is_err());
    }
}
