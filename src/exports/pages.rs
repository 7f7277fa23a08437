//! The export's pages, read as one stream per attempt: a reader on a thread of its
//! own holds a tenant transaction for the attempt, runs one `COPY … TO STDOUT (FORMAT binary)`
//! from the checkpoint's cursor (`db::invoices::copy_after`), turns the tuples into
//! CSV as they arrive (`copy_csv`) and hands over pages of `page_size` rows through a
//! channel of one. So the database streams and the CSV of page N+1 is made while the
//! caller writes, fsyncs (or uploads) page N and commits page N−1's checkpoint; the
//! channel's bound is the backpressure (the task stops reading, the server waits).
//!
//! The pages are exactly those of the keyset walk they replaced (page_size rows after
//! the cursor, in id order, as of the run's start), so checkpoints, resumes and the
//! S3 part arithmetic are unchanged.
//!
//! The connection: a stream dropped before its end (the caller stopped, an error)
//! leaves the connection in the middle of a `COPY`, which sqlx cannot bring back, so
//! that connection is closed instead of returned to the pool. One that finished is
//! committed and returned.

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use sqlx::pool::PoolConnection;
use sqlx::{Connection, PgPool, Postgres};
use tokio::sync::mpsc;

use super::copy_csv::{CopyCsvEncoder, CsvPage};
use super::scope::Selection;
use crate::db;
use crate::engine::TaskError;

enum Item {
    Page(CsvPage),
    End,
}

/// The pages of one attempt's stream, in order (see the module doc).
pub(super) struct PageStream {
    pages: mpsc::Receiver<Result<Item, sqlx::Error>>,
    /// Written pages' buffers, back to the reader for reuse.
    spare: mpsc::UnboundedSender<Vec<u8>>,
    ended: bool,
}

impl PageStream {
    /// Starts reading the selected invoices after `after` as of `as_of`; `header`:
    /// the first page starts with the header row (nothing is written yet).
    pub(super) fn open(
        pool: &PgPool,
        org: &Selection,
        after: Option<String>,
        as_of: DateTime<Utc>,
        page_size: u32,
        header: bool,
    ) -> PageStream {
        let (tx, pages) = mpsc::channel(1);
        let (spare, spare_rx) = mpsc::unbounded_channel();
        let reader = Reader {
            pool: pool.clone(),
            org: org.clone(),
            after,
            as_of,
            page_size: u64::from(page_size),
            header,
        };
        // The reader decodes and formats every row: CPU work that would hold one of
        // the runtime's two threads for the whole export (heartbeats and checkpoints
        // wait behind it), so it runs on a blocking thread of its own and drives its
        // network I/O from there.
        let runtime = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            runtime.block_on(async move {
                let item = match reader.run(&tx, spare_rx).await {
                    Ok(true) => Ok(Item::End),
                    // The caller is gone.
                    Ok(false) => return,
                    Err(e) => Err(e),
                };
                let _ = tx.send(item).await;
            })
        });
        PageStream {
            pages,
            spare,
            ended: false,
        }
    }

    /// The next page, or `None` after the last.
    pub(super) async fn next(&mut self) -> Result<Option<CsvPage>, TaskError> {
        if self.ended {
            return Ok(None);
        }
        match self.pages.recv().await {
            Some(Ok(Item::Page(page))) => Ok(Some(page)),
            Some(Ok(Item::End)) => {
                self.ended = true;
                Ok(None)
            }
            Some(Err(e)) => Err(e.into()),
            None => Err(TaskError::retryable(
                crate::engine::EngineErrorCode::Panic,
                "the page reader stopped before the last page",
            )),
        }
    }

    /// Gives a written page's buffer back to the reader.
    pub(super) fn recycle(&self, buffer: Vec<u8>) {
        let _ = self.spare.send(buffer);
    }
}

struct Reader {
    pool: PgPool,
    org: Selection,
    after: Option<String>,
    as_of: DateTime<Utc>,
    page_size: u64,
    header: bool,
}

/// A pooled connection that is closed on drop unless its `COPY` ended cleanly and its
/// transaction committed.
struct CopyConnection {
    conn: PoolConnection<Postgres>,
    clean: bool,
}

impl Drop for CopyConnection {
    fn drop(&mut self) {
        if !self.clean {
            self.conn.close_on_drop();
        }
    }
}

impl Reader {
    /// Streams every page into `pages`; `Ok(false)` when the receiver went away.
    async fn run(
        self,
        pages: &mpsc::Sender<Result<Item, sqlx::Error>>,
        mut spare: mpsc::UnboundedReceiver<Vec<u8>>,
    ) -> Result<bool, sqlx::Error> {
        let mut conn = CopyConnection {
            conn: self.pool.acquire().await?,
            clean: false,
        };
        let mut tx = conn.conn.begin().await?;
        db::tenant::enter(&mut tx, &self.org).await?;
        let mut encoder = CopyCsvEncoder::new(self.page_size, self.header);
        let mut done = Vec::new();
        {
            let mut stream = db::invoices::copy_after(
                &mut tx,
                &self.org,
                &self.org.filter(),
                self.after.as_deref(),
                self.as_of,
            )
            .await?;
            while let Some(chunk) = stream.try_next().await? {
                encoder.feed(&chunk, &mut done).map_err(decode_error)?;
                if done.is_empty() {
                    continue;
                }
                for page in done.drain(..) {
                    if pages.send(Ok(Item::Page(page))).await.is_err() {
                        return Ok(false);
                    }
                }
                while let Ok(buffer) = spare.try_recv() {
                    encoder.recycle(buffer);
                }
            }
        }
        let last = encoder.finish().map_err(decode_error)?;
        // Every row is here. The server finished the COPY when it sent the last
        // bytes, which may have waited in buffers (ours, the socket's) for longer than
        // `idle_in_transaction_session_timeout` while the pages before them were
        // written; it may then have ended the session. The transaction only read, so
        // its end changes nothing: a failed commit just closes the connection.
        match tx.commit().await {
            Ok(()) => conn.clean = true,
            Err(e) => {
                tracing::debug!(error = %crate::redact::log_text(&e), "the COPY's transaction did not commit")
            }
        }
        drop(conn);
        if let Some(page) = last
            && pages.send(Ok(Item::Page(page))).await.is_err()
        {
            return Ok(false);
        }
        Ok(true)
    }
}

/// A malformed stream as the decode error sqlx itself would report.
fn decode_error(e: std::io::Error) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}
