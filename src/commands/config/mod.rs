//! `invoicectl config …`: what the configuration resolved to and where each setting
//! came from — the first question when a setting does not take, answered the way
//! `cargo config get --show-origin`, `kubectl config view` and `gh config list` do.
//! It needs no database: only the flags, the environment and the config file.

mod show;

use clap::Subcommand;

use crate::context::Context;

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print every setting, its value and where it came from: flag, env, file or default
    ///
    /// Each setting resolves flag > environment variable > config file > default; the
    /// SOURCE column says which one won and names the flag or variable. Secrets are
    /// shown as *** (a URL's password and secret query parameters, any setting named
    /// like a credential). The database line is where the database settings, or
    /// libpq's PG* variables, point; nothing connects to it.
    ///
    /// With --json, one object: configFile (the file read, or null), database (host,
    /// port, name, user; null when the URL is not valid) and settings, keyed by config
    /// key, each with value (null when unset), source (flag, env, file or default) and
    /// origin (the flag, variable or file, null for a default).
    ///
    /// Example: invoicectl config show --json
    Show,
}

pub fn run(cmd: ConfigCommand, ctx: &Context) -> anyhow::Result<()> {
    match cmd {
        ConfigCommand::Show => show::run(ctx),
    }
}
