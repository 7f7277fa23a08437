//! `completions SHELL`: print a completion script. The script is the one
//! checked in under `completions/`, rendered by [`crate::assets`] from the same clap
//! definitions, so the two cannot differ (tests/assets.rs holds them equal).

use std::io::Write as _;

use crate::cli::CompletionsArgs;

/// Writes the script to stdout. Runs before the configuration is loaded, so it works
/// on a machine with no config file and no database.
pub(crate) fn run(args: &CompletionsArgs) -> anyhow::Result<()> {
    let script = crate::assets::completion(args.shell, crate::cli::command());
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(())
}
