-- An export that `export prune` expired (its file deleted) now marks its run too:
-- `metadata.expiredAt`, and the run gives up its idempotency key, so the same
-- organization, requester and day asks for a new export instead of getting back one
-- whose file is gone. Exports pruned before this version get the same here.
UPDATE run
SET metadata = run.metadata || jsonb_build_object('expiredAt',
        to_char(export.expired_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
    released_idempotency_key = coalesce(run.idempotency_key, run.released_idempotency_key),
    idempotency_key = NULL
FROM export
WHERE export.run_id = run.id
  AND export.status = 'expired'
  AND run.status = 'completed'
  AND NOT run.metadata ? 'expiredAt';
