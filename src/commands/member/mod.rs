//! `invoicectl member …`: who belongs to an organization and with which role, so
//! that an operator can find the user to pass to `--as` without psql.

mod list;

use clap::Subcommand;

use crate::context::Context;

pub use list::print_members;

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// List an organization's members: user id, email, name and role
    ///
    /// Highest role first (owner, admin, member, viewer), then by user id. Members and
    /// higher may export; viewers may not. With --json, one array of objects with the
    /// fields organizationId, userId, email, name and role. An unknown organization
    /// exits 66 and names the nearest existing id.
    ///
    /// Example: invoicectl member list --org org_acme
    List(list::ListArgs),
}

pub async fn run(cmd: MemberCommand, ctx: &Context) -> anyhow::Result<()> {
    match cmd {
        MemberCommand::List(args) => list::run(args, ctx).await,
    }
}
