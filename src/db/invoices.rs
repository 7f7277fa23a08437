//! Queries on `invoice`: bulk inserts (seed, tests, benchmarks) and the export's
//! walk: one binary `COPY` stream per attempt ([`copy_after`]).

use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use futures::stream::BoxStream;
use sqlx::{Executor as _, PgConnection, PgPool};

use crate::ids::OrgId;

/// An invoice to insert (the demo seed's, the tests' and the benchmarks' rows).
#[derive(Debug, Clone, PartialEq)]
pub struct NewInvoice {
    pub id: String,
    pub number: String,
    pub customer_name: String,
    pub customer_email: Option<String>,
    pub currency: &'static str,
    pub amount_cents: i64,
    pub status: &'static str,
    pub issued_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
}

/// Inserts invoices of one org in one statement (arrays unnested server-side);
/// existing ids are left alone. Returns how many rows were new.
pub async fn insert_many(
    pool: &PgPool,
    org: &str,
    rows: &[NewInvoice],
) -> Result<u64, sqlx::Error> {
    let mut ids = Vec::with_capacity(rows.len());
    let mut numbers = Vec::with_capacity(rows.len());
    let mut names = Vec::with_capacity(rows.len());
    let mut emails = Vec::with_capacity(rows.len());
    let mut currencies = Vec::with_capacity(rows.len());
    let mut amounts = Vec::with_capacity(rows.len());
    let mut statuses = Vec::with_capacity(rows.len());
    let mut issued = Vec::with_capacity(rows.len());
    let mut due = Vec::with_capacity(rows.len());
    for r in rows {
        ids.push(r.id.as_str());
        numbers.push(r.number.as_str());
        names.push(r.customer_name.as_str());
        emails.push(r.customer_email.as_deref());
        currencies.push(r.currency);
        amounts.push(r.amount_cents);
        statuses.push(r.status);
        issued.push(r.issued_at);
        due.push(r.due_at);
    }
    let done = sqlx::query(
        "INSERT INTO invoice (id, organization_id, number, customer_name, customer_email,
                              currency, amount_cents, status, issued_at, due_at)
         SELECT id, $1, number, customer_name, customer_email, currency, amount_cents, status, issued_at, due_at
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[],
                     $8::text[], $9::timestamptz[], $10::timestamptz[])
              AS t(id, number, customer_name, customer_email, currency, amount_cents, status, issued_at, due_at)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(org)
    .bind(&ids)
    .bind(&numbers)
    .bind(&names)
    .bind(&emails)
    .bind(&currencies)
    .bind(&amounts)
    .bind(&statuses)
    .bind(&issued)
    .bind(&due)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// An invoice's status, as `invoice.status` stores it (the table's CHECK lists the
/// same five).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    sqlx::Type,
)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub enum InvoiceStatus {
    Draft,
    Open,
    Paid,
    Void,
    Uncollectible,
}

impl InvoiceStatus {
    pub(crate) const ALL: [InvoiceStatus; 5] = [
        InvoiceStatus::Draft,
        InvoiceStatus::Open,
        InvoiceStatus::Paid,
        InvoiceStatus::Void,
        InvoiceStatus::Uncollectible,
    ];

    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Draft => "draft",
            InvoiceStatus::Open => "open",
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::Void => "void",
            InvoiceStatus::Uncollectible => "uncollectible",
        }
    }
}

/// Which of an org's invoices a count or an export reads: `issued_at` in
/// `[issued_from, issued_to)` (either end open when `None`) and `status` among
/// `statuses` (any when empty). The default reads every invoice.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter<'a> {
    pub issued_from: Option<DateTime<Utc>>,
    pub issued_to: Option<DateTime<Utc>>,
    pub statuses: &'a [InvoiceStatus],
}

impl Filter<'_> {
    /// The filter as SQL conditions (` AND …` each), values inlined like the rest of
    /// the `COPY` statement: instants as RFC 3339 literals with microseconds, statuses
    /// from the enum's own spellings.
    fn sql(&self) -> String {
        let mut sql = String::new();
        let instant = |t: &DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Micros, true);
        if let Some(from) = &self.issued_from {
            sql.push_str(&format!(
                " AND issued_at >= '{}'::timestamptz",
                instant(from)
            ));
        }
        if let Some(to) = &self.issued_to {
            sql.push_str(&format!(" AND issued_at < '{}'::timestamptz", instant(to)));
        }
        if !self.statuses.is_empty() {
            let list: Vec<String> = self
                .statuses
                .iter()
                .map(|s| format!("'{}'", s.as_str()))
                .collect();
            sql.push_str(&format!(" AND status IN ({})", list.join(", ")));
        }
        sql
    }
}

