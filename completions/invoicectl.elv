
use builtin;
use str;

set edit:completion:arg-completer[invoicectl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'invoicectl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'invoicectl'= {
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand db 'Create, migrate and seed the database'
            cand export 'Request, watch, work on and cancel invoice exports'
            cand suppression 'Manage the addresses the export email is never sent to'
            cand audit 'Read, follow, verify and checkpoint the append-only, hash-chained audit log'
            cand config 'Show the resolved configuration and where each setting came from'
            cand org 'List the organizations (tenants) and their member and invoice counts'
            cand member 'List who belongs to an organization, with which role'
            cand user 'Link PostgreSQL logins to invoicectl users (admin only)'
            cand whoami 'Show who PostgreSQL says you are: login, user, mode, groups, organizations'
            cand demo 'Try invoicectl in one command: set up, seed, export org_acme, show the result'
            cand completions 'Print a shell completion script to stdout'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'invoicectl;db'= {
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand setup 'Create the database if it is missing and apply all migrations (idempotent)'
            cand migrate 'Apply pending migrations only (the database must exist)'
            cand seed 'Insert demo tenants, users, members and invoices (idempotent)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'invoicectl;db;setup'= {
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;db;migrate'= {
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;db;seed'= {
            cand --invoices 'Invoices per organization (at most 10000000)'
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --demo 'Seed the demo organizations (org_acme, org_globex, org_initech) and users'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;db;help'= {
            cand setup 'Create the database if it is missing and apply all migrations (idempotent)'
            cand migrate 'Apply pending migrations only (the database must exist)'
            cand seed 'Insert demo tenants, users, members and invoices (idempotent)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'invoicectl;db;help;setup'= {
        }
        &'invoicectl;db;help;migrate'= {
        }
        &'invoicectl;db;help;seed'= {
        }
        &'invoicectl;db;help;help'= {
        }
        &'invoicectl;export'= {
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand start 'Request an export of an organization''s invoices; prints the run id at once'
            cand status 'Show one run (with its child runs) or the most recent runs'
            cand cancel 'Cancel a queued, waiting or executing run and its child runs'
            cand worker 'Run exports: claim runs from the queue, write CSVs, send the emails'
            cand queue 'Show the state of the run queue: backlog, leases, retries'
            cand url 'Print a fresh download link for a finished export'
            cand download 'Download a finished export, verifying its size and SHA-256'
            cand prune 'Delete the stored files of old exports and mark them expired'
            cand retry 'Request a new export for a failed or canceled one (same org, requester, scope)'
            cand pause 'Stop workers from claiming an organization''s queued exports'
            cand resume 'Let workers claim a paused organization''s exports again'
            cand schedule 'Request exports on a cron schedule: add, list, show, pause, resume, remove'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'invoicectl;export;start'= {
            cand --org 'Organization whose invoices to export (e.g. org_acme)'
            cand --as 'Requesting user; must be a member (not a viewer) of the organization'
            cand --from 'Only invoices issued at or after this time (YYYY-MM-DD is midnight UTC, or RFC 3339)'
            cand --to 'Only invoices issued before this time (YYYY-MM-DD is midnight UTC, or RFC 3339)'
            cand --period 'Only invoices issued in this period: 2026-11, 2026-Q4, 2026, previous-month, previous-week (ISO, Monday to Monday) or previous-day (resolved when requested)'
            cand --tz 'The IANA time zone whose days bound --period (default UTC), e.g. Europe/Paris'
            cand --status 'Only invoices with one of these statuses: draft, open, paid, void, uncollectible'
            cand --timeout 'With --wait: give up after this many seconds (exit 75; the run goes on)'
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --force 'Start a new run even if one was requested today'
            cand --wait 'Follow the run to its end: exit 0 if it completed, 1 if it failed or was canceled'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;export;status'= {
            cand --org 'List only this organization''s runs'
            cand --limit 'How many runs to list, newest first'
            cand --timeout 'With --watch: give up after this many seconds (exit 75)'
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --watch 'Redraw a progress bar until the run ends; exit 0 if it completed, 1 if not'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;export;cancel'= {
            cand --as 'Who cancels, for the audit log (default: config `user`; else recorded as system)'
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;export;worker'= {
            cand --concurrency 'Runs executed at once by this process, 1 to 1024 (default: config `worker_concurrency`, else 4)'
            cand --storage 'Where exports are stored: file:///absolute/dir or s3://bucket[/prefix] (default: config `storage`, else the export dir). S3 settings come from the AWS variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL, …) or the s3_* config keys; naming this and --export-dir together is a usage error'
            cand --export-dir 'Where CSV files are written, short for --storage file:///DIR (default: config `export_dir`, else `exports/` in the data directory)'
            cand --link-ttl 'How long the emailed S3 download link works: 90m, 12h, 7d… (default: config `link_ttl`, 7d, the most SigV4 allows); `export url` signs a fresh one'
            cand --lease 'Lease length in seconds, 1 to 3600: a run whose worker stops renewing it is taken over by another worker after this long. The worker''s database sessions are also limited to one lease idle inside a transaction or waiting for a lock'
            cand --heartbeat 'How often the lease is renewed, in seconds (at least 0.1, less than --lease)'
            cand --poll-interval 'Seconds between looks at the queue when no notification arrives'
            cand --retry-scale 'Multiply retry delays (tests run the backoff curve fast)'
            cand --unreachable-limit 'With --drain or --once: give up (exit 69) once the database has been unreachable this many seconds (tests shorten it)'
            cand --metrics-addr 'Serve Prometheus metrics on this IP:PORT (e.g. 127.0.0.1:9464; any path, /health answers OK) while the worker runs — for a long-running worker: runs by task and outcome, durations, queue depth and age, rows, bytes, email dispositions, takeovers. Refused before any claim: an address that is not IP:PORT or not of this host exits 65, one in use 75 (default: config metrics_addr, INVOICECTL_METRICS_ADDR)'
            cand --metrics-textfile 'Write the same metrics to this .prom file when the worker ends, for node_exporter''s textfile collector — for a cron --drain, which no scrape catches alive (default: config metrics_textfile, INVOICECTL_METRICS_TEXTFILE)'
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --drain 'Exit 0 once nothing is runnable now (for cron); runs held by other workers and retries scheduled later are left for the next invocation'
            cand --once 'Run at most one run, then exit'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;export;queue'= {
            cand --limit 'How many lanes, leases and retries to list at most (each); the per-queue counts always cover everything'
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;export;url'= {
            cand --expires 'How long the link works: 90m, 12h, 7d… (default: config `link_ttl`, 7d; at most 7d, SigV4''s limit). Local files get a file:// URL, which does not expire'
            cand --as 'Who asks: the export''s requester, or an owner or admin of its organization'
            cand --storage 'Look for the file under this storage instead of where the export row says it is (a mirror, a share mounted elsewhere): file:///dir or s3://bucket/prefix'
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;export;download'= {
            cand -o 'Where to write: a file, or `-` for stdout (default: stdout when it is not a terminal, else invoices-<org>-<date>.csv in the current directory)'
            cand --output 'Where to write: a file, or `-` for stdout (default: stdout when it is not a terminal, else invoices-<org>-<date>.csv in the current directory)'
            cand --as 'Who asks: the export''s requester, or an owner or admin of its organization'
            cand --storage 'Look for the file under this storage instead of where the export row says it is (a mirror, a share mounted elsewhere): file:///dir or s3://bucket/prefix'
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;export;prune'= {
            cand --older-than 'Expire exports completed longer ago than this: 30d, 12h, 2w…'
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --dry-run 'List what would be expired; delete and change nothing'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;export;retry'= {
            cand --as 'Who asks: the requester or an owner/admin (default: this login''s user, or config `user`; else the original requester)'
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;export;pause'= {
            cand --org 'Organization whose exports to pause'
            cand --reason 'Why, for the audit log and for whoever finds the exports waiting'
            cand --as 'Who pauses: an owner or admin of the organization'
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;export;resume'= {
            cand --org 'Organization whose exports to resume'
            cand --as 'Who resumes: an owner or admin of the organization'
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;export;schedule'= {
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand add 'Add a schedule: an export of the organization at each tick of a cron expression'
            cand list 'List schedules (of one organization with --org)'
            cand show 'Show a schedule: its next 5 ticks and its latest ticks (fired, failed, skipped)'
            cand pause 'Stop a schedule''s ticks until it is resumed (its owner, or an owner or admin)'
            cand resume 'Resume a paused schedule; ticks that came due while paused do not fire'
            cand remove 'Remove a schedule (its ticks and exports stay in the history)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'invoicectl;export;schedule;add'= {
            cand --org 'Organization whose invoices to export'
            cand --cron 'Cron expression: 5 fields, or 6 with leading seconds (e.g. "0 6 1 * *")'
            cand --tz 'IANA time zone the expression and the period''s days are read in (default UTC)'
            cand --from 'Only invoices issued at or after this time (YYYY-MM-DD or RFC 3339)'
            cand --to 'Only invoices issued before this time (YYYY-MM-DD or RFC 3339)'
            cand --period 'Only invoices issued in this period, resolved at each tick (e.g. previous-month)'
            cand --status 'Only invoices with one of these statuses: draft, open, paid, void, uncollectible'
            cand --as 'The schedule''s owner, who requests each export; must be a member (not a viewer)'
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;export;schedule;list'= {
            cand --org 'Only this organization''s schedules'
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;export;schedule;show'= {
            cand --as 'Who changes it (pause, resume, remove): its owner, or an owner or admin'
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;export;schedule;pause'= {
            cand --as 'Who changes it (pause, resume, remove): its owner, or an owner or admin'
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;export;schedule;resume'= {
            cand --as 'Who changes it (pause, resume, remove): its owner, or an owner or admin'
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;export;schedule;remove'= {
            cand --as 'Who changes it (pause, resume, remove): its owner, or an owner or admin'
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;export;schedule;help'= {
            cand add 'Add a schedule: an export of the organization at each tick of a cron expression'
            cand list 'List schedules (of one organization with --org)'
            cand show 'Show a schedule: its next 5 ticks and its latest ticks (fired, failed, skipped)'
            cand pause 'Stop a schedule''s ticks until it is resumed (its owner, or an owner or admin)'
            cand resume 'Resume a paused schedule; ticks that came due while paused do not fire'
            cand remove 'Remove a schedule (its ticks and exports stay in the history)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'invoicectl;export;schedule;help;add'= {
        }
        &'invoicectl;export;schedule;help;list'= {
        }
        &'invoicectl;export;schedule;help;show'= {
        }
        &'invoicectl;export;schedule;help;pause'= {
        }
        &'invoicectl;export;schedule;help;resume'= {
        }
        &'invoicectl;export;schedule;help;remove'= {
        }
        &'invoicectl;export;schedule;help;help'= {
        }
        &'invoicectl;export;help'= {
            cand start 'Request an export of an organization''s invoices; prints the run id at once'
            cand status 'Show one run (with its child runs) or the most recent runs'
            cand cancel 'Cancel a queued, waiting or executing run and its child runs'
            cand worker 'Run exports: claim runs from the queue, write CSVs, send the emails'
            cand queue 'Show the state of the run queue: backlog, leases, retries'
            cand url 'Print a fresh download link for a finished export'
            cand download 'Download a finished export, verifying its size and SHA-256'
            cand prune 'Delete the stored files of old exports and mark them expired'
            cand retry 'Request a new export for a failed or canceled one (same org, requester, scope)'
            cand pause 'Stop workers from claiming an organization''s queued exports'
            cand resume 'Let workers claim a paused organization''s exports again'
            cand schedule 'Request exports on a cron schedule: add, list, show, pause, resume, remove'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'invoicectl;export;help;start'= {
        }
        &'invoicectl;export;help;status'= {
        }
        &'invoicectl;export;help;cancel'= {
        }
        &'invoicectl;export;help;worker'= {
        }
        &'invoicectl;export;help;queue'= {
        }
        &'invoicectl;export;help;url'= {
        }
        &'invoicectl;export;help;download'= {
        }
        &'invoicectl;export;help;prune'= {
        }
        &'invoicectl;export;help;retry'= {
        }
        &'invoicectl;export;help;pause'= {
        }
        &'invoicectl;export;help;resume'= {
        }
        &'invoicectl;export;help;schedule'= {
            cand add 'Add a schedule: an export of the organization at each tick of a cron expression'
            cand list 'List schedules (of one organization with --org)'
            cand show 'Show a schedule: its next 5 ticks and its latest ticks (fired, failed, skipped)'
            cand pause 'Stop a schedule''s ticks until it is resumed (its owner, or an owner or admin)'
            cand resume 'Resume a paused schedule; ticks that came due while paused do not fire'
            cand remove 'Remove a schedule (its ticks and exports stay in the history)'
        }
        &'invoicectl;export;help;schedule;add'= {
        }
        &'invoicectl;export;help;schedule;list'= {
        }
        &'invoicectl;export;help;schedule;show'= {
        }
        &'invoicectl;export;help;schedule;pause'= {
        }
        &'invoicectl;export;help;schedule;resume'= {
        }
        &'invoicectl;export;help;schedule;remove'= {
        }
        &'invoicectl;export;help;help'= {
        }
        &'invoicectl;suppression'= {
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand add 'Put an address on the suppression list, or change its reason'
            cand remove 'Take an address off the suppression list'
            cand list 'List every suppressed address, its reason and when it was suppressed'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'invoicectl;suppression;add'= {
            cand --reason 'Why the address is suppressed'
            cand --as 'The user making the change, recorded in the audit log (default: config key `user`; none means the entry has no actor)'
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;suppression;remove'= {
            cand --as 'The user making the change, recorded in the audit log (default: config key `user`; none means the entry has no actor)'
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;suppression;list'= {
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;suppression;help'= {
            cand add 'Put an address on the suppression list, or change its reason'
            cand remove 'Take an address off the suppression list'
            cand list 'List every suppressed address, its reason and when it was suppressed'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'invoicectl;suppression;help;add'= {
        }
        &'invoicectl;suppression;help;remove'= {
        }
        &'invoicectl;suppression;help;list'= {
        }
        &'invoicectl;suppression;help;help'= {
        }
        &'invoicectl;audit'= {
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand tail 'Print the newest audit entries, oldest first; with --follow, keep printing new ones as they commit'
            cand verify 'Recompute every hash chain (one per organization, plus the system chain) and name the first broken link'
            cand checkpoint 'Print each chain''s head as JSON, a witness to keep outside the database for `audit verify --against`'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'invoicectl;audit;tail'= {
            cand --org 'Only this organization''s entries (system-wide entries are left out)'
            cand -n 'How many of the newest matching entries to print first [default: 20, or all with --since]; 0 prints only new ones (with --follow)'
            cand --lines 'How many of the newest matching entries to print first [default: 20, or all with --since]; 0 prints only new ones (with --follow)'
            cand --action 'Only entries with this action, e.g. export.invoices.completed'
            cand --since 'Only entries created at or after TIME: RFC 3339 (2026-11-22T09:30:00Z), a UTC date (2026-11-22), or a duration ago by this machine''s clock (90s, 15m, 2h, 7d, 1h30m)'
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand -f 'Keep printing entries as they commit until interrupted (Ctrl-C or SIGTERM, exit 0)'
            cand --follow 'Keep printing entries as they commit until interrupted (Ctrl-C or SIGTERM, exit 0)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;audit;verify'= {
            cand --org 'Only this organization''s chain (default: every organization and the system chain)'
            cand --against 'Also check each chain against the heads witnessed in FILE (written by `audit checkpoint`): a chain fails unless it still holds the witnessed last row, with the witnessed hash, as its witnessed count-th row'
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;audit;checkpoint'= {
            cand --org 'Only this organization''s chain (default: every organization and the system chain)'
            cand --out 'Write the checkpoint to FILE instead of stdout, atomically (a new file beside it, fsynced, then renamed over FILE), replacing FILE if it exists'
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;audit;help'= {
            cand tail 'Print the newest audit entries, oldest first; with --follow, keep printing new ones as they commit'
            cand verify 'Recompute every hash chain (one per organization, plus the system chain) and name the first broken link'
            cand checkpoint 'Print each chain''s head as JSON, a witness to keep outside the database for `audit verify --against`'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'invoicectl;audit;help;tail'= {
        }
        &'invoicectl;audit;help;verify'= {
        }
        &'invoicectl;audit;help;checkpoint'= {
        }
        &'invoicectl;audit;help;help'= {
        }
        &'invoicectl;config'= {
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand show 'Print every setting, its value and where it came from: flag, env, file or default'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'invoicectl;config;show'= {
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;config;help'= {
            cand show 'Print every setting, its value and where it came from: flag, env, file or default'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'invoicectl;config;help;show'= {
        }
        &'invoicectl;config;help;help'= {
        }
        &'invoicectl;org'= {
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List every organization with its member and invoice counts'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'invoicectl;org;list'= {
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;org;help'= {
            cand list 'List every organization with its member and invoice counts'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'invoicectl;org;help;list'= {
        }
        &'invoicectl;org;help;help'= {
        }
        &'invoicectl;member'= {
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List an organization''s members: user id, email, name and role'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'invoicectl;member;list'= {
            cand --org 'The organization whose members to list (`invoicectl org list` shows them all)'
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;member;help'= {
            cand list 'List an organization''s members: user id, email, name and role'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'invoicectl;member;help;list'= {
        }
        &'invoicectl;member;help;help'= {
        }
        &'invoicectl;user'= {
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand link 'Link a PostgreSQL login to an invoicectl user (admin only)'
            cand unlink 'Remove a login''s link (admin only)'
            cand list 'List the linked logins, their users and invoicectl groups (admin only)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'invoicectl;user;link'= {
            cand --login 'The PostgreSQL login (role name) to link'
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;user;unlink'= {
            cand --login 'The PostgreSQL login (role name) to unlink'
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;user;list'= {
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;user;help'= {
            cand link 'Link a PostgreSQL login to an invoicectl user (admin only)'
            cand unlink 'Remove a login''s link (admin only)'
            cand list 'List the linked logins, their users and invoicectl groups (admin only)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'invoicectl;user;help;link'= {
        }
        &'invoicectl;user;help;unlink'= {
        }
        &'invoicectl;user;help;list'= {
        }
        &'invoicectl;user;help;help'= {
        }
        &'invoicectl;whoami'= {
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;demo'= {
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --fresh 'Request a new export run even if the demo already made one today (like `export start --force`)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;completions'= {
            cand --database-url 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)'
            cand --config 'Config file (default: config.toml in the platform config directory)'
            cand --data-dir 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)'
            cand --color 'When to use colors (NO_COLOR is honoured)'
            cand --json 'Print results as JSON (NDJSON for streams) instead of tables'
            cand -q 'Only print warnings and errors to stderr'
            cand --quiet 'Only print warnings and errors to stderr'
            cand -v 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand --verbose 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'invoicectl;help'= {
            cand db 'Create, migrate and seed the database'
            cand export 'Request, watch, work on and cancel invoice exports'
            cand suppression 'Manage the addresses the export email is never sent to'
            cand audit 'Read, follow, verify and checkpoint the append-only, hash-chained audit log'
            cand config 'Show the resolved configuration and where each setting came from'
            cand org 'List the organizations (tenants) and their member and invoice counts'
            cand member 'List who belongs to an organization, with which role'
            cand user 'Link PostgreSQL logins to invoicectl users (admin only)'
            cand whoami 'Show who PostgreSQL says you are: login, user, mode, groups, organizations'
            cand demo 'Try invoicectl in one command: set up, seed, export org_acme, show the result'
            cand completions 'Print a shell completion script to stdout'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'invoicectl;help;db'= {
            cand setup 'Create the database if it is missing and apply all migrations (idempotent)'
            cand migrate 'Apply pending migrations only (the database must exist)'
            cand seed 'Insert demo tenants, users, members and invoices (idempotent)'
        }
        &'invoicectl;help;db;setup'= {
        }
        &'invoicectl;help;db;migrate'= {
        }
        &'invoicectl;help;db;seed'= {
        }
        &'invoicectl;help;export'= {
            cand start 'Request an export of an organization''s invoices; prints the run id at once'
            cand status 'Show one run (with its child runs) or the most recent runs'
            cand cancel 'Cancel a queued, waiting or executing run and its child runs'
            cand worker 'Run exports: claim runs from the queue, write CSVs, send the emails'
            cand queue 'Show the state of the run queue: backlog, leases, retries'
            cand url 'Print a fresh download link for a finished export'
            cand download 'Download a finished export, verifying its size and SHA-256'
            cand prune 'Delete the stored files of old exports and mark them expired'
            cand retry 'Request a new export for a failed or canceled one (same org, requester, scope)'
            cand pause 'Stop workers from claiming an organization''s queued exports'
            cand resume 'Let workers claim a paused organization''s exports again'
            cand schedule 'Request exports on a cron schedule: add, list, show, pause, resume, remove'
        }
        &'invoicectl;help;export;start'= {
        }
        &'invoicectl;help;export;status'= {
        }
        &'invoicectl;help;export;cancel'= {
        }
        &'invoicectl;help;export;worker'= {
        }
        &'invoicectl;help;export;queue'= {
        }
        &'invoicectl;help;export;url'= {
        }
        &'invoicectl;help;export;download'= {
        }
        &'invoicectl;help;export;prune'= {
        }
        &'invoicectl;help;export;retry'= {
        }
        &'invoicectl;help;export;pause'= {
        }
        &'invoicectl;help;export;resume'= {
        }
        &'invoicectl;help;export;schedule'= {
            cand add 'Add a schedule: an export of the organization at each tick of a cron expression'
            cand list 'List schedules (of one organization with --org)'
            cand show 'Show a schedule: its next 5 ticks and its latest ticks (fired, failed, skipped)'
            cand pause 'Stop a schedule''s ticks until it is resumed (its owner, or an owner or admin)'
            cand resume 'Resume a paused schedule; ticks that came due while paused do not fire'
            cand remove 'Remove a schedule (its ticks and exports stay in the history)'
        }
        &'invoicectl;help;export;schedule;add'= {
        }
        &'invoicectl;help;export;schedule;list'= {
        }
        &'invoicectl;help;export;schedule;show'= {
        }
        &'invoicectl;help;export;schedule;pause'= {
        }
        &'invoicectl;help;export;schedule;resume'= {
        }
        &'invoicectl;help;export;schedule;remove'= {
        }
        &'invoicectl;help;suppression'= {
            cand add 'Put an address on the suppression list, or change its reason'
            cand remove 'Take an address off the suppression list'
            cand list 'List every suppressed address, its reason and when it was suppressed'
        }
        &'invoicectl;help;suppression;add'= {
        }
        &'invoicectl;help;suppression;remove'= {
        }
        &'invoicectl;help;suppression;list'= {
        }
        &'invoicectl;help;audit'= {
            cand tail 'Print the newest audit entries, oldest first; with --follow, keep printing new ones as they commit'
            cand verify 'Recompute every hash chain (one per organization, plus the system chain) and name the first broken link'
            cand checkpoint 'Print each chain''s head as JSON, a witness to keep outside the database for `audit verify --against`'
        }
        &'invoicectl;help;audit;tail'= {
        }
        &'invoicectl;help;audit;verify'= {
        }
        &'invoicectl;help;audit;checkpoint'= {
        }
        &'invoicectl;help;config'= {
            cand show 'Print every setting, its value and where it came from: flag, env, file or default'
        }
        &'invoicectl;help;config;show'= {
        }
        &'invoicectl;help;org'= {
            cand list 'List every organization with its member and invoice counts'
        }
        &'invoicectl;help;org;list'= {
        }
        &'invoicectl;help;member'= {
            cand list 'List an organization''s members: user id, email, name and role'
        }
        &'invoicectl;help;member;list'= {
        }
        &'invoicectl;help;user'= {
            cand link 'Link a PostgreSQL login to an invoicectl user (admin only)'
            cand unlink 'Remove a login''s link (admin only)'
            cand list 'List the linked logins, their users and invoicectl groups (admin only)'
        }
        &'invoicectl;help;user;link'= {
        }
        &'invoicectl;help;user;unlink'= {
        }
        &'invoicectl;help;user;list'= {
        }
        &'invoicectl;help;whoami'= {
        }
        &'invoicectl;help;demo'= {
        }
        &'invoicectl;help;completions'= {
        }
        &'invoicectl;help;help'= {
        }
    ]
    $completions[$command]
}
