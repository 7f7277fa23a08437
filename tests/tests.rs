//! The integration tests: ONE test binary (`[[test]] name = "integration"` with
//! `autotests = false` in Cargo.toml, the layout ripgrep uses), one module per area.
//! Helpers shared by several modules live once in [`common`]; the engine's test
//! tasks are the `invoicectl-testbed` crate (testbed/), which the engine benchmark
//! and the `engine_testbed` example use too.
//!
//! One file: `cargo test --test integration operator::` (a module path filter).

mod common;

mod assets;
mod audit;
mod config;
mod confine;
mod copy_stream;
mod csv;
mod discover;
mod email;
mod engine;
mod engine_scale;
mod export_start;
mod export_task;
mod foundation;
mod identity;
mod lanes;
mod links;
mod lost_workers;
mod metrics_listener;
mod operator;
mod output;
mod readme;
mod scopes;
mod storage;
mod storage_faults;
mod terminal;
