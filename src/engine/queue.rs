//! Queues are declared once in code. A queue's concurrency limit applies per
//! concurrency key: each (queue, key) pair is a lane, a `run_lane` row whose
//! `running` counter PostgreSQL keeps at or below the limit. A lane can be paused:
//! the claim skips it until it is resumed (a property of the lane, not of any task).

/// A named queue with its per-key concurrency limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueDef {
    pub name: &'static str,
    pub concurrency_limit: u32,
}

impl QueueDef {
    pub const fn new(name: &'static str, concurrency_limit: u32) -> Self {
        QueueDef {
            name,
            concurrency_limit,
        }
    }
}

impl QueueDef {
    /// The lane's pause, when it is paused.
    pub(crate) async fn lane_pause(
        &self,
        conn: &mut sqlx::PgConnection,
        key: &str,
    ) -> Result<Option<crate::db::lane_pause::LanePause>, sqlx::Error> {
        crate::db::lane_pause::get(conn, self.name, key).await
    }
}
