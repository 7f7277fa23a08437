-- Identity proven by PostgreSQL: who is asking is the login PostgreSQL authenticated
-- (`session_user`), never a name the client typed, and PostgreSQL's own privileges
-- stop everything else — so every rule holds in psql with the same login too.
--
-- 1. Group roles (cluster-wide, NOLOGIN, created only when missing, like
--    invoicectl_tenant): invoicectl_operator (people and CI), invoicectl_worker
--    (worker processes), invoicectl_admin (administration), invoicectl_delegate (an
--    operator that may act for another user, e.g. a CI account).
-- 2. `app_login`: which PostgreSQL login is which app user.
-- 3. `invoicectl_session()`: the session's login, user, mode (admin / login /
--    unmapped) and groups, for `whoami` and for every check below.
-- 4. Operators hold no write privilege on any table: `export_request` (SECURITY
--    DEFINER) is their only write path for exports; it derives the requester from
--    session_user and checks membership and role inside the database. Reads are
--    SELECT grants filtered by row-level security keyed on the session's user.
-- 5. The engine's insert becomes one SQL function, `run_enqueue`, shared by the Rust
--    engine and by `export_request`; workers get no INSERT on `run` and create
--    child runs only through it, under a run that is executing.
-- 6. The audit log records the login that caused each row (`actor_login`, set by
--    the chain trigger from session_user, inside the hash). Rows written before keep
--    their canonical form and hashes.

-- Roles ---------------------------------------------------------------------------

DO $$
DECLARE
    name text;
