//! One module per command group, one function per leaf command (like sqlx-cli).
//! Commands are the edge: they turn typed errors into `anyhow` with context and
//! print results; the exit code is decided in [`exit`].

pub mod audit;
pub mod completions;
pub mod config;
pub mod db;
pub mod demo;
pub mod exit;
pub mod export;
pub mod generate_assets;
pub mod member;
pub mod org;
pub mod suppression;
pub mod user;
pub mod whoami;

use crate::cli::{Cli, Command};
use crate::context::Context;

pub async fn dispatch(cli: Cli, ctx: Context) -> anyhow::Result<()> {
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
