-- invoicectl schema: tenants, invoices, exports, the audit log and the run engine.
--
-- Ids are text with byte-order collation ("C") so that keyset pagination, run ids
-- (ULIDs) and CSV row order agree with plain byte order on every server locale.

-- The tenant role is cluster-wide: several databases on one server (one per test,
-- one per environment) share it, so create it only when missing and tolerate a
-- concurrent migration creating it first.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'invoicectl_tenant') THEN
        BEGIN
            CREATE ROLE invoicectl_tenant NOLOGIN NOSUPERUSER NOBYPASSRLS;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    -- A non-superuser owner must be a member to `SET LOCAL ROLE` to it.
    BEGIN
        EXECUTE format('GRANT invoicectl_tenant TO %I', current_user);
    EXCEPTION WHEN OTHERS THEN
        NULL;
    END;
END
$$;

CREATE FUNCTION current_org_id() RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('app.org_id', true), '') $$;

CREATE TABLE organization (
    id          text COLLATE "C" PRIMARY KEY
                CHECK (id ~ '^org_[A-Za-z0-9]+$' AND length(id) <= 64),
    name        text NOT NULL CHECK (length(name) > 0),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE app_user (
    id          text COLLATE "C" PRIMARY KEY
                CHECK (id ~ '^user_[A-Za-z0-9]+$' AND length(id) <= 64),
    email       text NOT NULL UNIQUE,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE member (
    organization_id text COLLATE "C" NOT NULL REFERENCES organization (id),
    user_id         text COLLATE "C" NOT NULL REFERENCES app_user (id),
    role            text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX member_user ON member (user_id);

CREATE TABLE invoice (
    id              text COLLATE "C" PRIMARY KEY,
    organization_id text COLLATE "C" NOT NULL REFERENCES organization (id),
    number          text NOT NULL,
    customer_name   text NOT NULL,
    customer_email  text,
    currency        text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    amount_cents    bigint NOT NULL,
    status          text NOT NULL CHECK (status IN ('draft', 'open', 'paid', 'void', 'uncollectible')),
    issued_at       timestamptz NOT NULL,
    due_at          timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
-- Keyset pagination of one org's invoices: WHERE organization_id = $1 AND id > $cursor ORDER BY id.
CREATE UNIQUE INDEX invoice_org_keyset ON invoice (organization_id, id);

CREATE TABLE export (
    id              text COLLATE "C" PRIMARY KEY,
    organization_id text COLLATE "C" NOT NULL REFERENCES organization (id),
    requested_by    text COLLATE "C" NOT NULL REFERENCES app_user (id),
    status          text NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'canceled')),
    day_bucket      date NOT NULL,
    run_id          text COLLATE "C" NOT NULL UNIQUE,
    row_count       bigint,
    download_url    text,
    error           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz
);
CREATE INDEX export_org_recent ON export (organization_id, created_at DESC);

CREATE TABLE email_suppression (
    email       text PRIMARY KEY CHECK (email = lower(email)),
    reason      text NOT NULL CHECK (reason IN ('bounce', 'complaint', 'unsubscribe')),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Audit log -------------------------------------------------------------------

-- organization_id is NULL for system-wide entries (e.g. the email suppression list,
-- which belongs to no tenant); those are chained on their own and invisible to tenants.
CREATE TABLE audit_log (
    id              bigint PRIMARY KEY,
    organization_id text COLLATE "C" REFERENCES organization (id),
    actor_user_id   text COLLATE "C",
    action          text NOT NULL CHECK (length(action) > 0),
    subject_type    text NOT NULL,
    subject_id      text NOT NULL,
    payload         jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    prev_hash       text NOT NULL,
    hash            text NOT NULL
);
CREATE SEQUENCE audit_log_id_seq OWNED BY audit_log.id;
-- audit tail: newest N overall, per org, per action.
CREATE INDEX audit_log_org_id ON audit_log (organization_id, id);
CREATE INDEX audit_log_action_id ON audit_log (action, id);
CREATE INDEX audit_log_created ON audit_log (created_at);

-- The head of each organization's hash chain ('' for the system-wide chain). The
-- insert trigger locks this row, so concurrent appends for one chain are serialized
-- and can never fork it.
CREATE TABLE audit_chain_head (
    chain_key       text COLLATE "C" PRIMARY KEY,
    last_id         bigint,
    last_hash       text NOT NULL
);

-- Canonical form of an audit row (documented in README, mirrored by audit::chain):
-- each field as a netstring `<byte length>:<bytes>,` in this order (NULL → `-1:,`):
--   id, organization_id, actor_user_id, action,
--   subject_type, subject_id, payload::text (PostgreSQL's jsonb text form),
--   created_at as UTC `YYYY-MM-DDTHH:MI:SS.USZ`
-- and hash = hex(sha256(prev_hash || canonical)), prev_hash of the first row being
-- 64 zeros.
CREATE FUNCTION audit_netstring(value text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
        SELECT CASE WHEN value IS NULL THEN '-1:,'
                    ELSE octet_length(value)::text || ':' || value || ',' END
    $$;

CREATE FUNCTION audit_canonical(
    id bigint, organization_id text, actor_user_id text, action text,
    subject_type text, subject_id text, payload jsonb, created_at timestamptz
) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
        SELECT audit_netstring(id::text)
            || audit_netstring(organization_id)
            || audit_netstring(actor_user_id)
            || audit_netstring(action)
            || audit_netstring(subject_type)
            || audit_netstring(subject_id)
            || audit_netstring(payload::text)
            || audit_netstring(to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
    $$;

-- SECURITY DEFINER: the tenant role may INSERT into audit_log but must not touch the
-- chain heads directly.
CREATE FUNCTION audit_log_chain() RETURNS trigger
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
    NEW.created_at := coalesce(NEW.created_at, now());
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

CREATE FUNCTION audit_log_reject_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_chain();
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_reject_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_reject_change();

-- Row-level security ---------------------------------------------------------------

ALTER TABLE organization ENABLE ROW LEVEL SECURITY;
ALTER TABLE member ENABLE ROW LEVEL SECURITY;
ALTER TABLE app_user ENABLE ROW LEVEL SECURITY;
ALTER TABLE invoice ENABLE ROW LEVEL SECURITY;
ALTER TABLE export ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant_isolation ON organization
    USING (id = current_org_id());
CREATE POLICY tenant_isolation ON member
    USING (organization_id = current_org_id())
    WITH CHECK (organization_id = current_org_id());
-- A tenant sees only the users who are members of its organization.
CREATE POLICY tenant_members_only ON app_user
    USING (EXISTS (SELECT 1 FROM member m
                   WHERE m.user_id = app_user.id AND m.organization_id = current_org_id()));
CREATE POLICY tenant_isolation ON invoice
    USING (organization_id = current_org_id())
    WITH CHECK (organization_id = current_org_id());
CREATE POLICY tenant_isolation ON export
    USING (organization_id = current_org_id())
    WITH CHECK (organization_id = current_org_id());
CREATE POLICY tenant_isolation ON audit_log
    USING (organization_id = current_org_id())
    WITH CHECK (organization_id = current_org_id());

GRANT USAGE ON SCHEMA public TO invoicectl_tenant;
GRANT SELECT ON organization, app_user, member TO invoicectl_tenant;
GRANT SELECT, INSERT ON invoice TO invoicectl_tenant;
GRANT SELECT, INSERT, UPDATE ON export TO invoicectl_tenant;
GRANT SELECT, INSERT ON audit_log TO invoicectl_tenant;
GRANT SELECT ON email_suppression TO invoicectl_tenant;
GRANT EXECUTE ON FUNCTION current_org_id() TO invoicectl_tenant;

-- Run engine -------------------------------------------------------------------------

CREATE TABLE run (
    id                          text COLLATE "C" PRIMARY KEY,
    task_id                     text NOT NULL,
    payload                     jsonb NOT NULL,
    queue                       text NOT NULL,
    concurrency_key             text COLLATE "C" NOT NULL DEFAULT '',
    status                      text NOT NULL
                                CHECK (status IN ('queued', 'executing', 'waiting', 'completed', 'failed', 'canceled')),
    attempt                     integer NOT NULL DEFAULT 0,
    max_attempts                integer NOT NULL CHECK (max_attempts >= 1),
    -- When the run is next due: its delay, or its next retry.
    run_at                      timestamptz NOT NULL DEFAULT now(),
    lease_owner                 text,
    -- Fencing token: every claim gets a new one and every write by the task checks it.
    lease_token                 text,
    lease_expires_at            timestamptz,
    idempotency_key             text,
    idempotency_key_expires_at  timestamptz,
    -- A failed or canceled run gives its key up (moved here) so the next trigger runs anew.
    released_idempotency_key    text,
    parent_run_id               text COLLATE "C" REFERENCES run (id),
    -- Set while the run is `waiting` on this child; cleared when the child ends.
    waiting_on_run_id           text COLLATE "C",
    max_duration_ms             bigint,
    metadata                    jsonb NOT NULL DEFAULT '{}'::jsonb,
    output                      jsonb,
    error                       jsonb,
    tags                        text[] NOT NULL DEFAULT '{}',
    created_at                  timestamptz NOT NULL DEFAULT now(),
    started_at                  timestamptz,
    finished_at                 timestamptz,
    updated_at                  timestamptz NOT NULL DEFAULT now()
);
-- Race-proof idempotency: a live key is unique, ON CONFLICT finds the winner.
CREATE UNIQUE INDEX run_idempotency_key ON run (idempotency_key) WHERE idempotency_key IS NOT NULL;
-- The head of a lane: its oldest due queued run. Only queued runs are indexed, so the
-- claim never reads finished runs.
CREATE INDEX run_lane_head ON run (queue, concurrency_key, run_at, id) WHERE status = 'queued';
-- Expired leases (takeover) and resumable parents.
CREATE INDEX run_lease_expiry ON run (lease_expires_at) WHERE status = 'executing';
CREATE INDEX run_resumable ON run (run_at) WHERE status = 'waiting' AND waiting_on_run_id IS NULL;
CREATE INDEX run_parent ON run (parent_run_id) WHERE parent_run_id IS NOT NULL;
CREATE INDEX run_tags ON run USING gin (tags);

-- One row per (queue, concurrency key). `running` counts runs that hold the lane
-- (executing, or waiting on a child); the CHECK makes PostgreSQL itself refuse a
-- claim past the queue's limit, whatever a worker believes.
CREATE TABLE run_lane (
    queue               text NOT NULL,
    concurrency_key     text COLLATE "C" NOT NULL,
    concurrency_limit   integer NOT NULL CHECK (concurrency_limit >= 1),
    running             integer NOT NULL DEFAULT 0,
    -- run_at of the lane's oldest queued run; NULL when nothing is queued.
    head_at             timestamptz,
    PRIMARY KEY (queue, concurrency_key),
    CHECK (running >= 0 AND running <= concurrency_limit)
);
CREATE INDEX run_lane_ready ON run_lane (head_at)
    WHERE head_at IS NOT NULL AND running < concurrency_limit;

-- Durable steps: a finished step's output, or a running step's checkpoint.
CREATE TABLE run_step (
    run_id          text COLLATE "C" NOT NULL REFERENCES run (id) ON DELETE CASCADE,
    name            text NOT NULL,
    output          jsonb,
    checkpoint      jsonb,
    completed_at    timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, name)
);
