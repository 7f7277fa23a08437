//! The hidden maintainer command `generate-assets`: its name and arguments. It is
//! added to the parser only ([`super::parser`]), never to the public tree, so neither
//! `--help`, the man pages nor the completion scripts mention it.

use std::path::PathBuf;

use clap::Args;

/// The subcommand's name on the command line.
pub(crate) const NAME: &str = "generate-assets";

/// The hidden subcommand, for [`super::parser`].
pub(crate) fn command() -> clap::Command {
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

#[derive(Debug, Args)]
pub(crate) struct GenerateAssetsArgs {
    /// The repository root: files go to DIR/completions/ and DIR/man/
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,

    /// Write nothing; exit 1 naming every file that is missing, stale or different
    #[arg(long)]
    pub check: bool,
}
