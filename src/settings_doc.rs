//! The one list of settings as readers see them: config key, environment variable,
//! flag and meaning, in the order `config show` lists them. The man pages'
//! ENVIRONMENT and FILES sections and docs/configuration.md's table are rendered
//! from it (`generate-assets`), and a unit test in [`crate::config`] holds it equal
//! to what the resolver actually reads, so a new setting cannot miss the docs.

/// One setting, for the documentation.
#[derive(Debug, Clone, Copy)]
pub struct SettingDoc {
    /// The config-file key (`config` and `data_dir` cannot be in the file).
    pub key: &'static str,
    /// The environment variable (which beats the config file).
    pub var: &'static str,
    /// The flag that beats the variable, if there is one.
    pub flag: Option<&'static str>,
    /// Whether a config file may hold it.
    pub in_file: bool,
    /// What it does and its default, one sentence or two.
    pub about: &'static str,
}

const fn s(
    key: &'static str,
    var: &'static str,
    flag: Option<&'static str>,
    about: &'static str,
) -> SettingDoc {
    SettingDoc {
        key,
        var,
        flag,
        in_file: true,
        about,
    }
}

/// Every setting, in resolution order.
pub const SETTINGS: [SettingDoc; 20] = [
    SettingDoc {
        in_file: false,
        ..s(
            "config",
            "INVOICECTL_CONFIG",
            Some("--config"),
            "The config file. Default: config.toml in the platform config directory \
             (~/.config/invoicectl/config.toml on Linux).",
        )
    },
    SettingDoc {
        in_file: false,
        ..s(
            "data_dir",
            "INVOICECTL_DATA_DIR",
            Some("--data-dir"),
            "The data directory holding exports/ and outbox/. Default: the platform data \
             directory (~/.local/share/invoicectl on Linux).",
        )
    },
    s(
        "database_url",
        "DATABASE_URL",
        Some("--database-url"),
        "PostgreSQL URL. Unset: libpq's PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, \
         and the database invoicectl.",
    ),
    s(
        "user",
        "INVOICECTL_USER",
        Some("--as"),
        "The requester of export start and the actor of cancel, url, download and the \
         suppression commands.",
    ),
    s(
        "export_dir",
        "INVOICECTL_EXPORT_DIR",
        Some("--export-dir"),
        "Where export worker writes CSV files (short for storage file:///DIR). Default: \
         DATA_DIR/exports.",
    ),
    s(
        "smtp_url",
        "INVOICECTL_SMTP_URL",
        None,
        "The SMTP server (smtp://user:pass@host:587 or smtps://…). Unset: emails are \
         written to DATA_DIR/outbox. Its password is never printed.",
    ),
    s(
        "mail_from",
        "INVOICECTL_MAIL_FROM",
        None,
        "The export email's sender, Name <addr@example.com>.",
    ),
    s(
        "page_size",
        "INVOICECTL_PAGE_SIZE",
        None,
        "Rows per page of an export, 1 to 1000000. Default: 5000.",
    ),
    s(
        "worker_concurrency",
        "INVOICECTL_WORKER_CONCURRENCY",
        Some("--concurrency"),
        "Runs export worker executes at once, 1 to 1024. Default: 4.",
    ),
    s(
        "run_retention",
        "INVOICECTL_RUN_RETENTION",
        None,
        "How long export worker keeps ended runs before deleting them (units s, m, h, d), \
         at least 24h. Default: 30d.",
    ),
    s(
        "storage",
        "INVOICECTL_STORAGE",
        Some("--storage"),
        "Where new exports go: file:///DIR or s3://BUCKET/PREFIX. Default: \
         file://EXPORT_DIR.",
    ),
    s(
        "link_ttl",
        "INVOICECTL_LINK_TTL",
        Some("--link-ttl"),
        "How long a presigned S3 download link works, at most 7d. Default: 7d.",
    ),
    s(
        "s3_part_size",
        "INVOICECTL_S3_PART_SIZE",
        None,
        "Bytes per S3 multipart part, 5MiB to 5GiB. Default: 8MiB.",
    ),
    s(
        "compression",
        "INVOICECTL_COMPRESSION",
        None,
        "none or gzip (a .csv.gz of one gzip member per page). Default: none.",
    ),
    s(
        "s3_endpoint",
        "AWS_ENDPOINT_URL",
        None,
        "An S3-compatible endpoint (MinIO, R2, SeaweedFS); path-style requests when set.",
    ),
    s("s3_region", "AWS_REGION", None, "The S3 region."),
    s(
        "s3_access_key_id",
        "AWS_ACCESS_KEY_ID",
        None,
        "The S3 access key id (shown by config show: it is an id).",
    ),
    s(
        "s3_secret_access_key",
        "AWS_SECRET_ACCESS_KEY",
        None,
        "The S3 secret key; never printed. A config file holding it must be chmod 600.",
    ),
    s(
        "metrics_addr",
        "INVOICECTL_METRICS_ADDR",
        Some("--metrics-addr"),
        "export worker serves Prometheus metrics on this IP:PORT while it runs (a \
         long-running worker).",
    ),
    s(
        "metrics_textfile",
        "INVOICECTL_METRICS_TEXTFILE",
        Some("--metrics-textfile"),
        "export worker writes its metrics to this .prom file when it ends, for \
         node_exporter's textfile collector (a cron worker).",
    ),
];

