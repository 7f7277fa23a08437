//! The export file of SPEC §7.3 on a real filesystem, without a database: resuming at
//! any checkpoint yields the bytes of an uninterrupted run, publishing is atomic, and
//! the download URL is a proper `file://` URL.

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use invoicectl::db::invoices::InvoiceRow;
use invoicectl::exports::csv::{
    ExportFile, HEADER, PageWritten, file_url, partial_path, published_path,
};
use invoicectl::ids::{OrgId, RunId};

fn org() -> OrgId {
    OrgId::parse("org_acme").unwrap()
}

fn run() -> RunId {
    RunId::parse("run_01jd5x7m3k9q2w8e4r6t0y1v3a").unwrap()
}

fn at(secs: i64, nanos: u32) -> DateTime<Utc> {
    Utc.timestamp_opt(1_735_722_000 + secs, nanos).unwrap()
}

/// Three pages of rows with the awkward cases mixed in, so a resume has to reproduce
/// quoting, neutralising, NULLs and fractions exactly.
fn pages() -> Vec<Vec<InvoiceRow>> {
    let names = [
        "Acme Ltd",
        "=cmd|' /C calc'!A0",
        "Smith, \"Jo\"\nline two",
        "Zoë 日本",
        "-neg",
        "\tTabbed",
    ];
    let currencies = ["USD", "JPY", "KWD", "XYZ"];
    let mut all = Vec::new();
    for i in 0..30i64 {
        all.push(InvoiceRow {
            id: format!("inv_{i:04}"),
            number: format!("INV-{i}"),
            customer_name: names[i as usize % names.len()].to_owned(),
            customer_email: (i % 3 != 0).then(|| format!("c{i}@example.test")),
            currency: currencies[i as usize % currencies.len()].to_owned(),
            amount_cents: (i - 15) * 1_234,
            status: "open".to_owned(),
            issued_at: at(i * 3600, if i % 2 == 0 { 0 } else { 250_000_000 }),
            due_at: (i % 4 != 0).then(|| at(i * 86_400, (i as u32) * 1000)),
        });
    }
    all.chunks(10).map(<[InvoiceRow]>::to_vec).collect()
}

/// The bytes of an uninterrupted run, in its own directory.
fn straight_run(pages: &[Vec<InvoiceRow>]) -> (Vec<u8>, Vec<PageWritten>) {
    let dir = tempfile::tempdir().unwrap();
    let mut file = ExportFile::open(dir.path(), &org(), &run(), 0).unwrap();
    let written = pages.iter().map(|p| file.write_page(p).unwrap()).collect();
    let path = file.publish().unwrap();
    (fs::read(path).unwrap(), written)
}

#[test]
fn page_offsets_are_file_lengths_and_rows_parse_back() {
    let pages = pages();
    let dir = tempfile::tempdir().unwrap();
    let mut file = ExportFile::open(dir.path(), &org(), &run(), 0).unwrap();
    for page in &pages {
        let w = file.write_page(page).unwrap();
        assert_eq!(w.rows, page.len() as u64);
        assert_eq!(
            w.bytes_total,
            fs::metadata(file.partial_path()).unwrap().len()
        );
        assert_eq!(w.bytes_total, file.bytes_written());
    }
    let bytes = fs::read(file.publish().unwrap()).unwrap();
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    assert_eq!(reader.headers().unwrap(), &HEADER[..]);
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 30);
    assert_eq!(&records[1][2], "'=cmd|' /C calc'!A0");
    assert_eq!(&records[2][2], "Smith, \"Jo\"\nline two");
    assert_eq!(&records[0][3], "");
    assert_eq!(&records[0][8], "");
    assert_eq!(&records[1][4], "JPY");
    assert_eq!(&records[1][5], "-17276");
    assert_eq!(&records[2][5], "-16.042");
    assert_eq!(&records[3][5], "-148.08");
    assert_eq!(&records[1][7], "2025-01-01T10:00:00.250Z");
    assert_eq!(&records[1][8], "2025-01-02T09:00:00.000001Z");
}

