-- Audit log, second step: chain-ordered reads and database-clock timestamps.
--
-- 1. `audit tail --follow` keeps one cursor per chain and `audit verify` walks each
--    chain in id order; both select rows by chain key (`''` for the system chain),
--    so index exactly that expression.
-- 2. The chain trigger no longer accepts a writer-supplied `created_at`: like `id`,
--    `prev_hash` and `hash`, the timestamp is set by the database (the transaction's
--    `now()`), so no writer can backdate an entry or store a time (`infinity`) that
--    the tool cannot read back. The function is otherwise unchanged from
--    20261122000001_schema.sql.

CREATE INDEX audit_log_chain_id ON audit_log ((coalesce(organization_id, '')), id);

CREATE OR REPLACE FUNCTION audit_log_chain() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    previous text;
BEGIN
    INSERT INTO audit_chain_head (chain_key, last_id, last_hash)
    VALUES (coalesce(NEW.organization_id, ''), NULL, repeat('0', 64))
    ON CONFLICT (chain_key) DO NOTHING;

    SELECT last_hash INTO previous
    FROM audit_chain_head
    WHERE chain_key = coalesce(NEW.organization_id, '')
    FOR UPDATE;

    -- Ids are taken under the chain lock, so within one organization id order is
    -- chain order and commit order (tail --follow relies on it).
    NEW.id := nextval('audit_log_id_seq');
    NEW.created_at := now();
    NEW.payload := coalesce(NEW.payload, '{}'::jsonb);
    NEW.prev_hash := previous;
    NEW.hash := encode(sha256(convert_to(previous || audit_canonical(
        NEW.id, NEW.organization_id, NEW.actor_user_id, NEW.action,
        NEW.subject_type, NEW.subject_id, NEW.payload, NEW.created_at), 'UTF8')), 'hex');

    UPDATE audit_chain_head
    SET last_id = NEW.id, last_hash = NEW.hash
    WHERE chain_key = coalesce(NEW.organization_id, '');
    PERFORM pg_notify('invoicectl_audit', coalesce(NEW.organization_id, '') || ':' || NEW.id::text);
    RETURN NEW;
END
$$;
