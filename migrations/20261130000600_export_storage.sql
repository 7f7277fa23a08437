-- Exports stored through the storage interface (SPEC §11): where each object is,
-- its size and SHA-256 (download verifies them), when its download link expires,
-- and retention: `export prune` deletes the object and marks the row `expired`
-- (the row stays, for the audit trail and for `url`/`download` to say when).

ALTER TABLE export
    ADD COLUMN object_url      text,
    ADD COLUMN byte_size       bigint CHECK (byte_size >= 0),
    ADD COLUMN sha256          text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    ADD COLUMN link_expires_at timestamptz,
    ADD COLUMN expired_at      timestamptz;

ALTER TABLE export DROP CONSTRAINT export_status_check;
ALTER TABLE export ADD CONSTRAINT export_status_check
    CHECK (status IN ('queued', 'running', 'completed', 'failed', 'canceled', 'expired'));
-- An expired export says when; nothing else is expired.
ALTER TABLE export ADD CONSTRAINT export_expired_at_check
    CHECK ((status = 'expired') = (expired_at IS NOT NULL));

-- `export prune` looks for completed exports older than a cutoff.
CREATE INDEX export_prunable ON export (completed_at) WHERE status = 'completed';