#[test]
fn resume_after_a_crash_at_every_checkpoint_is_byte_identical() {
    let pages = pages();
    let (expected, written) = straight_run(&pages);
    let mut checkpoints = vec![0];
    checkpoints.extend(written.iter().map(|w| w.bytes_total));
    for (done, &offset) in checkpoints.iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        // The crashed attempt: it wrote further than its last committed checkpoint
        // and died in the middle of a record.
        let mut first = ExportFile::open(dir.path(), &org(), &run(), 0).unwrap();
        for page in &pages {
            first.write_page(page).unwrap();
        }
        drop(first);
        let partial = partial_path(dir.path(), &org(), &run());
        fs::OpenOptions::new()
            .append(true)
            .open(&partial)
            .unwrap()
            .write_all(b"inv_9999,torn \"rec")
            .unwrap();

        let mut resumed = ExportFile::open(dir.path(), &org(), &run(), offset).unwrap();
        assert_eq!(resumed.bytes_written(), offset);
        for page in &pages[done..] {
            resumed.write_page(page).unwrap();
        }
        let got = fs::read(resumed.publish().unwrap()).unwrap();
        assert!(got == expected, "resume after {done} pages differs");
    }
}

#[test]
fn resume_at_rewinds_an_open_file() {
    let pages = pages();
    let (expected, _) = straight_run(&pages);
    let dir = tempfile::tempdir().unwrap();
    let mut file = ExportFile::open(dir.path(), &org(), &run(), 0).unwrap();
    let after_first = file.write_page(&pages[0]).unwrap().bytes_total;
    file.write_page(&pages[1]).unwrap();
    file.write_page(&pages[2]).unwrap();
    file.resume_at(after_first).unwrap();
    file.write_page(&pages[1]).unwrap();
    file.write_page(&pages[2]).unwrap();
    assert!(fs::read(file.publish().unwrap()).unwrap() == expected);
}

