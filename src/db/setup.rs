//! `db setup` and `db migrate`: create the database through the maintenance database
//! when it is missing, then apply the embedded migrations.

use sqlx::postgres::{PgConnectOptions, PgPool};
use sqlx::{Connection, PgConnection};

use super::{
    DbError, MIGRATOR, check_not_newer, classify_connect_error, connect, describe, schema_version,
};

/// Whether `setup` had to create the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Created {
    Yes,
    AlreadyExisted,
}

/// Creates the target database if it does not exist. Connecting to it first keeps the
/// common case (it exists) free of any maintenance-database access.
pub(crate) async fn create_database_if_missing(
    options: &PgConnectOptions,
) -> Result<Created, DbError> {
    match PgConnection::connect_with(options).await {
        Ok(conn) => {
            let _ = conn.close().await;
            return Ok(Created::AlreadyExisted);
        }
        Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("3D000") => {}
        Err(e) => return Err(classify_connect_error(options, e)),
    }
    let (_, _, database) = describe(options);
    let mut last_error = None;
    for maintenance in ["postgres", "template1"] {
        let admin = options.clone().database(maintenance);
        let mut conn = match PgConnection::connect_with(&admin).await {
            Ok(conn) => conn,
            Err(e) => {
                last_error = Some(classify_connect_error(&admin, e));
                continue;
            }
        };
        let quoted = format!("\"{}\"", database.replace('"', "\"\""));
        let result = sqlx::query(&format!("CREATE DATABASE {quoted}"))
            .execute(&mut conn)
            .await;
        let _ = conn.close().await;
        return match result {
            Ok(_) => Ok(Created::Yes),
            // duplicate_database: another `setup` won the race; that is fine.
            Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("42P04") => {
                Ok(Created::AlreadyExisted)
            }
            Err(e) => Err(e.into()),
        };
    }
    Err(last_error.expect("tried at least one maintenance database"))
}

/// The connection options for `db setup` and `db migrate`: those of every command,
/// without the slow-statement warning. A migration that builds an index on a large
/// table runs for minutes, and sqlx's warning would print its whole SQL text as if
/// something were wrong; which migrations ran is what the command reports.
pub(crate) fn migration_options(options: &PgConnectOptions) -> PgConnectOptions {
    use sqlx::ConnectOptions as _;
    options
        .clone()
        .log_slow_statements(tracing::log::LevelFilter::Off, std::time::Duration::ZERO)
}

/// Applies pending migrations; returns how many were applied. A database migrated
/// by a newer invoicectl is refused as every other command refuses it (exit 69,
/// "upgrade invoicectl"), not left to the migrator's "previously applied but
/// missing" error.
pub(crate) async fn migrate(pool: &PgPool) -> Result<usize, DbError> {
    check_not_newer(
        &describe(&pool.connect_options()).2,
        schema_version(pool).await?,
    )?;
    let applied_before = applied_versions(pool).await.unwrap_or_default();
    MIGRATOR.run(pool).await.map_err(DbError::Migrate)?;
    let pending = MIGRATOR
        .iter()
        .filter(|m| m.migration_type.is_up_migration() && !applied_before.contains(&m.version))
        .count();
    Ok(pending)
}

async fn applied_versions(pool: &PgPool) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
        .fetch_all(pool)
        .await
}

/// `db setup`: create when missing, then migrate. Idempotent.
pub(crate) async fn setup(options: &PgConnectOptions) -> anyhow::Result<(Created, usize)> {
    let created = create_database_if_missing(options).await?;
    let pool = connect(&migration_options(options), 2).await?;
    let applied = migrate(&pool).await?;
    pool.close().await;
    Ok((created, applied))
}
