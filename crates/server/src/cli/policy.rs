//! `policy show | check`: for merchants writing their own policy.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use helpcenter_core::Policy;

use super::terminal::fail;

#[derive(Subcommand, Debug)]
pub(super) enum PolicyCommand {
    /// Print the decision tree, outcomes and wording of a policy (the built-in one by default).
    Show {
        /// A policy file in the format of the built-in one.
        #[arg(long)]
        file: Option<PathBuf>,
        #[arg(long, default_value = "en")]
        locale: String,
        /// Print the built-in policy's TOML, the starting point for a site's own file.
        #[arg(long, conflicts_with = "file")]
        toml: bool,
    },
    /// Check a policy file and list every problem in it.
    Check { file: PathBuf },
}

pub(super) fn run(command: PolicyCommand) -> ExitCode {
    match command {
        PolicyCommand::Show { toml: true, .. } => {
            print!("{}", helpcenter_core::load::DEFAULT_POLICY_TOML);
            ExitCode::SUCCESS
        }
        PolicyCommand::Show { file, locale, .. } => {
            let policy = match file {
                None => Policy::builtin(),
                Some(path) => match load(&path) {
                    Ok(policy) => policy,
                    Err(code) => return code,
                },
            };
            print!("{}", policy.outline(&locale));
            ExitCode::SUCCESS
        }
        PolicyCommand::Check { file } => match load(&file) {
            Ok(policy) => {
                println!(
                    "{}: ok ({} categories, {} questions, {} outcomes, locales: {})",
                    file.display(),
                    policy.categories.len(),
                    policy.questions.len(),
                    policy.outcomes.len(),
                    policy
                        .messages
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                ExitCode::SUCCESS
            }
            Err(code) => code,
        },
    }
}

/// A merchant's policy file, checked; what it should still look at is said on standard
/// error (the policy is used all the same).
fn load(path: &std::path::Path) -> Result<Policy, ExitCode> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| fail(&format!("cannot read {}: {e}", path.display())))?;
    let (policy, warnings) = Policy::read_toml(&text)
        .map_err(|errors| fail(&format!("{}: {errors}", path.display())))?;
    for warning in warnings {
        eprintln!("warning: {}: {warning}", path.display());
    }
    Ok(policy)
}
