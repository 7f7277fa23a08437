//! The `db` command group's arguments: create, migrate and seed the database.

use clap::{Args, Subcommand};

/// Demo data, not a load generator: 10 million invoices per organization (30
/// million rows, several GB) is already far past what a demo or a benchmark needs,
/// and a typo such as an extra zero should not fill the disk.
pub(crate) const MAX_INVOICES: u64 = 10_000_000;

#[derive(Debug, Subcommand)]
pub(crate) enum DbCommand {
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
    Seed(SeedArgs),
}

#[derive(Debug, Args)]
pub(crate) struct SeedArgs {
    /// Seed the demo organizations (org_acme, org_globex, org_initech) and users
    #[arg(long, required = true)]
    pub demo: bool,

    /// Invoices per organization (at most 10000000)
    #[arg(long, value_name = "N", default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(..=MAX_INVOICES))]
    pub invoices: u64,
}
