//! The `suppression` command group's arguments: addresses the export email is never sent to.

use clap::{Args, Subcommand, ValueEnum};

#[derive(Debug, Subcommand)]
pub(crate) enum SuppressionCommand {
    /// Put an address on the suppression list, or change its reason
    ///
    /// The export email is never sent to a suppressed address (the export itself still
    /// completes). Adding an address that is already listed replaces its reason; adding
    /// it again with the same reason changes nothing. Each change and its audit entry
    /// (`email.suppression.added`) are written in one transaction.
    ///
    /// Example: invoicectl suppression add bob@example.com --reason bounce
    Add(AddArgs),
    /// Take an address off the suppression list
    ///
    /// The removal and its audit entry (`email.suppression.removed`) are written in one
    /// transaction. An address that is not listed exits 66 and writes nothing.
    ///
    /// Example: invoicectl suppression remove bob@example.com
    Remove(RemoveArgs),
    /// List every suppressed address, its reason and when it was suppressed
    ///
    /// Example: invoicectl suppression list --json
    List,
}

/// Why an address is suppressed (the command-line spelling of [`Reason`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReasonArg {
    /// Mail to the address bounced
    Bounce,
    /// The recipient marked our mail as spam
    Complaint,
    /// The recipient asked not to be emailed
    Unsubscribe,
}

/// Who is making the change, recorded as the audit entry's actor.
#[derive(Debug, Args)]
pub(crate) struct ActorArgs {
    /// The user making the change, recorded in the audit log (default: config key
    /// `user`; none means the entry has no actor)
    #[arg(
        long = "as",
        id = "user",
        value_name = "USER",
        env = "INVOICECTL_USER",
        hide_env_values = true
    )]
    pub as_user: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct AddArgs {
    /// The address to stop emailing (stored lowercase)
    #[arg(value_name = "EMAIL")]
    pub email: String,

    /// Why the address is suppressed
    #[arg(long, value_enum, value_name = "REASON")]
    pub reason: ReasonArg,

    #[command(flatten)]
    pub actor: ActorArgs,
}

#[derive(Debug, Args)]
pub(crate) struct RemoveArgs {
    /// The address to email again
    #[arg(value_name = "EMAIL")]
    pub email: String,

    #[command(flatten)]
    pub actor: ActorArgs,
}
