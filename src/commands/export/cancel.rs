//! `export cancel`: cancel a run and its children.
//!
//! Idempotent, like `kubectl delete --ignore-not-found` or `docker stop` of a stopped
//! container: canceling a run that already ended changes nothing and exits 0 with a
//! note on stderr, so a script can "make sure it is stopped" without checking first.
//! An unknown run is still an error (66).

use anyhow::Context as _;

use crate::cli::export::CancelArgs;
use crate::context::Context;
use crate::exports::cancel;
use crate::identity::Mode;
use crate::ids::{RunId, UserId};

pub(crate) async fn run(args: CancelArgs, ctx: &Context) -> anyhow::Result<()> {
    let run_id = RunId::parse(&args.run_id)?;
    let actor = args
        .as_user
        .as_deref()
        .or(ctx.settings.user.as_deref())
        .map(UserId::parse)
        .transpose()?;
    let (pool, session) = ctx.tenant_pool(1).await?;
    let outcome = match cancel::cancel(&pool, &run_id, actor.as_ref()).await {
        Err(cancel::CancelError::AlreadyEnded { run, status }) => {
            crate::logging::note(&format!(
                "note: run {run} already ended ({status}); nothing to cancel"
            ))?;
            cancel::CancelOutcome {
                run_id: run,
                previous_status: status.to_string(),
                canceled_run_ids: Vec::new(),
            }
        }
        other => other.with_context(|| format!("cancel of {run_id} refused"))?,
    };
    if !outcome.canceled_run_ids.is_empty() && session.mode == Mode::Admin {
        // An upload the run began is never finished now; a worker executing it aborts
        // it too (whichever comes first; aborting twice is fine). A linked login holds
        // no storage credentials: the worker's abort is the one that happens.
        crate::exports::upload::abort_run_upload(&pool, &run_id, &ctx.settings.storage).await;
    }
    if outcome.canceled_run_ids.is_empty() {
        return if ctx.json {
            ctx.print_json(&outcome)
        } else {
            Ok(())
        };
    }
    if ctx.json {
        ctx.print_json(&outcome)
    } else {
        let children = outcome.canceled_run_ids.len() - 1;
        ctx.println(&format!(
            "canceled {} (was {}){}",
            outcome.run_id,
            outcome.previous_status,
            if children > 0 {
                format!(" and {children} child run(s)")
            } else {
                String::new()
            }
        ))
    }
}
