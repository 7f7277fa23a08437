//! `export url`: a freshly signed download link for a finished export (links expire;
//! emails get old). A linked login (mode `login`) holds no storage credentials: it
//! gets the link the worker stored, while that is valid.

use anyhow::Context as _;
use serde::Serialize;

use super::start::asserted_user;
use crate::audit::Action;
use crate::cli::export::UrlArgs;
use crate::context::Context;
use crate::error::{CommandError, ExitKind};
use crate::exports::links;
use crate::exports::view::timestamp;
use crate::identity::Mode;
use crate::ids::RunId;
use crate::storage::StorageUrl;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Issued<'a> {
    run_id: &'a str,
    download_url: &'a str,
    link_expires_at: Option<String>,
    object_url: &'a str,
}

pub(crate) async fn run(args: UrlArgs, ctx: &Context) -> anyhow::Result<()> {
    let run = RunId::parse(&args.run_id)?;
    let asserted = asserted_user(args.as_user.as_deref(), ctx)?;
    let ttl = match &args.expires {
        None => ctx.settings.storage.link_ttl,
        Some(raw) => crate::config::value::parse_link_ttl(raw)
            .map_err(|m| CommandError::new(ExitKind::Invalid, format!("--expires {m}")))?,
    };
    let reroot = args.storage.as_deref().map(StorageUrl::parse).transpose()?;
    let (pool, session) = ctx.tenant_pool(1).await?;
    let user = session.requester(asserted)?;
    let fetchable = links::authorize(&pool, &run, &user)
        .await
        .with_context(|| format!("export url {run} as {user} refused"))?;
    if session.mode == Mode::Login {
        return stored(ctx, &pool, &fetchable, &args).await;
    }
    let (storage, location) = fetchable
        .open_or_report(&pool, &ctx.settings.storage, reroot.as_ref(), "url")
        .await?;
    // Held until the link's audit row commits: a prune running now either finished
    // first (then this reports the export expired) or waits for its next run.
    let hold = fetchable.hold(&pool).await?;
    if storage.head(&location).await?.is_none() {
        return Err(CommandError::new(
            ExitKind::NotFound,
            format!(
                "the export of {run} is recorded at {} but the file is not there: it was deleted outside invoicectl",
                location.url
            ),
        )
        .into());
    }
    let link = storage.link(&location, ttl).await?;
    let expires_at = link.expires_at.as_ref().map(timestamp);
    hold.record(
        Action::ExportLinkIssued,
        serde_json::json!({
            "objectUrl": location.url,
            "linkExpiresAt": expires_at,
        }),
    )
    .await
    .context("cannot record the link in the audit log")?;
    if ctx.json {
        ctx.print_json(&Issued {
            run_id: run.as_str(),
            download_url: &link.url,
            link_expires_at: expires_at,
            object_url: &location.url,
        })
    } else {
        ctx.println(&link.url)
    }
}

/// `export url` for a login without storage credentials: the stored link, while
/// valid, recorded as issued like a fresh one.
async fn stored(
    ctx: &Context,
    pool: &sqlx::PgPool,
    fetchable: &links::Fetchable,
    args: &UrlArgs,
) -> anyhow::Result<()> {
    if args.expires.is_some() || args.storage.is_some() {
        return Err(CommandError::new(
            ExitKind::Invalid,
            "--expires and --storage sign a new link, which needs the storage credentials: a linked login gets the stored link (ask an admin for a new one)",
        )
        .into());
    }
    let (link, expires) = fetchable.stored_link()?;
    let expires_at = expires.as_ref().map(timestamp);
    let hold = fetchable.hold(pool).await?;
    hold.record(
        Action::ExportLinkIssued,
        serde_json::json!({
            "objectUrl": fetchable.object_url,
            "linkExpiresAt": expires_at,
            "stored": true,
        }),
    )
    .await
    .context("cannot record the link in the audit log")?;
    if ctx.json {
        ctx.print_json(&Issued {
            run_id: fetchable.run.as_str(),
            download_url: link,
            link_expires_at: expires_at,
            object_url: &fetchable.object_url,
        })
    } else {
        ctx.println(link)
    }
}
