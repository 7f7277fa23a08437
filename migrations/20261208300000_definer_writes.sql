-- Scoped starts, schedules, retries and pauses written by SECURITY DEFINER functions,
-- so a login linked to a user may use them under the rules of an unscoped `export
-- start` (20261207400000_identity.sql) and nobody holding the same login in psql can
-- go around them: the linked login still holds no write privilege on any table.
--
-- Every function below decides who acts from the session, never from a field the
-- client typed (a linked login acts as its own user, another only as a delegate; an
-- admin asserts the user), checks the member gate or the owner-or-admin rule inside,
-- validates its input strictly and writes its audit rows in the caller's transaction.
--
-- 1. `export_request` takes a `scope` (its payload form); the deduplication key is
--    (organization, requester, UTC day, scope) as the client computed it before.
-- 2. `export_retry`, `export_schedule_add`, `export_schedule_change`, `export_pause`
--    and `export_resume` for people (operators and admins).
-- 3. `export_scheduler_pass`, `export_schedule_due` and `export_schedule_fire` for
--    workers, which hold no privilege on the schedule tables: the owner's membership
--    is checked again at each tick, inside the database.
-- 4. Operators read their organizations' schedules; admins change everything.

-- Shared checks (granted to nobody: the functions below call them as the owner) -------

-- Who acts: the rules of export_request. A linked login is its user (`p_as_user`
-- naming someone else only for a delegate, then `delegated_by` names the login's
-- user); an admin asserts `p_as_user` (or its own linked user); anyone else is
-- refused. Errors: 42501 (DETAIL `not_delegate`, `unmapped`), 22023 (no requester).
CREATE FUNCTION export_actor(p_as_user text, OUT user_id text, OUT delegated_by text)
    LANGUAGE plpgsql STABLE SET search_path = public, pg_temp
    AS $$
#variable_conflict use_variable
DECLARE
    s record;
BEGIN
    SELECT * INTO s FROM invoicectl_session();
    IF s.mode = 'login' THEN
        IF p_as_user IS NULL OR p_as_user = s.user_id THEN
            user_id := s.user_id;
        ELSIF 'invoicectl_delegate' = ANY (s.groups) THEN
            user_id := p_as_user;
            delegated_by := s.user_id;
        ELSE
            RAISE EXCEPTION 'login % is linked to user %: it cannot act as %', s.login, s.user_id, p_as_user
                USING ERRCODE = 'insufficient_privilege', DETAIL = 'not_delegate',
                      HINT = 'only a login in invoicectl_delegate may act for another user';
        END IF;
    ELSIF s.mode = 'admin' THEN
        user_id := coalesce(p_as_user, s.user_id);
        IF user_id IS NULL THEN
            RAISE EXCEPTION 'no requester: admin login % must name the user it acts for', s.login
                USING ERRCODE = '22023';
        END IF;
    ELSE
        RAISE EXCEPTION 'login % is not linked to an invoicectl user', s.login
            USING ERRCODE = 'insufficient_privilege', DETAIL = 'unmapped';
    END IF;
END
$$;

-- The member gate of export_request (`p_admin`: owner or admin, the rule of pausing):
-- the organization and the user exist, the user's role is high enough. Returns the
-- role. Errors: IV066 (DETAIL `organization`, `user`), 42501 (DETAIL `not_member`,
-- `viewer`, `not_admin`), with the messages the command line prints.
CREATE FUNCTION export_gate(p_org text, p_user text, p_admin boolean) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = public, pg_temp
    AS $$
DECLARE
    v_role text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM organization o WHERE o.id = p_org) THEN
        RAISE EXCEPTION 'unknown organization %', p_org USING ERRCODE = 'IV066', DETAIL = 'organization';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM app_user u WHERE u.id = p_user) THEN
        RAISE EXCEPTION 'unknown user %', p_user USING ERRCODE = 'IV066', DETAIL = 'user';
    END IF;
    SELECT m.role INTO v_role FROM member m WHERE m.organization_id = p_org AND m.user_id = p_user;
    IF p_admin THEN
        IF v_role IS NULL OR v_role NOT IN ('owner', 'admin') THEN
            RAISE EXCEPTION 'user % is % of %: pausing or resuming its exports needs role admin or owner',
                p_user, coalesce('a ' || v_role, 'not a member'), p_org
                USING ERRCODE = 'insufficient_privilege', DETAIL = 'not_admin';
        END IF;
    ELSIF v_role IS NULL THEN
        RAISE EXCEPTION 'user % is not a member of %: only members can export its invoices', p_user, p_org
            USING ERRCODE = 'insufficient_privilege', DETAIL = 'not_member';
    ELSIF v_role = 'viewer' THEN
        RAISE EXCEPTION 'user % is a viewer of %: exporting needs role member or higher; ask an owner or admin',
            p_user, p_org
            USING ERRCODE = 'insufficient_privilege', DETAIL = 'viewer';
    END IF;
    RETURN v_role;
END
$$;

-- An instant as the client writes it in a scope (RFC 3339 in UTC, whole seconds or
-- 3, 6 or 9 decimals), or 22023.
CREATE FUNCTION export_scope_instant(p_what text, p_value jsonb) RETURNS timestamptz
    LANGUAGE plpgsql IMMUTABLE SET search_path = public, pg_temp
    AS $$
