-- No query reads `run_tags` (runs are never looked up by tag; `export status` reads a
-- run's tags from its row), yet every trigger paid for it: a GIN index gets an entry
-- per tag, or a placeholder entry for a run without tags, in the same statement as
-- the run. Batch enqueue spends its time inserting into `run` and its indexes
-- (BENCHMARKS.md), so an index nothing reads goes. A future filter by tag can add a
-- partial index over the runs that have tags.
DROP INDEX IF EXISTS run_tags;
