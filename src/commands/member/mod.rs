//! `invoicectl member …`: who belongs to an organization and with which role, so
//! that an operator can find the user to pass to `--as` without psql.

mod list;

use crate::context::Context;

use crate::cli::member::MemberCommand;
pub(crate) use list::print_members;

pub(crate) async fn run(cmd: MemberCommand, ctx: &Context) -> anyhow::Result<()> {
    match cmd {
        MemberCommand::List(args) => list::run(args, ctx).await,
    }
}
