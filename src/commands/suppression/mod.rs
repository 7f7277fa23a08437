//! `invoicectl suppression …`: the list of addresses invoicectl never emails
//! (after a bounce, a complaint or an unsubscribe).
//!
//! The list is system-wide, not per organization, so its audit entries go on the
//! system chain (`organization_id` NULL). Each change and its audit entry commit in
//! one transaction; a refused request writes nothing.

mod add;
mod list;
mod remove;

use anyhow::Context as _;
use serde::Serialize;

use crate::cli::suppression::{ActorArgs, ReasonArg, SuppressionCommand};
use crate::context::Context;
use crate::db::suppressions::{Reason, Suppression};
use crate::email::EmailAddress;
use crate::ids::UserId;

pub(crate) async fn run(cmd: SuppressionCommand, ctx: &Context) -> anyhow::Result<()> {
    match cmd {
        SuppressionCommand::Add(args) => add::run(args, ctx).await,
        SuppressionCommand::Remove(args) => remove::run(args, ctx).await,
        SuppressionCommand::List => list::run(ctx).await,
    }
}

impl From<ReasonArg> for Reason {
    fn from(arg: ReasonArg) -> Reason {
        match arg {
            ReasonArg::Bounce => Reason::Bounce,
            ReasonArg::Complaint => Reason::Complaint,
            ReasonArg::Unsubscribe => Reason::Unsubscribe,
        }
    }
}

/// The address from the command line, validated and lowercased (exit 65).
fn parse_email(raw: &str) -> anyhow::Result<EmailAddress> {
    let shown: String = raw.chars().take(80).collect();
    EmailAddress::parse(raw).with_context(|| format!("cannot use {shown:?}"))
}

/// `--as` / INVOICECTL_USER, else config `user`, else none — validated (65).
fn actor_id(args: &ActorArgs, ctx: &Context) -> anyhow::Result<Option<UserId>> {
    let raw = args.as_user.as_deref().or(ctx.settings.user.as_deref());
    raw.map(|raw| {
        UserId::parse(raw)
            .context("the acting user (--as, INVOICECTL_USER or config `user`) is not valid")
    })
    .transpose()
}

/// Refuses (66) an actor the database does not know, so the audit log never names a
/// user who does not exist.
async fn ensure_actor_exists(
    conn: &mut sqlx::PgConnection,
    actor: Option<&UserId>,
) -> anyhow::Result<()> {
    let Some(actor) = actor else { return Ok(()) };
    Ok(crate::lookup::require_user(conn, actor, None).await?)
}

/// A suppression as commands print it, with what the command did to it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ChangeView<'a> {
    #[serde(flatten)]
    suppression: &'a Suppression,
    change: Change,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_reason: Option<Reason>,
}

/// What a command did to a suppression, as `--json` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
enum Change {
    Added,
    ReasonChanged,
    Unchanged,
    Removed,
}
