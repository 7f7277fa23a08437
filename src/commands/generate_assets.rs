//! `generate-assets`: the hidden maintainer command that writes the checked-in
//! completion scripts (`completions/`) and man pages (`man/`); its arguments are
//! [`crate::cli::generate_assets`].
//!
//! Regenerate after changing anything in the clap definitions (help text included):
//! `cargo run -- generate-assets --out-dir .` (tests/assets.rs fails until you do).

use anyhow::Context as _;
use clap::{ArgMatches, FromArgMatches};

use crate::cli::generate_assets::GenerateAssetsArgs;
use crate::error::{CommandError, ExitKind};

pub(crate) fn run(matches: &ArgMatches) -> anyhow::Result<()> {
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
