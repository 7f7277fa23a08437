# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_invoicectl_global_optspecs
    string join \n database-url= config= data-dir= json color= q/quiet v/verbose h/help V/version
end

function __fish_invoicectl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_invoicectl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_invoicectl_using_subcommand
    set -l cmd (__fish_invoicectl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c invoicectl -n "__fish_invoicectl_needs_command" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_needs_command" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_needs_command" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_needs_command" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_needs_command" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_needs_command" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_needs_command" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_needs_command" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_needs_command" -f -a "db" -d 'Create, migrate and seed the database'
complete -c invoicectl -n "__fish_invoicectl_needs_command" -f -a "export" -d 'Request, watch, work on and cancel invoice exports'
complete -c invoicectl -n "__fish_invoicectl_needs_command" -f -a "suppression" -d 'Manage the addresses the export email is never sent to'
complete -c invoicectl -n "__fish_invoicectl_needs_command" -f -a "audit" -d 'Read, follow, verify and checkpoint the append-only, hash-chained audit log'
complete -c invoicectl -n "__fish_invoicectl_needs_command" -f -a "config" -d 'Show the resolved configuration and where each setting came from'
complete -c invoicectl -n "__fish_invoicectl_needs_command" -f -a "org" -d 'List the organizations (tenants) and their member and invoice counts'
complete -c invoicectl -n "__fish_invoicectl_needs_command" -f -a "member" -d 'List who belongs to an organization, with which role'
complete -c invoicectl -n "__fish_invoicectl_needs_command" -f -a "user" -d 'Link PostgreSQL logins to invoicectl users (admin only)'
complete -c invoicectl -n "__fish_invoicectl_needs_command" -f -a "whoami" -d 'Show who PostgreSQL says you are: login, user, mode, groups, organizations'
complete -c invoicectl -n "__fish_invoicectl_needs_command" -f -a "demo" -d 'Try invoicectl in one command: set up, seed, export org_acme, show the result'
complete -c invoicectl -n "__fish_invoicectl_needs_command" -f -a "completions" -d 'Print a shell completion script to stdout'
complete -c invoicectl -n "__fish_invoicectl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and not __fish_seen_subcommand_from setup migrate seed help" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and not __fish_seen_subcommand_from setup migrate seed help" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and not __fish_seen_subcommand_from setup migrate seed help" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and not __fish_seen_subcommand_from setup migrate seed help" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and not __fish_seen_subcommand_from setup migrate seed help" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and not __fish_seen_subcommand_from setup migrate seed help" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and not __fish_seen_subcommand_from setup migrate seed help" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and not __fish_seen_subcommand_from setup migrate seed help" -s h -l help -d 'Print help'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and not __fish_seen_subcommand_from setup migrate seed help" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and not __fish_seen_subcommand_from setup migrate seed help" -f -a "setup" -d 'Create the database if it is missing and apply all migrations (idempotent)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and not __fish_seen_subcommand_from setup migrate seed help" -f -a "migrate" -d 'Apply pending migrations only (the database must exist)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and not __fish_seen_subcommand_from setup migrate seed help" -f -a "seed" -d 'Insert demo tenants, users, members and invoices (idempotent)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and not __fish_seen_subcommand_from setup migrate seed help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from setup" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from setup" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from setup" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from setup" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from setup" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from setup" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from setup" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from setup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from setup" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from migrate" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from migrate" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from migrate" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from migrate" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from migrate" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from migrate" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from migrate" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from migrate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from migrate" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from seed" -l invoices -d 'Invoices per organization (at most 10000000)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from seed" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from seed" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from seed" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from seed" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from seed" -l demo -d 'Seed the demo organizations (org_acme, org_globex, org_initech) and users'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from seed" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from seed" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from seed" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from seed" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from seed" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "setup" -d 'Create the database if it is missing and apply all migrations (idempotent)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "migrate" -d 'Apply pending migrations only (the database must exist)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "seed" -d 'Insert demo tenants, users, members and invoices (idempotent)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and not __fish_seen_subcommand_from start status cancel worker queue url download prune retry pause resume schedule help" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and not __fish_seen_subcommand_from start status cancel worker queue url download prune retry pause resume schedule help" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and not __fish_seen_subcommand_from start status cancel worker queue url download prune retry pause resume schedule help" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and not __fish_seen_subcommand_from start status cancel worker queue url download prune retry pause resume schedule help" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and not __fish_seen_subcommand_from start status cancel worker queue url download prune retry pause resume schedule help" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and not __fish_seen_subcommand_from start status cancel worker queue url download prune retry pause resume schedule help" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and not __fish_seen_subcommand_from start status cancel worker queue url download prune retry pause resume schedule help" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and not __fish_seen_subcommand_from start status cancel worker queue url download prune retry pause resume schedule help" -s h -l help -d 'Print help'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and not __fish_seen_subcommand_from start status cancel worker queue url download prune retry pause resume schedule help" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and not __fish_seen_subcommand_from start status cancel worker queue url download prune retry pause resume schedule help" -f -a "start" -d 'Request an export of an organization\'s invoices; prints the run id at once'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and not __fish_seen_subcommand_from start status cancel worker queue url download prune retry pause resume schedule help" -f -a "status" -d 'Show one run (with its child runs) or the most recent runs'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and not __fish_seen_subcommand_from start status cancel worker queue url download prune retry pause resume schedule help" -f -a "cancel" -d 'Cancel a queued, waiting or executing run and its child runs'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and not __fish_seen_subcommand_from start status cancel worker queue url download prune retry pause resume schedule help" -f -a "worker" -d 'Run exports: claim runs from the queue, write CSVs, send the emails'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and not __fish_seen_subcommand_from start status cancel worker queue url download prune retry pause resume schedule help" -f -a "queue" -d 'Show the state of the run queue: backlog, leases, retries'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and not __fish_seen_subcommand_from start status cancel worker queue url download prune retry pause resume schedule help" -f -a "url" -d 'Print a fresh download link for a finished export'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and not __fish_seen_subcommand_from start status cancel worker queue url download prune retry pause resume schedule help" -f -a "download" -d 'Download a finished export, verifying its size and SHA-256'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and not __fish_seen_subcommand_from start status cancel worker queue url download prune retry pause resume schedule help" -f -a "prune" -d 'Delete the stored files of old exports and mark them expired'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and not __fish_seen_subcommand_from start status cancel worker queue url download prune retry pause resume schedule help" -f -a "retry" -d 'Request a new export for a failed or canceled one (same org, requester, scope)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and not __fish_seen_subcommand_from start status cancel worker queue url download prune retry pause resume schedule help" -f -a "pause" -d 'Stop workers from claiming an organization\'s queued exports'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and not __fish_seen_subcommand_from start status cancel worker queue url download prune retry pause resume schedule help" -f -a "resume" -d 'Let workers claim a paused organization\'s exports again'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and not __fish_seen_subcommand_from start status cancel worker queue url download prune retry pause resume schedule help" -f -a "schedule" -d 'Request exports on a cron schedule: add, list, show, pause, resume, remove'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and not __fish_seen_subcommand_from start status cancel worker queue url download prune retry pause resume schedule help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from start" -l org -d 'Organization whose invoices to export (e.g. org_acme)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from start" -l as -d 'Requesting user; must be a member (not a viewer) of the organization' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from start" -l from -d 'Only invoices issued at or after this time (YYYY-MM-DD is midnight UTC, or RFC 3339)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from start" -l to -d 'Only invoices issued before this time (YYYY-MM-DD is midnight UTC, or RFC 3339)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from start" -l period -d 'Only invoices issued in this period: 2026-11, 2026-Q4, 2026, previous-month, previous-week (ISO, Monday to Monday) or previous-day (resolved when requested)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from start" -l tz -d 'The IANA time zone whose days bound --period (default UTC), e.g. Europe/Paris' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from start" -l status -d 'Only invoices with one of these statuses: draft, open, paid, void, uncollectible' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from start" -l timeout -d 'With --wait: give up after this many seconds (exit 75; the run goes on)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from start" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from start" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from start" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from start" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from start" -l force -d 'Start a new run even if one was requested today'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from start" -l wait -d 'Follow the run to its end: exit 0 if it completed, 1 if it failed or was canceled'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from start" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from start" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from start" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from start" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from status" -l org -d 'List only this organization\'s runs' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from status" -l limit -d 'How many runs to list, newest first' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from status" -l timeout -d 'With --watch: give up after this many seconds (exit 75)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from status" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from status" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from status" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from status" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from status" -l watch -d 'Redraw a progress bar until the run ends; exit 0 if it completed, 1 if not'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from status" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from cancel" -l as -d 'Who cancels, for the audit log (default: config `user`; else recorded as system)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from cancel" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from cancel" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from cancel" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from cancel" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from cancel" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from cancel" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from cancel" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from cancel" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from cancel" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from worker" -l concurrency -d 'Runs executed at once by this process, 1 to 1024 (default: config `worker_concurrency`, else 4)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from worker" -l storage -d 'Where exports are stored: file:///absolute/dir or s3://bucket[/prefix] (default: config `storage`, else the export dir). S3 settings come from the AWS variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL, …) or the s3_* config keys; naming this and --export-dir together is a usage error' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from worker" -l export-dir -d 'Where CSV files are written, short for --storage file:///DIR (default: config `export_dir`, else `exports/` in the data directory)' -r -f -a "(__fish_complete_directories)"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from worker" -l link-ttl -d 'How long the emailed S3 download link works: 90m, 12h, 7d… (default: config `link_ttl`, 7d, the most SigV4 allows); `export url` signs a fresh one' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from worker" -l lease -d 'Lease length in seconds, 1 to 3600: a run whose worker stops renewing it is taken over by another worker after this long. The worker\'s database sessions are also limited to one lease idle inside a transaction or waiting for a lock' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from worker" -l heartbeat -d 'How often the lease is renewed, in seconds (at least 0.1, less than --lease)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from worker" -l poll-interval -d 'Seconds between looks at the queue when no notification arrives' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from worker" -l retry-scale -d 'Multiply retry delays (tests run the backoff curve fast)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from worker" -l unreachable-limit -d 'With --drain or --once: give up (exit 69) once the database has been unreachable this many seconds (tests shorten it)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from worker" -l metrics-addr -d 'Serve Prometheus metrics on this IP:PORT (e.g. 127.0.0.1:9464; any path, /health answers OK) while the worker runs — for a long-running worker: runs by task and outcome, durations, queue depth and age, rows, bytes, email dispositions, takeovers. Refused before any claim: an address that is not IP:PORT or not of this host exits 65, one in use 75 (default: config metrics_addr, INVOICECTL_METRICS_ADDR)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from worker" -l metrics-textfile -d 'Write the same metrics to this .prom file when the worker ends, for node_exporter\'s textfile collector — for a cron --drain, which no scrape catches alive (default: config metrics_textfile, INVOICECTL_METRICS_TEXTFILE)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from worker" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from worker" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from worker" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from worker" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from worker" -l drain -d 'Exit 0 once nothing is runnable now (for cron); runs held by other workers and retries scheduled later are left for the next invocation'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from worker" -l once -d 'Run at most one run, then exit'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from worker" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from worker" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from worker" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from worker" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from worker" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from queue" -l limit -d 'How many lanes, leases and retries to list at most (each); the per-queue counts always cover everything' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from queue" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from queue" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from queue" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from queue" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from queue" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from queue" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from queue" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from queue" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from queue" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from url" -l expires -d 'How long the link works: 90m, 12h, 7d… (default: config `link_ttl`, 7d; at most 7d, SigV4\'s limit). Local files get a file:// URL, which does not expire' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from url" -l as -d 'Who asks: the export\'s requester, or an owner or admin of its organization' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from url" -l storage -d 'Look for the file under this storage instead of where the export row says it is (a mirror, a share mounted elsewhere): file:///dir or s3://bucket/prefix' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from url" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from url" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from url" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from url" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from url" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from url" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from url" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from url" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from url" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from download" -s o -l output -d 'Where to write: a file, or `-` for stdout (default: stdout when it is not a terminal, else invoices-<org>-<date>.csv in the current directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from download" -l as -d 'Who asks: the export\'s requester, or an owner or admin of its organization' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from download" -l storage -d 'Look for the file under this storage instead of where the export row says it is (a mirror, a share mounted elsewhere): file:///dir or s3://bucket/prefix' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from download" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from download" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from download" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from download" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from download" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from download" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from download" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from download" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from download" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from prune" -l older-than -d 'Expire exports completed longer ago than this: 30d, 12h, 2w…' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from prune" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from prune" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from prune" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from prune" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from prune" -l dry-run -d 'List what would be expired; delete and change nothing'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from prune" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from prune" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from prune" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from prune" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from retry" -l as -d 'Who asks: the requester or an owner/admin (default: this login\'s user, or config `user`; else the original requester)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from retry" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from retry" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from retry" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from retry" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from retry" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from retry" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from retry" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from retry" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from retry" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from pause" -l org -d 'Organization whose exports to pause' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from pause" -l reason -d 'Why, for the audit log and for whoever finds the exports waiting' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from pause" -l as -d 'Who pauses: an owner or admin of the organization' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from pause" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from pause" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from pause" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from pause" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from pause" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from pause" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from pause" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from pause" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from pause" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from resume" -l org -d 'Organization whose exports to resume' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from resume" -l as -d 'Who resumes: an owner or admin of the organization' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from resume" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from resume" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from resume" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from resume" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from resume" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from resume" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from resume" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from resume" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from resume" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from schedule" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from schedule" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from schedule" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from schedule" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from schedule" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from schedule" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from schedule" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from schedule" -s h -l help -d 'Print help'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from schedule" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from schedule" -f -a "add" -d 'Add a schedule: an export of the organization at each tick of a cron expression'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from schedule" -f -a "list" -d 'List schedules (of one organization with --org)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from schedule" -f -a "show" -d 'Show a schedule: its next 5 ticks and its latest ticks (fired, failed, skipped)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from schedule" -f -a "pause" -d 'Stop a schedule\'s ticks until it is resumed (its owner, or an owner or admin)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from schedule" -f -a "resume" -d 'Resume a paused schedule; ticks that came due while paused do not fire'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from schedule" -f -a "remove" -d 'Remove a schedule (its ticks and exports stay in the history)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from schedule" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "start" -d 'Request an export of an organization\'s invoices; prints the run id at once'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show one run (with its child runs) or the most recent runs'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "cancel" -d 'Cancel a queued, waiting or executing run and its child runs'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "worker" -d 'Run exports: claim runs from the queue, write CSVs, send the emails'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "queue" -d 'Show the state of the run queue: backlog, leases, retries'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "url" -d 'Print a fresh download link for a finished export'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "download" -d 'Download a finished export, verifying its size and SHA-256'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "prune" -d 'Delete the stored files of old exports and mark them expired'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "retry" -d 'Request a new export for a failed or canceled one (same org, requester, scope)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "pause" -d 'Stop workers from claiming an organization\'s queued exports'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "resume" -d 'Let workers claim a paused organization\'s exports again'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "schedule" -d 'Request exports on a cron schedule: add, list, show, pause, resume, remove'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and not __fish_seen_subcommand_from add remove list help" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and not __fish_seen_subcommand_from add remove list help" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and not __fish_seen_subcommand_from add remove list help" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and not __fish_seen_subcommand_from add remove list help" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and not __fish_seen_subcommand_from add remove list help" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and not __fish_seen_subcommand_from add remove list help" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and not __fish_seen_subcommand_from add remove list help" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and not __fish_seen_subcommand_from add remove list help" -s h -l help -d 'Print help'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and not __fish_seen_subcommand_from add remove list help" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and not __fish_seen_subcommand_from add remove list help" -f -a "add" -d 'Put an address on the suppression list, or change its reason'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and not __fish_seen_subcommand_from add remove list help" -f -a "remove" -d 'Take an address off the suppression list'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and not __fish_seen_subcommand_from add remove list help" -f -a "list" -d 'List every suppressed address, its reason and when it was suppressed'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and not __fish_seen_subcommand_from add remove list help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from add" -l reason -d 'Why the address is suppressed' -r -f -a "bounce\t'Mail to the address bounced'
complaint\t'The recipient marked our mail as spam'
unsubscribe\t'The recipient asked not to be emailed'"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from add" -l as -d 'The user making the change, recorded in the audit log (default: config key `user`; none means the entry has no actor)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from add" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from add" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from add" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from add" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from add" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from add" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from remove" -l as -d 'The user making the change, recorded in the audit log (default: config key `user`; none means the entry has no actor)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from remove" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from remove" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from remove" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from remove" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from remove" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from remove" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from list" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from list" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from list" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from list" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from list" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from help" -f -a "add" -d 'Put an address on the suppression list, or change its reason'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Take an address off the suppression list'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from help" -f -a "list" -d 'List every suppressed address, its reason and when it was suppressed'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand suppression; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and not __fish_seen_subcommand_from tail verify checkpoint help" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and not __fish_seen_subcommand_from tail verify checkpoint help" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and not __fish_seen_subcommand_from tail verify checkpoint help" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and not __fish_seen_subcommand_from tail verify checkpoint help" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and not __fish_seen_subcommand_from tail verify checkpoint help" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and not __fish_seen_subcommand_from tail verify checkpoint help" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and not __fish_seen_subcommand_from tail verify checkpoint help" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and not __fish_seen_subcommand_from tail verify checkpoint help" -s h -l help -d 'Print help'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and not __fish_seen_subcommand_from tail verify checkpoint help" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and not __fish_seen_subcommand_from tail verify checkpoint help" -f -a "tail" -d 'Print the newest audit entries, oldest first; with --follow, keep printing new ones as they commit'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and not __fish_seen_subcommand_from tail verify checkpoint help" -f -a "verify" -d 'Recompute every hash chain (one per organization, plus the system chain) and name the first broken link'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and not __fish_seen_subcommand_from tail verify checkpoint help" -f -a "checkpoint" -d 'Print each chain\'s head as JSON, a witness to keep outside the database for `audit verify --against`'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and not __fish_seen_subcommand_from tail verify checkpoint help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from tail" -l org -d 'Only this organization\'s entries (system-wide entries are left out)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from tail" -s n -l lines -d 'How many of the newest matching entries to print first [default: 20, or all with --since]; 0 prints only new ones (with --follow)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from tail" -l action -d 'Only entries with this action, e.g. export.invoices.completed' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from tail" -l since -d 'Only entries created at or after TIME: RFC 3339 (2026-11-22T09:30:00Z), a UTC date (2026-11-22), or a duration ago by this machine\'s clock (90s, 15m, 2h, 7d, 1h30m)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from tail" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from tail" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from tail" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from tail" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from tail" -s f -l follow -d 'Keep printing entries as they commit until interrupted (Ctrl-C or SIGTERM, exit 0)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from tail" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from tail" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from tail" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from tail" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from tail" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from verify" -l org -d 'Only this organization\'s chain (default: every organization and the system chain)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from verify" -l against -d 'Also check each chain against the heads witnessed in FILE (written by `audit checkpoint`): a chain fails unless it still holds the witnessed last row, with the witnessed hash, as its witnessed count-th row' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from verify" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from verify" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from verify" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from verify" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from verify" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from verify" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from verify" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from checkpoint" -l org -d 'Only this organization\'s chain (default: every organization and the system chain)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from checkpoint" -l out -d 'Write the checkpoint to FILE instead of stdout, atomically (a new file beside it, fsynced, then renamed over FILE), replacing FILE if it exists' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from checkpoint" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from checkpoint" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from checkpoint" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from checkpoint" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from checkpoint" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from checkpoint" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from checkpoint" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from checkpoint" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from checkpoint" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "tail" -d 'Print the newest audit entries, oldest first; with --follow, keep printing new ones as they commit'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Recompute every hash chain (one per organization, plus the system chain) and name the first broken link'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "checkpoint" -d 'Print each chain\'s head as JSON, a witness to keep outside the database for `audit verify --against`'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand config; and not __fish_seen_subcommand_from show help" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand config; and not __fish_seen_subcommand_from show help" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand config; and not __fish_seen_subcommand_from show help" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand config; and not __fish_seen_subcommand_from show help" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand config; and not __fish_seen_subcommand_from show help" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand config; and not __fish_seen_subcommand_from show help" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand config; and not __fish_seen_subcommand_from show help" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand config; and not __fish_seen_subcommand_from show help" -s h -l help -d 'Print help'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand config; and not __fish_seen_subcommand_from show help" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand config; and not __fish_seen_subcommand_from show help" -f -a "show" -d 'Print every setting, its value and where it came from: flag, env, file or default'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand config; and not __fish_seen_subcommand_from show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand config; and __fish_seen_subcommand_from show" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand config; and __fish_seen_subcommand_from show" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand config; and __fish_seen_subcommand_from show" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand config; and __fish_seen_subcommand_from show" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand config; and __fish_seen_subcommand_from show" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand config; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand config; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand config; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print every setting, its value and where it came from: flag, env, file or default'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand org; and not __fish_seen_subcommand_from list help" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand org; and not __fish_seen_subcommand_from list help" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand org; and not __fish_seen_subcommand_from list help" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand org; and not __fish_seen_subcommand_from list help" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand org; and not __fish_seen_subcommand_from list help" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand org; and not __fish_seen_subcommand_from list help" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand org; and not __fish_seen_subcommand_from list help" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand org; and not __fish_seen_subcommand_from list help" -s h -l help -d 'Print help'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand org; and not __fish_seen_subcommand_from list help" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand org; and not __fish_seen_subcommand_from list help" -f -a "list" -d 'List every organization with its member and invoice counts'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand org; and not __fish_seen_subcommand_from list help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand org; and __fish_seen_subcommand_from list" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand org; and __fish_seen_subcommand_from list" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand org; and __fish_seen_subcommand_from list" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand org; and __fish_seen_subcommand_from list" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand org; and __fish_seen_subcommand_from list" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand org; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand org; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand org; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand org; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "list" -d 'List every organization with its member and invoice counts'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand member; and not __fish_seen_subcommand_from list help" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand member; and not __fish_seen_subcommand_from list help" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand member; and not __fish_seen_subcommand_from list help" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand member; and not __fish_seen_subcommand_from list help" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand member; and not __fish_seen_subcommand_from list help" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand member; and not __fish_seen_subcommand_from list help" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand member; and not __fish_seen_subcommand_from list help" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand member; and not __fish_seen_subcommand_from list help" -s h -l help -d 'Print help'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand member; and not __fish_seen_subcommand_from list help" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand member; and not __fish_seen_subcommand_from list help" -f -a "list" -d 'List an organization\'s members: user id, email, name and role'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand member; and not __fish_seen_subcommand_from list help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand member; and __fish_seen_subcommand_from list" -l org -d 'The organization whose members to list (`invoicectl org list` shows them all)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand member; and __fish_seen_subcommand_from list" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand member; and __fish_seen_subcommand_from list" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand member; and __fish_seen_subcommand_from list" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand member; and __fish_seen_subcommand_from list" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand member; and __fish_seen_subcommand_from list" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand member; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand member; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand member; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand member; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand member; and __fish_seen_subcommand_from help" -f -a "list" -d 'List an organization\'s members: user id, email, name and role'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand member; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and not __fish_seen_subcommand_from link unlink list help" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and not __fish_seen_subcommand_from link unlink list help" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and not __fish_seen_subcommand_from link unlink list help" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and not __fish_seen_subcommand_from link unlink list help" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and not __fish_seen_subcommand_from link unlink list help" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and not __fish_seen_subcommand_from link unlink list help" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and not __fish_seen_subcommand_from link unlink list help" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and not __fish_seen_subcommand_from link unlink list help" -s h -l help -d 'Print help'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and not __fish_seen_subcommand_from link unlink list help" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and not __fish_seen_subcommand_from link unlink list help" -f -a "link" -d 'Link a PostgreSQL login to an invoicectl user (admin only)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and not __fish_seen_subcommand_from link unlink list help" -f -a "unlink" -d 'Remove a login\'s link (admin only)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and not __fish_seen_subcommand_from link unlink list help" -f -a "list" -d 'List the linked logins, their users and invoicectl groups (admin only)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and not __fish_seen_subcommand_from link unlink list help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from link" -l login -d 'The PostgreSQL login (role name) to link' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from link" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from link" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from link" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from link" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from link" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from link" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from link" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from link" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from link" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from unlink" -l login -d 'The PostgreSQL login (role name) to unlink' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from unlink" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from unlink" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from unlink" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from unlink" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from unlink" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from unlink" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from unlink" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from unlink" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from unlink" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from list" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from list" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from list" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from list" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from list" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "link" -d 'Link a PostgreSQL login to an invoicectl user (admin only)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "unlink" -d 'Remove a login\'s link (admin only)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the linked logins, their users and invoicectl groups (admin only)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand whoami" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand whoami" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand whoami" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand whoami" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand whoami" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand whoami" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand whoami" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand whoami" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand whoami" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand demo" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand demo" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand demo" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand demo" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand demo" -l fresh -d 'Request a new export run even if the demo already made one today (like `export start --force`)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand demo" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand demo" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand demo" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand demo" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand demo" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand completions" -l database-url -d 'PostgreSQL URL (default: libpq\'s PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; database `invoicectl`)' -r
complete -c invoicectl -n "__fish_invoicectl_using_subcommand completions" -l config -d 'Config file (default: config.toml in the platform config directory)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand completions" -l data-dir -d 'Directory holding the default exports/ folder and the mail outbox/ (default: the platform data directory, ~/.local/share/invoicectl on Linux)' -r -F
complete -c invoicectl -n "__fish_invoicectl_using_subcommand completions" -l color -d 'When to use colors (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c invoicectl -n "__fish_invoicectl_using_subcommand completions" -l json -d 'Print results as JSON (NDJSON for streams) instead of tables'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand completions" -s q -l quiet -d 'Only print warnings and errors to stderr'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand completions" -s v -l verbose -d 'Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand completions" -s V -l version -d 'Print version'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and not __fish_seen_subcommand_from db export suppression audit config org member user whoami demo completions help" -f -a "db" -d 'Create, migrate and seed the database'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and not __fish_seen_subcommand_from db export suppression audit config org member user whoami demo completions help" -f -a "export" -d 'Request, watch, work on and cancel invoice exports'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and not __fish_seen_subcommand_from db export suppression audit config org member user whoami demo completions help" -f -a "suppression" -d 'Manage the addresses the export email is never sent to'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and not __fish_seen_subcommand_from db export suppression audit config org member user whoami demo completions help" -f -a "audit" -d 'Read, follow, verify and checkpoint the append-only, hash-chained audit log'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and not __fish_seen_subcommand_from db export suppression audit config org member user whoami demo completions help" -f -a "config" -d 'Show the resolved configuration and where each setting came from'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and not __fish_seen_subcommand_from db export suppression audit config org member user whoami demo completions help" -f -a "org" -d 'List the organizations (tenants) and their member and invoice counts'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and not __fish_seen_subcommand_from db export suppression audit config org member user whoami demo completions help" -f -a "member" -d 'List who belongs to an organization, with which role'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and not __fish_seen_subcommand_from db export suppression audit config org member user whoami demo completions help" -f -a "user" -d 'Link PostgreSQL logins to invoicectl users (admin only)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and not __fish_seen_subcommand_from db export suppression audit config org member user whoami demo completions help" -f -a "whoami" -d 'Show who PostgreSQL says you are: login, user, mode, groups, organizations'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and not __fish_seen_subcommand_from db export suppression audit config org member user whoami demo completions help" -f -a "demo" -d 'Try invoicectl in one command: set up, seed, export org_acme, show the result'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and not __fish_seen_subcommand_from db export suppression audit config org member user whoami demo completions help" -f -a "completions" -d 'Print a shell completion script to stdout'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and not __fish_seen_subcommand_from db export suppression audit config org member user whoami demo completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "setup" -d 'Create the database if it is missing and apply all migrations (idempotent)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "migrate" -d 'Apply pending migrations only (the database must exist)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "seed" -d 'Insert demo tenants, users, members and invoices (idempotent)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and __fish_seen_subcommand_from export" -f -a "start" -d 'Request an export of an organization\'s invoices; prints the run id at once'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and __fish_seen_subcommand_from export" -f -a "status" -d 'Show one run (with its child runs) or the most recent runs'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and __fish_seen_subcommand_from export" -f -a "cancel" -d 'Cancel a queued, waiting or executing run and its child runs'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and __fish_seen_subcommand_from export" -f -a "worker" -d 'Run exports: claim runs from the queue, write CSVs, send the emails'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and __fish_seen_subcommand_from export" -f -a "queue" -d 'Show the state of the run queue: backlog, leases, retries'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and __fish_seen_subcommand_from export" -f -a "url" -d 'Print a fresh download link for a finished export'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and __fish_seen_subcommand_from export" -f -a "download" -d 'Download a finished export, verifying its size and SHA-256'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and __fish_seen_subcommand_from export" -f -a "prune" -d 'Delete the stored files of old exports and mark them expired'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and __fish_seen_subcommand_from export" -f -a "retry" -d 'Request a new export for a failed or canceled one (same org, requester, scope)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and __fish_seen_subcommand_from export" -f -a "pause" -d 'Stop workers from claiming an organization\'s queued exports'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and __fish_seen_subcommand_from export" -f -a "resume" -d 'Let workers claim a paused organization\'s exports again'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and __fish_seen_subcommand_from export" -f -a "schedule" -d 'Request exports on a cron schedule: add, list, show, pause, resume, remove'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and __fish_seen_subcommand_from suppression" -f -a "add" -d 'Put an address on the suppression list, or change its reason'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and __fish_seen_subcommand_from suppression" -f -a "remove" -d 'Take an address off the suppression list'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and __fish_seen_subcommand_from suppression" -f -a "list" -d 'List every suppressed address, its reason and when it was suppressed'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "tail" -d 'Print the newest audit entries, oldest first; with --follow, keep printing new ones as they commit'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "verify" -d 'Recompute every hash chain (one per organization, plus the system chain) and name the first broken link'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "checkpoint" -d 'Print each chain\'s head as JSON, a witness to keep outside the database for `audit verify --against`'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print every setting, its value and where it came from: flag, env, file or default'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and __fish_seen_subcommand_from org" -f -a "list" -d 'List every organization with its member and invoice counts'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and __fish_seen_subcommand_from member" -f -a "list" -d 'List an organization\'s members: user id, email, name and role'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "link" -d 'Link a PostgreSQL login to an invoicectl user (admin only)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "unlink" -d 'Remove a login\'s link (admin only)'
complete -c invoicectl -n "__fish_invoicectl_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "list" -d 'List the linked logins, their users and invoicectl groups (admin only)'
