//! `export retry RUN_ID`: a new export for a failed or canceled one (see
//! `exports::retry`). Prints the new run id, or with --json the same document as
//! `export start`, `deduplicated: true` when the run had been retried before.

use anyhow::Context as _;

use crate::cli::export::RetryArgs;
use crate::context::Context;
use crate::exports::retry;
use crate::ids::RunId;

use super::start::asserted_user;

pub(crate) async fn run(args: RetryArgs, ctx: &Context) -> anyhow::Result<()> {
    let run_id = RunId::parse(&args.run_id)?;
    let asserted = asserted_user(args.as_user.as_deref(), ctx)?;
    let pool = ctx.pool(1).await?;
    let actor = ctx.session(&pool).await?.actor(asserted)?;
    let started = retry::retry(&pool, &run_id, actor.as_ref())
        .await
        .with_context(|| format!("export retry of {run_id} refused"))?;
    if started.deduplicated {
        crate::logging::note(&format!(
            "note: {run_id} was already retried by {} ({}); returning it",
            started.run_id, started.status
        ))?;
    }
    if ctx.json {
        return ctx.print_json(&serde_json::json!({
            "runId": started.run_id,
            "exportId": started.export_id,
            "organizationId": started.organization_id,
            "requestedBy": started.requested_by,
            "status": started.status,
            "deduplicated": started.deduplicated,
            "scope": started.scope,
            "retryOf": run_id,
        }));
    }
    ctx.println(started.run_id.as_str())
}
