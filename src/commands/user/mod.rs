//! `invoicectl user …`: which PostgreSQL login is which invoicectl user.
//!
//! A linked login acts as its user (mode `login`): the requester of its exports and
//! the actor of its audit entries, proven by the server's authentication. Linking is
//! administration: only an admin login may do it, and the database checks that
//! itself (the `user_link` / `user_unlink` functions), so psql cannot bypass it.
//! Every link and unlink is an entry on the system audit chain.

mod link;
mod list;

use crate::cli::user::{UnlinkArgs, UserCommand};
use crate::context::Context;

pub(crate) async fn run(cmd: UserCommand, ctx: &Context) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Link(args) => link::link(args, ctx).await,
        UserCommand::Unlink(args) => link::unlink(args, ctx).await,
        UserCommand::List => list::run(ctx).await,
    }
}
