#!/usr/bin/env bash
# Export cost curve: how the export's wall time, cost per row and worker
# peak RSS move with the size of one organization (100,000, 1,000,000 and
# 10,000,000 invoices by default), and the per-export overhead when 1,000
# organizations of 1,000 invoices each are drained by one worker process and by 4.
# Prints a table and a plot-ready CSV. See BENCHMARKS.md ("Export at COPY speed
#").
#
# Usage: bench/cost-curve.sh        (from the repository root; builds the release binary)
# Environment:
#   DATABASE_URL   server to create the bench database on
#                  (default postgres://postgres@127.0.0.1:5432/postgres)
#   BENCH_DB       database name, dropped and recreated (default invoicectl_bench_curve)
#   SIZES          one-org sizes, ascending (default "100000 1000000 10000000"); the
#                  org is grown from one size to the next
#   ORGS           organizations of the many-orgs part (default 1000; 0 skips it)
#   ORG_ROWS       invoices of each of them (default 1000)
#   PROCS          worker processes of the parallel drain (default 4)
#   CONCURRENCY    --concurrency of each worker (default: the worker's own, 4)
#   CSV_OUT        also write the CSV to this file
#   BIN            binary to measure (default target/release/invoicectl, built first)
#   KEEP=1         keep the database and the work directory afterwards
#
# Small trial: SIZES="2000 20000" ORGS=20 ORG_ROWS=100 bench/cost-curve.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-100000 1000000 10000000}
ORGS=${ORGS:-1000}
ORG_ROWS=${ORG_ROWS:-1000}
PROCS=${PROCS:-4}
BENCH_DB=${BENCH_DB:-invoicectl_bench_curve}
SERVER_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DB_URL="${SERVER_URL%/*}/$BENCH_DB"
. bench/lib.sh
bench_prepare curve
trap bench_cleanup EXIT

