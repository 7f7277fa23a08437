//! `generate-assets`: the hidden maintainer command that writes the checked-in
//! completion scripts (`completions/`) and man pages (`man/`). It is added to the
//! parser only (see [`crate::cli::parser`]), never to the public tree, so neither
//! `--help`, the man pages nor the completion scripts mention it.
//!
//! Regenerate after changing anything in the clap definitions (help text included):
//! `cargo run -- generate-assets --out-dir .` (tests/assets.rs fails until you do).

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{ArgMatches, Args, FromArgMatches};

use crate::error::{CommandError, ExitKind};

/// The subcommand's name on the command line.
pub const NAME: &str = "generate-assets";

#[derive(Debug, Args)]
pub struct GenerateAssetsArgs {
    /// The repository root: files go to DIR/completions/ and DIR/man/
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,

    /// Write nothing; exit 1 naming every file that is missing, stale or different
    #[arg(long)]
    pub check: bool,
}

/// The hidden subcommand, for [`crate::cli::parser`].
pub fn command() -> clap::Command {
    GenerateAssetsArgs::augment_args(
        clap::Command::new(NAME)
            .hide(true)
            .about("Regenerate the checked-in completion scripts and man pages")
            .long_about(
                "Regenerate the checked-in completion scripts (completions/) and man pages \
                 (man/) from the clap definitions.\n\n\
                 Example: invoicectl generate-assets --out-dir .",
            ),
    )
}

pub fn run(matches: &ArgMatches) -> anyhow::Result<()> {
    let args = GenerateAssetsArgs::from_arg_matches(matches)?;
    let assets = crate::assets::render_all();
    if args.check {
        let mut problems = crate::assets::differences(&args.out_dir, &assets);
        problems.extend(crate::assets::doc_differences(&args.out_dir));
        if problems.is_empty() {
            return Ok(());
        }
        return Err(CommandError::new(
            ExitKind::Failure,
            format!(
                "{} out of date: {}; run `{}`",
                problems.len(),
                problems.join(", "),
                crate::assets::REGENERATE
            ),
        )
        .into());
    }
    let mut written = crate::assets::write_all(&args.out_dir, &assets)
        .with_context(|| format!("cannot write the assets under {}", args.out_dir.display()))?;
    // The generated blocks of docs/ (exit codes, settings); the prose around them stays.
    for doc in crate::assets::render_docs(&args.out_dir) {
        let path = args.out_dir.join(&doc.path);
        std::fs::write(&path, &doc.bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
    }
    let mut out = std::io::stdout().lock();
    for path in written {
        std::io::Write::write_all(&mut out, format!("{}\n", path.display()).as_bytes())?;
    }
    Ok(())
}
