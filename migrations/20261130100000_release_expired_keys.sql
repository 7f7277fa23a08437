-- Expired idempotency keys leave the unique key index: the pruner releases them in
-- small batches (engine::retention, db::run_history::release_keys), so
-- `run_idempotency_key` holds about one TTL's worth of keys instead of every kept
-- run's. A trigger inserts each new key (a SHA-256, so a random place) into that
-- index; at 2,000,000 kept runs it was 238 MB, far past `shared_buffers`, and
-- `export start` was 21× slower than on an empty table (BENCHMARKS.md).
--
-- Releasing a key moves it to `released_idempotency_key`, as a trigger already did
-- for a key whose TTL had run out and as a failed or canceled run does; nothing that
-- shows or uses a run's key changes (the claim reads
-- `coalesce(idempotency_key, released_idempotency_key)`).
--
-- Which keys the pruner releases, found through this index:
-- - a key with a TTL that has run out, of a run that has ended (`finished_at` is set
--   exactly when a run ends): the same key a trigger would release before inserting;
-- - a key without a TTL (a child's, scoped to its parent run) of an ended run whose
--   parent has ended too: only the parent's own attempts trigger that key, and an
--   ended run never runs again.
-- Keys without a TTL on top-level runs live as long as their run is kept, as before,
-- and are not indexed here.
--
-- `CREATE INDEX` blocks writes to `run` while it builds; the index only covers ended
-- runs that still hold a key, and on a large production table it can be built
-- `CONCURRENTLY` by hand first (same name and definition); this statement keeps it.
CREATE INDEX IF NOT EXISTS run_releasable_key ON run (idempotency_key_expires_at, id)
    WHERE idempotency_key IS NOT NULL AND finished_at IS NOT NULL
      AND (idempotency_key_expires_at IS NOT NULL OR parent_run_id IS NOT NULL);

COMMENT ON COLUMN run.released_idempotency_key IS
    'A key the run gave up: on failure or cancel, or released once its TTL ran out (by a trigger or the pruner), or (a child''s key without TTL) once it and its parent ended. Live keys are in idempotency_key.';