BEGIN
    FOREACH name IN ARRAY ARRAY['invoicectl_operator', 'invoicectl_worker',
                                'invoicectl_admin', 'invoicectl_delegate'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOBYPASSRLS', name);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END;
        END IF;
    END LOOP;
END
$$;

-- A worker login must not hold the tenant role's privileges by inheritance: it takes
-- the role for one organization at a time (`SET LOCAL ROLE`, which membership
-- allows), so a worker login's own session reads no tenant table at all.
DO $$
BEGIN
    ALTER ROLE invoicectl_worker NOINHERIT;
EXCEPTION WHEN OTHERS THEN
    NULL;
END
$$;

-- Memberships between the groups are cluster-wide too: granted when missing, and a
-- concurrent migration granting the same one first is fine. A worker runs the
-- export task under the tenant role (`SET LOCAL ROLE invoicectl_tenant`); an admin
-- may do what workers and tenants do.
DO $$
DECLARE
    pair text[];
BEGIN
    FOREACH pair SLICE 1 IN ARRAY ARRAY[
        ARRAY['invoicectl_tenant', 'invoicectl_worker'],
        ARRAY['invoicectl_tenant', 'invoicectl_admin'],
        ARRAY['invoicectl_worker', 'invoicectl_admin'],
        ARRAY['invoicectl_operator', 'invoicectl_delegate']] LOOP
        IF NOT EXISTS (
            SELECT 1 FROM pg_auth_members m
            JOIN pg_roles g ON g.oid = m.roleid
            JOIN pg_roles r ON r.oid = m.member
            WHERE g.rolname = pair[1] AND r.rolname = pair[2]
        ) THEN
            BEGIN
                EXECUTE format('GRANT %I TO %I', pair[1], pair[2]);
            EXCEPTION WHEN OTHERS THEN
                NULL;
            END;
        END IF;
    END LOOP;
END
$$;

-- Login → user -----------------------------------------------------------------------

-- One login is one user; a user may have several logins (a laptop, a CI account).
-- Logins are role names, not OIDs: a login dropped from the server stays mapped
-- (`user list` says it is missing) until it is unlinked.
CREATE TABLE app_login (
    login       text COLLATE "C" PRIMARY KEY CHECK (length(login) BETWEEN 1 AND 63),
    user_id     text COLLATE "C" NOT NULL REFERENCES app_user (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX app_login_user ON app_login (user_id);

-- The invoicectl groups a role belongs to, directly or through other roles (not what
-- a superuser could SET ROLE to: that is every role).
CREATE FUNCTION invoicectl_groups(login name) RETURNS text[]
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
        WITH RECURSIVE g (oid) AS (
            SELECT m.roleid FROM pg_auth_members m
            JOIN pg_roles r ON r.oid = m.member
            WHERE r.rolname = login
            UNION
            SELECT m.roleid FROM pg_auth_members m JOIN g ON m.member = g.oid
        )
        SELECT coalesce(array_agg(r.rolname::text ORDER BY r.rolname), '{}')
        FROM pg_roles r
        WHERE r.oid IN (SELECT oid FROM g) AND r.rolname LIKE 'invoicectl\_%'
    $$;

-- Admin mode: a superuser, a member of the role owning the schema's tables (the
-- migrations' runner), or a member of invoicectl_admin.
CREATE FUNCTION invoicectl_is_admin() RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false)
            OR pg_has_role(session_user, (SELECT relowner FROM pg_class
                                          WHERE oid = 'public.export'::regclass), 'MEMBER')
            OR 'invoicectl_admin' = ANY (invoicectl_groups(session_user))
    $$;

-- Who is asking, as PostgreSQL authenticated it.
CREATE FUNCTION invoicectl_session(
    OUT login text, OUT user_id text, OUT mode text, OUT groups text[]
)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT session_user::text,
               (SELECT l.user_id FROM app_login l WHERE l.login = session_user),
               CASE WHEN invoicectl_is_admin() THEN 'admin'
                    WHEN EXISTS (SELECT 1 FROM app_login l WHERE l.login = session_user)
                        THEN 'login'
                    ELSE 'unmapped' END,
               invoicectl_groups(session_user)
    $$;

-- The organizations the session's user belongs to (any role): what row-level
-- security lets an operator read.
CREATE FUNCTION invoicectl_session_orgs() RETURNS text[]
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT coalesce(array_agg(m.organization_id::text), '{}')
        FROM app_login l JOIN member m ON m.user_id = l.user_id
        WHERE l.login = session_user
    $$;

-- Audit: the login inside the hash ----------------------------------------------------

ALTER TABLE audit_log ADD COLUMN actor_login text;

-- The canonical form grows one netstring, the login, only when a row has one: rows
-- written before this migration (actor_login NULL) keep their canonical form, so
-- their stored hashes still verify; from now on the trigger always sets it.
CREATE FUNCTION audit_canonical_login(
    id bigint, organization_id text, actor_user_id text, action text,
    subject_type text, subject_id text, payload jsonb, created_at timestamptz,
    actor_login text
) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
        SELECT audit_canonical(id, organization_id, actor_user_id, action,
                               subject_type, subject_id, payload, created_at)
            || CASE WHEN actor_login IS NULL THEN '' ELSE audit_netstring(actor_login) END
    $$;

-- As in 20261122000100_audit_follow.sql, plus: the login is the session's, whatever
-- the writer supplied, so no writer can name another login.
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

    NEW.id := nextval('audit_log_id_seq');
    NEW.created_at := now();
    NEW.payload := coalesce(NEW.payload, '{}'::jsonb);
    NEW.actor_login := session_user::text;
    NEW.prev_hash := previous;
    NEW.hash := encode(sha256(convert_to(previous || audit_canonical_login(
        NEW.id, NEW.organization_id, NEW.actor_user_id, NEW.action,
        NEW.subject_type, NEW.subject_id, NEW.payload, NEW.created_at,
        NEW.actor_login), 'UTF8')), 'hex');

    UPDATE audit_chain_head
    SET last_id = NEW.id, last_hash = NEW.hash
    WHERE chain_key = coalesce(NEW.organization_id, '');
    PERFORM pg_notify('invoicectl_audit', coalesce(NEW.organization_id, '') || ':' || NEW.id::text);
    RETURN NEW;
END
$$;

-- The engine's insert, in one place ---------------------------------------------------

-- A run id in the engine's form: `run_` and a lowercase ULID (48 bits of
-- milliseconds, 80 random bits, Crockford base32), for callers that do not bring one.
CREATE FUNCTION run_generate_id() RETURNS text
    LANGUAGE plpgsql VOLATILE
    AS $$
DECLARE
    alphabet constant text := '0123456789abcdefghjkmnpqrstvwxyz';
    ms bigint := floor(extract(epoch FROM clock_timestamp()) * 1000);
    random_bits bytea := decode(md5(gen_random_uuid()::text), 'hex');
    out text := '';
    value int;
BEGIN
    FOR i IN REVERSE 9..0 LOOP
        out := out || substr(alphabet, ((ms >> (i * 5)) & 31)::int + 1, 1);
    END LOOP;
    FOR i IN 0..15 LOOP
        value := 0;
        FOR j IN 0..4 LOOP
            value := value | (get_bit(random_bits, i * 5 + j) << j);
        END LOOP;
        out := out || substr(alphabet, value + 1, 1);
    END LOOP;
    RETURN 'run_' || out;
END
$$;

-- Inserts the run unless its idempotency key is live, makes sure its lane exists and
-- knows the run's due time, and NOTIFYs the workers (what db::runs::insert did in one
-- statement; it now calls run_insert, below). Returns whether the run was inserted.
-- Runs with the caller's privileges and is granted to nobody: the functions below
-- call it as the owner.
CREATE FUNCTION run_enqueue(
    p_id text, p_task_id text, p_payload jsonb, p_queue text, p_concurrency_key text,
    p_max_attempts integer, p_run_at timestamptz, p_idempotency_key text,
    p_idempotency_ttl_secs double precision, p_parent_run_id text, p_max_duration_ms bigint,
    p_tags text[], p_concurrency_limit integer, p_channel text
) RETURNS boolean
    LANGUAGE plpgsql SET search_path = public, pg_temp
    AS $$
DECLARE
    inserted boolean;
BEGIN
    WITH ins AS (
        INSERT INTO run (id, task_id, payload, queue, concurrency_key, status, max_attempts, run_at,
                         idempotency_key, idempotency_key_expires_at, parent_run_id, max_duration_ms, tags)
        VALUES (p_id, p_task_id, p_payload, p_queue, p_concurrency_key, 'queued', p_max_attempts,
                coalesce(p_run_at, now()), p_idempotency_key,
                now() + make_interval(secs => p_idempotency_ttl_secs), p_parent_run_id,
                p_max_duration_ms, p_tags)
        ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
        RETURNING queue, concurrency_key, run_at
    ),
    lane AS (
        -- The lane's limit follows the code's declaration, but never below what runs
        -- in it now (the CHECK would refuse it). The head cursor moves back to the new
        -- run when it sorts first.
        INSERT INTO run_lane (queue, concurrency_key, concurrency_limit, head_at, head_id)
        SELECT queue, concurrency_key, p_concurrency_limit, run_at, p_id FROM ins
        ON CONFLICT (queue, concurrency_key) DO UPDATE
        SET head_at = CASE WHEN run_lane.head_at IS NULL
                             OR (EXCLUDED.head_at, EXCLUDED.head_id)
                                < (run_lane.head_at, coalesce(run_lane.head_id, ''))
                           THEN EXCLUDED.head_at ELSE run_lane.head_at END,
            head_id = CASE WHEN run_lane.head_at IS NULL
                             OR (EXCLUDED.head_at, EXCLUDED.head_id)
                                < (run_lane.head_at, coalesce(run_lane.head_id, ''))
                           THEN EXCLUDED.head_id ELSE run_lane.head_id END,
            concurrency_limit = GREATEST(EXCLUDED.concurrency_limit, run_lane.running)
    )
    SELECT pg_notify(p_channel, queue) IS NOT NULL INTO inserted FROM ins;
    RETURN coalesce(inserted, false);
