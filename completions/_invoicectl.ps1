
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'invoicectl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'invoicectl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'invoicectl' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('db', 'db', [CompletionResultType]::ParameterValue, 'Create, migrate and seed the database')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Request, watch, work on and cancel invoice exports')
            [CompletionResult]::new('suppression', 'suppression', [CompletionResultType]::ParameterValue, 'Manage the addresses the export email is never sent to')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Read, follow, verify and checkpoint the append-only, hash-chained audit log')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the resolved configuration and where each setting came from')
            [CompletionResult]::new('org', 'org', [CompletionResultType]::ParameterValue, 'List the organizations (tenants) and their member and invoice counts')
            [CompletionResult]::new('member', 'member', [CompletionResultType]::ParameterValue, 'List who belongs to an organization, with which role')
            [CompletionResult]::new('user', 'user', [CompletionResultType]::ParameterValue, 'Link PostgreSQL logins to invoicectl users (admin only)')
            [CompletionResult]::new('whoami', 'whoami', [CompletionResultType]::ParameterValue, 'Show who PostgreSQL says you are: login, user, mode, groups, organizations')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Try invoicectl in one command: set up, seed, export org_acme, show the result')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script to stdout')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'invoicectl;db' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Create the database if it is missing and apply all migrations (idempotent)')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Apply pending migrations only (the database must exist)')
            [CompletionResult]::new('seed', 'seed', [CompletionResultType]::ParameterValue, 'Insert demo tenants, users, members and invoices (idempotent)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'invoicectl;db;setup' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;db;migrate' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;db;seed' {
            [CompletionResult]::new('--invoices', '--invoices', [CompletionResultType]::ParameterName, 'Invoices per organization (at most 10000000)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--demo', '--demo', [CompletionResultType]::ParameterName, 'Seed the demo organizations (org_acme, org_globex, org_initech) and users')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;db;help' {
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Create the database if it is missing and apply all migrations (idempotent)')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Apply pending migrations only (the database must exist)')
            [CompletionResult]::new('seed', 'seed', [CompletionResultType]::ParameterValue, 'Insert demo tenants, users, members and invoices (idempotent)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'invoicectl;db;help;setup' {
            break
        }
        'invoicectl;db;help;migrate' {
            break
        }
        'invoicectl;db;help;seed' {
            break
        }
        'invoicectl;db;help;help' {
            break
        }
        'invoicectl;export' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Request an export of an organization''s invoices; prints the run id at once')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show one run (with its child runs) or the most recent runs')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel a queued, waiting or executing run and its child runs')
            [CompletionResult]::new('worker', 'worker', [CompletionResultType]::ParameterValue, 'Run exports: claim runs from the queue, write CSVs, send the emails')
            [CompletionResult]::new('queue', 'queue', [CompletionResultType]::ParameterValue, 'Show the state of the run queue: backlog, leases, retries')
            [CompletionResult]::new('url', 'url', [CompletionResultType]::ParameterValue, 'Print a fresh download link for a finished export')
            [CompletionResult]::new('download', 'download', [CompletionResultType]::ParameterValue, 'Download a finished export, verifying its size and SHA-256')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete the stored files of old exports and mark them expired')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Request a new export for a failed or canceled one (same org, requester, scope)')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Stop workers from claiming an organization''s queued exports')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Let workers claim a paused organization''s exports again')
            [CompletionResult]::new('schedule', 'schedule', [CompletionResultType]::ParameterValue, 'Request exports on a cron schedule: add, list, show, pause, resume, remove')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'invoicectl;export;start' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Organization whose invoices to export (e.g. org_acme)')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Requesting user; must be a member (not a viewer) of the organization')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Only invoices issued at or after this time (YYYY-MM-DD is midnight UTC, or RFC 3339)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Only invoices issued before this time (YYYY-MM-DD is midnight UTC, or RFC 3339)')
            [CompletionResult]::new('--period', '--period', [CompletionResultType]::ParameterName, 'Only invoices issued in this period: 2026-11, 2026-Q4, 2026, previous-month, previous-week (ISO, Monday to Monday) or previous-day (resolved when requested)')
            [CompletionResult]::new('--tz', '--tz', [CompletionResultType]::ParameterName, 'The IANA time zone whose days bound --period (default UTC), e.g. Europe/Paris')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only invoices with one of these statuses: draft, open, paid, void, uncollectible')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'With --wait: give up after this many seconds (exit 75; the run goes on)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Start a new run even if one was requested today')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Follow the run to its end: exit 0 if it completed, 1 if it failed or was canceled')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;export;status' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'List only this organization''s runs')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'How many runs to list, newest first')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'With --watch: give up after this many seconds (exit 75)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Redraw a progress bar until the run ends; exit 0 if it completed, 1 if not')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;export;cancel' {
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who cancels, for the audit log (default: config `user`; else recorded as system)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;export;worker' {
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Runs executed at once by this process, 1 to 1024 (default: config `worker_concurrency`, else 4)')
            [CompletionResult]::new('--storage', '--storage', [CompletionResultType]::ParameterName, 'Where exports are stored: file:///absolute/dir or s3://bucket[/prefix] (default: config `storage`, else the export dir). S3 settings come from the AWS variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL, …) or the s3_* config keys; naming this and --export-dir together is a usage error')
            [CompletionResult]::new('--export-dir', '--export-dir', [CompletionResultType]::ParameterName, 'Where CSV files are written, short for --storage file:///DIR (default: config `export_dir`, else `exports/` in the data directory)')
            [CompletionResult]::new('--link-ttl', '--link-ttl', [CompletionResultType]::ParameterName, 'How long the emailed S3 download link works: 90m, 12h, 7d… (default: config `link_ttl`, 7d, the most SigV4 allows); `export url` signs a fresh one')
            [CompletionResult]::new('--lease', '--lease', [CompletionResultType]::ParameterName, 'Lease length in seconds, 1 to 3600: a run whose worker stops renewing it is taken over by another worker after this long. The worker''s database sessions are also limited to one lease idle inside a transaction or waiting for a lock')
            [CompletionResult]::new('--heartbeat', '--heartbeat', [CompletionResultType]::ParameterName, 'How often the lease is renewed, in seconds (at least 0.1, less than --lease)')
            [CompletionResult]::new('--poll-interval', '--poll-interval', [CompletionResultType]::ParameterName, 'Seconds between looks at the queue when no notification arrives')
            [CompletionResult]::new('--retry-scale', '--retry-scale', [CompletionResultType]::ParameterName, 'Multiply retry delays (tests run the backoff curve fast)')
            [CompletionResult]::new('--unreachable-limit', '--unreachable-limit', [CompletionResultType]::ParameterName, 'With --drain or --once: give up (exit 69) once the database has been unreachable this many seconds (tests shorten it)')
            [CompletionResult]::new('--metrics-addr', '--metrics-addr', [CompletionResultType]::ParameterName, 'Serve Prometheus metrics on this IP:PORT (e.g. 127.0.0.1:9464; any path, /health answers OK) while the worker runs — for a long-running worker: runs by task and outcome, durations, queue depth and age, rows, bytes, email dispositions, takeovers. Refused before any claim: an address that is not IP:PORT or not of this host exits 65, one in use 75 (default: config metrics_addr, INVOICECTL_METRICS_ADDR)')
            [CompletionResult]::new('--metrics-textfile', '--metrics-textfile', [CompletionResultType]::ParameterName, 'Write the same metrics to this .prom file when the worker ends, for node_exporter''s textfile collector — for a cron --drain, which no scrape catches alive (default: config metrics_textfile, INVOICECTL_METRICS_TEXTFILE)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--drain', '--drain', [CompletionResultType]::ParameterName, 'Exit 0 once nothing is runnable now (for cron); runs held by other workers and retries scheduled later are left for the next invocation')
            [CompletionResult]::new('--once', '--once', [CompletionResultType]::ParameterName, 'Run at most one run, then exit')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;export;queue' {
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'How many lanes, leases and retries to list at most (each); the per-queue counts always cover everything')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;export;url' {
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'How long the link works: 90m, 12h, 7d… (default: config `link_ttl`, 7d; at most 7d, SigV4''s limit). Local files get a file:// URL, which does not expire')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who asks: the export''s requester, or an owner or admin of its organization')
            [CompletionResult]::new('--storage', '--storage', [CompletionResultType]::ParameterName, 'Look for the file under this storage instead of where the export row says it is (a mirror, a share mounted elsewhere): file:///dir or s3://bucket/prefix')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;export;download' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to write: a file, or `-` for stdout (default: stdout when it is not a terminal, else invoices-<org>-<date>.csv in the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Where to write: a file, or `-` for stdout (default: stdout when it is not a terminal, else invoices-<org>-<date>.csv in the current directory)')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who asks: the export''s requester, or an owner or admin of its organization')
            [CompletionResult]::new('--storage', '--storage', [CompletionResultType]::ParameterName, 'Look for the file under this storage instead of where the export row says it is (a mirror, a share mounted elsewhere): file:///dir or s3://bucket/prefix')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;export;prune' {
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Expire exports completed longer ago than this: 30d, 12h, 2w…')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'List what would be expired; delete and change nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;export;retry' {
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who asks: the requester or an owner/admin (default: this login''s user, or config `user`; else the original requester)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;export;pause' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Organization whose exports to pause')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why, for the audit log and for whoever finds the exports waiting')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who pauses: an owner or admin of the organization')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;export;resume' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Organization whose exports to resume')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who resumes: an owner or admin of the organization')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;export;schedule' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a schedule: an export of the organization at each tick of a cron expression')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List schedules (of one organization with --org)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a schedule: its next 5 ticks and its latest ticks (fired, failed, skipped)')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Stop a schedule''s ticks until it is resumed (its owner, or an owner or admin)')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Resume a paused schedule; ticks that came due while paused do not fire')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a schedule (its ticks and exports stay in the history)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'invoicectl;export;schedule;add' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Organization whose invoices to export')
            [CompletionResult]::new('--cron', '--cron', [CompletionResultType]::ParameterName, 'Cron expression: 5 fields, or 6 with leading seconds (e.g. "0 6 1 * *")')
            [CompletionResult]::new('--tz', '--tz', [CompletionResultType]::ParameterName, 'IANA time zone the expression and the period''s days are read in (default UTC)')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Only invoices issued at or after this time (YYYY-MM-DD or RFC 3339)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Only invoices issued before this time (YYYY-MM-DD or RFC 3339)')
            [CompletionResult]::new('--period', '--period', [CompletionResultType]::ParameterName, 'Only invoices issued in this period, resolved at each tick (e.g. previous-month)')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only invoices with one of these statuses: draft, open, paid, void, uncollectible')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'The schedule''s owner, who requests each export; must be a member (not a viewer)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;export;schedule;list' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Only this organization''s schedules')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;export;schedule;show' {
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who changes it (pause, resume, remove): its owner, or an owner or admin')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;export;schedule;pause' {
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who changes it (pause, resume, remove): its owner, or an owner or admin')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;export;schedule;resume' {
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who changes it (pause, resume, remove): its owner, or an owner or admin')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;export;schedule;remove' {
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who changes it (pause, resume, remove): its owner, or an owner or admin')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;export;schedule;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a schedule: an export of the organization at each tick of a cron expression')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List schedules (of one organization with --org)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a schedule: its next 5 ticks and its latest ticks (fired, failed, skipped)')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Stop a schedule''s ticks until it is resumed (its owner, or an owner or admin)')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Resume a paused schedule; ticks that came due while paused do not fire')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a schedule (its ticks and exports stay in the history)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'invoicectl;export;schedule;help;add' {
            break
        }
        'invoicectl;export;schedule;help;list' {
            break
        }
        'invoicectl;export;schedule;help;show' {
            break
        }
        'invoicectl;export;schedule;help;pause' {
            break
        }
        'invoicectl;export;schedule;help;resume' {
            break
        }
        'invoicectl;export;schedule;help;remove' {
            break
        }
        'invoicectl;export;schedule;help;help' {
            break
        }
        'invoicectl;export;help' {
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Request an export of an organization''s invoices; prints the run id at once')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show one run (with its child runs) or the most recent runs')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel a queued, waiting or executing run and its child runs')
            [CompletionResult]::new('worker', 'worker', [CompletionResultType]::ParameterValue, 'Run exports: claim runs from the queue, write CSVs, send the emails')
            [CompletionResult]::new('queue', 'queue', [CompletionResultType]::ParameterValue, 'Show the state of the run queue: backlog, leases, retries')
            [CompletionResult]::new('url', 'url', [CompletionResultType]::ParameterValue, 'Print a fresh download link for a finished export')
            [CompletionResult]::new('download', 'download', [CompletionResultType]::ParameterValue, 'Download a finished export, verifying its size and SHA-256')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete the stored files of old exports and mark them expired')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Request a new export for a failed or canceled one (same org, requester, scope)')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Stop workers from claiming an organization''s queued exports')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Let workers claim a paused organization''s exports again')
            [CompletionResult]::new('schedule', 'schedule', [CompletionResultType]::ParameterValue, 'Request exports on a cron schedule: add, list, show, pause, resume, remove')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'invoicectl;export;help;start' {
            break
        }
        'invoicectl;export;help;status' {
            break
        }
        'invoicectl;export;help;cancel' {
            break
        }
        'invoicectl;export;help;worker' {
            break
        }
        'invoicectl;export;help;queue' {
            break
        }
        'invoicectl;export;help;url' {
            break
        }
        'invoicectl;export;help;download' {
            break
        }
        'invoicectl;export;help;prune' {
            break
        }
        'invoicectl;export;help;retry' {
            break
        }
        'invoicectl;export;help;pause' {
            break
        }
        'invoicectl;export;help;resume' {
            break
        }
        'invoicectl;export;help;schedule' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a schedule: an export of the organization at each tick of a cron expression')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List schedules (of one organization with --org)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a schedule: its next 5 ticks and its latest ticks (fired, failed, skipped)')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Stop a schedule''s ticks until it is resumed (its owner, or an owner or admin)')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Resume a paused schedule; ticks that came due while paused do not fire')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a schedule (its ticks and exports stay in the history)')
            break
        }
        'invoicectl;export;help;schedule;add' {
            break
        }
        'invoicectl;export;help;schedule;list' {
            break
        }
        'invoicectl;export;help;schedule;show' {
            break
        }
        'invoicectl;export;help;schedule;pause' {
            break
        }
        'invoicectl;export;help;schedule;resume' {
            break
        }
        'invoicectl;export;help;schedule;remove' {
            break
        }
        'invoicectl;export;help;help' {
            break
        }
        'invoicectl;suppression' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Put an address on the suppression list, or change its reason')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Take an address off the suppression list')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List every suppressed address, its reason and when it was suppressed')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'invoicectl;suppression;add' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why the address is suppressed')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'The user making the change, recorded in the audit log (default: config key `user`; none means the entry has no actor)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;suppression;remove' {
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'The user making the change, recorded in the audit log (default: config key `user`; none means the entry has no actor)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;suppression;list' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;suppression;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Put an address on the suppression list, or change its reason')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Take an address off the suppression list')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List every suppressed address, its reason and when it was suppressed')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'invoicectl;suppression;help;add' {
            break
        }
        'invoicectl;suppression;help;remove' {
            break
        }
        'invoicectl;suppression;help;list' {
            break
        }
        'invoicectl;suppression;help;help' {
            break
        }
        'invoicectl;audit' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('tail', 'tail', [CompletionResultType]::ParameterValue, 'Print the newest audit entries, oldest first; with --follow, keep printing new ones as they commit')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Recompute every hash chain (one per organization, plus the system chain) and name the first broken link')
            [CompletionResult]::new('checkpoint', 'checkpoint', [CompletionResultType]::ParameterValue, 'Print each chain''s head as JSON, a witness to keep outside the database for `audit verify --against`')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'invoicectl;audit;tail' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Only this organization''s entries (system-wide entries are left out)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'How many of the newest matching entries to print first [default: 20, or all with --since]; 0 prints only new ones (with --follow)')
            [CompletionResult]::new('--lines', '--lines', [CompletionResultType]::ParameterName, 'How many of the newest matching entries to print first [default: 20, or all with --since]; 0 prints only new ones (with --follow)')
            [CompletionResult]::new('--action', '--action', [CompletionResultType]::ParameterName, 'Only entries with this action, e.g. export.invoices.completed')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only entries created at or after TIME: RFC 3339 (2026-11-22T09:30:00Z), a UTC date (2026-11-22), or a duration ago by this machine''s clock (90s, 15m, 2h, 7d, 1h30m)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Keep printing entries as they commit until interrupted (Ctrl-C or SIGTERM, exit 0)')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep printing entries as they commit until interrupted (Ctrl-C or SIGTERM, exit 0)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;audit;verify' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Only this organization''s chain (default: every organization and the system chain)')
            [CompletionResult]::new('--against', '--against', [CompletionResultType]::ParameterName, 'Also check each chain against the heads witnessed in FILE (written by `audit checkpoint`): a chain fails unless it still holds the witnessed last row, with the witnessed hash, as its witnessed count-th row')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;audit;checkpoint' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Only this organization''s chain (default: every organization and the system chain)')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the checkpoint to FILE instead of stdout, atomically (a new file beside it, fsynced, then renamed over FILE), replacing FILE if it exists')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;audit;help' {
            [CompletionResult]::new('tail', 'tail', [CompletionResultType]::ParameterValue, 'Print the newest audit entries, oldest first; with --follow, keep printing new ones as they commit')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Recompute every hash chain (one per organization, plus the system chain) and name the first broken link')
            [CompletionResult]::new('checkpoint', 'checkpoint', [CompletionResultType]::ParameterValue, 'Print each chain''s head as JSON, a witness to keep outside the database for `audit verify --against`')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'invoicectl;audit;help;tail' {
            break
        }
        'invoicectl;audit;help;verify' {
            break
        }
        'invoicectl;audit;help;checkpoint' {
            break
        }
        'invoicectl;audit;help;help' {
            break
        }
        'invoicectl;config' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print every setting, its value and where it came from: flag, env, file or default')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'invoicectl;config;show' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;config;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print every setting, its value and where it came from: flag, env, file or default')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'invoicectl;config;help;show' {
            break
        }
        'invoicectl;config;help;help' {
            break
        }
        'invoicectl;org' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List every organization with its member and invoice counts')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'invoicectl;org;list' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;org;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List every organization with its member and invoice counts')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'invoicectl;org;help;list' {
            break
        }
        'invoicectl;org;help;help' {
            break
        }
        'invoicectl;member' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List an organization''s members: user id, email, name and role')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'invoicectl;member;list' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'The organization whose members to list (`invoicectl org list` shows them all)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;member;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List an organization''s members: user id, email, name and role')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'invoicectl;member;help;list' {
            break
        }
        'invoicectl;member;help;help' {
            break
        }
        'invoicectl;user' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('link', 'link', [CompletionResultType]::ParameterValue, 'Link a PostgreSQL login to an invoicectl user (admin only)')
            [CompletionResult]::new('unlink', 'unlink', [CompletionResultType]::ParameterValue, 'Remove a login''s link (admin only)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the linked logins, their users and invoicectl groups (admin only)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'invoicectl;user;link' {
            [CompletionResult]::new('--login', '--login', [CompletionResultType]::ParameterName, 'The PostgreSQL login (role name) to link')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;user;unlink' {
            [CompletionResult]::new('--login', '--login', [CompletionResultType]::ParameterName, 'The PostgreSQL login (role name) to unlink')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;user;list' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;user;help' {
            [CompletionResult]::new('link', 'link', [CompletionResultType]::ParameterValue, 'Link a PostgreSQL login to an invoicectl user (admin only)')
            [CompletionResult]::new('unlink', 'unlink', [CompletionResultType]::ParameterValue, 'Remove a login''s link (admin only)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the linked logins, their users and invoicectl groups (admin only)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'invoicectl;user;help;link' {
            break
        }
        'invoicectl;user;help;unlink' {
            break
        }
        'invoicectl;user;help;list' {
            break
        }
        'invoicectl;user;help;help' {
            break
        }
        'invoicectl;whoami' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;demo' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--fresh', '--fresh', [CompletionResultType]::ParameterName, 'Request a new export run even if the demo already made one today (like `export start --force`)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;completions' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL (default: libpq''s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (default: config.toml in the platform config directory)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as JSON (NDJSON for streams) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'invoicectl;help' {
            [CompletionResult]::new('db', 'db', [CompletionResultType]::ParameterValue, 'Create, migrate and seed the database')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Request, watch, work on and cancel invoice exports')
            [CompletionResult]::new('suppression', 'suppression', [CompletionResultType]::ParameterValue, 'Manage the addresses the export email is never sent to')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Read, follow, verify and checkpoint the append-only, hash-chained audit log')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the resolved configuration and where each setting came from')
            [CompletionResult]::new('org', 'org', [CompletionResultType]::ParameterValue, 'List the organizations (tenants) and their member and invoice counts')
            [CompletionResult]::new('member', 'member', [CompletionResultType]::ParameterValue, 'List who belongs to an organization, with which role')
            [CompletionResult]::new('user', 'user', [CompletionResultType]::ParameterValue, 'Link PostgreSQL logins to invoicectl users (admin only)')
            [CompletionResult]::new('whoami', 'whoami', [CompletionResultType]::ParameterValue, 'Show who PostgreSQL says you are: login, user, mode, groups, organizations')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Try invoicectl in one command: set up, seed, export org_acme, show the result')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script to stdout')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'invoicectl;help;db' {
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Create the database if it is missing and apply all migrations (idempotent)')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Apply pending migrations only (the database must exist)')
            [CompletionResult]::new('seed', 'seed', [CompletionResultType]::ParameterValue, 'Insert demo tenants, users, members and invoices (idempotent)')
            break
        }
        'invoicectl;help;db;setup' {
            break
        }
        'invoicectl;help;db;migrate' {
            break
        }
        'invoicectl;help;db;seed' {
            break
        }
        'invoicectl;help;export' {
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Request an export of an organization''s invoices; prints the run id at once')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show one run (with its child runs) or the most recent runs')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel a queued, waiting or executing run and its child runs')
            [CompletionResult]::new('worker', 'worker', [CompletionResultType]::ParameterValue, 'Run exports: claim runs from the queue, write CSVs, send the emails')
            [CompletionResult]::new('queue', 'queue', [CompletionResultType]::ParameterValue, 'Show the state of the run queue: backlog, leases, retries')
            [CompletionResult]::new('url', 'url', [CompletionResultType]::ParameterValue, 'Print a fresh download link for a finished export')
            [CompletionResult]::new('download', 'download', [CompletionResultType]::ParameterValue, 'Download a finished export, verifying its size and SHA-256')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete the stored files of old exports and mark them expired')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Request a new export for a failed or canceled one (same org, requester, scope)')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Stop workers from claiming an organization''s queued exports')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Let workers claim a paused organization''s exports again')
            [CompletionResult]::new('schedule', 'schedule', [CompletionResultType]::ParameterValue, 'Request exports on a cron schedule: add, list, show, pause, resume, remove')
            break
        }
        'invoicectl;help;export;start' {
            break
        }
        'invoicectl;help;export;status' {
            break
        }
        'invoicectl;help;export;cancel' {
            break
        }
        'invoicectl;help;export;worker' {
            break
        }
        'invoicectl;help;export;queue' {
            break
        }
        'invoicectl;help;export;url' {
            break
        }
        'invoicectl;help;export;download' {
            break
        }
        'invoicectl;help;export;prune' {
            break
        }
        'invoicectl;help;export;retry' {
            break
        }
        'invoicectl;help;export;pause' {
            break
        }
        'invoicectl;help;export;resume' {
            break
        }
        'invoicectl;help;export;schedule' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a schedule: an export of the organization at each tick of a cron expression')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List schedules (of one organization with --org)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a schedule: its next 5 ticks and its latest ticks (fired, failed, skipped)')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Stop a schedule''s ticks until it is resumed (its owner, or an owner or admin)')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Resume a paused schedule; ticks that came due while paused do not fire')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a schedule (its ticks and exports stay in the history)')
            break
        }
        'invoicectl;help;export;schedule;add' {
            break
        }
        'invoicectl;help;export;schedule;list' {
            break
        }
        'invoicectl;help;export;schedule;show' {
            break
        }
        'invoicectl;help;export;schedule;pause' {
            break
        }
        'invoicectl;help;export;schedule;resume' {
            break
        }
        'invoicectl;help;export;schedule;remove' {
            break
        }
        'invoicectl;help;suppression' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Put an address on the suppression list, or change its reason')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Take an address off the suppression list')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List every suppressed address, its reason and when it was suppressed')
            break
        }
        'invoicectl;help;suppression;add' {
            break
        }
        'invoicectl;help;suppression;remove' {
            break
        }
        'invoicectl;help;suppression;list' {
            break
        }
        'invoicectl;help;audit' {
            [CompletionResult]::new('tail', 'tail', [CompletionResultType]::ParameterValue, 'Print the newest audit entries, oldest first; with --follow, keep printing new ones as they commit')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Recompute every hash chain (one per organization, plus the system chain) and name the first broken link')
            [CompletionResult]::new('checkpoint', 'checkpoint', [CompletionResultType]::ParameterValue, 'Print each chain''s head as JSON, a witness to keep outside the database for `audit verify --against`')
            break
        }
        'invoicectl;help;audit;tail' {
            break
        }
        'invoicectl;help;audit;verify' {
            break
        }
        'invoicectl;help;audit;checkpoint' {
            break
        }
        'invoicectl;help;config' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print every setting, its value and where it came from: flag, env, file or default')
            break
        }
        'invoicectl;help;config;show' {
            break
        }
        'invoicectl;help;org' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List every organization with its member and invoice counts')
            break
        }
        'invoicectl;help;org;list' {
            break
        }
        'invoicectl;help;member' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List an organization''s members: user id, email, name and role')
            break
        }
        'invoicectl;help;member;list' {
            break
        }
        'invoicectl;help;user' {
            [CompletionResult]::new('link', 'link', [CompletionResultType]::ParameterValue, 'Link a PostgreSQL login to an invoicectl user (admin only)')
            [CompletionResult]::new('unlink', 'unlink', [CompletionResultType]::ParameterValue, 'Remove a login''s link (admin only)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the linked logins, their users and invoicectl groups (admin only)')
            break
        }
        'invoicectl;help;user;link' {
            break
        }
        'invoicectl;help;user;unlink' {
            break
        }
        'invoicectl;help;user;list' {
            break
        }
        'invoicectl;help;whoami' {
            break
        }
        'invoicectl;help;demo' {
            break
        }
        'invoicectl;help;completions' {
            break
        }
        'invoicectl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
