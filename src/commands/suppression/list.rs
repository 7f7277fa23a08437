//! `suppression list`: every suppressed address, as a table or one JSON array of
//! `{"email","reason","createdAt"}`.

use anyhow::Context as _;
use comfy_table::Cell;

use crate::context::Context;
use crate::db::DbError;
use crate::db::suppressions;
use crate::layout::{self, Column};

pub(crate) async fn run(ctx: &Context) -> anyhow::Result<()> {
    let (pool, _session) = ctx.admin_pool(1, "suppression list").await?;
    let mut conn = pool.acquire().await.map_err(DbError::from)?;
    let all = suppressions::list(&mut conn)
        .await
        .map_err(DbError::from)
        .context("cannot read the suppression list")?;
    drop(conn);
    pool.close().await;

    if ctx.json {
        return ctx.print_json(&all);
    }
    if all.is_empty() {
        return ctx.println("no suppressed addresses");
    }
    let now = chrono::Utc::now();
    let rows = all
        .iter()
        .map(|s| {
            vec![
                Cell::new(&s.email),
                Cell::new(s.reason.as_str()),
                Cell::new(layout::time(&s.created_at)),
                Cell::new(layout::age(&s.created_at, now)),
            ]
        })
        .collect();
    let table = ctx.fitted_table(
        &[
            Column::keep("EMAIL"),
            Column::keep("REASON"),
            Column::ranked("SUPPRESSED AT", 2),
            Column::ranked("AGE", 1),
        ],
        rows,
    );
    ctx.println(&table.to_string())
}
