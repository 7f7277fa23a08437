//! The export file (docs/reference.md, "The CSV") on a real filesystem, without a database: resuming at
//! any checkpoint yields the bytes of an uninterrupted run, publishing is atomic, and
//! the download URL is a proper `file://` URL.

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use invoicectl::exports::csv::HEADER;
use invoicectl::exports::csv::attempt::{
    AttemptFile, ExportFile, file_url, partial_files, partial_path, published_path, remove_partials,
};
use invoicectl::exports::csv::folder::{ExportDirError, check_export_dir};
use invoicectl::ids::{OrgId, RunId};

use crate::common::csv_oracle::{InvoiceRow, PageWritten, WritePage};

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

fn attempt(name: &str) -> AttemptFile {
    AttemptFile::try_from(name.to_owned()).unwrap()
}

fn create(dir: &Path, name: &str) -> ExportFile {
    ExportFile::create(dir, &org(), &run(), &attempt(name)).unwrap()
}

/// The bytes of an uninterrupted run, in its own directory.
fn straight_run(pages: &[Vec<InvoiceRow>]) -> (Vec<u8>, Vec<PageWritten>) {
    let dir = tempfile::tempdir().unwrap();
    let mut file = create(dir.path(), "1-a");
    let written = pages.iter().map(|p| file.write_page(p).unwrap()).collect();
    let path = file.publish().unwrap();
    (fs::read(path).unwrap(), written)
}

#[test]
fn page_offsets_are_file_lengths_and_rows_parse_back() {
    let pages = pages();
    let dir = tempfile::tempdir().unwrap();
    let mut file = create(dir.path(), "1-a");
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
fn continuing_from_any_checkpoint_of_a_crashed_attempt_is_byte_identical() {
    let pages = pages();
    let (expected, written) = straight_run(&pages);
    let mut checkpoints = vec![0];
    checkpoints.extend(written.iter().map(|w| w.bytes_total));
    for (done, &offset) in checkpoints.iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        // The crashed attempt: it wrote further than its last committed checkpoint
        // and died in the middle of a record.
        let mut first = create(dir.path(), "1-a");
        for page in &pages {
            first.write_page(page).unwrap();
        }
        let first_path = first.partial_path().to_owned();
        drop(first);
        fs::OpenOptions::new()
            .append(true)
            .open(&first_path)
            .unwrap()
            .write_all(b"inv_9999,torn \"rec")
            .unwrap();
        let first_bytes = fs::read(&first_path).unwrap();

        let mut resumed = create(dir.path(), "2-b");
        if offset > 0 {
            resumed.copy_prefix_from(&first_path, offset).unwrap();
        }
        assert_eq!(resumed.bytes_written(), offset);
        for page in &pages[done..] {
            resumed.write_page(page).unwrap();
        }
        let got = fs::read(resumed.publish().unwrap()).unwrap();
        assert!(got == expected, "resume after {done} pages differs");
        assert!(
            fs::read(&first_path).unwrap() == first_bytes,
            "the earlier attempt's file was only read"
        );
    }
}

#[test]
fn a_stale_attempt_writing_on_cannot_reach_its_successors_file() {
    let pages = pages();
    let (expected, _) = straight_run(&pages);
    let dir = tempfile::tempdir().unwrap();
    let mut stale = create(dir.path(), "1-a");
    let checkpoint = stale.write_page(&pages[0]).unwrap().bytes_total;
    // Its next page was in flight when it lost its lease.
    stale.write_page(&pages[1]).unwrap();

    let mut successor = create(dir.path(), "2-b");
    successor
        .copy_prefix_from(stale.partial_path(), checkpoint)
        .unwrap();
    successor.write_page(&pages[1]).unwrap();
    // The stale attempt wakes up and goes on writing (other rows, even a rewind):
    // only its own file changes.
    let mut other = pages[2].clone();
    other[0].customer_name = "written after the lease was lost".to_owned();
    stale.write_page(&other).unwrap();
    stale.resume_at(0).unwrap();
    stale.write_page(&other).unwrap();
    successor.write_page(&pages[2]).unwrap();
    assert!(fs::read(successor.publish().unwrap()).unwrap() == expected);
}

#[test]
fn resume_at_rewinds_an_open_file() {
    let pages = pages();
    let (expected, _) = straight_run(&pages);
    let dir = tempfile::tempdir().unwrap();
    let mut file = create(dir.path(), "1-a");
    let after_first = file.write_page(&pages[0]).unwrap().bytes_total;
    file.write_page(&pages[1]).unwrap();
    file.write_page(&pages[2]).unwrap();
    file.resume_at(after_first).unwrap();
    file.write_page(&pages[1]).unwrap();
    file.write_page(&pages[2]).unwrap();
    assert!(fs::read(file.publish().unwrap()).unwrap() == expected);
}

