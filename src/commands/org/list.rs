//! `org list`: every organization, its member and invoice counts, and when it was
//! created, as a table or one JSON array.

use anyhow::Context as _;
use comfy_table::Cell;

use crate::context::Context;
use crate::db::{self, DbError};
use crate::layout::{self, Column};

pub(crate) async fn run(ctx: &Context) -> anyhow::Result<()> {
    let (pool, _session) = ctx.tenant_pool(1).await?;
    let mut conn = pool.acquire().await.map_err(DbError::from)?;
    let orgs = db::organizations::list(&mut conn)
        .await
        .map_err(DbError::from)
        .context("cannot list the organizations")?;
    drop(conn);
    pool.close().await;

    if ctx.json {
        return ctx.print_json(&orgs);
    }
    if orgs.is_empty() {
        return ctx.println("no organizations (`invoicectl db seed --demo` adds the demo ones)");
    }
    let now = chrono::Utc::now();
    let rows = orgs
        .iter()
        .map(|org| {
            vec![
                Cell::new(&org.id),
                Cell::new(&org.name),
                Cell::new(layout::thousands(org.member_count.unsigned_abs())),
                Cell::new(layout::thousands(org.invoice_count.unsigned_abs())),
                Cell::new(layout::time(&org.created_at)),
                Cell::new(layout::age(&org.created_at, now)),
            ]
        })
        .collect();
    let table = ctx.fitted_table(
        &[
            Column::keep("ID"),
            Column::ranked("NAME", 1),
            Column::ranked("MEMBERS", 2),
            Column::ranked("INVOICES", 2),
            Column::ranked("CREATED", 4),
            Column::ranked("AGE", 3),
        ],
        rows,
    );
    ctx.println(&table.to_string())
}
