-- Bounded history: workers delete run trees that ended longer ago than
-- `run_retention`, oldest first, a small batch at a time (engine::retention).
--
-- The pruner looks only at top-level runs (a child goes with its parent) in the order
-- they ended, so it needs them indexed by `finished_at`, which is set exactly when a
-- run ends (completed, failed, canceled) and cleared when an attempt is requeued.
-- Without this index every batch would read the whole table; with it a batch reads
-- its own rows, and neither the claim nor a trigger reads it.
--
-- `CREATE INDEX` blocks writes to `run` while it builds (about 1 s per million runs
-- here); on a large production table build it `CONCURRENTLY` by hand first
-- (same name and definition), and this statement keeps it.
CREATE INDEX IF NOT EXISTS run_finished_root ON run (finished_at, id)
    WHERE parent_run_id IS NULL AND finished_at IS NOT NULL;
