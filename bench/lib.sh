# Shared by the export benchmarks (bench/export.sh, bench/export-s3.sh); sourced with
# DB_URL set to the bench database.

# Invoices for one org, server-side: the demo seed's mix (commas, quotes, line
# breaks, non-ASCII, formula-looking names, NULL emails and due dates, negative and
# zero amounts, USD/EUR/JPY/KWD, fractional timestamps) at INSERT … SELECT speed.
seed_org() {
    local org=$1 n=$2 suffix=${1#org_}
    psql "$DB_URL" -v ON_ERROR_STOP=1 -qAt <<SQL
INSERT INTO invoice (id, organization_id, number, customer_name, customer_email,
                     currency, amount_cents, status, issued_at, due_at)
SELECT 'inv_$suffix' || lpad(g::text, 8, '0'),
       '$org',
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
FROM generate_series(0, $n - 1) AS g
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

