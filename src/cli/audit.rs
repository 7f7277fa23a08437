//! The `audit` command group's arguments: read, follow, verify and checkpoint the log.

use std::path::PathBuf;

use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// Print the newest audit entries, oldest first; with --follow, keep printing new
    /// ones as they commit
    ///
    /// Shows time (RFC 3339, UTC), organization, actor (`system` when no user acted),
    /// action, subject and a payload summary as a table, or with --json one object a
    /// line with the fields id, organizationId, actorUserId, action, subjectType,
    /// subjectId, payload and createdAt. With --follow, rows arrive in commit order per
    /// organization, each exactly once, until Ctrl-C or SIGTERM (exit 0); human
    /// output is then one aligned line per entry instead of a boxed table.
    ///
    /// Example: invoicectl audit tail --org org_acme -n 50 --follow --json
    Tail(TailArgs),
    /// Recompute every hash chain (one per organization, plus the system chain) and
    /// name the first broken link
    ///
    /// Walks each chain in id order, recomputing every row's hash from its content
    /// and the previous row's hash, and checks the chain's recorded head. Prints the
    /// rows checked per chain; exits 1 if any chain is broken, naming the
    /// organization, the row id and whether the row's content changed (hash mismatch)
    /// or rows before it were removed or rewritten (prev_hash link broken).
    ///
    /// On its own this proves the chains consistent, not complete: someone with
    /// superuser rights who deletes a chain's tail and moves audit_chain_head back
    /// (or appends again after that) leaves a consistent chain. With --against FILE (a
    /// checkpoint from `audit checkpoint`, kept outside the database) every witnessed
    /// chain must also extend its witnessed head: the witnessed last row still there,
    /// with the witnessed hash, as the witnessed count-th row; otherwise exit 1, naming
    /// the organization and what changed (a witnessed chain that is gone fails too).
    /// Chains created after the checkpoint are verified but not witnessed. A missing
    /// FILE exits 66, one that is not a valid checkpoint 65. With --json each witnessed
    /// chain's report has a witness object (count, lastId, lastHash, ok, mismatch).
    ///
    /// Example: invoicectl audit verify --against audit-checkpoint.json
    Verify(VerifyArgs),
    /// Print each chain's head as JSON, a witness to keep outside the database for
    /// `audit verify --against`
    ///
    /// Verifies every chain first (or only --org's) and refuses, with exit 1 and
    /// nothing written, when one is broken: a checkpoint only witnesses chains that
    /// verify. Prints {"kind": "invoicectl-audit-checkpoint", "version": 1,
    /// "createdAt", "chains": [{"organizationId" (null for the system chain),
    /// "count", "lastId", "lastHash"}]}, pretty-printed (one line with --json). With
    /// --out the file is written atomically, so it is either the old checkpoint or
    /// the whole new one, and stdout gets one line saying so (the checkpoint itself
    /// with --json). Keep the file where the database's superuser cannot rewrite it:
    /// a CI artifact, a ticket, another host.
    ///
    /// Example: invoicectl audit checkpoint --out audit-checkpoint-$(date +%F).json
    Checkpoint(CheckpointArgs),
}

#[derive(Debug, Args)]
pub(crate) struct TailArgs {
    /// Only this organization's entries (system-wide entries are left out)
    #[arg(long, value_name = "ORG")]
    pub org: Option<String>,

    /// How many of the newest matching entries to print first [default: 20, or all
    /// with --since]; 0 prints only new ones (with --follow)
    #[arg(short = 'n', long = "lines", value_name = "N")]
    pub lines: Option<u64>,

    /// Only entries with this action, e.g. export.invoices.completed
    #[arg(long, value_name = "ACTION")]
    pub action: Option<String>,

    /// Only entries created at or after TIME: RFC 3339 (2026-11-22T09:30:00Z), a UTC
    /// date (2026-11-22), or a duration ago by this machine's clock (90s, 15m, 2h,
    /// 7d, 1h30m)
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// Keep printing entries as they commit until interrupted (Ctrl-C or SIGTERM, exit 0)
    #[arg(short = 'f', long)]
    pub follow: bool,
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// Only this organization's chain (default: every organization and the system chain)
    #[arg(long, value_name = "ORG")]
    pub org: Option<String>,

    /// Also check each chain against the heads witnessed in FILE (written by `audit
    /// checkpoint`): a chain fails unless it still holds the witnessed last row, with
    /// the witnessed hash, as its witnessed count-th row
    #[arg(long, value_name = "FILE")]
    pub against: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct CheckpointArgs {
    /// Only this organization's chain (default: every organization and the system chain)
    #[arg(long, value_name = "ORG")]
    pub org: Option<String>,

    /// Write the checkpoint to FILE instead of stdout, atomically (a new file beside it,
    /// fsynced, then renamed over FILE), replacing FILE if it exists
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}
