//! `invoicectl db …`: create, migrate and seed the database.

mod migrate;
mod seed;
mod setup;

pub(crate) use seed::seed_with_bar;

use crate::cli::db::DbCommand;
use crate::context::Context;

pub(crate) async fn run(cmd: DbCommand, ctx: &Context) -> anyhow::Result<()> {
    match cmd {
        DbCommand::Setup => setup::run(ctx).await,
        DbCommand::Migrate => migrate::run(ctx).await,
        DbCommand::Seed(args) => seed::run(args, ctx).await,
    }
}