#[test]
fn publish_is_an_atomic_rename() {
    let dir = tempfile::tempdir().unwrap();
    let final_path = published_path(dir.path(), &org(), &run());
    let partial = partial_path(dir.path(), &org(), &run());
    assert_eq!(
        final_path,
        dir.path()
            .join("org_acme/run_01jd5x7m3k9q2w8e4r6t0y1v3a.csv")
    );
    assert_eq!(
        partial,
        dir.path()
            .join("org_acme/.run_01jd5x7m3k9q2w8e4r6t0y1v3a.csv.partial")
    );

    let mut file = ExportFile::open(dir.path(), &org(), &run(), 0).unwrap();
    assert_eq!(file.published_path(), final_path);
    assert_eq!(file.partial_path(), partial);
    for page in pages() {
        file.write_page(&page).unwrap();
        assert!(!final_path.exists(), "published before publish()");
        assert!(partial.exists());
    }
    let partial_bytes = fs::read(&partial).unwrap();
    let published = file.publish().unwrap();
    assert_eq!(published, final_path);
    assert!(!partial.exists(), "the partial file is left behind");
    assert_eq!(fs::read(&final_path).unwrap(), partial_bytes);
    let names: Vec<_> = fs::read_dir(dir.path().join("org_acme"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["run_01jd5x7m3k9q2w8e4r6t0y1v3a.csv"]);
}

#[test]
fn an_export_without_invoices_is_the_header_alone() {
    let dir = tempfile::tempdir().unwrap();
    let file = ExportFile::open(dir.path(), &org(), &run(), 0).unwrap();
    let bytes = fs::read(file.publish().unwrap()).unwrap();
    assert_eq!(
        bytes,
        b"invoice_id,number,customer_name,customer_email,currency,amount,status,issued_at,due_at\r\n"
    );
}

#[test]
fn opening_at_zero_discards_leftovers() {
    let dir = tempfile::tempdir().unwrap();
    let partial = partial_path(dir.path(), &org(), &run());
    fs::create_dir_all(partial.parent().unwrap()).unwrap();
    fs::write(&partial, "left over from an earlier attempt\r\n").unwrap();
    let mut file = ExportFile::open(dir.path(), &org(), &run(), 0).unwrap();
    assert_eq!(file.bytes_written(), 0);
    file.write_page(&pages()[0]).unwrap();
    let bytes = fs::read(file.publish().unwrap()).unwrap();
    assert!(bytes.starts_with(b"invoice_id,"));
}

#[test]
fn checkpoints_that_do_not_match_the_file_are_refused() {
    let pages = pages();
    let dir = tempfile::tempdir().unwrap();

    let missing = ExportFile::open(dir.path(), &org(), &run(), 10)
        .err()
        .unwrap();
    assert_eq!(missing.kind(), ErrorKind::NotFound);

    let mut file = ExportFile::open(dir.path(), &org(), &run(), 0).unwrap();
    let end = file.write_page(&pages[0]).unwrap().bytes_total;
    drop(file);

    let beyond = ExportFile::open(dir.path(), &org(), &run(), end + 1)
        .err()
        .unwrap();
    assert_eq!(beyond.kind(), ErrorKind::UnexpectedEof);
    let mid_record = ExportFile::open(dir.path(), &org(), &run(), end - 3)
        .err()
        .unwrap();
    assert_eq!(mid_record.kind(), ErrorKind::InvalidData);
    assert!(
        mid_record.to_string().contains(".csv.partial"),
        "{mid_record}"
    );

    // A failed rewind leaves the file unusable until a good one.
    let mut file = ExportFile::open(dir.path(), &org(), &run(), end).unwrap();
    assert!(file.resume_at(end - 3).is_err());
    assert!(file.write_page(&pages[1]).is_err());
    file.resume_at(end).unwrap();
    file.write_page(&pages[1]).unwrap();
    file.write_page(&pages[2]).unwrap();
    let (expected, _) = straight_run(&pages);
    assert!(fs::read(file.publish().unwrap()).unwrap() == expected);
}

#[test]
fn download_url_is_percent_encoded_and_absolute() {
    let root = tempfile::tempdir().unwrap();
    let export_dir = root.path().join("my exports #1 %20 ü?");
    let mut file = ExportFile::open(&export_dir, &org(), &run(), 0).unwrap();
    file.write_page(&pages()[0]).unwrap();
    let published = file.publish().unwrap();
    let url = file_url(&published).unwrap();
    assert_eq!(url.scheme(), "file");
    assert!(
        url.as_str().ends_with(
            "/my%20exports%20%231%20%2520%20%C3%BC%3F/org_acme/run_01jd5x7m3k9q2w8e4r6t0y1v3a.csv"
        ),
        "{url}"
    );
    assert_eq!(url.query(), None);
    assert_eq!(url.fragment(), None);
    assert_eq!(
        url.to_file_path().unwrap(),
        fs::canonicalize(&published).unwrap()
    );
}

#[test]
fn download_url_of_a_relative_path_is_absolute() {
    let root = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    fs::write(root.path().join("x.csv"), "").unwrap();
    let cwd = std::env::current_dir().unwrap();
    // Only meaningful when the target dir lies under the working directory (the usual
    // layout); an absolute path proves nothing here.
    let Ok(relative) = root
        .path()
        .join("x.csv")
        .strip_prefix(&cwd)
        .map(Path::to_path_buf)
    else {
        return;
    };
    assert!(relative.is_relative());
    let url = file_url(&relative).unwrap();
    assert_eq!(
        url.to_file_path().unwrap(),
        fs::canonicalize(&relative).unwrap()
    );
    assert!(file_url(Path::new("does/not/exist.csv")).is_err());
}
