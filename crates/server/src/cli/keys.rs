//! `admin keys …` and `admin hash-key`: a site's admin API keys.

use std::process::ExitCode;

use clap::Subcommand;

use super::terminal::{fail, secret_input};
use crate::AppState;
use crate::sites::Site;

#[derive(Subcommand, Debug)]
pub(super) enum KeysCommand {
    /// Make a new admin key, printed once on standard output (alone, for a script to take).
    /// The keys in use keep working for the rollover window, then only the new one does; a
    /// running server sees the change at once.
    Rotate {
        /// How long the keys in use keep working: 24h, 90m, 2d, … up to 30d; 0s ends them now.
        #[arg(long, default_value = "24h", value_parser = crate::admin_keys::parse_overlap)]
        overlap: jiff::SignedDuration,
    },
    /// The site's keys by fingerprint, and until when each is accepted.
    List,
}

/// The new key alone on standard output; what it means on standard error.
pub(super) async fn run(state: &AppState, site: &Site, command: KeysCommand) -> Result<(), String> {
    match command {
        KeysCommand::Rotate { overlap } => {
            let rotated = crate::admin_keys::rotate(&state.store, site, overlap)
                .await
                .map_err(|e| e.to_string())?;
            println!("{}", rotated.key);
            eprintln!(
                "New admin key for site {:?} above, shown this once: keep it where your \
                 automation reads secrets. Its SHA-256 (for admin_key_sha256, if you keep the \
                 config in step): {}",
                site.key, rotated.key_sha256
            );
            eprintln!(
                "The keys used until now keep working until {}, then only the new one does.",
                crate::admin_keys::seconds(rotated.previous_until)
            );
        }
        KeysCommand::List => {
            let keys = crate::admin_keys::list(&state.store, site)
                .await
                .map_err(|e| e.to_string())?;
            for key in keys {
                println!("{}  {:<7}  {}", key.fingerprint, key.source, key.state);
            }
        }
    }
    Ok(())
}

/// `admin hash-key`: the SHA-256 of an admin key (from the environment or standard input),
/// for a site's `admin_key_sha256`.
pub(super) fn hash_key() -> ExitCode {
    match secret_input("HELPCENTER_ADMIN_KEY", "the admin key") {
        Ok(key) => {
            println!("{}", crate::auth::sha256_hex(&key));
            ExitCode::SUCCESS
        }
        Err(message) => fail(&message),
    }
}
