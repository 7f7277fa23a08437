-- Scoped exports, schedules, retries and paused lanes.
--
-- export.scope: the scope an export was requested with (its payload form: from, to,
-- status, period, timeZone), NULL for every invoice. schedule_id / scheduled_for: the
-- schedule tick that requested it. retry_of_run_id: the failed or canceled export's run
-- it retries; unique, so retrying one run twice can only ever make one new export.
ALTER TABLE export
    ADD COLUMN scope            jsonb,
    ADD COLUMN schedule_id      text COLLATE "C",
    ADD COLUMN scheduled_for    timestamptz,
    ADD COLUMN retry_of_run_id  text COLLATE "C";
CREATE UNIQUE INDEX export_retry_of ON export (retry_of_run_id) WHERE retry_of_run_id IS NOT NULL;

-- A paused lane keeps its queued runs: the claim skips lanes whose paused_at is set
-- (runs that already hold the lane finish). The engine's notion: a lane is a queue and
-- a concurrency key; who paused it and why is free text for people.
ALTER TABLE run_lane
    ADD COLUMN paused_at    timestamptz,
    ADD COLUMN paused_by    text,
    ADD COLUMN pause_reason text;

-- Schedules: a cron expression in a time zone, owned by the user whose exports it
-- requests. next_tick_at is the next instant not yet fired; a worker fires a due tick
-- in one transaction that locks the schedule row (SKIP LOCKED), records the tick and
-- moves next_tick_at past it, so each instant fires once however many workers race.
CREATE TABLE export_schedule (
    id              text COLLATE "C" PRIMARY KEY
                    CHECK (id ~ '^sched_[a-z0-9]+$' AND length(id) <= 64),
    organization_id text COLLATE "C" NOT NULL REFERENCES organization (id),
    requested_by    text COLLATE "C" NOT NULL REFERENCES app_user (id),
    cron            text NOT NULL,
    time_zone       text NOT NULL DEFAULT 'UTC',
    -- The scope request as typed (period, status; resolved at each tick).
    scope           jsonb NOT NULL DEFAULT '{}'::jsonb,
    paused_at       timestamptz,
    next_tick_at    timestamptz NOT NULL,
    last_tick_at    timestamptz,
    -- How the last tick went: fired, failed (the gate refused it), and why.
    last_outcome    text CHECK (last_outcome IN ('fired', 'failed')),
    last_error      text,
    last_run_id     text COLLATE "C",
    fired_count     bigint NOT NULL DEFAULT 0,
    failed_count    bigint NOT NULL DEFAULT 0,
    skipped_count   bigint NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    removed_at      timestamptz
);
CREATE INDEX export_schedule_due ON export_schedule (next_tick_at)
    WHERE paused_at IS NULL AND removed_at IS NULL;
CREATE INDEX export_schedule_org ON export_schedule (organization_id);

-- One row per tick instant that was handled: fired (with its run), failed, or
-- skipped (missed while no worker ran; `skipped` counts the instants the row stands
-- for, ending at tick_at). The primary key is the last word on "once per instant".
CREATE TABLE export_schedule_tick (
    schedule_id     text COLLATE "C" NOT NULL REFERENCES export_schedule (id),
    tick_at         timestamptz NOT NULL,
    outcome         text NOT NULL CHECK (outcome IN ('fired', 'failed', 'skipped')),
    run_id          text COLLATE "C",
    error           text,
    skipped         bigint,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (schedule_id, tick_at, outcome)
);
CREATE UNIQUE INDEX export_schedule_tick_once ON export_schedule_tick (schedule_id, tick_at)
    WHERE outcome <> 'skipped';

ALTER TABLE export_schedule ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON export_schedule
    USING (organization_id = current_org_id())
    WITH CHECK (organization_id = current_org_id());
GRANT SELECT ON export_schedule, export_schedule_tick TO invoicectl_tenant;

-- When a worker last looked for due ticks (any worker): a tick that came due while
-- workers were looking is late, and fires; ticks that came due while none was (the
-- last look is older than a few seconds) were missed, and only the latest fires.
CREATE TABLE export_scheduler (
    id           boolean PRIMARY KEY DEFAULT true CHECK (id),
    last_pass_at timestamptz NOT NULL
);
