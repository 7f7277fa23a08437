//! `invoicectl org …`: what organizations (tenants) exist, so that an operator can
//! find the id to pass to `--org` without psql.

mod list;

use clap::Subcommand;

use crate::context::Context;

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// List every organization with its member and invoice counts
    ///
    /// Prints id, name, members, invoices and creation time (UTC) as a table, in id
    /// order; with --json, one array of objects with the fields id, name, memberCount,
    /// invoiceCount and createdAt.
    ///
    /// Example: invoicectl org list --json
    List,
}

pub async fn run(cmd: OrgCommand, ctx: &Context) -> anyhow::Result<()> {
    match cmd {
        OrgCommand::List => list::run(ctx).await,
    }
}
