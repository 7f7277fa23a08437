//! The `member` command group's arguments: who belongs to an organization.

use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub(crate) enum MemberCommand {
    /// List an organization's members: user id, email, name and role
    ///
    /// Highest role first (owner, admin, member, viewer), then by user id. Members and
    /// higher may export; viewers may not. With --json, one array of objects with the
    /// fields organizationId, userId, email, name and role. An unknown organization
    /// exits 66 and names the nearest existing id.
    ///
    /// Example: invoicectl member list --org org_acme
    List(ListArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// The organization whose members to list (`invoicectl org list` shows them all)
    #[arg(long, value_name = "ORG")]
    pub org: String,
}