/// Counts the org's invoices created up to `as_of` that `filter` selects (run in a
/// tenant transaction).
pub(crate) async fn count_as_of(
    conn: &mut PgConnection,
    filter: &Filter<'_>,
    as_of: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    plan_for_streaming(conn, filter).await?;
    sqlx::query_scalar(&format!(
        "SELECT count(*) FROM invoice WHERE created_at <= $1{}",
        filter.sql()
    ))
    .bind(as_of)
    .fetch_one(conn)
    .await
}

/// The `COPY` statement of [`copy_after`]. `COPY` takes no bind parameters, so the
/// values are inlined: the org id is safe as it is (`OrgId` only holds
/// `org_[A-Za-z0-9]+`, as in `db::tenant`), the cursor is quoted by
/// [`quote_literal`], and `as_of` is an RFC 3339 literal with microseconds
/// (PostgreSQL's precision, truncated as sqlx truncates a bound timestamp). Every
/// column is cast to the type `exports::copy_csv` decodes, so the binary layout cannot
/// drift from the decoder with the schema.
pub fn copy_after_statement(
    org: &OrgId,
    filter: &Filter<'_>,
    after: Option<&str>,
    as_of: DateTime<Utc>,
) -> Result<String, sqlx::Error> {
    Ok(format!(
        "COPY (SELECT id::text, number::text, customer_name::text, customer_email::text, \
                      currency::text, amount_cents::int8, status::text, \
                      issued_at::timestamptz, due_at::timestamptz \
               FROM invoice \
               WHERE organization_id = '{org}' AND id > {after} \
                 AND created_at <= '{as_of}'::timestamptz{filter} \
               ORDER BY id) \
         TO STDOUT (FORMAT binary)",
        org = org.as_str(),
        filter = filter.sql(),
        after = quote_literal(after.unwrap_or(""))?,
        as_of = as_of.to_rfc3339_opts(SecondsFormat::Micros, true),
    ))
}

/// `text` as an SQL string constant: `E'…'` with `\` and `'` doubled, which reads the
/// same whatever `standard_conforming_strings` is. A NUL (which no PostgreSQL text
/// holds, and which would end the statement early on the wire) is refused.
pub fn quote_literal(text: &str) -> Result<String, sqlx::Error> {
    if text.contains('\0') {
        return Err(sqlx::Error::Encode(
            "an SQL string constant cannot hold a NUL character".into(),
        ));
    }
    let mut out = String::with_capacity(text.len() + 4);
    out.push_str("E'");
    for c in text.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
    Ok(out)
}

/// The org's invoices after `after` (exclusive) created up to `as_of` that `filter`
/// selects, in ascending id
/// order, as ONE `COPY … TO STDOUT (FORMAT binary)` stream: the bytes PostgreSQL sends,
/// in the chunks it sends them (see `exports::copy_csv` for the format). Run it in a
/// tenant transaction (RLS restricts it to the org as well).
///
/// The stream borrows the connection. Dropped before its end, it leaves the
/// connection in the middle of the `COPY`: close that connection rather than reuse
/// it (`PoolConnection::close_on_drop`).
pub async fn copy_after<'c>(
    conn: &'c mut PgConnection,
    org: &OrgId,
    filter: &Filter<'_>,
    after: Option<&str>,
    as_of: DateTime<Utc>,
) -> Result<BoxStream<'c, Result<Bytes, sqlx::Error>>, sqlx::Error> {
    let statement = copy_after_statement(org, filter, after, as_of)?;
    plan_for_streaming(conn, filter).await?;
    conn.copy_out_raw(&statement).await
}

/// `work_mem` for the sort of a scope read in `id` order: an `issued_at` range is
/// found through `invoice_org_issued` and sorted. One month of a 10M-row
/// organization (≈ 620,000 rows) sorts in memory at this size; at the default 4 MB it
/// spilled 78 MB to disk and the read took 1.6–2× as long (BENCHMARKS.md, "Scoped
/// export"). It is a ceiling the server allocates only as the sort needs it, for one
/// transaction; a bigger scope still completes, spilling the rest.
const SCOPED_SORT_WORK_MEM: &str = "256MB";

/// Planner settings for the rest of the export's transaction (`SET LOCAL`). JIT off:
/// the reads stream every row once, so compiling their expressions (0.2–0.45 s
/// measured on a 620,000-row scope) never pays back. A sort's memory only for a
/// scope by issue date, the one read that sorts.
async fn plan_for_streaming(
    conn: &mut PgConnection,
    filter: &Filter<'_>,
) -> Result<(), sqlx::Error> {
    let sql = if filter.issued_from.is_some() || filter.issued_to.is_some() {
        format!("SET LOCAL jit = off; SET LOCAL work_mem = '{SCOPED_SORT_WORK_MEM}'")
    } else {
        "SET LOCAL jit = off".to_owned()
    };
    conn.execute(sqlx::raw_sql(&sql)).await?;
    Ok(())
}
