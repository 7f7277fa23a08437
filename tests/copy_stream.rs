//! The export reads one binary COPY stream per attempt: its pages, decoded by
//! `copy_csv`, must equal byte for byte the keyset pages (one query a page) encoded by
//! the tests' own CSV encoder (`common::csv_oracle`), for hostile ids, cursors and
//! page sizes, and the COPY statement must quote its cursor.

use chrono::{TimeZone, Utc};
use invoicectl::db::seed::seed_demo;
use sqlx::PgPool;

use crate::common::hostile::{insert_hostile, insert_with_ids};

const ORG: &str = "org_acme";

/// The pages of the binary COPY stream from `after`, decoded by `copy_csv`, in a
/// tenant transaction as the export reads them.
async fn copy_pages(
    pool: &PgPool,
    after: Option<&str>,
    as_of: chrono::DateTime<Utc>,
    page_size: u64,
    header: bool,
) -> Vec<invoicectl::exports::copy_csv::CsvPage> {
    use futures::TryStreamExt;
    let org = invoicectl::ids::OrgId::parse(ORG).unwrap();
    let mut tx = invoicectl::db::tenant::begin(pool, &org).await.unwrap();
    let mut encoder = invoicectl::exports::copy_csv::CopyCsvEncoder::new(page_size, header);
    let mut pages = Vec::new();
    {
        let mut stream =
            invoicectl::db::invoices::copy_after(&mut tx, &org, &Default::default(), after, as_of)
                .await
                .unwrap();
        while let Some(chunk) = stream.try_next().await.unwrap() {
            encoder.feed(&chunk, &mut pages).unwrap();
        }
    }
    pages.extend(encoder.finish().unwrap());
    tx.commit().await.unwrap();
    pages
}

/// The keyset pages from `after`, one query a page, encoded by the tests' own CSV
/// encoder (`common::csv_oracle`). Returns (bytes, rows, last id) per page.
async fn keyset_pages(
    pool: &PgPool,
    after: Option<&str>,
    as_of: chrono::DateTime<Utc>,
    page_size: i64,
    header: bool,
) -> Vec<(Vec<u8>, u64, String)> {
    use crate::common::csv_oracle;
    let org = invoicectl::ids::OrgId::parse(ORG).unwrap();
    let mut cursor = after.map(str::to_owned);
    let mut pages = Vec::new();
    loop {
        let mut tx = invoicectl::db::tenant::begin(pool, &org).await.unwrap();
        let rows = csv_oracle::page_after(&mut tx, ORG, cursor.as_deref(), as_of, page_size).await;
        tx.commit().await.unwrap();
        let Some(last) = rows.last() else {
            return pages;
        };
        cursor = Some(last.id.clone());
        let bytes = csv_oracle::encode(&rows, header && pages.is_empty());
        pages.push((bytes, rows.len() as u64, last.id.clone()));
    }
}

#[sqlx::test]
async fn the_binary_copy_stream_gives_the_keyset_pages_byte_for_byte(pool: PgPool) {
    seed_demo(&pool, 0).await.unwrap();
    let mut rows = insert_hostile(&pool, 700).await;
    // Hostile ids and cursors: quotes, backslashes, formula prefixes, non-ASCII.
    let ids = [
        "=HYPERLINK(\"http://evil.test\")",
        "O'Brien\\",
        "-minus",
        "ünï'\\''",
        "e\\'; DROP TABLE invoice; --",
    ];
    let odd = insert_with_ids(&pool, &ids, 1_000).await;
    rows.extend(odd);
    // The demo seed's own nasty values, in this org and the others (which RLS and the
    // org filter keep out).
    seed_demo(&pool, 50).await.unwrap();
    let as_of = Utc::now();
    // A row created after the run's start is not exported.
    sqlx::query(
        "INSERT INTO invoice (id, organization_id, number, customer_name, currency, amount_cents, status, issued_at, created_at)
         VALUES ('inv_late', $1, 'L', 'Late', 'USD', 1, 'open', now(), now() + interval '1 hour')",
    )
    .bind(ORG)
    .execute(&pool)
    .await
    .unwrap();

    let mut sorted: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    sorted.sort_unstable();
    let cursors = [
        None,
        Some(""),
        Some(sorted[350]),
        Some(sorted[690]),
        Some("O'Brien\\"),
        Some(sorted[704]),
    ];
    for page_size in [1u64, 13, 5_000] {
        for after in cursors {
            for header in [true, false] {
                // One row a page is one query a row on the reference side: keep it short.
                if page_size == 1 && (after != Some(sorted[690]) || !header) {
                    continue;
                }
                let copied = copy_pages(&pool, after, as_of, page_size, header).await;
                let expected = keyset_pages(&pool, after, as_of, page_size as i64, header).await;
                assert_eq!(
                    copied.len(),
                    expected.len(),
                    "page_size {page_size}, after {after:?}"
                );
                for (i, (page, (bytes, rows, last))) in copied.iter().zip(&expected).enumerate() {
                    assert!(
                        page.csv == *bytes,
                        "page_size {page_size}, after {after:?}, page {i}:\n{}\n---\n{}",
                        String::from_utf8_lossy(&page.csv),
                        String::from_utf8_lossy(bytes)
                    );
                    assert_eq!((page.rows, &page.last_id), (*rows, last));
                }
            }
        }
    }
    // Every row of the org but the late one, once.
    let all = copy_pages(&pool, None, as_of, 1_000_000, true).await;
    let count: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM invoice WHERE organization_id = $1 AND id <> 'inv_late'",
    )
    .bind(ORG)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].rows, count as u64);
    assert!(all[0].rows >= rows.len() as u64 + 50);
}

#[test]
fn copy_statements_quote_the_cursor_and_refuse_a_nul() {
    use invoicectl::db::invoices::{copy_after_statement, quote_literal};
    assert_eq!(quote_literal("inv_1").unwrap(), "E'inv_1'");
    assert_eq!(quote_literal("a'b\\c").unwrap(), "E'a''b\\\\c'");
    assert!(quote_literal("a\0b").is_err());
    let org = invoicectl::ids::OrgId::parse(ORG).unwrap();
    let as_of = Utc.with_ymd_and_hms(2026, 11, 30, 10, 0, 0).unwrap()
        + chrono::Duration::nanoseconds(123_456_789);
    let sql = copy_after_statement(&org, &Default::default(), Some("x'"), as_of).unwrap();
    assert!(
        sql.contains("organization_id = 'org_acme' AND id > E'x'''"),
        "{sql}"
    );
    assert!(
        sql.contains("'2026-11-30T10:00:00.123456Z'::timestamptz"),
        "{sql}"
    );
    assert!(sql.ends_with("TO STDOUT (FORMAT binary)"), "{sql}");
}
