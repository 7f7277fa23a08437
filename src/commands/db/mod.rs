//! `invoicectl db …`: create, migrate and seed the database.

mod migrate;
mod seed;
mod setup;

use clap::Subcommand;

pub use seed::seed_with_bar;

use crate::context::Context;

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Create the database if it is missing and apply all migrations (idempotent)
    ///
    /// Example: invoicectl db setup
    Setup,
    /// Apply pending migrations only (the database must exist)
    ///
    /// Example: invoicectl --database-url postgres://db.internal/invoicectl db migrate
    Migrate,
    /// Insert demo tenants, users, members and invoices (idempotent)
    ///
    /// Prints how many rows it inserted, then the demo members (organization, user,
    /// email, name, role): the users to pass to --as. With --json, one object with the
    /// counts organizations, users, members and invoices and the demoMembers array.
    ///
    /// Example: invoicectl db seed --demo --invoices 5000
    Seed(seed::SeedArgs),
}

pub async fn run(cmd: DbCommand, ctx: &Context) -> anyhow::Result<()> {
    match cmd {
        DbCommand::Setup => setup::run(ctx).await,
        DbCommand::Migrate => migrate::run(ctx).await,
        DbCommand::Seed(args) => seed::run(args, ctx).await,
    }
}
