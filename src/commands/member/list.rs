//! `member list --org ORG`: an organization's members, as a table or one JSON array.
//! [`print_members`] is also the table `db seed --demo` ends with.

use anyhow::Context as _;
use comfy_table::Cell;

use crate::cli::member::ListArgs;
use crate::context::Context;
use crate::db::members::MemberSummary;
use crate::db::{self, DbError};
use crate::ids::OrgId;
use crate::layout::Column;

pub(crate) async fn run(args: ListArgs, ctx: &Context) -> anyhow::Result<()> {
    let org = OrgId::parse(&args.org)?;
    let (pool, _session) = ctx.tenant_pool(1).await?;
    let mut conn = pool.acquire().await.map_err(DbError::from)?;
    crate::lookup::require_org(&mut conn, &org).await?;
    let members = db::members::list(&mut conn, &[org.as_str()])
        .await
        .map_err(DbError::from)
        .with_context(|| format!("cannot list the members of {org}"))?;
    drop(conn);
    pool.close().await;

    if ctx.json {
        return ctx.print_json(&members);
    }
    if members.is_empty() {
        return ctx.println(&format!("{org} has no members"));
    }
    print_members(ctx, &members, false)
}

/// The members as a table; `with_org` adds the organization column (for a listing
/// that spans several organizations). A narrow terminal leaves the name out first.
pub(crate) fn print_members(
    ctx: &Context,
    members: &[MemberSummary],
    with_org: bool,
) -> anyhow::Result<()> {
    let mut columns = vec![
        Column::keep("USER"),
        Column::ranked("EMAIL", 1),
        Column::ranked("NAME", 2),
        Column::keep("ROLE"),
    ];
    if with_org {
        columns.insert(0, Column::keep("ORG"));
    }
    let rows = members
        .iter()
        .map(|m| {
            let mut row = vec![
                Cell::new(&m.user_id),
                Cell::new(&m.email),
                Cell::new(&m.name),
                Cell::new(m.role),
            ];
            if with_org {
                row.insert(0, Cell::new(&m.organization_id));
            }
            row
        })
        .collect();
    ctx.println(&ctx.fitted_table(&columns, rows).to_string())
}
