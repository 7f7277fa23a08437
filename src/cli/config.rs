//! The `config` command group's arguments.

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Print every setting, its value and where it came from: flag, env, file or default
    ///
    /// Each setting resolves flag > environment variable > config file > default; the
    /// SOURCE column says which one won and names the flag or variable. Secrets are
    /// shown as *** (a URL's password and secret query parameters, any setting named
    /// like a credential). The database line is where the database settings, or
    /// libpq's PG* variables, point; the identity line is who the database says this
    /// is (login, mode, user; see `invoicectl whoami`), asked with a 2 s limit and
    /// left out when it cannot be reached.
    ///
    /// With --json, one object: configFile (the file read, or null), database (host,
    /// port, name, user; null when the URL is not valid), identity (login, user, mode,
    /// groups; null when the database could not be asked) and settings, keyed by config
    /// key, each with value (null when unset), source (flag, env, file or default) and
    /// origin (the flag, variable or file, null for a default).
    ///
    /// Example: invoicectl config show --json
    Show,
}
