//! The command line: `serve`; `admin …` for agents, and for merchants trying out identity
//! tokens; `migrate`; `migrate-store` (one machine's stores into PostgreSQL and a bucket);
//! and `policy show | check` for merchants writing their own policy.
//!
//! Here the commands as clap reads them and which module runs each; one module a command
//! group (`serve`, `policy`, `migrate`, `backup`, `admin tickets`, …), and below them all
//! `target` (what a command works on) and `terminal` (what it reads and prints).

mod agents;
mod backup;
mod identity;
mod keys;
mod migrate;
mod outbox;
mod policy;
mod serve;
mod shopper;
mod target;
mod terminal;
mod tickets;
mod webhooks;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::AppState;
use crate::sites::{IdentitySecret, Sites};

pub use serve::LogFormat;

use target::{AdminTarget, TargetArgs};
use terminal::fail;

#[derive(Parser, Debug)]
#[command(
    name = "helpcenter-server",
    version,
    about = "The Help Center ticket service"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the widget and its API.
    Serve(serve::ServeArgs),
    /// Inspect a Help Center policy.
    Policy {
        #[command(subcommand)]
        command: policy::PolicyCommand,
    },
    /// Work tickets from the command line, on the data directory (what the admin API does).
    Admin(AdminArgs),
    /// Create or bring the database schema up to date, then exit (serve does this too).
    Migrate {
        #[arg(long, env = "HELPCENTER_DATA_DIR", default_value = "data")]
        data_dir: PathBuf,
        /// `sqlite://PATH` or `postgres://USER@HOST/DATABASE`; SQLite in the data directory
        /// without it.
        #[arg(long, env = "HELPCENTER_DATABASE_URL")]
        database_url: Option<String>,
    },
    /// Copy a one-machine deployment (SQLite and evidence files) into PostgreSQL and an S3 bucket, verified.
    MigrateStore(crate::migrate_store::MigrateStoreArgs),
}

#[derive(clap::Args, Debug)]
struct AdminArgs {
    #[command(flatten)]
    target: TargetArgs,
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Print the SHA-256 of an admin key, for a site's `admin_key_sha256`. The key is read
    /// from HELPCENTER_ADMIN_KEY, else from the first line of standard input (never from the
    /// command line, where other users and the shell's history would see it).
    HashKey,
    /// Copy the data directory into a new directory while the server runs: the database as
    /// one consistent snapshot, the evidence files its tickets hold, the server's secrets, and
    /// manifest.json with every file's SHA-256. SQLite only: back up PostgreSQL with pg_dump.
    Backup {
        /// A new (or empty) directory for this backup.
        #[arg(long)]
        to: PathBuf,
    },
    /// Check a backup against its manifest, then restore it into the data directory (of
    /// --config, or --data-dir). Refuses a directory that holds anything, unless --force.
    Restore {
        /// The backup's directory (with its manifest.json).
        #[arg(long)]
        from: PathBuf,
        /// Restore into a data directory that holds something: what it holds is moved aside
        /// into before-restore-… inside it, never deleted.
        #[arg(long)]
        force: bool,
    },
    /// Print an identity token for a customer, signed as the store's backend signs it, to try
    /// "my requests" without a store: with the site's secret, read as `serve` reads it.
    SignIdentity(identity::SignIdentityArgs),
    #[command(subcommand)]
    Tickets(tickets::TicketCommand),
    /// The site's mail to shoppers and alerts: what is pending or failed and why.
    #[command(subcommand)]
    Outbox(outbox::OutboxCommand),
    /// The site's agents, who sign in to the console at /console/.
    #[command(subcommand)]
    Agents(agents::AgentCommand),
    /// The site's admin API keys: rotate to a new one, list them.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// The site's webhooks: endpoints, the delivery log, sending again, signing secrets.
    #[command(subcommand)]
    Webhooks(webhooks::WebhooksCommand),
    /// A shopper's request about their data: see everything kept, or erase it.
    #[command(subcommand)]
    Shopper(shopper::ShopperCommand),
}

impl Cli {
    pub fn run(self) -> ExitCode {
        match self.command {
            Command::Serve(args) => serve::run(args),
            Command::Policy { command } => policy::run(command),
            Command::Admin(args) => run_admin(args),
            Command::Migrate {
                data_dir,
                database_url,
            } => migrate::run(&data_dir, database_url.as_deref()),
            Command::MigrateStore(args) => crate::migrate_store::run(args),
        }
    }
}

