//! `db setup`: create the database when missing, then migrate.

use anyhow::Context as _;
use serde_json::json;

use crate::context::Context;
use crate::db::{self, setup::Created};

pub(crate) async fn run(ctx: &Context) -> anyhow::Result<()> {
    let options = ctx.connect_options()?;
    let (host, port, database) = db::describe(&options);
    let (created, applied) = db::setup::setup(&options)
        .await
        .with_context(|| format!("db setup of {database} on {host}:{port} failed"))?;
    let created = created == Created::Yes;
    if ctx.json {
        ctx.print_json(&json!({
            "database": database,
            "created": created,
            "migrationsApplied": applied,
            "schemaVersion": db::expected_schema_version(),
        }))
    } else {
        let what = if created { "created" } else { "exists" };
        ctx.println(&format!(
            "database {database} on {host}:{port}: {what}; {applied} migration(s) applied"
        ))
    }
}
