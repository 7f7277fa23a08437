//! The `user` command group's arguments: PostgreSQL logins linked to invoicectl users.

use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub(crate) enum UserCommand {
    /// Link a PostgreSQL login to an invoicectl user (admin only)
    ///
    /// The login then acts as the user: `export start` needs no --as, the user is the
    /// requester and the audit log names the login. The login is granted
    /// invoicectl_operator when it lacks it. One login is one user; a user may have
    /// several logins. Unknown login or user: exit 66 (with the nearest name); a login
    /// already linked to another user: 65 (unlink it first). Audited
    /// (`user.login.linked`, system chain).
    ///
    /// Example: invoicectl user link user_alice --login alice
    Link(LinkArgs),
    /// Remove a login's link (admin only)
    ///
    /// The login keeps its PostgreSQL roles (revoking invoicectl_operator is the
    /// DBA's call) but is `unmapped` again: refused wherever tenant data is touched.
    /// Admin access never depends on a link (superuser, schema owner or
    /// invoicectl_admin), so unlinking cannot lock administrators out. A login that
    /// is not linked: exit 66. Audited (`user.login.unlinked`, system chain).
    ///
    /// Example: invoicectl user unlink --login alice
    Unlink(UnlinkArgs),
    /// List the linked logins, their users and invoicectl groups (admin only)
    ///
    /// A login dropped from the server while linked is shown as missing. With --json,
    /// one array of objects: login, userId, loginExists, groups, createdAt.
    ///
    /// Example: invoicectl user list --json
    List,
}

#[derive(Debug, Args)]
pub(crate) struct UnlinkArgs {
    /// The PostgreSQL login (role name) to unlink
    #[arg(long, value_name = "LOGIN")]
    pub login: String,
}

#[derive(Debug, Args)]
pub(crate) struct LinkArgs {
    /// The invoicectl user the login acts as (e.g. user_alice)
    // Not the id `user`: that is the `user` setting's (`--as`), see `setting_flags` in `crate::context`.
    #[arg(value_name = "USER")]
    pub app_user: String,

    /// The PostgreSQL login (role name) to link
    #[arg(long, value_name = "LOGIN")]
    pub login: String,
}
