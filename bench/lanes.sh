#!/usr/bin/env bash
# Liveness under load and crashes: 300 organizations, exports started concurrently
# for 60 s while 4 worker processes run and one of them is SIGKILLed (and started
# again) every 2 s, with the CSVs on S3 (a SeaweedFS server started here) and the
# emails in the outbox. Then the workers drain what is left, and the script checks:
# every run ended; every export completed exactly once (one CSV object, one email,
# one `export.invoices.completed` audit entry); `audit verify` is clean; no
# multipart upload is left open and no partial object or file exists; no lane was
# stranded (and the lane sweep repaired none). Figures: BENCHMARKS.md, "Lanes never
# strand".
#
# Usage: bench/lanes.sh            (from the repository root; builds the release binary)
# Environment:
#   DATABASE_URL   server to create the bench database on
#                  (default postgres://postgres@127.0.0.1:5432/postgres)
#   BENCH_DB       database name, dropped and recreated (default invoicectl_bench_lanes)
#   ORGS           organizations (default 300), INVOICES each (default 200)
#   SECONDS_LOAD   how long exports are started and workers killed (default 60)
#   KILL_EVERY     seconds between SIGKILLs (default 2)
#   WORKERS        worker processes (default 4); STARTERS concurrent starters (default 6),
#                  each pausing START_PAUSE s between starts (default 0.3)
#   WEED           SeaweedFS binary (default target/seaweedfs/bin/weed)
#   BIN            binary to measure (default target/release/invoicectl, built first)
#   KEEP=1         keep the database, the server's data and the work directory
set -euo pipefail
cd "$(dirname "$0")/.."

ORGS=${ORGS:-300}
INVOICES=${INVOICES:-200}
SECONDS_LOAD=${SECONDS_LOAD:-60}
KILL_EVERY=${KILL_EVERY:-2}
WORKERS=${WORKERS:-4}
STARTERS=${STARTERS:-6}
START_PAUSE=${START_PAUSE:-0.3}
BENCH_DB=${BENCH_DB:-invoicectl_bench_lanes}
SERVER_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DB_URL="${SERVER_URL%/*}/$BENCH_DB"
WEED=${WEED:-target/seaweedfs/bin/weed}
BUCKET=bench

. bench/lib.sh
bench_prepare lanes
WEED_PID=
declare -a WORKER_PIDS=()
declare -a STARTER_PIDS=()
cleanup() {
    for pid in "${STARTER_PIDS[@]}" "${WORKER_PIDS[@]}"; do
        kill -9 "$pid" 2>/dev/null || true
    done
    if [ -n "$WEED_PID" ]; then
        kill "$WEED_PID" 2>/dev/null || true
        wait "$WEED_PID" 2>/dev/null || true
    fi
    bench_cleanup
}
trap cleanup EXIT

start_seaweedfs "$BUCKET"

S3_ENV=(AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret AWS_REGION=us-east-1
        AWS_ENDPOINT_URL="http://127.0.0.1:$S3_PORT" AWS_ALLOW_HTTP=true)
ictl() {
    env -u PGHOST -u PGPORT -u PGUSER -u PGPASSWORD -u PGDATABASE -u RUST_LOG \
        -u INVOICECTL_SMTP_URL \
        DATABASE_URL="$DB_URL" INVOICECTL_CONFIG="$WORK/config.toml" \
        INVOICECTL_DATA_DIR="$WORK/data" "${S3_ENV[@]}" "$BIN" "$@"
}
# S3 listings through boto3 (a signed client; python3 -m pip install boto3 when
# missing): `s3_list objects` prints every key under exports/, `s3_list uploads`
# every multipart upload still open, one a line.
s3_list() {
    python3 - "$1" "http://127.0.0.1:$S3_PORT" "$BUCKET" <<'PY'
import sys, boto3
what, endpoint, bucket = sys.argv[1:]
s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="bench",
                  aws_secret_access_key="bench-secret", region_name="us-east-1")
if what == "objects":
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="exports/"):
        for o in page.get("Contents", []):
            print(o["Key"])
else:
    for page in s3.get_paginator("list_multipart_uploads").paginate(Bucket=bucket):
        for u in page.get("Uploads", []):
            print(u["Key"], u["UploadId"])
PY
}
printf 'storage = "s3://%s/exports"\npage_size = 50\n' "$BUCKET" >"$WORK/config.toml"

echo "== fresh database $BENCH_DB: $ORGS organizations × $INVOICES invoices" >&2
psql "$SERVER_URL" -qAtc "DROP DATABASE IF EXISTS $BENCH_DB" >/dev/null
ictl db setup >/dev/null
ictl db seed --demo --invoices 0 >/dev/null
seed_orgs l "$ORGS" "$INVOICES"
psql "$DB_URL" -qAtc "VACUUM ANALYZE" >/dev/null

