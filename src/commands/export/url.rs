//! `export url`: a freshly signed download link for a finished export (links expire;
//! emails get old).

use anyhow::Context as _;
use clap::Args;
use serde::Serialize;

use super::start::asserted_user;
use crate::audit::Action;
use crate::context::Context;
use crate::error::{CommandError, ExitKind};
use crate::exports::links;
use crate::exports::view::timestamp;
use crate::ids::RunId;
use crate::storage::StorageUrl;

#[derive(Debug, Args)]
pub struct UrlArgs {
    /// The export's run (run_…)
    #[arg(value_name = "RUN_ID")]
    pub run_id: String,

    /// How long the link works: 90m, 12h, 7d… (default: config `link_ttl`, 7d; at most
    /// 7d, SigV4's limit). Local files get a file:// URL, which does not expire
    #[arg(long, value_name = "DURATION")]
    pub expires: Option<String>,

    /// Who asks: the export's requester, or an owner or admin of its organization
    #[arg(long = "as", value_name = "USER", env = "INVOICECTL_USER")]
    pub as_user: Option<String>,

    /// Look for the file under this storage instead of where the export row says it
    /// is (a mirror, a share mounted elsewhere): file:///dir or s3://bucket/prefix
    #[arg(long = "storage", id = "reroot", value_name = "URL")]
    pub storage: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Issued<'a> {
    run_id: &'a str,
    download_url: &'a str,
    link_expires_at: Option<String>,
    object_url: &'a str,
}

pub async fn run(args: UrlArgs, ctx: &Context) -> anyhow::Result<()> {
    let run = RunId::parse(&args.run_id)?;
    let asserted = asserted_user(args.as_user.as_deref(), ctx)?;
    let ttl = match &args.expires {
        None => ctx.settings.storage.link_ttl,
        Some(raw) => crate::config::parse_link_ttl(raw)
            .map_err(|m| CommandError::new(ExitKind::Invalid, format!("--expires {m}")))?,
    };
    let reroot = args.storage.as_deref().map(StorageUrl::parse).transpose()?;
    let (pool, session) = ctx.tenant_pool(1).await?;
    let user = session.requester(asserted)?;
    let fetchable = links::authorize(&pool, &run, &user)
        .await
        .with_context(|| format!("export url {run} as {user} refused"))?;
    let (storage, location) = fetchable.open(&ctx.settings.storage, reroot.as_ref())?;
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
    links::record(
        &pool,
        &fetchable,
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