/// Variables invoicectl reads that are not settings, as `(names, meaning)`.
pub(crate) const OTHER_VARIABLES: [(&str, &str); 8] = [
    (
        "PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE",
        "libpq conventions, used when no database URL is set anywhere; the database is \
         invoicectl when none is named.",
    ),
    (
        "AWS_SESSION_TOKEN, AWS_ALLOW_HTTP",
        "A temporary credential's token; true to allow an http:// S3 endpoint.",
    ),
    (
        "NO_COLOR",
        "Any non-empty value turns colors off, unless --color always is given.",
    ),
    (
        "RUST_LOG",
        "Diagnostics filter for standard error (e.g. invoicectl=debug); overrides -q and -v.",
    ),
    (
        "CLICOLOR, CLICOLOR_FORCE",
        "Also honoured for the colors of --help and usage errors.",
    ),
    (
        "HOSTNAME",
        "Part of a worker's lease owner name, shown when a run is taken over.",
    ),
    (
        "XDG_CONFIG_HOME, XDG_DATA_HOME",
        "Move the platform config and data directories on Linux.",
    ),
    (
        "MALLOC_ARENA_MAX",
        "glibc malloc arenas; invoicectl sets 2 unless this says otherwise.",
    ),
];

/// One ENVIRONMENT entry per setting: `(variable, meaning)` with the config key and
/// flag named, then [`OTHER_VARIABLES`].
pub(crate) fn environment() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = SETTINGS
        .iter()
        .map(|d| {
            let mut beats = Vec::new();
            if let Some(flag) = d.flag {
                beats.push(format!("{flag} wins over it"));
            }
            if d.in_file {
                beats.push(format!("it wins over the config key {}", d.key));
            }
            let tail = if beats.is_empty() {
                String::new()
            } else {
                format!(" ({})", beats.join("; "))
            };
            (d.var.to_owned(), format!("{}{tail}", d.about))
        })
        .collect();
    out.extend(
        OTHER_VARIABLES
            .iter()
            .map(|(n, m)| ((*n).to_owned(), (*m).to_owned())),
    );
    out
}

/// The config file's keys, as a sentence's list: `database_url, user, …`.
pub(crate) fn file_keys() -> String {
    SETTINGS
        .iter()
        .filter(|d| d.in_file)
        .map(|d| d.key)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The settings as a Markdown table (docs/configuration.md).
pub(crate) fn markdown_table() -> String {
    let mut out = String::from("| key | variable | flag | meaning |\n|---|---|---|---|\n");
    for d in SETTINGS {
        let key = if d.in_file {
            format!("`{}`", d.key)
        } else {
            format!("({}: not in the file)", d.key)
        };
        out.push_str(&format!(
            "| {key} | `{}` | {} | {} |\n",
            d.var,
            d.flag.map_or_else(|| "-".to_owned(), |f| format!("`{f}`")),
            d.about
        ));
    }
    out
}
