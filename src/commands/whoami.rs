//! `whoami`: who PostgreSQL says this session is — the login it authenticated, the
//! user that login is linked to, the mode that follows (login, admin, unmapped), its
//! invoicectl groups and the organizations its user belongs to.

use anyhow::Context as _;
use serde::Serialize;

use crate::context::Context;
use crate::db::members::Role;
use crate::db::{self, DbError};
use crate::identity::Mode;

#[derive(Serialize)]
struct Organization {
    id: String,
    role: Role,
}

#[derive(Serialize)]
struct WhoAmI {
    login: String,
    user: Option<String>,
    mode: Mode,
    groups: Vec<String>,
    organizations: Vec<Organization>,
}

pub(crate) async fn run(ctx: &Context) -> anyhow::Result<()> {
    let pool = ctx.pool(1).await?;
    let session = ctx.session(&pool).await?;
    let organizations = match &session.user {
        Some(user) => {
            let mut conn = pool.acquire().await.map_err(DbError::from)?;
            db::identity::organizations_of(&mut conn, user.as_str())
                .await
                .map_err(DbError::from)
                .context("cannot read the user's organizations")?
                .into_iter()
                .map(|(id, role)| Organization { id, role })
                .collect()
        }
        None => Vec::new(),
    };
    pool.close().await;
    let me = WhoAmI {
        login: session.login.clone(),
        user: session.user.as_ref().map(ToString::to_string),
        mode: session.mode,
        groups: session.groups.clone(),
        organizations,
    };
    if ctx.json {
        return ctx.print_json(&me);
    }
    let what = match session.mode {
        Mode::Login => "identity proven by the server; --as may only name this user",
        Mode::Admin => "superuser, schema owner or invoicectl_admin; --as is asserted",
        Mode::Unmapped => {
            "not linked: an administrator runs `invoicectl user link USER --login LOGIN`"
        }
    };
    ctx.println(&format!("login          {}", me.login))?;
    ctx.println(&format!(
        "user           {}",
        me.user.as_deref().unwrap_or("-")
    ))?;
    ctx.println(&format!("mode           {} ({what})", me.mode))?;
    ctx.println(&format!(
        "groups         {}",
        if me.groups.is_empty() {
            "-".to_owned()
        } else {
            me.groups.join(", ")
        }
    ))?;
    let orgs = me
        .organizations
        .iter()
        .map(|o| format!("{} ({})", o.id, o.role))
        .collect::<Vec<_>>();
    ctx.println(&format!(
        "organizations  {}",
        if orgs.is_empty() {
            "-".to_owned()
        } else {
            orgs.join(", ")
        }
    ))
}