END
$$;

-- run_enqueue for the engine (db::runs::insert). SECURITY DEFINER so that a worker
-- needs no INSERT on `run`: a caller that is not an admin may only add a child to a
-- run that is executing (a task's own child, such as an export's email).
CREATE FUNCTION run_insert(
    p_id text, p_task_id text, p_payload jsonb, p_queue text, p_concurrency_key text,
    p_max_attempts integer, p_run_at timestamptz, p_idempotency_key text,
    p_idempotency_ttl_secs double precision, p_parent_run_id text, p_max_duration_ms bigint,
    p_tags text[], p_concurrency_limit integer, p_channel text
) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
BEGIN
    IF NOT invoicectl_is_admin()
       AND NOT EXISTS (SELECT 1 FROM run WHERE id = p_parent_run_id AND status = 'executing') THEN
        RAISE EXCEPTION 'login % may only trigger a child of a run that is executing', session_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN run_enqueue(p_id, p_task_id, p_payload, p_queue, p_concurrency_key, p_max_attempts,
                       p_run_at, p_idempotency_key, p_idempotency_ttl_secs, p_parent_run_id,
                       p_max_duration_ms, p_tags, p_concurrency_limit, p_channel);
END
$$;

-- The export request: the one write path of `export start` -----------------------------

-- The engine's idempotency key (engine::IdempotencyKey::create with KeyScope::Global):
-- sha256 over each part as an 8-byte big-endian length and its bytes.
CREATE FUNCTION run_idempotency_key(parts text[]) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
        SELECT encode(sha256(string_agg(int8send(octet_length(p)::bigint) || convert_to(p, 'UTF8'),
                                        ''::bytea ORDER BY n)), 'hex')
        FROM unnest(parts || ARRAY['global']) WITH ORDINALITY AS t (p, n)
    $$;

-- `export start` for every mode. `request` is a JSON object: organizationId, asUser
-- (optional), force (optional), runId and exportId (optional, ids the client made);
-- an unknown key is refused, so a newer client's field never goes unnoticed.
--
-- Who the requester is comes from the session, not the request:
-- - a login linked to a user: that user; `asUser` naming someone else is refused
--   unless the login is in invoicectl_delegate (then the audit row names both);
-- - admin mode (superuser, owner, invoicectl_admin): `asUser`, asserted;
-- - anyone else: refused.
-- Then the member gate (member or higher), the run, the export row and the audit
-- row, in the caller's transaction; a request repeating one of the same org, user
-- and UTC day returns the first run and writes nothing.
--
-- Errors: insufficient_privilege (42501) for a refusal, with DETAIL `not_member`,
-- `viewer`, `unmapped` or `not_delegate`; IV066 for an unknown organization or user
-- (DETAIL `organization` / `user`); invalid_parameter_value (22023) for a bad request.
CREATE FUNCTION export_request(request jsonb)
    RETURNS TABLE (run_id text, export_id text, organization_id text, requested_by text,
                   status text, deduplicated boolean)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    s record;
    v_org text;
    v_as text;
    v_force boolean;
    v_user text;
    v_delegated_by text;
    v_role text;
    v_day date := (now() AT TIME ZONE 'UTC')::date;
    v_key text;
    v_run text;
    v_export text;
    v_status text;
    v_attempt int := 0;