echo "export_dir = \"$WORK/exports\"" >"$WORK/config.toml"
ictl() {
    env -u PGHOST -u PGPORT -u PGUSER -u PGPASSWORD -u PGDATABASE -u RUST_LOG \
        DATABASE_URL="$DB_URL" INVOICECTL_CONFIG="$WORK/config.toml" \
        INVOICECTL_DATA_DIR="$WORK/data" "$BIN" "$@"
}
sql() { psql "$DB_URL" -v ON_ERROR_STOP=1 -qAtc "$1"; }
# Peak RSS (KiB) and user+system CPU seconds of a GNU time -v report.
rss_of() { awk -F': ' '/Maximum resident set size/ {print $2}' "$1"; }
cpu_of() { awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {printf "%.2f", u + s}' "$1"; }
worker_args=(export worker --drain)
if [ -n "${CONCURRENCY:-}" ]; then
    worker_args+=(--concurrency "$CONCURRENCY")
fi

# Fails unless every export run has completed.
check_completed() {
    local left
    left=$(sql "SELECT count(*) FROM run WHERE task_id = 'export-invoices' AND status <> 'completed'")
    if [ "$left" != 0 ]; then
        echo "$left export runs did not complete:" >&2
        sql "SELECT status, count(*) FROM run WHERE task_id = 'export-invoices' GROUP BY 1" >&2
        exit 1
    fi
}

echo "== fresh database $BENCH_DB" >&2
psql "$SERVER_URL" -qAtc "DROP DATABASE IF EXISTS $BENCH_DB" >/dev/null
ictl db setup >/dev/null
ictl db seed --demo --invoices 0 >/dev/null

# scenario,orgs,rows_per_org,total_rows,worker_processes,wall_s,copy_s,worker_cpu_s,peak_rss_kib,us_per_row,exports_per_s
echo "scenario,orgs,rows_per_org,total_rows,worker_processes,wall_s,copy_s,worker_cpu_s,peak_rss_kib,us_per_row,exports_per_s" >"$WORK/curve.csv"

# 1. One org, growing: export start → worker --drain exit, then psql \copy of the
#    same rows (the physical limit) in the same breath.
have=0
for size in $SIZES; do
    echo "== one org: growing to $size invoices" >&2
    seed_org org_acme $((size - have)) "$have"
    have=$size
    sql "VACUUM ANALYZE invoice" >/dev/null
    t0=$(now)
    ictl export start --org org_acme --as user_alice --force --json >/dev/null
    $TIME -v -o "$WORK/time-one.txt" \
        env -u PGHOST -u PGPORT -u PGUSER -u PGPASSWORD -u PGDATABASE -u RUST_LOG \
        DATABASE_URL="$DB_URL" INVOICECTL_CONFIG="$WORK/config.toml" \
        INVOICECTL_DATA_DIR="$WORK/data" "$BIN" "${worker_args[@]}" >/dev/null 2>"$WORK/worker-one.log"
    t1=$(now)
    check_completed
    wall=$(elapsed "$t0" "$t1")
    t0=$(now)
    psql "$DB_URL" -qAt -c "\\copy (SELECT id, number, customer_name, customer_email, currency, amount_cents, status, issued_at, due_at FROM invoice WHERE organization_id = 'org_acme' ORDER BY id) TO '$WORK/copy.csv' CSV HEADER"
    t1=$(now)
    copy=$(elapsed "$t0" "$t1")
    rm -f "$WORK/copy.csv" "$WORK"/exports/org_acme/*.csv
    us=$(echo "$wall * 1000000 / $size" | bc -l | xargs printf '%.3f')
    echo "one-org,1,$size,$size,1,$wall,$copy,$(cpu_of "$WORK/time-one.txt"),$(rss_of "$WORK/time-one.txt"),$us," >>"$WORK/curve.csv"
    echo "   $size rows: export $wall s, \\copy $copy s" >&2
done

# 2. Many orgs: ORGS exports of ORG_ROWS invoices each (their enqueueing is not
#    timed), drained by one worker process, then again by PROCS at once.
if [ "$ORGS" -gt 0 ]; then
    echo "== $ORGS orgs of $ORG_ROWS invoices" >&2
    seed_orgs cc "$ORGS" "$ORG_ROWS"
    sql "VACUUM ANALYZE invoice" >/dev/null
    orgs=$(sql "SELECT id FROM organization WHERE id LIKE 'org\\_cc%' ORDER BY id")
    enqueue() {
        local t0 t1 org
        t0=$(now)
        for org in $orgs; do
            ictl export start --org "$org" --as user_alice --force >/dev/null
        done
        t1=$(now)
        echo "   enqueued $ORGS exports in $(elapsed "$t0" "$t1") s (not counted)" >&2
    }
    for procs in 1 "$PROCS"; do
        enqueue
        echo "   draining with $procs worker process(es)" >&2
        t0=$(now)
        pids=()
        for p in $(seq 1 "$procs"); do
            $TIME -v -o "$WORK/time-many-$p.txt" \
                env -u PGHOST -u PGPORT -u PGUSER -u PGPASSWORD -u PGDATABASE -u RUST_LOG \
                DATABASE_URL="$DB_URL" INVOICECTL_CONFIG="$WORK/config.toml" \
                INVOICECTL_DATA_DIR="$WORK/data" "$BIN" "${worker_args[@]}" >/dev/null 2>"$WORK/worker-many-$p.log" &
            pids+=($!)
        done
        for pid in "${pids[@]}"; do
            wait "$pid"
        done
        t1=$(now)
        check_completed
        wall=$(elapsed "$t0" "$t1")
        cpu=0
        rss=0
        for p in $(seq 1 "$procs"); do
            cpu=$(echo "$cpu + $(cpu_of "$WORK/time-many-$p.txt")" | bc -l)
            r=$(rss_of "$WORK/time-many-$p.txt")
            [ "$r" -gt "$rss" ] && rss=$r
        done
        total=$((ORGS * ORG_ROWS))
        us=$(echo "$wall * 1000000 / $total" | bc -l | xargs printf '%.3f')
        rate=$(echo "$ORGS / $wall" | bc -l | xargs printf '%.1f')
        echo "many-orgs,$ORGS,$ORG_ROWS,$total,$procs,$wall,,$(printf '%.2f' "$cpu"),$rss,$us,$rate" >>"$WORK/curve.csv"
        echo "   $procs process(es): $wall s, $rate exports/s" >&2
        find "$WORK/exports" -name '*.csv' -delete
    done
fi

if [ -n "${CSV_OUT:-}" ]; then
    cp "$WORK/curve.csv" "$CSV_OUT"
fi

cat <<EOF

machine:    $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM
postgres:   $(sql 'SHOW server_version') (shared_buffers $(sql 'SHOW shared_buffers'))
binary:     $BIN
load:       $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, at the end)
worker CPU: user+sys of the worker process(es); peak RSS: the largest worker's

EOF
awk -F, 'NR == 1 {
        printf "%-10s %6s %12s %12s %5s %9s %9s %9s %10s %10s %10s\n",
            "scenario", "orgs", "rows/org", "rows", "procs", "wall s", "\\copy s", "CPU s", "peak RSS", "µs/row", "exports/s"
        next
    }
    {
        ratio = ($7 != "") ? sprintf("%9.3f", $7) : sprintf("%9s", "-")
        printf "%-10s %6d %12d %12d %5d %9.3f %s %9.2f %6.1f MiB %10.3f %10s\n",
            $1, $2, $3, $4, $5, $6, ratio, $8, $9 / 1024, $10, ($11 == "") ? "-" : $11
    }' "$WORK/curve.csv"
echo
echo "CSV:"
cat "$WORK/curve.csv"
