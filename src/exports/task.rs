//! The `export-invoices` task and its `send-export-email` child: declarations and
//! payloads (strict: unknown, missing or malformed fields fail validation).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::engine::{QueueDef, RetryPolicy, TaskDef};
use crate::ids::{OrgId, UserId};

/// One export per organization at a time: the concurrency key is the org id.
pub const EXPORT_QUEUE: QueueDef = QueueDef::new("export", 1);
/// Emails are unkeyed: one lane, a few sends at once.
pub const EMAIL_QUEUE: QueueDef = QueueDef::new("email", 10);

pub const EXPORT_INVOICES: TaskDef = TaskDef {
    id: "export-invoices",
    queue: EXPORT_QUEUE,
    retry: RetryPolicy {
        max_attempts: 3,
        factor: 2.0,
        min_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(60),
        randomize: true,
    },
    max_duration: Some(Duration::from_secs(60 * 60)),
};

pub const SEND_EXPORT_EMAIL: TaskDef = TaskDef {
    id: "send-export-email",
    queue: EMAIL_QUEUE,
    retry: RetryPolicy {
        max_attempts: 5,
        factor: 2.0,
        min_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(60),
        randomize: true,
    },
    max_duration: Some(Duration::from_secs(120)),
};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExportPayload {
    pub organization_id: OrgId,
    pub requested_by: UserId,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EmailPayload {
    pub organization_id: OrgId,
    pub recipient_user_id: UserId,
    pub row_count: u64,
    pub download_url: String,
}