BEGIN
    IF jsonb_typeof(p_value) IS DISTINCT FROM 'string'
       OR p_value #>> '{}' !~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3}|\.\d{6}|\.\d{9})?Z$' THEN
        RAISE EXCEPTION 'scope %: % is not an RFC 3339 UTC time', p_what, p_value USING ERRCODE = '22023';
    END IF;
    RETURN (p_value #>> '{}')::timestamptz;
EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
    RAISE EXCEPTION 'scope %: % is not a valid time', p_what, p_value USING ERRCODE = '22023';
END
$$;

-- Whether `p_zone` is a time zone name PostgreSQL knows (an IANA name, no offsets).
CREATE FUNCTION export_zone_ok(p_zone text) RETURNS boolean
    LANGUAGE plpgsql STABLE SET search_path = public, pg_temp
    AS $$
BEGIN
    IF p_zone IS NULL OR p_zone !~ '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$' OR length(p_zone) > 64 THEN
        RETURN false;
    END IF;
    PERFORM now() AT TIME ZONE p_zone;
    RETURN true;
EXCEPTION WHEN invalid_parameter_value THEN
    RETURN false;
END
$$;

-- A resolved scope in its payload form (exports::scope::Scope), checked as strictly
-- as the worker checks it, and its canonical text (the serde form, keys in the fixed
-- order from, to, status, period, timeZone) that the deduplication key is made of.
-- NULL scope: NULL. Errors: 22023.
CREATE FUNCTION export_scope_canonical(p_scope jsonb) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = public, pg_temp
    AS $$
DECLARE
    statuses constant text[] := ARRAY['draft', 'open', 'paid', 'void', 'uncollectible'];
    v_from timestamptz;
    v_to timestamptz;
    v_status text[];
    v_parts text[] := '{}';
BEGIN
    IF p_scope IS NULL OR p_scope = 'null'::jsonb THEN
        RETURN NULL;
    END IF;
    IF jsonb_typeof(p_scope) <> 'object' THEN
        RAISE EXCEPTION 'a scope must be a JSON object' USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_object_keys(p_scope) k
               WHERE k NOT IN ('from', 'to', 'status', 'period', 'timeZone')) THEN
        RAISE EXCEPTION 'a scope takes from, to, status, period and timeZone only' USING ERRCODE = '22023';
    END IF;
    IF p_scope ? 'from' THEN
        v_from := export_scope_instant('from', p_scope->'from');
        v_parts := v_parts || ('"from":' || (p_scope->'from')::text);
    END IF;
    IF p_scope ? 'to' THEN
        v_to := export_scope_instant('to', p_scope->'to');
        v_parts := v_parts || ('"to":' || (p_scope->'to')::text);
    END IF;
    IF v_from >= v_to THEN
        RAISE EXCEPTION 'the scope''s range is empty: from % is not before to %', v_from, v_to
            USING ERRCODE = '22023';
    END IF;
    IF p_scope ? 'status' THEN
        IF jsonb_typeof(p_scope->'status') <> 'array' OR jsonb_array_length(p_scope->'status') = 0 THEN
            RAISE EXCEPTION 'scope status must be a non-empty array' USING ERRCODE = '22023';
        END IF;
        IF EXISTS (SELECT 1 FROM jsonb_array_elements(p_scope->'status') x
                   WHERE jsonb_typeof(x) <> 'string' OR NOT (x #>> '{}') = ANY (statuses)) THEN
            RAISE EXCEPTION 'scope status % names an unknown invoice status', p_scope->'status'
                USING ERRCODE = '22023';
        END IF;
        -- Canonical: in the statuses' order, without repeats (as the client sorts them).
        SELECT array_agg(x #>> '{}' ORDER BY n) INTO v_status
        FROM jsonb_array_elements(p_scope->'status') WITH ORDINALITY AS t (x, n);
        IF v_status <> ARRAY(SELECT s FROM unnest(statuses) s WHERE s = ANY (v_status)) THEN
            RAISE EXCEPTION 'scope status must list each status once, in the order draft, open, paid, void, uncollectible'
                USING ERRCODE = '22023';
        END IF;
        v_parts := v_parts || ('"status":' || (SELECT '[' || string_agg(to_json(s)::text, ',') || ']'
                                               FROM unnest(v_status) s));
    END IF;
    IF v_from IS NULL AND v_to IS NULL AND v_status IS NULL THEN
        RAISE EXCEPTION 'a scope needs from, to or status' USING ERRCODE = '22023';
    END IF;
    IF p_scope ? 'period' THEN
        IF jsonb_typeof(p_scope->'period') <> 'string'
           OR p_scope->>'period' !~ '^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?|-W(0[1-9]|[1-4]\d|5[0-3]))?$' THEN
            RAISE EXCEPTION 'scope period % is not a resolved period', p_scope->'period' USING ERRCODE = '22023';
        END IF;
        v_parts := v_parts || ('"period":' || (p_scope->'period')::text);
    END IF;
    IF p_scope ? 'timeZone' THEN
        IF jsonb_typeof(p_scope->'timeZone') <> 'string' OR p_scope->>'timeZone' = 'UTC'
           OR NOT export_zone_ok(p_scope->>'timeZone') THEN
            RAISE EXCEPTION 'scope timeZone % is not a time zone name other than UTC', p_scope->'timeZone'
                USING ERRCODE = '22023';
        END IF;
        v_parts := v_parts || ('"timeZone":' || (p_scope->'timeZone')::text);
    END IF;
    RETURN '{' || array_to_string(v_parts, ',') || '}';
END
$$;

-- The run, the export row and the `requested` audit row of one export, in the
-- caller's transaction (what export_request did after its gate, for every origin:
-- a start, a retry, a schedule's tick). When `p_key` is live, returns the run that
-- holds it (deduplicated) and writes nothing. `p_audit`: the audit payload's
-- origin fields (exportId and scope are added).
CREATE FUNCTION export_enqueue(
    p_org text, p_user text, p_scope jsonb, p_key text, p_run text, p_export text,
    p_schedule_id text, p_scheduled_for timestamptz, p_retry_of text, p_audit jsonb
) RETURNS TABLE (run_id text, export_id text, status text, deduplicated boolean)
    LANGUAGE plpgsql SET search_path = public, pg_temp
    AS $$
DECLARE
    v_day date := (now() AT TIME ZONE 'UTC')::date;
    v_run text := p_run;
    v_status text;
    v_attempt int := 0;
    v_payload jsonb := jsonb_build_object('organizationId', p_org, 'requestedBy', p_user);
BEGIN
    IF p_scope IS NOT NULL THEN
        v_payload := v_payload || jsonb_build_object('scope', p_scope);
    END IF;
    -- The task's definition (exports::task::EXPORT_INVOICES): queue `export` with one
    -- run per organization at a time, 3 attempts, one hour.
    LOOP
        v_attempt := v_attempt + 1;
        UPDATE run SET released_idempotency_key = idempotency_key, idempotency_key = NULL
        WHERE idempotency_key = p_key AND idempotency_key_expires_at <= now();
        IF run_enqueue(v_run, 'export-invoices', v_payload, 'export', p_org, 3, NULL, p_key, 86400,
                       NULL, 3600000, ARRAY['org:' || p_org], 1, 'invoicectl_runs') THEN
            EXIT;
        END IF;
        SELECT r.id, r.status INTO v_run, v_status FROM run r WHERE r.idempotency_key = p_key;
        IF FOUND THEN
            RETURN QUERY SELECT v_run, (SELECT e.id FROM export e WHERE e.run_id = v_run), v_status, true;
            RETURN;
        END IF;
        v_run := p_run;
        IF v_attempt >= 5 THEN
            RAISE EXCEPTION 'idempotency key kept changing hands; try again' USING ERRCODE = '40001';
        END IF;
    END LOOP;

    INSERT INTO export (id, organization_id, requested_by, status, day_bucket, run_id, scope,
                        schedule_id, scheduled_for, retry_of_run_id)
    VALUES (p_export, p_org, p_user, 'queued', v_day, v_run, p_scope, p_schedule_id,
            p_scheduled_for, p_retry_of);
    INSERT INTO audit_log (organization_id, actor_user_id, action, subject_type, subject_id, payload)
    VALUES (p_org, p_user, 'export.invoices.requested', 'export', v_run,
            jsonb_build_object('exportId', p_export) || coalesce(p_audit, '{}')
            || CASE WHEN p_scope IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('scope', p_scope) END);
    RETURN QUERY SELECT v_run, p_export, 'queued'::text, false;
END
$$;

-- The ids a client may bring (run_ and exp_ with a lowercase ULID), or new ones.
CREATE FUNCTION export_new_ids(p_run text, p_export text, OUT run_id text, OUT export_id text)
    LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp
    AS $$
BEGIN
    run_id := coalesce(p_run, run_generate_id());
    export_id := coalesce(p_export, 'exp_' || substr(run_generate_id(), 5));
    IF run_id !~ '^run_[0-9a-hjkmnp-tv-z]{26}$' OR export_id !~ '^exp_[0-9a-z]{26}$' THEN
        RAISE EXCEPTION 'runId and exportId must be run_ and exp_ followed by a lowercase ULID'
            USING ERRCODE = '22023';
    END IF;
END
$$;

-- Starts ------------------------------------------------------------------------------

-- `export start` for every mode, scoped or not. `request`: organizationId, asUser,
-- force, runId, exportId (as before) and scope (optional: the resolved scope in its
-- payload form; see export_scope_canonical). The same organization, requester, UTC
-- day and scope returns the first run; the key of an unscoped request is the one it
-- always had. Errors as before (42501, IV066, 22023).
CREATE OR REPLACE FUNCTION export_request(request jsonb)
    RETURNS TABLE (run_id text, export_id text, organization_id text, requested_by text,
                   status text, deduplicated boolean)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    a record;
    ids record;
    q record;
    v_org text;
    v_force boolean;
    v_scope jsonb;
    v_canonical text;
    v_key text;
BEGIN
    IF jsonb_typeof(request) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'an export request must be a JSON object' USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_object_keys(request) k
               WHERE k NOT IN ('organizationId', 'asUser', 'force', 'runId', 'exportId', 'scope')) THEN
        RAISE EXCEPTION 'an export request takes organizationId, asUser, force, runId, exportId and scope only'
            USING ERRCODE = '22023';
    END IF;
    v_org := request->>'organizationId';
    IF v_org IS NULL THEN
        RAISE EXCEPTION 'an export request needs organizationId' USING ERRCODE = '22023';
    END IF;
    IF request ? 'force' AND jsonb_typeof(request->'force') <> 'boolean' THEN
        RAISE EXCEPTION 'force must be true or false' USING ERRCODE = '22023';
    END IF;
    v_force := coalesce((request->>'force')::boolean, false);
    v_scope := nullif(request->'scope', 'null'::jsonb);
    SELECT * INTO ids FROM export_new_ids(request->>'runId', request->>'exportId');
    SELECT * INTO a FROM export_actor(request->>'asUser');
    PERFORM export_gate(v_org, a.user_id, false);
    v_canonical := export_scope_canonical(v_scope);

    v_key := run_idempotency_key(ARRAY['export-invoices', v_org, a.user_id,
        CASE WHEN v_force THEN gen_random_uuid()::text
             ELSE ((now() AT TIME ZONE 'UTC')::date)::text END]
        || CASE WHEN v_force OR v_canonical IS NULL THEN '{}'::text[] ELSE ARRAY[v_canonical] END);
    SELECT * INTO q FROM export_enqueue(v_org, a.user_id, v_scope, v_key, ids.run_id, ids.export_id,
                                        NULL, NULL, NULL,
                                        jsonb_build_object('force', v_force)
                                        || CASE WHEN a.delegated_by IS NULL THEN '{}'::jsonb
                                                ELSE jsonb_build_object('delegatedBy', a.delegated_by) END);
    RETURN QUERY SELECT q.run_id, q.export_id, v_org, a.user_id, q.status, q.deduplicated;
END
$$;

-- `export retry`: a new export for a failed or canceled one, with its organization,
-- requester and scope, idempotent per retried run. Who asks (`p_as_user` as in
-- export_actor; an admin may leave it NULL: the original requester) must be the
-- export's requester or an owner or admin of its organization (an admin-mode session
-- may retry any), and the requester must still pass the member gate.
-- Errors: IV066 (DETAIL `run`), 22023 (DETAIL `not_export`, `payload`), IV065 (DETAIL
-- the status: not retryable), 42501 (DETAIL `denied` and those of the gate).
CREATE FUNCTION export_retry(p_run_id text, p_as_user text, p_new_run text, p_new_export text)
    RETURNS TABLE (run_id text, export_id text, organization_id text, requested_by text,
                   status text, deduplicated boolean, scope jsonb)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    s record;
    a record;
    ids record;
    q record;
    r record;
    v_org text;
    v_user text;
    v_scope jsonb;
    v_actor text;
    v_role text;
BEGIN
    IF p_run_id IS NULL OR p_run_id !~ '^run_[0-9a-hjkmnp-tv-z]{26}$' THEN
        RAISE EXCEPTION 'run id % is not valid', p_run_id USING ERRCODE = '22023';
    END IF;
    SELECT * INTO ids FROM export_new_ids(p_new_run, p_new_export);
    SELECT * INTO s FROM invoicectl_session();
    IF s.mode = 'admin' AND p_as_user IS NULL THEN
        v_actor := NULL;
    ELSE
        SELECT * INTO a FROM export_actor(p_as_user);
        v_actor := a.user_id;
    END IF;

    SELECT x.id, x.task_id, x.payload, x.status INTO r FROM run x WHERE x.id = p_run_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'run % does not exist: `invoicectl export status` lists recent runs', p_run_id
            USING ERRCODE = 'IV066', DETAIL = 'run';
    END IF;
    IF r.task_id <> 'export-invoices' THEN
        RAISE EXCEPTION 'run % is a % run, not an export: retry the export it belongs to', p_run_id, r.task_id
            USING ERRCODE = '22023', DETAIL = 'not_export';
    END IF;
    v_org := r.payload->>'organizationId';
    v_user := r.payload->>'requestedBy';
    v_scope := r.payload->'scope';
    IF v_org IS NULL OR v_user IS NULL THEN
        RAISE EXCEPTION 'the stored payload of run % is invalid, so it cannot be retried', p_run_id
            USING ERRCODE = '22023', DETAIL = 'payload';
    END IF;
    IF s.mode <> 'admin' THEN
        SELECT m.role INTO v_role FROM member m WHERE m.organization_id = v_org AND m.user_id = v_actor;
        -- coalesce: with no membership the test is NULL, and IF NOT NULL would pass.
        IF NOT coalesce(v_role IN ('owner', 'admin') OR v_user = v_actor AND v_role IS NOT NULL, false) THEN
            IF v_user = v_actor THEN
                -- The requester itself: refused as export start refuses it.
                PERFORM export_gate(v_org, v_actor, false);
            END IF;
            RAISE EXCEPTION 'user % may not retry the export of %: only its requester (%) or an owner or admin of % may',
                v_actor, p_run_id, v_user, v_org
                USING ERRCODE = 'insufficient_privilege', DETAIL = 'denied';
        END IF;
    END IF;

    -- An earlier retry, whatever the original's status is now.
    RETURN QUERY
        SELECT e.run_id, e.id, v_org, v_user, x.status, true, v_scope
        FROM export e JOIN run x ON x.id = e.run_id WHERE e.retry_of_run_id = p_run_id;
    IF FOUND THEN
        RETURN;
    END IF;
    IF r.status NOT IN ('failed', 'canceled') THEN
        RAISE EXCEPTION 'run % is %: only a failed or canceled export can be retried; for a new export of the same invoices use `invoicectl export start --force`',
            p_run_id, r.status USING ERRCODE = 'IV065', DETAIL = r.status;
    END IF;
    PERFORM export_gate(v_org, v_user, false);
    PERFORM export_scope_canonical(v_scope);

    BEGIN
        SELECT * INTO q FROM export_enqueue(
            v_org, v_user, v_scope,
            run_idempotency_key(ARRAY['export-invoices', 'retry', p_run_id]),
            ids.run_id, ids.export_id, NULL, NULL, p_run_id,
            jsonb_build_object('retryOf', p_run_id));
    EXCEPTION WHEN unique_violation THEN
        q := NULL;
    END;
    IF q.run_id IS NULL OR q.deduplicated THEN
        -- A racing retry won (its run holds the key, or its export row the unique
        -- retry_of_run_id): return its export.
        RETURN QUERY
            SELECT e.run_id, e.id, v_org, v_user, x.status, true, v_scope
            FROM export e JOIN run x ON x.id = e.run_id WHERE e.retry_of_run_id = p_run_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'a concurrent retry of % neither committed nor left its export', p_run_id
                USING ERRCODE = '40001';
        END IF;
        RETURN;
    END IF;
    INSERT INTO audit_log (organization_id, actor_user_id, action, subject_type, subject_id, payload)
    VALUES (v_org, coalesce(v_actor, v_user), 'export.invoices.retried', 'export', p_run_id,
            jsonb_build_object('retriedBy', q.run_id));
    RETURN QUERY SELECT q.run_id, q.export_id, v_org, v_user, q.status, false, v_scope;
END
$$;

-- Schedules ---------------------------------------------------------------------------

-- A schedule's scope request as typed (exports::scope::ScopeRequest without its zone,
-- which is the schedule's), checked for shape: each tick resolves it.
CREATE FUNCTION export_schedule_scope_ok(p_scope jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    AS $$
        SELECT jsonb_typeof(p_scope) = 'object'
           AND NOT EXISTS (SELECT 1 FROM jsonb_object_keys(p_scope) k
                           WHERE k NOT IN ('from', 'to', 'period', 'status'))
           AND coalesce(jsonb_typeof(p_scope->'from'), 'string') = 'string'
           AND coalesce(jsonb_typeof(p_scope->'to'), 'string') = 'string'
           AND coalesce(jsonb_typeof(p_scope->'period'), 'string') = 'string'
           AND coalesce(length(p_scope->>'from'), 0) <= 64
           AND coalesce(length(p_scope->>'to'), 0) <= 64
           AND coalesce(length(p_scope->>'period'), 0) <= 32
           AND (NOT p_scope ? 'status'
                OR jsonb_typeof(p_scope->'status') = 'array'
                   AND jsonb_array_length(p_scope->'status') BETWEEN 1 AND 5
                   AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(p_scope->'status') x
                                   WHERE jsonb_typeof(x) <> 'string' OR length(x #>> '{}') > 32))
    $$;

-- `export schedule add`. `request`: id (sched_…, made by the client), organizationId,
-- asUser, cron, timeZone, scope (the request as typed), nextTickAt (the first tick,
-- which the client computes from the expression). The owner is the acting user, who
-- must pass the member gate. Returns the id. Errors as export_request's.
CREATE FUNCTION export_schedule_add(request jsonb) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    a record;
    v_id text;
    v_org text;
    v_cron text;
    v_zone text;
    v_scope jsonb;
    v_next timestamptz;
BEGIN
    IF jsonb_typeof(request) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'a schedule must be a JSON object' USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_object_keys(request) k
               WHERE k NOT IN ('id', 'organizationId', 'asUser', 'cron', 'timeZone', 'scope', 'nextTickAt')) THEN
        RAISE EXCEPTION 'a schedule takes id, organizationId, asUser, cron, timeZone, scope and nextTickAt only'
            USING ERRCODE = '22023';
    END IF;
    v_id := request->>'id';
    v_org := request->>'organizationId';
    v_cron := request->>'cron';
    v_zone := coalesce(request->>'timeZone', 'UTC');
    v_scope := coalesce(request->'scope', '{}'::jsonb);
    IF v_id IS NULL OR v_id !~ '^sched_[a-z0-9]+$' OR length(v_id) > 64 THEN
        RAISE EXCEPTION 'schedule id % is not valid', v_id USING ERRCODE = '22023';
    END IF;
    IF v_org IS NULL THEN
        RAISE EXCEPTION 'a schedule needs organizationId' USING ERRCODE = '22023';
    END IF;
    IF v_cron IS NULL OR length(v_cron) > 200
       OR v_cron !~ '^\s*(@[a-z]+|[0-9A-Za-z*/,?#LW-]+(\s+[0-9A-Za-z*/,?#LW-]+){4,5})\s*$' THEN
        RAISE EXCEPTION 'cron expression % is not valid', v_cron USING ERRCODE = '22023';
    END IF;
    IF NOT export_zone_ok(v_zone) THEN
        RAISE EXCEPTION 'time zone % is not a time zone name', v_zone USING ERRCODE = '22023';
    END IF;
    IF NOT export_schedule_scope_ok(v_scope) THEN
        RAISE EXCEPTION 'schedule scope % is not a scope request (from, to, period, status)', v_scope
            USING ERRCODE = '22023';
    END IF;
    BEGIN
        v_next := (request->>'nextTickAt')::timestamptz;
    EXCEPTION WHEN OTHERS THEN
        v_next := NULL;
    END;
    IF v_next IS NULL OR v_next < now() - interval '1 minute' THEN
        RAISE EXCEPTION 'nextTickAt must be a time after now' USING ERRCODE = '22023';
    END IF;

    SELECT * INTO a FROM export_actor(request->>'asUser');
    PERFORM export_gate(v_org, a.user_id, false);
    INSERT INTO export_schedule (id, organization_id, requested_by, cron, time_zone, scope, next_tick_at)
    VALUES (v_id, v_org, a.user_id, v_cron, v_zone, v_scope, v_next);
    INSERT INTO audit_log (organization_id, actor_user_id, action, subject_type, subject_id, payload)
    VALUES (v_org, a.user_id, 'export.schedule.created', 'export_schedule', v_id,
            jsonb_build_object('cron', v_cron, 'timeZone', v_zone, 'scope', v_scope)
            || CASE WHEN a.delegated_by IS NULL THEN '{}'::jsonb
                    ELSE jsonb_build_object('delegatedBy', a.delegated_by) END);
    RETURN v_id;
END
$$;

-- Who may change schedule `p_id` (not removed): its owner, or an owner or admin of its
-- organization (the acting user as in export_actor). Returns the acting user, what
-- resuming needs to compute the next tick (the expression and its zone, which only
-- the client parses), and the state; locks the row when `p_lock`.
-- Errors: IV066 (DETAIL `schedule`), 42501 (DETAIL `denied`, and export_actor's).
CREATE FUNCTION export_schedule_gate(p_id text, p_as_user text)
    RETURNS TABLE (user_id text, delegated_by text, organization_id text, cron text,
                   time_zone text, paused boolean)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
#variable_conflict use_variable
DECLARE
    a record;
    r record;
    v_role text;
BEGIN
    SELECT * INTO a FROM export_actor(p_as_user);
    SELECT x.organization_id, x.requested_by, x.cron, x.time_zone, x.paused_at INTO r
    FROM export_schedule x WHERE x.id = p_id AND x.removed_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'schedule % does not exist', p_id USING ERRCODE = 'IV066', DETAIL = 'schedule';
    END IF;
    IF r.requested_by <> a.user_id THEN
        SELECT m.role INTO v_role FROM member m
        WHERE m.organization_id = r.organization_id AND m.user_id = a.user_id;
        IF v_role IS NULL OR v_role NOT IN ('owner', 'admin') THEN
            RAISE EXCEPTION 'user % may not change schedule %: only its owner (%) or an owner or admin of % may',
                a.user_id, p_id, r.requested_by, r.organization_id
                USING ERRCODE = 'insufficient_privilege', DETAIL = 'denied';
        END IF;
    END IF;
    RETURN QUERY SELECT a.user_id, a.delegated_by, r.organization_id, r.cron, r.time_zone,
                        r.paused_at IS NOT NULL;
END
$$;

-- `export schedule pause|resume|remove`, after export_schedule_gate. `p_next_tick_at`:
-- for resume, the first tick after now (the client computes it from the expression).
-- Returns whether anything changed (pausing a paused schedule changes nothing).
-- Errors: export_schedule_gate's, 22023.
CREATE FUNCTION export_schedule_change(p_id text, p_as_user text, p_change text,
                                       p_next_tick_at timestamptz) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    g record;
    v_action text;
BEGIN
    IF p_change IS NULL OR p_change NOT IN ('pause', 'resume', 'remove') THEN
        RAISE EXCEPTION 'a schedule change is pause, resume or remove, not %', p_change USING ERRCODE = '22023';
    END IF;
    -- The row first, so two changes of one schedule take turns.
    PERFORM 1 FROM export_schedule x WHERE x.id = p_id FOR UPDATE;
    SELECT * INTO g FROM export_schedule_gate(p_id, p_as_user);
    IF p_change = 'pause' AND NOT g.paused THEN
        UPDATE export_schedule SET paused_at = now() WHERE id = p_id;
        v_action := 'export.schedule.paused';
    ELSIF p_change = 'resume' AND g.paused THEN
        -- Ticks that came due while paused were not missed: they were not wanted.
        IF p_next_tick_at IS NULL OR p_next_tick_at < now() - interval '1 minute' THEN
            RAISE EXCEPTION 'resuming needs the next tick after now' USING ERRCODE = '22023';
        END IF;
        UPDATE export_schedule SET paused_at = NULL, next_tick_at = p_next_tick_at WHERE id = p_id;
        v_action := 'export.schedule.resumed';
    ELSIF p_change = 'remove' THEN
        UPDATE export_schedule SET removed_at = now() WHERE id = p_id;
        v_action := 'export.schedule.removed';
    ELSE
        RETURN false;
    END IF;
    INSERT INTO audit_log (organization_id, actor_user_id, action, subject_type, subject_id, payload)
    VALUES (g.organization_id, g.user_id, v_action, 'export_schedule', p_id,
            CASE WHEN g.delegated_by IS NULL THEN '{}'::jsonb
                 ELSE jsonb_build_object('delegatedBy', g.delegated_by) END);
    RETURN true;
END
$$;

-- Firing ticks (workers) -----------------------------------------------------------------

-- Refuses a session that is neither a worker nor an admin.
CREATE FUNCTION export_require_worker() RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = public, pg_temp
    AS $$
BEGIN
    IF NOT (invoicectl_is_admin() OR 'invoicectl_worker' = ANY (invoicectl_groups(session_user))) THEN
        RAISE EXCEPTION 'only a worker or admin login may fire schedule ticks (login % is neither)', session_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END
$$;

-- Records that a worker is looking for due ticks now; returns when one last did
-- (before this call) and the server's now (what db::schedules::record_pass did).
CREATE FUNCTION export_scheduler_pass(OUT last_pass_at timestamptz, OUT now_at timestamptz)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
BEGIN
    PERFORM export_require_worker();
    SELECT s.last_pass_at INTO last_pass_at FROM export_scheduler s WHERE s.id;
    INSERT INTO export_scheduler (id, last_pass_at) VALUES (true, now())
    ON CONFLICT (id) DO UPDATE SET last_pass_at = greatest(export_scheduler.last_pass_at, now());
    now_at := now();
END
$$;

-- The longest-due schedule with a tick at or before `p_now`, locked for firing until
-- the caller's transaction ends (another worker firing one is skipped); no row when
-- nothing is due.
CREATE FUNCTION export_schedule_due(p_now timestamptz) RETURNS SETOF export_schedule
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
BEGIN
    PERFORM export_require_worker();
    RETURN QUERY
        SELECT * FROM export_schedule
        WHERE paused_at IS NULL AND removed_at IS NULL AND next_tick_at <= p_now
        ORDER BY next_tick_at
        LIMIT 1
        FOR UPDATE SKIP LOCKED;
END
$$;

-- Fires one tick of schedule `p_id` (locked by export_schedule_due in the caller's
-- transaction), as exports::schedule computed it from the expression, which only it
-- parses: `p_tick_at` the instant to fire, `p_next_tick_at` the one after,
-- `p_skipped` missed instants before it (from the schedule's next tick), and either
-- `p_scope` (the scope resolved at the instant, NULL: every invoice) or `p_error`
-- (why it could not be resolved; with `p_pause` the expression itself no longer
-- parses: the schedule is paused). The owner's membership is checked here, at each
-- tick: a refused tick is recorded as failed, with the gate's message. Returns the
-- outcome (fired, failed), the run and the error.
CREATE FUNCTION export_schedule_fire(
    p_id text, p_tick_at timestamptz, p_next_tick_at timestamptz, p_skipped bigint,
    p_scope jsonb, p_error text, p_pause boolean, p_new_run text, p_new_export text
) RETURNS TABLE (outcome text, run_id text, error text)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    r record;
    ids record;
    q record;
    v_outcome text;
    v_error text := p_error;
    v_run text;
    v_tick text := to_char(p_tick_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
BEGIN
    PERFORM export_require_worker();
    SELECT * INTO ids FROM export_new_ids(p_new_run, p_new_export);
    SELECT * INTO r FROM export_schedule x
    WHERE x.id = p_id AND x.paused_at IS NULL AND x.removed_at IS NULL FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'schedule % does not exist or is not active', p_id USING ERRCODE = 'IV066', DETAIL = 'schedule';
    END IF;
    IF r.next_tick_at > now() OR p_tick_at IS NULL OR p_tick_at < r.next_tick_at OR p_tick_at > now()
       OR p_next_tick_at IS NULL OR p_next_tick_at <= p_tick_at
       OR coalesce(p_skipped, -1) < 0 OR (p_skipped = 0) <> (p_tick_at = r.next_tick_at)
       OR (p_pause AND (p_error IS NULL OR p_tick_at <> r.next_tick_at)) THEN
        RAISE EXCEPTION 'schedule % is not due at %', p_id, p_tick_at USING ERRCODE = '22023';
    END IF;

    IF p_pause THEN
        UPDATE export_schedule
        SET paused_at = now(), last_tick_at = p_tick_at, last_outcome = 'failed', last_error = p_error,
            failed_count = failed_count + 1
        WHERE id = p_id;
        INSERT INTO audit_log (organization_id, actor_user_id, action, subject_type, subject_id, payload)
        VALUES (r.organization_id, NULL, 'export.schedule.tick_failed', 'export_schedule', p_id,
                jsonb_build_object('tickAt', v_tick, 'error', p_error, 'paused', true));
        RETURN QUERY SELECT 'failed'::text, NULL::text, p_error;
        RETURN;
    END IF;

    IF p_skipped > 0 THEN
        INSERT INTO export_schedule_tick (schedule_id, tick_at, outcome, skipped)
        VALUES (p_id, r.next_tick_at, 'skipped', p_skipped);
        INSERT INTO audit_log (organization_id, actor_user_id, action, subject_type, subject_id, payload)
        VALUES (r.organization_id, NULL, 'export.schedule.ticks_skipped', 'export_schedule', p_id,
                jsonb_build_object('skipped', p_skipped,
                                   'firstSkipped', to_char(r.next_tick_at AT TIME ZONE 'UTC',
                                                           'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                                   'fired', v_tick));
    END IF;

    IF v_error IS NULL THEN
        BEGIN
            PERFORM export_gate(r.organization_id, r.requested_by, false);
        EXCEPTION WHEN insufficient_privilege OR SQLSTATE 'IV066' THEN
            v_error := SQLERRM;
        END;
    END IF;
    IF v_error IS NULL THEN
        PERFORM export_scope_canonical(p_scope);
        SELECT * INTO q FROM export_enqueue(
            r.organization_id, r.requested_by, nullif(p_scope, 'null'::jsonb),
            run_idempotency_key(ARRAY['export-invoices', 'tick', p_id, v_tick]),
            ids.run_id, ids.export_id, p_id, p_tick_at, NULL,
            jsonb_build_object('scheduleId', p_id, 'scheduledFor', v_tick));
        v_outcome := 'fired';
        v_run := q.run_id;
    ELSE
        v_outcome := 'failed';
        INSERT INTO audit_log (organization_id, actor_user_id, action, subject_type, subject_id, payload)
        VALUES (r.organization_id, NULL, 'export.schedule.tick_failed', 'export_schedule', p_id,
                jsonb_build_object('tickAt', v_tick, 'error', v_error));
    END IF;
    INSERT INTO export_schedule_tick (schedule_id, tick_at, outcome, run_id, error)
    VALUES (p_id, p_tick_at, v_outcome, v_run, v_error);
    UPDATE export_schedule
    SET next_tick_at = p_next_tick_at, last_tick_at = p_tick_at, last_outcome = v_outcome,
        last_error = v_error, last_run_id = coalesce(v_run, last_run_id),
        fired_count = fired_count + (CASE WHEN v_outcome = 'fired' THEN 1 ELSE 0 END),
        failed_count = failed_count + (CASE WHEN v_outcome = 'failed' THEN 1 ELSE 0 END),
        skipped_count = skipped_count + p_skipped
    WHERE id = p_id;
    RETURN QUERY SELECT v_outcome, v_run, v_error;
END
$$;

-- Pausing an organization's exports ------------------------------------------------------

-- Pauses the lane (creating its row if no run ever used it); false when it was
-- already paused (the first pause's time, author and reason are kept). The engine's
-- notion, as db::lane_pause::pause; runs with the caller's privileges.
CREATE FUNCTION run_lane_pause(p_queue text, p_key text, p_limit integer, p_by text, p_reason text)
    RETURNS boolean
    LANGUAGE sql SET search_path = public, pg_temp
    AS $$
        WITH paused AS (
            INSERT INTO run_lane (queue, concurrency_key, concurrency_limit, paused_at, paused_by, pause_reason)
            VALUES (p_queue, p_key, p_limit, now(), p_by, p_reason)
            ON CONFLICT (queue, concurrency_key) DO UPDATE
            SET paused_at = now(), paused_by = EXCLUDED.paused_by, pause_reason = EXCLUDED.pause_reason
            WHERE run_lane.paused_at IS NULL
            RETURNING 1
        )
        SELECT EXISTS (SELECT 1 FROM paused)
    $$;

-- `export pause`: an owner or admin of the organization (the acting user as in
-- export_actor) pauses its lane in the `export` queue. Returns whether it changed.
-- Errors: export_gate's with p_admin (DETAIL `not_admin`), export_actor's, 22023.
CREATE FUNCTION export_pause(p_org text, p_as_user text, p_reason text) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    a record;
    v_reason text := nullif(btrim(p_reason), '');
BEGIN
    IF length(v_reason) > 1000 OR v_reason ~ '[\x01-\x08\x0b-\x1f\x7f]' THEN
        RAISE EXCEPTION 'a pause reason is at most 1000 characters of text' USING ERRCODE = '22023';
    END IF;
    SELECT * INTO a FROM export_actor(p_as_user);
    PERFORM export_gate(p_org, a.user_id, true);
    IF NOT run_lane_pause('export', p_org, 1, a.user_id, v_reason) THEN
        RETURN false;
    END IF;
    INSERT INTO audit_log (organization_id, actor_user_id, action, subject_type, subject_id, payload)
    VALUES (p_org, a.user_id, 'export.lane.paused', 'organization', p_org,
            jsonb_build_object('reason', v_reason)
            || CASE WHEN a.delegated_by IS NULL THEN '{}'::jsonb
                    ELSE jsonb_build_object('delegatedBy', a.delegated_by) END);
    RETURN true;
END
$$;

-- Resumes the lane and wakes the workers (NOTIFY `p_channel` with the queue);
-- returns the pause it ended, with the runs that waited in it (no row: it was not
-- paused). The engine's notion, as db::lane_pause::resume; the caller's privileges.
CREATE FUNCTION run_lane_resume(p_queue text, p_key text, p_channel text)
    RETURNS TABLE (paused_at timestamptz, paused_by text, reason text, queued bigint)
    LANGUAGE plpgsql SET search_path = public, pg_temp
    AS $$
#variable_conflict use_column
DECLARE
    l record;
BEGIN
    SELECT x.paused_at, x.paused_by, x.pause_reason,
           (SELECT count(*) FROM run r WHERE r.status = 'queued' AND r.queue = x.queue
                                         AND r.concurrency_key = x.concurrency_key) AS queued
    INTO l
    FROM run_lane x WHERE x.queue = p_queue AND x.concurrency_key = p_key AND x.paused_at IS NOT NULL
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    UPDATE run_lane SET paused_at = NULL, paused_by = NULL, pause_reason = NULL
    WHERE queue = p_queue AND concurrency_key = p_key;
    PERFORM pg_notify(p_channel, p_queue);
    RETURN QUERY SELECT l.paused_at, l.paused_by, l.pause_reason, l.queued;
END
$$;

-- `export resume`: as export_pause; ends the pause and wakes the workers. Returns
-- whether it changed.
CREATE FUNCTION export_resume(p_org text, p_as_user text) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    a record;
    l record;
BEGIN
    SELECT * INTO a FROM export_actor(p_as_user);
    PERFORM export_gate(p_org, a.user_id, true);
    SELECT * INTO l FROM run_lane_resume('export', p_org, 'invoicectl_runs');
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    INSERT INTO audit_log (organization_id, actor_user_id, action, subject_type, subject_id, payload)
    VALUES (p_org, a.user_id, 'export.lane.resumed', 'organization', p_org,
            jsonb_build_object('pausedAt', to_char(l.paused_at AT TIME ZONE 'UTC',
                                                   'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                               'pausedBy', l.paused_by, 'queued', l.queued)
            || CASE WHEN a.delegated_by IS NULL THEN '{}'::jsonb
                    ELSE jsonb_build_object('delegatedBy', a.delegated_by) END);
    RETURN true;
END
$$;

-- Reading schedules; row-level security ------------------------------------------------

-- The tenant policy was created for PUBLIC: with the SELECT grant below it would let
-- an operator read another organization's schedules by setting app.org_id.
ALTER POLICY tenant_isolation ON export_schedule TO invoicectl_tenant;
ALTER TABLE export_schedule_tick ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON export_schedule_tick FOR SELECT TO invoicectl_tenant
    USING (EXISTS (SELECT 1 FROM export_schedule s WHERE s.id = export_schedule_tick.schedule_id));
CREATE POLICY operator_reads ON export_schedule FOR SELECT TO invoicectl_operator
    USING (organization_id = ANY ((SELECT invoicectl_session_orgs())::text[]));
CREATE POLICY operator_reads ON export_schedule_tick FOR SELECT TO invoicectl_operator
    USING (EXISTS (SELECT 1 FROM export_schedule s WHERE s.id = export_schedule_tick.schedule_id));
CREATE POLICY admin_all ON export_schedule TO invoicectl_admin USING (true) WITH CHECK (true);
CREATE POLICY admin_all ON export_schedule_tick TO invoicectl_admin USING (true) WITH CHECK (true);

-- Grants -----------------------------------------------------------------------------

-- New functions are executable by PUBLIC unless revoked: the shared checks are
-- granted to nobody, the rest role by role.
REVOKE EXECUTE ON FUNCTION
    export_actor(text), export_gate(text, text, boolean), export_scope_instant(text, jsonb),
    export_zone_ok(text), export_scope_canonical(jsonb),
    export_enqueue(text, text, jsonb, text, text, text, text, timestamptz, text, jsonb),
    export_new_ids(text, text), export_schedule_scope_ok(jsonb), export_require_worker(),
    run_lane_pause(text, text, integer, text, text), run_lane_resume(text, text, text),
    export_retry(text, text, text, text), export_schedule_add(jsonb),
    export_schedule_gate(text, text), export_schedule_change(text, text, text, timestamptz),
    export_scheduler_pass(), export_schedule_due(timestamptz),
    export_schedule_fire(text, timestamptz, timestamptz, bigint, jsonb, text, boolean, text, text),
    export_pause(text, text, text), export_resume(text, text)
    FROM PUBLIC;

-- Operators: their organizations' schedules to read; every write through a function.
GRANT SELECT ON export_schedule, export_schedule_tick TO invoicectl_operator;
GRANT EXECUTE ON FUNCTION
    export_retry(text, text, text, text), export_schedule_add(jsonb),
    export_schedule_gate(text, text), export_schedule_change(text, text, text, timestamptz),
    export_pause(text, text, text), export_resume(text, text)
    TO invoicectl_operator, invoicectl_admin;

-- Workers fire ticks through functions only: no privilege on the schedule tables.
GRANT EXECUTE ON FUNCTION
    export_scheduler_pass(), export_schedule_due(timestamptz),
    export_schedule_fire(text, timestamptz, timestamptz, bigint, jsonb, text, boolean, text, text)
    TO invoicectl_worker, invoicectl_admin;

-- Admins: what a table owner does with rows, on the tables added since
-- 20261207400000_identity.sql, and every function.
GRANT SELECT, INSERT, UPDATE, DELETE ON export_schedule, export_schedule_tick, export_scheduler
    TO invoicectl_admin;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO invoicectl_admin;
