//! Diagnostics to stderr through `tracing`: info by default, `-q` for warnings only,
//! `-v`/`-vv` for debug/trace, RUST_LOG for anything finer.

use tracing_subscriber::EnvFilter;

use crate::cli::GlobalArgs;
use crate::context::color_enabled;

pub fn init(global: &GlobalArgs) {
    let level = match (global.quiet, global.verbose) {
        (true, _) => "warn",
        (false, 0) => "info",
        (false, 1) => "debug",
        (false, _) => "trace",
    };
    // Our own crate at the chosen level; libraries only when something is wrong.
    let default = format!("warn,invoicectl={level}");
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| EnvFilter::try_new(v).ok())
        .unwrap_or_else(|| EnvFilter::new(default));
    let ansi = color_enabled(
        global.color,
        std::io::IsTerminal::is_terminal(&std::io::stderr()),
    );
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(false)
        .try_init();
}
