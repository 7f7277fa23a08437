//! `suppression list`: every suppressed address, as a table or one JSON array of
//! `{"email","reason","createdAt"}`.

use crate::context::Context;
use crate::db::DbError;
use crate::db::suppressions;
use anyhow::Context as _;

pub async fn run(ctx: &Context) -> anyhow::Result<()> {
    let pool = ctx.pool(1).await?;
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
    let mut table = ctx.table(["EMAIL", "REASON", "SUPPRESSED AT (UTC)"]);
    for s in &all {
        table.add_row([
            s.email.clone(),
            s.reason.as_str().to_owned(),
            super::human_time(&s.created_at),
        ]);
    }
    ctx.println(&table.to_string())
}
