//! `db seed --demo`: three tenants, five users, their memberships and a realistic
//! spread of invoices — negative and zero amounts, several currencies, commas,
//! quotes, non-ASCII and formula-looking names — generated deterministically, so
//! seeding twice yields the same rows and inserts nothing the second time.

use chrono::{Duration, TimeZone, Utc};
use sqlx::PgPool;

use super::invoices::{NewInvoice, insert_many};
use super::members::Role;

pub(crate) const DEMO_ORGS: [(&str, &str); 3] = [
    ("org_acme", "Acme Inc"),
    ("org_globex", "Globex Corporation"),
    ("org_initech", "Initech"),
];

pub(crate) const DEMO_USERS: [(&str, &str, &str); 5] = [
    ("user_alice", "alice@example.com", "Alice Anderson"),
    ("user_bob", "bob@example.com", "Bob Brown"),
    ("user_carol", "carol@example.com", "Carol Chen"),
    ("user_dave", "dave@example.com", "Dave Díaz"),
    ("user_erin", "erin@example.com", "Erin O'Neil"),
];

pub(crate) const DEMO_MEMBERS: [(&str, &str, Role); 6] = [
    ("org_acme", "user_alice", Role::Owner),
    ("org_acme", "user_bob", Role::Member),
    ("org_acme", "user_carol", Role::Viewer),
    ("org_globex", "user_bob", Role::Member),
    ("org_globex", "user_dave", Role::Admin),
    ("org_initech", "user_erin", Role::Member),
];

const CUSTOMERS: [&str; 12] = [
    "Wayne Enterprises",
    "Stark Industries, Inc.",
    "\"Best\" Widgets Ltd",
    "Müller & Söhne GmbH",
    "株式会社サンプル",
    "Société Générale d'Exemple",
    "O'Reilly, Smith & Co.",
    "=HYPERLINK(\"http://example.com\")",
    "Ærøskøbing Fisk A/S",
    "-Minus Traders",
    "Zoë's Café",
    "Line\nBreak LLC",
];

const CURRENCIES: [&str; 5] = ["USD", "EUR", "USD", "JPY", "KWD"];
const STATUSES: [&str; 5] = ["paid", "open", "paid", "draft", "void"];

/// How many rows `seed` inserted (zero on a second run).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Seeded {
    pub organizations: u64,
    pub users: u64,
    pub members: u64,
    pub invoices: u64,
}

/// Rows per INSERT … SELECT FROM unnest(…): large enough to amortise round trips,
/// small enough to keep the statement's memory modest.
const BATCH: u64 = 5_000;

pub async fn seed_demo(pool: &PgPool, invoices_per_org: u64) -> Result<Seeded, sqlx::Error> {
    seed_demo_with_progress(pool, invoices_per_org, |_, _| {}).await
}

/// [`seed_demo`], calling `progress(invoices considered, invoices to consider)` after
/// each batch, for a progress bar (a large `--invoices` takes a while).
pub(crate) async fn seed_demo_with_progress(
    pool: &PgPool,
    invoices_per_org: u64,
    mut progress: impl FnMut(u64, u64),
) -> Result<Seeded, sqlx::Error> {
    let total = invoices_per_org * DEMO_ORGS.len() as u64;
    let mut done = 0;
    let mut seeded = Seeded::default();
    let mut tx = pool.begin().await?;
    for (id, name) in DEMO_ORGS {
        seeded.organizations += sqlx::query(
            "INSERT INTO organization (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(name)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    for (id, email, name) in DEMO_USERS {
        seeded.users += sqlx::query(
            "INSERT INTO app_user (id, email, name) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(email)
        .bind(name)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    for (org, user, role) in DEMO_MEMBERS {
        seeded.members += sqlx::query(
            "INSERT INTO member (organization_id, user_id, role) VALUES ($1, $2, $3)
             ON CONFLICT (organization_id, user_id) DO NOTHING",
        )
        .bind(org)
        .bind(user)
        .bind(role)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    tx.commit().await?;

    for (org, _) in DEMO_ORGS {
        let mut start = 0;
        while start < invoices_per_org {
            let end = (start + BATCH).min(invoices_per_org);
            seeded.invoices += insert_invoices(pool, org, start..end).await?;
            done += end - start;
            progress(done, total);
            start = end;
        }
    }
    Ok(seeded)
}

/// How many invoices `org` has (any, seeded or not), as the connecting owner.
pub(crate) async fn invoice_count(pool: &PgPool, org: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM invoice WHERE organization_id = $1")
        .bind(org)
        .fetch_one(pool)
        .await
}

/// One demo invoice, derived from (org, sequence number) alone: a row for the
/// production insert ([`insert_many`]).
pub type DemoInvoice = NewInvoice;

/// A cheap deterministic mix (SplitMix64) so data varies without a random seed.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

pub(crate) fn demo_invoice(org: &str, n: u64) -> DemoInvoice {
    let suffix = org.trim_start_matches("org_");
    let h = mix(n ^ (suffix.len() as u64) << 40 ^ suffix.bytes().map(u64::from).sum::<u64>() << 48);
    let customer = CUSTOMERS[(h % CUSTOMERS.len() as u64) as usize];
    let currency = CURRENCIES[((h >> 8) % CURRENCIES.len() as u64) as usize];
    let status = STATUSES[((h >> 16) % STATUSES.len() as u64) as usize];
    let magnitude = ((h >> 24) % 2_500_000) as i64;
    // About one in twelve is a credit note (negative), one in fifty is zero.
    let amount_cents = match (h >> 48) % 50 {
        0 => 0,
        1..=4 => -magnitude,
        _ => magnitude,
    };
    let base = Utc.with_ymd_and_hms(2025, 1, 1, 9, 0, 0).unwrap();
    let issued_at = base
        + Duration::minutes((n as i64) * 37 % (500 * 24 * 60))
        + Duration::milliseconds(if n.is_multiple_of(3) { 250 } else { 0 });
    let due_at = (status != "draft").then(|| issued_at + Duration::days(30));
    let email_local: String = customer
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(12)
        .collect::<String>()
        .to_lowercase();
    DemoInvoice {
        id: format!("inv_{suffix}{n:08}"),
        number: format!("INV-{}-{:06}", 2025 + n / 100_000, n % 1_000_000),
        customer_name: customer.to_owned(),
        customer_email: (!n.is_multiple_of(7))
            .then(|| format!("billing+{email_local}@example.com")),
        currency,
        amount_cents,
        status,
        issued_at,
        due_at,
    }
}

async fn insert_invoices(
    pool: &PgPool,
    org: &str,
    range: std::ops::Range<u64>,
) -> Result<u64, sqlx::Error> {
    let rows: Vec<DemoInvoice> = range.map(|n| demo_invoice(org, n)).collect();
    insert_many(pool, org, &rows).await
}
