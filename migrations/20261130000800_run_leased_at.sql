-- When the current lease was taken (by a claim, or by resuming a waiting parent), so
-- that `export queue` can say since when a worker has held a run: `started_at` is the
-- first attempt's start and `lease_expires_at` moves with every heartbeat. Meaningful
-- only while the run is executing; NULL for leases taken before this migration.
ALTER TABLE run ADD COLUMN leased_at timestamptz;
