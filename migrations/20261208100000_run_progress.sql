-- What a takeover needs to tell a lost attempt that got somewhere from one that did
-- not (docs/faults.md, "Lost workers"):
--   progressed_at  when a step or checkpoint of the run last committed (set by the
--                  fenced write that commits with it, so only the lease holder's);
--                  a lost attempt made progress when it is at or after `leased_at`.
--   lost_attempts  lost attempts in a row that made no progress (reset by progress):
--                  the bound that still fails a run whose worker dies at once, every
--                  time (a crash loop), after `max_attempts` of them.
ALTER TABLE run ADD COLUMN progressed_at timestamptz,
                ADD COLUMN lost_attempts integer NOT NULL DEFAULT 0;
