#!/usr/bin/env bash
# Scoped export benchmark: one calendar month of a large organization
# (`export start --period 2025-03`) against psql's `\copy` of exactly the same rows
# (`WHERE organization_id = … AND issued_at >= … AND issued_at < … ORDER BY id`), in
# the same run, medians of RUNS. The demo mix spreads invoices evenly over 500 days
# from 2025-01-01, so one month of 10,000,000 invoices is about 620,000 rows. Then,
# with NOINDEX=1, the same after dropping the `invoice_org_issued` index the
# migrations create, to show what it pays (see BENCHMARKS.md, "Scoped export").
#
# Usage: bench/scoped.sh            (from the repository root; builds the release binary)
# Environment:
#   DATABASE_URL   server to create the bench database on
#                  (default postgres://postgres@127.0.0.1:5432/postgres)
#   BENCH_DB       database name, dropped and recreated (default invoicectl_bench_scoped)
#   ROWS           invoices of the measured org (default 10000000; seeding takes minutes)
#   PERIOD         the scope (default 2025-03)
#   RUNS           timed repetitions, medians reported (default 3)
#   NOINDEX=1      also measure without the invoice_org_issued index
#   BIN            binary to measure (default target/release/invoicectl, built first)
#   KEEP=1         keep the database and the work directory afterwards
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${ROWS:-10000000}
PERIOD=${PERIOD:-2025-03}
RUNS=${RUNS:-3}
BENCH_DB=${BENCH_DB:-invoicectl_bench_scoped}
SERVER_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DB_URL="${SERVER_URL%/*}/$BENCH_DB"
. bench/lib.sh
bench_prepare scoped
trap bench_cleanup EXIT

echo "export_dir = \"$WORK/exports\"" >"$WORK/config.toml"
ictl() {
    env -u PGHOST -u PGPORT -u PGUSER -u PGPASSWORD -u PGDATABASE -u RUST_LOG \
        DATABASE_URL="$DB_URL" INVOICECTL_CONFIG="$WORK/config.toml" \
        INVOICECTL_DATA_DIR="$WORK/data" "$BIN" "$@"
}

echo "== fresh database $BENCH_DB" >&2
psql "$SERVER_URL" -qAtc "DROP DATABASE IF EXISTS $BENCH_DB" >/dev/null
ictl db setup >/dev/null
ictl db seed --demo --invoices 0 >/dev/null
t0=$(now)
seed_org org_acme "$ROWS"
psql "$DB_URL" -qAtc "VACUUM ANALYZE invoice" >/dev/null
t1=$(now)
echo "seeded $ROWS invoices in $(elapsed "$t0" "$t1") s" >&2

# The scope's bounds, as the binary resolves them (a throwaway request, canceled).
probe=$(ictl export start --org org_acme --as user_alice --period "$PERIOD" --force --json)
FROM=$(jq -r .scope.from <<<"$probe")
TO=$(jq -r .scope.to <<<"$probe")
ictl export cancel "$(jq -r .runId <<<"$probe")" >/dev/null 2>&1
SCOPE_SQL="SELECT id, number, customer_name, customer_email, currency, amount_cents, status, issued_at, due_at FROM invoice WHERE organization_id = 'org_acme' AND issued_at >= '$FROM' AND issued_at < '$TO' ORDER BY id"
ROWS_IN_SCOPE=$(psql "$DB_URL" -qAtc "SELECT count(*) FROM invoice WHERE organization_id = 'org_acme' AND issued_at >= '$FROM' AND issued_at < '$TO'")
echo "scope $PERIOD: [$FROM, $TO), $ROWS_IN_SCOPE rows" >&2

export_once() {
    local t_start t_end out run_id status rows
    t_start=$(now)
    out=$(ictl export start --org org_acme --as user_alice --period "$PERIOD" --force --json)
    ictl export worker --drain -q 2>"$WORK/worker.log"
    t_end=$(now)
    run_id=$(jq -r .runId <<<"$out")
    read -r status rows < <(ictl export status "$run_id" --json | jq -r '"\(.status) \(.output.rowCount)"')
    if [ "$status" != completed ] || [ "$rows" != "$ROWS_IN_SCOPE" ]; then
        echo "export $run_id ended $status with $rows rows (want $ROWS_IN_SCOPE)" >&2
        exit 1
    fi
    elapsed "$t_start" "$t_end"
}

copy_once() {
    local t_start t_end
    t_start=$(now)
    psql "$DB_URL" -qAt -c "\\copy ($SCOPE_SQL) TO '$WORK/copy.csv' CSV HEADER"
    t_end=$(now)
    elapsed "$t_start" "$t_end"
}

measure() {
    local label=$1 e c
    copy_once >/dev/null # warm-up
    : >"$WORK/e.times"
    : >"$WORK/c.times"
    for i in $(seq 1 "$RUNS"); do
        e=$(export_once)
        c=$(copy_once)
        echo "$e" >>"$WORK/e.times"
        echo "$c" >>"$WORK/c.times"
        echo "$label run $i: export $e s, \\copy $c s" >&2
    done
    local em cm
    em=$(median <"$WORK/e.times")
    cm=$(median <"$WORK/c.times")
    echo "$label: export $em s, \\copy $cm s, ratio $(echo "$em / $cm" | bc -l | xargs printf '%.2f') (target ≤ 1.10)"
}

echo
echo "machine:  $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "postgres: $(psql "$DB_URL" -qAtc 'SHOW server_version')"
echo "org rows: $ROWS; scope $PERIOD = $ROWS_IN_SCOPE rows; $RUNS runs, medians"
measure "invoice_org_issued index"
if [ "${NOINDEX:-0}" = 1 ]; then
    psql "$DB_URL" -qAtc "DROP INDEX invoice_org_issued; ANALYZE invoice" >/dev/null
    measure "without invoice_org_issued"
fi
