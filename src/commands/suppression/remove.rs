//! `suppression remove EMAIL`: take an address off the list and append
//! `email.suppression.removed` (payload `{"reason"}`: the reason it had) to the system
//! audit chain, together. An address that is not listed is "not found" (66) and
//! nothing is written.

use anyhow::Context as _;
use serde_json::json;

use super::ChangeView;
use crate::cli::suppression::RemoveArgs;
use crate::context::Context;
use crate::db::DbError;
use crate::db::suppressions;
use crate::error::{CommandError, ExitKind};

pub(crate) async fn run(args: RemoveArgs, ctx: &Context) -> anyhow::Result<()> {
    let email = super::parse_email(&args.email)?;
    let actor = super::actor_id(&args.actor, ctx)?;
    let (pool, _session) = ctx.admin_pool(2, "suppression remove").await?;

    let mut tx = pool.begin().await.map_err(DbError::from)?;
    super::ensure_actor_exists(&mut tx, actor.as_ref()).await?;
    let removed = suppressions::remove(&mut tx, &email)
        .await
        .map_err(DbError::from)
        .with_context(|| format!("cannot remove {email} from the suppression list"))?;
    let Some(removed) = removed else {
        // Dropping the transaction rolls it back: nothing was written.
        return Err(CommandError::new(
            ExitKind::NotFound,
            format!(
                "{email} is not on the suppression list: nothing to remove (see `invoicectl suppression list`)"
            ),
        )
        .into());
    };
    crate::audit::append(
        &mut tx,
        crate::audit::Entry {
            organization: None,
            actor: actor.as_ref(),
            action: crate::audit::Action::SuppressionRemoved,
            subject: crate::audit::Subject::email_suppression(email.as_str()),
            payload: json!({ "reason": removed.reason.as_str() }),
        },
    )
    .await
    .context("cannot append the audit entry; nothing was changed")?;
    tx.commit()
        .await
        .map_err(DbError::from)
        .with_context(|| format!("cannot remove {email} from the suppression list"))?;
    pool.close().await;

    if ctx.json {
        ctx.print_json(&ChangeView {
            suppression: &removed,
            change: super::Change::Removed,
            previous_reason: None,
        })
    } else {
        ctx.println(&format!(
            "removed {email} from the suppression list (it was suppressed for {})",
            removed.reason.as_str()
        ))
    }
}
