//! The reader behind `audit tail --follow`: the newest entries and the starting
//! cursors from one snapshot ([`start`]), then every entry committed afterwards, in
//! id order, handed to the caller as it is read ([`follow`]), woken by the chain
//! trigger's notifications ([`listen`]). The command keeps its arguments and
//! printing; the SQL is in [`crate::db::audit_log`].
//!
//! # Following without gaps or duplicates
//!
//! Ids come from one sequence, but the trigger takes them under the *per-chain* lock
//! (`audit_chain_head` row of the organization, `''` for the system chain), so:
//! within one chain, id order is commit order (a later append waits for the earlier
//! one to commit or roll back before it even gets its id); across chains it is not
//! (org A's transaction may take id 10, org B's id 11 and commit first). A single
//! "last id seen" cursor would therefore skip id 10 for good.
//!
//! So the cursor is per chain: `chain key → last id handled`. Each poll is one
//! statement (one snapshot) that reads every chain head past its cursor and that
//! chain's rows in `(cursor, head]`. Everything in a chain up to its committed head
//! is committed and visible to that snapshot, and nothing in the chain can commit
//! later with an id at or below the head, so after the poll the chain's cursor moves
//! to the head (or to the last row returned when the per-chain batch limit cut it
//! short) and no row is ever skipped or printed twice. The initial history and the
//! starting heads are read in one REPEATABLE READ snapshot for the same reason. We
//! chose this over a global cursor with a `pg_snapshot_xmin` low watermark because
//! that needs the inserting transaction id of each row (32-bit `xmin`, wraparound)
//! and holds every chain back behind the oldest open transaction of any chain; the
//! chain heads already exist, one small row per organization, read once per poll.
//!
//! A poll runs on every `NOTIFY invoicectl_audit` (sent by the trigger at commit) and
//! at least once a second, so a notification lost to a reconnect only delays a row.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::PgListener;
use sqlx::{PgPool, Postgres};
use tokio::sync::Notify;

use crate::db::audit_log::{self, Entry, Filter};
use crate::ids::OrgId;

/// The NOTIFY channel of the chain trigger; payload `<org or ''>:<id>`.
pub(crate) const CHANNEL: &str = "invoicectl_audit";
/// Poll this often even without a notification.
const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// Rows per chain per poll; a chain with more is read again at once.
const BATCH_PER_CHAIN: i64 = 1_000;

/// Where each chain's reading stands: chain key (`''` for the system chain) → the
/// last id handled.
pub(crate) type Cursors = BTreeMap<String, i64>;

/// Why [`follow`] stopped.
#[derive(Debug)]
pub(crate) enum FollowError {
    /// A database error that is not a connection loss (those are ridden out).
    Db(sqlx::Error),
    /// The caller's `emit` failed (e.g. stdout closed).
    Output(io::Error),
}

/// The newest `limit` entries matching `filter` (all when `None`), oldest first, and
/// the starting cursor of every chain, from one snapshot.
pub(crate) async fn start(
    pool: &PgPool,
    filter: &Filter<'_>,
    limit: Option<i64>,
) -> Result<(Vec<Entry>, Cursors), sqlx::Error> {
    let mut tx = audit_log::begin_snapshot(pool).await?;
    let history = audit_log::newest(&mut tx, filter, limit).await?;
    let heads = audit_log::chain_heads(&mut tx, filter.organization_id).await?;
    tx.commit().await?;
    Ok((history, heads.into_iter().collect()))
}

/// Hands every matching entry committed past `cursors` to `emit`, in id order,
/// polling at once and then on every wake-up of `wake` and at least once a second,
/// forever: it returns only on an error (the caller's select ends it otherwise).
/// Connection losses are logged and retried every second.
pub(crate) async fn follow(
    pool: &PgPool,
    filter: &Filter<'_>,
    mut cursors: Cursors,
    wake: &Notify,
    mut emit: impl FnMut(&Entry) -> io::Result<()>,
) -> Result<Infallible, FollowError> {
    // One connection for all polls, opened again after a failure.
    let mut conn: Option<PoolConnection<Postgres>> = None;
    let mut outage = false;
    loop {
        match poll(pool, &mut conn, filter, &mut cursors, &mut emit).await {
            Ok(()) => {
                if outage {
                    tracing::warn!("audit tail: connected to the database again, following");
                    outage = false;
                }
            }
            Err(FollowError::Db(e)) if is_transient(&e) => {
                // Out of the pool, not back into it: the connection is broken.
                drop(conn.take().map(PoolConnection::detach));
                if !outage {
                    tracing::warn!(
                        error = %crate::redact::log_text(&e),
                        "audit tail: lost the connection to the database; retrying every second"
                    );
                    outage = true;
                }
            }
            Err(e) => return Err(e),
        }
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(POLL_INTERVAL) => {}
        }
    }
}

/// Emits every matching entry committed past the cursors, in id order, and moves
/// the cursors (see the module docs for why this never skips a row).
async fn poll(
    pool: &PgPool,
    conn: &mut Option<PoolConnection<Postgres>>,
    filter: &Filter<'_>,
    cursors: &mut Cursors,
    emit: &mut impl FnMut(&Entry) -> io::Result<()>,
) -> Result<(), FollowError> {
    let conn = match conn {
        Some(conn) => conn,
        None => {
            let mut fresh = pool.acquire().await.map_err(FollowError::Db)?;
            audit_log::prepare_follow_session(&mut fresh)
                .await
                .map_err(FollowError::Db)?;
            conn.insert(fresh)
        }
    };
    loop {
        let batches = audit_log::after_cursors(conn, cursors, filter, BATCH_PER_CHAIN)
            .await
            .map_err(FollowError::Db)?;
        let mut more = false;
        let mut entries = Vec::new();
        for (chain, batch) in batches {
            let cursor = if batch.entries.len() as i64 >= BATCH_PER_CHAIN {
                more = true;
                batch.entries.last().map_or(batch.head_id, |e| e.id)
            } else {
                batch.head_id
            };
            entries.extend(batch.entries);
            cursors.insert(chain, cursor);
        }
        // Per chain the ids already ascend; merging by id keeps that order.
        entries.sort_by_key(|e| e.id);
        for entry in &entries {
            emit(entry).map_err(FollowError::Output)?;
        }
        if !more {
            return Ok(());
        }
    }
}

/// Connection losses and server restarts, which a follow rides out.
fn is_transient(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("57P")),
        _ => false,
    }
}

/// Starts a task that turns notifications on [`CHANNEL`] (of `org`'s chain, or of
/// every chain when `None`) into wake-ups of `wake`. It runs on its own so that the
/// poll loop never cancels a half-read notification; a reconnect (notifications
/// possibly lost) wakes the poller too. LISTEN is in place when this returns, so
/// call it before [`start`]: every commit the snapshot misses is then notified.
pub(crate) async fn listen(
    pool: &PgPool,
    org: Option<OrgId>,
    wake: Arc<Notify>,
) -> Result<tokio::task::JoinHandle<()>, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(tokio::spawn(async move {
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => {
                    let chain = notification.payload().split(':').next().unwrap_or("");
                    if org.as_ref().is_none_or(|org| org.as_str() == chain) {
                        wake.notify_one();
                    }
                }
                Ok(None) => wake.notify_one(),
                Err(e) => {
                    tracing::debug!(error = %crate::redact::log_text(&e), "audit tail: LISTEN failed; polling meanwhile");
                    tokio::time::sleep(POLL_INTERVAL).await;
                }
            }
        }
    }))
}
