#!/usr/bin/env bash
# Export benchmark: how long `invoicectl export start` + `export worker
# --drain` takes for one organization's 990,000 invoices, against psql's `\copy` of
# the same rows in the same run, the worker's peak RSS, and peak RSS at 200,000 vs
# 2,000 rows. See BENCHMARKS.md ("Export") for how to read the output.
#
# Usage: bench/export.sh            (from the repository root; builds the release binary)
# Environment:
#   DATABASE_URL   server to create the bench database on
#                  (default postgres://postgres@127.0.0.1:5432/postgres)
#   BENCH_DB       database name, dropped and recreated (default invoicectl_bench_export)
#   ROWS           invoices of the measured org (default 990000)
#   RUNS           timed repetitions of export and \copy, medians reported (default 3)
#   PAGE_SIZE      config page_size (default: unset, i.e. the default 5000)
#   BIN            binary to measure (default target/release/invoicectl, built first);
#                  e.g. an older build, for before/after figures
#   KEEP=1         keep the database and the work directory afterwards
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${ROWS:-990000}
RUNS=${RUNS:-3}
BENCH_DB=${BENCH_DB:-invoicectl_bench_export}
SERVER_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DB_URL="${SERVER_URL%/*}/$BENCH_DB"
. bench/lib.sh
bench_prepare export
trap bench_cleanup EXIT

# The binary with a private config (no SMTP: the email is an .eml file in the outbox).
echo "export_dir = \"$WORK/exports\"" >"$WORK/config.toml"
if [ -n "${PAGE_SIZE:-}" ]; then
    echo "page_size = $PAGE_SIZE" >>"$WORK/config.toml"
fi
ictl() {
    env -u PGHOST -u PGPORT -u PGUSER -u PGPASSWORD -u PGDATABASE -u RUST_LOG \
        DATABASE_URL="$DB_URL" INVOICECTL_CONFIG="$WORK/config.toml" \
        INVOICECTL_DATA_DIR="$WORK/data" "$BIN" "$@"
}

echo "== fresh database $BENCH_DB" >&2
psql "$SERVER_URL" -qAtc "DROP DATABASE IF EXISTS $BENCH_DB" >/dev/null
ictl db setup >/dev/null
ictl db seed --demo --invoices 0 >/dev/null

# seed_org ORG N: the demo seed's mix of invoices, server-side (bench/lib.sh).

t0=$(now)
seed_org org_acme "$ROWS"
seed_org org_globex 200000
seed_org org_initech 2000
psql "$DB_URL" -qAtc "VACUUM ANALYZE invoice" >/dev/null
t1=$(now)
echo "seeded $ROWS + 200000 + 2000 invoices in $(elapsed "$t0" "$t1") s" >&2

