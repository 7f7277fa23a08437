//! One module per command group, one function per leaf command (like sqlx-cli).
//! Commands are the edge: they turn typed errors into `anyhow` with context and
//! print results; the exit code is decided in [`exit`].

pub(crate) mod audit;
pub(crate) mod completions;
pub(crate) mod config;
pub(crate) mod db;
pub(crate) mod demo;
pub mod exit;
pub(crate) mod export;
pub(crate) mod generate_assets;
pub(crate) mod member;
pub(crate) mod org;
pub(crate) mod suppression;
pub(crate) mod user;
pub(crate) mod whoami;

use crate::cli::{Cli, Command};
use crate::context::Context;

pub(crate) async fn dispatch(cli: Cli, ctx: Context) -> anyhow::Result<()> {
    match cli.command {
        Command::Db(cmd) => db::run(cmd, &ctx).await,
        Command::Export(cmd) => export::run(cmd, &ctx).await,
        Command::Suppression(cmd) => suppression::run(cmd, &ctx).await,
        Command::Audit(cmd) => audit::run(cmd, &ctx).await,
        Command::Config(cmd) => config::run(cmd, &ctx).await,
        Command::Org(cmd) => org::run(cmd, &ctx).await,
        Command::Member(cmd) => member::run(cmd, &ctx).await,
        Command::User(cmd) => user::run(cmd, &ctx).await,
        Command::Whoami => whoami::run(&ctx).await,
        Command::Demo(args) => demo::run(args, &ctx).await,
        Command::Completions(args) => completions::run(&args),
    }
}
