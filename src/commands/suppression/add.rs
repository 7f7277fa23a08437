//! `suppression add EMAIL --reason …`: put an address on the list (or change its
//! reason) and append `email.suppression.added` to the system audit chain, together.
//!
//! Decision: re-adding an address with a different reason updates the reason and is
//! audited (payload `{"reason","previousReason"}`), since it changes what the list
//! says; re-adding it with the same reason writes nothing, neither row nor audit
//! entry, so the command is idempotent.

use anyhow::Context as _;
use serde_json::json;

use super::{Change, ChangeView};
use crate::cli::suppression::AddArgs;
use crate::context::Context;
use crate::db::DbError;
use crate::db::suppressions::{self, Reason, Upsert};

pub(crate) async fn run(args: AddArgs, ctx: &Context) -> anyhow::Result<()> {
    let email = super::parse_email(&args.email)?;
    let actor = super::actor_id(&args.actor, ctx)?;
    let reason = Reason::from(args.reason);
    let (pool, _session) = ctx.admin_pool(2, "suppression add").await?;

    let mut tx = pool.begin().await.map_err(DbError::from)?;
    super::ensure_actor_exists(&mut tx, actor.as_ref()).await?;
    let outcome = suppressions::upsert(&mut tx, &email, reason)
        .await
        .with_context(|| format!("cannot suppress {email}"))?;
    let payload = match &outcome {
        Upsert::Added(_) => Some(json!({ "reason": reason.as_str() })),
        Upsert::ReasonChanged { previous, .. } => Some(json!({
            "reason": reason.as_str(),
            "previousReason": previous.as_str(),
        })),
        Upsert::Unchanged(_) => None,
    };
    if let Some(payload) = payload {
        crate::audit::append(
            &mut tx,
            crate::audit::Entry {
                organization: None,
                actor: actor.as_ref(),
                action: crate::audit::Action::SuppressionAdded,
                subject: crate::audit::Subject::email_suppression(email.as_str()),
                payload,
            },
        )
        .await
        .context("cannot append the audit entry; nothing was changed")?;
    }
    tx.commit()
        .await
        .map_err(DbError::from)
        .with_context(|| format!("cannot suppress {email}"))?;
    pool.close().await;

    let (change, previous_reason) = match &outcome {
        Upsert::Added(_) => (Change::Added, None),
        Upsert::ReasonChanged { previous, .. } => (Change::ReasonChanged, Some(*previous)),
        Upsert::Unchanged(_) => (Change::Unchanged, None),
    };
    let suppression = outcome.suppression();
    if ctx.json {
        ctx.print_json(&ChangeView {
            suppression,
            change,
            previous_reason,
        })
    } else {
        let reason = suppression.reason.as_str();
        ctx.println(&match (change, previous_reason) {
            (Change::Added, _) => format!("suppressed {email} ({reason})"),
            (_, None) => format!("{email} is already suppressed ({reason}); nothing changed"),
            (_, Some(previous)) => format!(
                "{email} was already suppressed ({}); reason is now {reason}",
                previous.as_str()
            ),
        })
    }
}
