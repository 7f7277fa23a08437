//! `user link` and `user unlink`: one call of the database function each, which
//! checks that the caller is an admin, links or unlinks, and audits.

use anyhow::Context as _;
use serde::Serialize;

use super::UnlinkArgs;
use crate::cli::user::LinkArgs;
use crate::context::Context;
use crate::db::{self, DbError};
use crate::error::{CommandError, ExitKind};
use crate::ids::UserId;
use crate::logging;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Linked<'a> {
    login: &'a str,
    user_id: &'a str,
    /// False when the login already was linked to this user (nothing changed).
    changed: bool,
}

pub(crate) async fn link(args: LinkArgs, ctx: &Context) -> anyhow::Result<()> {
    let user = UserId::parse(&args.app_user)?;
    let login = check_login(&args.login)?;
    let (pool, _session) = ctx.admin_pool(1, "user link").await?;
    let mut conn = pool.acquire().await.map_err(DbError::from)?;
    let changed = match db::identity::link(&mut conn, login, user.as_str()).await {
        Ok(changed) => changed,
        Err(e) => {
            let code = e
                .as_database_error()
                .and_then(|d| d.code())
                .map(|c| c.into_owned());
            let detail = e
                .as_database_error()
                .and_then(|d| d.try_downcast_ref::<sqlx::postgres::PgDatabaseError>())
                .and_then(|d| d.detail())
                .map(str::to_owned);
            let message = e
                .as_database_error()
                .map(|d| d.message().to_owned())
                .unwrap_or_default();
            return Err(match (code.as_deref(), detail.as_deref()) {
                (Some("IV066"), Some("login")) => unknown_login(&mut conn, login).await,
                (Some("IV066"), Some("user")) => {
                    crate::lookup::unknown_user(&mut conn, &user, None)
                        .await
                        .into()
                }
                (Some("23505"), _) => CommandError::new(ExitKind::Invalid, message).into(),
                _ => anyhow::Error::new(DbError::from(e))
                    .context(format!("cannot link login {login} to {user}")),
            });
        }
    };
    drop(conn);
    pool.close().await;
    if ctx.json {
        return ctx.print_json(&Linked {
            login,
            user_id: user.as_str(),
            changed,
        });
    }
    ctx.println(&if changed {
        format!("linked login {login} to {user}")
    } else {
        format!("login {login} was already linked to {user}; nothing changed")
    })
}

pub(crate) async fn unlink(args: UnlinkArgs, ctx: &Context) -> anyhow::Result<()> {
    let login = check_login(&args.login)?;
    let (pool, session) = ctx.admin_pool(1, "user unlink").await?;
    let mut conn = pool.acquire().await.map_err(DbError::from)?;
    let was = db::identity::unlink(&mut conn, login)
        .await
        .map_err(DbError::from)
        .with_context(|| format!("cannot unlink login {login}"))?;
    drop(conn);
    pool.close().await;
    let Some(was) = was else {
        return Err(CommandError::new(
            ExitKind::NotFound,
            format!(
                "login {login} is not linked to any user (`invoicectl user list` lists the links)"
            ),
        )
        .into());
    };
    if session.login == login {
        logging::note(&format!(
            "note: {login} is this session's own login; it stays an admin login (admin access never depends on a link)"
        ))?;
    }
    if ctx.json {
        return ctx.print_json(&serde_json::json!({ "login": login, "userId": was }));
    }
    ctx.println(&format!("unlinked login {login} (was {was})"))
}

/// A role name as PostgreSQL accepts it: 1 to 63 bytes, no NUL.
fn check_login(login: &str) -> anyhow::Result<&str> {
    if login.is_empty() || login.len() > 63 || login.contains('\0') {
        return Err(CommandError::new(
            ExitKind::Invalid,
            format!("{login:?} is not a PostgreSQL role name (1 to 63 bytes)"),
        )
        .into());
    }
    Ok(login)
}

/// The error for a login that is not a role that may log in, with the nearest one.
async fn unknown_login(conn: &mut sqlx::PgConnection, login: &str) -> anyhow::Error {
    let names = db::identity::login_names(conn).await.unwrap_or_default();
    let hint = crate::lookup::nearest(login, "", &names)
        .map(|n| format!("did you mean {n}? "))
        .unwrap_or_default();
    CommandError::new(
        ExitKind::NotFound,
        format!(
            "login {login} is not a PostgreSQL role that can log in: {hint}(create it first: CREATE ROLE {login} LOGIN)"
        ),
    )
    .into()
}