ORG_ACME_SQL="SELECT id, number, customer_name, customer_email, currency, amount_cents, status, issued_at, due_at FROM invoice WHERE organization_id = 'org_acme' ORDER BY id"
# The second baseline: psql producing the export's formatted CSV in SQL — formula
# prefixes neutralised, amounts in the major unit by the currency's minor unit,
# RFC 3339 UTC timestamps with the fraction only when non-zero (the rules of
# exports::csv, written in SQL; the bytes are not compared).
FORMATTED_SQL=$(tr '\n' ' ' <<'SQL'
SELECT id AS invoice_id, number,
  CASE WHEN left(customer_name, 1) IN ('=', '+', '-', '@', chr(9), chr(13))
       THEN '''' || customer_name ELSE customer_name END AS customer_name,
  CASE WHEN left(customer_email, 1) IN ('=', '+', '-', '@', chr(9), chr(13))
       THEN '''' || customer_email ELSE customer_email END AS customer_email,
  currency,
  round(amount_cents::numeric / (10 ^ m.minor)::numeric, m.minor)::text AS amount,
  status,
  to_char(issued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
    || CASE WHEN date_part('microseconds', issued_at)::bigint % 1000000 <> 0
            THEN rtrim(to_char(issued_at AT TIME ZONE 'UTC', '.US'), '0') ELSE '' END
    || 'Z' AS issued_at,
  to_char(due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
    || CASE WHEN date_part('microseconds', due_at)::bigint % 1000000 <> 0
            THEN rtrim(to_char(due_at AT TIME ZONE 'UTC', '.US'), '0') ELSE '' END
    || 'Z' AS due_at
FROM invoice
CROSS JOIN LATERAL (SELECT CASE
  WHEN currency IN ('BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF',
                    'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF') THEN 0
  WHEN currency IN ('BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND') THEN 3
  WHEN currency IN ('CLF', 'UYW') THEN 4 ELSE 2 END AS minor) AS m
WHERE organization_id = 'org_acme' ORDER BY id
SQL
)

# One export of `org` through the binary: start, then drain with GNU time around the
# worker. Prints "seconds peak_rss_kib run_id"; the worker's NDJSON goes to
# $WORK/worker-<tag>.ndjson with an arrival timestamp per line, for the phase profile.
export_once() {
    local org=$1 tag=$2 start_out t_start t_end rss
    t_start=$(now)
    start_out=$(ictl export start --org "$org" --as "$3" --force --json)
    $TIME -v -o "$WORK/time-$tag.txt" \
        env -u PGHOST -u PGPORT -u PGUSER -u PGPASSWORD -u PGDATABASE -u RUST_LOG \
        DATABASE_URL="$DB_URL" INVOICECTL_CONFIG="$WORK/config.toml" \
        INVOICECTL_DATA_DIR="$WORK/data" "$BIN" export worker --drain --json 2>"$WORK/worker-$tag.log" \
        | while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done \
            >"$WORK/worker-$tag.ndjson"
    t_end=$(now)
    local run_id status
    run_id=$(jq -r .runId <<<"$start_out")
    status=$(ictl export status "$run_id" --json | jq -r .status)
    if [ "$status" != completed ]; then
        echo "export $run_id ended $status" >&2
        exit 1
    fi
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time-$tag.txt")
    echo "$(elapsed "$t_start" "$t_end") $rss $run_id"
}

copy_once() {
    local t_start t_end
    t_start=$(now)
    $TIME -f '%U %S' -o "$WORK/time-copy.txt" \
        psql "$DB_URL" -qAt -c "\\copy ($ORG_ACME_SQL) TO '$WORK/copy.csv' CSV HEADER"
    t_end=$(now)
    elapsed "$t_start" "$t_end"
}

formatted_once() {
    local t_start t_end
    t_start=$(now)
    psql "$DB_URL" -qAt -v ON_ERROR_STOP=1 \
        -c "\\copy ($FORMATTED_SQL) TO '$WORK/formatted.csv' CSV HEADER"
    t_end=$(now)
    elapsed "$t_start" "$t_end"
}

# User + system CPU seconds of a GNU time -v report.
cpu_of() {
    awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {printf "%.2f", u + s}' "$1"
}

echo "== warm-up (\\copy once, discarded)" >&2
copy_once >/dev/null

: >"$WORK/export.times"
: >"$WORK/copy.times"
: >"$WORK/formatted.times"
: >"$WORK/export.rss"
for i in $(seq 1 "$RUNS"); do
    out=$(export_once org_acme "acme-$i" user_alice)
    read -r secs rss run_id <<<"$out"
    echo "$secs" >>"$WORK/export.times"
    echo "$rss" >>"$WORK/export.rss"
    csecs=$(copy_once)
    echo "$csecs" >>"$WORK/copy.times"
    fsecs=$(formatted_once)
    echo "$fsecs" >>"$WORK/formatted.times"
    echo "run $i: export ${secs} s (peak RSS ${rss} KiB, $run_id), \\copy ${csecs} s, formatted \\copy ${fsecs} s" >&2
done
LAST_RUN=$run_id

export_med=$(median <"$WORK/export.times")
copy_med=$(median <"$WORK/copy.times")
rss_max=$(sort -n "$WORK/export.rss" | tail -1)
ratio=$(echo "$export_med / $copy_med" | bc -l | xargs printf '%.2f')
formatted_med=$(median <"$WORK/formatted.times")
formatted_ratio=$(echo "$export_med / $formatted_med" | bc -l | xargs printf '%.2f')

# Phase profile of the last timed export, from the worker's NDJSON arrival times:
# start → first page (claim, count), the pages, last page → end (publish, email
# child, close-out).
profile=$(awk -v run="$LAST_RUN" '
    NR == 1 { t0 = $1 }
    index($0, "\"event\":\"progress\"") && index($0, run) && index($0, "\"pagesDone\"") {
        match($0, /"pagesDone":[0-9]+/); p = substr($0, RSTART + 12, RLENGTH - 12) + 0
        if (p > 0 && first == "") first = $1
        if (p > last_p) { last_p = p; last = $1 }
    }
    { end = $1 }
    END {
        printf "worker start->first page %.3f s, pages %d in %.3f s (%.1f ms/page), last page->exit %.3f s",
            first - t0, last_p, last - first, (last - first) * 1000 / (last_p > 1 ? last_p - 1 : 1), end - last
    }' "$WORK/worker-acme-$RUNS.ndjson")

echo "== memory: 200,000 vs 2,000 rows" >&2
out=$(export_once org_globex globex user_bob)
read -r s200k rss200k _ <<<"$out"
out=$(export_once org_initech initech user_erin)
read -r s2k rss2k _ <<<"$out"

csv_bytes=$(stat -c %s "$WORK/exports/org_acme/$LAST_RUN.csv")
copy_bytes=$(stat -c %s "$WORK/copy.csv")

cat <<EOF

machine:    $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM
postgres:   $(psql "$DB_URL" -qAtc 'SHOW server_version') (shared_buffers $(psql "$DB_URL" -qAtc 'SHOW shared_buffers'))
binary:     $BIN
load:       $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, at the end)
rows:       $ROWS (org_acme), page_size ${PAGE_SIZE:-5000 (default)}, $RUNS runs, medians
export:     $export_med s   (start → worker --drain exit; CSV $csv_bytes bytes)
\\copy:      $copy_med s   (same rows, ORDER BY id; CSV $copy_bytes bytes)
ratio:      $ratio   (target ≤ 1.10)
formatted:  $formatted_med s   (psql \\copy of the same CSV formatted in SQL); export / formatted = $formatted_ratio
CPU:        worker $(cpu_of "$WORK/time-acme-$RUNS.txt") s user+sys (last run); psql client $(awk '{printf "%.2f", $1 + $2}' "$WORK/time-copy.txt") s (the server-side CPU of either is not included)
peak RSS:   $((rss_max / 1024)) MiB ($rss_max KiB, worker, max over runs; target ≤ 64 MiB)
memory:     200,000 rows $((rss200k / 1024)) MiB ($rss200k KiB, $s200k s) vs 2,000 rows $((rss2k / 1024)) MiB ($rss2k KiB, $s2k s)
profile:    $profile
EOF
