-- A lane's head becomes a keyset cursor (head_at, head_id): the (run_at, id) of its
-- first queued run, or a position at or before it. Claims start their index scan at
-- the cursor instead of at the start of the lane, so they no longer walk over the
-- index entries left by the lane's already-claimed runs (which made a long
-- single-lane backlog slower with every run).
ALTER TABLE run_lane ADD COLUMN head_id text COLLATE "C";
