//! `invoicectl org …`: what organizations (tenants) exist, so that an operator can
//! find the id to pass to `--org` without psql.

mod list;

use crate::cli::org::OrgCommand;
use crate::context::Context;

pub(crate) async fn run(cmd: OrgCommand, ctx: &Context) -> anyhow::Result<()> {
    match cmd {
        OrgCommand::List => list::run(ctx).await,
    }
}