#[test]
fn publish_is_an_atomic_rename_of_the_attempts_own_file() {
    let dir = tempfile::tempdir().unwrap();
    let final_path = published_path(dir.path(), &org(), &run());
    let partial = partial_path(dir.path(), &org(), &run(), &attempt("2-01jd5x7m3k"));
    assert_eq!(
        final_path,
        dir.path()
            .join("org_acme/run_01jd5x7m3k9q2w8e4r6t0y1v3a.csv")
    );
    assert_eq!(
        partial,
        dir.path()
            .join("org_acme/.run_01jd5x7m3k9q2w8e4r6t0y1v3a.2-01jd5x7m3k.csv.partial")
    );

    let mut file = create(dir.path(), "2-01jd5x7m3k");
    assert_eq!(file.published_path(), final_path);
    assert_eq!(file.partial_path(), partial);
    let url = file.published_url().unwrap();
    for page in pages() {
        file.write_page(&page).unwrap();
        assert!(!final_path.exists(), "published before publish()");
        assert!(partial.exists());
    }
    let partial_bytes = fs::read(&partial).unwrap();
    let published = file.publish().unwrap();
    assert_eq!(published, final_path);
    assert_eq!(url, file_url(&final_path).unwrap());
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
    let file = create(dir.path(), "1-a");
    let bytes = fs::read(file.publish().unwrap()).unwrap();
    assert_eq!(
        bytes,
        b"invoice_id,number,customer_name,customer_email,currency,amount,status,issued_at,due_at\r\n"
    );
}

#[test]
fn attempts_never_share_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let first = create(dir.path(), "1-a");
    let again = ExportFile::create(dir.path(), &org(), &run(), &attempt("1-a"))
        .err()
        .unwrap();
    assert_eq!(again.kind(), ErrorKind::AlreadyExists);
    drop(first);
    assert_ne!(AttemptFile::new(1), AttemptFile::new(1));
    // Names come back from the database into paths: nothing but [0-9a-z-].
    for hostile in ["", "../x", "a/b", "A", "1.2", &"a".repeat(65)] {
        assert!(
            AttemptFile::try_from(hostile.to_owned()).is_err(),
            "{hostile:?}"
        );
        assert!(
            serde_json::from_value::<AttemptFile>(serde_json::json!(hostile)).is_err(),
            "{hostile:?}"
        );
    }
}

#[test]
fn checkpoints_that_do_not_match_the_earlier_file_are_refused() {
    let pages = pages();
    let dir = tempfile::tempdir().unwrap();
    let mut first = create(dir.path(), "1-a");
    let end = first.write_page(&pages[0]).unwrap().bytes_total;
    let first_path = first.partial_path().to_owned();
    drop(first);

    let mut file = create(dir.path(), "2-b");
    let missing = file
        .copy_prefix_from(&dir.path().join("nowhere.partial"), end)
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    assert!(missing.to_string().contains("os error"), "{missing}");
    // A failed copy leaves the file unusable until it is rewound.
    assert!(file.write_page(&pages[0]).is_err());
    file.resume_at(0).unwrap();

    let beyond = file.copy_prefix_from(&first_path, end + 1).unwrap_err();
    assert_eq!(beyond.kind(), ErrorKind::UnexpectedEof);
    file.resume_at(0).unwrap();
    let mid_record = file.copy_prefix_from(&first_path, end - 3).unwrap_err();
    assert_eq!(mid_record.kind(), ErrorKind::InvalidData);
    assert!(
        mid_record.to_string().contains(".csv.partial"),
        "{mid_record}"
    );

    // A failed rewind leaves the file unusable until a good one.
    file.resume_at(0).unwrap();
    file.copy_prefix_from(&first_path, end).unwrap();
    assert!(file.resume_at(end - 3).is_err());
    assert!(file.write_page(&pages[1]).is_err());
    file.resume_at(end).unwrap();
    file.write_page(&pages[1]).unwrap();
    file.write_page(&pages[2]).unwrap();
    let (expected, _) = straight_run(&pages);
    assert!(fs::read(file.publish().unwrap()).unwrap() == expected);
}