BEGIN
    IF jsonb_typeof(request) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'an export request must be a JSON object' USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_object_keys(request) k
               WHERE k NOT IN ('organizationId', 'asUser', 'force', 'runId', 'exportId')) THEN
        RAISE EXCEPTION 'an export request takes organizationId, asUser, force, runId and exportId only'
            USING ERRCODE = '22023';
    END IF;
    v_org := request->>'organizationId';
    v_as := request->>'asUser';
    v_force := coalesce((request->>'force')::boolean, false);
    v_run := coalesce(request->>'runId', run_generate_id());
    v_export := coalesce(request->>'exportId', 'exp_' || substr(run_generate_id(), 5));
    IF v_org IS NULL THEN
        RAISE EXCEPTION 'an export request needs organizationId' USING ERRCODE = '22023';
    END IF;
    IF v_run !~ '^run_[0-9a-hjkmnp-tv-z]{26}$' OR v_export !~ '^exp_[0-9a-z]{26}$' THEN
        RAISE EXCEPTION 'runId and exportId must be run_ and exp_ followed by a lowercase ULID'
            USING ERRCODE = '22023';
    END IF;

    SELECT * INTO s FROM invoicectl_session();
    IF s.mode = 'login' THEN
        IF v_as IS NULL OR v_as = s.user_id THEN
            v_user := s.user_id;
        ELSIF 'invoicectl_delegate' = ANY (s.groups) THEN
            v_user := v_as;
            v_delegated_by := s.user_id;
        ELSE
            RAISE EXCEPTION 'login % is linked to user %: it cannot act as %', s.login, s.user_id, v_as
                USING ERRCODE = 'insufficient_privilege', DETAIL = 'not_delegate',
                      HINT = 'only a login in invoicectl_delegate may act for another user';
        END IF;
    ELSIF s.mode = 'admin' THEN
        v_user := coalesce(v_as, s.user_id);
        IF v_user IS NULL THEN
            RAISE EXCEPTION 'no requester: admin login % must name the user it acts for', s.login
                USING ERRCODE = '22023';
        END IF;
    ELSE
        RAISE EXCEPTION 'login % is not linked to an invoicectl user', s.login
            USING ERRCODE = 'insufficient_privilege', DETAIL = 'unmapped';
    END IF;

    IF NOT EXISTS (SELECT 1 FROM organization o WHERE o.id = v_org) THEN
        RAISE EXCEPTION 'unknown organization %', v_org USING ERRCODE = 'IV066', DETAIL = 'organization';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM app_user u WHERE u.id = v_user) THEN
        RAISE EXCEPTION 'unknown user %', v_user USING ERRCODE = 'IV066', DETAIL = 'user';
    END IF;
    SELECT m.role INTO v_role FROM member m WHERE m.organization_id = v_org AND m.user_id = v_user;
    IF v_role IS NULL THEN
        RAISE EXCEPTION 'user % is not a member of %: only members can export its invoices', v_user, v_org
            USING ERRCODE = 'insufficient_privilege', DETAIL = 'not_member';
    ELSIF v_role = 'viewer' THEN
        RAISE EXCEPTION 'user % is a viewer of %: exporting needs role member or higher; ask an owner or admin',
            v_user, v_org
            USING ERRCODE = 'insufficient_privilege', DETAIL = 'viewer';
    END IF;

    -- The task's definition (exports::task::EXPORT_INVOICES; a test holds them equal):
    -- queue `export` with one run per organization at a time, 3 attempts, one hour.
    v_key := run_idempotency_key(ARRAY['export-invoices', v_org, v_user,
        CASE WHEN v_force THEN gen_random_uuid()::text ELSE v_day::text END]);
    LOOP
        v_attempt := v_attempt + 1;
        UPDATE run SET released_idempotency_key = idempotency_key, idempotency_key = NULL
        WHERE idempotency_key = v_key AND idempotency_key_expires_at <= now();
        IF run_enqueue(v_run, 'export-invoices',
                      jsonb_build_object('organizationId', v_org, 'requestedBy', v_user),
                      'export', v_org, 3, NULL, v_key, 86400, NULL, 3600000,
                      ARRAY['org:' || v_org], 1, 'invoicectl_runs') THEN
            EXIT;
        END IF;
        SELECT r.id, r.status INTO v_run, v_status FROM run r WHERE r.idempotency_key = v_key;
        IF FOUND THEN
            RETURN QUERY SELECT v_run, (SELECT e.id FROM export e WHERE e.run_id = v_run),
                                v_org, v_user, v_status, true;
            RETURN;
        END IF;
        IF v_attempt >= 5 THEN
            RAISE EXCEPTION 'idempotency key kept changing hands; try again' USING ERRCODE = '40001';
        END IF;
    END LOOP;

    INSERT INTO export (id, organization_id, requested_by, status, day_bucket, run_id)
    VALUES (v_export, v_org, v_user, 'queued', v_day, v_run);
    INSERT INTO audit_log (organization_id, actor_user_id, action, subject_type, subject_id, payload)
    VALUES (v_org, v_user, 'export.invoices.requested', 'export', v_run,
            jsonb_build_object('exportId', v_export, 'force', v_force)
            || CASE WHEN v_delegated_by IS NULL THEN '{}'::jsonb
                    ELSE jsonb_build_object('delegatedBy', v_delegated_by) END);
    RETURN QUERY SELECT v_run, v_export, v_org, v_user, 'queued'::text, false;
END
$$;

-- Handing out an export (`export url`, `export download`): the gate those commands
-- apply, decided here from the session — the export's requester (while a member who
-- may export) or an owner/admin of its organization; viewers get no links. A linked
-- login acts as its own user (another only as a delegate); an admin names the user.
-- Returns the user and the export's organization.
-- Errors: 42501 (DETAIL `denied`, `unmapped`, `not_delegate`), IV066 (DETAIL `run`,
-- `user`).
CREATE FUNCTION export_access_gate(p_run_id text, p_as_user text,
                                   OUT user_id text, OUT organization_id text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
#variable_conflict use_column
DECLARE
    s record;
    e record;
    v_user text;
    v_role text;
BEGIN
    SELECT * INTO s FROM invoicectl_session();
    IF s.mode = 'login' THEN
        IF p_as_user IS NULL OR p_as_user = s.user_id THEN
            v_user := s.user_id;
        ELSIF 'invoicectl_delegate' = ANY (s.groups) THEN
            v_user := p_as_user;
        ELSE
            RAISE EXCEPTION 'login % is linked to user %: it cannot act as %', s.login, s.user_id, p_as_user
                USING ERRCODE = 'insufficient_privilege', DETAIL = 'not_delegate';
        END IF;
    ELSIF s.mode = 'admin' AND p_as_user IS NOT NULL THEN
        v_user := p_as_user;
    ELSE
        RAISE EXCEPTION 'login % is not linked to an invoicectl user', s.login
            USING ERRCODE = 'insufficient_privilege', DETAIL = 'unmapped';
    END IF;
    SELECT x.organization_id, x.requested_by INTO e FROM export x WHERE x.run_id = p_run_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'run % has no export', p_run_id USING ERRCODE = 'IV066', DETAIL = 'run';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM app_user u WHERE u.id = v_user) THEN
        RAISE EXCEPTION 'unknown user %', v_user USING ERRCODE = 'IV066', DETAIL = 'user';
    END IF;
    SELECT m.role INTO v_role FROM member m
    WHERE m.organization_id = e.organization_id AND m.user_id = v_user;
    -- coalesce: with no membership the test is NULL, and IF NOT NULL would pass.
    IF NOT coalesce(v_role IN ('owner', 'admin') OR e.requested_by = v_user AND v_role = 'member', false) THEN
        RAISE EXCEPTION 'user % may not fetch the export of %: only its requester (%) or an owner or admin of % may',
            v_user, p_run_id, e.requested_by, e.organization_id
            USING ERRCODE = 'insufficient_privilege', DETAIL = 'denied';
    END IF;
    user_id := v_user;
    organization_id := e.organization_id;
