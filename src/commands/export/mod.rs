//! `invoicectl export …`: request exports, watch them, run the worker, cancel, and
//! fetch or prune the stored files.

mod cancel;
mod display;
mod download;
mod follow;
mod pause;
mod prune;
mod queue;
mod retry;
mod schedule;
mod start;
mod status;
mod url;
mod worker;

use crate::context::Context;

use crate::cli::export::ExportCommand;
pub(crate) use follow::{Follow, follow_run};
pub(crate) use status::print_run;
pub(crate) use worker::{WorkerPlan, run_worker};

pub(crate) async fn run(cmd: ExportCommand, ctx: &Context) -> anyhow::Result<()> {
    match cmd {
        ExportCommand::Start(args) => start::run(args, ctx).await,
        ExportCommand::Status(args) => status::run(args, ctx).await,
        ExportCommand::Cancel(args) => cancel::run(args, ctx).await,
        ExportCommand::Worker(args) => worker::run(args, ctx).await,
        ExportCommand::Queue(args) => queue::run(args, ctx).await,
        ExportCommand::Url(args) => url::run(args, ctx).await,
        ExportCommand::Download(args) => download::run(args, ctx).await,
        ExportCommand::Prune(args) => prune::run(args, ctx).await,
        ExportCommand::Retry(args) => retry::run(args, ctx).await,
        ExportCommand::Pause(args) => pause::run_pause(args, ctx).await,
        ExportCommand::Resume(args) => pause::run_resume(args, ctx).await,
        ExportCommand::Schedule(cmd) => schedule::run(cmd, ctx).await,
    }
}
