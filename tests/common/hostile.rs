//! Hostile invoices: ids, numbers, names and emails that a CSV writer must quote or
//! neutralise (commas, quotes, line breaks, formula prefixes, non-ASCII), amounts at
//! the `i64` limits and timestamps with sub-second parts, generated deterministically
//! from a row number and inserted into org_acme.

use chrono::{TimeZone, Utc};
use invoicectl::db::seed::DemoInvoice;
use sqlx::PgPool;

const ORG: &str = "org_acme";

const NAMES: [&str; 20] = [
    "Plain Customer",
    "Comma, Inc.",
    "\"Quoted\" Ltd",
    "Line\nFeed LLC",
    "Carriage\rReturn AG",
    "CRLF\r\nInside SA",
    "Zoë Ångström 日本語 🚀 עברית",
    "=HYPERLINK(\"http://evil.test\",\"click\")",
    "+1-555-0100",
    "-Minus Traders",
    "@SUM(A1:A9)",
    "\tTabbed",
    "\rCR first",
    "\nLF first",
    " =leading space",
    "'already quoted",
    "a=b+c",
    "",
    "both, \"quotes\" and\r\nnewlines, =again",
    "e\u{301}galite\u{301} — naïve café",
];

const CURRENCIES: [&str; 5] = ["USD", "JPY", "KWD", "EUR", "XQQ"];
const STATUSES: [&str; 5] = ["draft", "open", "paid", "void", "uncollectible"];

fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Sub-second parts that PostgreSQL keeps exactly (microseconds).
const FRACTIONS_NS: [u32; 6] = [0, 250_000_000, 1_000, 123_456_000, 500_000_000, 999_999_000];

pub fn hostile_invoice(n: u64) -> DemoInvoice {
    let h = mix(n);
    // Ids whose byte order is neither insertion order nor case-insensitive order.
    let prefix = ["A", "b", "Z", "y", "0", "_"][(h % 6) as usize];
    let id = format!("inv_{prefix}{:016x}", mix(h));
    let number = match n % 10 {
        0 => format!("={n}+1"),
        1 => format!("+{n}"),
        2 => format!("-{n}"),
        3 => format!("@{n}"),
        4 => format!("\t{n}"),
        5 => format!("\r{n}"),
        6 => format!("N,{n}"),
        7 => format!("N\"{n}\""),
        8 => format!("N\r\n{n}"),
        _ => format!("INV-{n:05}"),
    };
    let customer_email = match n % 9 {
        0 | 5 => None,
        1 => Some(format!("=cmd{n}@example.com")),
        2 => Some(format!("+tag{n}@example.com")),
        3 => Some(format!("-x{n}@example.com")),
        4 => Some(format!("@{n}.example.com")),
        6 => Some(format!("\"weird, {n}\"@example.com")),
        7 => Some(format!("ünï{n}@exämple.com")),
        _ => Some(format!("billing{n}@example.com")),
    };
    let amount_cents = match n % 13 {
        0 => 0,
        1 => -((h % 10_000_000) as i64),
        2 => -1,
        3 => 5,
        4 if n == 4 => i64::MIN,
        4 if n == 17 => i64::MAX,
        _ => (h >> 20) as i64 % 100_000_000,
    };
    let issued_at = Utc.with_ymd_and_hms(2024, 2, 29, 23, 59, 59).unwrap()
        + chrono::Duration::seconds((h % 50_000_000) as i64)
        + chrono::Duration::nanoseconds(i64::from(FRACTIONS_NS[(n % 6) as usize]));
    let due_at = (n % 4 != 1).then(|| {
        issued_at
            + chrono::Duration::days(30)
            + chrono::Duration::nanoseconds(i64::from(FRACTIONS_NS[((n / 6) % 6) as usize]))
    });
    DemoInvoice {
        id,
        number,
        customer_name: NAMES[((h >> 8) % NAMES.len() as u64) as usize].to_owned(),
        customer_email,
        currency: CURRENCIES[(n % 5) as usize],
        amount_cents,
        status: STATUSES[((h >> 16) % 5) as usize],
        issued_at,
        due_at,
    }
}

pub async fn insert_hostile(pool: &PgPool, n: u64) -> Vec<DemoInvoice> {
    let rows: Vec<DemoInvoice> = (0..n).map(hostile_invoice).collect();
    for chunk in rows.chunks(1_000) {
        let inserted = invoicectl::db::invoices::insert_many(pool, ORG, chunk)
            .await
            .unwrap();
        assert_eq!(inserted, chunk.len() as u64, "ids are unique");
    }
    rows
}

/// Hostile invoices (see [`hostile_invoice`], numbered from `first`) that carry the
/// given ids, inserted into `ORG`.
pub async fn insert_with_ids(pool: &PgPool, ids: &[&str], first: u64) -> Vec<DemoInvoice> {
    let rows: Vec<DemoInvoice> = ids
        .iter()
        .zip(first..)
        .map(|(id, n)| DemoInvoice {
            id: (*id).to_owned(),
            ..hostile_invoice(n)
        })
        .collect();
    invoicectl::db::invoices::insert_many(pool, ORG, &rows)
        .await
        .unwrap();
    rows
}