END
$$;

-- Locks the export row FOR SHARE until the caller's transaction ends (`export
-- prune` then leaves it alone, or is waited for) after the gate; returns its status
-- and expiry.
CREATE FUNCTION export_hold(p_run_id text, p_as_user text, OUT status text, OUT expired_at timestamptz)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
#variable_conflict use_column
BEGIN
    PERFORM export_access_gate(p_run_id, p_as_user);
    SELECT x.status, x.expired_at INTO status, expired_at
    FROM export x WHERE x.run_id = p_run_id FOR SHARE;
END
$$;

-- The audit row of a link issued, a download, or a recorded location refused, after
-- the gate, in the caller's transaction. 22023 for any other action.
CREATE FUNCTION export_record_access(p_run_id text, p_action text, p_as_user text, p_payload jsonb)
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    g record;
    v_id bigint;
BEGIN
    IF p_action NOT IN ('export.invoices.link_issued', 'export.invoices.downloaded',
                        'export.invoices.location_refused') THEN
        RAISE EXCEPTION 'export_record_access records link_issued, downloaded or location_refused, not %',
            p_action USING ERRCODE = '22023';
    END IF;
    SELECT * INTO g FROM export_access_gate(p_run_id, p_as_user);
    INSERT INTO audit_log (organization_id, actor_user_id, action, subject_type, subject_id, payload)
    VALUES (g.organization_id, g.user_id, p_action, 'export', p_run_id, coalesce(p_payload, '{}'))
    RETURNING id INTO v_id;
    RETURN v_id;
END
$$;

-- Canceling -----------------------------------------------------------------------

-- Cancels a run and its descendants that have not ended, releasing the lanes they
-- held, their queued places and their idempotency keys, and wakes a run outside the
-- tree that was waiting on one of them (what db::runs::cancel_tree did in two
-- statements; it now calls this, and so does export_cancel). $1 the run, $2 the
-- NOTIFY channel, $3 the error code each canceled run carries. Runs with the
-- caller's privileges.
--
-- Two statements, as before: the first cancels and locks the lanes it touches; the
-- second, with a snapshot taken after those locks (PL/pgSQL takes one per statement
-- under READ COMMITTED), moves the heads of lanes that lost a queued run to their
-- first queued run — searching from the first statement's snapshot would miss a run
-- whose trigger committed meanwhile and strand it.
CREATE FUNCTION run_cancel_tree(text, text, text)
    RETURNS TABLE (id text, task_id text, payload jsonb, previous_status text, queue text,
                   concurrency_key text, woke_parent boolean)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
    rec record;
    lane_queues text[] := '{}';
    lane_keys text[] := '{}';
BEGIN
    FOR rec IN
        WITH RECURSIVE tree AS (
            SELECT id FROM run WHERE id = $1
            UNION ALL
            SELECT c.id FROM run c JOIN tree t ON c.parent_run_id = t.id
         ),
         target AS (
            SELECT r.id, r.status AS previous_status, r.queue, r.concurrency_key
            FROM run r JOIN tree USING (id)
            WHERE r.status IN ('queued', 'executing', 'waiting')
            ORDER BY r.id
            FOR UPDATE OF r
         ),
         canceled AS (
            UPDATE run r SET status = 'canceled', finished_at = now(), updated_at = now(),
                   lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
                   waiting_on_run_id = NULL,
                   released_idempotency_key = r.idempotency_key, idempotency_key = NULL,
                   error = jsonb_build_object('code', $3::text, 'message', 'canceled by an operator')
            FROM target t WHERE r.id = t.id
            RETURNING r.id, r.task_id, r.payload, t.previous_status, t.queue, t.concurrency_key
         ),
         lanes AS (
            SELECT queue, concurrency_key,
                   count(*) FILTER (WHERE previous_status IN ('executing', 'waiting')) AS held
            FROM canceled GROUP BY queue, concurrency_key
         ),
         lane_update AS (
            -- Only the counter moves here, but every touched lane is locked: the
            -- heads move in a second statement (see `refresh_heads`).
            UPDATE run_lane l
            SET running = l.running - lanes.held
            FROM lanes
            WHERE l.queue = lanes.queue AND l.concurrency_key = lanes.concurrency_key
         ),
         wake AS (
            -- As in `finish`: the parent resumes (it kept its lane) and replays its
            -- steps to the child's canceled Result. Runs of the tree are canceled
            -- above, never woken.
            UPDATE run p SET waiting_on_run_id = NULL, run_at = now(), updated_at = now()
            FROM canceled c
            WHERE p.waiting_on_run_id = c.id AND p.status = 'waiting'
              AND p.id NOT IN (SELECT id FROM tree)
            RETURNING c.id AS child_id, p.queue
         ),
         notified AS (
            -- A cancel comes from another process: tell the workers now rather than
            -- at their next poll.
            SELECT count(pg_notify($2, queue)) AS n FROM wake
         )
         SELECT c.id, c.task_id, c.payload, c.previous_status, c.queue, c.concurrency_key,
                EXISTS (SELECT 1 FROM wake w WHERE w.child_id = c.id) AS woke_parent
         FROM canceled c CROSS JOIN notified
    LOOP
        id := rec.id;
        task_id := rec.task_id;
        payload := rec.payload;
        previous_status := rec.previous_status;
        queue := rec.queue;
        concurrency_key := rec.concurrency_key;
        woke_parent := rec.woke_parent;
        RETURN NEXT;
        IF rec.previous_status = 'queued' THEN
            lane_queues := lane_queues || rec.queue;
            lane_keys := lane_keys || rec.concurrency_key;
        END IF;
    END LOOP;
    IF cardinality(lane_queues) > 0 THEN
        WITH lanes AS (
            SELECT DISTINCT l.queue, l.concurrency_key,
                   coalesce(l.head_at, '-infinity') AS head_at, coalesce(l.head_id, '') AS head_id
            FROM unnest(lane_queues, lane_keys) AS t (q, k)
            JOIN run_lane l ON l.queue = t.q AND l.concurrency_key = t.k
        )
        UPDATE run_lane l SET head_at = next.run_at, head_id = next.id
        FROM lanes
        LEFT JOIN LATERAL (
            SELECT r.run_at, r.id FROM run r
            WHERE r.queue = lanes.queue AND r.concurrency_key = lanes.concurrency_key
              AND (r.run_at, r.id) >= (lanes.head_at, lanes.head_id)
              AND r.status = 'queued'
            ORDER BY r.run_at, r.id
            LIMIT 1
        ) next ON true
        WHERE l.queue = lanes.queue AND l.concurrency_key = lanes.concurrency_key;
    END IF;
END
$$;

-- `export cancel` for every mode: who may cancel is decided here, from the session.
-- - a linked login: its own user (another only as a delegate), and only an export's
--   run or one of its children, of which that user is the requester (while still a
--   member) or an owner/admin of the organization;
-- - admin mode: any run; `p_as_user` (may be NULL: the system) is the audit actor;
-- - anyone else: refused.
-- Then the tree is canceled, the export marked canceled (its own run) and the
-- organization's audit row written (`canceled`, or `child_canceled` for a child),
-- in the caller's transaction.
-- Errors: 42501 (DETAIL `denied`, `unmapped`, `not_delegate`), IV066 (DETAIL `run`,
-- `user`), IV065 (DETAIL the status) when the run already ended.
CREATE FUNCTION export_cancel(p_run_id text, p_as_user text)
    RETURNS TABLE (id text, task_id text, previous_status text)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    s record;
    e record;
    v_user text;
    v_root text;
    v_role text;
    v_status text;
    v_prev text;
    v_task text;
    v_count int;
    v_ids text[];
    v_tasks text[];
    v_prevs text[];
BEGIN
    SELECT * INTO s FROM invoicectl_session();
    WITH RECURSIVE up AS (
        SELECT r.id, r.parent_run_id FROM run r WHERE r.id = p_run_id
        UNION ALL
        SELECT r.id, r.parent_run_id FROM run r JOIN up ON r.id = up.parent_run_id
    )
    SELECT up.id INTO v_root FROM up WHERE up.parent_run_id IS NULL;
    IF v_root IS NULL THEN
        RAISE EXCEPTION 'run % does not exist', p_run_id USING ERRCODE = 'IV066', DETAIL = 'run';
    END IF;
    SELECT x.id, x.organization_id, x.requested_by INTO e FROM export x WHERE x.run_id = v_root;

    IF s.mode = 'admin' THEN
        v_user := p_as_user;
    ELSIF s.mode = 'login' THEN
        IF p_as_user IS NULL OR p_as_user = s.user_id THEN
            v_user := s.user_id;
        ELSIF 'invoicectl_delegate' = ANY (s.groups) THEN
            v_user := p_as_user;
        ELSE
            RAISE EXCEPTION 'login % is linked to user %: it cannot act as %', s.login, s.user_id, p_as_user
                USING ERRCODE = 'insufficient_privilege', DETAIL = 'not_delegate';
        END IF;
        IF e.id IS NULL THEN
            RAISE EXCEPTION 'run % is not an export''s: only an admin login may cancel it', p_run_id
                USING ERRCODE = 'insufficient_privilege', DETAIL = 'denied';
        END IF;
        SELECT m.role INTO v_role FROM member m
        WHERE m.organization_id = e.organization_id AND m.user_id = v_user;
        -- coalesce: with no membership the test is NULL, and IF NOT NULL would pass.
        IF NOT coalesce(v_role IN ('owner', 'admin') OR e.requested_by = v_user AND v_role IS NOT NULL, false) THEN
            RAISE EXCEPTION 'user % may not cancel the export of %: only its requester (%) or an owner or admin of % may',
                v_user, v_root, e.requested_by, e.organization_id
                USING ERRCODE = 'insufficient_privilege', DETAIL = 'denied';
        END IF;
    ELSE
        RAISE EXCEPTION 'login % is not linked to an invoicectl user', s.login
            USING ERRCODE = 'insufficient_privilege', DETAIL = 'unmapped';
    END IF;
    IF v_user IS NOT NULL AND NOT EXISTS (SELECT 1 FROM app_user u WHERE u.id = v_user) THEN
        RAISE EXCEPTION 'unknown user %', v_user USING ERRCODE = 'IV066', DETAIL = 'user';
    END IF;

    SELECT array_agg(c.id ORDER BY c.id), array_agg(c.task_id ORDER BY c.id),
           array_agg(c.previous_status ORDER BY c.id)
    INTO v_ids, v_tasks, v_prevs
    FROM run_cancel_tree(p_run_id, 'invoicectl_runs', 'canceled') c;
    v_count := coalesce(cardinality(v_ids), 0);
    IF v_count = 0 THEN
        SELECT r.status INTO v_status FROM run r WHERE r.id = p_run_id;
        RAISE EXCEPTION 'run % already ended (%)', p_run_id, v_status
            USING ERRCODE = 'IV065', DETAIL = v_status;
    END IF;
    v_prev := v_prevs[array_position(v_ids, p_run_id)];
    v_task := v_tasks[array_position(v_ids, p_run_id)];

    IF e.id IS NOT NULL THEN
        IF v_root = p_run_id THEN
            UPDATE export x SET status = 'canceled', error = 'canceled by an operator', completed_at = now()
            WHERE x.run_id = p_run_id AND x.status IN ('queued', 'running');
            INSERT INTO audit_log (organization_id, actor_user_id, action, subject_type, subject_id, payload)
            VALUES (e.organization_id, v_user, 'export.invoices.canceled', 'export', v_root,
                    jsonb_build_object('exportId', e.id, 'previousStatus', v_prev,
                                       'canceledRuns', v_count));
        ELSE
            INSERT INTO audit_log (organization_id, actor_user_id, action, subject_type, subject_id, payload)
            VALUES (e.organization_id, v_user, 'export.invoices.child_canceled', 'export', v_root,
                    jsonb_build_object('exportId', e.id, 'canceledRunId', p_run_id,
                                       'canceledTaskId', v_task, 'previousStatus', v_prev,
                                       'canceledRuns', v_count));
        END IF;
    END IF;
    RETURN QUERY SELECT u.id, u.task_id, u.prev FROM unnest(v_ids, v_tasks, v_prevs) AS u (id, task_id, prev);
END
$$;

-- Linking logins (admin only, audited in the system chain) ---------------------------

-- Links `p_login` to `p_user` and grants it invoicectl_operator when it lacks it.
-- Errors: IV066 (DETAIL `login` / `user`) for an unknown one, 23505 when the login
-- is linked to another user, 42501 for a caller that is not an admin.
CREATE FUNCTION user_link(p_login text, p_user text) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    existing text;
    granted boolean := false;
BEGIN
    IF NOT invoicectl_is_admin() THEN
        RAISE EXCEPTION 'only an admin login may link logins (login % is not one)', session_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_login AND rolcanlogin) THEN
        RAISE EXCEPTION 'unknown login %', p_login USING ERRCODE = 'IV066', DETAIL = 'login';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM app_user WHERE id = p_user) THEN
        RAISE EXCEPTION 'unknown user %', p_user USING ERRCODE = 'IV066', DETAIL = 'user';
    END IF;
    SELECT user_id INTO existing FROM app_login WHERE login = p_login FOR UPDATE;
    IF existing IS NOT NULL AND existing <> p_user THEN
        RAISE EXCEPTION 'login % is already linked to user %: unlink it first', p_login, existing
            USING ERRCODE = 'unique_violation', DETAIL = existing;
    END IF;
    IF NOT 'invoicectl_operator' = ANY (invoicectl_groups(p_login::name)) THEN
        EXECUTE format('GRANT invoicectl_operator TO %I', p_login);
        granted := true;
    END IF;
    IF existing IS NULL THEN
        INSERT INTO app_login (login, user_id) VALUES (p_login, p_user);
        INSERT INTO audit_log (organization_id, actor_user_id, action, subject_type, subject_id, payload)
        VALUES (NULL, (SELECT user_id FROM app_login WHERE login = session_user),
                'user.login.linked', 'login', p_login,
                jsonb_build_object('userId', p_user, 'grantedOperator', granted));
    END IF;
    RETURN existing IS NULL;
END
$$;

-- Unlinks `p_login`; returns the user it was linked to (NULL: it was not linked). The
-- login keeps its roles: revoking invoicectl_operator is the DBA's call.
CREATE FUNCTION user_unlink(p_login text) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    was text;
BEGIN
    IF NOT invoicectl_is_admin() THEN
        RAISE EXCEPTION 'only an admin login may unlink logins (login % is not one)', session_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    DELETE FROM app_login WHERE login = p_login RETURNING user_id INTO was;
    IF was IS NOT NULL THEN
        INSERT INTO audit_log (organization_id, actor_user_id, action, subject_type, subject_id, payload)
        VALUES (NULL, (SELECT user_id FROM app_login WHERE login = session_user),
                'user.login.unlinked', 'login', p_login, jsonb_build_object('userId', was));
    END IF;
    RETURN was;
END
$$;

-- Row-level security by role ---------------------------------------------------------

-- The tenant policies were written for invoicectl_tenant; as PUBLIC policies they
-- would also let any login with a SELECT grant read another organization's rows by
-- setting app.org_id. They apply to the tenant role only from now on.
ALTER POLICY tenant_isolation ON organization TO invoicectl_tenant;
ALTER POLICY tenant_isolation ON member TO invoicectl_tenant;
ALTER POLICY tenant_members_only ON app_user TO invoicectl_tenant;
ALTER POLICY tenant_isolation ON invoice TO invoicectl_tenant;
ALTER POLICY tenant_isolation ON export TO invoicectl_tenant;
ALTER POLICY tenant_isolation ON audit_log TO invoicectl_tenant;

ALTER TABLE run ENABLE ROW LEVEL SECURITY;
ALTER TABLE run_step ENABLE ROW LEVEL SECURITY;
ALTER TABLE run_lane ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_chain_head ENABLE ROW LEVEL SECURITY;
ALTER TABLE app_login ENABLE ROW LEVEL SECURITY;

-- Operators read their own organizations' rows (any role in them: viewers too) and
-- nothing else; they never read invoices (the CSV is the worker's job).
CREATE POLICY operator_reads ON organization FOR SELECT TO invoicectl_operator
    USING (id = ANY ((SELECT invoicectl_session_orgs())::text[]));
CREATE POLICY operator_reads ON member FOR SELECT TO invoicectl_operator
    USING (organization_id = ANY ((SELECT invoicectl_session_orgs())::text[]));
CREATE POLICY operator_reads ON app_user FOR SELECT TO invoicectl_operator
    USING (EXISTS (SELECT 1 FROM member m
                   WHERE m.user_id = app_user.id
                     AND m.organization_id = ANY ((SELECT invoicectl_session_orgs())::text[])));
CREATE POLICY operator_reads ON export FOR SELECT TO invoicectl_operator
    USING (organization_id = ANY ((SELECT invoicectl_session_orgs())::text[]));
CREATE POLICY operator_reads ON audit_log FOR SELECT TO invoicectl_operator
    USING (organization_id = ANY ((SELECT invoicectl_session_orgs())::text[]));
CREATE POLICY operator_reads ON audit_chain_head FOR SELECT TO invoicectl_operator
    USING (chain_key = ANY ((SELECT invoicectl_session_orgs())::text[]));
-- A run is an export's (its export row names it) or a child of one.
CREATE POLICY operator_reads ON run FOR SELECT TO invoicectl_operator
    USING (EXISTS (SELECT 1 FROM export e WHERE e.run_id = coalesce(run.parent_run_id, run.id)));
CREATE POLICY operator_reads ON run_step FOR SELECT TO invoicectl_operator
    USING (EXISTS (SELECT 1 FROM run r WHERE r.id = run_step.run_id));
CREATE POLICY operator_reads ON run_lane FOR SELECT TO invoicectl_operator
    USING (concurrency_key = ANY ((SELECT invoicectl_session_orgs())::text[]));
CREATE POLICY operator_reads ON app_login FOR SELECT TO invoicectl_operator
    USING (login = session_user);

-- Workers run any run; admins see and change everything.
CREATE POLICY worker_runs ON run TO invoicectl_worker USING (true) WITH CHECK (true);
CREATE POLICY worker_runs ON run_step TO invoicectl_worker USING (true) WITH CHECK (true);
CREATE POLICY worker_runs ON run_lane TO invoicectl_worker USING (true) WITH CHECK (true);
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['organization', 'member', 'app_user', 'invoice', 'export',
                             'audit_log', 'audit_chain_head', 'run', 'run_step', 'run_lane',
                             'app_login'] LOOP
        EXECUTE format('CREATE POLICY admin_all ON %I TO invoicectl_admin USING (true) WITH CHECK (true)', t);
    END LOOP;
END
$$;

-- Grants -----------------------------------------------------------------------------

-- Functions are executable by PUBLIC unless revoked: each is granted below, role by
-- role (trigger functions need no grant to fire).
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;

GRANT USAGE ON SCHEMA public TO invoicectl_operator, invoicectl_worker, invoicectl_admin;
-- Every command checks the schema version first, and any login may ask who it is
-- (`whoami`, and the refusal that names the fix); export_request refuses whoever it
-- must itself.
GRANT SELECT ON _sqlx_migrations TO PUBLIC;
GRANT EXECUTE ON FUNCTION invoicectl_session(), export_request(jsonb) TO PUBLIC;

-- Operators: reads filtered above, writes only through functions.
GRANT SELECT ON organization, member, app_user, export, audit_log, audit_chain_head,
                run, run_step, run_lane, app_login
    TO invoicectl_operator;
GRANT EXECUTE ON FUNCTION invoicectl_session(), invoicectl_session_orgs(),
                          invoicectl_groups(name), invoicectl_is_admin(),
                          export_request(jsonb), export_record_access(text, text, text, jsonb),
                          export_hold(text, text),
                          export_cancel(text, text)
    TO invoicectl_operator, invoicectl_worker, invoicectl_admin;

-- Workers: the engine's tables (no INSERT on run: children through run_insert), the
-- tenant role for an organization's rows, the suppression list.
GRANT SELECT, UPDATE, DELETE ON run TO invoicectl_worker;
GRANT SELECT, INSERT, UPDATE, DELETE ON run_lane, run_step TO invoicectl_worker;
GRANT SELECT ON email_suppression TO invoicectl_worker;
GRANT EXECUTE ON FUNCTION run_insert(text, text, jsonb, text, text, integer, timestamptz, text,
                                     double precision, text, bigint, text[], integer, text),
                          current_org_id()
    TO invoicectl_worker, invoicectl_admin;
GRANT EXECUTE ON FUNCTION current_org_id() TO invoicectl_tenant;

-- Admins: everything a table owner does with rows (DDL stays with the owner).
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO invoicectl_admin;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO invoicectl_admin;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO invoicectl_admin;
