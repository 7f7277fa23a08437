//! `db seed --demo`: demo tenants, users, members and invoices.

use anyhow::Context as _;
use clap::Args;
use serde_json::json;

use crate::context::Context;
use crate::db;

/// Demo data, not a load generator: 10 million invoices per organization (30
/// million rows, several GB) is already far past what a demo or a benchmark needs,
/// and a typo such as an extra zero should not fill the disk.
const MAX_INVOICES: u64 = 10_000_000;

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// Seed the demo organizations (org_acme, org_globex, org_initech) and users
    #[arg(long, required = true)]
    pub demo: bool,

    /// Invoices per organization (at most 10000000)
    #[arg(long, value_name = "N", default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(..=MAX_INVOICES))]
    pub invoices: u64,
}

pub async fn run(args: SeedArgs, ctx: &Context) -> anyhow::Result<()> {
    let pool = ctx.pool(2).await?;
    let seeded = db::seed::seed_demo(&pool, args.invoices)
        .await
        .context("seeding the demo data failed")?;
    if ctx.json {
        ctx.print_json(&json!({
            "organizations": seeded.organizations,
            "users": seeded.users,
            "members": seeded.members,
            "invoices": seeded.invoices,
        }))
    } else {
        ctx.println(&format!(
            "seeded {} organization(s), {} user(s), {} membership(s), {} invoice(s) ({} per organization requested)",
            seeded.organizations, seeded.users, seeded.members, seeded.invoices, args.invoices
        ))
    }
}
