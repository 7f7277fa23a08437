//! `db seed --demo`: demo tenants, users, members and invoices.
//!
//! It ends with the demo members (read back from the database, whether this run
//! inserted them or an earlier one did), because the next thing a new user types is
//! `export start --org … --as …` and needs a user who may export. They are part of
//! the result, so they go to stdout: a table, or with --json the `demoMembers` array
//! inside the one JSON document.

use anyhow::Context as _;
use serde_json::json;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::db::SeedArgs;
use crate::context::Context;
use crate::db::{self, DbError};
use crate::logging;

pub(crate) async fn run(args: SeedArgs, ctx: &Context) -> anyhow::Result<()> {
    let pool = ctx.pool(2).await?;
    let seeded = seed_with_bar(ctx, &pool, args.invoices)
        .await
        .context("seeding the demo data failed")?;
    let demo_orgs: Vec<&str> = db::seed::DEMO_ORGS.iter().map(|(id, _)| *id).collect();
    let mut conn = pool.acquire().await.map_err(DbError::from)?;
    let members = db::members::list(&mut conn, &demo_orgs)
        .await
        .map_err(DbError::from)
        .context("cannot read back the demo members")?;
    drop(conn);
    pool.close().await;
    if ctx.json {
        return ctx.print_json(&json!({
            "organizations": seeded.organizations,
            "users": seeded.users,
            "members": seeded.members,
            "invoices": seeded.invoices,
            "demoMembers": members,
        }));
    }
    ctx.println(&format!(
        "seeded {} organization(s), {} user(s), {} membership(s), {} invoice(s) ({} per organization requested)",
        seeded.organizations, seeded.users, seeded.members, seeded.invoices, args.invoices
    ))?;
    ctx.println("\ndemo members (pass one to --as; viewers may not export):")?;
    crate::commands::member::print_members(ctx, &members, true)
}

/// Seeds the demo data with a progress bar over the invoices on a terminal (stderr,
/// not with -q): 200,000 invoices per organization take a while. `demo` uses it too.
pub(crate) async fn seed_with_bar(
    ctx: &Context,
    pool: &sqlx::PgPool,
    invoices_per_org: u64,
) -> Result<db::seed::Seeded, sqlx::Error> {
    if ctx.quiet || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return db::seed::seed_demo(pool, invoices_per_org).await;
    }
    let bars = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
    let _route = logging::route_through(&bars);
    let bar = bars.add(ProgressBar::new(0));
    bar.set_style(
        ProgressStyle::with_template("seeding invoices [{bar:30}] {human_pos}/{human_len} ({eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let seeded = db::seed::seed_demo_with_progress(pool, invoices_per_org, |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await;
    bar.finish_and_clear();
    seeded
}