# Worker $1, in the background; `exec` makes $! the worker itself (not a subshell),
# so that SIGKILL reaches it.
start_worker() {
    (exec env -u PGHOST -u PGPORT -u PGUSER -u PGPASSWORD -u PGDATABASE -u RUST_LOG \
        -u INVOICECTL_SMTP_URL \
        DATABASE_URL="$DB_URL" INVOICECTL_CONFIG="$WORK/config.toml" \
        INVOICECTL_DATA_DIR="$WORK/data" "${S3_ENV[@]}" \
        "$BIN" export worker --lease 4 --heartbeat 1 --concurrency 8) \
        >>"$WORK/worker-$1.out" 2>>"$WORK/worker-$1.log" &
    WORKER_PIDS[$1]=$!
}
for i in $(seq 0 $((WORKERS - 1))); do start_worker "$i"; done

# A starter: `export start --force` for random organizations until the deadline,
# one run id a line.
starter() {
    local deadline=$1 out=$2 org
    while [ "$(date +%s)" -lt "$deadline" ]; do
        org=$(printf 'org_l%04d' $((1 + RANDOM % ORGS)))
        ictl export start --org "$org" --as user_alice --force --json 2>>"$out.err" \
            | jq -r .runId >>"$out" || true
        sleep "$START_PAUSE"
    done
}
t0=$(now)
deadline=$(( $(date +%s) + SECONDS_LOAD ))
for s in $(seq 1 "$STARTERS"); do
    starter "$deadline" "$WORK/started-$s" &
    STARTER_PIDS+=($!)
done
kills=0
while [ "$(date +%s)" -lt "$deadline" ]; do
    sleep "$KILL_EVERY"
    victim=$((RANDOM % WORKERS))
    kill -9 "${WORKER_PIDS[$victim]}" 2>/dev/null || true
    wait "${WORKER_PIDS[$victim]}" 2>/dev/null || true
    kills=$((kills + 1))
    start_worker "$victim"
done
for pid in "${STARTER_PIDS[@]}"; do wait "$pid" || true; done
STARTER_PIDS=()
t_load=$(now)
started=$(cat "$WORK"/started-* | grep -c '^run_' || true)
echo "== $started exports started in $(elapsed "$t0" "$t_load") s, $kills SIGKILLs; draining" >&2

# The workers (no more kills) finish what is left: at most 5 minutes.
live() {
    psql "$DB_URL" -qAtc "SELECT count(*) FROM run WHERE status NOT IN ('completed', 'failed', 'canceled')"
}
for _ in $(seq 1 600); do
    [ "$(live)" = 0 ] && break
    sleep 0.5
done
t_done=$(now)
left=$(live)
for pid in "${WORKER_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
for pid in "${WORKER_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
WORKER_PIDS=()
# Every killed worker really died: its database sessions are gone too.
sleep 1
sessions=$(psql "$SERVER_URL" -qAtc "SELECT count(*) FROM pg_stat_activity WHERE datname = '$BENCH_DB' AND application_name = 'invoicectl'")

q() { psql "$DB_URL" -qAtc "$1"; }
failures=0
check() {
    local what=$1 got=$2 want=$3
    if [ "$got" = "$want" ]; then
        echo "ok    $what: $got" >&2
    else
        echo "FAIL  $what: $got, expected $want" >&2
        failures=$((failures + 1))
    fi
}
check "runs not ended" "$left" 0
# Every request must have been taken: a start that failed (a deadlock, a refusal)
# would leave no run to check below, so the counts would hide it.
check "export start errors" "$(cat "$WORK"/started-*.err 2>/dev/null | grep -c 'error' || true)" 0
check "exports started (export rows)" "$(q "SELECT count(*) FROM export")" "$started"
check "exports completed" "$(q "SELECT count(*) FROM export WHERE status = 'completed'")" "$started"
check "export runs completed" \
    "$(q "SELECT count(*) FROM run WHERE task_id = 'export-invoices' AND status = 'completed'")" "$started"
check "email runs completed" \
    "$(q "SELECT count(*) FROM run WHERE task_id = 'send-export-email' AND status = 'completed'")" "$started"
check "completed audit entries" \
    "$(q "SELECT count(*) FROM audit_log WHERE action = 'export.invoices.completed'")" "$started"
check "exports with other than one completed audit entry" \
    "$(q "SELECT count(*) FROM (SELECT e.run_id FROM export e LEFT JOIN audit_log a
              ON a.subject_id = e.run_id AND a.action = 'export.invoices.completed'
          GROUP BY e.run_id HAVING count(a.id) <> 1) x")" 0
