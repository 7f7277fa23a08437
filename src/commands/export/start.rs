//! `export start`: validate, gate, enqueue — then optionally follow the run.

use std::time::Duration;

use anyhow::Context as _;
use clap::Args;

use super::follow::{Follow, follow_run};
use crate::context::Context;
use crate::error::{CommandError, ExitKind};
use crate::exports::request;
use crate::ids::{OrgId, UserId};

#[derive(Debug, Args)]
pub struct StartArgs {
    /// Organization whose invoices to export (e.g. org_acme)
    #[arg(long, value_name = "ORG")]
    pub org: String,

    /// Requesting user; must be a member (not a viewer) of the organization
    #[arg(long = "as", id = "user", value_name = "USER", env = "INVOICECTL_USER")]
    pub as_user: Option<String>,

    /// Start a new run even if one was requested today
    #[arg(long)]
    pub force: bool,

    /// Follow the run to its end: exit 0 if it completed, 1 if it failed or was canceled
    #[arg(long)]
    pub wait: bool,

    /// With --wait: give up after this many seconds (exit 75; the run goes on)
    #[arg(long, value_name = "SECONDS", requires = "wait")]
    pub timeout: Option<u64>,
}

/// The requester from `--as` / INVOICECTL_USER / config `user`, validated.
pub fn requester(flag: Option<&str>, ctx: &Context) -> anyhow::Result<UserId> {
    let raw = flag.or(ctx.settings.user.as_deref()).ok_or_else(|| {
        CommandError::new(
            ExitKind::Usage,
            "no requester: pass --as USER, set INVOICECTL_USER, or set `user` in the config file",
        )
    })?;
    Ok(UserId::parse(raw)?)
}

pub async fn run(args: StartArgs, ctx: &Context) -> anyhow::Result<()> {
    let org = OrgId::parse(&args.org)?;
    let user = requester(args.as_user.as_deref(), ctx)?;
    let pool = ctx.pool(1).await?;
    let started = request::start(&pool, &org, &user, args.force)
        .await
        .with_context(|| format!("export start for {org} as {user} refused"))?;
    if !args.wait {
        return if ctx.json {
            ctx.print_json(&started)
        } else {
            ctx.println(&started.run_id)
        };
    }
    if !ctx.json {
        ctx.println(&started.run_id)?;
    }
    let outcome = follow_run(
        &pool,
        &started.run_id,
        args.timeout.map(Duration::from_secs),
        ctx.quiet,
    )
    .await?;
    if ctx.json {
        let mut doc = serde_json::to_value(&started)?;
        doc["status"] = serde_json::Value::from(outcome.run().status.clone());
        ctx.print_json(&doc)?;
    }
    outcome.into_result()
}

impl Follow {
    /// Exit as `--wait` promises: 0 completed, 1 failed/canceled, 75 timed out.
    pub fn into_result(self) -> anyhow::Result<()> {
        match self {
            Follow::Ended(view) if view.status == "completed" => Ok(()),
            Follow::Ended(view) => Err(CommandError::new(
                ExitKind::Failure,
                format!(
                    "run {} {}{}",
                    view.run_id,
                    view.status,
                    view.error_line().map(|e| format!(": {e}")).unwrap_or_default()
                ),
            )
            .into()),
            Follow::TimedOut(view, after) => Err(CommandError::new(
                ExitKind::TempFail,
                format!(
                    "gave up waiting for run {} after {} s (it is {}; it goes on): check `invoicectl export status {}`",
                    view.run_id,
                    after.as_secs(),
                    view.status,
                    view.run_id
                ),
            )
            .into()),
        }
    }
}
