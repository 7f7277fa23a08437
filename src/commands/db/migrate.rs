//! `db migrate`: apply pending migrations to an existing database.

use anyhow::Context as _;
use serde_json::json;

use crate::context::Context;
use crate::db;

pub(crate) async fn run(ctx: &Context) -> anyhow::Result<()> {
    let options = ctx.connect_options()?;
    let (_, _, database) = db::describe(&options);
    let pool = db::connect(&db::setup::migration_options(&options), 2).await?;
    let applied = db::setup::migrate(&pool)
        .await
        .with_context(|| format!("migrating {database} failed"))?;
    pool.close().await;
    if ctx.json {
        ctx.print_json(&json!({
            "database": database,
            "migrationsApplied": applied,
            "schemaVersion": db::expected_schema_version(),
        }))
    } else {
        ctx.println(&format!(
            "database {database}: {applied} migration(s) applied"
        ))
    }
}
