//! The `org` command group's arguments.

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub(crate) enum OrgCommand {
    /// List every organization with its member and invoice counts
    ///
    /// Prints id, name, members, invoices and creation time (UTC) as a table, in id
    /// order; with --json, one array of objects with the fields id, name, memberCount,
    /// invoiceCount and createdAt.
    ///
    /// Example: invoicectl org list --json
    List,
}