#[test]
fn partial_files_are_found_and_removed_per_run() {
    let dir = tempfile::tempdir().unwrap();
    let other = RunId::parse("run_01jd5x7m3k9q2w8e4r6t0y1v3b").unwrap();
    let mine = [
        create(dir.path(), "1-a").partial_path().to_owned(),
        create(dir.path(), "2-b").partial_path().to_owned(),
    ];
    let org_dir = dir.path().join("org_acme");
    // The single file per run of earlier versions.
    let legacy = org_dir.join(format!(".{}.csv.partial", run()));
    fs::write(&legacy, "").unwrap();
    let theirs = ExportFile::create(dir.path(), &org(), &other, &attempt("1-c")).unwrap();
    let published = create(dir.path(), "3-d").publish().unwrap();
    fs::write(org_dir.join("notes.partial"), "").unwrap();

    let mut found = partial_files(dir.path(), &org()).unwrap();
    found.sort();
    let mut expected = vec![
        (run(), mine[0].clone()),
        (run(), mine[1].clone()),
        (run(), legacy.clone()),
        (other.clone(), theirs.partial_path().to_owned()),
    ];
    expected.sort();
    assert_eq!(found, expected);

    assert_eq!(remove_partials(dir.path(), &org(), &run()).unwrap(), 3);
    assert!(mine.iter().chain([&legacy]).all(|p| !p.exists()));
    assert!(theirs.partial_path().exists(), "another run's file is kept");
    assert!(published.exists(), "the published file is kept");
    assert_eq!(remove_partials(dir.path(), &org(), &run()).unwrap(), 0);
    let empty = tempfile::tempdir().unwrap();
    assert_eq!(partial_files(empty.path(), &org()).unwrap(), vec![]);
}

/// Sets the process umask for the duration of a closure (the tests of this file
/// never depend on the umask otherwise).
fn with_umask<T>(mask: libc::mode_t, f: impl FnOnce() -> T) -> T {
    // SAFETY: umask has no memory-safety preconditions.
    let old = unsafe { libc::umask(mask) };
    let out = f();
    unsafe { libc::umask(old) };
    out
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn files_are_0600_and_new_folders_0700_whatever_the_umask() {
    // Only umasks that add no restriction: the umask is per process, and a stricter
    // one would leak into tests that run in parallel.
    for mask in [0o000, 0o002] {
        let root = tempfile::tempdir().unwrap();
        let export_dir = root.path().join("new/exports");
        let (partial, copy, published) = with_umask(mask, || {
            let mut file = create(&export_dir, "1-a");
            let end = file.write_page(&pages()[0]).unwrap().bytes_total;
            let partial = file.partial_path().to_owned();
            let mut copy = create(&export_dir, "2-b");
            copy.copy_prefix_from(&partial, end).unwrap();
            let copy_path = copy.partial_path().to_owned();
            (partial, copy_path, copy.publish().unwrap())
        });
        assert_eq!(mode(&partial), 0o600, "umask {mask:o}");
        assert_eq!(mode(&published), 0o600, "umask {mask:o}");
        assert!(!copy.exists());
        for dir in ["new", "new/exports", "new/exports/org_acme"] {
            assert_eq!(mode(&root.path().join(dir)), 0o700, "{dir}, umask {mask:o}");
        }
    }
    // A folder that exists keeps the mode its owner gave it.
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    fs::set_permissions(root.path(), fs::Permissions::from_mode(0o755)).unwrap();
    create(root.path(), "1-a");
    assert_eq!(mode(root.path()), 0o755);
}

#[test]
fn file_errors_carry_the_os_reason() {
    let root = tempfile::tempdir().unwrap();
    // A file where the org's folder should be.
    fs::write(root.path().join("org_acme"), "").unwrap();
    let err = ExportFile::create(root.path(), &org(), &run(), &attempt("1-a"))
        .err()
        .unwrap();
    let text = err.to_string();
    assert!(text.contains("org_acme"), "{text}");
    assert!(text.contains("(os error 17)"), "{text}");
}

#[test]
fn the_export_folder_is_checked_before_any_run() {
    let root = tempfile::tempdir().unwrap();
    assert!(matches!(
        check_export_dir(Path::new("")),
        Err(ExportDirError::Empty)
    ));
    let file = root.path().join("a-file");
    fs::write(&file, "").unwrap();
    for bad in [file.clone(), file.join("below")] {
        let err = check_export_dir(&bad).unwrap_err();
        assert!(
            matches!(err, ExportDirError::NotADirectory { .. }),
            "{bad:?}: {err}"
        );
        assert!(err.to_string().contains("is not a directory"), "{err}");
    }
    let fresh = root.path().join("a/b");
    check_export_dir(&fresh).unwrap();
    assert_eq!(mode(&fresh), 0o700);
    assert_eq!(
        fs::read_dir(&fresh).unwrap().count(),
        0,
        "the probe is removed"
    );
}
#[test]
fn download_url_is_percent_encoded_and_absolute() {
    let root = tempfile::tempdir().unwrap();
    let export_dir = root.path().join("my exports #1 %20 ü?");
    let mut file = create(&export_dir, "1-a");
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
