//! `export pause` / `export resume`: stop and restart the claiming of an
//! organization's queued exports (see `exports::pause`). Both are idempotent: asking
//! for the state an organization is already in exits 0 with a note on stderr.

use anyhow::Context as _;

use super::start::asserted_user;
use crate::cli::export::{PauseArgs, ResumeArgs};
use crate::context::Context;
use crate::exports::pause;
use crate::ids::OrgId;

pub(crate) async fn run_pause(args: PauseArgs, ctx: &Context) -> anyhow::Result<()> {
    let org = OrgId::parse(&args.org)?;
    let asserted = asserted_user(args.as_user.as_deref(), ctx)?;
    let reason = args
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let pool = ctx.pool(1).await?;
    let user = ctx.session(&pool).await?.requester(asserted)?;
    let outcome = pause::pause(&pool, &org, Some(&user), reason)
        .await
        .with_context(|| format!("export pause of {org} refused"))?;
    if !outcome.changed {
        crate::logging::note(&format!(
            "note: exports of {org} were already paused; nothing changed"
        ))?;
    }
    if ctx.json {
        return ctx.print_json(&outcome);
    }
    match &outcome.pause {
        Some(p) => ctx.println(&format!("{} ({} queued)", p.sentence(), p.queued)),
        None => ctx.println(&format!("exports of {org} are paused")),
    }
}

pub(crate) async fn run_resume(args: ResumeArgs, ctx: &Context) -> anyhow::Result<()> {
    let org = OrgId::parse(&args.org)?;
    let asserted = asserted_user(args.as_user.as_deref(), ctx)?;
    let pool = ctx.pool(1).await?;
    let user = ctx.session(&pool).await?.requester(asserted)?;
    let outcome = pause::resume(&pool, &org, Some(&user))
        .await
        .with_context(|| format!("export resume of {org} refused"))?;
    if !outcome.changed {
        crate::logging::note(&format!(
            "note: exports of {org} were not paused; nothing changed"
        ))?;
    }
    if ctx.json {
        return ctx.print_json(&outcome);
    }
    ctx.println(&format!("exports of {org} are resumed"))
}