# One email per export: one Message-ID each (derived from the export's key). A
# worker killed between writing the message and recording the send writes it again
# with the same Message-ID (the at-least-once window of any mail transport), which
# the raw file count shows.
emails=$(find "$WORK/data/outbox" -name '*.eml' 2>/dev/null | wc -l)
message_ids=$(find "$WORK/data/outbox" -name '*.eml' -exec grep -hi '^Message-ID:' {} + 2>/dev/null | sort -u | wc -l)
check "distinct Message-IDs in the outbox" "$message_ids" "$started"
echo "info  .eml files (resends after a kill share a Message-ID): $emails" >&2
objects=$(s3_list objects | sort)
check "CSV objects" "$(grep -c . <<<"$objects" || true)" "$started"
check "objects not named by an export row" \
    "$(comm -23 <(echo "$objects") <(q "SELECT substring(object_url FROM 's3://[^/]+/(.*)') FROM export WHERE object_url IS NOT NULL ORDER BY 1" | sort) | grep -c . || true)" 0
uploads=$(s3_list uploads)
check "open multipart uploads" "$(grep -c . <<<"$uploads" || true)" 0
# None is expected (the lease holder aborts the uploads no checkpoint names: at a
# takeover, and when its export completes or fails); should one be left, say what.
while read -r key upload_id; do
    [ -n "$key" ] || continue
    named=$(q "SELECT count(*) FROM run_step WHERE checkpoint::text LIKE '%$upload_id%'
               OR output::text LIKE '%$upload_id%'")
    echo "info  open upload $key ($upload_id): named by $named checkpoints; its export is $(q "SELECT status FROM export WHERE object_url LIKE '%$key'")" >&2
done <<<"$uploads"
check "partial files under the data directory" \
    "$(find "$WORK/data" -name '*.partial' 2>/dev/null | wc -l)" 0
check "audit verify" "$(ictl audit verify >/dev/null 2>&1 && echo clean || echo broken)" clean
check "stranded lanes" "$(q "SELECT count(*) FROM run_lane l JOIN LATERAL (
        SELECT r.run_at, r.id FROM run r WHERE r.queue = l.queue
           AND r.concurrency_key = l.concurrency_key AND r.status = 'queued'
         ORDER BY r.run_at, r.id LIMIT 1) f ON true
    WHERE l.head_at IS NULL OR (f.run_at, f.id) < (l.head_at, coalesce(l.head_id, ''))")" 0
check "lane repairs by the sweep (worker logs)" "$(cat "$WORK"/worker-*.log | grep -c 'stranded' || true)" 0
check "lanes still held" "$(q "SELECT coalesce(sum(running), 0) FROM run_lane")" 0
check "worker sessions left after the workers stopped" "$sessions" 0

takeovers=$(cat "$WORK"/worker-*.log | grep -c 'took over a run whose lease expired' || true)
# A run that ended otherwise than its export (a run failed while its export
# completed, or the reverse) must not exist.
check "export runs whose status differs from their export's" \
    "$(q "SELECT count(*) FROM run r JOIN export e ON e.run_id = r.id
          WHERE r.task_id = 'export-invoices' AND r.status::text <> e.status::text")" 0
exhausted=$(q "SELECT count(*) FROM run WHERE task_id = 'export-invoices' AND status = 'failed'
               AND error->>'code' = 'worker_lost'")
given_back=$(cat "$WORK"/worker-*.log | grep 'took over a run whose lease expired' | grep -c 'progressed=true' || true)
orphans=$(cat "$WORK"/worker-*.log | grep -c 'aborted an upload no checkpoint named' || true)
twice=$(q "SELECT count(*) FROM (SELECT subject_id FROM audit_log
           WHERE action = 'export.invoices.completed' GROUP BY 1 HAVING count(*) > 1) x")
attempts=$(q "SELECT coalesce(sum(attempt), 0) FROM run")
cat <<EOF

machine:    $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), load $(cut -d' ' -f1-3 /proc/loadavg) at the end
setup:      $ORGS organizations × $INVOICES invoices, page_size 50, S3 (SeaweedFS), $WORKERS workers (--lease 4 --heartbeat 1 --concurrency 8), $STARTERS starters
load:       $started exports started in $(elapsed "$t0" "$t_load") s ($(echo "$started / $(elapsed "$t0" "$t_load")" | bc -l | xargs printf '%.1f')/s), $kills SIGKILLs (one every $KILL_EVERY s)
drain:      every run ended $(elapsed "$t_load" "$t_done") s after the load stopped ($left left)
attempts:   $attempts over $((started * 2)) runs, $takeovers takeovers logged; $emails .eml files for $message_ids Message-IDs
lost:       $given_back of the $takeovers takeovers found progress (attempt given back); $exhausted export runs failed worker_lost; $orphans uploads no checkpoint named were aborted
twice:      exports completed twice: $twice
checks:     $failures failed
EOF
[ "$failures" = 0 ]
