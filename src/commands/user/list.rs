//! `user list`: the linked logins, as a table or one JSON array.

use anyhow::Context as _;
use comfy_table::Cell;

use crate::context::Context;
use crate::db::{self, DbError};
use crate::layout::Column;

pub(crate) async fn run(ctx: &Context) -> anyhow::Result<()> {
    let (pool, _session) = ctx.admin_pool(1, "user list").await?;
    let mut conn = pool.acquire().await.map_err(DbError::from)?;
    let logins = db::identity::list(&mut conn)
        .await
        .map_err(DbError::from)
        .context("cannot list the linked logins")?;
    drop(conn);
    pool.close().await;
    if ctx.json {
        return ctx.print_json(&logins);
    }
    if logins.is_empty() {
        return ctx
            .println("no linked logins (`invoicectl user link USER --login LOGIN` adds one)");
    }
    let columns = [
        Column::keep("LOGIN"),
        Column::keep("USER"),
        Column::ranked("GROUPS", 1),
        Column::ranked("LINKED", 2),
    ];
    let rows = logins
        .iter()
        .map(|l| {
            let login = if l.login_exists {
                l.login.clone()
            } else {
                format!("{} (missing: dropped from the server)", l.login)
            };
            vec![
                Cell::new(login),
                Cell::new(&l.user_id),
                Cell::new(l.groups.join(",")),
                Cell::new(crate::layout::time(&l.created_at)),
            ]
        })
        .collect();
    ctx.println(&ctx.fitted_table(&columns, rows).to_string())
}
