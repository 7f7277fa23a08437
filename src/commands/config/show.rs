//! `config show`: every resolved setting with its value (secrets redacted, by the
//! config layer) and its source, as a table or one JSON object — and who the
//! database says this is (login, user, mode), when it answers within two seconds.

use std::time::Duration;

use serde::Serialize;

use crate::config::resolver::Resolved;
use comfy_table::Cell;

use crate::context::Context;
use crate::db;
use crate::identity::{Mode, Session};
use crate::layout::Column;
use crate::redact::redact_secrets;

/// `config show --json`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Shown<'a> {
    config_file: Option<String>,
    database: Option<Database>,
    /// Who the database says this is; null when it could not be asked.
    identity: Option<Identity>,
    settings: Listing<'a>,
}

#[derive(Serialize)]
struct Identity {
    login: String,
    user: Option<String>,
    mode: Mode,
    groups: Vec<String>,
}

/// How long `config show` waits for the database: it is the first thing to run when
/// something does not work, so it must not hang on an unreachable server.
const IDENTITY_TIMEOUT: Duration = Duration::from_secs(2);

/// The session's identity, or why it could not be had.
async fn identity(ctx: &Context) -> Result<Identity, String> {
    let ask = async {
        let options = ctx.connect_options().map_err(|e| e.to_string())?;
        let pool = db::connect_with(&options, 1, IDENTITY_TIMEOUT)
            .await
            .map_err(|e| e.to_string())?;
        let mut conn = pool.acquire().await.map_err(|e| e.to_string())?;
        let session = Session::load(&mut conn).await.map_err(|e| {
            let text = anyhow::Error::new(e).chain().last().map(|c| c.to_string());
            text.unwrap_or_default()
        })?;
        drop(conn);
        pool.close().await;
        Ok::<_, String>(Identity {
            login: session.login,
            user: session.user.map(|u| u.to_string()),
            mode: session.mode,
            groups: session.groups,
        })
    };
    match tokio::time::timeout(IDENTITY_TIMEOUT, ask).await {
        Ok(result) => result.map_err(|e: String| redact_secrets(&e)),
        Err(_) => Err("the database did not answer within 2 s".to_owned()),
    }
}

/// Where the database settings point, without the password.
#[derive(Serialize)]
struct Database {
    host: String,
    port: u16,
    name: String,
    user: String,
}

/// The settings as one object keyed by config key, in resolution order.
struct Listing<'a>(&'a [Resolved]);

impl Serialize for Listing<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|setting| (setting.key, setting)))
    }
}

pub(crate) async fn run(ctx: &Context) -> anyhow::Result<()> {
    let identity = identity(ctx).await;
    let settings = &ctx.settings;
    let database = ctx.connect_options().map(|options| {
        let (host, port, name) = db::describe(&options);
        Database {
            host,
            port,
            name,
            user: options.get_username().to_owned(),
        }
    });
    let config_file = settings
        .config_path
        .as_ref()
        .map(|path| path.display().to_string());
    if ctx.json {
        return ctx.print_json(&Shown {
            config_file,
            database: database.ok(),
            identity: identity.ok(),
            settings: Listing(&settings.resolved),
        });
    }
    let looked_at = settings.setting("config").and_then(|c| c.value.as_str());
    let file_line = match (&config_file, looked_at) {
        (Some(path), _) => path.clone(),
        (None, Some(path)) => format!("none ({path} does not exist)"),
        (None, None) => "none (no platform config directory)".to_owned(),
    };
    let database_line = match &database {
        Ok(d) => format!("{} on {}:{} as {}", d.name, d.host, d.port, d.user),
        Err(e) => format!("- ({})", redact_secrets(&e.to_string())),
    };
    // On a terminal each line is cut to its width like the table below (a refused
    // connection's reason can be long); a pipe has it whole.
    let header = |label: &str, value: &str| {
        let line = format!("{label:<13}{value}");
        match ctx.width {
            Some(width) => crate::layout::cut(&line, usize::from(width)),
            None => line,
        }
    };
    ctx.println(&header("config file", &file_line))?;
    ctx.println(&header("database", &database_line))?;
    let identity_line = match &identity {
        Ok(i) => format!(
            "login {}, mode {}{}",
            i.login,
            i.mode,
            i.user
                .as_deref()
                .map(|u| format!(", user {u}"))
                .unwrap_or_default()
        ),
        Err(reason) => format!("- ({reason})"),
    };
    ctx.println(&header("identity", &identity_line))?;
    ctx.println("")?;
    // On a terminal the value is cut (`…`) to the room the setting and its source
    // leave, so every row stays one line at 80 columns; a pipe or --json has it whole.
    let rows = settings
        .resolved
        .iter()
        .map(|setting| {
            vec![
                Cell::new(setting.key),
                Cell::new(setting.value_text()),
                Cell::new(setting.source_text()),
            ]
        })
        .collect();
    let table = ctx.fitted_table(
        &[
            Column::keep("SETTING"),
            Column::cut("VALUE", 1),
            Column::keep("SOURCE"),
        ],
        rows,
    );
    ctx.println(&table.to_string())
}