fn run_admin(args: AdminArgs) -> ExitCode {
    let AdminArgs { target, command } = args;
    // What needs no site: answered before any site is looked for.
    match &command {
        AdminCommand::HashKey => return keys::hash_key(),
        AdminCommand::Backup { to } => return backup::backup(&target, to),
        AdminCommand::Restore { from, force } => return backup::restore(&target, from, *force),
        _ => {}
    }
    // Only signing a token needs a site's identity secret.
    let secrets = match command {
        AdminCommand::SignIdentity(_) => IdentitySecret::Required,
        _ => IdentitySecret::NotNeeded,
    };
    let AdminTarget {
        sites,
        site_key,
        data_dir,
        database,
        evidence,
    } = match target.resolve(secrets) {
        Ok(found) => found,
        Err(message) => return fail(&message),
    };
    if let Err(e) = std::fs::create_dir_all(&data_dir) {
        return fail(&format!("cannot create {}: {e}", data_dir.display()));
    }
    let work = match command {
        // Answered above: they need no site.
        AdminCommand::HashKey | AdminCommand::Backup { .. } | AdminCommand::Restore { .. } => {
            return ExitCode::SUCCESS;
        }
        AdminCommand::SignIdentity(sign) => return identity::sign(&sites, &site_key, &sign),
        AdminCommand::Agents(command) => {
            return agents::run(sites, &data_dir, &database, &site_key, command);
        }
        AdminCommand::Tickets(command) => AdminWork::Tickets(command),
        AdminCommand::Outbox(command) => AdminWork::Outbox(command),
        AdminCommand::Keys(command) => AdminWork::Keys(command),
        AdminCommand::Webhooks(command) => AdminWork::Webhooks(command),
        AdminCommand::Shopper(command) => AdminWork::Shopper(command),
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };
    runtime.block_on(async {
        let state = match AppState::open(Sites::new(sites), &data_dir, &database, &evidence).await {
            Ok(state) => state,
            Err(e) => return fail(&format!("{e:#}")),
        };
        let Some(site) = state.sites.get(&site_key) else {
            return fail(&format!("there is no site {site_key:?}"));
        };
        let done = match work {
            AdminWork::Tickets(command) => tickets::run(&state, site, command).await,
            AdminWork::Outbox(command) => outbox::run(&state, site, command).await,
            AdminWork::Keys(command) => keys::run(&state, site, command).await,
            AdminWork::Webhooks(command) => webhooks::run(&state, site, command).await,
            AdminWork::Shopper(command) => shopper::run(&state, site, command).await,
        };
        match done {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => fail(&message),
        }
    })
}

/// What an `admin` command works on, once the data directory is open.
enum AdminWork {
    Tickets(tickets::TicketCommand),
    Outbox(outbox::OutboxCommand),
    Keys(keys::KeysCommand),
    Webhooks(webhooks::WebhooksCommand),
    Shopper(shopper::ShopperCommand),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys, passwords, tokens and secrets come from the environment or standard input:
    /// other users see a process's arguments, and shells keep them in their history.
    #[test]
    fn no_command_takes_a_secret_as_an_argument() {
        use clap::CommandFactory;
        fn walk(command: &clap::Command, path: &str, found: &mut Vec<String>) {
            for arg in command.get_arguments() {
                let name = arg.get_id().as_str().to_ascii_lowercase();
                if ["password", "secret", "token", "key", "passphrase"]
                    .iter()
                    .any(|word| name.contains(word))
                {
                    found.push(format!("{path} {name}"));
                }
            }
            for sub in command.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), found);
            }
        }
        let mut found = Vec::new();
        walk(&Cli::command(), "helpcenter-server", &mut found);
        assert_eq!(found, Vec::<String>::new(), "secrets taken as arguments");
        // The walk reaches every command (it would find a secret where there is one).
        let mut all = Vec::new();
        fn count(command: &clap::Command, all: &mut Vec<String>) {
            all.push(command.get_name().to_owned());
            for sub in command.get_subcommands() {
                count(sub, all);
            }
        }
        count(&Cli::command(), &mut all);
        for name in ["hash-key", "sign-identity", "rotate", "add", "set-password"] {
            assert!(all.iter().any(|n| n == name), "{name} in {all:?}");
        }
    }
}
