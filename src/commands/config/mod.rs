//! `invoicectl config …`: what the configuration resolved to and where each setting
//! came from — the first question when a setting does not take, answered the way
//! `cargo config get --show-origin`, `kubectl config view` and `gh config list` do.
//! It needs no database (only the flags, the environment and the config file); when
//! one answers, it also says who the database says this is.

mod show;

use crate::cli::config::ConfigCommand;
use crate::context::Context;

pub(crate) async fn run(cmd: ConfigCommand, ctx: &Context) -> anyhow::Result<()> {
    match cmd {
        ConfigCommand::Show => show::run(ctx).await,
    }
}
